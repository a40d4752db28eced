//! Splits Smarty source (delimiters `<{ }>`) into text and tags, the way Smarty 4's lexer does
//! for the parts that matter here: `<{` followed by whitespace is text (`auto_literal`),
//! `<{* … *}>` is a comment, a tag ends at the first `}>` outside a quoted string, and
//! everything between `<{literal}>` and `<{/literal}>` is text.

/// One piece of the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Segment<'a> {
    /// What it is.
    pub(crate) kind: SegmentKind,
    /// Text: the text; a tag: what is between `<{` and `}>`; a comment: its body.
    pub(crate) text: &'a str,
    /// Byte offset of the segment (of `<{` for tags and comments) in the source.
    pub(crate) start: usize,
    /// Byte offset just past the segment.
    pub(crate) end: usize,
}

/// The kind of a [`Segment`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SegmentKind {
    /// Text, printed as is.
    Text,
    /// The text inside `<{literal}>…<{/literal}>`, printed as is.
    Literal,
    /// A tag, `<{…}>`.
    Tag,
    /// A comment, `<{*…*}>`.
    Comment,
}

/// Source Smarty refuses to compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScanError {
    /// Byte offset of the problem.
    pub(crate) offset: usize,
    /// What is wrong.
    pub(crate) message: String,
}

/// Splits `source` into segments. Stops at the first unterminated tag, comment or literal.
pub(crate) fn scan(source: &str) -> Result<Vec<Segment<'_>>, ScanError> {
    let bytes = source.as_bytes();
    let mut segments = Vec::new();
    let mut text_start = 0;
    let mut i = 0;
    while i + 1 < bytes.len() {
        if !(bytes[i] == b'<' && bytes[i + 1] == b'{') {
            i += 1;
            continue;
        }
        let after = i + 2;
        match bytes.get(after) {
            // auto_literal: `<{ ` is not a tag.
            Some(b' ' | b'\t' | b'\n' | b'\r') | None => {
                i += 2;
                continue;
            }
            _ => {}
        }
        push_text(&mut segments, source, text_start, i, SegmentKind::Text);
        if bytes[after] == b'*' {
            let Some(close) = source[after + 1..].find("*}>") else {
                return Err(ScanError {
                    offset: i,
                    message: "comment `<{*` is never closed with `*}>`".into(),
                });
            };
            let body_end = after + 1 + close;
            segments.push(Segment {
                kind: SegmentKind::Comment,
                text: &source[after + 1..body_end],
                start: i,
                end: body_end + 3,
            });
            i = body_end + 3;
            text_start = i;
            continue;
        }
        let Some(close) = tag_end(source, after) else {
            return Err(ScanError {
                offset: i,
                message: "tag `<{` is never closed with `}>`".into(),
            });
        };
        let inner = &source[after..close];
        segments.push(Segment {
            kind: SegmentKind::Tag,
            text: inner,
            start: i,
            end: close + 2,
        });
        i = close + 2;
        text_start = i;
        if inner.trim() == "literal" {
            let Some(stop) = source[i..].find("<{/literal}>") else {
                return Err(ScanError {
                    offset: segments.last().map_or(0, |s| s.start),
                    message: "`<{literal}>` is never closed with `<{/literal}>`".into(),
                });
            };
            push_text(&mut segments, source, i, i + stop, SegmentKind::Literal);
            let close_start = i + stop;
            segments.push(Segment {
                kind: SegmentKind::Tag,
                text: "/literal",
                start: close_start,
                end: close_start + 12,
            });
            i = close_start + 12;
            text_start = i;
        }
    }
    push_text(
        &mut segments,
        source,
        text_start,
        source.len(),
        SegmentKind::Text,
    );
    Ok(segments)
}

fn push_text<'a>(
    segments: &mut Vec<Segment<'a>>,
    source: &'a str,
    start: usize,
    end: usize,
    kind: SegmentKind,
) {
    if start < end {
        segments.push(Segment {
            kind,
            text: &source[start..end],
            start,
            end,
        });
    }
}

/// The byte offset of the `}>` closing the tag whose body starts at `from`, skipping quoted
/// strings (`'…'`, `"…"`, with backslash escapes).
fn tag_end(source: &str, from: usize) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut i = from;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None => match b {
                b'\'' | b'"' => quote = Some(b),
                b'}' if bytes.get(i + 1) == Some(&b'>') => return Some(i),
                _ => {}
            },
        }
        i += 1;
    }
    None
}

/// The name of a tag: `if`, `/if`, `foreach`, or `$` for an output tag.
pub(crate) fn tag_name(inner: &str) -> &str {
    let inner = inner.trim_start();
    if inner.starts_with(['$', '\'', '"']) || inner.starts_with(|c: char| c.is_ascii_digit()) {
        return "$";
    }
    let end = inner
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_alphanumeric() || c == '_' || (i == 0 && c == '/')))
        .map_or(inner.len(), |(i, _)| i);
    &inner[..end]
}

/// Line and column (1-based, columns in characters) of a byte offset.
pub(crate) fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<(SegmentKind, &str)> {
        scan(source)
            .unwrap()
            .into_iter()
            .map(|s| (s.kind, s.text))
            .collect()
    }

    #[test]
    fn splits_text_tags_comments_and_literals() {
        use SegmentKind::{Comment, Literal, Tag, Text};
        assert_eq!(
            kinds("a<{if $x == '}>'}>b<{* c }> *}><{/if}>"),
            [
                (Text, "a"),
                (Tag, "if $x == '}>'"),
                (Text, "b"),
                (Comment, " c }> "),
                (Tag, "/if")
            ]
        );
        assert_eq!(
            kinds("<{literal}><{$x}><{/literal}><{ $y }>"),
            [
                (Tag, "literal"),
                (Literal, "<{$x}>"),
                (Tag, "/literal"),
                (Text, "<{ $y }>")
            ]
        );
        assert_eq!(
            kinds(r#"<{$x|replace:"\"}>":'x'}>"#),
            [(Tag, r#"$x|replace:"\"}>":'x'"#)]
        );
    }

    #[test]
    fn reports_unterminated_pieces() {
        assert_eq!(scan("ab<{if $x").unwrap_err().offset, 2);
        assert!(scan("<{* x").is_err());
        assert!(scan("<{literal}>x").is_err());
    }

    #[test]
    fn names_tags_and_positions() {
        assert_eq!(tag_name("if $x"), "if");
        assert_eq!(tag_name("/foreach"), "/foreach");
        assert_eq!(tag_name("$x|escape"), "$");
        assert_eq!(tag_name("assign var=x"), "assign");
        assert_eq!(line_column("ab\ncæd", 6), (2, 3));
    }
}
