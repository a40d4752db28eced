//! The pixel app's settings: every Shoporama field kind, storefront events, webhooks and
//! snippets, declared once with `#[shoporama_app]`.
//!
//! `cargo run -p pixel -- manifest` prints the manifest this struct generates.

use shoporama_app::prelude::*;

/// How much the pixel may track before the visitor consents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ListOptions)]
pub enum ConsentMode {
    /// Only anonymous page views until consent.
    Basic,
    /// Everything, once the shop's cookie banner reports consent.
    #[option(label = "Full (after consent)")]
    Full,
    /// Never track; useful while testing the shop.
    #[option(key = "off", label = "Disabled")]
    Disabled,
}

/// What the shop owner fills in on Shoporama's app form.
#[shoporama_app(
    name = "Conversion pixel",
    description = "Reports basket and purchase events to your analytics service. <a href=\"https://example.com/pixel\">Documentation</a>",
    category = "Marketing",
    access = read,
    monthly_price = 49,
    events(add_to_basket, paid, view_thanks),
    webhooks(paid, order_created),
    snippet(place = after_head_open, pages(all), template = "snippets/head.tpl"),
    snippet(place = before_head_close, pages(all), template = "snippets/style.tpl"),
    snippet(place = after_body_open, pages(all), template = "snippets/banner.tpl"),
    snippet(place = before_body_close, pages(thanks), template = "snippets/purchase.tpl"),
)]
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The measurement id from your analytics service, e.g. `G-ABC123`.
    #[field(label = "Measurement ID")]
    pub measurement_id: String,
    /// How many days the attribution cookie lives.
    #[field(default = 30)]
    pub cookie_days: u32,
    /// Turn tracking off without uninstalling the app.
    #[field(default = true)]
    pub enabled: bool,
    /// What the pixel may track before consent.
    #[field(default = "basic")]
    pub consent: ConsentMode,
    /// The warehouse whose stock events are reported (served by the app at run time).
    #[field(list = external("warehouses"))]
    pub warehouse: Option<String>,
    /// The colour of the consent reminder.
    #[field(rename = "accent_color", default = "#1a73e8")]
    pub accent: Color,
    /// Shown above the consent reminder (HTML).
    pub banner: Option<RichText>,
    /// Extra JavaScript run after the pixel loads. Inserted as is.
    pub extra_code: Option<Code>,
}

mod app;

pub use app::Pixel;
