//! Where an app's logs go: `tracing` events to stderr, buffered.
//!
//! Writing a line to stderr is a system call, and at tens of thousands of callbacks a second
//! one call per line costs more than formatting it. So info and debug lines go into a buffer
//! that is written when it is full and at least every [`FLUSH_EVERY`] (by a small thread that
//! sleeps in between), and when the process ends normally ([`LogGuard`]). Warnings and errors
//! are written at once, with whatever was buffered before them, so the lines that say why a
//! process is in trouble are never the ones held back. Lines still buffered when the process
//! is killed (`kill -9`) are lost: at most the last [`FLUSH_EVERY`] of info lines.

use std::io::{self, BufWriter, IsTerminal as _, Stderr, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tracing::{Level, Metadata};
use tracing_subscriber::fmt::MakeWriter;

/// The longest an info line waits in the buffer.
const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// The buffer's size: written out when a line no longer fits.
const BUFFER_BYTES: usize = 64 * 1024;

/// Keeps the buffer of [`init_tracing`] written: dropping it writes what is buffered and
/// stops the flushing thread. Hold it until the process is done logging.
#[must_use = "dropping the guard stops the periodic writing of buffered log lines"]
#[derive(Debug)]
pub struct LogGuard {
    stderr: Option<BufferedStderr>,
    stop: Arc<AtomicBool>,
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(stderr) = &self.stderr {
            stderr.flush();
        }
    }
}

/// Installs a `tracing` subscriber, once: the level from `RUST_LOG` (default `info`: one line
/// per callback), written to stderr as text, with colours only when stderr is a terminal,
/// or as one JSON object per line with `SHOPORAMA_LOG_FORMAT=json`. Info and debug lines are
/// buffered (see the module docs). A second call installs nothing and returns a guard that
/// holds nothing.
pub fn init_tracing() -> LogGuard {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;

    // `RUST_LOG`'s directives when it is set (and valid); otherwise the plain level, which
    // costs nothing per span (an `EnvFilter` tracks every span for its directives).
    let (directives, level) = match tracing_subscriber::EnvFilter::try_from_default_env() {
        Ok(filter) => (Some(filter), None),
        Err(_) => (None, Some(tracing_subscriber::filter::LevelFilter::INFO)),
    };
    let format = std::env::var("SHOPORAMA_LOG_FORMAT").unwrap_or_default();
    let format = format.trim().to_ascii_lowercase();
    let stderr = BufferedStderr::default();
    let lines = tracing_subscriber::fmt::layer()
        .with_target(false)
        .with_timer(super::log_clock::SecondCachedUtc)
        .with_writer(stderr.clone());
    let lines = if format == "json" {
        lines
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .boxed()
    } else if io::stderr().is_terminal() {
        lines.with_ansi(true).boxed()
    } else {
        lines
            .with_ansi(false)
            .fmt_fields(super::log_format::PlainFields)
            .event_format(super::log_format::PlainLine)
            .boxed()
    };
    let installed = tracing_subscriber::registry()
        .with(directives)
        .with(level)
        .with(lines)
        .try_init();
    if installed.is_ok() && !matches!(format.as_str(), "" | "text" | "json") {
        tracing::warn!(
            value = format,
            "SHOPORAMA_LOG_FORMAT is neither `text` nor `json`: logging text"
        );
    }
    let stop = Arc::new(AtomicBool::new(false));
    if installed.is_err() {
        return LogGuard { stderr: None, stop };
    }
    let (flushed, stopped) = (stderr.clone(), Arc::clone(&stop));
    let spawned = std::thread::Builder::new()
        .name("shoporama-log".to_owned())
        .spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                std::thread::sleep(FLUSH_EVERY);
                flushed.flush();
            }
        });
    if spawned.is_err() {
        // No thread to flush on a timer: write every line at once instead.
        stderr.unbuffer();
    }
    LogGuard {
        stderr: Some(stderr),
        stop,
    }
}

/// Stderr behind a buffer, shared by the subscriber, the flushing thread and the guard.
#[derive(Debug, Clone)]
struct BufferedStderr {
    shared: Arc<Mutex<Buffer>>,
}

#[derive(Debug)]
struct Buffer {
    writer: BufWriter<Stderr>,
    /// Every line is written at once (no flushing thread).
    unbuffered: bool,
}

impl Default for BufferedStderr {
    fn default() -> Self {
        let writer = BufWriter::with_capacity(BUFFER_BYTES, io::stderr());
        Self {
            shared: Arc::new(Mutex::new(Buffer {
                writer,
                unbuffered: false,
            })),
        }
    }
}

impl BufferedStderr {
    fn lock(&self) -> MutexGuard<'_, Buffer> {
        // A thread that panicked while writing leaves at worst a partial line behind.
        self.shared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn flush(&self) {
        let _ = self.lock().writer.flush();
    }

    fn unbuffer(&self) {
        let mut buffer = self.lock();
        buffer.unbuffered = true;
        let _ = buffer.writer.flush();
    }
}

/// One formatted line on its way into the buffer (the subscriber writes each line with one
/// `write_all`); `flush_after` for warnings and errors.
struct LineWriter<'a> {
    buffer: MutexGuard<'a, Buffer>,
    flush_after: bool,
}

impl Write for LineWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.writer.write(bytes)
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.buffer.writer.write_all(bytes)?;
        if self.flush_after || self.buffer.unbuffered {
            self.buffer.writer.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.buffer.writer.flush()
    }
}

impl BufferedStderr {
    /// A writer for one line, written through at once when `flush_after`.
    fn line(&self, flush_after: bool) -> LineWriter<'_> {
        LineWriter {
            buffer: self.lock(),
            flush_after,
        }
    }
}

impl<'a> MakeWriter<'a> for BufferedStderr {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        self.line(true)
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Self::Writer {
        self.line(*meta.level() <= Level::WARN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_and_errors_are_written_at_once_and_info_waits() {
        let stderr = BufferedStderr::default();
        let mut line = stderr.line(false);
        line.write_all(b"info line\n").expect("buffered");
        assert_eq!(line.buffer.writer.buffer(), b"info line\n");
        drop(line);
        let mut line = stderr.line(true);
        line.write_all(b"warning line\n").expect("written");
        assert!(
            line.buffer.writer.buffer().is_empty(),
            "written with what waited"
        );
        drop(line);
        stderr.unbuffer();
        let mut line = stderr.line(false);
        line.write_all(b"info line, unbuffered\n").expect("written");
        assert!(line.buffer.writer.buffer().is_empty());
    }
}
