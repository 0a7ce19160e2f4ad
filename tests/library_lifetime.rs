//! A library opened by `ffi.load` stays mapped while any handle to it lives (a function
//! object keeps the handle it was resolved from) and is closed when the last one goes.
#![cfg(target_os = "linux")]

use std::path::{Path, PathBuf};
use std::process::Command;

use luau_ffi::library::Library;

/// Builds a one-function library no other test loads, named after this test.
fn build_library() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("luau-ffi-lifetime-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("lifetime.c");
    std::fs::write(&source, "int lifetime_probe(void) { return 7; }\n").unwrap();
    let library = dir.join("liblifetime_probe.so");
    let status = Command::new(std::env::var("FFI_TEST_CC").unwrap_or_else(|_| "cc".into()))
        .args(["-shared", "-fPIC", "-o"])
        .arg(&library)
        .arg(&source)
        .status()
        .expect("a C compiler");
    assert!(status.success());
    library
}

fn is_mapped(library: &Path) -> bool {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    maps.contains(library.to_str().unwrap())
}

#[test]
fn a_library_closes_when_its_last_handle_goes() {
    let path = build_library();
    assert!(!is_mapped(&path));
    let library = Library::load(path.to_str().unwrap(), false).unwrap();
    assert!(is_mapped(&path));
    let address = library.symbol("lifetime_probe").unwrap();
    // SAFETY: the symbol is `int lifetime_probe(void)`, and its library is still open.
    let probe: extern "C" fn() -> i32 = unsafe { std::mem::transmute(address.as_ptr()) };
    assert_eq!(probe(), 7);

    let kept = library.clone();
    drop(library);
    assert!(
        is_mapped(&path),
        "a remaining handle keeps the library open"
    );
    drop(kept);
    assert!(!is_mapped(&path), "the last handle closes the library");
}
