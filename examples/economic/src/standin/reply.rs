//! The stand-in's answers: e-conomic's generic error document and the annotated validation
//! errors (economic-api.md §1.4).

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// Error codes of the stand-in. The first four are e-conomic's documented ones (the annotated
/// errors example of its REST documentation, economic-api.md §1.4); the rest are the stand-in's
/// own choices where e-conomic's codes are undocumented.
pub mod codes {
    /// "`<x>` does not exist." (documented).
    pub const DOES_NOT_EXIST: &str = "E06000";
    /// A price with more than two decimals (documented).
    pub const TOO_MANY_DECIMALS: &str = "E04740";
    /// A product reference with neither `productNumber` nor `self` (documented).
    pub const PRODUCT_WITHOUT_IDENTIFIER: &str = "E04500";
    /// A line with a product but no quantity (documented).
    pub const QUANTITY_REQUIRED: &str = "E04730";
    /// A required property is missing (the stand-in's choice).
    pub const REQUIRED: &str = "E00100";
    /// A property is `null` (the stand-in's choice: e-conomic rejects nulls, code undocumented).
    pub const NULL_NOT_ALLOWED: &str = "E00110";
    /// A property has the wrong type or format (the stand-in's choice).
    pub const INVALID_VALUE: &str = "E00120";
    /// A string is too long or a number out of range (the stand-in's choice).
    pub const OUT_OF_RANGE: &str = "E00130";
    /// A number that must be unique is already in use (the stand-in's choice).
    pub const ALREADY_IN_USE: &str = "E00140";
    /// A property or value this agreement does not have, such as `vatNumber` on a Danish
    /// agreement (the stand-in's choice: e-conomic documents the rule, not the code).
    pub const NOT_AVAILABLE: &str = "E00150";
}

/// One step of a path into a request document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Segment {
    Key(String),
    Index(usize),
}

/// Builds a path from `"recipient.vatZone"`-style text plus optional array indexes.
pub(crate) fn path(text: &str) -> Vec<Segment> {
    text.split('.')
        .filter(|key| !key.is_empty())
        .map(|key| Segment::Key(key.to_owned()))
        .collect()
}

/// `base` followed by `lines[index]` and `rest`.
pub(crate) fn line_path(index: usize, rest: &str) -> Vec<Segment> {
    let mut segments = vec![Segment::Key("lines".to_owned()), Segment::Index(index)];
    segments.extend(path(rest));
    segments
}

/// Collected validation errors, rendered as e-conomic's annotated mirror of the request.
#[derive(Debug, Default)]
pub(crate) struct Validation {
    errors: Vec<(Vec<Segment>, Value)>,
}

#[derive(Debug, Default)]
struct Node {
    leaves: Vec<Value>,
    keys: BTreeMap<String, Node>,
    indexes: BTreeMap<usize, Node>,
}

impl Node {
    fn insert(&mut self, segments: &[Segment], leaf: Value) {
        match segments.split_first() {
            None => self.leaves.push(leaf),
            Some((Segment::Key(key), rest)) => {
                self.keys.entry(key.clone()).or_default().insert(rest, leaf);
            }
            Some((Segment::Index(index), rest)) => {
                self.indexes.entry(*index).or_default().insert(rest, leaf);
            }
        }
    }

    fn render(&self) -> Value {
        if !self.indexes.is_empty() && self.keys.is_empty() && self.leaves.is_empty() {
            return Value::Array(
                self.indexes
                    .iter()
                    .map(|(index, node)| {
                        let mut item = Map::new();
                        item.insert("arrayIndex".to_owned(), json!(index));
                        if let Value::Object(rest) = node.render() {
                            item.extend(rest);
                        }
                        Value::Object(item)
                    })
                    .collect(),
            );
        }
        let mut object = Map::new();
        if !self.leaves.is_empty() {
            object.insert("errors".to_owned(), Value::Array(self.leaves.clone()));
        }
        for (key, node) in &self.keys {
            object.insert(key.clone(), node.render());
        }
        Value::Object(object)
    }
}

impl Validation {
    /// Records an error on a property.
    pub(crate) fn add(
        &mut self,
        at: Vec<Segment>,
        code: &str,
        message: impl Into<String>,
        value: Option<&Value>,
    ) {
        self.add_hinted(at, code, message, value, developer_hint(code));
    }

    /// Records an error with its own developer hint (the schema rule's source).
    pub(crate) fn add_hinted(
        &mut self,
        at: Vec<Segment>,
        code: &str,
        message: impl Into<String>,
        value: Option<&Value>,
        hint: impl Into<String>,
    ) {
        let mut leaf = Map::new();
        leaf.insert("errorCode".to_owned(), json!(code));
        leaf.insert("message".to_owned(), json!(message.into()));
        if let Some(value) = value.filter(|value| !value.is_null()) {
            leaf.insert("value".to_owned(), value.clone());
        }
        leaf.insert("developerHint".to_owned(), json!(hint.into()));
        self.errors.push((at, Value::Object(leaf)));
    }

    /// Whether nothing was recorded.
    pub(crate) fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Whether an error was recorded at `prefix` or below it.
    pub(crate) fn has_errors_under(&self, prefix: &[Segment]) -> bool {
        self.errors.iter().any(|(at, _)| at.starts_with(prefix))
    }

    /// The `errors` mirror.
    pub(crate) fn tree(&self) -> Value {
        let mut root = Node::default();
        for (at, leaf) in &self.errors {
            root.insert(at, leaf.clone());
        }
        root.render()
    }
}

fn developer_hint(code: &str) -> &'static str {
    match code {
        codes::DOES_NOT_EXIST => "Use an existing resource; list them with GET on the collection.",
        // e-conomic's documented hint for E04740 (annotated errors example).
        codes::TOO_MANY_DECIMALS => "Please check the format of your data.",
        codes::PRODUCT_WITHOUT_IDENTIFIER => "Include either a self link or a productNumber.",
        codes::QUANTITY_REQUIRED => "Set quantity on lines that reference a product.",
        codes::NULL_NOT_ALLOWED => "Null is not accepted. To null a property you must exclude it.",
        codes::REQUIRED => "Include the property; see the schema for required properties.",
        codes::NOT_AVAILABLE => "This agreement does not have this property or value; omit it.",
        _ => "See the schema for the allowed values.",
    }
}

/// An answer of the stand-in.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Value,
    pub(crate) location: Option<String>,
    pub(crate) retry_after: Option<u64>,
}

impl Reply {
    pub(crate) fn ok(body: Value) -> Self {
        Self {
            status: StatusCode::OK,
            body,
            location: None,
            retry_after: None,
        }
    }

    pub(crate) fn created(body: Value) -> Self {
        let location = body.get("self").and_then(Value::as_str).map(str::to_owned);
        Self {
            status: StatusCode::CREATED,
            body,
            location,
            retry_after: None,
        }
    }

    /// e-conomic's generic error shape.
    pub(crate) fn error(
        status: StatusCode,
        message: impl Into<String>,
        hint: impl Into<String>,
        log_id: &str,
    ) -> Self {
        Self {
            status,
            body: json!({
                "message": message.into(),
                "developerHint": hint.into(),
                "logId": log_id,
                "httpStatusCode": status.as_u16(),
                "logTime": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string(),
            }),
            location: None,
            retry_after: None,
        }
    }

    /// 400 with the annotated `errors` mirror.
    pub(crate) fn validation(validation: &Validation, log_id: &str) -> Self {
        let mut reply = Self::error(
            StatusCode::BAD_REQUEST,
            "Validation error.",
            "Find detailed error information in the 'errors' property.",
            log_id,
        );
        if let Value::Object(body) = &mut reply.body {
            body.insert("errors".to_owned(), validation.tree());
        }
        reply
    }

    pub(crate) fn not_found(log_id: &str) -> Self {
        Self::error(
            StatusCode::NOT_FOUND,
            "Resource not found.",
            "The API tries to provide all the resource urls you need. Follow the self links rather than building URLs.",
            log_id,
        )
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let bytes = serde_json::to_vec(&self.body).unwrap_or_default();
        let mut response = Response::new(Body::from(bytes));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        if let Some(location) = self
            .location
            .and_then(|location| HeaderValue::from_str(&location).ok())
        {
            headers.insert(header::LOCATION, location);
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mirror_nests_objects_and_indexes_arrays() {
        let mut validation = Validation::default();
        validation.add(
            path("currency"),
            codes::DOES_NOT_EXIST,
            "Currency does not exist.",
            Some(&json!("XXX")),
        );
        validation.add(
            path("recipient.vatZone"),
            codes::REQUIRED,
            "Property vatZone is required.",
            None,
        );
        validation.add(
            line_path(2, "unitNetPrice"),
            codes::TOO_MANY_DECIMALS,
            "too many",
            Some(&json!(1.234)),
        );
        let tree = validation.tree();
        assert_eq!(tree["currency"]["errors"][0]["errorCode"], "E06000");
        assert_eq!(tree["currency"]["errors"][0]["value"], "XXX");
        assert_eq!(
            tree["recipient"]["vatZone"]["errors"][0]["errorCode"],
            "E00100"
        );
        assert_eq!(tree["lines"][0]["arrayIndex"], 2);
        assert_eq!(
            tree["lines"][0]["unitNetPrice"]["errors"][0]["errorCode"],
            "E04740"
        );
    }
}
