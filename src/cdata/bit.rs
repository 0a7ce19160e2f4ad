//! The arithmetic of `ffi.bit`, LuaJIT 2.1's BitOp library: 32-bit operations on Luau
//! numbers (normalised to a signed 32-bit integer) and 64-bit operations when an
//! argument is a 64-bit cdata. No Luau here: the glue (`luau/bit_glue.rs`) reads the
//! arguments and pushes the results.

/// 2^52 + 2^51: added to a double, it leaves the integer nearest to it (ties to even)
/// in the low bits of the sum's representation, for |n| < 2^51.
const TOBIT_BIAS: f64 = 6_755_399_441_055_744.0;

/// A Luau number as BitOp's 32-bit integer: the low 32 bits of the integer nearest to
/// it (ties to even), as LuaJIT normalises numbers. Outside ±2^51 the result is what
/// LuaJIT gives too (the low bits of the biased sum), and 0 for NaN and infinities.
pub fn tobit(n: f64) -> i32 {
    (n + TOBIT_BIAS).to_bits() as u32 as i32
}

/// The n-ary operations `band`, `bor`, `bxor`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fold {
    And,
    Or,
    Xor,
}

impl Fold {
    /// The value the fold starts from (all ones for `band`, zero otherwise).
    pub fn identity(self) -> u64 {
        match self {
            Fold::And => u64::MAX,
            Fold::Or | Fold::Xor => 0,
        }
    }

    /// One step of the fold; on 32-bit values the upper half stays as it started.
    pub fn apply(self, acc: u64, x: u64) -> u64 {
        match self {
            Fold::And => acc & x,
            Fold::Or => acc | x,
            Fold::Xor => acc ^ x,
        }
    }
}

/// The shifts and rotations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shift {
    Left,
    Right,
    Arithmetic,
    RotateLeft,
    RotateRight,
}

impl Shift {
    /// `x` shifted on 32 bits, the count taken modulo 32.
    pub fn apply32(self, x: i32, count: i32) -> i32 {
        let n = (count & 31) as u32;
        match self {
            Shift::Left => x.wrapping_shl(n),
            Shift::Right => ((x as u32) >> n) as i32,
            Shift::Arithmetic => x >> n,
            Shift::RotateLeft => x.rotate_left(n),
            Shift::RotateRight => x.rotate_right(n),
        }
    }

    /// `x` shifted on 64 bits, the count taken modulo 64 (an arithmetic shift treats
    /// `x` as signed, whatever its type).
    pub fn apply64(self, x: u64, count: i32) -> u64 {
        let n = (count & 63) as u32;
        match self {
            Shift::Left => x << n,
            Shift::Right => x >> n,
            Shift::Arithmetic => ((x as i64) >> n) as u64,
            Shift::RotateLeft => x.rotate_left(n),
            Shift::RotateRight => x.rotate_right(n),
        }
    }
}

/// `bit.tohex(x, n)`: `value` (a 32-bit number zero-extended, or a 64-bit cdata's bits)
/// as hexadecimal. `digits` is `n` (8 for a number and 16 for a 64-bit cdata when
/// absent): its magnitude is the number of digits (lowest ones kept below 16, zeros in
/// front above), a negative `n` asks for upper case. As LuaJIT, the digit count is
/// taken modulo 256 once one is added to it, and a count of 255 (mod 256) means the
/// natural length: `tohex(x, 255)` is `x`'s digits, `tohex(0, 0)` is empty.
pub fn tohex(value: u64, digits: i32) -> String {
    let upper = digits < 0;
    let n = if upper { digits.wrapping_neg() } else { digits };
    let mut value = value;
    if n < 16 {
        // (the count wraps as LuaJIT's does for n = -2^31, whose negation is itself)
        let bits = (n.wrapping_mul(4) & 63) as u32;
        value &= (1u64 << bits).wrapping_sub(1);
    }
    let width = match (n as u32).wrapping_add(1) & 255 {
        0 => 1,
        p => (p - 1) as usize,
    };
    match (width, value) {
        (0, 0) => String::new(),
        _ if upper => format!("{value:0width$X}"),
        _ => format!("{value:0width$x}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tobit_rounds_to_even_and_wraps() {
        let cases: &[(f64, i32)] = &[
            (0.0, 0),
            (-1.0, -1),
            (2147483648.0, i32::MIN),
            (4294967296.0, 0),
            (4294967297.0, 1),
            (0.5, 0),
            (1.5, 2),
            (2.5, 2),
            (-2.5, -2),
            (f64::NAN, 0),
            (f64::INFINITY, 0),
            (1e300, -2013235812),
            (2f64.powi(53), 0),
        ];
        for &(n, expected) in cases {
            assert_eq!(tobit(n), expected, "tobit({n})");
        }
    }

    #[test]
    fn shifts_mask_their_count() {
        let cases: &[(Shift, i32, i32, i32)] = &[
            (Shift::Left, 1, 4, 16),
            (Shift::Left, 1, 36, 16),
            (Shift::Left, 1, -1, i32::MIN),
            (Shift::Right, -1, 28, 15),
            (Shift::Arithmetic, i32::MIN, 4, -134217728),
            (Shift::RotateLeft, 0x12345678, 4, 0x23456781),
            (Shift::RotateRight, 1, 33, i32::MIN),
        ];
        for &(op, x, n, expected) in cases {
            assert_eq!(op.apply32(x, n), expected, "{op:?}({x}, {n})");
        }
        assert_eq!(Shift::Left.apply64(1, 68), 16);
        assert_eq!(Shift::Arithmetic.apply64(u64::MAX, 70), u64::MAX);
        assert_eq!(Shift::RotateLeft.apply64(1, -1), 1 << 63);
    }

    #[test]
    fn tohex_digits_case_and_wrapping() {
        let cases: &[(u64, i32, &str)] = &[
            (0xff, 8, "000000ff"),
            (0xffff_ffff, 8, "ffffffff"),
            (0xff, -4, "00FF"),
            (0xff, 0, ""),
            (0, 255, "0"),
            (0, 256, ""),
            (0x1234_5678, 255, "12345678"),
            (0x1234_5678, 7, "2345678"),
            (0xffff_ffff, 20, "000000000000ffffffff"),
            (u64::MAX, 16, "ffffffffffffffff"),
            (u64::MAX, 4, "ffff"),
            (1, i32::MIN, ""),
        ];
        for &(value, n, expected) in cases {
            assert_eq!(tohex(value, n), expected, "tohex({value:#x}, {n})");
        }
        assert_eq!(tohex(0x1234, 1000).len(), 232);
    }
}
