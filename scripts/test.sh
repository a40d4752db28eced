#!/usr/bin/env bash
# The test command of the README: every suite of the workspace.
#
# Suites that need an external part skip when it is missing (php + smarty4 for the Smarty
# suites, SHOPORAMA_TEST_POSTGRES_URL for PostgreSQL) unless SHOPORAMA_REQUIRE_ALL=1, which
# .ci/run sets. The PostgreSQL store is compiled in only when it can be tested, so on a fresh
# machine this reuses what `cargo run -p pixel` already built (same target dir, same features).
set -euo pipefail
cd "$(dirname "$0")/.."
features=()
if [[ -n "${SHOPORAMA_TEST_POSTGRES_URL:-}" || "${SHOPORAMA_REQUIRE_ALL:-}" == 1 ]]; then
  features=(--features shoporama-app/postgres)
fi
cargo test --workspace "${features[@]}" "$@"
