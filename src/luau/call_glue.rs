//! Calling function cdata from Luau (`f(...)` on a function or function-pointer cdata):
//! one prepared [`CallPlan`] per cdata type, arguments converted straight into the
//! reused call frame, the result pushed back; `ffi.errno`. No declarations or library
//! lookups here (those are `namespace.rs`).
//!
//! The hot path (`__call` of a cdata whose plan exists) reads the plan from a vector
//! indexed by type id, converts number arguments with the frame's typed setters without
//! touching the type registry, makes the call and pushes the result. Every Rust value
//! with a destructor is dropped before anything that may raise (docs/design.md, "Errors").

use super::stack::{self, State};
use super::state::ModuleState;
use crate::call::fast::{self, FastShape};
use crate::call::memory_class;
use crate::call::{self, CifCache, Signature, ValueClass};
use crate::callback::{CallbackId, CallbackTable};
use crate::cdata::convert::{c_from_lua, f64_to_c_integer, f64_to_i32, shape, Context, Shape};
use crate::cdata::{memory, object};
use crate::ctype::{CTypeId, CTypeKind, Registry};
use crate::error::{Arity, Error};
use mlua::ffi as lua;
use std::cell::{Cell, RefCell, UnsafeCell};
use std::collections::{HashMap, HashSet};
use std::ffi::c_int;
use std::rc::Rc;

/// Most extra arguments of one variadic call.
const MAX_VARARGS: usize = 64;

/// Per-state data of calls and callbacks (a field of [`ModuleState`]).
#[derive(Default)]
pub struct CallState {
    /// Prepared signatures (libffi cifs) per function type.
    pub cif: RefCell<CifCache>,
    /// Call plans by cdata type id (a function type, or a pointer to one). Plans are
    /// leaked: they live as long as the state, so the hot path holds no reference count.
    /// Only [`CallState::plan`] and [`CallState::remember`] touch the vector, each
    /// without calling out while it is borrowed, so no borrow flag is needed.
    plans: UnsafeCell<Vec<Option<&'static CallPlan>>>,
    /// FFI calls in progress (nested through callbacks).
    pub depth: Cell<u32>,
    /// errno as saved right after the last C call of this state (`ffi.errno`); put back
    /// right before the next one. Kept here rather than per thread (the `call` module's
    /// default) so calls make no thread-local lookup.
    errno: Cell<c_int>,
    /// Every callback of this state.
    pub callbacks: CallbackTable,
    /// Set once the first callback exists: calls check for pending callback errors.
    pub has_callbacks: Cell<bool>,
    /// Live callbacks by their code address (for `cb:free()`, `cb:set()`).
    pub callback_codes: RefCell<HashMap<usize, CallbackId>>,
    /// Code addresses of freed callbacks not reused since: calling one is an error.
    pub freed_codes: RefCell<HashSet<usize>>,
    /// Implicit callbacks by (Luau function, function type): made once, permanent.
    pub implicit: RefCell<HashMap<(usize, CTypeId), usize>>,
    /// `lua_ref` of the callback trampoline closure.
    pub trampoline_ref: Cell<c_int>,
    /// `lua_ref` of a one-slot table keeping the first non-string error value raised by
    /// a callback (`[1]`; the table itself when empty) until it is raised again in Luau.
    pub error_value_ref: Cell<c_int>,
    /// `lua_ref` of the weak-keyed table function cdata → library handle.
    pub keepalive_ref: Cell<c_int>,
    /// The names of functions resolved through namespaces, by address (for messages).
    pub names: RefCell<HashMap<usize, String>>,
}

/// How one argument travels from Luau into the frame. The direct cases take the common
/// Luau values without the registry; any other value goes through `c_from_lua`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ArgConv {
    /// An integer of at most 32 bits or a floating-point parameter: a Luau number.
    Number,
    /// `int64_t`/`uint64_t`: a Luau number, or a 64-bit integer cdata read directly.
    Int64,
    /// A pointer: a cdata of exactly the parameter's type, nil, or (when the target is
    /// `const char`/`const void`) a Luau string.
    Pointer { strings: bool },
    /// A struct or union by value: a cdata of exactly the parameter's type, copied.
    Aggregate { size: u32 },
    /// Everything else: `c_from_lua` into the argument's slot.
    General,
}

/// How the result comes back to Luau.
#[derive(Clone, Copy)]
enum RetConv {
    Void,
    Bool,
    /// An integer of at most 32 bits (or an enum): a Luau number.
    Number,
    Float,
    /// A 64-bit integer: a new scalar cdata of `ty`.
    Boxed(CTypeId),
    /// A pointer: a new pointer cdata of `ty`, or `nil` for NULL.
    Pointer(CTypeId),
    /// A struct, union, `long double` or complex: a new value cdata holding a copy.
    Aggregate {
        ty: CTypeId,
        size: u32,
        align: u32,
    },
}

/// The quickest path, for signatures of the fast shape whose parameters are all numbers
/// and whose result is a number, a boolean or nothing: number arguments go straight into
/// a register image on the Rust stack, with no frame and no registry.
struct Quick {
    shape: FastShape,
    /// Per parameter: its register slot and conversions.
    slots: Box<[QuickArg]>,
    ret: QuickRet,
    /// A signature with MEMORY-class aggregates (`memory_class`): their caller and how
    /// many stack words they take; `shape` is then unused. The slot of an aggregate
    /// parameter is its first stack word.
    memory: Option<(memory_class::MemoryCaller, u8)>,
}

struct QuickArg {
    slot: u8,
    /// How a Luau number becomes the register bits (decided once, from the class).
    number: QuickNumber,
    class: ValueClass,
    conv: ArgConv,
    ty: CTypeId,
    /// For a pointer parameter: the last other cdata type the general conversion was
    /// seen to take as its address (an array, `T *` for `const T *`, ...), and how.
    implicit: Cell<Option<(CTypeId, AddressOf)>>,
}

/// Where the address a cdata converts to comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AddressOf {
    /// A pointer: the address it holds.
    Value,
    /// An array, struct or union: its own object.
    Object,
}

/// A Luau number as the register bits of one parameter: [`register_bits`] with the class
/// match done at plan time.
#[derive(Clone, Copy, PartialEq, Eq)]
enum QuickNumber {
    F64,
    F32,
    /// An integer: `n as i64`, then sign-extended from its low `64 - shift` bits.
    Signed(u8),
    /// An integer: `n as i64`, then zero-extended from its low `64 - shift` bits.
    Unsigned(u8),
    /// `uint64_t`: `n as u64`.
    U64,
    /// Not taken from a number here (a pointer): the general path decides.
    Never,
}

/// The result of a quick call as pushed to Luau (the class match done at plan time).
#[derive(Clone, Copy)]
enum QuickRet {
    Void,
    Bool,
    F32,
    F64,
    /// An integer of `64 - shift` bits, sign-extended, as a Luau number.
    Signed(u8),
    /// An integer of `64 - shift` bits, zero-extended, as a Luau number.
    Unsigned(u8),
    /// A 64-bit integer: a new scalar cdata of this type.
    Boxed(CTypeId),
    /// A pointer: a new pointer cdata of this type, or `nil` for NULL.
    Pointer(CTypeId),
    /// A MEMORY-class aggregate, written by the call into a new cdata pushed before it.
    Memory {
        ty: CTypeId,
        size: u32,
        align: u32,
    },
}

impl QuickNumber {
    fn of(conv: ArgConv, class: ValueClass) -> QuickNumber {
        match (conv, class) {
            (ArgConv::Number | ArgConv::Int64, ValueClass::F64) => QuickNumber::F64,
            (ArgConv::Number | ArgConv::Int64, ValueClass::F32) => QuickNumber::F32,
            (ArgConv::Number | ArgConv::Int64, ValueClass::U64) => QuickNumber::U64,
            (ArgConv::Number | ArgConv::Int64, class) => match extension(class) {
                (true, shift) => QuickNumber::Signed(shift),
                (false, shift) => QuickNumber::Unsigned(shift),
            },
            _ => QuickNumber::Never,
        }
    }

    /// The register bits of `n`; equal to `register_bits(class, n)` for the class this
    /// was made from.
    #[inline(always)]
    fn bits(self, n: f64) -> u64 {
        match self {
            QuickNumber::F64 => n.to_bits(),
            QuickNumber::F32 => u64::from((n as f32).to_bits()),
            QuickNumber::Signed(shift) => {
                let bits = f64_to_c_integer(n, (64 - shift) / 8, true) as u64;
                ((bits << shift) as i64 >> shift) as u64
            }
            QuickNumber::Unsigned(shift) => {
                let bits = f64_to_c_integer(n, (64 - shift) / 8, false) as u64;
                (bits << shift) >> shift
            }
            QuickNumber::U64 => f64_to_c_integer(n, 8, false) as u64,
            QuickNumber::Never => 0,
        }
    }
}

/// How [`ValueClass::extend_integer`] extends `class`: (signed, 64 - width). A `bool`
/// never reaches here (its parameters are `ArgConv::General`, its results `Bool`);
/// 64-bit classes and pointers are left as they are (shift 0).
fn extension(class: ValueClass) -> (bool, u8) {
    match class {
        ValueClass::I8 => (true, 56),
        ValueClass::U8 | ValueClass::Bool => (false, 56),
        ValueClass::I16 => (true, 48),
        ValueClass::U16 => (false, 48),
        ValueClass::I32 => (true, 32),
        ValueClass::U32 => (false, 32),
        _ => (true, 0),
    }
}

/// Everything a call of one cdata type needs, computed once.
pub struct CallPlan {
    /// The monomorphized caller of a signature of `int` and `double` parameters only.
    numbers: Option<NumberCaller>,
    quick: Option<Quick>,
    fn_type: CTypeId,
    /// The cdata holds a pointer to the function (else the function itself).
    through_pointer: bool,
    /// The signature of a call without varargs.
    signature: Rc<Signature>,
    fixed: usize,
    variadic: bool,
    arg_types: Box<[CTypeId]>,
    arg_sizes: Box<[u64]>,
    args: Box<[ArgConv]>,
    ret: RetConv,
}

/// The result of a call, copied out of the frame so nothing is borrowed when pushing.
#[derive(Clone, Copy)]
enum Outcome {
    Nothing,
    Bool(bool),
    Number(f64),
    Boxed(CTypeId, u64),
    /// A pointer result: its cdata, or `nil` when NULL.
    Pointer(CTypeId, u64),
    /// Copied into the value cdata already on top of the stack.
    Pushed,
}

impl CallState {
    #[inline(always)]
    fn plan(&self, ty: CTypeId) -> Option<&'static CallPlan> {
        // SAFETY: the state is used by one thread at a time (it is not Sync) and this
        // shared borrow ends before anything else runs; `remember` is the only writer
        // and is never active at the same time (neither calls out while borrowing).
        let plans = unsafe { &*self.plans.get() };
        plans.get(ty.0 as usize).copied().flatten()
    }

    fn remember(&self, ty: CTypeId, plan: &'static CallPlan) {
        // SAFETY: as in `plan`: no other borrow of the vector is live while this runs.
        let plans = unsafe { &mut *self.plans.get() };
        let index = ty.0 as usize;
        if plans.len() <= index {
            plans.resize(index + 1, None);
        }
        plans[index] = Some(plan);
    }
}

/// The call plan of cdata type `ty`, made on first use; `Ok(None)` when the type is not
/// callable.
fn plan_for(st: &ModuleState, ty: CTypeId) -> Result<Option<&'static CallPlan>, Error> {
    if let Some(plan) = st.calls.plan(ty) {
        return Ok(Some(plan));
    }
    let reg = st.registry.try_borrow().map_err(|_| Error::RegistryBusy)?;
    let Some(fn_type) = call::function_type_of(&reg, ty) else {
        return Ok(None);
    };
    let signature = st
        .calls
        .cif
        .try_borrow_mut()
        .map_err(|_| Error::CifCacheBusy)?
        .signature(&reg, fn_type)
        .map_err(Error::from)?;
    let CTypeKind::Function {
        ret,
        params,
        variadic,
    } = &reg.get(fn_type).kind
    else {
        return Ok(None);
    };
    let args: Box<[ArgConv]> = params
        .iter()
        .enumerate()
        .map(|(i, &param)| match signature.arg_class(i) {
            ValueClass::Bool => ArgConv::General,
            ValueClass::I64 | ValueClass::U64 => ArgConv::Int64,
            ValueClass::Pointer => match shape(&reg, param) {
                Shape::Pointer { target } => {
                    let t = reg.get(target);
                    let strings = t.quals.is_const
                        && matches!(t.kind, CTypeKind::Void | CTypeKind::Int { size: 1, .. });
                    ArgConv::Pointer { strings }
                }
                _ => ArgConv::General,
            },
            ValueClass::Aggregate { size, .. } => ArgConv::Aggregate { size },
            class if class.is_float_register() || class.is_integer_register() => ArgConv::Number,
            _ => ArgConv::General,
        })
        .collect();
    let arg_sizes = params
        .iter()
        .map(|&t| reg.size_of(t).unwrap_or(8))
        .collect();
    let ret = return_conv(&reg, *ret, signature.ret_class());
    let quick = quick_plan(&signature, &args, ret);
    let numbers = match (&quick, fn_type == ty) {
        (Some(quick), true) => number_caller(quick),
        _ => None,
    };
    let plan = Box::leak(Box::new(CallPlan {
        numbers,
        quick,
        fn_type,
        through_pointer: fn_type != ty,
        fixed: params.len(),
        variadic: *variadic,
        arg_types: params.to_vec().into_boxed_slice(),
        arg_sizes,
        args,
        ret,
        signature,
    }));
    drop(reg);
    st.calls.remember(ty, plan);
    Ok(Some(plan))
}

fn quick_plan(signature: &Signature, args: &[ArgConv], ret: RetConv) -> Option<Quick> {
    let Some(shape) = signature.fast_shape() else {
        return memory_plan(signature, args, ret);
    };
    if matches!(ret, RetConv::Aggregate { .. })
        || args
            .iter()
            .any(|a| matches!(a, ArgConv::General | ArgConv::Aggregate { .. }))
    {
        return None;
    }
    let classes: Vec<ValueClass> = (0..args.len()).map(|i| signature.arg_class(i)).collect();
    let slots = fast::register_slots(&classes);
    quick_from_slots(signature, args, ret, shape, slots, None)
}

/// The [`Quick`] plan of a signature whose parameters are at most 4 integers, 4 floats
/// and any MEMORY-class aggregates, and whose result is a number, nothing or a
/// MEMORY-class aggregate (`memory_class`); `None` for any other.
fn memory_plan(signature: &Signature, args: &[ArgConv], ret: RetConv) -> Option<Quick> {
    let memory_ret = match ret {
        RetConv::Aggregate { size, .. }
            if memory_class::is_memory_aggregate(signature.ret_class()) =>
        {
            memory_class::MemoryReturn::Memory(memory_class::words_of(size))
        }
        RetConv::Aggregate { .. } => return None,
        RetConv::Void => memory_class::MemoryReturn::Void,
        RetConv::Float => memory_class::MemoryReturn::Float,
        _ => memory_class::MemoryReturn::Integer,
    };
    let (mut ints, mut floats, mut words) = (0, fast::MAX_FAST_INTEGER_ARGS, 0);
    let mut slots = Vec::with_capacity(args.len());
    for (i, conv) in args.iter().enumerate() {
        let class = signature.arg_class(i);
        let counter = match conv {
            ArgConv::Aggregate { size } if memory_class::is_memory_aggregate(class) => {
                slots.push(words);
                words += memory_class::words_of(*size);
                continue;
            }
            ArgConv::General | ArgConv::Aggregate { .. } => return None,
            _ if class.is_float_register() => &mut floats,
            _ => &mut ints,
        };
        slots.push(*counter);
        *counter += 1;
    }
    if ints > fast::MAX_FAST_INTEGER_ARGS
        || floats > fast::MAX_FAST_INTEGER_ARGS + fast::MAX_FAST_FLOAT_ARGS
        || words > memory_class::MAX_STACK_WORDS
        || (words == 0 && !matches!(memory_ret, memory_class::MemoryReturn::Memory(_)))
    {
        return None;
    }
    let caller = memory_class::memory_caller(words, memory_ret)?;
    let shape = FastShape::new(fast::FastReturn::Void, 0, 0)?;
    quick_from_slots(
        signature,
        args,
        ret,
        shape,
        slots,
        Some((caller, words as u8)),
    )
}

fn quick_from_slots(
    signature: &Signature,
    args: &[ArgConv],
    ret: RetConv,
    shape: FastShape,
    slots: Vec<usize>,
    memory: Option<(memory_class::MemoryCaller, u8)>,
) -> Option<Quick> {
    let classes: Vec<ValueClass> = (0..args.len()).map(|i| signature.arg_class(i)).collect();
    let slots = slots
        .into_iter()
        .enumerate()
        .map(|(i, slot)| QuickArg {
            slot: slot as u8,
            number: QuickNumber::of(args[i], classes[i]),
            class: classes[i],
            conv: args[i],
            ty: signature.arg_type(i),
            implicit: Cell::new(None),
        })
        .collect();
    let ret_class = signature.ret_class();
    let ret = match ret {
        RetConv::Void => QuickRet::Void,
        RetConv::Bool => QuickRet::Bool,
        RetConv::Float if ret_class == ValueClass::F32 => QuickRet::F32,
        RetConv::Float => QuickRet::F64,
        RetConv::Boxed(ty) => QuickRet::Boxed(ty),
        RetConv::Pointer(ty) => QuickRet::Pointer(ty),
        RetConv::Aggregate { ty, size, align } => QuickRet::Memory { ty, size, align },
        _ => match extension(ret_class) {
            (true, shift) => QuickRet::Signed(shift),
            (false, shift) => QuickRet::Unsigned(shift),
        },
    };
    Some(Quick {
        shape,
        slots,
        ret,
        memory,
    })
}

/// A Luau number as the register bits of a parameter of `class` (C's conversion).
#[inline(always)]
fn register_bits(class: ValueClass, n: f64) -> u64 {
    match class {
        ValueClass::F64 => n.to_bits(),
        ValueClass::F32 => u64::from((n as f32).to_bits()),
        ValueClass::U64 => f64_to_c_integer(n, 8, false) as u64,
        class => {
            let signed = matches!(
                class,
                ValueClass::I8 | ValueClass::I16 | ValueClass::I32 | ValueClass::I64
            );
            class.extend_integer(f64_to_c_integer(n, class.size() as u8, signed) as u64)
        }
    }
}

/// The quick path of [`call`]: converts the arguments, calls, checks for callback
/// errors and pushes the result. `None` (nothing pushed, nothing called) when an
/// argument is not a value the direct cases take (the general path converts it, or names
/// it in an error).
///
/// # Safety
/// `l` live inside `__call` with exactly the plan's arguments after the cdata; `address`
/// is a C function of the quick plan's signature; nothing with a destructor is live.
#[inline(always)]
unsafe fn call_quick(
    l: State,
    st: &ModuleState,
    tag: c_int,
    quick: &Quick,
    address: usize,
) -> Option<c_int> {
    let mut image = [0u64; 8];
    for (idx, arg) in (2..).zip(quick.slots.iter()) {
        if let ArgConv::Aggregate { .. } = arg.conv {
            // Taken by `call_memory` below.
            continue;
        }
        // SAFETY: idx is one of the call's arguments (the count was checked).
        let bits = unsafe {
            let t = lua::lua_type(l, idx);
            if t == lua::LUA_TNUMBER && arg.number != QuickNumber::Never {
                arg.number
                    .bits(lua::lua_tonumberx(l, idx, std::ptr::null_mut()))
            } else {
                match direct_bits(l, tag, arg.conv, arg.class, arg.ty, idx, t) {
                    Some(bits) => bits,
                    None if t == lua::LUA_TUSERDATA => implicit_pointer(l, st, tag, arg, idx)?,
                    None => return None,
                }
            }
        };
        // The slot is below 8 by construction; the mask keeps the store unchecked.
        image[usize::from(arg.slot & 7)] = bits;
    }
    let raw = match quick.memory {
        None => {
            let depth = &st.calls.depth;
            depth.set(depth.get() + 1);
            // SAFETY: the caller guarantees the function's signature, whose shape this is.
            let raw = unsafe {
                fast::call_preserving_errno(
                    quick.shape,
                    address as *const _,
                    &image,
                    &st.calls.errno,
                )
            };
            depth.set(depth.get() - 1);
            raw
        }
        // SAFETY: forwarded caller contract.
        Some(memory) => unsafe { call_memory(l, st, tag, quick, memory, address, &image)? },
    };
    let depth = &st.calls.depth;
    if st.calls.has_callbacks.get() && depth.get() == 0 {
        // SAFETY: caller contract (nothing owned is live).
        if let Err(raised) = unsafe { raise_callback_error(l, st) } {
            return Some(raised);
        }
    }
    // SAFETY: caller contract; a metamethod has a free slot for its result.
    unsafe {
        match quick.ret {
            QuickRet::Void => return Some(0),
            QuickRet::Bool => lua::lua_pushboolean(l, c_int::from(raw as u8 != 0)),
            QuickRet::F32 => lua::lua_pushnumber(l, f64::from(f32::from_bits(raw as u32))),
            QuickRet::F64 => lua::lua_pushnumber(l, f64::from_bits(raw)),
            QuickRet::Signed(shift) => {
                lua::lua_pushnumber(l, ((raw << shift) as i64 >> shift) as f64)
            }
            QuickRet::Unsigned(shift) => {
                lua::lua_pushnumber(l, ((raw << shift) >> shift) as i64 as f64)
            }
            QuickRet::Boxed(ty) => {
                let h = object::push_new(l, tag, ty, 8, 8);
                (*h).data.cast::<u64>().write(raw);
            }
            QuickRet::Pointer(_) if raw == 0 => lua::lua_pushnil(l),
            QuickRet::Pointer(ty) => {
                let h = object::push_new(l, tag, ty, 8, 8);
                (*h).data.cast::<u64>().write(raw);
            }
            QuickRet::Memory { .. } => {}
        }
    }
    Some(1)
}

/// The call of [`call_quick`] for a plan with MEMORY-class aggregates: copies them into
/// the stack block (`None`, nothing pushed or called, when one is not a cdata of its
/// parameter's type), pushes the MEMORY result's cdata, calls; returns the raw result.
///
/// # Safety
/// As [`call_quick`]; `image` holds the register arguments; `memory` is the plan's.
#[inline(never)]
unsafe fn call_memory(
    l: State,
    st: &ModuleState,
    tag: c_int,
    quick: &Quick,
    (caller, words): (memory_class::MemoryCaller, u8),
    address: usize,
    image: &[u64; 8],
) -> Option<u64> {
    let mut stack = [0u64; memory_class::MAX_STACK_WORDS];
    for (idx, arg) in (2..).zip(quick.slots.iter()) {
        if let ArgConv::Aggregate { size } = arg.conv {
            // SAFETY: idx is one of the call's arguments; the aggregate's words were
            // counted into the block at plan time.
            unsafe { stack_aggregate(l, tag, arg, size, idx, &mut stack)? };
        }
    }
    let (result, size) = match quick.ret {
        // SAFETY: a metamethod has a free slot for its result.
        QuickRet::Memory { ty, size, align } => unsafe {
            let h = object::push_new(l, tag, ty, size as usize, align);
            ((*h).data, size as usize)
        },
        _ => (std::ptr::null_mut(), 0),
    };
    let depth = &st.calls.depth;
    depth.set(depth.get() + 1);
    // SAFETY: the caller guarantees the function's signature, whose MEMORY caller this
    // is; the result cdata was pushed above with the result's size.
    let raw = unsafe {
        memory_class::call_preserving_errno(
            caller,
            address as *const _,
            image,
            &stack[..usize::from(words)],
            result,
            size,
            &st.calls.errno,
        )
    };
    depth.set(depth.get() - 1);
    Some(raw)
}

/// Copies the aggregate cdata at `idx`, of exactly the parameter's type, into its words
/// of the stack block; `None` for any other value (the general path converts it, or
/// names it in an error).
///
/// # Safety
/// `l` live, `idx` valid; `arg` is a MEMORY aggregate parameter of `size` bytes whose
/// words (from `arg.slot`) lie within `stack`.
#[inline(always)]
unsafe fn stack_aggregate(
    l: State,
    tag: c_int,
    arg: &QuickArg,
    size: u32,
    idx: c_int,
    stack: &mut [u64; memory_class::MAX_STACK_WORDS],
) -> Option<()> {
    // SAFETY: caller contract; the cdata's object is `size` bytes of its type.
    unsafe {
        let h = object::to_cdata(l, tag, idx)?;
        if h.ty != arg.ty {
            return None;
        }
        let words = &mut stack[usize::from(arg.slot)..];
        debug_assert!(words.len() * 8 >= size as usize);
        std::ptr::copy_nonoverlapping(h.data, words.as_mut_ptr().cast::<u8>(), size as usize);
        Some(())
    }
}

/// A caller monomorphized for one signature whose parameters are all `int` (any 32-bit
/// signed integer) or `double` and whose result is one of those or `void`: the argument
/// loop, the register slots and the prototype are fixed at compile time, so a call like
/// `add(i, 1)` costs little more than a hand-written binding. An argument that is not a
/// Luau number sends the whole call down the general path (`call_other`), which converts
/// it or names it in an error.
///
/// # Safety
/// `l` live inside `__call` with exactly the signature's arguments after the cdata;
/// `address` is a C function of that signature; nothing with a destructor is live.
pub type NumberCaller = unsafe fn(State, &'static ModuleState, usize) -> c_int;

/// The result kinds of a [`NumberCaller`] (its `RET` parameter).
const NUMBER_RET_VOID: u8 = 0;
const NUMBER_RET_INT: u8 = 1;
const NUMBER_RET_DOUBLE: u8 = 2;

/// The [`NumberCaller`] of `N` parameters, parameter `i` a `double` when bit `i` of
/// `FLOATS` is set (else an `int`), with a result of kind `RET`.
///
/// # Safety
/// As [`NumberCaller`].
unsafe fn call_numbers<const N: usize, const FLOATS: u8, const RET: u8>(
    l: State,
    st: &'static ModuleState,
    address: usize,
) -> c_int {
    let shape = const {
        let ret = match RET {
            NUMBER_RET_VOID => fast::FastReturn::Void,
            NUMBER_RET_INT => fast::FastReturn::Integer,
            _ => fast::FastReturn::Float,
        };
        let floats = FLOATS.count_ones() as usize;
        fast::FastShape::new(ret, N - floats, floats)
    };
    let Some(shape) = shape else {
        // SAFETY: caller contract.
        return unsafe { super::cdata_object::call_other(l, st) };
    };
    let mut image = [0u64; 8];
    let (mut ints, mut floats) = (0, fast::MAX_FAST_INTEGER_ARGS);
    for i in 0..N {
        let idx = i as c_int + 2;
        // SAFETY: idx is one of the call's arguments (the count was checked).
        let n = unsafe {
            if lua::lua_type(l, idx) != lua::LUA_TNUMBER {
                return super::cdata_object::call_other(l, st);
            }
            lua::lua_tonumberx(l, idx, std::ptr::null_mut())
        };
        if FLOATS >> i & 1 == 1 {
            image[floats] = n.to_bits();
            floats += 1;
        } else {
            image[ints] = i64::from(f64_to_i32(n)) as u64;
            ints += 1;
        }
    }
    let depth = &st.calls.depth;
    depth.set(depth.get() + 1);
    // SAFETY: the caller guarantees the function's signature, whose shape this is.
    let raw =
        unsafe { fast::call_preserving_errno(shape, address as *const _, &image, &st.calls.errno) };
    depth.set(depth.get() - 1);
    if st.calls.has_callbacks.get() && depth.get() == 0 {
        // SAFETY: caller contract (nothing owned is live).
        stack::or_return!(unsafe { raise_callback_error(l, st) });
    }
    // SAFETY: a metamethod has a free slot for its result.
    unsafe {
        match RET {
            NUMBER_RET_VOID => return 0,
            NUMBER_RET_INT => lua::lua_pushnumber(l, f64::from(raw as i32)),
            _ => lua::lua_pushnumber(l, f64::from_bits(raw)),
        }
    }
    1
}

/// The [`NumberCaller`] of a quick plan, when its signature has at most three `int` or
/// `double` parameters and an `int`, `double` or `void` result.
fn number_caller(quick: &Quick) -> Option<NumberCaller> {
    let mut floats = 0u8;
    for (i, arg) in quick.slots.iter().enumerate() {
        match (arg.conv, arg.class) {
            (ArgConv::Number, ValueClass::I32) => {}
            (ArgConv::Number, ValueClass::F64) => floats |= 1 << i,
            _ => return None,
        }
    }
    let ret = match quick.ret {
        QuickRet::Void => NUMBER_RET_VOID,
        QuickRet::Signed(32) => NUMBER_RET_INT,
        QuickRet::F64 => NUMBER_RET_DOUBLE,
        _ => return None,
    };
    macro_rules! pick {
        ($(($n:literal, $floats:literal)),*) => {
            match (quick.slots.len(), floats) {
                $(($n, $floats) => Some(match ret {
                    NUMBER_RET_VOID => call_numbers::<$n, $floats, NUMBER_RET_VOID> as NumberCaller,
                    NUMBER_RET_INT => call_numbers::<$n, $floats, NUMBER_RET_INT>,
                    _ => call_numbers::<$n, $floats, NUMBER_RET_DOUBLE>,
                }),)*
                _ => None,
            }
        };
    }
    pick!(
        (0, 0),
        (1, 0),
        (1, 1),
        (2, 0),
        (2, 1),
        (2, 2),
        (2, 3),
        (3, 0),
        (3, 1),
        (3, 2),
        (3, 3),
        (3, 4),
        (3, 5),
        (3, 6),
        (3, 7)
    )
}

/// The register bits of the Luau value at `idx` for a parameter converted by `conv`, for
/// the values the direct cases take; `None` for anything else. `t` is `lua_type` of it.
///
/// # Safety
/// `l` live, `idx` valid.
#[inline(never)]
unsafe fn direct_bits(
    l: State,
    tag: c_int,
    conv: ArgConv,
    class: ValueClass,
    ty: CTypeId,
    idx: c_int,
    t: c_int,
) -> Option<u64> {
    // SAFETY: caller contract; only inspects the stack and our own cdata blocks.
    unsafe {
        match (conv, t) {
            (ArgConv::Number | ArgConv::Int64, lua::LUA_TNUMBER) => Some(register_bits(
                class,
                lua::lua_tonumberx(l, idx, std::ptr::null_mut()),
            )),
            (ArgConv::Int64, lua::LUA_TUSERDATA) => {
                let h = object::to_cdata(l, tag, idx)?;
                (h.ty == ty || h.ty == CTypeId::INT64 || h.ty == CTypeId::UINT64)
                    .then(|| h.data.cast::<u64>().read_unaligned())
            }
            (ArgConv::Pointer { .. }, lua::LUA_TUSERDATA) => {
                let h = object::to_cdata(l, tag, idx)?;
                (h.ty == ty).then(|| memory::read_address(h.data) as u64)
            }
            (ArgConv::Pointer { .. }, lua::LUA_TNIL) => Some(0),
            (ArgConv::Pointer { strings: true }, lua::LUA_TSTRING) => {
                Some(lua::lua_tolstring(l, idx, std::ptr::null_mut()) as usize as u64)
            }
            _ => None,
        }
    }
}

/// The address a cdata of another type at `idx` passes as for pointer parameter `arg`
/// (array to pointer, `T *` to `const T *`, a struct to a pointer to it): decided once
/// per cdata type by the general conversion itself, which must give the same address,
/// then taken directly. `None` (the general path converts it, or names it in an
/// error) for anything else.
///
/// # Safety
/// `l` live, `idx` valid; no registry borrow held.
#[inline(never)]
unsafe fn implicit_pointer(
    l: State,
    st: &ModuleState,
    tag: c_int,
    arg: &QuickArg,
    idx: c_int,
) -> Option<u64> {
    // SAFETY: caller contract; only inspects the stack and our own cdata blocks.
    unsafe {
        if !matches!(arg.conv, ArgConv::Pointer { .. }) {
            return None;
        }
        let h = object::to_cdata(l, tag, idx)?;
        let address = |from| match from {
            AddressOf::Value => memory::read_address(h.data) as u64,
            AddressOf::Object => h.data as u64,
        };
        if let Some((ty, from)) = arg.implicit.get() {
            if ty == h.ty && !(from == AddressOf::Value && h.is_ref()) {
                return Some(address(from));
            }
        }
        let reg = st.registry.try_borrow().ok()?;
        let from = match shape(&reg, h.ty) {
            Shape::Pointer { .. } if !h.is_ref() => AddressOf::Value,
            Shape::Array { .. } | Shape::Record => AddressOf::Object,
            _ => return None,
        };
        let mut bits = 0u64;
        let dst = (&mut bits as *mut u64).cast::<u8>();
        let context = Context::Arg(idx as u32 - 1);
        c_from_lua(
            l,
            tag,
            &reg,
            arg.ty,
            dst,
            size_of::<usize>() as u64,
            idx,
            context,
        )
        .ok()?;
        let expected = address(from);
        (bits == expected).then(|| {
            arg.implicit.set(Some((h.ty, from)));
            bits
        })
    }
}

fn return_conv(reg: &Registry, ret: CTypeId, class: ValueClass) -> RetConv {
    match class {
        ValueClass::Void => RetConv::Void,
        ValueClass::Bool => RetConv::Bool,
        ValueClass::F32 | ValueClass::F64 => RetConv::Float,
        ValueClass::I64 | ValueClass::U64 if reg.enumeration(ret).is_none() => RetConv::Boxed(ret),
        ValueClass::Pointer => RetConv::Pointer(ret),
        class if class.is_integer_register() => RetConv::Number,
        class => RetConv::Aggregate {
            ty: ret,
            size: class.size() as u32,
            align: class.align() as u32,
        },
    }
}

/// The name of the function at `address` for messages (`?` when unknown).
fn function_name(st: &ModuleState, address: usize) -> String {
    st.calls
        .names
        .borrow()
        .get(&address)
        .cloned()
        .unwrap_or_else(|| "?".to_string())
}

/// Converts Luau argument `n` (at stack index `n + 1`) to C type `ty` into `dst`.
///
/// # Safety
/// `l` live; `dst` valid for the type's size.
unsafe fn convert_arg(
    l: State,
    st: &ModuleState,
    ty: CTypeId,
    size: u64,
    dst: *mut u8,
    n: usize,
    address: usize,
) -> Result<(), Error> {
    let reg = st.registry.try_borrow().map_err(|_| Error::RegistryBusy)?;
    // SAFETY: caller contract; c_from_lua only inspects the stack.
    let result = unsafe {
        c_from_lua(
            l,
            st.cdata_tag.get(),
            &reg,
            ty,
            dst,
            size,
            n as c_int + 1,
            Context::Arg(n as u32),
        )
    };
    drop(reg);
    result.map_err(|e| e.in_function(|| function_name(st, address)))
}

/// The type a vararg Luau value is passed as (LuaJIT's vararg conversions; C's default
/// promotions follow in the signature).
///
/// # Safety
/// `l` live, `idx` valid.
unsafe fn vararg_type(l: State, st: &ModuleState, reg: &Registry, idx: c_int) -> CTypeId {
    // SAFETY: caller contract; only inspects the stack.
    unsafe {
        match lua::lua_type(l, idx) {
            lua::LUA_TNUMBER => CTypeId::DOUBLE,
            lua::LUA_TSTRING => CTypeId::CONST_CHAR_PTR,
            lua::LUA_TBOOLEAN => CTypeId::BOOL,
            lua::LUA_TUSERDATA => match object::to_cdata(l, st.cdata_tag.get(), idx) {
                Some(h) => match shape(reg, h.ty) {
                    // Arrays decay to a pointer to their first element, functions to a
                    // pointer to themselves, and structs/unions pass by reference, as in
                    // LuaJIT: each needs a new pointer type, void * here.
                    Shape::Record => CTypeId::VOID_PTR,
                    Shape::Array { .. } | Shape::Other
                        if !matches!(reg.get(h.ty).kind, CTypeKind::Complex { .. }) =>
                    {
                        CTypeId::VOID_PTR
                    }
                    _ => h.ty,
                },
                None => CTypeId::VOID_PTR,
            },
            _ => CTypeId::VOID_PTR,
        }
    }
}

/// Runs the call: converts the arguments into the frame, calls, copies the result out.
///
/// # Safety
/// `l` live inside `__call` with the cdata at 1 and `nargs` arguments after it;
/// `address` is a C function of the plan's type.
unsafe fn invoke(
    l: State,
    st: &ModuleState,
    plan: &'static CallPlan,
    address: usize,
    nargs: usize,
) -> Result<Outcome, Error> {
    if plan.variadic && nargs > plan.fixed {
        // SAFETY: forwarded caller contract.
        return unsafe { invoke_variadic(l, st, plan, address, nargs) };
    }
    let signature = &*plan.signature;
    let mut frame = signature.frame();
    for i in 0..plan.fixed {
        let idx = i as c_int + 2;
        // SAFETY: idx is one of the call's arguments; the slots belong to the frame.
        unsafe {
            let conv = plan.args[i];
            match conv {
                ArgConv::Number if lua::lua_type(l, idx) == lua::LUA_TNUMBER => {
                    let n = lua::lua_tonumberx(l, idx, std::ptr::null_mut());
                    let class = signature.arg_class(i);
                    if class.is_integer_register() {
                        // C's conversion as LuaJIT does it (out of range through
                        // int32/int64), as the quick path does; not Rust's saturating `as`.
                        frame.set_int(i, register_bits(class, n) as i64);
                    } else {
                        frame.set_f64(i, n);
                    }
                    continue;
                }
                ArgConv::Int64 | ArgConv::Pointer { .. } => {
                    let class = signature.arg_class(i);
                    let ty = plan.arg_types[i];
                    let t = lua::lua_type(l, idx);
                    let tag = st.cdata_tag.get();
                    if let Some(bits) = direct_bits(l, tag, conv, class, ty, idx, t) {
                        frame.set_int(i, bits as i64);
                        continue;
                    }
                }
                ArgConv::Aggregate { size } => {
                    if let Some(h) = object::to_cdata(l, st.cdata_tag.get(), idx) {
                        if h.ty == plan.arg_types[i] {
                            std::ptr::copy_nonoverlapping(h.data, frame.arg_ptr(i), size as usize);
                            continue;
                        }
                    }
                }
                _ => {}
            }
            convert_arg(
                l,
                st,
                plan.arg_types[i],
                plan.arg_sizes[i],
                frame.arg_ptr(i),
                i + 1,
                address,
            )?;
        }
    }
    // SAFETY: `address` has this signature (caller contract); every argument is written.
    unsafe { signature_call(st, signature, address, &mut frame) };
    // SAFETY: the result was just written by the call.
    Ok(unsafe { outcome(l, plan.ret, &frame) })
}

/// `signature.call` as one FFI call of this state: counted in `depth`, errno put back
/// from and saved into the state.
///
/// # Safety
/// As `Signature::call`.
#[inline]
unsafe fn signature_call(
    st: &ModuleState,
    signature: &Signature,
    address: usize,
    frame: &mut call::CallFrame,
) {
    let calls = &st.calls;
    calls.depth.set(calls.depth.get() + 1);
    // SAFETY: forwarded caller contract.
    unsafe { signature.call_saving_errno(address as *const _, frame, &calls.errno) };
    calls.depth.set(calls.depth.get() - 1);
}

/// # Safety
/// As [`invoke`].
#[cold]
unsafe fn invoke_variadic(
    l: State,
    st: &ModuleState,
    plan: &'static CallPlan,
    address: usize,
    nargs: usize,
) -> Result<Outcome, Error> {
    let extra = nargs - plan.fixed;
    if extra > MAX_VARARGS {
        return Err(Error::WrongArgumentCount {
            function: callee_name(st, plan.fn_type, address),
            expected: Arity::AtMost(plan.fixed + MAX_VARARGS),
            got: nargs,
        });
    }
    let signature = {
        let reg = st.registry.try_borrow().map_err(|_| Error::RegistryBusy)?;
        let mut types = [CTypeId::VOID; MAX_VARARGS];
        for (k, slot) in types[..extra].iter_mut().enumerate() {
            // SAFETY: the index is one of the call's arguments.
            *slot = unsafe { vararg_type(l, st, &reg, (plan.fixed + k) as c_int + 2) };
        }
        let signature = st
            .calls
            .cif
            .try_borrow_mut()
            .map_err(|_| Error::CifCacheBusy)?
            .variadic_signature(&reg, plan.fn_type, &types[..extra]);
        signature.map_err(Error::from)?
    };
    let result = {
        let mut frame = signature.frame();
        let mut converted = Ok(());
        for i in 0..nargs {
            let ty = signature.arg_type(i);
            let size = match i < plan.fixed {
                true => plan.arg_sizes[i],
                false => 8.max(signature.arg_class(i).size() as u64),
            };
            // SAFETY: the slot belongs to the frame and holds the argument's type.
            let r = unsafe { convert_arg(l, st, ty, size, frame.arg_ptr(i), i + 1, address) };
            if let Err(e) = r {
                converted = Err(e);
                break;
            }
        }
        converted.map(|()| {
            // SAFETY: as invoke.
            unsafe { signature_call(st, &signature, address, &mut frame) };
            // SAFETY: the result was just written.
            unsafe { outcome(l, plan.ret, &frame) }
        })
    };
    drop(signature);
    result
}

/// Copies the result out of the frame (an aggregate into the cdata on top of the stack).
///
/// # Safety
/// The frame holds a result; for `Aggregate`, the value cdata is on top of the stack.
#[inline]
unsafe fn outcome(l: State, ret: RetConv, frame: &call::CallFrame) -> Outcome {
    match ret {
        RetConv::Void => Outcome::Nothing,
        RetConv::Bool => Outcome::Bool(frame.ret_int() != 0),
        RetConv::Number => Outcome::Number(frame.ret_int() as f64),
        RetConv::Float => Outcome::Number(frame.ret_f64()),
        RetConv::Boxed(ty) => Outcome::Boxed(ty, frame.ret_int() as u64),
        RetConv::Pointer(ty) => Outcome::Pointer(ty, frame.ret_int() as u64),
        RetConv::Aggregate { size, .. } => {
            // SAFETY: the cdata on top was allocated with `size` bytes for this result.
            unsafe {
                let dst = lua::lua_touserdata(l, -1).cast::<object::Header>();
                std::ptr::copy_nonoverlapping(frame.ret_ptr(), (*dst).data, size as usize);
            }
            Outcome::Pushed
        }
    }
}

/// `__call` of a cdata: calls it when it is a function or function pointer. Returns
/// `None` when the cdata is not callable (the caller tries the metatype).
///
/// # Safety
/// `l` live inside the cdata `__call` metamethod (the cdata at 1).
#[inline(always)]
pub unsafe fn call(l: State, st: &'static ModuleState) -> Option<c_int> {
    // SAFETY: caller contract; every owned value is gone before a raise.
    unsafe {
        let tag = st.cdata_tag.get();
        let h = object::to_cdata(l, tag, 1)?;
        let (ty, data) = (h.ty, h.data);
        let plan = match st.calls.plan(ty) {
            Some(plan) => plan,
            None => return call_unplanned(l, st, ty),
        };
        let nargs = lua::lua_gettop(l) - 1;
        // The common case: a function (not a pointer to one, so no NULL or freed
        // callback to check) of a quick signature called with its argument count.
        if let (false, Some(quick)) = (plan.through_pointer, &plan.quick) {
            if nargs as usize == plan.fixed && !data.is_null() {
                if let Some(results) = call_quick(l, st, tag, quick, data as usize) {
                    return Some(results);
                }
            }
        }
        Some(call_planned(l, st, tag, plan, ty, data, nargs as usize))
    }
}

/// The number caller of the cdata at 1 and its function's address, when it has one and
/// is called with its parameter count (the common case of `__call`).
///
/// # Safety
/// `l` live inside `__call` (the cdata at 1).
#[inline(always)]
pub unsafe fn number_caller_of(l: State, st: &ModuleState) -> Option<(NumberCaller, usize)> {
    // SAFETY: caller contract.
    unsafe {
        // The count first: fewer values then live across the calls into Luau.
        let nargs = lua::lua_gettop(l) - 1;
        let h = object::to_cdata(l, st.cdata_tag.get(), 1)?;
        let plan = st.calls.plan(h.ty)?;
        let caller = plan.numbers?;
        (nargs as usize == plan.fixed && !h.data.is_null()).then_some((caller, h.data as usize))
    }
}

/// [`call`] of a cdata type without a plan yet: makes it, then calls.
///
/// # Safety
/// As [`call`].
#[cold]
#[inline(never)]
unsafe fn call_unplanned(l: State, st: &'static ModuleState, ty: CTypeId) -> Option<c_int> {
    // SAFETY: caller contract; the message is moved into the raise.
    unsafe {
        match plan_for(st, ty) {
            Ok(Some(_)) => call(l, st),
            Ok(None) => None,
            Err(message) => Some(stack::raise(l, message)),
        }
    }
}

/// [`call`] of a cdata whose plan exists, in every case but the common one: function
/// pointers, variadic calls, wrong argument counts, values the quick path does not take.
///
/// # Safety
/// As [`call`]; `ty` and `data` are the cdata's at 1, `plan` its plan.
#[inline(never)]
unsafe fn call_planned(
    l: State,
    st: &'static ModuleState,
    tag: c_int,
    plan: &'static CallPlan,
    ty: CTypeId,
    data: *mut u8,
    nargs: usize,
) -> c_int {
    // SAFETY: caller contract; every owned value is gone before a raise.
    unsafe {
        let address = if plan.through_pointer {
            memory::read_address(data)
        } else {
            data as usize
        };
        if address == 0 {
            return stack::raise(l, null_call_message(st, ty));
        }
        if plan.through_pointer && !st.calls.freed_codes.borrow().is_empty() {
            stack::or_return!(check_not_freed(l, st, address));
        }
        if nargs != plan.fixed && !(plan.variadic && nargs > plan.fixed) {
            return stack::raise(l, wrong_count(st, plan, ty, address, nargs));
        }
        if let Some(quick) = &plan.quick {
            if let Some(results) = call_quick(l, st, tag, quick, address) {
                return results;
            }
        }
        if let RetConv::Aggregate { ty, size, align } = plan.ret {
            object::push_new(l, tag, ty, size as usize, align);
        }
        let outcome = invoke(l, st, plan, address, nargs);
        let outcome = stack::raise_err!(l, outcome);
        if st.calls.has_callbacks.get() && st.calls.depth.get() == 0 {
            stack::or_return!(raise_callback_error(l, st));
        }
        push_outcome(l, tag, outcome)
    }
}

#[cold]
fn null_call_message(st: &ModuleState, ty: CTypeId) -> Error {
    let ty = st
        .registry
        .try_borrow()
        .map(|r| r.message_name(ty))
        .unwrap_or_default();
    Error::NullCall { ty }
}

/// `wrong number of arguments for 'f' (expected n, got m)` for a call of the cdata of
/// type `ty` with `nargs` arguments.
#[cold]
#[inline(never)]
fn wrong_count(
    st: &ModuleState,
    plan: &CallPlan,
    ty: CTypeId,
    address: usize,
    nargs: usize,
) -> Error {
    Error::WrongArgumentCount {
        function: callee_name(st, ty, address),
        expected: match plan.variadic {
            true => Arity::AtLeast(plan.fixed),
            false => Arity::Exactly(plan.fixed),
        },
        got: nargs,
    }
}

/// The called function's name for messages: the name it was resolved by through a
/// namespace, else its C type (a function pointer: `int (*)(int)`).
fn callee_name(st: &ModuleState, ty: CTypeId, address: usize) -> String {
    if let Some(name) = st.calls.names.borrow().get(&address) {
        return name.clone();
    }
    st.registry
        .try_borrow()
        .map(|r| r.message_name(ty))
        .unwrap_or_else(|_| "?".to_string())
}

/// `Err(RAISE)`, the error pushed, when `address` is a freed callback.
///
/// # Safety
/// `l` live inside an API function.
#[cold]
unsafe fn check_not_freed(l: State, st: &ModuleState, address: usize) -> Result<(), c_int> {
    if st.calls.freed_codes.borrow().contains(&address) {
        // SAFETY: caller contract; nothing owned is live.
        return Err(unsafe { stack::raise(l, crate::callback::CallbackError::Freed.into()) });
    }
    Ok(())
}

/// `Err(RAISE)`, with the error pushed, when a callback kept an error since the last
/// check (the first one).
///
/// # Safety
/// `l` live inside an API function with 2 free slots.
#[inline]
pub unsafe fn raise_callback_error(l: State, st: &ModuleState) -> Result<(), c_int> {
    match st.calls.callbacks.take_pending_error() {
        // SAFETY: caller contract.
        Some(message) => Err(unsafe { super::callback_glue::raise_pending(l, st, message) }),
        None => Ok(()),
    }
}

/// Pushes a call's result; returns the number of results.
///
/// # Safety
/// `l` live with a free slot.
#[inline]
unsafe fn push_outcome(l: State, tag: c_int, outcome: Outcome) -> c_int {
    // SAFETY: caller contract.
    unsafe {
        match outcome {
            Outcome::Nothing => 0,
            Outcome::Bool(b) => {
                lua::lua_pushboolean(l, b as c_int);
                1
            }
            Outcome::Number(n) => {
                lua::lua_pushnumber(l, n);
                1
            }
            Outcome::Boxed(ty, bits) | Outcome::Pointer(ty, bits @ 1..) => {
                let h = object::push_new(l, tag, ty, 8, 8);
                (*h).data.cast::<u64>().write(bits);
                1
            }
            // A NULL result is nil (README "Differences").
            Outcome::Pointer(_, 0) => {
                lua::lua_pushnil(l);
                1
            }
            Outcome::Pushed => 1,
        }
    }
}

/// Pushes a function cdata for the C function of type `fn_type` at `address`: the
/// cdata's data is the function's address, as `tostring` shows it.
///
/// # Safety
/// `l` live with a free slot; the caller holds nothing with a destructor.
pub unsafe fn push_function(l: State, st: &ModuleState, fn_type: CTypeId, address: usize) {
    // SAFETY: caller contract; a zero-byte value cdata whose data is redirected.
    unsafe {
        let h = object::push_new(l, st.cdata_tag.get(), fn_type, 0, 8);
        (*h).data = address as *mut u8;
    }
}

/// `ffi.errno([new])`: errno as saved after the last C call; with an argument, sets it
/// for the next call and returns the old value.
pub(super) unsafe fn ffi_errno(l: State) -> c_int {
    // SAFETY: called by Luau; arguments only read.
    unsafe {
        let st = ModuleState::of_call(l);
        let saved = &st.calls.errno;
        let old = match lua::lua_type(l, 1) {
            lua::LUA_TNONE => saved.get(),
            lua::LUA_TNUMBER => {
                let new = lua::lua_tonumberx(l, 1, std::ptr::null_mut()) as c_int;
                call::set_errno(new);
                saved.replace(new)
            }
            _ => {
                // Anything else converts to `int` as LuaJIT converts it (a boolean, an
                // integer cdata; nil and strings are errors).
                let mut new: c_int = 0;
                let converted = match st.registry.try_borrow() {
                    Ok(reg) => c_from_lua(
                        l,
                        st.cdata_tag.get(),
                        &reg,
                        CTypeId::INT,
                        (&mut new as *mut c_int).cast(),
                        4,
                        1,
                        Context::Init,
                    ),
                    Err(_) => Err(Error::RegistryBusy),
                }
                .map_err(|e| Error::bad_argument(1, "errno", e));
                stack::raise_err!(l, converted);
                call::set_errno(new);
                saved.replace(new)
            }
        };
        lua::lua_pushnumber(l, f64::from(old));
        1
    }
}
