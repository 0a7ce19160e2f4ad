//! C declarations → registered types: lexes and parses `ffi.cdef` text and type strings
//! into the [`Registry`](crate::ctype::Registry). No unsafe, no Luau, no libffi.
//!
//! Like LuaJIT's parser this is not a validating C parser: it accepts what real headers
//! (after `cc -E`) contain and what LuaJIT's "C Language Support" lists, registers types
//! as it goes (no AST), and runs each `cdef` as one registry transaction, so a failing
//! `cdef` leaves nothing behind.

#![forbid(unsafe_code)]

mod expr;
mod lexer;
mod parser;

use crate::ctype::{CTypeId, Registry};
use crate::error::{Error, ParseMessage};

pub use lexer::PackOp;

/// Deepest nesting of declarators, struct definitions, parameter lists and
/// parenthesised expressions before `chunk has too many syntax levels`.
pub const MAX_NESTING: u32 = 64;
/// Most parameters of one function type.
pub const MAX_PARAMS: usize = 1024;
/// Most members of one struct or union.
pub const MAX_FIELDS: usize = 1 << 16;

/// What a `$` in the source stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Param {
    /// A ctype, wherever a type may stand.
    Type(CTypeId),
    /// An identifier, wherever a name may stand (a field name, a tag, a declarator).
    Name(String),
    /// A number, wherever a constant may stand (an array size, an enum value).
    Number(i64),
}

/// Parses `src` as a sequence of C declarations and registers them (`ffi.cdef`).
/// All or nothing: on error the registry is unchanged.
pub fn cdef(reg: &mut Registry, src: &str, params: &[Param]) -> Result<(), Error> {
    check_nul(src)?;
    let src = lexer::join_splices(src);
    let txn = reg.begin();
    match parser::Parser::new(reg, &src, params, parser::Mode::Declarations)
        .and_then(|mut p| p.declarations())
    {
        Ok(()) => {
            reg.commit(txn);
            Ok(())
        }
        Err(e) => {
            reg.rollback(txn);
            Err(locate(&src, e))
        }
    }
}

/// Parses `src` as one abstract type, e.g. `int(*)(int)`, `struct foo *`, `uint8_t[$]`
/// (`ffi.typeof`). May define a struct (`struct { int x; }`).
pub fn parse_type(reg: &mut Registry, src: &str, params: &[Param]) -> Result<CTypeId, Error> {
    check_nul(src)?;
    let src = lexer::join_splices(src);
    let txn = reg.begin();
    match parser::Parser::new(reg, &src, params, parser::Mode::Type).and_then(|mut p| p.type_only())
    {
        Ok(id) => {
            reg.commit(txn);
            Ok(id)
        }
        Err(e) => {
            reg.rollback(txn);
            Err(e)
        }
    }
}

/// A NUL would end the text for C (and for LuaJIT, which drops the rest): refused.
fn check_nul(src: &str) -> Result<(), Error> {
    match src.find('\0') {
        Some(at) => {
            let line = src[..at].matches('\n').count() as u32 + 1;
            Err(Error::parse(ParseMessage::EmbeddedNul, line))
        }
        None => Ok(()),
    }
}

/// A parse error's line, moved to the file and line a `# N "file"` marker (from
/// `cc -E`) says the text came from.
fn locate(src: &str, e: Error) -> Error {
    match e {
        Error::Parse {
            message,
            near,
            line,
            file: None,
        } if src.contains('#') => match lexer::map_line(&lexer::line_marks(src), line) {
            Some((file, line)) => Error::Parse {
                message,
                near,
                line,
                file,
            },
            None => Error::Parse {
                message,
                near,
                line,
                file: None,
            },
        },
        e => e,
    }
}
