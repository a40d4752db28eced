//! [`Budget`]: a token's daily call limit, the calls counted against it, and the pacing that
//! spreads them over the day.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use super::RestError;
use crate::secret::AppToken;
use crate::store::{Database, LedgerEntry};

/// The offset, from UTC, of the clock whose midnight starts a new budget day. Shoporama does
/// not document when its daily count resets; it is a Danish platform, and midnight in
/// Copenhagen is 23:00 UTC in winter and 22:00 UTC in summer. Resetting at 23:00 UTC all year
/// is never earlier than Copenhagen's midnight, so the client never believes in calls the
/// platform has not given back yet.
const DAY_OFFSET: TimeDelta = TimeDelta::hours(1);

/// How [`Budget`] spreads calls over the day.
///
/// **Policy.** A token bucket. Up to `burst` calls go out at once, where
/// `burst = max(min_burst, burst_fraction × daily limit)` (by default 10 % of the limit, at
/// least 20: 100 calls for the default 1,000). After the burst, calls are let through at the
/// rate that spends what is left of the budget evenly until the budget day ends (see
/// below): `rate = (remaining − tokens in the bucket) / seconds until the reset`. So a loop
/// that fires calls as fast as it can gets its burst, then slows to the even rate, and cannot
/// spend the whole day's budget in its first minutes; a big budget (the fake's 1,000,000 in
/// tests, a raised limit in production) has a burst large enough never to be felt.
///
/// A [shared](Budget::shared) budget paces every process of the app as one: the ledger row
/// keeps the time of the next slot (a generic cell rate algorithm with the same burst and
/// rate), taken in the same transaction as the reservation.
///
/// Concurrent callers reserve their slots in order, so each waits its turn. A call that
/// would have to wait longer than `max_wait` fails at once with [`RestError::Paced`] instead
/// (default: no maximum; wrap a call in `tokio::time::timeout`, or set one, when a caller
/// cannot wait, e.g. inside a callback that must answer quickly).
///
/// The hard limit is separate: once `used ≥ limit`, calls fail with
/// [`RestError::BudgetExhausted`] and nothing is sent, paced or not.
///
/// **The budget day** starts at 23:00 UTC (midnight Danish winter time): Shoporama does not
/// document when its count resets; this is never earlier than Copenhagen's midnight. At the
/// start of a new day the count goes back to 0; install and update callbacks replace it with
/// the platform's own count ([`Budget::refresh`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PacingPolicy {
    /// Whether to pace at all. When off, only the hard daily limit applies.
    pub enabled: bool,
    /// The share of the daily limit that may go out in one burst (0.0–1.0).
    pub burst_fraction: f64,
    /// The smallest burst, whatever the limit.
    pub min_burst: u64,
    /// The longest a call may wait for its slot; beyond it the call fails with
    /// [`RestError::Paced`]. `None`: wait as long as needed.
    pub max_wait: Option<Duration>,
}

impl Default for PacingPolicy {
    fn default() -> Self {
        Self {
            enabled: true,
            burst_fraction: 0.1,
            min_burst: 20,
            max_wait: None,
        }
    }
}

impl PacingPolicy {
    /// No pacing: calls go out at once until the daily limit is spent.
    pub fn unpaced() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }

    /// The same policy with a maximum wait.
    #[must_use]
    pub fn max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = Some(wait);
        self
    }

    /// The same policy with another burst share and minimum.
    #[must_use]
    pub fn burst(mut self, fraction: f64, min_burst: u64) -> Self {
        self.burst_fraction = if fraction.is_finite() {
            fraction.clamp(0.0, 1.0)
        } else {
            0.1
        };
        self.min_burst = min_burst;
        self
    }

    /// The burst size for a daily `limit`: at least 1, at most the limit.
    #[allow(clippy::cast_precision_loss)]
    fn burst_for(&self, limit: u64) -> f64 {
        let share = (limit as f64 * self.burst_fraction).ceil();
        share.max(self.min_burst as f64).min(limit as f64).max(1.0)
    }
}

/// One token's daily call budget: kept in this process ([`Budget::new`]), or in the app's
/// database and shared by every process of the app ([`Budget::shared`]).
///
/// Built from the install payload's `app_token_daily_limit` and `app_token_current_usage`,
/// reconciled with the platform's count by install and update callbacks
/// ([`Budget::reconcile`]). Each HTTP request a client sends (retries included) reserves one
/// call first; when none is left the request is not sent and the call fails with
/// [`RestError::BudgetExhausted`]. [`PacingPolicy`] describes how calls are spread.
///
/// **Shared.** With a ledger, a process reserves each call in the token's row of
/// `shoporama_budget` (one transaction: the row is locked, the day rolled over if it
/// turned, the limit checked, the pacing slot taken) before sending it, and marks it spent
/// when the answer is in. Three processes behind a load balancer therefore spend at most the
/// token's limit between them, and pace as one. A process that dies between the two leaves
/// its reservation counted until the day turns or the next install or update callback.
///
/// ```
/// use shoporama_app::rest::{Budget, PacingPolicy};
/// # async fn demo() -> Result<(), shoporama_app::rest::RestError> {
/// let budget = Budget::new(1000, 250);
/// assert_eq!(budget.remaining(), 750);
/// let status = budget.status().await?;
/// assert_eq!((status.spent, status.reserved, status.left), (250, 0, 750));
/// # Ok(()) }
/// ```
pub struct Budget {
    state: Mutex<State>,
    ledger: Option<Ledger>,
}

#[derive(Debug)]
struct State {
    limit: u64,
    /// Spent and reserved (the last the ledger said, for a shared budget).
    used: u64,
    /// Calls available without waiting; negative while callers hold reservations.
    /// `None`: a full bucket (set lazily, as the burst depends on the policy).
    tokens: Option<f64>,
    last_refill: Instant,
    day: NaiveDate,
}

impl fmt::Debug for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (limit, used) = self.snapshot();
        f.debug_struct("Budget")
            .field("limit", &limit)
            .field("used", &used)
            .field("shared", &self.ledger.is_some())
            .finish_non_exhaustive()
    }
}

/// Where a budget stands today: what [`Budget::status`] and `<app> budget` report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetStatus {
    /// The budget day these numbers belong to (it starts at 23:00 UTC).
    pub day: NaiveDate,
    /// The daily limit.
    pub limit: u64,
    /// Calls sent and finished today.
    pub spent: u64,
    /// Calls reserved by a process and not finished yet.
    pub reserved: u64,
    /// Calls left today: `limit − spent − reserved`.
    pub left: u64,
    /// Whether the numbers are shared by every process (the ledger in the app's database).
    pub shared: bool,
}

fn budget_day(now: DateTime<Utc>) -> NaiveDate {
    (now + DAY_OFFSET).date_naive()
}

/// When the budget day that `now` is in ends.
fn day_end(now: DateTime<Utc>) -> DateTime<Utc> {
    budget_day(now)
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(now + TimeDelta::days(1), |midnight| {
            midnight.and_utc() - DAY_OFFSET
        })
}

fn seconds_until_reset(now: DateTime<Utc>) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let seconds = (day_end(now) - now).num_milliseconds().max(1000) as f64 / 1000.0;
    seconds
}

/// Whole seconds until the current budget day ends (at least 1): the `Retry-After` of a
/// spent budget.
pub(crate) fn seconds_until_budget_day_ends() -> u64 {
    u64::try_from((day_end(Utc::now()) - Utc::now()).num_seconds())
        .unwrap_or(1)
        .max(1)
}

/// The key of a token's ledger row: a SHA-256 digest of it, in hex (the token itself is never
/// stored in the ledger).
pub(crate) fn ledger_key(token: &AppToken) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(format!("shoporama-budget\0{}", token.expose()));
    digest
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            use fmt::Write as _;
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// A shared budget's row in the app's database.
#[derive(Clone)]
struct Ledger {
    database: Database,
    key: String,
    webshop_id: u64,
}

/// What a reservation decided: how long to wait, or why not to send.
type Decision = Result<Duration, RestError>;

impl Ledger {
    fn fresh(&self, limit: u64, used: u64, now: DateTime<Utc>) -> LedgerEntry {
        LedgerEntry {
            webshop_id: self.webshop_id,
            day: budget_day(now),
            daily_limit: limit,
            spent: used.min(limit),
            reserved: 0,
            paced_until: now - TimeDelta::days(1),
        }
    }

    /// Runs `change` on the row (created as `fresh` if missing), atomically across processes.
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    async fn change<R: Send + 'static>(
        &self,
        fresh: LedgerEntry,
        change: impl FnOnce(&mut LedgerEntry) -> R + Send + 'static,
    ) -> Result<R, RestError> {
        self.database
            .ledger_change(&self.key, fresh, change)
            .await
            .map_err(RestError::Ledger)
    }

    #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
    #[allow(clippy::unused_async)]
    async fn change<R: Send + 'static>(
        &self,
        _fresh: LedgerEntry,
        _change: impl FnOnce(&mut LedgerEntry) -> R + Send + 'static,
    ) -> Result<R, RestError> {
        match &self.database {
            Database::Unavailable(never) => match *never {},
        }
    }
}

/// Starts a new budget day on `entry` when `now` is in a later one.
fn roll_entry(entry: &mut LedgerEntry, now: DateTime<Utc>) {
    let today = budget_day(now);
    if entry.day != today {
        entry.day = today;
        entry.spent = 0;
        entry.reserved = 0;
        entry.paced_until = now - TimeDelta::days(1);
    }
}

/// Reserves one call on a ledger row under `policy`: the hard limit first, then the shared
/// pacing slot (the row's `paced_until`, a generic cell rate algorithm whose interval spreads
/// what is left over the rest of the day, with a burst of [`PacingPolicy::burst_for`] calls).
fn reserve_entry(entry: &mut LedgerEntry, policy: &PacingPolicy, now: DateTime<Utc>) -> Decision {
    roll_entry(entry, now);
    let taken = entry.spent.saturating_add(entry.reserved);
    if taken >= entry.daily_limit {
        return Err(RestError::BudgetExhausted {
            limit: entry.daily_limit,
            used: taken,
        });
    }
    let mut wait = Duration::ZERO;
    if policy.enabled {
        let left = entry.daily_limit - taken;
        let until_reset = (day_end(now) - now).max(TimeDelta::seconds(1));
        let interval = until_reset / i32::try_from(left.min(i32::MAX as u64)).unwrap_or(i32::MAX);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let burst = policy.burst_for(entry.daily_limit) as i32;
        // GCRA: `paced_until` is the theoretical time of the next call; a call may go when
        // that is at most `burst` intervals ahead of now.
        let start = entry.paced_until.max(now);
        // The burst is a stretch of the day: `burst` calls' worth of the whole limit's rate.
        let tolerance = until_reset * burst.max(1)
            / i32::try_from(entry.daily_limit.min(i32::MAX as u64))
                .unwrap_or(i32::MAX)
                .max(1);
        let ready = start - tolerance;
        wait = (ready - now).to_std().unwrap_or(Duration::ZERO);
        if let Some(max) = policy.max_wait
            && wait > max
        {
            return Err(RestError::Paced { wait });
        }
        entry.paced_until = start + interval;
    }
    entry.reserved += 1;
    Ok(wait)
}

/// A reserved call. [`finish`](Self::finish) marks it spent in a shared ledger; dropped
/// unfinished, it is marked spent in the background.
pub(crate) struct Permit {
    ledger: Option<(Ledger, NaiveDate)>,
}

impl Permit {
    /// Marks the call spent (the platform counted it, whatever it answered).
    pub(crate) async fn finish(mut self) {
        if let Some((ledger, day)) = self.ledger.take() {
            settle(ledger, day).await;
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some((ledger, day)) = self.ledger.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(settle(ledger, day));
        }
    }
}

/// Moves one call of `day` from reserved to spent (nothing when the day has turned since).
async fn settle(ledger: Ledger, day: NaiveDate) {
    let fresh = ledger.fresh(0, 0, Utc::now());
    let settled = ledger
        .change(fresh, move |entry| {
            if entry.day == day {
                entry.spent += 1;
                entry.reserved = entry.reserved.saturating_sub(1);
            }
        })
        .await;
    if let Err(error) = settled {
        tracing::warn!(%error, "could not mark a REST call spent in the budget ledger");
    }
}

impl Budget {
    /// A budget of `limit` calls a day of which `used` are spent (the install payload's
    /// `app_token_daily_limit` and `app_token_current_usage`), kept in this process.
    pub fn new(limit: u64, used: u64) -> Self {
        Self {
            state: Mutex::new(State {
                limit,
                used,
                tokens: None,
                last_refill: Instant::now(),
                day: budget_day(Utc::now()),
            }),
            ledger: None,
        }
    }

    /// A budget that never runs out (for the app-level client, and tests).
    pub fn unlimited() -> Self {
        Self::new(u64::MAX, 0)
    }

    /// A budget kept in the ledger of `database` (the app's SQLite file or PostgreSQL) under
    /// `token`, shared by every process that opens the same database. `limit` and `used`
    /// start the token's row when it has none yet; an existing row is used as it is (see
    /// [`reconcile`](Self::reconcile) to replace it with the platform's numbers).
    pub fn shared(
        database: Database,
        token: &AppToken,
        webshop_id: u64,
        limit: u64,
        used: u64,
    ) -> Self {
        let mut budget = Self::new(limit, used);
        budget.ledger = Some(Ledger {
            database,
            key: ledger_key(token),
            webshop_id,
        });
        budget
    }

    /// Whether the budget is shared by every process through the app's database.
    pub fn is_shared(&self) -> bool {
        self.ledger.is_some()
    }

    /// Replaces the limit and the count with the platform's (an update callback), in this
    /// process only. The count is taken as is: Shoporama's own number is the truth. A shared
    /// budget is reconciled with [`reconcile`](Self::reconcile).
    pub fn refresh(&self, limit: u64, used: u64) {
        let mut state = self.lock();
        state.limit = limit;
        state.used = used;
        state.day = budget_day(Utc::now());
        tracing::debug!(limit, used, "REST budget refreshed");
    }

    /// Replaces the limit and today's spent count with the platform's (the install and update
    /// callbacks' `app_token_daily_limit` and `app_token_current_usage`), for every process
    /// when the budget is shared. Calls reserved and not yet finished stay reserved.
    pub async fn reconcile(&self, limit: u64, used: u64) -> Result<(), RestError> {
        self.refresh(limit, used);
        let Some(ledger) = &self.ledger else {
            return Ok(());
        };
        let now = Utc::now();
        let entry = ledger
            .change(ledger.fresh(limit, used, now), move |entry| {
                roll_entry(entry, now);
                entry.daily_limit = limit;
                entry.spent = used;
                entry.clone()
            })
            .await?;
        self.mirror(&entry);
        tracing::debug!(limit, used, "REST budget ledger reconciled");
        Ok(())
    }

    /// Where the budget stands today. For a shared budget, read (and, when the day has
    /// turned, rolled over) in the ledger.
    pub async fn status(&self) -> Result<BudgetStatus, RestError> {
        let Some(ledger) = &self.ledger else {
            let (limit, used) = self.snapshot();
            return Ok(BudgetStatus {
                day: budget_day(Utc::now()),
                limit,
                spent: used,
                reserved: 0,
                left: limit.saturating_sub(used),
                shared: false,
            });
        };
        let now = Utc::now();
        let (limit, used) = self.snapshot();
        let entry = ledger
            .change(ledger.fresh(limit, used, now), move |entry| {
                roll_entry(entry, now);
                entry.clone()
            })
            .await?;
        self.mirror(&entry);
        Ok(status_of(&entry, true))
    }

    /// The daily limit (for a shared budget: as the ledger last said).
    pub fn limit(&self) -> u64 {
        self.snapshot().0
    }

    /// Calls counted today, reserved ones included (for a shared budget: as the ledger last
    /// said; [`status`](Self::status) asks it).
    pub fn used(&self) -> u64 {
        self.snapshot().1
    }

    /// Calls left today (for a shared budget: as the ledger last said).
    pub fn remaining(&self) -> u64 {
        let (limit, used) = self.snapshot();
        limit.saturating_sub(used)
    }

    fn snapshot(&self) -> (u64, u64) {
        let mut state = self.lock();
        roll_day(&mut state, Utc::now());
        (state.limit, state.used)
    }

    fn mirror(&self, entry: &LedgerEntry) {
        let mut state = self.lock();
        state.limit = entry.daily_limit;
        state.used = entry.spent.saturating_add(entry.reserved);
        state.day = entry.day;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Reserves one call: waits for its pacing slot, or fails with why it must not be sent.
    /// The permit marks it spent once the answer is in.
    pub(crate) async fn reserve(&self, policy: &PacingPolicy) -> Result<Permit, RestError> {
        let Some(ledger) = &self.ledger else {
            let wait = self.acquire_at(policy, Instant::now(), Utc::now())?;
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            return Ok(Permit { ledger: None });
        };
        let now = Utc::now();
        let (limit, used) = self.snapshot();
        let policy = policy.clone();
        let (decision, entry) = ledger
            .change(ledger.fresh(limit, used, now), move |entry| {
                (reserve_entry(entry, &policy, now), entry.clone())
            })
            .await?;
        self.mirror(&entry);
        let wait = decision?;
        let permit = Permit {
            ledger: Some((ledger.clone(), entry.day)),
        };
        if wait > Duration::from_secs(1) {
            tracing::info!(
                wait_secs = wait.as_secs(),
                spent = entry.spent,
                reserved = entry.reserved,
                limit = entry.daily_limit,
                "REST call paced (shared budget)"
            );
        }
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        Ok(permit)
    }

    fn acquire_at(
        &self,
        policy: &PacingPolicy,
        now: Instant,
        wall: DateTime<Utc>,
    ) -> Result<Duration, RestError> {
        let mut state = self.lock();
        roll_day(&mut state, wall);
        if state.used >= state.limit {
            return Err(RestError::BudgetExhausted {
                limit: state.limit,
                used: state.used,
            });
        }
        if !policy.enabled {
            state.used += 1;
            return Ok(Duration::ZERO);
        }
        let burst = policy.burst_for(state.limit);
        let tokens = state.tokens.unwrap_or(burst);
        #[allow(clippy::cast_precision_loss)]
        let remaining = (state.limit - state.used) as f64;
        let rate = (remaining - tokens.max(0.0)).max(0.0) / seconds_until_reset(wall);
        let elapsed = now
            .saturating_duration_since(state.last_refill)
            .as_secs_f64();
        let tokens = (tokens + elapsed * rate).min(burst);
        let wait = if tokens >= 1.0 {
            Duration::ZERO
        } else if rate > 0.0 {
            Duration::from_secs_f64(((1.0 - tokens) / rate).min(86_400.0))
        } else {
            Duration::from_secs_f64(seconds_until_reset(wall))
        };
        if let Some(max) = policy.max_wait
            && wait > max
        {
            state.tokens = Some(tokens);
            state.last_refill = now;
            return Err(RestError::Paced { wait });
        }
        state.tokens = Some(tokens - 1.0);
        state.last_refill = now;
        state.used += 1;
        if wait > Duration::from_secs(1) {
            tracing::info!(
                wait_secs = wait.as_secs(),
                used = state.used,
                limit = state.limit,
                "REST call paced"
            );
        }
        Ok(wait)
    }
}

fn status_of(entry: &LedgerEntry, shared: bool) -> BudgetStatus {
    BudgetStatus {
        day: entry.day,
        limit: entry.daily_limit,
        spent: entry.spent,
        reserved: entry.reserved,
        left: entry.left(),
        shared,
    }
}

fn roll_day(state: &mut State, wall: DateTime<Utc>) {
    let today = budget_day(wall);
    if today != state.day {
        state.day = today;
        state.used = 0;
        state.tokens = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Budget {
        fn acquire(&self, policy: &PacingPolicy) -> Result<Duration, RestError> {
            self.acquire_at(policy, Instant::now(), Utc::now())
        }
    }

    fn noon() -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(2025, 3, 10)
            .and_then(|d| d.and_hms_opt(11, 0, 0))
            .unwrap_or_default()
            .and_utc()
    }

    #[test]
    fn the_hard_limit_refuses_without_counting() {
        let budget = Budget::new(3, 1);
        let policy = PacingPolicy::unpaced();
        assert!(budget.acquire(&policy).is_ok());
        assert!(budget.acquire(&policy).is_ok());
        assert!(matches!(
            budget.acquire(&policy),
            Err(RestError::BudgetExhausted { limit: 3, used: 3 })
        ));
        assert_eq!(budget.used(), 3);
        budget.refresh(10, 3);
        assert_eq!(budget.remaining(), 7);
        assert!(budget.acquire(&policy).is_ok());
    }

    #[test]
    fn a_burst_then_the_even_rate() -> Result<(), RestError> {
        let budget = Budget::new(1000, 0);
        let policy = PacingPolicy::default();
        let (start, wall) = (Instant::now(), noon());
        for _ in 0..100 {
            assert_eq!(budget.acquire_at(&policy, start, wall)?, Duration::ZERO);
        }
        // 900 calls left over the 12 hours to 23:00 UTC: one every 48 s.
        let wait = budget.acquire_at(&policy, start, wall)?;
        assert!((47.0..49.0).contains(&wait.as_secs_f64()), "{wait:?}");
        let second = budget.acquire_at(&policy, start, wall)?;
        assert!(
            second > wait,
            "reservations queue: {second:?} after {wait:?}"
        );
        // After the wait has passed, a token has refilled.
        let later = start + Duration::from_secs(200);
        assert_eq!(budget.acquire_at(&policy, later, wall)?, Duration::ZERO);
        Ok(())
    }

    #[test]
    fn max_wait_fails_fast_without_spending() -> Result<(), RestError> {
        let budget = Budget::new(40, 0);
        let policy = PacingPolicy::default().max_wait(Duration::from_secs(5));
        let (start, wall) = (Instant::now(), noon());
        for _ in 0..20 {
            budget.acquire_at(&policy, start, wall)?;
        }
        assert!(matches!(
            budget.acquire_at(&policy, start, wall),
            Err(RestError::Paced { .. })
        ));
        assert_eq!(budget.lock().used, 20);
        Ok(())
    }

    #[test]
    fn big_budgets_are_never_paced_in_practice() -> Result<(), RestError> {
        let budget = Budget::new(1_000_000, 0);
        let policy = PacingPolicy::default();
        for _ in 0..50_000 {
            assert_eq!(budget.acquire(&policy)?, Duration::ZERO);
        }
        Ok(())
    }

    #[test]
    fn a_new_day_resets_the_count() -> Result<(), RestError> {
        let budget = Budget::new(2, 0);
        let policy = PacingPolicy::unpaced();
        let wall = noon();
        budget.acquire_at(&policy, Instant::now(), wall)?;
        budget.acquire_at(&policy, Instant::now(), wall)?;
        assert!(budget.acquire_at(&policy, Instant::now(), wall).is_err());
        let next_day = wall + TimeDelta::hours(12);
        assert_eq!(
            budget.acquire_at(&policy, Instant::now(), next_day)?,
            Duration::ZERO
        );
        Ok(())
    }

    fn entry(limit: u64, spent: u64, reserved: u64, wall: DateTime<Utc>) -> LedgerEntry {
        LedgerEntry {
            webshop_id: 7,
            day: budget_day(wall),
            daily_limit: limit,
            spent,
            reserved,
            paced_until: wall - TimeDelta::days(1),
        }
    }

    #[test]
    fn a_ledger_row_refuses_past_its_limit_counting_reservations() {
        let wall = noon();
        let policy = PacingPolicy::unpaced();
        let mut row = entry(3, 1, 1, wall);
        assert_eq!(
            reserve_entry(&mut row, &policy, wall).ok(),
            Some(Duration::ZERO)
        );
        assert_eq!((row.spent, row.reserved, row.left()), (1, 2, 0));
        assert!(matches!(
            reserve_entry(&mut row, &policy, wall),
            Err(RestError::BudgetExhausted { limit: 3, used: 3 })
        ));
        assert_eq!(row.reserved, 2, "a refusal reserves nothing");
        // The next budget day starts from zero.
        let tomorrow = wall + TimeDelta::hours(13);
        assert!(reserve_entry(&mut row, &policy, tomorrow).is_ok());
        assert_eq!(
            (row.day, row.spent, row.reserved),
            (budget_day(tomorrow), 0, 1)
        );
    }

    #[test]
    fn a_ledger_row_paces_every_process_as_one() {
        let wall = noon();
        let policy = PacingPolicy::default();
        let mut row = entry(1000, 0, 0, wall);
        // Most of the burst (100 of 1,000) goes at once, whichever process asks.
        for _ in 0..90 {
            assert_eq!(
                reserve_entry(&mut row, &policy, wall).ok(),
                Some(Duration::ZERO)
            );
        }
        // Then calls wait their turn, one interval (~48 s: ~900 left over the 12 hours to
        // 23:00 UTC) after another.
        let waits: Vec<Duration> = (0..30)
            .map(|_| reserve_entry(&mut row, &policy, wall).unwrap_or_default())
            .collect();
        let (first, last) = (waits[0], waits[29]);
        assert!(last > Duration::from_secs(10 * 40), "{waits:?}");
        assert!(last < Duration::from_mins(30), "{waits:?}");
        assert!(
            waits.windows(2).all(|w| w[0] <= w[1]),
            "slots queue: {waits:?}"
        );
        assert!(first < last);
        // Once their time has come, slots are free at once.
        let later = wall + TimeDelta::hours(2);
        assert_eq!(
            reserve_entry(&mut row, &policy, later).ok(),
            Some(Duration::ZERO)
        );
        let hurried = PacingPolicy::default().max_wait(Duration::from_secs(5));
        let reserved = row.reserved;
        assert!(matches!(
            reserve_entry(&mut row, &hurried, wall),
            Err(RestError::Paced { .. })
        ));
        assert_eq!(row.reserved, reserved);
    }

    #[test]
    fn ledger_keys_hide_the_token() {
        let key = ledger_key(&AppToken::new("dcbfe5ad9e8af3495ca4582e364c1bce"));
        assert_eq!(key.len(), 64);
        assert!(!key.contains("dcbfe5ad"));
        assert_ne!(key, ledger_key(&AppToken::new("another")));
    }

    #[test]
    fn the_day_turns_at_23_utc() {
        let before = noon() + TimeDelta::hours(11) + TimeDelta::minutes(59);
        let after = noon() + TimeDelta::hours(12) + TimeDelta::minutes(1);
        assert_ne!(budget_day(before), budget_day(after));
        assert!((seconds_until_reset(before) - 60.0).abs() < 1.0);
    }
}
