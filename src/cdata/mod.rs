//! cdata: C objects as tagged Luau userdata — allocation, reads and writes of C memory,
//! Luau↔C conversions, initializers, indexing, pointer and 64-bit integer arithmetic,
//! finalizers. The Lua-facing metamethods live in `luau::cdata_object`.

pub mod arith;
pub mod bit;
pub mod convert;
pub mod finalizer;
pub mod hot;
pub mod index;
pub mod init;
pub mod memory;
pub mod object;
