//! Integer constant expressions with C's 64-bit semantics: usual arithmetic
//! conversions, casts, `sizeof`/`alignof`, enum constants. Errors, never panics.

use super::lexer::{IntTy, TokKind};
use super::parser::Parser;
use super::Param;
use crate::ctype::{CTypeId, CTypeKind, Symbol};
use crate::error::{Error, ParseMessage};

/// A folded constant: its bits (sign- or zero-extended to 64) and its C type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Value {
    pub bits: u64,
    pub ty: IntTy,
    /// The C type of an expression that is not an integer: a cast to a pointer
    /// (`(struct s *)0`, whose `->K` reads a struct-scoped constant) or a member read
    /// under `sizeof` (`sizeof(((struct s *)0)->m)`).
    pub object: Option<CTypeId>,
}

impl Value {
    fn new(bits: u64, ty: IntTy) -> Value {
        Value {
            bits: truncate(bits, ty),
            ty,
            object: None,
        }
    }

    fn int(v: i64) -> Value {
        Value::new(v as u64, IntTy::INT)
    }

    pub fn is_negative(self) -> bool {
        self.ty.signed && (self.bits as i64) < 0
    }

    pub fn as_i128(self) -> i128 {
        if self.ty.signed {
            self.bits as i64 as i128
        } else {
            self.bits as i128
        }
    }
}

/// Keeps the value within its type: sign-extends signed 32-bit, zero-extends unsigned.
fn truncate(bits: u64, ty: IntTy) -> u64 {
    match (ty.size, ty.signed) {
        (4, true) => bits as i32 as i64 as u64,
        (4, false) => bits as u32 as u64,
        _ => bits,
    }
}

/// C's usual arithmetic conversions on two promoted operands (LP64).
fn common_type(a: IntTy, b: IntTy) -> IntTy {
    if a.size == 8 || b.size == 8 {
        let unsigned = (a.size == 8 && !a.signed) || (b.size == 8 && !b.signed);
        if unsigned {
            IntTy::ULONG
        } else {
            IntTy::LONG
        }
    } else if !a.signed || !b.signed {
        IntTy::UINT
    } else {
        IntTy::INT
    }
}

/// The precedence level of a binary operator, lowest first (`||` 0 … `*` `/` `%` 9),
/// below `?:`; `None` for any other punctuator.
fn binary_level(p: &str) -> Option<usize> {
    Some(match p.as_bytes() {
        b"||" => 0,
        b"&&" => 1,
        b"|" => 2,
        b"^" => 3,
        b"&" => 4,
        b"==" | b"!=" => 5,
        b"<" | b"<=" | b">" | b">=" => 6,
        b"<<" | b">>" => 7,
        b"+" | b"-" => 8,
        b"*" | b"/" | b"%" => 9,
        _ => return None,
    })
}

impl Parser<'_, '_> {
    /// A constant expression (`?:` and below; no comma operator).
    pub(super) fn const_expr(&mut self) -> Result<Value, Error> {
        self.conditional()
    }

    /// Same as [`Parser::const_expr`]; named for the grammar positions that take an
    /// assignment-expression (array sizes, initializers).
    pub(super) fn assignment_expr(&mut self) -> Result<Value, Error> {
        self.conditional()
    }

    /// The integer type of an expression, for `typeof(expr)`.
    pub(super) fn expr_type(&mut self) -> Result<CTypeId, Error> {
        let v = self.const_expr()?;
        Ok(self.reg.int_type(v.ty.size as u32, v.ty.signed))
    }

    fn conditional(&mut self) -> Result<Value, Error> {
        self.enter()?;
        let cond = self.binary(0)?;
        let result = if self.accept("?") {
            let taken = cond.bits != 0;
            if !taken {
                self.unevaluated += 1;
            }
            let a = self.conditional();
            if !taken {
                self.unevaluated -= 1;
            }
            let a = a?;
            self.expect(":")?;
            if taken {
                self.unevaluated += 1;
            }
            let b = self.conditional();
            if taken {
                self.unevaluated -= 1;
            }
            let b = b?;
            let ty = common_type(a.ty, b.ty);
            Value::new(if taken { a.bits } else { b.bits }, ty)
        } else {
            cond
        };
        self.leave();
        Ok(result)
    }

    /// The binary operators of precedence `min` and above, left-associative, by
    /// precedence climbing: each token's level is looked up once, not once per level.
    fn binary(&mut self, min: usize) -> Result<Value, Error> {
        let mut left = self.unary()?;
        loop {
            let (op, level) = match self.tok().kind {
                TokKind::Punct(p) => match binary_level(p) {
                    Some(level) if level >= min => (p, level),
                    _ => return Ok(left),
                },
                _ => return Ok(left),
            };
            let line = self.line();
            self.bump();
            // `0 && x`, `1 || x`: x is not evaluated (no division-by-zero error).
            let short_circuit = (op == "&&" && left.bits == 0) || (op == "||" && left.bits != 0);
            if short_circuit {
                self.unevaluated += 1;
            }
            let right = self.binary(level + 1);
            if short_circuit {
                self.unevaluated -= 1;
            }
            left = self.apply_binary(op, left, right?, line)?;
        }
    }

    fn apply_binary(&self, op: &str, a: Value, b: Value, line: u32) -> Result<Value, Error> {
        let truth = |x: bool| Value::int(x as i64);
        match op {
            "&&" => return Ok(truth(a.bits != 0 && b.bits != 0)),
            "||" => return Ok(truth(a.bits != 0 || b.bits != 0)),
            "<<" | ">>" => {
                let ty = a.ty;
                let count = b.as_i128();
                let width = ty.size as i128 * 8;
                if !(0..width).contains(&count) {
                    // Undefined in C; gcc folds to 0 with a warning.
                    return Ok(Value::new(0, ty));
                }
                let count = count as u32;
                let bits = if op == "<<" {
                    a.bits << count
                } else if ty.signed {
                    ((a.bits as i64) >> count) as u64
                } else {
                    truncate(a.bits, ty) >> count
                };
                return Ok(Value::new(bits, ty));
            }
            _ => {}
        }
        let ty = common_type(a.ty, b.ty);
        let (x, y) = (truncate(a.bits, ty), truncate(b.bits, ty));
        let (sx, sy) = (x as i64, y as i64);
        let signed = ty.signed;
        let bits = match op {
            "+" => x.wrapping_add(y),
            "-" => x.wrapping_sub(y),
            "*" => x.wrapping_mul(y),
            "/" | "%" => {
                if truncate(y, ty) == 0 {
                    if self.unevaluated > 0 {
                        return Ok(Value::new(0, ty));
                    }
                    return Err(Error::parse(ParseMessage::InvalidValue, line));
                }
                match (op, signed, ty.size) {
                    ("/", true, 4) => (sx as i32).wrapping_div(sy as i32) as i64 as u64,
                    ("%", true, 4) => (sx as i32).wrapping_rem(sy as i32) as i64 as u64,
                    ("/", true, _) => sx.wrapping_div(sy) as u64,
                    ("%", true, _) => sx.wrapping_rem(sy) as u64,
                    ("/", false, _) => x / y,
                    _ => x % y,
                }
            }
            "&" => x & y,
            "|" => x | y,
            "^" => x ^ y,
            "==" => return Ok(truth(x == y)),
            "!=" => return Ok(truth(x != y)),
            "<" | "<=" | ">" | ">=" => {
                let ord = if signed { sx.cmp(&sy) } else { x.cmp(&y) };
                let r = match op {
                    "<" => ord.is_lt(),
                    "<=" => ord.is_le(),
                    ">" => ord.is_gt(),
                    _ => ord.is_ge(),
                };
                return Ok(truth(r));
            }
            _ => return Err(Error::parse(ParseMessage::UnexpectedSymbol, line)),
        };
        Ok(Value::new(bits, ty))
    }

    fn unary(&mut self) -> Result<Value, Error> {
        self.enter()?;
        let result = self.unary_inner();
        self.leave();
        result
    }

    fn unary_inner(&mut self) -> Result<Value, Error> {
        if let TokKind::Punct(p @ ("-" | "+" | "~" | "!")) = self.tok().kind {
            self.bump();
            let v = self.unary()?;
            return Ok(match p {
                "-" => Value::new(v.bits.wrapping_neg(), v.ty),
                "+" => v,
                "~" => Value::new(!v.bits, v.ty),
                _ => Value::int((v.bits == 0) as i64),
            });
        }
        match self.ident() {
            Some("sizeof") => {
                self.bump();
                let ty = self.operand_type()?;
                return match self.reg.size_of(ty) {
                    Some(size) => Ok(Value::new(size, IntTy::ULONG)),
                    None => Err(self.err_plain(ParseMessage::SizeUnknownOrTooLarge)),
                };
            }
            Some("_Alignof" | "alignof" | "__alignof__" | "__alignof") => {
                self.bump();
                let ty = self.operand_type()?;
                return match self.reg.align_of(ty) {
                    Some(align) => Ok(Value::new(align as u64, IntTy::ULONG)),
                    None => Err(self.err_plain(ParseMessage::SizeUnknownOrTooLarge)),
                };
            }
            _ => {}
        }
        if self.is_punct("(") {
            let next = self.peek_at(1).clone();
            if self.starts_type(&next) {
                // A cast.
                self.bump();
                let ty = self.type_name()?;
                self.expect(")")?;
                let v = self.unary()?;
                let mut v = self.convert_to(v, ty)?;
                if matches!(self.reg.get(ty).kind, CTypeKind::Pointer { .. }) {
                    v.object = Some(ty);
                }
                return self.postfix(v);
            }
        }
        let v = self.primary()?;
        self.postfix(v)
    }

    /// `->m`, `.m` and `[i]` after an expression with a C type: a struct-scoped
    /// constant's value, or (only under `sizeof`, not evaluated) a member's type.
    fn postfix(&mut self, mut v: Value) -> Result<Value, Error> {
        loop {
            let Some(object) = v.object else {
                return Ok(v);
            };
            let target = match self.reg.get(object).kind {
                CTypeKind::Pointer { target } => Some(target),
                CTypeKind::Array { elem, .. } => Some(elem),
                _ => None,
            };
            let record = if self.is_punct("->") {
                target
            } else if self.is_punct(".") {
                Some(object)
            } else if self.is_punct("[") && target.is_some() {
                self.bump();
                self.unevaluated += 1;
                let index = self.const_expr();
                self.unevaluated -= 1;
                index?;
                self.expect("]")?;
                v = self.member_value(target, None)?;
                continue;
            } else {
                return Ok(v);
            };
            self.bump();
            let Some(name) = self.ident() else {
                return Err(self.err_here(ParseMessage::Expected("<identifier>".into())));
            };
            let record = record.map(|r| self.reg.find_unqualified(r));
            let Some(record) = record.filter(|r| self.reg.record(*r).is_some()) else {
                return Err(self.err_here(ParseMessage::UnexpectedSymbol));
            };
            if let Some((ty, bits)) = self.reg.record_constant(record, name) {
                v = Value::new(bits as u64, int_ty(self.reg.get(ty).kind.clone()));
            } else if let Some(field) = self.reg.field(record, name) {
                let name = name.to_string();
                v = self.member_value(Some(field.ty), Some((name, record)))?;
            } else {
                return Err(Error::NoMember {
                    ty: self.reg.c_name(record),
                    name: name.to_string(),
                });
            }
            self.bump();
        }
    }

    /// A member or element read: only its type, under `sizeof`; an error evaluated.
    fn member_value(
        &self,
        ty: Option<CTypeId>,
        member: Option<(String, CTypeId)>,
    ) -> Result<Value, Error> {
        if self.unevaluated == 0 {
            return Err(match member {
                Some((name, record)) => self.err_here(ParseMessage::NotConstantMember {
                    name,
                    ty: self.reg.c_name(record),
                }),
                None => self.err_plain(ParseMessage::InvalidValue),
            });
        }
        let mut v = Value::int(0);
        v.object = ty;
        Ok(v)
    }

    /// `sizeof "aa" "bb"`, `sizeof("x")`: the type of a string literal, `char[N + 1]`.
    fn string_operand(&mut self) -> Result<Option<CTypeId>, Error> {
        let mut parens = 0;
        while matches!(self.peek_at(parens).kind, TokKind::Punct("(")) {
            parens += 1;
        }
        if !matches!(self.peek_at(parens).kind, TokKind::Str(_)) {
            return Ok(None);
        }
        for _ in 0..parens {
            self.bump();
        }
        let mut len = 0u64;
        while let TokKind::Str(s) = &self.tok().kind {
            len += s.len() as u64;
            self.bump();
        }
        for _ in 0..parens {
            self.expect(")")?;
        }
        Ok(Some(self.reg.array_of(
            CTypeId::CHAR,
            crate::ctype::ArrayLen::Fixed(len + 1),
        )))
    }

    /// The operand of `sizeof`/`alignof`: `(type)` or an expression (its type).
    fn operand_type(&mut self) -> Result<CTypeId, Error> {
        if let Some(ty) = self.string_operand()? {
            return Ok(ty);
        }
        if self.is_punct("(") {
            let next = self.peek_at(1).clone();
            if self.starts_type(&next) {
                self.bump();
                let ty = self.type_name()?;
                self.expect(")")?;
                return Ok(ty);
            }
        }
        if let TokKind::Param(i) = self.tok().kind {
            if let Some(Param::Type(id)) = self.params.get(i) {
                let id = *id;
                self.bump();
                return Ok(id);
            }
        }
        self.unevaluated += 1;
        let v = self.unary();
        self.unevaluated -= 1;
        let v = v?;
        if let Some(ty) = v.object {
            return Ok(ty);
        }
        Ok(self.reg.int_type(v.ty.size as u32, v.ty.signed))
    }

    /// Converts a value to integer type `ty` as a C cast does (then promotes to int).
    pub(super) fn convert_to(&mut self, v: Value, ty: CTypeId) -> Result<Value, Error> {
        let kind = self.reg.get(ty).kind.clone();
        let (size, signed) = match kind {
            CTypeKind::Bool => return Ok(Value::int((v.bits != 0) as i64)),
            CTypeKind::Int { size, signed, .. } => (size, signed),
            CTypeKind::Enum(_) => {
                let def = self.reg.enumeration(ty).expect("enum");
                match self.reg.get(def.underlying).kind {
                    CTypeKind::Int { size, signed, .. } => (size, signed),
                    _ => (4, false),
                }
            }
            CTypeKind::Pointer { .. } => (8, false),
            _ => return Err(self.err_plain(ParseMessage::InvalidCType)),
        };
        let bits = match (size, signed) {
            (1, true) => v.bits as i8 as i64 as u64,
            (1, false) => v.bits as u8 as u64,
            (2, true) => v.bits as i16 as i64 as u64,
            (2, false) => v.bits as u16 as u64,
            (4, true) => v.bits as i32 as i64 as u64,
            (4, false) => v.bits as u32 as u64,
            _ => v.bits,
        };
        let ty = match size {
            1 | 2 => IntTy::INT,
            4 if signed => IntTy::INT,
            4 => IntTy::UINT,
            _ if signed => IntTy::LONG,
            _ => IntTy::ULONG,
        };
        Ok(Value::new(bits, ty))
    }

    fn primary(&mut self) -> Result<Value, Error> {
        let kind = self.tok().kind.clone();
        let value = match kind {
            TokKind::Int(bits, ty) => Value::new(bits, ty),
            TokKind::Char(v) => Value::int(v),
            TokKind::Param(i) => match self.params.get(i) {
                Some(Param::Number(n)) => {
                    let ty = if i32::try_from(*n).is_ok() {
                        IntTy::INT
                    } else {
                        IntTy::LONG
                    };
                    Value::new(*n as u64, ty)
                }
                Some(Param::Name(name)) => {
                    let name = name.clone();
                    self.constant(&name)?
                }
                _ => return Err(self.err_here(ParseMessage::UnexpectedSymbol)),
            },
            TokKind::Ident => {
                let name = self.text();
                self.constant(name)?
            }
            TokKind::Punct("(") => {
                self.bump();
                // The comma operator, in parentheses (as LuaJIT): the last value.
                let mut v = self.const_expr()?;
                while self.accept(",") {
                    v = self.const_expr()?;
                }
                self.expect(")")?;
                return Ok(v);
            }
            // As LuaJIT: a string is no constant.
            TokKind::Str(_) => return Err(self.err_plain(ParseMessage::InvalidValue)),
            // LuaJIT's C lexer has no floating-point numbers: `1.5` is `1`, `.`, `5`
            // (a `.` wants a field name: `'<identifier>' expected near '5'`), `1e1` a
            // malformed number. Its messages, for the same input.
            TokKind::Float => {
                let text = self.text();
                let line = self.line();
                return Err(match text.find('.') {
                    None => Error::parse_near(ParseMessage::MalformedNumber, text, line),
                    Some(0) => Error::parse_near(ParseMessage::UnexpectedSymbol, ".", line),
                    Some(i) => {
                        let rest = &text[i + 1..];
                        let end = rest
                            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                            .unwrap_or(rest.len());
                        let near = if end == 0 {
                            self.text_of(self.peek_at(1))
                        } else {
                            &rest[..end]
                        };
                        Error::parse_near(ParseMessage::Expected("<identifier>".into()), near, line)
                    }
                });
            }
            _ => return Err(self.err_here(ParseMessage::UnexpectedSymbol)),
        };
        self.bump();
        Ok(value)
    }

    /// An enum constant or `static const` integer by name.
    fn constant(&self, name: &str) -> Result<Value, Error> {
        match self.reg.symbol(name) {
            Some(Symbol::Constant { ty, value }) => Ok(Value::new(
                *value as u64,
                int_ty(self.reg.get(*ty).kind.clone()),
            )),
            _ => Err(self.err_here(ParseMessage::UnexpectedSymbol)),
        }
    }
}

/// The promoted expression type of a constant of type `kind`.
fn int_ty(kind: CTypeKind) -> IntTy {
    let (size, signed) = match kind {
        CTypeKind::Int { size, signed, .. } => (size, signed),
        _ => (4, true),
    };
    match (size, signed) {
        (8, true) => IntTy::LONG,
        (8, false) => IntTy::ULONG,
        (4, false) => IntTy::UINT,
        _ => IntTy::INT,
    }
}
