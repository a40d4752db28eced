//! The e-conomic app end to end, over loopback HTTP: the app served by `AppRuntime` on
//! 127.0.0.1:0 (or driven in process where a crash is simulated), Shoporama played by
//! `SimulatedShop`, its REST API by `FakeShoporama`, e-conomic by the stand-in. The app's
//! database is a SQLite file, as in production; the `postgres_*` tests run the same on a
//! fresh PostgreSQL schema (skipped without `SHOPORAMA_TEST_POSTGRES_URL`, failing instead
//! with `SHOPORAMA_REQUIRE_ALL=1`).

mod support;

use std::time::Duration;

use chrono::NaiveDate;
use economic::RetryPolicy;
use economic::app::commands::{Range, backfill, backfill_plan, retry};
use economic::app::{AppConfig, EFFECT, Economic, LABEL_FAILED, LABEL_OK, Settings, label};
use economic::model::InvoiceSummary;
use economic::money::Money;
use economic::standin::{Fault, FaultRule, StandIn};
use serde_json::{Value, json};
use shoporama_app::effects::{EffectRecord, EffectState, EffectsConfig};
use shoporama_app::inbox::InboxConfig;
use shoporama_app::prelude::*;
use shoporama_app::rest::ResourceKind;
use shoporama_app::server::serve_on;
use shoporama_app::testing::SimulatedShop;
use shoporama_app::testing::fake_shoporama::FakeShoporama;
use shoporama_app::{AppRuntime, Config};
use shoporama_app_tests::{fresh_postgres_schema, postgres_url};
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

const APP_TOKEN: &str = "e2e-app-token-5d1f";
const REST_TOKEN: &str = "e2e-rest-token-9c2a";
const WEBSHOP: u64 = 7;
const ORDER: u64 = 100_234;

/// A Danish paid order (see [`support::order_json`]).
fn order_json(order_id: u64, email: &str) -> Value {
    support::order_json(order_id, order_id - 99_000, email)
}

/// The stand-ins, the database file and the shop's settings.
struct World {
    economic: StandIn,
    shoporama: FakeShoporama,
    _dir: TempDir,
    database_url: String,
    fields: Vec<(&'static str, Value)>,
    /// The app's e-conomic request timeout.
    timeout: Duration,
    /// The lease of the app's keyed effects.
    lease: Duration,
}

/// A served app.
struct Served {
    runtime: AppRuntime<Economic>,
    shop: SimulatedShop,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Served {
    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = self.task.await;
    }

    fn app(&self) -> &Economic {
        self.runtime.app()
    }

    async fn shop(&self) -> Shop<Settings> {
        self.runtime
            .shop_by_id(WEBSHOP)
            .await
            .expect("store answers")
            .expect("shop installed and configured")
    }

    /// The order's transfer, as the framework's keyed effects record it.
    async fn record(&self, order_id: u64) -> EffectRecord {
        self.runtime
            .effects()
            .get(WEBSHOP, EFFECT, order_id)
            .await
            .expect("effects answer")
            .expect("order recorded")
    }
}

/// The invoice a done transfer recorded.
fn recorded_invoice(record: &EffectRecord) -> InvoiceSummary {
    assert_eq!(record.state, EffectState::Done, "{record:?}");
    serde_json::from_value(record.result.clone().expect("a result")).expect("an invoice")
}

impl World {
    /// A world whose app keeps its database in a SQLite file.
    async fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = format!("sqlite://{}", dir.path().join("app.db").display());
        Self::with_database(dir, database_url).await
    }

    /// A world whose app keeps its database in a fresh PostgreSQL schema, or `None` (the test
    /// is skipped) when no PostgreSQL is configured.
    async fn postgres(test: &str) -> Option<Self> {
        let url = postgres_url(test)?;
        let dir = tempfile::tempdir().expect("temp dir");
        Some(Self::with_database(dir, fresh_postgres_schema(&url, test)).await)
    }

    async fn with_database(dir: TempDir, database_url: String) -> Self {
        let economic = StandIn::start().await.expect("stand-in starts");
        economic.add_product("SKU-1", "Kaffekop", Money::from_minor(15_960));
        let shoporama = FakeShoporama::builder()
            .token(REST_TOKEN)
            .daily_limit(100_000)
            .item(
                ResourceKind::Country,
                json!({"country_id": 45, "name": "Danmark", "code": "DK"}),
            )
            .item(
                ResourceKind::Country,
                json!({"country_id": 46, "name": "Sverige", "code": "SE"}),
            )
            .item(ResourceKind::Order, order_json(ORDER, "karen@example.dk"))
            .start()
            .await
            .expect("fake Shoporama starts");
        Self {
            economic,
            shoporama,
            _dir: dir,
            database_url,
            fields: vec![
                ("agreement_grant_token", json!("standin-grant")),
                ("layout", json!("19")),
                ("book_invoices", json!("1")),
                ("unit_number", json!("1")),
                ("shipping_product_number", json!("FRAGT")),
            ],
            timeout: Duration::from_secs(2),
            lease: Duration::from_secs(3),
        }
    }

    fn timing(mut self, timeout: Duration, lease: Duration) -> Self {
        self.timeout = timeout;
        self.lease = lease;
        self
    }

    fn field(mut self, name: &'static str, value: Value) -> Self {
        self.fields.retain(|(field, _)| *field != name);
        self.fields.push((name, value));
        self
    }

    fn app_config(&self) -> AppConfig {
        AppConfig {
            base_url: self.economic.base_url().to_owned(),
            app_secret_token: Some(self.economic.config().app_secret_token.as_str().into()),
            timeout: self.timeout,
            retry: RetryPolicy {
                max_retries: 2,
                initial_backoff: Duration::from_millis(5),
                max_backoff: Duration::from_millis(50),
            },
        }
    }

    /// A runtime over the world's database (a "process" of the app), handling callbacks
    /// inline.
    async fn runtime(&self) -> AppRuntime<Economic> {
        self.runtime_with(InboxConfig::inline()).await
    }

    async fn runtime_with(&self, inbox: InboxConfig) -> AppRuntime<Economic> {
        let app = Economic::new(self.app_config()).expect("app builds");
        let config = Config::builder()
            .app_token(APP_TOKEN)
            .database_url(&self.database_url)
            .rest(self.shoporama.rest_config())
            .inbox(inbox)
            .effects(EffectsConfig::default().with_lease(self.lease))
            .build()
            .expect("valid configuration");
        AppRuntime::connect(app, config).await.expect("store opens")
    }

    fn simulated(&self, shop: SimulatedShop) -> SimulatedShop {
        self.fields.iter().fold(
            shop.webshop_id(WEBSHOP).rest_token(REST_TOKEN),
            |shop, (name, value)| shop.field(name, value.clone()),
        )
    }

    /// Serves the app and installs it on the shop.
    async fn installed(&self) -> Served {
        let served = self.serve().await;
        served.shop.install().await.assert_ok();
        served
    }

    /// Serves a runtime on 127.0.0.1:0 and returns it with a shop calling it over HTTP.
    async fn serve(&self) -> Served {
        self.serve_with(InboxConfig::inline()).await
    }

    async fn serve_with(&self, inbox: InboxConfig) -> Served {
        let runtime = self.runtime_with(inbox).await;
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let url = format!(
            "http://{}/callback",
            listener.local_addr().expect("address")
        );
        let (stop_sender, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve_on(runtime.clone(), listener, async move {
            let _ = stopped.await;
        }));
        let shop = self.simulated(SimulatedShop::over_http(
            url,
            Settings::manifest(),
            APP_TOKEN,
        ));
        Served {
            runtime,
            shop,
            stop: Some(stop_sender),
            task,
        }
    }

    /// `GET /REST/order/{id}` calls the fake has answered.
    fn order_reads(&self, order_id: u64) -> usize {
        let path = format!("/REST/order/{order_id}");
        self.shoporama
            .requests()
            .iter()
            .filter(|request| request.method == "GET" && request.path == path)
            .count()
    }
}

fn paid(order_id: u64) -> Value {
    json!({"webshop_id": WEBSHOP, "order_id": order_id, "status": "new"})
}

/// A JSON amount as exact kroner and øre.
fn money(value: &Value) -> Option<Money> {
    value
        .as_f64()
        .and_then(|amount| Money::from_f64(amount).ok())
}

/// Asserts that the JSON number `value` is `minor` øre.
#[track_caller]
fn assert_minor(value: &Value, minor: i64) {
    assert_eq!(money(value), Some(Money::from_minor(minor)), "{value}");
}

#[tokio::test]
async fn a_paid_order_becomes_one_booked_invoice_with_debtor_lines_vat_and_totals() {
    let world = World::new().await;
    let served = world.installed().await;
    served.shop.send("paid", paid(ORDER)).await.assert_ok();

    let economic = &world.economic;
    assert_eq!(
        (economic.invoices_created(), economic.invoices_booked()),
        (1, 1)
    );
    assert_eq!(economic.customers_created(), 1);
    let customer = &economic.customers()[0];
    assert_eq!(customer["email"], "karen@example.dk");
    assert_eq!(customer["name"], "Karen Jensen");
    assert_eq!(customer["vatZone"]["vatZoneNumber"], 1);
    assert_eq!(customer["customerGroup"]["customerGroupNumber"], 1);
    assert_eq!(
        customer["country"], "Danmark",
        "the shop's country name, not its id"
    );

    let invoice = &economic.booked_invoices()[0];
    assert_eq!(
        invoice["customer"]["customerNumber"],
        customer["customerNumber"]
    );
    assert_eq!(invoice["references"]["other"], "shoporama-7-100234");
    assert_eq!(invoice["notes"]["heading"], "Ordre 1234");
    assert_eq!(invoice["layout"]["layoutNumber"], 19);
    assert_eq!(invoice["currency"], "DKK");
    assert_eq!(invoice["date"], "2025-03-03");
    let lines = invoice["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["description"], "Kaffekop");
    assert_eq!(lines[0]["product"]["productNumber"], "SKU-1");
    assert_eq!(money(&lines[0]["quantity"]), Some(Money::from_major(2)));
    assert_minor(&lines[0]["unitNetPrice"], 15_960);
    assert_eq!(lines[0]["unit"]["unitNumber"], 1);
    assert_eq!(lines[1]["description"], "Fragt");
    assert_eq!(lines[1]["product"]["productNumber"], "FRAGT");
    assert_minor(&lines[1]["unitNetPrice"], 3_120);
    assert_minor(&invoice["netAmount"], 35_040);
    assert_minor(&invoice["vatAmount"], 8_760);
    // The invoice reconciles with the order.
    assert_minor(&invoice["grossAmount"], 43_800);

    let record = served.record(ORDER).await;
    assert_eq!(label(&record), LABEL_OK);
    let recorded = recorded_invoice(&record);
    assert_eq!(
        recorded.booked_invoice_number,
        invoice["bookedInvoiceNumber"]
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
    );
    assert_eq!(recorded.gross_amount, Money::from_minor(43_800));
    assert_eq!(recorded.reference, "shoporama-7-100234");
    assert_eq!(world.order_reads(ORDER), 1);

    // The layout list is read live from the shop's e-conomic agreement.
    let base = served
        .shop
        .raw(
            http::Method::GET,
            "type=list&name=layouts&webshop_id=7",
            Some(APP_TOKEN),
            Vec::new(),
        )
        .await;
    assert_eq!(base.status, 200, "{}", base.body);
    assert_eq!(base.body["19"], "19 – DK. std. m. bankoplys. 1.5");
    assert!(base.body.get("21").is_some());
    // So are the payment terms, VAT zones, customer groups and product groups.
    for (list, key, text) in [
        ("payment_terms", "1", "1 – Netto 8 dage"),
        ("vat_zones", "2", "2 – EU"),
        ("customer_groups", "2", "2 – Udenlandske"),
        ("product_groups", "1", "1 – Varer m/moms"),
    ] {
        let query = format!("type=list&name={list}&webshop_id=7");
        let answer = served
            .shop
            .raw(http::Method::GET, &query, Some(APP_TOKEN), Vec::new())
            .await;
        assert_eq!(answer.status, 200, "{list}: {}", answer.body);
        assert_eq!(answer.body[key], text, "{list}: {}", answer.body);
    }
    served.stop().await;
}

/// Two tests of one `scenario`: `memory` on the in-memory store and `postgres` on a
/// PostgreSQL schema named `schema` (skipped where no database is configured).
macro_rules! on_both_stores {
    ($memory:ident, $postgres:ident, $schema:literal, $scenario:ident) => {
        #[tokio::test]
        async fn $memory() {
            $scenario(World::new().await).await;
        }

        #[tokio::test]
        async fn $postgres() {
            if let Some(world) = World::postgres($schema).await {
                $scenario(world).await;
            }
        }
    };
}

on_both_stores!(
    the_same_webhook_twice_and_ten_at_once_makes_one_invoice,
    postgres_the_same_webhook_twice_and_ten_at_once_makes_one_invoice,
    "exactly_once",
    exactly_once
);

async fn exactly_once(world: World) {
    let served = world.installed().await;
    served.shop.send("paid", paid(ORDER)).await.assert_ok();
    served.shop.send("paid", paid(ORDER)).await.assert_ok();
    assert_eq!(world.economic.invoices_created(), 1);

    // Ten deliveries of another order at once: one does the work, nine wait for it.
    world
        .shoporama
        .insert(ResourceKind::Order, order_json(ORDER + 1, "ole@example.dk"));
    let deliveries = (0..10).map(|_| {
        let shop = served.shop.clone();
        tokio::spawn(async move { shop.send("paid", paid(ORDER + 1)).await })
    });
    for delivery in deliveries {
        delivery.await.expect("delivery runs").assert_ok();
    }
    // A late redelivery after the burst.
    served.shop.send("paid", paid(ORDER + 1)).await.assert_ok();

    let economic = &world.economic;
    assert_eq!(economic.invoices_created(), 2);
    assert_eq!(economic.invoices_booked(), 2);
    assert_eq!(economic.request_count("POST", "/invoices/drafts"), 2);
    assert_eq!(economic.request_count("POST", "/invoices/booked"), 2);
    assert_eq!(
        world.order_reads(ORDER + 1),
        1,
        "duplicates never reach Shoporama's API"
    );
    let record = served.record(ORDER + 1).await;
    assert_eq!((record.state, record.attempts), (EffectState::Done, 1));
    served.stop().await;
}

#[tokio::test]
async fn economic_answering_500_is_recorded_then_the_retry_command_makes_one_invoice() {
    let world = World::new().await;
    let served = world.installed().await;
    world
        .economic
        .faults()
        .add(FaultRule::new(Fault::ServerError).on("POST", "/invoices/drafts"));

    // Not acknowledged: Shoporama is asked to deliver it again later.
    let answer = served.shop.send("paid", paid(ORDER)).await;
    answer.assert_status(http::StatusCode::SERVICE_UNAVAILABLE);
    answer.assert_error_contains("creating the invoice draft");
    assert_eq!(world.economic.invoices_created(), 0);
    let failed = served.record(ORDER).await;
    assert_eq!(failed.state, EffectState::Failed);
    assert!(failed.retryable);
    assert_eq!(label(&failed), "e-conomic-pending");
    let error = failed.last_error.as_deref().unwrap_or_default();
    assert!(
        error.contains("creating the invoice draft") && error.contains("500"),
        "{error}"
    );

    let shop = served.shop().await;
    let summary = retry(served.app(), &shop, None).await.expect("retry runs");
    assert_eq!((summary.seen, summary.invoiced), (1, 1), "{summary}");
    assert_eq!(world.economic.invoices_created(), 1);
    assert_eq!(world.economic.invoices_booked(), 1);
    let done = served.record(ORDER).await;
    assert_eq!((label(&done), done.attempts), (LABEL_OK, 2));

    // Nothing is left to retry, and a late redelivery changes nothing.
    let summary = retry(served.app(), &shop, None).await.expect("retry runs");
    assert_eq!(summary.seen, 0);
    let summary = retry(served.app(), &shop, Some(ORDER))
        .await
        .expect("retry runs");
    assert_eq!((summary.already_done, summary.invoiced), (1, 0));
    served.shop.send("paid", paid(ORDER)).await.assert_ok();
    assert_eq!(world.economic.invoices_created(), 1);
    served.stop().await;
}

#[tokio::test]
async fn an_invoice_created_whose_answer_was_lost_is_found_not_doubled() {
    let world = World::new()
        .await
        .timing(Duration::from_secs(1), Duration::from_secs(10));
    let served = world.installed().await;
    // e-conomic creates the draft, but only after the app's 1 s timeout.
    world.economic.faults().add(
        FaultRule::new(Fault::Delay(Duration::from_millis(2500))).on("POST", "/invoices/drafts"),
    );
    served
        .shop
        .send("paid", paid(ORDER))
        .await
        .assert_status(http::StatusCode::SERVICE_UNAVAILABLE);
    assert!(served.record(ORDER).await.retryable);
    eventually(|| world.economic.invoices_created() == 1).await;
    assert_eq!(world.economic.invoices_booked(), 0);

    let shop = served.shop().await;
    let summary = retry(served.app(), &shop, Some(ORDER))
        .await
        .expect("retry runs");
    assert_eq!(summary.invoiced, 1, "{summary}");
    assert_eq!(
        world.economic.invoices_created(),
        1,
        "the lost draft was found, not re-created"
    );
    assert_eq!(world.economic.invoices_booked(), 1, "and booked");
    assert_eq!(served.record(ORDER).await.state, EffectState::Done);
    served.stop().await;
}

on_both_stores!(
    a_restart_mid_sync_loses_nothing_and_doubles_nothing,
    postgres_a_restart_mid_sync_loses_nothing_and_doubles_nothing,
    "restart",
    restart_mid_sync
);

async fn restart_mid_sync(world: World) {
    // A short lease: process B takes the crashed sync's order over after 1 s.
    let world = world.timing(Duration::from_secs(2), Duration::from_secs(1));
    world
        .shoporama
        .insert(ResourceKind::Order, order_json(ORDER + 1, "ole@example.dk"));

    // Process A, driven in process so a crash can be simulated by dropping a handler.
    let runtime = world.runtime().await;
    let shop = world.simulated(SimulatedShop::in_process(
        runtime.router(),
        Settings::manifest(),
        APP_TOKEN,
    ));
    shop.install().await.assert_ok();
    shop.send("paid", paid(ORDER)).await.assert_ok();
    world.economic.faults().add(
        FaultRule::new(Fault::Delay(Duration::from_millis(700))).on("POST", "/invoices/drafts"),
    );
    let crashing = {
        let shop = shop.clone();
        tokio::spawn(async move { shop.send("paid", paid(ORDER + 1)).await })
    };
    eventually(|| world.economic.request_count("POST", "/invoices/drafts") == 2).await;
    crashing.abort(); // the process dies while e-conomic is creating the invoice
    let _ = crashing.await;
    drop(shop);
    drop(runtime);
    eventually(|| world.economic.invoices_created() == 2).await;

    // Process B over the same database.
    let served = world.serve().await;
    let pending = served.record(ORDER + 1).await;
    assert_eq!(
        pending.state,
        EffectState::Running,
        "claimed before the crash"
    );
    assert_eq!(label(&pending), "e-conomic-pending");
    assert!(
        served
            .runtime
            .shop_by_id(WEBSHOP)
            .await
            .expect("reads")
            .is_some(),
        "the install survived"
    );
    served.shop.send("paid", paid(ORDER + 1)).await.assert_ok();
    served.shop.send("paid", paid(ORDER)).await.assert_ok();
    let economic = &world.economic;
    assert_eq!(economic.invoices_created(), 2, "nothing doubled");
    assert_eq!(economic.invoices_booked(), 2, "nothing lost");
    for order_id in [ORDER, ORDER + 1] {
        let invoice = recorded_invoice(&served.record(order_id).await);
        assert!(invoice.booked_invoice_number.is_some(), "order {order_id}");
    }
    assert_eq!(
        served.record(ORDER + 1).await.attempts,
        2,
        "taken over once"
    );
    served.stop().await;
}

#[tokio::test]
async fn a_failure_is_recorded_with_economics_message_and_retried_by_the_pending_label() {
    let world = World::new()
        .await
        .field("shipping_product_number", json!("NOPE"));
    let served = world.installed().await;
    // A wrong setting is not Shoporama's to retry: acknowledged, recorded, labelled failed.
    // Deliveries that waited for the failing sync report its failure, not repeat it.
    world
        .economic
        .faults()
        .add(FaultRule::new(Fault::Delay(Duration::from_secs(1))).on("POST", "/invoices/drafts"));
    let deliveries: Vec<_> = (0..5)
        .map(|_| {
            let shop = served.shop.clone();
            tokio::spawn(async move { shop.send("paid", paid(ORDER)).await })
        })
        .collect();
    for delivery in deliveries {
        delivery.await.expect("delivery runs").assert_ok();
    }
    assert_eq!(world.economic.request_count("POST", "/invoices/drafts"), 1);
    let failed = served.record(ORDER).await;
    assert_eq!(
        (failed.state, failed.retryable, label(&failed)),
        (EffectState::Failed, false, LABEL_FAILED)
    );
    let error = failed.last_error.as_deref().unwrap_or_default();
    assert!(
        error.contains("E06000") && error.contains("lines[1].product"),
        "{error}"
    );
    assert_eq!(world.economic.invoices_created(), 0);

    // The shop owner fixes the setting, then re-labels the order.
    let fixed = served
        .shop
        .clone()
        .field("shipping_product_number", "FRAGT");
    fixed.update().await.assert_ok();
    let label = |label: &str| json!({"webshop_id": WEBSHOP, "order_id": ORDER, "label": label});
    fixed
        .send("add_label", label("e-conomic-failed"))
        .await
        .assert_ok();
    assert_eq!(
        world.economic.invoices_created(),
        0,
        "only the pending label retries"
    );
    fixed
        .send("add_label", label("e-conomic-pending"))
        .await
        .assert_ok();
    assert_eq!(world.economic.invoices_created(), 1);
    assert_eq!(world.economic.invoices_booked(), 1);
    assert_eq!(economic::app::label(&served.record(ORDER).await), LABEL_OK);
    fixed
        .send("add_label", label("e-conomic-pending"))
        .await
        .assert_ok();
    assert_eq!(world.economic.invoices_created(), 1);
    served.stop().await;
}

#[tokio::test]
async fn the_shipped_trigger_waits_for_status_sent_and_drafts_stay_drafts() {
    let world = World::new()
        .await
        .field("trigger", json!("shipped"))
        .field("book_invoices", json!("0"));
    let mut sent = order_json(ORDER + 1, "ole@example.dk");
    sent["status"] = json!("sent");
    world.shoporama.insert(ResourceKind::Order, sent);
    let served = world.installed().await;

    served.shop.send("paid", paid(ORDER)).await.assert_ok();
    let status = |order_id: u64, status: Option<&str>| {
        let mut body = json!({"webshop_id": WEBSHOP, "order_id": order_id});
        if let Some(status) = status {
            body["status"] = json!(status);
        }
        body
    };
    served
        .shop
        .send("new_status", status(ORDER, Some("new")))
        .await
        .assert_ok();
    assert_eq!(world.economic.invoices_created(), 0);
    assert_eq!(world.order_reads(ORDER), 0, "no trigger, no REST call");
    served
        .shop
        .send("new_status", status(ORDER, Some("sent")))
        .await
        .assert_ok();
    // Without a status in the body, the order's own status decides.
    served
        .shop
        .send("new_status", status(ORDER + 1, None))
        .await
        .assert_ok();
    assert_eq!(world.economic.invoices_created(), 2);
    assert_eq!(world.economic.invoices_booked(), 0);
    let invoice = recorded_invoice(&served.record(ORDER + 1).await);
    assert!(invoice.draft_invoice_number.is_some() && invoice.booked_invoice_number.is_none());
    assert_eq!(
        world.order_reads(ORDER + 1),
        1,
        "the order read for its status is reused"
    );
    served.stop().await;
}

#[tokio::test]
async fn backfill_transfers_the_orders_the_trigger_covers_once() {
    let world = World::new().await;
    let order = |id: u64, created: &str, paid: u8, status: &str| {
        let mut order = order_json(id, &format!("buyer{id}@example.dk"));
        order["created"] = json!(created);
        order["last_modified"] = json!("2025-03-04 08:00:00");
        order["paid"] = json!(paid);
        order["status"] = json!(status);
        order
    };
    for (id, created, paid, status) in [
        (200_001, "2025-03-01 09:00:00", 1, "new"),  // invoiced
        (200_002, "2025-03-01 10:00:00", 0, "new"),  // not paid
        (200_003, "2025-01-15 10:00:00", 1, "sent"), // created before the range
        (200_004, "2025-03-02 10:00:00", 1, "cancelled"),
        (200_005, "2025-03-02 11:00:00", 1, "sent"), // invoiced
    ] {
        world
            .shoporama
            .insert(ResourceKind::Order, order(id, created, paid, status));
    }
    let served = world.installed().await;
    served.shop.send("paid", paid(ORDER)).await.assert_ok(); // invoiced before the backfill
    let shop = served.shop().await;
    let since = NaiveDate::from_ymd_opt(2025, 3, 1).expect("valid date");

    let range = |dry_run| Range {
        since,
        until: None,
        dry_run,
    };
    // Before it starts: the listing's cost against what the shop has left today.
    let plan = backfill_plan(&shop, &range(true)).await.expect("plan");
    assert_eq!(
        (plan.items, plan.calls, plan.fits()),
        (Some(6), Some(1), Some(true)),
        "{plan}"
    );
    let dry = backfill(served.app(), &shop, range(true), |_, _| {})
        .await
        .expect("dry run");
    assert_eq!(
        (
            dry.seen,
            dry.already_done,
            dry.would_invoice,
            dry.skipped,
            dry.invoiced
        ),
        (6, 1, 2, 3, 0),
        "{dry}"
    );
    assert_eq!(world.economic.invoices_created(), 1);

    let mut progress = Vec::new();
    let summary = backfill(served.app(), &shop, range(false), |summary, total| {
        progress.push((summary.seen, total));
    })
    .await
    .expect("backfill runs");
    assert_eq!(
        (
            summary.seen,
            summary.invoiced,
            summary.already_done,
            summary.skipped
        ),
        (6, 2, 1, 3),
        "{summary}"
    );
    assert!(summary.failures.is_empty());
    assert_eq!(progress.last(), Some(&(6, Some(6))));
    assert_eq!(world.economic.invoices_created(), 3);
    for id in [200_001, 200_005] {
        let record = served.record(id).await;
        assert_eq!((label(&record), record.attempts), (LABEL_OK, 1));
    }
    assert_eq!(
        world.order_reads(200_001),
        0,
        "listed orders are not read again"
    );

    let again = backfill(served.app(), &shop, range(false), |_, _| {})
        .await
        .expect("runs");
    assert_eq!((again.invoiced, again.already_done), (0, 3), "{again}");
    assert_eq!(world.economic.invoices_created(), 3);
    served.stop().await;
}

#[tokio::test]
async fn through_the_durable_inbox_a_500_from_economic_is_retried_to_one_invoice() {
    let world = World::new().await;
    // The inbox refuses an effects lease that does not fit its retry horizon 4 times.
    let world = world.timing(Duration::from_secs(2), Duration::from_secs(2));
    // As `serve` runs it: webhooks acknowledged once recorded, handled by workers.
    let inbox = InboxConfig {
        backoff: Duration::from_millis(50),
        backoff_max: Duration::from_millis(200),
        poll_interval: Duration::from_millis(20),
        ..InboxConfig::default()
    };
    let served = world.serve_with(inbox).await;
    served.shop.install().await.assert_ok();
    world
        .economic
        .faults()
        .add(FaultRule::new(Fault::ServerError).on("POST", "/invoices/drafts"));
    served.shop.send("paid", paid(ORDER)).await.assert_ok();
    served.shop.send("paid", paid(ORDER)).await.assert_ok();
    eventually(|| world.economic.invoices_booked() == 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(world.economic.invoices_created(), 1);
    assert_eq!(
        world.economic.request_count("POST", "/invoices/drafts"),
        2,
        "one 500, one 201"
    );
    let record = served.record(ORDER).await;
    assert_eq!((record.state, record.attempts), (EffectState::Done, 2));
    served.stop().await;
}

#[tokio::test]
async fn an_eu_business_buyer_gets_a_foreign_debtor_and_a_reverse_charge_invoice() {
    let world = World::new().await;
    let mut order = order_json(ORDER + 1, "indkob@svensk.se");
    for (key, value) in [
        ("order_country_id", json!(46)),
        ("order_company_name", json!("Svensk Design AB")),
        ("vat_number", json!("SE556000000101")),
        ("vat", json!("0")),
        ("shipping_price", json!("31.20")),
        ("total_price", json!("350.40")),
    ] {
        order[key] = value;
    }
    order["products"][0]["real_price"] = json!("159.60");
    world.shoporama.insert(ResourceKind::Order, order);
    let served = world.installed().await;
    served.shop.send("paid", paid(ORDER + 1)).await.assert_ok();

    let customer = &world.economic.customers()[0];
    assert_eq!(customer["name"], "Svensk Design AB");
    assert_eq!(customer["vatZone"]["vatZoneNumber"], 2);
    assert_eq!(customer["customerGroup"]["customerGroupNumber"], 2);
    // A Danish agreement's debtors have no `vatNumber`: the VAT number is their CVR field.
    assert_eq!(customer.get("vatNumber"), None);
    assert_eq!(customer["corporateIdentificationNumber"], "SE556000000101");
    let invoice = &world.economic.booked_invoices()[0];
    assert_eq!(invoice["recipient"]["vatZone"]["vatZoneNumber"], 2);
    assert_eq!(money(&invoice["vatAmount"]), Some(Money::ZERO));
    assert_minor(&invoice["grossAmount"], 35_040);
    served.stop().await;
}

#[tokio::test]
async fn a_collective_debtor_a_discount_line_and_skus_unknown_to_economic() {
    let world = World::new().await;
    let debtor = world.economic.add_customer("Webshop-kunder", None);
    let world = world
        .field("collective_customer_number", json!(debtor.to_string()))
        .field("discount_product_number", json!("RABAT"))
        .field("fallback_product_number", json!("1"));
    let mut order = order_json(ORDER + 1, "karen@example.dk");
    order["products"]
        .as_array_mut()
        .expect("lines")
        .push(json!({"own_id": "SKU-404", "name": "Tekande", "amount": 1, "real_price": "250.00"}));
    for (key, value) in [
        ("voucher_code", json!("SOMMER")),
        ("voucher_discount_amount", json!("50.00")),
        ("total_price", json!("638.00")),
        ("vat", json!("127.60")),
    ] {
        order[key] = value;
    }
    world.shoporama.insert(ResourceKind::Order, order);
    let served = world.installed().await;
    served.shop.send("paid", paid(ORDER + 1)).await.assert_ok();

    assert_eq!(
        world.economic.customers_created(),
        0,
        "the collective debtor is used"
    );
    let invoice = &world.economic.booked_invoices()[0];
    assert_eq!(invoice["customer"]["customerNumber"], debtor);
    let lines: Vec<(String, String, Option<Money>)> = invoice["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|line| {
            (
                line["description"].as_str().unwrap_or_default().to_owned(),
                line["product"]["productNumber"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                money(&line["unitNetPrice"]),
            )
        })
        .collect();
    let expected = [
        ("Kaffekop", "SKU-1", 15_960),
        ("Tekande (SKU-404)", "1", 20_000), // no e-conomic product: the fallback
        ("Fragt", "FRAGT", 3_120),
        ("Rabatkode SOMMER", "RABAT", -4_000),
    ];
    assert_eq!(
        lines,
        expected
            .iter()
            .map(|(text, product, net)| (
                (*text).to_owned(),
                (*product).to_owned(),
                Some(Money::from_minor(*net))
            ))
            .collect::<Vec<_>>()
    );
    assert_minor(&invoice["netAmount"], 51_040);
    assert_minor(&invoice["grossAmount"], 63_800);
    served.stop().await;
}

#[tokio::test]
async fn a_sku_unknown_to_economic_becomes_a_product_in_the_chosen_product_group() {
    let world = World::new().await;
    let world = world
        .field("product_group", json!("2"))
        .field("fallback_product_number", json!("1"))
        .field("unit_number", json!("1"));
    let long_sku = "S".repeat(26);
    for (order_id, sku) in [
        (ORDER + 1, "SKU-404"),
        (ORDER + 2, "SKU-404"),
        (ORDER + 3, &*long_sku),
    ] {
        let mut order = order_json(order_id, "karen@example.dk");
        order["products"]
            .as_array_mut()
            .expect("lines")
            .push(json!({"own_id": sku, "name": "Tekande", "amount": 1, "real_price": "250.00"}));
        order["total_price"] = json!("688.00");
        order["vat"] = json!("137.60");
        world.shoporama.insert(ResourceKind::Order, order);
    }
    let served = world.installed().await;
    for order_id in [ORDER + 1, ORDER + 2, ORDER + 3] {
        served.shop.send("paid", paid(order_id)).await.assert_ok();
    }

    // Created once, in the chosen group, at the line's net price; the second order uses it.
    assert_eq!(world.economic.products_created(), 1);
    let product = world.economic.product("SKU-404").expect("created");
    assert_eq!(product["name"], "Tekande");
    assert_eq!(product["productGroup"]["productGroupNumber"], 2);
    assert_minor(&product["salesPrice"], 20_000);
    assert_eq!(product["unit"]["unitNumber"], 1);
    let product_line = |invoice: &Value| {
        let lines = invoice["lines"].as_array().expect("lines");
        let line = &lines[1];
        let number = line["product"]["productNumber"]
            .as_str()
            .unwrap_or_default();
        (
            line["description"].as_str().unwrap_or_default().to_owned(),
            number.to_owned(),
        )
    };
    let invoices = world.economic.booked_invoices();
    assert_eq!(invoices.len(), 3);
    let lines: Vec<_> = invoices.iter().map(product_line).collect();
    let own = ("Tekande".to_owned(), "SKU-404".to_owned());
    // A SKU too long for a product number cannot be created: the fallback product, SKU kept.
    let fallback = (format!("Tekande ({long_sku})"), "1".to_owned());
    assert_eq!(lines, [own.clone(), own, fallback]);
    served.stop().await;
}

#[tokio::test]
async fn invoices_are_dated_the_paid_day_in_the_shops_time_zone_and_debtors_found_by_e_mail() {
    let world = World::new().await;
    // Paid at 22:30 UTC on 30 June: 00:30 on 1 July in Copenhagen.
    let mut late = order_json(ORDER + 1, "karen@example.dk");
    late["created"] = json!("2025-06-29 10:00:00");
    late["paid_date"] = json!(1_751_322_600);
    world.shoporama.insert(ResourceKind::Order, late);
    let served = world.installed().await;
    served.shop.send("paid", paid(ORDER)).await.assert_ok();
    served.shop.send("paid", paid(ORDER + 1)).await.assert_ok();

    let booked = world.economic.booked_invoices();
    let dates: Vec<&str> = booked.iter().filter_map(|i| i["date"].as_str()).collect();
    assert_eq!(
        dates,
        ["2025-03-03", "2025-07-01"],
        "created day, then paid day"
    );
    assert_eq!(
        world.economic.customers_created(),
        1,
        "one buyer, one debtor"
    );
    let by_email = world.economic.requests().into_iter().any(|request| {
        let query = request.query.unwrap_or_default();
        request.path == "/customers" && query.contains("email") && query.contains("karen")
    });
    assert!(by_email, "private buyers are found by e-mail");
    served.stop().await;
}

#[tokio::test]
async fn eu_private_buyers_pay_oss_at_the_destination_rate_and_businesses_are_found_by_cvr() {
    let world = World::new().await.field("vat_zone_eu_private", json!("4"));
    let german = |id: u64, email: &str, vat_number: Option<&str>| {
        let mut order = order_json(id, email);
        order["order_country_id"] = json!(null);
        order["order_country"] = json!("DE");
        if let Some(vat_number) = vat_number {
            order["vat_number"] = json!(vat_number);
            order["order_company_name"] = json!("Muster GmbH");
        }
        order
    };
    for order in [
        german(ORDER + 1, "anna@example.de", None),
        german(ORDER + 2, "einkauf@muster.de", Some("DE123456789")),
        german(ORDER + 3, "lager@muster.de", Some("DE123456789")),
    ] {
        world.shoporama.insert(ResourceKind::Order, order);
    }
    let served = world.installed().await;
    for order_id in [ORDER + 1, ORDER + 2, ORDER + 3] {
        served.shop.send("paid", paid(order_id)).await.assert_ok();
    }

    let economic = &world.economic;
    let booked = economic.booked_invoices();
    // The private buyer: the OSS zone, lines net of German VAT (19 %).
    assert_eq!(booked[0]["recipient"]["vatZone"]["vatZoneNumber"], 4);
    let nets: Vec<Option<Money>> = booked[0]["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|line| money(&line["unitNetPrice"]))
        .collect();
    let expected = [16_765, 3_277].map(|net| Some(Money::from_minor(net)));
    assert_eq!(nets, expected);
    // The business: reverse charge, one debtor found again by its VAT number.
    for invoice in &booked[1..] {
        assert_eq!(invoice["recipient"]["vatZone"]["vatZoneNumber"], 2);
        assert_eq!(invoice["customer"], booked[1]["customer"]);
    }
    assert_eq!(economic.customers_created(), 2);
    let business = &economic.customers()[1];
    assert_eq!(business["corporateIdentificationNumber"], "DE123456789");
    assert_eq!(business.get("vatNumber"), None, "not on a Danish agreement");
    served.stop().await;
}

#[tokio::test]
async fn the_api_key_is_checked_on_install_and_update_and_refused_with_the_reason() {
    let world = World::new()
        .await
        .field("agreement_grant_token", json!("not-the-grant"));
    let served = world.serve().await;
    let answer = served.shop.install().await;
    answer.assert_status(http::StatusCode::INTERNAL_SERVER_ERROR);
    answer.assert_error_contains("the e-conomic API key does not work");
    answer.assert_error_contains("401");
    assert!(
        !answer.body.to_string().contains("not-the-grant"),
        "{}",
        answer.body
    );
    let fixed = served
        .shop
        .clone()
        .field("agreement_grant_token", "standin-grant");
    fixed.update().await.assert_ok();
    assert!(world.economic.request_count("GET", "/self") >= 2);
    fixed.send("paid", paid(ORDER)).await.assert_ok();
    assert_eq!(world.economic.invoices_booked(), 1);
    served.stop().await;
}

#[tokio::test]
async fn an_e_mail_too_long_for_economic_is_left_out_and_one_that_fits_is_kept_whole() {
    let world = World::new().await;
    // 255 characters as e-conomic counts them (the emoji are one each, four bytes in UTF-8).
    let fitting = format!("{}@{}.dk", "🎉".repeat(17), "a".repeat(234));
    let too_long = format!("{}@example.dk", "b".repeat(250));
    for (id, email) in [
        (ORDER + 1, &fitting),
        (ORDER + 2, &fitting),
        (ORDER + 3, &too_long),
    ] {
        world
            .shoporama
            .insert(ResourceKind::Order, order_json(id, email));
    }
    let served = world.installed().await;
    for order_id in [ORDER + 1, ORDER + 2, ORDER + 3] {
        served.shop.send("paid", paid(order_id)).await.assert_ok();
    }
    let economic = &world.economic;
    assert_eq!(economic.invoices_booked(), 3);
    assert_eq!(
        economic.customers_created(),
        2,
        "the fitting e-mail found its debtor"
    );
    let customers = economic.customers();
    assert_eq!(customers[0]["email"], fitting.as_str());
    assert_eq!(customers[1].get("email"), None, "left out, not cut");
    served.stop().await;
}

/// Waits (up to 10 s) until `condition` holds.
async fn eventually(condition: impl Fn() -> bool) {
    for _ in 0..1000 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition not met within 10 s");
}
