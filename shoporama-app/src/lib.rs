#![doc = include_str!("../../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate self as shoporama_app;

pub mod app;
pub mod callback;
pub mod cli;
pub mod config;
pub mod console;
pub mod effects;
pub mod events;
pub mod fields;
pub mod inbox;
pub mod manifest;
mod placement;
pub mod rest;
pub mod secret;
pub mod server;
pub mod settings;
pub mod snippet;
pub mod store;
pub mod testing;
mod wire;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use app::{AppError, InstallKind, Shop, ShopInfo, ShoporamaApp};
pub use cli::{run, run_async, run_with_commands};
pub use config::Config;
pub use fields::{Code, Color, FieldValues, ListOptions, RichText};
pub use manifest::AppManifest;
pub use secret::Secret;
pub use server::{AppRuntime, serve};
pub use settings::AppSettings;

// The crates an app needs next to this one, so that its Cargo.toml lists only
// `shoporama-app` and `serde` (whose derive macros name `serde` itself).

/// The `clap` of the command line, for an app's own subcommands ([`run_with_commands`]):
/// with `use shoporama_app::clap;` in scope, `#[derive(clap::Subcommand)]` works without a
/// `clap` of your own.
pub use clap;
/// The `futures` of the REST client's paged [`Stream`](futures::Stream)s:
/// `use shoporama_app::futures::TryStreamExt;` for `try_collect`, `try_next`, ….
pub use futures;
/// The `serde_json` of the payloads: events carry their whole body as a
/// [`serde_json::Value`] (`raw`), and REST items keep unknown fields in one.
///
/// ```
/// let body = shoporama_app::serde_json::json!({"order_id": 7});
/// assert_eq!(body["order_id"], 7);
/// ```
pub use serde_json;
/// The `sqlx` this crate is built with, for queries on the app's own tables
/// ([`Database`](store::Database), [`with_backend!`]): use it rather than a `sqlx` of your
/// own, so the versions cannot drift apart.
pub use sqlx;
/// The `tokio` the server, the inbox and the REST client run on: for `#[tokio::test]`,
/// timers and tasks in an app. Its macros take the path:
/// `#[shoporama_app::tokio::test(crate = "shoporama_app::tokio")]`.
///
/// ```
/// #[shoporama_app::tokio::main(crate = "shoporama_app::tokio")]
/// async fn main() {
///     shoporama_app::tokio::time::sleep(std::time::Duration::from_millis(1)).await;
/// }
/// ```
pub use tokio;
/// The `tracing` this crate logs with: `shoporama_app::tracing::info!(…)` logs through the
/// subscriber `run` installs (`RUST_LOG`, `SHOPORAMA_LOG_FORMAT`).
///
/// ```
/// use shoporama_app::tracing;
///
/// tracing::info!(webshop = 7, "paid order");
/// ```
pub use tracing;
/// An app's migrations, embedded at compile time: every `<version>_<description>.sql` in
/// `migrations/sqlite` and `migrations/postgres` (or `<dir>/sqlite`, `<dir>/postgres`)
/// next to the crate's `Cargo.toml`, as an [`AppMigrations`](store::AppMigrations) to return
/// from [`ShoporamaApp::migrations`].
///
/// ```ignore
/// impl ShoporamaApp for MyApp {
///     type Settings = Settings;
///
///     fn migrations(&self) -> shoporama_app::store::AppMigrations {
///         shoporama_app::migrations!() // or migrations!("db/migrations")
///     }
/// }
/// ```
///
/// A file with a bad name, or two with one version, is a compile error; so is a directory
/// with neither subdirectory. An app for one backend only has one subdirectory (starting on
/// the other fails, saying so). Editing a file rebuilds the crate; adding one does not until
/// something else changes, so add a `build.rs` with
/// `println!("cargo:rerun-if-changed=migrations");` (as with `sqlx::migrate!`).
#[macro_export]
macro_rules! migrations {
    () => {
        $crate::__private::embed_migrations!($crate, "migrations")
    };
    ($dir:literal) => {
        $crate::__private::embed_migrations!($crate, $dir)
    };
}
/// Derives [`ListOptions`](trait@fields::ListOptions) for an enum whose variants are a list
/// field's fixed options.
///
/// Each variant's key is its name in `snake_case` and its label its name humanised
/// (`FullConsent` → `full_consent`, "Full consent"); `#[option(key = "…", label = "…")]`
/// overrides either. Variants cannot have fields, and keys must be unique. The enum also gets
/// [`SettingType`](fields::SettingType) (kind `list`) and
/// [`SettingDefault<&str>`](fields::SettingDefault), so `#[field(default = "key")]` works.
pub use shoporama_app_macros::ListOptions;
/// Turns a struct into an app's settings: Shoporama's app form, checked at compile time.
///
/// ```
/// use shoporama_app::prelude::*;
///
/// #[derive(Debug, Clone, Copy, PartialEq, Eq, ListOptions)]
/// pub enum ConsentMode {
///     Basic,
///     #[option(key = "full", label = "Full (after consent)")]
///     Full,
/// }
///
/// #[shoporama_app(
///     name = "Conversion pixel",                   // required
///     description = "Reports purchases. <a href=\"https://example.com\">Docs</a>", // only <a> tags
///     category = "Marketing",
///     access = read,                               // required: read | write | all
///     monthly_price = 49,                          // DKK; can only be lowered once active
///     callback_url = "https://pixel.example.com/callback", // or set at run time
///     allowed_shops(1, 2),                         // omit to allow every shop
///     events(add_to_basket, paid),
///     webhooks(paid, new_status),
///     snippet(place = before_body_close, pages(thanks), source = "<script>/* … */</script>"),
/// )]
/// pub struct Settings {
///     /// Help text shown under the field.
///     #[field(label = "Measurement ID")]
///     measurement_id: String,              // text
///     #[field(default = 30)]
///     cookie_days: u32,                    // integer
///     enabled: bool,                       // boolean
///     #[field(default = "basic")]
///     consent: ConsentMode,                // list (fixed options)
///     #[field(list = external("warehouses"))]
///     warehouse: Option<String>,           // list (served by the app); `Option` = not required
///     #[field(rename = "accent_color")]
///     accent: Color,                       // color, `$app_vars.accent_color` in Smarty
///     banner: Option<RichText>,            // richtext
///     extra: Code,                         // code
/// }
///
/// let manifest = Settings::manifest();
/// assert_eq!(manifest.fields[1].default, 30);
/// // `paid` is subscribed both ways: the storefront event and the webhook are two variants.
/// match SettingsEvent::from_delivery("paid", serde_json::json!({"order_id": 7})) {
///     SettingsEvent::Paid(order) => assert_eq!(order.order_id, Some(7)),
///     other => unreachable!("{other:?}"),
/// }
/// let webhook = serde_json::json!({"order_id": 7, "webhook": "paid"});
/// assert!(matches!(SettingsEvent::from_delivery("paid", webhook), SettingsEvent::PaidWebhook(_)));
/// ```
///
/// # App-level keys
///
/// `name = "…"` and `access = read | write | all` are required. `description` may contain
/// no HTML but `<a>` links. `events(…)` takes Shoporama's storefront events (`add_to_basket`,
/// `update_basket`, `view_basket`, `view_address`, `view_shipping`, `view_approve`,
/// `view_thanks`, `approved`, `order_created`, `paid`, `add_label`, `remove_label`),
/// `webhooks(…)` the webhooks the app form offers (`new_status`, `paid`, `order_created`,
/// `product`, `stock`: order status, paid and created, products, inventory); the shop's own
/// webhooks that the form has no box for (`new_return`, `order_withdrawn`, `category`,
/// `customer_created`, `newsletter_subscribe`) are a compile error. `snippet(place = …, pages(…), template = "path" | source = "…")`
/// is repeatable: `place` is `after_head_open`, `before_head_close`, `after_body_open` or
/// `before_body_close`; `pages` is `all` or any of `products`, `landing_pages`, `categories`,
/// `static_pages`, `blog_posts`, `search`, `basket`, `address`, `shipping`, `approve`,
/// `thanks`, `order`, `also`; a `template` path is relative to the crate's `Cargo.toml`. The
/// template (or `source`) is an askama template whose output is the snippet's Smarty: it reads
/// the settings as `{{ app.<field> }}`, escaped for the context you choose (`.js()`, `.attr()`,
/// `.url()`, `.css()`), and the page objects as `order`, `line`, `product`, `basket`; a
/// misspelt setting is a compile error. See [`snippet`] for the references, the lint and the
/// preview.
/// `event_enum = Name` renames the event enum; `crate = ::path` points the generated code at a
/// re-export of this crate.
///
/// # Fields
///
/// A field's type picks its kind (see [`fields`]); anything else is a compile error at the
/// type. `#[field(label = "…")]` (default: the name humanised), `default = <literal>`,
/// `rename = "…"` (the wire name and Smarty variable, `[A-Za-z_][A-Za-z0-9_]*`),
/// `rename_from = "old"` (the field's earlier name: values stored under it are moved, and the
/// upgrade lock accepts the rename), and
/// `list = external("name")` on a `String` or `Option<String>`. `///` comments become the help
/// text.
///
/// # Generated
///
/// The struct is kept as written (minus `#[field]`), with
/// [`settings::AppSettings`] implemented, and an enum `<Struct>Event` with the
/// struct's visibility: one variant per subscribed event (`Paid`) and one per subscribed
/// webhook (`PaidWebhook`), so a name subscribed both ways is two variants, each carrying its
/// payload type from [`events`], and `Unknown { origin, kind, raw }`. It implements
/// [`AppEvent`](events::AppEvent); the server tells events and webhooks apart with
/// [`Origin::of`](events::Origin::of).
///
/// Every mistake is a compile error at the narrowest span, all reported at once:
///
/// ```compile_fail
/// # use shoporama_app::prelude::*;
/// #[shoporama_app(name = "Pixel", access = read, events(payd))] // unknown event `payd` … did you mean `paid`?
/// pub struct Settings {}
/// ```
///
/// ```compile_fail,E0277
/// # use shoporama_app::prelude::*;
/// #[shoporama_app(name = "Pixel", access = read)]
/// pub struct Settings {
///     ratio: f64, // `f64` is not a Shoporama setting type
/// }
/// ```
///
/// ```compile_fail
/// # use shoporama_app::prelude::*;
/// #[shoporama_app(name = "Pixel", access = read)]
/// pub struct Settings {
///     #[field(rename = "pixel-id")] // not a valid Smarty variable name
///     pixel_id: String,
/// }
/// ```
pub use shoporama_app_macros::shoporama_app;

/// The names most apps need: `use shoporama_app::prelude::*;`.
pub mod prelude {
    pub use crate::app::{AppError, InstallKind, Shop, ShopInfo, ShoporamaApp};
    pub use crate::cli::{CommandContext, CommandError, ShopArg};
    pub use crate::effects::{Attempt, EffectError, EffectFailure};
    pub use crate::events::{
        AppEvent, BasketEvent, CategoryEvent, CheckoutView, CustomerEvent, LabelEvent,
        NewsletterEvent, OrderEvent, Origin, ProductEvent, StockEvent,
    };
    pub use crate::fields::{Code, Color, FieldValues, RichText};
    pub use crate::secret::Secret;
    // The trait and its derive macro, which share the name.
    pub use crate::ListOptions;
    pub use crate::settings::AppSettings;
    pub use crate::shoporama_app;
}
