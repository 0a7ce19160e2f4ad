//! What a C function declared in the file's `ffi.cdef` strings returns, as far as a
//! comparison with a number cares: a Luau number, or possibly a cdata.
//!
//! A cheap scan, not a C parser: the declaration `... name (` is found in the cdef text
//! and the words before the name are looked at. Anything not known to be a number
//! (64-bit integers, pointers, structs, typedefs, undeclared functions) is "possibly cdata".

/// Result types LuaJIT converts to a Lua number.
const NUMBER_WORDS: &[&str] = &[
    "void", "int", "unsigned", "signed", "short", "char", "float", "double", "bool", "_Bool",
    "int8_t", "int16_t", "int32_t", "uint8_t", "uint16_t", "uint32_t", "const", "volatile",
    "extern", "static", "inline", "enum",
];

/// Whether calling `name` may give a cdata, according to the declarations in `cdefs`.
pub fn may_return_cdata(cdefs: &[String], name: &str) -> bool {
    for text in cdefs {
        for decl in text.split([';', '}', '{']) {
            if let Some(result) = result_type(decl, name) {
                return result.contains('*')
                    || !result.split_whitespace().all(|w| NUMBER_WORDS.contains(&w));
            }
        }
    }
    true
}

/// The text before `name` in `decl` when `decl` declares a function `name`.
fn result_type<'a>(decl: &'a str, name: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(at) = decl[from..].find(name).map(|i| i + from) {
        let before = decl[..at].chars().next_back();
        let after = decl[at + name.len()..].trim_start();
        let boundary = before.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        if boundary && after.starts_with('(') {
            return Some(&decl[..at]);
        }
        from = at + name.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::may_return_cdata;

    #[test]
    fn result_types() {
        let cdefs = vec![
            "size_t strlen(const char *s); int abs(int x);\n typedef struct node node;\n\
             node *next_node(node *n); unsigned int sleep(unsigned int s); double fabs(double);\
             int64_t big(void); long labs(long);"
                .to_string(),
        ];
        let rows = [
            ("strlen", true),
            ("abs", false),
            ("next_node", true),
            ("sleep", false),
            ("fabs", false),
            ("big", true),
            ("labs", true),
            ("undeclared", true),
        ];
        for (name, want) in rows {
            assert_eq!(may_return_cdata(&cdefs, name), want, "{name}");
        }
    }
}
