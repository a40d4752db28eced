//! The e-conomic Shoporama app: orders become invoices in e-conomic, exactly once.
//!
//! * [`Settings`]: Shoporama's app form (`#[shoporama_app]`), with the layout, payment terms,
//!   VAT zones, customer groups and product group as external lists read live from the shop's
//!   agreement;
//! * [`Economic`]: the [`ShoporamaApp`]. Install and update check the API key with e-conomic
//!   (`GET /self`) and answer Shoporama with the reason when it does not work. On the shop's
//!   trigger (`order_created`, `paid`, or `new_status` with status `sent`) or when the
//!   `e-conomic-pending` label is added, it transfers the order ([`Economic::sync_order`]):
//!   once, as the framework's keyed effect `invoice` keyed by the order id, recorded in the
//!   framework's database (SQLite, or PostgreSQL for several servers);
//! * [`commands`]: `economic retry`, `economic backfill`, `economic status`, and `dev`/`demo`
//!   for running everything locally against the stand-ins (the framework's `economic effects
//!   list|retry` work on the same records);
//! * [`AppConfig`]: the environment (not settings: one value for every shop).
//!
//! | Variable | Default | |
//! |---|---|---|
//! | `ECONOMIC_APP_SECRET_TOKEN` | required to sync | the app's `X-AppSecretToken` |
//! | `ECONOMIC_BASE_URL` | `https://restapi.e-conomic.com` | point it at the stand-in locally |
//! | `ECONOMIC_TIMEOUT_SECS` | `20` | timeout of one e-conomic request |
//!
//! What was invoiced is recorded by the framework's keyed effects, in the framework's database
//! (`DATABASE_URL`; their lease and wait are `SHOPORAMA_EFFECTS_*`).
//!
//! # Answers and labels
//!
//! A transfer that failed in a way waiting may fix (e-conomic down or rate limiting, a
//! time-out), or that another delivery is still on, answers 503 with `Retry-After`, so
//! Shoporama (or the framework's inbox) delivers the callback again. One that needs the shop
//! owner (a product number e-conomic lacks, no layout) is recorded and acknowledged.
//!
//! Each order's state is the label Shoporama's own e-conomic app shows ([`label`]):
//! `e-conomic-ok` (done), `-pending` (running, or failed retryably), `-failed` (failed until
//! fixed). Shoporama's REST API documents no way to set order labels, so the app keeps them
//! in the effect records (`economic status` lists them, with each failure's message) and logs
//! them. Adding the `e-conomic-pending` label in Shoporama's admin retries the order.

pub mod commands;
mod dev;
mod settings;
mod sync;

use std::sync::Arc;
use std::time::Duration;

use shoporama_app::prelude::*;

pub use dev::{DEMO_ORDER_ID, DEV_APP_TOKEN, DEV_REST_TOKEN};
pub use settings::{Settings, SettingsEvent, Trigger};
pub use sync::{EFFECT, LABEL_FAILED, LABEL_OK, LABEL_PENDING, Synced, label, transfers};

use crate::client::{Client, ClientConfig, DEFAULT_BASE_URL, RetryPolicy};
use crate::error::Error;
use crate::order::is_shipped;

/// The app's own configuration, from the environment (see the module docs).
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
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            app_secret_token: None,
            timeout: Duration::from_secs(20),
            retry: RetryPolicy::default(),
        }
    }
}

impl AppConfig {
    /// Reads the configuration from `lookup` (`std::env::var` in production).
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
        let secret = self.app_secret_token.as_ref();
        secret.ok_or_else(|| Error::Config(missing.to_owned()))
    }
}

/// The app. Cheap to clone; clones share the HTTP connections.
#[derive(Debug, Clone)]
pub struct Economic {
    /// The app-level configuration.
    pub config: Arc<AppConfig>,
    http: reqwest::Client,
    /// Held while a debtor is found or created, so two orders of a new buyer make one.
    debtors: Arc<tokio::sync::Mutex<()>>,
}

impl Economic {
    /// The app with `config`.
    pub fn new(config: AppConfig) -> Result<Self, Error> {
        let http = crate::client::http_client(config.timeout)?;
        let (config, debtors) = (Arc::new(config), Arc::default());
        Ok(Self {
            config,
            http,
            debtors,
        })
    }

    /// An e-conomic client for a shop's agreement.
    pub fn client_for(&self, settings: &Settings) -> Result<Client, Error> {
        let secret = self.config.require_secret()?.clone();
        let config = ClientConfig::new(secret, settings.agreement_grant_token.clone())
            .with_base_url(self.config.base_url.clone())
            .with_retry(self.config.retry.clone());
        Client::with_http_client(config, self.http.clone())
    }

    /// Checks that the shop's API key opens an e-conomic agreement (`GET /self`). The error
    /// says why not: the framework answers Shoporama's install or update with it, so the shop
    /// owner sees it (the settings stay stored).
    async fn check_agreement(&self, shop: &Shop<Settings>) -> Result<(), AppError> {
        let checked = async { self.client_for(shop.settings())?.agreement().await };
        let failed = |error| AppError::msg(format!("the e-conomic API key does not work: {error}"));
        checked.await.map(drop).map_err(failed)
    }
}

impl ShoporamaApp for Economic {
    type Settings = Settings;

    fn version(&self) -> Option<&str> {
        Some(env!("CARGO_PKG_VERSION"))
    }

    async fn on_install(&self, shop: &Shop<Settings>, _: InstallKind) -> Result<(), AppError> {
        self.check_agreement(shop).await
    }

    async fn on_update(&self, shop: &Shop<Settings>, _: Option<&Settings>) -> Result<(), AppError> {
        self.check_agreement(shop).await
    }

    /// Transfers the order on the shop's trigger, or when the pending label is added, and
    /// answers Shoporama: a failure that waiting may fix, or an order another delivery is
    /// still on, asks to be called again (503, `Retry-After`); a failure that needs the shop
    /// owner is recorded (and logged by the framework) and acknowledged: they fix the cause
    /// and add the `e-conomic-pending` label.
    async fn on_event(&self, shop: &Shop<Settings>, event: SettingsEvent) -> Result<(), AppError> {
        let trigger = shop.settings().trigger;
        let pending = |label: &str| label.trim().eq_ignore_ascii_case(LABEL_PENDING);
        let (order_id, order) = match event {
            // The storefront event and the webhook of the same order both ask for it: the
            // keyed effect below makes one invoice, whichever arrives first.
            SettingsEvent::OrderCreated(e) | SettingsEvent::OrderCreatedWebhook(e)
                if trigger == Trigger::Created =>
            {
                (e.order_id, None)
            }
            SettingsEvent::Paid(e) | SettingsEvent::PaidWebhook(e) if trigger == Trigger::Paid => {
                (e.order_id, None)
            }
            SettingsEvent::NewStatusWebhook(event) if trigger == Trigger::Shipped => {
                match (event.status.as_deref(), event.order_id) {
                    (Some(status), _) if !is_shipped(status) => return Ok(()),
                    // The status is not in the body: read it from the order (and use that).
                    (None, Some(order_id)) => {
                        let order = shop.rest().orders().get(order_id).await?;
                        if !order.status.as_deref().is_some_and(is_shipped) {
                            return Ok(());
                        }
                        (Some(order_id), Some(order))
                    }
                    (_, order_id) => (order_id, None),
                }
            }
            // The pending label retries the order, even after a permanent failure.
            SettingsEvent::AddLabel(event) if event.label.as_deref().is_some_and(pending) => {
                if let Some(order_id) = event.order_id {
                    self.reset(shop, order_id).await?;
                }
                (event.order_id, None)
            }
            _ => return Ok(()),
        };
        let Some(order_id) = order_id else {
            return Ok(());
        };
        match self.sync_order(shop, order_id, order).await {
            Err(EffectError::Failed { retryable, .. }) if !retryable => Ok(()),
            Ok(_) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// The lists the settings declare (`layouts`, `payment_terms`, `vat_zones`,
    /// `customer_groups`, `product_groups`), read live from the shop's agreement.
    async fn external_list(
        &self,
        name: &str,
        shop: Option<&Shop<Settings>>,
    ) -> Result<Vec<(String, String)>, AppError> {
        let shop = shop.ok_or_else(|| {
            AppError::msg("save the e-conomic API key first: the lists come from your agreement")
        })?;
        Ok(self.client_for(shop.settings())?.list_options(name).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_environment() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                let found = pairs.iter().find(|(key, _)| *key == name);
                found.map(|(_, value)| (*value).to_owned())
            }
        };
        let config = AppConfig::from_lookup(env(&[
            ("ECONOMIC_APP_SECRET_TOKEN", "app-s3cr3t"),
            ("ECONOMIC_TIMEOUT_SECS", "7"),
        ]));
        let config = config.expect("valid");
        assert_eq!(config.base_url, DEFAULT_BASE_URL);
        assert_eq!(config.timeout, Duration::from_secs(7));
        assert!(config.require_secret().is_ok());
        assert!(!format!("{config:?}").contains("s3cr3t"));

        let config = AppConfig::from_lookup(env(&[("ECONOMIC_BASE_URL", "http://127.0.0.1:4100")]));
        let config = config.expect("valid");
        assert_eq!(config.base_url, "http://127.0.0.1:4100");
        let error = config.require_secret().expect_err("no secret").to_string();
        assert!(
            error.contains("ECONOMIC_APP_SECRET_TOKEN is not set"),
            "{error}"
        );

        let error = AppConfig::from_lookup(env(&[("ECONOMIC_TIMEOUT_SECS", "soon")]));
        let error = error.expect_err("not a number").to_string();
        assert!(
            error.contains("ECONOMIC_TIMEOUT_SECS is invalid"),
            "{error}"
        );
    }
}
