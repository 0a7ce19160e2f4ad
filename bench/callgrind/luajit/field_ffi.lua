-- v.x = v.y + v.z on a struct { double x, y, z; } cdata.
local ffi = require("ffi")
ffi.cdef("typedef struct { double x, y, z; } fv3;")
local v = ffi.new("fv3", 1, 2, 3)
local n = tonumber(os.getenv("N")) or 0
for i = 1, n do
	v.x = v.y + v.z
end
