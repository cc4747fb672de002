# Shared by the benchmark scripts (sourced): tools, a server on a free port, wrk, peak RSS, and the
# machine-readable result lines that Benchmarks/run.sh prints as one table.

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }
command -v bc >/dev/null || { apt-get update -qq && apt-get install -y -qq bc >/dev/null; }
# ZHIJIAN_BIN: a binary already built (otherwise the release build here).
[ -n "${ZHIJIAN_BIN:-}" ] || swift build -c release --product zhijian >/dev/null
BIN=${ZHIJIAN_BIN:-.build/release/zhijian}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_server DIR [env assignments...]: a release server in production mode on DIR's database (or
# $DATABASE_URL), admin password bench-admin; sets SERVER (pid) and URL.
start_server() {
  local dir=$1; shift
  local port; port=$(free_port)
  URL="http://127.0.0.1:$port"
  env DATABASE_URL="${DATABASE_URL:-sqlite://$dir/bench.sqlite}" ZHIJIAN_KEY_FILE="$dir/zhijian.key" \
    ZHIJIAN_ADMIN_PASSWORD=bench-admin ZHIJIAN_BCRYPT_COST=4 "$@" \
    "$BIN" serve --env production --log warning --hostname 127.0.0.1 --port "$port" >"$dir/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 300); do curl -sf "$URL/healthz" >/dev/null && return 0; sleep 0.1; done
  echo "the server did not start:"; cat "$dir/server.log"; return 1
}

stop_server() { [ -z "${SERVER:-}" ] || { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true; SERVER=""; }; }

# Requests per second of wrk on loopback (2 threads, 16 connections, BENCH_SECONDS each).
rps() { wrk -t2 -c16 -d"${BENCH_SECONDS:-10}s" "$@" | awk '/Requests\/sec/ {print $2}'; }

# Peak resident memory of the server so far, in MiB.
peak_rss() { awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$SERVER/status"; }

login() {
  curl -sf -X POST "$URL/api/v1/auth/login" -H 'content-type: application/json' -d "{\"username\":\"$1\",\"password\":\"$2\"}" \
    | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])'
}

# result WORK OURS UNIT BASELINE-LABEL BASELINE RATIO AIM RSS: one line for the table (and stdout).
result() {
  printf '%-40s %10s %-6s %-44s %10s  ratio %5s  (aim %s)  peak RSS %s MiB\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8"
  [ -z "${BENCH_RESULTS:-}" ] || printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_RESULTS"
}

ratio() { echo "scale=4; $1 / $2" | bc -l | awk '{printf "%.2f", $1}'; }
seconds_since() { echo "$(date +%s.%N) - $1" | bc -l | awk '{printf "%.3f", $1}'; }
