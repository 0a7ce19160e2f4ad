-- FNV-1a 64-bit hashes of strings, and a search with strchr: the BitOp library,
-- tonumber on a size_t, 64-bit literals above 2^53 and NULL checks, together.
local ffi = require("ffi")
local bit = require("bit")

ffi.cdef [[
size_t strlen(const char *s);
char *strchr(const char *s, int c);
]]
local C = ffi.C

local OFFSET = 0xcbf29ce484222325ULL
local PRIME = 0x100000001b3ULL

local function fnv1a(s)
  local p = ffi.cast("const uint8_t *", s)
  local h = OFFSET
  for i = 0, tonumber(C.strlen(s)) - 1 do
    h = bit.bxor(h, p[i]) * PRIME
  end
  return h
end

for _, s in ipairs({ "", "a", "foobar", "hello world" }) do
  print(string.format("%-12s", s), bit.tohex(fnv1a(s)))
end

-- the value after the first '=' of each setting
for _, kv in ipairs({ "name=luau", "flag", "path=/usr/lib" }) do
  local eq = C.strchr(kv, 61)
  if eq ~= nil then
    print(kv, ffi.string(eq + 1))
  else
    print(kv, "no value")
  end
end
