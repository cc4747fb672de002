"""Crash safety: the server is killed with SIGKILL in the middle of a certificate import and of a
session import, started again on the same SQLite file, and must find every import whole or
absent (never half), the database's integrity intact, and the import still possible.

Usage: python3 Tests/crash/test_crash.py [path to zhijian binary]   (run by `make test`)
"""
import importlib.util
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/debug/zhijian")
ADMIN_PASSWORD = "crash-admin-1"
CERTS = 60_000
SESSIONS = 60_000

spec = importlib.util.spec_from_file_location("gen", os.path.join(ROOT, "Benchmarks/gen_certificates.py"))
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, tmp):
        self.tmp = tmp
        self.proc = None
        self.port = None

    def start(self):
        self.port = free_port()
        env = dict(os.environ, DATABASE_URL=f"sqlite://{self.tmp}/crash.sqlite", ZHIJIAN_KEY_FILE=f"{self.tmp}/zhijian.key",
                   ZHIJIAN_ADMIN_PASSWORD=ADMIN_PASSWORD, ZHIJIAN_BCRYPT_COST="4")
        log = open(os.path.join(self.tmp, "server.log"), "a")
        self.proc = subprocess.Popen([BINARY, "serve", "--hostname", "127.0.0.1", "--port", str(self.port)],
                                     cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                urllib.request.urlopen(self.url("/healthz"), timeout=1)
                return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def call(self, method, path, token=None, body=None, content_type="application/json", timeout=120):
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        req = urllib.request.Request(self.url(path), data=data, method=method)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        if data is not None:
            req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                text = r.read()
                return r.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def login(self, user, password):
        status, body = self.call("POST", "/api/v1/auth/login", body={"username": user, "password": password})
        assert status == 200, (status, body)
        return body["token"]


def counts(tmp):
    db = sqlite3.connect(f"file:{tmp}/crash.sqlite?mode=ro", uri=True)
    try:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        certs = db.execute("SELECT COUNT(*) FROM certificates").fetchone()[0]
        sessions = db.execute("SELECT COUNT(*) FROM exam_sessions").fetchone()[0]
        return integrity, certs, sessions
    finally:
        db.close()


def post_in_background(server, path, token, body):
    """Sends the upload from a thread; the answer never comes when the server is killed."""
    def run():
        try:
            server.call("POST", path, token=token, body=body, content_type="text/csv", timeout=300)
        except Exception:
            pass
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def wait_until_busy(tmp, timeout=60):
    """Returns once the server holds the file's write lock (its import transaction has begun and
    not committed): a probe's BEGIN IMMEDIATE is then refused at once."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        probe = sqlite3.connect(f"{tmp}/crash.sqlite", timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
        except sqlite3.OperationalError as e:
            if "locked" in str(e) or "busy" in str(e):
                return True
            raise
        finally:
            probe.close()
        time.sleep(0.002)
    return False


def main():
    failures = 0
    with tempfile.TemporaryDirectory(prefix="zhijian-crash-") as tmp:
        server = Server(tmp)
        try:
            server.start()
            admin = server.login("admin", ADMIN_PASSWORD)
            assert server.call("POST", "/api/v1/users", admin, {"username": "bj", "password": "crash-unit-1", "role": "unit",
                                                                 "unitCode": "110000"})[0] == 201
            unit = server.login("bj", "crash-unit-1")
            status, order = server.call("POST", "/api/v1/certificate-orders", unit, {"level": "5", "quantity": CERTS})
            assert status == 201, order
            assert server.call("POST", f"/api/v1/certificate-orders/{order['id']}/allocate", admin,
                               {"unitPriceYuan": "5.00", "allocatedOn": "2026-01-01"})[0] == 200
            csv_path = os.path.join(tmp, "certs.csv")
            gen.main(csv_path, CERTS)
            certs_csv = open(csv_path, "rb").read()
            assert server.call("POST", "/api/v1/occupations", admin, {"code": "6-07-06-01", "name": "电工"})[0] == 201
            assert server.call("POST", "/api/v1/stations", unit, {
                "code": "BJ-01", "name": "北京第一鉴定站", "unitCode": "110000", "regionCode": "110000",
                "scope": [{"occupation": "6-07-06-01", "maxLevel": "1"}], "licenceNo": "京鉴许字001号",
                "licenceExpires": "2030-12-31", "address": "北京市朝阳区测试路1号", "personInCharge": "张站长"})[0] == 201
            lines = ["stationCode,occupation,level,date,regionCode,standardKind,bankKind,bankCode,candidates,passed,feeYuan,supervisorId"]
            for i in range(SESSIONS):
                lines.append(f"BJ-01,6-07-06-01,{1 + i % 5},2025-{1 + i % 12:02d}-{1 + i % 28:02d},110000,national,national,"
                             f"B{i},{10 + i % 50},{i % 10},{100 + i % 7}.00,")
            sessions_csv = ("\n".join(lines) + "\n").encode()

            for name, path, body, table in [("certificate import", "/api/v1/certificates/import", certs_csv, "certificates"),
                                            ("session import", "/api/v1/sessions/import", sessions_csv, "exam_sessions")]:
                post_in_background(server, path, unit, body)
                busy = wait_until_busy(tmp)
                time.sleep(0.05)   # well inside the transaction
                server.kill()
                integrity, certs, sessions = counts(tmp)
                got = certs if table == "certificates" else sessions
                whole = CERTS if table == "certificates" else SESSIONS
                server.start()
                integrity_after, certs_after, sessions_after = counts(tmp)
                after = certs_after if table == "certificates" else sessions_after
                ok = integrity == "ok" and integrity_after == "ok" and got in (0, whole) and after in (0, whole)
                print(f"{'ok' if ok else 'FAIL':5} {name}: killed {'mid-write' if busy else 'before the write'}; "
                      f"rows {got} of {whole} after the kill, {after} after restart; integrity {integrity_after}")
                failures += 0 if ok else 1
                # The import still works, and a second run changes nothing.
                unit = server.login("bj", "crash-unit-1")
                status, result = server.call("POST", path, unit, body, content_type="text/csv", timeout=300)
                status2, result2 = server.call("POST", path, unit, body, content_type="text/csv", timeout=300)
                ok = status == 200 and status2 == 200 and result2["imported"] == 0 and counts(tmp)[1 if table == "certificates" else 2] == whole
                print(f"{'ok' if ok else 'FAIL':5} {name}: imported again after the restart ({result['imported']} + "
                      f"{result['unchanged']} unchanged), then nothing new ({result2['unchanged']} unchanged)")
                failures += 0 if ok else 1
        finally:
            server.stop()
            if failures:
                print(open(os.path.join(tmp, "server.log")).read()[-3000:])
    print(f"crash safety: {'passed' if failures == 0 else f'{failures} failed'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
