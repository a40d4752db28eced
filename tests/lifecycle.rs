//! The callback runtime over real HTTP on loopback: the whole lifecycle on SQLite and on
//! PostgreSQL, a server restart between install and event, unconfigured shops, external lists.

use http::StatusCode;
use serde_json::json;
use shoporama_app::AppSettings;
use shoporama_app::server::AppRuntime;
use shoporama_app::testing::SimulatedShop;
use shoporama_app_tests::{
    APP_TOKEN, REST_TOKEN, Recorder, RecorderSettings, RunningServer, SLOW_HANDLER, config,
    fresh_postgres_schema, postgres_url,
};

fn shop(server: &RunningServer, webshop_id: u64) -> SimulatedShop {
    SimulatedShop::over_http(
        &server.callback_url,
        RecorderSettings::manifest(),
        APP_TOKEN,
    )
    .webshop_id(webshop_id)
    .rest_token(REST_TOKEN)
    .field("api_key", "key-1")
}

/// install → (restart) → event → update → event → uninstall → event, against `database_url`.
async fn whole_lifecycle(database_url: &str) {
    let recorder = Recorder::default();
    let server = RunningServer::start(recorder.clone(), database_url).await;
    let response = shop(&server, 7).install().await;
    response.assert_ok();
    assert_eq!(response.body["status"], "installed");
    assert_eq!(
        shop(&server, 7).install().await.body["status"],
        "reinstalled"
    );

    // A new server over the same database: the installation survived.
    server.stop().await;
    let server = RunningServer::start(recorder.clone(), database_url).await;
    shop(&server, 7).event("paid").await.assert_ok();

    shop(&server, 7)
        .field("api_key", "key-2")
        .update()
        .await
        .assert_ok();
    shop(&server, 7).event("new_status").await.assert_ok();
    let unknown = shop(&server, 7)
        .send("brand_new_event", json!({"x": 1}))
        .await;
    unknown.assert_ok();
    shop(&server, 7).uninstall().await.assert_ok();
    shop(&server, 7)
        .event("paid")
        .await
        .assert_status(StatusCode::NOT_FOUND)
        .assert_error_contains("unknown webshop 7");
    // Uninstalling again is harmless.
    assert_eq!(
        shop(&server, 7).uninstall().await.body["status"],
        "not installed"
    );

    assert_eq!(
        recorder.calls(),
        [
            "install:New:7",
            "install:Reinstall:7",
            "event:paid:7:100234",
            "update:7:key-1->key-2",
            "event:new_status:7",
            "event:unknown:brand_new_event:7",
            "uninstall:7",
        ]
    );
    server.stop().await;
}

#[tokio::test]
async fn lifecycle_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("app.db").display());
    whole_lifecycle(&url).await;
}

#[tokio::test]
async fn lifecycle_on_postgres() {
    let Some(url) = postgres_url("lifecycle_on_postgres") else {
        return;
    };
    let url = fresh_postgres_schema(&url, "lifecycle");
    whole_lifecycle(&url).await;
}

#[tokio::test]
async fn unconfigured_shops_are_stored_but_not_dispatched_until_fixed() {
    let recorder = Recorder::default();
    let server = RunningServer::start(recorder.clone(), "memory://").await;
    let unconfigured = shop(&server, 9).without_field("api_key");
    let response = unconfigured.install().await;
    response.assert_ok();
    assert_eq!(response.body["status"], "unconfigured");
    let ignored = unconfigured.event("paid").await;
    ignored.assert_ok();
    assert!(
        ignored.body["status"]
            .as_str()
            .unwrap_or_default()
            .starts_with("ignored"),
        "{}",
        ignored.body
    );

    shop(&server, 9).update().await.assert_ok();
    shop(&server, 9).event("paid").await.assert_ok();
    assert_eq!(
        recorder.calls(),
        [
            "unconfigured:9:1",
            "update:9:none->key-1",
            "event:paid:9:100234"
        ]
    );
    server.stop().await;
}

#[tokio::test]
async fn an_update_for_an_unknown_shop_with_a_token_recovers_the_install() {
    let recorder = Recorder::default();
    let server = RunningServer::start(recorder.clone(), "memory://").await;
    let response = shop(&server, 11).update().await;
    response.assert_ok();
    assert_eq!(response.body["status"], "installed");
    shop(&server, 11).event("paid").await.assert_ok();
    assert_eq!(recorder.calls(), ["install:New:11", "event:paid:11:100234"]);
    server.stop().await;
}

#[tokio::test]
async fn handler_errors_and_panics_answer_500_and_the_server_keeps_serving() {
    let recorder = Recorder::default();
    let server = RunningServer::start(recorder.clone(), "memory://").await;
    for (webshop_id, mode, error) in [
        (3, "fail", "the accounting system is down"),
        (4, "panic", "panicked: handler bug"),
    ] {
        shop(&server, webshop_id)
            .field("mode", mode)
            .install()
            .await
            .assert_ok();
        shop(&server, webshop_id)
            .event("paid")
            .await
            .assert_status(StatusCode::INTERNAL_SERVER_ERROR)
            .assert_error_contains(error);
    }
    // Still serving.
    shop(&server, 3).event("add_to_basket").await.assert_ok();
    let health = reqwest::get(format!("{}/healthz", server.base_url))
        .await
        .expect("healthz answers");
    assert_eq!(health.status(), 200);
    server.stop().await;
}

#[tokio::test]
async fn a_handler_past_the_time_out_answers_500_and_one_within_it_answers_200() {
    let within = RunningServer::start(Recorder::default(), "memory://").await;
    let mut short = config("memory://");
    short.handler_timeout = SLOW_HANDLER / 4;
    let runtime = AppRuntime::connect(Recorder::default(), short)
        .await
        .expect("store opens");
    let past = RunningServer::start_runtime(runtime).await;
    for server in [&within, &past] {
        shop(server, 6)
            .field("mode", "slow")
            .install()
            .await
            .assert_ok();
    }
    shop(&within, 6).event("paid").await.assert_ok();
    shop(&past, 6)
        .event("paid")
        .await
        .assert_status(StatusCode::INTERNAL_SERVER_ERROR)
        .assert_error_contains("the app's handler did not finish within 0.1 s");
    // Still serving.
    shop(&past, 6).event("add_to_basket").await.assert_ok();
    within.stop().await;
    past.stop().await;
}

#[tokio::test]
async fn external_lists_in_option_order_on_both_routes() {
    let server = RunningServer::start(Recorder::default(), "memory://").await;
    shop(&server, 5).install().await.assert_ok();
    let client = reqwest::Client::new();
    let get = |url: String| {
        let client = client.clone();
        async move {
            let response = client
                .get(url)
                .header("x-app-token", APP_TOKEN)
                .send()
                .await
                .expect("list answers");
            let status = response.status().as_u16();
            (status, response.text().await.unwrap_or_default())
        }
    };
    assert_eq!(
        get(format!("{}/lists/warehouses", server.base_url)).await,
        (200, r#"{"zz":"Zealand","aa":"Aarhus"}"#.to_owned())
    );
    assert_eq!(
        get(format!(
            "{}?type=list&name=warehouses&webshop_id=5",
            server.callback_url
        ))
        .await,
        (
            200,
            r#"{"zz":"Zealand","aa":"Aarhus","shop-5":"This shop's own"}"#.to_owned()
        )
    );
    let (status, body) = get(format!("{}/lists/nope", server.base_url)).await;
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("unknown external list `nope`"), "{body}");
    let anonymous = client
        .get(format!("{}/lists/warehouses", server.base_url))
        .send()
        .await
        .expect("answers");
    assert_eq!(anonymous.status(), 401);
    server.stop().await;
}
