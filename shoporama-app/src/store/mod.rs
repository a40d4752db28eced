//! The install store: where the app keeps each shop's installation (token, limits and
//! settings) between callbacks, so a restart or another server behind the load balancer
//! loses nothing that was acknowledged.
//!
//! The server holds an `Arc<dyn InstallStore>`, usually opened with [`connect`]:
//!
//! | URL | Backend |
//! |---|---|
//! | `sqlite://shops.db`, `sqlite:///var/lib/app/shops.db`, `sqlite::memory:` | `SqliteStore` (feature `sqlite`, on by default) |
//! | `postgres://user:pass@host/db`, `postgresql://…` | `PostgresStore` (feature `postgres`) |
//! | `memory://` | [`MemoryStore`] (tests: forgets everything on exit) |
//!
//! The SQL stores create and upgrade their tables themselves (`shoporama_installations`,
//! `shoporama_tombstones`, and `_shoporama_app_migrations` for the applied migrations). An
//! app's own tables live in the same database: its [`AppMigrations`] run at start-up and are
//! recorded in `_shoporama_app_user_migrations`, and it queries them through the shared
//! [`Database`] (`Shop::database`, [`with_backend!`](crate::with_backend)).
//!
//! A store of your own implements [`InstallStore`] and can be checked with
//! [`testing::store_conformance`](crate::testing::store_conformance).

mod budget;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) mod columns;
mod connect;
mod database;
mod error;
mod installation;
mod memory;
mod migrations;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;

use chrono::{DateTime, Utc};
use futures::FutureExt as _;
use futures::future::BoxFuture;

pub use budget::LedgerEntry;
pub use connect::connect;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) use database::detached;
pub(crate) use database::with_database;
#[doc(hidden)]
pub use database::{Backend, SplitBackend};
pub use database::{Database, DatabaseTransaction};
pub(crate) use error::describe;
pub use error::{StoreError, mask_url};
pub use installation::{
    Installation, MAX_STORABLE, SettingsStatus, SettingsUpdate, Tombstone, UpsertOutcome,
};
pub use memory::MemoryStore;
pub use migrations::{APP_MIGRATIONS_TABLE, AppMigration, AppMigrations, MigrationError};
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

/// What [`InstallStore::rewrite_settings`] asks about the stored installation: the update to
/// apply to it, or `None` to write nothing.
pub type SettingsRewrite = Box<dyn FnOnce(&Installation) -> Option<SettingsUpdate> + Send>;

/// Persistence of shop installations.
///
/// Object safe: the server holds an `Arc<dyn InstallStore>`. Every write is atomic, and
/// writes for one shop are serialized: concurrent callbacks for the same shop leave one
/// consistent row, and each write reports the state it replaced. Reads see the last committed
/// write. Numbers up to [`MAX_STORABLE`] and timestamps to the microsecond must round-trip
/// exactly; `fields` must keep its key order.
///
/// [`testing::store_conformance`](crate::testing::store_conformance) checks all of this for
/// an implementation.
pub trait InstallStore: Send + Sync + 'static {
    /// Stores `installation` (an `install` callback), replacing any installation of the same
    /// shop, and removes the shop's [`Tombstone`] if it has one.
    fn upsert_installation<'a>(
        &'a self,
        installation: &'a Installation,
    ) -> BoxFuture<'a, Result<UpsertOutcome, StoreError>>;

    /// The shop's installation, if it is installed.
    fn installation(
        &self,
        webshop_id: u64,
    ) -> BoxFuture<'_, Result<Option<Installation>, StoreError>>;

    /// Replaces the shop's URL, token, limits, fields and settings status with `update` (an
    /// `update` callback) in one transaction, and returns the installation as it was before.
    ///
    /// Returns `None`, and writes nothing, when the shop is not installed.
    fn update_settings<'a>(
        &'a self,
        webshop_id: u64,
        update: &'a SettingsUpdate,
    ) -> BoxFuture<'a, Result<Option<Installation>, StoreError>>;

    /// Rewrites the shop's installation in one transaction: `rewrite` gets the installation
    /// as stored now and answers the update to apply to it, or `None` to write nothing.
    /// Returns the installation as written (as stored, when nothing was written); `None`,
    /// without calling `rewrite`, when the shop is not installed.
    ///
    /// Unlike reading and then calling [`update_settings`](Self::update_settings), no
    /// concurrent write can come between the read and the write and be lost. The runtime uses
    /// it to move settings stored under a field's old name (`rename_from`).
    ///
    /// The default reads and then updates, which is not atomic: a store of your own should
    /// override it (the framework's stores do, and
    /// [`store_conformance`](crate::testing::store_conformance) checks it under concurrency).
    fn rewrite_settings(
        &self,
        webshop_id: u64,
        rewrite: SettingsRewrite,
    ) -> BoxFuture<'_, Result<Option<Installation>, StoreError>> {
        async move {
            let Some(current) = self.installation(webshop_id).await? else {
                return Ok(None);
            };
            let Some(update) = rewrite(&current) else {
                return Ok(Some(current));
            };
            let written = update.apply_to(&current);
            Ok(self
                .update_settings(webshop_id, &update)
                .await?
                .map(|_| written))
        }
        .boxed()
    }

    /// Removes the shop's installation (its token and settings) and records a [`Tombstone`]
    /// at `at`, in one transaction; returns what was removed.
    ///
    /// When the shop is not installed this returns `None` and still records the tombstone,
    /// unless one exists already: a repeated uninstall keeps the time of the first.
    fn uninstall(
        &self,
        webshop_id: u64,
        at: DateTime<Utc>,
    ) -> BoxFuture<'_, Result<Option<Installation>, StoreError>>;

    /// The shop's tombstone, if it uninstalled the app and has not installed it again.
    fn tombstone(&self, webshop_id: u64) -> BoxFuture<'_, Result<Option<Tombstone>, StoreError>>;

    /// Every installation, ordered by `webshop_id`.
    fn installations(&self) -> BoxFuture<'_, Result<Vec<Installation>, StoreError>>;

    /// A cheap query proving the store answers and its schema is migrated.
    fn health(&self) -> BoxFuture<'_, Result<(), StoreError>>;

    /// The SQL database this store keeps its rows in, shared with the inbox, keyed effects
    /// and the app's own tables; `None` (the default) for a store without one, such as
    /// [`MemoryStore`].
    fn database(&self) -> Option<Database> {
        None
    }
}
