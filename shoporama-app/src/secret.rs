//! Secrets that must never be printed: app tokens, REST tokens, and secret settings.

use std::fmt;

use subtle::ConstantTimeEq;

macro_rules! redacted_string {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Wraps the secret.
            pub fn new(secret: impl Into<String>) -> Self {
                Self(secret.into())
            }

            /// The secret itself, for the wire or the store. Never log the result.
            pub fn expose(&self) -> &str {
                &self.0
            }

            /// Whether `candidate` equals this secret, compared in constant time (for equal
            /// lengths).
            pub fn matches(&self, candidate: &[u8]) -> bool {
                self.0.as_bytes().ct_eq(candidate).into()
            }

            /// Whether the secret is empty.
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl From<&str> for $name {
            fn from(secret: &str) -> Self {
                Self::new(secret)
            }
        }

        impl From<String> for $name {
            fn from(secret: String) -> Self {
                Self(secret)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(***)"))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("***")
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(Self)
            }
        }
    };
}

redacted_string!(
    /// A Shoporama token (the app's own `x-app-token`, or the REST token a shop hands the app
    /// at install time).
    ///
    /// Its `Debug` and `Display` print `AppToken(***)`, so a token cannot leak into logs, error
    /// messages or panic output by accident. Read it with [`AppToken::expose`] only where it is
    /// sent over the wire or stored.
    AppToken
);

redacted_string!(
    /// A secret setting, e.g. a third-party API key the shop owner enters (a text field in
    /// Shoporama's form).
    ///
    /// `Debug` and `Display` print `Secret(***)`, and a value of the wrong shape is reported
    /// without echoing it, so the secret stays out of logs and errors. The shop owner's form
    /// and the install store still hold it in plain text, as Shoporama sends it.
    ///
    /// Typing a settings field `Secret` (or `Option<Secret>`) is how a field is made secret
    /// (there is no `#[field(secret)]`): the manifest marks it
    /// ([`ManifestField::secret`](crate::manifest::ManifestField::secret)), setup sheets show
    /// `***` for its default, parse errors never quote it, and the `Debug` of
    /// [`Installation`](crate::store::Installation), [`FieldValues`](crate::FieldValues) and
    /// [`Shop`](crate::Shop) never shows it. A setting type of your own opts in with
    /// [`SettingType::SECRET`](crate::fields::SettingType::SECRET).
    ///
    /// ```
    /// use shoporama_app::prelude::*;
    ///
    /// #[shoporama_app(name = "Invoicer", access = read)]
    /// #[derive(Debug)]
    /// pub struct Settings {
    ///     /// The accounting system's API key.
    ///     api_key: Secret,
    /// }
    ///
    /// let fields: FieldValues = [("api_key", "k-123")].into_iter().collect();
    /// let settings = Settings::from_fields(&fields).unwrap_or_else(|e| panic!("{e}"));
    /// assert_eq!(settings.api_key.expose(), "k-123");
    /// assert!(!format!("{settings:?}").contains("k-123"));
    /// assert!(!format!("{fields:?}").contains("k-123"));
    /// ```
    Secret
);

impl crate::fields::SettingType for Secret {
    const KIND: crate::fields::FieldKind = crate::fields::FieldKind::Text;
    const SECRET: bool = true;

    fn parse_setting(value: &serde_json::Value) -> Result<Self, crate::fields::FieldProblem> {
        match value {
            serde_json::Value::String(text) => Ok(Self::new(text.trim())),
            // Never echo the value: it may be the secret sent in the wrong shape.
            _ => Err(crate::fields::FieldProblem::Invalid {
                expected: "text",
                received: "a value that is not text (not shown: it is a secret)".to_owned(),
            }),
        }
    }

    fn to_setting(&self) -> serde_json::Value {
        serde_json::Value::String(self.0.clone())
    }
}

impl crate::fields::SettingDefault<&'static str> for Secret {
    fn from_default(literal: &'static str) -> Result<Self, crate::fields::FieldProblem> {
        Ok(Self::new(literal))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_redact() {
        let token = AppToken::new("dcbfe5ad9e8af3495ca4582e364c1bce");
        assert_eq!(format!("{token:?}"), "AppToken(***)");
        assert_eq!(format!("{token}"), "***");
        assert!(!format!("{:?}", Some(&token)).contains("dcbf"));
    }

    #[test]
    fn secret_settings_redact_and_never_echo_a_bad_value() {
        use crate::fields::SettingType;
        let secret = Secret::parse_setting(&serde_json::json!(" grant-123 ")).unwrap();
        assert_eq!(secret.expose(), "grant-123");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        assert_eq!(format!("{secret}"), "***");
        let error = Secret::parse_setting(&serde_json::json!(12345))
            .unwrap_err()
            .to_string();
        assert!(!error.contains("12345"), "{error}");
    }

    #[test]
    fn matches_only_the_exact_token() {
        let token = AppToken::new("abc");
        assert!(token.matches(b"abc"));
        assert!(!token.matches(b"abd"));
        assert!(!token.matches(b"ab"));
        assert!(!token.matches(b""));
    }
}
