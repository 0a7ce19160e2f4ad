/* luau-ffi: LuaJIT's FFI for Luau, for C and C++ programs that embed Luau.
 *
 * Link dist/libluau_ffi.a (`make staticlib`) into a program that links Luau, then call
 * luaopen_ffi like any lua_CFunction: it leaves the `ffi` table on the stack.
 *
 * The library calls the Luau C API by name and must run on a Luau built as mlua-sys
 * builds it (the luau0-src crate), with exactly these settings:
 *   - Luau release LUAU_FFI_LUAU_RELEASE (luau0-src 0.22.0+luau740);
 *   - -DLUA_API='extern "C"' (an unmangled C API), compiled as C++ with exceptions
 *     (luau0-src's default; a LUA_USE_LONGJMP build works too, since no Luau error
 *     unwinds through the library's Rust code);
 *   - -DLUAI_MAXCSTACK=LUAU_FFI_MAXCSTACK (it moves LUA_REGISTRYINDEX);
 *   - -DLUA_VECTOR_SIZE=LUAU_FFI_VECTOR_SIZE.
 * Put LUAU_FFI_HOST_ABI(LUAU_FFI_LUAU_RELEASE) in one source file of the program (after
 * including lua.h): luaopen_ffi then compares those settings with its own and raises
 * an error naming what differs, instead of crashing later.
 *
 * Link line (GNU ld): the program's objects, dist/libluau_ffi.a, the Luau archives,
 * then -lstdc++ -lpthread -ldl -lm, with -Wl,--gc-sections. libffi is inside the
 * library. See the README, "Use it from your host".
 */
#ifndef LUAU_FFI_H
#define LUAU_FFI_H

#define LUAU_FFI_LUAU_RELEASE 740
#define LUAU_FFI_MAXCSTACK 1000000
#define LUAU_FFI_VECTOR_SIZE 3

#ifdef __cplusplus
#define LUAU_FFI_EXTERN_C extern "C"
#else
#define LUAU_FFI_EXTERN_C extern
#endif

struct lua_State;

/* The module's entry: pushes the `ffi` table (the same one on every call in a state). */
LUAU_FFI_EXTERN_C int luaopen_ffi(struct lua_State *L);

/* What the host says its Luau is (read by luaopen_ffi). */
struct luau_ffi_host_abi_t
{
    unsigned int size;
    unsigned int luau_release;
    int maxcstack;
    int vector_size;
};

/* Defines the stamp, with the settings lua.h was compiled with. */
#define LUAU_FFI_HOST_ABI(release)                                                         \
    LUAU_FFI_EXTERN_C const struct luau_ffi_host_abi_t luau_ffi_host_abi;                  \
    const struct luau_ffi_host_abi_t luau_ffi_host_abi = {                                 \
        sizeof(struct luau_ffi_host_abi_t), (release), LUAI_MAXCSTACK, LUA_VECTOR_SIZE}

#endif
