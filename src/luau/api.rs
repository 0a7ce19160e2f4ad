//! The `ffi` table: the surface of the module, in the order of LuaJIT's ffi reference.
//! Each function is short and delegates to the module that owns the concern.

use super::stack::{self, State};
use crate::platform;
use mlua::ffi as lua;
use std::ffi::{c_int, CStr};
use std::ptr;

/// Builds the `ffi` table and leaves it on the stack (1 result).
///
/// # Safety
/// `l` is a live state inside the module's entry `lua_CFunction`.
pub unsafe fn open(l: State) -> c_int {
    // SAFETY: l is live; every call below uses at most 3 stack slots beyond the table,
    // within LUA_MINSTACK.
    unsafe {
        lua::lua_createtable(l, 0, 32);
        let t = lua::lua_absindex(l, -1);

        // Target information (ext_ffi_api "ffi.abi", "ffi.os", "ffi.arch").
        stack::set_function(l, t, c"abi", ffi_abi, ptr::null_mut());
        set_string(l, t, c"os", platform::OS);
        set_string(l, t, c"arch", platform::ARCH);

        lua::lua_setreadonly(l, t, 1);
    }
    1
}

/// `t[name] = value` for a string value. Uses 1 slot.
unsafe fn set_string(l: State, t: c_int, name: &CStr, value: &str) {
    // SAFETY: caller passes a live state and a writable table index.
    unsafe {
        stack::push_str(l, value);
        lua::lua_rawsetfield(l, t, name.as_ptr());
    }
}

/// `ffi.abi(param)`: true when the target has the ABI property, false otherwise.
unsafe extern "C-unwind" fn ffi_abi(l: State) -> c_int {
    // SAFETY: called by Luau with a live state; argument 1 is only read.
    let answer = match unsafe { stack::to_bytes(l, 1) } {
        Some(param) => Ok(std::str::from_utf8(param).is_ok_and(platform::abi)),
        None => Err(format!(
            "bad argument #1 to 'abi' (string expected, got {})",
            // SAFETY: as above.
            unsafe { stack::type_name(l, 1) }
        )),
    };
    // SAFETY: no owned values are live besides `answer`, which ok_or_raise consumes.
    let answer = unsafe { stack::ok_or_raise(l, answer) };
    // SAFETY: one free slot is guaranteed to a lua_CFunction.
    unsafe { lua::lua_pushboolean(l, answer as c_int) };
    1
}
