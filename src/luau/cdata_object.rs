//! The cdata metatable: indexing, arithmetic, comparisons, `tostring`, length, call,
//! concatenation and iteration of cdata, each consulting the type's `ffi.metatype`
//! where LuaJIT does. All cdata share one metatable, hence the same `__eq`/`__lt`/`__le`.
//! Also the cdata side of the API: `ffi.new`/`ctype(...)`, metatype lookup, finalizers.

use super::args::bad_argument;
use super::entries;
use super::stack::{self, State};
use super::state::ModuleState;
use crate::cdata::arith::{self, ArithOp, ArithResult, CompareOp, Operand};
use crate::cdata::convert::{
    self, bitfield_from_lua, c_from_lua, f64_to_c_integer, f64_to_i64, lua_from_c, write_scalar,
    Access, Context, Scalar, Shape,
};
use crate::cdata::index::{resolve_element, resolve_field, ElementPlan, FieldPlan};
use crate::cdata::{finalizer, hot, init, memory, object};
use crate::ctype::{CTypeId, CTypeKind, Registry};
use crate::error::Error;
use mlua::ffi as lua;
use std::borrow::Cow;
use std::ffi::{c_char, c_int, CStr};

/// Registers the cdata metatable for `st.cdata_tag` and claims the tag with the cdata
/// destructor.
///
/// # Safety
/// `l` is live with 4 free slots; the tag is unclaimed.
pub unsafe fn register_metatable(l: State, st: &'static ModuleState) {
    let up = st.as_upvalue();
    let tag = st.cdata_tag.get();
    // SAFETY: caller contract; each helper uses at most 2 slots above the metatable.
    unsafe {
        lua::lua_setuserdatadtor(l, tag, Some(finalizer::destroy));
        lua::lua_createtable(l, 0, 24);
        let mt = lua::lua_absindex(l, -1);
        stack::push_str(l, "cdata");
        lua::lua_rawsetfield(l, mt, c"__type".as_ptr());
        stack::push_str(l, "ffi");
        lua::lua_rawsetfield(l, mt, c"__metatable".as_ptr());
        let methods: [(&CStr, stack::CFunction); 19] = [
            (c"__index", entries::c::cdata_index),
            (c"__newindex", entries::c::cdata_newindex),
            (c"__eq", entries::c::cdata_eq),
            (c"__lt", entries::c::cdata_lt),
            (c"__le", entries::c::cdata_le),
            (c"__add", entries::c::cdata_add),
            (c"__sub", entries::c::cdata_sub),
            (c"__mul", entries::c::cdata_mul),
            (c"__div", entries::c::cdata_div),
            (c"__idiv", entries::c::cdata_idiv),
            (c"__mod", entries::c::cdata_mod),
            (c"__pow", entries::c::cdata_pow),
            (c"__unm", entries::c::cdata_unm),
            (c"__tostring", entries::c::cdata_tostring),
            (c"__len", entries::c::cdata_len),
            (c"__call", entries::c::cdata_call),
            (c"__concat", entries::c::cdata_concat),
            (c"__iter", entries::c::cdata_iter),
            (c"__namecall", entries::c::cdata_namecall),
        ];
        for (name, f) in methods {
            stack::set_function(l, mt, name, f, up);
        }
        lua::lua_setreadonly(l, mt, 1);
        lua::lua_setuserdatametatable(l, tag);
    }
}

// ----- metatypes ----------------------------------------------------------------------

/// The type whose metatype applies to cdata of type `ty`: its own (unqualified), or,
/// for a pointer to a struct/union, the struct's (LuaJIT: a struct's metatype applies to
/// pointers to it).
pub fn metatype_key(st: &ModuleState, reg: &Registry, ty: CTypeId) -> Option<CTypeId> {
    if st.has_metatype.borrow().is_empty() {
        return None;
    }
    let own = reg.find_unqualified(ty);
    if st.metatype_set(own) {
        return Some(own);
    }
    if let CTypeKind::Pointer { target } = reg.get(ty).kind {
        let target = reg.find_unqualified(target);
        if reg.record(target).is_some() && st.metatype_set(target) {
            return Some(target);
        }
    }
    None
}

/// Pushes `name` of the metatype of the cdata at `idx`, when there is one and it is
/// not nil; pushes nothing otherwise. Allocates (the name string).
///
/// # Safety
/// `l` is live with 3 free slots; no registry borrow is held.
pub unsafe fn push_metamethod(l: State, st: &ModuleState, idx: c_int, name: &CStr) -> bool {
    // SAFETY: caller contract; only our tagged blocks are read.
    unsafe {
        let Some(h) = object::to_cdata(l, st.cdata_tag.get(), idx) else {
            return false;
        };
        let ty = h.ty;
        let key = metatype_key(st, &st.registry.borrow(), ty);
        match key {
            Some(key) => push_metatype_field(l, st, key, name),
            None => false,
        }
    }
}

/// Pushes `metatype(key)[name]` unless nil. Returns whether it pushed.
///
/// # Safety
/// As [`push_metamethod`].
pub unsafe fn push_metatype_field(l: State, st: &ModuleState, key: CTypeId, name: &CStr) -> bool {
    // SAFETY: caller contract; 3 values pushed, 2 or 3 popped.
    unsafe {
        lua::lua_rawgeti(l, lua::LUA_REGISTRYINDEX, st.metatypes_ref.get() as _);
        lua::lua_rawgeti(l, -1, key.0 as _);
        if lua::lua_type(l, -1) != lua::LUA_TTABLE {
            lua::lua_settop(l, -3);
            return false;
        }
        lua::lua_rawgetfield(l, -1, name.as_ptr());
        if lua::lua_type(l, -1) == lua::LUA_TNIL {
            lua::lua_settop(l, -4);
            return false;
        }
        lua::lua_replace(l, -3);
        lua::lua_settop(l, -2);
        true
    }
}

/// Pushes the values at `args` after the function on top of the stack and returns the
/// tail call of it with `nresults` results, for the metamethod to return.
///
/// # Safety
/// `l` is live inside a metamethod.
unsafe fn call_with(l: State, args: &[c_int], nresults: c_int) -> c_int {
    // SAFETY: caller contract.
    unsafe {
        lua::lua_rawcheckstack(l, args.len() as c_int);
        for &a in args {
            lua::lua_pushvalue(l, a);
        }
    }
    stack::tail_call(args.len() as c_int, nresults)
}

// ----- indexing -----------------------------------------------------------------------

/// The address a field or element plan refers to, or the NULL-dereference error.
///
/// # Safety
/// `data` is the cdata's object.
#[inline]
unsafe fn base_address(data: *mut u8, through_pointer: bool) -> *mut u8 {
    if through_pointer {
        // SAFETY: a pointer cdata's data holds an address.
        unsafe { memory::read_address(data) as *mut u8 }
    } else {
        data
    }
}

#[cold]
fn null_error(st: &ModuleState, ty: CTypeId) -> Error {
    Error::NullDereference {
        ty: st.registry.borrow().message_name(ty),
    }
}

/// Where `cd[key]` is, for the key at stack index 2: (access plan, address).
/// `Ok(None)`: the key names nothing (the message is in the Err of the inner lookup).
///
/// # Safety
/// `l` live inside a metamethod with the cdata at 1 and the key at 2.
#[inline]
unsafe fn locate(
    l: State,
    st: &ModuleState,
    ty: CTypeId,
    data: *mut u8,
    bytes: u64,
) -> Result<(Access, *mut u8), Error> {
    // SAFETY: caller contract; stack reads only, plus anchoring a key string.
    unsafe {
        // lua_tostringatom: the string's bytes, or NULL for any other value (numbers
        // are not converted), in one call.
        let key = lua::lua_tostringatom(l, 2, std::ptr::null_mut());
        if !key.is_null() {
            {
                let plan = match st.field_cache.field(ty, key as usize) {
                    Some(plan) => plan,
                    None => {
                        let mut len = 0usize;
                        lua::lua_tolstring(l, 2, &mut len);
                        let name = std::slice::from_raw_parts(key.cast::<u8>(), len);
                        let name = String::from_utf8_lossy(name);
                        let plan: FieldPlan = resolve_field(&st.registry.borrow(), ty, &name)?;
                        anchor_key(l, st);
                        st.field_cache.put_field(ty, key as usize, plan);
                        plan
                    }
                };
                let base = base_address(data, plan.through_pointer);
                if base.is_null() {
                    return Err(null_error(st, ty));
                }
                return Ok((plan.access, base.wrapping_add(plan.offset as usize)));
            }
        }
        match lua::lua_type(l, 2) {
            lua::LUA_TNUMBER => {
                let index = f64_to_i64(lua::lua_tonumberx(l, 2, std::ptr::null_mut()));
                element(st, ty, data, bytes, index)
            }
            lua::LUA_TINTEGER => element(
                st,
                ty,
                data,
                bytes,
                lua::lua_tointeger64(l, 2, std::ptr::null_mut()),
            ),
            _ => {
                // An integer cdata is an index (LuaJIT: not a bool, not a float); a type
                // that has no elements names the key's C type in its error.
                if let Some(key) = object::to_cdata(l, st.cdata_tag.get(), 2) {
                    let sh = convert::shape(&st.registry.borrow(), key.ty);
                    if let (Shape::Int { .. }, Some(v)) = (sh, convert::read_scalar(key.data, sh)) {
                        if resolve_element(&st.registry.borrow(), ty).is_ok() {
                            return element(st, ty, data, bytes, v.as_i64());
                        }
                    }
                }
                let reg = st.registry.borrow();
                let key = match object::to_cdata(l, st.cdata_tag.get(), 2) {
                    Some(k) => reg.message_name(k.ty),
                    None => stack::type_name(l, 2).to_string(),
                };
                Err(Error::CannotIndexWith {
                    ty: reg.message_name(ty),
                    key,
                })
            }
        }
    }
}

/// The hot path of [`locate`]: a string key already in the field cache, or a number
/// index of the last array/pointer type indexed, for a cdata whose object (or pointee)
/// is not NULL. `key` is `lua_tostringatom` of the key at 2. `None` sends the caller to
/// `locate`.
///
/// # Safety
/// As [`locate`].
#[inline(always)]
unsafe fn cached_field(
    l: State,
    st: &ModuleState,
    ty: CTypeId,
    data: *mut u8,
    bytes: u64,
    key: *const c_char,
) -> Option<(Access, *mut u8)> {
    // SAFETY: caller contract; only inspects the key at 2.
    unsafe {
        if key.is_null() {
            if lua::lua_type(l, 2) != lua::LUA_TNUMBER {
                return None;
            }
            let plan = st.field_cache.element(ty)?;
            let index = f64_to_i64(lua::lua_tonumberx(l, 2, std::ptr::null_mut()));
            if !plan.through_pointer && !in_bounds(index, plan.elem_size, bytes) {
                return None;
            }
            let base = base_address(data, plan.through_pointer);
            let offset = index.wrapping_mul(plan.elem_size as i64) as isize;
            return (!base.is_null()).then(|| (plan.access, base.wrapping_offset(offset)));
        }
        let plan = st.field_cache.field(ty, key as usize)?;
        let base = base_address(data, plan.through_pointer);
        (!base.is_null()).then(|| (plan.access, base.wrapping_add(plan.offset as usize)))
    }
}

/// Whether element `index` lies within an array object of `bytes` bytes. Only arrays
/// inside memory a cdata owns are checked (`bytes` is `u64::MAX` for references into C
/// memory, which may be C's trailing `[1]` arrays); pointers are never checked, as in C.
#[inline(always)]
fn in_bounds(index: i64, elem_size: u64, bytes: u64) -> bool {
    index >= 0
        && (index as u64)
            .checked_add(1)
            .and_then(|n| n.checked_mul(elem_size))
            .is_some_and(|end| end <= bytes)
}

/// Element `index` of an array or pointer cdata.
///
/// # Safety
/// `data` is the cdata's object.
#[inline]
unsafe fn element(
    st: &ModuleState,
    ty: CTypeId,
    data: *mut u8,
    bytes: u64,
    index: i64,
) -> Result<(Access, *mut u8), Error> {
    let plan: ElementPlan = match st.field_cache.element(ty) {
        Some(plan) => plan,
        None => {
            let plan = resolve_element(&st.registry.borrow(), ty)?;
            if !plan.complex_parts {
                st.field_cache.put_element(ty, plan);
            }
            plan
        }
    };
    let outside = if plan.complex_parts {
        !(0..=1).contains(&index)
    } else {
        !plan.through_pointer && !in_bounds(index, plan.elem_size, bytes)
    };
    if outside {
        return Err(Error::IndexOutOfBounds {
            index,
            ty: st.registry.borrow().message_name(ty),
        });
    }
    // SAFETY: caller contract.
    let base = unsafe { base_address(data, plan.through_pointer) };
    if base.is_null() {
        return Err(null_error(st, ty));
    }
    Ok((
        plan.access,
        base.wrapping_offset(index.wrapping_mul(plan.elem_size as i64) as isize),
    ))
}

/// Keeps the key string at 2 alive for as long as the state, so that its address in the
/// field cache is never another string's.
///
/// # Safety
/// `l` live with 3 free slots.
unsafe fn anchor_key(l: State, st: &ModuleState) {
    // SAFETY: caller contract; pushes 3, pops 3.
    unsafe {
        lua::lua_rawgeti(l, lua::LUA_REGISTRYINDEX, st.anchors_ref.get() as _);
        lua::lua_pushvalue(l, 2);
        lua::lua_pushboolean(l, 1);
        lua::lua_rawset(l, -3);
        lua::lua_settop(l, -2);
    }
}

/// Pushes the value at `address` read from the cdata at `parent` (whose header is
/// `parent_header`); a reference into a
/// value cdata (not through a pointer) keeps that cdata alive with a `lua_ref` released
/// after the reference is collected (an array-slot store: much cheaper than a weak
/// table keyed by every reference).
///
/// A `long double` raises LuaJIT's error instead (Luau cannot hold it as a number).
///
/// # Safety
/// `l` live with 4 free slots; `address` valid for the access; no registry borrow held;
/// nothing owned by the caller is live. `Err(RAISE)` with the error pushed.
#[inline]
unsafe fn push_element(
    l: State,
    st: &ModuleState,
    access: Access,
    address: *mut u8,
    parent: c_int,
    parent_header: &object::Header,
) -> Result<(), c_int> {
    // SAFETY: caller contract.
    unsafe {
        let aggregate = matches!(
            access.shape,
            Shape::Array { .. } | Shape::Record | Shape::Other
        ) && access.bit.is_none();
        if !aggregate {
            lua_from_c(l, st.cdata_tag.get(), access, address);
            return Ok(());
        }
        refuse_long_double(l, st, access)?;
        let reference = object::push_ref(l, st.cdata_tag.get(), access.ty, address, access.size);
        let through_pointer = !parent_header.is_ref()
            && matches!(
                convert::shape(&st.registry.borrow(), parent_header.ty),
                Shape::Pointer { .. }
            );
        // Inside a value cdata's memory, an element is bounds-checked too: to its size,
        // or, for a variable-length member (`int d[?]`), to what remains of the owner.
        if !through_pointer && parent_header.is_owned_memory() {
            let owner_end =
                (parent_header.data as u64).saturating_add(parent_header.reachable_bytes());
            let extent = match access.size {
                0 => owner_end.checked_sub(address as u64),
                size => Some(u64::from(size)),
            };
            if let Some(extent) = extent.and_then(|e| u32::try_from(e).ok()) {
                (*reference).set_bounded(extent);
            }
        }
        if !through_pointer {
            if st.finalizers.has_unrefs() {
                st.finalizers.release_anchors(l);
            }
            let anchor = lua::lua_ref(l, parent);
            object::set_anchor(&mut *reference, anchor);
        }
    }
    Ok(())
}

/// Stands for "the key at 2 is a number" where a `lua_tostringatom` result is expected
/// (never a string's address: it is not aligned as Luau's strings are).
const NUMBER_KEY: *const c_char = std::ptr::dangling::<c_char>();

/// The key at 2 for the hot paths: [`NUMBER_KEY`] for a number when the cdata's type
/// `ty` is the array or pointer type last indexed by number (tested first there, so an
/// element access needs no string lookup), else `lua_tostringatom` of it (a string's
/// bytes, or NULL for any other value), first for every other type (fields).
///
/// # Safety
/// `l` live inside a metamethod with the key at 2.
#[inline(always)]
unsafe fn number_key_first(l: State, st: &ModuleState, ty: CTypeId) -> *const c_char {
    // SAFETY: caller contract; stack reads only.
    unsafe {
        if st.field_cache.number_element(ty).is_some() && lua::lua_type(l, 2) == lua::LUA_TNUMBER {
            NUMBER_KEY
        } else {
            lua::lua_tostringatom(l, 2, std::ptr::null_mut())
        }
    }
}

/// The cached number field or number element the key at 2 names in the cdata at 1, with
/// whether it may be written and its address: the hot path of `cd.x`, `cd[i]`, `cd.x = n`
/// and `cd[i] = n`. A number field is an integer of at most 32 bits or a `float`/`double`
/// (not a bitfield); a number element likewise, within bounds. `None` for anything
/// else, including a NULL pointer.
///
/// # Safety
/// `l` live inside a cdata metamethod with the cdata `h` at 1 and the key at 2; `key`
/// is [`number_key_first`] of it.
#[inline(always)]
unsafe fn number_slot_at(
    l: State,
    st: &ModuleState,
    h: &object::Header,
    key: *const c_char,
) -> Option<(Shape, bool, *mut u8)> {
    // SAFETY: caller contract; the address is inside the cdata's object (or the struct
    // its pointer points to) by the cached plan of its type.
    unsafe {
        if key == NUMBER_KEY {
            return number_element_at(l, st, h);
        }
        if key.is_null() {
            return None;
        }
        let field = st.field_cache.number_field(h.ty, key as usize)?;
        let base = base_address(h.data, field.through_pointer);
        (!base.is_null()).then(|| {
            (
                field.shape,
                field.writable,
                base.wrapping_add(field.offset as usize),
            )
        })
    }
}

/// [`number_slot_at`] for a number key: an element of the cached element plan of the
/// cdata's type, when it is within bounds.
///
/// # Safety
/// As [`number_slot_at`]; `h` is the cdata at 1 and the key at 2 is a number.
#[inline(always)]
unsafe fn number_element_at(
    l: State,
    st: &ModuleState,
    h: &object::Header,
) -> Option<(Shape, bool, *mut u8)> {
    // SAFETY: caller contract; the address is inside the cdata's array (bounds checked)
    // or where its pointer points.
    unsafe {
        let element = st.field_cache.number_element(h.ty)?;
        let index = f64_to_i64(lua::lua_tonumberx(l, 2, std::ptr::null_mut()));
        // A negative index is a huge u64; references have u64::MAX bytes (unchecked).
        if !element.through_pointer && index as u64 >= h.reachable_bytes() >> element.size_shift {
            return None;
        }
        let base = base_address(h.data, element.through_pointer);
        let offset = index.wrapping_shl(u32::from(element.size_shift)) as isize;
        (!base.is_null()).then(|| {
            (
                element.shape,
                element.writable,
                base.wrapping_offset(offset),
            )
        })
    }
}

/// `cd.field`, `cd[i]`, `p.x` through a pointer; else the metatype's `__index`.
pub(super) unsafe fn cdata_index(l: State) -> c_int {
    // SAFETY: called by Luau as a metamethod of this module; the number field's address
    // is valid for its shape.
    unsafe {
        let st = ModuleState::of_call(l);
        let Some(h) = object::to_cdata(l, st.cdata_tag.get(), 1) else {
            return 0;
        };
        let key = number_key_first(l, st, h.ty);
        if let Some((shape, _, address)) = number_slot_at(l, st, h, key) {
            let value = match shape {
                Shape::Float { size } => memory::read_float(address, size),
                Shape::Int { size, signed } => memory::read_int(address, size, signed) as f64,
                _ => unreachable!("number slots are integers or floats"),
            };
            lua::lua_pushnumber(l, value);
            return 1;
        }
        index_other(
            l,
            st,
            h,
            if key == NUMBER_KEY {
                std::ptr::null()
            } else {
                key
            },
        )
    }
}

/// `Err(RAISE)` with LuaJIT's error for reading a `long double` field or element, which
/// Luau cannot hold as a number (a `long double` cdata itself is still made by `ffi.new`).
///
/// # Safety
/// `l` live with 2 free slots.
unsafe fn refuse_long_double(l: State, st: &ModuleState, access: Access) -> Result<(), c_int> {
    if access.shape != Shape::Other {
        return Ok(());
    }
    let message = {
        let reg = st.registry.borrow();
        match reg.get(access.ty).kind {
            CTypeKind::Float { size } if !matches!(size, 4 | 8) => Some(Error::CannotConvert {
                from: reg.message_name(access.ty),
                to: "double".to_string(),
            }),
            _ => None,
        }
    };
    match message {
        // SAFETY: caller contract.
        Some(message) => Err(unsafe { stack::raise_here(l, message) }),
        None => Ok(()),
    }
}

/// Every `__index` of a cdata but a cached number field or element.
///
/// # Safety
/// `l` live inside the cdata `__index` metamethod, `h` the cdata at 1 and `key`
/// `lua_tostringatom` of the key at 2.
#[inline(never)]
unsafe fn index_other(l: State, st: &ModuleState, h: &object::Header, key: *const c_char) -> c_int {
    // SAFETY: caller contract; the error path drops every owned value before raising.
    unsafe {
        let (ty, data, bytes) = (h.ty, h.data, h.reachable_bytes());
        if let Some((access, address)) = cached_field(l, st, ty, data, bytes, key) {
            stack::or_return!(push_element(l, st, access, address, 1, h));
            return 1;
        }
        let failure = match locate(l, st, ty, data, bytes) {
            Ok((access, address)) => {
                stack::or_return!(push_element(l, st, access, address, 1, h));
                return 1;
            }
            Err(message) => message,
        };
        // A `static const` member of the struct (LuaJIT), after the fields and before
        // the metatype.
        if let Some(number) = super::ctype_object::record_constant(l, st, 1, 2) {
            drop(failure);
            lua::lua_pushnumber(l, number);
            return 1;
        }
        if super::callback_glue::push_method(l) {
            drop(failure);
            return 1;
        }
        if push_metamethod(l, st, 1, c"__index") {
            if lua::lua_type(l, -1) == lua::LUA_TFUNCTION {
                drop(failure);
                return call_with(l, &[1, 2], 1);
            }
            lua::lua_pushvalue(l, 2);
            stack::or_return!(stack::get_table(l, lua::lua_absindex(l, -2)));
            // As LuaJIT: a key the `__index` table does not have is the cdata's error
            // (`'struct s' has no member named 'k'`), not nil.
            if lua::lua_type(l, -1) != lua::LUA_TNIL {
                drop(failure);
                return 1;
            }
        }
        stack::raise_here(l, failure)
    }
}

/// Stores the value at `value` into the object `access` describes at `address`.
///
/// # Safety
/// `address` is valid for the access.
pub unsafe fn store(
    l: State,
    st: &ModuleState,
    access: Access,
    address: *mut u8,
    value: c_int,
) -> Result<(), Error> {
    if access.is_const {
        return Err(Error::WriteToConstant);
    }
    // SAFETY: caller contract; conversions only inspect the stack.
    unsafe {
        if access.bit.is_none()
            && access.shape.is_number_like()
            && lua::lua_type(l, value) == lua::LUA_TNUMBER
        {
            write_scalar(
                address,
                access.shape,
                Scalar::Float(lua::lua_tonumberx(l, value, std::ptr::null_mut())),
            );
            return Ok(());
        }
        let reg = st.registry.borrow();
        if access.bit.is_some() {
            bitfield_from_lua(l, st.cdata_tag.get(), &reg, access, address, value)
        } else {
            let size = if access.size > 0 {
                access.size as u64
            } else {
                reg.size_of(access.ty).unwrap_or(0)
            };
            c_from_lua(
                l,
                st.cdata_tag.get(),
                &reg,
                access.ty,
                address,
                size,
                value,
                Context::Init,
            )
        }
    }
}

/// `cd.field = v`, `cd[i] = v`; else the metatype's `__newindex`.
pub(super) unsafe fn cdata_newindex(l: State) -> c_int {
    // SAFETY: as cdata_index.
    unsafe {
        let st = ModuleState::of_call(l);
        let Some(h) = object::to_cdata(l, st.cdata_tag.get(), 1) else {
            return 0;
        };
        let key = number_key_first(l, st, h.ty);
        if let Some((shape, true, address)) = number_slot_at(l, st, h, key) {
            if lua::lua_type(l, 3) == lua::LUA_TNUMBER {
                let value = lua::lua_tonumberx(l, 3, std::ptr::null_mut());
                match shape {
                    Shape::Float { size } => memory::write_float(address, size, value),
                    Shape::Int { size, signed } => {
                        memory::write_int(address, size, f64_to_c_integer(value, size, signed))
                    }
                    _ => unreachable!("number slots are integers or floats"),
                }
                return 0;
            }
        }
        newindex_other(
            l,
            st,
            h,
            if key == NUMBER_KEY {
                std::ptr::null()
            } else {
                key
            },
        )
    }
}

/// Every `__newindex` of a cdata but a number stored into a cached number field or
/// element.
///
/// # Safety
/// `l` live inside the cdata `__newindex` metamethod, `h` the cdata at 1 and `key`
/// `lua_tostringatom` of the key at 2.
#[inline(never)]
unsafe fn newindex_other(
    l: State,
    st: &ModuleState,
    h: &object::Header,
    key: *const c_char,
) -> c_int {
    // SAFETY: as cdata_index.
    unsafe {
        let (ty, data, bytes) = (h.ty, h.data, h.reachable_bytes());
        let located = match cached_field(l, st, ty, data, bytes, key) {
            Some(found) => Ok(found),
            None => locate(l, st, ty, data, bytes),
        };
        let failure = match located {
            Ok((access, address)) => match store(l, st, access, address, 3) {
                Ok(()) => return 0,
                Err(message) => message,
            },
            Err(message) => {
                if super::ctype_object::record_constant(l, st, 1, 2).is_some() {
                    drop(message);
                    return stack::raise_here(l, Error::WriteToConstant);
                }
                if push_metamethod(l, st, 1, c"__newindex") {
                    drop(message);
                    if lua::lua_type(l, -1) == lua::LUA_TFUNCTION {
                        return call_with(l, &[1, 2, 3], 0);
                    }
                    lua::lua_pushvalue(l, 2);
                    lua::lua_pushvalue(l, 3);
                    stack::or_return!(stack::set_table(l, lua::lua_absindex(l, -3)));
                    return 0;
                }
                message
            }
        };
        stack::raise_here(l, failure)
    }
}

/// `cd:method(...)`: looks the method up as `cd.method` would and calls it.
pub(super) unsafe fn cdata_namecall(l: State) -> c_int {
    // SAFETY: called by Luau for `cd:name(...)`; the name comes from lua_namecallatom.
    unsafe {
        let st = ModuleState::of_call(l);
        let name = lua::lua_namecallatom(l, std::ptr::null_mut());
        if !name.is_null() {
            if let Some(results) = super::callback_glue::method(l, st, CStr::from_ptr(name)) {
                return results;
            }
        }
        if name.is_null() || !push_metamethod(l, st, 1, c"__index") {
            let ty = object::to_cdata(l, st.cdata_tag.get(), 1).map(|h| h.ty);
            let message = match ty {
                Some(ty) => Error::NoMember {
                    ty: st.registry.borrow().message_name(ty),
                    name: if name.is_null() {
                        "?".into()
                    } else {
                        CStr::from_ptr(name).to_string_lossy().into_owned()
                    },
                },
                None => Error::BadSelf,
            };
            return stack::raise(l, message);
        }
        let nargs = lua::lua_gettop(l) - 1;
        // Resolve the method: __index table lookup or __index(cd, name).
        if lua::lua_type(l, -1) == lua::LUA_TFUNCTION {
            lua::lua_pushvalue(l, 1);
            lua::lua_pushstring(l, name);
            stack::or_return!(stack::call(l, 2, 1));
        } else {
            stack::or_return!(stack::get_field(l, lua::lua_absindex(l, -1), name));
            lua::lua_replace(l, -2);
        }
        lua::lua_insert(l, 1);
        stack::tail_call(nargs, lua::LUA_MULTRET)
    }
}

// ----- arithmetic and comparisons -----------------------------------------------------

/// An operand of an arithmetic metamethod.
///
/// # Safety
/// `l` live, `idx` valid.
unsafe fn operand<'a>(l: State, st: &ModuleState, idx: c_int) -> Operand<'a> {
    // SAFETY: caller contract; only inspects the stack.
    unsafe {
        if let Some(h) = object::to_cdata(l, st.cdata_tag.get(), idx) {
            return Operand::Cdata(h);
        }
        match lua::lua_type(l, idx) {
            lua::LUA_TNUMBER => Operand::Number(lua::lua_tonumberx(l, idx, std::ptr::null_mut())),
            lua::LUA_TINTEGER => {
                Operand::Number(lua::lua_tointeger64(l, idx, std::ptr::null_mut()) as f64)
            }
            t => Operand::Other(
                CStr::from_ptr(lua::lua_typename(l, t))
                    .to_str()
                    .unwrap_or("?"),
            ),
        }
    }
}

/// The operands at 1 and 2 of a binary metamethod, a string beside an enum cdata taken
/// as the enum constant it names (LuaJIT: `e + "B"` is `e + 5`); a string naming none
/// is `cannot convert 'string' to 'enum e'`.
///
/// # Safety
/// `l` live inside a metamethod with operands at 1 and 2.
unsafe fn operands<'a>(l: State, st: &ModuleState) -> Result<(Operand<'a>, Operand<'a>), Error> {
    // SAFETY: caller contract; only inspects the stack.
    unsafe {
        let mut ops = [operand(l, st, 1), operand(l, st, 2)];
        for (i, other) in [(0usize, 1usize), (1, 0)] {
            if lua::lua_type(l, i as c_int + 1) != lua::LUA_TSTRING {
                continue;
            }
            let mut len = 0usize;
            let bytes = lua::lua_tolstring(l, i as c_int + 1, &mut len).cast::<u8>();
            let name = std::slice::from_raw_parts(bytes, len);
            match arith::enum_constant(&st.registry.borrow(), ops[other], name) {
                Some(Ok(value)) => ops[i] = Operand::EnumConstant(value),
                Some(Err(message)) => return Err(message),
                None => {}
            }
        }
        Ok((ops[0], ops[1]))
    }
}

/// Calls a metatype's binary metamethod `name` from either operand, if there is one.
///
/// # Safety
/// `l` live inside a metamethod with operands at 1 and 2.
unsafe fn binary_metamethod(l: State, st: &ModuleState, name: &CStr) -> Option<c_int> {
    // SAFETY: caller contract.
    unsafe {
        if push_metamethod(l, st, 1, name) || push_metamethod(l, st, 2, name) {
            return Some(call_with(l, &[1, 2], 1));
        }
    }
    None
}

/// Pushes an arithmetic result. Uses 1 slot; allocates for cdata results.
///
/// # Safety
/// `l` live with a free slot.
unsafe fn push_result(l: State, st: &ModuleState, result: ArithResult) {
    let tag = st.cdata_tag.get();
    // SAFETY: caller contract; the new blocks are written within their size.
    unsafe {
        match result {
            ArithResult::Number(n) => lua::lua_pushnumber(l, n),
            ArithResult::Int64 { value, unsigned } => {
                let h = object::push_new(l, tag, convert::int64_type(!unsigned), 8, 8);
                memory::write_int((*h).data, 8, value);
            }
            ArithResult::Pointer { ty, address } => {
                let h = object::push_new(l, tag, ty, size_of::<usize>(), 8);
                memory::write_address((*h).data, address);
            }
        }
    }
}

/// The hot path of pointer arithmetic: `p + n` and `p - n` with a pointer cdata at 1
/// and a number at 2, and `p - q` with two pointers of the same type, using the element
/// size cached for the type. Pushes the result and returns true; false (nothing pushed)
/// for anything else, which the general path handles (with the same results).
///
/// # Safety
/// `l` live inside an arithmetic metamethod with operands at 1 and 2.
#[inline(always)]
unsafe fn pointer_step(l: State, st: &ModuleState, op: ArithOp) -> bool {
    // SAFETY: caller contract; a pointer cdata's data holds an address.
    unsafe {
        let tag = st.cdata_tag.get();
        let Some(a) = object::to_cdata(l, tag, 1) else {
            return false;
        };
        let ty = a.ty;
        let step = st.hot.step(ty, || {
            crate::cdata::hot::pointer_step(&st.registry.borrow(), ty)
        });
        let Some(size) = step else {
            return false;
        };
        let address = memory::read_address(a.data) as i64;
        if lua::lua_type(l, 2) == lua::LUA_TNUMBER {
            let n = f64_to_i64(lua::lua_tonumberx(l, 2, std::ptr::null_mut()));
            let delta = n.wrapping_mul(size as i64);
            let delta = if op == ArithOp::Sub {
                delta.wrapping_neg()
            } else {
                delta
            };
            let address = address.wrapping_add(delta) as usize;
            push_result(l, st, ArithResult::Pointer { ty, address });
            return true;
        }
        match object::to_cdata(l, tag, 2) {
            Some(b) if op == ArithOp::Sub && b.ty == ty => {
                let other = memory::read_address(b.data) as i64;
                let n = address.wrapping_sub(other) / size as i64;
                lua::lua_pushnumber(l, n as f64);
                true
            }
            _ => false,
        }
    }
}

/// One arithmetic metamethod: the metatype's, else pointer or 64-bit integer arithmetic.
///
/// # Safety
/// Called by Luau as a metamethod of this module.
unsafe fn arith_metamethod(l: State, op: ArithOp) -> c_int {
    // SAFETY: caller contract; the error is raised after every owned value is dropped.
    unsafe {
        let st = ModuleState::of_call(l);
        if matches!(op, ArithOp::Add | ArithOp::Sub) && pointer_step(l, st, op) {
            return 1;
        }
        let name = match op {
            ArithOp::Add => c"__add",
            ArithOp::Sub => c"__sub",
            ArithOp::Mul => c"__mul",
            ArithOp::Div => c"__div",
            ArithOp::IDiv => c"__idiv",
            ArithOp::Mod => c"__mod",
            ArithOp::Pow => c"__pow",
            ArithOp::Unm => c"__unm",
        };
        // Built-in pointer and integer arithmetic first; a metatype's metamethod only
        // for what has no built-in meaning (LuaJIT's order).
        let result = match operands(l, st) {
            Ok((a, b)) => stack::guarded(|| arith::arith(&mut st.registry.borrow_mut(), op, a, b)),
            Err(message) => Err(message),
        };
        let result = match result {
            Ok(r) => r,
            Err(message) => {
                if let Some(n) = binary_metamethod(l, st, name) {
                    drop(message);
                    return n;
                }
                return stack::raise_here(l, message);
            }
        };
        push_result(l, st, result);
        1
    }
}

macro_rules! arith_functions {
    ($($name:ident => $op:expr),* $(,)?) => {$(
        pub(super) unsafe fn $name(l: State) -> c_int {
            // SAFETY: called by Luau as a metamethod of this module.
            unsafe { arith_metamethod(l, $op) }
        }
    )*};
}

arith_functions! {
    cdata_add => ArithOp::Add,
    cdata_sub => ArithOp::Sub,
    cdata_mul => ArithOp::Mul,
    cdata_div => ArithOp::Div,
    cdata_idiv => ArithOp::IDiv,
    cdata_mod => ArithOp::Mod,
    cdata_pow => ArithOp::Pow,
    cdata_unm => ArithOp::Unm,
}

/// The shared comparison metamethod: the metatype's, else LuaJIT's cdata comparison.
///
/// # Safety
/// Called by Luau as a metamethod of this module.
unsafe fn compare_metamethod(l: State, op: CompareOp) -> c_int {
    // SAFETY: caller contract; raise happens after owned values are dropped.
    unsafe {
        let st = ModuleState::of_call(l);
        let name = match op {
            CompareOp::Eq => c"__eq",
            CompareOp::Lt => c"__lt",
            CompareOp::Le => c"__le",
        };
        let tag = st.cdata_tag.get();
        let (Some(a), Some(b)) = (object::to_cdata(l, tag, 1), object::to_cdata(l, tag, 2)) else {
            lua::lua_pushboolean(l, 0);
            return 1;
        };
        // Pointers and numbers compare built-in; other cdata consult the metatype first.
        if !arith::is_builtin_comparison(&mut st.registry.borrow_mut(), a, b) {
            if let Some(n) = binary_metamethod(l, st, name) {
                return n;
            }
        }
        let result = stack::guarded(|| arith::compare(&mut st.registry.borrow_mut(), op, a, b));
        let answer = stack::raise_err!(l, result);
        lua::lua_pushboolean(l, answer as c_int);
        1
    }
}

pub(super) unsafe fn cdata_eq(l: State) -> c_int {
    // SAFETY: called by Luau as a metamethod of this module.
    unsafe { compare_metamethod(l, CompareOp::Eq) }
}

pub(super) unsafe fn cdata_lt(l: State) -> c_int {
    // SAFETY: called by Luau as a metamethod of this module.
    unsafe { compare_metamethod(l, CompareOp::Lt) }
}

pub(super) unsafe fn cdata_le(l: State) -> c_int {
    // SAFETY: called by Luau as a metamethod of this module.
    unsafe { compare_metamethod(l, CompareOp::Le) }
}

// ----- tostring, length, call, concat, iteration --------------------------------------

/// The text of `tostring(cd)` without a metatype: `123LL`, `123ULL`, `1+2i`,
/// `cdata<int *>: 0x...`, `cdata<int *>: NULL`, `cdata<struct foo &>: 0x...`.
pub fn describe(reg: &Registry, h: &object::Header) -> String {
    let sh = convert::shape(reg, h.ty);
    // SAFETY: the cdata's data holds an object of its type (scalars read within size).
    unsafe {
        match (sh, &reg.get(h.ty).kind) {
            // As LuaJIT: an enum prints its value (`cdata<enum e>: 1`), a 32-bit one
            // as a signed `int`.
            (Shape::Int { size, signed }, CTypeKind::Enum(_)) if !h.is_ref() => {
                let value = if size == 4 {
                    memory::read_int(h.data, 4, true)
                } else {
                    memory::read_int(h.data, size, signed)
                };
                format!("cdata<{}>: {}", reg.c_name(h.ty), value)
            }
            (Shape::Int { size: 8, signed }, _) if reg.enumeration(h.ty).is_none() => {
                if signed {
                    format!("{}LL", memory::read_int(h.data, 8, true))
                } else {
                    format!("{}ULL", memory::read_int(h.data, 8, false) as u64)
                }
            }
            (_, CTypeKind::Complex { size }) if *size == 8 || *size == 16 => {
                let half = *size / 2;
                let re = memory::read_float(h.data, half);
                let im = memory::read_float(h.data.add(half as usize), half);
                // As LuaJIT: the sign bit decides (`1-0i`), and the suffix is `I` after
                // a letter (`1+infI`, `nan+nanI`).
                let im_text = number_text(im.abs());
                let suffix = if im_text.ends_with(|c: char| c.is_ascii_alphabetic()) {
                    "I"
                } else {
                    "i"
                };
                format!(
                    "{}{}{}{}",
                    number_text(re),
                    if !im.is_sign_negative() || im.is_nan() {
                        "+"
                    } else {
                        "-"
                    },
                    im_text,
                    suffix
                )
            }
            (Shape::Pointer { .. }, _) if !h.is_ref() => {
                let address = memory::read_address(h.data);
                if address == 0 {
                    format!("cdata<{}>: NULL", reg.c_name(h.ty))
                } else {
                    format!("cdata<{}>: {}", reg.c_name(h.ty), address_text(address))
                }
            }
            _ => {
                let name = if h.is_ref() {
                    reg.c_name_ref(h.ty)
                } else {
                    reg.c_name(h.ty)
                };
                format!("cdata<{}>: {}", name, address_text(h.data as usize))
            }
        }
    }
}

/// An address as LuaJIT prints it (`lj_strfmt_wptr`): 8 hex digits, and when the high
/// half is not zero, 2 more for each of its bytes up to the highest one in use
/// (`0x00000005`, `0x0100000000`, `0x7f0012345678`).
pub fn address_text(address: usize) -> String {
    let high = (address as u64 >> 32) as u32;
    let digits = if high == 0 {
        8
    } else {
        10 + 2 * ((31 - high.leading_zeros()) / 8) as usize
    };
    format!("0x{address:0digits$x}")
}

/// A number as Lua 5.1 prints it (`%.14g`), as LuaJIT formats complex parts.
pub fn number_text(n: f64) -> String {
    if !n.is_finite() {
        return if n.is_nan() {
            "nan".into()
        } else if n > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    if n == 0.0 {
        return if n.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    const PRECISION: i32 = 14;
    let sci = format!("{:.*e}", (PRECISION - 1) as usize, n);
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let strip = |t: &str| -> String {
        if t.contains('.') {
            t.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            t.to_string()
        }
    };
    if !(-4..PRECISION).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{}e{}{:02}", strip(mantissa), sign, exponent.abs())
    } else {
        strip(&format!("{:.*}", (PRECISION - 1 - exponent) as usize, n))
    }
}

pub(super) unsafe fn cdata_tostring(l: State) -> c_int {
    // SAFETY: called by Luau as a metamethod of this module.
    unsafe {
        let st = ModuleState::of_call(l);
        if push_metamethod(l, st, 1, c"__tostring") {
            return call_with(l, &[1], 1);
        }
        let Some(h) = object::to_cdata(l, st.cdata_tag.get(), 1) else {
            return 0;
        };
        let text = describe(&st.registry.borrow(), h);
        stack::push_str(l, &text);
        1
    }
}

/// Raises `message` built from the C name of the cdata at 1.
///
/// # Safety
/// Inside a metamethod.
#[must_use = "return RAISE to the trampoline"]
unsafe fn raise_for(l: State, st: &ModuleState, message: impl FnOnce(String) -> Error) -> c_int {
    // SAFETY: caller contract.
    unsafe {
        let ty = object::to_cdata(l, st.cdata_tag.get(), 1)
            .map(|h| h.ty)
            .unwrap_or(CTypeId::VOID);
        let error = message(st.registry.borrow().message_name(ty));
        stack::raise_here(l, error)
    }
}

pub(super) unsafe fn cdata_len(l: State) -> c_int {
    // SAFETY: called by Luau as a metamethod of this module.
    unsafe {
        let st = ModuleState::of_call(l);
        if push_metamethod(l, st, 1, c"__len") {
            return call_with(l, &[1, 2], 1);
        }
        raise_for(l, st, |ty| Error::BadLength { ty })
    }
}

pub(super) unsafe fn cdata_call(l: State) -> c_int {
    // SAFETY: called by Luau as a metamethod of this module. The number caller is the
    // last thing called, so the compiler makes it a jump.
    unsafe {
        let st = ModuleState::of_call(l);
        match super::call_glue::number_caller_of(l, st) {
            Some((caller, address)) => caller(l, st, address),
            None => call_other(l, st),
        }
    }
}

/// Every `__call` of a cdata but a function taken by its number caller: other function
/// calls, then the metatype's `__call`, else an error.
///
/// # Safety
/// `l` live inside the cdata `__call` metamethod (the cdata at 1).
#[inline(never)]
pub(super) unsafe fn call_other(l: State, st: &'static ModuleState) -> c_int {
    // SAFETY: caller contract.
    unsafe {
        if let Some(results) = super::call_glue::call(l, st) {
            return results;
        }
        if push_metamethod(l, st, 1, c"__call") {
            lua::lua_insert(l, 1);
            let nargs = lua::lua_gettop(l) - 1;
            return stack::tail_call(nargs, lua::LUA_MULTRET);
        }
        // As LuaJIT: a pointer is named by its target (`'struct s' is not callable`),
        // and the message carries no position.
        let message = {
            let reg = st.registry.borrow();
            let ty = object::to_cdata(l, st.cdata_tag.get(), 1)
                .map(|h| h.ty)
                .unwrap_or(CTypeId::VOID);
            let ty = match reg.get(ty).kind {
                CTypeKind::Pointer { target } => target,
                _ => ty,
            };
            Error::NotCallable {
                ty: reg.message_name(ty),
            }
        };
        stack::raise(l, message)
    }
}

pub(super) unsafe fn cdata_concat(l: State) -> c_int {
    // SAFETY: called by Luau as a metamethod of this module.
    unsafe {
        let st = ModuleState::of_call(l);
        if let Some(n) = binary_metamethod(l, st, c"__concat") {
            return n;
        }
        // A string beside an enum must name one of its constants, as in arithmetic
        // (LuaJIT checks the operands the same way before refusing to concatenate).
        let message = match operands(l, st) {
            Err(message) => message,
            Ok(_) => {
                let reg = st.registry.borrow();
                let tag = st.cdata_tag.get();
                Error::BadConcat {
                    left: convert::lua_type_name(l, tag, &reg, 1),
                    right: convert::lua_type_name(l, tag, &reg, 2),
                }
            }
        };
        stack::raise_here(l, message)
    }
}

/// `for i, v in cd do`: the metatype's `__iter`, else the elements of a fixed-size
/// array as (index from 0, value).
pub(super) unsafe fn cdata_iter(l: State) -> c_int {
    // SAFETY: called by Luau as a metamethod of this module.
    unsafe {
        let st = ModuleState::of_call(l);
        if push_metamethod(l, st, 1, c"__iter") {
            lua::lua_pushvalue(l, 1);
            return stack::tail_call(1, 3);
        }
        let Some(h) = object::to_cdata(l, st.cdata_tag.get(), 1) else {
            return 0;
        };
        let fixed = matches!(
            convert::shape(&st.registry.borrow(), h.ty),
            Shape::Array { len: Some(_), .. }
        );
        if !fixed {
            return raise_for(l, st, |ty| Error::CannotIterate { ty });
        }
        stack::push_closure(l, entries::c::array_next, st.as_upvalue());
        lua::lua_pushvalue(l, 1);
        lua::lua_pushnumber(l, -1.0);
        3
    }
}

/// The iterator of [`cdata_iter`]: `(array, i)` → `i + 1, array[i + 1]`, or nothing.
pub(super) unsafe fn array_next(l: State) -> c_int {
    // SAFETY: called by the generic for with the array and the last index.
    unsafe {
        let st = ModuleState::of_call(l);
        let Some(h) = object::to_cdata(l, st.cdata_tag.get(), 1) else {
            return 0;
        };
        let (ty, data, bytes) = (h.ty, h.data, h.reachable_bytes());
        let next = lua::lua_tonumberx(l, 2, std::ptr::null_mut()) as i64 + 1;
        let len = match convert::shape(&st.registry.borrow(), ty) {
            Shape::Array { len: Some(n), .. } => n as i64,
            _ => 0,
        };
        if next >= len {
            return 0;
        }
        let located = element(st, ty, data, bytes, next);
        let (access, address) = stack::raise_err!(l, located);
        lua::lua_pushnumber(l, next as f64);
        stack::or_return!(push_element(l, st, access, address, 1, h));
        2
    }
}

// ----- creation -----------------------------------------------------------------------

/// Runs queued finalizers: every API entry is a safe point.
///
/// # Safety
/// `l` is live at the entry of an API function.
#[inline]
pub unsafe fn safe_point(l: State, st: &ModuleState) {
    if st.finalizers.has_unrefs() {
        // SAFETY: an API entry is outside the collector.
        unsafe { st.finalizers.release_anchors(l) };
    }
    if st.finalizers.has_pending() {
        // SAFETY: caller contract.
        unsafe { drain(l, st) };
    }
}

/// The finalizer interrupt's drain ([`finalizer::DrainHook`]); `st` is the address of
/// the state's leaked `ModuleState`.
///
/// # Safety
/// `l` live at a VM safe point; `st` as set at load.
pub unsafe fn drain_hook(l: State, st: usize) {
    // SAFETY: caller contract: the ModuleState is leaked, never freed.
    unsafe { drain(l, &*(st as *const ModuleState)) };
}

/// Runs the queued finalizers as if at the top level: an FFI call a finalizer makes
/// raises its callbacks' errors inside the finalizer (reported, never propagated), and
/// an error kept by a callback of the C call around the drain waits for that call.
///
/// # Safety
/// `l` live at a safe point.
#[cold]
unsafe fn drain(l: State, st: &ModuleState) {
    let depth = st.calls.depth.replace(0);
    let stashed = st.calls.callbacks.stash_pending_error();
    // SAFETY: caller contract.
    unsafe {
        finalizer::run_pending(l, &st.finalizers, |ty| {
            st.registry
                .try_borrow()
                .ok()
                .and_then(|r| r.align_of(ty))
                .unwrap_or(16)
        })
    };
    if let Some(leftover) = st.calls.callbacks.stash_pending_error() {
        finalizer::report(&leftover);
    }
    st.calls.callbacks.restore_pending_error(stashed);
    st.calls.depth.set(depth);
}

/// Replaces the global `collectgarbage` with one that, after the collector's work, runs
/// the Luau finalizers it queued, as LuaJIT runs them within the cycle: after
/// `x = nil; collectgarbage()` the next statement sees the finalizer done. Left alone
/// when the global table is read-only (a sandboxed host) or has no such function; the
/// finalizers then wait for the next safe point.
///
/// # Safety
/// `l` live with 3 free slots.
pub unsafe fn wrap_collectgarbage(l: State, st: &'static ModuleState) {
    // SAFETY: caller contract; pushes at most 3 values and leaves the stack as it was.
    unsafe {
        if lua::lua_getreadonly(l, lua::LUA_GLOBALSINDEX) != 0 {
            return;
        }
        lua::lua_getfield(l, lua::LUA_GLOBALSINDEX, c"collectgarbage".as_ptr());
        if lua::lua_type(l, -1) != lua::LUA_TFUNCTION {
            lua::lua_settop(l, -2);
            return;
        }
        lua::lua_pushlightuserdata(l, st.as_upvalue());
        lua::lua_insert(l, -2);
        lua::lua_pushcclosurek(
            l,
            entries::c::collectgarbage_then_finalize,
            c"collectgarbage".as_ptr(),
            2,
            None,
        );
        lua::lua_setfield(l, lua::LUA_GLOBALSINDEX, c"collectgarbage".as_ptr());
    }
}

/// The `collectgarbage` of [`wrap_collectgarbage`]: the original (upvalue 2) with every
/// argument and result, then the queued finalizers.
pub(super) unsafe fn collectgarbage_then_finalize(l: State) -> c_int {
    // SAFETY: called by Luau with upvalue 1 the module state and upvalue 2 the original
    // function; errors of the original propagate with nothing owned live.
    unsafe {
        let st = ModuleState::of_call(l);
        let nargs = lua::lua_gettop(l);
        lua::lua_pushvalue(l, lua::lua_upvalueindex(2));
        lua::lua_insert(l, 1);
        stack::or_return!(stack::call(l, nargs, lua::LUA_MULTRET));
        safe_point(l, st);
        lua::lua_gettop(l)
    }
}

/// What `ffi.new` needs to know about the type before allocating.
struct NewPlan {
    size: u64,
    /// Element count of a variable-length type.
    nelem: Option<u64>,
    align: u32,
    /// First stack index of the initializers.
    first_init: c_int,
    metatype: Option<CTypeId>,
}

#[cold]
fn size_error(function: &str) -> Error {
    bad_argument(1, function, Error::SizeUnknown)
}

/// `ffi.new(ct [, nelem] [, init...])` with the type already read from argument 1.
///
/// # Safety
/// `l` is live inside an API function; the caller holds nothing with a destructor.
pub unsafe fn new_cdata(l: State, st: &ModuleState, id: CTypeId, function: &str) -> c_int {
    // SAFETY: caller contract; the plan is computed under a registry borrow that is
    // dropped before any allocation; the error paths drop owned values first.
    unsafe {
        let only_type = lua::lua_gettop(l) == 1;
        if only_type {
            if let Some(plan) = st.hot.new_plan(id) {
                return new_zeroed(l, st, id, plan);
            }
        }
        let plan = (|| -> Result<NewPlan, Error> {
            let reg = st.registry.borrow();
            let (size, nelem, first_init) = if reg.is_variable_length(id) {
                let nelem = convert::element_count(l, st.cdata_tag.get(), &reg, 2, function)?;
                let size = reg
                    .size_of_vla(id, nelem)
                    .filter(|&s| s <= crate::ctype::MAX_TYPE_SIZE);
                (size, Some(nelem), 3)
            } else {
                (reg.size_of(id), None, 2)
            };
            let size = size
                .filter(|&s| s <= crate::ctype::MAX_TYPE_SIZE)
                .ok_or_else(|| size_error(function))?;
            Ok(NewPlan {
                size,
                nelem,
                align: reg.align_of(id).unwrap_or(1),
                first_init,
                metatype: metatype_key(st, &reg, id),
            })
        })();
        let plan = stack::raise_err!(l, plan);
        // Luau's own limit on a userdata, refused here rather than raised by Luau.
        if plan.size as usize > object::MAX_BLOCK {
            return stack::raise(l, Error::BlockTooBig);
        }
        if object::allocation_refused(plan.size as usize + 64) {
            return stack::raise(l, Error::NotEnoughMemory);
        }
        let top = lua::lua_gettop(l);
        if only_type && plan.nelem.is_none() {
            let plan = hot::NewPlan {
                size: plan.size,
                align: plan.align,
                metatype: plan.metatype,
            };
            st.hot.put_new_plan(id, plan);
            return new_zeroed(l, st, id, plan);
        }
        let h = object::push_new(l, st.cdata_tag.get(), id, plan.size as usize, plan.align);
        let data = (*h).data;
        let result = init::init_from_values(
            l,
            st.cdata_tag.get(),
            &st.registry.borrow(),
            id,
            data,
            plan.size,
            plan.nelem,
            plan.first_init,
            top,
        );
        stack::raise_err!(l, result);
        if let Some(key) = plan.metatype {
            if push_metatype_field(l, st, key, c"__gc") {
                attach_finalizer(l, st, -2, -1);
                lua::lua_settop(l, -2);
            }
        }
        1
    }
}

/// `ffi.new(ct)` without initializers by a checked plan: a zero-filled object, with the
/// metatype's `__gc` as its finalizer when there is one.
///
/// # Safety
/// As [`new_cdata`]; `plan` passed its size checks for `id`.
#[inline]
unsafe fn new_zeroed(l: State, st: &ModuleState, id: CTypeId, plan: hot::NewPlan) -> c_int {
    // SAFETY: caller contract; push_new zero-fills the object.
    unsafe {
        if object::allocation_refused(plan.size as usize + 64) {
            return stack::raise(l, Error::NotEnoughMemory);
        }
        object::push_new(l, st.cdata_tag.get(), id, plan.size as usize, plan.align);
        if let Some(key) = plan.metatype {
            if push_metatype_field(l, st, key, c"__gc") {
                attach_finalizer(l, st, -2, -1);
                lua::lua_settop(l, -2);
            }
        }
        1
    }
}

/// `new(ct)` with no initializer of a type whose cached `new` plan has no metatype: the
/// zero-filled object pushed (`Some(1)`, or a raise); `None` for anything else.
///
/// # Safety
/// As [`new_cdata`].
#[inline(always)]
pub unsafe fn new_plain(l: State, st: &ModuleState, id: CTypeId) -> Option<c_int> {
    let plan = st.hot.new_plan(id)?;
    // SAFETY: caller contract.
    unsafe {
        (plan.metatype.is_none() && lua::lua_gettop(l) == 1).then(|| new_zeroed(l, st, id, plan))
    }
}

/// Sets the function at `fin` as the finalizer of the cdata at `cd` (replacing any).
///
/// # Safety
/// `l` live with 3 free slots; both indices valid; `cd` holds a cdata.
pub unsafe fn attach_finalizer(l: State, st: &ModuleState, cd: c_int, fin: c_int) {
    // SAFETY: caller contract.
    unsafe {
        let (cd, fin) = (lua::lua_absindex(l, cd), lua::lua_absindex(l, fin));
        let Some(h) = object::to_cdata(l, st.cdata_tag.get(), cd) else {
            return;
        };
        if h.finalizer & finalizer::C_FINALIZER != 0 {
            let old = std::mem::take(&mut h.finalizer);
            st.finalizers.take_c(old);
            lua::lua_pushnil(l);
            set_finalizer_slot(l, st, old, -1);
            lua::lua_settop(l, -2);
        }
        if h.finalizer == 0 {
            h.finalizer = st.finalizers.new_slot();
        }
        let slot = h.finalizer;
        lua::lua_rawgeti(
            l,
            lua::LUA_REGISTRYINDEX,
            st.finalizers.table_ref.get() as _,
        );
        lua::lua_pushvalue(l, fin);
        lua::lua_rawseti(l, -2, slot as _);
        lua::lua_settop(l, -2);
    }
}

/// Sets the C function cdata at `fin` as the finalizer of the cdata at `cd`: a function
/// (or function pointer) of one pointer or integer parameter, called from the
/// destructor with the value the cdata holds.
///
/// # Safety
/// As [`attach_finalizer`].
pub unsafe fn attach_c_finalizer(
    l: State,
    st: &ModuleState,
    cd: c_int,
    fin: c_int,
) -> Result<(), Error> {
    // SAFETY: caller contract; only our blocks are read; no Luau call is made.
    unsafe {
        let tag = st.cdata_tag.get();
        let (Some(h), Some(f)) = (object::to_cdata(l, tag, cd), object::to_cdata(l, tag, fin))
        else {
            return Err(bad_finalizer("cdata"));
        };
        let c_finalizer = {
            let reg = st.registry.borrow();
            let (function, fn_type) = match reg.get(f.ty).kind {
                CTypeKind::Function { .. } => (f.data as usize, f.ty),
                CTypeKind::Pointer { target }
                    if matches!(reg.get(target).kind, CTypeKind::Function { .. }) =>
                {
                    (memory::read_address(f.data), target)
                }
                _ => return Err(bad_finalizer(reg.message_name(f.ty))),
            };
            let one_word_parameter = match &reg.get(fn_type).kind {
                CTypeKind::Function {
                    params,
                    variadic: false,
                    ..
                } if params.len() == 1 => {
                    matches!(
                        convert::shape(&reg, params[0]),
                        Shape::Pointer { .. } | Shape::Int { .. } | Shape::Bool
                    )
                }
                _ => false,
            };
            if !one_word_parameter {
                return Err(bad_argument(
                    2,
                    "gc",
                    Error::CFinalizerType {
                        ty: reg.message_name(fn_type),
                    },
                ));
            }
            if function == 0 {
                return Err(bad_argument(2, "gc", Error::NullFunction));
            }
            let argument = match convert::shape(&reg, h.ty) {
                Shape::Pointer { .. } => finalizer::CArgument::PointerValue,
                Shape::Int { size, signed } => finalizer::CArgument::Integer { size, signed },
                Shape::Bool => finalizer::CArgument::Integer {
                    size: 1,
                    signed: false,
                },
                _ => finalizer::CArgument::Address,
            };
            finalizer::CFinalizer { function, argument }
        };
        if st
            .calls
            .callback_codes
            .borrow()
            .contains_key(&c_finalizer.function)
        {
            return Err(Error::LuauCallbackFinalizer);
        }
        detach_finalizer(l, st, cd);
        if let Some(h) = object::to_cdata(l, tag, cd) {
            let keep = super::namespace::library_kept_by(l, st, fin)
                .map(|library| Box::new(library) as Box<dyn std::any::Any>);
            let slot = st.finalizers.add_c(c_finalizer, keep);
            h.finalizer = slot;
            // The function cdata stays reachable until the finalizer ran: it keeps the
            // library it was resolved from loaded (namespace.rs, keepalive table).
            set_finalizer_slot(l, st, slot, fin);
        }
        Ok(())
    }
}

#[cold]
fn bad_finalizer(got: impl Into<Cow<'static, str>>) -> Error {
    bad_argument(
        2,
        "gc",
        Error::Expected {
            what: "function",
            got: got.into(),
        },
    )
}

/// Removes the finalizer of the cdata at `cd`.
///
/// # Safety
/// As [`attach_finalizer`].
pub unsafe fn detach_finalizer(l: State, st: &ModuleState, cd: c_int) {
    // SAFETY: caller contract.
    unsafe {
        let cd = lua::lua_absindex(l, cd);
        let Some(h) = object::to_cdata(l, st.cdata_tag.get(), cd) else {
            return;
        };
        let slot = std::mem::take(&mut h.finalizer);
        if slot & finalizer::C_FINALIZER != 0 {
            st.finalizers.take_c(slot);
        }
        if slot != 0 {
            lua::lua_pushnil(l);
            set_finalizer_slot(l, st, slot, -1);
            lua::lua_settop(l, -2);
        }
    }
}

/// `finalizers[slot] = <value at idx>`.
///
/// # Safety
/// `l` live with 2 free slots; `idx` valid.
unsafe fn set_finalizer_slot(l: State, st: &ModuleState, slot: u32, idx: c_int) {
    // SAFETY: caller contract; the table exists from load.
    unsafe {
        let idx = lua::lua_absindex(l, idx);
        lua::lua_rawgeti(
            l,
            lua::LUA_REGISTRYINDEX,
            st.finalizers.table_ref.get() as _,
        );
        lua::lua_pushvalue(l, idx);
        lua::lua_rawseti(l, -2, finalizer::slot_key(slot));
        lua::lua_settop(l, -2);
    }
}

/// Pushes a new cdata of type `id` converted from the value at `idx` with `ctx` rules
/// (`ffi.cast`). Scalars and pointers only.
///
/// # Safety
/// As [`new_cdata`].
/// The address held by the cdata at `idx` when it is a pointer and `target` (the shape
/// of the type cast to) a pointer: a cast between them keeps the address.
///
/// # Safety
/// `l` live, `idx` valid.
unsafe fn pointer_to_pointer(
    l: State,
    st: &ModuleState,
    target: Shape,
    idx: c_int,
) -> Option<usize> {
    if !matches!(target, Shape::Pointer { .. }) {
        return None;
    }
    // SAFETY: caller contract; a pointer cdata's object holds an address.
    unsafe {
        let h = object::to_cdata(l, st.cdata_tag.get(), idx)?;
        let source = convert::shape(&st.registry.borrow(), h.ty);
        matches!(source, Shape::Pointer { .. }).then(|| memory::read_address(h.data))
    }
}

pub unsafe fn cast_cdata(l: State, st: &ModuleState, id: CTypeId, idx: c_int) -> c_int {
    // SAFETY: as new_cdata.
    unsafe {
        let plan = {
            let reg = st.registry.borrow();
            match (convert::shape(&reg, id), reg.size_of(id)) {
                (
                    shape @ (Shape::Bool
                    | Shape::Int { .. }
                    | Shape::Float { .. }
                    | Shape::Pointer { .. }),
                    Some(size),
                ) => Ok((size, reg.align_of(id).unwrap_or(1), shape)),
                // `long double` is a number type LuaJIT casts to; converting a value to it
                // then fails with "cannot convert", as in LuaJIT.
                (Shape::Other, Some(size))
                    if matches!(reg.get(id).kind, CTypeKind::Float { .. }) =>
                {
                    Ok((size, reg.align_of(id).unwrap_or(1), Shape::Other))
                }
                _ => Err(bad_argument(1, "cast", Error::InvalidType)),
            }
        };
        let (size, align, shape) = stack::raise_err!(l, plan);
        // An absent value is an error (lua_absindex must not see an index past the top).
        if lua::lua_gettop(l) < idx {
            return stack::raise(l, bad_argument(2, "cast", Error::ValueExpected));
        }
        let idx = lua::lua_absindex(l, idx);
        // The commonest cast, one pointer to another (`ffi.cast("const int *", p)` in a
        // callback): the address as it is, without the conversion machinery.
        if let Some(address) = pointer_to_pointer(l, st, shape, idx) {
            let h = object::push_new(l, st.cdata_tag.get(), id, size as usize, align);
            memory::write_address((*h).data, address);
            return 1;
        }
        let h = object::push_new(l, st.cdata_tag.get(), id, size as usize, align);
        let data = (*h).data;
        let result = c_from_lua(
            l,
            st.cdata_tag.get(),
            &st.registry.borrow(),
            id,
            data,
            size,
            idx,
            Context::Cast,
        );
        stack::raise_err!(l, result);
        1
    }
}
