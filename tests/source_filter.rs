//! The optional source-IP allowlist, over real HTTP: the peer address decides unless the peer
//! is a trusted proxy, whose `x-forwarded-for` is then believed.

use std::sync::Arc;

use http::StatusCode;
use shoporama_app::AppSettings;
use shoporama_app::Config;
use shoporama_app::config::IpNet;
use shoporama_app::server::AppRuntime;
use shoporama_app::store::MemoryStore;
use shoporama_app::testing::SimulatedShop;
use shoporama_app_tests::{APP_TOKEN, Recorder, RecorderSettings, RunningServer};

fn net(s: &str) -> IpNet {
    s.parse().expect("a valid network")
}

async fn server(allowed: &[&str], proxies: &[&str]) -> RunningServer {
    let config = Config::builder()
        .app_token(APP_TOKEN)
        .allowed_sources(allowed.iter().map(|s| net(s)).collect())
        .trusted_proxies(proxies.iter().map(|s| net(s)).collect())
        .build()
        .expect("config");
    RunningServer::start_runtime(AppRuntime::with_store(
        Recorder::default(),
        config,
        Arc::new(MemoryStore::new()),
    ))
    .await
}

#[tokio::test]
async fn a_source_outside_the_allowlist_gets_403_before_anything_else() {
    let server = server(&["10.20.0.0/16"], &[]).await;
    let shop = SimulatedShop::over_http(
        &server.callback_url,
        RecorderSettings::manifest(),
        APP_TOKEN,
    )
    .field("api_key", "k");
    let refused = shop.install().await;
    refused
        .assert_status(StatusCode::FORBIDDEN)
        .assert_error_contains("the source address is not allowed");
    assert_eq!(refused.body["source"], "127.0.0.1");
    // A forwarded-for header from an untrusted peer is ignored.
    let client = reqwest::Client::new();
    let spoofed = client
        .post(format!("{}?type=paid&webshop_id=1", server.callback_url))
        .header("x-app-token", APP_TOKEN)
        .header("x-forwarded-for", "10.20.1.1")
        .body("{}")
        .send()
        .await
        .expect("answers");
    assert_eq!(spoofed.status(), 403);
    server.stop().await;
}

#[tokio::test]
async fn a_trusted_proxy_passes_on_the_client_address() {
    let server = server(&["10.20.0.0/16"], &["127.0.0.1"]).await;
    let client = reqwest::Client::new();
    let send = |forwarded: &'static str| {
        let client = client.clone();
        let url = format!("{}?type=install&webshop_id=3", server.callback_url);
        async move {
            client
                .post(url)
                .header("x-app-token", APP_TOKEN)
                .header("x-forwarded-for", forwarded)
                .body(r#"{"app_token":"t","fields":{"api_key":"k"}}"#)
                .send()
                .await
                .expect("answers")
                .status()
        }
    };
    assert_eq!(send("10.20.1.1").await, 200);
    assert_eq!(send("8.8.8.8").await, 403);
    // The right-most untrusted hop counts, not a spoofed left-most one.
    assert_eq!(send("10.20.1.1, 8.8.8.8").await, 403);
    server.stop().await;
}

#[tokio::test]
async fn a_request_made_in_process_passes_the_allowlist_and_one_without_a_peer_does_not() {
    use tower::ServiceExt as _;
    let config = Config::builder()
        .app_token(APP_TOKEN)
        .allowed_sources(vec![net("10.20.0.0/16")])
        .build()
        .expect("config");
    let runtime = AppRuntime::with_store(Recorder::default(), config, Arc::new(MemoryStore::new()));
    runtime.start().await.expect("starts");
    // The dev console's way in: SimulatedShop::in_process marks its requests InProcess.
    SimulatedShop::in_process(runtime.router(), RecorderSettings::manifest(), APP_TOKEN)
        .webshop_id(4)
        .field("api_key", "k")
        .install()
        .await
        .assert_ok();
    // The same router mounted without connect info, for a request from the network.
    let request = http::Request::post("/callback?type=paid&webshop_id=4")
        .header("x-app-token", APP_TOKEN)
        .body(axum::body::Body::from("{}"))
        .expect("request");
    let response = runtime.router().oneshot(request).await.expect("answers");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
