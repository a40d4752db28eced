//! Reading loosely typed JSON without failing: ids as ints or strings, numbers as strings,
//! values at the top level or inside a wrapping object.

use serde_json::Value;

/// The first of `keys` found at the top level, or inside one of the `wrappers` objects.
pub(super) fn find<'a>(raw: &'a Value, keys: &[&str], wrappers: &[&str]) -> Option<&'a Value> {
    let present = |v: &&Value| {
        !matches!(v, Value::Null) && v.as_str() != Some("") && !matches!(v, Value::Bool(false))
    };
    keys.iter()
        .find_map(|key| raw.get(key).filter(present))
        .or_else(|| {
            wrappers
                .iter()
                .filter_map(|wrapper| raw.get(wrapper))
                .find_map(|inner| keys.iter().find_map(|key| inner.get(key).filter(present)))
        })
}

/// A non-negative id sent as `42` or `"42"`.
pub(super) fn id(raw: &Value, keys: &[&str], wrappers: &[&str]) -> Option<u64> {
    match find(raw, keys, wrappers)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// An integer sent as `3`, `"3"` or `3.0`.
pub(super) fn integer(raw: &Value, keys: &[&str], wrappers: &[&str]) -> Option<i64> {
    match find(raw, keys, wrappers)? {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| {
                    #[allow(clippy::cast_possible_truncation)]
                    let whole = f as i64;
                    whole
                })
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A number sent as `12.5`, `"12.5"` or `"12,5"` (Danish decimal comma).
pub(super) fn number(raw: &Value, keys: &[&str], wrappers: &[&str]) -> Option<f64> {
    match find(raw, keys, wrappers)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().replace(',', ".").parse().ok(),
        _ => None,
    }
}

/// A string, or a number rendered as one.
pub(super) fn text(raw: &Value, keys: &[&str], wrappers: &[&str]) -> Option<String> {
    match find(raw, keys, wrappers)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_from_ints_strings_and_wrappers() {
        assert_eq!(id(&json!({"order_id": 7}), &["order_id"], &[]), Some(7));
        assert_eq!(id(&json!({"order_id": "7"}), &["order_id"], &[]), Some(7));
        assert_eq!(
            id(
                &json!({"order": {"id": 9}}),
                &["order_id", "id"],
                &["order"]
            ),
            Some(9)
        );
        assert_eq!(
            id(
                &json!({"order_id": false, "id": 3}),
                &["order_id", "id"],
                &[]
            ),
            Some(3)
        );
        assert_eq!(id(&json!({"order_id": "x"}), &["order_id"], &[]), None);
        assert_eq!(id(&json!({"order_id": -1}), &["order_id"], &[]), None);
        assert_eq!(id(&json!([1, 2]), &["order_id"], &["order"]), None);
        assert_eq!(id(&json!("str"), &["order_id"], &["order"]), None);
    }

    #[test]
    fn numbers_accept_decimal_commas() {
        assert_eq!(number(&json!({"p": "12,50"}), &["p"], &[]), Some(12.5));
        assert_eq!(number(&json!({"p": 3}), &["p"], &[]), Some(3.0));
        assert_eq!(integer(&json!({"a": "4"}), &["a"], &[]), Some(4));
        assert_eq!(integer(&json!({"a": 4.0}), &["a"], &[]), Some(4));
        assert_eq!(integer(&json!({"a": 4.5}), &["a"], &[]), None);
    }
}
