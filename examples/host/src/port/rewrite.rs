//! The rewriting walk: a full_moon `VisitorMut` that turns LuaJIT FFI code into Luau and
//! notes, with line numbers, what it cannot decide.

use std::collections::HashSet;

use full_moon::ast::lua52::{Goto, Label};
use full_moon::ast::{
    Assignment, BinOp, Expression, FunctionBody, FunctionCall, GenericFor, LocalAssignment,
    LocalFunction, NumericFor, Parameter, Prefix, Suffix, UnOp, Var, VarExpression, While,
};
use full_moon::tokenizer::{Token, TokenReference, TokenType};
use full_moon::visitors::VisitorMut;

use super::syntax::{
    dot_name, identifier_like, line_of, name_of, prefix_name, replace_token, required_module,
    string_argument, string_of,
};
use super::{cdecl, goto, literal, Note};

/// `os` functions Luau has.
const LUAU_OS: &[&str] = &["getenv", "clock", "time", "date", "difftime"];

/// The state of one port.
pub struct Porter {
    /// The module name written in `require` (`--ffi`).
    pub module: String,
    /// The name the FFI module is bound to in the output.
    pub ffi: String,
    /// Every local name bound to `require "ffi"` in the input, and `ffi`.
    pub ffi_names: HashSet<String>,
    /// The text of every `ffi.cdef` string of the input.
    pub cdefs: Vec<String>,
    /// Names bound to `ffi.C` or `ffi.load(…)`.
    clibs: HashSet<String>,
    /// Names assigned a value that may be a cdata (a C call result, an `LL` literal).
    cdata_vars: HashSet<String>,
    /// Local names in scope, innermost last.
    scopes: Vec<HashSet<String>>,
    /// What the user must look at.
    pub notes: Vec<Note>,
    /// What makes the output wrong (malformed literals).
    pub errors: Vec<Note>,
    /// The first line where the output uses the name `ffi`.
    pub first_ffi_use: Option<usize>,
}

impl Porter {
    pub fn new(module: &str, ffi: &str, ffi_names: HashSet<String>, cdefs: Vec<String>) -> Self {
        Porter {
            module: module.to_string(),
            ffi: ffi.to_string(),
            ffi_names,
            cdefs,
            clibs: HashSet::new(),
            cdata_vars: HashSet::new(),
            scopes: vec![HashSet::new()],
            notes: Vec::new(),
            errors: Vec::new(),
            first_ffi_use: None,
        }
    }

    fn note(&mut self, token: &TokenReference, message: String) {
        self.notes.push(Note {
            line: line_of(token),
            message,
        });
    }

    fn uses_ffi(&mut self, token: &TokenReference) {
        let line = line_of(token);
        self.first_ffi_use = Some(self.first_ffi_use.map_or(line, |l| l.min(line)));
    }

    fn declare(&mut self, name: &TokenReference) {
        if let (Some(scope), Some(name)) = (self.scopes.last_mut(), name_of(name)) {
            scope.insert(name.to_string());
        }
    }

    /// Whether `name` is a global here (no local of that name is in scope).
    fn is_global(&self, name: &str) -> bool {
        !self.scopes.iter().any(|scope| scope.contains(name))
    }

    /// `token` names the global `global`.
    fn is_global_named(&self, token: &TokenReference, global: &str) -> bool {
        name_of(token) == Some(global) && self.is_global(global)
    }

    fn is_ffi(&self, prefix: &Prefix) -> bool {
        prefix_name(prefix).is_some_and(|n| self.ffi_names.contains(n))
    }
}

/// Scopes and the facts the comparison check follows.
impl Porter {
    fn enter(&mut self) {
        self.scopes.push(HashSet::new());
    }

    fn leave(&mut self) {
        self.scopes.pop();
    }

    /// Records what a local or assigned `name` holds: a C library namespace or a cdata.
    fn track(&mut self, name: &str, value: Option<&Expression>) {
        let Some(value) = value else { return };
        if self.is_clib(value) {
            self.clibs.insert(name.to_string());
        } else if self.possibly_cdata(value) {
            self.cdata_vars.insert(name.to_string());
        } else {
            self.cdata_vars.remove(name);
        }
    }

    /// `ffi.C` or `ffi.load(…)`.
    fn is_clib(&self, value: &Expression) -> bool {
        match value {
            Expression::Var(Var::Expression(var)) => {
                let mut suffixes = var.suffixes();
                self.is_ffi(var.prefix())
                    && dot_name(suffixes.next()) == Some("C")
                    && suffixes.next().is_none()
            }
            Expression::FunctionCall(call) => {
                self.is_ffi(call.prefix()) && dot_name(call.suffixes().next()) == Some("load")
            }
            _ => false,
        }
    }

    /// Whether `value` may be a cdata, so that comparing it with a number is always false.
    fn possibly_cdata(&self, value: &Expression) -> bool {
        match value {
            Expression::Number(token) => literal_suffixed(token),
            Expression::Parentheses { expression, .. } => self.possibly_cdata(expression),
            Expression::UnaryOperator {
                unop: UnOp::Minus(_),
                expression,
            } => self.possibly_cdata(expression),
            Expression::BinaryOperator { lhs, binop, rhs } => {
                is_arithmetic(binop) && (self.possibly_cdata(lhs) || self.possibly_cdata(rhs))
            }
            Expression::Var(Var::Name(token)) => {
                name_of(token).is_some_and(|n| self.cdata_vars.contains(n))
            }
            Expression::FunctionCall(call) => self.call_may_give_cdata(call),
            _ => false,
        }
    }

    /// `C.f(…)` / `ffi.C.f(…)` / `lib.f(…)` with a possibly-cdata result, `ffi.new`, `ffi.cast`.
    fn call_may_give_cdata(&self, call: &FunctionCall) -> bool {
        let suffixes: Vec<&Suffix> = call.suffixes().collect();
        let names: Vec<Option<&str>> = suffixes.iter().map(|s| dot_name(Some(s))).collect();
        let called = |n: usize| suffixes.len() == n + 1 && matches!(suffixes[n], Suffix::Call(_));
        let c_function =
            if prefix_name(call.prefix()).is_some_and(|n| self.clibs.contains(n)) && called(1) {
                names[0]
            } else if self.is_ffi(call.prefix()) && called(2) && names[0] == Some("C") {
                names[1]
            } else if self.is_ffi(call.prefix()) && called(1) {
                return matches!(names[0], Some("new" | "cast"));
            } else {
                None
            };
        c_function.is_some_and(|f| cdecl::may_return_cdata(&self.cdefs, f))
    }
}

fn literal_suffixed(token: &TokenReference) -> bool {
    match token.token_type() {
        TokenType::Number { text } => literal::rewrite(text, "ffi").is_some(),
        _ => false,
    }
}

fn plain_number(value: &Expression) -> bool {
    match value {
        Expression::Number(token) => !literal_suffixed(token),
        Expression::UnaryOperator {
            unop: UnOp::Minus(_),
            expression,
        } => plain_number(expression),
        _ => false,
    }
}

fn is_arithmetic(op: &BinOp) -> bool {
    matches!(
        op,
        BinOp::Plus(_)
            | BinOp::Minus(_)
            | BinOp::Star(_)
            | BinOp::Slash(_)
            | BinOp::Percent(_)
            | BinOp::Caret(_)
    )
}

/// The operator token of a comparison, and whether it is an equality.
fn comparison(op: &BinOp) -> Option<(&TokenReference, bool)> {
    match op {
        BinOp::TwoEqual(t) | BinOp::TildeEqual(t) => Some((t, true)),
        BinOp::LessThan(t)
        | BinOp::LessThanEqual(t)
        | BinOp::GreaterThan(t)
        | BinOp::GreaterThanEqual(t) => Some((t, false)),
        _ => None,
    }
}

/// The rewrites.
impl Porter {
    /// `123LL`, `0x1ULL`, `12i`.
    fn number(&mut self, token: &TokenReference) -> Option<Expression> {
        let TokenType::Number { text } = token.token_type() else {
            return None;
        };
        match literal::rewrite(text, &self.ffi)? {
            Ok(source) => {
                self.uses_ffi(token);
                Some(replace_token(token, &source))
            }
            Err(message) => {
                self.errors.push(Note {
                    line: line_of(token),
                    message,
                });
                None
            }
        }
    }

    /// The global `tonumber` as a value.
    fn tonumber_value(&mut self, token: &TokenReference) -> Option<Expression> {
        if !self.is_global_named(token, "tonumber") {
            return None;
        }
        self.uses_ffi(token);
        Some(replace_token(token, &format!("{}.tonumber", self.ffi)))
    }

    /// `require "bit"` as a whole expression: `ffi.bit`.
    fn bit_value(&mut self, call: &FunctionCall) -> Option<Expression> {
        if required_module(call) != Some("bit") || call.suffixes().count() != 1 {
            return None;
        }
        let Prefix::Name(require) = call.prefix() else {
            return None;
        };
        self.uses_ffi(require);
        let mut bit = replace_token(require, &format!("{}.bit", self.ffi));
        // Keep the trivia after the call (the `)` or string), not after `require`.
        if let (Expression::Var(Var::Expression(var)), Some(Suffix::Call(args))) =
            (&mut bit, call.suffixes().next())
        {
            let after = last_trailing(args);
            let suffixes: Vec<Suffix> = var.suffixes().cloned().collect();
            let suffixes = retrail_last(suffixes, after);
            **var = var.clone().with_suffixes(suffixes);
        }
        Some(bit)
    }

    /// `require "ffi"` → `require "<module>"`, `tonumber(…)` → `ffi.tonumber(…)`.
    fn call(&mut self, call: FunctionCall) -> FunctionCall {
        if required_module(&call) == Some("ffi") {
            return self.require_ffi(call);
        }
        if let Prefix::Name(name) = call.prefix() {
            if self.is_global_named(name, "tonumber") {
                let name = name.clone();
                self.uses_ffi(&name);
                let ffi = identifier_like(&self.ffi, &with_trailing_none(&name));
                let field = super::syntax::expression(&format!("{}.tonumber", self.ffi));
                let Expression::Var(Var::Expression(field)) = field else {
                    unreachable!("a dotted name is a var expression")
                };
                let mut suffixes: Vec<Suffix> = field.suffixes().cloned().collect();
                suffixes = retrail_last(suffixes, name.trailing_trivia().cloned().collect());
                suffixes.extend(call.suffixes().cloned());
                return call.with_prefix(Prefix::Name(ffi)).with_suffixes(suffixes);
            }
        }
        call
    }

    fn require_ffi(&mut self, call: FunctionCall) -> FunctionCall {
        let Some(old) = string_argument(call.suffixes().next()).cloned() else {
            return call;
        };
        let TokenType::StringLiteral { quote_type, .. } = old.token_type() else {
            return call;
        };
        let token = Token::new(TokenType::StringLiteral {
            literal: self.module.as_str().into(),
            multi_line_depth: 0,
            quote_type: *quote_type,
        });
        let new = TokenReference::new(
            old.leading_trivia().cloned().collect(),
            token,
            old.trailing_trivia().cloned().collect(),
        );
        let suffixes = call
            .suffixes()
            .map(|s| replace_string(s.clone(), &old, &new))
            .collect();
        call.with_suffixes(suffixes)
    }
}

fn with_trailing_none(token: &TokenReference) -> TokenReference {
    super::syntax::with_trailing(token, vec![])
}

fn replace_string(suffix: Suffix, old: &TokenReference, new: &TokenReference) -> Suffix {
    use full_moon::ast::punctuated::Punctuated;
    use full_moon::ast::{Call, FunctionArgs};
    let Suffix::Call(Call::AnonymousCall(args)) = suffix else {
        return suffix;
    };
    let args = match *args {
        FunctionArgs::String(token) if &token == old => FunctionArgs::String(new.clone()),
        FunctionArgs::Parentheses {
            parentheses,
            arguments,
        } => {
            let arguments: Punctuated<Expression> = arguments
                .into_pairs()
                .map(|pair| {
                    pair.map(|e| match e {
                        Expression::String(token) if &token == old => {
                            Expression::String(new.clone())
                        }
                        other => other,
                    })
                })
                .collect();
            FunctionArgs::Parentheses {
                parentheses,
                arguments,
            }
        }
        other => other,
    };
    Suffix::Call(Call::AnonymousCall(Box::new(args)))
}

/// The trivia after the last token of call arguments.
fn last_trailing(call: &full_moon::ast::Call) -> Vec<Token> {
    use full_moon::ast::{Call, FunctionArgs};
    let token = match call {
        Call::AnonymousCall(args) => match args.as_ref() {
            FunctionArgs::Parentheses { parentheses, .. } => Some(parentheses.tokens().1),
            FunctionArgs::String(token) => Some(token),
            _ => None,
        },
        _ => None,
    };
    token.map_or_else(Vec::new, |t| t.trailing_trivia().cloned().collect())
}

fn retrail_last(mut suffixes: Vec<Suffix>, after: Vec<Token>) -> Vec<Suffix> {
    use full_moon::ast::Index;
    if let Some(Suffix::Index(Index::Dot { dot, name })) = suffixes.pop() {
        suffixes.push(Suffix::Index(Index::Dot {
            dot,
            name: super::syntax::with_trailing(&name, after),
        }));
    }
    suffixes
}

/// The reports.
impl Porter {
    /// `io.x`, `os.x`, `jit.x`, `setfenv`, `getfenv`, `ffi.abi(…)` at the head of a chain.
    fn check_chain(&mut self, prefix: &Prefix, first: Option<&Suffix>) {
        let Prefix::Name(token) = prefix else { return };
        let Some(name) = name_of(token) else { return };
        let field = dot_name(first);
        if self.is_ffi(prefix) && field == Some("abi") {
            let message = format!(
                "{name}.abi(…): a branch on the ABI; check each branch against this module's ffi.abi"
            );
            return self.note(token, message);
        }
        if !self.is_global(name) {
            return;
        }
        let message = match (name, field) {
            ("os", Some(f)) if LUAU_OS.contains(&f) => return,
            ("io" | "os", Some(f)) => {
                format!("{name}.{f}: Luau has no {name}.{f}; rewrite by hand")
            }
            ("jit", Some(f)) => format!("jit.{f}: Luau has no jit library; remove or rewrite"),
            ("setfenv" | "getfenv", _) => format!(
                "{name}: Luau's {name} works but deoptimizes the script; prefer explicit tables"
            ),
            _ => return,
        };
        self.note(token, message);
    }

    /// A bare `io`, `os`, `jit` as a value.
    fn check_global(&mut self, token: &TokenReference) {
        let Some(name) = name_of(token) else { return };
        if matches!(name, "io" | "os" | "jit") && self.is_global(name) {
            let message =
                format!("{name}: the {name} library is used as a value; check what is used of it");
            self.note(token, message);
        }
    }

    /// `x == 0` where `x` may be a cdata: always false in Luau (no `__eq` with a number).
    fn check_comparison(&mut self, lhs: &Expression, op: &BinOp, rhs: &Expression) {
        let Some((token, equality)) = comparison(op) else {
            return;
        };
        let cdata_side = if plain_number(rhs) && self.possibly_cdata(lhs) {
            lhs
        } else if plain_number(lhs) && self.possibly_cdata(rhs) {
            rhs
        } else {
            return;
        };
        let value = cdata_side.to_string();
        let value = value.trim();
        let ffi = &self.ffi;
        let message = if equality {
            format!(
                "`{value}` may be a cdata (64-bit or pointer C result): comparing it with a number is always unequal in Luau; use {ffi}.tonumber({value})"
            )
        } else {
            format!(
                "`{value}` may be a cdata (64-bit or pointer C result): Luau raises on ordering it with a number; use {ffi}.tonumber({value})"
            )
        };
        let token = token.clone();
        self.note(&token, message);
    }
}

impl VisitorMut for Porter {
    /// A `#!` first line becomes a comment: Luau does not read one.
    fn visit_token(&mut self, token: Token) -> Token {
        let TokenType::Shebang { line } = token.token_type() else {
            return token;
        };
        self.notes.push(Note {
            line: token.start_position().line(),
            message: format!("`{line}` is now a comment: Luau does not read a #! line"),
        });
        Token::new(TokenType::SingleLineComment {
            comment: format!(" {line}").into(),
        })
    }

    fn visit_block(&mut self, node: full_moon::ast::Block) -> full_moon::ast::Block {
        self.enter();
        node
    }

    fn visit_block_end(&mut self, node: full_moon::ast::Block) -> full_moon::ast::Block {
        self.leave();
        node
    }

    fn visit_function_body(&mut self, node: FunctionBody) -> FunctionBody {
        self.enter();
        for parameter in node.parameters() {
            if let Parameter::Name(name) = parameter {
                self.declare(name);
            }
        }
        node
    }

    fn visit_function_body_end(&mut self, node: FunctionBody) -> FunctionBody {
        self.leave();
        node
    }

    fn visit_local_function(&mut self, node: LocalFunction) -> LocalFunction {
        self.declare(node.name());
        node
    }

    fn visit_local_assignment(&mut self, node: LocalAssignment) -> LocalAssignment {
        for (name, value) in node.names().iter().zip(node.expressions().iter()) {
            if let Some(n) = name_of(name) {
                self.track(n, Some(value));
            }
        }
        node
    }

    fn visit_local_assignment_end(&mut self, node: LocalAssignment) -> LocalAssignment {
        for name in node.names() {
            self.declare(name);
        }
        node
    }

    fn visit_assignment(&mut self, node: Assignment) -> Assignment {
        for (var, value) in node.variables().iter().zip(node.expressions().iter()) {
            if let Var::Name(token) = var {
                if let Some(n) = name_of(token) {
                    self.track(n, Some(value));
                }
            }
        }
        node
    }

    fn visit_numeric_for(&mut self, node: NumericFor) -> NumericFor {
        self.enter();
        self.declare(node.index_variable());
        match goto::continue_body(node.block(), node.end_token()) {
            Some((block, end)) => node.with_block(block).with_end_token(end),
            None => node,
        }
    }

    fn visit_while(&mut self, node: While) -> While {
        match goto::continue_body(node.block(), node.end_token()) {
            Some((block, end)) => node.with_block(block).with_end_token(end),
            None => node,
        }
    }

    fn visit_numeric_for_end(&mut self, node: NumericFor) -> NumericFor {
        self.leave();
        node
    }

    fn visit_generic_for(&mut self, node: GenericFor) -> GenericFor {
        self.enter();
        for name in node.names() {
            self.declare(name);
        }
        match goto::continue_body(node.block(), node.end_token()) {
            Some((block, end)) => node.with_block(block).with_end_token(end),
            None => node,
        }
    }

    fn visit_generic_for_end(&mut self, node: GenericFor) -> GenericFor {
        self.leave();
        node
    }

    fn visit_goto(&mut self, node: Goto) -> Goto {
        let message = "goto: Luau has no goto; restructure (continue, break, a loop or a function)";
        self.note(node.goto_token(), message.to_string());
        node
    }

    fn visit_label(&mut self, node: Label) -> Label {
        let message = "label: Luau has no goto labels; remove it with the goto";
        self.note(node.left_colons(), message.to_string());
        node
    }

    fn visit_expression(&mut self, node: Expression) -> Expression {
        let replaced = match &node {
            Expression::Number(token) => self.number(token),
            Expression::Var(Var::Name(token)) => {
                self.check_global(token);
                self.tonumber_value(token)
            }
            Expression::FunctionCall(call) => self.bit_value(call),
            Expression::BinaryOperator { lhs, binop, rhs } => {
                self.check_comparison(lhs, binop, rhs);
                None
            }
            _ => None,
        };
        replaced.unwrap_or(node)
    }

    fn visit_function_call(&mut self, node: FunctionCall) -> FunctionCall {
        self.check_chain(node.prefix(), node.suffixes().next());
        if required_module(&node) == Some("bit") {
            self.note_bit_chain(&node);
        }
        self.call(node)
    }

    fn visit_var_expression(&mut self, node: VarExpression) -> VarExpression {
        self.check_chain(node.prefix(), node.suffixes().next());
        node
    }
}

impl Porter {
    /// `require("bit").band(…)`: left as is (rare), but said.
    fn note_bit_chain(&mut self, call: &FunctionCall) {
        if call.suffixes().count() > 1 {
            if let Prefix::Name(token) = call.prefix() {
                let message = format!(
                    "require \"bit\" used in a chain: replace it with {}.bit by hand",
                    self.ffi
                );
                self.note(&token.clone(), message);
            }
        }
    }
}

/// The module required by a `local x = require "…"` value, for the first pass.
pub fn required_by(value: &Expression) -> Option<&str> {
    match value {
        Expression::FunctionCall(call) => required_module(call),
        _ => None,
    }
}

/// The text of a string literal expression.
pub fn string_value(value: &Expression) -> Option<&str> {
    match value {
        Expression::String(token) => string_of(token),
        _ => None,
    }
}
