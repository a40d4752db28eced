//! The shop's content and set-up: [`BlogPost`], [`StaticPage`], [`LandingPage`], [`Menu`],
//! [`Redirect`], [`Webhook`], and [`Webshop`] (`/REST/self`).

use chrono::NaiveDateTime;
use serde_json::Value;

use super::lenient;

model! {
    /// A blog post (`/REST/blog-post`).
    pub struct BlogPost {
        /// The post's id.
        pub blog_post_id: u64,
        /// The title.
        pub title: String,
        /// The text (HTML).
        pub content: Option<String>,
        /// The URL slug.
        pub rewrite_url: Option<String>,
        /// Whether it is online.
        pub is_online: Option<bool>,
        /// When it was written.
        pub created: Option<NaiveDateTime>,
        /// When it last changed.
        pub last_modified: Option<NaiveDateTime>,
    }
}

model! {
    /// A static page (`/REST/page`).
    pub struct StaticPage {
        /// The page's id.
        pub page_id: u64,
        /// The title.
        pub title: String,
        /// The text (HTML).
        pub content: Option<String>,
        /// The URL slug.
        pub rewrite_url: Option<String>,
        /// Whether it is online.
        pub is_online: Option<bool>,
        /// When it last changed.
        pub last_modified: Option<NaiveDateTime>,
    }
}

model! {
    /// A landing page (`/REST/landing-page`).
    pub struct LandingPage {
        /// The landing page's id.
        pub landing_page_id: u64,
        /// The title.
        pub title: String,
        /// The text (HTML).
        pub content: Option<String>,
        /// The URL slug.
        pub rewrite_url: Option<String>,
        /// Its tags (themes select landing pages by tag).
        pub tags: Option<String>,
        /// When it last changed.
        pub last_modified: Option<NaiveDateTime>,
    }
}

model! {
    /// A navigation menu (`/REST/menu`). Shoporama spells the title `titel`.
    pub struct Menu {
        /// The menu's id.
        pub menu_id: u64,
        /// The title (Shoporama's spelling).
        pub titel: String,
        /// The menu's key in themes (`topmenu`).
        pub name: Option<String>,
        /// The entries.
        pub items: Vec<MenuItem>,
    }
}

/// One entry of a [`Menu`]; `type` is `menu` for a sub-menu, whose entries are in `items`.
#[derive(Debug, Clone, PartialEq, Default, serde::Deserialize, serde::Serialize)]
pub struct MenuItem {
    /// The text (Shoporama's spelling).
    #[serde(default, with = "lenient::field")]
    pub titel: String,
    /// Where it links.
    #[serde(default, with = "lenient::field")]
    pub url: Option<String>,
    /// `menu` for a sub-menu, else the link's kind.
    #[serde(rename = "type", default, with = "lenient::field")]
    pub kind: Option<String>,
    /// A sub-menu's entries.
    #[serde(default, with = "lenient::field")]
    pub items: Vec<MenuItem>,
    /// Every field not named above, as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

impl lenient::field::ListItem for MenuItem {}

model! {
    /// A URL redirect (`/REST/redirect`).
    pub struct Redirect {
        /// The redirect's id.
        pub redirect_id: u64,
        /// The old path.
        pub from: String,
        /// Where it now leads.
        pub to: String,
        /// The HTTP status (301, 302).
        #[serde(rename = "type")]
        pub status: Option<i64>,
    }
}

model! {
    /// A standalone webhook (`/REST/webhook`, Settings → Webhooks): deliveries of `type` to
    /// `url`, signed with a secret the platform generates.
    pub struct Webhook {
        /// The webhook's id.
        pub webhook_id: u64,
        /// Where deliveries go.
        pub url: String,
        /// The event (`order_created`, `paid`, `product`, …).
        #[serde(rename = "type")]
        pub event: Option<String>,
        /// Whether it is active.
        pub is_active: Option<bool>,
        /// When it was created.
        pub created: Option<NaiveDateTime>,
    }
}

model! {
    /// The shop behind the token (`GET /REST/self`).
    pub struct Webshop {
        /// The shop's id.
        pub webshop_id: u64,
        /// The shop's name.
        pub name: String,
        /// The shop's address on the web.
        pub url: Option<String>,
        /// Its e-mail address.
        pub email: Option<String>,
        /// The currency (`DKK`).
        pub currency: Option<String>,
        /// Its country, in the shop's [country table](super::ShopCountry).
        pub country_id: Option<u64>,
    }
}
