//! [`RestConfig`]: what every client of one app shares (base URL, User-Agent, timeout,
//! retries, pacing, page size, and the HTTP connection pool).

use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

use reqwest::Url;

use super::{AuthScheme, PacingPolicy, RestError, RetryPolicy};

/// Shoporama's central REST endpoint. A shop's own domain works too:
/// `https://<shop-domain>/REST/`.
pub const DEFAULT_BASE_URL: &str = "https://www.shoporama.dk/REST/";

/// Items per page when streaming lists (the page size every known client uses).
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// How long a shop's country table is kept by default.
pub const DEFAULT_COUNTRY_CACHE_TTL: Duration = Duration::from_hours(1);

/// The default request timeout (per attempt).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The framework's product token, `shoporama-app/x.y`: the end of every User-Agent.
pub const FRAMEWORK_AGENT: &str = concat!(
    "shoporama-app/",
    env!("CARGO_PKG_VERSION_MAJOR"),
    ".",
    env!("CARGO_PKG_VERSION_MINOR")
);

/// The method sent by `update`: Shoporama treats PUT as a partial update, which is what every
/// known client uses; the old wiki documents PATCH.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UpdateMethod {
    /// `PUT /<resource>/<id>` with the fields to change (the default). Retried.
    #[default]
    Put,
    /// `PATCH /<resource>/<id>` with the fields to change. Not retried (PATCH is not
    /// idempotent by HTTP's rules).
    Patch,
}

/// Configuration shared by every [`ShopClient`](super::ShopClient) and
/// [`AppStatusClient`](super::AppStatusClient) of an app. Cheap to clone: the HTTP client
/// inside is reference counted, so all clones share one connection pool.
///
/// ```
/// use std::time::Duration;
/// use shoporama_app::rest::{RestConfig, RetryPolicy};
///
/// let config = RestConfig::new("https://dinshop.dk/REST/")
///     .user_agent("my-app/1.0 (+https://example.com)")
///     .timeout(Duration::from_secs(10))
///     .retry(RetryPolicy::default().max_retries(5))
///     .page_size(250);
/// assert_eq!(config.base_url().map(|u| u.as_str()).ok(), Some("https://dinshop.dk/REST/"));
/// ```
#[derive(Clone)]
pub struct RestConfig {
    base_url: Result<Url, String>,
    pub(crate) user_agent: String,
    /// Whether the User-Agent was chosen ([`user_agent`](Self::user_agent) or
    /// [`app_agent`](Self::app_agent)) rather than left at [`FRAMEWORK_AGENT`].
    agent_set: bool,
    pub(crate) timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) pacing: PacingPolicy,
    pub(crate) page_size: u32,
    pub(crate) auth_scheme: AuthScheme,
    pub(crate) update_method: UpdateMethod,
    pub(crate) country_cache_ttl: Duration,
    http: Option<reqwest::Client>,
}

impl fmt::Debug for RestConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestConfig")
            .field("base_url", &self.base_url.as_ref().map(Url::as_str))
            .field("user_agent", &self.user_agent)
            .field("agent_set", &self.agent_set)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("pacing", &self.pacing)
            .field("page_size", &self.page_size)
            .field("auth_scheme", &self.auth_scheme)
            .field("update_method", &self.update_method)
            .field("country_cache_ttl", &self.country_cache_ttl)
            .field("shared_http_client", &self.http.is_none())
            .finish()
    }
}

impl Default for RestConfig {
    fn default() -> Self {
        Self::new(DEFAULT_BASE_URL)
    }
}

impl RestConfig {
    /// A configuration for the REST root at `base_url` (e.g. [`DEFAULT_BASE_URL`],
    /// `https://dinshop.dk/REST/`, or a [`FakeShoporama`]'s `base_url()`). A missing trailing
    /// `/` is added. A malformed URL is reported by [`RestConfig::base_url`] and by every call
    /// made with this configuration ([`RestError::Config`]).
    ///
    /// [`FakeShoporama`]: crate::testing::fake_shoporama::FakeShoporama
    pub fn new(base_url: impl AsRef<str>) -> Self {
        Self {
            base_url: parse_base(base_url.as_ref()),
            user_agent: FRAMEWORK_AGENT.to_owned(),
            agent_set: false,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            pacing: PacingPolicy::default(),
            page_size: DEFAULT_PAGE_SIZE,
            auth_scheme: AuthScheme::default(),
            update_method: UpdateMethod::default(),
            country_cache_ttl: DEFAULT_COUNTRY_CACHE_TTL,
            http: None,
        }
    }

    /// How long a shop's country table ([`ShopClient::country_table`]) is kept before it is
    /// read again. Default 1 hour.
    ///
    /// [`ShopClient::country_table`]: super::ShopClient::country_table
    #[must_use]
    pub fn country_cache_ttl(mut self, ttl: Duration) -> Self {
        self.country_cache_ttl = ttl;
        self
    }

    /// The User-Agent sent with every call, as given; Shoporama asks for one that names the
    /// app. [`app_agent`](Self::app_agent) builds the usual one.
    #[must_use]
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self.agent_set = true;
        self
    }

    /// The User-Agent that names the app, then the framework: `<name>/<version>
    /// shoporama-app/x.y` (`<name> shoporama-app/x.y` without a version). `name` is made a
    /// valid product token: lower case, each run of other characters than ASCII letters,
    /// digits, `.` and `_` as one `-` (`"Big orders"` → `big-orders`). An
    /// [`AppRuntime`](crate::AppRuntime) sets it from the manifest's name and
    /// [`ShoporamaApp::version`](crate::ShoporamaApp::version) unless a User-Agent was set.
    ///
    /// ```
    /// use shoporama_app::rest::RestConfig;
    /// let config = RestConfig::default().app_agent("Big orders", Some("1.4.2"));
    /// assert_eq!(config.user_agent_header(), format!("big-orders/1.4.2 {}", shoporama_app::rest::FRAMEWORK_AGENT));
    /// ```
    #[must_use]
    pub fn app_agent(self, name: &str, version: Option<&str>) -> Self {
        let product = |text: &str| {
            let mut token = String::with_capacity(text.len());
            for c in text.trim().chars() {
                if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
                    token.push(c.to_ascii_lowercase());
                } else if !token.ends_with('-') {
                    token.push('-');
                }
            }
            token.trim_matches('-').to_owned()
        };
        let name = Some(product(name))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "app".to_owned());
        let agent = match version.map(product).filter(|v| !v.is_empty()) {
            Some(version) => format!("{name}/{version} {FRAMEWORK_AGENT}"),
            None => format!("{name} {FRAMEWORK_AGENT}"),
        };
        self.user_agent(agent)
    }

    /// Whether a User-Agent was chosen ([`user_agent`](Self::user_agent),
    /// [`app_agent`](Self::app_agent)), rather than left at [`FRAMEWORK_AGENT`].
    pub fn has_user_agent(&self) -> bool {
        self.agent_set
    }

    /// The User-Agent header every call sends.
    pub fn user_agent_header(&self) -> &str {
        &self.user_agent
    }

    /// The timeout of each attempt (connect, send and read the whole body). Timeouts of
    /// idempotent calls are retried. Default 30 s.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// When and how often to retry.
    #[must_use]
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// How calls are spread over the day.
    #[must_use]
    pub fn pacing(mut self, pacing: PacingPolicy) -> Self {
        self.pacing = pacing;
        self
    }

    /// Items per page when streaming lists (`limit`), at least 1. Default 100.
    #[must_use]
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    /// How shop tokens are sent (default `Shoporama <token>`).
    #[must_use]
    pub fn auth_scheme(mut self, scheme: AuthScheme) -> Self {
        self.auth_scheme = scheme;
        self
    }

    /// The method `update` sends (default PUT).
    #[must_use]
    pub fn update_method(mut self, method: UpdateMethod) -> Self {
        self.update_method = method;
        self
    }

    /// Uses this HTTP client (its pool, proxy and TLS settings) instead of the process-wide
    /// default. The User-Agent and timeout of this configuration still apply per request.
    #[must_use]
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The REST root every path is joined to.
    pub fn base_url(&self) -> Result<&Url, RestError> {
        self.base_url
            .as_ref()
            .map_err(|message| RestError::Config(message.clone()))
    }

    /// Items per page when streaming lists.
    pub fn configured_page_size(&self) -> u32 {
        self.page_size
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The pacing policy.
    pub fn pacing_policy(&self) -> &PacingPolicy {
        &self.pacing
    }

    /// The HTTP client: the one given to [`RestConfig::http_client`], or one shared by the
    /// whole process (rustls, connection pooling), built on first use.
    pub(crate) fn http(&self) -> Result<&reqwest::Client, RestError> {
        static SHARED: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();
        if let Some(client) = &self.http {
            return Ok(client);
        }
        SHARED
            .get_or_init(|| {
                reqwest::Client::builder()
                    .connect_timeout(Duration::from_secs(10))
                    .pool_idle_timeout(Duration::from_mins(1))
                    .build()
                    .map_err(|e| format!("could not build the HTTP client: {e}"))
            })
            .as_ref()
            .map_err(|message| RestError::Config(message.clone()))
    }

    /// The URL of `segments` (each percent-encoded) below the base URL.
    pub(crate) fn url(&self, segments: &[&str]) -> Result<Url, RestError> {
        let mut url = self.base_url()?.clone();
        {
            let mut path = url
                .path_segments_mut()
                .map_err(|()| RestError::Config("the base URL cannot have a path".to_owned()))?;
            path.pop_if_empty();
            path.extend(segments);
        }
        Ok(url)
    }
}

fn parse_base(raw: &str) -> Result<Url, String> {
    let raw = raw.trim();
    let with_slash = if raw.ends_with('/') {
        raw.to_owned()
    } else {
        format!("{raw}/")
    };
    let url = Url::parse(&with_slash).map_err(|e| format!("base URL {raw:?}: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "base URL {raw:?}: the scheme must be http or https"
        ));
    }
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(format!("base URL {raw:?}: not a base URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "base URL {raw:?}: must not have a query or fragment"
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_get_a_trailing_slash_and_paths_join() -> Result<(), RestError> {
        let config = RestConfig::new("http://127.0.0.1:4000/REST");
        assert_eq!(config.base_url()?.as_str(), "http://127.0.0.1:4000/REST/");
        assert_eq!(
            config.url(&["product", "42"])?.as_str(),
            "http://127.0.0.1:4000/REST/product/42"
        );
        assert_eq!(
            config.url(&["product", "a/b c"])?.as_str(),
            "http://127.0.0.1:4000/REST/product/a%2Fb%20c"
        );
        assert_eq!(
            RestConfig::default().url(&["self"])?.as_str(),
            "https://www.shoporama.dk/REST/self"
        );
        Ok(())
    }

    #[test]
    fn malformed_base_urls_are_reported() {
        for bad in [
            "not a url",
            "ftp://x/REST/",
            "mailto:x@y",
            "https://x/REST/?a=1",
        ] {
            let config = RestConfig::new(bad);
            assert!(
                matches!(config.base_url(), Err(RestError::Config(_))),
                "{bad}"
            );
            assert!(config.url(&["product"]).is_err());
        }
    }

    #[test]
    fn page_size_is_at_least_one() {
        assert_eq!(RestConfig::default().page_size(0).configured_page_size(), 1);
        assert_eq!(
            RestConfig::default().configured_page_size(),
            DEFAULT_PAGE_SIZE
        );
    }
}
