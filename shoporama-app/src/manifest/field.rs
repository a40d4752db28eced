use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::fields::{FieldKind, ListOption};

/// One field of the app form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestField {
    /// The wire name: the key in `fields`, and `$app_vars.<name>` in Smarty.
    pub name: String,
    /// The label the shop owner sees.
    pub label: String,
    /// Help text (from the field's doc comment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The field kind.
    pub kind: FieldKind,
    /// Whether the shop owner must fill it in.
    pub required: bool,
    /// Whether its value is a secret (a [`Secret`](crate::Secret) field): setup sheets show
    /// `***` for its default, errors never echo its value.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secret: bool,
    /// The value used when the field is not set.
    pub default: Value,
    /// The fixed options of a list field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<ListOption>>,
    /// Earlier variable names of this field (`#[field(rename_from = "old")]`): a stored value
    /// under one of them is moved to `name` when the shop's settings are next loaded, and the
    /// upgrade lock accepts the rename.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rename_from: Vec<String>,
    /// The name of the external list serving this list field's options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_list: Option<String>,
    /// Why the `default = …` literal is not a valid value of this field (a bad colour, a key
    /// that is not among the list's options), found when the manifest was built. `manifest`
    /// and `doctor` report it as an error.
    #[serde(skip)]
    pub invalid_default: Option<String>,
}

impl ManifestField {
    /// A plausible value for this field: its default, else a sample of its kind (the first
    /// option of a fixed list). What `preview` renders with and what `SimulatedShop` installs
    /// with when a test sets nothing else.
    pub fn sample_value(&self) -> Value {
        if !self.default.is_null() {
            return self.default.clone();
        }
        match self.kind {
            FieldKind::Text => Value::String(format!("sample {}", self.label.to_lowercase())),
            FieldKind::Integer => json!(30),
            FieldKind::Boolean => json!(true),
            FieldKind::List => self
                .options
                .as_ref()
                .and_then(|options| options.first())
                .map_or_else(
                    || json!("sample"),
                    |option| Value::String(option.key.clone()),
                ),
            FieldKind::Color => json!("#3366cc"),
            FieldKind::RichText => json!("<p>Sample <strong>rich text</strong></p>"),
            FieldKind::Code => json!("<!-- sample code -->"),
        }
    }
}
