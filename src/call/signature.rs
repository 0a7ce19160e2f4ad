//! A prepared function signature (classes, libffi cif, fast shape) and the reusable
//! [`CallFrame`] its arguments are written into; [`Signature::call`] makes the call.

use std::cell::{Cell, UnsafeCell};
use std::ffi::{c_int, c_void};
use std::ops::{Deref, DerefMut};

use libffi_sys::{ffi_call, ffi_cif, ffi_prep_cif, ffi_prep_cif_var, ffi_status_FFI_OK, ffi_type};

use super::class::{param_class, promoted_vararg, return_class, CallError, ValueClass};
use super::errno;
use super::fast::{self, FastShape};
use super::ffi_types::TypeArena;
use crate::ctype::{CTypeId, CTypeKind, Registry};

/// The libffi ABI of the target.
const DEFAULT_ABI: libffi_sys::ffi_abi = libffi_sys::ffi_abi_FFI_DEFAULT_ABI;

/// Bytes of a frame's register image: 4 integer then 4 float 64-bit slots.
const REGISTER_IMAGE_BYTES: usize = 64;

/// A function type prepared for calling: built once per function type (and per
/// promoted vararg list) by [`super::CifCache`], shared by every call.
pub struct Signature {
    fn_type: CTypeId,
    /// Every argument's C type: the declared parameters, then the promoted varargs.
    arg_types: Box<[CTypeId]>,
    arg_classes: Box<[ValueClass]>,
    fixed_args: usize,
    variadic: bool,
    ret_type: CTypeId,
    ret_class: ValueClass,
    fast: Option<FastShape>,
    /// Byte offset of each argument in the frame storage.
    arg_offsets: Box<[u32]>,
    /// Arguments narrower than 32 bits, re-extended before each call.
    narrow_args: Box<[u32]>,
    storage_bytes: usize,
    ret_bytes: usize,
    cif: Box<UnsafeCell<ffi_cif>>,
    /// The `ffi_type` pointer array the cif points to; must outlive it.
    _libffi_arg_types: Box<[*mut ffi_type]>,
    _arena: TypeArena,
    /// One frame kept for the next call, so calls do not allocate.
    spare_frame: Cell<Option<Box<CallFrame>>>,
}

/// Storage unit of frames: 16-byte aligned, as the most-aligned C scalars need.
#[derive(Clone, Copy)]
#[repr(C, align(16))]
struct Chunk([u8; 16]);

const ZERO_CHUNK: Chunk = Chunk([0; 16]);

fn chunks_for(bytes: usize) -> Box<[Chunk]> {
    vec![ZERO_CHUNK; bytes.div_ceil(16).max(1)].into_boxed_slice()
}

/// Where one call's arguments and result live. Made by [`Signature::frame`], which hands
/// back the same frame call after call; write each argument with the typed setters or
/// through [`CallFrame::arg_ptr`] (the C representation of the argument's type), call,
/// then read the result.
pub struct CallFrame {
    fn_type: CTypeId,
    storage: Box<[Chunk]>,
    ret: Box<[Chunk]>,
    /// `avalue` for ffi_call: the address of each argument in `storage`.
    arg_ptrs: Box<[*mut c_void]>,
    arg_offsets: Box<[u32]>,
    arg_classes: Box<[ValueClass]>,
    ret_class: ValueClass,
}

impl Signature {
    /// Prepares `fn_type` (a function type) for calling; for a variadic function,
    /// `varargs` are the types of the extra arguments of one call (promoted here by C's
    /// default argument promotions).
    pub fn prepare(
        reg: &Registry,
        fn_type: CTypeId,
        varargs: &[CTypeId],
    ) -> Result<Signature, CallError> {
        let CTypeKind::Function {
            ret,
            params,
            variadic,
        } = &reg.get(fn_type).kind
        else {
            return Err(CallError::NotAFunction {
                ty: reg.c_name(fn_type),
            });
        };
        let (ret_type, variadic) = (*ret, *variadic);
        let mut arg_types: Vec<CTypeId> = params.to_vec();
        if variadic {
            arg_types.extend(varargs.iter().map(|&t| promoted_vararg(reg, t)));
        }
        let arg_classes = arg_types
            .iter()
            .map(|&t| param_class(reg, t))
            .collect::<Result<Vec<_>, _>>()?;
        let ret_class = return_class(reg, ret_type)?;

        let mut arena = TypeArena::default();
        let mut libffi_arg_types = Vec::with_capacity(arg_types.len());
        for (&ty, &class) in arg_types.iter().zip(&arg_classes) {
            libffi_arg_types.push(arena.type_for(reg, ty, class)?);
        }
        let libffi_ret_type = arena.type_for(reg, ret_type, ret_class)?;
        let mut libffi_arg_types = libffi_arg_types.into_boxed_slice();

        let fast = if variadic {
            None
        } else {
            FastShape::of(&arg_classes, ret_class)
        };
        let (arg_offsets, storage_bytes) = if fast.is_some() {
            let slots = fast::register_slots(&arg_classes);
            (
                slots
                    .iter()
                    .map(|&s| (s * 8) as u32)
                    .collect::<Box<[u32]>>(),
                REGISTER_IMAGE_BYTES,
            )
        } else {
            let mut offset = REGISTER_IMAGE_BYTES;
            let offsets = arg_classes
                .iter()
                .map(|class| {
                    offset = offset.next_multiple_of(class.align().max(8));
                    let at = offset;
                    offset += class.size().max(8);
                    at as u32
                })
                .collect::<Box<[u32]>>();
            (offsets, offset)
        };
        let narrow_args = arg_classes
            .iter()
            .enumerate()
            .filter(|(_, class)| class.is_narrow_integer())
            .map(|(i, _)| i as u32)
            .collect();

        let cif = Box::new(UnsafeCell::new(zeroed_cif()));
        let nargs = arg_types.len() as u32;
        // SAFETY: the cif, the argument type array and every ffi_type it points to are
        // owned by the Signature being built (boxed, so their addresses are stable) and
        // live as long as the cif.
        let status = unsafe {
            if variadic {
                ffi_prep_cif_var(
                    cif.get(),
                    DEFAULT_ABI,
                    params.len() as u32,
                    nargs,
                    libffi_ret_type,
                    libffi_arg_types.as_mut_ptr(),
                )
            } else {
                ffi_prep_cif(
                    cif.get(),
                    DEFAULT_ABI,
                    nargs,
                    libffi_ret_type,
                    libffi_arg_types.as_mut_ptr(),
                )
            }
        };
        if status != ffi_status_FFI_OK {
            return Err(CallError::PrepareFailed {
                ty: reg.c_name(fn_type),
                status,
            });
        }
        arena.check_prepared(reg)?;

        Ok(Signature {
            fn_type,
            arg_types: arg_types.into_boxed_slice(),
            fixed_args: params.len(),
            variadic,
            ret_type,
            ret_bytes: ret_class.size().max(16),
            ret_class,
            fast,
            arg_offsets,
            narrow_args,
            storage_bytes,
            arg_classes: arg_classes.into_boxed_slice(),
            cif,
            _libffi_arg_types: libffi_arg_types,
            _arena: arena,
            spare_frame: Cell::new(None),
        })
    }

    /// The function type this signature was prepared from.
    pub fn fn_type(&self) -> CTypeId {
        self.fn_type
    }

    /// Number of arguments a call passes (declared parameters plus prepared varargs).
    pub fn arg_count(&self) -> usize {
        self.arg_types.len()
    }

    /// Number of declared (non-variadic) parameters.
    pub fn fixed_arg_count(&self) -> usize {
        self.fixed_args
    }

    pub fn is_variadic(&self) -> bool {
        self.variadic
    }

    /// The C type argument `i` is converted to (for varargs: after promotion).
    pub fn arg_type(&self, i: usize) -> CTypeId {
        self.arg_types[i]
    }

    pub fn arg_class(&self, i: usize) -> ValueClass {
        self.arg_classes[i]
    }

    pub fn ret_type(&self) -> CTypeId {
        self.ret_type
    }

    pub fn ret_class(&self) -> ValueClass {
        self.ret_class
    }

    /// The fast path's shape, when calls skip libffi.
    #[inline]
    pub fn fast_shape(&self) -> Option<FastShape> {
        self.fast
    }

    /// Whether calls skip libffi (see [`super::fast`]).
    pub fn is_fast(&self) -> bool {
        self.fast.is_some()
    }

    /// The prepared `ffi_cif`, for libffi closures built on this signature; it lives as
    /// long as the signature and must not be modified.
    pub fn cif_ptr(&self) -> *mut ffi_cif {
        self.cif.get()
    }

    /// A frame for one call: the spare one when it is free (no allocation), a new one
    /// when a call of this signature is already in progress (re-entry via a callback).
    #[inline]
    pub fn frame(&self) -> FrameGuard<'_> {
        let frame = self
            .spare_frame
            .take()
            .unwrap_or_else(|| Box::new(self.new_frame()));
        FrameGuard {
            signature: self,
            frame: Some(frame),
        }
    }

    fn new_frame(&self) -> CallFrame {
        let mut storage = chunks_for(self.storage_bytes);
        let base = storage.as_mut_ptr().cast::<u8>();
        let arg_ptrs = self
            .arg_offsets
            .iter()
            // SAFETY: every offset lies inside `storage` (the layout was computed with
            // `storage_bytes` as its end).
            .map(|&offset| unsafe { base.add(offset as usize) }.cast::<c_void>())
            .collect();
        CallFrame {
            fn_type: self.fn_type,
            storage,
            ret: chunks_for(self.ret_bytes),
            arg_ptrs,
            arg_offsets: self.arg_offsets.clone(),
            arg_classes: self.arg_classes.clone(),
            ret_class: self.ret_class,
        }
    }

    /// Calls `function` with the arguments in `frame` and leaves the result in it.
    /// errno is set to [`super::saved_errno`] just before the call and saved right after
    /// it, so `ffi.errno` is not disturbed by the VM in between (as LuaJIT preserves it).
    ///
    /// # Safety
    /// `function` must be the address of a C function of this signature's type; the
    /// frame must come from this signature, with every argument written; pointer
    /// arguments must be valid for what the function does with them.
    #[inline]
    pub unsafe fn call(&self, function: *const c_void, frame: &mut CallFrame) {
        // SAFETY: forwarded caller contract.
        errno::with_saved(|saved| unsafe { self.call_saving_errno(function, frame, saved) })
    }

    /// As [`Signature::call`], with errno put back from `saved` before the call and saved
    /// into it right after (for callers that keep errno themselves, per Luau state,
    /// instead of this thread's slot that [`super::saved_errno`] reads).
    ///
    /// # Safety
    /// As [`Signature::call`].
    #[inline]
    pub unsafe fn call_saving_errno(
        &self,
        function: *const c_void,
        frame: &mut CallFrame,
        saved: &Cell<c_int>,
    ) {
        self.extend_narrow_args(frame);
        match self.fast {
            Some(shape) => {
                // SAFETY: storage starts with the 64-byte, 16-aligned register image.
                let image = unsafe { &*frame.storage.as_ptr().cast::<[u64; 8]>() };
                // SAFETY: the caller guarantees `function` has this signature, whose
                // register shape is `shape`.
                let raw =
                    errno::preserved_in(saved, || unsafe { fast::call(shape, function, image) });
                // SAFETY: the result area is at least 16 bytes, 16-aligned.
                unsafe { frame.ret.as_mut_ptr().cast::<u64>().write(raw) };
            }
            // SAFETY: forwarded caller contract.
            None => unsafe { self.call_libffi_inner(function, frame, saved) },
        }
    }

    /// As [`Signature::call`], always through libffi (the general path), even when the
    /// signature has a fast shape. For tests and comparisons.
    ///
    /// # Safety
    /// As [`Signature::call`].
    pub unsafe fn call_libffi(&self, function: *const c_void, frame: &mut CallFrame) {
        self.extend_narrow_args(frame);
        // SAFETY: forwarded caller contract.
        errno::with_saved(|saved| unsafe { self.call_libffi_inner(function, frame, saved) })
    }

    /// # Safety
    /// As [`Signature::call`].
    unsafe fn call_libffi_inner(
        &self,
        function: *const c_void,
        frame: &mut CallFrame,
        saved: &Cell<c_int>,
    ) {
        debug_assert!(frame.fn_type == self.fn_type && frame.arg_count() == self.arg_count());
        // SAFETY: `function` is a C function of this cif's type (caller contract);
        // every avalue pointer points at a written argument of the right size in the
        // frame; the result area is at least as large as the result (and 16 bytes, more
        // than libffi's ffi_arg widening needs).
        let entry: unsafe extern "C" fn() = unsafe { std::mem::transmute(function) };
        let (cif, ret, args) = (
            self.cif.get(),
            frame.ret.as_mut_ptr().cast(),
            frame.arg_ptrs.as_mut_ptr(),
        );
        // SAFETY: as above.
        errno::preserved_in(saved, || unsafe { ffi_call(cif, Some(entry), ret, args) });
        // libffi's x86-64 `ffi_call` replaces the `avalue` entries of structs over 16
        // bytes with pointers to copies in its own (now dead) stack frame; put ours back,
        // or the next call through this reused frame writes below the stack pointer.
        frame.reset_arg_ptrs();
    }

    /// Callers extend arguments narrower than 32 bits; the frame may hold only their C
    /// bytes (written through `arg_ptr`), so extend them in place.
    #[inline(always)]
    fn extend_narrow_args(&self, frame: &mut CallFrame) {
        for &i in self.narrow_args.iter() {
            let i = i as usize;
            let raw = frame.read_slot(i);
            frame.write_slot(i, self.arg_classes[i].extend_integer(raw));
        }
    }
}

fn zeroed_cif() -> ffi_cif {
    // SAFETY: ffi_cif is a plain C struct of integers and pointers; all-zero is a valid
    // "unprepared" value that ffi_prep_cif overwrites.
    unsafe { std::mem::zeroed() }
}

/// A frame borrowed from a signature; goes back to it when dropped.
pub struct FrameGuard<'a> {
    signature: &'a Signature,
    frame: Option<Box<CallFrame>>,
}

impl Deref for FrameGuard<'_> {
    type Target = CallFrame;
    #[inline]
    fn deref(&self) -> &CallFrame {
        self.frame.as_deref().expect("frame present until drop")
    }
}

impl DerefMut for FrameGuard<'_> {
    #[inline]
    fn deref_mut(&mut self) -> &mut CallFrame {
        self.frame.as_deref_mut().expect("frame present until drop")
    }
}

impl Drop for FrameGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        if let Some(frame) = self.frame.take() {
            self.signature.spare_frame.set(Some(frame));
        }
    }
}

impl CallFrame {
    /// Points every `avalue` entry at its argument's slot in `storage` again.
    fn reset_arg_ptrs(&mut self) {
        let base = self.storage.as_mut_ptr().cast::<u8>();
        for (ptr, &offset) in self.arg_ptrs.iter_mut().zip(self.arg_offsets.iter()) {
            // SAFETY: every offset lies inside `storage` (as in `new_frame`).
            *ptr = unsafe { base.add(offset as usize) }.cast::<c_void>();
        }
    }

    /// Where argument `i`'s C value goes (as many bytes as its type, suitably aligned;
    /// a struct by value is copied here).
    #[inline]
    pub fn arg_ptr(&mut self, i: usize) -> *mut u8 {
        self.arg_ptrs[i].cast()
    }

    /// Number of arguments this frame holds.
    pub fn arg_count(&self) -> usize {
        self.arg_ptrs.len()
    }

    #[inline]
    fn read_slot(&self, i: usize) -> u64 {
        // SAFETY: every argument slot is at least 8 bytes and 8-aligned in storage.
        unsafe { self.arg_ptrs[i].cast::<u64>().read() }
    }

    #[inline]
    fn write_slot(&mut self, i: usize, value: u64) {
        // SAFETY: as read_slot.
        unsafe { self.arg_ptrs[i].cast::<u64>().write(value) }
    }

    /// Writes an integer (or bool, or pointer bits) argument, converting it to the
    /// parameter's C type as a C cast does (truncation, then the ABI's extension).
    #[inline]
    pub fn set_int(&mut self, i: usize, value: i64) {
        let class = self.arg_classes[i];
        let value = class.extend_integer(value as u64);
        match class {
            ValueClass::F32 => self.set_f32(i, value as i64 as f32),
            ValueClass::F64 => self.set_f64(i, value as i64 as f64),
            _ if cfg!(target_endian = "little") || class.size() == 8 => self.write_slot(i, value),
            _ => self.write_narrow(i, class, value),
        }
    }

    #[cold]
    fn write_narrow(&mut self, i: usize, class: ValueClass, value: u64) {
        let p = self.arg_ptr(i);
        // SAFETY: the slot holds at least `class.size()` bytes, aligned for it.
        unsafe {
            match class.size() {
                1 => p.write(value as u8),
                2 => p.cast::<u16>().write(value as u16),
                _ => p.cast::<u32>().write(value as u32),
            }
        }
    }

    /// Writes a pointer argument.
    #[inline]
    pub fn set_ptr(&mut self, i: usize, value: *const c_void) {
        self.write_slot(i, value as usize as u64);
    }

    /// Writes a `double` argument (converted when the parameter is `float` or an
    /// integer, as a C cast does).
    #[inline]
    pub fn set_f64(&mut self, i: usize, value: f64) {
        match self.arg_classes[i] {
            ValueClass::F64 => self.write_slot(i, value.to_bits()),
            ValueClass::F32 => self.set_f32(i, value as f32),
            class if class.is_integer_register() => {
                let int = if matches!(class, ValueClass::U64) {
                    value as u64 as i64
                } else {
                    value as i64
                };
                self.set_int(i, int)
            }
            _ => {
                let p = self.arg_ptr(i);
                // SAFETY: writing a double into a slot of at least 8 bytes.
                unsafe { p.cast::<f64>().write(value) }
            }
        }
    }

    /// Writes a `float` argument.
    #[inline]
    pub fn set_f32(&mut self, i: usize, value: f32) {
        match self.arg_classes[i] {
            ValueClass::F32 => self.write_slot(i, u64::from(value.to_bits())),
            _ => self.set_f64(i, f64::from(value)),
        }
    }

    /// Where the result is: its C representation (narrow integers and `float` sit in the
    /// low bytes of a wider register image on little-endian targets; use the typed
    /// readers for those).
    #[inline]
    pub fn ret_ptr(&self) -> *const u8 {
        self.ret.as_ptr().cast()
    }

    #[inline]
    fn ret_raw(&self) -> u64 {
        // SAFETY: the result area is at least 16 bytes, 16-aligned.
        unsafe { self.ret.as_ptr().cast::<u64>().read() }
    }

    /// The integer (or bool, or pointer) result, narrowed to its declared width and
    /// extended by its signedness.
    #[inline]
    pub fn ret_int(&self) -> i64 {
        // libffi widens integer results to a full register (ffi_arg); the fast path
        // stores the raw register.
        self.ret_class.extend_integer(self.ret_raw()) as i64
    }

    /// The `uint64_t` result (the bits of `ret_int`).
    pub fn ret_u64(&self) -> u64 {
        self.ret_int() as u64
    }

    /// The pointer result.
    #[inline]
    pub fn ret_pointer(&self) -> *mut c_void {
        self.ret_raw() as usize as *mut c_void
    }

    /// The `double` or `float` result as a double.
    #[inline]
    pub fn ret_f64(&self) -> f64 {
        match self.ret_class {
            ValueClass::F32 => f64::from(f32::from_bits(self.ret_raw() as u32)),
            _ => f64::from_bits(self.ret_raw()),
        }
    }

    /// The result's bytes (a struct or union by value).
    pub fn ret_bytes(&self) -> &[u8] {
        // SAFETY: the result area holds at least `ret_class.size()` bytes.
        unsafe { std::slice::from_raw_parts(self.ret_ptr(), self.ret_class.size()) }
    }

    /// Byte offset of argument `i` in the frame (for diagnostics).
    pub fn arg_offset(&self, i: usize) -> u32 {
        self.arg_offsets[i]
    }
}
