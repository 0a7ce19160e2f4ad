//! The module's type definitions (`luau/ffi.d.luau`) checked by Luau's own analysis
//! (the `luau-analyze` crate: strict mode, the new solver), as a user's editor checks
//! them: every example and every code block of the documentation checks with zero
//! diagnostics, ordinary programs check, and misuses of the API are flagged on the line
//! where they are written, with the checker's message.
//!
//! Built on x86-64 only (the checker is a dev-dependency for that target alone): the
//! types are the same everywhere, and cross test runs skip its C++ build.
#![cfg(target_arch = "x86_64")]

use luau_analyze::{Checker, Diagnostic, Severity};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Globals of the reference host that Luau's builtin definitions lack (they come from
/// Roblox, which has no `collectgarbage`); a user's editor setup declares its host's.
const HOST_DEFINITIONS: &str = r#"
declare function collectgarbage(option: ("collect" | "count")?): number
"#;

/// A checker with the host's globals and the definitions loaded; a definitions file
/// that fails to load fails every test, with Luau's message.
fn checker() -> Checker {
    let mut checker = Checker::new().expect("the Luau checker starts");
    checker
        .add_definitions_with_name(HOST_DEFINITIONS, "host.d.luau")
        .expect("the host's definitions load");
    let definitions =
        fs::read_to_string(root().join("luau/ffi.d.luau")).expect("luau/ffi.d.luau is readable");
    if let Err(err) = checker.add_definitions_with_name(&definitions, "ffi.d.luau") {
        panic!("luau/ffi.d.luau does not load: {err}");
    }
    checker
}

fn check(checker: &mut Checker, source: &str) -> Vec<Diagnostic> {
    checker.check(source).expect("the checker runs").diagnostics
}

fn describe(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| {
            format!(
                "  {}:{}: {:?}: {}",
                d.line + 1,
                d.col + 1,
                d.severity,
                d.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn files_with_extension(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == extension))
        .collect();
    files.sort();
    files
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn every_example_is_strict_and_checks_without_diagnostics() {
    let mut checker = checker();
    let examples = files_with_extension(&root().join("examples"), "luau");
    assert!(
        examples.len() >= 6,
        "examples/*.luau: found only {examples:?}"
    );
    let mut failures = Vec::new();
    for path in &examples {
        let source = fs::read_to_string(path).expect("an example is readable");
        if source.lines().next() != Some("--!strict") {
            failures.push(format!(
                "{}: the first line is not --!strict",
                relative(path)
            ));
        }
        let diagnostics = check(&mut checker, &source);
        if !diagnostics.is_empty() {
            failures.push(format!("{}:\n{}", relative(path), describe(&diagnostics)));
        }
    }
    assert!(
        failures.is_empty(),
        "examples that do not check:\n{}",
        failures.join("\n")
    );
}

/// The ```luau blocks of a Markdown file (not those fenced ```luau norun), with the
/// line each starts on.
fn luau_blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (index, line) in markdown.lines().enumerate() {
        match current.as_mut() {
            None if line.trim_end() == "```luau" => current = Some((index + 1, String::new())),
            None => {}
            Some(_) if line.starts_with("```") => blocks.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    blocks
}

/// Documentation blocks are checked as a user with the definitions loaded sees them:
/// strict, and with the module typed by the line the guide tells them to write.
#[test]
fn every_documentation_block_checks_without_diagnostics() {
    let mut checker = checker();
    let mut docs = files_with_extension(&root().join("docs"), "md");
    docs.push(root().join("README.md"));
    let mut failures = Vec::new();
    let mut checked = 0;
    for path in &docs {
        let markdown = fs::read_to_string(path).expect("a document is readable");
        for (line, block) in luau_blocks(&markdown) {
            let typed = block.replace(r#"require("ffi")"#, r#"require("ffi") :: FFI"#);
            let typed = typed.replace(":: FFI :: FFI", ":: FFI");
            let diagnostics = check(&mut checker, &typed);
            checked += 1;
            if !diagnostics.is_empty() {
                let name = relative(path);
                failures.push(format!("{name}:{line}:\n{}", describe(&diagnostics)));
            }
        }
    }
    assert!(
        checked >= 20,
        "only {checked} luau blocks found in docs/ and README.md"
    );
    assert!(
        failures.is_empty(),
        "blocks that do not check:\n{}",
        failures.join("\n")
    );
}

/// Every program starts with this prelude; the case's code follows on line 5.
const PRELUDE: &str = r#"--!strict
local ffi = require("ffi") :: FFI
local i64: CData = ffi.new("int64_t", 5)
local arr = ffi.new("int[4]")
"#;
const CASE_LINE: u32 = 4;

/// Ordinary code the definitions must accept (each the complaint of a user once).
const ACCEPTED: &[&str] = &[
    // Namespaces index and call freely; their results are `any`.
    r#"ffi.C.printf("%s\n", "hi")"#,
    r#"local v: number = ffi.load("m").cos(0) + 1"#,
    // Fields and elements are readable and writable.
    r#"local p = ffi.new("struct { int x; }"); p.x = 1; arr[0] = p.x + arr[1]"#,
    // Pointer and 64-bit arithmetic, a number on either side.
    "local q: CData = arr + 1; local r: CData = 1 + q; local s: CData = -i64 // 2",
    "local q: CData = i64 * i64 - i64 % 3 + i64 ^ 2 / i64",
    // The type functions give numbers.
    r#"local n: number = ffi.sizeof("int") + ffi.alignof("int") + ffi.offsetof("struct { int a; }", "a")"#,
    r#"local n: number = ffi.tonumber(i64) + 1"#,
    // Length, call, iteration, concatenation, comparisons between cdata.
    r#"local n: number = #arr"#,
    r#"local f = ffi.cast("int (*)(int)", function(x: number) return x end); local r = f(1); f:free()"#,
    "for i, v in arr do print(i, v) end",
    r#"local b: boolean = i64 < ffi.new("int64_t", 6) and i64 == i64 and i64 <= i64"#,
    r#"local t = i64 .. "LL""#,
    // ctypes: called, indexed (metatype statics), given to the API.
    r#"local Point = ffi.typeof("struct { int x, y; }"); local p = Point(1, 2); local s = Point.origin"#,
    r#"local ct = ffi.metatype("struct { int x; }", { __index = {} }); local n: number = ffi.sizeof(ct)"#,
    // Finalizers: a Luau function, a C function, nil.
    r#"ffi.gc(arr, function(cd: CData) end); ffi.gc(arr, ffi.C.free); ffi.gc(arr, nil)"#,
    // Memory functions take cdata, buffers and strings, lengths as numbers or cdata.
    r#"local b = buffer.create(8); ffi.copy(b, "abc"); ffi.copy(arr, b, 4); ffi.fill(b, i64)"#,
    r#"local s: string = ffi.string(arr, i64) .. ffi.string(buffer.create(1), 1)"#,
    r#"local ok: boolean = ffi.isnull(ffi.nullptr) and ffi.abi("le") and ffi.istype("int", 1)"#,
    r#"local s: string = ffi.os .. ffi.arch; local e: number = ffi.errno(0)"#,
    // ffi.include: options, the namespace and the skipped macros.
    r#"local z = ffi.include("zlib.h", { lib = ffi.load("z"), cflags = { "-I." }, pkg = "zlib", verbose = true }); local v: number = z.Z_OK"#,
    r#"local _, skipped = ffi.include("zlib.h", { cflags = "-DX=1" }); local r: string? = skipped and skipped.X"#,
];

/// Misuses the definitions must flag: (code, the checker's message for it).
const REJECTED: &[(&str, &str)] = &[
    // The 64-bit trap, where the checker knows the value is a cdata.
    (
        "print(i64 == 5)",
        "Cannot compare unrelated types 'CData' and 'number' with '=='",
    ),
    (
        "print(i64 + 1 == 6)",
        "Cannot compare unrelated types 'CData' and 'number' with '=='",
    ),
    (
        "print(i64 < 5)",
        "Cannot compare unrelated types 'CData' and 'number' with '<'",
    ),
    (
        r#"local strlen: (string) -> CData = ffi.C.strlen; print(strlen("abc") == 3)"#,
        "Cannot compare unrelated types 'CData' and 'number' with '=='",
    ),
    // Wrong argument types to ffi.*.
    (
        "ffi.cdef(5)",
        "Expected this to be 'string', but got 'number'",
    ),
    (
        "ffi.cdef()",
        "Argument count mismatch. Function expects at least 1 argument",
    ),
    (
        "ffi.new(5)",
        "Expected this to be 'CData | CType | string', but got 'number'",
    ),
    (
        "ffi.new({})",
        "Expected this to be 'CData | CType | string', but got '{  }'",
    ),
    (
        "ffi.typeof(true)",
        "Expected this to be 'CData | CType | string', but got 'boolean'",
    ),
    (
        "ffi.cast(1, 2)",
        "Expected this to be 'CData | CType | string', but got 'number'",
    ),
    (
        r#"ffi.metatype("int", 5)"#,
        "Expected this to be 'Metatable', but got 'number'",
    ),
    ("ffi.gc(1)", "Expected this to be 'CData', but got 'number'"),
    ("ffi.gc(arr, 5)", "but got 'number'"),
    (
        "ffi.sizeof()",
        "Argument count mismatch. Function expects 1 to 2 arguments",
    ),
    (
        "ffi.sizeof({})",
        "Expected this to be 'CData | CType | string', but got '{  }'",
    ),
    (
        r#"ffi.sizeof("int", "2")"#,
        "Expected this to be 'number?', but got 'string'",
    ),
    (
        "ffi.offsetof(arr, 1)",
        "Expected this to be 'string', but got 'number'",
    ),
    (
        r#"ffi.load("z", "yes")"#,
        "Expected this to be 'boolean?', but got 'string'",
    ),
    (
        "ffi.load(1)",
        "Expected this to be 'string', but got 'number'",
    ),
    (
        "ffi.errno(true)",
        "Expected this to be 'number?', but got 'boolean'",
    ),
    (
        "ffi.string(5)",
        "Expected this to be 'CData | buffer | string', but got 'number'",
    ),
    (r#"ffi.string(arr, "4")"#, "but got 'string'"),
    (
        r#"ffi.copy("x", "y")"#,
        "Expected this to be 'CData | buffer', but got 'string'",
    ),
    (
        "ffi.copy(arr, 5)",
        "Expected this to be 'CData | buffer | string', but got 'number'",
    ),
    (
        r#"ffi.fill(arr, "x")"#,
        "Expected this to be 'CData | number', but got 'string'",
    ),
    (
        "ffi.fill(arr, 4, true)",
        "Expected this to be 'number?', but got 'boolean'",
    ),
    (
        "ffi.abi(1)",
        "Expected this to be 'string', but got 'number'",
    ),
    (
        "ffi.tonumber(i64, true)",
        "Expected this to be 'number?', but got 'boolean'",
    ),
    // Results used as what they are not.
    (
        r#"local s: string = ffi.new("int")"#,
        "Expected this to be 'string', but got 'CData'",
    ),
    (
        r#"local n: number = ffi.sizeof("int") .. "x""#,
        "got 'string'",
    ),
    (
        "local n: number = ffi.os",
        "Expected this to be 'number', but got 'string'",
    ),
    (
        "local s: string = #arr",
        "Expected this to be 'string', but got 'number'",
    ),
    (
        "local s: string = arr + 1",
        "Expected this to be 'string', but got 'CData'",
    ),
    // Names the module does not have.
    (
        "ffi.include(5)",
        "Expected this to be 'string', but got 'number'",
    ),
    (
        r#"ffi.include("zlib.h", { cflags = 5 })"#,
        "Expected this to be '(string | {string})?', but got 'number'",
    ),
    ("print(ffi.NULL)", "Key 'NULL' not found in table 'FFI'"),
    (
        r#"ffi.sizof("int")"#,
        "Key 'sizof' not found in table 'FFI'",
    ),
    // A callback without annotations: its parameters have no type to come from.
    (
        r#"ffi.cast("int (*)(int)", function(x) return x + 1 end)"#,
        "Consider placing the following annotations on the arguments: x: number",
    ),
];

fn program(code: &str) -> String {
    format!("{PRELUDE}{code}\n")
}

#[test]
fn ordinary_programs_check_without_errors() {
    let mut checker = checker();
    let mut failures = Vec::new();
    for code in ACCEPTED {
        let errors: Vec<Diagnostic> = check(&mut checker, &program(code))
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        if !errors.is_empty() {
            failures.push(format!("{code}\n{}", describe(&errors)));
        }
    }
    assert!(failures.is_empty(), "rejected:\n{}", failures.join("\n"));
}

#[test]
fn misuses_are_flagged_where_they_are_written() {
    let mut checker = checker();
    let mut failures = Vec::new();
    for (code, message) in REJECTED {
        let diagnostics = check(&mut checker, &program(code));
        let flagged = diagnostics.iter().any(|d| {
            d.severity == Severity::Error && d.line == CASE_LINE && d.message.contains(message)
        });
        if !flagged {
            failures.push(format!(
                "{code}\n  expected: {message}\n{}",
                describe(&diagnostics)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "not flagged as expected:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_prelude_itself_checks() {
    let mut checker = checker();
    let diagnostics = check(&mut checker, &program("print(i64, arr)"));
    assert!(diagnostics.is_empty(), "{}", describe(&diagnostics));
}

/// The typed bindings `luau-ffi bindgen` wrote (examples/bindgen: NAME.luau from NAME.h,
/// used by NAME_demo.luau), and the line that requires each in its demo.
const BINDINGS: &[(&str, &str)] = &[
    ("zlib", r#"local zlib = require("./zlib")"#),
    ("sqlite3", r#"local sqlite = require("./sqlite3")"#),
];

/// The checker sees one file at a time (no `require`): a bindings module and its demo
/// are checked as one program, the module's `return M` becoming the demo's local.
fn bindings_with(name: &str, require_line: &str, code: &str) -> String {
    let dir = root().join("examples/bindgen");
    let module = fs::read_to_string(dir.join(format!("{name}.luau"))).expect("bindings");
    let local = require_line.split(" = ").next().expect("a local");
    let module = module
        .strip_suffix("return M\n")
        .expect("the module ends with `return M`");
    let mut program = format!("{module}{local} = M\n");
    for line in code.lines().skip(1) {
        if line != require_line && !line.starts_with("local ffi = require") {
            program.push_str(line);
            program.push('\n');
        }
    }
    program
}

#[test]
fn generated_bindings_and_their_demos_check_without_diagnostics() {
    let mut checker = checker();
    let dir = root().join("examples/bindgen");
    let mut failures = Vec::new();
    for (name, require_line) in BINDINGS {
        let module = fs::read_to_string(dir.join(format!("{name}.luau"))).expect("bindings");
        let demo = fs::read_to_string(dir.join(format!("{name}_demo.luau"))).expect("demo");
        assert!(
            demo.contains(require_line),
            "{name}_demo.luau: {require_line}"
        );
        for (what, source) in [
            (format!("{name}.luau"), module),
            (
                format!("{name}_demo.luau"),
                bindings_with(name, require_line, &demo),
            ),
        ] {
            if !source.starts_with("--!strict\n") {
                failures.push(format!("{what}: not --!strict"));
            }
            let diagnostics = check(&mut checker, &source);
            if !diagnostics.is_empty() {
                failures.push(format!("{what}:\n{}", describe(&diagnostics)));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Misuses of generated bindings: (bindings, code, the checker's message). The 64-bit
/// trap first: a uLong or sqlite3_int64 result is a cdata, never `==` a number.
const BINDING_MISUSES: &[(&str, &str, &str)] = &[
    (
        "zlib",
        "print(zlib.compressBound(10) == 5)",
        "Cannot compare unrelated types 'CData' and 'number' with '=='",
    ),
    (
        "zlib",
        r#"print(zlib.crc32(0, "a", 1) == 0)"#,
        "Cannot compare unrelated types 'CData' and 'number' with '=='",
    ),
    (
        "sqlite3",
        "print(sqlite.sqlite3_last_insert_rowid(nil) == 1)",
        "Cannot compare unrelated types 'CData' and 'number' with '=='",
    ),
    (
        "zlib",
        "zlib.deflate(zlib.new_z_stream(), \"finish\")",
        "Expected this to be 'number', but got 'string'",
    ),
    (
        "zlib",
        "local n: number = zlib.new_z_stream().total_in",
        "Expected this to be 'number', but got 'CData'",
    ),
    (
        "sqlite3",
        "sqlite.sqlite3_close(\"db\")",
        "but got 'string'",
    ),
];

#[test]
fn misuses_of_generated_bindings_are_flagged() {
    let mut checker = checker();
    let mut failures = Vec::new();
    for (name, code, message) in BINDING_MISUSES {
        let require_line = BINDINGS
            .iter()
            .find(|(n, _)| n == name)
            .expect("bindings")
            .1;
        let source = bindings_with(name, require_line, &format!("--!strict\n{code}\n"));
        let last = source.lines().count() as u32 - 1;
        let diagnostics = check(&mut checker, &source);
        let flagged = diagnostics.iter().any(|d| {
            d.severity == Severity::Error && d.line == last && d.message.contains(message)
        });
        if !flagged {
            failures.push(format!(
                "{code}\n  expected: {message}\n{}",
                describe(&diagnostics)
            ));
        }
    }
    assert!(failures.is_empty(), "not flagged:\n{}", failures.join("\n"));
}

/// Not a test: prints the checker's diagnostics for a file, with the definitions loaded
/// (`LUAU_CHECK=file.luau cargo test --release --test types check_file -- --ignored --nocapture`).
#[test]
#[ignore]
fn check_file() {
    let path = std::env::var("LUAU_CHECK").expect("LUAU_CHECK=<file.luau>");
    let source = fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    println!("{}", describe(&check(&mut checker(), &source)));
}
