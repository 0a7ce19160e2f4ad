//! Callbacks against the C fixture and libc's qsort: arguments and results of every
//! kind (structs by value included), free/set, stale ids, failures and foreign threads.

#[path = "call_fixture.rs"]
mod call_fixture;

use std::cell::Cell;
use std::ffi::{c_void, CStr};
use std::rc::Rc;

use call_fixture::{bytes_of, Fixture};
use luau_ffi::call::{function_type_of, Signature};
use luau_ffi::callback::{
    Callback, CallbackError, CallbackHandler, CallbackTable, FOREIGN_THREAD_MESSAGE,
};
use luau_ffi::library::Library;

#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
struct Vec3 {
    x: f64,
    y: f64,
    z: f64,
}

/// Reads argument `i` of a callback as `T`.
fn arg<T: Copy>(args: &[*const c_void], i: usize) -> T {
    // SAFETY: the test's handlers read each argument as its declared C type.
    unsafe { args[i].cast::<T>().read() }
}

/// Writes a callback's result as `T`; the handler succeeded.
fn ret<T>(ret: *mut c_void, value: T) -> Result<(), String> {
    // SAFETY: the result buffer holds the declared result type, which is `T`.
    unsafe { ret.cast::<T>().write(value) };
    Ok(())
}

fn handler(
    f: impl Fn(&[*const c_void], *mut c_void) -> Result<(), String> + 'static,
) -> Rc<CallbackHandler> {
    Rc::new(f)
}

/// The signature of a function-pointer type's target, e.g. `"int(*)(int, int)"`.
fn pointee_signature(fx: &mut Fixture, pointer_type: &str) -> Rc<Signature> {
    let ptr = fx.type_of(pointer_type);
    let target = function_type_of(&fx.reg, ptr).expect("a function pointer type");
    assert_eq!(function_type_of(&fx.reg, target), Some(target));
    fx.cache
        .signature(&fx.reg, target)
        .expect("callback signature")
}

/// Calls the fixture's `function` with a callback as argument 0 and then `rest`.
fn call_with_callback(
    fx: &mut Fixture,
    function: &str,
    callback: &Callback,
    rest: &[&[u8]],
) -> Vec<u8> {
    let (signature, address) = fx.function(function);
    let mut frame = signature.frame();
    frame.set_ptr(0, callback.code);
    for (k, bytes) in rest.iter().enumerate() {
        let dst = frame.arg_ptr(k + 1);
        // SAFETY: each `bytes` is the C value of parameter k + 1, which the slot holds.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, bytes.len()) };
    }
    // SAFETY: `function` takes the callback pointer then `rest`, all written.
    unsafe { signature.call(address, &mut frame) };
    frame.ret_bytes().to_vec()
}

fn as_i32(bytes: &[u8]) -> i32 {
    i32::from_ne_bytes(bytes[..4].try_into().unwrap())
}

fn as_f64(bytes: &[u8]) -> f64 {
    f64::from_ne_bytes(bytes[..8].try_into().unwrap())
}

#[test]
fn callbacks_receive_arguments_and_return_results() {
    let mut fx = Fixture::new();
    let table = CallbackTable::new();

    let sig = pointee_signature(&mut fx, "int(*)(int, int)");
    let add = table
        .create(
            sig,
            handler(|a, r| ret(r, arg::<i32>(a, 0) * 10 + arg::<i32>(a, 1))),
        )
        .unwrap();
    let out = call_with_callback(
        &mut fx,
        "apply",
        &add,
        &[&bytes_of(&4i32), &bytes_of(&2i32)],
    );
    assert_eq!(as_i32(&out), 42);

    let sig = pointee_signature(&mut fx, "double(*)(vec3)");
    let dot = table
        .create(
            sig,
            handler(|a, r| {
                let v: Vec3 = arg(a, 0);
                ret(r, v.x + 2.0 * v.y + 3.0 * v.z)
            }),
        )
        .unwrap();
    let v = Vec3 {
        x: 1.0,
        y: 2.0,
        z: 3.0,
    };
    let out = call_with_callback(&mut fx, "apply_vec", &dot, &[&bytes_of(&v)]);
    assert_eq!(as_f64(&out), 14.0, "struct by value argument");

    let sig = pointee_signature(&mut fx, "vec3(*)(double)");
    let make = table
        .create(
            sig,
            handler(|a, r| {
                let k: f64 = arg(a, 0);
                ret(
                    r,
                    Vec3 {
                        x: k,
                        y: 2.0 * k,
                        z: 3.0 * k,
                    },
                )
            }),
        )
        .unwrap();
    let out = call_with_callback(&mut fx, "make_vec_via", &make, &[&bytes_of(&1.5f64)]);
    assert_eq!(
        out,
        bytes_of(&Vec3 {
            x: 1.5,
            y: 3.0,
            z: 4.5
        }),
        "struct by value result"
    );

    let sig = pointee_signature(&mut fx, "int8_t(*)(int8_t)");
    let negate = table
        .create(sig, handler(|a, r| ret(r, arg::<i8>(a, 0).wrapping_neg())))
        .unwrap();
    let out = call_with_callback(&mut fx, "apply_narrow", &negate, &[&bytes_of(&5i8)]);
    assert_eq!(as_i32(&out), -5, "a narrow result reaches C sign-extended");

    let sig = pointee_signature(&mut fx, "double(*)(int, double, float, const char *)");
    let mixed = table
        .create(
            sig,
            handler(|a, r| {
                // SAFETY: argument 3 is a NUL-terminated string from the fixture call.
                let s = unsafe { CStr::from_ptr(arg::<*const std::ffi::c_char>(a, 3)) };
                let total = f64::from(arg::<i32>(a, 0))
                    + arg::<f64>(a, 1)
                    + f64::from(arg::<f32>(a, 2))
                    + s.to_bytes().len() as f64;
                ret(r, total)
            }),
        )
        .unwrap();
    let text = c"four";
    let out = call_with_callback(
        &mut fx,
        "apply_mixed",
        &mixed,
        &[
            &bytes_of(&1i32),
            &bytes_of(&0.5f64),
            &bytes_of(&0.25f32),
            &bytes_of(&text.as_ptr()),
        ],
    );
    assert_eq!(as_f64(&out), 5.75);
    assert_eq!(table.take_pending_error(), None);
    assert_eq!(table.live_count(), 5);
}

#[test]
fn qsort_sorts_with_a_callback_comparator() {
    let mut fx = Fixture::new();
    luau_ffi::cdecl::cdef(
        &mut fx.reg,
        "void qsort(void *base, size_t nmemb, size_t size, int (*compar)(const void *, const void *));",
        &[],
    )
    .unwrap();
    let Some(luau_ffi::ctype::Symbol::Function { ty, .. }) = fx.reg.lookup_symbol("qsort") else {
        panic!("qsort declared");
    };
    let qsort = fx.cache.signature(&fx.reg, ty).unwrap();
    let qsort_at = Library::process().symbol("qsort").unwrap().as_ptr();
    let table = CallbackTable::new();
    let comparisons = Rc::new(Cell::new(0u32));
    let counter = comparisons.clone();
    let sig = pointee_signature(&mut fx, "int(*)(const void *, const void *)");
    let compare = table
        .create(
            sig,
            handler(move |a, r| {
                counter.set(counter.get() + 1);
                // SAFETY: qsort passes pointers to two elements of the i32 array.
                let (x, y) = unsafe {
                    (
                        arg::<*const i32>(a, 0).read(),
                        arg::<*const i32>(a, 1).read(),
                    )
                };
                ret(r, (x > y) as i32 - (x < y) as i32)
            }),
        )
        .unwrap();
    let mut values: Vec<i32> = (0..1000).map(|i| (i * 7919) % 1000 - 500).collect();
    let mut frame = qsort.frame();
    frame.set_ptr(0, values.as_mut_ptr().cast());
    frame.set_int(1, values.len() as i64);
    frame.set_int(2, 4);
    frame.set_ptr(3, compare.code);
    // SAFETY: qsort over `values` (alive, 1000 i32) with a comparator of the right type.
    unsafe { qsort.call(qsort_at, &mut frame) };
    let mut expected = values.clone();
    expected.sort();
    assert_eq!(values, expected);
    assert!(comparisons.get() > 1000);
}

#[test]
fn free_and_set_work_and_stale_ids_are_refused() {
    let mut fx = Fixture::new();
    let table = CallbackTable::new();
    let sig = pointee_signature(&mut fx, "int(*)(int, int)");
    let cb = table
        .create(
            sig.clone(),
            handler(|a, r| ret(r, arg::<i32>(a, 0) + arg::<i32>(a, 1))),
        )
        .unwrap();
    let args = [bytes_of(&3i32), bytes_of(&4i32)];
    let rest: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
    assert_eq!(as_i32(&call_with_callback(&mut fx, "apply", &cb, &rest)), 7);

    table
        .set(
            cb.id,
            handler(|a, r| ret(r, arg::<i32>(a, 0) * arg::<i32>(a, 1))),
        )
        .unwrap();
    assert_eq!(table.code(cb.id).unwrap(), cb.code, "set keeps the pointer");
    assert_eq!(
        as_i32(&call_with_callback(&mut fx, "apply", &cb, &rest)),
        12
    );

    table.free(cb.id).unwrap();
    assert!(!table.is_live(cb.id));
    assert_eq!(table.code(cb.id), Err(CallbackError::Freed));
    assert_eq!(table.free(cb.id), Err(CallbackError::Freed), "double free");
    assert!(table.set(cb.id, handler(|_, _| Ok(()))).is_err());
    assert!(CallbackError::Freed.to_string().starts_with("bad callback"));

    // The slot is reused; the old id stays stale.
    let again = table.create(sig, handler(|_, r| ret(r, 1i32))).unwrap();
    assert!(table.is_live(again.id));
    assert!(!table.is_live(cb.id));
}

#[test]
fn there_is_no_limit_on_the_number_of_callbacks() {
    let mut fx = Fixture::new();
    let table = CallbackTable::new();
    let sig = pointee_signature(&mut fx, "int(*)(int, int)");
    let callbacks: Vec<_> = (0..5000)
        .map(|k| {
            table
                .create(sig.clone(), handler(move |_, r| ret(r, k)))
                .unwrap()
        })
        .collect();
    assert_eq!(table.live_count(), 5000);
    let last = callbacks.last().unwrap();
    let zero = bytes_of(&0i32);
    assert_eq!(
        as_i32(&call_with_callback(&mut fx, "apply", last, &[&zero, &zero])),
        4999
    );
    for cb in &callbacks {
        table.free(cb.id).unwrap();
    }
    assert_eq!(table.live_count(), 0);
}

#[test]
fn failures_return_zero_and_are_kept_for_later() {
    let mut fx = Fixture::new();
    let table = CallbackTable::new();
    let sig = pointee_signature(&mut fx, "int(*)(int, int)");
    let zero = bytes_of(&1i32);

    let failing = table
        .create(
            sig.clone(),
            handler(|_, r| {
                let _ = ret(r, 99i32);
                Err("boom from Luau".to_string())
            }),
        )
        .unwrap();
    assert_eq!(
        as_i32(&call_with_callback(
            &mut fx,
            "apply",
            &failing,
            &[&zero, &zero]
        )),
        0
    );
    assert_eq!(
        table.take_pending_error().as_deref(),
        Some("boom from Luau")
    );
    assert_eq!(table.take_pending_error(), None, "taken once");

    let panicking = table
        .create(sig.clone(), handler(|_, _| panic!("handler bug")))
        .unwrap();
    let n = bytes_of(&3i32);
    assert_eq!(
        as_i32(&call_with_callback(&mut fx, "apply_n", &panicking, &[&n])),
        0
    );
    let message = table.take_pending_error().unwrap();
    assert!(message.contains("handler bug"), "{message}");

    // Freeing itself while running is safe; the rest of the C loop sees zero.
    let self_id = Rc::new(Cell::new(None));
    let table = Rc::new(table);
    let (inner_table, inner_id) = (Rc::downgrade(&table), self_id.clone());
    let freeing = table
        .create(
            sig,
            handler(move |a, r| {
                if let (Some(t), Some(id)) = (inner_table.upgrade(), inner_id.get()) {
                    t.free(id).unwrap();
                }
                ret(r, arg::<i32>(a, 0) + 1)
            }),
        )
        .unwrap();
    self_id.set(Some(freeing.id));
    assert_eq!(
        as_i32(&call_with_callback(
            &mut fx,
            "apply",
            &freeing,
            &[&zero, &zero]
        )),
        2
    );
    assert!(!table.is_live(freeing.id));
}

#[test]
fn a_callback_entered_from_another_thread_does_not_run() {
    let mut fx = Fixture::new();
    let table = CallbackTable::new();
    let sig = pointee_signature(&mut fx, "int(*)(int, int)");
    let ran = Rc::new(Cell::new(false));
    let flag = ran.clone();
    let cb = table
        .create(
            sig,
            handler(move |_, r| {
                flag.set(true);
                ret(r, 5i32)
            }),
        )
        .unwrap();
    let code = cb.code as usize;
    let result = std::thread::spawn(move || {
        // SAFETY: `code` is a live callback of type int(*)(int, int).
        let f: extern "C" fn(i32, i32) -> i32 = unsafe { std::mem::transmute(code) };
        f(1, 2)
    })
    .join()
    .unwrap();
    assert_eq!(result, 0);
    assert!(!ran.get());
    assert_eq!(
        table.take_pending_error().as_deref(),
        Some(FOREIGN_THREAD_MESSAGE)
    );
}

#[test]
fn variadic_callbacks_are_refused() {
    let mut fx = Fixture::new();
    let table = CallbackTable::new();
    let sig = pointee_signature(&mut fx, "int(*)(int, ...)");
    assert_eq!(
        table.create(sig, handler(|_, _| Ok(()))).unwrap_err(),
        CallbackError::Variadic
    );
}

#[test]
fn callbacks_may_reenter_c_through_the_same_signature() {
    let mut fx = Fixture::new();
    let table = CallbackTable::new();
    let (apply, apply_at) = fx.function("apply");
    let sig = pointee_signature(&mut fx, "int(*)(int, int)");
    let own_code = Rc::new(Cell::new(std::ptr::null::<c_void>()));
    let code_in_handler = own_code.clone();
    let apply_in_handler = apply.clone();
    let apply_at = apply_at as usize;
    let recursive = table
        .create(
            sig,
            handler(move |a, r| {
                let (n, acc) = (arg::<i32>(a, 0), arg::<i32>(a, 1));
                if n == 0 {
                    return ret(r, acc);
                }
                // The outer call of `apply` still holds its frame: this one gets another.
                let mut frame = apply_in_handler.frame();
                frame.set_ptr(0, code_in_handler.get());
                frame.set_int(1, i64::from(n - 1));
                frame.set_int(2, i64::from(acc + n));
                // SAFETY: apply(int (*)(int, int), int, int) with this live callback.
                unsafe { apply_in_handler.call(apply_at as *const c_void, &mut frame) };
                ret(r, frame.ret_int() as i32)
            }),
        )
        .unwrap();
    own_code.set(recursive.code);
    let out = call_with_callback(
        &mut fx,
        "apply",
        &recursive,
        &[&bytes_of(&10i32), &bytes_of(&0i32)],
    );
    assert_eq!(as_i32(&out), 55);
    assert_eq!(table.take_pending_error(), None);
    drop(apply);
}

#[test]
fn c_calling_a_freed_callback_gets_zero_and_a_pending_error() {
    let mut fx = Fixture::new();
    let table = CallbackTable::new();
    let sig = pointee_signature(&mut fx, "int(*)(int, int)");
    let cb = table
        .create(sig.clone(), handler(|_, r| ret(r, 7i32)))
        .unwrap();
    let one = bytes_of(&1i32);
    assert_eq!(
        as_i32(&call_with_callback(&mut fx, "apply", &cb, &[&one, &one])),
        7
    );
    table.free(cb.id).unwrap();
    // The closure is parked, not given back: a stale call reaches the dispatcher.
    assert_eq!(
        as_i32(&call_with_callback(&mut fx, "apply", &cb, &[&one, &one])),
        0
    );
    assert_eq!(
        table.take_pending_error(),
        Some(CallbackError::Freed.to_string())
    );
    // The next callback reuses the closure: same code address, new handler.
    let next = table.create(sig, handler(|_, r| ret(r, 9i32))).unwrap();
    assert_eq!(next.code, cb.code);
    assert_eq!(
        as_i32(&call_with_callback(&mut fx, "apply", &cb, &[&one, &one])),
        9
    );
    assert_eq!(table.take_pending_error(), None);
}

#[test]
fn a_freed_closure_is_reused_only_for_the_same_type() {
    let mut fx = Fixture::new();
    let table = CallbackTable::new();
    let int2 = pointee_signature(&mut fx, "int(*)(int, int)");
    let dbl = pointee_signature(&mut fx, "double(*)(double)");
    let first = table
        .create(int2.clone(), handler(|_, r| ret(r, 1i32)))
        .unwrap();
    table.free(first.id).unwrap();
    let other = table.create(dbl, handler(|_, r| ret(r, 2.0f64))).unwrap();
    assert_ne!(other.code, first.code);
    let same = table.create(int2, handler(|_, r| ret(r, 3i32))).unwrap();
    assert_eq!(same.code, first.code);
}
