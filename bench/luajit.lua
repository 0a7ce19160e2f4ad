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
