//! Cross-cutting checks that need the whole container. Checks of a single key happen while
//! parsing it (`attr/`).

use std::collections::BTreeMap;

use syn::ext::IdentExt as _;

use crate::ast::{Container, Field};
use crate::case::{is_smarty_identifier, one_of, with_suggestion};
use crate::ctxt::Ctxt;
use crate::expand::snippets;

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
        let (text, literal) = snippets::template_text(snippet);
        for name in snippets::app_references(&text) {
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
