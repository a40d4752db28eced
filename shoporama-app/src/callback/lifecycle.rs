use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::fields::FieldValues;
use crate::rest::lenient::value as lenient;
use crate::secret::AppToken;

/// Shoporama's default daily REST budget, used when a payload omits its limit.
pub const DEFAULT_DAILY_LIMIT: u64 = 1000;

/// The body of `install`, `update` and `uninstall` callbacks:
///
/// ```json
/// {"webshop_id":1,"webshop_url":"https://www.example.com/","app_token":"…",
///  "app_token_daily_limit":10000,"app_token_current_usage":200,"installed":1692857535,"fields":{}}
/// ```
///
/// Read leniently: numbers may be strings, `fields` may be `[]` (PHP's empty array), a missing
/// limit means Shoporama's default of 1,000 calls, a missing `installed` means now. `Debug`
/// never shows the token.
#[derive(Debug, Clone, PartialEq)]
pub struct LifecyclePayload {
    /// The webshop id in the body, if any.
    pub webshop_id: Option<u64>,
    /// The shop's URL.
    pub webshop_url: String,
    /// The REST token Shoporama created for this shop.
    pub app_token: Option<AppToken>,
    /// The token's daily call limit.
    pub daily_limit: u64,
    /// Calls made today.
    pub current_usage: u64,
    /// When the shop installed the app.
    pub installed: Option<DateTime<Utc>>,
    /// The raw field values.
    pub fields: FieldValues,
}

/// Why a lifecycle body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// The body is not a JSON object.
    #[error("the {kind} body must be a JSON object, got {got}")]
    NotAnObject {
        /// The callback type.
        kind: String,
        /// What was received instead.
        got: &'static str,
    },
    /// A required key is missing.
    #[error("the {kind} body lacks `{key}`")]
    Missing {
        /// The callback type.
        kind: String,
        /// The missing key.
        key: &'static str,
    },
    /// A key has a value of the wrong shape.
    #[error("`{key}` in the body {problem}")]
    Invalid {
        /// The key.
        key: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// The body names another shop than the query.
    #[error("webshop_id {query} in the query does not match webshop_id {body} in the body")]
    WebshopMismatch {
        /// From the query.
        query: u64,
        /// From the body.
        body: u64,
    },
}

impl LifecyclePayload {
    /// Reads a lifecycle body. `kind` names the callback in errors; `webshop_id` is the
    /// query's, which the body must not contradict. An install must carry `app_token`.
    pub fn from_json(kind: &str, webshop_id: u64, body: &Value) -> Result<Self, PayloadError> {
        let object = match body {
            Value::Object(map) => map,
            // An uninstall may come without a body.
            Value::Null if kind == "uninstall" => &Map::new(),
            other => {
                return Err(PayloadError::NotAnObject {
                    kind: kind.to_owned(),
                    got: json_type(other),
                });
            }
        };
        let body_id = unsigned(object, "webshop_id")?;
        if let Some(body_id) = body_id.filter(|id| *id != webshop_id) {
            return Err(PayloadError::WebshopMismatch {
                query: webshop_id,
                body: body_id,
            });
        }
        let app_token = match object.get("app_token") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(AppToken::new(s.trim())),
            Some(other) => {
                return Err(PayloadError::Invalid {
                    key: "app_token",
                    problem: format!("must be a string, got {}", json_type(other)),
                });
            }
        };
        if kind == "install" && app_token.is_none() {
            return Err(PayloadError::Missing {
                kind: kind.to_owned(),
                key: "app_token",
            });
        }
        let webshop_url = match object.get("webshop_url") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.trim().to_owned(),
            Some(other) => {
                return Err(PayloadError::Invalid {
                    key: "webshop_url",
                    problem: format!("must be a string, got {}", json_type(other)),
                });
            }
        };
        let installed = match unsigned(object, "installed")? {
            None => None,
            Some(secs) => Some(
                i64::try_from(secs)
                    .ok()
                    .and_then(|s| DateTime::from_timestamp(s, 0))
                    .ok_or(PayloadError::Invalid {
                        key: "installed",
                        problem: format!("{secs} is not a Unix time"),
                    })?,
            ),
        };
        let fields = match object.get("fields") {
            None => FieldValues::new(),
            Some(value) => {
                serde_json::from_value(value.clone()).map_err(|e| PayloadError::Invalid {
                    key: "fields",
                    problem: e.to_string(),
                })?
            }
        };
        Ok(Self {
            webshop_id: body_id,
            webshop_url,
            app_token,
            daily_limit: storable(object, "app_token_daily_limit")?.unwrap_or(DEFAULT_DAILY_LIMIT),
            current_usage: storable(object, "app_token_current_usage")?.unwrap_or(0),
            installed,
            fields,
        })
    }

    /// The JSON Shoporama would send (used by the simulator).
    pub fn to_json(&self, webshop_id: u64) -> Value {
        json!({
            "webshop_id": webshop_id,
            "webshop_url": self.webshop_url,
            "app_token": self.app_token.as_ref().map(AppToken::expose),
            "app_token_daily_limit": self.daily_limit,
            "app_token_current_usage": self.current_usage,
            "installed": self.installed.map(|t| t.timestamp()),
            "fields": self.fields,
        })
    }
}

/// A non-negative integer sent as `5`, `"5"` or `5.0` (the crate's lenient id rule); absent,
/// `null`, `""` or `false` is `None`.
fn unsigned(object: &Map<String, Value>, key: &'static str) -> Result<Option<u64>, PayloadError> {
    let Some(value) = object.get(key).filter(|v| !lenient::is_unset(v)) else {
        return Ok(None);
    };
    lenient::id(value)
        .map(Some)
        .ok_or_else(|| PayloadError::Invalid {
            key,
            problem: format!(
                "must be a non-negative integer, got {}",
                crate::fields::describe_value(value)
            ),
        })
}

/// An [`unsigned`] number that the install store can keep: at most
/// [`MAX_STORABLE`](crate::store::MAX_STORABLE) (2^63 − 1).
fn storable(object: &Map<String, Value>, key: &'static str) -> Result<Option<u64>, PayloadError> {
    match unsigned(object, key)? {
        Some(value) if value > crate::store::MAX_STORABLE => Err(PayloadError::Invalid {
            key,
            problem: format!(
                "must be at most {}, got {value}",
                crate::store::MAX_STORABLE
            ),
        }),
        other => Ok(other),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_payload() {
        let body = json!({"webshop_id":1,"webshop_url":"https://www.example.com/","app_token":"dcbfe5ad9e8af3495ca4582e364c1bce",
            "app_token_daily_limit":10000,"app_token_current_usage":200,"installed":1_692_857_535_u64,"fields":{"a":"1"}});
        let payload = LifecyclePayload::from_json("install", 1, &body).unwrap();
        assert_eq!(payload.daily_limit, 10000);
        assert_eq!(payload.current_usage, 200);
        assert_eq!(payload.installed.unwrap().timestamp(), 1_692_857_535);
        assert_eq!(payload.fields.get("a"), Some(&json!("1")));
        assert!(!format!("{payload:?}").contains("dcbfe5ad"));
        assert_eq!(
            payload.to_json(1)["app_token"],
            "dcbfe5ad9e8af3495ca4582e364c1bce"
        );
    }

    #[test]
    fn lenient_numbers_and_php_arrays() {
        let body = json!({"webshop_id":"1","app_token":"t","app_token_daily_limit":"500","installed":"1692857535","fields":[]});
        let payload = LifecyclePayload::from_json("install", 1, &body).unwrap();
        assert_eq!(payload.daily_limit, 500);
        assert!(payload.fields.is_empty());
        let minimal =
            LifecyclePayload::from_json("install", 1, &json!({"app_token": "t"})).unwrap();
        assert_eq!(minimal.daily_limit, DEFAULT_DAILY_LIMIT);
    }

    #[test]
    fn clear_errors() {
        let err = |body: Value| {
            LifecyclePayload::from_json("install", 1, &body)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(json!([])),
            "the install body must be a JSON object, got an array"
        );
        assert_eq!(err(json!({})), "the install body lacks `app_token`");
        assert_eq!(
            err(json!({"app_token": "t", "webshop_id": 2})),
            "webshop_id 1 in the query does not match webshop_id 2 in the body"
        );
        assert_eq!(
            err(json!({"app_token": "t", "app_token_daily_limit": -5})),
            "`app_token_daily_limit` in the body must be a non-negative integer, got -5"
        );
        assert_eq!(
            err(json!({"app_token": 5})),
            "`app_token` in the body must be a string, got a number"
        );
        assert!(err(json!({"app_token": "t", "fields": "x"})).starts_with("`fields` in the body"));
        for key in ["app_token_daily_limit", "app_token_current_usage"] {
            assert_eq!(
                err(json!({"app_token": "t", key: 9_223_372_036_854_775_808_u64})),
                format!(
                    "`{key}` in the body must be at most 9223372036854775807, got 9223372036854775808"
                )
            );
            assert_eq!(
                err(json!({"app_token": "t", key: "18446744073709551615"})),
                format!(
                    "`{key}` in the body must be at most 9223372036854775807, got 18446744073709551615"
                )
            );
            let largest = json!({"app_token": "t", key: 9_223_372_036_854_775_807_u64});
            assert!(LifecyclePayload::from_json("install", 1, &largest).is_ok());
        }
        assert!(
            err(json!({"app_token": "t", "app_token_daily_limit": "99999999999999999999"}))
                .contains("must be a non-negative integer")
        );
        assert!(LifecyclePayload::from_json("uninstall", 1, &Value::Null).is_ok());
    }
}
