//! `luau-ffi port in.lua [-o out.luau] [--ffi NAME]`: LuaJIT FFI code to Luau.
//!
//! Parses the input as LuaJIT with full_moon, rewrites it with a syntax-tree walk
//! (`rewrite.rs`) that keeps comments and layout, prints what it cannot decide as
//! `file:line: message` on stderr, and checks that the output compiles as Luau.

mod cdecl;
mod goto;
mod literal;
mod rewrite;
mod syntax;

use std::collections::HashSet;
use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use full_moon::ast::{Ast, Call, FunctionCall, LocalAssignment, Stmt, Suffix};
use full_moon::visitors::{Visitor, VisitorMut};
use full_moon::LuaVersion;

use rewrite::{required_by, string_value, Porter};
use syntax::{
    dot_name, line_of, name_of, prefix_name, statement, string_argument, string_of, symbol,
};

const USAGE: &str = "usage: luau-ffi port IN.lua [-o OUT.luau] [--ffi NAME]

Rewrites LuaJIT FFI code for Luau and luau-ffi: require \"ffi\" -> require \"NAME\"
(default ffi), require \"bit\" -> ffi.bit, tonumber -> ffi.tonumber, 123LL/0x1ULL/12i ->
exact ffi.new constructors. Writes OUT (default: stdout); prints what needs a manual
look as IN:LINE: message on stderr. Exit status 1 if the input does not parse or the
output does not compile as Luau (it is still written).";

/// A line of the input and what to say about it.
pub struct Note {
    pub line: usize,
    pub message: String,
}

struct Options {
    input: OsString,
    output: Option<OsString>,
    module: String,
}

/// Runs the subcommand with the arguments after `port`.
pub fn main(args: Vec<OsString>) -> ExitCode {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        // A closed stdout (`| head`) is not an error worth a panic.
        let _ = writeln!(std::io::stdout(), "{USAGE}");
        return ExitCode::SUCCESS;
    }
    let options = match parse_options(args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("luau-ffi port: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("luau-ffi port: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse_options(args: Vec<OsString>) -> Result<Options, String> {
    let mut input = None;
    let mut output = None;
    let mut module = "ffi".to_string();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("-o") => output = Some(args.next().ok_or("-o needs a file name")?),
            Some("--ffi") => {
                let name = args.next().ok_or("--ffi needs a module name")?;
                module = name.into_string().map_err(|_| "--ffi: not UTF-8")?;
                if module.is_empty() || module.contains(['"', '\\', '\n', '\r']) {
                    return Err(format!("--ffi: not a module name: {module:?}"));
                }
            }
            _ if input.is_none() => input = Some(arg),
            _ => return Err(format!("unexpected argument {}", arg.to_string_lossy())),
        }
    }
    let input = input.ok_or("no input file")?;
    Ok(Options {
        input,
        output,
        module,
    })
}

/// Ports one file; `Ok(false)` when the output is wrong (reported).
fn run(options: &Options) -> Result<bool, String> {
    let name = options.input.to_string_lossy().into_owned();
    let source =
        std::fs::read_to_string(&options.input).map_err(|e| format!("cannot read {name}: {e}"))?;
    let ast = match full_moon::parse_fallible(&source, LuaVersion::luajit()).into_result() {
        Ok(ast) => ast,
        Err(errors) => {
            if let Some(e) = errors.first() {
                eprintln!("{name}:{}: {}", e.range().0.line(), e.error_message());
            }
            return Ok(false);
        }
    };
    let (output, notes, errors) = port(ast, &options.module);
    for note in &notes {
        eprintln!("{name}:{}: {}", note.line, note.message);
    }
    for error in &errors {
        eprintln!("{name}:{}: error: {}", error.line, error.message);
    }
    let out_name = options
        .output
        .as_ref()
        .map_or("<stdout>".to_string(), |o| o.to_string_lossy().into_owned());
    let compiles = check_luau(&output, &out_name);
    match &options.output {
        Some(path) => {
            std::fs::write(path, &output).map_err(|e| format!("cannot write {out_name}: {e}"))?
        }
        None => std::io::stdout()
            .write_all(output.as_bytes())
            .map_err(|e| format!("cannot write the output: {e}"))?,
    }
    Ok(errors.is_empty() && compiles)
}

/// Rewrites `ast`; the Luau text, the notes and the errors.
fn port(ast: Ast, module: &str) -> (String, Vec<Note>, Vec<Note>) {
    let mut first = FirstPass::default();
    first.visit_ast(&ast);
    let binding = top_level_binding(&ast);
    let ffi = binding
        .as_ref()
        .map_or("ffi", |(n, _)| n.as_str())
        .to_string();
    let mut names = first.ffi_names;
    names.insert(ffi.clone());
    let mut porter = Porter::new(module, &ffi, names, first.cdefs);
    let ast = porter.visit_ast(ast);
    let bound_before = |use_line: usize| binding.as_ref().is_some_and(|(_, l)| *l < use_line);
    let ast = match porter.first_ffi_use {
        Some(line) if !bound_before(line) => insert_binding(ast, &ffi, module),
        _ => ast,
    };
    let mut notes = porter.notes;
    notes.sort_by_key(|n| n.line);
    (ast.to_string(), notes, porter.errors)
}

/// The name and line of the first top-level `local x = require "ffi"`.
fn top_level_binding(ast: &Ast) -> Option<(String, usize)> {
    ast.nodes().stmts().find_map(|stmt| {
        let Stmt::LocalAssignment(local) = stmt else {
            return None;
        };
        let (name, value) = (
            local.names().iter().next()?,
            local.expressions().iter().next()?,
        );
        (required_by(value) == Some("ffi"))
            .then(|| Some((name_of(name)?.to_string(), line_of(local.local_token()))))
            .flatten()
    })
}

/// `local ffi = require("ffi"); ` before the first statement, on its line.
fn insert_binding(ast: Ast, ffi: &str, module: &str) -> Ast {
    let binding = statement(&format!("local {ffi} = require(\"{module}\")"));
    let block = ast.nodes().clone();
    let mut stmts = vec![(binding, Some(symbol(";", " ")))];
    stmts.extend(block.stmts_with_semicolon().cloned());
    ast.with_nodes(block.with_stmts(stmts))
}

/// Whether `output` compiles as Luau (full_moon's Luau grammar, then Luau's own compiler).
fn check_luau(output: &str, name: &str) -> bool {
    if let Err(errors) = full_moon::parse_fallible(output, LuaVersion::luau()).into_result() {
        if let Some(e) = errors.first() {
            eprintln!(
                "{name}:{}: not Luau: {}",
                e.range().0.line(),
                e.error_message()
            );
        }
        return false;
    }
    let lua = mlua::Lua::new();
    match lua
        .load(output)
        .set_name(format!("={name}"))
        .into_function()
    {
        Ok(_) => true,
        Err(e) => {
            eprintln!("{name}: not Luau: {e}");
            false
        }
    }
}

/// The first pass: names bound to `require "ffi"` and the text of `ffi.cdef` strings.
#[derive(Default)]
struct FirstPass {
    ffi_names: HashSet<String>,
    cdefs: Vec<String>,
}

impl Visitor for FirstPass {
    fn visit_local_assignment(&mut self, node: &LocalAssignment) {
        for (name, value) in node.names().iter().zip(node.expressions().iter()) {
            if let (Some(name), Some("ffi")) = (name_of(name), required_by(value)) {
                self.ffi_names.insert(name.to_string());
            }
        }
    }

    fn visit_function_call(&mut self, node: &FunctionCall) {
        let is_ffi = prefix_name(node.prefix()).is_some_and(|n| self.ffi_names.contains(n));
        let mut suffixes = node.suffixes();
        if !is_ffi || dot_name(suffixes.next()) != Some("cdef") {
            return;
        }
        let argument = suffixes.next();
        let text = string_argument(argument)
            .and_then(string_of)
            .or_else(|| match argument {
                Some(Suffix::Call(Call::AnonymousCall(args))) => match args.as_ref() {
                    full_moon::ast::FunctionArgs::Parentheses { arguments, .. } => {
                        arguments.iter().next().and_then(string_value)
                    }
                    _ => None,
                },
                _ => None,
            });
        if let Some(text) = text {
            self.cdefs.push(text.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use full_moon::LuaVersion;

    /// Ports `source`; the output and the lines of the notes.
    fn port(source: &str) -> (String, Vec<usize>) {
        let ast = full_moon::parse_fallible(source, LuaVersion::luajit())
            .into_result()
            .expect("test input parses");
        let (output, notes, errors) = super::port(ast, "ffi");
        assert!(errors.is_empty(), "{source}");
        (output, notes.iter().map(|n| n.line).collect())
    }

    #[test]
    fn rewrites() {
        let ffi = "local ffi = require('ffi')\n";
        let rows: &[(&str, &str)] = &[
            // require forms keep their quotes and spacing
            ("local f = require 'ffi'", "local f = require 'ffi'"),
            ("local f = require [[ffi]]", "local f = require [[ffi]]"),
            // tonumber: the global, not a local, a field or a method
            (
                "print(tonumber(x))",
                "local ffi = require(\"ffi\"); print(ffi.tonumber(x))",
            ),
            (
                "local function f(tonumber) return tonumber(1) end",
                "local function f(tonumber) return tonumber(1) end",
            ),
            ("x.tonumber(1) y:tonumber()", "x.tonumber(1) y:tonumber()"),
            ("local t = {tonumber = 1}", "local t = {tonumber = 1}"),
            // strings and comments are not code
            (
                "print('123LL require \"bit\"') -- 1LL tonumber",
                "print('123LL require \"bit\"') -- 1LL tonumber",
            ),
            // bit, with and without a binding before it
            (
                "local bit = require 'bit' -- ops",
                "local ffi = require(\"ffi\"); local bit = ffi.bit -- ops",
            ),
        ];
        for (input, want) in rows {
            assert_eq!(port(input).0, *want, "{input}");
        }
        let bound = [
            ("local bit = require('bit')\n", "local bit = ffi.bit\n"),
            (
                "print(tonumber(1LL))\n",
                "print(ffi.tonumber(ffi.new(\"int64_t\", 1)))\n",
            ),
        ];
        for (input, want) in bound {
            assert_eq!(
                port(&format!("{ffi}{input}")).0,
                format!("{ffi}{want}"),
                "{input}"
            );
        }
    }

    #[test]
    fn notes() {
        let head =
            "local ffi = require('ffi')\nffi.cdef[[int f(void); long g(void);]]\nlocal C = ffi.C\n";
        let rows: &[(&str, &[usize])] = &[
            ("if C.f() == 0 then end", &[]),
            ("if C.g() == 0 then end", &[4]),
            ("if 0 ~= C.g() then end", &[4]),
            ("local n = C.g()\nn = 1\nif n == 0 then end", &[]),
            ("local n = C.g()\nif n + 1 < 3 then end", &[5]),
            ("if ffi.new('int64_t', 1) == 1 then end", &[4]),
            ("local io = {}\nio.write('x')", &[]),
            ("print(os.time(), os.date(), os.getenv('X'))", &[]),
            ("os.remove('x')\nio.lines('x')", &[4, 5]),
            ("local x = ffi.abi('le') and jit.arch", &[4, 4]),
            ("while true do\n goto out\nend\n::out::", &[5, 7]),
        ];
        for (input, want) in rows {
            assert_eq!(port(&format!("{head}{input}")).1, *want, "{input}");
        }
    }
}
