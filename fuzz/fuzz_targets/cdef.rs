//! Fuzz target: arbitrary UTF-8 through `cdef` (then `parse_type`) on a fresh registry
//! must return Ok or Err, never panic, hang or overflow the stack.
#![no_main]

use libfuzzer_sys::fuzz_target;
use luau_ffi::cdecl;
use luau_ffi::ctype::Registry;

fuzz_target!(|data: &[u8]| {
    if let Ok(src) = std::str::from_utf8(data) {
        let mut reg = Registry::new();
        let _ = cdecl::cdef(&mut reg, src, &[]);
        let _ = cdecl::parse_type(&mut reg, src, &[]);
    }
});
