//! Bounded loopback load against the `inbox-app` binary: `concurrency` clients send `paid`
//! callbacks (all distinct) for `seconds`, and this reports acknowledged throughput, p50/p99
//! latency and the server's resident memory over time (sampled each second) as one JSON line.
//!
//! ```text
//! inbox-load <database-url> <inbox: on|off> [seconds=60] [concurrency=16]
//! ```
//!
//! `scripts/load.sh` runs it for the inbox on and off, on SQLite and on PostgreSQL. The server
//! is the suites' [`AppProcess`]: `INBOX_TEST_LOG=error` (or any
//! `RUST_LOG` filter) shows its logs on stderr.

#[path = "../inbox_support/mod.rs"]
mod inbox_support;

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use inbox_support::{AppProcess, EFFECTS, TOKEN, free_port, install, ledger_db};
use shoporama_app_tests::rss_kib;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: inbox-load <database-url> <inbox: on|off> [seconds=60] [concurrency=16]");
        return ExitCode::from(2);
    }
    let seconds = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(60_u64);
    let concurrency = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(16_usize);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(load(
        &args[1],
        args[2] == "on",
        Duration::from_secs(seconds),
        concurrency,
    )) {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn load(
    url: &str,
    inbox: bool,
    duration: Duration,
    concurrency: usize,
) -> Result<serde_json::Value, String> {
    let db = ledger_db(url).await;
    let mut server = AppProcess::start(
        url,
        free_port(),
        &[
            ("SHOPORAMA_INBOX", if inbox { "webhooks" } else { "off" }),
            ("SHOPORAMA_INBOX_DEDUP_WINDOW_MS", "3600000"),
        ],
    );
    let pid = server.pid().ok_or("inbox-app is not running")?;
    let callback = server.callback_url();
    install(&callback, 1).await;
    let client = reqwest::Client::new();

    let next = Arc::new(AtomicU64::new(1));
    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut clients = Vec::new();
    for _ in 0..concurrency {
        let (client, callback, next, stop, errors) = (
            client.clone(),
            callback.clone(),
            Arc::clone(&next),
            Arc::clone(&stop),
            Arc::clone(&errors),
        );
        clients.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let order = next.fetch_add(1, Ordering::Relaxed);
                let body = format!(r#"{{"order_id":{order},"status":"paid","total":125.5}}"#);
                let sent = Instant::now();
                let answer = client
                    .post(format!("{callback}?type=paid&webshop_id=1"))
                    .header("x-app-token", TOKEN)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await;
                match answer {
                    Ok(response) if response.status() == 200 => latencies
                        .push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX)),
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            latencies
        }));
    }
    let mut memory = vec![rss_kib(pid)];
    while started.elapsed() < duration {
        tokio::time::sleep(Duration::from_secs(1)).await;
        memory.push(rss_kib(pid));
    }
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for task in clients {
        latencies.extend(task.await.map_err(|e| e.to_string())?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let percentile = |p: usize| {
        latencies
            .get((latencies.len() * p / 100).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    // Wait until the workers caught up (inbox on), to report the processing backlog's end.
    let acked = latencies.len();
    let drain_started = Instant::now();
    if inbox {
        let expected = i64::try_from(acked).unwrap_or(i64::MAX);
        while db.number(EFFECTS).await.unwrap_or(0) < expected
            && drain_started.elapsed() < Duration::from_mins(5)
        {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let booked = db
        .number(if inbox {
            EFFECTS
        } else {
            "SELECT COUNT(*) FROM ledger_runs"
        })
        .await
        .unwrap_or(0);
    server.terminate();
    let quarter = memory.len() / 4;
    let early: u64 = memory
        .iter()
        .skip(quarter)
        .take(quarter.max(1))
        .copied()
        .max()
        .unwrap_or(0);
    let late: u64 = memory
        .iter()
        .rev()
        .take(quarter.max(1))
        .copied()
        .max()
        .unwrap_or(0);
    #[allow(clippy::cast_precision_loss)]
    Ok(serde_json::json!({
        "database": url.split(':').next().unwrap_or_default(),
        "inbox": inbox,
        "seconds": elapsed,
        "concurrency": concurrency,
        "acknowledged": acked,
        "errors": errors.load(Ordering::Relaxed),
        "throughput_per_s": (acked as f64 / elapsed).round(),
        "p50_ms": f64::from(percentile(50)) / 1000.0,
        "p99_ms": f64::from(percentile(99)) / 1000.0,
        "processed": booked,
        "drain_s": drain_started.elapsed().as_secs_f64(),
        "rss_kib_start": memory.first().copied().unwrap_or(0),
        "rss_kib_second_quarter_max": early,
        "rss_kib_last_quarter_max": late,
    }))
}
