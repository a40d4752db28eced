//! The e-conomic app as deployed, crashed: the `economic` binary serves with its default
//! configuration (webhooks through the durable inbox) over a SQLite file or PostgreSQL, Shoporama
//! is played over loopback (`paid` webhooks retried until answered 200, orders served by
//! `FakeShoporama`), e-conomic by the stand-in. The process is `kill -9`ed at three random
//! moments and restarted each time. Counted in the stand-in: every acknowledged order has
//! exactly one booked invoice, none is lost, none is doubled, no draft is left behind.
//!
//! Also: a sync that runs longer than half the inbox's retry horizon (a slow e-conomic) still
//! ends in exactly one invoice, without being dead-lettered.
//!
//! `ECONOMIC_CRASH_ORDERS` (default 2000) and `INBOX_TEST_SEED`-like `CRASH_SEED` repeat a run.

mod support;

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use economic::app::Settings;
use economic::money::Money;
use economic::standin::StandIn;
use futures::StreamExt as _;
use serde_json::{Value, json};
use shoporama_app::AppSettings as _;
use shoporama_app::rest::ResourceKind;
use shoporama_app::testing::SimulatedShop;
use shoporama_app::testing::fake_shoporama::FakeShoporama;
use shoporama_app_tests::{Rng, fresh_postgres_schema, postgres_url, wait_healthy};

const APP_TOKEN: &str = "crash-app-token-77a1";
const REST_TOKEN: &str = "crash-rest-token-1b9e";
const WEBSHOP: u64 = 7;
/// The first order id (the orders are `FIRST_ORDER..FIRST_ORDER + n`).
const FIRST_ORDER: u64 = 500_000;

/// A Danish paid order (see [`support::order_json`]).
fn order_json(order_id: u64) -> Value {
    support::order_json(
        order_id,
        order_id - 400_000,
        &format!("buyer{order_id}@example.dk"),
    )
}

/// The stand-ins and the app's database.
struct World {
    economic: StandIn,
    shoporama: FakeShoporama,
    database_url: String,
    _dir: tempfile::TempDir,
}

impl World {
    async fn new(orders: u64, database_url: Option<String>) -> Self {
        let economic = StandIn::start().await.expect("stand-in starts");
        economic.add_product("SKU-1", "Kaffekop", Money::from_minor(15_960));
        let mut shoporama = FakeShoporama::builder()
            .token(REST_TOKEN)
            .daily_limit(1_000_000)
            .item(
                ResourceKind::Country,
                json!({"country_id": 45, "name": "Danmark", "code": "DK"}),
            );
        for order in FIRST_ORDER..FIRST_ORDER + orders {
            shoporama = shoporama.item(ResourceKind::Order, order_json(order));
        }
        let shoporama = shoporama.start().await.expect("fake Shoporama starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = database_url
            .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("economic.db").display()));
        Self {
            economic,
            shoporama,
            database_url,
            _dir: dir,
        }
    }

    /// Installs the shop through the app at `callback`.
    async fn install(&self, callback: &str) {
        SimulatedShop::over_http(callback, Settings::manifest(), APP_TOKEN)
            .webshop_id(WEBSHOP)
            .rest_token(REST_TOKEN)
            // Thousands of orders read over REST: more than the default 1,000 calls a day.
            .budget(1_000_000, 0)
            .field("agreement_grant_token", json!("standin-grant"))
            .field("layout", json!("19"))
            .field("book_invoices", json!("1"))
            .field("unit_number", json!("1"))
            .field("shipping_product_number", json!("FRAGT"))
            .install()
            .await
            .assert_ok();
    }

    /// The booked invoices' order references, and how many invoices (drafts included) the
    /// stand-in created.
    fn invoices(&self) -> (Vec<String>, usize, usize) {
        let references = self
            .economic
            .booked_invoices()
            .iter()
            .filter_map(|invoice| invoice["references"]["other"].as_str().map(str::to_owned))
            .collect();
        (
            references,
            self.economic.invoices_created(),
            self.economic.drafts().len(),
        )
    }
}

/// The `economic` binary serving, with its environment.
struct AppProcess {
    child: Option<Child>,
    port: u16,
    env: Vec<(String, String)>,
}

impl AppProcess {
    fn start(world: &World, extra: &[(&str, &str)]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let mut env: Vec<(String, String)> = vec![
            ("SHOPORAMA_APP_TOKEN".into(), APP_TOKEN.into()),
            ("DATABASE_URL".into(), world.database_url.clone()),
            ("SHOPORAMA_LISTEN".into(), format!("127.0.0.1:{port}")),
            ("SHOPORAMA_REST_BASE_URL".into(), world.shoporama.base_url()),
            ("ECONOMIC_BASE_URL".into(), world.economic.base_url().into()),
            (
                "ECONOMIC_APP_SECRET_TOKEN".into(),
                world.economic.config().app_secret_token.clone(),
            ),
            // A crashed process's claims are taken over after 2 s.
            ("SHOPORAMA_INBOX_LEASE_MS".into(), "2000".into()),
            ("SHOPORAMA_EFFECTS_LEASE_MS".into(), "2000".into()),
            ("ECONOMIC_TIMEOUT_SECS".into(), "2".into()),
            ("SHOPORAMA_INBOX_POLL_MS".into(), "100".into()),
            ("RUST_LOG".into(), "warn".into()),
        ];
        for (name, value) in extra {
            env.retain(|(n, _)| n != name);
            env.push(((*name).to_owned(), (*value).to_owned()));
        }
        let mut process = Self {
            child: None,
            port,
            env,
        };
        process.restart();
        process
    }

    fn callback(&self) -> String {
        format!("http://127.0.0.1:{}/callback", self.port)
    }

    fn restart(&mut self) {
        let log = std::env::var_os("ECONOMIC_CRASH_LOG").is_some();
        let child = Command::new(env!("CARGO_BIN_EXE_economic"))
            .arg("serve")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(if log { Stdio::inherit() } else { Stdio::null() })
            .spawn()
            .expect("the economic binary starts");
        let child = self.child.insert(child);
        wait_healthy("economic", self.port, child);
    }

    fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for AppProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Sends order `order_id`'s `paid` webhook as Shoporama does, until it is answered 200.
async fn deliver(client: &reqwest::Client, callback: &str, order_id: u64) {
    deliver_status(client, callback, order_id, "new").await;
}

/// The same, with the order status `status` in the body (another body: another inbox job).
async fn deliver_status(client: &reqwest::Client, callback: &str, order_id: u64, status: &str) {
    let body = json!({"webshop_id": WEBSHOP, "order_id": order_id, "status": status}).to_string();
    let deadline = Instant::now() + Duration::from_mins(3);
    loop {
        let answer = client
            .post(format!("{callback}?type=paid&webshop_id={WEBSHOP}"))
            .header("x-app-token", APP_TOKEN)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await;
        if answer.is_ok_and(|a| a.status() == 200) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "order {order_id} was never acknowledged"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the stand-in holds `expected` booked invoices (or the time is up); what it
/// holds then.
async fn booked(world: &World, expected: usize, timeout: Duration) -> (Vec<String>, usize, usize) {
    let deadline = Instant::now() + timeout;
    loop {
        let invoices = world.invoices();
        if invoices.0.len() >= expected || Instant::now() >= deadline {
            return invoices;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn crash_three_times(database_url: Option<String>) {
    let orders = std::env::var("ECONOMIC_CRASH_ORDERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000_u64);
    let world = World::new(orders, database_url).await;
    let server = AppProcess::start(&world, &[]);
    let callback = server.callback();
    world.install(&callback).await;
    let server = Arc::new(Mutex::new(server));

    let kills = Rng::from_env("CRASH_SEED").kill_points(orders);
    let acked = Arc::new(AtomicU64::new(0));
    let killer = {
        let (acked, server) = (Arc::clone(&acked), Arc::clone(&server));
        let kills = kills.clone();
        tokio::spawn(async move {
            for at in kills {
                while acked.load(Ordering::Relaxed) < at {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                let server = Arc::clone(&server);
                tokio::task::spawn_blocking(move || {
                    let mut server = server.lock().expect("server lock");
                    server.kill9();
                    server.restart();
                })
                .await
                .expect("restart");
            }
        })
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let started = Instant::now();
    futures::stream::iter(FIRST_ORDER..FIRST_ORDER + orders)
        .map(|order| {
            let (client, callback, acked) = (&client, &callback, Arc::clone(&acked));
            async move {
                deliver(client, callback, order).await;
                acked.fetch_add(1, Ordering::Relaxed);
            }
        })
        .buffer_unordered(16)
        .collect::<Vec<()>>()
        .await;
    killer.await.expect("killer task");
    let expected = usize::try_from(orders).unwrap_or(usize::MAX);
    let (references, created, drafts) = booked(&world, expected, Duration::from_mins(3)).await;
    // Anything still running would show as more invoices: give it a moment.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (references_after, created_after, _) = world.invoices();
    eprintln!(
        "e-conomic crash test ({}): {orders} orders acknowledged in {:.1} s with kills after {kills:?} \
         acknowledgements; {} booked invoices, {created} created, {drafts} drafts left",
        world.database_url.split(':').next().unwrap_or_default(),
        started.elapsed().as_secs_f64(),
        references.len(),
    );
    let distinct: BTreeSet<&String> = references.iter().collect();
    let wanted: BTreeSet<String> = (FIRST_ORDER..FIRST_ORDER + orders)
        .map(|order| order.to_string())
        .collect();
    let lost: Vec<&String> = wanted
        .iter()
        .filter(|order| !references.iter().any(|r| r.contains(order.as_str())))
        .take(10)
        .collect();
    assert!(
        lost.is_empty(),
        "acknowledged orders never invoiced: {lost:?}"
    );
    assert_eq!(
        distinct.len(),
        references.len(),
        "an order was invoiced twice"
    );
    assert_eq!(references.len(), expected, "one booked invoice per order");
    assert_eq!(created, expected, "no invoice was created twice");
    assert_eq!(drafts, 0, "no draft was left behind");
    assert_eq!(references_after.len(), references.len());
    assert_eq!(created_after, created);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill9_three_times_on_sqlite() {
    crash_three_times(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill9_three_times_on_postgres() {
    if let Some(url) = postgres_url("kill9_three_times_on_postgres") {
        crash_three_times(Some(fresh_postgres_schema(&url, "economic_crash"))).await;
    }
}

/// A sync slower than half the inbox's retry horizon: e-conomic answers every request after
/// 1.2 s, the inbox retries for 8 s, so one order's sync takes longer than 4 s. Its claims
/// are renewed, nothing is dead-lettered, and the order gets exactly one invoice although a
/// second webhook for it (another body: a second job) arrives meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_longer_than_half_the_retry_horizon_makes_one_invoice() {
    let world = World::new(1, None).await;
    let server = AppProcess::start(
        &world,
        &[
            ("SHOPORAMA_INBOX_RETRY_FOR_MS", "8000"),
            ("SHOPORAMA_INBOX_BACKOFF_MS", "200"),
            ("SHOPORAMA_EFFECTS_LEASE_MS", "1000"),
            ("ECONOMIC_TIMEOUT_SECS", "2"),
        ],
    );
    let callback = server.callback();
    world.install(&callback).await;
    world
        .economic
        .faults()
        .slow(usize::MAX, Duration::from_millis(1200));
    let client = reqwest::Client::new();
    let started = Instant::now();
    deliver(&client, &callback, FIRST_ORDER).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    deliver_status(&client, &callback, FIRST_ORDER, "paid").await;
    let (references, created, drafts) = booked(&world, 1, Duration::from_secs(30)).await;
    let took = started.elapsed();
    eprintln!("slow sync: booked after {took:?}, {created} created");
    assert!(
        took > Duration::from_secs(4),
        "the sync really took longer than half the horizon ({took:?})"
    );
    assert_eq!(references.len(), 1, "one booked invoice");
    assert_eq!(created, 1, "created once");
    assert_eq!(drafts, 0);
    world.economic.faults().clear();
    // Both jobs end done, neither dead.
    let status_url = callback.replace("/callback", "/inbox/status");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        let status: Value = client
            .get(&status_url)
            .header("x-app-token", APP_TOKEN)
            .send()
            .await
            .expect("status answers")
            .json()
            .await
            .expect("status JSON");
        if status["done"] == 2 || Instant::now() > deadline {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(status["dead"], 0, "{status}");
    assert_eq!(status["done"], 2, "{status}");
    drop(server);
}
