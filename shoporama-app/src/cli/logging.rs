//! Where an app's logs go: `tracing` events to stderr, written by a thread of their own.
//!
//! Writing a line to stderr is a system call, and at tens of thousands of callbacks a second
//! one call per line costs the request threads more than the rest of the logging. So the
//! request threads only format their lines and hand them over; a logging thread writes
//! whatever has piled up with one call. Nothing is dropped: when the thread falls behind by
//! 16,384 lines, callers wait for it. Lines still queued when the process is killed
//! (`kill -9`) are lost; on a normal exit [`LogGuard`] writes them first.

use std::io::IsTerminal as _;

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};

/// Lines queued for the logging thread before callers wait for it.
const BUFFERED_LINES: usize = 16_384;

/// Keeps the logging thread of [`init_tracing`]; dropping it writes every queued line
/// and stops the thread. Hold it until the process is done logging.
#[must_use = "dropping the guard stops writing log lines"]
#[derive(Debug)]
pub struct LogGuard {
    _worker: Option<WorkerGuard>,
}

/// Installs a `tracing` subscriber, once: the level from `RUST_LOG` (default `info`: one line
/// per callback), written to stderr as text, with colours only when stderr is a terminal,
/// or as one JSON object per line with `SHOPORAMA_LOG_FORMAT=json`. Lines are written by a
/// thread of their own, in batches (see the module docs). A second call installs nothing and
/// returns a guard that holds nothing.
pub fn init_tracing() -> LogGuard {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let format = std::env::var("SHOPORAMA_LOG_FORMAT").unwrap_or_default();
    let (writer, worker) = NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(BUFFERED_LINES)
        .thread_name("shoporama-log")
        .finish(std::io::BufWriter::new(std::io::stderr()));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(writer);
    let installed = match format.trim().to_ascii_lowercase().as_str() {
        "json" => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        other => {
            let installed = builder
                .with_ansi(std::io::stderr().is_terminal())
                .try_init();
            if !matches!(other, "" | "text") {
                tracing::warn!(
                    value = other,
                    "SHOPORAMA_LOG_FORMAT is neither `text` nor `json`: logging text"
                );
            }
            installed
        }
    };
    LogGuard {
        _worker: installed.is_ok().then_some(worker),
    }
}
