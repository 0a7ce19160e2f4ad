//! The `ffi` table: the surface of the module, in the order of LuaJIT's ffi reference.
//! Each function is short and delegates to the module that owns the concern.

use crate::platform;
use mlua::prelude::*;

/// Builds the `ffi` table returned by `require("ffi")`.
pub fn open(lua: &Lua) -> LuaResult<LuaTable> {
    let ffi = lua.create_table()?;

    // Target information (ext_ffi_api "ffi.abi", "ffi.os", "ffi.arch").
    ffi.raw_set(
        "abi",
        lua.create_function(|_, param: LuaString| Ok(platform::abi(&param.to_str()?)))?,
    )?;
    ffi.raw_set("os", platform::OS)?;
    ffi.raw_set("arch", platform::ARCH)?;

    ffi.set_readonly(true);
    Ok(ffi)
}
