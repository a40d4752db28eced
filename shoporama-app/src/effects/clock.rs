//! [`Clock`]: the time keyed effects write and compare, which tests can drive.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};

/// Where [`Effects`](super::Effects) reads the time: every timestamp it stores (claims,
/// leases, outcomes) and every lease it checks comes from its clock. Cheap to clone; clones
/// of a manual clock share its time.
///
/// Production uses [`Clock::system`]. Tests use [`Clock::manual`] and
/// [`advance`](Clock::advance) it to expire a lease without sleeping:
///
/// ```
/// use std::time::Duration;
/// use shoporama_app::effects::Clock;
///
/// let start = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
/// let clock = Clock::manual(start);
/// clock.advance(Duration::from_secs(31));
/// assert_eq!(clock.now(), start + chrono::Duration::seconds(31));
/// ```
///
/// Only timestamps follow the clock: how long a duplicate waits for a running effect, and how
/// often a lease is renewed, are measured in real (Tokio) time.
#[derive(Clone, Default)]
pub struct Clock {
    /// `None` for the system clock; else the manual time in unix microseconds.
    manual: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// The system's clock ([`Utc::now`]).
    pub fn system() -> Self {
        Self { manual: None }
    }

    /// A clock that stands at `start` until [`advance`](Self::advance)d or
    /// [`set`](Self::set) (microsecond precision).
    pub fn manual(start: DateTime<Utc>) -> Self {
        Self {
            manual: Some(Arc::new(AtomicI64::new(start.timestamp_micros()))),
        }
    }

    /// Whether this is a manual clock.
    pub fn is_manual(&self) -> bool {
        self.manual.is_some()
    }

    /// The time now.
    pub fn now(&self) -> DateTime<Utc> {
        match &self.manual {
            None => Utc::now(),
            Some(micros) => from_micros(micros.load(Ordering::SeqCst)),
        }
    }

    /// Moves a manual clock forward by `by`; does nothing to the system clock.
    pub fn advance(&self, by: Duration) {
        if let Some(micros) = &self.manual {
            micros.fetch_add(duration_micros(by), Ordering::SeqCst);
        }
    }

    /// Sets a manual clock to `at`; does nothing to the system clock.
    pub fn set(&self, at: DateTime<Utc>) {
        if let Some(micros) = &self.manual {
            micros.store(at.timestamp_micros(), Ordering::SeqCst);
        }
    }

    /// The time now, in unix microseconds (the tables' unit).
    pub(crate) fn now_micros(&self) -> i64 {
        self.now().timestamp_micros()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.manual {
            None => f.write_str("Clock::system()"),
            Some(_) => write!(f, "Clock::manual({})", self.now().to_rfc3339()),
        }
    }
}

/// `duration` in microseconds, saturating.
pub(crate) fn duration_micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

/// A time in unix microseconds, clamped to what [`DateTime`] can hold.
pub(crate) fn from_micros(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or(if micros < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_its_clones_follow() {
        let start = DateTime::from_timestamp(1_700_000_000, 123_456_000).unwrap_or_default();
        let clock = Clock::manual(start);
        let clone = clock.clone();
        assert_eq!(clock.now(), start);
        clock.advance(Duration::from_millis(1500));
        assert_eq!(clone.now(), start + chrono::Duration::milliseconds(1500));
        clone.set(start);
        assert_eq!(clock.now_micros(), start.timestamp_micros());
        assert!(clock.is_manual() && !Clock::system().is_manual());
    }

    #[test]
    fn the_system_clock_ignores_advance() {
        let clock = Clock::system();
        let before = Utc::now();
        clock.advance(Duration::from_hours(1));
        assert!(clock.now() < before + chrono::Duration::minutes(1));
    }
}
