//! [`SimulatedShop`]: plays Shoporama's side of the callback protocol against an app, in
//! process (a [`Router`]) or over HTTP (a URL), with realistic payloads built from the
//! app's manifest.

use std::fmt;

use axum::Router;
use axum::body::Body;
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::callback::LifecyclePayload;
use crate::fields::FieldValues;
use crate::manifest::AppManifest;
use crate::secret::AppToken;

/// Where the simulated callbacks go.
#[derive(Clone)]
enum Target {
    Router {
        router: Router,
        path: String,
    },
    Url {
        url: String,
        client: reqwest::Client,
    },
}

/// A simulated Shoporama shop that installs, updates and uninstalls an app and sends it
/// events, the way Shoporama does: `POST <callback>?type=…&webshop_id=…` with `x-app-token`.
///
/// ```no_run
/// # async fn demo(router: axum::Router, manifest: shoporama_app::AppManifest) {
/// use shoporama_app::testing::SimulatedShop;
/// let shop = SimulatedShop::in_process(router, manifest, "app-token").webshop_id(7).field("enabled", true);
/// shop.install().await.assert_ok();
/// shop.event("paid").await.assert_ok();
/// # }
/// ```
#[derive(Clone)]
pub struct SimulatedShop {
    target: Target,
    manifest: AppManifest,
    app_token: AppToken,
    webshop_id: u64,
    webshop_url: String,
    rest_token: AppToken,
    daily_limit: u64,
    current_usage: u64,
    fields: FieldValues,
}

impl fmt::Debug for SimulatedShop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimulatedShop")
            .field("webshop_id", &self.webshop_id)
            .field("fields", &self.fields)
            .finish_non_exhaustive()
    }
}

impl SimulatedShop {
    /// A shop calling `router` in process, on the default callback path `/callback`.
    pub fn in_process(router: Router, manifest: AppManifest, app_token: impl Into<String>) -> Self {
        Self::new(
            Target::Router {
                router,
                path: "/callback".to_owned(),
            },
            manifest,
            app_token,
        )
    }

    /// A shop calling a running app over HTTP; `callback_url` is the full callback URL.
    pub fn over_http(
        callback_url: impl Into<String>,
        manifest: AppManifest,
        app_token: impl Into<String>,
    ) -> Self {
        let client = reqwest::Client::new();
        Self::new(
            Target::Url {
                url: callback_url.into(),
                client,
            },
            manifest,
            app_token,
        )
    }

    fn new(target: Target, manifest: AppManifest, app_token: impl Into<String>) -> Self {
        let fields = sample_fields(&manifest);
        Self {
            target,
            manifest,
            app_token: AppToken::new(app_token),
            webshop_id: 1,
            webshop_url: "https://demo.shoporama.dk/".to_owned(),
            rest_token: AppToken::new(SAMPLE_REST_TOKEN),
            daily_limit: 1000,
            current_usage: 0,
            fields,
        }
    }

    /// Uses another callback path for an in-process router.
    #[must_use]
    pub fn callback_path(mut self, path: impl Into<String>) -> Self {
        if let Target::Router { path: p, .. } = &mut self.target {
            *p = path.into();
        }
        self
    }

    /// The shop's id (default 1).
    #[must_use]
    pub fn webshop_id(mut self, id: u64) -> Self {
        self.webshop_id = id;
        self
    }

    /// The shop's URL.
    #[must_use]
    pub fn webshop_url(mut self, url: impl Into<String>) -> Self {
        self.webshop_url = url.into();
        self
    }

    /// The REST token sent as `app_token` in lifecycle payloads.
    #[must_use]
    pub fn rest_token(mut self, token: impl Into<String>) -> Self {
        self.rest_token = AppToken::new(token);
        self
    }

    /// The REST budget sent in lifecycle payloads.
    #[must_use]
    pub fn budget(mut self, daily_limit: u64, current_usage: u64) -> Self {
        self.daily_limit = daily_limit;
        self.current_usage = current_usage;
        self
    }

    /// Sets a field's raw value for the next install or update.
    #[must_use]
    pub fn field(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.fields.insert(name, value);
        self
    }

    /// Removes a field (as if the shop owner left it empty).
    #[must_use]
    pub fn without_field(mut self, name: &str) -> Self {
        let mut map = self.fields.into_map();
        map.remove(name);
        self.fields = map.into();
        self
    }

    /// The field values the next install or update sends.
    pub fn fields(&self) -> &FieldValues {
        &self.fields
    }

    /// The lifecycle payload Shoporama would send now.
    pub fn lifecycle_payload(&self) -> LifecyclePayload {
        LifecyclePayload {
            webshop_id: Some(self.webshop_id),
            webshop_url: self.webshop_url.clone(),
            app_token: Some(self.rest_token.clone()),
            daily_limit: self.daily_limit,
            current_usage: self.current_usage,
            installed: chrono::DateTime::from_timestamp(1_692_857_535, 0),
            fields: self.fields.clone(),
        }
    }

    /// Sends `install`.
    pub async fn install(&self) -> SimResponse {
        self.send("install", self.lifecycle_payload().to_json(self.webshop_id))
            .await
    }

    /// Sends `update` with the current fields.
    pub async fn update(&self) -> SimResponse {
        self.send("update", self.lifecycle_payload().to_json(self.webshop_id))
            .await
    }

    /// Sends `uninstall`.
    pub async fn uninstall(&self) -> SimResponse {
        self.send(
            "uninstall",
            self.lifecycle_payload().to_json(self.webshop_id),
        )
        .await
    }

    /// Sends a storefront event with a realistic sample body (see [`sample_body`]). For a name
    /// the app subscribes to only as a webhook (`new_status`, or `paid` in `webhooks(paid)`
    /// alone) that is the webhook: the `type` decides.
    pub async fn event(&self, kind: &str) -> SimResponse {
        self.send(kind, sample_body(kind, self.webshop_id)).await
    }

    /// Sends a webhook with a realistic sample body (see [`sample_webhook_body`]): marked as a
    /// webhook, so an app subscribed to `paid` both ways gets its `PaidWebhook` variant.
    pub async fn webhook(&self, kind: &str) -> SimResponse {
        self.send(kind, sample_webhook_body(kind, self.webshop_id))
            .await
    }

    /// Sends a callback of `kind` with `body`, with the right headers.
    pub async fn send(&self, kind: &str, body: Value) -> SimResponse {
        let query = format!("type={kind}&webshop_id={}", self.webshop_id);
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        self.raw(Method::POST, &query, Some(self.app_token.expose()), bytes)
            .await
    }

    /// Sends anything: a method, a raw query string, an optional token and raw body bytes.
    /// For testing how an app answers malformed callbacks.
    pub async fn raw(
        &self,
        method: Method,
        query: &str,
        token: Option<&str>,
        body: Vec<u8>,
    ) -> SimResponse {
        match &self.target {
            Target::Router { router, path } => {
                let mut request = Request::builder()
                    .method(method)
                    .uri(format!("{path}?{query}"))
                    .header("content-type", "application/json");
                if let Some(token) = token {
                    request = request.header(crate::server::APP_TOKEN_HEADER, token);
                }
                let request = match request
                    .extension(crate::server::InProcess)
                    .body(Body::from(body))
                {
                    Ok(request) => request,
                    Err(error) => {
                        return SimResponse::transport(format!("invalid request: {error}"));
                    }
                };
                match router.clone().oneshot(request).await {
                    Ok(response) => {
                        let status = response.status();
                        match response.into_body().collect().await {
                            Ok(collected) => SimResponse::new(status, &collected.to_bytes()),
                            Err(error) => SimResponse::transport(format!(
                                "could not read the answer: {error}"
                            )),
                        }
                    }
                    Err(infallible) => match infallible {},
                }
            }
            Target::Url { url, client } => {
                let separator = if url.contains('?') { '&' } else { '?' };
                let reqwest_method = match Method::from_bytes(method.as_str().as_bytes()) {
                    Ok(m) => m,
                    Err(error) => {
                        return SimResponse::transport(format!("invalid method: {error}"));
                    }
                };
                let mut request = client
                    .request(reqwest_method, format!("{url}{separator}{query}"))
                    .header("content-type", "application/json")
                    .body(body);
                if let Some(token) = token {
                    request = request.header(crate::server::APP_TOKEN_HEADER, token);
                }
                match request.send().await {
                    Ok(response) => {
                        let status = StatusCode::from_u16(response.status().as_u16())
                            .unwrap_or(StatusCode::BAD_GATEWAY);
                        match response.bytes().await {
                            Ok(bytes) => SimResponse::new(status, &bytes),
                            Err(error) => SimResponse::transport(format!(
                                "could not read the answer: {error}"
                            )),
                        }
                    }
                    Err(error) => SimResponse::transport(format!("could not reach {url}: {error}")),
                }
            }
        }
    }

    /// The manifest the shop was built from.
    pub fn manifest(&self) -> &AppManifest {
        &self.manifest
    }
}

/// The app's answer to a simulated callback.
#[derive(Debug, Clone, PartialEq)]
pub struct SimResponse {
    /// The HTTP status (502 when the app could not be reached).
    pub status: StatusCode,
    /// The body as JSON (a string when it was not JSON).
    pub body: Value,
}

impl SimResponse {
    fn new(status: StatusCode, bytes: &[u8]) -> Self {
        let body = serde_json::from_slice(bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()));
        Self { status, body }
    }

    fn transport(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_GATEWAY,
            body: json!({ "error": message.into() }),
        }
    }

    /// The `error` message of an error answer.
    pub fn error(&self) -> Option<&str> {
        self.body.get("error").and_then(Value::as_str)
    }

    /// Panics unless the answer is 200.
    ///
    /// # Panics
    ///
    /// When the status is not 200; the message shows the body.
    #[track_caller]
    pub fn assert_ok(&self) -> &Self {
        self.assert_status(StatusCode::OK)
    }

    /// Panics unless the answer has `status`.
    ///
    /// # Panics
    ///
    /// When the status differs; the message shows the body.
    #[track_caller]
    pub fn assert_status(&self, status: StatusCode) -> &Self {
        assert_eq!(self.status, status, "unexpected answer: {}", self.body);
        self
    }

    /// Panics unless the answer's `error` contains `needle`.
    ///
    /// # Panics
    ///
    /// When the body has no `error` containing `needle`.
    #[track_caller]
    pub fn assert_error_contains(&self, needle: &str) -> &Self {
        let error = self.error().unwrap_or_default();
        assert!(
            error.contains(needle),
            "expected an error containing {needle:?}, got {}",
            self.body
        );
        self
    }
}

/// Field values an install sends for `manifest`: every field with a default, and every
/// required one, at [`ManifestField::sample_value`](crate::manifest::ManifestField::sample_value).
pub fn sample_fields(manifest: &AppManifest) -> FieldValues {
    manifest
        .fields
        .iter()
        .filter(|field| field.required || !field.default.is_null())
        .map(|field| (field.name.clone(), field.sample_value()))
        .collect()
}

/// The REST token a [`SimulatedShop`] (and `<app> simulate install`) hands the app by
/// default, which [`FakeShoporama`](super::FakeShoporama)'s binary accepts by default: so an
/// app installed by `simulate` can read `fake-shoporama`'s data with both at their defaults.
pub const SAMPLE_REST_TOKEN: &str = "0123456789abcdef0123456789abcdef";
/// The order of the sample order events and webhooks ([`sample_body`]); `fake-shoporama`
/// serves it ([`FakeShoporamaBuilder::seed_samples`](super::fake_shoporama::FakeShoporamaBuilder::seed_samples)).
pub const SAMPLE_ORDER_ID: u64 = 100_234;
/// The product of the sample bodies (the sample order's line, `product`, `stock`, baskets).
pub const SAMPLE_PRODUCT_ID: u64 = 3_042_680;
/// The customer of the sample `customer_created` webhook.
pub const SAMPLE_CUSTOMER_ID: u64 = 9001;
/// The category of the sample `category` webhook (also in the seeded catalog).
pub const SAMPLE_CATEGORY_ID: u64 = 158_266;
/// The order return of the sample `new_return` webhook (of [`SAMPLE_ORDER_ID`]).
pub const SAMPLE_RETURN_ID: u64 = 77;

/// [`sample_body`] as a webhook delivers it: with the top-level
/// [`WEBHOOK_MARKER`](crate::events::WEBHOOK_MARKER) member naming the webhook, which tells it
/// apart from the storefront event of the same name (see
/// [`Origin::of`](crate::events::Origin::of)).
pub fn sample_webhook_body(kind: &str, webshop_id: u64) -> Value {
    // Every sample is an object, so it is always marked.
    crate::events::mark_as_webhook(sample_body(kind, webshop_id), kind)
        .unwrap_or_else(|unmarked| unmarked)
}

/// A realistic body for an event or webhook of `kind`. Shoporama does not publish these
/// bodies; the samples carry the ids its REST resources use (`order_id`, `product_id`, …),
/// which is what the framework's payload types read. Every id is one that
/// [`FakeShoporama`](super::FakeShoporama) serves with
/// [`seed_samples`](super::fake_shoporama::FakeShoporamaBuilder::seed_samples) (as the
/// `fake-shoporama` binary does by default): [`SAMPLE_ORDER_ID`], [`SAMPLE_PRODUCT_ID`], ….
///
/// ```
/// use shoporama_app::testing::{SAMPLE_ORDER_ID, sample_body};
///
/// let paid = sample_body("paid", 7);
/// assert_eq!(paid["order_id"], SAMPLE_ORDER_ID);
/// assert_eq!(paid["webshop_id"], 7);
/// ```
pub fn sample_body(kind: &str, webshop_id: u64) -> Value {
    let order = json!({
        "webshop_id": webshop_id, "order_id": SAMPLE_ORDER_ID, "webshop_order_id": 1042, "status": "new",
        "email": "kunde@example.dk", "total_price": 499.0, "currency": "DKK",
        "order_name": "Karen Jensen", "order_address": "Vestergade 1", "order_zipcode": "8000", "order_city": "Aarhus",
        "products": [{"product_id": SAMPLE_PRODUCT_ID, "own_id": "SKU-1", "name": "Kaffekop", "amount": 2, "unit_price": 199.5}],
    });
    match kind {
        "add_to_basket" | "update_basket" | "view_basket" => {
            json!({"webshop_id": webshop_id, "basket_id": 5511, "product_id": SAMPLE_PRODUCT_ID, "amount": 1, "total_price": 199.5})
        }
        "view_address" | "view_shipping" | "view_approve" => {
            json!({"webshop_id": webshop_id, "basket_id": 5511})
        }
        "view_thanks" => {
            json!({"webshop_id": webshop_id, "basket_id": 5511, "order_id": SAMPLE_ORDER_ID})
        }
        "approved" | "order_created" | "paid" | "new_status" | "order_withdrawn" => order,
        "new_return" => {
            json!({"webshop_id": webshop_id, "order_id": SAMPLE_ORDER_ID, "return_id": SAMPLE_RETURN_ID})
        }
        "add_label" | "remove_label" => {
            json!({"webshop_id": webshop_id, "order_id": SAMPLE_ORDER_ID, "label": "e-conomic-pending"})
        }
        "product" => {
            json!({"webshop_id": webshop_id, "product_id": SAMPLE_PRODUCT_ID, "own_id": "SKU-1"})
        }
        "stock" => {
            json!({"webshop_id": webshop_id, "product_id": SAMPLE_PRODUCT_ID, "attribute_value_id": 12, "stock": 7})
        }
        "category" => json!({"webshop_id": webshop_id, "category_id": SAMPLE_CATEGORY_ID}),
        "customer_created" => {
            json!({"webshop_id": webshop_id, "customer_id": SAMPLE_CUSTOMER_ID, "email": "kunde@example.dk"})
        }
        "newsletter_subscribe" => {
            json!({"webshop_id": webshop_id, "email": "kunde@example.dk", "name": "Karen Jensen"})
        }
        _ => json!({"webshop_id": webshop_id}),
    }
}
