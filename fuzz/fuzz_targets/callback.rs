//! Fuzzes callback parsing end to end: an arbitrary query string, headers and body sent to
//! `POST /callback` (and `GET /callback`, `GET /lists/…`) of a router over the in-memory
//! store with one installed shop. Whatever the input, the router must answer, never panic,
//! and never answer 5xx (no input is the server's fault: the app's handlers succeed).
//!
//! Input layout: byte 0 selects method, token and route; then query, headers and body
//! separated by 0xFF bytes; headers are `name:value` lines.
#![no_main]

use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use http::Request;
use libfuzzer_sys::fuzz_target;
use shoporama_app::prelude::*;
use shoporama_app::server::AppRuntime;
use shoporama_app::store::MemoryStore;
use shoporama_app::testing::SimulatedShop;
use tower::ServiceExt as _;

const TOKEN: &str = "fuzz-token";

#[shoporama_app(name = "Fuzz", access = read, events(add_to_basket, paid), webhooks(paid, new_status, product))]
pub struct Settings {
    key: Option<String>,
    #[field(default = 3)]
    days: u32,
}

struct FuzzApp;

impl ShoporamaApp for FuzzApp {
    type Settings = Settings;
}

fn setup() -> (tokio::runtime::Runtime, Router) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let config = shoporama_app::Config::builder()
        .app_token(TOKEN)
        .body_limit(4096)
        .rest_base_url("http://127.0.0.1:9/")
        .build()
        .expect("config");
    let router =
        AppRuntime::with_store(FuzzApp, config, std::sync::Arc::new(MemoryStore::new())).router();
    // One installed shop, so events reach dispatch.
    let shop = SimulatedShop::in_process(router.clone(), Settings::manifest(), TOKEN)
        .webshop_id(7)
        .field("days", "4");
    runtime.block_on(shop.install()).assert_ok();
    (runtime, router)
}

fuzz_target!(|data: &[u8]| {
    static STATE: OnceLock<std::sync::Mutex<(tokio::runtime::Runtime, Router)>> = OnceLock::new();
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let mut parts = rest.splitn(3, |b| *b == 0xFF);
    let query = String::from_utf8_lossy(parts.next().unwrap_or_default())
        .replace([' ', '#', '\r', '\n'], "");
    let headers = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or_default().to_vec();
    let path = match selector % 4 {
        0 | 1 => "/callback",
        2 => "/lists/warehouses",
        _ => "/healthz",
    };
    let method = if selector & 0x10 == 0 { "POST" } else { "GET" };
    let uri = if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    };
    let mut builder = Request::builder().method(method).uri(uri.as_str());
    if selector & 0x20 == 0 {
        builder = builder.header("x-app-token", TOKEN);
    }
    for line in headers.split(|b| *b == b'\n') {
        if let Some(colon) = line.iter().position(|b| *b == b':') {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(&line[..colon]),
                http::HeaderValue::from_bytes(&line[colon + 1..]),
            ) {
                builder = builder.header(name, value);
            }
        }
    }
    let Ok(request) = builder.body(Body::from(body)) else {
        return;
    };
    let state = STATE.get_or_init(|| std::sync::Mutex::new(setup()));
    let state = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (runtime, router) = &*state;
    let response = runtime
        .block_on(router.clone().oneshot(request))
        .expect("the router always answers");
    let status = response.status();
    assert!(
        !status.is_server_error() || status == 503,
        "{method} {uri} answered {status}"
    );
});
