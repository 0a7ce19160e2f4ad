-- LuaJIT number literals that Luau cannot read: 64-bit integers and imaginary numbers.
-- `luau-ffi port` turns each into an exact constructor, even above 2^53.
local ffi = require("ffi")

print(123LL, 0x1ULL, 0xffULL, 42ll, 7ull)
print(9007199254740993LL, 18446744073709551615ULL)
print(0x8000000000000000LL, 0xFFFFFFFFFFFFFFFFLL, -42LL)
print(12i, 1.5i, 0x10i)

-- 64-bit arithmetic keeps every bit
local big = 0x7FFFFFFFFFFFFFFFLL
print(big, big - 1, (big - 1) / 2)
print(ffi.typeof(1LL) == ffi.typeof("int64_t"), ffi.typeof(1ULL) == ffi.typeof("uint64_t"))
print(ffi.istype("complex", 3i))
