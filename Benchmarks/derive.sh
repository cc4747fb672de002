#!/usr/bin/env bash
# Benchmarks deriving columns 1–24 for every unit for one quarter (GET /api/v1/derived/{period})
# from a demo database of about 1,000,000 exam sessions, against two measures run by sqlite3 on
# the same file, in the same run: the same reads written as plain SQL (Benchmarks/derive.sql), and
# one indexed pass over the quarter's sessions (SELECT sum(candidates) … WHERE date BETWEEN …), the
# least any derivation must read. The three are timed in turn in each run, so that load from
# elsewhere falls on all of them alike; each figure is the median of the runs.
# Usage: Benchmarks/derive.sh [scale, default 5 ≈ 990,000 sessions] [runs, default 5]
# BENCH_RESULTS=file appends one tab-separated line: work, ours, unit, baseline label, baseline,
# ratio (ours ÷ baseline), aim, server peak RSS in MiB.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${1:-5}
RUNS=${2:-5}
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }
# ZHIJIAN_BIN: a binary already built (otherwise the release build here).
[ -n "${ZHIJIAN_BIN:-}" ] || swift build -c release --product zhijian >/dev/null
BIN=${ZHIJIAN_BIN:-.build/release/zhijian}
TMP=$(mktemp -d)
SERVER=
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$TMP"' EXIT
export DATABASE_URL="sqlite://$TMP/demo.sqlite" ZHIJIAN_KEY_FILE="$TMP/zhijian.key" ZHIJIAN_ADMIN_PASSWORD=bench-admin ZHIJIAN_BCRYPT_COST=4
t0=$(date +%s.%N); "$BIN" demo-data --scale "$SCALE" | tail -1; t1=$(date +%s.%N)
printf 'demo data written in %.1f s\n' "$(echo "$t1 - $t0" | bc -l)"
# The last complete quarter.
# START and END: its first instant and the next quarter's in Beijing, as SQLite holds dates.
read -r PERIOD FROM TO START END < <(python3 -c '
import datetime
d = datetime.date.today(); q = (d.month - 1) // 3 + 1
y, q = (d.year - 1, 4) if q == 1 else (d.year, q - 1)
last = [31, 30, 30, 31][q - 1]
bj = datetime.timezone(datetime.timedelta(hours=8))
start = datetime.datetime(y, 3 * q - 2, 1, tzinfo=bj)
end = datetime.datetime(y + 1, 1, 1, tzinfo=bj) if q == 4 else datetime.datetime(y, 3 * q + 1, 1, tzinfo=bj)
print(f"{y}Q{q} {y}-{3*q-2:02d}-01 {y}-{3*q:02d}-{last:02d} {int(start.timestamp())} {int(end.timestamp())}")')
SESSIONS=$(sqlite3 "$TMP/demo.sqlite" 'SELECT COUNT(*) FROM exam_sessions')
echo "sessions in $PERIOD: $(sqlite3 "$TMP/demo.sqlite" "SELECT COUNT(*) FROM exam_sessions WHERE date >= '$FROM' AND date <= '$TO'") of $SESSIONS"
sed -e "s/:from/$FROM/g" -e "s/:to/$TO/g" -e "s/:start/$START/g" -e "s/:end/$END/g" Benchmarks/derive.sql > "$TMP/derive.sql"
echo "SELECT sum(candidates) FROM exam_sessions WHERE date BETWEEN '$FROM' AND '$TO';" > "$TMP/pass.sql"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
"$BIN" serve --env production --log warning --hostname 127.0.0.1 --port "$PORT" >"$TMP/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.1; done
TOKEN=$(curl -sf -X POST "$URL/api/v1/auth/login" -H 'content-type: application/json' -d '{"username":"admin","password":"bench-admin"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
# Warm the page cache alike for all three.
curl -sf -H "Authorization: Bearer $TOKEN" "$URL/api/v1/derived/$PERIOD" >/dev/null
sqlite3 "$TMP/demo.sqlite" < "$TMP/derive.sql" >/dev/null
sqlite3 "$TMP/demo.sqlite" < "$TMP/pass.sql" >/dev/null

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
sqlite_time() { local s e; s=$(date +%s.%N); sqlite3 "$TMP/demo.sqlite" < "$1" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
for _ in $(seq "$RUNS"); do
  curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOKEN" "$URL/api/v1/derived/$PERIOD" >>"$TMP/ours"
  sqlite_time "$TMP/derive.sql" >>"$TMP/plain"
  sqlite_time "$TMP/pass.sql" >>"$TMP/pass"
done
ours=$(median <"$TMP/ours")
plain=$(median <"$TMP/plain")
pass=$(median <"$TMP/pass")
ratio=$(printf '%.2f' "$(echo "$ours / $pass" | bc -l)")
rss=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' /proc/$SERVER/status)
printf 'sqlite3, plain SQL      %8.3f s (median of %d; Benchmarks/derive.sql)\n' "$plain" "$RUNS"
printf 'sqlite3, one pass       %8.3f s (median of %d; sum(candidates) over the quarter, indexed)\n' "$pass" "$RUNS"
printf 'zhijian /derived        %8.3f s (median of %d)\n' "$ours" "$RUNS"
printf 'ratio                   %8.2f   (ours ÷ one pass; aim ≤ 3)\n' "$ratio"
printf 'ratio to plain SQL      %8.2f   (ours ÷ plain SQL)\n' "$(echo "$ours / $plain" | bc -l)"
echo "server peak RSS: $rss MiB"
if [ -n "${BENCH_RESULTS:-}" ]; then
  printf 'derivation (%s sessions)\t%.3f\ts\tone indexed pass (sqlite3)\t%.3f\t%s\t≤ 3\t%s\n' \
    "$(python3 -c "print(f'{$SESSIONS:,}')")" "$ours" "$pass" "$ratio" "$rss" >>"$BENCH_RESULTS"
fi
