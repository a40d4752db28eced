//! The upgrade lock: each change that would break installed shops is named by
//! `AppManifest::breaking_changes` (and so by `<app> manifest --check` and `check_lock`), and a
//! field renamed with `rename_from` keeps the values shops stored under its old name, on
//! SQLite and PostgreSQL.

use std::sync::{Arc, Mutex};

use shoporama_app::manifest::{AppManifest, BreakingChange, LockError, ManifestLock, check_lock};
use shoporama_app::prelude::*;
use shoporama_app::server::AppRuntime;
use shoporama_app::testing::SimulatedShop;
use shoporama_app_tests::{APP_TOKEN, config, fresh_postgres_schema, postgres_url};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ListOptions)]
pub(crate) enum ConsentV1 {
    Basic,
    Full,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ListOptions)]
pub(crate) enum ConsentV2 {
    Basic,
    Anonymous,
}

/// What the shops installed.
mod v1 {
    use super::ConsentV1;
    use shoporama_app::prelude::*;

    #[shoporama_app(
        name = "Pixel",
        access = read,
        monthly_price = 49,
        events(paid),
        webhooks(paid, stock)
    )]
    pub(crate) struct Settings {
        pub(crate) measurement_id: String,
        #[field(default = 30)]
        pub(crate) cookie_days: u32,
        #[field(default = "full")]
        pub(crate) consent: ConsentV1,
    }
}

/// `v1`, changed by `$change`, as a module `$name` with `Settings`.
macro_rules! version {
    ($name:ident, [$($app:tt)*], { $($fields:tt)* }) => {
        mod $name {
            #[allow(unused_imports)]
            use super::{ConsentV1, ConsentV2};
            use shoporama_app::prelude::*;

            #[shoporama_app(name = "Pixel", $($app)*)]
            pub(crate) struct Settings {
                $($fields)*
            }
        }
    };
}

version!(same, [access = read, monthly_price = 49, events(paid), webhooks(paid, stock)], {
    pub(crate) measurement_id: String,
    #[field(default = 30)]
    pub(crate) cookie_days: u32,
    #[field(default = "full")]
    pub(crate) consent: ConsentV1,
});

// Safe changes: a new optional field, a lower price, narrower access, a new subscription, a
// renamed field that says where it came from.
version!(safe, [access = read, monthly_price = 29, events(paid, add_to_basket), webhooks(paid, stock)], {
    #[field(rename = "pixel_id", rename_from = "measurement_id")]
    pub(crate) measurement_id: String,
    #[field(default = 30)]
    pub(crate) cookie_days: u32,
    #[field(default = "full")]
    pub(crate) consent: ConsentV1,
    pub(crate) note: Option<String>,
});

version!(field_removed, [access = read, monthly_price = 49, events(paid), webhooks(paid, stock)], {
    pub(crate) measurement_id: String,
    #[field(default = "full")]
    pub(crate) consent: ConsentV1,
});

version!(key_changed, [access = read, monthly_price = 49, events(paid), webhooks(paid, stock)], {
    #[field(rename = "pixel_id")]
    pub(crate) measurement_id: String,
    #[field(default = 30)]
    pub(crate) cookie_days: u32,
    #[field(default = "full")]
    pub(crate) consent: ConsentV1,
});

version!(kind_changed, [access = read, monthly_price = 49, events(paid), webhooks(paid, stock)], {
    pub(crate) measurement_id: String,
    pub(crate) cookie_days: String,
    #[field(default = "full")]
    pub(crate) consent: ConsentV1,
});

version!(option_removed, [access = read, monthly_price = 49, events(paid), webhooks(paid, stock)], {
    pub(crate) measurement_id: String,
    #[field(default = 30)]
    pub(crate) cookie_days: u32,
    #[field(default = "basic")]
    pub(crate) consent: ConsentV2,
});

version!(price_raised, [access = read, monthly_price = 59, events(paid), webhooks(paid, stock)], {
    pub(crate) measurement_id: String,
    #[field(default = 30)]
    pub(crate) cookie_days: u32,
    #[field(default = "full")]
    pub(crate) consent: ConsentV1,
});

version!(access_widened, [access = all, monthly_price = 49, events(paid), webhooks(paid, stock)], {
    pub(crate) measurement_id: String,
    #[field(default = 30)]
    pub(crate) cookie_days: u32,
    #[field(default = "full")]
    pub(crate) consent: ConsentV1,
});

version!(subscription_dropped, [access = read, monthly_price = 49, events(paid), webhooks(paid)], {
    pub(crate) measurement_id: String,
    #[field(default = 30)]
    pub(crate) cookie_days: u32,
    #[field(default = "full")]
    pub(crate) consent: ConsentV1,
});

fn changes(manifest: &AppManifest) -> Vec<BreakingChange> {
    manifest.breaking_changes(&v1::Settings::manifest())
}

fn messages(manifest: &AppManifest) -> Vec<String> {
    changes(manifest).iter().map(ToString::to_string).collect()
}

#[test]
fn an_unchanged_or_safely_changed_manifest_breaks_nothing() {
    assert_eq!(changes(&same::Settings::manifest()), []);
    assert_eq!(changes(&safe::Settings::manifest()), []);
    // Narrower access is no widening.
    let mut narrower = access_widened::Settings::manifest();
    let locked = narrower.clone();
    narrower.access = shoporama_app::manifest::Access::Read;
    assert_eq!(narrower.breaking_changes(&locked), []);
}

#[test]
fn a_removed_field_is_breaking() {
    assert_eq!(
        changes(&field_removed::Settings::manifest()),
        [BreakingChange::FieldRemoved {
            name: "cookie_days".into()
        }]
    );
    assert_eq!(
        messages(&field_removed::Settings::manifest()),
        [
            "field `cookie_days` was removed or renamed: installed shops keep their value under `cookie_days`; keep the field, or add `#[field(rename_from = \"cookie_days\")]` to the field that replaces it"
        ]
    );
}

#[test]
fn a_key_changed_without_rename_from_is_breaking() {
    assert_eq!(
        changes(&key_changed::Settings::manifest()),
        [BreakingChange::FieldRemoved {
            name: "measurement_id".into()
        }]
    );
}

#[test]
fn a_changed_kind_is_breaking() {
    assert_eq!(
        messages(&kind_changed::Settings::manifest()),
        [
            "field `cookie_days` changed from integer to text: the values installed shops saved are integer values"
        ]
    );
}

#[test]
fn a_removed_option_the_default_uses_is_breaking() {
    assert_eq!(
        changes(&option_removed::Settings::manifest()),
        [BreakingChange::OptionRemoved {
            field: "consent".into(),
            key: "full".into()
        }]
    );
}

#[test]
fn a_raised_price_is_breaking() {
    assert_eq!(
        messages(&price_raised::Settings::manifest()),
        [
            "the monthly price went up from 49 to 59 DKK: once an app is live Shoporama only lets the price go down"
        ]
    );
}

#[test]
fn widened_access_is_breaking() {
    assert_eq!(
        messages(&access_widened::Settings::manifest()),
        [
            "access widened from `read` to `all`: the tokens of installed shops were created with `read` rights"
        ]
    );
}

#[test]
fn a_dropped_subscription_is_breaking() {
    assert_eq!(
        messages(&subscription_dropped::Settings::manifest()),
        ["the webhook `stock` is no longer subscribed: installed shops were set up to send it"]
    );
}

#[test]
fn the_lock_file_round_trips_and_check_lock_names_every_change() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join(shoporama_app::manifest::LOCK_FILE);
    let missing = check_lock(&v1::Settings::manifest(), &path).unwrap_err();
    assert!(matches!(missing, LockError::Read { .. }), "{missing}");
    ManifestLock::new(&v1::Settings::manifest())
        .write(&path)
        .expect("written");
    assert_eq!(
        ManifestLock::read(&path).expect("read").manifest,
        v1::Settings::manifest()
    );
    check_lock(&safe::Settings::manifest(), &path).expect("a safe upgrade");
    let mut worse = price_raised::Settings::manifest();
    worse.webhooks.clear();
    let error = check_lock(&worse, &path).unwrap_err();
    let LockError::Breaking { changes, .. } = &error else {
        panic!("{error}");
    };
    assert_eq!(changes.len(), 3, "{error}");
    let text = error.to_string();
    assert!(
        text.contains("- the monthly price went up from 49 to 59 DKK"),
        "{text}"
    );
    assert!(
        text.contains("- the webhook `stock` is no longer subscribed"),
        "{text}"
    );
}

/// The renamed field's app: what it read, per event.
#[derive(Clone, Default)]
struct Renamed {
    seen: Arc<Mutex<Vec<String>>>,
}

impl ShoporamaApp for Renamed {
    type Settings = safe::Settings;

    async fn on_event(
        &self,
        shop: &Shop<safe::Settings>,
        _event: <safe::Settings as AppSettings>::Event,
    ) -> Result<(), AppError> {
        let settings = shop.settings();
        self.seen.lock().map_err(AppError::msg)?.push(format!(
            "{} {}",
            settings.measurement_id, settings.cookie_days
        ));
        Ok(())
    }
}

struct Old;

impl ShoporamaApp for Old {
    type Settings = v1::Settings;
}

/// A shop installed v1 (`measurement_id`); v2 reads it as `pixel_id` and stores it so.
async fn rename_from_moves_stored_settings(url: &str) {
    let old = AppRuntime::connect(Old, config(url)).await.expect("v1");
    SimulatedShop::in_process(old.router(), v1::Settings::manifest(), APP_TOKEN)
        .webshop_id(7)
        .field("measurement_id", "G-OLD")
        .field("cookie_days", 14)
        .install()
        .await
        .assert_ok();
    drop(old);

    let app = Renamed::default();
    let runtime = AppRuntime::connect(app.clone(), config(url))
        .await
        .expect("v2");
    let shop = SimulatedShop::in_process(runtime.router(), safe::Settings::manifest(), APP_TOKEN)
        .webshop_id(7);
    shop.event("paid").await.assert_ok();
    assert_eq!(*app.seen.lock().expect("lock"), ["G-OLD 14"]);
    let stored = runtime
        .store()
        .installation(7)
        .await
        .expect("store")
        .expect("installed");
    assert_eq!(
        stored.fields.get("pixel_id"),
        Some(&serde_json::json!("G-OLD"))
    );
    assert_eq!(stored.fields.get("measurement_id"), None);
    assert!(stored.settings_status.is_configured());
}

#[tokio::test]
async fn rename_from_moves_stored_settings_on_sqlite() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("rename.db").display());
    rename_from_moves_stored_settings(&url).await;
}

#[tokio::test]
async fn rename_from_moves_stored_settings_on_postgres() {
    if let Some(url) = postgres_url("rename_from_moves_stored_settings_on_postgres") {
        rename_from_moves_stored_settings(&fresh_postgres_schema(&url, "rename")).await;
    }
}
