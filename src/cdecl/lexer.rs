//! C tokens from source text: identifiers, numbers, characters, strings, punctuators,
//! `$` parameters and `#pragma pack`; comments, splices, other pragmas and line markers
//! vanish; other directives are refused.

use nom::bytes::complete::take_while;
use nom::IResult;
use std::borrow::Cow;

use crate::error::{Error, ParseMessage};

/// Type of an integer constant after C's rules for literals (size 4 or 8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntTy {
    pub size: u8,
    pub signed: bool,
}

impl IntTy {
    pub const INT: IntTy = IntTy {
        size: 4,
        signed: true,
    };
    pub const UINT: IntTy = IntTy {
        size: 4,
        signed: false,
    };
    pub const LONG: IntTy = IntTy {
        size: 8,
        signed: true,
    };
    pub const ULONG: IntTy = IntTy {
        size: 8,
        signed: false,
    };
}

/// A `#pragma pack` directive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PackOp {
    /// `#pragma pack(n)`, or `#pragma pack()` (None: back to the default).
    Set(Option<u32>),
    /// `#pragma pack(push)` or `#pragma pack(push, n)`.
    Push(Option<u32>),
    /// `#pragma pack(pop)`.
    Pop,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TokKind {
    Ident,
    Int(u64, IntTy),
    Float,
    /// A character literal's value (type int).
    Char(i64),
    Str(String),
    Punct(&'static str),
    /// The n-th `$` of the source.
    Param(usize),
    Pragma(PackOp),
    /// Any other character (`@`, `\`): as LuaJIT, a token of its own, which the
    /// parser reports where it does not fit (`int @;`: `'<identifier>' expected`).
    Other,
    Eof,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub kind: TokKind,
    pub start: u32,
    pub end: u32,
    pub line: u32,
}

/// Punctuators, longest first.
const PUNCTUATORS: [&str; 38] = [
    "...", "<<=", ">>=", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "::",
    "+=", "-=", "*=", "/=", "%=", "&=", "^=", "|=", "{", "}", "[", "]", "(", ")", ";", ",", ":",
    "=", "*", "&", "?", "<", ">",
];
const SINGLE_PUNCTUATORS: &str = "+-~!/%^|.";

/// The identifier `input` starts with (its first character is a letter, `_` or not
/// ASCII). As LuaJIT, any non-ASCII character is part of an identifier (`int café;`).
/// Scanned by bytes: every byte of a non-ASCII character is >= 0x80, so the identifier
/// ends at an ASCII byte, a character boundary.
fn identifier(input: &str) -> &str {
    let len = input
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80))
        .unwrap_or(input.len());
    &input[..len]
}

fn number_body(input: &str) -> IResult<&str, &str> {
    take_while(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.')(input)
}

/// The token of a decimal constant without suffix of at most 18 digits (no leading
/// zero, which would make it octal): `int` when it fits, else `long`, as the general
/// path of [`Lexer::number`] types it. `None` for any other number.
fn plain_decimal(text: &str) -> Option<TokKind> {
    let bytes = text.as_bytes();
    if bytes.is_empty()
        || bytes.len() > 18
        || (bytes.len() > 1 && bytes[0] == b'0')
        || !bytes.iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    let value = bytes
        .iter()
        .fold(0u64, |v, &b| v * 10 + u64::from(b - b'0'));
    let ty = if value <= i32::MAX as u64 {
        IntTy::INT
    } else {
        IntTy::LONG
    };
    Some(TokKind::Int(value, ty))
}

pub struct Lexer<'s> {
    src: &'s str,
    pos: usize,
    line: u32,
    params: usize,
    at_line_start: bool,
}

impl<'s> Lexer<'s> {
    fn new(src: &'s str) -> Self {
        Lexer {
            src,
            pos: 0,
            line: 1,
            params: 0,
            at_line_start: true,
        }
    }

    fn rest(&self) -> &'s str {
        &self.src[self.pos..]
    }

    /// Skips whitespace, comments and line splices; notes line starts.
    fn skip_space(&mut self) -> Result<(), Error> {
        let bytes = self.src.as_bytes();
        while self.pos < bytes.len() {
            match bytes[self.pos] {
                b'\n' => {
                    self.line += 1;
                    self.pos += 1;
                    self.at_line_start = true;
                }
                b' ' | b'\t' | b'\r' | 0x0b | 0x0c => self.pos += 1,
                b'\\' if matches!(bytes.get(self.pos + 1), Some(b'\n')) => {
                    self.pos += 2;
                    self.line += 1;
                }
                b'\\'
                    if bytes.get(self.pos + 1) == Some(&b'\r')
                        && bytes.get(self.pos + 2) == Some(&b'\n') =>
                {
                    self.pos += 3;
                    self.line += 1;
                }
                b'/' if bytes.get(self.pos + 1) == Some(&b'/') => {
                    while self.pos < bytes.len() && bytes[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                b'/' if bytes.get(self.pos + 1) == Some(&b'*') => {
                    self.pos += 2;
                    loop {
                        if self.pos >= bytes.len() {
                            // gcc refuses it; LuaJIT silently reads the comment to the end.
                            return Err(Error::parse(ParseMessage::UnterminatedComment, self.line));
                        }
                        if bytes[self.pos] == b'*' && bytes.get(self.pos + 1) == Some(&b'/') {
                            self.pos += 2;
                            break;
                        }
                        if bytes[self.pos] == b'\n' {
                            self.line += 1;
                        }
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
        Ok(())
    }

    /// Reads a `#` line (with splices): a pack directive is returned; other pragmas,
    /// line markers (`# 12 "file.h"`, `#line 12`) and the null directive are skipped;
    /// anything else (`#include`, `#define`, `#if` …) is refused, since its effect would
    /// silently vanish.
    fn directive(&mut self) -> Result<Option<PackOp>, Error> {
        let bytes = self.src.as_bytes();
        let line = self.line;
        let mut text = String::new();
        self.pos += 1; // '#'
        while self.pos < bytes.len() && bytes[self.pos] != b'\n' {
            if bytes[self.pos] == b'\\' && bytes.get(self.pos + 1) == Some(&b'\n') {
                self.pos += 2;
                self.line += 1;
                text.push(' ');
                continue;
            }
            text.push(bytes[self.pos] as char);
            self.pos += 1;
        }
        let trimmed = text.trim_start();
        let name: String = trimmed
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() || name.bytes().all(|b| b.is_ascii_digit()) || name == "line" {
            return Ok(None);
        }
        if !matches!(name.as_str(), "pragma" | "ident" | "sccs") {
            return Err(Error::parse(ParseMessage::Directive(name), line));
        }
        let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        Ok(pack_directive(&compact))
    }

    fn next(&mut self) -> Result<Token, Error> {
        loop {
            self.skip_space()?;
            if self.pos < self.src.len()
                && self.src.as_bytes()[self.pos] == b'#'
                && self.at_line_start
            {
                let (start, line) = (self.pos, self.line);
                if let Some(op) = self.directive()? {
                    return Ok(Token {
                        kind: TokKind::Pragma(op),
                        start: start as u32,
                        end: self.pos as u32,
                        line,
                    });
                }
                continue;
            }
            break;
        }
        self.at_line_start = false;
        let start = self.pos;
        let line = self.line;
        let rest = self.rest();
        if rest.starts_with('\0') {
            // LuaJIT, reading the source as a C string, silently drops the rest.
            return Err(Error::parse(ParseMessage::EmbeddedNul, line));
        }
        let Some(c) = rest.chars().next() else {
            return Ok(Token {
                kind: TokKind::Eof,
                start: start as u32,
                end: start as u32,
                line,
            });
        };
        let kind = if c.is_ascii_alphabetic() || c == '_' || !c.is_ascii() {
            let ident = identifier(rest);
            // Wide and unicode literals: L"x", u8"x", L'x' …
            let after = rest.as_bytes().get(ident.len()).copied();
            if matches!(ident, "L" | "u" | "U" | "u8") && matches!(after, Some(b'"' | b'\'')) {
                self.pos += ident.len();
                return self.quoted(start, line);
            }
            self.pos += ident.len();
            TokKind::Ident
        } else if c.is_ascii_digit()
            || (c == '.' && rest.as_bytes().get(1).is_some_and(u8::is_ascii_digit))
        {
            return self.number(start, line);
        } else if c == '"' || c == '\'' {
            return self.quoted(start, line);
        } else if c == '$' {
            self.pos += 1;
            self.params += 1;
            TokKind::Param(self.params - 1)
        } else if let Some(p) = PUNCTUATORS
            .iter()
            .find(|p| p.as_bytes()[0] == c as u8 && rest.starts_with(**p))
        {
            self.pos += p.len();
            TokKind::Punct(p)
        } else if let Some(i) = SINGLE_PUNCTUATORS.find(c) {
            self.pos += 1;
            TokKind::Punct(&SINGLE_PUNCTUATORS[i..i + 1])
        } else {
            self.pos += c.len_utf8();
            TokKind::Other
        };
        Ok(Token {
            kind,
            start: start as u32,
            end: self.pos as u32,
            line,
        })
    }

    fn number(&mut self, start: usize, line: u32) -> Result<Token, Error> {
        // A pp-number: digits, letters, '.', and a sign right after an exponent letter.
        let bytes = self.src.as_bytes();
        let mut end = start;
        loop {
            let (rest, body) = number_body(&self.src[end..]).unwrap_or(("", ""));
            end += body.len();
            let last = self.src.as_bytes()[..end].last().copied();
            let is_hex =
                self.src[start..end].starts_with("0x") || self.src[start..end].starts_with("0X");
            let exp = if is_hex { [b'p', b'P'] } else { [b'e', b'E'] };
            if matches!(last, Some(l) if exp.contains(&l))
                && matches!(rest.as_bytes().first(), Some(b'+' | b'-'))
            {
                end += 1;
                continue;
            }
            break;
        }
        let _ = bytes;
        self.pos = end;
        let text = &self.src[start..end];
        if let Some(kind) = plain_decimal(text) {
            return Ok(Token {
                kind,
                start: start as u32,
                end: end as u32,
                line,
            });
        }
        let malformed = || Error::parse_near(ParseMessage::MalformedNumber, text, line);
        let lower = text.to_ascii_lowercase();
        let is_hex = lower.starts_with("0x");
        let is_float = if is_hex {
            lower.contains('.') || lower.contains('p')
        } else {
            lower.contains('.') || lower.contains('e')
        };
        let token = |kind| Token {
            kind,
            start: start as u32,
            end: end as u32,
            line,
        };
        if is_float {
            return Ok(token(TokKind::Float));
        }
        let digits_end = lower.find(['u', 'l']).unwrap_or(lower.len());
        let (digits, suffix) = lower.split_at(digits_end);
        let (radix, digits) = if is_hex {
            (16, &digits[2..])
        } else if let Some(bin) = digits.strip_prefix("0b") {
            // Before octal, which would take `0b101` for a malformed `0...`.
            (2, bin)
        } else if digits.len() > 1 && digits.starts_with('0') {
            (8, &digits[1..])
        } else {
            (10, digits)
        };
        if digits.is_empty() {
            return Err(malformed());
        }
        let value = u64::from_str_radix(digits, radix).map_err(|_| malformed())?;
        let (unsigned, longs) = match suffix {
            "" => (false, 0),
            "u" => (true, 0),
            "l" => (false, 1),
            "ul" | "lu" => (true, 1),
            "ll" => (false, 2),
            "ull" | "llu" => (true, 2),
            _ => return Err(malformed()),
        };
        if suffix.contains("ll") && !(text.contains("ll") || text.contains("LL")) {
            return Err(malformed()); // `lL` is not a suffix
        }
        // C 6.4.4.1: the first type of the list that can represent the value.
        let fits_int = value <= i32::MAX as u64;
        let fits_uint = value <= u32::MAX as u64;
        let fits_long = value <= i64::MAX as u64;
        let decimal = radix == 10;
        let ty = if longs == 0 && !unsigned && fits_int {
            IntTy::INT
        } else if longs == 0 && (unsigned || !decimal) && fits_uint {
            IntTy::UINT
        } else if !unsigned && fits_long {
            IntTy::LONG
        } else if unsigned || !decimal {
            IntTy::ULONG
        } else {
            // gcc: "integer constant is so large that it is unsigned".
            IntTy::ULONG
        };
        Ok(token(TokKind::Int(value, ty)))
    }

    fn quoted(&mut self, start: usize, line: u32) -> Result<Token, Error> {
        let bytes = self.src.as_bytes();
        let quote = bytes[self.pos];
        self.pos += 1;
        let mut value: Vec<u8> = Vec::new();
        loop {
            let Some(&b) = bytes.get(self.pos) else {
                return Err(Error::parse_near(
                    ParseMessage::UnfinishedString,
                    snippet(self.src, start, self.src.len()),
                    line,
                ));
            };
            match b {
                b'\n' => {
                    return Err(Error::parse_near(
                        ParseMessage::UnfinishedString,
                        snippet(self.src, start, self.pos),
                        line,
                    ))
                }
                _ if b == quote => {
                    self.pos += 1;
                    break;
                }
                b'\\' => {
                    self.pos += 1;
                    let Some(&e) = bytes.get(self.pos) else {
                        continue;
                    };
                    self.pos += 1;
                    let escaped = match e {
                        b'n' => b'\n',
                        b't' => b'\t',
                        b'r' => b'\r',
                        b'a' => 7,
                        b'b' => 8,
                        b'f' => 12,
                        b'v' => 11,
                        b'e' => 27,
                        b'\\' | b'\'' | b'"' | b'?' => e,
                        b'\n' => {
                            self.line += 1;
                            continue;
                        }
                        b'x' => {
                            let mut v: u32 = 0;
                            let mut n = 0;
                            while let Some(d) =
                                bytes.get(self.pos).and_then(|c| (*c as char).to_digit(16))
                            {
                                v = v.wrapping_mul(16).wrapping_add(d);
                                self.pos += 1;
                                n += 1;
                            }
                            if n == 0 {
                                return Err(Error::parse_near(
                                    ParseMessage::InvalidEscape,
                                    snippet(self.src, start, self.pos),
                                    line,
                                ));
                            }
                            v as u8
                        }
                        b'0'..=b'7' => {
                            let mut v: u32 = (e - b'0') as u32;
                            let mut n = 1;
                            while n < 3 {
                                match bytes.get(self.pos) {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + (d - b'0') as u32;
                                        self.pos += 1;
                                        n += 1;
                                    }
                                    _ => break,
                                }
                            }
                            v as u8
                        }
                        _ => {
                            return Err(Error::parse_near(
                                ParseMessage::InvalidEscape,
                                snippet(self.src, start, self.pos),
                                line,
                            ))
                        }
                    };
                    value.push(escaped);
                }
                _ => {
                    value.push(b);
                    self.pos += 1;
                }
            }
        }
        let kind = if quote == b'"' {
            TokKind::Str(String::from_utf8_lossy(&value).into_owned())
        } else {
            if value.is_empty() {
                return Err(Error::parse_near(
                    ParseMessage::MalformedNumber,
                    snippet(self.src, start, self.pos),
                    line,
                ));
            }
            // gcc: a multi-character constant accumulates bytes into an int; a single
            // char is sign-extended when char is signed.
            let v = if value.len() == 1 {
                if crate::ctype::CHAR_IS_SIGNED {
                    value[0] as i8 as i64
                } else {
                    value[0] as i64
                }
            } else {
                let mut acc: u32 = 0;
                for b in &value {
                    acc = acc.wrapping_shl(8) | *b as u32;
                }
                acc as i32 as i64
            };
            TokKind::Char(v)
        };
        Ok(Token {
            kind,
            start: start as u32,
            end: self.pos as u32,
            line,
        })
    }
}

/// `src[start..end]` widened to character boundaries (errors quote partial tokens).
fn snippet(src: &str, start: usize, mut end: usize) -> &str {
    end = end.min(src.len());
    while !src.is_char_boundary(end) {
        end += 1;
    }
    &src[start.min(end)..end]
}

/// `pragmapack(…)` (whitespace removed) as a pack directive; None for other pragmas.
fn pack_directive(text: &str) -> Option<PackOp> {
    let args = text.strip_prefix("pragma")?.strip_prefix("pack")?;
    let args = args.strip_prefix('(')?.strip_suffix(')')?;
    let number = |s: &str| s.parse::<u32>().ok().filter(|n| n.is_power_of_two());
    let mut parts = args.split(',');
    Some(match parts.next().unwrap_or("") {
        "" => PackOp::Set(None),
        "push" => {
            // `push, n` or `push, identifier, n`: the number, if any, is last.
            PackOp::Push(parts.next_back().and_then(number))
        }
        "pop" => PackOp::Pop,
        n => PackOp::Set(Some(number(n)?)),
    })
}

/// A `# N "file"` line marker (as `cc -E` writes) or `#line N "file"`: from
/// `physical` + 1 on, source lines are line `logical`, … of `file`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineMark {
    pub physical: u32,
    pub logical: u32,
    pub file: Option<String>,
}

/// The line markers of `src`, in order (only looked for when an error is reported).
pub fn line_marks(src: &str) -> Vec<LineMark> {
    let mut marks = Vec::new();
    for (i, line) in src.lines().enumerate() {
        let Some(rest) = line.trim_start().strip_prefix('#') else {
            continue;
        };
        let rest = rest.trim_start();
        let rest = rest.strip_prefix("line").unwrap_or(rest).trim_start();
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let Ok(logical) = rest[..digits].parse::<u32>() else {
            continue;
        };
        let after = rest[digits..].trim_start();
        let file = after
            .strip_prefix('"')
            .and_then(|f| f.split('"').next())
            .map(str::to_string);
        let file = file.or_else(|| marks.last().and_then(|m: &LineMark| m.file.clone()));
        marks.push(LineMark {
            physical: i as u32 + 1,
            logical,
            file,
        });
    }
    marks
}

/// Where physical line `line` of a source with `marks` is: (file, line in that file).
pub fn map_line(marks: &[LineMark], line: u32) -> Option<(Option<String>, u32)> {
    let mark = marks.iter().rev().find(|m| m.physical < line)?;
    Some((
        mark.file.clone(),
        mark.logical.saturating_add(line - mark.physical - 1),
    ))
}

/// `src` with its line splices (a backslash before a newline) removed, as C's
/// translation phase 2 does, so a splice inside an identifier, a number or a `//` comment
/// joins it. The newlines a splice took are put back after the end of the logical line,
/// so later lines keep their numbers. Borrows when there is no splice.
pub fn join_splices(src: &str) -> Cow<'_, str> {
    if !src.contains("\\\n") && !src.contains("\\\r\n") {
        return Cow::Borrowed(src);
    }
    let mut out = String::with_capacity(src.len());
    let mut owed = 0usize;
    let mut rest = src;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest
            .strip_prefix("\\\n")
            .or_else(|| rest.strip_prefix("\\\r\n"))
        {
            owed += 1;
            rest = after;
            continue;
        }
        out.push(c);
        if c == '\n' {
            out.extend(std::iter::repeat_n('\n', owed));
            owed = 0;
        }
        rest = &rest[c.len_utf8()..];
    }
    out.extend(std::iter::repeat_n('\n', owed));
    Cow::Owned(out)
}

/// All tokens of `src`, ending with one `Eof`.
pub fn tokenize(src: &str) -> Result<(Vec<Token>, usize), Error> {
    let mut lexer = Lexer::new(src);
    let mut tokens = Vec::with_capacity(src.len() / 4 + 1);
    loop {
        let token = lexer.next()?;
        let eof = token.kind == TokKind::Eof;
        tokens.push(token);
        if eof {
            return Ok((tokens, lexer.params));
        }
    }
}
