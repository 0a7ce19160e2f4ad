//! Calling C functions: prepared signatures cached per function type, a reusable
//! argument frame, the fast typed-pointer path and libffi's general path, errno. No Luau.
//!
//! The glue's call sequence (docs/design.md, "Data flow"):
//!
//! ```text
//! let sig = cache.signature(&reg, fn_type)?;        // or variadic_signature(.., &extra)
//! let mut frame = sig.frame();                      // reused, no allocation
//! for i in 0..sig.arg_count() { c_from_lua(sig.arg_type(i), frame.arg_ptr(i), arg i) }
//! unsafe { sig.call(address, &mut frame) };         // errno saved right after
//! lua_from_c(sig.ret_type(), frame.ret_ptr())       // or frame.ret_int()/ret_f64()
//! ```

mod cache;
mod class;
mod errno;
pub mod fast;
mod ffi_types;
pub mod memory_class;
mod signature;

pub use cache::CifCache;
pub use class::{
    function_type_of, param_class, promoted_vararg, return_class, CallError, ValueClass,
};
pub use errno::{saved_errno, set_errno};
pub use signature::{CallFrame, FrameGuard, Signature};
