#!/usr/bin/env bash
# Importing verifiable credentials (issue 22): N makers, then N Open Badges 3.0 credentials
# from one did:key issuer, imported three ways into fresh SQLite data dirs: with an
# eddsa-rdfc-2022 proof (each checked: JSON-LD canonicalisation and Ed25519), as VC-JWT
# (Ed25519 over the JWS), and unsigned (no check: the baseline). Three runs each; the median
# is the figure. Usage: bench/credentials.sh [N]   (default 2000)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-2000}"
cargo build --release --locked -p makermatch-api --bin makermatch --example signed_credentials >&2
BIN="$PWD/target/release/makermatch"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export RUST_LOG=warn
now() { date +%s.%N; }

"$PWD/target/release/examples/signed_credentials" "$N" "$WORK/files" > /dev/null
times=()
for kind in signed.json credentials.jwt unsigned.json; do
  for i in 1 2 3; do
    rm -rf "$WORK/d"
    "$BIN" --data-dir "$WORK/d" import "$WORK/files/makers.json" > /dev/null
    a=$(now)
    "$BIN" --data-dir "$WORK/d" import "$WORK/files/$kind" > "$WORK/summary.txt"
    b=$(now)
    times+=("$kind" "$a" "$b")
  done
  grep -iE "credential" "$WORK/summary.txt" | head -2 | sed "s/^/$kind: /"
done
python3 - "$N" "${times[@]}" <<'PY'
import sys
n = int(sys.argv[1]); rest = sys.argv[2:]
runs = {}
for k, a, b in zip(rest[0::3], rest[1::3], rest[2::3]):
    runs.setdefault(k, []).append(float(b) - float(a))
for k, ts in runs.items():
    ts.sort(); med = ts[len(ts) // 2]
    print(f"{k}: {', '.join(f'{t:.2f} s' for t in ts)}; median {med:.2f} s = {n/med:,.0f} credentials/s")
PY
