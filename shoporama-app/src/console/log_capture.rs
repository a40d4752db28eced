//! The log lines of one console request, for its page, without taking them from the
//! server's log.
//!
//! A callback fired from the console runs with a subscriber of its own ([`Tee`]): every
//! event at debug level and up is written as a line for the page, and everything (spans and
//! events) is handed on to the subscriber the request ran under, which writes the server's
//! log as it would for a callback from Shoporama.

use std::fmt::{self, Write as _};
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use tracing::field::{Field, Visit};
use tracing::instrument::WithSubscriber as _;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Dispatch, Event, Level, Metadata, Subscriber};

/// Runs `future` and returns, with its output, the log lines (debug and up) it wrote; the
/// same events still reach the current subscriber (the server's log) as usual.
pub(super) async fn with_logs<F: Future>(future: F) -> (F::Output, Vec<String>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let tee = Tee {
        outer: tracing::dispatcher::get_default(Dispatch::clone),
        lines: Arc::clone(&lines),
    };
    let output = future.with_subscriber(tee).await;
    let lines = std::mem::take(&mut *lines.lock().unwrap_or_else(PoisonError::into_inner));
    (output, lines)
}

/// A subscriber that records events as lines and hands everything on to `outer`; spans are
/// created only where `outer` creates them.
struct Tee {
    outer: Dispatch,
    lines: Arc<Mutex<Vec<String>>>,
}

/// The most verbose level written for the page.
const CAPTURED: Level = Level::DEBUG;

impl Subscriber for Tee {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        // Let `outer` see the callsite, and decide per event (`enabled`): this subscriber
        // lives for one request, its answer must not stick to the callsite.
        let _ = self.outer.register_callsite(metadata);
        Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        // Spans as `outer` has them (the page's lines carry no span context): a span `outer`
        // would not create is not created for it either.
        if metadata.is_span() {
            return self.outer.enabled(metadata);
        }
        *metadata.level() <= CAPTURED || self.outer.enabled(metadata)
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        self.outer.new_span(span)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        self.outer.record(span, values);
    }

    fn record_follows_from(&self, span: &Id, follows: &Id) {
        self.outer.record_follows_from(span, follows);
    }

    fn event(&self, event: &Event<'_>) {
        let metadata = event.metadata();
        if self.outer.enabled(metadata) {
            self.outer.event(event);
        }
        if *metadata.level() <= CAPTURED {
            let mut line = Line::new(*metadata.level());
            event.record(&mut line);
            self.lines
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(line.finish());
        }
    }

    fn enter(&self, span: &Id) {
        self.outer.enter(span);
    }

    fn exit(&self, span: &Id) {
        self.outer.exit(span);
    }

    fn clone_span(&self, id: &Id) -> Id {
        self.outer.clone_span(id)
    }

    fn try_close(&self, id: Id) -> bool {
        self.outer.try_close(id)
    }

    fn current_span(&self) -> tracing_core::span::Current {
        self.outer.current_span()
    }
}

/// One captured line: `LEVEL message field=value …`.
struct Line {
    message: String,
    fields: String,
    level: Level,
}

impl Line {
    fn new(level: Level) -> Self {
        Self {
            message: String::new(),
            fields: String::new(),
            level,
        }
    }

    fn finish(self) -> String {
        let mut line = format!("{:>5} {}", self.level, self.message);
        if !self.fields.is_empty() {
            if !self.message.is_empty() {
                line.push(' ');
            }
            line.push_str(&self.fields);
        }
        line
    }
}

impl Visit for Line {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.record_debug(field, &value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            if !self.fields.is_empty() {
                self.fields.push(' ');
            }
            let _ = write!(self.fields, "{}={value:?}", field.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A subscriber writing into a buffer, standing in for the server's log.
    fn server_log() -> (Dispatch, Arc<Mutex<Vec<u8>>>) {
        #[derive(Clone)]
        struct Buffer(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Buffer {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let written = Arc::new(Mutex::new(Vec::new()));
        let writer = Buffer(Arc::clone(&written));
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(Level::INFO)
            .with_ansi(false)
            .without_time()
            .with_writer(move || writer.clone())
            .finish();
        (Dispatch::new(subscriber), written)
    }

    #[tokio::test]
    async fn lines_reach_the_page_and_the_server_log() {
        let (outer, written) = server_log();
        let _default = tracing::dispatcher::set_default(&outer);
        let ((), lines) = with_logs(async {
            let span = tracing::info_span!("callback", kind = "paid");
            let _entered = span.enter();
            let detail = tracing::debug_span!("detail");
            let _detail = detail.enter();
            tracing::info!(order = 7, "recording the conversion");
            tracing::debug!("only for the page");
            tracing::trace!("for neither");
        })
        .await;
        assert_eq!(
            lines,
            vec![
                " INFO recording the conversion order=7".to_owned(),
                "DEBUG only for the page".to_owned(),
            ]
        );
        let log = String::from_utf8(written.lock().unwrap().clone()).unwrap();
        assert!(
            log.contains("callback{kind=\"paid\"}: ")
                && log.contains("recording the conversion order=7")
                && !log.contains("detail"),
            "the server's log keeps the line, in its span and not in the debug span it does not log: {log}"
        );
        assert!(!log.contains("only for the page"), "{log}");
        assert!(!log.contains("for neither"), "{log}");
    }
}
