//! Serde helpers for Shoporama's loosely typed JSON, for `#[serde(deserialize_with = …)]`.
//!
//! The platform sends the same field in different JSON types, across resources and even
//! across items of one list (see the reference's product response):
//!
//! | Helper | Accepts | Unset (`None` / empty) |
//! |---|---|---|
//! | [`id`], [`opt_id`] | `42`, `"42"`, `42.0` | `null`, `""`, `false` |
//! | [`opt_int`] | `-3`, `"-3"`, `3.0` | `null`, `""`, `false` |
//! | [`opt_decimal`] | `12.5`, `"12.5"`, `"12,5"` (decimal comma) | `null`, `""`, `false` |
//! | [`flag`], [`opt_flag`] | `0`/`1`, `"0"`/`"1"`, `true`/`false`, `"true"`/`"false"`, `"yes"`/`"no"`, `"on"`/`"off"` | `null`, `""` (a `flag` reads them as `false`) |
//! | [`text`], [`opt_text`] | strings; numbers rendered as text | `null`, `false` (`opt_text` also `""`) |
//! | [`opt_datetime`] | `"YYYY-MM-DD HH:MM:SS"`, `"YYYY-MM-DDTHH:MM:SS"` (fractions allowed), `"YYYY-MM-DD"`, a unix timestamp | `null`, `""`, `false`, `"0000-00-00 00:00:00"` |
//! | [`list`], [`id_list`] | arrays; PHP-style objects `{"0": …, "1": …}` (values in order); `id_list` also `"1,2,3"` | `null`, `""`, `false` |
//! | [`opt_value`] | any JSON | `null`, `""`, `false` |
//!
//! Datetimes are the shop's local time without a zone (`NaiveDateTime`): Shoporama does not
//! say which zone; Danish shops use Europe/Copenhagen.
//!
//! Anything else (an object where a number belongs, `"abc"` as an id) is an error naming the
//! value, so a model never holds a silently wrong value. The serializers ([`ser_flag`],
//! [`ser_opt_flag`], [`ser_opt_datetime`]) write the platform's own forms back: `0`/`1` and
//! `"YYYY-MM-DD HH:MM:SS"`; [`as_flag`], [`as_opt_flag`] and [`as_opt_datetime`] pair each
//! reader with its writer for `#[serde(with = …)]`.
//!
//! These rules are the crate's only ones: event payloads, lifecycle bodies and the
//! app-status answer read ids, integers, decimals and "unset" through them too.

pub mod field;
pub(crate) mod value;

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serializer};
use serde_json::Value;

/// The datetime format Shoporama sends and accepts: `2025-02-07 11:22:05`.
pub const DATETIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// Largest float that still holds every integer exactly (2^53).
const MAX_EXACT_FLOAT: f64 = 9_007_199_254_740_992.0;

/// A JSON scalar, borrowed from the input where possible: what every lenient reader here,
/// and the [`value`] readers over a `serde_json::Value`, decide on. The rules of what counts
/// as unset, an id, an integer, a decimal, a flag or text are its methods, and nowhere else.
#[derive(Debug)]
enum Scalar<'a> {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(Cow<'a, str>),
}

impl fmt::Display for Scalar<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("null"),
            Self::Bool(b) => write!(f, "{b}"),
            Self::U64(n) => write!(f, "{n}"),
            Self::I64(n) => write!(f, "{n}"),
            Self::F64(n) => write!(f, "{n}"),
            Self::Str(s) => write!(f, "{s:?}"),
        }
    }
}

impl<'a> Scalar<'a> {
    /// The scalar in `value`, as `serde_json`'s deserializer would hand it over; `None` for
    /// an array or an object.
    fn of(value: &'a Value) -> Option<Self> {
        Some(match value {
            Value::Null => Self::Null,
            Value::Bool(b) => Self::Bool(*b),
            Value::Number(n) => n
                .as_u64()
                .map(Self::U64)
                .or_else(|| n.as_i64().map(Self::I64))
                .or_else(|| n.as_f64().map(Self::F64))?,
            Value::String(s) => Self::Str(Cow::Borrowed(s)),
            Value::Array(_) | Value::Object(_) => return None,
        })
    }

    /// `null`, `""` (or whitespace) and `false`: Shoporama's ways of saying "not set".
    fn is_unset(&self) -> bool {
        match self {
            Self::Null | Self::Bool(false) => true,
            Self::Str(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// A non-negative id: `42`, `"42"`, `42.0`.
    fn id(&self) -> Option<u64> {
        match self {
            Self::U64(n) => Some(*n),
            Self::I64(n) => u64::try_from(*n).ok(),
            Self::F64(f) => whole_float(*f).and_then(|n| u64::try_from(n).ok()),
            Self::Str(s) => s.trim().parse().ok(),
            Self::Null | Self::Bool(_) => None,
        }
    }

    /// An integer: `-3`, `"-3"`, `3.0`, `"3.0"`.
    fn integer(&self) -> Option<i64> {
        match self {
            Self::U64(n) => i64::try_from(*n).ok(),
            Self::I64(n) => Some(*n),
            Self::F64(f) => whole_float(*f),
            Self::Str(s) => {
                let s = s.trim();
                s.parse()
                    .ok()
                    .or_else(|| s.parse::<f64>().ok().and_then(whole_float))
            }
            Self::Null | Self::Bool(_) => None,
        }
    }

    /// A finite decimal: `12.5`, `"12.5"`, `"12,5"` (decimal comma).
    fn decimal(&self) -> Option<f64> {
        match self {
            #[allow(clippy::cast_precision_loss)]
            Self::U64(n) => Some(*n as f64),
            #[allow(clippy::cast_precision_loss)]
            Self::I64(n) => Some(*n as f64),
            Self::F64(f) => Some(*f),
            Self::Str(s) => {
                let s = s.trim();
                // Only a decimal comma costs a copy.
                let parsed = if s.contains(',') {
                    s.replace(',', ".").parse::<f64>()
                } else {
                    s.parse::<f64>()
                };
                parsed.ok().filter(|f| f.is_finite())
            }
            Self::Null | Self::Bool(_) => None,
        }
    }

    /// A flag: `Ok(None)` when unset (`null`, `""`), `Err(())` when not a flag. `false` is
    /// a flag here, not "unset".
    fn flag(&self) -> Result<Option<bool>, ()> {
        match self {
            Self::Null => Ok(None),
            Self::Bool(b) => Ok(Some(*b)),
            Self::U64(n) => Ok(Some(*n != 0)),
            Self::I64(n) => Ok(Some(*n != 0)),
            Self::F64(f) => Ok(Some(*f != 0.0)),
            Self::Str(s) => {
                let s = s.trim();
                let is = |words: [&str; 5]| words.iter().any(|w| s.eq_ignore_ascii_case(w));
                if s.is_empty() {
                    Ok(None)
                } else if is(["1", "true", "yes", "on", "y"]) {
                    Ok(Some(true))
                } else if is(["0", "false", "no", "off", "n"]) {
                    Ok(Some(false))
                } else {
                    Err(())
                }
            }
        }
    }

    /// Text: strings as sent, numbers rendered; `Ok(None)` for `null` and `false`, `Err` for
    /// `true`.
    fn into_text(self) -> Result<Option<String>, Self> {
        match self {
            Self::Null | Self::Bool(false) => Ok(None),
            Self::Str(s) => Ok(Some(s.into_owned())),
            Self::U64(n) => Ok(Some(n.to_string())),
            Self::I64(n) => Ok(Some(n.to_string())),
            Self::F64(f) => Ok(Some(f.to_string())),
            other @ Self::Bool(true) => Err(other),
        }
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number, string, boolean or null")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::U64(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Scalar::I64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::F64(v))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Scalar<'de>, D::Error> {
    d.deserialize_any(ScalarVisitor)
}

fn invalid<E: de::Error>(value: &Scalar<'_>, expected: &str) -> E {
    E::custom(format_args!("invalid value {value}, expected {expected}"))
}

fn whole_float(f: f64) -> Option<i64> {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < MAX_EXACT_FLOAT {
        #[allow(clippy::cast_possible_truncation)]
        Some(f as i64)
    } else {
        None
    }
}

/// Reads an optional value: `None` when unset, else `read` or an error naming `expected`.
fn optional<'de, D: Deserializer<'de>, T>(
    d: D,
    expected: &str,
    read: impl FnOnce(&Scalar<'de>) -> Option<T>,
) -> Result<Option<T>, D::Error> {
    let value = scalar(d)?;
    if value.is_unset() {
        return Ok(None);
    }
    read(&value)
        .map(Some)
        .ok_or_else(|| invalid(&value, expected))
}

/// A required non-negative id: `42`, `"42"` or `42.0`.
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let value = scalar(d)?;
    value.id().ok_or_else(|| invalid(&value, "an id"))
}

/// An optional id: `42`, `"42"`; `null`, `""` and `false` are `None`. `0` stays `Some(0)`.
pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    optional(d, "an id", Scalar::id)
}

/// An optional integer: `-3`, `"-3"`, `3.0`; `null`, `""` and `false` are `None`.
pub fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    optional(d, "an integer", Scalar::integer)
}

/// An optional decimal: `12.5`, `"12.5"`, `"12,5"`; `null`, `""` and `false` are `None`.
pub fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    optional(d, "a number", Scalar::decimal)
}

/// An optional 0/1 flag; `null` and `""` are `None`, `false` is `Some(false)`.
pub fn opt_flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let value = scalar(d)?;
    value
        .flag()
        .map_err(|()| invalid(&value, "0/1 or a boolean"))
}

/// A 0/1 flag; `null` and `""` read as `false`. Pair with `#[serde(default)]`.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    opt_flag(d).map(Option::unwrap_or_default)
}

/// Text; numbers are rendered as text; `null` and `false` read as `""`. Pair with
/// `#[serde(default)]`.
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    scalar(d)?
        .into_text()
        .map(Option::unwrap_or_default)
        .map_err(|v| invalid(&v, "text"))
}

/// Optional text; numbers are rendered as text; `null`, `""` and `false` are `None`.
pub fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let value = scalar(d)?;
    if value.is_unset() {
        return Ok(None);
    }
    value.into_text().map_err(|v| invalid(&v, "text"))
}

/// Parses Shoporama's local datetimes: `2025-02-07 11:22:05`, `2025-02-07T11:22:05`
/// (optionally with fractional seconds) or a bare date (midnight). `None` for the zero date
/// `0000-00-00…`, which the platform uses for "never".
pub fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    if text.starts_with("0000-00-00") {
        return None;
    }
    [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    })
}

/// An optional local datetime (see [`parse_datetime`]); a number is a unix timestamp, read as
/// UTC. `null`, `""`, `false` and the zero date are `None`.
pub fn opt_datetime<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDateTime>, D::Error> {
    let value = scalar(d)?;
    match &value {
        v if v.is_unset() => Ok(None),
        Scalar::Str(s) if s.trim().starts_with("0000-00-00") => Ok(None),
        Scalar::Str(s) => parse_datetime(s)
            .map(Some)
            .ok_or_else(|| invalid(&value, "a YYYY-MM-DD HH:MM:SS datetime")),
        Scalar::U64(_) | Scalar::I64(_) | Scalar::F64(_) => value
            .integer()
            .and_then(|secs| DateTime::from_timestamp(secs, 0))
            .map(|dt| Some(dt.naive_utc()))
            .ok_or_else(|| invalid(&value, "a unix timestamp")),
        Scalar::Null | Scalar::Bool(_) => Err(invalid(&value, "a datetime")),
    }
}

/// Any JSON value; `null`, `""` and `false` are `None` (Shoporama's `extension_data` values
/// are `false` when unset).
pub fn opt_value<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    let raw = Value::deserialize(d)?;
    Ok(Some(raw).filter(|raw| !value::is_unset(raw)))
}

struct ListVisitor<T, F> {
    element: F,
    expecting: &'static str,
    marker: std::marker::PhantomData<fn() -> T>,
}

impl<'de, T, F> Visitor<'de> for ListVisitor<T, F>
where
    F: Fn(&str) -> Option<Vec<T>> + Copy,
    T: Deserialize<'de>,
{
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            out.push(item);
        }
        Ok(out)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        // PHP encodes a non-sequential array as an object: keep the values in order.
        let mut out = Vec::new();
        while let Some((_, item)) = map.next_entry::<de::IgnoredAny, T>()? {
            out.push(item);
        }
        Ok(out)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        if v {
            Err(E::invalid_type(de::Unexpected::Bool(v), &self))
        } else {
            Ok(Vec::new())
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.trim().is_empty() {
            return Ok(Vec::new());
        }
        (self.element)(v).ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

/// A list: an array, or a PHP-style object whose values are the items; `null`, `""` and
/// `false` are empty. Pair with `#[serde(default)]`.
pub fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    d.deserialize_any(ListVisitor {
        element: |_: &str| None,
        expecting: "a list",
        marker: std::marker::PhantomData,
    })
}

/// One id of an [`id_list`].
struct LenientId(u64);

impl<'de> Deserialize<'de> for LenientId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        id(d).map(Self)
    }
}

/// A list of ids: `[1, "2"]`, `{"0": 1}`, or `"1,2"`; `null`, `""` and `false` are empty.
/// Pair with `#[serde(default)]`.
pub fn id_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
    let ids = d.deserialize_any(ListVisitor {
        element: |text: &str| {
            text.split(',')
                .map(|part| Scalar::Str(Cow::Borrowed(part)).id().map(LenientId))
                .collect::<Option<Vec<_>>>()
        },
        expecting: "a list of ids",
        marker: std::marker::PhantomData,
    })?;
    Ok(ids.into_iter().map(|LenientId(id)| id).collect())
}

/// Writes a flag as Shoporama does: `1` or `0`.
pub fn ser_flag<S: Serializer>(value: &bool, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u8(u8::from(*value))
}

/// Writes an optional flag as `1`, `0` or `null`.
#[allow(clippy::ref_option)]
pub fn ser_opt_flag<S: Serializer>(value: &Option<bool>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(b) => s.serialize_u8(u8::from(*b)),
        None => s.serialize_none(),
    }
}

/// Writes an optional datetime as `"YYYY-MM-DD HH:MM:SS"` or `null`.
#[allow(clippy::ref_option)]
pub fn ser_opt_datetime<S: Serializer>(
    value: &Option<NaiveDateTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(dt) => s.collect_str(&dt.format(DATETIME_FORMAT)),
        None => s.serialize_none(),
    }
}

/// `#[serde(default, with = "lenient::as_flag")]`: reads a [`flag`], writes `0`/`1`
/// ([`ser_flag`]).
pub mod as_flag {
    pub use super::flag as deserialize;
    pub use super::ser_flag as serialize;
}

/// `#[serde(default, with = "lenient::as_opt_flag")]`: reads an [`opt_flag`], writes `0`/`1`
/// or `null` ([`ser_opt_flag`]).
pub mod as_opt_flag {
    pub use super::opt_flag as deserialize;
    pub use super::ser_opt_flag as serialize;
}

/// `#[serde(default, with = "lenient::as_opt_datetime")]`: reads an [`opt_datetime`], writes
/// `"YYYY-MM-DD HH:MM:SS"` or `null` ([`ser_opt_datetime`]).
pub mod as_opt_datetime {
    pub use super::opt_datetime as deserialize;
    pub use super::ser_opt_datetime as serialize;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq, Default)]
    #[serde(default)]
    struct Sample {
        #[serde(deserialize_with = "opt_id")]
        id: Option<u64>,
        #[serde(deserialize_with = "opt_int")]
        int: Option<i64>,
        #[serde(deserialize_with = "opt_decimal")]
        dec: Option<f64>,
        #[serde(deserialize_with = "flag")]
        flag: bool,
        #[serde(deserialize_with = "opt_flag")]
        oflag: Option<bool>,
        #[serde(deserialize_with = "opt_text")]
        text: Option<String>,
        #[serde(deserialize_with = "opt_datetime")]
        at: Option<NaiveDateTime>,
        #[serde(deserialize_with = "id_list")]
        ids: Vec<u64>,
        #[serde(deserialize_with = "opt_value")]
        value: Option<Value>,
    }

    fn parse(value: Value) -> Result<Sample, serde_json::Error> {
        serde_json::from_value(value)
    }

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|d| d.and_hms_opt(h, mi, s))
            .unwrap_or_default()
    }

    #[test]
    fn ids_and_numbers_from_ints_and_strings() -> Result<(), serde_json::Error> {
        let s = parse(
            json!({"id": "158266", "int": "-4", "dec": "12,50", "ids": [157_783, "158266"]}),
        )?;
        assert_eq!(
            (s.id, s.int, s.dec, s.ids),
            (Some(158_266), Some(-4), Some(12.5), vec![157_783, 158_266])
        );
        let s = parse(json!({"id": 3_042_680.0, "int": 7.0, "dec": 264, "ids": "1, 2"}))?;
        assert_eq!(
            (s.id, s.int, s.dec, s.ids),
            (Some(3_042_680), Some(7), Some(264.0), vec![1, 2])
        );
        let s = parse(json!({"id": 0, "ids": {"0": 5, "1": "6"}}))?;
        assert_eq!((s.id, s.ids), (Some(0), vec![5, 6]));
        Ok(())
    }

    #[test]
    fn unset_forms_are_none() -> Result<(), serde_json::Error> {
        for unset in [json!(null), json!(""), json!(false), json!("  ")] {
            let s = parse(
                json!({"id": unset, "int": unset, "dec": unset, "text": unset, "at": unset,
                                  "ids": unset, "value": unset}),
            )?;
            assert_eq!(s, Sample::default(), "{unset}");
        }
        let s = parse(json!({"at": "0000-00-00 00:00:00"}))?;
        assert_eq!(s.at, None);
        Ok(())
    }

    #[test]
    fn flags_from_ints_strings_and_bools() -> Result<(), serde_json::Error> {
        for (raw, expected) in [
            (json!(1), true),
            (json!(0), false),
            (json!("1"), true),
            (json!("0"), false),
            (json!(true), true),
            (json!("false"), false),
            (json!(null), false),
            (json!(""), false),
        ] {
            assert_eq!(parse(json!({ "flag": raw }))?.flag, expected, "{raw}");
        }
        assert_eq!(parse(json!({"oflag": false}))?.oflag, Some(false));
        assert_eq!(parse(json!({"oflag": null}))?.oflag, None);
        Ok(())
    }

    #[test]
    fn datetimes_in_every_form() -> Result<(), serde_json::Error> {
        let expected = Some(at(2025, 2, 7, 11, 22, 5));
        assert_eq!(parse(json!({"at": "2025-02-07 11:22:05"}))?.at, expected);
        assert_eq!(parse(json!({"at": "2025-02-07T11:22:05"}))?.at, expected);
        assert_eq!(
            parse(json!({"at": "2025-02-07T11:22:05.000"}))?.at,
            expected
        );
        assert_eq!(
            parse(json!({"at": "2025-02-07"}))?.at,
            Some(at(2025, 2, 7, 0, 0, 0))
        );
        assert_eq!(
            parse(json!({"at": 1_692_857_535}))?.at,
            Some(at(2023, 8, 24, 6, 12, 15))
        );
        Ok(())
    }

    #[test]
    fn wrong_types_are_errors_not_guesses() {
        assert!(parse(json!({"id": "abc"})).is_err());
        assert!(parse(json!({"id": -1})).is_err());
        assert!(parse(json!({"id": {"x": 1}})).is_err());
        assert!(parse(json!({"dec": [1]})).is_err());
        assert!(parse(json!({"flag": "maybe"})).is_err());
        assert!(parse(json!({"at": "yesterday"})).is_err());
        assert!(parse(json!({"ids": [1, "x"]})).is_err());
        assert!(parse(json!({"ids": true})).is_err());
        let message = parse(json!({"id": "abc"}))
            .map(|_| ())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("\"abc\""), "{message}");
    }

    #[test]
    fn text_renders_numbers_and_keeps_values() -> Result<(), serde_json::Error> {
        assert_eq!(
            parse(json!({"text": 3_042_680}))?.text.as_deref(),
            Some("3042680")
        );
        assert_eq!(parse(json!({"value": "abc"}))?.value, Some(json!("abc")));
        assert_eq!(parse(json!({"value": 0}))?.value, Some(json!(0)));
        Ok(())
    }

    #[test]
    fn serializers_write_platform_forms() -> Result<(), serde_json::Error> {
        #[derive(serde::Serialize)]
        struct Out {
            #[serde(serialize_with = "ser_flag")]
            a: bool,
            #[serde(serialize_with = "ser_opt_flag")]
            b: Option<bool>,
            #[serde(serialize_with = "ser_opt_datetime")]
            c: Option<NaiveDateTime>,
        }
        let out = serde_json::to_value(Out {
            a: true,
            b: Some(false),
            c: Some(at(2025, 2, 7, 11, 22, 5)),
        })?;
        assert_eq!(out, json!({"a": 1, "b": 0, "c": "2025-02-07 11:22:05"}));
        Ok(())
    }
}
