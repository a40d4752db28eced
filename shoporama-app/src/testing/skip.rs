//! Tests that need something outside Rust (a PostgreSQL server, PHP with Smarty) and skip
//! without it: visibly, and only where skipping is allowed.
//!
//! A skipped test still reports `ok` to the test harness, which also swallows what a passing
//! test prints. So [`skip`] writes its line straight to the process's standard error, where
//! `cargo test` shows it even for passing tests:
//!
//! ```text
//! skipped: postgres_store_conformance: SHOPORAMA_TEST_POSTGRES_URL is not set (run .ci/start-postgres.sh)
//! ```
//!
//! With `SHOPORAMA_REQUIRE_ALL=1` (as CI sets it) a skip is a failure instead.

use std::io::Write;

/// The variable that turns every skip into a failure (CI sets it to `1`).
pub const REQUIRE_ALL_VAR: &str = "SHOPORAMA_REQUIRE_ALL";
/// The variable naming the PostgreSQL server tests may create schemas on.
pub const POSTGRES_URL_VAR: &str = "SHOPORAMA_TEST_POSTGRES_URL";

/// Whether tests must fail rather than skip (`SHOPORAMA_REQUIRE_ALL=1`).
pub fn require_all() -> bool {
    std::env::var(REQUIRE_ALL_VAR).is_ok_and(|value| value == "1")
}

/// Records that `test` is skipped because of `reason`: prints
/// `skipped: <test>: <reason>` to standard error, past the test harness's capture.
///
/// # Panics
///
/// With `SHOPORAMA_REQUIRE_ALL=1`, where nothing may be skipped.
///
/// ```
/// # if shoporama_app::testing::skip::require_all() { return; }
/// use shoporama_app::testing::skip::skip;
///
/// skip("my_test", "php is not installed");
/// ```
#[track_caller]
pub fn skip(test: &str, reason: &str) {
    assert!(
        !require_all(),
        "{test}: {reason}, but {REQUIRE_ALL_VAR}=1 (nothing may be skipped)"
    );
    // Not `eprintln!`: the harness captures that and shows it only for failing tests.
    let _ = writeln!(std::io::stderr().lock(), "skipped: {test}: {reason}");
}

/// The PostgreSQL server of `SHOPORAMA_TEST_POSTGRES_URL`, or `None` after [`skip`]ping
/// `test` when it is not set.
///
/// # Panics
///
/// When it is not set and `SHOPORAMA_REQUIRE_ALL=1`.
///
/// ```
/// # if shoporama_app::testing::skip::require_all() { return; }
/// let Some(url) = shoporama_app::testing::skip::postgres_url("my_postgres_test") else {
///     return; // skipped, and said so
/// };
/// # let _ = url;
/// ```
#[track_caller]
pub fn postgres_url(test: &str) -> Option<String> {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            skip(
                test,
                &format!("{POSTGRES_URL_VAR} is not set (run .ci/start-postgres.sh)"),
            );
            None
        }
    }
}
