//! How each C parameter and result travels through a call: its [`ValueClass`], read from
//! the type registry. No libffi and no unsafe here.

pub use crate::error::CallError;

use crate::ctype::{CTypeId, CTypeKind, Registry};

/// The calling-convention class of one argument or result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueClass {
    Void,
    Bool,
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    F32,
    F64,
    /// `long double` (x87 80-bit on x86-64, binary128 on aarch64 Linux).
    LongDouble,
    Pointer,
    /// `complex float` / `complex double`, passed as libffi complex types.
    ComplexF32,
    ComplexF64,
    /// A struct or union by value.
    Aggregate {
        size: u32,
        align: u32,
    },
}

impl ValueClass {
    /// Bytes the C value occupies (0 for void).
    #[inline]
    pub fn size(self) -> usize {
        match self {
            ValueClass::Void => 0,
            ValueClass::Bool | ValueClass::I8 | ValueClass::U8 => 1,
            ValueClass::I16 | ValueClass::U16 => 2,
            ValueClass::I32 | ValueClass::U32 | ValueClass::F32 => 4,
            ValueClass::I64 | ValueClass::U64 | ValueClass::F64 | ValueClass::ComplexF32 => 8,
            ValueClass::Pointer => std::mem::size_of::<usize>(),
            ValueClass::LongDouble => crate::ctype::LONG_DOUBLE_SIZE as usize,
            ValueClass::ComplexF64 => 16,
            ValueClass::Aggregate { size, .. } => size as usize,
        }
    }

    /// Alignment of the C value (1 for void).
    pub fn align(self) -> usize {
        match self {
            ValueClass::Void => 1,
            ValueClass::ComplexF32 => 4,
            ValueClass::ComplexF64 => 8,
            ValueClass::Aggregate { align, .. } => align as usize,
            other => other.size(),
        }
    }

    /// An integer, bool or pointer: passed in a general-purpose register.
    #[inline]
    pub fn is_integer_register(self) -> bool {
        matches!(
            self,
            ValueClass::Bool
                | ValueClass::I8
                | ValueClass::U8
                | ValueClass::I16
                | ValueClass::U16
                | ValueClass::I32
                | ValueClass::U32
                | ValueClass::I64
                | ValueClass::U64
                | ValueClass::Pointer
        )
    }

    /// `float` or `double`: passed in a floating-point register.
    #[inline]
    pub fn is_float_register(self) -> bool {
        matches!(self, ValueClass::F32 | ValueClass::F64)
    }

    /// An integer narrower than 32 bits, which callers extend before passing (clang's
    /// x86-64 and Apple's arm64 callees rely on it).
    pub fn is_narrow_integer(self) -> bool {
        matches!(
            self,
            ValueClass::Bool | ValueClass::I8 | ValueClass::U8 | ValueClass::I16 | ValueClass::U16
        )
    }

    /// Sign- or zero-extends the low bits of `raw` as this integer class to 64 bits.
    #[inline]
    pub fn extend_integer(self, raw: u64) -> u64 {
        match self {
            ValueClass::Bool => u64::from(raw as u8 != 0),
            ValueClass::I8 => raw as i8 as i64 as u64,
            ValueClass::U8 => raw as u8 as u64,
            ValueClass::I16 => raw as i16 as i64 as u64,
            ValueClass::U16 => raw as u16 as u64,
            ValueClass::I32 => raw as i32 as i64 as u64,
            ValueClass::U32 => raw as u32 as u64,
            _ => raw,
        }
    }
}

/// The class of a parameter of type `id` (arrays and functions decay to pointers, as in
/// a C prototype).
pub fn param_class(reg: &Registry, id: CTypeId) -> Result<ValueClass, CallError> {
    match reg.get(id).kind {
        CTypeKind::Array { .. } | CTypeKind::Function { .. } => Ok(ValueClass::Pointer),
        CTypeKind::Void => Err(CallError::IncompleteType { ty: reg.c_name(id) }),
        _ => value_class(reg, id),
    }
}

/// The class of a result of type `id`.
pub fn return_class(reg: &Registry, id: CTypeId) -> Result<ValueClass, CallError> {
    match reg.get(id).kind {
        CTypeKind::Void => Ok(ValueClass::Void),
        CTypeKind::Array { .. } | CTypeKind::Function { .. } => Err(CallError::NotSupported {
            ty: reg.c_name(id),
            reason: "C functions cannot return arrays or functions",
        }),
        _ => value_class(reg, id),
    }
}

fn value_class(reg: &Registry, id: CTypeId) -> Result<ValueClass, CallError> {
    let ty = reg.get(id);
    let unsupported = |reason| CallError::NotSupported {
        ty: reg.c_name(id),
        reason,
    };
    Ok(match &ty.kind {
        CTypeKind::Void => ValueClass::Void,
        CTypeKind::Bool => ValueClass::Bool,
        CTypeKind::Int { size, signed, .. } => match (size, signed) {
            (1, true) => ValueClass::I8,
            (1, false) => ValueClass::U8,
            (2, true) => ValueClass::I16,
            (2, false) => ValueClass::U16,
            (4, true) => ValueClass::I32,
            (4, false) => ValueClass::U32,
            (8, true) => ValueClass::I64,
            (8, false) => ValueClass::U64,
            _ => return Err(unsupported("128-bit integers are not supported by libffi")),
        },
        CTypeKind::Float { size: 4 } => ValueClass::F32,
        CTypeKind::Float { size: 8 } => ValueClass::F64,
        CTypeKind::Float { size: 2 } => return Err(unsupported("_Float16")),
        CTypeKind::Float { .. } => ValueClass::LongDouble,
        CTypeKind::Complex { size: 8 } => ValueClass::ComplexF32,
        CTypeKind::Complex { size: 16 } => ValueClass::ComplexF64,
        CTypeKind::Complex { .. } => return Err(unsupported("complex long double")),
        CTypeKind::Pointer { .. } => ValueClass::Pointer,
        CTypeKind::Pointer32 { .. } => return Err(unsupported("__ptr32 pointers")),
        CTypeKind::Enum(_) => {
            let underlying = reg
                .enumeration(id)
                .map(|def| def.underlying)
                .unwrap_or(CTypeId::UINT);
            return value_class(reg, underlying);
        }
        CTypeKind::Vector { .. } => return Err(unsupported("vector types")),
        CTypeKind::Array { .. } | CTypeKind::Function { .. } => ValueClass::Pointer,
        CTypeKind::Record(_) => {
            let size = reg
                .size_of(id)
                .ok_or_else(|| CallError::IncompleteType { ty: reg.c_name(id) })?;
            let align = reg.align_of(id).unwrap_or(1);
            if size == 0 {
                return Err(unsupported("empty aggregates"));
            }
            ValueClass::Aggregate {
                size: size as u32,
                align,
            }
        }
    })
}

/// The type a variadic argument of type `id` is passed as: C's default argument
/// promotions (`float` → `double`, integers narrower than `int` → `int`).
pub fn promoted_vararg(reg: &Registry, id: CTypeId) -> CTypeId {
    match reg.get(id).kind {
        CTypeKind::Float { size: 4 } => CTypeId::DOUBLE,
        CTypeKind::Bool => CTypeId::INT,
        CTypeKind::Int { size, .. } if size < 4 => CTypeId::INT,
        _ => id,
    }
}

/// The function type behind `id`: `id` itself when it is a function type, the target
/// when it is a pointer to one (calls through `ffi.cast` pointers and struct fields,
/// callbacks made for a function-pointer type).
pub fn function_type_of(reg: &Registry, id: CTypeId) -> Option<CTypeId> {
    match reg.get(id).kind {
        CTypeKind::Function { .. } => Some(id),
        CTypeKind::Pointer { target } => {
            matches!(reg.get(target).kind, CTypeKind::Function { .. }).then_some(target)
        }
        _ => None,
    }
}
