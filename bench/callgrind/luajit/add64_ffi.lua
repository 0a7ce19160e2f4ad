-- add64(s, one) on int64_t cdata, the function cdata cached in a local.
local ffi = require("ffi")
ffi.cdef("int64_t add64(int64_t a, int64_t b);")
local fx = ffi.load(os.getenv("FFI_FIXTURE"))
local add64 = fx.add64
local one = ffi.new("int64_t", 1)
local n = tonumber(os.getenv("N")) or 0
local s = ffi.new("int64_t", 0)
for _ = 1, n do
	s = add64(s, one)
end
