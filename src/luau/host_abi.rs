//! Refusing a Luau the module was not built for, at `luaopen_ffi`.
//!
//! The module binds to the host's Luau by symbol names only, so a host whose Luau was
//! built differently (another release, another `LUAI_MAXCSTACK`, which moves
//! `LUA_REGISTRYINDEX`, another vector size) would load it and crash later. A host says
//! what it built with the stamp `luau_ffi_host_abi` (`include/luau_ffi.h`,
//! `LUAU_FFI_HOST_ABI`; the reference host defines it); the module compares it with what
//! it was built for. Without a stamp, only a registry index that lands outside the
//! pseudo-indices of a host with a smaller `LUAI_MAXCSTACK` is detected (it reads as
//! nil); the other mismatches cannot be, and the README says so.

use super::stack::State;
use crate::error::{Error, LuauBuild};
use mlua::ffi as lua;

/// The Luau release of the `luau0-src` that mlua-sys builds (`0.22.0+luau740`); a test
/// checks it against Cargo.lock.
pub const LUAU_RELEASE: u32 = 740;
/// mlua-sys' `LUAI_MAXCSTACK` (its `LUA_REGISTRYINDEX` is `-LUAI_MAXCSTACK - 2000`).
pub const MAXCSTACK: i32 = -lua::LUA_REGISTRYINDEX - 2000;
/// mlua-sys' vector width without the `luau-vector4` feature.
pub const VECTOR_SIZE: i32 = 3;

/// The stamp a host defines (`struct luau_ffi_host_abi_t` in `include/luau_ffi.h`).
#[repr(C)]
pub struct HostAbi {
    /// `sizeof` the struct, for later growth.
    pub size: u32,
    pub luau_release: u32,
    pub maxcstack: i32,
    pub vector_size: i32,
}

extern "C" {
    /// The host's stamp, or NULL (a weak reference in `trampolines.c`).
    fn luauffi_host_abi() -> *const HostAbi;
}

/// What differs between the host's Luau and the one the module was built for, if the
/// host says or it shows.
///
/// # Safety
/// `l` is a live state inside `luaopen_ffi` with a free slot.
pub unsafe fn mismatch(l: State) -> Option<Error> {
    // SAFETY: the weak symbol is NULL or the host's static stamp.
    let stamp = unsafe { luauffi_host_abi().as_ref() };
    if let Some(stamp) = stamp {
        let found = (stamp.luau_release, stamp.maxcstack, stamp.vector_size);
        let expected = (LUAU_RELEASE, MAXCSTACK, VECTOR_SIZE);
        if found != expected {
            return Some(Error::IncompatibleLuau {
                found: describe(found),
                expected: describe(expected),
            });
        }
        return None;
    }
    // SAFETY: with a smaller LUAI_MAXCSTACK in the host, this index is past its upvalue
    // range and reads as nil; with ours, it is the registry (a table).
    let registry_ok = unsafe {
        lua::lua_pushvalue(l, lua::LUA_REGISTRYINDEX);
        let ok = lua::lua_type(l, -1) == lua::LUA_TTABLE;
        lua::lua_settop(l, -2);
        ok
    };
    (!registry_ok).then(|| Error::IncompatibleLuau {
        found: LuauBuild::OtherRegistryIndex,
        expected: describe((LUAU_RELEASE, MAXCSTACK, VECTOR_SIZE)),
    })
}

fn describe((release, maxcstack, vector_size): (u32, i32, i32)) -> LuauBuild {
    LuauBuild::Stamp {
        release,
        maxcstack,
        vector_size,
    }
}

#[cfg(test)]
mod tests {
    /// The release stamped here is the one Cargo.lock builds.
    #[test]
    fn luau_release_matches_the_locked_luau0_src() {
        let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"))
            .expect("Cargo.lock");
        let needle = format!("+luau{}\"", super::LUAU_RELEASE);
        let locked = lock
            .split("[[package]]")
            .find(|p| p.contains("name = \"luau0-src\""))
            .expect("luau0-src is locked");
        assert!(
            locked.contains(&needle),
            "luau0-src in Cargo.lock: {locked}"
        );
    }
}
