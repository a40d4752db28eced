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

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::field::{RecordFields, VisitOutput as _};
use tracing_subscriber::fmt::format::{DefaultVisitor, Writer};
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

/// A [`FormatFields`] that writes what `tracing-subscriber`'s `DefaultFields` writes without
/// colours, with the common fields written directly: integers and booleans, and strings
/// that need no escaping (printable ASCII without `"` or `\\`) between quotes. Anything else
/// (messages, errors, `Debug` values, escaped strings, raw `r#` names, `log.` fields) is
/// written by `DefaultFields`' own visitor.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PlainFields;

impl<'writer> FormatFields<'writer> for PlainFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        // A span's fields are written into a new `String`: written piece by piece, it would
        // grow (and reallocate) several times.
        let mut staged = Staged::new(&mut writer);
        let mut visitor = PlainVisitor {
            writer: Writer::new(&mut staged),
            is_empty: true,
            result: Ok(()),
        };
        fields.record(&mut visitor);
        let result = visitor.result;
        result.and_then(|()| staged.finish())
    }
}

/// How many bytes [`Staged`] collects before it passes them on.
const STAGED_BYTES: usize = 256;

/// Collects small writes and passes them on in one piece, at most [`STAGED_BYTES`] at a
/// time.
struct Staged<'w, W: fmt::Write> {
    inner: &'w mut W,
    buffer: [u8; STAGED_BYTES],
    len: usize,
}

impl<'w, W: fmt::Write> Staged<'w, W> {
    fn new(inner: &'w mut W) -> Self {
        Self {
            inner,
            buffer: [0; STAGED_BYTES],
            len: 0,
        }
    }

    /// Passes on what is staged.
    fn finish(&mut self) -> fmt::Result {
        let staged = &self.buffer[..self.len];
        self.len = 0;
        // Whole `str`s went in, so this is UTF-8.
        self.inner
            .write_str(std::str::from_utf8(staged).map_err(|_| fmt::Error)?)
    }
}

impl<W: fmt::Write> fmt::Write for Staged<'_, W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        if self.len + text.len() > STAGED_BYTES {
            self.finish()?;
            if text.len() > STAGED_BYTES {
                return self.inner.write_str(text);
            }
        }
        self.buffer[self.len..self.len + text.len()].copy_from_slice(text.as_bytes());
        self.len += text.len();
        Ok(())
    }
}

struct PlainVisitor<'writer> {
    writer: Writer<'writer>,
    /// Nothing written yet (no space before the next field).
    is_empty: bool,
    result: fmt::Result,
}

impl PlainVisitor<'_> {
    /// Whether `name` is written by this visitor: not the message, not a raw identifier, not
    /// log metadata (which the default format skips).
    fn writes_name(name: &str) -> bool {
        name != "message" && !name.starts_with("r#") && !name.starts_with("log.")
    }

    /// `name=` after a space when something came before.
    fn start(&mut self, name: &str) -> fmt::Result {
        if self.is_empty {
            self.is_empty = false;
        } else {
            self.writer.write_char(' ')?;
        }
        self.writer.write_str(name)?;
        self.writer.write_char('=')
    }

    /// Writes `field=text` (quoted or not) itself when `text` is given and the name is one
    /// it writes; otherwise leaves the field to the default visitor (`record`).
    fn write(
        &mut self,
        field: &Field,
        text: Option<(&str, bool)>,
        record: impl FnOnce(&mut DefaultVisitor<'_>),
    ) {
        if self.result.is_err() {
            return;
        }
        match text {
            Some((text, quoted)) if Self::writes_name(field.name()) => {
                self.result = self.start(field.name()).and_then(|()| {
                    let quote = if quoted { "\"" } else { "" };
                    self.writer.write_str(quote)?;
                    self.writer.write_str(text)?;
                    self.writer.write_str(quote)
                });
            }
            _ => {
                let mut default = DefaultVisitor::new(self.writer.by_ref(), self.is_empty);
                record(&mut default);
                self.result = default.finish();
                // The default visitor writes every field but log metadata.
                if !field.name().starts_with("log.") {
                    self.is_empty = false;
                }
            }
        }
    }
}

impl Visit for PlainVisitor<'_> {
    fn record_u64(&mut self, field: &Field, value: u64) {
        let mut buffer = itoa::Buffer::new();
        let text = buffer.format(value);
        self.write(field, Some((text, false)), |d| d.record_u64(field, value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        let mut buffer = itoa::Buffer::new();
        let text = buffer.format(value);
        self.write(field, Some((text, false)), |d| d.record_i64(field, value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        let text = if value { "true" } else { "false" };
        self.write(field, Some((text, false)), |d| d.record_bool(field, value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        // `Debug` of such a string is the string between quotes.
        let plain = value
            .bytes()
            .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
        self.write(field, plain.then_some((value, true)), |d| {
            d.record_str(field, value);
        });
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.write(field, None, |d| d.record_error(field, value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.write(field, None, |d| d.record_debug(field, value));
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
        written_with(
            || {
                let span = tracing::info_span!("callback", kind = "paid", webshop_id = 7_u64);
                let _entered = span.enter();
                let inner = tracing::info_span!("inbox_job", job = 3_i64);
                let _inner = inner.enter();
                tracing::warn!(status = 200_u16, outcome = "queued", "callback handled");
            },
            format,
        )
    }

    /// The plain format as `init_tracing` installs it.
    fn plain_lines(lines: Lines) -> Box<dyn Subscriber + Send + Sync> {
        Box::new(
            tracing_subscriber::registry().with(
                tracing_subscriber::fmt::layer()
                    .with_writer(lines)
                    .with_ansi(false)
                    .fmt_fields(PlainFields)
                    .event_format(PlainLine),
            ),
        )
    }

    /// The plain line with `tracing-subscriber`'s own field formatting.
    fn plain_lines_with_default_fields(lines: Lines) -> Box<dyn Subscriber + Send + Sync> {
        Box::new(
            tracing_subscriber::registry().with(
                tracing_subscriber::fmt::layer()
                    .with_writer(lines)
                    .with_ansi(false)
                    .event_format(PlainLine),
            ),
        )
    }

    /// What `log` writes through the subscriber `format` makes, the time cut off each line.
    fn written_with(
        log: impl FnOnce(),
        format: impl FnOnce(Lines) -> Box<dyn Subscriber + Send + Sync>,
    ) -> String {
        let lines = Lines::default();
        let subscriber = format(lines.clone());
        tracing::subscriber::with_default(subscriber, log);
        let text = lines.0.lock().map(|l| l.clone()).unwrap_or_default();
        String::from_utf8_lossy(&text).into_owned()
    }

    /// Every kind of field value, in spans and events, with and without escapes.
    fn every_kind_of_field() {
        #[derive(Debug)]
        struct Inner;
        impl fmt::Display for Inner {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("the disk is full")
            }
        }
        impl std::error::Error for Inner {}
        #[derive(Debug)]
        struct Outer(Inner);
        impl fmt::Display for Outer {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("cannot \"store\"")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let span = tracing::info_span!(
            "callback",
            kind = "new_status",
            webshop_id = 7_u64,
            shop = "Café \"Ø\"",
            r#type = "paid",
            empty = "",
            // Longer than what `Staged` holds at once.
            long = "s".repeat(300).as_str()
        );
        let _entered = span.enter();
        tracing::info!(
            count = -3_i64,
            big = u64::MAX,
            on = true,
            ratio = 0.5_f64,
            wide = 1_u128 << 100,
            text = "tab\there",
            path = "C:\\shop",
            quote = "it's \\ \"quoted\"",
            ansi = "\u{1b}[31mred",
            list = ?vec![1, 2],
            shown = %"display",
            long_shown = %"ab".repeat(200),
            "a message with {} and \"quotes\"",
            "args"
        );
        let error: &(dyn std::error::Error + 'static) = &Outer(Inner);
        tracing::error!(error, alone = error as &dyn std::error::Error, "failed");
        tracing::info!("only a message");
        let later = tracing::info_span!("job", id = tracing::field::Empty, attempt = 1_u64);
        later.record("id", 42_u64);
        later.in_scope(|| tracing::warn!(outcome = "retry", "later"));
    }

    #[test]
    fn the_plain_fields_write_what_the_default_fields_write() {
        let plain = written_with(every_kind_of_field, plain_lines);
        let default = written_with(every_kind_of_field, plain_lines_with_default_fields);
        let without_times = |text: &str| -> Vec<String> {
            text.lines()
                .map(|line| {
                    line.split_once('Z')
                        .map_or(line, |(_, rest)| rest)
                        .to_owned()
                })
                .collect()
        };
        assert_eq!(
            without_times(&plain),
            without_times(&default),
            "{plain}\n{default}"
        );
        assert_eq!(plain.lines().count(), 4, "{plain}");
        assert!(
            plain.contains("kind=\"new_status\" webshop_id=7"),
            "{plain}"
        );
        assert!(plain.contains("job{attempt=1 id=42}"), "{plain}");
    }

    #[test]
    fn writes_what_the_default_format_writes_without_colours() {
        let plain = written(plain_lines);
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
