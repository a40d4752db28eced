//! The effects table (`migrations/*/0003_effects.sql`) on SQLite and PostgreSQL.
//!
//! Every change is one statement, so none needs a transaction: a claim is an
//! `INSERT … ON CONFLICT … DO UPDATE … WHERE … RETURNING`, atomic on both databases (SQLite
//! runs it under its write lock; PostgreSQL locks the conflicting row, and a concurrent
//! insert of the same key waits for the first to commit and then sees its row). Every write
//! after a claim names the claim's `fence`, so an attempt whose claim was taken over changes
//! nothing.

use serde_json::Value;

use super::backend::{Claim, Claimed, EffectKey};
use super::{EffectError, EffectFilter, EffectRecord, EffectState};
use crate::store::columns::{BadColumn, Columns, column, optional_timestamp, timestamp, unsigned};
use crate::store::{Database, with_database};

/// The columns of an effect, as [`decode_effect`] reads them.
macro_rules! effect_columns {
    () => {
        "webshop_id, name, key, state, fence, owner, lease_until_micros, attempts, result, \
         last_error, retryable, created_at_micros, updated_at_micros, finished_at_micros"
    };
}

/// The key's condition. `$1`: webshop id, `$2`: name, `$3`: key.
macro_rules! this_effect {
    () => {
        "webshop_id = $1 AND name = $2 AND key = $3"
    };
}

/// Claims an effect: inserts it running, or takes over a failed retryable one or a running
/// one whose lease expired (fence + 1, attempts + 1; taking over from an attempt that did
/// not finish says so in `last_error`). Returns nothing when the effect is held or finished.
/// `$1`–`$3`: the key, `$4`: owner, `$5`: lease end, `$6`: now.
const CLAIM: &str = "INSERT INTO shoporama_effects (webshop_id, name, key, state, fence, owner, \
     lease_until_micros, attempts, retryable, created_at_micros, updated_at_micros) \
     VALUES ($1, $2, $3, 'running', 1, $4, $5, 1, FALSE, $6, $6) \
     ON CONFLICT (webshop_id, name, key) DO UPDATE SET state = 'running', \
     fence = shoporama_effects.fence + 1, owner = excluded.owner, \
     lease_until_micros = excluded.lease_until_micros, \
     attempts = shoporama_effects.attempts + 1, \
     last_error = CASE WHEN shoporama_effects.state = 'running' \
       THEN 'attempt ' || shoporama_effects.attempts || ' (' || \
            COALESCE(shoporama_effects.owner, 'unknown owner') || \
            ') did not finish before its claim expired' \
       ELSE shoporama_effects.last_error END, \
     retryable = FALSE, result = NULL, updated_at_micros = excluded.updated_at_micros, \
     finished_at_micros = NULL \
     WHERE (shoporama_effects.state = 'failed' AND shoporama_effects.retryable) \
        OR (shoporama_effects.state = 'running' \
            AND shoporama_effects.lease_until_micros <= excluded.updated_at_micros) \
     RETURNING fence, attempts, last_error";

/// `$1`–`$3`: the key.
const SELECT: &str = concat!(
    "SELECT ",
    effect_columns!(),
    " FROM shoporama_effects WHERE ",
    this_effect!()
);

/// `$1`–`$3`: the key, `$4`: fence, `$5`: new lease end.
const RENEW: &str = concat!(
    "UPDATE shoporama_effects SET lease_until_micros = $5 WHERE ",
    this_effect!(),
    " AND fence = $4 AND state = 'running'"
);

/// Keeps `owner` (who finished it) and `last_error` (what went wrong before).
/// `$1`–`$3`: the key, `$4`: fence, `$5`: result JSON, `$6`: now.
const COMPLETE: &str = concat!(
    "UPDATE shoporama_effects SET state = 'done', result = $5, lease_until_micros = NULL, \
     retryable = FALSE, updated_at_micros = $6, finished_at_micros = $6 WHERE ",
    this_effect!(),
    " AND fence = $4 AND state = 'running'"
);

/// `$1`–`$3`: the key, `$4`: fence, `$5`: error, `$6`: retryable, `$7`: now.
const FAIL: &str = concat!(
    "UPDATE shoporama_effects SET state = 'failed', last_error = $5, retryable = $6, \
     lease_until_micros = NULL, updated_at_micros = $7, finished_at_micros = $7 WHERE ",
    this_effect!(),
    " AND fence = $4 AND state = 'running'"
);

/// The filter's conditions. `$1`: webshop id or -1, `$2`: name or '', `$3`: key or ''.
macro_rules! filtered {
    () => {
        "($1 < 0 OR webshop_id = $1) AND ($2 = '' OR name = $2) AND ($3 = '' OR key = $3)"
    };
}

/// [`filtered!`], `$4`: state or '', `$5`: limit.
const LIST: &str = concat!(
    "SELECT ",
    effect_columns!(),
    " FROM shoporama_effects WHERE ",
    filtered!(),
    " AND ($4 = '' OR state = $4) \
     ORDER BY updated_at_micros DESC, webshop_id, name, key LIMIT $5"
);

/// [`filtered!`], `$4`: now.
const RETRY: &str = concat!(
    "UPDATE shoporama_effects SET retryable = TRUE, updated_at_micros = $4 \
     WHERE state = 'failed' AND ",
    filtered!()
);

/// Effects in the app's SQL database.
#[derive(Debug, Clone)]
pub(super) struct SqlEffects(pub(super) Database);

fn fail(operation: &'static str) -> impl Fn(sqlx::Error) -> EffectError {
    move |error| EffectError::database(operation, &error)
}

/// `sqlx::query(sql)` with the effect's key bound as `$1`–`$3` (shop, name, key).
macro_rules! keyed {
    ($sql:expr, $key:expr) => {
        sqlx::query($sql)
            .bind($key.shop)
            .bind($key.name.as_str())
            .bind($key.key.as_str())
    };
}

/// Runs the statement `query` builds on the database's pool as `operation`; `Ok(true)` when
/// it changed exactly one row (the claim with that fence still held).
macro_rules! changes_one {
    ($database:expr, $operation:literal, |$pool:ident| $query:expr) => {{
        let e = fail($operation);
        let affected = with_database!($database, |$pool| $query
            .execute($pool)
            .await
            .map_err(&e)?
            .rows_affected());
        Ok(affected == 1)
    }};
}

impl SqlEffects {
    pub(super) fn name(&self) -> &'static str {
        self.0.backend()
    }

    pub(super) async fn claim(
        &self,
        key: &EffectKey,
        owner: &str,
        now: i64,
        lease_until: i64,
    ) -> Result<Claim, EffectError> {
        let e = fail("claim");
        let claimed = with_database!(&self.0, |pool| {
            match keyed!(CLAIM, key)
                .bind(owner)
                .bind(lease_until)
                .bind(now)
                .fetch_optional(pool)
                .await
                .map_err(&e)?
            {
                Some(row) => Some(decode_claim(&row)?),
                None => None,
            }
        });
        if let Some(claimed) = claimed {
            return Ok(Claim::Mine(claimed));
        }
        Ok(match self.get(key).await? {
            Some(record) => Claim::Held(Box::new(record)),
            None => Claim::Vanished,
        })
    }

    pub(super) async fn renew(
        &self,
        key: &EffectKey,
        fence: i64,
        lease_until: i64,
    ) -> Result<bool, EffectError> {
        changes_one!(&self.0, "renew lease", |pool| keyed!(RENEW, key)
            .bind(fence)
            .bind(lease_until))
    }

    pub(super) async fn complete(
        &self,
        key: &EffectKey,
        fence: i64,
        result: &str,
        now: i64,
    ) -> Result<bool, EffectError> {
        changes_one!(&self.0, "record success", |pool| keyed!(COMPLETE, key)
            .bind(fence)
            .bind(result)
            .bind(now))
    }

    pub(super) async fn fail(
        &self,
        key: &EffectKey,
        fence: i64,
        message: &str,
        retryable: bool,
        now: i64,
    ) -> Result<bool, EffectError> {
        changes_one!(&self.0, "record failure", |pool| keyed!(FAIL, key)
            .bind(fence)
            .bind(message)
            .bind(retryable)
            .bind(now))
    }

    pub(super) async fn get(&self, key: &EffectKey) -> Result<Option<EffectRecord>, EffectError> {
        let e = fail("get");
        let record = with_database!(&self.0, |pool| keyed!(SELECT, key)
            .fetch_optional(pool)
            .await
            .map_err(&e)?
            .as_ref()
            .map(decode_effect)
            .transpose()?);
        Ok(record)
    }

    pub(super) async fn list(
        &self,
        filter: &EffectFilter,
    ) -> Result<Vec<EffectRecord>, EffectError> {
        let e = fail("list");
        let (shop, name, key) = filter_columns(filter);
        let state = filter.state.map_or("", EffectState::as_str);
        let records = with_database!(&self.0, |pool| sqlx::query(LIST)
            .bind(shop)
            .bind(name)
            .bind(key)
            .bind(state)
            .bind(i64::from(filter.limit))
            .fetch_all(pool)
            .await
            .map_err(&e)?
            .iter()
            .map(decode_effect)
            .collect::<Result<Vec<_>, _>>()?);
        Ok(records)
    }

    pub(super) async fn retry(&self, filter: &EffectFilter, now: i64) -> Result<u64, EffectError> {
        let e = fail("retry");
        let (shop, name, key) = filter_columns(filter);
        Ok(with_database!(&self.0, |pool| sqlx::query(RETRY)
            .bind(shop)
            .bind(name)
            .bind(key)
            .bind(now)
            .execute(pool)
            .await
            .map_err(&e)?
            .rows_affected()))
    }
}

/// The filter's webshop id, name and key as [`filtered!`] binds them (-1 and '' for none).
fn filter_columns(filter: &EffectFilter) -> (i64, &str, &str) {
    (
        filter
            .webshop_id
            .map_or(-1, |id| i64::try_from(id).unwrap_or(i64::MAX)),
        filter.name.as_deref().unwrap_or(""),
        filter.key.as_deref().unwrap_or(""),
    )
}

impl From<BadColumn> for EffectError {
    fn from(bad: BadColumn) -> Self {
        Self::Corrupt {
            column: bad.column,
            reason: bad.reason,
        }
    }
}

/// Reads a count column (`attempts`) as a `u32`.
fn count(row: &impl Columns, name: &'static str) -> Result<u32, BadColumn> {
    u32::try_from(unsigned(row, name)?).map_err(|_| BadColumn::new(name, "is out of range"))
}

/// Decodes the `RETURNING` of [`CLAIM`].
fn decode_claim(row: &impl Columns) -> Result<Claimed, BadColumn> {
    Ok(Claimed {
        fence: column(row, "fence")?,
        attempts: count(row, "attempts")?,
        previous_error: column(row, "last_error")?,
    })
}

/// Decodes a row of [`effect_columns!`].
fn decode_effect(row: &impl Columns) -> Result<EffectRecord, BadColumn> {
    let state: String = column(row, "state")?;
    let result = column::<Option<String>>(row, "result")?
        .map(|text| {
            // A syntax error names a position, never the text.
            serde_json::from_str::<Value>(&text).map_err(|error| {
                BadColumn::new("result", format_args!("is not valid JSON ({error})"))
            })
        })
        .transpose()?;
    Ok(EffectRecord {
        webshop_id: unsigned(row, "webshop_id")?,
        name: column(row, "name")?,
        key: column(row, "key")?,
        state: EffectState::parse(&state)
            .ok_or_else(|| BadColumn::new("state", "is not a known state"))?,
        fence: column(row, "fence")?,
        owner: column(row, "owner")?,
        lease_until: optional_timestamp(row, "lease_until_micros")?,
        attempts: count(row, "attempts")?,
        result,
        last_error: column(row, "last_error")?,
        retryable: column(row, "retryable")?,
        created_at: timestamp(row, "created_at_micros")?,
        updated_at: timestamp(row, "updated_at_micros")?,
        finished_at: optional_timestamp(row, "finished_at_micros")?,
    })
}
