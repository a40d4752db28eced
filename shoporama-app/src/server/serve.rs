//! Serving the router on a TCP listener: a connection limit, header, body and idle timeouts,
//! and graceful shutdown on Ctrl-C and SIGTERM.
//!
//! The accept loop is our own (over hyper's HTTP/1 connection) rather than `axum::serve`, which
//! can set neither timeouts nor a connection limit, and which stops accepting for a second on
//! any accept error.

use std::convert::Infallible;
use std::future::poll_fn;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::{Instant, Sleep};
use tower::ServiceExt as _;

use super::AppRuntime;
use super::conn::{Clock, Connections, GuardedBody, Registration, Timeouts, Tracked};
use crate::app::ShoporamaApp;
use crate::config::Config;

/// How often a full server retries making room, and how long it pauses after an accept error
/// such as "too many open files" instead of retrying at once.
const RETRY: Duration = Duration::from_millis(100);
/// How often a persisting accept error is logged.
const WARN_EVERY: Duration = Duration::from_secs(10);
/// The largest request head (request line and headers): 32 KiB.
const MAX_HEAD: usize = 32 * 1024;
/// A connection's read buffer: 64 KiB.
const MAX_BUFFER: usize = 64 * 1024;

/// Serves the runtime's router on `runtime.config().listen` until Ctrl-C or SIGTERM, then
/// finishes the callbacks in flight.
pub async fn serve<A: ShoporamaApp>(runtime: AppRuntime<A>) -> std::io::Result<()> {
    let addr = runtime.config().listen;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")))?;
    serve_on(runtime, listener, shutdown_signal()).await
}

/// Serves on an already bound listener until `shutdown` completes (tests bind 127.0.0.1:0),
/// running the runtime's inbox workers meanwhile.
///
/// The configuration's limits apply: at most `max_connections` at once (at the limit, the
/// connection idle the longest is closed for the new one), `header_timeout`, `body_timeout`
/// and `idle_timeout`. On `shutdown` the listener is closed, idle connections are closed,
/// requests in progress get `shutdown_grace` to finish (their connections are dropped after
/// it), then the inbox workers stop and this returns.
pub async fn serve_on<A: ShoporamaApp>(
    runtime: AppRuntime<A>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = runtime.router();
    serve_router_on(runtime, router, listener, shutdown).await
}

/// [`serve_on`] with a router of the caller's: the runtime's own
/// [`router`](AppRuntime::router) with more routes merged in (the dev console's).
pub async fn serve_router_on<A: ShoporamaApp>(
    runtime: AppRuntime<A>,
    router: Router,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let local = listener.local_addr()?;
    // A runtime from `connect` has started already; one over a store of the caller's
    // (`with_store`) runs the app's migrations and `on_start` here, before accepting.
    runtime
        .start()
        .await
        .map_err(|error| std::io::Error::other(error.to_string()))?;
    let config = runtime.config();
    tracing::info!(
        address = %local,
        callback = %config.callback_path,
        max_connections = config.max_connections,
        "serving Shoporama callbacks"
    );
    let server = Server::new(config);
    // The inbox's workers run while the server does; at shutdown, after the last request was
    // answered, they stop claiming and finish or release their jobs.
    runtime.start_inbox_workers();
    server.run(listener, router, shutdown).await;
    runtime.shutdown_inbox().await;
    Ok(())
}

struct Server {
    timeouts: Timeouts,
    max_connections: usize,
    grace: Duration,
    connections: Arc<Connections>,
}

impl Server {
    fn new(config: &Config) -> Self {
        Self {
            timeouts: Timeouts {
                header: config.header_timeout,
                idle: config.idle_timeout,
            },
            max_connections: config.max_connections,
            grace: config.shutdown_grace,
            connections: Arc::new(Connections::default()),
        }
    }

    async fn run(
        self,
        listener: TcpListener,
        router: Router,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) {
        let permits = Arc::new(Semaphore::new(self.max_connections));
        let (stop, stopping) = watch::channel(false);
        let mut tasks = JoinSet::new();
        let mut shutdown = pin!(shutdown);
        let mut warned: Option<Instant> = None;
        loop {
            while tasks.try_join_next().is_some() {}
            let (stream, remote) = tokio::select! {
                biased;
                () = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        if let Some(pause) = self.accept_failed(&error, &mut warned) {
                            tokio::select! {
                                biased;
                                () = &mut shutdown => break,
                                () = tokio::time::sleep(pause) => {}
                            }
                        }
                        continue;
                    }
                },
            };
            let permit = tokio::select! {
                biased;
                () = &mut shutdown => break,
                permit = self.permit(&permits) => permit,
            };
            let _ = stream.set_nodelay(true);
            let registration = self.connections.open(self.timeouts);
            tasks.spawn(connection(
                stream,
                remote,
                router.clone(),
                registration,
                permit,
                stopping.clone(),
            ));
        }

        // Stop accepting, close idle connections, let requests in progress finish.
        drop(listener);
        stop.send_replace(true);
        let open = tasks.len();
        tracing::info!(
            connections = open,
            "stopped accepting: finishing requests in progress"
        );
        let drained = tokio::time::timeout(self.grace, async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                connections = tasks.len(),
                grace_ms = u64::try_from(self.grace.as_millis()).unwrap_or(u64::MAX),
                "shutdown grace elapsed: closing the remaining connections"
            );
            tasks.shutdown().await;
        }
    }

    /// A connection permit. At the limit, the connection idle the longest is asked to close;
    /// when every connection has a request in progress, this waits for one to end.
    async fn permit(&self, permits: &Arc<Semaphore>) -> OwnedSemaphorePermit {
        loop {
            if let Ok(permit) = Arc::clone(permits).try_acquire_owned() {
                return permit;
            }
            self.connections.evict_one();
            if let Ok(Ok(permit)) =
                tokio::time::timeout(RETRY, Arc::clone(permits).acquire_owned()).await
            {
                return permit;
            }
        }
    }

    /// What to do after a failed accept: `None` to go on at once (the client's connection
    /// failed), else a pause (the process is out of file descriptors or memory: an idle
    /// connection is closed to free one, and the loop does not spin meanwhile).
    fn accept_failed(
        &self,
        error: &std::io::Error,
        warned: &mut Option<Instant>,
    ) -> Option<Duration> {
        use std::io::ErrorKind;
        if matches!(
            error.kind(),
            ErrorKind::ConnectionAborted
                | ErrorKind::ConnectionReset
                | ErrorKind::ConnectionRefused
        ) {
            tracing::debug!(%error, "a connection failed before it was accepted");
            return None;
        }
        let evicted = self.connections.evict_one();
        if warned.is_none_or(|at| at.elapsed() >= WARN_EVERY) {
            tracing::warn!(
                %error,
                connections = self.connections.len(),
                closing_an_idle_one = evicted,
                "cannot accept connections: retrying every {} ms",
                RETRY.as_millis()
            );
            *warned = Some(Instant::now());
        }
        Some(RETRY)
    }
}

/// Serves one connection until the client closes it, its clock expires, it is evicted to make
/// room, or the server stops (after the request in progress, if any).
async fn connection(
    stream: TcpStream,
    remote: SocketAddr,
    router: Router,
    registration: Registration,
    _permit: OwnedSemaphorePermit,
    mut stopping: watch::Receiver<bool>,
) {
    let clock = Arc::clone(registration.clock());
    let io = TokioIo::new(Tracked::new(stream, Arc::clone(&clock)));
    let service = {
        let clock = Arc::clone(&clock);
        hyper::service::service_fn(move |mut request: Request<Incoming>| {
            let guard = clock.request();
            request.extensions_mut().insert(ConnectInfo(remote));
            let response = router.clone().oneshot(request.map(Body::new));
            async move {
                let response = match response.await {
                    Ok(response) => response,
                    Err(never) => match never {},
                };
                Ok::<_, Infallible>(response.map(|body| GuardedBody::new(body, guard)))
            }
        })
    };
    let mut conn = pin!(
        hyper::server::conn::http1::Builder::new()
            // Our clock times heads; hyper's would also time idle keep-alive connections.
            .header_read_timeout(None)
            // Callbacks' heads are small: a larger one is refused (431), and each connection's
            // read buffer stays bounded (hyper's default is ~400 KiB).
            .max_header_size(MAX_HEAD)
            .max_buf_size(MAX_BUFFER)
            .serve_connection(io, service)
    );
    let mut sleep = pin!(tokio::time::sleep(Duration::ZERO));
    let mut draining = false;
    loop {
        tokio::select! {
            outcome = poll_fn(|cx| drive(conn.as_mut(), sleep.as_mut(), &clock, cx)) => {
                match outcome {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => tracing::debug!(%remote, %error, "connection failed"),
                    Err(expired) => tracing::debug!(%remote, reason = expired.as_str(), "connection closed"),
                }
                break;
            }
            _ = stopping.wait_for(|stop| *stop), if !draining => {
                if clock.is_unused() {
                    break;
                }
                // Closes a kept-alive connection between requests (after flushing), else
                // after the response in progress.
                conn.as_mut().graceful_shutdown();
                draining = true;
            }
            () = clock.evicted() => {
                if clock.take_eviction() && clock.is_between_requests() {
                    tracing::debug!(%remote, "idle connection closed to make room for a new one");
                    break;
                }
            }
        }
    }
    drop(registration);
}

/// Polls the connection, then its clock: the deadline of the phase the connection is in after
/// the poll.
fn drive<C: Future>(
    conn: Pin<&mut C>,
    mut sleep: Pin<&mut Sleep>,
    clock: &Clock,
    cx: &mut Context<'_>,
) -> Poll<Result<C::Output, super::conn::Expired>> {
    if let Poll::Ready(output) = conn.poll(cx) {
        return Poll::Ready(Ok(output));
    }
    let Some((deadline, expired)) = clock.deadline() else {
        return Poll::Pending;
    };
    if sleep.deadline() != deadline {
        sleep.as_mut().reset(deadline);
    }
    sleep.poll(cx).map(|()| Err(expired))
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing callbacks in flight");
}
