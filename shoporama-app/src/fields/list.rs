use serde::{Deserialize, Serialize};

/// One option of a list field: the key Shoporama stores and the label the shop owner sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListOption {
    /// The stored value (`$app_vars.<field>` in Smarty).
    pub key: String,
    /// What the shop owner sees in the form.
    pub label: String,
}

impl ListOption {
    /// An option with this key and label.
    pub fn new(key: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            label: label.into(),
        }
    }
}

/// An enum whose variants are the fixed options of a list field.
///
/// Derive it with [`#[derive(ListOptions)]`](macro@crate::ListOptions); the derive also
/// implements [`SettingType`](super::SettingType) and [`SettingDefault`](super::SettingDefault).
pub trait ListOptions: Sized + 'static {
    /// The options in declaration order, as `(key, label)`.
    const OPTIONS: &'static [(&'static str, &'static str)];

    /// The key of this option.
    fn key(&self) -> &'static str;

    /// The option with this key.
    fn from_key(key: &str) -> Option<Self>;

    /// The options as [`ListOption`]s.
    fn list_options() -> Vec<ListOption> {
        Self::OPTIONS
            .iter()
            .map(|(key, label)| ListOption::new(*key, *label))
            .collect()
    }
}

/// A type that can hold the key chosen from an external list (options served by the app at
/// run time): `String` or `Option<String>`.
#[diagnostic::on_unimplemented(
    message = "a field with `#[field(list = external(...))]` must be a `String` or `Option<String>`, not `{Self}`",
    label = "the chosen option's key is stored as a string"
)]
pub trait ExternalListKey {}

impl ExternalListKey for String {}
impl ExternalListKey for Option<String> {}
