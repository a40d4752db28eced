//! Retry and no-retry rules, over HTTP against `FakeShoporama` with injected faults.

#[path = "fixtures/rest/support.rs"]
mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use shoporama_app::rest::{ErrorBody, ProductUpdate, ResourceKind, RestError, RetryPolicy};
use shoporama_app::testing::fake_shoporama::Fault;
use support::{TOKEN, TestResult, client_with, fake};

#[tokio::test]
async fn retry_after_is_honoured_in_seconds() -> TestResult {
    let fake = fake().seed_products(1).start().await?;
    fake.faults().rate_limit(1, Some(1));
    let started = Instant::now();
    let product = fake.shop_client(TOKEN).products().get(3_000_000).await?;
    assert_eq!(product.product_id, 3_000_000);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(fake.call_count(), 2);
    Ok(())
}

#[tokio::test]
async fn a_retry_after_beyond_the_maximum_is_returned_at_once() -> TestResult {
    let fake = fake().seed_products(1).start().await?;
    fake.faults().rate_limit(1, Some(3600));
    let started = Instant::now();
    let result = fake.shop_client(TOKEN).products().get(3_000_000).await;
    assert!(
        matches!(result, Err(RestError::RateLimited { retry_after: Some(wait), .. }) if wait == Duration::from_hours(1)),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(fake.call_count(), 1);
    Ok(())
}

#[tokio::test]
async fn server_errors_are_retried_then_succeed() -> TestResult {
    let fake = fake().seed_products(1).start().await?;
    let client = fake.shop_client(TOKEN);
    fake.faults().server_error(2);
    assert_eq!(
        client.products().get(3_000_000).await?.product_id,
        3_000_000
    );
    assert_eq!(fake.call_count(), 3);

    // PUT and DELETE are idempotent: retried too.
    fake.faults()
        .plain_text(1, 503, "Service Unavailable")
        .push(Fault::RateLimited { retry_after: None });
    client
        .products()
        .update(
            3_000_000,
            &ProductUpdate {
                name: Some("x".into()),
                ..Default::default()
            },
        )
        .await?;
    fake.faults().plain_text(1, 502, "Bad Gateway");
    client.products().delete(3_000_000).await?;
    assert_eq!(fake.call_count(), 3 + 3 + 2);
    Ok(())
}

#[tokio::test]
async fn retries_give_up_with_the_last_error() -> TestResult {
    let fake = fake().seed_products(1).start().await?;
    fake.faults().server_error(10);
    let result = fake.shop_client(TOKEN).products().get(3_000_000).await;
    match result {
        Err(RestError::Api(error)) => {
            assert_eq!(error.status.as_u16(), 500);
            assert_eq!(
                error.body,
                ErrorBody::Text("500 Internal Server Error".into())
            );
        }
        other => panic!("expected a 500, got {other:?}"),
    }
    assert_eq!(fake.call_count(), 4, "one attempt and three retries");
    Ok(())
}

#[tokio::test]
async fn post_is_never_retried() -> TestResult {
    let fake = fake().start().await?;
    let client = fake.shop_client(TOKEN);
    let mug = ProductUpdate {
        name: Some("Krus".into()),
        ..Default::default()
    };
    fake.faults().server_error(1);
    let created = client.products().create(&mug).await;
    assert!(
        matches!(created, Err(RestError::Api(ref e)) if e.status.as_u16() == 500),
        "{created:?}"
    );
    fake.faults().rate_limit(1, Some(0));
    let created = client.products().create(&mug).await;
    assert!(
        matches!(created, Err(RestError::RateLimited { .. })),
        "{created:?}"
    );
    fake.faults().delay(1, Duration::from_millis(600));
    let timed_out = client_with(fake.rest_config().timeout(Duration::from_millis(150)))
        .products()
        .create(&mug)
        .await;
    assert!(
        matches!(timed_out, Err(RestError::Timeout { attempts: 1, .. })),
        "{timed_out:?}"
    );
    assert_eq!(fake.call_count(), 3, "each POST was sent once");
    Ok(())
}

#[tokio::test]
async fn other_client_errors_are_never_retried() -> TestResult {
    let fake = fake().seed_products(1).start().await?;
    let client = fake.shop_client(TOKEN);
    assert!(matches!(
        client.products().get(42).await,
        Err(RestError::NotFound(_))
    ));
    assert_eq!(fake.call_count(), 1);

    fake.remove(ResourceKind::Product, 3_000_000);
    assert!(matches!(
        client.products().get(3_000_000).await,
        Err(RestError::Gone(_))
    ));
    assert_eq!(fake.call_count(), 2);

    fake.faults().push(Fault::Json {
        status: 422,
        body: json!({"error": "price must be a number"}),
    });
    let invalid = client.products().update(1, &ProductUpdate::default()).await;
    match invalid {
        Err(RestError::Api(error)) => {
            assert_eq!(error.status.as_u16(), 422);
            assert_eq!(
                error.body,
                ErrorBody::Json(json!({"error": "price must be a number"}))
            );
        }
        other => panic!("expected a 422, got {other:?}"),
    }
    fake.faults()
        .plain_text(1, 403, "403 Forbidden")
        .plain_text(1, 401, "401 Unauthorized");
    assert!(matches!(
        client.self_info().await,
        Err(RestError::Forbidden(_))
    ));
    assert!(matches!(
        client.self_info().await,
        Err(RestError::Unauthorized(_))
    ));
    assert_eq!(fake.call_count(), 5);
    Ok(())
}

#[tokio::test]
async fn timeouts_are_retried() -> TestResult {
    let fake = fake().seed_products(1).start().await?;
    let client = client_with(fake.rest_config().timeout(Duration::from_millis(200)));
    fake.faults().delay(1, Duration::from_millis(700));
    assert_eq!(
        client.products().get(3_000_000).await?.product_id,
        3_000_000
    );
    assert_eq!(fake.call_count(), 2);

    fake.faults().delay(3, Duration::from_millis(700));
    let patient = client_with(
        fake.rest_config()
            .timeout(Duration::from_millis(200))
            .retry(
                RetryPolicy::default()
                    .max_retries(2)
                    .backoff(Duration::from_millis(1), Duration::from_millis(5)),
            ),
    );
    let result = patient.products().get(3_000_000).await;
    assert!(
        matches!(result, Err(RestError::Timeout { attempts: 3, .. })),
        "{result:?}"
    );
    Ok(())
}

#[tokio::test]
async fn connection_failures_are_retried_then_reported() -> TestResult {
    let fake = fake().start().await?;
    let config = fake.rest_config();
    fake.shutdown().await;
    let started = Instant::now();
    let result = client_with(config).products().get(1).await;
    let error = result.err().ok_or("a stopped server answered")?;
    assert!(matches!(error, RestError::Transport { .. }), "{error:?}");
    assert!(!error.to_string().contains(TOKEN));
    assert!(started.elapsed() < Duration::from_secs(2));
    Ok(())
}
