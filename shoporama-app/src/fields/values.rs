use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// The raw field values of one installation, as Shoporama sends them in `fields`.
///
/// Keys are the fields' wire names; values are whatever JSON Shoporama sent, kept verbatim and
/// in order, including fields the app does not (or no longer) declare. PHP encodes an empty
/// associative array as `[]`, so `[]` and `null` are read as "no fields".
///
/// A value may be a secret ([`Secret`](crate::Secret) settings arrive as plain text), so
/// `Debug` shows each field's name and kind of value, never the value.
#[derive(Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct FieldValues(Map<String, Value>);

impl FieldValues {
    /// No fields.
    pub fn new() -> Self {
        Self::default()
    }

    /// The raw value of the field named `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// Sets a field's raw value, returning the previous one.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<Value>) -> Option<Value> {
        self.0.insert(name.into(), value.into())
    }

    /// Iterates over (name, raw value) in the order received.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter()
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The underlying JSON object.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    /// The underlying JSON object, owned.
    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }
}

impl fmt::Debug for FieldValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("FieldValues")
            .field(&RedactedFields(&self.0))
            .finish()
    }
}

/// Raw setting values in `Debug` output: each name with the kind of its value
/// (`{"api_key": <string>, "days": <number>}`), never the value, which may be a secret.
pub(crate) struct RedactedFields<'a>(pub(crate) &'a Map<String, Value>);

impl fmt::Debug for RedactedFields<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Kind(&'static str);
        impl fmt::Debug for Kind {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "<{}>", self.0)
            }
        }
        f.debug_map()
            .entries(
                self.0
                    .iter()
                    .map(|(name, value)| (name, Kind(json_kind(value)))),
            )
            .finish()
    }
}

/// What kind of JSON value `value` is: `null`, `boolean`, `number`, `string`, `array` or
/// `object`.
pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

impl From<Map<String, Value>> for FieldValues {
    fn from(map: Map<String, Value>) -> Self {
        Self(map)
    }
}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for FieldValues {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl<'de> Deserialize<'de> for FieldValues {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Object(map) => Ok(Self(map)),
            Value::Null => Ok(Self::new()),
            Value::Array(items) if items.is_empty() => Ok(Self::new()),
            other => Err(serde::de::Error::custom(format_args!(
                "`fields` must be an object of field values, got {}",
                crate::fields::error::describe(&other)
            ))),
        }
    }
}

/// Moves each value stored under an old name to its new name (`(new, old)` pairs, from
/// `#[field(rename_from = "old")]`), unless the new name already holds a value (not `null`).
/// Whether anything moved.
pub fn move_renamed<'a>(
    fields: &mut Map<String, Value>,
    renames: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> bool {
    let mut moved = false;
    for (new, old) in renames {
        if !moves(fields, new, old) {
            continue;
        }
        if let Some(value) = fields.remove(old) {
            fields.insert(new.to_owned(), value);
            moved = true;
        }
    }
    moved
}

/// Whether [`move_renamed`] would move anything, without changing `fields`.
pub fn has_renamed<'a>(
    fields: &Map<String, Value>,
    mut renames: impl Iterator<Item = (&'a str, &'a str)>,
) -> bool {
    renames.any(|(new, old)| moves(fields, new, old))
}

/// Whether the value under `old` moves to `new`: it is set and `new` is not.
fn moves(fields: &Map<String, Value>, new: &str, old: &str) -> bool {
    let is_set = |name: &str| fields.get(name).is_some_and(|v| !v.is_null());
    is_set(old) && !is_set(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_empty_array_and_null_are_no_fields() {
        let from_array: FieldValues = serde_json::from_str("[]").unwrap();
        let from_null: FieldValues = serde_json::from_str("null").unwrap();
        assert!(from_array.is_empty());
        assert!(from_null.is_empty());
        assert!(serde_json::from_str::<FieldValues>("[1]").is_err());
        assert!(serde_json::from_str::<FieldValues>("\"x\"").is_err());
    }

    #[test]
    fn debug_shows_names_and_kinds_never_values() {
        let values: FieldValues =
            serde_json::from_str(r#"{"api_key":"grant-s3cr3t","days":30,"x":null}"#).unwrap();
        let shown = format!("{values:?}");
        assert_eq!(
            shown,
            r#"FieldValues({"api_key": <string>, "days": <number>, "x": <null>})"#
        );
    }

    #[test]
    fn keeps_order_and_unknown_fields() {
        let values: FieldValues =
            serde_json::from_str(r#"{"z":1,"a":"2","unknown":[true]}"#).unwrap();
        let keys: Vec<_> = values.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["z", "a", "unknown"]);
        assert_eq!(
            serde_json::to_string(&values).unwrap(),
            r#"{"z":1,"a":"2","unknown":[true]}"#
        );
    }

    #[test]
    fn renamed_values_move_unless_the_new_name_is_set() {
        let mut fields = serde_json::json!({"old": "a", "kept": 1, "set": "b", "was": "c"})
            .as_object()
            .cloned()
            .unwrap_or_default();
        assert!(move_renamed(
            &mut fields,
            [("new", "old"), ("set", "was"), ("other", "none")]
        ));
        assert_eq!(
            Value::Object(fields.clone()),
            serde_json::json!({"kept": 1, "set": "b", "was": "c", "new": "a"})
        );
        assert!(!move_renamed(&mut fields, [("new", "old")]));
    }
}
