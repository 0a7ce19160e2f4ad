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
use crate::reserve;

pub use lexer::PackOp;
use lexer::TokKind;

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
/// Out of memory (the text's probe refused, or an allocation refused while parsing) is
/// [`Error::NotEnoughMemory`], with nothing registered (see [`crate::reserve`]).
pub fn cdef(reg: &mut Registry, src: &str, params: &[Param]) -> Result<(), Error> {
    check_nul(src)?;
    memory_for(reg, src)?;
    let src = lexer::join_splices(src);
    let txn = reg.begin();
    match parser::Parser::new(reg, &src, params, parser::Mode::Declarations)
        .and_then(|mut p| p.declarations())
        .and_then(|()| memory_kept())
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
    memory_for(reg, src)?;
    let src = lexer::join_splices(src);
    let txn = reg.begin();
    match parser::Parser::new(reg, &src, params, parser::Mode::Type)
        .and_then(|mut p| p.type_only())
        .and_then(|id| memory_kept().map(|()| id))
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

/// Before a parse: the reserve is in place, the system can give what parsing `src` may
/// take, and the registry has room for a type per byte of a short text (a long one's
/// growth is within its probe); an earlier refusal, already reported, is forgotten.
fn memory_for(reg: &mut Registry, src: &str) -> Result<(), Error> {
    reserve::take_refusal();
    if reserve::parse_may_start(src.len())
        && reg.try_reserve(src.len().min(reserve::PARSE_PROBE_FROM))
    {
        Ok(())
    } else {
        Err(Error::NotEnoughMemory)
    }
}

/// After a parse: no allocation was refused during it.
fn memory_kept() -> Result<(), Error> {
    if reserve::take_refusal() {
        Err(Error::NotEnoughMemory)
    } else {
        Ok(())
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

/// An integer constant's value and C type: its bits (sign- or zero-extended to 64) and
/// whether it is a 4- or 8-byte, signed or unsigned integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntConstant {
    pub bits: u64,
    pub size: u8,
    pub signed: bool,
}

impl IntConstant {
    /// The value as C reads it.
    pub fn value(self) -> i128 {
        if self.signed {
            self.bits as i64 as i128
        } else {
            self.bits as i128
        }
    }
}

/// Evaluates `src` as one integer constant expression (C's rules: literal types, usual
/// arithmetic conversions, casts, `sizeof`), over the registry's enum and `static const`
/// constants and types. The registry is left unchanged.
pub fn eval_int(reg: &mut Registry, src: &str) -> Result<IntConstant, Error> {
    let src = lexer::join_splices(src);
    let txn = reg.begin();
    let result = parser::Parser::new(reg, &src, &[], parser::Mode::Type)
        .and_then(|mut p| p.expression_only());
    reg.rollback(txn);
    result.map(|v| IntConstant {
        bits: v.bits,
        size: v.ty.size,
        signed: v.ty.signed,
    })
}

/// One token of a `#define`'s replacement text, as [`macro_tokens`] classifies it.
#[derive(Clone, Debug, PartialEq)]
pub enum MacroToken {
    Ident(String),
    /// A string literal's contents, escapes decoded.
    Str(String),
    /// A floating literal's spelling (suffix included).
    Float(String),
    Int,
    Punct(&'static str),
    Other,
}

/// The tokens of `src` with their spellings (no `$` parameters: a `$` is
/// [`MacroToken::Other`]).
pub fn macro_tokens(src: &str) -> Result<Vec<(MacroToken, String)>, Error> {
    let (tokens, _) = lexer::tokenize(src)?;
    Ok(tokens
        .iter()
        .filter(|t| t.kind != TokKind::Eof)
        .map(|t| {
            let text = &src[t.start as usize..t.end as usize];
            let token = match &t.kind {
                TokKind::Ident => MacroToken::Ident(text.to_string()),
                TokKind::Str(s) => MacroToken::Str(s.clone()),
                TokKind::Float => MacroToken::Float(text.to_string()),
                TokKind::Int(..) | TokKind::Char(_) => MacroToken::Int,
                TokKind::Punct(p) => MacroToken::Punct(p),
                _ => MacroToken::Other,
            };
            (token, text.to_string())
        })
        .collect())
}

/// The top-level declarations of `src`, verbatim: each ends at a `;` outside brackets
/// (a `#pragma` line is one of its own, flagged `true`). Text after the last `;` is
/// the last item.
pub fn split_declarations(src: &str) -> Result<Vec<(&str, bool)>, Error> {
    let (tokens, _) = lexer::tokenize(src)?;
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut from = 0usize;
    for t in &tokens {
        let end = t.end as usize;
        match &t.kind {
            TokKind::Punct("(" | "[" | "{") => depth += 1,
            TokKind::Punct(")" | "]" | "}") => depth = depth.saturating_sub(1),
            TokKind::Punct(";") if depth == 0 => {
                items.push((&src[from..end], false));
                from = end;
            }
            TokKind::Pragma(_) if depth == 0 => {
                items.push((&src[t.start as usize..end], true));
                from = end;
            }
            TokKind::Eof if !src[from..].trim().is_empty() => items.push((&src[from..], false)),
            _ => {}
        }
    }
    Ok(items)
}
