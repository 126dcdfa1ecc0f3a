#!/usr/bin/env bash
# `make run-replicated`: the app as in production, under Litestream, replicating
# every change to a local in-memory S3 (gofakes3 on 127.0.0.1) — to try
# replication, the Respaldos page, drills and restores without a cloud account.
# The fake S3 forgets everything when this script ends. Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/replicated.env
./scripts/litestream.sh >/dev/null
go build -o bin/fakes3 ./internal/s3test/cmd/fakes3
# Its own session: Ctrl-C reaches Litestream and the app, not the fake S3,
# which must stay up for Litestream's final sync; the trap stops it after.
setsid bin/fakes3 -addr "$FAKES3_ADDR" -bucket "$LITESTREAM_BUCKET" &
fakes3=$!
trap 'kill "$fakes3" 2>/dev/null || true' EXIT
./cotizador migrate up
./cotizador catalog load-demo --if-empty
echo "replicating $COTIZADOR_DB to s3://$LITESTREAM_BUCKET/$LITESTREAM_PATH at $LITESTREAM_ENDPOINT; metrics on $LITESTREAM_METRICS_ADDR" >&2
# Not exec: the trap must stop the fake S3 after Litestream's final sync.
env -u AWS_CA_BUNDLE "$LITESTREAM_BIN" replicate -config "$LITESTREAM_CONFIG" -exec "./cotizador serve"
