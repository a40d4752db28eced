//! Tokens never appear in logs: a whole install, an update, events and errors are logged at
//! TRACE and the captured output is searched for both tokens.

use std::io::Write;
use std::sync::{Arc, Mutex};

use shoporama_app::AppSettings;
use shoporama_app::server::AppRuntime;
use shoporama_app::store::MemoryStore;
use shoporama_app::testing::SimulatedShop;
use shoporama_app_tests::{APP_TOKEN, REST_TOKEN, Recorder, RecorderSettings, config};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

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
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

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
