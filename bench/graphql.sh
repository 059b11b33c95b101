#!/usr/bin/env bash
# GraphQL over HTTP (issue 5): `facilities(near:…, first: 20)` and a 3-level nested query
# against 50,000 generated facilities and 1,000,000 generated makers, with wrk (Debian's
# package). Baseline in the same run: `{ version }`, which touches neither the index nor
# the database. Every response is checked for "errors" (the `bad` count must be 0).
# `match`: `matchJob` as an admin, rotating over the demo's first 10 open jobs (the IMA
# trial's tiers and open jobs elsewhere; issue 6), from 16 connections; `match1` the same
# from one connection.
# Usage: bench/graphql.sh [FACILITIES] [MAKERS] [SECONDS]   (defaults 50000 1000000 20)
# Set BIN=path/to/makermatch to use a binary built elsewhere, KEEP=DIR to reuse a generated data dir across runs, QUERIES="match" (any of
# version near nested match match1) to run only some, ROAM=1 to move each centre at random by up to ±2° (pages
# then seldom repeat, and the list cache mostly misses).
set -euo pipefail
cd "$(dirname "$0")/.."
F="${1:-50000}"; M="${2:-1000000}"; SECS="${3:-20}"
TARGET="${CARGO_TARGET_DIR:-target}"
case "$TARGET" in /*) ;; *) TARGET="$PWD/$TARGET" ;; esac
if [ -z "${BIN:-}" ]; then
  cargo build --release --locked -p makermatch-api --bin makermatch >&2
  BIN="$TARGET/release/makermatch"
fi
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
cat > "$WORK/match.graphql" <<'Q'
query($job: ID!) { matchJob(jobId: $job) { score distanceKm facility { id name } makers { makerId name relation } breakdown { factor value } evidence { term source capability } missing { term } } }
Q
TOKEN="$("$BIN" --data-dir "$WORK/data" token --role admin --sub bench-graphql)"
JOB_IDS="$(curl -sf -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"query":"{ jobs(filter: { statuses: [OPEN] }, first: 10) { nodes { id } } }"}' \
  "http://127.0.0.1:$PORT/graphql" |
  python3 -c 'import json,sys; print(",".join(n["id"] for n in json.load(sys.stdin)["data"]["jobs"]["nodes"]))')"
export JOB_IDS
echo "matchJob over $(echo "$JOB_IDS" | tr ',' '\n' | grep -c .) open jobs" >&2
for q in ${QUERIES:-version near nested match match1}; do
  # Only matchJob needs a token (staff only); the others stay anonymous. `match1` is
  # matchJob from one connection: the latency of one request without queueing.
  file="$q"; threads=2; conns=16
  [ "$q" = match1 ] && { file=match; threads=1; conns=1; }
  [ "$file" = match ] && BENCH_TOKEN="$TOKEN" || BENCH_TOKEN=""
  BENCH_TOKEN="$BENCH_TOKEN" QUERY_FILE="$WORK/$file.graphql" wrk -t$threads -c$conns -d"${SECS}s" --latency -s bench/graphql.lua \
    "http://127.0.0.1:$PORT/graphql" | grep RESULT | sed "s/^/$q /"
done
kill $SERVER
