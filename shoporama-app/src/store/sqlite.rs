//! [`SqliteStore`]: the embedded default install store.

use std::path::Path;
use std::str::FromStr as _;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::FutureExt as _;
use futures::future::BoxFuture;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use super::installation::to_column;
use super::sql::{
    DELETE_INSTALLATION, DELETE_TOMBSTONE, EmbeddedMigration, EncodedInstallation,
    INSERT_TOMBSTONE, SCHEMA_VERSION, SELECT_INSTALLATION, SELECT_INSTALLATIONS, SELECT_TOMBSTONE,
    UPSERT_INSTALLATION, decode_installation, decode_tombstone, describe, embedded_migration,
    latest_version, migrator, query_error, removed_installation,
};
use super::{
    InstallStore, Installation, SettingsUpdate, StoreError, Tombstone, UpsertOutcome, mask_url,
};

/// The migrations in `migrations/sqlite`, oldest first. Add new files here too (a unit test
/// checks that this list and the directory agree).
pub(super) const MIGRATIONS: &[EmbeddedMigration] = &[
    embedded_migration!("sqlite", "0001_installations.sql"),
    embedded_migration!("sqlite", "0002_inbox.sql"),
];

/// How long a write waits for another connection's write to finish before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections in the pool of a file database (WAL lets readers run beside the writer).
const MAX_CONNECTIONS: u32 = 8;
/// Starts a write transaction that holds SQLite's write lock from its first statement, so
/// the read-then-write of a callback cannot be interleaved with another writer.
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

/// An [`InstallStore`] in a SQLite database file: the default for an app running as one
/// process.
///
/// Opening it creates the file if missing, switches it to WAL journaling, enables foreign
/// keys and a busy timeout, and applies the migrations in `migrations/sqlite`. Writes use
/// `BEGIN IMMEDIATE` transactions with SQLite's default `synchronous = FULL`, so an
/// acknowledged callback survives a crash.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// The URL it was opened with, for messages.
    url: String,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url`: `sqlite://relative/path.db`,
    /// `sqlite:///absolute/path.db` or `sqlite::memory:` (a private database that lives as
    /// long as the store).
    ///
    /// Fails, naming the URL, if the file cannot be opened or created, or the schema cannot
    /// be migrated.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let masked = mask_url(url);
        let options = SqliteConnectOptions::from_str(url).map_err(|error| StoreError::Connect {
            url: masked.clone(),
            source: describe(&error),
        })?;
        Self::open_with(options, is_in_memory(url), masked).await
    }

    /// Opens (creating if missing) the database file at `path`.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let options = SqliteConnectOptions::new().filename(path);
        Self::open_with(options, false, format!("sqlite://{}", path.display())).await
    }

    /// The connection pool, for an app that keeps its own tables in the same database.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn open_with(
        options: SqliteConnectOptions,
        in_memory: bool,
        url: String,
    ) -> Result<Self, StoreError> {
        let options = options
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let (options, pool_options) = if in_memory {
            // Each connection to `:memory:` would otherwise see its own database, and the
            // database vanishes when its last connection closes: keep exactly one, forever.
            let pool_options = SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
            (options, pool_options)
        } else {
            let pool_options = SqlitePoolOptions::new().max_connections(MAX_CONNECTIONS);
            (options.journal_mode(SqliteJournalMode::Wal), pool_options)
        };
        let pool =
            pool_options
                .connect_with(options)
                .await
                .map_err(|error| StoreError::Connect {
                    url: url.clone(),
                    source: describe(&error),
                })?;
        let migrate_error = |source| StoreError::Migrate {
            url: url.clone(),
            source,
        };
        migrator(MIGRATIONS)
            .map_err(|message| migrate_error(message.into()))?
            .run(&pool)
            .await
            .map_err(|error| migrate_error(describe(&error)))?;
        let store = Self { pool, url };
        store.check_schema().await?;
        tracing::debug!(url = %store.url, "opened SQLite install store");
        Ok(store)
    }

    async fn check_schema(&self) -> Result<(), StoreError> {
        let version: Option<i64> = sqlx::query_scalar(SCHEMA_VERSION)
            .fetch_one(&self.pool)
            .await
            .map_err(|error| query_error("health", None, &error))?;
        let needed = latest_version(MIGRATIONS);
        match version {
            Some(version) if version >= needed => Ok(()),
            found => Err(StoreError::Migrate {
                url: self.url.clone(),
                source: format!(
                    "the schema is at version {}, this build needs {needed}",
                    found.unwrap_or(0)
                )
                .into(),
            }),
        }
    }

    async fn upsert(&self, installation: &Installation) -> Result<UpsertOutcome, StoreError> {
        const OP: &str = "upsert_installation";
        let webshop_id = installation.webshop_id;
        let fail = |error: sqlx::Error| query_error(OP, Some(webshop_id), &error);
        let encoded = EncodedInstallation::new(OP, installation)?;
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await.map_err(fail)?;
        let previous = sqlx::query(SELECT_INSTALLATION)
            .bind(encoded.webshop_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(fail)?;
        let previous = previous.as_ref().map(decode_installation).transpose()?;
        encoded
            .bind(sqlx::query(UPSERT_INSTALLATION))
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        sqlx::query(DELETE_TOMBSTONE)
            .bind(encoded.webshop_id)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        tracing::debug!(
            webshop_id,
            reinstall = previous.is_some(),
            "stored installation in SQLite"
        );
        Ok(match previous {
            None => UpsertOutcome::Installed,
            Some(previous) => UpsertOutcome::Reinstalled {
                previous: Box::new(previous),
            },
        })
    }

    async fn get(&self, webshop_id: u64) -> Result<Option<Installation>, StoreError> {
        let id = to_column(webshop_id, "webshop_id", webshop_id)?;
        let row = sqlx::query(SELECT_INSTALLATION)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(|error| query_error("installation", Some(webshop_id), &error))?;
        row.as_ref().map(decode_installation).transpose()
    }

    async fn update(
        &self,
        webshop_id: u64,
        update: &SettingsUpdate,
    ) -> Result<Option<Installation>, StoreError> {
        const OP: &str = "update_settings";
        let fail = |error: sqlx::Error| query_error(OP, Some(webshop_id), &error);
        let id = to_column(webshop_id, "webshop_id", webshop_id)?;
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await.map_err(fail)?;
        let previous = sqlx::query(SELECT_INSTALLATION)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(fail)?;
        let Some(previous) = previous.as_ref().map(decode_installation).transpose()? else {
            tracing::debug!(
                webshop_id,
                "settings update for a shop that is not installed"
            );
            return Ok(None);
        };
        let next = update.apply_to(&previous);
        EncodedInstallation::new(OP, &next)?
            .bind(sqlx::query(UPSERT_INSTALLATION))
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        tracing::debug!(webshop_id, "updated settings in SQLite");
        Ok(Some(previous))
    }

    async fn remove(
        &self,
        webshop_id: u64,
        at: DateTime<Utc>,
    ) -> Result<Option<Installation>, StoreError> {
        const OP: &str = "uninstall";
        let fail = |error: sqlx::Error| query_error(OP, Some(webshop_id), &error);
        let id = to_column(webshop_id, "webshop_id", webshop_id)?;
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await.map_err(fail)?;
        let removed = sqlx::query(DELETE_INSTALLATION)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(fail)?;
        sqlx::query(INSERT_TOMBSTONE)
            .bind(id)
            .bind(at.timestamp_micros())
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        Ok(removed_installation(
            webshop_id,
            removed.as_ref().map(decode_installation),
        ))
    }

    async fn get_tombstone(&self, webshop_id: u64) -> Result<Option<Tombstone>, StoreError> {
        let id = to_column(webshop_id, "webshop_id", webshop_id)?;
        let row = sqlx::query(SELECT_TOMBSTONE)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(|error| query_error("tombstone", Some(webshop_id), &error))?;
        row.as_ref().map(decode_tombstone).transpose()
    }

    async fn all(&self) -> Result<Vec<Installation>, StoreError> {
        let rows = sqlx::query(SELECT_INSTALLATIONS)
            .fetch_all(&self.pool)
            .await
            .map_err(|error| query_error("installations", None, &error))?;
        rows.iter().map(decode_installation).collect()
    }
}

/// Whether `url` names a private in-memory database.
fn is_in_memory(url: &str) -> bool {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (database, params) = rest.split_once('?').unwrap_or((rest, ""));
    database == ":memory:" || params.split('&').any(|param| param == "mode=memory")
}

impl InstallStore for SqliteStore {
    fn upsert_installation<'a>(
        &'a self,
        installation: &'a Installation,
    ) -> BoxFuture<'a, Result<UpsertOutcome, StoreError>> {
        self.upsert(installation).boxed()
    }

    fn installation(
        &self,
        webshop_id: u64,
    ) -> BoxFuture<'_, Result<Option<Installation>, StoreError>> {
        self.get(webshop_id).boxed()
    }

    fn update_settings<'a>(
        &'a self,
        webshop_id: u64,
        update: &'a SettingsUpdate,
    ) -> BoxFuture<'a, Result<Option<Installation>, StoreError>> {
        self.update(webshop_id, update).boxed()
    }

    fn uninstall(
        &self,
        webshop_id: u64,
        at: DateTime<Utc>,
    ) -> BoxFuture<'_, Result<Option<Installation>, StoreError>> {
        self.remove(webshop_id, at).boxed()
    }

    fn tombstone(&self, webshop_id: u64) -> BoxFuture<'_, Result<Option<Tombstone>, StoreError>> {
        self.get_tombstone(webshop_id).boxed()
    }

    fn installations(&self) -> BoxFuture<'_, Result<Vec<Installation>, StoreError>> {
        self.all().boxed()
    }

    fn health(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        self.check_schema().boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_in_memory_urls() {
        assert!(is_in_memory("sqlite::memory:"));
        assert!(is_in_memory("sqlite://:memory:"));
        assert!(is_in_memory("sqlite://shops?mode=memory&cache=shared"));
        assert!(!is_in_memory("sqlite://shops.db"));
        assert!(!is_in_memory("sqlite:///var/lib/memory.db?mode=rwc"));
    }
}
