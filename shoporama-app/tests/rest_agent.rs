//! The User-Agent names the app and its version, then the framework:
//! `<name>/<version> shoporama-app/x.y`.

use shoporama_app::prelude::*;
use shoporama_app::rest::FRAMEWORK_AGENT;
use shoporama_app::testing::{FakeShoporama, SAMPLE_ORDER_ID, SAMPLE_REST_TOKEN, SimulatedShop};
use shoporama_app::{AppRuntime, Config};

#[shoporama_app(name = "Big orders", access = read, webhooks(paid))]
pub struct Settings {}

struct BigOrders;

impl ShoporamaApp for BigOrders {
    type Settings = Settings;

    fn version(&self) -> Option<&str> {
        Some("2.7.1")
    }

    async fn on_event(&self, shop: &Shop<Settings>, event: SettingsEvent) -> Result<(), AppError> {
        if let SettingsEvent::PaidWebhook(_) = event {
            shop.rest().orders().get(SAMPLE_ORDER_ID).await?;
        }
        Ok(())
    }
}

async fn agent_of(
    configure: impl FnOnce(shoporama_app::config::ConfigBuilder) -> shoporama_app::config::ConfigBuilder,
) -> Option<String> {
    let fake = FakeShoporama::builder()
        .token(SAMPLE_REST_TOKEN)
        .seed_samples()
        .start()
        .await
        .expect("the fake starts");
    let config = configure(
        Config::builder()
            .app_token("app-token")
            .database_url("memory://")
            .rest_base_url(fake.base_url()),
    )
    .build()
    .expect("configuration");
    let runtime = AppRuntime::connect(BigOrders, config)
        .await
        .expect("runtime");
    let shop = SimulatedShop::in_process(runtime.router(), Settings::manifest(), "app-token")
        .webshop_id(7);
    shop.install().await.assert_ok();
    shop.event("paid").await.assert_ok();
    let requests = fake.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    requests[0].user_agent.clone()
}

#[tokio::test]
async fn the_user_agent_names_the_app_its_version_and_the_framework() {
    let agent = agent_of(|config| config).await;
    assert_eq!(agent, Some(format!("big-orders/2.7.1 {FRAMEWORK_AGENT}")));
    assert!(
        FRAMEWORK_AGENT.starts_with("shoporama-app/0."),
        "{FRAMEWORK_AGENT}"
    );
}

#[tokio::test]
async fn a_configured_user_agent_wins() {
    let agent = agent_of(|config| config.user_agent("acme-sync/2.1")).await;
    assert_eq!(agent.as_deref(), Some("acme-sync/2.1"));
}
