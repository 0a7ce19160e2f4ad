//! Callbacks: libffi closures that turn a C call of a function pointer into a call of a
//! Rust handler (the Lua glue installs one that enters Luau), with `free`/`set`, use-
//! after-free detection by generation, an owner-thread check, and no unwinding into C.
//! No Luau here.
//!
//! | piece            | lives in                      | job                                  |
//! |------------------|-------------------------------|--------------------------------------|
//! | [`CallbackId`]   | the glue's callback cdata     | slot index + generation              |
//! | slot             | [`CallbackTable`]             | the closure, its signature, handler  |
//! | closure record   | boxed, libffi's `user_data`   | table address, id, owner thread      |
//!
//! A handler that fails (returns `Err` or panics) and a call from another OS thread
//! make the C caller see a zero result; the failure is kept for
//! [`CallbackTable::take_pending_error`], which the glue raises in Luau when the
//! outermost FFI call returns (docs/design.md, "Callbacks").
//!
//! The glue's sequence:
//!
//! ```text
//! let fn_type = call::function_type_of(&reg, ptr_type)?;   // int (*)(int, int) -> int (int, int)
//! let sig = cache.signature(&reg, fn_type)?;
//! let cb = table.create(sig, Rc::new(move |args, ret| { /* lua_from_c each arg, pcall,
//!                                                          c_from_lua into ret */ Ok(()) }))?;
//! // cb.code is the C function pointer; keep cb.id in the callback cdata:
//! table.free(cb.id)? / table.set(cb.id, handler)? / table.code(cb.id)?   // stale id → Err
//! if let Some(message) = table.take_pending_error() { /* raise after the outermost call */ }
//! ```

pub use crate::error::CallbackError;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread::ThreadId;

use libffi_sys::{
    ffi_cif, ffi_closure, ffi_closure_alloc, ffi_closure_free, ffi_prep_closure_loc,
    ffi_status_FFI_OK,
};

use crate::call::{Signature, ValueClass};

/// What a callback runs: `args[i]` points at argument `i`'s C value; the result's C
/// value is written to `ret` (it starts zeroed). An `Err` makes the C caller see zero
/// and is kept as the pending error.
pub type CallbackHandler = dyn Fn(&[*const c_void], *mut c_void) -> Result<(), String>;

/// Names one callback; stale after `free` (the generation no longer matches).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CallbackId {
    index: u32,
    generation: u32,
}

/// A live callback: its id and the C function pointer C code calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Callback {
    pub id: CallbackId,
    pub code: *const c_void,
}

pub use crate::error::FOREIGN_THREAD_MESSAGE;

/// Every callback of one Luau state; created on, and owned by, the state's thread.
pub struct CallbackTable {
    shared: Box<TableShared>,
}

struct TableShared {
    owner: ThreadId,
    slots: RefCell<Vec<Slot>>,
    free_slots: RefCell<Vec<u32>>,
    pending_error: RefCell<Option<String>>,
    /// Touched by other threads: only this counter.
    foreign_calls: AtomicU32,
    /// Calls refused because the state was not inside an FFI call (a signal handler,
    /// the collector): counted only, as a signal handler must not allocate.
    outside_calls: AtomicU32,
    /// The state's count of C calls in progress (set by the glue); no handler runs
    /// while it is zero.
    call_depth: Cell<Option<&'static Cell<u32>>>,
    /// The state closed: every call is refused and reported on stderr.
    closed: AtomicBool,
    /// Handlers running now (nested callbacks count each).
    depth: Cell<u32>,
    /// Closures of freed callbacks, kept (never given back to libffi while the table
    /// lives) so that C code calling a freed callback's pointer reaches `dispatch`,
    /// which reports the use after free, instead of unmapped or reused memory. Keyed
    /// by signature (the `Rc`'s address, kept alive by the parked closure): `create`
    /// reuses one only for a callback of the same C type, so a stale pointer never
    /// runs a callback of another type; their number stays at the most callbacks of
    /// each type ever live at once.
    parked: RefCell<HashMap<usize, Vec<Parked>>>,
    /// Callbacks freed while a handler ran (it may be one of them, its record in use);
    /// parked when none runs.
    graveyard: RefCell<Vec<Parked>>,
}

struct Slot {
    generation: u32,
    live: Option<LiveCallback>,
}

/// A closure from `ffi_closure_alloc`, freed when dropped.
struct OwnedClosure {
    closure: *mut ffi_closure,
    code: *const c_void,
}

impl Drop for OwnedClosure {
    fn drop(&mut self) {
        // SAFETY: `closure` came from ffi_closure_alloc and is freed once, here: only
        // when the table is dropped (a freed callback's closure is parked, not freed),
        // so no handler of it runs.
        unsafe { ffi_closure_free(self.closure.cast()) };
    }
}

struct LiveCallback {
    owned: OwnedClosure,
    signature: Rc<Signature>,
    handler: Rc<CallbackHandler>,
    record: Box<ClosureRecord>,
}

/// A freed callback's closure: still prepared with its old cif and record (whose stale
/// id makes `dispatch` report the call), which therefore stay alive with it.
struct Parked {
    owned: OwnedClosure,
    signature: Rc<Signature>,
    _record: Box<ClosureRecord>,
}

impl LiveCallback {
    fn park(self) -> Parked {
        Parked {
            owned: self.owned,
            signature: self.signature,
            _record: self.record,
        }
    }
}

/// libffi's `user_data` for one closure. Immutable after creation, so the foreign-thread
/// check may read it from any thread.
struct ClosureRecord {
    table: *const TableShared,
    id: CallbackId,
    owner: ThreadId,
    /// Bytes of the result buffer to zero before anything else happens.
    ret_bytes: usize,
    ret_class: ValueClass,
    nargs: usize,
}

impl Default for CallbackTable {
    fn default() -> Self {
        CallbackTable::new()
    }
}

impl CallbackTable {
    /// A table whose callbacks run only on the calling thread.
    pub fn new() -> CallbackTable {
        CallbackTable {
            shared: Box::new(TableShared {
                owner: std::thread::current().id(),
                slots: RefCell::new(Vec::new()),
                free_slots: RefCell::new(Vec::new()),
                pending_error: RefCell::new(None),
                foreign_calls: AtomicU32::new(0),
                outside_calls: AtomicU32::new(0),
                call_depth: Cell::new(None),
                closed: AtomicBool::new(false),
                depth: Cell::new(0),
                parked: RefCell::new(HashMap::new()),
                graveyard: RefCell::new(Vec::new()),
            }),
        }
    }

    /// Makes a C function pointer of `signature`'s type that runs `handler`.
    pub fn create(
        &self,
        signature: Rc<Signature>,
        handler: Rc<CallbackHandler>,
    ) -> Result<Callback, CallbackError> {
        if signature.is_variadic() {
            return Err(CallbackError::Variadic);
        }
        // Memory outside Luau's heap: only while there is room (crate::reserve).
        let shared = &*self.shared;
        if !crate::reserve::room_outside_luau() || shared.slots.borrow_mut().try_reserve(1).is_err()
        {
            return Err(CallbackError::OutOfClosureMemory);
        }
        let index = shared.free_slots.borrow_mut().pop();
        let index = index.unwrap_or_else(|| {
            let mut slots = shared.slots.borrow_mut();
            slots.push(Slot {
                generation: 0,
                live: None,
            });
            (slots.len() - 1) as u32
        });
        let generation = shared.slots.borrow()[index as usize].generation;
        let id = CallbackId { index, generation };
        let record = Box::new(ClosureRecord {
            table: shared,
            id,
            owner: shared.owner,
            ret_bytes: signature.ret_class().size().max(std::mem::size_of::<u64>()),
            ret_class: signature.ret_class(),
            nargs: signature.arg_count(),
        });

        // A parked closure of a freed callback of the same type first (no handler runs
        // when one is parked: the graveyard holds those freed during a run), else a new
        // one.
        let reused = shared
            .parked
            .borrow_mut()
            .get_mut(&signature_key(&signature))
            .and_then(Vec::pop);
        let (owned, old) = match reused {
            Some(Parked {
                owned,
                signature: old_signature,
                _record: old_record,
            }) => (owned, Some((old_signature, old_record))),
            None => {
                let mut code: *mut c_void = std::ptr::null_mut();
                // SAFETY: asks libffi for a writable closure and its executable address.
                let closure =
                    unsafe { ffi_closure_alloc(std::mem::size_of::<ffi_closure>(), &mut code) }
                        .cast::<ffi_closure>();
                if closure.is_null() || code.is_null() {
                    shared.free_slots.borrow_mut().push(index);
                    return Err(CallbackError::OutOfClosureMemory);
                }
                (OwnedClosure { closure, code }, None)
            }
        };
        let record_ptr: *const ClosureRecord = &*record;
        // SAFETY: `owned` is an allocation from ffi_closure_alloc (fresh, or parked and
        // not running); the cif is owned by `signature`, which the slot keeps alive as
        // long as the closure is prepared with it; `record` is boxed and kept by the
        // slot, so `user_data` stays valid. On x86-64 and arm64 libffi checks the ABI
        // before writing the closure, so a refusal leaves a parked closure as it was.
        let status = unsafe {
            ffi_prep_closure_loc(
                owned.closure,
                signature.cif_ptr(),
                Some(dispatch),
                record_ptr.cast_mut().cast(),
                owned.code.cast_mut(),
            )
        };
        if status != ffi_status_FFI_OK {
            if let Some((old_signature, old_record)) = old {
                shared.park(Parked {
                    owned,
                    signature: old_signature,
                    _record: old_record,
                });
            }
            shared.free_slots.borrow_mut().push(index);
            return Err(CallbackError::PrepareFailed(status));
        }
        drop(old);
        let code = owned.code;
        shared.slots.borrow_mut()[index as usize].live = Some(LiveCallback {
            owned,
            signature,
            handler,
            record,
        });
        Ok(Callback { id, code })
    }

    /// The C function pointer of a live callback (for a Luau call of a callback cdata).
    pub fn code(&self, id: CallbackId) -> Result<*const c_void, CallbackError> {
        self.with_live(id, |live| live.owned.code)
    }

    /// The signature of a live callback.
    pub fn signature(&self, id: CallbackId) -> Result<Rc<Signature>, CallbackError> {
        self.with_live(id, |live| live.signature.clone())
    }

    /// Whether `id` names a callback that has not been freed.
    pub fn is_live(&self, id: CallbackId) -> bool {
        self.with_live(id, |_| ()).is_ok()
    }

    /// `cb:set(fn)`: the same C function pointer now runs `handler`.
    pub fn set(&self, id: CallbackId, handler: Rc<CallbackHandler>) -> Result<(), CallbackError> {
        let mut slots = self.shared.slots.borrow_mut();
        match slots.get_mut(id.index as usize) {
            Some(Slot {
                generation,
                live: Some(live),
            }) if *generation == id.generation => {
                live.handler = handler;
                Ok(())
            }
            _ => Err(CallbackError::Freed),
        }
    }

    /// `cb:free()`: releases the closure. The id (and any copy of it) is stale from now
    /// on; freeing twice is an error, as in LuaJIT.
    pub fn free(&self, id: CallbackId) -> Result<(), CallbackError> {
        let shared = &*self.shared;
        let live = {
            let mut slots = shared.slots.borrow_mut();
            let Some(slot) = slots.get_mut(id.index as usize) else {
                return Err(CallbackError::Freed);
            };
            if slot.generation != id.generation || slot.live.is_none() {
                return Err(CallbackError::Freed);
            }
            slot.generation = slot.generation.wrapping_add(1);
            slot.live.take()
        };
        // Out of memory, the slot is not reused (freeing never needs memory).
        let mut free_slots = shared.free_slots.borrow_mut();
        if free_slots.try_reserve(1).is_ok() {
            free_slots.push(id.index);
        }
        drop(free_slots);
        if let Some(live) = live {
            // The handler goes now (a running one is kept by `dispatch`); the closure
            // stays, parked.
            let parked = live.park();
            if shared.depth.get() > 0 {
                let mut graveyard = shared.graveyard.borrow_mut();
                if graveyard.try_reserve(1).is_ok() {
                    graveyard.push(parked);
                } else {
                    // A handler may be running on it: out of memory, it is never freed.
                    std::mem::forget(parked);
                }
            } else {
                shared.park(parked);
            }
        }
        Ok(())
    }

    /// Number of live callbacks.
    pub fn live_count(&self) -> usize {
        self.shared
            .slots
            .borrow()
            .iter()
            .filter(|slot| slot.live.is_some())
            .count()
    }

    /// The first failure since the last call (a handler error or panic, or a call from
    /// another thread), to raise in Luau; clears it.
    #[inline]
    pub fn take_pending_error(&self) -> Option<String> {
        // The common case, nothing to report, after every C call of a state that has
        // callbacks: plain loads, no atomic swap (a locked instruction on x86-64). A
        // foreign call counted just after the load is reported at the next call.
        if self.shared.foreign_calls.load(Ordering::Relaxed) == 0
            && self.shared.outside_calls.load(Ordering::Relaxed) == 0
            && self.shared.pending_error.borrow().is_none()
        {
            return None;
        }
        let foreign = self.shared.foreign_calls.swap(0, Ordering::Relaxed);
        let outside = self.shared.outside_calls.swap(0, Ordering::Relaxed);
        let pending = self.shared.pending_error.borrow_mut().take();
        pending
            .or_else(|| (outside > 0).then(|| crate::error::Error::CallbackOutsideCall.to_string()))
            .or_else(|| (foreign > 0).then(|| FOREIGN_THREAD_MESSAGE.to_string()))
    }

    /// Runs handlers only while `depth` (the state's count of C calls in progress) is
    /// non-zero: a call at any other time (from a signal handler, from the collector)
    /// returns zero, and is reported by [`Self::take_pending_error`].
    pub fn set_call_depth(&self, depth: &'static Cell<u32>) {
        self.shared.call_depth.set(Some(depth));
    }

    /// The state closed: from now on every call returns zero and is reported on stderr.
    pub fn close(&self) {
        self.shared.closed.store(true, Ordering::Relaxed);
    }

    /// Takes the kept handler error out (a finalizer run inside an FFI call must not see
    /// or consume the error of the call around it); [`Self::restore_pending_error`] puts
    /// it back.
    pub fn stash_pending_error(&self) -> Option<String> {
        self.shared.pending_error.borrow_mut().take()
    }

    /// Puts back an error taken by [`Self::stash_pending_error`] (it was first).
    pub fn restore_pending_error(&self, stashed: Option<String>) {
        if stashed.is_some() {
            *self.shared.pending_error.borrow_mut() = stashed;
        }
    }

    fn with_live<T>(
        &self,
        id: CallbackId,
        f: impl FnOnce(&LiveCallback) -> T,
    ) -> Result<T, CallbackError> {
        let slots = self.shared.slots.borrow();
        match slots.get(id.index as usize) {
            Some(Slot {
                generation,
                live: Some(live),
            }) if *generation == id.generation => Ok(f(live)),
            _ => Err(CallbackError::Freed),
        }
    }
}

/// The key of a signature among parked closures.
fn signature_key(signature: &Rc<Signature>) -> usize {
    Rc::as_ptr(signature) as usize
}

impl TableShared {
    /// Keeps a freed callback's closure for reuse; when the system refuses the room to
    /// keep it, it is dropped (freed) instead: freeing never needs memory.
    fn park(&self, parked: Parked) {
        let mut parked_lists = self.parked.borrow_mut();
        if parked_lists.try_reserve(1).is_err() {
            return;
        }
        let list = parked_lists
            .entry(signature_key(&parked.signature))
            .or_default();
        if list.try_reserve(1).is_ok() {
            list.push(parked);
        }
    }

    fn keep_error(&self, message: String) {
        if let Ok(mut pending) = self.pending_error.try_borrow_mut() {
            if pending.is_none() {
                *pending = Some(message);
            }
        }
    }

    /// Whether a handler may run now: the state is alive and inside an FFI call.
    /// Otherwise the call is counted or reported, without allocating (this may be a
    /// signal handler).
    fn may_run(&self) -> bool {
        if self.closed.load(Ordering::Relaxed) {
            let text = crate::error::CALLBACK_OUTSIDE_CALL;
            // SAFETY: write(2) of a static buffer: async-signal-safe, no allocation.
            unsafe {
                libc::write(2, "luau-ffi: ".as_ptr().cast(), 10);
                libc::write(2, text.as_ptr().cast(), text.len() as _); // size_t, or unsigned on Windows
                libc::write(2, "\n".as_ptr().cast(), 1);
            }
            return false;
        }
        if self.call_depth.get().is_some_and(|depth| depth.get() == 0)
            || crate::cdata::finalizer::in_c_finalizer()
        {
            self.outside_calls.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        true
    }

    fn handler_of(&self, id: CallbackId) -> Option<Rc<CallbackHandler>> {
        let slots = self.slots.borrow();
        match slots.get(id.index as usize) {
            Some(Slot {
                generation,
                live: Some(live),
            }) if *generation == id.generation => Some(live.handler.clone()),
            _ => None,
        }
    }
}

thread_local! {
    /// This thread's id, looked up once (`thread::current()` clones a handle each time).
    static THIS_THREAD: ThreadId = std::thread::current().id();
}

/// The calling thread's id, cheaply.
fn current_thread() -> Option<ThreadId> {
    THIS_THREAD.try_with(|id| *id).ok()
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    crate::error::Error::HandlerPanicked(what).to_string()
}

/// libffi's closure entry: checks the thread and the callback's liveness, runs the
/// handler without letting a panic reach C, and leaves a zero result on any failure.
unsafe extern "C" fn dispatch(
    _cif: *mut ffi_cif,
    ret: *mut c_void,
    args: *mut *mut c_void,
    user_data: *mut c_void,
) {
    // SAFETY: user_data is the ClosureRecord boxed by `create`, alive while the closure
    // is (the slot, the graveyard or the parked list owns it), and never mutated.
    let record = unsafe { &*user_data.cast::<ClosureRecord>() };
    // SAFETY: libffi's result buffer holds at least the result (and a full register).
    unsafe { std::ptr::write_bytes(ret.cast::<u8>(), 0, record.ret_bytes) };
    // SAFETY: the table outlives its closures (dropping it frees them all).
    let table = unsafe { &*record.table };
    if current_thread() != Some(record.owner) {
        table.foreign_calls.fetch_add(1, Ordering::Relaxed);
        return;
    }
    if !table.may_run() {
        return;
    }
    let Some(handler) = table.handler_of(record.id) else {
        table.keep_error(CallbackError::Freed.to_string());
        return;
    };
    let args: &[*const c_void] = if record.nargs == 0 {
        &[]
    } else {
        // SAFETY: libffi passes one pointer per argument of the cif.
        unsafe { std::slice::from_raw_parts(args.cast::<*const c_void>(), record.nargs) }
    };
    table.depth.set(table.depth.get() + 1);
    let outcome = catch_unwind(AssertUnwindSafe(|| handler(args, ret)));
    drop(handler);
    let failure = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(message)) => Some(message),
        Err(payload) => Some(panic_message(&*payload)),
    };
    match failure {
        Some(message) => {
            // SAFETY: as the first zeroing.
            unsafe { std::ptr::write_bytes(ret.cast::<u8>(), 0, record.ret_bytes) };
            table.keep_error(message);
        }
        None if record.ret_class.is_integer_register() && record.ret_class.size() < 8 => {
            // libffi wants integer results widened to a full register (ffi_arg); the
            // handler wrote only the C value's bytes.
            let slot = ret.cast::<u64>();
            // SAFETY: the buffer holds a full register (ret_bytes >= 8), suitably aligned.
            unsafe {
                let narrow = match record.ret_class.size() {
                    1 => u64::from(slot.cast::<u8>().read()),
                    2 => u64::from(slot.cast::<u16>().read()),
                    _ => u64::from(slot.cast::<u32>().read()),
                };
                slot.write(record.ret_class.extend_integer(narrow));
            }
        }
        None => {}
    }
    table.depth.set(table.depth.get() - 1);
    if table.depth.get() == 0 {
        let buried = std::mem::take(&mut *table.graveyard.borrow_mut());
        for parked in buried {
            table.park(parked);
        }
    }
}
