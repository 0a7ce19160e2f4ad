-- Differential table of `ffi.bit` against LuaJIT 2.1's BitOp (`require("bit")`), the
-- oracle. One script, run unchanged by both VMs, prints one spec row per call:
--   { "<function>", { "<argument name>", ... }, "<result>" },
-- results: n:<number>, c<ctype>:<tostring>, s:<string>, ERR <message> (the function
-- name in `bad argument` replaced by '?', anonymous struct numbers by N).
-- The argument names are the keys of `values` below, which spec/bit.spec.luau repeats.
--
-- Regenerate the rows of spec/bit.spec.luau (between its BEGIN/END ROWS lines) and diff:
--   export LUAU_CPATH="$PWD/dist/?.so"
--   luajit -joff spec/tools/diff_bit.lua > /tmp/bit.luajit
--   dist/luau-ffi spec/tools/diff_bit.lua > /tmp/bit.luau
--   diff /tmp/bit.luajit /tmp/bit.luau
-- The two outputs are identical, except for the strings that only LuaJIT's number
-- parser reads (none are in the table).
--
-- Written in the subset of Lua 5.1 that Luau also parses.

local ffi = require("ffi")
local bit = ffi.bit or require("bit")
local kind = typeof or type -- luacheck: ignore (Luau's typeof gives "cdata")

local halves = ffi.new("union { int64_t i; uint64_t u; uint32_t w[2]; }")
local function i64(hi, lo)
	halves.w[0], halves.w[1] = lo, hi
	return ffi.new("int64_t", halves.i)
end
local function u64(hi, lo)
	halves.w[0], halves.w[1] = lo, hi
	return ffi.new("uint64_t", halves.u)
end

-- name -> value; `order` keeps the names in a fixed order.
local values, order = {}, {}
local function value(name, v)
	values[name] = v
	order[#order + 1] = name
end
value("0", 0)
value("1", 1)
value("-1", -1)
value("7", 7)
value("0xff", 0xff)
value("0x12345678", 0x12345678)
value("0x7fffffff", 0x7fffffff)
value("2^31", 2 ^ 31)
value("-2^31", -(2 ^ 31))
value("2^32", 2 ^ 32)
value("2^32+5", 2 ^ 32 + 5)
value("2^51+1", 2 ^ 51 + 1)
value("2^52+3", 2 ^ 52 + 3)
value("2^53", 2 ^ 53)
value("-2^53", -(2 ^ 53))
value("2^63", 2 ^ 63)
value("2^64", 2 ^ 64)
value("1e300", 1e300)
value("-1e300", -1e300)
value("0.5", 0.5)
value("1.5", 1.5)
value("2.5", 2.5)
value("-2.5", -2.5)
value("3.7", 3.7)
value("-3.7", -3.7)
value("-0", -0.0)
value("nan", 0 / 0)
value("inf", 1 / 0)
value("-inf", -1 / 0)
value("s:0x10", "0x10")
value("s: 17 ", " 17 ")
value("s:1e2", "1e2")
value("s:-8", "-8")
value("s:abc", "abc")
value("s:", "")
value("i64:0", i64(0, 0))
value("i64:1", i64(0, 1))
value("i64:-1", i64(0xffffffff, 0xffffffff))
value("i64:0xffffffffff", i64(0xff, 0xffffffff))
value("i64:0x123456789abcdef0", i64(0x12345678, 0x9abcdef0))
value("i64:max", i64(0x7fffffff, 0xffffffff))
value("i64:-2^63", i64(0x80000000, 0))
value("i64:2^32+3", i64(1, 3))
value("u64:0", u64(0, 0))
value("u64:1", u64(0, 1))
value("u64:max", u64(0xffffffff, 0xffffffff))
value("u64:2^63", u64(0x80000000, 0))
value("u64:0xff00", u64(0, 0xff00))
value("int:5", ffi.new("int", 5))
value("int8:-1", ffi.new("int8_t", -1))
value("uint32:max", ffi.new("uint32_t", 0xffffffff))
value("double:1.5", ffi.new("double", 1.5))
value("double:-2.5", ffi.new("double", -2.5))
value("float:1e20", ffi.new("float", 1e20))
value("bool:true", ffi.new("bool", true))
value("int*", ffi.cast("int *", 16))
value("int[2]", ffi.new("int[2]"))
value("struct", ffi.new("struct { int x; }"))
value("nil", nil)
value("true", true)
value("table", {})

local numbers = {
	"0",
	"1",
	"-1",
	"7",
	"0xff",
	"0x12345678",
	"0x7fffffff",
	"2^31",
	"-2^31",
	"2^32",
	"2^32+5",
	"2^51+1",
	"2^52+3",
	"2^53",
	"-2^53",
	"2^63",
	"2^64",
	"1e300",
	"-1e300",
	"0.5",
	"1.5",
	"2.5",
	"-2.5",
	"3.7",
	"-3.7",
	"-0",
	"nan",
	"inf",
	"-inf",
}
local wides = {
	"i64:0",
	"i64:1",
	"i64:-1",
	"i64:0xffffffffff",
	"i64:0x123456789abcdef0",
	"i64:max",
	"i64:-2^63",
	"i64:2^32+3",
	"u64:0",
	"u64:1",
	"u64:max",
	"u64:2^63",
	"u64:0xff00",
}
local others = {
	"s:0x10",
	"s: 17 ",
	"s:1e2",
	"s:-8",
	"s:abc",
	"s:",
	"int:5",
	"int8:-1",
	"uint32:max",
	"double:1.5",
	"double:-2.5",
	"float:1e20",
	"bool:true",
	"int*",
	"int[2]",
	"struct",
	"nil",
	"true",
	"table",
}
local function concat(...)
	local out = {}
	for _, list in ipairs({ ... }) do
		for _, v in ipairs(list) do
			out[#out + 1] = v
		end
	end
	return out
end
local everything = concat(numbers, wides, others)
-- A smaller set for the two-argument tables.
local pairs_set = {
	"0",
	"-1",
	"0xff",
	"0x12345678",
	"2^31",
	"2^32+5",
	"2^53",
	"1e300",
	"-2.5",
	"nan",
	"i64:-1",
	"i64:0xffffffffff",
	"i64:-2^63",
	"u64:max",
	"u64:0xff00",
	"int8:-1",
	"double:1.5",
	"s:0x10",
	"int*",
	"nil",
}
local counts = {
	"0",
	"1",
	"7",
	"-1",
	"0.5",
	"1.5",
	"2^31",
	"2^32+5",
	"-2^31",
	"nan",
	"i64:1",
	"i64:2^32+3",
	"u64:max",
	"s:-8",
	"true",
}
for _, n in ipairs({ 4, 8, 31, 32, 33, 36, 63, 64, 65, 68, -4, -31, -33, -63, -64 }) do
	local name = tostring(n)
	if values[name] == nil then
		value(name, n)
	end
	counts[#counts + 1] = name
end
local digit_counts = {
	"nil",
	"true",
	"s:-8",
	"i64:1",
	"u64:0xff00",
	"1.5",
	"-2.5",
	"2^31",
	"-2^31",
	"2^32+5",
	"0x7fffffff",
}
local digit_numbers = {
	0,
	1,
	2,
	7,
	8,
	9,
	15,
	16,
	17,
	20,
	254,
	255,
	256,
	257,
	300,
	1000,
	-1,
	-2,
	-8,
	-15,
	-16,
	-17,
	-254,
	-255,
	-256,
	-300,
}
for _, n in ipairs(digit_numbers) do
	local name = tostring(n)
	if values[name] == nil then
		value(name, n)
	end
	digit_counts[#digit_counts + 1] = name
end
local hex_subjects = {
	"0",
	"-1",
	"0xff",
	"0x12345678",
	"2^53",
	"i64:-1",
	"i64:0x123456789abcdef0",
	"u64:0xff00",
	"int8:-1",
}

local function fmt(x)
	if x ~= x then
		return "nan"
	end
	return string.format("%.17g", x)
end

local function show(ok, x)
	if not ok then
		local s = tostring(x)
		s = string.gsub(s, "^[^:]*:%d+: ", "")
		s = string.gsub(s, "^(bad argument #%d+ to )'[^']*'", "%1'?'")
		s = string.gsub(s, "struct %d+", "struct N")
		return "ERR " .. s
	end
	local k = kind(x)
	if k == "number" then
		return "n:" .. fmt(x)
	elseif k == "string" then
		return "s:" .. x
	elseif k == "cdata" then
		local t = string.match(tostring(ffi.typeof(x)), "^ctype<(.*)>$")
		return "c<" .. t .. ">:" .. tostring(x)
	end
	return k .. ":" .. tostring(x)
end

local function quote(s)
	return '"' .. string.gsub(s, '[\\"]', "\\%0") .. '"'
end

local function row(name, args)
	local n = #args
	local vals = {}
	for i = 1, n do
		vals[i] = values[args[i]]
	end
	local ok, r = pcall(bit[name], unpack(vals, 1, n))
	local names = {}
	for i = 1, n do
		names[i] = quote(args[i])
	end
	local fields = { quote(name), "{ " .. table.concat(names, ", ") .. " }", quote(show(ok, r)) }
	local line = "\t{ " .. table.concat(fields, ", ") .. " },"
	if #line + 3 <= 100 then -- (StyLua's layout: a tab counts 4 columns)
		print(line)
	else
		print("\t{\n\t\t" .. table.concat(fields, ",\n\t\t") .. ",\n\t},")
	end
end

for _, f in ipairs({ "tobit", "bnot", "bswap", "tohex" }) do
	row(f, {})
	for _, a in ipairs(everything) do
		row(f, { a })
	end
end
for _, x in ipairs(hex_subjects) do
	for _, n in ipairs(digit_counts) do
		row("tohex", { x, n })
	end
end
for _, f in ipairs({ "band", "bor", "bxor" }) do
	row(f, {})
	for _, a in ipairs(everything) do
		row(f, { a })
	end
	for _, a in ipairs(pairs_set) do
		for _, b in ipairs(pairs_set) do
			row(f, { a, b })
		end
	end
	row(f, { "0xff", "0x12345678", "-1" })
	row(f, { "0xff", "i64:0xffffffffff", "u64:0xff00" })
	row(f, { "1", "2", "7", "i64:1" })
	row(f, { "u64:max", "i64:-1", "int8:-1", "-1" })
	row(f, { "1", "2", "nil" })
	row(f, { "i64:1", "2", "int*" })
end
local shifted = {
	"1",
	"-1",
	"0x12345678",
	"2^31",
	"2^32+5",
	"1e300",
	"s:0x10",
	"i64:1",
	"i64:-1",
	"i64:0x123456789abcdef0",
	"u64:max",
	"u64:2^63",
	"int8:-1",
	"nil",
	"int*",
}
for _, f in ipairs({ "lshift", "rshift", "arshift", "rol", "ror" }) do
	row(f, { "1" })
	row(f, { "i64:1" })
	for _, x in ipairs(shifted) do
		for _, n in ipairs(counts) do
			row(f, { x, n })
		end
	end
end
