//! [`Category`] and [`CategoryUpdate`].

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{ExtensionField, lenient};

/// A product category. The platform sends every scalar of a category as a string
/// (`"category_id": "158266"`, `"is_online": "1"`); the lenient readers accept either.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[allow(clippy::struct_excessive_bools)] // the platform's own 0/1 flags, one field each
pub struct Category {
    /// The category's id.
    #[serde(deserialize_with = "lenient::id")]
    pub category_id: u64,
    /// The parent category; `Some(0)` or `None` for a top-level category (see
    /// [`Category::parent`]).
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub parent_id: Option<u64>,
    /// The name.
    #[serde(default, deserialize_with = "lenient::text")]
    pub name: String,
    /// Whether it is online.
    #[serde(default, with = "lenient::as_flag")]
    pub is_online: bool,
    /// Whether it is shown in the menu.
    #[serde(default, with = "lenient::as_flag")]
    pub in_menu: bool,
    /// Whether it is shown on the front page.
    #[serde(default, with = "lenient::as_flag")]
    pub is_front: bool,
    /// Whether it was removed.
    #[serde(default, with = "lenient::as_flag")]
    pub is_removed: bool,
    /// Whether search engines are told not to index it.
    #[serde(default, with = "lenient::as_flag")]
    pub no_index: bool,
    /// Whether it is hidden from the shop's own search.
    #[serde(default, with = "lenient::as_flag")]
    pub no_internal_search: bool,
    /// The text above the products (HTML).
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub description_a: Option<String>,
    /// The text below the products (HTML).
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub description_b: Option<String>,
    /// SEO title.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub meta_title: Option<String>,
    /// SEO description.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub meta_description: Option<String>,
    /// The URL slug.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub rewrite_url: Option<String>,
    /// The category page's full URL.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub url: Option<String>,
    /// Sort order among siblings.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub sort_order: Option<i64>,
    /// Sort weight.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub weight: Option<i64>,
    /// When it last changed.
    #[serde(default, with = "lenient::as_opt_datetime")]
    pub last_modified: Option<NaiveDateTime>,
    /// Images, as sent.
    #[serde(default, deserialize_with = "lenient::list")]
    pub images: Vec<Value>,
    /// The shop's custom fields.
    #[serde(default, deserialize_with = "lenient::list")]
    pub extension_data: Vec<ExtensionField>,
    /// Every field not named above, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Category {
    /// The parent category, `None` for a top-level one (`parent_id` unset or `0`).
    pub fn parent(&self) -> Option<u64> {
        self.parent_id.filter(|id| *id != 0)
    }
}

update_type! {
    /// The fields to create a category with, or to change on one (only `Some` fields are sent).
    pub struct CategoryUpdate {
        /// The name.
        pub name: Option<String>,
        /// The parent (`0` for top level).
        pub parent_id: Option<u64>,
        /// Online or not.
        #[serde(serialize_with = "lenient::ser_opt_flag")]
        pub is_online: Option<bool>,
        /// Shown in the menu.
        #[serde(serialize_with = "lenient::ser_opt_flag")]
        pub in_menu: Option<bool>,
        /// The text above the products.
        pub description_a: Option<String>,
        /// The text below the products.
        pub description_b: Option<String>,
        /// SEO title.
        pub meta_title: Option<String>,
        /// SEO description.
        pub meta_description: Option<String>,
        /// URL slug.
        pub rewrite_url: Option<String>,
        /// Sort order.
        pub sort_order: Option<i64>,
    }
}
