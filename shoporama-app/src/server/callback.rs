//! `POST /callback`: verify, read, route.

use std::net::SocketAddr;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Request};
use tracing::Instrument;

use super::error::ApiError;
use super::request::{CallbackQuery, parse_body, raw_query, read_body};
use super::{AppRuntime, dispatch, lifecycle};
use crate::app::ShoporamaApp;
use crate::callback::CallbackKind;
use crate::events::Origin;
use crate::settings::AppSettings;

/// The header Shoporama puts its app token in.
pub const APP_TOKEN_HEADER: &str = "x-app-token";

pub(super) async fn handle<A: ShoporamaApp>(
    State(runtime): State<AppRuntime<A>>,
    request: Request<Body>,
) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    // Verification first: nothing of the body is read before the token and source pass.
    let query = match verify(&runtime, &parts) {
        Ok(query) => query,
        Err(error) => {
            log_answer(error.status(), error.message(), started);
            return error.into_response();
        }
    };
    // The span's fields are known when it opens: recording them later costs a formatting
    // pass each, on every callback.
    let span = tracing::info_span!(
        "callback",
        kind = query.kind.as_str(),
        webshop_id = query.webshop_id
    );
    let response = process(&runtime, &parts, body, &query)
        .instrument(span.clone())
        .await;
    let (status, outcome) = match &response {
        Ok(outcome) => (http::StatusCode::OK, outcome.as_str()),
        Err(error) => (error.status(), error.message()),
    };
    span.in_scope(|| log_answer(status, outcome, started));
    match response {
        Ok(outcome) => outcome.into_response(),
        Err(error) => error.into_response(),
    }
}

/// The one line per callback: error for a 5xx, warning for a refusal, else info.
fn log_answer(status: http::StatusCode, outcome: &str, started: Instant) {
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let status_code = status.as_u16();
    if status.is_server_error() {
        tracing::error!(status = status_code, outcome, latency_ms, "callback failed");
    } else if status.is_client_error() {
        tracing::warn!(
            status = status_code,
            outcome,
            latency_ms,
            "callback refused"
        );
    } else {
        tracing::info!(
            status = status_code,
            outcome,
            latency_ms,
            "callback handled"
        );
    }
}

/// Declares [`Outcome`] with each variant's text and its 200 answer's JSON body, written
/// out at compile time (the texts need no JSON escaping).
macro_rules! outcomes {
    ($($variant:ident => $text:literal,)*) => {
        /// What a handled callback did: the `status` of the 200 answer.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Outcome {
            $($variant,)*
        }

        impl Outcome {
            /// Every outcome.
            #[cfg(test)]
            const ALL: &'static [Outcome] = &[$(Outcome::$variant,)*];

            pub(crate) fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)*
                }
            }

            /// `{"status": "<text>"}`.
            fn json(self) -> &'static str {
                match self {
                    $(Self::$variant => concat!("{\"status\":\"", $text, "\"}"),)*
                }
            }
        }
    };
}

outcomes! {
    Installed => "installed",
    Reinstalled => "reinstalled",
    Updated => "updated",
    Unconfigured => "unconfigured",
    Uninstalled => "uninstalled",
    NotInstalled => "not installed",
    Dispatched => "dispatched",
    Queued => "queued",
    Duplicate => "duplicate: already received, not processed again",
    IgnoredUnconfigured => "ignored: the shop has no valid settings yet",
}

impl IntoResponse for Outcome {
    fn into_response(self) -> Response {
        (
            [(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            )],
            self.json(),
        )
            .into_response()
    }
}

/// The source and the token, then the query: 403/401/400 before anything else is read.
fn verify<A: ShoporamaApp>(
    runtime: &AppRuntime<A>,
    parts: &http::request::Parts,
) -> Result<CallbackQuery, ApiError> {
    verify_source(runtime, parts)?;
    verify_token(runtime, &parts.headers)?;
    CallbackQuery::from_raw(&raw_query(parts.uri.query())?)
}

async fn process<A: ShoporamaApp>(
    runtime: &AppRuntime<A>,
    parts: &http::request::Parts,
    body: Body,
    query: &CallbackQuery,
) -> Result<Outcome, ApiError> {
    let bytes = read_body(&parts.headers, body, runtime.config().body_limit).await?;
    let kind = CallbackKind::parse(&query.kind);
    let inbox = match kind {
        CallbackKind::Event(name) => runtime.inbox_for(name),
        _ => None,
    };
    if let CallbackKind::Event(name) = kind
        && let Some(inbox) = inbox
        && let Some(json) = json_text(&parts.headers, &bytes)?
    {
        let origin = Origin::classify_text::<<A::Settings as AppSettings>::Event>(name, json);
        return dispatch::queue_raw(runtime, inbox, query.webshop_id, origin, name, json).await;
    }
    let body = parse_body(&parts.headers, &bytes)?;
    match kind {
        CallbackKind::Install => lifecycle::install(runtime, query, &body).await,
        CallbackKind::Update => lifecycle::update(runtime, query, &body).await,
        CallbackKind::Uninstall => lifecycle::uninstall(runtime, query, &body).await,
        CallbackKind::Event(kind) => {
            dispatch::event(runtime, inbox, query.webshop_id, kind, body).await
        }
    }
}

/// The body as JSON text, checked to be well-formed without building a parsed copy, when it
/// is a JSON body (not a form, not empty): what the inbox stores as received. `None` for
/// the other bodies, which [`parse_body`] normalises.
fn json_text<'b>(headers: &HeaderMap, bytes: &'b [u8]) -> Result<Option<&'b str>, ApiError> {
    let is_form = super::request::is_form(headers);
    if is_form || bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    // Any JSON error: `parse_body` reports it, with its line and column.
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Ok(None);
    };
    match serde_json::from_str::<serde::de::IgnoredAny>(text) {
        Ok(_) => Ok(Some(text)),
        Err(_) => parse_body(headers, bytes).map(|_| None),
    }
}

/// 401 unless `x-app-token` is one of the app's tokens. The reason says which, never the token.
pub(super) fn verify_token<A: ShoporamaApp>(
    runtime: &AppRuntime<A>,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    let Some(token) = headers.get(APP_TOKEN_HEADER) else {
        return Err(ApiError::unauthorized("missing x-app-token header"));
    };
    if runtime.config().tokens.accepts(token.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::unauthorized("invalid x-app-token header"))
    }
}

/// A request extension saying that a request was made inside this process (by
/// [`SimulatedShop::in_process`](crate::testing::SimulatedShop::in_process), which the dev
/// console uses), not received from the network. The source-IP allowlist, which is about
/// network peers, lets such a request through. No client can set it: extensions are never
/// read from the wire.
#[derive(Debug, Clone, Copy)]
pub struct InProcess;

/// 403 unless the source address is allowed (only when an allowlist is configured; a request
/// made [`InProcess`] has no source address and passes).
pub(super) fn verify_source<A: ShoporamaApp>(
    runtime: &AppRuntime<A>,
    parts: &http::request::Parts,
) -> Result<(), ApiError> {
    let filter = &runtime.config().source_filter;
    if filter.allows_all() || parts.extensions.get::<InProcess>().is_some() {
        return Ok(());
    }
    let headers = &parts.headers;
    let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
        return Err(ApiError::new(
            http::StatusCode::FORBIDDEN,
            "the source address is unknown: serve the router with `into_make_service_with_connect_info::<SocketAddr>()` to use an IP allowlist",
        ));
    };
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    let client = filter.client_ip(peer.ip(), forwarded);
    if filter.allows(client) {
        Ok(())
    } else {
        Err(ApiError::new(
            http::StatusCode::FORBIDDEN,
            "the source address is not allowed",
        )
        .with("source", client.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::Outcome;

    #[test]
    fn every_outcome_answers_its_status_as_json() {
        for &outcome in Outcome::ALL {
            let body: serde_json::Value = serde_json::from_str(outcome.json()).unwrap_or_default();
            assert_eq!(body, serde_json::json!({ "status": outcome.as_str() }));
        }
    }
}
