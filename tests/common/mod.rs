//! Shared helpers of the integration tests: compile and run C programs with `cc`.
//!
//! Cross builds (`make test-aarch64`) name the target's C compiler in `FFI_TEST_CC` and
//! the program that runs the target's executables (qemu-user) in `FFI_TEST_RUNNER`, so
//! layout is always compared with the compiler of the target the tests run on.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The C compiler of the target: `FFI_TEST_CC`, else `cc`.
pub fn c_compiler() -> Command {
    Command::new(std::env::var("FFI_TEST_CC").unwrap_or_else(|_| "cc".into()))
}

/// A command running the target executable `exe`: under `FFI_TEST_RUNNER` when set.
pub fn run_target(exe: &Path) -> Command {
    match std::env::var("FFI_TEST_RUNNER") {
        Ok(runner) if !runner.is_empty() => {
            let mut words = runner.split_whitespace();
            let mut command = Command::new(words.next().expect("a runner"));
            command.args(words).arg(exe);
            command
        }
        _ => Command::new(exe),
    }
}

/// A fresh temporary directory for one test's C files.
pub fn temp_dir(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("luau-ffi-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Compiles `source` with `cc` and returns the program's stdout. Panics with the
/// compiler's diagnostics on failure.
pub fn compile_and_run(tag: &str, source: &str) -> String {
    let dir = temp_dir(tag);
    let c_file = dir.join("probe.c");
    let exe = dir.join("probe");
    std::fs::write(&c_file, source).expect("write C file");
    let out = c_compiler()
        .args(["-std=gnu11", "-w", "-O0", "-o"])
        .arg(&exe)
        .arg(&c_file)
        .output()
        .expect("run cc (is a C compiler installed?)");
    assert!(
        out.status.success(),
        "cc failed on {}:\n{}",
        c_file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let run = run_target(&exe).output().expect("run probe");
    assert!(run.status.success(), "probe failed");
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8(run.stdout).expect("utf8 output")
}

/// `cc -E -P` of `#include <header>`.
pub fn preprocess(header: &str) -> String {
    let dir = temp_dir("pp");
    let c_file = dir.join("inc.c");
    std::fs::write(&c_file, format!("#include <{header}>\n")).expect("write");
    let out = c_compiler()
        .args(["-E", "-P"])
        .arg(&c_file)
        .output()
        .expect("run cc -E");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "header <{header}> is missing: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A small deterministic PRNG (splitmix64) so the tests need no extra crates.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}
