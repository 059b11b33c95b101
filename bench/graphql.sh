#!/usr/bin/env bash
# GraphQL over HTTP (issue 5): `facilities(near:…, first: 20)` and a 3-level nested query
# against 50,000 generated facilities and 1,000,000 generated makers, with wrk (Debian's
# package). Baseline in the same run: `{ version }`, which touches neither the index nor
# the database. Every response is checked for "errors" (the `bad` count must be 0).
# Usage: bench/graphql.sh [FACILITIES] [MAKERS] [SECONDS]   (defaults 50000 1000000 20)
# Set KEEP=DIR to reuse a generated data dir across runs.
set -euo pipefail
cd "$(dirname "$0")/.."
F="${1:-50000}"; M="${2:-1000000}"; SECS="${3:-20}"
TARGET="${CARGO_TARGET_DIR:-target}"
cargo build --release --locked -p makermatch-api --bin makermatch >&2
case "$TARGET" in /*) ;; *) TARGET="$PWD/$TARGET" ;; esac
BIN="$TARGET/release/makermatch"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
WORK="${KEEP:-$(mktemp -d)}"
[ -n "${KEEP:-}" ] || trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
export RUST_LOG=warn
# One load generator on one IP would hit the per-caller rate limit at once: off for this.
export MAKERMATCH_AUTH__RATE_LIMIT_PER_MINUTE=0
if [ ! -e "$WORK/data/makermatch.db" ]; then
  /usr/bin/time -f "generated in %e s, peak RSS %M KiB" \
    "$BIN" --data-dir "$WORK/data" demo --facilities "$F" --makers "$M" --seed 1 >&2
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" --data-dir "$WORK/data" serve --listen "127.0.0.1:$PORT" 2>"$WORK/server.log" &
SERVER=$!
start=$(date +%s)
until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do
  sleep 1
  kill -0 $SERVER 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
done
echo "server ready (index built) in $(( $(date +%s) - start )) s; RSS $(ps -o rss= -p $SERVER) KiB" >&2

# Variables are sent with every request; a query may ignore undeclared ones.
cat > "$WORK/version.graphql" <<'Q'
{ version }
Q
cat > "$WORK/near.graphql" <<'Q'
query($lat: Float!, $lon: Float!) { facilities(near: {lat: $lat, lon: $lon, radiusKm: 50}, first: 20) { totalCount nodes { id name distanceKm } } }
Q
cat > "$WORK/nested.graphql" <<'Q'
query($lat: Float!, $lon: Float!) { facilities(near: {lat: $lat, lon: $lon, radiusKm: 50}, first: 20) { nodes { name distanceKm equipment { make model properties { key number unit } } makers { name skills { label level } } } } }
Q
for q in version near nested; do
  QUERY_FILE="$WORK/$q.graphql" wrk -t2 -c16 -d"${SECS}s" --latency -s bench/graphql.lua \
    "http://127.0.0.1:$PORT/graphql" | grep RESULT | sed "s/^/$q /"
done
kill $SERVER
