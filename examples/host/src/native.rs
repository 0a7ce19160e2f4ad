//! The `require` wrapper: bare names load native modules (`luaopen_<name>`), the rest goes to mlua.
//!
//! The wrapper is a raw `lua_CFunction` holding mlua's own `require` as upvalue 1, so errors
//! are plain Luau strings and mlua's require still finds the requiring script (it skips C
//! frames when it looks for its caller).
//!
//! Raw-API discipline: pure Rust work (path search, `dlopen`) runs with no Luau call in
//! between; every Rust-owned value is dropped before a Luau call that may raise, because a
//! Luau error is a C++ exception unwinding through this frame.

use std::ffi::{CStr, CString, OsStr};
use std::fmt::Write as _;
use std::os::raw::{c_char, c_int};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use mlua::{ffi, Function, Lua};

use crate::sys::{self, OsStrExt, MODULE_EXT};

/// Registry table caching loaded modules: key `"<canonical path>\0<entry symbol>"`.
const CACHE_TABLE: &CStr = c"luau-ffi-host.native-modules";

/// Environment variable holding `;`-separated `?` patterns for native modules.
const CPATH_VAR: &str = "LUAU_CPATH";

/// A library opened by this host; never closed (module code may still run in `lua_close`).
struct Opened {
    path: PathBuf,
    /// `dlopen` handle, as an address so the table is `Send`.
    handle: usize,
}

/// Every library opened so far, so each file is `dlopen`ed once.
static OPENED: Mutex<Vec<Opened>> = Mutex::new(Vec::new());

/// Replaces the global `require` with the native-aware wrapper around mlua's.
pub fn install(lua: &Lua) -> mlua::Result<()> {
    let globals = lua.globals();
    let original: Function = globals.raw_get("require")?;
    // SAFETY: `exec_raw` runs the closure in protected mode with `original` pushed as the
    // only stack slot; `lua_pushcclosured` pops it as the single upvalue and leaves the new
    // closure, which is the one result. `c"require"` is 'static, as Luau keeps the pointer.
    let wrapper: Function = unsafe {
        lua.exec_raw(original, |state| {
            ffi::lua_pushcclosured(state, require, c"require".as_ptr(), 1);
        })
    }?;
    globals.raw_set("require", wrapper)
}

/// What a `require` argument asks for.
enum Request<'a> {
    /// A bare name: a native module.
    Native(&'a [u8]),
    /// `@name`: a Luau alias if one resolves, else the native module `name`.
    AliasOrNative(&'a [u8]),
    /// Anything else: mlua's require alone.
    Luau,
}

fn classify(path: &[u8]) -> Request<'_> {
    if path.is_empty() || path.starts_with(b"./") || path.starts_with(b"../") {
        return Request::Luau;
    }
    match path.strip_prefix(b"@") {
        Some(name) if name.is_empty() || name == b"self" || name.contains(&b'/') => Request::Luau,
        Some(name) => Request::AliasOrNative(name),
        None => Request::Native(path),
    }
}

/// The global `require` (a `lua_CFunction`; upvalue 1 is mlua's `require`).
///
/// Luau guarantees `LUA_MINSTACK` (20) free slots to a C function; this uses fewer than 8.
unsafe extern "C-unwind" fn require(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: `state` is the running thread, as Luau calls this function.
    // `luaL_checklstring` raises Luau's usual argument error for a non-string (a number
    // is converted in place, as Lua's `require` does) and never returns NULL.
    let (ptr, len) = unsafe {
        let mut len = 0usize;
        (ffi::luaL_checklstring(state, 1, &mut len), len)
    };
    // SAFETY: a Luau string at slot 1 is neither collected nor moved while slot 1 holds
    // it, and nothing below replaces slot 1.
    let path = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) };
    match classify(path) {
        // SAFETY: as above.
        Request::Luau => unsafe { call_original(state) },
        // SAFETY: as above; `load_native` expects the request alone at slot 1.
        Request::Native(name) => unsafe {
            ffi::lua_settop(state, 1);
            load_native(state, name, path, None)
        },
        Request::AliasOrNative(name) => {
            // SAFETY: as above. Calls mlua's require protected; on failure leaves the
            // error at slot 2 and returns a view of it if it is a string.
            let err = unsafe {
                ffi::lua_settop(state, 1);
                ffi::lua_pushvalue(state, ffi::lua_upvalueindex(1));
                ffi::lua_pushvalue(state, 1);
                if ffi::lua_pcall(state, 1, 1, 0) == ffi::LUA_OK {
                    return 1;
                }
                let mut elen = 0usize;
                if ffi::lua_type(state, 2) != ffi::LUA_TSTRING {
                    ffi::lua_error(state);
                }
                let eptr = ffi::lua_tolstring(state, 2, &mut elen);
                std::slice::from_raw_parts(eptr.cast::<u8>(), elen)
            };
            // Fall back to a native module only when the alias did not resolve to a file:
            // Luau's resolver reports those as `error requiring module "<path>": ...`;
            // an error raised while running a resolved module is passed on unchanged.
            let prefix = [b"error requiring module \"", path, b"\": "].concat();
            let unresolved = err.windows(prefix.len()).any(|w| w == prefix.as_slice());
            drop(prefix);
            // SAFETY: the error string stays at slot 2, the top, for `lua_error` or for
            // `load_native` to use.
            unsafe {
                if !unresolved {
                    ffi::lua_error(state);
                }
                load_native(state, name, path, Some(err))
            }
        }
    }
}

/// Calls mlua's `require` (upvalue 1) with this call's arguments, returning all its results.
///
/// # Safety
/// `state` is the running thread inside [`require`].
unsafe fn call_original(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: per the contract; one slot is pushed, within `LUA_MINSTACK`.
    unsafe {
        let nargs = ffi::lua_gettop(state);
        ffi::lua_pushvalue(state, ffi::lua_upvalueindex(1));
        ffi::lua_insert(state, 1);
        ffi::lua_call(state, nargs, ffi::LUA_MULTRET);
        ffi::lua_gettop(state)
    }
}

/// A native module file found for a name.
struct Found {
    /// Canonical path of the library.
    path: PathBuf,
    /// `luaopen_<name>` with dots replaced by `_`.
    symbol: CString,
}

/// Loads native module `name` (requested as `request`) and returns its value on the stack.
/// `alias_error` is Luau's resolution error when `request` was an `@alias`.
///
/// # Safety
/// `state` is the running thread inside [`require`]; the stack holds the request at slot 1
/// (and `alias_error`, if any, at slot 2), and `name`, `request` and `alias_error` point
/// into those strings.
unsafe fn load_native(
    state: *mut ffi::lua_State,
    name: &[u8],
    request: &[u8],
    alias_error: Option<&[u8]>,
) -> c_int {
    // SAFETY: per the contract.
    let dir = unsafe { caller_dir(state) };
    let found = find(name, request, dir.as_deref(), alias_error);
    drop(dir);
    let found = match found {
        Ok(found) => found,
        // SAFETY: per the contract; nothing Rust-owned is live but `msg`, which `raise` frees.
        Err(msg) => unsafe { raise(state, msg) },
    };

    let mut key = found.path.as_os_str().as_bytes().to_vec();
    key.push(0);
    key.extend_from_slice(found.symbol.as_bytes());
    // SAFETY: per the contract; pushes 3 slots (cache table at base+1, key at base+2, the
    // cached value) and drops the owned key before anything can raise past it... except the
    // push itself, which only raises on out-of-memory.
    let base = unsafe {
        let base = ffi::lua_gettop(state);
        push_cache_table(state);
        ffi::lua_pushlstring(state, key.as_ptr().cast::<c_char>(), key.len());
        base
    };
    drop(key);
    // SAFETY: per the contract; the table and key are at base+1 and base+2.
    let cached = unsafe {
        ffi::lua_pushvalue(state, base + 2);
        ffi::lua_rawget(state, base + 1);
        if ffi::lua_type(state, -1) != ffi::LUA_TNIL {
            true
        } else {
            ffi::lua_settop(state, base + 2);
            false
        }
    };
    if cached {
        return 1;
    }

    let entry = match open(&found, name) {
        Ok(entry) => entry,
        Err(msg) => {
            drop(found);
            // SAFETY: per the contract; only `msg` is owned, and `raise` frees it.
            unsafe { raise(state, msg) }
        }
    };
    let path = found.path.as_os_str().as_bytes().to_vec();
    // Luau keeps the debug name pointer, so it must outlive the closure: leak it (once
    // per successful load, as the result is cached).
    let debugname: &'static CStr = Box::leak(found.symbol.into_boxed_c_str());
    drop(found.path);

    // SAFETY: per the contract; `entry` is the module's `lua_CFunction`, called on this
    // thread with (request, path). Rust values are dropped before the call, which runs
    // module code that may raise.
    unsafe {
        ffi::lua_pushcclosurek(state, entry, debugname.as_ptr(), 0, None);
        ffi::lua_pushvalue(state, 1);
        ffi::lua_pushlstring(state, path.as_ptr().cast::<c_char>(), path.len());
    }
    drop(path);
    // SAFETY: per the contract; the closure and its 2 arguments are on top.
    unsafe {
        ffi::lua_call(state, 2, 1);
        if ffi::lua_type(state, -1) == ffi::LUA_TNIL {
            ffi::lua_pop(state, 1);
            ffi::lua_pushboolean(state, 1);
        }
        ffi::lua_pushvalue(state, base + 2);
        ffi::lua_pushvalue(state, -2);
        ffi::lua_rawset(state, base + 1);
    }
    1
}

/// Pushes the registry's module cache table, creating it on first use.
///
/// # Safety
/// `state` is a running thread with 3 free stack slots.
unsafe fn push_cache_table(state: *mut ffi::lua_State) {
    // SAFETY: per the contract; `CACHE_TABLE` is a C string.
    unsafe {
        ffi::lua_getfield(state, ffi::LUA_REGISTRYINDEX, CACHE_TABLE.as_ptr());
        if ffi::lua_type(state, -1) != ffi::LUA_TTABLE {
            ffi::lua_pop(state, 1);
            ffi::lua_createtable(state, 0, 4);
            ffi::lua_pushvalue(state, -1);
            ffi::lua_setfield(state, ffi::LUA_REGISTRYINDEX, CACHE_TABLE.as_ptr());
        }
    }
}

/// Raises `msg`, prefixed with the caller's position like `luaL_error`. Frees `msg` first.
///
/// # Safety
/// `state` is the running thread inside a C function with 2 free stack slots, and the
/// caller holds no Rust value that needs dropping.
unsafe fn raise(state: *mut ffi::lua_State, msg: String) -> ! {
    // SAFETY: per the contract; `msg` is copied by `lua_pushlstring` and freed before
    // `lua_error` unwinds.
    unsafe {
        ffi::luaL_where(state, 1);
        ffi::lua_pushlstring(state, msg.as_ptr().cast::<c_char>(), msg.len());
        drop(msg);
        ffi::lua_concat(state, 2);
        ffi::lua_error(state)
    }
}

/// Directory of the nearest Luau function on the call stack whose chunk is a file
/// (`@path`); `None` when there is none (the current directory is used then).
///
/// # Safety
/// `state` is a running thread.
unsafe fn caller_dir(state: *mut ffi::lua_State) -> Option<PathBuf> {
    let mut level = 1;
    loop {
        // SAFETY: per the contract; `lua_getinfo` fills `ar` (plain data, zero is valid)
        // and its strings live as long as the function at that level, beyond this use.
        // SAFETY: per the contract; `lua_getinfo` fills `ar` (plain data, zeroes are a
        // valid start) and its strings belong to the function at that level, which stays
        // on the stack while they are copied here.
        let info = unsafe {
            let mut ar: ffi::lua_Debug = std::mem::zeroed();
            if ffi::lua_getinfo(state, level, c"s".as_ptr(), &mut ar) == 0 {
                return None;
            }
            let is_c = ar.what.is_null() || CStr::from_ptr(ar.what).to_bytes() == b"C";
            (!is_c).then(|| {
                (!ar.source.is_null()).then(|| CStr::from_ptr(ar.source).to_bytes().to_vec())
            })
        };
        level += 1;
        let Some(source) = info else {
            continue;
        };
        let source = source?;
        let file = source.strip_prefix(b"@")?;
        let parent = Path::new(OsStr::from_bytes(file)).parent()?;
        return Some(parent.to_path_buf());
    }
}

/// The `?` patterns searched after the requiring script's directory: `LUAU_CPATH`'s, where
/// `;;` stands for the default, as in Lua's `LUA_CPATH`; when it is unset, the default:
/// `<directory of the host binary>/?.so`, so `dist/luau-ffi` finds `dist/ffi.so`.
fn cpath_patterns() -> Vec<Vec<u8>> {
    let default = default_cpath();
    let Some(cpath) = std::env::var_os(CPATH_VAR) else {
        return vec![default];
    };
    let cpath = cpath.as_bytes();
    let mut expanded = Vec::with_capacity(cpath.len() + default.len());
    match cpath.windows(2).position(|w| w == b";;") {
        Some(at) => {
            expanded.extend_from_slice(&cpath[..at + 1]);
            expanded.extend_from_slice(&default);
            expanded.extend_from_slice(&cpath[at + 1..]);
        }
        None => expanded.extend_from_slice(cpath),
    }
    expanded
        .split(|&b| b == b';')
        .filter(|p| !p.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

/// `<directory of the running host binary>/?.so` (empty if that directory is unknown).
fn default_cpath() -> Vec<u8> {
    let exe = std::env::current_exe().and_then(|p| p.canonicalize());
    let Some(dir) = exe.ok().and_then(|p| p.parent().map(Path::to_path_buf)) else {
        return Vec::new();
    };
    let mut pattern = dir.as_os_str().as_bytes().to_vec();
    pattern.extend_from_slice(b"/?.");
    pattern.extend_from_slice(MODULE_EXT.as_bytes());
    pattern
}

/// Searches next to the requiring script, then `LUAU_CPATH`. Pure Rust.
fn find(
    name: &[u8],
    request: &[u8],
    dir: Option<&Path>,
    alias_error: Option<&[u8]>,
) -> Result<Found, String> {
    let mut file_name = name.to_vec();
    file_name.push(b'.');
    file_name.extend_from_slice(MODULE_EXT.as_bytes());
    let dir = match dir {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut candidates: Vec<PathBuf> = vec![dir.join(OsStr::from_bytes(&file_name))];
    for pattern in cpath_patterns() {
        let mut file = Vec::with_capacity(pattern.len() + name.len());
        for &b in &pattern {
            if b == b'?' {
                file.extend_from_slice(name);
            } else {
                file.push(b);
            }
        }
        let file = PathBuf::from(OsStr::from_bytes(&file));
        if !candidates.contains(&file) {
            candidates.push(file);
        }
    }

    for candidate in &candidates {
        if candidate.is_file() {
            let path = candidate.canonicalize().map_err(|e| {
                format!(
                    "error loading module '{}' from file '{}':\n\t{e}",
                    String::from_utf8_lossy(request),
                    candidate.display()
                )
            })?;
            let mut symbol = b"luaopen_".to_vec();
            symbol.extend(name.iter().map(|&b| if b == b'.' { b'_' } else { b }));
            let symbol = CString::new(symbol).map_err(|_| {
                format!(
                    "module name '{}' contains a NUL byte",
                    String::from_utf8_lossy(request)
                )
            })?;
            return Ok(Found { path, symbol });
        }
    }

    Err(not_found_message(
        request,
        alias_error,
        &candidates,
        std::env::var_os(CPATH_VAR).as_deref(),
    ))
}

/// `module 'x' not found:`, the alias error if any, every file tried, then how to search
/// elsewhere: what `LUAU_CPATH` holds, or that it is unset.
fn not_found_message(
    request: &[u8],
    alias_error: Option<&[u8]>,
    candidates: &[PathBuf],
    cpath: Option<&OsStr>,
) -> String {
    let mut msg = format!("module '{}' not found:", String::from_utf8_lossy(request));
    if let Some(err) = alias_error {
        msg.push_str("\n\t");
        msg.push_str(&String::from_utf8_lossy(err));
    }
    for candidate in candidates {
        let _ = write!(msg, "\n\tno file '{}'", candidate.display());
    }
    match cpath {
        Some(cpath) => {
            let _ = write!(
                msg,
                "\n\t{CPATH_VAR} is '{}' (';'-separated patterns, '?' is the module name, \
                 ';;' the default)",
                String::from_utf8_lossy(cpath.as_bytes())
            );
        }
        None => {
            let _ = write!(
                msg,
                "\n\t{CPATH_VAR} is not set: set it to ';'-separated patterns where '?' is \
                 the module name (e.g. '/path/to/dist/?.{MODULE_EXT}')"
            );
        }
    }
    msg
}

/// Opens the library (once per file) and looks up its entry point. Pure Rust.
fn open(found: &Found, name: &[u8]) -> Result<ffi::lua_CFunction, String> {
    let fail = |detail: String| {
        format!(
            "error loading module '{}' from file '{}':\n\t{detail}",
            String::from_utf8_lossy(name),
            found.path.display()
        )
    };
    let mut opened = OPENED.lock().unwrap_or_else(|poison| poison.into_inner());
    let handle = match opened.iter().find(|o| o.path == found.path) {
        Some(o) => o.handle as *mut std::ffi::c_void,
        None => {
            let handle = sys::open_library(&found.path).map_err(fail)?;
            opened.push(Opened {
                path: found.path.clone(),
                handle: handle as usize,
            });
            handle
        }
    };
    drop(opened);
    let sym = sys::library_symbol(handle, &found.symbol).map_err(fail)?;
    // SAFETY: by the Lua module convention `luaopen_<name>` is a `lua_CFunction`; a
    // library exporting the name with another signature is a broken module.
    Ok(unsafe { std::mem::transmute::<*mut std::ffi::c_void, ffi::lua_CFunction>(sym) })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows: the `LUAU_CPATH` value (None: unset), then what the message must contain.
    #[test]
    fn not_found_lists_the_files_and_names_luau_cpath() {
        let files = [PathBuf::from("/a/ffi.so"), PathBuf::from("/b/ffi.so")];
        let rows: [(Option<&str>, &[&str]); 2] = [
            (
                None,
                &[
                    "module 'ffi' not found:",
                    "\n\tno file '/a/ffi.so'\n\tno file '/b/ffi.so'",
                    "\n\tLUAU_CPATH is not set: set it to ';'-separated patterns",
                ],
            ),
            (
                Some("/b/?.so;;"),
                &[
                    "\n\tno file '/b/ffi.so'",
                    "\n\tLUAU_CPATH is '/b/?.so;;' (';'-separated patterns",
                ],
            ),
        ];
        for (cpath, wanted) in rows {
            let msg = not_found_message(b"ffi", None, &files, cpath.map(OsStr::new));
            for part in wanted {
                assert!(msg.contains(part), "{cpath:?}: {part:?} not in {msg:?}");
            }
        }
    }
}
