//! The [`AppSettings`] trait that `#[shoporama_app]` implements for an app's settings struct.

use crate::events::AppEvent;
use crate::fields::{FieldValues, SettingsError};
use crate::manifest::AppManifest;

/// An app's settings: what the shop owner fills in on Shoporama's app form, typed.
///
/// Implemented by [`#[shoporama_app]`](macro@crate::shoporama_app); not meant to be implemented
/// by hand.
pub trait AppSettings: Sized + Send + Sync + 'static {
    /// The typed events and webhooks this app subscribes to (`<Struct>Event` by default).
    type Event: AppEvent;

    /// Everything Shoporama's app form needs: name, access, fields, webhooks, events, snippets.
    fn manifest() -> AppManifest;

    /// Builds the settings from the raw `fields` of an install or update callback.
    ///
    /// Lenient the way PHP's JSON needs (see [`crate::fields`]); every failing field is
    /// reported, each with its name and the value received.
    fn from_fields(fields: &FieldValues) -> Result<Self, SettingsError>;

    /// The settings as raw field values, in declaration order.
    fn to_fields(&self) -> FieldValues;
}
