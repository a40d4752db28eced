//! Fault injection: the next requests fail (or are slow) the way the platform can fail.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

/// One injected failure, applied to one incoming request.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// `429 Too Many Requests`, plain-text body, with `Retry-After: <seconds>` when given.
    RateLimited {
        /// The `Retry-After` header, in seconds.
        retry_after: Option<u64>,
    },
    /// `500 Internal Server Error`, plain-text body.
    ServerError,
    /// Any status with a plain-text body (e.g. `503` / `"Service Unavailable"`).
    Text {
        /// The status code.
        status: u16,
        /// The body.
        body: String,
    },
    /// Any status with a JSON body.
    Json {
        /// The status code.
        status: u16,
        /// The body.
        body: Value,
    },
    /// Waits this long, then serves the request normally (a slow platform; with a shorter
    /// client timeout, a timeout).
    Delay(Duration),
}

/// The queue of faults of a running [`FakeShoporama`](super::FakeShoporama). Cheap to clone.
///
/// Each incoming request (any route, before the `Authorization` check) takes the next fault,
/// if there is one. A request answered by a fault is counted in
/// [`call_count`](super::FakeShoporama::call_count) but not against the token's daily
/// limit; a [`Fault::Delay`] request is then served, and counted, normally.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    queue: Arc<Mutex<VecDeque<Fault>>>,
}

impl Faults {
    fn queue(&self) -> std::sync::MutexGuard<'_, VecDeque<Fault>> {
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds one fault after those queued.
    pub fn push(&self, fault: Fault) -> &Self {
        self.queue().push_back(fault);
        self
    }

    /// The next `n` requests get `fault`.
    pub fn next(&self, n: usize, fault: &Fault) -> &Self {
        self.queue().extend(std::iter::repeat_n(fault, n).cloned());
        self
    }

    /// The next `n` requests get 429, with `Retry-After: retry_after` seconds when given.
    pub fn rate_limit(&self, n: usize, retry_after: Option<u64>) -> &Self {
        self.next(n, &Fault::RateLimited { retry_after })
    }

    /// The next `n` requests get 500.
    pub fn server_error(&self, n: usize) -> &Self {
        self.next(n, &Fault::ServerError)
    }

    /// The next `n` requests wait `delay` before being served.
    pub fn delay(&self, n: usize, delay: Duration) -> &Self {
        self.next(n, &Fault::Delay(delay))
    }

    /// The next `n` requests get `status` with the plain-text `body`.
    pub fn plain_text(&self, n: usize, status: u16, body: impl Into<String>) -> &Self {
        self.next(
            n,
            &Fault::Text {
                status,
                body: body.into(),
            },
        )
    }

    /// Removes every queued fault.
    pub fn clear(&self) {
        self.queue().clear();
    }

    /// Faults still queued.
    pub fn pending(&self) -> usize {
        self.queue().len()
    }

    pub(super) fn take(&self) -> Option<Fault> {
        self.queue().pop_front()
    }
}
