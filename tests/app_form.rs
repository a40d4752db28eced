//! What Shoporama's app form says, enforced at run time: `allowed_shops` at install, and a
//! name that is both a storefront event and a webhook (`paid`) delivered twice per order, each
//! handled once as its own variant, through the inbox's duplicate guard on SQLite and
//! PostgreSQL.

use std::time::Duration;

use http::StatusCode;
use pixel::Pixel;
use shoporama_app::inbox::{InboxConfig, JobState};
use shoporama_app::prelude::*;
use shoporama_app::server::AppRuntime;
use shoporama_app::testing::SimulatedShop;
use shoporama_app::{Config, inbox::Inbox};
use shoporama_app_tests::{APP_TOKEN, RunningServer, fresh_postgres_schema, postgres_url};

/// An app only shops 7 and 9 may install.
#[shoporama_app(name = "Only some", access = read, allowed_shops(7, 9))]
pub struct Allowed {}

struct OnlySome;

impl ShoporamaApp for OnlySome {
    type Settings = Allowed;
}

#[tokio::test]
async fn allowed_shops_are_enforced_at_install_and_nothing_else_is_stored() {
    let runtime = AppRuntime::connect(OnlySome, shoporama_app_tests::config("memory://"))
        .await
        .expect("runtime");
    let shop = |id: u64| {
        SimulatedShop::in_process(runtime.router(), Allowed::manifest(), APP_TOKEN).webshop_id(id)
    };
    for refused in [shop(8).install().await, shop(8).update().await] {
        refused
            .assert_status(StatusCode::FORBIDDEN)
            .assert_error_contains("the app is not allowed on webshop 8");
        assert_eq!(refused.body["webshop_id"], 8);
    }
    assert!(
        runtime
            .store()
            .installation(8)
            .await
            .expect("store")
            .is_none(),
        "nothing stored for a shop that is not allowed"
    );
    assert!(
        runtime
            .store()
            .installations()
            .await
            .expect("store")
            .is_empty()
    );
    shop(7).install().await.assert_ok();
    shop(9).update().await.assert_ok();
    let stored: Vec<u64> = runtime
        .store()
        .installations()
        .await
        .expect("store")
        .iter()
        .map(|i| i.webshop_id)
        .collect();
    assert_eq!(stored, [7, 9]);
}

/// The inbox's job counts per state.
async fn counts(inbox: &Inbox) -> Vec<(JobState, u64)> {
    inbox.counts().await.expect("counts")
}

/// The pixel subscribes to `paid` as a storefront event and as a webhook. One paid order
/// sends both, each twice: two jobs, each run once, typed apart.
async fn paid_event_and_webhook(url: &str) {
    let config = Config {
        inbox: InboxConfig {
            poll_interval: Duration::from_millis(50),
            ..InboxConfig::all()
        },
        ..shoporama_app_tests::config(url)
    };
    let pixel = Pixel::default();
    let runtime = AppRuntime::connect(pixel.clone(), config)
        .await
        .expect("runtime");
    let inbox = runtime.inbox().expect("an inbox").clone();
    let server = RunningServer::start_runtime(runtime).await;
    let shop =
        SimulatedShop::over_http(&server.callback_url, pixel::Settings::manifest(), APP_TOKEN)
            .webshop_id(7)
            .field("measurement_id", "G-1");
    shop.install().await.assert_ok();
    let duplicate = "duplicate: already received, not processed again";
    for expected in ["queued", duplicate] {
        assert_eq!(
            shop.event("paid").await.assert_ok().body["status"],
            expected
        );
        assert_eq!(
            shop.webhook("paid").await.assert_ok().body["status"],
            expected
        );
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while counts(&inbox).await != [(JobState::Done, 2)] {
        assert!(
            tokio::time::Instant::now() < deadline,
            "jobs: {:?}",
            counts(&inbox).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut kinds: Vec<String> = inbox
        .list(None, Some(7), 10)
        .await
        .expect("jobs")
        .into_iter()
        .map(|job| job.kind)
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["paid", "webhook:paid"]);
    assert_eq!(
        (pixel.conversions(), pixel.confirmations()),
        (1, 1),
        "the event once as `Paid`, the webhook once as `PaidWebhook`"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_event_and_a_paid_webhook_are_two_deliveries_each_handled_once_on_sqlite() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("routing.db").display());
    paid_event_and_webhook(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_event_and_a_paid_webhook_are_two_deliveries_each_handled_once_on_postgres() {
    let test = "a_paid_event_and_a_paid_webhook_are_two_deliveries_each_handled_once_on_postgres";
    if let Some(url) = postgres_url(test) {
        paid_event_and_webhook(&fresh_postgres_schema(&url, "routing")).await;
    }
}

/// Inline (no inbox), the same two deliveries reach the handler as they arrive.
#[tokio::test]
async fn inline_the_event_and_the_webhook_reach_their_own_variants() {
    let pixel = Pixel::default();
    let runtime = AppRuntime::connect(pixel.clone(), shoporama_app_tests::config("memory://"))
        .await
        .expect("runtime");
    let shop = SimulatedShop::in_process(runtime.router(), pixel::Settings::manifest(), APP_TOKEN)
        .webshop_id(3)
        .field("measurement_id", "G-1");
    shop.install().await.assert_ok();
    shop.event("paid").await.assert_ok();
    assert_eq!((pixel.conversions(), pixel.confirmations()), (1, 0));
    shop.webhook("paid").await.assert_ok();
    shop.webhook("order_created").await.assert_ok();
    assert_eq!((pixel.conversions(), pixel.confirmations()), (1, 2));
    // The pixel subscribes to `order_created` only as a webhook: the type alone decides.
    shop.event("order_created").await.assert_ok();
    assert_eq!((pixel.conversions(), pixel.confirmations()), (1, 3));
}
