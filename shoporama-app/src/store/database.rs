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

    /// Begins a transaction; run statements in it with [`with_backend!`](crate::with_backend)
    /// and end it with [`commit`](DatabaseTransaction::commit) (dropping it rolls back).
    ///
    /// On SQLite the transaction takes the database's one write lock at once (`BEGIN
    /// IMMEDIATE`, waiting up to the busy timeout for another writer), so a
    /// read-then-write cannot fail half way on a lock upgrade: keep it short, it holds up
    /// every other writer, the framework's included. On PostgreSQL it is a plain `BEGIN`
    /// (read committed): use `SELECT … FOR UPDATE` or `INSERT … ON CONFLICT` where two
    /// processes may race.
    ///
    /// A handler's future is dropped when Shoporama hangs up; a transaction dropped half way
    /// is rolled back, but prefer [`transaction`](Self::transaction), which runs to the end
    /// whatever becomes of the caller.
    pub async fn begin(&self) -> Result<DatabaseTransaction, sqlx::Error> {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(pool) => pool
                .begin_with("BEGIN IMMEDIATE")
                .await
                .map(DatabaseTransaction::Sqlite),
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => pool.begin().await.map(DatabaseTransaction::Postgres),
            #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
            Self::Unavailable(never) => match *never {},
        }
    }

    /// Runs `work` in a transaction ([`begin`](Self::begin)): committed when it returns
    /// `Ok`, rolled back when it returns `Err`. It runs in a task of its own, so a caller
    /// that is dropped (a request whose client hung up) cannot cut it off half way.
    ///
    /// ```no_run
    /// # async fn demo(database: &shoporama_app::store::Database) -> Result<(), shoporama_app::sqlx::Error> {
    /// let (webshop_id, order_id) = (7_i64, 1001_i64);
    /// let attempts: i64 = database
    ///     .transaction(move |tx| {
    ///         Box::pin(async move {
    ///             shoporama_app::with_backend!(tx, |conn| {
    ///                 shoporama_app::sqlx::query(
    ///                     "INSERT INTO sync_log (webshop_id, order_id, attempts) VALUES ($1, $2, 1) \
    ///                      ON CONFLICT (webshop_id, order_id) DO UPDATE SET attempts = sync_log.attempts + 1",
    ///                 )
    ///                 .bind(webshop_id)
    ///                 .bind(order_id)
    ///                 .execute(&mut *conn)
    ///                 .await?;
    ///                 shoporama_app::sqlx::query_scalar(
    ///                     "SELECT attempts FROM sync_log WHERE webshop_id = $1 AND order_id = $2",
    ///                 )
    ///                 .bind(webshop_id)
    ///                 .bind(order_id)
    ///                 .fetch_one(&mut *conn)
    ///                 .await
    ///             })
    ///         })
    ///     })
    ///     .await?;
    /// # let _ = attempts; Ok(()) }
    /// ```
    ///
    /// A panic in `work` is resumed in the caller (the transaction is rolled back).
    #[cfg_attr(
        not(any(feature = "sqlite", feature = "postgres")),
        allow(unused_variables, unreachable_code)
    )]
    pub async fn transaction<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<sqlx::Error> + Send + 'static,
        F: for<'t> FnOnce(
                &'t mut DatabaseTransaction,
            ) -> futures::future::BoxFuture<'t, Result<T, E>>
            + Send
            + 'static,
    {
        let database = self.clone();
        let task = tokio::spawn(async move {
            let mut tx = database.begin().await?;
            match work(&mut tx).await {
                Ok(value) => {
                    tx.commit().await?;
                    Ok(value)
                }
                Err(error) => {
                    if let Err(rollback) = tx.rollback().await {
                        tracing::warn!(error = %rollback, "rolling back the app's transaction failed");
                    }
                    Err(error)
                }
            }
        });
        match task.await {
            Ok(result) => result,
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(_) => Err(E::from(sqlx::Error::WorkerCrashed)),
        }
    }
}

/// A transaction on the app's [`Database`], from [`Database::begin`] or
/// [`Database::transaction`]. Statements run in it through
/// [`with_backend!`](crate::with_backend); dropped without [`commit`](Self::commit), it is
/// rolled back.
#[derive(Debug)]
#[non_exhaustive]
pub enum DatabaseTransaction {
    /// A SQLite transaction (holding the write lock).
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    /// A PostgreSQL transaction.
    #[cfg(feature = "postgres")]
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
    /// A build without SQL backends has no transactions.
    #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
    #[doc(hidden)]
    Unavailable(std::convert::Infallible),
}

impl DatabaseTransaction {
    /// Commits the transaction.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(tx) => tx.commit().await,
            #[cfg(feature = "postgres")]
            Self::Postgres(tx) => tx.commit().await,
            #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
            Self::Unavailable(never) => match never {},
        }
    }

    /// Rolls the transaction back.
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(tx) => tx.rollback().await,
            #[cfg(feature = "postgres")]
            Self::Postgres(tx) => tx.rollback().await,
            #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
            Self::Unavailable(never) => match never {},
        }
    }
}

/// Which backend a [`with_backend!`](crate::with_backend) target is on, with its typed
/// handle. Implementation detail of the macro.
#[doc(hidden)]
pub enum Backend<S, P> {
    #[cfg(feature = "sqlite")]
    Sqlite(S),
    #[cfg(feature = "postgres")]
    Postgres(P),
    /// Uses both parameters whatever the features; never built.
    Never(std::convert::Infallible, std::marker::PhantomData<(S, P)>),
}

/// What [`with_backend!`](crate::with_backend) accepts: `&Database` (its pool) and
/// `&mut DatabaseTransaction` (its connection). Implementation detail of the macro.
#[doc(hidden)]
pub trait SplitBackend {
    type Sqlite;
    type Postgres;
    fn split_backend(self) -> Backend<Self::Sqlite, Self::Postgres>;
}

impl<'a> SplitBackend for &'a Database {
    #[cfg(feature = "sqlite")]
    type Sqlite = &'a sqlx::SqlitePool;
    #[cfg(not(feature = "sqlite"))]
    type Sqlite = ();
    #[cfg(feature = "postgres")]
    type Postgres = &'a sqlx::PgPool;
    #[cfg(not(feature = "postgres"))]
    type Postgres = ();

    fn split_backend(self) -> Backend<Self::Sqlite, Self::Postgres> {
        match self {
            #[cfg(feature = "sqlite")]
            Database::Sqlite(pool) => Backend::Sqlite(pool),
            #[cfg(feature = "postgres")]
            Database::Postgres(pool) => Backend::Postgres(pool),
            #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
            Database::Unavailable(never) => match *never {},
        }
    }
}

impl<'a> SplitBackend for &'a mut DatabaseTransaction {
    #[cfg(feature = "sqlite")]
    type Sqlite = &'a mut sqlx::SqliteConnection;
    #[cfg(not(feature = "sqlite"))]
    type Sqlite = ();
    #[cfg(feature = "postgres")]
    type Postgres = &'a mut sqlx::PgConnection;
    #[cfg(not(feature = "postgres"))]
    type Postgres = ();

    fn split_backend(self) -> Backend<Self::Sqlite, Self::Postgres> {
        match self {
            #[cfg(feature = "sqlite")]
            DatabaseTransaction::Sqlite(tx) => Backend::Sqlite(&mut **tx),
            #[cfg(feature = "postgres")]
            DatabaseTransaction::Postgres(tx) => Backend::Postgres(&mut **tx),
            #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
            DatabaseTransaction::Unavailable(never) => match *never {},
        }
    }
}

/// Runs the same code on whichever backend the app's database is on: `$body` is compiled
/// once per backend built in, with `$conn` bound to the typed pool (`&SqlitePool`,
/// `&PgPool`) of a [`Database`](crate::store::Database), or to the connection (`&mut
/// SqliteConnection`, `&mut PgConnection`) of a
/// [`DatabaseTransaction`](crate::store::DatabaseTransaction) (pass `&mut tx`; reborrow it as
/// `&mut *conn` to run several statements). Write SQL both accept: numbered `$1` parameters,
/// `ON CONFLICT`, `RETURNING`, `BIGINT` for ids, `i64` rather than `u64` in Rust.
///
/// The body's value must have one type for every backend: decode rows into your own types
/// (`query_scalar`, `query_as`, `Row::try_get`), and map an `execute` result to what both
/// backends have (`.map(|done| done.rows_affected())`).
///
/// ```no_run
/// # async fn demo(shop: &shoporama_app::Shop<()>) -> Result<(), Box<dyn std::error::Error>> {
/// use shoporama_app::sqlx;
///
/// let database = shop.database().ok_or("the app needs a SQL database")?;
/// let invoice: Option<String> = shoporama_app::with_backend!(database, |pool| {
///     sqlx::query_scalar("SELECT number FROM invoices WHERE webshop_id = $1 AND order_id = $2")
///         .bind(7_i64)
///         .bind(1001_i64)
///         .fetch_optional(pool)
///         .await
/// })?;
/// # let _ = invoice; Ok(()) }
/// ```
#[macro_export]
macro_rules! with_backend {
    ($target:expr, |$conn:ident| $body:expr) => {
        $crate::__match_backend!(
            $crate::store::SplitBackend::split_backend($target),
            $conn,
            $body
        )
    };
}

#[cfg(all(feature = "sqlite", feature = "postgres"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __match_backend {
    ($split:expr, $conn:ident, $body:expr) => {
        match $split {
            $crate::store::Backend::Sqlite($conn) => $body,
            $crate::store::Backend::Postgres($conn) => $body,
            $crate::store::Backend::Never(never, _) => match never {},
        }
    };
}

#[cfg(all(feature = "sqlite", not(feature = "postgres")))]
#[doc(hidden)]
#[macro_export]
macro_rules! __match_backend {
    ($split:expr, $conn:ident, $body:expr) => {
        match $split {
            $crate::store::Backend::Sqlite($conn) => $body,
            $crate::store::Backend::Never(never, _) => match never {},
        }
    };
}

#[cfg(all(feature = "postgres", not(feature = "sqlite")))]
#[doc(hidden)]
#[macro_export]
macro_rules! __match_backend {
    ($split:expr, $conn:ident, $body:expr) => {
        match $split {
            $crate::store::Backend::Postgres($conn) => $body,
            $crate::store::Backend::Never(never, _) => match never {},
        }
    };
}

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
#[doc(hidden)]
#[macro_export]
macro_rules! __match_backend {
    ($split:expr, $conn:ident, $body:expr) => {
        match $split {
            $crate::store::Backend::Never(never, _) => match never {},
        }
    };
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
