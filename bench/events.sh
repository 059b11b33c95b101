#!/usr/bin/env bash
# Event latency (issue 6): a release server on a fresh SQLite database; the client
# (tests/examples/event_latency.rs) makes TRANSITIONS assignment transitions one at a time
# and times each `jobEvents` / `assignmentEvents` message against the mutation's response.
# Usage: bench/events.sh [TRANSITIONS]   (default 200)
# Set BIN=path/to/makermatch to use a server binary built elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-200}"
TARGET="${CARGO_TARGET_DIR:-target}"
case "$TARGET" in /*) ;; *) TARGET="$PWD/$TARGET" ;; esac
if [ -z "${BIN:-}" ]; then
  cargo build --release --locked -p makermatch-api --bin makermatch >&2
  BIN="$TARGET/release/makermatch"
fi
# The client's speed hardly matters: the default (dev) profile is enough.
cargo build --locked -p makermatch-tests --example event_latency >&2
WORK="$(mktemp -d)"
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
export RUST_LOG=warn
export MAKERMATCH_AUTH__RATE_LIMIT_PER_MINUTE=0
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" --data-dir "$WORK/data" serve --listen "127.0.0.1:$PORT" 2>"$WORK/server.log" &
SERVER=$!
until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do
  sleep 0.2
  kill -0 $SERVER 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
done
# (Not MAKERMATCH_*: the server reads every such variable as configuration.)
TOKEN="$("$BIN" --data-dir "$WORK/data" token --role admin --sub bench-events)"
EVENTS_BENCH_URL="http://127.0.0.1:$PORT" EVENTS_BENCH_TOKEN="$TOKEN" \
  "$TARGET/debug/examples/event_latency" "$N"
