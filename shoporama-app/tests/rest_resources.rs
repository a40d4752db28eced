//! Every resource operation of the REST client, over HTTP against `FakeShoporama`.

#[path = "fixtures/rest/support.rs"]
mod support;

use futures::TryStreamExt;
use reqwest::Method;
use serde_json::{Value, json};
use shoporama_app::rest::{
    AuthScheme, CategoryUpdate, CustomerUpdate, ErrorBody, ListQuery, OrderUpdate, ProductUpdate,
    ResourceKind, RestError, StockUpdate, UpdateMethod,
};
use shoporama_app::testing::fake_shoporama::FakeShoporama;
use support::{TOKEN, TestResult, client_with, fake};

#[tokio::test]
async fn products_create_get_update_delete() -> TestResult {
    let fake = fake().start().await?;
    let client = fake.shop_client(TOKEN);
    let products = client.products();

    let new = ProductUpdate {
        name: Some("Krus".into()),
        description: Some("<p>Hvidt krus</p>".into()),
        price: Some(99.5),
        is_online: Some(true),
        categories: Some(vec![158_266]),
        ..Default::default()
    }
    .set("tariff_code", "69120010");
    let created = products.create(&new).await?;
    let id = created.id.ok_or("create answered no product_id")?;
    assert_eq!(
        created.parse::<shoporama_app::rest::Product>()?.name,
        "Krus"
    );

    let product = products.get(id).await?;
    assert_eq!(
        (product.product_id, product.price, product.is_online),
        (id, Some(99.5), true)
    );
    assert_eq!(product.categories, [158_266]);
    assert_eq!(product.extra.get("tariff_code"), Some(&json!("69120010")));
    assert!(product.created.is_some() && product.last_modified.is_some());

    // PUT is a partial update: only the fields set are sent, the others stay.
    let updated = products
        .update(
            id,
            &ProductUpdate {
                price: Some(79.0),
                ..Default::default()
            },
        )
        .await?;
    assert_eq!(updated.id, Some(id));
    let stored = fake
        .item(ResourceKind::Product, id)
        .ok_or("product vanished")?;
    assert_eq!(stored["price"], json!(79.0));
    assert_eq!(stored["description"], json!("<p>Hvidt krus</p>"));
    let put = fake
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.method == "PUT")
        .ok_or("no PUT recorded")?;
    assert_eq!(put.path, format!("/REST/product/{id}"));
    assert_eq!(put.content_type.as_deref(), Some("application/json"));

    products.delete(id).await?;
    match products.get(id).await {
        Err(RestError::Gone(error)) => {
            assert_eq!(error.status.as_u16(), 410);
            assert_eq!(error.body, ErrorBody::Text("410 Gone".into()));
        }
        other => panic!("expected 410 Gone, got {other:?}"),
    }
    assert!(products.find(id).await?.is_none());
    assert!(matches!(products.delete(id).await, Err(RestError::Gone(_))));
    assert!(matches!(
        products.get(id + 1000).await,
        Err(RestError::NotFound(_))
    ));
    assert!(matches!(
        products.update(id + 1000, &ProductUpdate::default()).await,
        Err(RestError::NotFound(_))
    ));
    Ok(())
}

#[tokio::test]
async fn categories_orders_and_customers_typed() -> TestResult {
    let fake = fake().seed_catalog().start().await?;
    let client = fake.shop_client(TOKEN);

    let categories: Vec<_> = client.categories().all().try_collect().await?;
    assert_eq!(categories.len(), 2);
    let krus = client.categories().get(158_266).await?;
    assert_eq!(
        (
            krus.name.as_str(),
            krus.parent(),
            krus.is_front,
            krus.sort_order
        ),
        ("Krus", Some(157_783), true, Some(2))
    );
    assert_eq!(categories[0].parent(), None);
    let category = client
        .categories()
        .create(&CategoryUpdate {
            name: Some("Glas".into()),
            parent_id: Some(157_783),
            is_online: Some(true),
            ..Default::default()
        })
        .await?;
    let category_id = category.id.ok_or("no category_id")?;
    client
        .categories()
        .update(
            category_id,
            &CategoryUpdate {
                name: Some("Glas & krus".into()),
                ..Default::default()
            },
        )
        .await?;
    assert_eq!(
        client.categories().get(category_id).await?.name,
        "Glas & krus"
    );
    client.categories().delete(category_id).await?;
    assert!(client.categories().find(category_id).await?.is_none());

    let orders: Vec<_> = client.orders().all().try_collect().await?;
    assert_eq!(orders.len(), 1);
    let order = client.orders().get(9001).await?;
    assert_eq!(order.webshop_order_id, Some(1001));
    assert!(order.paid);
    assert_eq!(order.billing.city.as_deref(), Some("Aarhus"));
    assert!(order.delivery.is_empty());
    assert_eq!(order.ship_to().zipcode.as_deref(), Some("8000"));
    assert_eq!(order.lines.len(), 1);
    assert_eq!(order.lines[0].amount, Some(1));
    let sent = OrderUpdate {
        status: Some("sent".into()),
        tracking_number: Some("GLS123".into()),
        ..Default::default()
    };
    client.orders().update(9001, &sent).await?;
    let order = client.orders().get(9001).await?;
    assert_eq!(
        (order.status.as_deref(), order.tracking_number.as_deref()),
        (Some("sent"), Some("GLS123"))
    );
    assert_eq!(
        order.billing.name.as_deref(),
        Some("Jens Hansen"),
        "the rest of the order is untouched"
    );
    let new_order = OrderUpdate {
        status: Some("new".into()),
        ..Default::default()
    }
    .set("order_name", "Ann")
    .set("del_city", "Odense")
    .set("products", json!([{"product_id": 1, "amount": 2}]));
    let order_id = client
        .orders()
        .create(&new_order)
        .await?
        .id
        .ok_or("no order_id")?;
    let order = client.orders().get(order_id).await?;
    assert_eq!(
        (
            order.billing.name.as_deref(),
            order.delivery.city.as_deref()
        ),
        (Some("Ann"), Some("Odense"))
    );
    assert_eq!(order.lines[0].amount, Some(2));
    client.orders().delete(order_id).await?;
    let open: Vec<_> = client
        .orders()
        .list(ListQuery::new().filter("status", "sent"))
        .try_collect()
        .await?;
    assert_eq!(open.len(), 1);

    let customer = client.customers().get(501).await?;
    assert_eq!(
        (
            customer.email.as_deref(),
            customer.newsletter,
            customer.country_id
        ),
        (Some("jens@example.com"), Some(true), Some(45))
    );
    let customer_id = client
        .customers()
        .create(&CustomerUpdate {
            email: Some("ann@example.com".into()),
            name: Some("Ann".into()),
            ..Default::default()
        })
        .await?
        .id
        .ok_or("no customer_id")?;
    client
        .customers()
        .update(
            customer_id,
            &CustomerUpdate {
                city: Some("Vejle".into()),
                ..Default::default()
            },
        )
        .await?;
    let ann = client.customers().get(customer_id).await?;
    assert_eq!(
        (ann.name.as_deref(), ann.city.as_deref()),
        (Some("Ann"), Some("Vejle"))
    );
    assert_eq!(
        client
            .customers()
            .all()
            .try_collect::<Vec<_>>()
            .await?
            .len(),
        2
    );
    client.customers().delete(customer_id).await?;
    assert!(matches!(
        client.customers().get(customer_id).await,
        Err(RestError::Gone(_))
    ));
    Ok(())
}

#[tokio::test]
async fn stock_levels() -> TestResult {
    let fake = fake().seed_products(3).start().await?;
    let client = fake.shop_client(TOKEN);
    let written = client
        .set_stock(&StockUpdate::product(3_000_001, 12))
        .await?;
    let row: shoporama_app::rest::Stock = written.parse()?;
    assert_eq!((row.product_id, row.stock), (Some(3_000_001), Some(12)));
    client
        .set_stock(&StockUpdate::variant(3_000_001, 77, 4))
        .await?;
    client
        .set_stock(&StockUpdate {
            own_id: Some("3000002".into()),
            stock: Some(5),
            ..Default::default()
        })
        .await?;
    client
        .set_stock(&StockUpdate::product(3_000_001, 10))
        .await?;

    let levels: Vec<_> = client.stock().all().try_collect().await?;
    assert_eq!(levels.len(), 3, "an upsert, not a new row: {levels:?}");
    let product_level = levels
        .iter()
        .find(|l| l.product_id == Some(3_000_001) && l.attribute_value_id.is_none());
    assert_eq!(product_level.and_then(|l| l.stock), Some(10));
    assert_eq!(client.products().get(3_000_001).await?.in_stock, Some(10));
    assert_eq!(client.products().get(3_000_002).await?.in_stock, Some(5));
    let first = levels
        .first()
        .and_then(|l| l.extra.get("stock_id"))
        .and_then(Value::as_u64)
        .ok_or("no stock_id")?;
    assert!(client.stock().get(first).await?.stock.is_some());

    assert!(matches!(
        client.set_stock(&StockUpdate::product(42, 1)).await,
        Err(RestError::NotFound(_))
    ));
    assert!(matches!(
        client.set_stock(&StockUpdate { stock: Some(1), ..Default::default() }).await,
        Err(RestError::Api(e)) if e.status.as_u16() == 400
    ));
    let puts = fake
        .requests()
        .iter()
        .filter(|r| r.method == "PUT" && r.path == "/REST/stock")
        .count();
    assert_eq!(puts, 6);
    Ok(())
}

#[tokio::test]
async fn every_json_resource_supports_every_operation() -> TestResult {
    let fake = fake().seed_catalog().seed_products(2).start().await?;
    let client = fake.shop_client(TOKEN);
    let handles = ResourceKind::ALL
        .into_iter()
        .filter(|kind| !matches!(kind, ResourceKind::Stock | ResourceKind::SelfInfo))
        .map(|kind| client.resource(kind));
    for resource in handles {
        let kind = resource.kind();
        let before: Vec<Value> = resource.all().try_collect().await?;
        assert!(!before.is_empty(), "{kind}: the catalog seeds at least one");
        let id = resource
            .create(&json!({"name": format!("new {kind}")}))
            .await?
            .id
            .ok_or("no id")?;
        let item = resource.get(id).await?;
        assert_eq!(item["name"], json!(format!("new {kind}")), "{kind}");
        assert_eq!(item[kind.id_field()], json!(id), "{kind}");
        resource.update(id, &json!({"name": "renamed"})).await?;
        assert_eq!(resource.get(id).await?["name"], json!("renamed"), "{kind}");
        let after: Vec<Value> = resource.all().try_collect().await?;
        assert_eq!(after.len(), before.len() + 1, "{kind}");
        let page = resource.page(&ListQuery::new().page_size(1)).await?;
        assert_eq!(page.items.len(), 1, "{kind}");
        assert_eq!(
            page.paging.and_then(|p| p.total),
            Some(after.len() as u64),
            "{kind}"
        );
        resource.delete(id).await?;
        assert!(
            matches!(resource.get(id).await, Err(RestError::Gone(_))),
            "{kind}"
        );
    }
    let shop = client.self_info().await?;
    assert_eq!(shop["webshop_id"], json!(1));
    let raw: Value = client.get_json("country/45", &[]).await?;
    assert_eq!(raw["code"], json!("DK"));
    let echoed: Value = client
        .send_json(Method::PUT, "country/45", &json!({"name": "Denmark"}))
        .await?;
    assert_eq!(echoed["name"], json!("Denmark"));
    Ok(())
}

#[tokio::test]
async fn auth_forms_headers_and_no_token_leaks() -> TestResult {
    let fake = fake().seed_products(1).start().await?;
    for (scheme, recorded) in [
        (AuthScheme::Shoporama, "Shoporama"),
        (AuthScheme::Bearer, "Bearer"),
        (AuthScheme::Raw, "raw"),
    ] {
        fake.reset_calls();
        let client = client_with(
            fake.rest_config()
                .auth_scheme(scheme)
                .user_agent("acme-sync/2.1"),
        );
        assert_eq!(
            client.products().get(3_000_000).await?.product_id,
            3_000_000
        );
        let request = fake.requests().pop().ok_or("no request recorded")?;
        assert_eq!(request.auth_scheme.as_deref(), Some(recorded));
        assert_eq!(request.user_agent.as_deref(), Some("acme-sync/2.1"));
    }

    let intruder = shoporama_app::rest::ShopClient::new(
        fake.rest_config(),
        shoporama_app::secret::AppToken::new("wrong-token-123"),
        std::sync::Arc::new(shoporama_app::rest::Budget::unlimited()),
    );
    let error = intruder
        .products()
        .get(3_000_000)
        .await
        .err()
        .ok_or("a wrong token was accepted")?;
    assert!(
        matches!(&error, RestError::Unauthorized(e) if e.body == ErrorBody::Text("401 Unauthorized".into()))
    );
    let shown = format!("{error} {error:?} {intruder:?}");
    assert!(!shown.contains("wrong-token-123"), "{shown}");
    assert!(!format!("{:?}", fake.shop_client(TOKEN)).contains(TOKEN));
    Ok(())
}

#[tokio::test]
async fn patch_can_replace_put() -> TestResult {
    let fake = fake().seed_products(1).start().await?;
    let client = client_with(fake.rest_config().update_method(UpdateMethod::Patch));
    client
        .products()
        .update(
            3_000_000,
            &ProductUpdate {
                name: Some("Patched".into()),
                ..Default::default()
            },
        )
        .await?;
    assert_eq!(client.products().get(3_000_000).await?.name, "Patched");
    assert!(fake.requests().iter().any(|r| r.method == "PATCH"));
    Ok(())
}

#[tokio::test]
async fn a_bad_base_url_or_token_fails_without_a_request() -> TestResult {
    let fake: FakeShoporama = fake().start().await?;
    let broken = client_with(shoporama_app::rest::RestConfig::new("not a url"));
    assert!(matches!(
        broken.products().get(1).await,
        Err(RestError::Config(_))
    ));
    let control = shoporama_app::rest::ShopClient::new(
        fake.rest_config(),
        shoporama_app::secret::AppToken::new("bad\ntoken"),
        std::sync::Arc::new(shoporama_app::rest::Budget::new(10, 0)),
    );
    assert!(matches!(
        control.products().get(1).await,
        Err(RestError::InvalidToken)
    ));
    assert_eq!(control.budget().used(), 0);
    assert_eq!(fake.call_count(), 0);
    Ok(())
}
