//! [`RetryPolicy`]: which failures are retried, and how long to wait between attempts.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};

/// When and how failed calls are retried.
///
/// **What is retried:** only idempotent requests (GET, PUT, DELETE), and only on 429, 5xx,
/// timeouts and connection failures. POST (and PATCH) is never retried: a create that timed
/// out may have been applied. No other 4xx is retried: the same request would fail the same
/// way. Each attempt is one call against the shop's [`Budget`](super::Budget).
///
/// **How long to wait:** a `Retry-After` header is read as **seconds** (Shoporama's form;
/// the HTTP-date form is ignored) and waited out exactly; if it asks for more than
/// `max_retry_after`, the call fails at once with the 429 instead of sleeping that long.
/// Otherwise the wait is exponential with jitter: attempt *n* (from 0) waits a random time
/// between half and all of `min(max_delay, base_delay × 2ⁿ)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0: never retry). Default 3.
    pub max_retries: u32,
    /// The first backoff. Default 250 ms.
    pub base_delay: Duration,
    /// The longest backoff. Default 10 s.
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured by sleeping. Default 60 s.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
            max_retry_after: Duration::from_mins(1),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The same policy with another number of retries.
    #[must_use]
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The same policy with other backoff bounds (tests use milliseconds).
    #[must_use]
    pub fn backoff(mut self, base: Duration, max: Duration) -> Self {
        self.base_delay = base;
        self.max_delay = max.max(base);
        self
    }

    /// The same policy with another longest honoured `Retry-After`.
    #[must_use]
    pub fn max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// The backoff before retry number `attempt` (0 for the first retry), with jitter.
    pub fn backoff_for(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.min(30));
        let cap = self.base_delay.saturating_mul(factor).min(self.max_delay);
        let half = cap / 2;
        let jitter_nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        let jitter = if jitter_nanos == 0 {
            0
        } else {
            rand::random_range(0..=jitter_nanos)
        };
        half + Duration::from_nanos(jitter)
    }
}

/// Whether requests with this method may be sent twice.
pub(crate) fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
    )
}

/// Whether an answer with this status is worth another attempt (of an idempotent request).
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

/// `Retry-After` in seconds (`"5"`, `"1.5"`); `None` when absent, negative or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let seconds = text
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)?;
    Some(Duration::from_secs_f64(seconds.min(86_400.0 * 7.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn backoff_grows_with_jitter_and_caps() {
        let policy =
            RetryPolicy::default().backoff(Duration::from_millis(100), Duration::from_secs(1));
        for _ in 0..50 {
            let first = policy.backoff_for(0);
            assert!(
                (Duration::from_millis(50)..=Duration::from_millis(100)).contains(&first),
                "{first:?}"
            );
            let third = policy.backoff_for(2);
            assert!(
                (Duration::from_millis(200)..=Duration::from_millis(400)).contains(&third),
                "{third:?}"
            );
            let late = policy.backoff_for(40);
            assert!(
                (Duration::from_millis(500)..=Duration::from_secs(1)).contains(&late),
                "{late:?}"
            );
        }
        let spread: std::collections::BTreeSet<_> =
            (0..20).map(|_| policy.backoff_for(3)).collect();
        assert!(spread.len() > 1, "jitter varies the delay");
    }

    #[test]
    fn retry_after_is_seconds() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("0.5"));
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(500)));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("-1"));
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn only_idempotent_methods_and_transient_statuses() {
        assert!(
            is_idempotent(&Method::GET)
                && is_idempotent(&Method::PUT)
                && is_idempotent(&Method::DELETE)
        );
        assert!(!is_idempotent(&Method::POST) && !is_idempotent(&Method::PATCH));
        for status in [429, 500, 502, 503, 504] {
            assert!(
                is_retryable_status(StatusCode::from_u16(status).unwrap_or_default()),
                "{status}"
            );
        }
        for status in [400, 401, 403, 404, 409, 410, 422] {
            assert!(
                !is_retryable_status(StatusCode::from_u16(status).unwrap_or_default()),
                "{status}"
            );
        }
    }
}
