//! The e-conomic Shoporama app: orders become invoices in e-conomic, exactly once.
//!
//! * [`Settings`]: Shoporama's app form (`#[shoporama_app]`), with the layout as an external
//!   list read live from the shop's e-conomic agreement;
//! * [`Economic`]: the [`ShoporamaApp`]; on the shop's trigger (`order_created`, `paid`, or
//!   `new_status` with status `sent`) or when the `e-conomic-pending` label is added, it
//!   transfers the order ([`Economic::sync_order`]);
//! * [`SyncStore`]: the order→invoice table that makes the transfer happen once;
//! * [`commands`]: `economic retry`, `economic backfill`, `economic status`, and `dev`/`demo`
//!   for running everything locally against the stand-ins.
//!
//! # Labels
//!
//! Each order's state is the label Shoporama's own e-conomic app shows (`e-conomic-ok`,
//! `-pending`, `-failed`; [`SyncState::label`]). Shoporama's REST API documents no way to set
//! order labels, so the app keeps them in its table (`economic status` lists them, with each
//! failure's message) and logs them; it does not write them to the order. Adding the
//! `e-conomic-pending` label in Shoporama's admin retries the order (an `add_label` event).

pub mod commands;
mod config;
mod dev;
mod order;
mod settings;
mod store;
mod sync;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use shoporama_app::prelude::*;

pub use config::{AppConfig, ConfigError};
pub use dev::{DEMO_ORDER_ID, DEV_APP_TOKEN, DEV_REST_TOKEN};
pub use order::{
    Countries, Country, DEFAULT_VAT_RATE, MappingError, invoice_input, needs_countries,
    order_vat_rate,
};
pub use settings::{Settings, SettingsEvent, Trigger};
pub use store::{
    Claim, ClaimOutcome, Failure, InvoiceRecord, LABEL_FAILED, LABEL_OK, LABEL_PENDING, StoreError,
    Success, SyncState, SyncStore, sqlite_url,
};
pub use sync::{Source, SyncError, SyncOutcome, is_shipped, qualifies};

use crate::client::{Client, ClientConfig};
use crate::error::Error;

/// The app. Cheap to clone; clones share the order table, HTTP connections and caches.
#[derive(Clone)]
pub struct Economic {
    inner: Arc<Inner>,
}

struct Inner {
    config: AppConfig,
    store: SyncStore,
    http: reqwest::Client,
    countries: Mutex<BTreeMap<u64, Arc<Countries>>>,
    customer_locks: Mutex<BTreeMap<u64, Arc<tokio::sync::Mutex<()>>>>,
}

impl std::fmt::Debug for Economic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Economic")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Economic {
    /// The app with `config`; its order table opens on first use.
    pub fn new(config: AppConfig) -> Result<Self, Error> {
        let store = SyncStore::new(config.database_url.clone(), config.claim_lease);
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(std::time::Duration::from_secs(10)))
            .build()
            .map_err(|error| Error::Config(format!("HTTP client: {error}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                store,
                http,
                countries: Mutex::default(),
                customer_locks: Mutex::default(),
            }),
        })
    }

    /// The app configured from the environment ([`AppConfig::from_env`]).
    pub fn from_env() -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self::new(AppConfig::from_env()?)?)
    }

    /// The app-level configuration.
    pub fn config(&self) -> &AppConfig {
        &self.inner.config
    }

    /// The order→invoice table.
    pub fn store(&self) -> &SyncStore {
        &self.inner.store
    }

    /// An e-conomic client for a shop's agreement.
    pub fn client_for(&self, settings: &Settings) -> Result<Client, Error> {
        let secret = self
            .config()
            .require_secret()
            .map_err(|error| Error::Config(error.to_string()))?;
        let config = ClientConfig::new(secret.clone(), settings.agreement_grant_token.clone())
            .with_base_url(self.config().base_url.clone())
            .with_retry(self.config().retry.clone());
        Client::with_http_client(config, self.inner.http.clone())
    }

    /// Tells the log whether the shop's API key opens its e-conomic agreement.
    async fn check_connection(&self, shop: &Shop<Settings>) {
        let webshop_id = shop.webshop_id();
        let client = match self.client_for(shop.settings()) {
            Ok(client) => client,
            Err(error) => {
                tracing::warn!(webshop_id, %error, "cannot call e-conomic for this shop");
                return;
            }
        };
        match client.agreement().await {
            Ok(agreement) => tracing::info!(
                webshop_id,
                agreement = agreement.agreement_number,
                "e-conomic agreement reached"
            ),
            Err(error) => {
                tracing::warn!(webshop_id, %error, "the shop's e-conomic API key does not work");
            }
        }
    }

    /// Transfers `order_id` if `source` calls for it, and answers Shoporama: a failure that
    /// waiting may fix, or an order another delivery is still on, is an error (Shoporama
    /// delivers again); a failure that needs the shop owner is recorded and acknowledged.
    async fn handle(
        &self,
        shop: &Shop<Settings>,
        order_id: Option<u64>,
        order: Option<shoporama_app::rest::Order>,
        source: Source,
    ) -> Result<(), AppError> {
        let webshop_id = shop.webshop_id();
        let Some(order_id) = order_id else {
            tracing::warn!(
                webshop_id,
                source = source.as_str(),
                "callback without an order id: ignored"
            );
            return Ok(());
        };
        let outcome = self.sync_order(shop, order_id, order, source).await?;
        let record = outcome.record();
        let label = record.label();
        match &outcome {
            SyncOutcome::Invoiced(_) | SyncOutcome::AlreadyDone(_) => {
                tracing::info!(webshop_id, order_id, label, booked = ?record.booked_invoice_number, draft = ?record.draft_invoice_number, "order invoiced in e-conomic");
                Ok(())
            }
            SyncOutcome::Failed(_) if !record.transient => {
                tracing::warn!(webshop_id, order_id, label, error = ?record.error, "order not invoiced: fix the cause, then add the e-conomic-pending label");
                Ok(())
            }
            SyncOutcome::Failed(_) => Err(AppError::msg(format!(
                "order {order_id} not invoiced yet ({}); it will be retried",
                record.error.as_deref().unwrap_or("unknown error")
            ))),
            SyncOutcome::Busy(_) => Err(AppError::msg(format!(
                "order {order_id} is being invoiced by another delivery; try again later"
            ))),
        }
    }
}

/// Locks one of the app's caches, poisoned or not: a panic cannot leave an entry half made.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ShoporamaApp for Economic {
    type Settings = Settings;

    async fn on_install(&self, shop: &Shop<Settings>, kind: InstallKind) -> Result<(), AppError> {
        tracing::info!(webshop_id = shop.webshop_id(), ?kind, trigger = ?shop.settings().trigger, "e-conomic app installed");
        self.check_connection(shop).await;
        Ok(())
    }

    async fn on_update(
        &self,
        shop: &Shop<Settings>,
        previous: Option<&Settings>,
    ) -> Result<(), AppError> {
        let key_changed = previous.is_none_or(|previous| {
            previous.agreement_grant_token != shop.settings().agreement_grant_token
        });
        if key_changed {
            self.check_connection(shop).await;
        }
        Ok(())
    }

    async fn on_event(&self, shop: &Shop<Settings>, event: SettingsEvent) -> Result<(), AppError> {
        let trigger = shop.settings().trigger;
        match event {
            SettingsEvent::OrderCreated(order) if trigger == Trigger::Created => {
                self.handle(shop, order.order_id, None, Source::OrderCreated)
                    .await
            }
            SettingsEvent::Paid(order) if trigger == Trigger::Paid => {
                self.handle(shop, order.order_id, None, Source::Paid).await
            }
            SettingsEvent::NewStatus(order) if trigger == Trigger::Shipped => {
                match (order.status.as_deref(), order.order_id) {
                    (Some(status), _) if !is_shipped(status) => Ok(()),
                    // The status is not in the body: read it from the order (and use that).
                    (None, Some(order_id)) => {
                        let current = shop.rest().orders().get(order_id).await?;
                        if current.status.as_deref().is_some_and(is_shipped) {
                            self.handle(shop, Some(order_id), Some(current), Source::Shipped)
                                .await
                        } else {
                            Ok(())
                        }
                    }
                    _ => {
                        self.handle(shop, order.order_id, None, Source::Shipped)
                            .await
                    }
                }
            }
            SettingsEvent::AddLabel(label)
                if label
                    .label
                    .as_deref()
                    .is_some_and(|text| text.trim().eq_ignore_ascii_case(LABEL_PENDING)) =>
            {
                self.handle(shop, label.order_id, None, Source::Label).await
            }
            other => {
                tracing::debug!(webshop_id = shop.webshop_id(), event = ?other, "not this shop's trigger");
                Ok(())
            }
        }
    }

    /// `layouts`, the one external list the settings declare (the framework answers 404 to
    /// any other name).
    async fn external_list(
        &self,
        _name: &str,
        shop: Option<&Shop<Settings>>,
    ) -> Result<Vec<(String, String)>, AppError> {
        let Some(shop) = shop else {
            return Err(AppError::msg(
                "save the e-conomic API key first: the layouts are read from your e-conomic agreement",
            ));
        };
        let layouts = self.client_for(shop.settings())?.layout_options().await?;
        Ok(layouts
            .into_iter()
            .map(|(number, label)| (number.to_string(), label))
            .collect())
    }
}
