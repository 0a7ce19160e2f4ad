-- vadd(a, b): a 24-byte struct by value both ways, the function cdata cached in a local.
local ffi = require("ffi")
ffi.cdef("typedef struct { double x, y, z; } vec3; vec3 vadd(vec3 a, vec3 b);")
local fx = ffi.load(os.getenv("FFI_FIXTURE"))
local vadd = fx.vadd
local a = ffi.new("vec3", 1, 2, 3)
local b = ffi.new("vec3", 4, 5, 6)
local n = tonumber(os.getenv("N")) or 0
local r
for _ = 1, n do
	r = vadd(a, b)
end
