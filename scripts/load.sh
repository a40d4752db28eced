#!/usr/bin/env bash
# Loopback load of the ledger app (tests/bin/inbox_app.rs) with the inbox on and off, on
# SQLite and (when SHOPORAMA_TEST_POSTGRES_URL is set) on PostgreSQL: acknowledged
# throughput, p50/p99 latency, how long the workers took to catch up, and the server's RSS
# (start, max of the second quarter, max of the last quarter: flat memory keeps them close).
# One JSON line per configuration.
#   LOAD_SECONDS=60 LOAD_CONCURRENCY=16 bash scripts/load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/shoporama-target}"
seconds="${LOAD_SECONDS:-60}"
concurrency="${LOAD_CONCURRENCY:-16}"
cargo build --release -q -p shoporama-app-tests --features shoporama-app/postgres --bin inbox-app --bin inbox-load
load="$CARGO_TARGET_DIR/release/inbox-load"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for inbox in on off; do
  "$load" "sqlite://$work/load-$inbox.db" "$inbox" "$seconds" "$concurrency"
done
if [ -n "${SHOPORAMA_TEST_POSTGRES_URL:-}" ]; then
  for inbox in on off; do
    schema="load_${inbox}_$$"
    psql -q "$SHOPORAMA_TEST_POSTGRES_URL" -c "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema"
    sep='?'; case "$SHOPORAMA_TEST_POSTGRES_URL" in *\?*) sep='&';; esac
    "$load" "${SHOPORAMA_TEST_POSTGRES_URL}${sep}options[search_path]=$schema" "$inbox" "$seconds" "$concurrency"
    psql -q "$SHOPORAMA_TEST_POSTGRES_URL" -c "DROP SCHEMA $schema CASCADE"
  done
else
  echo "PostgreSQL skipped: set SHOPORAMA_TEST_POSTGRES_URL" >&2
fi
