//! `#define`s as constants: of the `-dM` output, the object-like macros whose value is
//! an integer constant expression (over earlier such macros, enum constants, casts and
//! `sizeof` of declared types), a floating literal, or string literals. The others are
//! skipped, each with its reason.

use crate::cdecl::{self, IntConstant, MacroToken};
use crate::ctype::Registry;
use crate::error::{Error, MacroSkip};
use std::collections::HashMap;

/// A macro's value as a constant.
#[derive(Clone, Debug, PartialEq)]
pub enum MacroValue {
    Int(IntConstant),
    Float(f64),
    Str(String),
}

/// What [`evaluate`] found: constants and skipped macros, each sorted by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Macros {
    pub constants: Vec<(String, MacroValue)>,
    pub skipped: Vec<(String, MacroSkip)>,
}

/// Deepest chain of macros referring to macros that is followed.
const MAX_DEPTH: u32 = 64;

/// One `#define` line of `-dM` output: its name and replacement text, or `None` for a
/// function-like macro (`#define f(x) ...`).
fn parse_define(line: &str) -> Option<(&str, Option<&str>)> {
    let rest = line.strip_prefix("#define ")?;
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let (name, after) = rest.split_at(end);
    if name.is_empty() {
        return None;
    }
    Some((name, (!after.starts_with('(')).then(|| after.trim())))
}

/// The constants of the `-dM` output `defines`; `reg` holds the header's declarations
/// (its enum constants and types may appear in the expressions) and is left unchanged.
pub fn evaluate(reg: &mut Registry, defines: &str) -> Macros {
    let mut bodies: HashMap<&str, Option<&str>> = HashMap::new();
    for (name, body) in defines.lines().filter_map(parse_define) {
        bodies.insert(name, body);
    }
    let mut eval = Evaluator {
        reg,
        bodies: &bodies,
        done: HashMap::new(),
    };
    let mut names: Vec<&str> = bodies.keys().copied().collect();
    names.sort_unstable();
    let mut out = Macros::default();
    for name in names {
        match eval.value(name, 0) {
            Ok(value) => out.constants.push((name.to_string(), value)),
            Err(reason) => out.skipped.push((name.to_string(), reason)),
        }
    }
    out
}

struct Evaluator<'a, 'r> {
    reg: &'r mut Registry,
    bodies: &'a HashMap<&'a str, Option<&'a str>>,
    done: HashMap<&'a str, Result<MacroValue, MacroSkip>>,
}

impl<'a> Evaluator<'a, '_> {
    /// The value of macro `name` (memoised).
    fn value(&mut self, name: &'a str, depth: u32) -> Result<MacroValue, MacroSkip> {
        if let Some(result) = self.done.get(name) {
            return result.clone();
        }
        if depth > MAX_DEPTH {
            return Err(MacroSkip::TooDeep);
        }
        let result = match self.bodies.get(name).copied().flatten() {
            None => Err(MacroSkip::FunctionLike),
            Some(_) if self.reg.symbol(name).is_some() => Err(MacroSkip::Declared),
            Some("") => Err(MacroSkip::Empty),
            Some(body) => self.body_value(name, body, depth),
        };
        self.done.insert(name, result.clone());
        result
    }

    fn body_value(
        &mut self,
        name: &'a str,
        body: &'a str,
        depth: u32,
    ) -> Result<MacroValue, MacroSkip> {
        let tokens =
            cdecl::macro_tokens(body).map_err(|e| MacroSkip::NotConstant(e.to_string()))?;
        if let Some(s) = strings(&tokens) {
            return Ok(MacroValue::Str(s));
        }
        if let Some(x) = float(&tokens) {
            return Ok(MacroValue::Float(x));
        }
        // Integer: each macro named in the body stands for its value.
        self.done.insert(name, Err(MacroSkip::Recursive));
        let mut text = String::new();
        for (token, spelling) in &tokens {
            match token {
                // A macro naming a declared constant (`#define E E`) leaves it to the
                // evaluator.
                MacroToken::Ident(id)
                    if self.bodies.contains_key(id.as_str()) && self.reg.symbol(id).is_none() =>
                {
                    let id: &'a str = self
                        .bodies
                        .get_key_value(id.as_str())
                        .map(|(k, _)| *k)
                        .unwrap_or_default();
                    match self.value(id, depth + 1) {
                        Ok(MacroValue::Int(c)) => text.push_str(&int_literal(c)),
                        _ => return Err(MacroSkip::NotConstantName(id.to_string())),
                    }
                }
                _ => text.push_str(spelling),
            }
            text.push(' ');
        }
        cdecl::eval_int(self.reg, &text)
            .map(MacroValue::Int)
            .map_err(|e: Error| MacroSkip::NotConstant(e.to_string()))
    }
}

/// One or more string literals: their contents, concatenated.
fn strings(tokens: &[(MacroToken, String)]) -> Option<String> {
    let mut out = String::new();
    for (token, _) in tokens {
        match token {
            MacroToken::Str(s) => out.push_str(s),
            _ => return None,
        }
    }
    Some(out)
}

/// A floating literal, maybe signed, maybe in parentheses: `(-1.5e3f)`.
fn float(tokens: &[(MacroToken, String)]) -> Option<f64> {
    let mut inner = tokens;
    while let [(_, open), middle @ .., (_, close)] = inner {
        if open != "(" || close != ")" {
            break;
        }
        inner = middle;
    }
    let (sign, rest) = match inner {
        [(_, s), rest @ ..] if s == "-" => (-1.0, rest),
        [(_, s), rest @ ..] if s == "+" => (1.0, rest),
        _ => (1.0, inner),
    };
    let [(MacroToken::Float(spelling), _)] = rest else {
        return None;
    };
    let digits = spelling.trim_end_matches(['f', 'F', 'l', 'L']);
    let x = if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        hex_float(hex)?
    } else {
        digits.parse::<f64>().ok()?
    };
    Some(sign * x)
}

/// A hexadecimal floating literal after `0x`: `1.8p3`.
fn hex_float(text: &str) -> Option<f64> {
    let (mantissa, exponent) = text.split_once(['p', 'P'])?;
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut value = 0f64;
    for c in whole.chars().chain(fraction.chars()) {
        value = value * 16.0 + f64::from(c.to_digit(16)?);
    }
    let exponent: i32 = exponent.parse().ok()?;
    Some(value * 2f64.powi(exponent - 4 * fraction.len() as i32))
}

/// A C literal of exactly `c`'s value and type (a negative one as `(-N-1)`, so that no
/// literal needs a wider type than `c`'s).
fn int_literal(c: IntConstant) -> String {
    let suffix = match (c.size, c.signed) {
        (8, true) => "L",
        (8, false) => "UL",
        (_, false) => "U",
        _ => "",
    };
    let v = c.value();
    if v < 0 {
        format!("(-{}{suffix}-1)", -(v + 1))
    } else {
        format!("({v}{suffix})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(v: i128, size: u8, signed: bool) -> MacroValue {
        MacroValue::Int(IntConstant {
            bits: v as u64,
            size,
            signed,
        })
    }

    #[test]
    fn constants_and_skips() {
        let mut reg = Registry::new();
        cdecl::cdef(
            &mut reg,
            "enum { E = 7 }; typedef struct { int a, b; } pair;",
            &[],
        )
        .expect("cdef");
        let defines = "#define A 1\n#define B (A + 2)\n#define C 0x80000000\n\
            #define D -1L\n#define U 18446744073709551615UL\n#define F (-1.5e3f)\n\
            #define H 0x1.8p1\n#define S \"a\" \"b\\n\"\n#define G (E * 2)\n\
            #define Z sizeof(pair)\n#define N (int)3.9\n#define FN(x) x\n#define EMPTY\n\
            #define R R\n#define P1 P2\n#define P2 P1\n#define E E\n\
            #define BAD1 FN(1)\n#define BAD2 foo\n#define BAD3 (A +)\n#define FS F\n";
        let m = evaluate(&mut reg, defines);
        let get = |n: &str| {
            m.constants
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.clone())
        };
        let rows = [
            ("A", Some(int(1, 4, true))),
            ("B", Some(int(3, 4, true))),
            ("C", Some(int(0x8000_0000, 4, false))),
            ("D", Some(int(-1, 8, true))),
            ("U", Some(int(u64::MAX as i128, 8, false))),
            ("F", Some(MacroValue::Float(-1500.0))),
            ("H", Some(MacroValue::Float(3.0))),
            ("S", Some(MacroValue::Str("ab\n".into()))),
            ("G", Some(int(14, 4, true))),
            ("Z", Some(int(8, 8, false))),
            ("FN", None),
            ("EMPTY", None),
            ("R", None),
            ("P1", None),
            ("E", None),
            ("BAD1", None),
            ("BAD2", None),
            ("BAD3", None),
            ("FS", None),
        ];
        for (name, expected) in rows {
            assert_eq!(get(name), expected, "{name}");
        }
        let skipped = |n: &str| {
            m.skipped
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, r)| r.clone())
        };
        assert_eq!(skipped("FN"), Some(MacroSkip::FunctionLike));
        assert_eq!(skipped("EMPTY"), Some(MacroSkip::Empty));
        assert_eq!(skipped("E"), Some(MacroSkip::Declared));
        assert_eq!(
            skipped("BAD1"),
            Some(MacroSkip::NotConstantName("FN".into()))
        );
        assert_eq!(skipped("FS"), Some(MacroSkip::NotConstantName("F".into())));
        assert!(matches!(skipped("BAD2"), Some(MacroSkip::NotConstant(_))));
    }
}
