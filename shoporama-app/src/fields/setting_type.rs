use serde_json::Value;

use super::{FieldKind, FieldProblem, ListOption};

/// A Rust type that can be the type of a settings field.
///
/// Implemented for `String`, the integer types, `bool`, [`Color`](super::Color),
/// [`RichText`](super::RichText), [`Code`](super::Code), enums deriving
/// [`ListOptions`](macro@crate::ListOptions), and `Option<T>` of these. The
/// `#[shoporama_app]` macro names this trait at each field's type, so a type that maps to no
/// Shoporama field kind is a compile error pointing at that type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Shoporama setting type",
    label = "this type maps to no Shoporama field kind",
    note = "a setting is a `String`, an integer type, `bool`, `shoporama_app::Color`, `shoporama_app::RichText`, `shoporama_app::Code`, an enum with `#[derive(shoporama_app::ListOptions)]`, or an `Option` of one of these"
)]
pub trait SettingType: Sized {
    /// The Shoporama field kind.
    const KIND: FieldKind;
    /// Whether the field may be left empty (`Option<T>`).
    const OPTIONAL: bool = false;
    /// Whether values are secrets ([`Secret`](crate::Secret)): never shown in setup sheets,
    /// parse errors or logs.
    const SECRET: bool = false;
    /// The fixed options of a list field as `(key, label)`, for checks at compile time
    /// (a `default = "key"` that is not among them); empty for other kinds.
    const FIXED_OPTIONS: &'static [(&'static str, &'static str)] = &[];
    /// The smallest and largest value of an integer field's type, for checks at compile time
    /// (a `default = 300` on a `u8`); `None` for other kinds.
    const INTEGER_RANGE: Option<(i128, i128)> = None;

    /// The fixed options of a list field, in order; `None` for other kinds.
    fn list_options() -> Option<Vec<ListOption>> {
        None
    }

    /// Parses a value that is present: not missing, not `null` and not `""`.
    fn parse_setting(value: &Value) -> Result<Self, FieldProblem>;

    /// The value when the field is missing, `null` or `""` and has no default: `Some(None)` for
    /// `Option<T>`, `None` (a [`FieldProblem::Missing`]) for required fields.
    fn when_absent() -> Option<Self> {
        None
    }

    /// The value as Shoporama stores it.
    fn to_setting(&self) -> Value;
}

impl SettingType for String {
    const KIND: FieldKind = FieldKind::Text;

    fn parse_setting(value: &Value) -> Result<Self, FieldProblem> {
        text(value, "text")
    }

    fn to_setting(&self) -> Value {
        Value::String(self.clone())
    }
}

/// A string, or a number PHP sent unquoted, as text.
pub(crate) fn text(value: &Value, expected: &'static str) -> Result<String, FieldProblem> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(FieldProblem::invalid(expected, other)),
    }
}

macro_rules! integer_setting {
    ($($ty:ident),*) => {$(
        impl SettingType for $ty {
            const KIND: FieldKind = FieldKind::Integer;
            #[allow(clippy::cast_lossless)]
            const INTEGER_RANGE: Option<(i128, i128)> = Some(($ty::MIN as i128, $ty::MAX as i128));

            fn parse_setting(value: &Value) -> Result<Self, FieldProblem> {
                let whole = whole_number(value)?;
                $ty::try_from(whole).map_err(|_| FieldProblem::OutOfRange {
                    received: value.to_string(),
                    ty: stringify!($ty),
                })
            }

            fn to_setting(&self) -> Value {
                Value::from(*self)
            }
        }
    )*};
}

integer_setting!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

const INTEGER: &str = "an integer";

/// Reads `5`, `"5"`, `" 5 "`, `5.0` and `"5.0"` as the whole number 5.
fn whole_number(value: &Value) -> Result<i128, FieldProblem> {
    let out_of_range = || FieldProblem::OutOfRange {
        received: value.to_string(),
        ty: "a 64-bit integer",
    };
    match value {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(i128::from(i))
            } else if let Some(u) = n.as_u64() {
                Ok(i128::from(u))
            } else {
                float_as_whole(n.as_f64(), value)
                    .ok_or_else(|| FieldProblem::invalid(INTEGER, value))
            }
        }
        Value::String(s) => {
            let trimmed = s.trim();
            if let Ok(i) = trimmed.parse::<i128>() {
                if i > i128::from(u64::MAX) || i < i128::from(i64::MIN) {
                    return Err(out_of_range());
                }
                return Ok(i);
            }
            if trimmed
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'-' || b == b'+')
                && !trimmed.is_empty()
            {
                return Err(out_of_range());
            }
            float_as_whole(trimmed.parse::<f64>().ok(), value)
                .ok_or_else(|| FieldProblem::invalid(INTEGER, value))
        }
        other => Err(FieldProblem::invalid(INTEGER, other)),
    }
}

fn float_as_whole(float: Option<f64>, _value: &Value) -> Option<i128> {
    let f = float?;
    // Exact integers only: 5.0 is 5, 5.5 is an error. The bounds keep the cast lossless.
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15 {
        #[allow(clippy::cast_possible_truncation)]
        Some(f as i128)
    } else {
        None
    }
}

impl SettingType for bool {
    const KIND: FieldKind = FieldKind::Boolean;

    fn parse_setting(value: &Value) -> Result<Self, FieldProblem> {
        const EXPECTED: &str = "a boolean (true/false, 1/0, \"on\"/\"off\", \"yes\"/\"no\")";
        match value {
            Value::Bool(b) => Ok(*b),
            Value::Number(n) if n.as_u64() == Some(1) => Ok(true),
            Value::Number(n) if n.as_u64() == Some(0) => Ok(false),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "on" | "yes" => Ok(true),
                "0" | "false" | "off" | "no" | "" => Ok(false),
                _ => Err(FieldProblem::invalid(EXPECTED, value)),
            },
            other => Err(FieldProblem::invalid(EXPECTED, other)),
        }
    }

    /// An unchecked checkbox: PHP forms send nothing, or `""`, for it.
    fn when_absent() -> Option<Self> {
        Some(false)
    }

    fn to_setting(&self) -> Value {
        Value::Bool(*self)
    }
}

impl<T: SettingType> SettingType for Option<T> {
    const KIND: FieldKind = T::KIND;
    const OPTIONAL: bool = true;
    const SECRET: bool = T::SECRET;
    const FIXED_OPTIONS: &'static [(&'static str, &'static str)] = T::FIXED_OPTIONS;
    const INTEGER_RANGE: Option<(i128, i128)> = T::INTEGER_RANGE;

    fn list_options() -> Option<Vec<ListOption>> {
        T::list_options()
    }

    fn parse_setting(value: &Value) -> Result<Self, FieldProblem> {
        T::parse_setting(value).map(Some)
    }

    fn when_absent() -> Option<Self> {
        Some(None)
    }

    fn to_setting(&self) -> Value {
        self.as_ref().map_or(Value::Null, T::to_setting)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integers_accept_php_spellings() {
        for (raw, expected) in [
            (json!(5), 5),
            (json!("5"), 5),
            (json!(" 7 "), 7),
            (json!(-3), -3),
            (json!("-3"), -3),
            (json!(5.0), 5),
            (json!("12.0"), 12),
        ] {
            assert_eq!(i64::parse_setting(&raw), Ok(expected), "{raw}");
        }
        assert_eq!(
            u64::parse_setting(&json!("18446744073709551615")),
            Ok(u64::MAX)
        );
    }

    #[test]
    fn integers_reject_the_rest() {
        for raw in [
            json!("abc"),
            json!(5.5),
            json!("5.5"),
            json!(true),
            json!([1]),
            json!({"a": 1}),
            json!("1e400"),
        ] {
            assert!(
                matches!(i64::parse_setting(&raw), Err(FieldProblem::Invalid { .. })),
                "{raw}"
            );
        }
        assert!(matches!(
            u8::parse_setting(&json!(256)),
            Err(FieldProblem::OutOfRange { ty: "u8", .. })
        ));
        assert!(matches!(
            u32::parse_setting(&json!("-1")),
            Err(FieldProblem::OutOfRange { .. })
        ));
        assert!(matches!(
            i64::parse_setting(&json!("99999999999999999999999")),
            Err(FieldProblem::OutOfRange { .. })
        ));
    }

    #[test]
    fn booleans_accept_php_spellings() {
        for raw in [
            json!(true),
            json!(1),
            json!("1"),
            json!("on"),
            json!("yes"),
            json!("TRUE"),
            json!("Yes"),
            json!("true"),
        ] {
            assert_eq!(bool::parse_setting(&raw), Ok(true), "{raw}");
        }
        for raw in [
            json!(false),
            json!(0),
            json!("0"),
            json!("off"),
            json!("no"),
            json!(""),
            json!("false"),
            json!("OFF"),
        ] {
            assert_eq!(bool::parse_setting(&raw), Ok(false), "{raw}");
        }
        for raw in [json!(2), json!("maybe"), json!([]), json!(0.5)] {
            assert!(bool::parse_setting(&raw).is_err(), "{raw}");
        }
        assert_eq!(bool::when_absent(), Some(false));
    }

    #[test]
    fn text_accepts_numbers_php_sent_unquoted() {
        assert_eq!(
            String::parse_setting(&json!("G-123")),
            Ok("G-123".to_owned())
        );
        assert_eq!(String::parse_setting(&json!(42)), Ok("42".to_owned()));
        assert!(String::parse_setting(&json!({"a": 1})).is_err());
        assert!(String::parse_setting(&json!(true)).is_err());
    }

    #[test]
    fn options_are_optional() {
        assert_eq!(<Option<i64>>::when_absent(), Some(None));
        assert_eq!(<Option<i64>>::parse_setting(&json!("4")), Ok(Some(4)));
        assert_eq!(<Option<i64>>::to_setting(&None), Value::Null);
        const { assert!(<Option<i64>>::OPTIONAL) };
    }
}
