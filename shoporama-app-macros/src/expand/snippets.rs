//! Snippets: askama templates rendered into the manifest's Smarty code, and the
//! `include_bytes!` that makes an edited template rebuild the crate.
//!
//! For a struct with snippets this generates, inside the expansion's `const _` block:
//!
//! - `<Struct>Vars`, one typed reference per field (`<T as SnippetVar>::Var`, or a
//!   `ListVar<String>` for an external list), named as the field so that templates write
//!   `{{ app.measurement_id.js() }}`;
//! - per snippet, a tuple struct deriving askama's `Template` (`source` = the template's text,
//!   `ext = "txt"`: no escaping, the references escape by context) around a
//!   `Scope<<Struct>Vars>`, which it dereferences to, so `app`, `order`, `line`, `smarty`, …
//!   resolve in the template.
//!
//! The manifest's code is that template rendered. [`check`](crate::check) has already
//! reported every `app.<name>` that is not a field, so rustc's own "no field" error only
//! shows for references the scan cannot see.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::LitStr;
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;

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
        .enumerate()
        .map(|(index, snippet)| {
            let placement = format_ident!("{}", camel_case(snippet.placement));
            let pages = snippet
                .pages
                .iter()
                .map(|page| format_ident!("{}", camel_case(page)));
            let code = code(container, index);
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

/// The name of the settings references struct: `<Struct>Vars`.
fn vars_ident(container: &Container<'_>) -> Ident {
    let name = container
        .ident
        .map_or_else(|| "Settings".to_owned(), |i| i.unraw().to_string());
    format_ident!("{}Vars", name)
}

/// The name of snippet `index`'s template struct.
fn template_ident(index: usize) -> Ident {
    format_ident!("__ShoporamaSnippet{}", index)
}

/// Snippet `index`'s code: its template rendered, as a `&str` expression.
fn code(container: &Container<'_>, index: usize) -> TokenStream {
    let private = {
        let krate = &container.krate;
        quote!(#krate::__private)
    };
    let template = template_ident(index);
    let vars = vars_ident(container);
    quote!(&#private::render_snippet(&#template(#private::Scope::new(#vars::__new()))))
}

/// The text of a snippet's template and the literal errors point at.
pub(crate) fn template_text(snippet: &Snippet) -> (String, &LitStr) {
    match &snippet.code {
        SnippetCode::Template { path, text, .. } => (text.clone(), path),
        SnippetCode::Source(source) => (source.value(), source),
    }
}

/// The references struct and one template struct per snippet; nothing without snippets.
pub(super) fn templates(container: &Container<'_>) -> TokenStream {
    if container.app.snippets.is_empty() {
        return TokenStream::new();
    }
    let krate = &container.krate;
    let private = quote!(#krate::__private);
    let vars = vars_ident(container);
    let fields = container.fields.iter().map(|field| {
        let ident = field.ident;
        let ty = field.ty;
        let var = if field.attrs.external_list.is_some() {
            quote!(#private::ListVar<#private::std::string::String>)
        } else {
            // Spanned on the field's type: a type with no reference type is reported there.
            quote_spanned!(ty.span()=> <#ty as #private::SnippetVar>::Var)
        };
        quote!(#ident: #var)
    });
    let inits = container.fields.iter().map(|field| {
        let ident = field.ident;
        let wire = &field.wire_name;
        quote!(#ident: #private::FromSetting::from_setting(#wire))
    });
    let templates = container
        .app
        .snippets
        .iter()
        .enumerate()
        .map(|(index, snippet)| {
            let template = template_ident(index);
            let (text, literal) = template_text(snippet);
            let source = LitStr::new(&text, literal.span());
            quote! {
                #[derive(#private::askama::Template)]
                #[template(source = #source, ext = "txt", askama = #private::askama)]
                struct #template(#private::Scope<#vars>);

                #[automatically_derived]
                impl #private::core::ops::Deref for #template {
                    type Target = #private::Scope<#vars>;

                    fn deref(&self) -> &Self::Target {
                        &self.0
                    }
                }
            }
        });
    quote! {
        /// The settings as snippet templates see them: `app.<field>`.
        #[allow(dead_code)]
        struct #vars {
            #(#fields,)*
        }

        impl #vars {
            fn __new() -> Self {
                Self { #(#inits,)* }
            }
        }

        #(#templates)*
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

/// Every `app.<name>` an askama template reads inside `{{ … }}` and `{% … %}`, outside string
/// literals, in order, without repeats.
pub(crate) fn app_references(template: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find(['{']) {
        let after = &rest[open + 1..];
        let close = match after.chars().next() {
            Some('{') => "}}",
            Some('%') => "%}",
            _ => {
                rest = after;
                continue;
            }
        };
        let body_start = &after[1..];
        let end = body_start.find(close).unwrap_or(body_start.len());
        for name in expression_references(&body_start[..end]) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        rest = &body_start[end..];
    }
    names
}

/// The `app.<name>` references of one askama expression or statement.
fn expression_references(expression: &str) -> Vec<String> {
    let chars: Vec<char> = expression.chars().collect();
    let mut names = Vec::new();
    let mut i = 0;
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    while i < chars.len() {
        let c = chars[i];
        if c == '"' || c == '\'' {
            i += 1;
            while i < chars.len() && chars[i] != c {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            continue;
        }
        let starts_word =
            i == 0 || !(is_ident(chars[i - 1]) || chars[i - 1] == '.' || chars[i - 1] == ':');
        if starts_word
            && chars[i..].starts_with(&['a', 'p', 'p'])
            && !chars.get(i + 3).copied().is_some_and(is_ident)
        {
            let mut j = i + 3;
            while chars.get(j).is_some_and(|c| c.is_whitespace()) {
                j += 1;
            }
            if chars.get(j) == Some(&'.') {
                j += 1;
                while chars.get(j).is_some_and(|c| c.is_whitespace()) {
                    j += 1;
                }
                let start = j;
                while chars.get(j).copied().is_some_and(is_ident) {
                    j += 1;
                }
                if j > start {
                    names.push(chars[start..j].iter().collect());
                }
            }
            i = j.max(i + 3);
            continue;
        }
        i += 1;
    }
    names
}

#[cfg(test)]
mod tests {
    use super::app_references;

    #[test]
    fn finds_app_references_in_expressions_only() {
        let template = r#"<script>var app = {x: 1}; app.x</script>{{ app.measurement_id.js() }}
{% if true %}{{ app . enabled }}{% endif %}{{ "app.not_this" }}{{ myapp.y }}{{ app.measurement_id }}
{{ app.consent.if_is(Consent::Full) }}{{ x.app.z }}"#;
        assert_eq!(
            app_references(template),
            ["measurement_id", "enabled", "consent"]
        );
    }
}
