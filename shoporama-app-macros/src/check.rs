//! Cross-cutting checks that need the whole container. Checks of a single key happen while
//! parsing it (`attr/`).

use std::collections::BTreeMap;

use syn::ext::IdentExt as _;

use crate::ast::{Container, Field};
use crate::case::{is_smarty_identifier, one_of, with_suggestion};
use crate::ctxt::Ctxt;

/// Runs every check; problems go to `cx`.
pub(crate) fn check(cx: &Ctxt, container: &Container<'_>) {
    check_field_types(cx, &container.fields);
    check_wire_names(cx, &container.fields);
    check_labels(cx, &container.fields);
    check_rename_from(cx, &container.fields);
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

/// What a setting's type can be, for the one error an unsupported type gets.
const SUPPORTED_TYPES: &str = "`String` (text), an integer type `i8`…`i64`, `u8`…`u64`, `isize` or `usize` (integer), `bool` (boolean), `Color` (color), `RichText` (richtext), `Code` (code), `Secret` (text that is never printed), an enum with `#[derive(ListOptions)]` (list), or an `Option` of one of these (a field the shop owner may leave empty)";

/// Types that are certainly no setting (floats, collections, references, tuples, …) get one
/// error at the type that lists the supported ones; the expansion is then the fallback, so
/// nothing else is reported about them. Any other type is checked by rustc through the
/// `SettingType` bound, with the same list in its note.
fn check_field_types(cx: &Ctxt, fields: &[Field<'_>]) {
    for field in fields {
        if let Some(shown) = unsupported(field.ty) {
            cx.error_spanned_by(
                field.ty,
                format!(
                    "`{shown}` is not a Shoporama setting type: field `{}` must be {SUPPORTED_TYPES}",
                    field.ident.unraw()
                ),
            );
        }
    }
}

/// The type as written, when it is certainly not a setting type.
fn unsupported(ty: &syn::Type) -> Option<String> {
    const NOT_SETTINGS: &[&str] = &[
        "f32", "f64", "char", "i128", "u128", "str", "Vec", "VecDeque", "HashMap", "BTreeMap",
        "HashSet", "BTreeSet", "Box", "Rc", "Arc", "Cow", "PathBuf", "Path", "Duration", "Result",
        "Value",
    ];
    let shown = || {
        quote::ToTokens::to_token_stream(ty)
            .to_string()
            .replace(' ', "")
    };
    match ty {
        syn::Type::Paren(inner) => unsupported(&inner.elem),
        syn::Type::Group(inner) => unsupported(&inner.elem),
        syn::Type::Path(path) if path.qself.is_none() => {
            let last = path.path.segments.last()?;
            if last.ident == "Option"
                && let syn::PathArguments::AngleBracketed(args) = &last.arguments
                && let Some(syn::GenericArgument::Type(inner)) = args.args.first()
            {
                if matches!(inner, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Option"))
                {
                    return Some(shown());
                }
                return unsupported(inner).map(|_| shown());
            }
            NOT_SETTINGS
                .iter()
                .any(|name| last.ident == name)
                .then(shown)
        }
        syn::Type::Tuple(tuple) if tuple.elems.is_empty() => Some(shown()),
        syn::Type::Array(_)
        | syn::Type::Slice(_)
        | syn::Type::Reference(_)
        | syn::Type::Ptr(_)
        | syn::Type::Tuple(_)
        | syn::Type::FnPtr(_)
        | syn::Type::TraitObject(_)
        | syn::Type::ImplTrait(_)
        | syn::Type::Never(_) => Some(shown()),
        _ => None,
    }
}

/// Two fields with the same label look alike on the shop owner's form: labels are unique
/// (ignoring case and surrounding space), whether written or humanised from the name.
fn check_labels(cx: &Ctxt, fields: &[Field<'_>]) {
    let mut seen: BTreeMap<String, &Field<'_>> = BTreeMap::new();
    for field in fields {
        let key = field.label.trim().to_lowercase();
        if let Some(first) = seen.get(&key) {
            let message = format!(
                "field `{}` has the label \"{}\", already used by field `{}`: the shop owner could not tell them apart; give one `#[field(label = \"…\")]` of its own",
                field.ident.unraw(),
                field.label,
                first.ident.unraw()
            );
            match &field.attrs.label {
                Some(label) => cx.error_spanned_by(label, message),
                None => cx.error_at(field.ident.span(), message),
            }
        } else {
            seen.insert(key, field);
        }
    }
}

/// `rename_from = "old"` names a valid Smarty variable that no field uses now.
fn check_rename_from(cx: &Ctxt, fields: &[Field<'_>]) {
    for field in fields {
        let Some(old) = &field.attrs.rename_from else {
            continue;
        };
        let name = old.value();
        if !is_smarty_identifier(&name) {
            cx.error_spanned_by(
                old,
                format!("`rename_from = \"{name}\"` is not a valid variable name: ASCII letters, digits and `_`, not starting with a digit"),
            );
        } else if let Some(other) = fields.iter().find(|f| f.wire_name == name) {
            cx.error_spanned_by(
                old,
                format!(
                    "`rename_from = \"{name}\"` names the variable of field `{}`: an old name must be free, or installed shops' values would move between fields",
                    other.ident.unraw()
                ),
            );
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
