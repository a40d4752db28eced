//! Implementation detail of `shoporama-app`.

use proc_macro::TokenStream;

/// See `shoporama_app::shoporama_app`.
#[proc_macro_attribute]
pub fn shoporama_app(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}

/// See `shoporama_app::ListOptions`.
#[proc_macro_derive(ListOptions, attributes(option))]
pub fn derive_list_options(_item: TokenStream) -> TokenStream {
    TokenStream::new()
}
