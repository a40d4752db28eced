//! App-level configuration: from the environment ([`Config::from_env`]) or built in code
//! ([`Config::builder`]).
//!
//! | Variable | Default | Meaning |
//! |---|---|---|
//! | `SHOPORAMA_APP_TOKEN` | (required) | the app's token; Shoporama sends it as `x-app-token` |
//! | `SHOPORAMA_APP_TOKEN_PREVIOUS` | none | the previous token, still accepted while rotating |
//! | `DATABASE_URL` | `sqlite://shoporama-app.db` | the install store (`sqlite://`, `postgres://`, `memory://`) |
//! | `SHOPORAMA_LISTEN` | `127.0.0.1:3000` | the address `serve` binds |
//! | `SHOPORAMA_CALLBACK_PATH` | `/callback` | the callback route |
//! | `SHOPORAMA_BODY_LIMIT` | `1048576` | the largest callback body accepted, in bytes |
//! | `SHOPORAMA_ALLOWED_IPS` | none (any) | comma-separated addresses or CIDR ranges allowed to call back |
//! | `SHOPORAMA_TRUSTED_PROXIES` | none | proxies whose `x-forwarded-for` is believed |
//! | `SHOPORAMA_SHOP_CACHE_MS` | `2000` | how long an installation read for an event is reused |
//! | `SHOPORAMA_REST_BASE_URL` | `https://www.shoporama.dk/REST/` | the REST API base |
//! | `SHOPORAMA_REST_PACING` | `on` | `off`: no pacing, only the daily limit (see [`PacingPolicy`](crate::rest::PacingPolicy)) |
//! | `SHOPORAMA_HEADER_TIMEOUT_MS` | `10000` | how long a client may take to send a request's head, from its first byte |
//! | `SHOPORAMA_BODY_TIMEOUT_MS` | `15000` | how long a client may take to send a request's body, from the end of its head (408 after) |
//! | `SHOPORAMA_IDLE_TIMEOUT_MS` | `30000` | how long a connection may stay open without a request in progress |
//! | `SHOPORAMA_MAX_CONNECTIONS` | half the open-file limit, at most `1024` | connections served at once; beyond it the longest-idle one is closed, or the new one waits |
//! | `SHOPORAMA_SHUTDOWN_GRACE_MS` | `10000` | how long a stopping server lets requests in progress finish before it closes their connections |
//! | `SHOPORAMA_INBOX*` | webhooks through the inbox | see [`InboxConfig`] |
//! | `SHOPORAMA_EFFECTS_*` | 30 s lease, 20 s wait | see [`EffectsConfig`] |

pub(crate) mod effects;
mod inbox;
mod ip;

pub use effects::EffectsConfig;
pub use inbox::{Delivery, InboxConfig};
pub use ip::{IpNet, SourceFilter};

use std::net::SocketAddr;
use std::time::Duration;

use crate::secret::AppToken;

/// Default body limit: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
/// Default store.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://shoporama-app.db";
/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:3000";
/// Default time a client may take to send a request's head: 10 s.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time a client may take to send a request's body: 15 s.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(15);
/// Default time a connection may stay open without a request in progress: 30 s.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time a stopping server lets requests in progress finish: 10 s.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// The most connections served at once by default, however high the open-file limit is.
pub const MAX_DEFAULT_CONNECTIONS: usize = 1024;

/// What was wrong with the configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The app token is not set.
    #[error(
        "SHOPORAMA_APP_TOKEN is not set: the server refuses to start without the app's token \
         (the value Shoporama sends as `x-app-token`; find it on your app's page in Shoporama)"
    )]
    MissingToken,
    /// A variable has a value that cannot be used.
    #[error("{variable} is invalid: {reason}")]
    Invalid {
        /// The variable or builder setting.
        variable: &'static str,
        /// Why.
        reason: String,
    },
}

/// The set of tokens accepted in `x-app-token`: the current one and, while rotating, the
/// previous one. `Debug` never shows them.
#[derive(Clone, Debug)]
pub struct TokenSet {
    current: AppToken,
    previous: Option<AppToken>,
}

impl TokenSet {
    /// A set with the current token and an optional previous one.
    pub fn new(current: AppToken, previous: Option<AppToken>) -> Self {
        Self { current, previous }
    }

    /// The current token (sent by `simulate`, used for `app-status`).
    pub fn current(&self) -> &AppToken {
        &self.current
    }

    /// Whether `candidate` is one of the tokens. Every token is compared, in constant time.
    pub fn accepts(&self, candidate: &[u8]) -> bool {
        let current = self.current.matches(candidate);
        let previous = self.previous.as_ref().is_some_and(|p| p.matches(candidate));
        current | previous
    }
}

/// The app's run-time configuration.
///
/// `serve` and the app's commands read it from the environment ([`Config::from_env`]; the
/// variables are listed in the README); code builds it with [`Config::builder`], which checks
/// every value:
///
/// ```
/// use std::time::Duration;
/// use shoporama_app::Config;
///
/// let config = Config::builder()
///     .app_token("the app token from Shoporama")
///     .database_url("sqlite://shoporama-app.db?mode=rwc")
///     .handler_timeout(Duration::from_secs(20))
///     .build()?;
/// assert_eq!(config.callback_path, "/callback");
///
/// // The same from (here, a stand-in for) the environment; a bad value names its variable.
/// let env = |name: &str| match name {
///     "SHOPORAMA_APP_TOKEN" => Some("the app token from Shoporama".to_owned()),
///     "SHOPORAMA_LISTEN" => Some("0.0.0.0:8080".to_owned()),
///     _ => None,
/// };
/// assert_eq!(Config::from_lookup(env)?.listen.port(), 8080);
/// let bad = |name: &str| (name == "SHOPORAMA_LISTEN").then(|| "port 80".to_owned());
/// assert!(Config::from_lookup(bad).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    /// Tokens accepted in `x-app-token`.
    pub tokens: TokenSet,
    /// The install store's URL.
    pub database_url: String,
    /// The address `serve` binds.
    pub listen: SocketAddr,
    /// The callback route.
    pub callback_path: String,
    /// The largest callback body accepted, in bytes.
    pub body_limit: usize,
    /// Which source addresses may call back.
    pub source_filter: SourceFilter,
    /// Whether `GET /lists/{name}` requires `x-app-token` (default: yes, since Shoporama adds
    /// it to all its requests).
    pub lists_require_token: bool,
    /// The REST client configuration handlers get through [`Shop::rest`](crate::Shop::rest):
    /// base URL, User-Agent, retries, pacing.
    pub rest: crate::rest::RestConfig,
    /// How long a handler may run before the callback answers 500.
    pub handler_timeout: Duration,
    /// How long an installation read for an event is reused before it is read again
    /// (default 2 s; zero disables). This process's own install, update and uninstall
    /// callbacks refresh it at once; the TTL bounds how long another server's change can go
    /// unseen.
    pub shop_cache_ttl: Duration,
    /// Which callbacks go through the durable inbox, and how its workers behave.
    pub inbox: InboxConfig,
    /// The keyed effects' lease and wait ([`Shop::once`](crate::Shop::once)).
    pub effects: EffectsConfig,
    /// How long a client may take to send a request's head (request line and headers), counted
    /// from its first byte; the connection is closed after it (default 10 s).
    pub header_timeout: Duration,
    /// How long a client may take to send a request's body, counted from the end of its head:
    /// a body still incomplete then (a `Content-Length` larger than what is sent) is answered
    /// 408 (default 15 s).
    pub body_timeout: Duration,
    /// How long a connection may stay open without a request in progress: a new connection
    /// until its first byte, a kept-alive one between requests (default 30 s).
    pub idle_timeout: Duration,
    /// How many connections are served at once. At the limit, the connection idle the longest
    /// is closed for the new one; when every connection has a request in progress, new ones
    /// wait in the listen queue. Default: half the process's open-file limit (the other half
    /// stays for the store, the inbox and handlers' REST calls), at most
    /// [`MAX_DEFAULT_CONNECTIONS`].
    pub max_connections: usize,
    /// How long a stopping server lets the requests in progress finish before it closes
    /// their connections (default 10 s).
    pub shutdown_grace: Duration,
}

impl Config {
    /// A builder, starting from the defaults.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Reads the configuration from the environment (see the module docs).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (the environment, in [`Config::from_env`]).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut builder = Self::builder();
        if let Some(token) = get("SHOPORAMA_APP_TOKEN") {
            builder = builder.app_token(token);
        }
        if let Some(previous) = get("SHOPORAMA_APP_TOKEN_PREVIOUS") {
            builder = builder.previous_app_token(previous);
        }
        if let Some(url) = get("DATABASE_URL") {
            builder = builder.database_url(url);
        }
        if let Some(listen) = get("SHOPORAMA_LISTEN") {
            let addr = listen
                .parse()
                .map_err(|e| invalid("SHOPORAMA_LISTEN", format!("`{listen}`: {e}")))?;
            builder = builder.listen(addr);
        }
        if let Some(path) = get("SHOPORAMA_CALLBACK_PATH") {
            builder = builder.callback_path(path);
        }
        if let Some(limit) = get("SHOPORAMA_BODY_LIMIT") {
            let bytes = limit
                .parse()
                .map_err(|e| invalid("SHOPORAMA_BODY_LIMIT", format!("`{limit}`: {e}")))?;
            builder = builder.body_limit(bytes);
        }
        if let Some(ips) = get("SHOPORAMA_ALLOWED_IPS") {
            builder = builder.allowed_sources(parse_nets("SHOPORAMA_ALLOWED_IPS", &ips)?);
        }
        if let Some(proxies) = get("SHOPORAMA_TRUSTED_PROXIES") {
            builder = builder.trusted_proxies(parse_nets("SHOPORAMA_TRUSTED_PROXIES", &proxies)?);
        }
        if let Some(ms) = get("SHOPORAMA_SHOP_CACHE_MS") {
            let ms = ms
                .parse()
                .map_err(|e| invalid("SHOPORAMA_SHOP_CACHE_MS", format!("`{ms}`: {e}")))?;
            builder = builder.shop_cache_ttl(Duration::from_millis(ms));
        }
        if let Some(base) = get("SHOPORAMA_REST_BASE_URL") {
            builder = builder.rest_base_url(base);
        }
        if let Some(pacing) = get("SHOPORAMA_REST_PACING") {
            builder = builder.rest_pacing(match pacing.to_ascii_lowercase().as_str() {
                "on" | "1" | "true" => crate::rest::PacingPolicy::default(),
                "off" | "0" | "false" => crate::rest::PacingPolicy::unpaced(),
                _ => {
                    return Err(invalid(
                        "SHOPORAMA_REST_PACING",
                        format!("`{pacing}`: expected on or off"),
                    ));
                }
            });
        }
        let millis = |variable: &'static str| -> Result<Option<Duration>, ConfigError> {
            get(variable)
                .map(|ms| {
                    ms.parse()
                        .map(Duration::from_millis)
                        .map_err(|e| invalid(variable, format!("`{ms}`: {e}")))
                })
                .transpose()
        };
        if let Some(timeout) = millis("SHOPORAMA_HEADER_TIMEOUT_MS")? {
            builder = builder.header_timeout(timeout);
        }
        if let Some(timeout) = millis("SHOPORAMA_BODY_TIMEOUT_MS")? {
            builder = builder.body_timeout(timeout);
        }
        if let Some(timeout) = millis("SHOPORAMA_IDLE_TIMEOUT_MS")? {
            builder = builder.idle_timeout(timeout);
        }
        if let Some(grace) = millis("SHOPORAMA_SHUTDOWN_GRACE_MS")? {
            builder = builder.shutdown_grace(grace);
        }
        if let Some(max) = get("SHOPORAMA_MAX_CONNECTIONS") {
            let connections = max
                .parse()
                .map_err(|e| invalid("SHOPORAMA_MAX_CONNECTIONS", format!("`{max}`: {e}")))?;
            builder = builder.max_connections(connections);
        }
        builder = builder.inbox(InboxConfig::from_lookup(get)?);
        builder = builder.effects(EffectsConfig::from_lookup(get)?);
        builder.build()
    }
}

fn invalid(variable: &'static str, reason: String) -> ConfigError {
    ConfigError::Invalid { variable, reason }
}

fn parse_nets(variable: &'static str, list: &str) -> Result<Vec<IpNet>, ConfigError> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<IpNet>().map_err(|e| invalid(variable, e)))
        .collect()
}

/// Builds a [`Config`] in code.
#[derive(Debug, Default)]
#[must_use]
pub struct ConfigBuilder {
    token: Option<AppToken>,
    previous: Option<AppToken>,
    database_url: Option<String>,
    listen: Option<SocketAddr>,
    callback_path: Option<String>,
    body_limit: Option<usize>,
    allowed: Vec<IpNet>,
    proxies: Vec<IpNet>,
    lists_require_token: Option<bool>,
    rest: Option<crate::rest::RestConfig>,
    rest_base_url: Option<String>,
    rest_pacing: Option<crate::rest::PacingPolicy>,
    user_agent: Option<String>,
    handler_timeout: Option<Duration>,
    shop_cache_ttl: Option<Duration>,
    inbox: Option<InboxConfig>,
    effects: Option<EffectsConfig>,
    header_timeout: Option<Duration>,
    body_timeout: Option<Duration>,
    idle_timeout: Option<Duration>,
    max_connections: Option<usize>,
    shutdown_grace: Option<Duration>,
}

impl ConfigBuilder {
    /// The app's token (required).
    pub fn app_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(AppToken::new(token));
        self
    }

    /// The previous token, accepted while rotating.
    pub fn previous_app_token(mut self, token: impl Into<String>) -> Self {
        self.previous = Some(AppToken::new(token));
        self
    }

    /// The install store's URL.
    pub fn database_url(mut self, url: impl Into<String>) -> Self {
        self.database_url = Some(url.into());
        self
    }

    /// The address `serve` binds.
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = Some(addr);
        self
    }

    /// The callback route (default `/callback`).
    pub fn callback_path(mut self, path: impl Into<String>) -> Self {
        self.callback_path = Some(path.into());
        self
    }

    /// The largest callback body accepted, in bytes (default 1 MiB).
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = Some(bytes);
        self
    }

    /// Only these addresses may call back.
    pub fn allowed_sources(mut self, nets: Vec<IpNet>) -> Self {
        self.allowed = nets;
        self
    }

    /// Proxies whose `x-forwarded-for` header is believed.
    pub fn trusted_proxies(mut self, nets: Vec<IpNet>) -> Self {
        self.proxies = nets;
        self
    }

    /// Whether `GET /lists/{name}` requires `x-app-token` (default true).
    pub fn lists_require_token(mut self, required: bool) -> Self {
        self.lists_require_token = Some(required);
        self
    }

    /// The whole REST client configuration (base URL, retries, pacing, timeouts, …); it
    /// replaces [`rest_base_url`](Self::rest_base_url).
    pub fn rest(mut self, rest: crate::rest::RestConfig) -> Self {
        self.rest = Some(rest);
        self
    }

    /// The REST API base URL (default [`DEFAULT_BASE_URL`](crate::rest::DEFAULT_BASE_URL)).
    pub fn rest_base_url(mut self, url: impl Into<String>) -> Self {
        self.rest_base_url = Some(url.into());
        self
    }

    /// How REST calls are spread over the day (default: paced, see
    /// [`PacingPolicy`](crate::rest::PacingPolicy)); applied on top of [`rest`](Self::rest).
    pub fn rest_pacing(mut self, pacing: crate::rest::PacingPolicy) -> Self {
        self.rest_pacing = Some(pacing);
        self
    }

    /// The User-Agent of REST calls, instead of the app's own (`<app>/<version>
    /// shoporama-app/x.y`, see [`ShoporamaApp::version`](crate::ShoporamaApp::version)).
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = Some(agent.into());
        self
    }

    /// How long a handler may run before the callback answers 500 (default 30 s).
    pub fn handler_timeout(mut self, timeout: Duration) -> Self {
        self.handler_timeout = Some(timeout);
        self
    }

    /// How long an installation read for an event is reused (default 2 s; zero disables).
    pub fn shop_cache_ttl(mut self, ttl: Duration) -> Self {
        self.shop_cache_ttl = Some(ttl);
        self
    }

    /// Which callbacks go through the durable inbox (default for a built configuration:
    /// [`InboxConfig::inline`]; [`Config::from_env`] starts
    /// from [`InboxConfig::default`], webhooks through it).
    pub fn inbox(mut self, inbox: InboxConfig) -> Self {
        self.inbox = Some(inbox);
        self
    }

    /// The keyed effects' lease and wait (default [`EffectsConfig::default`]).
    pub fn effects(mut self, effects: EffectsConfig) -> Self {
        self.effects = Some(effects);
        self
    }

    /// How long a client may take to send a request's head, from its first byte (default
    /// 10 s; at least 1 ms).
    pub fn header_timeout(mut self, timeout: Duration) -> Self {
        self.header_timeout = Some(timeout);
        self
    }

    /// How long a client may take to send a request's body, from the end of its head; 408
    /// after (default 15 s; at least 1 ms).
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = Some(timeout);
        self
    }

    /// How long a connection may stay open without a request in progress (default 30 s; at
    /// least 1 ms).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = Some(timeout);
        self
    }

    /// How many connections are served at once (default: half the open-file limit, at most
    /// [`MAX_DEFAULT_CONNECTIONS`]; at least 1).
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = Some(connections);
        self
    }

    /// How long a stopping server lets requests in progress finish (default 10 s; zero
    /// closes their connections at once).
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = Some(grace);
        self
    }

    /// The configuration, or what is missing or invalid.
    pub fn build(self) -> Result<Config, ConfigError> {
        let current = self
            .token
            .filter(|t| !t.is_empty())
            .ok_or(ConfigError::MissingToken)?;
        let callback_path = self.callback_path.unwrap_or_else(|| "/callback".to_owned());
        if !callback_path.starts_with('/') || callback_path.contains(['{', '}', '?', '#', '*']) {
            return Err(invalid(
                "callback path",
                format!("`{callback_path}` must be a plain path starting with `/`"),
            ));
        }
        let body_limit = self.body_limit.unwrap_or(DEFAULT_BODY_LIMIT);
        if body_limit == 0 {
            return Err(invalid("body limit", "must be at least 1 byte".to_owned()));
        }
        let listen = match self.listen {
            Some(addr) => addr,
            None => DEFAULT_LISTEN
                .parse()
                .map_err(|e| invalid("listen", format!("{e}")))?,
        };
        let inbox = self.inbox.unwrap_or_else(InboxConfig::inline);
        inbox.validate()?;
        let effects = self.effects.unwrap_or_default();
        effects.validate()?;
        if inbox.uses_inbox() {
            // An effect's claim must expire, and the inbox retry the job waiting on it,
            // several times over before the inbox gives that job up.
            inbox.check_lease("SHOPORAMA_EFFECTS_LEASE_MS", effects.lease())?;
        }
        let positive = |variable: &'static str, value: Option<Duration>, default: Duration| {
            let value = value.unwrap_or(default);
            if value < Duration::from_millis(1) {
                Err(invalid(variable, "must be at least 1 ms".to_owned()))
            } else {
                Ok(value)
            }
        };
        let header_timeout = positive(
            "SHOPORAMA_HEADER_TIMEOUT_MS",
            self.header_timeout,
            DEFAULT_HEADER_TIMEOUT,
        )?;
        let body_timeout = positive(
            "SHOPORAMA_BODY_TIMEOUT_MS",
            self.body_timeout,
            DEFAULT_BODY_TIMEOUT,
        )?;
        let idle_timeout = positive(
            "SHOPORAMA_IDLE_TIMEOUT_MS",
            self.idle_timeout,
            DEFAULT_IDLE_TIMEOUT,
        )?;
        let max_connections = self.max_connections.unwrap_or_else(default_max_connections);
        if max_connections == 0 {
            return Err(invalid(
                "SHOPORAMA_MAX_CONNECTIONS",
                "must be at least 1".to_owned(),
            ));
        }
        Ok(Config {
            tokens: TokenSet::new(current, self.previous.filter(|t| !t.is_empty())),
            database_url: self
                .database_url
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            listen,
            callback_path,
            body_limit,
            source_filter: SourceFilter::new(self.allowed, self.proxies),
            lists_require_token: self.lists_require_token.unwrap_or(true),
            rest: rest_config(
                self.rest,
                self.rest_base_url.as_deref(),
                self.rest_pacing,
                self.user_agent,
            ),
            handler_timeout: self.handler_timeout.unwrap_or(Duration::from_secs(30)),
            shop_cache_ttl: self.shop_cache_ttl.unwrap_or(Duration::from_secs(2)),
            inbox,
            effects,
            header_timeout,
            body_timeout,
            idle_timeout,
            max_connections,
            shutdown_grace: self.shutdown_grace.unwrap_or(DEFAULT_SHUTDOWN_GRACE),
        })
    }
}

/// Half the process's open-file limit (the other half stays for the store, the inbox and
/// handlers' own connections), at most [`MAX_DEFAULT_CONNECTIONS`]; that maximum where the
/// limit cannot be read.
pub fn default_max_connections() -> usize {
    connections_for_file_limit(open_file_limit())
}

fn connections_for_file_limit(limit: Option<u64>) -> usize {
    limit.map_or(MAX_DEFAULT_CONNECTIONS, |files| {
        usize::try_from(files / 2)
            .unwrap_or(usize::MAX)
            .clamp(1, MAX_DEFAULT_CONNECTIONS)
    })
}

/// The soft limit on open files (`ulimit -n`), when there is one.
#[cfg(unix)]
fn open_file_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::Nofile).current
}

#[cfg(not(unix))]
fn open_file_limit() -> Option<u64> {
    None
}

/// The REST configuration from the builder's pieces: a given [`RestConfig`], else one for the
/// given base URL (or the default), with the pacing and User-Agent set on top when they were.
fn rest_config(
    rest: Option<crate::rest::RestConfig>,
    base_url: Option<&str>,
    pacing: Option<crate::rest::PacingPolicy>,
    user_agent: Option<String>,
) -> crate::rest::RestConfig {
    let mut rest = rest.unwrap_or_else(|| {
        crate::rest::RestConfig::new(base_url.unwrap_or(crate::rest::DEFAULT_BASE_URL))
    });
    if let Some(pacing) = pacing {
        rest = rest.pacing(pacing);
    }
    match user_agent {
        Some(agent) => rest.user_agent(agent),
        None => rest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A lookup over `pairs`, for the `from_lookup` functions of config and its parts.
    pub(super) fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn refuses_to_start_without_a_token_and_says_so() {
        let error = Config::from_lookup(env(&[])).unwrap_err();
        assert_eq!(error, ConfigError::MissingToken);
        assert!(error.to_string().contains("SHOPORAMA_APP_TOKEN is not set"));
        assert_eq!(
            Config::from_lookup(env(&[("SHOPORAMA_APP_TOKEN", "  ")])).unwrap_err(),
            ConfigError::MissingToken
        );
    }

    #[test]
    fn defaults_and_overrides() {
        let config = Config::from_lookup(env(&[("SHOPORAMA_APP_TOKEN", "secret")])).unwrap();
        assert_eq!(config.database_url, "sqlite://shoporama-app.db");
        assert_eq!(config.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(config.body_limit, 1024 * 1024);
        assert!(config.tokens.accepts(b"secret"));
        assert!(!format!("{config:?}").contains("secret"));

        let config = Config::from_lookup(env(&[
            ("SHOPORAMA_APP_TOKEN", "new"),
            ("SHOPORAMA_APP_TOKEN_PREVIOUS", "old"),
            ("SHOPORAMA_LISTEN", "0.0.0.0:8080"),
            ("SHOPORAMA_BODY_LIMIT", "2048"),
            ("SHOPORAMA_ALLOWED_IPS", "10.0.0.0/8, 127.0.0.1"),
        ]))
        .unwrap();
        assert!(
            config.tokens.accepts(b"new")
                && config.tokens.accepts(b"old")
                && !config.tokens.accepts(b"other")
        );
        assert_eq!(config.body_limit, 2048);
        assert_eq!(config.listen.port(), 8080);
    }

    #[test]
    fn invalid_values_name_the_variable() {
        let error = Config::from_lookup(env(&[
            ("SHOPORAMA_APP_TOKEN", "t"),
            ("SHOPORAMA_LISTEN", "nope"),
        ]))
        .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("SHOPORAMA_LISTEN is invalid: `nope`"),
            "{error}"
        );
        let error = Config::from_lookup(env(&[
            ("SHOPORAMA_APP_TOKEN", "t"),
            ("SHOPORAMA_ALLOWED_IPS", "10.0.0.0/99"),
        ]))
        .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("SHOPORAMA_ALLOWED_IPS is invalid"),
            "{error}"
        );
        assert!(
            Config::builder()
                .app_token("t")
                .callback_path("nope")
                .build()
                .is_err()
        );
        assert!(
            Config::builder()
                .app_token("t")
                .body_limit(0)
                .build()
                .is_err()
        );
        for variable in [
            "SHOPORAMA_HEADER_TIMEOUT_MS",
            "SHOPORAMA_BODY_TIMEOUT_MS",
            "SHOPORAMA_IDLE_TIMEOUT_MS",
            "SHOPORAMA_MAX_CONNECTIONS",
        ] {
            for value in ["0", "soon", "-1"] {
                let error =
                    Config::from_lookup(env(&[("SHOPORAMA_APP_TOKEN", "t"), (variable, value)]))
                        .unwrap_err();
                assert!(
                    error
                        .to_string()
                        .starts_with(&format!("{variable} is invalid")),
                    "{variable}={value}: {error}"
                );
            }
        }
    }

    #[test]
    fn server_limits() {
        let config = Config::from_lookup(env(&[("SHOPORAMA_APP_TOKEN", "t")])).unwrap();
        assert_eq!(config.header_timeout, Duration::from_secs(10));
        assert_eq!(config.body_timeout, Duration::from_secs(15));
        assert_eq!(config.idle_timeout, Duration::from_secs(30));
        assert_eq!(config.shutdown_grace, Duration::from_secs(10));
        assert_eq!(config.max_connections, default_max_connections());
        assert!((1..=MAX_DEFAULT_CONNECTIONS).contains(&config.max_connections));

        let config = Config::from_lookup(env(&[
            ("SHOPORAMA_APP_TOKEN", "t"),
            ("SHOPORAMA_HEADER_TIMEOUT_MS", "250"),
            ("SHOPORAMA_BODY_TIMEOUT_MS", "500"),
            ("SHOPORAMA_IDLE_TIMEOUT_MS", "750"),
            ("SHOPORAMA_MAX_CONNECTIONS", "5000"),
            ("SHOPORAMA_SHUTDOWN_GRACE_MS", "0"),
        ]))
        .unwrap();
        assert_eq!(config.header_timeout, Duration::from_millis(250));
        assert_eq!(config.body_timeout, Duration::from_millis(500));
        assert_eq!(config.idle_timeout, Duration::from_millis(750));
        assert_eq!(config.max_connections, 5000);
        assert_eq!(config.shutdown_grace, Duration::ZERO);

        assert_eq!(connections_for_file_limit(Some(256)), 128);
        assert_eq!(connections_for_file_limit(Some(1)), 1);
        assert_eq!(
            connections_for_file_limit(Some(1 << 20)),
            MAX_DEFAULT_CONNECTIONS
        );
        assert_eq!(connections_for_file_limit(None), MAX_DEFAULT_CONNECTIONS);
    }

    #[test]
    fn effects_settings_come_from_the_environment() {
        let config = Config::from_lookup(env(&[
            ("SHOPORAMA_APP_TOKEN", "t"),
            ("SHOPORAMA_EFFECTS_LEASE_MS", "5000"),
        ]))
        .unwrap();
        assert_eq!(config.effects.lease(), Duration::from_secs(5));
        assert_eq!(
            Config::builder().app_token("t").build().unwrap().effects,
            EffectsConfig::default()
        );
        let error = Config::from_lookup(env(&[
            ("SHOPORAMA_APP_TOKEN", "t"),
            ("SHOPORAMA_EFFECTS_WAIT_MS", "soon"),
        ]))
        .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("SHOPORAMA_EFFECTS_WAIT_MS is invalid"),
            "{error}"
        );
    }

    /// The configuration that lost an acknowledged order: a claim lease longer than the
    /// inbox's retries last is refused at start-up, naming both sides.
    #[test]
    fn an_effect_lease_must_fit_inside_the_inbox_retry_horizon() {
        let error = Config::from_lookup(env(&[
            ("SHOPORAMA_APP_TOKEN", "t"),
            ("SHOPORAMA_INBOX_MAX_ATTEMPTS", "8"),
            ("SHOPORAMA_INBOX_BACKOFF_MAX_MS", "600000"),
            ("SHOPORAMA_EFFECTS_LEASE_MS", "300000"),
        ]))
        .unwrap_err()
        .to_string();
        assert!(
            error.starts_with("SHOPORAMA_EFFECTS_LEASE_MS is invalid"),
            "{error}"
        );
        assert!(error.contains("SHOPORAMA_INBOX_RETRY_FOR_MS"), "{error}");
        // The defaults fit, and so does any lease when nothing goes through the inbox.
        assert!(Config::from_lookup(env(&[("SHOPORAMA_APP_TOKEN", "t")])).is_ok());
        assert!(
            Config::from_lookup(env(&[
                ("SHOPORAMA_APP_TOKEN", "t"),
                ("SHOPORAMA_INBOX", "off"),
                ("SHOPORAMA_INBOX_MAX_ATTEMPTS", "8"),
                ("SHOPORAMA_EFFECTS_LEASE_MS", "300000"),
            ]))
            .is_ok()
        );
    }
}
