#!/usr/bin/env bash
# `make bench`: every benchmark on the release build, then one table with both sides of each
# ratio, the servers' peak memory and the machine's core count (Benchmarks/table.py).
#   Benchmarks/run.sh              SQLite: certificate import and verification, derivation, bulletins,
#                                  register files (XLSX and GB18030 against UTF-8 CSV)
#   Benchmarks/run.sh --postgres   PostgreSQL at $BENCH_DATABASE_URL: certificate import (baseline
#                                  COPY) and verification (`make bench-postgres` starts a server)
# ROWS (300000), SCALE (5), BENCH_SECONDS (10) and ZHIJIAN_BIN (a binary already built) can be set.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${ZHIJIAN_BIN:-}" ] || swift build -c release --product zhijian
export ZHIJIAN_BIN=${ZHIJIAN_BIN:-.build/release/zhijian}
export BENCH_RESULTS
BENCH_RESULTS=$(mktemp)
trap 'rm -f "$BENCH_RESULTS"' EXIT
if [ "${1:-}" = --postgres ]; then
  [ -n "${BENCH_DATABASE_URL:-}" ] || { echo "BENCH_DATABASE_URL must name a PostgreSQL database (make bench-postgres)"; exit 2; }
  Benchmarks/certificates.sh "${ROWS:-300000}"
  python3 Benchmarks/table.py "$BENCH_RESULTS" "make bench-postgres (PostgreSQL)"
else
  Benchmarks/certificates.sh "${ROWS:-300000}"
  Benchmarks/derive.sh "${SCALE:-5}" 5
  Benchmarks/bulletin.sh
  Benchmarks/registers.sh "${REGISTER_ROWS:-50000}"
  python3 Benchmarks/table.py "$BENCH_RESULTS" "make bench (SQLite)"
fi
