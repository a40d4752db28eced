#!/usr/bin/env bash
# Crash test of the durable inbox: 5,000 callbacks at the ledger app (tests/bin/inbox_app.rs)
# as a server process, `kill -9` at three random moments, restarted each time; every
# acknowledged callback must be booked exactly once. SQLite always; PostgreSQL too when
# SHOPORAMA_TEST_POSTGRES_URL is set. Also the SIGTERM (graceful shutdown) test.
#   INBOX_CRASH_CALLBACKS=N   callbacks (default 5000)
#   INBOX_TEST_SEED=N         repeat a run's kill moments
#   INBOX_TEST_LOG=debug      the server processes' logs on stderr
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/shoporama-target}"
cargo test -p shoporama-app-tests --features shoporama-app/postgres --test inbox_crash -- --nocapture "$@"
