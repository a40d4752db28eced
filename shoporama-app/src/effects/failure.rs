//! [`EffectFailure`]: how an effect says it did not happen, and whether to run it again.

use std::fmt;

use crate::rest::RestError;

/// The longest failure message stored (characters); the rest is cut.
const MAX_MESSAGE_CHARS: usize = 2000;

/// Why an effect did not happen: the error an effect's closure returns.
///
/// - [`retryable`](Self::retryable): the outside system was unavailable (a time-out, a 5xx,
///   a rate limit). The failure is recorded and the next call for the key runs the effect
///   again; its [`Attempt::taken_over`](super::Attempt::taken_over) is set.
/// - [`permanent`](Self::permanent): running it again would fail the same way (the outside
///   system refused the data). The failure is recorded and returned to every later call
///   without running, until an operator retries it (`<app> effects retry`,
///   [`Effects::retry`](super::Effects::retry)).
///
/// `?` converts common errors: a [`RestError`] (permanent for a 4xx answer other than 408
/// and 429, and for requests that could not be built; retryable otherwise), a
/// [`reqwest::Error`] (likewise), an [`std::io::Error`] (retryable), a
/// [`serde_json::Error`] (permanent), an [`AppError`](crate::AppError) (retryable when its status is 5xx or
/// it carries a retry delay) and an [`EffectError`](super::EffectError) of a nested effect
/// (retryable when it is). The message is stored: keep secrets out of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectFailure {
    message: String,
    retryable: bool,
}

impl EffectFailure {
    /// A failure worth retrying: the next call for the key runs the effect again.
    pub fn retryable(message: impl fmt::Display) -> Self {
        Self::new(message.to_string(), true)
    }

    /// A failure that retrying would repeat: returned to later calls without running, until
    /// an operator retries it.
    pub fn permanent(message: impl fmt::Display) -> Self {
        Self::new(message.to_string(), false)
    }

    fn new(message: String, retryable: bool) -> Self {
        Self {
            message: truncate(message),
            retryable,
        }
    }

    /// The message (at most 2000 characters).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether the next call runs the effect again.
    pub fn is_retryable(&self) -> bool {
        self.retryable
    }
}

impl fmt::Display for EffectFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EffectFailure {}

/// Whether an HTTP status names a failure that a retry may not repeat.
fn refused(status: http::StatusCode) -> bool {
    status.is_client_error()
        && status != http::StatusCode::REQUEST_TIMEOUT
        && status != http::StatusCode::TOO_MANY_REQUESTS
}

impl From<RestError> for EffectFailure {
    fn from(error: RestError) -> Self {
        let permanent = match &error {
            RestError::Encode(_)
            | RestError::Decode { .. }
            | RestError::NotAList { .. }
            | RestError::InvalidToken
            | RestError::Config(_) => true,
            other => other.status().is_some_and(refused),
        };
        Self::new(error.to_string(), !permanent)
    }
}

impl From<reqwest::Error> for EffectFailure {
    fn from(error: reqwest::Error) -> Self {
        let permanent =
            error.is_builder() || error.is_decode() || error.status().is_some_and(refused);
        // The URL may carry credentials in its query: leave it out.
        Self::new(error.without_url().to_string(), !permanent)
    }
}

impl From<std::io::Error> for EffectFailure {
    fn from(error: std::io::Error) -> Self {
        Self::retryable(error)
    }
}

impl From<serde_json::Error> for EffectFailure {
    fn from(error: serde_json::Error) -> Self {
        Self::permanent(error)
    }
}

impl From<super::EffectError> for EffectFailure {
    fn from(error: super::EffectError) -> Self {
        Self::new(error.to_string(), error.is_retryable())
    }
}

/// `message` cut to [`MAX_MESSAGE_CHARS`] characters.
pub(super) fn truncate(mut message: String) -> String {
    if let Some((cut, _)) = message.char_indices().nth(MAX_MESSAGE_CHARS) {
        message.truncate(cut);
        message.push('…');
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructors_and_conversions_say_whether_to_retry() {
        assert!(EffectFailure::retryable("down").is_retryable());
        assert!(!EffectFailure::permanent("refused").is_retryable());
        assert_eq!(EffectFailure::permanent("refused").to_string(), "refused");
        let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "slow");
        assert!(EffectFailure::from(io).is_retryable());
        let json = serde_json::from_str::<u8>("x").err();
        assert!(json.is_some_and(|error| !EffectFailure::from(error).is_retryable()));
        assert!(!EffectFailure::from(RestError::InvalidToken).is_retryable());
    }

    #[test]
    fn long_messages_are_cut_at_a_character() {
        let failure = EffectFailure::retryable("æ".repeat(5000));
        assert_eq!(failure.message().chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(failure.message().ends_with('…'));
    }
}
