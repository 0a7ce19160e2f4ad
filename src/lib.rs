//! luau-ffi: LuaJIT's FFI for Luau, built as a native module exporting `luaopen_ffi`.
//!
//! Crate tour (docs/design.md, "Layers"):
//! - [`platform`]: what `ffi.os`, `ffi.arch` and `ffi.abi` answer.
//! - [`cdata`]: C objects as Luau userdata: memory, conversions, indexing, arithmetic.
//! - `luau`: the Lua-facing API table, its metatables and the raw stack helpers.

pub mod call;
pub mod callback;
pub mod cdata;
pub mod cdecl;
pub mod ctype;
pub mod error;
pub mod header;
pub mod library;
pub mod platform;
pub mod reserve;

mod luau;

/// The native module (and static library) owns the process' Rust allocator in its own
/// copy of std: refusals draw on the reserve (`reserve`) instead of aborting.
#[cfg(feature = "module")]
#[global_allocator]
static ALLOCATOR: reserve::Reserving = reserve::Reserving;

use std::ffi::c_int;

/// Entry point for C hosts and the native module: `require("ffi")` in a host that loads
/// native modules calls this with the requiring state and gets the `ffi` table back.
/// Calling it again in the same Luau state returns the same table.
///
/// # Safety
/// Called by the Luau host as a `lua_CFunction` with a live state of a Luau built as
/// `include/luau_ffi.h` describes.
#[no_mangle]
pub unsafe extern "C-unwind" fn luaopen_ffi(l: luau::stack::State) -> c_int {
    // SAFETY: forwarded from the host's call of a lua_CFunction; the C trampoline raises
    // the module's errors itself (this frame holds nothing to drop).
    unsafe { luau::entries::c::open(l) }
}

/// The `ffi` table for this Luau state, built on the first call; later calls return the
/// same table (one module state per Luau state, nothing leaked per call).
///
/// Safe: the module's functions are called only by Luau, and every Luau error they raise
/// is raised from C after the Rust frames have returned, so it works in applications
/// built with `panic = "abort"`.
///
/// ```
/// let lua = mlua::Lua::new();
/// let ffi = luau_ffi::open(&lua)?;
/// lua.globals().set("ffi", ffi)?;
/// let n: i64 = lua.load(r#"
///     ffi.cdef("size_t strlen(const char *s);")
///     return ffi.tonumber(ffi.C.strlen("hello"))
/// "#).eval()?;
/// assert_eq!(n, 5);
/// assert_eq!(luau_ffi::open(&lua)?, lua.globals().get::<mlua::Table>("ffi")?);
/// # Ok::<(), mlua::Error>(())
/// ```
#[cfg(not(feature = "module"))]
pub fn open(lua: &mlua::Lua) -> mlua::Result<mlua::Table> {
    // SAFETY: the trampoline is a lua_CFunction that uses only the stack Luau gives it.
    let entry = unsafe { lua.create_c_function(luau::entries::c::open) }?;
    entry.call(())
}

/// Makes `require("@ffi")` return [`open`]'s table in this Luau state, through mlua's
/// module registry, so scripts need no custom `require`.
///
/// ```
/// let lua = mlua::Lua::new();
/// luau_ffi::register(&lua)?;
/// let n: f64 = lua.load(r#"
///     local ffi = require("@ffi")
///     local p = ffi.new("int[3]", 1, 2, 3)
///     return p[0] + p[1] + p[2]
/// "#).eval()?;
/// assert_eq!(n, 6.0);
/// # Ok::<(), mlua::Error>(())
/// ```
#[cfg(not(feature = "module"))]
pub fn register(lua: &mlua::Lua) -> mlua::Result<()> {
    let ffi = open(lua)?;
    lua.register_module("@ffi", ffi)
}
