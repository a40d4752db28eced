//! The resources around an order: [`OrderReturn`], [`Voucher`], [`Shipping`],
//! [`PaymentGateway`] and the shop's [`ShopCountry`] table.

use chrono::NaiveDateTime;
use serde_json::Value;

use super::lenient;

model! {
    /// A return of (part of) an order (`/REST/order-return`).
    pub struct OrderReturn {
        /// The return's id.
        pub order_return_id: u64,
        /// The order returned.
        pub order_id: Option<u64>,
        /// The status (`new`, …).
        pub status: Option<String>,
        /// The customer's comment.
        pub comment: Option<String>,
        /// The amount refunded.
        pub amount: Option<f64>,
        /// The lines returned, as sent.
        pub products: Vec<Value>,
        /// When it was registered.
        pub created: Option<NaiveDateTime>,
        /// When it last changed.
        pub last_modified: Option<NaiveDateTime>,
    }
}

model! {
    /// A discount code (`/REST/voucher`).
    pub struct Voucher {
        /// The voucher's id.
        pub voucher_id: u64,
        /// The code customers type.
        pub code: String,
        /// A discount in percent.
        pub percent_discount: Option<f64>,
        /// A discount as an amount.
        pub price_discount: Option<f64>,
        /// Whether it gives free shipping.
        pub free_shipping: bool,
        /// Whether it is active.
        pub is_active: Option<bool>,
        /// From when it is valid.
        pub valid_from: Option<NaiveDateTime>,
        /// Until when it is valid.
        pub valid_to: Option<NaiveDateTime>,
        /// When it last changed.
        pub last_modified: Option<NaiveDateTime>,
    }
}

model! {
    /// A delivery method (`/REST/shipping`).
    pub struct Shipping {
        /// The method's id (orders name it by `shipping_id`).
        pub shipping_id: u64,
        /// The name.
        pub name: String,
        /// The carrier module (`gls`, `postnord`, …).
        pub module: Option<String>,
        /// The price.
        pub cost: Option<f64>,
        /// The order total above which it is free.
        pub free_above: Option<f64>,
        /// When it last changed.
        pub last_modified: Option<NaiveDateTime>,
    }
}

model! {
    /// A payment gateway (`/REST/payment-gateway`).
    pub struct PaymentGateway {
        /// The gateway's id (orders name it by `payment_gateway_id`).
        pub payment_gateway_id: u64,
        /// The name (`QuickPay`).
        pub name: String,
        /// The gateway module (`quickpay`, `epay`, …).
        pub module: Option<String>,
        /// Whether it is active.
        pub is_active: Option<bool>,
    }
}

model! {
    /// A country of the shop's own table (`/REST/country`), as orders' `*_country_id` name
    /// it. [`ShopClient::country_table`](crate::rest::ShopClient::country_table) reads it
    /// into ISO codes.
    pub struct ShopCountry {
        /// The shop's id of the country.
        pub country_id: u64,
        /// The name as the shop writes it (`Danmark`).
        pub name: String,
        /// The ISO code, when the item has one.
        pub code: Option<String>,
    }
}
