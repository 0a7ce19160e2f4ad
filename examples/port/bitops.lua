-- LuaJIT's BitOp library: `require "bit"` becomes the module's ffi.bit.
local bit = require("bit")
local band, bor, bxor = bit.band, bit.bor, bit.bxor

print(band(0xff, 0x0f), bor(0xf0, 0x0f), bxor(0xff, 0x0f))
print(bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-256, 4))
print(bit.tohex(255), bit.tohex(-1, 4), bit.bnot(0))
print(bit.rol(0x12345678, 8), bit.ror(0x12345678, 8), bit.bswap(0x12345678))
print(bit.tobit(0xffffffff + 1), bit.tobit(2 ^ 32 + 5))
-- 64-bit cdata arguments give 64-bit results
print(bit.band(0x123456789ABCDEFLL, 0xFFFF), bit.lshift(1LL, 40))
