//! Attribute parsing, one file per attribute: `#[shoporama_app(...)]` ([`app`]),
//! `snippet(...)` inside it ([`snippet`]), `#[field(...)]` ([`field`]) and the variants'
//! `#[option(...)]` ([`option`]), plus `///` help text ([`doc`]).
//!
//! Parsing never stops at the first mistake: every key is parsed on its own, a key that fails
//! records its error in the [`Ctxt`] and parsing resumes after the next top-level comma.

pub(crate) mod app;
pub(crate) mod doc;
pub(crate) mod field;
pub(crate) mod option;
pub(crate) mod snippet;

use proc_macro2::{Ident, TokenStream, TokenTree};
use syn::ext::IdentExt as _;
use syn::parse::{ParseStream, Parser as _};
use syn::{Lit, LitStr, Token};

use crate::case::{one_of, with_suggestion};
use crate::ctxt::Ctxt;
use crate::symbol::Symbol;

/// One key's typed slot; reports a repeated key itself.
pub(crate) struct Attr<T> {
    attribute: &'static str,
    key: Symbol,
    value: Option<T>,
    written: bool,
}

impl<T> Attr<T> {
    pub(crate) fn none(attribute: &'static str, key: Symbol) -> Self {
        Self {
            attribute,
            key,
            value: None,
            written: false,
        }
    }

    /// Notes that the key was written, before its value is parsed: a required key whose value
    /// is wrong is reported once, for the value, not also as missing.
    pub(crate) fn written(&mut self) {
        self.written = true;
    }

    /// Whether the key was written, valid or not.
    pub(crate) fn was_written(&self) -> bool {
        self.written || self.value.is_some()
    }

    /// Sets the value; a second `key` is an error spanned on the repeat.
    pub(crate) fn set(&mut self, cx: &Ctxt, key: &Ident, value: T) {
        if self.value.is_some() {
            cx.error_at(
                key.span(),
                format!("duplicate {} attribute `{}`", self.attribute, self.key),
            );
        } else {
            self.value = Some(value);
        }
    }

    pub(crate) fn get(self) -> Option<T> {
        self.value
    }
}

/// Parses `key …, key …` from an attribute's token list.
pub(crate) fn parse_items(
    cx: &Ctxt,
    tokens: TokenStream,
    handler: impl FnMut(&Ident, ParseStream<'_>) -> syn::Result<()>,
) {
    let parser = |input: ParseStream<'_>| {
        parse_items_in(cx, input, handler);
        Ok(())
    };
    if let Err(error) = parser.parse2(tokens) {
        cx.syn_error(error);
    }
}

/// Parses `key …, key …` until `input` is exhausted; `handler` consumes what follows each key.
pub(crate) fn parse_items_in(
    cx: &Ctxt,
    input: ParseStream<'_>,
    mut handler: impl FnMut(&Ident, ParseStream<'_>) -> syn::Result<()>,
) {
    while !input.is_empty() {
        let parsed = input
            .call(Ident::parse_any)
            .and_then(|key| handler(&key, input));
        let parsed = parsed.and_then(|()| {
            if input.is_empty() || input.peek(Token![,]) {
                Ok(())
            } else {
                Err(input.error("expected `,`"))
            }
        });
        if let Err(error) = parsed {
            cx.syn_error(error);
            skip_past_comma(input);
        } else if input.parse::<Token![,]>().is_err() {
            // Only reached at the end of input.
            break;
        }
    }
}

/// Skips the rest of a failed item, including its comma.
fn skip_past_comma(input: ParseStream<'_>) {
    let _ = input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((tree, next)) = rest.token_tree() {
            rest = next;
            if matches!(&tree, TokenTree::Punct(p) if p.as_char() == ',') {
                break;
            }
        }
        Ok(((), rest))
    });
}

/// The error for a key that is not one of `valid`.
pub(crate) fn unknown_key(attribute: &str, key: &Ident, valid: &[Symbol]) -> syn::Error {
    let name = key.unraw().to_string();
    let message = format!(
        "unknown {attribute} attribute `{name}`, expected one of: {}",
        one_of(valid)
    );
    syn::Error::new(
        key.span(),
        with_suggestion(message, &name, valid.iter().map(|s| s.0)),
    )
}

/// Consumes `=`; `example` shows the expected syntax (`name = "…"`).
pub(crate) fn parse_eq(key: &Ident, input: ParseStream<'_>, example: &str) -> syn::Result<()> {
    if input.peek(Token![=]) {
        input.parse::<Token![=]>().map(drop)
    } else {
        Err(syn::Error::new(key.span(), format!("expected `{example}`")))
    }
}

/// Parses `= "…"`.
pub(crate) fn parse_str(key: &Ident, input: ParseStream<'_>) -> syn::Result<LitStr> {
    let example = format!("{key} = \"…\"");
    parse_eq(key, input, &example)?;
    match parse_lit(input, &example)? {
        Lit::Str(lit) => Ok(lit),
        other => Err(syn::Error::new(
            other.span(),
            format!("expected a string literal: `{example}`"),
        )),
    }
}

/// Parses a literal, with `example` in the error when there is none.
pub(crate) fn parse_lit(input: ParseStream<'_>, example: &str) -> syn::Result<Lit> {
    if input.peek(Lit) {
        input.parse()
    } else {
        Err(input.error(format!("expected a literal: `{example}`")))
    }
}

/// Parses `(a, b, c)`: identifiers, each checked by the caller. `what` names them in errors.
pub(crate) fn parse_ident_list(
    key: &Ident,
    input: ParseStream<'_>,
    what: &str,
) -> syn::Result<Vec<Ident>> {
    if !input.peek(syn::token::Paren) {
        return Err(syn::Error::new(
            key.span(),
            format!("expected `{key}(...)` with a list of {what}"),
        ));
    }
    let content;
    syn::parenthesized!(content in input);
    let mut idents = Vec::new();
    while !content.is_empty() {
        if content.peek(LitStr) {
            let lit: LitStr = content.parse()?;
            return Err(syn::Error::new(
                lit.span(),
                format!("write {what} without quotes: `{key}({})`", lit.value()),
            ));
        }
        idents.push(content.call(Ident::parse_any)?);
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(idents)
}
