//! One connection's clock and the set of open connections.
//!
//! Each connection is in one of three phases, and each phase has its own deadline:
//!
//! | Phase | From | Deadline |
//! |---|---|---|
//! | idle | accept, or the end of the last response | `idle_timeout` |
//! | reading a head | the first byte read while idle | `header_timeout` |
//! | in a request | the head parsed | none here: the body has its own deadline ([`DeadlineBody`], 408) and handlers theirs |
//!
//! The phases are tracked from the bytes the connection reads ([`Tracked`]) and from the
//! requests it hands to the router ([`RequestGuard`]), all inside the connection's own task, so
//! the deadline is recomputed after every poll of the connection. hyper's own
//! `header_read_timeout` is not used: it also runs while a kept-alive connection is idle,
//! which would make the idle timeout the header timeout.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::{Instant, Sleep};

/// The connection timeouts, from the [`Config`](crate::Config).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    pub(crate) header: Duration,
    pub(crate) idle: Duration,
}

/// Why a connection was closed by its clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expired {
    /// No request within the idle timeout.
    Idle,
    /// The request's head was not complete within the header timeout.
    Header,
}

impl Expired {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Idle => "idle timeout",
            Self::Header => "header timeout",
        }
    }
}

#[derive(Debug)]
struct Phase {
    /// Requests handed to the router whose response has not been sent.
    in_flight: usize,
    /// Since when the connection has been idle (meaningful while `in_flight` is zero).
    idle_since: Instant,
    /// When the first byte of the next request's head arrived.
    head_since: Option<Instant>,
    /// Whether a request was ever handed to the router.
    used: bool,
}

/// One connection's phase, shared by its I/O, its requests, its task and the eviction scan.
#[derive(Debug)]
pub(crate) struct Clock {
    id: u64,
    timeouts: Timeouts,
    phase: Mutex<Phase>,
    evict: AtomicBool,
    /// Whether the socket was read at least once: until then the connection's state is
    /// unknown (its request may be waiting in the socket) and it is not evicted.
    read_once: AtomicBool,
    wake: Notify,
}

impl Clock {
    fn phase(&self) -> std::sync::MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Bytes were read: while idle, they start the next request's head.
    fn read(&self) {
        let mut phase = self.phase();
        if phase.in_flight == 0 && phase.head_since.is_none() {
            phase.head_since = Some(Instant::now());
        }
    }

    /// A request's head was parsed and handed to the router.
    pub(crate) fn request(self: &Arc<Self>) -> RequestGuard {
        let mut phase = self.phase();
        phase.in_flight += 1;
        phase.head_since = None;
        phase.used = true;
        RequestGuard {
            clock: Arc::clone(self),
        }
    }

    fn response_done(&self) {
        let mut phase = self.phase();
        phase.in_flight = phase.in_flight.saturating_sub(1);
        if phase.in_flight == 0 {
            phase.idle_since = Instant::now();
            phase.head_since = None;
        }
    }

    /// The current phase's deadline; `None` while a request is in progress.
    pub(crate) fn deadline(&self) -> Option<(Instant, Expired)> {
        let phase = self.phase();
        if phase.in_flight > 0 {
            None
        } else if let Some(head) = phase.head_since {
            Some((head + self.timeouts.header, Expired::Header))
        } else {
            Some((phase.idle_since + self.timeouts.idle, Expired::Idle))
        }
    }

    /// Whether no request is in progress (the connection may be closed without losing one).
    pub(crate) fn is_between_requests(&self) -> bool {
        self.phase().in_flight == 0
    }

    /// Whether the connection never carried a request: at shutdown it has nothing to finish
    /// or flush (hyper's graceful shutdown waits for a first request on such a connection).
    pub(crate) fn is_unused(&self) -> bool {
        let phase = self.phase();
        !phase.used && phase.in_flight == 0
    }

    /// Whether the eviction scan asked this connection to close.
    pub(crate) fn take_eviction(&self) -> bool {
        self.evict.swap(false, Ordering::AcqRel)
    }

    /// Completes when the eviction scan asks this connection to close.
    pub(crate) async fn evicted(&self) {
        self.wake.notified().await;
    }

    /// How eager a connection is to be evicted: idle before reading a head, the longest
    /// waiting first; `None` when a request is in progress, its socket was never read, or it
    /// was already asked.
    fn eviction_rank(&self) -> Option<(bool, Instant)> {
        if self.evict.load(Ordering::Acquire) || !self.read_once.load(Ordering::Acquire) {
            return None;
        }
        let phase = self.phase();
        if phase.in_flight > 0 {
            return None;
        }
        Some(match phase.head_since {
            Some(head) => (true, head),
            None => (false, phase.idle_since),
        })
    }
}

/// A request in progress: its connection is not idle until the guard (carried by the response
/// body) is dropped, when the response has been sent or the connection closed.
#[derive(Debug)]
pub(crate) struct RequestGuard {
    clock: Arc<Clock>,
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        self.clock.response_done();
    }
}

/// The open connections, for the eviction scan.
#[derive(Debug, Default)]
pub(crate) struct Connections {
    open: Mutex<BTreeMap<u64, Arc<Clock>>>,
    next_id: AtomicU64,
}

impl Connections {
    /// Registers a new connection, idle from now; it leaves the set when the returned
    /// [`Registration`] is dropped.
    pub(crate) fn open(self: &Arc<Self>, timeouts: Timeouts) -> Registration {
        let clock = Arc::new(Clock {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            timeouts,
            phase: Mutex::new(Phase {
                in_flight: 0,
                idle_since: Instant::now(),
                head_since: None,
                used: false,
            }),
            evict: AtomicBool::new(false),
            read_once: AtomicBool::new(false),
            wake: Notify::new(),
        });
        self.lock().insert(clock.id, Arc::clone(&clock));
        Registration {
            connections: Arc::clone(self),
            clock,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Arc<Clock>>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Asks the connection idle the longest (else the one reading a head the longest) to
    /// close, to make room for a new one; whether there was one.
    pub(crate) fn evict_one(&self) -> bool {
        let victim = self
            .lock()
            .values()
            .filter_map(|clock| clock.eviction_rank().map(|rank| (rank, clock)))
            .min_by_key(|(rank, _)| *rank)
            .map(|(_, clock)| Arc::clone(clock));
        match victim {
            Some(clock) => {
                clock.evict.store(true, Ordering::Release);
                clock.wake.notify_one();
                true
            }
            None => false,
        }
    }

    /// How many connections are open.
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }
}

/// A connection's place in [`Connections`].
#[derive(Debug)]
pub(crate) struct Registration {
    connections: Arc<Connections>,
    clock: Arc<Clock>,
}

impl Registration {
    pub(crate) fn clock(&self) -> &Arc<Clock> {
        &self.clock
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.connections.lock().remove(&self.clock.id);
    }
}

/// The socket, telling the clock about every read.
#[derive(Debug)]
pub(crate) struct Tracked<S> {
    inner: S,
    clock: Arc<Clock>,
    read_once: bool,
}

impl<S> Tracked<S> {
    pub(crate) fn new(inner: S, clock: Arc<Clock>) -> Self {
        Self {
            inner,
            clock,
            read_once: false,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tracked<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.clock.read();
        }
        if !self.read_once {
            self.read_once = true;
            self.clock.read_once.store(true, Ordering::Release);
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tracked<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// A response body that keeps its request "in progress" until it is dropped.
#[derive(Debug)]
pub(crate) struct GuardedBody<B> {
    inner: B,
    _guard: RequestGuard,
}

impl<B> GuardedBody<B> {
    pub(crate) fn new(inner: B, guard: RequestGuard) -> Self {
        Self {
            inner,
            _guard: guard,
        }
    }
}

impl<B: Body + Unpin> Body for GuardedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The request body could not be read within the body timeout.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the body was not received within {} ms", .timeout.as_millis())]
pub(crate) struct BodyTimeout {
    pub(crate) timeout: Duration,
}

/// A request body that fails with [`BodyTimeout`] when it has not ended by its deadline.
///
/// The timer is made only when the body has to be waited for: a callback's body usually
/// arrives with its head, and then the deadline costs one clock read.
pub(crate) struct DeadlineBody<B> {
    inner: B,
    timeout: Duration,
    deadline: Instant,
    sleep: Option<Pin<Box<Sleep>>>,
    done: bool,
}

impl<B> DeadlineBody<B> {
    /// `inner`, which must end within `timeout` from now.
    pub(crate) fn new(inner: B, timeout: Duration) -> Self {
        Self {
            inner,
            timeout,
            deadline: Instant::now() + timeout,
            sleep: None,
            done: false,
        }
    }
}

impl<B> Body for DeadlineBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(None) => {
                self.done = true;
                Poll::Ready(None)
            }
            Poll::Ready(Some(frame)) => Poll::Ready(Some(frame.map_err(Into::into))),
            Poll::Pending => {
                let deadline = self.deadline;
                let sleep = self
                    .sleep
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if sleep.as_mut().poll(cx).is_ready() {
                    self.done = true;
                    Poll::Ready(Some(Err(Box::new(BodyTimeout {
                        timeout: self.timeout,
                    }))))
                } else {
                    Poll::Pending
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeouts() -> Timeouts {
        Timeouts {
            header: Duration::from_secs(10),
            idle: Duration::from_secs(30),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn phases_and_their_deadlines() {
        let connections = Arc::new(Connections::default());
        let registration = connections.open(timeouts());
        let clock = registration.clock();
        let start = Instant::now();
        assert_eq!(
            clock.deadline(),
            Some((start + Duration::from_secs(30), Expired::Idle))
        );
        tokio::time::advance(Duration::from_secs(1)).await;
        clock.read();
        assert_eq!(
            clock.deadline(),
            Some((start + Duration::from_secs(11), Expired::Header))
        );
        assert!(clock.is_unused());
        let guard = clock.request();
        assert!(!clock.is_unused());
        assert_eq!(clock.deadline(), None);
        clock.read(); // body bytes
        assert!(!clock.is_between_requests());
        tokio::time::advance(Duration::from_secs(100)).await;
        drop(guard);
        assert_eq!(
            clock.deadline(),
            Some((start + Duration::from_secs(131), Expired::Idle))
        );
        assert_eq!(connections.len(), 1);
        drop(registration);
        assert_eq!(connections.len(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn eviction_takes_the_longest_idle_and_never_a_request_in_progress() {
        let connections = Arc::new(Connections::default());
        let busy = connections.open(timeouts());
        busy.clock().read_once.store(true, Ordering::Release);
        let _request = busy.clock().request();
        tokio::time::advance(Duration::from_secs(1)).await;
        let reading = connections.open(timeouts());
        reading.clock().read_once.store(true, Ordering::Release);
        reading.clock().read();
        tokio::time::advance(Duration::from_secs(1)).await;
        let idle = connections.open(timeouts());
        idle.clock().read_once.store(true, Ordering::Release);
        // Never read: its request may be waiting in the socket.
        let fresh = connections.open(timeouts());

        assert!(connections.evict_one());
        // Asked once, it is not asked again.
        assert!(connections.evict_one());
        assert!(idle.clock().take_eviction());
        assert!(reading.clock().take_eviction());
        drop((idle, reading));
        // A busy or unread connection is never asked.
        assert!(!connections.evict_one());
        assert!(!busy.clock().take_eviction());
        assert!(!fresh.clock().take_eviction());
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_does_not_end_times_out() {
        use http_body_util::BodyExt as _;
        let never = http_body_util::StreamBody::new(futures::stream::pending::<
            Result<Frame<Bytes>, std::convert::Infallible>,
        >());
        let error = DeadlineBody::new(never, Duration::from_millis(500))
            .collect()
            .await
            .expect_err("times out");
        assert!(error.is::<BodyTimeout>(), "{error}");
        let full = http_body_util::Full::new(Bytes::from_static(b"{}"));
        let collected = DeadlineBody::new(full, Duration::from_millis(500))
            .collect()
            .await
            .expect("complete body")
            .to_bytes();
        assert_eq!(&collected[..], b"{}");
    }
}
