//! The inbox's routes, for operators and dashboards (both need `x-app-token`):
//! `GET /inbox/dead-letters`, the dead jobs as JSON, and `GET /inbox/status`, how many jobs
//! are in each state.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode, Uri};
use serde::{Deserialize, Serialize};

use super::{ApiError, AppRuntime};
use crate::app::ShoporamaApp;
use crate::inbox::{Job, JobState};

/// The dead letters' route.
pub(super) const DEAD_LETTERS_PATH: &str = "/inbox/dead-letters";
/// The status route.
pub(super) const STATUS_PATH: &str = "/inbox/status";

/// The largest `limit` honoured.
const MAX_LIMIT: u32 = 1000;
/// The `limit` when none is given.
const DEFAULT_LIMIT: u32 = 100;

/// `?webshop_id=…&limit=…`, both optional (default limit 100).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct DeadLetterQuery {
    webshop_id: Option<u64>,
    limit: u32,
}

#[derive(Deserialize, Default)]
struct RawDeadLetterQuery {
    webshop_id: Option<String>,
    limit: Option<String>,
}

impl DeadLetterQuery {
    /// Reads the query: `webshop_id` a positive integer the store can keep, `limit` a positive
    /// integer (larger than [`MAX_LIMIT`] is [`MAX_LIMIT`]); unknown parameters are ignored.
    fn parse(query: Option<&str>) -> Result<Self, ApiError> {
        let raw: RawDeadLetterQuery = match query {
            None => RawDeadLetterQuery::default(),
            Some(query) => serde_urlencoded::from_str(query)
                .map_err(|e| ApiError::bad_request(format!("invalid query string: {e}")))?,
        };
        let webshop_id = super::parse_webshop_id(raw.webshop_id.as_deref())?;
        let limit = match raw
            .limit
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            None => DEFAULT_LIMIT,
            Some(limit) if !limit.is_empty() && limit.bytes().all(|b| b.is_ascii_digit()) => {
                limit.parse::<u64>().map_or(MAX_LIMIT, |n| {
                    u32::try_from(n.clamp(1, u64::from(MAX_LIMIT))).unwrap_or(MAX_LIMIT)
                })
            }
            Some(limit) => {
                return Err(ApiError::bad_request(
                    "invalid query parameter `limit`: expected a positive integer",
                )
                .with("limit", limit.chars().take(64).collect::<String>()));
            }
        };
        Ok(Self { webshop_id, limit })
    }
}

#[derive(Serialize)]
struct DeadLetters {
    count: usize,
    dead_letters: Vec<Job>,
}

/// Answers the dead jobs, newest first. Requires `x-app-token` (401 otherwise); 404 when the
/// runtime has no inbox; 503 when the database fails.
pub(super) async fn dead_letters<A: ShoporamaApp>(
    State(runtime): State<AppRuntime<A>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if let Err(refused) = super::callback::verify_token(&runtime, &headers) {
        return refused.into_response();
    }
    let query = match DeadLetterQuery::parse(uri.query()) {
        Ok(query) => query,
        Err(error) => return error.into_response(),
    };
    let Some(inbox) = runtime.inbox() else {
        return no_inbox();
    };
    match inbox
        .list(Some(JobState::Dead), query.webshop_id, query.limit)
        .await
    {
        Ok(jobs) => Json(DeadLetters {
            count: jobs.len(),
            dead_letters: jobs,
        })
        .into_response(),
        Err(error) => inbox_failed(&error),
    }
}

/// How many jobs are in each state (every state named, zero included), and the dead letters
/// among them, for a dashboard or an alert.
#[derive(Serialize)]
struct Status {
    pending: u64,
    running: u64,
    done: u64,
    dead: u64,
}

/// Answers the inbox's job counts: `{"pending":…,"running":…,"done":…,"dead":…}`. Requires
/// `x-app-token` (401 otherwise); 404 when the runtime has no inbox; 503 when the database
/// fails.
pub(super) async fn status<A: ShoporamaApp>(
    State(runtime): State<AppRuntime<A>>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = super::callback::verify_token(&runtime, &headers) {
        return refused.into_response();
    }
    let Some(inbox) = runtime.inbox() else {
        return no_inbox();
    };
    match inbox.counts().await {
        Ok(counts) => {
            let count = |state| {
                counts
                    .iter()
                    .find(|(s, _)| *s == state)
                    .map_or(0, |(_, n)| *n)
            };
            Json(Status {
                pending: count(JobState::Pending),
                running: count(JobState::Running),
                done: count(JobState::Done),
                dead: count(JobState::Dead),
            })
            .into_response()
        }
        Err(error) => inbox_failed(&error),
    }
}

fn no_inbox() -> Response {
    ApiError::not_found("this app runs without an inbox").into_response()
}

fn inbox_failed(error: &crate::inbox::InboxError) -> Response {
    tracing::error!(%error, "reading the inbox failed");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        format!("the inbox failed: {error}"),
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> Result<DeadLetterQuery, String> {
        DeadLetterQuery::parse(Some(query)).map_err(|e| e.message().to_owned())
    }

    #[test]
    fn query() {
        assert_eq!(
            DeadLetterQuery::parse(None).unwrap(),
            DeadLetterQuery {
                webshop_id: None,
                limit: 100
            }
        );
        assert_eq!(
            parse("webshop_id=7&limit=5&other=x").unwrap(),
            DeadLetterQuery {
                webshop_id: Some(7),
                limit: 5
            }
        );
        assert_eq!(parse("limit=0").unwrap().limit, 1);
        assert_eq!(parse("limit=5000").unwrap().limit, MAX_LIMIT);
        assert_eq!(
            parse("limit=99999999999999999999999").unwrap().limit,
            MAX_LIMIT
        );
        assert_eq!(
            parse("webshop_id=9223372036854775807").unwrap().webshop_id,
            Some(i64::MAX.unsigned_abs())
        );
        for bad in [
            "webshop_id=9223372036854775808",
            "webshop_id=18446744073709551616",
            "webshop_id=0",
            "webshop_id=-1",
            "webshop_id=%zz",
        ] {
            assert!(
                parse(bad)
                    .unwrap_err()
                    .starts_with("invalid query parameter `webshop_id`"),
                "{bad}"
            );
        }
        for bad in ["limit=-1", "limit=ten", "limit=1.5"] {
            assert!(
                parse(bad)
                    .unwrap_err()
                    .starts_with("invalid query parameter `limit`"),
                "{bad}"
            );
        }
    }
}
