//! What `#[shoporama_app]` and `#[derive(ListOptions)]` generate, seen from an app: the
//! manifest JSON, lenient `from_fields`, `to_fields`, the typed event enum, and hygiene.
//!
//! The lints below make any warning in the generated code fail this suite (clippy runs it with
//! the workspace's pedantic set and `-D warnings`).
#![deny(warnings, unused_qualifications, missing_docs)]

use serde_json::{Value, json};
use shoporama_app::events::{EventName, WebhookName};
use shoporama_app::fields::{FieldKind, FieldProblem, SettingType};
use shoporama_app::prelude::*;
use shoporama_app::snippet::{Page, Placement};

/// How much may be tracked before consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ListOptions)]
pub enum ConsentMode {
    /// Anonymous page views only.
    Basic,
    /// Everything, after consent.
    #[option(label = "Full (after consent)")]
    FullConsent,
    /// Nothing.
    #[option(key = "off", label = "Disabled")]
    Disabled,
}

/// The settings of the test app.
#[shoporama_app(
    name = "Conversion pixel",
    description = "Reports purchases. <a href=\"https://example.com/docs\">Docs</a>",
    category = "Marketing",
    access = read,
    monthly_price = 49,
    callback_url = "https://pixel.example.com/callback",
    allowed_shops(7, 12),
    events(add_to_basket, paid),
    webhooks(paid, new_status),
    snippet(place = before_body_close, pages(thanks, basket), source = "<script>pixel('<{$app_vars.measurement_id|escape:\"javascript\"}>');</script>"),
    snippet(place = after_head_open, pages(all), source = "<!-- pixel -->"),
)]
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The measurement id,
    /// from your analytics tool.
    ///
    /// Starts with `G-`.
    #[field(label = "Measurement id")]
    measurement_id: String,
    #[field(default = 30)]
    cookie_days: u32,
    limit: Option<i64>,
    enabled: bool,
    #[field(default = "basic")]
    consent: ConsentMode,
    fallback_consent: Option<ConsentMode>,
    #[field(list = external("warehouses"))]
    warehouse: Option<String>,
    #[field(rename = "accent_color", default = "#1A73E8")]
    accent: Color,
    banner: Option<RichText>,
    #[field(label = "Extra code")]
    extra: Code,
}

fn valid_fields() -> Value {
    json!({
        "measurement_id": "G-123",
        "cookie_days": "14",
        "limit": "",
        "enabled": "on",
        "consent": "full_consent",
        "warehouse": "cph",
        "accent_color": "#FFF",
        "banner": "<p>Hi</p>",
        "extra": "console.log(1)",
        "a_field_the_app_no_longer_has": [1, 2],
    })
}

fn from_json(fields: Value) -> Result<Settings, shoporama_app::fields::SettingsError> {
    let fields: FieldValues = serde_json::from_value(fields).expect("fields are an object");
    Settings::from_fields(&fields)
}

/// The messages for `value` in field `field` of otherwise valid fields.
fn errors_with(field: &str, value: &Value) -> Vec<String> {
    let mut fields = valid_fields();
    fields[field] = value.clone();
    match from_json(fields) {
        Ok(settings) => panic!("{field} = {value} was accepted: {settings:?}"),
        Err(error) => error.messages(),
    }
}

fn parsed_with(field: &str, value: &Value) -> Settings {
    let mut fields = valid_fields();
    fields[field] = value.clone();
    from_json(fields).unwrap_or_else(|e| panic!("{field} = {value} was rejected: {e}"))
}

fn without(field: &str) -> Settings {
    let mut fields = valid_fields();
    fields.as_object_mut().map(|f| f.remove(field));
    from_json(fields).unwrap_or_else(|e| panic!("without {field}: {e}"))
}

#[test]
fn manifest_json_has_the_documented_format() {
    let manifest = serde_json::to_value(Settings::manifest()).expect("serialises");
    let expected = json!({
        "name": "Conversion pixel",
        "description": "Reports purchases. <a href=\"https://example.com/docs\">Docs</a>",
        "category": "Marketing",
        "access": "read",
        "monthly_price": 49,
        "callback_url": "https://pixel.example.com/callback",
        "allowed_shops": [7, 12],
        "webhooks": ["paid", "new_status"],
        "events": ["add_to_basket", "paid"],
        "fields": [
            {"name": "measurement_id", "label": "Measurement id",
             "help": "The measurement id, from your analytics tool.\n\nStarts with `G-`.",
             "kind": "text", "required": true, "default": null},
            {"name": "cookie_days", "label": "Cookie days", "kind": "integer", "required": true, "default": 30},
            {"name": "limit", "label": "Limit", "kind": "integer", "required": false, "default": null},
            {"name": "enabled", "label": "Enabled", "kind": "boolean", "required": false, "default": null},
            {"name": "consent", "label": "Consent", "kind": "list", "required": true, "default": "basic",
             "options": [
                {"key": "basic", "label": "Basic"},
                {"key": "full_consent", "label": "Full (after consent)"},
                {"key": "off", "label": "Disabled"}]},
            {"name": "fallback_consent", "label": "Fallback consent", "kind": "list", "required": false, "default": null,
             "options": [
                {"key": "basic", "label": "Basic"},
                {"key": "full_consent", "label": "Full (after consent)"},
                {"key": "off", "label": "Disabled"}]},
            {"name": "warehouse", "label": "Warehouse", "kind": "list", "required": false, "default": null,
             "external_list": "warehouses"},
            {"name": "accent_color", "label": "Accent", "kind": "color", "required": true, "default": "#1a73e8"},
            {"name": "banner", "label": "Banner", "kind": "richtext", "required": false, "default": null},
            {"name": "extra", "label": "Extra code", "kind": "code", "required": true, "default": null},
        ],
        "snippets": [
            {"placement": "before_body_close", "pages": ["thanks", "basket"],
             "code": "<script>pixel('<{$app_vars.measurement_id|escape:\"javascript\"}>');</script>"},
            {"placement": "after_head_open", "pages": ["all"], "code": "<!-- pixel -->"},
        ],
    });
    assert_eq!(manifest, expected, "{manifest:#}");
    let kinds: Vec<FieldKind> = Settings::manifest().fields.iter().map(|f| f.kind).collect();
    for kind in [
        FieldKind::Text,
        FieldKind::Integer,
        FieldKind::Boolean,
        FieldKind::List,
        FieldKind::Color,
        FieldKind::RichText,
        FieldKind::Code,
    ] {
        assert!(kinds.contains(&kind), "{kind} missing");
    }
}

#[test]
fn from_fields_reads_valid_fields_and_ignores_unknown_ones() {
    let settings = from_json(valid_fields()).expect("valid");
    assert_eq!(
        settings,
        Settings {
            measurement_id: "G-123".to_owned(),
            cookie_days: 14,
            limit: None,
            enabled: true,
            consent: ConsentMode::FullConsent,
            fallback_consent: None,
            warehouse: Some("cph".to_owned()),
            accent: Color {
                r: 255,
                g: 255,
                b: 255
            },
            banner: Some(RichText("<p>Hi</p>".to_owned())),
            extra: Code("console.log(1)".to_owned()),
        }
    );
}

#[test]
fn integers_accept_every_php_spelling() {
    for (raw, expected) in [
        (json!(5), 5),
        (json!("5"), 5),
        (json!(" 7 "), 7),
        (json!(5.0), 5),
        (json!("12.0"), 12),
        (json!(0), 0),
    ] {
        assert_eq!(
            parsed_with("cookie_days", &raw).cookie_days,
            expected,
            "{raw}"
        );
    }
    for (raw, expected) in [
        (json!(-3), -3),
        (json!("-3"), -3),
        (json!("9000000000"), 9_000_000_000),
    ] {
        assert_eq!(parsed_with("limit", &raw).limit, Some(expected), "{raw}");
    }
    for raw in [json!(""), json!(null), json!("  ")] {
        assert_eq!(parsed_with("limit", &raw).limit, None, "{raw}");
    }
}

#[test]
fn integers_reject_the_rest_naming_field_and_value() {
    for (raw, shown) in [
        (json!("abc"), "\"abc\""),
        (json!(5.5), "5.5"),
        (json!("5.5"), "\"5.5\""),
        (json!(true), "true"),
        (json!([1]), "[1]"),
        (json!({"a": 1}), "{\"a\":1}"),
    ] {
        assert_eq!(
            errors_with("cookie_days", &raw),
            [format!(
                "field `cookie_days` expected an integer, got {shown}"
            )],
            "{raw}"
        );
    }
    assert_eq!(
        errors_with("cookie_days", &json!(-1)),
        ["field `cookie_days` -1 is out of range for u32"]
    );
    assert_eq!(
        errors_with("cookie_days", &json!("4294967296")),
        ["field `cookie_days` \"4294967296\" is out of range for u32"]
    );
}

#[test]
fn booleans_accept_every_php_spelling() {
    for raw in [
        json!(true),
        json!(1),
        json!("1"),
        json!("on"),
        json!("yes"),
        json!("TRUE"),
        json!("Yes"),
    ] {
        assert!(parsed_with("enabled", &raw).enabled, "{raw}");
    }
    for raw in [
        json!(false),
        json!(0),
        json!("0"),
        json!("off"),
        json!("no"),
        json!(""),
        json!(null),
    ] {
        assert!(!parsed_with("enabled", &raw).enabled, "{raw}");
    }
    // An unchecked checkbox is simply not sent.
    assert!(!without("enabled").enabled);
    for raw in [json!(2), json!("maybe"), json!([]), json!(0.5)] {
        let errors = errors_with("enabled", &raw);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("field `enabled` expected a boolean"),
            "{errors:?}"
        );
        assert!(errors[0].ends_with(&format!("got {raw}")), "{errors:?}");
    }
}

#[test]
fn empty_string_means_absent() {
    // A default applies.
    assert_eq!(parsed_with("cookie_days", &json!("")).cookie_days, 30);
    assert_eq!(without("cookie_days").cookie_days, 30);
    assert_eq!(
        parsed_with("consent", &json!("")).consent,
        ConsentMode::Basic
    );
    assert_eq!(
        without("accent_color").accent,
        Color {
            r: 0x1a,
            g: 0x73,
            b: 0xe8
        }
    );
    // Optional fields are `None`.
    assert_eq!(parsed_with("warehouse", &json!("")).warehouse, None);
    assert_eq!(parsed_with("banner", &json!(" ")).banner, None);
    assert_eq!(without("fallback_consent").fallback_consent, None);
    // Required fields without a default are errors.
    for field in ["measurement_id", "extra"] {
        for raw in [json!(""), json!(null)] {
            assert_eq!(
                errors_with(field, &raw),
                [format!("field `{field}` is required but was not set")]
            );
        }
    }
}

#[test]
fn text_accepts_numbers_php_sent_unquoted() {
    assert_eq!(
        parsed_with("measurement_id", &json!(42)).measurement_id,
        "42"
    );
    assert_eq!(
        errors_with("measurement_id", &json!({"a": 1})),
        ["field `measurement_id` expected text, got {\"a\":1}"]
    );
}

#[test]
fn colours_accept_short_and_long_hex_in_any_case() {
    for (raw, hex) in [
        ("#abc", "#aabbcc"),
        ("#AABBCC", "#aabbcc"),
        ("#a1B2c3", "#a1b2c3"),
        (" #FFF ", "#ffffff"),
    ] {
        assert_eq!(
            parsed_with("accent_color", &json!(raw)).accent.to_hex(),
            hex,
            "{raw}"
        );
    }
    for raw in [json!("red"), json!("#abcd"), json!("fff"), json!(123)] {
        assert_eq!(
            errors_with("accent_color", &raw),
            [format!(
                "field `accent_color` expected a colour as #rgb or #rrggbb, got {raw}"
            )]
        );
    }
}

#[test]
fn list_fields_take_option_keys() {
    assert_eq!(
        parsed_with("consent", &json!(" off ")).consent,
        ConsentMode::Disabled
    );
    assert_eq!(
        parsed_with("fallback_consent", &json!("basic")).fallback_consent,
        Some(ConsentMode::Basic)
    );
    assert_eq!(
        errors_with("consent", &json!("full")),
        ["field `consent` \"full\" is not one of the options \"basic\", \"full_consent\", \"off\""]
    );
    // An external list's key is any text.
    assert_eq!(
        parsed_with("warehouse", &json!(17)).warehouse.as_deref(),
        Some("17")
    );
}

#[test]
fn every_failing_field_is_reported() {
    let error = from_json(json!({"cookie_days": "x", "enabled": "maybe", "accent_color": "blue"}))
        .unwrap_err();
    let fields: Vec<&str> = error.errors().iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "measurement_id",
            "cookie_days",
            "enabled",
            "accent_color",
            "extra"
        ]
    );
    assert!(matches!(error.errors()[0].problem, FieldProblem::Missing));
}

#[test]
fn to_fields_round_trips() {
    let settings = from_json(valid_fields()).expect("valid");
    let fields = settings.to_fields();
    let names: Vec<&str> = fields.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "measurement_id",
            "cookie_days",
            "limit",
            "enabled",
            "consent",
            "fallback_consent",
            "warehouse",
            "accent_color",
            "banner",
            "extra"
        ]
    );
    assert_eq!(fields.get("consent"), Some(&json!("full_consent")));
    assert_eq!(fields.get("accent_color"), Some(&json!("#ffffff")));
    assert_eq!(fields.get("limit"), Some(&Value::Null));
    assert_eq!(Settings::from_fields(&fields), Ok(settings));
}

#[test]
fn list_options_derive() {
    assert_eq!(
        ConsentMode::OPTIONS,
        [
            ("basic", "Basic"),
            ("full_consent", "Full (after consent)"),
            ("off", "Disabled")
        ]
    );
    assert_eq!(ConsentMode::Disabled.key(), "off");
    assert_eq!(
        ConsentMode::from_key("full_consent"),
        Some(ConsentMode::FullConsent)
    );
    assert_eq!(ConsentMode::from_key("Basic"), None);
    assert_eq!(<ConsentMode as SettingType>::KIND, FieldKind::List);
    assert_eq!(ConsentMode::Basic.to_setting(), json!("basic"));
}

#[test]
fn event_enum_parses_subscribed_types() {
    let body = json!({"order_id": "42", "status": "paid"});
    let SettingsEvent::Paid(order) = SettingsEvent::from_delivery("paid", body.clone()) else {
        panic!("paid is subscribed");
    };
    assert_eq!(order.order_id, Some(42));
    assert_eq!(order.raw, body);
    assert_eq!(SettingsEvent::Paid(order.clone()).origin(), Origin::Event);

    // The webhook of the same name is another variant, with its raw body (marker included).
    let marked = json!({"order_id": "42", "status": "paid", "webhook": "paid"});
    let webhook = SettingsEvent::from_delivery("paid", marked.clone());
    assert!(
        matches!(&webhook, SettingsEvent::PaidWebhook(order) if order.order_id == Some(42) && order.raw == marked)
    );
    assert_eq!(webhook.origin(), Origin::Webhook);
    assert_eq!(webhook.kind(), "paid");

    let event =
        SettingsEvent::from_delivery("add_to_basket", json!({"product_id": 9, "amount": "2"}));
    assert!(
        matches!(&event, SettingsEvent::AddToBasket(basket) if basket.product_id == Some(9) && basket.amount == Some(2))
    );
    assert_eq!(event.kind(), "add_to_basket");
    assert!(event.is_subscribed());

    let event =
        SettingsEvent::from_delivery("new_status", json!({"order": {"id": 5, "status": "sent"}}));
    assert!(matches!(&event, SettingsEvent::NewStatusWebhook(order) if order.order_id == Some(5)));
    assert_eq!(event.raw(), &json!({"order": {"id": 5, "status": "sent"}}));
}

#[test]
fn unknown_and_unsubscribed_types_are_data() {
    for (kind, origin) in [
        ("stock", Origin::Webhook),
        ("view_thanks", Origin::Event),
        ("Paid", Origin::Event),
        ("", Origin::Event),
        ("something_new", Origin::Event),
    ] {
        let event = SettingsEvent::from_delivery(kind, json!({"x": 1}));
        assert_eq!(
            event,
            SettingsEvent::Unknown {
                origin,
                kind: kind.to_owned(),
                raw: json!({"x": 1})
            }
        );
        assert_eq!(event.kind(), kind);
        assert_eq!(event.raw(), &json!({"x": 1}));
        assert!(!event.is_subscribed());
    }
}

#[test]
fn events_and_webhooks_come_from_the_enum() {
    assert_eq!(
        <SettingsEvent as AppEvent>::EVENTS,
        [EventName::AddToBasket, EventName::Paid]
    );
    assert_eq!(
        <SettingsEvent as AppEvent>::WEBHOOKS,
        [WebhookName::Paid, WebhookName::NewStatus]
    );
    // A `match` covers exactly the subscriptions: `paid` (an event and a webhook) is two
    // variants, typed apart.
    let handled = |event: SettingsEvent| match event {
        SettingsEvent::AddToBasket(_) => "basket",
        SettingsEvent::Paid(_) => "paid event",
        SettingsEvent::PaidWebhook(_) => "paid webhook",
        SettingsEvent::NewStatusWebhook(_) => "status",
        SettingsEvent::Unknown { .. } => "unknown",
    };
    assert_eq!(
        handled(SettingsEvent::from_delivery("paid", Value::Null)),
        "paid event"
    );
    assert_eq!(
        handled(SettingsEvent::from_callback(
            Origin::Webhook,
            "paid",
            Value::Null
        )),
        "paid webhook"
    );
}

mod everything {
    use shoporama_app::shoporama_app;

    /// Subscribes to every event and webhook.
    #[shoporama_app(
        name = "Everything",
        access = all,
        events(add_to_basket, update_basket, view_basket, view_address, view_shipping, view_approve,
               view_thanks, approved, order_created, paid, add_label, remove_label),
        webhooks(new_status, paid, order_created, product, stock),
        event_enum = AnyEvent,
    )]
    pub(crate) struct Everything {}
}

#[test]
fn macro_tables_match_the_runtime() {
    use everything::{AnyEvent, Everything};

    let (events, webhooks, placements, pages) = shoporama_app::__private::wire_names!();
    let names = |all: Vec<&'static str>| all;
    assert_eq!(
        events,
        names(EventName::ALL.iter().map(|e| e.as_str()).collect())
    );
    assert_eq!(
        webhooks,
        names(WebhookName::ALL.iter().map(|w| w.as_str()).collect())
    );
    assert_eq!(
        placements,
        names(Placement::ALL.iter().map(|p| p.as_str()).collect())
    );
    assert_eq!(pages, names(Page::ALL.iter().map(|p| p.as_str()).collect()));

    assert_eq!(AnyEvent::EVENTS, EventName::ALL);
    assert_eq!(AnyEvent::WEBHOOKS, WebhookName::ALL);
    let manifest = Everything::manifest();
    assert_eq!(manifest.events, EventName::ALL);
    assert_eq!(manifest.webhooks, WebhookName::ALL);
    assert_eq!(manifest.access, shoporama_app::manifest::Access::All);
    assert!(manifest.fields.is_empty());
    // Every name parses to its own variant, with the payload type the issue lists.
    for (origin, name) in EventName::ALL
        .iter()
        .map(|e| (Origin::Event, e.as_str()))
        .chain(
            WebhookName::ALL
                .iter()
                .map(|w| (Origin::Webhook, w.as_str())),
        )
    {
        let event = AnyEvent::from_callback(origin, name, json!({}));
        assert!(event.is_subscribed(), "{name}");
        assert_eq!(event.kind(), name);
        assert_eq!(event.origin(), origin);
    }
    let event = |name: &str| AnyEvent::from_callback(Origin::Event, name, json!({}));
    let webhook = |name: &str| AnyEvent::from_callback(Origin::Webhook, name, json!({}));
    assert!(matches!(
        event("view_thanks"),
        AnyEvent::ViewThanks(CheckoutView { .. })
    ));
    assert!(matches!(
        event("remove_label"),
        AnyEvent::RemoveLabel(LabelEvent { .. })
    ));
    assert!(matches!(
        event("update_basket"),
        AnyEvent::UpdateBasket(BasketEvent { .. })
    ));
    assert!(matches!(event("paid"), AnyEvent::Paid(OrderEvent { .. })));
    assert!(matches!(
        webhook("paid"),
        AnyEvent::PaidWebhook(OrderEvent { .. })
    ));
    assert!(matches!(
        webhook("order_created"),
        AnyEvent::OrderCreatedWebhook(OrderEvent { .. })
    ));
    assert!(matches!(
        webhook("new_status"),
        AnyEvent::NewStatusWebhook(OrderEvent { .. })
    ));
    assert!(matches!(
        webhook("stock"),
        AnyEvent::StockWebhook(StockEvent { .. })
    ));
    assert!(matches!(
        webhook("product"),
        AnyEvent::ProductWebhook(ProductEvent { .. })
    ));
    // An event type delivered as a webhook (or the reverse) is not a subscription.
    assert!(!webhook("view_thanks").is_subscribed());
    assert!(!event("stock").is_subscribed());
}

#[test]
fn pixel_example_uses_every_kind_and_its_template() {
    let manifest = pixel::Settings::manifest();
    let mut kinds: Vec<FieldKind> = manifest.fields.iter().map(|f| f.kind).collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds.len(), 7, "{kinds:?}");
    // One snippet per placement; the templates are rendered into Smarty (the snippet suites
    // render that Smarty with the real engine).
    assert_eq!(manifest.snippets.len(), 4);
    let purchase = &manifest.snippets[3].code;
    assert!(
        purchase.contains(r#"<{assign var="app_lines" value=$order->getProducts()}>"#),
        "{purchase}"
    );
    assert!(
        !purchase.contains("{{"),
        "askama syntax is rendered away: {purchase}"
    );
    assert!(
        manifest
            .fields
            .iter()
            .any(|f| f.external_list.as_deref() == Some("warehouses"))
    );
    assert!(manifest.fields.iter().all(|f| f.invalid_default.is_none()));
    assert_eq!(
        manifest.events,
        [
            EventName::AddToBasket,
            EventName::Paid,
            EventName::ViewThanks
        ]
    );
    assert_eq!(
        manifest.webhooks,
        [WebhookName::Paid, WebhookName::OrderCreated]
    );
}

/// A hygiene torture test: every name the generated code could use unqualified is shadowed
/// here, so any such use fails to compile.
#[allow(
    dead_code,
    unused_macros,
    non_camel_case_types,
    clippy::upper_case_acronyms,
    clippy::empty_structs_with_brackets
)]
mod hygiene {
    struct Option;
    struct Some;
    struct None;
    struct Result;
    struct Ok;
    struct Err;
    struct String;
    struct Vec;
    struct Box;
    struct Value;
    struct FieldValues;
    struct AppManifest;
    struct bool;
    struct str;
    struct u8;
    trait Debug {}
    trait Clone {}
    trait PartialEq {}
    trait ToOwned {}
    trait Payload {}
    trait AppSettings {}
    trait AppEvent {}
    trait SettingType {}
    mod core {}
    mod std {}
    mod serde_json {}
    mod shoporama_app {}
    macro_rules! vec {
        ($($t:tt)*) => {
            compile_error!("the local `vec!` was used")
        };
    }
    macro_rules! unreachable {
        ($($t:tt)*) => {
            compile_error!("the local `unreachable!` was used")
        };
    }
    macro_rules! include_bytes {
        ($($t:tt)*) => {
            compile_error!("the local `include_bytes!` was used")
        };
    }
    macro_rules! matches {
        ($($t:tt)*) => {
            compile_error!("the local `matches!` was used")
        };
    }

    #[derive(
        ::core::fmt::Debug,
        ::core::clone::Clone,
        ::core::marker::Copy,
        ::core::cmp::PartialEq,
        ::shoporama_app::ListOptions,
    )]
    pub(crate) enum Mode {
        On,
        #[option(key = "off")]
        Off,
    }

    #[::shoporama_app::shoporama_app(
        name = "Hygiene",
        access = write,
        events(paid, add_to_basket),
        webhooks(paid, stock),
        snippet(place = before_head_close, pages(products), template = "../shoporama-app/tests/fixtures/snippets/hygiene.tpl"),
    )]
    pub(crate) struct Tortured {
        pub(crate) text: ::std::string::String,
        #[field(default = 3)]
        pub(crate) number: ::core::primitive::u8,
        pub(crate) flag: ::core::primitive::bool,
        #[field(default = "off")]
        pub(crate) mode: Mode,
        #[field(list = external("things"))]
        pub(crate) thing: ::core::option::Option<::std::string::String>,
    }

    #[::shoporama_app::shoporama_app(name = "Empty", access = read)]
    pub(crate) struct Empty {}

    #[::shoporama_app::shoporama_app(name = "Unit", access = read)]
    pub(crate) struct Unit;
}

#[test]
fn generated_code_survives_shadowed_names() {
    use hygiene::{Mode, Tortured, TorturedEvent};
    let fields: FieldValues = [("text", json!("x")), ("flag", json!("1"))]
        .into_iter()
        .collect();
    let settings = Tortured::from_fields(&fields).expect("valid");
    assert_eq!(
        (settings.number, settings.flag, settings.mode),
        (3, true, Mode::Off)
    );
    assert_eq!(
        Tortured::from_fields(&settings.to_fields()).map(|s| s.text),
        Ok("x".to_owned())
    );
    assert_eq!(Tortured::manifest().fields.len(), 5);
    assert!(
        Tortured::manifest().snippets[0]
            .code
            .contains("$app_vars.thing|default:''|escape:\"javascript\"")
    );
    assert!(TorturedEvent::from_delivery("stock", json!({})).is_subscribed());
    assert_eq!(hygiene::Empty::manifest().fields.len(), 0);
    assert!(hygiene::Unit::from_fields(&FieldValues::new()).is_ok());
    assert_eq!(hygiene::Unit.to_fields(), FieldValues::new());
    assert_eq!(hygiene::UnitEvent::EVENTS, []);
    let unknown = hygiene::UnitEvent::from_delivery("paid", json!(1));
    assert_eq!(
        (unknown.kind(), unknown.raw(), unknown.is_subscribed()),
        ("paid", &json!(1), false)
    );
}

/// `crate = …` points the generated code at a re-export of the runtime.
mod custom_crate_path {
    pub(crate) mod facade {
        pub(crate) use ::shoporama_app::*;
    }

    #[crate::custom_crate_path::facade::shoporama_app(
        name = "Facade",
        access = read,
        webhooks(product),
        crate = crate::custom_crate_path::facade,
    )]
    pub(crate) struct ViaFacade {
        pub(crate) name: String,
    }
}

#[test]
fn crate_path_can_be_overridden() {
    use custom_crate_path::{ViaFacade, ViaFacadeEvent};
    assert_eq!(ViaFacade::manifest().name, "Facade");
    assert!(
        matches!(ViaFacadeEvent::from_delivery("product", json!({"id": 3})), ViaFacadeEvent::ProductWebhook(p) if p.product_id == Some(3))
    );
}
