"""Mixed-load soak test of a running Zhijian server (driven by Benchmarks/soak.sh).

Setup (sequential): logs in the ministry's admin; takes the 32 regions and, past 32, adds
industries IND01, IND02, …; creates and logs in one unit user per unit; has the first unit order
and the ministry allocate a range of level-5 blanks, records an exam pass for each holder
(Benchmarks/passes.py), and imports certificates into it.

Load (all at once, for the given number of seconds), one keep-alive connection per worker:
  * one worker per unit saving its 2025Q1 report in a loop, standards.national = iteration,
  * 8 workers verifying random issued certificates (serial + holder name),
  * 4 workers filing public complaints.

Then: a table per request kind, the audit check (every unit's history must hold exactly one save
event — create/update — per 200 answer that changed the values, one "value" event per changed
field, the standards.national values of exactly the saves that answered 200, and the stored report
must hold the last saved values), and, on SQLite, a baseline: the same report-shaped writes made by
one process with Python's sqlite3 on a WAL file (one transaction per save).

Exit status: 0 when all is well; 1 on any 5xx, connection error or timeout, wrong answer, or failed
audit check; 2 when setup fails.

The client is asyncio with hand-parsed HTTP/1.1 on raw sockets (asyncio.Protocol): on this 2-core
machine it spends about half the CPU per request of threads + http.client (75 µs against 146 µs
measured on /healthz), which leaves more of the cores to the server under test.
"""
import argparse
import asyncio
import collections
import http.client
import json
import math
import os
import random
import sqlite3
import sys
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import passes  # noqa: E402 - the exam passes certificates are issued against

PERIOD = "2025Q1"
UNIT_PASSWORD = "soak-unit-password"
REQUEST_TIMEOUT = 30.0
CERTIFICATES = 500
VERIFY_WORKERS = 8
COMPLAINT_WORKERS = 4

W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
C = "10X98765432"


def id_number(n):
    """A resident ID number with a valid GB 11643 check digit (as Benchmarks/gen_certificates.py)."""
    body = f"110105{1950 + n % 50:04d}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return body + C[sum(int(d) * w for d, w in zip(body, W)) % 11]


def report_values(i):
    return {
        "standards": {"national": i, "verifiedLocal": 3, "unverifiedLocal": 1},
        "banks": {"national": 10, "certifiedLocal": 2, "uncertifiedLocal": 0},
        "feeStandard": True,
        "overcharge": {"investigated": 2, "uninvestigated": 1},
        "crossRegion": False,
        "supervision": True,
        "violations": {"investigated": 0, "uninvestigated": 0},
        "forgery": {"investigated": 1, "uninvestigated": 0},
        "payment": {"dueYuan": "120000.00", "paidYuan": "90000.00"},
    }


def fields(values):
    """The flattened fields the server's audit trail records one "value" event for (17 of them)."""
    out = {}
    for k, v in values.items():
        if isinstance(v, dict):
            for k2, v2 in v.items():
                out[f"{k}.{k2}"] = v2
        else:
            out[k] = v
    return out


# ----------------------------------------------------------------------------------------------
# Setup and audit: plain synchronous http.client.

class SetupError(Exception):
    pass


class Api:
    def __init__(self, host, port):
        self.host, self.port = host, port
        self.conn = http.client.HTTPConnection(host, port, timeout=120)

    def call(self, method, path, token=None, body=None, ctype="application/json", expect=(200, 201)):
        headers = {}
        if token:
            headers["Authorization"] = "Bearer " + token
        if body is not None:
            headers["Content-Type"] = ctype
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
            if isinstance(body, str):
                body = body.encode()
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                r = self.conn.getresponse()
                data = r.read()
                break
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
                if attempt == 2:
                    raise
        if expect and r.status not in expect:
            raise SetupError(f"{method} {path} answered {r.status}: {data[:500].decode(errors='replace')}")
        return r.status, (json.loads(data) if data else None)


def setup(api, admin_password, units):
    _, r = api.call("POST", "/api/v1/auth/login", body={"username": "admin", "password": admin_password})
    admin = r["token"]
    _, all_units = api.call("GET", "/api/v1/units")
    regions = [u["code"] for u in all_units if u["kind"] == "region"]
    codes = regions[:units]
    existing = {u["code"] for u in all_units}
    n = 0
    while len(codes) < units:
        n += 1
        code = f"IND{n:02d}"
        if code not in existing:
            api.call("POST", "/api/v1/units", admin, {"code": code, "name": f"行业{n:02d}", "kind": "industry"})
        codes.append(code)
    tokens = {}
    for code in codes:
        username = f"soak{code.lower()}"
        api.call("POST", "/api/v1/users", admin,
                 {"username": username, "password": UNIT_PASSWORD, "role": "unit", "unitCode": code})
        _, r = api.call("POST", "/api/v1/auth/login", body={"username": username, "password": UNIT_PASSWORD})
        tokens[code] = r["token"]

    # Certificates to verify, issued by the first unit from its own allocated stock.
    issuer = codes[0]
    _, order = api.call("POST", "/api/v1/certificate-orders", tokens[issuer],
                        {"unitCode": issuer, "level": "5", "quantity": CERTIFICATES})
    _, order = api.call("POST", f"/api/v1/certificate-orders/{order['id']}/allocate", admin, {"unitPriceYuan": "5.00"})
    first = int(order["serialFrom"])
    width = len(order["serialFrom"])
    certs = []
    rows = []
    lines = ["serial,holderName,idNumber,occupation,level,issuedOn"]
    for k in range(CERTIFICATES):
        serial = f"{first + k:0{width}d}"
        name = f"测试{k}"
        certs.append((serial, name))
        rows.append((name, id_number(first + k), "电工", "5", f"2025-01-{1 + k % 28:02d}"))
        lines.append(",".join((serial,) + rows[-1]))
    # A certificate is issued only against a recorded exam pass: one for each.
    try:
        passes.record_passes(f"http://{api.host}:{api.port}", admin, tokens[issuer], rows, unit=issuer)
    except passes.PassError as e:
        raise SetupError(f"exam passes: {e}")
    _, r = api.call("POST", "/api/v1/certificates/import", tokens[issuer], "\n".join(lines) + "\n", ctype="text/csv")
    if r.get("imported") != CERTIFICATES or r.get("errors"):
        raise SetupError(f"certificate import: {json.dumps(r, ensure_ascii=False)[:500]}")
    return admin, codes, tokens, certs


# ----------------------------------------------------------------------------------------------
# Load: asyncio, one raw keep-alive connection per worker.

class HttpProtocol(asyncio.Protocol):
    """One HTTP/1.1 connection with at most one request in flight."""

    def __init__(self):
        self.transport = None
        self.buf = bytearray()
        self.fut = None
        self.closed = False
        self.head = None  # (status, content_length or -1 for chunked, close)

    def connection_made(self, transport):
        self.transport = transport

    def connection_lost(self, exc):
        self.closed = True
        if self.fut is not None and not self.fut.done():
            self.fut.set_exception(ConnectionError(f"connection closed by server ({exc or 'EOF'})"))

    def request(self, data):
        self.fut = asyncio.get_running_loop().create_future()
        self.buf.clear()
        self.head = None
        self.transport.write(data)
        return self.fut

    def data_received(self, data):
        self.buf += data
        if self.fut is None or self.fut.done():
            return
        if self.head is None:
            i = self.buf.find(b"\r\n\r\n")
            if i < 0:
                return
            head = bytes(self.buf[:i]).lower()
            del self.buf[:i + 4]
            status = int(head[9:12])
            length = 0
            close = False
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name == b"content-length":
                    length = int(value)
                elif name == b"transfer-encoding" and b"chunked" in value:
                    length = -1
                elif name == b"connection" and b"close" in value:
                    close = True
            self.head = (status, length, close)
        status, length, close = self.head
        if length >= 0:
            if len(self.buf) < length:
                return
            body = bytes(self.buf[:length])
        else:
            body = self.dechunk()
            if body is None:
                return
        self.fut.set_result((status, body, close))

    def dechunk(self):
        out, pos, b = bytearray(), 0, self.buf
        while True:
            j = b.find(b"\r\n", pos)
            if j < 0:
                return None
            size = int(bytes(b[pos:j]).split(b";")[0], 16)
            if size == 0:
                return bytes(out) if b.find(b"\r\n\r\n", j) >= 0 or b.endswith(b"\r\n\r\n") else None
            if len(b) < j + 2 + size + 2:
                return None
            out += b[j + 2:j + 2 + size]
            pos = j + 2 + size + 2


class Stats:
    def __init__(self, name, workers):
        self.name, self.workers = name, workers
        self.latencies = []
        self.statuses = collections.Counter()
        self.conn_errors = collections.Counter()
        self.wrong = collections.Counter()
        self.server_errors = collections.Counter()  # (status, first 200 bytes of the body) → count


class Client:
    def __init__(self, host, port, stats):
        self.host, self.port, self.stats = host, port, stats
        self.proto = None

    async def send(self, data):
        """Sends one request; returns (status, body) or None after a connection error / timeout."""
        loop = asyncio.get_running_loop()
        if self.proto is None or self.proto.closed:
            try:
                _, self.proto = await loop.create_connection(HttpProtocol, self.host, self.port)
            except OSError as e:
                self.stats.conn_errors[f"connect: {e.__class__.__name__}"] += 1
                self.proto = None
                await asyncio.sleep(0.05)
                return None
        t0 = time.perf_counter()
        fut = self.proto.request(data)
        timer = loop.call_later(REQUEST_TIMEOUT, lambda: fut.done() or fut.set_exception(TimeoutError()))
        try:
            status, body, close = await fut
        except TimeoutError:
            self.stats.conn_errors[f"timeout after {REQUEST_TIMEOUT:.0f} s"] += 1
            self.proto.transport.close()
            self.proto = None
            return None
        except ConnectionError as e:
            self.stats.conn_errors[str(e)] += 1
            self.proto = None
            return None
        finally:
            timer.cancel()
        self.stats.latencies.append(time.perf_counter() - t0)
        self.stats.statuses[status] += 1
        if status >= 500:
            try:
                msg = json.loads(body)["error"]["message"]
            except Exception:
                msg = body[:200].decode(errors="replace")
            self.stats.server_errors[(status, msg)] += 1
        if close:
            self.proto.transport.close()
            self.proto = None
        return status, body


def raw_request(host, method, path, token=None, body=None):
    h = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n"
    if token:
        h += f"Authorization: Bearer {token}\r\n"
    if body is not None:
        h += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return h.encode() + b"\r\n" + (body or b"")


class UnitLog:
    """What one unit's worker sent and got, for the audit check."""

    def __init__(self, code):
        self.code = code
        self.ok = 0                # saves that answered 200
        self.other = collections.Counter()  # other answers (status or "conn")
        self.expected_saves = 0     # 200s that changed the values
        self.expected_values = 0    # changed fields over those saves
        self.ok_national = set()    # standards.national of the 200s
        self.failed_national = {}   # standards.national → what the failed attempt got
        self.last_ok = None         # fields of the last 200


async def report_worker(host, port, stats, log, token, deadline):
    c = Client(host, port, stats)
    path = f"/api/v1/reports/{PERIOD}/{log.code}"
    i = 0
    while time.monotonic() < deadline:
        i += 1
        values = report_values(i)
        r = await c.send(raw_request(host, "PUT", path, token, json.dumps(values).encode()))
        if r is None:
            log.other["conn"] += 1
            log.failed_national[i] = "connection error"
            continue
        status, body = r
        if status != 200:
            log.other[status] += 1
            log.failed_national[i] = status
            continue
        try:
            got = json.loads(body)["values"]["standards"]["national"]
        except Exception:
            got = None
        if got != i:
            stats.wrong[f"answer holds standards.national {got}, sent {i}"] += 1
        log.ok += 1
        log.ok_national.add(i)
        f = fields(values)
        changed = len(f) if log.last_ok is None else sum(1 for k in f if f[k] != log.last_ok[k])
        if changed:
            log.expected_saves += 1
            log.expected_values += changed
        log.last_ok = f


async def verify_worker(host, port, stats, requests, deadline, seed):
    c = Client(host, port, stats)
    rnd = random.Random(seed)
    while time.monotonic() < deadline:
        r = await c.send(rnd.choice(requests))
        if r is not None and r[0] == 200 and b'"result":"valid"' not in r[1]:
            stats.wrong["verification not valid: " + r[1][:120].decode(errors="replace")] += 1


async def complaint_worker(host, port, stats, unit, deadline, n):
    c = Client(host, port, stats)
    i = 0
    while time.monotonic() < deadline:
        i += 1
        body = json.dumps({"category": "overcharge", "unitCode": unit, "station": None,
                           "description": f"浸泡测试举报：鉴定站超标准收费，第{n}-{i}件。", "contact": None,
                           "channel": "web"}, ensure_ascii=False).encode()
        r = await c.send(raw_request(host, "POST", "/api/v1/complaints", None, body))
        if r is not None and r[0] == 201 and b'"receipt"' not in r[1]:
            stats.wrong["complaint answer without a receipt"] += 1


async def load(host, port, seconds, codes, tokens, certs, complaint_unit):
    saves = Stats(f"report save   PUT /api/v1/reports/{PERIOD}/{{unitCode}}", len(codes))
    verifies = Stats("verify        GET /api/v1/verify?serial=…&name=…", VERIFY_WORKERS)
    complaints = Stats("complaint     POST /api/v1/complaints", COMPLAINT_WORKERS)
    logs = {code: UnitLog(code) for code in codes}
    verify_requests = [raw_request(host, "GET", "/api/v1/verify?" + urllib.parse.urlencode({"serial": s, "name": n}))
                       for s, n in certs]
    start = time.monotonic()
    deadline = start + seconds
    tasks = [report_worker(host, port, saves, logs[c], tokens[c], deadline) for c in codes]
    tasks += [verify_worker(host, port, verifies, verify_requests, deadline, k) for k in range(VERIFY_WORKERS)]
    tasks += [complaint_worker(host, port, complaints, complaint_unit, deadline, k) for k in range(COMPLAINT_WORKERS)]
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - start
    return elapsed, [saves, verifies, complaints], logs


# ----------------------------------------------------------------------------------------------
# Output.

def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, math.ceil(p / 100 * len(sorted_values)) - 1))  # nearest rank
    return sorted_values[k]


def print_table(s, elapsed):
    lat = sorted(s.latencies)
    count = len(lat)
    errors = sum(s.conn_errors.values())
    five = sum(n for st, n in s.statuses.items() if st >= 500)
    print(f"\n{s.name}   ({s.workers} workers)")
    rows = [("requests", f"{count}"), ("requests/s", f"{count / elapsed:.1f}")]
    rows += [(f"  status {st}", f"{n}") for st, n in sorted(s.statuses.items())]
    rows += [("latency p50 ms", f"{percentile(lat, 50) * 1000:.1f}"),
             ("latency p99 ms", f"{percentile(lat, 99) * 1000:.1f}"),
             ("latency max ms", f"{(lat[-1] if lat else float('nan')) * 1000:.1f}"),
             ("5xx", f"{five}"),
             ("connection errors", f"{errors}")]
    if s.wrong:
        rows.append(("wrong answers", f"{sum(s.wrong.values())}"))
    for k, v in rows:
        print(f"  {k:<20}{v:>10}")
    for (st, msg), n in s.server_errors.most_common(5):
        print(f"  {n} × {st}: {msg}")
    for msg, n in s.conn_errors.most_common(5):
        print(f"  {n} × {msg}")
    for msg, n in s.wrong.most_common(5):
        print(f"  {n} × {msg}")
    return five, errors, sum(s.wrong.values())


def audit(api, admin, codes, logs):
    print(f"\naudit check: GET /api/v1/reports/{PERIOD}/{{unitCode}}/history — one create/update event per 200 save "
          "that changed the values, one \"value\" event per changed field, the national values of exactly those saves")
    print(f"  {'unit':<8}{'200':>6}{'other':>7}   {'save events':>15}   {'value events':>15}   result")
    print(f"  {'':<8}{'':>6}{'':>7}   {'expected/found':>15}   {'expected/found':>15}")
    failed = 0
    for code in codes:
        log = logs[code]
        status, history = api.call("GET", f"/api/v1/reports/{PERIOD}/{code}/history", admin, expect=(200, 404))
        history = history if status == 200 else []
        save_events = [e for e in history if e["action"] in ("create", "update", "correct")]
        value_events = [e for e in history if e["action"] == "value"]
        nationals = collections.Counter(int(e["new"]) for e in value_events if e["field"] == "standards.national")
        problems = []
        if len(save_events) != log.expected_saves:
            problems.append(f"{len(save_events)} save events for {log.expected_saves} saves")
        if len(value_events) != log.expected_values:
            problems.append(f"{len(value_events)} value events for {log.expected_values} changed fields")
        dup = sorted(v for v, n in nationals.items() if n > 1)
        missing = sorted(log.ok_national - set(nationals))
        extra = sorted(set(nationals) - log.ok_national)
        if dup:
            problems.append(f"national recorded twice: {dup[:5]}")
        if missing:
            problems.append(f"answered 200 but not in the trail: {missing[:5]}{'…' if len(missing) > 5 else ''}")
        if extra:
            shown = [f"{v} (answered {log.failed_national.get(v, '?')})" for v in extra[:5]]
            problems.append(f"in the trail without a 200: {', '.join(shown)}{'…' if len(extra) > 5 else ''}")
        if log.last_ok is not None:
            st, report = api.call("GET", f"/api/v1/reports/{PERIOD}/{code}", admin, expect=(200, 404))
            stored = report["values"]["standards"]["national"] if st == 200 else None
            if stored != log.last_ok["standards.national"]:
                problems.append(f"stored national {stored}, last 200 saved {log.last_ok['standards.national']}")
        other = sum(log.other.values())
        saves = f"{log.expected_saves}/{len(save_events)}"
        values = f"{log.expected_values}/{len(value_events)}"
        print(f"  {code:<8}{log.ok:>6}{other:>7}   {saves:>15}   {values:>15}   "
              f"{'ok' if not problems else 'FAIL: ' + '; '.join(problems)}")
        failed += bool(problems)
    total = sum(l.ok for l in logs.values())
    print(f"audit check: {'PASSED' if not failed else 'FAILED'} — {len(codes) - failed}/{len(codes)} units consistent, "
          f"{total} saves answered 200")
    return failed == 0


# ----------------------------------------------------------------------------------------------
# SQLite baseline: the same report-shaped writes by one process, one transaction per save.

def sqlite_baseline(directory, units, target, seconds):
    path = os.path.join(directory, "baseline.sqlite")
    for suffix in ("", "-wal", "-shm"):
        try:
            os.remove(path + suffix)
        except FileNotFoundError:
            pass
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    synchronous = os.environ.get("SOAK_BASELINE_SYNCHRONOUS", "FULL")
    db.execute(f"PRAGMA synchronous={synchronous}")
    counts = ["std_national", "std_verified_local", "std_unverified_local", "bank_national", "bank_certified_local",
              "bank_uncertified_local", "overcharge_investigated", "overcharge_uninvestigated",
              "violations_investigated", "violations_uninvestigated", "forgery_investigated", "forgery_uninvestigated"]
    db.executescript(f"""
        CREATE TABLE units (code TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, active INTEGER NOT NULL);
        CREATE TABLE reports (id TEXT PRIMARY KEY, period TEXT NOT NULL, year INTEGER NOT NULL, quarter INTEGER NOT NULL,
            unit_code TEXT NOT NULL REFERENCES units(code), revision INTEGER NOT NULL, status TEXT NOT NULL,
            comment TEXT, submitted_at REAL, late INTEGER NOT NULL, accepted_at REAL,
            {', '.join(c + ' INTEGER NOT NULL' for c in counts)},
            fee_standard INTEGER NOT NULL, cross_region INTEGER NOT NULL, supervision INTEGER NOT NULL,
            due_fen INTEGER NOT NULL, paid_fen INTEGER NOT NULL, created_at REAL, updated_at REAL,
            UNIQUE (period, unit_code, revision));
        CREATE TABLE report_events (id TEXT PRIMARY KEY, report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
            period TEXT NOT NULL, unit_code TEXT NOT NULL, revision INTEGER NOT NULL, action TEXT NOT NULL,
            field TEXT, old_value TEXT, new_value TEXT, comment TEXT, actor TEXT NOT NULL, at REAL NOT NULL,
            seq INTEGER NOT NULL);
        CREATE INDEX report_events_report ON report_events (report_id, seq);
    """)
    ids = []
    now = time.time()
    db.execute("BEGIN")
    for n in range(units):
        code = f"U{n:04d}"
        rid = str(uuid.uuid4())
        ids.append((code, rid))
        db.execute("INSERT INTO units VALUES (?, ?, 'region', 1)", (code, f"单位{n}"))
        db.execute(f"INSERT INTO reports VALUES (?, ?, 2025, 1, ?, 1, 'draft', NULL, NULL, 0, NULL, "
                   f"{', '.join('0' for _ in counts)}, 1, 0, 1, 12000000, 9000000, ?, ?)", (rid, PERIOD, code, now, now))
    db.execute("COMMIT")
    done = 0
    start = time.monotonic()
    stop = start + seconds
    while done < target and time.monotonic() < stop:
        code, rid = ids[done % units]
        now = time.time()
        db.execute("BEGIN IMMEDIATE")
        db.execute("SELECT * FROM units WHERE code = ?", (code,)).fetchone()
        row = db.execute("SELECT id, std_national FROM reports WHERE period = ? AND unit_code = ? "
                         "ORDER BY revision DESC LIMIT 1", (PERIOD, code)).fetchone()
        db.execute("SELECT * FROM reports WHERE period = '2025Q2' AND unit_code = ? ORDER BY revision DESC LIMIT 1",
                   (code,)).fetchone()
        db.execute("UPDATE reports SET std_national = ?, updated_at = ? WHERE id = ?", (done + 1, now, rid))
        for action, field, old, new in (("update", None, None, None),
                                        ("value", "standards.national", str(row[1]), str(done + 1))):
            seq = db.execute("SELECT max(seq) FROM report_events WHERE report_id = ?", (rid,)).fetchone()[0]
            db.execute("INSERT INTO report_events VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, NULL, 'soak', ?, ?)",
                       (str(uuid.uuid4()), rid, PERIOD, code, action, field, old, new, now,
                        (seq if seq is not None else -1) + 1))
        db.execute("COMMIT")
        done += 1
    elapsed = time.monotonic() - start
    db.close()
    return done, elapsed, synchronous


# ----------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--units", type=int, default=20)
    ap.add_argument("--admin-password", required=True)
    ap.add_argument("--sqlite-baseline-dir", help="run the SQLite baseline with a file in this directory")
    a = ap.parse_args()

    api = Api(a.host, a.port)
    t0 = time.monotonic()
    try:
        admin, codes, tokens, certs = setup(api, a.admin_password, a.units)
    except (SetupError, OSError, http.client.HTTPException, KeyError, ValueError) as e:
        print(f"setup failed: {e}", file=sys.stderr)
        return 2
    print(f"setup: {len(codes)} units with a user each ({codes[0]} … {codes[-1]}), {len(certs)} certificates issued "
          f"by {codes[0]}, in {time.monotonic() - t0:.1f} s")
    print(f"load: {len(codes)} report savers + {VERIFY_WORKERS} verifiers + {COMPLAINT_WORKERS} complaint filers, "
          f"{a.seconds:g} s, one keep-alive connection each")

    cpu = time.process_time()
    elapsed, stats, logs = asyncio.run(load(a.host, a.port, a.seconds, codes, tokens, certs, codes[0]))
    cpu = time.process_time() - cpu
    print(f"load ran {elapsed:.1f} s; this client used {cpu:.1f} s of CPU ({100 * cpu / elapsed:.0f}% of one core)")
    five = errors = wrong = 0
    for s in stats:
        f, e, w = print_table(s, elapsed)
        five, errors, wrong = five + f, errors + e, wrong + w

    api = Api(a.host, a.port)  # a fresh connection: the old one idled through the load
    try:
        ok = audit(api, admin, codes, logs)
    except (SetupError, OSError, http.client.HTTPException, KeyError, ValueError) as e:
        print(f"audit check: FAILED — could not read the trail: {e}")
        ok = False

    saves_ok = sum(l.ok for l in logs.values())
    complaints_ok = stats[2].statuses.get(201, 0)
    print(f"\nserver writes: {saves_ok / elapsed:.1f} report saves/s (200) + {complaints_ok / elapsed:.1f} complaints/s (201)")
    if a.sqlite_baseline_dir:
        target = max(saves_ok, 2000)
        done, t, sync = sqlite_baseline(a.sqlite_baseline_dir, len(codes), target, a.seconds)
        base = done / t if t > 0 else float("nan")
        print(f"sqlite baseline: {done} report-shaped writes by one process (Python sqlite3 {sqlite3.sqlite_version}, WAL, "
              f"synchronous={sync}, one transaction per save: 3 reads, UPDATE of one row, 2 × (max(seq) + INSERT event)) "
              f"in {t:.2f} s = {base:.1f} writes/s")
        print(f"sqlite ratio: server {saves_ok / elapsed:.1f} saves/s ÷ baseline {base:.1f} writes/s = "
              f"{(saves_ok / elapsed) / base:.3f}")

    failures = []
    if five:
        failures.append(f"{five} answers 5xx")
    if errors:
        failures.append(f"{errors} connection errors/timeouts")
    if wrong:
        failures.append(f"{wrong} wrong answers")
    if not ok:
        failures.append("audit check failed")
    print(f"\nsoak: {'FAILED — ' + ', '.join(failures) if failures else 'PASSED'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
