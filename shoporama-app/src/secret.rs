//! Secrets that must never be printed: app tokens and REST tokens.

use std::fmt;

use subtle::ConstantTimeEq;

/// A Shoporama token (the app's own `x-app-token`, or the REST token a shop hands the app at
/// install time).
///
/// Its `Debug` and `Display` print `AppToken(***)`, so a token cannot leak into logs, error
/// messages or panic output by accident. Read it with [`AppToken::expose`] only where it is
/// sent over the wire or stored.
#[derive(Clone, PartialEq, Eq)]
pub struct AppToken(String);

impl AppToken {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The token itself, for the HTTP header or the store. Never log the result.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `candidate` equals this token, compared in constant time (for equal lengths).
    pub fn matches(&self, candidate: &[u8]) -> bool {
        self.0.as_bytes().ct_eq(candidate).into()
    }

    /// Whether the token is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for AppToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AppToken(***)")
    }
}

impl fmt::Display for AppToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl serde::Serialize for AppToken {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for AppToken {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
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
    fn matches_only_the_exact_token() {
        let token = AppToken::new("abc");
        assert!(token.matches(b"abc"));
        assert!(!token.matches(b"abd"));
        assert!(!token.matches(b"ab"));
        assert!(!token.matches(b""));
    }
}
