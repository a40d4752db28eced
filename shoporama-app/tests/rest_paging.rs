//! List streams over `limit`/`offset` pages: stop conditions, changes while paging, both
//! envelopes, filters and laziness, over HTTP against `FakeShoporama`.

#[path = "fixtures/rest/support.rs"]
mod support;

use std::collections::BTreeSet;

use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use shoporama_app::rest::{ListQuery, Product, ResourceKind, RestError, StopReason};
use shoporama_app::testing::fake_shoporama::{FakeShoporama, seeded_last_modified};
use support::{TOKEN, TestResult, fake};

fn offsets(fake: &FakeShoporama) -> Vec<String> {
    fake.requests()
        .iter()
        .filter(|r| r.path == "/REST/product")
        .filter_map(|r| r.query_param("offset"))
        .collect()
}

fn ids(products: &[Product]) -> Vec<u64> {
    products.iter().map(|p| p.product_id).collect()
}

#[tokio::test]
async fn an_empty_list_costs_one_call() -> TestResult {
    let fake = fake().start().await?;
    let mut stream = fake.shop_client(TOKEN).products().all();
    assert!(stream.next().await.is_none());
    assert_eq!(fake.call_count(), 1);
    assert_eq!(stream.report().stop, Some(StopReason::Empty));
    assert_eq!(stream.report().first_total, Some(0));
    Ok(())
}

#[tokio::test]
async fn an_exact_multiple_of_the_page_size_stops_on_total() -> TestResult {
    let fake = fake().seed_products(300).start().await?;
    let mut stream = fake.shop_client(TOKEN).products().all();
    let mut seen = Vec::new();
    while let Some(product) = stream.try_next().await? {
        seen.push(product.product_id);
    }
    assert_eq!(seen, (3_000_000..3_000_300).collect::<Vec<_>>());
    assert_eq!(offsets(&fake), ["0", "100", "200"], "no extra empty page");
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.query_param("limit").as_deref() == Some("100"))
    );
    let report = stream.report();
    assert_eq!(
        (report.pages, report.items, report.stop),
        (3, 300, Some(StopReason::Total))
    );
    assert!(!report.grew && !report.shrank);
    Ok(())
}

#[tokio::test]
async fn without_total_a_short_or_empty_page_ends_the_list() -> TestResult {
    // Bare arrays carry no `total`: an exact multiple needs one empty page to know it ended.
    let fake = fake()
        .seed_products(30)
        .bare_list(ResourceKind::Product, true)
        .start()
        .await?;
    let client = fake.shop_client(TOKEN);
    let mut stream = client.products().list(ListQuery::new().page_size(10));
    let mut all = Vec::new();
    while let Some(product) = stream.try_next().await? {
        all.push(product);
    }
    assert_eq!(all.len(), 30);
    assert_eq!(offsets(&fake), ["0", "10", "20", "30"]);
    assert_eq!(stream.report().stop, Some(StopReason::Empty));

    fake.insert_product(json!({"name": "one more"}));
    fake.reset_calls();
    let mut stream = client.products().list(ListQuery::new().page_size(10));
    let mut count = 0;
    while stream.try_next().await?.is_some() {
        count += 1;
    }
    assert_eq!(count, 31);
    assert_eq!(offsets(&fake), ["0", "10", "20", "30"]);
    assert_eq!(stream.report().stop, Some(StopReason::ShortPage));
    Ok(())
}

#[tokio::test]
async fn items_added_while_paging_are_picked_up() -> TestResult {
    let fake = fake().seed_products(25).start().await?;
    let mut stream = fake
        .shop_client(TOKEN)
        .products()
        .list(ListQuery::new().page_size(10));
    let mut seen = vec![stream.try_next().await?.ok_or("empty")?];
    for n in 0..3 {
        fake.insert_product(json!({"name": format!("added {n}")}));
    }
    while let Some(product) = stream.try_next().await? {
        seen.push(product);
    }
    let unique: BTreeSet<u64> = ids(&seen).into_iter().collect();
    assert_eq!(
        (seen.len(), unique.len()),
        (28, 28),
        "every item once, the new ones included"
    );
    let report = stream.report();
    assert!(report.grew && !report.shrank);
    assert_eq!(
        (report.first_total, report.last_total, report.stop),
        (Some(25), Some(28), Some(StopReason::Total))
    );
    assert_eq!(offsets(&fake), ["0", "10", "20"]);
    Ok(())
}

#[tokio::test]
async fn items_deleted_while_paging_are_reported() -> TestResult {
    let fake = fake().seed_products(30).start().await?;
    let mut stream = fake
        .shop_client(TOKEN)
        .products()
        .list(ListQuery::new().page_size(10));
    let mut seen = vec![stream.try_next().await?.ok_or("empty")?];
    assert!(fake.remove(ResourceKind::Product, 3_000_000));
    while let Some(product) = stream.try_next().await? {
        seen.push(product);
    }
    // Offsets shifted back by one: the item that moved from offset 10 to 9 was never served.
    let unique: BTreeSet<u64> = ids(&seen).into_iter().collect();
    assert_eq!(unique.len(), 29);
    assert!(!unique.contains(&3_000_010), "the skipped item");
    let report = stream.report();
    assert!(
        report.shrank,
        "the stream noticed that items may have been skipped: {report:?}"
    );
    assert_eq!(report.stop, Some(StopReason::Total));
    Ok(())
}

#[tokio::test]
async fn a_platform_cap_below_the_page_size_loses_nothing() -> TestResult {
    let fake = fake().seed_products(120).max_page_size(50).start().await?;
    let all: Vec<Product> = fake
        .shop_client(TOKEN)
        .products()
        .list(ListQuery::new().page_size(100))
        .try_collect()
        .await?;
    assert_eq!(all.len(), 120);
    assert_eq!(offsets(&fake), ["0", "50", "100"]);
    Ok(())
}

#[tokio::test]
async fn bare_arrays_that_ignore_paging_do_not_loop() -> TestResult {
    // More items than asked for: the endpoint does not page; that answer was everything.
    let fake = fake()
        .seed_products(15)
        .bare_list(ResourceKind::Product, false)
        .start()
        .await?;
    let client = fake.shop_client(TOKEN);
    let mut stream = client.products().list(ListQuery::new().page_size(10));
    let mut count = 0;
    while stream.try_next().await?.is_some() {
        count += 1;
    }
    assert_eq!((count, fake.call_count()), (15, 1));
    assert_eq!(stream.report().stop, Some(StopReason::Unpaged));

    // Exactly a page of items, and the same again at the next offset: the repeat is dropped.
    let fake = fake_with_exactly(10).await?;
    let mut stream = fake
        .shop_client(TOKEN)
        .products()
        .list(ListQuery::new().page_size(10));
    let mut count = 0;
    while stream.try_next().await?.is_some() {
        count += 1;
    }
    assert_eq!((count, fake.call_count()), (10, 2));
    assert_eq!(stream.report().stop, Some(StopReason::Repeated));
    Ok(())
}

async fn fake_with_exactly(n: u64) -> std::io::Result<FakeShoporama> {
    fake()
        .seed_products(n)
        .bare_list(ResourceKind::Product, false)
        .start()
        .await
}

#[tokio::test]
async fn filters_are_sent_and_applied() -> TestResult {
    let fake = fake().seed_products(100).start().await?;
    let client = fake.shop_client(TOKEN);
    let since = seeded_last_modified(90);
    let recent: Vec<Product> = client
        .products()
        .list(ListQuery::new().last_modified_since(since))
        .try_collect()
        .await?;
    assert_eq!(ids(&recent), (3_000_090..3_000_100).collect::<Vec<_>>());
    let sent = fake.requests().pop().ok_or("no request")?;
    assert_eq!(
        sent.query_param("last_modified").as_deref(),
        Some("2025-02-07T12%3A52%3A05")
    );

    let supplier: Vec<Product> = client
        .products()
        .list(ListQuery::new().filter("supplier_id", 11_004))
        .try_collect()
        .await?;
    assert_eq!(supplier.len(), 20);
    assert!(supplier.iter().all(|p| p.supplier_id == Some(11_004)));

    let from_offset: Vec<Product> = client
        .products()
        .list(ListQuery::new().offset(95))
        .try_collect()
        .await?;
    assert_eq!(
        ids(&from_offset),
        (3_000_095..3_000_100).collect::<Vec<_>>()
    );
    Ok(())
}

#[tokio::test]
async fn streams_are_lazy() -> TestResult {
    let fake = fake().seed_products(1000).start().await?;
    let first: Vec<Product> = fake
        .shop_client(TOKEN)
        .products()
        .all()
        .take(5)
        .try_collect()
        .await?;
    assert_eq!(first.len(), 5);
    assert_eq!(fake.call_count(), 1, "only the first page was fetched");
    Ok(())
}

#[tokio::test]
async fn a_failed_page_ends_the_stream_with_its_error() -> TestResult {
    let fake = fake().seed_products(25).start().await?;
    let mut stream = fake
        .shop_client(TOKEN)
        .products()
        .list(ListQuery::new().page_size(10));
    let mut ok = 0;
    for _ in 0..10 {
        stream.try_next().await?;
        ok += 1;
    }
    fake.faults().plain_text(1, 403, "403 Forbidden");
    let error = stream.next().await.ok_or("ended without the error")?;
    assert!(matches!(error, Err(RestError::Forbidden(_))), "{error:?}");
    assert!(stream.next().await.is_none());
    assert_eq!((ok, stream.report().stop), (10, Some(StopReason::Error)));
    Ok(())
}

#[tokio::test]
async fn one_malformed_item_is_reported_and_the_rest_still_come() -> TestResult {
    let fake = fake().seed_products(5).start().await?;
    fake.insert(
        ResourceKind::Product,
        json!({"product_id": 3_000_005, "name": "bad", "price": {"amount": 1}}),
    );
    fake.insert_product(json!({"name": "after"}));
    let items: Vec<Result<Product, RestError>> =
        fake.shop_client(TOKEN).products().all().collect().await;
    assert_eq!(items.len(), 7);
    assert_eq!(items.iter().filter(|r| r.is_ok()).count(), 6);
    assert!(matches!(items[5], Err(RestError::Decode { .. })));
    Ok(())
}
