use std::fmt;

use serde_json::Value;

/// What is wrong with one field value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldProblem {
    /// A required field is missing, `null` or an empty string, and has no default.
    #[error("is required but was not set")]
    Missing,
    /// The value has the wrong shape for the field's kind.
    #[error("expected {expected}, got {received}")]
    Invalid {
        /// What the field accepts, in words.
        expected: &'static str,
        /// The value received, rendered as JSON (shortened when long).
        received: String,
    },
    /// An integer that does not fit the field's Rust type.
    #[error("{received} is out of range for {ty}")]
    OutOfRange {
        /// The value received.
        received: String,
        /// The Rust integer type of the field.
        ty: &'static str,
    },
    /// A list value that is not one of the list's option keys.
    #[error("{received} is not one of the options {options}")]
    UnknownOption {
        /// The value received.
        received: String,
        /// The valid option keys, quoted and comma-separated.
        options: String,
    },
}

impl FieldProblem {
    /// An [`FieldProblem::Invalid`] for `value`.
    pub fn invalid(expected: &'static str, value: &Value) -> Self {
        Self::Invalid {
            expected,
            received: describe(value),
        }
    }
}

/// One field that failed to parse: its wire name and the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}` {problem}")]
pub struct FieldError {
    /// The field's wire name (its key in `fields`, and `$app_vars.<name>` in Smarty).
    pub field: String,
    /// What is wrong with it.
    pub problem: FieldProblem,
}

/// The settings of an installation could not be built from its field values.
///
/// Holds every failing field, not just the first, so a shop owner sees all mistakes at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    errors: Vec<FieldError>,
}

impl SettingsError {
    /// An error made of these field errors.
    pub fn new(errors: Vec<FieldError>) -> Self {
        Self { errors }
    }

    /// The failing fields, in declaration order.
    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// Each failing field as one human-readable line.
    pub fn messages(&self) -> Vec<String> {
        self.errors.iter().map(ToString::to_string).collect()
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.errors.as_slice() {
            [] => f.write_str("invalid settings"),
            [one] => write!(f, "invalid settings: {one}"),
            many => {
                write!(f, "invalid settings ({} fields): ", many.len())?;
                for (i, error) in many.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{error}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for SettingsError {}

/// Renders a received value for an error message: JSON, shortened to 80 characters.
pub(crate) fn describe(value: &Value) -> String {
    const MAX: usize = 80;
    let json = value.to_string();
    if json.chars().count() <= MAX {
        json
    } else {
        let cut: String = json.chars().take(MAX).collect();
        format!("{cut}… ({} bytes)", json.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_name_the_field_and_show_the_value() {
        let error = SettingsError::new(vec![
            FieldError {
                field: "cookie_days".into(),
                problem: FieldProblem::invalid("an integer", &json!("abc")),
            },
            FieldError {
                field: "measurement_id".into(),
                problem: FieldProblem::Missing,
            },
        ]);
        assert_eq!(
            error.to_string(),
            "invalid settings (2 fields): field `cookie_days` expected an integer, got \"abc\"; \
             field `measurement_id` is required but was not set"
        );
    }

    #[test]
    fn long_values_are_shortened() {
        let long = "x".repeat(500);
        let shown = describe(&json!(long));
        assert!(shown.chars().count() < 120, "{shown}");
        assert!(shown.ends_with("(502 bytes)"));
    }
}
