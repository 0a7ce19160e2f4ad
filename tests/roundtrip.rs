//! Property tests: every type spells back to itself through `parse_type`, and no input,
//! however mangled, makes `cdef` panic.

use luau_ffi::cdecl;
use luau_ffi::ctype::{ArrayLen, CTypeId, Quals, Registry};
use proptest::prelude::*;

/// A recipe for a random type, built in the registry by [`build`].
#[derive(Clone, Debug)]
enum Recipe {
    Scalar(u8),
    Pointer(Box<Recipe>, bool, bool),
    Array(Box<Recipe>, u8),
    Function(Box<Recipe>, Vec<Recipe>, bool),
    Qualified(Box<Recipe>, bool, bool),
    Struct(Vec<Recipe>),
}

const SCALARS: [CTypeId; 13] = [
    CTypeId::INT,
    CTypeId::UINT,
    CTypeId::CHAR,
    CTypeId::UCHAR,
    CTypeId::SHORT,
    CTypeId::INT64,
    CTypeId::UINT64,
    CTypeId::FLOAT,
    CTypeId::DOUBLE,
    CTypeId::LONG_DOUBLE,
    CTypeId::BOOL,
    CTypeId::COMPLEX_FLOAT,
    CTypeId::COMPLEX_DOUBLE,
];

fn recipe() -> impl Strategy<Value = Recipe> {
    let leaf = (0u8..SCALARS.len() as u8).prop_map(Recipe::Scalar);
    leaf.prop_recursive(5, 32, 4, |inner| {
        prop_oneof![
            (inner.clone(), any::<bool>(), any::<bool>()).prop_map(|(r, c, v)| Recipe::Pointer(
                Box::new(r),
                c,
                v
            )),
            (inner.clone(), 0u8..5).prop_map(|(r, n)| Recipe::Array(Box::new(r), n)),
            (
                inner.clone(),
                prop::collection::vec(inner.clone(), 0..3),
                any::<bool>()
            )
                .prop_map(|(r, p, v)| Recipe::Function(Box::new(r), p, v)),
            (inner.clone(), any::<bool>(), any::<bool>()).prop_map(|(r, c, v)| Recipe::Qualified(
                Box::new(r),
                c,
                v
            )),
            prop::collection::vec(inner, 1..4).prop_map(Recipe::Struct),
        ]
    })
}

/// Builds the recipe into a type C allows (function results and parameters are
/// adjusted to what C permits), returning its id.
fn build(reg: &mut Registry, r: &Recipe) -> CTypeId {
    match r {
        Recipe::Scalar(i) => SCALARS[*i as usize],
        Recipe::Pointer(t, c, v) => {
            let t = build(reg, t);
            let p = reg.pointer_to(t);
            reg.qualified(
                p,
                Quals {
                    is_const: *c,
                    is_volatile: *v,
                },
            )
        }
        Recipe::Array(t, n) => {
            let t = build(reg, t);
            if reg.size_of(t).is_none() {
                reg.pointer_to(t)
            } else {
                reg.array_of(t, ArrayLen::Fixed(*n as u64))
            }
        }
        Recipe::Function(ret, params, variadic) => {
            let ret = build(reg, ret);
            let ret = decay(reg, ret);
            let params: Vec<CTypeId> = params
                .iter()
                .map(|p| {
                    let p = build(reg, p);
                    let p = decay(reg, p);
                    reg.unqualified(p)
                })
                .collect();
            let f = reg.function(ret, params, *variadic);
            reg.pointer_to(f)
        }
        Recipe::Qualified(t, c, v) => {
            let t = build(reg, t);
            reg.qualified(
                t,
                Quals {
                    is_const: *c,
                    is_volatile: *v,
                },
            )
        }
        Recipe::Struct(members) => {
            let mut body = String::from("struct { ");
            for (i, m) in members.iter().enumerate() {
                let m = build(reg, m);
                let m = decay(reg, m);
                body.push_str(&format!("$ m{i}; "));
                let _ = m;
            }
            body.push('}');
            let params: Vec<cdecl::Param> = members
                .iter()
                .map(|m| {
                    let m = build(reg, m);
                    cdecl::Param::Type(decay(reg, m))
                })
                .collect();
            cdecl::parse_type(reg, &body, &params).expect("struct of members")
        }
    }
}

/// Arrays and functions cannot be returned; incomplete types cannot be members.
fn decay(reg: &mut Registry, id: CTypeId) -> CTypeId {
    use luau_ffi::ctype::CTypeKind;
    match reg.get(id).kind {
        CTypeKind::Array { elem, .. } => reg.pointer_to(elem),
        CTypeKind::Function { .. } => reg.pointer_to(id),
        _ => id,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn c_name_parses_back_to_the_same_id(r in recipe()) {
        let mut reg = Registry::new();
        let id = build(&mut reg, &r);
        let spelled = reg.c_name(id);
        let parsed = cdecl::parse_type(&mut reg, &spelled, &[]);
        prop_assert_eq!(parsed.clone().ok(), Some(id), "{} -> {:?}", spelled, parsed.map(|p| reg.c_name(p)));
    }

    #[test]
    fn token_soup_never_panics(tokens in prop::collection::vec(prop::sample::select(SOUP.to_vec()), 0..60)) {
        let src = tokens.join(" ");
        let mut reg = Registry::new();
        let _ = cdecl::cdef(&mut reg, &src, &[]);
        let _ = cdecl::parse_type(&mut reg, &src, &[]);
    }

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,200}") {
        let mut reg = Registry::new();
        let _ = cdecl::cdef(&mut reg, &src, &[]);
        let _ = cdecl::parse_type(&mut reg, &src, &[]);
    }
}

const SOUP: [&str; 64] = [
    "int",
    "char",
    "long",
    "unsigned",
    "signed",
    "short",
    "double",
    "float",
    "void",
    "_Bool",
    "const",
    "volatile",
    "struct",
    "union",
    "enum",
    "typedef",
    "extern",
    "static",
    "inline",
    "x",
    "y",
    "T",
    "s",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ";",
    ",",
    "*",
    ":",
    "=",
    "?",
    "...",
    "0",
    "1",
    "-1",
    "0x7fffffff",
    "'a'",
    "\"s\"",
    "+",
    "-",
    "/",
    "%",
    "<<",
    ">>",
    "&&",
    "||",
    "!",
    "~",
    "sizeof",
    "__attribute__",
    "((packed))",
    "((aligned(8)))",
    "__asm__",
    "#pragma pack(push, 1)\n",
    "#pragma pack(pop)\n",
    "[?]",
    "$",
    "_Static_assert",
    "complex",
    "__typeof__",
];
