//! [`Customer`] and [`CustomerUpdate`].

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::lenient;

/// A customer account. Shoporama publishes no customer JSON; the names follow the checkout
/// form and the order's fields, with aliases for the likely variants, and everything else is
/// kept in [`Customer::extra`].
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Customer {
    /// The customer's id.
    #[serde(deserialize_with = "lenient::id")]
    pub customer_id: u64,
    /// E-mail address.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub email: Option<String>,
    /// Full name.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub name: Option<String>,
    /// Company name.
    #[serde(default, alias = "company", deserialize_with = "lenient::opt_text")]
    pub company_name: Option<String>,
    /// Street address.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub address: Option<String>,
    /// Postal code (text: it may have letters or leading zeros).
    #[serde(default, alias = "zip", deserialize_with = "lenient::opt_text")]
    pub zipcode: Option<String>,
    /// City.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub city: Option<String>,
    /// Country.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub country_id: Option<u64>,
    /// Phone number.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub phone: Option<String>,
    /// EAN number (public-sector invoicing).
    #[serde(default, alias = "ean", deserialize_with = "lenient::opt_text")]
    pub ean_number: Option<String>,
    /// VAT / CVR number.
    #[serde(default, alias = "cvr", deserialize_with = "lenient::opt_text")]
    pub vat_number: Option<String>,
    /// Whether the customer subscribed to the newsletter.
    #[serde(default, with = "lenient::as_opt_flag")]
    pub newsletter: Option<bool>,
    /// When the account was created.
    #[serde(default, with = "lenient::as_opt_datetime")]
    pub created: Option<NaiveDateTime>,
    /// When it last changed.
    #[serde(default, with = "lenient::as_opt_datetime")]
    pub last_modified: Option<NaiveDateTime>,
    /// Every field not named above, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

update_type! {
    /// The fields to create a customer with, or to change on one (only `Some` fields are sent).
    pub struct CustomerUpdate {
        /// E-mail address.
        pub email: Option<String>,
        /// Full name.
        pub name: Option<String>,
        /// Company name.
        pub company_name: Option<String>,
        /// Street address.
        pub address: Option<String>,
        /// Postal code.
        pub zipcode: Option<String>,
        /// City.
        pub city: Option<String>,
        /// Country.
        pub country_id: Option<u64>,
        /// Phone number.
        pub phone: Option<String>,
        /// Newsletter subscription.
        #[serde(serialize_with = "lenient::ser_opt_flag")]
        pub newsletter: Option<bool>,
    }
}
