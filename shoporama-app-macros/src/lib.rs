//! Implementation detail of `shoporama-app`: use the macros through `shoporama_app`, where
//! they are documented.
//!
//! Layout (that of `serde_derive`): `attr` parses the attributes and `ast` builds the model,
//! collecting every error in a `ctxt::Ctxt`; `check` runs the cross-cutting checks;
//! `expand` generates the code, or, after any error, the fallback that keeps the rest of the
//! crate compiling.

mod ast;
mod attr;
mod case;
mod check;
mod ctxt;
mod expand;
mod symbol;

use proc_macro::TokenStream;

// Documented on the re-export, `shoporama_app::shoporama_app`.
#[proc_macro_attribute]
pub fn shoporama_app(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::shoporama_app(args.into(), &item.into()).into()
}

// Documented on the re-export, `shoporama_app::ListOptions`.
#[proc_macro_derive(ListOptions, attributes(option))]
pub fn derive_list_options(item: TokenStream) -> TokenStream {
    expand::derive_list_options(item.into()).into()
}

/// The macros' tables of wire names, as `(events, webhooks, placements, pages)`; a test
/// proves they equal the runtime's `EventName::ALL`, `WebhookName::ALL`, `Placement::ALL`
/// and `Page::ALL`.
#[doc(hidden)]
#[proc_macro]
pub fn __wire_names(_input: TokenStream) -> TokenStream {
    expand::wire_names().into()
}

/// Embeds an app's migration directories as an `AppMigrations`; used through
/// `shoporama_app::migrations!`, which passes its own path first: `(path, "dir")`.
#[doc(hidden)]
#[proc_macro]
pub fn __embed_migrations(input: TokenStream) -> TokenStream {
    expand::migrations::embed(input.into()).into()
}
