//! `AppSettings::manifest()`: the app form's values, the fields in declaration order and the
//! snippets. Events and webhooks come from the event enum's `AppEvent` constants, so the
//! manifest and the enum cannot disagree.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use syn::LitStr;

use super::settings::default_fn_name;
use super::snippets;
use crate::ast::{Container, Field};

pub(super) fn manifest_fn(container: &Container<'_>) -> TokenStream {
    let private = container.private();
    let app = &container.app;
    let name = app.name.as_ref().map(LitStr::value).unwrap_or_default();
    let description = app
        .description
        .as_ref()
        .map(LitStr::value)
        .unwrap_or_default();
    let category = optional_str(&private, app.category.as_ref().map(LitStr::value));
    let callback_url = optional_str(&private, app.callback_url.as_ref().map(LitStr::value));
    let access = format_ident!(
        "{}",
        app.access.map_or("Read", crate::attr::app::Access::variant)
    );
    let price = Literal::u64_unsuffixed(app.monthly_price);
    let shops = app
        .allowed_shops
        .iter()
        .map(|id| Literal::u64_unsuffixed(*id));
    let fields = container
        .fields
        .iter()
        .map(|field| field_entry(&private, field));
    let snippets = snippets::entries(container);
    quote! {
        fn manifest() -> #private::AppManifest {
            #private::manifest::<Self>(
                #private::AppInfo {
                    name: #name,
                    description: #description,
                    category: #category,
                    access: #private::Access::#access,
                    monthly_price: #price,
                    callback_url: #callback_url,
                    allowed_shops: &[#(#shops),*],
                },
                #private::std::vec![#(#fields),*],
                #private::std::vec![#(#snippets),*],
            )
        }
    }
}

fn optional_str(private: &TokenStream, value: Option<String>) -> TokenStream {
    value.map_or_else(
        || quote!(#private::core::option::Option::None),
        |value| quote!(#private::core::option::Option::Some(#value)),
    )
}

/// `field::<T>(name, label, help)`, wrapped by `with_default` and `with_external_list`.
fn field_entry(private: &TokenStream, field: &Field<'_>) -> TokenStream {
    let ty = field.ty;
    let name = &field.wire_name;
    let label = &field.label;
    let help = optional_str(private, field.help.clone());
    let mut entry = quote!(#private::field::<#ty>(#name, #label, #help));
    if field.attrs.default.is_some() {
        let default = default_fn_name(field);
        entry = quote!(#private::with_default::<#ty>(#entry, #default()));
    }
    if let Some(old) = &field.attrs.rename_from {
        entry = quote!(#private::with_rename_from(#entry, &[#old]));
    }
    if let Some(list) = &field.attrs.external_list {
        entry = quote!(#private::with_external_list::<#ty>(#entry, #list));
    }
    entry
}
