//! The inbox tables (`migrations/*/0002_inbox.sql`) on SQLite and PostgreSQL.
//!
//! Every state change is one statement or one transaction, and every change to a claimed
//! job names the claim (`lease_owner`): a worker whose lease expired and was taken over
//! cannot complete, fail or release the job it no longer owns.

// A build without SQL backends keeps the types, but every method is unreachable.
#![cfg_attr(
    not(any(feature = "sqlite", feature = "postgres")),
    allow(
        unreachable_code,
        unused_macros,
        unused_variables,
        dead_code,
        clippy::unused_async
    )
)]

use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest as _, Sha256};
use sqlx::query::{Query, QueryScalar};
use sqlx::{Database, Encode, Type};

use super::{InboxError, Job, JobState};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
use crate::store::columns::{BadColumn, Columns, column, optional_timestamp, timestamp, unsigned};

/// The columns of a job, in the order [`decode_job`] reads them.
macro_rules! job_columns {
    () => {
        "id, kind, webshop_id, body, body_hash, received_at_micros, state, attempts, \
         run_at_micros, lease_owner, lease_until_micros, last_error, finished_at_micros"
    };
}

/// The parameters of the statements that record a callback: `$1`: type, `$2`: webshop id,
/// `$3`: content hash, `$4`: now, `$5`: the duplicate window's start (all bound by
/// [`bind_guard`]), and in the statements that insert the job `$6`: body.
///
/// Records a (type, shop, hash) unless it was seen within the window; returns a row only
/// when the callback is new.
macro_rules! mark_seen {
    () => {
        "INSERT INTO shoporama_inbox_seen (kind, webshop_id, body_hash, seen_at_micros) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (kind, webshop_id, body_hash) DO UPDATE \
         SET seen_at_micros = excluded.seen_at_micros \
         WHERE shoporama_inbox_seen.seen_at_micros < $5 RETURNING seen_at_micros"
    };
}

/// Inserts the job (parameters: [`mark_seen!`]).
macro_rules! insert_job {
    () => {
        "INSERT INTO shoporama_inbox (kind, webshop_id, body, body_hash, received_at_micros, \
         state, attempts, run_at_micros) SELECT $1, $2, $6, $3, $4, 'pending', 0, $4"
    };
}

#[cfg(feature = "sqlite")]
const MARK_SEEN: &str = mark_seen!();
const INSERT_JOB: &str = concat!(insert_job!(), " RETURNING id");
/// Both in one statement (PostgreSQL's data-modifying `WITH`), so recording a callback is
/// one round trip: the job is inserted only when the guard's row was.
#[cfg(feature = "postgres")]
const INSERT_UNSEEN_JOB_POSTGRES: &str = concat!(
    "WITH seen AS (",
    mark_seen!(),
    ") ",
    insert_job!(),
    " WHERE EXISTS (SELECT 1 FROM seen) RETURNING id"
);

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

/// Claims up to `$4` jobs, oldest first. `$1`: the claim's owner, `$2`: lease end, `$3`:
/// now. `$hint` makes SQLite walk the unfinished jobs in id order (its planner otherwise
/// prefers the `(state, finished_at)` index and sorts every pending job per claim). With
/// per-shop ordering a batch never holds two jobs of one shop: the second sees the first
/// still pending in the statement's snapshot.
macro_rules! claim_sql {
    ($hint:literal, $filter:expr, $lock:literal) => {
        concat!(
            "UPDATE shoporama_inbox SET state = 'running', attempts = attempts + 1, \
             lease_owner = $1, lease_until_micros = $2 WHERE id IN (SELECT j.id FROM shoporama_inbox j",
            $hint,
            " WHERE ",
            claimable!(),
            $filter,
            " ORDER BY j.id LIMIT $4",
            $lock,
            ") RETURNING ",
            job_columns!()
        )
    };
}

#[cfg(feature = "sqlite")]
const CLAIM_SQLITE: &str = claim_sql!(" INDEXED BY shoporama_inbox_active", "", "");
#[cfg(feature = "sqlite")]
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
/// The newest job id (0 when there is none).
const LAST_ID: &str = "SELECT COALESCE(MAX(id), 0) FROM shoporama_inbox";
/// The jobs with ids in `($1, $2]` per minute of arrival (unix minutes): how many, and how
/// many failed at least once.
const PER_MINUTE: &str = "SELECT received_at_micros / 60000000 AS minute, COUNT(*) AS received, \
     SUM(CASE WHEN last_error IS NOT NULL OR state = 'dead' THEN 1 ELSE 0 END) AS failed \
     FROM shoporama_inbox WHERE id > $1 AND id <= $2 GROUP BY received_at_micros / 60000000";
/// How many ids [`PER_MINUTE`] reads at a time.
const PER_MINUTE_IDS: i64 = 20_000;

pub(super) use crate::store::Database as Pool;
use crate::store::with_database as with_pool;

/// A new callback for the inbox.
#[derive(Clone, Copy)]
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
    micros(at).saturating_add(duration_micros(delay))
}

fn duration_micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

/// Maps a database error of `operation` to [`InboxError::Database`] (its message only).
pub(super) fn fail(operation: &'static str) -> impl Fn(sqlx::Error) -> InboxError {
    move |error| InboxError::Database {
        operation,
        source: crate::store::describe(&error),
    }
}

/// Binds `$1` … `$5` of [`mark_seen!`] and [`insert_job!`].
fn bind_guard<'q, DB, O>(
    query: QueryScalar<'q, DB, O, DB::Arguments>,
    job: &NewJob<'q>,
    hash: &'q str,
    window: Duration,
) -> QueryScalar<'q, DB, O, DB::Arguments>
where
    DB: Database,
    for<'e> i64: Encode<'e, DB> + Type<DB>,
    for<'e> &'e str: Encode<'e, DB> + Type<DB>,
{
    let now = micros(job.received_at);
    query
        .bind(job.kind)
        .bind(job.webshop_id)
        .bind(hash)
        .bind(now)
        .bind(now.saturating_sub(duration_micros(window)))
}

/// A change to a claimed job that names the claim: it applies only while `owner` still
/// holds job `id`. Owned, so that it can be handed to the SQLite writer.
#[derive(Debug, Clone)]
pub(super) struct Guarded {
    operation: &'static str,
    sql: &'static str,
    id: i64,
    owner: String,
    /// The time parameter `$3`: new lease end, next run, or now.
    at: i64,
    /// The error parameter `$4`, for the statements that record one.
    error: Option<String>,
}

impl Guarded {
    fn new(operation: &'static str, sql: &'static str, id: i64, owner: &str, at: i64) -> Self {
        Self {
            operation,
            sql,
            id,
            owner: owner.to_owned(),
            at,
            error: None,
        }
    }

    /// Extends the claim until `lease_until`.
    pub(super) fn renew(id: i64, owner: &str, lease_until: i64) -> Self {
        Self::new("renew lease", RENEW, id, owner, lease_until)
    }

    /// Marks the job done.
    pub(super) fn complete(id: i64, owner: &str, now: DateTime<Utc>) -> Self {
        Self::new("complete", COMPLETE, id, owner, micros(now))
    }

    /// Puts the job back to run at `run_at`, with `error`.
    pub(super) fn retry_later(id: i64, owner: &str, run_at: i64, error: &str) -> Self {
        Self {
            error: Some(error.to_owned()),
            ..Self::new("schedule retry", RETRY_LATER, id, owner, run_at)
        }
    }

    /// Marks the job dead, with `error`.
    pub(super) fn dead_letter(id: i64, owner: &str, now: DateTime<Utc>, error: &str) -> Self {
        Self {
            error: Some(error.to_owned()),
            ..Self::new("dead-letter", DEAD_LETTER, id, owner, micros(now))
        }
    }

    /// Gives the job back without counting the attempt.
    pub(super) fn release(id: i64, owner: &str, now: DateTime<Utc>) -> Self {
        Self::new("release", RELEASE, id, owner, micros(now))
    }

    /// The job, owner and time when this marks the job done (the change batches combine).
    pub(super) fn completion(&self) -> Option<Completion<'_>> {
        (self.sql == COMPLETE).then_some((self.id, self.owner.as_str(), self.at))
    }

    /// What it does, for logs.
    pub(super) fn operation(&self) -> &'static str {
        self.operation
    }

    /// The statement, bound; `execute` it and check that it changed one row.
    pub(super) fn query<DB>(&self) -> Query<'_, DB, DB::Arguments>
    where
        DB: Database,
        for<'e> i64: Encode<'e, DB> + Type<DB>,
        for<'e> &'e str: Encode<'e, DB> + Type<DB>,
    {
        let query = sqlx::query(self.sql)
            .bind(self.id)
            .bind(self.owner.as_str())
            .bind(self.at);
        match &self.error {
            Some(error) => query.bind(error.as_str()),
            None => query,
        }
    }

    /// The error of running it.
    pub(super) fn failed(&self, error: sqlx::Error) -> InboxError {
        fail(self.operation)(error)
    }
}

/// The claim of up to `limit` jobs, oldest first, for `owner` for `lease`: fetch its rows and
/// [`decode_claimed`] them (inside a write transaction on SQLite).
pub(super) fn claim_query<DB>(
    owner: &str,
    now: DateTime<Utc>,
    lease: Duration,
    ordered: bool,
    limit: usize,
) -> Query<'_, DB, DB::Arguments>
where
    DB: ClaimSql,
    for<'e> i64: Encode<'e, DB> + Type<DB>,
    for<'e> &'e str: Encode<'e, DB> + Type<DB>,
{
    sqlx::query(DB::claim(ordered))
        .bind(owner)
        .bind(after(now, lease))
        .bind(micros(now))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
}

/// The jobs of a claim's rows, in id order.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(super) fn decode_claimed(rows: &[impl Columns]) -> Result<Vec<Job>, InboxError> {
    let mut jobs = rows.iter().map(decode_job).collect::<Result<Vec<_>, _>>()?;
    jobs.sort_unstable_by_key(|job| job.id);
    Ok(jobs)
}

/// The claim statement of a backend.
pub(super) trait ClaimSql: Database {
    /// The claim statement without and with per-shop ordering.
    const CLAIMS: (&'static str, &'static str);

    fn claim(ordered: bool) -> &'static str {
        if ordered {
            Self::CLAIMS.1
        } else {
            Self::CLAIMS.0
        }
    }
}

#[cfg(feature = "sqlite")]
impl ClaimSql for sqlx::Sqlite {
    const CLAIMS: (&'static str, &'static str) = (CLAIM_SQLITE, CLAIM_SQLITE_ORDERED);
}

#[cfg(feature = "postgres")]
impl ClaimSql for sqlx::Postgres {
    const CLAIMS: (&'static str, &'static str) = (CLAIM_POSTGRES, CLAIM_POSTGRES_ORDERED);
}

/// Recording a callback inside a transaction the caller holds (the writer's batch).
pub(super) trait EnqueueIn {
    /// Records `job` unless it duplicates one seen within `window` (zero: no guard): its id,
    /// or `None` for a duplicate.
    fn enqueue_in(
        &mut self,
        job: &NewJob<'_>,
        window: Duration,
    ) -> impl Future<Output = Result<Option<i64>, InboxError>> + Send;
}

#[cfg(feature = "sqlite")]
impl EnqueueIn for sqlx::SqliteConnection {
    /// The guard's row, then the job's: two statements in the caller's write transaction.
    async fn enqueue_in(
        &mut self,
        job: &NewJob<'_>,
        window: Duration,
    ) -> Result<Option<i64>, InboxError> {
        let e = fail("enqueue");
        let hash = content_hash(job.kind, job.webshop_id, job.body);
        if !window.is_zero() {
            let fresh: Option<i64> = bind_guard(sqlx::query_scalar(MARK_SEEN), job, &hash, window)
                .fetch_optional(&mut *self)
                .await
                .map_err(&e)?;
            if fresh.is_none() {
                return Ok(None);
            }
        }
        bind_guard(sqlx::query_scalar(INSERT_JOB), job, &hash, window)
            .bind(job.body)
            .fetch_one(&mut *self)
            .await
            .map(Some)
            .map_err(&e)
    }
}

#[cfg(feature = "postgres")]
impl EnqueueIn for sqlx::PgConnection {
    /// One statement: the job is inserted only when the guard's row was.
    async fn enqueue_in(
        &mut self,
        job: &NewJob<'_>,
        window: Duration,
    ) -> Result<Option<i64>, InboxError> {
        let hash = content_hash(job.kind, job.webshop_id, job.body);
        let sql = if window.is_zero() {
            INSERT_JOB
        } else {
            INSERT_UNSEEN_JOB_POSTGRES
        };
        bind_guard(sqlx::query_scalar(sql), job, &hash, window)
            .bind(job.body)
            .fetch_optional(&mut *self)
            .await
            .map_err(fail("enqueue"))
    }
}

/// A job to mark done: id, claim owner, now (micros).
pub(super) type Completion<'a> = (i64, &'a str, i64);

/// A batch of the writer's most frequent changes inside the transaction it holds: recorded
/// callbacks and completed jobs. SQLite runs them one statement each (in-process, cheap);
/// PostgreSQL runs each kind as one statement over arrays, one round trip for the batch.
pub(super) trait BatchIn: EnqueueIn {
    /// [`EnqueueIn::enqueue_in`] for each job (all with duplicate `window`), in order: each
    /// one's id, or `None` for a duplicate (of an earlier job of the batch too).
    fn enqueue_all_in(
        &mut self,
        jobs: &[NewJob<'_>],
        window: Duration,
    ) -> impl Future<Output = Result<Vec<Option<i64>>, InboxError>> + Send;

    /// Marks the jobs done whose claim still holds; the ids it marked.
    fn complete_all_in(
        &mut self,
        jobs: &[Completion<'_>],
    ) -> impl Future<Output = Result<Vec<i64>, InboxError>> + Send;
}

#[cfg(feature = "sqlite")]
impl BatchIn for sqlx::SqliteConnection {
    async fn enqueue_all_in(
        &mut self,
        jobs: &[NewJob<'_>],
        window: Duration,
    ) -> Result<Vec<Option<i64>>, InboxError> {
        enqueue_each_in(self, jobs, window).await
    }

    async fn complete_all_in(&mut self, jobs: &[Completion<'_>]) -> Result<Vec<i64>, InboxError> {
        let mut done = Vec::with_capacity(jobs.len());
        for &(id, owner, now) in jobs {
            let result = sqlx::query(COMPLETE)
                .bind(id)
                .bind(owner)
                .bind(now)
                .execute(&mut *self)
                .await
                .map_err(fail("complete"))?;
            if result.rows_affected() == 1 {
                done.push(id);
            }
        }
        Ok(done)
    }
}

/// [`BatchIn::enqueue_all_in`] one statement per job.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
async fn enqueue_each_in<C: EnqueueIn + ?Sized>(
    connection: &mut C,
    jobs: &[NewJob<'_>],
    window: Duration,
) -> Result<Vec<Option<i64>>, InboxError> {
    let mut ids = Vec::with_capacity(jobs.len());
    for job in jobs {
        ids.push(connection.enqueue_in(job, window).await?);
    }
    Ok(ids)
}

/// [`BatchIn::enqueue_all_in`] on PostgreSQL with a duplicate guard: the jobs as arrays
/// (`$1` kinds, `$2` webshop ids, `$3` hashes, `$4` received-at, `$5` bodies), `$6` the
/// window (positive). Within the batch the first of equal callbacks counts; the guard then lets it in only when its
/// (type, shop, hash) was not seen within the window. The rows come back by ordinal.
#[cfg(feature = "postgres")]
const ENQUEUE_ALL_POSTGRES: &str = "\
WITH input AS ( \
    SELECT * FROM unnest($1::text[], $2::int8[], $3::text[], $4::int8[], $5::text[]) \
        WITH ORDINALITY AS i(kind, webshop_id, body_hash, received, body, n) \
), first AS ( \
    SELECT DISTINCT ON (kind, webshop_id, body_hash) * FROM input \
    ORDER BY kind, webshop_id, body_hash, n \
), seen AS ( \
    INSERT INTO shoporama_inbox_seen (kind, webshop_id, body_hash, seen_at_micros) \
    SELECT kind, webshop_id, body_hash, received FROM first \
    ON CONFLICT (kind, webshop_id, body_hash) DO UPDATE \
    SET seen_at_micros = excluded.seen_at_micros \
    WHERE shoporama_inbox_seen.seen_at_micros < excluded.seen_at_micros - $6 \
    RETURNING kind, webshop_id, body_hash \
), queued AS ( \
    INSERT INTO shoporama_inbox (kind, webshop_id, body, body_hash, received_at_micros, \
        state, attempts, run_at_micros) \
    SELECT f.kind, f.webshop_id, f.body, f.body_hash, f.received, 'pending', 0, f.received \
    FROM first f JOIN seen USING (kind, webshop_id, body_hash) ORDER BY f.n \
    RETURNING id, kind, webshop_id, body_hash \
) \
SELECT f.n, q.id FROM first f JOIN queued q USING (kind, webshop_id, body_hash)";

/// [`BatchIn::complete_all_in`] on PostgreSQL: `$1` ids, `$2` owners, `$3` now (micros).
#[cfg(feature = "postgres")]
const COMPLETE_ALL_POSTGRES: &str = "UPDATE shoporama_inbox AS j SET state = 'done', \
     finished_at_micros = c.now, lease_until_micros = NULL \
     FROM unnest($1::int8[], $2::text[], $3::int8[]) AS c(id, owner, now) \
     WHERE j.id = c.id AND j.lease_owner = c.owner AND j.state = 'running' RETURNING j.id";

#[cfg(feature = "postgres")]
impl BatchIn for sqlx::PgConnection {
    async fn enqueue_all_in(
        &mut self,
        jobs: &[NewJob<'_>],
        window: Duration,
    ) -> Result<Vec<Option<i64>>, InboxError> {
        // One job, or no guard (every callback queued, equal ones too): statement by statement.
        if jobs.len() == 1 || window.is_zero() {
            return enqueue_each_in(self, jobs, window).await;
        }
        let kinds: Vec<&str> = jobs.iter().map(|job| job.kind).collect();
        let shops: Vec<i64> = jobs.iter().map(|job| job.webshop_id).collect();
        let hashes: Vec<String> = jobs
            .iter()
            .map(|job| content_hash(job.kind, job.webshop_id, job.body))
            .collect();
        let received: Vec<i64> = jobs.iter().map(|job| micros(job.received_at)).collect();
        let bodies: Vec<&str> = jobs.iter().map(|job| job.body).collect();
        let rows: Vec<(i64, i64)> = sqlx::query_as(ENQUEUE_ALL_POSTGRES)
            .bind(kinds)
            .bind(shops)
            .bind(hashes)
            .bind(received)
            .bind(bodies)
            .bind(duration_micros(window))
            .fetch_all(&mut *self)
            .await
            .map_err(fail("enqueue"))?;
        let mut ids = vec![None; jobs.len()];
        for (ordinal, id) in rows {
            let slot = usize::try_from(ordinal - 1)
                .ok()
                .and_then(|index| ids.get_mut(index));
            match slot {
                Some(slot) => *slot = Some(id),
                None => {
                    return Err(InboxError::Invalid(format!(
                        "the batch's enqueue returned ordinal {ordinal} of {}",
                        jobs.len()
                    )));
                }
            }
        }
        Ok(ids)
    }

    async fn complete_all_in(&mut self, jobs: &[Completion<'_>]) -> Result<Vec<i64>, InboxError> {
        let ids: Vec<i64> = jobs.iter().map(|job| job.0).collect();
        let owners: Vec<&str> = jobs.iter().map(|job| job.1).collect();
        let now: Vec<i64> = jobs.iter().map(|job| job.2).collect();
        sqlx::query_scalar(COMPLETE_ALL_POSTGRES)
            .bind(ids)
            .bind(owners)
            .bind(now)
            .fetch_all(&mut *self)
            .await
            .map_err(fail("complete"))
    }
}

impl Pool {
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
        let job = with_pool!(self, |pool| sqlx::query(sql)
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(&e)?
            .as_ref()
            .map(decode_job)
            .transpose()?);
        Ok(job)
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

    /// Jobs received from `since` (unix microseconds) on, per unix minute: `(minute, received,
    /// failed)`, oldest first. Reads back from the newest id, [`PER_MINUTE_IDS`] at a time,
    /// until a range holds a job received before `since` or `most` ids were read.
    pub(super) async fn per_minute(
        &self,
        since: i64,
        most: i64,
    ) -> Result<Vec<(i64, i64, i64)>, InboxError> {
        let e = fail("count per minute");
        let since_minute = since.div_euclid(60_000_000);
        let mut minutes = std::collections::BTreeMap::<i64, (i64, i64)>::new();
        let mut high: i64 = with_pool!(self, |pool| sqlx::query_scalar(LAST_ID)
            .fetch_one(pool)
            .await
            .map_err(&e)?);
        let floor = high.saturating_sub(most).max(0);
        while high > floor {
            let low = high.saturating_sub(PER_MINUTE_IDS).max(floor);
            let rows: Vec<(i64, i64, i64)> = with_pool!(self, |pool| sqlx::query(PER_MINUTE)
                .bind(low)
                .bind(high)
                .fetch_all(pool)
                .await
                .map_err(&e)?
                .iter()
                .map(|row| {
                    Ok::<_, BadColumn>((
                        column::<i64>(row, "minute")?,
                        column::<i64>(row, "received")?,
                        column::<Option<i64>>(row, "failed")?.unwrap_or(0),
                    ))
                })
                .collect::<Result<Vec<_>, _>>()?);
            let mut reached_since = false;
            for (minute, received, failed) in rows {
                if minute < since_minute {
                    reached_since = true;
                } else {
                    let counted = minutes.entry(minute).or_default();
                    counted.0 = counted.0.saturating_add(received);
                    counted.1 = counted.1.saturating_add(failed);
                }
            }
            if reached_since {
                break;
            }
            high = low;
        }
        Ok(minutes
            .into_iter()
            .map(|(minute, (received, failed))| (minute, received, failed))
            .collect())
    }

    /// Jobs per state.
    pub(super) async fn counts(&self) -> Result<Vec<(JobState, u64)>, InboxError> {
        let e = fail("count");
        with_pool!(self, |pool| {
            let rows = sqlx::query(COUNTS).fetch_all(pool).await.map_err(&e)?;
            rows.iter()
                .map(|row| {
                    let n: i64 = column(row, "n")?;
                    Ok((job_state(row)?, u64::try_from(n).unwrap_or(0)))
                })
                .collect()
        })
    }
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl From<BadColumn> for InboxError {
    fn from(bad: BadColumn) -> Self {
        Self::Corrupt {
            column: bad.column,
            reason: bad.reason,
        }
    }
}

/// Reads the `state` column.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
fn job_state(row: &impl Columns) -> Result<JobState, BadColumn> {
    let name: String = column(row, "state")?;
    JobState::parse(&name).ok_or_else(|| BadColumn::new("state", "is not a known state"))
}

/// Decodes a row of [`job_columns!`].
#[cfg(any(feature = "sqlite", feature = "postgres"))]
fn decode_job(row: &impl Columns) -> Result<Job, BadColumn> {
    let attempts: i64 = column(row, "attempts")?;
    Ok(Job {
        id: column(row, "id")?,
        kind: column(row, "kind")?,
        webshop_id: unsigned(row, "webshop_id")?,
        body: column(row, "body")?,
        body_hash: column(row, "body_hash")?,
        received_at: timestamp(row, "received_at_micros")?,
        state: job_state(row)?,
        attempts: u32::try_from(attempts)
            .map_err(|_| BadColumn::new("attempts", "is out of range"))?,
        run_at: timestamp(row, "run_at_micros")?,
        lease_until: optional_timestamp(row, "lease_until_micros")?,
        last_error: column(row, "last_error")?,
        finished_at: optional_timestamp(row, "finished_at_micros")?,
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

    /// The guard holds within the window and not after it; without a window (one statement,
    /// no transaction) every callback is recorded.
    #[cfg(feature = "sqlite")]
    #[tokio::test]
    async fn enqueue_guards_duplicates_within_the_window_only() {
        let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let store = crate::store::SqliteStore::open(dir.path().join("inbox.db"))
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        let pool = Pool::Sqlite(store.pool().clone());
        let start = DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let at = |seconds| NewJob {
            kind: "paid",
            webshop_id: 7,
            body: "{\"order\":1}",
            received_at: start + chrono::Duration::seconds(seconds),
        };
        let window = Duration::from_mins(1);
        let enqueue = |job: NewJob<'static>, window| {
            let sqlite = store.pool().clone();
            async move {
                let mut tx = sqlite
                    .begin_with("BEGIN IMMEDIATE")
                    .await
                    .unwrap_or_else(|error| panic!("{error}"));
                let id = tx
                    .enqueue_in(&job, window)
                    .await
                    .unwrap_or_else(|error| panic!("{error}"));
                tx.commit().await.unwrap_or_else(|error| panic!("{error}"));
                id
            }
        };
        let first = enqueue(at(0), window).await;
        assert!(first.is_some());
        assert_eq!(enqueue(at(1), window).await, None);
        let after_window = enqueue(at(61), window).await;
        assert!(after_window > first);
        let unguarded = enqueue(at(62), Duration::ZERO).await;
        assert!(unguarded > after_window);
        let job = pool
            .get(unguarded.unwrap_or_default())
            .await
            .unwrap_or_else(|error| panic!("{error}"))
            .unwrap_or_else(|| panic!("job {unguarded:?} is missing"));
        assert_eq!(job.webshop_id, 7);
        assert_eq!(job.body, "{\"order\":1}");
        assert_eq!(job.state, JobState::Pending);
        assert_eq!(job.attempts, 0);
        assert_eq!(job.received_at, at(62).received_at);
        assert_eq!(job.run_at, job.received_at);
    }
}

/// The batch statements against a real PostgreSQL (`SHOPORAMA_TEST_POSTGRES_URL`), called
/// directly: the writer falls back to one statement per change when a batch fails, which
/// would hide a broken batch statement from tests that go through it.
#[cfg(all(test, feature = "postgres"))]
mod postgres_batches {
    use super::*;
    use crate::store::Database;

    async fn pool(test: &str) -> Option<sqlx::PgPool> {
        let url = crate::testing::skip::postgres_url(test)?;
        let schema = format!("t_{test}_{}", std::process::id());
        let admin = sqlx::PgPool::connect(&url).await.expect("connects");
        let create = format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}");
        sqlx::raw_sql(sqlx::AssertSqlSafe(create))
            .execute(&admin)
            .await
            .expect("schema");
        let separator = if url.contains('?') { '&' } else { '?' };
        let url = format!("{url}{separator}options[search_path]={schema}");
        let store = crate::store::connect(&url).await.expect("store migrates");
        match store.database() {
            Some(Database::Postgres(pool)) => Some(pool),
            other => panic!("not PostgreSQL: {other:?}"),
        }
    }

    fn job(body: &str) -> NewJob<'_> {
        NewJob {
            kind: "paid",
            webshop_id: 7,
            body,
            received_at: Utc::now(),
        }
    }

    #[tokio::test]
    async fn the_first_of_equal_callbacks_is_queued_once_and_only_held_claims_complete() {
        let Some(pool) = pool("inbox_batch_statements").await else {
            return;
        };
        let mut connection = pool.acquire().await.expect("connection");
        let window = Duration::from_hours(1);
        let batch = ["a", "b", "a", "c", "b"].map(job);
        let ids = connection
            .enqueue_all_in(&batch, window)
            .await
            .expect("batch");
        let queued: Vec<bool> = ids.iter().map(Option::is_some).collect();
        assert_eq!(queued, [true, true, false, true, false]);
        let (a, b, c) = (ids[0].expect("a"), ids[1].expect("b"), ids[3].expect("c"));
        assert!(a < b && b < c, "ids follow the batch's order: {ids:?}");
        // Seen within the window: a duplicate; a new one is queued.
        let ids = connection
            .enqueue_all_in(&["a", "d"].map(job), window)
            .await
            .expect("batch");
        assert_eq!(
            ids.iter().map(Option::is_some).collect::<Vec<_>>(),
            [false, true]
        );

        sqlx::query("UPDATE shoporama_inbox SET state = 'running', lease_owner = 'me'")
            .execute(&mut *connection)
            .await
            .expect("claimed");
        let now = micros(Utc::now());
        let done = connection
            .complete_all_in(&[(a, "me", now), (b, "someone else", now), (c, "me", now)])
            .await
            .expect("completed");
        assert_eq!(done.len(), 2);
        assert!(done.contains(&a) && done.contains(&c), "{done:?}");
        let states: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, state FROM shoporama_inbox WHERE id IN ($1, $2) ORDER BY id",
        )
        .bind(a)
        .bind(b)
        .fetch_all(&mut *connection)
        .await
        .expect("states");
        assert_eq!(states, [(a, "done".to_owned()), (b, "running".to_owned())]);
    }
}
