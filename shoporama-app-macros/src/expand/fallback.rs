//! What is emitted when the macro reports errors: the errors, the user's item (without our
//! helper attributes) and stand-ins for everything it would have generated, so the rest of
//! the crate still type-checks and IDE completion keeps working. No cascade of "cannot find
//! type `SettingsEvent`" or "`Settings: AppSettings` is not satisfied" follows.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::ext::IdentExt as _;

use super::events;
use crate::ast::{Container, Shape};

pub(super) fn expand(container: &Container<'_>, errors: &syn::Error) -> TokenStream {
    let errors = errors.to_compile_error();
    let stripped = &container.stripped;
    let Some(ident) = container.ident else {
        return quote!(#errors #stripped);
    };
    if container.shape == Shape::Foreign {
        return quote!(#errors #stripped);
    }
    // The event enum keeps every name that parsed, so `match` arms for them still resolve.
    let event_enum = match &container.event_enum {
        Some(name) if name != ident => name.clone(),
        _ => format_ident!("{}Event", ident.unraw(), span = ident.span()),
    };
    let private = container.private();
    let event_enum_def = events::enum_definition(container, &event_enum);
    let event_impl = events::app_event_impl(container, &event_enum);
    let unreachable = quote! {
        #private::core::unreachable!("#[shoporama_app] reported errors for this struct")
    };
    quote! {
        #errors

        #stripped

        #event_enum_def

        const _: () = {
            #[automatically_derived]
            impl #private::AppSettings for #ident {
                type Event = #event_enum;

                fn manifest() -> #private::AppManifest {
                    #unreachable
                }

                fn from_fields(
                    _: &#private::FieldValues,
                ) -> #private::core::result::Result<Self, #private::SettingsError> {
                    #unreachable
                }

                fn to_fields(&self) -> #private::FieldValues {
                    #unreachable
                }
            }

            #event_impl
        };
    }
}
