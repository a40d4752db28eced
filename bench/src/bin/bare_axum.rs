//! The benchmark's baseline: a bare axum server whose `POST /callback` checks `x-app-token`
//! and parses the JSON body, nothing else (no store, no inbox, no logging). What a callback
//! costs without the framework.
//!
//! ```text
//! SHOPORAMA_APP_TOKEN=… SHOPORAMA_LISTEN=127.0.0.1:3200 bare-axum
//! ```

use std::net::SocketAddr;
use std::process::ExitCode;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use serde_json::json;

fn main() -> ExitCode {
    let Some(token) = std::env::var("SHOPORAMA_APP_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
    else {
        eprintln!("error: SHOPORAMA_APP_TOKEN is not set");
        return ExitCode::from(2);
    };
    let listen = std::env::var("SHOPORAMA_LISTEN").unwrap_or_else(|_| "127.0.0.1:3200".into());
    let addr: SocketAddr = match listen.parse() {
        Ok(addr) => addr,
        Err(error) => {
            eprintln!("error: SHOPORAMA_LISTEN `{listen}`: {error}");
            return ExitCode::from(2);
        }
    };
    // The same runtime `shoporama_app::run` builds: multi-threaded, one worker per core.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    runtime.block_on(async move {
        let token: &'static [u8] = Box::leak(token.into_bytes().into_boxed_slice());
        let router = Router::new()
            .route(
                "/callback",
                post(move |headers: HeaderMap, body: Bytes| async move {
                    callback(token, &headers, &body)
                }),
            )
            .route("/healthz", get(|| async { Json(json!({"status": "ok"})) }));
        let listener = match tokio::net::TcpListener::bind(addr).await {
            Ok(listener) => listener,
            Err(error) => {
                eprintln!("error: cannot listen on {addr}: {error}");
                return ExitCode::FAILURE;
            }
        };
        let shutdown = async {
            let mut terminate =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("a SIGTERM handler");
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
        };
        match axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await
        {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        }
    })
}

fn callback(token: &[u8], headers: &HeaderMap, body: &[u8]) -> Response {
    if headers
        .get("x-app-token")
        .map(axum::http::HeaderValue::as_bytes)
        != Some(token)
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid x-app-token header"})),
        )
            .into_response();
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(_) => Json(json!({"status": "queued"})).into_response(),
        Err(error) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": format!("the body is not JSON: {error}")})),
        )
            .into_response(),
    }
}
