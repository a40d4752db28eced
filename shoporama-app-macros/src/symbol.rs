//! Every attribute key and every Shoporama wire name the macros know, in one place.
//!
//! The wire-name tables mirror the runtime's `EventName`, `WebhookName`, `Placement` and
//! `Page`; `shoporama_app::__private::wire_names!()` exposes them so a test in
//! `tests/settings.rs` proves the two agree.

use std::fmt;

use proc_macro2::Ident;

/// An attribute key, compared with `ident == KEY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Symbol(pub(crate) &'static str);

impl PartialEq<Symbol> for Ident {
    fn eq(&self, word: &Symbol) -> bool {
        self == word.0
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

// `#[shoporama_app(...)]`
pub(crate) const NAME: Symbol = Symbol("name");
pub(crate) const DESCRIPTION: Symbol = Symbol("description");
pub(crate) const CATEGORY: Symbol = Symbol("category");
pub(crate) const ACCESS: Symbol = Symbol("access");
pub(crate) const MONTHLY_PRICE: Symbol = Symbol("monthly_price");
pub(crate) const CALLBACK_URL: Symbol = Symbol("callback_url");
pub(crate) const ALLOWED_SHOPS: Symbol = Symbol("allowed_shops");
pub(crate) const EVENTS: Symbol = Symbol("events");
pub(crate) const WEBHOOKS: Symbol = Symbol("webhooks");
pub(crate) const SNIPPET: Symbol = Symbol("snippet");
pub(crate) const EVENT_ENUM: Symbol = Symbol("event_enum");
pub(crate) const CRATE: Symbol = Symbol("crate");

/// The keys of `#[shoporama_app(...)]`, for "expected one of" messages.
pub(crate) const APP_KEYS: &[Symbol] = &[
    NAME,
    DESCRIPTION,
    CATEGORY,
    ACCESS,
    MONTHLY_PRICE,
    CALLBACK_URL,
    ALLOWED_SHOPS,
    EVENTS,
    WEBHOOKS,
    SNIPPET,
    EVENT_ENUM,
    CRATE,
];

// `access = …`
pub(crate) const READ: Symbol = Symbol("read");
pub(crate) const WRITE: Symbol = Symbol("write");
pub(crate) const ALL: Symbol = Symbol("all");
pub(crate) const ACCESS_VALUES: &[Symbol] = &[READ, WRITE, ALL];

// `snippet(...)`
pub(crate) const PLACE: Symbol = Symbol("place");
pub(crate) const PAGES: Symbol = Symbol("pages");
pub(crate) const TEMPLATE: Symbol = Symbol("template");
pub(crate) const SOURCE: Symbol = Symbol("source");
pub(crate) const SNIPPET_KEYS: &[Symbol] = &[PLACE, PAGES, TEMPLATE, SOURCE];

// `#[field(...)]`
pub(crate) const FIELD: Symbol = Symbol("field");
pub(crate) const LABEL: Symbol = Symbol("label");
pub(crate) const DEFAULT: Symbol = Symbol("default");
pub(crate) const RENAME: Symbol = Symbol("rename");
pub(crate) const RENAME_FROM: Symbol = Symbol("rename_from");
pub(crate) const LIST: Symbol = Symbol("list");
pub(crate) const EXTERNAL: Symbol = Symbol("external");
pub(crate) const FIELD_KEYS: &[Symbol] = &[LABEL, DEFAULT, RENAME, RENAME_FROM, LIST];

// `#[option(...)]` on the variants of `#[derive(ListOptions)]`
pub(crate) const OPTION: Symbol = Symbol("option");
pub(crate) const KEY: Symbol = Symbol("key");
pub(crate) const OPTION_KEYS: &[Symbol] = &[KEY, LABEL];

pub(crate) const DOC: Symbol = Symbol("doc");

/// A callback type an app can subscribe to, with the runtime payload type it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Wire {
    /// The wire name: the callback's `type` and the manifest entry.
    pub(crate) name: &'static str,
    /// The payload type in `shoporama_app::__private` (re-exported from `events`).
    pub(crate) payload: &'static str,
    /// What happened, for the generated variant's documentation.
    pub(crate) doc: &'static str,
}

const fn wire(name: &'static str, payload: &'static str, doc: &'static str) -> Wire {
    Wire { name, payload, doc }
}

/// Shoporama's storefront events, in the order of its documentation (`EventName::ALL`).
pub(crate) const EVENT_NAMES: &[Wire] = &[
    wire(
        "add_to_basket",
        "BasketEvent",
        "a product was added to the basket",
    ),
    wire("update_basket", "BasketEvent", "the basket was changed"),
    wire(
        "view_basket",
        "BasketEvent",
        "the basket page (/basket) was viewed",
    ),
    wire(
        "view_address",
        "CheckoutView",
        "the address page (/address) was viewed",
    ),
    wire(
        "view_shipping",
        "CheckoutView",
        "the shipping page (/shipping) was viewed",
    ),
    wire(
        "view_approve",
        "CheckoutView",
        "the approve page (/approve) was viewed",
    ),
    wire(
        "view_thanks",
        "CheckoutView",
        "the thank-you page (/thanks) was viewed",
    ),
    wire("approved", "OrderEvent", "the customer approved the order"),
    wire("order_created", "OrderEvent", "an order was created"),
    wire("paid", "OrderEvent", "an order was paid"),
    wire("add_label", "LabelEvent", "a label was added to an order"),
    wire(
        "remove_label",
        "LabelEvent",
        "a label was removed from an order",
    ),
];

/// The webhooks Shoporama's app form offers, in the form's order (`WebhookName::ALL`): "changes
/// to orders (status, paid, created), products, or inventory". Each is one checkbox and
/// produces callbacks of one `type`: its name.
pub(crate) const WEBHOOK_NAMES: &[Wire] = &[
    wire("new_status", "OrderEvent", "an order changed status"),
    wire("paid", "OrderEvent", "an order was paid"),
    wire("order_created", "OrderEvent", "an order was created"),
    wire(
        "product",
        "ProductEvent",
        "a product was created or changed",
    ),
    wire("stock", "StockEvent", "the stock of a product changed"),
];

/// Webhooks of Shoporama's standalone webhook settings (Settings → Webhooks) that the app form
/// has no box for: subscribing an app to one is a compile error that says so.
pub(crate) const STANDALONE_ONLY_WEBHOOKS: &[&str] = &[
    "new_return",
    "order_withdrawn",
    "category",
    "customer_created",
    "newsletter_subscribe",
];

/// Where a snippet can be injected (`Placement::ALL`).
pub(crate) const PLACEMENTS: &[&str] = &[
    "after_head_open",
    "before_head_close",
    "after_body_open",
    "before_body_close",
];

/// The pages a snippet can be injected on (`Page::ALL`).
pub(crate) const PAGE_NAMES: &[&str] = &[
    "all",
    "products",
    "landing_pages",
    "categories",
    "static_pages",
    "blog_posts",
    "search",
    "basket",
    "address",
    "shipping",
    "approve",
    "thanks",
    "order",
    "also",
];

/// The page name meaning "every page".
pub(crate) const ALL_PAGES: &str = "all";
