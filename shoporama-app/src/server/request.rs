//! Reading a callback request: its query, its body (within the limit) and its JSON.

use std::borrow::Cow;

use axum::body::Body;
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::{Map, Value};

use super::conn::BodyTimeout;
use super::error::ApiError;

/// The callback's query: `?type=…&webshop_id=…` (and `name` for list requests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackQuery {
    /// The callback type (`install`, `paid`, …).
    pub kind: String,
    /// The webshop.
    pub webshop_id: u64,
}

/// The query's parameters as given, borrowed from the query string unless an escape had to
/// be decoded.
#[derive(Default)]
pub(crate) struct RawQuery<'q> {
    pub(crate) kind: Option<Cow<'q, str>>,
    pub(crate) webshop_id: Option<Cow<'q, str>>,
    pub(crate) name: Option<Cow<'q, str>>,
}

/// Parses the raw query string leniently: unknown parameters are ignored.
/// A parameter given twice is an error, as it would be for any typed query.
pub(crate) fn raw_query(query: Option<&str>) -> Result<RawQuery<'_>, ApiError> {
    let mut raw = RawQuery::default();
    let Some(query) = query else {
        return Ok(raw);
    };
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let slot = match &*key {
            "type" => &mut raw.kind,
            "webshop_id" => &mut raw.webshop_id,
            "name" => &mut raw.name,
            _ => continue,
        };
        if slot.is_some() {
            return Err(ApiError::bad_request(format!(
                "invalid query string: duplicate field `{key}`"
            )));
        }
        *slot = Some(value);
    }
    Ok(raw)
}

impl CallbackQuery {
    pub(crate) fn from_raw(raw: &RawQuery<'_>) -> Result<Self, ApiError> {
        let kind = raw
            .kind
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| ApiError::bad_request("missing query parameter `type`"))?;
        if kind.len() > 64
            || !kind
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
        {
            return Err(ApiError::bad_request(
                "invalid query parameter `type`: expected a name like `paid`",
            )
            .with("type", kind.chars().take(64).collect::<String>()));
        }
        let webshop_id = parse_webshop_id(raw.webshop_id.as_deref())?
            .ok_or_else(|| ApiError::bad_request("missing query parameter `webshop_id`"))?;
        Ok(Self {
            kind: kind.to_owned(),
            webshop_id,
        })
    }
}

/// `webshop_id` as a positive integer; `None` when absent.
pub(crate) fn parse_webshop_id(raw: Option<&str>) -> Result<Option<u64>, ApiError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    match raw.parse::<u64>() {
        Ok(id) if id > 0 && i64::try_from(id).is_ok() => Ok(Some(id)),
        _ => Err(ApiError::bad_request(
            "invalid query parameter `webshop_id`: expected a positive integer",
        )
        .with("webshop_id", raw.chars().take(64).collect::<String>())),
    }
}

/// Reads the whole body, refusing more than `limit` bytes with 413.
pub(crate) async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than the limit of {limit} bytes"),
        )
        .with("limit", limit)
    };
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large());
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<LengthLimitError>() => Err(too_large()),
        Err(error) => match cause::<BodyTimeout>(&*error) {
            Some(timeout) => Err(
                ApiError::new(StatusCode::REQUEST_TIMEOUT, timeout.to_string()).with(
                    "timeout_ms",
                    u64::try_from(timeout.timeout.as_millis()).unwrap_or(u64::MAX),
                ),
            ),
            None => Err(ApiError::bad_request(format!(
                "could not read the body: {error}"
            ))),
        },
    }
}

/// The first error of type `E` in `error`'s chain of sources.
fn cause<'a, E: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a E> {
    std::iter::successors(Some(error), |e| e.source()).find_map(|e| e.downcast_ref::<E>())
}

/// Whether the request says its body is form-encoded (`application/x-www-form-urlencoded`).
pub(crate) fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.trim_start()
                .starts_with("application/x-www-form-urlencoded")
        })
}

/// The body as JSON. An empty body is `null`; a form-encoded body (by content type) becomes
/// an object of strings; anything else must be JSON, or 400 with the line and column.
pub(crate) fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    let is_form = is_form(headers);
    if is_form {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
            .map_err(|e| ApiError::bad_request(format!("invalid form body: {e}")))?;
        return Ok(Value::Object(
            pairs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect::<Map<_, _>>(),
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!("invalid JSON body: {e}"))
            .with("line", e.line())
            .with("column", e.column())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(q: &str) -> Result<CallbackQuery, ApiError> {
        CallbackQuery::from_raw(&raw_query(Some(q))?)
    }

    #[test]
    fn query_parsing() {
        assert_eq!(
            query("type=paid&webshop_id=42").unwrap(),
            CallbackQuery {
                kind: "paid".into(),
                webshop_id: 42
            }
        );
        assert_eq!(
            query("webshop_id=%2042&type=paid&extra=1")
                .unwrap()
                .webshop_id,
            42
        );
        assert_eq!(
            query("webshop_id=42").unwrap_err().message(),
            "missing query parameter `type`"
        );
        assert_eq!(
            query("type=paid").unwrap_err().message(),
            "missing query parameter `webshop_id`"
        );
        assert_eq!(
            query("type=new%5Fstatus&webshop_id=7+").unwrap().kind,
            "new_status",
            "percent-escapes and `+` are decoded"
        );
        assert_eq!(
            query("type=paid&webshop_id=1&type=paid")
                .unwrap_err()
                .message(),
            "invalid query string: duplicate field `type`"
        );
        for bad in [
            "type=paid&webshop_id=abc",
            "type=paid&webshop_id=-1",
            "type=paid&webshop_id=0",
            "type=paid&webshop_id=99999999999999999999",
        ] {
            assert!(
                query(bad)
                    .unwrap_err()
                    .message()
                    .starts_with("invalid query parameter `webshop_id`"),
                "{bad}"
            );
        }
        assert!(
            query("type=%3Cscript%3E&webshop_id=1")
                .unwrap_err()
                .message()
                .starts_with("invalid query parameter `type`")
        );
        assert_eq!(
            query("type=&webshop_id=1").unwrap_err().message(),
            "missing query parameter `type`"
        );
    }

    #[test]
    fn json_errors_have_line_and_column() {
        let error = parse_body(&HeaderMap::new(), b"{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
        assert!(
            error
                .message()
                .starts_with("invalid JSON body: expected `:` at line 3 column 7"),
            "{}",
            error.message()
        );
        assert_eq!(error.detail("line"), Some(&serde_json::json!(3)));
        assert_eq!(error.detail("column"), Some(&serde_json::json!(7)));
    }

    #[test]
    fn empty_and_form_bodies() {
        assert_eq!(parse_body(&HeaderMap::new(), b"  ").unwrap(), Value::Null);
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded".parse().unwrap(),
        );
        assert_eq!(
            parse_body(&headers, b"order_id=5&x=%C3%A6").unwrap(),
            serde_json::json!({"order_id": "5", "x": "æ"})
        );
    }
}
