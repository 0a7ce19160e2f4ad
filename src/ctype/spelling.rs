//! The C spelling of a type, as LuaJIT's `tostring(ctype)` prints it: `const char *`,
//! `int (*)[4]`, `struct 123` for an anonymous struct (its type id).

use std::collections::VecDeque;

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
fn base_name(reg: &Registry, id: CTypeId, out: &mut String, typedefs: bool) {
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
            2 => "_Float16",
            4 => "float",
            8 => "double",
            _ => "long double",
        }),
        CTypeKind::Complex { size } => out.push_str(match size {
            4 => "complex _Float16",
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
            if name.is_none() && typedefs {
                if let Some(typedef) = reg.typedef_name_of(own_id) {
                    out.push_str(typedef);
                    return;
                }
            }
            out.push_str(keyword);
            out.push(' ');
            match name {
                Some(name) => out.push_str(name),
                None => out.push_str(&own_id.0.to_string()),
            }
        }
        // Derived types never reach here.
        CTypeKind::Pointer { .. }
        | CTypeKind::Pointer32 { .. }
        | CTypeKind::Array { .. }
        | CTypeKind::Vector { .. }
        | CTypeKind::Function { .. } => {}
    }
}

/// Function types nested (in parameter lists or results) deeper than this spell their
/// parameters as LuaJIT spells every function type, `()`: each level may repeat the
/// whole spelling of the level below (`typedef T1 (*T2)(T1);`), so without a bound a
/// chain of such typedefs would spell in exponential time and memory.
const MAX_SPELLED_FUNCTION_DEPTH: u32 = 8;

/// Spells `id`: walks from the outermost derivation inwards, growing the declarator
/// around an empty name, then puts the base type in front.
pub(super) fn c_name(reg: &Registry, id: CTypeId) -> String {
    spell(reg, id, "", 0, false)
}

/// [`c_name`] for messages: an anonymous struct, union or enum a typedef names is
/// spelled by that typedef (`vec2`, not `struct 19`).
pub(super) fn message_name(reg: &Registry, id: CTypeId) -> String {
    spell(reg, id, "", 0, true)
}

/// [`c_name_pointer`] for messages, as [`message_name`].
pub(super) fn message_name_pointer(reg: &Registry, id: CTypeId) -> String {
    spell(reg, id, "*", 0, true)
}

/// Spells a reference to `id` as LuaJIT does: `struct s &`, `int (&)[2]`.
pub(super) fn c_name_ref(reg: &Registry, id: CTypeId) -> String {
    spell(reg, id, "&", 0, false)
}

/// Spells a pointer to `id` without interning it (`int (*)(int)` for a function type,
/// as LuaJIT names a function cdata in conversion errors).
pub(super) fn c_name_pointer(reg: &Registry, id: CTypeId) -> String {
    spell(reg, id, "*", 0, false)
}

/// The declarator grows at both ends (a pointer layer in front, array and function
/// suffixes behind), so it is a deque: spelling a chain of n derivations takes O(n).
fn spell(reg: &Registry, id: CTypeId, start: &str, mut depth: u32, typedefs: bool) -> String {
    let mut declarator: VecDeque<u8> = start.bytes().collect();
    let mut current = id;
    loop {
        let ty = reg.get(current);
        match &ty.kind {
            CTypeKind::Pointer { target } => {
                if !ty.quals.is_empty() {
                    let mut q = String::new();
                    push_quals(&mut q, ty.quals);
                    let q = q.trim_end();
                    if !declarator.is_empty() {
                        declarator.push_front(b' ');
                    }
                    for b in q.bytes().rev() {
                        declarator.push_front(b);
                    }
                }
                declarator.push_front(b'*');
                current = *target;
            }
            CTypeKind::Pointer32 { target } => {
                // As LuaJIT: `int *__ptr32`, `int *__ptr32 [2]`.
                if !declarator.is_empty() {
                    declarator.push_front(b' ');
                }
                for b in b"*__ptr32".iter().rev() {
                    declarator.push_front(*b);
                }
                current = *target;
            }
            CTypeKind::Array { elem, len } => {
                wrap_if_pointer(&mut declarator);
                match len {
                    ArrayLen::Fixed(n) => declarator.extend(format!("[{n}]").bytes()),
                    ArrayLen::Unsized => declarator.extend(*b"[]"),
                    ArrayLen::Variable => declarator.extend(*b"[?]"),
                }
                current = *elem;
            }
            CTypeKind::Function {
                ret,
                params,
                variadic,
            } => {
                wrap_if_pointer(&mut declarator);
                declarator.push_back(b'(');
                if depth < MAX_SPELLED_FUNCTION_DEPTH {
                    if params.is_empty() && !variadic {
                        declarator.extend(*b"void");
                    }
                    for (i, param) in params.iter().enumerate() {
                        if i > 0 {
                            declarator.extend(*b", ");
                        }
                        declarator.extend(spell(reg, *param, "", depth + 1, typedefs).bytes());
                    }
                    if *variadic {
                        if !params.is_empty() {
                            declarator.extend(*b", ");
                        }
                        declarator.extend(*b"...");
                    }
                }
                declarator.push_back(b')');
                // The result type counts as one level deeper too, so a spelling visits
                // at most 2^MAX_SPELLED_FUNCTION_DEPTH function types.
                depth = depth.saturating_add(1);
                current = *ret;
            }
            CTypeKind::Vector { elem, size } => {
                let mut out = spell(reg, *elem, "", depth, typedefs);
                out.push_str(&format!(" __attribute__((vector_size({size})))"));
                return join(out, declarator);
            }
            _ => {
                let mut out = String::new();
                base_name(reg, current, &mut out, typedefs);
                return join(out, declarator);
            }
        }
    }
}

/// `*x` becomes `(*x)` before an array or function suffix.
fn wrap_if_pointer(declarator: &mut VecDeque<u8>) {
    if matches!(declarator.front(), Some(b'*' | b'&')) {
        declarator.push_front(b'(');
        declarator.push_back(b')');
    }
}

fn join(mut base: String, declarator: VecDeque<u8>) -> String {
    if !declarator.is_empty() {
        base.push(' ');
        // The declarator holds only ASCII and the bytes of names, which are UTF-8.
        base.push_str(&String::from_utf8_lossy(&Vec::from(declarator)));
    }
    base
}
