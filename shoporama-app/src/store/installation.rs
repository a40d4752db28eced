//! What the store keeps about a shop: its [`Installation`], or the [`Tombstone`] left behind
//! by an uninstall.

use std::fmt;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::StoreError;
use crate::fields::{RedactedFields, SettingsError};
use crate::secret::AppToken;

/// The largest webshop id, daily limit or usage counter a store must be able to keep.
///
/// The SQL stores keep numbers in signed 64-bit columns (`BIGINT`), so this is `i64::MAX`.
/// Larger values are refused with [`StoreError::OutOfRange`] instead of being wrapped.
pub const MAX_STORABLE: u64 = i64::MAX as u64;

/// One shop's installation of the app, as Shoporama last described it.
///
/// Built from the `install` and `update` callbacks (`webshop_id`, `webshop_url`, `app_token`,
/// `app_token_daily_limit`, `app_token_current_usage`, `installed`, `fields`). Its `Debug`
/// shows the token as `AppToken(***)` and of each field only its name and the kind of its
/// value (a field may hold a [`Secret`](crate::Secret)).
///
/// Timestamps are kept to microsecond precision by every store; finer parts are dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Installation {
    /// The shop's id (`webshop_id`), unique per shop.
    pub webshop_id: u64,
    /// The shop's address (`webshop_url`), as sent.
    pub webshop_url: String,
    /// The REST token Shoporama created for the app in this shop (`app_token`).
    pub token: AppToken,
    /// How many REST calls the token may make per day (`app_token_daily_limit`).
    pub daily_limit: u64,
    /// REST calls already made today when Shoporama sent the callback
    /// (`app_token_current_usage`).
    pub current_usage: u64,
    /// When the shop installed the app (the `installed` unix timestamp).
    pub installed_at: DateTime<Utc>,
    /// When this record was last written from a callback.
    pub updated_at: DateTime<Utc>,
    /// The raw setting values (`fields`), kept verbatim in the order Shoporama sent them.
    pub fields: Map<String, Value>,
    /// Whether `fields` were valid for the app's settings when they were received.
    pub settings_status: SettingsStatus,
}

/// Whether a shop's setting values were valid for the app when they were stored.
///
/// An invalid configuration is still stored (Shoporama has already saved it); the app reports
/// the problems and treats the shop as not configured until the owner fixes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsStatus {
    /// The settings parsed; the app can serve the shop.
    Configured,
    /// The settings did not parse.
    Unconfigured {
        /// One human-readable message per problem, e.g. `measurement_id: is required`.
        errors: Vec<String>,
    },
}

impl SettingsStatus {
    /// The status of settings parsed as `parsed`.
    pub fn of<S>(parsed: &Result<S, SettingsError>) -> Self {
        match parsed {
            Ok(_) => Self::Configured,
            Err(errors) => Self::Unconfigured {
                errors: errors.messages(),
            },
        }
    }

    /// Whether the settings parsed.
    pub fn is_configured(&self) -> bool {
        matches!(self, Self::Configured)
    }

    /// The problems found, empty when configured.
    pub fn errors(&self) -> &[String] {
        match self {
            Self::Configured => &[],
            Self::Unconfigured { errors } => errors,
        }
    }
}

/// The new values an `update` callback carries, for [`InstallStore::update_settings`].
///
/// Everything but the shop's id and its installation time can change on update, the token
/// included (Shoporama may rotate it).
///
/// [`InstallStore::update_settings`]: super::InstallStore::update_settings
///
/// Its `Debug` hides the token and the fields' values, as [`Installation`]'s does.
#[derive(Clone, PartialEq, Eq)]
pub struct SettingsUpdate {
    /// The shop's address.
    pub webshop_url: String,
    /// The shop's REST token for the app.
    pub token: AppToken,
    /// The token's daily call limit.
    pub daily_limit: u64,
    /// REST calls already made today.
    pub current_usage: u64,
    /// The raw setting values, in the order sent.
    pub fields: Map<String, Value>,
    /// Whether `fields` were valid.
    pub settings_status: SettingsStatus,
    /// When the update was received; becomes [`Installation::updated_at`].
    pub updated_at: DateTime<Utc>,
}

impl Installation {
    /// An update that keeps this installation's URL, token, limits and update time, and sets
    /// its fields and their status.
    pub fn settings_update(
        &self,
        fields: Map<String, Value>,
        settings_status: SettingsStatus,
    ) -> SettingsUpdate {
        SettingsUpdate {
            webshop_url: self.webshop_url.clone(),
            token: self.token.clone(),
            daily_limit: self.daily_limit,
            current_usage: self.current_usage,
            fields,
            settings_status,
            updated_at: self.updated_at,
        }
    }
}

impl fmt::Debug for Installation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Installation")
            .field("webshop_id", &self.webshop_id)
            .field("webshop_url", &self.webshop_url)
            .field("token", &self.token)
            .field("daily_limit", &self.daily_limit)
            .field("current_usage", &self.current_usage)
            .field("installed_at", &self.installed_at)
            .field("updated_at", &self.updated_at)
            .field("fields", &RedactedFields(&self.fields))
            .field("settings_status", &self.settings_status)
            .finish()
    }
}

impl fmt::Debug for SettingsUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SettingsUpdate")
            .field("webshop_url", &self.webshop_url)
            .field("token", &self.token)
            .field("daily_limit", &self.daily_limit)
            .field("current_usage", &self.current_usage)
            .field("fields", &RedactedFields(&self.fields))
            .field("settings_status", &self.settings_status)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

impl SettingsUpdate {
    /// The installation that results from applying this update to `previous`: the id and
    /// installation time of `previous`, everything else from `self`.
    pub fn apply_to(&self, previous: &Installation) -> Installation {
        Installation {
            webshop_id: previous.webshop_id,
            webshop_url: self.webshop_url.clone(),
            token: self.token.clone(),
            daily_limit: self.daily_limit,
            current_usage: self.current_usage,
            installed_at: previous.installed_at,
            updated_at: self.updated_at,
            fields: self.fields.clone(),
            settings_status: self.settings_status.clone(),
        }
    }
}

/// What [`InstallStore::upsert_installation`] found before writing.
///
/// [`InstallStore::upsert_installation`]: super::InstallStore::upsert_installation
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpsertOutcome {
    /// The shop had no installation; one was created.
    Installed,
    /// The shop was already installed (Shoporama sent `install` again); its installation was
    /// replaced.
    Reinstalled {
        /// The installation that was replaced.
        previous: Box<Installation>,
    },
}

impl UpsertOutcome {
    /// The outcome of a write that replaced `previous` (`None`: there was nothing to replace).
    pub(crate) fn replacing(previous: Option<Installation>) -> Self {
        previous.map_or(Self::Installed, |previous| Self::Reinstalled {
            previous: Box::new(previous),
        })
    }

    /// The replaced installation, if any.
    pub fn previous(&self) -> Option<&Installation> {
        match self {
            Self::Installed => None,
            Self::Reinstalled { previous } => Some(previous),
        }
    }
}

/// The record an uninstall leaves behind, so a shop that removed the app can be told apart
/// from one that never installed it. A later install removes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tombstone {
    /// The shop that uninstalled the app.
    pub webshop_id: u64,
    /// When the (first) uninstall since the last install was received.
    pub uninstalled_at: DateTime<Utc>,
}

/// Checks that every number of `installation` fits the stores' signed 64-bit columns.
pub(crate) fn check_installation_range(installation: &Installation) -> Result<(), StoreError> {
    let id = installation.webshop_id;
    check_range(id, "webshop_id", id)?;
    check_range(id, "daily_limit", installation.daily_limit)?;
    check_range(id, "current_usage", installation.current_usage)
}

/// Checks that every number of `update` for shop `webshop_id` fits the stores' columns.
pub(crate) fn check_update_range(
    webshop_id: u64,
    update: &SettingsUpdate,
) -> Result<(), StoreError> {
    check_range(webshop_id, "webshop_id", webshop_id)?;
    check_range(webshop_id, "daily_limit", update.daily_limit)?;
    check_range(webshop_id, "current_usage", update.current_usage)
}

/// Converts `value` to the signed column type, or reports it as out of range.
pub(crate) fn to_column(
    webshop_id: u64,
    field: &'static str,
    value: u64,
) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::OutOfRange {
        webshop_id,
        field,
        value,
        max: MAX_STORABLE,
    })
}

fn check_range(webshop_id: u64, field: &'static str, value: u64) -> Result<(), StoreError> {
    to_column(webshop_id, field, value).map(drop)
}

/// `at` with everything finer than a microsecond dropped, as every store keeps it.
pub(crate) fn truncate_to_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    let micros = at.timestamp_micros();
    // Every `DateTime<Utc>` is representable in microseconds, so this never falls back.
    DateTime::from_timestamp_micros(micros).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn installation() -> Installation {
        Installation {
            webshop_id: 7,
            webshop_url: "https://shop.example".into(),
            token: AppToken::new("dcbfe5ad9e8af3495ca4582e364c1bce"),
            daily_limit: 10_000,
            current_usage: 200,
            installed_at: DateTime::from_timestamp(1_692_857_535, 0).unwrap_or_default(),
            updated_at: DateTime::from_timestamp(1_692_857_600, 0).unwrap_or_default(),
            fields: Map::new(),
            settings_status: SettingsStatus::Configured,
        }
    }

    #[test]
    fn debug_does_not_show_the_token() {
        let debug = format!("{:?}", installation());
        assert!(!debug.contains("dcbfe5ad"), "{debug}");
        assert!(debug.contains("AppToken(***)"), "{debug}");
    }

    #[test]
    fn apply_to_keeps_id_and_installation_time() {
        let previous = installation();
        let update = SettingsUpdate {
            webshop_url: "https://new.example".into(),
            token: AppToken::new("new"),
            daily_limit: 1,
            current_usage: 2,
            fields: Map::from_iter([("a".to_owned(), Value::from(1))]),
            settings_status: SettingsStatus::Unconfigured {
                errors: vec!["a: bad".into()],
            },
            updated_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default(),
        };
        let next = update.apply_to(&previous);
        assert_eq!(next.webshop_id, previous.webshop_id);
        assert_eq!(next.installed_at, previous.installed_at);
        assert_eq!(next.updated_at, update.updated_at);
        assert_eq!(next.token, update.token);
        assert_eq!(next.fields, update.fields);
        assert_eq!(next.settings_status.errors(), ["a: bad".to_owned()]);
        assert!(!next.settings_status.is_configured());
    }

    #[test]
    fn numbers_beyond_i64_are_refused() {
        let mut big = installation();
        big.webshop_id = MAX_STORABLE;
        assert!(check_installation_range(&big).is_ok());
        big.current_usage = MAX_STORABLE + 1;
        let err = check_installation_range(&big)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("current_usage") && err.contains("9223372036854775808"),
            "{err}"
        );
    }

    #[test]
    fn truncation_drops_nanoseconds_only() {
        let at = DateTime::from_timestamp(1_692_857_535, 123_456_789).unwrap_or_default();
        let truncated = truncate_to_micros(at);
        assert_eq!(truncated.timestamp_subsec_nanos(), 123_456_000);
        assert_eq!(truncated.timestamp(), 1_692_857_535);
    }
}
