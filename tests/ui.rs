//! Compile errors are API: every misuse of `#[shoporama_app]` and `#[derive(ListOptions)]`
//! gets a clear message at the narrowest span. One case per message in `ui/`, each with the
//! `.stderr` rustc prints. After changing a message, refresh with
//! `TRYBUILD=overwrite cargo test -p shoporama-app-tests --test ui` and review the diff.

// rustc's rendering of errors changes between releases; the `.stderr` files are reviewed
// against the toolchain CI runs (`rust-version`).
#[rustversion::attr(not(stable(1.95)), ignore)]
#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*.rs");
}
