// A C++ program that embeds Luau and links luau-ffi as a static library
// (dist/libluau_ffi.a, include/luau_ffi.h): `embed-c SCRIPT` runs SCRIPT with
// `require("@ffi")` answered by luaopen_ffi. Built and run by `make test-embed`.
#include "lua.h"
#include "luacode.h"
#include "lualib.h"
#include "luau_ffi.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

// Tells luaopen_ffi which Luau this program was compiled against (see luau_ffi.h).
// EMBED_C_RELEASE lets the Makefile build a copy that claims another release, to check
// that the module refuses it.
#ifndef EMBED_C_RELEASE
#define EMBED_C_RELEASE LUAU_FFI_LUAU_RELEASE
#endif
LUAU_FFI_HOST_ABI(EMBED_C_RELEASE);

// require(name): "@ffi" is the FFI; anything else is not found.
static int host_require(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    if (std::strcmp(name, "@ffi") != 0)
        luaL_error(L, "module '%s' not found", name);
    lua_pushcfunction(L, luaopen_ffi, "luaopen_ffi");
    lua_call(L, 0, 1);
    return 1;
}

// collectgarbage(): plain Luau has none (mlua adds one); a full collection.
static int host_collectgarbage(lua_State *L)
{
    lua_gc(L, LUA_GCCOLLECT, 0);
    return 0;
}

static bool read_file(const char *path, std::string &out)
{
    FILE *f = std::fopen(path, "rb");
    if (!f)
        return false;
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0)
        out.append(buffer, n);
    std::fclose(f);
    return true;
}

int main(int argc, char **argv)
{
    if (argc != 2)
    {
        std::fprintf(stderr, "usage: embed-c SCRIPT\n");
        return 2;
    }
    std::string source;
    if (!read_file(argv[1], source))
    {
        std::fprintf(stderr, "embed-c: cannot read %s\n", argv[1]);
        return 2;
    }
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    lua_pushcfunction(L, host_require, "require");
    lua_setglobal(L, "require");
    lua_pushcfunction(L, host_collectgarbage, "collectgarbage");
    lua_setglobal(L, "collectgarbage");

    size_t size = 0;
    char *bytecode = luau_compile(source.data(), source.size(), nullptr, &size);
    std::string chunkname = std::string("@") + argv[1];
    int status = luau_load(L, chunkname.c_str(), bytecode, size, 0);
    std::free(bytecode);
    if (status == 0)
        status = lua_pcall(L, 0, 0, 0);
    if (status != 0)
    {
        std::fprintf(stderr, "embed-c: %s\n", lua_tostring(L, -1));
        lua_close(L);
        return 1;
    }
    lua_close(L);
    return 0;
}
