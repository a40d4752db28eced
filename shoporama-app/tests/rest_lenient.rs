//! Lenient parsing of answers shaped like the platform's real ones (the reference's §2.1
//! product list, §2.2 categories), served verbatim over HTTP by `FakeShoporama`.

#[path = "fixtures/rest/support.rs"]
mod support;

use chrono::NaiveDate;
use futures::TryStreamExt;
use serde_json::json;
use shoporama_app::rest::{Category, ListQuery, Product, StopReason};
use shoporama_app::testing::fake_shoporama::Fault;
use support::{TOKEN, TestResult, fake, fixture_json};

fn at(
    year: i32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
) -> Option<chrono::NaiveDateTime> {
    NaiveDate::from_ymd_opt(year, month, day)
        .and_then(|date| date.and_hms_opt(hour, minute, second))
}

#[tokio::test]
async fn the_real_product_list_parses() -> TestResult {
    let fake = fake().start().await?;
    // Serve the fixture verbatim as the answer to the next request.
    fake.faults().push(Fault::Json {
        status: 200,
        body: fixture_json("product_list.json"),
    });
    let mut stream = fake.shop_client(TOKEN).products().all();
    let mut products: Vec<Product> = Vec::new();
    while let Some(product) = stream.try_next().await? {
        products.push(product);
    }
    assert_eq!(
        stream.report().stop,
        Some(StopReason::Total),
        "total 2 in one page: no second call"
    );
    assert_eq!(fake.call_count(), 1);
    let [first, second] = products.as_slice() else {
        panic!("expected two products, got {}", products.len())
    };

    // Ids as ints and as strings.
    assert_eq!(
        (first.product_id, second.product_id),
        (3_042_680, 3_042_681)
    );
    assert_eq!(
        (first.supplier_id, second.supplier_id),
        (Some(11_002), Some(11_002))
    );
    assert_eq!(
        (first.main_category_id, second.main_category_id),
        (Some(158_266), None)
    );
    assert_eq!(first.own_id.as_deref(), Some("3042680"));
    assert_eq!(
        (first.brand_id, second.brand_id, second.manufacturer_id),
        (None, Some(7), Some(12))
    );
    // 0/1 flags.
    assert!(first.is_online && !second.is_online);
    assert!(second.no_index && second.allow_negative_stock && second.auto_offline);
    // Local datetimes; null ones unset.
    assert_eq!(first.last_modified, at(2025, 2, 7, 11, 22, 5));
    assert_eq!(second.online_since, None);
    assert_eq!(first.removed_on, None);
    // Prices: an int, a float, null.
    assert_eq!((first.price, second.price), (Some(264.0), Some(199.95)));
    assert_eq!((first.sale_price, second.sale_price), (None, Some(149.5)));
    assert_eq!(second.current_price(), Some(149.5));
    assert_eq!((first.vat, first.weight), (None, Some(0.0)));
    // Empty strings stay text where text is expected; optional ones are unset.
    assert_eq!(first.list_description, "");
    assert_eq!(first.meta_title, None);
    assert_eq!(second.meta_title.as_deref(), Some("Krus"));
    assert_eq!(first.gtin, None);
    // Arrays, images with string ids, extension values that are `false` when unset.
    assert_eq!(first.categories, [157_783, 158_266]);
    assert_eq!(second.related, [3_042_680]);
    assert_eq!(first.images.len(), 1);
    assert_eq!(
        (first.images[0].image_id, first.images[0].weight),
        (Some(4_060_669), Some(10))
    );
    assert_eq!(first.images[0].description, None);
    assert_eq!(first.extension_data[0].id, "youtube_video_id");
    assert_eq!(first.extension("youtube_video_id"), None);
    assert_eq!(
        second.extension("youtube_video_id"),
        Some(&json!("dQw4w9WgXcQ"))
    );
    // Unknown fields are kept.
    assert_eq!(first.main_category_name.as_deref(), Some("Krus"));
    assert_eq!(second.extra.get("tariff_code"), Some(&json!("69120010")));
    assert_eq!(first.extra.get("no_partner_ads"), Some(&json!(0)));
    assert!(first.extra.contains_key("google_category"));
    assert!(
        !first.extra.contains_key("product_id"),
        "named fields are not repeated in extra"
    );

    // Serializing writes the platform's forms back, and reads the same again.
    let written = serde_json::to_value(first)?;
    assert_eq!(
        (&written["is_online"], &written["created"]),
        (&json!(1), &json!("2025-02-07 11:22:05"))
    );
    let again: Product = serde_json::from_value(written)?;
    assert_eq!(&again, first);
    Ok(())
}

#[tokio::test]
async fn the_real_category_list_parses_as_a_bare_array() -> TestResult {
    let fake = fake().start().await?;
    fake.faults().push(Fault::Json {
        status: 200,
        body: fixture_json("category_list.json"),
    });
    let page = fake
        .shop_client(TOKEN)
        .categories()
        .page(&ListQuery::new())
        .await?;
    assert!(page.bare && page.paging.is_none());
    let [kitchen, mugs]: [Category; 2] = page
        .items
        .try_into()
        .map_err(|_| "expected two categories")?;
    assert_eq!(
        (kitchen.category_id, kitchen.parent(), kitchen.parent_id),
        (157_783, None, Some(0))
    );
    assert_eq!((mugs.category_id, mugs.parent()), (158_266, Some(157_783)));
    assert!(mugs.is_online && mugs.is_front && mugs.no_internal_search && !mugs.is_removed);
    assert_eq!((mugs.sort_order, mugs.weight), (Some(2), Some(10)));
    assert_eq!(mugs.last_modified, at(2025, 1, 15, 14, 3, 27));
    assert_eq!(mugs.extra.get("tag"), Some(&json!("krus")));
    assert_eq!(kitchen.extension_data[0].value, None);
    assert_eq!(kitchen.description_a, None);
    Ok(())
}

#[tokio::test]
async fn seeded_products_are_shaped_like_the_real_ones() -> TestResult {
    let fake = fake().seed_products(21).start().await?;
    let products: Vec<Product> = fake
        .shop_client(TOKEN)
        .products()
        .all()
        .try_collect()
        .await?;
    assert_eq!(products.len(), 21);
    let raw = fake
        .item(shoporama_app::rest::ResourceKind::Product, 3_000_003)
        .ok_or("missing")?;
    assert_eq!(raw["product_id"], json!("3000003"), "some ids are strings");
    assert_eq!(raw["extension_data"][0]["value"], json!(false));
    assert_eq!(products[3].product_id, 3_000_003);
    assert!(products.iter().any(|p| !p.is_online));
    Ok(())
}
