#!/usr/bin/env bash
# Benchmarks certificate import and public verification, each against a baseline in the same run.
#
# (1) Import: a CSV of N rows (default 300,000; one person each) POSTed to
#     /api/v1/certificates/import of a release server on a fresh database. Every row is validated
#     (serial format and stock, GB 11643 check digit, occupation, level, date, duplicates), matched
#     to a recorded exam pass and numbered. Baseline: the database's own CSV loader on the same
#     file into a table of the same columns, no validation — `sqlite3 .import` on SQLite, `COPY`
#     (psql \copy) on PostgreSQL. Reported as the baseline's time ÷ ours (aim ≥ 0.6 on SQLite).
#     Before the measured import, and not counted in it, Benchmarks/passes.py records a pass for
#     every row through the results CSV import.
# (2) Verification: wrk on loopback against /api/v1/verify with random serials among the N stored
#     certificates, against the same server's answer to a route that does not exist (the whole
#     middleware stack, no database) — requests/s and their ratio (aim ≥ 0.7 on SQLite).
# The server's peak resident memory is reported after each.
# Usage: Benchmarks/certificates.sh [rows] [seconds per wrk run]
# BENCH_DATABASE_URL=postgres://… runs both against PostgreSQL (make bench-postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-300000}
export BENCH_SECONDS=${2:-${BENCH_SECONDS:-10}}
. Benchmarks/lib.sh
TMP=$(mktemp -d)
SERVER=""
trap 'stop_server; rm -rf "$TMP"' EXIT
CSV="$TMP/certificates.csv"
python3 Benchmarks/gen_certificates.py "$CSV" "$ROWS"
echo "file: $ROWS rows, $(du -h "$CSV" | cut -f1)"
N=$(python3 -c "print(f'{$ROWS:,}')")

if [ -n "${BENCH_DATABASE_URL:-}" ]; then
  DB=PostgreSQL
  PSQL=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql | sort -V | tail -n 1)
  psql_() { "$PSQL" "${BENCH_DATABASE_URL%%\?*}" -v ON_ERROR_STOP=1 -q "$@"; }
  psql_ -c "CREATE TABLE bench_baseline (serial TEXT PRIMARY KEY, holder_name TEXT, id_number TEXT, occupation TEXT, level TEXT, issued_on TEXT)"
  t0=$(date +%s.%N)
  psql_ -c "\\copy bench_baseline FROM '$CSV' WITH (FORMAT csv, HEADER true)"
  base=$(seconds_since "$t0")
  psql_ -c "DROP TABLE bench_baseline"
  BASELABEL="COPY of the same file (psql \\copy)"
  export DATABASE_URL=$BENCH_DATABASE_URL
else
  DB=SQLite
  sqlite3 "$TMP/baseline.sqlite" "PRAGMA journal_mode=WAL;" >/dev/null
  sqlite3 "$TMP/baseline.sqlite" "CREATE TABLE certificates (serial TEXT PRIMARY KEY, holder_name TEXT, id_number TEXT, occupation TEXT, level TEXT, issued_on TEXT);"
  t0=$(date +%s.%N)
  sqlite3 "$TMP/baseline.sqlite" ".import --csv --skip 1 $CSV certificates"
  base=$(seconds_since "$t0")
  BASELABEL="sqlite3 .import of the same file"
fi

start_server "$TMP" ZHIJIAN_VERIFY_PER_MINUTE=100000000 ${EXTRA_ENV:-}
ADMIN=$(login admin bench-admin)
curl -sf -X POST "$URL/api/v1/users" -H "Authorization: Bearer $ADMIN" -H 'content-type: application/json' \
  -d '{"username":"bj","password":"bench-unit","role":"unit","unitCode":"110000"}' >/dev/null
UNIT=$(login bj bench-unit)
json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }
ORDER=$(curl -sf -X POST "$URL/api/v1/certificate-orders" -H "Authorization: Bearer $UNIT" -H 'content-type: application/json' \
  -d "{\"level\":\"5\",\"quantity\":$ROWS}" | json '["id"]')
curl -sf -X POST "$URL/api/v1/certificate-orders/$ORDER/allocate" -H "Authorization: Bearer $ADMIN" -H 'content-type: application/json' \
  -d '{"unitPriceYuan":"5.00"}' >/dev/null
# The passes the certificates are issued against (not timed as part of the import).
PASSES_ADMIN_TOKEN=$ADMIN PASSES_UNIT_TOKEN=$UNIT python3 Benchmarks/passes.py "$URL" "$CSV"
# A fresh process on the same database, so that the peak memory measured is the import's own.
stop_server
start_server "$TMP" ZHIJIAN_VERIFY_PER_MINUTE=100000000 ${EXTRA_ENV:-}
UNIT=$(login bj bench-unit)
idle_rss=$(peak_rss)

t0=$(date +%s.%N)
RESULT=$(curl -sf -H "Expect:" -X POST "$URL/api/v1/certificates/import" -H "Authorization: Bearer $UNIT" -H 'content-type: text/csv' --data-binary "@$CSV")
ours=$(seconds_since "$t0")
imported=$(echo "$RESULT" | json '["imported"]')
[ "$imported" = "$ROWS" ] || { echo "the import took $imported of $ROWS rows: $(echo "$RESULT" | head -c 600)"; exit 1; }
echo "import: $imported imported, $(echo "$RESULT" | json '["errors"].__len__()') errors ($(python3 -c "print(round($ROWS / $ours))") rows/s); the fresh server's peak RSS before it $idle_rss MiB"
# The aims are SQLite's (issue 14); PostgreSQL's figures are shown beside them.
AIM() { [ "$DB" = SQLite ] && echo "$1" || echo "— (SQLite: $1)"; }
result "certificate import, $N rows ($DB)" "$ours" s "$BASELABEL" "$base" "$(ratio "$base" "$ours")" "$(AIM "≥ 0.6, baseline ÷ ours")" "$(peak_rss)"

cat > "$TMP/verify.lua" <<LUA
math.randomseed(42)
request = function()
  local n = math.random(1, $ROWS)
  return wrk.format("GET", string.format("/api/v1/verify?serial=%012d&name=%%E6%%B5%%8B%%E8%%AF%%95%d", n, n % 1000))
end
LUA
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/no-such-route")" = 404 ] || { echo "the baseline route exists"; exit 1; }
nf=$(rps "$URL/api/v1/no-such-route")
v=$(rps -s "$TMP/verify.lua" "$URL/api/v1/verify")
curl -sf "$URL/api/v1/verify?serial=000000000007&name=%E6%B5%8B%E8%AF%957" | grep -q '"result":"valid"' || { echo "verification answered wrongly"; exit 1; }
result "verification, random of $N ($DB)" "$v" req/s "GET /api/v1/<no such route> (404)" "$nf" "$(ratio "$v" "$nf")" "$(AIM "≥ 0.7")" "$(peak_rss)"
