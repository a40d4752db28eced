//! Bounded loopback load against the `inbox-app` binary: `concurrency` clients send `paid`
//! callbacks (all distinct) for `seconds`, and this reports acknowledged throughput, p50/p99
//! latency and the server's resident memory over time (sampled each second) as one JSON line.
//!
//! ```text
//! inbox-load <database-url> <inbox: on|off> [seconds=60] [concurrency=16]
//! ```
//!
//! `scripts/load.sh` runs it for the inbox on and off, on SQLite and on PostgreSQL.

#[path = "../inbox_support/ledger.rs"]
#[allow(dead_code, unreachable_pub)] // shared with the suites
mod ledger;

use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use shoporama_app::AppSettings as _;
use shoporama_app::testing::SimulatedShop;

const TOKEN: &str = "inbox-load-token";

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

/// The resident memory of process `pid`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

async fn load(
    url: &str,
    inbox: bool,
    duration: Duration,
    concurrency: usize,
) -> Result<serde_json::Value, String> {
    let db = ledger::LedgerDb::open(url)
        .await
        .map_err(|e| e.to_string())?;
    ledger::create_tables(&db)
        .await
        .map_err(|e| e.to_string())?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let mut child = Command::new(
        std::env::current_exe()
            .map_err(|e| e.to_string())?
            .with_file_name("inbox-app"),
    )
    .env("SHOPORAMA_APP_TOKEN", TOKEN)
    .env("DATABASE_URL", url)
    .env("SHOPORAMA_LISTEN", format!("127.0.0.1:{port}"))
    .env("SHOPORAMA_INBOX", if inbox { "webhooks" } else { "off" })
    .env("SHOPORAMA_INBOX_DEDUP_WINDOW_MS", "3600000")
    .env("RUST_LOG", "error")
    .stdout(Stdio::null())
    .spawn()
    .map_err(|e| format!("cannot start inbox-app: {e}"))?;
    let pid = child.id();
    let callback = format!("http://127.0.0.1:{port}/callback");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while client
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await
        .map_or(true, |r| r.status() != 200)
    {
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err("inbox-app did not start".to_owned());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    SimulatedShop::over_http(&callback, ledger::LedgerSettings::manifest(), TOKEN)
        .webshop_id(1)
        .install()
        .await
        .assert_ok();

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
        while db
            .number("SELECT COUNT(*) FROM ledger_effects")
            .await
            .unwrap_or(0)
            < expected
            && drain_started.elapsed() < Duration::from_mins(5)
        {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let booked = db
        .number(if inbox {
            "SELECT COUNT(*) FROM ledger_effects"
        } else {
            "SELECT COUNT(*) FROM ledger_runs"
        })
        .await
        .unwrap_or(0);
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status();
    let _ = child.wait();
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
