//! [`Budget`]: a token's daily call limit, the calls counted against it, and the pacing that
//! spreads them over the day.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use super::RestError;

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

/// One token's daily call budget, shared by every client of that shop in the process.
///
/// Built from the install payload's `app_token_daily_limit` and `app_token_current_usage`
/// ([`Budget::new`]), refreshed from update callbacks ([`Budget::refresh`]). Each HTTP
/// request a client sends (retries included) takes one call from it first; when none is left
/// the request is not sent and the call fails with [`RestError::BudgetExhausted`].
/// [`PacingPolicy`] describes how calls are spread.
pub struct Budget {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    limit: u64,
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
            .finish()
    }
}

fn budget_day(now: DateTime<Utc>) -> NaiveDate {
    (now + DAY_OFFSET).date_naive()
}

fn seconds_until_reset(now: DateTime<Utc>) -> f64 {
    let day = budget_day(now);
    let next = day
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|midnight| midnight.and_utc() - DAY_OFFSET);
    #[allow(clippy::cast_precision_loss)]
    next.map_or(86_400.0, |next| {
        (next - now).num_milliseconds().max(1000) as f64 / 1000.0
    })
}

impl Budget {
    /// A budget of `limit` calls a day of which `used` are spent (the install payload's
    /// `app_token_daily_limit` and `app_token_current_usage`).
    pub fn new(limit: u64, used: u64) -> Self {
        Self {
            state: Mutex::new(State {
                limit,
                used,
                tokens: None,
                last_refill: Instant::now(),
                day: budget_day(Utc::now()),
            }),
        }
    }

    /// A budget that never runs out (for the app-level client, and tests).
    pub fn unlimited() -> Self {
        Self::new(u64::MAX, 0)
    }

    /// Replaces the limit and the count with the platform's (an update callback). The count
    /// is taken as is: Shoporama's own number is the truth.
    pub fn refresh(&self, limit: u64, used: u64) {
        let mut state = self.lock();
        state.limit = limit;
        state.used = used;
        state.day = budget_day(Utc::now());
        tracing::debug!(limit, used, "REST budget refreshed");
    }

    /// The daily limit.
    pub fn limit(&self) -> u64 {
        self.snapshot().0
    }

    /// Calls counted today.
    pub fn used(&self) -> u64 {
        self.snapshot().1
    }

    /// Calls left today.
    pub fn remaining(&self) -> u64 {
        let (limit, used) = self.snapshot();
        limit.saturating_sub(used)
    }

    fn snapshot(&self) -> (u64, u64) {
        let mut state = self.lock();
        roll_day(&mut state, Utc::now());
        (state.limit, state.used)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes one call: how long to wait before sending it, or why it must not be sent.
    pub(crate) fn acquire(&self, policy: &PacingPolicy) -> Result<Duration, RestError> {
        self.acquire_at(policy, Instant::now(), Utc::now())
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

    #[test]
    fn the_day_turns_at_23_utc() {
        let before = noon() + TimeDelta::hours(11) + TimeDelta::minutes(59);
        let after = noon() + TimeDelta::hours(12) + TimeDelta::minutes(1);
        assert_ne!(budget_day(before), budget_day(after));
        assert!((seconds_until_reset(before) - 60.0).abs() < 1.0);
    }
}
