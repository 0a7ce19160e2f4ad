//! luau-ffi: LuaJIT's FFI for Luau, built as a native module exporting `luaopen_ffi`.
//!
//! Crate tour (design.md §2):
//! - [`cdecl`]: C declarations, tokens → AST. No unsafe, no Luau, no libffi.
//! - [`ctype`]: the type registry and C-exact layout. No unsafe.
//! - [`platform`]: what `ffi.os`, `ffi.arch` and `ffi.abi` answer.
//! - `luau`: the Lua-facing API table.

pub mod platform;

mod luau;

use mlua::prelude::*;

/// Entry point: `require("ffi")` in a host that loads native modules calls this.
#[mlua::lua_module(name = "ffi", skip_memory_check)]
fn ffi_module(lua: &Lua) -> LuaResult<LuaTable> {
    luau::api::open(lua)
}
