//! Differential test: random struct/union declarations laid out by the registry and by
//! the C compiler (`cc`) must agree on every size, alignment, offset and bit position.

mod common;

use common::{compile_and_run, Rng};
use luau_ffi::cdecl;
use luau_ffi::ctype::{Registry, TagKind};
use std::fmt::Write;

/// Seeds run every time; one more, time-based, is printed so a failure reproduces
/// with `LAYOUT_SEED=<n> cargo test --test layout_oracle`.
const FIXED_SEEDS: [u64; 3] = [1, 0xdead_beef, 20240601];
const RECORDS_PER_SEED: usize = 150;

/// (C spelling, size in bytes) of the scalar member types.
const SCALARS: [(&str, u32); 24] = [
    ("char", 1),
    ("signed char", 1),
    ("unsigned char", 1),
    ("short", 2),
    ("unsigned short", 2),
    ("int", 4),
    ("unsigned int", 4),
    ("long", 8),
    ("unsigned long", 8),
    ("long long", 8),
    ("unsigned long long", 8),
    ("float", 4),
    ("double", 8),
    ("long double", 16),
    ("_Bool", 1),
    ("float _Complex", 8),
    ("double _Complex", 16),
    ("void *", 8),
    ("const char *", 8),
    ("int8_t", 1),
    ("uint16_t", 2),
    ("int32_t", 4),
    ("uint64_t", 8),
    ("enum E_big", 8),
];

/// (C spelling, bits) of bitfield types.
const BITFIELD_TYPES: [(&str, u32); 12] = [
    ("char", 8),
    ("unsigned char", 8),
    ("short", 16),
    ("unsigned short", 16),
    ("int", 32),
    ("unsigned int", 32),
    ("long", 64),
    ("unsigned long long", 64),
    ("long long", 64),
    ("_Bool", 1),
    ("enum E_small", 32),
    ("uint8_t", 8),
];

const PRELUDE: &str = "enum E_small { ES_A = 1, ES_B = 300 };\n\
enum E_neg { EN_A = -1, EN_B = 7 };\n\
enum E_big { EB_A = 0x100000000, EB_B };\n";

/// What the C program must print about one member.
enum Probe {
    Offset(String),
    Bits(String, &'static str),
}

struct Generator {
    rng: Rng,
    decls: String,
    /// (record name, probes)
    records: Vec<(String, Vec<Probe>)>,
    field_counter: usize,
}

impl Generator {
    fn member_type(&mut self) -> String {
        let roll = self.rng.below(100);
        if roll < 12 && !self.records.is_empty() {
            let (name, _) = &self.records[self.rng.below(self.records.len() as u64) as usize];
            return name.clone();
        }
        if roll < 15 {
            return "int (*".to_string(); // function pointer marker, completed by caller
        }
        let (name, _) = *self.rng.pick(&SCALARS);
        name.to_string()
    }

    /// Writes members of a record body; returns probes for named members.
    fn body(&mut self, out: &mut String, probes: &mut Vec<Probe>, depth: u32) {
        let count = 1 + self.rng.below(7);
        for _ in 0..count {
            self.field_counter += 1;
            let name = format!("f{}", self.field_counter);
            if depth < 2 && self.rng.chance(8) {
                // A transparent anonymous struct/union member.
                let kw = if self.rng.chance(50) {
                    "struct"
                } else {
                    "union"
                };
                out.push_str(kw);
                out.push_str(" {\n");
                self.body(out, probes, depth + 1);
                out.push_str("};\n");
                continue;
            }
            if self.rng.chance(25) {
                let (ty, bits) = *self.rng.pick(&BITFIELD_TYPES);
                let unnamed = self.rng.chance(15);
                let width = if unnamed && self.rng.chance(40) {
                    0
                } else {
                    1 + self.rng.below(bits as u64) as u32
                };
                let packed = if self.rng.chance(5) {
                    " __attribute__((packed))"
                } else {
                    ""
                };
                if unnamed || width == 0 {
                    writeln!(out, "{ty} : {width};").unwrap();
                } else {
                    writeln!(out, "{ty} {name} : {width}{packed};").unwrap();
                    let set = if ty == "_Bool" { "1" } else { "-1" };
                    probes.push(Probe::Bits(name, set));
                }
                continue;
            }
            let ty = self.member_type();
            let is_function_pointer = ty == "int (*";
            let mut decl = if is_function_pointer {
                format!("int (*{name})(int, double)")
            } else {
                format!("{ty} {name}")
            };
            if !is_function_pointer && self.rng.chance(15) {
                write!(decl, "[{}]", 1 + self.rng.below(4)).unwrap();
                if self.rng.chance(20) {
                    write!(decl, "[{}]", 1 + self.rng.below(3)).unwrap();
                }
            }
            if self.rng.chance(8) {
                write!(
                    decl,
                    " __attribute__((aligned({})))",
                    1 << self.rng.below(6)
                )
                .unwrap();
            }
            if self.rng.chance(5) {
                decl.push_str(" __attribute__((packed))");
            }
            writeln!(out, "{decl};").unwrap();
            probes.push(Probe::Offset(name));
        }
    }

    fn record(&mut self, index: usize) {
        let kind = if self.rng.chance(20) {
            "union"
        } else {
            "struct"
        };
        let name = format!("{kind} R{index}");
        let pack = self.rng.chance(12).then(|| 1 << self.rng.below(4));
        if let Some(n) = pack {
            writeln!(self.decls, "#pragma pack(push, {n})").unwrap();
        }
        let mut body = String::new();
        let mut probes = Vec::new();
        self.body(&mut body, &mut probes, 0);
        let mut attrs = String::new();
        if self.rng.chance(12) {
            attrs.push_str(" __attribute__((packed))");
        }
        if self.rng.chance(8) {
            write!(
                attrs,
                " __attribute__((aligned({})))",
                1 << self.rng.below(6)
            )
            .unwrap();
        }
        writeln!(self.decls, "{name} {{\n{body}}}{attrs};").unwrap();
        if pack.is_some() {
            self.decls.push_str("#pragma pack(pop)\n");
        }
        self.records.push((name, probes));
    }
}

fn c_program(gen: &Generator) -> String {
    let mut c = String::from(
        "#include <stdio.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n",
    );
    c.push_str(PRELUDE);
    c.push_str(&gen.decls);
    c.push_str(
        "static void bits(int r, const char *f, const unsigned char *p, size_t n) {\n\
         int first = -1, count = 0;\n\
         for (size_t k = 0; k < n * 8; k++) if ((p[k / 8] >> (k % 8)) & 1) { if (first < 0) first = (int)k; count++; }\n\
         printf(\"B %d %s %d %d\\n\", r, f, first, count);\n}\n",
    );
    c.push_str("int main(void) {\n");
    for (i, (name, probes)) in gen.records.iter().enumerate() {
        writeln!(
            c,
            "printf(\"R {i} %zu %zu\\n\", sizeof({name}), _Alignof({name}));"
        )
        .unwrap();
        for probe in probes {
            match probe {
                Probe::Offset(f) => writeln!(
                    c,
                    "printf(\"F {i} {f} %zu\\n\", offsetof({name}, {f}));"
                )
                .unwrap(),
                Probe::Bits(f, set) => writeln!(
                    c,
                    "{{ {name} s; memset(&s, 0, sizeof s); s.{f} = {set}; bits({i}, \"{f}\", (const unsigned char *)&s, sizeof s); }}"
                )
                .unwrap(),
            }
        }
    }
    c.push_str("return 0;\n}\n");
    c
}

/// Runs one seed; returns mismatch descriptions.
fn check_seed(seed: u64) -> Vec<String> {
    let mut gen = Generator {
        rng: Rng(seed),
        decls: String::new(),
        records: Vec::new(),
        field_counter: 0,
    };
    for i in 0..RECORDS_PER_SEED {
        gen.record(i);
    }
    let source = format!("{PRELUDE}{}", gen.decls);
    let mut reg = Registry::new();
    if let Err(e) = cdecl::cdef(&mut reg, &source, &[]) {
        return vec![format!("seed {seed}: cdef failed: {e}\n{source}")];
    }
    let output = compile_and_run("oracle", &c_program(&gen));
    let mut mismatches = Vec::new();
    let record_id = |reg: &Registry, i: usize| {
        let name = &gen.records[i].0;
        let (kw, tag) = name.split_once(' ').unwrap();
        let kind = if kw == "union" {
            TagKind::Union
        } else {
            TagKind::Struct
        };
        reg.lookup_tag(kind, tag).expect("record registered")
    };
    for line in output.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        let i: usize = parts[1].parse().unwrap();
        let id = record_id(&reg, i);
        let name = &gen.records[i].0;
        match parts[0] {
            "R" => {
                let size: u64 = parts[2].parse().unwrap();
                let align: u32 = parts[3].parse().unwrap();
                let got = (reg.size_of(id), reg.align_of(id));
                if got != (Some(size), Some(align)) {
                    mismatches.push(format!(
                        "seed {seed}: {name}: cc says size {size} align {align}, registry {got:?}"
                    ));
                }
            }
            "F" => {
                let offset: u64 = parts[3].parse().unwrap();
                let got = reg.field(id, parts[2]).map(|f| f.offset);
                if got != Some(offset) {
                    mismatches.push(format!(
                        "seed {seed}: {name}.{}: cc says offset {offset}, registry {got:?}",
                        parts[2]
                    ));
                }
            }
            _ => {
                let first: i64 = parts[3].parse().unwrap();
                let count: u32 = parts[4].parse().unwrap();
                let got = reg.field(id, parts[2]).and_then(|f| {
                    f.bit
                        .map(|(pos, size)| ((f.offset * 8 + pos as u64) as i64, size))
                });
                if got != Some((first, count)) {
                    mismatches.push(format!(
                        "seed {seed}: {name}.{}: cc says bit {first} width {count}, registry {got:?}",
                        parts[2]
                    ));
                }
            }
        }
    }
    if !mismatches.is_empty() {
        mismatches.push(format!("declarations of seed {seed}:\n{source}"));
    }
    mismatches
}

#[test]
fn layout_matches_the_c_compiler() {
    let time_seed = std::env::var("LAYOUT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(7)
        });
    println!("layout oracle: fixed seeds {FIXED_SEEDS:?}, extra seed {time_seed} (LAYOUT_SEED={time_seed} reproduces)");
    let mut failures = Vec::new();
    for seed in FIXED_SEEDS.iter().copied().chain([time_seed]) {
        failures.extend(check_seed(seed));
    }
    let shown: Vec<&String> = failures.iter().take(12).collect();
    assert!(
        failures.is_empty(),
        "{} layout mismatches (first ones):\n{}",
        failures.len(),
        shown
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
