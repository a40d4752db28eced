//! [`reconcile`]: the platform's list of installations against the install store's.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{AppStatus, AppStatusClient, RestError};
use crate::store::{InstallStore, StoreError};

/// How the platform's installations and the store's differ.
#[derive(Debug, Clone, PartialEq)]
pub struct Reconciliation {
    /// Shops that have the app installed according to Shoporama but are not in the store (an
    /// `install` callback was lost, or the store was reset): the app cannot serve them, as it
    /// has no token for them.
    pub unknown_locally: Vec<u64>,
    /// Shops in the store that Shoporama does not list (an `uninstall` callback was lost):
    /// their tokens are likely revoked.
    pub missing_on_platform: Vec<u64>,
    /// Shops both sides know.
    pub in_both: Vec<u64>,
    /// App-status entries whose shop id could not be read (already excluded above; a shop
    /// among them would show up in `missing_on_platform`).
    pub unrecognised: Vec<Value>,
    /// The app-status answer as sent.
    pub platform: Value,
}

impl Reconciliation {
    /// Whether both sides agree.
    pub fn is_consistent(&self) -> bool {
        self.unknown_locally.is_empty() && self.missing_on_platform.is_empty()
    }
}

/// Why [`reconcile`] could not compare.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReconcileError {
    /// `GET /REST/app-status` failed.
    #[error("could not fetch app-status: {0}")]
    Rest(#[from] RestError),
    /// The install store failed.
    #[error("could not read the install store: {0}")]
    Store(#[from] StoreError),
    /// The app-status answer holds no list of shops this client can read. Nothing is
    /// reported, rather than every local shop as missing.
    #[error("the app-status answer has no list of shops in a known shape: {raw}")]
    UnrecognisedAnswer {
        /// The answer as sent.
        raw: Value,
    },
}

/// Compares the shops Shoporama lists as having the app installed (`app-status`) with the
/// installations in `store`, and reports what differs. Lists are sorted by shop id. It only
/// reports: acting on a difference (asking a shop to reinstall, removing a stale
/// installation) is the app's decision.
pub async fn reconcile(
    app_status: &AppStatusClient,
    store: &dyn InstallStore,
) -> Result<Reconciliation, ReconcileError> {
    let status = app_status.status().await?;
    let local: BTreeSet<u64> = store
        .installations()
        .await?
        .iter()
        .map(|i| i.webshop_id)
        .collect();
    compare(status, &local)
}

fn compare(status: AppStatus, local: &BTreeSet<u64>) -> Result<Reconciliation, ReconcileError> {
    if !status.recognised {
        return Err(ReconcileError::UnrecognisedAnswer { raw: status.raw });
    }
    let platform = status.webshop_ids();
    let report = Reconciliation {
        unknown_locally: platform.difference(local).copied().collect(),
        missing_on_platform: local.difference(&platform).copied().collect(),
        in_both: platform.intersection(local).copied().collect(),
        unrecognised: status.unrecognised,
        platform: status.raw,
    };
    if !report.is_consistent() {
        tracing::warn!(
            unknown_locally = ?report.unknown_locally,
            missing_on_platform = ?report.missing_on_platform,
            "installations differ between Shoporama and the install store"
        );
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn differences_both_ways() -> Result<(), ReconcileError> {
        let status = AppStatus::from_json(
            json!([{"webshop_id": 1}, {"webshop_id": "2"}, {"webshop_id": 3}]),
        );
        let report = compare(status, &BTreeSet::from([2, 3, 4]))?;
        assert_eq!(report.unknown_locally, [1]);
        assert_eq!(report.missing_on_platform, [4]);
        assert_eq!(report.in_both, [2, 3]);
        assert!(!report.is_consistent());
        Ok(())
    }

    #[test]
    fn an_unreadable_answer_reports_nothing() {
        let status = AppStatus::from_json(json!({"status": "ok"}));
        assert!(matches!(
            compare(status, &BTreeSet::from([1])),
            Err(ReconcileError::UnrecognisedAnswer { .. })
        ));
    }
}
