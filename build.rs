//! Compiles the C trampolines (`src/luau/trampolines.c`): every `lua_CFunction` the module
//! hands to Luau is a few lines of C that call the Rust body and raise its error with
//! `lua_error` once the Rust frame has returned, so no Luau error ever unwinds through
//! Rust (hosts built with `panic = "abort"`, Luau built with `longjmp`).
//!
//! The list of entry points lives once, in `src/luau/entries.rs`; this script reads the
//! names from it and writes `entries.h` (one `ENTRY(name)` line each) for the C file.
//!
//! Mach-O: with feature `module`, the `lua_*` symbols of the module are resolved against
//! the host that loads it, so the linker must leave them undefined (`-undefined
//! dynamic_lookup`), as ELF's linker does by default for shared libraries. Only the
//! cdylib gets the flag.
//!
//! Windows: the module imports the C API from `luau.dll` (see `windows_module_link`).

use std::env;
use std::fs;
use std::path::PathBuf;

const ENTRIES: &str = "src/luau/entries.rs";
const TRAMPOLINES: &str = "src/luau/trampolines.c";

fn main() {
    println!("cargo:rerun-if-changed={ENTRIES}");
    println!("cargo:rerun-if-changed={TRAMPOLINES}");
    let source = fs::read_to_string(ENTRIES).expect("read src/luau/entries.rs");
    let names = entry_names(&source);
    assert!(!names.is_empty(), "no entries found in {ENTRIES}");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo"));
    let header: String = names.iter().map(|n| format!("ENTRY({n})\n")).collect();
    fs::write(out_dir.join("entries.h"), header).expect("write entries.h");
    cc::Build::new()
        .file(TRAMPOLINES)
        .include(&out_dir)
        // lua_error throws a C++ exception through these frames (mlua's Luau).
        .flag_if_supported("-fexceptions")
        .flag_if_supported("-fomit-frame-pointer")
        .compile("luauffi_trampolines");
    mach_o_module_flags();
    windows_module_link();
}

/// Windows (docs/platforms.md): a DLL cannot leave the Luau C API undefined, so the
/// module imports it from `luau.dll`, the Luau the host links (examples/host/build.rs
/// builds it with its import library `libluau.dll.a`). `LUAU_FFI_LUAU_LIB_DIR` names the
/// directory holding that import library (the Makefile's `build-windows` sets it).
fn windows_module_link() {
    println!("cargo:rerun-if-env-changed=LUAU_FFI_LUAU_LIB_DIR");
    let target_os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let module = env::var_os("CARGO_FEATURE_MODULE").is_some();
    if !(module && target_os == "windows") {
        return;
    }
    let dir = env::var("LUAU_FFI_LUAU_LIB_DIR").unwrap_or_else(|_| {
        panic!(
            "building the Windows module needs LUAU_FFI_LUAU_LIB_DIR: the directory of \
             luau.dll's import library libluau.dll.a (`make build-windows` sets it)"
        )
    });
    // A link argument, not `rustc-link-lib`: it goes after mlua-sys' rlib on the linker
    // command line, which the import library must follow.
    let import_lib = std::path::Path::new(&dir).join("libluau.dll.a");
    println!("cargo:rustc-cdylib-link-arg={}", import_lib.display());
}

/// `-undefined dynamic_lookup` for the macOS/iOS module build (docs/platforms.md).
fn mach_o_module_flags() {
    let target_os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let module = env::var_os("CARGO_FEATURE_MODULE").is_some();
    if module && (target_os == "macos" || target_os == "ios") {
        println!("cargo:rustc-cdylib-link-arg=-undefined");
        println!("cargo:rustc-cdylib-link-arg=dynamic_lookup");
    }
}

/// The names between `entries! {` and the closing `}`: one `name: path,` per line.
fn entry_names(source: &str) -> Vec<String> {
    let start = source.find("entries! {").expect("an entries! { ... } list") + 10;
    let body = &source[start..];
    let body = &body[..body.find('}').expect("the entries list is closed")];
    body.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("//"))
        .map(|line| {
            let name = line.split(':').next().unwrap_or_default().trim();
            assert!(
                name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "bad entry line in {ENTRIES}: {line}"
            );
            name.to_string()
        })
        .collect()
}
