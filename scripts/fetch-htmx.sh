#!/usr/bin/env bash
# Re-fetches the pinned htmx from the npm registry and verifies it against the
# recorded checksum before replacing static/js/htmx.min.js. Run it to prove the
# committed file is the published one, or after changing the pin (then update
# HTMX_SHA256 from a file you have checked).
set -euo pipefail
HTMX_VERSION=2.0.11
HTMX_SHA256=$(grep -v "^#" "$(dirname "$0")/../static/htmx.min.js.sha256" | cut -d" " -f1)
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "htmx.org@${HTMX_VERSION}" >/dev/null)
tar -xzf "$tmp"/htmx.org-${HTMX_VERSION}.tgz -C "$tmp" package/dist/htmx.min.js
got=$(sha256sum "$tmp/package/dist/htmx.min.js" | cut -d' ' -f1)
if [ "$got" != "$HTMX_SHA256" ]; then
  echo "htmx ${HTMX_VERSION}: checksum $got does not match the recorded $HTMX_SHA256" >&2
  exit 1
fi
cp "$tmp/package/dist/htmx.min.js" static/js/htmx.min.js
echo "htmx ${HTMX_VERSION} verified (sha256 $got)"
