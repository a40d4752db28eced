//! Test kits: [`SimulatedShop`] plays Shoporama's callbacks against an app, in process or
//! over HTTP.

// pending: mod simulated_shop;
pub mod store_conformance;

// pending: pub use simulated_shop::{SimResponse, SimulatedShop, sample_body, sample_fields};
