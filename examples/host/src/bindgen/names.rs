//! Names the registry does not keep: where a function is declared in the text and what
//! its parameters are called there. A scan of the declaration, not a parser: a name it
//! cannot find becomes `a1`, `a2`, ...

use crate::ctype::{Registry, Symbol};

/// Words of C that are never a parameter's name.
const C_WORDS: &[&str] = &[
    "void",
    "char",
    "short",
    "int",
    "long",
    "float",
    "double",
    "signed",
    "unsigned",
    "const",
    "volatile",
    "restrict",
    "__restrict",
    "__restrict__",
    "struct",
    "union",
    "enum",
    "bool",
    "_Bool",
    "register",
    "__const",
];

/// Luau's reserved words, which cannot name a parameter.
const LUAU_WORDS: &[&str] = &[
    "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "if", "in", "local",
    "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
];

pub fn is_luau_word(name: &str) -> bool {
    LUAU_WORDS.contains(&name)
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Where `name` is first declared as a function: `name` as a word followed by `(`.
pub fn declared_at(text: &str, name: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = text[from..].find(name).map(|i| i + from) {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].trim_start();
        if !before.is_some_and(is_ident) && after.starts_with('(') {
            return Some(at);
        }
        from = at + name.len();
    }
    None
}

/// The text between the parentheses after `name` at its declaration.
fn parameter_text<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let at = declared_at(text, name)?;
    let open = at + text[at..].find('(')?;
    let mut depth = 0;
    for (i, c) in text[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&text[open + 1..open + i]);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits at the commas outside parentheses and brackets.
fn split_top(text: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut from) = (Vec::new(), 0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[from..]);
    parts
}

/// The name one parameter declaration gives, if any: in `(*name)` for a function
/// pointer, else its last word unless that is a C word or a type's name.
fn parameter_name(param: &str, reg: &Registry) -> Option<String> {
    let param = param.split('[').next().unwrap_or(param);
    let (scope, pointer) = match param.find("(*") {
        Some(at) => {
            let end = param[at..].find(')').map_or(param.len(), |e| at + e);
            (&param[at + 2..end], true)
        }
        None => (param, false),
    };
    let word: String = scope
        .trim_end()
        .chars()
        .rev()
        .take_while(|c| is_ident(*c))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let before = scope.trim_end()[..scope.trim_end().len() - word.len()].trim_end();
    let tagged = ["struct", "union", "enum"]
        .iter()
        .any(|t| before.ends_with(t));
    let typedef = matches!(reg.symbol(&word), Some(Symbol::Typedef(_)));
    let plausible = !word.is_empty()
        && !word.starts_with(|c: char| c.is_ascii_digit())
        && !C_WORDS.contains(&word.as_str())
        && !is_luau_word(&word)
        && !tagged
        && !typedef
        && (pointer || !before.is_empty());
    plausible.then_some(word)
}

/// The parameter names of function `name`, `a1`... where the text gives none; as many
/// as `count` asks for.
pub fn parameters(text: &str, name: &str, reg: &Registry) -> Vec<String> {
    let found: Vec<Option<String>> = parameter_text(text, name)
        .map(|p| {
            split_top(p)
                .iter()
                .map(|p| parameter_name(p, reg))
                .collect()
        })
        .unwrap_or_default();
    let mut names: Vec<String> = Vec::new();
    for (i, n) in found.into_iter().enumerate() {
        let n = n.filter(|n| !names.contains(n));
        names.push(n.unwrap_or_else(|| format!("a{}", i + 1)));
    }
    names
}
