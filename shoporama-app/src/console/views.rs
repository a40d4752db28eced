//! The console's pages as askama templates (`templates/console/*.html`) and what they show.
//! Every value is HTML-escaped by askama; the chart SVG is built by [`super::chart`] from
//! numbers only.

use askama::Template;
use axum::response::{Html, IntoResponse as _, Response};
use http::StatusCode;

/// `template` rendered with `status`, or a plain 500 saying that `what` (`the sign-in
/// page`) failed to render.
pub(super) fn render(status: StatusCode, template: &impl Template, what: &str) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{what} failed to render: {error}"),
        )
            .into_response(),
    }
}

/// The header: app name, page links and the shop picker.
pub(super) struct Nav {
    pub(super) app_name: String,
    /// The current page: `shops`, `form`, `fire`, `inbox` or `snippets`.
    pub(super) current: &'static str,
    pub(super) webshop_id: Option<u64>,
    /// Installed shops, and whether each is the chosen one.
    pub(super) shops: Vec<(u64, bool)>,
}

impl Nav {
    /// `?webshop_id=N` for links, or nothing.
    pub(super) fn shop_query(&self) -> String {
        self.webshop_id
            .map(|id| format!("?webshop_id={id}"))
            .unwrap_or_default()
    }

    /// `aria-current` for the link to `page`.
    pub(super) fn current_attr(&self, page: &str) -> &'static str {
        if self.current == page {
            "page"
        } else {
            "false"
        }
    }
}

/// A message at the top of a page.
pub(super) struct Notice {
    pub(super) ok: bool,
    pub(super) text: String,
}

impl Notice {
    pub(super) fn ok(text: String) -> Self {
        Self { ok: true, text }
    }

    pub(super) fn error(text: impl Into<String>) -> Self {
        Self {
            ok: false,
            text: text.into(),
        }
    }
}

/// What the router answered, and the log lines written meanwhile.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) ok: bool,
    pub(super) body: String,
    pub(super) logs: Vec<String>,
}

#[derive(Template)]
#[template(path = "console/login.html")]
pub(super) struct LoginPage {
    pub(super) error: Option<String>,
}

pub(super) struct ShopRow {
    pub(super) webshop_id: u64,
    pub(super) url: String,
    pub(super) installed_at: String,
    pub(super) updated_at: String,
    pub(super) usage: String,
    pub(super) remaining: u64,
    pub(super) configured: bool,
    pub(super) errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "console/shops.html")]
pub(super) struct ShopsPage {
    pub(super) nav: Nav,
    pub(super) shops: Vec<ShopRow>,
    pub(super) next_id: u64,
    pub(super) notice: Option<Notice>,
    pub(super) chart: String,
    pub(super) inbox: bool,
}

pub(super) struct OptionView {
    pub(super) key: String,
    pub(super) label: String,
    pub(super) selected: bool,
}

pub(super) struct FieldView {
    pub(super) name: String,
    pub(super) label: String,
    pub(super) help: Option<String>,
    /// The kind as Shoporama names it (`text`, `integer`, …).
    pub(super) kind: &'static str,
    pub(super) required: bool,
    pub(super) secret: bool,
    pub(super) value: String,
    pub(super) checked: bool,
    /// The value as `#rrggbb` for a colour field.
    pub(super) color: String,
    pub(super) options: Vec<OptionView>,
    pub(super) external_list: Option<String>,
    pub(super) list_error: Option<String>,
    pub(super) error: Option<String>,
}

impl FieldView {
    /// Whether the stored value is among the options (else it is shown as an extra option).
    pub(super) fn value_listed(&self) -> bool {
        self.value.is_empty() || self.options.iter().any(|o| o.selected)
    }

    /// The ids of the elements that describe the input.
    pub(super) fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.help.is_some() {
            ids.push(format!("help-{}", self.name));
        }
        if self.error.is_some() {
            ids.push(format!("error-{}", self.name));
        }
        if self.list_error.is_some() {
            ids.push(format!("list-error-{}", self.name));
        }
        ids.join(" ")
    }
}

#[derive(Template)]
#[template(path = "console/form.html")]
pub(super) struct FormPage {
    pub(super) nav: Nav,
    pub(super) webshop_id: Option<u64>,
    pub(super) installed: bool,
    pub(super) fields: Vec<FieldView>,
    pub(super) answer: Option<Answer>,
    pub(super) notice: Option<Notice>,
}

pub(super) struct KindOption {
    /// The form's value (`paid`, `webhook:paid`).
    pub(super) value: String,
    /// The callback `type`.
    pub(super) name: String,
    pub(super) what: &'static str,
    pub(super) selected: bool,
}

pub(super) struct EffectRow {
    pub(super) webshop_id: u64,
    pub(super) name: String,
    pub(super) key: String,
    pub(super) state: &'static str,
    pub(super) attempts: u32,
    pub(super) result: String,
    pub(super) last_error: Option<String>,
    pub(super) updated_at: String,
    /// A permanent failure, which only an operator's retry runs again.
    pub(super) retry: bool,
    /// A retryable failure, which the next call runs again.
    pub(super) runs_again: bool,
}

#[derive(Template)]
#[template(path = "console/fire.html")]
pub(super) struct FirePage {
    pub(super) nav: Nav,
    pub(super) webshop_id: Option<u64>,
    pub(super) kinds: Vec<KindOption>,
    pub(super) body: String,
    pub(super) body_error: Option<String>,
    pub(super) answer: Option<Answer>,
    pub(super) notes: Vec<String>,
    pub(super) effects: Vec<EffectRow>,
}

pub(super) struct JobRow {
    pub(super) id: i64,
    pub(super) kind: String,
    pub(super) webshop_id: u64,
    /// `pending`, `retrying` (pending after a failure), `running` or `dead`.
    pub(super) state: &'static str,
    pub(super) attempts: u32,
    pub(super) received_at: String,
    pub(super) run_at: String,
    pub(super) last_error: Option<String>,
    pub(super) retry: bool,
}

#[derive(Template)]
#[template(path = "console/inbox.html")]
pub(super) struct InboxPage {
    pub(super) nav: Nav,
    pub(super) has_inbox: bool,
    pub(super) counts: String,
    pub(super) jobs: Vec<JobRow>,
    pub(super) effects: Vec<EffectRow>,
    pub(super) problems: Vec<String>,
    pub(super) notice: Option<Notice>,
}

pub(super) struct SourceView {
    pub(super) number: usize,
    pub(super) placement: &'static str,
    pub(super) pages: String,
    pub(super) code: String,
}

pub(super) struct ScopeView {
    pub(super) page: &'static str,
    pub(super) label: &'static str,
    /// The rendered sample page, for the iframe's `srcdoc`.
    pub(super) srcdoc: String,
    pub(super) engine: &'static str,
    pub(super) problems: Vec<String>,
    pub(super) sources: Vec<SourceView>,
}

#[derive(Template)]
#[template(path = "console/snippets.html")]
pub(super) struct SnippetsPage {
    pub(super) nav: Nav,
    pub(super) webshop_id: Option<u64>,
    pub(super) installed: bool,
    pub(super) engine: String,
    pub(super) scopes: Vec<ScopeView>,
}
