//! What `ffi.include` does below Luau: runs the C compiler's preprocessor on a header
//! and reads its `#define`s. No Luau, no unsafe, no shell: each program runs with its
//! arguments as a list, the source is given on standard input.
//!
//! - declarations: `$CC [flags] -E -P -x c -` on `#include <header>` (or `"path"`);
//! - definitions: `$CC [flags] -dM -E -x c -` on the same line, whose object-like
//!   macros [`macros::evaluate`] turns into constants.
//!
//! `$CC` (default `cc`) may hold words (`ccache gcc`, `gcc -m32`): the first is the
//! program, the others come first among its arguments.

#![forbid(unsafe_code)]

pub mod macros;

use crate::cdecl;
use crate::error::Error;
use std::collections::HashSet;
use std::io::Write;
use std::process::{Command, Stdio};

/// What the compiler is told besides the header: flags given by the caller, and the
/// packages whose `pkg-config --cflags` are added.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub cflags: Vec<String>,
    pub pkgs: Vec<String>,
}

/// The declarations `ffi.include` has cdef'd in one Luau state, by their text with
/// white space collapsed: headers share declarations (`struct timespec`, typedefs,
/// enums) that C refuses to see defined twice, so a later header's copy of one is left
/// out of its cdef.
#[derive(Debug, Default)]
pub struct Included {
    seen: HashSet<String>,
}

/// A header's declarations less those included before, and their keys to remember
/// once the cdef succeeded.
pub struct Fresh {
    pub text: String,
    keys: Vec<String>,
}

impl Included {
    /// `declarations` (preprocessed) without the ones cdef'd by earlier includes.
    pub fn fresh(&self, declarations: &str) -> Result<Fresh, Error> {
        let mut fresh = Fresh {
            text: String::with_capacity(declarations.len()),
            keys: Vec::new(),
        };
        for (item, is_pragma) in cdecl::split_declarations(declarations)? {
            let key = item.split_whitespace().collect::<Vec<_>>().join(" ");
            if is_pragma || !self.seen.contains(&key) {
                fresh.text.push_str(item);
                fresh.text.push('\n');
                fresh.keys.push(key);
            }
        }
        Ok(fresh)
    }

    /// Records the declarations of `fresh` as cdef'd.
    pub fn remember(&mut self, fresh: Fresh) {
        self.seen.extend(fresh.keys);
    }
}

/// The line a header is included by: `#include "path"` for a path (it starts with `/`,
/// `./` or `../`), `#include <header>` otherwise. Characters that would end the line or the name are
/// refused, so a name can add nothing else to the source.
pub fn include_line(header: &str) -> Result<String, Error> {
    let bad = |c: char| c == '\n' || c == '\r' || c == '"' || c == '>' || c == '\0';
    if header.is_empty() || header.contains(bad) {
        return Err(Error::BadHeaderName {
            header: header.to_string(),
        });
    }
    let is_path = ["/", "./", "../"].iter().any(|p| header.starts_with(p));
    Ok(if is_path {
        format!("#include \"{header}\"\n")
    } else {
        format!("#include <{header}>\n")
    })
}

/// The header's declarations, preprocessed (`-E -P`).
pub fn declarations(header: &str, options: &Options) -> Result<String, Error> {
    preprocess(header, options, &["-E", "-P"])
}

/// The `#define` lines in effect after including the header (`-dM -E`).
pub fn definitions(header: &str, options: &Options) -> Result<String, Error> {
    preprocess(header, options, &["-dM", "-E"])
}

fn preprocess(header: &str, options: &Options, mode: &[&str]) -> Result<String, Error> {
    let source = include_line(header)?;
    let mut words = compiler_words();
    let program = words.remove(0);
    let mut args = words;
    for pkg in &options.pkgs {
        args.extend(pkg_cflags(header, pkg)?);
    }
    args.extend(options.cflags.iter().cloned());
    args.extend(mode.iter().map(|s| s.to_string()));
    args.extend(["-x", "c", "-"].map(String::from));
    run(header, &program, &args, &source)
}

/// `$CC` split into words, `cc` when unset or blank.
fn compiler_words() -> Vec<String> {
    let cc = std::env::var("CC").unwrap_or_default();
    let words: Vec<String> = cc.split_whitespace().map(String::from).collect();
    if words.is_empty() {
        vec!["cc".to_string()]
    } else {
        words
    }
}

/// `pkg-config --cflags <pkg>`, split into words.
fn pkg_cflags(header: &str, pkg: &str) -> Result<Vec<String>, Error> {
    let args = ["--cflags".to_string(), pkg.to_string()];
    let out = run(header, "pkg-config", &args, "")?;
    Ok(out.split_whitespace().map(String::from).collect())
}

/// Runs `program args` with `input` on standard input; its standard output, or an error
/// naming the header and quoting what the program printed on standard error.
fn run(header: &str, program: &str, args: &[String], input: &str) -> Result<String, Error> {
    let failed = |message: String| Error::IncludeFailed {
        header: header.to_string(),
        program: program.to_string(),
        message,
    };
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(e.to_string()))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A program that exits without reading its input reports why on stderr.
        let _ = stdin.write_all(input.as_bytes());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| failed(e.to_string()))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(failed(first_lines(stderr.trim(), 12)));
    }
    String::from_utf8(out.stdout).map_err(|_| failed(Error::IncludeNotUtf8.to_string()))
}

/// The first `n` lines of `text`, and `...` when there were more.
fn first_lines(text: &str, n: usize) -> String {
    let mut lines: Vec<&str> = text.lines().take(n + 1).collect();
    if lines.len() > n {
        lines[n] = "...";
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_lines() {
        let rows = [
            ("zlib.h", Some("#include <zlib.h>\n")),
            ("sys/socket.h", Some("#include <sys/socket.h>\n")),
            (
                "/usr/include/zlib.h",
                Some("#include \"/usr/include/zlib.h\"\n"),
            ),
            ("./a.h", Some("#include \"./a.h\"\n")),
            ("a.h>\n#define X", None),
            ("a\".h", None),
            ("", None),
        ];
        for (header, expected) in rows {
            assert_eq!(include_line(header).ok().as_deref(), expected, "{header:?}");
        }
    }
}
