//! The `ffi` table: the surface of the module, in the order of LuaJIT's ffi reference.
//! Each function is short and delegates to the module that owns the concern.

use super::args::{bad_argument, ctype_arg, type_params};
use super::bit_glue;
use super::callback_glue;
use super::cdata_object;
use super::ctype_object;
use super::entries;
use super::namespace;
use super::stack::{self, State};
use super::state::{self, ModuleState};
use crate::cdata::convert::{self, Shape};
use crate::cdata::hot::StringSource;
use crate::cdata::{finalizer, memory, object};
use crate::cdecl;
use crate::ctype::{CTypeId, CTypeKind, Registry};
use crate::error::Error;
use crate::platform;
use mlua::ffi as lua;
use std::ffi::{c_int, CStr};

/// Builds the `ffi` table and leaves it on the stack (1 result).
///
/// # Safety
/// `l` is a live state inside the module's entry `lua_CFunction`.
pub unsafe fn open(l: State) -> c_int {
    // SAFETY: l is live inside luaopen_ffi.
    if let Some(mismatch) = unsafe { super::host_abi::mismatch(l) } {
        // SAFETY: as above.
        return unsafe { stack::raise(l, mismatch) };
    }
    // Loaded before in this state: the same table (one module state per Luau state).
    // SAFETY: as above; a raw read of the registry pushes one value.
    unsafe {
        if lua::lua_rawgetfield(l, lua::LUA_REGISTRYINDEX, MODULE_KEY.as_ptr()) == lua::LUA_TTABLE {
            return 1;
        }
        lua::lua_settop(l, -2);
    }
    // SAFETY: l is live and nothing owned is held while raising.
    let Some(ctype_tag) = (unsafe { state::free_userdata_tag(l) }) else {
        // SAFETY: as above.
        return unsafe { stack::raise(l, Error::NoFreeUserdataTag) };
    };
    // The allocator's reserve (crate::reserve), in place before the first refusal.
    crate::reserve::ready();
    let st = ModuleState::leak(ctype_tag);
    let up = st.as_upvalue();
    // SAFETY: l is live; every call below uses at most 4 stack slots beyond the table,
    // within LUA_MINSTACK.
    unsafe {
        ctype_object::register_metatable(l, st);
        // The ctype tag is claimed now (it has a destructor), so this finds another.
        let Some(cdata_tag) = state::free_userdata_tag(l) else {
            return stack::raise(l, Error::NoFreeUserdataTag);
        };
        st.cdata_tag.set(cdata_tag);
        st.finalizers.cdata_tag.set(cdata_tag);
        cdata_object::register_metatable(l, st);
        for slot in [&st.anchors_ref, &st.metatypes_ref, &st.finalizers.table_ref] {
            lua::lua_createtable(l, 0, 0);
            slot.set(lua::lua_ref(l, -1));
            lua::lua_settop(l, -2);
        }
        finalizer::register(l, &st.finalizers);
        st.finalizers
            .set_drain_hook(cdata_object::drain_hook, st as *const ModuleState as usize);
        cdata_object::wrap_collectgarbage(l, st);
        namespace::init(l, st);
        callback_glue::init(l, st);

        lua::lua_createtable(l, 0, 32);
        let t = lua::lua_absindex(l, -1);

        // Declaring and accessing external symbols (ext_ffi_api, in its order).
        stack::set_function(l, t, c"cdef", entries::c::ffi_cdef, up);
        namespace::set_process_namespace(l, st, t, c"C");
        stack::set_function(l, t, c"load", entries::c::ffi_load, up);
        stack::set_function(l, t, c"include", entries::c::ffi_include, up);

        // C data functions.
        stack::set_function(l, t, c"new", entries::c::ffi_new, up);
        stack::set_function(l, t, c"cast", entries::c::ffi_cast, up);
        stack::set_function(l, t, c"metatype", entries::c::ffi_metatype, up);
        stack::set_function(l, t, c"gc", entries::c::ffi_gc, up);

        // C type functions.
        stack::set_function(l, t, c"typeof", entries::c::ffi_typeof, up);
        stack::set_function(l, t, c"sizeof", entries::c::ffi_sizeof, up);
        stack::set_function(l, t, c"alignof", entries::c::ffi_alignof, up);
        stack::set_function(l, t, c"offsetof", entries::c::ffi_offsetof, up);
        stack::set_function(l, t, c"istype", entries::c::ffi_istype, up);

        // Utility functions.
        stack::set_function(l, t, c"errno", entries::c::ffi_errno, up);
        stack::set_function(l, t, c"string", entries::c::ffi_string, up);
        stack::set_function(l, t, c"copy", entries::c::ffi_copy, up);
        stack::set_function(l, t, c"fill", entries::c::ffi_fill, up);

        // Luau additions (docs/design.md, "NULL" and "64-bit integers").
        set_tonumber(l, t, up);
        bit_glue::push_table(l, up);
        lua::lua_rawsetfield(l, t, c"bit".as_ptr());
        stack::set_function(l, t, c"isnull", entries::c::ffi_isnull, up);
        object::push_new(l, cdata_tag, CTypeId::VOID_PTR, size_of::<usize>(), 8);
        lua::lua_rawsetfield(l, t, c"nullptr".as_ptr());

        // Target information (ext_ffi_api "ffi.abi", "ffi.os", "ffi.arch").
        stack::set_function(l, t, c"abi", entries::c::ffi_abi, up);
        set_string(l, t, c"os", platform::OS);
        set_string(l, t, c"arch", platform::ARCH);

        lua::lua_setreadonly(l, t, 1);
        lua::lua_pushvalue(l, t);
        lua::lua_rawsetfield(l, lua::LUA_REGISTRYINDEX, MODULE_KEY.as_ptr());
    }
    1
}

/// `t.tonumber = ffi.tonumber`, with Luau's global `tonumber` as it is now as its
/// second upvalue: what it answers for any value but a cdata, even once a script has
/// replaced the global (`tonumber = ffi.tonumber` must not recurse). Uses 3 slots.
///
/// # Safety
/// `l` live, `t` an absolute index of a writable table.
unsafe fn set_tonumber(l: State, t: c_int, up: *mut std::ffi::c_void) {
    // SAFETY: caller contract; a closure with two upvalues.
    unsafe {
        lua::lua_pushlightuserdata(l, up);
        lua::lua_getglobal(l, c"tonumber".as_ptr());
        lua::lua_pushcclosurek(l, entries::c::ffi_tonumber, c"tonumber".as_ptr(), 2, None);
        lua::lua_rawsetfield(l, t, c"tonumber".as_ptr());
    }
}

/// Where the `ffi` table of a state is kept, so that loading the module again in the
/// same state returns it.
pub(super) const MODULE_KEY: &CStr = c"luau-ffi: the ffi table";

/// `t[name] = value` for a string value. Uses 1 slot.
unsafe fn set_string(l: State, t: c_int, name: &CStr, value: &str) {
    // SAFETY: caller passes a live state and a writable table index.
    unsafe {
        stack::push_str(l, value);
        lua::lua_rawsetfield(l, t, name.as_ptr());
    }
}

/// `ffi.abi(param)`: true when the target has the ABI property, false otherwise.
pub(super) unsafe fn ffi_abi(l: State) -> c_int {
    // As LuaJIT, a number is its string form (and names no parameter).
    // SAFETY: called by Luau with a live state; argument 1 is only inspected.
    if unsafe { lua::lua_type(l, 1) } == lua::LUA_TNUMBER {
        // SAFETY: one free slot is guaranteed to a lua_CFunction.
        unsafe { lua::lua_pushboolean(l, 0) };
        return 1;
    }
    // SAFETY: called by Luau with a live state; argument 1 is only read.
    let answer = match unsafe { stack::to_bytes(l, 1) } {
        Some(param) => Ok(std::str::from_utf8(param).is_ok_and(platform::abi)),
        None => Err(bad_argument(
            1,
            "abi",
            Error::Expected {
                what: "string",
                // SAFETY: as above.
                got: unsafe { stack::type_name(l, 1) }.into(),
            },
        )),
    };
    let answer = stack::raise_err!(l, answer);
    // SAFETY: one free slot is guaranteed to a lua_CFunction.
    unsafe { lua::lua_pushboolean(l, answer as c_int) };
    1
}

/// `ffi.cdef(def [, params...])`: declares C types and symbols, all or nothing.
pub(super) unsafe fn ffi_cdef(l: State) -> c_int {
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
            return Err(bad_argument(
                1,
                "cdef",
                Error::Expected {
                    what: "string",
                    got: got.into(),
                },
            ));
        };
        let text = std::str::from_utf8(text).map_err(|_| Error::InvalidUtf8Declarations)?;
        // SAFETY: as above.
        let params = unsafe { type_params(l, st, 2, "cdef")? };
        stack::guarded(|| cdecl::cdef(&mut st.registry.borrow_mut(), text, &params))
    })();
    stack::raise_err!(l, result);
    0
}

/// `ffi.typeof(ct [, params...])`: the ctype object of a C type.
pub(super) unsafe fn ffi_typeof(l: State) -> c_int {
    // SAFETY: called by Luau with this module's upvalue; arguments are only read.
    unsafe {
        let st = ModuleState::of_call(l);
        let result = ctype_arg(l, st, 1, "typeof", 2);
        let id = stack::raise_err!(l, result);
        ctype_object::push(l, st, id);
    }
    1
}

/// `ffi.sizeof(ct [, nelem])`: the size in bytes, or nil when it is not known (void,
/// incomplete types, `[]`, a VLA with a negative count).
pub(super) unsafe fn ffi_sizeof(l: State) -> c_int {
    // SAFETY: called by Luau with this module's upvalue; arguments are only read.
    let st = unsafe { ModuleState::of_call(l) };
    // SAFETY: as above.
    // SAFETY: argument 1 is only inspected.
    if let Some(h) = unsafe { object::to_cdata(l, st.cdata_tag.get(), 1) } {
        let (ty, size) = (h.ty, h.size);
        if st.registry.borrow().is_variable_length(ty) {
            return push_optional_number(l, Some(size as f64));
        }
    }
    // SAFETY: as above.
    let result = unsafe { ctype_arg(l, st, 1, "sizeof", 0) }.and_then(|id| {
        let registry = st.registry.borrow();
        if !registry.is_variable_length(id) {
            return Ok(registry.size_of(id));
        }
        // SAFETY: argument 2 is only inspected.
        let nelem =
            unsafe { convert::element_count(l, st.cdata_tag.get(), &registry, 2, "sizeof")? };
        // As LuaJIT, a size past the largest object is unknown.
        Ok(registry
            .size_of_vla(id, nelem)
            .filter(|&s| s <= crate::ctype::MAX_TYPE_SIZE))
    });
    let size = stack::raise_err!(l, result);
    push_optional_number(l, size.map(|s| s as f64))
}

/// `ffi.alignof(ct)`: the minimum alignment in bytes.
pub(super) unsafe fn ffi_alignof(l: State) -> c_int {
    // SAFETY: called by Luau with this module's upvalue; arguments are only read.
    let st = unsafe { ModuleState::of_call(l) };
    // SAFETY: as above.
    let result = unsafe { ctype_arg(l, st, 1, "alignof", 0) }
        .map(|id| st.registry.borrow().align_of(id).unwrap_or(1));
    let align = stack::raise_err!(l, result);
    // As LuaJIT: void, functions and incomplete types have alignment 1.
    push_optional_number(l, Some(f64::from(align)))
}

/// `ffi.offsetof(ct, field)`: the field's offset, plus bit position and size for a
/// bitfield; nothing when there is no such field.
pub(super) unsafe fn ffi_offsetof(l: State) -> c_int {
    // SAFETY: called by Luau with this module's upvalue; arguments are only read.
    let st = unsafe { ModuleState::of_call(l) };
    // SAFETY: as above.
    let result = unsafe { ctype_arg(l, st, 1, "offsetof", 0) }.and_then(|id| {
        // SAFETY: argument 2 is only inspected.
        let Some(name) = (unsafe { stack::to_bytes(l, 2) }) else {
            // As LuaJIT, a number is taken as a string, which names no field.
            // SAFETY: as above.
            if unsafe { lua::lua_isnumber(l, 2) } != 0 {
                return Ok(None);
            }
            // SAFETY: as above.
            let got = unsafe { stack::type_name(l, 2) };
            return Err(bad_argument(
                2,
                "offsetof",
                Error::Expected {
                    what: "string",
                    got: got.into(),
                },
            ));
        };
        let name = String::from_utf8_lossy(name);
        Ok(st.registry.borrow().field(id, &name))
    });
    let field = stack::raise_err!(l, result);
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

/// `ffi.istype(ct, obj)`: whether `obj` is a cdata of C type `ct`, by LuaJIT's rules:
/// qualifiers ignored at the top and one pointer level down, and a pointer to a struct
/// matches the struct. A ctype object counts as a cdata of its type; any other value
/// is false.
pub(super) unsafe fn ffi_istype(l: State) -> c_int {
    // SAFETY: called by Luau with this module's upvalue; arguments are only read.
    let st = unsafe { ModuleState::of_call(l) };
    // SAFETY: as above.
    let result = unsafe { ctype_arg(l, st, 1, "istype", 0) }
        .and_then(|want| {
            // SAFETY: argument 2 is only inspected.
            if unsafe { lua::lua_type(l, 2) } == lua::LUA_TNONE {
                return Err(bad_argument(2, "istype", Error::ValueExpected));
            }
            Ok(want)
        })
        .map(|want| {
            // SAFETY: argument 2 is only inspected. A ctype object is a cdata of its type,
            // as in LuaJIT.
            let have = unsafe {
                object::to_cdata(l, st.cdata_tag.get(), 2)
                    .map(|h| h.ty)
                    .or_else(|| ctype_object::to_ctype(l, st, 2))
            };
            let Some(have) = have else { return false };
            let reg = st.registry.borrow();
            istype_matches(&reg, want, have)
        });
    let answer = stack::raise_err!(l, result);
    // SAFETY: a free slot is guaranteed to a C function.
    unsafe { lua::lua_pushboolean(l, answer as c_int) };
    1
}

/// LuaJIT's `ffi.istype` rule for a cdata of type `have` against `want`: the same type
/// with the top-level qualifiers ignored (integers also ignore `long` and plain `char`
/// spellings), two pointers or two arrays of the same size whose targets are compatible
/// (`pointers_compatible`), or a struct against a pointer to it.
fn istype_matches(reg: &Registry, want: CTypeId, have: CTypeId) -> bool {
    if convert::same_unqualified(reg, want, have) {
        return true;
    }
    match (&reg.get(want).kind, &reg.get(have).kind) {
        (
            CTypeKind::Int {
                size: a,
                signed: sa,
                ..
            },
            CTypeKind::Int {
                size: b,
                signed: sb,
                ..
            },
        ) => a == b && sa == sb,
        (CTypeKind::Pointer { .. }, CTypeKind::Pointer { .. }) => {
            pointers_compatible(reg, want, have, false)
        }
        (CTypeKind::Array { .. }, CTypeKind::Array { .. }) => {
            reg.size_of(want) == reg.size_of(have) && pointers_compatible(reg, want, have, false)
        }
        (CTypeKind::Record(_), CTypeKind::Pointer { target }) => {
            convert::same_unqualified(reg, want, *target)
        }
        _ => false,
    }
}

/// Whether the targets (elements) of two pointer or array types `a` and `b` are
/// compatible, as LuaJIT's istype judges them: their qualifiers are ignored one level
/// down and must be equal further down (`exact_quals`); integers of one size match
/// whatever their signedness (an enum is its integer type), records only themselves,
/// any two function types match.
fn pointers_compatible(reg: &Registry, a: CTypeId, b: CTypeId, exact_quals: bool) -> bool {
    if a == b {
        return true;
    }
    let child = |id: CTypeId| match reg.get(id).kind {
        CTypeKind::Pointer { target } => Some(target),
        CTypeKind::Array { elem, .. } => Some(elem),
        _ => None,
    };
    let (Some(ca), Some(cb)) = (child(a), child(b)) else {
        return false;
    };
    let (ta, tb) = (reg.get(ca), reg.get(cb));
    if exact_quals && ta.quals != tb.quals {
        return false;
    }
    // An enum target counts as its underlying integer type.
    let underlying = |id: CTypeId| match reg.get(id).kind {
        CTypeKind::Enum(_) => reg.enumeration(id).map_or(id, |def| def.underlying),
        _ => id,
    };
    let (ca, cb) = (underlying(ca), underlying(cb));
    let (ta, tb) = (reg.get(ca), reg.get(cb));
    match (&ta.kind, &tb.kind) {
        (CTypeKind::Int { size: x, .. }, CTypeKind::Int { size: y, .. }) => x == y,
        (CTypeKind::Float { size: x }, CTypeKind::Float { size: y }) => x == y,
        (CTypeKind::Pointer { .. }, CTypeKind::Pointer { .. }) => {
            pointers_compatible(reg, ca, cb, true)
        }
        (CTypeKind::Array { .. }, CTypeKind::Array { .. }) => {
            reg.size_of(ca) == reg.size_of(cb) && pointers_compatible(reg, ca, cb, true)
        }
        (CTypeKind::Function { .. }, CTypeKind::Function { .. }) => true,
        (x, y) => x == y,
    }
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

// ----- C data functions -------------------------------------------------------------

/// `ffi.new(ct [, nelem] [, init...])`: a new zero-filled, initialized cdata.
pub(super) unsafe fn ffi_new(l: State) -> c_int {
    // SAFETY: called by Luau with this module's upvalue; arguments are only read until
    // new_cdata, which follows the raise-last pattern.
    unsafe {
        let st = ModuleState::of_call(l);
        cdata_object::safe_point(l, st);
        // The common `new(ct)`: a ctype object with a plan, read without ctype_arg.
        if let Some(id) = ctype_object::to_ctype(l, st, 1) {
            if let Some(results) = cdata_object::new_plain(l, st, id) {
                return results;
            }
        }
        let id = ctype_arg(l, st, 1, "new", 0);
        let id = stack::raise_err!(l, id);
        cdata_object::new_cdata(l, st, id, "new")
    }
}

/// `ffi.cast(ct, init)`: a new scalar or pointer cdata converted with C cast rules.
pub(super) unsafe fn ffi_cast(l: State) -> c_int {
    // SAFETY: as ffi_new.
    unsafe {
        let st = ModuleState::of_call(l);
        cdata_object::safe_point(l, st);
        let id = ctype_arg(l, st, 1, "cast", 0);
        let id = stack::raise_err!(l, id);
        cdata_object::cast_cdata(l, st, id, 2)
    }
}

/// `ffi.metatype(ct, mt)`: binds a metatable to a C type, once; returns the ctype.
pub(super) unsafe fn ffi_metatype(l: State) -> c_int {
    // SAFETY: called by Luau with this module's upvalue; raise-last pattern.
    unsafe {
        let st = ModuleState::of_call(l);
        let id = ctype_arg(l, st, 1, "metatype", 0);
        let id = stack::raise_err!(l, id);
        if lua::lua_type(l, 2) != lua::LUA_TTABLE {
            let got = stack::type_name(l, 2);
            return stack::raise(
                l,
                bad_argument(
                    2,
                    "metatype",
                    Error::Expected {
                        what: "table",
                        got: got.into(),
                    },
                ),
            );
        }
        let key = st.registry.borrow().find_unqualified(id);
        if st.metatype_set(key) {
            return stack::raise(l, Error::ProtectedMetatable);
        }
        lua::lua_rawgeti(l, lua::LUA_REGISTRYINDEX, st.metatypes_ref.get() as _);
        lua::lua_pushvalue(l, 2);
        lua::lua_rawseti(l, -2, key.0 as _);
        lua::lua_settop(l, -2);
        {
            let mut marks = st.has_metatype.borrow_mut();
            let index = key.0 as usize;
            if marks.len() <= index {
                marks.resize(index + 1, false);
            }
            marks[index] = true;
        }
        // A cached `ffi.new` plan may have been made without this metatype.
        st.hot.forget_new();
        ctype_object::push(l, st, id);
        1
    }
}

/// `ffi.gc(cd, finalizer)`: attaches (or, with nil, removes) a finalizer; returns cd.
pub(super) unsafe fn ffi_gc(l: State) -> c_int {
    // SAFETY: called by Luau with this module's upvalue; raise-last pattern.
    unsafe {
        let st = ModuleState::of_call(l);
        cdata_object::safe_point(l, st);
        if object::to_cdata(l, st.cdata_tag.get(), 1).is_none() {
            let got = stack::type_name(l, 1);
            return stack::raise(
                l,
                bad_argument(
                    1,
                    "gc",
                    Error::Expected {
                        what: "cdata",
                        got: got.into(),
                    },
                ),
            );
        }
        match lua::lua_type(l, 2) {
            lua::LUA_TNIL | lua::LUA_TNONE => cdata_object::detach_finalizer(l, st, 1),
            lua::LUA_TFUNCTION => cdata_object::attach_finalizer(l, st, 1, 2),
            lua::LUA_TUSERDATA if object::to_cdata(l, st.cdata_tag.get(), 2).is_some() => {
                let attached = cdata_object::attach_c_finalizer(l, st, 1, 2);
                stack::raise_err!(l, attached);
            }
            _ => {
                let got = stack::type_name(l, 2);
                return stack::raise(
                    l,
                    bad_argument(
                        2,
                        "gc",
                        Error::Expected {
                            what: "function",
                            got: got.into(),
                        },
                    ),
                );
            }
        }
        lua::lua_settop(l, 1);
        1
    }
}

// ----- Utility functions --------------------------------------------------------------

/// A memory argument of `ffi.string`/`copy`/`fill`: its address and, when known, how
/// many bytes are there (arrays, strings, buffers).
struct Memory {
    address: usize,
    /// Bytes that are certainly there and no more: strings, buffers, and cdata that own
    /// their memory. Going past it is an error.
    limit: Option<usize>,
    /// Bytes known to be there (also for references): bounds `ffi.string`'s search for
    /// the terminating NUL.
    extent: Option<usize>,
}

/// For a reference cdata: the bytes from its address to the end of the memory of the
/// cdata it points into, when the chain of anchors (each reference holds the cdata it
/// was read from) ends at a cdata that owns its memory. `None` when it ends at a pointer
/// (C memory of unknown extent).
///
/// # Safety
/// `l` is live; `h` is the header of a reference cdata on the stack.
unsafe fn owned_bytes_after(l: State, tag: c_int, h: &object::Header) -> Option<usize> {
    // SAFETY: every anchor is a `lua_ref` of a cdata, alive while the reference that
    // holds it is; each pushed parent is popped before its header is read further (the
    // block stays alive through the anchor chain rooted in `h`, which is on the stack).
    unsafe {
        let address = h.data as usize;
        let mut block = (h as *const object::Header)
            .cast_mut()
            .cast::<std::ffi::c_void>();
        loop {
            let anchor = object::anchor_of(block)?;
            if lua::lua_checkstack(l, 1) == 0 {
                return None;
            }
            lua::lua_rawgeti(l, lua::LUA_REGISTRYINDEX, anchor as _);
            let parent = lua::lua_touserdatatagged(l, -1, tag);
            lua::lua_settop(l, -2);
            let parent_header = parent.cast::<object::Header>().as_ref()?;
            if !parent_header.is_ref() {
                let start = parent_header.data as usize;
                let end = start.checked_add(parent_header.size as usize)?;
                return (start..=end).contains(&address).then(|| end - address);
            }
            block = parent;
        }
    }
}

/// Reads argument `idx` as memory: a pointer, array or aggregate cdata, a buffer, a
/// light userdata, or (when `strings` allows) a string.
///
/// # Safety
/// `l` live; only inspects the stack.
unsafe fn memory_arg(
    l: State,
    st: &ModuleState,
    idx: c_int,
    function: &str,
    c_type: &str,
    strings: bool,
) -> Result<Memory, Error> {
    // SAFETY: caller contract.
    unsafe {
        let memory = if let Some(h) = object::to_cdata(l, st.cdata_tag.get(), idx) {
            let reg = st.registry.borrow();
            match convert::shape(&reg, h.ty) {
                // Code is never a destination: writing through a function pointer (a
                // callback's closure, a C function) would only crash.
                Shape::Pointer { .. }
                    if !h.is_ref()
                        && !strings
                        && crate::call::function_type_of(&reg, h.ty).is_some() =>
                {
                    let from = reg.message_name(h.ty);
                    return Err(bad_argument(
                        idx,
                        function,
                        Error::CannotConvert {
                            from,
                            to: c_type.into(),
                        },
                    ));
                }
                Shape::Pointer { .. } if !h.is_ref() => Memory {
                    address: memory::read_address(h.data),
                    limit: None,
                    extent: None,
                },
                // Numbers, and vectors (values too: LuaJIT has no vector → pointer).
                sh @ (Shape::Int { .. }
                | Shape::Float { .. }
                | Shape::Bool
                | Shape::Array { .. })
                    if !matches!(sh, Shape::Array { .. }) || convert::is_vector(&reg, h.ty) =>
                {
                    let from = reg.message_name(h.ty);
                    return Err(bad_argument(
                        idx,
                        function,
                        Error::CannotConvert {
                            from,
                            to: c_type.into(),
                        },
                    ));
                }
                // A reference to a member of unknown size (a VLS's trailing `T[?]`, a
                // flexible `T[]`) has size 0: its extent is unknown, as for a pointer.
                // A reference into a cdata that owns its memory is bounded by the end
                // of that memory, which the copy or fill must not pass either.
                _ if h.is_ref() => {
                    let owned = owned_bytes_after(l, st.cdata_tag.get(), h);
                    Memory {
                        address: h.data as usize,
                        limit: owned,
                        extent: if h.size > 0 {
                            Some(h.size as usize)
                        } else {
                            owned
                        },
                    }
                }
                _ => Memory {
                    address: h.data as usize,
                    limit: Some(h.size as usize),
                    extent: Some(h.size as usize),
                },
            }
        } else {
            match lua::lua_type(l, idx) {
                lua::LUA_TSTRING if strings => {
                    let bytes = stack::to_bytes(l, idx).unwrap_or_default();
                    Memory {
                        address: bytes.as_ptr() as usize,
                        // Luau strings end in a NUL: `ffi.copy(buf, s, #s + 1)` is fine.
                        limit: Some(bytes.len() + 1),
                        extent: Some(bytes.len()),
                    }
                }
                lua::LUA_TBUFFER => {
                    let mut len = 0usize;
                    let p = lua::lua_tobuffer(l, idx, &mut len);
                    Memory {
                        address: p as usize,
                        limit: Some(len),
                        extent: Some(len),
                    }
                }
                lua::LUA_TLIGHTUSERDATA => Memory {
                    address: lua::lua_tolightuserdata(l, idx) as usize,
                    limit: None,
                    extent: None,
                },
                // nil is NULL, as everywhere C expects a pointer (NULL results are nil).
                lua::LUA_TNIL => Memory {
                    address: 0,
                    limit: None,
                    extent: None,
                },
                lua::LUA_TNONE => return Err(bad_argument(idx, function, Error::ValueExpected)),
                _ => {
                    let got = match lua::lua_type(l, idx) {
                        lua::LUA_TBOOLEAN => "bool",
                        _ => stack::type_name(l, idx),
                    };
                    return Err(bad_argument(
                        idx,
                        function,
                        Error::CannotConvert {
                            from: got.into(),
                            to: c_type.into(),
                        },
                    ));
                }
            }
        };
        if memory.address == 0 {
            return Err(bad_argument(
                idx,
                function,
                Error::NullPointerFor { ty: c_type.into() },
            ));
        }
        Ok(memory)
    }
}

/// A length argument, converted to `int` as LuaJIT's `ffi_checkint` does; `None` when
/// absent (and, for `ffi.string`, nil, which LuaJIT takes as no length).
///
/// # Safety
/// `l` live; only inspects the stack.
unsafe fn length_arg(
    l: State,
    st: &ModuleState,
    idx: c_int,
    function: &str,
) -> Result<Option<i64>, Error> {
    // SAFETY: caller contract.
    unsafe {
        match lua::lua_type(l, idx) {
            lua::LUA_TNONE => Ok(None),
            lua::LUA_TNIL if function == "string" => Ok(None),
            _ => {
                let reg = st.registry.borrow();
                convert::int_arg(l, st.cdata_tag.get(), &reg, idx, function).map(|n| Some(n.into()))
            }
        }
    }
}

fn check_bounds(len: usize, memory: &Memory, what: &str) -> Result<(), Error> {
    match memory.limit {
        Some(size) if len > size => Err(Error::OutOfBounds {
            len: len as u64,
            size: size as u64,
            what: what.into(),
        }),
        _ => Ok(()),
    }
}

/// The longest Luau string (`MAXSSIZE` in Luau's `lstring.h`).
const MAX_LUAU_STRING: usize = 1 << 30;

/// The hot path of `ffi.string(cd, n)`: a pointer or array value cdata (not a
/// reference) and a number length that is valid for it, read directly: (address,
/// length). `None` for anything else (errors included), which [`ffi_string`]'s general
/// path handles.
///
/// # Safety
/// `l` live inside `ffi.string`; only inspects the stack.
#[inline(always)]
unsafe fn string_direct(l: State, st: &ModuleState) -> Option<(usize, usize)> {
    // SAFETY: caller contract; a pointer cdata's data holds an address.
    unsafe {
        if lua::lua_type(l, 2) != lua::LUA_TNUMBER {
            return None;
        }
        let h = object::to_cdata(l, st.cdata_tag.get(), 1)?;
        if h.is_ref() {
            return None;
        }
        let ty = h.ty;
        let source = st.hot.string_source(ty, || {
            crate::cdata::hot::string_source(&st.registry.borrow(), ty)
        })?;
        // As the general path: the length converts to `int` as a C cast does.
        let n = lua::lua_tonumberx(l, 2, std::ptr::null_mut());
        let len = usize::try_from(convert::f64_to_c_integer(n, 4, true) as i32).ok()?;
        let address = match source {
            StringSource::Pointer => memory::read_address(h.data),
            StringSource::Array if len <= h.size as usize => h.data as usize,
            StringSource::Array => return None,
        };
        (address != 0 && len <= MAX_LUAU_STRING).then_some((address, len))
    }
}

/// `ffi.string(ptr [, len])`: the bytes up to the first NUL, or exactly `len` bytes.
pub(super) unsafe fn ffi_string(l: State) -> c_int {
    // SAFETY: called by Luau with this module's upvalue; arguments only read; the
    // string is pushed after every owned value is gone.
    unsafe {
        let st = ModuleState::of_call(l);
        if let Some((address, len)) = string_direct(l, st) {
            lua::lua_pushlstring_(l, address as *const _, len);
            return 1;
        }
        let result = (|| {
            // As LuaJIT: with a length the argument converts to `const void *`.
            let target = match lua::lua_type(l, 2) {
                lua::LUA_TNONE | lua::LUA_TNIL => "const char *",
                _ => "const void *",
            };
            let memory = memory_arg(l, st, 1, "string", target, true)?;
            let length = length_arg(l, st, 2, "string")?;
            if length.is_none() {
                // As LuaJIT: without a length the argument converts to `const char *`
                // (with one, to `const void *`), so a pointer to or array of anything
                // but bytes is refused.
                if let Some(h) = object::to_cdata(l, st.cdata_tag.get(), 1) {
                    let reg = st.registry.borrow();
                    let bytes = match convert::shape(&reg, h.ty) {
                        Shape::Pointer { target: t } | Shape::Array { elem: t, .. } => matches!(
                            reg.get(t).kind,
                            crate::ctype::CTypeKind::Void
                                | crate::ctype::CTypeKind::Int { size: 1, .. }
                        ),
                        _ => false,
                    };
                    if !bytes {
                        let from = reg.message_name(h.ty);
                        return Err(bad_argument(
                            1,
                            "string",
                            Error::CannotConvert {
                                from,
                                to: "const char *".into(),
                            },
                        ));
                    }
                }
            }
            let len = match length {
                Some(n) if n < 0 => return Err(Error::StringLengthOverflow),
                Some(n) => {
                    check_bounds(n as usize, &memory, "source")?;
                    n as usize
                }
                None => memory::strnlen(
                    memory.address as *const u8,
                    memory.extent.unwrap_or(usize::MAX),
                ),
            };
            // Luau hashes a new string's bytes before it checks the length against its
            // limit, so a length past the limit would read that much memory first.
            if len > MAX_LUAU_STRING {
                return Err(Error::StringLengthOverflow);
            }
            Ok((memory.address, len))
        })();
        let (address, len) = stack::raise_err!(l, result);
        lua::lua_pushlstring(l, address as *const _, len);
        1
    }
}

/// `ffi.copy(dst, src, len)` / `ffi.copy(dst, str)`: copies bytes (a string with no
/// length copies its bytes and the terminating NUL).
pub(super) unsafe fn ffi_copy(l: State) -> c_int {
    // SAFETY: as ffi_string; the copy stays within known bounds of buffers and strings.
    unsafe {
        let st = ModuleState::of_call(l);
        let result = (|| {
            let dst = memory_arg(l, st, 1, "copy", "void *", false)?;
            let src = memory_arg(l, st, 2, "copy", "const void *", true)?;
            let len = match length_arg(l, st, 3, "copy")? {
                Some(n) if n < 0 => return Err(bad_argument(3, "copy", Error::NegativeLength)),
                Some(n) => {
                    let n = n as usize;
                    check_bounds(n, &src, "source")?;
                    n
                }
                None if lua::lua_type(l, 2) == lua::LUA_TSTRING => src.extent.unwrap_or(0) + 1,
                None => return Err(bad_argument(3, "copy", Error::ValueExpected)),
            };
            check_bounds(len, &dst, "destination")?;
            Ok((dst.address, src.address, len))
        })();
        let (dst, src, len) = stack::raise_err!(l, result);
        std::ptr::copy(src as *const u8, dst as *mut u8, len);
        0
    }
}

/// `ffi.fill(dst, len [, byte])`: sets `len` bytes to `byte` (default 0).
pub(super) unsafe fn ffi_fill(l: State) -> c_int {
    // SAFETY: as ffi_copy.
    unsafe {
        let st = ModuleState::of_call(l);
        let result = (|| {
            let dst = memory_arg(l, st, 1, "fill", "void *", false)?;
            let len = match length_arg(l, st, 2, "fill")? {
                Some(n) if n < 0 => return Err(bad_argument(2, "fill", Error::NegativeLength)),
                Some(n) => n as usize,
                None => return Err(bad_argument(2, "fill", Error::ValueExpected)),
            };
            check_bounds(len, &dst, "destination")?;
            // As LuaJIT, the byte is any value that converts to `int`: a number, a
            // number cdata or a boolean.
            let byte = match lua::lua_type(l, 3) {
                lua::LUA_TNONE | lua::LUA_TNIL => 0u8,
                _ => {
                    let reg = st.registry.borrow();
                    convert::int_arg(l, st.cdata_tag.get(), &reg, 3, "fill")? as u8
                }
            };
            Ok((dst.address, len, byte))
        })();
        let (dst, len, byte) = stack::raise_err!(l, result);
        std::ptr::write_bytes(dst as *mut u8, byte, len);
        0
    }
}

/// `ffi.tonumber(x [, base])`: a cdata's value as a Luau number (nil for pointers and
/// aggregates, as LuaJIT's `tonumber`); anything else exactly as Luau's `tonumber`
/// (upvalue 2, captured at load: the same results and errors).
pub(super) unsafe fn ffi_tonumber(l: State) -> c_int {
    // SAFETY: called by Luau with this module's upvalue; the global call may raise but
    // nothing owned is live then.
    unsafe {
        let st = ModuleState::of_call(l);
        if let Some(h) = object::to_cdata(l, st.cdata_tag.get(), 1) {
            let value = {
                let reg = st.registry.borrow();
                let sh = convert::shape(&reg, h.ty);
                match (sh, &reg.get(h.ty).kind) {
                    (Shape::Int { .. } | Shape::Float { .. } | Shape::Bool, _) => {
                        convert::read_scalar(h.data, sh).map(|v| v.as_f64())
                    }
                    (_, crate::ctype::CTypeKind::Complex { size }) if *size == 8 || *size == 16 => {
                        Some(memory::read_float(h.data, *size / 2))
                    }
                    _ => None,
                }
            };
            return push_optional_number(l, value);
        }
        // Luau's own tonumber (captured at load): exactly its answers and errors.
        lua::lua_pushvalue(l, lua::lua_upvalueindex(2));
        lua::lua_insert(l, 1);
        let nargs = lua::lua_gettop(l) - 1;
        stack::tail_call(nargs, 1)
    }
}

/// `ffi.isnull(x)`: true for nil, a NULL pointer cdata and a NULL light userdata.
pub(super) unsafe fn ffi_isnull(l: State) -> c_int {
    // SAFETY: called by Luau with this module's upvalue; arguments only read.
    unsafe {
        let st = ModuleState::of_call(l);
        let null = match lua::lua_type(l, 1) {
            lua::LUA_TNIL | lua::LUA_TNONE => true,
            lua::LUA_TLIGHTUSERDATA => lua::lua_tolightuserdata(l, 1).is_null(),
            _ => match object::to_cdata(l, st.cdata_tag.get(), 1) {
                Some(h) if !h.is_ref() => {
                    let is_pointer = matches!(
                        convert::shape(&st.registry.borrow(), h.ty),
                        Shape::Pointer { .. }
                    );
                    is_pointer && memory::read_address(h.data) == 0
                }
                _ => false,
            },
        };
        lua::lua_pushboolean(l, null as c_int);
        1
    }
}
