//! The stamp that tells native modules which Luau this host links (`include/luau_ffi.h`):
//! luau-ffi's `luaopen_ffi` compares it with the Luau it was built for and refuses to
//! load into a different one, rather than crash later. Exported with the C API
//! (`luau_*` in the dynamic list of `build.rs`).

/// `struct luau_ffi_host_abi_t` of `include/luau_ffi.h`.
#[cfg(not(windows))]
#[repr(C)]
pub struct HostAbi {
    size: u32,
    luau_release: u32,
    maxcstack: i32,
    vector_size: i32,
}

/// The settings `build.rs` builds Luau with (those of mlua-sys: `LUAI_MAXCSTACK`
/// 1000000, 3-wide vectors) and the luau0-src release. On Windows the stamp is in
/// `luau.dll` instead (build.rs), where the module looks for it.
#[cfg(not(windows))]
#[no_mangle]
#[used]
pub static luau_ffi_host_abi: HostAbi = HostAbi {
    size: std::mem::size_of::<HostAbi>() as u32,
    luau_release: parse_release(env!("LUAU_RELEASE")),
    maxcstack: 1_000_000,
    vector_size: 3,
};

#[cfg(not(windows))]
const fn parse_release(text: &str) -> u32 {
    let bytes = text.as_bytes();
    let mut value = 0u32;
    let mut i = 0;
    while i < bytes.len() {
        assert!(bytes[i].is_ascii_digit(), "LUAU_RELEASE is a number");
        value = value * 10 + (bytes[i] - b'0') as u32;
        i += 1;
    }
    value
}
