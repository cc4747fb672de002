#!/usr/bin/env bash
# Mixed-load soak test: report saves by every unit at once, public verification and public
# complaints, all together for a while against one server on a fresh database; then the audit
# trail is checked against what the clients were told (Benchmarks/soak.py does the talking).
#
#   * one worker per unit saving its 2025Q1 report in a loop (values change every iteration),
#   * 8 workers verifying random issued certificates, 4 filing complaints;
#   * a table per request kind: count, status codes, p50/p99/max latency, requests/s, 5xx;
#   * the audit check: per unit, one create/update event per save that answered 200 (and changed
#     the values), one "value" event per changed field, and nothing for requests that failed;
#   * on SQLite, a baseline: the same report-shaped writes by one process with Python's sqlite3 on
#     a WAL file, one transaction per save — the server's save rate is quoted as a ratio of it;
#   * the server log's lines containing "error" (count and the first 20), and its warnings and
#     worse counted by message (a failed database call is logged as a WARNING).
# Exit status: non-zero on any 5xx, connection error or timeout, wrong answer, or failed audit.
#
# Usage: Benchmarks/soak.sh [seconds, default 30] [units, default 20]
#   ZHIJIAN_BIN=path        use this binary (otherwise `swift build -c release --product zhijian`
#                           first, and .build/release/zhijian)
#   SOAK_DATABASE_URL=postgres://…   an empty PostgreSQL database instead of a fresh SQLite file,
#       e.g. scripts/with-postgres.sh bash -c 'SOAK_DATABASE_URL=$TEST_DATABASE_URL Benchmarks/soak.sh 20'
#   SOAK_BASELINE_SYNCHRONOUS=FULL|NORMAL|OFF   the baseline's PRAGMA synchronous (default FULL,
#       SQLite's and so the server's default unless it sets another)
#   SOAK_KEEP=1             keep the temporary directory (database, server log) even on success
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-30}
UNITS=${2:-20}
[[ "$DURATION" =~ ^[0-9]+$ && "$DURATION" -ge 1 ]] || { echo "seconds must be a positive whole number" >&2; exit 2; }
[[ "$UNITS" =~ ^[0-9]+$ && "$UNITS" -ge 1 && "$UNITS" -le 999 ]] || { echo "units must be 1…999" >&2; exit 2; }

if [ -z "${ZHIJIAN_BIN:-}" ]; then
  swift build -c release --product zhijian >/dev/null
fi
BIN=${ZHIJIAN_BIN:-.build/release/zhijian}
[ -x "$BIN" ] || { echo "no executable at $BIN" >&2; exit 2; }

TMP=$(mktemp -d /tmp/zhijian-soak.XXXXXX)
SERVER=""
STATUS=1
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  if [ "$STATUS" = 0 ] && [ "${SOAK_KEEP:-}" != 1 ]; then rm -rf "$TMP"; else echo "kept $TMP (database and server.log)"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "${SOAK_DATABASE_URL:-}" ]; then
  case "$SOAK_DATABASE_URL" in postgres://*|postgresql://*) ;; *) echo "SOAK_DATABASE_URL must be a postgres:// URL" >&2; exit 2;; esac
  DB_URL=$SOAK_DATABASE_URL
  DB_NAME="PostgreSQL $(printf '%s' "${SOAK_DATABASE_URL%%\?*}" | sed -E 's#//[^@/]*@#//#')"  # no credentials
  BASELINE=()
else
  DB_URL="sqlite://$TMP/soak.sqlite"
  DB_NAME="SQLite $TMP/soak.sqlite"
  BASELINE=(--sqlite-baseline-dir "$TMP")
fi

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ADMIN_PASSWORD="soak-admin-$RANDOM$RANDOM"
# The working directory is the repository: the server reads Resources/ and Public/ relative to it.
DATABASE_URL="$DB_URL" ZHIJIAN_KEY_FILE="$TMP/zhijian.key" ZHIJIAN_ADMIN_PASSWORD="$ADMIN_PASSWORD" ZHIJIAN_BCRYPT_COST=4 \
  ZHIJIAN_VERIFY_PER_MINUTE=100000000 ZHIJIAN_COMPLAINTS_PER_HOUR=100000000 \
  "$BIN" serve --env production --log warning --hostname 127.0.0.1 --port "$PORT" >"$TMP/server.log" 2>&1 &
SERVER=$!
up=""
for _ in $(seq 600); do   # up to 60 s: the first start migrates the database
  if curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then up=1; break; fi
  kill -0 "$SERVER" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$up" ]; then
  echo "the server did not come up; the start of its log:" >&2
  head -n 20 "$TMP/server.log" | cut -c1-300 >&2
  exit 2
fi
echo "soak: $BIN on $DB_NAME, port $PORT, ${DURATION} s, $UNITS units"

set +e
python3 -u Benchmarks/soak.py --port "$PORT" --seconds "$DURATION" --units "$UNITS" \
  --admin-password "$ADMIN_PASSWORD" "${BASELINE[@]}"
STATUS=$?
set -e

echo
echo "server peak RSS: $(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' /proc/$SERVER/status 2>/dev/null || echo '?')"
kill -0 "$SERVER" 2>/dev/null || { echo "the server died during the soak"; STATUS=1; }
LOG="$TMP/server.log"
errors=$(grep -ci "error" "$LOG" || true)
# The server logs a failed database call (e.g. SQLite's "database is locked") as a WARNING, so
# warnings and worse are summarised too, by message with the request ids stripped.
problems=$(grep -cE '^\[ (WARNING|ERROR|CRITICAL) \]' "$LOG" || true)
echo "server log: $errors lines containing \"error\" (any case), $problems at WARNING or worse"
if [ "$problems" -gt 0 ]; then
  echo "  by message:"
  grep -E '^\[ (WARNING|ERROR|CRITICAL) \]' "$LOG" | sed -E 's/ *\[request-id: [^]]*\]//' | cut -c1-200 \
    | sort | uniq -c | sort -rn | head -n 10 | sed 's/^/  /'
fi
if [ "$errors" -gt 0 ]; then
  echo "  the first 20 lines containing \"error\":"
  grep -i "error" "$LOG" | head -n 20 | cut -c1-300 | sed 's/^/    /'
fi
exit "$STATUS"
