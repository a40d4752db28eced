//! What the SQL stores share: the row layout, its encoding and decoding, the embedded
//! migrations, and the reduction of database errors to secret-free messages.

use std::error::Error as StdError;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::query::Query;
use sqlx::{ColumnIndex, Database, Decode, Encode, Row, SqlSafeStr as _, Type};

use super::installation::to_column;
use super::{Installation, SettingsStatus, StoreError, Tombstone};
use crate::secret::AppToken;

/// The table of installations.
pub(super) const INSTALLATIONS: &str = "shoporama_installations";
/// The table of tombstones.
pub(super) const TOMBSTONES: &str = "shoporama_tombstones";
/// The table where the applied migrations are recorded. Not sqlx's default
/// `_sqlx_migrations`, so an app's own migrations can live in the same database.
pub(super) const MIGRATIONS_TABLE: &str = "_shoporama_app_migrations";

/// The columns of `shoporama_installations`, in the order [`EncodedInstallation`] binds them
/// (`$1` … `$10`), as a literal for `concat!`.
macro_rules! installation_columns {
    () => {
        "webshop_id, webshop_url, app_token, daily_limit, current_usage, installed_at_micros, \
         updated_at_micros, fields, settings_status, settings_errors"
    };
}

/// The shop's installation. `$1`: webshop id.
pub(super) const SELECT_INSTALLATION: &str = concat!(
    "SELECT ",
    installation_columns!(),
    " FROM shoporama_installations WHERE webshop_id = $1"
);

/// Every installation, by id.
pub(super) const SELECT_INSTALLATIONS: &str = concat!(
    "SELECT ",
    installation_columns!(),
    " FROM shoporama_installations ORDER BY webshop_id"
);

/// Inserts or replaces an installation. Binds: [`EncodedInstallation::bind`].
pub(super) const UPSERT_INSTALLATION: &str = concat!(
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
pub(super) const DELETE_INSTALLATION: &str = concat!(
    "DELETE FROM shoporama_installations WHERE webshop_id = $1 RETURNING ",
    installation_columns!()
);

/// The shop's tombstone. `$1`: webshop id.
pub(super) const SELECT_TOMBSTONE: &str =
    "SELECT webshop_id, uninstalled_at_micros FROM shoporama_tombstones WHERE webshop_id = $1";

/// Records a tombstone unless the shop has one. `$1`: webshop id, `$2`: time in microseconds.
pub(super) const INSERT_TOMBSTONE: &str = "INSERT INTO shoporama_tombstones \
     (webshop_id, uninstalled_at_micros) VALUES ($1, $2) ON CONFLICT (webshop_id) DO NOTHING";

/// Removes the shop's tombstone. `$1`: webshop id.
pub(super) const DELETE_TOMBSTONE: &str = "DELETE FROM shoporama_tombstones WHERE webshop_id = $1";

/// The applied schema version; fails unless both tables exist.
pub(super) const SCHEMA_VERSION: &str = "SELECT MAX(version) AS version \
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
pub(super) fn migrator(migrations: &[EmbeddedMigration]) -> Result<Migrator, String> {
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
pub(super) fn latest_version(migrations: &[EmbeddedMigration]) -> i64 {
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

/// The message of `error` and its causes, as the source of a [`StoreError`].
///
/// Only `Display` texts are kept: a database error's `Display` is its message, while its
/// `Debug` would also carry fields such as PostgreSQL's `DETAIL`, which can quote a whole row
/// (token included) when a constraint fails.
pub(super) fn describe(error: &dyn StdError) -> Box<dyn StdError + Send + Sync> {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let inner_text = inner.to_string();
        if !text.contains(&inner_text) {
            text.push_str(": ");
            text.push_str(&inner_text);
        }
        cause = inner.source();
    }
    text.into()
}

/// A [`StoreError::Query`] for `operation` failing with `error`.
pub(super) fn query_error(
    operation: &'static str,
    webshop_id: Option<u64>,
    error: &sqlx::Error,
) -> StoreError {
    StoreError::query(operation, webshop_id, describe(error))
}

/// The column values of an installation, ready to bind as `$1` … `$10` of
/// [`UPSERT_INSTALLATION`].
pub(super) struct EncodedInstallation<'a> {
    pub(super) webshop_id: i64,
    pub(super) webshop_url: &'a str,
    pub(super) token: &'a str,
    pub(super) daily_limit: i64,
    pub(super) current_usage: i64,
    pub(super) installed_at_micros: i64,
    pub(super) updated_at_micros: i64,
    pub(super) fields: String,
    pub(super) settings_status: &'static str,
    pub(super) settings_errors: String,
}

impl<'a> EncodedInstallation<'a> {
    /// Encodes `installation`, refusing numbers the columns cannot hold.
    pub(super) fn new(
        operation: &'static str,
        installation: &'a Installation,
    ) -> Result<Self, StoreError> {
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
}

impl EncodedInstallation<'_> {
    /// Binds the values in column order.
    pub(super) fn bind<'q, DB>(
        &self,
        query: Query<'q, DB, <DB as Database>::Arguments>,
    ) -> Query<'q, DB, <DB as Database>::Arguments>
    where
        DB: Database,
        for<'t> i64: Encode<'t, DB> + Type<DB>,
        for<'t> String: Encode<'t, DB> + Type<DB>,
    {
        query
            .bind(self.webshop_id)
            .bind(self.webshop_url.to_owned())
            .bind(self.token.to_owned())
            .bind(self.daily_limit)
            .bind(self.current_usage)
            .bind(self.installed_at_micros)
            .bind(self.updated_at_micros)
            .bind(self.fields.clone())
            .bind(self.settings_status.to_owned())
            .bind(self.settings_errors.clone())
    }
}

/// What an uninstall reports: the removed installation, or `None` (with a warning) when the
/// removed row was corrupt. An uninstall must always remove the token, so a row that cannot
/// be read is deleted rather than left behind with its token.
pub(super) fn removed_installation(
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

/// Reads column `column` of `row`, reporting failure as a corrupt row.
fn column<'r, R, T>(
    row: &'r R,
    table: &'static str,
    webshop_id: Option<u64>,
    column: &'static str,
) -> Result<T, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    T: Decode<'r, R::Database> + Type<R::Database>,
{
    row.try_get(column)
        .map_err(|error| StoreError::corrupt(table, webshop_id, column, describe(&error)))
}

/// Reads a microsecond timestamp column.
fn timestamp<'r, R>(
    row: &'r R,
    table: &'static str,
    webshop_id: u64,
    name: &'static str,
) -> Result<DateTime<Utc>, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let micros: i64 = column(row, table, Some(webshop_id), name)?;
    DateTime::from_timestamp_micros(micros).ok_or_else(|| {
        StoreError::corrupt(
            table,
            Some(webshop_id),
            name,
            "is outside the range of dates",
        )
    })
}

/// Reads a non-negative number column.
fn unsigned<'r, R>(
    row: &'r R,
    table: &'static str,
    webshop_id: Option<u64>,
    name: &'static str,
) -> Result<u64, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let value: i64 = column(row, table, webshop_id, name)?;
    u64::try_from(value).map_err(|_| StoreError::corrupt(table, webshop_id, name, "is negative"))
}

/// Decodes a row of [`SELECT_INSTALLATION`]'s columns.
pub(super) fn decode_installation<'r, R>(row: &'r R) -> Result<Installation, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
{
    let table = INSTALLATIONS;
    let webshop_id = unsigned(row, table, None, "webshop_id")?;
    let id = Some(webshop_id);
    let fields: String = column(row, table, id, "fields")?;
    let fields = match parse_json(table, id, "fields", &fields)? {
        Value::Object(fields) => fields,
        other => {
            return Err(StoreError::corrupt(
                table,
                id,
                "fields",
                format!("holds a JSON {} instead of an object", json_kind(&other)),
            ));
        }
    };
    let status: String = column(row, table, id, "settings_status")?;
    let errors: String = column(row, table, id, "settings_errors")?;
    let errors = decode_errors(id, &errors)?;
    let settings_status = match status.as_str() {
        CONFIGURED if errors.is_empty() => SettingsStatus::Configured,
        CONFIGURED => {
            return Err(StoreError::corrupt(
                table,
                id,
                "settings_errors",
                "lists errors although settings_status is 'configured'",
            ));
        }
        UNCONFIGURED => SettingsStatus::Unconfigured { errors },
        _ => {
            return Err(StoreError::corrupt(
                table,
                id,
                "settings_status",
                "is neither 'configured' nor 'unconfigured'",
            ));
        }
    };
    Ok(Installation {
        webshop_id,
        webshop_url: column(row, table, id, "webshop_url")?,
        token: AppToken::new(column::<R, String>(row, table, id, "app_token")?),
        daily_limit: unsigned(row, table, id, "daily_limit")?,
        current_usage: unsigned(row, table, id, "current_usage")?,
        installed_at: timestamp(row, table, webshop_id, "installed_at_micros")?,
        updated_at: timestamp(row, table, webshop_id, "updated_at_micros")?,
        fields,
        settings_status,
    })
}

/// Decodes a row of `webshop_id, uninstalled_at_micros` from [`TOMBSTONES`].
pub(super) fn decode_tombstone<'r, R>(row: &'r R) -> Result<Tombstone, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let webshop_id = unsigned(row, TOMBSTONES, None, "webshop_id")?;
    Ok(Tombstone {
        webshop_id,
        uninstalled_at: timestamp(row, TOMBSTONES, webshop_id, "uninstalled_at_micros")?,
    })
}

fn parse_json(
    table: &'static str,
    id: Option<u64>,
    name: &'static str,
    text: &str,
) -> Result<Value, StoreError> {
    // A syntax error names a position, never the text, so no stored value leaks.
    serde_json::from_str(text).map_err(|error| {
        StoreError::corrupt(table, id, name, format!("is not valid JSON ({error})"))
    })
}

fn decode_errors(id: Option<u64>, text: &str) -> Result<Vec<String>, StoreError> {
    let not_strings = || {
        StoreError::corrupt(
            INSTALLATIONS,
            id,
            "settings_errors",
            "is not a JSON array of strings",
        )
    };
    match parse_json(INSTALLATIONS, id, "settings_errors", text)? {
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

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
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

    #[test]
    fn describe_keeps_causes_once() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let error = sqlx::Error::Io(io);
        let text = describe(&error).to_string();
        assert_eq!(text.matches("refused").count(), 1, "{text}");
    }
}
