//! [`PostgresStore`]: the install store for apps running as several processes.

use std::str::FromStr as _;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions as _, Postgres, Transaction};

use super::sql::{Dialect, EmbeddedMigration, SqlStore, embedded_migration};
use super::{StoreError, describe, mask_url};

/// The migrations in `migrations/postgres`, oldest first. Add new files here too (a unit test
/// checks that this list and the directory agree).
pub(super) const MIGRATIONS: &[EmbeddedMigration] = &[
    embedded_migration!("postgres", "0001_installations.sql"),
    embedded_migration!("postgres", "0002_inbox.sql"),
    embedded_migration!("postgres", "0003_effects.sql"),
    embedded_migration!("postgres", "0004_inbox_notify.sql"),
    embedded_migration!("postgres", "0005_budget.sql"),
];

/// How long opening the store, or any query, waits for a connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// The first key of the per-shop advisory locks ("SHOP"), XOR-ed with the high half of the
/// webshop id. Distinct ids always get distinct lock keys.
const LOCK_NAMESPACE: i32 = 0x5348_4F50;

/// An [`InstallStore`](super::InstallStore) in PostgreSQL: for an app running as several processes behind a load
/// balancer, which then all see the same installations.
///
/// Opening it applies the migrations in `migrations/postgres` (under sqlx's migration lock, so
/// processes starting together do not race). Tables are created in the first schema of the
/// connection's `search_path`; pick one with `?options[search_path]=my_schema` in the URL.
///
/// Writes for one shop are serialized with a transaction-scoped advisory lock keyed on the
/// webshop id, so concurrent callbacks for a shop (including an install racing an uninstall)
/// apply one after the other and each sees the state the previous one left.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    sql: SqlStore<Postgres>,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database?…` or
    /// `postgresql://…`) with a pool of up to 20 connections (shared by requests, the inbox's
    /// workers and keyed effects), and migrates the schema.
    ///
    /// Fails within 10 seconds, naming the URL with its password masked, if the database
    /// cannot be reached or migrated.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(
            url,
            PgPoolOptions::new()
                .max_connections(20)
                .acquire_timeout(ACQUIRE_TIMEOUT),
        )
        .await
    }

    /// Like [`PostgresStore::connect`], with the pool configured by `pool_options` (size,
    /// timeouts, …).
    pub async fn connect_with(url: &str, pool_options: PgPoolOptions) -> Result<Self, StoreError> {
        let masked = mask_url(url);
        let connect_error = |error: &dyn std::error::Error| StoreError::Connect {
            url: masked.clone(),
            source: describe(error),
        };
        let options = PgConnectOptions::from_str(url).map_err(|error| connect_error(&error))?;
        let pool = match pool_options.connect_with(options.clone()).await {
            Ok(pool) => pool,
            // The pool retries refused connections until its timeout and then reports only
            // the timeout; one direct attempt recovers the reason.
            Err(sqlx::Error::PoolTimedOut) => {
                let cause = match options.connect().await {
                    Ok(connection) => {
                        drop(connection);
                        sqlx::Error::PoolTimedOut
                    }
                    Err(error) => error,
                };
                return Err(connect_error(&cause));
            }
            Err(error) => return Err(connect_error(&error)),
        };
        Ok(Self {
            sql: SqlStore::open(pool, masked).await?,
        })
    }

    /// The connection pool, for an app that keeps its own tables in the same database.
    pub fn pool(&self) -> &PgPool {
        self.sql.pool()
    }
}

impl Dialect for Postgres {
    const MIGRATIONS: &'static [EmbeddedMigration] = MIGRATIONS;

    /// A transaction-scoped advisory lock keyed on the webshop id: writes for other shops
    /// go on in parallel.
    async fn begin_write(
        pool: &PgPool,
        webshop_id: i64,
    ) -> Result<Transaction<'static, Self>, sqlx::Error> {
        let mut tx = pool.begin().await?;
        let (high, low) = lock_keys(webshop_id);
        sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind(high)
            .bind(low)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }
}

super::sql::install_store_via_sql!(PostgresStore, crate::store::Database::Postgres);

/// The two `int4` keys of shop `id`'s advisory lock: a bijection of the id, so two shops
/// never share a lock, in the two-key space sqlx's own (single `bigint` key) migration lock
/// does not use.
fn lock_keys(id: i64) -> (i32, i32) {
    let [b0, b1, b2, b3, b4, b5, b6, b7] = id.to_be_bytes();
    (
        i32::from_be_bytes([b0, b1, b2, b3]) ^ LOCK_NAMESPACE,
        i32::from_be_bytes([b4, b5, b6, b7]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_keys_are_distinct_per_shop() {
        let ids = [0, 1, 2, 1 << 32, (1 << 32) + 1, i64::MAX, i64::MAX - 1];
        let mut keys: Vec<(i32, i32)> = ids.iter().map(|&id| lock_keys(id)).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), ids.len());
        assert_eq!(lock_keys(1), (LOCK_NAMESPACE, 1));
    }
}
