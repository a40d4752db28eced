//! `FakeShoporama`'s wire format, checked with a plain HTTP client: what an app's own REST
//! code (not only this crate's client) sees.

#[path = "fixtures/rest/support.rs"]
mod support;

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use serde_json::{Value, json};
use shoporama_app::rest::ResourceKind;
use shoporama_app::testing::fake_shoporama::FakeShoporama;
use support::{TOKEN, TestResult, fake};

async fn get(
    fake: &FakeShoporama,
    path: &str,
    auth: Option<&str>,
) -> reqwest::Result<reqwest::Response> {
    let mut request = reqwest::Client::new().get(format!("{}{path}", fake.base_url()));
    if let Some(auth) = auth {
        request = request.header("Authorization", auth);
    }
    request.send().await
}

async fn text_of(response: reqwest::Response) -> reqwest::Result<(StatusCode, String, String)> {
    let status = response.status();
    let kind = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    Ok((status, kind, response.text().await?))
}

#[tokio::test]
async fn lists_use_the_platforms_envelope() -> TestResult {
    let fake = fake()
        .seed_products(3)
        .bare_list(ResourceKind::Category, true)
        .seed_catalog()
        .start()
        .await?;
    let auth = format!("Shoporama {TOKEN}");
    let response = get(&fake, "product?limit=2&offset=1", Some(&auth)).await?;
    assert_eq!(
        response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let body: Value = response.json().await?;
    assert_eq!(
        body["paging"],
        json!({"offset": 1, "limit": 2, "count": 2, "total": 3})
    );
    let keys: Vec<&String> = body
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    assert_eq!(keys, ["paging", "products"]);
    assert_eq!(body["products"][0]["product_id"], json!(3_000_001));

    let bare: Value = get(&fake, "category", Some(&auth)).await?.json().await?;
    assert!(bare.is_array(), "{bare}");
    let one: Value = get(&fake, "product/3000002", Some(&auth))
        .await?
        .json()
        .await?;
    assert_eq!(
        one["own_id"],
        json!("3000002"),
        "a single item is the bare object"
    );
    Ok(())
}

#[tokio::test]
async fn three_auth_forms_and_plain_text_refusals() -> TestResult {
    let fake = fake().seed_products(1).app_token("app").start().await?;
    for auth in [
        format!("Shoporama {TOKEN}"),
        format!("Bearer {TOKEN}"),
        TOKEN.to_owned(),
    ] {
        assert_eq!(
            get(&fake, "self", Some(&auth)).await?.status(),
            StatusCode::OK,
            "{auth}"
        );
    }
    for auth in [
        None,
        Some("Shoporama nope"),
        Some("App app"),
        Some(&*format!("App {TOKEN}")),
    ] {
        let (status, kind, body) = text_of(get(&fake, "product", auth).await?).await?;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(
            (kind.as_str(), body.as_str()),
            ("text/plain; charset=utf-8", "401 Unauthorized")
        );
    }
    assert_eq!(
        get(&fake, "app-status", Some("App app")).await?.status(),
        StatusCode::OK
    );
    assert_eq!(
        get(&fake, "app-status", Some(&format!("Shoporama {TOKEN}")))
            .await?
            .status(),
        StatusCode::UNAUTHORIZED
    );
    Ok(())
}

#[tokio::test]
async fn errors_are_plain_status_lines() -> TestResult {
    let fake = fake().seed_products(1).start().await?;
    let auth = format!("Shoporama {TOKEN}");
    let http = reqwest::Client::new();
    let deleted = http
        .delete(format!("{}product/3000000", fake.base_url()))
        .header("Authorization", &auth)
        .send()
        .await?;
    assert_eq!(deleted.status(), StatusCode::OK);
    let cases = [
        ("product/3000000", 410, "410 Gone"),
        ("product/1", 404, "404 Not Found"),
        ("nothing", 404, "404 Not Found"),
    ];
    for (path, status, text) in cases {
        let (got, kind, body) = text_of(get(&fake, path, Some(&auth)).await?).await?;
        assert_eq!(
            (got.as_u16(), kind.as_str(), body.as_str()),
            (status, "text/plain; charset=utf-8", text),
            "{path}"
        );
    }
    let (status, _, body) = text_of(get(&fake, "product?limit=ten", Some(&auth)).await?).await?;
    assert_eq!(
        (status.as_u16(), body.as_str()),
        (400, "400 Bad Request: limit must be a number")
    );
    let bad = http
        .post(format!("{}product", fake.base_url()))
        .header("Authorization", &auth)
        .body("{not json")
        .send()
        .await?;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    Ok(())
}

#[tokio::test]
async fn a_spent_daily_limit_answers_429_in_plain_text() -> TestResult {
    let fake = FakeShoporama::builder()
        .token_with_limit(TOKEN, 2)
        .start()
        .await?;
    let auth = format!("Shoporama {TOKEN}");
    for _ in 0..2 {
        assert_eq!(
            get(&fake, "self", Some(&auth)).await?.status(),
            StatusCode::OK
        );
    }
    for _ in 0..2 {
        let response = get(&fake, "self", Some(&auth)).await?;
        // Retry-After: the seconds until the budget day turns.
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        assert!(
            retry_after.is_some_and(|s| (1..=86_400).contains(&s)),
            "{retry_after:?}"
        );
        let (status, _, body) = text_of(response).await?;
        assert_eq!(
            (status.as_u16(), body.as_str()),
            (429, "429 Too Many Requests")
        );
    }
    assert_eq!((fake.usage(TOKEN), fake.call_count()), (Some(2), 4));
    fake.set_usage(TOKEN, 0);
    assert_eq!(
        get(&fake, "self", Some(&auth)).await?.status(),
        StatusCode::OK
    );
    Ok(())
}

#[tokio::test]
async fn faults_come_in_order_and_are_not_counted_against_the_limit() -> TestResult {
    let fake = fake().seed_products(1).start().await?;
    let auth = format!("Shoporama {TOKEN}");
    fake.faults()
        .rate_limit(1, Some(7))
        .server_error(1)
        .plain_text(1, 503, "down for maintenance")
        .delay(1, Duration::from_millis(300));
    assert_eq!(fake.faults().pending(), 4);
    let limited = get(&fake, "self", Some(&auth)).await?;
    assert_eq!(
        limited
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok()),
        Some("7")
    );
    assert_eq!(text_of(limited).await?.2, "429 Too Many Requests");
    assert_eq!(
        text_of(get(&fake, "self", None).await?).await?.2,
        "500 Internal Server Error",
        "before the auth check"
    );
    assert_eq!(
        text_of(get(&fake, "self", Some(&auth)).await?).await?.2,
        "down for maintenance"
    );
    let started = Instant::now();
    assert_eq!(
        get(&fake, "self", Some(&auth)).await?.status(),
        StatusCode::OK
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(
        (
            fake.usage(TOKEN),
            fake.call_count(),
            fake.faults().pending()
        ),
        (Some(1), 4, 0)
    );
    fake.faults().server_error(3);
    fake.faults().clear();
    assert_eq!(
        get(&fake, "self", Some(&auth)).await?.status(),
        StatusCode::OK
    );
    Ok(())
}
