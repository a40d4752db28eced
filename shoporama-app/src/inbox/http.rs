//! `GET /inbox/dead-letters`: the dead jobs as JSON, for operators and dashboards.

use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};

use super::{Job, JobState};
use crate::app::ShoporamaApp;
use crate::server::{APP_TOKEN_HEADER, ApiError, AppRuntime};

/// The route.
pub(crate) const DEAD_LETTERS_PATH: &str = "/inbox/dead-letters";

/// The largest `limit` honoured.
const MAX_LIMIT: u32 = 1000;

/// `?webshop_id=…&limit=…`, both optional (default limit 100).
#[derive(Debug, Deserialize)]
pub(crate) struct DeadLetterQuery {
    webshop_id: Option<u64>,
    limit: Option<u32>,
}

#[derive(Serialize)]
struct DeadLetters {
    count: usize,
    dead_letters: Vec<Job>,
}

/// Answers the dead jobs, newest first. Requires `x-app-token` (401 otherwise); 404 when the
/// runtime has no inbox; 503 when the database fails.
pub(crate) async fn dead_letters<A: ShoporamaApp>(
    State(runtime): State<AppRuntime<A>>,
    headers: HeaderMap,
    query: Result<Query<DeadLetterQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some(token) = headers.get(APP_TOKEN_HEADER) else {
        return ApiError::unauthorized("missing x-app-token header").into_response();
    };
    if !runtime.config().tokens.accepts(token.as_bytes()) {
        return ApiError::unauthorized("invalid x-app-token header").into_response();
    }
    let Ok(Query(query)) = query else {
        return ApiError::bad_request(
            "invalid query: expected optional `webshop_id` and `limit` (positive integers)",
        )
        .into_response();
    };
    let Some(inbox) = runtime.inbox() else {
        return ApiError::not_found("this app runs without an inbox").into_response();
    };
    let limit = query.limit.unwrap_or(100).clamp(1, MAX_LIMIT);
    match inbox
        .list(Some(JobState::Dead), query.webshop_id, limit)
        .await
    {
        Ok(jobs) => Json(DeadLetters {
            count: jobs.len(),
            dead_letters: jobs,
        })
        .into_response(),
        Err(error) => {
            tracing::error!(%error, "listing dead letters failed");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the inbox failed: {error}"),
            )
            .into_response()
        }
    }
}
