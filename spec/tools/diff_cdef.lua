-- Differential matrix for C declarations: `ffi.cdef` and `ffi.typeof` parsing of
-- luau-ffi against LuaJIT 2.1 (`luajit -joff`), the oracle. The companion of
-- spec/tools/diff_matrix.lua and spec/tools/diff_types.lua, built the same way: one
-- script, run unchanged by both VMs, prints one line per case, `<case id> <result>`:
-- `ok` plus `sz:<sizeof> al:<alignof> t:<tostring of the type>` (and `<field>@<offset>`
-- for the fields probed) of what the case declared, or `ERR <message>`. Every case
-- declares fresh names (`Q_<n>`, masked to `Q` in the output), so cases do not interact.
-- Sections: 1. specifiers in all orders (up to three words) and a list of spellings;
-- 2. declarators and type strings; 3. structs, unions, enums, bitfields, packing,
-- functions, variables and constants, top-level oddities; 4. valid declarations cut at
-- each token, with adjacent tokens swapped, a `;` or any one token dropped; 5. bitfields
-- of every width, `#pragma pack(n)`; 6. qualifiers at each pointer level, storage classes
-- at each position.
--
-- Regenerate and diff (from the repository root, after `make` or the cargo build):
--   export LUAU_CPATH="$PWD/dist/?.so"
--   luajit -joff spec/tools/diff_cdef.lua > /tmp/cdef.luajit
--   dist/luau-ffi spec/tools/diff_cdef.lua > /tmp/cdef.luau
--   diff /tmp/cdef.luajit /tmp/cdef.luau
-- The two outputs are identical. The differences kept (the table KNOWN below) print a
-- label instead of their result in both: `DOC README: ...` names the entry of "Differences
-- from LuaJIT" that covers the case, `LEFT: ...` an incidental LuaJIT message left alone.
-- Arguments: a plain substring (or ""), only the cases whose id contains it run; then
-- `raw` (print the kept differences' results, not their labels) or `rows` (print each
-- case as a data row of spec/cdata/conformance_cdef.spec.luau; run under LuaJIT, this
-- gives LuaJIT's answers).
--
-- Written in the subset of Lua 5.1 that Luau also parses.

local ffi = require("ffi")
local unpack = unpack or table.unpack -- luacheck: ignore
local filter, mode = ...
if type(filter) ~= "string" or filter == "" then
	filter = nil
end
-- `rows` as the second argument: print each case as a data row of
-- spec/cdata/conformance_cdef.spec.luau instead (run under LuaJIT to get its answers);
-- `raw`: print the kept differences' results instead of their labels
local rows = mode == "rows"
local current -- the case being run, for `rows`
local function quote(x)
	-- %q, with a newline as `\n` so that each row is one line
	return (string.gsub(string.format("%q", x), "\\\n", "\\n"))
end

-- The differences kept, by case id (its first word), each printed as its label in both
-- VMs. "README:" labels name the entry of "Differences from LuaJIT" that covers the case;
-- "LEFT:" labels are error messages for malformed input that differ in wording only.
local EXT = "DOC README: some it refuses are accepted"
local LOOSE = "DOC README: declarations LuaJIT accepts loosely are errors"
local REF = "DOC README: T & in a declaration is a pointer"
local WIDE = "DOC README: constant expressions are 64-bit, as in C"
local NODECL = "DOC README: a declaration or member without a declarator"
local INIT = "DOC README: initializers on any declaration, static const without one"
local LAYOUT = "DOC README: zero-width and unnamed bitfields, packed enums lay out as gcc"
local ODD = "LEFT: LuaJIT's message for malformed input is incidental"
local KNOWN = {
	["spec2.char16_t"] = EXT,
	["spec2.char32_t"] = EXT,
	["spec2.__int128"] = EXT,
	["spec2.unsigned___int128"] = EXT,
	["typeof.80.__int128"] = EXT,
	["typeof.81.char16_t"] = EXT,
	["v.thread"] = EXT,
	["f.noreturn"] = EXT,
	["decl.49.@[_Alignof(long"] = EXT,
	["decl.50.@[alignof(short)]"] = EXT,
	["decl.63.@['ab']"] = EXT,
	["bf.enum"] = EXT,
	["e.typed"] = EXT,
	["e.forward"] = EXT,
	["s.hash_define"] = EXT,
	["t.static_assert"] = EXT,
	["f.void_named"] = LOOSE,
	["decl.37.(&@)"] = REF,
	["decl.38.&@"] = REF,
	["typeof.20.int"] = REF,
	["typeof.21.int"] = REF,
	["decl.41.@[0x7ffffffff]"] = WIDE,
	["decl.44.@[1LL"] = WIDE,
	["decl.53.@[(char)300]"] = WIDE,
	["decl.54.@[(unsigned"] = WIDE,
	["typeof.10.int"] = WIDE,
	["e.big"] = WIDE,
	["bf.zero"] = LAYOUT,
	["e.packed"] = LAYOUT,
	["t.bare_int"] = NODECL,
	["v.static_const_nonconst"] = INIT,
	["v.const_noinit"] = INIT,
	["v.const_float"] = INIT,
	["v.const_u64"] = INIT,
	["v.const_bool"] = INIT,
	["v.const_redef"] = INIT,
	["v.const_redef_diff"] = INIT,
	["v.init"] = INIT,
	["v.typedef_init"] = INIT,
	["trunc.5.4"] = INIT,
	["drop.3.3"] = INIT,
	["drop.5.1"] = INIT,
	["drop.5.2"] = INIT,
	["drop.5.5"] = INIT,
	["swap.5.5"] = INIT,
	["drop.5.6"] = ODD,
	["drop.8.8"] = ODD,
	["swap.8.8"] = ODD,
}
-- the same declarators with `char`, the same specifiers in `ffi.typeof`
local more = {}
for k, v in pairs(KNOWN) do
	if string.sub(k, 1, 5) == "decl." then
		more["declc." .. string.sub(k, 6)] = v
	elseif string.sub(k, 1, 6) == "spec2." then
		more["tspec." .. k] = v
	end
end
for k, v in pairs(more) do
	KNOWN[k] = v
end

local function emit(id, result)
	if filter == nil or string.find(id, filter, 1, true) then
		local label = mode ~= "raw" and KNOWN[string.match(id, "^%S+")] or nil
		if rows then
			if label == nil then
				local c = current
				local f = "nil"
				if c.fields then
					f = quote(table.concat(c.fields, ","))
				end
				print(
					string.format(
						"{ %s, %s, %s, %s, %s, %s },",
						quote(id),
						quote(c.kind),
						quote(c.src),
						c.probe and quote(c.probe) or "nil",
						f,
						quote(result)
					)
				)
			end
		else
			print(id .. " " .. (label or result))
		end
	end
end

local function mask(s)
	s = string.gsub(s, "Q_%d+", "Q")
	s = string.gsub(s, "(struct) %d+", "%1 N")
	s = string.gsub(s, "(union) %d+", "%1 N")
	s = string.gsub(s, "(enum) %d+", "%1 N")
	-- luau-ffi spells a function type's parameters, LuaJIT never does (README)
	s = string.gsub(s, "%)%b()", ")()")
	s = string.gsub(s, "%*%b()", "*()")
	s = string.gsub(s, "(%w) %([^*&()][^()]*%)", "%1 ()")
	return s
end

local function errmsg(e)
	local s = tostring(e)
	s = string.gsub(s, "^[^:]*:%d+: ", "")
	return "ERR " .. mask(s)
end

local counter = 0
local function fresh(src)
	counter = counter + 1
	local u = "Q_" .. counter
	return (string.gsub(src, "@", u)), u
end

local function describe(ct, fields)
	local out = {}
	local ok, sz = pcall(ffi.sizeof, ct)
	out[#out + 1] = "sz:" .. (ok and tostring(sz) or "ERR")
	local ok2, al = pcall(ffi.alignof, ct)
	out[#out + 1] = "al:" .. (ok2 and tostring(al) or "ERR")
	out[#out + 1] = "t:" .. mask(tostring(ct))
	if fields then
		for _, f in ipairs(fields) do
			local ok3, off = pcall(ffi.offsetof, ct, f)
			out[#out + 1] = f .. "@" .. (ok3 and tostring(off) or "ERR")
		end
	end
	return table.concat(out, " ")
end

-- A cdef case: `src` with `@` replaced by a fresh name; `probe` (also with `@`) is the
-- type reported after the declaration succeeds.
local function cdef(id, src, probe, fields)
	if filter ~= nil and not string.find(id, filter, 1, true) then
		return
	end
	current = { kind = "cdef", src = src, probe = probe, fields = fields }
	local s, u = fresh(src)
	local ok, e = pcall(ffi.cdef, s)
	if not ok then
		emit(id, errmsg(e))
		return
	end
	if probe == nil then
		emit(id, "ok")
		return
	end
	local p = string.gsub(probe, "@", u)
	local ok2, ct = pcall(ffi.typeof, p)
	if not ok2 then
		emit(id, "ok probe " .. errmsg(ct))
		return
	end
	emit(id, "ok " .. describe(ct, fields))
end

-- A typeof case: the type named by `src` (no declaration).
local function typeof(id, src, fields)
	if filter ~= nil and not string.find(id, filter, 1, true) then
		return
	end
	current = { kind = "typeof", src = src, fields = fields }
	local ok, ct = pcall(ffi.typeof, src)
	if not ok then
		emit(id, errmsg(ct))
		return
	end
	emit(id, "ok " .. describe(ct, fields))
end

---------------------------------------------------------------------------------------
-- 1. Declaration specifiers in all orders and combinations.

-- README "Declarations LuaJIT accepts loosely are errors": LuaJIT accepts repeated or
-- conflicting modifiers (`long long long`, `unsigned signed`, `short long`, `unsigned
-- float`, `short char`); luau-ffi rejects them. Such combinations print LOOSE. Two base
-- types (`int int`, `char double`) are errors in both, with the same message.
local function loose(ws)
	local c = {}
	local base_seen = false
	for _, w in ipairs(ws) do
		local base = w == "int" or w == "char" or w == "float" or w == "double"
		if base and base_seen then
			-- both stop at the second base type: only the words before it count
			break
		end
		base_seen = base_seen or base
		c[w] = (c[w] or 0) + 1
	end
	if (c.long or 0) > 2 or (c.short or 0) > 1 or (c.short and c.long) then
		return true
	end
	if c.unsigned and c.signed or (c.unsigned or 0) > 1 or (c.signed or 0) > 1 then
		return true
	end
	if (c.unsigned or c.signed) and (c.float or c.double) then
		return true
	end
	if (c.short or c.long) and (c.char or c.float) then
		return true
	end
	if c.short and c.double then
		return true
	end
	if (c.long or 0) > 1 and c.double then
		return true
	end
	return false
end

local words =
	{ "unsigned", "signed", "long", "short", "int", "char", "double", "float", "const", "volatile" }
local function perms(list, k, acc, out)
	if #acc == k then
		out[#out + 1] = { unpack(acc) }
		return
	end
	for _, w in ipairs(list) do
		acc[#acc + 1] = w
		perms(list, k, acc, out)
		acc[#acc] = nil
	end
end
for k = 1, 3 do
	local out = {}
	perms(words, k, {}, out)
	for _, ws in ipairs(out) do
		local spec = table.concat(ws, " ")
		local id = "spec." .. string.gsub(spec, " ", "_")
		if loose(ws) then
			if filter == nil or string.find(id, filter, 1, true) then
				-- both may accept or reject; only record that the case is loose
				emit(id, "LOOSE")
			end
		else
			cdef(id, "typedef " .. spec .. " @;", "@")
		end
	end
end
for _, spec in ipairs({
	"unsigned long long int",
	"long unsigned",
	"long long unsigned int",
	"int long long unsigned",
	"short int signed",
	"signed short int",
	"int unsigned short",
	"long int unsigned",
	"long double",
	"double long",
	"const volatile long double",
	"_Bool",
	"bool",
	"const _Bool",
	"_Complex double",
	"double _Complex",
	"float _Complex",
	"_Complex float",
	"complex double",
	"complex float",
	"complex",
	"_Complex",
	"__complex__ double",
	"char16_t",
	"char32_t",
	"wchar_t",
	"__int128",
	"unsigned __int128",
	"int8_t",
	"uint64_t",
	"size_t",
	"ssize_t",
	"intptr_t",
	"ptrdiff_t",
	"va_list",
	"__builtin_va_list",
	"__gnuc_va_list",
	"signed",
	"unsigned",
	"const",
	"volatile",
	"const volatile",
	"volatile const int",
	"__const int",
	"__const__ int",
	"__volatile__ int",
	"int __const",
	"__extension__ int",
	"__extension__ long long",
	"long __extension__ long",
	"register int",
	"static int",
	"extern int",
	"inline int",
	"__inline int",
	"__inline__ int",
	"int typedef",
	"const typedef int",
	"unsigned typedef int",
	"typedef typedef int",
	"auto int",
	"restrict int",
	"__restrict int",
	"__attribute__((mode(QI))) int",
	"int __attribute__((mode(HI)))",
	"int __attribute__((mode(SI)))",
	"int __attribute__((mode(DI)))",
	"unsigned __attribute__((mode(DI)))",
	"float __attribute__((mode(DF)))",
	"int __attribute__((mode(__DI__)))",
	"int __attribute__((mode(V4SI)))",
	"int __attribute__((mode(XX)))",
	"int __attribute__((mode(V4HI)))",
	"int __attribute__((mode(V2DI)))",
	"float __attribute__((mode(V4SF)))",
	"unsigned __attribute__((mode(__V8QI__)))",
	"int __attribute__((aligned(16)))",
	"int __attribute__((aligned))",
	"int __attribute__((__aligned__(8)))",
	"int __attribute__((packed))",
	"int __attribute__((unknown_attr))",
	"int __attribute__((unknown_attr(1, 2)))",
	"int __attribute__((vector_size(16)))",
	"float __attribute__((vector_size(16)))",
	"int __declspec(align(16))",
	"__declspec(align(8)) int",
	"__declspec(dllimport) int",
	"int __cdecl",
	'int __asm__("x")',
	"struct {int a;}",
	"union {int a; char b;}",
	"enum {@_A}",
	"unknown_t",
	"int unknown_t",
}) do
	local id = "spec2." .. string.gsub(spec, '[ ()"]', "_")
	local ws = {}
	for w in string.gmatch(spec, "%S+") do
		ws[#ws + 1] = w
	end
	cdef(id, "typedef " .. spec .. " @;", "@")
	typeof("tspec." .. id, spec)
end

---------------------------------------------------------------------------------------
-- 2. Declarators.

for i, d in ipairs({
	"*@",
	"* const @",
	"* volatile @",
	"* const volatile @",
	"* __restrict @",
	"* restrict @",
	"* __restrict__ @",
	"const * const @",
	"** const * @",
	"* const * volatile @",
	"@[3]",
	"@[0]",
	"@[]",
	"*@[4]",
	"(*@)[4]",
	"(*@[2])[3]",
	"@[2][3]",
	"@[2][]",
	"@[][2]",
	"(@)",
	"((@))",
	"(*(@))",
	"(*@)(void)",
	"(*@)()",
	"(*@)(int, ...)",
	"(*@)(...)",
	"(*(*@)(int))(double)",
	"*(*@)(int)",
	"(*@[3])(int)",
	"(**@)(int)",
	"(* const @)(int)",
	"@(int)",
	"@(int)[3]",
	"@[3](int)",
	"(*@)(int)[3]",
	"(*@(int))[3]",
	"(&@)",
	"&@",
	"@[-1]",
	"@[0x7fffffff]",
	"@[0x7ffffffff]",
	"@[0xffffffff]",
	"@[1u << 30]",
	"@[1LL << 40]",
	"@[sizeof(int)]",
	"@[sizeof(int) * 2 + 1]",
	"@[sizeof(struct { char a; double b; })]",
	"@[__alignof__(double)]",
	"@[_Alignof(long long)]",
	"@[alignof(short)]",
	"@[__alignof(int)]",
	"@[(int)3.0]",
	"@[(char)300]",
	"@[(unsigned char)-1]",
	"@[1 ? 2 : 3]",
	"@[0 ? 2 : 3]",
	"@[1 ?: 3]",
	"@[1 << 3 >> 1]",
	"@['a']",
	"@['\\n']",
	"@['\\x10']",
	"@['\\101']",
	"@['ab']",
	'@["ab"]',
	"@[-(-3)]",
	"@[~-4]",
	"@[!0]",
	"@[3 % 2 + 7 / 2]",
	"@[1 / 0]",
	"@[1 % 0]",
	"@[010]",
	"@[0b101]",
	"@[3 == 3]",
	"@[(2, 3)]",
	"@[2 && 3]",
	"@[0 || 0]",
	"@[5 ^ 1 | 2 & 3]",
	"@[1.5]",
	"@[1e1]",
	"@[x]",
	"@[?]",
	"@[$]",
	"@[3",
	"@[3]]",
	"@[]x",
}) do
	local id = "decl." .. i .. "." .. d
	cdef(id, "typedef int " .. d .. ";", "@")
	cdef("declc." .. i .. "." .. d, "typedef char " .. d .. ";", "@")
end

for i, t in ipairs({
	"int *",
	"int **",
	"int * const",
	"const int *",
	"int [3]",
	"int []",
	"int [?]",
	"int [0]",
	"int [-1]",
	"int [1ULL << 62]",
	"int [0x10000000]",
	"int [0x20000000]",
	"char [0x7fffffff]",
	"char [0x80000000]",
	"int (*)[3]",
	"int *[3]",
	"int (*)(int)",
	"int (int)",
	"int (*(*)(int))(double)",
	"int &",
	"int (&)[3]",
	"void",
	"void *",
	"void [3]",
	"const void",
	"int x",
	"int *x",
	"int (*f)(int)",
	"struct Q_nope",
	"struct Q_nope *",
	"union Q_nope2 *",
	"enum Q_nope3",
	"enum Q_nope4 *",
	"int [3][?]",
	"int [?][3]",
	"int [?][?]",
	"int [3",
	"int *(",
	"int (",
	"(int)",
	"",
	" ",
	"int;",
	"int, int",
	"int int",
	"3",
	"x",
	"* int",
	"int const * const * volatile",
	"struct { int a; }",
	"struct { int a; } *",
	"union { int a; double b; }",
	"enum { Q_EA = 1 }",
	"struct { int a:3; int b:5; }",
	"struct { char a; int b[]; }",
	"void (*)(void)",
	"void (*)(void, int)",
	"void (*)(int void)",
	"void (*)(...)",
	"void (*)(int, ...)",
	"void (*)(int, ..., int)",
	"int (__cdecl *)(int)",
	"int (__stdcall *)(int)",
	"int (__fastcall *)(int)",
	"int (__thiscall *)(int)",
	"int (* __cdecl)(int)",
	"int __attribute__((aligned(8))) *",
	"int * __attribute__((aligned(8)))",
	"int (*)(int a[3])",
	"int (*)(int f(int))",
	"int (*)(int a[])",
	"int (*)(const int)",
	"int (*)(register int)",
	"int (*)(int a, int a)",
	"int (*)(a, b)",
	"long double",
	"long double *",
	"_Complex double [2]",
	"complex float *",
	"__int128",
	"char16_t",
	"int (*)(void) const",
	"int (*)[2] const",
	"int * const volatile",
}) do
	typeof("typeof." .. i .. "." .. t, t)
end

---------------------------------------------------------------------------------------
-- 3. Structs, unions, enums.

local records = {
	{ "s.basic", "struct @ { int a; char b; };", "struct @", { "a", "b" } },
	{ "s.empty", "struct @ { };", "struct @" },
	{ "s.forward", "struct @;", "struct @" },
	{ "s.forward_ptr", "struct @; typedef struct @ *@_p;", "@_p" },
	{ "s.forward_then_def", "struct @; struct @ { int a; };", "struct @", { "a" } },
	{ "s.redef_same", "struct @ { int a; }; struct @ { int a; };", "struct @" },
	{ "s.redef_diff", "struct @ { int a; }; struct @ { long a; };", "struct @" },
	{ "s.redef_empty", "struct @ { int a; }; struct @ { };", "struct @" },
	{ "s.union_as_struct", "struct @ { int a; }; union @ { int a; };", "struct @" },
	{ "s.union_as_struct_fwd", "struct @ { int a; }; union @;", "struct @" },
	{ "s.enum_as_struct", "struct @ { int a; }; enum @ { @_X };", "struct @" },
	{ "s.nested", "struct @ { struct @_in { int x; } in; int y; };", "struct @_in", { "x" } },
	{
		"s.nested_outer",
		"struct @ { struct @_in { int x; } in; int y; };",
		"struct @",
		{ "in", "y" },
	},
	{
		"s.anon_member",
		"struct @ { struct { int x; int y; }; int z; };",
		"struct @",
		{ "x", "y", "z" },
	},
	{
		"s.anon_union",
		"struct @ { union { int x; char y; }; int z; };",
		"struct @",
		{ "x", "y", "z" },
	},
	{ "s.anon_nested2", "struct @ { struct { union { int x; }; }; };", "struct @", { "x" } },
	{ "s.anon_dup", "struct @ { int x; struct { int x; }; };", "struct @", { "x" } },
	{ "s.dup_field", "struct @ { int x; int x; };", "struct @", { "x" } },
	{ "s.self_ptr", "struct @ { struct @ *next; int v; };", "struct @", { "next", "v" } },
	{ "s.self_val", "struct @ { struct @ self; };", "struct @" },
	{ "s.incomplete_member", "struct @_f; struct @ { struct @_f m; };", "struct @" },
	{ "s.void_member", "struct @ { void v; };", "struct @" },
	{ "s.func_member", "struct @ { int f(int); };", "struct @" },
	{ "s.fptr_member", "struct @ { int (*f)(int); };", "struct @", { "f" } },
	{ "s.fam", "struct @ { int n; double d[]; };", "struct @", { "n", "d" } },
	{ "s.fam0", "struct @ { int n; char d[0]; };", "struct @", { "n", "d" } },
	{ "s.fam_not_last", "struct @ { int d[]; int n; };", "struct @", { "n", "d" } },
	{ "s.fam_only", "struct @ { int d[]; };", "struct @" },
	{ "s.vla_member", "struct @ { int n; int d[?]; };", "struct @" },
	{ "s.array_member", "struct @ { char a[3]; short b[2]; };", "struct @", { "a", "b" } },
	{ "s.multi_decl", "struct @ { int a, *b, c[2]; };", "struct @", { "a", "b", "c" } },
	{ "s.const_member", "struct @ { const int a; volatile char b; };", "struct @", { "a", "b" } },
	{ "s.typedef_in", "typedef struct @ { int a; } @_t;", "@_t", { "a" } },
	{ "s.typedef_anon", "typedef struct { int a; } @;", "@", { "a" } },
	{ "s.typedef_ptr", "typedef struct @ { int a; } *@_p;", "@_p" },
	{ "s.typedef_twice", "typedef int @; typedef int @;", "@" },
	{ "s.typedef_conflict", "typedef int @; typedef long @;", "@" },
	{ "s.typedef_then_var", "typedef int @; int @;", "@" },
	{ "s.typedef_struct_same", "typedef struct @ @; struct @ { int a; };", "@" },
	{ "s.no_semicolon", "struct @ { int a; }", "struct @" },
	{ "s.member_no_semicolon", "struct @ { int a }", "struct @" },
	{ "s.extra_semicolons", "struct @ { int a;; };;", "struct @" },
	{ "s.long_double", "struct @ { char c; long double d; };", "struct @", { "d" } },
	{ "s.complex", "struct @ { char c; complex double d; };", "struct @", { "d" } },
	{ "s.bool", "struct @ { char c; bool b; _Bool b2; };", "struct @", { "b", "b2" } },
	{
		"s.packed_attr",
		"struct __attribute__((packed)) @ { char c; int i; };",
		"struct @",
		{ "i" },
	},
	{
		"s.packed_attr_after",
		"struct @ { char c; int i; } __attribute__((packed));",
		"struct @",
		{ "i" },
	},
	{
		"s.packed_member",
		"struct @ { char c; int i __attribute__((packed)); };",
		"struct @",
		{ "i" },
	},
	{
		"s.aligned_member",
		"struct @ { char c; int i __attribute__((aligned(16))); };",
		"struct @",
		{ "i" },
	},
	{
		"s.aligned_member_pre",
		"struct @ { char c; __attribute__((aligned(16))) int i; };",
		"struct @",
		{ "i" },
	},
	{ "s.aligned_struct", "struct __attribute__((aligned(32))) @ { char c; };", "struct @" },
	{
		"s.aligned_lower",
		"struct @ { char c; int i __attribute__((aligned(1))); };",
		"struct @",
		{ "i" },
	},
	{ "s.aligned_typedef", "typedef int __attribute__((aligned(8))) @;", "@" },
	{
		"s.aligned_typedef_arr",
		"typedef struct { int __attribute__((aligned(8))) x; char c; } @;",
		"@",
		{ "c" },
	},
	{ "s.declspec_align", "struct __declspec(align(16)) @ { char c; };", "struct @" },
	{
		"s.pragma_pack1",
		"#pragma pack(1)\nstruct @ { char c; int i; };\n#pragma pack()",
		"struct @",
		{ "i" },
	},
	{
		"s.pragma_pack2",
		"#pragma pack(2)\nstruct @ { char c; int i; };\n#pragma pack()",
		"struct @",
		{ "i" },
	},
	{
		"s.pragma_pack_push",
		"#pragma pack(push, 1)\nstruct @ { char c; int i; };\n#pragma pack(pop)",
		"struct @",
		{ "i" },
	},
	{
		"s.pragma_pack_push_n",
		"#pragma pack(push)\n#pragma pack(2)\nstruct @ { char c; double i; };\n#pragma pack(pop)",
		"struct @",
		{ "i" },
	},
	{
		"s.pragma_pack_pop_empty",
		"#pragma pack(pop)\nstruct @ { char c; int i; };",
		"struct @",
		{ "i" },
	},
	{
		"s.pragma_pack_16",
		"#pragma pack(16)\nstruct @ { char c; double i; };\n#pragma pack()",
		"struct @",
		{ "i" },
	},
	{
		"s.pragma_pack_after",
		"#pragma pack(1)\n#pragma pack()\nstruct @ { char c; int i; };",
		"struct @",
		{ "i" },
	},
	{ "s.pragma_other", "#pragma once\nstruct @ { int i; };", "struct @" },
	{ "s.hash_define", "#define X 1\nstruct @ { int i; };", "struct @" },
	{
		"s.hash_indented",
		"  #pragma pack(1)\nstruct @ { char c; int i; };\n#pragma pack()",
		"struct @",
		{ "i" },
	},
	{ "s.comments", "/* c */ struct /* c */ @ // x\n { int /**/ a; };", "struct @", { "a" } },
	{ "s.comment_unterminated", "struct @ { int a; }; /* oops", "struct @" },
	{ "s.union_basic", "union @ { char c; double d; int a[3]; };", "union @", { "c", "d", "a" } },
	{ "s.union_empty", "union @ { };", "union @" },
	{ "s.union_bitfield", "union @ { int a:3; char b:7; };", "union @" },
	{ "s.extension", "__extension__ struct @ { int a; };", "struct @" },
	{ "s.extension_member", "struct @ { __extension__ union { int a; }; };", "struct @", { "a" } },
	-- bitfields
	{ "bf.basic", "struct @ { int a:3; int b:5; int c:24; };", "struct @" },
	{ "bf.zero", "struct @ { char a:3; int :0; char b:3; };", "struct @" },
	{ "bf.zero_named", "struct @ { int a:0; };", "struct @" },
	{ "bf.unnamed", "struct @ { int a:3; int :5; int b:3; };", "struct @" },
	{ "bf.full32", "struct @ { int a:32; };", "struct @" },
	{ "bf.over32", "struct @ { int a:33; };", "struct @" },
	{ "bf.char8", "struct @ { char a:8; };", "struct @" },
	{ "bf.char9", "struct @ { char a:9; };", "struct @" },
	{ "bf.short17", "struct @ { short a:17; };", "struct @" },
	{ "bf.neg", "struct @ { int a:-1; };", "struct @" },
	{ "bf.bool", "struct @ { bool a:1; };", "struct @" },
	{ "bf.bool2", "struct @ { bool a:2; };", "struct @" },
	{ "bf.float", "struct @ { float a:3; };", "struct @" },
	{ "bf.ptr", "struct @ { int *a:3; };", "struct @" },
	{ "bf.expr", "struct @ { int a:sizeof(int); };", "struct @" },
	{ "bf.straddle", "struct @ { char a:5; char b:5; };", "struct @" },
	{ "bf.straddle_int", "struct @ { int a:20; int b:20; };", "struct @" },
	{ "bf.mixed", "struct @ { char c; int a:4; short s; };", "struct @", { "c", "s" } },
	{ "bf.unsigned", "struct @ { unsigned a:1; unsigned b:31; };", "struct @" },
	{ "bf.packed", "struct __attribute__((packed)) @ { char c; int a:20; };", "struct @" },
	{ "bf.enum", "enum @_e { @_A }; struct @ { enum @_e a:3; };", "struct @" },
	{ "bf.offsetof", "struct @ { int a:3; int b; };", "struct @", { "a", "b" } },
	{ "bf.noname_nowidth", "struct @ { int :; };", "struct @" },
	-- enums
	{ "e.basic", "enum @ { @_A, @_B = 5, @_C };", "enum @" },
	{ "e.empty", "enum @ { };", "enum @" },
	{ "e.trailing_comma", "enum @ { @_A, };", "enum @" },
	{ "e.forward", "enum @;", "enum @" },
	{ "e.forward_then", "enum @; enum @ { @_A };", "enum @" },
	{ "e.redef", "enum @ { @_A }; enum @ { @_A };", "enum @" },
	{ "e.redef_const", "enum @ { @_A }; enum @_2 { @_A };", "enum @" },
	{ "e.const_vs_var", "enum @ { @_A }; int @_A;", "enum @" },
	{ "e.neg", "enum @ { @_A = -1 };", "enum @" },
	{ "e.uint_max", "enum @ { @_A = 0xffffffff };", "enum @" },
	{ "e.int_max", "enum @ { @_A = 0x7fffffff, @_B };", "enum @" },
	{ "e.big", "enum @ { @_A = 0x100000000 };", "enum @" },
	{ "e.ref", "enum @ { @_A = 3, @_B = @_A * 2 };", "enum @" },
	{ "e.ref_next", "enum @ { @_A = @_B };", "enum @" },
	{ "e.sizeof", "enum @ { @_A = sizeof(double) };", "enum @" },
	{ "e.char", "enum @ { @_A = 'x' };", "enum @" },
	{ "e.ternary", "enum @ { @_A = 1 ? 2 : 3 };", "enum @" },
	{ "e.typed", "enum @ : char { @_A };", "enum @" },
	{ "e.anon", "enum { @_A = 7 }; typedef int @;", "@" },
	{ "e.packed", "enum __attribute__((packed)) @ { @_A };", "enum @" },
	{ "e.mode", "typedef enum { @_A } __attribute__((mode(QI))) @;", "@" },
	{ "e.float_val", "enum @ { @_A = 1.5 };", "enum @" },
	{ "e.missing_val", "enum @ { @_A = };", "enum @" },
	{ "e.missing_comma", "enum @ { @_A @_B };", "enum @" },
	{ "e.as_struct_tag", "enum @ { @_A }; struct @ { int a; };", "enum @" },
	-- functions
	{ "f.void", "int @(void);", "int (*)(void)" },
	{ "f.empty", "int @();", "int (*)()" },
	{ "f.varargs", "int @(const char *, ...);", "int (*)()" },
	{ "f.only_varargs", "int @(...);", "int (*)()" },
	{ "f.named", "int @(int a, int b);", "int (*)()" },
	{ "f.array_param", "int @(int a[3]);", "int (*)()" },
	{ "f.func_param", "int @(int f(int));", "int (*)()" },
	{ "f.knr", "int @(a, b) int a; int b;", "int (*)()" },
	{ "f.knr_names", "int @(a, b);", "int (*)()" },
	{ "f.void_named", "int @(void x);", "int (*)()" },
	{ "f.void_two", "int @(void, void);", "int (*)()" },
	{ "f.redecl_same", "int @(int); int @(int);", "int (*)()" },
	{ "f.redecl_diff", "int @(int); int @(double);", "int (*)()" },
	{ "f.redecl_var", "int @(int); int @;", "int (*)()" },
	{ "f.return_array", "int @(void)[3];", "int (*)()" },
	{ "f.return_func", "int @(void)(int);", "int (*)()" },
	{ "f.return_fptr", "int (*@(int))(double);", "int (*)()" },
	{ "f.asm", 'int @(int) __asm__("abs");', "int (*)()" },
	{ "f.attr", "int @(int) __attribute__((nothrow, pure));", "int (*)()" },
	{ "f.static", "static int @(int);", "int (*)()" },
	{ "f.inline_body", "static inline int @(int x) { return x; }", "int (*)()" },
	{ "f.extern", "extern int @(int);", "int (*)()" },
	{ "f.stdcall", "int __stdcall @(int);", "int (*)()" },
	{ "f.noreturn", "_Noreturn void @(void);", "int (*)()" },
	{ "f.noreturn_attr", "void @(void) __attribute__((noreturn));", "int (*)()" },
	{ "f.throw", "void @(void) throw();", "int (*)()" },
	{ "f.ptr_qual", "int *const @(void);", "int (*)()" },
	{ "f.default_arg", "int @(int a = 1);", "int (*)()" },
	-- variables and constants
	{ "v.extern", "extern int @;", "int" },
	{ "v.plain", "int @;", "int" },
	{ "v.static_const", "static const int @ = 5;", "int" },
	{ "v.static_const_expr", "static const int @ = sizeof(long) << 2;", "int" },
	{ "v.static_const_nonconst", "static int @ = 5;", "int" },
	{ "v.const_noinit", "static const int @;", "int" },
	{ "v.const_float", "static const double @ = 1.5;", "int" },
	{ "v.const_u64", "static const uint64_t @ = 1;", "int" },
	{ "v.const_char", "static const char @ = 'a';", "int" },
	{ "v.const_bool", "static const bool @ = 1;", "int" },
	{ "v.const_redef", "static const int @ = 1; static const int @ = 1;", "int" },
	{ "v.const_redef_diff", "static const int @ = 1; static const int @ = 2;", "int" },
	{ "v.var_redef", "int @; int @;", "int" },
	{ "v.var_redef_diff", "int @; long @;", "int" },
	{ "v.init", "int @ = 3;", "int" },
	{ "v.multi", "int @, *@_p, @_a[3];", "int" },
	{ "v.register", "register int @;", "int" },
	{ "v.thread", "__thread int @;", "int" },
	{ "v.typedef_init", "typedef int @ = 3;", "@" },
	{ "v.keyword_name", "int int;", "int" },
	{ "v.struct_name", "int struct;", "int" },
	{ "v.num_name", "int 3x;", "int" },
	-- qualifiers after a declarator (LuaJIT reads and ignores them)
	{ "q.after_name", "typedef int @ const;", "@" },
	{ "q.after_ptr", "typedef int *@ volatile;", "@" },
	{ "q.after_array", "typedef int @[2] const;", "@" },
	{ "q.after_fn", "typedef int (*@)(void) const;", "@" },
	{ "q.after_nested", "typedef int (*@ const)[3];", "@" },
	{ "q.after_member", "struct @ { int a const; char b; };", "struct @", { "b" } },
	{ "q.after_proto", "int @(void) const;", "int (*)()" },
	-- top level oddities
	{ "t.empty", "", "int" },
	{ "t.semicolons", ";;;", "int" },
	{ "t.bare_int", "int;", "int" },
	{ "t.bare_struct_decl", "struct @ { int a; } ;", "struct @" },
	{ "t.garbage", "@ @;", "int" },
	{ "t.unknown_type", "@_t x;", "int" },
	{ "t.paren", "(int x);", "int" },
	{ "t.brace", "{ int x; }", "int" },
	{ "t.char_lit", "'a';", "int" },
	{ "t.string_lit", '"a";', "int" },
	{ "t.at", "int @;\n@@;", "int" },
	{ "t.backslash", "int @; \\", "int" },
	{ "t.static_assert", '_Static_assert(1, "x");', "int" },
	{ "t.non_ascii", "struct @ { int caf\195\169; char \195\177; };", "struct @" },
	{ "t.non_ascii_name", "typedef int @_\195\169;", "@_\195\169" },
	{ "t.nul", "int @;\0 garbage", "int" },
}
for _, r in ipairs(records) do
	cdef(r[1], r[2], r[3], r[4])
end

---------------------------------------------------------------------------------------
-- 4. Malformed variants: every valid declaration truncated at each token boundary, a
-- semicolon removed, adjacent tokens swapped.

local function tokens(src)
	local t = {}
	local i = 1
	while i <= #src do
		local c = string.sub(src, i, i)
		if string.find(c, "%s") then
			i = i + 1
		else
			local s, e = string.find(src, "^[@%a_][%w_]*", i)
			if not s then
				s, e = string.find(src, "^'[^']*'", i)
			end
			if not s then
				s, e = string.find(src, "^[<>][<>]", i)
			end
			if not s then
				s, e = string.find(src, "^%d+", i)
			end
			if not s then
				s, e = string.find(src, "^%.%.%.", i)
			end
			if not s then
				s, e = i, i
			end
			t[#t + 1] = string.sub(src, s, e)
			i = e + 1
		end
	end
	return t
end

local valid = {
	"struct @ { int a; char *b[3]; unsigned c:4; };",
	"typedef int (*@)(const char *, ...);",
	"enum @ { @_A = 1 << 2, @_B };",
	"union @ { struct { int x; } s; double d; };",
	"static const int @ = sizeof(int) * 2;",
	"typedef struct @ @_t;",
	"int @(void *p, size_t n);",
	"typedef unsigned long long @[4][2];",
	"struct @ { int n; int d[]; } __attribute__((aligned(8)));",
	"typedef void (*@[2])(int, double *);",
	"struct @ { union { int i; float f; } u; enum { @_X = 'a' } e; };",
	"typedef const volatile unsigned short @;",
	"extern int (*@(int))[sizeof(long) > 4 ? 2 : 1];",
	"struct __declspec(align(8)) @ { char c : 3, : 0, d : 2; };",
	"typedef struct { int a[1 << 2]; long b; } @, *@_p;",
	"int @(int (*cb)(void *, int), void *ud, ...);",
}
-- The kept differences among the variants, recognized by their text.
local SPECWORD =
	{ int = true, char = true, void = true, double = true, float = true, unsigned = true }
SPECWORD.short, SPECWORD.long, SPECWORD.volatile, SPECWORD.const = true, true, true, true
local function malformed(id, s)
	local last = string.match(s, "([%w_]+)%s*$")
	local bare = false
	for w in string.gmatch(s, "([%w_]+)%s*;") do
		bare = bare or SPECWORD[w] == true
	end
	if SPECWORD[last] or bare or string.find(s, "}%s*$") then
		-- a declaration or member cut before its declarator
		KNOWN[id] = NODECL
	elseif string.find(s, "void [%a_]") or string.find(s, ", void%s*$") then
		-- a named `void` parameter, or `void` beside others
		KNOWN[id] = LOOSE
	end
	cdef(id .. " " .. s, s)
end

for vi, v in ipairs(valid) do
	local t = tokens(v)
	for k = 1, #t - 1 do
		local s = table.concat(t, " ", 1, k)
		malformed("trunc." .. vi .. "." .. k, s)
	end
	for k = 1, #t - 1 do
		local u = {}
		for j = 1, #t do
			u[j] = t[j]
		end
		u[k], u[k + 1] = u[k + 1], u[k]
		local s = table.concat(u, " ")
		malformed("swap." .. vi .. "." .. k, s)
	end
	for k = 1, #t do
		if t[k] == ";" then
			local u = {}
			for j = 1, #t do
				if j ~= k then
					u[#u + 1] = t[j]
				end
			end
			local s = table.concat(u, " ")
			malformed("nosemi." .. vi .. "." .. k, s)
		end
	end
	for k = 1, #t do
		local u = {}
		for j = 1, #t do
			if j ~= k then
				u[#u + 1] = t[j]
			end
		end
		local s = table.concat(u, " ")
		malformed("drop." .. vi .. "." .. k, s)
	end
end

---------------------------------------------------------------------------------------
-- 5. Bitfields of every width for each integer type, `#pragma pack(n)` over mixed members.

for _, t in ipairs({ "char", "unsigned char", "short", "unsigned short", "int", "unsigned", "bool" }) do
	for w = 0, 33 do
		local id = "bfw." .. string.gsub(t, " ", "_") .. "." .. w
		cdef(
			id,
			"struct @ { char c; " .. t .. " a:" .. w .. "; char d; };",
			"struct @",
			{ "c", "d" }
		)
		-- README "Zero-width and unnamed bitfields": an unnamed one does not align the
		-- struct in gcc (and here); it does in LuaJIT
		local bits = ({ short = 16, ["unsigned short"] = 16, int = 32, unsigned = 32 })[t]
		if bits and w <= bits then
			KNOWN["bfu." .. id] = LAYOUT
		end
		cdef(
			"bfu." .. id,
			"struct @ { char c; " .. t .. " :" .. w .. "; char d; };",
			"struct @",
			{ "c", "d" }
		)
	end
end
for _, n in ipairs({ "1", "2", "4", "8", "16", "", "push, 1", "push, 2", "push, 4" }) do
	for _, m in ipairs({
		"char c; int i;",
		"char c; double d;",
		"short s; char c; long long l;",
		"char c; int a:3; int b:30;",
	}) do
		local id = "pack." .. n .. "." .. m
		cdef(id, "#pragma pack(" .. n .. ")\nstruct @ { " .. m .. " };\n#pragma pack()", "struct @")
	end
end

---------------------------------------------------------------------------------------
-- 6. Qualifiers at each pointer level; storage classes at each position.

local quals = { "", "const ", "volatile ", "const volatile ", "__restrict " }
for a = 1, #quals do
	for b = 1, #quals do
		for c = 1, #quals do
			local t = quals[a] .. "int *" .. quals[b] .. "*" .. quals[c]
			typeof("qual." .. a .. b .. c, t)
			cdef("qualdecl." .. a .. b .. c, "typedef " .. t .. "@;", "@")
		end
	end
end
for _, sc in ipairs({ "typedef", "static", "extern", "inline", "register", "auto", "__extension__" }) do
	local ws = { "const", "unsigned", "long", "int" }
	for pos = 1, #ws + 1 do
		local t = {}
		for i = 1, #ws + 1 do
			if i == pos then
				t[#t + 1] = sc
			end
			if ws[i] then
				t[#t + 1] = ws[i]
			end
		end
		local src = table.concat(t, " ") .. " @;"
		if sc == "static" then
			-- README "some it refuses are accepted": a `static const` without initializer,
			-- 64-bit `static const`, other `static` members (skipped)
			KNOWN["storage." .. sc .. "." .. pos] = INIT
			KNOWN["storage_in_struct." .. sc .. "." .. pos] = INIT
		end
		local probe = sc == "typedef" and "@" or nil
		cdef("storage." .. sc .. "." .. pos, src, probe)
		cdef(
			"storage_in_struct." .. sc .. "." .. pos,
			"struct @ { " .. table.concat(t, " ") .. " m; };",
			"struct @"
		)
		typeof("storage_typeof." .. sc .. "." .. pos, table.concat(t, " "))
	end
end
