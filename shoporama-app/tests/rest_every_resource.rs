//! Every resource of the endpoint inventory against `FakeShoporama`, one test each (table
//! driven): typed read, a stream across pages in both envelopes (`{"paging", "<plural>"}` and
//! a bare array), `last_modified` filtering, the raw JSON, and every write method. Then the
//! writes Shoporama documents, typed (product, order, stock), and which of them are retried.

#[path = "fixtures/rest/support.rs"]
mod support;

use std::fmt::Debug;

use futures::TryStreamExt;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use shoporama_app::rest::{
    ListQuery, OrderUpdate, ProductUpdate, Resource, ResourceKind, RestError, ShopClient,
    StockUpdate, StopReason,
};
use support::{TOKEN, TestResult, fake};

const ITEMS: u64 = 5;
const FIRST_ID: u64 = 100;

/// When item `i` last changed: one hour apart.
fn stamp(i: u64) -> String {
    format!("2025-03-0{} 10:00:00", i + 1)
}

/// Item `i` of `kind`, in the platform's loose forms: every other id a string, flags as
/// strings, numbers as text; the fields every model reads, by their names.
fn item(kind: ResourceKind, i: u64) -> Value {
    let id = FIRST_ID + i;
    let id_value = if i % 2 == 1 {
        json!(id.to_string())
    } else {
        json!(id)
    };
    let mut item = json!({
        "name": format!("{kind} {i}"), "title": format!("{kind} {i}"), "titel": format!("{kind} {i}"),
        "code": format!("CODE{i}"), "val": format!("V{i}"), "url": format!("https://example.com/{i}"),
        "from": format!("/old/{i}"), "to": format!("/new/{i}"), "is_online": "1", "free_shipping": "0",
        "last_modified": stamp(i),
    });
    item[kind.id_field()] = id_value;
    if kind == ResourceKind::Stock {
        item["product_id"] = json!(id);
        item["stock"] = json!(i.to_string());
    }
    item
}

fn id_of(kind: ResourceKind, typed: &impl Serialize) -> Option<u64> {
    let raw = serde_json::to_value(typed).ok()?;
    match &raw[kind.id_field()] {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

async fn start(
    kind: ResourceKind,
    bare: bool,
) -> Result<shoporama_app::testing::FakeShoporama, std::io::Error> {
    let mut builder = fake();
    for i in 0..ITEMS {
        builder = builder.item(kind, item(kind, i));
    }
    if bare {
        builder = builder.bare_list(kind, true);
    }
    builder.start().await
}

/// Typed reads of `kind` through `handle`: a stream of 2-item pages in both envelopes, one
/// item, a `last_modified` filter, and the same item as raw JSON.
async fn reads<T, U>(kind: ResourceKind, handle: fn(&ShopClient) -> Resource<T, U>) -> TestResult
where
    T: DeserializeOwned + Serialize + PartialEq + Debug + Send + 'static,
    U: Serialize,
{
    for bare in [false, true] {
        let fake = start(kind, bare).await?;
        let client = ShopClient::new(
            fake.rest_config().page_size(2),
            shoporama_app::secret::AppToken::new(TOKEN),
            std::sync::Arc::new(shoporama_app::rest::Budget::unlimited()),
        );
        let resource = handle(&client);
        assert_eq!(resource.kind(), kind);
        let mut stream = resource.all();
        let mut listed = Vec::new();
        while let Some(item) = stream.try_next().await? {
            listed.push(item);
        }
        let ids: Vec<Option<u64>> = listed.iter().map(|item| id_of(kind, item)).collect();
        let expected: Vec<Option<u64>> = (0..ITEMS).map(|i| Some(FIRST_ID + i)).collect();
        assert_eq!(ids, expected, "{kind} (bare: {bare})");
        let report = stream.report();
        assert_eq!(report.pages, 3, "{kind} (bare: {bare}): {report:?}");
        let stop = if bare {
            StopReason::ShortPage
        } else {
            StopReason::Total
        };
        assert_eq!(report.stop, Some(stop), "{kind} (bare: {bare})");

        let one = resource.get(FIRST_ID + 3).await?;
        assert_eq!(one, listed[3], "{kind}: get and list agree");
        let since = chrono::NaiveDateTime::parse_from_str(&stamp(2), "%Y-%m-%d %H:%M:%S")?;
        let recent: Vec<T> = resource
            .list(ListQuery::new().last_modified_since(since))
            .try_collect()
            .await?;
        assert_eq!(recent, listed[2..], "{kind}: last_modified");
        let raw = client.resource(kind).get(FIRST_ID + 3).await?;
        assert_eq!(
            raw[kind.id_field()],
            json!((FIRST_ID + 3).to_string()),
            "{kind}: raw JSON"
        );
        assert_eq!(
            fake.requests()
                .iter()
                .filter(|r| r.query_param("limit") == Some("2".into()))
                .count(),
            5,
            "{kind}: pages of two: three for all five, two for the three recent ones"
        );
    }
    // The fake's catalog, shaped like the platform's answers (all-string categories and
    // suppliers, PHP-style values), reads typed too.
    let fake = fake()
        .seed_catalog()
        .seed_products(2)
        .seed_samples()
        .start()
        .await?;
    let catalog: Vec<T> = handle(&fake.shop_client(TOKEN)).all().try_collect().await?;
    assert!(
        catalog.len() >= usize::from(kind != ResourceKind::Stock),
        "{kind}: {catalog:?}"
    );
    Ok(())
}

/// Every write method on `kind` as JSON (the resources whose writes Shoporama lists
/// without describing them), read back typed through `handle`.
async fn writes<T, U>(kind: ResourceKind, handle: fn(&ShopClient) -> Resource<T, U>) -> TestResult
where
    T: DeserializeOwned + Serialize + Debug + Send + 'static,
    U: Serialize,
{
    let fake = start(kind, false).await?;
    let client = fake.shop_client(TOKEN);
    let raw = client.resource(kind);
    let mut fields = item(kind, 9);
    fields
        .as_object_mut()
        .map(|item| item.remove(kind.id_field()));
    let id = raw
        .create(&fields)
        .await?
        .id
        .ok_or("create answered no id")?;
    let typed = handle(&client).get(id).await?;
    assert_eq!(id_of(kind, &typed), Some(id), "{kind}: created, read typed");
    raw.put(id, &json!({"name": "put"})).await?;
    raw.patch(id, &json!({"title": "patched"})).await?;
    raw.update(id, &json!({"url": "https://example.com/updated"}))
        .await?;
    let stored = fake.item(kind, id).ok_or("the item vanished")?;
    assert_eq!(
        (&stored["name"], &stored["title"], &stored["url"]),
        (
            &json!("put"),
            &json!("patched"),
            &json!("https://example.com/updated")
        ),
        "{kind}: partial updates"
    );
    raw.delete(id).await?;
    assert!(
        matches!(handle(&client).get(id).await, Err(RestError::Gone(_))),
        "{kind}"
    );
    let methods: Vec<String> = fake.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(
        methods,
        ["POST", "GET", "PUT", "PATCH", "PUT", "DELETE", "GET"],
        "{kind}"
    );
    Ok(())
}

/// One test per resource: reads, and (except stock, whose writes are its own) every write.
macro_rules! every_resource {
    ($($test:ident: $kind:ident => $handle:ident;)*) => {
        $(
            #[tokio::test]
            async fn $test() -> TestResult {
                reads(ResourceKind::$kind, ShopClient::$handle).await?;
                if ResourceKind::$kind != ResourceKind::Stock {
                    writes(ResourceKind::$kind, ShopClient::$handle).await?;
                }
                Ok(())
            }
        )*

        /// The table names every resource but `self` (read below), once.
        #[test]
        fn the_table_covers_the_inventory() {
            let mut covered = vec![$(ResourceKind::$kind),*];
            covered.push(ResourceKind::SelfInfo);
            covered.sort();
            let mut all = ResourceKind::ALL.to_vec();
            all.sort();
            assert_eq!(covered, all);
        }
    };
}

every_resource! {
    product: Product => products;
    category: Category => categories;
    brand: Brand => brands;
    manufacturer: Manufacturer => manufacturers;
    supplier: Supplier => suppliers;
    stock: Stock => stock;
    profile: Profile => profiles;
    profile_attribute: ProfileAttribute => profile_attributes;
    profile_attribute_value: ProfileAttributeValue => profile_attribute_values;
    order: Order => orders;
    order_return: OrderReturn => order_returns;
    customer: Customer => customers;
    voucher: Voucher => vouchers;
    blog_post: BlogPost => blog_posts;
    page: Page => pages;
    landing_page: LandingPage => landing_pages;
    menu: Menu => menus;
    shipping: Shipping => shipping;
    payment_gateway: PaymentGateway => payment_gateways;
    country: Country => countries;
    redirect: Redirect => redirects;
    webhook: Webhook => webhooks;
}

#[tokio::test]
async fn the_shop_behind_the_token() -> TestResult {
    let fake = fake().webshop_id(42).start().await?;
    let client = fake.shop_client(TOKEN);
    let shop = client.webshop().await?;
    assert_eq!(
        (shop.webshop_id, shop.currency.as_deref()),
        (42, Some("DKK"))
    );
    assert_eq!(client.self_info().await?["webshop_id"], json!(42));
    Ok(())
}

#[tokio::test]
async fn documented_writes_typed_and_only_idempotent_ones_retried() -> TestResult {
    let fake = fake().seed_products(1).start().await?;
    let client = fake.shop_client(TOKEN);
    let products = client.products();
    let id = products
        .create(&ProductUpdate {
            name: Some("Krus".into()),
            price: Some(99.0),
            ..Default::default()
        })
        .await?
        .id
        .ok_or("no product_id")?;
    products
        .put(
            id,
            &ProductUpdate {
                price: Some(89.0),
                ..Default::default()
            },
        )
        .await?;
    products
        .patch(
            id,
            &ProductUpdate {
                is_online: Some(false),
                ..Default::default()
            },
        )
        .await?;
    let product = products.get(id).await?;
    assert_eq!((product.price, product.is_online), (Some(89.0), false));

    let orders = client.orders();
    let order = orders
        .create(
            &OrderUpdate {
                status: Some("new".into()),
                ..Default::default()
            }
            .set("email", "a@example.com"),
        )
        .await?
        .id
        .ok_or("no order_id")?;
    orders
        .patch(
            order,
            &OrderUpdate {
                status: Some("sent".into()),
                ..Default::default()
            },
        )
        .await?;
    let order = orders.get(order).await?;
    assert_eq!(
        (order.status.as_deref(), order.email.as_deref()),
        (Some("sent"), Some("a@example.com"))
    );

    client.set_stock(&StockUpdate::product(id, 7)).await?;
    assert_eq!(products.get(id).await?.in_stock, Some(7));
    client.post_stock(&StockUpdate::product(id, 5)).await?;
    assert_eq!(products.get(id).await?.in_stock, Some(5));

    // A 500 is retried for PUT and DELETE, never for POST or PATCH.
    let before = fake.call_count();
    fake.faults().server_error(1);
    products
        .put(
            id,
            &ProductUpdate {
                price: Some(1.0),
                ..Default::default()
            },
        )
        .await?;
    assert_eq!(fake.call_count() - before, 2, "PUT retried once");
    not_retried(
        &fake,
        "PATCH",
        products.patch(id, &ProductUpdate::default()),
    )
    .await;
    not_retried(&fake, "POST", products.create(&ProductUpdate::default())).await;
    not_retried(
        &fake,
        "POST /stock",
        client.post_stock(&StockUpdate::product(id, 1)),
    )
    .await;
    fake.faults().server_error(1);
    products.delete(id).await?;
    assert!(matches!(products.get(id).await, Err(RestError::Gone(_))));
    Ok(())
}

/// Runs `write` (not started yet) with a 500 queued: it must fail after one request.
async fn not_retried(
    fake: &shoporama_app::testing::FakeShoporama,
    method: &str,
    write: impl Future<Output = Result<shoporama_app::rest::WriteOutcome, RestError>>,
) {
    fake.faults().server_error(1);
    let before = fake.call_count();
    let outcome = write.await;
    assert!(
        matches!(outcome, Err(RestError::Api(ref e)) if e.status.as_u16() == 500),
        "{method}: {outcome:?}"
    );
    assert_eq!(fake.call_count() - before, 1, "{method} is not retried");
}
