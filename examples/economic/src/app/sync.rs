//! One order's transfer to e-conomic, exactly once: the framework's keyed effect
//! `shop.once("invoice", order_id, …)` ([`Economic::sync_order`]). The effect's claim is a
//! fenced lease in the framework's database (SQLite or PostgreSQL), renewed while the
//! transfer runs; a duplicate delivery waits for it and gets its stored result. Inside it:
//!
//! 1. read the order over Shoporama's REST API (unless the caller has it);
//! 2. **look it up in e-conomic** by `references.other`: an invoice created by an attempt
//!    whose answer or process was lost (or by an earlier version of the app) is completed
//!    (booked) and recorded, never re-created;
//! 3. map it ([`crate::order`]); a SKU e-conomic has no product for is created in the chosen
//!    product group, or else goes on the fallback product, SKU in the text
//!    ([`crate::catalogue`]); find or create the debtor (by CVR/EAN or e-mail, or
//!    the collective one); build the draft ([`build_draft`]);
//! 4. confirm the claim, create the draft, confirm, book it if configured;
//! 5. return the [`InvoiceSummary`], which the framework stores; a failure carries e-conomic's own
//!    message and whether waiting may help ([`EffectFailure::retryable`] or `permanent`).

use std::sync::atomic::{AtomicBool, Ordering};

use chrono::Utc;
use futures::TryStreamExt as _;
use shoporama_app::Shop;
use shoporama_app::effects::EffectState;
use shoporama_app::effects::{Attempt, EffectError, EffectFailure, EffectFilter, EffectRecord};
use shoporama_app::rest::Order;

use super::Economic;
use super::settings::Settings;
use crate::catalogue::catalogue;
use crate::client::ExistingInvoice;
use crate::error::During as _;
use crate::invoice::{build_draft, debtor_lookup, new_customer, reference_for};
use crate::model::InvoiceSummary;
use crate::order::{Countries, invoice_input, needs_countries};

/// The keyed effect of an order's transfer (its key is the order id).
pub const EFFECT: &str = "invoice";
/// The label of an order transferred to e-conomic.
pub const LABEL_OK: &str = "e-conomic-ok";
/// The label of an order waiting for (or in) its transfer; adding it asks for a retry.
pub const LABEL_PENDING: &str = "e-conomic-pending";
/// The label of an order whose transfer failed until someone fixes the cause.
pub const LABEL_FAILED: &str = "e-conomic-failed";

/// A transfer's result: the invoice (the effect's stored result), and whether this call made
/// it (`false`: it was recorded already).
pub type Synced = (InvoiceSummary, bool);

/// The label Shoporama's own app shows for an order's stored transfer: `e-conomic-ok` when
/// done, `-failed` after a failure waiting cannot fix, else (running, or failed retryably)
/// `-pending`.
pub fn label(record: &EffectRecord) -> &'static str {
    match record.state {
        EffectState::Done => LABEL_OK,
        EffectState::Failed if !record.retryable => LABEL_FAILED,
        EffectState::Running | EffectState::Failed => LABEL_PENDING,
    }
}

/// The shop's order transfers, for the framework's [`Effects`](shoporama_app::effects::Effects)
/// `list` and `retry` (`.key(order_id)`: one order's).
pub fn transfers(webshop_id: u64) -> EffectFilter {
    let filter = EffectFilter::all().webshop_id(webshop_id).name(EFFECT);
    filter.limit(u32::MAX)
}

/// The shop's country table when `order` names a country by id or name: read over REST once
/// a day (a keyed effect of the day, so every process of the app shares it).
async fn countries(shop: &Shop<Settings>, order: &Order) -> Result<Countries, EffectFailure> {
    if !needs_countries(order) {
        return Ok(Countries::default());
    }
    let read = |_| async {
        let items: Result<Vec<serde_json::Value>, _> = shop
            .rest()
            .resource(shoporama_app::rest::ResourceKind::Country)
            .all()
            .try_collect()
            .await;
        Ok::<_, EffectFailure>(items?)
    };
    let items = shop
        .once("countries", Utc::now().date_naive(), read)
        .await?;
    Ok(Countries::from_rest(&items))
}

impl Economic {
    /// Transfers order `order_id` of `shop` once ([`Shop::once`]): `order` when the caller
    /// has read it already (a backfill's list, a status check), else read over REST. A
    /// transfer done, or failed permanently, is returned as stored without running again.
    pub async fn sync_order(
        &self,
        shop: &Shop<Settings>,
        order_id: u64,
        order: Option<Order>,
    ) -> Result<Synced, EffectError> {
        let ran = AtomicBool::new(false);
        let transfer = |attempt| {
            ran.store(true, Ordering::Relaxed);
            self.transfer(shop, order_id, order, attempt)
        };
        // Boxed: a transfer's future is large.
        let invoice = Box::pin(shop.once(EFFECT, order_id, transfer)).await?;
        Ok((invoice, ran.into_inner()))
    }

    /// Lets the order's failed transfer (permanent failures too) run again on the next call.
    pub async fn reset(&self, shop: &Shop<Settings>, order_id: u64) -> Result<u64, EffectError> {
        let filter = transfers(shop.webshop_id()).key(order_id);
        shop.effects().retry(&filter).await
    }

    async fn transfer(
        &self,
        shop: &Shop<Settings>,
        order_id: u64,
        order: Option<Order>,
        attempt: Attempt,
    ) -> Result<InvoiceSummary, EffectFailure> {
        let order = match order {
            Some(order) => order,
            None => shop.rest().orders().get(order_id).await?,
        };
        let settings = shop.settings();
        let heading = format!("Ordre {}", order.webshop_order_id.unwrap_or(order_id));
        let (config, zone) = settings.invoice_config(shop.webshop_id(), &heading)?;
        let reference = reference_for(&config.reference_prefix, &order_id.to_string())?;
        let client = self.client_for(settings)?;
        // Whatever an earlier attempt (or app version) made is completed, never made again.
        let found = client.find_invoice_by_reference(&reference).await;
        let draft = match found.during("looking for the order's invoice")? {
            Some(ExistingInvoice::Booked(booked)) => return Ok(InvoiceSummary::from(&booked)),
            Some(ExistingInvoice::Draft(draft)) => draft,
            None => {
                let countries = countries(shop, &order).await?;
                let home = &config.home_country;
                let mut input = invoice_input(&order, &countries, home, zone, Utc::now())?;
                let products = catalogue(&client, &mut input.lines, &config).await;
                products.during("reading or creating products")?;
                let customer_number = match settings.collective_customer_number {
                    Some(number) if number > 0 => number,
                    _ => {
                        let lookup = debtor_lookup(&input, &config)?;
                        let customer = new_customer(&input, &config)?;
                        // One at a time: two orders of a new buyer make one debtor.
                        let _one_at_a_time = self.debtors.lock().await;
                        let debtor = client.find_or_create_customer(lookup, &customer).await;
                        debtor.during("finding or creating the debtor")?
                    }
                };
                let plan = build_draft(&input, &config, customer_number)?;
                attempt.confirm_claim().await?;
                let created = client.create_draft_invoice(&plan.draft).await;
                created.during("creating the invoice draft")?
            }
        };
        if !settings.book_invoices {
            return Ok(InvoiceSummary::from(&draft));
        }
        attempt.confirm_claim().await?;
        let booked = client.book_draft(draft.draft_invoice_number).await;
        let booked = booked.during("booking the invoice draft")?;
        Ok(InvoiceSummary::from(&booked))
    }
}
