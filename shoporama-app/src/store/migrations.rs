//! [`AppMigrations`]: the app's own tables, created and upgraded in the framework's database.
//!
//! An app ships one directory of SQL files per backend, named as the sqlx CLI names them
//! (`<version>_<description>.sql`):
//!
//! ```text
//! my-app/
//!   migrations/sqlite/0001_invoices.sql
//!   migrations/postgres/0001_invoices.sql
//! ```
//!
//! embeds them with [`migrations!`](crate::migrations) (or builds [`AppMigrations`] by hand
//! with `include_str!`), and returns them from
//! [`ShoporamaApp::migrations`](crate::ShoporamaApp::migrations). The runtime applies them at
//! start-up, after the framework's own, in the database named by `DATABASE_URL`, and records
//! them in `_shoporama_app_user_migrations` (the framework keeps its own in
//! `_shoporama_app_migrations`, so the two version sequences never collide). Each file runs
//! in a transaction of its own (unless its first line is `-- no-transaction`); on PostgreSQL
//! under sqlx's migration lock, so processes starting together do not race. A file that was
//! applied and later edited, or that fails, stops the start-up with an error naming it.

use std::borrow::Cow;
use std::fmt;

use super::Database;

/// The table where an app's own migrations are recorded.
pub const APP_MIGRATIONS_TABLE: &str = "_shoporama_app_user_migrations";

/// One migration file of an app: its name (`0001_invoices.sql`) and its SQL.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AppMigration {
    file: &'static str,
    sql: &'static str,
}

impl AppMigration {
    /// The migration in `file` (named `<version>_<description>.sql`, as the sqlx CLI names
    /// them), whose content is `sql`.
    pub const fn new(file: &'static str, sql: &'static str) -> Self {
        Self { file, sql }
    }

    /// The file name.
    pub fn file(&self) -> &'static str {
        self.file
    }

    /// The SQL.
    pub fn sql(&self) -> &'static str {
        self.sql
    }
}

impl fmt::Debug for AppMigration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppMigration")
            .field("file", &self.file)
            .field("bytes", &self.sql.len())
            .finish()
    }
}

/// An app's migrations, one list per backend, oldest first.
///
/// Built by [`migrations!`](crate::migrations) from `migrations/sqlite/*.sql` and
/// `migrations/postgres/*.sql`, or by hand:
///
/// ```
/// use shoporama_app::store::{AppMigration, AppMigrations};
///
/// const MIGRATIONS: AppMigrations = AppMigrations::new(
///     &[AppMigration::new(
///         "0001_invoices.sql",
///         "CREATE TABLE invoices (webshop_id BIGINT NOT NULL, order_id BIGINT NOT NULL, \
///          number TEXT NOT NULL, PRIMARY KEY (webshop_id, order_id))",
///     )],
///     &[AppMigration::new(
///         "0001_invoices.sql",
///         "CREATE TABLE invoices (webshop_id BIGINT NOT NULL, order_id BIGINT NOT NULL, \
///          number TEXT NOT NULL, PRIMARY KEY (webshop_id, order_id))",
///     )],
/// );
/// assert_eq!(MIGRATIONS.sqlite().len(), 1);
/// ```
///
/// An app that supports one backend only leaves the other list empty; starting on that
/// backend then fails with [`MigrationError::NoneForBackend`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppMigrations {
    sqlite: Cow<'static, [AppMigration]>,
    postgres: Cow<'static, [AppMigration]>,
}

impl AppMigrations {
    /// No migrations: the app keeps no tables of its own (the default).
    pub const NONE: Self = Self::new(&[], &[]);

    /// The migrations for SQLite and for PostgreSQL.
    pub const fn new(sqlite: &'static [AppMigration], postgres: &'static [AppMigration]) -> Self {
        Self {
            sqlite: Cow::Borrowed(sqlite),
            postgres: Cow::Borrowed(postgres),
        }
    }

    /// The migrations for SQLite and for PostgreSQL, from lists built at run time.
    pub fn from_vecs(sqlite: Vec<AppMigration>, postgres: Vec<AppMigration>) -> Self {
        Self {
            sqlite: Cow::Owned(sqlite),
            postgres: Cow::Owned(postgres),
        }
    }

    /// The SQLite migrations.
    pub fn sqlite(&self) -> &[AppMigration] {
        &self.sqlite
    }

    /// The PostgreSQL migrations.
    pub fn postgres(&self) -> &[AppMigration] {
        &self.postgres
    }

    /// Whether there are none for either backend.
    pub fn is_empty(&self) -> bool {
        self.sqlite.is_empty() && self.postgres.is_empty()
    }

    /// Applies the migrations for `database`'s backend that are not applied yet, recording
    /// them in [`APP_MIGRATIONS_TABLE`]. Applying them again is a no-op. The runtime does
    /// this at start-up; call it yourself only for a database you opened yourself.
    pub async fn apply(&self, database: &Database) -> Result<(), MigrationError> {
        if self.is_empty() {
            return Ok(());
        }
        #[cfg(any(feature = "sqlite", feature = "postgres"))]
        {
            let (own, other) = match database {
                #[cfg(feature = "sqlite")]
                Database::Sqlite(_) => ((self.sqlite(), "SQLite"), (self.postgres(), "PostgreSQL")),
                #[cfg(feature = "postgres")]
                Database::Postgres(_) => {
                    ((self.postgres(), "PostgreSQL"), (self.sqlite(), "SQLite"))
                }
            };
            if own.0.is_empty() {
                return Err(MigrationError::NoneForBackend {
                    backend: own.1,
                    other: other.1,
                });
            }
            let migrator = migrator(own.0)?;
            let result = super::with_database!(database, |pool| migrator.run(pool).await);
            result.map_err(|error| MigrationError::from_sqlx(own.0, error))?;
            tracing::debug!(
                count = own.0.len(),
                backend = database.backend(),
                "app migrations applied"
            );
            Ok(())
        }
        #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
        super::with_database!(database, |pool| Ok(()))
    }
}

/// Why an app's migrations could not be applied. Every variant names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrationError {
    /// The app ships migrations for the other backend only.
    #[error(
        "the app ships migrations for {other} but none for {backend}: add migrations/{} files",
        backend.to_ascii_lowercase()
    )]
    NoneForBackend {
        /// The backend the database is on.
        backend: &'static str,
        /// The backend the app has migrations for.
        other: &'static str,
    },
    /// A file name is not `<version>_<description>.sql`, or two files share a version.
    #[error("app migration `{file}`: {reason}")]
    BadFile {
        /// The file.
        file: String,
        /// What is wrong with its name.
        reason: String,
    },
    /// A migration failed to run; its transaction was rolled back.
    #[error("app migration `{file}` failed: {source}")]
    Failed {
        /// The file.
        file: String,
        /// The database's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A migration was applied and its file changed since.
    #[error(
        "app migration `{file}` was changed after it was applied: restore it and add a new migration instead"
    )]
    Modified {
        /// The file.
        file: String,
    },
    /// The database has a migration applied that this build does not ship.
    #[error(
        "the database has app migration version {version} applied, which this build does not ship (an older build against a newer database?)"
    )]
    Unknown {
        /// The version recorded in the database.
        version: i64,
    },
    /// The migrations could not be run (the database is unreachable, the migrations table
    /// is locked, …).
    #[error("app migrations could not run: {0}")]
    Database(Box<dyn std::error::Error + Send + Sync>),
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl MigrationError {
    fn from_sqlx(files: &[AppMigration], error: sqlx::migrate::MigrateError) -> Self {
        use sqlx::migrate::MigrateError;
        let file_of = |version: i64| {
            files
                .iter()
                .find(|m| super::sql::parse_migration_file(m.file).is_ok_and(|(v, _)| v == version))
                .map_or_else(|| format!("version {version}"), |m| m.file.to_owned())
        };
        match error {
            MigrateError::ExecuteMigration(source, version) => Self::Failed {
                file: file_of(version),
                source: super::describe(&source),
            },
            MigrateError::VersionMismatch(version) => Self::Modified {
                file: file_of(version),
            },
            MigrateError::VersionMissing(version) => Self::Unknown { version },
            other => Self::Database(super::describe(&other)),
        }
    }
}

/// A sqlx migrator for `files`, recording in [`APP_MIGRATIONS_TABLE`].
#[cfg(any(feature = "sqlite", feature = "postgres"))]
fn migrator(files: &[AppMigration]) -> Result<sqlx::migrate::Migrator, MigrationError> {
    use sqlx::SqlSafeStr as _;
    use sqlx::migrate::{Migration, MigrationType, Migrator};

    let mut seen = std::collections::BTreeMap::new();
    let mut resolved = Vec::with_capacity(files.len());
    for migration in files {
        let (version, description) =
            super::sql::parse_migration_file(migration.file).map_err(|reason| {
                MigrationError::BadFile {
                    file: migration.file.to_owned(),
                    reason,
                }
            })?;
        if let Some(first) = seen.insert(version, migration.file) {
            return Err(MigrationError::BadFile {
                file: migration.file.to_owned(),
                reason: format!("version {version} is used by `{first}` too"),
            });
        }
        let no_tx = migration.sql.trim_start().starts_with("-- no-transaction");
        resolved.push(Migration::new(
            version,
            description.into(),
            MigrationType::Simple,
            migration.sql.into_sql_str(),
            no_tx,
        ));
    }
    resolved.sort_by_key(|migration| migration.version);
    let mut migrator = Migrator::with_migrations(resolved);
    migrator.dangerous_set_table_name(APP_MIGRATIONS_TABLE);
    Ok(migrator)
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use super::*;

    async fn memory_database() -> Database {
        let store = crate::store::SqliteStore::connect("sqlite::memory:")
            .await
            .expect("in-memory store");
        crate::store::InstallStore::database(&store).expect("a SQL store has a database")
    }

    const GOOD: &[AppMigration] = &[
        AppMigration::new(
            "0001_notes.sql",
            "CREATE TABLE notes (id BIGINT PRIMARY KEY, body TEXT NOT NULL)",
        ),
        AppMigration::new(
            "0002_note_shop.sql",
            "ALTER TABLE notes ADD COLUMN webshop_id BIGINT",
        ),
    ];

    #[tokio::test]
    async fn applies_once_and_names_bad_files() {
        let database = memory_database().await;
        let migrations = AppMigrations::new(GOOD, &[]);
        migrations.apply(&database).await.expect("first run");
        migrations
            .apply(&database)
            .await
            .expect("second run is a no-op");

        let edited = AppMigrations::from_vecs(
            vec![GOOD[0], AppMigration::new("0002_note_shop.sql", "SELECT 1")],
            vec![],
        );
        let error = edited.apply(&database).await.expect_err("edited");
        assert!(
            error
                .to_string()
                .contains("`0002_note_shop.sql` was changed"),
            "{error}"
        );

        let broken = AppMigrations::from_vecs(
            vec![
                GOOD[0],
                GOOD[1],
                AppMigration::new("0003_oops.sql", "CREATE TABLE"),
            ],
            vec![],
        );
        let error = broken.apply(&database).await.expect_err("broken");
        assert!(
            error
                .to_string()
                .starts_with("app migration `0003_oops.sql` failed"),
            "{error}"
        );

        let error = AppMigrations::from_vecs(vec![GOOD[0]], vec![])
            .apply(&database)
            .await
            .expect_err("missing");
        assert!(error.to_string().contains("version 2"), "{error}");
    }

    #[tokio::test]
    async fn refuses_bad_names_duplicates_and_the_wrong_backend() {
        let database = memory_database().await;
        let bad =
            AppMigrations::from_vecs(vec![AppMigration::new("notes.sql", "SELECT 1")], vec![]);
        let error = bad.apply(&database).await.expect_err("bad name");
        assert!(error.to_string().contains("`notes.sql`"), "{error}");
        let twice = AppMigrations::from_vecs(
            vec![
                AppMigration::new("1_a.sql", "SELECT 1"),
                AppMigration::new("01_b.sql", "SELECT 1"),
            ],
            vec![],
        );
        let error = twice.apply(&database).await.expect_err("duplicate");
        assert!(error.to_string().contains("used by `1_a.sql`"), "{error}");
        let other = AppMigrations::new(&[], GOOD);
        let error = other.apply(&database).await.expect_err("postgres only");
        assert!(error.to_string().contains("none for SQLite"), "{error}");
        AppMigrations::NONE
            .apply(&database)
            .await
            .expect("nothing to do");
    }
}
