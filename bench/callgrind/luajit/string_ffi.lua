-- ffi.string(buf, 64) on a char[64] (per call).
local ffi = require("ffi")
local n = tonumber(os.getenv("N")) or 0
local buf = ffi.new("char[64]")
for i = 0, 63 do
	buf[i] = 65 + i % 26
end
local string_ = ffi.string
local s
for _ = 1, n do
	s = string_(buf, 64)
end
