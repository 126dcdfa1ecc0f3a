#!/usr/bin/env bash
# Container entrypoint: with a bucket configured, the app runs as Litestream's
# child (Litestream restores a missing database first, replicates every
# change, forwards SIGTERM to the app and syncs one last time); without one it
# runs alone, and says so.
set -euo pipefail
if [ -n "${LITESTREAM_BUCKET:-}" ]; then
  # A custom CA bundle variable makes Litestream 0.5 refuse to start; use
  # SSL_CERT_FILE for a private CA instead.
  exec env -u AWS_CA_BUNDLE litestream replicate -config "${LITESTREAM_CONFIG:-/etc/litestream.yml}" -exec "cotizador serve"
fi
echo "LITESTREAM_BUCKET is not set: running WITHOUT continuous backups" >&2
exec cotizador serve
