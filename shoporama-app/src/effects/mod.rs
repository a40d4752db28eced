//! Keyed effects: run a side effect once per key (create the invoice for order 1001 once),
//! survive crashes, and let duplicates wait for the result.
//!
//! Shoporama delivers a callback again until it is answered with 200, the inbox runs a job
//! again after a crash, and two app processes may handle the same order at once. An effect
//! on an outside system (an invoice, a booking, an e-mail) must still happen once.
//! [`Shop::once`](crate::Shop::once) (or [`Effects::once`] with a webshop id) runs a closure
//! at most once at a time per `(webshop, name, key)` and stores its outcome in the table
//! `shoporama_effects` of the app's database, so every later call gets the stored result
//! instead of running it again:
//!
//! ```
//! # use shoporama_app::prelude::*;
//! # async fn create_invoice(_order: u64) -> Result<u64, EffectFailure> { Ok(1) }
//! # async fn example(shop: Shop<()>) -> Result<(), AppError> {
//! let order_id = 1001;
//! let invoice: u64 = shop
//!     .once("invoice", order_id, |_attempt| create_invoice(order_id))
//!     .await?;
//! # let _ = invoice; Ok(()) }
//! ```
//!
//! # What a call does
//!
//! The first call for a key **claims** it in one atomic statement (fence 1, attempt 1) and
//! runs the closure; its outcome is recorded:
//!
//! - `Ok(value)`: the effect is `done` with `value` stored as JSON. Every later call returns
//!   the stored value, deserialized, without running anything.
//! - `Err(`[`EffectFailure::retryable`]`)`: `failed`, retryable. The error is returned
//!   ([`EffectError::Failed`]), and the next call claims the effect again and runs it.
//! - `Err(`[`EffectFailure::permanent`]`)`: `failed`, not retryable. Every later call
//!   returns the stored failure without running, until an operator retries it
//!   (`<app> effects retry`, [`Effects::retry`]).
//! - A panic is recorded as a retryable failure and returned as [`EffectError::Failed`].
//!
//! A call that finds the effect `running` under someone else's live claim **waits**,
//! looking again with a growing pause ([`EffectsConfig::poll`]), for up to
//! [`EffectsConfig::wait`] (20 s): then it returns the outcome, runs the effect itself if the other
//! attempt failed retryably or vanished, or gives up with [`EffectError::Busy`].
//!
//! # Crashes and fencing
//!
//! A claim is a lease ([`EffectsConfig::lease`], 30 s by default), renewed every third of it
//! while the closure runs. If the process dies (or the call is cancelled) mid-effect, the
//! lease runs out and the next call **takes over**: the fence grows by one, and its
//! [`Attempt`] says [`taken_over`](Attempt::taken_over), because the earlier attempt may
//! have done the outside work without recording it. The closure must then look in the
//! outside system before acting (find the invoice by order number, use an idempotency key)
//! — the one thing the framework cannot do for it.
//!
//! Every write after the claim names the claim's fence. An attempt whose lease expired and
//! was taken over (a stalled process that wakes up) records nothing: it gets
//! [`EffectError::Fenced`], and the newer attempt's outcome stands. Before an outside write
//! that must not happen twice, [`Attempt::confirm_claim`] checks (and renews) the claim.
//!
//! Cancelling a call (dropping its future, a handler time-out) leaves nothing half done:
//! every statement is a single atomic one run in its own task, so it completes or does not
//! happen, and an abandoned claim simply expires. So does the claim of an effect whose
//! outcome could not be recorded because the database failed ([`EffectError::Database`]):
//! the next call after the lease takes it over, as after a crash.
//!
//! # Where effects live
//!
//! In the install store's SQL database ([`InstallStore::database`]), shared by every process
//! of the app: SQLite for one process, PostgreSQL for several. A store without one
//! (`memory://`, [`MemoryStore`](crate::store::MemoryStore)) keeps effects in memory, with
//! the same rules, for tests. The [`AppRuntime`](crate::AppRuntime) makes the [`Effects`]
//! every [`Shop`](crate::Shop) it builds carries (`runtime.effects()`); from a CLI command
//! or a job of your own use `runtime.effects()` or `runtime.shop_by_id(id)`.
//!
//! `<app> effects list` and `<app> effects retry` look at and repair them
//! ([`Effects::list`], [`Effects::retry`]). Rows are kept: the table has one per effect.
//!
//! [`InstallStore::database`]: crate::store::InstallStore::database

mod backend;
mod clock;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod db;
mod error;
mod failure;
mod memory;
mod record;

pub use crate::config::EffectsConfig;
pub use clock::Clock;
pub use error::{EffectError, RETRY_AFTER};
pub use failure::EffectFailure;
pub use record::{EffectFilter, EffectRecord, EffectState};

use std::fmt;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use futures::FutureExt as _;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::time::{Instant, MissedTickBehavior};

use crate::store::{Database, InstallStore};
use backend::{Backend, Claim, Claimed, EffectKey};
use clock::duration_micros;

/// The keyed effects of one database (or of this process's memory). Cheap to clone; clones
/// share the storage, the configuration and the clock.
///
/// [`AppRuntime::effects`](crate::AppRuntime::effects) is the app's; handlers reach it
/// through [`Shop::once`](crate::Shop::once). Commands and tests can use it directly:
///
/// ```
/// use shoporama_app::config::EffectsConfig;
/// use shoporama_app::effects::{EffectFailure, EffectFilter, EffectState, Effects};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let effects = Effects::in_memory(EffectsConfig::default());
/// // The first call runs the effect; the second returns what the first stored.
/// let first: u64 = effects.once(7, "invoice", 1001, |_attempt| async { Ok(5001) }).await?;
/// let again: u64 = effects
///     .once(7, "invoice", 1001, |_attempt| async {
///         Err(EffectFailure::permanent("never runs"))
///     })
///     .await?;
/// assert_eq!((first, again), (5001, 5001));
///
/// // What is stored, as `<app> effects list` shows it.
/// let done = effects.list(&EffectFilter::all().state(EffectState::Done)).await?;
/// assert_eq!(done.len(), 1);
/// # Ok(())
/// # }
/// # shoporama_app::tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(demo())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Effects {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    backend: Backend,
    config: EffectsConfig,
    clock: Clock,
}

impl fmt::Debug for Effects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Effects")
            .field("backend", &self.inner.backend.name())
            .field("config", &self.inner.config)
            .field("clock", &self.inner.clock)
            .finish()
    }
}

impl Effects {
    /// Effects in `database` (the install store's: see [`InstallStore::database`]), whose
    /// schema the store has migrated.
    pub fn new(database: Database, config: EffectsConfig) -> Self {
        #[cfg(any(feature = "sqlite", feature = "postgres"))]
        return Self::with_backend(Backend::Sql(db::SqlEffects(database)), config);
        #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
        {
            let _ = config;
            match database {
                Database::Unavailable(never) => match never {},
            }
        }
    }

    /// Effects kept in this process's memory: for tests, and for a store without a SQL
    /// database. Lost on exit, invisible to other processes.
    pub fn in_memory(config: EffectsConfig) -> Self {
        Self::with_backend(Backend::Memory(Arc::default()), config)
    }

    /// Effects in `store`'s database, or in memory when it has none.
    pub fn for_store(store: &dyn InstallStore, config: EffectsConfig) -> Self {
        match store.database() {
            Some(database) => Self::new(database, config),
            None => Self::in_memory(config),
        }
    }

    fn with_backend(backend: Backend, config: EffectsConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                backend,
                config,
                clock: Clock::system(),
            }),
        }
    }

    /// The same effects (same storage) read through `clock`: tests drive leases with
    /// [`Clock::manual`].
    #[must_use]
    pub fn with_clock(&self, clock: Clock) -> Self {
        self.changed(|inner| inner.clock = clock)
    }

    /// The same effects (same storage and clock) with another configuration.
    #[must_use]
    pub fn with_config(&self, config: EffectsConfig) -> Self {
        self.changed(|inner| inner.config = config)
    }

    /// A copy of these effects with `change` applied to their parts.
    fn changed(&self, change: impl FnOnce(&mut Inner)) -> Self {
        let mut inner = (*self.inner).clone();
        change(&mut inner);
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &EffectsConfig {
        &self.inner.config
    }

    /// The clock.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// Where the effects are kept: `SQLite`, `PostgreSQL` or `memory`.
    pub fn backend(&self) -> &'static str {
        self.inner.backend.name()
    }

    /// Runs `effect` once for `(webshop_id, name, key)`, or returns the outcome stored by
    /// the attempt that ran it: see the [module docs](self) and
    /// [`Shop::once`](crate::Shop::once), which calls this with the shop's id.
    ///
    /// `name` says what the effect is (`"invoice"`), `key` which one (an order id); neither
    /// may be empty. The result is stored as JSON and must deserialize as `T` again.
    pub async fn once<T, F, Fut>(
        &self,
        webshop_id: u64,
        name: &str,
        key: impl fmt::Display,
        effect: F,
    ) -> Result<T, EffectError>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(Attempt) -> Fut,
        Fut: Future<Output = Result<T, EffectFailure>>,
    {
        let key = EffectKey::new(webshop_id, name, key.to_string())?;
        let config = &self.inner.config;
        let started = Instant::now();
        let mut pause = config.poll;
        loop {
            let claim = self.claim(&key).await?;
            let record = match claim {
                Claim::Mine(claimed) => return self.run(key, claimed, effect).await,
                Claim::Vanished => continue,
                Claim::Held(record) => record,
            };
            match record.state {
                EffectState::Done => return decode(&key, record.result),
                EffectState::Failed if !record.retryable => {
                    return Err(failed(&key, &record));
                }
                // Running under a live claim, or changed since the claim was tried: wait.
                EffectState::Running | EffectState::Failed => {}
            }
            let waited = started.elapsed();
            if waited >= config.wait {
                tracing::info!(
                    webshop_id,
                    effect = name,
                    key = %key.key,
                    waited_ms = u64::try_from(waited.as_millis()).unwrap_or(u64::MAX),
                    "effect still running elsewhere: busy"
                );
                return Err(EffectError::Busy {
                    webshop_id,
                    name: key.name,
                    key: key.key,
                    lease_until: record.lease_until.unwrap_or_else(|| self.inner.clock.now()),
                });
            }
            tokio::time::sleep(pause.min(config.wait.saturating_sub(waited))).await;
            pause = pause
                .saturating_mul(2)
                .min(crate::config::effects::MAX_POLL.max(config.poll));
        }
    }

    /// The effect `(webshop_id, name, key)` as stored, if it was ever claimed.
    pub async fn get(
        &self,
        webshop_id: u64,
        name: &str,
        key: impl fmt::Display,
    ) -> Result<Option<EffectRecord>, EffectError> {
        let key = EffectKey::new(webshop_id, name, key.to_string())?;
        self.inner.backend.get(&key).await
    }

    /// The effects `filter` selects, most recently changed first, at most `filter.limit`.
    pub async fn list(&self, filter: &EffectFilter) -> Result<Vec<EffectRecord>, EffectError> {
        self.inner.backend.list(filter).await
    }

    /// Marks the failed effects `filter` selects (whatever its state says) retryable, so the
    /// next call for each runs it again (as a taken-over attempt); returns how many.
    pub async fn retry(&self, filter: &EffectFilter) -> Result<u64, EffectError> {
        let now = self.inner.clock.now_micros();
        let backend = self.inner.backend.clone();
        let filter = filter.clone();
        let count = detached("retry", async move { backend.retry(&filter, now).await }).await?;
        tracing::info!(count, "effects marked for retry");
        Ok(count)
    }

    /// Tries to claim `key` for a new owner, in a task of its own.
    async fn claim(&self, key: &EffectKey) -> Result<Claim, EffectError> {
        let now = self.inner.clock.now_micros();
        let lease_until = now.saturating_add(duration_micros(self.inner.config.lease));
        let owner = next_owner();
        let backend = self.inner.backend.clone();
        let key = key.clone();
        detached("claim", async move {
            backend.claim(&key, &owner, now, lease_until).await
        })
        .await
    }

    /// Runs `effect` under the claim `claimed`, renewing it, and records the outcome.
    async fn run<T, F, Fut>(
        &self,
        key: EffectKey,
        claimed: Claimed,
        effect: F,
    ) -> Result<T, EffectError>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(Attempt) -> Fut,
        Fut: Future<Output = Result<T, EffectFailure>>,
    {
        let fence = claimed.fence;
        let attempt = Attempt {
            number: claimed.attempts,
            taken_over: claimed.attempts > 1,
            previous_error: claimed.previous_error,
            fence,
            webshop_id: key.webshop_id(),
            name: key.name.clone(),
            key: key.key.clone(),
            effects: self.clone(),
        };
        if attempt.taken_over {
            tracing::info!(
                webshop_id = attempt.webshop_id,
                effect = %key.name,
                key = %key.key,
                attempt = attempt.number,
                fence,
                previous_error = attempt.previous_error.as_deref().unwrap_or(""),
                "running an effect again"
            );
        }
        let running = AssertUnwindSafe(effect(attempt)).catch_unwind();
        tokio::pin!(running);
        let period = self.inner.config.lease / 3;
        let mut renewals = tokio::time::interval_at(Instant::now() + period, period);
        renewals.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let outcome = loop {
            tokio::select! {
                outcome = &mut running => break outcome,
                _ = renewals.tick() => {
                    if let Err(error) = self.renew(&key, fence).await {
                        tracing::warn!(%error, effect = %key.name, key = %key.key, "could not renew an effect's lease");
                    }
                }
            }
        };
        let attempts = claimed.attempts;
        let failure = match outcome {
            Ok(Ok(value)) => match serde_json::to_string(&value) {
                Ok(json) => {
                    return if self.record_success(&key, fence, json).await? {
                        Ok(value)
                    } else {
                        Err(fenced(key, fence))
                    };
                }
                Err(error) => EffectFailure::permanent(format!(
                    "the effect succeeded but its result cannot be stored as JSON: {error}"
                )),
            },
            Ok(Err(failure)) => failure,
            Err(panic) => {
                EffectFailure::retryable(format!("the effect panicked: {}", panic_message(&*panic)))
            }
        };
        if !self.record_failure(&key, fence, &failure).await? {
            return Err(fenced(key, fence));
        }
        tracing::warn!(
            webshop_id = key.webshop_id(),
            effect = %key.name,
            key = %key.key,
            attempt = attempts,
            retryable = failure.is_retryable(),
            error = failure.message(),
            "effect failed"
        );
        Err(EffectError::Failed {
            webshop_id: key.webshop_id(),
            name: key.name,
            key: key.key,
            message: failure.message().to_owned(),
            retryable: failure.is_retryable(),
            attempts,
        })
    }

    /// Extends the claim with `fence` by a lease from now; whether it still holds (a lost
    /// claim is logged).
    async fn renew(&self, key: &EffectKey, fence: i64) -> Result<bool, EffectError> {
        let lease_until = self
            .inner
            .clock
            .now_micros()
            .saturating_add(duration_micros(self.inner.config.lease));
        let backend = self.inner.backend.clone();
        let owned = key.clone();
        let held = detached("renew lease", async move {
            backend.renew(&owned, fence, lease_until).await
        })
        .await?;
        if !held {
            tracing::warn!(
                effect = %key.name,
                key = %key.key,
                fence,
                "lost the claim on a running effect (its lease expired and it was taken over)"
            );
        }
        Ok(held)
    }

    async fn record_success(
        &self,
        key: &EffectKey,
        fence: i64,
        json: String,
    ) -> Result<bool, EffectError> {
        let now = self.inner.clock.now_micros();
        let backend = self.inner.backend.clone();
        let key = key.clone();
        detached("record success", async move {
            backend.complete(&key, fence, &json, now).await
        })
        .await
    }

    async fn record_failure(
        &self,
        key: &EffectKey,
        fence: i64,
        failure: &EffectFailure,
    ) -> Result<bool, EffectError> {
        let now = self.inner.clock.now_micros();
        let backend = self.inner.backend.clone();
        let key = key.clone();
        let message = failure.message().to_owned();
        let retryable = failure.is_retryable();
        detached("record failure", async move {
            backend.fail(&key, fence, &message, retryable, now).await
        })
        .await
    }
}

/// One run of an effect's closure: which attempt it is, and what happened before.
#[derive(Clone)]
#[non_exhaustive]
pub struct Attempt {
    /// The attempt's number, from 1: claims of this effect so far.
    pub number: u32,
    /// An earlier attempt crashed (its claim expired) or failed retryably, or an operator
    /// retried a failure: it may have done the outside work without recording it. Look in the
    /// outside system before acting (find the invoice by order number), or act with an
    /// idempotency key.
    pub taken_over: bool,
    /// The earlier attempt's error (for a crash, which attempt did not finish).
    pub previous_error: Option<String>,
    /// The fencing token of this attempt's claim: grows by one on every claim, so an outside
    /// system that stores the highest token seen can refuse a stale attempt's write.
    pub fence: i64,
    /// The webshop.
    pub webshop_id: u64,
    /// The effect's name.
    pub name: String,
    /// The effect's key.
    pub key: String,
    effects: Effects,
}

impl Attempt {
    /// Confirms this attempt still holds its claim, and renews its lease: call it right
    /// before an outside write that must not happen twice. A claim taken over meanwhile (this
    /// process stalled past the lease) is a retryable failure, so `?` stops the attempt.
    pub async fn confirm_claim(&self) -> Result<(), EffectFailure> {
        let key = EffectKey::new(self.webshop_id, &self.name, self.key.clone())
            .map_err(EffectFailure::from)?;
        match self.effects.renew(&key, self.fence).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(EffectFailure::retryable(format!(
                "the claim of attempt {} (fence {}) was taken over",
                self.number, self.fence
            ))),
            Err(error) => Err(EffectFailure::from(error)),
        }
    }
}

impl fmt::Debug for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attempt")
            .field("number", &self.number)
            .field("taken_over", &self.taken_over)
            .field("previous_error", &self.previous_error)
            .field("fence", &self.fence)
            .field("webshop_id", &self.webshop_id)
            .field("name", &self.name)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// Runs a storage operation in a task of its own and waits for it: when the caller is
/// cancelled, the statement still completes (or fails) whole.
async fn detached<T: Send + 'static>(
    operation: &'static str,
    work: impl Future<Output = Result<T, EffectError>> + Send + 'static,
) -> Result<T, EffectError> {
    match tokio::spawn(work).await {
        Ok(result) => result,
        Err(error) => Err(EffectError::database(operation, &error)),
    }
}

/// A claim owner unique to this process and claim: process id, a random tag, a sequence.
fn next_owner() -> String {
    static PROCESS: OnceLock<String> = OnceLock::new();
    static CLAIMS: AtomicU64 = AtomicU64::new(0);
    let process =
        PROCESS.get_or_init(|| format!("{}-{:08x}", std::process::id(), rand::random::<u32>()));
    format!("{process}/{}", CLAIMS.fetch_add(1, Ordering::Relaxed))
}

/// The stored result of a done effect, as a `T`.
fn decode<T: DeserializeOwned>(
    key: &EffectKey,
    result: Option<serde_json::Value>,
) -> Result<T, EffectError> {
    let Some(result) = result else {
        return Err(EffectError::Corrupt {
            column: "result",
            reason: "is empty although the effect is done".to_owned(),
        });
    };
    serde_json::from_value(result).map_err(|error| EffectError::Decode {
        webshop_id: key.webshop_id(),
        name: key.name.clone(),
        key: key.key.clone(),
        expected: std::any::type_name::<T>(),
        reason: error.to_string(),
    })
}

/// The stored failure of `record`.
fn failed(key: &EffectKey, record: &EffectRecord) -> EffectError {
    EffectError::Failed {
        webshop_id: key.webshop_id(),
        name: key.name.clone(),
        key: key.key.clone(),
        message: record.last_error.clone().unwrap_or_default(),
        retryable: record.retryable,
        attempts: record.attempts,
    }
}

fn fenced(key: EffectKey, fence: i64) -> EffectError {
    tracing::warn!(
        effect = %key.name,
        key = %key.key,
        fence,
        "an effect's claim was taken over before its outcome was recorded: nothing recorded"
    );
    EffectError::Fenced {
        webshop_id: key.webshop_id(),
        name: key.name,
        key: key.key,
        fence,
    }
}

/// The message of a panic payload.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(message) = panic.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = panic.downcast_ref::<String>() {
        message.clone()
    } else {
        "unknown panic".to_owned()
    }
}
