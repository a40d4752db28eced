//! Shared helpers for the integration suites: a recording test app, servers on ephemeral
//! loopback ports, and the rules for suites that need PostgreSQL.
//!
//! These are test helpers: they panic with a clear message when the environment is broken.
#![allow(clippy::missing_panics_doc)]

use std::sync::{Arc, Mutex};

use shoporama_app::prelude::*;
use shoporama_app::server::{AppRuntime, serve_on};
use shoporama_app::{Config, ListOptions};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// The app token every suite uses.
pub const APP_TOKEN: &str = "test-app-token-2f6c0b";
/// The previous app token, accepted while rotating.
pub const PREVIOUS_TOKEN: &str = "test-app-token-previous";
/// The REST token the simulated shop sends at install.
pub const REST_TOKEN: &str = "dcbfe5ad9e8af3495ca4582e364c1bce";

/// How a recorded order event should be answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ListOptions)]
pub enum Mode {
    /// Answer normally.
    Normal,
    /// Return an error from the handler.
    Fail,
    /// Panic in the handler.
    Panic,
    /// Answer normally after [`SLOW_HANDLER`].
    Slow,
}

/// How long the handler takes in [`Mode::Slow`].
pub const SLOW_HANDLER: std::time::Duration = std::time::Duration::from_millis(400);

/// The test app's settings.
#[shoporama_app(
    name = "Recorder",
    description = "Records every callback it receives. See <a href=\"https://example.com\">docs</a>.",
    access = read,
    events(add_to_basket, paid),
    webhooks(paid, new_status),
)]
#[derive(Debug, Clone, PartialEq)]
pub struct RecorderSettings {
    /// Required: an install without it is unconfigured.
    pub api_key: String,
    /// How to answer `paid`.
    #[field(default = "normal")]
    pub mode: Mode,
    /// A warehouse from an external list.
    #[field(list = external("warehouses"))]
    pub warehouse: Option<String>,
}

/// A test app that records what it was told, in order.
#[derive(Clone, Default)]
pub struct Recorder {
    calls: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    /// The calls so far, e.g. `install:New:7`, `event:paid:7`.
    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    fn record(&self, call: String) {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(call);
        }
    }
}

impl ShoporamaApp for Recorder {
    type Settings = RecorderSettings;

    async fn on_install(
        &self,
        shop: &Shop<RecorderSettings>,
        kind: InstallKind,
    ) -> Result<(), AppError> {
        self.record(format!("install:{kind:?}:{}", shop.webshop_id()));
        Ok(())
    }

    async fn on_update(
        &self,
        shop: &Shop<RecorderSettings>,
        previous: Option<&RecorderSettings>,
    ) -> Result<(), AppError> {
        let previous = previous.map_or_else(|| "none".to_owned(), |p| p.api_key.clone());
        self.record(format!(
            "update:{}:{previous}->{}",
            shop.webshop_id(),
            shop.settings().api_key
        ));
        Ok(())
    }

    async fn on_unconfigured(
        &self,
        shop: &ShopInfo,
        errors: &shoporama_app::fields::SettingsError,
    ) -> Result<(), AppError> {
        self.record(format!(
            "unconfigured:{}:{}",
            shop.webshop_id,
            errors.errors().len()
        ));
        Ok(())
    }

    async fn on_uninstall(&self, shop: &ShopInfo) -> Result<(), AppError> {
        self.record(format!("uninstall:{}", shop.webshop_id));
        Ok(())
    }

    async fn on_event(
        &self,
        shop: &Shop<RecorderSettings>,
        event: RecorderSettingsEvent,
    ) -> Result<(), AppError> {
        let id = shop.webshop_id();
        match event {
            RecorderSettingsEvent::Paid(order) | RecorderSettingsEvent::PaidWebhook(order) => {
                let origin = if order.raw.get("webhook").is_some() {
                    "webhook"
                } else {
                    "event"
                };
                self.record(format!(
                    "{origin}:paid:{id}:{}",
                    order.order_id.unwrap_or_default()
                ));
                match shop.settings().mode {
                    Mode::Normal => Ok(()),
                    Mode::Fail => Err(AppError::msg("the accounting system is down")),
                    Mode::Panic => panic!("handler bug"),
                    Mode::Slow => {
                        tokio::time::sleep(SLOW_HANDLER).await;
                        Ok(())
                    }
                }
            }
            RecorderSettingsEvent::AddToBasket(_) => {
                self.record(format!("event:add_to_basket:{id}"));
                Ok(())
            }
            RecorderSettingsEvent::NewStatusWebhook(_) => {
                self.record(format!("event:new_status:{id}"));
                Ok(())
            }
            RecorderSettingsEvent::Unknown { kind, .. } => {
                self.record(format!("event:unknown:{kind}:{id}"));
                Ok(())
            }
        }
    }

    async fn external_list(
        &self,
        name: &str,
        shop: Option<&Shop<RecorderSettings>>,
    ) -> Result<Vec<(String, String)>, AppError> {
        match name {
            "warehouses" => {
                let mut options = vec![
                    ("zz".to_owned(), "Zealand".to_owned()),
                    ("aa".to_owned(), "Aarhus".to_owned()),
                ];
                if let Some(shop) = shop {
                    options.push((
                        format!("shop-{}", shop.webshop_id()),
                        "This shop's own".to_owned(),
                    ));
                }
                Ok(options)
            }
            other => Err(AppError::not_found(format!(
                "unknown external list `{other}`"
            ))),
        }
    }
}

/// The configuration the suites use, with a small body limit to test 413 cheaply.
pub fn config(database_url: &str) -> Config {
    Config::builder()
        .app_token(APP_TOKEN)
        .previous_app_token(PREVIOUS_TOKEN)
        .database_url(database_url)
        .body_limit(64 * 1024)
        .rest_base_url("http://127.0.0.1:9/REST/")
        .build()
        .expect("valid test configuration")
}

/// A server running on an ephemeral loopback port; stops when dropped.
pub struct RunningServer {
    /// The callback URL.
    pub callback_url: String,
    /// The base URL (`http://127.0.0.1:port`).
    pub base_url: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl RunningServer {
    /// Starts `app` over a fresh connection to `database_url`.
    pub async fn start<A: ShoporamaApp>(app: A, database_url: &str) -> Self {
        let runtime = AppRuntime::connect(app, config(database_url))
            .await
            .expect("store opens");
        Self::start_runtime(runtime).await
    }

    /// Starts an already built runtime.
    pub async fn start_runtime<A: ShoporamaApp>(runtime: AppRuntime<A>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve_on(runtime, listener, async move {
            let _ = stopped.await;
        }));
        let base_url = format!("http://{addr}");
        Self {
            callback_url: format!("{base_url}/callback"),
            base_url,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops the server and waits until it has shut down.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Whether suites needing an external part must fail rather than skip (CI sets it).
pub fn require_all() -> bool {
    shoporama_app::testing::skip::require_all()
}

/// The PostgreSQL URL for tests, or `None` (saying so on stderr, past the harness's
/// capture) to skip. Panics when the URL is missing and `SHOPORAMA_REQUIRE_ALL=1`.
#[track_caller]
pub fn postgres_url(test: &str) -> Option<String> {
    shoporama_app::testing::skip::postgres_url(test)
}

/// The resident memory of process `pid`, in KiB (0 when it cannot be read: not Linux, or
/// the process is gone). The load tools sample it each second.
pub fn rss_kib(pid: u32) -> u64 {
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

/// The CPU time process `pid` has used so far (user and system, all threads), in clock ticks
/// (Linux's `USER_HZ`, 100 a second), from `/proc/<pid>/stat`; 0 when it cannot be read.
pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name, which is in parentheses: utime and stime are the
    // 12th and 13th of them (fields 14 and 15 of the whole line).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    ticks(11) + ticks(12)
}

/// A PostgreSQL URL whose connections use a fresh schema, so runs do not collide.
pub fn fresh_postgres_schema(url: &str, name: &str) -> String {
    let schema = format!("t_{name}_{}_{}", std::process::id(), unique());
    let admin = std::process::Command::new("psql")
        .arg(url)
        .arg("-c")
        .arg(format!("CREATE SCHEMA {schema}"))
        .output()
        .expect("psql runs");
    assert!(
        admin.status.success(),
        "creating schema: {}",
        String::from_utf8_lossy(&admin.stderr)
    );
    let separator = if url.contains('?') { '&' } else { '?' };
    // The schema's name is also the connections' `application_name`, so a test can tell its
    // own connections from those of other suites on the same server.
    format!("{url}{separator}options[search_path]={schema}&application_name={schema}")
}

fn unique() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

/// A small deterministic pseudo-random sequence (xorshift) for the crash suites, seeded from
/// the clock unless the named variable is set; the seed is printed so a failing run can be
/// repeated.
pub struct Rng(u64);

impl Rng {
    /// Seeded from `seed_var` (e.g. `CRASH_SEED`), else from the clock.
    pub fn from_env(seed_var: &str) -> Self {
        let seed = std::env::var(seed_var)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(7, |d| u64::from(d.subsec_nanos()) | 1)
            });
        eprintln!("{seed_var}={seed}");
        Self(seed.max(1))
    }

    /// A number in `low..high`.
    pub fn range(&mut self, low: u64, high: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        low + self.0 % (high - low).max(1)
    }

    /// Three points, ascending, between 10 % and 90 % of `total`: when a crash suite kills
    /// the server.
    pub fn kill_points(&mut self, total: u64) -> Vec<u64> {
        let mut kills: Vec<u64> = (0..3)
            .map(|_| self.range(total / 10, total * 9 / 10))
            .collect();
        kills.sort_unstable();
        kills
    }
}

/// Waits up to 30 s for the process `child`, serving on loopback `port`, to answer
/// `GET /healthz` with 200. Panics naming `what` when it exits first or never does.
pub fn wait_healthy(what: &str, port: u16, child: &mut std::process::Child) {
    use std::io::{Read as _, Write as _};
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            let _ =
                stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.1 200") {
                return;
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited at start: {status}");
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what} did not become healthy on port {port}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
