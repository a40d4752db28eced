//! Typed models of every resource, read leniently (see [`lenient`]), with every field the
//! model does not name kept in `extra`; and the update types of the resources whose writes
//! Shoporama documents (product, category, customer, order, stock), which send only the
//! fields that are set.
//!
//! Field names follow Shoporama's JSON. The shapes of product, category and supplier come
//! from real responses; order, customer and stock are modelled from the platform's templates
//! and writable-field lists, and the others from its template objects (`getCode`,
//! `getPercentDiscount`, …), so their `extra` maps matter more.

/// Declares an update type: every field an `Option`, sent only when `Some`; an `extra` map for
/// the fields not named, sent as given; and `set(key, value)` to fill it.
macro_rules! update_type {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$field_meta:meta])* pub $field:ident: $ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
        pub struct $name {
            $(
                $(#[$field_meta])*
                #[serde(skip_serializing_if = "Option::is_none")]
                pub $field: $ty,
            )*
            /// Any other field, sent as given.
            #[serde(flatten)]
            pub extra: serde_json::Map<String, serde_json::Value>,
        }

        impl $name {
            /// Sets any field by its JSON name (one not modelled above, or `""` to clear one).
            #[must_use]
            pub fn set(
                mut self,
                key: impl Into<String>,
                value: impl Into<serde_json::Value>,
            ) -> Self {
                self.extra.insert(key.into(), value.into());
                self
            }
        }
    };
}

/// Declares a typed model of one resource: its required id first, then one line a field, each
/// read leniently and written in the platform's forms by its type
/// ([`lenient::field`](super::lenient::field)); every field not named is kept in `extra`.
macro_rules! model {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(#[$id_meta:meta])* pub $id:ident: u64,
            $( $(#[$field_meta:meta])* pub $field:ident: $ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default, serde::Deserialize, serde::Serialize)]
        #[allow(clippy::struct_excessive_bools)] // the platform's own 0/1 flags, one field each
        pub struct $name {
            $(#[$id_meta])*
            #[serde(with = "lenient::field")]
            pub $id: u64,
            $(
                $(#[$field_meta])*
                #[serde(default, with = "lenient::field")]
                pub $field: $ty,
            )*
            /// Every field not named above, as sent.
            #[serde(flatten)]
            pub extra: serde_json::Map<String, serde_json::Value>,
        }

        impl lenient::field::ListItem for $name {}
    };
}

mod catalog;
mod category;
mod content;
mod customer;
mod order;
mod product;
mod sales;
mod stock;

pub use catalog::{
    Brand, Manufacturer, Profile, ProfileAttribute, ProfileAttributeValue, Supplier,
};
pub use category::{Category, CategoryUpdate};
pub use content::{BlogPost, LandingPage, Menu, MenuItem, Redirect, StaticPage, Webhook, Webshop};
pub use customer::{Customer, CustomerUpdate};
pub use order::{Address, LineAttribute, Order, OrderLine, OrderUpdate};
pub use product::{Product, ProductImage, ProductUpdate};
pub use sales::{OrderReturn, PaymentGateway, Shipping, ShopCountry, Voucher};
pub use stock::{Stock, StockUpdate};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::lenient;

/// A custom field a shop added to products or categories (`extension_data`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct ExtensionField {
    /// The field's key, e.g. `youtube_video_id`.
    #[serde(default, deserialize_with = "lenient::text")]
    pub id: String,
    /// The label shown in the admin.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub title: Option<String>,
    /// The field type (`text`, …).
    #[serde(rename = "type", default, deserialize_with = "lenient::opt_text")]
    pub kind: Option<String>,
    /// The value; `None` when unset (Shoporama sends `false`).
    #[serde(default, deserialize_with = "lenient::opt_value")]
    pub value: Option<Value>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl lenient::field::ListItem for ExtensionField {}
