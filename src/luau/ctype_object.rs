//! ctype objects: the tagged userdata `ffi.typeof` returns, holding a [`CTypeId`].
//! `typeof(ct) == "ctype"`, `tostring(ct)` is `ctype<int (*)(int)>`, and two ctype
//! objects are `==` when they name the same type.

use super::stack::{self, State};
use super::state::ModuleState;
use crate::ctype::CTypeId;
use mlua::ffi as lua;
use std::ffi::{c_int, c_void};

/// Registers the ctype metatable for `st.ctype_tag` and claims the tag with a destructor
/// (ctype objects own nothing; the destructor only marks the tag as taken).
///
/// # Safety
/// `l` is a live state with 4 free slots; `st.ctype_tag` is unclaimed.
pub unsafe fn register_metatable(l: State, st: &'static ModuleState) {
    // SAFETY: caller contract; each helper uses at most 2 slots above the metatable.
    unsafe {
        lua::lua_setuserdatadtor(l, st.ctype_tag, Some(no_destructor));
        lua::lua_createtable(l, 0, 4);
        let mt = lua::lua_absindex(l, -1);
        stack::push_str(l, "ctype");
        lua::lua_rawsetfield(l, mt, c"__type".as_ptr());
        stack::push_str(l, "ffi");
        lua::lua_rawsetfield(l, mt, c"__metatable".as_ptr());
        stack::set_function(l, mt, c"__tostring", ctype_tostring, st.as_upvalue());
        stack::set_function(l, mt, c"__eq", ctype_eq, st.as_upvalue());
        lua::lua_setreadonly(l, mt, 1);
        lua::lua_setuserdatametatable(l, st.ctype_tag);
    }
}

unsafe extern "C" fn no_destructor(_l: State, _data: *mut c_void) {}

/// Pushes a new ctype object for `id`. Uses 1 slot.
///
/// # Safety
/// `l` is a live state with a free slot; the metatable is registered.
pub unsafe fn push(l: State, st: &ModuleState, id: CTypeId) {
    // SAFETY: the block is sized for a CTypeId and written before anyone can read it;
    // the tag's metatable is attached by Luau.
    unsafe {
        let block = lua::lua_newuserdatataggedwithmetatable(l, size_of::<CTypeId>(), st.ctype_tag);
        block.cast::<CTypeId>().write_unaligned(id);
    }
}

/// The type held by the ctype object at `idx`, or None for any other value.
///
/// # Safety
/// `l` is a live state and `idx` a valid index.
pub unsafe fn to_ctype(l: State, st: &ModuleState, idx: c_int) -> Option<CTypeId> {
    // SAFETY: lua_touserdatatagged returns NULL unless the value is a userdata with our
    // tag, whose block always holds a CTypeId written by `push`.
    unsafe {
        let block = lua::lua_touserdatatagged(l, idx, st.ctype_tag);
        (!block.is_null()).then(|| block.cast::<CTypeId>().read_unaligned())
    }
}

/// `tostring(ct)`: `ctype<C spelling>`.
unsafe extern "C-unwind" fn ctype_tostring(l: State) -> c_int {
    // SAFETY: called by Luau as a metamethod of this module, upvalue 1 is the state.
    let st = unsafe { ModuleState::of_call(l) };
    // SAFETY: argument 1 exists (metamethod) and is only read.
    let Some(id) = (unsafe { to_ctype(l, st, 1) }) else {
        return 0;
    };
    let text = format!("ctype<{}>", st.registry.borrow().c_name(id));
    // SAFETY: a free slot is guaranteed to a C function; the string is copied.
    unsafe { stack::push_str(l, &text) };
    1
}

/// `ct1 == ct2`: the same C type (qualifiers included).
unsafe extern "C-unwind" fn ctype_eq(l: State) -> c_int {
    // SAFETY: as ctype_tostring; both operands are read only.
    unsafe {
        let st = ModuleState::of_call(l);
        let same = match (to_ctype(l, st, 1), to_ctype(l, st, 2)) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        };
        lua::lua_pushboolean(l, same as c_int);
    }
    1
}
