#!/usr/bin/env bash
# Load test of the live recalculation: builds the app, serves it on a fresh
# database on loopback (rate limit off: one client IP sends everything),
# creates an owner, loads the prototype catalogue, runs scripts/loadtest
# with 50 connections for 30 s and stops the server.
#   ./scripts/loadtest.sh [connections] [duration] [pace]
# pace (e.g. 300ms) makes each connection send one request that often, as
# a person typing with the editor's debounce does; without it every
# connection sends as fast as it gets answers (saturation).
# LOADGEN=wrk uses wrk (C, one thread; installed from Debian when missing) with
# scripts/loadtest-wrk.lua instead of the Go client, for a load generator that
# takes less of the 2 cores the server shares with it (closed loop only).
set -euo pipefail
cd "$(dirname "$0")/.."
conns=${1:-50}
dur=${2:-30s}
every=${3:-0}
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; [ -n "$pid" ] && wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
go build -o "$tmp/cotizador" .
go build -o "$tmp/loadtest" ./scripts/loadtest
export COTIZADOR_DB="$tmp/c.db" COTIZADOR_ADDR=127.0.0.1:3917 COTIZADOR_RATE_LIMIT=0 COTIZADOR_LOGIN_RATE_LIMIT=0 COTIZADOR_LOG_LEVEL=warn
echo 'Ventana-Corrediza-3-Pulgadas' | "$tmp/cotizador" user create --email prueba@taller.mx --name Carga --role owner --password-stdin >/dev/null
"$tmp/cotizador" catalog load-prototype >/dev/null
"$tmp/cotizador" serve >"$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 50); do curl -fs http://127.0.0.1:3917/api/health/ready >/dev/null && break; sleep 0.1; done
# The server's CPU time (user + system, clock ticks) before and after the
# run: what one request costs the server alone, the generator left out.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$pid/stat"; }
sys() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", $15 / hz }' "/proc/$pid/stat"; }
cpu0=$(cpu) sys0=$(sys)
# The CPU seconds since the run began (awk: bc is not on a fresh Debian).
since() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }
if [ "${LOADGEN:-}" = wrk ]; then
  if ! command -v wrk >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
  fi
  jar="$tmp/cookies"
  csrf() { curl -fsS -b "$jar" -c "$jar" "http://127.0.0.1:3917$1" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1; }
  token=$(csrf /login)
  curl -fsS -o /dev/null -b "$jar" -c "$jar" --data-urlencode "_csrf=$token" --data-urlencode email=prueba@taller.mx \
    --data-urlencode password=Ventana-Corrediza-3-Pulgadas http://127.0.0.1:3917/login
  LOADTEST_CSRF=$(csrf /cotizaciones/nueva)
  LOADTEST_COOKIE=$(awk '!/^#/ || /^#HttpOnly_/ { if (NF >= 7) printf "%s%s=%s", (n++ ? "; " : ""), $6, $7 }' "$jar")
  [ -n "$LOADTEST_CSRF" ] && [ -n "$LOADTEST_COOKIE" ] || { echo "loadtest: could not sign in" >&2; exit 1; }
  export LOADTEST_CSRF LOADTEST_COOKIE
  # One answer checked before the run: a signed-out or refused request
  # would otherwise be measured as fast as a priced one.
  answer=$(curl -fsS -H 'HX-Request: true' -H "Cookie: $LOADTEST_COOKIE" --data-urlencode "_csrf=$LOADTEST_CSRF" \
    --data 'linea=0&unit=cm&iva_rate=16&item-0-product_code=PROTO-COR-3&item-0-width=150&item-0-height=120&item-0-quantity=1' \
    http://127.0.0.1:3917/cotizaciones/calcular) || answer=""
  [[ $answer == *'class="sketch'* ]] || { echo "loadtest: the recalculation did not answer a priced line" >&2; exit 1; }
  wrk -t1 -c"$conns" -d"$dur" --latency -s scripts/loadtest-wrk.lua http://127.0.0.1:3917
  grep -E '^(VmRSS|VmHWM)' "/proc/$pid/status" | sed 's/^/server /'
  echo "server CPU during the run: $(since "$(cpu)" "$cpu0") s, of which in the kernel $(since "$(sys)" "$sys0") s"
  exit 0
fi
"$tmp/loadtest" -url http://127.0.0.1:3917 -email prueba@taller.mx -password 'Ventana-Corrediza-3-Pulgadas' -c "$conns" -d "$dur" -every "$every" -pid "$pid"
echo "server CPU during the run: $(since "$(cpu)" "$cpu0") s, of which in the kernel $(since "$(sys)" "$sys0") s"
