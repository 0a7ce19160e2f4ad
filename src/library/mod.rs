//! C library namespaces (`ffi.C`, `ffi.load`): opening shared libraries with LuaJIT's name
//! rules and resolving symbol addresses, cached per namespace. No Luau, no type knowledge.
//!
//! A [`Library`] is a cheap, reference-counted handle: a function object keeps the handle
//! it was resolved from, so the library stays loaded while anything refers to it and is
//! closed (`dlclose`) when the last handle goes (ext_ffi_api "ffi.load").

pub use crate::error::LibraryError;
use std::collections::HashMap;
use std::ffi::{c_void, CStr, CString};
use std::fmt;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex, OnceLock};

/// A library handle: the process namespace (`ffi.C`) or one loaded library.
#[derive(Clone)]
pub struct Library {
    inner: Arc<LibraryInner>,
}

struct LibraryInner {
    /// What the user asked for (`"z"`, `"/usr/lib/libz.so.1"`), or `"C"` for the process.
    name: String,
    source: SymbolSource,
    /// Resolved addresses by symbol name (the `__asm__` name when there is one).
    cache: Mutex<HashMap<String, SymbolAddress>>,
}

enum SymbolSource {
    /// `RTLD_DEFAULT`: the host, its dependencies and every `RTLD_GLOBAL` library; then
    /// libm, opened on first need, so `ffi.C.sin` works whatever the host links.
    Process {
        libm: OnceLock<Option<dlopen2::raw::Library>>,
    },
    Loaded(dlopen2::raw::Library),
}

/// The address of a resolved symbol (never null).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SymbolAddress(NonNull<c_void>);

// SAFETY: an address is plain data; dereferencing it is the caller's (unsafe) business.
unsafe impl Send for SymbolAddress {}
// SAFETY: as above, nothing is shared through it.
unsafe impl Sync for SymbolAddress {}

impl SymbolAddress {
    pub fn as_ptr(self) -> *mut c_void {
        self.0.as_ptr()
    }
}

/// Where the process namespace finds libm when the host does not link it.
#[cfg(target_os = "linux")]
const LIBM_FILE: Option<&str> = Some("libm.so.6");
#[cfg(not(target_os = "linux"))]
const LIBM_FILE: Option<&str> = None;

/// The file name `ffi.load(name)` hands to the loader (LuaJIT's `clib_extname`). On
/// Windows a name without a `.` gets `.dll` appended (`"kernel32"` → `kernel32.dll`), and
/// nothing else changes: `LoadLibraryExW` searches the application directory, the system
/// directories and `PATH`.
#[cfg(windows)]
pub fn library_file_name(name: &str) -> String {
    if name.contains('.') {
        name.to_string()
    } else {
        format!("{name}.dll")
    }
}

/// The file name `ffi.load(name)` hands to the loader (LuaJIT's `clib_extname`): a name
/// without a `/` gets `.so` appended when it has no `.` at all, then `lib` prepended
/// when it does not start with `lib`. Names with a `/` are paths, taken as given.
#[cfg(not(windows))]
pub fn library_file_name(name: &str) -> String {
    if name.contains('/') {
        return name.to_string();
    }
    let mut file = if name.contains('.') {
        name.to_string()
    } else {
        format!("{name}{}", std::env::consts::DLL_SUFFIX)
    };
    if !file.starts_with("lib") {
        file.insert_str(0, "lib");
    }
    file
}

/// The library a GNU ld script names (`GROUP ( /lib/libc.so.6 ... )` or `INPUT(...)`),
/// as LuaJIT's `clib_resolve_lds` finds it: the first file inside the parentheses of
/// the first `GROUP`/`INPUT` line (every line when the file starts with the ld script
/// banner, only the first line otherwise).
pub fn library_from_ld_script(script: &str) -> Option<String> {
    let check_line = |line: &str| -> Option<String> {
        if !(line.starts_with("GROUP") || line.starts_with("INPUT")) {
            return None;
        }
        let after = &line[line.find('(')? + 1..];
        let after = after.trim_start_matches(' ');
        let end = after.find([' ', ')']).unwrap_or(after.len());
        Some(after[..end].trim_end_matches('\n').to_string())
    };
    let mut lines = script.lines();
    let first = lines.next()?;
    if first.starts_with("/* GNU ld script") {
        lines.find_map(check_line)
    } else {
        check_line(first)
    }
}

fn dlopen_flags(global: bool) -> i32 {
    #[cfg(unix)]
    {
        libc::RTLD_LAZY
            | if global {
                libc::RTLD_GLOBAL
            } else {
                libc::RTLD_LOCAL
            }
    }
    #[cfg(not(unix))]
    {
        let _ = global;
        0
    }
}

fn loader_message(err: dlopen2::Error) -> String {
    match err {
        dlopen2::Error::OpeningLibraryError(io) | dlopen2::Error::SymbolGettingError(io) => {
            io.to_string()
        }
        other => other.to_string(),
    }
}

impl Library {
    /// The process namespace, `ffi.C`.
    pub fn process() -> Library {
        Library::with_source(
            "C",
            SymbolSource::Process {
                libm: OnceLock::new(),
            },
        )
    }

    /// `ffi.load(name, global)`: opens the library (`RTLD_LAZY`, plus `RTLD_GLOBAL` when
    /// `global`, which makes its symbols visible through [`Library::process`]). When the
    /// loader rejects a file that is a GNU ld script (as `libc.so` is), the library the
    /// script names is loaded instead, as LuaJIT does.
    pub fn load(name: &str, global: bool) -> Result<Library, LibraryError> {
        let file = library_file_name(name);
        let flags = Some(dlopen_flags(global));
        let first = match dlopen2::raw::Library::open_with_flags(&file, flags) {
            Ok(lib) => return Ok(Library::with_source(name, SymbolSource::Loaded(lib))),
            Err(err) => loader_message(err),
        };
        // glibc says "/path/libc.so: invalid ELF header" for an ld script.
        if let Some(path) = first
            .strip_prefix('/')
            .and_then(|_| first.split(':').next())
        {
            let script = std::fs::read(path).ok();
            let target = script.and_then(|s| library_from_ld_script(&String::from_utf8_lossy(&s)));
            if let Some(target) = target {
                return match dlopen2::raw::Library::open_with_flags(&target, flags) {
                    Ok(lib) => Ok(Library::with_source(name, SymbolSource::Loaded(lib))),
                    Err(err) => Err(LibraryError::LoadFailed {
                        library: file,
                        message: loader_message(err),
                    }),
                };
            }
        }
        Err(LibraryError::LoadFailed {
            library: file,
            message: first,
        })
    }

    fn with_source(name: &str, source: SymbolSource) -> Library {
        Library {
            inner: Arc::new(LibraryInner {
                name: name.to_string(),
                source,
                cache: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The name the library was loaded by (`"C"` for the process namespace).
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Whether this is the process namespace.
    pub fn is_process(&self) -> bool {
        matches!(self.inner.source, SymbolSource::Process { .. })
    }

    /// Whether two handles refer to the same opened namespace.
    pub fn same_as(&self, other: &Library) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// How many handles refer to this namespace (the library closes when it reaches 0).
    pub fn handle_count(&self) -> usize {
        Arc::strong_count(&self.inner)
    }

    /// The address of a declared symbol: `asm_name` (from `__asm__("...")`) when given,
    /// else the C name. Cached per namespace.
    pub fn address_of(
        &self,
        c_name: &str,
        asm_name: Option<&str>,
    ) -> Result<SymbolAddress, LibraryError> {
        self.symbol(asm_name.unwrap_or(c_name))
    }

    /// The address of the symbol `name` as the linker spells it. Cached per namespace.
    pub fn symbol(&self, name: &str) -> Result<SymbolAddress, LibraryError> {
        let mut cache = self
            .inner
            .cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(&address) = cache.get(name) {
            return Ok(address);
        }
        let address = self.resolve(name)?;
        cache.insert(name.to_string(), address);
        Ok(address)
    }

    fn resolve(&self, name: &str) -> Result<SymbolAddress, LibraryError> {
        let undefined = |message: Option<String>| LibraryError::UndefinedSymbol {
            symbol: name.to_string(),
            message,
        };
        let c_name = CString::new(name).map_err(|_| undefined(None))?;
        match &self.inner.source {
            SymbolSource::Loaded(lib) => lookup_in(lib, &c_name).map_err(undefined),
            SymbolSource::Process { libm } => {
                let message = match lookup_process(&c_name) {
                    Ok(address) => return Ok(address),
                    Err(message) => message,
                };
                let libm = libm.get_or_init(|| {
                    LIBM_FILE.and_then(|file| dlopen2::raw::Library::open(file).ok())
                });
                libm.as_ref()
                    .and_then(|lib| lookup_in(lib, &c_name).ok())
                    .ok_or_else(|| undefined(message))
            }
        }
    }
}

impl fmt::Debug for Library {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Library({:?})", self.inner.name)
    }
}

/// The address of `name` in `lib`, or the loader's message.
fn lookup_in(lib: &dlopen2::raw::Library, name: &CStr) -> Result<SymbolAddress, Option<String>> {
    // SAFETY: we ask for the raw address only (a pointer-sized `*mut c_void`); nothing is
    // called or read through it here.
    let raw: Result<*mut c_void, _> = unsafe { lib.symbol_cstr(name) };
    match raw {
        Ok(address) => NonNull::new(address).map(SymbolAddress).ok_or(None),
        Err(err) => Err(Some(loader_message(err))),
    }
}

/// The address of `name` in the process (`RTLD_DEFAULT`). The loader's message would
/// name this module (the caller of `dlsym`), so none is given.
#[cfg(unix)]
fn lookup_process(name: &CStr) -> Result<SymbolAddress, Option<String>> {
    // SAFETY: `RTLD_DEFAULT` is a valid pseudo-handle for dlsym and `name` is a valid
    // NUL-terminated string; only the address is taken.
    let raw = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
    NonNull::new(raw).map(SymbolAddress).ok_or(None)
}

#[cfg(not(any(unix, windows)))]
fn lookup_process(name: &CStr) -> Result<SymbolAddress, Option<String>> {
    let me = dlopen2::raw::Library::open_self().map_err(|e| Some(loader_message(e)))?;
    lookup_in(&me, name)
}

/// The address of `name` in the process, as LuaJIT's `ffi.C` on Windows: the executable
/// first, then every other module loaded now (the C runtime, `kernel32.dll`, `luau.dll`,
/// libraries opened by `ffi.load`), in the loader's order (`EnumProcessModules`).
#[cfg(windows)]
fn lookup_process(name: &CStr) -> Result<SymbolAddress, Option<String>> {
    windows::process_modules()
        .into_iter()
        .find_map(|module| windows::proc_address(module, name))
        .ok_or(None)
}

/// The few kernel32 calls the process namespace needs (`K32EnumProcessModules` is
/// psapi's `EnumProcessModules`, exported by kernel32 itself since Windows 7).
#[cfg(windows)]
mod windows {
    use super::SymbolAddress;
    use std::ffi::{c_char, c_void, CStr};
    use std::ptr::NonNull;

    type Handle = *mut c_void;

    #[link(name = "kernel32")]
    extern "system" {
        fn GetCurrentProcess() -> Handle;
        fn K32EnumProcessModules(
            process: Handle,
            modules: *mut Handle,
            cb: u32,
            needed: *mut u32,
        ) -> i32;
        fn GetProcAddress(module: Handle, name: *const c_char) -> *mut c_void;
    }

    /// Every module of the process, the executable first.
    pub(super) fn process_modules() -> Vec<Handle> {
        let mut modules: Vec<Handle> = vec![std::ptr::null_mut(); 256];
        loop {
            let bytes = (modules.len() * std::mem::size_of::<Handle>()) as u32;
            let mut needed = 0u32;
            // SAFETY: the buffer holds `bytes` bytes of handles; the pseudo-handle of
            // the current process is always valid.
            let ok = unsafe {
                K32EnumProcessModules(
                    GetCurrentProcess(),
                    modules.as_mut_ptr(),
                    bytes,
                    &mut needed,
                )
            };
            if ok == 0 {
                return Vec::new();
            }
            let count = needed as usize / std::mem::size_of::<Handle>();
            if needed <= bytes {
                modules.truncate(count);
                return modules;
            }
            modules.resize(count, std::ptr::null_mut());
        }
    }

    /// The address `name` has in `module`, if it exports it.
    pub(super) fn proc_address(module: Handle, name: &CStr) -> Option<SymbolAddress> {
        // SAFETY: `module` came from EnumProcessModules just now (a module unloaded since
        // makes GetProcAddress fail, not crash); `name` is a C string. Only the address is
        // taken.
        let raw = unsafe { GetProcAddress(module, name.as_ptr()) };
        NonNull::new(raw).map(SymbolAddress)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(windows)]
    fn file_names_follow_luajit() {
        let cases = [
            ("kernel32", "kernel32.dll"),
            ("msvcrt.dll", "msvcrt.dll"),
            ("z.so.1", "z.so.1"),
            ("C:\\lib\\zlib1", "C:\\lib\\zlib1.dll"),
            ("./fixture", "./fixture.dll"),
        ];
        for (name, file) in cases {
            assert_eq!(library_file_name(name), file, "{name}");
        }
    }

    #[test]
    #[cfg(not(windows))]
    fn file_names_follow_luajit() {
        let cases = [
            ("z", "libz.so"),
            ("libz", "libz.so"),
            ("z.so.1", "libz.so.1"),
            ("libz.so.1", "libz.so.1"),
            ("./z", "./z"),
            ("/usr/lib/libz.so", "/usr/lib/libz.so"),
            ("sqlite3", "libsqlite3.so"),
        ];
        for (name, file) in cases {
            assert_eq!(library_file_name(name), file, "{name}");
        }
    }

    #[test]
    fn ld_scripts_name_their_library() {
        let glibc = "/* GNU ld script\n   Use the shared library.  */\nOUTPUT_FORMAT(elf64-x86-64)\nGROUP ( /lib/x86_64-linux-gnu/libc.so.6 /usr/lib/x86_64-linux-gnu/libc_nonshared.a  AS_NEEDED ( /lib64/ld-linux-x86-64.so.2 ) )\n";
        assert_eq!(
            library_from_ld_script(glibc).as_deref(),
            Some("/lib/x86_64-linux-gnu/libc.so.6")
        );
        assert_eq!(
            library_from_ld_script("INPUT(libncursesw.so.6 -ltinfo)\n").as_deref(),
            Some("libncursesw.so.6")
        );
        assert_eq!(library_from_ld_script("\x7fELF..."), None);
    }
}
