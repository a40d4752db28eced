//! [`Database`]: the one connection pool an app's SQL database is reached through.
//!
//! The install store, the [inbox](crate::inbox), keyed effects and the app's own
//! tables all live in the database named by `SHOPORAMA_DATABASE_URL`, and share
//! the pool the install store opened ([`InstallStore::database`](super::InstallStore::database)).
//! On SQLite that matters for speed as well as tidiness: the database has one write lock,
//! and several pools racing for it only queue in SQLite's busy handler.

/// A connection pool to the app's SQL database (SQLite file or PostgreSQL). Cheap to clone.
///
/// Every SQL statement the framework writes is portable between the two (numbered `$n`
/// parameters, `ON CONFLICT`, `RETURNING`), so most code runs the same text on whichever
/// pool this holds; what differs (how a write transaction locks) is named where it differs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Database {
    /// A SQLite database file, in WAL mode.
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqlitePool),
    /// A PostgreSQL database.
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
    /// A build without SQL backends has no database.
    #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
    #[doc(hidden)]
    Unavailable(std::convert::Infallible),
}

/// Runs `$body` with `$pool` bound to whichever pool the [`Database`] `$self` holds: the same
/// code, and usually the same SQL, for both backends.
macro_rules! with_database {
    ($self:expr, |$pool:ident| $body:expr) => {
        match $self {
            #[cfg(feature = "sqlite")]
            $crate::store::Database::Sqlite($pool) => $body,
            #[cfg(feature = "postgres")]
            $crate::store::Database::Postgres($pool) => $body,
            #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
            $crate::store::Database::Unavailable(never) => match *never {},
        }
    };
}
pub(crate) use with_database;

impl Database {
    /// The backend's name, for logs: `SQLite` or `PostgreSQL`.
    pub fn backend(&self) -> &'static str {
        with_database!(self, |pool| backend_name(pool))
    }

    /// Closes every connection of the pool (shared by all clones), waiting for those in use
    /// to be returned.
    pub async fn close(&self) {
        with_database!(self, |pool| pool.close().await);
    }
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
fn backend_name<DB: sqlx::Database>(_: &sqlx::Pool<DB>) -> &'static str {
    DB::NAME
}

/// Runs `work` to completion in a task of its own, whatever becomes of the caller; `Err` only
/// when the task panicked (its message).
///
/// A request's future is dropped when its client hangs up. Dropped inside a transaction, or
/// worse inside `BEGIN` before sqlx counts the transaction as open, a connection can go back
/// to the pool still in that transaction, and whoever gets it next runs their statements in
/// it: claims that never commit, "there is already a transaction in progress", handlers run
/// twice. Every write the framework makes from a request or a worker runs through this, so a
/// cancelled caller only stops waiting for it.
pub(crate) async fn detached<T: Send + 'static>(
    work: impl Future<Output = T> + Send + 'static,
) -> Result<T, String> {
    tokio::spawn(work).await.map_err(|error| {
        if !error.is_panic() {
            return "the task was cancelled".to_owned();
        }
        let panic = error.into_panic();
        match panic.downcast::<String>() {
            Ok(message) => format!("panicked: {message}"),
            Err(panic) => match panic.downcast::<&str>() {
                Ok(message) => format!("panicked: {message}"),
                Err(_) => "panicked".to_owned(),
            },
        }
    })
}
