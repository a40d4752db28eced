//! [`Product`] (as `GET /REST/product` returns it) and [`ProductUpdate`].

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{ExtensionField, lenient};

/// A product, as the platform returns it.
///
/// Modelled on a real `GET /REST/product` answer: ids arrive as ints or strings
/// (`main_category_id` is a string), flags as `0`/`1`, datetimes as local
/// `"YYYY-MM-DD HH:MM:SS"`, unset values as `null`, `""` or `false`. Fields not named here
/// (`tariff_code`, `bundle`, `html_fields`, …) are kept in [`Product::extra`]. Serializing
/// writes the platform's forms back (`0`/`1`, the datetime format).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[allow(clippy::struct_excessive_bools)] // the platform's own 0/1 flags, one field each
pub struct Product {
    /// The product's id.
    #[serde(deserialize_with = "lenient::id")]
    pub product_id: u64,
    /// The shop's own SKU (`own_id`).
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub own_id: Option<String>,
    /// A second SKU.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub sec_own_id: Option<String>,
    /// GTIN / EAN barcode.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub gtin: Option<String>,
    /// Manufacturer part number.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub mpn: Option<String>,
    /// Product profile (attribute set).
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub profile_id: Option<u64>,
    /// Supplier.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub supplier_id: Option<u64>,
    /// Manufacturer.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub manufacturer_id: Option<u64>,
    /// Brand.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub brand_id: Option<u64>,
    /// Main category (sent as a string).
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub main_category_id: Option<u64>,
    /// The main category's name, when the platform includes it.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub main_category_name: Option<String>,
    /// The name.
    #[serde(default, deserialize_with = "lenient::text")]
    pub name: String,
    /// The description (HTML).
    #[serde(default, deserialize_with = "lenient::text")]
    pub description: String,
    /// The short description for lists.
    #[serde(default, deserialize_with = "lenient::text")]
    pub list_description: String,
    /// The URL slug.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub rewrite_url: Option<String>,
    /// The product page's full URL.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub url: Option<String>,
    /// The price (incl. VAT, in the shop's currency).
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub price: Option<f64>,
    /// The sale price, when on sale.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub sale_price: Option<f64>,
    /// The purchase (cost) price.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub purchase_price: Option<f64>,
    /// VAT rate, when it differs from the shop's.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub vat: Option<f64>,
    /// A fixed shipping price.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub shipping: Option<f64>,
    /// Shipping weight.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub shipping_weight: Option<f64>,
    /// Weight.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub weight: Option<f64>,
    /// Items in stock, when the platform includes it.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub in_stock: Option<i64>,
    /// Stock level that triggers a low-stock notice.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub min_stock_value: Option<i64>,
    /// Whether the product is online.
    #[serde(default, with = "lenient::as_flag")]
    pub is_online: bool,
    /// Whether search engines are told not to index it.
    #[serde(default, with = "lenient::as_flag")]
    pub no_index: bool,
    /// Whether free-shipping rules never apply.
    #[serde(default, with = "lenient::as_flag")]
    pub never_free_shipping: bool,
    /// Whether it can be sold below zero stock.
    #[serde(default, with = "lenient::as_flag")]
    pub allow_negative_stock: bool,
    /// Whether it goes offline when sold out.
    #[serde(default, with = "lenient::as_flag")]
    pub auto_offline: bool,
    /// Whether it is hidden from the shop's own search.
    #[serde(default, with = "lenient::as_flag")]
    pub no_internal_search: bool,
    /// Whether it cannot be bought.
    #[serde(default, with = "lenient::as_flag")]
    pub no_shopping: bool,
    /// Delivery time text when in stock.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub delivery_time: Option<String>,
    /// Delivery time text when not in stock.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub delivery_time_not_in_stock: Option<String>,
    /// SEO title.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub meta_title: Option<String>,
    /// SEO description.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub meta_description: Option<String>,
    /// When it was created (shop-local time).
    #[serde(default, with = "lenient::as_opt_datetime")]
    pub created: Option<NaiveDateTime>,
    /// When it went online.
    #[serde(default, with = "lenient::as_opt_datetime")]
    pub online_since: Option<NaiveDateTime>,
    /// When it last changed (what `last_modified` filters on).
    #[serde(default, with = "lenient::as_opt_datetime")]
    pub last_modified: Option<NaiveDateTime>,
    /// When it was removed, if it was.
    #[serde(default, with = "lenient::as_opt_datetime")]
    pub removed_on: Option<NaiveDateTime>,
    /// Every category it is in.
    #[serde(default, deserialize_with = "lenient::id_list")]
    pub categories: Vec<u64>,
    /// Related products.
    #[serde(default, deserialize_with = "lenient::id_list")]
    pub related: Vec<u64>,
    /// Similar products.
    #[serde(default, deserialize_with = "lenient::id_list")]
    pub similar: Vec<u64>,
    /// Images, in order.
    #[serde(default, deserialize_with = "lenient::list")]
    pub images: Vec<ProductImage>,
    /// The shop's custom fields.
    #[serde(default, deserialize_with = "lenient::list")]
    pub extension_data: Vec<ExtensionField>,
    /// Attribute values (`[{attribute_id, value}]`), as sent.
    #[serde(default, deserialize_with = "lenient::list")]
    pub attributes: Vec<Value>,
    /// Per-variant stock settings (`[{attribute_id, attribute_value_id, own_id, …}]`), as sent.
    #[serde(default, deserialize_with = "lenient::list")]
    pub stock_settings: Vec<Value>,
    /// Every field not named above, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A product image.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct ProductImage {
    /// The image's id (sent as a string).
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub image_id: Option<u64>,
    /// Sort weight (sent as a string).
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub weight: Option<i64>,
    /// The variant it shows, if any.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub variant_name: Option<String>,
    /// Alt text.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub description: Option<String>,
    /// The image's URL.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub url: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Product {
    /// The price a customer pays now: the sale price when set, else the price.
    pub fn current_price(&self) -> Option<f64> {
        self.sale_price.or(self.price)
    }

    /// The value of custom field `id`, when set.
    pub fn extension(&self, id: &str) -> Option<&Value> {
        self.extension_data
            .iter()
            .find(|field| field.id == id)
            .and_then(|field| field.value.as_ref())
    }
}

update_type! {
    /// The fields to create a product with, or to change on one (`PUT` is a partial update:
    /// only fields that are `Some` are sent; the rest are left as they are).
    ///
    /// ```
    /// use shoporama_app::rest::ProductUpdate;
    /// let update = ProductUpdate { price: Some(199.0), is_online: Some(false), ..Default::default() }
    ///     .set("tariff_code", "61091000");
    /// assert_eq!(serde_json::to_value(&update).ok(),
    ///            Some(serde_json::json!({"price": 199.0, "is_online": 0, "tariff_code": "61091000"})));
    /// ```
    ///
    /// To clear a field, [`set`](Self::set) it to `""` (Shoporama's "unset").
    pub struct ProductUpdate {
        /// The name.
        pub name: Option<String>,
        /// The description (HTML).
        pub description: Option<String>,
        /// The short description for lists.
        pub list_description: Option<String>,
        /// The shop's own SKU.
        pub own_id: Option<String>,
        /// A second SKU.
        pub sec_own_id: Option<String>,
        /// The price.
        pub price: Option<f64>,
        /// The sale price.
        pub sale_price: Option<f64>,
        /// The VAT rate.
        pub vat: Option<f64>,
        /// Shipping weight.
        pub shipping_weight: Option<f64>,
        /// Supplier.
        pub supplier_id: Option<u64>,
        /// Brand.
        pub brand_id: Option<u64>,
        /// Product profile.
        pub profile_id: Option<u64>,
        /// Main category.
        pub main_category_id: Option<u64>,
        /// Every category (replaces the list).
        pub categories: Option<Vec<u64>>,
        /// Online or not.
        #[serde(serialize_with = "lenient::ser_opt_flag")]
        pub is_online: Option<bool>,
        /// Offline when sold out.
        #[serde(serialize_with = "lenient::ser_opt_flag")]
        pub auto_offline: Option<bool>,
        /// Sellable below zero stock.
        #[serde(serialize_with = "lenient::ser_opt_flag")]
        pub allow_negative_stock: Option<bool>,
        /// Hidden from search engines.
        #[serde(serialize_with = "lenient::ser_opt_flag")]
        pub no_index: Option<bool>,
        /// Delivery time text.
        pub delivery_time: Option<String>,
        /// URL slug.
        pub rewrite_url: Option<String>,
        /// SEO title.
        pub meta_title: Option<String>,
        /// SEO description.
        pub meta_description: Option<String>,
    }
}
