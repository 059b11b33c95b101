#!/usr/bin/env bash
# Import throughput (issue 3): 100,000 generated facilities as one OKW JSON file
# (bench/okw_facilities.py), imported into an empty SQLite database, then again (all
# unchanged). Baseline in the same run: the demo generator writing as many facilities
# (batched inserts, no parsing or term resolution; its facilities carry more machines).
# Usage: bench/import.sh [FACILITIES]   (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
cargo build --release --locked -p makermatch-api --bin makermatch >&2
BIN="$PWD/target/release/makermatch"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export RUST_LOG=warn

now() { date +%s.%N; }

python3 bench/okw_facilities.py "$N" > "$WORK/facilities.json"
size=$(du -h "$WORK/facilities.json" | cut -f1)
"$BIN" --data-dir "$WORK/import" migrate > /dev/null
# Baseline: the same number of facilities written by the demo generator (no parsing).
t0=$(now)
"$BIN" --data-dir "$WORK/gen" demo --facilities "$N" --makers 0 --seed 1 > /dev/null
t1=$(now)
t2=$(now)
"$BIN" --data-dir "$WORK/import" import "$WORK/facilities.json" > "$WORK/summary.txt"
t3=$(now)
"$BIN" --data-dir "$WORK/import" import "$WORK/facilities.json" > "$WORK/summary2.txt"
t4=$(now)

python3 - "$N" "$t0" "$t1" "$t2" "$t3" "$t4" "$size" <<'PY'
import sys
n = int(sys.argv[1]); t0, t1, t2, t3, t4 = map(float, sys.argv[2:7]); size = sys.argv[7]
demo, imp, again = t1 - t0, t3 - t2, t4 - t3
print(f"facilities: {n} ({size} of OKW JSON)")
print(f"baseline demo write: {demo:.1f} s = {n/demo:,.0f} facilities/s")
print(f"import (new):        {imp:.1f} s = {n/imp:,.0f} records/s  (ratio to baseline {demo/imp:.2f})")
print(f"re-import (unchanged): {again:.1f} s = {n/again:,.0f} records/s")
PY
grep -E "^facilities" "$WORK/summary.txt" "$WORK/summary2.txt" | sed 's/^.*summary/summary/'
