//! The `Authorization` header: which scheme carries a token, built so that it is never
//! printed.

use reqwest::header::HeaderValue;

use super::RestError;
use crate::secret::AppToken;

/// How a shop token is sent in `Authorization`. Shoporama documents three forms; the default
/// is the one every known client uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthScheme {
    /// `Authorization: Shoporama <token>` (the documented form; the default).
    #[default]
    Shoporama,
    /// `Authorization: Bearer <token>` (the newer documentation).
    Bearer,
    /// `Authorization: <token>` (the raw key, also in the newer documentation).
    Raw,
    /// `Authorization: App <token>`: the app's own token, for `app-status`.
    App,
}

impl AuthScheme {
    /// The scheme's prefix, without the space (`""` for [`AuthScheme::Raw`]).
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Shoporama => "Shoporama",
            Self::Bearer => "Bearer",
            Self::Raw => "",
            Self::App => "App",
        }
    }

    /// The header value for `token`, marked sensitive (hyper and reqwest then keep it out of
    /// their debug output). Fails, without echoing the token, when it holds characters a
    /// header cannot carry, or is empty.
    pub(crate) fn header(self, token: &AppToken) -> Result<HeaderValue, RestError> {
        let secret = token.expose().trim();
        if secret.is_empty() {
            return Err(RestError::InvalidToken);
        }
        let text = match self {
            Self::Raw => secret.to_owned(),
            other => format!("{} {secret}", other.prefix()),
        };
        let mut value = HeaderValue::from_str(&text).map_err(|_| RestError::InvalidToken)?;
        value.set_sensitive(true);
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_for_each_scheme() -> Result<(), RestError> {
        let token = AppToken::new("abc123");
        assert_eq!(AuthScheme::Shoporama.header(&token)?, "Shoporama abc123");
        assert_eq!(AuthScheme::Bearer.header(&token)?, "Bearer abc123");
        assert_eq!(AuthScheme::Raw.header(&token)?, "abc123");
        assert_eq!(AuthScheme::App.header(&token)?, "App abc123");
        assert!(AuthScheme::App.header(&token)?.is_sensitive());
        Ok(())
    }

    #[test]
    fn bad_tokens_are_refused_without_echo() {
        let bad = AuthScheme::Shoporama
            .header(&AppToken::new("abc\ndef"))
            .err();
        assert!(matches!(bad, Some(RestError::InvalidToken)));
        assert!(
            !bad.map(|e| e.to_string())
                .unwrap_or_default()
                .contains("abc")
        );
        assert!(AuthScheme::Shoporama.header(&AppToken::new("")).is_err());
    }
}
