//! External lists (`GET /lists/{name}`, `GET /callback?type=list&name=…`) and `GET /healthz`.

use std::borrow::Cow;

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use serde_json::{Map, Value};

use super::AppRuntime;
use super::callback::{verify_source, verify_token};
use super::dispatch::run_handler;
use super::error::ApiError;
use super::lifecycle::store_error;
use super::request::{parse_webshop_id, raw_query};
use crate::app::ShoporamaApp;

pub(super) async fn handle_path<A: ShoporamaApp>(
    State(runtime): State<AppRuntime<A>>,
    name: Result<Path<String>, PathRejection>,
    parts: Parts,
) -> Response {
    let name = match name {
        Ok(Path(name)) => name,
        Err(rejection) => {
            return ApiError::bad_request(format!(
                "invalid list name in the path: {}",
                rejection.body_text()
            ))
            .into_response();
        }
    };
    respond(list(&runtime, &parts, Some(name)).await)
}

pub(super) async fn handle_query<A: ShoporamaApp>(
    State(runtime): State<AppRuntime<A>>,
    parts: Parts,
) -> Response {
    respond(list(&runtime, &parts, None).await)
}

fn respond(result: Result<Response, ApiError>) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn list<A: ShoporamaApp>(
    runtime: &AppRuntime<A>,
    parts: &Parts,
    path_name: Option<String>,
) -> Result<Response, ApiError> {
    verify_source(runtime, parts)?;
    if runtime.config().lists_require_token {
        verify_token(runtime, &parts.headers)?;
    }
    let query = raw_query(parts.uri.query())?;
    let name = if let Some(name) = path_name {
        name
    } else {
        if query.kind.as_deref() != Some("list") {
            return Err(ApiError::new(
                http::StatusCode::METHOD_NOT_ALLOWED,
                "callbacks are POSTed; GET on the callback path serves external lists only (`?type=list&name=…`)",
            ));
        }
        query
            .name
            .map(Cow::into_owned)
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| ApiError::bad_request("missing query parameter `name`"))?
    };
    if !runtime.declares_external_list(&name) {
        return Err(
            ApiError::not_found(format!("unknown external list `{name}`")).with("list", name),
        );
    }
    let shop = match parse_webshop_id(query.webshop_id.as_deref())? {
        None => None,
        Some(webshop_id) => runtime
            .lookup(webshop_id)
            .await
            .map_err(|e| store_error(&e))?
            .and_then(|cached| cached.shop),
    };
    let options = run_handler(runtime, runtime.app().external_list(&name, shop.as_ref())).await?;
    // A JSON object in option order (serde_json's `preserve_order` keeps insertion order).
    let object: Map<String, Value> = options
        .into_iter()
        .map(|(key, label)| (key, Value::String(label)))
        .collect();
    Ok(Json(Value::Object(object)).into_response())
}

pub(super) async fn health<A: ShoporamaApp>(State(runtime): State<AppRuntime<A>>) -> Response {
    match runtime.store().health().await {
        Ok(()) => super::error::ok("ok"),
        Err(error) => {
            tracing::error!(%error, "health check failed");
            ApiError::new(
                http::StatusCode::SERVICE_UNAVAILABLE,
                format!("the install store is unavailable: {error}"),
            )
            .into_response()
        }
    }
}
