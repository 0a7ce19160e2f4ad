//! C types as Luau types, where a value crosses: a parameter (what a call accepts), a
//! result or a field (what reading gives).
//!
//! | C                                     | parameter              | result, field    |
//! |---------------------------------------|------------------------|------------------|
//! | 8- to 32-bit integer, enum, float, double | `number`           | `number`         |
//! | `bool`                                | `boolean`              | `boolean`        |
//! | 64-bit integer                        | `number \| CData`      | `CData`          |
//! | `const char *`                        | `(string \| CData)?`   | `CData?`         |
//! | pointer to a struct `S` with a type   | `(CData \| S)?`        | `S?`             |
//! | pointer to a function                 | `(CData \| (...any) -> ...any)?` | `CData?` |
//! | other pointer                         | `CData?`               | `CData?`         |
//! | struct `S` by value                   | `CData \| S`           | `S`              |
//! | array, complex, vector, other struct  | `CData`                | `CData`          |
//!
//! A NULL pointer is nil both ways. Where `CData` stands, the C type is written in a
//! comment.

use super::names::is_luau_word;
use crate::ctype::{CTypeId, CTypeKind, Registry, Symbol, TagKind};
use std::collections::HashMap;
use std::fmt::Write;

/// Where a value crosses.
#[derive(Clone, Copy, PartialEq)]
enum At {
    Param,
    Read,
}

pub struct Mapper<'r> {
    reg: &'r Registry,
    /// Record type id → the Luau type's name, for every struct or union with fields.
    structs: HashMap<CTypeId, String>,
}

impl<'r> Mapper<'r> {
    pub fn new(reg: &'r Registry) -> Mapper<'r> {
        let mut typedefs: HashMap<CTypeId, Vec<&str>> = HashMap::new();
        for (name, symbol) in reg.symbols() {
            if let Symbol::Typedef(id) = symbol {
                typedefs.entry(*id).or_default().push(name);
            }
        }
        let mut structs = HashMap::new();
        for (tag, id) in reg.tags() {
            let Some(record) = reg.record(id) else {
                continue;
            };
            if !record.complete || !record.fields.iter().any(|f| f.name.is_some()) {
                continue;
            }
            let name = match typedefs.get_mut(&id) {
                Some(names) => {
                    names.sort_unstable();
                    names[0].to_string()
                }
                None => tag.to_string(),
            };
            structs.insert(id, name);
        }
        Mapper { reg, structs }
    }

    /// The structs with a type, sorted by the type's name.
    fn sorted_structs(&self) -> Vec<(&String, CTypeId)> {
        let mut list: Vec<(&String, CTypeId)> =
            self.structs.iter().map(|(id, n)| (n, *id)).collect();
        list.sort();
        list
    }

    /// The Luau type of `id` at `at`, and the C spelling when it involves `CData`.
    fn luau(&self, id: CTypeId, at: At) -> (String, Option<String>) {
        let reg = self.reg;
        let c = || Some(reg.c_name(id));
        let (luau, comment): (String, Option<String>) = match &reg.get(id).kind {
            CTypeKind::Void => ("()".into(), None),
            CTypeKind::Bool => ("boolean".into(), None),
            CTypeKind::Int { size: 8, .. } if at == At::Param => ("number | CData".into(), c()),
            CTypeKind::Int { size: 8, .. } => ("CData".into(), c()),
            CTypeKind::Int { .. } | CTypeKind::Float { .. } | CTypeKind::Enum(_) => {
                ("number".into(), None)
            }
            CTypeKind::Pointer { target } => (self.pointer(*target, at), c()),
            CTypeKind::Record(_) => match self.structs.get(&reg.find_unqualified(id)) {
                Some(name) if at == At::Param => (format!("CData | {name}"), c()),
                Some(name) => (name.clone(), None),
                None => ("CData".into(), c()),
            },
            _ => ("CData".into(), c()),
        };
        (luau, comment)
    }

    fn pointer(&self, target: CTypeId, at: At) -> String {
        let reg = self.reg;
        let t = reg.get(target);
        match (&t.kind, at) {
            (CTypeKind::Int { size: 1, .. }, At::Param) if t.quals.is_const => {
                "(string | CData)?".into()
            }
            (CTypeKind::Record(_), _) => match self.structs.get(&reg.find_unqualified(target)) {
                Some(name) if at == At::Param => format!("(CData | {name})?"),
                Some(name) => format!("{name}?"),
                None => "CData?".into(),
            },
            (CTypeKind::Function { .. }, At::Param) => "(CData | (...any) -> ...any)?".into(),
            _ => "CData?".into(),
        }
    }

    /// `export type S = { field: T, ... }` per struct, sorted by name.
    pub fn struct_types(&self, out: &mut String) {
        for (name, id) in self.sorted_structs() {
            let record = self.reg.record(id).expect("a record");
            let keyword = match record.kind {
                TagKind::Union => "union",
                _ => "struct",
            };
            let _ = writeln!(out, "-- {} ({keyword})", self.reg.c_name(id));
            let _ = writeln!(out, "export type {name} = {{");
            for field in &record.fields {
                let Some(field_name) = &field.name else {
                    continue;
                };
                let (luau, comment) = self.luau(field.ty, At::Read);
                let key = if is_luau_word(field_name) {
                    format!("[\"{field_name}\"]")
                } else {
                    field_name.clone()
                };
                let comment = comment.map(|c| format!(" -- {c}")).unwrap_or_default();
                let _ = writeln!(out, "\t{key}: {luau},{comment}");
            }
            out.push_str("}\n\n");
        }
    }

    /// `M.new_S(init)` per struct: `ffi.new` of it, typed.
    pub fn constructors(&self, out: &mut String) {
        for (name, id) in self.sorted_structs() {
            let c = self.reg.c_name(id);
            let _ = write!(
                out,
                "-- ffi.new(\"{c}\" [, init])\n\
                 function M.new_{name}(init: any?): {name}\n\
                 \treturn (if init == nil then ffi.new(\"{c}\") else ffi.new(\"{c}\", init)) :: any\n\
                 end\n\n"
            );
        }
    }

    /// A typed wrapper of C function `name` of type `ty`.
    pub fn function(&self, out: &mut String, name: &str, ty: CTypeId, names: &[String]) {
        let CTypeKind::Function {
            ret,
            params,
            variadic,
        } = &self.reg.get(ty).kind
        else {
            return;
        };
        let mut args: Vec<String> = Vec::new();
        let mut typed: Vec<String> = Vec::new();
        let mut c_params: Vec<String> = Vec::new();
        for (i, p) in params.iter().enumerate() {
            let arg = names
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("a{}", i + 1));
            let (luau, _) = self.luau(*p, At::Param);
            typed.push(format!("{arg}: {luau}"));
            c_params.push(spaced(&self.reg.c_name(*p), &arg));
            args.push(arg);
        }
        if *variadic {
            typed.push("...: any".into());
            c_params.push("...".into());
            args.push("...".into());
        }
        let (result, _) = self.luau(*ret, At::Read);
        let call = format!("lib.{name}({})", args.join(", "));
        let body = if result == "()" {
            call
        } else {
            format!("return {call}")
        };
        let _ = write!(
            out,
            "-- {}({})\n\
             function M.{name}({}): {result}\n\
             \t{body}\n\
             end\n\n",
            spaced(&self.reg.c_name(*ret), name),
            c_params.join(", "),
            typed.join(", "),
        );
    }
}

/// `type name` as C writes it: `int x`, `char *s`.
fn spaced(c: &str, name: &str) -> String {
    if c.ends_with('*') {
        format!("{c}{name}")
    } else {
        format!("{c} {name}")
    }
}
