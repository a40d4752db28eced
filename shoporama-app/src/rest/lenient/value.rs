//! The lenient rules over a `serde_json::Value` already in memory, for readers that never
//! fail (event payloads, the app-status answer, the fake) or that word their own errors
//! (lifecycle bodies). The same [`Scalar`] rules as the serde helpers: a value reads the
//! same through either.

use serde_json::Value;

use super::Scalar;

/// `null`, `""` (or whitespace) and `false`: Shoporama's ways of saying "not set".
pub(crate) fn is_unset(value: &Value) -> bool {
    Scalar::of(value).is_some_and(|s| s.is_unset())
}

/// A non-negative id: `42`, `"42"`, `42.0`.
pub(crate) fn id(value: &Value) -> Option<u64> {
    Scalar::of(value)?.id()
}

/// An integer: `-3`, `"-3"`, `3.0`, `"3.0"`.
pub(crate) fn integer(value: &Value) -> Option<i64> {
    Scalar::of(value)?.integer()
}

/// A finite decimal: `12.5`, `"12.5"`, `"12,5"`.
pub(crate) fn decimal(value: &Value) -> Option<f64> {
    Scalar::of(value)?.decimal()
}

/// Text: a string as sent, or a number rendered; `None` for anything else.
pub(crate) fn text(value: &Value) -> Option<String> {
    Scalar::of(value)?.into_text().ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::lenient::{opt_decimal, opt_id, opt_int, opt_text, opt_value};
    use serde_json::json;

    /// The serde helpers and these readers give the same answer for every form.
    #[test]
    fn agrees_with_the_serde_helpers() {
        let forms = [
            json!(null),
            json!(false),
            json!(true),
            json!(""),
            json!("  "),
            json!(0),
            json!(42),
            json!(-3),
            json!(3.0),
            json!(3.5),
            json!("42"),
            json!(" 42 "),
            json!("-3"),
            json!("3.0"),
            json!("12,5"),
            json!("abc"),
            json!([1]),
            json!({"a": 1}),
        ];
        for form in forms {
            let serde_id = opt_id(&form).ok().flatten();
            let serde_int = opt_int(&form).ok().flatten();
            let serde_dec = opt_decimal(&form).ok().flatten();
            let serde_text = opt_text(&form).ok().flatten();
            assert_eq!(id(&form), serde_id, "id {form}");
            assert_eq!(integer(&form), serde_int, "integer {form}");
            assert_eq!(decimal(&form), serde_dec, "decimal {form}");
            if !is_unset(&form) {
                assert_eq!(text(&form), serde_text, "text {form}");
            }
            let serde_unset = opt_value(&form).is_ok_and(|v| v.is_none());
            assert_eq!(is_unset(&form), serde_unset, "unset {form}");
        }
    }
}
