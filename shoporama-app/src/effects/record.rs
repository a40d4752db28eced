//! What is stored about an effect ([`EffectRecord`], [`EffectState`]) and how to select
//! effects ([`EffectFilter`]) for [`Effects::list`](super::Effects::list) and
//! [`Effects::retry`](super::Effects::retry).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

/// Where an effect is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EffectState {
    /// Claimed by an attempt until its lease expires.
    Running,
    /// It happened; its result is stored.
    Done,
    /// The last attempt failed; [`EffectRecord::retryable`] says whether the next call runs
    /// it again.
    Failed,
}

impl EffectState {
    /// Every state.
    pub const ALL: [Self; 3] = [Self::Running, Self::Done, Self::Failed];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    /// The state of a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == name)
    }
}

impl fmt::Display for EffectState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One effect as stored: a row of `shoporama_effects`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct EffectRecord {
    /// The webshop.
    pub webshop_id: u64,
    /// The effect's name (`invoice`).
    pub name: String,
    /// The effect's key (an order id).
    pub key: String,
    /// Its state.
    pub state: EffectState,
    /// The fencing token of the latest claim: grows by one on every claim.
    pub fence: i64,
    /// Who holds (or last held) the claim: process, and claim number.
    pub owner: Option<String>,
    /// Until when the claim holds unless renewed (while running).
    pub lease_until: Option<DateTime<Utc>>,
    /// Claims so far, including one running.
    pub attempts: u32,
    /// The result, once done.
    pub result: Option<Value>,
    /// The last failure's message (kept after a later success).
    pub last_error: Option<String>,
    /// Whether a failed effect runs again on the next call.
    pub retryable: bool,
    /// When it was first claimed.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it became done or failed.
    pub finished_at: Option<DateTime<Utc>>,
}

/// Which effects [`Effects::list`](super::Effects::list) and
/// [`Effects::retry`](super::Effects::retry) act on: every condition set must hold.
///
/// ```
/// use shoporama_app::effects::{EffectFilter, EffectState};
///
/// let failed_invoices = EffectFilter::all()
///     .webshop_id(7)
///     .name("invoice")
///     .state(EffectState::Failed);
/// assert_eq!(failed_invoices.limit, 100);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EffectFilter {
    /// Only this shop's effects.
    pub webshop_id: Option<u64>,
    /// Only effects of this name.
    pub name: Option<String>,
    /// Only effects with this key.
    pub key: Option<String>,
    /// Only effects in this state ([`Effects::retry`](super::Effects::retry) acts on failed
    /// effects whatever this says).
    pub state: Option<EffectState>,
    /// At most this many effects ([`Effects::list`](super::Effects::list) only).
    pub limit: u32,
}

impl Default for EffectFilter {
    fn default() -> Self {
        Self::all()
    }
}

impl EffectFilter {
    /// Every effect (at most 100 listed).
    pub fn all() -> Self {
        Self {
            webshop_id: None,
            name: None,
            key: None,
            state: None,
            limit: 100,
        }
    }

    /// Only this shop's effects.
    #[must_use]
    pub fn webshop_id(mut self, webshop_id: u64) -> Self {
        self.webshop_id = Some(webshop_id);
        self
    }

    /// Only effects of this name.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Only effects with this key.
    #[must_use]
    pub fn key(mut self, key: impl fmt::Display) -> Self {
        self.key = Some(key.to_string());
        self
    }

    /// Only effects in this state.
    #[must_use]
    pub fn state(mut self, state: EffectState) -> Self {
        self.state = Some(state);
        self
    }

    /// At most this many effects listed.
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit;
        self
    }

    /// Whether `record` meets the conditions (not the limit).
    pub(super) fn matches(&self, record: &EffectRecord) -> bool {
        self.webshop_id.is_none_or(|id| id == record.webshop_id)
            && self.name.as_ref().is_none_or(|name| *name == record.name)
            && self.key.as_ref().is_none_or(|key| *key == record.key)
            && self.state.is_none_or(|state| state == record.state)
    }
}
