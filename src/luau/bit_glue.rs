//! `ffi.bit`: LuaJIT 2.1's BitOp library (`require("bit")` there). Numbers (and numeric
//! strings) are normalised to signed 32-bit integers and give numbers; as soon as an
//! argument is a cdata, the operation is done on 64 bits and gives an `int64_t` cdata
//! (`uint64_t` if an argument is a `uint64_t`). The arithmetic is `cdata::bit`.

use super::args::bad_argument;
use super::entries;
use super::stack::{self, State};
use super::state::ModuleState;
use crate::cdata::bit::{self, Fold, Shift};
use crate::cdata::convert::{self, Context, Shape};
use crate::cdata::object;
use crate::ctype::CTypeId;
use crate::error::Error;
use mlua::ffi as lua;
use std::ffi::{c_int, c_void, CStr};

/// Pushes the `ffi.bit` table (read-only). Uses 3 slots.
///
/// # Safety
/// `l` live with 3 free slots; `up` the module state's upvalue.
pub unsafe fn push_table(l: State, up: *mut c_void) {
    let functions: [(&CStr, stack::CFunction); 12] = [
        (c"tobit", entries::c::bit_tobit),
        (c"tohex", entries::c::bit_tohex),
        (c"bnot", entries::c::bit_bnot),
        (c"band", entries::c::bit_band),
        (c"bor", entries::c::bit_bor),
        (c"bxor", entries::c::bit_bxor),
        (c"lshift", entries::c::bit_lshift),
        (c"rshift", entries::c::bit_rshift),
        (c"arshift", entries::c::bit_arshift),
        (c"rol", entries::c::bit_rol),
        (c"ror", entries::c::bit_ror),
        (c"bswap", entries::c::bit_bswap),
    ];
    // SAFETY: caller contract; one table, filled raw.
    unsafe {
        lua::lua_createtable(l, 0, functions.len() as c_int);
        let t = lua::lua_absindex(l, -1);
        for (name, f) in functions {
            stack::set_function(l, t, name, f, up);
        }
        lua::lua_setreadonly(l, t, 1);
    }
}

/// An argument as BitOp reads it: a number (a numeric string converted), or a cdata,
/// which makes the operation 64-bit.
#[derive(Clone, Copy)]
enum Operand {
    Number(f64),
    Cdata,
}

/// Reads argument `idx` of `function`. A cdata sets `wide` to `uint64_t` if it is one,
/// else to `int64_t` unless already set, and must convert to that type.
///
/// # Safety
/// `l` live inside a `ffi.bit` function; only inspects the stack.
unsafe fn operand(
    l: State,
    st: &ModuleState,
    idx: c_int,
    function: &str,
    wide: &mut Option<CTypeId>,
) -> Result<Operand, Error> {
    // SAFETY: caller contract.
    unsafe {
        let t = lua::lua_type(l, idx);
        if t == lua::LUA_TNUMBER || t == lua::LUA_TSTRING {
            let mut is_number = 0;
            let n = lua::lua_tonumberx(l, idx, &mut is_number);
            if is_number != 0 {
                return Ok(Operand::Number(n));
            }
        }
        let Some(h) = object::to_cdata(l, st.cdata_tag.get(), idx) else {
            let got = stack::type_name(l, idx).to_string();
            return Err(bad_argument(idx, function, Error::NumberExpected { got }));
        };
        let unsigned = matches!(
            convert::shape(&st.registry.borrow(), h.ty),
            Shape::Int {
                size: 8,
                signed: false
            }
        );
        if unsigned {
            *wide = Some(CTypeId::UINT64);
        }
        let ty = *wide.get_or_insert(CTypeId::INT64);
        wide_value(l, st, idx, function, Operand::Cdata, ty)?;
        Ok(Operand::Cdata)
    }
}

/// The bits of argument `idx` (read before as `operand`) converted to `ty`, `int64_t` or
/// `uint64_t`, as C converts it.
///
/// # Safety
/// As [`operand`].
unsafe fn wide_value(
    l: State,
    st: &ModuleState,
    idx: c_int,
    function: &str,
    operand: Operand,
    ty: CTypeId,
) -> Result<u64, Error> {
    if let Operand::Number(n) = operand {
        return Ok(convert::f64_to_c_integer(n, 8, ty == CTypeId::INT64) as u64);
    }
    let mut bits = 0u64;
    // SAFETY: caller contract: the argument is a cdata; the conversion writes 8 bytes
    // into `bits`.
    unsafe {
        let h = object::to_cdata(l, st.cdata_tag.get(), idx).expect("read as a cdata");
        let reg = st.registry.borrow();
        convert::c_from_c(&reg, ty, (&mut bits as *mut u64).cast(), h, Context::Init)
            .map_err(|message| bad_argument(idx, function, message))?;
    }
    Ok(bits)
}

/// The 32-bit value of an operand (a 64-bit cdata's low half).
///
/// # Safety
/// As [`operand`].
unsafe fn narrow_value(
    l: State,
    st: &ModuleState,
    idx: c_int,
    function: &str,
    operand: Operand,
    wide: Option<CTypeId>,
) -> Result<i32, Error> {
    match operand {
        Operand::Number(n) => Ok(bit::tobit(n)),
        // SAFETY: caller contract.
        Operand::Cdata => unsafe {
            let ty = wide.unwrap_or(CTypeId::INT64);
            wide_value(l, st, idx, function, operand, ty).map(|v| v as i32)
        },
    }
}

/// Pushes a 64-bit result cdata of type `ty`.
///
/// # Safety
/// `l` live with a free slot; nothing owned is live (allocation may raise).
unsafe fn push_wide(l: State, st: &ModuleState, ty: CTypeId, value: u64) -> c_int {
    // SAFETY: caller contract; a new 8-byte cdata.
    unsafe {
        let h = object::push_new(l, st.cdata_tag.get(), ty, 8, 8);
        (*h).data.cast::<u64>().write(value);
    }
    1
}

/// A one-argument function: `op32` on numbers, `op64` on a 64-bit cdata (`None` for
/// `tobit`, whose result is always the low 32 bits as a number).
///
/// # Safety
/// `l` live inside a `ffi.bit` function.
unsafe fn unary(
    l: State,
    function: &str,
    op32: fn(i32) -> i32,
    op64: Option<fn(u64) -> u64>,
) -> c_int {
    // SAFETY: caller contract; the result is pushed after every owned value is gone.
    unsafe {
        if lua::lua_type(l, 1) == lua::LUA_TNUMBER {
            let n = lua::lua_tonumberx(l, 1, std::ptr::null_mut());
            lua::lua_pushnumber(l, f64::from(op32(bit::tobit(n))));
            return 1;
        }
        let st = ModuleState::of_call(l);
        let mut wide = None;
        let x = stack::raise_err!(l, operand(l, st, 1, function, &mut wide));
        match (wide, op64) {
            (Some(ty), Some(op64)) => {
                let v = stack::raise_err!(l, wide_value(l, st, 1, function, x, ty));
                push_wide(l, st, ty, op64(v))
            }
            _ => {
                let v = stack::raise_err!(l, narrow_value(l, st, 1, function, x, wide));
                lua::lua_pushnumber(l, f64::from(op32(v)));
                1
            }
        }
    }
}

/// `band`, `bor`, `bxor` of one or more arguments.
///
/// # Safety
/// `l` live inside a `ffi.bit` function.
unsafe fn fold(l: State, function: &str, op: Fold) -> c_int {
    // SAFETY: caller contract; the result is pushed after every owned value is gone.
    unsafe {
        let top = lua::lua_gettop(l).max(1);
        let all_numbers = (1..=top).all(|i| lua::lua_type(l, i) == lua::LUA_TNUMBER);
        if all_numbers {
            let acc = (1..=top).fold(op.identity(), |acc, i| {
                let n = lua::lua_tonumberx(l, i, std::ptr::null_mut());
                op.apply(acc, bit::tobit(n) as u32 as u64)
            });
            lua::lua_pushnumber(l, f64::from(acc as u32 as i32));
            return 1;
        }
        let st = ModuleState::of_call(l);
        let mut wide = None;
        let mut operands = Vec::with_capacity(top as usize);
        for i in 1..=top {
            operands.push(stack::raise_err!(l, operand(l, st, i, function, &mut wide)));
        }
        let mut acc = op.identity();
        for (i, &x) in (1..).zip(&operands) {
            let v = match wide {
                Some(ty) => wide_value(l, st, i, function, x, ty),
                None => narrow_value(l, st, i, function, x, None).map(|v| v as u32 as u64),
            };
            acc = op.apply(acc, stack::raise_err!(l, v));
        }
        drop(operands);
        match wide {
            Some(ty) => push_wide(l, st, ty, acc),
            None => {
                lua::lua_pushnumber(l, f64::from(acc as u32 as i32));
                1
            }
        }
    }
}

/// The shifts and rotations `(x, n)`: 64-bit when `x` is a cdata (a cdata count alone
/// only gives its low 32 bits).
///
/// # Safety
/// `l` live inside a `ffi.bit` function.
unsafe fn shift(l: State, function: &str, op: Shift) -> c_int {
    // SAFETY: caller contract; the result is pushed after every owned value is gone.
    unsafe {
        if lua::lua_type(l, 1) == lua::LUA_TNUMBER && lua::lua_type(l, 2) == lua::LUA_TNUMBER {
            let x = bit::tobit(lua::lua_tonumberx(l, 1, std::ptr::null_mut()));
            let n = bit::tobit(lua::lua_tonumberx(l, 2, std::ptr::null_mut()));
            lua::lua_pushnumber(l, f64::from(op.apply32(x, n)));
            return 1;
        }
        let st = ModuleState::of_call(l);
        let (mut wide, mut count_type) = (None, None);
        let x = stack::raise_err!(l, operand(l, st, 1, function, &mut wide));
        let count = stack::raise_err!(l, operand(l, st, 2, function, &mut count_type));
        let n = stack::raise_err!(l, narrow_value(l, st, 2, function, count, count_type));
        match wide {
            Some(ty) => {
                let v = stack::raise_err!(l, wide_value(l, st, 1, function, x, ty));
                push_wide(l, st, ty, op.apply64(v, n))
            }
            None => {
                let v = stack::raise_err!(l, narrow_value(l, st, 1, function, x, None));
                lua::lua_pushnumber(l, f64::from(op.apply32(v, n)));
                1
            }
        }
    }
}

/// `bit.tohex(x [, n])`.
pub(super) unsafe fn bit_tohex(l: State) -> c_int {
    // SAFETY: called by Luau with this module's upvalue; the string is pushed after
    // every owned value is gone.
    unsafe {
        let st = ModuleState::of_call(l);
        let mut wide = None;
        let x = stack::raise_err!(l, operand(l, st, 1, "tohex", &mut wide));
        let digits = if lua::lua_type(l, 2) == lua::LUA_TNONE {
            if wide.is_some() {
                16
            } else {
                8
            }
        } else {
            let mut count_type = None;
            let n = stack::raise_err!(l, operand(l, st, 2, "tohex", &mut count_type));
            stack::raise_err!(l, narrow_value(l, st, 2, "tohex", n, count_type))
        };
        let value = match wide {
            Some(ty) => stack::raise_err!(l, wide_value(l, st, 1, "tohex", x, ty)),
            None => stack::raise_err!(l, narrow_value(l, st, 1, "tohex", x, None)) as u32 as u64,
        };
        let text = bit::tohex(value, digits);
        stack::push_str(l, &text);
        1
    }
}

/// `bit.tobit(x)`: the normalised 32-bit integer (a number, also for a cdata).
pub(super) unsafe fn bit_tobit(l: State) -> c_int {
    // SAFETY: called by Luau.
    unsafe { unary(l, "tobit", |x| x, None) }
}

/// `bit.bnot(x)`.
pub(super) unsafe fn bit_bnot(l: State) -> c_int {
    // SAFETY: called by Luau.
    unsafe { unary(l, "bnot", |x| !x, Some(|x| !x)) }
}

/// `bit.bswap(x)`.
pub(super) unsafe fn bit_bswap(l: State) -> c_int {
    // SAFETY: called by Luau.
    unsafe { unary(l, "bswap", i32::swap_bytes, Some(u64::swap_bytes)) }
}

/// `bit.band(x, ...)`.
pub(super) unsafe fn bit_band(l: State) -> c_int {
    // SAFETY: called by Luau.
    unsafe { fold(l, "band", Fold::And) }
}

/// `bit.bor(x, ...)`.
pub(super) unsafe fn bit_bor(l: State) -> c_int {
    // SAFETY: called by Luau.
    unsafe { fold(l, "bor", Fold::Or) }
}

/// `bit.bxor(x, ...)`.
pub(super) unsafe fn bit_bxor(l: State) -> c_int {
    // SAFETY: called by Luau.
    unsafe { fold(l, "bxor", Fold::Xor) }
}

/// `bit.lshift(x, n)`.
pub(super) unsafe fn bit_lshift(l: State) -> c_int {
    // SAFETY: called by Luau.
    unsafe { shift(l, "lshift", Shift::Left) }
}

/// `bit.rshift(x, n)`.
pub(super) unsafe fn bit_rshift(l: State) -> c_int {
    // SAFETY: called by Luau.
    unsafe { shift(l, "rshift", Shift::Right) }
}

/// `bit.arshift(x, n)`.
pub(super) unsafe fn bit_arshift(l: State) -> c_int {
    // SAFETY: called by Luau.
    unsafe { shift(l, "arshift", Shift::Arithmetic) }
}

/// `bit.rol(x, n)`.
pub(super) unsafe fn bit_rol(l: State) -> c_int {
    // SAFETY: called by Luau.
    unsafe { shift(l, "rol", Shift::RotateLeft) }
}

/// `bit.ror(x, n)`.
pub(super) unsafe fn bit_ror(l: State) -> c_int {
    // SAFETY: called by Luau.
    unsafe { shift(l, "ror", Shift::RotateRight) }
}
