//! Keyed effects (`Shop::once`, `Effects::once`) on every backend: in memory, on a SQLite
//! file and on PostgreSQL (a fresh schema; skipped without `SHOPORAMA_TEST_POSTGRES_URL`
//! unless `SHOPORAMA_REQUIRE_ALL=1`). Exactly once under concurrency, take-over after a
//! crash, lease renewal, fencing, stored failures and operator retries; the `effects` CLI
//! through an app binary; and a handler's retryable effect answered 503 with `Retry-After`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use http::StatusCode;
use serde_json::{Value, json};
use shoporama_app::effects::{
    Clock, EffectError, EffectFailure, EffectFilter, EffectRecord, EffectState, Effects,
    EffectsConfig,
};
use shoporama_app::prelude::*;
use shoporama_app::server::AppRuntime;
use shoporama_app::testing::SimulatedShop;
use shoporama_app_tests::{
    APP_TOKEN, REST_TOKEN, RunningServer, config, fresh_postgres_schema, postgres_url,
};
use tokio::sync::oneshot;

const SHOP: u64 = 7;

/// Where a test's effects live; keeps a SQLite file's directory while the test runs.
struct Backend {
    effects: Effects,
    url: String,
    _dir: Option<tempfile::TempDir>,
}

/// Effects in memory.
fn memory() -> Backend {
    Backend {
        effects: Effects::in_memory(EffectsConfig::default()),
        url: "memory://".to_owned(),
        _dir: None,
    }
}

/// Effects in a fresh SQLite file.
async fn sqlite() -> Backend {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("effects.db").display());
    Backend {
        _dir: Some(dir),
        ..sql(&url).await
    }
}

/// Effects in a fresh PostgreSQL schema named after `schema`, or `None` (after saying so)
/// without a server.
async fn postgres(test: &str, schema: &str) -> Option<Backend> {
    let url = fresh_postgres_schema(&postgres_url(test)?, schema);
    Some(sql(&url).await)
}

/// Effects in the database at `url`, opened (and migrated) as the install store opens it.
async fn sql(url: &str) -> Backend {
    let store = shoporama_app::store::connect(url)
        .await
        .expect("the store opens");
    let database = store.database().expect("a SQL store has a database");
    Backend {
        effects: Effects::new(database, EffectsConfig::default()),
        url: url.to_owned(),
        _dir: None,
    }
}

/// Three tests running `scenario(backend)`: in memory, on SQLite and on PostgreSQL.
macro_rules! on_every_backend {
    ($scenario:ident: $memory:ident, $sqlite:ident, $postgres:ident, $schema:literal) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $memory() {
            $scenario(memory()).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $sqlite() {
            $scenario(sqlite().await).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $postgres() {
            if let Some(backend) = postgres(stringify!($postgres), $schema).await {
                $scenario(backend).await;
            }
        }
    };
}

/// The stored effect `(SHOP, name, key)`.
async fn record(effects: &Effects, name: &str, key: u64) -> EffectRecord {
    effects
        .get(SHOP, name, key)
        .await
        .expect("the effect reads")
        .expect("the effect is stored")
}

/// A later call for the invoice of `key` gets the stored `expected` without running its
/// closure.
async fn assert_stored_result(effects: &Effects, key: u64, expected: &str) {
    let again: String = effects
        .once(SHOP, "invoice", key, |_| async {
            Err(EffectFailure::permanent("must not run"))
        })
        .await
        .expect("the stored result");
    assert_eq!(again, expected);
}

fn start() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("a valid time")
}

/// The outside system effects act on: invoices by order, and how often one was created.
#[derive(Default)]
struct Accounting {
    invoices: std::sync::Mutex<Vec<(u64, String)>>,
    created: AtomicU32,
}

impl Accounting {
    fn create(&self, order: u64) -> String {
        let number = self.created.fetch_add(1, Ordering::SeqCst) + 1;
        let invoice = format!("INV-{order}-{number}");
        self.invoices
            .lock()
            .expect("invoices")
            .push((order, invoice.clone()));
        invoice
    }

    fn find(&self, order: u64) -> Option<String> {
        self.invoices
            .lock()
            .expect("invoices")
            .iter()
            .find(|(o, _)| *o == order)
            .map(|(_, invoice)| invoice.clone())
    }

    fn created(&self) -> u32 {
        self.created.load(Ordering::SeqCst)
    }
}

// ---------------------------------------------------------------------------------------

/// Ten concurrent calls for one key: the closure runs once, every caller gets its result.
async fn concurrent_calls_run_the_effect_once(backend: Backend) {
    let effects = backend
        .effects
        .with_config(EffectsConfig::default().with_poll(Duration::from_millis(5)));
    let accounting = Arc::new(Accounting::default());
    let runs = Arc::new(AtomicU32::new(0));
    let mut calls = Vec::new();
    for _ in 0..10 {
        let (effects, accounting, runs) = (effects.clone(), accounting.clone(), runs.clone());
        calls.push(tokio::spawn(async move {
            effects
                .once(SHOP, "invoice", 1001, |attempt| async move {
                    runs.fetch_add(1, Ordering::SeqCst);
                    assert_eq!((attempt.number, attempt.taken_over), (1, false));
                    tokio::time::sleep(Duration::from_millis(150)).await;
                    Ok(accounting.create(1001))
                })
                .await
        }));
    }
    let mut results = Vec::new();
    for call in calls {
        results.push(call.await.expect("no panic").expect("the effect succeeds"));
    }
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "the closure ran more than once"
    );
    assert_eq!(accounting.created(), 1);
    assert!(
        results.iter().all(|result| *result == "INV-1001-1"),
        "{results:?}"
    );
    let stored = record(&effects, "invoice", 1001).await;
    assert_eq!(stored.state, EffectState::Done);
    assert_eq!((stored.attempts, stored.fence), (1, 1));
    assert_eq!(stored.result, Some(json!("INV-1001-1")));
    assert!(stored.finished_at.is_some() && stored.lease_until.is_none());
    // Later calls get the stored result; the closure does not run.
    assert_stored_result(&effects, 1001, "INV-1001-1").await;
    // The same name and key of another shop, or another key, is another effect.
    let other: String = effects
        .once(SHOP + 1, "invoice", 1001, |_| async {
            Ok("other shop".to_owned())
        })
        .await
        .expect("another shop's effect runs");
    assert_eq!(other, "other shop");
    // A stored result that is not the type asked for is a decode error, not a re-run.
    let wrong = effects
        .once(SHOP, "invoice", 1001, |_| async { Ok(5_u64) })
        .await;
    assert!(
        matches!(wrong, Err(EffectError::Decode { .. })),
        "{wrong:?}"
    );
}
on_every_backend!(concurrent_calls_run_the_effect_once: memory_concurrent_calls_run_once, sqlite_concurrent_calls_run_once, postgres_concurrent_calls_run_once, "fx_once");

/// A claimer that vanishes mid-effect (its task aborted after the outside call) is taken
/// over once its lease expires; the new attempt knows, looks outside, and calls nothing twice.
async fn a_crashed_attempt_is_taken_over_after_its_lease(backend: Backend) {
    let clock = Clock::manual(start());
    let effects = backend.effects.with_clock(clock.clone());
    let accounting = Arc::new(Accounting::default());
    let (created, created_rx) = oneshot::channel();
    let crashing = {
        let (effects, accounting) = (effects.clone(), accounting.clone());
        tokio::spawn(async move {
            effects
                .once(SHOP, "invoice", 1002, |attempt| async move {
                    assert!(!attempt.taken_over);
                    accounting.create(1002);
                    let _ = created.send(attempt.fence);
                    // The process dies here, before the outcome is recorded.
                    std::future::pending::<Result<String, EffectFailure>>().await
                })
                .await
        })
    };
    assert_eq!(created_rx.await.expect("the first attempt ran"), 1);
    crashing.abort();
    assert!(crashing.await.is_err_and(|error| error.is_cancelled()));

    let stored = record(&effects, "invoice", 1002).await;
    assert_eq!((stored.state, stored.fence), (EffectState::Running, 1));
    assert_eq!(
        stored.lease_until,
        Some(start() + chrono::Duration::seconds(30))
    );

    // While the lease holds, a duplicate that may not wait is busy, and nothing runs.
    let impatient = effects.with_config(EffectsConfig::default().with_wait(Duration::ZERO));
    let busy = impatient
        .once(SHOP, "invoice", 1002, |_| async {
            Ok::<_, EffectFailure>("must not run".to_owned())
        })
        .await;
    assert!(matches!(busy, Err(EffectError::Busy { .. })), "{busy:?}");
    assert!(busy.is_err_and(|error| error.is_retryable()));

    clock.advance(Duration::from_secs(30));
    let runs = AtomicU32::new(0);
    let invoice: String = effects
        .once(SHOP, "invoice", 1002, |attempt| {
            let (accounting, runs) = (accounting.clone(), &runs);
            async move {
                runs.fetch_add(1, Ordering::SeqCst);
                assert!(attempt.taken_over);
                assert_eq!((attempt.number, attempt.fence), (2, 2));
                let previous = attempt.previous_error.unwrap_or_default();
                assert!(
                    previous.contains("attempt 1") && previous.contains("did not finish"),
                    "{previous}"
                );
                // Look outside before acting: the crashed attempt did create it.
                match accounting.find(1002) {
                    Some(invoice) => Ok(invoice),
                    None => Ok(accounting.create(1002)),
                }
            }
        })
        .await
        .expect("the take-over succeeds");
    assert_eq!(invoice, "INV-1002-1");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(
        accounting.created(),
        1,
        "the outside system was called twice"
    );
    let stored = record(&effects, "invoice", 1002).await;
    assert_eq!(
        (stored.state, stored.attempts, stored.fence),
        (EffectState::Done, 2, 2)
    );

    // Taken over once: later calls, even much later, get the stored result.
    clock.advance(Duration::from_hours(1));
    assert_stored_result(&effects, 1002, "INV-1002-1").await;
}
on_every_backend!(a_crashed_attempt_is_taken_over_after_its_lease: memory_crash_is_taken_over_once, sqlite_crash_is_taken_over_once, postgres_crash_is_taken_over_once, "fx_crash");

/// An effect running for three lease lengths keeps its claim by renewing it: a duplicate
/// waits and gets its result; the closure runs once. (The lease, 0.6 s, is renewed every
/// 0.2 s: a renewal may come 0.4 s late on a loaded machine before the claim is lost.)
async fn a_long_effect_keeps_its_claim(backend: Backend) {
    let lease = Duration::from_millis(600);
    let effects = backend.effects.with_config(
        EffectsConfig::default()
            .with_lease(lease)
            .with_poll(Duration::from_millis(20)),
    );
    let runs = Arc::new(AtomicU32::new(0));
    let slow = {
        let (effects, runs) = (effects.clone(), runs.clone());
        tokio::spawn(async move {
            effects
                .once(SHOP, "booking", 1003, |_| async move {
                    runs.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(lease * 3).await;
                    Ok::<_, EffectFailure>(json!({"booking": 77}))
                })
                .await
        })
    };
    // The duplicate comes once the first attempt runs (it holds the claim then).
    tokio::time::timeout(Duration::from_secs(10), async {
        while runs.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the first attempt starts");
    let duplicate: Value = effects
        .once(SHOP, "booking", 1003, |_| {
            let runs = runs.clone();
            async move {
                runs.fetch_add(1, Ordering::SeqCst);
                Ok(json!({"booking": "duplicate"}))
            }
        })
        .await
        .expect("the duplicate waits for the result");
    assert_eq!(duplicate, json!({"booking": 77}));
    let first = slow.await.expect("no panic").expect("the effect succeeds");
    assert_eq!(first, json!({"booking": 77}));
    assert_eq!(runs.load(Ordering::SeqCst), 1, "the claim was taken over");
    let stored = record(&effects, "booking", 1003).await;
    assert_eq!(
        (stored.state, stored.attempts, stored.fence),
        (EffectState::Done, 1, 1)
    );
}
on_every_backend!(a_long_effect_keeps_its_claim: memory_long_effect_keeps_its_claim, sqlite_long_effect_keeps_its_claim, postgres_long_effect_keeps_its_claim, "fx_long");

/// A stalled attempt whose claim was taken over cannot record its outcome: it gets
/// `Fenced`, and the newer attempt's result stands.
async fn a_stale_attempt_is_fenced(backend: Backend) {
    let clock = Clock::manual(start());
    let effects = backend.effects.with_clock(clock.clone());
    let (started, started_rx) = oneshot::channel();
    let (release, release_rx) = oneshot::channel::<()>();
    let stale = {
        let effects = effects.clone();
        tokio::spawn(async move {
            effects
                .once(SHOP, "invoice", 1004, |attempt| async move {
                    let _ = started.send(());
                    let _ = release_rx.await;
                    // Still its claim? No: it was taken over while this attempt stalled.
                    let confirmed = attempt.confirm_claim().await;
                    assert!(confirmed.is_err_and(|failure| failure.is_retryable()));
                    Ok::<_, EffectFailure>("from the stale attempt".to_owned())
                })
                .await
        })
    };
    started_rx.await.expect("the first attempt started");
    clock.advance(Duration::from_secs(31));
    let newer: String = effects
        .once(SHOP, "invoice", 1004, |attempt| async move {
            assert!(attempt.taken_over);
            assert_eq!(attempt.fence, 2);
            attempt.confirm_claim().await?;
            Ok("from the newer attempt".to_owned())
        })
        .await
        .expect("the take-over succeeds");
    assert_eq!(newer, "from the newer attempt");
    release.send(()).expect("the stale attempt waits");
    let stale = stale.await.expect("no panic");
    assert!(
        matches!(stale, Err(EffectError::Fenced { fence: 1, .. })),
        "{stale:?}"
    );
    let stored = record(&effects, "invoice", 1004).await;
    assert_eq!((stored.state, stored.fence), (EffectState::Done, 2));
    assert_eq!(stored.result, Some(json!("from the newer attempt")));
}
on_every_backend!(a_stale_attempt_is_fenced: memory_stale_attempt_is_fenced, sqlite_stale_attempt_is_fenced, postgres_stale_attempt_is_fenced, "fx_fence");

/// A permanent failure is stored and returned without running again, until `retry` marks
/// it retryable; then the next call runs it, as a taken-over attempt.
async fn a_permanent_failure_waits_for_an_operator(backend: Backend) {
    let effects = backend.effects;
    let runs = AtomicU32::new(0);
    let refuse = || async {
        runs.fetch_add(1, Ordering::SeqCst);
        Err::<String, _>(EffectFailure::permanent("VAT number rejected"))
    };
    let first = effects.once(SHOP, "invoice", 1005, |_| refuse()).await;
    let Err(EffectError::Failed {
        ref message,
        retryable: false,
        attempts: 1,
        ..
    }) = first
    else {
        panic!("expected a permanent failure, got {first:?}");
    };
    assert_eq!(message, "VAT number rejected");
    assert!(first.is_err_and(|error| !error.is_retryable()));
    let second = effects.once(SHOP, "invoice", 1005, |_| refuse()).await;
    assert!(
        matches!(&second, Err(EffectError::Failed { message, retryable: false, attempts: 1, .. }) if message == "VAT number rejected"),
        "{second:?}"
    );
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "a permanent failure ran again"
    );

    let failed = effects
        .list(&EffectFilter::all().state(EffectState::Failed))
        .await
        .expect("list");
    assert_eq!(failed.len(), 1);
    assert_eq!(
        (failed[0].key.as_str(), failed[0].retryable),
        ("1005", false)
    );
    assert_eq!(failed[0].last_error.as_deref(), Some("VAT number rejected"));
    // A filter that matches nothing retries nothing.
    let none = effects
        .retry(&EffectFilter::all().name("booking"))
        .await
        .expect("retry");
    assert_eq!(none, 0);
    let retried = effects
        .retry(
            &EffectFilter::all()
                .webshop_id(SHOP)
                .name("invoice")
                .key(1005),
        )
        .await
        .expect("retry");
    assert_eq!(retried, 1);
    assert!(record(&effects, "invoice", 1005).await.retryable);

    let fixed: String = effects
        .once(SHOP, "invoice", 1005, |attempt| async move {
            assert!(attempt.taken_over);
            assert_eq!(attempt.number, 2);
            assert_eq!(
                attempt.previous_error.as_deref(),
                Some("VAT number rejected")
            );
            Ok("INV-1005".to_owned())
        })
        .await
        .expect("the retried effect runs");
    assert_eq!(fixed, "INV-1005");
    let stored = record(&effects, "invoice", 1005).await;
    assert_eq!(
        (stored.state, stored.attempts, stored.retryable),
        (EffectState::Done, 2, false)
    );
    assert!(
        effects
            .list(&EffectFilter::all().state(EffectState::Failed))
            .await
            .expect("list")
            .is_empty()
    );
}
on_every_backend!(a_permanent_failure_waits_for_an_operator: memory_permanent_failure_until_retried, sqlite_permanent_failure_until_retried, postgres_permanent_failure_until_retried, "fx_perm");

/// A retryable failure (and a panic) runs again on the next call, with attempts counted.
async fn a_retryable_failure_runs_again(backend: Backend) {
    let effects = backend.effects;
    let first = effects
        .once(SHOP, "invoice", 1006, |attempt| async move {
            assert_eq!((attempt.number, attempt.taken_over), (1, false));
            Err::<String, _>(EffectFailure::retryable("accounting timed out"))
        })
        .await;
    assert!(
        matches!(
            first,
            Err(EffectError::Failed {
                retryable: true,
                attempts: 1,
                ..
            })
        ),
        "{first:?}"
    );
    assert!(first.is_err_and(|error| error.is_retryable()));
    let second = effects
        .once::<String, _, _>(SHOP, "invoice", 1006, |attempt| async move {
            assert_eq!((attempt.number, attempt.taken_over), (2, true));
            assert_eq!(
                attempt.previous_error.as_deref(),
                Some("accounting timed out")
            );
            panic!("a bug in the effect");
        })
        .await;
    let Err(EffectError::Failed {
        message,
        retryable: true,
        attempts: 2,
        ..
    }) = second
    else {
        panic!("expected a retryable failure, got {second:?}");
    };
    assert!(
        message.contains("panicked: a bug in the effect"),
        "{message}"
    );
    let third: u64 = effects
        .once(SHOP, "invoice", 1006, |attempt| async move {
            assert_eq!(attempt.number, 3);
            Ok(1006)
        })
        .await
        .expect("the third attempt succeeds");
    assert_eq!(third, 1006);
    let stored = record(&effects, "invoice", 1006).await;
    assert_eq!(
        (stored.state, stored.attempts, stored.fence),
        (EffectState::Done, 3, 3)
    );
    assert!(
        stored
            .last_error
            .is_some_and(|error| error.contains("panicked")),
        "the last failure is kept for the record"
    );
    // Bad input is refused before anything is stored.
    let empty = effects.once(SHOP, "", 1, |_| async { Ok(1_u8) }).await;
    assert!(matches!(empty, Err(EffectError::Invalid(_))), "{empty:?}");
}
on_every_backend!(a_retryable_failure_runs_again: memory_retryable_failure_runs_again, sqlite_retryable_failure_runs_again, postgres_retryable_failure_runs_again, "fx_retry");

// ---------------------------------------------------------------------------------------
// The CLI, through an app binary.

/// Runs `inbox-app effects <args>` over `database_url`; its stdout, or a panic with stderr.
fn cli(database_url: &str, args: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_inbox-app"))
        .arg("effects")
        .args(args)
        .env("SHOPORAMA_APP_TOKEN", APP_TOKEN)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "error")
        .output()
        .expect("the app binary runs");
    assert!(
        output.status.success(),
        "effects {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

async fn cli_lists_and_retries(backend: Backend) {
    let effects = backend.effects;
    let _: String = effects
        .once(SHOP, "invoice", 2001, |_| async {
            Ok("INV-2001".to_owned())
        })
        .await
        .expect("done");
    for order in [2002, 2003] {
        let failed = effects
            .once(SHOP, "invoice", order, |_| async {
                Err::<String, _>(EffectFailure::permanent("customer has no VAT number"))
            })
            .await;
        assert!(failed.is_err());
    }

    let lines = cli(&backend.url, &["list", "--state", "failed", "--json"]);
    let failed: Vec<Value> = lines
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(failed.len(), 2, "{lines}");
    assert!(failed.iter().all(|effect| effect["state"] == "failed"
        && effect["retryable"] == false
        && effect["webshop_id"] == SHOP
        && effect["last_error"] == "customer has no VAT number"));

    let table = cli(&backend.url, &["list", "--webshop-id", "7"]);
    assert!(table.lines().count() == 4, "{table}");
    assert!(
        table.contains("2001") && table.contains("\"INV-2001\""),
        "{table}"
    );
    assert!(
        table.contains("permanent: customer has no VAT number"),
        "{table}"
    );

    let out = cli(
        &backend.url,
        &["retry", "--name", "invoice", "--key", "2002"],
    );
    assert!(out.contains("marked 1 failed effect(s)"), "{out}");
    let stored = record(&effects, "invoice", 2002).await;
    assert!(stored.retryable && stored.state == EffectState::Failed);
    assert!(!record(&effects, "invoice", 2003).await.retryable);
    let out = cli(&backend.url, &["retry", "--webshop-id", "7"]);
    assert!(out.contains("marked 2 failed effect(s)"), "{out}");
    let rerun: String = effects
        .once(SHOP, "invoice", 2003, |attempt| async move {
            assert!(attempt.taken_over);
            Ok("INV-2003".to_owned())
        })
        .await
        .expect("the retried effect runs");
    assert_eq!(rerun, "INV-2003");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_cli_lists_and_retries() {
    cli_lists_and_retries(sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_cli_lists_and_retries() {
    if let Some(backend) = postgres("postgres_cli_lists_and_retries", "fx_cli").await {
        cli_lists_and_retries(backend).await;
    }
}

#[test]
fn cli_refuses_a_memory_store() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_inbox-app"))
        .args(["effects", "list"])
        .env("SHOPORAMA_APP_TOKEN", APP_TOKEN)
        .env("DATABASE_URL", "memory://")
        .output()
        .expect("the app binary runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("memory"), "{stderr}");
}

// ---------------------------------------------------------------------------------------
// A handler's effects, over the router.

#[shoporama_app(name = "Invoicer", access = read, webhooks(paid))]
#[derive(Debug, Clone)]
pub struct InvoicerSettings {}

/// Invoices paid orders once: order 1 finds accounting down, order 2 is refused, order 3
/// succeeds, order 4 asks to be called again in 1.5 s.
#[derive(Clone, Default)]
struct Invoicer {
    accounting: Arc<Accounting>,
}

impl ShoporamaApp for Invoicer {
    type Settings = InvoicerSettings;

    async fn on_event(
        &self,
        shop: &Shop<InvoicerSettings>,
        event: InvoicerSettingsEvent,
    ) -> Result<(), AppError> {
        let InvoicerSettingsEvent::PaidWebhook(order) = event else {
            return Ok(());
        };
        let order_id = order.order_id.unwrap_or_default();
        if order_id == 4 {
            return Err(AppError::retry_after(Duration::from_millis(1500)));
        }
        let accounting = &self.accounting;
        let _invoice: String = shop
            .once("invoice", order_id, |_| async move {
                match order_id {
                    1 => Err(EffectFailure::retryable("accounting is down")),
                    2 => Err(EffectFailure::permanent("accounting refused the order")),
                    _ => Ok(accounting.create(order_id)),
                }
            })
            .await?;
        Ok(())
    }
}

async fn deliver(server: &RunningServer, order_id: u64) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!(
            "{}?type=paid&webshop_id={SHOP}",
            server.callback_url
        ))
        .header("x-app-token", APP_TOKEN)
        .json(&json!({ "order_id": order_id }))
        .send()
        .await
        .expect("the server answers")
}

async fn answer(response: reqwest::Response) -> (StatusCode, Option<String>, Value) {
    let status = StatusCode::from_u16(response.status().as_u16()).expect("a status");
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|value| value.to_str().expect("ASCII").to_owned());
    let body = response.json().await.expect("a JSON body");
    (status, retry_after, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retryable_effect_answers_503_with_retry_after() {
    let (_dir, url) = {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("invoicer.db").display());
        (dir, url)
    };
    let app = Invoicer::default();
    let runtime = AppRuntime::connect(app.clone(), config(&url))
        .await
        .expect("the runtime starts");
    assert_eq!(runtime.effects().backend(), "SQLite");
    let server = RunningServer::start_runtime(runtime.clone()).await;
    SimulatedShop::over_http(
        &server.callback_url,
        InvoicerSettings::manifest(),
        APP_TOKEN,
    )
    .webshop_id(SHOP)
    .rest_token(REST_TOKEN)
    .install()
    .await
    .assert_ok();

    let (status, retry_after, body) = answer(deliver(&server, 1).await).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(retry_after.as_deref(), Some("5"));
    assert_eq!(body["retry_after"], 5);
    let error = body["error"].as_str().unwrap_or_default();
    assert!(error.contains("accounting is down"), "{error}");

    let (status, retry_after, body) = answer(deliver(&server, 2).await).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert_eq!(retry_after, None);
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("refused")
    );

    for _ in 0..2 {
        let (status, _, body) = answer(deliver(&server, 3).await).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    assert_eq!(
        app.accounting.created(),
        1,
        "a duplicate webhook invoiced twice"
    );
    let stored = runtime
        .effects()
        .get(SHOP, "invoice", 3)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(stored.result, Some(json!("INV-3-1")));

    let (status, retry_after, body) = answer(deliver(&server, 4).await).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(
        retry_after.as_deref(),
        Some("2"),
        "rounded up to whole seconds"
    );
    assert_eq!(body["retry_after"], 2);
    server.stop().await;
}

#[tokio::test]
async fn a_memory_runtime_keeps_effects_in_memory() {
    let runtime = AppRuntime::connect(Invoicer::default(), config("memory://"))
        .await
        .expect("the runtime starts");
    assert_eq!(runtime.effects().backend(), "memory");
    assert_eq!(runtime.effects().config().lease(), Duration::from_secs(30));
}
