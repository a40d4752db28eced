//! Scale-out: two ledger processes on one PostgreSQL behind a round-robin client, 10,000
//! callbacks: every one booked once, none lost, and no handler ran twice (workers of both
//! processes claim with `FOR UPDATE SKIP LOCKED`). `INBOX_SCALE_CALLBACKS` overrides the count.

mod inbox_support;

use std::time::{Duration, Instant};

use futures::StreamExt as _;
use inbox_support::{
    AppProcess, EFFECTS, RoundRobin, env_number, free_port, install, ledger_db, postgres_db,
    wait_for,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_postgres_no_duplicates_no_losses() {
    let Some(url) = postgres_db(
        "two_processes_on_postgres_no_duplicates_no_losses",
        "inbox_scale",
    ) else {
        return;
    };
    let total = env_number("INBOX_SCALE_CALLBACKS", 10_000);
    let db = ledger_db(&url).await;
    let env = [
        ("SHOPORAMA_INBOX_WORKERS", "4"),
        ("SHOPORAMA_INBOX_POLL_MS", "50"),
    ];
    let first = AppProcess::start(&url, free_port(), &env);
    let second = AppProcess::start(&url, free_port(), &env);
    for shop in 1..=10 {
        install(&first.callback_url(), shop).await;
    }
    let client = RoundRobin::new(vec![first.callback_url(), second.callback_url()]);
    let started = Instant::now();
    futures::stream::iter(1..=total)
        .map(|order| {
            let client = client.clone();
            async move { client.deliver("paid", 1 + order % 10, order).await }
        })
        .buffer_unordered(32)
        .collect::<Vec<_>>()
        .await;
    let acked_in = started.elapsed();
    let expected = i64::try_from(total).unwrap_or(i64::MAX);
    let booked = wait_for(&db, EFFECTS, expected, Duration::from_mins(2)).await;
    eprintln!(
        "scale-out: {total} callbacks acknowledged in {:.1} s, all booked after {:.1} s",
        acked_in.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(booked, expected, "no losses");
    assert_eq!(
        db.count("SELECT COUNT(DISTINCT order_id) FROM ledger_effects")
            .await,
        expected,
        "no duplicates"
    );
    assert_eq!(
        db.count("SELECT COUNT(*) FROM ledger_runs").await,
        expected,
        "no handler ran twice"
    );
    assert_eq!(
        db.count("SELECT COUNT(*) FROM shoporama_inbox WHERE state = 'done'")
            .await,
        expected
    );
    let processes = db
        .count("SELECT COUNT(DISTINCT split_part(lease_owner, '/', 1)) FROM shoporama_inbox")
        .await;
    assert_eq!(processes, 2, "both processes ran jobs");
}
