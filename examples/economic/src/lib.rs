//! The e-conomic Shoporama app: paid orders become invoices in e-conomic, exactly once.
//!
//! This crate holds the app ([`app`]: each order's transfer is the framework's keyed effect,
//! so it happens once) and the e-conomic side:
//!
//! * [`client`]: a typed e-conomic REST client (auth headers, no-null documents, e-conomic's
//!   error bodies, retries of idempotent calls, pagination, `references.other` lookups);
//! * [`order`]: pure mapping of a Shoporama REST order into the invoice's input (lines, VAT
//!   rates, addresses, countries, the invoice date in the shop's time zone);
//! * [`invoice`]: pure mapping of that input into a draft invoice and debtor (VAT-exclusive
//!   two-decimal prices, shipping and discount lines, VAT zone by country and buyer, OSS
//!   rates, e-conomic's field limits, reconciled totals);
//! * [`catalogue`]: which lines e-conomic sells, creating a SKU it lacks as a product in the
//!   chosen product group (else the fallback product);
//! * [`standin`]: a local in-memory e-conomic for tests and development (also the
//!   `economic-standin` binary);
//! * [`money`], [`model`], [`query`], [`error`]: the pieces they share.
//!
//! Tokens are the framework's [`Secret`](shoporama_app::secret::Secret): `Debug` and `Display`
//! print `***`.

pub mod app;
pub mod catalogue;
pub mod client;
pub mod error;
pub mod invoice;
pub mod model;
pub mod money;
pub mod order;
pub mod query;
pub mod standin;

pub use client::{Client, ClientConfig, ExistingInvoice, RetryPolicy};
pub use error::{ApiError, ApiErrorBody, Error, FieldError};
pub use money::{Money, Quantity, VatRate};
