//! Arithmetic and comparisons on cdata (LuaJIT "Arithmetic on cdata objects",
//! "Comparisons of cdata objects"): pointer arithmetic, 64-bit integer arithmetic with
//! C's wrapping and truncating semantics, and the shared `==`/`<`/`<=` rules.

use super::convert::{read_scalar, same_unqualified, shape, Scalar, Shape};
use super::memory;
use super::object::Header;
use crate::ctype::{CTypeId, CTypeKind, Registry};
use crate::error::Error;

/// An arithmetic metamethod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    /// Luau `//`: C division too (truncating), as LuaJIT has no floor division.
    IDiv,
    Mod,
    Pow,
    Unm,
}

impl ArithOp {
    /// The metamethod name, for metatype dispatch.
    pub fn metamethod(self) -> &'static str {
        match self {
            ArithOp::Add => "__add",
            ArithOp::Sub => "__sub",
            ArithOp::Mul => "__mul",
            ArithOp::Div => "__div",
            ArithOp::IDiv => "__idiv",
            ArithOp::Mod => "__mod",
            ArithOp::Pow => "__pow",
            ArithOp::Unm => "__unm",
        }
    }
}

/// A comparison metamethod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Lt,
    Le,
}

/// One operand as arithmetic sees it.
#[derive(Clone, Copy)]
pub enum Operand<'a> {
    Number(f64),
    Cdata(&'a Header),
    /// Anything else, with its Luau type name.
    Other(&'static str),
    /// A string naming a constant of the enum on the other side (LuaJIT converts
    /// `e + "NAME"` to the constant's value); named `string` in errors.
    EnumConstant(i64),
}

/// What an arithmetic operation produced; the caller pushes it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ArithResult {
    Int64 { value: i64, unsigned: bool },
    Pointer { ty: CTypeId, address: usize },
    Number(f64),
}

fn name(reg: &Registry, op: Operand) -> String {
    match op {
        Operand::Number(_) => "number".into(),
        // A function cdata takes part as the pointer to it; LuaJIT names it so.
        Operand::Cdata(h) if matches!(reg.get(h.ty).kind, CTypeKind::Function { .. }) => {
            reg.message_name_pointer(h.ty)
        }
        Operand::Cdata(h) => super::convert::conversion_name(reg, h.ty),
        Operand::Other(n) => n.into(),
        Operand::EnumConstant(_) => "string".into(),
    }
}

#[cold]
fn bad_arith(reg: &Registry, a: Operand, b: Operand) -> Error {
    Error::BadArithmetic {
        left: name(reg, a),
        right: name(reg, b),
    }
}

/// A pointer-like operand: (pointee type, address, the pointer type to produce).
fn as_pointer(reg: &mut Registry, op: Operand) -> Option<(CTypeId, usize, CTypeId)> {
    let Operand::Cdata(h) = op else { return None };
    match shape(reg, h.ty) {
        // SAFETY: a pointer cdata's data holds an address.
        Shape::Pointer { target } => Some((target, unsafe { memory::read_address(h.data) }, h.ty)),
        // A vector does not decay to a pointer (LuaJIT has no arithmetic on vectors).
        Shape::Array { elem, .. } if !super::convert::is_vector(reg, h.ty) => {
            let ptr = reg.pointer_to(elem);
            Some((elem, h.data as usize, ptr))
        }
        _ => None,
    }
}

/// An integer-valued operand (numbers truncate; number-like cdata read as 64-bit).
fn as_integer(reg: &Registry, op: Operand) -> Option<Scalar> {
    match op {
        Operand::Number(n) => Some(Scalar::Float(n)),
        Operand::Cdata(h) => match shape(reg, h.ty) {
            // SAFETY: the cdata's data holds an object of its type.
            sh @ (Shape::Int { .. } | Shape::Bool | Shape::Float { .. }) => unsafe {
                read_scalar(h.data, sh)
            },
            _ => None,
        },
        Operand::EnumConstant(value) => Some(Scalar::Int {
            value,
            unsigned: false,
        }),
        Operand::Other(_) => None,
    }
}

/// The value of the enum constant `name` when `other` is an enum cdata: `Some(Ok)`
/// for a constant, `Some(Err)` with LuaJIT's message for any other string, `None`
/// when `other` is not an enum (the string is then an ordinary bad operand).
pub fn enum_constant(reg: &Registry, other: Operand, name: &[u8]) -> Option<Result<i64, Error>> {
    let Operand::Cdata(h) = other else {
        return None;
    };
    let def = reg.enumeration(h.ty)?;
    Some(
        match def.constants.iter().find(|(n, _)| n.as_bytes() == name) {
            Some((_, value)) => Ok(*value),
            None => Err(Error::CannotConvert {
                from: "string".into(),
                to: reg.message_name(h.ty),
            }),
        },
    )
}

fn is_uint64(reg: &Registry, op: Operand) -> bool {
    matches!(op, Operand::Cdata(h) if shape(reg, h.ty) == Shape::Int { size: 8, signed: false })
}

/// Applies `op` to `a` and `b` (for `Unm`, `b` is ignored: Luau passes no second
/// operand, and LuaJIT's error names the one operand twice).
pub fn arith(
    reg: &mut Registry,
    op: ArithOp,
    a: Operand,
    b: Operand,
) -> Result<ArithResult, Error> {
    let b = if op == ArithOp::Unm { a } else { b };
    let pa = as_pointer(reg, a);
    let pb = if op == ArithOp::Unm {
        None
    } else {
        as_pointer(reg, b)
    };
    if pa.is_some() || pb.is_some() {
        return pointer_arith(reg, op, a, b, pa, pb);
    }
    let (Some(x), Some(y)) = (
        as_integer(reg, a),
        if op == ArithOp::Unm {
            Some(Scalar::Float(0.0))
        } else {
            as_integer(reg, b)
        },
    ) else {
        return Err(bad_arith(reg, a, b));
    };
    let unsigned = is_uint64(reg, a) || is_uint64(reg, b);
    let value = if unsigned {
        u64_arith(op, x.as_u64(), y.as_u64()) as i64
    } else {
        i64_arith(op, x.as_i64(), y.as_i64())
    };
    Ok(ArithResult::Int64 { value, unsigned })
}

fn pointer_arith(
    reg: &Registry,
    op: ArithOp,
    a: Operand,
    b: Operand,
    pa: Option<(CTypeId, usize, CTypeId)>,
    pb: Option<(CTypeId, usize, CTypeId)>,
) -> Result<ArithResult, Error> {
    let elem_size = |target: CTypeId| reg.size_of(target).filter(|&s| s > 0);
    match (op, pa, pb) {
        (ArithOp::Sub, Some((ta, xa, _)), Some((tb, xb, _))) => {
            let compatible = same_unqualified(reg, ta, tb) || reg.get(ta).kind == reg.get(tb).kind;
            match elem_size(ta) {
                Some(size) if compatible => Ok(ArithResult::Number(
                    ((xa as i64).wrapping_sub(xb as i64) / size as i64) as f64,
                )),
                _ => Err(bad_arith(reg, a, b)),
            }
        }
        (ArithOp::Add | ArithOp::Sub, Some((target, address, ty)), None)
        | (ArithOp::Add, None, Some((target, address, ty))) => {
            let other = if pa.is_some() { b } else { a };
            let (Some(n), Some(size)) = (as_integer(reg, other), elem_size(target)) else {
                return Err(bad_arith(reg, a, b));
            };
            let delta = n.as_i64().wrapping_mul(size as i64);
            let delta = if op == ArithOp::Sub {
                delta.wrapping_neg()
            } else {
                delta
            };
            Ok(ArithResult::Pointer {
                ty,
                address: (address as i64).wrapping_add(delta) as usize,
            })
        }
        _ => Err(bad_arith(reg, a, b)),
    }
}

/// The value LuaJIT gives a 64-bit division or modulo by zero.
const DIV_BY_ZERO: u64 = 0x8000_0000_0000_0000;

fn i64_arith(op: ArithOp, a: i64, b: i64) -> i64 {
    match op {
        ArithOp::Add => a.wrapping_add(b),
        ArithOp::Sub => a.wrapping_sub(b),
        ArithOp::Mul => a.wrapping_mul(b),
        ArithOp::Div | ArithOp::IDiv if b == 0 => DIV_BY_ZERO as i64,
        ArithOp::Div | ArithOp::IDiv => a.wrapping_div(b),
        ArithOp::Mod if b == 0 => DIV_BY_ZERO as i64,
        ArithOp::Mod => a.wrapping_rem(b),
        ArithOp::Pow => {
            if b < 0 {
                match a {
                    // As LuaJIT: zero to a negative power is the largest int64_t.
                    0 => i64::MAX,
                    1 => 1,
                    -1 if b & 1 == 1 => -1,
                    -1 => 1,
                    _ => 0,
                }
            } else {
                u64_pow(a as u64, b as u64) as i64
            }
        }
        ArithOp::Unm => a.wrapping_neg(),
    }
}

fn u64_arith(op: ArithOp, a: u64, b: u64) -> u64 {
    match op {
        ArithOp::Add => a.wrapping_add(b),
        ArithOp::Sub => a.wrapping_sub(b),
        ArithOp::Mul => a.wrapping_mul(b),
        ArithOp::Div | ArithOp::IDiv | ArithOp::Mod if b == 0 => DIV_BY_ZERO,
        ArithOp::Div | ArithOp::IDiv => a / b,
        ArithOp::Mod => a % b,
        ArithOp::Pow => u64_pow(a, b),
        ArithOp::Unm => a.wrapping_neg(),
    }
}

fn u64_pow(mut base: u64, mut exp: u64) -> u64 {
    let mut result: u64 = 1;
    while exp > 0 {
        if exp & 1 == 1 {
            result = result.wrapping_mul(base);
        }
        base = base.wrapping_mul(base);
        exp >>= 1;
    }
    result
}

/// A pointer-like operand of a comparison: as [`as_pointer`], and a function cdata
/// (`ffi.C.f`) as the pointer to its code, as LuaJIT compares them.
fn as_compared_pointer(reg: &mut Registry, op: Operand) -> Option<(CTypeId, usize, CTypeId)> {
    if let Operand::Cdata(h) = op {
        if matches!(reg.get(h.ty).kind, CTypeKind::Function { .. }) {
            return Some((h.ty, h.data as usize, h.ty));
        }
    }
    as_pointer(reg, op)
}

/// Whether two cdata compare by the built-in rules (both pointer-like, or both
/// number-like) rather than by a metatype.
pub fn is_builtin_comparison(reg: &mut Registry, a: &Header, b: &Header) -> bool {
    let (oa, ob) = (Operand::Cdata(a), Operand::Cdata(b));
    (as_compared_pointer(reg, oa).is_some() && as_compared_pointer(reg, ob).is_some())
        || (as_integer(reg, oa).is_some() && as_integer(reg, ob).is_some())
}

/// Compares two cdata. Pointers compare addresses (ordering needs compatible targets);
/// number-like cdata compare as 64-bit integers (unsigned when either is `uint64_t`);
/// any other pair is equal only when it is the same object.
pub fn compare(reg: &mut Registry, op: CompareOp, a: &Header, b: &Header) -> Result<bool, Error> {
    let (oa, ob) = (Operand::Cdata(a), Operand::Cdata(b));
    if let (Some((ta, xa, _)), Some((tb, xb, _))) =
        (as_compared_pointer(reg, oa), as_compared_pointer(reg, ob))
    {
        // Ordering needs the same target type (qualifiers aside); equality is by address.
        if op != CompareOp::Eq && reg.get(ta).kind != reg.get(tb).kind {
            return Err(bad_compare(reg, a, b));
        }
        return Ok(ordered(op, xa.cmp(&xb)));
    }
    match (as_integer(reg, oa), as_integer(reg, ob)) {
        (Some(x), Some(y)) => {
            let ordering = if is_uint64(reg, oa) || is_uint64(reg, ob) {
                x.as_u64().cmp(&y.as_u64())
            } else {
                x.as_i64().cmp(&y.as_i64())
            };
            Ok(ordered(op, ordering))
        }
        _ if op == CompareOp::Eq => Ok(std::ptr::eq(a.data, b.data)),
        _ => Err(bad_compare(reg, a, b)),
    }
}

#[cold]
fn bad_compare(reg: &Registry, a: &Header, b: &Header) -> Error {
    Error::BadComparison {
        left: name(reg, Operand::Cdata(a)),
        right: name(reg, Operand::Cdata(b)),
    }
}

fn ordered(op: CompareOp, ordering: std::cmp::Ordering) -> bool {
    match op {
        CompareOp::Eq => ordering.is_eq(),
        CompareOp::Lt => ordering.is_lt(),
        CompareOp::Le => ordering.is_le(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int64_semantics_follow_c() {
        assert_eq!(i64_arith(ArithOp::Mod, -7, 3), -1);
        assert_eq!(i64_arith(ArithOp::Mod, 5, -3), 2);
        assert_eq!(i64_arith(ArithOp::Div, -7, 2), -3);
        assert_eq!(i64_arith(ArithOp::Div, 1, 0), i64::MIN);
        assert_eq!(i64_arith(ArithOp::Div, i64::MIN, -1), i64::MIN);
        assert_eq!(i64_arith(ArithOp::Pow, 2, 10), 1024);
        assert_eq!(i64_arith(ArithOp::Pow, 2, -1), 0);
        assert_eq!(i64_arith(ArithOp::Pow, -1, -3), -1);
        assert_eq!(i64_arith(ArithOp::Pow, 0, -1), i64::MAX);
        assert_eq!(i64_arith(ArithOp::Pow, 0, 0), 1);
        assert_eq!(u64_arith(ArithOp::Sub, 5, 6), u64::MAX);
        assert_eq!(u64_arith(ArithOp::Div, 5, 0), 1 << 63);
        assert_eq!(u64_arith(ArithOp::Pow, 3, 2), 9);
    }
}
