#!/usr/bin/env bash
# Benchmarks deriving columns 1–24 for every unit for one quarter (GET /api/v1/derived/{period})
# from a demo database of about 1,000,000 exam sessions, against the same aggregation written as
# plain SQL (Benchmarks/derive.sql) and run by sqlite3 on the same file, in the same run.
# Usage: Benchmarks/derive.sh [scale, default 5 ≈ 990,000 sessions] [runs, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${1:-5}
RUNS=${2:-5}
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }
# ZHIJIAN_BIN: a binary already built (otherwise the release build here).
[ -n "${ZHIJIAN_BIN:-}" ] || swift build -c release --product zhijian >/dev/null
BIN=${ZHIJIAN_BIN:-.build/release/zhijian}
TMP=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$TMP"' EXIT
export DATABASE_URL="sqlite://$TMP/demo.sqlite" ZHIJIAN_KEY_FILE="$TMP/zhijian.key" ZHIJIAN_ADMIN_PASSWORD=bench-admin ZHIJIAN_BCRYPT_COST=4
t0=$(date +%s.%N); "$BIN" demo-data --scale "$SCALE" | tail -1; t1=$(date +%s.%N)
printf 'demo data written in %.1f s\n' "$(echo "$t1 - $t0" | bc -l)"
# The last complete quarter.
read -r PERIOD FROM TO < <(python3 -c '
import datetime
d = datetime.date.today(); q = (d.month - 1) // 3 + 1
y, q = (d.year - 1, 4) if q == 1 else (d.year, q - 1)
last = [31, 30, 30, 31][q - 1]
print(f"{y}Q{q} {y}-{3*q-2:02d}-01 {y}-{3*q:02d}-{last:02d}")')
echo "sessions in $PERIOD: $(sqlite3 "$TMP/demo.sqlite" "SELECT COUNT(*) FROM exam_sessions WHERE date >= '$FROM' AND date <= '$TO'") of $(sqlite3 "$TMP/demo.sqlite" 'SELECT COUNT(*) FROM exam_sessions')"
sed -e "s/:from/$FROM/g" -e "s/:to/$TO/g" Benchmarks/derive.sql > "$TMP/derive.sql"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
"$BIN" serve --env production --log warning --hostname 127.0.0.1 --port "$PORT" >"$TMP/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.1; done
TOKEN=$(curl -sf -X POST "$URL/api/v1/auth/login" -H 'content-type: application/json' -d '{"username":"admin","password":"bench-admin"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
curl -sf -H "Authorization: Bearer $TOKEN" "$URL/api/v1/derived/$PERIOD" >/dev/null   # warm the page cache alike for both

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ours=$(for _ in $(seq "$RUNS"); do
  curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOKEN" "$URL/api/v1/derived/$PERIOD"; done | median)
plain=$(for _ in $(seq "$RUNS"); do
  s=$(date +%s.%N); sqlite3 "$TMP/demo.sqlite" < "$TMP/derive.sql" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; done | median)
printf 'sqlite3, plain SQL      %8.3f s (median of %d)\n' "$plain" "$RUNS"
printf 'zhijian /derived        %8.3f s (median of %d)\n' "$ours" "$RUNS"
printf 'ratio                   %8.2f   (ours ÷ sqlite3; aim ≤ 2)\n' "$(echo "$ours / $plain" | bc -l)"
echo "server peak RSS: $(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' /proc/$SERVER/status)"
