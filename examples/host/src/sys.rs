//! What differs between the Unix and the Windows host: paths as bytes, and opening a
//! native module and finding its entry point (`dlopen`/`dlsym` or
//! `LoadLibraryW`/`GetProcAddress`).

use std::ffi::{c_void, CStr};
use std::path::Path;

#[cfg(unix)]
pub use std::os::unix::ffi::OsStrExt;

/// Windows has no byte view of paths: they are taken and given as UTF-8 (a path that is
/// not valid Unicode reads as `?`, bytes that are not UTF-8 name no file).
#[cfg(windows)]
pub trait OsStrExt {
    fn from_bytes(bytes: &[u8]) -> &Self;
    fn as_bytes(&self) -> &[u8];
}

#[cfg(windows)]
impl OsStrExt for std::ffi::OsStr {
    fn from_bytes(bytes: &[u8]) -> &Self {
        std::ffi::OsStr::new(std::str::from_utf8(bytes).unwrap_or("\u{fffd}"))
    }
    fn as_bytes(&self) -> &[u8] {
        self.to_str().map_or(b"?", str::as_bytes)
    }
}

/// File name extension of a native module.
#[cfg(target_os = "macos")]
pub const MODULE_EXT: &str = "dylib";
#[cfg(windows)]
pub const MODULE_EXT: &str = "dll";
#[cfg(not(any(target_os = "macos", windows)))]
pub const MODULE_EXT: &str = "so";

/// Opens the library at `path` (never closed), or the loader's message.
#[cfg(unix)]
pub fn open_library(path: &Path) -> Result<*mut c_void, String> {
    let cpath = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| "path contains a NUL byte".to_string())?;
    // SAFETY: `cpath` is a valid C string. Running the library's initialisers is the
    // point of loading a native module; the handle is never closed.
    let handle = unsafe { libc::dlopen(cpath.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
    if handle.is_null() {
        return Err(dl_error());
    }
    Ok(handle)
}

/// The address of `symbol` in an opened library, or the loader's message.
#[cfg(unix)]
pub fn library_symbol(handle: *mut c_void, symbol: &CStr) -> Result<*mut c_void, String> {
    // SAFETY: `handle` came from `dlopen` and is never closed; the name is a C string.
    let sym = unsafe { libc::dlsym(handle, symbol.as_ptr()) };
    if sym.is_null() {
        return Err(dl_error());
    }
    Ok(sym)
}

/// The last `dlerror` message.
#[cfg(unix)]
fn dl_error() -> String {
    // SAFETY: `dlerror` returns NULL or a C string valid until the next dl* call on this
    // thread; it is copied at once.
    unsafe {
        let e = libc::dlerror();
        if e.is_null() {
            "unknown dynamic loader error".to_string()
        } else {
            CStr::from_ptr(e).to_string_lossy().into_owned()
        }
    }
}

#[cfg(windows)]
#[link(name = "kernel32")]
extern "system" {
    fn LoadLibraryW(name: *const u16) -> *mut c_void;
    fn GetProcAddress(module: *mut c_void, name: *const std::ffi::c_char) -> *mut c_void;
    fn GetLastError() -> u32;
}

#[cfg(windows)]
pub fn open_library(path: &Path) -> Result<*mut c_void, String> {
    use std::os::windows::ffi::OsStrExt as _;
    let wide: Vec<u16> = path.as_os_str().encode_wide().chain([0]).collect();
    if wide[..wide.len() - 1].contains(&0) {
        return Err("path contains a NUL character".to_string());
    }
    // SAFETY: `wide` is a NUL-terminated UTF-16 string; the module is never freed.
    let handle = unsafe { LoadLibraryW(wide.as_ptr()) };
    if handle.is_null() {
        return Err(win_error("LoadLibrary"));
    }
    Ok(handle)
}

#[cfg(windows)]
pub fn library_symbol(handle: *mut c_void, symbol: &CStr) -> Result<*mut c_void, String> {
    // SAFETY: `handle` came from LoadLibraryW and is never freed; the name is a C string.
    let sym = unsafe { GetProcAddress(handle, symbol.as_ptr()) };
    if sym.is_null() {
        return Err(format!(
            "{}: {}",
            symbol.to_string_lossy(),
            win_error("GetProcAddress")
        ));
    }
    Ok(sym)
}

#[cfg(windows)]
fn win_error(what: &str) -> String {
    // SAFETY: reads this thread's last-error value.
    let code = unsafe { GetLastError() };
    format!("{what} failed (error {code})")
}
