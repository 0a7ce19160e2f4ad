//! Real system headers, preprocessed by `cc -E -P`, go through `cdef` unchanged; then
//! every struct/union they declare must have the layout the C compiler gives it.
//! A missing header fails the test: CI installs zlib1g-dev, libsqlite3-dev, libssl-dev.

mod common;

use common::{compile_and_run, preprocess};
use luau_ffi::cdecl;
use luau_ffi::ctype::{Registry, Symbol, TagKind};
use std::fmt::Write;

const HEADERS: [&str; 11] = [
    "zlib.h",
    "sqlite3.h",
    "stdio.h",
    "stdlib.h",
    "string.h",
    "time.h",
    "sys/stat.h",
    "pthread.h",
    "signal.h",
    "openssl/evp.h",
    "openssl/sha.h",
];

/// The C spelling under which the probe program can name each complete record.
fn record_spellings(reg: &Registry) -> Vec<(String, luau_ffi::ctype::CTypeId)> {
    let mut out = Vec::new();
    for (name, id) in reg.tags() {
        if let Some(def) = reg.record(id) {
            if def.complete {
                let kw = if def.kind == TagKind::Union {
                    "union"
                } else {
                    "struct"
                };
                out.push((format!("{kw} {name}"), id));
            }
        }
    }
    for (name, symbol) in reg.symbols() {
        if let Symbol::Typedef(id) = symbol {
            if let Some(def) = reg.record(*id) {
                if def.complete && def.name.is_none() {
                    out.push((name.to_string(), *id));
                }
            }
        }
    }
    out.sort();
    out
}

fn check_header(header: &str) -> Vec<String> {
    let text = preprocess(header);
    let mut reg = Registry::new();
    if let Err(e) = cdecl::cdef(&mut reg, &text, &[]) {
        let line = match &e {
            luau_ffi::error::Error::Parse { line, .. } => *line as usize,
            _ => 0,
        };
        let context: Vec<&str> = text.lines().skip(line.saturating_sub(3)).take(5).collect();
        return vec![format!(
            "<{header}>: cdef failed: {e}\n{}",
            context.join("\n")
        )];
    }
    let records = record_spellings(&reg);
    let mut c = format!(
        "#include <{header}>\n#include <stdio.h>\n#include <stddef.h>\nint main(void) {{\n"
    );
    for (i, (spelling, id)) in records.iter().enumerate() {
        writeln!(
            c,
            "printf(\"R {i} %zu %zu\\n\", sizeof({spelling}), _Alignof({spelling}));"
        )
        .unwrap();
        let def = reg.record(*id).unwrap();
        for field in &def.fields {
            if let (Some(name), None) = (&field.name, field.bit) {
                writeln!(
                    c,
                    "printf(\"F {i} {name} %zu\\n\", offsetof({spelling}, {name}));"
                )
                .unwrap();
            }
        }
    }
    c.push_str("return 0;\n}\n");
    let output = compile_and_run("headers", &c);
    let mut mismatches = Vec::new();
    for line in output.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        let i: usize = parts[1].parse().unwrap();
        let (spelling, id) = &records[i];
        if parts[0] == "R" {
            let want = (parts[2].parse::<u64>().ok(), parts[3].parse::<u32>().ok());
            let got = (reg.size_of(*id), reg.align_of(*id));
            if got != want {
                mismatches.push(format!(
                    "<{header}> {spelling}: cc {want:?}, registry {got:?}"
                ));
            }
        } else {
            let want = parts[3].parse::<u64>().ok();
            let got = reg.field(*id, parts[2]).map(|f| f.offset);
            if got != want {
                mismatches.push(format!(
                    "<{header}> {spelling}.{}: cc {want:?}, registry {got:?}",
                    parts[2]
                ));
            }
        }
    }
    println!("<{header}>: {} records checked", records.len());
    mismatches
}

#[test]
fn system_headers_parse_and_lay_out_as_cc() {
    let mut failures = Vec::new();
    for header in HEADERS {
        failures.extend(check_header(header));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
