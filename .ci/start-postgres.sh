#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the install-store tests, idempotently.
#
# Meant for CI on Debian/Ubuntu right after `apt-get install postgresql`; works as root (the
# cluster then runs as the `postgres` user) or as any other user. Running it again while the
# cluster is up does nothing; after a reboot it starts the existing cluster again.
#
# Progress goes to stderr; the last (and only) line on stdout is the URL to use:
#   export SHOPORAMA_TEST_POSTGRES_URL="$(.ci/start-postgres.sh)"
#
# Environment overrides: PG_BASE (default /tmp/pg), PG_PORT (default 55432),
# PG_BIN (default: the newest /usr/lib/postgresql/*/bin).
set -euo pipefail

PG_BASE="${PG_BASE:-/tmp/pg}"
PG_PORT="${PG_PORT:-55432}"
PG_DATA="$PG_BASE/data"
PG_LOG="$PG_BASE/log"

log() { printf 'start-postgres: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

if [[ -z "${PG_BIN:-}" ]]; then
    PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
fi
[[ -n "$PG_BIN" && -x "$PG_BIN/initdb" && -x "$PG_BIN/pg_ctl" ]] \
    || die "no PostgreSQL server binaries found (install them with: apt-get install -y postgresql)"

# Run a command as the cluster owner: `postgres` when we are root, ourselves otherwise
# (PostgreSQL refuses to run as root).
if [[ "$(id -u)" -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "user 'postgres' does not exist (apt-get install postgresql creates it)"
    OWNER=postgres
    as_owner() { su -s /bin/sh postgres -c "$(printf '%q ' "$@")"; }
else
    OWNER="$(id -un)"
    as_owner() { "$@"; }
fi

mkdir -p "$PG_BASE"
if [[ "$(id -u)" -eq 0 ]]; then
    chown "$OWNER" "$PG_BASE"
fi

# A data directory without PG_VERSION is the leftover of an interrupted initdb: start over.
if [[ -d "$PG_DATA" && ! -f "$PG_DATA/PG_VERSION" ]]; then
    log "removing incomplete data directory $PG_DATA"
    rm -rf "$PG_DATA"
fi

if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    log "initialising cluster in $PG_DATA with $PG_BIN"
    as_owner "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U postgres >&2
fi

if as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    log "cluster in $PG_DATA is already running"
else
    log "starting cluster on 127.0.0.1:$PG_PORT (log: $PG_LOG)"
    as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -o "-p $PG_PORT -k $PG_BASE -h 127.0.0.1" \
        -l "$PG_LOG" -w -t 60 start >&2 \
        || { tail -n 50 "$PG_LOG" >&2 || true; die "pg_ctl start failed"; }
fi

# Wait until the server accepts connections (pg_ctl -w already waits; this also covers the
# already-running case where the server may still be starting up).
for _ in $(seq 1 60); do
    if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres; then
        echo "postgres://postgres@127.0.0.1:$PG_PORT/postgres"
        exit 0
    fi
    sleep 1
done
tail -n 50 "$PG_LOG" >&2 || true
die "PostgreSQL on 127.0.0.1:$PG_PORT did not become ready"
