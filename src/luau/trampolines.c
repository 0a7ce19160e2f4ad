/* The C side of every lua_CFunction of luau-ffi.
 *
 * Each Rust body returns a result count, or LUAUFFI_RAISE after pushing the error value;
 * the trampoline then raises that value with lua_error, from a C frame, after the Rust
 * frame has returned. So a Luau error (a C++ exception or a longjmp, depending on how
 * Luau was built) never unwinds through Rust code, and the module works in hosts built
 * with panic = "abort". The list of entries is generated from src/luau/entries.rs.
 */
#include <stddef.h>

typedef struct lua_State lua_State;

/* The Luau C API (LUA_API is extern "C" in the builds this module supports). */
extern void lua_error(lua_State *L);

#define LUAUFFI_RAISE (-1)

/* A body may also end by asking its trampoline to call a Luau function for it, so that
 * the function runs with no Rust frame below it (unprotected, its errors and traceback
 * as they are): the code is -(2 + nargs + (nresults + 1) * LUAUFFI_CALL_RESULTS), for
 * the function below nargs arguments on top of the stack. With LUA_MULTRET the function
 * is at index 1 and every value left on the stack is returned (stack.rs, tail_call). */
#define LUAUFFI_CALL_RESULTS (1 << 21)
#define LUA_MULTRET (-1)
extern void lua_call(lua_State *L, int nargs, int nresults);
extern int lua_gettop(lua_State *L);

/* Everything but a plain result count: kept out of line so the trampolines stay a call,
 * a test and a return. */
__attribute__((noinline)) static int luauffi_not_results(lua_State *L, int code)
{
    if (code == LUAUFFI_RAISE)
        lua_error(L);
    int encoded = -code - 2;
    int nargs = encoded % LUAUFFI_CALL_RESULTS;
    int nresults = encoded / LUAUFFI_CALL_RESULTS - 1;
    lua_call(L, nargs, nresults);
    return nresults == LUA_MULTRET ? lua_gettop(L) : nresults;
}

extern int lua_gettable(lua_State *L, int idx);
extern void lua_settable(lua_State *L, int idx);

/* t[k] and t[k] = v for tables whose metamethods may raise: the module calls these
 * under lua_pcall (stack.rs, get_table and set_table). */
int luauffi_gettable(lua_State *L)
{
    lua_gettable(L, 1);
    return 1;
}

int luauffi_settable(lua_State *L)
{
    lua_settable(L, 1);
    return 0;
}

/* The bodies are hidden: called directly, not through the PLT, and not exported. */
#define ENTRY(name)                                                                    \
    __attribute__((visibility("hidden"))) int luauffi_body_##name(lua_State *L);       \
    int luauffi_##name(lua_State *L)                                                   \
    {                                                                                  \
        int results = luauffi_body_##name(L);                                          \
        if (__builtin_expect(results >= 0, 1))                                         \
            return results;                                                            \
        return luauffi_not_results(L, results);                                        \
    }
#include "entries.h"

/* The VM interrupt installed while finalizers are queued. The Rust body drains the queue
 * (every finalizer runs protected) and returns the host's own interrupt, called last so
 * that an error or yield it raises leaves no Rust frame behind. */
typedef void (*luauffi_interrupt_fn)(lua_State *L, int gc);
__attribute__((visibility("hidden"))) luauffi_interrupt_fn luauffi_body_interrupt(lua_State *L, int gc);

void luauffi_interrupt(lua_State *L, int gc)
{
    luauffi_interrupt_fn host = luauffi_body_interrupt(L, gc);
    if (host != NULL)
        host(L, gc);
}

/* The Luau build the host says it has (include/luau_ffi.h, LUAU_FFI_HOST_ABI), or NULL
 * when the host does not say. Weak: a host without the stamp still loads the module. */
struct luau_ffi_host_abi_t
{
    unsigned int size;
    unsigned int luau_release;
    int maxcstack;
    int vector_size;
};
#ifdef _WIN32
/* Windows: the module imports Luau from luau.dll (docs/platforms.md), which carries the
 * stamp; a PE file has no weak imports, so it is looked up by name. */
#include <windows.h>

const struct luau_ffi_host_abi_t *luauffi_host_abi(void)
{
    HMODULE luau = GetModuleHandleA("luau.dll");
    if (!luau)
        return NULL;
    return (const struct luau_ffi_host_abi_t *)(void *)GetProcAddress(luau, "luau_ffi_host_abi");
}
#else
extern const struct luau_ffi_host_abi_t luau_ffi_host_abi __attribute__((weak));

const struct luau_ffi_host_abi_t *luauffi_host_abi(void)
{
    return &luau_ffi_host_abi;
}
#endif
