//! Errors of the e-conomic client, carrying e-conomic's own error body.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shoporama_app::effects::EffectFailure;

/// e-conomic's error document (economic-api.md §1.4): the generic shape (`message`,
/// `developerHint`, `logId`, `httpStatusCode`, `logTime`), an optional top-level `errorCode`, and
/// for validation errors the annotated `errors` tree mirroring the request document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiErrorBody {
    /// Human-readable message (`"Validation error."`, `"Resource not found."`).
    #[serde(default)]
    pub message: String,
    /// Machine-readable code, when e-conomic sends one at the top level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// A hint for the developer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub developer_hint: Option<String>,
    /// e-conomic's log id: quote it to their support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_id: Option<String>,
    /// The status code, repeated in the body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status_code: Option<u16>,
    /// When e-conomic logged the error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_time: Option<String>,
    /// The annotated validation errors: a mirror of the request where each failing property is
    /// `{"errors":[{errorCode, message, value, developerHint}]}` and array items carry
    /// `arrayIndex`. Read it flattened with [`ApiErrorBody::field_errors`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Value>,
}

/// One failing property of a validation error, flattened out of the annotated tree.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// Where in the request document: `currency`, `recipient.vatZone`, `lines[2].product`.
    pub path: String,
    /// e-conomic's code (`E06000` "does not exist", `E04740` "more than two decimals").
    pub error_code: Option<String>,
    /// The message.
    pub message: String,
    /// The offending value, as e-conomic echoed it.
    pub value: Option<Value>,
    /// e-conomic's hint.
    pub developer_hint: Option<String>,
}

impl ApiErrorBody {
    /// The validation errors as a flat list, in document order.
    pub fn field_errors(&self) -> Vec<FieldError> {
        let mut found = Vec::new();
        if let Some(tree) = &self.errors {
            collect_field_errors(tree, "", &mut found);
        }
        found
    }
}

fn is_leaf_error(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|object| object.contains_key("message") || object.contains_key("errorCode"))
}

fn collect_field_errors(node: &Value, path: &str, found: &mut Vec<FieldError>) {
    match node {
        Value::Object(object) => {
            for (key, child) in object {
                if key == "errors" {
                    if let Value::Array(items) = child
                        && items.iter().all(is_leaf_error)
                    {
                        for item in items {
                            found.push(field_error(path, item));
                        }
                        continue;
                    }
                    collect_field_errors(child, path, found);
                } else if key == "arrayIndex" {
                    // Consumed by the parent array.
                } else {
                    let child_path = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    collect_field_errors(child, &child_path, found);
                }
            }
        }
        Value::Array(items) => {
            for (position, item) in items.iter().enumerate() {
                let index = item
                    .get("arrayIndex")
                    .and_then(Value::as_u64)
                    .unwrap_or(position as u64);
                if is_leaf_error(item) {
                    found.push(field_error(path, item));
                } else {
                    collect_field_errors(item, &format!("{path}[{index}]"), found);
                }
            }
        }
        _ => {}
    }
}

fn field_error(path: &str, item: &Value) -> FieldError {
    let text = |key: &str| item.get(key).and_then(Value::as_str).map(str::to_owned);
    FieldError {
        path: path.to_owned(),
        error_code: text("errorCode"),
        message: text("message").unwrap_or_default(),
        value: item.get("value").cloned(),
        developer_hint: text("developerHint"),
    }
}

/// e-conomic answered with an error status.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The HTTP method of the failed request.
    pub method: String,
    /// The path of the failed request (without the base URL or query).
    pub path: String,
    /// The HTTP status.
    pub status: u16,
    /// The error document (a synthesised one with the raw text as `message` when the body was
    /// not e-conomic's JSON).
    pub body: ApiErrorBody,
    /// The `Retry-After` delay, when e-conomic sent one (429).
    pub retry_after: Option<Duration>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "e-conomic answered {} to {} {}: {}",
            self.status, self.method, self.path, self.body.message
        )?;
        if let Some(code) = &self.body.error_code {
            write!(f, " ({code})")?;
        }
        for field in self.body.field_errors() {
            write!(f, "; {}: {}", field.path, field.message)?;
            if let Some(code) = &field.error_code {
                write!(f, " ({code})")?;
            }
        }
        if let Some(log_id) = &self.body.log_id {
            write!(f, " [logId {log_id}]")?;
        }
        Ok(())
    }
}

/// An e-conomic error as a keyed effect's failure ([`shoporama_app::Shop::once`]):
/// retryable when it is [transient](Error::is_transient) (429, 5xx, no answer), permanent
/// otherwise; e-conomic's message either way.
impl From<Error> for EffectFailure {
    fn from(error: Error) -> Self {
        if error.is_transient() {
            Self::retryable(error)
        } else {
            Self::permanent(error)
        }
    }
}

/// Says what was being done when a keyed effect failed: `result.during("creating the
/// draft")?` gives `creating the draft: <the error>`, retryable exactly when the error is.
pub trait During<T> {
    /// The result, its error turned into an effect failure that says what was being done.
    fn during(self, doing: &str) -> Result<T, EffectFailure>;
}

impl<T, E: Into<EffectFailure>> During<T> for Result<T, E> {
    fn during(self, doing: &str) -> Result<T, EffectFailure> {
        self.map_err(|error| {
            let failure = error.into();
            let message = format!("{doing}: {failure}");
            if failure.is_retryable() {
                EffectFailure::retryable(message)
            } else {
                EffectFailure::permanent(message)
            }
        })
    }
}

/// Everything the e-conomic client can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// e-conomic answered with an error status; the body is e-conomic's own.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The request never got an answer (connection refused, timeout, TLS).
    #[error("could not reach e-conomic ({method} {path}): {source}")]
    Transport {
        /// The HTTP method.
        method: String,
        /// The path.
        path: String,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// e-conomic answered success with a body this client does not understand.
    #[error("unexpected answer from e-conomic to {method} {path} ({status}): {detail}")]
    Decode {
        /// The HTTP method.
        method: String,
        /// The path.
        path: String,
        /// The HTTP status.
        status: u16,
        /// What was wrong.
        detail: String,
    },
    /// The client was configured wrongly (bad base URL, blank token).
    #[error("invalid e-conomic client configuration: {0}")]
    Config(String),
    /// A request could not be built from the caller's input (an over-long reference, …).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

impl Error {
    /// The HTTP status e-conomic answered, for [`Error::Api`] and [`Error::Decode`].
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api(api) => Some(api.status),
            Self::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// e-conomic's error document, for [`Error::Api`].
    pub fn api_body(&self) -> Option<&ApiErrorBody> {
        match self {
            Self::Api(api) => Some(&api.body),
            _ => None,
        }
    }

    /// Whether trying again later may succeed: 429, 5xx and transport failures. Validation and
    /// auth errors (4xx) are not.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Api(api) => api.status == 429 || (500..600).contains(&api.status),
            Self::Transport { .. } => true,
            Self::Decode { .. } | Self::Config(_) | Self::InvalidRequest(_) => false,
        }
    }

    /// Whether e-conomic rejected the tokens (401): the grant is wrong or was revoked.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }

    /// Whether the resource does not exist (404).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn annotated_errors_flatten_with_paths_and_indexes() {
        let body: ApiErrorBody = serde_json::from_value(json!({
            "message": "Validation error.",
            "developerHint": "Find detailed error information in the 'errors' property.",
            "logId": "abc-CPH",
            "httpStatusCode": 400,
            "errors": {
                "currency": {"errors": [{"errorCode": "E06000", "message": "Currency does not exist.", "value": "XXX"}]},
                "recipient": {"vatZone": {"errors": [{"errorCode": "E06000", "message": "VatZone does not exist."}]}},
                "lines": [
                    {"arrayIndex": 1, "unitNetPrice": {"errors": [{"errorCode": "E04740", "message": "too many decimals", "value": 1.234}]}}
                ]
            }
        }))
        .expect("parses");
        let fields = body.field_errors();
        let paths: Vec<&str> = fields.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            ["currency", "recipient.vatZone", "lines[1].unitNetPrice"]
        );
        assert_eq!(fields[0].error_code.as_deref(), Some("E06000"));
        assert_eq!(fields[0].value, Some(json!("XXX")));
        assert_eq!(fields[2].error_code.as_deref(), Some("E04740"));
    }

    #[test]
    fn display_names_the_failing_fields_and_log_id() {
        let error = Error::Api(Box::new(ApiError {
            method: "POST".into(),
            path: "/invoices/drafts".into(),
            status: 400,
            body: ApiErrorBody {
                message: "Validation error.".into(),
                log_id: Some("L1".into()),
                errors: Some(
                    json!({"layout": {"errors": [{"errorCode": "E06000", "message": "Layout does not exist."}]}}),
                ),
                ..ApiErrorBody::default()
            },
            retry_after: None,
        }));
        let text = error.to_string();
        assert!(text.contains("400"), "{text}");
        assert!(
            text.contains("layout: Layout does not exist. (E06000)"),
            "{text}"
        );
        assert!(text.contains("[logId L1]"), "{text}");
        assert!(!error.is_transient());
        assert_eq!(error.status(), Some(400));
    }
}
