#!/usr/bin/env bash
# Benchmarks the bulletin endpoints against /healthz of the same server, in the same run.
#
# Seeds a fresh SQLite database through the API with 44 units (32 regions, 12 industries) and four
# accepted quarterly reports each, publishes 2025Q1–Q4, then measures with wrk on loopback:
#   /healthz (baseline: one trivial query), the published bulletin as JSON, CSV, XLSX and PDF, its
#   public page (aim ≥ 0.8 × /healthz), and the ministry's live draft (aim ≥ 0.2 × /healthz).
# Prints requests/s, the ratio to /healthz, and the server's peak resident memory.
# Usage: Benchmarks/bulletin.sh [seconds per endpoint, default 10]   (needs wrk; `make bench` installs it)
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_SECONDS=${1:-${BENCH_SECONDS:-10}}
. Benchmarks/lib.sh
TMP=$(mktemp -d)
SERVER=""
trap 'stop_server; rm -rf "$TMP"' EXIT
start_server "$TMP"
BASE=$URL

TOKEN=$(python3 - "$BASE" <<'PY'
import json, time, sys, urllib.request
base = sys.argv[1]
def call(method, path, token=None, body=None):
    r = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode())
    r.add_header("Content-Type", "application/json")
    if token: r.add_header("Authorization", "Bearer " + token)
    return json.loads(urllib.request.urlopen(r).read() or b"null")
admin = call("POST", "/api/v1/auth/login", body={"username": "admin", "password": "bench-admin"})["token"]
for i in range(12):
    call("POST", "/api/v1/units", admin, {"code": f"I{i:03d}", "name": f"行业{i}", "kind": "industry"})
units = [u["code"] for u in call("GET", "/api/v1/units")]
for n, code in enumerate(units):
    for q in range(1, 5):
        v = {"standards": {"national": 10 + n % 7, "verifiedLocal": n % 3, "unverifiedLocal": n % 2},
             "banks": {"national": 8 + q, "certifiedLocal": 1, "uncertifiedLocal": (n + q) % 2},
             "feeStandard": n % 5 != 0, "overcharge": {"investigated": q, "uninvestigated": n % 2},
             "crossRegion": n % 4 == 0, "supervision": n % 6 != 0,
             "violations": {"investigated": 1, "uninvestigated": 0}, "forgery": {"investigated": 0, "uninvestigated": q % 2},
             "payment": {"dueYuan": f"{q * 10000 + n}.00", "paidYuan": f"{q * 9000 + n}.50"}}
        p = f"/api/v1/reports/2025Q{q}/{code}"
        call("PUT", p, admin, v); call("POST", p + "/submit", admin); call("POST", p + "/accept", admin)
for q in range(1, 5):
    call("POST", f"/api/v1/bulletins/2025Q{q}/publish", admin,
         {"documentNumber": f"人社鉴通〔{time.gmtime(time.time() + 8 * 3600).tm_year}〕{q}号"})
print(f"seeded {len(units)} units x 4 quarters, published 2025Q1-Q4", file=sys.stderr)
print(admin)
PY
)

base=$(rps "$BASE/healthz")
printf '%-44s %12s %8s\n' endpoint "req/s" "÷healthz"
printf '%-44s %12.0f %8s\n' "/healthz (baseline)" "$base" "1.00"
# The PDF is typeset once per revision and then served from the cache: time the first, then measure.
first=$(curl -s -o /dev/null -w '%{time_total}' "$BASE/api/v1/bulletins/2025Q4.pdf")
echo "first PDF (typeset): ${first}s"
HB="GET /healthz (one count query)"
for path in /api/v1/bulletins/2025Q4 /api/v1/bulletins/2025Q4.csv /api/v1/bulletins/2025Q4.xlsx /api/v1/bulletins/2025Q4.pdf; do
  r=$(rps "$BASE$path")
  result "published bulletin $path" "$r" req/s "$HB" "$base" "$(ratio "$r" "$base")" "—" "$(peak_rss)"
done
r=$(rps "$BASE/bulletins/2025Q4")
result "published bulletin page (HTML)" "$r" req/s "$HB" "$base" "$(ratio "$r" "$base")" "≥ 0.8" "$(peak_rss)"
r=$(rps -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/bulletins/2025Q4")
result "live bulletin draft (ministry, JSON)" "$r" req/s "$HB" "$base" "$(ratio "$r" "$base")" "≥ 0.2" "$(peak_rss)"
