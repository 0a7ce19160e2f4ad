//! ctype objects: the tagged userdata `ffi.typeof` returns, holding a [`CTypeId`].
//! `typeof(ct) == "ctype"`, `tostring(ct)` is `ctype<int (*)(int)>`, and two ctype
//! objects are `==` when they name the same type. Calling a ctype makes a cdata
//! (`ct(...)` is `ffi.new(ct, ...)`, or the metatype's `__new`), and indexing it consults
//! the metatype's `__index` (static methods, which LuaJIT lacks).

use super::cdata_object;
use super::entries;
use super::stack::{self, State};
use super::state::ModuleState;
use crate::cdata::object;
use crate::ctype::{CTypeId, CTypeKind};
use crate::error::Error;
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
        stack::set_function(
            l,
            mt,
            c"__tostring",
            entries::c::ctype_tostring,
            st.as_upvalue(),
        );
        stack::set_function(l, mt, c"__eq", entries::c::ctype_eq, st.as_upvalue());
        stack::set_function(l, mt, c"__call", entries::c::ctype_call, st.as_upvalue());
        stack::set_function(l, mt, c"__index", entries::c::ctype_index, st.as_upvalue());
        stack::set_function(
            l,
            mt,
            c"__newindex",
            entries::c::ctype_newindex,
            st.as_upvalue(),
        );
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
pub(super) unsafe fn ctype_tostring(l: State) -> c_int {
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
pub(super) unsafe fn ctype_eq(l: State) -> c_int {
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

/// The metatype key of the ctype object at 1, if its type has a metatype.
///
/// # Safety
/// `l` live inside a ctype metamethod.
unsafe fn metatype_of(l: State, st: &ModuleState) -> Option<CTypeId> {
    // SAFETY: caller contract; only reads the stack.
    let id = unsafe { to_ctype(l, st, 1) }?;
    cdata_object::metatype_key(st, &st.registry.borrow(), id)
}

/// `ct(...)`: the metatype's `__new(ct, ...)` if there is one, else `ffi.new(ct, ...)`.
pub(super) unsafe fn ctype_call(l: State) -> c_int {
    // SAFETY: called by Luau as a metamethod of this module with the ctype at 1.
    unsafe {
        let st = ModuleState::of_call(l);
        cdata_object::safe_point(l, st);
        let Some(id) = to_ctype(l, st, 1) else {
            return 0;
        };
        // `ct()` of a type whose `new` plan says it has no metatype (the plan is dropped
        // when one is set): no `__new` to look for.
        if let Some(results) = cdata_object::new_plain(l, st, id) {
            return results;
        }
        if let Some(key) = metatype_of(l, st) {
            if cdata_object::push_metatype_field(l, st, key, c"__new") {
                lua::lua_insert(l, 1);
                let nargs = lua::lua_gettop(l) - 1;
                return stack::tail_call(nargs, lua::LUA_MULTRET);
            }
        }
        cdata_object::new_cdata(l, st, id, "new")
    }
}

/// The value of the `static const` member named by the string at `key` of the record
/// (or pointer to a record) that the ctype or cdata at `obj` stands for, as a number.
///
/// # Safety
/// `l` is live; `obj` and `key` are valid indices.
pub unsafe fn record_constant(l: State, st: &ModuleState, obj: c_int, key: c_int) -> Option<f64> {
    // SAFETY: caller contract; only inspects the stack.
    unsafe {
        let name = stack::to_bytes(l, key)?;
        let ty = match to_ctype(l, st, obj) {
            Some(id) => id,
            None => object::to_cdata(l, st.cdata_tag.get(), obj)?.ty,
        };
        let reg = st.registry.borrow();
        let (cty, bits) = reg.record_constant(ty, std::str::from_utf8(name).ok()?)?;
        Some(
            if matches!(reg.get(cty).kind, CTypeKind::Int { signed: false, .. }) {
                bits as u64 as f64
            } else {
                bits as f64
            },
        )
    }
}

/// `ct.name`: a `static const` member of the record, else looked up in the metatype's
/// `__index` (a table, or a function called with the ctype and the key). A key the table
/// lacks, or no metatype: an error as for a cdata (LuaJIT).
pub(super) unsafe fn ctype_index(l: State) -> c_int {
    // SAFETY: called by Luau as a metamethod of this module with the ctype at 1.
    unsafe {
        let st = ModuleState::of_call(l);
        stack::or_return!(refuse_non_string_key(l));
        if let Some(number) = record_constant(l, st, 1, 2) {
            lua::lua_pushnumber(l, number);
            return 1;
        }
        if let Some(key) = metatype_of(l, st) {
            if cdata_object::push_metatype_field(l, st, key, c"__index") {
                if lua::lua_type(l, -1) == lua::LUA_TFUNCTION {
                    lua::lua_pushvalue(l, 1);
                    lua::lua_pushvalue(l, 2);
                    return stack::tail_call(2, 1);
                }
                lua::lua_pushvalue(l, 2);
                stack::or_return!(stack::get_table(l, lua::lua_absindex(l, -2)));
                // As LuaJIT: a key the `__index` table does not have is an error
                // (`'struct s' has no member named 'k'`), not nil.
                if lua::lua_type(l, -1) != lua::LUA_TNIL {
                    return 1;
                }
            }
        }
        let id = to_ctype(l, st, 1).unwrap_or(CTypeId::VOID);
        let message = {
            let key = stack::to_bytes(l, 2).map(|b| String::from_utf8_lossy(b).into_owned());
            let ty = st.registry.borrow().message_name(id);
            match key {
                Some(name) => Error::NoMember { ty, name },
                None => Error::CannotIndex { ty },
            }
        };
        stack::raise_here(l, message)
    }
}

/// As LuaJIT: a ctype is indexed (read or stored) only by name; any other key is
/// `'ctype' cannot be indexed with 'number'`.
///
/// `Err(RAISE)` with that error pushed.
///
/// # Safety
/// Called from a ctype metamethod, the key at 2.
unsafe fn refuse_non_string_key(l: State) -> Result<(), c_int> {
    // SAFETY: caller contract; only reads the stack, or pushes the error.
    unsafe {
        if lua::lua_type(l, 2) != lua::LUA_TSTRING {
            let message = Error::CannotIndexWith {
                ty: "ctype".to_string(),
                key: stack::type_name(l, 2).to_string(),
            };
            return Err(stack::raise_here(l, message));
        }
    }
    Ok(())
}

/// `ct.name = v`: the metatype's `__newindex` (a function, called with the ctype, the key
/// and the value, or a table, stored into), else `'struct s' has no member named
/// 'name'`, as in LuaJIT.
pub(super) unsafe fn ctype_newindex(l: State) -> c_int {
    // SAFETY: called by Luau as a metamethod of this module with the ctype at 1, the key
    // at 2 and the value at 3; no value with a destructor is held across the calls.
    unsafe {
        let st = ModuleState::of_call(l);
        stack::or_return!(refuse_non_string_key(l));
        if let Some(key) = metatype_of(l, st) {
            if cdata_object::push_metatype_field(l, st, key, c"__newindex") {
                if lua::lua_type(l, -1) == lua::LUA_TFUNCTION {
                    lua::lua_pushvalue(l, 1);
                    lua::lua_pushvalue(l, 2);
                    lua::lua_pushvalue(l, 3);
                    return stack::tail_call(3, 0);
                }
                lua::lua_pushvalue(l, 2);
                lua::lua_pushvalue(l, 3);
                stack::or_return!(stack::set_table(l, lua::lua_absindex(l, -3)));
                return 0;
            }
        }
        let id = to_ctype(l, st, 1).unwrap_or(CTypeId::VOID);
        let message = {
            let name = stack::to_bytes(l, 2)
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            let ty = st.registry.borrow().message_name(id);
            Error::NoMember { ty, name }
        };
        stack::raise_here(l, message)
    }
}
