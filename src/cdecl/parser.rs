//! Recursive-descent parser for declarations: specifiers, declarators (as layers applied
//! to a base type), struct/union/enum bodies, attributes and `#pragma pack`.

use super::lexer::{tokenize, PackOp, TokKind, Token};
use super::{Param, MAX_FIELDS, MAX_NESTING, MAX_PARAMS};
use crate::ctype::layout::{FieldDecl, LayoutError, RecordAttrs, MAX_PACK_DEPTH};
use crate::ctype::{
    ArrayLen, CTypeId, CTypeKind, EnumDef, PackStack, Quals, Registry, Symbol, TagKind,
    DEFAULT_MAX_ALIGN, LONG_DOUBLE_SIZE, LONG_SIZE, MAX_ALIGN, MAX_TYPE_SIZE,
};
use crate::error::{Error, ParseMessage};

/// Whether the text is a list of declarations (`cdef`) or one abstract type (`typeof`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Declarations,
    Type,
}

/// What a declarator may contain.
/// Where declaration specifiers are read: which storage classes may appear there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SpecAt {
    /// A top-level declaration: `typedef`, `extern`, `static`, `__thread`.
    Top,
    /// A struct or union member: `static` (a `static const` member).
    Member,
    /// A parameter: `register`.
    Param,
    /// A type name (`ffi.typeof`, casts, `sizeof`, an enum's fixed type): none.
    TypeName,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DeclaratorKind {
    /// Must name something (top-level declarations, members).
    Named,
    /// Must not name anything (type strings, casts, `sizeof`).
    Abstract,
    /// Parameters: either.
    Either,
}

/// Storage classes and function specifiers seen in a declaration.
#[derive(Clone, Copy, Debug, Default)]
struct Storage {
    is_typedef: bool,
    is_extern: bool,
    is_static: bool,
    is_inline: bool,
}

/// `__attribute__`s and friends collected around a declaration.
#[derive(Clone, Debug, Default)]
pub(super) struct Attrs {
    align: u32,
    packed: bool,
    /// `mode(QI|HI|SI|DI|TI|SF|DF)` as (is_float, size).
    mode: Option<(bool, u32)>,
    vector_size: Option<u32>,
    asm_name: Option<String>,
}

#[derive(Clone, Debug)]
pub(super) struct DeclSpec {
    base: CTypeId,
    storage: Storage,
    attrs: Attrs,
    /// The specifier defined an anonymous struct/union (candidate transparent member).
    anonymous_record: bool,
    /// A `struct`, `union` or `enum` keyword named the type (`struct s;` declares it).
    tagged: bool,
    /// The specifier defined an enum's constants (`enum { A, B }`).
    enum_body: bool,
}

/// One derivation step of a declarator, applied inside-out to the base type.
#[derive(Clone, Debug)]
enum Layer {
    Pointer(Quals),
    /// `* __ptr32`: a 4-byte pointer.
    Pointer32(Quals),
    Array(ArrayLen),
    Function(Vec<CTypeId>, bool),
}

#[derive(Clone, Debug, Default)]
struct Declarator {
    name: Option<String>,
    name_token: Option<usize>,
    layers: Vec<Layer>,
    attrs: Attrs,
}

pub struct Parser<'s, 'r> {
    pub(super) src: &'s str,
    pub(super) toks: Vec<Token>,
    pub(super) pos: usize,
    pub(super) reg: &'r mut Registry,
    pub(super) params: &'s [Param],
    pub(super) depth: u32,
    /// Inside `0 && …` and the like: division by zero is not an error there.
    pub(super) unevaluated: u32,
    mode: Mode,
    pack: PackStack,
    /// Names of the parameters read so far, one list per open parameter list: an
    /// array parameter's size may name them (`int a[n]`).
    param_names: Vec<Vec<String>>,
    /// Records whose body is being read (a nested body of the same tag is refused).
    defining: Vec<CTypeId>,
}

type PResult<T> = Result<T, Error>;

const CALLING_CONVENTIONS: [&str; 10] = [
    "__cdecl",
    "__stdcall",
    "__fastcall",
    "__thiscall",
    "__vectorcall",
    "_cdecl",
    "_stdcall",
    "_fastcall",
    "__ptr32",
    "__ptr64",
];

fn is_keyword(text: &str) -> bool {
    matches!(
        text,
        "typedef"
            | "extern"
            | "static"
            | "auto"
            | "register"
            | "inline"
            | "__inline"
            | "__inline__"
            | "const"
            | "__const"
            | "__const__"
            | "volatile"
            | "__volatile"
            | "__volatile__"
            | "restrict"
            | "__restrict"
            | "__restrict__"
            | "void"
            | "char"
            | "short"
            | "int"
            | "long"
            | "signed"
            | "__signed"
            | "__signed__"
            | "unsigned"
            | "float"
            | "double"
            | "_Bool"
            | "bool"
            | "_Complex"
            | "complex"
            | "__complex"
            | "__complex__"
            | "struct"
            | "union"
            | "enum"
            | "__attribute__"
            | "__attribute"
            | "__declspec"
            | "__extension__"
            | "__asm__"
            | "__asm"
            | "asm"
            | "sizeof"
            | "_Alignof"
            | "alignof"
            | "__alignof__"
            | "__alignof"
            | "__typeof__"
            | "__typeof"
            | "typeof"
            | "_Static_assert"
            | "static_assert"
            | "_Noreturn"
            | "__int128"
            | "__int8"
            | "__int16"
            | "__int32"
            | "__int64"
            | "__int128_t"
            | "__uint128_t"
            | "_Alignas"
            | "_Thread_local"
            | "__thread"
            | "_Atomic"
    ) || CALLING_CONVENTIONS.contains(&text)
        || float_n(text).is_some()
}

/// gcc's `_FloatN`/`_FloatNx` and `__float128` on this target, as the builtin they have
/// the layout (and conversion refusal) of: (float, double, long double) keyword counts
/// to add, or `None` for `_Float16` (a 2-byte float of its own).
fn float_n(text: &str) -> Option<Option<(u32, u32)>> {
    match text {
        "_Float16" => Some(None),
        "_Float32" => Some(Some((1, 0))),
        "_Float64" | "_Float32x" => Some(Some((0, 1))),
        // x86-64 and AArch64 both have a 16-byte, 16-aligned long double.
        "_Float64x" | "_Float128" => Some(Some((0, 2))),
        // gcc has `__float128` on x86 only.
        "__float128" if cfg!(any(target_arch = "x86_64", target_arch = "x86")) => {
            Some(Some((0, 2)))
        }
        _ => None,
    }
}

/// Attribute introducers and calling conventions.
fn is_attribute(text: &str) -> bool {
    matches!(text, "__attribute__" | "__attribute" | "__declspec")
        || CALLING_CONVENTIONS.contains(&text)
}

fn layout_error(e: LayoutError, line: u32) -> Error {
    let message = match e {
        LayoutError::SizeUnknown => ParseMessage::SizeUnknownOrTooLarge,
        LayoutError::InvalidType => ParseMessage::InvalidCType,
        LayoutError::InvalidValue => ParseMessage::InvalidValue,
    };
    Error::parse(message, line)
}

/// How many scalar type keywords `decl_spec` counts, and the index of each in its counts
/// (the order `scalar_type` reads them in).
const SCALAR_KEYWORDS: usize = 12;
const K_VOID: usize = 0;
const K_CHAR: usize = 1;
const K_SHORT: usize = 2;
const K_INT: usize = 3;
const K_LONG: usize = 4;
const K_SIGNED: usize = 5;
const K_UNSIGNED: usize = 6;
const K_FLOAT: usize = 7;
const K_DOUBLE: usize = 8;
const K_BOOL: usize = 9;
const K_COMPLEX: usize = 10;
const K_INT128: usize = 11;

impl<'s, 'r> Parser<'s, 'r> {
    pub fn new(
        reg: &'r mut Registry,
        src: &'s str,
        params: &'s [Param],
        mode: Mode,
    ) -> PResult<Self> {
        let (toks, dollars) = tokenize(src)?;
        if dollars != params.len() {
            return Err(Error::WrongParameterCount);
        }
        Ok(Parser {
            src,
            toks,
            pos: 0,
            reg,
            params,
            depth: 0,
            unevaluated: 0,
            mode,
            pack: PackStack::default(),
            param_names: Vec::new(),
            defining: Vec::new(),
        })
    }

    // ----- token helpers -----------------------------------------------------------

    pub(super) fn tok(&self) -> &Token {
        &self.toks[self.pos]
    }

    pub(super) fn peek_at(&self, ahead: usize) -> &Token {
        let i = (self.pos + ahead).min(self.toks.len() - 1);
        &self.toks[i]
    }

    pub(super) fn bump(&mut self) {
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
    }

    pub(super) fn text_of(&self, t: &Token) -> &'s str {
        let text = &self.src[t.start as usize..t.end as usize];
        match t.kind {
            TokKind::Eof => "<eof>",
            // As LuaJIT, which names `...` by its first character.
            TokKind::Punct("...") => ".",
            // As LuaJIT, a string or character literal is named by its body, unquoted.
            TokKind::Str(_) | TokKind::Char(_) => {
                let body = text.trim_start_matches(|c| c != '"' && c != '\'');
                body.get(1..body.len().saturating_sub(1)).unwrap_or(body)
            }
            _ => text,
        }
    }

    pub(super) fn text(&self) -> &'s str {
        self.text_of(self.tok())
    }

    /// The identifier at the cursor, if any.
    pub(super) fn ident(&self) -> Option<&'s str> {
        (self.tok().kind == TokKind::Ident).then(|| self.text())
    }

    pub(super) fn is_punct(&self, p: &str) -> bool {
        matches!(self.tok().kind, TokKind::Punct(q) if q == p)
    }

    pub(super) fn accept(&mut self, p: &str) -> bool {
        if self.is_punct(p) {
            self.bump();
            true
        } else {
            false
        }
    }

    pub(super) fn line(&self) -> u32 {
        self.tok().line
    }

    pub(super) fn err_here(&self, message: ParseMessage) -> Error {
        Error::parse_near(message, self.text(), self.line())
    }

    pub(super) fn err_plain(&self, message: ParseMessage) -> Error {
        Error::parse(message, self.line())
    }

    pub(super) fn expect(&mut self, p: &str) -> PResult<()> {
        if self.accept(p) {
            Ok(())
        } else {
            Err(self.err_here(ParseMessage::Expected(p.to_string())))
        }
    }

    pub(super) fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.err_here(ParseMessage::TooManySyntaxLevels));
        }
        Ok(())
    }

    pub(super) fn leave(&mut self) {
        self.depth -= 1;
    }

    fn check_capacity(&self) -> PResult<()> {
        if self.reg.is_full() {
            return Err(self.err_plain(ParseMessage::TableOverflow));
        }
        Ok(())
    }

    fn param(&self, index: usize) -> PResult<&'s Param> {
        self.params.get(index).ok_or(Error::WrongParameterCount)
    }

    /// An identifier or a `$` name parameter at the cursor.
    fn name_here(&self) -> Option<String> {
        match &self.tok().kind {
            TokKind::Ident if !is_keyword(self.text()) => Some(self.text().to_string()),
            TokKind::Param(i) => match self.params.get(*i) {
                Some(Param::Name(n)) => Some(n.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    /// Does a type begin at the cursor (for casts, `sizeof(type)`, parameter lists)?
    pub(super) fn starts_type(&self, t: &Token) -> bool {
        match &t.kind {
            TokKind::Ident => {
                let text = self.text_of(t);
                (is_keyword(text)
                    && !matches!(
                        text,
                        "sizeof"
                            | "_Alignof"
                            | "alignof"
                            | "__alignof__"
                            | "__alignof"
                            | "__asm__"
                            | "__asm"
                            | "asm"
                            | "_Static_assert"
                            | "static_assert"
                    ))
                    || matches!(self.reg.symbol(text), Some(Symbol::Typedef(_)))
            }
            TokKind::Param(i) => matches!(self.params.get(*i), Some(Param::Type(_))),
            _ => false,
        }
    }

    // ----- entry points -------------------------------------------------------------

    /// `cdef`: declarations up to the end of the text.
    pub fn declarations(&mut self) -> PResult<()> {
        let mut first = true;
        while self.tok().kind != TokKind::Eof {
            // An allocation the system refused: stop here (the caller rolls back).
            if crate::reserve::refusal_seen() {
                return Err(Error::NotEnoughMemory);
            }
            self.external_declaration(first)?;
            first = false;
        }
        Ok(())
    }

    /// `typeof`: one abstract type and nothing after it.
    pub fn type_only(&mut self) -> PResult<CTypeId> {
        let id = self.type_name()?;
        if self.tok().kind != TokKind::Eof {
            return Err(self.err_here(ParseMessage::Expected("<eof>".into())));
        }
        Ok(id)
    }

    /// One integer constant expression, then the end of the source.
    pub fn expression_only(&mut self) -> PResult<super::expr::Value> {
        let v = self.const_expr()?;
        if self.tok().kind != TokKind::Eof {
            return Err(self.err_here(ParseMessage::Expected("<eof>".into())));
        }
        Ok(v)
    }

    /// A type name: specifiers and an abstract declarator.
    pub(super) fn type_name(&mut self) -> PResult<CTypeId> {
        let spec = self.decl_spec(SpecAt::TypeName)?;
        let decl = self.declarator(DeclaratorKind::Abstract)?;
        let ty = self.build_type(&spec, &decl)?;
        // `int __attribute__((aligned(8)))` keeps its alignment, as in a typedef.
        let align = if decl.attrs.align != 0 {
            decl.attrs.align
        } else {
            spec.attrs.align
        };
        Ok(if align != 0 {
            self.reg.with_alignment(ty, align)
        } else {
            ty
        })
    }

    fn pragma(&mut self, op: PackOp) -> PResult<()> {
        match op {
            PackOp::Set(n) => self.pack.current = n,
            PackOp::Push(n) => {
                if self.pack.saved.len() >= MAX_PACK_DEPTH {
                    return Err(self.err_plain(ParseMessage::TooManySyntaxLevels));
                }
                self.pack.saved.push(self.pack.current);
                if n.is_some() {
                    self.pack.current = n;
                }
            }
            PackOp::Pop => self.pack.current = self.pack.saved.pop().unwrap_or(None),
        }
        self.bump();
        Ok(())
    }

    fn static_assert(&mut self) -> PResult<()> {
        let line = self.line();
        self.bump();
        self.expect("(")?;
        let value = self.const_expr()?;
        let mut message = String::new();
        if self.accept(",") {
            while let TokKind::Str(s) = &self.tok().kind {
                message.push_str(s);
                self.bump();
            }
        }
        self.expect(")")?;
        if value.bits == 0 {
            return Err(Error::parse(
                ParseMessage::StaticAssertFailed(message),
                line,
            ));
        }
        Ok(())
    }

    /// One declaration; `single` when it is the first of the cdef, which (as in LuaJIT)
    /// may omit its ';' if nothing follows.
    fn external_declaration(&mut self, single: bool) -> PResult<()> {
        if let TokKind::Pragma(op) = &self.tok().kind {
            return self.pragma(op.clone());
        }
        if self.accept(";") {
            return Ok(());
        }
        if matches!(self.ident(), Some("_Static_assert" | "static_assert")) {
            self.static_assert()?;
            return self.expect(";");
        }
        let spec = self.decl_spec(SpecAt::Top)?;
        let ends = self.is_punct(";") || (single && self.tok().kind == TokKind::Eof);
        if ends && spec.tagged {
            // `struct s;`, `struct s { … };`, `enum { A };`: the tag is the declaration.
            self.accept(";");
            return Ok(());
        }
        loop {
            let decl = self.declarator(DeclaratorKind::Named)?;
            let Some(name) = decl.name.clone() else {
                return Err(self.err_here(ParseMessage::Expected("<identifier>".into())));
            };
            let mut ty = self.build_type(&spec, &decl)?;
            let is_function = matches!(self.reg.get(ty).kind, CTypeKind::Function { .. });
            if is_function && self.is_punct("{") {
                // An inline function definition: no symbol to bind, skip the body.
                self.skip_balanced("{", "}")?;
                return Ok(());
            }
            let asm_name = decl.attrs.asm_name.clone().or(spec.attrs.asm_name.clone());
            let align = if decl.attrs.align != 0 {
                decl.attrs.align
            } else {
                spec.attrs.align
            };
            let line = self.line();
            if self.is_punct("=") {
                // As LuaJIT: only a constant may have an initializer (`int x = 5;`:
                // `';' expected near '='`).
                if spec.storage.is_typedef || is_function || !self.is_const_object(ty) {
                    return Err(self.err_here(ParseMessage::Expected(";".into())));
                }
                self.bump();
                if self.reg.get(ty).is_integer() {
                    let value = self.assignment_expr()?;
                    let value = self.convert_to(value, ty)?;
                    let ty = self.reg.unqualified(ty);
                    let value = value.bits as i64;
                    self.define_checked(&name, Symbol::Constant { ty, value }, line)?;
                } else {
                    // A `static const` array or struct: nothing to bind.
                    self.skip_initializer()?;
                }
            } else if spec.storage.is_typedef {
                if align != 0 {
                    ty = self.reg.with_alignment(ty, align);
                }
                self.define_checked(&name, Symbol::Typedef(ty), line)?;
            } else if is_function {
                self.define_checked(&name, Symbol::Function { ty, asm_name }, line)?;
            } else {
                self.define_checked(&name, Symbol::Variable { ty, asm_name }, line)?;
            }
            if self.accept(",") {
                continue;
            }
            if single && self.tok().kind == TokKind::Eof {
                return Ok(());
            }
            return self.expect(";");
        }
    }

    /// Binds `name`, or checks a redeclaration against the first declaration, which
    /// stays: the same kind of symbol with a compatible type (and, for a constant, the
    /// same value) is fine, as C allows and real headers rely on; anything else is an
    /// error, where LuaJIT silently kept the first.
    fn define_checked(&mut self, name: &str, symbol: Symbol, line: u32) -> PResult<()> {
        let Some(old) = self.reg.symbol(name) else {
            self.reg.define_symbol(name, symbol);
            return Ok(());
        };
        if let (Symbol::Function { ty: a, .. }, Symbol::Function { ty: b, .. }) = (old, &symbol) {
            // `int f();` then `int f(int);`: the prototype completes the declaration.
            let unprototyped = |t: CTypeId| {
                matches!(&self.reg.get(t).kind,
                    CTypeKind::Function { params, variadic: false, .. } if params.is_empty())
            };
            if self.compatible(*a, *b) && unprototyped(*a) && !unprototyped(*b) {
                self.reg.define_symbol(name, symbol);
                return Ok(());
            }
        }
        let message = match (old, &symbol) {
            (Symbol::Typedef(a), Symbol::Typedef(b)) => {
                (!self.compatible(*a, *b)).then(|| ParseMessage::ConflictingTypes(name.into()))
            }
            (Symbol::Function { ty: a, .. }, Symbol::Function { ty: b, .. })
            | (Symbol::Variable { ty: a, .. }, Symbol::Variable { ty: b, .. }) => {
                (!self.compatible(*a, *b)).then(|| ParseMessage::ConflictingTypes(name.into()))
            }
            (Symbol::Constant { ty: a, value: x }, Symbol::Constant { ty: b, value: y }) => {
                (a != b || x != y).then(|| ParseMessage::Redefine(name.into()))
            }
            _ => Some(ParseMessage::RedeclaredKind(name.into())),
        };
        match message {
            Some(message) => Err(Error::parse(message, line)),
            None => Ok(()),
        }
    }

    /// C's compatible types, as far as redeclarations need: the same type, an array of
    /// unknown size and a sized one of the same element, a function declared `()`
    /// and one with parameters of the same return type.
    fn compatible(&self, a: CTypeId, b: CTypeId) -> bool {
        if a == b {
            return true;
        }
        let (ta, tb) = (self.reg.get(a), self.reg.get(b));
        if ta.quals != tb.quals || ta.align_override != tb.align_override {
            return false;
        }
        match (&ta.kind, &tb.kind) {
            (CTypeKind::Array { elem: x, len: m }, CTypeKind::Array { elem: y, len: n }) => {
                (m == n || *m == ArrayLen::Unsized || *n == ArrayLen::Unsized)
                    && self.compatible(*x, *y)
            }
            (
                CTypeKind::Function {
                    ret: r1,
                    params: p1,
                    variadic: v1,
                },
                CTypeKind::Function {
                    ret: r2,
                    params: p2,
                    variadic: v2,
                },
            ) => {
                let old_style = |p: &[CTypeId], v: bool| p.is_empty() && !v;
                self.compatible(*r1, *r2)
                    && (old_style(p1, *v1)
                        || old_style(p2, *v2)
                        || (v1 == v2
                            && p1.len() == p2.len()
                            && p1
                                .iter()
                                .zip(p2.iter())
                                .all(|(x, y)| self.compatible(*x, *y))))
            }
            (CTypeKind::Pointer { target: x }, CTypeKind::Pointer { target: y }) => {
                self.compatible(*x, *y)
            }
            (CTypeKind::Record(_), CTypeKind::Record(_)) => self.same_anonymous_records(a, b),
            _ => false,
        }
    }

    /// Two anonymous records with the same members in the same places: the same
    /// declaration read twice (`typedef struct { double x, y; } vec2;` in two cdefs),
    /// as C's rule for compatible records of separate translation units.
    fn same_anonymous_records(&self, a: CTypeId, b: CTypeId) -> bool {
        let (Some(x), Some(y)) = (self.reg.record(a), self.reg.record(b)) else {
            return false;
        };
        x.name.is_none()
            && y.name.is_none()
            && x.complete
            && y.complete
            && (x.kind, x.size, x.align, x.is_vls) == (y.kind, y.size, y.align, y.is_vls)
            && x.fields.len() == y.fields.len()
            && x.fields.iter().zip(&y.fields).all(|(f, g)| {
                (&f.name, f.offset, f.bit) == (&g.name, g.offset, g.bit)
                    && self.compatible(f.ty, g.ty)
            })
    }

    /// Is `ty` (or, for an array, its element) `const`: an object that may have an
    /// initializer here.
    fn is_const_object(&self, ty: CTypeId) -> bool {
        let mut ty = ty;
        loop {
            let t = self.reg.get(ty);
            if t.quals.is_const {
                return true;
            }
            match t.kind {
                CTypeKind::Array { elem, .. } => ty = elem,
                _ => return false,
            }
        }
    }

    fn skip_balanced(&mut self, open: &str, close: &str) -> PResult<()> {
        let mut level = 0usize;
        loop {
            if self.tok().kind == TokKind::Eof {
                return Err(self.err_here(ParseMessage::Expected(close.to_string())));
            }
            if self.is_punct(open) {
                level += 1;
            } else if self.is_punct(close) {
                level -= 1;
                if level == 0 {
                    self.bump();
                    return Ok(());
                }
            }
            self.bump();
        }
    }

    /// Skips a non-integer initializer up to the next top-level `,` or `;`.
    fn skip_initializer(&mut self) -> PResult<()> {
        let mut level = 0usize;
        loop {
            match &self.tok().kind {
                TokKind::Eof => return Err(self.err_here(ParseMessage::Expected(";".into()))),
                TokKind::Punct("(" | "{" | "[") => level += 1,
                TokKind::Punct(")" | "}" | "]") => level = level.saturating_sub(1),
                TokKind::Punct("," | ";") if level == 0 => return Ok(()),
                _ => {}
            }
            self.bump();
        }
    }

    // ----- declaration specifiers -----------------------------------------------------

    /// Specifiers and qualifiers up to the declarator. `allow_storage`: storage classes
    /// are legal here (declarations, members for `static const`).
    fn decl_spec(&mut self, at: SpecAt) -> PResult<DeclSpec> {
        let start_line = self.line();
        let mut storage = Storage::default();
        let mut attrs = Attrs::default();
        let mut quals = Quals::NONE;
        let mut base: Option<CTypeId> = None;
        let mut anonymous_record = false;
        let mut tagged = false;
        let mut enum_body = false;
        let mut storage_classes = 0;
        // Counts of scalar keywords.
        let mut counts = [0u32; SCALAR_KEYWORDS];
        let mut any = false;
        loop {
            let token_kind = self.tok().kind.clone();
            match token_kind {
                TokKind::Ident => {}
                TokKind::Param(i) => {
                    let nothing_yet = base.is_none() && counts.iter().sum::<u32>() == 0;
                    if let (true, Param::Type(id)) = (nothing_yet, self.param(i)?) {
                        if self.reg.try_get(*id).is_none() {
                            return Err(self.err_here(ParseMessage::InvalidCType));
                        }
                        base = Some(*id);
                        any = true;
                        self.bump();
                        continue;
                    }
                    break;
                }
                _ => break,
            }
            let text = self.text();
            // As LuaJIT: after a base type (`int`, `char`, `float`, `double`, `void`,
            // `bool`, a struct, union, enum or typedef name) another one, or after a
            // tagged or typedef name a modifier, ends the specifiers: a declarator follows
            // (`int int;`: `'<identifier>' expected near 'int'`).
            let base_word = matches!(
                text,
                "void" | "char" | "int" | "float" | "double" | "_Bool" | "bool"
            ) || float_n(text).is_some();
            let modifier = matches!(
                text,
                "short" | "long" | "signed" | "__signed" | "__signed__" | "unsigned"
            );
            let base_seen = base.is_some()
                || [K_VOID, K_CHAR, K_INT, K_FLOAT, K_DOUBLE, K_BOOL]
                    .iter()
                    .any(|&k| counts[k] > 0);
            if (base_word && base_seen)
                || (modifier && base.is_some())
                || (matches!(text, "struct" | "union" | "enum") && base_seen)
            {
                break;
            }
            match text {
                "typedef" | "extern" | "static" | "auto" | "register" | "_Thread_local"
                | "__thread" => {
                    // As LuaJIT: any other storage class is an error at its keyword
                    // (`register` and `auto` outside parameters among them).
                    let allowed = match at {
                        SpecAt::Top => !matches!(text, "auto" | "register"),
                        SpecAt::Member => text == "static",
                        SpecAt::Param => text == "register",
                        SpecAt::TypeName => false,
                    };
                    if !allowed {
                        return Err(self.err_here(ParseMessage::BadStorageClass));
                    }
                    if !matches!(text, "_Thread_local" | "__thread") {
                        // As LuaJIT: `static extern int x;` is no type.
                        storage_classes += 1;
                        if storage_classes > 1 {
                            return Err(self.err_plain(ParseMessage::InvalidCType));
                        }
                    }
                    match text {
                        "typedef" => storage.is_typedef = true,
                        "extern" => storage.is_extern = true,
                        "static" => storage.is_static = true,
                        _ => {}
                    }
                }
                "inline" | "__inline" | "__inline__" | "_Noreturn" => storage.is_inline = true,
                "__extension__" | "restrict" | "__restrict" | "__restrict__" | "_Atomic" => {}
                "const" | "__const" | "__const__" => quals.is_const = true,
                "volatile" | "__volatile" | "__volatile__" => quals.is_volatile = true,
                "void" => counts[K_VOID] += 1,
                "char" => counts[K_CHAR] += 1,
                "short" => counts[K_SHORT] += 1,
                "int" => counts[K_INT] += 1,
                "long" => counts[K_LONG] += 1,
                "signed" | "__signed" | "__signed__" => counts[K_SIGNED] += 1,
                "unsigned" => counts[K_UNSIGNED] += 1,
                "float" => counts[K_FLOAT] += 1,
                "double" => counts[K_DOUBLE] += 1,
                "_Bool" | "bool" => counts[K_BOOL] += 1,
                "_Complex" | "complex" | "__complex" | "__complex__" => counts[K_COMPLEX] += 1,
                "__int128" => counts[K_INT128] += 1,
                t if float_n(t).is_some() => match float_n(t).flatten() {
                    Some((1, _)) => counts[K_FLOAT] += 1,
                    Some((_, 1)) => counts[K_DOUBLE] += 1,
                    Some(_) => {
                        counts[K_DOUBLE] += 1;
                        counts[K_LONG] += 1;
                    }
                    None => {
                        base = Some(
                            self.reg
                                .intern(crate::ctype::CType::plain(CTypeKind::Float { size: 2 })),
                        )
                    }
                },
                // MSVC's sized integers, as LuaJIT: `unsigned __int64` is `uint64_t`.
                "__int8" => counts[K_CHAR] += 1,
                "__int16" => counts[K_SHORT] += 1,
                "__int32" => counts[K_INT] += 1,
                "__int64" => counts[K_LONG] += 2,
                "__int128_t" | "__uint128_t" => {
                    counts[K_INT128] += 1;
                    if text == "__uint128_t" {
                        counts[K_UNSIGNED] += 1;
                    }
                }
                "struct" | "union" | "enum" => {
                    if base.is_some() {
                        return Err(self.err_here(ParseMessage::InvalidCType));
                    }
                    let start = self.pos;
                    let (id, anon) = match text {
                        "struct" => self.record_spec(TagKind::Struct, &mut attrs)?,
                        "union" => self.record_spec(TagKind::Union, &mut attrs)?,
                        _ => (self.enum_spec()?, false),
                    };
                    enum_body = text == "enum"
                        && self.toks[start..self.pos]
                            .iter()
                            .any(|t| t.kind == TokKind::Punct("{"));
                    base = Some(id);
                    anonymous_record = anon;
                    tagged = true;
                    any = true;
                    continue;
                }
                "__attribute__" | "__attribute" | "__declspec" => {
                    self.attributes(&mut attrs)?;
                    continue;
                }
                // As LuaJIT: an asm label among the specifiers is read and ignored.
                "__asm__" | "__asm" => {
                    self.asm_label(&mut Attrs::default())?;
                    continue;
                }
                "__typeof__" | "__typeof" | "typeof" => {
                    if base.is_some() {
                        return Err(self.err_here(ParseMessage::InvalidCType));
                    }
                    self.bump();
                    self.expect("(")?;
                    let t = self.peek_at(0).clone();
                    let id = if self.starts_type(&t) {
                        self.type_name()?
                    } else {
                        self.expr_type()?
                    };
                    self.expect(")")?;
                    base = Some(id);
                    any = true;
                    continue;
                }
                "_Alignas" => {
                    self.bump();
                    self.expect("(")?;
                    let t = self.peek_at(0).clone();
                    let align = if self.starts_type(&t) {
                        let id = self.type_name()?;
                        self.reg.align_of(id).unwrap_or(1)
                    } else {
                        self.alignment_value()?
                    };
                    self.expect(")")?;
                    attrs.align = attrs.align.max(align);
                    continue;
                }
                t if CALLING_CONVENTIONS.contains(&t) => {}
                _ => {
                    let scalar_seen = counts.iter().sum::<u32>() > 0;
                    if base.is_none() && !scalar_seen {
                        if let Some(Symbol::Typedef(id)) = self.reg.symbol(text) {
                            base = Some(*id);
                            any = true;
                            self.bump();
                            continue;
                        }
                    }
                    break;
                }
            }
            any = true;
            self.bump();
        }
        let scalar_count = counts.iter().sum::<u32>();
        let base = match base {
            Some(id) => {
                let half = matches!(self.reg.get(id).kind, CTypeKind::Float { size: 2 });
                if half && scalar_count == 1 && counts[K_COMPLEX] == 1 {
                    // `_Float16 _Complex` (gcc's x86 intrinsics headers).
                    self.reg
                        .intern(crate::ctype::CType::plain(CTypeKind::Complex { size: 4 }))
                } else if scalar_count > 0 {
                    return Err(self.err_here(ParseMessage::InvalidCType));
                } else {
                    id
                }
            }
            None => {
                if scalar_count == 0 {
                    if !any {
                        return Err(self.err_here(ParseMessage::DeclarationSpecifierExpected));
                    }
                    // Implicit int (`const x`, `static y`) is not C99; LuaJIT rejects it.
                    return Err(self.err_here(ParseMessage::DeclarationSpecifierExpected));
                }
                self.scalar_type(counts, start_line)?
            }
        };
        let base = self.reg.qualified(base, quals);
        Ok(DeclSpec {
            base,
            storage,
            attrs,
            anonymous_record,
            tagged,
            enum_body,
        })
    }

    /// The builtin type named by counts of scalar keywords, in any order.
    fn scalar_type(&mut self, counts: [u32; SCALAR_KEYWORDS], _line: u32) -> PResult<CTypeId> {
        let [void, char, short, int, long, signed, unsigned, float, double, bool_, complex, int128] =
            counts;
        let bad = |p: &Self| Err(p.err_here(ParseMessage::InvalidCType));
        if signed + unsigned > 1 || void > 1 || char > 1 || short > 1 || int > 1 || long > 2 {
            return bad(self);
        }
        let sign = signed + unsigned;
        let kinds = (void > 0) as u32
            + (char > 0) as u32
            + (short > 0) as u32
            + (float > 0) as u32
            + (double > 0) as u32
            + (bool_ > 0) as u32
            + (int128 > 0) as u32;
        if kinds > 1 || float > 1 || double > 1 || bool_ > 1 || complex > 1 || int128 > 1 {
            return bad(self);
        }
        if void > 0 {
            if sign + int + long + complex > 0 {
                return bad(self);
            }
            return Ok(CTypeId::VOID);
        }
        if bool_ > 0 {
            if sign + int + long + complex > 0 {
                return bad(self);
            }
            return Ok(CTypeId::BOOL);
        }
        if float > 0 || double > 0 || (complex > 0 && sign + int + short + char == 0) {
            if sign + int + short + char > 0 || (float > 0 && long > 0) || long > 1 {
                return bad(self);
            }
            let size = if float > 0 {
                4
            } else if long > 0 {
                LONG_DOUBLE_SIZE
            } else {
                8
            };
            return Ok(if complex > 0 {
                match size {
                    4 => CTypeId::COMPLEX_FLOAT,
                    8 => CTypeId::COMPLEX_DOUBLE,
                    s => self
                        .reg
                        .intern(crate::ctype::CType::plain(CTypeKind::Complex {
                            size: s * 2,
                        })),
                }
            } else {
                match size {
                    4 => CTypeId::FLOAT,
                    8 => CTypeId::DOUBLE,
                    _ => CTypeId::LONG_DOUBLE,
                }
            });
        }
        if complex > 0 {
            return bad(self);
        }
        let is_signed = unsigned == 0;
        if char > 0 {
            if int + long > 0 {
                return bad(self);
            }
            return Ok(match (signed, unsigned) {
                (0, 0) => CTypeId::CHAR,
                (_, 0) => self.reg.signed_char(),
                _ => CTypeId::UCHAR,
            });
        }
        if int128 > 0 {
            if long > 0 || int > 0 {
                return bad(self);
            }
            return Ok(self.reg.int_type(16, is_signed));
        }
        if short > 0 {
            if long > 0 {
                return bad(self);
            }
            return Ok(self.reg.int_type(2, is_signed));
        }
        let size = match long {
            0 => 4,
            1 => LONG_SIZE as u32,
            _ => 8,
        };
        Ok(self.reg.int_type(size, is_signed))
    }

    // ----- attributes -----------------------------------------------------------------

    /// `__attribute__((…))`, `__declspec(…)`, or a calling-convention keyword.
    fn attributes(&mut self, attrs: &mut Attrs) -> PResult<()> {
        let keyword = self.text();
        self.bump();
        if keyword == "__declspec" {
            self.expect("(")?;
            while !self.is_punct(")") {
                self.attribute(attrs)?;
                if !self.accept(",") && !self.is_punct(")") && self.tok().kind == TokKind::Eof {
                    break;
                }
            }
            return self.expect(")");
        }
        self.expect("(")?;
        self.expect("(")?;
        loop {
            if self.is_punct(")") {
                break;
            }
            if !self.accept(",") {
                self.attribute(attrs)?;
            }
        }
        self.expect(")")?;
        self.expect(")")
    }

    fn attribute(&mut self, attrs: &mut Attrs) -> PResult<()> {
        let Some(name) = self.ident() else {
            // As LuaJIT: anything but a name ends the attribute list.
            return Err(self.err_here(ParseMessage::Expected(")".into())));
        };
        self.bump();
        let bare = name.trim_start_matches("__").trim_end_matches("__");
        match bare {
            "packed" => attrs.packed = true,
            "aligned" | "align" => {
                if self.accept("(") {
                    attrs.align = attrs.align.max(self.alignment_value()?);
                    self.expect(")")?;
                } else {
                    attrs.align = attrs.align.max(DEFAULT_MAX_ALIGN);
                }
            }
            "mode" => {
                self.expect("(")?;
                let mode = self.ident().unwrap_or("");
                let mode = mode.trim_start_matches("__").trim_end_matches("__");
                // A vector mode, `V4SI`: that many elements of the scalar mode.
                let (count, scalar) = match mode.strip_prefix('V') {
                    Some(rest) => {
                        let digits = rest.len()
                            - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                        match rest[..digits].parse::<u32>() {
                            Ok(n) if n.is_power_of_two() => (Some(n), &rest[digits..]),
                            Ok(_) => return Err(self.err_here(ParseMessage::InvalidValue)),
                            Err(_) => (None, mode),
                        }
                    }
                    None => (None, mode),
                };
                let scalar = match scalar {
                    "QI" | "byte" => Some((false, 1)),
                    "HI" => Some((false, 2)),
                    "SI" => Some((false, 4)),
                    "DI" | "word" | "pointer" => Some((false, 8)),
                    "TI" => Some((false, 16)),
                    "SF" => Some((true, 4)),
                    "DF" => Some((true, 8)),
                    // As LuaJIT: an unknown mode is ignored.
                    _ => None,
                };
                if let Some(m) = scalar {
                    attrs.mode = Some(m);
                    if let Some(n) = count {
                        let size = n * m.1;
                        if size > MAX_ALIGN {
                            return Err(self.err_here(ParseMessage::InvalidValue));
                        }
                        attrs.vector_size = Some(size);
                    }
                }
                self.bump();
                self.expect(")")?;
            }
            "vector_size" => {
                self.expect("(")?;
                let v = self.const_expr()?;
                if v.bits == 0 || !v.bits.is_power_of_two() || v.bits > MAX_ALIGN as u64 {
                    return Err(self.err_plain(ParseMessage::InvalidValue));
                }
                attrs.vector_size = Some(v.bits as u32);
                self.expect(")")?;
            }
            _ => {
                // Everything else (nonnull, format, visibility, deprecated("x"), …) is
                // ignored, arguments and all.
                if self.is_punct("(") {
                    self.skip_balanced("(", ")")?;
                }
            }
        }
        Ok(())
    }

    fn alignment_value(&mut self) -> PResult<u32> {
        let v = self.const_expr()?;
        if v.bits == 0 || !v.bits.is_power_of_two() || v.bits > MAX_ALIGN as u64 {
            return Err(self.err_plain(ParseMessage::InvalidValue));
        }
        Ok(v.bits as u32)
    }

    /// `__asm__("name")` after a declarator (adjacent strings concatenate).
    fn asm_label(&mut self, attrs: &mut Attrs) -> PResult<()> {
        self.bump();
        while matches!(self.ident(), Some("volatile" | "__volatile__")) {
            self.bump();
        }
        self.expect("(")?;
        let mut name = String::new();
        while let TokKind::Str(s) = &self.tok().kind {
            name.push_str(s);
            self.bump();
        }
        self.expect(")")?;
        attrs.asm_name = Some(name);
        Ok(())
    }

    /// Attributes, calling conventions and asm labels after a declarator.
    fn trailing_attributes(&mut self, attrs: &mut Attrs) -> PResult<()> {
        loop {
            match self.ident() {
                Some("__attribute__" | "__attribute" | "__declspec") => self.attributes(attrs)?,
                Some("__asm__" | "__asm" | "asm") => self.asm_label(attrs)?,
                Some(t) if CALLING_CONVENTIONS.contains(&t) => self.bump(),
                _ => return Ok(()),
            }
        }
    }

    // ----- declarators ----------------------------------------------------------------

    fn declarator(&mut self, kind: DeclaratorKind) -> PResult<Declarator> {
        let mut decl = Declarator::default();
        self.declarator_into(kind, &mut decl)?;
        self.declarator_tail(&mut decl.attrs)?;
        Ok(decl)
    }

    /// After a declarator: attributes, and qualifiers, which LuaJIT reads and ignores
    /// (`int x const;`, `int (*f)(void) const`).
    fn declarator_tail(&mut self, attrs: &mut Attrs) -> PResult<()> {
        loop {
            self.trailing_attributes(attrs)?;
            match self.ident() {
                Some(
                    "const" | "__const" | "__const__" | "volatile" | "__volatile" | "__volatile__"
                    | "restrict" | "__restrict" | "__restrict__",
                ) => self.bump(),
                _ => return Ok(()),
            }
        }
    }

    /// Parses one (possibly nested) declarator, appending its layers in application
    /// order: pointers, then suffixes right to left, then the nested declarator's.
    fn declarator_into(&mut self, kind: DeclaratorKind, decl: &mut Declarator) -> PResult<()> {
        self.enter()?;
        let mut own: Vec<Layer> = Vec::new();
        loop {
            if self.accept("*") || self.accept("&") {
                let mut quals = Quals::NONE;
                let mut ptr32 = false;
                loop {
                    match self.ident() {
                        Some("__ptr32") => ptr32 = true,
                        Some("const" | "__const" | "__const__") => quals.is_const = true,
                        Some("volatile" | "__volatile" | "__volatile__") => {
                            quals.is_volatile = true
                        }
                        Some(
                            "restrict" | "__restrict" | "__restrict__" | "_Atomic"
                            | "__extension__",
                        ) => {}
                        Some("__attribute__" | "__attribute" | "__declspec") => {
                            self.attributes(&mut decl.attrs)?;
                            continue;
                        }
                        Some(t) if CALLING_CONVENTIONS.contains(&t) => {}
                        _ => break,
                    }
                    self.bump();
                }
                own.push(if ptr32 {
                    Layer::Pointer32(quals)
                } else {
                    Layer::Pointer(quals)
                });
                continue;
            }
            match self.ident() {
                Some("__attribute__" | "__attribute" | "__declspec") => {
                    self.attributes(&mut decl.attrs)?;
                }
                Some(t) if CALLING_CONVENTIONS.contains(&t) => self.bump(),
                Some("__extension__" | "restrict" | "__restrict" | "__restrict__") => self.bump(),
                _ => break,
            }
        }
        let mut inner: Option<Declarator> = None;
        if self.is_punct("(") && self.nested_declarator_follows() {
            self.bump();
            let mut nested = Declarator::default();
            self.declarator_into(kind, &mut nested)?;
            self.declarator_tail(&mut nested.attrs)?;
            self.expect(")")?;
            inner = Some(nested);
        } else if kind != DeclaratorKind::Abstract {
            if let Some(name) = self.name_here() {
                decl.name = Some(name);
                decl.name_token = Some(self.pos);
                self.bump();
            } else if kind == DeclaratorKind::Named && !self.is_punct(":") {
                // As LuaJIT: a `(` here opens a nested declarator, which names nothing.
                if self.is_punct("(") {
                    self.bump();
                }
                return Err(self.err_here(ParseMessage::Expected("<identifier>".into())));
            }
        } else if self.name_here().is_some() {
            // A name in an abstract declarator (`int (*f)(int)` in `ffi.typeof`): LuaJIT
            // ends the type there, `'<eof>' expected near 'f'`.
            return Err(self.err_here(ParseMessage::Expected("<eof>".into())));
        }
        let mut suffixes: Vec<Layer> = Vec::new();
        loop {
            if self.accept("[") {
                suffixes.push(Layer::Array(self.array_len()?));
            } else if self.is_punct("(") {
                self.bump();
                let (params, variadic) = self.parameter_list()?;
                suffixes.push(Layer::Function(params, variadic));
            } else {
                break;
            }
        }
        decl.layers.extend(own);
        decl.layers.extend(suffixes.into_iter().rev());
        if let Some(nested) = inner {
            decl.layers.extend(nested.layers);
            if nested.name.is_some() {
                decl.name = nested.name;
                decl.name_token = nested.name_token;
            }
            let a = nested.attrs;
            decl.attrs.align = decl.attrs.align.max(a.align);
            decl.attrs.packed |= a.packed;
            decl.attrs.mode = decl.attrs.mode.or(a.mode);
            decl.attrs.vector_size = decl.attrs.vector_size.or(a.vector_size);
            decl.attrs.asm_name = decl.attrs.asm_name.take().or(a.asm_name);
        }
        self.leave();
        Ok(())
    }

    /// After `(` in a declarator: a nested declarator, or a parameter list?
    fn nested_declarator_follows(&self) -> bool {
        let next = self.peek_at(1);
        match &next.kind {
            TokKind::Punct("*" | "&" | "(" | "[" | "^") => true,
            TokKind::Ident => {
                let text = self.text_of(next);
                if is_attribute(text) {
                    // `(__stdcall *f)` or `(__attribute__((x)) *f)`: nested; but
                    // `(__attribute__((unused)) int x)` is a parameter list.
                    return !self.starts_param_after_attributes();
                }
                // In an abstract declarator a name is an error, reported there.
                !self.starts_type(next)
            }
            TokKind::Param(i) => matches!(self.params.get(*i), Some(Param::Name(_))),
            // As LuaJIT: `(` at the end opens a nested declarator (`int (`: `')' expected`).
            TokKind::Eof => true,
            _ => false,
        }
    }

    /// Looks past `( attr attr …` to see whether a type follows (a parameter list).
    fn starts_param_after_attributes(&self) -> bool {
        let mut i = self.pos + 1;
        let mut level = 0usize;
        while i < self.toks.len() {
            let t = &self.toks[i];
            match &t.kind {
                TokKind::Punct("(") => level += 1,
                TokKind::Punct(")") => {
                    if level == 0 {
                        return false;
                    }
                    level -= 1;
                }
                TokKind::Eof => return false,
                _ if level == 0 => {
                    let text = self.text_of(t);
                    if CALLING_CONVENTIONS.contains(&text)
                        || matches!(text, "__attribute__" | "__attribute" | "__declspec")
                    {
                    } else {
                        return self.starts_type(t);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        false
    }

    fn array_len(&mut self) -> PResult<ArrayLen> {
        // `[static 3]`, `[const]`, `[restrict n]` in parameters.
        while matches!(
            self.ident(),
            Some("static" | "const" | "volatile" | "restrict" | "__restrict" | "__restrict__")
        ) {
            self.bump();
        }
        if self.accept("]") {
            return Ok(ArrayLen::Unsized);
        }
        if self.size_names_parameter() {
            // C99 `int a[n]` naming an earlier parameter: a variable length, which a
            // parameter's outermost array drops anyway (it is a pointer).
            let mut level = 0usize;
            loop {
                match self.tok().kind {
                    TokKind::Eof => return Err(self.err_here(ParseMessage::Expected("]".into()))),
                    TokKind::Punct("[") => level += 1,
                    TokKind::Punct("]") if level == 0 => break,
                    TokKind::Punct("]") => level -= 1,
                    _ => {}
                }
                self.bump();
            }
            self.bump();
            return Ok(ArrayLen::Variable);
        }
        if self.accept("?") {
            self.expect("]")?;
            return Ok(ArrayLen::Variable);
        }
        if self.is_punct("*") && matches!(self.peek_at(1).kind, TokKind::Punct("]")) {
            self.bump();
            self.bump();
            return Ok(ArrayLen::Variable);
        }
        let v = self.assignment_expr()?;
        if v.is_negative() || v.bits > MAX_TYPE_SIZE {
            return Err(self.err_plain(ParseMessage::SizeUnknownOrTooLarge));
        }
        self.expect("]")?;
        Ok(ArrayLen::Fixed(v.bits))
    }

    /// Does the array size at the cursor (up to its `]`) name a parameter read before?
    fn size_names_parameter(&self) -> bool {
        if self.param_names.iter().all(Vec::is_empty) {
            return false;
        }
        let mut level = 0usize;
        for t in &self.toks[self.pos..] {
            match t.kind {
                TokKind::Punct("[") => level += 1,
                TokKind::Punct("]") if level == 0 => return false,
                TokKind::Punct("]") => level -= 1,
                TokKind::Eof => return false,
                TokKind::Ident => {
                    let text = self.text_of(t);
                    if self.param_names.iter().flatten().any(|n| n == text) {
                        return true;
                    }
                }
                _ => {}
            }
        }
        false
    }

    fn parameter_list(&mut self) -> PResult<(Vec<CTypeId>, bool)> {
        self.param_names.push(Vec::new());
        let result = self.parameter_list_inner();
        self.param_names.pop();
        result
    }

    fn parameter_list_inner(&mut self) -> PResult<(Vec<CTypeId>, bool)> {
        self.enter()?;
        let mut params = Vec::new();
        let mut variadic = false;
        if !self.accept(")") {
            loop {
                if self.accept("...") {
                    variadic = true;
                    break;
                }
                let spec = self.decl_spec(SpecAt::Param)?;
                let mut decl = self.declarator(DeclaratorKind::Either)?;
                if let Some(last @ Layer::Array(_)) = decl.layers.last_mut() {
                    // C 6.7.6.3: an array parameter is a pointer, whose target need not
                    // have a size (`int a[n][m]` points to a variable-length array).
                    *last = Layer::Pointer(Quals::NONE);
                }
                if params.is_empty()
                    && decl.layers.is_empty()
                    && decl.name.is_none()
                    && spec.base == CTypeId::VOID
                {
                    // `(void)`; `(void, int)` is LuaJIT's "')' expected near ','".
                    if self.is_punct(")") {
                        break;
                    }
                    return Err(self.err_here(ParseMessage::Expected(")".into())));
                }
                let ty = self.build_type(&spec, &decl)?;
                if let (Some(names), Some(name)) = (self.param_names.last_mut(), decl.name) {
                    names.push(name);
                }
                // C 6.7.6.3: arrays and functions as parameters are pointers; top-level
                // qualifiers do not change the function type.
                let ty = match self.reg.get(ty).kind {
                    CTypeKind::Array { elem, .. } => self.reg.pointer_to(elem),
                    CTypeKind::Function { .. } => self.reg.pointer_to(ty),
                    CTypeKind::Void => return Err(self.err_here(ParseMessage::InvalidCType)),
                    _ => self.reg.unqualified(ty),
                };
                if params.len() >= MAX_PARAMS {
                    return Err(self.err_plain(ParseMessage::TableOverflow));
                }
                params.push(ty);
                if !self.accept(",") {
                    break;
                }
            }
            self.expect(")")?;
        }
        self.leave();
        Ok((params, variadic))
    }

    /// Applies attributes and declarator layers to the specifiers' base type.
    fn build_type(&mut self, spec: &DeclSpec, decl: &Declarator) -> PResult<CTypeId> {
        self.check_capacity()?;
        let mut ty = spec.base;
        if let Some((is_float, size)) = decl.attrs.mode.or(spec.attrs.mode) {
            let quals = self.reg.get(ty).quals;
            let signed = match self.reg.get(ty).kind {
                CTypeKind::Int { signed, .. } => signed,
                CTypeKind::Enum(_) | CTypeKind::Bool => false,
                _ if is_float => true,
                _ => return Err(self.err_plain(ParseMessage::InvalidCType)),
            };
            ty = match (is_float, size) {
                (true, 4) => CTypeId::FLOAT,
                (true, _) => CTypeId::DOUBLE,
                (false, size) => self.reg.int_type(size, signed),
            };
            ty = self.reg.qualified(ty, quals);
        }
        if let Some(size) = decl.attrs.vector_size.or(spec.attrs.vector_size) {
            let elem_size = self.reg.size_of(ty).unwrap_or(0);
            let scalar = matches!(
                self.reg.get(ty).kind,
                CTypeKind::Int { .. } | CTypeKind::Float { .. } | CTypeKind::Bool
            );
            if !scalar || elem_size == 0 || !(size as u64).is_multiple_of(elem_size) {
                return Err(self.err_plain(ParseMessage::InvalidCType));
            }
            ty = self.reg.vector_of(ty, size);
        }
        // The size of `ty` when the previous layer was a fixed array (its element size
        // times its length): `size_of` walks down every dimension, so asking it again
        // for each of many dimensions would take quadratic time.
        let mut known_size: Option<u64> = None;
        for layer in &decl.layers {
            let size_here = known_size.take();
            ty = match layer {
                Layer::Pointer(quals) => {
                    let p = self.reg.pointer_to(ty);
                    self.reg.qualified(p, *quals)
                }
                Layer::Pointer32(quals) => {
                    let p = self.reg.pointer32_to(ty);
                    self.reg.qualified(p, *quals)
                }
                Layer::Array(len) => {
                    let kind = &self.reg.get(ty).kind;
                    if matches!(kind, CTypeKind::Function { .. } | CTypeKind::Void) {
                        // As LuaJIT: an element without a size.
                        return Err(self.err_plain(ParseMessage::SizeUnknownOrTooLarge));
                    }
                    let Some(elem_size) = size_here.or_else(|| self.reg.size_of(ty)) else {
                        return Err(self.err_plain(ParseMessage::SizeUnknownOrTooLarge));
                    };
                    if let ArrayLen::Fixed(n) = len {
                        match elem_size.checked_mul(*n) {
                            Some(s) if s <= MAX_TYPE_SIZE => known_size = Some(s),
                            _ => return Err(self.err_plain(ParseMessage::SizeUnknownOrTooLarge)),
                        }
                    }
                    self.reg.array_of(ty, *len)
                }
                Layer::Function(params, variadic) => {
                    if matches!(
                        self.reg.get(ty).kind,
                        CTypeKind::Function { .. } | CTypeKind::Array { .. }
                    ) {
                        return Err(self.err_plain(ParseMessage::InvalidCType));
                    }
                    self.reg.function(ty, params.clone(), *variadic)
                }
            };
        }
        Ok(ty)
    }

    // ----- struct, union, enum --------------------------------------------------------

    /// The tag after `struct`/`union`/`enum`: a name, a `$` name, or a type id
    /// (`struct 123`, how anonymous types are spelled).
    fn tag_name(&mut self) -> PResult<Option<TagName>> {
        if let Some(name) = self.name_here() {
            self.bump();
            return Ok(Some(TagName::Name(name)));
        }
        if let TokKind::Int(n, _) = self.tok().kind {
            self.bump();
            return Ok(Some(TagName::Id(n)));
        }
        Ok(None)
    }

    /// `struct|union [attrs] [tag] [{ members }] [attrs]`; returns the type and whether
    /// it was an anonymous definition.
    /// `struct`/`union` with a tag, a body or both. Attributes around a body belong to the
    /// record; an alignment written around a tag without a body (`struct s
    /// __attribute__((aligned(16)))`) goes to `outer`, the specifier's attributes, so the
    /// type it names is an aligned variant of the record, as in LuaJIT.
    fn record_spec(&mut self, kind: TagKind, outer: &mut Attrs) -> PResult<(CTypeId, bool)> {
        self.enter()?;
        self.check_capacity()?;
        self.bump(); // struct/union
        let mut attrs = Attrs::default();
        self.trailing_attributes(&mut attrs)?;
        let tag_line = self.line();
        let tag = self.tag_name()?;
        self.trailing_attributes(&mut attrs)?;
        let result = if self.is_punct("{") {
            let id = match &tag {
                Some(TagName::Name(name)) => match self.reg.tag(name) {
                    Some(id) if self.defining.contains(&id) => {
                        // `struct r { struct r { } x; }`: LuaJIT's messages.
                        let message = match self.mode {
                            Mode::Declarations => ParseMessage::Redefine(name.clone()),
                            Mode::Type => ParseMessage::UndeclaredTag(name.clone()),
                        };
                        return Err(Error::parse(message, tag_line));
                    }
                    Some(id) => {
                        let complete = self.reg.record(id).is_none_or(|r| r.complete);
                        if self.reg.tag_kind(id) != Some(kind) || complete {
                            return Err(Error::parse(
                                ParseMessage::Redefine(name.clone()),
                                tag_line,
                            ));
                        }
                        id
                    }
                    None => {
                        let id = self.reg.new_record(kind, Some(name));
                        self.reg.define_tag(name, id);
                        id
                    }
                },
                Some(TagName::Id(n)) => {
                    return Err(Error::parse(
                        ParseMessage::Redefine(n.to_string()),
                        tag_line,
                    ))
                }
                None => self.reg.new_record(kind, None),
            };
            let line = self.line();
            self.bump(); // {
            self.defining.push(id);
            let members = self.members(kind);
            self.defining.pop();
            let (fields, constants) = members?;
            self.expect("}")?;
            self.trailing_attributes(&mut attrs)?;
            let record_attrs = RecordAttrs {
                packed: attrs.packed,
                align: attrs.align,
                pack: self.pack.current,
            };
            self.reg
                .complete_record(id, &fields, record_attrs)
                .map_err(|e| layout_error(e, line))?;
            if !constants.is_empty() {
                self.reg.set_record_constants(id, constants);
            }
            (id, tag.is_none())
        } else {
            outer.align = outer.align.max(attrs.align);
            (self.tag_reference(kind, tag, tag_line)?, false)
        };
        self.leave();
        Ok(result)
    }

    /// A tag used without a body: the existing type, or (in `cdef`) a new incomplete one.
    fn tag_reference(
        &mut self,
        kind: TagKind,
        tag: Option<TagName>,
        line: u32,
    ) -> PResult<CTypeId> {
        match tag {
            None => Err(self.err_here(ParseMessage::Expected("<identifier>".into()))),
            Some(TagName::Id(n)) => {
                let id = CTypeId(n.min(u32::MAX as u64) as u32);
                if n <= u32::MAX as u64
                    && self.reg.try_get(id).is_some()
                    && self.reg.tag_kind(id) == Some(kind)
                {
                    Ok(self.reg.unqualified(id))
                } else {
                    Err(Error::parse(
                        ParseMessage::UndeclaredTag(n.to_string()),
                        line,
                    ))
                }
            }
            Some(TagName::Name(name)) => match self.reg.tag(&name) {
                Some(id) if self.reg.tag_kind(id) == Some(kind) => Ok(id),
                Some(_) => Err(Error::parse(ParseMessage::Redefine(name), line)),
                None if self.mode == Mode::Declarations => {
                    let id = if kind == TagKind::Enum {
                        self.reg.new_enum(Some(&name))
                    } else {
                        self.reg.new_record(kind, Some(&name))
                    };
                    self.reg.define_tag(&name, id);
                    Ok(id)
                }
                None => Err(Error::parse(ParseMessage::UndeclaredTag(name), line)),
            },
        }
    }

    /// A record's members, and its `static const` integer members (name, type, value).
    #[allow(clippy::type_complexity)]
    fn members(&mut self, kind: TagKind) -> PResult<(Vec<FieldDecl>, Vec<(String, CTypeId, i64)>)> {
        let mut fields: Vec<FieldDecl> = Vec::new();
        let mut constants = Vec::new();
        while !self.is_punct("}") {
            if self.tok().kind == TokKind::Eof {
                return Err(self.err_here(ParseMessage::DeclarationSpecifierExpected));
            }
            if let TokKind::Pragma(op) = &self.tok().kind {
                self.pragma(op.clone())?;
                continue;
            }
            if self.is_punct(";") {
                // As LuaJIT: an empty member declaration is an error.
                return Err(self.err_here(ParseMessage::DeclarationSpecifierExpected));
            }
            if matches!(self.ident(), Some("_Static_assert" | "static_assert")) {
                self.static_assert()?;
                self.expect(";")?;
                continue;
            }
            let spec = self.decl_spec(SpecAt::Member)?;
            if self.is_punct(";") && !spec.tagged {
                // As LuaJIT: `struct s { int; }` declares nothing.
                return Err(self.err_here(ParseMessage::Expected("<identifier>".into())));
            }
            if self.accept(";") {
                if spec.enum_body {
                    // `enum { K = 1 };` as a member: its constants are also the record's,
                    // read through the ctype, its instances and `((struct s *)0)->K`.
                    self.enum_constants_into(spec.base, &mut constants);
                }
                if spec.anonymous_record {
                    // A transparent anonymous struct/union member (C11).
                    fields.push(FieldDecl {
                        name: None,
                        ty: spec.base,
                        bit_width: None,
                        align_attr: spec.attrs.align,
                        packed: spec.attrs.packed,
                    });
                }
                continue;
            }
            loop {
                // As LuaJIT (and C), a flexible `T[]` or variable `T[?]` member is last.
                if fields.last().is_some_and(|f| {
                    matches!(
                        self.reg.get(f.ty).kind,
                        CTypeKind::Array {
                            len: ArrayLen::Unsized | ArrayLen::Variable,
                            ..
                        }
                    )
                }) {
                    return Err(self.err_here(ParseMessage::Expected("}".into())));
                }
                let decl = if self.is_punct(":") {
                    Declarator::default()
                } else {
                    // As LuaJIT: a member's declarator is read whole, then its name
                    // checked (`char *[3];`: `'<identifier>' expected near ';'`).
                    self.declarator(DeclaratorKind::Either)?
                };
                if decl.name.is_none() && !self.is_punct(":") {
                    // As LuaJIT: a struct, union or enum alone ends the member there.
                    let base = self.reg.unqualified(spec.base);
                    let tagged = decl.layers.is_empty()
                        && matches!(
                            self.reg.get(base).kind,
                            CTypeKind::Record(_) | CTypeKind::Enum(_)
                        );
                    let want = if tagged { ";" } else { "<identifier>" };
                    return Err(self.err_here(ParseMessage::Expected(want.into())));
                }
                let ty = self.build_type(&spec, &decl)?;
                if kind == TagKind::Union && self.has_no_size(ty) {
                    // As LuaJIT: a union has no variable or flexible part.
                    return Err(self.err_plain(ParseMessage::SizeUnknownOrTooLarge));
                }
                let mut bit_width = None;
                let mut attrs = decl.attrs.clone();
                if self.accept(":") {
                    let v = self.const_expr()?;
                    if v.is_negative() || v.bits > crate::ctype::MAX_TYPE_SIZE {
                        return Err(self.err_plain(ParseMessage::SizeUnknownOrTooLarge));
                    }
                    // As LuaJIT, near the ':': an integer or bool type, at most its
                    // width (one bit for bool), zero only without a name.
                    let t = self.reg.get(ty);
                    let max = match t.kind {
                        CTypeKind::Bool => Some(1),
                        _ if t.is_integer() => self.reg.size_of(ty).map(|s| s * 8),
                        _ => None,
                    };
                    if max.is_none_or(|m| v.bits > m) || (v.bits == 0 && decl.name.is_some()) {
                        return Err(Error::parse_near(
                            ParseMessage::InvalidValue,
                            ":",
                            self.line(),
                        ));
                    }
                    bit_width = Some(v.bits as u32);
                    self.trailing_attributes(&mut attrs)?;
                }
                if spec.storage.is_static {
                    // `static const int X = 5;` inside a struct: a constant, not a member,
                    // read through the ctype and its instances (LuaJIT). Other static
                    // members are skipped.
                    if self.accept("=") {
                        match decl.name {
                            Some(name) if self.reg.get(ty).is_integer() => {
                                let value = self.assignment_expr()?;
                                let value = self.convert_to(value, ty)?;
                                let ty = self.reg.unqualified(ty);
                                constants.push((name, ty, value.bits as i64));
                            }
                            _ => self.skip_initializer()?,
                        }
                    }
                } else {
                    if fields.len() >= MAX_FIELDS {
                        return Err(self.err_plain(ParseMessage::TableOverflow));
                    }
                    fields.push(FieldDecl {
                        name: decl.name,
                        ty,
                        bit_width,
                        align_attr: attrs.align.max(spec.attrs.align),
                        packed: attrs.packed || spec.attrs.packed,
                    });
                }
                if self.accept(",") {
                    continue;
                }
                self.expect(";")?;
                break;
            }
        }
        self.check_duplicate_members(&fields)?;
        Ok((fields, constants))
    }

    /// A `T[]`, `T[?]` or variable-length struct: what only a struct's end may hold.
    fn has_no_size(&self, ty: CTypeId) -> bool {
        self.reg.is_variable_length(ty)
            || matches!(
                self.reg.get(ty).kind,
                CTypeKind::Array {
                    len: ArrayLen::Unsized,
                    ..
                }
            )
    }

    /// The constants of the enum `id` as (name, type, value) of a record.
    fn enum_constants_into(&mut self, id: CTypeId, out: &mut Vec<(String, CTypeId, i64)>) {
        let id = self.reg.unqualified(id);
        let Some(def) = self.reg.enumeration(id) else {
            return;
        };
        for (name, value) in &def.constants {
            let ty = match self.reg.symbol(name) {
                Some(Symbol::Constant { ty, .. }) => *ty,
                _ => CTypeId::INT,
            };
            out.push((name.clone(), ty, *value));
        }
    }

    /// gcc's `duplicate member 'a'`, also through transparent anonymous members. The
    /// names are borrowed; a few are compared pairwise, more go through a hash set.
    fn check_duplicate_members(&self, fields: &[FieldDecl]) -> PResult<()> {
        const LINEAR: usize = 16;
        let mut seen: Vec<&str> = Vec::with_capacity(fields.len());
        let mut set: Option<crate::ctype::FxHashSet<&str>> = None;
        let mut stack: Vec<(Option<&str>, CTypeId)> = fields
            .iter()
            .rev()
            .map(|f| (f.name.as_deref(), f.ty))
            .collect();
        while let Some((name, ty)) = stack.pop() {
            match name {
                Some(name) => {
                    let duplicate = match set.as_mut() {
                        Some(set) => !set.insert(name),
                        None => seen.contains(&name),
                    };
                    if duplicate {
                        return Err(self.err_plain(ParseMessage::DuplicateMember(name.to_string())));
                    }
                    if set.is_none() {
                        seen.push(name);
                        if seen.len() > LINEAR {
                            set = Some(seen.drain(..).collect());
                        }
                    }
                }
                None => {
                    if let Some(def) = self.reg.record(ty) {
                        stack.extend(def.fields.iter().rev().map(|f| (f.name.as_deref(), f.ty)));
                    }
                }
            }
        }
        Ok(())
    }

    /// `enum [attrs] [tag] [: type] [{ A, B = expr, … }] [attrs]`.
    fn enum_spec(&mut self) -> PResult<CTypeId> {
        self.enter()?;
        self.check_capacity()?;
        self.bump(); // enum
        let mut attrs = Attrs::default();
        self.trailing_attributes(&mut attrs)?;
        let tag_line = self.line();
        let tag = self.tag_name()?;
        self.trailing_attributes(&mut attrs)?;
        let mut fixed_type = None;
        let next = self.peek_at(1).clone();
        if self.is_punct(":") && self.starts_type(&next) {
            self.bump();
            let spec = self.decl_spec(SpecAt::TypeName)?;
            let id = self.reg.unqualified(spec.base);
            if !matches!(
                self.reg.get(id).kind,
                CTypeKind::Int { .. } | CTypeKind::Bool
            ) {
                return Err(self.err_here(ParseMessage::InvalidCType));
            }
            fixed_type = Some(id);
        }
        if !self.is_punct("{") {
            let id = self.tag_reference(TagKind::Enum, tag, tag_line)?;
            self.leave();
            return Ok(id);
        }
        let id = match &tag {
            Some(TagName::Name(name)) => match self.reg.tag(name) {
                Some(id) => {
                    let complete = self.reg.enumeration(id).is_none_or(|e| e.complete);
                    if complete {
                        return Err(Error::parse(ParseMessage::Redefine(name.clone()), tag_line));
                    }
                    id
                }
                None => {
                    let id = self.reg.new_enum(Some(name));
                    self.reg.define_tag(name, id);
                    id
                }
            },
            Some(TagName::Id(n)) => {
                return Err(Error::parse(
                    ParseMessage::Redefine(n.to_string()),
                    tag_line,
                ))
            }
            None => self.reg.new_enum(None),
        };
        self.bump(); // {
        let mut constants: Vec<(String, i128)> = Vec::new();
        let mut next: i128 = 0;
        if self.is_punct("}") {
            // As LuaJIT and C: an enum has at least one constant.
            return Err(self.err_here(ParseMessage::Expected("<identifier>".into())));
        }
        while !self.is_punct("}") {
            let Some(name) = self.name_here() else {
                return Err(self.err_here(ParseMessage::Expected("<identifier>".into())));
            };
            // As LuaJIT: an enum constant may not reuse any ordinary identifier (a
            // typedef, function, variable or constant, this enum's included).
            if self.reg.symbol(&name).is_some() {
                return Err(self.err_plain(ParseMessage::Redefine(name)));
            }
            self.bump();
            let mut dummy = Attrs::default();
            self.trailing_attributes(&mut dummy)?;
            if self.accept("=") {
                next = self.const_expr()?.as_i128();
            }
            if !(i64::MIN as i128..=u64::MAX as i128).contains(&next) {
                return Err(self.err_plain(ParseMessage::InvalidValue));
            }
            // Each constant is usable in the next one's expression.
            let ty = if (i32::MIN as i128..=i32::MAX as i128).contains(&next) {
                CTypeId::INT
            } else if next > i64::MAX as i128 {
                CTypeId::UINT64
            } else if next > u32::MAX as i128 || next < 0 {
                CTypeId::INT64
            } else {
                CTypeId::UINT
            };
            self.reg.define_symbol(
                &name,
                Symbol::Constant {
                    ty,
                    value: next as i64,
                },
            );
            constants.push((name, next));
            next += 1;
            if !self.accept(",") {
                break;
            }
        }
        self.expect("}")?;
        self.trailing_attributes(&mut attrs)?;
        let underlying = match fixed_type {
            Some(t) => t,
            None => self.enum_underlying(&constants, attrs.packed),
        };
        let name = match tag {
            Some(TagName::Name(n)) => Some(n),
            _ => None,
        };
        self.reg.set_enum(
            id,
            EnumDef {
                name,
                id,
                complete: true,
                underlying,
                constants: constants.into_iter().map(|(n, v)| (n, v as i64)).collect(),
            },
        );
        self.leave();
        Ok(id)
    }

    /// gcc's choice: `unsigned int` if no value is negative and all fit, else `int`,
    /// else the 64-bit types; `packed` picks the smallest that fits.
    fn enum_underlying(&mut self, constants: &[(String, i128)], packed: bool) -> CTypeId {
        let min = constants.iter().map(|c| c.1).min().unwrap_or(0);
        let max = constants.iter().map(|c| c.1).max().unwrap_or(0);
        let sizes: &[u32] = if packed { &[1, 2, 4, 8] } else { &[4, 8] };
        for &size in sizes {
            let bits = size * 8;
            if min >= 0 && max < (1i128 << bits) {
                return self.reg.int_type(size, false);
            }
            if min >= -(1i128 << (bits - 1)) && max < (1i128 << (bits - 1)) {
                return self.reg.int_type(size, true);
            }
        }
        CTypeId::UINT64
    }
}

enum TagName {
    Name(String),
    Id(u64),
}
