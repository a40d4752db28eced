//! [`MemoryStore`]: an install store that lives in the process, for tests.

use std::borrow::Borrow;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use futures::FutureExt as _;
use futures::future::BoxFuture;
use tokio::sync::RwLock;

use super::installation::{
    check_installation_range, check_update_range, to_column, truncate_to_micros,
};
use super::{
    InstallStore, Installation, SettingsRewrite, SettingsUpdate, StoreError, Tombstone,
    UpsertOutcome,
};

/// An [`InstallStore`] kept in memory: everything is lost when it is dropped.
///
/// For tests and local experiments. It behaves like the SQL stores (same atomicity,
/// ordering, microsecond timestamps and number limits), so a test passing on it predicts the
/// behaviour in production. Not for production: a restart forgets every installation.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: RwLock<State>,
}

#[derive(Debug, Default)]
struct State {
    installations: BTreeMap<u64, Installation>,
    tombstones: BTreeMap<u64, Tombstone>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the state under the read lock.
    fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&State) -> T + Send + 'static,
    ) -> BoxFuture<'_, Result<T, StoreError>> {
        async move { Ok(read(&*self.state.read().await)) }.boxed()
    }
}

/// `installation` as a store keeps it: timestamps truncated to microseconds.
fn stored(installation: &Installation) -> Installation {
    let mut stored = installation.clone();
    stored.installed_at = truncate_to_micros(stored.installed_at);
    stored.updated_at = truncate_to_micros(stored.updated_at);
    stored
}

impl MemoryStore {
    /// Under the write lock: asks `decide` for the update to apply to shop `webshop_id`'s
    /// installation and applies it. The installation as it was and as written (`None` when
    /// `decide` wrote nothing); `None` when the shop is not installed.
    async fn write_settings<U: Borrow<SettingsUpdate>>(
        &self,
        webshop_id: u64,
        decide: impl FnOnce(&Installation) -> Option<U>,
    ) -> Result<Option<(Installation, Option<Installation>)>, StoreError> {
        to_column(webshop_id, "webshop_id", webshop_id)?;
        let mut state = self.state.write().await;
        let Some(current) = state.installations.get_mut(&webshop_id) else {
            tracing::debug!(
                webshop_id,
                "settings update for a shop that is not installed"
            );
            return Ok(None);
        };
        let Some(update) = decide(current) else {
            return Ok(Some((current.clone(), None)));
        };
        let update = update.borrow();
        check_update_range(webshop_id, update)?;
        let next = stored(&update.apply_to(current));
        let previous = std::mem::replace(current, next.clone());
        drop(state);
        tracing::debug!(webshop_id, "updated settings in memory");
        Ok(Some((previous, Some(next))))
    }
}

impl InstallStore for MemoryStore {
    fn upsert_installation<'a>(
        &'a self,
        installation: &'a Installation,
    ) -> BoxFuture<'a, Result<UpsertOutcome, StoreError>> {
        async move {
            check_installation_range(installation)?;
            let webshop_id = installation.webshop_id;
            let mut state = self.state.write().await;
            let previous = state.installations.insert(webshop_id, stored(installation));
            state.tombstones.remove(&webshop_id);
            drop(state);
            tracing::debug!(
                webshop_id,
                reinstall = previous.is_some(),
                "stored installation in memory"
            );
            Ok(UpsertOutcome::replacing(previous))
        }
        .boxed()
    }

    fn installation(
        &self,
        webshop_id: u64,
    ) -> BoxFuture<'_, Result<Option<Installation>, StoreError>> {
        self.read(move |state| state.installations.get(&webshop_id).cloned())
    }

    fn update_settings<'a>(
        &'a self,
        webshop_id: u64,
        update: &'a SettingsUpdate,
    ) -> BoxFuture<'a, Result<Option<Installation>, StoreError>> {
        async move {
            check_update_range(webshop_id, update)?;
            let written = self.write_settings(webshop_id, |_| Some(update)).await?;
            Ok(written.map(|(previous, _)| previous))
        }
        .boxed()
    }

    fn rewrite_settings(
        &self,
        webshop_id: u64,
        rewrite: SettingsRewrite,
    ) -> BoxFuture<'_, Result<Option<Installation>, StoreError>> {
        async move {
            let written = self.write_settings(webshop_id, rewrite).await?;
            Ok(written.map(|(previous, next)| next.unwrap_or(previous)))
        }
        .boxed()
    }

    fn uninstall(
        &self,
        webshop_id: u64,
        at: DateTime<Utc>,
    ) -> BoxFuture<'_, Result<Option<Installation>, StoreError>> {
        async move {
            to_column(webshop_id, "webshop_id", webshop_id)?;
            let mut state = self.state.write().await;
            let removed = state.installations.remove(&webshop_id);
            state.tombstones.entry(webshop_id).or_insert(Tombstone {
                webshop_id,
                uninstalled_at: truncate_to_micros(at),
            });
            drop(state);
            tracing::debug!(
                webshop_id,
                was_installed = removed.is_some(),
                "uninstalled in memory"
            );
            Ok(removed)
        }
        .boxed()
    }

    fn tombstone(&self, webshop_id: u64) -> BoxFuture<'_, Result<Option<Tombstone>, StoreError>> {
        self.read(move |state| state.tombstones.get(&webshop_id).copied())
    }

    fn installations(&self) -> BoxFuture<'_, Result<Vec<Installation>, StoreError>> {
        self.read(|state| state.installations.values().cloned().collect())
    }

    fn health(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        async { Ok(()) }.boxed()
    }
}
