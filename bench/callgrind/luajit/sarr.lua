-- a[i].x = a[i].x + 1 on an array of structs (a reference per a[i]).
local ffi = require("ffi")
local Points = ffi.typeof("struct { double x, y; }[1000]")
local n = tonumber(os.getenv("N")) or 0
local a = Points()
for j = 0, n - 1 do
	local i = j % 1000
	a[i].x = a[i].x + 1
end
