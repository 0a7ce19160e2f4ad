//! Builds Luau and links all of its C API into the host, exported for dlopen'd modules.
//!
//! mlua-sys is used with its `external` feature, so it links no Luau itself; this script
//! builds the same `luau0-src` with the settings mlua-sys would use and links every archive
//! `+whole-archive`, so functions that the host itself never calls (but a module may) are
//! in the binary. A `--dynamic-list` then exports exactly `lua_*`, `luaL_*`, `luau_*` and
//! `luaopen_*` to the dynamic symbol table, and nothing of Rust's.

use std::env;
use std::fs;
use std::path::PathBuf;

/// Version script fragment naming the symbols that native modules import.
const DYNAMIC_LIST: &str = "{\n  lua_*;\n  luaL_*;\n  luau_*;\n  luaopen_*;\n};\n";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CXXSTDLIB");

    // Luau enables its assertions (every `api_check` of every C API call) unless NDEBUG
    // is defined, and neither luau0-src nor cc defines it: do so for optimised builds.
    if env::var("PROFILE").as_deref() == Ok("release") {
        let flags = env::var("CXXFLAGS").unwrap_or_default();
        env::set_var("CXXFLAGS", format!("{flags} -DNDEBUG"));
    }

    // Same configuration as mlua-sys 0.13 `build/find_vendored.rs` with feature `luau`
    // (no codegen, 3-wide vectors): mlua's Rust declarations are compiled against it.
    let artifacts = luau0_src::Build::new()
        .enable_codegen(false)
        .set_max_cstack_size(1_000_000)
        .set_vector_size(3)
        .build();

    let version = artifacts
        .version()
        .expect("luau0-src reports its Luau version");
    let target_os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo"));
    if target_os == "windows" {
        let release = version.rsplit('.').next().unwrap_or_default();
        luau_dll(&artifacts, &out_dir, release);
    } else {
        println!(
            "cargo:rustc-link-search=native={}",
            artifacts.lib_dir().display()
        );
        // Whole-archive: every object of every Luau archive is linked, whatever the host
        // uses, and the order of archives on the linker command line stops mattering.
        for lib in artifacts.libs() {
            println!("cargo:rustc-link-lib=static:+whole-archive={lib}");
        }
        if let Some(cpp) = cpp_stdlib() {
            println!("cargo:rustc-link-lib={cpp}");
        }
    }
    println!("cargo:rustc-env=LUAU_VERSION={version}");
    // The Luau release (`0.740` → 740) for the module's ABI stamp (src/abi.rs).
    let release = version.rsplit('.').next().unwrap_or_default();
    println!("cargo:rustc-env=LUAU_RELEASE={release}");

    versions();

    if target_os == "windows" {
        // The C API lives in luau.dll (luau_dll); the executable exports nothing.
    } else if target_os == "macos" || target_os == "ios" {
        // ld64 spelling (untested): an exported-symbols list accepts the same wildcards.
        let list = out_dir.join("luau-api.exp");
        fs::write(&list, "_lua_*\n_luaL_*\n_luau_*\n_luaopen_*\n").expect("write symbol list");
        println!(
            "cargo:rustc-link-arg-bins=-Wl,-exported_symbols_list,{}",
            list.display()
        );
    } else {
        let list = out_dir.join("luau-api.dynlist");
        fs::write(&list, DYNAMIC_LIST).expect("write dynamic list");
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--dynamic-list={}",
            list.display()
        );
    }
}

/// Windows (docs/platforms.md): Luau's archives linked whole into `luau.dll`, every
/// non-static symbol exported (the C API, `lua_*`/`luaL_*`/`luau_*`/`luaopen_*`), with
/// the ABI stamp `luau_ffi_host_abi` (src/abi.rs) compiled in beside it, the C++ runtime
/// and winpthreads linked statically. The host links its import library `libluau.dll.a`;
/// native modules (`ffi.dll`) import the same DLL, so host and modules share one Luau.
/// The Makefile copies `luau.dll` from `OUT_DIR` next to the executable.
fn luau_dll(artifacts: &luau0_src::Artifacts, out_dir: &std::path::Path, release: &str) {
    // Compiled as C++ (the C++ driver links the DLL): `extern "C"` keeps the name.
    let stamp = out_dir.join("luau_ffi_host_abi.cpp");
    let source = format!(
        "struct luau_ffi_host_abi_t {{ unsigned size, luau_release; int maxcstack, vector_size; }};\n\
         extern \"C\" __declspec(dllexport) const struct luau_ffi_host_abi_t luau_ffi_host_abi =\n\
         {{ sizeof(struct luau_ffi_host_abi_t), {release}, 1000000, 3 }};\n"
    );
    fs::write(&stamp, source).expect("write the ABI stamp");
    let cxx = cc::Build::new().cpp(true).get_compiler();
    let dll = out_dir.join("luau.dll");
    let mut command = cxx.to_command();
    command
        .arg("-shared")
        .arg("-o")
        .arg(&dll)
        .arg(&stamp)
        .arg("-Wl,--export-all-symbols")
        // ... but not the statically linked C++ runtime's: the host and the modules
        // have their own `_Unwind_Resume` and the like.
        .arg("-Wl,--exclude-libs,libgcc.a:libgcc_eh.a:libstdc++.a:libwinpthread.a:libmingwex.a:libmingw32.a")
        .arg(format!(
            "-Wl,--out-implib,{}",
            out_dir.join("libluau.dll.a").display()
        ))
        .arg("-Wl,--whole-archive");
    for lib in artifacts.libs() {
        command.arg(artifacts.lib_dir().join(format!("lib{lib}.a")));
    }
    command
        .arg("-Wl,--no-whole-archive")
        .args(["-static-libgcc", "-static-libstdc++", "-static"]);
    let status = command
        .status()
        .expect("run the C++ compiler to link luau.dll");
    assert!(status.success(), "linking luau.dll failed: {command:?}");
    // A link argument, not `rustc-link-lib`: it goes after mlua-sys' rlib on the linker
    // command line, which the import library must follow.
    println!(
        "cargo:rustc-link-arg-bins={}",
        out_dir.join("libluau.dll.a").display()
    );
}

/// The C++ runtime to link, chosen as `luau0-src` chooses it.
fn cpp_stdlib() -> Option<String> {
    let target = env::var("TARGET").unwrap_or_default();
    let from_env = env::var(format!("CXXSTDLIB_{target}"))
        .or_else(|_| env::var(format!("CXXSTDLIB_{}", target.replace('-', "_"))))
        .or_else(|_| env::var("CXXSTDLIB"))
        .ok();
    if let Some(lib) = from_env {
        return (!lib.is_empty()).then_some(lib);
    }
    if target.contains("msvc") {
        None
    } else if target.contains("apple") || target.contains("freebsd") || target.contains("openbsd") {
        Some("c++".to_string())
    } else if target.contains("android") {
        Some("c++_shared".to_string())
    } else {
        Some("stdc++".to_string())
    }
}

/// `luau-ffi --version`: the module's and libffi's versions, read from the repository's
/// `Cargo.lock` (the module's workspace, two directories up), and the C libffi version
/// from the `configure.ac` of the libffi-sys sources cargo unpacked. `unknown` if absent.
fn versions() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let lock_path = manifest.join("../../Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock_path.display());
    let lock = fs::read_to_string(&lock_path).unwrap_or_default();
    let module = locked_version(&lock, "luau-ffi");
    let sys = locked_version(&lock, "libffi-sys");
    let libffi = sys.as_deref().and_then(vendored_libffi);
    let unknown = || "unknown".to_string();
    println!(
        "cargo:rustc-env=LUAU_FFI_MODULE_VERSION={}",
        module.unwrap_or_else(unknown)
    );
    println!(
        "cargo:rustc-env=LUAU_FFI_LIBFFI_SYS_VERSION={}",
        sys.unwrap_or_else(unknown)
    );
    println!(
        "cargo:rustc-env=LUAU_FFI_LIBFFI_VERSION={}",
        libffi.unwrap_or_else(unknown)
    );
}

/// The version of package `name` in a Cargo.lock text.
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let version = lines.next()?.trim().strip_prefix("version = ")?;
            return Some(version.trim_matches('"').to_string());
        }
    }
    None
}

/// The libffi version vendored by libffi-sys `sys_version` (its `AC_INIT` line).
fn vendored_libffi(sys_version: &str) -> Option<String> {
    let home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    let registries = fs::read_dir(home.join("registry/src")).ok()?;
    for registry in registries.flatten() {
        let configure = registry
            .path()
            .join(format!("libffi-sys-{sys_version}/libffi/configure.ac"));
        let Ok(text) = fs::read_to_string(&configure) else {
            continue;
        };
        let line = text.lines().find(|l| l.starts_with("AC_INIT("))?;
        // AC_INIT([libffi],[3.6.0],[...])
        return line.split(['[', ']']).nth(3).map(str::to_string);
    }
    None
}
