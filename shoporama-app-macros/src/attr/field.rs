//! `#[field(...)]` on a settings field.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens as _, quote};
use syn::ext::IdentExt as _;
use syn::parse::ParseStream;
use syn::{Attribute, Lit, LitStr, Meta, Token};

use super::{Attr, parse_eq, parse_items, parse_lit, parse_str, unknown_key};
use crate::ctxt::Ctxt;
use crate::symbol::{DEFAULT, EXTERNAL, FIELD, FIELD_KEYS, LABEL, LIST, RENAME, RENAME_FROM};

const ATTRIBUTE: &str = "field";

/// A `default = …` literal, kept as written (with its spans) for the generated code.
pub(crate) struct DefaultLit {
    /// The literal's tokens (`"basic"`, `30`, `-1`, `true`).
    pub(crate) tokens: TokenStream,
    /// Where rustc reports a literal that does not fit the field's type.
    pub(crate) span: Span,
    /// The literal, when it is a string: checked at compile time against the field's kind
    /// (a colour's syntax, a list's keys).
    pub(crate) text: Option<LitStr>,
    /// The value, when it is an integer: checked at compile time against the range of the
    /// field's integer type.
    pub(crate) integer: Option<i128>,
}

/// Everything the `#[field(...)]` attributes of one field say.
#[derive(Default)]
pub(crate) struct Field {
    pub(crate) label: Option<LitStr>,
    pub(crate) default: Option<DefaultLit>,
    pub(crate) rename: Option<LitStr>,
    /// `rename_from = "old"`: the field's earlier variable name.
    pub(crate) rename_from: Option<LitStr>,
    pub(crate) external_list: Option<LitStr>,
}

impl Field {
    /// Parses every `#[field(...)]` among `attrs` (there may be several).
    pub(crate) fn from_attrs(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut label = Attr::none(ATTRIBUTE, LABEL);
        let mut default = Attr::none(ATTRIBUTE, DEFAULT);
        let mut rename = Attr::none(ATTRIBUTE, RENAME);
        let mut rename_from = Attr::none(ATTRIBUTE, RENAME_FROM);
        let mut list = Attr::none(ATTRIBUTE, LIST);

        for attr in attrs.iter().filter(|a| a.path().is_ident(FIELD.0)) {
            let Meta::List(meta) = &attr.meta else {
                cx.error_spanned_by(
                    attr,
                    "expected `#[field(...)]`, e.g. `#[field(label = \"…\")]`",
                );
                continue;
            };
            parse_items(cx, meta.tokens.clone(), |key, input| {
                if *key == LABEL {
                    // label = "Measurement ID"
                    let text = parse_str(key, input)?;
                    if text.value().trim().is_empty() {
                        cx.error_spanned_by(&text, "`label` must not be empty");
                    }
                    label.set(cx, key, text);
                } else if *key == DEFAULT {
                    // default = "basic" | 30 | -1 | true
                    default.set(cx, key, parse_default(key, input)?);
                } else if *key == RENAME {
                    // rename = "pixel_id"
                    rename.set(cx, key, parse_str(key, input)?);
                } else if *key == RENAME_FROM {
                    // rename_from = "measurement_id"
                    rename_from.set(cx, key, parse_str(key, input)?);
                } else if *key == LIST {
                    // list = external("warehouses")
                    list.set(cx, key, parse_list(cx, key, input)?);
                } else {
                    return Err(unknown_key(ATTRIBUTE, key, FIELD_KEYS));
                }
                Ok(())
            });
        }

        Self {
            label: label.get(),
            default: default.get(),
            rename: rename.get(),
            rename_from: rename_from.get(),
            external_list: list.get(),
        }
    }
}

fn parse_default(key: &Ident, input: ParseStream<'_>) -> syn::Result<DefaultLit> {
    const EXAMPLE: &str = "default = \"…\"` or `default = 30` or `default = true";
    parse_eq(key, input, EXAMPLE)?;
    let minus: Option<Token![-]> = input.parse()?;
    let lit = parse_lit(input, EXAMPLE)?;
    let fits = match &lit {
        Lit::Int(_) => true,
        Lit::Str(_) | Lit::Bool(_) => minus.is_none(),
        _ => false,
    };
    let tokens = quote!(#minus #lit);
    if !fits {
        return Err(syn::Error::new_spanned(
            tokens,
            "`default` must be a string literal (text, colour, rich text, code, list key), an integer literal or `true`/`false`",
        ));
    }
    let span = minus.map_or_else(|| lit.span(), |m| m.span);
    let integer = match &lit {
        Lit::Int(int) => {
            let magnitude = int.base10_parse::<i128>().map_err(|_| {
                syn::Error::new_spanned(&tokens, "`default` is too large for any integer field")
            })?;
            let value = if minus.is_some() {
                magnitude.checked_neg()
            } else {
                Some(magnitude)
            };
            Some(value.ok_or_else(|| {
                syn::Error::new_spanned(&tokens, "`default` is too large for any integer field")
            })?)
        }
        _ => None,
    };
    // The generated code passes integers as `i128`; its range check reports a value that
    // does not fit the field's type.
    let tokens = match integer {
        Some(value) => {
            let mut literal = proc_macro2::Literal::i128_suffixed(value);
            literal.set_span(span);
            literal.into_token_stream()
        }
        None => tokens,
    };
    let text = match lit {
        Lit::Str(text) => Some(text),
        _ => None,
    };
    Ok(DefaultLit {
        tokens,
        span,
        text,
        integer,
    })
}

fn parse_list(cx: &Ctxt, key: &Ident, input: ParseStream<'_>) -> syn::Result<LitStr> {
    const EXAMPLE: &str = "list = external(\"name\")";
    parse_eq(key, input, EXAMPLE)?;
    let kind = input.call(Ident::parse_any)?;
    if kind != EXTERNAL {
        return Err(syn::Error::new(
            kind.span(),
            "expected `list = external(\"name\")`; a list with fixed options is an enum with `#[derive(ListOptions)]` as the field's type",
        ));
    }
    if !input.peek(syn::token::Paren) {
        return Err(syn::Error::new(
            kind.span(),
            format!("expected `{EXAMPLE}`"),
        ));
    }
    let content;
    syn::parenthesized!(content in input);
    let name = match parse_lit(&content, EXAMPLE)? {
        Lit::Str(name) => name,
        other => {
            return Err(syn::Error::new(
                other.span(),
                format!("expected a string literal: `{EXAMPLE}`"),
            ));
        }
    };
    if !content.is_empty() {
        return Err(content.error(format!("expected only the list's name: `{EXAMPLE}`")));
    }
    let value = name.value();
    let url_safe = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !url_safe {
        cx.error_spanned_by(
            name.to_token_stream(),
            format!(
                "external list name `{value}` must be letters, digits, `_` or `-`: it is served at `/lists/{value}`"
            ),
        );
    }
    Ok(name)
}
