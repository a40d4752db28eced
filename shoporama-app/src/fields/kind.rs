use serde::{Deserialize, Serialize};

/// The kind of an app field in Shoporama's app form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    /// A single-line text input.
    Text,
    /// A whole number.
    Integer,
    /// A checkbox.
    Boolean,
    /// A choice among options, fixed or served by the app (an external list).
    List,
    /// A colour picker (`#rrggbb`).
    Color,
    /// An HTML editor. Inserted raw into snippets, by design.
    #[serde(rename = "richtext")]
    RichText,
    /// A code editor (HTML, JavaScript, CSS). Inserted raw into snippets, by design.
    Code,
}

impl FieldKind {
    /// The name Shoporama's form uses for this kind.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Integer => "integer",
            Self::Boolean => "boolean",
            Self::List => "list",
            Self::Color => "color",
            Self::RichText => "richtext",
            Self::Code => "code",
        }
    }
}

impl std::fmt::Display for FieldKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
