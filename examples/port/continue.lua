-- `goto continue` with its label closing a loop body is Luau's `continue`.
local ffi = require("ffi")

local odd = {}
for i = 1, 9 do
  if i % 2 == 0 then
    goto continue
  end
  odd[#odd + 1] = i
  ::continue::
end
print(table.concat(odd, ","))

local words = { "keep", "", "these", "#skip", "words" }
local kept = {}
for _, w in ipairs(words) do
  if w == "" then
    goto next
  elseif w:sub(1, 1) == "#" then
    do
      goto next
    end
  end
  kept[#kept + 1] = w
  ::next:: -- the label's comment stays
end
print(table.concat(kept, " "))

local n, sum = 0, 0LL
while n < 10 do
  n = n + 1
  if n % 3 ~= 0 then goto skip end
  sum = sum + n
  ::skip::
end
print(sum)
