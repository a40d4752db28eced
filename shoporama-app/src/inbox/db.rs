//! The inbox tables (`migrations/*/0002_inbox.sql`) on SQLite and PostgreSQL.
//!
//! Every state change is one statement or one transaction, and every change to a claimed
//! job names the claim (`lease_owner`): a worker whose lease expired and was taken over
//! cannot complete, fail or release the job it no longer owns.

// A build without SQL backends keeps the types, but every method is unreachable.
#![cfg_attr(
    not(any(feature = "sqlite", feature = "postgres")),
    allow(unreachable_code, unused_macros, unused_variables, dead_code)
)]

use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest as _, Sha256};
use sqlx::{ColumnIndex, Decode, Row, Type};

use super::{InboxError, Job, JobState};

/// The columns of a job, in the order [`decode_job`] reads them.
macro_rules! job_columns {
    () => {
        "id, kind, webshop_id, body, body_hash, received_at_micros, state, attempts, \
         run_at_micros, lease_owner, lease_until_micros, last_error, finished_at_micros"
    };
}

const INSERT_JOB: &str = concat!(
    "INSERT INTO shoporama_inbox (kind, webshop_id, body, body_hash, received_at_micros, state, \
     attempts, run_at_micros) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $5) RETURNING ",
    job_columns!()
);

/// Records a (type, shop, hash) unless it was seen within the window. `$4`: now, `$5`: the
/// window's start. Returns a row only when the callback is new.
const MARK_SEEN: &str = "INSERT INTO shoporama_inbox_seen (kind, webshop_id, body_hash, seen_at_micros) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (kind, webshop_id, body_hash) DO UPDATE \
     SET seen_at_micros = excluded.seen_at_micros \
     WHERE shoporama_inbox_seen.seen_at_micros < $5 RETURNING seen_at_micros";

/// The jobs a worker may claim: pending and due, or running with an expired lease.
macro_rules! claimable {
    () => {
        "j.state IN ('pending', 'running') \
         AND ((j.state = 'pending' AND j.run_at_micros <= $3) \
              OR (j.state = 'running' AND j.lease_until_micros < $3))"
    };
}

/// With per-shop ordering, a job waits while an older job of its shop is unfinished.
macro_rules! no_older_unfinished {
    () => {
        " AND NOT EXISTS (SELECT 1 FROM shoporama_inbox e WHERE e.webshop_id = j.webshop_id \
          AND e.id < j.id AND e.state IN ('pending', 'running'))"
    };
}

/// Claims one job. `$1`: the claim's owner, `$2`: lease end, `$3`: now. `$hint` makes
/// SQLite walk the unfinished jobs in id order (its planner otherwise prefers the
/// `(state, finished_at)` index and sorts every pending job per claim).
macro_rules! claim_sql {
    ($hint:literal, $filter:expr, $lock:literal) => {
        concat!(
            "UPDATE shoporama_inbox SET state = 'running', attempts = attempts + 1, \
             lease_owner = $1, lease_until_micros = $2 WHERE id = (SELECT j.id FROM shoporama_inbox j",
            $hint,
            " WHERE ",
            claimable!(),
            $filter,
            " ORDER BY j.id LIMIT 1",
            $lock,
            ") RETURNING ",
            job_columns!()
        )
    };
}

const CLAIM_SQLITE: &str = claim_sql!(" INDEXED BY shoporama_inbox_active", "", "");
const CLAIM_SQLITE_ORDERED: &str = claim_sql!(
    " INDEXED BY shoporama_inbox_active",
    no_older_unfinished!(),
    ""
);
#[cfg(feature = "postgres")]
const CLAIM_POSTGRES: &str = claim_sql!("", "", " FOR UPDATE SKIP LOCKED");
#[cfg(feature = "postgres")]
const CLAIM_POSTGRES_ORDERED: &str =
    claim_sql!("", no_older_unfinished!(), " FOR UPDATE SKIP LOCKED");

/// `$1`: id, `$2`: owner, `$3`: new lease end.
const RENEW: &str = "UPDATE shoporama_inbox SET lease_until_micros = $3 \
     WHERE id = $1 AND lease_owner = $2 AND state = 'running'";
/// Keeps `lease_owner` (which process and worker ran it). `$1`: id, `$2`: owner, `$3`: now.
const COMPLETE: &str = "UPDATE shoporama_inbox SET state = 'done', finished_at_micros = $3, \
     lease_until_micros = NULL WHERE id = $1 AND lease_owner = $2 AND state = 'running'";
/// `$1`: id, `$2`: owner, `$3`: next run, `$4`: error.
const RETRY_LATER: &str = "UPDATE shoporama_inbox SET state = 'pending', run_at_micros = $3, \
     last_error = $4, lease_owner = NULL, lease_until_micros = NULL \
     WHERE id = $1 AND lease_owner = $2 AND state = 'running'";
/// `$1`: id, `$2`: owner, `$3`: now, `$4`: error.
const DEAD_LETTER: &str = "UPDATE shoporama_inbox SET state = 'dead', finished_at_micros = $3, \
     last_error = $4, lease_until_micros = NULL \
     WHERE id = $1 AND lease_owner = $2 AND state = 'running'";
/// Gives a claimed job back without counting the attempt. `$1`: id, `$2`: owner, `$3`: now.
const RELEASE: &str = "UPDATE shoporama_inbox SET state = 'pending', run_at_micros = $3, \
     attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, \
     lease_owner = NULL, lease_until_micros = NULL \
     WHERE id = $1 AND lease_owner = $2 AND state = 'running'";
/// Puts dead (or any unfinished) jobs back in the queue with fresh attempts. `$1`: now.
const RETRY_DEAD: &str = "UPDATE shoporama_inbox SET state = 'pending', attempts = 0, run_at_micros = $1, \
     finished_at_micros = NULL WHERE state = 'dead'";
/// `$1`: now, `$2`: id.
const RETRY_ONE: &str = "UPDATE shoporama_inbox SET state = 'pending', attempts = 0, run_at_micros = $1, \
     finished_at_micros = NULL WHERE id = $2 AND state IN ('dead', 'pending')";
/// `$1`: state, `$2`: finished before.
const PURGE: &str = "DELETE FROM shoporama_inbox WHERE state = $1 AND finished_at_micros < $2";
/// `$1`: id.
const PURGE_ONE: &str = "DELETE FROM shoporama_inbox WHERE id = $1 AND state IN ('done', 'dead')";
/// `$1`: seen before.
const FORGET_SEEN: &str = "DELETE FROM shoporama_inbox_seen WHERE seen_at_micros < $1";
const COUNTS: &str = "SELECT state, COUNT(*) AS n FROM shoporama_inbox GROUP BY state";

/// A connection pool to the inbox's database.
#[derive(Debug, Clone)]
pub(super) enum Pool {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqlitePool),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
    /// A build without SQL backends has no inbox.
    #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
    Unavailable(std::convert::Infallible),
}

/// Runs `$body` with `$pool` bound to whichever pool `$self` holds (same SQL, same code).
macro_rules! with_pool {
    ($self:expr, |$pool:ident| $body:expr) => {
        match $self {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite($pool) => $body,
            #[cfg(feature = "postgres")]
            Pool::Postgres($pool) => $body,
            #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
            Pool::Unavailable(never) => match *never {},
        }
    };
}

/// A new callback for the inbox.
pub(super) struct NewJob<'a> {
    pub(super) kind: &'a str,
    pub(super) webshop_id: i64,
    pub(super) body: &'a str,
    pub(super) received_at: DateTime<Utc>,
}

/// The content hash of a callback: SHA-256 over type, webshop id and body, hex.
pub(super) fn content_hash(kind: &str, webshop_id: i64, body: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(kind.as_bytes());
    hasher.update([0]);
    hasher.update(webshop_id.to_be_bytes());
    hasher.update([0]);
    hasher.update(body.as_bytes());
    hasher
        .finalize()
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            use std::fmt::Write as _;
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

pub(super) fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

pub(super) fn after(at: DateTime<Utc>, delay: Duration) -> i64 {
    micros(at).saturating_add(i64::try_from(delay.as_micros()).unwrap_or(i64::MAX))
}

fn fail(operation: &'static str) -> impl Fn(sqlx::Error) -> InboxError {
    move |error| InboxError::Database {
        operation,
        source: super::describe(&error),
    }
}

impl Pool {
    /// Records `job` unless it duplicates one seen within `window` (zero: no guard), in one
    /// transaction. `None` for a duplicate.
    pub(super) async fn enqueue(
        &self,
        job: &NewJob<'_>,
        window: Duration,
    ) -> Result<Option<Job>, InboxError> {
        let hash = content_hash(job.kind, job.webshop_id, job.body);
        let now = micros(job.received_at);
        let since = now.saturating_sub(i64::try_from(window.as_micros()).unwrap_or(i64::MAX));
        let e = fail("enqueue");
        macro_rules! body {
            ($tx:ident) => {{
                if !window.is_zero() {
                    let fresh = sqlx::query(MARK_SEEN)
                        .bind(job.kind)
                        .bind(job.webshop_id)
                        .bind(&hash)
                        .bind(now)
                        .bind(since)
                        .fetch_optional(&mut *$tx)
                        .await
                        .map_err(&e)?;
                    if fresh.is_none() {
                        $tx.commit().await.map_err(&e)?;
                        return Ok(None);
                    }
                }
                let row = sqlx::query(INSERT_JOB)
                    .bind(job.kind)
                    .bind(job.webshop_id)
                    .bind(job.body)
                    .bind(&hash)
                    .bind(now)
                    .fetch_one(&mut *$tx)
                    .await
                    .map_err(&e)?;
                let created = decode_job(&row)?;
                $tx.commit().await.map_err(&e)?;
                Ok(Some(created))
            }};
        }
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(&e)?;
                body!(tx)
            }
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => {
                let mut tx = pool.begin().await.map_err(&e)?;
                body!(tx)
            }
            #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
            Self::Unavailable(never) => match *never {},
        }
    }

    /// Claims the oldest claimable job for `owner` until `lease_until`.
    pub(super) async fn claim(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease: Duration,
        ordered: bool,
    ) -> Result<Option<Job>, InboxError> {
        let e = fail("claim");
        let lease_until = after(now, lease);
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(pool) => {
                // One writer at a time: the claim's read and write cannot interleave with
                // another process's claim.
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(&e)?;
                let sql = if ordered {
                    CLAIM_SQLITE_ORDERED
                } else {
                    CLAIM_SQLITE
                };
                let row = sqlx::query(sql)
                    .bind(owner)
                    .bind(lease_until)
                    .bind(micros(now))
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(&e)?;
                let job = row.as_ref().map(decode_job).transpose()?;
                tx.commit().await.map_err(&e)?;
                Ok(job)
            }
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => {
                let sql = if ordered {
                    CLAIM_POSTGRES_ORDERED
                } else {
                    CLAIM_POSTGRES
                };
                let row = sqlx::query(sql)
                    .bind(owner)
                    .bind(lease_until)
                    .bind(micros(now))
                    .fetch_optional(pool)
                    .await
                    .map_err(&e)?;
                row.as_ref().map(decode_job).transpose()
            }
            #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
            Self::Unavailable(never) => match *never {},
        }
    }

    /// Runs one of the claim-guarded updates; whether the claim still held.
    async fn guarded(
        &self,
        operation: &'static str,
        sql: &'static str,
        id: i64,
        owner: &str,
        at: i64,
        error: Option<&str>,
    ) -> Result<bool, InboxError> {
        let e = fail(operation);
        let affected: u64 = with_pool!(self, |pool| {
            let mut query = sqlx::query(sql).bind(id).bind(owner).bind(at);
            if let Some(error) = error {
                query = query.bind(error);
            }
            query.execute(pool).await.map_err(&e)?.rows_affected()
        });
        Ok(affected == 1)
    }

    pub(super) async fn renew(
        &self,
        id: i64,
        owner: &str,
        lease_until: i64,
    ) -> Result<bool, InboxError> {
        self.guarded("renew lease", RENEW, id, owner, lease_until, None)
            .await
    }

    pub(super) async fn complete(
        &self,
        id: i64,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, InboxError> {
        self.guarded("complete", COMPLETE, id, owner, micros(now), None)
            .await
    }

    pub(super) async fn retry_later(
        &self,
        id: i64,
        owner: &str,
        run_at: i64,
        error: &str,
    ) -> Result<bool, InboxError> {
        self.guarded(
            "schedule retry",
            RETRY_LATER,
            id,
            owner,
            run_at,
            Some(error),
        )
        .await
    }

    pub(super) async fn dead_letter(
        &self,
        id: i64,
        owner: &str,
        now: DateTime<Utc>,
        error: &str,
    ) -> Result<bool, InboxError> {
        self.guarded(
            "dead-letter",
            DEAD_LETTER,
            id,
            owner,
            micros(now),
            Some(error),
        )
        .await
    }

    pub(super) async fn release(
        &self,
        id: i64,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, InboxError> {
        self.guarded("release", RELEASE, id, owner, micros(now), None)
            .await
    }

    /// Jobs by arrival, newest first, filtered by state and shop.
    pub(super) async fn list(
        &self,
        state: Option<JobState>,
        webshop_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Job>, InboxError> {
        let e = fail("list");
        let sql = concat!(
            "SELECT ",
            job_columns!(),
            " FROM shoporama_inbox WHERE ($1 = '' OR state = $1) AND ($2 < 0 OR webshop_id = $2) ORDER BY id DESC LIMIT $3"
        );
        let state = state.map_or("", JobState::as_str);
        let rows = with_pool!(self, |pool| sqlx::query(sql)
            .bind(state)
            .bind(webshop_id.unwrap_or(-1))
            .bind(limit)
            .fetch_all(pool)
            .await
            .map_err(&e)?
            .iter()
            .map(decode_job)
            .collect::<Result<Vec<_>, _>>()?);
        Ok(rows)
    }

    /// One job.
    pub(super) async fn get(&self, id: i64) -> Result<Option<Job>, InboxError> {
        let e = fail("get");
        let sql = concat!(
            "SELECT ",
            job_columns!(),
            " FROM shoporama_inbox WHERE id = $1"
        );
        with_pool!(self, |pool| sqlx::query(sql)
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(&e)?
            .as_ref()
            .map(decode_job)
            .transpose())
    }

    /// Re-queues job `id` (dead or waiting for a retry) with fresh attempts, or every dead job.
    pub(super) async fn retry(
        &self,
        id: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<u64, InboxError> {
        let e = fail("retry");
        let now = micros(now);
        Ok(with_pool!(self, |pool| match id {
            Some(id) =>
                sqlx::query(RETRY_ONE)
                    .bind(now)
                    .bind(id)
                    .execute(pool)
                    .await,
            None => sqlx::query(RETRY_DEAD).bind(now).execute(pool).await,
        }
        .map_err(&e)?
        .rows_affected()))
    }

    /// Deletes finished jobs in `state` (done or dead) finished before `before`, or job `id`.
    pub(super) async fn purge(
        &self,
        id: Option<i64>,
        state: JobState,
        before: i64,
    ) -> Result<u64, InboxError> {
        let e = fail("purge");
        Ok(with_pool!(self, |pool| match id {
            Some(id) => sqlx::query(PURGE_ONE).bind(id).execute(pool).await,
            None =>
                sqlx::query(PURGE)
                    .bind(state.as_str())
                    .bind(before)
                    .execute(pool)
                    .await,
        }
        .map_err(&e)?
        .rows_affected()))
    }

    /// Forgets duplicate-guard entries older than `before`.
    pub(super) async fn forget_seen(&self, before: i64) -> Result<u64, InboxError> {
        let e = fail("forget seen");
        Ok(with_pool!(self, |pool| sqlx::query(FORGET_SEEN)
            .bind(before)
            .execute(pool)
            .await
            .map_err(&e)?
            .rows_affected()))
    }

    /// Jobs per state.
    pub(super) async fn counts(&self) -> Result<Vec<(JobState, u64)>, InboxError> {
        let e = fail("count");
        with_pool!(self, |pool| {
            let rows = sqlx::query(COUNTS).fetch_all(pool).await.map_err(&e)?;
            rows.iter()
                .map(|row| {
                    let state: String = column(row, "state")?;
                    let n: i64 = column(row, "n")?;
                    let state = JobState::parse(&state)
                        .ok_or_else(|| corrupt("state", "is not a known state"))?;
                    Ok((state, u64::try_from(n).unwrap_or(0)))
                })
                .collect()
        })
    }
}

fn corrupt(column: &'static str, reason: &str) -> InboxError {
    InboxError::Corrupt {
        column,
        reason: reason.to_owned(),
    }
}

fn column<'r, R, T>(row: &'r R, name: &'static str) -> Result<T, InboxError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    T: Decode<'r, R::Database> + Type<R::Database>,
{
    row.try_get(name)
        .map_err(|error| corrupt(name, &super::describe(&error).to_string()))
}

fn time(micros: i64, name: &'static str) -> Result<DateTime<Utc>, InboxError> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| corrupt(name, "is outside the range of dates"))
}

/// Decodes a row of [`job_columns!`].
fn decode_job<'r, R>(row: &'r R) -> Result<Job, InboxError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    Option<i64>: Decode<'r, R::Database>,
    Option<String>: Decode<'r, R::Database>,
{
    let state: String = column(row, "state")?;
    let webshop_id: i64 = column(row, "webshop_id")?;
    let attempts: i64 = column(row, "attempts")?;
    Ok(Job {
        id: column(row, "id")?,
        kind: column(row, "kind")?,
        webshop_id: u64::try_from(webshop_id).map_err(|_| corrupt("webshop_id", "is negative"))?,
        body: column(row, "body")?,
        body_hash: column(row, "body_hash")?,
        received_at: time(column(row, "received_at_micros")?, "received_at_micros")?,
        state: JobState::parse(&state).ok_or_else(|| corrupt("state", "is not a known state"))?,
        attempts: u32::try_from(attempts).map_err(|_| corrupt("attempts", "is out of range"))?,
        run_at: time(column(row, "run_at_micros")?, "run_at_micros")?,
        lease_until: column::<R, Option<i64>>(row, "lease_until_micros")?
            .map(|m| time(m, "lease_until_micros"))
            .transpose()?,
        last_error: column(row, "last_error")?,
        finished_at: column::<R, Option<i64>>(row, "finished_at_micros")?
            .map(|m| time(m, "finished_at_micros"))
            .transpose()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_hash_separates_its_parts() {
        let a = content_hash("paid", 7, "{}");
        assert_eq!(a.len(), 64);
        assert_eq!(a, content_hash("paid", 7, "{}"));
        assert_ne!(a, content_hash("paid", 8, "{}"));
        assert_ne!(a, content_hash("paid", 7, "{ }"));
        assert_ne!(content_hash("ab", 1, "c"), content_hash("a", 1, "bc"));
    }
}
