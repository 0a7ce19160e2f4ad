-- A linked list in C memory, walked with NULL checks: `node ~= nil` and `if not p`.
-- In LuaJIT a NULL pointer compares equal to nil; luau-ffi gives NULL results as nil.
local ffi = require("ffi")

ffi.cdef([[
typedef struct node { int value; struct node *next; } node;
void *malloc(size_t size);
void free(void *p);
char *getenv(const char *name);
]])
local C = ffi.C

local function push(head, value)
  local n = ffi.cast("node *", C.malloc(ffi.sizeof("node")))
  n.value = value
  n.next = head
  return n
end

local head = nil
for i = 1, 5 do
  head = push(head, i * i)
end

local node, values = head, {}
while node ~= nil do
  values[#values + 1] = node.value
  node = node.next
end
print(table.concat(values, " "))

-- free the list
node = head
while node ~= nil do
  local next = node.next
  C.free(node)
  node = next
end

if C.getenv("LUAU_FFI_PORT_UNSET") == nil then
  print("unset")
end
