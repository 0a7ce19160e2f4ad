-- A Lua comparator `int (*)(const int *, const int *)` called by C (per call): the
-- callback row of issue 12 (qsort's comparator) without qsort's own work.
local ffi = require("ffi")
ffi.cdef("int apply_cmp_n(int (*f)(const int *, const int *), const int *a, int n);")
local fx = ffi.load(os.getenv("FFI_FIXTURE"))
local n = tonumber(os.getenv("N")) or 0
local a = ffi.new("int[2]", 1, 2)
local cmp = ffi.cast("int (*)(const int *, const int *)", function(pa, pb)
	local x, y = pa[0], pb[0]
	if x < y then
		return -1
	elseif x > y then
		return 1
	end
	return 0
end)
fx.apply_cmp_n(cmp, a, n)
