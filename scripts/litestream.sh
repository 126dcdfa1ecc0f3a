#!/usr/bin/env bash
# Builds the pinned Litestream CLI into bin/litestream from the separate tools/
# module (its ~120 dependencies stay out of the app's go.mod), unless the
# binary there already is the pinned version. Idempotent; safe to run from
# several test processes at once (a lock, then an atomic rename). Prints the
# binary's path.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
want="$(awk '$1 == "github.com/benbjohnson/litestream" { print $2 }' tools/go.mod)"
[ -n "$want" ] || { echo "litestream.sh: no litestream version pinned in tools/go.mod" >&2; exit 1; }
current() { [ -x bin/litestream ] && env -u AWS_CA_BUNDLE bin/litestream version 2>/dev/null || true; }
if [ "$(current)" != "$want" ]; then
  mkdir -p bin
  exec 9>bin/.litestream.lock
  command -v flock >/dev/null && flock 9
  if [ "$(current)" != "$want" ]; then
    echo "building litestream $want into bin/ (first time: a few minutes on 2 cores)…" >&2
    (cd tools && CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o ../bin/.litestream.tmp github.com/benbjohnson/litestream/cmd/litestream)
    mv bin/.litestream.tmp bin/litestream
  fi
fi
[ "$(current)" = "$want" ] || { echo "litestream.sh: bin/litestream is $(current), want $want" >&2; exit 1; }
echo "$root/bin/litestream"
