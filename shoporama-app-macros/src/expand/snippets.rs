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
//! The manifest's code is that template rendered, once per process (a `static OnceLock`):
//! `manifest()` runs at start-up, for `doctor` and on the list route, and the code never
//! changes. [`check`](crate::check) has already reported every `app.<name>` that is not a
//! field, so rustc's own "no field" error only shows for references the scan cannot see.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::LitStr;
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;

use crate::ast::Container;
use crate::attr::snippet::SnippetCode;
use crate::case::camel_case;

/// The askama macros every snippet template can call as blocks, each printing the Smarty
/// block around the body:
///
/// - `{% call when(cond) %}…{% endcall %}`: `<{if …}>…<{/if}>`, for any condition an accessor
///   gives (`app.enabled.is_on()`, `app.banner.is_set()`, `app.consent.equals(…)`,
///   `order.is_present()`); `{{ smarty.else_() }}` inside makes an `<{else}>`. Inside a
///   `when`, nest `{% call and_when(cond) %}` (askama does not let a macro call itself).
/// - `{% call each(order.lines()) %}…{% endcall %}`: the loop, the body once per element.
/// - `{% call each_with_commas(order.lines()) %}…{% endcall %}`: the same, with `,` between
///   elements (JavaScript arrays, JSON).
///
/// Each definition prints nothing; they sit on one line after the author's text.
pub(super) const BLOCKS: &str = concat!(
    "{% macro when(condition) %}{{ condition }}{{ caller() }}<{/if}>{% endmacro %}",
    "{% macro and_when(condition) %}{{ condition }}{{ caller() }}<{/if}>{% endmacro %}",
    "{% macro each(rows) %}{{ rows.begin() }}{{ caller() }}{{ rows.end() }}{% endmacro %}",
    "{% macro each_with_commas(rows) %}{{ rows.begin() }}{{ caller() }}{{ rows.comma() }}{{ rows.end() }}{% endmacro %}",
);

/// The template's text with [`BLOCKS`] defined after it, so that askama's line numbers in
/// errors stay the author's; before a final line break, which askama drops from the output
/// as it did before.
pub(super) fn with_blocks(text: &str) -> String {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let (body, end) = match body.strip_suffix('\r') {
        Some(body) if text.ends_with('\n') => (body, "\r\n"),
        _ if text.ends_with('\n') => (body, "\n"),
        _ => (text, ""),
    };
    format!("{body}{BLOCKS}{end}")
}

/// `snippet(Placement::…, &[Page::…], code)` for each snippet, in the order written.
pub(super) fn entries(container: &Container<'_>) -> Vec<TokenStream> {
    let private = container.private();
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

/// Snippet `index`'s code: its template rendered on first use, as a `&str` expression.
fn code(container: &Container<'_>, index: usize) -> TokenStream {
    let private = container.private();
    let template = template_ident(index);
    let vars = vars_ident(container);
    quote! {{
        static CODE: #private::std::sync::OnceLock<#private::std::string::String> =
            #private::std::sync::OnceLock::new();
        CODE.get_or_init(|| {
            #private::render_snippet(&#template(#private::Scope::new(#vars::__new())))
        })
    }}
}

/// The references struct and one template struct per snippet; nothing without snippets.
pub(super) fn templates(container: &Container<'_>) -> TokenStream {
    if container.app.snippets.is_empty() {
        return TokenStream::new();
    }
    let private = container.private();
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
    // Every reference falls back to the field's default, so a shop that never saved the form
    // renders what the settings parser would read.
    let inits = container.fields.iter().map(|field| {
        let ident = field.ident;
        let wire = &field.wire_name;
        if field.attrs.default.is_some() {
            let ty = field.ty;
            let default = super::settings::default_fn_name(field);
            quote! {
                #ident: #private::FromSetting::from_setting_with_default(
                    #wire,
                    &#private::default_value::<#ty>(#default()),
                )
            }
        } else {
            quote!(#ident: #private::FromSetting::from_setting(#wire))
        }
    });
    let templates = container
        .app
        .snippets
        .iter()
        .enumerate()
        .map(|(index, snippet)| {
            let template = template_ident(index);
            let (text, literal) = snippet.text();
            let source = LitStr::new(&with_blocks(&text), literal.span());
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
    let private = container.private();
    let files = container
        .app
        .snippets
        .iter()
        .filter_map(|snippet| match &snippet.code {
            SnippetCode::Template { resolved, .. } => Some(resolved.to_string_lossy().into_owned()),
            SnippetCode::Source(_) => None,
        });
    quote! {
        #(const _: &[#private::core::primitive::u8] = #private::core::include_bytes!(#files);)*
    }
}
