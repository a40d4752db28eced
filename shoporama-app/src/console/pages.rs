//! The console's handlers: each reads the runtime, calls the app's router where Shoporama
//! would, and renders a page from [`super::views`].

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use serde::Deserialize;
use serde_json::Value;
use tower::ServiceExt as _;

use super::auth::Auth;
use super::log_capture::with_logs;
use super::views::{
    Answer, EffectRow, FieldView, FirePage, InboxPage, JobRow, KindOption, Nav, Notice, OptionView,
    ScopeView, ShopRow, ShopsPage, SnippetsPage, SourceView, render,
};
use super::{ConsoleOptions, chart};
use crate::app::ShoporamaApp;
use crate::effects::{EffectFilter, EffectRecord, EffectState};
use crate::events::{WEBHOOK_MARKER, is_marked};
use crate::fields::{FieldKind, FieldValues};
use crate::inbox::{Job, JobState};
use crate::manifest::{AppManifest, ManifestField};
use crate::server::{APP_TOKEN_HEADER, ApiError, AppRuntime};
use crate::settings::AppSettings;
use crate::snippet::{Engine, Page, applies, preview_with};
use crate::store::Installation;
use crate::testing::{SimResponse, SimulatedShop, sample_body, sample_webhook_body};

/// How many jobs and effects the inbox page lists.
const LIST_LIMIT: u32 = 200;

/// What every console handler shares.
pub(super) struct ConsoleState<A: ShoporamaApp> {
    pub(super) runtime: AppRuntime<A>,
    /// The app's own router: every callback the console sends goes through it.
    pub(super) router: axum::Router,
    manifest: AppManifest,
    /// The events and webhooks the manifest subscribes to, as the fire form offers them.
    kinds: Vec<Subscription>,
    pub(super) options: ConsoleOptions,
    pub(super) auth: Auth,
}

impl<A: ShoporamaApp> ConsoleState<A> {
    pub(super) fn new(runtime: AppRuntime<A>, options: ConsoleOptions) -> Self {
        let manifest = A::Settings::manifest();
        Self {
            router: runtime.router(),
            runtime,
            kinds: subscribed(&manifest),
            manifest,
            options,
            auth: Auth::new(),
        }
    }

    /// A simulated Shoporama for `installation` (or a new test shop), over the app's router.
    fn shoporama(&self, webshop_id: u64) -> SimulatedShop {
        let config = self.runtime.config();
        SimulatedShop::in_process(
            self.router.clone(),
            self.manifest.clone(),
            config.tokens.current().expose(),
        )
        .callback_path(config.callback_path.clone())
        .webshop_id(webshop_id)
    }

    async fn installations(&self) -> Result<Vec<Installation>, Failure> {
        self.runtime
            .store()
            .installations()
            .await
            .map_err(|error| Failure(format!("the install store failed: {error}")))
    }

    /// The installed shops and the shop a page shows: the one asked for, else the first
    /// installed one.
    async fn chosen(&self, asked: Option<u64>) -> Result<Chosen, Failure> {
        let shops = self.installations().await?;
        let webshop_id = Self::pick(&shops, asked);
        Ok(Chosen { shops, webshop_id })
    }

    /// The navigation, with the shop picker set to `webshop_id`.
    fn nav(&self, current: &'static str, shops: &[Installation], webshop_id: Option<u64>) -> Nav {
        Nav {
            app_name: self.manifest.name.clone(),
            current,
            webshop_id,
            shops: shops
                .iter()
                .map(|i| (i.webshop_id, Some(i.webshop_id) == webshop_id))
                .collect(),
        }
    }

    /// The shop a page shows: the one asked for, else the first installed one.
    fn pick(shops: &[Installation], asked: Option<u64>) -> Option<u64> {
        asked.or_else(|| shops.first().map(|i| i.webshop_id))
    }

    /// Fetches an external list from the app's own endpoint, as Shoporama's admin does.
    async fn external_list(
        &self,
        name: &str,
        webshop_id: Option<u64>,
    ) -> Result<Vec<(String, String)>, String> {
        let mut uri = format!("/lists/{}", urlencode(name));
        if let Some(id) = webshop_id {
            use std::fmt::Write as _;
            let _ = write!(uri, "?webshop_id={id}");
        }
        let request = Request::get(uri)
            .header(
                APP_TOKEN_HEADER,
                self.runtime.config().tokens.current().expose(),
            )
            .body(Body::empty())
            .map_err(|error| format!("invalid list request: {error}"))?;
        let (status, bytes) = self.call(request).await;
        let value: Value = serde_json::from_slice(&bytes).map_err(|error| {
            format!("the list endpoint answered {status} with a body that is not JSON: {error}")
        })?;
        if !status.is_success() {
            let message = value
                .get("error")
                .and_then(Value::as_str)
                .map_or_else(|| value.to_string(), str::to_owned);
            return Err(format!("the list endpoint answered {status}: {message}"));
        }
        let Value::Object(object) = value else {
            return Err("the list endpoint did not answer a JSON object".to_owned());
        };
        Ok(object
            .into_iter()
            .map(|(key, label)| {
                let label = match label {
                    Value::String(label) => label,
                    other => other.to_string(),
                };
                (key, label)
            })
            .collect())
    }

    async fn call(&self, request: Request<Body>) -> (StatusCode, Bytes) {
        let response = match self.router.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let status = response.status();
        match response.into_body().collect().await {
            Ok(body) => (status, body.to_bytes()),
            Err(error) => (
                StatusCode::BAD_GATEWAY,
                Bytes::from(format!("could not read the answer: {error}")),
            ),
        }
    }
}

/// The installed shops and the shop a page shows, which may not be installed.
struct Chosen {
    shops: Vec<Installation>,
    webshop_id: Option<u64>,
}

impl Chosen {
    /// The installation of the shop shown, if it is installed.
    fn installation(&self) -> Option<&Installation> {
        self.webshop_id.and_then(|id| installed(&self.shops, id))
    }
}

/// The installation of shop `webshop_id` among `shops`, if it is installed.
fn installed(shops: &[Installation], webshop_id: u64) -> Option<&Installation> {
    shops.iter().find(|i| i.webshop_id == webshop_id)
}

/// `a b` → `a%20b`, for a path segment.
fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("", text)])
        .map(|s| s.trim_start_matches('=').replace('+', "%20"))
        .unwrap_or_default()
}

/// A rendered console page, or a plain 500 naming the template error.
fn page(status: StatusCode, template: &impl Template) -> Response {
    render(status, template, "the console page")
}

/// What stopped a page (a store, inbox or preview failure): logged, and answered as a plain
/// 500 naming it.
pub(super) struct Failure(String);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let message = self.0;
        tracing::error!(%message, "console: a page failed");
        (StatusCode::INTERNAL_SERVER_ERROR, message).into_response()
    }
}

/// A console page, or the failure that stopped it.
pub(super) type PageResult = Result<Response, Failure>;

/// Parses an `application/x-www-form-urlencoded` body into name/value pairs.
fn form_pairs(body: &[u8]) -> Result<Vec<(String, String)>, String> {
    serde_urlencoded::from_bytes(body)
        .map_err(|error| format!("the form could not be read: {error}"))
}

fn pair<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// A webshop id from a form or query value, or the message shown beside the field.
fn parse_webshop_id(value: Option<&str>) -> Result<u64, String> {
    parse_optional_webshop_id(value)?.ok_or_else(|| "enter a webshop id".to_owned())
}

/// A webshop id by [the server's rule](crate::server::parse_webshop_id) (`None` when empty),
/// or the console's message saying what is wrong with it.
fn parse_optional_webshop_id(value: Option<&str>) -> Result<Option<u64>, String> {
    crate::server::parse_webshop_id(value).map_err(|_| {
        let value = value.map(str::trim).unwrap_or_default();
        if value.parse::<u64>() == Ok(0) {
            "a webshop id is a positive whole number, not 0".to_owned()
        } else {
            format!("`{value}` is not a webshop id (a positive whole number)")
        }
    })
}

/// A posted form that names a shop: its pairs and the webshop id, or the notice saying what
/// is wrong with it.
fn shop_form(body: &[u8]) -> Result<(Vec<(String, String)>, u64), String> {
    let pairs = form_pairs(body)?;
    let webshop_id = parse_webshop_id(pair(&pairs, "webshop_id"))
        .map_err(|error| format!("Webshop id: {error}"))?;
    Ok((pairs, webshop_id))
}

/// The console's status for a page showing a callback's answer: 200, or 502 when the app
/// did not answer with a success.
fn relayed_status(response: &SimResponse) -> StatusCode {
    if response.status.is_success() {
        StatusCode::OK
    } else {
        StatusCode::BAD_GATEWAY
    }
}

/// The answer of a callback, for display.
fn answer(response: &SimResponse, logs: Vec<String>) -> Answer {
    Answer {
        status: response.status.as_u16(),
        ok: response.status.is_success(),
        body: serde_json::to_string_pretty(&response.body).unwrap_or_default(),
        logs,
    }
}

fn time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

// --- Shops --------------------------------------------------------------------------------

/// `?webshop_id=N`, on a page's or an external list's URL.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ShopQuery {
    webshop_id: Option<String>,
}

impl ShopQuery {
    /// The shop asked for; a bad id is ignored (the page falls back to the first shop).
    fn id(&self) -> Option<u64> {
        parse_webshop_id(self.webshop_id.as_deref()).ok()
    }
}

/// `GET /console`: the shops and the chart.
pub(super) async fn shops<A: ShoporamaApp>(
    State(state): State<Arc<ConsoleState<A>>>,
) -> PageResult {
    shops_page(&state, StatusCode::OK, None).await
}

async fn shops_page<A: ShoporamaApp>(
    state: &ConsoleState<A>,
    status: StatusCode,
    notice: Option<Notice>,
) -> PageResult {
    let shops = state.installations().await?;
    let next_id = shops.iter().map(|i| i.webshop_id).max().unwrap_or(0) + 1;
    let rows = shops
        .iter()
        .map(|i| ShopRow {
            webshop_id: i.webshop_id,
            url: i.webshop_url.clone(),
            installed_at: time(i.installed_at),
            updated_at: time(i.updated_at),
            usage: format!("{} of {}", i.current_usage, i.daily_limit),
            remaining: state.runtime.budget(i, false).remaining(),
            configured: i.settings_status.is_configured(),
            errors: i.settings_status.errors().to_vec(),
        })
        .collect();
    let chart = chart_for(state).await;
    let template = ShopsPage {
        nav: state.nav("shops", &shops, ConsoleState::<A>::pick(&shops, None)),
        shops: rows,
        next_id,
        notice,
        chart,
        inbox: state.runtime.inbox().is_some(),
    };
    Ok(page(status, &template))
}

/// `POST /console/install`: installs a test shop through a real `install` callback.
pub(super) async fn install<A: ShoporamaApp>(
    State(state): State<Arc<ConsoleState<A>>>,
    body: Bytes,
) -> PageResult {
    let webshop_id = match shop_form(&body) {
        Ok((_, webshop_id)) => webshop_id,
        Err(error) => {
            return shops_page(&state, StatusCode::BAD_REQUEST, Some(Notice::error(error))).await;
        }
    };
    let shop = state
        .shoporama(webshop_id)
        .webshop_url(format!("https://shop-{webshop_id}.example.dk/"));
    let response = shop.install().await;
    let notice = if response.status.is_success() {
        Notice::ok(format!(
            "Installed test shop {webshop_id} with sample settings: {}",
            response.body
        ))
    } else {
        Notice::error(format!(
            "The install callback answered {}: {}",
            response.status, response.body
        ))
    };
    shops_page(&state, relayed_status(&response), Some(notice)).await
}

// --- Form ---------------------------------------------------------------------------------

/// `GET /console/form?webshop_id=N`: the shop owner's form with the stored settings.
pub(super) async fn form<A: ShoporamaApp>(
    State(state): State<Arc<ConsoleState<A>>>,
    Query(query): Query<ShopQuery>,
) -> PageResult {
    let chosen = state.chosen(query.id()).await?;
    let (webshop_id, installation) = (chosen.webshop_id, chosen.installation());
    let values: BTreeMap<String, Value> = installation
        .map(|i| i.fields.clone().into_iter().collect())
        .unwrap_or_default();
    let errors = installation
        .map(|i| field_errors::<A>(&FieldValues::from(i.fields.clone())))
        .unwrap_or_default();
    let fields = field_views(&state, &values, &errors, webshop_id, true).await;
    let template = super::views::FormPage {
        nav: state.nav("form", &chosen.shops, webshop_id),
        webshop_id,
        installed: installation.is_some(),
        fields,
        answer: None,
        notice: None,
    };
    Ok(page(StatusCode::OK, &template))
}

/// Each field's validation error, by wire name, as the router's parsing reports them.
fn field_errors<A: ShoporamaApp>(values: &FieldValues) -> BTreeMap<String, String> {
    match A::Settings::from_fields(values) {
        Ok(_) => BTreeMap::new(),
        Err(errors) => errors
            .errors()
            .iter()
            .map(|e| (e.field.clone(), e.problem.to_string()))
            .collect(),
    }
}

/// The form's fields with `values` (stored or submitted), falling back to defaults when
/// `defaults` is set.
async fn field_views<A: ShoporamaApp>(
    state: &ConsoleState<A>,
    values: &BTreeMap<String, Value>,
    errors: &BTreeMap<String, String>,
    webshop_id: Option<u64>,
    defaults: bool,
) -> Vec<FieldView> {
    let mut views = Vec::with_capacity(state.manifest.fields.len());
    for field in &state.manifest.fields {
        let value = values
            .get(&field.name)
            .filter(|v| !v.is_null())
            .cloned()
            .or_else(|| (defaults && !field.default.is_null()).then(|| field.default.clone()))
            .unwrap_or(Value::Null);
        let text = match &value {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let (options, list_error) = match (&field.options, &field.external_list) {
            (_, Some(list)) => match state.external_list(list, webshop_id).await {
                Ok(options) => (options, None),
                Err(error) => (Vec::new(), Some(error)),
            },
            (Some(options), None) => (
                options
                    .iter()
                    .map(|o| (o.key.clone(), o.label.clone()))
                    .collect(),
                None,
            ),
            (None, None) => (Vec::new(), None),
        };
        views.push(FieldView {
            name: field.name.clone(),
            label: field.label.clone(),
            help: field.help.clone(),
            kind: field.kind.as_str(),
            required: field.required,
            secret: field.secret,
            checked: field.kind == FieldKind::Boolean && is_true(&value),
            color: color_value(field, &text),
            options: options
                .into_iter()
                .map(|(key, label)| OptionView {
                    selected: key == text,
                    key,
                    label,
                })
                .collect(),
            value: text,
            external_list: field.external_list.clone(),
            list_error,
            error: errors.get(&field.name).cloned(),
        });
    }
    views
}

fn is_true(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_i64().is_some_and(|n| n != 0),
        Value::String(s) => matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "on" | "yes"
        ),
        _ => false,
    }
}

/// The value for `<input type=color>`, which takes only `#rrggbb`.
fn color_value(field: &ManifestField, text: &str) -> String {
    if field.kind != FieldKind::Color {
        return String::new();
    }
    let hex = text.trim().trim_start_matches('#');
    match hex.len() {
        6 if hex.chars().all(|c| c.is_ascii_hexdigit()) => format!("#{}", hex.to_ascii_lowercase()),
        3 if hex.chars().all(|c| c.is_ascii_hexdigit()) => {
            let long: String = hex.chars().flat_map(|c| [c, c]).collect();
            format!("#{}", long.to_ascii_lowercase())
        }
        _ => "#000000".to_owned(),
    }
}

/// `POST /console/form`: sends the form as a real `update` callback.
pub(super) async fn save_form<A: ShoporamaApp>(
    State(state): State<Arc<ConsoleState<A>>>,
    body: Bytes,
) -> PageResult {
    let shops = state.installations().await?;
    let (pairs, webshop_id) = match shop_form(&body) {
        Ok(form) => form,
        Err(error) => {
            return Ok(form_refused(&state, &shops, None, error, StatusCode::BAD_REQUEST).await);
        }
    };
    let Some(installation) = installed(&shops, webshop_id) else {
        let error =
            format!("shop {webshop_id} is not installed: install it on the Shops page first");
        let not_found = StatusCode::NOT_FOUND;
        return Ok(form_refused(&state, &shops, Some(webshop_id), error, not_found).await);
    };
    // What Shoporama sends: every field, as the form holds it (an unchecked box as "0").
    let mut values = BTreeMap::new();
    let mut shop = state
        .shoporama(webshop_id)
        .webshop_url(installation.webshop_url.clone())
        .rest_token(installation.token.expose())
        .budget(installation.daily_limit, installation.current_usage);
    for field in &state.manifest.fields {
        let submitted = pair(&pairs, &format!("field.{}", field.name));
        let value = match field.kind {
            FieldKind::Boolean => Value::String(
                if submitted.is_some_and(|v| is_true(&Value::String(v.to_owned()))) {
                    "1"
                } else {
                    "0"
                }
                .to_owned(),
            ),
            _ => Value::String(submitted.unwrap_or_default().to_owned()),
        };
        shop = shop.field(&field.name, value.clone());
        values.insert(field.name.clone(), value);
    }
    let (response, logs) = with_logs(shop.update()).await;
    let errors = field_errors::<A>(&FieldValues::from(
        values
            .clone()
            .into_iter()
            .collect::<serde_json::Map<String, Value>>(),
    ));
    let notice = if !response.status.is_success() {
        Notice::error(format!(
            "The update callback was refused ({}): {}",
            response.status,
            response.error().unwrap_or("see the answer below")
        ))
    } else if errors.is_empty() {
        Notice::ok("Saved: the update callback was handled.".to_owned())
    } else {
        Notice::error(format!(
            "Saved, but the settings are not valid: the shop is unconfigured until {} fixed.",
            if errors.len() == 1 {
                "this field is"
            } else {
                "these fields are"
            }
        ))
    };
    let status = if !response.status.is_success() {
        StatusCode::BAD_GATEWAY
    } else if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let answer = answer(&response, logs);
    Ok(form_answer(
        &state,
        &shops,
        Some(webshop_id),
        values,
        Some((answer, errors)),
        Some(notice),
        status,
    )
    .await)
}

/// The form of shop `webshop_id` (if known) with defaults, not sent: `error` says why.
async fn form_refused<A: ShoporamaApp>(
    state: &ConsoleState<A>,
    shops: &[Installation],
    webshop_id: Option<u64>,
    error: String,
    status: StatusCode,
) -> Response {
    let notice = Some(Notice::error(error));
    form_answer(
        state,
        shops,
        webshop_id,
        BTreeMap::new(),
        None,
        notice,
        status,
    )
    .await
}

async fn form_answer<A: ShoporamaApp>(
    state: &ConsoleState<A>,
    shops: &[Installation],
    webshop_id: Option<u64>,
    values: BTreeMap<String, Value>,
    result: Option<(Answer, BTreeMap<String, String>)>,
    notice: Option<Notice>,
    status: StatusCode,
) -> Response {
    let (answer, errors) = match result {
        Some((answer, errors)) => (Some(answer), errors),
        None => (None, BTreeMap::new()),
    };
    let fields = field_views(state, &values, &errors, webshop_id, values.is_empty()).await;
    let template = super::views::FormPage {
        nav: state.nav("form", shops, webshop_id),
        webshop_id,
        installed: webshop_id.is_some_and(|id| installed(shops, id).is_some()),
        fields,
        answer,
        notice,
    };
    page(status, &template)
}

/// `GET /console/lists/{name}`: an external list as JSON `[[key, label], …]`, fetched from the
/// app's own endpoint (the script reloads a list with it).
pub(super) async fn list_json<A: ShoporamaApp>(
    State(state): State<Arc<ConsoleState<A>>>,
    Path(name): Path<String>,
    Query(query): Query<ShopQuery>,
) -> Response {
    let webshop_id = match parse_optional_webshop_id(query.webshop_id.as_deref()) {
        Ok(id) => id,
        Err(error) => return ApiError::new(StatusCode::BAD_REQUEST, error).into_response(),
    };
    match state.external_list(&name, webshop_id).await {
        Ok(options) => axum::Json(options).into_response(),
        Err(error) => ApiError::new(StatusCode::BAD_GATEWAY, error).into_response(),
    }
}

// --- Fire ---------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub(super) struct FireQuery {
    webshop_id: Option<String>,
    kind: Option<String>,
}

/// One subscription the fire form offers: a storefront event or a webhook.
struct Subscription {
    /// The form's value: the event's name, or `webhook:<name>` for a webhook (the inbox's
    /// name for its jobs), so a name subscribed both ways is two choices.
    value: String,
    /// The callback `type` Shoporama sends.
    name: String,
    webhook: bool,
    /// The other kind of callback of the same name is subscribed too.
    both: bool,
}

impl Subscription {
    /// The sample body: a webhook's carries the marker that tells it from the event.
    fn sample(&self, webshop_id: u64) -> Value {
        if self.webhook {
            sample_webhook_body(&self.name, webshop_id)
        } else {
            sample_body(&self.name, webshop_id)
        }
    }
}

/// The events and webhooks the app subscribes to: the events first, then the webhooks.
fn subscribed(manifest: &AppManifest) -> Vec<Subscription> {
    let events: Vec<&str> = manifest.events.iter().map(|e| e.as_str()).collect();
    let webhooks: Vec<&str> = manifest.webhooks.iter().map(|w| w.as_str()).collect();
    let event_rows = events.iter().map(|name| Subscription {
        value: (*name).to_owned(),
        name: (*name).to_owned(),
        webhook: false,
        both: webhooks.contains(name),
    });
    let webhook_rows = webhooks.iter().map(|name| Subscription {
        value: format!("webhook:{name}"),
        name: (*name).to_owned(),
        webhook: true,
        both: events.contains(name),
    });
    event_rows.chain(webhook_rows).collect()
}

/// The subscription a form value names: its exact value, or else a bare callback type
/// (the event when the name is subscribed both ways).
fn find_subscription<'a>(kinds: &'a [Subscription], value: &str) -> Option<&'a Subscription> {
    kinds
        .iter()
        .find(|k| k.value == value)
        .or_else(|| kinds.iter().find(|k| k.name == value))
}

/// `GET /console/fire`: the fire form with the sample body of the chosen kind.
pub(super) async fn fire<A: ShoporamaApp>(
    State(state): State<Arc<ConsoleState<A>>>,
    Query(query): Query<FireQuery>,
) -> PageResult {
    let Chosen { shops, webshop_id } = state
        .chosen(parse_webshop_id(query.webshop_id.as_deref()).ok())
        .await?;
    let kinds = &state.kinds;
    let chosen = query
        .kind
        .as_deref()
        .and_then(|value| find_subscription(kinds, value))
        .or_else(|| kinds.first());
    let (kind, body) = chosen.map_or_else(Default::default, |k| {
        let body = serde_json::to_string_pretty(&k.sample(webshop_id.unwrap_or(1)));
        (k.value.clone(), body.unwrap_or_default())
    });
    Ok(fire_page(&state, &shops, Fired::form(webshop_id, kind, body)).await)
}

/// What the fire page shows besides the shops: the form's values and what firing answered.
struct Fired {
    webshop_id: Option<u64>,
    kind: String,
    body: String,
    body_error: Option<String>,
    answer: Option<Answer>,
    notes: Vec<String>,
    status: StatusCode,
}

impl Fired {
    /// The form with these values, nothing fired yet.
    fn form(webshop_id: Option<u64>, kind: String, body: String) -> Self {
        Self {
            webshop_id,
            kind,
            body,
            body_error: None,
            answer: None,
            notes: Vec::new(),
            status: StatusCode::OK,
        }
    }

    /// Not fired: a note says why (400).
    fn refused(mut self, why: String) -> Self {
        self.notes.push(why);
        self.status = StatusCode::BAD_REQUEST;
        self
    }

    /// Not fired: the body is wrong, said beside it (400).
    fn bad_body(mut self, error: String) -> Self {
        self.body_error = Some(error);
        self.status = StatusCode::BAD_REQUEST;
        self
    }
}

async fn fire_page<A: ShoporamaApp>(
    state: &ConsoleState<A>,
    shops: &[Installation],
    fired: Fired,
) -> Response {
    let Fired {
        webshop_id,
        kind,
        body,
        body_error,
        answer,
        notes,
        status,
    } = fired;
    let kinds = state
        .kinds
        .iter()
        .map(|k| KindOption {
            selected: k.value == kind,
            what: if k.webhook { "webhook" } else { "event" },
            value: k.value.clone(),
            name: k.name.clone(),
        })
        .collect();
    let effects = match webshop_id {
        Some(id) => state
            .runtime
            .effects()
            .list(&EffectFilter::all().webshop_id(id).limit(20))
            .await
            .map_or_else(
                |error| {
                    tracing::warn!(%error, "console: cannot list effects");
                    Vec::new()
                },
                |records| records.iter().map(effect_row).collect(),
            ),
        None => Vec::new(),
    };
    let template = FirePage {
        nav: state.nav("fire", shops, webshop_id),
        webshop_id,
        kinds,
        body,
        body_error,
        answer,
        notes,
        effects,
    };
    page(status, &template)
}

/// `POST /console/fire`: sends the event or webhook through the router.
pub(super) async fn fire_send<A: ShoporamaApp>(
    State(state): State<Arc<ConsoleState<A>>>,
    body: Bytes,
) -> PageResult {
    let shops = state.installations().await?;
    let pairs = match form_pairs(&body) {
        Ok(pairs) => pairs,
        Err(error) => {
            let refused = Fired::form(None, String::new(), String::new()).bad_body(error);
            return Ok(fire_page(&state, &shops, refused).await);
        }
    };
    let kind = pair(&pairs, "kind").unwrap_or_default().trim().to_owned();
    let text = pair(&pairs, "body").unwrap_or_default().to_owned();
    let webshop_id = match parse_webshop_id(pair(&pairs, "webshop_id")) {
        Ok(id) => id,
        Err(error) => {
            let refused = Fired::form(None, kind, text).refused(format!("Shop: {error}"));
            return Ok(fire_page(&state, &shops, refused).await);
        }
    };
    let Some(subscription) = find_subscription(&state.kinds, &kind) else {
        let error = format!("`{kind}` is not an event or webhook this app subscribes to");
        let refused = Fired::form(Some(webshop_id), kind, text).refused(error);
        return Ok(fire_page(&state, &shops, refused).await);
    };
    let kind = subscription.value.clone();
    let json: Value = match serde_json::from_str(&text) {
        Ok(json) => json,
        Err(error) => {
            let error = format!("the body is not JSON: {error}");
            let refused = Fired::form(Some(webshop_id), kind, text).bad_body(error);
            return Ok(fire_page(&state, &shops, refused).await);
        }
    };
    let shop = state.shoporama(webshop_id);
    let mut notes = Vec::new();
    if subscription.both {
        // As `Origin::of` decides for a name subscribed both ways.
        let marked = is_marked(&json);
        let (sent_as, why) = if marked {
            ("webhook", "has")
        } else {
            ("storefront event", "has no")
        };
        notes.push(format!(
            "Sent as the `{}` {sent_as}: the body {why} a `{WEBHOOK_MARKER}` member, which tells the webhook from the event of the same name.",
            subscription.name
        ));
    }
    let callback_type = subscription.name.clone();
    let (response, logs) = with_logs(shop.send(&callback_type, json)).await;
    if response.body.get("status").and_then(Value::as_str) == Some("queued") {
        notes.push("Queued in the inbox: a worker runs the handler (see the Inbox page for its outcome; its log lines go to the server's log).".to_owned());
    }
    let fired = Fired {
        answer: Some(answer(&response, logs)),
        notes,
        status: relayed_status(&response),
        ..Fired::form(Some(webshop_id), kind, text)
    };
    Ok(fire_page(&state, &shops, fired).await)
}

// --- Inbox --------------------------------------------------------------------------------

fn job_row(job: &Job) -> JobRow {
    let state = match job.state {
        JobState::Pending if job.attempts > 0 => "retrying",
        state => state.as_str(),
    };
    JobRow {
        id: job.id,
        kind: job.kind.clone(),
        webshop_id: job.webshop_id,
        state,
        attempts: job.attempts,
        received_at: time(job.received_at),
        run_at: time(job.run_at),
        last_error: job.last_error.clone(),
        retry: matches!(job.state, JobState::Dead | JobState::Pending),
    }
}

fn effect_row(record: &EffectRecord) -> EffectRow {
    EffectRow {
        webshop_id: record.webshop_id,
        name: record.name.clone(),
        key: record.key.clone(),
        state: record.state.as_str(),
        attempts: record.attempts,
        result: record
            .result
            .as_ref()
            .map(Value::to_string)
            .unwrap_or_default(),
        last_error: record.last_error.clone(),
        updated_at: time(record.updated_at),
        // A retryable failure runs again on the next call by itself; a permanent one waits
        // for an operator.
        retry: record.state == EffectState::Failed && !record.retryable,
        runs_again: record.state == EffectState::Failed && record.retryable,
    }
}

/// `GET /console/inbox`.
pub(super) async fn inbox<A: ShoporamaApp>(
    State(state): State<Arc<ConsoleState<A>>>,
) -> PageResult {
    inbox_page(&state, None, StatusCode::OK).await
}

async fn inbox_page<A: ShoporamaApp>(
    state: &ConsoleState<A>,
    notice: Option<Notice>,
    status: StatusCode,
) -> PageResult {
    let shops = state.installations().await?;
    let mut problems = Vec::new();
    let mut jobs = Vec::new();
    let mut counts = String::new();
    if let Some(inbox) = state.runtime.inbox() {
        for wanted in [JobState::Pending, JobState::Running, JobState::Dead] {
            match inbox.list(Some(wanted), None, LIST_LIMIT).await {
                Ok(list) => jobs.extend(list.iter().map(job_row)),
                Err(error) => problems.push(format!("cannot list {wanted} jobs: {error}")),
            }
        }
        match inbox.counts().await {
            Ok(list) => {
                counts = list
                    .iter()
                    .map(|(state, n)| format!("{n} {state}"))
                    .collect::<Vec<_>>()
                    .join(", ");
            }
            Err(error) => problems.push(format!("cannot count jobs: {error}")),
        }
    }
    let effects = match state
        .runtime
        .effects()
        .list(
            &EffectFilter::all()
                .state(EffectState::Failed)
                .limit(LIST_LIMIT),
        )
        .await
    {
        Ok(records) => records.iter().map(effect_row).collect(),
        Err(error) => {
            problems.push(format!("cannot list failed effects: {error}"));
            Vec::new()
        }
    };
    let template = InboxPage {
        nav: state.nav("inbox", &shops, ConsoleState::<A>::pick(&shops, None)),
        has_inbox: state.runtime.inbox().is_some(),
        counts,
        jobs,
        effects,
        problems,
        notice,
    };
    Ok(page(status, &template))
}

/// `POST /console/inbox/retry`: queues a dead or waiting job to run now.
pub(super) async fn inbox_retry<A: ShoporamaApp>(
    State(state): State<Arc<ConsoleState<A>>>,
    body: Bytes,
) -> PageResult {
    let Some(inbox) = state.runtime.inbox() else {
        return inbox_page(
            &state,
            Some(Notice::error("this app has no inbox".to_owned())),
            StatusCode::NOT_FOUND,
        )
        .await;
    };
    let id = form_pairs(&body).and_then(|pairs| {
        pair(&pairs, "id")
            .and_then(|id| id.trim().parse::<i64>().ok())
            .ok_or_else(|| "the retry form names no job id".to_owned())
    });
    let id = match id {
        Ok(id) => id,
        Err(error) => {
            return inbox_page(&state, Some(Notice::error(error)), StatusCode::BAD_REQUEST).await;
        }
    };
    let queued = inbox
        .retry(Some(id))
        .await
        .map_err(|error| Failure(format!("cannot retry job {id}: {error}")))?;
    if queued > 0 {
        tracing::info!(job = id, "console: job queued to run again");
    }
    let retried = Retried {
        count: queued,
        nothing: format!("job {id} is neither dead nor waiting: nothing to retry"),
        done: format!("Job {id} queued to run again."),
    };
    retried.page(&state).await
}

/// `POST /console/effects/retry`: lets the next call run a failed effect again.
pub(super) async fn effect_retry<A: ShoporamaApp>(
    State(state): State<Arc<ConsoleState<A>>>,
    body: Bytes,
) -> PageResult {
    let filter = form_pairs(&body).and_then(|pairs| {
        let webshop_id = parse_webshop_id(pair(&pairs, "webshop_id"))?;
        let name = pair(&pairs, "name")
            .filter(|n| !n.is_empty())
            .ok_or("the retry form names no effect")?;
        let key = pair(&pairs, "key")
            .filter(|k| !k.is_empty())
            .ok_or("the retry form names no key")?;
        Ok(EffectFilter::all()
            .webshop_id(webshop_id)
            .name(name)
            .key(key)
            .state(EffectState::Failed))
    });
    let filter = match filter {
        Ok(filter) => filter,
        Err(error) => {
            return inbox_page(&state, Some(Notice::error(error)), StatusCode::BAD_REQUEST).await;
        }
    };
    let count = state
        .runtime
        .effects()
        .retry(&filter)
        .await
        .map_err(|error| Failure(format!("cannot retry the effect: {error}")))?;
    let retried = Retried {
        count,
        nothing: "that effect has not failed: nothing to retry".to_owned(),
        done: format!("{count} effect(s) will run again on the next call."),
    };
    retried.page(&state).await
}

/// What a retry form did: how many it queued, and what the notice says either way.
struct Retried {
    count: u64,
    /// The error when nothing was queued (409).
    nothing: String,
    /// The notice when something was.
    done: String,
}

impl Retried {
    /// The inbox page with the retry's notice.
    async fn page<A: ShoporamaApp>(self, state: &ConsoleState<A>) -> PageResult {
        let (notice, status) = if self.count == 0 {
            (Notice::error(self.nothing), StatusCode::CONFLICT)
        } else {
            (Notice::ok(self.done), StatusCode::OK)
        };
        inbox_page(state, Some(notice), status).await
    }
}

// --- Snippets -----------------------------------------------------------------------------

/// `GET /console/snippets?webshop_id=N`: each page scope rendered with the shop's settings.
pub(super) async fn snippets<A: ShoporamaApp>(
    State(state): State<Arc<ConsoleState<A>>>,
    Query(query): Query<ShopQuery>,
) -> PageResult {
    let chosen = state.chosen(query.id()).await?;
    let (webshop_id, installation) = (chosen.webshop_id, chosen.installation());
    let fields = installation
        .map(|i| FieldValues::from(i.fields.clone()))
        .unwrap_or_default();
    // Every page a snippet names, in the order of `Page::ALL`.
    let pages: Vec<Page> = Page::ALL
        .iter()
        .copied()
        .filter(|page| {
            state
                .manifest
                .snippets
                .iter()
                .any(|s| s.pages.contains(page))
        })
        .collect();
    let manifest = state.manifest.clone();
    // The engine the page names: the one the first scope used (the built-in one when Smarty
    // failed there), else the one detected.
    let (engine, rendered) = tokio::task::spawn_blocking(move || {
        let engine = Engine::detect();
        let rendered: Vec<_> = pages
            .into_iter()
            .map(|page| (page, preview_with(&manifest, page, &fields, &engine)))
            .collect();
        let used = rendered
            .first()
            .map_or_else(|| engine.describe(), |(_, p)| p.engine);
        (used.to_owned(), rendered)
    })
    .await
    .map_err(|error| Failure(format!("the preview failed: {error}")))?;
    let scopes = rendered
        .into_iter()
        .map(|(page, preview)| ScopeView {
            page: page.as_str(),
            label: page.form_label(),
            srcdoc: preview.html,
            engine: preview.engine,
            problems: preview.problems,
            sources: state
                .manifest
                .snippets
                .iter()
                .enumerate()
                .filter(|(_, s)| applies(s, page))
                .map(|(index, s)| SourceView {
                    number: index + 1,
                    placement: s.placement.form_label(),
                    pages: s
                        .pages
                        .iter()
                        .map(|p| p.form_label())
                        .collect::<Vec<_>>()
                        .join(", "),
                    code: s.code.clone(),
                })
                .collect(),
        })
        .collect();
    let template = SnippetsPage {
        nav: state.nav("snippets", &chosen.shops, webshop_id),
        webshop_id,
        installed: installation.is_some(),
        engine,
        scopes,
    };
    Ok(page(StatusCode::OK, &template))
}

// --- Chart and assets ---------------------------------------------------------------------

async fn chart_for<A: ShoporamaApp>(state: &ConsoleState<A>) -> String {
    const MINUTES: u16 = 30;
    let now = chrono::Utc::now();
    let since = now - chrono::Duration::minutes(i64::from(MINUTES) - 1);
    let counts = match state.runtime.inbox() {
        Some(inbox) => inbox.per_minute(since).await.unwrap_or_else(|error| {
            tracing::warn!(%error, "console: cannot count the inbox's callbacks for the chart");
            Vec::new()
        }),
        None => Vec::new(),
    };
    chart::svg(&chart::per_minute(&counts, now, usize::from(MINUTES)))
}

/// `GET /console/chart.svg`: the chart alone, for the script to refresh.
pub(super) async fn chart_svg<A: ShoporamaApp>(
    State(state): State<Arc<ConsoleState<A>>>,
) -> Response {
    (
        [(http::header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        chart_for(&state).await,
    )
        .into_response()
}

/// `GET /console/console.js`: the vendored script (progressive enhancement only).
pub(super) async fn script() -> Response {
    (
        [(http::header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("console.js"),
    )
        .into_response()
}

/// `GET /console/console.css`.
pub(super) async fn style() -> Response {
    (
        [(http::header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("console.css"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webshop_ids_are_checked() {
        assert_eq!(parse_webshop_id(Some(" 7 ")), Ok(7));
        assert!(parse_webshop_id(Some("0")).is_err());
        assert!(
            parse_webshop_id(Some("seven"))
                .unwrap_err()
                .contains("seven")
        );
        assert!(parse_webshop_id(None).is_err());
        assert!(parse_webshop_id(Some("18446744073709551615")).is_err());
        assert!(parse_webshop_id(Some("0")).unwrap_err().contains("not 0"));
        assert_eq!(parse_optional_webshop_id(Some(" ")), Ok(None));
        assert_eq!(parse_optional_webshop_id(Some("7")), Ok(Some(7)));
    }

    #[test]
    fn list_names_are_encoded_for_the_path() {
        assert_eq!(urlencode("warehouses"), "warehouses");
        assert_eq!(urlencode("a b/c"), "a%20b%2Fc");
    }
}
