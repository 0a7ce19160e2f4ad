//! Shared by the call tests: builds spec/native/fixture.c into a shared library, loads it
//! through `library`, declares its functions with `cdef`, and hands out prepared
//! signatures with their addresses. (Also compiled alone as a test crate with no tests.)
#![allow(dead_code)]

use std::ffi::c_void;
use std::path::PathBuf;
use std::process::Command;
use std::rc::Rc;
use std::sync::OnceLock;

use luau_ffi::call::{CifCache, Signature};
use luau_ffi::cdecl;
use luau_ffi::ctype::{CTypeId, Registry, Symbol};
use luau_ffi::library::Library;

/// The fixture's declarations, written as a user would in `ffi.cdef`.
pub const FIXTURE_CDEF: &str = r#"
int add(int a, int b);
double addd(double a, double b);
int64_t add64(int64_t a, int64_t b);
void noop(void);
int8_t neg8(int8_t x);
uint8_t u8_add(uint8_t a, uint8_t b);
int16_t i16_mul(int16_t a, int16_t b);
uint16_t u16_add(uint16_t a, uint16_t b);
uint32_t u32_add(uint32_t a, uint32_t b);
uint64_t u64_add(uint64_t a, uint64_t b);
bool is_even(int x);
float halff(float x);
float addf(float a, float b);
double mixed(int a, double b, signed char c, float d, long long e);
double seven(int a, int b, int c, int d, int e, int f, double g);
double nine_doubles(double a, double b, double c, double d, double e, double f, double g, double h, double i);
const char *greeting(void);
size_t slen(const char *s);
void *ptr_offset(void *p, long n);
long double ld_add(long double a, long double b);
complex double cmul(complex double a, complex double b);
complex float cmulf(complex float a, complex float b);
typedef struct { double x, y, z; } vec3;
vec3 vadd(vec3 a, vec3 b);
double vdot(vec3 a, vec3 b);
typedef struct { float x, y; } vec2f;
vec2f vec2f_scale(vec2f v, float k);
typedef struct { int a; char b; short c; } small_s;
small_s small_make(int a, int b, int c);
int small_sum(small_s s);
typedef struct { int v[10]; } ten_ints;
int ten_sum(ten_ints t);
ten_ints ten_iota(int start);
typedef struct { char tag; struct { float f[3]; } inner; double d; } nested_s;
double nested_sum(nested_s n);
typedef struct { unsigned a : 3; unsigned b : 5; int c : 12; } bits_s;
int bits_sum(bits_s s);
typedef struct { char a; int b : 4; int c : 20; float f; } shared_bits_s;
double shared_bits_sum(shared_bits_s s);
shared_bits_s shared_bits_make(int a, int b, int c, float f);
typedef struct { char a; int b : 4; } tiny_bits_s;
int tiny_bits_sum(tiny_bits_s s);
typedef union { int i; float f; } int_or_float;
int iof_int(int_or_float u);
int_or_float iof_from_float(float f);
typedef union { float f[2]; float g; } float_pair_u;
float fpu_sum(float_pair_u u);
typedef union { double d; long long l; } dl_u;
double dl_double(dl_u u);
typedef union { char bytes[24]; double d[3]; } big_u;
double big_u_sum(big_u u);
typedef struct { char tag; union { int i; double d; } u; } tagged_s;
double tagged_value(tagged_s t);
int sum_ints(int n, ...);
double sum_doubles(int n, ...);
double sum_mixed(const char *fmt, ...);
int apply(int (*f)(int, int), int a, int b);
double apply_vec(double (*f)(vec3), vec3 v);
vec3 make_vec_via(vec3 (*f)(double), double k);
int apply_narrow(int8_t (*f)(int8_t), int8_t x);
int apply_n(int (*f)(int, int), int n);
double apply_mixed(double (*f)(int, double, float, const char *), int a, double b, float c, const char *d);
int fail_with_errno(int e);
int read_errno(void);
int add_by_asm_name(int a, int b) __asm__("add");
"#;

/// Path of the fixture library, compiled once per test process.
pub fn fixture_library() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| {
        let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("spec/native/fixture.c");
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("libfixture-call-{}.so", std::process::id()));
        let status = Command::new(std::env::var("FFI_TEST_CC").unwrap_or_else(|_| "cc".into()))
            .args(["-O2", "-fPIC", "-shared", "-o"])
            .arg(&out)
            .arg(&source)
            .status()
            .expect("run cc (is a C compiler installed?)");
        assert!(status.success(), "cc failed on {}", source.display());
        out.to_string_lossy().into_owned()
    })
}

/// A registry with the fixture declared, the fixture loaded, and a cif cache.
pub struct Fixture {
    pub reg: Registry,
    pub lib: Library,
    pub cache: CifCache,
}

impl Fixture {
    pub fn new() -> Fixture {
        let mut reg = Registry::new();
        cdecl::cdef(&mut reg, FIXTURE_CDEF, &[]).expect("fixture declarations parse");
        let lib = Library::load(fixture_library(), false).expect("fixture loads");
        Fixture {
            reg,
            lib,
            cache: CifCache::new(),
        }
    }

    /// The declared function type and resolved address of `name`.
    pub fn declared(&self, name: &str) -> (CTypeId, *const c_void) {
        let Some(Symbol::Function { ty, asm_name }) = self.reg.lookup_symbol(name) else {
            panic!("{name} is not a declared function");
        };
        let address = self
            .lib
            .address_of(name, asm_name.as_deref())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        (ty, address.as_ptr().cast_const())
    }

    /// The prepared signature and address of `name`.
    pub fn function(&mut self, name: &str) -> (Rc<Signature>, *const c_void) {
        let (ty, address) = self.declared(name);
        let signature = self
            .cache
            .signature(&self.reg, ty)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        (signature, address)
    }

    /// The type named by a C type string (`"vec3"`, `"int(*)(int, int)"`).
    pub fn type_of(&mut self, spelling: &str) -> CTypeId {
        cdecl::parse_type(&mut self.reg, spelling, &[]).expect("type parses")
    }
}

impl Default for Fixture {
    fn default() -> Self {
        Fixture::new()
    }
}

/// The bytes of a plain C-layout value.
pub fn bytes_of<T: Copy>(value: &T) -> Vec<u8> {
    let size = std::mem::size_of::<T>();
    let mut out = vec![0u8; size];
    // SAFETY: T is Copy plain data of `size` bytes; the destination has `size` bytes.
    unsafe {
        std::ptr::copy_nonoverlapping((value as *const T).cast::<u8>(), out.as_mut_ptr(), size)
    };
    out
}
