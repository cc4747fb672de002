"""What the browser tests share: the server on a fresh SQLite file, the JSON API, headless Chromium.

test_browser.py (a person's journeys) and test_crawl.py (every page as every role) import it.
The server binary is `.build/debug/zhijian` unless ZHIJIAN_BIN names another one.
"""
import importlib.util
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.support.ui import WebDriverWait as _Wait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("ZHIJIAN_BIN") or os.path.join(ROOT, ".build", "debug", "zhijian")

# Benchmarks/passes.py: the exam passes certificates are issued against, recorded through the API.
_spec = importlib.util.spec_from_file_location("passes", os.path.join(ROOT, "Benchmarks", "passes.py"))
passes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(passes)


def record_passes(base, admin_token, unit_token, certificates, unit="110000", **kw):
    """Records a pass for each (holderName, idNumber, occupation, level, issuedOn) a certificate is
    then issued for: the occupations and a station of the unit, sessions dated the earliest issue
    date, the results (see Benchmarks/passes.py). Returns the sessions' ids."""
    return passes.record_passes(base, admin_token, unit_token, certificates, unit=unit, **kw)


def china_today():
    """The server's day (Asia/Shanghai), as dates are checked against it."""
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))


class WebDriverWait(_Wait):  # waits that survive a page being replaced
    def __init__(self, driver, timeout):
        super().__init__(driver, timeout, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException))

    def until(self, method, message=""):
        # Chromium reports an element of the page being replaced as a node that "does not belong
        # to the document" (a plain WebDriverException, not a stale-element one): try again.
        def tolerant(driver):
            try:
                return method(driver)
            except WebDriverException as e:
                if "does not belong to the document" in str(e):
                    return False
                raise
        return super().until(tolerant, message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(base, method, path, token=None, body=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as res:
        return json.loads(res.read() or b"null")


def previous_quarter():
    t = time.gmtime(time.time() + 8 * 3600)
    q = (t.tm_mon - 1) // 3 + 1
    return f"{t.tm_year - 1}Q4" if q == 1 else f"{t.tm_year}Q{q - 1}"


def server_env(tmp, admin_password, **extra):
    """The environment of a server (or a command of the binary) on tmp/zj.sqlite, templates from ROOT."""
    return dict(os.environ, DATABASE_URL=f"sqlite://{tmp}/zj.sqlite", ZHIJIAN_KEY_FILE=f"{tmp}/zhijian.key",
                ZHIJIAN_ADMIN_PASSWORD=admin_password, ZHIJIAN_BCRYPT_COST="4", ZHIJIAN_ROOT=ROOT, **extra)


def start_server(tmp, port, env):
    """`zhijian serve` on 127.0.0.1:port, its log in tmp/server.log; returns once /healthz answers."""
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([BINARY, "serve", "--hostname", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=open(os.path.join(tmp, "server.log"), "w"), stderr=subprocess.STDOUT)
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/healthz")
            break
        except (OSError, urllib.error.URLError):
            if server.poll() is not None:
                raise RuntimeError("the server stopped: " + open(os.path.join(tmp, "server.log")).read()[-2000:])
            time.sleep(0.1)
    return server


def stop_server(server):
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


def chrome(width=1600, height=1000, lang="zh-CN", logs=False):
    """Headless Chromium through the system chromedriver; logs=True keeps the console for get_log('browser')."""
    opts = webdriver.ChromeOptions()
    for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}", f"--lang={lang}"]:
        opts.add_argument(a)
    if logs:
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # Irreversible actions ask for confirmation (data-confirm); the person here says yes.
    opts.set_capability("unhandledPromptBehavior", "accept")
    service = webdriver.ChromeService(executable_path="/usr/bin/chromedriver")
    return webdriver.Chrome(options=opts, service=service)
