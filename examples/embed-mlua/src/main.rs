//! `embed-mlua SCRIPT`: an mlua application (built with `panic = "abort"`) that adds the
//! FFI with `luau_ffi::register` and runs SCRIPT, whose `require("@ffi")` finds it. Then it
//! checks that FFI finalizers and the application's own interrupt (`Lua::set_interrupt`)
//! live together: set, replaced and removed while finalizers are queued, every finalizer
//! runs and the application's interrupt keeps being called. Run by `make test-embed`.

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use mlua::{Lua, VmState};

fn main() -> ExitCode {
    let Some(script) = std::env::args().nth(1) else {
        eprintln!("usage: embed-mlua SCRIPT");
        return ExitCode::from(2);
    };
    match run(&script) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("embed-mlua: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(script: &str) -> mlua::Result<()> {
    let lua = Lua::new();
    luau_ffi::register(&lua)?;
    let source = std::fs::read_to_string(script).map_err(mlua::Error::external)?;
    lua.load(source).set_name(format!("@{script}")).exec()?;
    interrupts_and_finalizers(&lua)
}

/// Makes `n` cdata with a Luau finalizer that counts into the global `finalized`, and
/// drops them.
fn garbage(lua: &Lua, n: usize) -> mlua::Result<()> {
    lua.load(format!(
        r#"
        local ffi = require("@ffi")
        for i = 1, {n} do
            local _ = ffi.gc(ffi.new("int[1]"), function() finalized += 1 end)
        end
        "#
    ))
    .exec()
}

/// A Luau loop with no FFI call in it: only an interrupt can run finalizers there.
fn spin(lua: &Lua) -> mlua::Result<()> {
    lua.load("local s = 0 for i = 1, 1000 do s += i end").exec()
}

fn finalized(lua: &Lua) -> mlua::Result<usize> {
    lua.globals().get("finalized")
}

fn interrupts_and_finalizers(lua: &Lua) -> mlua::Result<()> {
    lua.globals().set("finalized", 0)?;
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let host_interrupt = move |_: &Lua| {
        counter.fetch_add(1, Ordering::Relaxed);
        Ok(VmState::Continue)
    };

    // 1. Finalizers queued (the collector ran outside `collectgarbage`), then the
    //    application installs its interrupt over the FFI's: its interrupt runs, and the
    //    queue still drains at the next FFI call.
    garbage(lua, 100)?;
    lua.gc_collect()?;
    lua.set_interrupt(host_interrupt.clone());
    spin(lua)?;
    let after_replace = calls.load(Ordering::Relaxed);
    check(after_replace > 0, "the application's interrupt runs")?;
    lua.load(r#"require("@ffi").new("int")"#).exec()?;
    check(finalized(lua)? == 100, "queued finalizers run at the next FFI call")?;

    // 2. Finalizers queued while the application's interrupt is installed: the FFI's goes
    //    in front, runs them in a loop with no FFI call, calls the application's, and
    //    gives its place back.
    garbage(lua, 100)?;
    lua.gc_collect()?;
    spin(lua)?;
    check(finalized(lua)? == 200, "finalizers run from the interrupt")?;
    let before = calls.load(Ordering::Relaxed);
    spin(lua)?;
    check(
        calls.load(Ordering::Relaxed) > before,
        "the application's interrupt is back in place",
    )?;

    // 3. The application removes its interrupt while finalizers are queued.
    garbage(lua, 100)?;
    lua.gc_collect()?;
    lua.remove_interrupt();
    let before = calls.load(Ordering::Relaxed);
    lua.load(r#"require("@ffi").new("int")"#).exec()?;
    spin(lua)?;
    check(finalized(lua)? == 300, "finalizers run after the interrupt is removed")?;
    check(
        calls.load(Ordering::Relaxed) == before,
        "a removed interrupt is never called again",
    )?;

    // 4. No application interrupt at all: the FFI's own drains the queue in a loop.
    garbage(lua, 100)?;
    lua.gc_collect()?;
    spin(lua)?;
    check(finalized(lua)? == 400, "the FFI's interrupt alone")?;
    println!("embed-mlua: interrupts ok ({} finalizers)", finalized(lua)?);
    Ok(())
}

fn check(condition: bool, what: &str) -> mlua::Result<()> {
    if condition {
        Ok(())
    } else {
        Err(mlua::Error::runtime(format!("failed: {what}")))
    }
}
