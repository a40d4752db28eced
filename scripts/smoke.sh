#!/usr/bin/env bash
# The newcomer's path, from the README alone: a fresh crate outside the workspace whose
# Cargo.toml dependencies and src/main.rs are the README's snippets (taken from README.md
# between the `<!-- smoke:…:start/end -->` markers, so the README cannot drift), then
# `cargo test`, then serving it and asking `GET /healthz`. Run by .ci/run.
#
# Uses the shared CARGO_TARGET_DIR (default ~/.cache/shoporama-target) and the workspace's
# Cargo.lock, so the dependencies already built for the workspace are reused.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/shoporama-target}"
work="$(mktemp -d "${TMPDIR:-/tmp}/shoporama-smoke.XXXXXX")"
server=""
cleanup() {
  if [[ -n "$server" ]] && kill -0 "$server" 2>/dev/null; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# The lines between `<!-- smoke:$1:start -->` and `<!-- smoke:$1:end -->`, without the fences.
extract() {
  local text
  text="$(awk -v start="<!-- smoke:$1:start -->" -v end="<!-- smoke:$1:end -->" \
    '$0 == start { on = 1; next } $0 == end { on = 0 } on' "$repo/README.md" | sed '/^```/d')"
  if [[ -z "$text" ]]; then
    echo "smoke: README.md has no smoke:$1 block" >&2
    exit 1
  fi
  printf '%s\n' "$text"
}

app="$work/big-orders"
mkdir -p "$app/src"
{
  cat <<TOML
[package]
name = "big-orders"
version = "0.1.0"
edition = "2024"
publish = false

# Not part of any workspace.
[workspace]

TOML
  # The README's path points at a checkout next to the app; here it is this repository.
  extract cargo-toml | sed "s#path = \"../shoporama-app/shoporama-app\"#path = \"$repo/shoporama-app\"#"
} > "$app/Cargo.toml"
extract main-rs > "$app/src/main.rs"
grep -q "path = \"$repo/shoporama-app\"" "$app/Cargo.toml" || {
  echo "smoke: the README's dependency snippet no longer has the path form smoke.sh rewrites" >&2
  exit 1
}
echo "smoke: $(grep -c '' "$app/src/main.rs") lines of src/main.rs from README.md"
# The workspace's versions of every dependency: already in the shared target dir.
cp "$repo/Cargo.lock" "$app/Cargo.lock"

cd "$app"
echo "== smoke: cargo test"
cargo test
echo "== smoke: cargo build"
cargo build

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
echo "== smoke: serve on 127.0.0.1:$port"
SHOPORAMA_APP_TOKEN=smoke-token DATABASE_URL="sqlite://$work/shops.db" \
  SHOPORAMA_LISTEN="127.0.0.1:$port" RUST_LOG=warn \
  "$CARGO_TARGET_DIR/debug/big-orders" serve &
server=$!
healthy=""
for _ in $(seq 1 100); do
  if answer="$( { exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'GET /healthz HTTP/1.1\r\nHost: smoke\r\nConnection: close\r\n\r\n' >&3 && cat <&3; } 2>/dev/null)"; then
    if [[ "$answer" == "HTTP/1.1 200"* ]]; then
      healthy=1
      break
    fi
  fi
  kill -0 "$server" 2>/dev/null || { echo "smoke: the app exited before it was healthy" >&2; exit 1; }
  sleep 0.2
done
[[ -n "$healthy" ]] || { echo "smoke: GET /healthz never answered 200" >&2; exit 1; }
echo "smoke: GET /healthz -> 200 ${answer##*$'\r\n\r\n'}"
kill -TERM "$server"
status=0
wait "$server" || status=$?
server=""
[[ "$status" == 0 ]] || { echo "smoke: the app exited $status on SIGTERM" >&2; exit 1; }
echo "smoke: ok (tested, served, stopped cleanly)"
