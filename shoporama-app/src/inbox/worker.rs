//! The workers: claim a job, run the app's handler under a renewed lease, record the outcome.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use futures::future::BoxFuture;
use futures::stream::{FuturesUnordered, StreamExt as _};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;
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

/// Claims jobs for this process's worker slots, several at once, and runs each in a task of
/// its own.
struct Scheduler {
    run: RunJob,
    inbox: Inbox,
    phase: watch::Receiver<Phase>,
    /// This process's tag in claim owners.
    process: String,
}

/// A claimed job waiting for a free worker slot.
struct Ready {
    owner: Arc<str>,
    job: Job,
    claimed_at: Instant,
}

impl Scheduler {
    /// Claims and runs jobs until the workers stop claiming, then releases the jobs claimed
    /// but not started and waits for the running ones.
    ///
    /// It keeps up to `workers` handlers running and, when handlers are quick, claims ahead
    /// of them ([`Prefetch`]): a claim is a write transaction, so claiming a few slots at a
    /// time would make the claims' round trips the limit instead of the handlers. It claims
    /// while at least half of what it may hold is free (or anything, when it holds nothing)
    /// and the queue may hold claimable jobs: after a claim that took every job it asked for,
    /// a job queued in this process ([`Inbox::enqueue`] wakes it), a notification from
    /// another process, or the poll interval (retries that came due, expired leases, jobs of
    /// processes it hears nothing from). Up to [`CLAIMS_IN_FLIGHT`] claims wait for the
    /// writer at once, each for room no other claim asked for.
    async fn run(mut self) {
        let workers = self.inbox.config().workers;
        let lease = self.inbox.config().lease;
        let prefetch = Prefetch::default();
        let mut poll = tokio::time::interval(self.inbox.config().poll_interval);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut running = JoinSet::new();
        let mut ready = VecDeque::new();
        let mut claims = FuturesUnordered::new();
        // Jobs asked for by the claims in flight.
        let mut asked = 0;
        let mut look = true;
        while *self.phase.borrow() == Phase::Run {
            let room = workers + prefetch.ahead(workers, lease);
            let free = room.saturating_sub(running.len() + ready.len() + asked);
            let idle = running.is_empty() && ready.is_empty() && claims.is_empty();
            if look && free > 0 && claims.len() < CLAIMS_IN_FLIGHT && (2 * free >= room || idle) {
                let owner: Arc<str> = Arc::from(format!(
                    "{}/{}",
                    self.process,
                    CLAIMS.fetch_add(1, Ordering::Relaxed)
                ));
                let inbox = self.inbox.clone();
                asked += free;
                claims.push(async move {
                    let jobs = inbox.claim(&owner, free).await;
                    (owner, free, jobs, Instant::now())
                });
                continue;
            }
            tokio::select! {
                Some((owner, wanted, claimed, claimed_at)) = claims.next(), if !claims.is_empty() => {
                    asked -= wanted;
                    match claimed {
                        Ok(jobs) => {
                            look = jobs.len() == wanted;
                            ready.extend(jobs.into_iter().map(|job| Ready { owner: Arc::clone(&owner), job, claimed_at }));
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
            while running.len() < workers
                && let Some(next) = ready.pop_front()
            {
                self.start(&mut running, &prefetch, next);
            }
        }
        // Claims still waiting are committed by the writer all the same: they join the jobs
        // claimed but not started, which go back to the queue at once (another process, or
        // this one after a restart, runs them).
        while let Some((owner, _, claimed, claimed_at)) = claims.next().await {
            let jobs = claimed.unwrap_or_default();
            ready.extend(jobs.into_iter().map(|job| Ready {
                owner: Arc::clone(&owner),
                job,
                claimed_at,
            }));
        }
        let now = Utc::now();
        for unstarted in ready {
            let update = Guarded::release(unstarted.job.id, &unstarted.owner, now);
            self.inbox.record_outcome(update, log_release).await;
        }
        while running.join_next().await.is_some() {}
    }

    /// Runs a claimed job in a task of its own.
    fn start(&self, running: &mut JoinSet<()>, prefetch: &Prefetch, ready: Ready) {
        let worker = Worker {
            run: Arc::clone(&self.run),
            inbox: self.inbox.clone(),
            phase: self.phase.clone(),
            owner: ready.owner,
            prefetch: prefetch.clone(),
        };
        running.spawn(worker.process(ready.job, ready.claimed_at));
    }
}

/// Logs a failed release of a job claimed but not started (it runs when its lease expires).
fn log_release(result: Result<bool, super::InboxError>) {
    if let Err(error) = result {
        tracing::warn!(%error, "could not give back a claimed job; it runs when its lease expires");
    }
}

/// Claims that may wait for the writer at once (see [`Scheduler::run`]).
const CLAIMS_IN_FLIGHT: usize = 2;

/// How far ahead of its handlers a process claims, from how long handlers take.
///
/// A job claimed ahead waits for a slot while its lease runs, and meanwhile no other process
/// can take it. So the scheduler claims ahead only as many jobs as its workers are expected
/// to start within a quarter of the lease (by the recent mean handler time), and at most
/// [`Prefetch::MAX_PER_WORKER`] per worker: quick handlers get large claims (few write
/// transactions per job), slow ones none ahead. A job that still waited long is renewed
/// before it runs, and skipped if its claim was lost meanwhile (see [`Worker::process`]).
#[derive(Clone, Default)]
struct Prefetch {
    /// Exponentially weighted mean handler time, in microseconds (0 until one finished).
    mean_micros: Arc<AtomicU64>,
}

impl Prefetch {
    /// Jobs claimed ahead per worker, at the most.
    const MAX_PER_WORKER: usize = 3;

    /// How many jobs to hold beyond the `workers` running ones.
    fn ahead(&self, workers: usize, lease: Duration) -> usize {
        let max = workers.saturating_mul(Self::MAX_PER_WORKER);
        let mean = self.mean_micros.load(Ordering::Relaxed);
        if mean == 0 {
            return max;
        }
        let budget = u64::try_from((lease / 4).as_micros()).unwrap_or(u64::MAX);
        let per_worker = usize::try_from(budget / mean).unwrap_or(usize::MAX);
        workers.saturating_mul(per_worker).min(max)
    }

    /// Counts one handler run that took `took`.
    fn observe(&self, took: Duration) {
        let took = u64::try_from(took.as_micros()).unwrap_or(u64::MAX).max(1);
        // A lost race between two updates drops one sample: harmless for a mean.
        let mean = self.mean_micros.load(Ordering::Relaxed);
        let next = if mean == 0 {
            took
        } else {
            mean - mean / 8 + took / 8
        };
        self.mean_micros.store(next.max(1), Ordering::Relaxed);
    }
}

/// One claimed job and what it needs to run.
struct Worker {
    run: RunJob,
    inbox: Inbox,
    phase: watch::Receiver<Phase>,
    owner: Arc<str>,
    prefetch: Prefetch,
}

impl Worker {
    /// Runs a job claimed at `claimed_at` and records its outcome under the claim.
    async fn process(self, job: Job, claimed_at: Instant) {
        let span = tracing::info_span!("inbox_job", job = job.id, kind = %job.kind, webshop_id = job.webshop_id, attempt = job.attempts);
        self.process_in_span(job, claimed_at).instrument(span).await;
    }

    async fn process_in_span(mut self, job: Job, claimed_at: Instant) {
        let config = self.inbox.config();
        let owner = &*self.owner;
        let period = config.lease / 3;
        if claimed_at.elapsed() >= period {
            // It waited for a slot for a third of its lease: renew before running, and leave
            // it alone if another worker took it over meanwhile.
            let renewed = self
                .inbox
                .record(Guarded::renew(
                    job.id,
                    owner,
                    db::after(Utc::now(), config.lease),
                ))
                .await;
            match renewed {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(
                        "the job's claim expired while it waited for a worker; another worker owns it"
                    );
                    return;
                }
                Err(error) => tracing::warn!(%error, "could not renew a waiting job's lease"),
            }
        }
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
        let started = Instant::now();
        let handler = with_job(info, (self.run)(job.clone()));
        tokio::pin!(handler);
        let mut renew = tokio::time::interval_at(Instant::now() + period, period);
        let outcome = loop {
            tokio::select! {
                outcome = &mut handler => break Some(outcome),
                _ = renew.tick() => renew_lease(&self.inbox, job.id, owner, config.lease).await,
                () = aborted(&mut self.phase) => break None,
            }
        };
        if outcome.is_some() {
            self.prefetch.observe(started.elapsed());
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_ahead_only_what_starts_within_a_quarter_lease() {
        let lease = Duration::from_mins(1);
        let prefetch = Prefetch::default();
        assert_eq!(
            prefetch.ahead(16, lease),
            48,
            "no handler seen yet: the most"
        );
        prefetch.observe(Duration::from_millis(2));
        assert_eq!(prefetch.ahead(16, lease), 48, "quick handlers: the most");
        let slow = Prefetch::default();
        slow.observe(Duration::from_secs(5));
        assert_eq!(
            slow.ahead(16, lease),
            48,
            "15 s of a quarter lease: 3 per worker"
        );
        slow.observe(Duration::from_secs(45));
        // The mean moves an eighth of the way: 5 + (45 - 5) / 8 = 10 s, one per worker.
        assert_eq!(slow.ahead(16, lease), 16);
        let slower = Prefetch::default();
        slower.observe(Duration::from_secs(20));
        assert_eq!(
            slower.ahead(16, lease),
            0,
            "handlers slower than a quarter lease: none"
        );
        assert_eq!(slower.ahead(0, lease), 0);
    }
}
