//! `luau-ffi SCRIPT [ARGS...]`: runs a Luau script in a host that can load native modules.
//!
//! The reference host for luau-ffi: mlua (feature `luau`) with the Luau C API exported to
//! `dlopen`ed modules (see `build.rs`), a `require` that loads `luaopen_<name>` from shared
//! libraries (see `native.rs`), and `os.getenv`.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod abi;
mod bindgen;
mod native;
mod port;
mod repl;
mod state;
mod sys;

// luau-ffi's parser and type registry (no Luau, no unsafe), compiled from the crate's
// sources for `luau-ffi bindgen`: linking the crate itself would put a second copy of
// the module's exported symbols into the host.
#[allow(dead_code, unused_imports, clippy::all)]
#[path = "../../../src/cdecl/mod.rs"]
mod cdecl;
#[allow(dead_code, clippy::all)]
#[path = "../../../src/ctype/mod.rs"]
mod ctype;
#[allow(dead_code, clippy::all)]
#[path = "../../../src/error.rs"]
mod error;
// The parser asks it whether memory allows a parse (no feature `module` here: no
// reserve, only the probes).
#[allow(dead_code, unexpected_cfgs, clippy::all)]
#[path = "../../../src/reserve.rs"]
mod reserve;

use std::ffi::{OsStr, OsString};
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use mlua::{Error, Lua, MultiValue, Value};

use sys::OsStrExt;

const USAGE: &str = "usage: luau-ffi SCRIPT [ARGS...]
       luau-ffi [--repl]          read-eval-print loop (no script, stdin a terminal)
       luau-ffi port IN.lua [-o OUT.luau] [--ffi NAME]
       luau-ffi bindgen [--lib NAME] DECLS.h [-o OUT.luau]
       luau-ffi --version

Runs the Luau file SCRIPT; ARGS are its `...` and arg[1..] (arg[0] is SCRIPT).
require(\"name\") loads the native module name.so next to the requiring script or from
LUAU_CPATH (`;`-separated patterns, `?` = name, `;;` = the default: the directory of
the luau-ffi binary), calling luaopen_<name>.";

/// The first line of `--version` and the REPL banner.
fn version_line() -> String {
    format!(
        "luau-ffi host {} (Luau {})",
        env!("CARGO_PKG_VERSION"),
        env!("LUAU_VERSION")
    )
}

/// `luau-ffi --version`.
fn print_version() {
    println!("{}", version_line());
    println!("ffi module {}", env!("LUAU_FFI_MODULE_VERSION"));
    println!("Luau {}", env!("LUAU_VERSION"));
    println!(
        "libffi {} (libffi-sys {})",
        env!("LUAU_FFI_LIBFFI_VERSION"),
        env!("LUAU_FFI_LIBFFI_SYS_VERSION")
    );
}

fn main() -> ExitCode {
    let mut argv = std::env::args_os();
    let program = argv.next().unwrap_or_else(|| OsString::from("luau-ffi"));
    let Some(script) = argv.next() else {
        if std::io::stdin().is_terminal() {
            return repl(&program);
        }
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    if script == "--repl" {
        return repl(&program);
    }
    if script == "--version" {
        print_version();
        return ExitCode::SUCCESS;
    }
    if script == "port" {
        return port::main(argv.collect());
    }
    if script == "bindgen" {
        return bindgen::main(argv.collect());
    }
    if script == "-h" || script == "--help" {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let args: Vec<OsString> = argv.collect();
    match run(&program, &script, &args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the read-eval-print loop.
fn repl(program: &OsStr) -> ExitCode {
    let lua = Lua::new();
    let result = state::limit_memory(&lua)
        .and_then(|()| setup(&lua, program, OsStr::new(""), &[]))
        .and_then(|()| repl::run(&lua));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("luau-ffi: {}", report(&e));
            ExitCode::FAILURE
        }
    }
}

/// Runs `script` with `args`; the error is the text to print.
fn run(program: &OsStr, script: &OsStr, args: &[OsString]) -> Result<(), String> {
    let path = Path::new(script);
    let mut source = std::fs::read(path)
        .map_err(|e| format!("luau-ffi: cannot read {}: {e}", path.display()))?;
    // Like lua.c, ignore a `#!` first line (turned into a comment to keep line numbers).
    if source.starts_with(b"#!") {
        source[..2].copy_from_slice(b"--");
    }

    let lua = Lua::new();
    state::limit_memory(&lua).map_err(|e| format!("luau-ffi: {e}"))?;
    run_in(&lua, program, path, source, args)
}

/// Sets the state up and runs the script in it.
fn run_in(
    lua: &Lua,
    program: &OsStr,
    path: &Path,
    source: Vec<u8>,
    args: &[OsString],
) -> Result<(), String> {
    setup(lua, program, path.as_os_str(), args).map_err(|e| format!("luau-ffi: {e}"))?;
    let chunk = lua.load(source).set_name(format!("@{}", path.display()));
    let argv = args
        .iter()
        .map(|a| lua.create_string(a.as_bytes()).map(Value::String))
        .collect::<mlua::Result<MultiValue>>()
        .map_err(|e| format!("luau-ffi: {e}"))?;
    chunk.call::<()>(argv).map_err(|e| report(&e))
}

/// Installs the host's globals: `arg`, `require`, `os.getenv`, `_VERSION`.
fn setup(lua: &Lua, program: &OsStr, script: &OsStr, args: &[OsString]) -> mlua::Result<()> {
    let globals = lua.globals();

    let arg = lua.create_table_with_capacity(args.len(), 2)?;
    arg.raw_set(-1, lua.create_string(program.as_bytes())?)?;
    arg.raw_set(0, lua.create_string(script.as_bytes())?)?;
    for (i, a) in args.iter().enumerate() {
        arg.raw_set(i + 1, lua.create_string(a.as_bytes())?)?;
    }
    globals.raw_set("arg", arg)?;

    native::install(lua)?;

    let os: mlua::Table = globals.raw_get("os")?;
    os.raw_set("getenv", lua.create_function(getenv)?)?;

    globals.raw_set("_VERSION", concat!("Luau ", env!("LUAU_VERSION")))?;
    Ok(())
}

/// `os.getenv(name)`: the variable's value, or nil.
fn getenv(lua: &Lua, name: mlua::LuaString) -> mlua::Result<Option<mlua::LuaString>> {
    let name = name.as_bytes();
    // `var_os` may panic on these; no such variable can exist anyway.
    if name.is_empty() || name.contains(&b'=') || name.contains(&0) {
        return Ok(None);
    }
    match std::env::var_os(OsStr::from_bytes(&name)) {
        Some(value) => lua.create_string(value.as_bytes()).map(Some),
        None => Ok(None),
    }
}

/// The text printed for an uncaught error: its message and traceback.
fn report(err: &Error) -> String {
    match err {
        // mlua's message handler has already appended the traceback to Luau errors.
        Error::RuntimeError(message) => message.clone(),
        Error::SyntaxError { message, .. } => message.clone(),
        other => other.to_string(),
    }
}
