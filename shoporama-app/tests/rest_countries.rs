//! ISO country codes on orders: the shop's country table read once per client and cached
//! with a TTL, ids resolved from it, codes and names recognised in the `country` text.

#[path = "fixtures/rest/support.rs"]
mod support;

use std::time::Duration;

use serde_json::json;
use shoporama_app::rest::{Order, ResourceKind, RestConfig};
use support::{TestResult, client_with, fake};

/// How many times `fake` was asked for the country table.
fn country_calls(fake: &shoporama_app::testing::fake_shoporama::FakeShoporama) -> usize {
    fake.requests()
        .iter()
        .filter(|request| request.path.starts_with("/REST/country"))
        .count()
}

fn order(id: u64, billing_country_id: u64, delivery_country_id: Option<u64>) -> serde_json::Value {
    let mut order = json!({
        "order_id": id, "status": "new", "order_name": "Kari Nordmann", "order_city": "Oslo",
        "order_country_id": billing_country_id.to_string(),
    });
    if let Some(id) = delivery_country_id {
        order["del_name"] = json!("Kari Nordmann");
        order["del_city"] = json!("London");
        order["del_country_id"] = json!(id);
    }
    order
}

#[tokio::test]
async fn order_addresses_resolve_through_the_cached_country_table() -> TestResult {
    let fake = fake()
        .seed_countries()
        .item(ResourceKind::Order, order(1, 47, Some(44)))
        .item(ResourceKind::Order, order(2, 45, None))
        .start()
        .await?;
    let client = client_with(fake.rest_config());

    let mut first = client.orders().get(1).await?;
    assert_eq!(
        first.billing.country_code(),
        None,
        "an id alone needs the table"
    );
    client.resolve_countries(&mut first).await?;
    // Norge and Storbritannien have no `code` in the table: their names are recognised.
    assert_eq!(first.billing.country_code(), Some("NO"));
    assert_eq!(first.delivery.country_code(), Some("GB"));
    assert_eq!(first.ship_to().country_code(), Some("GB"));
    assert_eq!(country_calls(&fake), 1);

    let mut second = client.orders().get(2).await?;
    client.resolve_countries(&mut second).await?;
    assert_eq!(second.billing.country_code(), Some("DK"));
    assert_eq!(second.ship_to().country_code(), Some("DK"));
    // Resolving again, or another order, reads no table: it is cached.
    client.resolve_countries(&mut second).await?;
    assert_eq!(country_calls(&fake), 1);

    let table = client.country_table().await?;
    assert_eq!(table.code_of(49), Some("DE"));
    assert_eq!(
        table.get(45).and_then(|c| c.name.as_deref()),
        Some("Danmark")
    );
    assert_eq!(country_calls(&fake), 1);
    Ok(())
}

#[tokio::test]
async fn the_table_is_read_again_after_its_ttl_and_not_cached_on_failure() -> TestResult {
    let fake = fake()
        .seed_countries()
        .item(ResourceKind::Order, order(1, 49, None))
        .start()
        .await?;
    let client = client_with(
        fake.rest_config()
            .country_cache_ttl(Duration::from_millis(50)),
    );
    client.country_table().await?;
    client.country_table().await?;
    assert_eq!(country_calls(&fake), 1);
    tokio::time::sleep(Duration::from_millis(80)).await;
    client.country_table().await?;
    assert_eq!(country_calls(&fake), 2);

    // A failure is returned, and the next call reads the table again.
    let client = client_with(
        fake.rest_config()
            .retry(shoporama_app::rest::RetryPolicy::default().max_retries(0)),
    );
    let mut order = client.orders().get(1).await?;
    fake.faults().server_error(1);
    assert!(client.resolve_countries(&mut order).await.is_err());
    assert_eq!(order.billing.country_code(), None);
    client.resolve_countries(&mut order).await?;
    assert_eq!(order.billing.country_code(), Some("DE"));
    Ok(())
}

#[tokio::test]
async fn a_shop_without_a_country_table_resolves_nothing_and_asks_once() -> TestResult {
    let fake = fake()
        .item(ResourceKind::Order, order(1, 45, None))
        .start()
        .await?;
    let client = client_with(RestConfig::new(fake.base_url()));
    let mut order = client.orders().get(1).await?;
    fake.faults().plain_text(1, 404, "404 Not Found");
    client.resolve_countries(&mut order).await?;
    assert_eq!(order.billing.country_code(), None);
    client.resolve_countries(&mut order).await?;
    assert_eq!(country_calls(&fake), 1);
    Ok(())
}

#[test]
fn country_text_needs_no_table() -> TestResult {
    let order: Order = serde_json::from_value(json!({
        "order_id": 1,
        "order_country": "Tyskland", "order_country_id": 45,
        "del_name": "Ann", "del_country": "se",
    }))?;
    assert_eq!(
        order.delivery.country_code(),
        Some("SE"),
        "a code is taken as is"
    );
    // A name is the fallback: a resolved id wins over it.
    assert_eq!(order.billing.country_code(), Some("DE"));
    let mut resolved = order.clone();
    assert!(resolved.billing.set_country_code("dk"));
    assert_eq!(resolved.billing.country_code(), Some("DK"));
    assert!(!resolved.billing.set_country_code("Danmark"));
    assert_eq!(resolved.billing.country_code(), Some("DE"));
    let unknown: Order =
        serde_json::from_value(json!({"order_id": 2, "order_country": "Atlantis"}))?;
    assert_eq!(unknown.billing.country_code(), None);
    Ok(())
}
