//! Indexing cdata: resolving `cd.name` to a field and `cd[i]` to an element, with a
//! direct-mapped cache of field lookups keyed by (C type, key string address) so the hot
//! path never touches the registry. Struct fields, transparent anonymous members,
//! bitfields and `p.x` through a pointer to a struct (LuaJIT "Indexing a cdata object").

use super::convert::{complex_part, shape, Access, Shape};
use crate::ctype::{CTypeId, Registry};
use crate::error::Error;
use std::cell::Cell;

/// Where a named field is, relative to a cdata of some type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldPlan {
    pub access: Access,
    pub offset: u64,
    /// The cdata is a pointer to the struct: load the address first.
    pub through_pointer: bool,
}

/// Where numbered elements are, relative to a cdata of some type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ElementPlan {
    pub access: Access,
    pub elem_size: u64,
    pub through_pointer: bool,
    /// The cdata is a complex number: `[0]` and `[1]` are its parts, read-only, and the
    /// plan is not cached.
    pub complex_parts: bool,
}

/// A cached field Luau reads and writes as a plain number: an integer of at most 32 bits
/// or a `float`/`double`, not a bitfield. The hot path of `cd.x` and `cd.x = n` needs
/// nothing else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumberField {
    /// `Shape::Int` (size below 8) or `Shape::Float`.
    pub shape: Shape,
    pub offset: u32,
    pub through_pointer: bool,
    /// Not `const`: a store may take the hot path.
    pub writable: bool,
}

/// Whether `access` is read and written as a plain Luau number: an integer of at most 32
/// bits or a `float`/`double`, not a bitfield (what the hot paths take).
fn is_plain_number(access: &Access) -> bool {
    let number = match access.shape {
        Shape::Int { size, .. } => size < 8,
        Shape::Float { .. } => true,
        _ => false,
    };
    number && access.bit.is_none()
}

impl NumberField {
    fn of(plan: &FieldPlan) -> Option<NumberField> {
        is_plain_number(&plan.access).then_some(NumberField {
            shape: plan.access.shape,
            offset: u32::try_from(plan.offset).ok()?,
            through_pointer: plan.through_pointer,
            writable: !plan.access.is_const,
        })
    }
}

/// The last element plan as [`NumberField`] is to fields: elements Luau reads and
/// writes as plain numbers, sized 1, 2, 4 or 8 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumberElement {
    pub shape: Shape,
    /// log2 of the element size.
    pub size_shift: u8,
    pub through_pointer: bool,
    pub writable: bool,
}

impl NumberElement {
    fn of(plan: &ElementPlan) -> Option<NumberElement> {
        let sized = plan.elem_size.is_power_of_two() && plan.elem_size <= 8;
        (is_plain_number(&plan.access) && sized && !plan.complex_parts).then_some(NumberElement {
            shape: plan.access.shape,
            size_shift: plan.elem_size.trailing_zeros() as u8,
            through_pointer: plan.through_pointer,
            writable: !plan.access.is_const,
        })
    }
}

const CACHE_SLOTS: usize = 512;

/// Field lookups already resolved, direct-mapped: `keys[i]` is (type id, key string
/// address) and `plans[i]` its plan. The caller anchors each cached key string so its
/// address is never reused for another string.
pub struct FieldCache {
    keys: Box<[Cell<(u32, usize)>]>,
    plans: Box<[Cell<Option<FieldPlan>>]>,
    /// `plans[i]` as a [`NumberField`] when it is one.
    numbers: Box<[Cell<Option<NumberField>>]>,
    last_element: Cell<Option<(u32, ElementPlan)>>,
    /// `last_element` as a [`NumberElement`] when it is one.
    last_number_element: Cell<Option<(u32, NumberElement)>>,
}

impl Default for FieldCache {
    fn default() -> Self {
        FieldCache {
            keys: (0..CACHE_SLOTS).map(|_| Cell::new((0, 0))).collect(),
            plans: (0..CACHE_SLOTS).map(|_| Cell::new(None)).collect(),
            numbers: (0..CACHE_SLOTS).map(|_| Cell::new(None)).collect(),
            last_element: Cell::new(None),
            last_number_element: Cell::new(None),
        }
    }
}

#[inline]
fn slot_of(ty: CTypeId, key: usize) -> usize {
    ((key >> 3) ^ (ty.0 as usize).wrapping_mul(0x9E37_79B9)) % CACHE_SLOTS
}

impl FieldCache {
    #[inline]
    pub fn field(&self, ty: CTypeId, key: usize) -> Option<FieldPlan> {
        let slot = slot_of(ty, key);
        if self.keys[slot].get() == (ty.0, key) {
            self.plans[slot].get()
        } else {
            None
        }
    }

    /// The cached field `key` of type `ty` when it is a [`NumberField`].
    #[inline(always)]
    pub fn number_field(&self, ty: CTypeId, key: usize) -> Option<NumberField> {
        let slot = slot_of(ty, key);
        if self.keys[slot].get() == (ty.0, key) {
            self.numbers[slot].get()
        } else {
            None
        }
    }

    pub fn put_field(&self, ty: CTypeId, key: usize, plan: FieldPlan) {
        let slot = slot_of(ty, key);
        self.keys[slot].set((ty.0, key));
        self.plans[slot].set(Some(plan));
        self.numbers[slot].set(NumberField::of(&plan));
    }

    #[inline]
    pub fn element(&self, ty: CTypeId) -> Option<ElementPlan> {
        match self.last_element.get() {
            Some((t, plan)) if t == ty.0 => Some(plan),
            _ => None,
        }
    }

    /// The cached element plan of type `ty` when it is a [`NumberElement`].
    #[inline(always)]
    pub fn number_element(&self, ty: CTypeId) -> Option<NumberElement> {
        match self.last_number_element.get() {
            Some((t, element)) if t == ty.0 => Some(element),
            _ => None,
        }
    }

    pub fn put_element(&self, ty: CTypeId, plan: ElementPlan) {
        self.last_element.set(Some((ty.0, plan)));
        self.last_number_element
            .set(NumberElement::of(&plan).map(|element| (ty.0, element)));
    }
}

/// Resolves `cd.name` for a cdata of type `ty`: a member of the struct/union, or of the
/// struct a pointer points to. `Err` carries LuaJIT's message.
pub fn resolve_field(reg: &Registry, ty: CTypeId, name: &str) -> Result<FieldPlan, Error> {
    if let Some(part) = complex_part(reg, ty) {
        // A complex number's `re` and `im` are read-only (LuaJIT "Indexing a cdata
        // object").
        let offset = match name {
            "re" => 0,
            "im" => part as u64,
            _ => {
                return Err(Error::NoMember {
                    ty: reg.message_name(ty),
                    name: name.to_string(),
                })
            }
        };
        let mut access = Access::of(reg, part_type(part));
        access.is_const = true;
        return Ok(FieldPlan {
            access,
            offset,
            through_pointer: false,
        });
    }
    let (record, through_pointer) = match shape(reg, ty) {
        Shape::Record => (ty, false),
        Shape::Pointer { target } if shape(reg, target) == Shape::Record => (target, true),
        _ => {
            return Err(Error::NoMember {
                ty: reg.message_name(ty),
                name: name.to_string(),
            })
        }
    };
    let Some(field) = reg.field(record, name) else {
        return Err(Error::NoMember {
            ty: reg.message_name(record),
            name: name.to_string(),
        });
    };
    let mut access = Access::of(reg, field.ty);
    access.is_const |= reg.get(record).quals.is_const;
    if let Some((position, width)) = field.bit {
        access.bit = Some((access.size as u8, position, width));
    }
    Ok(FieldPlan {
        access,
        offset: field.offset,
        through_pointer,
    })
}

/// Resolves `cd[i]` for a cdata of type `ty`: an array or a pointer.
pub fn resolve_element(reg: &Registry, ty: CTypeId) -> Result<ElementPlan, Error> {
    if let Some(part) = complex_part(reg, ty) {
        let mut access = Access::of(reg, part_type(part));
        access.is_const = true;
        return Ok(ElementPlan {
            access,
            elem_size: part as u64,
            through_pointer: false,
            complex_parts: true,
        });
    }
    let (elem, through_pointer) = match shape(reg, ty) {
        Shape::Array { elem, .. } => (elem, false),
        Shape::Pointer { target } => (target, true),
        _ => {
            return Err(Error::CannotIndexWith {
                ty: reg.message_name(ty),
                key: "number".into(),
            })
        }
    };
    let Some(elem_size) = reg.size_of(elem).filter(|&s| s > 0) else {
        // `void *`, a function pointer, a pointer to an incomplete struct (LuaJIT's
        // wording).
        return Err(Error::SizeUnknown);
    };
    let mut access = Access::of(reg, elem);
    // As LuaJIT, a vector's elements are read-only.
    access.is_const |= super::convert::is_vector(reg, ty);
    Ok(ElementPlan {
        access,
        elem_size,
        through_pointer,
        complex_parts: false,
    })
}

/// The part type of a complex number whose parts are `part` bytes.
fn part_type(part: u8) -> CTypeId {
    if part == 4 {
        CTypeId::FLOAT
    } else {
        CTypeId::DOUBLE
    }
}
