#!/usr/bin/env bash
# Scale-out test of the durable inbox: two ledger processes on one PostgreSQL behind a
# round-robin client, 10,000 callbacks: no duplicates, no losses, both processes work.
# Needs SHOPORAMA_TEST_POSTGRES_URL (e.g. from .ci/start-postgres.sh).
#   INBOX_SCALE_CALLBACKS=N   callbacks (default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/shoporama-target}"
: "${SHOPORAMA_TEST_POSTGRES_URL:?set SHOPORAMA_TEST_POSTGRES_URL (bash .ci/start-postgres.sh prints one)}"
export SHOPORAMA_REQUIRE_ALL=1
cargo test -p shoporama-app-tests --features shoporama-app/postgres --test inbox_scale -- --nocapture "$@"
