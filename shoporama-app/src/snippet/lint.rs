//! Checks a snippet's Smarty before it reaches a shop: mistakes there fail silently in a live
//! shop, so they are caught when the manifest is built (`AppManifest::lint`, printed by the
//! CLI).
//!
//! Errors are certain mistakes (unbalanced blocks, `{ }` delimiters on Smarty syntax, unknown
//! settings); warnings are likely ones (a raw `$app_vars` reference, markup not allowed in
//! `<head>`, a page object used on pages that do not set it).

use std::fmt;

use serde::Serialize;

use super::escape::{self, AccessorTag, Form};
use super::page::PAGE_OBJECTS;
use super::smarty::{self, Segment, SegmentKind};
use super::{Page, Placement};
use crate::fields::FieldKind;
use crate::manifest::{ManifestField, ManifestSnippet};

/// How sure the lint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Certainly wrong: the snippet will misbehave in the shop.
    Error,
    /// Probably wrong, or unsafe: check it.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Error => "error",
            Self::Warning => "warning",
        })
    }
}

/// One finding in one snippet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lint {
    /// Error or warning.
    pub severity: Severity,
    /// The snippet's index in the manifest, when linted as part of one.
    pub snippet: Option<usize>,
    /// The snippet's placement.
    pub placement: Placement,
    /// The snippet's pages.
    pub pages: Vec<Page>,
    /// Line in the snippet's code, from 1.
    pub line: usize,
    /// Column (in characters), from 1.
    pub column: usize,
    /// What is wrong, and what to do instead.
    pub message: String,
}

impl Lint {
    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Lint {
    /// `error: snippet #2 (before_body_close on thanks), line 3, column 5: …`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: snippet ", self.severity)?;
        if let Some(index) = self.snippet {
            write!(f, "#{} ", index + 1)?;
        }
        write!(f, "({} on ", self.placement)?;
        for (i, page) in self.pages.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{page}")?;
        }
        write!(
            f,
            "), line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

/// Lints one snippet on its own (without the manifest's fields: unknown settings are not
/// detected; [`AppManifest::lint`](crate::manifest::AppManifest::lint) does that too).
pub fn lint(snippet: &ManifestSnippet) -> Vec<Lint> {
    lint_snippet(snippet, None, None)
}

/// Lints one snippet, knowing its index and the manifest's fields when given.
pub(crate) fn lint_snippet(
    snippet: &ManifestSnippet,
    index: Option<usize>,
    fields: Option<&[ManifestField]>,
) -> Vec<Lint> {
    let mut linter = Linter {
        snippet,
        index,
        findings: Vec::new(),
    };
    match smarty::scan(&snippet.code) {
        Ok(segments) => {
            linter.blocks(&segments);
            linter.delimiters(&segments);
            linter.app_vars(&segments, fields);
            if snippet.placement.is_in_head() {
                linter.head_markup(&segments);
            }
        }
        Err(error) => linter.push(
            Severity::Error,
            error.offset,
            format!("{}; Smarty cannot compile this snippet", error.message),
        ),
    }
    linter
        .findings
        .sort_by_key(|l| (l.line, l.column, l.severity));
    linter.findings
}

struct Linter<'a> {
    snippet: &'a ManifestSnippet,
    index: Option<usize>,
    findings: Vec<Lint>,
}

/// Tags that open a block closed by `<{/name}>`.
const BLOCKS: &[&str] = &[
    "if",
    "foreach",
    "section",
    "capture",
    "strip",
    "literal",
    "t",
    "cache",
    "block",
    "function",
    "nocache",
    "while",
    "for",
    "setfilter",
    "textformat",
];

/// Tags valid only directly inside a block: (tag, block).
const MIDDLES: &[(&str, &str)] = &[
    ("else", "if"),
    ("elseif", "if"),
    ("foreachelse", "foreach"),
    ("sectionelse", "section"),
    ("forelse", "for"),
];

/// An open block.
struct Open<'s> {
    name: &'s str,
    inner: &'s str,
    offset: usize,
}

impl Linter<'_> {
    fn push(&mut self, severity: Severity, offset: usize, message: String) {
        let (line, column) = smarty::line_column(&self.snippet.code, offset);
        self.findings.push(Lint {
            severity,
            snippet: self.index,
            placement: self.snippet.placement,
            pages: self.snippet.pages.clone(),
            line,
            column,
            message,
        });
    }

    fn position(&self, offset: usize) -> String {
        let (line, column) = smarty::line_column(&self.snippet.code, offset);
        format!("line {line}, column {column}")
    }

    /// Balanced blocks, middle tags inside their block, section indexes inside their section,
    /// page objects on pages that set them.
    fn blocks(&mut self, segments: &[Segment<'_>]) {
        let mut stack: Vec<Open<'_>> = Vec::new();
        for segment in segments.iter().filter(|s| s.kind == SegmentKind::Tag) {
            let name = smarty::tag_name(segment.text);
            if let Some(closed) = name.strip_prefix('/') {
                match stack.last() {
                    Some(open) if open.name == closed => {
                        stack.pop();
                    }
                    Some(open) => {
                        let message = format!(
                            "`<{{/{closed}}}>` closes `<{{{}}}>` opened at {}: blocks must nest",
                            open.name,
                            self.position(open.offset)
                        );
                        self.push(Severity::Error, segment.start, message);
                        // Recover: drop to the matching block if there is one.
                        if let Some(depth) = stack.iter().rposition(|o| o.name == closed) {
                            stack.truncate(depth);
                        }
                    }
                    None => self.push(
                        Severity::Error,
                        segment.start,
                        format!("`<{{/{closed}}}>` closes a block that was never opened"),
                    ),
                }
                continue;
            }
            if let Some((_, block)) = MIDDLES.iter().find(|(middle, _)| *middle == name) {
                if stack.last().is_none_or(|open| open.name != *block) {
                    self.push(
                        Severity::Error,
                        segment.start,
                        format!("`<{{{name}}}>` outside an `<{{{block}}}>` block"),
                    );
                }
                continue;
            }
            self.section_indexes(segment, &stack);
            self.page_objects(segment, &stack);
            if BLOCKS.contains(&name) {
                stack.push(Open {
                    name,
                    inner: segment.text,
                    offset: segment.start,
                });
            }
        }
        for open in stack {
            self.push(
                Severity::Error,
                open.offset,
                format!(
                    "`<{{{}}}>` is never closed: add `<{{/{}}}>`",
                    open.name, open.name
                ),
            );
        }
    }

    /// `$x[name]` reads section `name`'s current element: it must be inside that section.
    fn section_indexes(&mut self, segment: &Segment<'_>, stack: &[Open<'_>]) {
        for (offset, index) in bare_indexes(segment.text) {
            let open = stack.iter().any(|o| {
                o.name == "section" && attribute(o.inner, "name").as_deref() == Some(index)
            });
            if !open {
                let message = format!(
                    "`[{index}]` reads the current element of section `{index}`, but no `<{{section name=\"{index}\"}}>` is open here; \
                     keep `line`/`item` references between the loop's `begin()` and `end()`"
                );
                self.push(Severity::Error, segment.start + 2 + offset, message);
            }
        }
    }

    /// `$order`, `$product` and `$basket` are only set on some pages.
    fn page_objects(&mut self, segment: &Segment<'_>, stack: &[Open<'_>]) {
        for object in PAGE_OBJECTS {
            if !mentions_variable(segment.text, object.variable) {
                continue;
            }
            let guard = format!("isset({})", object.variable);
            if segment.text.contains(&guard)
                || stack
                    .iter()
                    .any(|o| o.name == "if" && o.inner.contains(&guard))
            {
                continue;
            }
            let elsewhere: Vec<String> = self
                .snippet
                .pages
                .iter()
                .filter(|p| !object.pages.contains(p))
                .map(|p| p.form_label().to_owned())
                .collect();
            if !elsewhere.is_empty() {
                let known: Vec<&str> = object.pages.iter().map(|p| p.form_label()).collect();
                let message = format!(
                    "`{}` is only known to be set on {}, but this snippet also runs on {}; guard it with `{{{{ {}.if_present() }}}}`",
                    object.variable,
                    known.join(", "),
                    elsewhere.join(", "),
                    &object.variable[1..],
                );
                self.push(Severity::Warning, segment.start, message);
            }
        }
    }

    /// Smarty syntax written with `{ }` instead of `<{ }>`, and `<{ ` (`auto_literal`).
    fn delimiters(&mut self, segments: &[Segment<'_>]) {
        for segment in segments.iter().filter(|s| s.kind == SegmentKind::Text) {
            let text = segment.text;
            for (offset, _) in text.match_indices('{') {
                if offset > 0 && text.as_bytes()[offset - 1] == b'<' {
                    let message = "`<{` followed by whitespace is not a Smarty tag (auto_literal): it is printed as is; remove the space"
                        .to_owned();
                    self.push(Severity::Warning, segment.start + offset - 1, message);
                    continue;
                }
                if let Some((severity, what)) = brace_smarty(&text[offset..]) {
                    let message = format!(
                        "`{what}` looks like Smarty written with `{{ }}`: Shoporama's delimiters are `<{{ }}>`, so this is printed as text"
                    );
                    self.push(severity, segment.start + offset, message);
                }
            }
        }
    }

    /// `$app_vars` references: known fields, printed by the accessors.
    fn app_vars(&mut self, segments: &[Segment<'_>], fields: Option<&[ManifestField]>) {
        for segment in segments.iter().filter(|s| s.kind == SegmentKind::Tag) {
            let references = app_var_references(segment.text);
            for reference in &references {
                let offset = segment.start + 2 + reference.offset;
                let Some(name) = reference.name else {
                    let message = "`$app_vars` read without a field name (`$app_vars.<name>`); use the typed accessors".to_owned();
                    self.push(Severity::Warning, offset, message);
                    continue;
                };
                let field =
                    fields.map(|fields| fields.iter().find(|f| f.name == name).ok_or(fields));
                if let Some(Err(fields)) = field {
                    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                    let valid = if names.is_empty() {
                        "the app has no fields".to_owned()
                    } else {
                        format!("the fields are: {}", names.join(", "))
                    };
                    self.push(
                        Severity::Error,
                        offset,
                        format!("`$app_vars.{name}` is not a field of this app; {valid}"),
                    );
                    continue;
                }
                // The accessors read a setting with its default (`|default:'…'`); a boolean's
                // default `true` tests it twice (`!isset(…) || …`).
                let subject = match field {
                    Some(Ok(field)) => escape::setting_subject(name, &field.default),
                    _ => format!("$app_vars.{name}"),
                };
                let one_setting = references.iter().all(|r| r.name == Some(name));
                let recognised = if one_setting {
                    escape::recognise(segment.text, &subject)
                        .or_else(|| escape::recognise(segment.text, &format!("$app_vars.{name}")))
                } else {
                    None
                };
                match (recognised, field) {
                    (None, _) => {
                        let message = format!(
                            "raw `$app_vars.{name}` bypasses the typed accessors' context escaping; write `{{{{ app.{name} }}}}` \
                             (or `.js()`, `.attr()`, `.url()`, `.css()`) in the snippet template"
                        );
                        self.push(Severity::Warning, offset, message);
                    }
                    (Some(AccessorTag::Output(Form::Raw)), Some(Ok(field)))
                        if !matches!(field.kind, FieldKind::Code | FieldKind::RichText) =>
                    {
                        let message = format!(
                            "the {} field `{name}` is printed unescaped; only code and richtext fields are raw by design",
                            field.kind
                        );
                        self.push(Severity::Warning, offset, message);
                    }
                    _ => {}
                }
            }
        }
    }

    /// In `<head>` only script, style, link, meta, title, base, noscript and template are
    /// allowed: anything else ends the head early and moves the rest of it into the body.
    fn head_markup(&mut self, segments: &[Segment<'_>]) {
        let code = &self.snippet.code;
        // Smarty tags and comments become spaces of the same length, so offsets still match.
        let mut masked = String::with_capacity(code.len());
        for segment in segments {
            match segment.kind {
                SegmentKind::Text | SegmentKind::Literal => masked.push_str(segment.text),
                SegmentKind::Tag | SegmentKind::Comment => {
                    masked.extend(std::iter::repeat_n(' ', segment.end - segment.start));
                }
            }
        }
        let bytes = masked.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let rest = &masked[i..];
            if rest.starts_with("<!--") {
                i += rest.find("-->").map_or(rest.len(), |end| end + 3);
            } else if rest.starts_with('<')
                && rest[1..].starts_with(|c: char| c.is_ascii_alphabetic())
            {
                let name: String = rest[1..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                let name = name.to_ascii_lowercase();
                if !HEAD_ELEMENTS.contains(&name.as_str()) {
                    let message = format!(
                        "`<{name}>` is not allowed in <head> ({}): the browser closes the head there and moves the rest into the \
                         body; in the head use only script, style, link, meta, title, base, noscript and template",
                        self.snippet.placement.form_label()
                    );
                    self.push(Severity::Warning, i, message);
                    // The head ends here: what follows is body content.
                    return;
                }
                i += element_end(rest).unwrap_or(rest.len());
                if RAW_TEXT_ELEMENTS.contains(&name.as_str()) {
                    let rest = &masked[i..];
                    let close = format!("</{name}");
                    i += rest.to_ascii_lowercase().find(&close).unwrap_or(rest.len());
                }
            } else if rest.starts_with('<') {
                i += rest.find('>').map_or(rest.len(), |end| end + 1);
            } else {
                let c = rest.chars().next().unwrap_or(' ');
                if !c.is_whitespace() {
                    let message = "text in <head> ends the head early and moves the rest into the body; wrap it in an element \
                                   allowed in the head (e.g. <script> or <style>)"
                        .to_owned();
                    self.push(Severity::Warning, i, message);
                    return;
                }
                i += c.len_utf8();
            }
        }
    }
}

/// Elements allowed in `<head>`.
const HEAD_ELEMENTS: &[&str] = &[
    "script", "style", "link", "meta", "title", "base", "noscript", "template",
];
/// Elements whose content is not markup.
const RAW_TEXT_ELEMENTS: &[&str] = &[
    "script", "style", "title", "noscript", "template", "textarea",
];

/// The byte length of a start tag `<name …>`, quotes respected.
fn element_end(rest: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in rest.char_indices() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
        } else if matches!(c, '"' | '\'') {
            quote = Some(c);
        } else if c == '>' {
            return Some(i + 1);
        }
    }
    None
}

/// Whether `text` (starting with `{`) is Smarty syntax in braces: `Error` when certain.
fn brace_smarty(text: &str) -> Option<(Severity, String)> {
    let body = &text[1..];
    let close = body.find('}');
    let shown = |end: usize| {
        text[..=end.min(text.len() - 1)]
            .chars()
            .take(40)
            .collect::<String>()
    };
    let whole = close.map(|c| shown(c + 1));
    let word: String = body
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '/')
        .collect();
    if body.starts_with("$app_vars") {
        return Some((Severity::Error, whole.unwrap_or_else(|| shown(9))));
    }
    if let Some(name) = word.strip_prefix('/') {
        let closing = matches!(
            name,
            "if" | "foreach" | "section" | "capture" | "strip" | "literal" | "t" | "cache"
        );
        if closing && body[word.len()..].starts_with('}') {
            return Some((Severity::Error, format!("{{{word}}}")));
        }
        return None;
    }
    if matches!(
        word.as_str(),
        "else" | "foreachelse" | "sectionelse" | "literal" | "strip"
    ) && body[word.len()..].starts_with('}')
    {
        return Some((Severity::Error, format!("{{{word}}}")));
    }
    let after = &body[word.len()..];
    if matches!(
        word.as_str(),
        "if" | "elseif" | "foreach" | "section" | "assign" | "include" | "capture"
    ) && after.starts_with(' ')
    {
        let rest = after.trim_start();
        let certain = rest.starts_with('$')
            || rest.starts_with("!$")
            || rest.starts_with("isset(")
            || ["name=", "from=", "var=", "file=", "loop="]
                .iter()
                .any(|a| rest.starts_with(a));
        let severity = if certain {
            Severity::Error
        } else {
            Severity::Warning
        };
        return Some((severity, whole.unwrap_or_else(|| shown(word.len() + 1))));
    }
    // `{$name}`, `{$name.key}`, `{$name->get()}`, `{$name|mod}`: a Smarty variable.
    if let Some(var) = body.strip_prefix('$')
        && var.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
    {
        let end = var.find(|c: char| {
            !(c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    '_' | '.' | '-' | '>' | '(' | ')' | '|' | ':' | '"' | '\''
                ))
        });
        if end.is_some_and(|e| var[e..].starts_with('}')) {
            return Some((Severity::Warning, whole.unwrap_or_default()));
        }
    }
    None
}

/// `[name]` indexes (bare section names) in a tag, outside quoted strings: (offset, name).
fn bare_indexes(inner: &str) -> Vec<(usize, &str)> {
    let mut found = Vec::new();
    for (offset, part) in unquoted_parts(inner) {
        for (i, _) in part.match_indices('[') {
            let rest = &part[i + 1..];
            let Some(end) = rest.find(']') else { continue };
            let index = &rest[..end];
            if index.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && index.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !matches!(index, "true" | "false" | "null")
            {
                found.push((offset + i + 1, index));
            }
        }
    }
    found
}

/// The parts of a tag outside quoted strings, with their offsets.
fn unquoted_parts(inner: &str) -> Vec<(usize, &str)> {
    let mut parts = Vec::new();
    let bytes = inner.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if matches!(bytes[i], b'\'' | b'"') {
            parts.push((start, &inner[start..i]));
            let quote = bytes[i];
            i += 1;
            while i < bytes.len() && bytes[i] != quote {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            start = (i + 1).min(bytes.len());
        }
        i += 1;
    }
    if start < inner.len() {
        parts.push((start, &inner[start..]));
    }
    parts
}

/// Whether the tag reads `variable` (`$order` but not `$orders`), outside quoted strings.
fn mentions_variable(inner: &str, variable: &str) -> bool {
    unquoted_parts(inner).iter().any(|(_, part)| {
        part.match_indices(variable).any(|(i, _)| {
            !part[i + variable.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        })
    })
}

/// One `$app_vars` reference in a tag.
struct AppVarReference<'a> {
    offset: usize,
    name: Option<&'a str>,
}

/// The `$app_vars` references of a tag, outside quoted strings.
fn app_var_references(inner: &str) -> Vec<AppVarReference<'_>> {
    const VAR: &str = "$app_vars";
    let mut found = Vec::new();
    for (start, part) in unquoted_parts(inner) {
        for (i, _) in part.match_indices(VAR) {
            let rest = &part[i + VAR.len()..];
            if rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            let name = rest.strip_prefix('.').map(|r| {
                let end = r
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(r.len());
                &r[..end]
            });
            found.push(AppVarReference {
                offset: start + i,
                name: name.filter(|n| !n.is_empty()),
            });
        }
    }
    found
}

/// The value of `key=…` in a tag (`name="x"`, `name='x'` or `name=x`).
fn attribute(inner: &str, key: &str) -> Option<String> {
    let pattern = format!("{key}=");
    let start = inner.find(&pattern)? + pattern.len();
    let rest = &inner[start..];
    let value = if let Some(quoted) = rest.strip_prefix(['"', '\'']) {
        let quote = rest.chars().next()?;
        &quoted[..quoted.find(quote)?]
    } else {
        &rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())]
    };
    Some(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_bare_indexes_outside_strings() {
        assert_eq!(bare_indexes("$a[i]->x() == '[j]'"), [(3, "i")]);
        assert!(bare_indexes("in_array($x, ['1', 'on'], true)").is_empty());
        assert!(bare_indexes("$a[0]").is_empty());
    }

    #[test]
    fn reads_attributes() {
        assert_eq!(
            attribute(r#"section name="app_line" loop=$x"#, "name").as_deref(),
            Some("app_line")
        );
        assert_eq!(
            attribute("section name=i loop=$x", "name").as_deref(),
            Some("i")
        );
        assert_eq!(attribute("section loop=$x", "name"), None);
    }

    #[test]
    fn finds_app_var_references() {
        let refs = app_var_references("$app_vars.a|cat:$app_vars|cat:'$app_vars.c'|cat:$app_varsx");
        let names: Vec<_> = refs.iter().map(|r| r.name).collect();
        assert_eq!(names, [Some("a"), None]);
    }

    #[test]
    fn recognises_brace_smarty() {
        assert_eq!(
            brace_smarty("{$app_vars.x}").map(|f| f.0),
            Some(Severity::Error)
        );
        assert_eq!(brace_smarty("{/if}").map(|f| f.0), Some(Severity::Error));
        assert_eq!(brace_smarty("{if $x}").map(|f| f.0), Some(Severity::Error));
        assert_eq!(
            brace_smarty("{if (a) {").map(|f| f.0),
            Some(Severity::Warning)
        );
        assert_eq!(
            brace_smarty("{$order->getOrderId()}").map(|f| f.0),
            Some(Severity::Warning)
        );
        for js in [
            "{$('.x').hide()}",
            "{$.ajax(u)}",
            "{ a: 1 }",
            "{return x}",
            "{/regex/.test(s)}",
            "{else if",
        ] {
            assert_eq!(brace_smarty(js), None, "{js}");
        }
    }
}
