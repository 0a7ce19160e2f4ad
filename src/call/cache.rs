//! The cif cache: one prepared [`Signature`] per function type, and per list of promoted
//! vararg types for variadic functions. Lookups never allocate.

use std::collections::HashMap;
use std::rc::Rc;

use super::class::{promoted_vararg, CallError};
use super::signature::Signature;
use crate::ctype::{CTypeId, Registry};

/// Prepared signatures of one Luau state, keyed by function type id.
#[derive(Default)]
pub struct CifCache {
    fixed: HashMap<CTypeId, Rc<Signature>>,
    /// Variadic functions: each prepared vararg list (few per function in practice).
    variadic: HashMap<CTypeId, Vec<Rc<Signature>>>,
}

impl CifCache {
    pub fn new() -> CifCache {
        CifCache::default()
    }

    /// The signature of a non-variadic call of `fn_type` (for a variadic function: the
    /// call with no extra arguments).
    pub fn signature(
        &mut self,
        reg: &Registry,
        fn_type: CTypeId,
    ) -> Result<Rc<Signature>, CallError> {
        if let Some(signature) = self.fixed.get(&fn_type) {
            return Ok(signature.clone());
        }
        let signature = Rc::new(Signature::prepare(reg, fn_type, &[])?);
        self.fixed.insert(fn_type, signature.clone());
        Ok(signature)
    }

    /// The signature of a call of variadic `fn_type` whose extra arguments have types
    /// `varargs` (LuaJIT's vararg conversions already applied by the caller; C's default
    /// promotions are applied here).
    pub fn variadic_signature(
        &mut self,
        reg: &Registry,
        fn_type: CTypeId,
        varargs: &[CTypeId],
    ) -> Result<Rc<Signature>, CallError> {
        let prepared = self.variadic.entry(fn_type).or_default();
        let matches = |signature: &Signature| {
            let extra = signature.arg_count() - signature.fixed_arg_count();
            extra == varargs.len()
                && varargs.iter().enumerate().all(|(k, &t)| {
                    signature.arg_type(signature.fixed_arg_count() + k) == promoted_vararg(reg, t)
                })
        };
        if let Some(signature) = prepared.iter().find(|s| matches(s)) {
            return Ok(signature.clone());
        }
        let signature = Rc::new(Signature::prepare(reg, fn_type, varargs)?);
        prepared.push(signature.clone());
        Ok(signature)
    }

    /// Number of prepared signatures.
    pub fn len(&self) -> usize {
        self.fixed.len() + self.variadic.values().map(Vec::len).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every prepared signature (calls in progress keep theirs alive).
    pub fn clear(&mut self) {
        self.fixed.clear();
        self.variadic.clear();
    }
}
