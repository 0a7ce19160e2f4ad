//! Finalizers (`ffi.gc`, metatype `__gc`) as docs/design.md, "Finalizers", says: a C function finalizer is
//! called by the cdata destructor itself; for a Luau finalizer the destructor only queues
//! a copy of the collected value, and the queue is drained at the next safe point, the
//! VM interrupt, which is installed only while the queue is non-empty and chains the
//! host's previous interrupt.
//!
//! Draining is never re-entered: a finalizer whose work triggers a collection, an FFI
//! call (a safe point) or the interrupt only appends to the queue, and the one drain
//! loop that is running takes entries one at a time until the queue is empty, so no
//! entry is ever dropped however deep the chain of finalizers queuing finalizers goes.

use super::memory;
use super::object::{self, Header};
use crate::ctype::CTypeId;
use mlua::ffi::{self as lua, lua_State};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::ffi::c_int;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// A collected cdata whose Luau finalizer has yet to run.
pub struct Pending {
    /// Index of the finalizer function in the finalizer table.
    pub slot: u32,
    pub ty: CTypeId,
    /// The collected value was a reference: `bytes` is empty and `address` is kept.
    pub address: Option<usize>,
    pub bytes: Vec<u8>,
}

/// The high bit of a finalizer slot marks a C function finalizer.
pub const C_FINALIZER: u32 = 1 << 31;

/// The finalizer table's key of `slot`: C finalizer slots (high bit set) are negative
/// integers, so every key fits the C `int` of `lua_rawseti`.
pub fn slot_key(slot: u32) -> i64 {
    i64::from(slot as i32)
}

/// How the collected value is passed to a C finalizer (its one argument).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CArgument {
    /// The address of the C object (arrays, structs).
    Address,
    /// The pointer the cdata holds (`ffi.gc(p, ffi.C.free)`).
    PointerValue,
    /// The integer the cdata holds.
    Integer { size: u8, signed: bool },
}

/// A C function finalizer: a function of one pointer or integer argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CFinalizer {
    pub function: usize,
    pub argument: CArgument,
}

/// What a C finalizer keeps alive until it ran or was removed (the loaded library its
/// function lives in), dropped after the call: so the library stays mapped even when
/// the state closes and frees its handle first.
pub type Keep = Option<Box<dyn std::any::Any>>;

/// Calls a C finalizer with the value of the object at `data`.
///
/// # Safety
/// `f.function` is a C function taking one pointer or integer argument (passed in an
/// integer register on the supported ABIs; any result is ignored); `data` is valid for
/// the argument's read.
pub unsafe fn call_c_finalizer(f: CFinalizer, data: *const u8) {
    // SAFETY: caller contract.
    unsafe {
        let argument = match f.argument {
            CArgument::Address => data as usize,
            CArgument::PointerValue => memory::read_address(data),
            CArgument::Integer { size, signed } => memory::read_int(data, size, signed) as usize,
        };
        let function: extern "C" fn(usize) = std::mem::transmute(f.function);
        function(argument);
    }
}

/// Per-state finalizer bookkeeping (part of the module state).
pub struct Finalizers {
    /// `lua_ref`s of parents whose anchoring references were collected, to release.
    unrefs: RefCell<Vec<c_int>>,
    /// Slots of C finalizers that ran: their function cdata (kept in the finalizer
    /// table so that the library it came from stays loaded) is let go at a safe point.
    released: RefCell<Vec<u32>>,
    /// C function finalizers by slot (with [`C_FINALIZER`] set).
    c_functions: RefCell<HashMap<u32, (CFinalizer, Keep)>>,
    /// `lua_ref` of the table slot → finalizer function.
    pub table_ref: Cell<c_int>,
    next_slot: Cell<u32>,
    queue: RefCell<VecDeque<Pending>>,
    /// A drain loop is running (on this state): a nested drain only leaves the new
    /// entries to it.
    draining: Cell<bool>,
    /// What the interrupt calls to drain (set by the Luau layer at load, with its
    /// argument): it wraps [`run_pending`] in the state's call bookkeeping.
    drain_hook: Cell<Option<(DrainHook, usize)>>,
    /// The interrupt that was installed when ours went in, called after ours.
    previous_interrupt: Cell<Option<Interrupt>>,
    /// Tag and alignment source for rebuilding values: set at load.
    pub cdata_tag: Cell<c_int>,
}

type Interrupt = unsafe extern "C-unwind" fn(*mut lua_State, c_int);

/// A drain function of the layer above and its argument (see `Finalizers::drain_hook`).
///
/// # Safety
/// Called at a safe point of a live `l`, with the argument it was set with.
pub type DrainHook = unsafe fn(*mut lua_State, usize);

impl Default for Finalizers {
    fn default() -> Self {
        Finalizers {
            unrefs: RefCell::new(Vec::new()),
            released: RefCell::new(Vec::new()),
            c_functions: RefCell::new(HashMap::new()),
            table_ref: Cell::new(0),
            next_slot: Cell::new(1),
            queue: RefCell::new(VecDeque::new()),
            draining: Cell::new(false),
            drain_hook: Cell::new(None),
            previous_interrupt: Cell::new(None),
            cdata_tag: Cell::new(0),
        }
    }
}

impl Finalizers {
    /// A fresh slot number for a finalizer function.
    pub fn new_slot(&self) -> u32 {
        let slot = self.next_slot.get();
        self.next_slot
            .set((slot.wrapping_add(1) & !C_FINALIZER).max(1));
        slot
    }

    /// Registers a C finalizer; returns its slot (with [`C_FINALIZER`] set).
    pub fn add_c(&self, f: CFinalizer, keep: Keep) -> u32 {
        let slot = self.new_slot() | C_FINALIZER;
        self.c_functions.borrow_mut().insert(slot, (f, keep));
        slot
    }

    /// Forgets the C finalizer of `slot`, returning it and what it kept.
    pub fn take_c(&self, slot: u32) -> Option<(CFinalizer, Keep)> {
        self.c_functions.try_borrow_mut().ok()?.remove(&slot)
    }

    /// Whether collected references left parent anchors to release.
    #[inline]
    pub fn has_unrefs(&self) -> bool {
        self.unrefs.try_borrow().is_ok_and(|u| !u.is_empty())
            || self.released.try_borrow().is_ok_and(|r| !r.is_empty())
    }

    /// Releases the parent anchors of collected references.
    ///
    /// # Safety
    /// `l` is live, outside the collector (an API function or a safe point).
    pub unsafe fn release_anchors(&self, l: *mut lua_State) {
        let released = match self.unrefs.try_borrow_mut() {
            Ok(mut unrefs) => std::mem::take(&mut *unrefs),
            Err(_) => return,
        };
        for reference in released {
            // SAFETY: each was made by lua_ref on this state and released only here.
            unsafe { lua::lua_unref(l, reference) };
        }
        let slots = match self.released.try_borrow_mut() {
            Ok(mut slots) => std::mem::take(&mut *slots),
            Err(_) => return,
        };
        if slots.is_empty() {
            return;
        }
        // SAFETY: the finalizer table exists from load; clearing an existing key
        // neither allocates nor raises; the stack is left as it was.
        unsafe {
            if lua::lua_checkstack(l, 2) == 0 {
                return;
            }
            lua::lua_rawgeti(l, lua::LUA_REGISTRYINDEX, self.table_ref.get() as _);
            for slot in slots {
                lua::lua_pushnil(l);
                lua::lua_rawseti(l, -2, slot_key(slot));
            }
            lua::lua_settop(l, -2);
        }
    }

    /// Whether finalizers wait and no drain loop is running (which will take them).
    pub fn has_pending(&self) -> bool {
        !self.draining.get() && self.queue.try_borrow().is_ok_and(|q| !q.is_empty())
    }

    /// Sets what the interrupt calls to drain the queue.
    pub fn set_drain_hook(&self, hook: DrainHook, argument: usize) {
        self.drain_hook.set(Some((hook, argument)));
    }

    /// The next queued finalizer, if any.
    fn next_pending(&self) -> Option<Pending> {
        self.queue.try_borrow_mut().ok()?.pop_front()
    }
}

/// The per-state finalizer data of every loaded state, keyed by the state's callbacks
/// address (shared by all threads of one Luau state). The destructor has no upvalue, so
/// this is how it finds its queue.
static STATES: Mutex<Vec<(usize, usize)>> = Mutex::new(Vec::new());

/// Bumped by every registration, so a cached lookup never outlives a change of STATES.
static GENERATION: AtomicUsize = AtomicUsize::new(1);

thread_local! {
    /// The last (generation, key, finalizers) found on this thread: the destructor runs
    /// once per collected cdata, and nearly always for the same state.
    static LAST_LOOKUP: Cell<(usize, usize, usize)> = const { Cell::new((0, 0, 0)) };
}

fn lookup(key: usize) -> Option<&'static Finalizers> {
    let generation = GENERATION.load(Ordering::Acquire);
    if let Ok((g, k, f)) = LAST_LOOKUP.try_with(Cell::get) {
        if g == generation && k == key && f != 0 {
            // SAFETY: cached from STATES below: a leaked (never freed) Finalizers.
            return Some(unsafe { &*(f as *const Finalizers) });
        }
    }
    let found = lookup_locked(key);
    if let Some(f) = found {
        let _ = LAST_LOOKUP
            .try_with(|last| last.set((generation, key, f as *const Finalizers as usize)));
    }
    found
}

fn lookup_locked(key: usize) -> Option<&'static Finalizers> {
    let states = STATES.lock().unwrap_or_else(|e| e.into_inner());
    states.iter().find(|(k, _)| *k == key).map(|&(_, f)| {
        // SAFETY: registered by `register` from a leaked (never freed) Finalizers.
        unsafe { &*(f as *const Finalizers) }
    })
}

/// Registers the finalizer data of the state `l` belongs to.
///
/// # Safety
/// `l` is live.
pub unsafe fn register(l: *mut lua_State, finalizers: &'static Finalizers) {
    // SAFETY: lua_callbacks only returns the address of the state's callback table.
    let key = unsafe { lua::lua_callbacks(l) } as usize;
    let mut states = STATES.lock().unwrap_or_else(|e| e.into_inner());
    states.retain(|(k, _)| *k != key);
    GENERATION.fetch_add(1, Ordering::AcqRel);
    states.push((key, finalizers as *const Finalizers as usize));
}

/// The cdata destructor: queues the value of a cdata that has a finalizer. Never
/// panics, never calls into the VM (it only writes the interrupt pointer).
///
/// # Safety
/// Called by Luau for a userdata with the cdata tag.
pub unsafe extern "C" fn destroy(l: *mut lua_State, block: *mut std::ffi::c_void) {
    // SAFETY: the block starts with a Header (push_new/push_ref).
    let header: &Header = unsafe { object::header_of_block(block) };
    // SAFETY: as above.
    if let Some(anchor) = unsafe { object::anchor_of(block) } {
        // Releasing the parent's lua_ref is a VM operation: leave it to a safe point.
        // SAFETY: lua_callbacks only returns the state's callback table address.
        let key = unsafe { lua::lua_callbacks(l) } as usize;
        if let Some(finalizers) = lookup(key) {
            if let Ok(mut unrefs) = finalizers.unrefs.try_borrow_mut() {
                unrefs.push(anchor);
            }
        }
    }
    if header.finalizer != 0 {
        // SAFETY: as above.
        unsafe { finalize(l, header) };
    }
    // SAFETY: the block is being collected; the finalizer above is done with it.
    unsafe { object::free_heap(block) };
}

/// Calls a C finalizer or queues a Luau one for the collected `header`.
///
/// # Safety
/// Called from [`destroy`] only.
unsafe fn finalize(l: *mut lua_State, header: &Header) {
    // SAFETY: lua_callbacks returns the state's callback table; reading it is safe.
    let callbacks = unsafe { lua::lua_callbacks(l) };
    let Some(finalizers) = lookup(callbacks as usize) else {
        return;
    };
    if header.finalizer & C_FINALIZER != 0 {
        if let Some((f, keep)) = finalizers.take_c(header.finalizer) {
            // SAFETY: checked at ffi.gc: a C function of one pointer/integer argument,
            // whose library the function cdata in the finalizer table keeps loaded;
            // the object is still in the block being freed.
            let _inside = InCFinalizer::enter();
            unsafe { call_c_finalizer(f, header.data) };
            drop(_inside);
            drop(keep);
            if let Ok(mut released) = finalizers.released.try_borrow_mut() {
                released.push(header.finalizer);
            }
            install_interrupt(finalizers, callbacks);
        }
        return;
    }
    let pending = if header.is_ref() {
        Pending {
            slot: header.finalizer,
            ty: header.ty,
            address: Some(header.data as usize),
            bytes: Vec::new(),
        }
    } else {
        // SAFETY: a value cdata's data holds `size` bytes inside the block being freed.
        let bytes =
            unsafe { std::slice::from_raw_parts(header.data, header.size as usize) }.to_vec();
        Pending {
            slot: header.finalizer,
            ty: header.ty,
            address: None,
            bytes,
        }
    };
    let Ok(mut queue) = finalizers.queue.try_borrow_mut() else {
        return;
    };
    queue.push_back(pending);
    drop(queue);
    install_interrupt(finalizers, callbacks);
}

/// Installs the finalizer interrupt (once), chaining whatever the host installed since
/// (mlua's `set_interrupt`, say).
fn install_interrupt(finalizers: &Finalizers, callbacks: *mut lua::lua_Callbacks) {
    // SAFETY: the callbacks table lives as long as the state; we only swap a pointer.
    unsafe {
        let current = (*callbacks).interrupt;
        if !is_ours(current) {
            finalizers.previous_interrupt.set(current);
            (*callbacks).interrupt = Some(luauffi_interrupt);
        }
    }
}

thread_local! {
    /// A C finalizer runs now, inside the collector: no callback may run Luau.
    static IN_C_FINALIZER: Cell<bool> = const { Cell::new(false) };
}

/// Marks this thread as inside a C finalizer while it lives.
struct InCFinalizer(bool);

impl InCFinalizer {
    fn enter() -> InCFinalizer {
        InCFinalizer(
            IN_C_FINALIZER
                .try_with(|f| f.replace(true))
                .unwrap_or(false),
        )
    }
}

impl Drop for InCFinalizer {
    fn drop(&mut self) {
        let _ = IN_C_FINALIZER.try_with(|f| f.set(self.0));
    }
}

/// Whether this thread is running a C finalizer (inside the collector).
pub fn in_c_finalizer() -> bool {
    IN_C_FINALIZER.try_with(Cell::get).unwrap_or(false)
}

/// Whether `hook` is our interrupt (a C function: one address, compared as such).
fn is_ours(hook: Option<Interrupt>) -> bool {
    hook.is_some_and(|f| f as usize == luauffi_interrupt as *const () as usize)
}

extern "C-unwind" {
    /// The C side of [`interrupt_body`] (`src/luau/trampolines.c`): runs it, then the
    /// interrupt it returns, from C, so that an error or yield raised by the host's
    /// interrupt never unwinds through Rust.
    fn luauffi_interrupt(l: *mut lua_State, gc: c_int);
}

/// The interrupt installed while finalizers are queued. At a VM safepoint (`gc < 0`, not
/// inside the collector) it puts the interrupt it replaced back, when it is still the
/// installed one, and runs the queue. It returns that previous interrupt, which its C
/// side calls last, at every call.
///
/// # Safety
/// Called by `luauffi_interrupt` only, as Luau calls an interrupt.
#[no_mangle]
unsafe extern "C" fn luauffi_body_interrupt(l: *mut lua_State, gc: c_int) -> Option<Interrupt> {
    // SAFETY: l is the interrupted state; callbacks belong to it.
    let callbacks = unsafe { lua::lua_callbacks(l) };
    let finalizers = lookup(callbacks as usize)?;
    let previous = finalizers.previous_interrupt.get();
    if gc < 0 {
        // SAFETY: the state's own callback table; only a pointer is swapped.
        unsafe {
            if is_ours((*callbacks).interrupt) {
                (*callbacks).interrupt = previous;
            }
        }
        if finalizers.has_unrefs() {
            // SAFETY: a VM safepoint is outside the collector.
            unsafe { finalizers.release_anchors(l) };
        }
        // SAFETY: a VM safepoint: calling Luau functions (protected) is allowed here;
        // the hook was set with its own argument.
        unsafe {
            match finalizers.drain_hook.get() {
                Some((hook, argument)) => hook(l, argument),
                None => run_pending(l, finalizers, |_| 16),
            }
        }
    }
    previous
}

/// Clears the draining mark when the drain loop ends.
struct DrainGuard<'a>(&'a Cell<bool>);

impl Drop for DrainGuard<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// Runs every queued finalizer, one at a time until the queue is empty, including those
/// queued meanwhile (protected; an error is reported on stderr, as LuaJIT reports errors
/// in finalizers). Returns at once when a drain loop is already running: that loop
/// takes whatever this call would have run. `align_of` gives the alignment for rebuilt
/// values.
///
/// # Safety
/// `l` is live at a point where Luau functions may be called.
pub unsafe fn run_pending(
    l: *mut lua_State,
    finalizers: &Finalizers,
    align_of: impl Fn(CTypeId) -> u32,
) {
    if finalizers.draining.replace(true) {
        return;
    }
    let _guard = DrainGuard(&finalizers.draining);
    // SAFETY: l is live at a safe point (caller contract); 4 slots are checked first.
    while unsafe { lua::lua_checkstack(l, 4) } != 0 {
        let Some(pending) = finalizers.next_pending() else {
            return;
        };
        // SAFETY: as above.
        unsafe { run_one(l, finalizers, pending, &align_of) };
    }
}

/// Calls the finalizer of one collected value with a rebuilt copy of it.
///
/// # Safety
/// `l` live at a safe point with 4 free slots; every push is popped (pcall consumes
/// the function and its argument).
unsafe fn run_one(
    l: *mut lua_State,
    finalizers: &Finalizers,
    pending: Pending,
    align_of: &impl Fn(CTypeId) -> u32,
) {
    // SAFETY: caller contract.
    unsafe {
        lua::lua_rawgeti(l, lua::LUA_REGISTRYINDEX, finalizers.table_ref.get() as _);
        lua::lua_rawgeti(l, -1, pending.slot as _);
        lua::lua_pushnil(l);
        lua::lua_rawseti(l, -3, pending.slot as _);
        if lua::lua_type(l, -1) != lua::LUA_TFUNCTION {
            lua::lua_settop(l, -3);
            return;
        }
        let tag = finalizers.cdata_tag.get();
        match pending.address {
            Some(address) => {
                object::push_ref(l, tag, pending.ty, address as *mut u8, 0);
            }
            None => {
                let h = object::push_new(
                    l,
                    tag,
                    pending.ty,
                    pending.bytes.len(),
                    align_of(pending.ty),
                );
                std::ptr::copy_nonoverlapping(
                    pending.bytes.as_ptr(),
                    (*h).data,
                    pending.bytes.len(),
                );
            }
        }
        if lua::lua_pcall(l, 1, 0, 0) != 0 {
            let mut len = 0usize;
            let msg = lua::lua_tolstring(l, -1, &mut len);
            let text = if msg.is_null() {
                "?".into()
            } else {
                String::from_utf8_lossy(std::slice::from_raw_parts(msg.cast::<u8>(), len))
                    .into_owned()
            };
            report(&text);
            lua::lua_settop(l, -2);
        }
        lua::lua_settop(l, -2);
    }
}

/// Reports an error raised by a finalizer on stderr (finalizer errors never propagate).
pub fn report(text: &str) {
    eprintln!("{}", crate::error::Error::InFinalizer(text.to_string()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static SEEN: AtomicUsize = AtomicUsize::new(0);

    extern "C" fn record(argument: usize) {
        SEEN.store(argument, Ordering::SeqCst);
    }

    #[test]
    fn c_finalizers_get_the_value_the_cdata_holds() {
        let f = |argument| CFinalizer {
            function: record as extern "C" fn(usize) as usize,
            argument,
        };
        let pointer: usize = 0x1234_5678;
        // SAFETY: `record` takes one integer argument; each data pointer is valid.
        unsafe {
            call_c_finalizer(
                f(CArgument::PointerValue),
                (&pointer as *const usize).cast(),
            );
            assert_eq!(SEEN.load(Ordering::SeqCst), 0x1234_5678);
            let small: i16 = -2;
            let integer = CArgument::Integer {
                size: 2,
                signed: true,
            };
            call_c_finalizer(f(integer), (&small as *const i16).cast());
            assert_eq!(SEEN.load(Ordering::SeqCst), -2i64 as usize);
            let object = [0u8; 4];
            call_c_finalizer(f(CArgument::Address), object.as_ptr());
            assert_eq!(SEEN.load(Ordering::SeqCst), object.as_ptr() as usize);
        }
        let finalizers = Finalizers::default();
        let slot = finalizers.add_c(f(CArgument::Address), None);
        assert_ne!(slot & C_FINALIZER, 0);
        assert!(finalizers.take_c(slot).is_some());
        assert!(finalizers.take_c(slot).is_none());
    }
}
