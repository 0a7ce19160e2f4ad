-- ct() of a small struct, kept in a 64-slot ring (per allocation).
local ffi = require("ffi")
local n = tonumber(os.getenv("N")) or 0
local S = ffi.typeof("struct { int a, b; double c; }")
local ring = {}
for i = 1, n do
	ring[i % 64 + 1] = S()
end
