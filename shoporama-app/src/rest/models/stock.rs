//! [`Stock`] (a stock level) and [`StockUpdate`].

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::lenient;

/// A stock level: of a product, or of one variant of it (`attribute_value_id`).
///
/// Shoporama does not publish the stock JSON. The level is read from `stock`, or from
/// `amount`, `in_stock` or `quantity` when the platform names it so; everything else is
/// kept in [`Stock::extra`].
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Stock {
    /// The product.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub product_id: Option<u64>,
    /// The product's (or variant's) SKU.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub own_id: Option<String>,
    /// The variant's attribute value, if this is a variant's level.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub attribute_value_id: Option<u64>,
    /// Items in stock (may be negative when negative stock is allowed).
    #[serde(
        default,
        alias = "amount",
        alias = "in_stock",
        alias = "quantity",
        deserialize_with = "lenient::opt_int"
    )]
    pub stock: Option<i64>,
    /// Every field not named above, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

update_type! {
    /// A new stock level, sent with `PUT /REST/stock` ([`ShopClient::set_stock`]): identify the
    /// product by `product_id` or `own_id`, a variant by `attribute_value_id` too.
    ///
    /// [`ShopClient::set_stock`]: crate::rest::ShopClient::set_stock
    pub struct StockUpdate {
        /// The product.
        pub product_id: Option<u64>,
        /// The product's (or variant's) SKU.
        pub own_id: Option<String>,
        /// The variant.
        pub attribute_value_id: Option<u64>,
        /// The new level.
        pub stock: Option<i64>,
    }
}

impl StockUpdate {
    /// The level of `product_id` (no variant) becomes `stock`.
    pub fn product(product_id: u64, stock: i64) -> Self {
        Self {
            product_id: Some(product_id),
            stock: Some(stock),
            ..Self::default()
        }
    }

    /// The level of one variant of `product_id` becomes `stock`.
    pub fn variant(product_id: u64, attribute_value_id: u64, stock: i64) -> Self {
        Self {
            attribute_value_id: Some(attribute_value_id),
            ..Self::product(product_id, stock)
        }
    }
}
