//! Out of memory in the module's own Rust allocations: a refusal becomes the Luau error
//! `not enough memory`, never Rust's abort (`memory allocation of N bytes failed`).
//!
//! Two mechanisms, for the two sizes of allocation:
//! - **Large, user-sized work is probed first** ([`refused`]): before a `cdef` or a type
//!   string is parsed, a block [`PARSE_BYTES_PER_BYTE`] times the text's size is asked of
//!   the system and given back; a refusal fails the call before anything is registered.
//!   `ffi.new` probes its block the same way (16 MiB and up).
//! - **Small internal allocations draw on a reserve** (the native module only, where the
//!   crate owns the allocator, [`Reserving`]): [`RESERVE_BYTES`] of address space are
//!   mapped at load; when the system refuses an allocation the reserve is unmapped, the
//!   allocation retried, and [`take_refusal`] reports it. A `cdef` or type parse that saw
//!   a refusal stops at the next declaration and registers nothing; the next one first
//!   maps the reserve again ([`ready`]) and fails at once if it cannot.
//! - **Memory outside Luau's heap** (callbacks) is made only while the system can still
//!   give [`HOST_ROOM`] ([`room_outside_luau`]): the host's Luau limit cannot see it.
//!
//! A single allocation larger than the reserve that is refused after its probe passed
//! (another thread took the memory in between) still aborts, as Rust does.

use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

/// Address space kept back for the allocations that finish or unwind an operation after
/// the system refused one.
pub const RESERVE_BYTES: usize = 8 << 20;

/// Bytes probed per byte of C declarations before parsing them: above the parser's
/// peak (tokens, types, records and the registry's growth; a 1 MB header peaks near
/// 20 MB).
pub const PARSE_BYTES_PER_BYTE: usize = 64;

/// Texts shorter than this are parsed without a probe (the reserve covers them).
pub const PARSE_PROBE_FROM: usize = 1 << 16;

/// Room a callback's creation leaves the host: a callback's memory is outside Luau's
/// heap, so the host's Luau limit does not see it, and a host allocator that aborts
/// when the system refuses (mlua's) would otherwise meet the refusal first (the Luau
/// registry's doubling when the callback's function is referenced, for one).
pub const HOST_ROOM: usize = 32 << 20;

static RESERVE: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
static REFUSED: AtomicBool = AtomicBool::new(false);

/// Whether the system refuses `bytes` now: a block that large is allocated and given
/// back at once, untouched. Overflowing sizes are refused.
pub fn refused(bytes: usize) -> bool {
    match std::alloc::Layout::from_size_align(bytes.max(1), 16) {
        Ok(layout) => {
            // SAFETY: a non-zero size; the block is given back at once, untouched.
            // `black_box` keeps the compiler from eliding the unused allocation. Asked
            // of the system, not of the reserving allocator, so a refusal is not served
            // from the reserve.
            unsafe {
                use std::alloc::GlobalAlloc;
                let p = std::hint::black_box(std::alloc::System.alloc(layout));
                if !p.is_null() {
                    std::alloc::System.dealloc(p, layout);
                }
                p.is_null()
            }
        }
        Err(_) => true,
    }
}

/// Whether parsing `len` bytes of C declarations may start: the reserve is in place and
/// a long text's probe passes.
pub fn parse_may_start(len: usize) -> bool {
    ready() && (len < PARSE_PROBE_FROM || !refused(len.saturating_mul(PARSE_BYTES_PER_BYTE)))
}

/// Whether memory outside Luau's heap may grow by a small amount now: the reserve is in
/// place and the system can still give [`HOST_ROOM`].
pub fn room_outside_luau() -> bool {
    ready() && !refused(HOST_ROOM)
}

/// Whether the system refused an allocation since the last call (and clears that).
pub fn take_refusal() -> bool {
    REFUSED.swap(false, Ordering::AcqRel)
}

/// Whether the system refused an allocation since the last [`take_refusal`].
pub fn refusal_seen() -> bool {
    REFUSED.load(Ordering::Acquire)
}

/// Maps the reserve if it is not in place (after a refusal used it); whether it is in
/// place now. Always true where the crate does not own the allocator.
pub fn ready() -> bool {
    if !cfg!(feature = "module") || !RESERVE.load(Ordering::Acquire).is_null() {
        return true;
    }
    let block = map_reserve();
    if block.is_null() {
        return false;
    }
    if RESERVE
        .compare_exchange(
            std::ptr::null_mut(),
            block,
            Ordering::AcqRel,
            Ordering::Acquire,
        )
        .is_err()
    {
        unmap_reserve(block);
    }
    true
}

/// Unmaps the reserve if it is in place; whether it was (the reserving allocator's, so
/// only the native module calls it).
#[allow(dead_code)]
fn release() -> bool {
    let block = RESERVE.swap(std::ptr::null_mut(), Ordering::AcqRel);
    if block.is_null() {
        return false;
    }
    unmap_reserve(block);
    true
}

#[cfg(unix)]
fn map_reserve() -> *mut u8 {
    // SAFETY: an anonymous private mapping, not touched: it only holds address space
    // (what RLIMIT_AS counts) and costs no physical memory.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            RESERVE_BYTES,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        std::ptr::null_mut()
    } else {
        p.cast()
    }
}

#[cfg(unix)]
fn unmap_reserve(block: *mut u8) {
    // SAFETY: `block` is a mapping of RESERVE_BYTES made by map_reserve, owned by the
    // caller (taken out of RESERVE) and never used for anything.
    unsafe {
        libc::munmap(block.cast(), RESERVE_BYTES);
    }
}

/// Elsewhere (Windows) the reserve is a block of the system allocator, never touched:
/// what it holds back is commit charge rather than address space.
#[cfg(not(unix))]
const RESERVE_LAYOUT: std::alloc::Layout =
    match std::alloc::Layout::from_size_align(RESERVE_BYTES, 4096) {
        Ok(layout) => layout,
        Err(_) => panic!("the reserve's layout"),
    };

#[cfg(not(unix))]
fn map_reserve() -> *mut u8 {
    // SAFETY: a non-zero size; the block is owned by RESERVE until unmap_reserve.
    unsafe { std::alloc::GlobalAlloc::alloc(&std::alloc::System, RESERVE_LAYOUT) }
}

#[cfg(not(unix))]
fn unmap_reserve(block: *mut u8) {
    // SAFETY: `block` came from map_reserve with RESERVE_LAYOUT and is given back once
    // (the caller took it out of RESERVE).
    unsafe { std::alloc::GlobalAlloc::dealloc(&std::alloc::System, block, RESERVE_LAYOUT) }
}

/// The native module's allocator: the system's, and on a refusal the reserve is
/// released and the allocation retried once (see the module documentation).
#[cfg(feature = "module")]
pub struct Reserving;

#[cfg(feature = "module")]
impl Reserving {
    /// After a refusal: releases the reserve (recording the refusal) and retries.
    fn retry(&self, again: impl Fn() -> *mut u8) -> *mut u8 {
        if release() {
            REFUSED.store(true, Ordering::Release);
            again()
        } else {
            std::ptr::null_mut()
        }
    }
}

// SAFETY: every method forwards to the system allocator with the caller's arguments;
// the reserve is address space of its own, never handed out.
#[cfg(feature = "module")]
unsafe impl std::alloc::GlobalAlloc for Reserving {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        use std::alloc::System;
        // SAFETY: the caller's contract, forwarded.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            return p;
        }
        // SAFETY: as above.
        self.retry(|| unsafe { System.alloc(layout) })
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        use std::alloc::System;
        // SAFETY: the caller's contract, forwarded.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            return p;
        }
        // SAFETY: as above.
        self.retry(|| unsafe { System.alloc_zeroed(layout) })
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: the caller's contract, forwarded (every block came from System).
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, size: usize) -> *mut u8 {
        use std::alloc::System;
        // SAFETY: the caller's contract, forwarded; a refused realloc leaves `ptr` as
        // it was, so it may be retried.
        let p = unsafe { System.realloc(ptr, layout, size) };
        if !p.is_null() {
            return p;
        }
        // SAFETY: as above.
        self.retry(|| unsafe { System.realloc(ptr, layout, size) })
    }
}
