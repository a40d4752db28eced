//! Reading loosely typed JSON without failing: values at the top level or inside a wrapping
//! object, read by the crate's one set of lenient rules ([`crate::rest::lenient`]): ids as
//! ints or strings, numbers as strings, `null` / `""` / `false` as "not sent".

use serde_json::Value;

use crate::rest::lenient::value;

/// The first of `keys` that is set (not `null`, `""` or `false`) at the top level, or inside
/// one of the `wrappers` objects.
fn find<'a>(raw: &'a Value, keys: &[&str], wrappers: &[&str]) -> Option<&'a Value> {
    let set = |v: &&Value| !value::is_unset(v);
    keys.iter()
        .find_map(|key| raw.get(key).filter(set))
        .or_else(|| {
            wrappers
                .iter()
                .filter_map(|wrapper| raw.get(wrapper))
                .find_map(|inner| keys.iter().find_map(|key| inner.get(key).filter(set)))
        })
}

/// A non-negative id sent as `42`, `"42"` or `42.0`.
pub(super) fn id(raw: &Value, keys: &[&str], wrappers: &[&str]) -> Option<u64> {
    find(raw, keys, wrappers).and_then(value::id)
}

/// An integer sent as `3`, `"3"` or `3.0`.
pub(super) fn integer(raw: &Value, keys: &[&str], wrappers: &[&str]) -> Option<i64> {
    find(raw, keys, wrappers).and_then(value::integer)
}

/// A number sent as `12.5`, `"12.5"` or `"12,5"` (Danish decimal comma).
pub(super) fn number(raw: &Value, keys: &[&str], wrappers: &[&str]) -> Option<f64> {
    find(raw, keys, wrappers).and_then(value::decimal)
}

/// A string, or a number rendered as one.
pub(super) fn text(raw: &Value, keys: &[&str], wrappers: &[&str]) -> Option<String> {
    find(raw, keys, wrappers).and_then(value::text)
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
