//! The text format of log lines written to a file or a pipe: the same line as
//! `tracing-subscriber`'s default format without colours, written straight to the buffer.
//!
//! The default format styles every part of a line (`nu-ansi-term` wrappers around the time,
//! the level and each span name) even when colours are off, which at one line per callback
//! is a measurable share of a callback's cost. On a terminal the default, coloured format is
//! used as before.
//!
//! ```text
//! 2026-12-06T12:09:35.414304Z  INFO callback{kind="paid" webshop_id=7}: callback handled status=200
//! ```

use std::fmt;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime as _;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

use super::log_clock::SecondCachedUtc;

/// A [`FormatEvent`] for plain text lines: time, level, the spans from the root with their
/// fields, then the event's message and fields.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PlainLine;

impl<S, N> FormatEvent<S, N> for PlainLine
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        SecondCachedUtc.format_time(&mut writer)?;
        writer.write_str(level(*event.metadata().level()))?;
        if let Some(scope) = ctx.event_scope() {
            let mut spans = 0_usize;
            for span in scope.from_root() {
                writer.write_str(span.name())?;
                let extensions = span.extensions();
                if let Some(fields) = extensions.get::<FormattedFields<N>>()
                    && !fields.is_empty()
                {
                    write!(writer, "{{{fields}}}")?;
                }
                writer.write_char(':')?;
                spans += 1;
            }
            if spans > 0 {
                writer.write_char(' ')?;
            }
        }
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// The level as the default format writes it: right-aligned in five columns, a space either
/// side.
fn level(level: Level) -> &'static str {
    match level {
        Level::TRACE => " TRACE ",
        Level::DEBUG => " DEBUG ",
        Level::INFO => "  INFO ",
        Level::WARN => "  WARN ",
        Level::ERROR => " ERROR ",
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::fmt::MakeWriter;
    use tracing_subscriber::layer::SubscriberExt as _;

    use super::*;

    /// Collects what is written.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut lines) = self.0.lock() {
                lines.extend_from_slice(buf);
            }
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Lines {
        type Writer = Lines;

        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    fn written(format: impl FnOnce(Lines) -> Box<dyn Subscriber + Send + Sync>) -> String {
        let lines = Lines::default();
        let subscriber = format(lines.clone());
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("callback", kind = "paid", webshop_id = 7_u64);
            let _entered = span.enter();
            let inner = tracing::info_span!("inbox_job", job = 3_i64);
            let _inner = inner.enter();
            tracing::warn!(status = 200_u16, outcome = "queued", "callback handled");
        });
        let text = lines.0.lock().map(|l| l.clone()).unwrap_or_default();
        String::from_utf8_lossy(&text).into_owned()
    }

    #[test]
    fn writes_what_the_default_format_writes_without_colours() {
        let plain = written(|lines| {
            Box::new(
                tracing_subscriber::registry().with(
                    tracing_subscriber::fmt::layer()
                        .with_writer(lines)
                        .with_ansi(false)
                        .event_format(PlainLine),
                ),
            )
        });
        let default = written(|lines| {
            Box::new(
                tracing_subscriber::registry().with(
                    tracing_subscriber::fmt::layer()
                        .with_writer(lines)
                        .with_ansi(false)
                        .with_target(false)
                        .with_timer(SecondCachedUtc),
                ),
            )
        });
        // The same but for the time.
        let after_time = |line: &str| line.split_once('Z').map(|(_, rest)| rest.to_owned());
        assert_eq!(
            after_time(&plain),
            after_time(&default),
            "{plain}\n{default}"
        );
        assert!(
            plain.ends_with(
                "  WARN callback{kind=\"paid\" webshop_id=7}:inbox_job{job=3}: callback handled status=200 outcome=\"queued\"\n"
            ),
            "{plain}"
        );
    }
}
