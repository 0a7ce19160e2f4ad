//! `ffi.include(header [, opts])`: a header's declarations cdef'd and its `#define`
//! constants set in `ffi.C` (and `opts.lib`), by the C compiler run at this moment
//! (`crate::header` does the work below Luau; docs/api.md says what it accepts).

use super::args::bad_argument;
use super::entries;
use super::stack::{self, State};
use super::state::ModuleState;
use crate::cdata::object;
use crate::cdecl;
use crate::ctype::CTypeId;
use crate::error::{Error, MacroSkip};
use crate::header::{self, macros::MacroValue, Options};
use mlua::ffi as lua;
use std::ffi::{c_int, CStr};

/// What one call found: the constants to set and the macros skipped.
struct Found {
    constants: Vec<(String, MacroValue)>,
    skipped: Vec<(String, MacroSkip)>,
}

/// `ffi.include(header [, opts])`: returns the namespace the constants went to
/// (`opts.lib`, else `ffi.C`), and with `opts.verbose` a table of the skipped macros
/// (name → reason).
pub(super) unsafe fn ffi_include(l: State) -> c_int {
    // SAFETY: called by Luau with this module's upvalue. Arguments are read raw (no
    // metamethod runs); the Rust work holds no Luau value; pushing the results may only
    // raise a memory error, which leaks the vectors of this frame and nothing else.
    unsafe {
        let st = ModuleState::of_call(l);
        let args = read_args(l);
        let (header, options) = stack::raise_err!(l, args);
        let found = stack::guarded(|| work(st, &header, &options));
        let found = stack::raise_err!(l, found);
        let lib = if lua::lua_istable(l, 2) != 0 {
            lua::lua_rawgetfield(l, 2, c"lib".as_ptr())
        } else {
            lua::lua_pushnil(l);
            lua::LUA_TNIL
        };
        let lib_idx = lua::lua_absindex(l, -1);
        push_process_namespace(l);
        let c_idx = lua::lua_absindex(l, -1);
        lua::luaL_checkstack(l, 4, std::ptr::null());
        let tag = st.cdata_tag.get();
        for target in [c_idx, lib_idx] {
            if target == lib_idx && lib == lua::LUA_TNIL {
                continue;
            }
            lua::lua_setreadonly(l, target, 0);
            for (name, value) in &found.constants {
                stack::push_str(l, name);
                push_value(l, tag, value);
                lua::lua_rawset(l, target);
            }
            lua::lua_setreadonly(l, target, 1);
        }
        if lib != lua::LUA_TNIL {
            lua::lua_pushvalue(l, lib_idx);
        }
        if !verbose(l) {
            return 1;
        }
        lua::lua_createtable(l, 0, found.skipped.len() as c_int);
        for (name, reason) in &found.skipped {
            stack::push_str(l, name);
            stack::push_str(l, &reason.to_string());
            lua::lua_rawset(l, -3);
        }
        2
    }
}

/// The compiler's work and the cdef, under the registry borrow.
fn work(st: &ModuleState, header: &str, options: &Options) -> Result<Found, Error> {
    let declarations = header::declarations(header, options)?;
    let defines = header::definitions(header, options)?;
    let mut reg = st
        .registry
        .try_borrow_mut()
        .map_err(|_| Error::RegistryBusy)?;
    let in_header = |e: Error, text: &str| {
        let text = match &e {
            Error::Parse { line, .. } => text.lines().nth(line.saturating_sub(1) as usize),
            _ => None,
        };
        Error::IncludeDeclarations {
            header: header.to_string(),
            inner: e.to_string(),
            text: text.map(String::from),
        }
    };
    let mut included = st
        .included
        .try_borrow_mut()
        .map_err(|_| Error::RegistryBusy)?;
    let fresh = included
        .fresh(&declarations)
        .map_err(|e| in_header(e, &declarations))?;
    cdecl::cdef(&mut reg, &fresh.text, &[]).map_err(|e| in_header(e, &fresh.text))?;
    included.remember(fresh);
    let macros = header::macros::evaluate(&mut reg, &defines);
    Ok(Found {
        constants: macros.constants,
        skipped: macros.skipped,
    })
}

/// Pushes a constant: a number, or an `int64_t`/`uint64_t` cdata for an integer a
/// double cannot hold exactly, or a string. Uses 1 slot.
unsafe fn push_value(l: State, tag: c_int, value: &MacroValue) {
    // SAFETY: caller contract (a live state with a free slot); the new cdata's 8 bytes
    // are written once.
    unsafe {
        match value {
            MacroValue::Float(x) => lua::lua_pushnumber(l, *x),
            MacroValue::Str(s) => stack::push_str(l, s),
            MacroValue::Int(c) => {
                let v = c.value();
                if v.unsigned_abs() <= 1 << 53 {
                    lua::lua_pushnumber(l, v as f64);
                } else {
                    let ty = if c.signed {
                        CTypeId::INT64
                    } else {
                        CTypeId::UINT64
                    };
                    let h = object::push_new(l, tag, ty, 8, 8);
                    (*h).data.cast::<u64>().write(c.bits);
                }
            }
        }
    }
}

/// Pushes `ffi.C` (the module table is in the registry once loaded). Uses 1 slot.
unsafe fn push_process_namespace(l: State) {
    // SAFETY: caller contract; raw reads.
    unsafe {
        lua::lua_rawgetfield(l, lua::LUA_REGISTRYINDEX, super::api::MODULE_KEY.as_ptr());
        lua::lua_rawgetfield(l, -1, c"C".as_ptr());
        lua::lua_remove(l, -2);
    }
}

/// `opts.verbose` is true.
unsafe fn verbose(l: State) -> bool {
    // SAFETY: caller contract; a raw read, popped.
    unsafe {
        if lua::lua_istable(l, 2) == 0 {
            return false;
        }
        lua::lua_rawgetfield(l, 2, c"verbose".as_ptr());
        let on = lua::lua_toboolean(l, -1) != 0;
        lua::lua_settop(l, -2);
        on
    }
}

/// The header name at 1 and the options of the table at 2 (nil or absent: none).
unsafe fn read_args(l: State) -> Result<(String, Options), Error> {
    let bad = |n, got: &'static str| {
        let what = if n == 1 { "string" } else { "table" };
        bad_argument(
            n,
            "include",
            Error::Expected {
                what,
                got: got.into(),
            },
        )
    };
    // SAFETY: caller contract; only inspects the stack.
    let header = match unsafe { stack::to_bytes(l, 1) } {
        Some(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        // SAFETY: as above.
        None => return Err(bad(1, unsafe { stack::type_name(l, 1) })),
    };
    let mut options = Options::default();
    // SAFETY: as above.
    match unsafe { lua::lua_type(l, 2) } {
        lua::LUA_TNIL | lua::LUA_TNONE => return Ok((header, options)),
        lua::LUA_TTABLE => {}
        // SAFETY: as above.
        _ => return Err(bad(2, unsafe { stack::type_name(l, 2) })),
    }
    // SAFETY: as above; each field is read raw and popped.
    unsafe {
        options.cflags = words_field(l, c"cflags")?;
        options.pkgs = words_field(l, c"pkg")?;
        if lua::lua_rawgetfield(l, 2, c"lib".as_ptr()) != lua::LUA_TNIL && !is_namespace(l, -1) {
            lua::lua_settop(l, -2);
            return Err(Error::IncludeBadOption {
                name: "lib".into(),
                expected: "a namespace from ffi.load".into(),
            });
        }
        lua::lua_settop(l, -2);
    }
    Ok((header, options))
}

/// `opts[name]`: a string split at white space, or an array of strings (each one word).
unsafe fn words_field(l: State, name: &CStr) -> Result<Vec<String>, Error> {
    let wrong = || Error::IncludeBadOption {
        name: name.to_string_lossy().into_owned(),
        expected: "a string or an array of strings".into(),
    };
    // SAFETY: caller contract; raw reads, the stack restored before returning.
    unsafe {
        let t = lua::lua_rawgetfield(l, 2, name.as_ptr());
        let result = match t {
            lua::LUA_TNIL => Ok(Vec::new()),
            lua::LUA_TSTRING => {
                let text = String::from_utf8_lossy(stack::to_bytes(l, -1).unwrap_or_default());
                Ok(text.split_whitespace().map(String::from).collect())
            }
            lua::LUA_TTABLE => {
                let mut words = Vec::new();
                let n = lua::lua_objlen(l, -1) as c_int;
                for i in 1..=n as i64 {
                    lua::lua_rawgeti(l, -1, i);
                    let word =
                        stack::to_bytes(l, -1).map(|b| String::from_utf8_lossy(b).into_owned());
                    lua::lua_settop(l, -2);
                    words.push(word.ok_or_else(wrong)?);
                }
                Ok(words)
            }
            _ => Err(wrong()),
        };
        lua::lua_settop(l, -2);
        result
    }
}

/// The value at `idx` is a namespace (`ffi.C` or from `ffi.load`): its metatable's
/// `__index` is the namespace trampoline.
unsafe fn is_namespace(l: State, idx: c_int) -> bool {
    // SAFETY: caller contract; raw reads, popped.
    unsafe {
        let idx = lua::lua_absindex(l, idx);
        if lua::lua_istable(l, idx) == 0 || lua::lua_getmetatable(l, idx) == 0 {
            return false;
        }
        lua::lua_rawgetfield(l, -1, c"__index".as_ptr());
        let f = lua::lua_tocfunction(l, -1);
        lua::lua_settop(l, -3);
        f.is_some_and(|f| f as *const () == entries::c::namespace_index as *const ())
    }
}
