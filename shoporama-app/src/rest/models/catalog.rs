//! The catalog's other resources: [`Brand`], [`Manufacturer`], [`Supplier`], and product
//! profiles ([`Profile`], [`ProfileAttribute`], [`ProfileAttributeValue`]).

use chrono::NaiveDateTime;
use serde_json::Value;

use super::lenient;

model! {
    /// A brand (`/REST/brand`; products name it by `brand_id`).
    pub struct Brand {
        /// The brand's id.
        pub brand_id: u64,
        /// The name.
        pub name: String,
        /// The brand page's URL slug.
        pub rewrite_url: Option<String>,
        /// The brand's description (HTML).
        pub description: Option<String>,
        /// Images, as sent.
        pub images: Vec<Value>,
        /// When it last changed.
        pub last_modified: Option<NaiveDateTime>,
    }
}

model! {
    /// A manufacturer (`/REST/manufacturer`; products name it by `manufacturer_id`).
    pub struct Manufacturer {
        /// The manufacturer's id.
        pub manufacturer_id: u64,
        /// The name.
        pub name: String,
        /// Contact e-mail (product safety).
        pub email: Option<String>,
        /// Postal address (product safety).
        pub address: Option<String>,
        /// When it last changed.
        pub last_modified: Option<NaiveDateTime>,
    }
}

model! {
    /// A supplier (`/REST/supplier`). The platform sends every field as a string
    /// (`"supplier_id": "11002"`, `"is_removed": "0"`).
    pub struct Supplier {
        /// The supplier's id.
        pub supplier_id: u64,
        /// The name.
        pub name: String,
        /// Whether it was removed.
        pub is_removed: bool,
        /// The supplier's web address.
        pub link_to: Option<String>,
        /// Where drop-shipping orders are mailed.
        pub dropshipping_mail: Option<String>,
        /// When it last changed.
        pub last_modified: Option<NaiveDateTime>,
    }
}

model! {
    /// A product profile (`/REST/profile`): the set of attributes (size, colour, …) its
    /// products have.
    pub struct Profile {
        /// The profile's id.
        pub profile_id: u64,
        /// The name.
        pub name: String,
        /// Its attributes, as sent (read them typed from `/REST/profile-attribute`).
        pub attributes: Vec<Value>,
        /// When it last changed.
        pub last_modified: Option<NaiveDateTime>,
    }
}

model! {
    /// An attribute of a product profile (`/REST/profile-attribute`), e.g. `Størrelse`.
    pub struct ProfileAttribute {
        /// The attribute's id.
        pub attribute_id: u64,
        /// The profile it belongs to.
        pub profile_id: Option<u64>,
        /// The name.
        pub name: String,
        /// How its values are entered (`valuelist`, `text`, …).
        pub data_type: Option<String>,
        /// Whether products vary by it (variants with their own stock).
        pub is_variant: bool,
        /// Sort weight.
        pub weight: Option<i64>,
        /// When it last changed.
        pub last_modified: Option<NaiveDateTime>,
    }
}

model! {
    /// One value of a profile attribute (`/REST/profile-attribute-value`), e.g. `XL`.
    pub struct ProfileAttributeValue {
        /// The value's id (what variants and stock levels name).
        pub attribute_value_id: u64,
        /// The attribute it belongs to.
        pub attribute_id: Option<u64>,
        /// The value.
        pub val: String,
        /// Sort weight.
        pub weight: Option<i64>,
        /// When it last changed.
        pub last_modified: Option<NaiveDateTime>,
    }
}
