//! The e-conomic Shoporama app: paid orders become invoices in e-conomic, exactly once.
//!
//! This crate holds the e-conomic side:
//!
//! * [`client`]: a typed e-conomic REST client (auth headers, no-null documents, e-conomic's
//!   error bodies, retries of idempotent calls, pagination, `references.other` lookups);
//! * [`invoice`]: pure mapping of an order into a draft invoice (VAT-exclusive two-decimal
//!   prices, shipping and discount lines, VAT zone by country, reconciled totals);
//! * [`standin`]: a local in-memory e-conomic for tests and development (also the
//!   `economic-standin` binary);
//! * [`money`], [`model`], [`query`], [`error`]: the pieces they share.
//!
//! Tokens are the framework's [`Secret`](shoporama_app::secret::Secret): `Debug` and `Display`
//! print `***`.

pub mod app;
pub mod client;
pub mod error;
pub mod invoice;
pub mod model;
pub mod money;
pub mod query;
pub mod standin;

pub use client::{Client, ClientConfig, ExistingInvoice, RetryPolicy};
pub use error::{ApiError, ApiErrorBody, Error, FieldError};
pub use money::{Money, Quantity, VatRate};
