//! Calls whose struct/union arguments and result are of the x86-64 SysV MEMORY class,
//! through typed function pointers instead of libffi (which classifies every aggregate
//! again on each call).
//!
//! On x86-64 SysV (not Windows) an aggregate larger than 16 bytes whose alignment is at
//! most 8 is always MEMORY (only a 32-byte vector, aligned to 32, escapes that rule): as
//! an argument it is copied onto the stack, 8-aligned, in argument order, using no
//! register; as a result the caller passes a hidden pointer to the result in the first
//! integer register. So, when every other argument travels in a register (at most
//! 4 integer and 4 float arguments, as on the fast path), the stack arguments of a call
//! are just the aggregates one after another, each rounded up to 8 bytes: one block of
//! `W` words passed as a single `#[repr(C)]` aggregate of `W` words is laid out the same
//! way. The callers below take the fast path's register image (all 4 + 4 slots: a
//! non-variadic callee ignores the registers it does not read) and that block, and
//! return the raw result register or write the MEMORY result where told.
//!
//! Other targets (AArch64 passes large aggregates by reference) keep libffi:
//! [`MemoryCaller::for_signature`] is `None` there.

use std::ffi::{c_int, c_void};

use super::class::ValueClass;

/// Most words of stack aggregates, and of a MEMORY result, taken here.
pub const MAX_STACK_WORDS: usize = 12;
pub const MAX_RESULT_WORDS: usize = 8;

/// `W` machine words as one C aggregate.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Words<const W: usize>([u64; W]);

/// Whether `class` is an aggregate of the MEMORY class on this target, as
/// [`MemoryCaller`] takes it.
pub fn is_memory_aggregate(class: ValueClass) -> bool {
    match class {
        ValueClass::Aggregate { size, align } => {
            cfg!(all(target_arch = "x86_64", not(windows))) && size > 16 && align <= 8
        }
        _ => false,
    }
}

/// Words an aggregate of `size` bytes takes on the stack.
pub fn words_of(size: u32) -> usize {
    (size as usize).div_ceil(8)
}

/// A caller of one (stack words, result kind) pair; see the module comment.
///
/// # Safety
/// `function` has a prototype whose register arguments are those of `image` (integers
/// in slots 0..4, floats in 4..8, in order) and whose other arguments are MEMORY
/// aggregates laid out in `stack` (its length is the caller's `W`); a MEMORY result is
/// written to `result`, valid for its size.
pub type MemoryCaller = unsafe fn(
    function: *const c_void,
    image: &[u64; 8],
    stack: &[u64],
    result: *mut u8,
    size: usize,
) -> u64;

/// What a MEMORY-class call returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryReturn {
    Integer,
    Float,
    Void,
    /// A MEMORY aggregate of this many words.
    Memory(usize),
}

#[inline(always)]
fn fp(bits: u64) -> f64 {
    f64::from_bits(bits)
}

macro_rules! caller {
    ($name:ident, $($w:ident)?; $ret:ty; $conv:expr) => {
        unsafe fn $name<$(const $w: usize)?>(
            function: *const c_void,
            image: &[u64; 8],
            stack: &[u64],
            _result: *mut u8,
            _size: usize,
        ) -> u64 {
            let _ = stack;
            // SAFETY: the caller guarantees the prototype (see MemoryCaller).
            unsafe {
                let typed: unsafe extern "C" fn(u64, u64, u64, u64, f64, f64, f64, f64 $(, Words<$w>)?) -> $ret =
                    std::mem::transmute(function);
                let r = typed(
                    image[0], image[1], image[2], image[3],
                    fp(image[4]), fp(image[5]), fp(image[6]), fp(image[7])
                    $(, Words::<$w>(stack[..$w].try_into().expect("the caller's block")))?
                );
                #[allow(clippy::redundant_closure_call)]
                ($conv)(r)
            }
        }
    };
}

caller!(call_int, W; u64; |r: u64| r);
caller!(call_float, W; f64; |r: f64| r.to_bits());
caller!(call_void, W; (); |_r: ()| 0);
caller!(call_int0, ; u64; |r: u64| r);
caller!(call_float0, ; f64; |r: f64| r.to_bits());
caller!(call_void0, ; (); |_r: ()| 0);

/// A MEMORY result of `K` words after `W` words of stack aggregates.
unsafe fn call_memory<const W: usize, const K: usize>(
    function: *const c_void,
    image: &[u64; 8],
    stack: &[u64],
    result: *mut u8,
    size: usize,
) -> u64 {
    // SAFETY: the caller guarantees the prototype and `result` (see MemoryCaller).
    unsafe {
        let r: Words<K> = if W == 0 {
            let typed: unsafe extern "C" fn(u64, u64, u64, u64, f64, f64, f64, f64) -> Words<K> =
                std::mem::transmute(function);
            typed(
                image[0],
                image[1],
                image[2],
                image[3],
                fp(image[4]),
                fp(image[5]),
                fp(image[6]),
                fp(image[7]),
            )
        } else {
            let typed: unsafe extern "C" fn(
                u64,
                u64,
                u64,
                u64,
                f64,
                f64,
                f64,
                f64,
                Words<W>,
            ) -> Words<K> = std::mem::transmute(function);
            typed(
                image[0],
                image[1],
                image[2],
                image[3],
                fp(image[4]),
                fp(image[5]),
                fp(image[6]),
                fp(image[7]),
                Words::<W>(stack[..W].try_into().expect("the caller's block")),
            )
        };
        std::ptr::copy_nonoverlapping(r.0.as_ptr().cast::<u8>(), result, size.min(K * 8));
        0
    }
}

/// The caller of `words` words of stack aggregates (0 or 3..=[`MAX_STACK_WORDS`]) and
/// result `ret`, or `None` when this target or these sizes are not taken.
pub fn memory_caller(words: usize, ret: MemoryReturn) -> Option<MemoryCaller> {
    if !cfg!(all(target_arch = "x86_64", not(windows))) {
        return None;
    }
    macro_rules! by_words {
        ($f:ident, $f0:ident) => {
            match words {
                0 => Some($f0 as MemoryCaller),
                3 => Some($f::<3> as MemoryCaller),
                4 => Some($f::<4>),
                5 => Some($f::<5>),
                6 => Some($f::<6>),
                7 => Some($f::<7>),
                8 => Some($f::<8>),
                9 => Some($f::<9>),
                10 => Some($f::<10>),
                11 => Some($f::<11>),
                12 => Some($f::<12>),
                _ => None,
            }
        };
    }
    macro_rules! memory {
        ($k:literal) => {
            match words {
                0 => Some(call_memory::<0, $k> as MemoryCaller),
                3 => Some(call_memory::<3, $k>),
                4 => Some(call_memory::<4, $k>),
                5 => Some(call_memory::<5, $k>),
                6 => Some(call_memory::<6, $k>),
                7 => Some(call_memory::<7, $k>),
                8 => Some(call_memory::<8, $k>),
                9 => Some(call_memory::<9, $k>),
                10 => Some(call_memory::<10, $k>),
                11 => Some(call_memory::<11, $k>),
                12 => Some(call_memory::<12, $k>),
                _ => None,
            }
        };
    }
    match ret {
        MemoryReturn::Integer => by_words!(call_int, call_int0),
        MemoryReturn::Float => by_words!(call_float, call_float0),
        MemoryReturn::Void => by_words!(call_void, call_void0),
        MemoryReturn::Memory(3) => memory!(3),
        MemoryReturn::Memory(4) => memory!(4),
        MemoryReturn::Memory(5) => memory!(5),
        MemoryReturn::Memory(6) => memory!(6),
        MemoryReturn::Memory(7) => memory!(7),
        MemoryReturn::Memory(8) => memory!(8),
        MemoryReturn::Memory(_) => None,
    }
}

/// [`MemoryCaller`] with errno put back from `saved` before and saved into it after, as
/// [`super::fast::call_preserving_errno`].
///
/// # Safety
/// As [`MemoryCaller`].
#[inline(always)]
pub unsafe fn call_preserving_errno(
    caller: MemoryCaller,
    function: *const c_void,
    image: &[u64; 8],
    stack: &[u64],
    result: *mut u8,
    size: usize,
    saved: &std::cell::Cell<c_int>,
) -> u64 {
    let errno = super::errno::errno_location();
    // SAFETY: `errno` is this thread's errno; the call is forwarded caller contract.
    unsafe {
        errno.write(saved.get());
        let r = caller(function, image, stack, result, size);
        saved.set(errno.read());
        r
    }
}
