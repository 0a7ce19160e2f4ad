//! Struct and union layout exactly as the C compiler does it: gcc's SysV rules
//! (x86-64), the AAPCS variant of them (Linux aarch64 and arm) and, best-effort, MSVC's
//! rules for Windows. No parsing here.

use super::{
    ArrayLen, CTypeId, CTypeKind, Field, Registry, TagKind, DEFAULT_MAX_ALIGN, MAX_TYPE_SIZE,
};

/// Which compiler's record layout to follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayoutRules {
    /// gcc/clang on SysV targets: bitfields never straddle their type's alignment unit,
    /// unnamed bitfields do not align the record.
    SysV,
    /// gcc on AAPCS targets (Linux aarch64 and arm): SysV, except that unnamed
    /// bitfields align the record as named ones do, and a zero-width bitfield aligns it
    /// to its type's full alignment whatever `packed` or `#pragma pack` say.
    Aapcs,
    /// MSVC: a bitfield run shares one unit of its declared type; a change of type
    /// size starts a new unit; every bitfield aligns the record.
    Msvc,
}

impl LayoutRules {
    /// The rules of the target this crate is built for.
    pub fn native() -> LayoutRules {
        if cfg!(windows) {
            LayoutRules::Msvc
        } else if cfg!(all(
            any(target_arch = "aarch64", target_arch = "arm"),
            not(target_vendor = "apple")
        )) {
            LayoutRules::Aapcs
        } else {
            LayoutRules::SysV
        }
    }
}

/// `#pragma pack` state: the current cap and the `push`ed ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PackStack {
    pub current: Option<u32>,
    pub saved: Vec<Option<u32>>,
}

/// Most `#pragma pack(push)` levels kept.
pub const MAX_PACK_DEPTH: usize = 256;

/// One member as declared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldDecl {
    pub name: Option<String>,
    pub ty: CTypeId,
    /// Bitfield width, for `T name : width`.
    pub bit_width: Option<u32>,
    /// `__attribute__((aligned(n)))` on the member; 0 if none.
    pub align_attr: u32,
    /// `__attribute__((packed))` on the member.
    pub packed: bool,
}

/// Attributes of the record itself and the `#pragma pack` in force at its definition.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecordAttrs {
    pub packed: bool,
    /// `aligned(n)` on the record; 0 if none.
    pub align: u32,
    /// `#pragma pack(n)` cap.
    pub pack: Option<u32>,
}

/// Why a record cannot be laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayoutError {
    /// A member has an incomplete type or the record is too large.
    SizeUnknown,
    /// A bitfield of a non-integer type.
    InvalidType,
    /// A bitfield wider than its type, or a named zero-width bitfield.
    InvalidValue,
}

pub(super) struct Laid {
    pub size: u64,
    pub align: u32,
    pub fields: Vec<Field>,
    pub is_vls: bool,
}

fn round_up(x: u64, to: u64) -> u64 {
    x.div_ceil(to) * to
}

/// gcc's `excess_unit_span`: would a `width`-bit field at `bit` span more alignment
/// units of its type than the type itself does?
fn excess_unit_span(bit: u64, width: u64, align_bits: u64, size_bits: u64) -> bool {
    let offset = bit % align_bits;
    (offset + width).div_ceil(align_bits) > size_bits / align_bits
}

/// Storage unit of a bitfield at absolute bit `bit`: (byte offset, bit position).
fn bitfield_unit(bit: u64, width: u32, size: u64, align: u64) -> (u64, u32) {
    let unit = (bit / 8) / align * align;
    if bit - unit * 8 + width as u64 <= size * 8 {
        (unit, (bit - unit * 8) as u32)
    } else {
        (bit / 8, (bit % 8) as u32)
    }
}

pub(super) fn lay_out(
    reg: &Registry,
    kind: TagKind,
    decls: &[FieldDecl],
    attrs: RecordAttrs,
) -> Result<Laid, LayoutError> {
    let is_union = kind == TagKind::Union;
    let msvc = reg.rules == LayoutRules::Msvc;
    let aapcs = reg.rules == LayoutRules::Aapcs;
    let mut bits: u64 = 0; // next free bit (struct) or largest member (union)
    let mut record_align: u32 = 1;
    let mut fields = Vec::with_capacity(decls.len());
    let mut is_vls = false;
    // MSVC: the open bitfield unit (start bit, unit size in bytes).
    let mut msvc_unit: Option<(u64, u64)> = None;

    for (index, decl) in decls.iter().enumerate() {
        let ty = reg.get(decl.ty);
        let is_last = index + 1 == decls.len();
        let (size, type_align) = match &ty.kind {
            CTypeKind::Array {
                elem,
                len: len @ (ArrayLen::Unsized | ArrayLen::Variable),
            } => {
                if *len == ArrayLen::Variable && is_last {
                    is_vls = true;
                }
                (0, reg.align_of(*elem).ok_or(LayoutError::SizeUnknown)?)
            }
            _ => (
                reg.size_of(decl.ty).ok_or(LayoutError::SizeUnknown)?,
                reg.align_of(decl.ty).ok_or(LayoutError::SizeUnknown)?,
            ),
        };
        let packed = attrs.packed || decl.packed;
        match decl.bit_width {
            None => {
                msvc_unit = None;
                let mut align = if packed { 1 } else { type_align };
                if decl.align_attr > 0 {
                    align = align.max(decl.align_attr);
                }
                if let Some(pack) = attrs.pack {
                    align = align.min(pack);
                }
                record_align = record_align.max(align);
                let offset = if is_union {
                    0
                } else {
                    round_up(bits.div_ceil(8), align as u64)
                };
                fields.push(Field {
                    name: decl.name.clone(),
                    ty: decl.ty,
                    offset,
                    bit: None,
                });
                let end = (offset + size) * 8;
                bits = if is_union { bits.max(end) } else { end };
            }
            Some(width) => {
                if !ty.is_integer() {
                    return Err(LayoutError::InvalidType);
                }
                let width64 = width as u64;
                if width64 > size * 8 || (width == 0 && decl.name.is_some()) {
                    return Err(LayoutError::InvalidValue);
                }
                let mut unit_align = type_align;
                if let Some(pack) = attrs.pack {
                    unit_align = unit_align.min(pack);
                }
                if msvc {
                    // Best effort MSVC: units of the declared type, never shared across
                    // a change of type size; all bitfields align the record.
                    if width == 0 {
                        msvc_unit = None;
                        continue;
                    }
                    record_align = record_align.max(unit_align);
                    let start = match msvc_unit {
                        Some((start, unit_size))
                            if !is_union
                                && unit_size == size
                                && bits + width64 <= start + size * 8 =>
                        {
                            bits
                        }
                        _ => {
                            let start = if is_union {
                                0
                            } else {
                                round_up(bits.div_ceil(8), unit_align as u64) * 8
                            };
                            msvc_unit = Some((start, size));
                            start
                        }
                    };
                    let (offset, pos) = bitfield_unit(start, width, size, unit_align as u64);
                    if decl.name.is_some() {
                        fields.push(Field {
                            name: decl.name.clone(),
                            ty: decl.ty,
                            offset,
                            bit: Some((pos, width)),
                        });
                    }
                    let unit_end = msvc_unit.map_or(0, |(s, u)| s + u * 8);
                    bits = if is_union {
                        bits.max(size * 8)
                    } else {
                        (start + width64).max(bits)
                    };
                    if !is_union {
                        // The whole unit is reserved.
                        bits = bits.max(start + width64);
                        let _ = unit_end;
                    }
                    continue;
                }
                if width == 0 {
                    // A zero-width bitfield pads to its type's alignment; on SysV it
                    // does not align the record (it is unnamed), on AAPCS it does.
                    // gcc aligns to the full type alignment even under `#pragma pack`.
                    if aapcs {
                        record_align = record_align.max(type_align);
                    }
                    if !is_union {
                        bits = round_up(bits, type_align as u64 * 8);
                    }
                    continue;
                }
                let mut start = if is_union { 0 } else { bits };
                if !packed
                    && attrs.pack.is_none()
                    && excess_unit_span(start, width64, type_align as u64 * 8, size * 8)
                {
                    start = round_up(start, type_align as u64 * 8);
                }
                if decl.align_attr > 0 {
                    start = round_up(start, decl.align_attr as u64 * 8);
                    record_align = record_align.max(decl.align_attr);
                }
                if decl.name.is_some() || aapcs {
                    let align = if let Some(pack) = attrs.pack {
                        type_align.min(pack)
                    } else if packed {
                        1
                    } else {
                        type_align
                    };
                    record_align = record_align.max(align);
                }
                if decl.name.is_some() {
                    let (offset, pos) = bitfield_unit(start, width, size, type_align as u64);
                    fields.push(Field {
                        name: decl.name.clone(),
                        ty: decl.ty,
                        offset,
                        bit: Some((pos, width)),
                    });
                }
                let end = start + width64;
                bits = if is_union { bits.max(end) } else { end };
            }
        }
    }
    if attrs.align > 0 {
        record_align = record_align.max(attrs.align);
    }
    let _ = DEFAULT_MAX_ALIGN;
    let size = round_up(bits.div_ceil(8), record_align as u64);
    if size > MAX_TYPE_SIZE {
        return Err(LayoutError::SizeUnknown);
    }
    Ok(Laid {
        size,
        align: record_align,
        fields,
        is_vls,
    })
}
