//! A short-lived in-process cache of installations and their parsed settings, so an event
//! callback does not read the store and parse the settings again.
//!
//! The store stays the source of truth: this process's own install, update and uninstall
//! callbacks replace or drop the entry at once, and an entry is re-read from the store after
//! [`Config::shop_cache_ttl`](crate::config::Config::shop_cache_ttl), which bounds how long a
//! change made by *another* process (several servers on one PostgreSQL) can go unseen. A TTL
//! of zero disables the cache.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::app::Shop;
use crate::store::Installation;

/// A cached installation: the shop as handlers see it when its settings are valid. Cheap to
/// clone (every callback of the shop takes one): the installation is shared, the shop is
/// handles.
pub(crate) struct CachedShop<S> {
    pub(crate) installation: Arc<Installation>,
    /// `None` when the stored settings do not parse (the shop is unconfigured).
    pub(crate) shop: Option<Shop<S>>,
}

impl<S> Clone for CachedShop<S> {
    fn clone(&self) -> Self {
        Self {
            installation: Arc::clone(&self.installation),
            shop: self.shop.clone(),
        }
    }
}

pub(crate) struct ShopCache<S> {
    ttl: Duration,
    entries: Mutex<BTreeMap<u64, (Instant, CachedShop<S>)>>,
}

impl<S> ShopCache<S> {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(BTreeMap::new()),
        }
    }

    /// The entry for `webshop_id`, if cached and fresh.
    pub(crate) fn get(&self, webshop_id: u64) -> Option<CachedShop<S>> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(&webshop_id)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, entry)| entry.clone())
    }

    /// Caches `entry` for its shop.
    pub(crate) fn put(&self, entry: CachedShop<S>) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        // Keep the map from growing without bound: drop stale entries when it gets large.
        if entries.len() >= 10_000 {
            entries.retain(|_, (at, _)| at.elapsed() < self.ttl);
        }
        entries.insert(entry.installation.webshop_id, (Instant::now(), entry));
    }

    /// Forgets the shop (after this process changed or removed its installation).
    pub(crate) fn forget(&self, webshop_id: u64) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&webshop_id);
    }
}
