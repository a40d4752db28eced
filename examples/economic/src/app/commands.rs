//! The app's own subcommands, next to the framework's `serve`, `manifest`, `simulate` and
//! `doctor`:
//!
//! ```text
//! economic retry --webshop-id N [--order ID]       retry failed orders (or one order)
//! economic backfill --webshop-id N --since DATE    transfer existing orders
//!                   [--until DATE] [--dry-run]
//! economic status --webshop-id N [--failed]        each order's label, invoice and error
//! economic dev                                     both stand-ins and the app, locally
//! economic demo                                    install + pay the demo order against `dev`
//! ```
//!
//! `retry`, `backfill` and `status` read the same environment as `serve`. The functions
//! behind them ([`retry`], [`backfill`]) are public so they can run in tests and jobs.

use std::fmt;
use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;

use chrono::{NaiveDate, NaiveTime};
use futures::StreamExt as _;
use shoporama_app::rest::ListQuery;
use shoporama_app::{AppRuntime, Shop};

use super::{Economic, Settings, Source, SyncError, SyncOutcome, SyncState, qualifies};

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
        /// The first day (YYYY-MM-DD).
        #[arg(long)]
        since: NaiveDate,
        /// The last day (YYYY-MM-DD), if not today.
        #[arg(long)]
        until: Option<NaiveDate>,
        /// Only count what would be transferred.
        #[arg(long)]
        dry_run: bool,
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
    /// Orders another sync held.
    pub busy: u64,
    /// Orders that failed, with why (order 0: an order that could not be read).
    pub failures: Vec<(u64, String)>,
}

impl Summary {
    fn add(&mut self, outcome: &SyncOutcome) {
        match outcome {
            SyncOutcome::Invoiced(_) => self.invoiced += 1,
            SyncOutcome::AlreadyDone(_) => self.already_done += 1,
            SyncOutcome::Busy(_) => self.busy += 1,
            SyncOutcome::Failed(record) => self
                .failures
                .push((record.order_id, record.error.clone().unwrap_or_default())),
        }
    }

    /// Whether nothing failed or was left held by another sync.
    pub fn is_clean(&self) -> bool {
        self.failures.is_empty() && self.busy == 0
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} orders: {} invoiced, {} already invoiced, {} skipped, {} busy, {} failed",
            self.seen,
            self.invoiced,
            self.already_done,
            self.skipped,
            self.busy,
            self.failures.len()
        )?;
        if self.would_invoice > 0 {
            write!(f, ", {} to invoice (dry run)", self.would_invoice)?;
        }
        Ok(())
    }
}

/// Retries `order`, or every failed order of the shop (and orders whose sync crashed).
pub async fn retry(
    app: &Economic,
    shop: &Shop<Settings>,
    order: Option<u64>,
) -> Result<Summary, SyncError> {
    let orders = match order {
        Some(order) => vec![order],
        None => app.store().retryable(shop.webshop_id()).await?,
    };
    let mut summary = Summary::default();
    for order_id in orders {
        summary.seen += 1;
        summary.add(&app.sync_order(shop, order_id, None, Source::Retry).await?);
    }
    Ok(summary)
}

/// Transfers the shop's orders created from `since` to `until` (inclusive) that its trigger
/// covers, reading them as a stream over REST (`last_modified` since `since`: every order
/// created since then changed since then too). `progress` sees the summary after each order
/// and the number of orders the shop reported, when it did.
pub async fn backfill(
    app: &Economic,
    shop: &Shop<Settings>,
    since: NaiveDate,
    until: Option<NaiveDate>,
    dry_run: bool,
    mut progress: impl FnMut(&Summary, Option<u64>),
) -> Result<Summary, SyncError> {
    let trigger = shop.settings().trigger;
    let query = ListQuery::new().last_modified_since(since.and_time(NaiveTime::MIN));
    let mut orders = shop.rest().orders().list(query);
    let mut summary = Summary::default();
    while let Some(item) = orders.next().await {
        summary.seen += 1;
        match item {
            Err(error) => summary.failures.push((0, error.to_string())),
            Ok(order) => {
                let created = order.created.map(|created| created.date());
                let in_range = created
                    .is_none_or(|day| day >= since && until.is_none_or(|until| day <= until));
                if !in_range || !qualifies(&order, trigger) {
                    summary.skipped += 1;
                } else if dry_run {
                    let record = app
                        .store()
                        .record(shop.webshop_id(), order.order_id)
                        .await?;
                    if record.is_some_and(|record| record.state == SyncState::Ok) {
                        summary.already_done += 1;
                    } else {
                        summary.would_invoice += 1;
                    }
                } else {
                    let outcome =
                        app.sync_order(shop, order.order_id, Some(order), Source::Backfill);
                    summary.add(&outcome.await?);
                }
            }
        }
        progress(&summary, orders.report().last_total);
    }
    Ok(summary)
}

/// Runs an app subcommand.
pub async fn run(app: Economic, command: Command) -> ExitCode {
    match command {
        Command::Dev(args) => super::dev::run(args).await,
        Command::Demo(args) => super::dev::demo(args).await,
        Command::Status { webshop_id, failed } => match app.config().check() {
            Ok(()) => status(&app, webshop_id, failed).await,
            Err(error) => fail(&error, ExitCode::from(2)),
        },
        Command::Retry { webshop_id, order } => match open(app, webshop_id).await {
            Ok((runtime, shop)) => report(retry(runtime.app(), &shop, order).await),
            Err(code) => code,
        },
        Command::Backfill {
            webshop_id,
            since,
            until,
            dry_run,
        } => match open(app, webshop_id).await {
            Ok((runtime, shop)) => {
                let terminal = std::io::stderr().is_terminal();
                let progress = |summary: &Summary, total: Option<u64>| {
                    if terminal {
                        let of = total.map(|total| format!("/{total}")).unwrap_or_default();
                        eprint!(
                            "\rbackfill: {}{of} orders · {} invoiced · {} failed ",
                            summary.seen,
                            summary.invoiced,
                            summary.failures.len()
                        );
                        let _ = std::io::stderr().flush();
                    }
                };
                let result = backfill(runtime.app(), &shop, since, until, dry_run, progress).await;
                if terminal {
                    eprintln!();
                }
                report(result)
            }
            Err(code) => code,
        },
    }
}

fn fail(error: &dyn fmt::Display, code: ExitCode) -> ExitCode {
    eprintln!("error: {error}");
    code
}

/// The runtime (as `serve` opens it) and the shop, or the exit code saying why not.
async fn open(
    app: Economic,
    webshop_id: u64,
) -> Result<(AppRuntime<Economic>, Shop<Settings>), ExitCode> {
    if let Err(error) = app.config().check() {
        return Err(fail(&error, ExitCode::from(2)));
    }
    let runtime = AppRuntime::from_env(app)
        .await
        .map_err(|error| fail(&error, error.exit_code()))?;
    match runtime.shop_by_id(webshop_id).await {
        Ok(Some(shop)) => Ok((runtime, shop)),
        Ok(None) => Err(fail(
            &format!("shop {webshop_id} has not installed the app, or its settings are incomplete"),
            ExitCode::FAILURE,
        )),
        Err(error) => Err(fail(&error, ExitCode::FAILURE)),
    }
}

/// Prints a summary (each failure first); failure unless every order went through.
fn report(result: Result<Summary, SyncError>) -> ExitCode {
    match result {
        Ok(summary) => {
            for (order_id, error) in &summary.failures {
                println!("order {order_id}: {error}");
            }
            println!("{summary}");
            if summary.is_clean() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error) => fail(&error, ExitCode::FAILURE),
    }
}

async fn status(app: &Economic, webshop_id: u64, failed: bool) -> ExitCode {
    let filter = failed.then_some(SyncState::Failed);
    let records = match app.store().records(webshop_id, filter).await {
        Ok(records) => records,
        Err(error) => return fail(&error, ExitCode::FAILURE),
    };
    println!(
        "{:>10}  {:<18} {:>8}  {:>12}  {:>8}  error",
        "order", "label", "invoice", "gross", "attempts"
    );
    for record in &records {
        let invoice = match (record.booked_invoice_number, record.draft_invoice_number) {
            (Some(booked), _) => booked.to_string(),
            (None, Some(draft)) => format!("draft {draft}"),
            (None, None) => "-".to_owned(),
        };
        let gross = record
            .gross_amount
            .map_or_else(|| "-".to_owned(), |gross| gross.to_string());
        let error = record
            .error
            .as_deref()
            .filter(|_| record.state != SyncState::Ok)
            .unwrap_or_default();
        println!(
            "{:>10}  {:<18} {invoice:>8}  {gross:>12}  {:>8}  {error}",
            record.order_id,
            record.label(),
            record.attempts
        );
    }
    println!("orders: {}", records.len());
    ExitCode::SUCCESS
}
