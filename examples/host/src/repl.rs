//! `luau-ffi` with no script on a terminal (or `luau-ffi --repl`): a read-eval-print loop.
//!
//! Each line is tried as an expression (`return <line>`), then as a statement; a chunk
//! that ends too early (an open `function`, `do`, string…) keeps reading lines. Results
//! are printed as `print` would, cdata prefixed with their C type (`cdata<int64_t>: 1LL`).
//! `ffi` is preloaded as a global when the module is found.

use std::io::{BufRead, IsTerminal, Write};

use mlua::{Error, Function, Lua, MultiValue};

/// Prints results; `...` of the chunk is the `ffi` module or nil.
const SHOW: &str = r##"
local ffi = ...
return function(...)
	local n = select("#", ...)
	if n == 0 then
		return
	end
	local parts = table.create(n)
	for i = 1, n do
		local v = select(i, ...)
		local s = tostring(v)
		if ffi and type(v) == "userdata" and not string.find(s, "cdata<", 1, true) then
			local ok, ct = pcall(ffi.typeof, v)
			if ok then
				s = string.gsub(tostring(ct), "^ctype", "cdata") .. ": " .. s
			end
		end
		parts[i] = s
	end
	print(table.concat(parts, "\t"))
end
"##;

/// The name errors and tracebacks give to REPL input.
const CHUNK_NAME: &str = "=stdin";

/// Runs the loop on stdin until end of file; prompts only when stdin is a terminal.
pub fn run(lua: &Lua) -> mlua::Result<()> {
    let interactive = std::io::stdin().is_terminal();
    let ffi = preload_ffi(lua)?;
    let show: Function = lua.load(SHOW).set_name("=repl").call(ffi)?;
    if interactive {
        println!("{} (Ctrl-D to exit)", crate::version_line());
    }
    let mut stdin = std::io::stdin().lock();
    let mut chunk = String::new();
    loop {
        if interactive {
            print!("{}", if chunk.is_empty() { "> " } else { ">> " });
            let _ = std::io::stdout().flush();
        }
        let mut line = String::new();
        if stdin.read_line(&mut line).map_err(Error::external)? == 0 {
            if interactive {
                println!();
            }
            return Ok(());
        }
        chunk.push_str(&line);
        match compile(lua, &chunk) {
            Ok(None) => continue,
            Err(e) => eprintln!("{}", crate::report(&e)),
            Ok(Some(function)) => match function.call::<MultiValue>(()) {
                Ok(values) => show.call::<()>(values)?,
                Err(e) => eprintln!("{}", crate::report(&e)),
            },
        }
        chunk.clear();
    }
}

/// `require("ffi")` as the global `ffi`, if the module is found; the module or nil.
fn preload_ffi(lua: &Lua) -> mlua::Result<mlua::Value> {
    let require: Function = lua.globals().raw_get("require")?;
    match require.call::<mlua::Value>("ffi") {
        Ok(ffi) => {
            lua.globals().raw_set("ffi", ffi.clone())?;
            Ok(ffi)
        }
        Err(_) => Ok(mlua::Value::Nil),
    }
}

/// `chunk` as an expression whose values are printed, else as statements; the error is
/// the statements' and `Ok(None)` means the chunk is unfinished either way.
fn compile(lua: &Lua, chunk: &str) -> mlua::Result<Option<Function>> {
    let expression = format!("return {chunk}");
    let as_expression = lua.load(&expression).set_name(CHUNK_NAME).into_function();
    let expression_unfinished = match as_expression {
        Ok(function) => return Ok(Some(function)),
        Err(e) => incomplete(&e, chunk),
    };
    match lua.load(chunk).set_name(CHUNK_NAME).into_function() {
        Ok(function) => Ok(Some(function)),
        Err(e) if expression_unfinished || incomplete(&e, chunk) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether `err` says `chunk` ended too early: mlua's flag (an error at `<eof>`), or an
/// unfinished long string, which Luau reports as malformed rather than at `<eof>`.
fn incomplete(err: &Error, chunk: &str) -> bool {
    match err {
        Error::SyntaxError {
            incomplete_input: true,
            ..
        } => true,
        Error::SyntaxError { message, .. } => {
            message.contains("Malformed string") && (chunk.contains("[[") || chunk.contains("[="))
        }
        _ => false,
    }
}
