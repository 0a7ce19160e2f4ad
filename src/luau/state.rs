//! Per-state module data: the type registry, the userdata tags this load claimed, the
//! cdata caches, metatypes and finalizers.
//!
//! One `ModuleState` is created per Luau state that loads the module and handed to every
//! API function and metamethod as upvalue 1 (a light userdata). It is deliberately never
//! freed: destructors of cdata may run during `lua_close` in any order, so nothing they
//! reach may be freed before them (a few KB per state).

use super::stack::State;
use crate::cdata::finalizer::Finalizers;
use crate::cdata::hot::HotCache;
use crate::cdata::index::FieldCache;
use crate::ctype::{CTypeId, FxHashMap, Registry};
use mlua::ffi as lua;
use std::cell::{Cell, RefCell};
use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

/// How many states loaded the module, and the first one's data: while only one state
/// exists, API functions find their data without reading an upvalue.
static STATES_LOADED: AtomicUsize = AtomicUsize::new(0);
static ONLY_STATE: AtomicPtr<ModuleState> = AtomicPtr::new(std::ptr::null_mut());

/// C type strings (`ffi.cast("int *", p)` on every call of a hot function) to their ids,
/// hashed with the registry's FxHash (short keys a script wrote).
pub type TypeTextCache = FxHashMap<Box<[u8]>, CTypeId>;

pub struct ModuleState {
    /// Every C type and declaration seen by `ffi.cdef` and friends.
    pub registry: RefCell<Registry>,
    /// The userdata tag of ctype objects (`typeof(ct) == "ctype"`).
    pub ctype_tag: c_int,
    /// C type strings already parsed that only looked types up (see `args::ctype_arg`),
    /// by their bytes.
    pub type_cache: RefCell<TypeTextCache>,
    /// Type strings that defined anonymous types only (`struct { int x; }`), for every
    /// function but `ffi.typeof`: `ffi.new` of one string in a loop makes one type, not
    /// one per call (README, differences from LuaJIT).
    pub anonymous_cache: RefCell<TypeTextCache>,
    /// The userdata tag of cdata (`typeof(cd) == "cdata"`), set at load.
    pub cdata_tag: Cell<c_int>,
    /// Resolved field and element lookups (the indexing hot path).
    pub field_cache: FieldCache,
    /// `lua_ref` of the set of field-name strings in `field_cache` (anchored so their
    /// addresses stay theirs).
    pub anchors_ref: Cell<c_int>,
    /// `lua_ref` of the table type id → metatable of `ffi.metatype`.
    pub metatypes_ref: Cell<c_int>,
    /// Which type ids have a metatype (indexed by id), so the hot paths need no lookup.
    pub has_metatype: RefCell<Vec<bool>>,
    /// `ffi.gc` finalizers and their queue.
    pub finalizers: Finalizers,
    /// Call plans, cifs, callbacks (`call_glue`, `callback_glue`).
    pub calls: super::call_glue::CallState,
    /// Per-type facts of pointer arithmetic, `ffi.string` and `ffi.new`.
    pub hot: HotCache,
    /// The declarations `ffi.include` has cdef'd.
    pub included: RefCell<crate::header::Included>,
}

impl ModuleState {
    /// Creates the state for this load and leaks it (see the module comment).
    pub fn leak(ctype_tag: c_int) -> &'static ModuleState {
        let st: &'static ModuleState = Box::leak(Box::new(ModuleState {
            registry: RefCell::new(Registry::new()),
            ctype_tag,
            type_cache: RefCell::new(TypeTextCache::default()),
            anonymous_cache: RefCell::new(TypeTextCache::default()),
            cdata_tag: Cell::new(0),
            field_cache: FieldCache::default(),
            anchors_ref: Cell::new(0),
            metatypes_ref: Cell::new(0),
            has_metatype: RefCell::new(Vec::new()),
            finalizers: Finalizers::default(),
            calls: Default::default(),
            included: Default::default(),
            hot: HotCache::default(),
        }));
        if STATES_LOADED.fetch_add(1, Ordering::AcqRel) == 0 {
            ONLY_STATE.store((st as *const ModuleState).cast_mut(), Ordering::Release);
        }
        st
    }

    /// Whether `id` has a metatype of its own.
    pub fn metatype_set(&self, id: CTypeId) -> bool {
        self.has_metatype
            .borrow()
            .get(id.0 as usize)
            .copied()
            .unwrap_or(false)
    }

    pub fn as_upvalue(&'static self) -> *mut c_void {
        (self as *const ModuleState).cast_mut().cast()
    }

    /// The module state of the running API function, from its upvalue 1.
    ///
    /// # Safety
    /// `l` must be inside a C function created by [`super::stack::set_function`] with a
    /// `ModuleState` upvalue.
    #[inline]
    pub unsafe fn of_call(l: State) -> &'static ModuleState {
        // The common case of one Luau state: no upvalue lookup on the hot paths.
        if STATES_LOADED.load(Ordering::Acquire) == 1 {
            // SAFETY: set once, before the count became 1, to a leaked ModuleState.
            return unsafe { &*ONLY_STATE.load(Ordering::Acquire) };
        }
        // SAFETY: caller contract: upvalue 1 is the light userdata made by as_upvalue,
        // pointing at a leaked (never freed) ModuleState.
        unsafe { &*lua::lua_touserdata(l, lua::lua_upvalueindex(1)).cast::<ModuleState>() }
    }
}

/// Picks a userdata tag nobody in this state uses yet: no destructor and no metatable
/// registered for it. Tag 0 is untagged userdata and tag 1 is mlua's; both are skipped.
///
/// # Safety
/// `l` must be a live state with 1 free stack slot.
pub unsafe fn free_userdata_tag(l: State) -> Option<c_int> {
    const LUA_UTAG_LIMIT: c_int = 128;
    (2..LUA_UTAG_LIMIT).find(|&tag| {
        // SAFETY: tag < LUA_UTAG_LIMIT; getuserdatametatable pushes one value we pop.
        unsafe {
            if lua::lua_getuserdatadtor(l, tag).is_some() {
                return false;
            }
            lua::lua_getuserdatametatable(l, tag);
            let free = lua::lua_type(l, -1) == lua::LUA_TNIL;
            lua::lua_settop(l, -2);
            free
        }
    })
}
