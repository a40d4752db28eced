//! The pixel app's behaviour: what happens on install, on each event, and which warehouses the
//! `warehouse` field offers.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use shoporama_app::prelude::*;

use crate::{ConsentMode, Settings, SettingsEvent};

/// The conversion-tracking app. Counts the conversions it has reported and the orders webhooks
/// confirmed (for `/healthz`-style checks and tests) and logs every event it handles.
#[derive(Clone, Default)]
pub struct Pixel {
    conversions: Arc<AtomicU64>,
    confirmations: Arc<AtomicU64>,
}

impl Pixel {
    /// Purchases reported since start: `paid` storefront events.
    pub fn conversions(&self) -> u64 {
        self.conversions.load(Ordering::Relaxed)
    }

    /// Orders confirmed by a webhook since start: `paid` and `order_created` webhooks.
    pub fn confirmations(&self) -> u64 {
        self.confirmations.load(Ordering::Relaxed)
    }
}

impl ShoporamaApp for Pixel {
    type Settings = Settings;

    fn version(&self) -> Option<&str> {
        Some(env!("CARGO_PKG_VERSION"))
    }

    async fn on_install(&self, shop: &Shop<Settings>, kind: InstallKind) -> Result<(), AppError> {
        tracing::info!(webshop_id = shop.webshop_id(), ?kind, measurement_id = %shop.settings().measurement_id, "pixel installed");
        Ok(())
    }

    async fn on_update(
        &self,
        shop: &Shop<Settings>,
        previous: Option<&Settings>,
    ) -> Result<(), AppError> {
        if previous.is_some_and(|p| p.measurement_id != shop.settings().measurement_id) {
            tracing::info!(
                webshop_id = shop.webshop_id(),
                "measurement id changed: new conversions go to the new property"
            );
        }
        Ok(())
    }

    async fn on_event(&self, shop: &Shop<Settings>, event: SettingsEvent) -> Result<(), AppError> {
        let settings = shop.settings();
        if !settings.enabled || settings.consent == ConsentMode::Disabled {
            tracing::debug!(
                webshop_id = shop.webshop_id(),
                "tracking is off for this shop"
            );
            return Ok(());
        }
        match event {
            // The purchase as the storefront saw it: one conversion.
            SettingsEvent::Paid(order) => {
                self.conversions.fetch_add(1, Ordering::Relaxed);
                // The framework logs one info line per callback; the detail is debug.
                tracing::debug!(
                    webshop_id = shop.webshop_id(),
                    order_id = ?order.order_id,
                    value = ?order.total_price,
                    measurement_id = %settings.measurement_id,
                    "purchase reported"
                );
            }
            // The same order from the back office: a server-side confirmation, not counted again.
            SettingsEvent::PaidWebhook(order) | SettingsEvent::OrderCreatedWebhook(order) => {
                self.confirmations.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(
                    webshop_id = shop.webshop_id(),
                    order_id = ?order.order_id,
                    "order confirmed by webhook"
                );
            }
            SettingsEvent::AddToBasket(basket) => {
                tracing::debug!(webshop_id = shop.webshop_id(), product_id = ?basket.product_id, amount = ?basket.amount, "add to basket reported");
            }
            SettingsEvent::ViewThanks(view) => {
                tracing::debug!(webshop_id = shop.webshop_id(), order_id = ?view.order_id, "thank-you page viewed");
            }
            SettingsEvent::Unknown { kind, .. } => {
                tracing::debug!(webshop_id = shop.webshop_id(), %kind, "event the pixel does not subscribe to");
            }
        }
        Ok(())
    }

    async fn external_list(
        &self,
        name: &str,
        _shop: Option<&Shop<Settings>>,
    ) -> Result<Vec<(String, String)>, AppError> {
        match name {
            "warehouses" => Ok(vec![
                ("main".to_owned(), "Main warehouse (Aarhus)".to_owned()),
                ("cph".to_owned(), "Copenhagen store".to_owned()),
                ("dropship".to_owned(), "Drop-shipping partner".to_owned()),
            ]),
            other => Err(AppError::not_found(format!(
                "unknown external list `{other}`"
            ))),
        }
    }
}
