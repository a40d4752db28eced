//! Helpers of the inbox suites (and of the `inbox-app` and `inbox-load` binaries, which
//! include this module by path): the ledger app as a child process, deliveries that retry
//! like Shoporama until acknowledged, the two databases, and waiting on the ledger's tables.

#![allow(dead_code, unused_imports, unused_macros, unreachable_pub)] // each user takes a part

pub mod ledger;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use shoporama_app::AppSettings as _;
use shoporama_app::testing::SimulatedShop;
/// The app token of the ledger, in process and as a server process.
pub use shoporama_app_tests::APP_TOKEN as TOKEN;
use shoporama_app_tests::{Rng, fresh_postgres_schema, postgres_url, wait_healthy};

pub use ledger::{Ledger, LedgerDb, LedgerSettings, create_tables};

/// Bookings made (each job's side effect, at most once per job).
pub const EFFECTS: &str = "SELECT COUNT(*) FROM ledger_effects";
/// Dead-lettered jobs.
pub const DEAD_JOBS: &str = "SELECT COUNT(*) FROM shoporama_inbox WHERE state = 'dead'";

/// A SQLite file database in a fresh temporary directory, which lives as long as the guard.
pub fn sqlite_db() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("ledger.db").display());
    (dir, url)
}

/// A fresh schema named after `schema` on the PostgreSQL server of the tests, or `None` (after
/// saying so) when none is configured: see [`postgres_url`].
pub fn postgres_db(test: &str, schema: &str) -> Option<String> {
    postgres_url(test).map(|url| fresh_postgres_schema(&url, schema))
}

/// Two tests running `suite(database_url)`: `$sqlite` on a SQLite file, `$postgres` on a
/// fresh PostgreSQL schema named after `$schema` (skipped without a server).
macro_rules! on_both_databases {
    ($suite:ident: $sqlite:ident, $postgres:ident, $schema:literal) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $sqlite() {
            let (_dir, url) = $crate::inbox_support::sqlite_db();
            $suite(&url).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $postgres() {
            if let Some(url) = $crate::inbox_support::postgres_db(stringify!($postgres), $schema) {
                $suite(&url).await;
            }
        }
    };
}

/// The ledger's database at `url`, with its tables.
pub async fn ledger_db(url: &str) -> LedgerDb {
    let db = LedgerDb::open(url).await.expect("ledger database opens");
    create_tables(&db).await.expect("ledger tables");
    db
}

/// Asserts that `sql` (one number) comes to `expected` within `timeout`.
pub async fn assert_reaches(db: &LedgerDb, sql: &str, expected: i64, timeout: Duration) {
    assert_eq!(
        wait_for(db, sql, expected, timeout).await,
        expected,
        "{sql}"
    );
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The ledger app running as a server process (`tests/bin/inbox_app.rs`).
pub struct AppProcess {
    child: Option<Child>,
    /// Its port.
    pub port: u16,
    database_url: String,
    env: Vec<(String, String)>,
}

impl AppProcess {
    /// Starts it on `port` over `database_url` with extra environment `env`, and waits until
    /// `/healthz` answers.
    pub fn start(database_url: &str, port: u16, env: &[(&str, &str)]) -> Self {
        let env = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut process = Self {
            child: None,
            port,
            database_url: database_url.to_owned(),
            env,
        };
        process.restart();
        process
    }

    /// Starts the process again (after [`kill9`](Self::kill9)).
    pub fn restart(&mut self) {
        let mut command = Command::new(app_binary());
        command
            .env("SHOPORAMA_APP_TOKEN", TOKEN)
            .env("DATABASE_URL", &self.database_url)
            .env("SHOPORAMA_LISTEN", format!("127.0.0.1:{}", self.port))
            .env(
                "RUST_LOG",
                std::env::var("INBOX_TEST_LOG").unwrap_or_else(|_| "error".to_owned()),
            )
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(if std::env::var_os("INBOX_TEST_LOG").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            });
        let child = self
            .child
            .insert(command.spawn().expect("the inbox-app binary starts"));
        wait_healthy("inbox-app", self.port, child);
    }

    /// SIGKILL: no shutdown, no cleanup.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, then waits for the exit; whether it exited successfully.
    pub fn terminate(&mut self) -> bool {
        let Some(mut child) = self.child.take() else {
            return false;
        };
        let sent = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status()
            .is_ok_and(|s| s.success());
        assert!(sent, "kill -TERM failed");
        child.wait().is_ok_and(|status| status.success())
    }

    /// The process id, while running.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The callback URL.
    pub fn callback_url(&self) -> String {
        format!("http://127.0.0.1:{}/callback", self.port)
    }
}

impl Drop for AppProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// The `inbox-app` binary: cargo names it to the test suites; the other binaries find it
/// next to themselves.
fn app_binary() -> std::path::PathBuf {
    option_env!("CARGO_BIN_EXE_inbox-app").map_or_else(
        || {
            std::env::current_exe()
                .expect("the running binary's path")
                .with_file_name("inbox-app")
        },
        std::path::PathBuf::from,
    )
}

/// Installs shop `webshop_id` through `callback_url`.
pub async fn install(callback_url: &str, webshop_id: u64) {
    SimulatedShop::over_http(callback_url, LedgerSettings::manifest(), TOKEN)
        .webshop_id(webshop_id)
        .install()
        .await
        .assert_ok();
}

/// Callback URLs used round-robin.
#[derive(Clone)]
pub struct RoundRobin {
    urls: Arc<Vec<String>>,
    next: Arc<AtomicUsize>,
    client: reqwest::Client,
}

impl RoundRobin {
    /// Over `urls`.
    pub fn new(urls: Vec<String>) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client");
        Self {
            urls: Arc::new(urls),
            next: Arc::new(AtomicUsize::new(0)),
            client,
        }
    }

    /// Sends one `paid` callback for `order_id` to the next URL, as Shoporama would, again and
    /// again (to the following URLs) until it is answered 200. Returns the latency of the
    /// acknowledged attempt and how many attempts failed.
    pub async fn deliver(&self, kind: &str, webshop_id: u64, order_id: u64) -> (Duration, u32) {
        let body = json!({ "order_id": order_id, "status": "paid", "total": 125.5 }).to_string();
        let deadline = Instant::now() + Duration::from_mins(2);
        let mut failures = 0;
        loop {
            let url = &self.urls[self.next.fetch_add(1, Ordering::Relaxed) % self.urls.len()];
            let started = Instant::now();
            let answer = self
                .client
                .post(format!("{url}?type={kind}&webshop_id={webshop_id}"))
                .header("x-app-token", TOKEN)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await;
            match answer {
                Ok(response) if response.status() == 200 => return (started.elapsed(), failures),
                Ok(response) => {
                    let status = response.status();
                    assert!(
                        status.is_server_error(),
                        "order {order_id}: {status} {}",
                        response.text().await.unwrap_or_default()
                    );
                }
                Err(_) => {}
            }
            failures += 1;
            assert!(
                Instant::now() < deadline,
                "order {order_id} was never acknowledged"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Polls `sql` (one number) until it is `expected` or `timeout` passes; the last value.
pub async fn wait_for(db: &LedgerDb, sql: &str, expected: i64, timeout: Duration) -> i64 {
    let deadline = Instant::now() + timeout;
    loop {
        let value = db.number(sql).await.unwrap_or(-1);
        if value == expected || Instant::now() >= deadline {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A number from the environment, or `default`.
pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The inbox suites' random sequence: seeded by `INBOX_TEST_SEED`, else the clock.
pub fn rng() -> Rng {
    Rng::from_env("INBOX_TEST_SEED")
}
