//! [`ShopClient`], and the request loop every client shares: budget, headers, timeout,
//! retries and error mapping.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, USER_AGENT};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;

use super::countries::CountryCache;
use super::retry::{is_idempotent, is_retryable_status, retry_after};
use super::{ApiError, AuthScheme, Budget, ErrorBody, RestConfig, RestError};
use crate::secret::AppToken;

/// A REST client for one shop, bound to that shop's token and daily [`Budget`].
///
/// Cheap to clone (one `Arc`); every clone shares the budget, and every client built from
/// the same [`RestConfig`] shares its connection pool. Resource handles:
/// [`products`](Self::products), [`orders`](Self::orders), [`categories`](Self::categories),
/// [`customers`](Self::customers), [`stock`](Self::stock) (typed), the other resources as
/// JSON ([`brands`](Self::brands) … [`webhooks`](Self::webhooks), or
/// [`resource`](Self::resource)), and [`self_info`](Self::self_info).
///
/// Handlers get the shop's client from [`Shop::rest`](crate::Shop::rest); a script or test
/// can build one:
///
/// ```no_run
/// use std::sync::Arc;
/// use shoporama_app::futures::TryStreamExt as _;
/// use shoporama_app::rest::{Budget, ListQuery, RestConfig, ShopClient};
/// use shoporama_app::secret::AppToken;
///
/// # async fn demo() -> Result<(), shoporama_app::rest::RestError> {
/// let client = ShopClient::new(
///     RestConfig::new("https://demo.shoporama.dk/REST"),
///     AppToken::new("the shop's REST token"),
///     Arc::new(Budget::new(1000, 0)), // the token's daily limit and today's usage
/// );
/// // One product, then every product page by page (each page is one call of the budget).
/// let product = client.products().get(42).await?;
/// println!("{:?} costs {:?}", product.name, product.current_price());
/// let mut products = client.products().list(ListQuery::default());
/// while let Some(product) = products.try_next().await? {
///     println!("{:?}", product.name);
/// }
/// println!("{} calls left today", client.budget().remaining());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ShopClient {
    inner: Arc<Inner>,
}

struct Inner {
    endpoint: Endpoint,
    budget: Arc<Budget>,
    countries: Arc<CountryCache>,
}

impl fmt::Debug for ShopClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShopClient")
            .field("base_url", &self.inner.endpoint.base_url())
            .field("token", &"***")
            .field("budget", &self.inner.budget)
            .finish()
    }
}

impl ShopClient {
    /// A client for the shop whose REST token is `token`, counting its calls against
    /// `budget` (share one `Arc<Budget>` between all clients of a shop).
    ///
    /// Never fails: a token that cannot be sent in a header makes every call fail with
    /// [`RestError::InvalidToken`], a bad base URL with [`RestError::Config`].
    // The token is handed over like the configuration and the budget; only its header value
    // is kept, so no copy of the secret outlives this call.
    #[allow(clippy::needless_pass_by_value)]
    pub fn new(config: RestConfig, token: AppToken, budget: Arc<Budget>) -> Self {
        Self::with_country_cache(config, &token, budget, Arc::default())
    }

    /// A client sharing `countries` (the shop's cached country table) with the shop's other
    /// clients.
    pub(crate) fn with_country_cache(
        config: RestConfig,
        token: &AppToken,
        budget: Arc<Budget>,
        countries: Arc<CountryCache>,
    ) -> Self {
        let scheme = config.auth_scheme;
        Self {
            inner: Arc::new(Inner {
                endpoint: Endpoint::new(config, scheme, token),
                budget,
                countries,
            }),
        }
    }

    /// The shop's cached country table.
    pub(crate) fn country_cache(&self) -> &CountryCache {
        &self.inner.countries
    }

    /// The configuration.
    pub fn config(&self) -> &RestConfig {
        &self.inner.endpoint.config
    }

    /// The shop's daily budget.
    pub fn budget(&self) -> &Arc<Budget> {
        &self.inner.budget
    }

    /// Sends one request to `segments` below the base URL, counted against the shop's
    /// budget, and returns the successful body.
    pub(crate) async fn call<K: AsRef<str>, V: AsRef<str>>(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(K, V)],
        body: Option<Bytes>,
    ) -> Result<Bytes, RestError> {
        self.inner
            .endpoint
            .call(Some(&self.inner.budget), method, segments, query, body)
            .await
    }

    /// GET a path below the base URL (e.g. `"product/42"`, or an endpoint this crate does not
    /// model, like `"profile-attribute"`) and parse the JSON answer.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, RestError> {
        let segments = split_path(path);
        let bytes = self.call(Method::GET, &segments, query, None).await?;
        decode(&Method::GET, &segments, &bytes)
    }

    /// Sends `body` as JSON with `method` to a path below the base URL and parses the JSON
    /// answer (an empty answer reads as `null`). Retried only when `method` is idempotent.
    pub async fn send_json<B: serde::Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T, RestError> {
        let segments = split_path(path);
        let bytes = self
            .call(method.clone(), &segments, NO_QUERY, Some(encode(body)?))
            .await?;
        decode(&method, &segments, &bytes)
    }
}

/// No query parameters (a typed empty slice for [`ShopClient::call`]).
pub(crate) const NO_QUERY: &[(&str, &str)] = &[];

/// `"product/42/"` as `["product", "42"]`.
fn split_path(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// What every client holds: the configuration, and the `Authorization` header built once
/// from the token (`None` when the token cannot be sent: every call then fails with
/// [`RestError::InvalidToken`]).
pub(crate) struct Endpoint {
    config: RestConfig,
    auth: Option<HeaderValue>,
}

impl Endpoint {
    pub(crate) fn new(config: RestConfig, scheme: AuthScheme, token: &AppToken) -> Self {
        let auth = scheme.header(token).ok();
        Self { config, auth }
    }

    /// The base URL, for `Debug` output.
    pub(crate) fn base_url(&self) -> Option<&str> {
        self.config.base_url().map(Url::as_str).ok()
    }

    /// Sends one request to `segments` below the base URL under the configuration's retry
    /// policy, taking each attempt from `budget` (when there is one), and returns the
    /// successful body.
    pub(crate) async fn call<K: AsRef<str>, V: AsRef<str>>(
        &self,
        budget: Option<&Budget>,
        method: Method,
        segments: &[&str],
        query: &[(K, V)],
        body: Option<Bytes>,
    ) -> Result<Bytes, RestError> {
        let auth = self.auth.as_ref().ok_or(RestError::InvalidToken)?;
        let mut url = self.config.url(segments)?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let path = segments.join("/");
        execute(&self.config, auth, budget, method, url, &path, body).await
    }
}

/// Serializes a request body.
pub(crate) fn encode<B: serde::Serialize + ?Sized>(body: &B) -> Result<Bytes, RestError> {
    serde_json::to_vec(body)
        .map(Bytes::from)
        .map_err(RestError::Encode)
}

/// Parses a successful body from `segments`; an empty one reads as JSON `null`.
pub(crate) fn decode<T: DeserializeOwned>(
    method: &Method,
    segments: &[&str],
    bytes: &[u8],
) -> Result<T, RestError> {
    let bytes = if bytes.trim_ascii().is_empty() {
        b"null".as_slice()
    } else {
        bytes
    };
    serde_json::from_slice(bytes).map_err(|source| RestError::Decode {
        method: method.clone(),
        path: segments.join("/"),
        source,
    })
}

/// What came back from one attempt.
enum Outcome {
    Answer {
        status: reqwest::StatusCode,
        retry_after: Option<std::time::Duration>,
        body: Bytes,
    },
    Failed(reqwest::Error),
}

/// Sends a request to `url` under `config`'s retry policy, taking each attempt from `budget`.
/// `path` names it in logs and errors (no query, no host, no token).
async fn execute(
    config: &RestConfig,
    auth: &HeaderValue,
    budget: Option<&Budget>,
    method: Method,
    url: Url,
    path: &str,
    body: Option<Bytes>,
) -> Result<Bytes, RestError> {
    let http = config.http()?;
    let policy = &config.retry;
    let idempotent = is_idempotent(&method);
    let mut attempt: u32 = 0;
    loop {
        let permit = match budget {
            Some(budget) => Some(budget.reserve(&config.pacing).await?),
            None => None,
        };
        let mut builder = http
            .request(method.clone(), url.clone())
            .header(AUTHORIZATION, auth.clone())
            .header(USER_AGENT, config.user_agent.as_str())
            .header(ACCEPT, "application/json")
            .timeout(config.timeout);
        if let Some(body) = &body {
            builder = builder
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let started = Instant::now();
        let outcome = match builder.send().await {
            Ok(response) => {
                let status = response.status();
                let retry_after = retry_after(response.headers());
                match response.bytes().await {
                    Ok(body) => Outcome::Answer {
                        status,
                        retry_after,
                        body,
                    },
                    Err(error) => Outcome::Failed(error),
                }
            }
            Err(error) => Outcome::Failed(error),
        };
        if let Some(permit) = permit {
            permit.finish().await;
        }
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let may_retry = idempotent && attempt < policy.max_retries;
        match outcome {
            Outcome::Answer { status, body, .. } if status.is_success() => {
                tracing::debug!(%method, path, status = status.as_u16(), attempt, elapsed_ms, "Shoporama REST call");
                return Ok(body);
            }
            Outcome::Answer {
                status,
                retry_after,
                body,
            } => {
                let error = ApiError {
                    method: method.clone(),
                    path: path.to_owned(),
                    status,
                    body: ErrorBody::from_bytes(&body),
                };
                if !(may_retry && is_retryable_status(status)) {
                    tracing::debug!(%method, path, status = status.as_u16(), attempt, elapsed_ms, "Shoporama REST call failed");
                    return Err(RestError::from_status(error, retry_after));
                }
                let delay = match retry_after {
                    Some(wait) if wait > policy.max_retry_after => {
                        tracing::warn!(%method, path, retry_after_secs = wait.as_secs(), "Retry-After too long; not retrying");
                        return Err(RestError::from_status(error, retry_after));
                    }
                    Some(wait) => wait,
                    None => policy.backoff_for(attempt),
                };
                tracing::warn!(%method, path, status = status.as_u16(), attempt, delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX), "Shoporama REST call will be retried");
                tokio::time::sleep(delay).await;
            }
            Outcome::Failed(error) => {
                let transient = !(error.is_builder() || error.is_redirect() || error.is_decode());
                if !(may_retry && transient) {
                    tracing::debug!(%method, path, attempt, elapsed_ms, timeout = error.is_timeout(), "Shoporama REST call failed");
                    return Err(if error.is_timeout() {
                        RestError::Timeout {
                            method,
                            path: path.to_owned(),
                            attempts: attempt + 1,
                        }
                    } else {
                        RestError::Transport {
                            method,
                            path: path.to_owned(),
                            source: error.without_url(),
                        }
                    });
                }
                let delay = policy.backoff_for(attempt);
                tracing::warn!(%method, path, attempt, timeout = error.is_timeout(), delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX), "Shoporama REST call will be retried");
                tokio::time::sleep(delay).await;
            }
        }
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::{ListQuery, ProductUpdate};

    fn is_send<T: Send>(_: &T) {}
    fn is_send_sync<T: Send + Sync + Clone>() {}

    #[test]
    fn clients_futures_and_streams_can_cross_tasks() {
        is_send_sync::<ShopClient>();
        is_send_sync::<crate::rest::AppStatusClient>();
        let client = ShopClient::new(
            RestConfig::default(),
            AppToken::new("t"),
            Arc::new(Budget::unlimited()),
        );
        let products = client.products();
        is_send(&products.get(1));
        is_send(&products.update(1, &ProductUpdate::default()));
        is_send(&products.list(ListQuery::new()));
        is_send(&client.set_stock(&crate::rest::StockUpdate::product(1, 1)));
    }
}
