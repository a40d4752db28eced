use std::fmt::Write as _;

use super::AppManifest;
use serde_json::Value;

use crate::fields::FieldKind;

impl AppManifest {
    /// A Markdown setup sheet: exactly what to enter in Shoporama's app form, in the form's
    /// order (name, description, category, access, monthly price, callback URL, allowed shops,
    /// webhooks, events, code, fields).
    ///
    /// `callback_url` is the URL the app is served at, used when the manifest fixes none
    /// (`<app> manifest --sheet` builds it from `SHOPORAMA_PUBLIC_URL` and refuses to print a
    /// sheet without it). Fields are shown by label, with their variable name, kind, default,
    /// options and help text; webhooks by the form's box and their callback type.
    pub fn setup_sheet(&self, callback_url: &str) -> String {
        let mut out = String::new();
        let none = "_(leave empty)_";
        // `write!` to a String cannot fail; the results are ignored deliberately.
        let _ = writeln!(out, "# Shoporama app form: {}\n", self.name);
        let _ = writeln!(
            out,
            "Enter these values on Shoporama's app page, from top to bottom.\n"
        );
        let _ = writeln!(out, "| Form field | Enter |\n|---|---|");
        let _ = writeln!(out, "| Name | {} |", cell(&self.name));
        let _ = writeln!(
            out,
            "| Description | {} |",
            if self.description.is_empty() {
                none.to_owned()
            } else {
                cell(&self.description)
            }
        );
        let _ = writeln!(
            out,
            "| Category | {} |",
            self.category
                .as_deref()
                .map_or_else(|| none.to_owned(), cell)
        );
        let _ = writeln!(out, "| Access | {} |", self.access);
        let _ = writeln!(
            out,
            "| Monthly price | {} (once the app is active the price can only be lowered) |",
            self.monthly_price
        );
        let _ = writeln!(
            out,
            "| Callback URL | `{}` |",
            self.callback_url_or(callback_url)
        );
        let shops = if self.allowed_shops.is_empty() {
            none.to_owned()
        } else {
            self.allowed_shops
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(out, "| Only allow on the following shops | {shops} |");
        let tick = |names: Vec<&str>| {
            if names.is_empty() {
                "_(none)_".to_owned()
            } else {
                names.join(", ")
            }
        };
        let webhooks: Vec<String> = self
            .webhooks
            .iter()
            .map(|w| format!("{} (`{}`)", w.form_label(), w.as_str()))
            .collect();
        let _ = writeln!(
            out,
            "| Webhooks | {} |",
            tick(webhooks.iter().map(String::as_str).collect())
        );
        let _ = writeln!(
            out,
            "| Events | {} |",
            tick(self.events.iter().map(|e| e.as_str()).collect())
        );

        let _ = writeln!(out, "\n## Code ({})\n", self.snippets.len());
        for (i, snippet) in self.snippets.iter().enumerate() {
            let pages: Vec<_> = snippet.pages.iter().map(|p| p.form_label()).collect();
            let _ = writeln!(
                out,
                "### {}. {} on {}\n",
                i + 1,
                snippet.placement.form_label(),
                pages.join(", ")
            );
            let fence = if snippet.code.contains("```") {
                "~~~~"
            } else {
                "```"
            };
            let _ = writeln!(out, "{fence}smarty\n{}\n{fence}\n", snippet.code.trim_end());
        }

        let _ = writeln!(out, "## Fields ({})\n", self.fields.len());
        if !self.fields.is_empty() {
            let _ = writeln!(
                out,
                "Add them in this order. The variable name is what Smarty reads (`$app_vars.<name>`) and the key of the values Shoporama sends.\n"
            );
            let _ = writeln!(
                out,
                "| Label | Variable name | Type | Required | Default | Options | Help |\n|---|---|---|---|---|---|---|"
            );
        }
        for field in &self.fields {
            let default = if field.secret && !field.default.is_null() {
                "`***` (secret)".to_owned()
            } else {
                shown_default(field)
            };
            let options = match (&field.options, &field.external_list, field.kind) {
                (Some(options), _, _) => options
                    .iter()
                    .map(|o| format!("{} = `{}`", cell(&o.label), o.key))
                    .collect::<Vec<_>>()
                    .join("<br>"),
                (None, Some(list), _) => {
                    format!("external list `{list}`: served at `/lists/{list}`")
                }
                (None, None, FieldKind::List) => "_(none)_".to_owned(),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} | {} | {} | {} |",
                cell(&field.label),
                field.name,
                if field.secret {
                    format!("{} (secret)", field.kind)
                } else {
                    field.kind.to_string()
                },
                if field.required { "yes" } else { "no" },
                default,
                options,
                field.help.as_deref().map(cell).unwrap_or_default()
            );
        }
        out
    }
}

/// A field's default as the shop owner sees it on the form: a list option's label with its
/// key, a checkbox as checked or not, text and numbers as they are; empty without one.
fn shown_default(field: &super::ManifestField) -> String {
    match &field.default {
        Value::Null => String::new(),
        Value::Bool(true) => "checked".to_owned(),
        Value::Bool(false) => "not checked".to_owned(),
        Value::String(key) if field.kind == FieldKind::List => {
            let label = field
                .options
                .iter()
                .flatten()
                .find(|o| &o.key == key)
                .map(|o| o.label.as_str());
            match label {
                Some(label) => format!("{} (`{key}`)", cell(label)),
                None => format!("`{key}`"),
            }
        }
        Value::String(text) => format!("`{}`", cell(text)),
        other => format!("`{other}`"),
    }
}

/// Escapes text for a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', "<br>")
}
