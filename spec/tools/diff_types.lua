-- Differential matrix for the type-level API and metatypes: luau-ffi against LuaJIT 2.1
-- (`luajit -joff`), the oracle. The companion of spec/tools/diff_matrix.lua (conversions
-- and arithmetic), built the same way: one script, run unchanged by both VMs, prints one
-- line per case, `<case id> <result>` (n:<number>, b:<boolean>, s:<string>,
-- c<ctype>:<value>, t:<ctype spelling>, ERR <message>), with error positions stripped,
-- the function name in `bad argument` messages replaced by '?', anonymous type ids and
-- heap addresses masked.
--
-- Regenerate and diff (from the repository root, after `make` or the cargo build):
--   export LUAU_CPATH="$PWD/dist/?.so"
--   luajit -joff spec/tools/diff_types.lua > /tmp/types.luajit
--   dist/luau-ffi spec/tools/diff_types.lua > /tmp/types.luau
--   diff /tmp/types.luajit /tmp/types.luau
-- The two outputs are identical. The documented differences (README, "Differences from
-- LuaJIT") are normalized or left out here, each where it applies:
-- function types' spelling (`int (*)(int)` printed as LuaJIT's `int (*)()`),
-- `ffi.typeof(ref)` (LuaJIT `struct s &`, here `struct s`: the trailing ` &` is dropped),
-- the function name in `bad argument` messages, `cdata == nil` and comparisons of cdata
-- with non-cdata (Luau calls no metamethod), `T &` declared in C (here a pointer),
-- metatypes on pointer and scalar types (a Luau extension), `//` (Luau only),
-- `type(cd)` (`userdata`), `getmetatable(cd)` (see section 3).
-- spec/cdata/conformance_types.spec.luau asserts LuaJIT's answers for the rows that
-- found bugs and a sample of the rest.
-- Optional argument: a Lua pattern; only the cases whose id matches it run.
--
-- Written in the subset of Lua 5.1 that Luau also parses.

local ffi = require("ffi")
local kind = typeof or type -- luacheck: ignore (Luau's typeof gives "cdata")
local tonum = ffi.tonumber or tonumber
local unpack = unpack or table.unpack -- luacheck: ignore
local filter = ...
if type(filter) ~= "string" then
	filter = nil
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
	s = string.gsub(s, "(struct) %d+", "%1 N")
	s = string.gsub(s, "(union) %d+", "%1 N")
	s = string.gsub(s, "(enum) %d+", "%1 N")
	-- luau-ffi spells a function type's parameters, LuaJIT never does (README)
	s = string.gsub(s, "%)%b()", ")()")
	s = string.gsub(s, "0x%x%x%x%x%x%x%x+", "ADDR")
	return s
end

local function errmsg(e)
	local s = tostring(e)
	s = string.gsub(s, "^[^:]*:%d+: ", "")
	s = string.gsub(s, "(bad argument #%d+ to )'[^']*'", "%1'?'")
	return "ERR " .. mask(s)
end

local function show(x)
	local k = kind(x)
	if k == "number" then
		return "n:" .. fmt(x)
	elseif k == "boolean" or k == "nil" or k == "string" then
		return string.sub(k, 1, 1) .. ":" .. tostring(x)
	elseif k == "ctype" or (k == "cdata" and string.find(tostring(x), "^ctype<")) then
		-- a ctype object (LuaJIT's are cdata)
		return "t:" .. tostring(x)
	elseif k == "cdata" then
		local ct = string.gsub(tostring(ffi.typeof(x)), "^ctype", "")
		ct = string.gsub(ct, " &>$", ">")
		local s = tostring(x)
		if not string.find(s, "^cdata<") then
			return "c" .. ct .. ":" .. s
		end
		return "c" .. ct .. ":" .. string.gsub(s, "^cdata<[^>]*>: ", "")
	end
	return k
end

local function run(id, f, a, b)
	if filter ~= nil and not string.find(id, filter) then
		return
	end
	local ok, r = pcall(f, a, b)
	if ok then
		emit(id, mask(show(r)))
	else
		emit(id, errmsg(r))
	end
end

---------------------------------------------------------------------------------------
-- 1. ffi.istype(ctype, value)

ffi.cdef([[
typedef enum { DT_A, DT_B = 5 } dt_e;
typedef struct dt_s { int x; int a[3]; struct { int y; } in; } dt_s;
typedef union dt_u { int i; float f; } dt_u;
typedef struct dt_s dt_s2;
typedef const int dt_cint;
typedef int dt_arr4[4];
typedef int (*dt_fn)(int);
struct dt_fwd;
typedef enum { DT_C } dt_e2;
]])

local types = {
	"int",
	"const int",
	"volatile int",
	"const volatile int",
	"unsigned int",
	"dt_cint",
	"char",
	"unsigned char",
	"int8_t",
	"int64_t",
	"uint64_t",
	"long",
	"double",
	"float",
	"bool",
	"dt_e",
	"enum dt_e",
	"void *",
	"const void *",
	"char *",
	"const char *",
	"int *",
	"const int *",
	"int * const",
	"volatile int *",
	"unsigned int *",
	"int **",
	"dt_fn",
	"int (*)(int)",
	"int (*)(double)",
	"int[4]",
	"dt_arr4",
	"int[3]",
	"int[?]",
	"const int[4]",
	"struct dt_s",
	"dt_s",
	"dt_s2",
	"const dt_s",
	"struct dt_s *",
	"const struct dt_s *",
	"union dt_u",
	"dt_u *",
	"struct { int x; }",
	"struct dt_fwd *",
	"int (*)[4]",
	"signed char",
	"signed char *",
	"const int **",
	"void **",
	"bool *",
	"dt_e *",
	"dt_e2 *",
	"int (*)[3]",
	"const int (*)[4]",
	"uint8_t *",
	"complex double",
	"float *",
	"double *",
	"int64_t *",
	"long *",
	"dt_s **",
	"const dt_s **",
}

local s0 = ffi.new("dt_s")
local arr4 = ffi.new("int[4]")
local function values()
	return {
		{ "int(1)", ffi.new("int", 1) },
		{ "cint(1)", ffi.new("const int", 1) },
		{ "uint(1)", ffi.new("unsigned int", 1) },
		{ "char(1)", ffi.new("char", 1) },
		{ "i64", ffi.new("int64_t", 1) },
		{ "u64", ffi.new("uint64_t", 1) },
		{ "double", ffi.new("double", 1) },
		{ "bool", ffi.new("bool", true) },
		{ "enum", ffi.new("dt_e", 5) },
		{ "void*", ffi.cast("void *", 16) },
		{ "cvoid*", ffi.cast("const void *", 16) },
		{ "char*", ffi.cast("char *", 16) },
		{ "cchar*", ffi.cast("const char *", 16) },
		{ "int*", ffi.cast("int *", 16) },
		{ "cint*", ffi.cast("const int *", 16) },
		{ "intc*", ffi.cast("int * const", 16) },
		{ "vint*", ffi.cast("volatile int *", 16) },
		{ "uint*", ffi.cast("unsigned int *", 16) },
		{ "int**", ffi.cast("int **", 16) },
		{ "fn", ffi.cast("dt_fn", 16) },
		{ "fn(d)", ffi.cast("int (*)(double)", 16) },
		{ "int[4]", arr4 },
		{ "int[3]", ffi.new("int[3]") },
		{ "int[?]", ffi.new("int[?]", 2) },
		{ "cint[4]", ffi.new("const int[4]") },
		{ "s", s0 },
		{ "cs", ffi.new("const dt_s") },
		{ "s*", ffi.cast("dt_s *", s0) },
		{ "cs*", ffi.cast("const dt_s *", s0) },
		{ "s**", ffi.cast("dt_s **", 16) },
		{ "u", ffi.new("dt_u") },
		{ "anon", ffi.new("struct { int x; }") },
		{ "s.x", s0.a[0] },
		{ "s.a", s0.a },
		{ "s.in", s0["in"] },
		{ "arr[0]", ffi.new("dt_s[2]")[1] },
		{ "int(*)[4]", ffi.cast("int (*)[4]", 16) },
		{ "fwd*", ffi.cast("struct dt_fwd *", 16) },
		{ "schar", ffi.new("signed char", 1) },
		{ "cint**", ffi.cast("const int **", 16) },
		{ "void**", ffi.cast("void **", 16) },
		{ "bool*", ffi.cast("bool *", 16) },
		{ "e*", ffi.cast("dt_e *", 16) },
		{ "e2*", ffi.cast("dt_e2 *", 16) },
		{ "e2", ffi.new("dt_e2") },
		{ "cint(*)[4]", ffi.cast("const int (*)[4]", 16) },
		{ "uchar*", ffi.cast("uint8_t *", 16) },
		{ "complex", ffi.new("complex double", 1, 2) },
		{ "float*", ffi.cast("float *", 16) },
		{ "double*", ffi.cast("double *", 16) },
		{ "long*", ffi.cast("long *", 16) },
		{ "u64*", ffi.cast("uint64_t *", 16) },
		{ "s**", ffi.cast("dt_s **", 16) },
		{ "cs**", ffi.cast("const dt_s **", 16) },
		{ "cs*c*", ffi.cast("const dt_s * const *", 16) },
		{ "ct(int)", ffi.typeof("int") },
		{ "ct(s)", ffi.typeof("dt_s") },
		{ "ct(s*)", ffi.typeof("dt_s *") },
		{ "num", 1 },
		{ "str", "abc" },
		{ "nil", nil },
		{ "true", true },
		{ "{}", {} },
		{ "fnlua", print },
	}
end

for _, t in ipairs(types) do
	local ok, ct = pcall(ffi.typeof, t)
	if not ok then
		emit("1 typeof " .. t, errmsg(ct))
	else
		for _, v in ipairs(values()) do
			run("1 istype " .. t .. " | " .. v[1], function()
				return ffi.istype(ct, v[2])
			end)
		end
		-- the ctype given as a string
		run("1 istype str " .. t, function()
			return ffi.istype(t, s0)
		end)
	end
end
run("1 istype refct", function()
	return ffi.istype(ffi.typeof(s0["in"]), s0["in"])
end)
run("1 istype refct x", function()
	return ffi.istype(ffi.typeof(s0.a), arr4)
end)
run("1 istype bad1", function()
	return ffi.istype(1, s0)
end)
run("1 istype bad nil", function()
	return ffi.istype(nil, s0)
end)
run("1 istype bad str", function()
	return ffi.istype("nosuch_t", s0)
end)
run("1 istype cdata as ct", function()
	return ffi.istype(s0, s0)
end)
run("1 istype none", function()
	return ffi.istype("int")
end)

---------------------------------------------------------------------------------------
-- 2. ffi.typeof with `$` parameters; tostring, sizeof, alignof, offsetof of the result;
-- ffi.typeof(cdata) identity.

local int_t = ffi.typeof("int")
local dbl_t = ffi.typeof("double")
local s_t = ffi.typeof("dt_s")
local u_t = ffi.typeof("union dt_u")
local cp_t = ffi.typeof("const char *")
local fn_t = ffi.typeof("dt_fn")
local a4_t = ffi.typeof("int[4]")
local e_t = ffi.typeof("dt_e")
local params = {
	{ "int", int_t },
	{ "double", dbl_t },
	{ "s", s_t },
	{ "u", u_t },
	{ "cp", cp_t },
	{ "fn", fn_t },
	{ "a4", a4_t },
	{ "e", e_t },
}
local templates = {
	"$",
	"$ *",
	"const $",
	"$ const *",
	"$ * const",
	"volatile $ *",
	"$[3]",
	"$[?]",
	"$ *[2]",
	"$ (*)[2]",
	"$ (*)($, int)",
	"$ (*)(void)",
	"struct { $ a; }",
	"struct { char c; $ a; }",
	"union { char c; $ a; }",
	"struct { $ a; $ b[2]; }",
	"struct { int n; $ v[?]; }",
	"$ &",
}
local function describe(id, ct, fields)
	emit(id .. " tostring", mask(tostring(ct)))
	run(id .. " sizeof", function()
		return ffi.sizeof(ct)
	end)
	run(id .. " sizeof 3", function()
		return ffi.sizeof(ct, 3)
	end)
	run(id .. " alignof", function()
		return ffi.alignof(ct)
	end)
	for _, f in ipairs(fields or {}) do
		run(id .. " offsetof " .. f, function()
			return ffi.offsetof(ct, f)
		end)
	end
end
for _, tpl in ipairs(templates) do
	for _, p in ipairs(params) do
		local id = "2 typeof " .. tpl .. " / " .. p[1]
		local n = select(2, string.gsub(tpl, "%$", "$"))
		local args = {}
		for i = 1, n do
			args[i] = p[2]
		end
		local ok, ct = pcall(ffi.typeof, tpl, unpack(args, 1, n))
		if not ok then
			emit(id, errmsg(ct))
		elseif string.find(tpl, "&") then
			-- `T &` declared in C is a pointer here, LuaJIT's reference type (README,
			-- "`T &` in a declaration"): only whether it parses is compared.
			emit(id, "normalized")
		else
			describe(id, ct, { "a", "b", "c", "n", "v", "nosuch" })
		end
	end
end

-- numbers and names as parameters
local cases2 = {
	{ "int[$]", 5 },
	{ "int[$]", 0 },
	{ "int[$]", -1 },
	-- `int[$]` with 2.5: an error here, LuaJIT truncates (README, "Declarations LuaJIT
	-- accepts loosely are errors"): left out.
	{ "int[$]", "3" },
	{ "int[$][$]", 2, 3 },
	{ "$[$]", dbl_t, 4 },
	{ "struct { int $; double $; }", "first", "second" },
	{ "struct { int $; }", "int" },
	{ "struct { int $; }", 5 },
	-- `struct $` with a name: LuaJIT never finds the tag in typeof (`undeclared or
	-- implicit tag`), luau-ffi does (README, "Declarations LuaJIT accepts loosely"):
	-- only an undeclared one is compared.
	{ "enum $", "dt_nosuch" },
	{ "$", "int" },
	{ "$ *", "dt_s" },
	{ "$", nil, n = 2 },
	{ "$", 5 },
	{ "$", {} },
	{ "$", ffi.new("int") },
	{ "$ *", s0 },
	{ "int $", "x" },
	{ "$ $", int_t, "x" },
	{ "int", int_t },
	{ "$ $", int_t },
	{ "int (*)($, $)", int_t, "double" },
	{ "struct { $ a; $ b[$]; }", int_t, dbl_t, 3 },
	{ "$ (*)($, $)", s_t, cp_t, dbl_t },
	{ "$ (*)($ *, $[$])", int_t, s_t, int_t, 2 },
	{ "int (*$)(int)", "name" },
}
for i, c in ipairs(cases2) do
	local id = "2 typeof#" .. i .. " " .. c[1]
	local ok, ct = pcall(ffi.typeof, unpack(c, 1, c.n or #c))
	if not ok then
		emit(id, errmsg(ct))
	else
		describe(id, ct, { "first", "second", "a", "b", "x" })
	end
end

-- tostring of named and builtin types
local spellings = {
	"int",
	"const int",
	"volatile int",
	"const volatile int",
	"unsigned int",
	"unsigned",
	"signed char",
	"unsigned char",
	"char",
	"short",
	"unsigned short int",
	"long",
	"unsigned long",
	"long long",
	"unsigned long long",
	"int8_t",
	"uint8_t",
	"int16_t",
	"uint16_t",
	"int32_t",
	"uint32_t",
	"int64_t",
	"uint64_t",
	"size_t",
	"ssize_t",
	"intptr_t",
	"uintptr_t",
	"ptrdiff_t",
	"bool",
	"_Bool",
	"float",
	"double",
	"void",
	"void *",
	"const void *",
	"const char *",
	"char * const",
	"const char * const",
	"char **",
	"const char **",
	"char * const *",
	"int[4]",
	"int[?]",
	"int[2][3]",
	"int *[4]",
	"int (*)[4]",
	"const int[4]",
	"dt_s",
	"struct dt_s",
	"dt_s *",
	"const dt_s *",
	"dt_s2",
	"dt_u",
	"union dt_u",
	"dt_e",
	"enum dt_e",
	"dt_cint",
	"dt_arr4",
	"dt_fn",
	"struct dt_fwd",
	"struct dt_fwd *",
	"struct { int x; }",
	"union { int x; }",
	"enum { DT_Z }",
	"complex double",
	"complex float",
	"va_list",
	"wchar_t",
}
for _, t in ipairs(spellings) do
	local ok, ct = pcall(ffi.typeof, t)
	if not ok then
		emit("2 spell " .. t, errmsg(ct))
	else
		describe("2 spell " .. t, ct)
	end
end

-- ffi.typeof(cdata) identity
local idents = {
	{ "int", ffi.new("int") },
	{ "const int", ffi.new("const int") },
	{ "int64_t", ffi.new("int64_t") },
	{ "dt_s", s0 },
	{ "struct dt_s", s0 },
	{ "dt_s2", s0 },
	{ "dt_s *", ffi.cast("dt_s *", s0) },
	{ "int[4]", arr4 },
	{ "int[?]", ffi.new("int[?]", 3) },
	{ "int[3]", ffi.new("int[?]", 3) },
	{ "dt_fn", ffi.cast("dt_fn", 16) },
	-- function types are interned by signature here, LuaJIT makes a new one for each
	-- declaration (README, "C spelling of function types"): `int (*)(int)` left out.
	{ "dt_e", ffi.new("dt_e") },
	{ "void *", ffi.cast("void *", 1) },
	{ "const char *", ffi.cast("const char *", 1) },
}
for _, c in ipairs(idents) do
	run("2 ident " .. c[1] .. " " .. mask(tostring(ffi.typeof(c[2]))), function()
		return ffi.typeof(c[2]) == ffi.typeof(c[1])
	end)
end
-- ffi.typeof of a reference (s.a) is the referenced type here, LuaJIT's `int (&)[3]`
-- (README, "`ffi.typeof(ref)`"): not compared.
run("2 ident typeof(ct)", function()
	return ffi.typeof(int_t) == int_t
end)
run("2 ident typeof twice", function()
	return ffi.typeof("int") == ffi.typeof("int")
end)
run("2 ident anon twice", function()
	return ffi.typeof("struct { int x; }") == ffi.typeof("struct { int x; }")
end)
run("2 ident ptr", function()
	return ffi.typeof("dt_s *") == ffi.typeof("$ *", s_t)
end)
run("2 ident arr", function()
	return ffi.typeof("int[4]") == ffi.typeof("$[4]", int_t)
end)
run("2 ident typedef", function()
	return ffi.typeof("dt_s2") == s_t
end)
run("2 ident const", function()
	return ffi.typeof("const int") == int_t
end)
run("2 typeof num", function()
	return ffi.typeof(1)
end)
run("2 typeof nil", function()
	return ffi.typeof(nil)
end)
run("2 typeof none", function()
	return ffi.typeof()
end)
run("2 typeof table", function()
	return ffi.typeof({})
end)
run("2 typeof bad", function()
	return ffi.typeof("int x y")
end)
run("2 typeof extra", function()
	return ffi.typeof("int", int_t)
end)
run("2 typeof missing param", function()
	return ffi.typeof("$ *")
end)
run("2 offsetof bad", function()
	return ffi.offsetof(s_t, 1)
end)
run("2 offsetof int", function()
	return ffi.offsetof(int_t, "x")
end)
run("2 offsetof in", function()
	return ffi.offsetof(s_t, "in")
end)
run("2 sizeof str", function()
	return ffi.sizeof("abc")
end)
run("2 sizeof cd", function()
	return ffi.sizeof(s0)
end)
run("2 sizeof vla cd", function()
	return ffi.sizeof(ffi.new("int[?]", 5))
end)
run("2 sizeof vla", function()
	return ffi.sizeof("int[?]")
end)
run("2 sizeof fwd", function()
	return ffi.sizeof("struct dt_fwd")
end)
run("2 alignof fwd", function()
	return ffi.alignof("struct dt_fwd")
end)
run("2 sizeof void", function()
	return ffi.sizeof("void")
end)
run("2 sizeof fn", function()
	return ffi.sizeof("int (int)")
end)
run("2 sizeof ref", function()
	return ffi.sizeof(s0["in"])
end)

---------------------------------------------------------------------------------------
-- 3. Metatypes: each metamethod on the value, a pointer to it, references to it (an
-- array element, a nested field) and the ctype object. `//` and `__idiv` are Luau's
-- only (Lua 5.1 cannot spell them) and `__iter` too: not here. Comparisons of a cdata
-- with a number and `cd == nil` are left out (README, "`cdata == nil` is never true").

local log = {}
local ncase = 0
local function subjects(mt)
	ncase = ncase + 1
	local name = "dt_m" .. ncase
	ffi.cdef(
		"struct "
			.. name
			.. " { int x; }; struct "
			.. name
			.. "c { int pad; struct "
			.. name
			.. " in; };"
	)
	local ct = ffi.metatype("struct " .. name, mt)
	local v = ffi.new(ct, 7)
	local arr = ffi.new("struct " .. name .. "[2]", { { 7 }, { 8 } })
	local c = ffi.new("struct " .. name .. "c", { 0, { 7 } })
	return ct,
		{
			{ "val", v },
			{ "ptr", ffi.cast("struct " .. name .. " *", v) },
			{ "elem", arr[0] },
			{ "field", c["in"] },
			{ "ptrarr", ffi.new("struct " .. name .. " *[2]", v, v) }, -- [1] in bounds (README, "Bounds checks")
		},
		ffi.new(ct, 8),
		{ v, arr, c }
end

local mcases = {
	{
		"index-table",
		{
			__index = {
				foo = 42,
				get = function(self)
					return self.x
				end,
			},
		},
		{
			{
				"o.foo",
				function(o)
					return o.foo
				end,
			},
			{
				"o.x",
				function(o)
					return o.x
				end,
			},
			{
				"o:get()",
				function(o)
					return o:get()
				end,
			},
			{
				"o.nosuch",
				function(o)
					return o.nosuch
				end,
			},
			{
				"o.nosuch=1",
				function(o)
					o.nosuch = 1
				end,
			},
		},
	},
	{
		"index-fn",
		{
			__index = function(o, k)
				if k == "self" then
					-- a reference's type is the referenced type here (README,
					-- "`ffi.typeof(ref)`"): the ` &` is dropped
					return (string.gsub(tostring(ffi.typeof(o)), " &>$", ">"))
				end
				return k .. "!"
			end,
		},
		{
			{
				"o.foo",
				function(o)
					return o.foo
				end,
			},
			{
				"o.x",
				function(o)
					return o.x
				end,
			},
			{
				"o[1]",
				function(o)
					return o[1]
				end,
			},
			{
				"o.self",
				function(o)
					return o.self
				end,
			},
		},
	},
	{
		"newindex",
		{
			__newindex = function(o, k, v)
				log[#log + 1] = tostring(k) .. "=" .. tostring(v)
			end,
		},
		{
			{
				"o.foo=1",
				function(o)
					o.foo = 1
					return table.concat(log, ",")
				end,
			},
			{
				"o.x=5",
				function(o)
					o.x = 5
					return o.x
				end,
			},
			{
				"o.foo",
				function(o)
					return o.foo
				end,
			},
		},
	},
	{
		"newindex-table",
		{ __newindex = {} },
		{
			{
				"o.foo=1",
				function(o)
					o.foo = 1
					return "done"
				end,
			},
		},
	},
	{
		"call",
		{
			__call = function(o, a, b)
				return a + b + o.x
			end,
		},
		{
			{
				"o(1,2)",
				function(o)
					return o(1, 2)
				end,
			},
		},
	},
	{
		"tostring",
		{
			__tostring = function(o)
				return "T" .. o.x
			end,
		},
		{
			{
				"tostring",
				function(o)
					return tostring(o)
				end,
			},
		},
	},
	-- A `__tostring` returning a number: Luau's `tostring` makes it a string, LuaJIT's
	-- returns the number (the VMs' own `tostring`): left out.
	{
		"len",
		{
			__len = function(o)
				return o.x * 2
			end,
		},
		{
			{
				"#o",
				function(o)
					return #o
				end,
			},
		},
	},
	{
		"concat",
		{
			__concat = function(a, b)
				return (type(a) == "string" and a or "C")
					.. "+"
					.. (type(b) == "string" and b or "C")
			end,
		},
		{
			{
				"o..s",
				function(o)
					return o .. "s"
				end,
			},
			{
				"s..o",
				function(o)
					return "s" .. o
				end,
			},
			{
				"o..o",
				function(o)
					return o .. o
				end,
			},
		},
	},
	{
		"eq",
		{
			__eq = function(a, b)
				return a.x + 1 == b.x
			end,
		},
		{
			{
				"o==o2",
				function(o, o2)
					return o == o2
				end,
			},
			{
				"o2==o",
				function(o, o2)
					return o2 == o
				end,
			},
			{
				"o~=o2",
				function(o, o2)
					return o ~= o2
				end,
			},
			{
				"o==o",
				function(o)
					return o == o
				end,
			},
		},
	},
	{
		"lt-le",
		{
			__lt = function(a, b)
				return a.x < b.x
			end,
			__le = function(a, b)
				return a.x <= b.x
			end,
		},
		{
			{
				"o<o2",
				function(o, o2)
					return o < o2
				end,
			},
			{
				"o2<o",
				function(o, o2)
					return o2 < o
				end,
			},
			{
				"o<=o2",
				function(o, o2)
					return o <= o2
				end,
			},
			{
				"o>o2",
				function(o, o2)
					return o > o2
				end,
			},
			{
				"o>=o2",
				function(o, o2)
					return o >= o2
				end,
			},
		},
	},
	{
		"lt-only",
		{
			__lt = function(a, b)
				return a.x < b.x
			end,
		},
		{
			{
				"o<=o2",
				function(o, o2)
					return o <= o2
				end,
			},
		},
	},
	{
		"arith",
		{
			__add = function(a, b)
				return "add"
			end,
			__sub = function(a, b)
				return "sub"
			end,
			__mul = function(a, b)
				return "mul"
			end,
			__div = function(a, b)
				return "div"
			end,
			__mod = function(a, b)
				return "mod"
			end,
			__pow = function(a, b)
				return "pow"
			end,
			__unm = function(a)
				return "unm" .. a.x
			end,
		},
		{
			{
				"o+1",
				function(o)
					return o + 1
				end,
			},
			{
				"1+o",
				function(o)
					return 1 + o
				end,
			},
			{
				"o+o2",
				function(o, o2)
					return o + o2
				end,
			},
			{
				"o-1",
				function(o)
					return o - 1
				end,
			},
			{
				"o*1",
				function(o)
					return o * 1
				end,
			},
			{
				"o/1",
				function(o)
					return o / 1
				end,
			},
			{
				"o%1",
				function(o)
					return o % 1
				end,
			},
			{
				"o^1",
				function(o)
					return o ^ 1
				end,
			},
			{
				"-o",
				function(o)
					return -o
				end,
			},
			{
				"o+'s'",
				function(o)
					return o + "s"
				end,
			},
		},
	},
	{
		"none",
		{},
		{
			{
				"o.foo",
				function(o)
					return o.foo
				end,
			},
			{
				"o+1",
				function(o)
					return o + 1
				end,
			},
			{
				"-o",
				function(o)
					return -o
				end,
			},
			{
				"#o",
				function(o)
					return #o
				end,
			},
			{
				"o..s",
				function(o)
					return o .. "s"
				end,
			},
			{
				"o()",
				function(o)
					return o()
				end,
			},
			{
				"o<o2",
				function(o, o2)
					return o < o2
				end,
			},
			{
				"o==o2",
				function(o, o2)
					return o == o2
				end,
			},
			{
				"tostring",
				function(o)
					return tostring(o)
				end,
			},
		},
	},
}
for _, mc in ipairs(mcases) do
	local ct, subs, o2 = subjects(mc[2])
	for _, sub in ipairs(subs) do
		for _, op in ipairs(mc[3]) do
			log = {}
			run("3 " .. mc[1] .. " " .. sub[1] .. " " .. op[1], op[2], sub[2], o2)
		end
	end
	-- The ctype object: LuaJIT's is a cdata holding a type id, so arithmetic,
	-- comparisons, `..` and `#` on it treat it as an integer or call the struct's
	-- metamethods with it; here a ctype is no cdata and they are Luau's errors (README,
	-- "ctype objects"): only indexing, stores and tostring are compared.
	if string.find(mc[1], "index") or mc[1] == "tostring" then
		for _, op in ipairs(mc[3]) do
			log = {}
			run("3 " .. mc[1] .. " ctype " .. op[1], op[2], ct, o2)
		end
	end
end

-- __new, the ctype object, ct.static
do
	local ct = subjects({
		__new = function(ct, a, b)
			return ffi.new(ct, (a or 0) * 10 + (b or 0))
		end,
		__index = {
			static = "S",
			make = function(n)
				return n + 1
			end,
		},
	})
	run("3 new ct(1,2)", function()
		return ct(1, 2).x
	end)
	run("3 new ct()", function()
		return ct().x
	end)
	run("3 new ffi.new", function()
		return ffi.new(ct, 3).x
	end)
	run("3 new typeof", function()
		return tostring(ffi.typeof(ct(1)))
	end)
	run("3 ct.static", function()
		return ct.static
	end)
	run("3 ct.make(1)", function()
		return ct.make(1)
	end)
	run("3 ct.x", function()
		return ct.x
	end)
	run("3 ct.nosuch", function()
		return ct.nosuch
	end)
	run("3 ct.static=1", function()
		ct.static = 1
		return ct.static
	end)
end
do
	local ct = subjects({
		__new = function(ct, a)
			return a
		end,
	})
	run("3 new returns number", function()
		return ct(5)
	end)
	run("3 new no results", function()
		return ct()
	end)
end
do
	local ct = subjects({
		__new = function()
			error("boom")
		end,
	})
	run("3 new error", function()
		return ct(5)
	end)
end

-- __gc
do
	local ct = subjects({
		__gc = function(o)
			if o.x == 3 or o.x == 4 or o.x == 5 then
				log[#log + 1] = "gc" .. o.x
			end
		end,
	})
	log = {}
	local x = ct(3)
	x = nil
	collectgarbage()
	collectgarbage()
	emit("3 gc ran", table.concat(log, ","))
	log = {}
	local y = ffi.gc(ct(4), nil)
	y = nil
	collectgarbage()
	collectgarbage()
	emit("3 gc removed", table.concat(log, ","))
	log = {}
	local p = ffi.cast(ffi.typeof("$ *", ct), ffi.new("int[1]", 5))
	p = nil
	collectgarbage()
	collectgarbage()
	emit("3 gc pointer", table.concat(log, ","))
end

-- ffi.metatype itself
ffi.cdef([[
struct dt_twice { int x; };
struct dt_inc;
typedef struct { int x; } dt_anon_t;
union dt_mu { int x; };
]])
run("3 metatype twice 1", function()
	return ffi.metatype("struct dt_twice", {})
end)
run("3 metatype twice 2", function()
	return ffi.metatype("struct dt_twice", {})
end)
run("3 metatype twice other", function()
	return ffi.metatype("struct dt_twice", { __index = {} })
end)
run("3 metatype incomplete", function()
	return ffi.metatype("struct dt_inc", {})
end)
run("3 metatype anon", function()
	return ffi.metatype("dt_anon_t", {})
end)
run("3 metatype union", function()
	return ffi.metatype("union dt_mu", { __index = { k = 1 } }) and ffi.new("union dt_mu").k
end)
run("3 metatype nil", function()
	return ffi.metatype("struct dt_m1", nil)
end)
run("3 metatype str", function()
	return ffi.metatype("struct dt_m1", "x")
end)
run("3 metatype none", function()
	return ffi.metatype()
end)
run("3 metatype bad type", function()
	return ffi.metatype(1, {})
end)
run("3 metatype via ct", function()
	return ffi.metatype(ffi.typeof("struct { int y; }"), {})
end)
run("3 metatype typedef after", function()
	return ffi.metatype("dt_anon_t", {})
end)
-- Metatypes on scalar and pointer types are a Luau extension (README, status table,
-- `ffi.metatype`): not compared.
-- getmetatable(cd): LuaJIT's cdata share one metatable whose __metatable is "ffi"
do
	local ct = subjects({ __index = { a = 1 } })
	run("3 getmetatable cd", function()
		return getmetatable(ct(1))
	end)
	run("3 getmetatable plain", function()
		return getmetatable(ffi.new("int"))
	end)
	run("3 getmetatable ct", function()
		return getmetatable(ct)
	end)
	-- the VMs word setmetatable's refusal differently: only that it refuses is compared
	run("3 setmetatable cd", function()
		return (pcall(setmetatable, ct(1), {}))
	end)
end
