"""Several processes on one PostgreSQL database behind nginx act as one service.

Run by `make cluster-test` inside scripts/cluster.sh (PostgreSQL in a temporary directory, three
release processes started at once, nginx in front), with CLUSTER_URL, CLUSTER_PORTS and
CLUSTER_PIDS set. Checks: every process came up; a token made on one works on another; public
lookups spread over the processes meet one shared limit; 12 allocations through different
processes never overlap; concurrent payments through different processes never overpay; a
certificate's token signed on one verifies on the others; a bulletin republished through one is
served at its new revision by all; a process killed with SIGKILL in the middle of an import
leaves the others serving and no half import. Certificates are issued against exam passes
recorded first through the API (Benchmarks/passes.py). Prints "N passed, M failed".
"""
import concurrent.futures
import json
import os
import signal
import sys
import time
import traceback
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks"))
import gen_certificates  # noqa: E402 - distinct valid resident ID numbers, one per person
import passes  # noqa: E402 - records the exam passes certificates are issued against

URL = os.environ["CLUSTER_URL"]
PORTS = [int(p) for p in os.environ["CLUSTER_PORTS"].split()]
PIDS = [int(p) for p in os.environ["CLUSTER_PIDS"].split()]
DIRECT = [f"http://127.0.0.1:{p}" for p in PORTS]
ADMIN_PASSWORD = os.environ["ZHIJIAN_ADMIN_PASSWORD"]


def call(base, method, path, token=None, body=None, raw=None, content_type="application/json", headers=None):
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    req = urllib.request.Request(base + path, method=method, data=data)
    req.add_header("Content-Type", content_type)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=120) as res:
            return res.status, json.loads(res.read() or b"null")
    except urllib.error.HTTPError as e:
        text = e.read()
        try:
            return e.code, json.loads(text or b"null")
        except ValueError:
            return e.code, text.decode(errors="replace")


def ok(base, method, path, token=None, body=None, **kw):
    status, answer = call(base, method, path, token, body, **kw)
    assert 200 <= status < 300, f"{method} {path} on {base}: {status} {answer}"
    return answer


def login(base, user, password):
    return ok(base, "POST", "/api/v1/auth/login", body={"username": user, "password": password})["token"]


def previous_quarter():
    t = time.gmtime(time.time() + 8 * 3600)
    q = (t.tm_mon - 1) // 3 + 1
    return f"{t.tm_year - 1}Q4" if q == 1 else f"{t.tm_year}Q{q - 1}"


def id_number(seq):
    """A valid GB 11643 number: Beijing Xicheng, born 1990-01-01, sequence seq."""
    body = f"11010219900101{seq:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]
    return body + check


REPORT = {"standards": {"national": 4, "verifiedLocal": 0, "unverifiedLocal": 0},
          "banks": {"national": 4, "certifiedLocal": 0, "uncertifiedLocal": 0}, "feeStandard": True,
          "overcharge": {"investigated": 0, "uninvestigated": 0}, "crossRegion": False, "supervision": True,
          "violations": {"investigated": 0, "uninvestigated": 0}, "forgery": {"investigated": 0, "uninvestigated": 0},
          "payment": {"dueYuan": "0.00", "paidYuan": "0.00"}}


def main():
    results = []

    def check(name, fn):
        try:
            fn()
            results.append(True)
            print("ok   ", name, flush=True)
        except Exception:
            results.append(False)
            print("FAIL ", name, flush=True)
            traceback.print_exc()

    state = {}

    def processes_start_together_and_share_tokens():
        for base in DIRECT + [URL]:
            assert ok(base, "GET", "/healthz")["status"] == "ok", base
        admin = login(DIRECT[0], "admin", ADMIN_PASSWORD)
        for base in DIRECT:
            assert ok(base, "GET", "/api/v1/auth/me", admin)["username"] == "admin", base
        ok(DIRECT[1], "POST", "/api/v1/users", admin,
           {"username": "bj", "password": "cluster-bj-pass", "role": "unit", "unitCode": "110000"})
        state["admin"], state["bj"] = admin, login(DIRECT[2], "bj", "cluster-bj-pass")

    def lookups_meet_one_shared_limit():
        # Through nginx, which sets X-Forwarded-For to the address it sees (a client's own is
        # replaced): 40 lookups from one client spread over the processes, one limit of 30.
        codes = []
        for i in range(40):
            status, _ = call(URL, "GET", f"/api/v1/verify?serial=00000000{i:04d}&name=x",
                             headers={"X-Forwarded-For": f"203.0.113.{i}"})
            codes.append(status)
        # Each process alone saw about a third of them: only the shared count refuses the last ten.
        assert codes[:30] == [200] * 30 and codes[30:] == [429] * 10, codes

    def allocations_through_different_processes_never_overlap():
        admin, bj = state["admin"], state["bj"]
        orders = [ok(DIRECT[i % 3], "POST", "/api/v1/certificate-orders", bj, {"level": "5", "quantity": 50 + i})["id"]
                  for i in range(12)]

        def allocate(i):
            return ok(DIRECT[i % 3], "POST", f"/api/v1/certificate-orders/{orders[i]}/allocate", admin, {"unitPriceYuan": "5.00"})

        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            allocated = list(pool.map(allocate, range(12)))
        ranges = sorted((int(o["serialFrom"]), int(o["serialTo"])) for o in allocated)
        assert all(a[1] < b[0] for a, b in zip(ranges, ranges[1:])), ranges
        assert all(t - f + 1 == o["quantity"] for (f, t), o in zip(
            [(int(o["serialFrom"]), int(o["serialTo"])) for o in allocated], allocated))
        state["order"], state["serial"] = allocated[0], allocated[0]["serialFrom"]

    def payments_through_different_processes_never_overpay():
        admin, order = state["admin"], state["order"]
        due = float(order["dueYuan"])

        def pay(i):
            return call(DIRECT[i % 3], "POST", f"/api/v1/certificate-orders/{order['id']}/payments", admin,
                        {"amountYuan": f"{due / 3:.2f}", "paidOn": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))})[0]

        with concurrent.futures.ThreadPoolExecutor(9) as pool:
            statuses = list(pool.map(pay, range(9)))
        paid = sum(float(p["amountYuan"]) for p in ok(URL, "GET", "/api/v1/certificate-payments", admin)
                   if p["orderId"] == order["id"])
        assert statuses.count(201) == 3 and paid <= due + 1e-9, (statuses, paid, due)

    def tokens_signed_on_one_verify_on_the_others():
        admin, bj = state["admin"], state["bj"]
        day = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))  # the server's day (Beijing)
        # The pass it is issued against, recorded through another process.
        passes.record_passes(DIRECT[1], admin, bj, [("张三", id_number(1), "电工", "5", day)])
        issued = ok(DIRECT[0], "POST", "/api/v1/certificates", bj,
                    {"serial": state["serial"], "holderName": "张三", "idNumber": id_number(1), "occupation": "电工",
                     "level": "5", "issuedOn": day})
        assert issued.get("certificateNumber") and issued.get("sessionId"), issued
        for i, base in enumerate(DIRECT):
            # Straight to each process, as a client of its own (the processes trust 127.0.0.1 as a
            # proxy): the lookups above spent the limit of the address nginx forwards.
            answer = ok(base, "GET", f"/api/v1/verify?token={issued['token']}", headers={"X-Forwarded-For": f"198.51.100.{i + 1}"})
            assert answer["result"] == "valid" and answer.get("signatureValid") is True, (base, answer)
        keys = [ok(base, "GET", "/.well-known/jwks.json")["keys"] for base in DIRECT]
        assert keys[0] == keys[1] == keys[2] and len(keys[0]) == 1, keys

    def a_republished_bulletin_is_served_at_its_new_revision_by_all():
        admin, bj = state["admin"], state["bj"]
        p = previous_quarter()
        ok(DIRECT[0], "PUT", f"/api/v1/reports/{p}/110000", bj, REPORT)
        ok(DIRECT[1], "POST", f"/api/v1/reports/{p}/110000/submit", bj)
        ok(DIRECT[2], "POST", f"/api/v1/reports/{p}/110000/accept", admin)
        year = time.gmtime(time.time() + 8 * 3600).tm_year
        ok(DIRECT[0], "POST", f"/api/v1/bulletins/{p}/publish", admin, {"documentNumber": f"人社鉴通〔{year}〕1号"})
        for base in DIRECT:
            assert ok(base, "GET", f"/api/v1/bulletins/{p}")["revision"] == 1, base
        corrected = dict(REPORT, standards={"national": 5, "verifiedLocal": 0, "unverifiedLocal": 0})
        ok(DIRECT[1], "PUT", f"/api/v1/reports/{p}/110000", bj, corrected)
        ok(DIRECT[2], "POST", f"/api/v1/reports/{p}/110000/submit", bj)
        ok(DIRECT[0], "POST", f"/api/v1/reports/{p}/110000/accept", admin)
        ok(DIRECT[1], "POST", f"/api/v1/bulletins/{p}/publish", admin)
        for base in DIRECT + [URL]:
            b = ok(base, "GET", f"/api/v1/bulletins/{p}")
            assert b["revision"] == 2 and b["changes"], (base, b["revision"])
            assert b["document"]["documentNumber"] == f"人社鉴通〔{year}〕1号", base

    def a_process_killed_mid_import_leaves_the_others_and_no_half_import():
        admin, bj = state["admin"], state["bj"]
        rows = 300_000
        order = ok(DIRECT[0], "POST", "/api/v1/certificate-orders", bj, {"level": "4", "quantity": rows})
        order = ok(DIRECT[0], "POST", f"/api/v1/certificate-orders/{order['id']}/allocate", admin, {"unitPriceYuan": "1.00"})
        first = int(order["serialFrom"])
        lines = ["serial,holderName,idNumber,occupation,level,issuedOn"]
        day = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))  # the server's day (Beijing)
        people = [(f"李四{i % 97}", gen_certificates.id_number(10_000_000 + i), "电工", "4", day) for i in range(rows)]
        for i, p in enumerate(people):
            lines.append(f"{first + i:012d}," + ",".join(p))
        body = ("\n".join(lines) + "\n").encode()
        # Every line's pass (three sessions of 100,000 results), so the whole file is issuable.
        passes.record_passes(DIRECT[0], admin, bj, people)
        victim = 2

        def upload():
            return call(DIRECT[victim], "POST", "/api/v1/certificates/import", bj, raw=body, content_type="text/csv")

        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pending = pool.submit(upload)
            time.sleep(0.8)
            os.kill(PIDS[victim], signal.SIGKILL)
            try:
                pending.result(timeout=60)
            except Exception:
                pass
        for base in DIRECT[:victim]:
            assert ok(base, "GET", "/healthz")["status"] == "ok", base
        for _ in range(6):   # nginx passes over the dead process
            assert ok(URL, "GET", "/healthz")["status"] == "ok"
        stored = ok(DIRECT[0], "GET", "/api/v1/certificates?status=issued&per=1", bj)["total"]
        # The certificate issued earlier, plus all of the file or none of it.
        assert stored in (1, rows + 1), stored
        print(f"      killed {'before' if stored == 1 else 'after'} the import's commit; {stored} certificates", flush=True)

    check("three processes start together on one database; a token from one works on the others",
          processes_start_together_and_share_tokens)
    check("40 lookups spread over the processes meet one shared limit (30 a minute)", lookups_meet_one_shared_limit)
    check("12 allocations through different processes never overlap", allocations_through_different_processes_never_overlap)
    check("concurrent payments through different processes never overpay", payments_through_different_processes_never_overpay)
    check("a certificate signed on one process verifies on every one", tokens_signed_on_one_verify_on_the_others)
    check("a bulletin republished through one process is served at its new revision by all",
          a_republished_bulletin_is_served_at_its_new_revision_by_all)
    check("a process killed mid-import leaves the others serving and no half import",
          a_process_killed_mid_import_leaves_the_others_and_no_half_import)
    print(f"{results.count(True)} passed, {results.count(False)} failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
