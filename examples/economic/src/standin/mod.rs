//! A local, in-memory e-conomic for tests and development (economic-api.md §(b)).
//!
//! [`StandIn::start`] binds `127.0.0.1:0` and serves:
//!
//! | route | answer |
//! |---|---|
//! | `GET /self` | the agreement |
//! | `GET /customers`, `GET /customers/:n`, `POST /customers` | debtors |
//! | `GET /customer-groups`, `/product-groups`, `/vat-zones`, `/payment-terms`, `/layouts`, `/units` | seeded lists |
//! | `GET /products`, `GET /products/:productNumber` (self-link encoded), `POST /products` | products |
//! | `GET /invoices/drafts`, `GET /invoices/drafts/:n`, `POST /invoices/drafts` | drafts |
//! | `GET /invoices/booked`, `GET /invoices/booked/:n`, `POST /invoices/booked` | booking |
//!
//! e-conomic's rules it enforces: both token headers (401 with the generic error body
//! otherwise); the `demo`/`demo` tokens (or `?demo=true`) are read-only, and any write with
//! them answers **403** (the stand-in's choice: e-conomic documents the rule, not the status);
//! creates answer 201 with the resource and a `Location` header; every write is checked
//! against e-conomic's published request schema (below); collections page with
//! `skippages`/`pagesize` (default 20, at most 1000) and filter with
//! `$eq:`/`$ne:`/`$gt(e):`/`$lt(e):`/`$like:`
//! joined by `$and:`/`$or:` on each collection's filterable properties (400 otherwise,
//! including `references.other` on drafts and booked invoices); booking a draft moves it to
//! the booked invoices with the next invoice number.
//!
//! # Request validation
//!
//! `POST /customers`, `POST /products`, `POST /invoices/drafts` and `POST /invoices/booked` are
//! checked against e-conomic's published schemas (`customers.post.schema.json`,
//! `products.post.schema.json`, `invoices.drafts.post.schema.json`,
//! `invoices.booked.post.schema.json`), held as tables in
//! `schema.rs` with the source of every rule: required properties, JSON types, lengths
//! (counted in Unicode code points, as JSON Schema counts them: an emoji is one character),
//! minimum/maximum, decimals, enumerations, `full-date`/`uri` formats and patterns, and
//! `vatNumber`, which only agreements in Sweden, the UK, Germany, Poland and Finland have
//! ([`StandInConfig::agreement_country`], `DK` by default). Then come the checks a schema
//! cannot express: references must exist (`E06000`), a new product's number must be free, a product needs a `productNumber` or
//! `self` (`E04500`), a line with a product needs a quantity (`E04730`) and a description, line
//! amounts have at most two decimals (`E04740`), `dueDate` is mandatory with payment
//! terms of type `dueDate`, and booking with `sendBy: ean` needs a Danish agreement, an EAN on
//! the customer and a contact person on the invoice. A JSON `null` anywhere is refused too.
//!
//! Every violation of a body is reported at once, in e-conomic's annotated form: a 400
//! `Validation error.` whose `errors` mirrors the request, each failing property holding
//! `{"errors": [{"errorCode", "message", "value", "developerHint"}]}` and array items their
//! `arrayIndex`. The four codes above are e-conomic's documented ones; every other code
//! ([`codes`]: `E00100` required, `E00110` null, `E00120` type/format/pattern/value, `E00130`
//! length or range, `E00140` number in use, `E00150` not available on this agreement) is the
//! stand-in's choice, because e-conomic does not document its codes for those violations.
//! A few older checks that no published source states are kept and marked `[stand-in]` where
//! they are made: a discount from 0 to 100 %, line amounts up to 10^12, required names not
//! blank, a customer's VAT zone enabled for customers, a chosen customer number free,
//! `bookWithNumber` positive and unused.
//!
//! Simplifications (the stand-in's choices): VAT is 25 % in VAT zone 1 and 0 % elsewhere;
//! exchange rates are fixed (unless a draft gives `exchangeRate`); `sort` is ignored
//! (collections are sorted by number); contacts, employees, projects, delivery locations and
//! departmental distributions are not modelled, so references to them are only checked
//! against the schema.
//!
//! Tests steer it with [`StandIn::faults`] (429 with `Retry-After`, 500, or slowness for the
//! next N requests, optionally only on one route) and read it with the counters
//! ([`StandIn::request_count`], [`StandIn::invoices_created`], [`StandIn::requests`]).

mod api;
mod filter;
mod reply;
mod schema;

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::client::ClientConfig;
use crate::money::Money;

pub use reply::codes;

/// The token pair that opens e-conomic's read-only demo agreement.
pub const DEMO_TOKEN: &str = "demo";

/// The stand-in's agreement and tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandInConfig {
    /// The accepted `X-AppSecretToken`.
    pub app_secret_token: String,
    /// The accepted `X-AgreementGrantToken`.
    pub agreement_grant_token: String,
    /// The agreement number `GET /self` reports.
    pub agreement_number: u64,
    /// The company name `GET /self` reports.
    pub company_name: String,
    /// The agreement's country (ISO 3166-1 alpha-2, `DK`). e-conomic gives some properties to
    /// some countries' agreements only: a customer's `vatNumber` exists for agreements in
    /// Sweden, the UK, Germany, Poland and Finland, and EAN invoices (`sendBy: ean`) for Danish
    /// ones.
    pub agreement_country: String,
}

impl Default for StandInConfig {
    fn default() -> Self {
        Self {
            app_secret_token: "standin-app-secret".to_owned(),
            agreement_grant_token: "standin-grant".to_owned(),
            agreement_number: 1_234_567,
            company_name: "Stand-in ApS".to_owned(),
            agreement_country: "DK".to_owned(),
        }
    }
}

/// What a fault does to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer 429 with `Retry-After` (whole seconds, rounded up) and the generic error body.
    TooManyRequests {
        /// The advertised wait.
        retry_after: Duration,
    },
    /// Answer 500 with the generic error body, without processing the request.
    ServerError,
    /// Wait, then process the request normally (a client that times out still causes the
    /// effect: the realistic "lost answer" case).
    Delay(Duration),
}

/// A fault for the next `times` matching requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// What happens.
    pub fault: Fault,
    /// For how many matching requests.
    pub times: usize,
    /// Only this method (`"POST"`), if set.
    pub method: Option<String>,
    /// Only this route template (`"/invoices/drafts"`, `"/customers/{customerNumber}"`), if set.
    pub route: Option<String>,
}

impl FaultRule {
    /// A fault for the next request of any route.
    pub fn new(fault: Fault) -> Self {
        Self {
            fault,
            times: 1,
            method: None,
            route: None,
        }
    }

    /// For the next `times` matching requests.
    #[must_use]
    pub fn times(mut self, times: usize) -> Self {
        self.times = times;
        self
    }

    /// Only requests with this method and route template.
    #[must_use]
    pub fn on(mut self, method: &str, route: &str) -> Self {
        self.method = Some(method.to_ascii_uppercase());
        self.route = Some(route.to_owned());
        self
    }

    fn applies_to(&self, method: &str, route: &str) -> bool {
        self.times > 0
            && self.method.as_deref().is_none_or(|wanted| wanted == method)
            && self.route.as_deref().is_none_or(|wanted| wanted == route)
    }
}

/// One request the stand-in received.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path as sent.
    pub path: String,
    /// The raw query string.
    pub query: Option<String>,
    /// The route template it matched (`/invoices/drafts/{draftInvoiceNumber}`), or `(unknown)`.
    pub route: String,
    /// The status answered.
    pub status: u16,
    /// The JSON body, if there was one and it parsed.
    pub body: Option<Value>,
}

/// The stand-in's mutable world.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) base_url: String,
    pub(crate) config: StandInConfig,
    pub(crate) state: Mutex<api::World>,
}

impl Shared {
    pub(crate) fn world(&self) -> MutexGuard<'_, api::World> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Switches that make the stand-in misbehave for the next requests.
#[derive(Debug, Clone)]
pub struct Faults {
    shared: Arc<Shared>,
}

impl Faults {
    /// Adds a rule; rules are consumed in the order added.
    pub fn add(&self, rule: FaultRule) {
        self.shared.world().faults.push(rule);
    }

    /// The next `times` requests answer 429 with `Retry-After`.
    pub fn too_many_requests(&self, times: usize, retry_after: Duration) {
        self.add(FaultRule::new(Fault::TooManyRequests { retry_after }).times(times));
    }

    /// The next `times` requests answer 500.
    pub fn server_errors(&self, times: usize) {
        self.add(FaultRule::new(Fault::ServerError).times(times));
    }

    /// The next `times` requests are delayed by `delay`, then processed.
    pub fn slow(&self, times: usize, delay: Duration) {
        self.add(FaultRule::new(Fault::Delay(delay)).times(times));
    }

    /// How many faulty answers are still pending.
    pub fn pending(&self) -> usize {
        self.shared
            .world()
            .faults
            .iter()
            .map(|rule| rule.times)
            .sum()
    }

    /// Drops every pending fault.
    pub fn clear(&self) {
        self.shared.world().faults.clear();
    }
}

/// A running stand-in. Dropping it stops the server.
#[derive(Debug)]
pub struct StandIn {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl StandIn {
    /// Starts on `127.0.0.1:0` with the default tokens.
    pub async fn start() -> io::Result<Self> {
        Self::bind(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            StandInConfig::default(),
        )
        .await
    }

    /// Starts on `addr` with `config`.
    pub async fn bind(addr: SocketAddr, config: StandInConfig) -> io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let shared = Arc::new(Shared {
            state: Mutex::new(api::World::seeded(&base_url)),
            base_url,
            config,
        });
        let router = api::router(Arc::clone(&shared));
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, router).with_graceful_shutdown(async move {
                // Either an explicit shutdown or the handle being dropped.
                let _ = stopped.await;
            });
            if let Err(error) = serve.await {
                tracing::error!(%error, "e-conomic stand-in stopped");
            }
        });
        Ok(Self {
            addr,
            shared,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The tokens and agreement.
    pub fn config(&self) -> &StandInConfig {
        &self.shared.config
    }

    /// A client configuration pointed at this stand-in with its tokens.
    pub fn client_config(&self) -> ClientConfig {
        ClientConfig::new(
            self.shared.config.app_secret_token.as_str(),
            self.shared.config.agreement_grant_token.as_str(),
        )
        .with_base_url(self.base_url())
    }

    /// The fault switches.
    pub fn faults(&self) -> Faults {
        Faults {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.world().requests.clone()
    }

    /// How many requests hit `method route` (`"POST", "/invoices/drafts"`), faulty ones included.
    pub fn request_count(&self, method: &str, route: &str) -> usize {
        let key = format!("{} {route}", method.to_ascii_uppercase());
        self.shared
            .world()
            .route_counts
            .get(&key)
            .copied()
            .unwrap_or(0)
    }

    /// Requests per `"METHOD /route"`.
    pub fn route_counts(&self) -> BTreeMap<String, usize> {
        self.shared.world().route_counts.clone()
    }

    /// Draft invoices successfully created (201) so far: "exactly one invoice" is this equal
    /// to one.
    pub fn invoices_created(&self) -> usize {
        self.shared.world().drafts_created
    }

    /// Drafts successfully booked so far.
    pub fn invoices_booked(&self) -> usize {
        self.shared.world().booked_created
    }

    /// Customers created through `POST /customers` so far.
    pub fn customers_created(&self) -> usize {
        self.shared.world().customers_created
    }

    /// Products created through `POST /products` so far.
    pub fn products_created(&self) -> usize {
        self.shared.world().products_created
    }

    /// The product numbered `product_number`, as served (`None`: e-conomic has none).
    pub fn product(&self, product_number: &str) -> Option<Value> {
        self.shared.world().products.get(product_number).cloned()
    }

    /// The current drafts, as served.
    pub fn drafts(&self) -> Vec<Value> {
        self.shared.world().drafts.values().cloned().collect()
    }

    /// The booked invoices, as served.
    pub fn booked_invoices(&self) -> Vec<Value> {
        self.shared.world().booked.values().cloned().collect()
    }

    /// The customers, as served.
    pub fn customers(&self) -> Vec<Value> {
        self.shared.world().customers.values().cloned().collect()
    }

    /// Adds (or replaces) a product.
    pub fn add_product(&self, product_number: &str, name: &str, sales_price: Money) {
        let base_url = self.shared.base_url.clone();
        self.shared
            .world()
            .put_product(&base_url, product_number, name, sales_price);
    }

    /// Adds (or replaces) a layout; `deleted` ones are listed but refused on drafts.
    pub fn add_layout(&self, layout_number: u32, name: &str, deleted: bool) {
        let base_url = self.shared.base_url.clone();
        self.shared
            .world()
            .put_layout(&base_url, layout_number, name, deleted);
    }

    /// Adds (or replaces) payment terms; `kind` is e-conomic's `paymentTermsType` (`net`,
    /// `invoiceMonth`, `prepaid`, `dueDate`, …).
    pub fn add_payment_terms(&self, number: u32, name: &str, kind: &str, days_of_credit: u32) {
        let base_url = self.shared.base_url.clone();
        self.shared
            .world()
            .put_payment_terms(&base_url, number, name, kind, days_of_credit);
    }

    /// Adds a domestic DKK customer (group 1, terms 1, VAT zone 1) and returns its number.
    pub fn add_customer(&self, name: &str, email: Option<&str>) -> u32 {
        let base_url = self.shared.base_url.clone();
        self.shared.world().put_customer(&base_url, name, email)
    }

    /// Resets the request log and counters (not the data).
    pub fn reset_counters(&self) {
        let mut world = self.shared.world();
        world.requests.clear();
        world.route_counts.clear();
        world.drafts_created = 0;
        world.booked_created = 0;
        world.customers_created = 0;
        world.products_created = 0;
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
