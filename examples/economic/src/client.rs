//! The e-conomic REST client (`https://restapi.e-conomic.com`, economic-api.md §1).
//!
//! * Every request carries `X-AppSecretToken` (the app's, from the environment),
//!   `X-AgreementGrantToken` (the shop's grant) and `Content-Type: application/json`; both tokens
//!   are marked sensitive and redacted in `Debug`.
//! * Errors carry e-conomic's own error body ([`ApiErrorBody`], with the validation tree
//!   flattened by [`ApiErrorBody::field_errors`]).
//! * Idempotent calls (GET) are retried on 429, 5xx and transport failures with exponential
//!   backoff and jitter, honouring `Retry-After`; POSTs are **never** retried here, because a
//!   POST whose answer was lost may have created the invoice. Callers re-run their
//!   lookup-before-create ([`Client::find_invoice_by_reference`]) instead.
//! * Collections are read page by page (`skippages`/`pagesize`) until `pagination.nextPage` is
//!   absent. The client builds each page URL from its own base URL rather than following
//!   `nextPage`, so the tokens are only ever sent to the configured host.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use shoporama_app::secret::Secret;
use tracing::{debug, warn};

use crate::error::{ApiError, ApiErrorBody, Error};
use crate::model::{
    AgreementInfo, BookDraft, BookedInvoice, Customer, CustomerGroup, DraftInvoice,
    DraftInvoiceRef, Layout, NewCustomer, NewDraftInvoice, NewProduct, Page, PaymentTerms, Product,
    ProductGroup, Unit, VatZone,
};
use crate::query::{Filter, encode_path_id};

/// e-conomic's REST base URL.
pub const DEFAULT_BASE_URL: &str = "https://restapi.e-conomic.com";

/// The largest page size e-conomic allows.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// The longest `references.other` e-conomic stores.
pub const MAX_REFERENCE_LEN: usize = 250;

/// The longest product number e-conomic stores.
pub const MAX_PRODUCT_NUMBER_LEN: usize = 25;

/// A safety stop for runaway pagination (a server that always says there is a next page).
const MAX_PAGES: u32 = 100_000;

/// The HTTP client a [`Client`] shares (see [`Client::with_http_client`]): requests time out
/// after `timeout`, connecting after at most 10 s.
pub fn http_client(timeout: Duration) -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .build()
        .map_err(|error| Error::Config(format!("HTTP client: {error}")))
}

/// How idempotent requests are retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 = no retries).
    pub max_retries: u32,
    /// The first backoff; it doubles per retry.
    pub initial_backoff: Duration,
    /// The longest backoff. A `Retry-After` longer than this is not waited out: the 429 is
    /// returned (with [`ApiError::retry_after`]) so the caller can schedule the retry instead
    /// of holding a worker.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// Three retries, 500 ms doubling up to 10 s (the practice of existing integrations,
    /// economic-api.md §1.5).
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The wait before retry number `retry` (0-based): `Retry-After` when the server sent one,
    /// otherwise `initial × 2^retry` capped at `max_backoff`, with "equal jitter" (half fixed,
    /// half random) so concurrent clients spread out. `None` = do not retry.
    pub fn backoff(&self, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
        if retry >= self.max_retries {
            return None;
        }
        if let Some(wait) = retry_after {
            return (wait <= self.max_backoff).then_some(wait);
        }
        let factor = 2_u32.saturating_pow(retry.min(20));
        let full = self
            .initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        let half = full / 2;
        let jitter_nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        let jitter = if jitter_nanos == 0 {
            Duration::ZERO
        } else {
            Duration::from_nanos(rand::random_range(0..=jitter_nanos))
        };
        Some(half + jitter)
    }
}

/// Configuration of a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL, default [`DEFAULT_BASE_URL`]; tests point it at the stand-in.
    pub base_url: String,
    /// The app's `X-AppSecretToken` (app-level configuration).
    pub app_secret_token: Secret,
    /// The shop's `X-AgreementGrantToken` (a setting).
    pub agreement_grant_token: Secret,
    /// Retries of idempotent calls.
    pub retry: RetryPolicy,
    /// Timeout of one HTTP attempt.
    pub timeout: Duration,
    /// Page size used when reading whole collections (1–1000).
    pub page_size: u32,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl ClientConfig {
    /// A configuration for the real e-conomic with the given tokens and default policies.
    pub fn new(
        app_secret_token: impl Into<Secret>,
        agreement_grant_token: impl Into<Secret>,
    ) -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            app_secret_token: app_secret_token.into(),
            agreement_grant_token: agreement_grant_token.into(),
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
            page_size: MAX_PAGE_SIZE,
            user_agent: concat!("shoporama-economic/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }

    /// e-conomic's public demo agreement (`demo`/`demo`): read-only.
    pub fn demo() -> Self {
        Self::new("demo", "demo")
    }

    /// Sets the base URL.
    #[must_use]
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Sets the retry policy.
    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the per-attempt timeout.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the page size used for whole-collection reads (clamped to 1–1000).
    #[must_use]
    pub fn with_page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size.clamp(1, MAX_PAGE_SIZE);
        self
    }
}

/// An invoice that already exists in e-conomic for an order reference.
#[derive(Debug, Clone, PartialEq)]
pub enum ExistingInvoice {
    /// Already booked: nothing left to do.
    Booked(BookedInvoice),
    /// A draft: book it (if configured) instead of creating another.
    Draft(DraftInvoice),
}

/// A client for one e-conomic agreement (one shop's grant). Cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base_url: String,
    headers: HeaderMap,
    retry: RetryPolicy,
    page_size: u32,
}

/// A successful answer: status and body bytes.
struct Answer {
    status: StatusCode,
    body: Vec<u8>,
}

impl Client {
    /// Builds a client. Fails on a base URL that is not `http(s)://…` or a blank or
    /// non-header-safe token.
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|error| Error::Config(format!("HTTP client: {error}")))?;
        Self::with_http_client(config, http)
    }

    /// Builds a client on an existing `reqwest::Client` (its timeout settings apply; the
    /// config's `timeout` is then ignored).
    pub fn with_http_client(config: ClientConfig, http: reqwest::Client) -> Result<Self, Error> {
        let base_url = config.base_url.trim().trim_end_matches('/').to_owned();
        let parsed = Url::parse(&base_url)
            .map_err(|error| Error::Config(format!("base URL `{base_url}`: {error}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(Error::Config(format!(
                "base URL `{base_url}` is not an http(s) URL"
            )));
        }
        let mut headers = HeaderMap::new();
        for (name, secret) in [
            ("x-appsecrettoken", &config.app_secret_token),
            ("x-agreementgranttoken", &config.agreement_grant_token),
        ] {
            if secret.expose().trim().is_empty() {
                return Err(Error::Config(format!("{name} is blank")));
            }
            let mut value = HeaderValue::from_str(secret.expose().trim()).map_err(|_| {
                Error::Config(format!(
                    "{name} contains characters not allowed in a header"
                ))
            })?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let user_agent = HeaderValue::from_str(&config.user_agent)
            .map_err(|_| Error::Config("user agent is not a valid header".to_owned()))?;
        headers.insert(reqwest::header::USER_AGENT, user_agent);
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base_url,
                headers,
                retry: config.retry,
                page_size: config.page_size.clamp(1, MAX_PAGE_SIZE),
            }),
        })
    }

    /// The base URL requests go to (without a trailing slash).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    fn url(&self, path: &str, query: &[(&str, String)]) -> Result<Url, Error> {
        let mut url = Url::parse(&format!("{}{path}", self.inner.base_url))
            .map_err(|error| Error::InvalidRequest(format!("path `{path}`: {error}")))?;
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in query {
                pairs.append_pair(name, value);
            }
        }
        Ok(url)
    }

    /// Sends one request, retrying idempotent ones per the policy.
    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> Result<Answer, Error> {
        let url = self.url(path, query)?;
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE
        );
        let mut retry = 0_u32;
        loop {
            let mut request = self
                .inner
                .http
                .request(method.clone(), url.clone())
                .headers(self.inner.headers.clone());
            if let Some(bytes) = &body {
                request = request.body(bytes.clone());
            }
            let outcome = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    let retry_after = parse_retry_after(response.headers());
                    match response.bytes().await {
                        Ok(bytes) => Ok((status, retry_after, bytes.to_vec())),
                        Err(source) => Err(source),
                    }
                }
                Err(source) => Err(source),
            };
            let (failure, retry_after) = match outcome {
                Ok((status, _, bytes)) if status.is_success() => {
                    debug!(%method, path, status = status.as_u16(), retry, "e-conomic answered");
                    return Ok(Answer {
                        status,
                        body: bytes,
                    });
                }
                Ok((status, retry_after, bytes)) => {
                    let api = ApiError {
                        method: method.to_string(),
                        path: path.to_owned(),
                        status: status.as_u16(),
                        body: parse_error_body(status, &bytes),
                        retry_after,
                    };
                    (Error::Api(Box::new(api)), retry_after)
                }
                Err(source) => (
                    Error::Transport {
                        method: method.to_string(),
                        path: path.to_owned(),
                        source,
                    },
                    None,
                ),
            };
            if !idempotent || !failure.is_transient() {
                return Err(failure);
            }
            let Some(wait) = self.inner.retry.backoff(retry, retry_after) else {
                return Err(failure);
            };
            warn!(%method, path, retry = retry + 1, wait_ms = wait.as_millis(), error = %failure, "retrying e-conomic call");
            tokio::time::sleep(wait).await;
            retry += 1;
        }
    }

    fn decode<T: DeserializeOwned>(method: &str, path: &str, answer: &Answer) -> Result<T, Error> {
        serde_json::from_slice(&answer.body).map_err(|error| Error::Decode {
            method: method.to_owned(),
            path: path.to_owned(),
            status: answer.status.as_u16(),
            detail: error.to_string(),
        })
    }

    /// `GET path?query`, decoded. Retried per the policy.
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, Error> {
        let answer = self.send(Method::GET, path, query, None).await?;
        Self::decode("GET", path, &answer)
    }

    /// `GET path`, with 404 mapped to `None`.
    pub async fn get_optional<T: DeserializeOwned>(&self, path: &str) -> Result<Option<T>, Error> {
        match self.get(path, &[]).await {
            Ok(found) => Ok(Some(found)),
            Err(error) if error.is_not_found() => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// `POST path` with a JSON body, decoded (e-conomic answers 201 with the created resource).
    /// Never retried.
    pub async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, Error> {
        let bytes = serde_json::to_vec(body)
            .map_err(|error| Error::InvalidRequest(format!("body for {path}: {error}")))?;
        let answer = self.send(Method::POST, path, &[], Some(bytes)).await?;
        Self::decode("POST", path, &answer)
    }

    /// One page of a collection: `skippages` (0-based) and `pagesize` (1–1000), optionally
    /// filtered.
    pub async fn page<T: DeserializeOwned>(
        &self,
        path: &str,
        filter: Option<&Filter>,
        skip_pages: u32,
        page_size: u32,
    ) -> Result<Page<T>, Error> {
        let mut query = vec![
            ("skippages", skip_pages.to_string()),
            ("pagesize", page_size.clamp(1, MAX_PAGE_SIZE).to_string()),
        ];
        if let Some(filter) = filter {
            query.push(("filter", filter.as_str().to_owned()));
        }
        self.get(path, &query).await
    }

    /// Every item of a collection, following pages until `nextPage` is absent.
    pub async fn all<T: DeserializeOwned>(
        &self,
        path: &str,
        filter: Option<&Filter>,
    ) -> Result<Vec<T>, Error> {
        let mut items = Vec::new();
        for skip_pages in 0..MAX_PAGES {
            let page: Page<T> = self
                .page(path, filter, skip_pages, self.inner.page_size)
                .await?;
            let fetched = page.collection.len();
            items.extend(page.collection);
            if page.pagination.next_page.is_none() || fetched == 0 {
                return Ok(items);
            }
        }
        Err(Error::Decode {
            method: "GET".to_owned(),
            path: path.to_owned(),
            status: 200,
            detail: format!("still a next page after {MAX_PAGES} pages"),
        })
    }

    /// `GET /self`: the agreement behind the grant; the "test connection" call.
    pub async fn agreement(&self) -> Result<AgreementInfo, Error> {
        self.get("/self", &[]).await
    }

    /// Customers whose e-mail equals `email` (case-insensitive), lowest number first.
    pub async fn customers_by_email(&self, email: &str) -> Result<Vec<Customer>, Error> {
        let email = email.trim();
        if email.is_empty() {
            return Err(Error::InvalidRequest("empty e-mail".to_owned()));
        }
        let mut customers: Vec<Customer> = self
            .all("/customers", Some(&Filter::eq("email", email)))
            .await?;
        customers.sort_by_key(|customer| customer.customer_number);
        Ok(customers)
    }

    /// The customer with this e-mail, if any: the lowest customer number among those not
    /// barred.
    pub async fn find_customer_by_email(&self, email: &str) -> Result<Option<Customer>, Error> {
        Ok(self
            .customers_by_email(email)
            .await?
            .into_iter()
            .find(|customer| !customer.barred))
    }

    /// The customer whose filterable `property` (`corporateIdentificationNumber`, `ean`,
    /// `email`, …) equals `value`, if any: the lowest customer number among those not barred.
    pub async fn find_customer_by(
        &self,
        property: &str,
        value: &str,
    ) -> Result<Option<Customer>, Error> {
        let mut customers: Vec<Customer> = self
            .all("/customers", Some(&Filter::eq(property, value.trim())))
            .await?;
        customers.retain(|customer| !customer.barred);
        Ok(customers
            .into_iter()
            .min_by_key(|customer| customer.customer_number))
    }

    /// The number of the customer `lookup` finds (`(property, value)`, as for
    /// [`Client::find_customer_by`]), or of `customer`, created.
    pub async fn find_or_create_customer(
        &self,
        lookup: Option<(&str, String)>,
        customer: &NewCustomer,
    ) -> Result<u32, Error> {
        if let Some((property, value)) = lookup
            && let Some(found) = self.find_customer_by(property, &value).await?
        {
            return Ok(found.customer_number);
        }
        Ok(self.create_customer(customer).await?.customer_number)
    }

    /// Whether e-conomic has a product, not barred, whose number is `sku` (a SKU longer than
    /// a product number can be is none).
    pub async fn sells(&self, sku: &str) -> Result<bool, Error> {
        let sku = sku.trim();
        if sku.is_empty() || sku.chars().count() > MAX_PRODUCT_NUMBER_LEN {
            return Ok(false);
        }
        Ok(self
            .product(sku)
            .await?
            .is_some_and(|product| !product.barred))
    }

    /// The options of a settings list read live from the agreement, as `(number, "number –
    /// name")` pairs by number: `layouts` (deleted ones left out), `payment_terms`,
    /// `vat_zones` (those usable on customers), `customer_groups` and `product_groups`.
    pub async fn list_options(&self, list: &str) -> Result<Vec<(String, String)>, Error> {
        let mut options: Vec<(u32, String)> = match list {
            "layouts" => {
                return Ok(self
                    .layout_options()
                    .await?
                    .into_iter()
                    .map(|(n, label)| (n.to_string(), label))
                    .collect());
            }
            "payment_terms" => self
                .payment_terms()
                .await?
                .into_iter()
                .map(|t| (t.payment_terms_number, t.name))
                .collect(),
            "vat_zones" => self
                .vat_zones()
                .await?
                .into_iter()
                .filter(|z| z.enabled_for_customer)
                .map(|z| (z.vat_zone_number, z.name))
                .collect(),
            "customer_groups" => self
                .customer_groups()
                .await?
                .into_iter()
                .map(|g| (g.customer_group_number, g.name))
                .collect(),
            "product_groups" => self
                .product_groups()
                .await?
                .into_iter()
                .map(|g| (g.product_group_number, g.name))
                .collect(),
            other => {
                return Err(Error::InvalidRequest(format!(
                    "no e-conomic list `{other}`"
                )));
            }
        };
        options.sort_by_key(|(number, _)| *number);
        Ok(options
            .into_iter()
            .map(|(number, name)| (number.to_string(), format!("{number} – {name}")))
            .collect())
    }

    /// `GET /customers/:n`; `None` if it does not exist.
    pub async fn customer(&self, customer_number: u32) -> Result<Option<Customer>, Error> {
        self.get_optional(&format!("/customers/{customer_number}"))
            .await
    }

    /// `POST /customers`.
    pub async fn create_customer(&self, customer: &NewCustomer) -> Result<Customer, Error> {
        self.post("/customers", customer).await
    }

    /// `GET /customer-groups`, all pages.
    pub async fn customer_groups(&self) -> Result<Vec<CustomerGroup>, Error> {
        self.all("/customer-groups", None).await
    }

    /// `GET /product-groups`, all pages.
    pub async fn product_groups(&self) -> Result<Vec<ProductGroup>, Error> {
        self.all("/product-groups", None).await
    }

    /// `POST /products` (never retried: see the module docs).
    pub async fn create_product(&self, product: &NewProduct) -> Result<Product, Error> {
        self.post("/products", product).await
    }

    /// `GET /vat-zones`, all pages.
    pub async fn vat_zones(&self) -> Result<Vec<VatZone>, Error> {
        self.all("/vat-zones", None).await
    }

    /// `GET /payment-terms`, all pages.
    pub async fn payment_terms(&self) -> Result<Vec<PaymentTerms>, Error> {
        self.all("/payment-terms", None).await
    }

    /// `GET /layouts`, all pages, deleted layouts included (see [`Client::layout_options`]).
    pub async fn layouts(&self) -> Result<Vec<Layout>, Error> {
        self.all("/layouts", None).await
    }

    /// The layouts a shop owner may choose, as `(layoutNumber, "number – name")` pairs sorted
    /// by number: deleted layouts left out. Meant for an external list setting.
    pub async fn layout_options(&self) -> Result<Vec<(u32, String)>, Error> {
        let mut layouts = self.layouts().await?;
        layouts.retain(|layout| !layout.deleted);
        layouts.sort_by_key(|layout| layout.layout_number);
        Ok(layouts
            .into_iter()
            .map(|layout| {
                (
                    layout.layout_number,
                    format!("{} – {}", layout.layout_number, layout.name),
                )
            })
            .collect())
    }

    /// `GET /units`, all pages.
    pub async fn units(&self) -> Result<Vec<Unit>, Error> {
        self.all("/units", None).await
    }

    /// `GET /products/:productNumber` (the number self-link encoded); `None` if unknown.
    pub async fn product(&self, product_number: &str) -> Result<Option<Product>, Error> {
        if product_number.is_empty() {
            return Err(Error::InvalidRequest("empty product number".to_owned()));
        }
        self.get_optional(&format!("/products/{}", encode_path_id(product_number)))
            .await
    }

    /// `POST /invoices/drafts`. Not retried: on a transport error or 5xx, look the order up with
    /// [`Client::find_invoice_by_reference`] before trying again.
    pub async fn create_draft_invoice(
        &self,
        draft: &NewDraftInvoice,
    ) -> Result<DraftInvoice, Error> {
        if let Some(other) = draft
            .references
            .as_ref()
            .and_then(|references| references.other.as_deref())
        {
            check_reference(other)?;
        }
        self.post("/invoices/drafts", draft).await
    }

    /// `GET /invoices/drafts/:n`; `None` if it does not exist (or was booked).
    pub async fn draft_invoice(
        &self,
        draft_invoice_number: u32,
    ) -> Result<Option<DraftInvoice>, Error> {
        self.get_optional(&format!("/invoices/drafts/{draft_invoice_number}"))
            .await
    }

    /// `GET /invoices/drafts`, all pages, optionally filtered.
    pub async fn draft_invoices(
        &self,
        filter: Option<&Filter>,
    ) -> Result<Vec<DraftInvoice>, Error> {
        self.all("/invoices/drafts", filter).await
    }

    /// `POST /invoices/booked` for a draft: books it with the next invoice number.
    pub async fn book_draft(&self, draft_invoice_number: u32) -> Result<BookedInvoice, Error> {
        self.book(&BookDraft {
            draft_invoice: DraftInvoiceRef {
                draft_invoice_number,
            },
            book_with_number: None,
            send_by: None,
        })
        .await
    }

    /// `POST /invoices/booked` with full control over the booking. Not retried.
    pub async fn book(&self, booking: &BookDraft) -> Result<BookedInvoice, Error> {
        self.post("/invoices/booked", booking).await
    }

    /// `GET /invoices/booked/:n`; `None` if it does not exist.
    pub async fn booked_invoice(
        &self,
        booked_invoice_number: u32,
    ) -> Result<Option<BookedInvoice>, Error> {
        self.get_optional(&format!("/invoices/booked/{booked_invoice_number}"))
            .await
    }

    /// `GET /invoices/booked`, all pages, optionally filtered (`date$gte:2024-01-01`, …).
    pub async fn booked_invoices(
        &self,
        filter: Option<&Filter>,
    ) -> Result<Vec<BookedInvoice>, Error> {
        self.all("/invoices/booked", filter).await
    }

    /// Drafts whose `references.other` equals `other` (e-conomic compares case-insensitively;
    /// the answer is re-checked here), lowest number first.
    pub async fn drafts_by_reference(&self, other: &str) -> Result<Vec<DraftInvoice>, Error> {
        check_reference(other)?;
        let mut drafts = self.draft_invoices(Some(&reference_filter(other))).await?;
        drafts.retain(|draft| reference_matches(draft.references.as_ref(), other));
        drafts.sort_by_key(|draft| draft.draft_invoice_number);
        Ok(drafts)
    }

    /// Booked invoices whose `references.other` equals `other`, lowest number first.
    pub async fn booked_by_reference(&self, other: &str) -> Result<Vec<BookedInvoice>, Error> {
        check_reference(other)?;
        let mut booked = self.booked_invoices(Some(&reference_filter(other))).await?;
        booked.retain(|invoice| reference_matches(invoice.references.as_ref(), other));
        booked.sort_by_key(|invoice| invoice.booked_invoice_number);
        Ok(booked)
    }

    /// The invoice already created for an order reference, if any: the guard that keeps an
    /// order from being invoiced twice across restarts.
    ///
    /// Drafts are read *before* booked invoices: a draft booked between the two reads then
    /// shows up in the second, whereas the other order could miss it in both. A booked invoice
    /// wins over a draft with the same reference.
    pub async fn find_invoice_by_reference(
        &self,
        other: &str,
    ) -> Result<Option<ExistingInvoice>, Error> {
        let drafts = self.drafts_by_reference(other).await?;
        let booked = self.booked_by_reference(other).await?;
        if drafts.len() + booked.len() > 1 {
            warn!(
                reference = other,
                drafts = drafts.len(),
                booked = booked.len(),
                "several e-conomic invoices share one order reference"
            );
        }
        Ok(booked
            .into_iter()
            .next()
            .map(ExistingInvoice::Booked)
            .or_else(|| drafts.into_iter().next().map(ExistingInvoice::Draft)))
    }
}

fn reference_filter(other: &str) -> Filter {
    Filter::eq("references.other", other)
}

fn reference_matches(references: Option<&crate::model::References>, other: &str) -> bool {
    references
        .and_then(|references| references.other.as_deref())
        .is_some_and(|found| found.trim().eq_ignore_ascii_case(other.trim()))
}

fn check_reference(other: &str) -> Result<(), Error> {
    if other.trim().is_empty() {
        return Err(Error::InvalidRequest("empty references.other".to_owned()));
    }
    if other.chars().count() > MAX_REFERENCE_LEN {
        return Err(Error::InvalidRequest(format!(
            "references.other is longer than {MAX_REFERENCE_LEN} characters"
        )));
    }
    Ok(())
}

fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    text.parse::<u64>().ok().map(Duration::from_secs)
}

/// e-conomic's JSON error document, or one synthesised from the status and raw text.
fn parse_error_body(status: StatusCode, bytes: &[u8]) -> ApiErrorBody {
    let reason = status.canonical_reason().unwrap_or("error");
    if let Ok(mut body) = serde_json::from_slice::<ApiErrorBody>(bytes) {
        if body.message.is_empty() {
            reason.clone_into(&mut body.message);
        }
        return body;
    }
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    let message = if text.is_empty() {
        reason.to_owned()
    } else {
        text.chars().take(500).collect()
    };
    ApiErrorBody {
        message,
        http_status_code: Some(status.as_u16()),
        ..ApiErrorBody::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_caps_and_honours_retry_after() {
        let policy = RetryPolicy {
            max_retries: 5,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(400),
        };
        for retry in 0..5 {
            let wait = policy.backoff(retry, None).expect("within max_retries");
            let full =
                Duration::from_millis(100 * 2_u64.pow(retry)).min(Duration::from_millis(400));
            assert!(wait >= full / 2 && wait <= full, "retry {retry}: {wait:?}");
        }
        assert_eq!(policy.backoff(5, None), None);
        assert_eq!(
            policy.backoff(0, Some(Duration::from_millis(300))),
            Some(Duration::from_millis(300))
        );
        assert_eq!(policy.backoff(0, Some(Duration::from_mins(1))), None);
        assert_eq!(RetryPolicy::none().backoff(0, None), None);
    }

    #[test]
    fn config_is_validated_and_secrets_redacted() {
        let bad_url = Client::new(ClientConfig::new("a", "b").with_base_url("ftp://x"));
        assert!(matches!(bad_url, Err(Error::Config(_))));
        let blank = Client::new(ClientConfig::new("a", " "));
        assert!(matches!(blank, Err(Error::Config(_))));
        let newline = Client::new(ClientConfig::new("a\nb", "c"));
        assert!(matches!(newline, Err(Error::Config(_))));
        let client = Client::new(
            ClientConfig::new("app-secret-xyz", "grant-xyz").with_base_url("http://127.0.0.1:9/"),
        )
        .expect("valid");
        assert_eq!(client.base_url(), "http://127.0.0.1:9");
        let debug = format!(
            "{client:?} {:?}",
            ClientConfig::new("app-secret-xyz", "grant-xyz")
        );
        assert!(
            !debug.contains("secret-xyz") && !debug.contains("grant-xyz"),
            "{debug}"
        );
    }

    #[test]
    fn non_json_error_bodies_are_kept_readable() {
        let body = parse_error_body(StatusCode::BAD_GATEWAY, b"<html>upstream</html>");
        assert_eq!(body.message, "<html>upstream</html>");
        assert_eq!(body.http_status_code, Some(502));
        let empty = parse_error_body(StatusCode::SERVICE_UNAVAILABLE, b"");
        assert_eq!(empty.message, "Service Unavailable");
    }

    #[test]
    fn references_are_checked() {
        assert!(check_reference("shop-1").is_ok());
        assert!(check_reference("").is_err());
        assert!(check_reference(&"x".repeat(251)).is_err());
        let references = crate::model::References {
            other: Some("SHOP-1".into()),
        };
        assert!(reference_matches(Some(&references), "shop-1"));
        assert!(!reference_matches(Some(&references), "shop-10"));
        assert!(!reference_matches(None, "shop-1"));
    }
}
