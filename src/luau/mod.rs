//! The Lua-facing side: the API table (`api`) and its metatables.

pub mod api;
