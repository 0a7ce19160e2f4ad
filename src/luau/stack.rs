//! Raw Luau stack helpers: the only place the Lua-facing code touches `lua_*` directly.
//!
//! Errors are raised as plain Luau strings (design.md §4.8). The pattern every API
//! function follows (§4.9): read arguments with non-raising calls, run the Rust work in
//! [`guarded`] (a panic becomes an error message, never an unwind through C), drop every
//! owned value, then push results or [`raise`].

use mlua::ffi::{self as lua, lua_State};
use std::ffi::{c_int, c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A raw Luau state pointer as handed to a `lua_CFunction`.
pub type State = *mut lua_State;

/// The signature of every function the module hands to Luau.
pub type CFunction = unsafe extern "C-unwind" fn(State) -> c_int;

/// Runs pure Rust work, turning a panic into an error message so that no Rust unwind
/// reaches a C frame.
pub fn guarded<T>(work: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(result) => result,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(format!("internal error in luau-ffi: {what}"))
        }
    }
}

/// Raises `message` as a Luau error. Uses 1 stack slot; never returns.
///
/// # Safety
/// `l` must be a live state inside a `lua_CFunction` called by Luau. The caller must hold
/// no value with a destructor: the error unwinds through this frame as a C++ exception.
pub unsafe fn raise(l: State, message: String) -> ! {
    // SAFETY: l is live (caller contract); the bytes are copied into the Luau string
    // before `message` is dropped.
    unsafe { lua::lua_pushlstring(l, message.as_ptr().cast(), message.len()) };
    drop(message);
    // SAFETY: the error value is on top of the stack; lua_error does not return.
    unsafe { lua::lua_error(l) }
}

/// [`raise`] with the position of the Luau code being run (`file:line: `) in front, as
/// LuaJIT reports errors in operations on cdata and namespaces (indexing, stores,
/// arithmetic, concatenation, `#`); its API functions, calls of a non-function and C
/// calls report none, and use [`raise`].
///
/// # Safety
/// As [`raise`]; called from a metamethod.
pub unsafe fn raise_here(l: State, message: String) -> ! {
    // SAFETY: l is live (caller contract); luaL_where pushes one string (empty when the
    // caller is not Luau code), concatenated with the message.
    unsafe {
        lua::luaL_where(l, 1);
        lua::lua_pushlstring(l, message.as_ptr().cast(), message.len());
        drop(message);
        lua::lua_concat(l, 2);
        lua::lua_error(l)
    }
}

/// Unwraps `result` or raises its error. For the end of an API function.
///
/// # Safety
/// As [`raise`].
pub unsafe fn ok_or_raise<T>(l: State, result: Result<T, String>) -> T {
    match result {
        Ok(v) => v,
        // SAFETY: forwarded caller contract.
        Err(message) => unsafe { raise(l, message) },
    }
}

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
