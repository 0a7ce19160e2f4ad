//! The fast call path: common signatures called through a typed Rust function pointer
//! instead of libffi, chosen once per signature as a [`FastShape`].
//!
//! On x86-64 SysV and AAPCS64 (aarch64 Linux and Apple) integer/pointer arguments take
//! the general-purpose registers in order and `float`/`double` arguments take the FP
//! registers in order, independently of each other. So `f(int, double, char *)` is
//! called exactly like `g(u64, u64, f64)` with the integers and the floats in their own
//! order, and up to 4 + 4 arguments always travel in registers. The frame keeps the
//! arguments as this register image: integer slots 0..4 (already extended to 64 bits as
//! callers must), float slots 4..8 (a `float` is the low 32 bits of its slot, which is
//! what the callee reads from the register). Results come back as the raw register:
//! the reader narrows integers to the declared width and takes a `float` from the low 32
//! bits. Variadic functions never take this path (x86-64 needs `%al` set for them).

use std::cell::Cell;
use std::ffi::{c_int, c_void};

use super::class::ValueClass;

/// Most integer/pointer and most floating-point arguments of a fast signature.
pub const MAX_FAST_INTEGER_ARGS: usize = 4;
pub const MAX_FAST_FLOAT_ARGS: usize = 4;

/// Whether this target's calling convention is the one the fast path assumes.
pub const FAST_PATH_AVAILABLE: bool = cfg!(all(
    any(target_arch = "x86_64", target_arch = "aarch64"),
    target_endian = "little",
    not(windows)
));

/// A fast signature's shape: how many integer and float arguments and what kind of
/// result, packed into the index of one `match` arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FastShape(u8);

/// Where a fast signature's result comes back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FastReturn {
    Integer = 0,
    Float = 1,
    Void = 2,
}

/// Where argument `i` of a fast signature lives in the register image.
pub fn register_slots(params: &[ValueClass]) -> Vec<usize> {
    let (mut ints, mut floats) = (0, MAX_FAST_INTEGER_ARGS);
    params
        .iter()
        .map(|class| {
            let slot = if class.is_float_register() {
                &mut floats
            } else {
                &mut ints
            };
            *slot += 1;
            *slot - 1
        })
        .collect()
}

impl FastShape {
    /// The shape of `ints` integer/pointer and `floats` floating-point arguments with a
    /// result of kind `ret`, for callers that know it at compile time; `None` when the
    /// fast path does not take it (too many arguments, or another calling convention).
    pub const fn new(ret: FastReturn, ints: usize, floats: usize) -> Option<FastShape> {
        if !FAST_PATH_AVAILABLE || ints > MAX_FAST_INTEGER_ARGS || floats > MAX_FAST_FLOAT_ARGS {
            return None;
        }
        Some(FastShape(
            (ret as u8) * 25 + (ints as u8) * 5 + floats as u8,
        ))
    }

    /// The shape of a non-variadic signature, or `None` when it needs libffi.
    pub fn of(params: &[ValueClass], ret: ValueClass) -> Option<FastShape> {
        if !FAST_PATH_AVAILABLE {
            return None;
        }
        let ret = match ret {
            ValueClass::Void => FastReturn::Void,
            ValueClass::F32 | ValueClass::F64 => FastReturn::Float,
            class if class.is_integer_register() => FastReturn::Integer,
            _ => return None,
        };
        let mut ints = 0;
        let mut floats = 0;
        for class in params {
            if class.is_float_register() {
                floats += 1;
            } else if class.is_integer_register() {
                ints += 1;
            } else {
                return None;
            }
        }
        FastShape::new(ret, ints, floats)
    }
}

/// [`call`] with errno put back from `saved` before and saved into it right after, as
/// every C call of the module does (see `Signature::call`); for callers that build the
/// register image themselves and keep the saved errno themselves (per Luau state: no
/// thread-local lookup on the hot path).
///
/// # Safety
/// As [`call`].
#[inline(always)]
pub unsafe fn call_preserving_errno(
    shape: FastShape,
    function: *const c_void,
    image: &[u64; 8],
    saved: &Cell<c_int>,
) -> u64 {
    // Written out rather than through `errno::preserved_in`: its closure would keep
    // `call` from being inlined, and with it the folding of the shape's `match`.
    let errno = super::errno::errno_location();
    // SAFETY: `errno` is this thread's errno; the call is forwarded caller contract.
    unsafe {
        errno.write(saved.get());
        let result = call(shape, function, image);
        saved.set(errno.read());
        result
    }
}

/// Bits of a float slot as the `f64` the register carries.
#[inline(always)]
fn fp(bits: u64) -> f64 {
    f64::from_bits(bits)
}

/// Calls `function` with the register `image`; returns the raw result register.
///
/// # Safety
/// `function` must be a C function whose prototype has the shape `shape` was built from
/// (integer and float arguments in the order of the image), and the image must hold
/// valid arguments for it.
#[inline(always)]
pub unsafe fn call(shape: FastShape, function: *const c_void, image: &[u64; 8]) -> u64 {
    macro_rules! call {
        (int; $($ty:ty),*; $($arg:expr),*) => {{
            // SAFETY: the caller guarantees `function` has this register-level prototype.
            let typed: unsafe extern "C" fn($($ty),*) -> u64 = unsafe { std::mem::transmute(function) };
            // SAFETY: as above; the arguments are the values the prototype expects.
            unsafe { typed($($arg),*) }
        }};
        (float; $($ty:ty),*; $($arg:expr),*) => {{
            // SAFETY: the caller guarantees `function` has this register-level prototype.
            let typed: unsafe extern "C" fn($($ty),*) -> f64 = unsafe { std::mem::transmute(function) };
            // SAFETY: as above.
            unsafe { typed($($arg),*) }.to_bits()
        }};
        (void; $($ty:ty),*; $($arg:expr),*) => {{
            // SAFETY: the caller guarantees `function` has this register-level prototype.
            let typed: unsafe extern "C" fn($($ty),*) = unsafe { std::mem::transmute(function) };
            // SAFETY: as above.
            unsafe { typed($($arg),*) };
            0
        }};
    }
    match shape.0 {
        0 => call!(int; ; ),
        1 => call!(int; f64; fp(image[4])),
        2 => call!(int; f64, f64; fp(image[4]), fp(image[5])),
        3 => call!(int; f64, f64, f64; fp(image[4]), fp(image[5]), fp(image[6])),
        4 => call!(int; f64, f64, f64, f64; fp(image[4]), fp(image[5]), fp(image[6]), fp(image[7])),
        5 => call!(int; u64; image[0]),
        6 => call!(int; u64, f64; image[0], fp(image[4])),
        7 => call!(int; u64, f64, f64; image[0], fp(image[4]), fp(image[5])),
        8 => call!(int; u64, f64, f64, f64; image[0], fp(image[4]), fp(image[5]), fp(image[6])),
        9 => {
            call!(int; u64, f64, f64, f64, f64; image[0], fp(image[4]), fp(image[5]), fp(image[6]), fp(image[7]))
        }
        10 => call!(int; u64, u64; image[0], image[1]),
        11 => call!(int; u64, u64, f64; image[0], image[1], fp(image[4])),
        12 => call!(int; u64, u64, f64, f64; image[0], image[1], fp(image[4]), fp(image[5])),
        13 => {
            call!(int; u64, u64, f64, f64, f64; image[0], image[1], fp(image[4]), fp(image[5]), fp(image[6]))
        }
        14 => {
            call!(int; u64, u64, f64, f64, f64, f64; image[0], image[1], fp(image[4]), fp(image[5]), fp(image[6]), fp(image[7]))
        }
        15 => call!(int; u64, u64, u64; image[0], image[1], image[2]),
        16 => call!(int; u64, u64, u64, f64; image[0], image[1], image[2], fp(image[4])),
        17 => {
            call!(int; u64, u64, u64, f64, f64; image[0], image[1], image[2], fp(image[4]), fp(image[5]))
        }
        18 => {
            call!(int; u64, u64, u64, f64, f64, f64; image[0], image[1], image[2], fp(image[4]), fp(image[5]), fp(image[6]))
        }
        19 => {
            call!(int; u64, u64, u64, f64, f64, f64, f64; image[0], image[1], image[2], fp(image[4]), fp(image[5]), fp(image[6]), fp(image[7]))
        }
        20 => call!(int; u64, u64, u64, u64; image[0], image[1], image[2], image[3]),
        21 => {
            call!(int; u64, u64, u64, u64, f64; image[0], image[1], image[2], image[3], fp(image[4]))
        }
        22 => {
            call!(int; u64, u64, u64, u64, f64, f64; image[0], image[1], image[2], image[3], fp(image[4]), fp(image[5]))
        }
        23 => {
            call!(int; u64, u64, u64, u64, f64, f64, f64; image[0], image[1], image[2], image[3], fp(image[4]), fp(image[5]), fp(image[6]))
        }
        24 => {
            call!(int; u64, u64, u64, u64, f64, f64, f64, f64; image[0], image[1], image[2], image[3], fp(image[4]), fp(image[5]), fp(image[6]), fp(image[7]))
        }
        25 => call!(float; ; ),
        26 => call!(float; f64; fp(image[4])),
        27 => call!(float; f64, f64; fp(image[4]), fp(image[5])),
        28 => call!(float; f64, f64, f64; fp(image[4]), fp(image[5]), fp(image[6])),
        29 => {
            call!(float; f64, f64, f64, f64; fp(image[4]), fp(image[5]), fp(image[6]), fp(image[7]))
        }
        30 => call!(float; u64; image[0]),
        31 => call!(float; u64, f64; image[0], fp(image[4])),
        32 => call!(float; u64, f64, f64; image[0], fp(image[4]), fp(image[5])),
        33 => call!(float; u64, f64, f64, f64; image[0], fp(image[4]), fp(image[5]), fp(image[6])),
        34 => {
            call!(float; u64, f64, f64, f64, f64; image[0], fp(image[4]), fp(image[5]), fp(image[6]), fp(image[7]))
        }
        35 => call!(float; u64, u64; image[0], image[1]),
        36 => call!(float; u64, u64, f64; image[0], image[1], fp(image[4])),
        37 => call!(float; u64, u64, f64, f64; image[0], image[1], fp(image[4]), fp(image[5])),
        38 => {
            call!(float; u64, u64, f64, f64, f64; image[0], image[1], fp(image[4]), fp(image[5]), fp(image[6]))
        }
        39 => {
            call!(float; u64, u64, f64, f64, f64, f64; image[0], image[1], fp(image[4]), fp(image[5]), fp(image[6]), fp(image[7]))
        }
        40 => call!(float; u64, u64, u64; image[0], image[1], image[2]),
        41 => call!(float; u64, u64, u64, f64; image[0], image[1], image[2], fp(image[4])),
        42 => {
            call!(float; u64, u64, u64, f64, f64; image[0], image[1], image[2], fp(image[4]), fp(image[5]))
        }
        43 => {
            call!(float; u64, u64, u64, f64, f64, f64; image[0], image[1], image[2], fp(image[4]), fp(image[5]), fp(image[6]))
        }
        44 => {
            call!(float; u64, u64, u64, f64, f64, f64, f64; image[0], image[1], image[2], fp(image[4]), fp(image[5]), fp(image[6]), fp(image[7]))
        }
        45 => call!(float; u64, u64, u64, u64; image[0], image[1], image[2], image[3]),
        46 => {
            call!(float; u64, u64, u64, u64, f64; image[0], image[1], image[2], image[3], fp(image[4]))
        }
        47 => {
            call!(float; u64, u64, u64, u64, f64, f64; image[0], image[1], image[2], image[3], fp(image[4]), fp(image[5]))
        }
        48 => {
            call!(float; u64, u64, u64, u64, f64, f64, f64; image[0], image[1], image[2], image[3], fp(image[4]), fp(image[5]), fp(image[6]))
        }
        49 => {
            call!(float; u64, u64, u64, u64, f64, f64, f64, f64; image[0], image[1], image[2], image[3], fp(image[4]), fp(image[5]), fp(image[6]), fp(image[7]))
        }
        50 => call!(void; ; ),
        51 => call!(void; f64; fp(image[4])),
        52 => call!(void; f64, f64; fp(image[4]), fp(image[5])),
        53 => call!(void; f64, f64, f64; fp(image[4]), fp(image[5]), fp(image[6])),
        54 => {
            call!(void; f64, f64, f64, f64; fp(image[4]), fp(image[5]), fp(image[6]), fp(image[7]))
        }
        55 => call!(void; u64; image[0]),
        56 => call!(void; u64, f64; image[0], fp(image[4])),
        57 => call!(void; u64, f64, f64; image[0], fp(image[4]), fp(image[5])),
        58 => call!(void; u64, f64, f64, f64; image[0], fp(image[4]), fp(image[5]), fp(image[6])),
        59 => {
            call!(void; u64, f64, f64, f64, f64; image[0], fp(image[4]), fp(image[5]), fp(image[6]), fp(image[7]))
        }
        60 => call!(void; u64, u64; image[0], image[1]),
        61 => call!(void; u64, u64, f64; image[0], image[1], fp(image[4])),
        62 => call!(void; u64, u64, f64, f64; image[0], image[1], fp(image[4]), fp(image[5])),
        63 => {
            call!(void; u64, u64, f64, f64, f64; image[0], image[1], fp(image[4]), fp(image[5]), fp(image[6]))
        }
        64 => {
            call!(void; u64, u64, f64, f64, f64, f64; image[0], image[1], fp(image[4]), fp(image[5]), fp(image[6]), fp(image[7]))
        }
        65 => call!(void; u64, u64, u64; image[0], image[1], image[2]),
        66 => call!(void; u64, u64, u64, f64; image[0], image[1], image[2], fp(image[4])),
        67 => {
            call!(void; u64, u64, u64, f64, f64; image[0], image[1], image[2], fp(image[4]), fp(image[5]))
        }
        68 => {
            call!(void; u64, u64, u64, f64, f64, f64; image[0], image[1], image[2], fp(image[4]), fp(image[5]), fp(image[6]))
        }
        69 => {
            call!(void; u64, u64, u64, f64, f64, f64, f64; image[0], image[1], image[2], fp(image[4]), fp(image[5]), fp(image[6]), fp(image[7]))
        }
        70 => call!(void; u64, u64, u64, u64; image[0], image[1], image[2], image[3]),
        71 => {
            call!(void; u64, u64, u64, u64, f64; image[0], image[1], image[2], image[3], fp(image[4]))
        }
        72 => {
            call!(void; u64, u64, u64, u64, f64, f64; image[0], image[1], image[2], image[3], fp(image[4]), fp(image[5]))
        }
        73 => {
            call!(void; u64, u64, u64, u64, f64, f64, f64; image[0], image[1], image[2], image[3], fp(image[4]), fp(image[5]), fp(image[6]))
        }
        74 => {
            call!(void; u64, u64, u64, u64, f64, f64, f64, f64; image[0], image[1], image[2], image[3], fp(image[4]), fp(image[5]), fp(image[6]), fp(image[7]))
        }
        _ => unreachable!("fast shapes are built by FastShape::of"),
    }
}
