//! `goto continue` … `::continue::` at the end of a loop body, as Luau's `continue`.
//!
//! Done only when it is certainly the same: the label is the body's last statement, and
//! every `goto` to it is the last statement of its block, outside nested loops (unless
//! they end with their own label of that name) and functions. Anything else is left
//! alone, and reported as a `goto` by the walk.

use full_moon::ast::lua52::Goto;
use full_moon::ast::{Block, LastStmt, Stmt};
use full_moon::tokenizer::{Token, TokenReference, TokenType};
use full_moon::visitors::{Visit, Visitor};

use super::syntax::name_of;

/// The loop `body` and `end` token rewritten, or `None` if it does not have that shape.
pub fn continue_body(body: &Block, end: &TokenReference) -> Option<(Block, TokenReference)> {
    if body.last_stmt().is_some() {
        return None;
    }
    let mut stmts: Vec<(Stmt, Option<TokenReference>)> =
        body.stmts_with_semicolon().cloned().collect();
    let (Stmt::Label(label), _) = stmts.pop()? else {
        return None;
    };
    let name = name_of(label.name())?.to_string();
    let block = convert(Block::new().with_stmts(stmts), &name)?;
    // The label's line stays, as a comment before `end`.
    let mut leading: Vec<Token> = label.left_colons().leading_trivia().cloned().collect();
    leading.push(Token::new(TokenType::SingleLineComment {
        comment: format!(" ::{name}::").into(),
    }));
    leading.extend(label.right_colons().trailing_trivia().cloned());
    leading.extend(end.leading_trivia().cloned());
    let end = TokenReference::new(
        leading,
        end.token().clone(),
        end.trailing_trivia().cloned().collect(),
    );
    Some((block, end))
}

/// `block` with its final `goto name` statements as `continue`.
fn convert(block: Block, name: &str) -> Option<Block> {
    let stmts: Vec<(Stmt, Option<TokenReference>)> =
        block.stmts_with_semicolon().cloned().collect();
    let mut last = block.last_stmt_with_semicolon().cloned();
    let count = stmts.len();
    let mut out = Vec::with_capacity(count);
    for (i, (stmt, semicolon)) in stmts.into_iter().enumerate() {
        let stmt = match stmt {
            Stmt::Goto(goto) if goto_target(&goto) == Some(name) => {
                if i + 1 != count || last.is_some() {
                    return None;
                }
                last = Some((LastStmt::Continue(continue_token(&goto)), semicolon));
                continue;
            }
            Stmt::Do(inner) => {
                let converted = convert(inner.block().clone(), name)?;
                Stmt::Do(Box::new(inner.with_block(converted)))
            }
            Stmt::If(inner) => Stmt::If(Box::new(convert_if(*inner, name)?)),
            other if jumps_to(&other, name) => return None,
            other => other,
        };
        out.push((stmt, semicolon));
    }
    Some(block.with_stmts(out).with_last_stmt(last))
}

fn convert_if(node: full_moon::ast::If, name: &str) -> Option<full_moon::ast::If> {
    let block = convert(node.block().clone(), name)?;
    let else_if = match node.else_if() {
        Some(list) => Some(
            list.iter()
                .map(|e| Some(e.clone().with_block(convert(e.block().clone(), name)?)))
                .collect::<Option<Vec<_>>>()?,
        ),
        None => None,
    };
    let else_block = match node.else_block() {
        Some(b) => Some(convert(b.clone(), name)?),
        None => None,
    };
    Some(
        node.with_block(block)
            .with_else_if(else_if)
            .with_else(else_block),
    )
}

fn goto_target(goto: &Goto) -> Option<&str> {
    name_of(goto.label_name())
}

/// `continue` with the trivia around `goto name`.
fn continue_token(goto: &Goto) -> TokenReference {
    TokenReference::new(
        goto.goto_token().leading_trivia().cloned().collect(),
        Token::new(TokenType::Identifier {
            identifier: "continue".into(),
        }),
        goto.label_name().trailing_trivia().cloned().collect(),
    )
}

/// Whether `stmt` holds a `goto name` (conservatively: anywhere inside it).
fn jumps_to(stmt: &Stmt, name: &str) -> bool {
    let mut finder = GotoFinder { name, found: false };
    stmt.visit(&mut finder);
    finder.found
}

struct GotoFinder<'a> {
    name: &'a str,
    found: bool,
}

impl Visitor for GotoFinder<'_> {
    fn visit_goto(&mut self, node: &Goto) {
        self.found |= goto_target(node) == Some(self.name);
    }
}
