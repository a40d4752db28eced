//! App-level configuration, from the environment (not settings: one value for every shop).
//!
//! | Variable | Default | |
//! |---|---|---|
//! | `ECONOMIC_APP_SECRET_TOKEN` | required to sync | the app's `X-AppSecretToken` |
//! | `ECONOMIC_BASE_URL` | `https://restapi.e-conomic.com` | point it at the stand-in locally |
//! | `ECONOMIC_TIMEOUT_SECS` | `20` | timeout of one e-conomic request |
//!
//! What was invoiced is recorded by the framework's keyed effects, in the framework's database
//! (`DATABASE_URL`: SQLite, or PostgreSQL for several servers; their lease and wait are
//! `SHOPORAMA_EFFECTS_*`).

use std::time::Duration;

use shoporama_app::secret::Secret;

use crate::client::{DEFAULT_BASE_URL, RetryPolicy};
use crate::error::Error;

/// The app's own configuration.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// e-conomic's REST base URL.
    pub base_url: String,
    /// The app's `X-AppSecretToken`; `None` until set (the app then refuses to sync).
    pub app_secret_token: Option<Secret>,
    /// Timeout of one e-conomic request.
    pub timeout: Duration,
    /// Retries of e-conomic reads (writes are never retried blindly).
    pub retry: RetryPolicy,
}

impl Default for AppConfig {
    fn default() -> Self {
        let retry = RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(4),
        };
        let (base_url, timeout) = (DEFAULT_BASE_URL.to_owned(), Duration::from_secs(20));
        Self {
            base_url,
            app_secret_token: None,
            timeout,
            retry,
        }
    }
}

impl AppConfig {
    /// Reads the configuration from the environment.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration from `lookup` (the environment in production).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let mut config = Self::default();
        if let Some(text) = get("ECONOMIC_TIMEOUT_SECS") {
            let secs = text.trim().parse::<u64>().ok().filter(|secs| *secs > 0);
            let invalid = || Error::Config(format!("ECONOMIC_TIMEOUT_SECS is invalid: `{text}`"));
            config.timeout = Duration::from_secs(secs.ok_or_else(invalid)?);
        }
        config.base_url = get("ECONOMIC_BASE_URL").unwrap_or(config.base_url);
        config.app_secret_token = get("ECONOMIC_APP_SECRET_TOKEN").map(Secret::new);
        Ok(config)
    }

    /// The app's secret, or why there is none: `serve`, `retry`, `backfill` and `status`
    /// check this before starting.
    pub fn require_secret(&self) -> Result<&Secret, Error> {
        let missing = "ECONOMIC_APP_SECRET_TOKEN is not set: the app's X-AppSecretToken (from \
                       e-conomic's developer portal) is needed to call e-conomic";
        self.app_secret_token
            .as_ref()
            .ok_or_else(|| Error::Config(missing.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_environment() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| (*value).to_owned())
            }
        };
        let config = AppConfig::from_lookup(env(&[
            ("ECONOMIC_APP_SECRET_TOKEN", "app-s3cr3t"),
            ("ECONOMIC_TIMEOUT_SECS", "7"),
        ]))
        .expect("valid");
        assert_eq!(config.base_url, DEFAULT_BASE_URL);
        assert_eq!(config.timeout, Duration::from_secs(7));
        assert!(config.require_secret().is_ok());
        assert!(!format!("{config:?}").contains("s3cr3t"));

        let config = AppConfig::from_lookup(env(&[("ECONOMIC_BASE_URL", "http://127.0.0.1:4100")]))
            .expect("valid");
        assert_eq!(config.base_url, "http://127.0.0.1:4100");
        let error = config.require_secret().expect_err("no secret");
        assert!(
            error
                .to_string()
                .contains("ECONOMIC_APP_SECRET_TOKEN is not set")
        );

        let error = AppConfig::from_lookup(env(&[("ECONOMIC_TIMEOUT_SECS", "soon")]))
            .expect_err("not a number");
        assert!(
            error
                .to_string()
                .contains("ECONOMIC_TIMEOUT_SECS is invalid")
        );
    }
}
