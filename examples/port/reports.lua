-- Every construct `luau-ffi port` cannot decide alone; each is reported with its line.
local ffi = require("ffi")
ffi.cdef [[
int64_t big(void);
int small(void);
long labs(long x);
]]
local C = ffi.C

local f = io.open("/tmp/x")
io.write("hello\n")
print(os.clock(), os.time(), os.getenv("HOME")) -- Luau has these: no report
os.exit(1)
setfenv(1, {})
local env = getfenv(1)
if jit.status() then
  print(jit.version)
end
if ffi.abi("64bit") then
  print("64-bit")
end
local n = C.big()
if n == 0 then -- n came from a 64-bit C result
  print("zero")
end
if C.labs(-1) ~= 1 then
  print("long is 64-bit")
end
if C.small() == 0 then -- int results are numbers: no report
  print("ok")
end
local sum = 1LL + 2
print(sum > 2)
for i = 1, 3 do
  for j = 1, 3 do
    if i * j == 4 then
      goto done -- leaves both loops: no single Luau statement does that
    end
  end
end
::done::
