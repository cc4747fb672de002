#!/usr/bin/env bash
# The service at scale, as deployed: PostgreSQL, three release processes, nginx (scripts/cluster.sh).
#
# 1. Loads ROWS certificates (default 5,000,000) through the import path, 1,000,000 a file, each file
#    POSTed to another process, after Benchmarks/passes.py has recorded the exam pass each row is
#    issued against (results CSV imports, at most 100,000 a session); prints the import's rows/s
#    (the passes' time apart).
# 2. A mixed public load through nginx for SECONDS (default 60) with wrk: 95 % verification of a
#    random stored certificate, 4 % complaint status by receipt, 1 % the published bulletin's JSON —
#    against one process (a second nginx with one upstream) and against three. Prints req/s,
#    p50/p99 latency, 5xx (must be 0) and the ratio to the same setup's /healthz.
# 3. The limiter's cost: verification straight to one process with limits shared in PostgreSQL,
#    against a process of its own with limits in memory (ZHIJIAN_LIMITS=local).
# 4. Each process's peak resident memory.
# Limits stay on, set high enough that the load is not refused (one client address: nginx's).
# Usage: Benchmarks/cluster.sh [rows] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${CLUSTER_URL:-}" ]; then
  command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
  export ZHIJIAN_VERIFY_PER_MINUTE=1000000000 ZHIJIAN_COMPLAINTS_PER_HOUR=1000000 ZHIJIAN_BCRYPT_COST=4
  export CLUSTER_PORT=${CLUSTER_PORT:-18580} PGPORT=${PGPORT:-55480}
  exec env CLUSTER_RUN="$0 ${1:-5000000} ${2:-60}" scripts/cluster.sh
fi
ROWS=$1
DURATION=$2
read -r -a PORTS <<<"$CLUSTER_PORTS"
read -r -a PIDS <<<"$CLUSTER_PIDS"
TMP=$CLUSTER_WORK/bench
mkdir -p "$TMP"
json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }
post() { curl -sf -X POST "$1" -H 'content-type: application/json' "${@:2}"; }
ADMIN=$(post "$CLUSTER_URL/api/v1/auth/login" -d "{\"username\":\"admin\",\"password\":\"$ZHIJIAN_ADMIN_PASSWORD\"}" | json '["token"]')
post "$CLUSTER_URL/api/v1/users" -H "Authorization: Bearer $ADMIN" \
  -d '{"username":"bj","password":"bench-unit-1","role":"unit","unitCode":"110000"}' >/dev/null
UNIT=$(post "$CLUSTER_URL/api/v1/auth/login" -d '{"username":"bj","password":"bench-unit-1"}' | json '["token"]')

# 1. The certificates, through the import path, each file after its passes.
loaded=0; file=0; spent=0; t0=$(date +%s.%N)
while [ "$loaded" -lt "$ROWS" ]; do
  n=$(( ROWS - loaded < 1000000 ? ROWS - loaded : 1000000 ))
  port=${PORTS[$(( file % ${#PORTS[@]} ))]}
  order=$(post "http://127.0.0.1:$port/api/v1/certificate-orders" -H "Authorization: Bearer $UNIT" -d "{\"level\":\"5\",\"quantity\":$n}" | json '["id"]')
  first=$(post "http://127.0.0.1:$port/api/v1/certificate-orders/$order/allocate" -H "Authorization: Bearer $ADMIN" \
    -d '{"unitPriceYuan":"5.00"}' | json '["serialFrom"]')
  python3 Benchmarks/gen_certificates.py "$TMP/c.csv" "$n" "$((10#$first))"
  PASSES_ADMIN_TOKEN=$ADMIN PASSES_UNIT_TOKEN=$UNIT python3 Benchmarks/passes.py "http://127.0.0.1:$port" "$TMP/c.csv"
  i0=$(date +%s.%N)
  imported=$(curl -sf -H "Expect:" -X POST "http://127.0.0.1:$port/api/v1/certificates/import" -H "Authorization: Bearer $UNIT" \
    -H 'content-type: text/csv' --data-binary "@$TMP/c.csv" | json '["imported"]')
  spent=$(echo "$spent + $(date +%s.%N) - $i0" | bc -l)
  [ "$imported" = "$n" ] || { echo "import of file $file: $imported of $n"; exit 1; }
  loaded=$((loaded + n)); file=$((file + 1))
done
t1=$(date +%s.%N)
printf 'import: %d certificates in %d files, %.1f s importing, %.0f rows/s (%.1f s in all with the passes)\n' "$ROWS" "$file" \
  "$spent" "$(echo "$ROWS / $spent" | bc -l)" "$(echo "$t1 - $t0" | bc -l)"

# Complaint receipts and a published bulletin for the mixed load.
RECEIPTS=()
for i in $(seq 1 20); do
  RECEIPTS+=("$(post "$CLUSTER_URL/api/v1/complaints" -d "{\"category\":\"overcharge\",\"description\":\"演示举报 $i：鉴定站超标准收费。\"}" | json '["receipt"]')")
done
PERIOD=$(python3 -c 'import time; t=time.gmtime(time.time()+8*3600); q=(t.tm_mon-1)//3+1; print(f"{t.tm_year-1}Q4" if q==1 else f"{t.tm_year}Q{q-1}")')
YEAR=$(TZ=Asia/Shanghai date +%Y)
post "$CLUSTER_URL/api/v1/bulletins/$PERIOD/publish" -H "Authorization: Bearer $ADMIN" -d "{\"documentNumber\":\"人社鉴通〔$YEAR〕9号\"}" >/dev/null

lua_list() { local out=""; for r in "$@"; do out+="\"$r\","; done; echo "{${out%,}}"; }
cat >"$TMP/mixed.lua" <<LUA
local receipts = $(lua_list "${RECEIPTS[@]}")
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) math.randomseed(os.time() + math.random(1, 100000)); e5 = 0; other = 0 end
request = function()
  local r = math.random(1, 100)
  if r <= 95 then
    local n = math.random(1, $ROWS)
    return wrk.format("GET", string.format("/api/v1/verify?serial=%012d&name=%%E6%%B5%%8B%%E8%%AF%%95%d", n, n % 1000))
  elseif r <= 99 then
    return wrk.format("GET", "/api/v1/complaints/receipt/" .. receipts[math.random(1, #receipts)])
  end
  return wrk.format("GET", "/api/v1/bulletins/$PERIOD")
end
response = function(status, headers, body)
  if status >= 500 then e5 = e5 + 1 elseif status ~= 200 then other = other + 1 end
end
done = function(summary, latency, requests)
  local a, b = 0, 0
  for _, t in ipairs(threads) do a = a + t:get("e5"); b = b + t:get("other") end
  io.write(string.format("RESULT %.0f %.1f %.1f %d %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, a, b))
end
LUA
cat >"$TMP/verify.lua" <<LUA
function init(args) math.randomseed(os.time() + math.random(1, 100000)) end
request = function()
  local n = math.random(1, $ROWS)
  return wrk.format("GET", string.format("/api/v1/verify?serial=%012d&name=%%E6%%B5%%8B%%E8%%AF%%95%d", n, n % 1000))
end
LUA
curl -sf "$CLUSTER_URL/api/v1/verify?serial=000000000007&name=%E6%B5%8B%E8%AF%957" | grep -q '"result":"valid"' \
  || { echo "verification answered wrongly"; exit 1; }

# A second nginx with the first process only.
ONE=$((CLUSTER_PORT + 10))
sed -e "s|listen 127.0.0.1:$CLUSTER_PORT;|listen 127.0.0.1:$ONE;|" -e "s|$CLUSTER_WORK/nginx.pid|$TMP/nginx-one.pid|" \
    -e "/server 127.0.0.1:${PORTS[1]}/d" -e "/server 127.0.0.1:${PORTS[2]}/d" "$CLUSTER_NGINX_CONF" >"$TMP/nginx-one.conf"
nginx -c "$TMP/nginx-one.conf" -p "$CLUSTER_WORK"
trap 'kill $(cat "$TMP/nginx-one.pid") 2>/dev/null || true; kill $LOCAL 2>/dev/null || true' EXIT
sleep 0.5

rps() { wrk -t2 -c32 -d"$1" "${@:2}" | awk '/Requests\/sec/ {print $2}'; }
printf '\n%-28s %10s %9s %9s %5s %8s %12s\n' "mixed load through nginx" "req/s" "p50 ms" "p99 ms" "5xx" "other" "÷ /healthz"
for target in "one:$ONE" "three:$CLUSTER_PORT"; do
  name=${target%%:*}; port=${target##*:}
  h=$(rps 20s "http://127.0.0.1:$port/healthz")
  read -r _ r p50 p99 e5 other < <(wrk -t2 -c32 -d"${DURATION}s" --latency -s "$TMP/mixed.lua" "http://127.0.0.1:$port/" | grep '^RESULT')
  printf '%-28s %10.0f %9.1f %9.1f %5d %8d %12.2f   (/healthz %.0f req/s)\n' "$name process(es)" "$r" "$p50" "$p99" "$e5" "$other" \
    "$(echo "$r / $h" | bc -l)" "$h"
  [ "$e5" = 0 ] || { echo "5xx under load"; exit 1; }
done

# 3. What sharing the limits costs: verification straight to a process, shared vs in memory.
LOCALPORT=$((CLUSTER_PORT + 4))
ZHIJIAN_LIMITS=local DATABASE_URL=$CLUSTER_DATABASE_URL ZHIJIAN_ROOT=$(pwd) ZHIJIAN_KEY_FILE=$CLUSTER_WORK/zhijian.key \
  "$ZHIJIAN_BIN" serve --env production --log warning --hostname 127.0.0.1 --port "$LOCALPORT" >"$TMP/local.log" 2>&1 &
LOCAL=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$LOCALPORT/healthz" >/dev/null && break; sleep 0.2; done
shared=$(rps 20s -s "$TMP/verify.lua" "http://127.0.0.1:${PORTS[0]}/")
local=$(rps 20s -s "$TMP/verify.lua" "http://127.0.0.1:$LOCALPORT/")
printf '\nverification, one process: limits shared in PostgreSQL %.0f req/s, in memory %.0f req/s (shared ÷ memory %.2f)\n' \
  "$shared" "$local" "$(echo "$shared / $local" | bc -l)"

echo
for i in "${!PIDS[@]}"; do
  echo "process ${PORTS[$i]} peak RSS: $(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' "/proc/${PIDS[$i]}/status")"
done
