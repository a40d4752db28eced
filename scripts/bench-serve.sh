#!/usr/bin/env bash
# End-to-end benchmark of what users run: `pixel serve` with its default configuration
# (webhooks through the durable inbox, info logging to a file) against an Express 5 +
# better-sqlite3 peer at equal durability and a bare axum handler, in alternating rounds of
# one run, on SQLite and (when SHOPORAMA_TEST_POSTGRES_URL is set) on PostgreSQL. Prints a
# table and the ratios, writes JSON. See BENCHMARKS.md.
#
#   bash scripts/bench-serve.sh                                # 3 rounds × 10 s
#   BENCH_ROUNDS=5 BENCH_SECONDS=20 bash scripts/bench-serve.sh
#   BENCH_TARGETS=pixel-sqlite,peer bash scripts/bench-serve.sh
#   bash scripts/bench-serve.sh --requests 1000000 --rate 1000  # long-run RSS check
#
# Knobs (environment, or the same as --flags): BENCH_ROUNDS, BENCH_SECONDS,
# BENCH_CONCURRENCY (64), BENCH_DRAIN_TIMEOUT (120 s), BENCH_TARGETS, BENCH_OUT
# (bench-serve.json), BENCH_KEEP_LOGS=true, BENCH_CLIENT_THREADS (1), and for the long run
# BENCH_REQUESTS, BENCH_RATE, BENCH_DATABASE (sqlite|postgres). Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/shoporama-target}"

# Release binaries, in one build: the pixel as users build it (with the PostgreSQL store
# compiled in, so one binary serves both databases), the driver and the bare baseline.
cargo build --release -q -p pixel -p shoporama-app-bench --features shoporama-app/postgres

# The Express peer's dependencies, from its lockfile; better-sqlite3 compiles SQLite when no
# prebuilt binary fits, so this only reinstalls when the lockfile changed.
peer=bench/express-peer
if ! cmp -s "$peer/package-lock.json" "$peer/node_modules/.package-lock.json.ci" 2>/dev/null \
  || ! (cd "$peer" && node -e "require('better-sqlite3'); require('express')" 2>/dev/null); then
  (cd "$peer" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$peer/package-lock.json" "$peer/node_modules/.package-lock.json.ci"
fi

BENCH_COMMIT="${BENCH_COMMIT:-$(git describe --always --dirty --abbrev=12)}" \
  exec "$CARGO_TARGET_DIR/release/serve-bench" --peer-dir "$peer" "$@"
