#!/usr/bin/env bash
# Cross-replica lag (issue 24): REPLICAS release servers (2 or 3) on one fresh PostgreSQL
# database, each with its own data dir and `index.replica`. A stdlib-only Python client
# writes N facilities through replica a from WRITERS concurrent connections, paced at RATE
# writes/s in all (0: as fast as they go), while it polls replica b's `searchIndex { appliedSeq }` on a connection of its own. The
# lag of a write is from a's response (a answers once its own index has it) to the first
# poll of b showing the write's outbox entry. Each run is made with PostgreSQL
# notifications (`index.listen = true`, the default) and without (polling every
# `index.poll_interval_ms` only); p50/p99/max lag and the writes per second reached are
# printed per mode.
# With REPLICAS=1 there is no replica b: only the writes per second are measured (run it
# unpaced, RATE=0, against REPLICAS=3 to see what extra replicas cost the writers). After
# each run the indexer phases of replica b (or a) are printed from its /metrics:
# read/load/write/persist/publish, p50 and p99 as histogram bucket bounds.
# Usage: bench/replicas.sh [N] [RATE] [REPLICAS] [WRITERS]   (defaults 500 100 2 8)
# PGURL: a PostgreSQL URL whose user may create databases (default
# postgres://postgres@127.0.0.1:5432/postgres). BIN=path/to/makermatch uses a binary built
# elsewhere; MODES="on" (or "off") runs only one mode.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-500}"; RATE="${2:-100}"; REPLICAS="${3:-2}"; WRITERS="${4:-8}"
MODES="${MODES:-on off}"
PGURL="${PGURL:-postgres://postgres@127.0.0.1:5432/postgres}"
TARGET="${CARGO_TARGET_DIR:-target}"
case "$TARGET" in /*) ;; *) TARGET="$PWD/$TARGET" ;; esac
if [ -z "${BIN:-}" ]; then
  cargo build --release --locked -p makermatch-api --bin makermatch >&2
  BIN="$TARGET/release/makermatch"
fi
command -v psql >/dev/null || { echo "psql is needed: apt-get install postgresql-client" >&2; exit 1; }
case "$REPLICAS" in 1|2|3) ;; *) echo "REPLICAS must be 1, 2 or 3" >&2; exit 1 ;; esac

WORK="$(mktemp -d)"
DB="makermatch_bench_replicas_$$"
# The database URL with its database name replaced.
DBURL="$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$PGURL" "$DB")"
SERVERS=()
stop_servers() {
  for pid in "${SERVERS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${SERVERS[@]}"; do wait "$pid" 2>/dev/null || true; done
  SERVERS=()
}
cleanup() {
  stop_servers
  psql -q "$PGURL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

export RUST_LOG=warn
export MAKERMATCH_AUTH__RATE_LIMIT_PER_MINUTE=0
# Every replica must accept the others' tokens.
export MAKERMATCH_AUTH__HS256_SECRET="bench-replicas-shared-secret-0123456789abcdef"
export MAKERMATCH_DATABASE_URL="$DBURL"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cat > "$WORK/client.py" <<'PY'
"""Writes through replica a, watches replica b's applied outbox entry, prints lags."""
import base64, http.client, json, statistics, subprocess, sys, threading, time, urllib.parse

a_url, b_url, token, n, rate, writers, db_url = (sys.argv[1], sys.argv[2], sys.argv[3],
    int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), sys.argv[7])
MUTATION = "mutation($i: FacilityInput!) { createFacility(input: $i) { id } }"

def connect(url):
    u = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=30)

def post(conn, query, variables=None):
    body = json.dumps({"query": query, "variables": variables or {}})
    conn.request("POST", "/graphql", body, {"Content-Type": "application/json", "Authorization": "Bearer " + token})
    answer = json.loads(conn.getresponse().read())
    if answer.get("errors"):
        raise SystemExit(f"errors: {answer['errors']}")
    return answer["data"]

def applied(conn):
    return post(conn, "{ searchIndex { appliedSeq } }")["searchIndex"]["appliedSeq"]

def phases(url):
    """p50/p99 (bucket upper bounds) of the indexer's phases, from /metrics."""
    conn = connect(url)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    buckets = {}
    for line in text.splitlines():
        if line.startswith("makermatch_index_step_seconds_bucket{"):
            labels, value = line[len("makermatch_index_step_seconds_bucket{"):].rsplit("} ", 1)
            fields = dict(kv.split("=", 1) for kv in labels.split(","))
            phase, le = fields["phase"].strip('"'), fields["le"].strip('"')
            buckets.setdefault(phase, []).append((float("inf") if le == "+Inf" else float(le), float(value)))
    out = []
    for phase in ["read", "load", "write", "persist", "publish"]:
        b = sorted(buckets.get(phase, []))
        if not b or b[-1][1] == 0:
            continue
        total = b[-1][1]
        bound = lambda q: next(le for le, c in b if c >= q * total)
        out.append(f"{phase} p50 <= {bound(0.5) * 1000:g} ms, p99 <= {bound(0.99) * 1000:g} ms")
    return "; ".join(out)

a = connect(a_url)
b = connect(b_url) if b_url != "-" else None
base = applied(a)
# When b first showed each outbox entry (or a later one).
seen_at = {}
# How long each poll of b took to answer: a lag is only seen this late.
poll_rtts = []
done = threading.Event()
def watch():
    conn = connect(b_url)
    last = applied(conn)
    while not done.is_set():
        asked = time.monotonic()
        now_applied = applied(conn)
        t = time.monotonic()
        poll_rtts.append(t - asked)
        for seq in range(last + 1, now_applied + 1):
            seen_at[seq] = t
        last = max(last, now_applied)
        time.sleep(0.001)
watcher = threading.Thread(target=watch, daemon=True)
if b:
    watcher.start()

# When a answered each write, by facility id.
answered = {}
start = time.monotonic()
def write(first):
    conn = connect(a_url)
    for i in range(first, n, writers):
        if rate > 0:
            pause = start + i / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        made = post(conn, MUTATION, {"i": {"name": f"Replica bench facility {i}"}})
        # A global ID: base64 of `Facility:<uuid>`.
        uuid = base64.b64decode(made["createFacility"]["id"]).decode().split(":", 1)[1]
        answered[uuid] = time.monotonic()
threads = [threading.Thread(target=write, args=(k,)) for k in range(writers)]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.monotonic() - start
if not b:
    print(f"{n} writes from {writers} connections at {n / elapsed:.1f}/s (no second replica)")
    print(f"  indexer phases on a: {phases(a_url)}")
    raise SystemExit(0)
# Which outbox entry each write appended (each createFacility appends exactly one).
rows = subprocess.run(["psql", "-qAt", "-F", " ", db_url, "-c",
                       f"SELECT seq, entity_id FROM outbox WHERE seq > {base}"],
                      check=True, capture_output=True, text=True).stdout.split("\n")
seq_of = {entity: int(seq) for seq, entity in (r.split(" ") for r in rows if r)}
if set(seq_of) != set(answered):
    raise SystemExit(f"{len(answered)} writes answered (e.g. {next(iter(answered))}), "
                     f"{len(seq_of)} outbox entries after {base} (e.g. {next(iter(seq_of))})")
deadline = time.monotonic() + 30
while any(s not in seen_at for s in seq_of.values()) and time.monotonic() < deadline:
    time.sleep(0.01)
done.set()
watcher.join()
missing = [s for s in seq_of.values() if s not in seen_at]
if missing:
    raise SystemExit(f"replica b never showed {len(missing)} writes within 30 s")
lags = sorted(max(0.0, seen_at[seq_of[id]] - t) * 1000 for id, t in answered.items())
q = statistics.quantiles(lags, n=100, method="inclusive")
print(f"{n} writes from {writers} connections at {n / elapsed:.1f}/s; lag on b after a answered: "
      f"p50 {q[49]:.1f} ms, p90 {q[89]:.1f} ms, p95 {q[94]:.1f} ms, p99 {q[98]:.1f} ms, max {lags[-1]:.1f} ms, "
      f"{sum(1 for l in lags if l == 0.0)} already visible")
r = sorted(poll_rtts)
print(f"  polls of b: {len(r)}, answered in p50 {r[len(r) // 2] * 1000:.1f} ms, "
      f"p99 {r[len(r) * 99 // 100] * 1000:.1f} ms, max {r[-1] * 1000:.1f} ms")
print(f"  indexer phases on b: {phases(b_url)}")
PY

psql -q "$PGURL" -c "CREATE DATABASE $DB" >/dev/null
# Migrate once, before replicas race to do it.
"$BIN" --data-dir "$WORK/migrate" migrate >/dev/null 2>&1 || true

for mode in $MODES; do
  case "$mode" in
    # The default, left unset so a binary older than the key runs too (it only polls).
    on) unset MAKERMATCH_INDEX__LISTEN ;;
    off) export MAKERMATCH_INDEX__LISTEN=false ;;
    *) echo "unknown mode $mode (on or off)" >&2; exit 1 ;;
  esac
  URLS=()
  for r in a b c; do
    [ "$r" = b ] && [ "$REPLICAS" -lt 2 ] && break
    [ "$r" = c ] && [ "$REPLICAS" -lt 3 ] && break
    port=$(free_port)
    MAKERMATCH_INDEX__REPLICA="$r" "$BIN" --data-dir "$WORK/$mode-$r" serve \
      --listen "127.0.0.1:$port" 2>"$WORK/$mode-$r.log" &
    SERVERS+=($!)
    URLS+=("http://127.0.0.1:$port")
    until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do
      sleep 0.2
      kill -0 "${SERVERS[-1]}" 2>/dev/null || { cat "$WORK/$mode-$r.log" >&2; exit 1; }
    done
  done
  TOKEN="$("$BIN" --data-dir "$WORK/$mode-a" token --role admin --sub bench-replicas)"
  printf 'notifications %-3s %s replicas: ' "$mode" "$REPLICAS"
  python3 "$WORK/client.py" "${URLS[0]}" "${URLS[1]:--}" "$TOKEN" "$N" "$RATE" "$WRITERS" "$DBURL"
  stop_servers
done
