use std::fmt;

use serde_json::Value;

use super::setting_type::text;
use super::{FieldKind, FieldProblem, SettingType};

/// A colour setting, normalised to lowercase `#rrggbb`.
///
/// Shoporama's colour picker sends `#rgb` or `#rrggbb`, in either case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Color {
    /// Red, 0–255.
    pub r: u8,
    /// Green, 0–255.
    pub g: u8,
    /// Blue, 0–255.
    pub b: u8,
}

impl Color {
    /// Parses `#rgb` or `#rrggbb` (case-insensitive, surrounding whitespace ignored).
    pub fn parse(input: &str) -> Option<Self> {
        let hex = input.trim().strip_prefix('#')?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let digit = |i: usize| u8::from_str_radix(hex.get(i..=i)?, 16).ok();
        let pair = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
        match hex.len() {
            3 => Some(Self {
                r: digit(0)? * 17,
                g: digit(1)? * 17,
                b: digit(2)? * 17,
            }),
            6 => Some(Self {
                r: pair(0)?,
                g: pair(2)?,
                b: pair(4)?,
            }),
            _ => None,
        }
    }

    /// The colour as lowercase `#rrggbb`.
    pub fn to_hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

impl fmt::Display for Color {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

impl std::str::FromStr for Color {
    type Err = FieldProblem;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| FieldProblem::invalid(COLOR, &Value::String(s.to_owned())))
    }
}

const COLOR: &str = "a colour as #rgb or #rrggbb";

impl SettingType for Color {
    const KIND: FieldKind = FieldKind::Color;

    fn parse_setting(value: &Value) -> Result<Self, FieldProblem> {
        value
            .as_str()
            .and_then(Self::parse)
            .ok_or_else(|| FieldProblem::invalid(COLOR, value))
    }

    fn to_setting(&self) -> Value {
        Value::String(self.to_hex())
    }
}

macro_rules! raw_text_setting {
    ($(#[$doc:meta])* $name:ident, $kind:expr, $expected:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
        pub struct $name(pub String);

        impl $name {
            /// The text, byte for byte as the shop owner entered it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                Self(text)
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                Self(text.to_owned())
            }
        }

        impl SettingType for $name {
            const KIND: FieldKind = $kind;

            fn parse_setting(value: &Value) -> Result<Self, FieldProblem> {
                text(value, $expected).map(Self)
            }

            fn to_setting(&self) -> Value {
                Value::String(self.0.clone())
            }
        }
    };
}

raw_text_setting!(
    /// A rich-text (HTML) setting, edited in Shoporama's HTML editor.
    ///
    /// Snippets insert it raw, by design: the shop owner writes HTML for their own shop, so
    /// escaping it would break what they wrote. Only the shop's own administrators can set it.
    RichText,
    FieldKind::RichText,
    "rich text (a string)"
);

raw_text_setting!(
    /// A code setting (HTML, JavaScript or CSS), edited in Shoporama's code editor.
    ///
    /// Snippets insert it raw, by design: it is code the shop owner chose to run in their shop.
    Code,
    FieldKind::Code,
    "code (a string)"
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn colours_accept_short_and_long_hex_in_any_case() {
        assert_eq!(
            Color::parse("#FFF"),
            Some(Color {
                r: 255,
                g: 255,
                b: 255
            })
        );
        assert_eq!(
            Color::parse("#a1B2c3").map(Color::to_hex).as_deref(),
            Some("#a1b2c3")
        );
        assert_eq!(
            Color::parse(" #abc ").map(Color::to_hex).as_deref(),
            Some("#aabbcc")
        );
        assert_eq!(
            Color::parse_setting(&json!("#00FF7f")).map(Color::to_hex),
            Ok("#00ff7f".to_owned())
        );
    }

    #[test]
    fn colours_reject_the_rest() {
        for bad in [
            "fff", "#ffff", "#gggggg", "#12345", "#1234567", "red", "", "#", "#ééé", "#+1+1+1",
        ] {
            assert_eq!(Color::parse(bad), None, "{bad}");
        }
        assert!(matches!(
            Color::parse_setting(&json!(123)),
            Err(FieldProblem::Invalid { .. })
        ));
    }

    #[test]
    fn raw_text_passes_through_byte_for_byte() {
        let html = "<p onclick=\"x()\">'\\\u{2028}æøå</p>";
        assert_eq!(
            RichText::parse_setting(&json!(html)).map(|t| t.0),
            Ok(html.to_owned())
        );
        assert_eq!(
            Code::parse_setting(&json!(html)).map(|t| t.to_setting()),
            Ok(json!(html))
        );
    }
}
