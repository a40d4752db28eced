//! Clients that hang up mid-request, as an attacker or a flaky network would: thousands of
//! `paid` webhooks whose connections close at random points after the request was sent,
//! beside deliveries that retry like Shoporama until acknowledged. Afterwards, with no new
//! traffic, the queue drains to zero on its own, every job's handler ran exactly once, the
//! app logged no transaction errors and (on PostgreSQL) no connection sits idle inside a
//! transaction. On SQLite and PostgreSQL.

#[macro_use]
mod inbox_support;

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures::StreamExt as _;
use inbox_support::{Ledger, RoundRobin, TOKEN, assert_reaches, install, ledger_db, rng};
use shoporama_app::Config;
use shoporama_app::inbox::InboxConfig;
use shoporama_app::server::AppRuntime;
use shoporama_app_tests::RunningServer;
use tokio::io::AsyncWriteExt as _;

/// Orders delivered; each is sent rudely (hung up on) and politely (until acknowledged).
const ORDERS: u64 = 1500;

/// Everything the app logs at warn and above, from every test of this binary.
fn captured_log() -> Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = Arc::new(Mutex::new(Vec::new()));
        let writer = Arc::clone(&log);
        let _ = tracing_subscriber::fmt()
            .with_env_filter("warn")
            .with_ansi(false)
            .with_writer(move || CaptureWriter(Arc::clone(&writer)))
            .try_init();
        log
    })
    .clone()
}

struct CaptureWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for CaptureWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut log) = self.0.lock() {
            log.extend_from_slice(bytes);
        }
        // Also shown with --nocapture, for whoever debugs a failure.
        std::io::stderr().write(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sends a complete `paid` callback on a fresh connection and closes it after `linger`,
/// without reading the answer: the server is cut off somewhere between reading the request
/// and answering it.
async fn hang_up(port: u16, order_id: u64, linger: Duration) {
    let body =
        serde_json::json!({ "order_id": order_id, "status": "paid", "total": 125.5 }).to_string();
    let request = format!(
        "POST /callback?type=paid&webshop_id=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         x-app-token: {TOKEN}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
        return;
    };
    if stream.write_all(request.as_bytes()).await.is_ok() {
        tokio::time::sleep(linger).await;
    }
    // Reset rather than a polite FIN, as a killed client's kernel would (a zero linger does
    // not block on drop, which is what the deprecation warns of).
    #[allow(deprecated)]
    let _ = stream.set_linger(Some(Duration::ZERO));
    drop(stream);
}

async fn clients_hanging_up(url: &str) {
    let log = captured_log();
    let db = ledger_db(url).await;
    let config = Config {
        inbox: InboxConfig {
            poll_interval: Duration::from_millis(200),
            ..InboxConfig::default()
        },
        ..shoporama_app_tests::config(url)
    };
    let runtime = AppRuntime::connect(Ledger::new(url, Duration::ZERO), config)
        .await
        .expect("runtime starts");
    let server = RunningServer::start_runtime(runtime).await;
    install(&server.callback_url, 1).await;
    let port: u16 = server
        .base_url
        .rsplit(':')
        .next()
        .and_then(|port| port.parse().ok())
        .expect("the server's port");

    let mut rng = rng();
    let lingers: Vec<Duration> = (0..ORDERS)
        .map(|_| Duration::from_micros(rng.range(0, 3000)))
        .collect();
    let polite = RoundRobin::new(vec![server.callback_url.clone()]);
    futures::stream::iter(1..=ORDERS)
        .map(|order| {
            let polite = polite.clone();
            let linger = lingers[usize::try_from(order - 1).unwrap_or(0)];
            async move {
                // Two rude deliveries around one that waits for its 200.
                hang_up(port, order, linger).await;
                let ((), _) = tokio::join!(hang_up(port, order, linger / 2), async {
                    polite.deliver("paid", 1, order).await
                });
            }
        })
        .buffer_unordered(48)
        .collect::<Vec<()>>()
        .await;

    // No new traffic from here on: the queue must empty by itself.
    let orders = i64::try_from(ORDERS).unwrap_or(i64::MAX);
    assert_reaches(
        &db,
        "SELECT COUNT(*) FROM shoporama_inbox WHERE state IN ('pending', 'running')",
        0,
        Duration::from_mins(1),
    )
    .await;
    let jobs = db.count("SELECT COUNT(*) FROM shoporama_inbox").await;
    assert_eq!(jobs, orders, "one job per order (the duplicate guard held)");
    assert_reaches(&db, inbox_support::EFFECTS, orders, Duration::from_secs(10)).await;
    assert_eq!(
        db.count("SELECT COUNT(*) FROM ledger_runs").await,
        jobs,
        "every job's handler ran exactly once"
    );
    if url.starts_with("postgres") {
        assert_eq!(
            db.count(
                "SELECT COUNT(*) FROM pg_stat_activity \
                 WHERE datname = current_database() AND state LIKE 'idle in transaction%' \
                 AND application_name = current_setting('application_name')"
            )
            .await,
            0,
            "no connection was left inside a transaction"
        );
    }
    server.stop().await;

    let text =
        String::from_utf8_lossy(&log.lock().map(|l| l.clone()).unwrap_or_default()).into_owned();
    for needle in [
        "transaction",
        "claim was lost",
        "lost the claim",
        "could not record",
    ] {
        assert!(
            !text.contains(needle),
            "the log mentions `{needle}`:\n{text}"
        );
    }
}

on_both_databases!(
    clients_hanging_up: hang_ups_lose_and_double_nothing_on_sqlite,
    hang_ups_lose_and_double_nothing_on_postgres,
    "inbox_cancel"
);
