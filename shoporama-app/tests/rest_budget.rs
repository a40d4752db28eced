//! The daily budget: no request once it is spent, refreshes, sharing, pacing, and the
//! platform's own limit, over HTTP against `FakeShoporama`.

#[path = "fixtures/rest/support.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use shoporama_app::rest::{Budget, ErrorBody, PacingPolicy, RestError, RetryPolicy, ShopClient};
use shoporama_app::secret::AppToken;
use support::{TOKEN, TestResult, fake};

fn client(
    fake: &shoporama_app::testing::fake_shoporama::FakeShoporama,
    budget: &Arc<Budget>,
) -> ShopClient {
    ShopClient::new(fake.rest_config(), AppToken::new(TOKEN), Arc::clone(budget))
}

#[tokio::test]
async fn a_spent_budget_sends_nothing() -> TestResult {
    let fake = fake().seed_products(3).start().await?;
    // From the install payload: a limit of 5 with 2 calls already made today.
    let budget = Arc::new(Budget::new(5, 2));
    let client = client(&fake, &budget);
    for _ in 0..3 {
        client.products().get(3_000_000).await?;
    }
    assert_eq!(fake.call_count(), 3);
    let refused = client.products().get(3_000_000).await;
    assert!(
        matches!(
            refused,
            Err(RestError::BudgetExhausted { limit: 5, used: 5 })
        ),
        "{refused:?}"
    );
    let mut stream = client.products().all();
    assert!(matches!(
        stream.next().await,
        Some(Err(RestError::BudgetExhausted { .. }))
    ));
    assert!(stream.next().await.is_none());
    assert_eq!(
        fake.call_count(),
        3,
        "no request was sent once the budget was spent"
    );
    assert_eq!((budget.used(), budget.remaining()), (5, 0));

    // An update callback brings new numbers (a raised limit).
    budget.refresh(10, 5);
    client.products().get(3_000_000).await?;
    assert_eq!(fake.call_count(), 4);
    Ok(())
}

#[tokio::test]
async fn retries_are_counted_too() -> TestResult {
    let fake = fake().seed_products(1).start().await?;
    let budget = Arc::new(Budget::new(3, 0));
    fake.faults().server_error(10);
    let result = client(&fake, &budget).products().get(3_000_000).await;
    assert!(
        matches!(
            result,
            Err(RestError::BudgetExhausted { limit: 3, used: 3 })
        ),
        "{result:?}"
    );
    assert_eq!(fake.call_count(), 3);
    Ok(())
}

#[tokio::test]
async fn clients_of_a_shop_share_its_budget() -> TestResult {
    let fake = fake().seed_products(1).start().await?;
    let budget = Arc::new(Budget::new(4, 0));
    let first = client(&fake, &budget);
    let second = client(&fake, &budget);
    let clone = first.clone();
    first.products().get(3_000_000).await?;
    second.products().get(3_000_000).await?;
    clone.products().get(3_000_000).await?;
    second.self_info().await?;
    assert!(matches!(
        first.self_info().await,
        Err(RestError::BudgetExhausted { .. })
    ));
    assert_eq!(fake.call_count(), 4);
    Ok(())
}

#[tokio::test]
async fn pacing_holds_back_a_burst() -> TestResult {
    let fake = fake().seed_products(1).start().await?;
    let budget = Arc::new(Budget::new(40, 0));
    let config = fake
        .rest_config()
        .pacing(PacingPolicy::default().max_wait(Duration::from_secs(1)));
    let client = ShopClient::new(config, AppToken::new(TOKEN), Arc::clone(&budget));
    // The burst is max(20, 10 % of 40) = 20 calls; the 21st would wait for the even rate
    // (the 20 left spread over the rest of the day), far beyond the 1 s allowed.
    for _ in 0..20 {
        client.products().get(3_000_000).await?;
    }
    let paced = client.products().get(3_000_000).await;
    assert!(
        matches!(paced, Err(RestError::Paced { wait }) if wait > Duration::from_mins(1)),
        "{paced:?}"
    );
    assert_eq!(fake.call_count(), 20);
    assert_eq!(budget.used(), 20, "a paced call is not counted");
    Ok(())
}

#[tokio::test]
async fn the_platforms_own_limit_answers_429_in_plain_text() -> TestResult {
    // The client believes it has budget left (its count is stale); the platform disagrees.
    let fake = fake().seed_products(1).start().await?;
    fake.set_daily_limit(TOKEN, 2);
    let client = ShopClient::new(
        fake.rest_config().retry(RetryPolicy::none()),
        AppToken::new(TOKEN),
        Arc::new(Budget::new(1000, 0)),
    );
    client.products().get(3_000_000).await?;
    client.products().get(3_000_000).await?;
    match client.products().get(3_000_000).await {
        Err(RestError::RateLimited { error, retry_after }) => {
            assert_eq!(error.body, ErrorBody::Text("429 Too Many Requests".into()));
            // Retry-After: until the budget day turns (23:00 UTC), too long to retry.
            let wait = retry_after.map(|d| d.as_secs()).unwrap_or_default();
            assert!((1..=86_400).contains(&wait), "{retry_after:?}");
        }
        other => panic!("expected 429, got {other:?}"),
    }
    assert_eq!(fake.usage(TOKEN), Some(2));
    Ok(())
}

/// Two processes' pools on one SQLite file: one budget between them.
#[tokio::test]
async fn budgets_shared_through_one_database_stop_together() -> TestResult {
    use shoporama_app::store::{InstallStore as _, SqliteStore};
    let fake = fake().seed_products(1).start().await?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("app.db");
    let token = AppToken::new(TOKEN);
    let mut budgets = Vec::new();
    for _ in 0..2 {
        let store = SqliteStore::open(&path).await?;
        let database = store.database().ok_or("a SQLite store has a database")?;
        budgets.push(Arc::new(Budget::shared(database, &token, 7, 1000, 0)));
    }
    // The install callback's numbers: a limit of 10, 4 spent today.
    budgets[0].reconcile(10, 4).await?;
    let clients: Vec<ShopClient> = budgets.iter().map(|b| client(&fake, b)).collect();
    let mut sent = 0;
    for round in 0..10 {
        match clients[round % 2].products().get(3_000_000).await {
            Ok(_) => sent += 1,
            Err(RestError::BudgetExhausted {
                limit: 10,
                used: 10,
            }) => {}
            Err(other) => return Err(other.into()),
        }
    }
    assert_eq!((sent, fake.call_count()), (6, 6));
    for budget in &budgets {
        let status = budget.status().await?;
        assert!(status.shared);
        assert_eq!(
            (status.limit, status.spent, status.reserved, status.left),
            (10, 10, 0, 0)
        );
    }
    // An update callback raises the limit for both.
    budgets[1].reconcile(12, 10).await?;
    clients[0].products().get(3_000_000).await?;
    clients[1].products().get(3_000_000).await?;
    assert!(matches!(
        clients[0].products().get(3_000_000).await,
        Err(RestError::BudgetExhausted {
            limit: 12,
            used: 12
        })
    ));
    assert_eq!(fake.call_count(), 8);
    Ok(())
}

/// The cost planner: calls a listing will take, from `paging.total`, against what is left.
#[tokio::test]
async fn a_plan_counts_the_pages_against_what_is_left_today() -> TestResult {
    use shoporama_app::rest::{ListQuery, ResourceKind};
    let fake = fake().seed_products(250).start().await?;
    let budget = Arc::new(Budget::new(1000, 900));
    let client = client(&fake, &budget);
    let plan = client.products().plan(&ListQuery::new()).await?;
    assert_eq!(
        (plan.items, plan.page_size, plan.calls, plan.left_today),
        (Some(250), 100, Some(3), 99)
    );
    assert_eq!(plan.fits(), Some(true));
    assert_eq!(fake.call_count(), 1, "the plan costs one call");
    let since = shoporama_app::testing::fake_shoporama::seeded_last_modified(200);
    let recent = client
        .products()
        .plan(&ListQuery::new().last_modified_since(since).page_size(20))
        .await?;
    assert_eq!((recent.items, recent.calls), (Some(50), Some(3)));

    budget.refresh(1000, 998);
    let tight = client.products().plan(&ListQuery::new()).await?;
    assert_eq!(
        (tight.calls, tight.left_today, tight.fits()),
        (Some(3), 1, Some(false))
    );
    assert!(tight.to_string().contains("does not fit"), "{tight}");

    // An endpoint that answers the whole list as a bare array: one call is all.
    let bare = fake_with_bare_products().await?;
    let plan = bare
        .shop_client(TOKEN)
        .resource(ResourceKind::Product)
        .plan(&ListQuery::new())
        .await?;
    assert_eq!((plan.items, plan.calls), (Some(30), Some(1)));
    Ok(())
}

async fn fake_with_bare_products()
-> Result<shoporama_app::testing::fake_shoporama::FakeShoporama, std::io::Error> {
    fake()
        .seed_products(30)
        .bare_list(shoporama_app::rest::ResourceKind::Product, false)
        .start()
        .await
}
