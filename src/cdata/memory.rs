//! Raw reads and writes of C scalars at an address: the only code that dereferences C
//! memory. Callers guarantee the address is valid for the access; nothing here knows Luau.

/// Reads a `size`-byte integer (1, 2, 4, 8) at `ptr`, sign- or zero-extended to 64 bits.
///
/// # Safety
/// `ptr` must be valid for reading `size` bytes (any alignment).
pub unsafe fn read_int(ptr: *const u8, size: u8, signed: bool) -> i64 {
    // SAFETY: caller contract; unaligned reads of plain integers.
    unsafe {
        match (size, signed) {
            (1, true) => ptr.cast::<i8>().read_unaligned() as i64,
            (1, false) => ptr.read() as i64,
            (2, true) => ptr.cast::<i16>().read_unaligned() as i64,
            (2, false) => ptr.cast::<u16>().read_unaligned() as i64,
            (4, true) => ptr.cast::<i32>().read_unaligned() as i64,
            (4, false) => ptr.cast::<u32>().read_unaligned() as i64,
            _ => ptr.cast::<i64>().read_unaligned(),
        }
    }
}

/// Writes the low `size` bytes of `value` at `ptr` (C's wrapping conversion).
///
/// # Safety
/// `ptr` must be valid for writing `size` bytes (any alignment).
pub unsafe fn write_int(ptr: *mut u8, size: u8, value: i64) {
    // SAFETY: caller contract; unaligned writes of plain integers.
    unsafe {
        match size {
            1 => ptr.write(value as u8),
            2 => ptr.cast::<u16>().write_unaligned(value as u16),
            4 => ptr.cast::<u32>().write_unaligned(value as u32),
            _ => ptr.cast::<i64>().write_unaligned(value),
        }
    }
}

/// Reads a `float` (size 4) or `double` (size 8) as f64.
///
/// # Safety
/// `ptr` must be valid for reading `size` bytes.
pub unsafe fn read_float(ptr: *const u8, size: u8) -> f64 {
    // SAFETY: caller contract.
    unsafe {
        if size == 4 {
            ptr.cast::<f32>().read_unaligned() as f64
        } else {
            ptr.cast::<f64>().read_unaligned()
        }
    }
}

/// Writes `value` as a `float` (size 4, rounded) or `double` (size 8).
///
/// # Safety
/// `ptr` must be valid for writing `size` bytes.
pub unsafe fn write_float(ptr: *mut u8, size: u8, value: f64) {
    // SAFETY: caller contract.
    unsafe {
        if size == 4 {
            ptr.cast::<f32>().write_unaligned(value as f32)
        } else {
            ptr.cast::<f64>().write_unaligned(value)
        }
    }
}

/// Reads a pointer-sized address.
///
/// # Safety
/// `ptr` must be valid for reading a pointer.
pub unsafe fn read_address(ptr: *const u8) -> usize {
    // SAFETY: caller contract.
    unsafe { ptr.cast::<usize>().read_unaligned() }
}

/// Writes a pointer-sized address.
///
/// # Safety
/// `ptr` must be valid for writing a pointer.
pub unsafe fn write_address(ptr: *mut u8, address: usize) {
    // SAFETY: caller contract.
    unsafe { ptr.cast::<usize>().write_unaligned(address) }
}

/// Reads a bitfield of `width` bits at bit `position` of the `unit_size`-byte unit at
/// `ptr`, sign-extended when `signed`.
///
/// # Safety
/// `ptr` must be valid for reading `unit_size` bytes.
pub unsafe fn read_bitfield(
    ptr: *const u8,
    unit_size: u8,
    position: u32,
    width: u32,
    signed: bool,
) -> i64 {
    // SAFETY: caller contract.
    let unit = unsafe { read_int(ptr, unit_size, false) } as u64;
    let raw = (unit >> position) & mask(width);
    if signed && width > 0 && raw >> (width - 1) & 1 == 1 {
        (raw | !mask(width)) as i64
    } else {
        raw as i64
    }
}

/// Writes the low `width` bits of `value` into the bitfield (truncation, as C).
///
/// # Safety
/// `ptr` must be valid for reading and writing `unit_size` bytes.
pub unsafe fn write_bitfield(ptr: *mut u8, unit_size: u8, position: u32, width: u32, value: i64) {
    let field_mask = mask(width) << position;
    // SAFETY: caller contract.
    unsafe {
        let unit = read_int(ptr, unit_size, false) as u64;
        let updated = (unit & !field_mask) | (((value as u64) << position) & field_mask);
        write_int(ptr, unit_size, updated as i64);
    }
}

fn mask(width: u32) -> u64 {
    if width >= 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    }
}

/// Length of the NUL-terminated string at `ptr`, looking at no more than `limit` bytes.
///
/// # Safety
/// `ptr` must be valid for reading up to the first NUL or `limit` bytes.
pub unsafe fn strnlen(ptr: *const u8, limit: usize) -> usize {
    let mut n = 0;
    // SAFETY: caller contract; every byte read is before the NUL or the limit.
    while n < limit && unsafe { ptr.add(n).read() } != 0 {
        n += 1;
    }
    n
}
