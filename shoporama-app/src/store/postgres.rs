//! [`PostgresStore`]: the install store for apps running as several processes.

use std::str::FromStr as _;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::FutureExt as _;
use futures::future::BoxFuture;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions as _, PgConnection, Postgres, Transaction};

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

/// The migrations in `migrations/postgres`, oldest first. Add new files here too (a unit test
/// checks that this list and the directory agree).
pub(super) const MIGRATIONS: &[EmbeddedMigration] = &[
    embedded_migration!("postgres", "0001_installations.sql"),
    embedded_migration!("postgres", "0002_inbox.sql"),
];

/// How long opening the store, or any query, waits for a connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// The first key of the per-shop advisory locks ("SHOP"), XOR-ed with the high half of the
/// webshop id. Distinct ids always get distinct lock keys.
const LOCK_NAMESPACE: i32 = 0x5348_4F50;

/// An [`InstallStore`] in PostgreSQL: for an app running as several processes behind a load
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
    pool: PgPool,
    /// The URL it was opened with, password masked, for messages.
    url: String,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database?…` or
    /// `postgresql://…`) with a pool of up to 10 connections, and migrates the schema.
    ///
    /// Fails within 10 seconds, naming the URL with its password masked, if the database
    /// cannot be reached or migrated.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(
            url,
            PgPoolOptions::new()
                .max_connections(10)
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
        let migrate_error = |source| StoreError::Migrate {
            url: masked.clone(),
            source,
        };
        migrator(MIGRATIONS)
            .map_err(|message| migrate_error(message.into()))?
            .run(&pool)
            .await
            .map_err(|error| migrate_error(describe(&error)))?;
        let store = Self { pool, url: masked };
        store.check_schema().await?;
        tracing::debug!(url = %store.url, "opened PostgreSQL install store");
        Ok(store)
    }

    /// The connection pool, for an app that keeps its own tables in the same database.
    pub fn pool(&self) -> &PgPool {
        &self.pool
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

    /// Begins a transaction holding the write lock of shop `id`.
    async fn begin_for_shop(&self, id: i64) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let (high, low) = lock_keys(id);
        sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind(high)
            .bind(low)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    async fn upsert(&self, installation: &Installation) -> Result<UpsertOutcome, StoreError> {
        const OP: &str = "upsert_installation";
        let webshop_id = installation.webshop_id;
        let fail = |error: sqlx::Error| query_error(OP, Some(webshop_id), &error);
        let encoded = EncodedInstallation::new(OP, installation)?;
        let mut tx = self
            .begin_for_shop(encoded.webshop_id)
            .await
            .map_err(fail)?;
        let previous = select_installation(&mut tx, encoded.webshop_id)
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
            "stored installation in PostgreSQL"
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
        let mut tx = self.begin_for_shop(id).await.map_err(fail)?;
        let previous = select_installation(&mut tx, id).await.map_err(fail)?;
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
        tracing::debug!(webshop_id, "updated settings in PostgreSQL");
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
        let mut tx = self.begin_for_shop(id).await.map_err(fail)?;
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

async fn select_installation(
    connection: &mut PgConnection,
    id: i64,
) -> Result<Option<sqlx::postgres::PgRow>, sqlx::Error> {
    sqlx::query(SELECT_INSTALLATION)
        .bind(id)
        .fetch_optional(connection)
        .await
}

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

impl InstallStore for PostgresStore {
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
    fn lock_keys_are_distinct_per_shop() {
        let ids = [0, 1, 2, 1 << 32, (1 << 32) + 1, i64::MAX, i64::MAX - 1];
        let mut keys: Vec<(i32, i32)> = ids.iter().map(|&id| lock_keys(id)).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), ids.len());
        assert_eq!(lock_keys(1), (LOCK_NAMESPACE, 1));
    }
}
