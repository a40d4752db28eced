//! [`EffectError`]: what a call to [`Effects::once`](super::Effects::once) can end in, other
//! than the effect's result.

use std::error::Error as StdError;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// How long a caller is told to wait ([`EffectError::retry_after`]) before trying again.
pub const RETRY_AFTER: Duration = Duration::from_secs(5);

/// Why [`Effects::once`](super::Effects::once) returned no result.
///
/// `?` in a handler turns it into an [`AppError`](crate::AppError): one that
/// [`is_retryable`](Self::is_retryable) becomes [`AppError::retry_after`](crate::AppError::retry_after)
/// (a 503 with `Retry-After`, so Shoporama delivers the callback again), any other a 500.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EffectError {
    /// The effect failed (now, or on an earlier attempt whose failure is stored).
    #[error(
        "effect `{name}` for key `{key}` of webshop {webshop_id} failed on attempt {attempts}: {message}"
    )]
    #[non_exhaustive]
    Failed {
        /// The webshop.
        webshop_id: u64,
        /// The effect's name.
        name: String,
        /// The effect's key.
        key: String,
        /// The failure's message.
        message: String,
        /// Whether the next call runs the effect again; when `false`, only an operator's
        /// retry does.
        retryable: bool,
        /// Attempts made so far.
        attempts: u32,
    },
    /// The effect is running under another claim (another request, worker or process), and
    /// did not finish within the configured wait.
    #[error(
        "effect `{name}` for key `{key}` of webshop {webshop_id} is still running elsewhere (claimed until {lease_until}): try again later"
    )]
    #[non_exhaustive]
    Busy {
        /// The webshop.
        webshop_id: u64,
        /// The effect's name.
        name: String,
        /// The effect's key.
        key: String,
        /// Until when the other claim holds unless renewed.
        lease_until: DateTime<Utc>,
    },
    /// This attempt's claim was taken over (its lease expired) before its outcome was
    /// recorded: nothing was recorded, the newer attempt's outcome stands.
    #[error(
        "effect `{name}` for key `{key}` of webshop {webshop_id}: the claim of this attempt (fence {fence}) was taken over, so its outcome was not recorded"
    )]
    #[non_exhaustive]
    Fenced {
        /// The webshop.
        webshop_id: u64,
        /// The effect's name.
        name: String,
        /// The effect's key.
        key: String,
        /// The fence this attempt claimed with.
        fence: i64,
    },
    /// The database failed.
    #[error("effects operation `{operation}` failed: {source}")]
    Database {
        /// The operation.
        operation: &'static str,
        /// The cause (the database's message only).
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
    /// A stored effect cannot be read back.
    #[error("corrupt effects row: column `{column}` {reason}")]
    Corrupt {
        /// The column.
        column: &'static str,
        /// What is wrong with it (never the value).
        reason: String,
    },
    /// The effect's stored result does not deserialize as the type this call asked for.
    #[error(
        "the stored result of effect `{name}` for key `{key}` of webshop {webshop_id} is not a `{expected}`: {reason}"
    )]
    #[non_exhaustive]
    Decode {
        /// The webshop.
        webshop_id: u64,
        /// The effect's name.
        name: String,
        /// The effect's key.
        key: String,
        /// The type asked for.
        expected: &'static str,
        /// Why it does not deserialize.
        reason: String,
    },
    /// The call cannot be carried out (an empty name or key, a webshop id too large).
    #[error("{0}")]
    Invalid(String),
}

impl EffectError {
    /// Whether calling again later may succeed: a retryable failure, a busy or fenced effect,
    /// a database error.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Failed { retryable, .. } => *retryable,
            Self::Busy { .. } | Self::Fenced { .. } | Self::Database { .. } => true,
            Self::Corrupt { .. } | Self::Decode { .. } | Self::Invalid(_) => false,
        }
    }

    /// How long to wait before calling again, when that may help ([`RETRY_AFTER`]).
    pub fn retry_after(&self) -> Option<Duration> {
        self.is_retryable().then_some(RETRY_AFTER)
    }

    pub(super) fn database(operation: &'static str, error: &dyn StdError) -> Self {
        Self::Database {
            operation,
            source: crate::store::describe(error),
        }
    }
}
