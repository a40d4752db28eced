//! The fake's HTTP surface: the gate every request passes (count, log, faults, auth, daily
//! limit) and one handler per REST operation.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::faults::{Fault, Faults};
use super::state::{AppStatusBody, Data, MAX_LOGGED, RecordedRequest, Refusal};
use crate::rest::ResourceKind;

/// What the handlers share.
pub(super) struct Shared {
    pub(super) data: Mutex<Data>,
    pub(super) calls: AtomicU64,
    pub(super) faults: Faults,
}

impl Shared {
    pub(super) fn lock(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/REST/app-status", get(app_status))
        .route("/REST/self", get(self_info))
        .route(
            "/REST/{resource}",
            get(list).post(create).put(put_collection),
        )
        .route(
            "/REST/{resource}/{id}",
            get(get_one).put(update).patch(update).delete(delete),
        )
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), gate))
        .with_state(shared)
}

fn text(status: StatusCode, body: impl Into<String>) -> Response {
    let mut response = (status, body.into()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Shoporama's plain-text error form: `410 Gone`.
fn status_text(status: StatusCode) -> Response {
    text(
        status,
        format!(
            "{} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("Error")
        ),
    )
}

fn json_bytes(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn json_value(status: StatusCode, body: &impl serde::Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => json_bytes(status, bytes),
        Err(_) => status_text(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

fn refusal(refusal: &Refusal) -> Response {
    match refusal {
        Refusal::NotFound => status_text(StatusCode::NOT_FOUND),
        Refusal::Gone => status_text(StatusCode::GONE),
        Refusal::BadRequest(why) => {
            text(StatusCode::BAD_REQUEST, format!("400 Bad Request: {why}"))
        }
    }
}

/// The scheme and token of an `Authorization` header: `Shoporama <t>`, `Bearer <t>`,
/// `App <t>`, or the bare token.
fn parse_auth(value: &str) -> (&'static str, String) {
    let value = value.trim();
    if let Some((scheme, token)) = value.split_once(' ') {
        for known in ["Shoporama", "Bearer", "App"] {
            if scheme.eq_ignore_ascii_case(known) {
                return (known, token.trim().to_owned());
            }
        }
    }
    ("raw", value.to_owned())
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn fault_response(fault: Fault) -> Response {
    let code =
        |status: u16| StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match fault {
        Fault::RateLimited { retry_after } => {
            let mut response = status_text(StatusCode::TOO_MANY_REQUESTS);
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
        // A delay is served normally by the gate; it never reaches here.
        Fault::ServerError | Fault::Delay(_) => status_text(StatusCode::INTERNAL_SERVER_ERROR),
        Fault::Text { status, body } => text(code(status), body),
        Fault::Json { status, body } => json_value(code(status), &body),
    }
}

/// Every request: counted, logged, maybe faulted, authenticated, and counted against the
/// token's daily limit.
async fn gate(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    shared.calls.fetch_add(1, Ordering::SeqCst);
    let auth =
        header_text(request.headers(), header::AUTHORIZATION).map(|value| parse_auth(&value));
    let is_app_status = request.uri().path() == "/REST/app-status";
    {
        let mut data = shared.lock();
        if data.log.len() >= MAX_LOGGED {
            data.log.pop_front();
        }
        data.log.push_back(RecordedRequest {
            method: request.method().to_string(),
            path: request.uri().path().to_owned(),
            query: request.uri().query().map(str::to_owned),
            auth_scheme: auth.as_ref().map(|(scheme, _)| (*scheme).to_owned()),
            user_agent: header_text(request.headers(), header::USER_AGENT),
            content_type: header_text(request.headers(), header::CONTENT_TYPE),
        });
    }
    match shared.faults.take() {
        Some(Fault::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(fault) => return fault_response(fault),
        None => {}
    }
    let Some((scheme, token)) = auth else {
        return status_text(StatusCode::UNAUTHORIZED);
    };
    {
        let mut data = shared.lock();
        if is_app_status {
            if scheme != "App" || !data.app_tokens.contains(&token) {
                return status_text(StatusCode::UNAUTHORIZED);
            }
        } else {
            if scheme == "App" {
                return status_text(StatusCode::UNAUTHORIZED);
            }
            match data.tokens.get_mut(&token) {
                None => return status_text(StatusCode::UNAUTHORIZED),
                // The platform's answer to a spent budget is undocumented; this guesses it is
                // like its other errors: the status line as plain text, with Retry-After the
                // seconds until the budget day turns.
                Some(usage) if usage.used >= usage.limit => {
                    let mut response = status_text(StatusCode::TOO_MANY_REQUESTS);
                    response.headers_mut().insert(
                        header::RETRY_AFTER,
                        HeaderValue::from(crate::rest::seconds_until_budget_day_ends()),
                    );
                    return response;
                }
                Some(usage) => usage.used += 1,
            }
        }
    }
    next.run(request).await
}

fn kind_of(resource: &str) -> Option<ResourceKind> {
    ResourceKind::from_path(resource).filter(|kind| *kind != ResourceKind::SelfInfo)
}

/// A numeric query parameter; `None` when it is not a number.
fn number_param(params: &BTreeMap<String, String>, name: &str, default: u64) -> Option<u64> {
    match params.get(name).map(|raw| raw.trim()) {
        None | Some("") => Some(default),
        Some(raw) => raw.parse().ok(),
    }
}

fn not_a_number(name: &str) -> Response {
    text(
        StatusCode::BAD_REQUEST,
        format!("400 Bad Request: {name} must be a number"),
    )
}

async fn list(
    State(shared): State<Arc<Shared>>,
    Path(resource): Path<String>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Response {
    let Some(kind) = kind_of(&resource) else {
        return status_text(StatusCode::NOT_FOUND);
    };
    let Some(limit) = number_param(&params, "limit", 100).map(|limit| limit.max(1)) else {
        return not_a_number("limit");
    };
    let Some(offset) = number_param(&params, "offset", 0) else {
        return not_a_number("offset");
    };
    let mut data = shared.lock();
    let bare = data.bare_lists.get(&kind).copied();
    let (offset, limit) = match bare {
        Some(false) => (0, u64::MAX),
        _ => (offset, limit.min(data.max_page_size)),
    };
    let listing = data.list(kind, &params, offset, limit);
    let mut out = Vec::with_capacity(listing.items.len() * 2048 + 128);
    let written: std::io::Result<()> = (|| {
        if bare.is_none() {
            write!(
                out,
                r#"{{"paging":{{"offset":{},"limit":{},"count":{},"total":{}}},"{}":"#,
                listing.offset,
                listing.limit,
                listing.items.len(),
                listing.total,
                kind.list_key()
            )?;
        }
        out.push(b'[');
        for (index, item) in listing.items.iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            serde_json::to_writer(&mut out, item)?;
        }
        out.push(b']');
        if bare.is_none() {
            out.push(b'}');
        }
        Ok(())
    })();
    match written {
        Ok(()) => json_bytes(StatusCode::OK, out),
        Err(_) => status_text(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

fn parse_body(body: &Bytes) -> Option<Value> {
    serde_json::from_slice(body).ok()
}

fn not_json() -> Response {
    text(
        StatusCode::BAD_REQUEST,
        "400 Bad Request: the body is not JSON",
    )
}

fn item_response(result: Result<Map<String, Value>, Refusal>) -> Response {
    match result {
        Ok(item) => json_value(StatusCode::OK, &item),
        Err(why) => refusal(&why),
    }
}

async fn create(
    State(shared): State<Arc<Shared>>,
    Path(resource): Path<String>,
    body: Bytes,
) -> Response {
    let Some(kind) = kind_of(&resource) else {
        return status_text(StatusCode::NOT_FOUND);
    };
    let Some(body) = parse_body(&body) else {
        return not_json();
    };
    let mut data = shared.lock();
    item_response(if kind == ResourceKind::Stock {
        data.set_stock(body)
    } else {
        data.create(kind, body)
    })
}

async fn put_collection(
    State(shared): State<Arc<Shared>>,
    Path(resource): Path<String>,
    body: Bytes,
) -> Response {
    match kind_of(&resource) {
        Some(ResourceKind::Stock) => {}
        Some(_) => return status_text(StatusCode::METHOD_NOT_ALLOWED),
        None => return status_text(StatusCode::NOT_FOUND),
    }
    let Some(body) = parse_body(&body) else {
        return not_json();
    };
    item_response(shared.lock().set_stock(body))
}

fn target(resource: &str, id: &str) -> Option<(ResourceKind, u64)> {
    Some((kind_of(resource)?, id.trim().parse().ok()?))
}

async fn get_one(
    State(shared): State<Arc<Shared>>,
    Path((resource, id)): Path<(String, String)>,
) -> Response {
    let Some((kind, id)) = target(&resource, &id) else {
        return status_text(StatusCode::NOT_FOUND);
    };
    item_response(shared.lock().get(kind, id))
}

async fn update(
    State(shared): State<Arc<Shared>>,
    Path((resource, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let Some((kind, id)) = target(&resource, &id) else {
        return status_text(StatusCode::NOT_FOUND);
    };
    let Some(body) = parse_body(&body) else {
        return not_json();
    };
    item_response(shared.lock().update(kind, id, body))
}

async fn delete(
    State(shared): State<Arc<Shared>>,
    Path((resource, id)): Path<(String, String)>,
) -> Response {
    let Some((kind, id)) = target(&resource, &id) else {
        return status_text(StatusCode::NOT_FOUND);
    };
    match shared.lock().delete(kind, id) {
        Ok(()) => json_value(StatusCode::OK, &json!({"success": true})),
        Err(why) => refusal(&why),
    }
}

async fn self_info(State(shared): State<Arc<Shared>>) -> Response {
    let info = shared.lock().self_info.clone();
    json_value(StatusCode::OK, &info)
}

async fn app_status(State(shared): State<Arc<Shared>>) -> Response {
    let body = match &shared.lock().app_status {
        AppStatusBody::Installed(ids) => Value::Array(
            ids.iter()
                .map(|id| json!({"webshop_id": id, "installed": 1_692_857_535}))
                .collect(),
        ),
        AppStatusBody::Raw(raw) => raw.clone(),
    };
    json_value(StatusCode::OK, &body)
}

async fn not_found() -> Response {
    status_text(StatusCode::NOT_FOUND)
}
