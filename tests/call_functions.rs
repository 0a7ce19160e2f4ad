//! Calls through prepared signatures against the C fixture: every argument and result
//! class, aggregates and unions by value, varargs, both call paths, errno, libraries.

#[path = "call_fixture.rs"]
mod call_fixture;

use std::ffi::{c_void, CStr};
use std::rc::Rc;

use call_fixture::{bytes_of, fixture_library, Fixture};
use luau_ffi::call::{saved_errno, set_errno, CallError, CallFrame, Signature, ValueClass};
use luau_ffi::cdecl;
use luau_ffi::ctype::CTypeId;
use luau_ffi::library::{library_file_name, Library, LibraryError};

#[derive(Clone, Copy)]
#[repr(C)]
struct Vec3 {
    x: f64,
    y: f64,
    z: f64,
}

#[derive(Clone, Copy)]
#[repr(C)]
struct Vec2f {
    x: f32,
    y: f32,
}

#[derive(Clone, Copy)]
#[repr(C)]
struct SmallS {
    a: i32,
    b: i8,
    c: i16,
}

#[derive(Clone, Copy)]
#[repr(C)]
struct NestedS {
    tag: i8,
    inner: [f32; 3],
    d: f64,
}

/// `struct { char tag; union { int i; double d; } u; }` with `u` seen as its bytes.
#[derive(Clone, Copy)]
#[repr(C)]
struct TaggedS {
    tag: i8,
    u: [u64; 1],
}

/// An argument as a test writes it into the frame.
#[derive(Clone)]
enum Arg {
    Int(i64),
    Float(f64),
    Ptr(*const c_void),
    Bytes(Vec<u8>),
}

/// What the call must return.
#[derive(Clone, Debug, PartialEq)]
enum Expect {
    Void,
    Int(i64),
    Float(f64),
    Str(&'static str),
    Bytes(Vec<u8>),
}

struct Case {
    function: &'static str,
    args: Vec<Arg>,
    expect: Expect,
    fast: bool,
}

fn case(function: &'static str, args: Vec<Arg>, expect: Expect, fast: bool) -> Case {
    Case {
        function,
        args,
        expect,
        fast,
    }
}

fn write_args(frame: &mut CallFrame, args: &[Arg]) {
    for (i, arg) in args.iter().enumerate() {
        match arg {
            Arg::Int(v) => frame.set_int(i, *v),
            Arg::Float(v) => frame.set_f64(i, *v),
            Arg::Ptr(p) => frame.set_ptr(i, *p),
            Arg::Bytes(bytes) => {
                let dst = frame.arg_ptr(i);
                // SAFETY: the slot of an aggregate argument holds its whole size, which
                // is what `bytes` holds (the test's repr(C) twin of the C type).
                unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, bytes.len()) };
            }
        }
    }
}

fn read_result(signature: &Signature, frame: &CallFrame, expect: &Expect) -> Expect {
    match expect {
        Expect::Void => Expect::Void,
        Expect::Int(_) => Expect::Int(frame.ret_int()),
        Expect::Float(_) => Expect::Float(frame.ret_f64()),
        Expect::Str(_) => {
            // SAFETY: the fixture returns a static NUL-terminated string.
            let s = unsafe { CStr::from_ptr(frame.ret_pointer().cast()) };
            Expect::Str(Box::leak(s.to_str().unwrap().to_string().into_boxed_str()))
        }
        Expect::Bytes(_) => {
            assert!(matches!(
                signature.ret_class(),
                ValueClass::Aggregate { .. }
                    | ValueClass::ComplexF32
                    | ValueClass::ComplexF64
                    | ValueClass::LongDouble
            ));
            Expect::Bytes(frame.ret_bytes().to_vec())
        }
    }
}

/// Calls `function` with `args` through the automatic path and through libffi.
fn call_both(fx: &mut Fixture, function: &str, args: &[Arg], expect: &Expect) -> [Expect; 2] {
    let (signature, address) = fx.function(function);
    let mut results = Vec::new();
    for force_libffi in [false, true] {
        let mut frame = signature.frame();
        write_args(&mut frame, args);
        // SAFETY: `address` is the fixture's `function`, declared with this signature,
        // and every argument was written above.
        unsafe {
            if force_libffi {
                signature.call_libffi(address, &mut frame);
            } else {
                signature.call(address, &mut frame);
            }
        }
        results.push(read_result(&signature, &frame, expect));
    }
    [results[0].clone(), results[1].clone()]
}

fn calls() -> Vec<Case> {
    use Arg::*;
    let v1 = Vec3 {
        x: 1.0,
        y: 2.0,
        z: 3.0,
    };
    let v2 = Vec3 {
        x: 10.0,
        y: 20.0,
        z: 30.0,
    };
    let hello = c"hello".as_ptr().cast::<c_void>();
    let bits = (5u32) | (17 << 3) | (((-100i32) as u32 & 0xfff) << 8);
    // { char a = 1; int b : 4 = -3; int c : 20 = 1000; float f = 0.5; }: a in byte 0,
    // b in bits 8..12 and c in bits 12..32 of the first int, f at offset 4.
    let shared_bits: [u32; 2] = [
        1 | (((-3i32) as u32 & 0xf) << 8) | ((1000u32 & 0xfffff) << 12),
        0.5f32.to_bits(),
    ];
    vec![
        case("add", vec![Int(2), Int(40)], Expect::Int(42), true),
        case(
            "add",
            vec![Int(i32::MAX as i64), Int(1)],
            Expect::Int(i32::MIN as i64),
            true,
        ),
        case(
            "addd",
            vec![Float(1.25), Float(2.5)],
            Expect::Float(3.75),
            true,
        ),
        case(
            "add64",
            vec![Int(1 << 40), Int(-1)],
            Expect::Int((1 << 40) - 1),
            true,
        ),
        case("noop", vec![], Expect::Void, true),
        case("neg8", vec![Int(5)], Expect::Int(-5), true),
        case("neg8", vec![Int(-128)], Expect::Int(-128), true),
        case("u8_add", vec![Int(200), Int(100)], Expect::Int(44), true),
        case(
            "i16_mul",
            vec![Int(300), Int(300)],
            Expect::Int(24464),
            true,
        ),
        case("u16_add", vec![Int(65535), Int(2)], Expect::Int(1), true),
        case("u16_add", vec![Int(-1), Int(0)], Expect::Int(65535), true),
        case(
            "u32_add",
            vec![Int(0xffff_ffff), Int(2)],
            Expect::Int(1),
            true,
        ),
        case("u64_add", vec![Int(-1), Int(0)], Expect::Int(-1), true),
        case("is_even", vec![Int(4)], Expect::Int(1), true),
        case("is_even", vec![Int(5)], Expect::Int(0), true),
        case("halff", vec![Float(5.0)], Expect::Float(2.5), true),
        case(
            "addf",
            vec![Float(1.5), Float(0.25)],
            Expect::Float(1.75),
            true,
        ),
        case(
            "mixed",
            vec![Int(1), Float(0.5), Int(-3), Float(0.25), Int(1 << 33)],
            Expect::Float(1.0 + 0.5 - 3.0 + 0.25 + (1u64 << 33) as f64),
            true,
        ),
        case(
            "seven",
            vec![Int(1), Int(2), Int(3), Int(4), Int(5), Int(6), Float(0.5)],
            Expect::Float(21.5),
            false,
        ),
        case(
            "nine_doubles",
            (1..=9).map(|k| Float(k as f64)).collect(),
            Expect::Float((1..=9).map(|k| (k * k) as f64).sum()),
            false,
        ),
        case("greeting", vec![], Expect::Str("hello"), true),
        case("slen", vec![Ptr(hello)], Expect::Int(5), true),
        case(
            "vadd",
            vec![Bytes(bytes_of(&v1)), Bytes(bytes_of(&v2))],
            Expect::Bytes(bytes_of(&Vec3 {
                x: 11.0,
                y: 22.0,
                z: 33.0,
            })),
            false,
        ),
        case(
            "vdot",
            vec![Bytes(bytes_of(&v1)), Bytes(bytes_of(&v2))],
            Expect::Float(140.0),
            false,
        ),
        case(
            "vec2f_scale",
            vec![Bytes(bytes_of(&Vec2f { x: 1.5, y: -2.0 })), Float(2.0)],
            Expect::Bytes(bytes_of(&Vec2f { x: 3.0, y: -4.0 })),
            false,
        ),
        case(
            "small_sum",
            vec![Bytes(bytes_of(&SmallS {
                a: 7,
                b: -2,
                c: 300,
            }))],
            Expect::Int(7 + char_of(-2) + 300),
            false,
        ),
        case(
            "ten_sum",
            vec![Bytes(bytes_of(&[1i32, 2, 3, 4, 5, 6, 7, 8, 9, 10]))],
            Expect::Int(55),
            false,
        ),
        case(
            "ten_iota",
            vec![Int(3)],
            Expect::Bytes(bytes_of(&[3i32, 4, 5, 6, 7, 8, 9, 10, 11, 12])),
            false,
        ),
        case(
            "nested_sum",
            vec![Bytes(bytes_of(&NestedS {
                tag: 1,
                inner: [0.5, 0.25, 0.125],
                d: 100.0,
            }))],
            Expect::Float(101.875),
            false,
        ),
        case(
            "bits_sum",
            vec![Bytes(bytes_of(&bits))],
            Expect::Int(5 + 17 - 100),
            false,
        ),
        case(
            "shared_bits_sum",
            vec![Bytes(bytes_of(&shared_bits))],
            Expect::Float(1.0 - 3.0 + 1000.0 + 0.5),
            false,
        ),
        case(
            "shared_bits_make",
            vec![Int(1), Int(-3), Int(1000), Float(0.5)],
            Expect::Bytes(bytes_of(&shared_bits)),
            false,
        ),
        // (1 + 2i)(3 - i) = 5 + 5i
        case(
            "cmul",
            vec![
                Bytes(bytes_of(&[1.0f64, 2.0])),
                Bytes(bytes_of(&[3.0f64, -1.0])),
            ],
            Expect::Bytes(bytes_of(&[5.0f64, 5.0])),
            false,
        ),
        case(
            "cmulf",
            vec![
                Bytes(bytes_of(&[1.0f32, 2.0])),
                Bytes(bytes_of(&[3.0f32, -1.0])),
            ],
            Expect::Bytes(bytes_of(&[5.0f32, 5.0])),
            false,
        ),
        case(
            "tiny_bits_sum",
            vec![Bytes(bytes_of(&(7u32 | (((-2i32) as u32 & 0xf) << 8))))],
            Expect::Int(698),
            false,
        ),
        case(
            "iof_int",
            vec![Bytes(bytes_of(&-77i32))],
            Expect::Int(-77),
            false,
        ),
        case(
            "iof_from_float",
            vec![Float(1.5)],
            Expect::Bytes(bytes_of(&1.5f32)),
            false,
        ),
        case(
            "fpu_sum",
            vec![Bytes(bytes_of(&[1.25f32, 2.5]))],
            Expect::Float(3.75),
            false,
        ),
        case(
            "dl_double",
            vec![Bytes(bytes_of(&6.5f64))],
            Expect::Float(6.5),
            false,
        ),
        case(
            "big_u_sum",
            vec![Bytes(bytes_of(&[1.0f64, 2.0, 4.0]))],
            Expect::Float(7.0),
            false,
        ),
        case(
            "tagged_value",
            vec![Bytes(bytes_of(&TaggedS {
                tag: 1,
                u: [2.5f64.to_bits()],
            }))],
            Expect::Float(2.5),
            false,
        ),
        case(
            "tagged_value",
            vec![Bytes(bytes_of(&TaggedS { tag: 0, u: [7] }))],
            Expect::Float(7.0),
            false,
        ),
    ]
}

/// What C makes of the byte of `b` read as plain `char`: Rust's `c_char` has the
/// target's signedness (-2 on x86-64, 254 on AArch64 Linux).
fn char_of(b: i8) -> i64 {
    i64::from(b as std::ffi::c_char)
}

#[test]
fn every_class_calls_as_c_does_on_both_paths() {
    let mut fx = Fixture::new();
    let mut failures = Vec::new();
    for case in calls() {
        let [auto, general] = call_both(&mut fx, case.function, &case.args, &case.expect);
        if auto != case.expect || general != case.expect {
            failures.push(format!(
                "{}: expected {:?}, fast/auto path gave {auto:?}, libffi gave {general:?}",
                case.function, case.expect
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn fast_path_covers_the_common_signatures() {
    let mut fx = Fixture::new();
    let fast_expected = fast::FAST_PATH_AVAILABLE;
    for case in calls() {
        let (signature, _) = fx.function(case.function);
        assert_eq!(
            signature.is_fast(),
            case.fast && fast_expected,
            "{} fast path",
            case.function
        );
    }
    for name in ["sum_ints", "ld_add"] {
        let (signature, _) = fx.function(name);
        assert!(!signature.is_fast(), "{name} must use libffi");
    }
}

use luau_ffi::call::fast;

#[test]
fn struct_results_feed_struct_arguments() {
    let mut fx = Fixture::new();
    let (make, make_at) = fx.function("small_make");
    let (sum, sum_at) = fx.function("small_sum");
    let mut frame = make.frame();
    write_args(&mut frame, &[Arg::Int(7), Arg::Int(-2), Arg::Int(300)]);
    // SAFETY: small_make(int, int, int), arguments written.
    unsafe { make.call(make_at, &mut frame) };
    let made = frame.ret_bytes().to_vec();
    assert_eq!(
        made[..5],
        bytes_of(&7i32)
            .into_iter()
            .chain([0xfe])
            .collect::<Vec<_>>()[..]
    );
    let mut frame = sum.frame();
    write_args(&mut frame, &[Arg::Bytes(made)]);
    // SAFETY: small_sum(small_s), the struct written.
    unsafe { sum.call(sum_at, &mut frame) };
    assert_eq!(frame.ret_int(), 7 + char_of(-2) + 300);
}

/// x87 80-bit extended bytes of small exact values (sign 0): exponent and mantissa.
#[cfg(target_arch = "x86_64")]
fn x87(exponent: u16, mantissa: u64) -> Vec<u8> {
    let mut bytes = mantissa.to_le_bytes().to_vec();
    bytes.extend(exponent.to_le_bytes());
    bytes.resize(16, 0);
    bytes
}

#[cfg(target_arch = "x86_64")]
#[test]
fn long_double_travels_through_libffi() {
    let mut fx = Fixture::new();
    let one_and_half = x87(16383, 0xC000_0000_0000_0000);
    let two_and_quarter = x87(16384, 0x9000_0000_0000_0000);
    let three_and_three_quarters = x87(16384, 0xF000_0000_0000_0000);
    let [auto, general] = call_both(
        &mut fx,
        "ld_add",
        &[Arg::Bytes(one_and_half), Arg::Bytes(two_and_quarter)],
        &Expect::Bytes(vec![]),
    );
    for result in [auto, general] {
        let Expect::Bytes(bytes) = result else {
            unreachable!()
        };
        assert_eq!(bytes[..10], three_and_three_quarters[..10]);
    }
}

#[test]
fn signatures_describe_their_arguments() {
    let mut fx = Fixture::new();
    let (signature, _) = fx.function("mixed");
    let classes: Vec<_> = (0..signature.arg_count())
        .map(|i| signature.arg_class(i))
        .collect();
    assert_eq!(
        classes,
        [
            ValueClass::I32,
            ValueClass::F64,
            ValueClass::I8,
            ValueClass::F32,
            ValueClass::I64
        ]
    );
    assert_eq!(signature.ret_class(), ValueClass::F64);
    assert_eq!(signature.arg_type(0), CTypeId::INT);
    let (ld, _) = fx.function("ld_add");
    assert_eq!(ld.ret_class(), ValueClass::LongDouble);
    let (vadd, _) = fx.function("vadd");
    assert_eq!(
        vadd.ret_class(),
        ValueClass::Aggregate { size: 24, align: 8 }
    );
}

#[test]
fn signatures_are_cached_per_function_type() {
    let mut fx = Fixture::new();
    let (a, _) = fx.function("add");
    let (b, _) = fx.function("add_by_asm_name");
    assert!(Rc::ptr_eq(&a, &b), "same function type, one signature");
    let (c, _) = fx.function("addd");
    assert!(!Rc::ptr_eq(&a, &c));
    assert_eq!(fx.cache.len(), 2);
}

#[test]
fn frames_are_reused_and_reentry_gets_its_own() {
    let mut fx = Fixture::new();
    let (signature, _) = fx.function("add");
    let first = {
        let mut frame = signature.frame();
        frame.arg_ptr(0) as usize
    };
    let mut outer = signature.frame();
    assert_eq!(
        outer.arg_ptr(0) as usize,
        first,
        "the spare frame comes back"
    );
    let mut inner = signature.frame();
    assert_ne!(inner.arg_ptr(0) as usize, outer.arg_ptr(0) as usize);
}

#[test]
fn varargs_are_prepared_per_promoted_list() {
    let mut fx = Fixture::new();
    let (sum_ints, address) = fx.declared("sum_ints");
    let signature = fx
        .cache
        .variadic_signature(
            &fx.reg,
            sum_ints,
            &[CTypeId::INT, CTypeId::SHORT, CTypeId::CHAR],
        )
        .unwrap();
    assert!(signature.is_variadic() && !signature.is_fast());
    assert_eq!(signature.arg_count(), 4);
    assert_eq!(signature.arg_type(2), CTypeId::INT, "short promotes to int");
    let again = fx
        .cache
        .variadic_signature(
            &fx.reg,
            sum_ints,
            &[CTypeId::INT, CTypeId::INT, CTypeId::INT],
        )
        .unwrap();
    assert!(Rc::ptr_eq(&signature, &again), "keyed by the promoted list");
    let mut frame = signature.frame();
    write_args(
        &mut frame,
        &[Arg::Int(3), Arg::Int(10), Arg::Int(-4), Arg::Int(100)],
    );
    // SAFETY: sum_ints(int n, ...) with three int varargs, all written.
    unsafe { signature.call(address, &mut frame) };
    assert_eq!(frame.ret_int(), 106);
    drop(frame);

    let (sum_doubles, address) = fx.declared("sum_doubles");
    let signature = fx
        .cache
        .variadic_signature(&fx.reg, sum_doubles, &[CTypeId::DOUBLE, CTypeId::FLOAT])
        .unwrap();
    assert_eq!(
        signature.arg_type(2),
        CTypeId::DOUBLE,
        "float promotes to double"
    );
    let mut frame = signature.frame();
    write_args(
        &mut frame,
        &[Arg::Int(2), Arg::Float(1.5), Arg::Float(0.25)],
    );
    // SAFETY: sum_doubles(int n, ...) with two double varargs.
    unsafe { signature.call(address, &mut frame) };
    assert_eq!(frame.ret_f64(), 1.75);
    drop(frame);

    let (sum_mixed, address) = fx.declared("sum_mixed");
    let vec3 = fx.type_of("vec3");
    let int64 = CTypeId::INT64;
    let signature = fx
        .cache
        .variadic_signature(
            &fx.reg,
            sum_mixed,
            &[CTypeId::INT, CTypeId::DOUBLE, int64, vec3],
        )
        .unwrap();
    let mut frame = signature.frame();
    let v = Vec3 {
        x: 1.0,
        y: 2.0,
        z: 3.0,
    };
    write_args(
        &mut frame,
        &[
            Arg::Ptr(c"idlv".as_ptr().cast()),
            Arg::Int(1),
            Arg::Float(2.5),
            Arg::Int(3),
            Arg::Bytes(bytes_of(&v)),
        ],
    );
    // SAFETY: sum_mixed("idlv", int, double, long long, vec3).
    unsafe { signature.call(address, &mut frame) };
    assert_eq!(frame.ret_f64(), 12.5);
    drop(frame);
    assert_eq!(fx.cache.len(), 3);
}

#[test]
fn unsupported_signatures_fail_at_preparation() {
    let mut fx = Fixture::new();
    cdecl::cdef(
        &mut fx.reg,
        "typedef struct __attribute__((packed)) { char a; int b; } packed_s;
         int takes_packed(packed_s s);
         typedef float v4sf __attribute__((vector_size(16)));
         v4sf takes_vector(v4sf v);
         struct opaque;
         void takes_opaque(struct opaque o);
         typedef union { long double x; int i; } ld_u;
         int takes_ld_union(ld_u u);",
        &[],
    )
    .unwrap();
    let cases: [(&str, &str); 4] = [
        ("takes_packed", "packed"),
        ("takes_vector", "vector"),
        ("takes_opaque", "size of C type is unknown"),
        ("takes_ld_union", "long double"),
    ];
    for (name, wording) in cases {
        let Some(luau_ffi::ctype::Symbol::Function { ty, .. }) = fx.reg.lookup_symbol(name) else {
            panic!("{name} declared");
        };
        match fx.cache.signature(&fx.reg, ty) {
            Ok(_) => panic!("{name} must be refused"),
            Err(e) => assert!(e.to_string().contains(wording), "{name}: {e}"),
        }
    }
    assert!(matches!(
        fx.cache.signature(&fx.reg, CTypeId::INT),
        Err(CallError::NotAFunction { .. })
    ));
}

#[test]
fn errno_is_saved_after_and_restored_before_each_call() {
    let mut fx = Fixture::new();
    let (fail, fail_at) = fx.function("fail_with_errno");
    let (read, read_at) = fx.function("read_errno");
    for force_libffi in [false, true] {
        let mut frame = fail.frame();
        frame.set_int(0, 42);
        // SAFETY: fail_with_errno(int), argument written.
        unsafe {
            if force_libffi {
                fail.call_libffi(fail_at, &mut frame)
            } else {
                fail.call(fail_at, &mut frame)
            }
        };
        assert_eq!(frame.ret_int(), -1);
        assert_eq!(saved_errno(), 42);
        // Anything may clobber errno between calls; the saved value survives.
        let _ = std::fs::metadata("/definitely/not/here");
        assert_eq!(saved_errno(), 42);
        assert_eq!(set_errno(7), 42);
        let _ = std::fs::metadata("/definitely/not/here");
        let mut frame = read.frame();
        // SAFETY: read_errno(void).
        unsafe {
            if force_libffi {
                read.call_libffi(read_at, &mut frame)
            } else {
                read.call(read_at, &mut frame)
            }
        };
        assert_eq!(
            frame.ret_int(),
            7,
            "the call starts with the errno set by set_errno"
        );
    }
}

#[test]
fn libraries_resolve_names_like_luajit() {
    assert_eq!(library_file_name("z"), "libz.so");
    let missing = Library::load("luau_ffi_no_such_library", false).unwrap_err();
    let message = missing.to_string();
    assert!(
        message.contains("libluau_ffi_no_such_library.so"),
        "{message}"
    );
    assert!(matches!(missing, LibraryError::LoadFailed { .. }));
    let by_path = Library::load("/nonexistent/dir/libnope.so", false).unwrap_err();
    assert!(
        by_path.to_string().contains("/nonexistent/dir/libnope.so"),
        "{by_path}"
    );

    let lib = Library::load(fixture_library(), false).unwrap();
    let undefined = lib.symbol("no_such_function").unwrap_err();
    assert!(
        undefined
            .to_string()
            .ends_with("undefined symbol: no_such_function"),
        "{undefined}"
    );
    let add = lib.symbol("add").unwrap();
    assert_eq!(lib.symbol("add").unwrap(), add, "cached");
    assert_eq!(lib.address_of("add_by_asm_name", Some("add")).unwrap(), add);

    let copy = lib.clone();
    assert_eq!(lib.handle_count(), 2);
    assert!(copy.same_as(&lib));
    drop(copy);
    assert_eq!(lib.handle_count(), 1);
}

#[test]
fn process_namespace_sees_libc_libm_and_global_libraries() {
    let c = Library::process();
    assert!(c.is_process());
    for name in ["strlen", "qsort", "sin", "malloc"] {
        assert!(c.symbol(name).is_ok(), "ffi.C.{name}");
    }
    assert!(
        c.symbol("vdot").is_err(),
        "the fixture is not loaded globally yet"
    );
    let _global = Library::load(fixture_library(), true).unwrap();
    assert!(
        c.symbol("vdot").is_ok(),
        "global libraries are visible through ffi.C"
    );
}

#[test]
fn linker_scripts_load_the_library_they_name() {
    // libc.so / libm.so are GNU ld scripts wherever the C development files are.
    let dirs = [
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/usr/lib64",
        "/usr/lib",
    ];
    for (name, symbol) in [("c", "strlen"), ("m", "cos")] {
        let script = dirs
            .iter()
            .map(|dir| format!("{dir}/lib{name}.so"))
            .find(|file| std::path::Path::new(file).exists());
        if script.is_none() {
            continue;
        }
        let lib = Library::load(name, false).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(lib.symbol(symbol).is_ok());
    }
}

/// Rough per-call cost of both paths for `int add(int, int)` (no assertion on time):
/// `cargo test --release --test call_functions -- --ignored --nocapture`.
#[test]
#[ignore]
fn timing_of_fast_and_libffi_paths() {
    let mut fx = Fixture::new();
    let (signature, address) = fx.function("add");
    const N: u32 = 20_000_000;
    // SAFETY: `address` is `int add(int, int)`.
    let direct: extern "C" fn(i32, i32) -> i32 = unsafe { std::mem::transmute(address) };
    let start = std::time::Instant::now();
    let mut sum = 0i64;
    for i in 0..N {
        sum = sum.wrapping_add(std::hint::black_box(direct)(i as i32, 1) as i64);
    }
    let ns = start.elapsed().as_nanos() as f64 / N as f64;
    println!("add called directly: {ns:.1} ns/call (checksum {sum})");
    for force_libffi in [false, true, false, true] {
        let start = std::time::Instant::now();
        let mut sum = 0i64;
        for i in 0..N {
            let mut frame = signature.frame();
            frame.set_int(0, i as i64);
            frame.set_int(1, 1);
            // SAFETY: add(int, int), both arguments written.
            unsafe {
                if force_libffi {
                    signature.call_libffi(address, &mut frame)
                } else {
                    signature.call(address, &mut frame)
                }
            };
            sum = sum.wrapping_add(frame.ret_int());
        }
        let ns = start.elapsed().as_nanos() as f64 / N as f64;
        let path = if force_libffi { "libffi" } else { "fast" };
        println!("add via {path}: {ns:.1} ns/call (checksum {sum})");
    }
}
