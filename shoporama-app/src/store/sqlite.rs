//! [`SqliteStore`]: the embedded default install store.

use std::path::Path;
use std::str::FromStr as _;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{Sqlite, Transaction};

use super::sql::{Dialect, EmbeddedMigration, SqlStore, embedded_migration};
use super::{StoreError, describe, mask_url};

/// The migrations in `migrations/sqlite`, oldest first. Add new files here too (a unit test
/// checks that this list and the directory agree).
pub(super) const MIGRATIONS: &[EmbeddedMigration] = &[
    embedded_migration!("sqlite", "0001_installations.sql"),
    embedded_migration!("sqlite", "0002_inbox.sql"),
    embedded_migration!("sqlite", "0003_effects.sql"),
    embedded_migration!("sqlite", "0005_budget.sql"),
];

/// How long a write waits for another connection's write to finish before failing. The
/// pool is shared with the inbox, whose workers write beside the requests.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections in the pool of a file database (WAL lets readers run beside the writer).
const MAX_CONNECTIONS: u32 = 8;
/// Starts a write transaction that holds SQLite's write lock from its first statement, so
/// the read-then-write of a callback cannot be interleaved with another writer.
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

/// An [`InstallStore`](super::InstallStore) in a SQLite database file: the default for an app running as one
/// process.
///
/// Opening it creates the file if missing, switches it to WAL journaling, enables foreign
/// keys and a busy timeout, and applies the migrations in `migrations/sqlite`. Writes use
/// `BEGIN IMMEDIATE` transactions with SQLite's default `synchronous = FULL`, so an
/// acknowledged callback survives a crash.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    sql: SqlStore<Sqlite>,
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
        self.sql.pool()
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
        Ok(Self {
            sql: SqlStore::open(pool, url).await?,
        })
    }
}

impl Dialect for Sqlite {
    const MIGRATIONS: &'static [EmbeddedMigration] = MIGRATIONS;

    /// SQLite has one write lock for the whole database: `BEGIN IMMEDIATE` takes it.
    fn begin_write(
        pool: &SqlitePool,
        _webshop_id: i64,
    ) -> impl Future<Output = Result<Transaction<'static, Self>, sqlx::Error>> + Send {
        pool.begin_with(BEGIN_WRITE)
    }
}

super::sql::install_store_via_sql!(SqliteStore, crate::store::Database::Sqlite);

/// Whether `url` names a private in-memory database.
fn is_in_memory(url: &str) -> bool {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (database, params) = rest.split_once('?').unwrap_or((rest, ""));
    database == ":memory:" || params.split('&').any(|param| param == "mode=memory")
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
