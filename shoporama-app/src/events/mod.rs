//! Storefront events and webhooks: their names, their payloads, and the [`AppEvent`] trait that
//! the generated `<Struct>Event` enum implements.
//!
//! Shoporama documents the names but not the bodies of events and webhooks. Each payload type
//! therefore reads what the platform is known or likely to send into `Option` fields, never
//! fails, and always keeps the whole body in `raw`. When a field you need is `None`, read `raw`,
//! or fetch the resource over REST by its id (what Shoporama's own e-conomic app does).

mod lenient;
mod names;
mod payloads;

pub use crate::wire::UnknownName;
pub use names::{EventName, WebhookName};
pub use payloads::{
    BasketEvent, CategoryEvent, CheckoutView, CustomerEvent, LabelEvent, NewsletterEvent,
    OrderEvent, Payload, ProductEvent, StockEvent,
};

use serde_json::Value;

/// Which of Shoporama's two kinds of callback a delivery is: a storefront event or a
/// webhook. Two names are both (`paid`, `order_created`): an app subscribed to `paid` as an
/// event and as a webhook gets two callbacks per paid order, both with `?type=paid`, and
/// handles each once, as a different variant of its event enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// A storefront event (the app form's "Events").
    Event,
    /// A webhook (the app form's "Webhooks").
    Webhook,
}

/// The top-level member of a callback body that marks it as a webhook delivery when its
/// `type` is both an event and a webhook name the app subscribes to: see [`Origin::of`].
pub const WEBHOOK_MARKER: &str = "webhook";

/// The prefix of a queued webhook's type in the [inbox](crate::inbox) (`webhook:paid`), so
/// that the duplicate guard never takes an event and a webhook for the same callback.
const INBOX_WEBHOOK_PREFIX: &str = "webhook:";

impl Origin {
    /// Which kind of callback a delivery of `?type=kind` is, for an app subscribed to
    /// `events` and `webhooks`:
    ///
    /// 1. a type the app subscribes to as only one of the two is that one;
    /// 2. a type it subscribes to as both (`paid`, `order_created`) is a webhook when
    ///    `marked()` (the body has a non-null top-level [`WEBHOOK_MARKER`] member), an event
    ///    otherwise;
    /// 3. a type it does not subscribe to is what Shoporama's names say, and a name that is
    ///    both (or neither) is decided as in 2.
    ///
    /// Shoporama does not document how the two differ on the wire beyond the body ("the data
    /// contained in our events and webhooks"); rule 2 is the only place the framework
    /// assumes a marker, and it only matters to an app that subscribes to the same name both
    /// ways.
    pub fn of(
        kind: &str,
        events: &[EventName],
        webhooks: &[WebhookName],
        marked: impl FnOnce() -> bool,
    ) -> Self {
        let as_event = events.iter().any(|e| e.as_str() == kind);
        let as_webhook = webhooks.iter().any(|w| w.as_str() == kind);
        let (as_event, as_webhook) = if as_event || as_webhook {
            (as_event, as_webhook)
        } else {
            (
                kind.parse::<EventName>().is_ok(),
                kind.parse::<WebhookName>().is_ok(),
            )
        };
        match (as_event, as_webhook) {
            (true, false) => Self::Event,
            (false, true) => Self::Webhook,
            _ if marked() => Self::Webhook,
            _ => Self::Event,
        }
    }

    /// [`Origin::of`] for the subscriptions of `E`, with the marker read from a parsed body.
    pub fn classify<E: AppEvent>(kind: &str, body: &Value) -> Self {
        Self::of(kind, E::EVENTS, E::WEBHOOKS, || is_marked(body))
    }

    /// [`Origin::of`] for the subscriptions of `E`, with the marker read from JSON text
    /// (parsed only when the type is ambiguous for the app).
    pub fn classify_text<E: AppEvent>(kind: &str, body: &str) -> Self {
        Self::of(kind, E::EVENTS, E::WEBHOOKS, || {
            serde_json::from_str::<Marker>(body).is_ok_and(|m| m.webhook.is_some())
        })
    }

    /// The type a callback of this origin is queued under in the inbox, for an app
    /// subscribed to `events`: the callback's `type`, except for a webhook whose name the app
    /// also subscribes to as an event (`paid` both ways), which is `webhook:<type>`, so the
    /// duplicate guard counts the event and the webhook of one order as two deliveries.
    pub fn inbox_kind<'k>(self, kind: &'k str, events: &[EventName]) -> std::borrow::Cow<'k, str> {
        let shared = events.iter().any(|e| e.as_str() == kind);
        match self {
            Self::Webhook if shared => {
                std::borrow::Cow::Owned(format!("{INBOX_WEBHOOK_PREFIX}{kind}"))
            }
            _ => std::borrow::Cow::Borrowed(kind),
        }
    }

    /// The callback `type` and origin of an inbox job's type (see [`Origin::inbox_kind`]);
    /// `None` for the origin of a plain type, which [`Origin::classify`] decides.
    pub fn from_inbox_kind(stored: &str) -> (&str, Option<Self>) {
        match stored.strip_prefix(INBOX_WEBHOOK_PREFIX) {
            Some(kind) => (kind, Some(Self::Webhook)),
            None => (stored, None),
        }
    }

    /// `event` or `webhook`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Event => "event",
            Self::Webhook => "webhook",
        }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a parsed body carries the webhook marker (a non-null top-level member).
pub(crate) fn is_marked(body: &Value) -> bool {
    body.get(WEBHOOK_MARKER).is_some_and(|v| !v.is_null())
}

/// `body` marked as the webhook `kind` (its top-level [`WEBHOOK_MARKER`] member set), or,
/// when it is not a JSON object and cannot carry the marker, `Err` with the body unchanged.
pub(crate) fn mark_as_webhook(body: Value, kind: &str) -> Result<Value, Value> {
    match body {
        Value::Object(mut map) => {
            map.insert(WEBHOOK_MARKER.to_owned(), Value::String(kind.to_owned()));
            Ok(Value::Object(map))
        }
        other => Err(other),
    }
}

/// The marker alone, read from JSON text without building the rest.
#[derive(serde::Deserialize)]
struct Marker {
    #[serde(default)]
    webhook: Option<serde::de::IgnoredAny>,
}

/// The typed events of one app: generated by `#[shoporama_app]` as `<Struct>Event`, with one
/// variant per subscribed event and one per subscribed webhook (a name subscribed both ways is
/// two variants, `Paid` and `PaidWebhook`), and an `Unknown { origin, kind, raw }` variant.
pub trait AppEvent: Sized + Send + Sync + std::fmt::Debug + 'static {
    /// The storefront events the app subscribes to.
    const EVENTS: &'static [EventName];
    /// The webhooks the app subscribes to.
    const WEBHOOKS: &'static [WebhookName];

    /// Parses a callback of `origin` (see [`Origin::of`]), `type` and JSON body. Never
    /// fails: an unsubscribed or unknown type becomes the `Unknown` variant.
    fn from_callback(origin: Origin, kind: &str, body: Value) -> Self;

    /// Parses a callback of `?type=kind` with JSON `body` the way the server does: its origin
    /// decided by [`Origin::classify`] from the app's subscriptions (and, for a name
    /// subscribed both ways, the body's [`WEBHOOK_MARKER`]).
    fn from_delivery(kind: &str, body: Value) -> Self {
        let origin = Origin::classify::<Self>(kind, &body);
        Self::from_callback(origin, kind, body)
    }

    /// Whether it came as a storefront event or a webhook.
    fn origin(&self) -> Origin;

    /// The callback `type` this event came with (`"paid"`, `"add_to_basket"`, …).
    fn kind(&self) -> &str;

    /// The whole JSON body as received.
    fn raw(&self) -> &Value;

    /// Whether the app subscribed to this event (false for the `Unknown` variant).
    fn is_subscribed(&self) -> bool;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_body_is_marked_as_the_webhook() {
        let body = mark_as_webhook(json!({"order_id": 1}), "paid").unwrap();
        assert_eq!(body, json!({"order_id": 1, "webhook": "paid"}));
        assert!(is_marked(&body));
        assert!(mark_as_webhook(json!([1]), "paid").is_err());
        assert!(!is_marked(&json!({"webhook": null})));
    }

    const EVENTS: &[EventName] = &[EventName::Paid, EventName::AddToBasket];
    const WEBHOOKS: &[WebhookName] = &[WebhookName::Paid, WebhookName::Stock];

    #[test]
    fn a_name_subscribed_one_way_is_that_way_whatever_the_body() {
        assert_eq!(
            Origin::of("add_to_basket", EVENTS, WEBHOOKS, || true),
            Origin::Event
        );
        assert_eq!(
            Origin::of("stock", EVENTS, WEBHOOKS, || false),
            Origin::Webhook
        );
        assert_eq!(Origin::of("paid", EVENTS, &[], || true), Origin::Event);
        assert_eq!(Origin::of("paid", &[], WEBHOOKS, || false), Origin::Webhook);
    }

    #[test]
    fn a_name_subscribed_both_ways_is_told_apart_by_the_marker() {
        let event = json!({"order_id": 1});
        let webhook = json!({"order_id": 1, "webhook": "paid"});
        let null = json!({"order_id": 1, "webhook": null});
        let of = |body: &Value| Origin::of("paid", EVENTS, WEBHOOKS, || is_marked(body));
        assert_eq!(of(&event), Origin::Event);
        assert_eq!(of(&webhook), Origin::Webhook);
        assert_eq!(of(&null), Origin::Event);
        let text = |body: &str| {
            Origin::of("paid", EVENTS, WEBHOOKS, || {
                serde_json::from_str::<Marker>(body).is_ok_and(|m| m.webhook.is_some())
            })
        };
        assert_eq!(text(r#"{"order_id":1}"#), Origin::Event);
        assert_eq!(
            text(r#"{"webhook":"paid","order":{"webhook":1}}"#),
            Origin::Webhook
        );
        assert_eq!(text(r#"{"order":{"webhook":1}}"#), Origin::Event);
    }

    #[test]
    fn unsubscribed_names_follow_shoporamas_names() {
        assert_eq!(Origin::of("view_basket", &[], &[], || true), Origin::Event);
        assert_eq!(
            Origin::of("new_status", &[], &[], || false),
            Origin::Webhook
        );
        assert_eq!(Origin::of("mystery", &[], &[], || false), Origin::Event);
        assert_eq!(Origin::of("mystery", &[], &[], || true), Origin::Webhook);
    }

    #[test]
    fn inbox_kinds_keep_the_origin() {
        assert_eq!(Origin::Event.inbox_kind("paid", EVENTS), "paid");
        assert_eq!(Origin::Webhook.inbox_kind("paid", EVENTS), "webhook:paid");
        // A webhook whose name the app does not also take as an event keeps its type.
        assert_eq!(Origin::Webhook.inbox_kind("paid", &[]), "paid");
        assert_eq!(Origin::Webhook.inbox_kind("stock", EVENTS), "stock");
        assert_eq!(
            Origin::from_inbox_kind("webhook:paid"),
            ("paid", Some(Origin::Webhook))
        );
        assert_eq!(Origin::from_inbox_kind("paid"), ("paid", None));
    }
}
