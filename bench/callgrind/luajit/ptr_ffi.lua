-- acc = acc + p[0]; p = p + 1 on an int * walking an int[?] (per element).
local ffi = require("ffi")
local n = tonumber(os.getenv("N")) or 0
local a = ffi.new("int[?]", n + 1)
local p = ffi.cast("int *", a)
local acc = 0
for _ = 1, n do
	acc = acc + p[0]
	p = p + 1
end
