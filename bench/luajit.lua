-- The LuaJIT side of `make bench`, run as `luajit -joff bench/luajit.lua` when LuaJIT is
-- installed: the same cases, timed the same way (median of 7), printed as
-- `case=<name>_luajit ns=<ns per op>`; bench/_harness.luau adds the ratio to ours.
local ffi = require("ffi")
local generate = dofile("bench/gen_header.lua")

local reps = 7

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
		local t0 = os.clock()
		run(n, prepared)
		return (os.clock() - t0) * 1e9 / n
	end
	once(math.max(1, math.floor(iterations / 10)))
	local samples = {}
	for i = 1, reps do
		samples[i] = once(iterations)
	end
	print(string.format("case=%s_luajit ns=%.2f", name, median(samples)))
end

-- LuaJIT's type table holds at most 65,536 types, about two 4,000-declaration headers,
-- so each cdef sample runs in a fresh LuaJIT process.
local function cdef_once(n)
	local text = generate(n, "lj_")
	local t0 = os.clock()
	ffi.cdef(text)
	return (os.clock() - t0) * 1e9 / n
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
	print(string.format("case=cdef_4000_luajit ns=%.2f", median(samples)))
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
	case("new_struct", 1000000, function(n)
		local p
		for _ = 1, n do
			p = Vec3()
		end
	end)
end
