//! Crash test: callbacks driven at the ledger app as a server process that is `kill -9`ed at
//! random moments three times and restarted each time. Every acknowledged callback is booked
//! exactly once (counted in the ledger's table, keyed by inbox job id), none is lost, and
//! no callback became two jobs (the duplicate guard holds across the crashes: a callback
//! recorded but not acknowledged before a kill is delivered again and recognised).
//!
//! `INBOX_CRASH_CALLBACKS` (default 5000), `INBOX_TEST_SEED` to repeat a run. Also a graceful
//! shutdown test: SIGTERM releases a running job, and the next start runs it.

#[macro_use]
mod inbox_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use inbox_support::{
    AppProcess, EFFECTS, RoundRobin, assert_reaches, env_number, free_port, install, ledger_db,
    rng, sqlite_db, wait_for,
};

const SHOPS: u64 = 5;

async fn crash_three_times(database_url: &str) {
    let total = env_number("INBOX_CRASH_CALLBACKS", 5000);
    let db = ledger_db(database_url).await;
    let env = [
        ("SHOPORAMA_INBOX", "webhooks"),
        ("SHOPORAMA_INBOX_WORKERS", "4"),
        // A crashed process's claims are taken over after 2 s.
        ("SHOPORAMA_INBOX_LEASE_MS", "2000"),
        ("SHOPORAMA_INBOX_POLL_MS", "100"),
        ("LEDGER_DELAY_MS", "1"),
    ];
    let server = AppProcess::start(database_url, free_port(), &env);
    let url = server.callback_url();
    let server = Arc::new(std::sync::Mutex::new(server));
    for shop in 1..=SHOPS {
        install(&url, shop).await;
    }

    let kills = rng().kill_points(total);
    let acked = Arc::new(AtomicU64::new(0));
    let killer = {
        let (acked, server) = (Arc::clone(&acked), Arc::clone(&server));
        let kills = kills.clone();
        tokio::spawn(async move {
            let mut pids = Vec::new();
            for at in kills {
                while acked.load(Ordering::Relaxed) < at {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                let mut server = server.lock().expect("server lock");
                pids.push(server.pid());
                server.kill9();
                server.restart();
            }
            pids
        })
    };
    let client = RoundRobin::new(vec![url]);
    let started = Instant::now();
    let retried: u64 = futures::stream::iter(1..=total)
        .map(|order| {
            let (client, acked) = (client.clone(), Arc::clone(&acked));
            async move {
                let (_, failures) = client.deliver("paid", 1 + order % SHOPS, order).await;
                acked.fetch_add(1, Ordering::Relaxed);
                u64::from(failures)
            }
        })
        .buffer_unordered(16)
        .fold(0, |sum, failures| async move { sum + failures })
        .await;
    let killed_pids = killer.await.expect("killer task");
    let elapsed = started.elapsed();

    let booked = wait_for(
        &db,
        EFFECTS,
        i64::try_from(total).unwrap_or(i64::MAX),
        Duration::from_mins(2),
    )
    .await;
    let unfinished = wait_for(
        &db,
        "SELECT COUNT(*) FROM shoporama_inbox WHERE state <> 'done'",
        0,
        Duration::from_secs(30),
    )
    .await;
    let distinct = db
        .count("SELECT COUNT(DISTINCT order_id) FROM ledger_effects")
        .await;
    let jobs = db.count("SELECT COUNT(*) FROM shoporama_inbox").await;
    let runs = db.count("SELECT COUNT(*) FROM ledger_runs").await;
    let doubles = db
        .numbers(
            "SELECT order_id FROM ledger_effects GROUP BY order_id HAVING COUNT(*) > 1 LIMIT 10",
        )
        .await
        .expect("query");
    let missing = db
        .count(&format!(
            "SELECT {total} - COUNT(DISTINCT order_id) FROM ledger_effects \
             WHERE order_id BETWEEN 1 AND {total}"
        ))
        .await;
    eprintln!(
        "crash test: {total} callbacks acknowledged in {:.1} s with kills at {kills:?} ({killed_pids:?}); {retried} deliveries retried; \
         {runs} handler runs for {booked} bookings ({} re-runs after crashes); {jobs} jobs",
        elapsed.as_secs_f64(),
        runs - booked
    );
    let total = i64::try_from(total).unwrap_or(i64::MAX);
    assert_eq!(booked, total, "every acknowledged callback is booked");
    assert_eq!(distinct, total, "no order booked twice");
    assert!(doubles.is_empty(), "orders booked twice: {doubles:?}");
    assert_eq!(missing, 0, "orders never booked");
    assert_eq!(
        jobs, total,
        "a callback redelivered after a crash is recognised, not queued twice"
    );
    assert_eq!(unfinished, 0, "every job finished");
    assert!(runs >= total);
    drop(server);
}

on_both_databases!(
    crash_three_times: kill9_three_times_on_sqlite,
    kill9_three_times_on_postgres,
    "inbox_crash"
);

/// SIGTERM with a job running past the shutdown grace: the process exits cleanly, the job is
/// released (pending, the attempt not counted), and the next start runs it once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_releases_running_jobs_and_the_next_start_runs_them() {
    let (_dir, url) = sqlite_db();
    let db = ledger_db(&url).await;
    let env = [
        ("SHOPORAMA_INBOX_SHUTDOWN_GRACE_MS", "300"),
        ("LEDGER_DELAY_MS", "5000"),
        ("SHOPORAMA_INBOX_POLL_MS", "50"),
    ];
    let mut server = AppProcess::start(&url, free_port(), &env);
    install(&server.callback_url(), 1).await;
    RoundRobin::new(vec![server.callback_url()])
        .deliver("paid", 1, 42)
        .await;
    assert_reaches(
        &db,
        "SELECT COUNT(*) FROM shoporama_inbox WHERE state = 'running'",
        1,
        Duration::from_secs(5),
    )
    .await;
    let stopping = Instant::now();
    assert!(server.terminate(), "a clean exit on SIGTERM");
    assert!(
        stopping.elapsed() < Duration::from_secs(4),
        "released after the grace, not after the handler"
    );
    assert_eq!(
        db.count("SELECT COUNT(*) FROM shoporama_inbox WHERE state = 'pending' AND attempts = 0")
            .await,
        1
    );
    assert_eq!(db.count(EFFECTS).await, 0);

    let _server = AppProcess::start(
        &url,
        free_port(),
        &[("LEDGER_DELAY_MS", "0"), ("SHOPORAMA_INBOX_POLL_MS", "50")],
    );
    assert_reaches(&db, EFFECTS, 1, Duration::from_secs(10)).await;
    assert_reaches(
        &db,
        "SELECT COUNT(*) FROM shoporama_inbox WHERE state = 'done' AND attempts = 1",
        1,
        Duration::from_secs(5),
    )
    .await;
}

/// SIGTERM while 32 clients keep sending and jobs keep running: the process stops accepting,
/// answers or drops what is in flight, releases its running jobs and exits 0 within its
/// grace (plus the bounded release); restarted, it loses nothing acknowledged and doubles
/// nothing.
async fn sigterm_under_load(database_url: &str) {
    const TOTAL: u64 = 3000;
    let db = ledger_db(database_url).await;
    let env = [
        ("SHOPORAMA_INBOX_SHUTDOWN_GRACE_MS", "2000"),
        ("SHOPORAMA_INBOX_POLL_MS", "100"),
        ("SHOPORAMA_INBOX_LEASE_MS", "2000"),
        ("LEDGER_DELAY_MS", "20"),
    ];
    let server = AppProcess::start(database_url, free_port(), &env);
    let url = server.callback_url();
    install(&url, 1).await;
    let server = Arc::new(std::sync::Mutex::new(server));
    let acked = Arc::new(AtomicU64::new(0));
    let stopper = {
        let (acked, server) = (Arc::clone(&acked), Arc::clone(&server));
        tokio::spawn(async move {
            while acked.load(Ordering::Relaxed) < TOTAL / 3 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            tokio::task::spawn_blocking(move || {
                let mut server = server.lock().expect("server lock");
                let started = Instant::now();
                let clean = server.terminate();
                let took = started.elapsed();
                server.restart();
                (clean, took)
            })
            .await
            .expect("the stopper")
        })
    };
    let client = RoundRobin::new(vec![url]);
    futures::stream::iter(1..=TOTAL)
        .map(|order| {
            let (client, acked) = (client.clone(), Arc::clone(&acked));
            async move {
                client.deliver("paid", 1, order).await;
                acked.fetch_add(1, Ordering::Relaxed);
            }
        })
        .buffer_unordered(32)
        .collect::<Vec<()>>()
        .await;
    let (clean, took) = stopper.await.expect("stopper task");
    assert!(clean, "SIGTERM under load exits 0");
    assert!(
        took < Duration::from_secs(2 + 5 + 3),
        "stopped within the grace and the bounded release: {took:?}"
    );
    let total = i64::try_from(TOTAL).unwrap_or(i64::MAX);
    assert_reaches(&db, EFFECTS, total, Duration::from_mins(2)).await;
    assert_reaches(
        &db,
        "SELECT COUNT(*) FROM shoporama_inbox WHERE state <> 'done'",
        0,
        Duration::from_secs(30),
    )
    .await;
    assert_eq!(
        db.count("SELECT COUNT(DISTINCT order_id) FROM ledger_effects")
            .await,
        total,
        "no order booked twice, none lost"
    );
    eprintln!("SIGTERM under load on {database_url}: stopped in {took:?}");
    drop(server);
}

on_both_databases!(
    sigterm_under_load: sigterm_under_load_on_sqlite,
    sigterm_under_load_on_postgres,
    "inbox_sigterm"
);
