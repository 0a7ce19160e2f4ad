/* Hand-written Luau C bindings of the fixture's functions: the baseline every FFI call
 * benchmark is measured against. Built only for `make bench`, linked to libfixture.so,
 * loaded by the host as the native module `ffibench`. */
#include "lua.h"
#include "lualib.h"

#include <string.h>

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

/* A hand-written userdata with x, y, z fields: the baseline of cdata field access
 * (bench case field_rw_udata). __index/__newindex compare the one-letter key. */
typedef struct {
    double x, y, z;
} Vec3;

static double *vec3_field(lua_State *L) {
    Vec3 *v = (Vec3 *)lua_touserdata(L, 1);
    size_t len;
    const char *k = lua_tolstring(L, 2, &len);
    if (v && k && len == 1) {
        switch (k[0]) {
        case 'x': return &v->x;
        case 'y': return &v->y;
        case 'z': return &v->z;
        }
    }
    luaL_error(L, "Vec3 has no field '%s'", k ? k : "?");
    return NULL;
}

static int vec3_index(lua_State *L) {
    lua_pushnumber(L, *vec3_field(L));
    return 1;
}

static int vec3_newindex(lua_State *L) {
    double *f = vec3_field(L);
    *f = luaL_checknumber(L, 3);
    return 0;
}

static int vec3_new(lua_State *L) {
    Vec3 *v = (Vec3 *)lua_newuserdata(L, sizeof(Vec3));
    memset(v, 0, sizeof *v);
    luaL_getmetatable(L, "ffibench.vec3");
    lua_setmetatable(L, -2);
    return 1;
}

int luaopen_ffibench(lua_State *L) {
    luaL_newmetatable(L, "ffibench.vec3");
    lua_pushcfunction(L, vec3_index, "__index");
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, vec3_newindex, "__newindex");
    lua_setfield(L, -2, "__newindex");
    lua_pop(L, 1);
    lua_createtable(L, 0, 3);
    lua_pushcfunction(L, vec3_new, "vec3");
    lua_setfield(L, -2, "vec3");
    lua_pushcfunction(L, bench_add, "add");
    lua_setfield(L, -2, "add");
    lua_pushcfunction(L, bench_addd, "addd");
    lua_setfield(L, -2, "addd");
    return 1;
}
