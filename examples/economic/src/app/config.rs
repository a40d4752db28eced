//! App-level configuration, from the environment (not settings: one value for every shop).
//!
//! | Variable | Default | |
//! |---|---|---|
//! | `ECONOMIC_APP_SECRET_TOKEN` | required to sync | the app's `X-AppSecretToken` |
//! | `ECONOMIC_BASE_URL` | `https://restapi.e-conomic.com` | point it at the stand-in locally |
//! | `ECONOMIC_DATABASE_URL` | `DATABASE_URL`, else `sqlite://shoporama-app.db` | the order→invoice table (SQLite) |
//! | `ECONOMIC_CLAIM_LEASE_SECS` | `300` | how long an order being synced is reserved before a crashed sync may be taken over |
//! | `ECONOMIC_TIMEOUT_SECS` | `20` | timeout of one e-conomic request |

use std::time::Duration;

use shoporama_app::secret::Secret;

use crate::client::{DEFAULT_BASE_URL, RetryPolicy};

/// The app's own configuration.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// e-conomic's REST base URL.
    pub base_url: String,
    /// The app's `X-AppSecretToken`; `None` until set (the app then refuses to sync).
    pub app_secret_token: Option<Secret>,
    /// Where the order→invoice table lives (`sqlite://…`, or `memory://`).
    pub database_url: String,
    /// How long a sync reserves its order. A sync that crashed (or was cut off by the
    /// handler timeout) is taken over once this has passed, so it must outlast one request to
    /// e-conomic by far (the environment is checked for at least three `timeout`s).
    pub claim_lease: Duration,
    /// How long a duplicate delivery waits for the sync already running before it answers
    /// "try again later".
    pub claim_wait: Duration,
    /// Timeout of one e-conomic request.
    pub timeout: Duration,
    /// Retries of e-conomic reads (writes are never retried blindly).
    pub retry: RetryPolicy,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            app_secret_token: None,
            // The framework's default database: one file holds both.
            database_url: shoporama_app::config::DEFAULT_DATABASE_URL.to_owned(),
            claim_lease: Duration::from_mins(5),
            claim_wait: Duration::from_secs(15),
            timeout: Duration::from_secs(20),
            retry: RetryPolicy {
                max_retries: 2,
                initial_backoff: Duration::from_millis(500),
                max_backoff: Duration::from_secs(4),
            },
        }
    }
}

/// A variable that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable} {reason}")]
pub struct ConfigError {
    /// The variable.
    pub variable: &'static str,
    /// What is wrong (`is not set: …`, `is invalid: …`).
    pub reason: String,
}

impl AppConfig {
    /// Reads the configuration from the environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration from `lookup` (the environment in production).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let seconds = |variable: &'static str, default: Duration| match get(variable) {
            None => Ok(default),
            Some(text) => text
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|secs| *secs > 0)
                .map(Duration::from_secs)
                .ok_or_else(|| ConfigError {
                    variable,
                    reason: format!("is invalid: `{text}` is not a positive number of seconds"),
                }),
        };
        let defaults = Self::default();
        let config = Self {
            base_url: get("ECONOMIC_BASE_URL").unwrap_or(defaults.base_url),
            app_secret_token: get("ECONOMIC_APP_SECRET_TOKEN").map(Secret::new),
            database_url: get("ECONOMIC_DATABASE_URL")
                .or_else(|| get("DATABASE_URL"))
                .unwrap_or(defaults.database_url),
            claim_lease: seconds("ECONOMIC_CLAIM_LEASE_SECS", defaults.claim_lease)?,
            timeout: seconds("ECONOMIC_TIMEOUT_SECS", defaults.timeout)?,
            ..defaults
        };
        // A claim must outlast a sync's writes, or a second sync could start while the first
        // one's create is still on its way to e-conomic.
        if config.claim_lease < config.timeout * 3 {
            return Err(ConfigError {
                variable: "ECONOMIC_CLAIM_LEASE_SECS",
                reason: format!(
                    "is invalid: it must be at least three request timeouts ({} s)",
                    (config.timeout * 3).as_secs()
                ),
            });
        }
        Ok(config)
    }

    /// Fails unless the app can sync: the secret is set and the order table's URL is one it
    /// can open. `serve`, `retry`, `backfill` and `status` check this before starting.
    pub fn check(&self) -> Result<(), ConfigError> {
        self.require_secret()?;
        super::store::sqlite_url(&self.database_url).map_err(|error| ConfigError {
            variable: "ECONOMIC_DATABASE_URL",
            reason: format!("is invalid: {error}"),
        })?;
        Ok(())
    }

    /// The app's secret, or why there is none.
    pub fn require_secret(&self) -> Result<&Secret, ConfigError> {
        self.app_secret_token.as_ref().ok_or_else(|| ConfigError {
            variable: "ECONOMIC_APP_SECRET_TOKEN",
            reason: "is not set: the app's X-AppSecretToken (from e-conomic's developer \
                     portal) is needed to call e-conomic"
                .to_owned(),
        })
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
            ("DATABASE_URL", "sqlite://shops.db"),
            ("ECONOMIC_CLAIM_LEASE_SECS", "60"),
        ]))
        .expect("valid");
        assert_eq!(config.base_url, DEFAULT_BASE_URL);
        assert_eq!(config.database_url, "sqlite://shops.db");
        assert_eq!(config.claim_lease, Duration::from_mins(1));
        assert!(config.require_secret().is_ok());
        assert!(!format!("{config:?}").contains("s3cr3t"));

        let config = AppConfig::from_lookup(env(&[
            ("DATABASE_URL", "sqlite://shops.db"),
            ("ECONOMIC_DATABASE_URL", "sqlite://economic.db"),
        ]))
        .expect("valid");
        assert_eq!(config.database_url, "sqlite://economic.db");
        let error = config.require_secret().expect_err("no secret");
        assert!(error.to_string().contains("ECONOMIC_APP_SECRET_TOKEN"));

        let config = AppConfig::from_lookup(env(&[
            ("ECONOMIC_APP_SECRET_TOKEN", "app-s3cr3t"),
            ("DATABASE_URL", "postgres://app:hunter2@db/app"),
        ]))
        .expect("valid");
        let error = config
            .check()
            .expect_err("PostgreSQL is not supported for the table");
        assert_eq!(error.variable, "ECONOMIC_DATABASE_URL");
        assert!(!error.to_string().contains("hunter2"), "{error}");

        let error = AppConfig::from_lookup(env(&[("ECONOMIC_TIMEOUT_SECS", "soon")]))
            .expect_err("not a number");
        assert_eq!(error.variable, "ECONOMIC_TIMEOUT_SECS");
        let error = AppConfig::from_lookup(env(&[
            ("ECONOMIC_TIMEOUT_SECS", "30"),
            ("ECONOMIC_CLAIM_LEASE_SECS", "60"),
        ]))
        .expect_err("lease shorter than three timeouts");
        assert_eq!(
            error.to_string(),
            "ECONOMIC_CLAIM_LEASE_SECS is invalid: it must be at least three request timeouts (90 s)"
        );
    }
}
