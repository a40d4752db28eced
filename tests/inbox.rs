//! The inbox in process, over real HTTP on loopback: duplicates (each callback delivered
//! three times, some concurrently, runs the handler once), retries with backoff and dead
//! letters (and their token-protected endpoint), per-shop ordering; on SQLite and PostgreSQL.

#[macro_use]
mod inbox_support;

use std::time::Duration;

use futures::StreamExt as _;
use inbox_support::{
    DEAD_JOBS, EFFECTS, Ledger, LedgerDb, RoundRobin, TOKEN, assert_reaches, install, ledger_db,
    sqlite_db,
};
use shoporama_app::inbox::{InboxConfig, JobState};
use shoporama_app::server::AppRuntime;
use shoporama_app::{Config, Shop};
use shoporama_app_tests::RunningServer;

/// The suites' configuration with `inbox`.
fn config(url: &str, inbox: InboxConfig) -> Config {
    Config {
        inbox,
        ..shoporama_app_tests::config(url)
    }
}

async fn start(url: &str, inbox: InboxConfig) -> (RunningServer, LedgerDb, AppRuntime<Ledger>) {
    let db = ledger_db(url).await;
    let runtime = AppRuntime::connect(Ledger::new(url, Duration::ZERO), config(url, inbox))
        .await
        .expect("runtime starts");
    assert!(runtime.inbox().is_some(), "the runtime has an inbox");
    let server = RunningServer::start_runtime(runtime.clone()).await;
    (server, db, runtime)
}

fn fast() -> InboxConfig {
    InboxConfig {
        poll_interval: Duration::from_millis(50),
        backoff: Duration::from_millis(50),
        ..InboxConfig::default()
    }
}

/// 1,000 callbacks, each delivered three times (twice at once, then again): 1,000 runs.
async fn duplicates(url: &str) {
    let (server, db, _runtime) = start(url, fast()).await;
    install(&server.callback_url, 1).await;
    let client = RoundRobin::new(vec![server.callback_url.clone()]);
    futures::stream::iter(1..=1000_u64)
        .map(|order| {
            let client = client.clone();
            async move {
                let ((_, a), (_, b)) = tokio::join!(
                    client.deliver("paid", 1, order),
                    client.deliver("paid", 1, order)
                );
                let (_, c) = client.deliver("paid", 1, order).await;
                assert_eq!(a + b + c, 0, "every delivery acknowledged at once");
            }
        })
        .buffer_unordered(8)
        .collect::<Vec<()>>()
        .await;
    assert_reaches(&db, EFFECTS, 1000, Duration::from_mins(1)).await;
    assert_reaches(
        &db,
        "SELECT COUNT(*) FROM shoporama_inbox WHERE state = 'done'",
        1000,
        Duration::from_secs(10),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        db.count("SELECT COUNT(*) FROM ledger_runs").await,
        1000,
        "1,000 handler runs"
    );
    assert_eq!(
        db.count("SELECT COUNT(*) FROM shoporama_inbox").await,
        1000,
        "1,000 jobs"
    );
    // A different body, type or shop is not a duplicate.
    client.deliver("new_status", 1, 1).await;
    assert_reaches(&db, EFFECTS, 1001, Duration::from_secs(10)).await;
    server.stop().await;
}

on_both_databases!(
    duplicates: duplicates_run_once_on_sqlite,
    duplicates_run_once_on_postgres,
    "inbox_dup"
);

/// A failing job is retried until `retry_for` has passed since it was received, however many
/// attempts are left: then it is dead-lettered, saying why.
/// 400 callbacks recorded at once (100 different ones, each four times): the writer takes
/// them in batches (on PostgreSQL one statement a batch), and equal ones are queued once,
/// within a batch and across batches; sent again, all are duplicates. With the guard off,
/// every one is queued.
async fn batched_enqueues(url: &str) {
    use shoporama_app::inbox::{Enqueued, Inbox};

    let body = |n: u64| format!(r#"{{"order_id":{n}}}"#);
    let record_all = |inbox: Inbox| async move {
        let bodies: Vec<String> = (0..400).map(|n| body(n % 100)).collect();
        let recorded =
            futures::future::join_all(bodies.iter().map(|body| inbox.enqueue("paid", 1, body)))
                .await;
        recorded
            .into_iter()
            .map(|result| result.expect("recorded"))
            .collect::<Vec<_>>()
    };
    let queued = |results: &[Enqueued]| {
        let mut ids: Vec<i64> = results
            .iter()
            .filter_map(|result| match result {
                Enqueued::Queued(id) => Some(*id),
                Enqueued::Duplicate => None,
            })
            .collect();
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count, "every queued callback has its own id");
        count
    };
    let guarded = Inbox::open(url, fast()).await.expect("inbox");
    assert_eq!(queued(&record_all(guarded.clone()).await), 100);
    assert_eq!(queued(&record_all(guarded.clone()).await), 0);
    let unguarded = InboxConfig {
        dedup_window: Duration::ZERO,
        ..fast()
    };
    let unguarded = Inbox::open(url, unguarded).await.expect("inbox");
    assert_eq!(queued(&record_all(unguarded).await), 400);
    let pending = guarded.list(Some(JobState::Pending), None, 1000).await;
    assert_eq!(pending.expect("listed").len(), 500);
}

on_both_databases!(batched_enqueues: batched_enqueues_on_sqlite, batched_enqueues_on_postgres, "inbox_batched");

/// The console chart's counts per minute come from the database, not from the newest jobs:
/// 22,000 callbacks (more than one range of ids the count reads at a time), of which the
/// oldest 1,000 are moved to two hours ago, one in ten failed and one in ten dead-lettered.
async fn counts_per_minute(url: &str) {
    use shoporama_app::inbox::Inbox;

    let config = InboxConfig {
        dedup_window: Duration::ZERO,
        ..fast()
    };
    let inbox = Inbox::open(url, config).await.expect("inbox");
    let since = chrono::Utc::now() - chrono::Duration::hours(1);
    assert!(inbox.per_minute(since).await.expect("counted").is_empty());
    futures::stream::iter(0..22_000_u64)
        .map(|n| {
            let inbox = inbox.clone();
            async move {
                inbox
                    .enqueue("paid", 1 + n % 7, &format!(r#"{{"order_id":{n}}}"#))
                    .await
                    .expect("recorded");
            }
        })
        .buffer_unordered(256)
        .collect::<Vec<()>>()
        .await;
    let db = ledger_db(url).await;
    for change in [
        "UPDATE shoporama_inbox SET received_at_micros = received_at_micros - 7200000000 \
         WHERE id < (SELECT MIN(id) + 1000 FROM shoporama_inbox)",
        "UPDATE shoporama_inbox SET last_error = 'refused' WHERE id % 10 = 3",
        "UPDATE shoporama_inbox SET state = 'dead' WHERE id % 10 = 7",
    ] {
        db.execute(change).await.expect("changed");
    }
    let failed = db
        .count(&format!(
            "SELECT COUNT(*) FROM shoporama_inbox WHERE received_at_micros >= {} \
             AND (last_error IS NOT NULL OR state = 'dead')",
            since.timestamp_micros()
        ))
        .await;
    let counts = inbox.per_minute(since).await.expect("counted");
    let received: u64 = counts.iter().map(|minute| minute.received).sum();
    let failed_counted: u64 = counts.iter().map(|minute| minute.failed).sum();
    assert_eq!(
        received, 21_000,
        "every callback since then, none before: {counts:?}"
    );
    assert_eq!(i64::try_from(failed_counted).unwrap(), failed);
    assert!((3_900..=4_300).contains(&failed), "{failed}");
    assert!(
        counts
            .windows(2)
            .all(|pair| pair[0].minute < pair[1].minute),
        "oldest minute first: {counts:?}"
    );
    assert!(
        counts
            .iter()
            .all(|minute| minute.minute.timestamp() % 60 == 0
                && minute.minute > since - chrono::Duration::minutes(1))
    );
}

on_both_databases!(counts_per_minute: counts_per_minute_on_sqlite, counts_per_minute_on_postgres, "inbox_per_minute");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_end_at_the_retry_horizon() {
    let (_dir, url) = sqlite_db();
    let (server, db, runtime) = start(
        &url,
        InboxConfig {
            retry_for: Duration::from_millis(1500),
            backoff: Duration::from_millis(100),
            backoff_max: Duration::from_millis(200),
            max_attempts: 1000,
            ..fast()
        },
    )
    .await;
    install(&server.callback_url, 3).await;
    let client = RoundRobin::new(vec![server.callback_url.clone()]);
    client.deliver("paid", 3, 900_000_003).await; // always fails
    assert_reaches(&db, DEAD_JOBS, 1, Duration::from_secs(10)).await;
    let inbox = runtime.inbox().expect("an inbox");
    let dead = inbox
        .list(Some(JobState::Dead), Some(3), 10)
        .await
        .expect("lists");
    let [job] = dead.as_slice() else {
        panic!("one dead job: {dead:?}")
    };
    assert!(
        (3..20).contains(&job.attempts),
        "dead by time, not by count: {} attempts",
        job.attempts
    );
    let error = job.last_error.as_deref().unwrap_or_default();
    assert!(error.contains("gave up after"), "{error}");
    assert!(
        (job.finished_at.expect("finished") - job.received_at).num_milliseconds() < 1500 + 1000,
        "dead soon after the horizon"
    );
    server.stop().await;
}

/// On PostgreSQL a job recorded (or retried) by another process wakes this process's idle
/// workers at once, through `LISTEN`/`NOTIFY`, though they poll only once a minute.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_processes_wake_idle_workers_on_postgres() {
    let Some(url) = inbox_support::postgres_db(
        "other_processes_wake_idle_workers_on_postgres",
        "inbox_notify",
    ) else {
        return;
    };
    let slow_poll = InboxConfig {
        poll_interval: Duration::from_mins(1),
        ..InboxConfig::default()
    };
    let (server, db, _runtime) = start(&url, slow_poll.clone()).await;
    install(&server.callback_url, 4).await;
    // Let the workers go idle (the first claims at start find nothing) and the listener
    // subscribe.
    tokio::time::sleep(Duration::from_millis(500)).await;
    // "Another process": an inbox of its own on the same database, with no workers.
    let other = shoporama_app::inbox::Inbox::open(&url, slow_poll)
        .await
        .expect("opens");
    let body = serde_json::json!({ "order_id": 700_000_001_u64, "status": "paid" }).to_string();
    other.enqueue("paid", 4, &body).await.expect("recorded");
    assert_reaches(
        &db,
        "SELECT COUNT(*) FROM ledger_effects WHERE order_id = 700000001",
        1,
        Duration::from_secs(5),
    )
    .await;
    server.stop().await;
}

/// A failing handler is retried with backoff; out of attempts it is dead-lettered with its
/// error, listed at `GET /inbox/dead-letters` (token required), and `retry` runs it again.
async fn retries_and_dead_letters(url: &str) {
    let (server, db, runtime) = start(
        url,
        InboxConfig {
            max_attempts: 3,
            ..fast()
        },
    )
    .await;
    install(&server.callback_url, 2).await;
    let client = RoundRobin::new(vec![server.callback_url.clone()]);
    client.deliver("paid", 2, 800_000_001).await; // fails once, then succeeds
    client.deliver("paid", 2, 900_000_001).await; // always fails
    assert_reaches(
        &db,
        "SELECT COUNT(*) FROM ledger_effects WHERE order_id = 800000001",
        1,
        Duration::from_secs(10),
    )
    .await;
    assert_reaches(&db, DEAD_JOBS, 1, Duration::from_secs(10)).await;
    assert_eq!(
        db.count("SELECT COUNT(*) FROM ledger_runs WHERE order_id = 800000001")
            .await,
        2
    );
    assert_eq!(
        db.count("SELECT COUNT(*) FROM ledger_runs WHERE order_id = 900000001")
            .await,
        3
    );

    let http = reqwest::Client::new();
    let endpoint = format!("{}/inbox/dead-letters", server.base_url);
    assert_eq!(
        http.get(&endpoint).send().await.expect("answers").status(),
        401
    );
    assert_eq!(
        http.get(&endpoint)
            .header("x-app-token", "wrong")
            .send()
            .await
            .expect("answers")
            .status(),
        401
    );
    assert_eq!(
        http.get(format!("{endpoint}?limit=x"))
            .header("x-app-token", TOKEN)
            .send()
            .await
            .expect("answers")
            .status(),
        400
    );
    let answer = http
        .get(&endpoint)
        .header("x-app-token", TOKEN)
        .send()
        .await
        .expect("answers");
    assert_eq!(answer.status(), 200);
    let body: serde_json::Value = answer.json().await.expect("JSON");
    assert_eq!(body["count"], 1, "{body}");
    let status: serde_json::Value = http
        .get(format!("{}/inbox/status", server.base_url))
        .header("x-app-token", TOKEN)
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON");
    assert_eq!(status["dead"], 1, "{status}");
    assert_eq!(status["done"], 1, "{status}");
    assert_eq!(status["pending"], 0, "{status}");
    assert_eq!(
        http.get(format!("{}/inbox/status", server.base_url))
            .send()
            .await
            .expect("answers")
            .status(),
        401
    );
    let dead = &body["dead_letters"][0];
    assert_eq!(dead["kind"], "paid");
    assert_eq!(dead["webshop_id"], 2);
    assert_eq!(dead["attempts"], 3);
    assert!(
        dead["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("the ledger refuses order 900000001"),
        "{dead}"
    );
    assert!(
        dead["body"]
            .as_str()
            .unwrap_or_default()
            .contains("900000001"),
        "{dead}"
    );

    let inbox = runtime.inbox().expect("inbox");
    assert_eq!(inbox.retry(None).await.expect("retry"), 1);
    assert_reaches(
        &db,
        "SELECT COUNT(*) FROM ledger_runs WHERE order_id = 900000001",
        6,
        Duration::from_secs(10),
    )
    .await;
    assert_reaches(&db, DEAD_JOBS, 1, Duration::from_secs(10)).await;
    let dead = inbox
        .list(Some(JobState::Dead), Some(2), 10)
        .await
        .expect("list");
    assert_eq!(dead.len(), 1);
    assert_eq!(
        inbox
            .purge(Some(dead[0].id), JobState::Dead, Duration::ZERO)
            .await
            .expect("purge"),
        1
    );
    assert!(
        inbox
            .list(Some(JobState::Dead), None, 10)
            .await
            .expect("list")
            .is_empty()
    );
    server.stop().await;
}

on_both_databases!(
    retries_and_dead_letters: retries_then_dead_letters_on_sqlite,
    retries_then_dead_letters_on_postgres,
    "inbox_dead"
);

/// Jobs claimed ahead of slow handlers: the first process claims all three jobs for its one
/// worker (it has not seen a handler's time yet), so the third waits for a slot past its
/// lease. The idle second process takes it over when the lease runs out; the first then
/// finds its claim lost and leaves it alone. Every job runs exactly once.
///
/// The handlers take 0.9 s against a 1 s lease, so the third job waits from the lease's end
/// (1 s) to its slot (1.8 s): 0.8 s for the second process, polling every 50 ms, to take it.
/// (With 0.6 s handlers the window was 0.2 s, and a loaded CI machine missed it.)
async fn claimed_ahead(url: &str) {
    let db = ledger_db(url).await;
    let inbox = InboxConfig {
        workers: 1,
        lease: Duration::from_secs(1),
        ..fast()
    };
    let slow = || Ledger::new(url, Duration::from_millis(900));
    let first = AppRuntime::connect(slow(), config(url, inbox.clone()))
        .await
        .expect("runtime starts");
    let first = RunningServer::start_runtime(first).await;
    install(&first.callback_url, 1).await;
    let client = RoundRobin::new(vec![first.callback_url.clone()]);
    for order in 1..=3_u64 {
        client.deliver("paid", 1, order).await;
    }
    let second = AppRuntime::connect(slow(), config(url, inbox))
        .await
        .expect("runtime starts");
    let second = RunningServer::start_runtime(second).await;
    assert_reaches(&db, EFFECTS, 3, Duration::from_secs(30)).await;
    let runs = db.count("SELECT COUNT(*) FROM ledger_runs").await;
    assert_eq!(runs, 3, "no job ran twice");
    let taken_over = db
        .count("SELECT COUNT(*) FROM shoporama_inbox WHERE attempts > 1")
        .await;
    assert!(taken_over > 0, "the second process took over waiting jobs");
    first.stop().await;
    second.stop().await;
}

on_both_databases!(
    claimed_ahead: claimed_ahead_jobs_run_once_on_sqlite,
    claimed_ahead_jobs_run_once_on_postgres,
    "inbox_ahead"
);

/// With per-shop ordering, one shop's callbacks run one at a time in arrival order, even
/// when one of them fails first and waits for its retry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_shop_ordering_runs_in_arrival_order() {
    let (_dir, url) = sqlite_db();
    let (server, db, _runtime) = start(
        &url,
        InboxConfig {
            per_shop_ordering: true,
            workers: 4,
            ..fast()
        },
    )
    .await;
    install(&server.callback_url, 3).await;
    install(&server.callback_url, 4).await;
    let client = RoundRobin::new(vec![server.callback_url.clone()]);
    let (mut expected, mut expected4) = (Vec::new(), Vec::new());
    for order in 1..=60_u64 {
        // Order 800,000,020 fails on its first run: the orders after it wait.
        let order = if order == 20 { 800_000_020 } else { order };
        client.deliver("paid", 3, order).await;
        client.deliver("paid", 4, order + 1000).await;
        expected.push(i64::try_from(order).unwrap_or_default());
        expected4.push(i64::try_from(order + 1000).unwrap_or_default());
    }
    assert_reaches(&db, EFFECTS, 120, Duration::from_secs(30)).await;
    let shop3 = db
        .numbers("SELECT order_id FROM ledger_effects WHERE webshop_id = 3 ORDER BY rowid")
        .await
        .expect("query");
    assert_eq!(shop3, expected, "shop 3 in arrival order");
    let shop4 = db
        .numbers("SELECT order_id FROM ledger_effects WHERE webshop_id = 4 ORDER BY rowid")
        .await
        .expect("query");
    assert_eq!(shop4, expected4, "shop 4 in arrival order");
    server.stop().await;
}

/// A runtime over the in-memory store has no inbox: everything stays inline.
#[tokio::test]
async fn no_inbox_without_a_durable_store() {
    let runtime = AppRuntime::connect(
        Ledger::new("memory://", Duration::ZERO),
        config("memory://", InboxConfig::all()),
    )
    .await
    .expect("starts");
    assert!(runtime.inbox().is_none());
    let _: Option<Shop<inbox_support::LedgerSettings>> =
        runtime.shop_by_id(1).await.expect("store answers");
}

/// `<app> inbox list | retry | purge` on the app binary, against a running app's database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_lists_retries_and_purges() {
    let (_dir, url) = sqlite_db();
    let (server, db, _runtime) = start(
        &url,
        InboxConfig {
            max_attempts: 1,
            ..fast()
        },
    )
    .await;
    install(&server.callback_url, 5).await;
    RoundRobin::new(vec![server.callback_url.clone()])
        .deliver("paid", 5, 900_000_005)
        .await;
    assert_reaches(&db, DEAD_JOBS, 1, Duration::from_secs(10)).await;
    let cli = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_inbox-app"))
            .arg("inbox")
            .args(args)
            .env("SHOPORAMA_APP_TOKEN", TOKEN)
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "error")
            .output()
            .expect("inbox-app runs");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let (ok, listed) = cli(&["list", "--state", "dead"]);
    assert!(ok, "{listed}");
    assert!(
        listed.contains("dead 1") && listed.contains("the ledger refuses order 900000005"),
        "{listed}"
    );
    let (ok, json) = cli(&["list", "--json"]);
    assert!(
        ok && json.lines().count() == 1 && json.contains("\"state\":\"dead\""),
        "{json}"
    );
    let (ok, retried) = cli(&["retry", "--all-dead"]);
    assert!(ok && retried.contains("queued 1 job"), "{retried}");
    assert_reaches(
        &db,
        "SELECT COUNT(*) FROM ledger_runs WHERE order_id = 900000005",
        2,
        Duration::from_secs(10),
    )
    .await;
    assert_reaches(&db, DEAD_JOBS, 1, Duration::from_secs(10)).await;
    assert!(!cli(&["retry", "4242"]).0, "an unknown job is an error");
    assert!(
        !cli(&["purge", "--state", "pending"]).0,
        "unfinished jobs are not purged"
    );
    let (ok, purged) = cli(&["purge", "--state", "dead"]);
    assert!(ok && purged.contains("deleted 1 job"), "{purged}");
    assert_eq!(db.count("SELECT COUNT(*) FROM shoporama_inbox").await, 0);
    server.stop().await;
}
