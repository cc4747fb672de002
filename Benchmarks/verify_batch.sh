#!/usr/bin/env bash
# Times batch verification (POST /api/v1/verify/batch, 1,000 rows) on a SQLite database holding N
# certificates (default 1,000,000): the stock is allocated through the API, the certificates are
# written straight into the table by sqlite3 (the import path is measured by certificates.sh), one
# in a thousand revoked. Each batch mixes valid rows, mismatches, revoked certificates and serials
# never allocated (so the forgery-lead write is part of the time), random over the whole range.
# Prints each batch's time as curl sees it (loopback, JSON and CSV) and the median.
# Usage: Benchmarks/verify_batch.sh [certificates] [batches]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
BATCHES=${2:-10}
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }
# ZHIJIAN_BIN: a binary already built (otherwise the release build here).
[ -n "${ZHIJIAN_BIN:-}" ] || swift build -c release --product zhijian >/dev/null
BIN=${ZHIJIAN_BIN:-.build/release/zhijian}
TMP=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
DB="$TMP/bench.sqlite"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
start() {
  DATABASE_URL="sqlite://$DB" ZHIJIAN_KEY_FILE="$TMP/zhijian.key" ZHIJIAN_ADMIN_PASSWORD=bench-admin ZHIJIAN_BCRYPT_COST=4 \
    "$BIN" serve --env production --log warning --hostname 127.0.0.1 --port "$PORT" >>"$TMP/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 200); do curl -sf "$URL/healthz" >/dev/null && return; sleep 0.1; done
  cat "$TMP/server.log"; exit 1
}
stop() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=; }
json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }

start
ADMIN=$(curl -sf -X POST "$URL/api/v1/auth/login" -H 'content-type: application/json' -d '{"username":"admin","password":"bench-admin"}' | json '["token"]')
curl -sf -X POST "$URL/api/v1/users" -H "Authorization: Bearer $ADMIN" -H 'content-type: application/json' \
  -d '{"username":"bj","password":"bench-unit","role":"unit","unitCode":"110000"}' >/dev/null
UNIT=$(curl -sf -X POST "$URL/api/v1/auth/login" -H 'content-type: application/json' -d '{"username":"bj","password":"bench-unit"}' | json '["token"]')
ORDER=$(curl -sf -X POST "$URL/api/v1/certificate-orders" -H "Authorization: Bearer $UNIT" -H 'content-type: application/json' \
  -d "{\"level\":\"5\",\"quantity\":$N}" | json '["id"]')
curl -sf -X POST "$URL/api/v1/certificate-orders/$ORDER/allocate" -H "Authorization: Bearer $ADMIN" -H 'content-type: application/json' \
  -d '{"unitPriceYuan":"5.00"}' >/dev/null
KEY=$(curl -sf -X POST "$URL/api/v1/api-keys" -H "Authorization: Bearer $ADMIN" -H 'content-type: application/json' \
  -d '{"organisation":"bench","contact":"bench","dailyQuota":1000000}' | json '["key"]')
stop

t0=$(date +%s.%N)
sqlite3 "$DB" <<SQL
PRAGMA journal_mode=WAL;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO certificates (serial, unit_code, status, holder_name, id_number, occupation, level, issued_on, reason)
SELECT printf('%012d', i), '110000', CASE WHEN i % 1000 = 0 THEN 'revoked' ELSE 'issued' END, '测试' || (i % 1000),
       printf('110105%04d0101%03d', 1950 + i % 50, i % 1000) || 'X', '电工', '5', '2026-01-01',
       CASE WHEN i % 1000 = 0 THEN '作弊' ELSE NULL END
FROM n;
ANALYZE;
SQL
t1=$(date +%s.%N)
printf 'loaded %d certificates with sqlite3 in %.1f s\n' "$N" "$(echo "$t1 - $t0" | bc -l)"
start

python3 - "$N" "$BATCHES" "$TMP" <<'PY'
import json, random, sys
n, batches, tmp = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
random.seed(7)
for b in range(batches):
    rows = []
    for _ in range(1000):
        r = random.random()
        i = random.randint(1, n)
        if r < 0.01:
            rows.append({"serial": f"{n + 1 + random.randint(0, 10**6):012d}", "name": "某人"})  # never allocated
        elif r < 0.05:
            rows.append({"serial": f"{i:012d}", "name": "别人"})  # mismatch
        elif r < 0.06:
            i = max(1000, i - i % 1000)
            rows.append({"serial": f"{i:012d}", "name": f"测试{i % 1000}"})  # revoked
        else:
            rows.append({"serial": f"{i:012d}", "name": f"测试{i % 1000}"})
    json.dump({"rows": rows}, open(f"{tmp}/batch{b}.json", "w"), ensure_ascii=False)
    with open(f"{tmp}/batch{b}.csv", "w", encoding="utf-8") as f:
        f.write("serial,name,idNumber\n" + "".join(f"{r['serial']},{r['name']},\n" for r in rows))
PY

measure() {  # kind, content type, extension
  local times=()
  for b in $(seq 0 $((BATCHES - 1))); do
    out=$(curl -s -o "$TMP/answer.json" -w '%{http_code} %{time_total}' -X POST "$URL/api/v1/verify/batch" \
      -H "Authorization: Bearer $KEY" -H "content-type: $2" --data-binary "@$TMP/batch$b.$3")
    code=${out% *}
    [ "$code" = 200 ] || { echo "batch $b answered $code: $(head -c 300 "$TMP/answer.json")"; exit 1; }
    times+=("${out#* }")
  done
  python3 - "$1" "$(python3 -c "import json; print(len(json.load(open('$TMP/answer.json'))['results']))")" "${times[@]}" <<'PY'
import statistics, sys
kind, rows, times = sys.argv[1], sys.argv[2], [float(t) for t in sys.argv[3:]]
print(f"{kind}: {len(times)} batches of {rows} rows: " + " ".join(f"{t * 1000:.0f}" for t in times) + " ms")
print(f"{kind}: median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms")
PY
}
curl -s -o /dev/null -X POST "$URL/api/v1/verify/batch" -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
  --data-binary "@$TMP/batch0.json"  # warm the caches once
measure "JSON" application/json json
measure "CSV " text/csv csv
echo "leads recorded: $(sqlite3 "$DB" 'SELECT COUNT(*) || " rows, " || SUM(lookups) || " lookups" FROM forgery_leads')"
echo "server peak RSS: $(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' /proc/$SERVER/status)"
