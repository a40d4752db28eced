#!/usr/bin/env bash
# The test command of the README: every suite of the workspace.
#
# It builds with exactly what the README's `cargo run -p pixel` builds (the same target dir,
# `$CARGO_TARGET_DIR` or ./target, and the same features of every shared dependency), so
# running the tests after the app compiles only the test code. With
# SHOPORAMA_TEST_POSTGRES_URL set (or SHOPORAMA_REQUIRE_ALL=1, as .ci/run sets) it adds the
# PostgreSQL store (feature `postgres`); `cargo run -p pixel --features shoporama-app/postgres`
# is then the matching run command.
#
# Suites that need an external part (php + smarty4, a PostgreSQL server) skip without it and
# say so on stderr ("skipped: <test>: <reason>"), unless SHOPORAMA_REQUIRE_ALL=1, where a
# skip is a failure. The benchmark crate has no tests and is not built.
set -euo pipefail
cd "$(dirname "$0")/.."
features=()
if [[ -n "${SHOPORAMA_TEST_POSTGRES_URL:-}" || "${SHOPORAMA_REQUIRE_ALL:-}" == 1 ]]; then
  features=(--features shoporama-app/postgres,shoporama-app-tests/postgres)
else
  echo "test.sh: SHOPORAMA_TEST_POSTGRES_URL is not set: the PostgreSQL tests will be skipped" >&2
fi
cargo test --workspace --exclude shoporama-app-bench "${features[@]}" "$@"
