-- strlen("hello") through ffi.C, the function cdata cached in a local.
local ffi = require("ffi")
ffi.cdef("size_t strlen(const char *s);")
local strlen = ffi.C.strlen
local n = tonumber(os.getenv("N")) or 0
local s
for _ = 1, n do
	s = strlen("hello")
end
