-- The LuaJIT twin of cdef_ffi.luau (run from the repository root).
local ffi = require("ffi")
local generate = dofile("bench/gen_header.lua")
local n = tonumber(os.getenv("N")) or 0
ffi.cdef(generate(n, "p_"))
