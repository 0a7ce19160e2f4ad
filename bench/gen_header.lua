-- Generates a C header of n declarations (structs, enums, typedefs, function
-- prototypes) whose names all start with `prefix`. Plain Lua 5.1 so that LuaJIT and
-- Luau cdef exactly the same text.
return function(n, prefix)
	local out = {}
	local kinds = 4
	for i = 1, n do
		local k = i % kinds
		local name = prefix .. i
		if k == 0 then
			out[#out + 1] = "struct "
				.. name
				.. " { int a; double b; char name[16]; struct "
				.. name
				.. " *next; unsigned flags : 3; unsigned mode : 5; };"
		elseif k == 1 then
			out[#out + 1] = "enum "
				.. name
				.. " { "
				.. name
				.. "_A, "
				.. name
				.. "_B = 4, "
				.. name
				.. "_C = "
				.. name
				.. "_B << 2, "
				.. name
				.. "_D };"
		elseif k == 2 then
			local earlier = prefix .. (i - 2)
			out[#out + 1] = "typedef struct " .. earlier .. " " .. name .. "_t;"
		else
			local struct_t = prefix .. (i - 1) .. "_t"
			out[#out + 1] = "int "
				.. name
				.. "_call(const "
				.. struct_t
				.. " *self, size_t len, "
				.. "void (*cb)(void *ud, int status), const char *fmt, ...);"
		end
	end
	return table.concat(out, "\n")
end
