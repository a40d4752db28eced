//! Snippets: the manifest entries and the `include_bytes!` that makes an edited template
//! rebuild the crate.
//!
//! A snippet's code is, for now, its template file's or `source`'s text verbatim (Smarty with
//! `<{ }>` delimiters). [`code`] is the one place that turns a snippet into the code
//! expression, so rendering templates (askama with typed setting accessors) slots in there.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::LitStr;

use crate::ast::Container;
use crate::attr::snippet::{Snippet, SnippetCode};
use crate::case::camel_case;

/// `snippet(Placement::…, &[Page::…], code)` for each snippet, in the order written.
pub(super) fn entries(container: &Container<'_>) -> Vec<TokenStream> {
    let krate = &container.krate;
    let private = quote!(#krate::__private);
    container
        .app
        .snippets
        .iter()
        .map(|snippet| {
            let placement = format_ident!("{}", camel_case(snippet.placement));
            let pages = snippet
                .pages
                .iter()
                .map(|page| format_ident!("{}", camel_case(page)));
            let code = code(snippet);
            quote! {
                #private::snippet(
                    #private::Placement::#placement,
                    &[#(#private::Page::#pages),*],
                    #code,
                )
            }
        })
        .collect()
}

/// The snippet's code as an expression of type `&str`.
fn code(snippet: &Snippet) -> TokenStream {
    match &snippet.code {
        SnippetCode::Template { path, text, .. } => {
            let text = LitStr::new(text, path.span());
            quote!(#text)
        }
        SnippetCode::Source(source) => quote!(#source),
    }
}

/// `const _: &[u8] = include_bytes!("/abs/path");` for each template file read.
pub(super) fn includes(container: &Container<'_>) -> TokenStream {
    let krate = &container.krate;
    let files = container
        .app
        .snippets
        .iter()
        .filter_map(|snippet| match &snippet.code {
            SnippetCode::Template { resolved, .. } => Some(resolved.to_string_lossy().into_owned()),
            SnippetCode::Source(_) => None,
        });
    quote! {
        #(const _: &[#krate::__private::core::primitive::u8] = #krate::__private::core::include_bytes!(#files);)*
    }
}
