//! Raw Luau stack helpers: the only place the Lua-facing code touches `lua_*` directly.
//!
//! Errors are [`Error`]s (`src/error.rs`, the one message catalogue) until they are
//! raised, then plain Luau strings; no Luau error ever unwinds through Rust: a module
//! function pushes its error with [`raise`] and returns [`RAISE`] to its C trampoline
//! (`entries.rs`), which calls `lua_error` once the Rust frame is gone; Luau functions
//! are called with [`call`] (protected). The pattern every API function follows: read
//! arguments with non-raising calls, run the Rust work in [`guarded`] (a panic becomes an
//! error message), then push results or return [`raise`].

use crate::error::Error;
use mlua::ffi::{self as lua, lua_State};
use std::ffi::{c_int, c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A raw Luau state pointer as handed to a `lua_CFunction`.
pub type State = *mut lua_State;

/// The signature of every function the module hands to Luau: a C trampoline of
/// `entries.rs`.
pub type CFunction = unsafe extern "C-unwind" fn(State) -> c_int;

/// Runs pure Rust work, turning a panic into an error so that no Rust unwind reaches a C
/// frame.
pub fn guarded<T>(work: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(result) => result,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(Error::Internal(what))
        }
    }
}

/// What a module function returns to its C trampoline (`entries.rs`) to have the value
/// on top of the stack raised as a Luau error.
pub const RAISE: c_int = -1;

/// Pushes `error`'s message as the error to raise and returns [`RAISE`], for the function
/// to return to its trampoline. Uses 1 stack slot.
///
/// # Safety
/// `l` must be a live state inside a module function with a free slot.
#[must_use = "return RAISE to the trampoline"]
pub unsafe fn raise(l: State, error: Error) -> c_int {
    let message = error.into_message();
    // SAFETY: l is live (caller contract); Luau copies the bytes.
    unsafe { lua::lua_pushlstring(l, message.as_ptr().cast(), message.len()) };
    RAISE
}

/// [`raise`] with the position of the Luau code being run (`file:line: `) in front, as
/// LuaJIT reports errors in operations on cdata and namespaces (indexing, stores,
/// arithmetic, concatenation, `#`); its API functions, calls of a non-function and C
/// calls report none, and use [`raise`].
///
/// # Safety
/// As [`raise`]; called from a metamethod, with 2 free slots.
#[must_use = "return RAISE to the trampoline"]
pub unsafe fn raise_here(l: State, error: Error) -> c_int {
    let message = error.into_message();
    // SAFETY: l is live (caller contract); luaL_where pushes one string (empty when the
    // caller is not Luau code), concatenated with the message.
    unsafe {
        lua::luaL_where(l, 1);
        lua::lua_pushlstring(l, message.as_ptr().cast(), message.len());
        lua::lua_concat(l, 2);
    }
    RAISE
}

/// Tells the trampoline to call the function below `nargs` arguments on top of the stack
/// and return `nresults` results (`LUA_MULTRET`: the function is at index 1 and every
/// value left on the stack is returned). The module's body returns this value; the call
/// then runs from C with no Rust frame below it, unprotected, its errors and traceback
/// untouched (`trampolines.c`, `luauffi_tail_call`). For Luau code a metamethod ends with.
#[must_use = "return it to the trampoline"]
pub fn tail_call(nargs: c_int, nresults: c_int) -> c_int {
    const CALL_RESULTS: c_int = 1 << 21;
    debug_assert!((0..CALL_RESULTS).contains(&nargs) && (-1..=3).contains(&nresults));
    -(2 + nargs + (nresults + 1) * CALL_RESULTS)
}

/// Calls the function below `nargs` arguments on the top of the stack, protected, as
/// `lua_call` would: `Ok` with its results pushed, or `Err(RAISE)` with its error value on
/// top, to return to the trampoline (no Luau error unwinds through Rust).
///
/// # Safety
/// `l` live with the function and its arguments on the stack.
pub unsafe fn call(l: State, nargs: c_int, nresults: c_int) -> Result<(), c_int> {
    // SAFETY: caller contract; lua_pcall catches every Luau error.
    match unsafe { lua::lua_pcall(l, nargs, nresults, 0) } {
        lua::LUA_OK => Ok(()),
        _ => Err(RAISE),
    }
}

extern "C-unwind" {
    /// `lua_gettable(L, 1)` as a `lua_CFunction` (trampolines.c), for [`get_table`].
    fn luauffi_gettable(l: State) -> c_int;
    /// `lua_settable(L, 1)` as a `lua_CFunction` (trampolines.c), for [`set_table`].
    fn luauffi_settable(l: State) -> c_int;
}

/// `t[k]` with `t` at `table` and `k` on top, replaced by the value, as `lua_gettable`:
/// a plain table is read raw; one with a metatable (whose `__index` may run Luau code) is
/// read in a protected call, `Err(RAISE)` with its error on top. Uses 3 slots.
///
/// # Safety
/// `l` live, `table` an absolute index of a table, a key on top.
pub unsafe fn get_table(l: State, table: c_int) -> Result<(), c_int> {
    // SAFETY: caller contract; rawget and getmetatable never raise; the protected
    // call gets the table and the key as arguments and leaves one result.
    unsafe {
        lua::lua_pushvalue(l, -1);
        lua::lua_rawget(l, table);
        if lua::lua_type(l, -1) != lua::LUA_TNIL || lua::lua_getmetatable(l, table) == 0 {
            lua::lua_replace(l, -2);
            return Ok(());
        }
        lua::lua_settop(l, -3);
        lua::lua_pushcclosurek(l, luauffi_gettable, c"gettable".as_ptr(), 0, None);
        lua::lua_insert(l, -2);
        lua::lua_pushvalue(l, table);
        lua::lua_insert(l, -2);
        call(l, 2, 1)
    }
}

/// `t[name]` with `t` at `table`, pushed, as `lua_getfield`: raw from a plain table,
/// protected when the table has a metatable (see [`get_table`]). Uses 3 slots.
///
/// # Safety
/// `l` live, `table` an absolute index of a table, `name` NUL-terminated.
pub unsafe fn get_field(
    l: State,
    table: c_int,
    name: *const std::ffi::c_char,
) -> Result<(), c_int> {
    // SAFETY: caller contract; rawgetfield and getmetatable never raise.
    unsafe {
        if lua::lua_rawgetfield(l, table, name) != lua::LUA_TNIL
            || lua::lua_getmetatable(l, table) == 0
        {
            return Ok(());
        }
        lua::lua_settop(l, -3);
        lua::lua_pushstring(l, name);
        get_table(l, table)
    }
}

/// `t[k] = v` with `t` at `table` and `k`, `v` on top (both popped), as `lua_settable`:
/// raw into a plain table, protected when it has a metatable. Uses 3 slots.
///
/// # Safety
/// `l` live, `table` an absolute index of a writable table, a key and a value on top.
pub unsafe fn set_table(l: State, table: c_int) -> Result<(), c_int> {
    // SAFETY: caller contract, as in get_table.
    unsafe {
        if lua::lua_getmetatable(l, table) == 0 {
            lua::lua_rawset(l, table);
            return Ok(());
        }
        lua::lua_settop(l, -2);
        lua::lua_pushcclosurek(l, luauffi_settable, c"settable".as_ptr(), 0, None);
        lua::lua_insert(l, -3);
        lua::lua_pushvalue(l, table);
        lua::lua_insert(l, -3);
        call(l, 3, 0)
    }
}

/// Unwraps a `Result`, or returns [`raise`] of its error (anything that converts into an
/// [`Error`]) from the enclosing module function (which must return `c_int`).
macro_rules! raise_err {
    ($l:expr, $result:expr) => {
        match $result {
            Ok(value) => value,
            Err(message) => {
                // SAFETY: the enclosing module function's contract: a live state.
                #[allow(unused_unsafe)]
                let raised = unsafe { $crate::luau::stack::raise($l, message.into()) };
                return raised;
            }
        }
    };
}
pub(crate) use raise_err;

/// Unwraps the `Ok` of a helper that may have pushed an error, or returns its
/// `Err(RAISE)` from the enclosing module function.
macro_rules! or_return {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(raised) => return raised,
        }
    };
}
pub(crate) use or_return;

/// Pushes a Rust string. Uses 1 stack slot.
///
/// # Safety
/// `l` must be a live state with a free stack slot.
pub unsafe fn push_str(l: State, s: &str) {
    // SAFETY: caller contract; Luau copies the bytes.
    unsafe { lua::lua_pushlstring(l, s.as_ptr().cast(), s.len()) };
}

/// The bytes of the string at `idx`, or None when the value is not a string (numbers are
/// not coerced). The slice lives as long as the value stays on the stack.
///
/// # Safety
/// `l` must be a live state and `idx` a valid index.
pub unsafe fn to_bytes<'a>(l: State, idx: c_int) -> Option<&'a [u8]> {
    // SAFETY: caller contract; lua_type never raises.
    if unsafe { lua::lua_type(l, idx) } != lua::LUA_TSTRING {
        return None;
    }
    let mut len = 0usize;
    // SAFETY: the value is a string, so lua_tolstring neither converts nor raises and
    // returns a pointer to `len` bytes owned by the (anchored) string.
    let ptr = unsafe { lua::lua_tolstring(l, idx, &mut len) };
    // SAFETY: see above; the bytes stay valid while the string is on the stack.
    Some(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) })
}

/// The type name of the value at `idx` in LuaJIT's messages ("number", "userdata",
/// "no value", ...): a cdata or ctype (its metatable's `__type`) is "cdata", as every
/// FFI object is in LuaJIT (`string expected, got cdata`). Uses 1 slot.
///
/// # Safety
/// `l` must be a live state and `idx` an absolute index or a valid relative one.
pub unsafe fn type_name(l: State, idx: c_int) -> &'static str {
    // SAFETY: caller contract; lua_typename returns a static C string; the metafield
    // is read raw (no metamethod runs) and popped.
    unsafe {
        let t = lua::lua_type(l, idx);
        if t == lua::LUA_TUSERDATA {
            let idx = lua::lua_absindex(l, idx);
            if lua::luaL_getmetafield(l, idx, c"__type".as_ptr()) != lua::LUA_TNIL {
                let ffi_object = matches!(to_bytes(l, -1), Some(b"cdata" | b"ctype"));
                lua::lua_pop(l, 1);
                if ffi_object {
                    return "cdata";
                }
            }
        }
        CStr::from_ptr(lua::lua_typename(l, t))
            .to_str()
            .unwrap_or("?")
    }
}

/// Sets `t[name] = f` (with `upvalue` as its only upvalue, a light userdata) on the table
/// at `table`, bypassing metamethods and the read-only flag's absence. Uses 2 slots.
///
/// # Safety
/// `l` live, `table` an absolute index of a writable table; `name` NUL-terminated.
pub unsafe fn set_function(
    l: State,
    table: c_int,
    name: &CStr,
    f: CFunction,
    upvalue: *mut c_void,
) {
    // SAFETY: caller contract; a light userdata and a closure with one upvalue.
    unsafe {
        lua::lua_pushlightuserdata(l, upvalue);
        lua::lua_pushcclosurek(l, f, name.as_ptr(), 1, None);
        lua::lua_rawsetfield(l, table, name.as_ptr());
    }
}

/// Pushes `f` as a closure with `upvalue` (a light userdata) as its only upvalue.
/// Uses 1 slot.
///
/// # Safety
/// `l` live with 2 free slots.
pub unsafe fn push_closure(l: State, f: CFunction, upvalue: *mut c_void) {
    // SAFETY: caller contract.
    unsafe {
        lua::lua_pushlightuserdata(l, upvalue);
        lua::lua_pushcclosurek(l, f, c"ffi".as_ptr(), 1, None);
    }
}
