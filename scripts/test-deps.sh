#!/usr/bin/env bash
# Installs what the tests need and a fresh Debian machine lacks: Debian's
# Chromium for the browser tests, poppler-utils for the PDF tests and Caddy for
# the reverse-proxy test of deploy/Caddyfile. Idempotent and quiet when all is there.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  echo "installing chromium (Debian package) for the browser tests…"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
# pdftotext (poppler-utils) reads the generated PDFs back in the tests.
if ! command -v pdftotext >/dev/null 2>&1; then
  echo "installing poppler-utils (Debian package) for the PDF tests…"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq poppler-utils >/dev/null
fi
# Caddy (the Debian package; its service is not wanted on a test machine, so
# it is stopped and disabled when systemd runs) puts the real proxy of
# deploy/Caddyfile in front of the app in TestProductionBehindCaddy.
if ! command -v caddy >/dev/null 2>&1; then
  echo "installing caddy (Debian package) for the reverse-proxy test…"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq caddy >/dev/null
  if [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now caddy >/dev/null 2>&1 || true
  fi
fi
chromium --version 2>/dev/null
