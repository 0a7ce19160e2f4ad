//! Out of memory as a Luau error. mlua's allocator aborts the process when the system
//! refuses memory (`handle_alloc_error`), but returns NULL — Luau's `not enough memory`,
//! which scripts can catch — when its memory limit would be passed. When the process runs
//! under an address-space or data limit (`ulimit -v`, `setrlimit`), the host sets the
//! Luau limit below it, leaving headroom for what is allocated outside Luau (the C heap
//! of `ffi.C.malloc`, loaded libraries, stacks).

use mlua::Lua;

/// Room left outside Luau's heap under a process limit.
#[cfg(unix)]
const HEADROOM: u64 = 64 << 20;

/// Sets the Luau memory limit from the process limits, if any is finite.
pub fn limit_memory(lua: &Lua) -> mlua::Result<()> {
    if let Some(limit) = luau_limit() {
        lua.set_memory_limit(limit as usize)?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn luau_limit() -> Option<u64> {
    None
}

/// The smallest finite soft limit of `RLIMIT_AS` (less the address space in use now)
/// and `RLIMIT_DATA`, less [`HEADROOM`].
#[cfg(unix)]
fn luau_limit() -> Option<u64> {
    let address_space = soft_limit(libc::RLIMIT_AS).map(|l| l.saturating_sub(mapped_bytes()));
    let data = soft_limit(libc::RLIMIT_DATA);
    let limit = match (address_space, data) {
        (Some(a), Some(d)) => a.min(d),
        (a, d) => a.or(d)?,
    };
    Some(limit.saturating_sub(HEADROOM).max(1 << 20))
}

#[cfg(unix)]
fn soft_limit(resource: libc::__rlimit_resource_t) -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the struct it is given.
    let ok = unsafe { libc::getrlimit(resource, &mut limit) } == 0;
    (ok && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur)
}

/// The process' mapped address space now (`/proc/self/statm`, first field, in pages).
#[cfg(unix)]
fn mapped_bytes() -> u64 {
    let pages = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .unwrap_or(0);
    // SAFETY: sysconf only reads a configuration value.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as u64;
    pages * page
}
