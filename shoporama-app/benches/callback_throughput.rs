//! Callback throughput over loopback: an event callback through the full pipeline (token check,
//! query and body parsing, install-store lookup on SQLite, settings parsing, typed event,
//! handler) versus a bare axum handler that only checks the header and parses the same JSON.
//! Both are measured in the same run, alternating, with the same client and concurrency.
//!
//! ```sh
//! cargo bench -p shoporama-app --bench callback_throughput
//! # CALLBACKS=20000 CONCURRENCY=32 ROUNDS=5 to change the load
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::post;
use shoporama_app::prelude::*;
use shoporama_app::server::{AppRuntime, serve_on};
use shoporama_app::testing::{SimulatedShop, sample_body};
use tokio::net::TcpListener;

const TOKEN: &str = "bench-app-token";

/// A small but realistic settings struct.
#[shoporama_app(name = "Bench", access = read, webhooks(paid))]
pub struct BenchSettings {
    /// A text setting.
    api_key: String,
    /// An integer with a default.
    #[field(default = 30)]
    days: u32,
    /// A checkbox.
    #[field(default = true)]
    enabled: bool,
}

#[derive(Clone, Default)]
struct Counting(Arc<AtomicU64>);

impl ShoporamaApp for Counting {
    type Settings = BenchSettings;

    async fn on_event(
        &self,
        shop: &Shop<BenchSettings>,
        event: BenchSettingsEvent,
    ) -> Result<(), AppError> {
        if let BenchSettingsEvent::PaidWebhook(order) = event
            && shop.settings().enabled
            && order.order_id.is_some()
        {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }
}

async fn bare(headers: HeaderMap, body: Bytes) -> (StatusCode, axum::Json<serde_json::Value>) {
    if headers.get("x-app-token").map(HeaderValue::as_bytes) != Some(TOKEN.as_bytes()) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(serde_json::json!({"error": "invalid x-app-token header"})),
        );
    }
    match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(_) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({"status": "dispatched"})),
        ),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            axum::Json(serde_json::json!({"error": e.to_string()})),
        ),
    }
}

async fn spawn(router: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}/callback?type=paid&webshop_id=1")
}

/// Sends `total` callbacks with `concurrency` in flight; returns callbacks per second.
async fn load(
    client: &reqwest::Client,
    url: &str,
    body: &Bytes,
    total: usize,
    concurrency: usize,
) -> f64 {
    let started = Instant::now();
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url, body, next) = (
            client.clone(),
            url.to_owned(),
            body.clone(),
            Arc::clone(&next),
        );
        tasks.push(tokio::spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < total as u64 {
                let response = client
                    .post(&url)
                    .header("x-app-token", TOKEN)
                    .body(body.clone())
                    .send()
                    .await
                    .expect("answer");
                assert_eq!(response.status(), 200);
                let _ = response.bytes().await.expect("body");
            }
        }));
    }
    for task in tasks {
        task.await.expect("load task");
    }
    #[allow(clippy::cast_precision_loss)]
    let rate = total as f64 / started.elapsed().as_secs_f64();
    rate
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let total = env("CALLBACKS", 20_000);
        let concurrency = env("CONCURRENCY", 32);
        let rounds = env("ROUNDS", 5);

        let dir = tempfile::tempdir().expect("temp dir");
        let config =
            shoporama_app::Config::builder()
                .app_token(TOKEN)
                .database_url(std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| {
                    format!("sqlite://{}", dir.path().join("bench.db").display())
                }))
                .build()
                .expect("config");
        let app = Counting::default();
        let full = AppRuntime::connect(app.clone(), config)
            .await
            .expect("store");
        SimulatedShop::in_process(full.router(), BenchSettings::manifest(), TOKEN)
            .webshop_id(1)
            .field("api_key", "k")
            .install()
            .await
            .assert_ok();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let full_url = format!(
            "http://{}/callback?type=paid&webshop_id=1",
            listener.local_addr().expect("addr")
        );
        tokio::spawn(serve_on(full, listener, std::future::pending()));
        let bare_url = spawn(Router::new().route("/callback", post(bare))).await;

        let body = Bytes::from(serde_json::to_vec(&sample_body("paid", 1)).expect("json"));
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(concurrency)
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        // Warm up both (connections, SQLite page cache).
        load(&client, &bare_url, &body, 2_000, concurrency).await;
        load(&client, &full_url, &body, 2_000, concurrency).await;

        let (mut bare_rates, mut full_rates, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for round in 1..=rounds {
            let b = load(&client, &bare_url, &body, total, concurrency).await;
            let f = load(&client, &full_url, &body, total, concurrency).await;
            println!(
                "round {round}: bare {b:>8.0}/s   full pipeline {f:>8.0}/s   ratio {:.3}",
                f / b
            );
            ratios.push(f / b);
            bare_rates.push(b);
            full_rates.push(f);
        }
        let (b, f) = (median(bare_rates), median(full_rates));
        println!("\ncallbacks per round: {total}, concurrency: {concurrency}, rounds: {rounds}");
        println!("median bare axum handler : {b:>8.0} callbacks/s");
        println!("median full pipeline     : {f:>8.0} callbacks/s");
        println!("full / bare (medians)    : {:.3} (target >= 0.85)", f / b);
        println!("median per-round ratio   : {:.3}", median(ratios));
        println!(
            "events handled           : {}",
            app.0.load(Ordering::Relaxed)
        );
    });
}
