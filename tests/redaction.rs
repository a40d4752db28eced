//! Tokens never appear in logs: a whole install, an update, events and errors are logged at
//! TRACE and the captured output is searched for both tokens. Secret settings never appear
//! in logs, errors, `Debug` of installations and shops, or setup sheets.

use std::io::Write;
use std::sync::{Arc, Mutex};

use shoporama_app::AppSettings;
use shoporama_app::fields::{FieldKind, FieldProblem, SettingType};
use shoporama_app::prelude::*;
use shoporama_app::server::AppRuntime;
use shoporama_app::store::MemoryStore;
use shoporama_app::testing::SimulatedShop;
use shoporama_app_tests::{APP_TOKEN, REST_TOKEN, Recorder, RecorderSettings, config};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Captures everything logged at TRACE on this thread while the guard lives.
    fn trace() -> (Self, tracing::subscriber::DefaultGuard) {
        let captured = Self::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        (captured, tracing::subscriber::set_default(subscriber))
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut out) = self.0.lock() {
            out.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn tokens_never_reach_the_logs() {
    let (captured, _guard) = Captured::trace();

    let runtime = AppRuntime::with_store(
        Recorder::default(),
        config("memory://"),
        Arc::new(MemoryStore::new()),
    );
    let shop = SimulatedShop::in_process(runtime.router(), RecorderSettings::manifest(), APP_TOKEN)
        .webshop_id(7)
        .rest_token(REST_TOKEN);
    shop.clone()
        .without_field("api_key")
        .install()
        .await
        .assert_ok();
    shop.clone()
        .field("api_key", "k")
        .update()
        .await
        .assert_ok();
    shop.clone()
        .field("api_key", "k")
        .install()
        .await
        .assert_ok();
    shop.event("paid").await.assert_ok();
    shop.raw(
        http::Method::POST,
        "type=paid&webshop_id=7",
        Some("wrong-token"),
        b"{}".to_vec(),
    )
    .await;
    shop.uninstall().await.assert_ok();

    let logs = String::from_utf8(captured.0.lock().map(|l| l.clone()).unwrap_or_default())
        .expect("utf-8 logs");
    assert!(
        logs.contains("installation stored"),
        "nothing was logged:\n{logs}"
    );
    assert!(
        logs.contains("webshop_id=7"),
        "the callback span lacks the shop:\n{logs}"
    );
    assert!(
        !logs.contains(REST_TOKEN),
        "the REST token leaked into the logs:\n{logs}"
    );
    assert!(
        !logs.contains(APP_TOKEN),
        "the app token leaked into the logs:\n{logs}"
    );
}

// ---------------------------------------------------------------------------------------
// Secret settings: never in `Debug` of an installation or a shop, nor in the logs of
// settings that do not parse.

/// A PIN whose own parser quotes the value it refuses, as a careless setting type would;
/// `SECRET` makes the framework hide it anyway.
#[derive(Clone, PartialEq)]
pub struct Pin(String);

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(***)")
    }
}

impl SettingType for Pin {
    const KIND: FieldKind = FieldKind::Text;
    const SECRET: bool = true;

    fn parse_setting(value: &serde_json::Value) -> Result<Self, FieldProblem> {
        match value.as_str() {
            Some(text) if text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(Self(text.to_owned()))
            }
            _ => Err(FieldProblem::invalid("four digits", value)),
        }
    }

    fn to_setting(&self) -> serde_json::Value {
        serde_json::Value::String(self.0.clone())
    }
}

/// Settings with secrets.
#[shoporama_app(name = "Vault", access = read, webhooks(paid))]
#[derive(Debug, Clone)]
pub struct VaultSettings {
    /// The service's API key.
    pub api_key: Secret,
    /// The owner's PIN.
    pub pin: Pin,
    /// Not a secret.
    #[field(default = 30)]
    pub days: u32,
}

#[derive(Default)]
struct Vault;

impl ShoporamaApp for Vault {
    type Settings = VaultSettings;
}

const API_KEY: &str = "vault-key-SHOULD-NOT-APPEAR";
const BAD_PIN: &str = "98x7-SHOULD-NOT-APPEAR";

#[tokio::test]
async fn secret_settings_stay_out_of_debug_and_logs() {
    let (captured, _guard) = Captured::trace();

    let runtime = AppRuntime::with_store(Vault, config("memory://"), Arc::new(MemoryStore::new()));
    let shop = SimulatedShop::in_process(runtime.router(), VaultSettings::manifest(), APP_TOKEN)
        .webshop_id(7)
        .rest_token(REST_TOKEN)
        .field("api_key", API_KEY);
    // Settings that do not parse: a PIN that is not one, an API key that is not text.
    let response = shop.clone().field("pin", BAD_PIN).install().await;
    response.assert_ok();
    assert!(
        !response.body.to_string().contains("SHOULD-NOT-APPEAR"),
        "{}",
        response.body
    );
    let response = shop
        .clone()
        .field("pin", "1234")
        .field("api_key", serde_json::json!([API_KEY]))
        .update()
        .await;
    response.assert_ok();
    let stored = runtime
        .store()
        .installation(7)
        .await
        .expect("store")
        .expect("installed");
    let errors = stored.settings_status.errors().join("; ");
    assert!(
        errors.contains("field `pin`") || errors.contains("field `api_key`"),
        "{errors}"
    );
    assert!(!errors.contains("SHOULD-NOT-APPEAR"), "{errors}");
    shop.event("paid").await.assert_ok();

    // Valid settings: the installation and the shop print no secret.
    shop.clone().field("pin", "1234").update().await.assert_ok();
    let installation = runtime
        .store()
        .installation(7)
        .await
        .expect("store")
        .expect("installed");
    let debug = format!("{installation:?}");
    assert!(
        !debug.contains(API_KEY) && !debug.contains(REST_TOKEN),
        "{debug}"
    );
    assert!(debug.contains(r#""api_key": <string>"#), "{debug}");
    let resolved = runtime.resolve_shop(7).await.expect("configured");
    let debug = format!("{resolved:?}");
    assert!(
        !debug.contains(API_KEY) && !debug.contains("1234"),
        "{debug}"
    );
    assert!(debug.contains("api_key: Secret(***)"), "{debug}");
    let fields = format!("{:?}", shop.fields());
    assert!(!fields.contains(API_KEY), "{fields}");

    let logs = String::from_utf8(captured.0.lock().map(|l| l.clone()).unwrap_or_default())
        .expect("utf-8 logs");
    assert!(
        logs.contains("stored without valid settings"),
        "nothing was logged:\n{logs}"
    );
    assert!(
        !logs.contains("SHOULD-NOT-APPEAR"),
        "a secret reached the logs:\n{logs}"
    );
    assert!(!logs.contains("98x7"), "a secret reached the logs:\n{logs}");
}

#[test]
fn setup_sheets_mark_secrets_and_hide_their_defaults() {
    let manifest = VaultSettings::manifest();
    assert!(manifest.field("api_key").is_some_and(|f| f.secret));
    assert!(manifest.field("pin").is_some_and(|f| f.secret));
    assert!(manifest.field("days").is_some_and(|f| !f.secret));
    let sheet = manifest.setup_sheet("https://vault.example.com/callback");
    assert!(
        sheet.contains("| Api key | `api_key` | text (secret) | yes |"),
        "{sheet}"
    );
    assert!(
        sheet.contains("| Days | `days` | integer | yes | `30` |"),
        "{sheet}"
    );
    let json = manifest.to_json_pretty();
    assert!(json.contains("\"secret\": true"), "{json}");
}
