//! Serving the router on a TCP listener, with graceful shutdown on Ctrl-C and SIGTERM.

use std::net::SocketAddr;

use tokio::net::TcpListener;

use super::AppRuntime;
use crate::app::ShoporamaApp;

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
pub async fn serve_on<A: ShoporamaApp>(
    runtime: AppRuntime<A>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let local = listener.local_addr()?;
    tracing::info!(address = %local, callback = %runtime.config().callback_path, "serving Shoporama callbacks");
    let router = runtime.router();
    // The inbox's workers run while the server does; at shutdown, after the last request was
    // answered, they stop claiming and finish or release their jobs.
    runtime.start_inbox_workers();
    let served = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    runtime.shutdown_inbox().await;
    served
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
