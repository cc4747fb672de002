"""Records the exam passes certificates are issued against (a certificate is issued only against a
recorded pass: the same ID number and name, a session of the issuing unit in the same occupation
and level, dated on or before the issue date, one certificate per pass).

Shared by the benchmarks (Benchmarks/certificates.sh, cluster.sh, soak.py), the crash, cluster
and browser tests and scripts/fuzz.sh; Python's standard library only.

  record_passes(base, admin_token, unit_token, certificates, unit=..., region=...)

registers the occupations (409 when they exist is fine), a station of the unit with them in its
scope (PASS-<unit>; 409 fine), then for each occupation and level one session per at most
100,000 people, dated the earliest issue date of that occupation and level, and each person's pass
through the results CSV import. A person holding k certificates of one occupation and level gets
k passes, in k sessions. `certificates` are (holderName, idNumber, occupation, level, issuedOn)
tuples (occupation: code or name) or the rows of a certificate CSV (see `read_csv`).

As a command, for the shell benchmarks:

  python3 Benchmarks/passes.py URL CERTIFICATES.csv [--unit 110000] [--region 110000]

with the tokens in PASSES_ADMIN_TOKEN and PASSES_UNIT_TOKEN; prints what it recorded.
"""
import argparse
import csv
import io
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid

OCCUPATIONS = {"6-07-06-01": "电工"}
MAX_PER_SESSION = 100_000


class PassError(RuntimeError):
    pass


def call(base, method, path, token=None, body=None, raw=None, content_type="application/json", timeout=900):
    """(status, parsed JSON answer); never raises on an HTTP status."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    req = urllib.request.Request(base + path, method=method, data=data)
    if data is not None:
        req.add_header("Content-Type", content_type)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            text = res.read()
            return res.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as e:
        text = e.read()
        try:
            return e.code, json.loads(text or b"null")
        except ValueError:
            return e.code, text.decode(errors="replace")


def _ok(answer, what, accept=(200, 201)):
    status, body = answer
    if status not in accept:
        raise PassError(f"{what} answered {status}: {json.dumps(body, ensure_ascii=False)[:500]}")
    return body


def read_csv(path):
    """The (holderName, idNumber, occupation, level, issuedOn) of each line of a certificate CSV."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.reader(f)
        header = next(rows)
        ix = [header.index(k) for k in ("holderName", "idNumber", "occupation", "level", "issuedOn")]
        return [tuple(r[i] for i in ix) for r in rows if r]


def ensure_station(base, admin_token, unit_token, unit, region, occupations=None, station=None):
    """The occupations registered and a station of the unit with all of them (every level) in scope."""
    occupations = occupations or OCCUPATIONS
    for code, name in occupations.items():
        _ok(call(base, "POST", "/api/v1/occupations", admin_token, {"code": code, "name": name}),
            f"occupation {code}", (201, 409))
    station = station or f"PASS-{unit}"
    _ok(call(base, "POST", "/api/v1/stations", unit_token, {
        "code": station, "name": f"{unit}考核鉴定站", "unitCode": unit, "regionCode": region,
        "scope": [{"occupation": code, "maxLevel": "1"} for code in occupations],
        "licenceNo": f"LIC-{station}", "licenceExpires": "2030-12-31", "address": "北京市西城区示例路1号",
        "personInCharge": "王主任"}), f"station {station}", (201, 409))
    return station


def create_session(base, unit_token, station, occupation, level, date, people, region, bank=None):
    """A session of `people` candidates who all passed; its id."""
    s = _ok(call(base, "POST", "/api/v1/sessions", unit_token, {
        "stationCode": station, "occupation": occupation, "level": level, "date": date, "regionCode": region,
        "standardKind": "national", "bankKind": "national", "bankCode": bank or f"P-{uuid.uuid4().hex[:16]}",
        "candidates": people, "passed": people, "feeYuan": "100", "supervisorId": None}),
        f"session {occupation}/{level}/{date}")
    return s["id"]


def import_results(base, unit_token, session_id, people, passed=True):
    """The results CSV of (name, idNumber) pairs for a session; checks that every line was taken."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["name", "idNumber", "passed", "score"])
    for k, (name, idn) in enumerate(people):
        w.writerow([name, idn, 1 if passed else 0, 60 + k % 40 if passed else 30])
    r = _ok(call(base, "POST", f"/api/v1/sessions/{session_id}/results/import", unit_token,
                 raw=out.getvalue().encode(), content_type="text/csv"), f"results of session {session_id}")
    if r.get("errors") or r.get("added", 0) + r.get("updated", 0) + r.get("unchanged", 0) != len(people):
        raise PassError(f"results of session {session_id}: {json.dumps(r, ensure_ascii=False)[:500]}")
    return r


def record_passes(base, admin_token, unit_token, certificates, unit="110000", region=None, occupations=None,
                  station=None, per_session=MAX_PER_SESSION):
    """Records a pass for every certificate (see the module's doc); returns the sessions' ids."""
    occupations = dict(occupations or OCCUPATIONS)
    region = region or unit
    station = ensure_station(base, admin_token, unit_token, unit, region, occupations, station)
    by_name = {name: code for code, name in occupations.items()}
    register = None
    # Per occupation and level: each person's certificates, and the earliest issue date.
    groups = {}
    for holder, idn, occupation, level, issued in certificates:
        code = occupation if occupation in occupations else by_name.get(occupation)
        if code is None:
            if register is None:
                listed = _ok(call(base, "GET", "/api/v1/occupations", admin_token), "occupations")
                register = {o["name"]: o["code"] for o in listed}
                register.update({o["code"]: o["code"] for o in listed})
            code = register.get(occupation)
            if code is None:
                raise PassError(f"occupation {occupation} is not registered")
        g = groups.setdefault((code, level), {"first": issued, "people": {}})
        g["first"] = min(g["first"], issued)
        g["people"].setdefault(idn.upper(), [holder, 0])[1] += 1
    sessions = []
    for (code, level), g in sorted(groups.items()):
        # Round k holds everyone with more than k certificates: no one twice in a session.
        people = [(name, idn, n) for idn, (name, n) in g["people"].items()]
        for k in range(max(n for _, _, n in people)):
            batch = [(name, idn) for name, idn, n in people if n > k]
            for start in range(0, len(batch), per_session):
                chunk = batch[start:start + per_session]
                sid = create_session(base, unit_token, station, code, level, g["first"], len(chunk), region)
                import_results(base, unit_token, sid, chunk)
                sessions.append(sid)
    return sessions


def main():
    p = argparse.ArgumentParser(description="Records a pass for every certificate of a certificate CSV.")
    p.add_argument("url")
    p.add_argument("csv")
    p.add_argument("--unit", default="110000")
    p.add_argument("--region", default=None)
    a = p.parse_args()
    admin, unit = os.environ["PASSES_ADMIN_TOKEN"], os.environ["PASSES_UNIT_TOKEN"]
    rows = read_csv(a.csv)
    t0 = time.time()
    try:
        sessions = record_passes(a.url, admin, unit, rows, unit=a.unit, region=a.region)
    except PassError as e:
        sys.exit(f"passes: {e}")
    print(f"passes: {len(rows)} recorded in {len(sessions)} sessions, {time.time() - t0:.1f} s", flush=True)


if __name__ == "__main__":
    main()
