//! Runs the install store conformance suite against every backend, plus the checks that
//! depend on a backend: persistence across restarts, failing loudly at connect, corrupt rows,
//! and two processes sharing one database.
//!
//! PostgreSQL tests run when `SHOPORAMA_TEST_POSTGRES_URL` is set (`.ci/start-postgres.sh`
//! prints one), each in a fresh schema; they are skipped otherwise, unless
//! `SHOPORAMA_REQUIRE_ALL=1`, which turns the skip into a failure.

use std::sync::Arc;

use shoporama_app::store::{MemoryStore, StoreError, connect};
use shoporama_app::testing::store_conformance::run_conformance_suite;

/// The message of the error `result` holds; empty when it succeeded.
fn error_text<T>(result: Result<T, StoreError>) -> String {
    result
        .err()
        .map(|error| error.to_string())
        .unwrap_or_default()
}

/// The message of connecting to `url`; empty when it succeeded.
async fn connect_error(url: &str) -> String {
    error_text(connect(url).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_conforms() {
    run_conformance_suite(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_url_store_conforms() {
    let store = connect("memory://")
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    run_conformance_suite(store).await;
}

/// Helpers shared by the SQL backends' tests.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod support {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use chrono::{DateTime, Utc};
    use futures::future::BoxFuture;
    use shoporama_app::store::{
        InstallStore, Installation, SettingsRewrite, SettingsUpdate, StoreError, Tombstone,
        UpsertOutcome,
    };
    use shoporama_app::testing::store_conformance::sample;

    const TOKEN: &str = "dcbfe5ad9e8af3495ca4582e364c1bce";

    /// A SQL backend's store, as the backend-specific checks below open and poke it.
    pub(crate) trait SqlStore: InstallStore + Sized {
        /// Opens (and migrates) the store at `url`; panics when it cannot.
        async fn must_connect(url: &str) -> Self;
        /// Runs `sql` on the store's pool behind its back; panics when it fails.
        async fn execute(&self, sql: &'static str);
        /// Closes the store's pool.
        async fn close(&self);
    }

    /// [`SqlStore`] for a store type with `connect(url)` and `pool()`.
    macro_rules! sql_store {
        ($store:ty) => {
            impl SqlStore for $store {
                async fn must_connect(url: &str) -> Self {
                    Self::connect(url)
                        .await
                        .unwrap_or_else(|error| panic!("{error}"))
                }

                async fn execute(&self, sql: &'static str) {
                    sqlx::query(sql)
                        .execute(self.pool())
                        .await
                        .unwrap_or_else(|error| panic!("{error}"));
                }

                async fn close(&self) {
                    self.pool().close().await;
                }
            }
        };
    }
    #[cfg(feature = "sqlite")]
    sql_store!(shoporama_app::store::SqliteStore);
    #[cfg(feature = "postgres")]
    sql_store!(shoporama_app::store::PostgresStore);

    /// The data written at one start is all there at the next.
    pub(crate) async fn check_restart<S: SqlStore>(url: &str) {
        let store = S::must_connect(url).await;
        let installation = write_restart_data(&store).await;
        store.close().await;
        drop(store);
        let reopened = S::must_connect(url).await;
        assert_restart_data(&reopened, &installation).await;
        reopened.close().await;
    }

    /// A row whose `fields` is not JSON is an error naming the row; see
    /// [`assert_corrupt_row_handling`].
    pub(crate) async fn check_corrupt_row<S: SqlStore>(url: &str) {
        let store = S::must_connect(url).await;
        store
            .upsert_installation(&sample(1))
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        store
            .execute(
                "UPDATE shoporama_installations SET fields = '{\"broken\": ' WHERE webshop_id = 1",
            )
            .await;
        assert_corrupt_row_handling(&store).await;
        store.close().await;
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap_or_else(|| panic!("bad timestamp {seconds}"))
    }

    /// Two handles on one database used in turn, like two app processes behind a load balancer.
    pub(crate) struct Alternating {
        stores: [Arc<dyn InstallStore>; 2],
        next: AtomicUsize,
    }

    impl Alternating {
        pub(crate) fn shared(
            first: Arc<dyn InstallStore>,
            second: Arc<dyn InstallStore>,
        ) -> Arc<dyn InstallStore> {
            Arc::new(Self {
                stores: [first, second],
                next: AtomicUsize::new(0),
            })
        }

        fn pick(&self) -> &dyn InstallStore {
            &*self.stores[self.next.fetch_add(1, Ordering::Relaxed) % 2]
        }
    }

    impl InstallStore for Alternating {
        fn upsert_installation<'a>(
            &'a self,
            installation: &'a Installation,
        ) -> BoxFuture<'a, Result<UpsertOutcome, StoreError>> {
            self.pick().upsert_installation(installation)
        }

        fn installation(
            &self,
            webshop_id: u64,
        ) -> BoxFuture<'_, Result<Option<Installation>, StoreError>> {
            self.pick().installation(webshop_id)
        }

        fn update_settings<'a>(
            &'a self,
            webshop_id: u64,
            update: &'a SettingsUpdate,
        ) -> BoxFuture<'a, Result<Option<Installation>, StoreError>> {
            self.pick().update_settings(webshop_id, update)
        }

        fn rewrite_settings(
            &self,
            webshop_id: u64,
            rewrite: SettingsRewrite,
        ) -> BoxFuture<'_, Result<Option<Installation>, StoreError>> {
            self.pick().rewrite_settings(webshop_id, rewrite)
        }

        fn uninstall(
            &self,
            webshop_id: u64,
            at: DateTime<Utc>,
        ) -> BoxFuture<'_, Result<Option<Installation>, StoreError>> {
            self.pick().uninstall(webshop_id, at)
        }

        fn tombstone(
            &self,
            webshop_id: u64,
        ) -> BoxFuture<'_, Result<Option<Tombstone>, StoreError>> {
            self.pick().tombstone(webshop_id)
        }

        fn installations(&self) -> BoxFuture<'_, Result<Vec<Installation>, StoreError>> {
            self.pick().installations()
        }

        fn health(&self) -> BoxFuture<'_, Result<(), StoreError>> {
            self.pick().health()
        }
    }

    /// Writes a sample installation (id 1) and an uninstall (id 2), as the data a restart must
    /// keep.
    async fn write_restart_data(store: &dyn InstallStore) -> Installation {
        let installation = sample(1);
        store
            .upsert_installation(&installation)
            .await
            .unwrap_or_else(|error| panic!("install: {error}"));
        store
            .upsert_installation(&sample(2))
            .await
            .unwrap_or_else(|error| panic!("install: {error}"));
        store
            .uninstall(2, at(1_800_000_000))
            .await
            .unwrap_or_else(|error| panic!("uninstall: {error}"));
        installation
    }

    /// Checks the data of [`write_restart_data`] is still there.
    async fn assert_restart_data(store: &dyn InstallStore, installation: &Installation) {
        let read = store
            .installation(1)
            .await
            .unwrap_or_else(|error| panic!("read: {error}"));
        assert_eq!(
            read.as_ref(),
            Some(installation),
            "installation lost in restart"
        );
        assert_eq!(
            read.map(|installation| installation.token.expose().to_owned())
                .as_deref(),
            Some(TOKEN)
        );
        let tombstone = store
            .tombstone(2)
            .await
            .unwrap_or_else(|error| panic!("tombstone: {error}"));
        assert_eq!(
            tombstone,
            Some(Tombstone {
                webshop_id: 2,
                uninstalled_at: at(1_800_000_000),
            }),
            "tombstone lost in restart"
        );
        let all = store
            .installations()
            .await
            .unwrap_or_else(|error| panic!("list: {error}"));
        assert_eq!(
            all.iter()
                .map(|installation| installation.webshop_id)
                .collect::<Vec<_>>(),
            [1]
        );
    }

    /// Checks a store whose row 1 has unreadable `fields` reports it clearly, without the token,
    /// and still lets the shop uninstall (removing the token).
    async fn assert_corrupt_row_handling(store: &dyn InstallStore) {
        let error = match store.installation(1).await {
            Ok(read) => panic!("a corrupt row read as {read:?}"),
            Err(error) => error,
        };
        assert!(
            matches!(
                error,
                StoreError::Corrupt {
                    column: "fields",
                    webshop_id: Some(1),
                    ..
                }
            ),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(
            message.contains("shoporama_installations") && message.contains("webshop 1"),
            "{message}"
        );
        assert!(message.contains("not valid JSON"), "{message}");
        assert!(
            !message.contains(TOKEN) && !format!("{error:?}").contains(TOKEN),
            "{message}"
        );
        assert!(
            store.installations().await.is_err(),
            "listing must not hide a corrupt row"
        );
        let removed = store
            .uninstall(1, at(1_800_000_000))
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        assert!(removed.is_none());
        assert!(
            matches!(store.installation(1).await, Ok(None)),
            "uninstall left the corrupt row"
        );
        assert!(
            store
                .tombstone(1)
                .await
                .is_ok_and(|tombstone| tombstone.is_some())
        );
    }
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use std::sync::Arc;

    use shoporama_app::store::{InstallStore, SqliteStore, StoreError, connect};
    use shoporama_app::testing::store_conformance::run_conformance_suite;

    use crate::support::{Alternating, SqlStore, check_corrupt_row, check_restart};
    use crate::{connect_error, error_text};

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite_file_store_conforms() {
        let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("tempdir: {error}"));
        let url = format!("sqlite://{}", dir.path().join("shops.db").display());
        let store = connect(&url)
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        run_conformance_suite(store).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite_in_memory_store_conforms() {
        let store = connect("sqlite::memory:")
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        run_conformance_suite(store).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn two_sqlite_stores_on_one_file_conform() {
        let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("tempdir: {error}"));
        let path = dir.path().join("shared.db");
        let first = SqliteStore::open(&path)
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        let second = SqliteStore::open(&path)
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        run_conformance_suite(Alternating::shared(Arc::new(first), Arc::new(second))).await;
    }

    #[tokio::test]
    async fn sqlite_store_keeps_everything_across_a_restart() {
        let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("tempdir: {error}"));
        let url = format!("sqlite://{}", dir.path().join("restart.db").display());
        check_restart::<SqliteStore>(&url).await;
    }

    #[tokio::test]
    async fn sqlite_unwritable_path_fails_at_connect() {
        let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("tempdir: {error}"));
        // A path below a regular file cannot be created, not even by root.
        let file = dir.path().join("not-a-directory");
        std::fs::write(&file, b"").unwrap_or_else(|error| panic!("{error}"));
        let url = format!("sqlite://{}", file.join("shops.db").display());
        let Err(error) = connect(&url).await else {
            panic!("connect to {url} succeeded");
        };
        assert!(matches!(error, StoreError::Connect { .. }), "{error:?}");
        let message = error.to_string();
        assert!(
            message.contains(&url),
            "message does not name the URL: {message}"
        );
        assert!(
            message.contains("unable to open database file"),
            "{message}"
        );
    }

    #[tokio::test]
    async fn sqlite_corrupt_row_is_an_error_naming_the_row() {
        check_corrupt_row::<SqliteStore>("sqlite::memory:").await;
    }

    #[tokio::test]
    async fn sqlite_health_fails_when_the_schema_is_gone() {
        let store = SqliteStore::must_connect("sqlite::memory:").await;
        store
            .health()
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        store.execute("DROP TABLE shoporama_tombstones").await;
        let message = error_text(store.health().await);
        assert!(
            message.contains("health") && message.contains("shoporama_tombstones"),
            "{message}"
        );
    }

    #[tokio::test]
    async fn sqlite_file_that_is_not_a_database_fails_at_connect() {
        let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("tempdir: {error}"));
        let path = dir.path().join("garbage.db");
        std::fs::write(&path, vec![b'x'; 4096]).unwrap_or_else(|error| panic!("{error}"));
        let url = format!("sqlite://{}", path.display());
        let message = connect_error(&url).await;
        assert!(
            message.contains(&url) && message.contains("not a database"),
            "{message}"
        );
    }
}

#[tokio::test]
async fn connect_errors_mask_the_password() {
    // A Unix socket directory that does not exist: fails at once, with or without a server.
    let url = "postgres://app:hunter2@%2Fnonexistent%2Fshoporama-test/app";
    let message = connect_error(url).await;
    assert!(!message.is_empty(), "connect to {url} succeeded");
    assert!(!message.contains("hunter2"), "{message}");
    assert!(message.contains("postgres://app:***@"), "{message}");
}

#[cfg(not(feature = "postgres"))]
#[test]
fn postgres_tests_need_the_postgres_feature() {
    shoporama_app::testing::skip::skip(
        "postgres store tests",
        "built without `--features shoporama-app/postgres`",
    );
}

#[cfg(feature = "postgres")]
mod postgres {
    use std::sync::Arc;
    use std::time::{SystemTime, UNIX_EPOCH};

    use shoporama_app::store::{PostgresStore, connect};
    use shoporama_app::testing::store_conformance::run_conformance_suite;
    use sqlx::{AssertSqlSafe, PgPool};

    use crate::connect_error;
    use crate::support::{Alternating, SqlStore, check_corrupt_row, check_restart};

    /// A test's own schema on the server of `SHOPORAMA_TEST_POSTGRES_URL`.
    struct Schema {
        base: String,
        name: String,
        url: String,
    }

    impl Schema {
        /// Creates a fresh schema, or returns `None` (after saying so) when no server is
        /// configured. Panics instead when `SHOPORAMA_REQUIRE_ALL=1`.
        async fn create(test: &str) -> Option<Self> {
            let base = shoporama_app::testing::skip::postgres_url(test)?;
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_nanos());
            let name = format!("shoporama_test_{test}_{}_{nanos}", std::process::id());
            let admin = PgPool::connect(&base)
                .await
                .unwrap_or_else(|error| panic!("{test}: connect: {error}"));
            sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA \"{name}\"")))
                .execute(&admin)
                .await
                .unwrap_or_else(|error| panic!("{test}: create schema: {error}"));
            admin.close().await;
            let separator = if base.contains('?') { '&' } else { '?' };
            let url = format!("{base}{separator}options[search_path]={name}");
            Some(Self { base, name, url })
        }

        /// Runs `check` with a fresh schema, then drops it; skips without a server (see
        /// [`Schema::create`]).
        async fn with(test: &str, check: impl AsyncFnOnce(&Self)) {
            if let Some(schema) = Self::create(test).await {
                check(&schema).await;
                schema.drop().await;
            }
        }

        async fn drop(self) {
            if let Ok(admin) = PgPool::connect(&self.base).await {
                let _ = sqlx::query(AssertSqlSafe(format!(
                    "DROP SCHEMA \"{}\" CASCADE",
                    self.name
                )))
                .execute(&admin)
                .await;
                admin.close().await;
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres_store_conforms() {
        Schema::with("conforms", async |schema| {
            let store = connect(&schema.url)
                .await
                .unwrap_or_else(|error| panic!("{error}"));
            run_conformance_suite(store).await;
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn two_postgres_stores_on_one_database_conform() {
        Schema::with("two_stores", async |schema| {
            let first = PostgresStore::must_connect(&schema.url).await;
            let second = PostgresStore::must_connect(&schema.url).await;
            run_conformance_suite(Alternating::shared(Arc::new(first), Arc::new(second))).await;
        })
        .await;
    }

    #[tokio::test]
    async fn postgres_store_keeps_everything_across_a_restart() {
        Schema::with("restart", async |schema| {
            check_restart::<PostgresStore>(&schema.url).await;
        })
        .await;
    }

    #[tokio::test]
    async fn postgres_corrupt_row_is_an_error_naming_the_row() {
        Schema::with("corrupt", async |schema| {
            check_corrupt_row::<PostgresStore>(&schema.url).await;
        })
        .await;
    }

    #[tokio::test]
    async fn postgres_wrong_database_fails_at_connect_naming_it() {
        Schema::with("wrong_db", async |schema| {
            let without_query = schema.base.split('?').next().unwrap_or_default();
            let server = without_query
                .rsplit_once('/')
                .map_or(without_query, |(server, _)| server);
            let url = format!("{server}/no_such_database_here");
            let message = connect_error(&url).await;
            assert!(
                message.contains("no_such_database_here") && message.contains("does not exist"),
                "{message}"
            );
        })
        .await;
    }
}
