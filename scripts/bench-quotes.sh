#!/usr/bin/env bash
# Issue #14's figures at QUOTES quotes (default 100,000): generation time
# (`cotizador dev seed`, through the store), database size per quote and per
# line, VACUUM INTO's size, p50/p95 of every list, search and dashboard read
# and of the pages (scripts/quotebench), `backup snapshot` and restoring that
# snapshot. On demand, not part of make test: a million quotes take most of
# an hour to generate on two cores.
#   ./scripts/bench-quotes.sh [QUOTES] [CUSTOMERS]
# BENCH_DIR=folder keeps the database there and measures it again without
# generating it anew; otherwise everything is in a temporary folder, removed
# at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
quotes=${1:-100000}
customers=${2:-$((quotes / 4))}
work=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$work"
if [ -z "${BENCH_DIR:-}" ]; then trap 'rm -rf "$work"' EXIT; fi
go build -o "$work/cotizador" .
go build -o "$work/quotebench" ./scripts/quotebench
export COTIZADOR_DB="$work/bench.db" COTIZADOR_SNAPSHOT_DIR="$work/snapshots" COTIZADOR_LOG_LEVEL=error

t() {
	local s e
	s=$(date +%s.%N)
	"$@" >"$work/out.txt" 2>&1 || { cat "$work/out.txt"; exit 1; }
	e=$(date +%s.%N)
	printf '%9.2f s  %s\n' "$(echo "$e - $s" | bc)" "$*" | sed "s|$work/||g"
}

if [ ! -f "$COTIZADOR_DB" ]; then
	t "$work/cotizador" dev seed --quotes "$quotes" --customers "$customers"
	grep -E "^listo" "$work/out.txt" | sed "s|$work/||g"
fi
"$work/quotebench" -db "$COTIZADOR_DB"
echo
rm -rf "$COTIZADOR_SNAPSHOT_DIR" "$work/restored.db"
t "$work/cotizador" backup snapshot
snap=$(ls "$COTIZADOR_SNAPSHOT_DIR"/*.db.gz | head -1)
echo "snapshot (VACUUM INTO, gzip, SHA-256): $(stat -c %s "$snap") bytes"
t "$work/cotizador" restore --to "$work/restored.db" --snapshot "$snap"
echo "restored database: $(stat -c %s "$work/restored.db") bytes"
