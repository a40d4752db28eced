//! [`MemoryEffects`]: effects kept in this process, for a store without a SQL database
//! (`memory://`, [`MemoryStore`](crate::store::MemoryStore)) and for tests.
//!
//! The same rules as the SQL table, applied under one lock: what a test sees here it sees on
//! SQLite and PostgreSQL, except that a restart forgets everything and other processes see
//! nothing.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use serde_json::Value;

use super::backend::{Claim, Claimed, EffectKey, expired_message};
use super::clock::from_micros;
use super::{EffectError, EffectFilter, EffectRecord, EffectState};

/// Effects in memory.
#[derive(Debug, Default)]
pub(super) struct MemoryEffects {
    rows: Mutex<BTreeMap<EffectKey, EffectRecord>>,
}

impl MemoryEffects {
    fn with_rows<T>(&self, f: impl FnOnce(&mut BTreeMap<EffectKey, EffectRecord>) -> T) -> T {
        f(&mut self.rows.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Applies `f` to the row of `key` when it is running under `fence`; whether it was.
    fn guarded(&self, key: &EffectKey, fence: i64, f: impl FnOnce(&mut EffectRecord)) -> bool {
        self.with_rows(|rows| match rows.get_mut(key) {
            Some(row) if row.fence == fence && row.state == EffectState::Running => {
                f(row);
                true
            }
            _ => false,
        })
    }

    #[allow(clippy::unused_async)] // the same interface as the SQL backend
    pub(super) async fn claim(
        &self,
        key: &EffectKey,
        owner: &str,
        now: i64,
        lease_until: i64,
    ) -> Result<Claim, EffectError> {
        let at = from_micros(now);
        let lease_until = Some(from_micros(lease_until));
        Ok(self.with_rows(|rows| {
            let Some(row) = rows.get_mut(key) else {
                rows.insert(
                    key.clone(),
                    EffectRecord {
                        webshop_id: key.webshop_id(),
                        name: key.name.clone(),
                        key: key.key.clone(),
                        state: EffectState::Running,
                        fence: 1,
                        owner: Some(owner.to_owned()),
                        lease_until,
                        attempts: 1,
                        result: None,
                        last_error: None,
                        retryable: false,
                        created_at: at,
                        updated_at: at,
                        finished_at: None,
                    },
                );
                return Claim::Mine(Claimed {
                    fence: 1,
                    attempts: 1,
                    previous_error: None,
                });
            };
            let expired = row.state == EffectState::Running
                && row.lease_until.is_some_and(|until| until <= at);
            let retryable = row.state == EffectState::Failed && row.retryable;
            if !(expired || retryable) {
                return Claim::Held(Box::new(row.clone()));
            }
            if expired {
                row.last_error = Some(expired_message(
                    i64::from(row.attempts),
                    row.owner.as_deref(),
                ));
            }
            row.state = EffectState::Running;
            row.fence += 1;
            row.owner = Some(owner.to_owned());
            row.lease_until = lease_until;
            row.attempts = row.attempts.saturating_add(1);
            row.retryable = false;
            row.result = None;
            row.updated_at = at;
            row.finished_at = None;
            Claim::Mine(Claimed {
                fence: row.fence,
                attempts: row.attempts,
                previous_error: row.last_error.clone(),
            })
        }))
    }

    #[allow(clippy::unused_async)]
    pub(super) async fn renew(
        &self,
        key: &EffectKey,
        fence: i64,
        lease_until: i64,
    ) -> Result<bool, EffectError> {
        Ok(self.guarded(key, fence, |row| {
            row.lease_until = Some(from_micros(lease_until));
        }))
    }

    #[allow(clippy::unused_async)]
    pub(super) async fn complete(
        &self,
        key: &EffectKey,
        fence: i64,
        result: &str,
        now: i64,
    ) -> Result<bool, EffectError> {
        let result: Value = serde_json::from_str(result).map_err(|error| EffectError::Corrupt {
            column: "result",
            reason: format!("is not valid JSON ({error})"),
        })?;
        Ok(self.guarded(key, fence, |row| {
            row.state = EffectState::Done;
            row.result = Some(result);
            row.lease_until = None;
            row.retryable = false;
            row.updated_at = from_micros(now);
            row.finished_at = Some(row.updated_at);
        }))
    }

    #[allow(clippy::unused_async)]
    pub(super) async fn fail(
        &self,
        key: &EffectKey,
        fence: i64,
        message: &str,
        retryable: bool,
        now: i64,
    ) -> Result<bool, EffectError> {
        Ok(self.guarded(key, fence, |row| {
            row.state = EffectState::Failed;
            row.last_error = Some(message.to_owned());
            row.retryable = retryable;
            row.lease_until = None;
            row.updated_at = from_micros(now);
            row.finished_at = Some(row.updated_at);
        }))
    }

    #[allow(clippy::unused_async)]
    pub(super) async fn get(&self, key: &EffectKey) -> Result<Option<EffectRecord>, EffectError> {
        Ok(self.with_rows(|rows| rows.get(key).cloned()))
    }

    #[allow(clippy::unused_async)]
    pub(super) async fn list(
        &self,
        filter: &EffectFilter,
    ) -> Result<Vec<EffectRecord>, EffectError> {
        let mut records: Vec<EffectRecord> = self.with_rows(|rows| {
            rows.values()
                .filter(|record| filter.matches(record))
                .cloned()
                .collect()
        });
        // Most recently changed first, then by key (the map's order, kept by a stable sort).
        records.sort_by_key(|record| std::cmp::Reverse(record.updated_at));
        records.truncate(usize::try_from(filter.limit).unwrap_or(usize::MAX));
        Ok(records)
    }

    #[allow(clippy::unused_async)]
    pub(super) async fn retry(&self, filter: &EffectFilter, now: i64) -> Result<u64, EffectError> {
        let filter = EffectFilter {
            state: Some(EffectState::Failed),
            ..filter.clone()
        };
        Ok(self.with_rows(|rows| {
            let mut count = 0;
            for record in rows.values_mut().filter(|record| filter.matches(record)) {
                record.retryable = true;
                record.updated_at = from_micros(now);
                count += 1;
            }
            count
        }))
    }
}
