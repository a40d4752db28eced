//! What the effects code asks of its storage, and the two places it can live: the app's SQL
//! database ([`db`](super::db)) or this process's memory ([`memory`](super::memory)).

use std::sync::Arc;

use super::memory::MemoryEffects;
use super::{EffectError, EffectFilter, EffectRecord};

/// An effect's identity, checked and in the table's column types.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct EffectKey {
    /// The webshop, as the `BIGINT` column holds it.
    pub(super) shop: i64,
    pub(super) name: String,
    pub(super) key: String,
}

impl EffectKey {
    /// Checks the parts: a name and a key that are not empty, a webshop id that fits.
    pub(super) fn new(webshop_id: u64, name: &str, key: String) -> Result<Self, EffectError> {
        let shop = i64::try_from(webshop_id).map_err(|_| {
            EffectError::Invalid(format!("webshop id {webshop_id} is too large for effects"))
        })?;
        if name.trim().is_empty() {
            return Err(EffectError::Invalid("an effect needs a name".to_owned()));
        }
        if key.is_empty() {
            return Err(EffectError::Invalid(format!(
                "effect `{name}` of webshop {webshop_id} was given an empty key"
            )));
        }
        Ok(Self {
            shop,
            name: name.to_owned(),
            key,
        })
    }

    /// The webshop id.
    pub(super) fn webshop_id(&self) -> u64 {
        u64::try_from(self.shop).unwrap_or_default()
    }
}

/// What a claim came to.
#[derive(Debug)]
pub(super) enum Claim {
    /// The caller holds the effect now.
    Mine(Claimed),
    /// Someone else holds it, or it is finished: as it is stored.
    Held(Box<EffectRecord>),
    /// The row disappeared between the claim and the look (an operator deleted it): claim
    /// again.
    #[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
    Vanished,
}

/// A claim taken: what the attempt needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Claimed {
    /// The fencing token every later write names.
    pub(super) fence: i64,
    /// Claims so far, this one included.
    pub(super) attempts: u32,
    /// The last failure's message (or why the previous claim expired).
    pub(super) previous_error: Option<String>,
}

/// Where effects are stored. Cheap to clone.
#[derive(Debug, Clone)]
pub(super) enum Backend {
    /// The app's SQL database.
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    Sql(super::db::SqlEffects),
    /// This process's memory.
    Memory(Arc<MemoryEffects>),
}

/// Forwards a call to whichever backend `$self` is.
macro_rules! forward {
    ($self:expr, |$backend:ident| $body:expr) => {
        match $self {
            #[cfg(any(feature = "sqlite", feature = "postgres"))]
            Backend::Sql($backend) => $body,
            Backend::Memory($backend) => $body,
        }
    };
}

impl Backend {
    /// The storage's name, for logs: `SQLite`, `PostgreSQL` or `memory`.
    pub(super) fn name(&self) -> &'static str {
        match self {
            #[cfg(any(feature = "sqlite", feature = "postgres"))]
            Self::Sql(sql) => sql.name(),
            Self::Memory(_) => "memory",
        }
    }

    /// Claims the effect for `owner` until `lease_until` (unix microseconds), at `now`: when
    /// it is new, failed and retryable, or running under an expired lease.
    pub(super) async fn claim(
        &self,
        key: &EffectKey,
        owner: &str,
        now: i64,
        lease_until: i64,
    ) -> Result<Claim, EffectError> {
        forward!(self, |backend| backend
            .claim(key, owner, now, lease_until)
            .await)
    }

    /// Extends the claim with `fence` to `lease_until`; whether it still holds.
    pub(super) async fn renew(
        &self,
        key: &EffectKey,
        fence: i64,
        lease_until: i64,
    ) -> Result<bool, EffectError> {
        forward!(self, |backend| backend.renew(key, fence, lease_until).await)
    }

    /// Records success with `result` (JSON) under the claim with `fence`; whether the claim
    /// still held (nothing is written otherwise).
    pub(super) async fn complete(
        &self,
        key: &EffectKey,
        fence: i64,
        result: &str,
        now: i64,
    ) -> Result<bool, EffectError> {
        forward!(self, |backend| backend
            .complete(key, fence, result, now)
            .await)
    }

    /// Records a failure under the claim with `fence`; whether the claim still held.
    pub(super) async fn fail(
        &self,
        key: &EffectKey,
        fence: i64,
        message: &str,
        retryable: bool,
        now: i64,
    ) -> Result<bool, EffectError> {
        forward!(self, |backend| backend
            .fail(key, fence, message, retryable, now)
            .await)
    }

    /// The effect as stored.
    pub(super) async fn get(&self, key: &EffectKey) -> Result<Option<EffectRecord>, EffectError> {
        forward!(self, |backend| backend.get(key).await)
    }

    /// The effects `filter` selects, most recently changed first.
    pub(super) async fn list(
        &self,
        filter: &EffectFilter,
    ) -> Result<Vec<EffectRecord>, EffectError> {
        forward!(self, |backend| backend.list(filter).await)
    }

    /// Marks the failed effects `filter` selects retryable; how many.
    pub(super) async fn retry(&self, filter: &EffectFilter, now: i64) -> Result<u64, EffectError> {
        forward!(self, |backend| backend.retry(filter, now).await)
    }
}

/// The message stored when a claim is taken over from an attempt that did not finish.
pub(super) fn expired_message(attempt: i64, owner: Option<&str>) -> String {
    format!(
        "attempt {attempt} ({}) did not finish before its claim expired",
        owner.unwrap_or("unknown owner")
    )
}
