//! The workers: claim a job, run the app's handler under a renewed lease, record the outcome.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use futures::future::BoxFuture;
use futures::stream::{FuturesUnordered, StreamExt as _};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::Instrument as _;

use super::db::{self, Guarded};
use super::{Inbox, Job, JobInfo, with_job};

/// How the workers run a job's handler: the server hands them one (it parses the stored
/// callback, finds the shop and calls the app), so the inbox knows nothing of apps. `Err` is
/// the reason to retry.
pub(crate) type RunJob =
    Arc<dyn Fn(Job) -> BoxFuture<'static, Result<JobOutcome, String>> + Send + Sync>;

/// What running a job's handler came to, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobOutcome {
    /// The handler ran and succeeded.
    Handled,
    /// The handler was not run: the reason (the shop is gone or has no valid settings).
    Skipped(&'static str),
}

/// Where the workers are in their life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Claiming and running jobs.
    Run,
    /// Finishing the jobs they run, claiming no more.
    Drain,
    /// Releasing the jobs they still run.
    Abort,
}

/// This process's workers.
pub(crate) struct Workers {
    phase: watch::Sender<Phase>,
    tasks: JoinSet<()>,
}

/// Claim owners are unique per claim: process tag, sequence.
static CLAIMS: AtomicU64 = AtomicU64::new(0);

impl Workers {
    /// Starts `inbox`'s workers running jobs with `run` (and the pruning task), unless they
    /// already run.
    pub(crate) fn start(inbox: &Inbox, run: &RunJob) {
        let started = inbox.set_workers(|| {
            let (phase, watcher) = watch::channel(Phase::Run);
            let mut tasks = JoinSet::new();
            let scheduler = Scheduler {
                run: Arc::clone(run),
                inbox: inbox.clone(),
                phase: watcher.clone(),
                process: format!("{}-{:08x}", std::process::id(), rand::random::<u32>()),
            };
            tasks.spawn(scheduler.run());
            #[cfg(feature = "postgres")]
            if let crate::store::Database::Postgres(pool) = inbox.pool() {
                tasks.spawn(listen_loop(inbox.clone(), pool.clone(), watcher.clone()));
            }
            tasks.spawn(prune_loop(inbox.clone(), watcher));
            Workers { phase, tasks }
        });
        if started {
            tracing::info!(
                workers = inbox.config().workers,
                ordered = inbox.config().per_shop_ordering,
                "inbox workers started"
            );
        }
    }

    /// Drain, then after `grace` abort (release) what still runs, and wait for all tasks.
    pub(crate) async fn shutdown(mut self, grace: Duration) {
        let _ = self.phase.send(Phase::Drain);
        let drained = tokio::time::timeout(grace, async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                ?grace,
                "inbox jobs still running after the shutdown grace: releasing them"
            );
            let _ = self.phase.send(Phase::Abort);
            let released = tokio::time::timeout(RELEASE_GRACE, async {
                while self.tasks.join_next().await.is_some() {}
            })
            .await;
            if released.is_err() {
                // The database does not answer: stop anyway. The claims left behind expire
                // with their leases, and their jobs run again then.
                tracing::error!(
                    ?RELEASE_GRACE,
                    "could not release every running job in time: leaving them to their leases"
                );
                self.tasks.abort_all();
                while self.tasks.join_next().await.is_some() {}
            }
        }
        tracing::info!("inbox workers stopped");
    }
}

/// Claims jobs for the free worker slots of this process, several at once, and runs each in
/// a task of its own.
struct Scheduler {
    run: RunJob,
    inbox: Inbox,
    phase: watch::Receiver<Phase>,
    /// This process's tag in claim owners.
    process: String,
}

impl Scheduler {
    /// Claims and runs jobs until the workers stop claiming, then waits for the running ones.
    ///
    /// It claims while at least half the slots are free (or all, when fewer jobs ran) and the
    /// queue may hold claimable jobs: after a claim that filled every slot it asked for, a job
    /// queued in this process ([`Inbox::enqueue`] wakes it), a notification from another
    /// process, or the poll interval (retries that came due, expired leases, jobs of processes
    /// it hears nothing from). Up to [`CLAIMS_IN_FLIGHT`] claims wait for the writer at once,
    /// each for slots no other claim asked for: the slots freed while one claim waits for its
    /// commit are claimed for before it returns, so handlers do not wait for round trips.
    async fn run(mut self) {
        let workers = self.inbox.config().workers;
        // Freed slots are claimed for together: one claim per job would make the claims'
        // round trips the limit (each waits for a commit) instead of the handlers.
        let batch = (workers / 2).max(1);
        let mut poll = tokio::time::interval(self.inbox.config().poll_interval);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut running = JoinSet::new();
        let mut claims = FuturesUnordered::new();
        // Slots asked for by the claims in flight.
        let mut asked = 0;
        let mut look = true;
        while *self.phase.borrow() == Phase::Run {
            let free = workers.saturating_sub(running.len() + asked);
            let idle = running.is_empty() && claims.is_empty();
            if look && free > 0 && claims.len() < CLAIMS_IN_FLIGHT && (free >= batch || idle) {
                let owner = format!(
                    "{}/{}",
                    self.process,
                    CLAIMS.fetch_add(1, Ordering::Relaxed)
                );
                let inbox = self.inbox.clone();
                asked += free;
                claims.push(async move {
                    let jobs = inbox.claim(&owner, free).await;
                    (owner, free, jobs)
                });
                continue;
            }
            tokio::select! {
                Some((owner, wanted, claimed)) = claims.next(), if !claims.is_empty() => {
                    asked -= wanted;
                    match claimed {
                        Ok(jobs) => {
                            look = jobs.len() == wanted;
                            self.start(&mut running, &owner, jobs);
                        }
                        Err(error) => {
                            tracing::error!(%error, "inbox claim failed; retrying");
                            look = false;
                        }
                    }
                }
                Some(_) = running.join_next(), if !running.is_empty() => {}
                () = self.inbox.wake().notified() => look = true,
                _ = poll.tick() => look = true,
                () = stopping(&mut self.phase) => break,
            }
        }
        // Claims still waiting are committed by the writer all the same: run what they took.
        while let Some((owner, _, claimed)) = claims.next().await {
            self.start(&mut running, &owner, claimed.unwrap_or_default());
        }
        while running.join_next().await.is_some() {}
    }

    /// Runs each of `jobs`, claimed by `owner`, in a task of its own.
    fn start(&self, running: &mut JoinSet<()>, owner: &str, jobs: Vec<Job>) {
        for job in jobs {
            let worker = Worker {
                run: Arc::clone(&self.run),
                inbox: self.inbox.clone(),
                phase: self.phase.clone(),
                owner: owner.to_owned(),
            };
            running.spawn(worker.process(job));
        }
    }
}

/// Claims that may wait for the writer at once (see [`Scheduler::run`]).
const CLAIMS_IN_FLIGHT: usize = 2;

/// One claimed job and what it needs to run.
struct Worker {
    run: RunJob,
    inbox: Inbox,
    phase: watch::Receiver<Phase>,
    owner: String,
}

impl Worker {
    /// Runs a claimed job and records its outcome under the claim.
    async fn process(self, job: Job) {
        let span = tracing::info_span!("inbox_job", job = job.id, kind = %job.kind, webshop_id = job.webshop_id, attempt = job.attempts);
        self.process_in_span(job).instrument(span).await;
    }

    async fn process_in_span(mut self, job: Job) {
        let config = self.inbox.config();
        let owner = self.owner.as_str();
        let deadline = job.received_at + config.retry_for;
        if job.attempts > config.max_attempts || (job.attempts > 1 && Utc::now() > deadline) {
            // Taken over after expired leases more often, or for longer, than it may run: its
            // runs kill or stall the process. Stop here rather than loop.
            let error = format!(
                "out of attempts: started {} times without finishing (lease expired each time)",
                job.attempts - 1
            );
            tracing::error!(%error, "inbox job dead-lettered");
            self.record(Guarded::dead_letter(job.id, owner, Utc::now(), &error))
                .await;
            return;
        }
        let info = JobInfo {
            id: job.id,
            attempt: job.attempts,
            received_at: job.received_at,
        };
        let handler = with_job(info, (self.run)(job.clone()));
        tokio::pin!(handler);
        let period = config.lease / 3;
        let mut renew = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        let outcome = loop {
            tokio::select! {
                outcome = &mut handler => break Some(outcome),
                _ = renew.tick() => renew_lease(&self.inbox, job.id, owner, config.lease).await,
                () = aborted(&mut self.phase) => break None,
            }
        };
        let now = Utc::now();
        let update = match outcome {
            None => {
                tracing::warn!("shutting down: released a running job");
                Guarded::release(job.id, owner, now)
            }
            Some(Ok(JobOutcome::Handled)) => {
                tracing::debug!("inbox job done");
                Guarded::complete(job.id, owner, now)
            }
            Some(Ok(JobOutcome::Skipped(reason))) => {
                tracing::warn!(reason, "inbox job not dispatched");
                Guarded::complete(job.id, owner, now)
            }
            Some(Err(error))
                if job.attempts >= config.max_attempts
                    || now + config.backoff_for(job.attempts) > deadline =>
            {
                tracing::error!(%error, attempts = job.attempts, "inbox job failed for the last time: dead-lettered");
                let error = format!(
                    "{error} (gave up after {} attempts over {} s)",
                    job.attempts,
                    (now - job.received_at).num_seconds()
                );
                Guarded::dead_letter(job.id, owner, now, &error)
            }
            Some(Err(error)) => {
                let delay = config.backoff_for(job.attempts);
                tracing::warn!(%error, retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX), "inbox job failed; will retry");
                Guarded::retry_later(job.id, owner, db::after(now, delay), &error)
            }
        };
        self.record(update).await;
    }

    /// Records an outcome under the claim and logs what that came to. A lost claim means
    /// another worker owns the job now; a database error leaves the claim to expire, after
    /// which the job runs again.
    async fn record(&self, update: Guarded) {
        let what = update.operation();
        let span = tracing::Span::current();
        let log = move |result: Result<bool, super::InboxError>| {
            let _entered = span.enter();
            match result {
                Ok(true) => {}
                Ok(false) => tracing::warn!(
                    what,
                    "the job's claim was lost before its outcome was recorded; another worker owns it"
                ),
                Err(error) => {
                    tracing::error!(%error, what, "could not record an inbox job's outcome; it runs again when its lease expires");
                }
            }
        };
        self.inbox.record_outcome(update, log).await;
    }
}

/// Extends the claim `owner` holds on job `id` by `lease` from now; a lost claim or a
/// failed renewal is logged (the handler runs on: its outcome is recorded under the claim).
async fn renew_lease(inbox: &Inbox, id: i64, owner: &str, lease: Duration) {
    match inbox
        .record(Guarded::renew(id, owner, db::after(Utc::now(), lease)))
        .await
    {
        Ok(true) => {}
        Ok(false) => tracing::warn!(
            "lost the claim on a running job (its lease expired and another worker took it over)"
        ),
        Err(error) => tracing::warn!(%error, "could not renew a job's lease"),
    }
}

/// How long, after the shutdown grace, releasing the jobs still running may take before the
/// workers stop regardless.
const RELEASE_GRACE: Duration = Duration::from_secs(5);

/// The channel migration `0004_inbox_notify.sql` notifies when a job becomes pending.
#[cfg(feature = "postgres")]
const NOTIFY_CHANNEL: &str = "shoporama_inbox";

/// On PostgreSQL, wakes this process's idle workers as soon as any process records a job (or
/// puts one back), instead of at their next poll. A lost connection is reopened after a
/// second; meanwhile the workers poll.
#[cfg(feature = "postgres")]
async fn listen_loop(inbox: Inbox, pool: sqlx::PgPool, mut phase: watch::Receiver<Phase>) {
    loop {
        tokio::select! {
            result = relay_notifications(&inbox, &pool) => {
                let Err(error) = result;
                tracing::warn!(error = %crate::store::describe(&error), "inbox notifications interrupted; polling until they are back");
            }
            () = stopping(&mut phase) => return,
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
            () = stopping(&mut phase) => return,
        }
    }
}

/// Wakes the idle workers on every notification, until the connection fails.
#[cfg(feature = "postgres")]
async fn relay_notifications(
    inbox: &Inbox,
    pool: &sqlx::PgPool,
) -> Result<std::convert::Infallible, sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
    listener.listen(NOTIFY_CHANNEL).await?;
    loop {
        listener.recv().await?;
        inbox.wake().notify_waiters();
    }
}

/// Prunes done jobs and old duplicate-guard entries every minute (and once at start).
async fn prune_loop(inbox: Inbox, mut phase: watch::Receiver<Phase>) {
    loop {
        if let Err(error) = inbox.prune().await {
            tracing::warn!(%error, "pruning the inbox failed");
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_mins(1)) => {}
            () = stopping(&mut phase) => return,
        }
    }
}

/// Completes when the workers must release their jobs (or the phase sender is gone).
async fn aborted(phase: &mut watch::Receiver<Phase>) {
    let _ = phase
        .wait_for(|phase| *phase == Phase::Abort)
        .await
        .map(|_| ());
}

/// Completes when the workers stop claiming (or the phase sender is gone).
async fn stopping(phase: &mut watch::Receiver<Phase>) {
    let _ = phase
        .wait_for(|phase| *phase != Phase::Run)
        .await
        .map(|_| ());
}
