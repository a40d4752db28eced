//! Code generation, one file per generated thing. Every function takes and returns
//! `proc_macro2::TokenStream`, so the generators run in ordinary unit tests.

mod events;
mod fallback;
mod list_options;
mod manifest;
pub(crate) mod migrations;
mod settings;
mod snippets;

#[cfg(test)]
mod tests;

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::quote;

use crate::ast::Container;
use crate::check;
use crate::ctxt::Ctxt;

pub(crate) use list_options::derive_list_options;

/// `#[shoporama_app(args)] item`: parse → check → expand, or the fallback with every error.
pub(crate) fn shoporama_app(args: TokenStream, item: &TokenStream) -> TokenStream {
    let parsed: syn::Item = match syn::parse2(item.clone()) {
        Ok(parsed) => parsed,
        // Not an item at all: rustc reports the syntax error on the original tokens.
        Err(error) => {
            let error = error.into_compile_error();
            return quote!(#item #error);
        }
    };
    let cx = Ctxt::new();
    let container = Container::from_item(&cx, args, &parsed);
    check::check(&cx, &container);
    match cx.check() {
        Ok(()) => settings::expand(&container),
        Err(errors) => fallback::expand(&container, &errors),
    }
}

/// `(&[events], &[webhooks], &[placements], &[pages])` as string slices.
pub(crate) fn wire_names() -> TokenStream {
    use crate::symbol::{EVENT_NAMES, PAGE_NAMES, PLACEMENTS, WEBHOOK_NAMES};
    let events = EVENT_NAMES.iter().map(|w| w.name);
    let webhooks = WEBHOOK_NAMES.iter().map(|w| w.name);
    let placements = PLACEMENTS.iter();
    let pages = PAGE_NAMES.iter();
    quote! {
        (
            &[#(#events),*] as &[&str],
            &[#(#webhooks),*] as &[&str],
            &[#(#placements),*] as &[&str],
            &[#(#pages),*] as &[&str],
        )
    }
}

/// `tokens` with every span set to `span`, so a bound built from our paths is reported at the
/// user's token it is about.
pub(crate) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let TokenTree::Group(group) = &tree {
                let mut respanned = Group::new(group.delimiter(), respan(group.stream(), span));
                respanned.set_span(span);
                tree = TokenTree::Group(respanned);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}
