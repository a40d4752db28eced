//! One order's transfer to e-conomic, exactly once:
//!
//! 1. **claim** the order in the [`SyncStore`] (a duplicate delivery waits for the sync
//!    running, then sees its result);
//! 2. fetch the order over Shoporama's REST API (unless the caller has it);
//! 3. **look it up in e-conomic** by `references.other`: an invoice created by an attempt
//!    whose answer or process was lost is completed (booked) and recorded, never re-created;
//! 4. map it ([`super::order`]), link lines to e-conomic products whose number is the SKU, find
//!    or create the debtor (by e-mail; or the collective one), build the draft
//!    ([`build_draft`]);
//! 5. renew the claim, create the draft, renew, book it if configured;
//! 6. record the result: `ok` with the invoice numbers and e-conomic's totals, or `failed`
//!    with e-conomic's own error message and whether waiting may help.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures::TryStreamExt as _;
use shoporama_app::Shop;
use shoporama_app::rest::{Order, RestError};

use super::config::ConfigError;
use super::order::{Countries, invoice_input, needs_countries};
use super::settings::{Settings, Trigger};
use super::store::{Claim, ClaimOutcome, Failure, InvoiceRecord, StoreError, Success};
use super::{Economic, lock};
use crate::client::{Client, ExistingInvoice};
use crate::error::Error;
use crate::invoice::{InvoiceConfig, InvoiceInput, build_draft, new_customer, reference_for};
use crate::model::{BookedInvoice, DraftInvoice};

/// The longest product number e-conomic stores.
const MAX_PRODUCT_NUMBER: usize = 25;

/// What started a sync (recorded with the attempt).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `order_created`.
    OrderCreated,
    /// `paid`.
    Paid,
    /// `new_status` with status `sent`.
    Shipped,
    /// The `e-conomic-pending` label was added.
    Label,
    /// `economic retry`.
    Retry,
    /// `economic backfill`.
    Backfill,
}

impl Source {
    /// The name recorded.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrderCreated => "order_created",
            Self::Paid => "paid",
            Self::Shipped => "shipped",
            Self::Label => "label",
            Self::Retry => "retry",
            Self::Backfill => "backfill",
        }
    }
}

/// What one sync did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncOutcome {
    /// This sync created, completed or found the invoice, and recorded it.
    Invoiced(InvoiceRecord),
    /// The order was recorded as invoiced already: nothing was called.
    AlreadyDone(InvoiceRecord),
    /// Another sync holds the order (and did not finish while this one waited).
    Busy(InvoiceRecord),
    /// The transfer failed; the record says why.
    Failed(InvoiceRecord),
}

impl SyncOutcome {
    /// The order's record after the sync.
    pub fn record(&self) -> &InvoiceRecord {
        match self {
            Self::Invoiced(record)
            | Self::AlreadyDone(record)
            | Self::Busy(record)
            | Self::Failed(record) => record,
        }
    }
}

/// Why a sync could not even be attempted (nothing was recorded for the order).
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The order table failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The app is not configured to call e-conomic.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Why a transfer stopped.
enum Stop {
    /// It failed: record it.
    Failed(Failure),
    /// Another sync took the order over: record nothing.
    TakenOver,
}

impl From<Failure> for Stop {
    fn from(failure: Failure) -> Self {
        Self::Failed(failure)
    }
}

/// A failure from an e-conomic call, while doing `context`.
fn economic(context: &'static str) -> impl FnOnce(Error) -> Failure {
    move |error| Failure::new(format!("{context}: {error}"), error.is_transient())
}

/// A failure from a Shoporama REST call, while doing `context`.
fn shoporama(context: &'static str) -> impl FnOnce(RestError) -> Failure {
    move |error| {
        let transient = error.is_rate_limit()
            || matches!(
                error,
                RestError::Timeout { .. } | RestError::Transport { .. }
            )
            || error
                .status()
                .is_some_and(|status| status.is_server_error());
        Failure::new(format!("{context}: {error}"), transient)
    }
}

/// A failure no retry gets past without a change (to the settings or the order).
fn permanent<E: std::fmt::Display>(context: &'static str) -> impl FnOnce(E) -> Failure {
    move |error| Failure::permanent(format!("{context}: {error}"))
}

/// Whether `order` is one the shop's trigger transfers (for backfills and statuses read
/// from the order): cancelled orders never are.
pub fn qualifies(order: &Order, trigger: Trigger) -> bool {
    let status = order.status.as_deref().unwrap_or_default().trim();
    if status.eq_ignore_ascii_case("cancelled") {
        return false;
    }
    match trigger {
        Trigger::Created => true,
        Trigger::Paid => order.paid,
        Trigger::Shipped => is_shipped(status),
    }
}

/// Whether an order status means "shipped".
pub fn is_shipped(status: &str) -> bool {
    ["sent", "shipped"]
        .iter()
        .any(|sent| status.trim().eq_ignore_ascii_case(sent))
}

fn booked_success(reference: String, booked: &BookedInvoice) -> Success {
    Success {
        reference,
        customer_number: booked.customer.customer_number,
        draft_invoice_number: None,
        booked_invoice_number: Some(booked.booked_invoice_number),
        net_amount: booked.net_amount,
        vat_amount: booked.vat_amount,
        gross_amount: booked.gross_amount,
    }
}

fn draft_success(reference: String, draft: &DraftInvoice) -> Success {
    Success {
        reference,
        customer_number: draft.customer.customer_number,
        draft_invoice_number: Some(draft.draft_invoice_number),
        booked_invoice_number: None,
        net_amount: draft.net_amount,
        vat_amount: draft.vat_amount,
        gross_amount: draft.gross_amount,
    }
}

impl Economic {
    /// Transfers order `order_id` of `shop`: `order` when the caller has read it already (a
    /// backfill's list, a status check), else read over REST once the order is claimed.
    pub async fn sync_order(
        &self,
        shop: &Shop<Settings>,
        order_id: u64,
        order: Option<Order>,
        source: Source,
    ) -> Result<SyncOutcome, SyncError> {
        self.config().require_secret()?;
        let webshop_id = shop.webshop_id();
        let claim = match self.claim_waiting(webshop_id, order_id, source).await? {
            ClaimOutcome::Claimed(claim) => claim,
            ClaimOutcome::Done(record) => return Ok(SyncOutcome::AlreadyDone(record)),
            ClaimOutcome::Busy(record) => return Ok(SyncOutcome::Busy(record)),
            ClaimOutcome::Failed(record) => return Ok(SyncOutcome::Failed(record)),
        };
        let result = self.transfer(shop, &claim, order).await;
        let store = self.store();
        let recorded = match &result {
            Ok(success) => store.succeed(&claim, success).await?,
            Err(Stop::Failed(failure)) => store.fail(&claim, failure).await?,
            Err(Stop::TakenOver) => None,
        };
        Ok(match (recorded, result) {
            (Some(record), Ok(_)) => SyncOutcome::Invoiced(record),
            (Some(record), Err(_)) => SyncOutcome::Failed(record),
            (None, _) => {
                tracing::warn!(
                    webshop_id,
                    order_id,
                    "another sync took the order over; this one recorded nothing"
                );
                let record = store.record(webshop_id, order_id).await?;
                SyncOutcome::Busy(record.ok_or_else(|| {
                    StoreError::Invalid(format!("order {order_id} vanished from the order table"))
                })?)
            }
        })
    }

    /// Claims the order (a failed one too); while another sync holds it, waits (up to
    /// `claim_wait`) for it to finish, and takes its result (a failure included: it is not
    /// repeated at once), or for its lease to run out.
    async fn claim_waiting(
        &self,
        webshop_id: u64,
        order_id: u64,
        source: Source,
    ) -> Result<ClaimOutcome, StoreError> {
        let deadline = Instant::now() + self.config().claim_wait;
        let mut pause = Duration::from_millis(25);
        let mut waited = false;
        loop {
            let outcome = self
                .store()
                .claim(webshop_id, order_id, source.as_str(), !waited)
                .await?;
            let now = Instant::now();
            match outcome {
                ClaimOutcome::Busy(_) if now < deadline => {
                    waited = true;
                    tokio::time::sleep(pause.min(deadline - now)).await;
                    pause = (pause * 2).min(Duration::from_millis(500));
                }
                other => return Ok(other),
            }
        }
    }

    /// Renews the claim before a write to e-conomic.
    async fn fence(&self, claim: &Claim) -> Result<(), Stop> {
        match self.store().renew(claim).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(Stop::TakenOver),
            Err(error) => Err(Stop::Failed(Failure::transient(format!(
                "the order table failed before writing to e-conomic: {error}"
            )))),
        }
    }

    async fn transfer(
        &self,
        shop: &Shop<Settings>,
        claim: &Claim,
        order: Option<Order>,
    ) -> Result<Success, Stop> {
        let order = match order {
            Some(order) => order,
            None => shop
                .rest()
                .orders()
                .get(claim.order_id)
                .await
                .map_err(shoporama("reading the order from Shoporama"))?,
        };
        let settings = shop.settings();
        let heading = format!("Ordre {}", order.webshop_order_id.unwrap_or(order.order_id));
        let config = settings
            .invoice_config(shop.webshop_id(), &heading)
            .map_err(Failure::permanent)?;
        let reference = reference_for(&config.reference_prefix, &order.order_id.to_string())
            .map_err(permanent("the invoice reference"))?;
        let client = self
            .client_for(settings)
            .map_err(permanent("the e-conomic API key"))?;
        self.transfer_to(shop, claim, &client, &order, &config, reference.clone())
            .await
            .map_err(|stop| match stop {
                Stop::Failed(failure) => Stop::Failed(Failure {
                    reference: Some(reference),
                    ..failure
                }),
                Stop::TakenOver => Stop::TakenOver,
            })
    }

    async fn transfer_to(
        &self,
        shop: &Shop<Settings>,
        claim: &Claim,
        client: &Client,
        order: &Order,
        config: &InvoiceConfig,
        reference: String,
    ) -> Result<Success, Stop> {
        let book = shop.settings().book_invoices;
        match client
            .find_invoice_by_reference(&reference)
            .await
            .map_err(economic(
                "looking for an invoice already made for the order",
            ))? {
            Some(ExistingInvoice::Booked(booked)) => {
                tracing::info!(
                    reference,
                    number = booked.booked_invoice_number,
                    "the order is already booked in e-conomic"
                );
                return Ok(booked_success(reference, &booked));
            }
            Some(ExistingInvoice::Draft(draft)) => {
                tracing::info!(
                    reference,
                    draft = draft.draft_invoice_number,
                    "the order already has a draft in e-conomic"
                );
                return self.finish(claim, client, book, reference, &draft).await;
            }
            None => {}
        }
        let countries = if needs_countries(order) {
            self.countries(shop).await?
        } else {
            Arc::default()
        };
        let mut input = invoice_input(
            order,
            &countries,
            &config.home_country,
            Utc::now().date_naive(),
        )
        .map_err(permanent("reading the order"))?;
        link_products(client, &mut input).await?;
        let customer_number = self.customer_number(shop, client, &input, config).await?;
        let plan = build_draft(&input, config, customer_number)
            .map_err(permanent("building the invoice"))?;
        self.fence(claim).await?;
        let draft = client
            .create_draft_invoice(&plan.draft)
            .await
            .map_err(economic("creating the invoice draft"))?;
        self.finish(claim, client, book, reference, &draft).await
    }

    /// Books the draft when configured.
    async fn finish(
        &self,
        claim: &Claim,
        client: &Client,
        book: bool,
        reference: String,
        draft: &DraftInvoice,
    ) -> Result<Success, Stop> {
        if !book {
            return Ok(draft_success(reference, draft));
        }
        self.fence(claim).await?;
        let booked = client
            .book_draft(draft.draft_invoice_number)
            .await
            .map_err(|error| Failure {
                draft_invoice_number: Some(draft.draft_invoice_number),
                ..economic("booking the invoice draft")(error)
            })?;
        Ok(booked_success(reference, &booked))
    }

    /// The collective debtor, or the buyer's debtor found by e-mail or created. Debtors are
    /// resolved one at a time per shop, so two orders of a new buyer make one debtor.
    async fn customer_number(
        &self,
        shop: &Shop<Settings>,
        client: &Client,
        input: &InvoiceInput,
        config: &InvoiceConfig,
    ) -> Result<u32, Stop> {
        if let Some(number) = shop
            .settings()
            .collective_customer_number
            .filter(|n| *n > 0)
        {
            return Ok(number);
        }
        let email = input
            .customer
            .email
            .as_deref()
            .map(str::trim)
            .filter(|email| !email.is_empty())
            .ok_or_else(|| {
                Failure::permanent(
                    "the order has no e-mail to find its debtor by; set \"Only use this debtor\" \
                     to book such orders on one debtor",
                )
            })?;
        let debtors = Arc::clone(
            lock(&self.inner.customer_locks)
                .entry(shop.webshop_id())
                .or_default(),
        );
        let _one_at_a_time = debtors.lock().await;
        if let Some(customer) = client
            .find_customer_by_email(email)
            .await
            .map_err(economic("looking up the debtor"))?
        {
            return Ok(customer.customer_number);
        }
        let customer = new_customer(input, config).map_err(permanent("building the debtor"))?;
        Ok(client
            .create_customer(&customer)
            .await
            .map_err(economic("creating the debtor"))?
            .customer_number)
    }

    /// The shop's country table, read once per process.
    async fn countries(&self, shop: &Shop<Settings>) -> Result<Arc<Countries>, Stop> {
        let webshop_id = shop.webshop_id();
        if let Some(countries) = lock(&self.inner.countries).get(&webshop_id) {
            return Ok(Arc::clone(countries));
        }
        let items: Vec<serde_json::Value> = shop
            .rest()
            .countries()
            .all()
            .try_collect()
            .await
            .map_err(shoporama("reading the shop's countries"))?;
        let countries = Arc::new(Countries::from_rest(&items));
        lock(&self.inner.countries).insert(webshop_id, Arc::clone(&countries));
        Ok(countries)
    }
}

/// Keeps each line's SKU as its product only when e-conomic has that product (as Shoporama's
/// own app does); otherwise the line gets the fallback product, or none.
async fn link_products(client: &Client, input: &mut InvoiceInput) -> Result<(), Stop> {
    let mut known: BTreeMap<String, bool> = BTreeMap::new();
    for line in &mut input.lines {
        let Some(sku) = line
            .product_number
            .as_deref()
            .map(str::trim)
            .filter(|sku| !sku.is_empty())
            .map(str::to_owned)
        else {
            line.product_number = None;
            continue;
        };
        let exists = if let Some(exists) = known.get(&sku) {
            *exists
        } else {
            let exists = sku.chars().count() <= MAX_PRODUCT_NUMBER
                && client
                    .product(&sku)
                    .await
                    .map_err(economic("looking up the line's product"))?
                    .is_some_and(|product| !product.barred);
            known.insert(sku.clone(), exists);
            exists
        };
        line.product_number = exists.then_some(sku);
    }
    Ok(())
}
