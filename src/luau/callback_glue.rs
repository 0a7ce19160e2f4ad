//! Luau functions as C function pointers: the callback handler that enters Luau
//! (protected, on the main thread), conversion of a function to a function pointer
//! (explicit with `ffi.cast`, implicit for arguments, stores and initializers), and the
//! `cb:free()` / `cb:set(fn)` methods.
//!
//! A callback's handler runs inside libffi's closure entry, so nothing may unwind out of
//! it: it pushes the trampoline (made once, so pushing never allocates) and a light
//! userdata describing the call, and `lua_pcall`s it. The trampoline converts the C
//! arguments, calls the Luau function and converts its result; any Luau error becomes
//! the handler's `Err`, which the callback table keeps until the outermost FFI call
//! returns (docs/design.md, "Callbacks").

use super::entries;
use super::stack::{self, State};
use super::state::ModuleState;
use crate::call::{self, ValueClass};
use crate::callback::{CallbackError, CallbackHandler};
use crate::cdata::convert::{c_from_lua, f64_to_c_integer, lua_from_c, Access, Context};
use crate::cdata::object;
use crate::ctype::{CTypeId, CTypeKind, Registry};
use crate::error::Error;
use mlua::ffi as lua;
use std::ffi::{c_int, c_void, CStr};
use std::rc::Rc;

/// Registry key of a module state by its cdata tag, for conversions that only know the
/// tag (`c_from_lua` turning a function into a callback).
fn state_key(tag: c_int) -> String {
    format!("luau-ffi.state.{tag}\0")
}

/// Records `st` in the Luau registry and makes the trampoline. Call once at load.
///
/// # Safety
/// `l` live with 3 free slots.
pub unsafe fn init(l: State, st: &'static ModuleState) {
    let key = state_key(st.cdata_tag.get());
    // SAFETY: caller contract; `key` is NUL-terminated.
    unsafe {
        lua::lua_pushlightuserdata(l, st.as_upvalue());
        lua::lua_setfield(l, lua::LUA_REGISTRYINDEX, key.as_ptr().cast());
        stack::push_closure(l, entries::c::callback_invoke, st.as_upvalue());
        st.calls.trampoline_ref.set(lua::lua_ref(l, -1));
        lua::lua_settop(l, -2);
        // Empty is the table itself in its slot (any Luau value may be an error value).
        lua::lua_createtable(l, 1, 0);
        lua::lua_pushvalue(l, -1);
        lua::lua_rawseti(l, -2, 1);
        st.calls.error_value_ref.set(lua::lua_ref(l, -1));
        lua::lua_settop(l, -2);
        // Callbacks run only inside this state's C calls, and never once it closed: a
        // registry-anchored userdata whose destructor runs only in lua_close says when.
        st.calls.callbacks.set_call_depth(&st.calls.depth);
        let block = lua::lua_newuserdatadtor(l, std::mem::size_of::<usize>(), state_closed);
        block
            .cast::<usize>()
            .write(st as *const ModuleState as usize);
        lua::lua_ref(l, -1);
        lua::lua_settop(l, -2);
    }
}

/// The destructor of the close sentinel: disables the state's callbacks (C that still
/// holds one of their pointers gets zero and a message on stderr).
///
/// # Safety
/// Called by Luau with the sentinel's block, which holds the leaked ModuleState's address.
unsafe extern "C" fn state_closed(_l: *mut lua::lua_State, block: *mut c_void) {
    // SAFETY: written by `init`; the ModuleState is never freed.
    unsafe {
        let st = &*(block.cast::<usize>().read() as *const ModuleState);
        st.calls.callbacks.close();
    }
}

/// What a callback keeps as its error when the error value is not a string: the value
/// itself waits in the error-value table (`CallState::error_value_ref`).
const ERROR_VALUE: &str = "\0luau-ffi: callback error value";

/// Keeps the error value on top of the stack in the error-value table, unless one is
/// kept already (the first error wins). Never allocates: the table's array slot exists.
///
/// # Safety
/// `l` live with 2 free slots.
unsafe fn keep_error_value(l: State, st: &ModuleState) {
    // SAFETY: caller contract; rawgeti/rawseti on an existing array slot do not
    // allocate or raise.
    unsafe {
        lua::lua_rawgeti(
            l,
            lua::LUA_REGISTRYINDEX,
            st.calls.error_value_ref.get() as _,
        );
        lua::lua_rawgeti(l, -1, 1);
        let empty = lua::lua_rawequal(l, -1, -2) != 0;
        lua::lua_settop(l, -2);
        if empty {
            lua::lua_pushvalue(l, -2);
            lua::lua_rawseti(l, -2, 1);
        }
        lua::lua_settop(l, -2);
    }
}

/// Raises `message`, the pending error of a callback, in Luau; the kept error value
/// when the callback raised a non-string value.
///
/// # Safety
/// `l` live inside an API function with 2 free slots, holding nothing with a destructor.
#[must_use = "return RAISE to the trampoline"]
pub unsafe fn raise_pending(l: State, st: &ModuleState, message: String) -> c_int {
    // SAFETY: caller contract; the table and its slot exist (made by `init`).
    unsafe {
        lua::lua_rawgeti(
            l,
            lua::LUA_REGISTRYINDEX,
            st.calls.error_value_ref.get() as _,
        );
        lua::lua_rawgeti(l, -1, 1);
        let kept = lua::lua_rawequal(l, -1, -2) == 0;
        lua::lua_pushvalue(l, -2);
        lua::lua_rawseti(l, -3, 1);
        if message == ERROR_VALUE && kept {
            // The kept value is on top: the trampoline raises it as it was raised.
            return stack::RAISE;
        }
        lua::lua_settop(l, -3);
        stack::raise(l, Error::Luau(message))
    }
}

/// The module state whose cdata tag is `tag`.
///
/// # Safety
/// `l` live with 1 free slot.
unsafe fn state_of(l: State, tag: c_int) -> Option<&'static ModuleState> {
    let key = state_key(tag);
    // SAFETY: caller contract; the value is the light userdata stored by `init`, a
    // leaked ModuleState.
    unsafe {
        lua::lua_getfield(l, lua::LUA_REGISTRYINDEX, key.as_ptr().cast());
        let p = lua::lua_tolightuserdata(l, -1).cast::<ModuleState>();
        lua::lua_settop(l, -2);
        p.as_ref()
    }
}

/// What the handler of one callback knows.
struct Target {
    st: &'static ModuleState,
    main: State,
    /// `lua_ref` of the Luau function.
    function_ref: c_int,
    args: Box<[ArgIn]>,
    ret_type: CTypeId,
    ret_class: ValueClass,
    ret_size: u64,
}

impl Drop for Target {
    /// Releases the Luau function when the callback is freed or its function replaced.
    /// Runs on the state's thread, from `cb:free()`/`cb:set()` or after the last running
    /// invocation of the old handler returns; never during `lua_close` (the module state
    /// is never freed).
    fn drop(&mut self) {
        // SAFETY: `main` is the live state's main thread; lua_unref of a reference this
        // target owns only rewrites an existing registry slot (no allocation, no error).
        unsafe { lua::lua_unref(self.main, self.function_ref) };
    }
}

/// How a C argument becomes a Luau value.
#[derive(Clone, Copy)]
enum ArgIn {
    /// `lua_from_c` (numbers, booleans, boxed 64-bit integers, pointers).
    Scalar(Access),
    /// A struct or union by value: copied into a new value cdata.
    Aggregate { ty: CTypeId, size: u32, align: u32 },
}

/// One callback invocation, handed to the trampoline as a light userdata.
struct Invocation<'a> {
    target: &'a Target,
    args: &'a [*const c_void],
    ret: *mut c_void,
}

/// The trampoline: `(invocation)` → converts the arguments, calls the function,
/// converts its result. Runs under `lua_pcall`, so it may raise.
pub(super) unsafe fn trampoline(l: State) -> c_int {
    // SAFETY: called by the handler's lua_pcall with the Invocation as argument 1; the
    // Invocation lives on the handler's stack frame for the whole pcall.
    unsafe {
        let inv = &*lua::lua_tolightuserdata(l, 1).cast::<Invocation>();
        let target = inv.target;
        let tag = target.st.cdata_tag.get();
        lua::lua_rawcheckstack(l, target.args.len() as c_int + 2);
        lua::lua_rawgeti(l, lua::LUA_REGISTRYINDEX, target.function_ref as _);
        for (arg, &src) in target.args.iter().zip(inv.args) {
            match *arg {
                ArgIn::Scalar(access) => lua_from_c(l, tag, access, src as *mut u8),
                ArgIn::Aggregate { ty, size, align } => {
                    let h = object::push_new(l, tag, ty, size as usize, align);
                    std::ptr::copy_nonoverlapping(src.cast::<u8>(), (*h).data, size as usize);
                }
            }
        }
        let nret = if target.ret_class == ValueClass::Void {
            0
        } else {
            1
        };
        stack::or_return!(stack::call(l, target.args.len() as c_int, nret));
        if nret == 1 && lua::lua_type(l, -1) == lua::LUA_TNUMBER {
            // The common case: a number for a number result, written as C converts it.
            let n = lua::lua_tonumberx(l, -1, std::ptr::null_mut());
            let ret = inv.ret.cast::<u8>();
            match target.ret_class {
                ValueClass::F64 => ret.cast::<f64>().write_unaligned(n),
                ValueClass::F32 => ret.cast::<f32>().write_unaligned(n as f32),
                ValueClass::I32 => ret
                    .cast::<i32>()
                    .write_unaligned(f64_to_c_integer(n, 4, true) as i32),
                ValueClass::U32 => ret
                    .cast::<u32>()
                    .write_unaligned(f64_to_c_integer(n, 4, false) as u32),
                _ => return finish_result(l, target, inv, tag),
            }
            return 0;
        }
        if nret == 1 {
            return finish_result(l, target, inv, tag);
        }
        0
    }
}

/// Converts the Luau result on top of the stack into the callback's C result.
///
/// # Safety
/// Inside the trampoline, with the result on top of the stack.
unsafe fn finish_result(l: State, target: &Target, inv: &Invocation, tag: c_int) -> c_int {
    let result = match target.st.registry.try_borrow() {
        // SAFETY: caller contract; `inv.ret` holds the result's size.
        Ok(reg) => unsafe {
            c_from_lua(
                l,
                tag,
                &reg,
                target.ret_type,
                inv.ret.cast(),
                target.ret_size,
                -1,
                Context::Return,
            )
        },
        Err(_) => Err(Error::RegistryBusy),
    };
    stack::raise_err!(l, result);
    0
}

/// Runs one callback invocation: enters Luau under `lua_pcall` on the main thread.
fn handle(target: &Target, args: &[*const c_void], ret: *mut c_void) -> Result<(), Error> {
    let l = target.main;
    let inv = Invocation { target, args, ret };
    // SAFETY: `l` is the main thread of the live state that made the callback (the
    // callback table rejects other OS threads); lua_checkstack and the pushes below do
    // not raise (the trampoline is pre-made; a light userdata needs no allocation);
    // lua_pcall catches every Luau error.
    unsafe {
        if lua::lua_checkstack(l, 4) == 0 {
            return Err(Error::CallbackStackOverflow);
        }
        let top = lua::lua_gettop(l);
        lua::lua_rawgeti(
            l,
            lua::LUA_REGISTRYINDEX,
            target.st.calls.trampoline_ref.get() as _,
        );
        lua::lua_pushlightuserdata(l, (&inv as *const Invocation).cast_mut().cast());
        let status = lua::lua_pcall(l, 1, 0, 0);
        let result = if status == lua::LUA_OK {
            Ok(())
        } else {
            Err(Error::Luau(match stack::to_bytes(l, -1) {
                Some(bytes) => String::from_utf8_lossy(bytes).into_owned(),
                None => {
                    // Raised again as it is (a table, nil, ...), as LuaJIT does.
                    keep_error_value(l, target.st);
                    ERROR_VALUE.to_string()
                }
            }))
        };
        lua::lua_settop(l, top);
        result
    }
}

/// Makes a callback of pointer-to-function type `ty` running the function at `idx`.
/// `implicit` callbacks are made once per (function, type) and never freed.
///
/// # Safety
/// `l` live with 2 free slots; `idx` holds a function.
unsafe fn make(
    l: State,
    st: &'static ModuleState,
    reg: &Registry,
    ty: CTypeId,
    idx: c_int,
    implicit: bool,
) -> Result<usize, Error> {
    let fn_type = call::function_type_of(reg, ty).ok_or(Error::BadCallback)?;
    // SAFETY: caller contract; only reads the stack.
    let key = (unsafe { lua::lua_topointer(l, idx) } as usize, fn_type);
    if implicit {
        if let Some(&code) = st.calls.implicit.borrow().get(&key) {
            return Ok(code);
        }
    }
    if matches!(
        reg.get(fn_type).kind,
        CTypeKind::Function { variadic: true, .. }
    ) {
        // LuaJIT refuses variadic callbacks as a failed conversion.
        return Err(Error::CannotConvert {
            from: "function".into(),
            to: reg.message_name(ty),
        });
    }
    // The tables the new callback enters grow by doubling: room is asked for first, so
    // a refusal is `not enough memory` rather than an abort (crate::reserve).
    let room = st.calls.callback_codes.borrow_mut().try_reserve(1).is_ok()
        && st.calls.implicit.borrow_mut().try_reserve(1).is_ok();
    if !room {
        return Err(Error::NotEnoughMemory);
    }
    let signature = st
        .calls
        .cif
        .try_borrow_mut()
        .map_err(|_| Error::CifCacheBusy)?
        .signature(reg, fn_type)
        .map_err(|e| Error::BadCallbackBecause(Box::new(e.into())))?;
    // SAFETY: caller contract.
    let target = unsafe { target_for(l, st, reg, &signature, idx) };
    let handler: Rc<CallbackHandler> =
        Rc::new(move |args, ret| handle(&target, args, ret).map_err(Error::into_message));
    let callback = st
        .calls
        .callbacks
        .create(signature, handler)
        .map_err(Error::from)?;
    let code = callback.code as usize;
    st.calls.has_callbacks.set(true);
    st.calls.freed_codes.borrow_mut().remove(&code);
    st.calls
        .callback_codes
        .borrow_mut()
        .insert(code, callback.id);
    if implicit {
        st.calls.implicit.borrow_mut().insert(key, code);
    }
    Ok(code)
}

/// The conversion of a Luau function at `idx` to function-pointer type `ty`, for
/// `c_from_lua`: a new callback for `ffi.cast`, the function's permanent implicit
/// callback otherwise. Returns the code address.
///
/// # Safety
/// `l` live with 3 free slots; `idx` holds a function.
pub unsafe fn pointer_from_function(
    l: State,
    tag: c_int,
    reg: &Registry,
    ty: CTypeId,
    idx: c_int,
    ctx: Context,
) -> Result<usize, Error> {
    // SAFETY: caller contract.
    unsafe {
        let idx = lua::lua_absindex(l, idx);
        let Some(st) = state_of(l, tag) else {
            return Err(Error::BadCallback);
        };
        make(l, st, reg, ty, idx, ctx != Context::Cast)
    }
}

/// Whether the cdata at 1 is a pointer to a function (the only cdata with callback
/// methods), and its code address.
///
/// # Safety
/// `l` live.
unsafe fn function_pointer_at_1(l: State, st: &ModuleState) -> Option<usize> {
    // SAFETY: caller contract; only reads the stack and the cdata's object.
    unsafe {
        let h = object::to_cdata(l, st.cdata_tag.get(), 1)?;
        let (ty, data) = (h.ty, h.data);
        let reg = st.registry.try_borrow().ok()?;
        if !matches!(reg.get(ty).kind, CTypeKind::Pointer { .. }) {
            return None;
        }
        call::function_type_of(&reg, ty)?;
        drop(reg);
        Some(crate::cdata::memory::read_address(data))
    }
}

/// `cb:free()` and `cb:set(fn)` on a function-pointer cdata at 1; `None` for any other
/// method or cdata (the caller goes on with the metatype).
///
/// # Safety
/// `l` live inside `__namecall`; the caller holds nothing with a destructor.
pub unsafe fn method(l: State, st: &'static ModuleState, name: &CStr) -> Option<c_int> {
    let free = match name.to_bytes() {
        b"free" => true,
        b"set" => false,
        _ => return None,
    };
    // SAFETY: caller contract.
    unsafe {
        let code = function_pointer_at_1(l, st)?;
        Some(run_method(l, st, code, free, 1))
    }
}

/// `cb.free` / `cb.set` read as fields of a function-pointer cdata at 1 (key at 2):
/// pushes the method, to be called as `cb.free(cb)` or `cb.set(cb, fn)`, as in LuaJIT.
///
/// # Safety
/// `l` live inside `__index` (an API function of this module) with a free slot; the
/// caller holds nothing with a destructor.
pub unsafe fn push_method(l: State) -> bool {
    // SAFETY: caller contract.
    unsafe {
        let st = ModuleState::of_call(l);
        let free = match stack::to_bytes(l, 2) {
            Some(b"free") => true,
            Some(b"set") => false,
            _ => return false,
        };
        if function_pointer_at_1(l, st).is_none() {
            return false;
        }
        let f: lua::lua_CFunction = if free {
            entries::c::callback_free
        } else {
            entries::c::callback_set
        };
        stack::push_closure(l, f, st.as_upvalue());
        true
    }
}

/// `cb.free(cb)`.
pub(super) unsafe fn callback_free(l: State) -> c_int {
    // SAFETY: called by Luau with the module's upvalue.
    unsafe { method_function(l, true) }
}

/// `cb.set(cb, fn)`.
pub(super) unsafe fn callback_set(l: State) -> c_int {
    // SAFETY: called by Luau with the module's upvalue.
    unsafe { method_function(l, false) }
}

/// The body of `callback_free` / `callback_set`.
///
/// # Safety
/// `l` live inside an API function of this module.
unsafe fn method_function(l: State, free: bool) -> c_int {
    // SAFETY: caller contract; nothing owned is live when raising.
    unsafe {
        let st = ModuleState::of_call(l);
        if let Some(code) = function_pointer_at_1(l, st) {
            return run_method(l, st, code, free, 2);
        }
        let message = if object::to_cdata(l, st.cdata_tag.get(), 1).is_some() {
            Error::BadCallback
        } else {
            let got = stack::type_name(l, 1);
            let name = if free { "free" } else { "set" };
            Error::bad_argument(
                1,
                name,
                Error::Expected {
                    what: "cdata",
                    got: got.into(),
                },
            )
        };
        stack::raise(l, message)
    }
}

/// Frees the callback at `code`, or sets its function to the one at 2. `function_arg`
/// is the number the function argument has in messages: 1 for `cb:set(fn)`, 2 for
/// `cb.set(cb, fn)`, as LuaJIT counts them.
///
/// # Safety
/// `l` live inside an API function; the caller holds nothing with a destructor.
unsafe fn run_method(
    l: State,
    st: &'static ModuleState,
    code: usize,
    free: bool,
    function_arg: c_int,
) -> c_int {
    // SAFETY: caller contract; owned values are dropped before raising.
    unsafe {
        let id = st.calls.callback_codes.borrow().get(&code).copied();
        let Some(id) = id else {
            // A freed callback, or a function pointer that never was one.
            let freed = st.calls.freed_codes.borrow().contains(&code);
            let message = if freed {
                Error::Callback(CallbackError::Freed)
            } else {
                Error::BadCallback
            };
            return stack::raise(l, message);
        };
        if free {
            let result = st.calls.callbacks.free(id).map_err(Error::from);
            if result.is_ok() {
                st.calls.callback_codes.borrow_mut().remove(&code);
                // Out of memory the address is not remembered (freeing never needs
                // memory): calling it then is not caught, as in C.
                let mut freed = st.calls.freed_codes.borrow_mut();
                if freed.try_reserve(1).is_ok() {
                    freed.insert(code);
                }
                drop(freed);
                st.calls.implicit.borrow_mut().retain(|_, c| *c != code);
            }
            stack::raise_err!(l, result);
            return 0;
        }
        if lua::lua_type(l, 2) != lua::LUA_TFUNCTION {
            let got = stack::type_name(l, 2);
            return stack::raise(
                l,
                Error::bad_argument(
                    function_arg,
                    "set",
                    Error::Expected {
                        what: "function",
                        got: got.into(),
                    },
                ),
            );
        }
        let result = st
            .calls
            .callbacks
            .signature(id)
            .map_err(Error::from)
            .and_then(|signature| {
                let reg = st.registry.try_borrow().map_err(|_| Error::RegistryBusy)?;
                let target = target_for(l, st, &reg, &signature, 2);
                drop((reg, signature));
                let handler: Rc<CallbackHandler> = Rc::new(move |args, ret| {
                    handle(&target, args, ret).map_err(Error::into_message)
                });
                st.calls.callbacks.set(id, handler).map_err(Error::from)
            });
        stack::raise_err!(l, result);
        0
    }
}

/// The handler data of a callback of `signature` running the function at `idx`.
///
/// # Safety
/// `l` live; `idx` holds a function, which is anchored for the callback's life.
unsafe fn target_for(
    l: State,
    st: &'static ModuleState,
    reg: &Registry,
    signature: &crate::call::Signature,
    idx: c_int,
) -> Target {
    let args = (0..signature.arg_count())
        .map(|i| {
            let t = signature.arg_type(i);
            let class = signature.arg_class(i);
            match class {
                ValueClass::Aggregate { .. }
                | ValueClass::LongDouble
                | ValueClass::ComplexF32
                | ValueClass::ComplexF64 => ArgIn::Aggregate {
                    ty: t,
                    size: class.size() as u32,
                    align: class.align() as u32,
                },
                _ => ArgIn::Scalar(Access::of(reg, t)),
            }
        })
        .collect();
    Target {
        st,
        // SAFETY: l is live (caller contract).
        main: unsafe { lua::lua_mainthread(l) },
        // SAFETY: as above; lua_ref anchors the function in the registry.
        function_ref: unsafe { lua::lua_ref(l, idx) },
        args,
        ret_type: signature.ret_type(),
        ret_class: signature.ret_class(),
        ret_size: signature.ret_class().size() as u64,
    }
}
