//! The target platform as LuaJIT names it: `ffi.os`, `ffi.arch` and the `ffi.abi` flags.

/// `ffi.os`: LuaJIT's spelling of the operating system.
pub const OS: &str = if cfg!(target_os = "linux") {
    "Linux"
} else if cfg!(target_os = "macos") || cfg!(target_os = "ios") {
    "OSX"
} else if cfg!(target_os = "windows") {
    "Windows"
} else if cfg!(any(
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd",
    target_os = "dragonfly"
)) {
    "BSD"
} else if cfg!(unix) {
    "POSIX"
} else {
    "Other"
};

/// `ffi.arch`: LuaJIT's spelling of the CPU architecture.
pub const ARCH: &str = if cfg!(target_arch = "x86_64") {
    "x64"
} else if cfg!(target_arch = "x86") {
    "x86"
} else if cfg!(all(target_arch = "aarch64", target_endian = "big")) {
    "arm64be"
} else if cfg!(target_arch = "aarch64") {
    "arm64"
} else if cfg!(all(target_arch = "arm", target_endian = "big")) {
    "armbe"
} else if cfg!(target_arch = "arm") {
    "arm"
} else if cfg!(target_arch = "powerpc") {
    "ppc"
} else if cfg!(all(target_arch = "mips64", target_endian = "little")) {
    "mips64el"
} else if cfg!(target_arch = "mips64") {
    "mips64"
} else if cfg!(all(target_arch = "mips", target_endian = "little")) {
    "mipsel"
} else if cfg!(target_arch = "mips") {
    "mips"
} else if cfg!(target_arch = "s390x") {
    "s390x"
} else {
    "unknown"
};

/// `ffi.abi(param)`: true for the ABI properties LuaJIT reports on this target.
/// Unknown parameters are false, as in LuaJIT.
pub fn abi(param: &str) -> bool {
    match param {
        "32bit" => cfg!(target_pointer_width = "32"),
        "64bit" => cfg!(target_pointer_width = "64"),
        "le" => cfg!(target_endian = "little"),
        "be" => cfg!(target_endian = "big"),
        // Every target this crate builds for has a hardware FPU.
        "fpu" => true,
        // LuaJIT answers `hardfp` on every target whose ABI is not soft-float
        // (`#if LJ_ABI_SOFTFP ... #else "hardfp"`): x64 and arm64 included.
        "hardfp" => !cfg!(all(target_arch = "arm", not(target_abi = "eabihf"))),
        "softfp" => cfg!(all(target_arch = "arm", not(target_abi = "eabihf"))),
        "eabi" => cfg!(target_arch = "arm"),
        "win" => cfg!(windows),
        "uwp" => false,
        "pauth" => false,
        "gc64" => cfg!(target_pointer_width = "64"),
        _ => false,
    }
}

/// Every parameter name `ffi.abi` knows, for tests and documentation.
pub const ABI_PARAMS: &[&str] = &[
    "32bit", "64bit", "le", "be", "fpu", "hardfp", "softfp", "eabi", "win", "uwp", "pauth", "gc64",
];
