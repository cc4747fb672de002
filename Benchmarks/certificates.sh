#!/usr/bin/env bash
# Benchmarks certificate import and public verification, each against a baseline in the same run.
#
# (1) Import: a CSV of N rows (default 1,000,000; one person each) POSTed to
#     /api/v1/certificates/import of a release server on a fresh SQLite file (every row validated:
#     serial format and stock, GB 11643 check digit, occupation, level, date, duplicates, and matched
#     to a recorded exam pass and numbered), against `sqlite3 .import` of the same file into a table
#     of the same shape (no validation) — reported as sqlite3's time ÷ ours (aim ≥ 0.3). Before the
#     measured import, and not counted in it, Benchmarks/passes.py records a pass for every row
#     through the results CSV import (sessions of at most 100,000 results: ten per million).
# (2) Verification: wrk on loopback against /api/v1/verify with random serials among the N stored
#     certificates, against the same server's /healthz — reported as requests/s and their ratio.
# The server's peak resident memory is reported after each.
# Usage: Benchmarks/certificates.sh [rows] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
DURATION=${2:-10}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }
# ZHIJIAN_BIN: a binary already built (otherwise the release build here).
[ -n "${ZHIJIAN_BIN:-}" ] || swift build -c release --product zhijian >/dev/null
BIN=${ZHIJIAN_BIN:-.build/release/zhijian}
TMP=$(mktemp -d)
SERVER=""
trap '[ -z "$SERVER" ] || { kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; }; rm -rf "$TMP"' EXIT
CSV="$TMP/certificates.csv"
python3 Benchmarks/gen_certificates.py "$CSV" "$ROWS"
echo "file: $ROWS rows, $(du -h "$CSV" | cut -f1)"

# Baseline: sqlite3's own CSV import into the same columns.
sqlite3 "$TMP/baseline.sqlite" "PRAGMA journal_mode=WAL;" >/dev/null
sqlite3 "$TMP/baseline.sqlite" "CREATE TABLE certificates (serial TEXT PRIMARY KEY, holder_name TEXT, id_number TEXT, occupation TEXT, level TEXT, issued_on TEXT);"
t0=$(date +%s.%N)
sqlite3 "$TMP/baseline.sqlite" ".import --csv --skip 1 $CSV certificates"
t1=$(date +%s.%N)
base=$(echo "$t1 - $t0" | bc -l)

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
DATABASE_URL="sqlite://$TMP/bench.sqlite" ZHIJIAN_KEY_FILE="$TMP/zhijian.key" ZHIJIAN_ADMIN_PASSWORD=bench-admin ZHIJIAN_BCRYPT_COST=4 \
  ZHIJIAN_VERIFY_PER_MINUTE=100000000 "$BIN" serve --env production --log warning --hostname 127.0.0.1 --port "$PORT" >"$TMP/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.1; done
json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }
ADMIN=$(curl -sf -X POST "$URL/api/v1/auth/login" -H 'content-type: application/json' -d '{"username":"admin","password":"bench-admin"}' | json '["token"]')
curl -sf -X POST "$URL/api/v1/users" -H "Authorization: Bearer $ADMIN" -H 'content-type: application/json' \
  -d '{"username":"bj","password":"bench-unit","role":"unit","unitCode":"110000"}' >/dev/null
UNIT=$(curl -sf -X POST "$URL/api/v1/auth/login" -H 'content-type: application/json' -d '{"username":"bj","password":"bench-unit"}' | json '["token"]')
ORDER=$(curl -sf -X POST "$URL/api/v1/certificate-orders" -H "Authorization: Bearer $UNIT" -H 'content-type: application/json' \
  -d "{\"level\":\"5\",\"quantity\":$ROWS}" | json '["id"]')
curl -sf -X POST "$URL/api/v1/certificate-orders/$ORDER/allocate" -H "Authorization: Bearer $ADMIN" -H 'content-type: application/json' \
  -d '{"unitPriceYuan":"5.00"}' >/dev/null
# The passes the certificates are issued against (not timed as part of the import).
PASSES_ADMIN_TOKEN=$ADMIN PASSES_UNIT_TOKEN=$UNIT python3 Benchmarks/passes.py "$URL" "$CSV"

t0=$(date +%s.%N)
RESULT=$(curl -sf -H "Expect:" -X POST "$URL/api/v1/certificates/import" -H "Authorization: Bearer $UNIT" -H 'content-type: text/csv' --data-binary "@$CSV")
t1=$(date +%s.%N)
ours=$(echo "$t1 - $t0" | bc -l)
imported=$(echo "$RESULT" | json '["imported"]')
echo "import: $imported imported, $(echo "$RESULT" | json '["errors"].__len__()') errors"
[ "$imported" = "$ROWS" ] || { echo "the import took $imported of $ROWS rows: $(echo "$RESULT" | head -c 600)"; exit 1; }
printf 'sqlite3 .import        %8.2f s\n' "$base"
printf 'zhijian import         %8.2f s   (%.0f rows/s)\n' "$ours" "$(echo "$ROWS / $ours" | bc -l)"
ratio=$(echo "$base / $ours" | bc -l)
printf 'speed ratio            %8.2f   (sqlite3 time ÷ ours, with the pass check; aim ≥ 0.3: %s)\n' "$ratio" \
  "$([ "$(echo "$ratio >= 0.3" | bc -l)" = 1 ] && echo met || echo NOT met)"
echo "server peak RSS after import: $(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' /proc/$SERVER/status)"

cat > "$TMP/verify.lua" <<LUA
math.randomseed(42)
request = function()
  local n = math.random(1, $ROWS)
  return wrk.format("GET", string.format("/api/v1/verify?serial=%012d&name=%%E6%%B5%%8B%%E8%%AF%%95%d", n, n % 1000))
end
LUA
rps() { wrk -t2 -c16 -d"${DURATION}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
h=$(rps "$URL/healthz")
v=$(rps -s "$TMP/verify.lua" "$URL/api/v1/verify")
curl -sf "$URL/api/v1/verify?serial=000000000007&name=%E6%B5%8B%E8%AF%957" | grep -q '"result":"valid"' || { echo "verification answered wrongly"; exit 1; }
printf '/healthz               %8.0f req/s\n' "$h"
printf '/api/v1/verify         %8.0f req/s   ratio %.2f (aim ≥ 0.5)\n' "$v" "$(echo "$v / $h" | bc -l)"
echo "server peak RSS: $(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' /proc/$SERVER/status)"
