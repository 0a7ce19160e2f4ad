-- Differential matrix: luau-ffi against LuaJIT 2.1 (`luajit -joff`), the oracle.
--
-- One script, run unchanged by both VMs, prints one line per case:
--   <case id> <result>            result: n:<number>, b:<boolean>, c<ctype>:<value>, ERR <message>
-- with error positions stripped, the function name in `bad argument` messages replaced
-- by '?' and heap addresses masked (ADDR). It needs the C fixture (spec/native/fixture.c,
-- the `mx_*` functions) in FFI_FIXTURE.
--
-- Regenerate and diff (from the repository root, after `make` or the cargo build):
--   cc -O2 -fPIC -shared -o dist/libfixture.so spec/native/fixture.c
--   export FFI_FIXTURE=$PWD/dist/libfixture.so LUAU_CPATH="$PWD/dist/?.so"
--   luajit -joff spec/tools/diff_matrix.lua > /tmp/matrix.luajit
--   dist/luau-ffi spec/tools/diff_matrix.lua > /tmp/matrix.luau
--   diff /tmp/matrix.luajit /tmp/matrix.luau
-- The two outputs are identical (about 15,000 lines, 0.1 s each). The documented
-- differences (README, "Differences from LuaJIT") are normalized or left out here:
-- enum values read from memory (LuaJIT cdata, here numbers: both print as n:), NULL
-- pointers read out of C (LuaJIT cdata, here nil: both print as n:nil, see from_c),
-- function types' spelling (int (*)(int) printed as LuaJIT's int (*)()), the function
-- name in `bad argument` messages, comparisons between a cdata and a non-cdata (Luau
-- never calls __eq/__lt/__le for them), `//` (Luau only: LuaJIT runs `/`, the same C
-- division on 64-bit integers), out-of-bounds array indexes (LuaJIT reads there),
-- tostring of plain numbers (VM formatting). Also left out: reads of a float or
-- double NaN whose top 13 bits (as a double) are set, which LuaJIT turns into a
-- bogus tagged value (its NaN-boxing) that crashes its collector later.
-- spec/cdata/conformance_matrix.spec.luau asserts LuaJIT's answers for the rows that
-- found bugs and a sample of the rest, each row a line of LuaJIT's output.
-- Optional argument: a Lua pattern; only the cases whose id matches it run.
--
-- Written in the subset of Lua 5.1 that Luau also parses (no `//`, no `continue`, no
-- type annotations); the VM differences are absorbed right below.

local ffi = require("ffi")
local kind = typeof or type -- luacheck: ignore (Luau's typeof gives "cdata")
local tonum = ffi.tonumber or tonumber
local is_luau = ffi.tonumber ~= nil
local filter = ...
if type(filter) ~= "string" then
	filter = nil
end
local lib = ffi.load(os.getenv("FFI_FIXTURE") or "dist/libfixture.so")

if not pcall(ffi.typeof, "ssize_t") then
	ffi.cdef("typedef intptr_t ssize_t;")
end

-- A NULL pointer read out of C (a field, an element, a C result, a callback argument) is
-- nil in luau-ffi (README "Differences from LuaJIT"); LuaJIT's NULL cdata equals nil, so
-- the reads below pass through this and both VMs print n:nil.
local function from_c(x)
	if x == nil then
		return nil
	end
	return x
end

local function emit(id, result)
	if filter == nil or string.find(id, filter) then
		print(id .. " " .. result)
	end
end

local function fmt(x)
	if x ~= x then
		return "nan"
	elseif x == math.huge then
		return "inf"
	elseif x == -math.huge then
		return "-inf"
	elseif x == 0 then
		return (1 / x < 0) and "-0" or "0"
	end
	return string.format("%.17g", x)
end

local function mask(s)
	-- anonymous types are spelled by an id that depends on what was declared before
	s = string.gsub(s, "(struct) %d+", "%1 N")
	s = string.gsub(s, "(union) %d+", "%1 N")
	s = string.gsub(s, "(enum) %d+", "%1 N")
	-- luau-ffi spells a function type's parameters, LuaJIT never does (README)
	s = string.gsub(s, "%(%*%)%([^()]*%)", "(*)()")
	s = string.gsub(s, "0x(%x+)", function(h)
		if #h == 12 and string.find(h, "^[5-7]") then
			return "ADDR"
		end
		return "0x" .. h
	end)
	return s
end

local function errmsg(e)
	local s = tostring(e)
	s = string.gsub(s, "^[^:]*:%d+: ", "")
	s = string.gsub(s, "(bad argument #%d+ to )'[^']*'", "%1'?'")
	return "ERR " .. mask(s)
end

-- The uniform reader: what kind of Lua value came back, and its value.
local function show(x)
	local k = kind(x)
	if k == "number" then
		return "n:" .. fmt(x)
	elseif k == "boolean" or k == "nil" or k == "string" then
		return string.sub(k, 1, 1) .. ":" .. tostring(x)
	elseif k == "cdata" then
		local ct = string.gsub(tostring(ffi.typeof(x)), "^ctype", "")
		ct = string.gsub(ct, " &>$", ">")
		local s = tostring(x)
		if not string.find(s, "^cdata<") then
			return "c" .. ct .. ":" .. s -- 64-bit integers: 5LL, 5ULL
		end
		if string.find(ct, "%*") or string.find(ct, "%[") then
			return "c" .. ct .. ":" .. mask(string.gsub(s, "^cdata<[^>]*>: ", ""))
		end
		if string.find(ct, "^<struct") then
			return "c<struct>:{x=" .. show(x.x) .. "}"
		end
		local n = tonum(x)
		if string.find(ct, "^<enum") then
			-- LuaJIT reads enums from memory as cdata, luau-ffi as numbers (README,
			-- "Differences from LuaJIT"): both print as numbers here.
			return "n:" .. fmt(n)
		end
		if n == nil then
			return "c" .. ct .. ":?"
		end
		return "c" .. ct .. ":" .. fmt(n)
	end
	return k
end

-- `address`: the value holds an address, so an integer made of it is masked too.
local function run(id, f, a, b, address)
	if filter ~= nil and not string.find(id, filter) then
		return
	end
	local ok, r = pcall(f, a, b)
	if ok then
		local s = show(r)
		if address and kind(r) ~= "boolean" then
			s = string.gsub(s, ":[^:]*$", ":ADDR")
		end
		emit(id, mask(s))
	else
		emit(id, errmsg(r))
	end
end

-- 64-bit values from their two 32-bit halves (no 64-bit literals in Lua 5.1).
local bits64 = ffi.typeof("union { uint32_t w[2]; uint64_t u; int64_t i; uint8_t b[8]; }")
local function u64(hi, lo)
	local v = bits64()
	v.w[0] = lo
	v.w[1] = hi
	return v.u
end
local function i64(hi, lo)
	local v = bits64()
	v.w[0] = lo
	v.w[1] = hi
	return v.i
end

---------------------------------------------------------------------------------------
-- 1. Lua -> C conversions: values x types x contexts.

local anchor = ffi.new("int[4]", 1, 2, 3, 4)
local function values()
	return {
		{ "0", 0 },
		{ "-0", -0.0 },
		{ "1", 1 },
		{ "-1", -1 },
		{ "0.5", 0.5 },
		{ "-0.5", -0.5 },
		{ "1.5", 1.5 },
		{ "2.5", 2.5 },
		{ "-2.5", -2.5 },
		{ "127", 127 },
		{ "128", 128 },
		{ "255", 255 },
		{ "256", 256 },
		{ "-129", -129 },
		{ "32767", 32767 },
		{ "32768", 32768 },
		{ "65535", 65535 },
		{ "65536", 65536 },
		{ "2^31-1", 2 ^ 31 - 1 },
		{ "2^31", 2 ^ 31 },
		{ "2^32-1", 2 ^ 32 - 1 },
		{ "2^32", 2 ^ 32 },
		{ "2^53", 2 ^ 53 },
		{ "2^63", 2 ^ 63 },
		{ "2^64", 2 ^ 64 },
		{ "-2^31", -2 ^ 31 },
		{ "-2^63", -2 ^ 63 },
		{ "1e300", 1e300 },
		{ "-1e300", -1e300 },
		{ "inf", math.huge },
		{ "-inf", -math.huge },
		{ "nan", 0 / 0 },
		{ "true", true },
		{ "false", false },
		{ "nil", nil },
		{ "str''", "" },
		{ "str12", "12" },
		{ "strabc", "abc" },
		{ "strMX_B", "MX_B" },
		{ "{}", {} },
		{ "{1,2}", { 1, 2 } },
		{ "{x=3}", { x = 3 } },
		{ "fn", print },
		{ "i64(5)", ffi.new("int64_t", 5) },
		{ "i64(-1)", ffi.new("int64_t", -1) },
		{ "i64(min)", i64(0x80000000, 0) },
		{ "i64(2^40+1)", i64(0x100, 1) },
		{ "u64(5)", ffi.new("uint64_t", 5) },
		{ "u64(2^63)", u64(0x80000000, 0) },
		{ "u64(max)", u64(0xffffffff, 0xffffffff) },
		{ "int(-7)", ffi.new("int", -7) },
		{ "char(65)", ffi.new("char", 65) },
		{ "double(2.5)", ffi.new("double", 2.5) },
		{ "float(-1.5)", ffi.new("float", -1.5) },
		{ "bool(true)", ffi.new("bool", true) },
		{ "enum(B)", ffi.new("mx_e", 5) },
		{ "s{x=9}", ffi.new("mx_s", 9) },
		{ "int*", ffi.cast("int *", anchor) },
		{ "void*(16)", ffi.cast("void *", 16) },
		{ "NULL", ffi.cast("void *", 0) },
		{ "int[4]", anchor },
		{ "char[4]", ffi.new("char[4]", "ab") },
	}
end

ffi.cdef([[
typedef enum { MX_A, MX_B = 5 } mx_e;
typedef struct { int x; } mx_s;
]])

-- name, C type, fixture suffix (mx_id_<suffix>, ...), full (all contexts) or not
local types = {
	{ "bool", "bool", true },
	{ "char", "char", true },
	{ "signed char", "schar", true },
	{ "unsigned char", "uchar", true },
	{ "short", "short", true },
	{ "unsigned short", "ushort", true },
	{ "int", "int", true },
	{ "unsigned", "uint", true },
	{ "long long", "ll", true },
	{ "unsigned long long", "ull", true },
	{ "float", "float", true },
	{ "double", "double", true },
	{ "mx_e", "enum", true },
	{ "void *", "vp", true },
	{ "const char *", "ccp", true },
	{ "int *", "ip", true },
	{ "mx_s", "s", true },
	{ "int8_t", "schar", false },
	{ "uint8_t", "uchar", false },
	{ "int16_t", "short", false },
	{ "uint16_t", "ushort", false },
	{ "int32_t", "int", false },
	{ "uint32_t", "uint", false },
	{ "int64_t", "ll", false },
	{ "uint64_t", "ull", false },
	{ "long", "ll", false },
	{ "unsigned long", "ull", false },
	{ "intptr_t", "ll", false },
	{ "uintptr_t", "ull", false },
	{ "size_t", "ull", false },
	{ "ssize_t", "ll", false },
}

local declared = {}
local cur -- what the `T (*)(void)` callbacks return
local callbacks = {}
local holders = {}
for i, t in ipairs(types) do
	local T, suffix = t[1], t[2]
	local holder = "mx_h" .. i
	ffi.cdef("typedef struct { " .. T .. " f; } " .. holder .. ";")
	holders[T] = holder
	if not declared[suffix] then
		declared[suffix] = true
		ffi.cdef(
			T
				.. " mx_id_"
				.. suffix
				.. "("
				.. T
				.. ");\n"
				.. T
				.. " mx_call_"
				.. suffix
				.. "("
				.. T
				.. " (*)(void));\n"
				.. T
				.. " mx_from_"
				.. suffix
				.. "(const void *);\n"
				.. "void mx_pass_"
				.. suffix
				.. "(void (*)("
				.. T
				.. "), const void *);"
		)
		if suffix ~= "s" then -- LuaJIT refuses struct results of callbacks
			callbacks[suffix] = ffi.cast(T .. " (*)(void)", function()
				return cur
			end)
		end
	end
end

local contexts = {
	{
		"new",
		function(T, v)
			return ffi.new(T, v)
		end,
	},
	{
		"cast",
		function(T, v)
			return ffi.cast(T, v)
		end,
	},
	{
		"field",
		function(T, v)
			local s = ffi.new(holders[T])
			s.f = v
			return from_c(s.f)
		end,
	},
	{
		"elem",
		function(T, v)
			local a = ffi.new(T .. "[1]")
			a[0] = v
			return from_c(a[0])
		end,
	},
	{
		"tinit",
		function(T, v)
			return from_c(ffi.new(T .. "[1]", { v })[0])
		end,
	},
	{
		"arg",
		function(T, v, suffix)
			return from_c(lib["mx_id_" .. suffix](v))
		end,
	},
	{
		"ret",
		function(T, v, suffix)
			cur = v
			return from_c(lib["mx_call_" .. suffix](callbacks[suffix]))
		end,
	},
}

for _, t in ipairs(types) do
	local T, suffix, full = t[1], t[2], t[3]
	for _, c in ipairs(contexts) do
		local name, f = c[1], c[2]
		-- (typedef names of the same types only through a cast)
		if (full or name == "cast") and not (name == "ret" and suffix == "s") then
			for _, v in ipairs(values()) do
				local address = (kind(v[2]) == "string" and T ~= "mx_e")
					or string.find(v[1], "[%*%[]")
				run("1 " .. name .. " " .. T .. " " .. v[1], function()
					return f(T, v[2], suffix)
				end, nil, nil, address)
			end
		end
	end
end

-- ffi.tonumber and tostring of every value.
for _, v in ipairs(values()) do
	local address = string.find(v[1], "[%*%[]")
	run("1 tonumber " .. v[1], function()
		return tonum(v[2])
	end, nil, nil, address)
	if kind(v[2]) == "cdata" then
		run("1 tostring " .. v[1], function()
			return mask(tostring(v[2]))
		end)
	end
end

-- Element counts of variable-length types (ffi.sizeof, ffi.new): any value converted
-- to int. (ffi.new only where LuaJIT would not allocate gigabytes.)
ffi.cdef("typedef struct { int n; double d[?]; } mx_vls;")
for _, v in ipairs(values()) do
	run("1 count sizeof " .. v[1], function()
		return ffi.sizeof("mx_vls", v[2])
	end)
	local small = type(v[2]) ~= "number" or math.abs(v[2]) < 1e6
	if small then
		run("1 count new " .. v[1], function()
			return ffi.sizeof(ffi.new("int[?]", v[2]))
		end)
	end
end
run("1 count absent", function()
	return ffi.new("int[?]")
end)
run("1 count offsetof i64", function()
	return ffi.offsetof("mx_vls", ffi.new("int64_t", 1))
end)

-- Lengths and bytes of ffi.string, ffi.copy and ffi.fill (values that make LuaJIT
-- write past the 8 bytes, or crash, are left out).
local safe_lengths = {
	["0"] = true,
	["-0"] = true,
	["1"] = true,
	["0.5"] = true,
	["-0.5"] = true,
	["1.5"] = true,
	["2.5"] = true,
	["true"] = true,
	["false"] = true,
	["nil"] = true,
	["str''"] = true,
	["str12"] = true,
	["strabc"] = true,
	["{}"] = true,
	["fn"] = true,
	["i64(5)"] = true,
	["i64(2^40+1)"] = true,
	["u64(5)"] = true,
	["u64(2^63)"] = true,
	["double(2.5)"] = true,
	["bool(true)"] = true,
	["enum(B)"] = true,
	["s{x=9}"] = true,
	["int*"] = true,
	["NULL"] = true,
}
local source = ffi.new("char[8]", "abcdefg")
for _, v in ipairs(values()) do
	if safe_lengths[v[1]] then
		run("1 length string " .. v[1], function()
			return ffi.string(source, v[2])
		end)
		run("1 length copy " .. v[1], function()
			local d = ffi.new("char[8]")
			ffi.copy(d, source, v[2])
			return ffi.string(d)
		end)
		run("1 length fill " .. v[1], function()
			local d = ffi.new("char[8]")
			ffi.fill(d, v[2], 65)
			return ffi.string(d)
		end)
	end
	if safe_lengths[v[1]] or kind(v[2]) == "number" or v[1] == "char(65)" or v[1] == "int(-7)" then
		run("1 length fill byte " .. v[1], function()
			local d = ffi.new("uint8_t[2]")
			ffi.fill(d, 1, v[2])
			return d[0]
		end)
	end
end
run("1 length string ptr with length", function()
	return ffi.string(ffi.new("int[1]"), 4)
end)

-- Variadic arguments: which register class a value goes in, and what it holds (the
-- value, then 0.25 and 7LL, so each class has something to read).
ffi.cdef("long long mx_va_int(int, ...); double mx_va_dbl(int, ...);")
for _, v in ipairs(values()) do
	-- (a struct goes by reference)
	local address = kind(v[2]) == "string"
		or string.find(v[1], "[%*%[]")
		or string.find(v[1], "^s{")
	local wide = string.find(v[1], "^[iu]64") or address
	run("1 vararg " .. v[1], function()
		local i = lib.mx_va_int(0, v[2], 0.25, ffi.new("int64_t", 7))
		local d = lib.mx_va_dbl(0, v[2], 0.25, ffi.new("int64_t", 7))
		local low = tonum(ffi.cast("int32_t", i))
		local int_class = wide
				and (address and (i == ffi.new("int64_t", 7) and "7" or "ADDR") or tostring(i))
			or tostring(low)
		return "int=" .. int_class .. " dbl=" .. fmt(d)
	end)
end

-- Bitfields: stores and table initializers.
ffi.cdef("typedef struct { int a : 5; unsigned b : 3; bool c : 1; } mx_bits;")
for _, field in ipairs({ "a", "b", "c" }) do
	for _, v in ipairs(values()) do
		run("1 bitfield " .. field .. " " .. v[1], function()
			local s = ffi.new("mx_bits")
			s[field] = v[2]
			return s[field]
		end, nil, nil, kind(v[2]) == "string" or string.find(v[1], "[%*%[]"))
	end
end
for _, v in ipairs(values()) do
	run("1 bitfield init " .. v[1], function()
		local s = ffi.new("mx_bits", { v[2], v[2], v[2] })
		return string.format("%s %s %s", show(s.a), show(s.b), show(s.c))
	end, nil, nil, kind(v[2]) == "string" or string.find(v[1], "[%*%[]"))
end

-- Pointer to pointer: which pointer types convert implicitly (new, field store, call
-- argument through a `void *`/`const char *`/`int *` parameter) and by cast.
ffi.cdef([[
typedef struct { int x; } mx_p_s;
typedef int (*mx_fn)(int);
typedef struct {
	int *ip; const int *cip; char *cp; const char *ccp; void *vp; const void *cvp;
	unsigned int *up; int **ipp; mx_p_s *sp; uint8_t *bp; mx_fn fp; volatile int *vip;
	int (*ap)[4]; long *lp; int64_t *i64p;
} mx_ptrs;
]])
local pointer_types = {
	{ "ip", "int *" },
	{ "cip", "const int *" },
	{ "cp", "char *" },
	{ "ccp", "const char *" },
	{ "vp", "void *" },
	{ "cvp", "const void *" },
	{ "up", "unsigned int *" },
	{ "ipp", "int **" },
	{ "sp", "mx_p_s *" },
	{ "bp", "uint8_t *" },
	{ "fp", "mx_fn" },
	{ "vip", "volatile int *" },
	{ "ap", "int (*)[4]" },
	{ "lp", "long *" },
	{ "i64p", "int64_t *" },
}
local pointer_block = ffi.new("int64_t[8]")
local pointer_values = {
	{ "int[4]", anchor },
	{ "char[4]", ffi.new("char[4]") },
	{ "const int[2]", ffi.new("const int[2]") },
	{ "struct", ffi.new("mx_p_s") },
	{ "struct[2]", ffi.new("mx_p_s[2]") },
	{ "ref", ffi.cast("mx_p_s *", 0) }, -- (a NULL field would read as nil)
	{ "str", "abc" },
	{ "int", ffi.new("int", 3) },
	{ "i64", ffi.new("int64_t", 3) },
}
for _, t in ipairs(pointer_types) do
	pointer_values[#pointer_values + 1] = { t[2], ffi.cast(t[2], pointer_block) }
end
-- (every source but an integer and a NULL reference holds an address, which is masked
-- whatever it looks like: valgrind's heap is at 0x04000000)
local function real_address(name)
	return name ~= "int" and name ~= "i64" and name ~= "ref"
end
for _, t in ipairs(pointer_types) do
	for _, v in ipairs(pointer_values) do
		run("1 ptr new " .. t[2] .. " <- " .. v[1], function()
			return ffi.new(t[2], v[2])
		end, nil, nil, real_address(v[1]))
		if t[1] == "ip" or t[1] == "vp" or t[1] == "ccp" then
			run("1 ptr field " .. t[2] .. " <- " .. v[1], function()
				local s = ffi.new("mx_ptrs")
				s[t[1]] = v[2]
				return from_c(s[t[1]])
			end, nil, nil, real_address(v[1]))
		end
		run("1 ptr cast " .. t[2] .. " <- " .. v[1], function()
			return ffi.cast(t[2], v[2])
		end, nil, nil, real_address(v[1]))
	end
end
for _, v in ipairs(pointer_values) do
	for _, f in ipairs({ "vp", "ccp", "ip" }) do
		run("1 ptr arg " .. f .. " <- " .. v[1], function()
			return from_c(lib["mx_id_" .. f](v[2]))
		end, nil, nil, real_address(v[1]))
	end
end

---------------------------------------------------------------------------------------
-- 2. C -> Lua: bit patterns (little-endian bytes, given as two 32-bit halves) read back
-- as a field, an element, a C result and a callback argument.

local patterns = {
	{ "zero", 0, 0 },
	{ "one", 0, 1 },
	{ "two", 0, 2 },
	{ "x7f", 0, 0x7f },
	{ "x80", 0, 0x80 },
	{ "xff", 0, 0xff },
	{ "x8000", 0, 0x8000 },
	{ "xffff", 0, 0xffff },
	{ "x7fffffff", 0, 0x7fffffff },
	{ "x80000000", 0, 0x80000000 },
	{ "xffffffff", 0, 0xffffffff },
	{ "2^32", 1, 0 },
	{ "2^53+1", 0x200000, 1 },
	{ "i64max", 0x7fffffff, 0xffffffff },
	{ "i64min", 0x80000000, 0 },
	{ "all", 0xffffffff, 0xffffffff },
	{ "f1.0", 0, 0x3f800000 },
	{ "f-0", 0, 0x80000000 },
	{ "finf", 0, 0x7f800000 },
	{ "fnan", 0, 0x7fc00000 },
	{ "fden", 0, 1 },
	{ "d1.0", 0x3ff00000, 0 },
	{ "d-0", 0x80000000, 0 },
	{ "dinf", 0x7ff00000, 0 },
	{ "dnan", 0x7ff80000, 0 },
	{ "dmax", 0x7fefffff, 0xffffffff },
	{ "d2^63", 0x43e00000, 0 },
}

local passed -- what a `void (*)(T)` callback was given
local pass_callbacks = {}
for _, t in ipairs(types) do
	local T, suffix, full = t[1], t[2], t[3]
	if full and suffix ~= "s" and suffix ~= "ccp" then
		pass_callbacks[suffix] = ffi.cast("void (*)(" .. T .. ")", function(x)
			passed = x
		end)
		local readers = {
			{
				"field",
				function(raw)
					return from_c(ffi.cast(holders[T] .. " *", raw)[0].f)
				end,
			},
			{
				"elem",
				function(raw)
					return from_c(ffi.cast(T .. " *", raw)[0])
				end,
			},
			{
				"result",
				function(raw)
					return from_c(lib["mx_from_" .. suffix](raw))
				end,
			},
			{
				"cbarg",
				function(raw)
					passed = "unset"
					lib["mx_pass_" .. suffix](pass_callbacks[suffix], raw)
					return from_c(passed)
				end,
			},
		}
		for _, p in ipairs(patterns) do
			-- LuaJIT reads a NaN whose top 13 bits are set (as a double) as a bogus
			-- tagged value (its NaN-boxing) that later crashes its collector: skipped.
			local bogus = (
				T == "float"
				and (p[1] == "xffffffff" or p[1] == "i64max" or p[1] == "all" or p[1] == "dmax")
			) or (T == "double" and p[1] == "all")
			for _, r in ipairs(bogus and {} or readers) do
				local raw = bits64()
				raw.w[0] = p[3]
				raw.w[1] = p[2]
				run("2 " .. r[1] .. " " .. T .. " " .. p[1], r[2], raw)
			end
		end
	end
end

-- Bitfields read from the same patterns.
for _, p in ipairs(patterns) do
	run("2 bitfield " .. p[1], function()
		local raw = bits64()
		raw.w[0] = p[3]
		raw.w[1] = p[2]
		local s = ffi.cast("mx_bits *", raw)
		return string.format("%s %s %s", show(s.a), show(s.b), show(s.c))
	end)
end

---------------------------------------------------------------------------------------
-- 3. Arithmetic and comparisons: 64-bit cdata and numbers.

local operands = {
	{ "I(min)", i64(0x80000000, 0) },
	{ "I(-1)", i64(0xffffffff, 0xffffffff) },
	{ "I(0)", i64(0, 0) },
	{ "I(1)", i64(0, 1) },
	{ "I(3)", i64(0, 3) },
	{ "I(max)", i64(0x7fffffff, 0xffffffff) },
	{ "U(0)", u64(0, 0) },
	{ "U(1)", u64(0, 1) },
	{ "U(3)", u64(0, 3) },
	{ "U(2^63)", u64(0x80000000, 0) },
	{ "U(max)", u64(0xffffffff, 0xffffffff) },
	{ "int(-2)", ffi.new("int", -2) },
	{ "n0", 0 },
	{ "n1", 1 },
	{ "n-1", -1 },
	{ "n2.5", 2.5 },
	{ "n2^53", 2 ^ 53 },
	{ "n2^64", 2 ^ 64 },
	{ "nnan", 0 / 0 },
}

-- `//` is Luau-only; LuaJIT's `/` on 64-bit integers is the same C division.
local idiv = loadstring and loadstring("return function(a, b) return a // b end")
idiv = idiv and idiv()
local ops = {
	{
		"+",
		function(a, b)
			return a + b
		end,
	},
	{
		"-",
		function(a, b)
			return a - b
		end,
	},
	{
		"*",
		function(a, b)
			return a * b
		end,
	},
	{
		"/",
		function(a, b)
			return a / b
		end,
	},
	{
		"%",
		function(a, b)
			return a % b
		end,
	},
	{
		"^",
		function(a, b)
			return a ^ b
		end,
	},
	{
		"//",
		function(a, b)
			if idiv then
				return idiv(a, b)
			end
			return a / b
		end,
	},
	{
		"..",
		function(a, b)
			return a .. b
		end,
	},
	{
		"==",
		function(a, b)
			return a == b
		end,
	},
	{
		"<",
		function(a, b)
			return a < b
		end,
	},
	{
		"<=",
		function(a, b)
			return a <= b
		end,
	},
}

local function is_cdata(x)
	return kind(x) == "cdata"
end

for _, a in ipairs(operands) do
	run("3 unm " .. a[1], function(x)
		return -x
	end, a[2])
	if is_cdata(a[2]) then -- (Luau and LuaJIT print numbers differently)
		run("3 tostring " .. a[1], function(x)
			return mask(tostring(x))
		end, a[2])
	end
	for _, b in ipairs(operands) do
		if is_cdata(a[2]) or is_cdata(b[2]) then
			for _, op in ipairs(ops) do
				local skip = false
				-- Luau never calls __eq/__lt/__le between a cdata and a number (README)
				if
					(op[1] == "==" or op[1] == "<" or op[1] == "<=")
					and kind(a[2]) ~= kind(b[2])
				then
					skip = true
				end
				if not skip then
					run("3 " .. a[1] .. " " .. op[1] .. " " .. b[1], op[2], a[2], b[2])
				end
			end
		end
	end
end

-- Other scalar cdata in arithmetic (converted to 64-bit integers or refused).
local scalars = {
	{ "int(-2)", ffi.new("int", -2) },
	{ "u32(max)", ffi.new("uint32_t", 2 ^ 32 - 1) },
	{ "u8(200)", ffi.new("uint8_t", 200) },
	{ "i16(-5)", ffi.new("int16_t", -5) },
	{ "bool(true)", ffi.new("bool", true) },
	{ "double(2.5)", ffi.new("double", 2.5) },
	{ "float(-1.5)", ffi.new("float", -1.5) },
	{ "enum(B)", ffi.new("mx_e", 5) },
	{ "char(65)", ffi.new("char", 65) },
}
local partners = {
	{ "n3", 3 },
	{ "n-2.5", -2.5 },
	{ "I(-1)", i64(0xffffffff, 0xffffffff) },
	{ "U(3)", u64(0, 3) },
	{ "int(7)", ffi.new("int", 7) },
	{ "strMX_B", "MX_B" }, -- an enum's constant beside an enum cdata
	{ "strzz", "zz" },
}
for _, a in ipairs(scalars) do
	run("3 unm " .. a[1], function(x)
		return -x
	end, a[2])
	for _, b in ipairs(partners) do
		for _, op in ipairs(ops) do
			if not ((op[1] == "==" or op[1] == "<" or op[1] == "<=") and kind(b[2]) ~= "cdata") then
				run("3 " .. a[1] .. " " .. op[1] .. " " .. b[1], op[2], a[2], b[2])
				run("3 " .. b[1] .. " " .. op[1] .. " " .. a[1], op[2], b[2], a[2])
			end
		end
	end
end

-- Scalar cdata compared with each other.
for _, a in ipairs(scalars) do
	for _, b in ipairs(scalars) do
		for _, op in ipairs(ops) do
			if op[1] == "==" or op[1] == "<" or op[1] == "<=" then
				run("3 " .. a[1] .. " " .. op[1] .. " " .. b[1], op[2], a[2], b[2])
			end
		end
	end
end

-- Index keys: a pointer and an array read and written with every kind of key.
local keys = {
	{ "0", 0 },
	{ "1", 1 },
	{ "1.5", 1.5 },
	{ "1.9999", 1.9999 },
	{ "-0.5", -0.5 },
	{ "I(1)", i64(0, 1) },
	{ "U(2)", u64(0, 2) },
	{ "int(1)", ffi.new("int", 1) },
	{ "double(1.5)", ffi.new("double", 1.5) },
	{ "bool(true)", ffi.new("bool", true) },
	{ "str1", "1" },
	{ "true", true },
	{ "{}", {} },
}
local cells = ffi.new("int[4]", 10, 11, 12, 13)
local cells_ptr = ffi.cast("int *", cells)
for _, k in ipairs(keys) do
	do -- (out-of-bounds keys are left out: LuaJIT reads and writes there, README)
		run("4 ptr[" .. k[1] .. "]", function()
			return cells_ptr[k[2]]
		end)
		run("4 ptr[" .. k[1] .. "]=", function()
			local block = ffi.new("int[4]")
			local p = ffi.cast("int *", block)
			p[k[2]] = 7
			return string.format("%d %d %d", block[0], block[1], block[2])
		end)
	end
	run("4 arr[" .. k[1] .. "]", function()
		return cells[k[2]]
	end)
end

-- Pointers: arithmetic and differences by element size, comparisons.
ffi.cdef("typedef struct { char c[3]; } mx_three; typedef struct { double d[2]; } mx_sixteen;")
local block = ffi.new("char[256]")
local ptypes = { "char", "short", "int", "double", "mx_three", "mx_sixteen", "void", "int64_t" }
for _, pt in ipairs(ptypes) do
	local p = ffi.cast(pt .. " *", block)
	local q = ffi.cast(pt .. " *", ffi.cast("char *", block) + 48)
	local function off(x)
		if kind(x) ~= "cdata" then
			return show(x)
		end
		return tostring(tonum(ffi.cast("char *", x) - ffi.cast("char *", block)))
			.. " "
			.. tostring(ffi.typeof(x))
	end
	local cases = {
		{
			"p+1",
			function()
				return off(p + 1)
			end,
		},
		{
			"1+p",
			function()
				return off(1 + p)
			end,
		},
		{
			"q-1",
			function()
				return off(q - 1)
			end,
		},
		{
			"p+2.7",
			function()
				return off(p + 2.7)
			end,
		},
		{
			"p+-1.5",
			function()
				return off(p + -1.5)
			end,
		},
		{
			"p+I(2)",
			function()
				return off(p + i64(0, 2))
			end,
		},
		{
			"p+U(max)",
			function()
				return off(p + u64(0xffffffff, 0xffffffff))
			end,
		},
		{
			"q-p",
			function()
				return q - p
			end,
		},
		{
			"p-q",
			function()
				return p - q
			end,
		},
		{
			"q-char*",
			function()
				return q - ffi.cast("char *", block)
			end,
		},
		{
			"p==q",
			function()
				return p == q
			end,
		},
		{
			"p<q",
			function()
				return p < q
			end,
		},
		{
			"q<=p",
			function()
				return q <= p
			end,
		},
		{
			"p==char*",
			function()
				return p == ffi.cast("char *", block)
			end,
		},
		{
			"p<I(1)",
			function()
				return p < i64(0, 1)
			end,
		},
		{
			"p*2",
			function()
				return p * 2
			end,
		},
		{
			"p+p",
			function()
				return p + p
			end,
		},
		{
			"-p",
			function()
				return -p
			end,
		},
		{
			"p+nil",
			function()
				return p + nil
			end,
		},
		{
			"p+true",
			function()
				return p + true
			end,
		},
		{
			"p..x",
			function()
				return p .. "x"
			end,
		},
	}
	for _, c in ipairs(cases) do
		run("3 ptr " .. pt .. " " .. c[1], c[2])
	end
end

-- Array cdata in arithmetic decay to pointers.
local arr = ffi.new("int[4]")
run("3 arr+1", function()
	return ffi.cast("char *", arr + 1) - ffi.cast("char *", arr)
end)
run("3 arr-arr", function()
	return arr - arr
end)
