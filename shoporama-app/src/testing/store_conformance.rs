//! A conformance suite for [`InstallStore`] implementations: run it against your own store
//! to check it keeps the guarantees the server relies on.
//!
//! ```no_run
//! # async fn demo() {
//! use std::sync::Arc;
//! use shoporama_app::store::MemoryStore;
//! use shoporama_app::testing::store_conformance::run_conformance_suite;
//!
//! run_conformance_suite(Arc::new(MemoryStore::new())).await;
//! # }
//! ```
//!
//! Run it on an empty store dedicated to the test, inside a multi-threaded tokio runtime
//! (`#[tokio::test(flavor = "multi_thread")]`) so the concurrency checks really overlap. Each
//! check uses its own webshop ids (listed in its documentation), so the checks can run in any
//! order against the same store. A failed check panics with a message naming the check and
//! what differed.

// Every public function here is an assertion: panicking is what they do.
#![allow(clippy::missing_panics_doc)]

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};

use crate::secret::AppToken;
use crate::store::{
    InstallStore, Installation, SettingsRewrite, SettingsStatus, SettingsUpdate, StoreError,
    Tombstone, UpsertOutcome,
};

/// How many tasks the concurrency checks run at once.
pub const CONCURRENT_TASKS: u64 = 20;

/// The token of the sample installations, checked to never appear in an error message.
const SAMPLE_TOKEN: &str = "dcbfe5ad9e8af3495ca4582e364c1bce";

/// Runs every check below, in order.
pub async fn run_conformance_suite(store: Arc<dyn InstallStore>) {
    check_health(&*store).await;
    check_round_trip(&*store).await;
    check_number_limits(&*store).await;
    check_timestamp_precision(&*store).await;
    check_reinstall(&*store).await;
    check_update(&*store).await;
    check_update_of_unknown_shop(&*store).await;
    check_uninstall(&*store).await;
    check_reinstall_after_uninstall(&*store).await;
    check_installations_order(&*store).await;
    check_concurrent_updates(Arc::clone(&store)).await;
    check_concurrent_installs(Arc::clone(&store)).await;
    check_concurrent_install_and_uninstall(Arc::clone(&store)).await;
    check_rewrite_settings(Arc::clone(&store)).await;
    check_health(&*store).await;
}

/// `health()` succeeds.
pub async fn check_health(store: &dyn InstallStore) {
    ok("health", "health()", store.health().await);
}

/// An installation reads back exactly as written: numbers up to `i64::MAX`, unicode and
/// control characters, nested JSON, the key order of `fields` (also when nested), both
/// settings statuses. Unknown shops read as `None`. Uses webshop ids 101 and `i64::MAX`.
pub async fn check_round_trip(store: &dyn InstallStore) {
    const CHECK: &str = "round trip";
    let checked = Checked::new(CHECK, store);
    let mut unconfigured = sample(101);
    unconfigured.settings_status = SettingsStatus::Unconfigured {
        errors: vec![
            "measurement_id: is required but was not set".to_owned(),
            "farve: forventede en farve som #rrggbb, fik \"blå\" 🎨".to_owned(),
        ],
    };
    let big = Installation {
        daily_limit: i64_max(),
        current_usage: i64_max(),
        webshop_url: "https://xn--blbrgrd-fxak7p.example/øl?q=1&r=\"2\"".to_owned(),
        fields: Map::new(),
        ..sample(i64_max())
    };

    for written in [&unconfigured, &big] {
        let id = written.webshop_id;
        let outcome = checked.upsert_installation(written).await;
        assert!(
            outcome == UpsertOutcome::Installed,
            "[{CHECK}] first install of webshop {id} reported {outcome:?}, expected Installed"
        );
        let read = checked
            .installation(id)
            .await
            .unwrap_or_else(|| panic!("[{CHECK}] webshop {id} was installed but reads as None"));
        assert_same(CHECK, written, &read);
        let listed = checked.installations().await;
        let listed = listed
            .iter()
            .find(|installation| installation.webshop_id == id);
        assert!(
            listed == Some(written),
            "[{CHECK}] installations() does not hold webshop {id} as written: {listed:?}"
        );
    }
    checked
        .expect_installation(109, None, "never installed")
        .await;
}

/// Numbers beyond `i64::MAX` are either kept exactly or refused with an error that does not
/// show the token, and a refused write writes nothing. Uses webshop ids 102 and `u64::MAX`.
pub async fn check_number_limits(store: &dyn InstallStore) {
    const CHECK: &str = "number limits";
    let checked = Checked::new(CHECK, store);
    let mut huge_id = sample(u64::MAX);
    huge_id.fields = Map::new();
    let mut huge_limit = sample(102);
    huge_limit.daily_limit = u64::MAX;
    huge_limit.current_usage = u64::MAX - 1;
    for written in [&huge_id, &huge_limit] {
        let id = written.webshop_id;
        match store.upsert_installation(written).await {
            Ok(_) => {
                let read = checked.installation(id).await.unwrap_or_else(|| {
                    panic!("[{CHECK}] webshop {id} was accepted but reads as None")
                });
                assert_same(CHECK, written, &read);
            }
            Err(error) => {
                assert_no_token(CHECK, &error);
                if let Ok(Some(read)) = store.installation(id).await {
                    panic!(
                        "[{CHECK}] webshop {id} was refused ({error}) but something was written: {read:?}"
                    );
                }
            }
        }
    }
}

/// Timestamps keep at least microsecond precision, and finer parts never move a time
/// forward. Uses webshop id 103.
pub async fn check_timestamp_precision(store: &dyn InstallStore) {
    const CHECK: &str = "timestamp precision";
    let checked = Checked::new(CHECK, store);
    let mut written = sample(103);
    written.installed_at = at(1_692_857_535, 999_999_999);
    written.updated_at = at(1_700_000_000, 123_456_789);
    checked.upsert_installation(&written).await;
    let read = checked
        .installation(103)
        .await
        .unwrap_or_else(|| panic!("[{CHECK}] webshop 103 was installed but reads as None"));
    for (name, sent, kept) in [
        ("installed_at", written.installed_at, read.installed_at),
        ("updated_at", written.updated_at, read.updated_at),
    ] {
        let lost = sent - kept;
        assert!(
            lost >= Duration::zero() && lost < Duration::microseconds(1),
            "[{CHECK}] {name} was written as {sent:?} and reads as {kept:?}"
        );
    }
}

/// Installing an installed shop replaces it and reports the previous installation. Uses
/// webshop id 201.
pub async fn check_reinstall(store: &dyn InstallStore) {
    const CHECK: &str = "reinstall";
    let checked = Checked::new(CHECK, store);
    let first = sample(201);
    let second = Installation {
        webshop_url: "https://moved.example".to_owned(),
        token: AppToken::new("0123456789abcdef0123456789abcdef"),
        daily_limit: 5_000,
        current_usage: 0,
        installed_at: at(1_750_000_000, 0),
        updated_at: at(1_750_000_000, 0),
        fields: fields(json!({ "only": "this" })),
        ..first.clone()
    };
    let outcome = checked.upsert_installation(&first).await;
    assert!(
        outcome == UpsertOutcome::Installed,
        "[{CHECK}] first install reported {outcome:?}"
    );
    let outcome = checked.upsert_installation(&second).await;
    match outcome.previous() {
        Some(previous) => assert_same(CHECK, &first, previous),
        None => panic!("[{CHECK}] second install reported {outcome:?}, expected Reinstalled"),
    }
    checked
        .expect_installation(201, Some(&second), "after reinstall")
        .await;
}

/// `update_settings` replaces URL, token, limits, fields and status, keeps the installation
/// time, and returns the installation as it was. Uses webshop id 301.
pub async fn check_update(store: &dyn InstallStore) {
    const CHECK: &str = "update";
    let checked = Checked::new(CHECK, store);
    let installed = sample(301);
    checked.upsert_installation(&installed).await;
    let first = SettingsUpdate {
        webshop_url: "https://renamed.example".to_owned(),
        token: AppToken::new("ffffffffffffffffffffffffffffffff"),
        daily_limit: 20_000,
        current_usage: 4_321,
        fields: fields(json!({ "z_last": 1, "a_first": "Æble", "nested": { "y": 1, "x": 2 } })),
        settings_status: SettingsStatus::Unconfigured {
            errors: vec!["a_first: expected a number".to_owned()],
        },
        updated_at: at(1_760_000_000, 250_000_000),
    };
    let previous = checked
        .update_settings(301, &first)
        .await
        .unwrap_or_else(|| panic!("[{CHECK}] update of installed webshop 301 returned None"));
    assert_same(CHECK, &installed, &previous);
    let expected = first.apply_to(&installed);
    let read = checked
        .installation(301)
        .await
        .unwrap_or_else(|| panic!("[{CHECK}] webshop 301 reads as None after an update"));
    assert_same(CHECK, &expected, &read);

    let second = SettingsUpdate {
        token: AppToken::new("eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"),
        fields: fields(json!({ "a_first": 3 })),
        settings_status: SettingsStatus::Configured,
        updated_at: at(1_760_000_100, 0),
        ..first.clone()
    };
    let previous = checked
        .update_settings(301, &second)
        .await
        .unwrap_or_else(|| panic!("[{CHECK}] second update of webshop 301 returned None"));
    assert_same(CHECK, &expected, &previous);
    let expected = second.apply_to(&expected);
    checked
        .expect_installation(301, Some(&expected), "after two updates")
        .await;
    checked
        .expect_tombstone(301, None, "an update left a tombstone")
        .await;
}

/// Updating a shop that is not installed (never, or no longer) returns `None` and writes
/// nothing. Uses webshop ids 302 and 303.
pub async fn check_update_of_unknown_shop(store: &dyn InstallStore) {
    const CHECK: &str = "update of an unknown shop";
    let checked = Checked::new(CHECK, store);
    let update = SettingsUpdate {
        webshop_url: "https://ghost.example".to_owned(),
        token: AppToken::new(SAMPLE_TOKEN),
        daily_limit: 1,
        current_usage: 1,
        fields: fields(json!({ "a": 1 })),
        settings_status: SettingsStatus::Configured,
        updated_at: at(1_760_000_000, 0),
    };
    let previous = checked.update_settings(302, &update).await;
    checked.expect_none("update of never-installed webshop 302", previous.as_ref());
    checked
        .expect_installation(302, None, "update of never-installed webshop 302 wrote")
        .await;
    checked
        .expect_tombstone(302, None, "update of webshop 302 wrote a tombstone")
        .await;

    checked.upsert_installation(&sample(303)).await;
    let uninstalled_at = at(1_760_000_000, 0);
    checked.uninstall(303, uninstalled_at).await;
    let previous = checked.update_settings(303, &update).await;
    checked.expect_none("update of uninstalled webshop 303", previous.as_ref());
    checked
        .expect_installation(303, None, "update of uninstalled webshop 303 wrote")
        .await;
    let tombstone = checked.tombstone(303).await;
    let expected = Tombstone {
        webshop_id: 303,
        uninstalled_at,
    };
    assert!(
        tombstone == Some(expected),
        "[{CHECK}] update of uninstalled webshop 303 changed its tombstone to {tombstone:?}"
    );
    let listed = checked.installations().await;
    assert!(
        !listed
            .iter()
            .any(|installation| [302, 303].contains(&installation.webshop_id)),
        "[{CHECK}] installations() lists a shop that was only updated"
    );
}

/// Uninstalling removes the installation (and with it the token), returns it, and leaves a
/// tombstone; a repeated uninstall returns `None` and keeps the first time; uninstalling a
/// shop that was never installed records a tombstone too. Uses webshop ids 401 and 402.
pub async fn check_uninstall(store: &dyn InstallStore) {
    const CHECK: &str = "uninstall";
    let checked = Checked::new(CHECK, store);
    let installed = sample(401);
    checked.upsert_installation(&installed).await;
    let first_at = at(1_770_000_000, 500_000_000);
    let removed = checked
        .uninstall(401, first_at)
        .await
        .unwrap_or_else(|| panic!("[{CHECK}] uninstall of installed webshop 401 returned None"));
    assert_same(CHECK, &installed, &removed);
    checked
        .expect_installation(
            401,
            None,
            "webshop 401 still reads as installed (token kept)",
        )
        .await;
    let listed = checked.installations().await;
    assert!(
        !listed
            .iter()
            .any(|installation| installation.webshop_id == 401),
        "[{CHECK}] installations() still lists uninstalled webshop 401"
    );
    let expected = Tombstone {
        webshop_id: 401,
        uninstalled_at: first_at,
    };
    checked
        .expect_tombstone(401, Some(expected), "after the uninstall")
        .await;

    let again = checked.uninstall(401, first_at + Duration::hours(1)).await;
    checked.expect_none("a second uninstall of webshop 401", again.as_ref());
    checked
        .expect_tombstone(
            401,
            Some(expected),
            "a second uninstall changed the tombstone",
        )
        .await;

    let never_at = at(1_770_000_001, 0);
    let removed = checked.uninstall(402, never_at).await;
    checked.expect_none("uninstall of never-installed webshop 402", removed.as_ref());
    let expected = Tombstone {
        webshop_id: 402,
        uninstalled_at: never_at,
    };
    checked
        .expect_tombstone(
            402,
            Some(expected),
            "after uninstalling a never-installed shop",
        )
        .await;
    checked.expect_tombstone(409, None, "never installed").await;
}

/// Installing again after an uninstall is a fresh install and removes the tombstone. Uses
/// webshop id 501.
pub async fn check_reinstall_after_uninstall(store: &dyn InstallStore) {
    const CHECK: &str = "reinstall after uninstall";
    let checked = Checked::new(CHECK, store);
    checked.upsert_installation(&sample(501)).await;
    checked.uninstall(501, at(1_780_000_000, 0)).await;
    let again = Installation {
        token: AppToken::new("abababababababababababababababab"),
        installed_at: at(1_780_000_500, 0),
        updated_at: at(1_780_000_500, 0),
        ..sample(501)
    };
    let outcome = checked.upsert_installation(&again).await;
    assert!(
        outcome == UpsertOutcome::Installed,
        "[{CHECK}] install after uninstall reported {outcome:?}, expected Installed"
    );
    checked
        .expect_tombstone(501, None, "install left webshop 501's tombstone")
        .await;
    checked
        .expect_installation(501, Some(&again), "after install")
        .await;
}

/// `installations()` lists every installed shop once, ordered by id, and no uninstalled
/// shop. Uses webshop ids 601 to 605 and some above `u32::MAX`.
pub async fn check_installations_order(store: &dyn InstallStore) {
    const CHECK: &str = "installations order";
    let checked = Checked::new(CHECK, store);
    let ids = [
        605,
        9_000_000_000_601,
        601,
        4_294_967_296,
        603,
        602,
        4_294_967_295,
    ];
    for id in ids {
        checked.upsert_installation(&sample(id)).await;
    }
    checked.upsert_installation(&sample(604)).await;
    checked.uninstall(604, at(1_790_000_000, 0)).await;

    let listed = checked.installations().await;
    let listed_ids: Vec<u64> = listed
        .iter()
        .map(|installation| installation.webshop_id)
        .collect();
    assert!(
        listed_ids.windows(2).all(|pair| pair[0] < pair[1]),
        "[{CHECK}] installations() is not strictly ordered by webshop id: {listed_ids:?}"
    );
    for id in ids {
        let entry = listed
            .iter()
            .find(|installation| installation.webshop_id == id);
        assert!(
            entry == Some(&sample(id)),
            "[{CHECK}] installations() holds {entry:?} for webshop {id}"
        );
    }
    assert!(
        !listed_ids.contains(&604),
        "[{CHECK}] installations() lists uninstalled webshop 604"
    );
}

/// Runs `task(store, n)` for every `n` in `1..=CONCURRENT_TASKS` at once, each in a task of
/// its own; their outputs in `n` order. Panics naming `check` when a task panicked.
async fn concurrently<T, Fut>(
    check: &str,
    store: &Arc<dyn InstallStore>,
    task: impl Fn(Arc<dyn InstallStore>, u64) -> Fut,
) -> Vec<T>
where
    T: Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    let tasks: Vec<_> = (1..=CONCURRENT_TASKS)
        .map(|n| tokio::spawn(task(Arc::clone(store), n)))
        .collect();
    let mut outputs = Vec::with_capacity(tasks.len());
    for task in tasks {
        outputs.push(
            task.await
                .unwrap_or_else(|error| panic!("[{check}] a task panicked: {error}")),
        );
    }
    outputs
}

/// Concurrent installs and updates of one installed shop apply one after the other: each
/// reports a different previous state, every state is whole (never columns of two writes
/// mixed), and the final state is the one no write reported as previous. Uses webshop id 701.
pub async fn check_concurrent_updates(store: Arc<dyn InstallStore>) {
    const CHECK: &str = "concurrent updates";
    const ID: u64 = 701;
    let checked = Checked::new(CHECK, &*store);
    checked.upsert_installation(&variant(ID, 0)).await;
    let results = concurrently(CHECK, &store, |store, n| async move {
        let written = variant(ID, n);
        if n.is_multiple_of(2) {
            let outcome = store.upsert_installation(&written).await;
            (n, outcome.map(|outcome| outcome.previous().cloned()))
        } else {
            let update =
                written.settings_update(written.fields.clone(), written.settings_status.clone());
            (n, store.update_settings(ID, &update).await)
        }
    })
    .await;
    let mut seen = BTreeSet::new();
    for (n, result) in results {
        let previous = ok(CHECK, "write", result).unwrap_or_else(|| {
            panic!("[{CHECK}] write {n} found webshop {ID} not installed, though it always was")
        });
        let previous_n = assert_whole_variant(CHECK, ID, &previous);
        assert!(
            seen.insert(previous_n),
            "[{CHECK}] two writes both replaced state {previous_n}: an update was lost"
        );
    }
    let last = checked
        .installation(ID)
        .await
        .unwrap_or_else(|| panic!("[{CHECK}] webshop {ID} reads as None"));
    let last_n = assert_whole_variant(CHECK, ID, &last);
    assert!(
        !seen.contains(&last_n) && last_n != 0,
        "[{CHECK}] the final state {last_n} was also replaced by a write: writes were not serialized"
    );
}

/// Concurrent first installs of one shop: exactly one reports `Installed`, the others
/// `Reinstalled` with distinct previous states. Uses webshop id 702.
pub async fn check_concurrent_installs(store: Arc<dyn InstallStore>) {
    const CHECK: &str = "concurrent installs";
    const ID: u64 = 702;
    let checked = Checked::new(CHECK, &*store);
    let results = concurrently(CHECK, &store, |store, n| async move {
        store.upsert_installation(&variant(ID, n)).await
    })
    .await;
    let mut installed = 0;
    let mut seen = BTreeSet::new();
    for result in results {
        match ok(CHECK, "upsert_installation", result) {
            UpsertOutcome::Installed => installed += 1,
            UpsertOutcome::Reinstalled { previous } => {
                let n = assert_whole_variant(CHECK, ID, &previous);
                assert!(
                    seen.insert(n),
                    "[{CHECK}] two installs both replaced state {n}"
                );
            }
        }
    }
    assert!(
        installed == 1,
        "[{CHECK}] {installed} of {CONCURRENT_TASKS} concurrent installs reported Installed, expected 1"
    );
    let last = checked
        .installation(ID)
        .await
        .unwrap_or_else(|| panic!("[{CHECK}] webshop {ID} reads as None"));
    let last_n = assert_whole_variant(CHECK, ID, &last);
    assert!(
        !seen.contains(&last_n),
        "[{CHECK}] the final state {last_n} was also replaced"
    );
}

/// Concurrent installs and uninstalls of one shop leave either an installation or a
/// tombstone, never both or neither, and the outcomes add up: installs reporting `Installed`
/// minus uninstalls returning an installation is 1 if the shop ends installed, else 0. Uses
/// webshop id 703.
pub async fn check_concurrent_install_and_uninstall(store: Arc<dyn InstallStore>) {
    const CHECK: &str = "concurrent install and uninstall";
    const ID: u64 = 703;
    let checked = Checked::new(CHECK, &*store);
    let results = concurrently(CHECK, &store, |store, n| async move {
        if n.is_multiple_of(2) {
            let outcome = store.upsert_installation(&variant(ID, n)).await;
            outcome.map(|outcome| (outcome == UpsertOutcome::Installed, None))
        } else {
            let removed = store
                .uninstall(
                    ID,
                    at(1_800_000_000, 0) + Duration::seconds(n.cast_signed()),
                )
                .await;
            removed.map(|removed| (false, removed))
        }
    })
    .await;
    let mut installs: i64 = 0;
    let mut removals: i64 = 0;
    for result in results {
        let (installed, removed) = ok(CHECK, "write", result);
        installs += i64::from(installed);
        if let Some(removed) = removed {
            assert_whole_variant(CHECK, ID, &removed);
            removals += 1;
        }
    }
    let installation = checked.installation(ID).await;
    let tombstone = checked.tombstone(ID).await;
    assert!(
        installation.is_some() != tombstone.is_some(),
        "[{CHECK}] webshop {ID} ends with installation {} and tombstone {tombstone:?}: \
         exactly one of them must exist",
        if installation.is_some() {
            "present"
        } else {
            "absent"
        },
    );
    if let Some(installation) = &installation {
        assert_whole_variant(CHECK, ID, installation);
    }
    let expected = i64::from(installation.is_some());
    assert!(
        installs - removals == expected,
        "[{CHECK}] {installs} installs reported Installed and {removals} uninstalls removed an \
         installation; with the shop {} at the end the difference must be {expected}",
        if expected == 1 {
            "installed"
        } else {
            "uninstalled"
        },
    );
}

/// `rewrite_settings` reads and writes in one step: it is not called for a shop that is not
/// installed, writes nothing when the rewrite answers `None`, and concurrent rewrites that
/// each add one to a field all count (none works from a row another has replaced). Uses
/// webshop ids 801 and 802.
pub async fn check_rewrite_settings(store: Arc<dyn InstallStore>) {
    use std::sync::atomic::{AtomicBool, Ordering};
    const CHECK: &str = "rewrite settings";
    const UNKNOWN: u64 = 801;
    const ID: u64 = 802;
    let checked = Checked::new(CHECK, &*store);
    let called = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&called);
    let rewritten = checked
        .rewrite_settings(
            UNKNOWN,
            Box::new(move |_| {
                flag.store(true, Ordering::SeqCst);
                None
            }),
        )
        .await;
    checked.expect_none(
        &format!("rewrite of never-installed webshop {UNKNOWN}"),
        rewritten.as_ref(),
    );
    assert!(
        !called.load(Ordering::SeqCst),
        "[{CHECK}] the rewrite was called for never-installed webshop {UNKNOWN}"
    );

    let mut installed = sample(ID);
    installed.fields = fields(json!({ "count": 0, "kept": "as installed" }));
    checked.upsert_installation(&installed).await;
    let unchanged = checked.rewrite_settings(ID, Box::new(|_| None)).await;
    assert_same(
        CHECK,
        &installed,
        unchanged.as_ref().unwrap_or_else(|| {
            panic!(
                "[{CHECK}] webshop {ID} reads as not installed after a rewrite that wrote nothing"
            )
        }),
    );
    checked
        .expect_installation(ID, Some(&installed), "a rewrite that wrote nothing")
        .await;

    let results = concurrently(CHECK, &store, |store, _| async move {
        store
            .rewrite_settings(ID, Box::new(|stored| Some(counted_up(stored))))
            .await
    })
    .await;
    for result in results {
        let written = ok(CHECK, "rewrite_settings", result);
        assert!(
            written.is_some(),
            "[{CHECK}] webshop {ID} reads as not installed during rewrites"
        );
    }
    let last = checked
        .installation(ID)
        .await
        .unwrap_or_else(|| panic!("[{CHECK}] webshop {ID} reads as None"));
    assert!(
        last.fields.get("count") == Some(&json!(CONCURRENT_TASKS))
            && last.fields.get("kept") == Some(&json!("as installed")),
        "[{CHECK}] after {CONCURRENT_TASKS} concurrent rewrites that each add one to `count`, \
         webshop {ID}'s fields are {:?}: a rewrite worked from a replaced row",
        last.fields
    );
}

/// `stored`'s settings with the field `count` one higher.
fn counted_up(stored: &Installation) -> SettingsUpdate {
    let mut fields = stored.fields.clone();
    let count = fields.get("count").and_then(Value::as_u64).unwrap_or(0);
    fields.insert("count".to_owned(), json!(count + 1));
    stored.settings_update(fields, stored.settings_status.clone())
}

/// A realistic installation of shop `webshop_id`, with fields in a deliberately
/// non-alphabetical order and characters that trip naive encoders.
pub fn sample(webshop_id: u64) -> Installation {
    Installation {
        webshop_id,
        webshop_url: format!("https://shop-{webshop_id}.example"),
        token: AppToken::new(SAMPLE_TOKEN),
        daily_limit: 10_000,
        current_usage: 200,
        installed_at: at(1_692_857_535, 0),
        updated_at: at(1_692_857_600, 123_456_000),
        fields: fields(json!({
            "zeta": "first key, last letter",
            "alpha": 1,
            "mu": { "ø": "blåbærgrød 🫐", "nested": [1, "two", null, true, 3.5, { "b": 1, "a": 2 }] },
            "empty": "",
            "control": "tab\tnewline\nnul\u{0}bell\u{7}",
            "rtl": "שלום עולם",
            "leading_zeros": "007",
            "negative": -42,
            "big": 9_007_199_254_740_993_u64,
            "float": 0.1,
            "off": false,
            "unset": null,
            "html": "<script>alert('x')</script>",
            "quotes": "it's \"quoted\" \\ back\\slash",
        })),
        settings_status: SettingsStatus::Configured,
    }
}

/// State `n` of shop `webshop_id` in the concurrency checks: every column derived from `n`,
/// so a state mixing two writes is detectable.
fn variant(webshop_id: u64, n: u64) -> Installation {
    let seconds = 1_800_000_000 + n.cast_signed();
    Installation {
        webshop_id,
        webshop_url: format!("https://variant-{n}.example"),
        token: AppToken::new(format!("{n:032x}")),
        daily_limit: 1_000 + n,
        current_usage: n,
        installed_at: at(seconds, 0),
        updated_at: at(seconds, 1_000),
        fields: fields(json!({ "variant": n, "label": format!("variant {n}") })),
        settings_status: if n.is_multiple_of(3) {
            SettingsStatus::Unconfigured {
                errors: vec![format!("variant {n}")],
            }
        } else {
            SettingsStatus::Configured
        },
    }
}

/// Checks `installation` is exactly a [`variant`] (its installation time may come from an
/// earlier variant, as updates keep it) and returns which.
#[track_caller]
fn assert_whole_variant(check: &str, webshop_id: u64, installation: &Installation) -> u64 {
    let Some(n) = installation.fields.get("variant").and_then(Value::as_u64) else {
        panic!("[{check}] webshop {webshop_id} holds fields that no write wrote: {installation:?}");
    };
    let expected = variant(webshop_id, n);
    let comparable = Installation {
        installed_at: expected.installed_at,
        ..installation.clone()
    };
    assert!(
        comparable == expected,
        "[{check}] webshop {webshop_id} holds a state mixing several writes: {installation:?}, \
         its fields say variant {n}: {expected:?}"
    );
    let installed_n = (installation.installed_at.timestamp() - 1_800_000_000).cast_unsigned();
    assert!(
        installed_n <= CONCURRENT_TASKS,
        "[{check}] webshop {webshop_id} has an installation time no write wrote: {}",
        installation.installed_at
    );
    n
}

/// Asserts `read` equals `written`, including the key order of `fields` at every depth.
#[track_caller]
fn assert_same(check: &str, written: &Installation, read: &Installation) {
    assert!(
        read == written,
        "[{check}] webshop {} reads back different from what was written\n written: {written:?}\n    read: {read:?}",
        written.webshop_id
    );
    // `Map` equality ignores key order; the serialized text does not.
    let written_text = Value::Object(written.fields.clone()).to_string();
    let read_text = Value::Object(read.fields.clone()).to_string();
    assert!(
        written_text == read_text,
        "[{check}] webshop {}'s fields came back in a different key order\n written: {written_text}\n    read: {read_text}",
        written.webshop_id
    );
    assert!(
        read.token.expose() == written.token.expose(),
        "[{check}] webshop {}'s token differs",
        written.webshop_id
    );
}

#[track_caller]
fn assert_no_token(check: &str, error: &StoreError) {
    for text in [error.to_string(), format!("{error:?}")] {
        assert!(
            !text.contains(SAMPLE_TOKEN),
            "[{check}] an error message shows the token: {text}"
        );
    }
}

/// A store under one check: each operation answers its value or panics naming the check and
/// the operation (see [`ok`]).
struct Checked<'a> {
    check: &'static str,
    store: &'a dyn InstallStore,
}

impl<'a> Checked<'a> {
    fn new(check: &'static str, store: &'a dyn InstallStore) -> Self {
        Self { check, store }
    }

    async fn upsert_installation(&self, installation: &Installation) -> UpsertOutcome {
        let result = self.store.upsert_installation(installation).await;
        ok(self.check, "upsert_installation", result)
    }

    async fn installation(&self, webshop_id: u64) -> Option<Installation> {
        ok(
            self.check,
            "installation",
            self.store.installation(webshop_id).await,
        )
    }

    /// Asserts that webshop `webshop_id` reads as `expected` (`None`: not installed);
    /// `when` says after what.
    async fn expect_installation(
        &self,
        webshop_id: u64,
        expected: Option<&Installation>,
        when: &str,
    ) {
        let read = self.installation(webshop_id).await;
        assert!(
            read.as_ref() == expected,
            "[{}] {when}: webshop {webshop_id} reads as {read:?}, expected {expected:?}",
            self.check
        );
    }

    /// Asserts that `operation` returned nothing.
    #[track_caller]
    fn expect_none<T: std::fmt::Debug>(&self, operation: &str, returned: Option<&T>) {
        assert!(
            returned.is_none(),
            "[{}] {operation} returned {returned:?}",
            self.check
        );
    }

    /// Asserts that webshop `webshop_id`'s tombstone is `expected`; `when` says after what.
    async fn expect_tombstone(&self, webshop_id: u64, expected: Option<Tombstone>, when: &str) {
        let tombstone = self.tombstone(webshop_id).await;
        assert!(
            tombstone == expected,
            "[{}] {when}: webshop {webshop_id}'s tombstone is {tombstone:?}, expected {expected:?}",
            self.check
        );
    }

    async fn installations(&self) -> Vec<Installation> {
        ok(
            self.check,
            "installations",
            self.store.installations().await,
        )
    }

    async fn update_settings(
        &self,
        webshop_id: u64,
        update: &SettingsUpdate,
    ) -> Option<Installation> {
        let result = self.store.update_settings(webshop_id, update).await;
        ok(self.check, "update_settings", result)
    }

    async fn rewrite_settings(
        &self,
        webshop_id: u64,
        rewrite: SettingsRewrite,
    ) -> Option<Installation> {
        let result = self.store.rewrite_settings(webshop_id, rewrite).await;
        ok(self.check, "rewrite_settings", result)
    }

    async fn uninstall(&self, webshop_id: u64, at: DateTime<Utc>) -> Option<Installation> {
        let result = self.store.uninstall(webshop_id, at).await;
        ok(self.check, "uninstall", result)
    }

    async fn tombstone(&self, webshop_id: u64) -> Option<Tombstone> {
        ok(
            self.check,
            "tombstone",
            self.store.tombstone(webshop_id).await,
        )
    }
}

/// The value of `result`, or a panic naming the check and the store operation.
#[track_caller]
fn ok<T>(check: &str, operation: &str, result: Result<T, StoreError>) -> T {
    match result {
        Ok(value) => value,
        Err(error) => panic!("[{check}] {operation} failed: {error}"),
    }
}

fn fields(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("sample fields must be a JSON object, not {other}"),
    }
}

fn at(seconds: i64, nanos: u32) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, nanos)
        .unwrap_or_else(|| panic!("{seconds} is not a valid timestamp"))
}

fn i64_max() -> u64 {
    i64::MAX.cast_unsigned()
}
