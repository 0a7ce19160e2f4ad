/* C fixture library for the spec suite and the benchmarks. Built by the Makefile into
 * dist/libfixture.so; specs find it through the FFI_FIXTURE environment variable.
 * Later issues grow it: every function here is called by a spec or a benchmark. */
#include <stdint.h>
#include <string.h>

int add(int a, int b) { return a + b; }
double addd(double a, double b) { return a + b; }
int64_t add64(int64_t a, int64_t b) { return a + b; }
void noop(void) {}

/* ---- calls (issue #5): every argument and result class, by value aggregates, varargs,
 * callbacks, errno. Used by tests/call_*.rs and the call specs. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

int8_t neg8(int8_t x) { return (int8_t)-x; }
uint8_t u8_add(uint8_t a, uint8_t b) { return (uint8_t)(a + b); }
int16_t i16_mul(int16_t a, int16_t b) { return (int16_t)(a * b); }
uint16_t u16_add(uint16_t a, uint16_t b) { return (uint16_t)(a + b); }
uint32_t u32_add(uint32_t a, uint32_t b) { return a + b; }
uint64_t u64_add(uint64_t a, uint64_t b) { return a + b; }
bool is_even(int x) { return x % 2 == 0; }
float halff(float x) { return x / 2.0f; }
float addf(float a, float b) { return a + b; }
double mixed(int a, double b, signed char c, float d, long long e) { return a + b + c + d + (double)e; }
double seven(int a, int b, int c, int d, int e, int f, double g) { return a + b + c + d + e + f + g; }
double nine_doubles(double a, double b, double c, double d, double e, double f, double g, double h, double i) {
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h + 9 * i;
}
const char *greeting(void) { return "hello"; }
size_t slen(const char *s) { return strlen(s); }
void *ptr_offset(void *p, long n) { return (char *)p + n; }
long double ld_add(long double a, long double b) { return a + b; }
_Complex double cmul(_Complex double a, _Complex double b) { return a * b; }
_Complex float cmulf(_Complex float a, _Complex float b) { return a * b; }

typedef struct { double x, y, z; } vec3;
vec3 vadd(vec3 a, vec3 b) { vec3 r = {a.x + b.x, a.y + b.y, a.z + b.z}; return r; }
double vdot(vec3 a, vec3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
typedef struct { float x, y; } vec2f;
vec2f vec2f_scale(vec2f v, float k) { vec2f r = {v.x * k, v.y * k}; return r; }
typedef struct { int a; char b; short c; } small_s;
small_s small_make(int a, int b, int c) { small_s s = {a, (char)b, (short)c}; return s; }
int small_sum(small_s s) { return s.a + s.b + s.c; }
typedef struct { int v[10]; } ten_ints;
int ten_sum(ten_ints t) { int s = 0; for (int i = 0; i < 10; i++) s += t.v[i]; return s; }
ten_ints ten_iota(int start) { ten_ints t; for (int i = 0; i < 10; i++) t.v[i] = start + i; return t; }
typedef struct { char tag; struct { float f[3]; } inner; double d; } nested_s;
double nested_sum(nested_s n) { return n.tag + n.inner.f[0] + n.inner.f[1] + n.inner.f[2] + n.d; }
typedef struct { unsigned a : 3; unsigned b : 5; int c : 12; } bits_s;
int bits_sum(bits_s s) { return (int)s.a + (int)s.b + s.c; }
typedef struct { char a; int b : 4; int c : 20; float f; } shared_bits_s;
double shared_bits_sum(shared_bits_s s) { return s.a + s.b + s.c + s.f; }
typedef struct { char a; int b : 4; } tiny_bits_s;
int tiny_bits_sum(tiny_bits_s s) { return s.a * 100 + s.b; }
shared_bits_s shared_bits_make(int a, int b, int c, float f) { shared_bits_s s = {(char)a, b, c, f}; return s; }

typedef union { int i; float f; } int_or_float;
int iof_int(int_or_float u) { return u.i; }
int_or_float iof_from_float(float f) { int_or_float u; u.f = f; return u; }
typedef union { float f[2]; float g; } float_pair_u;
float fpu_sum(float_pair_u u) { return u.f[0] + u.f[1]; }
typedef union { double d; long long l; } dl_u;
double dl_double(dl_u u) { return u.d; }
typedef union { char bytes[24]; double d[3]; } big_u;
double big_u_sum(big_u u) { return u.d[0] + u.d[1] + u.d[2]; }
typedef struct { char tag; union { int i; double d; } u; } tagged_s;
double tagged_value(tagged_s t) { return t.tag ? t.u.d : t.u.i; }

int sum_ints(int n, ...) {
    va_list ap; va_start(ap, n); int s = 0;
    for (int i = 0; i < n; i++) s += va_arg(ap, int);
    va_end(ap); return s;
}
double sum_doubles(int n, ...) {
    va_list ap; va_start(ap, n); double s = 0;
    for (int i = 0; i < n; i++) s += va_arg(ap, double);
    va_end(ap); return s;
}
double sum_mixed(const char *fmt, ...) {
    /* 'i' int, 'd' double, 'l' long long, 'v' vec3 by value, 'p' vec3 * (sums of fields) */
    va_list ap; va_start(ap, fmt); double s = 0;
    for (const char *p = fmt; *p; p++) {
        if (*p == 'i') s += va_arg(ap, int);
        else if (*p == 'd') s += va_arg(ap, double);
        else if (*p == 'l') s += (double)va_arg(ap, long long);
        else if (*p == 'v') { vec3 v = va_arg(ap, vec3); s += v.x + v.y + v.z; }
        else if (*p == 'p') { vec3 *v = va_arg(ap, vec3 *); s += v->x + v->y + v->z; }
    }
    va_end(ap); return s;
}

int apply(int (*f)(int, int), int a, int b) { return f(a, b); }
double apply_vec(double (*f)(vec3), vec3 v) { return f(v); }
vec3 make_vec_via(vec3 (*f)(double), double k) { return f(k); }
int apply_narrow(int8_t (*f)(int8_t), int8_t x) { return f(x); }
int apply_n(int (*f)(int, int), int n) { int s = 0; for (int i = 0; i < n; i++) s = f(s, i); return s; }
/* bench/callgrind/callback_ffi: a comparator of two int pointers called n times. */
int apply_cmp_n(int (*f)(const int *, const int *), const int *a, int n) { int s = 0; for (int i = 0; i < n; i++) s += f(&a[i & 1], &a[(i + 1) & 1]); return s; }
double apply_mixed(double (*f)(int, double, float, const char *), int a, double b, float c, const char *d) {
    return f(a, b, c, d);
}

int fail_with_errno(int e) { errno = e; return -1; }
int read_errno(void) { return errno; }

/* Calls from Luau (spec/calls.spec.luau): variables, enums, function pointers in
   structs, function pointers returned. */
int fixture_var = 42;
const int fixture_const_var = 7;
vec3 fixture_origin = {1, 2, 3};
typedef enum { COLOR_RED, COLOR_GREEN = 5, COLOR_BLUE } color;
color next_color(color c) { return c == COLOR_RED ? COLOR_GREEN : COLOR_BLUE; }
typedef struct { int (*op)(int, int); int a, b; } op_s;
int run_op(const op_s *s) { return s->op(s->a, s->b); }
int (*get_adder(void))(int, int) { return add; }
int fixture_asm_target(int x) { return x * 3; }
int call_twice(void (*f)(int), int x) { f(x); f(x + 1); return x; }

/* The number callers (src/luau/call_glue.rs): int/double parameter patterns. */
int int_id(int x) { return x; }
double double_id(double x) { return x; }
int forty_two(void) { return 42; }
double num_idi(int a, double b, int c) { return a * 10000.0 + b * 100.0 + c; }
int num_did(double a, int b, double c) { return (int)(a * 100) + b * 10 + (int)c; }
static double num_stored;
void num_store(double a, int b) { num_stored = a + b; }
double num_stored_get(void) { return num_stored; }

/* Calls conformance (spec/ffi_calls/conformance.spec.luau): every scalar result type,
   pointer arguments, extern variables of several types, callbacks of every result type. */
char cf_char(int x) { return (char)x; }
signed char cf_schar(int x) { return (signed char)x; }
unsigned char cf_uchar(int x) { return (unsigned char)x; }
short cf_short(int x) { return (short)x; }
unsigned short cf_ushort(int x) { return (unsigned short)x; }
int cf_int(int x) { return x; }
unsigned int cf_uint(int x) { return (unsigned int)x; }
long cf_long(int x) { return x; }
unsigned long cf_ulong(int x) { return (unsigned long)(long)x; }
int64_t cf_i64(int x) { return x; }
uint64_t cf_u64(int x) { return (uint64_t)(int64_t)x; }
size_t cf_size(int x) { return (size_t)x; }
bool cf_bool(int x) { return x != 0; }
float cf_float(double x) { return (float)x; }
double cf_double(double x) { return x; }
void *cf_ptr(intptr_t x) { return (void *)x; }
const char *cf_str(int which) { return which ? "from C" : NULL; }
intptr_t cf_addr(const void *p) { return (intptr_t)p; }
int cf_first_byte(const char *s) { return s ? (unsigned char)s[0] : -1; }
int cf_first_byte_mut(char *s) { return s ? (unsigned char)s[0] : -1; }
int cf_first_byte_void(void *s) { return s ? ((unsigned char *)s)[0] : -1; }
int cf_first_byte_cvoid(const void *s) { return s ? ((const unsigned char *)s)[0] : -1; }
int cf_uint8_ptr(const uint8_t *s) { return s ? s[0] : -1; }
void cf_fill(char *out, int n) { for (int i = 0; i < n; i++) out[i] = (char)('a' + i); }
int cf_truth(bool b) { return b ? 1 : 0; }
double cf_flt_arg(float f) { return f; }
int64_t cf_i64_arg(int64_t x) { return x; }
uint64_t cf_u64_arg(uint64_t x) { return x; }
int cf_i8_arg(int8_t x) { return x; }
int cf_u8_arg(uint8_t x) { return x; }
int cf_u16_arg(uint16_t x) { return x; }
int cf_enum_arg(color c) { return (int)c; }

int cf_errno_like = 5;
char cf_char_var = 'A';
double cf_double_var = 2.5;
int64_t cf_i64_var = 1234567890123LL;
uint8_t cf_u8_var = 200;
bool cf_bool_var = true;
const char *cf_str_var = "variable";
int cf_arr_var[4] = {1, 2, 3, 4};
int (*cf_fnptr_var)(int, int) = add;

/* Callbacks of every result type, called from C. */
int cf_cb_int(int (*f)(void)) { return f(); }
unsigned cf_cb_uint(unsigned (*f)(void)) { return f(); }
int cf_cb_char(char (*f)(void)) { return f(); }
int cf_cb_uchar(unsigned char (*f)(void)) { return f(); }
int cf_cb_short(short (*f)(void)) { return f(); }
int cf_cb_bool(bool (*f)(void)) { return f() ? 1 : 0; }
double cf_cb_double(double (*f)(void)) { return f(); }
double cf_cb_float(float (*f)(void)) { return f(); }
int64_t cf_cb_i64(int64_t (*f)(void)) { return f(); }
uint64_t cf_cb_u64(uint64_t (*f)(void)) { return f(); }
intptr_t cf_cb_ptr(void *(*f)(void)) { return (intptr_t)f(); }
int cf_cb_enum(color (*f)(void)) { return (int)f(); }
int cf_cb_void(void (*f)(int), int x) { f(x); return x; }
double cf_cb_args(double (*f)(char, unsigned char, short, unsigned short, bool, float, int64_t, uint64_t, void *),
                  void *p) {
    return f(-3, 250, -30000, 60000, true, 1.5f, -5000000000LL, 18000000000000000000ULL, p);
}
int cf_cb_str(int (*f)(const char *)) { return f("text"); }
int cf_deref(const int *p) { return *p; }
double cf_dptr(double *p) { return *p; }

/* The differential matrix (spec/tools/diff_matrix.lua, spec/cdata/conformance_matrix.spec.luau):
   per C type T, an identity function (Lua -> C argument -> Lua result), a caller of a
   `T (*)(void)` callback (callback result -> C -> Lua), a reader of T from raw bytes
   (C result) and a caller of a `void (*)(T)` callback with T from raw bytes (callback
   argument). */
typedef enum { MX_A, MX_B = 5 } mx_e;
typedef struct { int x; } mx_s;
#define MX_TYPE(T, name)                                                       \
    T mx_id_##name(T x) { return x; }                                          \
    T mx_call_##name(T (*f)(void)) { return f(); }                             \
    T mx_from_##name(const void *bits) { T x; memcpy(&x, bits, sizeof x); return x; } \
    void mx_pass_##name(void (*f)(T), const void *bits) {                      \
        T x; memcpy(&x, bits, sizeof x); f(x);                                 \
    }
MX_TYPE(bool, bool)
MX_TYPE(char, char)
MX_TYPE(signed char, schar)
MX_TYPE(unsigned char, uchar)
MX_TYPE(short, short)
MX_TYPE(unsigned short, ushort)
MX_TYPE(int, int)
MX_TYPE(unsigned int, uint)
MX_TYPE(long long, ll)
MX_TYPE(unsigned long long, ull)
MX_TYPE(float, float)
MX_TYPE(double, double)
MX_TYPE(mx_e, enum)
MX_TYPE(void *, vp)
MX_TYPE(const char *, ccp)
MX_TYPE(int *, ip)
MX_TYPE(mx_s, s)
/* Variadic promotions: the first integer-class and the first double-class variadic
   argument (called with a value, then 0.25 and 7LL, so both are always there). */
long long mx_va_int(int n, ...) { va_list ap; va_start(ap, n); long long x = va_arg(ap, long long); va_end(ap); return x; }
double mx_va_dbl(int n, ...) { va_list ap; va_start(ap, n); double x = va_arg(ap, double); va_end(ap); return x; }

/* The target's ABI as its C compiler sees it (spec/ffi_calls/abi.spec.luau): the
   ABI-dependent specs compare the module's answers with these, never with x86-64's. */
#include <float.h>
#include <wchar.h>
const int abi_char_is_signed = (char)-1 < 0;
const int abi_wchar_is_signed = (wchar_t)-1 < 0;
const size_t abi_sizeof_wchar = sizeof(wchar_t);
const size_t abi_sizeof_long = sizeof(long);
const size_t abi_sizeof_long_double = sizeof(long double);
const size_t abi_alignof_long_double = _Alignof(long double);
const int abi_ldbl_mant_dig = LDBL_MANT_DIG;
const size_t abi_sizeof_va_list = sizeof(va_list);
char abi_char_from_byte(int byte) { unsigned char b = (unsigned char)byte; char c; memcpy(&c, &b, 1); return c; }
int abi_char_to_int(char c) { return c; }
int abi_char_cb(char (*f)(void)) { return f(); }
void abi_char_pass(void (*f)(char), int byte) { f(abi_char_from_byte(byte)); }

/* Homogeneous floating-point aggregates (HFA: one to four members of one float type,
   arrays included): AArch64 passes and returns them in v0-v7 (or wholly on the stack
   once they no longer fit), x86-64 in SSE eightbytes; the shapes that broke other FFIs
   on AArch64. By value both ways, and through callbacks both ways. */
typedef struct { float x, y, z, w; } hfa4f;
typedef struct { double a, b; } hfa2d;
typedef struct { float x, y, z; } hfa3f;
typedef struct { double v[4]; } hfa4d_arr;
typedef struct { float f; double d; } mixed_fd; /* not homogeneous */
hfa4f hfa4f_make(float x, float y, float z, float w) { hfa4f r = {x, y, z, w}; return r; }
float hfa4f_weigh(hfa4f v) { return v.x + 2 * v.y + 3 * v.z + 4 * v.w; }
hfa4f hfa4f_scale(hfa4f v, float k) { hfa4f r = {v.x * k, v.y * k, v.z * k, v.w * k}; return r; }
hfa2d hfa2d_make(double a, double b) { hfa2d r = {a, b}; return r; }
double hfa2d_weigh(hfa2d v) { return v.a + 2 * v.b; }
hfa2d hfa2d_swap(hfa2d v) { hfa2d r = {v.b, v.a}; return r; }
hfa3f hfa3f_make(float x, float y, float z) { hfa3f r = {x, y, z}; return r; }
float hfa3f_weigh(hfa3f v) { return v.x + 2 * v.y + 3 * v.z; }
hfa4d_arr hfa4d_make(double a, double b, double c, double d) { hfa4d_arr r = {{a, b, c, d}}; return r; }
double hfa4d_weigh(hfa4d_arr v) { return v.v[0] + 2 * v.v[1] + 3 * v.v[2] + 4 * v.v[3]; }
mixed_fd mixed_fd_make(float f, double d) { mixed_fd r = {f, d}; return r; }
double mixed_fd_weigh(mixed_fd v) { return v.f + 2 * v.d; }
/* Five doubles take v0-v4: the hfa4f no longer fits in v5-v7 and goes on the stack, and
   so does every later floating-point argument (AAPCS64 C.3), the hfa2d included. */
double hfa_pressure(double a, double b, double c, double d, double e, hfa4f v, hfa2d w) {
    return a + b + c + d + e + 10 * hfa4f_weigh(v) + 1000 * hfa2d_weigh(w);
}
float hfa4f_apply(float (*f)(hfa4f), float x, float y, float z, float w) { hfa4f v = {x, y, z, w}; return f(v); }
double hfa2d_apply(double (*f)(hfa2d), double a, double b) { hfa2d v = {a, b}; return f(v); }
float hfa4f_from(hfa4f (*f)(float), float k) { return hfa4f_weigh(f(k)); }
double hfa2d_from(hfa2d (*f)(double), double k) { return hfa2d_weigh(f(k)); }
double hfa4d_from(hfa4d_arr (*f)(double), double k) { return hfa4d_weigh(f(k)); }
double mixed_fd_apply(double (*f)(mixed_fd), float x, double y) { mixed_fd v = {x, y}; return f(v); }
double hfa_pressure_apply(double (*f)(double, double, double, double, double, hfa4f, hfa2d)) {
    hfa4f v = {1, 2, 3, 4};
    hfa2d w = {5, 6};
    return f(0.5, 1.5, 2.5, 3.5, 4.5, v, w);
}

/* va_list: a C function hands its va_list to a callback, which hands it back to C.
   LuaJIT declares va_list as `void *`, which is how every supported ABI passes one
   (x86-64: the array decays to a pointer; AArch64: the 32-byte struct goes by reference). */
int va_list_sum(int n, va_list ap) { int s = 0; for (int i = 0; i < n; i++) s += va_arg(ap, int); return s; }
int va_list_forward(int (*f)(int, va_list), int n, ...) {
    va_list ap; va_start(ap, n); int r = f(n, ap); va_end(ap); return r;
}

/* ---- benchmarks (issue #12): an array passed for a const pointer ---- */
int sum_array(const int *p, int n) { int s = 0; for (int i = 0; i < n; i++) s += p[i]; return s; }

/* ---- issue #12: MEMORY-class aggregates among register arguments ---- */
double mem_mix(int a, vec3 v, double d, ten_ints t, long long k, float f) {
    return a * 1e6 + (v.x * 100 + v.y * 10 + v.z) * 1e3 + d * 10 + t.v[0] + t.v[9] * 1e-1 + k * 1e-2 + f * 1e-3;
}
vec3 mem_make(double x, int n, ten_ints t) { vec3 r = {x, n, t.v[9]}; return r; }
vec3 mem_five(vec3 a, vec3 b, vec3 c, vec3 d, vec3 e) {
    vec3 r = {a.x + b.x + c.x + d.x + e.x, a.y * b.y, e.z - a.z};
    return r;
}
/* Library lifetime (spec/cdata/lifetime.spec.luau): an extern array variable, and a
 * function of one pointer argument to use as a C finalizer. */
int fixture_arr[4] = {10, 20, 30, 40};
void fixture_bump(int *counter) { *counter += 1; }
