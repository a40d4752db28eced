//! The exact Smarty forms the accessors emit.
//!
//! One source of truth: the accessors ([`super::vars`], [`super::page`]) print these forms, the
//! lint recognises an `$app_vars` reference as safe when its tag is exactly one of them, and
//! the built-in preview engine implements the modifiers they use. Every form was checked
//! against Smarty 4 (Debian's `smarty4`, PHP 8): none triggers a deprecation notice (no PHP
//! function is used as a modifier; `in_array` and `isset` appear only inside `if`, where
//! Smarty's default security policy allows them).

use std::fmt::{self, Write as _};

/// How a value is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// HTML text or a quoted attribute value: `htmlspecialchars` with `ENT_QUOTES`.
    Html,
    /// The inside of a JavaScript string literal (any quote kind) inside `<script>`: Smarty's
    /// `javascript` escape (quotes, backslash, CR, LF, `</`, `<!--`, `<s`, backtick, `${`) plus
    /// U+2028 and U+2029, which Smarty leaves raw.
    JsInner,
    /// A whole URL in a quoted attribute: anything not starting with `http://` or `https://`
    /// (case-insensitive) becomes empty, then HTML escaping.
    Url,
    /// One URL component (a query value, a path segment): `rawurlencode`.
    UrlComponent,
    /// A CSS value: every character except ASCII letters, digits, space and `#%,.-` is
    /// dropped, so no `;`, `}`, `<`, `(`, `\` or quote survives.
    Css,
    /// An integer: `sprintf("%d")`; only digits and `-` can come out.
    Integer,
    /// A decimal number with this many decimals, `sprintf("%.NF")` (`F`: never a locale's
    /// decimal comma).
    Decimal(u8),
    /// A colour: the value when it is `#rgb` or `#rrggbb`, else empty.
    Color,
    /// Unescaped, for code and rich text the shop owner writes on purpose.
    Raw,
}

/// The regular expression of [`Form::Url`] (a Smarty single-quoted string body).
pub(crate) const URL_PATTERN: &str = r"~^(?!https?://).*\z~is";
/// The regular expression of [`Form::Css`].
pub(crate) const CSS_PATTERN: &str = r"~[^-#%,.0-9a-z ]~i";
/// The regular expression of [`Form::Color`].
pub(crate) const COLOR_PATTERN: &str = r"~^(?!#[0-9a-f]{3}(?:[0-9a-f]{3})?\z).*\z~is";
/// The modifiers of [`Form::JsInner`].
const JS_MODIFIERS: &str =
    r#"|escape:"javascript"|replace:"\u{2028}":'\u2028'|replace:"\u{2029}":'\u2029'"#;
/// The largest number of decimals [`Form::Decimal`] accepts.
pub(crate) const MAX_DECIMALS: u8 = 9;

/// Writes the inside of the output tag (without `<{ }>`) for `subject` in `form`.
pub(crate) fn write_output_inner(
    out: &mut impl fmt::Write,
    subject: &str,
    form: Form,
) -> fmt::Result {
    out.write_str(subject)?;
    match form {
        Form::Html => out.write_str(r#"|escape:"html""#),
        Form::JsInner => out.write_str(JS_MODIFIERS),
        Form::Url => write!(out, r#"|regex_replace:'{URL_PATTERN}':''|escape:"html""#),
        Form::UrlComponent => out.write_str(r#"|escape:"url""#),
        Form::Css => write!(out, "|regex_replace:'{CSS_PATTERN}':''"),
        Form::Integer => out.write_str(r#"|string_format:"%d""#),
        Form::Decimal(decimals) => {
            write!(out, r#"|string_format:"%.{}F""#, decimals.min(MAX_DECIMALS))
        }
        Form::Color => write!(out, "|regex_replace:'{COLOR_PATTERN}':''"),
        Form::Raw => Ok(()),
    }
}

/// Writes the whole output tag `<{…}>`.
pub(crate) fn write_output(out: &mut impl fmt::Write, subject: &str, form: Form) -> fmt::Result {
    out.write_str("<{")?;
    write_output_inner(out, subject, form)?;
    out.write_str("}>")
}

/// A test of a value, the condition of an `<{if}>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Test<'a> {
    /// A checkbox that is on: the value, trimmed and lowercased, is `1`, `true`, `on` or `yes`
    /// (exactly what [`bool`]'s lenient parsing reads as `true`).
    Checked,
    /// The negation of [`Test::Checked`].
    Unchecked,
    /// A checkbox that is on, or was never saved (missing or `null`): a boolean setting whose
    /// default is `true`. A saved value is read as [`Test::Checked`] reads it.
    CheckedOrUnset,
    /// The negation of [`Test::CheckedOrUnset`].
    UncheckedAndSet,
    /// Not missing and not blank (what the settings parser reads as present).
    Set,
    /// Missing or blank.
    Blank,
    /// Equal to this key (a list option).
    Is(&'a str),
    /// Not equal to this key.
    IsNot(&'a str),
    /// The page object is set (`isset`).
    Present,
}

/// The boolean spellings that mean "on", as the settings parser reads them.
const CHECKED_SPELLINGS: &str = "['1', 'true', 'on', 'yes']";

/// Writes the condition (the part after `if `) testing `subject`.
pub(crate) fn write_condition(
    out: &mut impl fmt::Write,
    subject: &str,
    test: Test<'_>,
) -> fmt::Result {
    match test {
        Test::Checked | Test::Unchecked => {
            if test == Test::Unchecked {
                out.write_char('!')?;
            }
            write!(
                out,
                "in_array({subject}|default:''|lower|strip:'', {CHECKED_SPELLINGS}, true)"
            )
        }
        Test::CheckedOrUnset => {
            write!(out, "!isset({subject}) || ")?;
            write_condition(out, subject, Test::Checked)
        }
        Test::UncheckedAndSet => {
            write!(out, "isset({subject}) && ")?;
            write_condition(out, subject, Test::Unchecked)
        }
        Test::Set => write!(out, "({subject}|default:''|strip:'') !== ''"),
        Test::Blank => write!(out, "({subject}|default:''|strip:'') === ''"),
        Test::Is(key) => {
            write!(out, "{subject} == ")?;
            write_single_quoted(out, key)
        }
        Test::IsNot(key) => {
            write!(out, "{subject} != ")?;
            write_single_quoted(out, key)
        }
        Test::Present => write!(out, "isset({subject})"),
    }
}

/// The Smarty expression a setting is read through: `$app_vars.<name>|default:'<value>'`,
/// with the field's default when it has one that is text or a number, else `''`. A shop that
/// never saved the form (`$app_vars` holds nothing) or left the field blank renders the
/// default, as the settings parser reads it, and a missing key raises no PHP notice. The
/// value is a single-quoted Smarty string (nothing in it is interpolated) and every accessor
/// escapes it for its context afterwards, like any value. A boolean is read without it: see
/// [`Test::CheckedOrUnset`].
pub(crate) fn setting_subject(name: &str, default: &serde_json::Value) -> String {
    let text = match default {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Number(number) => number.to_string(),
        _ => String::new(),
    };
    let mut subject = format!("$app_vars.{name}|default:");
    // Writing to a String cannot fail.
    let _ = write_single_quoted(&mut subject, &text);
    subject
}

/// Writes `<{if …}>`.
pub(crate) fn write_if(out: &mut impl fmt::Write, subject: &str, test: Test<'_>) -> fmt::Result {
    out.write_str("<{if ")?;
    write_condition(out, subject, test)?;
    out.write_str("}>")
}

/// Writes `text` as a Smarty (PHP) single-quoted string: only `\` and `'` need escaping there,
/// and nothing inside is interpolated.
pub(crate) fn write_single_quoted(out: &mut impl fmt::Write, text: &str) -> fmt::Result {
    out.write_char('\'')?;
    for c in text.chars() {
        if matches!(c, '\\' | '\'') {
            out.write_char('\\')?;
        }
        out.write_char(c)?;
    }
    out.write_char('\'')
}

/// Reads a Smarty single-quoted string body written by [`write_single_quoted`] (without the
/// quotes); `None` if it contains an unescaped quote or a dangling backslash.
pub(crate) fn read_single_quoted(body: &str) -> Option<String> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped @ ('\\' | '\'')) => out.push(escaped),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => return None,
            },
            '\'' => return None,
            other => out.push(other),
        }
    }
    Some(out)
}

/// Every form, with each decimal count.
fn all_forms() -> impl Iterator<Item = Form> {
    [
        Form::Html,
        Form::JsInner,
        Form::Url,
        Form::UrlComponent,
        Form::Css,
        Form::Integer,
        Form::Color,
        Form::Raw,
    ]
    .into_iter()
    .chain((0..=MAX_DECIMALS).map(Form::Decimal))
}

/// What an `$app_vars` tag is, when an accessor could have written it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AccessorTag {
    /// An output tag in this form.
    Output(Form),
    /// An `<{if}>` testing the value.
    Condition,
}

/// Recognises the inside of a tag as one an accessor writes for `subject`.
pub(crate) fn recognise(inner: &str, subject: &str) -> Option<AccessorTag> {
    if let Some(condition) = inner.strip_prefix("if ") {
        return recognise_condition(condition, subject).then_some(AccessorTag::Condition);
    }
    let mut candidate = String::new();
    all_forms().find_map(|form| {
        candidate.clear();
        // Writing to a String cannot fail.
        write_output_inner(&mut candidate, subject, form).ok()?;
        (candidate == inner).then_some(AccessorTag::Output(form))
    })
}

fn recognise_condition(condition: &str, subject: &str) -> bool {
    let mut candidate = String::new();
    for test in [
        Test::Checked,
        Test::Unchecked,
        Test::CheckedOrUnset,
        Test::UncheckedAndSet,
        Test::Set,
        Test::Blank,
        Test::Present,
    ] {
        candidate.clear();
        if write_condition(&mut candidate, subject, test).is_ok() && candidate == condition {
            return true;
        }
    }
    for operator in [" == '", " != '"] {
        let key = condition
            .strip_prefix(subject)
            .and_then(|rest| rest.strip_prefix(operator))
            .and_then(|rest| rest.strip_suffix('\''))
            .and_then(read_single_quoted);
        if key.is_some() {
            return true;
        }
    }
    false
}

/// A value printed in one context (HTML, JavaScript, URL, CSS, …): `<{subject|…}>`.
#[derive(Debug, Clone, Copy)]
pub struct Output<'a> {
    subject: &'a str,
    form: Form,
    quoted: bool,
}

impl<'a> Output<'a> {
    pub(crate) const fn new(subject: &'a str, form: Form) -> Self {
        Self {
            subject,
            form,
            quoted: false,
        }
    }

    /// The same output inside single quotes (a complete JavaScript string literal).
    pub(crate) const fn quoted(subject: &'a str, form: Form) -> Self {
        Self {
            subject,
            form,
            quoted: true,
        }
    }
}

impl fmt::Display for Output<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.quoted {
            f.write_char('\'')?;
        }
        write_output(f, self.subject, self.form)?;
        if self.quoted {
            f.write_char('\'')?;
        }
        Ok(())
    }
}

/// The opening `<{if …}>` of a Smarty conditional: the condition of a
/// `{% call when(…) %}…{% endcall %}` block, or, as a tag, closed with
/// `{{ smarty.end_if() }}` (optionally after `{{ smarty.else_() }}`).
#[derive(Debug, Clone, Copy)]
pub struct Cond<'a> {
    subject: &'a str,
    test: Test<'a>,
}

impl<'a> Cond<'a> {
    pub(crate) const fn new(subject: &'a str, test: Test<'a>) -> Self {
        Self { subject, test }
    }
}

impl fmt::Display for Cond<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_if(f, self.subject, self.test)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(form: Form) -> String {
        Output::new("$app_vars.x", form).to_string()
    }

    #[test]
    fn forms_are_the_documented_smarty() {
        assert_eq!(output(Form::Html), r#"<{$app_vars.x|escape:"html"}>"#);
        assert_eq!(
            output(Form::Integer),
            r#"<{$app_vars.x|string_format:"%d"}>"#
        );
        assert_eq!(
            output(Form::Decimal(2)),
            r#"<{$app_vars.x|string_format:"%.2F"}>"#
        );
        assert_eq!(
            output(Form::Decimal(200)),
            r#"<{$app_vars.x|string_format:"%.9F"}>"#
        );
        assert_eq!(
            output(Form::UrlComponent),
            r#"<{$app_vars.x|escape:"url"}>"#
        );
        assert_eq!(output(Form::Raw), "<{$app_vars.x}>");
        assert_eq!(
            Output::quoted("$app_vars.x", Form::JsInner).to_string(),
            r#"'<{$app_vars.x|escape:"javascript"|replace:"\u{2028}":'\u2028'|replace:"\u{2029}":'\u2029'}>'"#
        );
        assert_eq!(
            Cond::new("$order", Test::Present).to_string(),
            "<{if isset($order)}>"
        );
    }

    #[test]
    fn keys_are_single_quoted_without_interpolation() {
        let cond = Cond::new("$app_vars.c", Test::Is(r"it's \ $x}>")).to_string();
        assert_eq!(cond, r"<{if $app_vars.c == 'it\'s \\ $x}>'}>");
        assert_eq!(
            read_single_quoted(r"it\'s \\ $x}>").as_deref(),
            Some(r"it's \ $x}>")
        );
        assert_eq!(read_single_quoted("it's"), None);
        assert_eq!(read_single_quoted("x\\"), None);
    }

    #[test]
    fn recognises_exactly_what_it_writes() {
        for form in all_forms() {
            let mut inner = String::new();
            write_output_inner(&mut inner, "$app_vars.x", form).unwrap();
            assert_eq!(
                recognise(&inner, "$app_vars.x"),
                Some(AccessorTag::Output(form)),
                "{inner}"
            );
        }
        for test in [
            Test::Checked,
            Test::Unchecked,
            Test::Set,
            Test::Blank,
            Test::Is("a'b"),
            Test::IsNot(""),
        ] {
            let mut inner = String::from("if ");
            write_condition(&mut inner, "$app_vars.x", test).unwrap();
            assert_eq!(
                recognise(&inner, "$app_vars.x"),
                Some(AccessorTag::Condition),
                "{inner}"
            );
        }
        for raw in [
            "$app_vars.x|escape",
            "$app_vars.x|escape:'html'",
            "$app_vars.x|escape:\"javascript\"",
            "if $app_vars.x",
            "if $app_vars.x == 'a'b'",
            "$app_vars.x|string_format:\"%s\"",
        ] {
            assert_eq!(recognise(raw, "$app_vars.x"), None, "{raw}");
        }
    }
}
