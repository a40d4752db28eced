//! Build Shoporama Apps in Rust.
#![forbid(unsafe_code)]

extern crate self as shoporama_app;

// pending: pub mod app;
pub mod callback;
// pending: pub mod cli;
pub mod config;
pub mod events;
pub mod fields;
pub mod manifest;
// pending: pub mod rest;
pub mod secret;
// pending: pub mod server;
pub mod settings;
pub mod snippet;
pub mod store;
pub mod testing;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use config::Config;
pub use fields::{Code, Color, FieldValues, ListOptions, RichText};
pub use manifest::AppManifest;
pub use settings::AppSettings;
pub use shoporama_app_macros::shoporama_app;
/// Derives [`ListOptions`](trait@fields::ListOptions) for an enum whose variants are a list
/// field's fixed options.
pub use shoporama_app_macros::ListOptions;

/// The names most apps need: `use shoporama_app::prelude::*;`.
pub mod prelude {
    pub use crate::events::{
        AppEvent, BasketEvent, CategoryEvent, CheckoutView, CustomerEvent, LabelEvent, NewsletterEvent, OrderEvent,
        ProductEvent, StockEvent,
    };
    pub use crate::fields::{Code, Color, FieldValues, ListOptions, RichText};
    pub use crate::settings::AppSettings;
    pub use crate::shoporama_app;
}
