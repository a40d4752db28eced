//! `#[serde(default, with = "lenient::field")]`: one attribute for every lenient field,
//! chosen by the field's type through [`LenientField`]. The typed models are declared with it,
//! one line a field.
//!
//! | Type | Reads as | Writes |
//! |---|---|---|
//! | `u64` | [`id`](super::id) | the number |
//! | `Option<u64>` | [`opt_id`](super::opt_id) | the number or `null` |
//! | `Option<i64>` | [`opt_int`](super::opt_int) | the number or `null` |
//! | `Option<f64>` | [`opt_decimal`](super::opt_decimal) | the number or `null` |
//! | `bool` | [`flag`](super::flag) | `0` / `1` |
//! | `Option<bool>` | [`opt_flag`](super::opt_flag) | `0` / `1` / `null` |
//! | `String` | [`text`](super::text) | the text |
//! | `Option<String>` | [`opt_text`](super::opt_text) | the text or `null` |
//! | `Option<NaiveDateTime>` | [`opt_datetime`](super::opt_datetime) | `"YYYY-MM-DD HH:MM:SS"` or `null` |
//! | `Vec<u64>` | [`id_list`](super::id_list) | an array |
//! | `Vec<Value>`, `Vec<ExtensionField>`, … | [`list`](super::list) | an array |
//! | `Option<Value>` | [`opt_value`](super::opt_value) | the value or `null` |
//!
//! ```
//! use shoporama_app::rest::lenient;
//! #[derive(serde::Deserialize, serde::Serialize)]
//! struct Item {
//!     #[serde(default, with = "lenient::field")]
//!     is_online: bool,
//!     #[serde(default, with = "lenient::field")]
//!     price: Option<f64>,
//! }
//! let item: Item = serde_json::from_str(r#"{"is_online": "1", "price": "12,50"}"#).unwrap();
//! assert!(item.is_online);
//! assert_eq!(serde_json::to_string(&item).unwrap(), r#"{"is_online":1,"price":12.5}"#);
//! ```

use chrono::NaiveDateTime;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// A field type with a lenient reader and the platform's writer (see the module's table).
pub trait LenientField: Sized {
    /// Reads the field leniently.
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
    /// Writes the field as the platform does.
    fn write<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error>;
}

/// Reads any [`LenientField`] (`#[serde(with = "lenient::field")]`).
pub fn deserialize<'de, D: Deserializer<'de>, T: LenientField>(d: D) -> Result<T, D::Error> {
    T::read(d)
}

/// Writes any [`LenientField`] (`#[serde(with = "lenient::field")]`).
pub fn serialize<S: Serializer, T: LenientField>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    value.write(s)
}

/// Implements [`LenientField`] for `$ty`: read with `$read`, written as serde writes it.
macro_rules! plain {
    ($($ty:ty => $read:path),* $(,)?) => {
        $(
            impl LenientField for $ty {
                fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    $read(d)
                }
                fn write<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    self.serialize(s)
                }
            }
        )*
    };
}

plain! {
    u64 => super::id,
    Option<u64> => super::opt_id,
    Option<i64> => super::opt_int,
    Option<f64> => super::opt_decimal,
    String => super::text,
    Option<String> => super::opt_text,
    Vec<u64> => super::id_list,
    Option<Value> => super::opt_value,
}

impl LenientField for bool {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::flag(d)
    }
    fn write<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        super::ser_flag(self, s)
    }
}

impl LenientField for Option<bool> {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::opt_flag(d)
    }
    fn write<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        super::ser_opt_flag(self, s)
    }
}

impl LenientField for Option<NaiveDateTime> {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::opt_datetime(d)
    }
    fn write<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        super::ser_opt_datetime(self, s)
    }
}

/// A list of items that are themselves models or JSON values (`[…]`, a PHP-style object,
/// or an unset value read as empty).
pub trait ListItem: for<'de> Deserialize<'de> + Serialize {}

impl ListItem for Value {}

impl<T: ListItem> LenientField for Vec<T> {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::list(d)
    }
    fn write<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.serialize(s)
    }
}
