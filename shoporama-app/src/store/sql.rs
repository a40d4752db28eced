//! What the SQL stores share: the row layout, its encoding and decoding, the embedded
//! migrations and every store operation ([`SqlStore`]). A backend adds only how it connects
//! and how a write for one shop is serialized ([`Dialect`]).
//!
//! Rows are read through [`Columns`](super::columns::Columns).

use std::borrow::Borrow;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::migrate::{Migrate, Migration, MigrationType, Migrator};
use sqlx::query::Query;
use sqlx::{
    ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, SqlSafeStr as _,
    Transaction, Type,
};

use super::columns::{BadColumn, Columns, column, timestamp, unsigned};
use super::installation::to_column;
use super::{
    Installation, SettingsStatus, SettingsUpdate, StoreError, Tombstone, UpsertOutcome, describe,
};
use crate::secret::AppToken;

/// The table of installations.
const INSTALLATIONS: &str = "shoporama_installations";
/// The table of tombstones.
const TOMBSTONES: &str = "shoporama_tombstones";
/// The table where the applied migrations are recorded. Not sqlx's default
/// `_sqlx_migrations`, so an app's own migrations can live in the same database.
const MIGRATIONS_TABLE: &str = "_shoporama_app_migrations";

/// The columns of `shoporama_installations`, in the order [`EncodedInstallation`] binds them
/// (`$1` … `$10`), as a literal for `concat!`.
macro_rules! installation_columns {
    () => {
        "webshop_id, webshop_url, app_token, daily_limit, current_usage, installed_at_micros, \
         updated_at_micros, fields, settings_status, settings_errors"
    };
}

/// The shop's installation. `$1`: webshop id.
const SELECT_INSTALLATION: &str = concat!(
    "SELECT ",
    installation_columns!(),
    " FROM shoporama_installations WHERE webshop_id = $1"
);

/// Every installation, by id.
const SELECT_INSTALLATIONS: &str = concat!(
    "SELECT ",
    installation_columns!(),
    " FROM shoporama_installations ORDER BY webshop_id"
);

/// Inserts or replaces an installation. Binds: [`EncodedInstallation::bind`].
const UPSERT_INSTALLATION: &str = concat!(
    "INSERT INTO shoporama_installations (",
    installation_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
     ON CONFLICT (webshop_id) DO UPDATE SET \
     webshop_url = excluded.webshop_url, app_token = excluded.app_token, \
     daily_limit = excluded.daily_limit, current_usage = excluded.current_usage, \
     installed_at_micros = excluded.installed_at_micros, \
     updated_at_micros = excluded.updated_at_micros, fields = excluded.fields, \
     settings_status = excluded.settings_status, settings_errors = excluded.settings_errors"
);

/// Deletes the shop's installation and returns it. `$1`: webshop id.
const DELETE_INSTALLATION: &str = concat!(
    "DELETE FROM shoporama_installations WHERE webshop_id = $1 RETURNING ",
    installation_columns!()
);

/// The shop's tombstone. `$1`: webshop id.
const SELECT_TOMBSTONE: &str =
    "SELECT webshop_id, uninstalled_at_micros FROM shoporama_tombstones WHERE webshop_id = $1";

/// Records a tombstone unless the shop has one. `$1`: webshop id, `$2`: time in microseconds.
const INSERT_TOMBSTONE: &str = "INSERT INTO shoporama_tombstones \
     (webshop_id, uninstalled_at_micros) VALUES ($1, $2) ON CONFLICT (webshop_id) DO NOTHING";

/// Removes the shop's tombstone. `$1`: webshop id.
const DELETE_TOMBSTONE: &str = "DELETE FROM shoporama_tombstones WHERE webshop_id = $1";

/// The applied schema version; fails unless both tables exist.
const SCHEMA_VERSION: &str = "SELECT MAX(version) AS version \
     FROM _shoporama_app_migrations WHERE success \
     AND NOT EXISTS (SELECT 1 FROM shoporama_installations WHERE 1 = 0) \
     AND NOT EXISTS (SELECT 1 FROM shoporama_tombstones WHERE 1 = 0)";

const CONFIGURED: &str = "configured";
const UNCONFIGURED: &str = "unconfigured";

/// One migration file, embedded at compile time.
pub(super) struct EmbeddedMigration {
    /// The file name, `<version>_<description>.sql` as the sqlx CLI names them.
    pub(super) file: &'static str,
    /// The file's content.
    pub(super) sql: &'static str,
}

/// Embeds `migrations/<dir>/<file>` as an [`EmbeddedMigration`].
macro_rules! embedded_migration {
    ($dir:literal, $file:literal) => {
        $crate::store::sql::EmbeddedMigration {
            file: $file,
            sql: include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/migrations/",
                $dir,
                "/",
                $file
            )),
        }
    };
}
pub(super) use embedded_migration;

/// A migrator running `migrations`, recording them in [`MIGRATIONS_TABLE`].
///
/// Versions and descriptions come from the file names exactly as `sqlx::migrate!` derives
/// them, and checksums from the contents, so the sqlx CLI agrees with this migrator.
fn migrator(migrations: &[EmbeddedMigration]) -> Result<Migrator, String> {
    let mut resolved = Vec::with_capacity(migrations.len());
    for migration in migrations {
        let (version, description) = parse_migration_file(migration.file)?;
        resolved.push(Migration::new(
            version,
            description.into(),
            MigrationType::Simple,
            migration.sql.into_sql_str(),
            false,
        ));
    }
    let mut migrator = Migrator::with_migrations(resolved);
    migrator.dangerous_set_table_name(MIGRATIONS_TABLE);
    Ok(migrator)
}

/// The newest version among `migrations`: the schema version this build needs.
fn latest_version(migrations: &[EmbeddedMigration]) -> i64 {
    migrations
        .iter()
        .filter_map(|migration| parse_migration_file(migration.file).ok())
        .map(|(version, _)| version)
        .max()
        .unwrap_or(0)
}

/// `0001_create_installations.sql` → `(1, "create installations")`.
pub(super) fn parse_migration_file(file: &str) -> Result<(i64, String), String> {
    let stem = file
        .strip_suffix(".sql")
        .ok_or_else(|| format!("migration file `{file}` does not end in .sql"))?;
    let (version, description) = stem.split_once('_').ok_or_else(|| {
        format!("migration file `{file}` is not named <version>_<description>.sql")
    })?;
    let version = version
        .parse::<i64>()
        .map_err(|_| format!("migration file `{file}` does not start with a version number"))?;
    Ok((version, description.replace('_', " ")))
}

/// A [`StoreError::Query`] for `operation` failing with `error`.
fn query_error(
    operation: &'static str,
    webshop_id: Option<u64>,
    error: &sqlx::Error,
) -> StoreError {
    StoreError::query(operation, webshop_id, describe(error))
}

/// What differs between the SQL databases the stores run on, beyond their connection
/// options: implemented for `sqlx::Sqlite` and `sqlx::Postgres` (logs name them by
/// [`Database::NAME`]).
pub(super) trait Dialect: Database {
    /// The migrations in `migrations/<dialect>`, oldest first.
    const MIGRATIONS: &'static [EmbeddedMigration];

    /// Begins a transaction holding the write lock of shop `webshop_id`, so that writes for
    /// one shop apply one after the other and each sees the state the previous one left.
    fn begin_write(
        pool: &Pool<Self>,
        webshop_id: i64,
    ) -> impl Future<Output = Result<Transaction<'static, Self>, sqlx::Error>> + Send;
}

/// An install store in a SQL database, once connected: what [`SqliteStore`] and
/// [`PostgresStore`] are made of.
///
/// [`SqliteStore`]: super::SqliteStore
/// [`PostgresStore`]: super::PostgresStore
#[derive(Debug)]
pub(super) struct SqlStore<DB: Database> {
    pool: Pool<DB>,
    /// The URL it was opened with, password masked, for messages.
    url: String,
}

impl<DB: Database> Clone for SqlStore<DB> {
    fn clone(&self) -> Self {
        Self {
            pool: self.pool.clone(),
            url: self.url.clone(),
        }
    }
}

impl<DB> SqlStore<DB>
where
    DB: Dialect,
    DB::Arguments: IntoArguments<DB>,
    DB::Connection: Migrate,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'e> i64: Encode<'e, DB> + Decode<'e, DB> + Type<DB>,
    for<'e> &'e str: Encode<'e, DB> + Type<DB>,
    DB::Row: Columns,
    usize: ColumnIndex<DB::Row>,
{
    /// Migrates the database behind `pool` and checks its schema. `url` is masked.
    pub(super) async fn open(pool: Pool<DB>, url: String) -> Result<Self, StoreError> {
        let migrate_error = |source| StoreError::Migrate {
            url: url.clone(),
            source,
        };
        migrator(DB::MIGRATIONS)
            .map_err(|message| migrate_error(message.into()))?
            .run(&pool)
            .await
            .map_err(|error| migrate_error(describe(&error)))?;
        let store = Self { pool, url };
        store.health().await?;
        tracing::debug!(url = %store.url, "opened {} install store", <DB as Database>::NAME);
        Ok(store)
    }

    pub(super) fn pool(&self) -> &Pool<DB> {
        &self.pool
    }

    /// [`InstallStore::health`](super::InstallStore::health): the schema is at the version
    /// this build needs.
    pub(super) async fn health(&self) -> Result<(), StoreError> {
        let version: Option<i64> = sqlx::query_scalar(SCHEMA_VERSION)
            .fetch_one(&self.pool)
            .await
            .map_err(|error| query_error("health", None, &error))?;
        let needed = latest_version(DB::MIGRATIONS);
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

    pub(super) async fn upsert(
        &self,
        installation: &Installation,
    ) -> Result<UpsertOutcome, StoreError> {
        const OP: &str = "upsert_installation";
        let webshop_id = installation.webshop_id;
        let fail = |error: sqlx::Error| query_error(OP, Some(webshop_id), &error);
        let encoded = EncodedInstallation::new(OP, installation)?;
        let id = encoded.webshop_id;
        let mut tx = DB::begin_write(&self.pool, id).await.map_err(fail)?;
        let previous = select_installation(id)
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
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        tracing::debug!(
            webshop_id,
            reinstall = previous.is_some(),
            "stored installation in {}",
            <DB as Database>::NAME
        );
        Ok(UpsertOutcome::replacing(previous))
    }

    pub(super) async fn installation(
        &self,
        webshop_id: u64,
    ) -> Result<Option<Installation>, StoreError> {
        let id = to_column(webshop_id, "webshop_id", webshop_id)?;
        let row = select_installation(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(|error| query_error("installation", Some(webshop_id), &error))?;
        row.as_ref().map(decode_installation).transpose()
    }

    pub(super) async fn update_settings(
        &self,
        webshop_id: u64,
        update: &SettingsUpdate,
    ) -> Result<Option<Installation>, StoreError> {
        let written = self
            .write_settings("update_settings", webshop_id, |_| Some(update))
            .await?;
        Ok(written.map(|(previous, _)| previous))
    }

    pub(super) async fn rewrite_settings(
        &self,
        webshop_id: u64,
        rewrite: super::SettingsRewrite,
    ) -> Result<Option<Installation>, StoreError> {
        let written = self
            .write_settings("rewrite_settings", webshop_id, rewrite)
            .await?;
        Ok(written.map(|(previous, next)| next.unwrap_or(previous)))
    }

    /// In one transaction: reads shop `webshop_id`'s row, asks `decide` for the update to
    /// apply to it, and writes the result. The row as it was and as written (`None` when
    /// `decide` wrote nothing); `None` when the shop is not installed.
    async fn write_settings<U: Borrow<SettingsUpdate>>(
        &self,
        op: &'static str,
        webshop_id: u64,
        decide: impl FnOnce(&Installation) -> Option<U>,
    ) -> Result<Option<(Installation, Option<Installation>)>, StoreError> {
        let fail = |error: sqlx::Error| query_error(op, Some(webshop_id), &error);
        let id = to_column(webshop_id, "webshop_id", webshop_id)?;
        let mut tx = DB::begin_write(&self.pool, id).await.map_err(fail)?;
        let previous = select_installation(id)
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
        let Some(update) = decide(&previous) else {
            return Ok(Some((previous, None)));
        };
        let next = update.borrow().apply_to(&previous);
        EncodedInstallation::new(op, &next)?
            .bind(sqlx::query(UPSERT_INSTALLATION))
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        tracing::debug!(webshop_id, "updated settings in {}", <DB as Database>::NAME);
        Ok(Some((previous, Some(next))))
    }

    pub(super) async fn uninstall(
        &self,
        webshop_id: u64,
        at: DateTime<Utc>,
    ) -> Result<Option<Installation>, StoreError> {
        const OP: &str = "uninstall";
        let fail = |error: sqlx::Error| query_error(OP, Some(webshop_id), &error);
        let id = to_column(webshop_id, "webshop_id", webshop_id)?;
        let mut tx = DB::begin_write(&self.pool, id).await.map_err(fail)?;
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

    pub(super) async fn tombstone(&self, webshop_id: u64) -> Result<Option<Tombstone>, StoreError> {
        let id = to_column(webshop_id, "webshop_id", webshop_id)?;
        let row = sqlx::query(SELECT_TOMBSTONE)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(|error| query_error("tombstone", Some(webshop_id), &error))?;
        row.as_ref().map(decode_tombstone).transpose()
    }

    pub(super) async fn installations(&self) -> Result<Vec<Installation>, StoreError> {
        let rows = sqlx::query(SELECT_INSTALLATIONS)
            .fetch_all(&self.pool)
            .await
            .map_err(|error| query_error("installations", None, &error))?;
        rows.iter().map(decode_installation).collect()
    }
}

/// What an uninstall reports: the removed installation, or `None` (with a warning) when the
/// removed row was corrupt. An uninstall must always remove the token, so a row that cannot
/// be read is deleted rather than left behind with its token.
fn removed_installation(
    webshop_id: u64,
    removed: Option<Result<Installation, StoreError>>,
) -> Option<Installation> {
    match removed {
        Some(Ok(installation)) => {
            tracing::debug!(webshop_id, "uninstalled");
            Some(installation)
        }
        Some(Err(error)) => {
            tracing::warn!(webshop_id, %error, "removed a corrupt installation row on uninstall");
            None
        }
        None => {
            tracing::debug!(webshop_id, "uninstall of a shop that was not installed");
            None
        }
    }
}

/// The query of shop `id`'s row in [`INSTALLATIONS`].
fn select_installation<DB>(id: i64) -> Query<'static, DB, DB::Arguments>
where
    DB: Database,
    for<'e> i64: Encode<'e, DB> + Type<DB>,
{
    sqlx::query(SELECT_INSTALLATION).bind(id)
}

/// Implements [`InstallStore`](super::InstallStore) for `$store`, a wrapper of a
/// [`SqlStore`] in its field `sql`.
macro_rules! install_store_via_sql {
    ($store:ty, $variant:path) => {
        const _: () = {
            use ::chrono::{DateTime, Utc};
            use ::futures::FutureExt as _;
            use ::futures::future::BoxFuture;
            use $crate::store::{
                InstallStore, Installation, SettingsUpdate, StoreError, Tombstone, UpsertOutcome,
            };

            impl InstallStore for $store {
                // Writes run in a task of their own (see `detached`): a caller dropped
                // mid-transaction cannot leave a pooled connection inside it.
                fn upsert_installation<'a>(
                    &'a self,
                    installation: &'a Installation,
                ) -> BoxFuture<'a, Result<UpsertOutcome, StoreError>> {
                    let sql = self.sql.clone();
                    let installation = installation.clone();
                    let webshop_id = installation.webshop_id;
                    async move {
                        $crate::store::detached(async move { sql.upsert(&installation).await })
                            .await
                            .unwrap_or_else(|panic| {
                                Err(StoreError::query(
                                    "upsert_installation",
                                    Some(webshop_id),
                                    panic,
                                ))
                            })
                    }
                    .boxed()
                }

                fn installation(
                    &self,
                    webshop_id: u64,
                ) -> BoxFuture<'_, Result<Option<Installation>, StoreError>> {
                    self.sql.installation(webshop_id).boxed()
                }

                fn update_settings<'a>(
                    &'a self,
                    webshop_id: u64,
                    update: &'a SettingsUpdate,
                ) -> BoxFuture<'a, Result<Option<Installation>, StoreError>> {
                    let sql = self.sql.clone();
                    let update = update.clone();
                    async move {
                        $crate::store::detached(async move {
                            sql.update_settings(webshop_id, &update).await
                        })
                        .await
                        .unwrap_or_else(|panic| {
                            Err(StoreError::query(
                                "update_settings",
                                Some(webshop_id),
                                panic,
                            ))
                        })
                    }
                    .boxed()
                }

                fn rewrite_settings(
                    &self,
                    webshop_id: u64,
                    rewrite: $crate::store::SettingsRewrite,
                ) -> BoxFuture<'_, Result<Option<Installation>, StoreError>> {
                    let sql = self.sql.clone();
                    async move {
                        $crate::store::detached(async move {
                            sql.rewrite_settings(webshop_id, rewrite).await
                        })
                        .await
                        .unwrap_or_else(|panic| {
                            Err(StoreError::query(
                                "rewrite_settings",
                                Some(webshop_id),
                                panic,
                            ))
                        })
                    }
                    .boxed()
                }

                fn uninstall(
                    &self,
                    webshop_id: u64,
                    at: DateTime<Utc>,
                ) -> BoxFuture<'_, Result<Option<Installation>, StoreError>> {
                    let sql = self.sql.clone();
                    async move {
                        $crate::store::detached(async move { sql.uninstall(webshop_id, at).await })
                            .await
                            .unwrap_or_else(|panic| {
                                Err(StoreError::query("uninstall", Some(webshop_id), panic))
                            })
                    }
                    .boxed()
                }

                fn tombstone(
                    &self,
                    webshop_id: u64,
                ) -> BoxFuture<'_, Result<Option<Tombstone>, StoreError>> {
                    self.sql.tombstone(webshop_id).boxed()
                }

                fn installations(&self) -> BoxFuture<'_, Result<Vec<Installation>, StoreError>> {
                    self.sql.installations().boxed()
                }

                fn health(&self) -> BoxFuture<'_, Result<(), StoreError>> {
                    self.sql.health().boxed()
                }

                fn database(&self) -> Option<$crate::store::Database> {
                    Some($variant(self.sql.pool().clone()))
                }
            }
        };
    };
}
pub(super) use install_store_via_sql;

/// The column values of an installation, ready to bind as `$1` … `$10` of
/// [`UPSERT_INSTALLATION`].
struct EncodedInstallation<'a> {
    webshop_id: i64,
    webshop_url: &'a str,
    token: &'a str,
    daily_limit: i64,
    current_usage: i64,
    installed_at_micros: i64,
    updated_at_micros: i64,
    fields: String,
    settings_status: &'static str,
    settings_errors: String,
}

impl<'a> EncodedInstallation<'a> {
    /// Encodes `installation`, refusing numbers the columns cannot hold.
    fn new(operation: &'static str, installation: &'a Installation) -> Result<Self, StoreError> {
        let id = installation.webshop_id;
        let json_error =
            |error: serde_json::Error| StoreError::query(operation, Some(id), describe(&error));
        let (settings_status, errors) = match &installation.settings_status {
            SettingsStatus::Configured => (CONFIGURED, &[][..]),
            SettingsStatus::Unconfigured { errors } => (UNCONFIGURED, errors.as_slice()),
        };
        Ok(Self {
            webshop_id: to_column(id, "webshop_id", id)?,
            webshop_url: &installation.webshop_url,
            token: installation.token.expose(),
            daily_limit: to_column(id, "daily_limit", installation.daily_limit)?,
            current_usage: to_column(id, "current_usage", installation.current_usage)?,
            installed_at_micros: installation.installed_at.timestamp_micros(),
            updated_at_micros: installation.updated_at.timestamp_micros(),
            fields: serde_json::to_string(&installation.fields).map_err(json_error)?,
            settings_status,
            settings_errors: serde_json::to_string(errors).map_err(json_error)?,
        })
    }

    /// Binds the values in column order.
    fn bind<'q, DB>(&self, query: Query<'q, DB, DB::Arguments>) -> Query<'q, DB, DB::Arguments>
    where
        DB: Database,
        for<'e> i64: Encode<'e, DB> + Type<DB>,
        for<'e> &'e str: Encode<'e, DB> + Type<DB>,
    {
        query
            .bind(self.webshop_id)
            .bind(self.webshop_url)
            .bind(self.token)
            .bind(self.daily_limit)
            .bind(self.current_usage)
            .bind(self.installed_at_micros)
            .bind(self.updated_at_micros)
            .bind(self.fields.as_str())
            .bind(self.settings_status)
            .bind(self.settings_errors.as_str())
    }
}

/// Decodes a row of [`SELECT_INSTALLATION`]'s columns.
fn decode_installation(row: &impl Columns) -> Result<Installation, StoreError> {
    let webshop_id =
        unsigned(row, "webshop_id").map_err(|bad| bad.in_table(INSTALLATIONS, None))?;
    installation_of(row, webshop_id).map_err(|bad| bad.in_table(INSTALLATIONS, Some(webshop_id)))
}

/// The installation of shop `webshop_id` in `row`.
fn installation_of(row: &impl Columns, webshop_id: u64) -> Result<Installation, BadColumn> {
    let fields = match parse_json("fields", &column::<String>(row, "fields")?)? {
        Value::Object(fields) => fields,
        other => {
            return Err(BadColumn::new(
                "fields",
                format_args!(
                    "holds a JSON {} instead of an object",
                    crate::fields::json_kind(&other)
                ),
            ));
        }
    };
    let status: String = column(row, "settings_status")?;
    let errors = decode_errors(&column::<String>(row, "settings_errors")?)?;
    let settings_status = match status.as_str() {
        CONFIGURED if errors.is_empty() => SettingsStatus::Configured,
        CONFIGURED => {
            return Err(BadColumn::new(
                "settings_errors",
                "lists errors although settings_status is 'configured'",
            ));
        }
        UNCONFIGURED => SettingsStatus::Unconfigured { errors },
        _ => {
            return Err(BadColumn::new(
                "settings_status",
                "is neither 'configured' nor 'unconfigured'",
            ));
        }
    };
    Ok(Installation {
        webshop_id,
        webshop_url: column(row, "webshop_url")?,
        token: AppToken::new(column::<String>(row, "app_token")?),
        daily_limit: unsigned(row, "daily_limit")?,
        current_usage: unsigned(row, "current_usage")?,
        installed_at: timestamp(row, "installed_at_micros")?,
        updated_at: timestamp(row, "updated_at_micros")?,
        fields,
        settings_status,
    })
}

/// Decodes a row of `webshop_id, uninstalled_at_micros` from [`TOMBSTONES`].
fn decode_tombstone(row: &impl Columns) -> Result<Tombstone, StoreError> {
    let webshop_id = unsigned(row, "webshop_id").map_err(|bad| bad.in_table(TOMBSTONES, None))?;
    Ok(Tombstone {
        webshop_id,
        uninstalled_at: timestamp(row, "uninstalled_at_micros")
            .map_err(|bad| bad.in_table(TOMBSTONES, Some(webshop_id)))?,
    })
}

fn parse_json(name: &'static str, text: &str) -> Result<Value, BadColumn> {
    // A syntax error names a position, never the text, so no stored value leaks.
    serde_json::from_str(text)
        .map_err(|error| BadColumn::new(name, format_args!("is not valid JSON ({error})")))
}

fn decode_errors(text: &str) -> Result<Vec<String>, BadColumn> {
    let not_strings = || BadColumn::new("settings_errors", "is not a JSON array of strings");
    match parse_json("settings_errors", text)? {
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(message) => Ok(message),
                _ => Err(not_strings()),
            })
            .collect(),
        _ => Err(not_strings()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_file_names_parse_like_sqlx() {
        assert_eq!(
            parse_migration_file("0001_create_installations.sql"),
            Ok((1, "create installations".to_owned()))
        );
        assert!(parse_migration_file("0001-create.sql").is_err());
        assert!(parse_migration_file("x_create.sql").is_err());
        assert!(parse_migration_file("0001_create.txt").is_err());
    }

    /// Every file in `migrations/<dir>` must be embedded, byte for byte, and nothing else.
    fn assert_embeds_directory(dir: &str, embedded: &[EmbeddedMigration]) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(dir);
        let mut on_disk: Vec<(String, String)> = std::fs::read_dir(&path)
            .unwrap_or_else(|error| panic!("cannot list {}: {error}", path.display()))
            .filter_map(Result::ok)
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| {
                std::path::Path::new(name)
                    .extension()
                    .is_some_and(|extension| extension.eq_ignore_ascii_case("sql"))
            })
            .map(|name| {
                let sql = std::fs::read_to_string(path.join(&name)).unwrap_or_default();
                (name, sql)
            })
            .collect();
        on_disk.sort();
        let mut listed: Vec<(String, String)> = embedded
            .iter()
            .map(|m| (m.file.to_owned(), m.sql.to_owned()))
            .collect();
        listed.sort();
        assert_eq!(
            listed, on_disk,
            "migrations/{dir} and the embedded list differ"
        );
        let mut versions: Vec<i64> = embedded
            .iter()
            .map(|m| parse_migration_file(m.file).map(|(v, _)| v))
            .collect::<Result<_, _>>()
            .unwrap_or_else(|error| panic!("{error}"));
        let count = versions.len();
        versions.sort_unstable();
        versions.dedup();
        assert_eq!(
            versions.len(),
            count,
            "duplicate migration versions in migrations/{dir}"
        );
        assert!(migrator(embedded).is_ok());
    }

    #[cfg(feature = "sqlite")]
    #[test]
    fn sqlite_migrations_are_all_embedded() {
        assert_embeds_directory("sqlite", super::super::sqlite::MIGRATIONS);
    }

    #[cfg(feature = "postgres")]
    #[test]
    fn postgres_migrations_are_all_embedded() {
        assert_embeds_directory("postgres", super::super::postgres::MIGRATIONS);
    }
}
