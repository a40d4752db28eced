//! Setting fields: the seven Shoporama field kinds, the Rust types that map to them, and the
//! lenient parsing of the values Shoporama sends.
//!
//! | Rust type | Shoporama kind |
//! |---|---|
//! | `String` | `text` |
//! | `i8` … `i64`, `u8` … `u64`, `isize`, `usize` | `integer` |
//! | `bool` | `boolean` |
//! | an enum deriving [`ListOptions`](macro@crate::ListOptions) | `list` (fixed options) |
//! | `String` with `#[field(list = external("name"))]` | `list` (options served by the app) |
//! | [`Color`] | `color` |
//! | [`RichText`] | `richtext` |
//! | [`Code`] | `code` |
//! | `Option<T>` of any of these | the same kind, not required |
//!
//! Shoporama is written in PHP and its JSON is loosely typed, so parsing accepts every spelling
//! PHP produces (see [`SettingType`] implementations): integers as `5` or `"5"`, booleans as
//! `true`, `1`, `"1"`, `"on"`, `"yes"` and their opposites, and an empty string for "not set".

mod default;
mod error;
mod kind;
mod list;
mod setting_type;
mod text;
mod values;

pub use default::SettingDefault;
pub use error::{FieldError, FieldProblem, SettingsError};
pub use kind::FieldKind;
pub use list::{ExternalListKey, ListOption, ListOptions};
pub use setting_type::SettingType;
pub use text::{Code, Color, RichText};
pub use values::{FieldValues, has_renamed, move_renamed};
pub(crate) use values::{RedactedFields, json_kind};

pub(crate) use error::describe as describe_value;
