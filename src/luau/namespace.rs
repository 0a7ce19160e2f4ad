//! `ffi.C` and `ffi.load(name [, global])`: namespaces of C symbols, as read-only Luau
//! tables whose metatable resolves declarations on a miss.
//!
//! | piece              | where                                | keeps alive            |
//! |--------------------|--------------------------------------|------------------------|
//! | namespace table    | what `ffi.C` / `ffi.load` return     | its metatable          |
//! | metatable          | per namespace; `[1]` = library handle| the handle             |
//! | library handle     | userdata with a destructor (`Library`)| the loaded library    |
//! | function cdata     | cached in the namespace table        | the handle (weak-keyed |
//! |                    |                                      | keepalive table)       |
//!
//! Functions, enum constants and `static const` values are cached in the table itself,
//! so a second `lib.f` is a plain table read; extern variables are read and written
//! through the metatable each time.

use super::args::bad_argument;
use super::call_glue;
use super::entries;
use super::stack::{self, State};
use super::state::ModuleState;
use crate::cdata::convert::{c_from_lua, lua_from_c, Access, Context, Shape};
use crate::cdata::object;
use crate::ctype::{CTypeId, Symbol};
use crate::error::Error;
use crate::library::Library;
use mlua::ffi as lua;
use std::ffi::{c_int, CStr};

/// Creates the weak-keyed keepalive table. Call once at load.
///
/// # Safety
/// `l` live with 3 free slots.
pub unsafe fn init(l: State, st: &ModuleState) {
    // SAFETY: caller contract; pushes 2, pops 2 (the ref pops the table).
    unsafe {
        lua::lua_createtable(l, 0, 0);
        lua::lua_createtable(l, 0, 1);
        stack::push_str(l, "k");
        lua::lua_rawsetfield(l, -2, c"__mode".as_ptr());
        lua::lua_setmetatable(l, -2);
        st.calls.keepalive_ref.set(lua::lua_ref(l, -1));
        lua::lua_settop(l, -2);
    }
}

/// Pushes a namespace table for `library`. Uses 4 slots.
///
/// # Safety
/// `l` live; the caller holds nothing with a destructor besides `library`, which this
/// consumes before anything may raise... (allocation failures abort the module's work
/// with a Luau memory error after `library` has moved into the userdata).
pub unsafe fn push(l: State, st: &'static ModuleState, library: Library) {
    let up = st.as_upvalue();
    // SAFETY: caller contract; each step uses at most 2 slots above the two tables.
    unsafe {
        lua::lua_createtable(l, 0, 0);
        let ns = lua::lua_absindex(l, -1);
        lua::lua_createtable(l, 1, 6);
        let mt = lua::lua_absindex(l, -1);
        lua::lua_newuserdata_t(l, library);
        lua::lua_rawseti(l, mt, 1);
        stack::set_function(l, mt, c"__index", entries::c::namespace_index, up);
        stack::set_function(l, mt, c"__newindex", entries::c::namespace_newindex, up);
        stack::set_function(l, mt, c"__tostring", entries::c::namespace_tostring, up);
        stack::push_str(l, "ffi");
        lua::lua_rawsetfield(l, mt, c"__metatable".as_ptr());
        lua::lua_setreadonly(l, mt, 1);
        lua::lua_setmetatable(l, ns);
        lua::lua_setreadonly(l, ns, 1);
    }
}

/// The library of the namespace at stack index 1, and pushes its handle (1 slot).
///
/// # Safety
/// `l` live inside a namespace metamethod.
unsafe fn library_of<'a>(l: State) -> Option<&'a Library> {
    // SAFETY: caller contract: the namespace's metatable has the handle at [1], a
    // userdata made by lua_newuserdata_t::<Library>; it stays on the stack while used.
    unsafe {
        if lua::lua_getmetatable(l, 1) == 0 {
            return None;
        }
        lua::lua_rawgeti(l, -1, 1);
        lua::lua_remove(l, -2);
        lua::lua_touserdata(l, -1).cast::<Library>().as_ref()
    }
}

/// What a namespace key resolves to, worked out under the registry borrow.
enum Resolved {
    Function { ty: CTypeId, address: usize },
    Variable { access: Access, address: usize },
    Number(f64),
    Int64 { ty: CTypeId, bits: i64 },
}

/// The key at 2 as a symbol name.
///
/// # Safety
/// `l` live.
unsafe fn key_name(l: State, function: &str) -> Result<String, Error> {
    // SAFETY: caller contract.
    match unsafe { stack::to_bytes(l, 2) } {
        Some(bytes) => Ok(String::from_utf8_lossy(bytes).into_owned()),
        None => {
            // SAFETY: caller contract.
            let got = unsafe { stack::type_name(l, 2) };
            Err(bad_argument(
                2,
                function,
                Error::Expected {
                    what: "string",
                    got: got.into(),
                },
            ))
        }
    }
}

fn resolve(st: &ModuleState, library: &Library, name: &str) -> Result<Resolved, Error> {
    let reg = st.registry.try_borrow().map_err(|_| Error::RegistryBusy)?;
    let missing = || Error::MissingDeclaration {
        name: name.to_string(),
    };
    let address = |asm: &Option<String>| {
        library
            .address_of(name, asm.as_deref())
            .map(|a| a.as_ptr() as usize)
            .map_err(Error::from)
    };
    match reg.symbol(name).ok_or_else(missing)? {
        Symbol::Function { ty, asm_name } => Ok(Resolved::Function {
            ty: *ty,
            address: address(asm_name)?,
        }),
        Symbol::Variable { ty, asm_name } => Ok(Resolved::Variable {
            access: Access::of(&reg, *ty),
            address: address(asm_name)?,
        }),
        Symbol::Constant { ty, value } => {
            let unsigned = matches!(
                crate::cdata::convert::shape(&reg, *ty),
                Shape::Int { signed: false, .. }
            );
            match crate::cdata::convert::shape(&reg, *ty) {
                Shape::Int { size: 8, .. } if reg.enumeration(*ty).is_none() => {
                    Ok(Resolved::Int64 {
                        ty: *ty,
                        bits: *value,
                    })
                }
                _ if unsigned => Ok(Resolved::Number(*value as u64 as f64)),
                _ => Ok(Resolved::Number(*value as f64)),
            }
        }
        Symbol::Typedef(_) => Err(missing()),
    }
}

/// `lib.name`: a function cdata (cached), a variable's value, or a constant (cached).
pub(super) unsafe fn namespace_index(l: State) -> c_int {
    // SAFETY: called by Luau as the namespace's __index; owned values are dropped
    // before raising.
    unsafe {
        let st = ModuleState::of_call(l);
        let Some(library) = library_of(l) else {
            return 0;
        };
        let resolved = key_name(l, "__index").and_then(|name| {
            let r = resolve(st, library, &name);
            if let Ok(Resolved::Function { address, .. }) = r {
                st.calls.names.borrow_mut().entry(address).or_insert(name);
            }
            r
        });
        let is_process = library.is_process();
        let resolved = match resolved {
            Ok(resolved) => resolved,
            Err(message) => return stack::raise_here(l, message),
        };
        let tag = st.cdata_tag.get();
        match resolved {
            Resolved::Variable { access, address } => {
                lua_from_c(l, tag, access, address as *mut u8);
                if !is_process && object::to_cdata(l, tag, -1).is_some_and(|h| h.is_ref()) {
                    // A reference into the library's data keeps its handle (at 3).
                    keep_handle(l, st);
                }
                return 1;
            }
            Resolved::Number(n) => lua::lua_pushnumber(l, n),
            Resolved::Int64 { ty, bits } => {
                let h = object::push_new(l, tag, ty, 8, 8);
                (*h).data.cast::<i64>().write(bits);
            }
            Resolved::Function { ty, address } => {
                call_glue::push_function(l, st, ty, address);
                if !is_process {
                    // The function keeps the library's handle (on the stack at 3).
                    keep_handle(l, st);
                }
            }
        }
        // Cache it in the namespace table itself.
        lua::lua_pushvalue(l, 2);
        lua::lua_pushvalue(l, -2);
        lua::lua_setreadonly(l, 1, 0);
        lua::lua_rawset(l, 1);
        lua::lua_setreadonly(l, 1, 1);
        1
    }
}

/// `keepalive[top] = handle`: the cdata on top of the stack keeps the library handle at
/// stack index 3 (pushed by `library_of`) alive.
///
/// # Safety
/// `l` live inside a namespace metamethod, with 3 free slots.
unsafe fn keep_handle(l: State, st: &ModuleState) {
    // SAFETY: caller contract; the keepalive table exists from load.
    unsafe {
        lua::lua_rawgeti(l, lua::LUA_REGISTRYINDEX, st.calls.keepalive_ref.get() as _);
        lua::lua_pushvalue(l, -2);
        lua::lua_pushvalue(l, 3);
        lua::lua_rawset(l, -3);
        lua::lua_settop(l, -2);
    }
}

/// The library the function cdata at `idx` keeps loaded (a copy of the handle), if it
/// came from a loaded library's namespace.
///
/// # Safety
/// `l` live with 2 free slots; `idx` valid.
pub unsafe fn library_kept_by(l: State, st: &ModuleState, idx: c_int) -> Option<Library> {
    // SAFETY: caller contract; the keepalive table's values are the handles pushed by
    // `push` (userdata made by lua_newuserdata_t::<Library>), read while on the stack.
    unsafe {
        let idx = lua::lua_absindex(l, idx);
        lua::lua_rawgeti(l, lua::LUA_REGISTRYINDEX, st.calls.keepalive_ref.get() as _);
        lua::lua_pushvalue(l, idx);
        lua::lua_rawget(l, -2);
        let library = if lua::lua_type(l, -1) == lua::LUA_TUSERDATA {
            lua::lua_touserdata(l, -1)
                .cast::<Library>()
                .as_ref()
                .cloned()
        } else {
            None
        };
        lua::lua_settop(l, -3);
        library
    }
}

/// `lib.var = v`: writes an extern variable; anything else is a constant location.
pub(super) unsafe fn namespace_newindex(l: State) -> c_int {
    // SAFETY: as namespace_index.
    unsafe {
        let st = ModuleState::of_call(l);
        let Some(library) = library_of(l) else {
            return 0;
        };
        let result =
            key_name(l, "__newindex").and_then(|name| match resolve(st, library, &name)? {
                Resolved::Variable { access, address } if !access.is_const => {
                    let reg = st.registry.try_borrow().map_err(|_| Error::RegistryBusy)?;
                    let size = reg.size_of(access.ty).unwrap_or(0);
                    c_from_lua(
                        l,
                        st.cdata_tag.get(),
                        &reg,
                        access.ty,
                        address as *mut u8,
                        size,
                        3,
                        Context::Init,
                    )
                }
                _ => Err(Error::WriteToConstant),
            });
        if let Err(message) = result {
            return stack::raise_here(l, message);
        }
        0
    }
}

/// `tostring(lib)`: as LuaJIT prints its namespace userdata.
pub(super) unsafe fn namespace_tostring(l: State) -> c_int {
    // SAFETY: called by Luau as __tostring; pushes one string.
    unsafe {
        let text = format!("userdata: {:p}", lua::lua_topointer(l, 1));
        stack::push_str(l, &text);
        1
    }
}

/// `ffi.load(name [, global])`: a namespace for the library; a load failure names the
/// library and says why.
pub(super) unsafe fn ffi_load(l: State) -> c_int {
    // SAFETY: called by Luau with the module's upvalue; the Library moves into the
    // userdata before anything may raise.
    unsafe {
        let st = ModuleState::of_call(l);
        if lua::lua_type(l, 1) == lua::LUA_TNUMBER {
            // A number is taken as its string, as LuaJIT does (nothing is owned yet, so
            // the conversion may raise a memory error).
            lua::lua_tolstring(l, 1, std::ptr::null_mut());
        }
        let name = match stack::to_bytes(l, 1) {
            Some(bytes) => Ok(String::from_utf8_lossy(bytes).into_owned()),
            None => {
                let got = stack::type_name(l, 1);
                Err(bad_argument(
                    1,
                    "load",
                    Error::Expected {
                        what: "string",
                        got: got.into(),
                    },
                ))
            }
        };
        let global = lua::lua_toboolean(l, 2) != 0;
        let library = name
            .and_then(|name| stack::guarded(|| Library::load(&name, global).map_err(Error::from)));
        let library = stack::raise_err!(l, library);
        push(l, st, library);
        1
    }
}

/// Sets `ffi.C` on the table at `t`.
///
/// # Safety
/// `l` live with 6 free slots; `t` an absolute index of a writable table.
pub unsafe fn set_process_namespace(l: State, st: &'static ModuleState, t: c_int, key: &CStr) {
    // SAFETY: caller contract.
    unsafe {
        push(l, st, Library::process());
        lua::lua_rawsetfield(l, t, key.as_ptr());
    }
}
