//! libffi type descriptions (`ffi_type`) for parameters and results, built from the
//! registry's layouts and owned by the signature that uses them.
//!
//! Structs become libffi structs (arrays flattened into repeated elements, bitfields into
//! their storage units or bytes), checked against the registry's offsets so a layout
//! libffi would compute differently (packed, over-aligned) is refused, never miscalled.
//! libffi has no unions: a union by value (and a struct whose bitfields share a unit with
//! other members) is passed as a stand-in struct that the target ABI classifies the same
//! way (x86-64 SysV: per eightbyte, INTEGER unless every member
//! byte in it is float; AAPCS64: a homogeneous float aggregate or integer words).

use std::ptr;

use libffi_sys::{ffi_type, FFI_TYPE_COMPLEX, FFI_TYPE_STRUCT};

use super::class::{CallError, ValueClass};
use crate::ctype::{ArrayLen, CTypeId, CTypeKind, Registry, TagKind};

/// Owns every `ffi_type` node and element list built for one signature; their addresses
/// stay fixed (boxed) for as long as the arena lives.
#[derive(Default)]
pub(crate) struct TypeArena {
    // Boxed: libffi holds pointers to the nodes, which must not move as the Vec grows.
    #[allow(clippy::vec_box)]
    nodes: Vec<Box<ffi_type>>,
    element_lists: Vec<Box<[*mut ffi_type]>>,
    /// Aggregates to check once libffi has computed their size and alignment.
    aggregates: Vec<(*mut ffi_type, CTypeId)>,
}

/// libffi's builtin description of a scalar class.
fn builtin(class: ValueClass) -> *mut ffi_type {
    use libffi_sys as sys;
    // Only the addresses of libffi's builtin descriptions are taken (no unsafe needed);
    // libffi never writes to them, their size and alignment being static.
    match class {
        ValueClass::Void => &raw mut sys::ffi_type_void,
        ValueClass::Bool | ValueClass::U8 => &raw mut sys::ffi_type_uint8,
        ValueClass::I8 => &raw mut sys::ffi_type_sint8,
        ValueClass::I16 => &raw mut sys::ffi_type_sint16,
        ValueClass::U16 => &raw mut sys::ffi_type_uint16,
        ValueClass::I32 => &raw mut sys::ffi_type_sint32,
        ValueClass::U32 => &raw mut sys::ffi_type_uint32,
        ValueClass::I64 => &raw mut sys::ffi_type_sint64,
        ValueClass::U64 => &raw mut sys::ffi_type_uint64,
        ValueClass::F32 => &raw mut sys::ffi_type_float,
        ValueClass::F64 => &raw mut sys::ffi_type_double,
        ValueClass::LongDouble => &raw mut sys::ffi_type_longdouble,
        ValueClass::Pointer => &raw mut sys::ffi_type_pointer,
        ValueClass::ComplexF32 | ValueClass::ComplexF64 | ValueClass::Aggregate { .. } => {
            unreachable!("not a builtin libffi type")
        }
    }
}

fn int_of_size(size: u64) -> ValueClass {
    match size {
        1 => ValueClass::U8,
        2 => ValueClass::U16,
        4 => ValueClass::U32,
        _ => ValueClass::U64,
    }
}

/// A scalar inside a union, for classification.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Leaf {
    Integer,
    F32,
    F64,
}

/// Tracks the offsets libffi will give a struct's elements, to compare with the registry.
struct LayoutCheck {
    offset: u64,
    align: u64,
}

impl LayoutCheck {
    /// Places an element of `size`/`align`; false when libffi would put it elsewhere than
    /// `expected`.
    fn place(&mut self, size: u64, align: u64, expected: u64) -> bool {
        let at = self.offset.next_multiple_of(align.max(1));
        self.offset = at + size;
        self.align = self.align.max(align);
        at == expected
    }
}

impl TypeArena {
    /// The `ffi_type` for a parameter or result of type `id` with class `class`.
    pub(crate) fn type_for(
        &mut self,
        reg: &Registry,
        id: CTypeId,
        class: ValueClass,
    ) -> Result<*mut ffi_type, CallError> {
        match class {
            ValueClass::ComplexF32 => Ok(self.complex(ValueClass::F32)),
            ValueClass::ComplexF64 => Ok(self.complex(ValueClass::F64)),
            ValueClass::Aggregate { .. } => self.aggregate(reg, id),
            scalar => Ok(builtin(scalar)),
        }
    }

    /// After `ffi_prep_cif`: every aggregate's libffi size and alignment must equal the
    /// registry's, or the call would move the wrong bytes.
    pub(crate) fn check_prepared(&self, reg: &Registry) -> Result<(), CallError> {
        for &(node, id) in &self.aggregates {
            // SAFETY: `node` is owned by this arena (boxed, alive) and was initialised by
            // ffi_prep_cif, which fills in size and alignment.
            let (size, align) = unsafe { ((*node).size as u64, (*node).alignment as u32) };
            if Some(size) != reg.size_of(id) || Some(align) != reg.align_of(id) {
                return Err(CallError::NotSupported {
                    ty: reg.c_name(id),
                    reason: "its layout (packed or over-aligned) cannot be described to libffi",
                });
            }
        }
        Ok(())
    }

    fn node(
        &mut self,
        size: usize,
        align: u16,
        kind: u16,
        elements: Vec<*mut ffi_type>,
    ) -> *mut ffi_type {
        let mut list = elements;
        list.push(ptr::null_mut());
        let mut list = list.into_boxed_slice();
        let mut node = Box::new(ffi_type {
            size,
            alignment: align,
            type_: kind,
            elements: list.as_mut_ptr(),
        });
        let raw: *mut ffi_type = &mut *node;
        self.element_lists.push(list);
        self.nodes.push(node);
        raw
    }

    fn complex(&mut self, part: ValueClass) -> *mut ffi_type {
        let size = part.size();
        self.node(2 * size, size as u16, FFI_TYPE_COMPLEX, vec![builtin(part)])
    }

    fn aggregate(&mut self, reg: &Registry, id: CTypeId) -> Result<*mut ffi_type, CallError> {
        let def = reg
            .record(id)
            .ok_or_else(|| CallError::IncompleteType { ty: reg.c_name(id) })?;
        let size = reg
            .size_of(id)
            .ok_or_else(|| CallError::IncompleteType { ty: reg.c_name(id) })?;
        let align = reg.align_of(id).unwrap_or(1) as u64;
        let has_bitfields = def.fields.iter().any(|field| field.bit.is_some());
        let elements = if def.kind == TagKind::Union {
            self.stand_in(reg, id, size, align)?
        } else {
            match self.natural_struct(reg, id, size, align) {
                Ok(elements) => elements,
                // Bitfields sharing a unit with earlier members (`char a; int b : 4;`)
                // have no natural libffi description; classify the bytes instead.
                Err(_) if has_bitfields => self.stand_in(reg, id, size, align)?,
                Err(e) => return Err(e),
            }
        };
        if elements.is_empty() {
            return Err(CallError::NotSupported {
                ty: reg.c_name(id),
                reason: "empty aggregates",
            });
        }
        let node = self.node(0, 0, FFI_TYPE_STRUCT, elements);
        self.aggregates.push((node, id));
        Ok(node)
    }

    /// The struct's members as libffi elements, if libffi lays them out as the registry.
    fn natural_struct(
        &mut self,
        reg: &Registry,
        id: CTypeId,
        size: u64,
        align: u64,
    ) -> Result<Vec<*mut ffi_type>, CallError> {
        let mut elements = Vec::new();
        let mut check = LayoutCheck {
            offset: 0,
            align: 1,
        };
        let mut covered = 0;
        self.struct_elements(reg, id, 0, &mut elements, &mut check, &mut covered)?;
        let libffi_size = check.offset.next_multiple_of(check.align);
        if libffi_size != size || check.align != align {
            return Err(packed(reg, id));
        }
        Ok(elements)
    }

    /// Appends the elements of struct `id` placed at `base`; `covered` is the end of the
    /// bytes already described (bitfields may share storage with earlier members).
    fn struct_elements(
        &mut self,
        reg: &Registry,
        id: CTypeId,
        base: u64,
        out: &mut Vec<*mut ffi_type>,
        check: &mut LayoutCheck,
        covered: &mut u64,
    ) -> Result<(), CallError> {
        let def = reg
            .record(id)
            .ok_or_else(|| CallError::IncompleteType { ty: reg.c_name(id) })?;
        for field in &def.fields {
            let at = base + field.offset;
            if let Some((bit, width)) = field.bit {
                if width == 0 {
                    continue;
                }
                let unit = reg.size_of(field.ty).unwrap_or(1);
                let first_byte = at + u64::from(bit) / 8;
                let last_byte = at + u64::from(bit + width - 1) / 8;
                if last_byte < *covered {
                    continue;
                }
                if at >= *covered && check.place(unit, unit, at) {
                    out.push(builtin(int_of_size(unit)));
                    *covered = at + unit;
                } else {
                    for byte in first_byte.max(*covered)..=last_byte {
                        if !check.place(1, 1, byte) {
                            return Err(packed(reg, id));
                        }
                        out.push(builtin(ValueClass::U8));
                    }
                    *covered = last_byte + 1;
                }
                continue;
            }
            self.member_elements(reg, field.ty, at, out, check, covered)
                .map_err(|e| match e {
                    CallError::NotSupported { reason, .. } if reason.starts_with("its layout") => {
                        packed(reg, id)
                    }
                    other => other,
                })?;
        }
        Ok(())
    }

    fn member_elements(
        &mut self,
        reg: &Registry,
        ty: CTypeId,
        at: u64,
        out: &mut Vec<*mut ffi_type>,
        check: &mut LayoutCheck,
        covered: &mut u64,
    ) -> Result<(), CallError> {
        let size = reg.size_of(ty).unwrap_or(0);
        let align = reg.align_of(ty).unwrap_or(1) as u64;
        match reg.get(ty).kind {
            CTypeKind::Array { elem, len } => {
                let count = match len {
                    ArrayLen::Fixed(n) => n,
                    ArrayLen::Unsized | ArrayLen::Variable => 0,
                };
                let elem_size = reg.size_of(elem).unwrap_or(0);
                for i in 0..count {
                    self.member_elements(reg, elem, at + i * elem_size, out, check, covered)?;
                }
                Ok(())
            }
            CTypeKind::Record(_) => {
                let node = self.aggregate(reg, ty)?;
                if !check.place(size, align, at) {
                    return Err(packed(reg, ty));
                }
                out.push(node);
                *covered = at + size;
                Ok(())
            }
            _ => {
                let class = super::class::param_class(reg, ty)?;
                let node = self.type_for(reg, ty, class)?;
                if !check.place(size, align, at) {
                    return Err(packed(reg, ty));
                }
                out.push(node);
                *covered = at + size;
                Ok(())
            }
        }
    }

    /// A struct the target ABI classifies as it classifies the aggregate `id` (a union,
    /// or a struct whose bitfields share storage with other members).
    fn stand_in(
        &mut self,
        reg: &Registry,
        id: CTypeId,
        size: u64,
        align: u64,
    ) -> Result<Vec<*mut ffi_type>, CallError> {
        let unsupported = |reason| CallError::NotSupported {
            ty: reg.c_name(id),
            reason,
        };
        if !cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
            return Err(unsupported(
                "unions (and structs with shared bitfield units) by value are only classified for x86-64 and aarch64",
            ));
        }
        let mut leaves = Vec::new();
        if size <= 64 {
            collect_leaves(reg, id, 0, &mut leaves).map_err(unsupported)?;
        }
        if align > 8 || !size.is_multiple_of(align) {
            return Err(unsupported(
                "over-aligned aggregates with overlapping members",
            ));
        }
        let integer_words = |size: u64| -> Vec<*mut ffi_type> {
            let unit = align.min(8);
            (0..size / unit)
                .map(|_| builtin(int_of_size(unit)))
                .collect()
        };
        if cfg!(windows) {
            // Win64 looks at the size alone: 1, 2, 4 or 8 bytes in an integer register,
            // anything else by reference. Integer words of the same size say the same.
            return Ok(integer_words(size));
        }
        let big = if cfg!(target_arch = "aarch64") {
            64
        } else {
            16
        };
        if size > big {
            return Ok(integer_words(size));
        }
        if cfg!(target_arch = "aarch64") {
            // A homogeneous float aggregate goes in up to four FP registers.
            let base = match leaves.first() {
                Some((_, Leaf::F32)) => Some((ValueClass::F32, 4)),
                Some((_, Leaf::F64)) => Some((ValueClass::F64, 8)),
                _ => None,
            };
            if let Some((class, width)) = base {
                let same = leaves.iter().all(|&(_, leaf)| leaf == leaves[0].1);
                if same && size.is_multiple_of(width) && size / width <= 4 {
                    return Ok((0..size / width).map(|_| builtin(class)).collect());
                }
            }
            return Ok(integer_words(size));
        }
        // x86-64 SysV: classify each eightbyte.
        let mut out = Vec::new();
        let mut start = 0;
        while start < size {
            let bytes = (size - start).min(8);
            let mut floats_only = true;
            let mut any = false;
            for &(offset, leaf) in &leaves {
                if offset >= start && offset < start + 8 {
                    any = true;
                    floats_only &= leaf != Leaf::Integer;
                }
            }
            if any && floats_only {
                if bytes == 8 && align == 8 {
                    out.push(builtin(ValueClass::F64));
                } else if bytes.is_multiple_of(4) && align >= 4 {
                    out.extend((0..bytes / 4).map(|_| builtin(ValueClass::F32)));
                } else {
                    return Err(unsupported("a packed aggregate holding floats"));
                }
            } else {
                out.extend(integer_words(bytes));
            }
            start += 8;
        }
        Ok(out)
    }
}

fn packed(reg: &Registry, id: CTypeId) -> CallError {
    CallError::NotSupported {
        ty: reg.c_name(id),
        reason: "its layout (packed or over-aligned) cannot be described to libffi",
    }
}

/// Every scalar inside `id` placed at `base`, with its offset (union members overlap).
fn collect_leaves(
    reg: &Registry,
    id: CTypeId,
    base: u64,
    out: &mut Vec<(u64, Leaf)>,
) -> Result<(), &'static str> {
    match &reg.get(id).kind {
        CTypeKind::Bool
        | CTypeKind::Int { .. }
        | CTypeKind::Pointer { .. }
        | CTypeKind::Enum(_) => out.push((base, Leaf::Integer)),
        CTypeKind::Float { size: 4 } => out.push((base, Leaf::F32)),
        CTypeKind::Float { size: 8 } => out.push((base, Leaf::F64)),
        CTypeKind::Complex { size: 8 } => out.extend([(base, Leaf::F32), (base + 4, Leaf::F32)]),
        CTypeKind::Complex { size: 16 } => out.extend([(base, Leaf::F64), (base + 8, Leaf::F64)]),
        CTypeKind::Float { .. } | CTypeKind::Complex { .. } => {
            return Err("a union holding long double")
        }
        CTypeKind::Vector { .. } => return Err("a union holding vector types"),
        CTypeKind::Pointer32 { .. } => return Err("a union holding __ptr32 pointers"),
        CTypeKind::Function { .. } | CTypeKind::Void => {}
        CTypeKind::Array { elem, len } => {
            if let ArrayLen::Fixed(n) = len {
                let elem_size = reg.size_of(*elem).unwrap_or(0);
                for i in 0..*n {
                    collect_leaves(reg, *elem, base + i * elem_size, out)?;
                }
            }
        }
        CTypeKind::Record(_) => {
            let def = reg.record(id).ok_or("an incomplete member")?;
            for field in &def.fields {
                if let Some((bit, _)) = field.bit {
                    out.push((base + field.offset + u64::from(bit) / 8, Leaf::Integer));
                } else {
                    collect_leaves(reg, field.ty, base + field.offset, out)?;
                }
            }
        }
    }
    Ok(())
}
