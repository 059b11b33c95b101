#!/usr/bin/env bash
# Import throughput (issue 3): 100,000 generated facilities as one OKW JSON file
# (bench/okw_facilities.py), imported into an empty SQLite database, then again (all
# unchanged). Baseline in the same run: the demo generator writing as many facilities
# (batched inserts, no parsing or term resolution; its facilities carry more machines).
# Usage: bench/import.sh [FACILITIES]   (default 100000)
#        BENCH_BIN=/path/to/makermatch bench/import.sh   (another build, e.g. main's)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
if [ -z "${BENCH_BIN:-}" ]; then
  cargo build --release --locked -p makermatch-api --bin makermatch >&2
fi
BIN="${BENCH_BIN:-$PWD/target/release/makermatch}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export RUST_LOG=warn

now() { date +%s.%N; }

python3 bench/okw_facilities.py "$N" > "$WORK/facilities.json"
size=$(du -h "$WORK/facilities.json" | cut -f1)
# Baseline: the same number of facilities written by the demo generator (no parsing).
t0=$(now)
"$BIN" --data-dir "$WORK/gen" demo --facilities "$N" --makers 0 --seed 1 > /dev/null
t1=$(now)
# The import of new records, three times into fresh data dirs (the machine is shared:
# the median is the figure), then the re-import of the last one (all unchanged).
runs=()
for i in 1 2 3; do
  rm -rf "$WORK/import"
  "$BIN" --data-dir "$WORK/import" migrate > /dev/null
  a=$(now)
  "$BIN" --data-dir "$WORK/import" import "$WORK/facilities.json" > "$WORK/summary.txt"
  b=$(now)
  runs+=("$a" "$b")
done
t3=$(now)
"$BIN" --data-dir "$WORK/import" import "$WORK/facilities.json" > "$WORK/summary2.txt"
t4=$(now)

python3 - "$N" "$t0" "$t1" "$t3" "$t4" "$size" "${runs[@]}" <<'PY'
import sys
n = int(sys.argv[1]); t0, t1, t3, t4 = map(float, sys.argv[2:6]); size = sys.argv[6]
r = list(map(float, sys.argv[7:]))
imports = sorted(b - a for a, b in zip(r[0::2], r[1::2]))
demo, again, imp = t1 - t0, t4 - t3, imports[len(imports) // 2]
print(f"facilities: {n} ({size} of OKW JSON)")
print(f"baseline demo write: {demo:.1f} s = {n/demo:,.0f} facilities/s")
print("import (new), 3 runs: " + ", ".join(f"{t:.2f} s" for t in imports))
print(f"import (new), median: {imp:.2f} s = {n/imp:,.0f} records/s  (ratio to baseline {demo/imp:.2f})")
print(f"re-import (unchanged): {again:.1f} s = {n/again:,.0f} records/s")
PY
grep -E "^facilities" "$WORK/summary.txt" "$WORK/summary2.txt" | sed 's/^.*summary/summary/'
