//! The durable inbox: acknowledge a callback as soon as it is recorded, process it with
//! workers, retry what fails, and survive crashes and scale-out.
//!
//! Shoporama sends a fixed token, no event id and no timestamp, and retries what is not
//! answered with 200. With the inbox, an event or webhook callback is verified, parsed and
//! checked against the install store as before (401, 400, 413, 404 stay what they were),
//! then written to the table `shoporama_inbox` in the install store's database (type,
//! webshop id, body, received-at, a SHA-256 content hash) and only then answered 200.
//! Workers in every app process claim jobs, run
//! [`ShoporamaApp::on_event`](crate::app::ShoporamaApp::on_event), and:
//!
//! - on success mark the job `done` (kept for [`InboxConfig::retention`], then purged);
//! - on an error, a panic or a time-out schedule a retry after an exponential backoff
//!   ([`InboxConfig::backoff`] doubled per attempt, capped by
//!   [`InboxConfig::backoff_max`], 1 h by default), for [`InboxConfig::retry_for`] (48 h by
//!   default) or until [`InboxConfig::max_attempts`] runs have failed: then the job is
//!   `dead`, with its last error (`<app> inbox list --state dead`,
//!   `GET /inbox/dead-letters`, `<app> inbox retry`).
//!
//! Which callbacks use the inbox is chosen per app and per type: see [`InboxConfig`]
//! (webhooks by default, storefront events inline; `install`, `update` and `uninstall` are
//! always inline because they persist before answering anyway). The inbox needs the SQL
//! install store (SQLite file or PostgreSQL): a runtime over `memory://`, `sqlite::memory:`
//! or a store of your own handles every callback inline.
//!
//! # Guarantees
//!
//! - **Durable acknowledgement.** A 200 for a queued callback means its row is committed
//!   (SQLite with `synchronous = FULL`, PostgreSQL's commit). A crash after that loses
//!   nothing; a crash before it means Shoporama got no 200 and retries. Claims and outcomes
//!   alone are committed without waiting for the disk (a crash of the application loses none
//!   of them; a crash of the database server or the machine can make those jobs run again).
//! - **Duplicates.** The same (type, webshop id, body hash) accepted within
//!   [`InboxConfig::dedup_window`] is answered 200 and not queued again. The guard is a
//!   primary key in the database (`shoporama_inbox_seen`), so it holds across processes and
//!   restarts, including for a callback that was recorded but whose 200 was lost to a crash.
//! - **No job runs twice at once.** A worker claims a job by setting its lease owner and
//!   expiry in one statement: on PostgreSQL `FOR UPDATE SKIP LOCKED`, on SQLite inside a
//!   `BEGIN IMMEDIATE` transaction. The lease is renewed while the handler runs; a job whose
//!   process died is taken over once its lease ([`InboxConfig::lease`]) expires. Every later
//!   change names the claim, so a worker that lost its lease cannot finish someone else's
//!   job.
//! - **At-least-once execution, exactly-once effect by job id.** A handler runs at least once
//!   per queued callback and, barring crashes, exactly once. If the process dies after the
//!   handler's side effect but before the job is marked done, the handler runs again after
//!   the lease expires. Handlers make that harmless with [`current_job`]: its
//!   [`JobInfo::id`] is stable across those runs, so recording the side effect under that
//!   id (`INSERT … ON CONFLICT (job_id) DO NOTHING` in the same database, or an idempotency
//!   key sent to the remote service) gives exactly one effect per acknowledged callback. The
//!   crash test (`tests/inbox_crash.rs`) checks exactly that.
//! - **No stalls.** Idle workers wake when this process records a job, on PostgreSQL also
//!   when any process records or retries one (`LISTEN`/`NOTIFY` on the channel
//!   `shoporama_inbox`), and in any case every [`InboxConfig::poll_interval`], which picks
//!   up retries that came due and jobs whose claims expired, with no new traffic needed.
//! - **Cancellation.** Recording a callback and claiming a job run to completion in tasks of
//!   their own: a client that hangs up mid-request, or a shutdown, cannot leave a
//!   connection inside a transaction or a claim half made.
//! - **Ordering** is by arrival (`id`) when [`InboxConfig::per_shop_ordering`] is on: a job
//!   waits while an older job of its shop is pending (also during its backoff) or running;
//!   dead jobs no longer block. Without it, jobs start in arrival order but run concurrently.
//!   Two callbacks of one shop whose requests overlap have no defined order between them.
//! - **Shutdown.** `serve` stops accepting, finishes the requests in flight, stops workers
//!   from claiming, lets running jobs finish for [`InboxConfig::shutdown_grace`], then
//!   releases the rest (back to `pending`, the attempt not counted) for another process or
//!   the next start. If the database does not answer the releases within 5 s more, the
//!   workers stop anyway and the claims expire with their leases: shutdown never hangs.
//!
//! A job's handler runs with the shop's installation as it is when the job runs: a shop
//! uninstalled meanwhile gets its job marked done without running the handler (logged), and
//! a shop whose settings became invalid likewise.

mod db;
pub(crate) mod worker;
mod writer;

pub use crate::config::{Delivery, InboxConfig};

use std::error::Error as StdError;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::Notify;

use crate::store::Database;
use db::Pool;

/// What went wrong in the inbox.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InboxError {
    /// The database URL cannot hold an inbox.
    #[error("the inbox cannot use `{url}`: {reason}")]
    Unsupported {
        /// The URL, password masked.
        url: String,
        /// Why.
        reason: String,
    },
    /// The database could not be opened.
    #[error("could not open the inbox at `{url}`: {source}")]
    Connect {
        /// The URL, password masked.
        url: String,
        /// The cause.
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
    /// A query failed.
    #[error("inbox operation `{operation}` failed: {source}")]
    Database {
        /// The operation.
        operation: &'static str,
        /// The cause (the database's message only).
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
    /// A stored job cannot be read back.
    #[error("corrupt inbox row: column `{column}` {reason}")]
    Corrupt {
        /// The column.
        column: &'static str,
        /// What is wrong with it (never the value).
        reason: String,
    },
    /// The request cannot be carried out (e.g. purging jobs that have not finished).
    #[error("{0}")]
    Invalid(String),
    /// A number does not fit the inbox's columns.
    #[error("webshop id {0} is too large for the inbox")]
    OutOfRange(u64),
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Waiting to run (at [`Job::run_at`]).
    Pending,
    /// Claimed by a worker until its lease expires.
    Running,
    /// The handler succeeded (or the shop was gone).
    Done,
    /// Out of attempts; [`Job::last_error`] says why.
    Dead,
}

impl JobState {
    /// Every state.
    pub const ALL: [Self; 4] = [Self::Pending, Self::Running, Self::Done, Self::Dead];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Done => "done",
            Self::Dead => "dead",
        }
    }

    /// The state of a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == name)
    }
}

impl std::fmt::Display for JobState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A recorded callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Job {
    /// The job id: arrival order, stable across retries and take-overs.
    pub id: i64,
    /// The callback's `type`.
    pub kind: String,
    /// The webshop.
    pub webshop_id: u64,
    /// The callback's JSON body.
    pub body: String,
    /// SHA-256 (hex) of type, webshop id and body: the duplicate guard's key.
    pub body_hash: String,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// Its state.
    pub state: JobState,
    /// Runs started so far (including one in progress).
    pub attempts: u32,
    /// When it may run next.
    pub run_at: DateTime<Utc>,
    /// Until when its current claim holds (while running).
    pub lease_until: Option<DateTime<Utc>>,
    /// The last failure.
    pub last_error: Option<String>,
    /// When it became done or dead.
    pub finished_at: Option<DateTime<Utc>>,
}

/// The callbacks received in one minute: how many, and how many of them failed at least once
/// (see [`Inbox::per_minute`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MinuteCount {
    /// The minute's start.
    pub minute: DateTime<Utc>,
    /// Callbacks received in it.
    pub received: u64,
    /// Of those, the ones that failed at least once (retried or dead-lettered).
    pub failed: u64,
}

/// What a handler can know about the inbox job it runs for: see [`current_job`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobInfo {
    /// The job id: the same on every run of this callback, so an idempotency key.
    pub id: i64,
    /// This run's number, from 1.
    pub attempt: u32,
    /// When the callback was received.
    pub received_at: DateTime<Utc>,
}

tokio::task_local! {
    static CURRENT_JOB: JobInfo;
}

/// The inbox job the calling handler runs for, or `None` when it runs inline (or in a task it
/// spawned: the value is bound to the handler's own future).
///
/// ```
/// # use shoporama_app::prelude::*;
/// # #[shoporama_app(name = "X", access = read, webhooks(paid))] pub struct Settings {}
/// # struct MyApp;
/// impl ShoporamaApp for MyApp {
///     type Settings = Settings;
///     async fn on_event(&self, _shop: &Shop<Settings>, _event: SettingsEvent) -> Result<(), AppError> {
///         if let Some(job) = shoporama_app::inbox::current_job() {
///             // e.g. INSERT INTO bookings (job_id, …) VALUES ($1, …) ON CONFLICT (job_id) DO NOTHING
///             let _idempotency_key = format!("shoporama-{}", job.id);
///         }
///         Ok(())
///     }
/// }
/// ```
pub fn current_job() -> Option<JobInfo> {
    CURRENT_JOB.try_with(Clone::clone).ok()
}

/// Runs `future` with [`current_job`] answering `info`.
async fn with_job<F: Future>(info: JobInfo, future: F) -> F::Output {
    CURRENT_JOB.scope(info, future).await
}

/// What [`Inbox::enqueue`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// Recorded as job `id`.
    Queued(i64),
    /// The same callback was accepted within the duplicate window: not queued again.
    Duplicate,
}

/// The inbox of one database. Cheap to clone; all clones share the workers.
#[derive(Clone)]
pub struct Inbox {
    inner: Arc<InboxInner>,
}

struct InboxInner {
    pool: Pool,
    /// The task every inbox write goes through (group commit).
    writer: writer::Writer,
    config: InboxConfig,
    /// Wakes an idle worker of this process when a job is queued.
    wake: Notify,
    /// The running workers, once started.
    workers: Mutex<Option<worker::Workers>>,
}

impl std::fmt::Debug for Inbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbox")
            .field("pool", &self.inner.pool)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Inbox {
    /// The inbox in `database` (the install store's: see
    /// [`InstallStore::database`](crate::store::InstallStore::database)), whose schema the
    /// store has migrated. Checks that the inbox's tables answer.
    pub async fn new(database: Database, config: InboxConfig) -> Result<Self, InboxError> {
        let inbox = Self {
            inner: Arc::new(InboxInner {
                writer: writer::Writer::start(database.clone()),
                pool: database,
                config,
                wake: Notify::new(),
                workers: Mutex::new(None),
            }),
        };
        // Fails loudly now, not on the first callback, when the schema lacks the inbox: one
        // primary-key lookup reading every column (counting would scan the whole table).
        inbox.inner.pool.get(0).await?;
        Ok(inbox)
    }

    /// Opens (and migrates) the install store at `url` and the inbox in its database.
    ///
    /// Returns [`InboxError::Unsupported`] for URLs without a durable SQL database
    /// (`memory://`, `sqlite::memory:`) or a backend this build lacks.
    pub async fn open(url: &str, config: InboxConfig) -> Result<Self, InboxError> {
        let masked = crate::store::mask_url(url);
        if let Some(reason) = not_durable(url) {
            return Err(InboxError::Unsupported {
                url: masked,
                reason: reason.to_owned(),
            });
        }
        let store = crate::store::connect(url)
            .await
            .map_err(|error| InboxError::Connect {
                url: masked.clone(),
                source: Box::new(error),
            })?;
        let Some(database) = store.database() else {
            return Err(InboxError::Unsupported {
                url: masked,
                reason: "the inbox needs a SQLite file or PostgreSQL".to_owned(),
            });
        };
        Self::new(database, config).await
    }

    /// The configuration.
    pub fn config(&self) -> &InboxConfig {
        &self.inner.config
    }

    /// Records a callback (type `kind`, shop `webshop_id`, JSON `body`), unless it duplicates
    /// one accepted within the window. When this returns, the record is committed.
    pub async fn enqueue(
        &self,
        kind: &str,
        webshop_id: u64,
        body: &str,
    ) -> Result<Enqueued, InboxError> {
        let webshop_id = shop_column(webshop_id)?;
        // The writer commits it with whatever else is waiting; it is in the writer's queue
        // before this can be cancelled (a client that hangs up cancels nothing).
        let job = writer::OwnedJob {
            kind: kind.to_owned(),
            webshop_id,
            body: body.to_owned(),
            received_at: Utc::now(),
        };
        let recorded = self
            .writer()
            .enqueue(job, self.inner.config.dedup_window)
            .await?;
        Ok(match recorded {
            Some(id) => {
                self.inner.wake.notify_one();
                Enqueued::Queued(id)
            }
            None => Enqueued::Duplicate,
        })
    }

    /// Claims up to `limit` claimable jobs, oldest first, for `owner`, through the writer.
    async fn claim(&self, owner: &str, limit: usize) -> Result<Vec<Job>, InboxError> {
        let config = &self.inner.config;
        self.writer()
            .claim(writer::Claim {
                owner: owner.to_owned(),
                now: Utc::now(),
                lease: config.lease,
                ordered: config.per_shop_ordering,
                limit,
            })
            .await
    }

    /// Records a job's outcome, logging what that came to with `log`: handed to the writer
    /// without waiting for its commit, so the worker's slot is free at once (a crash before
    /// the commit only means the job runs again when its lease expires; [`Inbox::shutdown`]
    /// waits for the writer).
    async fn record_outcome(
        &self,
        update: db::Guarded,
        log: impl FnOnce(Result<bool, InboxError>) + Send + 'static,
    ) {
        self.writer().submit(update, log).await;
    }

    /// Waits until every outcome handed to the writer is committed.
    async fn flush(&self) {
        if let Err(error) = self.writer().flush().await {
            tracing::error!(%error, "could not write the inbox's last outcomes");
        }
    }

    /// Applies a claim-guarded change to a job and waits for it; whether the claim still held.
    async fn record(&self, update: db::Guarded) -> Result<bool, InboxError> {
        self.writer().record(update).await
    }

    /// The task every inbox write goes through.
    fn writer(&self) -> &writer::Writer {
        &self.inner.writer
    }

    /// Jobs, newest first: all or those in `state`, all shops or one, at most `limit`.
    pub async fn list(
        &self,
        state: Option<JobState>,
        webshop_id: Option<u64>,
        limit: u32,
    ) -> Result<Vec<Job>, InboxError> {
        let shop = webshop_id.map(shop_column).transpose()?;
        self.inner.pool.list(state, shop, i64::from(limit)).await
    }

    /// One job.
    pub async fn job(&self, id: i64) -> Result<Option<Job>, InboxError> {
        self.inner.pool.get(id).await
    }

    /// Queues job `id` (dead, or pending a retry) to run now with fresh attempts, or with
    /// `None` every dead job. Returns how many were queued.
    pub async fn retry(&self, id: Option<i64>) -> Result<u64, InboxError> {
        let count = self.inner.pool.retry(id, Utc::now()).await?;
        if count > 0 {
            self.inner.wake.notify_waiters();
        }
        Ok(count)
    }

    /// Deletes job `id` if it is finished (done or dead), or with `None` every job in `state`
    /// (done or dead) finished more than `older_than` ago. Returns how many were deleted.
    pub async fn purge(
        &self,
        id: Option<i64>,
        state: JobState,
        older_than: Duration,
    ) -> Result<u64, InboxError> {
        if id.is_none() && !matches!(state, JobState::Done | JobState::Dead) {
            return Err(InboxError::Invalid(format!(
                "only done or dead jobs can be purged, not {state}"
            )));
        }
        self.inner.pool.purge(id, state, ago(older_than)).await
    }

    /// The callbacks received per minute, from the minute that holds `since` on, oldest minute
    /// first (minutes without any are left out), counted in the database: the console's chart.
    ///
    /// It reads the newest jobs back by id, a range of ids at a time, until it reaches one
    /// received before `since`, and at most the newest [`PER_MINUTE_MOST`] ids; jobs purged
    /// by the retention are not counted.
    pub async fn per_minute(&self, since: DateTime<Utc>) -> Result<Vec<MinuteCount>, InboxError> {
        let counts = self
            .inner
            .pool
            .per_minute(db::micros(since), PER_MINUTE_MOST)
            .await?;
        Ok(counts
            .into_iter()
            .filter_map(|(minute, received, failed)| {
                Some(MinuteCount {
                    minute: DateTime::from_timestamp(minute.checked_mul(60)?, 0)?,
                    received: u64::try_from(received).unwrap_or(0),
                    failed: u64::try_from(failed).unwrap_or(0),
                })
            })
            .collect())
    }

    /// How many jobs are in each state.
    pub async fn counts(&self) -> Result<Vec<(JobState, u64)>, InboxError> {
        self.inner.pool.counts().await
    }

    /// Deletes done jobs past the retention and duplicate-guard entries past the window.
    pub async fn prune(&self) -> Result<(), InboxError> {
        let config = &self.inner.config;
        let forgotten = self
            .inner
            .pool
            .forget_seen(ago(config.dedup_window))
            .await?;
        let purged = self.purge(None, JobState::Done, config.retention).await?;
        tracing::debug!(forgotten, purged, "pruned the inbox");
        Ok(())
    }

    /// Stops this process's workers: no new claims, running jobs get
    /// [`InboxConfig::shutdown_grace`] to finish, then are released. Does nothing when no
    /// workers run.
    pub async fn shutdown(&self) {
        let workers = self
            .inner
            .workers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(workers) = workers {
            workers.shutdown(self.inner.config.shutdown_grace).await;
            self.flush().await;
        }
    }

    #[cfg(feature = "postgres")]
    fn pool(&self) -> &Pool {
        &self.inner.pool
    }

    fn wake(&self) -> &Notify {
        &self.inner.wake
    }

    /// Installs `workers` unless some already run; whether they were installed.
    fn set_workers(&self, workers: impl FnOnce() -> worker::Workers) -> bool {
        let mut slot = self
            .inner
            .workers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if slot.is_some() {
            return false;
        }
        *slot = Some(workers());
        true
    }
}

/// Why the database at `url` cannot hold an inbox, if it cannot: an in-memory database
/// forgets what was acknowledged.
pub(crate) fn not_durable(url: &str) -> Option<&'static str> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("memory:") {
        Some("the in-memory store is not durable")
    } else if lower.starts_with("sqlite:")
        && (lower.contains(":memory:") || lower.contains("mode=memory"))
    {
        Some("an in-memory database is not durable")
    } else {
        None
    }
}

/// The most job ids [`Inbox::per_minute`] reads back: at 1,000 callbacks a second, a little
/// over half an hour.
pub const PER_MINUTE_MOST: i64 = 2_000_000;

/// A webshop id as the inbox's `BIGINT` column holds it.
fn shop_column(webshop_id: u64) -> Result<i64, InboxError> {
    i64::try_from(webshop_id).map_err(|_| InboxError::OutOfRange(webshop_id))
}

/// The time `duration` before now, in the tables' microseconds.
fn ago(duration: Duration) -> i64 {
    db::micros(Utc::now()).saturating_sub(i64::try_from(duration.as_micros()).unwrap_or(i64::MAX))
}
