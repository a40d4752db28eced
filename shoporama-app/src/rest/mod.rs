//! A typed client for Shoporama's REST API.
//!
//! One [`ShopClient`] talks to one shop with that shop's token (`Authorization: Shoporama
//! <token>`); an [`AppStatusClient`] asks the platform which shops have the app installed
//! (`Authorization: App <token>`). Both are built from a [`RestConfig`], which carries the
//! base URL, User-Agent, timeout, [`RetryPolicy`], [`PacingPolicy`], page size and the shared
//! `reqwest::Client` (one connection pool for every shop of the app). Cloning a client is
//! cheap: handlers get theirs from `Shop::rest()`.
//!
//! ```no_run
//! # async fn demo(client: shoporama_app::rest::ShopClient) -> Result<(), shoporama_app::rest::RestError> {
//! use futures::TryStreamExt;
//! use shoporama_app::rest::{ListQuery, ProductUpdate};
//!
//! let product = client.products().get(3042680).await?;
//! client.products().update(product.product_id, &ProductUpdate { price: Some(199.0), ..Default::default() }).await?;
//!
//! let mut changed = client.products().list(ListQuery::new().last_modified_since(
//!     chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default().and_hms_opt(0, 0, 0).unwrap_or_default(),
//! ));
//! while let Some(product) = changed.try_next().await? {
//!     println!("{} {}", product.product_id, product.name);
//! }
//! # Ok(()) }
//! ```
//!
//! # What the client guarantees
//! - **Budget.** Every HTTP request (retries included) is counted against the shop's
//!   [`Budget`] (the token's daily limit and usage, from the install and update callbacks).
//!   A call that would go beyond the limit is not sent: it fails with
//!   [`RestError::BudgetExhausted`]. See [`PacingPolicy`] for how calls are spread over the day.
//! - **Retries.** GET, PUT and DELETE are retried on 429, 5xx, timeouts and connection
//!   failures, with exponential backoff and jitter; `Retry-After` (in seconds) is honoured.
//!   POST and PATCH are never retried, and no other 4xx is. See [`RetryPolicy`].
//! - **Errors** keep the status and the body, JSON or plain text (`410 Gone`): [`RestError`].
//! - **Cost.** [`Resource::plan`] says what a listing will take in calls (from
//!   `paging.total`) against what the budget has left today, before a long job starts.
//! - **Lists** are streams over `limit`/`offset` pages that hold one page in memory:
//!   [`ListStream`], whose documentation says exactly when paging stops.
//! - **Models**: every resource is typed ([`Product`], [`Order`], [`Category`], [`Customer`],
//!   [`Stock`], [`Supplier`], [`Voucher`], … see [`ResourceKind`]); each reads Shoporama's
//!   loosely typed JSON leniently ([`lenient`]) and keeps unknown fields in `extra`. The raw
//!   JSON stays available ([`ShopClient::resource`], [`ShopClient::get_json`]).
//! - Tokens never appear in `Debug` output, logs or errors.
//!
//! [`testing::fake_shoporama`](crate::testing::fake_shoporama) serves this API from memory
//! for tests and local development.

mod app_status;
mod auth;
mod budget;
mod client;
mod config;
pub(crate) mod countries;
mod error;
pub mod lenient;
pub mod models;
mod paging;
mod plan;
mod reconcile;
mod resources;
mod retry;

pub use app_status::{AppStatus, AppStatusClient, AppStatusShop};
pub use auth::AuthScheme;
pub use budget::{Budget, BudgetStatus, PacingPolicy};
pub(crate) use budget::{ledger_key, seconds_until_budget_day_ends};
pub use client::ShopClient;
pub use config::{
    DEFAULT_BASE_URL, DEFAULT_COUNTRY_CACHE_TTL, DEFAULT_PAGE_SIZE, DEFAULT_TIMEOUT,
    FRAMEWORK_AGENT, RestConfig, UpdateMethod,
};
pub use countries::{Countries, Country, country_code};
pub use error::{ApiError, ErrorBody, RestError};
pub use models::{
    Address, BlogPost, Brand, Category, CategoryUpdate, Customer, CustomerUpdate, ExtensionField,
    LandingPage, LineAttribute, Manufacturer, Menu, MenuItem, Order, OrderLine, OrderReturn,
    OrderUpdate, PaymentGateway, Product, ProductImage, ProductUpdate, Profile, ProfileAttribute,
    ProfileAttributeValue, Redirect, Shipping, ShopCountry, StaticPage, Stock, StockUpdate,
    Supplier, Voucher, Webhook, Webshop,
};
pub use paging::{ListQuery, ListReport, ListStream, Page, Paging, StopReason};
pub use plan::ListPlan;
pub use reconcile::{ReconcileError, Reconciliation, reconcile};
pub use resources::{Resource, ResourceKind, WriteOutcome};
pub use retry::RetryPolicy;
