#!/usr/bin/env bash
# Register files from spreadsheets (issue 15): the same ROWS exam results (default 50,000) imported
# into a session through the API as CSV in UTF-8 (the baseline), as CSV in GB18030 and as XLSX
# (written by openpyxl), each into its own session of a release server. Prints each import's time,
# its ratio to the CSV's, and the server's peak memory over the XLSX import alone (the server is
# restarted before it).
#   Benchmarks/registers.sh [rows]
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/lib.sh
ROWS=${1:-50000}
DIR=$(mktemp -d)
trap 'stop_server; rm -rf "$DIR"' EXIT

python3 - "$DIR" "$ROWS" <<'EOF'
import csv, sys, openpyxl
sys.path.insert(0, "Benchmarks")
from gen_certificates import id_number
out, n = sys.argv[1], int(sys.argv[2])
rows = [[f"考生{k}", id_number(k), "是" if k % 5 else "否", 60 + k % 40 if k % 5 else 30] for k in range(n)]
header = ["idNumber", "name", "score", "passed"]  # reordered: the columns are found by name
table = [header] + [[r[1], r[0], r[3], r[2]] for r in rows]
with open(f"{out}/results.csv", "w", encoding="utf-8", newline="") as f:
    csv.writer(f).writerows(table)
with open(f"{out}/results-gb.csv", "w", encoding="gb18030", newline="") as f:
    csv.writer(f).writerows(table)
wb = openpyxl.Workbook(write_only=True)
ws = wb.create_sheet("成绩")
for r in table:
    ws.append(r)
wb.save(f"{out}/results.xlsx")
EOF
ls -l "$DIR"/results* | awk '{printf "%s %d kB\n", $NF, $5/1024}'

start_server "$DIR"
ADMIN=$(login admin bench-admin)
curl -sf -X POST "$URL/api/v1/users" -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' \
  -d '{"username":"bench-unit","password":"bench-unit-pw","role":"unit","unitCode":"110000"}' >/dev/null
UNIT=$(login bench-unit bench-unit-pw)

# One session of ROWS candidates per file, through Benchmarks/passes.py's helpers.
sessions=$(python3 - "$URL" "$ADMIN" "$UNIT" "$ROWS" <<'EOF'
import sys
sys.path.insert(0, "Benchmarks")
from passes import create_session, ensure_station
url, admin, unit, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
station = ensure_station(url, admin, unit, "110000", "110000")
print(" ".join(create_session(url, unit, station, "6-07-06-01", "5", f"2025-0{m}-10", n, "110000") for m in (3, 4, 5)))
EOF
)
read -r S_CSV S_GB S_XLSX <<<"$sessions"

# import FILE TYPE SESSION: seconds for the import; fails unless every row was added.
import() {
  local t0; t0=$(date +%s.%N)
  curl -sf -X POST "$URL/api/v1/sessions/$3/results/import" -H "authorization: Bearer $UNIT" -H "content-type: $2" \
    --data-binary @"$1" >"$DIR/answer.json"
  local s; s=$(seconds_since "$t0")
  python3 -c "import json,sys; a=json.load(open('$DIR/answer.json')); sys.exit(0 if a.get('added')==$ROWS and not a.get('errors') else 'import of $1: '+json.dumps(a, ensure_ascii=False)[:300])"
  echo "$s"
}

csv_s=$(import "$DIR/results.csv" text/csv "$S_CSV")
gb_s=$(import "$DIR/results-gb.csv" text/csv "$S_GB")
stop_server
start_server "$DIR"
idle=$(peak_rss)
xlsx_s=$(import "$DIR/results.xlsx" application/vnd.openxmlformats-officedocument.spreadsheetml.sheet "$S_XLSX")
rss=$(peak_rss)
echo "server idle after restart: $idle MiB"
result "results import, $ROWS rows, XLSX" "$xlsx_s" s "the same rows as CSV UTF-8" "$csv_s" "$(ratio "$xlsx_s" "$csv_s")" "≤ 2" "$rss"
result "results import, $ROWS rows, CSV GB18030" "$gb_s" s "the same rows as CSV UTF-8" "$csv_s" "$(ratio "$gb_s" "$csv_s")" "≤ 1.5" "—"
