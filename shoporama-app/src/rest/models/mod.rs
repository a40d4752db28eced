//! Typed models of the resources apps use most, read leniently (see
//! [`lenient`]), with every field the model does not name kept in `extra`;
//! and their update types, which send only the fields that are set.
//!
//! Field names follow Shoporama's JSON. The shapes of product and category come from real
//! responses; order, customer and stock are modelled from the platform's templates and
//! writable-field lists, so their `extra` maps matter more.

mod category;
mod customer;
mod order;
mod product;
mod stock;

pub use category::{Category, CategoryUpdate};
pub use customer::{Customer, CustomerUpdate};
pub use order::{Address, LineAttribute, Order, OrderLine, OrderUpdate};
pub use product::{Product, ProductImage, ProductUpdate};
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

/// Adds `key: value` to an update's `extra` map (shared by the update types' `set`).
fn set_extra(extra: &mut Map<String, Value>, key: impl Into<String>, value: impl Into<Value>) {
    extra.insert(key.into(), value.into());
}
