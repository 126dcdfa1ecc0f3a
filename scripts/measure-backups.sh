#!/usr/bin/env bash
# Measures the backup figures the README records: a migrated database grown
# to SIZE_MB (default 50) of mixed rows, replicated by the pinned Litestream
# to the local in-memory S3, then timed: local snapshot, full restore from the
# replica, point-in-time restore, restore drill. Loopback only; everything in
# a temporary folder, removed at the end.
#   ./scripts/measure-backups.sh [SIZE_MB]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb="${1:-50}"
work="$(mktemp -d)"
cleanup() { kill "${ls_pid:-}" 2>/dev/null || true; sleep 1; kill "${s3_pid:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
go build -o "$work/cotizador" .
go build -o "$work/fakes3" ./internal/s3test/cmd/fakes3
export LITESTREAM_BIN="$(./scripts/litestream.sh)"
export COTIZADOR_DB="$work/data/cotizador.db" FAKES3_ADDR=127.0.0.1:19400 LITESTREAM_METRICS_ADDR=127.0.0.1:19490
source scripts/replicated.env
export COTIZADOR_SNAPSHOT_DIR="$work/snapshots"

"$work/cotizador" migrate up >/dev/null
# Rows the size of a busy shop's years: text that compresses about as well
# as real quotes do (half random hex), in 10,000-row transactions.
python3 - "$COTIZADOR_DB" "$size_mb" <<'PY'
import os, sqlite3, sys
db, mb = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(db)
c.execute("CREATE TABLE IF NOT EXISTS measure_filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
row = 0
while os.path.getsize(db) + (os.path.getsize(db + "-wal") if os.path.exists(db + "-wal") else 0) < mb * 1024 * 1024:
    c.executemany("INSERT INTO measure_filler (body) VALUES (?)",
                  [(os.urandom(100).hex() + "Ventana corrediza de aluminio 3 hojas, vidrio claro 6 mm " * 3,) for _ in range(10000)])
    c.commit()
    row += 10000
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
c.close()
print(f"database: {os.path.getsize(db) / 1048576:.1f} MiB, {row} filler rows", file=sys.stderr)
PY

"$work/fakes3" -addr "$FAKES3_ADDR" -bucket "$LITESTREAM_BUCKET" 2>/dev/null & s3_pid=$!
env -u AWS_CA_BUNDLE "$LITESTREAM_BIN" replicate -config "$LITESTREAM_CONFIG" >"$work/litestream.log" 2>&1 & ls_pid=$!
# Wait for the first snapshot upload.
for _ in $(seq 1 120); do grep -q "snapshot complete" "$work/litestream.log" && break; sleep 0.5; done
sleep 2
mark="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
sleep 2

t() { local s e; s=$(date +%s.%N); "$@" >"$work/out.txt" 2>&1 || { cat "$work/out.txt"; exit 1; }; e=$(date +%s.%N); printf '%6.2f s  %s\n' "$(echo "$e - $s" | bc)" "$*" | sed "s|$work|…|g"; }
t "$work/cotizador" backup snapshot
grep -E "size|tamaño" "$work/out.txt" | sed "s|$work|…|g"
t "$work/cotizador" restore --to "$work/latest.db"
t "$work/cotizador" restore --to "$work/at-mark.db" --timestamp "$mark"
t "$work/cotizador" backup drill
