//! The Lua-facing side: the API table (`api`), raw stack helpers (`stack`).

pub mod api;
pub mod stack;
