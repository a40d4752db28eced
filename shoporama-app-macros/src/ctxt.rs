//! The error context: every parser and check reports into one [`Ctxt`], so all mistakes in a
//! settings struct are shown at once, each at its own span.

use std::cell::RefCell;
use std::fmt::Display;
use std::thread;

use proc_macro2::Span;
use quote::ToTokens;

/// Collects errors while parsing and checking; must be consumed by [`Ctxt::check`].
pub(crate) struct Ctxt {
    // `None` once checked.
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Self {
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    /// An error spanning the tokens of `object`.
    pub(crate) fn error_spanned_by<A: ToTokens, T: Display>(&self, object: A, message: T) {
        self.syn_error(syn::Error::new_spanned(object.into_token_stream(), message));
    }

    /// An error at `span`.
    pub(crate) fn error_at<T: Display>(&self, span: Span, message: T) {
        self.syn_error(syn::Error::new(span, message));
    }

    /// An error from `syn`'s parsers (or built elsewhere).
    pub(crate) fn syn_error(&self, error: syn::Error) {
        if let Some(errors) = self.errors.borrow_mut().as_mut() {
            errors.push(error);
        }
    }

    /// All errors, combined into one, or `Ok` when there were none.
    pub(crate) fn check(self) -> Result<(), syn::Error> {
        let errors = self.errors.borrow_mut().take().unwrap_or_default();
        let mut errors = errors.into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            combined.combine(error);
        }
        Err(combined)
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        // A bug in the macro, never a user mistake: errors would be silently lost.
        assert!(
            thread::panicking() || self.errors.borrow().is_none(),
            "shoporama-app-macros: Ctxt dropped without check()"
        );
    }
}
