-- fx.sum_array(arr, 16): an int[16] for a const int * parameter, looked up through the
-- library namespace on each call.
local ffi = require("ffi")
ffi.cdef("int sum_array(const int *p, int n);")
local fx = ffi.load(os.getenv("FFI_FIXTURE"))
local arr = ffi.new("int[16]")
local n = tonumber(os.getenv("N")) or 0
local s = 0
for _ = 1, n do
	s = fx.sum_array(arr, 16)
end
