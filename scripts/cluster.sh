#!/usr/bin/env bash
# `make cluster`: Zhijian as it is deployed, on loopback — a PostgreSQL server initialised in a
# temporary directory (as the tests do), three release processes started at once, and Debian's
# nginx in front of them with deploy/nginx.conf. Prints the address and stops everything on Ctrl-C.
#
#   CLUSTER_PORT   nginx's port (default 8080); the processes take the next three
#   CLUSTER_RUN    a command to run against the cluster instead of waiting (the cluster test);
#                  it sees CLUSTER_URL, CLUSTER_PORTS, CLUSTER_PIDS, CLUSTER_DATABASE_URL and
#                  ZHIJIAN_ADMIN_PASSWORD; its exit status is the script's
#   ZHIJIAN_BIN    the server binary (default: the release build, as the soak makes it)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  exec scripts/with-postgres.sh "$0" "$@"
fi

command -v nginx >/dev/null || {
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx-light >/dev/null 2>&1 \
    || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx >/dev/null
}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

BIN=${ZHIJIAN_BIN:-}
if [ -z "$BIN" ]; then
  swift build -c release --product zhijian >/dev/null
  BIN=$ROOT/.build/release/zhijian
fi

PORT=${CLUSTER_PORT:-8080}
PORTS=("$((PORT + 1))" "$((PORT + 2))" "$((PORT + 3))")
WORK=$(mktemp -d /tmp/zhijian-cluster.XXXXXX)
mkdir -p "$WORK/temp" "$WORK/logs"
export ZHIJIAN_ADMIN_PASSWORD=${ZHIJIAN_ADMIN_PASSWORD:-cluster-admin-1}
PIDS=()
stop() {
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap stop EXIT
trap 'exit 130' INT TERM

# Three processes at once on one database: migrations and the first admin under the start lock.
for p in "${PORTS[@]}"; do
  DATABASE_URL=$TEST_DATABASE_URL ZHIJIAN_ROOT=$ROOT ZHIJIAN_KEY_FILE=$WORK/zhijian.key \
    ZHIJIAN_TRUSTED_PROXIES=127.0.0.1 ZHIJIAN_PUBLIC_URL=http://127.0.0.1:$PORT \
    "$BIN" serve --env production --log "${CLUSTER_LOG:-warning}" --hostname 127.0.0.1 --port "$p" \
    >"$WORK/logs/zhijian-$p.log" 2>&1 &
  PIDS+=($!)
done
for p in "${PORTS[@]}"; do
  for _ in $(seq 1 120); do
    curl -fs "http://127.0.0.1:$p/healthz" >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -fs "http://127.0.0.1:$p/healthz" >/dev/null || { echo "zhijian on $p did not start:"; cat "$WORK/logs/zhijian-$p.log"; exit 1; }
done

# deploy/nginx.conf with this cluster's ports and paths.
upstream=""
for p in "${PORTS[@]}"; do upstream+="        server 127.0.0.1:$p max_fails=3 fail_timeout=5s;\n"; done
sed -e "s|^pid .*|pid $WORK/nginx.pid;|" \
    -e "s|^error_log .*|error_log $WORK/logs/nginx-error.log warn;|" \
    -e "s|access_log .*;.*|access_log $WORK/logs/nginx-access.log;|" \
    -e "s|/var/lib/zhijian-nginx|$WORK/temp|" \
    -e "s|listen 127.0.0.1:8080;.*|listen 127.0.0.1:$PORT;|" \
    -e "s|root /opt/zhijian/Public;.*|root $ROOT/Public;|" \
    -e "/server 127.0.0.1:808[0-9]/d" \
    -e "s|        # cluster: upstream|$upstream|" \
    deploy/nginx.conf >"$WORK/nginx.conf"
# As root, nginx's workers would run as nobody, who may not write this temporary directory.
[ "$(id -u)" = 0 ] && sed -i '1i user root;' "$WORK/nginx.conf"
"$NGINX" -t -q -c "$WORK/nginx.conf" -p "$WORK"
"$NGINX" -c "$WORK/nginx.conf" -p "$WORK"
for _ in $(seq 1 40); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.25; done

export CLUSTER_URL=http://127.0.0.1:$PORT CLUSTER_PORTS="${PORTS[*]}" CLUSTER_PIDS="${PIDS[*]}"
export CLUSTER_DATABASE_URL=$TEST_DATABASE_URL CLUSTER_LOGS=$WORK/logs CLUSTER_NGINX_CONF=$WORK/nginx.conf CLUSTER_WORK=$WORK
export ZHIJIAN_BIN=$BIN
if [ -n "${CLUSTER_RUN:-}" ]; then
  set +e
  bash -c "$CLUSTER_RUN"
  status=$?
  set -e
  exit $status
fi
echo "Zhijian on $CLUSTER_URL: nginx in front of ${PORTS[*]} on PostgreSQL (admin / $ZHIJIAN_ADMIN_PASSWORD); Ctrl-C stops it all"
wait "${PIDS[0]}"
