#!/usr/bin/env bash
# Installs what the tests need and a fresh Debian machine lacks: Debian's
# Chromium for the browser tests and poppler-utils for the PDF tests. Idempotent and quiet when all is there.
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
chromium --version 2>/dev/null
