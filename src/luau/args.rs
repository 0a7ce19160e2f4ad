//! Reading API arguments: C types (ctype objects or C type strings) and `$` parameters.
//! Every reader here only inspects the stack (no call can raise) and reports problems as
//! LuaJIT-worded messages for the caller to raise.

use super::ctype_object;
use super::stack::{self, State};
use super::state::ModuleState;
use crate::cdata::object;
use crate::cdecl::{self, Param};
use crate::ctype::CTypeId;
use crate::error::Error;
use mlua::ffi as lua;
use std::ffi::c_int;

/// `bad argument #n to 'f' (what)`.
#[cold]
pub fn bad_argument(n: c_int, function: &str, what: Error) -> Error {
    Error::bad_argument(n, function, what)
}

/// The C type named by argument `idx`: a ctype object, or a string parsed as an abstract
/// declarator with the `$` parameters that follow it at `params_from` (0: none).
///
/// # Safety
/// `l` is a live state inside an API function; `idx` is a valid index.
pub unsafe fn ctype_arg(
    l: State,
    st: &ModuleState,
    idx: c_int,
    function: &str,
    params_from: c_int,
) -> Result<CTypeId, Error> {
    // SAFETY: caller contract; both readers only inspect the stack.
    if let Some(id) = unsafe { ctype_object::to_ctype(l, st, idx) } {
        return Ok(id);
    }
    // SAFETY: as above. A cdata names its own type.
    if let Some(h) = unsafe { object::to_cdata(l, st.cdata_tag.get(), idx) } {
        return Ok(h.ty);
    }
    // SAFETY: as above.
    let Some(text) = (unsafe { stack::to_bytes(l, idx) }) else {
        // SAFETY: as above.
        let got = unsafe { stack::type_name(l, idx) };
        return Err(bad_argument(
            idx,
            function,
            Error::Expected {
                what: "C type",
                got: got.into(),
            },
        ));
    };
    let bytes = text;
    // SAFETY: as above.
    let params = if params_from > 0 {
        unsafe { type_params(l, st, params_from, function)? }
    } else {
        Vec::new()
    };
    if params.is_empty() {
        if let Some(&id) = st.type_cache.borrow().get(bytes) {
            return Ok(id);
        }
        if let Some(id) = cached_anonymous(st, bytes, function) {
            return Ok(id);
        }
    }
    let text = std::str::from_utf8(bytes).map_err(|_| Error::InvalidUtf8Type)?;
    stack::guarded(|| {
        let mut registry = st.registry.borrow_mut();
        let (types, names) = (registry.type_count(), registry.name_count());
        let id = cdecl::parse_type(&mut registry, text, &params)?;
        // A string that only looked types up names the same type every time. One that
        // made anonymous types only is kept for every function but ffi.typeof, which
        // makes a new type each time, as in LuaJIT; one that declared names is parsed
        // again (a second definition of a tag is an error).
        if params.is_empty() && registry.type_count() == types {
            st.type_cache.borrow_mut().insert(bytes.into(), id);
        } else if params.is_empty() && registry.name_count() == names && function != "typeof" {
            st.anonymous_cache.borrow_mut().insert(bytes.into(), id);
        }
        Ok(id)
    })
}

/// The anonymous type a string made before, for `function` (never `ffi.typeof`), unless
/// it has a metatype since (a new definition has none, as in LuaJIT).
fn cached_anonymous(st: &ModuleState, bytes: &[u8], function: &str) -> Option<CTypeId> {
    if function == "typeof" {
        return None;
    }
    let id = *st.anonymous_cache.borrow().get(bytes)?;
    let key = st.registry.try_borrow().ok()?.find_unqualified(id);
    (!st.metatype_set(key)).then_some(id)
}

/// The `$` parameters at stack positions `from..=top`: a ctype object is a type, a
/// string a name, a number a number.
///
/// # Safety
/// `l` is a live state inside an API function.
pub unsafe fn type_params(
    l: State,
    st: &ModuleState,
    from: c_int,
    function: &str,
) -> Result<Vec<Param>, Error> {
    // SAFETY: caller contract; every call below only inspects the stack.
    unsafe {
        let top = lua::lua_gettop(l);
        let mut params = Vec::with_capacity((top - from + 1).max(0) as usize);
        for idx in from..=top {
            if let Some(id) = ctype_object::to_ctype(l, st, idx) {
                params.push(Param::Type(id));
            } else if let Some(h) = object::to_cdata(l, st.cdata_tag.get(), idx) {
                params.push(Param::Type(h.ty));
            } else if let Some(name) = stack::to_bytes(l, idx) {
                let name = String::from_utf8_lossy(name).into_owned();
                params.push(Param::Name(name));
            } else if lua::lua_type(l, idx) == lua::LUA_TNUMBER {
                let n = lua::lua_tonumberx(l, idx, std::ptr::null_mut());
                if !n.is_finite() || n.fract() != 0.0 || n.abs() > 9.007_199_254_740_992e15 {
                    return Err(bad_argument(
                        idx,
                        function,
                        Error::IntegerExpected { got: n.to_string() },
                    ));
                }
                params.push(Param::Number(n as i64));
            } else {
                let got = stack::type_name(l, idx);
                // LuaJIT's wording.
                return Err(bad_argument(
                    idx,
                    function,
                    Error::Expected {
                        what: "type parameter",
                        got: got.into(),
                    },
                ));
            }
        }
        Ok(params)
    }
}
