//! The app's own subcommands, next to the framework's `serve`, `manifest`, `simulate` and
//! `doctor`:
//!
//! ```text
//! economic retry --webshop-id N [--order ID]       retry failed orders (or one order)
//! economic backfill --webshop-id N --since DATE    transfer existing orders
//!                   [--until DATE] [--dry-run]  (prints the listing's cost in calls first)
//! economic status --webshop-id N [--failed]        each order's label, invoice and error
//! economic dev                                     both stand-ins and the app, locally
//! economic demo                                    install + pay the demo order against `dev`
//! ```
//!
//! `retry`, `backfill` and `status` read the same environment as `serve`, and the records of
//! the framework's keyed effects (`economic effects list|retry` show and reset the same ones).
//! The functions behind them ([`retry`], [`backfill`]) are public so they can run in tests
//! and jobs.

use std::fmt;
use std::io::IsTerminal as _;
use std::process::ExitCode;

use chrono::{NaiveDate, NaiveTime};
use futures::StreamExt as _;
use shoporama_app::effects::{EffectError, EffectState};
use shoporama_app::rest::{ListPlan, ListQuery, Order};
use shoporama_app::{AppRuntime, Shop};

use super::{EFFECT, Economic, LABEL_OK, Settings, Synced, Trigger, label, transfers};
use crate::model::InvoiceSummary;
use crate::order::is_shipped;

/// The app's subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Retry the orders whose transfer failed (or one given order).
    Retry {
        /// The shop.
        #[arg(long)]
        webshop_id: u64,
        /// Only this order (Shoporama's order id).
        #[arg(long)]
        order: Option<u64>,
    },
    /// Transfer the shop's existing orders created since a date (those its trigger covers).
    Backfill {
        /// The shop.
        #[arg(long)]
        webshop_id: u64,
        /// Which orders.
        #[command(flatten)]
        range: Range,
    },
    /// Show each order's transfer: label, invoice, attempts and the last error.
    Status {
        /// The shop.
        #[arg(long)]
        webshop_id: u64,
        /// Only failed orders.
        #[arg(long)]
        failed: bool,
    },
    /// Run locally: a fake Shoporama, the e-conomic stand-in and the app, in one process.
    Dev(super::dev::DevArgs),
    /// Against `economic dev`: install the app in a shop and pay the demo order, then show
    /// the invoice e-conomic holds.
    Demo(super::dev::DemoArgs),
}

/// The orders a backfill transfers.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct Range {
    /// The first day (YYYY-MM-DD).
    #[arg(long)]
    pub since: NaiveDate,
    /// The last day (YYYY-MM-DD), if not today.
    #[arg(long)]
    pub until: Option<NaiveDate>,
    /// Only count what would be transferred.
    #[arg(long)]
    pub dry_run: bool,
}

/// What a `retry` or `backfill` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Orders looked at.
    pub seen: u64,
    /// Orders invoiced now.
    pub invoiced: u64,
    /// Orders invoiced before.
    pub already_done: u64,
    /// Orders the trigger or the dates leave out.
    pub skipped: u64,
    /// Orders a dry run would transfer.
    pub would_invoice: u64,
    /// Orders that failed, or that another process still held, with why (order 0: an order
    /// that could not be read).
    pub failures: Vec<(u64, String)>,
}

impl Summary {
    fn add(&mut self, order_id: u64, result: Result<Synced, EffectError>) {
        match result {
            Ok((_, true)) => self.invoiced += 1,
            Ok((_, false)) => self.already_done += 1,
            Err(EffectError::Failed { message, .. }) => self.failures.push((order_id, message)),
            Err(error) => self.failures.push((order_id, error.to_string())),
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} orders", self.seen)?;
        let failed = u64::try_from(self.failures.len()).unwrap_or(u64::MAX);
        for (count, what) in [
            (self.invoiced, "invoiced"),
            (self.already_done, "already invoiced"),
            (self.skipped, "skipped"),
            (failed, "failed"),
            (self.would_invoice, "to invoice (dry run)"),
        ] {
            if count > 0 {
                write!(f, ", {count} {what}")?;
            }
        }
        Ok(())
    }
}

/// Retries `order`, or every order of the shop whose transfer is not done: failed
/// (permanently or not), or left running by a process that died (taken over once its lease
/// runs out; one still running elsewhere is waited for).
pub async fn retry(
    app: &Economic,
    shop: &Shop<Settings>,
    order: Option<u64>,
) -> Result<Summary, EffectError> {
    let records = shop.effects().list(&transfers(shop.webshop_id())).await?;
    let undone = records
        .iter()
        .filter(|record| record.state != EffectState::Done);
    let listed = undone.filter_map(|record| record.key.parse().ok());
    let orders: Vec<u64> = order.map_or_else(|| listed.collect(), |order| vec![order]);
    let mut summary = Summary::default();
    for order_id in orders {
        summary.seen += 1;
        app.reset(shop, order_id).await?;
        summary.add(order_id, app.sync_order(shop, order_id, None).await);
    }
    Ok(summary)
}

/// Transfers the shop's orders created in `range` (inclusive) that its trigger covers,
/// reading them as a stream over REST (`last_modified` since `since`: every order created
/// since then changed since then too). `progress` sees the summary after each order and the
/// number of orders the shop reported, when it did.
pub async fn backfill(
    app: &Economic,
    shop: &Shop<Settings>,
    range: Range,
    mut progress: impl FnMut(&Summary, Option<u64>),
) -> Result<Summary, EffectError> {
    let query = backfill_query(&range);
    let mut orders = shop.rest().orders().list(query);
    let mut summary = Summary::default();
    while let Some(item) = orders.next().await {
        summary.seen += 1;
        match item {
            Err(error) => summary.failures.push((0, error.to_string())),
            Ok(order) if !range.covers(&order, shop.settings().trigger) => summary.skipped += 1,
            Ok(order) if range.dry_run => {
                let (effects, id) = (shop.effects(), shop.webshop_id());
                let record = effects.get(id, EFFECT, order.order_id).await?;
                let done = record.is_some_and(|record| record.state == EffectState::Done);
                summary.already_done += u64::from(done);
                summary.would_invoice += u64::from(!done);
            }
            Ok(order) => {
                let id = order.order_id;
                summary.add(id, app.sync_order(shop, id, Some(order)).await);
            }
        }
        progress(&summary, orders.report().last_total);
    }
    Ok(summary)
}

/// The listing a backfill of `range` reads.
fn backfill_query(range: &Range) -> ListQuery {
    ListQuery::new().last_modified_since(range.since.and_time(NaiveTime::MIN))
}

/// What the listing of a backfill of `range` will cost in REST calls, against what the
/// shop's budget has left today (one call to read the total).
pub async fn backfill_plan(
    shop: &Shop<Settings>,
    range: &Range,
) -> Result<ListPlan, shoporama_app::rest::RestError> {
    shop.rest().orders().plan(&backfill_query(range)).await
}

impl Range {
    /// Whether `order` was created in the range and `trigger` transfers it (cancelled orders
    /// never are).
    fn covers(&self, order: &Order, trigger: Trigger) -> bool {
        let day = order.created.map_or(self.since, |created| created.date());
        let status = order.status.as_deref().unwrap_or_default().trim();
        let in_range = day >= self.since && self.until.is_none_or(|until| day <= until);
        in_range
            && !status.eq_ignore_ascii_case("cancelled")
            && match trigger {
                Trigger::Created => true,
                Trigger::Paid => order.paid,
                Trigger::Shipped => is_shipped(status),
            }
    }
}

/// Runs an app subcommand.
pub async fn run(app: Economic, command: Command) -> ExitCode {
    let webshop_id = match command {
        Command::Dev(args) => return super::dev::run(args).await,
        Command::Demo(args) => return super::dev::demo(args).await,
        Command::Retry { webshop_id, .. }
        | Command::Backfill { webshop_id, .. }
        | Command::Status { webshop_id, .. } => webshop_id,
    };
    let (runtime, shop) = match open(app, webshop_id).await {
        Ok(opened) => opened,
        Err(error) => return fail(&*error),
    };
    let terminal = std::io::stderr().is_terminal();
    let progress = |summary: &Summary, total: Option<u64>| {
        let of = total.map(|total| format!("/{total}")).unwrap_or_default();
        let (seen, invoiced, failed) = (summary.seen, summary.invoiced, summary.failures.len());
        let end = if total == Some(seen) { "\n" } else { " " };
        if terminal {
            eprint!("\rbackfill: {seen}{of} orders · {invoiced} invoiced · {failed} failed{end}");
        }
    };
    let summary = match command {
        Command::Retry { order, .. } => retry(runtime.app(), &shop, order).await,
        Command::Backfill { range, .. } => {
            // The cost before it starts: the listing's calls against what is left today.
            match backfill_plan(&shop, &range).await {
                Ok(plan) if range.dry_run => println!("listing: {plan}"),
                Ok(plan) => eprintln!("backfill: listing {plan}"),
                Err(error) => eprintln!("backfill: cannot plan the listing: {error}"),
            }
            backfill(runtime.app(), &shop, range, progress).await
        }
        Command::Status { failed, .. } => status(&shop, failed).await,
        Command::Dev(_) | Command::Demo(_) => return ExitCode::FAILURE,
    };
    match summary {
        Ok(summary) => {
            for (order_id, error) in &summary.failures {
                println!("order {order_id}: {error}");
            }
            println!("{summary}");
            ExitCode::from(u8::from(!summary.failures.is_empty()))
        }
        Err(error) => fail(&error),
    }
}

fn fail(error: &dyn std::error::Error) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::FAILURE
}

/// The runtime (as `serve` opens it) and the shop a command works on: the one place a
/// command finds its shop.
async fn open(
    app: Economic,
    webshop_id: u64,
) -> Result<(AppRuntime<Economic>, Shop<Settings>), Box<dyn std::error::Error>> {
    app.config.require_secret()?;
    let runtime = AppRuntime::from_env(app).await?;
    let shop = runtime.shop_by_id(webshop_id).await?.ok_or_else(|| {
        format!("shop {webshop_id} has not installed the app, or its settings are incomplete")
    })?;
    Ok((runtime, shop))
}

/// Prints each order's label, invoice, gross, attempts and last error; the summary counts
/// the orders listed.
async fn status(shop: &Shop<Settings>, failed: bool) -> Result<Summary, EffectError> {
    let filter = transfers(shop.webshop_id());
    let mut records = shop.effects().list(&filter).await?;
    records.retain(|record| !failed || record.state == EffectState::Failed);
    records.sort_by_key(|record| record.key.parse::<u64>().unwrap_or(u64::MAX));
    let (order, label_, number, gross, attempts) = ("order", "label", "invoice", "gross", "tries");
    println!("{order:>10}  {label_:<18} {number:>10}  {gross:>12}  {attempts:>5}  error");
    let mut summary = Summary::default();
    for record in &records {
        summary.seen += 1;
        let result = record.result.clone().unwrap_or_default();
        let (number, gross) = match serde_json::from_value::<InvoiceSummary>(result) {
            Ok(invoice) => (invoice.number(), invoice.gross_amount.to_string()),
            Err(_) => ("-".to_owned(), "-".to_owned()),
        };
        let (order, label, attempts) = (&record.key, label(record), record.attempts);
        let error = record.last_error.clone().filter(|_| label != LABEL_OK);
        let error = error.unwrap_or_default();
        println!("{order:>10}  {label:<18} {number:>10}  {gross:>12}  {attempts:>5}  {error}");
    }
    Ok(summary)
}
