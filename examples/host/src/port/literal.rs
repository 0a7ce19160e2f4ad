//! LuaJIT's suffixed number literals (`123LL`, `0x1ULL`, `12i`) as exact Luau constructors.
//!
//! `ffi.new("int64_t", n)` is exact only while `n` is: up to 2^53 the literal's own digits
//! are passed; above, the value is built in 64-bit arithmetic from two exact 32-bit
//! halves, `ffi.new("uint64_t", HI) * 0x100000000 + LO`, and an `LL` literal that LuaJIT
//! wraps to a negative value is cast back to `int64_t`.

/// The Luau source for the LuaJIT literal `text`, or `None` when it has no suffix.
/// `ffi` is the name the module is bound to. The error is LuaJIT's "malformed number".
pub fn rewrite(text: &str, ffi: &str) -> Option<Result<String, String>> {
    let lower = text.to_ascii_lowercase();
    if let Some(body) = lower.strip_suffix('i') {
        let body = &text[..body.len()];
        return Some(Ok(format!("{ffi}.new(\"complex\", 0, {body})")));
    }
    let (ctype, body_len) = if let Some(body) = lower.strip_suffix("ull") {
        ("uint64_t", body.len())
    } else if let Some(body) = lower.strip_suffix("ll") {
        ("int64_t", body.len())
    } else {
        return None;
    };
    let body = &text[..body_len];
    Some(integer(body, ctype, ffi).ok_or_else(|| format!("malformed number near '{text}'")))
}

/// `body` (decimal, `0x` hex or `0b` binary digits) as a 64-bit `ctype` constructor.
fn integer(body: &str, ctype: &str, ffi: &str) -> Option<String> {
    let value = parse_u64(body)?;
    if value <= 1 << 53 {
        return Some(format!("{ffi}.new(\"{ctype}\", {body})"));
    }
    let (hi, lo) = (value >> 32, value & 0xffff_ffff);
    let signed_wraps = ctype == "int64_t" && value > i64::MAX as u64;
    let base = if signed_wraps { "uint64_t" } else { ctype };
    let sum = format!("{ffi}.new(\"{base}\", {hi:#x}) * 0x100000000 + {lo:#x}");
    Some(if signed_wraps {
        format!("{ffi}.cast(\"int64_t\", {sum})")
    } else {
        format!("({sum})")
    })
}

/// The value of an integer literal, as LuaJIT reads it for `LL` (at most 64 bits).
fn parse_u64(body: &str) -> Option<u64> {
    let lower = body.to_ascii_lowercase();
    let (digits, radix) = if let Some(hex) = lower.strip_prefix("0x") {
        (hex.to_string(), 16)
    } else if let Some(bin) = lower.strip_prefix("0b") {
        (bin.to_string(), 2)
    } else {
        (lower, 10)
    };
    if digits.is_empty() {
        return None;
    }
    u64::from_str_radix(&digits, radix).ok()
}

#[cfg(test)]
mod tests {
    use super::rewrite;

    #[test]
    fn literals() {
        let rows: &[(&str, Option<Result<&str, &str>>)] = &[
            ("123", None),
            ("1.5", None),
            ("123LL", Some(Ok(r#"ffi.new("int64_t", 123)"#))),
            ("0x1ULL", Some(Ok(r#"ffi.new("uint64_t", 0x1)"#))),
            ("12i", Some(Ok(r#"ffi.new("complex", 0, 12)"#))),
            ("1.5I", Some(Ok(r#"ffi.new("complex", 0, 1.5)"#))),
            (
                "9007199254740992LL",
                Some(Ok(r#"ffi.new("int64_t", 9007199254740992)"#)),
            ),
            (
                "9007199254740993LL",
                Some(Ok(r#"(ffi.new("int64_t", 0x200000) * 0x100000000 + 0x1)"#)),
            ),
            (
                "18446744073709551615ULL",
                Some(Ok(
                    r#"(ffi.new("uint64_t", 0xffffffff) * 0x100000000 + 0xffffffff)"#,
                )),
            ),
            (
                "0x8000000000000000LL",
                Some(Ok(
                    r#"ffi.cast("int64_t", ffi.new("uint64_t", 0x80000000) * 0x100000000 + 0x0)"#,
                )),
            ),
            (
                "18446744073709551616ULL",
                Some(Err("malformed number near '18446744073709551616ULL'")),
            ),
            ("1.5LL", Some(Err("malformed number near '1.5LL'"))),
        ];
        for (text, want) in rows {
            let got = rewrite(text, "ffi");
            let want = want.map(|r| r.map(str::to_string).map_err(str::to_string));
            assert_eq!(got, want, "{text}");
        }
    }
}
