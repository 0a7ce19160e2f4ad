//! luau-ffi: LuaJIT's FFI for Luau, built as a native module exporting `luaopen_ffi`.
//!
//! Crate tour (design.md §2):
//! - [`platform`]: what `ffi.os`, `ffi.arch` and `ffi.abi` answer.
//! - [`cdata`]: C objects as Luau userdata: memory, conversions, indexing, arithmetic.
//! - `luau`: the Lua-facing API table, its metatables and the raw stack helpers.

pub mod call;
pub mod callback;
pub mod cdata;
pub mod cdecl;
pub mod ctype;
pub mod error;
pub mod library;
pub mod platform;

mod luau;

use std::ffi::c_int;

/// Entry point: `require("ffi")` in a host that loads native modules calls this with the
/// requiring state and gets the `ffi` table back.
///
/// # Safety
/// Called by the Luau host as a `lua_CFunction` with a live state.
#[no_mangle]
pub unsafe extern "C-unwind" fn luaopen_ffi(l: luau::stack::State) -> c_int {
    // SAFETY: forwarded from the host's call of a lua_CFunction.
    unsafe { luau::api::open(l) }
}
