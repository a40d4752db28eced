//! [`RestError`]: everything a REST call can fail with, typed, with the status and body the
//! platform sent (JSON or plain text such as `410 Gone`).

use std::fmt;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;

/// How much of an error body is kept (bytes); the rest is cut at a character boundary.
pub(crate) const MAX_ERROR_BODY: usize = 16 * 1024;

/// How much of an error body is shown in an error message (characters).
const SHOWN_BODY_CHARS: usize = 200;

/// The body of an unsuccessful response, as the platform sent it.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorBody {
    /// No body.
    Empty,
    /// A JSON body.
    Json(Value),
    /// Any other body, as text (Shoporama answers `410 Gone` in plain text). Bodies over 16 KiB
    /// are cut.
    Text(String),
}

impl ErrorBody {
    /// Classifies raw bytes: JSON when they parse as JSON, text otherwise.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Self {
        let trimmed = bytes.trim_ascii();
        if trimmed.is_empty() {
            return Self::Empty;
        }
        if matches!(trimmed.first(), Some(b'{' | b'[' | b'"'))
            && let Ok(value) = serde_json::from_slice::<Value>(trimmed)
        {
            return Self::Json(value);
        }
        let kept = &bytes[..bytes.len().min(MAX_ERROR_BODY)];
        Self::Text(String::from_utf8_lossy(kept).trim().to_owned())
    }

    /// The body as text (JSON rendered compactly).
    pub fn as_text(&self) -> String {
        match self {
            Self::Empty => String::new(),
            Self::Json(value) => value.to_string(),
            Self::Text(text) => text.clone(),
        }
    }
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.as_text();
        match text.char_indices().nth(SHOWN_BODY_CHARS) {
            Some((cut, _)) => write!(f, "{}…", &text[..cut]),
            None => f.write_str(&text),
        }
    }
}

/// An unsuccessful HTTP answer: which request, the status and the body.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The request's method.
    pub method: Method,
    /// The request's path below the base URL, without the query (`product/42`).
    pub path: String,
    /// The status the platform answered.
    pub status: StatusCode,
    /// The body the platform answered.
    pub body: ErrorBody,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} answered {}", self.method, self.path, self.status)?;
        if self.body != ErrorBody::Empty {
            write!(f, ": {}", self.body)?;
        }
        Ok(())
    }
}

/// Everything a REST call can fail with. No variant contains the token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RestError {
    /// 401: the token is unknown, revoked (the shop uninstalled the app) or malformed.
    #[error("unauthorized: {0}")]
    Unauthorized(Box<ApiError>),
    /// 403: the token lacks the access this call needs (read / write / all).
    #[error("forbidden: {0}")]
    Forbidden(Box<ApiError>),
    /// 404: no such resource or item.
    #[error("not found: {0}")]
    NotFound(Box<ApiError>),
    /// 410: the item was deleted (Shoporama answers the plain text `410 Gone`).
    #[error("gone: {0}")]
    Gone(Box<ApiError>),
    /// 429: the platform refused the call for its rate limit, after the retries the
    /// [`RetryPolicy`](super::RetryPolicy) allowed (none for POST).
    #[error("rate limited: {error}")]
    RateLimited {
        /// The answer.
        error: Box<ApiError>,
        /// The `Retry-After` the platform sent, in seconds, if any.
        retry_after: Option<Duration>,
    },
    /// Any other unsuccessful status (other 4xx; 5xx after the retries).
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The shop's daily budget is spent: the call was **not** sent.
    #[error(
        "the shop's daily REST budget is spent ({used} of {limit} calls); the call was not sent"
    )]
    BudgetExhausted {
        /// The token's daily limit.
        limit: u64,
        /// Calls counted today.
        used: u64,
    },
    /// Pacing would hold the call back longer than
    /// [`PacingPolicy::max_wait`](super::PacingPolicy::max_wait); the call was not sent.
    #[error("pacing would delay the call by {}s, more than allowed; the call was not sent", wait.as_secs())]
    Paced {
        /// How long the call would have waited.
        wait: Duration,
    },
    /// The request timed out on every attempt allowed.
    #[error("{method} {path} timed out ({attempts} attempt(s))")]
    Timeout {
        /// The request's method.
        method: Method,
        /// The request's path.
        path: String,
        /// How many attempts were made.
        attempts: u32,
    },
    /// The request could not be sent or its answer not read (connection refused, TLS, reset).
    #[error("{method} {path} failed: {source}")]
    Transport {
        /// The request's method.
        method: Method,
        /// The request's path.
        path: String,
        /// The cause (its URL removed).
        #[source]
        source: reqwest::Error,
    },
    /// A successful answer whose body is not the JSON expected.
    #[error("{method} {path}: unexpected response: {source}")]
    Decode {
        /// The request's method.
        method: Method,
        /// The request's path.
        path: String,
        /// What did not parse.
        #[source]
        source: serde_json::Error,
    },
    /// A list answer with no list in it.
    #[error("{path}: the answer holds no list (expected `{key}`, an array, or a bare array)")]
    NotAList {
        /// The request's path.
        path: String,
        /// The list key expected.
        key: String,
    },
    /// The request body could not be encoded as JSON.
    #[error("could not encode the request body: {0}")]
    Encode(#[source] serde_json::Error),
    /// The token contains characters an HTTP header cannot carry.
    #[error("the REST token cannot be sent in an HTTP header (it contains control characters)")]
    InvalidToken,
    /// The configuration cannot make requests (a malformed base URL, an HTTP client that
    /// failed to build).
    #[error("invalid REST configuration: {0}")]
    Config(String),
    /// The shared budget ledger (in the app's database) could not be read or written; the
    /// call was not sent.
    #[error("the REST budget ledger failed; the call was not sent: {0}")]
    Ledger(#[source] crate::store::StoreError),
}

impl RestError {
    /// The platform's answer, for the variants that have one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Self::Unauthorized(e)
            | Self::Forbidden(e)
            | Self::NotFound(e)
            | Self::Gone(e)
            | Self::Api(e) => Some(e),
            Self::RateLimited { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The HTTP status the platform answered, if it answered.
    pub fn status(&self) -> Option<StatusCode> {
        self.api_error().map(|e| e.status)
    }

    /// The body the platform answered, if it answered.
    pub fn body(&self) -> Option<&ErrorBody> {
        self.api_error().map(|e| &e.body)
    }

    /// Whether the item does not exist (404) or was deleted (410).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound(_) | Self::Gone(_))
    }

    /// Whether the error is about the call budget (ours or the platform's): waiting helps,
    /// retrying now does not.
    pub fn is_rate_limit(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::BudgetExhausted { .. } | Self::Paced { .. }
        )
    }

    /// Maps an unsuccessful answer to its variant.
    pub(crate) fn from_status(error: ApiError, retry_after: Option<Duration>) -> Self {
        let error = Box::new(error);
        match error.status {
            StatusCode::UNAUTHORIZED => Self::Unauthorized(error),
            StatusCode::FORBIDDEN => Self::Forbidden(error),
            StatusCode::NOT_FOUND => Self::NotFound(error),
            StatusCode::GONE => Self::Gone(error),
            StatusCode::TOO_MANY_REQUESTS => Self::RateLimited { error, retry_after },
            _ => Self::Api(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, body: &[u8]) -> ApiError {
        ApiError {
            method: Method::GET,
            path: "product/1".into(),
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT),
            body: ErrorBody::from_bytes(body),
        }
    }

    #[test]
    fn bodies_are_json_text_or_empty() {
        assert_eq!(
            ErrorBody::from_bytes(b"410 Gone"),
            ErrorBody::Text("410 Gone".into())
        );
        assert_eq!(ErrorBody::from_bytes(b" \n"), ErrorBody::Empty);
        assert_eq!(
            ErrorBody::from_bytes(br#"{"error":"x"}"#),
            ErrorBody::Json(serde_json::json!({"error": "x"}))
        );
        assert_eq!(
            ErrorBody::from_bytes(b"{broken"),
            ErrorBody::Text("{broken".into())
        );
        let long = vec![b'a'; MAX_ERROR_BODY * 2];
        assert!(
            matches!(ErrorBody::from_bytes(&long), ErrorBody::Text(t) if t.len() == MAX_ERROR_BODY)
        );
    }

    #[test]
    fn statuses_map_to_variants() {
        assert!(matches!(
            RestError::from_status(api(401, b""), None),
            RestError::Unauthorized(_)
        ));
        assert!(matches!(
            RestError::from_status(api(403, b""), None),
            RestError::Forbidden(_)
        ));
        assert!(matches!(
            RestError::from_status(api(404, b""), None),
            RestError::NotFound(_)
        ));
        assert!(matches!(
            RestError::from_status(api(410, b"410 Gone"), None),
            RestError::Gone(_)
        ));
        let limited = RestError::from_status(api(429, b""), Some(Duration::from_secs(3)));
        assert!(
            matches!(limited, RestError::RateLimited { retry_after: Some(d), .. } if d.as_secs() == 3)
        );
        assert!(matches!(
            RestError::from_status(api(422, b""), None),
            RestError::Api(_)
        ));
        let gone = RestError::from_status(api(410, b"410 Gone"), None);
        assert_eq!(gone.status(), Some(StatusCode::GONE));
        assert!(gone.is_not_found());
        assert_eq!(
            gone.to_string(),
            "gone: GET product/1 answered 410 Gone: 410 Gone"
        );
    }

    #[test]
    fn long_bodies_are_shortened_in_messages() {
        let text = "x".repeat(1000);
        let shown = api(500, text.as_bytes()).to_string();
        assert!(shown.len() < 300, "{shown}");
        assert!(shown.ends_with('…'));
    }
}
