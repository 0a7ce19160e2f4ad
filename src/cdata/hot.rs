//! One-entry caches of per-type facts for the hot paths that are not field or element
//! lookups: pointer arithmetic (`p + n`, `p - q`), `ffi.string(cd, n)` and `ffi.new(ct)`.
//! Each remembers the last type it was asked about; a miss computes the fact from the
//! registry. Types never change once complete, so an entry is never stale, except the
//! metatype of a `new` plan, which [`HotCache::forget_new`] drops when one is set.

use super::convert::{self, Shape};
use crate::ctype::{CTypeId, Registry};
use std::cell::Cell;

/// What `ffi.new(ct)` with no initializer needs of a fixed-size type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewPlan {
    pub size: u64,
    pub align: u32,
    /// The type whose metatype applies (its `__gc` is looked up on each `new`).
    pub metatype: Option<CTypeId>,
}

/// How `ffi.string(cd, n)` reads a cdata (not a reference) of a type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StringSource {
    /// A pointer: the address it holds, unbounded.
    Pointer,
    /// An array (not a vector): its own bytes, bounded by its size.
    Array,
}

#[derive(Default)]
pub struct HotCache {
    step: Cell<Option<(u32, u64)>>,
    string: Cell<Option<(u32, Option<StringSource>)>>,
    new: Cell<Option<(u32, NewPlan)>>,
}

impl HotCache {
    /// The element size of pointer type `ty` for `p ± n` and `p - q`: `None` unless `ty`
    /// is a pointer to a complete type of non-zero size.
    #[inline(always)]
    pub fn step(&self, ty: CTypeId, reg: impl FnOnce() -> Option<u64>) -> Option<u64> {
        match self.step.get() {
            Some((t, size)) if t == ty.0 => Some(size),
            _ => {
                let size = reg()?;
                self.step.set(Some((ty.0, size)));
                Some(size)
            }
        }
    }

    /// How `ffi.string` reads a value cdata of type `ty`, `None` for anything the
    /// general path must handle.
    #[inline(always)]
    pub fn string_source(
        &self,
        ty: CTypeId,
        reg: impl FnOnce() -> Option<StringSource>,
    ) -> Option<StringSource> {
        match self.string.get() {
            Some((t, source)) if t == ty.0 => source,
            _ => {
                let source = reg();
                self.string.set(Some((ty.0, source)));
                source
            }
        }
    }

    /// The cached plan of `ffi.new(ty)`.
    #[inline(always)]
    pub fn new_plan(&self, ty: CTypeId) -> Option<NewPlan> {
        match self.new.get() {
            Some((t, plan)) if t == ty.0 => Some(plan),
            _ => None,
        }
    }

    pub fn put_new_plan(&self, ty: CTypeId, plan: NewPlan) {
        self.new.set(Some((ty.0, plan)));
    }

    /// Drops the `new` plan (a metatype was just set).
    pub fn forget_new(&self) {
        self.new.set(None);
    }
}

/// The element size for pointer arithmetic on a cdata of type `ty`.
pub fn pointer_step(reg: &Registry, ty: CTypeId) -> Option<u64> {
    match convert::shape(reg, ty) {
        Shape::Pointer { target } => reg.size_of(target).filter(|&s| s > 0),
        _ => None,
    }
}

/// How `ffi.string(cd, n)` reads a value cdata of type `ty` (see [`StringSource`]).
pub fn string_source(reg: &Registry, ty: CTypeId) -> Option<StringSource> {
    match convert::shape(reg, ty) {
        Shape::Pointer { .. } => Some(StringSource::Pointer),
        Shape::Array { .. } if !convert::is_vector(reg, ty) => Some(StringSource::Array),
        _ => None,
    }
}
