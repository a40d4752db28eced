//! Error answers: every one is JSON `{"error": "…"}`, with detail fields where useful.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::{Map, Value, json};

/// An HTTP error answer with a JSON body.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    body: Map<String, Value>,
    /// The `Retry-After` header, in seconds.
    retry_after: Option<u64>,
}

impl ApiError {
    /// An error with this status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        let mut body = Map::new();
        body.insert("error".to_owned(), Value::String(message.into()));
        Self {
            status,
            body,
            retry_after: None,
        }
    }

    /// Asks the caller to try again after `delay`: a `Retry-After` header in whole seconds
    /// (rounded up, at least 1), and the same number as `retry_after` in the body.
    #[must_use]
    pub fn with_retry_after(mut self, delay: std::time::Duration) -> Self {
        let secs = crate::app::retry_after_secs(delay);
        self.retry_after = Some(secs);
        self.with("retry_after", secs)
    }

    /// The `Retry-After` the answer carries, in seconds.
    pub fn retry_after(&self) -> Option<u64> {
        self.retry_after
    }

    /// Adds a detail field to the body.
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.body.insert(key.to_owned(), value.into());
        self
    }

    /// 400 Bad Request.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 401 Unauthorized.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    /// 404 Not Found.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 500 Internal Server Error.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// A detail field of the body (`line`, `column`, `limit`, …).
    pub fn detail(&self, key: &str) -> Option<&Value> {
        self.body.get(key)
    }

    /// The `error` message.
    pub fn message(&self) -> &str {
        self.body
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(Value::Object(self.body))).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
        }
        response
    }
}

/// A 200 answer with `{"status": status}` and optional details.
pub(crate) fn ok(status: &str) -> Response {
    Json(json!({ "status": status })).into_response()
}

/// The JSON answer for a route that does not exist.
pub(crate) async fn not_found_route(uri: http::Uri) -> ApiError {
    ApiError::not_found(format!("no route for {}", uri.path()))
}

/// The JSON answer for a wrong method.
pub(crate) async fn method_not_allowed(method: http::Method, uri: http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("method {method} is not allowed on {}", uri.path()),
    )
}

/// The JSON answer when a handler panicked.
#[allow(clippy::needless_pass_by_value)] // tower-http's `CatchPanicLayer::custom` passes the payload by value
pub(crate) fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = panic_message(&*panic);
    tracing::error!(panic = %detail, "a handler panicked");
    ApiError::internal(format!("the app panicked: {detail}")).into_response()
}

/// The message of a panic payload.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_owned()
    }
}
