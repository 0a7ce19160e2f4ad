//! Conversions between Luau values and C objects, named as LuaJIT names them
//! (destination from source): [`c_from_lua`], [`lua_from_c`], [`c_from_c`],
//! [`bitfield_from_lua`]. Rules follow LuaJIT 2.1 ext_ffi_semantics "Conversion rules".
//! A [`Context`] travels with each conversion for the error message.

use super::init;
use super::memory;
use super::object::{self, Header};
use crate::ctype::{ArrayLen, CTypeId, CTypeKind, Registry};
use crate::error::Error;
use mlua::ffi::{self as lua, lua_State};
use std::ffi::c_int;

/// Where a conversion happens: decides what is allowed (casts allow pointer↔integer)
/// and how an error is worded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// `ffi.cast`: C's explicit conversions.
    Cast,
    /// `ffi.new` initializers and stores into fields and elements.
    Init,
    /// Argument `n` of a C call.
    Arg(u32),
    /// A C function's return value.
    Return,
}

impl Context {
    /// Wraps a conversion error for this context: an argument's names its number (the
    /// caller names the function, [`Error::in_function`]).
    pub fn describe(self, error: Error) -> Error {
        match self {
            Context::Arg(n) => Error::BadArgument {
                index: n,
                function: None,
                inner: Box::new(error),
            },
            _ => error,
        }
    }
}

/// How a C type is stored, as far as conversions care. Enums are their integer type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Void,
    Bool,
    Int {
        size: u8,
        signed: bool,
    },
    Float {
        size: u8,
    },
    Pointer {
        target: CTypeId,
    },
    Array {
        elem: CTypeId,
        len: Option<u64>,
    },
    Record,
    /// Complex, vector, function, `long double`: no conversion from Luau values.
    Other,
}

impl Shape {
    /// A scalar Luau reads as a number or boolean (not 64-bit).
    pub fn is_number_like(self) -> bool {
        matches!(self, Shape::Bool | Shape::Float { .. } | Shape::Int { .. })
    }
}

/// The shape of `id`.
pub fn shape(reg: &Registry, id: CTypeId) -> Shape {
    match &reg.get(id).kind {
        CTypeKind::Void => Shape::Void,
        CTypeKind::Bool => Shape::Bool,
        CTypeKind::Int { size, signed, .. } if *size <= 8 => Shape::Int {
            size: *size,
            signed: *signed,
        },
        CTypeKind::Float { size } if matches!(size, 4 | 8) => Shape::Float { size: *size },
        CTypeKind::Pointer { target } => Shape::Pointer { target: *target },
        CTypeKind::Array { elem, len } => Shape::Array {
            elem: *elem,
            len: match len {
                ArrayLen::Fixed(n) => Some(*n),
                _ => None,
            },
        },
        // A vector is an array of its elements (initializers, indexing, iteration);
        // `is_vector` tells it apart where LuaJIT does (no decay, no pointer arithmetic,
        // read-only elements, a number splats).
        CTypeKind::Vector { elem, size } => Shape::Array {
            elem: *elem,
            len: reg
                .size_of(*elem)
                .filter(|&e| e > 0)
                .map(|e| *size as u64 / e),
        },
        CTypeKind::Record(_) => Shape::Record,
        CTypeKind::Enum(_) => match reg.enumeration(id) {
            Some(def) => shape(reg, def.underlying),
            None => Shape::Other,
        },
        _ => Shape::Other,
    }
}

/// A scalar value in transit between representations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    Int { value: i64, unsigned: bool },
    Float(f64),
}

impl Scalar {
    pub fn as_f64(self) -> f64 {
        match self {
            Scalar::Int {
                value,
                unsigned: true,
            } => value as u64 as f64,
            Scalar::Int { value, .. } => value as f64,
            Scalar::Float(f) => f,
        }
    }

    /// The 64-bit integer C would produce converting this value to `int64_t`.
    pub fn as_i64(self) -> i64 {
        match self {
            Scalar::Int { value, .. } => value,
            Scalar::Float(f) => f64_to_i64(f),
        }
    }

    /// The value as `uint64_t` bits.
    pub fn as_u64(self) -> u64 {
        match self {
            Scalar::Int { value, .. } => value as u64,
            Scalar::Float(f) => f64_to_u64(f),
        }
    }
}

/// 2^63 and 2^64 as doubles.
const TWO_POW_63: f64 = (1u64 << 63) as f64;
const TWO_POW_64: f64 = TWO_POW_63 * 2.0;

/// `(int64_t)d` as x86-64 computes it: out of range and NaN give `INT64_MIN`.
pub fn f64_to_i64(d: f64) -> i64 {
    if (-TWO_POW_63..TWO_POW_63).contains(&d) {
        d as i64
    } else {
        i64::MIN
    }
}

/// `(uint64_t)d` as LuaJIT computes it on x86-64: values from 2^63 up wrap through
/// 2^64, values at or below -1 (and NaN) give 2^63, the rest truncate.
pub fn f64_to_u64(d: f64) -> u64 {
    if d >= TWO_POW_63 {
        f64_to_i64(d - TWO_POW_64) as u64
    } else if d <= -1.0 || d.is_nan() {
        1 << 63
    } else {
        f64_to_i64(d) as u64
    }
}

/// `(int32_t)d` as x86-64 computes it: out of range and NaN give `INT32_MIN`.
#[inline(always)]
pub fn f64_to_i32(d: f64) -> i32 {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_cvttsd_si32, _mm_set_sd};
        // SAFETY: SSE2 is part of the x86-64 baseline; cvttsd2si is this very conversion.
        unsafe { _mm_cvttsd_si32(_mm_set_sd(d)) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    if d > -2_147_483_649.0 && d < 2_147_483_648.0 {
        d as i32
    } else {
        i32::MIN
    }
}

/// The bits of `(T)d` for a C integer type T of `size` bytes, as LuaJIT computes it on
/// x86-64: through int32 for smaller and signed 32-bit types, through int64 for
/// `uint32_t` and `int64_t`, and `f64_to_u64` for `uint64_t`. The caller truncates.
#[inline(always)]
pub fn f64_to_c_integer(d: f64, size: u8, signed: bool) -> i64 {
    if size < 4 || (size == 4 && signed) {
        f64_to_i32(d) as i64
    } else if size == 8 && !signed {
        f64_to_u64(d) as i64
    } else {
        f64_to_i64(d)
    }
}

/// Stores `value` into a number-like C object of `shape` at `dst`, with C's wrapping
/// conversions (never saturation): through int32 for smaller and signed 32-bit types,
/// through int64 for `uint32_t` and 64-bit types.
///
/// # Safety
/// `dst` is valid for writing the type's size.
#[inline]
pub unsafe fn write_scalar(dst: *mut u8, shape: Shape, value: Scalar) {
    // SAFETY: caller contract.
    unsafe {
        match shape {
            Shape::Bool => dst.write(match value {
                Scalar::Int { value, .. } => (value != 0) as u8,
                Scalar::Float(f) => (f != 0.0) as u8,
            }),
            Shape::Int { size, signed } => {
                let bits = match value {
                    Scalar::Int { value, .. } => value,
                    Scalar::Float(f) => f64_to_c_integer(f, size, signed),
                };
                memory::write_int(dst, size, bits);
            }
            Shape::Float { size } => memory::write_float(dst, size, value.as_f64()),
            Shape::Pointer { .. } => memory::write_address(dst, value.as_u64() as usize),
            _ => {}
        }
    }
}

/// Reads a number-like or pointer C object as a scalar (a pointer as its address).
///
/// # Safety
/// `src` is valid for reading the type's size.
pub unsafe fn read_scalar(src: *const u8, shape: Shape) -> Option<Scalar> {
    // SAFETY: caller contract.
    unsafe {
        Some(match shape {
            Shape::Bool => Scalar::Int {
                value: (src.read() != 0) as i64,
                unsigned: false,
            },
            Shape::Int { size, signed } => Scalar::Int {
                value: memory::read_int(src, size, signed),
                unsigned: !signed && size == 8,
            },
            Shape::Float { size } => Scalar::Float(memory::read_float(src, size)),
            Shape::Pointer { .. } => Scalar::Int {
                value: memory::read_address(src) as i64,
                unsigned: true,
            },
            _ => return None,
        })
    }
}

/// How to read or write one field or element, resolved once and cached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access {
    pub ty: CTypeId,
    pub shape: Shape,
    /// Size of the object in bytes (0 when unknown).
    pub size: u32,
    /// `(unit size, bit position, width)` for a bitfield.
    pub bit: Option<(u8, u32, u32)>,
    pub is_const: bool,
}

impl Access {
    /// The access plan for an object of type `ty`.
    pub fn of(reg: &Registry, ty: CTypeId) -> Access {
        Access {
            ty,
            shape: shape(reg, ty),
            size: reg.size_of(ty).unwrap_or(0) as u32,
            bit: None,
            is_const: reg.get(ty).quals.is_const,
        }
    }
}

/// The integer type a 64-bit value of `shape` is boxed as.
pub fn int64_type(signed: bool) -> CTypeId {
    if signed {
        CTypeId::INT64
    } else {
        CTypeId::UINT64
    }
}

/// Pushes the Luau value of the C object at `src` (LuaJIT "C type → Lua object"):
/// numbers and booleans for small scalars, a boxed `int64_t`/`uint64_t` for 64-bit
/// integers, a pointer cdata for pointers (`nil` for a NULL pointer: every NULL that
/// comes out of C memory, a field, an element, an extern variable or a callback
/// argument, is `nil`), a reference cdata for aggregates.
/// Allocates for the cdata cases. Uses 1 slot.
///
/// # Safety
/// `l` is live with a free slot; `src` is valid for the access; no Rust value with a
/// destructor is held by the caller across this call (allocation may raise).
#[inline]
pub unsafe fn lua_from_c(l: *mut lua_State, tag: c_int, access: Access, src: *mut u8) {
    // SAFETY: caller contract.
    unsafe {
        if let Some((unit, position, width)) = access.bit {
            let signed = matches!(access.shape, Shape::Int { signed: true, .. });
            let v = memory::read_bitfield(src, unit, position, width, signed);
            if access.shape == Shape::Bool {
                lua::lua_pushboolean(l, (v != 0) as c_int);
            } else {
                lua::lua_pushnumber(l, v as f64);
            }
            return;
        }
        match access.shape {
            Shape::Bool => lua::lua_pushboolean(l, (src.read() != 0) as c_int),
            Shape::Int { size: 8, signed } => {
                let v = memory::read_int(src, 8, signed);
                let header = object::push_new(l, tag, int64_type(signed), 8, 8);
                memory::write_int((*header).data, 8, v);
            }
            Shape::Int { size, signed } => {
                lua::lua_pushnumber(l, memory::read_int(src, size, signed) as f64)
            }
            Shape::Float { size } => lua::lua_pushnumber(l, memory::read_float(src, size)),
            Shape::Pointer { .. } => {
                let address = memory::read_address(src);
                if address == 0 {
                    // A NULL read out of C memory is nil (README "Differences").
                    lua::lua_pushnil(l);
                    return;
                }
                let header = object::push_new(l, tag, access.ty, size_of::<usize>(), 8);
                memory::write_address((*header).data, address);
            }
            _ => {
                object::push_ref(l, tag, access.ty, src, access.size);
            }
        }
    }
}

/// LuaJIT's name for a Luau value's type in conversion messages.
///
/// # Safety
/// `l` is live and `idx` valid.
pub unsafe fn lua_type_name(l: *mut lua_State, tag: c_int, reg: &Registry, idx: c_int) -> String {
    // SAFETY: caller contract; only inspects the stack.
    unsafe {
        if let Some(h) = object::to_cdata(l, tag, idx) {
            return conversion_name(reg, h.ty);
        }
        match lua::lua_type(l, idx) {
            lua::LUA_TBOOLEAN => "bool".to_string(),
            t => std::ffi::CStr::from_ptr(lua::lua_typename(l, t))
                .to_string_lossy()
                .into_owned(),
        }
    }
}

#[cold]
fn cannot_convert(from: impl Into<String>, reg: &Registry, to: CTypeId, ctx: Context) -> Error {
    ctx.describe(Error::CannotConvert {
        from: from.into(),
        to: reg.message_name(to),
    })
}

/// A type's name in a failed C-to-C conversion or arithmetic: an enum is named by its
/// integer type, as LuaJIT resolves an enum to it before converting or computing
/// (`cannot convert 'unsigned int' to 'void *'` for an enum cdata).
pub fn conversion_name(reg: &Registry, ty: CTypeId) -> String {
    match reg.enumeration(ty) {
        Some(def) => reg.message_name(def.underlying),
        None => reg.message_name(ty),
    }
}

/// Whether `target` (a pointer's target) is a character type or void, and const: the
/// pointers a Luau string converts to implicitly (`const char *`, `const void *`).
fn accepts_string(reg: &Registry, target: CTypeId) -> bool {
    let t = reg.get(target);
    t.quals.is_const && matches!(t.kind, CTypeKind::Void | CTypeKind::Int { size: 1, .. })
}

/// Whether two types are the same once top-level qualifiers are ignored.
pub fn same_unqualified(reg: &Registry, a: CTypeId, b: CTypeId) -> bool {
    a == b || reg.get(a).kind == reg.get(b).kind
}

/// Converts the Luau value at `idx` to C type `ty`, writing it to `dst`
/// (LuaJIT `lj_cconv_ct_tv`). Only inspects the stack: nothing here allocates.
///
/// # Safety
/// `l` is live, `idx` valid, `dst` valid for writing the type's size (`size` bytes for
/// a VLA/VLS).
#[allow(clippy::too_many_arguments)] // LuaJIT's lj_cconv_ct_tv takes as many
pub unsafe fn c_from_lua(
    l: *mut lua_State,
    tag: c_int,
    reg: &Registry,
    ty: CTypeId,
    dst: *mut u8,
    size: u64,
    idx: c_int,
    ctx: Context,
) -> Result<(), Error> {
    let sh = shape(reg, ty);
    // SAFETY: caller contract; every call inspects the stack or writes `dst` within
    // the type's size.
    unsafe {
        match lua::lua_type(l, idx) {
            lua::LUA_TNUMBER if sh.is_number_like() => {
                write_scalar(
                    dst,
                    sh,
                    Scalar::Float(lua::lua_tonumberx(l, idx, std::ptr::null_mut())),
                );
                Ok(())
            }
            lua::LUA_TNUMBER if ctx == Context::Cast && matches!(sh, Shape::Pointer { .. }) => {
                let n = lua::lua_tonumberx(l, idx, std::ptr::null_mut());
                write_scalar(
                    dst,
                    sh,
                    Scalar::Int {
                        value: f64_to_i64(n),
                        unsigned: false,
                    },
                );
                Ok(())
            }
            // Luau's 64-bit integers (behind a flag today) are exact C integers.
            lua::LUA_TINTEGER
                if sh.is_number_like()
                    || matches!(sh, Shape::Pointer { .. }) && ctx == Context::Cast =>
            {
                let value = lua::lua_tointeger64(l, idx, std::ptr::null_mut());
                write_scalar(
                    dst,
                    sh,
                    Scalar::Int {
                        value,
                        unsigned: false,
                    },
                );
                Ok(())
            }
            lua::LUA_TNUMBER | lua::LUA_TINTEGER | lua::LUA_TUSERDATA
                if is_vector(reg, ty)
                    && count_value(l, tag, reg, idx).is_some()
                    && object::to_cdata(l, tag, idx)
                        .is_none_or(|h| !same_unqualified(reg, h.ty, ty)) =>
            {
                vector_splat(l, tag, reg, ty, dst, idx)
            }
            // A number is the real part of a complex (LuaJIT `CCX(C, F)`).
            lua::LUA_TNUMBER | lua::LUA_TINTEGER if complex_part(reg, ty).is_some() => {
                let part = complex_part(reg, ty).expect("checked");
                let re = if lua::lua_type(l, idx) == lua::LUA_TINTEGER {
                    lua::lua_tointeger64(l, idx, std::ptr::null_mut()) as f64
                } else {
                    lua::lua_tonumberx(l, idx, std::ptr::null_mut())
                };
                write_complex(dst, part, re, 0.0);
                Ok(())
            }
            lua::LUA_TTABLE if ctx != Context::Cast && complex_part(reg, ty).is_some() => {
                let part = complex_part(reg, ty).expect("checked");
                complex_from_table(l, tag, reg, ty, part, dst, idx)
            }
            lua::LUA_TBOOLEAN if sh.is_number_like() => {
                let b = lua::lua_toboolean(l, idx) != 0;
                write_scalar(
                    dst,
                    sh,
                    Scalar::Int {
                        value: b as i64,
                        unsigned: false,
                    },
                );
                Ok(())
            }
            lua::LUA_TNIL | lua::LUA_TNONE if matches!(sh, Shape::Pointer { .. }) => {
                memory::write_address(dst, 0);
                Ok(())
            }
            // nil is a NULL `void *` there, which a cast turns into an integer but not
            // into a bool or a floating-point number (LuaJIT `CCX(I, P)`).
            lua::LUA_TNIL | lua::LUA_TNONE
                if ctx == Context::Cast && matches!(sh, Shape::Int { .. }) =>
            {
                write_scalar(
                    dst,
                    sh,
                    Scalar::Int {
                        value: 0,
                        unsigned: false,
                    },
                );
                Ok(())
            }
            lua::LUA_TSTRING => {
                let mut len = 0usize;
                let bytes = lua::lua_tolstring(l, idx, &mut len).cast::<u8>();
                match sh {
                    Shape::Pointer { target }
                        if ctx == Context::Cast || accepts_string(reg, target) =>
                    {
                        memory::write_address(dst, bytes as usize);
                        Ok(())
                    }
                    // An enum takes a constant's name, in a cast too (LuaJIT checks the
                    // enum before passing the string as a pointer).
                    Shape::Int { .. } if reg.enumeration(ty).is_some() => {
                        let name = std::slice::from_raw_parts(bytes, len);
                        let def = reg.enumeration(ty).expect("checked");
                        match def.constants.iter().find(|(n, _)| n.as_bytes() == name) {
                            Some((_, v)) => {
                                write_scalar(
                                    dst,
                                    sh,
                                    Scalar::Int {
                                        value: *v,
                                        unsigned: false,
                                    },
                                );
                                Ok(())
                            }
                            None => Err(cannot_convert("string", reg, ty, ctx)),
                        }
                    }
                    Shape::Int { .. } if ctx == Context::Cast => {
                        write_scalar(
                            dst,
                            sh,
                            Scalar::Int {
                                value: bytes as i64,
                                unsigned: true,
                            },
                        );
                        Ok(())
                    }
                    Shape::Array {
                        elem,
                        len: array_len,
                    } if ctx != Context::Cast
                        && matches!(reg.get(elem).kind, CTypeKind::Int { size: 1, .. }) =>
                    {
                        // A string initializes a char array: its bytes, then a NUL if
                        // there is room (LuaJIT "Initializers").
                        let room = array_len.unwrap_or(size) as usize;
                        let n = len.min(room);
                        std::ptr::copy_nonoverlapping(bytes, dst, n);
                        if n < room {
                            dst.add(n).write(0);
                        }
                        Ok(())
                    }
                    _ => Err(cannot_convert("string", reg, ty, ctx)),
                }
            }
            lua::LUA_TLIGHTUSERDATA => {
                let address = lua::lua_tolightuserdata(l, idx) as usize;
                match sh {
                    Shape::Pointer { .. } => {
                        memory::write_address(dst, address);
                        Ok(())
                    }
                    Shape::Int { .. } if ctx == Context::Cast => {
                        write_scalar(
                            dst,
                            sh,
                            Scalar::Int {
                                value: address as i64,
                                unsigned: true,
                            },
                        );
                        Ok(())
                    }
                    _ => Err(cannot_convert("userdata", reg, ty, ctx)),
                }
            }
            lua::LUA_TBUFFER => {
                let mut len = 0usize;
                let address = lua::lua_tobuffer(l, idx, &mut len) as usize;
                match sh {
                    Shape::Pointer { .. } => {
                        memory::write_address(dst, address);
                        Ok(())
                    }
                    _ => Err(cannot_convert("buffer", reg, ty, ctx)),
                }
            }
            lua::LUA_TVECTOR if ctx != Context::Cast && is_three_floats(reg, ty, sh) => {
                let v = lua::lua_tovector(l, idx);
                std::ptr::copy_nonoverlapping(v.cast::<u8>(), dst, 12);
                Ok(())
            }
            lua::LUA_TUSERDATA => match object::to_cdata(l, tag, idx) {
                Some(src) => c_from_c(reg, ty, dst, src, ctx),
                // Any other userdata is the address of its block, as `void *` (LuaJIT
                // "userdata → void *"); a cast takes it for any pointer.
                None => match sh {
                    Shape::Pointer { target }
                        if ctx == Context::Cast
                            || matches!(reg.get(target).kind, CTypeKind::Void) =>
                    {
                        memory::write_address(dst, lua::lua_touserdata(l, idx) as usize);
                        Ok(())
                    }
                    _ => Err(cannot_convert("userdata", reg, ty, ctx)),
                },
            },
            lua::LUA_TFUNCTION
                if matches!(sh, Shape::Pointer { .. })
                    && crate::call::function_type_of(reg, ty).is_some() =>
            {
                // A Luau function where a function pointer is expected: a callback.
                let code =
                    crate::luau::callback_glue::pointer_from_function(l, tag, reg, ty, idx, ctx)?;
                memory::write_address(dst, code);
                Ok(())
            }
            lua::LUA_TTABLE
                if ctx != Context::Cast && matches!(sh, Shape::Array { .. } | Shape::Record) =>
            {
                // A table initializes the whole aggregate: what it leaves out is zero.
                let whole = reg.size_of(ty).unwrap_or(size);
                std::ptr::write_bytes(dst, 0, whole as usize);
                init::table_init(l, tag, reg, ty, dst, whole, None, idx)
            }
            // nil goes on as a NULL `void *` to the C-to-C conversion, which names an
            // enum by its integer type (LuaJIT `lj_cconv_ct_ct`).
            lua::LUA_TNIL | lua::LUA_TNONE => Err(ctx.describe(Error::CannotConvert {
                from: "nil".into(),
                to: conversion_name(reg, ty),
            })),
            _ => Err(cannot_convert(
                lua_type_name(l, tag, reg, idx),
                reg,
                ty,
                ctx,
            )),
        }
    }
}

/// Whether `ty` is a vector type (`int __attribute__((vector_size(16)))`).
pub fn is_vector(reg: &Registry, ty: CTypeId) -> bool {
    matches!(reg.get(ty).kind, CTypeKind::Vector { .. })
}

/// Converts the scalar at `idx` into every element of the vector `ty` at `dst` (LuaJIT
/// `CCX(V, I)`/`CCX(V, F)`: convert to the first element, then splat).
///
/// # Safety
/// As [`c_from_lua`]; `dst` is valid for the vector's size.
unsafe fn vector_splat(
    l: *mut lua_State,
    tag: c_int,
    reg: &Registry,
    ty: CTypeId,
    dst: *mut u8,
    idx: c_int,
) -> Result<(), Error> {
    let Shape::Array { elem, len: Some(n) } = shape(reg, ty) else {
        return Err(cannot_convert("number", reg, ty, Context::Init));
    };
    let elem_size = reg.size_of(elem).unwrap_or(0) as usize;
    // SAFETY: caller contract; element i of n lies within the vector.
    unsafe {
        c_from_lua(l, tag, reg, elem, dst, elem_size as u64, idx, Context::Init)?;
        for i in 1..n as usize {
            std::ptr::copy_nonoverlapping(dst, dst.add(i * elem_size), elem_size);
        }
    }
    Ok(())
}

/// The part size (4 or 8) of a `complex float` or `complex double` type (enums and
/// qualifiers aside); `None` for anything else, `long double` complex included.
pub fn complex_part(reg: &Registry, ty: CTypeId) -> Option<u8> {
    match reg.get(ty).kind {
        CTypeKind::Complex { size } if size == 8 || size == 16 => Some(size / 2),
        _ => None,
    }
}

/// Writes a complex number of part size `part` at `dst`.
///
/// # Safety
/// `dst` is valid for writing `2 * part` bytes.
unsafe fn write_complex(dst: *mut u8, part: u8, re: f64, im: f64) {
    // SAFETY: caller contract.
    unsafe {
        memory::write_float(dst, part, re);
        memory::write_float(dst.add(part as usize), part, im);
    }
}

/// Initializes a complex number from the table at `idx` as LuaJIT does (a complex is an
/// array of two parts): positional from `[0]` or `[1]` up to the first nil, a single part
/// repeated, more than two an error.
///
/// # Safety
/// As [`c_from_lua`]; `idx` holds a table; `dst` is valid for the complex type.
unsafe fn complex_from_table(
    l: *mut lua_State,
    tag: c_int,
    reg: &Registry,
    ty: CTypeId,
    part: u8,
    dst: *mut u8,
    idx: c_int,
) -> Result<(), Error> {
    let part_ty = if part == 4 {
        CTypeId::FLOAT
    } else {
        CTypeId::DOUBLE
    };
    // SAFETY: caller contract; each rawgeti push is popped before the next.
    unsafe {
        if lua::lua_checkstack(l, 2) == 0 {
            return Err(Error::InitializerStackOverflow);
        }
        let t = lua::lua_absindex(l, idx);
        let mut parts = [0.0f64; 2];
        let mut n = 0usize;
        for i in 0..=3i64 {
            lua::lua_rawgeti(l, t, i);
            if lua::lua_type(l, -1) == lua::LUA_TNIL {
                lua::lua_settop(l, -2);
                if i == 0 {
                    continue;
                }
                break;
            }
            if n == 2 {
                lua::lua_settop(l, -2);
                return Err(Error::TooManyInitializers {
                    ty: reg.message_name(ty),
                });
            }
            let mut scratch = [0u8; 8];
            let r = c_from_lua(
                l,
                tag,
                reg,
                part_ty,
                scratch.as_mut_ptr(),
                part as u64,
                -1,
                Context::Init,
            );
            lua::lua_settop(l, -2);
            r?;
            parts[n] = memory::read_float(scratch.as_ptr(), part);
            n += 1;
        }
        if n == 1 {
            parts[1] = parts[0];
        }
        write_complex(dst, part, parts[0], parts[1]);
    }
    Ok(())
}

/// The element count at `idx` for a VLA/VLS (`ffi.new`, `ffi.sizeof`): a number, or an
/// integer or floating-point cdata as LuaJIT converts it; `None` for anything else.
///
/// # Safety
/// `l` live, `idx` valid.
pub unsafe fn count_value(
    l: *mut lua_State,
    tag: c_int,
    reg: &Registry,
    idx: c_int,
) -> Option<f64> {
    // SAFETY: caller contract; the stack is only inspected.
    unsafe {
        match lua::lua_type(l, idx) {
            lua::LUA_TNUMBER => Some(lua::lua_tonumberx(l, idx, std::ptr::null_mut())),
            lua::LUA_TINTEGER => Some(lua::lua_tointeger64(l, idx, std::ptr::null_mut()) as f64),
            _ => {
                let h = object::to_cdata(l, tag, idx)?;
                match shape(reg, h.ty) {
                    sh @ (Shape::Int { .. } | Shape::Float { .. }) => {
                        read_scalar(h.data, sh).map(Scalar::as_f64)
                    }
                    _ => None,
                }
            }
        }
    }
}

/// The value at `idx` converted to `int` as LuaJIT's `ffi_checkint` converts an
/// argument (a store's conversion: a float truncates, `true` is 1, a 64-bit cdata keeps
/// its low 32 bits; nil is `cannot convert 'nil' to 'int'`). Errors name argument `idx`
/// of `function`.
///
/// # Safety
/// `l` live, `idx` valid or past the top.
pub unsafe fn int_arg(
    l: *mut lua_State,
    tag: c_int,
    reg: &Registry,
    idx: c_int,
    function: &str,
) -> Result<i32, Error> {
    // SAFETY: caller contract; the conversion writes a local `int`.
    unsafe {
        if lua::lua_type(l, idx) == lua::LUA_TNONE {
            return Err(Error::bad_argument(idx, function, Error::ValueExpected));
        }
        let mut n = 0i32;
        c_from_lua(
            l,
            tag,
            reg,
            CTypeId::INT,
            (&mut n as *mut i32).cast::<u8>(),
            4,
            idx,
            Context::Init,
        )
        .map_err(|e| Error::bad_argument(idx, function, e))?;
        Ok(n)
    }
}

/// The element count of a VLA/VLS at `idx` (`ffi.new`, `ffi.sizeof`), as LuaJIT reads
/// it: [`int_arg`] taken as an unsigned size, so a negative count gives a size too
/// large for any object.
///
/// # Safety
/// As [`int_arg`].
pub unsafe fn element_count(
    l: *mut lua_State,
    tag: c_int,
    reg: &Registry,
    idx: c_int,
    function: &str,
) -> Result<u64, Error> {
    // SAFETY: caller contract.
    unsafe { int_arg(l, tag, reg, idx, function).map(|n| n as u32 as u64) }
}

/// `float[3]` or a struct of exactly three floats: what a Luau vector converts to.
fn is_three_floats(reg: &Registry, ty: CTypeId, sh: Shape) -> bool {
    let is_float = |id: CTypeId| matches!(reg.get(id).kind, CTypeKind::Float { size: 4 });
    match sh {
        Shape::Array { elem, len: Some(3) } => is_float(elem),
        Shape::Record => reg.record(ty).is_some_and(|def| {
            def.size == 12
                && def.fields.len() == 3
                && def.fields.iter().all(|f| f.bit.is_none() && is_float(f.ty))
        }),
        _ => false,
    }
}

/// The target of a pointer-like type: a pointer's target or an array's element.
fn pointee(sh: Shape) -> Option<CTypeId> {
    match sh {
        Shape::Pointer { target } => Some(target),
        Shape::Array { elem, .. } => Some(elem),
        _ => None,
    }
}

/// LuaJIT's implicit pointer conversion check: the same target (qualifiers may only be
/// added, `const` and `volatile` alike, also towards `void *`), integers of the same
/// size whatever their signedness, or void on either side.
fn pointer_compatible(reg: &Registry, to: CTypeId, from: CTypeId) -> bool {
    let (t, f) = (reg.get(to), reg.get(from));
    if f.quals.is_const && !t.quals.is_const || f.quals.is_volatile && !t.quals.is_volatile {
        return false;
    }
    match (&t.kind, &f.kind) {
        (CTypeKind::Void, _) | (_, CTypeKind::Void) => true,
        (CTypeKind::Int { size: a, .. }, CTypeKind::Int { size: b, .. }) => a == b,
        (a, b) => a == b,
    }
}

/// Converts the C object of cdata `src` to type `ty` at `dst` (LuaJIT `lj_cconv_ct_ct`).
///
/// # Safety
/// `dst` is valid for writing `ty`'s size; `src.data` is valid for its type.
pub unsafe fn c_from_c(
    reg: &Registry,
    ty: CTypeId,
    dst: *mut u8,
    src: &Header,
    ctx: Context,
) -> Result<(), Error> {
    let to = shape(reg, ty);
    let from = shape(reg, src.ty);
    let fail = || {
        // A function cdata converts as the pointer to it; LuaJIT names it so.
        let from = if matches!(reg.get(src.ty).kind, CTypeKind::Function { .. }) {
            reg.message_name_pointer(src.ty)
        } else {
            conversion_name(reg, src.ty)
        };
        Err(ctx.describe(Error::CannotConvert {
            from,
            to: conversion_name(reg, ty),
        }))
    };
    // SAFETY: caller contract; reads stay within src's object, writes within dst's.
    unsafe {
        match (to, from) {
            (
                Shape::Bool | Shape::Int { .. } | Shape::Float { .. },
                Shape::Bool | Shape::Int { .. } | Shape::Float { .. },
            ) => {
                let value = read_scalar(src.data, from).expect("number-like");
                write_scalar(dst, to, value);
                Ok(())
            }
            (Shape::Int { .. }, Shape::Pointer { .. }) if ctx == Context::Cast => {
                write_scalar(dst, to, read_scalar(src.data, from).expect("pointer"));
                Ok(())
            }
            // An array's or a function's address (`ffi.cast("intptr_t", ffi.C.f)`).
            (Shape::Int { .. }, Shape::Array { .. } | Shape::Other)
                if ctx == Context::Cast
                    && match from {
                        Shape::Array { .. } => !is_vector(reg, src.ty),
                        _ => matches!(reg.get(src.ty).kind, CTypeKind::Function { .. }),
                    } =>
            {
                write_scalar(
                    dst,
                    to,
                    Scalar::Int {
                        value: src.data as i64,
                        unsigned: true,
                    },
                );
                Ok(())
            }
            (Shape::Pointer { .. }, Shape::Int { .. }) if ctx == Context::Cast => {
                write_scalar(dst, to, read_scalar(src.data, from).expect("integer"));
                Ok(())
            }
            (Shape::Pointer { target }, Shape::Pointer { .. } | Shape::Array { .. })
                if !is_vector(reg, src.ty) =>
            {
                let from_target = pointee(from).expect("pointer-like");
                if ctx != Context::Cast && !pointer_compatible(reg, target, from_target) {
                    return fail();
                }
                let address = if let Shape::Pointer { .. } = from {
                    memory::read_address(src.data)
                } else {
                    src.data as usize
                };
                memory::write_address(dst, address);
                Ok(())
            }
            (Shape::Pointer { target }, Shape::Record | Shape::Other) => {
                // An aggregate passed where a pointer to it is expected: its address.
                if ctx != Context::Cast && !pointer_compatible(reg, target, src.ty) {
                    return fail();
                }
                memory::write_address(dst, src.data as usize);
                Ok(())
            }
            // Vectors of the same size copy, whatever their element types (LuaJIT
            // `CCX(V, V)`).
            (Shape::Array { .. }, Shape::Array { .. })
                if is_vector(reg, ty)
                    && is_vector(reg, src.ty)
                    && reg.size_of(ty) == reg.size_of(src.ty) =>
            {
                let size = reg.size_of(ty).unwrap_or(0) as usize;
                std::ptr::copy(src.data, dst, size.min(src.size as usize));
                Ok(())
            }
            // Complex numbers (LuaJIT `CCX(_, C)`, `CCX(C, _)`): a number takes the real
            // part (a bool does not convert, as in LuaJIT), a complex gets a zero
            // imaginary part from a number, complex types convert part by part.
            (Shape::Int { .. } | Shape::Float { .. }, Shape::Other)
                if complex_part(reg, src.ty).is_some() =>
            {
                let part = complex_part(reg, src.ty).expect("checked");
                let re = memory::read_float(src.data, part);
                write_scalar(dst, to, Scalar::Float(re));
                Ok(())
            }
            (Shape::Other, Shape::Int { .. } | Shape::Float { .. })
                if complex_part(reg, ty).is_some() =>
            {
                let part = complex_part(reg, ty).expect("checked");
                let re = read_scalar(src.data, from).expect("number").as_f64();
                write_complex(dst, part, re, 0.0);
                Ok(())
            }
            (Shape::Other, Shape::Other)
                if complex_part(reg, ty).is_some() && complex_part(reg, src.ty).is_some() =>
            {
                let (to_part, from_part) = (
                    complex_part(reg, ty).expect("checked"),
                    complex_part(reg, src.ty).expect("checked"),
                );
                let re = memory::read_float(src.data, from_part);
                let im = memory::read_float(src.data.add(from_part as usize), from_part);
                write_complex(dst, to_part, re, im);
                Ok(())
            }
            (Shape::Array { .. } | Shape::Record | Shape::Other, _)
                if ctx != Context::Cast && same_unqualified(reg, ty, src.ty) =>
            {
                // A VLA or VLS has no fixed size to copy: as in LuaJIT, it does not
                // convert (the objects may hold different element counts).
                let Some(size) = reg.size_of(ty) else {
                    return fail();
                };
                std::ptr::copy(src.data, dst, size.min(src.size as u64) as usize);
                Ok(())
            }
            _ => fail(),
        }
    }
}

/// Converts the Luau value at `idx` for a bitfield and stores its low bits
/// (LuaJIT `lj_cconv_bf_tv`): truncation, as C.
///
/// # Safety
/// As [`c_from_lua`]; `dst` is the bitfield's storage unit.
pub unsafe fn bitfield_from_lua(
    l: *mut lua_State,
    tag: c_int,
    reg: &Registry,
    access: Access,
    dst: *mut u8,
    idx: c_int,
) -> Result<(), Error> {
    let (unit, position, width) = access.bit.expect("a bitfield");
    let mut value = [0u8; 8];
    // SAFETY: the scratch holds any integer; caller contract for the rest.
    unsafe {
        c_from_lua(
            l,
            tag,
            reg,
            access.ty,
            value.as_mut_ptr(),
            8,
            idx,
            Context::Init,
        )?;
        let bits = match access.shape {
            Shape::Int { size, signed } => memory::read_int(value.as_ptr(), size, signed),
            _ => value[0] as i64,
        };
        memory::write_bitfield(dst, unit, position, width, bits);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::f64_to_i32;
    use proptest::prelude::*;

    /// What `(int32_t)d` gives on x86-64, written without the instruction: the definition
    /// `f64_to_i32` must agree with on every target.
    fn int32_of(d: f64) -> i32 {
        if d > -2_147_483_649.0 && d < 2_147_483_648.0 {
            d as i32
        } else {
            i32::MIN
        }
    }

    #[test]
    fn f64_to_i32_at_the_edges() {
        let edges = [
            0.0,
            -0.0,
            0.5,
            -0.5,
            -1.0,
            2_147_483_647.0,
            2_147_483_647.9,
            2_147_483_648.0,
            -2_147_483_648.0,
            -2_147_483_648.9,
            -2_147_483_649.0,
            4_294_967_301.0,
            1e300,
            -1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
        ];
        for d in edges {
            assert_eq!(f64_to_i32(d), int32_of(d), "(int32_t){d}");
        }
    }

    proptest! {
        #[test]
        fn f64_to_i32_of_any_bits(bits in any::<u64>()) {
            let d = f64::from_bits(bits);
            prop_assert_eq!(f64_to_i32(d), int32_of(d));
        }

        #[test]
        fn f64_to_i32_near_the_range(d in -5e9f64..5e9) {
            prop_assert_eq!(f64_to_i32(d), int32_of(d));
        }
    }
}
