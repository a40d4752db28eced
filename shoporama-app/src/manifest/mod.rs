//! The app manifest: everything entered in Shoporama's app form, generated from the settings
//! struct by `#[shoporama_app]`, exported as JSON and as a Markdown setup sheet.

mod access;
mod field;
mod lock;
mod sheet;

pub use access::Access;
pub use field::ManifestField;
pub use lock::{BreakingChange, LOCK_FILE, LockError, ManifestLock, check_lock};

use serde::{Deserialize, Serialize};

use crate::events::{EventName, WebhookName};
use crate::placement::{Page, Placement};

/// An app as Shoporama's app form describes it.
///
/// The JSON form (`serde_json::to_string(&manifest)`, or `<app> manifest`) is a stable format
/// that tools read back; fields keep their declaration order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppManifest {
    /// Short name, used in overviews and emails.
    pub name: String,
    /// What the app does. Plain text; only `<a>` links are allowed.
    pub description: String,
    /// Optional category.
    pub category: Option<String>,
    /// The rights of the REST token created for each shop.
    pub access: Access,
    /// Monthly price in DKK. Once the app is active it can only be lowered.
    pub monthly_price: u64,
    /// The callback URL, when fixed at compile time (it can also be set at run time).
    pub callback_url: Option<String>,
    /// The only shops allowed to install the app; empty means all.
    pub allowed_shops: Vec<u64>,
    /// Subscribed webhooks.
    pub webhooks: Vec<WebhookName>,
    /// Subscribed storefront events.
    pub events: Vec<EventName>,
    /// The settings fields, in declaration order.
    pub fields: Vec<ManifestField>,
    /// Code injected into the shop's pages.
    pub snippets: Vec<ManifestSnippet>,
}

/// One piece of code injected into the shop's pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestSnippet {
    /// Where in the page.
    pub placement: Placement,
    /// On which pages.
    pub pages: Vec<Page>,
    /// The Smarty code (delimiters `<{ }>`).
    pub code: String,
}

impl AppManifest {
    /// The manifest as pretty-printed JSON.
    pub fn to_json_pretty(&self) -> String {
        // Serialising plain data (strings, numbers, vectors) to a String cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Writes the manifest as pretty-printed JSON to `path` (what a build script does, see
    /// `examples/deploy/build.rs`).
    pub fn write_json(&self, path: impl AsRef<std::path::Path>) -> std::io::Result<()> {
        std::fs::write(path, self.to_json_pretty() + "\n")
    }

    /// The field with this wire name.
    pub fn field(&self, name: &str) -> Option<&ManifestField> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The callback URL to enter: `callback_url` from the manifest, else `fallback`.
    pub fn callback_url_or<'a>(&'a self, fallback: &'a str) -> &'a str {
        self.callback_url.as_deref().unwrap_or(fallback)
    }
}
