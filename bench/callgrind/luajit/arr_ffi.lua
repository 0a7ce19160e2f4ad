-- a[i] = i, then s = s + a[i], on a double[?] cdata (per element).
local ffi = require("ffi")
local n = tonumber(os.getenv("N")) or 0
local a = ffi.new("double[?]", n + 1)
for i = 0, n - 1 do
	a[i] = i
end
local s = 0
for i = 0, n - 1 do
	s = s + a[i]
end
