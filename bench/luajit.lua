-- The LuaJIT side of `make bench`, run as `luajit -joff bench/luajit.lua` when LuaJIT is
-- installed: the same cases, timed the same way (median of 7), printed as
-- `case=<name>_luajit_joff ns=<ns per op>`; bench/_harness.luau adds the ratio to ours.
local ffi = require("ffi")
local generate = dofile("bench/gen_header.lua")

local reps = 7

-- CPU time of this process (os.clock is CPU time in LuaJIT too, but read the same
-- clock as the Luau side does).
ffi.cdef([[
	typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
	int clock_gettime(int clk, bench_timespec *ts);
]])
local CPUTIME = ffi.os == "OSX" and 12 or 2 -- CLOCK_PROCESS_CPUTIME_ID
local timespec = ffi.new("bench_timespec")
local function cpu_clock()
	ffi.C.clock_gettime(CPUTIME, timespec)
	return tonumber(timespec.tv_sec) + tonumber(timespec.tv_nsec) * 1e-9
end

local function median(values)
	table.sort(values)
	local n = #values
	if n % 2 == 1 then
		return values[(n + 1) / 2]
	end
	return (values[n / 2] + values[n / 2 + 1]) / 2
end

-- Later cases use this: `run(n, prepared)` performs n operations.
local function case(name, iterations, run, setup)
	local serial = 0
	local function once(n)
		serial = serial + 1
		local prepared = setup and setup(n, serial)
		local t0 = cpu_clock()
		run(n, prepared)
		return (cpu_clock() - t0) * 1e9 / n
	end
	once(math.max(1, math.floor(iterations / 10)))
	local samples = {}
	for i = 1, reps do
		samples[i] = once(iterations)
	end
	print(string.format("case=%s_luajit_joff ns=%.2f", name, median(samples)))
end

-- LuaJIT's type table holds at most 65,536 types, about two 4,000-declaration headers,
-- so each cdef sample runs in a fresh LuaJIT process.
local function cdef_once(n)
	local text = generate(n, "lj_")
	local t0 = cpu_clock()
	ffi.cdef(text)
	return (cpu_clock() - t0) * 1e9 / n
end

if arg[1] == "--cdef-once" then
	print(cdef_once(tonumber(arg[2])))
	return
end

do
	local samples = {}
	for i = 1, reps do
		local p = io.popen("luajit -joff bench/luajit.lua --cdef-once 4000")
		samples[i] = tonumber(p:read("*l"))
		p:close()
	end
	print(string.format("case=cdef_4000_luajit_joff ns=%.2f", median(samples)))
end

-- cdata cases (bench/cases/cdata.luau).
do
	local Vec3 = ffi.typeof("struct { double x, y, z; }")
	case("field_rw", 2000000, function(n)
		local p = Vec3()
		for _ = 1, n do
			p.x = p.x + 1
			p.y = p.y + 2
			p.z = p.z + 3
		end
	end)
	local Doubles = ffi.typeof("double[?]")
	case("array_fill_sum", 1000000, function(n)
		local a = Doubles(n)
		for i = 0, n - 1 do
			a[i] = i + 1
		end
		local s = 0
		for i = 0, n - 1 do
			s = s + a[i]
		end
	end)
	local Points = ffi.typeof("struct { int x, y; }[1000]")
	case("struct_array_rw", 1000000, function(n)
		local a = Points()
		for j = 0, n - 1 do
			local i = j % 1000
			a[i].x = a[i].x + 1
		end
	end)
	case("ptr_walk", 1000000, function(n)
		local a = Doubles(n + 1)
		local p = ffi.cast("double *", a)
		local acc = 0
		for _ = 1, n do
			acc = acc + p[0]
			p = p + 1
		end
	end)
	local Bytes = ffi.typeof("char[64]")
	case("string_64", 1000000, function(n)
		local buf = Bytes()
		ffi.fill(buf, 64, 65)
		local string_ = ffi.string
		local s
		for _ = 1, n do
			s = string_(buf, 64)
		end
	end)
	case("new_struct", 1000000, function(n)
		local p
		for _ = 1, n do
			p = Vec3()
		end
	end)
end

-- Call cases (bench/cases/calls.luau), the same operations through LuaJIT's FFI with the
-- JIT off, against the C fixture that make builds in dist/.
do
	ffi.cdef([[
		int add(int a, int b);
		double addd(double a, double b);
		int64_t add64(int64_t a, int64_t b);
		typedef struct { double x, y, z; } bench_vec3;
		bench_vec3 vadd(bench_vec3 a, bench_vec3 b);
		size_t strlen(const char *s);
		void qsort(void *base, size_t nmemb, size_t size, int (*compar)(const void *, const void *));
		int sum_array(const int *p, int n);
	]])
	local fixture = ffi.load(os.getenv("FFI_FIXTURE") or "./dist/libfixture.so")
	case("call_add", 5000000, function(n)
		local add = fixture.add
		for i = 1, n do
			add(i, 1)
		end
	end)
	case("call_addd", 5000000, function(n)
		local addd = fixture.addd
		for i = 1, n do
			addd(i, 0.5)
		end
	end)
	case("call_strlen", 5000000, function(n)
		local strlen = ffi.C.strlen
		for _ = 1, n do
			strlen("hello")
		end
	end)
	case("call_add64", 2000000, function(n)
		local add64 = fixture.add64
		local one, s = ffi.new("int64_t", 1), ffi.new("int64_t", 0)
		for _ = 1, n do
			s = add64(s, one)
		end
	end)
	case("call_vadd", 2000000, function(n)
		local vadd = fixture.vadd
		local a, b = ffi.new("bench_vec3", 1, 2, 3), ffi.new("bench_vec3", 0, 0, 1)
		for _ = 1, n do
			a = vadd(a, b)
		end
	end)
	-- One op is one comparison, as in calls.luau; the comparator is one callback made
	-- once (LuaJIT's implicit callbacks are permanent and limited in number).
	local count = 100000
	local function shuffled()
		local a = ffi.new("int[?]", count)
		local seed = 12345
		for i = 0, count - 1 do
			seed = (seed * 1103515245 + 12345) % 2147483648
			a[i] = seed
		end
		return a
	end
	local compared = 0
	local comparator = ffi.cast("int (*)(const void *, const void *)", function(a, b)
		compared = compared + 1
		local x, y = ffi.cast("const int *", a)[0], ffi.cast("const int *", b)[0]
		return x < y and -1 or (x > y and 1 or 0)
	end)
	ffi.C.qsort(shuffled(), count, 4, comparator)
	local perSort = compared
	case("callback_qsort", perSort * 2, function(n, data)
		for k = 1, math.max(1, math.floor(n / perSort)) do
			ffi.C.qsort(data[k], count, 4, comparator)
		end
	end, function(n)
		local data = {}
		for k = 1, math.max(1, math.floor(n / perSort)) do
			data[k] = shuffled()
		end
		return data
	end)
	case("call_sum_array", 2000000, function(n)
		local arr = ffi.new("int[16]", { 1, 2, 3 })
		for _ = 1, n do
			fixture.sum_array(arr, 16)
		end
	end)
	case("lookup_C", 1000000, function(n)
		local C = ffi.C
		for _ = 1, n do
			local _ = C.strlen
		end
	end)
end
