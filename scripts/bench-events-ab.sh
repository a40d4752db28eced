#!/usr/bin/env bash
# Compares two pixel binaries on the event path, alternating, with bare axum measured beside
# each: the server's CPU per request (steadier than requests/s on a shared machine) and the
# requests/s ratio, one line per run, then per binary the means and the median ratio.
#   bash scripts/bench-events-ab.sh ROUNDS PIXEL_A PIXEL_B
#   e.g. cp "$CARGO_TARGET_DIR/release/pixel" /tmp/pixel-before   # then change, rebuild:
#        cargo build --release -p pixel --features shoporama-app/postgres
#        bash scripts/bench-events-ab.sh 4 /tmp/pixel-before "$CARGO_TARGET_DIR/release/pixel"
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/shoporama-target}"
if [ "$#" -ne 3 ]; then
  echo "usage: $0 ROUNDS PIXEL_A PIXEL_B" >&2
  exit 2
fi
rounds="$1"
cargo build --release -q -p shoporama-app-bench
bench="$CARGO_TARGET_DIR/release/serve-bench"
field() { sed -nE "s/^round 1 $1 .*CPU ([0-9.]+) µs\/req.*/\1/p"; }
runs="$(mktemp)"
trap 'rm -f "$runs"' EXIT
for _ in $(seq 1 "$rounds"); do
  for pixel in "$2" "$3"; do
    out="$(BENCH_TARGETS=pixel-event,bare-event BENCH_SECONDS="${BENCH_SECONDS:-4}" BENCH_ROUNDS=1 \
      "$bench" --peer-dir bench/express-peer --pixel "$pixel" 2>&1)"
    cpu_pixel="$(field pixel-event <<<"$out")"
    cpu_bare="$(field bare-event <<<"$out")"
    requests="$(sed -nE 's/^event requests\/s: pixel-event \/ bare-event +([0-9.]+).*/\1/p' <<<"$out")"
    echo "$pixel: CPU µs/req pixel ${cpu_pixel:-?} bare ${cpu_bare:-?}; requests/s pixel/bare ${requests:-?}"
    echo "$pixel ${cpu_pixel:-} ${cpu_bare:-} ${requests:-}" >>"$runs"
  done
done
# Per binary: the mean CPU per request of the pixel and of bare axum beside it, their ratio,
# and the median requests/s ratio (runs that printed no figure are left out).
for pixel in "$2" "$3"; do
  median="$(awk -v pixel="$pixel" '$1 == pixel && NF == 4 { print $4 }' "$runs" | sort -n |
    awk '{ r[NR] = $1 } END { if (NR) print (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2 }')"
  awk -v pixel="$pixel" -v median="${median:-?}" '$1 == pixel && NF == 4 { n++; p += $2; b += $3 }
    END {
      if (n == 0) { print pixel ": no complete run"; exit }
      printf "%s: %d runs, mean CPU µs/req pixel %.1f bare %.1f (pixel/bare %.2f), median requests/s pixel/bare %s\n",
        pixel, n, p / n, b / n, p / b, median
    }' "$runs"
done
