/* Hand-written Luau C bindings of the fixture's functions: the baseline every FFI call
 * benchmark is measured against. Built only for `make bench`, linked to libfixture.so,
 * loaded by the host as the native module `ffibench`. */
#include "lua.h"
#include "lualib.h"

int add(int a, int b);
double addd(double a, double b);

static int bench_add(lua_State *L) {
    int a = luaL_checkinteger(L, 1);
    int b = luaL_checkinteger(L, 2);
    lua_pushinteger(L, add(a, b));
    return 1;
}

static int bench_addd(lua_State *L) {
    double a = luaL_checknumber(L, 1);
    double b = luaL_checknumber(L, 2);
    lua_pushnumber(L, addd(a, b));
    return 1;
}

int luaopen_ffibench(lua_State *L) {
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, bench_add, "add");
    lua_setfield(L, -2, "add");
    lua_pushcfunction(L, bench_addd, "addd");
    lua_setfield(L, -2, "addd");
    return 1;
}
