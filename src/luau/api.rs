//! The `ffi` table: the surface of the module, in the order of LuaJIT's ffi reference.
//! Each function is short and delegates to the module that owns the concern.

use super::args::{bad_argument, ctype_arg, type_params};
use super::stack::{self, State};
use super::state::{self, ModuleState};
use super::ctype_object;
use crate::cdecl;
use crate::platform;
use mlua::ffi as lua;
use std::ffi::{c_int, CStr};

/// Builds the `ffi` table and leaves it on the stack (1 result).
///
/// # Safety
/// `l` is a live state inside the module's entry `lua_CFunction`.
pub unsafe fn open(l: State) -> c_int {
    // SAFETY: l is live and nothing owned is held while raising.
    let Some(ctype_tag) = (unsafe { state::free_userdata_tag(l) }) else {
        // SAFETY: as above.
        unsafe { stack::raise(l, "ffi: no free userdata tag in this Luau state".into()) }
    };
    let st = ModuleState::leak(ctype_tag);
    let up = st.as_upvalue();
    // SAFETY: l is live; every call below uses at most 4 stack slots beyond the table,
    // within LUA_MINSTACK.
    unsafe {
        ctype_object::register_metatable(l, st);
        lua::lua_createtable(l, 0, 32);
        let t = lua::lua_absindex(l, -1);

        // Declaring and accessing external symbols (ext_ffi_api, in its order).
        stack::set_function(l, t, c"cdef", ffi_cdef, up);

        // C type functions.
        stack::set_function(l, t, c"typeof", ffi_typeof, up);
        stack::set_function(l, t, c"sizeof", ffi_sizeof, up);
        stack::set_function(l, t, c"alignof", ffi_alignof, up);
        stack::set_function(l, t, c"offsetof", ffi_offsetof, up);
        stack::set_function(l, t, c"istype", ffi_istype, up);

        // Target information (ext_ffi_api "ffi.abi", "ffi.os", "ffi.arch").
        stack::set_function(l, t, c"abi", ffi_abi, up);
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

/// `ffi.cdef(def [, params...])`: declares C types and symbols, all or nothing.
unsafe extern "C-unwind" fn ffi_cdef(l: State) -> c_int {
    // SAFETY: called by Luau with this module's upvalue; arguments are only read.
    let st = unsafe { ModuleState::of_call(l) };
    let result = (|| {
        // LuaJIT coerces a number to its string form here, like any Lua string argument.
        // SAFETY: as above; lua_tolstring converts a number in place, never raises.
        let text = unsafe {
            match lua::lua_type(l, 1) {
                lua::LUA_TNUMBER => {
                    lua::lua_tolstring(l, 1, std::ptr::null_mut());
                    stack::to_bytes(l, 1)
                }
                _ => stack::to_bytes(l, 1),
            }
        };
        let Some(text) = text else {
            // SAFETY: as above.
            let got = unsafe { stack::type_name(l, 1) };
            return Err(bad_argument(1, "cdef", format!("string expected, got {got}")));
        };
        let text = std::str::from_utf8(text).map_err(|_| "invalid UTF-8 in C declarations".to_string())?;
        // SAFETY: as above.
        let params = unsafe { type_params(l, st, 2)? };
        stack::guarded(|| {
            cdecl::cdef(&mut st.registry.borrow_mut(), text, &params).map_err(|e| e.to_string())
        })
    })();
    // SAFETY: nothing owned is live besides `result`, consumed here.
    unsafe { stack::ok_or_raise(l, result) };
    0
}

/// `ffi.typeof(ct [, params...])`: the ctype object of a C type.
unsafe extern "C-unwind" fn ffi_typeof(l: State) -> c_int {
    // SAFETY: called by Luau with this module's upvalue; arguments are only read.
    unsafe {
        let st = ModuleState::of_call(l);
        let result = ctype_arg(l, st, 1, "typeof", 2);
        let id = stack::ok_or_raise(l, result);
        ctype_object::push(l, st, id);
    }
    1
}

/// `ffi.sizeof(ct [, nelem])`: the size in bytes, or nil when it is not known (void,
/// incomplete types, `[]`, a VLA with a negative count).
unsafe extern "C-unwind" fn ffi_sizeof(l: State) -> c_int {
    // SAFETY: called by Luau with this module's upvalue; arguments are only read.
    let st = unsafe { ModuleState::of_call(l) };
    // SAFETY: as above.
    let result = unsafe { ctype_arg(l, st, 1, "sizeof", 0) }.and_then(|id| {
        let registry = st.registry.borrow();
        if !is_variable_length(&registry, id) {
            return Ok(registry.size_of(id));
        }
        // SAFETY: argument 2 is only inspected.
        let nelem = unsafe {
            match lua::lua_type(l, 2) {
                lua::LUA_TNUMBER => lua::lua_tonumberx(l, 2, std::ptr::null_mut()),
                lua::LUA_TNONE | lua::LUA_TNIL => return Err(bad_argument(2, "sizeof", "value expected")),
                _ => {
                    let got = stack::type_name(l, 2);
                    return Err(bad_argument(2, "sizeof", format!("cannot convert '{got}' to 'int'")));
                }
            }
        };
        // C conversion of a number to an element count: truncate toward zero.
        Ok(if nelem >= 0.0 { registry.size_of_vla(id, nelem as u64) } else { None })
    });
    // SAFETY: only `result` is live and it is consumed.
    let size = unsafe { stack::ok_or_raise(l, result) };
    push_optional_number(l, size.map(|s| s as f64))
}

/// `ffi.alignof(ct)`: the minimum alignment in bytes.
unsafe extern "C-unwind" fn ffi_alignof(l: State) -> c_int {
    // SAFETY: called by Luau with this module's upvalue; arguments are only read.
    let st = unsafe { ModuleState::of_call(l) };
    // SAFETY: as above.
    let result = unsafe { ctype_arg(l, st, 1, "alignof", 0) }.map(|id| st.registry.borrow().align_of(id));
    // SAFETY: only `result` is live and it is consumed.
    let align = unsafe { stack::ok_or_raise(l, result) };
    push_optional_number(l, align.map(f64::from))
}

/// `ffi.offsetof(ct, field)`: the field's offset, plus bit position and size for a
/// bitfield; nothing when there is no such field.
unsafe extern "C-unwind" fn ffi_offsetof(l: State) -> c_int {
    // SAFETY: called by Luau with this module's upvalue; arguments are only read.
    let st = unsafe { ModuleState::of_call(l) };
    // SAFETY: as above.
    let result = unsafe { ctype_arg(l, st, 1, "offsetof", 0) }.and_then(|id| {
        // SAFETY: argument 2 is only inspected.
        let Some(name) = (unsafe { stack::to_bytes(l, 2) }) else {
            // SAFETY: as above.
            let got = unsafe { stack::type_name(l, 2) };
            return Err(bad_argument(2, "offsetof", format!("string expected, got {got}")));
        };
        let name = String::from_utf8_lossy(name);
        Ok(st.registry.borrow().field(id, &name))
    });
    // SAFETY: only `result` is live and it is consumed.
    let field = unsafe { stack::ok_or_raise(l, result) };
    let Some(field) = field else { return 0 };
    // SAFETY: at most 3 values pushed; LUA_MINSTACK guarantees 20 free slots.
    unsafe {
        lua::lua_pushnumber(l, field.offset as f64);
        match field.bit {
            Some((position, size)) => {
                lua::lua_pushnumber(l, f64::from(position));
                lua::lua_pushnumber(l, f64::from(size));
                3
            }
            None => 1,
        }
    }
}

/// `ffi.istype(ct, obj)`: whether `obj` has the C type `ct` (qualifiers ignored; a
/// pointer to a struct matches the struct). Until cdata exist, only a ctype object can
/// match, as a ctype object does in LuaJIT.
unsafe extern "C-unwind" fn ffi_istype(l: State) -> c_int {
    // SAFETY: called by Luau with this module's upvalue; arguments are only read.
    let st = unsafe { ModuleState::of_call(l) };
    // SAFETY: as above.
    let result = unsafe { ctype_arg(l, st, 1, "istype", 0) }.map(|want| {
        // SAFETY: argument 2 is only inspected.
        match unsafe { ctype_object::to_ctype(l, st, 2) } {
            Some(have) => {
                let mut registry = st.registry.borrow_mut();
                registry.unqualified(want) == registry.unqualified(have)
            }
            None => false,
        }
    });
    // SAFETY: only `result` is live and it is consumed.
    let answer = unsafe { stack::ok_or_raise(l, result) };
    // SAFETY: a free slot is guaranteed to a C function.
    unsafe { lua::lua_pushboolean(l, answer as c_int) };
    1
}

/// Pushes a number, or nil. Returns the result count (1).
fn push_optional_number(l: State, value: Option<f64>) -> c_int {
    // SAFETY: called from API functions, which always have a free slot.
    unsafe {
        match value {
            Some(v) => lua::lua_pushnumber(l, v),
            None => lua::lua_pushnil(l),
        }
    }
    1
}

/// A VLA `T[?]` or a VLS (a struct ending in one): its size needs an element count.
fn is_variable_length(registry: &crate::ctype::Registry, id: crate::ctype::CTypeId) -> bool {
    use crate::ctype::{ArrayLen, CTypeKind};
    match registry.get(id).kind {
        CTypeKind::Array { len: ArrayLen::Variable, .. } => true,
        CTypeKind::Record(_) => registry.record(id).is_some_and(|def| def.is_vls),
        _ => false,
    }
}
