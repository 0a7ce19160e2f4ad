//! The C spelling of a type, as LuaJIT's `tostring(ctype)` prints it: `const char *`,
//! `int (*)[4]`, `struct 123` for an anonymous struct (its type id).

use super::{ArrayLen, CTypeId, CTypeKind, Quals, Registry};

fn push_quals(out: &mut String, quals: Quals) {
    if quals.is_const {
        out.push_str("const ");
    }
    if quals.is_volatile {
        out.push_str("volatile ");
    }
}

/// The base spelling of a non-derived type (scalar, record, enum), with qualifiers.
fn base_name(reg: &Registry, id: CTypeId, out: &mut String) {
    let ty = reg.get(id);
    push_quals(out, ty.quals);
    match &ty.kind {
        CTypeKind::Void => out.push_str("void"),
        CTypeKind::Bool => out.push_str("bool"),
        CTypeKind::Int {
            size,
            signed,
            plain_char,
        } => {
            let name = match (size, signed, plain_char) {
                (1, _, true) => "char",
                (1, true, false) => "signed char",
                (1, false, false) => "unsigned char",
                (2, true, _) => "short",
                (2, false, _) => "unsigned short",
                (4, true, _) => "int",
                (4, false, _) => "unsigned int",
                (8, true, _) => "int64_t",
                (8, false, _) => "uint64_t",
                (16, true, _) => "__int128",
                (_, _, _) => "unsigned __int128",
            };
            out.push_str(name);
        }
        CTypeKind::Float { size } => out.push_str(match size {
            4 => "float",
            8 => "double",
            _ => "long double",
        }),
        CTypeKind::Complex { size } => out.push_str(match size {
            8 => "complex float",
            16 => "complex",
            _ => "complex long double",
        }),
        CTypeKind::Record(_) | CTypeKind::Enum(_) => {
            let (keyword, name, own_id) = if let Some(def) = reg.record(id) {
                (def.kind.keyword(), def.name.as_deref(), def.id)
            } else {
                let def = reg.enumeration(id).expect("enum");
                ("enum", def.name.as_deref(), def.id)
            };
            out.push_str(keyword);
            out.push(' ');
            match name {
                Some(name) => out.push_str(name),
                None => out.push_str(&own_id.0.to_string()),
            }
        }
        // Derived types never reach here.
        CTypeKind::Pointer { .. }
        | CTypeKind::Array { .. }
        | CTypeKind::Vector { .. }
        | CTypeKind::Function { .. } => {}
    }
}

/// Spells `id`: walks from the outermost derivation inwards, growing the declarator
/// around an empty name, then puts the base type in front.
pub(super) fn c_name(reg: &Registry, id: CTypeId) -> String {
    spell(reg, id, String::new())
}

/// Spells a reference to `id` as LuaJIT does: `struct s &`, `int (&)[2]`.
pub(super) fn c_name_ref(reg: &Registry, id: CTypeId) -> String {
    spell(reg, id, String::from("&"))
}

/// Spells a pointer to `id` without interning it (`int (*)(int)` for a function type,
/// as LuaJIT names a function cdata in conversion errors).
pub(super) fn c_name_pointer(reg: &Registry, id: CTypeId) -> String {
    spell(reg, id, String::from("*"))
}

fn spell(reg: &Registry, id: CTypeId, mut declarator: String) -> String {
    let mut current = id;
    loop {
        let ty = reg.get(current);
        match &ty.kind {
            CTypeKind::Pointer { target } => {
                let mut layer = String::from("*");
                if !ty.quals.is_empty() {
                    let mut q = String::new();
                    push_quals(&mut q, ty.quals);
                    layer.push_str(q.trim_end());
                    if !declarator.is_empty() {
                        layer.push(' ');
                    }
                }
                layer.push_str(&declarator);
                declarator = layer;
                current = *target;
            }
            CTypeKind::Array { elem, len } => {
                if declarator.starts_with(['*', '&']) {
                    declarator = format!("({declarator})");
                }
                match len {
                    ArrayLen::Fixed(n) => declarator.push_str(&format!("[{n}]")),
                    ArrayLen::Unsized => declarator.push_str("[]"),
                    ArrayLen::Variable => declarator.push_str("[?]"),
                }
                current = *elem;
            }
            CTypeKind::Function {
                ret,
                params,
                variadic,
            } => {
                if declarator.starts_with(['*', '&']) {
                    declarator = format!("({declarator})");
                }
                declarator.push('(');
                if params.is_empty() && !variadic {
                    declarator.push_str("void");
                }
                for (i, param) in params.iter().enumerate() {
                    if i > 0 {
                        declarator.push_str(", ");
                    }
                    declarator.push_str(&c_name(reg, *param));
                }
                if *variadic {
                    if !params.is_empty() {
                        declarator.push_str(", ");
                    }
                    declarator.push_str("...");
                }
                declarator.push(')');
                current = *ret;
            }
            CTypeKind::Vector { elem, size } => {
                let mut out = c_name(reg, *elem);
                out.push_str(&format!(" __attribute__((vector_size({size})))"));
                return join(out, &declarator);
            }
            _ => {
                let mut out = String::new();
                base_name(reg, current, &mut out);
                return join(out, &declarator);
            }
        }
    }
}

fn join(mut base: String, declarator: &str) -> String {
    if !declarator.is_empty() {
        base.push(' ');
        base.push_str(declarator);
    }
    base
}
