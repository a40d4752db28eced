//! The inbox's writer: group commit.
//!
//! SQLite has one write lock for the whole database. Requests and workers that each opened
//! a write transaction of their own would queue for it in SQLite's busy handler, and each
//! would pay a commit of its own: an fsync at `synchronous = FULL`. Here they queue in a
//! channel instead, and one task writes: every change waiting when the previous commit ended
//! goes into the next transaction, which commits them all with one fsync. Each caller hears
//! back only after its batch committed, so a 200 still means "on disk".
//!
//! A change whose statement fails makes the whole batch roll back; the writer then runs that
//! batch's changes again one transaction each, so one bad change fails alone. A caller that
//! stops waiting (a client that hung up) cancels nothing: its change is in the channel and is
//! written all the same.

// A build without SQL backends keeps the types, but nothing here can run.
#![cfg_attr(
    not(any(feature = "sqlite", feature = "postgres")),
    allow(unused_imports, unused_variables, dead_code, unreachable_code)
)]

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot};

use super::db::{self, BatchIn, Guarded, NewJob};
use super::{InboxError, Job};
use crate::store::Database;

/// The most changes one transaction takes.
const MAX_BATCH: usize = 512;
/// Changes waiting for the writer before callers wait to hand theirs over.
const QUEUE: usize = 4096;

/// A handle on the writer task; the task ends when the last handle is dropped.
#[derive(Debug, Clone)]
pub(super) struct Writer {
    changes: mpsc::Sender<Change>,
}

/// A callback to record.
#[derive(Debug)]
pub(super) struct OwnedJob {
    pub(super) kind: String,
    pub(super) webshop_id: i64,
    pub(super) body: String,
    pub(super) received_at: DateTime<Utc>,
}

/// A claim of up to `limit` jobs.
#[derive(Debug)]
pub(super) struct Claim {
    pub(super) owner: String,
    pub(super) now: DateTime<Utc>,
    pub(super) lease: Duration,
    pub(super) ordered: bool,
    pub(super) limit: usize,
}

#[derive(Debug)]
enum Change {
    Enqueue {
        job: OwnedJob,
        window: Duration,
        done: oneshot::Sender<Result<Option<i64>, InboxError>>,
    },
    Claim {
        claim: Claim,
        done: oneshot::Sender<Result<Vec<Job>, InboxError>>,
    },
    Record {
        update: Guarded,
        done: oneshot::Sender<Result<bool, InboxError>>,
    },
    /// Nothing to write: answered once everything before it is committed.
    Flush {
        done: oneshot::Sender<Result<(), InboxError>>,
    },
}

/// What a change came to, before its batch committed.
enum Applied {
    Enqueued(Option<i64>),
    Claimed(Vec<Job>),
    Recorded(bool),
    Flushed,
}

impl Writer {
    /// Starts the writer over `database`.
    pub(super) fn start(database: Database) -> Self {
        let (changes, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(database, queue));
        Self { changes }
    }

    /// Records `job` unless it duplicates one seen within `window`; its id, or `None`.
    pub(super) async fn enqueue(
        &self,
        job: OwnedJob,
        window: Duration,
    ) -> Result<Option<i64>, InboxError> {
        self.send(|done| Change::Enqueue { job, window, done }, "enqueue")
            .await
    }

    /// Claims up to `claim.limit` jobs, oldest first.
    pub(super) async fn claim(&self, claim: Claim) -> Result<Vec<Job>, InboxError> {
        self.send(|done| Change::Claim { claim, done }, "claim")
            .await
    }

    /// Hands a claim-guarded change to the writer without waiting for its commit: the writer
    /// applies changes in the order they arrive, so a later [`flush`](Self::flush) returns
    /// only once this is committed too. What it came to is logged by `log`.
    pub(super) async fn submit(
        &self,
        update: Guarded,
        log: impl FnOnce(Result<bool, InboxError>) + Send + 'static,
    ) {
        let operation = update.operation();
        let (done, answer) = oneshot::channel();
        if self
            .changes
            .send(Change::Record { update, done })
            .await
            .is_err()
        {
            log(Err(InboxError::Database {
                operation,
                source: "the inbox's writer has stopped".into(),
            }));
            return;
        }
        tokio::spawn(async move {
            if let Ok(result) = answer.await {
                log(result);
            }
        });
    }

    /// Waits until every change handed over before has been committed (or has failed).
    pub(super) async fn flush(&self) -> Result<(), InboxError> {
        self.send(|done| Change::Flush { done }, "flush").await
    }

    /// Applies a claim-guarded change; whether the claim still held.
    pub(super) async fn record(&self, update: Guarded) -> Result<bool, InboxError> {
        let operation = update.operation();
        self.send(|done| Change::Record { update, done }, operation)
            .await
    }

    async fn send<T>(
        &self,
        change: impl FnOnce(oneshot::Sender<Result<T, InboxError>>) -> Change,
        operation: &'static str,
    ) -> Result<T, InboxError> {
        let (done, answer) = oneshot::channel();
        let gone = || InboxError::Database {
            operation,
            source: "the inbox's writer has stopped".into(),
        };
        self.changes.send(change(done)).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

/// Writes batches until every handle is gone.
async fn run(pool: Database, mut queue: mpsc::Receiver<Change>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        match write(&pool, &batch).await {
            Ok(applied) => {
                for (change, applied) in batch.drain(..).zip(applied) {
                    answer(change, Ok(applied));
                }
            }
            Err(error) if batch.len() == 1 => {
                if let Some(change) = batch.pop() {
                    change.fail(error);
                }
            }
            Err(error) => {
                // One change may be at fault (its caller gets the error); the others go on.
                let changes = batch.len();
                tracing::debug!(%error, changes, "inbox batch failed: writing its changes one by one");
                let mut failed = 0_usize;
                for change in batch.drain(..) {
                    let result = write(&pool, std::slice::from_ref(&change))
                        .await
                        .and_then(|mut applied| applied.pop().ok_or_else(mixed_up));
                    failed += usize::from(result.is_err());
                    answer(change, result);
                }
                if failed == 0 {
                    // Every change went through alone: the batch itself failed, so batching
                    // is broken or the database had a passing fault. Worth a look either way.
                    tracing::warn!(%error, changes, "an inbox batch failed though each of its changes succeeded alone");
                }
            }
        }
    }
}

fn mixed_up() -> InboxError {
    InboxError::Invalid("the inbox's writer mixed up its answers".to_owned())
}

/// Applies `changes` in one transaction (`BEGIN IMMEDIATE` on SQLite) and commits it; what
/// each came to. Any failure rolls the whole transaction back.
///
/// Only a batch that records callbacks (or is flushed) waits for its commit to reach the
/// disk. Claims and outcomes alone commit without that wait (PostgreSQL's
/// `synchronous_commit = off` for the transaction, SQLite's `synchronous = NORMAL` for it,
/// in WAL mode): the application crashing loses none of them, and a crash of the database
/// server or the machine can forget the last moment of them, which runs those jobs again,
/// as a lost lease would. A recorded callback is on disk before its 200, always.
async fn write(database: &Database, changes: &[Change]) -> Result<Vec<Applied>, InboxError> {
    use sqlx::Connection as _;

    let durable = changes
        .iter()
        .any(|change| matches!(change, Change::Enqueue { .. } | Change::Flush { .. }));
    #[allow(unreachable_patterns)]
    let (before, begin, after) = match database {
        #[cfg(feature = "sqlite")]
        Database::Sqlite(_) if durable => (None, "BEGIN IMMEDIATE", None),
        #[cfg(feature = "sqlite")]
        Database::Sqlite(_) => (
            Some("PRAGMA synchronous = NORMAL"),
            "BEGIN IMMEDIATE",
            // The connection goes back to the pool as every other: `synchronous = FULL`.
            Some("PRAGMA synchronous = FULL"),
        ),
        #[cfg(feature = "postgres")]
        Database::Postgres(_) if durable => (None, POSTGRES_BEGIN, None),
        #[cfg(feature = "postgres")]
        Database::Postgres(_) => (None, POSTGRES_BEGIN_LIGHT, None),
        _ => (None::<&str>, "BEGIN", None::<&str>),
    };
    crate::store::with_database!(database, |pool| {
        let mut connection = pool.acquire().await.map_err(db::fail("begin"))?;
        if let Some(statement) = before {
            sqlx::raw_sql(statement)
                .execute(&mut *connection)
                .await
                .map_err(db::fail("begin"))?;
        }
        let applied = async {
            let mut tx = connection
                .begin_with(begin)
                .await
                .map_err(db::fail("begin"))?;
            // Recorded callbacks and completions wait in `pending` and go in as one batch each,
            // before the next claim (which may pick up what was just recorded) and at the end.
            let mut applied: Vec<Option<Applied>> = Vec::with_capacity(changes.len());
            let mut pending = Pending::default();
            for (index, change) in changes.iter().enumerate() {
                match change {
                    Change::Enqueue { job, window, .. } if pending.fits(*window) => {
                        pending.enqueue(index, job, *window);
                        applied.push(None);
                    }
                    Change::Enqueue { job, window, .. } => {
                        pending.apply(&mut *tx, &mut applied).await?;
                        pending.enqueue(index, job, *window);
                        applied.push(None);
                    }
                    Change::Record { update, .. } if update.completion().is_some() => {
                        pending.complete(index, update);
                        applied.push(None);
                    }
                    Change::Claim { claim, .. } => {
                        pending.apply(&mut *tx, &mut applied).await?;
                        let rows = db::claim_query(
                            &claim.owner,
                            claim.now,
                            claim.lease,
                            claim.ordered,
                            claim.limit,
                        )
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(db::fail("claim"))?;
                        applied.push(Some(Applied::Claimed(db::decode_claimed(&rows)?)));
                    }
                    Change::Record { update, .. } => {
                        let done = update
                            .query()
                            .execute(&mut *tx)
                            .await
                            .map_err(|error| update.failed(error))?;
                        applied.push(Some(Applied::Recorded(done.rows_affected() == 1)));
                    }
                    Change::Flush { .. } => applied.push(Some(Applied::Flushed)),
                }
            }
            pending.apply(&mut *tx, &mut applied).await?;
            let applied = applied
                .into_iter()
                .collect::<Option<Vec<_>>>()
                .ok_or_else(mixed_up)?;
            tx.commit().await.map_err(db::fail("commit"))?;
            Ok(applied)
        }
        .await;
        if let Some(statement) = after
            && sqlx::raw_sql(statement)
                .execute(&mut *connection)
                .await
                .is_err()
        {
            // Not back to the pool with another setting than every other connection.
            connection.close_on_drop();
        }
        applied
    })
}

/// The recorded callbacks (all with one duplicate window) and completions of a batch not yet
/// applied, by their index in the batch.
#[derive(Default)]
struct Pending<'a> {
    window: Option<Duration>,
    enqueues: Vec<(usize, NewJob<'a>)>,
    completions: Vec<(usize, db::Completion<'a>)>,
}

impl<'a> Pending<'a> {
    /// Whether a callback with duplicate `window` can join the waiting ones.
    fn fits(&self, window: Duration) -> bool {
        self.window.is_none_or(|waiting| waiting == window)
    }

    fn enqueue(&mut self, index: usize, job: &'a OwnedJob, window: Duration) {
        self.window = Some(window);
        let job = NewJob {
            kind: &job.kind,
            webshop_id: job.webshop_id,
            body: &job.body,
            received_at: job.received_at,
        };
        self.enqueues.push((index, job));
    }

    fn complete(&mut self, index: usize, update: &'a Guarded) {
        if let Some(completion) = update.completion() {
            self.completions.push((index, completion));
        }
    }

    /// Applies what waits, filling in the answers at its indexes.
    async fn apply<C: BatchIn>(
        &mut self,
        connection: &mut C,
        applied: &mut [Option<Applied>],
    ) -> Result<(), InboxError> {
        let mut answer = |index: usize, outcome: Applied| match applied.get_mut(index) {
            Some(slot) => {
                *slot = Some(outcome);
                Ok(())
            }
            None => Err(mixed_up()),
        };
        if let Some(window) = self.window.take() {
            let jobs: Vec<NewJob<'_>> = self.enqueues.iter().map(|(_, job)| *job).collect();
            let ids = connection.enqueue_all_in(&jobs, window).await?;
            if ids.len() != jobs.len() {
                return Err(mixed_up());
            }
            for ((index, _), id) in self.enqueues.drain(..).zip(ids) {
                answer(index, Applied::Enqueued(id))?;
            }
        }
        if !self.completions.is_empty() {
            let jobs: Vec<db::Completion<'_>> =
                self.completions.iter().map(|(_, job)| *job).collect();
            let done = connection.complete_all_in(&jobs).await?;
            for (index, (id, _, _)) in self.completions.drain(..) {
                answer(index, Applied::Recorded(done.contains(&id)))?;
            }
        }
        Ok(())
    }
}

/// A batch's transaction on PostgreSQL, in one round trip: no bitmap scans for the rest of
/// it. Without statistics (a new or freshly filled table, before autovacuum analyses it) the
/// planner otherwise collects every pending job through the `(state, finished_at)` index and
/// sorts them, 15 ms per claim at 30,000 pending jobs, instead of walking the partial index
/// of unfinished jobs in id order and stopping at the first few (about 1 ms). The batch's
/// other statements are inserts and primary-key updates, which it does not affect.
#[cfg(feature = "postgres")]
const POSTGRES_BEGIN: &str = "BEGIN; SET LOCAL enable_bitmapscan = off";
/// The same without waiting for the commit's WAL flush (see [`write`]).
#[cfg(feature = "postgres")]
const POSTGRES_BEGIN_LIGHT: &str =
    "BEGIN; SET LOCAL enable_bitmapscan = off; SET LOCAL synchronous_commit = off";

/// Tells the caller of `change` what it came to (a caller that stopped waiting is skipped).
fn answer(change: Change, result: Result<Applied, InboxError>) {
    match (change, result) {
        (Change::Enqueue { done, .. }, Ok(Applied::Enqueued(id))) => {
            let _ = done.send(Ok(id));
        }
        (Change::Claim { done, .. }, Ok(Applied::Claimed(jobs))) => {
            let _ = done.send(Ok(jobs));
        }
        (Change::Record { done, .. }, Ok(Applied::Recorded(held))) => {
            let _ = done.send(Ok(held));
        }
        (Change::Flush { done }, Ok(Applied::Flushed)) => {
            let _ = done.send(Ok(()));
        }
        (change, Err(error)) => change.fail(error),
        (change, Ok(_)) => change.fail(mixed_up()),
    }
}

impl Change {
    fn fail(self, error: InboxError) {
        match self {
            Self::Enqueue { done, .. } => {
                let _ = done.send(Err(error));
            }
            Self::Claim { done, .. } => {
                let _ = done.send(Err(error));
            }
            Self::Record { done, .. } => {
                let _ = done.send(Err(error));
            }
            Self::Flush { done } => {
                let _ = done.send(Err(error));
            }
        }
    }
}
