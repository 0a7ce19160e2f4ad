//! `lune-ffi [run] SCRIPT [ARGS...]`: Lune's `lune run`, with luau-ffi as `@ffi` and
//! `@lune/ffi`.
//!
//! The runtime is the `lune` crate's (its scheduler, `require`, error formatting, exit
//! codes); the standard libraries come from `lune-std` (see Cargo.toml for why not through
//! lune's features) and are installed as `lune run` installs them. The FFI table is built
//! once by `luau_ffi::open` and registered under both names, so both give the same table.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use lune::Runtime;
use lune_utils::process::{ProcessArgs, ProcessEnv, ProcessJitEnablement};
use mlua::{Lua, Value};

/// The Lune release this binary embeds (Cargo.toml pins it): `_VERSION` says `Lune 0.11.1+…`.
const LUNE_VERSION: &str = "0.11.1";

const USAGE: &str = "usage: lune-ffi [run] SCRIPT [ARGS...]

Runs the Luau file SCRIPT (`-` reads it from stdin) like `lune run` does: ARGS are in
process.args, the exit code is the script's (process.exit) or 1 when any thread errored.
require(\"@ffi\") and require(\"@lune/ffi\") give luau-ffi's `ffi` table, next to Lune's
@lune/fs, @lune/process, @lune/task, @lune/stdio, @lune/serde, @lune/datetime,
@lune/regex and @lune/luau. LUNE_LUAU_JIT=0 turns Luau native code generation off.";

fn main() -> ExitCode {
    let mut argv = std::env::args_os().skip(1).peekable();
    if argv.peek().is_some_and(|a| a == "run") {
        argv.next();
    }
    let Some(script) = argv.next() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    if script == "-h" || script == "--help" {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let args: Vec<OsString> = argv.collect();
    async_io::block_on(run(&script, args))
}

/// Whether native code generation is on: Lune's default (on) unless LUNE_LUAU_JIT says
/// 0, false or off, as `lune run` decides.
fn jit_enabled() -> bool {
    !std::env::var("LUNE_LUAU_JIT").is_ok_and(|s| matches!(s.as_str(), "0" | "false" | "off"))
}

/// Runs `script` to completion; the exit code is `lune run`'s.
async fn run(script: &OsString, args: Vec<OsString>) -> ExitCode {
    let jit = jit_enabled();
    let runtime = Runtime::new()
        .map_err(lune::RuntimeError::from)
        .and_then(|rt| {
            rt.with_args(args.clone())
                .with_jit(jit)
                .with_lib("@ffi", |lua| install(lua, args, jit))
        });
    let mut runtime = match runtime {
        Ok(rt) => rt,
        Err(err) => return fail(&err),
    };
    let result = if script == "-" {
        let mut source = Vec::new();
        if let Err(err) = std::io::stdin().read_to_end(&mut source) {
            eprintln!("lune-ffi: cannot read the script from stdin: {err}");
            return ExitCode::FAILURE;
        }
        runtime.run_custom("stdin", source).await
    } else {
        runtime.run_file(absolute(Path::new(script))).await
    };
    match result {
        Ok(values) => ExitCode::from(values.status()),
        Err(err) => fail(&err),
    }
}

fn fail(err: &lune::RuntimeError) -> ExitCode {
    eprintln!("{err}");
    ExitCode::FAILURE
}

/// The script path the way `lune run` passes it: relative paths resolved against the
/// current directory (so chunk names and `require` are the same as under `lune`).
fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_path_buf();
    }
    match std::env::current_dir() {
        Ok(dir) => dir.join(path),
        Err(_) => path.to_path_buf(),
    }
}

/// Called by `with_lib` with the runtime's Lua before any script runs: installs Lune's
/// standard globals and libraries (what `lune` does itself when built with its std
/// features) and the FFI. Returns the table registered as `@ffi`.
///
/// The globals go into the sandboxed main thread's environment, where Lune also puts
/// `_G`; the process args, environment and JIT setting are stored first because
/// `@lune/process` and `@lune/luau` read them when they are created.
fn install(lua: &Lua, args: Vec<OsString>, jit: bool) -> mlua::Result<Value> {
    lua.set_app_data(args.into_iter().collect::<ProcessArgs>());
    lua.set_app_data(ProcessEnv::current());
    lua.set_app_data(ProcessJitEnablement::new(jit));
    lune_std::set_global_version(lua, LUNE_VERSION);
    lune_std::inject_globals(lua.clone())?;
    lune_std::inject_std(lua.clone())?;

    let ffi = luau_ffi::open(lua)?;
    // `with_lib` refuses names under `@lune/` (its own check); the module registry does not.
    lua.register_module("@lune/ffi", &ffi)?;
    Ok(Value::Table(ffi))
}
