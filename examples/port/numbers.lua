#!/usr/bin/env luajit
-- tonumber on cdata: LuaJIT's tonumber converts a 64-bit cdata to a Lua number,
-- Luau's gives nil. The port makes every use of the global ffi.tonumber, which
-- behaves as Luau's tonumber for everything else.
local ffi = require "ffi"
local tonumber = tonumber -- the common "cache the global" idiom

ffi.cdef [[
size_t strlen(const char *s);
int abs(int x);
]]
local C = ffi.C

local function length(s)
  return tonumber(C.strlen(s)) -- size_t is a 64-bit cdata
end

print(length("hello"), length(""))
if length("abc") == 3 then
  print("compared as numbers")
end
print(C.abs(-7) == 7) -- int results are numbers already

-- the same function for strings, bases and non-numbers
print(tonumber("0x10"), tonumber("z", 36), tonumber("12", 8), tonumber("nope"), tonumber(nil))
print(tonumber(ffi.new("int64_t", 5)) + 1, tonumber(ffi.new("double", 2.5)))

local total = 0
for _, s in ipairs({ "a", "bb", "ccc" }) do
  total = total + tonumber(C.strlen(s))
end
print("total", total, os.getenv("LUAU_FFI_PORT_UNSET"))
