#!/usr/bin/env bash
# The test command of the README: every suite of the workspace, PostgreSQL-backed ones
# included (they skip when SHOPORAMA_TEST_POSTGRES_URL is unset, unless SHOPORAMA_REQUIRE_ALL=1).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/shoporama-target}"
cargo test --workspace --features shoporama-app/postgres "$@"
