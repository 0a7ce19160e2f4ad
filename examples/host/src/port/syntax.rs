//! Small builders and readers of full_moon syntax trees used by the port.
//!
//! New code is made by parsing a snippet as Luau (so it is what the Luau grammar says),
//! then the replaced token's comments and whitespace are moved onto it.

use full_moon::ast::{
    Call, Expression, FunctionArgs, FunctionCall, Index, LastStmt, Prefix, Stmt, Suffix, Var,
};
use full_moon::tokenizer::{Token, TokenReference, TokenType};
use full_moon::LuaVersion;

/// Parses generated Luau `source` (a chunk). The port only generates valid code.
fn parse_chunk(source: &str) -> full_moon::ast::Ast {
    full_moon::parse_fallible(source, LuaVersion::luau())
        .into_result()
        .unwrap_or_else(|e| panic!("generated Luau does not parse: {source}: {e:?}"))
}

/// The expression `source` (generated Luau).
pub fn expression(source: &str) -> Expression {
    let ast = parse_chunk(&format!("return {source}"));
    match ast.nodes().last_stmt() {
        Some(LastStmt::Return(ret)) => ret.returns().iter().next().cloned(),
        _ => None,
    }
    .unwrap_or_else(|| panic!("generated Luau is not an expression: {source}"))
}

/// The statement `source` (generated Luau).
pub fn statement(source: &str) -> Stmt {
    let ast = parse_chunk(source);
    let stmt = ast.nodes().stmts().next().cloned();
    stmt.unwrap_or_else(|| panic!("generated Luau is not a statement: {source}"))
}

/// A symbol token such as `;` followed by `trailing` whitespace.
pub fn symbol(text: &str, trailing: &str) -> TokenReference {
    let whitespace = Token::new(TokenType::Whitespace {
        characters: trailing.into(),
    });
    let symbol = TokenReference::symbol(text).expect("a Lua symbol");
    TokenReference::new(vec![], symbol.token().clone(), vec![whitespace])
}

/// An identifier token with the trivia of `like`.
pub fn identifier_like(name: &str, like: &TokenReference) -> TokenReference {
    let token = Token::new(TokenType::Identifier {
        identifier: name.into(),
    });
    TokenReference::new(
        like.leading_trivia().cloned().collect(),
        token,
        trailing(like),
    )
}

/// A copy of `token` with `leading` comments and whitespace before it.
pub fn with_leading(token: &TokenReference, leading: Vec<Token>) -> TokenReference {
    TokenReference::new(leading, token.token().clone(), trailing(token))
}

/// A copy of `token` with `trailing` comments and whitespace after it.
pub fn with_trailing(token: &TokenReference, trailing: Vec<Token>) -> TokenReference {
    TokenReference::new(
        token.leading_trivia().cloned().collect(),
        token.token().clone(),
        trailing,
    )
}

fn trailing(token: &TokenReference) -> Vec<Token> {
    token.trailing_trivia().cloned().collect()
}

/// Generated `source` in place of the token `old`, keeping `old`'s comments and whitespace.
pub fn replace_token(old: &TokenReference, source: &str) -> Expression {
    let leading: Vec<Token> = old.leading_trivia().cloned().collect();
    let after = trailing(old);
    match expression(source) {
        Expression::FunctionCall(call) => {
            let (prefix, suffixes) = retrivia(call.prefix(), call.suffixes(), leading, after);
            Expression::FunctionCall(call.with_prefix(prefix).with_suffixes(suffixes))
        }
        Expression::Var(Var::Expression(var)) => {
            let (prefix, suffixes) = retrivia(var.prefix(), var.suffixes(), leading, after);
            let var = var.with_prefix(prefix).with_suffixes(suffixes);
            Expression::Var(Var::Expression(Box::new(var)))
        }
        Expression::Parentheses {
            contained,
            expression,
        } => {
            let (open, close) = contained.tokens();
            let contained = full_moon::ast::span::ContainedSpan::new(
                with_leading(open, leading),
                with_trailing(close, after),
            );
            Expression::Parentheses {
                contained,
                expression,
            }
        }
        other => panic!("replace_token: unexpected generated expression {other}"),
    }
}

/// `prefix` and `suffixes` with `leading` before the first token and `after` after the last.
fn retrivia<'a>(
    prefix: &Prefix,
    suffixes: impl Iterator<Item = &'a Suffix>,
    leading: Vec<Token>,
    after: Vec<Token>,
) -> (Prefix, Vec<Suffix>) {
    let prefix = match prefix {
        Prefix::Name(name) => Prefix::Name(with_leading(name, leading)),
        other => other.clone(),
    };
    let mut suffixes: Vec<Suffix> = suffixes.cloned().collect();
    if let Some(last) = suffixes.pop() {
        suffixes.push(suffix_with_trailing(last, after));
    }
    (prefix, suffixes)
}

fn suffix_with_trailing(suffix: Suffix, after: Vec<Token>) -> Suffix {
    match suffix {
        Suffix::Index(Index::Dot { dot, name }) => Suffix::Index(Index::Dot {
            dot,
            name: with_trailing(&name, after),
        }),
        Suffix::Call(Call::AnonymousCall(args)) => match *args {
            FunctionArgs::Parentheses {
                parentheses,
                arguments,
            } => {
                let (open, close) = parentheses.tokens();
                let parentheses = full_moon::ast::span::ContainedSpan::new(
                    open.clone(),
                    with_trailing(close, after),
                );
                Suffix::Call(Call::AnonymousCall(Box::new(FunctionArgs::Parentheses {
                    parentheses,
                    arguments,
                })))
            }
            other => Suffix::Call(Call::AnonymousCall(Box::new(other))),
        },
        other => other,
    }
}

/// The text of an identifier or name token.
pub fn name_of(token: &TokenReference) -> Option<&str> {
    match token.token_type() {
        TokenType::Identifier { identifier } => Some(identifier.as_str()),
        _ => None,
    }
}

/// The content of a string literal token.
pub fn string_of(token: &TokenReference) -> Option<&str> {
    match token.token_type() {
        TokenType::StringLiteral { literal, .. } => Some(literal.as_str()),
        _ => None,
    }
}

/// The name a prefix is, for `name.x` / `name(…)`.
pub fn prefix_name(prefix: &Prefix) -> Option<&str> {
    match prefix {
        Prefix::Name(token) => name_of(token),
        _ => None,
    }
}

/// The field name of a `.name` suffix.
pub fn dot_name(suffix: Option<&Suffix>) -> Option<&str> {
    match suffix {
        Some(Suffix::Index(Index::Dot { name, .. })) => name_of(name),
        _ => None,
    }
}

/// The string argument of a call suffix `("s")`, `"s"`.
pub fn string_argument(suffix: Option<&Suffix>) -> Option<&TokenReference> {
    let Some(Suffix::Call(Call::AnonymousCall(args))) = suffix else {
        return None;
    };
    match args.as_ref() {
        FunctionArgs::String(token) => Some(token),
        FunctionArgs::Parentheses { arguments, .. } if arguments.len() == 1 => {
            match arguments.iter().next() {
                Some(Expression::String(token)) => Some(token),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The module `call` requires, when it is `require "name"` / `require("name")`.
pub fn required_module(call: &FunctionCall) -> Option<&str> {
    if prefix_name(call.prefix()) != Some("require") {
        return None;
    }
    string_argument(call.suffixes().next()).and_then(string_of)
}

/// The line where `token` starts (1-based), or 0 for a generated token.
pub fn line_of(token: &TokenReference) -> usize {
    token.token().start_position().line()
}
