//! [`connect`]: opening the install store named by a URL.

use std::sync::Arc;

use super::{InstallStore, MemoryStore, StoreError, mask_url};

const SUPPORTED: &str =
    "use sqlite://path, sqlite::memory:, postgres://…, postgresql://… or memory://";

/// Opens the install store named by `url`, choosing the backend from its scheme:
///
/// - `sqlite://path/to/shops.db`, `sqlite:///abs/path.db`, `sqlite::memory:`:
///   `SqliteStore` (feature `sqlite`, on by default);
/// - `postgres://…`, `postgresql://…`: `PostgresStore` (feature
///   `postgres`);
/// - `memory://`: [`MemoryStore`] (forgets everything on exit; for tests).
///
/// The database is reached, migrated and checked here, so a wrong URL, an unreachable server
/// or an unmigratable schema fails at startup, not on the first callback. Errors name the URL
/// with any password masked.
pub async fn connect(url: &str) -> Result<Arc<dyn InstallStore>, StoreError> {
    let scheme = url
        .split_once(':')
        .map(|(scheme, _)| scheme.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("memory") => {
            if !matches!(url.split_once(':').map(|(_, rest)| rest), Some("" | "//")) {
                return Err(unsupported(
                    url,
                    "memory:// takes no path or parameters".to_owned(),
                ));
            }
            Ok(Arc::new(MemoryStore::new()))
        }
        Some("sqlite") => connect_sqlite(url).await,
        Some("postgres" | "postgresql") => connect_postgres(url).await,
        Some(other) => Err(unsupported(
            url,
            format!("unknown scheme `{other}`: {SUPPORTED}"),
        )),
        None => Err(unsupported(url, format!("no scheme: {SUPPORTED}"))),
    }
}

#[cfg(feature = "sqlite")]
async fn connect_sqlite(url: &str) -> Result<Arc<dyn InstallStore>, StoreError> {
    Ok(Arc::new(super::SqliteStore::connect(url).await?))
}

#[cfg(not(feature = "sqlite"))]
#[allow(clippy::unused_async)]
async fn connect_sqlite(url: &str) -> Result<Arc<dyn InstallStore>, StoreError> {
    Err(unsupported(
        url,
        "this build has no SQLite support: enable the `sqlite` feature of shoporama-app".to_owned(),
    ))
}

#[cfg(feature = "postgres")]
async fn connect_postgres(url: &str) -> Result<Arc<dyn InstallStore>, StoreError> {
    Ok(Arc::new(super::PostgresStore::connect(url).await?))
}

#[cfg(not(feature = "postgres"))]
#[allow(clippy::unused_async)]
async fn connect_postgres(url: &str) -> Result<Arc<dyn InstallStore>, StoreError> {
    Err(unsupported(
        url,
        "this build has no PostgreSQL support: enable the `postgres` feature of shoporama-app"
            .to_owned(),
    ))
}

fn unsupported(url: &str, reason: String) -> StoreError {
    StoreError::UnsupportedUrl {
        url: mask_url(url),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn error_of(url: &str) -> String {
        match connect(url).await {
            Ok(_) => panic!("{url} connected"),
            Err(error) => error.to_string(),
        }
    }

    #[tokio::test]
    async fn rejects_unknown_schemes_naming_what_works() {
        let message = error_of("mysql://root:hunter2@db/app").await;
        assert!(message.contains("unknown scheme `mysql`"), "{message}");
        assert!(message.contains("postgres://"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
        let message = error_of("shops.db").await;
        assert!(message.contains("no scheme"), "{message}");
        let message = error_of("memory://somewhere").await;
        assert!(message.contains("takes no path"), "{message}");
    }

    #[tokio::test]
    async fn memory_urls_open_an_empty_store() {
        for url in ["memory://", "memory:", "MEMORY://"] {
            let store = connect(url)
                .await
                .unwrap_or_else(|error| panic!("{url}: {error}"));
            assert!(store.installations().await.is_ok_and(|all| all.is_empty()));
        }
    }

    #[cfg(not(feature = "postgres"))]
    #[tokio::test]
    async fn postgres_without_the_feature_says_so() {
        let message = error_of("postgres://app:hunter2@db/app").await;
        assert!(
            message.contains("enable the `postgres` feature"),
            "{message}"
        );
        assert!(message.contains("postgres://app:***@db/app"), "{message}");
    }
}
