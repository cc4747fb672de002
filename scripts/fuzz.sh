#!/usr/bin/env bash
# Bounded API fuzzing of a running zhijian server with schemathesis, driven by openapi.yaml.
#
#   scripts/fuzz.sh [max-examples]          (test cases per operation; default 25)
#
# It does not build: it runs ${ZHIJIAN_BIN:-.build/debug/zhijian} (`make` builds it first).
# The server gets a throw-away SQLite file, or the PostgreSQL database in FUZZ_DATABASE_URL
# (a postgres:// URL, e.g. from scripts/with-postgres.sh). Three schemathesis runs follow:
# as the ministry, as a unit, and anonymously. Each run checks that no response is a 5xx and
# that status codes, content types and bodies conform to openapi.yaml. The script exits
# non-zero if any run finds a failure.
#
# Optional environment:
#   ZHIJIAN_BIN       the server binary (default .build/debug/zhijian)
#   FUZZ_DATABASE_URL a postgres:// URL of an empty database to fuzz on instead of SQLite (the
#                     admin user is created on first start with this script's password)
#   FUZZ_SPEC         the OpenAPI file to test against (default openapi.yaml), e.g. the one of
#                     the commit an older binary was built from
#   FUZZ_SEED         a Hypothesis seed: random but repeatable inputs instead of the default
#                     deterministic mode (which ignores seeds), to explore beyond CI's inputs
#   FUZZ_WORKERS      concurrent schemathesis workers (default 1; the machine has 2 cores and
#                     the server needs one)
#   FUZZ_REPORT_DIR   keep the JSON and JUnit reports of each run and the server log there
#                     (default: discarded)
#   FUZZ_ST_ARGS      more `schemathesis run` options, split on spaces and given last, e.g.
#                     "--include-path-regex ^/api/" (a --checks here adds to the four below)
set -euo pipefail

MAX_EXAMPLES=${1:-25}
[[ $MAX_EXAMPLES =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [max-examples]" >&2; exit 2; }
# Deterministic generation (the same inputs on every run; it also turns off Hypothesis' example
# database, which would make a run depend on earlier ones) so CI is reproducible, unless a seed
# asks for other inputs. The server's state, and so some answers, can still vary with timing
# and generated ids.
if [ -n "${FUZZ_SEED:-}" ]; then
  GENERATION=(--seed "$FUZZ_SEED" --generation-database none); MODE="seed $FUZZ_SEED"
else
  GENERATION=(--generation-deterministic); MODE="deterministic"
fi
WORKERS=${FUZZ_WORKERS:-1}

# Absolute paths, as schemathesis runs in another directory (see below).
if [ -n "${FUZZ_REPORT_DIR:-}" ]; then mkdir -p "$FUZZ_REPORT_DIR"; FUZZ_REPORT_DIR=$(cd "$FUZZ_REPORT_DIR" && pwd); fi
SPEC=""
if [ -n "${FUZZ_SPEC:-}" ]; then SPEC=$(cd "$(dirname "$FUZZ_SPEC")" && pwd)/$(basename "$FUZZ_SPEC"); fi
# The server reads Resources/ and Public/ relative to the working directory: run from the root.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BIN=${ZHIJIAN_BIN:-.build/debug/zhijian}
SPEC=${SPEC:-$ROOT/openapi.yaml}
[ -f "$SPEC" ] || { echo "fuzz: no OpenAPI file at $SPEC" >&2; exit 2; }
[ -x "$BIN" ] || { echo "fuzz: no server binary at $BIN (run 'swift build --product zhijian' first)" >&2; exit 2; }

# schemathesis 4.32+ is needed for the [dictionaries] config used below; install it if missing.
if ! python3 -c 'import importlib.metadata as m, sys
v = tuple(int(x) for x in m.version("schemathesis").split(".")[:2])
sys.exit(0 if v[0] == 4 and v >= (4, 32) else 1)' 2>/dev/null; then
  echo "fuzz: installing schemathesis"
  python3 -m pip install --quiet --disable-pip-version-check "schemathesis>=4.32,<5"
fi
# Through the module rather than the console script, which pip may put outside PATH.
ST=(python3 -m schemathesis.cli)
echo "fuzz: schemathesis $(python3 -c 'import importlib.metadata as m; print(m.version("schemathesis"))')"

TMP=$(mktemp -d /tmp/zhijian-fuzz.XXXXXX)
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ -n "${FUZZ_REPORT_DIR:-}" ] && [ -f "$TMP/server.log" ]; then
    cp "$TMP/server.log" "$FUZZ_REPORT_DIR/${DB_NAME:-db}-server.log" || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "${FUZZ_DATABASE_URL:-}" ]; then
  case $FUZZ_DATABASE_URL in postgres://*|postgresql://*) ;; *) echo "fuzz: FUZZ_DATABASE_URL must be postgres://" >&2; exit 2;; esac
  DB_URL=$FUZZ_DATABASE_URL; DB_NAME=postgres
else
  DB_URL="sqlite://$TMP/fuzz.sqlite"; DB_NAME=sqlite
fi
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
ADMIN_PASSWORD="fuzz-admin-$RANDOM$RANDOM"
LOG="$TMP/server.log"

# Bcrypt cost 4 keeps logins cheap; the public rate limits are raised so that 429s do not hide
# what the fuzzer would otherwise reach. The admin password only applies to a fresh database.
# The signing key file goes to the temp dir so that nothing is left in the work tree.
start_server() {
  DATABASE_URL=$DB_URL ZHIJIAN_ADMIN_PASSWORD=$ADMIN_PASSWORD ZHIJIAN_BCRYPT_COST=4 \
    ZHIJIAN_VERIFY_PER_MINUTE=1000000 ZHIJIAN_COMPLAINTS_PER_HOUR=1000000 ZHIJIAN_KEY_FILE="$TMP/zhijian.key" \
    "$BIN" serve --hostname 127.0.0.1 --port "$PORT" >>"$LOG" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 120); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then echo "fuzz: the server exited on start" >&2; tail -n 40 "$LOG" >&2; exit 1; fi
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/healthz" || true)" = 200 ] && return 0
    sleep 0.5
  done
  echo "fuzz: /healthz never answered 200" >&2; tail -n 40 "$LOG" >&2; exit 1
}
# Distinct error lines (request ids stripped) with their counts, then the end of the log.
log_tail() {
  echo "---- server log: error lines by count"
  # Vapor logs the cause of a 500 at WARNING.
  # PostgreSQL errors are shortened to their state, message and table.
  grep -E '\[ (WARNING|ERROR|CRITICAL) \]|runtime failure|Fatal error' "$LOG" | sed -E 's/ ?\[request-id: [^]]*\]//' \
    | sed -E 's/PSQLError\(.*sqlState: ([0-9A-Z]+).*message: ([^,]*),.*(FROM|INSERT INTO|UPDATE|DELETE FROM) "([a-z_]+)".*/PSQLError \1: \2 (\3 \4)/' \
    | cut -c 1-400 | sort | uniq -c | sort -rn | head -n 40 || true
  echo "---- server log: last 30 lines"
  tail -n 30 "$LOG"
}
start_server
echo "fuzz: server on $BASE ($DB_NAME)"

# Log in, create a unit user, seed a little data so that deep paths are reachable, and write
# the schemathesis config: its dictionaries feed the seeded identifiers (period, unit, station,
# occupation, serials, order/complaint/supervisor ids, receipt, token) into half of the generated
# parameters, so the fuzzer gets past the 404s. Tokens go into files only, never to the output.
python3 - "$BASE" "$ADMIN_PASSWORD" "$TMP" <<'PY'
# Seeding: any unexpected answer stops the script, since the runs would then test less.
import http.cookiejar, json, re, sys, urllib.error, urllib.parse, urllib.request

base, admin_password, tmp = sys.argv[1:4]

def call(method, path, body=None, token=None, expect=(200, 201)):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req) as r:
            status, text = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    if status not in expect:
        sys.exit(f"fuzz: seeding {method} {path} answered {status}: {text[:300]}")
    return json.loads(text) if text else None

def web_session(username, password):
    """Logs in through the web form (CSRF cookie + field) and returns the zj_session cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": username, "password": password, "_csrf": csrf}).encode()
    opener.open(urllib.request.Request(base + "/login", data=form, method="POST"))
    return next(c.value for c in jar if c.name == "zj_session")

login = lambda u, p: call("POST", "/api/v1/auth/login", {"username": u, "password": p})["token"]
admin = login("admin", admin_password)
call("POST", "/api/v1/users", {"username": "fuzzunit", "password": "fuzz-unit-pw", "role": "unit",
                               "unitCode": "110000"}, admin, expect=(201, 409))
unit = login("fuzzunit", "fuzz-unit-pw")

PERIOD, UNIT, STATION, OCC = "2025Q1", "110000", "FZ110001", "4-01-02-01"
values = {"standards": {"national": 3, "verifiedLocal": 1, "unverifiedLocal": 0},
          "banks": {"national": 2, "certifiedLocal": 1, "uncertifiedLocal": 0},
          "feeStandard": True, "overcharge": {"investigated": 1, "uninvestigated": 0},
          "crossRegion": False, "supervision": True,
          "violations": {"investigated": 0, "uninvestigated": 0},
          "forgery": {"investigated": 0, "uninvestigated": 0},
          "payment": {"dueYuan": "1000.00", "paidYuan": "900.00"}}
# A submitted report for the seeded quarter (so accept/return have something to act on) and a
# draft for the next one; on a reused database they may already be further along (409).
call("PUT", f"/api/v1/reports/{PERIOD}/{UNIT}", values, unit, expect=(200, 409))
call("POST", f"/api/v1/reports/{PERIOD}/{UNIT}/submit", None, unit, expect=(200, 409))
call("PUT", f"/api/v1/reports/2025Q2/{UNIT}", values, unit, expect=(200, 409))

order = call("POST", "/api/v1/certificate-orders", {"unitCode": UNIT, "level": "5", "quantity": 100}, unit)
order = call("POST", f"/api/v1/certificate-orders/{order['id']}/allocate", {"unitPriceYuan": "5.00"}, admin)
first = int(order["serialFrom"])
serials = [f"{first:012d}", f"{first + 1:012d}", f"{first + 99:012d}"]
call("POST", f"/api/v1/certificate-orders/{order['id']}/payments",
     {"amountYuan": "100.00", "paidOn": order["allocatedOn"]}, admin)
call("POST", "/api/v1/occupations", {"code": OCC, "name": "电工"}, admin, expect=(201, 409))
call("POST", "/api/v1/stations", {"code": STATION, "name": "北京模糊测试鉴定站", "unitCode": UNIT,
                                  "regionCode": UNIT, "scope": [{"occupation": OCC, "maxLevel": "3"}],
                                  "licenceNo": "京鉴字FZ001号", "licenceExpires": "2030-12-31",
                                  "address": "北京市西城区示例路1号", "personInCharge": "王主任"},
     admin, expect=(201, 409))
supervisor = call("POST", "/api/v1/supervisors", {"unitCode": UNIT, "name": "王督导", "licenceNo": f"FZ-{order['id'][:8]}",
                                                  "validUntil": "2030-12-31", "occupations": [OCC]}, admin)
# A supervisor of another unit with a login of their own: visits and reports come from such a login.
visitor = call("POST", "/api/v1/supervisors", {"unitCode": "120000", "name": "津督导", "licenceNo": f"FZV-{order['id'][:8]}",
                                               "validUntil": "2030-12-31", "occupations": [OCC]}, admin)
call("POST", "/api/v1/users", {"username": "fuzzsup", "password": "fuzz-sup-pw", "role": "supervisor",
                               "supervisorId": visitor["id"]}, admin, expect=(201, 409))
visiting = login("fuzzsup", "fuzz-sup-pw")
call("POST", "/api/v1/fee-standards", {"unitCode": UNIT, "level": "5", "feeYuan": "120.00",
                                       "document": "京价〔2024〕1号"}, admin)
exam = call("POST", "/api/v1/sessions", {"stationCode": STATION, "occupation": OCC, "level": "5", "date": "2025-02-15",
                                         "regionCode": UNIT, "standardKind": "national", "bankKind": "national",
                                         "bankCode": f"B-{order['id'][:8]}", "candidates": 30, "passed": 25,
                                         "feeYuan": "120.00", "supervisorId": supervisor["id"]}, unit)
# A certificate is issued only against a recorded pass: 张三's, and a failed candidate's.
call("POST", f"/api/v1/sessions/{exam['id']}/results",
     {"results": [{"name": "张三", "idNumber": "11010519491231002X", "passed": True, "score": 88},
                  {"name": "李四", "idNumber": "110105198001010016", "passed": False, "score": 41.5}]}, unit)
call("POST", "/api/v1/supervision-visits", {"stationCode": STATION, "visitedOn": order["allocatedOn"],
                                            "findings": "无违规"}, visiting)
cert = call("POST", "/api/v1/certificates", {"serial": serials[0], "holderName": "张三", "idNumber": "11010519491231002X",
                                             "occupation": OCC, "level": "5", "issuedOn": order["allocatedOn"]}, unit)
receipt = call("POST", "/api/v1/complaints", {"category": "overcharge", "unitCode": UNIT, "station": STATION,
                                              "description": "鉴定站收费明显超过标准，请调查。", "contact": "13800000000",
                                              "channel": "web"})["receipt"]
complaint = call("POST", "/api/v1/complaints", {"category": "illegal_exam", "unitCode": UNIT,
                                                "description": "考场秩序混乱，存在替考现象。", "channel": "phone"}, admin)["id"]
call("POST", f"/api/v1/complaints/{complaint}/transition", {"to": "accepted", "note": "予以受理"}, admin)
call("POST", f"/api/v1/complaints/{complaint}/transition", {"to": "investigating", "note": "开始调查"}, admin)

state = {"admin": admin, "unit": unit, "station": STATION, "occupation": OCC, "supervisor": supervisor["id"]}
json.dump(state, open(f"{tmp}/state.json", "w"))
for name, token, session in (("ministry", admin, web_session("admin", admin_password)),
                             ("unit", unit, web_session("fuzzunit", "fuzz-unit-pw"))):
    open(f"{tmp}/{name}.headers", "w").write(f"Authorization: Bearer {token}\nCookie: zj_session={session}\n")

dictionaries = {
    "period": [PERIOD, "2025Q2"], "unit": [UNIT], "code": [UNIT, STATION, OCC], "serial": serials,
    "id": [order["id"], complaint, supervisor["id"], exam["id"]], "receipt": [receipt], "station": [STATION],
    "occupation": [OCC], "supervisor": [supervisor["id"]], "name": ["张三"], "idNumber": ["11010519491231002X"],
    "token": [cert["token"]],
}
bindings = {
    "path.period": "period", "path.unitCode": "unit", "path.code": "code", "path.serial": "serial",
    "path.id": "id", "path.receipt": "receipt", "path.idNumber": "idNumber", "query.period": "period", "query.unitCode": "unit",
    "query.serial": "serial", "query.name": "name", "query.idNumber": "idNumber", "query.token": "token",
    "query.t": "token", "query.receipt": "receipt", "body.unitCode": "unit", "body.stationCode": "station",
    "body.occupation": "occupation", "body.serial": "serial", "body.supervisorId": "supervisor",
}
with open(f"{tmp}/schemathesis.toml", "w") as f:
    # schemathesis' cache (like Hypothesis' example database) would make a run depend on
    # earlier ones and leave files in the work tree.
    f.write('[cache]\nenabled = false\n\n')
    for name, vals in dictionaries.items():
        f.write(f"[dictionaries.{name}]\nvalues = {json.dumps(vals)}\n\n")
    f.write("[parameters]\n")
    for key, name in bindings.items():
        f.write(f'"{key}" = {{ dictionary = "{name}", probability = 0.5 }}\n')
PY

# The ministry run may deactivate the seeded unit, station, occupation or supervisor; put them
# back before each run so that every run starts from the same reachable state.
restore() {
  python3 - "$BASE" "$TMP/state.json" <<'PY'
import json, sys, urllib.error, urllib.request
base, state = sys.argv[1], json.load(open(sys.argv[2]))
for path, body in ((f"/api/v1/units/110000", {"active": True}), (f"/api/v1/stations/{state['station']}", {"status": "active"}),
                   (f"/api/v1/occupations/{state['occupation']}", {"active": True}),
                   (f"/api/v1/supervisors/{state['supervisor']}", {"active": True})):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="PATCH",
                                 headers={"Content-Type": "application/json", "Authorization": "Bearer " + state["admin"]})
    try:
        urllib.request.urlopen(req, timeout=30).read()
    except urllib.error.HTTPError as e:
        print(f"fuzz: restoring {path} answered {e.code}", file=sys.stderr)
    except OSError as e:
        print(f"fuzz: restoring {path} failed: {e}", file=sys.stderr)
PY
}

read -r -a EXTRA <<<"${FUZZ_ST_ARGS:-}"
REPORTS=${FUZZ_REPORT_DIR:-$TMP/reports}
mkdir -p "$REPORTS"
SUMMARY=()
FAILED=0
for who in ministry unit anonymous; do
  restore
  headers=()
  if [ -f "$TMP/$who.headers" ]; then
    while IFS= read -r h; do headers+=(-H "$h"); done <"$TMP/$who.headers"
  fi
  echo
  echo "==== fuzz: $DB_NAME as $who ($MAX_EXAMPLES examples per operation, $MODE)"
  json="$REPORTS/$DB_NAME-$who.json"
  start=$SECONDS
  log_from=$(( $(wc -l <"$LOG") + 1 ))
  rc=0
  # Excluded: POST /api/v1/auth/logout and POST /logout revoke the run's own token or session,
  # after which every later case would only see 401s/303s; PATCH /api/v1/users/{username} can
  # disable the run's own user (the names come back from GET /api/v1/users) or reset its password.
  # (POST /api/v1/auth/password stays: without the current password it changes nothing.)
  # Checks: no 5xx; status code, Content-Type and body as documented in openapi.yaml.
  # --continue-on-failure: without it an operation stops at its first failure, so an
  # undocumented 4xx would hide a 5xx in the same operation.
  # Run from the temp dir: schemathesis and Hypothesis keep caches (.schemathesis/, .hypothesis/)
  # in the working directory, which must not end up in the work tree.
  (cd "$TMP" && "${ST[@]}" --config-file "$TMP/schemathesis.toml" run "$SPEC" --url "$BASE" \
    ${headers[@]+"${headers[@]}"} \
    --max-examples "$MAX_EXAMPLES" "${GENERATION[@]}" \
    --workers "$WORKERS" --request-timeout 30 \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --exclude-path /api/v1/auth/logout --exclude-path /logout --exclude-path '/api/v1/users/{username}' \
    --continue-on-failure \
    --no-color --report json,junit --report-json-path "$json" \
    --report-junit-path "$REPORTS/$DB_NAME-$who.xml" ${EXTRA[@]+"${EXTRA[@]}"}) || rc=$?
  line=$(python3 - "$json" "$rc" "$((SECONDS - start))" "$DB_NAME" "$who" <<'PY'
import json, sys
path, rc, secs, db, who = sys.argv[1:6]
try:
    r = json.load(open(path))
except Exception:
    print(f"fuzz {db}/{who}: no report (schemathesis exit {rc}), {secs}s"); sys.exit()
ops, tc = r["operations"], r["test_cases"]
kinds = ", ".join(f"{f['code']} {f['title']}: {f['count']}" for f in r["failures"]) or "none"
print(f"fuzz {db}/{who}: {ops['tested']} operations, {tc['generated']} test cases, "
      f"{tc['unique_failures']} unique failures ({kinds}), {len(r['errors'])} errors, {secs}s, exit {rc}")
PY
)
  # A crashed server (a Swift runtime trap, say) is the worst finding: show why it died, then
  # start it again on the same database so that the remaining runs still test something.
  # A trapping process takes seconds to print its backtrace before it exits: wait for that.
  if ! kill -0 "$SERVER_PID" 2>/dev/null \
     || tail -n "+$log_from" "$LOG" | grep -qE 'runtime failure|Fatal error| crashed:'; then
    for _ in $(seq 1 60); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    status=0; wait "$SERVER_PID" 2>/dev/null || status=$?
    line="$line; SERVER CRASHED (exit status $status)"
    echo "fuzz: the server died during the $who run (exit status $status):"
    tail -n "+$log_from" "$LOG" | grep -E -m 3 'runtime failure|Fatal error| crashed:' || true
    tail -n "+$log_from" "$LOG" | grep -E ' in zhijian at .*/Sources/' | grep -v -m 2 '/\.build/' || true
    echo "fuzz: restarting the server"
    start_server
    rc=1
  fi
  echo "$line"
  SUMMARY+=("$line")
  [ "$rc" = 0 ] || FAILED=1
done

echo
echo "==== fuzz summary ($DB_NAME, $MAX_EXAMPLES examples per operation, $MODE)"
printf '%s\n' "${SUMMARY[@]}"
if [ "$FAILED" != 0 ]; then
  log_tail
  echo "fuzz: FAILED"
  exit 1
fi
echo "fuzz: passed"
