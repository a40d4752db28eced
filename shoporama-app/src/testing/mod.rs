//! Test kits: [`SimulatedShop`] plays Shoporama's callbacks against an app, in process or
//! over HTTP.

pub mod fake_shoporama;
mod simulated_shop;
pub mod skip;
pub mod store_conformance;

pub use fake_shoporama::FakeShoporama;
pub use simulated_shop::{
    SAMPLE_CATEGORY_ID, SAMPLE_CUSTOMER_ID, SAMPLE_ORDER_ID, SAMPLE_PRODUCT_ID, SAMPLE_REST_TOKEN,
    SAMPLE_RETURN_ID, SimResponse, SimulatedShop, sample_body, sample_fields, sample_webhook_body,
};
