//! [`FakeShoporama`]: Shoporama's REST API served from memory over real HTTP, for testing
//! REST code and for local development (`cargo run -p shoporama-app --bin fake-shoporama`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use shoporama_app::testing::fake_shoporama::FakeShoporama;
//! use futures::TryStreamExt;
//!
//! let fake = FakeShoporama::builder().token("t0k3n").daily_limit(1000).seed_products(250).start().await?;
//! let client = fake.shop_client("t0k3n");
//! let products: Vec<_> = client.products().all().try_collect().await?;
//! assert_eq!(products.len(), 250);
//! fake.faults().rate_limit(1, Some(1)); // the next request gets 429 with Retry-After: 1
//! # Ok(()) }
//! ```
//!
//! # What it serves
//! Every resource of [`ResourceKind`] under `/REST/`:
//! - `GET /REST/<resource>?limit=&offset=&last_modified=&<field>=` answers Shoporama's
//!   envelope `{"paging":{"offset","limit","count","total"},"<plural>":[…]}` (or a bare array
//!   for resources set with [`bare_list`](FakeShoporamaBuilder::bare_list)). Items are in id
//!   order; `limit` defaults to 100 and is capped at
//!   [`max_page_size`](FakeShoporamaBuilder::max_page_size); `last_modified` keeps items
//!   changed at or after it; any other parameter keeps items whose field equals it (or
//!   whose array field contains it; `category_id` looks in a product's `categories`;
//!   `search` in names); a parameter no item has is ignored.
//! - `GET /REST/<resource>/<id>`: the item; `404 Not Found` when unknown, and `410 Gone`
//!   (plain text, as the platform) once deleted.
//! - `POST /REST/<resource>`: creates, assigning `<kind>_id`, `created`, `last_modified`;
//!   answers the whole item.
//! - `PUT` or `PATCH /REST/<resource>/<id>`: a partial update (fields sent replace, others
//!   stay); answers the whole item.
//! - `DELETE /REST/<resource>/<id>`: `{"success":true}`.
//! - `PUT` or `POST /REST/stock` with `{product_id | own_id, [attribute_value_id], stock}`:
//!   upserts the stock row (and a product-level stock into the product's `in_stock`).
//! - `GET /REST/self`: the shop.
//! - `GET /REST/app-status` with `Authorization: App <app token>`: `[{"webshop_id": …,
//!   "installed": …}]` for the [`installed_shop`](FakeShoporamaBuilder::installed_shop)s (a
//!   guess at the undocumented shape), or exactly
//!   [`app_status_body`](FakeShoporamaBuilder::app_status_body).
//!
//! # Auth, limits and errors
//! Shop tokens are accepted in all three documented forms (`Shoporama <t>`, `Bearer <t>`,
//! the bare `<t>`); a missing or unknown token is `401 Unauthorized`. Every authenticated
//! REST request counts against its token's daily limit; once it is spent the fake answers
//! `429` with the plain-text body `429 Too Many Requests` and `Retry-After` set to the seconds
//! until the budget day ends (23:00 UTC, see [`PacingPolicy`]). Shoporama does
//! not document this answer: this is a guess modelled on its other errors (`410 Gone` is the
//! status line as plain text). Every error body is plain text like that. Faults
//! ([`Faults`]) inject 429s, 500s, plain-text or JSON errors and slow answers.
//!
//! All tokens see the same shop data.

mod faults;
mod routes;
mod seed;
mod state;

/// The daily limit of a token when none is given: Shoporama's default, as in the lifecycle
/// payload.
pub use crate::callback::DEFAULT_DAILY_LIMIT;
pub use faults::{Fault, Faults};
pub use seed::seeded_last_modified;
pub use state::RecordedRequest;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::rest::{Budget, PacingPolicy, ResourceKind, RestConfig, RetryPolicy, ShopClient};
use crate::secret::AppToken;
use routes::Shared;
use state::{AppStatusBody, Data, Usage};

/// Configures a [`FakeShoporama`]; [`start`](Self::start) runs it.
#[derive(Debug, Clone)]
#[must_use]
pub struct FakeShoporamaBuilder {
    tokens: Vec<(String, Option<u64>)>,
    daily_limit: u64,
    app_tokens: Vec<String>,
    installed: Vec<u64>,
    app_status_body: Option<Value>,
    seed_products: u64,
    seed_catalog: bool,
    seed_countries: bool,
    seed_samples: bool,
    items: Vec<(ResourceKind, Value)>,
    bare_lists: BTreeMap<ResourceKind, bool>,
    max_page_size: u64,
    listen: SocketAddr,
    webshop_id: u64,
}

impl Default for FakeShoporamaBuilder {
    fn default() -> Self {
        Self {
            tokens: Vec::new(),
            daily_limit: DEFAULT_DAILY_LIMIT,
            app_tokens: Vec::new(),
            installed: Vec::new(),
            app_status_body: None,
            seed_products: 0,
            seed_catalog: false,
            seed_countries: false,
            seed_samples: false,
            items: Vec::new(),
            bare_lists: BTreeMap::new(),
            max_page_size: 1000,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            webshop_id: 1,
        }
    }
}

impl FakeShoporamaBuilder {
    /// Accepts this shop token, with the builder's [`daily_limit`](Self::daily_limit).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.tokens.push((token.into(), None));
        self
    }

    /// Accepts this shop token with its own daily limit.
    pub fn token_with_limit(mut self, token: impl Into<String>, daily_limit: u64) -> Self {
        self.tokens.push((token.into(), Some(daily_limit)));
        self
    }

    /// The daily limit of tokens added with [`token`](Self::token) (default 1,000).
    pub fn daily_limit(mut self, limit: u64) -> Self {
        self.daily_limit = limit;
        self
    }

    /// Accepts this app token for `app-status` (`Authorization: App <token>`).
    pub fn app_token(mut self, token: impl Into<String>) -> Self {
        self.app_tokens.push(token.into());
        self
    }

    /// Lists this shop in `app-status`.
    pub fn installed_shop(mut self, webshop_id: u64) -> Self {
        self.installed.push(webshop_id);
        self
    }

    /// Answers `app-status` with exactly this JSON instead.
    pub fn app_status_body(mut self, body: Value) -> Self {
        self.app_status_body = Some(body);
        self
    }

    /// Seeds `n` products shaped like the platform's (ids from 3000000, some as strings;
    /// `0`/`1` flags; `null`s; `extension_data` values `false`; `last_modified` one minute
    /// apart from 2025-02-07 11:22:05, see [`seeded_last_modified`]).
    pub fn seed_products(mut self, n: u64) -> Self {
        self.seed_products = n;
        self
    }

    /// Seeds a small catalog for every other resource: two categories (all-string scalars, as
    /// the platform sends them), a brand, suppliers, a customer, an order with a line and
    /// addresses, countries, shipping, a voucher, a page, a menu, …
    pub fn seed_catalog(mut self) -> Self {
        self.seed_catalog = true;
        self
    }

    /// Seeds what the simulator's sample bodies
    /// ([`sample_body`](crate::testing::sample_body), sent by `<app> simulate` and
    /// [`SimulatedShop::event`](crate::testing::SimulatedShop::event)) point at: order
    /// [`SAMPLE_ORDER_ID`](crate::testing::SAMPLE_ORDER_ID) with its product, customer and
    /// return, and the category. The `fake-shoporama` binary seeds them by default.
    ///
    /// ```
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use shoporama_app::testing::{FakeShoporama, SAMPLE_ORDER_ID, SAMPLE_REST_TOKEN};
    ///
    /// let fake = FakeShoporama::builder().token(SAMPLE_REST_TOKEN).seed_samples().start().await?;
    /// let order = fake.shop_client(SAMPLE_REST_TOKEN).orders().get(SAMPLE_ORDER_ID).await?;
    /// assert_eq!(order.order_id, SAMPLE_ORDER_ID);
    /// # Ok(()) }
    /// # shoporama_app::tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
    /// ```
    pub fn seed_samples(mut self) -> Self {
        self.seed_samples = true;
        self
    }

    /// Seeds the shop's country table only (part of [`seed_catalog`](Self::seed_catalog)):
    /// Danmark (id 45, `DK`), Sverige (46, `SE`), Norge (47, no code), Tyskland (49, `DE`),
    /// Storbritannien (44, no code), Færøerne (298, `FO`), Grønland (299, `GL`).
    pub fn seed_countries(mut self) -> Self {
        self.seed_countries = true;
        self
    }

    /// Adds one item (its id from its `<kind>_id`, else the next free one).
    pub fn item(mut self, kind: ResourceKind, item: Value) -> Self {
        self.items.push((kind, item));
        self
    }

    /// Answers `kind`'s list as a bare array without envelope, as some older endpoints seem
    /// to; `honours_paging: false` also ignores `limit` and `offset` (the whole list every
    /// time).
    pub fn bare_list(mut self, kind: ResourceKind, honours_paging: bool) -> Self {
        self.bare_lists.insert(kind, honours_paging);
        self
    }

    /// The largest `limit` honoured (default 1,000); a larger one is cut to it, and the
    /// envelope's `paging.limit` says so.
    pub fn max_page_size(mut self, size: u64) -> Self {
        self.max_page_size = size.max(1);
        self
    }

    /// The address to listen on (default `127.0.0.1:0`, a free port).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// The `webshop_id` of `GET /self` (default 1).
    pub fn webshop_id(mut self, id: u64) -> Self {
        self.webshop_id = id;
        self
    }

    /// Binds and serves in the background until [`FakeShoporama::shutdown`] or drop.
    pub async fn start(self) -> std::io::Result<FakeShoporama> {
        let listener = tokio::net::TcpListener::bind(self.listen).await?;
        let addr = listener.local_addr()?;
        let mut data = Data {
            collections: BTreeMap::new(),
            self_info: Map::new(),
            tokens: self
                .tokens
                .iter()
                .map(|(token, limit)| {
                    (
                        token.clone(),
                        Usage {
                            limit: limit.unwrap_or(self.daily_limit),
                            used: 0,
                        },
                    )
                })
                .collect(),
            app_tokens: self.app_tokens.iter().cloned().collect::<BTreeSet<_>>(),
            app_status: match self.app_status_body {
                Some(raw) => AppStatusBody::Raw(raw),
                None => AppStatusBody::Installed(self.installed),
            },
            bare_lists: self.bare_lists,
            max_page_size: self.max_page_size,
            log: VecDeque::new(),
        };
        data.self_info = as_object(json!({
            "webshop_id": self.webshop_id,
            "name": "Fake Shoporama",
            "url": format!("http://{addr}/"),
            "email": "shop@example.com",
            "currency": "DKK",
            "country_id": 45,
        }));
        for index in 0..self.seed_products {
            data.insert(ResourceKind::Product, seed::product(index));
        }
        if self.seed_catalog {
            for (kind, item) in seed::catalog() {
                data.insert(kind, item);
            }
        } else if self.seed_countries {
            for item in seed::countries() {
                data.insert(ResourceKind::Country, item);
            }
        }
        if self.seed_samples {
            for (kind, item) in seed::samples() {
                data.insert(kind, item);
            }
        }
        for (kind, item) in self.items {
            data.insert(kind, as_object(item));
        }
        let shared = Arc::new(Shared {
            data: std::sync::Mutex::new(data),
            calls: AtomicU64::new(0),
            faults: Faults::default(),
        });
        let router = routes::router(Arc::clone(&shared));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
            if let Err(error) = served {
                tracing::error!(%error, "FakeShoporama stopped");
            }
        });
        tracing::debug!(%addr, "FakeShoporama listening");
        Ok(FakeShoporama {
            addr,
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// The object in `value`; anything else is an empty object.
fn as_object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// A running fake Shoporama. Stops when dropped (or with [`shutdown`](Self::shutdown)).
pub struct FakeShoporama {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for FakeShoporama {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeShoporama")
            .field("addr", &self.addr)
            .field("calls", &self.call_count())
            .finish_non_exhaustive()
    }
}

impl FakeShoporama {
    /// A builder: no tokens, limit 1,000, no data.
    pub fn builder() -> FakeShoporamaBuilder {
        FakeShoporamaBuilder::default()
    }

    /// The REST root, e.g. `http://127.0.0.1:41234/REST/`.
    pub fn base_url(&self) -> String {
        format!("http://{}/REST/", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A [`RestConfig`] for this fake with test-friendly retries (1–20 ms backoff, at most 2 s
    /// of `Retry-After`), a 5 s timeout and no pacing.
    pub fn rest_config(&self) -> RestConfig {
        RestConfig::new(self.base_url())
            .retry(
                RetryPolicy::default()
                    .backoff(Duration::from_millis(1), Duration::from_millis(20))
                    .max_retry_after(Duration::from_secs(2)),
            )
            .pacing(PacingPolicy::unpaced())
            .timeout(Duration::from_secs(5))
            .user_agent("shoporama-app tests")
    }

    /// A client for `token` with [`rest_config`](Self::rest_config) and an unlimited budget.
    pub fn shop_client(&self, token: &str) -> ShopClient {
        ShopClient::new(
            self.rest_config(),
            AppToken::new(token),
            Arc::new(Budget::unlimited()),
        )
    }

    /// The fault queue.
    pub fn faults(&self) -> Faults {
        self.shared.faults.clone()
    }

    /// Requests received so far (every route, faulted, refused and unauthenticated ones
    /// included).
    pub fn call_count(&self) -> u64 {
        self.shared.calls.load(Ordering::SeqCst)
    }

    /// The last requests received (up to 10,000), oldest first, without tokens.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().log.iter().cloned().collect()
    }

    /// Forgets the call count and the request log.
    pub fn reset_calls(&self) {
        self.shared.calls.store(0, Ordering::SeqCst);
        self.shared.lock().log.clear();
    }

    /// Calls counted today against `token`, if it is known.
    pub fn usage(&self, token: &str) -> Option<u64> {
        self.shared.lock().tokens.get(token).map(|u| u.used)
    }

    /// Sets `token`'s count (e.g. to simulate calls made elsewhere), adding the token if new.
    pub fn set_usage(&self, token: &str, used: u64) {
        let mut data = self.shared.lock();
        let limit = data
            .tokens
            .get(token)
            .map_or(DEFAULT_DAILY_LIMIT, |u| u.limit);
        data.tokens.insert(token.to_owned(), Usage { limit, used });
    }

    /// Sets `token`'s daily limit, adding the token if new.
    pub fn set_daily_limit(&self, token: &str, limit: u64) {
        let mut data = self.shared.lock();
        let used = data.tokens.get(token).map_or(0, |u| u.used);
        data.tokens.insert(token.to_owned(), Usage { limit, used });
    }

    /// Adds a product (see [`insert`](Self::insert)); returns its id.
    pub fn insert_product(&self, product: Value) -> u64 {
        self.insert(ResourceKind::Product, product)
    }

    /// Adds an item of `kind` (its id from `<kind>_id`, else the next free one; a value
    /// that is not an object is stored as an empty object); returns its id. Visible to
    /// requests at once, including lists being paged.
    pub fn insert(&self, kind: ResourceKind, item: Value) -> u64 {
        self.shared.lock().insert(kind, as_object(item))
    }

    /// The item as stored, if it exists.
    pub fn item(&self, kind: ResourceKind, id: u64) -> Option<Value> {
        self.shared.lock().get(kind, id).ok().map(Value::Object)
    }

    /// Deletes an item as `DELETE` would (later GETs answer `410 Gone`); whether it existed.
    pub fn remove(&self, kind: ResourceKind, id: u64) -> bool {
        self.shared.lock().delete(kind, id).is_ok()
    }

    /// How many items of `kind` exist.
    pub fn count(&self, kind: ResourceKind) -> usize {
        self.shared
            .lock()
            .collections
            .get(&kind)
            .map_or(0, |c| c.items.len())
    }

    /// Replaces the shops `app-status` lists.
    pub fn set_installed_shops(&self, webshop_ids: Vec<u64>) {
        self.shared.lock().app_status = AppStatusBody::Installed(webshop_ids);
    }

    /// Stops serving and waits for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for FakeShoporama {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
