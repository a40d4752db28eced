//! `app-status` with the app token, its lenient shapes, and `reconcile` against an install
//! store, over HTTP against `FakeShoporama`.

#[path = "fixtures/rest/support.rs"]
mod support;

use chrono::{TimeZone, Utc};
use serde_json::{Map, json};
use shoporama_app::rest::{AppStatusClient, ReconcileError, RestError, reconcile};
use shoporama_app::secret::AppToken;
use shoporama_app::store::{InstallStore, Installation, MemoryStore, SettingsStatus};
use support::{TOKEN, TestResult, fake};

const APP_TOKEN: &str = "app-token-fedcba9876543210";

fn installation(webshop_id: u64) -> Installation {
    let at = Utc
        .timestamp_opt(1_692_857_535, 0)
        .single()
        .unwrap_or_default();
    Installation {
        webshop_id,
        webshop_url: format!("https://shop{webshop_id}.example.com/"),
        token: AppToken::new(format!("token-{webshop_id}")),
        daily_limit: 10_000,
        current_usage: 200,
        installed_at: at,
        updated_at: at,
        fields: Map::new(),
        settings_status: SettingsStatus::Configured,
    }
}

#[tokio::test]
async fn app_status_uses_the_app_token() -> TestResult {
    let fake = fake()
        .app_token(APP_TOKEN)
        .installed_shop(1)
        .installed_shop(22)
        .start()
        .await?;
    let client = AppStatusClient::new(fake.rest_config(), &AppToken::new(APP_TOKEN));
    let status = client.status().await?;
    assert_eq!(
        status.webshop_ids().into_iter().collect::<Vec<_>>(),
        [1, 22]
    );
    assert_eq!(status.raw[0]["webshop_id"], json!(1));
    let request = fake.requests().pop().ok_or("no request")?;
    assert_eq!(
        (request.path.as_str(), request.auth_scheme.as_deref()),
        ("/REST/app-status", Some("App"))
    );
    assert!(!format!("{client:?}").contains(APP_TOKEN));

    // A shop token is not an app token, nor the other way round.
    let wrong = AppStatusClient::new(fake.rest_config(), &AppToken::new(TOKEN));
    assert!(matches!(
        wrong.status().await,
        Err(RestError::Unauthorized(_))
    ));
    let app_as_shop = shoporama_app::rest::ShopClient::new(
        fake.rest_config()
            .auth_scheme(shoporama_app::rest::AuthScheme::App),
        AppToken::new(APP_TOKEN),
        std::sync::Arc::new(shoporama_app::rest::Budget::unlimited()),
    );
    assert!(matches!(
        app_as_shop.self_info().await,
        Err(RestError::Unauthorized(_))
    ));
    Ok(())
}

#[tokio::test]
async fn other_shapes_are_read_leniently() -> TestResult {
    let body = json!({"count": 3, "shops": [{"webshop_id": "7", "active": 1}, 8, {"shop": "?"}]});
    let fake = fake()
        .app_token(APP_TOKEN)
        .app_status_body(body.clone())
        .start()
        .await?;
    let status = AppStatusClient::new(fake.rest_config(), &AppToken::new(APP_TOKEN))
        .status()
        .await?;
    assert_eq!(status.webshop_ids().into_iter().collect::<Vec<_>>(), [7, 8]);
    assert_eq!(status.unrecognised, [json!({"shop": "?"})]);
    assert_eq!(status.raw, body);
    Ok(())
}

#[tokio::test]
async fn reconcile_reports_both_directions() -> TestResult {
    let fake = fake()
        .app_token(APP_TOKEN)
        .installed_shop(1)
        .installed_shop(2)
        .installed_shop(3)
        .start()
        .await?;
    let store = MemoryStore::new();
    for id in [2, 3, 4] {
        store.upsert_installation(&installation(id)).await?;
    }
    let client = AppStatusClient::new(fake.rest_config(), &AppToken::new(APP_TOKEN));
    let report = reconcile(&client, &store).await?;
    assert_eq!(report.unknown_locally, [1]);
    assert_eq!(report.missing_on_platform, [4]);
    assert_eq!(report.in_both, [2, 3]);
    assert!(!report.is_consistent());

    fake.set_installed_shops(vec![2, 3, 4]);
    assert!(reconcile(&client, &store).await?.is_consistent());
    Ok(())
}

#[tokio::test]
async fn reconcile_refuses_an_answer_it_cannot_read() -> TestResult {
    let fake = fake()
        .app_token(APP_TOKEN)
        .app_status_body(json!({"status": "ok"}))
        .start()
        .await?;
    let store = MemoryStore::new();
    store.upsert_installation(&installation(5)).await?;
    let client = AppStatusClient::new(fake.rest_config(), &AppToken::new(APP_TOKEN));
    assert!(matches!(
        reconcile(&client, &store).await,
        Err(ReconcileError::UnrecognisedAnswer { .. })
    ));
    fake.faults().server_error(10);
    assert!(matches!(
        reconcile(&client, &store).await,
        Err(ReconcileError::Rest(RestError::Api(_)))
    ));
    Ok(())
}
