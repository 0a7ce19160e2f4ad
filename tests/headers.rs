//! Real system headers, preprocessed by `cc -E -P` at -O0 and at -O2 (glibc declares
//! other inline variants under `__OPTIMIZE__`), go through `cdef` unchanged; then every
//! struct/union they declare must have the size, alignment and member offsets the C
//! compiler gives it. A missing header or pkg-config module fails the test (CI installs
//! the Debian packages named in the table).

mod common;

use common::{c_compiler, run_target, temp_dir};
use luau_ffi::cdecl;
use luau_ffi::ctype::{CTypeId, Registry, Symbol, TagKind};
use std::fmt::Write;
use std::process::Command;
use std::sync::Mutex;

/// One row: the headers to include (in order), extra C flags, pkg-config modules whose
/// `--cflags` are needed, and the Debian package that installs them.
struct Header {
    includes: &'static [&'static str],
    flags: &'static [&'static str],
    pkg_config: &'static [&'static str],
    package: &'static str,
}

const fn h(include: &'static [&'static str], package: &'static str) -> Header {
    Header {
        includes: include,
        flags: &[],
        pkg_config: &[],
        package,
    }
}

const GNU: &[&str] = &["-D_GNU_SOURCE"];

const HEADERS: &[Header] = &[
    // libc (libc6-dev)
    h(&["stdio.h"], "libc6-dev"),
    Header {
        flags: GNU,
        ..h(&["stdlib.h"], "libc6-dev")
    },
    h(&["stdlib.h"], "libc6-dev"),
    h(&["string.h"], "libc6-dev"),
    h(&["time.h"], "libc6-dev"),
    Header {
        flags: GNU,
        ..h(&["math.h"], "libc6-dev")
    },
    h(&["math.h"], "libc6-dev"),
    h(&["regex.h"], "libc6-dev"),
    h(&["threads.h"], "libc6-dev"),
    h(&["stdatomic.h"], "libc6-dev"),
    h(&["complex.h"], "libc6-dev"),
    h(&["signal.h"], "libc6-dev"),
    Header {
        flags: GNU,
        ..h(&["signal.h"], "libc6-dev")
    },
    h(&["pthread.h"], "libc6-dev"),
    Header {
        flags: GNU,
        ..h(&["sched.h"], "libc6-dev")
    },
    Header {
        flags: GNU,
        ..h(&["link.h"], "libc6-dev")
    },
    h(&["elf.h"], "libc6-dev"),
    Header {
        flags: GNU,
        ..h(&["ucontext.h"], "libc6-dev")
    },
    h(&["sys/stat.h"], "libc6-dev"),
    Header {
        flags: GNU,
        ..h(&["fcntl.h"], "libc6-dev")
    },
    Header {
        flags: GNU,
        ..h(&["unistd.h"], "libc6-dev")
    },
    h(&["dirent.h"], "libc6-dev"),
    h(&["dlfcn.h"], "libc6-dev"),
    Header {
        flags: GNU,
        ..h(
            &["sys/socket.h", "netinet/in.h", "arpa/inet.h", "netdb.h"],
            "libc6-dev",
        )
    },
    h(
        &[
            "poll.h",
            "sys/epoll.h",
            "sys/eventfd.h",
            "sys/timerfd.h",
            "sys/signalfd.h",
        ],
        "libc6-dev",
    ),
    h(
        &["sys/mman.h", "sys/uio.h", "sys/wait.h", "sys/resource.h"],
        "libc6-dev",
    ),
    h(&["termios.h", "sys/ioctl.h"], "libc6-dev"),
    h(
        &["locale.h", "wchar.h", "wctype.h", "iconv.h", "langinfo.h"],
        "libc6-dev",
    ),
    h(&["glob.h", "fnmatch.h", "wordexp.h"], "libc6-dev"),
    h(&["spawn.h", "semaphore.h", "setjmp.h"], "libc6-dev"),
    h(
        &[
            "sys/time.h",
            "sys/utsname.h",
            "sys/statvfs.h",
            "sys/xattr.h",
        ],
        "libc6-dev",
    ),
    h(&["ifaddrs.h", "net/if.h", "sys/un.h"], "libc6-dev"),
    h(&["pwd.h", "grp.h", "shadow.h", "utmp.h"], "libc6-dev"),
    h(
        &["search.h", "inttypes.h", "fenv.h", "syslog.h"],
        "libc6-dev",
    ),
    h(
        &["sys/inotify.h", "sys/sysinfo.h", "sys/random.h"],
        "libc6-dev",
    ),
    Header {
        flags: GNU,
        ..h(
            &["aio.h", "mqueue.h", "sys/shm.h", "sys/msg.h", "sys/sem.h"],
            "libc6-dev",
        )
    },
    // Linux uapi (linux-libc-dev)
    h(&["linux/input.h"], "linux-libc-dev"),
    h(&["linux/perf_event.h"], "linux-libc-dev"),
    h(&["linux/bpf.h"], "linux-libc-dev"),
    h(&["linux/io_uring.h"], "linux-libc-dev"),
    h(&["sys/time.h", "linux/videodev2.h"], "linux-libc-dev"),
    h(&["linux/netlink.h", "linux/rtnetlink.h"], "linux-libc-dev"),
    h(&["linux/seccomp.h", "linux/filter.h"], "linux-libc-dev"),
    h(&["linux/uinput.h"], "linux-libc-dev"),
    h(&["linux/fs.h"], "linux-libc-dev"),
    h(&["linux/can.h", "linux/can/raw.h"], "linux-libc-dev"),
    h(&["linux/if_packet.h", "linux/if_ether.h"], "linux-libc-dev"),
    // Libraries
    h(&["zlib.h"], "zlib1g-dev"),
    h(&["sqlite3.h"], "libsqlite3-dev"),
    h(&["openssl/evp.h"], "libssl-dev"),
    h(&["openssl/sha.h"], "libssl-dev"),
    h(&["openssl/ssl.h"], "libssl-dev"),
    h(&["sodium.h"], "libsodium-dev"),
    h(&["curl/curl.h"], "libcurl4-openssl-dev"),
    h(&["uv.h"], "libuv1-dev"),
    h(
        &[
            "event2/event.h",
            "event2/buffer.h",
            "event2/bufferevent.h",
            "event2/http.h",
        ],
        "libevent-dev",
    ),
    Header {
        pkg_config: &["libpq"],
        ..h(&["libpq-fe.h"], "libpq-dev")
    },
    h(&["zstd.h"], "libzstd-dev"),
    h(&["lzma.h"], "liblzma-dev"),
    h(&["archive.h", "archive_entry.h"], "libarchive-dev"),
    Header {
        flags: &["-DPCRE2_CODE_UNIT_WIDTH=8"],
        ..h(&["pcre2.h"], "libpcre2-dev")
    },
    // Graphics and GUI
    Header {
        pkg_config: &["sdl2"],
        ..h(&["SDL.h"], "libsdl2-dev")
    },
    h(&["X11/Xlib.h", "X11/Xutil.h"], "libx11-dev"),
    h(&["vulkan/vulkan.h"], "libvulkan-dev"),
    h(&["GLFW/glfw3.h"], "libglfw3-dev"),
    Header {
        pkg_config: &["cairo"],
        ..h(&["cairo.h"], "libcairo2-dev")
    },
    Header {
        pkg_config: &["freetype2"],
        ..h(&["ft2build.h", "freetype/freetype.h"], "libfreetype-dev")
    },
    Header {
        pkg_config: &["glib-2.0"],
        ..h(&["glib.h"], "libglib2.0-dev")
    },
    Header {
        pkg_config: &["gobject-2.0"],
        ..h(&["glib-object.h"], "libglib2.0-dev")
    },
    Header {
        pkg_config: &["gio-2.0"],
        ..h(&["gio/gio.h"], "libglib2.0-dev")
    },
    Header {
        pkg_config: &["gtk+-3.0"],
        ..h(&["gtk/gtk.h"], "libgtk-3-dev")
    },
];

impl Header {
    fn name(&self) -> String {
        let mut name = self.includes.join(" ");
        for f in self.flags {
            write!(name, " {f}").unwrap();
        }
        name
    }

    /// The C flags: the row's own and its pkg-config modules'.
    fn cflags(&self) -> Result<Vec<String>, String> {
        let mut flags: Vec<String> = self.flags.iter().map(|f| f.to_string()).collect();
        if !self.pkg_config.is_empty() {
            let out = Command::new("pkg-config")
                .arg("--cflags")
                .args(self.pkg_config)
                .output()
                .map_err(|e| format!("pkg-config: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "pkg-config {:?} failed (is {} installed?): {}",
                    self.pkg_config,
                    self.package,
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            flags.extend(text.split_whitespace().map(str::to_string));
        }
        Ok(flags)
    }

    fn source(&self) -> String {
        self.includes
            .iter()
            .map(|i| format!("#include <{i}>\n"))
            .collect()
    }
}

/// Runs `cc` with `args` on `source` (written to `file` in a fresh directory); returns
/// stdout, or the diagnostics.
fn cc(
    tag: &str,
    file: &str,
    source: &str,
    args: &[String],
) -> Result<(String, std::path::PathBuf), String> {
    let dir = temp_dir(tag);
    let path = dir.join(file);
    std::fs::write(&path, source).expect("write C file");
    let out = c_compiler()
        .args(args)
        .arg(&path)
        .current_dir(&dir)
        .output()
        .map_err(|e| format!("cc: {e}"))?;
    if !out.status.success() {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok((String::from_utf8_lossy(&out.stdout).into_owned(), dir))
}

/// `cc -E -P -O<level>` of the row's includes.
fn preprocess(header: &Header, flags: &[String], level: &str) -> Result<String, String> {
    let mut args = vec!["-E".to_string(), "-P".to_string(), format!("-O{level}")];
    args.extend(flags.iter().cloned());
    let (text, dir) = cc("hdr-pp", "inc.c", &header.source(), &args).map_err(|e| {
        format!(
            "<{}>: missing (install {}): {e}",
            header.name(),
            header.package
        )
    })?;
    let _ = std::fs::remove_dir_all(dir);
    Ok(text)
}

/// The C spelling under which the probe program can name each complete record.
fn record_spellings(reg: &Registry) -> Vec<(String, CTypeId)> {
    let mut out = Vec::new();
    for (name, id) in reg.tags() {
        if let Some(def) = reg.record(id) {
            if def.complete {
                let kw = if def.kind == TagKind::Union {
                    "union"
                } else {
                    "struct"
                };
                out.push((format!("{kw} {name}"), id));
            }
        }
    }
    for (name, symbol) in reg.symbols() {
        if let Symbol::Typedef(id) = symbol {
            if let Some(def) = reg.record(*id) {
                if def.complete && def.name.is_none() {
                    out.push((name.to_string(), *id));
                }
            }
        }
    }
    out.sort();
    out
}

/// `cdef` of preprocessed text, the error with the lines around it on failure.
fn cdef(name: &str, level: &str, text: &str) -> Result<Registry, String> {
    let mut reg = Registry::new();
    cdecl::cdef(&mut reg, text, &[]).map_err(|e| {
        let line = match &e {
            luau_ffi::error::Error::Parse { line, .. } => *line as usize,
            _ => 0,
        };
        let context: Vec<&str> = text.lines().skip(line.saturating_sub(3)).take(5).collect();
        format!(
            "<{name}> -O{level}: cdef failed: {e}\n{}",
            context.join("\n")
        )
    })?;
    Ok(reg)
}

/// The probe program printing cc's size, alignment and member offsets of `records`.
fn probe_source(header: &Header, reg: &Registry, records: &[(String, CTypeId)]) -> String {
    let mut c = header.source();
    c.push_str("#include <stdio.h>\n#include <stddef.h>\nint main(void) {\n");
    for (i, (spelling, id)) in records.iter().enumerate() {
        writeln!(
            c,
            "printf(\"R {i} %zu %zu\\n\", sizeof({spelling}), _Alignof({spelling}));"
        )
        .unwrap();
        for field in &reg.record(*id).unwrap().fields {
            if let (Some(name), None) = (&field.name, field.bit) {
                writeln!(
                    c,
                    "printf(\"F {i} {name} %zu\\n\", offsetof({spelling}, {name}));"
                )
                .unwrap();
            }
        }
    }
    c.push_str("return 0;\n}\n");
    c
}

/// Differences between cc's answers (`output`) and the registry's.
fn compare(name: &str, reg: &Registry, records: &[(String, CTypeId)], output: &str) -> Vec<String> {
    let mut mismatches = Vec::new();
    for line in output.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        let i: usize = parts[1].parse().unwrap();
        let (spelling, id) = &records[i];
        if parts[0] == "R" {
            let want = (parts[2].parse::<u64>().ok(), parts[3].parse::<u32>().ok());
            let got = (reg.size_of(*id), reg.align_of(*id));
            if got != want {
                mismatches.push(format!(
                    "<{name}> {spelling}: cc {want:?}, registry {got:?}"
                ));
            }
        } else {
            let want = parts[3].parse::<u64>().ok();
            let got = reg.field(*id, parts[2]).map(|f| f.offset);
            if got != want {
                mismatches.push(format!(
                    "<{name}> {spelling}.{}: cc {want:?}, registry {got:?}",
                    parts[2]
                ));
            }
        }
    }
    mismatches
}

/// One row: both preprocessings cdef'd, the -O0 registry's records checked with cc.
fn check_header(header: &Header) -> Result<usize, Vec<String>> {
    let name = header.name();
    let flags = header.cflags().map_err(|e| vec![e])?;
    let mut reg = None;
    for level in ["0", "2"] {
        let text = preprocess(header, &flags, level).map_err(|e| vec![e])?;
        let r = cdef(&name, level, &text).map_err(|e| vec![e])?;
        reg.get_or_insert(r);
    }
    let reg = reg.unwrap();
    let records = record_spellings(&reg);
    let mut args: Vec<String> = ["-std=gnu11", "-w", "-O0", "-o", "probe"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(flags);
    let source = probe_source(header, &reg, &records);
    let (_, dir) = cc("hdr-probe", "probe.c", &source, &args)
        .map_err(|e| vec![format!("<{name}>: probe does not compile: {e}")])?;
    let run = run_target(&dir.join("probe")).output().expect("run probe");
    let _ = std::fs::remove_dir_all(&dir);
    let output = String::from_utf8_lossy(&run.stdout);
    let mismatches = compare(&name, &reg, &records, &output);
    if mismatches.is_empty() {
        Ok(records.len())
    } else {
        Err(mismatches)
    }
}

/// The packages whose headers a cross build can check: libc and the kernel's (the cross
/// toolchain's), and the three libraries `.ci/install-aarch64` installs for the target.
/// The others' configuration headers and pkg-config flags are the build machine's, so
/// under `FFI_TEST_CC` only these rows run.
const CROSS_PACKAGES: &[&str] = &[
    "libc6-dev",
    "linux-libc-dev",
    "zlib1g-dev",
    "libsqlite3-dev",
    "libssl-dev",
];

/// The rows this run checks: all of them natively, the cross-checkable ones in a cross build.
fn rows() -> Vec<&'static Header> {
    let cross = std::env::var_os("FFI_TEST_CC").is_some();
    HEADERS
        .iter()
        .filter(|h| !cross || (h.pkg_config.is_empty() && CROSS_PACKAGES.contains(&h.package)))
        .collect()
}

#[test]
fn system_headers_parse_and_lay_out_as_cc() {
    let all: usize = HEADERS.iter().map(|h| h.includes.len()).sum();
    assert!(all >= 60, "{all} headers");
    let rows = rows();
    let headers: usize = rows.iter().map(|h| h.includes.len()).sum();
    let next = Mutex::new(0usize);
    let failures = Mutex::new(Vec::new());
    let records = Mutex::new(0usize);
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(4);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = {
                    let mut n = next.lock().unwrap();
                    *n += 1;
                    *n - 1
                };
                let Some(header) = rows.get(i) else {
                    return;
                };
                match check_header(header) {
                    Ok(n) => *records.lock().unwrap() += n,
                    Err(e) => failures.lock().unwrap().extend(e),
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    println!(
        "{} rows, {headers} headers, {} records checked",
        rows.len(),
        records.into_inner().unwrap()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn line_markers_name_the_header_in_errors() {
    // `cc -E` without -P keeps `# N "file"` markers: an error in an included header is
    // reported at that header's file and line, not at the line of the big text.
    let dir = temp_dir("hdr-marks");
    std::fs::write(dir.join("bad.h"), "int fine;\n\nint y z;\n").unwrap();
    let main = "#include <zlib.h>\n#include \"bad.h\"\n";
    let (text, out_dir) = cc(
        "hdr-marks-pp",
        "main.c",
        main,
        &["-E".into(), "-I".into(), dir.display().to_string()],
    )
    .expect("cc -E");
    let _ = std::fs::remove_dir_all(out_dir);
    let mut reg = Registry::new();
    let err = cdecl::cdef(&mut reg, &text, &[]).unwrap_err().to_string();
    let want = format!("';' expected near 'z' at {}:3", dir.join("bad.h").display());
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(err, want);
}
