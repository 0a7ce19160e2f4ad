//! The cdata userdata block: a header then the C object, allocated by Luau under our tag
//! so that Luau frees it exactly once, when it is collected.
//!
//! | offset | field       | meaning                                                    |
//! |--------|-------------|------------------------------------------------------------|
//! | 0      | `data`      | address of the C object (inside this block, or elsewhere)  |
//! | 8      | `ty`        | its C type                                                 |
//! | 12     | `flags`     | [`IS_REF`]: a reference to memory the block does not own;  |
//! |        |             | [`ANCHORED`]: a reference holding a `lua_ref` of its parent; |
//! |        |             | [`BOUNDED`]: a reference checked against `size`             |
//! | 16     | `size`      | bytes of the object (VLA/VLS: as allocated)                |
//! | 20     | `finalizer` | `ffi.gc` finalizer slot, 0 when none                       |
//! | 24     | payload     | the object itself (value cdata), aligned as its type needs; |
//! |        |             | for a reference, the `lua_ref` of its parent (or 0)          |
//!
//! With feature `memcheck` (test builds) the payload is instead the address of a heap
//! block holding the object, freed by the destructor, so valgrind can see its lifetime.

use crate::ctype::CTypeId;
use mlua::ffi::{self as lua, lua_State};
use std::ffi::{c_int, c_void};

/// The header every cdata block starts with; see the module table.
#[repr(C)]
pub struct Header {
    pub data: *mut u8,
    pub ty: CTypeId,
    pub flags: u32,
    pub size: u32,
    pub finalizer: u32,
}

/// The cdata refers to C memory it does not own (a field or element, `cdata<T &>`).
pub const IS_REF: u32 = 1;

const HEADER_SIZE: usize = size_of::<Header>();
/// Alignment Luau guarantees for a userdata block's data.
#[cfg(not(feature = "memcheck"))]
const BLOCK_ALIGN: usize = 8;

impl Header {
    pub fn is_ref(&self) -> bool {
        self.flags & IS_REF != 0
    }
}

/// Blocks at least this large are first asked of the system allocator and given back:
/// a host's Luau allocator may abort the process when the system refuses memory
/// (mlua's calls `handle_alloc_error`), where a refused probe raises Luau's `not enough
/// memory` instead.
const PROBE_SIZE: usize = 1 << 24;

/// The largest C object a cdata may hold: Luau refuses userdata blocks over `INT_MAX`
/// bytes, and a cdata adds its header and alignment padding.
pub const MAX_BLOCK: usize = i32::MAX as usize - 1024;

/// Whether a block of `bytes` should be refused as `not enough memory` before asking
/// Luau for it: blocks of at least [`PROBE_SIZE`] are first asked of the system
/// allocator and given back. `ffi.new` checks this, so that a request the system cannot
/// meet is a Luau error rather than an abort in the host's allocator.
pub fn allocation_refused(bytes: usize) -> bool {
    bytes >= PROBE_SIZE && crate::reserve::refused(bytes)
}

/// Allocates a zero-filled value cdata of `size` bytes aligned to `align` and pushes it.
/// Raises a Luau memory error when the block cannot be allocated. Uses 1 slot.
///
/// # Safety
/// `l` is a live state with a free slot; `tag` is the cdata tag with its metatable
/// registered. The caller holds no value with a destructor (allocation may raise).
#[cfg(not(feature = "memcheck"))]
pub unsafe fn push_new(
    l: *mut lua_State,
    tag: c_int,
    ty: CTypeId,
    size: usize,
    align: u32,
) -> *mut Header {
    let extra = (align as usize).saturating_sub(BLOCK_ALIGN);
    // SAFETY: caller contract; the block is at least HEADER_SIZE + size + extra bytes,
    // so the aligned payload and the header fit, and both are written before any read.
    unsafe {
        let block = lua::lua_newuserdatataggedwithmetatable(l, HEADER_SIZE + size + extra, tag)
            .cast::<u8>();
        let mut data = block.add(HEADER_SIZE);
        if extra > 0 {
            data = data.add(data.align_offset(align as usize));
        }
        std::ptr::write_bytes(data, 0, size);
        let header = block.cast::<Header>();
        header.write(Header {
            data,
            ty,
            flags: 0,
            size: size as u32,
            finalizer: 0,
        });
        header
    }
}

/// The C object lives in its own heap block (feature `memcheck`); the block's address
/// is stored right after the header, where the destructor finds it.
pub const OWNS_HEAP: u32 = 2;

/// `memcheck` builds: as the other `push_new`, but the C object gets its own zeroed heap
/// block (aligned to at least 16), freed by [`free_heap`] from the destructor.
///
/// # Safety
/// As the other `push_new`.
#[cfg(feature = "memcheck")]
pub unsafe fn push_new(
    l: *mut lua_State,
    tag: c_int,
    ty: CTypeId,
    size: usize,
    align: u32,
) -> *mut Header {
    // SAFETY: caller contract; the userdata holds the header and the heap address, both
    // written before any read; the heap block is zeroed and sized for the object.
    unsafe {
        let block =
            lua::lua_newuserdatataggedwithmetatable(l, HEADER_SIZE + size_of::<usize>(), tag)
                .cast::<u8>();
        let slot = block.add(HEADER_SIZE).cast::<*mut u8>();
        let heap = if size == 0 {
            std::ptr::null_mut()
        } else {
            let layout = heap_layout(size, align);
            let p = std::alloc::alloc_zeroed(layout);
            if p.is_null() {
                std::alloc::handle_alloc_error(layout);
            }
            p
        };
        slot.write(heap);
        let header = block.cast::<Header>();
        header.write(Header {
            data: if heap.is_null() { slot.cast() } else { heap },
            ty,
            flags: OWNS_HEAP | (align.max(1).trailing_zeros() << 8),
            size: size as u32,
            finalizer: 0,
        });
        header
    }
}

#[cfg(feature = "memcheck")]
fn heap_layout(size: usize, align: u32) -> std::alloc::Layout {
    std::alloc::Layout::from_size_align(size, (align as usize).max(16))
        .expect("a valid C type layout")
}

/// Frees the heap block of a `memcheck` value cdata (nothing otherwise). Never panics.
///
/// # Safety
/// `block` is the data of a cdata userdata being collected.
pub unsafe fn free_heap(block: *mut c_void) {
    #[cfg(feature = "memcheck")]
    // SAFETY: caller contract; the heap address was stored by push_new with this layout.
    unsafe {
        let header = &*block.cast::<Header>();
        if header.flags & OWNS_HEAP == 0 || header.size == 0 {
            return;
        }
        let heap = block.cast::<u8>().add(HEADER_SIZE).cast::<*mut u8>().read();
        let align = 1u32 << ((header.flags >> 8) & 31);
        if let Ok(layout) =
            std::alloc::Layout::from_size_align(header.size as usize, (align as usize).max(16))
        {
            std::alloc::dealloc(heap, layout);
        }
    }
    #[cfg(not(feature = "memcheck"))]
    let _ = block;
}

/// Pushes a reference cdata to the C object of type `ty` at `address`. Uses 1 slot.
///
/// # Safety
/// As [`push_new`].
pub unsafe fn push_ref(
    l: *mut lua_State,
    tag: c_int,
    ty: CTypeId,
    address: *mut u8,
    size: u32,
) -> *mut Header {
    // SAFETY: caller contract; the block is a header and an anchor slot, both written
    // before any read.
    unsafe {
        let block = lua::lua_newuserdatataggedwithmetatable(l, HEADER_SIZE + size_of::<u64>(), tag)
            .cast::<u8>();
        block.add(HEADER_SIZE).cast::<u64>().write(0);
        block.cast::<Header>().write(Header {
            data: address,
            ty,
            flags: IS_REF,
            size,
            finalizer: 0,
        });
        block.cast::<Header>()
    }
}

/// A reference that keeps the cdata it points into alive through a `lua_ref` of it,
/// stored after the header (released once the reference is collected).
pub const ANCHORED: u32 = 4;

/// Records `reference` (a `lua_ref` of the parent cdata) in the reference cdata `header`.
///
/// # Safety
/// `header` was made by [`push_ref`].
pub unsafe fn set_anchor(header: &mut Header, reference: c_int) {
    // SAFETY: caller contract: push_ref left a slot after the header.
    unsafe {
        let slot = (header as *mut Header)
            .cast::<u8>()
            .add(HEADER_SIZE)
            .cast::<u64>();
        slot.write(reference as u32 as u64);
    }
    header.flags |= ANCHORED;
}

/// A reference into memory a value cdata owns (directly or through bounded references),
/// whose `size` bytes are known: its elements are bounds-checked as the owner's are.
/// References into C memory stay unchecked (C's trailing `[1]` arrays).
pub const BOUNDED: u32 = 8;

impl Header {
    /// Bytes indexing may reach from `data`: the object's size, or `u64::MAX` for a
    /// reference whose extent is not known (not [`BOUNDED`]).
    pub fn reachable_bytes(&self) -> u64 {
        if self.is_ref() && self.flags & BOUNDED == 0 {
            u64::MAX
        } else {
            self.size as u64
        }
    }

    /// Marks a reference made by [`push_ref`] as [`BOUNDED`] to `size` bytes.
    pub fn set_bounded(&mut self, size: u32) {
        self.size = size;
        self.flags |= BOUNDED;
    }

    /// Whether indexing through this cdata stays inside memory a value cdata owns.
    pub fn is_owned_memory(&self) -> bool {
        !self.is_ref() || self.flags & BOUNDED != 0
    }
}

/// The `lua_ref` a collected reference cdata holds on its parent, if any.
///
/// # Safety
/// `block` is the data of a cdata userdata.
pub unsafe fn anchor_of(block: *mut c_void) -> Option<c_int> {
    // SAFETY: caller contract; only anchored references (made by push_ref) have a slot.
    unsafe {
        let header = &*block.cast::<Header>();
        (header.flags & ANCHORED != 0)
            .then(|| block.cast::<u8>().add(HEADER_SIZE).cast::<u64>().read() as u32 as c_int)
    }
}

/// The header of the cdata at `idx`, or None for any other value.
///
/// # Safety
/// `l` is a live state and `idx` a valid index; the reference must not outlive the
/// value's presence on the stack.
pub unsafe fn to_cdata<'a>(l: *mut lua_State, tag: c_int, idx: c_int) -> Option<&'a mut Header> {
    // SAFETY: lua_touserdatatagged returns NULL unless the value is a userdata with our
    // tag, and every such block starts with a Header written by push_new/push_ref.
    unsafe {
        let block = lua::lua_touserdatatagged(l, idx, tag).cast::<Header>();
        block.as_mut()
    }
}

/// The header of a cdata block handed to the destructor.
///
/// # Safety
/// `block` is the data pointer of a userdata with the cdata tag.
pub unsafe fn header_of_block<'a>(block: *mut c_void) -> &'a Header {
    // SAFETY: caller contract.
    unsafe { &*block.cast::<Header>() }
}
