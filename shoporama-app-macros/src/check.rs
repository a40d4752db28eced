//! Cross-cutting checks that need the whole container. Checks of a single key happen while
//! parsing it (`attr/`).

use std::collections::BTreeMap;

use syn::ext::IdentExt as _;

use crate::ast::{Container, Field};
use crate::case::{is_smarty_identifier, one_of, with_suggestion};
use crate::ctxt::Ctxt;

/// Runs every check; problems go to `cx`.
pub(crate) fn check(cx: &Ctxt, container: &Container<'_>) {
    check_wire_names(cx, &container.fields);
    check_event_enum(cx, container);
    check_snippet_settings(cx, container);
}

/// Every `app.<name>` in a snippet template is a field: a misspelt setting would otherwise fail
/// silently in a live shop (or, at best, as rustc's "no field" on a generated type).
fn check_snippet_settings(cx: &Ctxt, container: &Container<'_>) {
    let fields: Vec<String> = container
        .fields
        .iter()
        .map(|f| f.ident.unraw().to_string())
        .collect();
    let owner = container.ident.map_or_else(
        || "the settings struct".to_owned(),
        |i| format!("`{}`", i.unraw()),
    );
    for snippet in &container.app.snippets {
        let (text, literal) = snippet.text();
        for name in app_references(&text) {
            if fields.contains(&name) {
                continue;
            }
            let valid = if fields.is_empty() {
                format!("{owner} has no fields")
            } else {
                format!("the settings of {owner} are: {}", one_of(&fields))
            };
            let message =
                format!("snippet template reads `app.{name}`, which is not a setting; {valid}");
            cx.error_spanned_by(
                literal,
                with_suggestion(message, &name, fields.iter().map(String::as_str)),
            );
        }
    }
}

/// Every `app.<name>` an askama template reads inside `{{ … }}` and `{% … %}`, outside string
/// literals, in order, without repeats.
fn app_references(template: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find(['{']) {
        let after = &rest[open + 1..];
        let close = match after.chars().next() {
            Some('{') => "}}",
            Some('%') => "%}",
            _ => {
                rest = after;
                continue;
            }
        };
        let body_start = &after[1..];
        let end = body_start.find(close).unwrap_or(body_start.len());
        for name in expression_references(&body_start[..end]) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        rest = &body_start[end..];
    }
    names
}

/// The `app.<name>` references of one askama expression or statement.
fn expression_references(expression: &str) -> Vec<String> {
    let chars: Vec<char> = expression.chars().collect();
    let mut names = Vec::new();
    let mut i = 0;
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    while i < chars.len() {
        let c = chars[i];
        if c == '"' || c == '\'' {
            i += 1;
            while i < chars.len() && chars[i] != c {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            continue;
        }
        let starts_word =
            i == 0 || !(is_ident(chars[i - 1]) || chars[i - 1] == '.' || chars[i - 1] == ':');
        if starts_word
            && chars[i..].starts_with(&['a', 'p', 'p'])
            && !chars.get(i + 3).copied().is_some_and(is_ident)
        {
            let mut j = i + 3;
            while chars.get(j).is_some_and(|c| c.is_whitespace()) {
                j += 1;
            }
            if chars.get(j) == Some(&'.') {
                j += 1;
                while chars.get(j).is_some_and(|c| c.is_whitespace()) {
                    j += 1;
                }
                let start = j;
                while chars.get(j).copied().is_some_and(is_ident) {
                    j += 1;
                }
                if j > start {
                    names.push(chars[start..j].iter().collect());
                }
            }
            i = j.max(i + 3);
            continue;
        }
        i += 1;
    }
    names
}

/// Each wire name is a Smarty variable (`$app_vars.<name>`) and a key in `fields`: valid and
/// unique.
fn check_wire_names(cx: &Ctxt, fields: &[Field<'_>]) {
    let mut seen: BTreeMap<&str, &Field<'_>> = BTreeMap::new();
    for field in fields {
        let name = field.wire_name.as_str();
        if !is_smarty_identifier(name) {
            let how = if field.attrs.rename.is_some() {
                "choose a `rename` of"
            } else {
                "add `#[field(rename = \"…\")]` with"
            };
            cx.error_at(
                field.wire_span,
                format!(
                    "`{name}` is not a valid Smarty variable name (`$app_vars.{name}`): {how} ASCII letters, digits and `_`, not starting with a digit"
                ),
            );
            continue;
        }
        if let Some(first) = seen.get(name) {
            cx.error_at(
                field.wire_span,
                format!(
                    "field `{}` has the wire name `{name}`, already used by field `{}`",
                    field.ident, first.ident
                ),
            );
        } else {
            seen.insert(name, field);
        }
    }
}

/// The event enum needs a name of its own.
fn check_event_enum(cx: &Ctxt, container: &Container<'_>) {
    if let (Some(name), Some(ident)) = (&container.app.event_enum, container.ident)
        && name == ident
    {
        cx.error_at(
            name.span(),
            format!("`event_enum` must differ from the struct's name `{ident}`"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::app_references;

    #[test]
    fn finds_app_references_in_expressions_only() {
        let template = r#"<script>var app = {x: 1}; app.x</script>{{ app.measurement_id.js() }}
{% if true %}{{ app . enabled }}{% endif %}{{ "app.not_this" }}{{ myapp.y }}{{ app.measurement_id }}
{{ app.consent.if_is(Consent::Full) }}{{ x.app.z }}"#;
        assert_eq!(
            app_references(template),
            ["measurement_id", "enabled", "consent"]
        );
    }
}
