//! Initializers of new cdata (LuaJIT ext_ffi_semantics "Initializers" and "Table
//! initializers"): the values after `ffi.new`'s type fill a zeroed object.
//! Only reads the stack (no allocation), so the registry may stay borrowed.

use super::convert::{self, bitfield_from_lua, c_from_lua, shape, Access, Context, Shape};
use super::object;
use crate::ctype::{CTypeId, Registry, TagKind};
use crate::error::Error;
use mlua::ffi::{self as lua, lua_State};
use std::ffi::c_int;

/// One member as initializers see it: transparent anonymous members flattened, unnamed
/// bitfields left out, and the trailing VLA of a VLS sized by the element count given to
/// `ffi.new` (left out when that is unknown).
struct Member {
    name: Option<String>,
    access: Access,
    offset: u64,
}

/// The members of `ty` in declaration order. `positional`: as a list of initializers
/// sees them, where a transparent union contributes only its first member. `nelem`: the
/// element count of a VLS's trailing VLA (as LuaJIT, the VLA then takes an initializer
/// like any array member, bounded by `nelem`); `None` leaves the VLA out.
fn members(
    reg: &Registry,
    ty: CTypeId,
    base: u64,
    out: &mut Vec<Member>,
    positional: bool,
    nelem: Option<u64>,
) {
    let Some(def) = reg.record(ty) else { return };
    let last = def.fields.len().saturating_sub(1);
    for (i, field) in def.fields.iter().enumerate() {
        if def.is_vls && i == last {
            let Some(name) = &field.name else { continue };
            let (Some(n), Some(es)) =
                (nelem, reg.element_of(field.ty).and_then(|e| reg.size_of(e)))
            else {
                continue;
            };
            let mut access = Access::of(reg, field.ty);
            // The caller allocated the VLA for `n` elements, within MAX_TYPE_SIZE.
            access.size = u32::try_from(n.saturating_mul(es)).unwrap_or(u32::MAX);
            out.push(Member {
                name: Some(name.clone()),
                access,
                offset: base + field.offset,
            });
            continue;
        }
        match (&field.name, field.bit) {
            (None, None) => {
                let before = out.len();
                members(reg, field.ty, base + field.offset, out, positional, None);
                if positional && is_union(reg, field.ty) {
                    out.truncate(before + 1);
                }
            }
            (None, Some(_)) => {}
            (Some(name), bit) => {
                let mut access = Access::of(reg, field.ty);
                if let Some((position, width)) = bit {
                    access.bit = Some((access.size as u8, position, width));
                }
                out.push(Member {
                    name: Some(name.clone()),
                    access,
                    offset: base + field.offset,
                });
            }
        }
    }
}

#[cold]
fn too_many(reg: &Registry, ty: CTypeId) -> Error {
    Error::TooManyInitializers {
        ty: reg.message_name(ty),
    }
}

fn is_union(reg: &Registry, ty: CTypeId) -> bool {
    reg.record(ty).is_some_and(|def| def.kind == TagKind::Union)
}

/// Number of elements of an array object of `size` bytes.
fn element_count(reg: &Registry, elem: CTypeId, len: Option<u64>, size: u64) -> u64 {
    len.unwrap_or_else(|| match reg.size_of(elem) {
        Some(0) | None => 0,
        Some(es) => size / es,
    })
}

/// Stores one member from the value at `idx`.
///
/// # Safety
/// `dst` is the start of the aggregate; the member lies within it.
unsafe fn init_member(
    l: *mut lua_State,
    tag: c_int,
    reg: &Registry,
    m: &Member,
    dst: *mut u8,
    idx: c_int,
) -> Result<(), Error> {
    // SAFETY: caller contract.
    unsafe {
        let at = dst.add(m.offset as usize);
        if m.access.bit.is_some() {
            bitfield_from_lua(l, tag, reg, m.access, at, idx)
        } else {
            c_from_lua(
                l,
                tag,
                reg,
                m.access.ty,
                at,
                m.access.size as u64,
                idx,
                Context::Init,
            )
        }
    }
}

/// Fills elements `from..count` with a copy of element 0 (a single initializer is
/// repeated for the whole array).
///
/// # Safety
/// `dst` holds `count` elements of `elem_size` bytes.
unsafe fn repeat_first(dst: *mut u8, elem_size: u64, from: u64, count: u64) {
    for i in from..count {
        // SAFETY: caller contract; element i does not overlap element 0.
        unsafe {
            std::ptr::copy_nonoverlapping(
                dst,
                dst.add((i * elem_size) as usize),
                elem_size as usize,
            )
        };
    }
}

/// Most tables nested inside one table initializer. Each level recurses through
/// [`table_init`] and [`c_from_lua`] on the C stack, and types nest as deep as a chain
/// of typedefs makes them, so the depth is bounded here rather than by a stack overflow.
const MAX_INITIALIZER_DEPTH: u32 = 1000;

thread_local! {
    static INITIALIZER_DEPTH: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// One level of table initializer nesting, counted while it lives.
struct NestingGuard;

impl NestingGuard {
    fn enter() -> Option<NestingGuard> {
        INITIALIZER_DEPTH.with(|d| {
            let depth = d.get();
            if depth >= MAX_INITIALIZER_DEPTH {
                return None;
            }
            d.set(depth + 1);
            Some(NestingGuard)
        })
    }
}

impl Drop for NestingGuard {
    fn drop(&mut self) {
        INITIALIZER_DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// Initializes the zeroed object of `ty` (of `size` bytes) at `dst` from the values at
/// stack positions `first..=last` (none when `last < first`). `nelem`: the element count
/// of a variable-length `ty` (its VLA part holds that many elements).
///
/// # Safety
/// `l` is live, the positions valid, `dst` valid for `size` bytes.
#[allow(clippy::too_many_arguments)]
pub unsafe fn init_from_values(
    l: *mut lua_State,
    tag: c_int,
    reg: &Registry,
    ty: CTypeId,
    dst: *mut u8,
    size: u64,
    nelem: Option<u64>,
    first: c_int,
    last: c_int,
) -> Result<(), Error> {
    let count = (last - first + 1).max(0) as u64;
    if count == 0 {
        return Ok(());
    }
    // SAFETY: caller contract; every store stays within the object.
    unsafe {
        let single_table =
            count == 1 && matches!(lua::lua_type(l, first), lua::LUA_TTABLE | lua::LUA_TVECTOR);
        let single_same_type = count == 1
            && object::to_cdata(l, tag, first)
                .is_some_and(|h| convert::same_unqualified(reg, h.ty, ty));
        match shape(reg, ty) {
            Shape::Array { elem, len } => {
                // A single string converts the whole array (a char array takes its
                // bytes; any other array fails as LuaJIT's does).
                if count == 1
                    && convert::is_vector(reg, ty)
                    && lua::lua_type(l, first) == lua::LUA_TBOOLEAN
                {
                    // LuaJIT has no bool → vector conversion.
                    return Err(Error::CannotConvert {
                        from: "bool".into(),
                        to: reg.message_name(ty),
                    });
                }
                let single_vector = count == 1
                    && convert::is_vector(reg, ty)
                    && object::to_cdata(l, tag, first)
                        .is_some_and(|h| convert::is_vector(reg, h.ty));
                if single_table
                    || single_same_type
                    || single_vector
                    || (count == 1 && lua::lua_type(l, first) == lua::LUA_TSTRING)
                {
                    return c_from_lua(l, tag, reg, ty, dst, size, first, Context::Init);
                }
                let elem_size = reg.size_of(elem).unwrap_or(0);
                let n = element_count(reg, elem, len, size);
                if count > n {
                    return Err(too_many(reg, ty));
                }
                for i in 0..count {
                    c_from_lua(
                        l,
                        tag,
                        reg,
                        elem,
                        dst.add((i * elem_size) as usize),
                        elem_size,
                        first + i as c_int,
                        Context::Init,
                    )?;
                }
                if count == 1 {
                    repeat_first(dst, elem_size, 1, n);
                }
                Ok(())
            }
            Shape::Record => {
                if count == 1 && lua::lua_type(l, first) == lua::LUA_TTABLE {
                    // The object is already zeroed; the table may fill a VLS's VLA.
                    return table_init(l, tag, reg, ty, dst, size, nelem, first);
                }
                if single_table || single_same_type {
                    // A vector (three floats) or an object of the same type.
                    return c_from_lua(l, tag, reg, ty, dst, size, first, Context::Init);
                }
                let mut list = Vec::new();
                members(reg, ty, 0, &mut list, true, nelem);
                let limit = if is_union(reg, ty) {
                    list.len().min(1)
                } else {
                    list.len()
                };
                // As LuaJIT: the members take their values in order before any
                // excess is reported.
                for (i, m) in list
                    .iter()
                    .take(count.min(limit as u64) as usize)
                    .enumerate()
                {
                    init_member(l, tag, reg, m, dst, first + i as c_int)?;
                }
                if count as usize > limit {
                    return Err(too_many(reg, ty));
                }
                Ok(())
            }
            Shape::Other if count == 2 && convert::complex_part(reg, ty).is_some() => {
                // A complex number from its real and imaginary parts, each converted as
                // a value of the part type (LuaJIT `cconv_array_init`).
                let part = convert::complex_part(reg, ty).expect("checked");
                let part_ty = if part == 4 {
                    CTypeId::FLOAT
                } else {
                    CTypeId::DOUBLE
                };
                for i in 0..2usize {
                    c_from_lua(
                        l,
                        tag,
                        reg,
                        part_ty,
                        dst.add(i * part as usize),
                        part as u64,
                        first + i as c_int,
                        Context::Init,
                    )?;
                }
                Ok(())
            }
            _ if count > 1 => Err(too_many(reg, ty)),
            _ => c_from_lua(l, tag, reg, ty, dst, size, first, Context::Init),
        }
    }
}

/// Initializes an array or struct/union from the table at `idx` (LuaJIT "Table
/// initializers"): positional from `[0]` or `[1]` up to the first nil, or, for a
/// struct without either, by field name. `nelem` as for [`init_from_values`].
///
/// # Safety
/// As [`init_from_values`]; `idx` holds a table.
#[allow(clippy::too_many_arguments)]
pub unsafe fn table_init(
    l: *mut lua_State,
    tag: c_int,
    reg: &Registry,
    ty: CTypeId,
    dst: *mut u8,
    size: u64,
    nelem: Option<u64>,
    idx: c_int,
) -> Result<(), Error> {
    let Some(_depth) = NestingGuard::enter() else {
        return Err(Error::InitializerTooDeep);
    };
    // SAFETY: caller contract; each rawgeti push is popped before the next; lua_next
    // iteration keeps key and value on the stack as it requires.
    unsafe {
        if lua::lua_checkstack(l, 3) == 0 {
            return Err(Error::InitializerStackOverflow);
        }
        let t = lua::lua_absindex(l, idx);
        lua::lua_rawgeti(l, t, 0);
        let zero_based = lua::lua_type(l, -1) != lua::LUA_TNIL;
        lua::lua_settop(l, -2);
        let base: c_int = if zero_based { 0 } else { 1 };
        match shape(reg, ty) {
            Shape::Array { elem, len } => {
                let elem_size = reg.size_of(elem).unwrap_or(0);
                let n = element_count(reg, elem, len, size);
                let mut i: u64 = 0;
                loop {
                    lua::lua_rawgeti(l, t, (base as i64) + i as i64);
                    if lua::lua_type(l, -1) == lua::LUA_TNIL {
                        lua::lua_settop(l, -2);
                        break;
                    }
                    if i >= n {
                        lua::lua_settop(l, -2);
                        return Err(too_many(reg, ty));
                    }
                    let r = c_from_lua(
                        l,
                        tag,
                        reg,
                        elem,
                        dst.add((i * elem_size) as usize),
                        elem_size,
                        -1,
                        Context::Init,
                    );
                    lua::lua_settop(l, -2);
                    r?;
                    i += 1;
                }
                if i == 1 && len.is_some() {
                    repeat_first(dst, elem_size, 1, n);
                }
                Ok(())
            }
            Shape::Record => {
                let union = is_union(reg, ty);
                lua::lua_rawgeti(l, t, 1);
                let one_based = lua::lua_type(l, -1) != lua::LUA_TNIL;
                lua::lua_settop(l, -2);
                let mut list = Vec::new();
                members(reg, ty, 0, &mut list, zero_based || one_based, nelem);
                if zero_based || one_based {
                    // Table entries beyond the members are ignored, as LuaJIT does.
                    let limit = if union { list.len().min(1) } else { list.len() };
                    let mut i = 0usize;
                    loop {
                        lua::lua_rawgeti(l, t, (base as i64) + i as i64);
                        if lua::lua_type(l, -1) == lua::LUA_TNIL || i >= limit {
                            lua::lua_settop(l, -2);
                            return Ok(());
                        }
                        let r = init_member(l, tag, reg, &list[i], dst, -1);
                        lua::lua_settop(l, -2);
                        r?;
                        i += 1;
                    }
                }
                // By name. A union takes only its first member (in declaration order)
                // that the table names.
                let find = |key: &[u8]| {
                    list.iter()
                        .position(|m| m.name.as_deref().map(str::as_bytes) == Some(key))
                };
                let mut chosen: Option<usize> = None;
                if union {
                    lua::lua_pushnil(l);
                    while lua::lua_next(l, t) != 0 {
                        if let Some(pos) = string_key(l).and_then(find) {
                            chosen = Some(chosen.map_or(pos, |c| c.min(pos)));
                        }
                        lua::lua_settop(l, -2);
                    }
                    if chosen.is_none() {
                        return Ok(());
                    }
                }
                lua::lua_pushnil(l);
                while lua::lua_next(l, t) != 0 {
                    if let Some(pos) = string_key(l).and_then(find) {
                        if chosen.is_none_or(|c| c == pos) {
                            if let Err(e) = init_member(l, tag, reg, &list[pos], dst, -1) {
                                lua::lua_settop(l, -3);
                                return Err(e);
                            }
                        }
                    }
                    lua::lua_settop(l, -2);
                }
                Ok(())
            }
            _ => Err(Error::CannotConvert {
                from: "table".into(),
                to: reg.message_name(ty),
            }),
        }
    }
}

/// The string key below the value on top of the stack, during `lua_next`.
///
/// # Safety
/// `l` is live with a key at -2.
unsafe fn string_key<'a>(l: *mut lua_State) -> Option<&'a [u8]> {
    // SAFETY: the key is only read when it is a string (no conversion that would confuse
    // lua_next); it stays on the stack while the slice is used.
    unsafe {
        if lua::lua_type(l, -2) != lua::LUA_TSTRING {
            return None;
        }
        let mut len = 0usize;
        let p = lua::lua_tolstring(l, -2, &mut len);
        Some(std::slice::from_raw_parts(p.cast::<u8>(), len))
    }
}
