//! The Lua-facing side: the API table (`api`), argument readers, ctype objects, the
//! per-state module data, and the raw stack helpers every other file here builds on.

pub mod api;
mod args;
mod bit_glue;
mod call_glue;
pub(crate) mod callback_glue;
mod cdata_object;
mod ctype_object;
pub(crate) mod entries;
mod host_abi;
mod include;
mod namespace;
pub mod stack;
pub(crate) mod state;
