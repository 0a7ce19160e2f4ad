//! errno as `ffi.errno` sees it: saved right after every C call, put back right before
//! the next one, so VM activity in between never changes it (LuaJIT preserves errno
//! across its VM the same way).

use std::cell::Cell;
use std::ffi::c_int;

thread_local! {
    static SAVED_ERRNO: Cell<c_int> = const { Cell::new(0) };
}

#[cfg(any(target_os = "linux", target_os = "android", target_os = "emscripten"))]
#[inline(always)]
pub(crate) fn errno_location() -> *mut c_int {
    // SAFETY: always safe to call; returns this thread's errno address.
    unsafe { libc::__errno_location() }
}

#[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd"))]
#[inline(always)]
pub(crate) fn errno_location() -> *mut c_int {
    // SAFETY: always safe to call; returns this thread's errno address.
    unsafe { libc::__error() }
}

/// The C runtime's errno (`_errno()` of msvcrt.dll, the CRT mingw-w64 links by default
/// and the one `ffi.C` finds first).
#[cfg(windows)]
#[inline(always)]
pub(crate) fn errno_location() -> *mut c_int {
    extern "C" {
        fn _errno() -> *mut c_int;
    }
    // SAFETY: always safe to call; returns this thread's errno address.
    unsafe { _errno() }
}

/// Runs `f` with this thread's saved-errno slot (what [`saved_errno`] reads).
#[inline(always)]
pub(crate) fn with_saved<R>(f: impl FnOnce(&Cell<c_int>) -> R) -> R {
    SAVED_ERRNO.with(f)
}

/// Runs a C call with errno set to `saved` before it and saved into it right after.
/// On Windows the thread's last-error value (`GetLastError`) is kept the same way, so
/// `ffi.C.GetLastError()` reports the previous C call's, whatever the VM and the symbol
/// lookups in between did (LuaJIT keeps it too).
#[inline(always)]
pub(crate) fn preserved_in<R>(saved: &Cell<c_int>, call: impl FnOnce() -> R) -> R {
    let errno = errno_location();
    // SAFETY: `errno` is this thread's errno, valid for the thread's lifetime.
    unsafe { errno.write(saved.get()) };
    #[cfg(windows)]
    last_error::restore();
    let result = call();
    #[cfg(windows)]
    last_error::save();
    // SAFETY: as above; read right after the call, before anything else runs.
    saved.set(unsafe { errno.read() });
    result
}

/// The Windows last-error value as of the end of the last C call on this thread.
#[cfg(windows)]
pub(crate) mod last_error {
    use std::cell::Cell;

    thread_local! {
        static SAVED: Cell<u32> = const { Cell::new(0) };
    }

    #[link(name = "kernel32")]
    extern "system" {
        fn GetLastError() -> u32;
        fn SetLastError(code: u32);
    }

    /// Puts the saved value back, right before a C call.
    #[inline(always)]
    pub(crate) fn restore() {
        let code = SAVED.with(Cell::get);
        // SAFETY: sets this thread's last-error value; no other effect.
        unsafe { SetLastError(code) };
    }

    /// Saves the value the C call left, right after it.
    #[inline(always)]
    pub(crate) fn save() {
        // SAFETY: reads this thread's last-error value; no other effect.
        let code = unsafe { GetLastError() };
        SAVED.with(|saved| saved.set(code));
    }
}

/// errno as saved right after the last C call on this thread (`ffi.errno()`).
pub fn saved_errno() -> c_int {
    SAVED_ERRNO.with(|saved| saved.get())
}

/// `ffi.errno(new)`: sets the errno the next C call starts with; returns the old value.
pub fn set_errno(value: c_int) -> c_int {
    let old = SAVED_ERRNO.with(|saved| saved.replace(value));
    // SAFETY: this thread's errno.
    unsafe { errno_location().write(value) };
    old
}
