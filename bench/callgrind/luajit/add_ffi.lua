-- add(i, 1) through ffi.load and a function cdata cached in a local.
local ffi = require("ffi")
ffi.cdef("int add(int a, int b);")
local fx = ffi.load(os.getenv("FFI_FIXTURE"))
local add = fx.add
local n = tonumber(os.getenv("N")) or 0
local s = 0
for i = 1, n do
	s = add(i, 1)
end
