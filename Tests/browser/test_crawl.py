"""Every page as every role, in headless Chromium, against a real server with demo data.

Starts `zhijian demo-data --scale 1` then `zhijian serve` on a fresh SQLite file, makes sure the
data has what the pages show (unit and supervisor users, reports in every state, a published
bulletin, certificates, complaints, hotlines; made through the API where demo data lacks them),
then crawls breadth-first, for the public (anonymous), a unit, a supervisor and the ministry, every
same-origin page reached by a GET link (never logout, never a form but login), each page in Chinese
and once with ?lang=en. It fails on:

  5xx            an answer 5xx (pages and links, fetched with the browser's cookies: Selenium shows no status)
  console        a SEVERE entry of the browser console (the page's own 4xx status line excepted: see links)
  link-404       a same-origin link (a[href], form[action] of a GET form) that answers 404
  raw-code       a machine code shown to a person: role, kind and status codes (and field keys made of
                 them, standards.national), a bare level under a 等级/Level column or after 等级：, a
                 scope string (6-07-06-01≥3, 6-07-06-01:3), a period 2025Q1 (people read 2025年第一季度,
                 or Q1 2025 in English). Visible text only: <code>, <pre>, inputs' values and what is
                 not rendered are left out. In Chinese any code as a whole word counts; in English
                 (where `returned` is a word) a camelCase code or dotted key always, a plain code
                 only where a piece of text is nothing but codes and numbers (a cell, a badge)
  axe            an axe-core violation of impact serious or critical
  phone-overflow on the public pages at 375 px: the page scrolls sideways (the bulletin table's
                 .table-wrap scrolls inside itself and does not count)

and reports without failing: links this role is shown that answer 403 or 401, and pages that are
not public which scroll sideways at 375 px. Screenshots of every page at 1280 and 375 px go to
SCREENSHOTS_DIR (default Tests/browser/screenshots/). CRAWL_REPORT_ONLY=1 prints all and exits 0.
Knobs: ZHIJIAN_BIN, CRAWL_MAX_PAGES (150 per role), CRAWL_PER_PATTERN (3), CRAWL_ROLES
(public,unit,supervisor,ministry), CRAWL_SCREENSHOTS=0 (none), CRAWL_KEEP=1 (keep the temp dir).
"""
import base64
import collections
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

from selenium.webdriver.common.by import By

from support import (BINARY, ROOT, WebDriverWait, api, chrome, free_port, passes, previous_quarter, record_passes, server_env,
                     start_server, stop_server)

ADMIN_PASSWORD = "crawl-admin-1"
SHOTS_DIR = os.environ.get("SCREENSHOTS_DIR") or os.path.join(ROOT, "Tests", "browser", "screenshots")
TAKE_SHOTS = os.environ.get("CRAWL_SCREENSHOTS", "1") != "0"
REPORT_ONLY = os.environ.get("CRAWL_REPORT_ONLY") == "1"
MAX_PAGES = int(os.environ.get("CRAWL_MAX_PAGES", "150"))
PER_PATTERN = int(os.environ.get("CRAWL_PER_PATTERN", "3"))
ROLES = [r for r in os.environ.get("CRAWL_ROLES", "public,unit,supervisor,ministry").split(",") if r]
DESKTOP = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}
PHONE = {"width": 375, "height": 812, "deviceScaleFactor": 1, "mobile": True}
LANG_COOKIE = "zj_lang"

# The public pages that must read on a phone without scrolling sideways (path patterns, see pattern()).
PHONE_PAGES = {"/", "/bulletins", "/bulletins/{period}", "/bulletins/{period}?revision", "/verify", "/verify?t",
               "/complaints/new", "/complaints/status", "/hotlines", "/stations", "/stations?occupation&region"}

# Machine codes a person must never read. On a Chinese page any of them, as a whole word, is a raw
# code. On an English page most are also English words ("the report was returned"), so there a code
# counts only where it stands alone: a cell, a badge, or between brackets or after a colon.
ROLE_CODES = ["ministry", "unit", "supervisor"]
KIND_CODES = ["national", "region", "industry", "verifiedLocal", "unverifiedLocal", "certifiedLocal", "uncertifiedLocal"]
STATUS_CODES = ["active", "suspended", "revoked", "received", "accepted", "investigating", "handled", "submitted",
                "returned", "draft",
                # The same kind of code, from the models (orders, certificates, complaints):
                "pending", "allocated", "issued", "voided", "unfounded", "transferred", "refused"]
CODES = ROLE_CODES + KIND_CODES + STATUS_CODES
CAMEL_CODES = [c for c in CODES if re.search(r"[A-Z]", c)]   # never an English word: checked everywhere
PERIOD_RE = re.compile(r"(?<![A-Za-z0-9])\d{4}Q[1-4](?![0-9])")
SCOPE_RE = re.compile(r"\d-\d{2}-\d{2}-\d{2}\s*(?:≥|>=|:|：)\s*[1-5](?!\d)|(?<![\d.])≥\s*[1-5](?![\d.])")
LEVEL_TEXT_RE = re.compile(r"(?:等级|级别)\s*[:：]\s*[1-5](?![\d.])|Level\s*:\s*[1-5](?![\d.])")
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

KINDS = [("5xx", "answers 5xx"),
         ("console", "browser console errors (SEVERE)"),
         ("link-404", "links to same-site pages that answer 404"),
         ("raw-code", "raw codes in the visible text"),
         ("axe", "axe-core violations, serious or critical"),
         ("phone-overflow", "public pages scrolling sideways at 375 px"),
         ("crawl", "pages the crawl could not check (an exception in the crawl itself)")]
INFO_KINDS = [("link-denied", "links shown to this role that answer 401/403 (not failing)"),
              ("phone-overflow-staff", "staff pages scrolling sideways at 375 px (not failing)")]

# Visible text, element by element: text nodes under rendered elements, and the labels of input
# buttons. Left out, explicitly: <code>, <pre> (machine identifiers), <script>, <style>, <noscript>,
# <template>, <textarea> and inputs' values (what a person typed).
TEXT_JS = r"""
const skip = 'script,style,noscript,template,code,pre,textarea';
function where(el) {
  const parts = [];
  for (let e = el, n = 0; e && e !== document.body && n < 4; e = e.parentElement, n++) {
    let s = e.tagName.toLowerCase();
    if (e.id) { parts.unshift(s + '#' + e.id); break; }
    const du = e.getAttribute('data-unit'); if (du) s += '[data-unit=' + du + ']';
    if (e.classList.length) s += '.' + e.classList[0];
    parts.unshift(s);
  }
  return parts.join(' > ');
}
function shown(el) {
  const host = el.closest('select') || el;
  return host.checkVisibility ? host.checkVisibility({checkVisibilityCSS: true}) : host.getClientRects().length > 0;
}
const out = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let t = walker.nextNode(); t; t = walker.nextNode()) {
  const el = t.parentElement, text = t.nodeValue.replace(/\s+/g, ' ').trim();
  if (!text || !el || el.closest(skip) || !shown(el)) continue;
  out.push([text, where(el), (el.textContent || '').replace(/\s+/g, ' ').trim()]);
}
for (const b of document.querySelectorAll('input[type=submit],input[type=button],input[type=reset]')) {
  if (b.value && shown(b)) out.push([b.value, where(b), b.value]);
}
return out;
"""

# Bare levels: a table column headed 等级/Level (or a <dt> of that name) holding only a digit 1-5.
LEVEL_JS = r"""
const head = /^(等级|级别|鉴定等级|证书等级|最高等级|Level|Max(imum)? level|Certificate level)$/i;
const out = [];
for (const table of document.querySelectorAll('table')) {
  const rows = Array.from(table.rows);
  const headRow = rows.find(r => Array.from(r.cells).some(c => c.tagName === 'TH' && head.test(c.textContent.trim())));
  if (!headRow) continue;
  let col = 0; const cols = [];
  for (const c of headRow.cells) { if (c.tagName === 'TH' && head.test(c.textContent.trim())) cols.push([col, c.textContent.trim()]); col += c.colSpan || 1; }
  for (const r of rows) {
    if (r === headRow || r.parentElement.tagName === 'THEAD') continue;
    let i = 0;
    for (const c of r.cells) {
      for (const [k, name] of cols) if (k === i && /^[1-5]$/.test(c.textContent.trim()))
        out.push([name, c.textContent.trim(), (table.id ? 'table#' + table.id : 'table') + ' row ' + (r.rowIndex + 1)]);
      i += c.colSpan || 1;
    }
  }
}
for (const dt of document.querySelectorAll('dt')) {
  const dd = dt.nextElementSibling;
  if (dd && dd.tagName === 'DD' && head.test(dt.textContent.trim()) && /^[1-5]$/.test(dd.textContent.trim()))
    out.push([dt.textContent.trim(), dd.textContent.trim(), 'dl']);
}
return out;
"""

LINKS_JS = r"""
const out = [];
for (const a of document.querySelectorAll('a[href]')) out.push(['a', a.getAttribute('href'), a.href]);
for (const f of document.querySelectorAll('form')) {
  if ((f.getAttribute('method') || 'get').toLowerCase() === 'get') out.push(['form', f.getAttribute('action') || '', f.action]);
}
return out;
"""

# Sideways scrolling at phone width, and the outermost elements that stick out (not counting what
# lies inside an element that scrolls sideways itself, as the bulletin table's .table-wrap does).
OVERFLOW_JS = r"""
const de = document.documentElement, cw = de.clientWidth, iw = window.innerWidth, sw = de.scrollWidth;
const res = {scrollWidth: sw, innerWidth: iw, clientWidth: cw, offenders: []};
if (sw <= Math.min(iw, cw)) return res;
function scrolls(e) { const o = getComputedStyle(e).overflowX; return o === 'auto' || o === 'scroll' || o === 'hidden' || o === 'clip'; }
function name(e) {
  let s = e.tagName.toLowerCase();
  if (e.id) s += '#' + e.id; else if (e.classList.length) s += '.' + Array.from(e.classList).join('.');
  return s;
}
const wide = [];
for (const e of document.body.querySelectorAll('*')) {
  const r = e.getBoundingClientRect();
  if (r.width === 0 || r.right <= cw + 1) continue;
  let inside = false;
  for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) if (scrolls(p)) { inside = true; break; }
  if (!inside) wide.push(e);
}
for (const e of wide) {
  if (wide.some(o => o !== e && o.contains(e))) continue;
  const r = e.getBoundingClientRect();
  let path = name(e);
  for (let p = e.parentElement, n = 0; p && p !== document.body && n < 2; p = p.parentElement, n++) path = name(p) + ' > ' + path;
  res.offenders.push(path + ' (' + Math.round(r.width) + 'px wide, right edge ' + Math.round(r.right) + 'px)');
}
res.offenders = res.offenders.slice(0, 6);
return res;
"""

AXE_RUN_JS = r"""
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v => ({
  id: v.id, impact: v.impact, help: v.help,
  nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: (n.failureSummary || '').split('\n').slice(1, 2).join(' ')}))
})))).catch(e => done({error: String(e)}));
"""


def axe_script():
    """axe-core as shipped by a PyPI package (axe-playwright-python carries the newest; older ones do too)."""
    for dist in ("axe-playwright-python", "axe-core-python", "axe-selenium-python"):
        try:
            for f in importlib.metadata.files(dist) or []:
                if f.name == "axe.min.js":
                    path = str(f.locate())
                    if os.path.exists(path):
                        return path, open(path, encoding="utf-8").read()
        except importlib.metadata.PackageNotFoundError:
            continue
    sys.exit("axe-core not found: pip install --no-deps axe-playwright-python (WITH_BROWSER=1 scripts/deps.sh does)")


def raw_codes(text, lang):
    """[(what, code)] in one piece of visible text. A word is a run of letters, digits, `_`, `.` and `-`:
    `crawl-unit` is a user name, not the code `unit`; `standards.national` is a field key, a raw code."""
    hits = []
    words = [w.strip(".") for w in re.findall(r"[A-Za-z0-9_.-]+", text)]
    coded = [w for w in words if any(part in CODES for part in w.split("."))]
    if lang == "zh":
        hits += [("code", w) for w in coded]
    else:
        # An English page: a dotted key or a camelCase code always; a plain code only where the text is
        # nothing but codes and numbers (a cell, a badge, `received → investigating`).
        always = [w for w in coded if "." in w or any(part in CAMEL_CODES for part in w.split("."))]
        others = [w for w in words if not re.fullmatch(r"[\d.-]+", w)]
        if others and all(w in coded for w in others):
            always = coded
        hits += [("code", w) for w in always]
    hits += [("period", m.group(0)) for m in PERIOD_RE.finditer(text)]
    hits += [("scope", m.group(0)) for m in SCOPE_RE.finditer(text)]
    hits += [("level", m.group(0)) for m in LEVEL_TEXT_RE.finditer(text)]
    return hits


# ---------------------------------------------------------------------------------------------
# Data: demo data, then what the pages need and demo data lacks, through the API.

def try_api(base, method, path, token=None, body=None):
    try:
        return api(base, method, path, token, body)
    except urllib.error.HTTPError as e:
        return {"_status": e.code, "_body": e.read()[:500].decode(errors="replace")}


def login_token(base, user, password):
    r = try_api(base, "POST", "/api/v1/auth/login", body={"username": user, "password": password})
    return r if "token" in r else None


def demo_users(output):
    """Users that demo-data prints, in any of the forms `role: name / password`, `name / password (role …)`,
    `name:password`; each is kept only if it logs in (its role is what the server says)."""
    found = []
    for line in output.splitlines():
        if line.startswith("[ ") or not re.search(r"\b(ministry|unit|supervisor|user|users|login|用户)\b", line, re.I):
            continue   # log lines, and lines that name no user
        for m in re.finditer(r"([A-Za-z0-9_.@-]{2,64})\s*(?:/|:)\s*([^\s,;():]{8,128})", line):
            found.append((m.group(1), m.group(2)))
    return found[:12]   # each is tried once: a few failed logins, never enough to be rate-limited


def setup_data(base, demo_output, log):
    admin = api(base, "POST", "/api/v1/auth/login", body={"username": "admin", "password": ADMIN_PASSWORD})["token"]
    users = {"ministry": ("admin", ADMIN_PASSWORD)}
    info = {}

    # 1. Users: printed by demo-data, else the demo's own with a password set by the ministry, else new.
    for name, password in demo_users(demo_output):
        r = login_token(base, name, password)
        if r and r["user"]["role"] in ("unit", "supervisor") and r["user"]["role"] not in users:
            users[r["user"]["role"]] = (name, password)
            log(f"data: demo-data's {r['user']['role']} user {name}")
    existing = try_api(base, "GET", "/api/v1/users", admin)
    for role in ("unit", "supervisor"):
        if role in users:
            continue
        if isinstance(existing, list):
            mine = [u for u in existing if u.get("role") == role and u.get("active", True)]
            mine.sort(key=lambda u: (u.get("unitCode") != "110000", u["username"]))
            if mine:
                name, password = mine[0]["username"], f"crawl-{role}-pass"
                if "_status" not in try_api(base, "PATCH", f"/api/v1/users/{name}", admin, {"password": password}):
                    users[role] = (name, password)
                    log(f"data: the demo's {role} user {name} (password set by the ministry)")
                    continue
        unit_code = users.get("unit") and login_token(base, *users["unit"])["user"]["unitCode"] or "110000"
        name, password = f"crawl-{role}", f"crawl-{role}-pass"
        r = try_api(base, "POST", "/api/v1/users", admin, {"username": name, "password": password, "role": role, "unitCode": unit_code})
        if "_status" in r and r["_status"] != 409:
            raise RuntimeError(f"cannot create the {role} user: {r}")
        users[role] = (name, password)
        log(f"data: created the {role} user {name} of {unit_code}")
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))   # the server's day, in China

    def step(method, path, token=None, body=None):   # a call expected to succeed: say so when it does not
        r = try_api(base, method, path, token, body)
        if isinstance(r, dict) and "_status" in r:
            log(f"data: {method} {path} answered {r['_status']}: {r['_body'][:200]}")
        return r

    unit_login = login_token(base, *users["unit"])
    unit_tok, unit = unit_login["token"], unit_login["user"]["unitCode"]
    info["unit"] = unit

    def helper_token(code):   # a unit user of another unit, for reports in other states
        name = f"crawl-helper-{code}"
        try_api(base, "POST", "/api/v1/users", admin, {"username": name, "password": "crawl-helper-pass", "role": "unit", "unitCode": code})
        return login_token(base, name, "crawl-helper-pass")["token"]

    values = {"standards": {"national": 12, "verifiedLocal": 3, "unverifiedLocal": 1},
              "banks": {"national": 10, "certifiedLocal": 2, "uncertifiedLocal": 0}, "feeStandard": True,
              "overcharge": {"investigated": 1, "uninvestigated": 1}, "crossRegion": False, "supervision": True,
              "violations": {"investigated": 0, "uninvestigated": 0}, "forgery": {"investigated": 0, "uninvestigated": 0},
              "payment": {"dueYuan": "1000.00", "paidYuan": "800.50"}}

    # 2. Reports and bulletins: the quarter before last published; last quarter in every state.
    period = previous_quarter()
    y, q = int(period[:4]), int(period[5])
    before = f"{y - 1}Q4" if q == 1 else f"{y}Q{q - 1}"
    info["period"], info["before"] = period, before
    published = try_api(base, "GET", "/api/v1/bulletins")
    if not published:
        others = [c for c in ("120000", "130000", "140000", "150000") if c != unit][:3]
        tokens = {unit: unit_tok}
        for c in others:
            tokens[c] = helper_token(c)
        for c in [unit, others[0]]:
            step("PUT", f"/api/v1/reports/{before}/{c}", tokens[c], values)
            step("POST", f"/api/v1/reports/{before}/{c}/submit", tokens[c])
            step("POST", f"/api/v1/reports/{before}/{c}/accept", admin)
        step("POST", f"/api/v1/bulletins/{before}/publish", admin,
             {"documentNumber": "人社鉴函〔2026〕1号", "issuedOn": today,
              "overview": "各地区、各行业按时报送。", "problems": "个别单位使用未经论证的地方标准。", "requirements": "限期整改。"})
        log(f"data: published the bulletin of {before}")
        for c, state in zip([unit] + others, ["accepted", "submitted", "returned", "draft"]):
            step("PUT", f"/api/v1/reports/{period}/{c}", tokens[c], values)
            if state != "draft":
                step("POST", f"/api/v1/reports/{period}/{c}/submit", tokens[c])
            if state == "accepted":
                step("POST", f"/api/v1/reports/{period}/{c}/accept", admin)
            if state == "returned":
                step("POST", f"/api/v1/reports/{period}/{c}/return", admin, {"comment": "第3列数字有误，请核实。"})
        log(f"data: reports of {period} accepted, submitted, returned and draft")
    published = try_api(base, "GET", "/api/v1/bulletins")
    info["bulletin"] = published[0]["period"] if isinstance(published, list) and published else None

    # 3. Certificates: an allocated and paid order, issued, revoked and voided blanks, a pending order.
    certs = step("GET", "/api/v1/certificates", unit_tok)
    items = certs.get("items", []) if isinstance(certs, dict) else []
    if not items:
        order = api(base, "POST", "/api/v1/certificate-orders", unit_tok, {"level": "5", "quantity": 20})
        alloc = api(base, "POST", f"/api/v1/certificate-orders/{order['id']}/allocate", admin, {"unitPriceYuan": "5.00"})
        step("POST", f"/api/v1/certificate-orders/{order['id']}/payments", admin, {"amountYuan": "60.00", "paidOn": today})
        first = int(alloc["serialFrom"])
        width = len(alloc["serialFrom"])
        people = [("张三", "11010519491231002X"), ("李四", "110105198001010016"), ("王五", "110105199003150041")]
        # A certificate is issued only against a recorded exam pass: a session with their results.
        try:
            record_passes(base, admin, unit_tok, [(h, idn, "电工", "5", today) for h, idn in people], unit=unit)
        except passes.PassError as e:
            log(f"data: recording the exam passes failed: {e}")
        for i, (holder, idn) in enumerate(people):
            step("POST", "/api/v1/certificates", unit_tok,
                 {"serial": str(first + i).zfill(width), "holderName": holder, "idNumber": idn, "occupation": "电工",
                  "level": "5", "issuedOn": today})
        step("POST", f"/api/v1/certificates/{str(first + 2).zfill(width)}/revoke", unit_tok, {"reason": "考核作弊，依规撤销"})
        step("POST", f"/api/v1/certificates/{str(first + 3).zfill(width)}/void", unit_tok, {"reason": "打印错误"})
        step("POST", "/api/v1/certificate-orders", unit_tok, {"level": "3", "quantity": 10})
        log("data: a certificate order allocated and paid, 3 certificates issued (one revoked), a blank voided, an order pending")
        certs = step("GET", "/api/v1/certificates", unit_tok)
        items = certs.get("items", []) if isinstance(certs, dict) else []
    valid = [c for c in items if c.get("status") == "issued"]
    info["certificate"] = valid[0] if valid else None
    if valid:
        one = step("GET", f"/api/v1/certificates/{valid[0]['serial']}", unit_tok)
        info["token"] = one.get("token")

    # 4. Complaints: one filed now (its receipt opens the status page), cases of the unit moved on.
    filed = step("POST", "/api/v1/complaints", None,
                 {"category": "overcharge", "unitCode": unit, "station": "某职业技能鉴定站",
                  "description": "该站鉴定收费超过政府规定标准，每人多收二百元。", "contact": None, "channel": "web"})
    info["receipt"] = filed.get("receipt")
    cases = step("GET", "/api/v1/complaints", unit_tok)
    cases = cases if isinstance(cases, list) else cases.get("items", []) if isinstance(cases, dict) else []
    if cases and all(c.get("status") == "received" for c in cases):
        steps = [["investigating"], ["investigating", "handled"], ["investigating", "unfounded"]]
        for c, path in zip(cases[1:], steps):
            for to in path:
                step("POST", f"/api/v1/complaints/{c['id']}/transition", unit_tok,
                     {"to": to, "note": "已安排专人核查。", "publicNote": "正在核查。"})
        log("data: the unit's complaints moved to investigating, handled and unfounded")
    # 5. Hotlines of the unit; a suspended station.
    hot = step("GET", "/api/v1/hotlines")
    if isinstance(hot, dict) and not any(u.get("unitCode") == unit and u.get("phones") for u in hot.get("units", [])):
        step("PUT", f"/api/v1/units/{unit}/hotlines", unit_tok, {"phones": ["010-65001234", "010-65001235"]})
        log(f"data: hotlines of {unit}")
    stations = step("GET", "/api/v1/stations", unit_tok)
    stations = stations if isinstance(stations, list) else stations.get("items", []) if isinstance(stations, dict) else []
    if stations and not any(s.get("status") == "suspended" for s in stations):
        step("PATCH", f"/api/v1/stations/{stations[0]['code']}", admin, {"status": "suspended"})
        log(f"data: station {stations[0]['code']} suspended")
    return users, info


# ---------------------------------------------------------------------------------------------
# Addresses

def normalise(base, url):
    """The crawl's key of a same-origin address, or None: no fragment, no `lang`, pages beyond 2 dropped."""
    u = urllib.parse.urlsplit(urllib.parse.urljoin(base + "/", url))
    b = urllib.parse.urlsplit(base)
    if u.scheme not in ("http", "https") or u.netloc != b.netloc:
        return None
    query = [(k, v) for k, v in urllib.parse.parse_qsl(u.query, keep_blank_values=True) if k != "lang"]
    for k, v in query:
        if k == "page" and v.isdigit() and int(v) > 2:
            return None
    return urllib.parse.urlunsplit(("", "", u.path or "/", urllib.parse.urlencode(sorted(query)), ""))


def pattern(path_query):
    """The shape of an address: ids, serials, periods and codes replaced, query values dropped."""
    u = urllib.parse.urlsplit(path_query)
    segs = []
    for s in u.path.split("/"):
        if UUID_RE.match(s):
            s = "{id}"
        elif re.fullmatch(r"\d{4}Q[1-4]", s):
            s = "{period}"
        elif re.search(r"\d", s):
            s = "{n}"
        segs.append(s)
    keys = sorted({k for k, _ in urllib.parse.parse_qsl(u.query, keep_blank_values=True)})
    return "/".join(segs) + ("?" + "&".join(keys) if keys else "")


def with_lang(path_query, lang):
    u = urllib.parse.urlsplit(path_query)
    q = urllib.parse.parse_qsl(u.query, keep_blank_values=True) + [("lang", lang)]
    return urllib.parse.urlunsplit(("", "", u.path, urllib.parse.urlencode(q), ""))


NEVER = re.compile(r"/logout\b")


# ---------------------------------------------------------------------------------------------
# The crawl

class Crawl:
    def __init__(self, base, driver, axe_js):
        self.base, self.d, self.axe_js = base, driver, axe_js
        self.findings = collections.OrderedDict()   # role -> kind -> page -> [messages]
        self.pages = {}                               # role -> [visited path]
        self.en_pages = {}
        self.shots = 0
        self.status_cache = {}
        self.raw = {}                                 # (what, code) -> {(role, page)}
        self.axe_hits = {}                            # rule -> {(role, page): nodes}

    def add(self, role, kind, page, message):
        self.findings.setdefault(role, {}).setdefault(kind, collections.OrderedDict()).setdefault(page, []).append(message)

    # HTTP status through urllib, with the browser's cookies (Selenium exposes no status).
    def cookie_header(self):
        jar = {c["name"]: c["value"] for c in self.d.get_cookies() if c["name"] != LANG_COOKIE}
        return "; ".join(f"{k}={v}" for k, v in jar.items())

    def fetch(self, role, path):
        key = (role, path)
        if key in self.status_cache:
            return self.status_cache[key]
        req = urllib.request.Request(self.base + path, headers={"Cookie": self.cookie_header(), "Accept": "text/html,*/*"})
        try:
            with urllib.request.urlopen(req, timeout=60) as res:
                out = (res.status, res.headers.get("Content-Type", ""), urllib.parse.urlsplit(res.url).path)
        except urllib.error.HTTPError as e:
            out = (e.code, e.headers.get("Content-Type", ""), urllib.parse.urlsplit(e.url).path)
        except Exception as e:  # noqa: BLE001 - a dropped connection is a server failure too
            out = (599, "", f"{type(e).__name__}: {e}")
        self.status_cache[key] = out
        return out

    def goto(self, path):
        self.d.get(self.base + path)
        WebDriverWait(self.d, 20).until(lambda drv: drv.execute_script("return document.readyState") == "complete")

    def metrics(self, m):
        self.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", m)

    def console(self, role, page):
        for e in self.d.get_log("browser"):
            if e.get("level") != "SEVERE":
                continue
            msg = e.get("message", "")
            # The page's own status (a 403 or 404 page) is reported as a status, not a console error.
            m = re.match(r"(\S+) - Failed to load resource: the server responded with a status of (\d+)", msg)
            if m and normalise(self.base, m.group(1)) == normalise(self.base, self.d.current_url):
                continue
            self.add(role, "console", page, msg[:400])

    def texts(self, role, page, lang):
        seen = set()
        for text, where, whole in self.d.execute_script(TEXT_JS):
            hits = raw_codes(text, lang)
            if not hits:
                continue
            by_what = collections.OrderedDict()
            for what, code in hits:
                by_what.setdefault(what, [])
                if code not in by_what[what]:
                    by_what[what].append(code)
                self.raw.setdefault((what, code), set()).add((role, page))
            found = "; ".join(f"{what} " + ", ".join(f"`{c}`" for c in codes[:5]) + (f" … ({len(codes)})" if len(codes) > 5 else "")
                              for what, codes in by_what.items())
            context = whole if len(whole) <= 90 else text[:90]
            message = f"{found} in {where}: “{context}”"
            if message not in seen:
                seen.add(message)
                self.add(role, "raw-code", page, message)
        per_header = collections.Counter()
        for header, value, where in self.d.execute_script(LEVEL_JS):
            per_header[header] += 1
            self.raw.setdefault(("level", f"{header}={value}"), set()).add((role, page))
            if per_header[header] <= 3:
                self.add(role, "raw-code", page, f"level: bare `{value}` under the column “{header}” ({where})")
        for header, n in per_header.items():
            if n > 3:
                self.add(role, "raw-code", page, f"level: … {n - 3} more bare levels under “{header}”")

    def axe(self, role, page):
        self.d.set_script_timeout(60)
        if not self.d.execute_script("return typeof axe !== 'undefined'"):
            self.d.execute_script(self.axe_js)
        result = self.d.execute_async_script(AXE_RUN_JS)
        if isinstance(result, dict):
            self.add(role, "crawl", page, f"axe did not run: {result.get('error')}")
            return
        for v in result:
            if v["impact"] in ("serious", "critical"):
                self.axe_hits.setdefault((v["id"], v["impact"]), {})[(role, page)] = len(v["nodes"])
                targets = ", ".join(n["target"] for n in v["nodes"][:8]) + (" …" if len(v["nodes"]) > 8 else "")
                summary = v["nodes"][0]["summary"] if v["nodes"] else ""
                self.add(role, "axe", page, f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']} — {targets}"
                         + (f" — {summary}" if summary else ""))

    def screenshot(self, role, index, path, lang, width):
        if not TAKE_SHOTS:
            return
        slug = re.sub(r"[^A-Za-z0-9_-]+", "_", path.strip("/")).strip("_")[:40].strip("_") or "home"
        folder = os.path.join(SHOTS_DIR, role)
        os.makedirs(folder, exist_ok=True)
        try:
            h = self.d.execute_script("return Math.min(document.documentElement.scrollHeight, 6000)")
            w = self.d.execute_script("return Math.max(document.documentElement.scrollWidth, window.innerWidth)")
            shot = self.d.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                                     "clip": {"x": 0, "y": 0, "width": w, "height": h, "scale": 1}})
            with open(os.path.join(folder, f"{index:03d}-{slug}-{lang}-{width}.png"), "wb") as f:
                f.write(base64.b64decode(shot["data"]))
            self.shots += 1
        except Exception as e:  # noqa: BLE001 - a screenshot is a by-product: say so and go on
            print(f"  screenshot of {path} failed: {e}")

    def phone(self, role, index, path, page, lang):
        self.metrics(PHONE)
        try:
            time.sleep(0.05)
            o = self.d.execute_script(OVERFLOW_JS)
            # Emulating a phone, Chromium zooms out to fit a page that overflows, so innerWidth grows with
            # it: the 375 px layout viewport (clientWidth) is the measure.
            if o["scrollWidth"] > min(o["innerWidth"], o["clientWidth"]):
                public = pattern(path) in PHONE_PAGES or path.startswith("form:")
                kind = "phone-overflow" if role == "public" and public else "phone-overflow-staff"
                self.add(role, kind, page, f"{o['scrollWidth']} px wide in a {o['clientWidth']} px viewport"
                         + (": " + "; ".join(o["offenders"]) if o["offenders"] else ""))
            self.screenshot(role, index, path, lang, 375)
        finally:
            self.metrics(DESKTOP)

    def check_page(self, role, index, path, lang, label=None):
        """Everything but the status on the page the browser shows now."""
        page = label or (path if lang == "zh" else with_lang(path, "en"))
        self.console(role, page)
        self.texts(role, page, lang)
        self.axe(role, page)
        self.screenshot(role, index, path, lang, 1280)
        self.phone(role, index, path, page, lang)

    def login(self, user, password):
        self.d.delete_all_cookies()
        self.goto("/login")
        self.d.find_element(By.ID, "username").send_keys(user)
        self.d.find_element(By.ID, "password").send_keys(password)
        self.d.find_element(By.ID, "login-submit").click()
        WebDriverWait(self.d, 15).until(lambda drv: "/login" not in drv.current_url)

    def run_role(self, role, seeds, forms=()):
        t0 = time.time()
        queue = collections.deque()
        queued, per_pattern, visited = set(), collections.Counter(), []
        self.pages[role], self.en_pages[role] = visited, 0
        links_checked = collections.Counter()
        link_sources = collections.defaultdict(set)

        def enqueue(p):
            if p is None or p in queued or NEVER.search(p):
                return
            queued.add(p)
            queue.append(p)

        for s in seeds:
            enqueue(normalise(self.base, s))
        while queue and len(visited) < MAX_PAGES:
            path = queue.popleft()
            pat = pattern(path)
            if per_pattern[pat] >= PER_PATTERN:
                continue
            status, ctype, final = self.fetch(role, path)
            if status >= 500:
                self.add(role, "5xx", path, f"{status} {final}")
            if "text/html" not in ctype:
                continue   # a download or JSON: its status is all there is to check
            per_pattern[pat] += 1
            visited.append(path)
            index = len(visited)
            self.d.get_log("browser")   # drop what came before
            try:
                self.goto(path)
                for _, raw, absolute in self.d.execute_script(LINKS_JS):
                    if raw.startswith(("#", "mailto:", "tel:", "javascript:")) or raw == "":
                        continue
                    n = normalise(self.base, absolute)
                    if n is None or NEVER.search(n):
                        continue
                    link_sources[n].add(path)
                    enqueue(n)   # a GET form's action is a page too (visited without its fields)
                self.check_page(role, index, path, "zh")
                # The same page in English, then back to Chinese.
                en = with_lang(path, "en")
                status, _, final = self.fetch(role, en)
                if status >= 500:
                    self.add(role, "5xx", en, f"{status} {final}")
                self.d.get_log("browser")
                self.goto(en)
                self.en_pages[role] += 1
                self.check_page(role, index, path, "en")
                self.d.delete_cookie(LANG_COOKIE)
            except Exception:  # noqa: BLE001 - a page that breaks the crawl is a finding of its own
                self.add(role, "crawl", path, "the crawl failed on this page: " + traceback.format_exc(limit=2).strip().splitlines()[-1])
                self.d.delete_cookie(LANG_COOKIE)
        # Links: every distinct target (up to 10 of one shape), whether crawled or not.
        for n, sources in sorted(link_sources.items()):
            pat = pattern(n)
            if links_checked[pat] >= 10:
                continue
            links_checked[pat] += 1
            status, _, final = self.fetch(role, n)
            src = sorted(sources)[0] + (f" (+{len(sources) - 1} pages)" if len(sources) > 1 else "")
            if status >= 500:
                self.add(role, "5xx", n, f"{status}, linked from {src}")
            elif status == 404:
                self.add(role, "link-404", src, f"{n} answers 404")
            elif status in (401, 403):
                self.add(role, "link-denied", src, f"{n} answers {status}")
        # Form results the crawl cannot reach by links (public only: verification and a case's status).
        for label, run in forms:
            try:
                self.d.get_log("browser")
                run()
                WebDriverWait(self.d, 20).until(lambda drv: drv.execute_script("return document.readyState") == "complete")
                status = self.d.execute_script("const n = performance.getEntriesByType('navigation')[0]; return n ? n.responseStatus : 0")
                if status and status >= 500:
                    self.add(role, "5xx", label, f"{status}")
                visited.append(label)
                self.check_page(role, len(visited), label, "zh", label=label)
            except Exception:  # noqa: BLE001
                self.add(role, "crawl", label, "the crawl failed on this form: " + traceback.format_exc(limit=2).strip().splitlines()[-1])
        print(f"{role}: {len(visited)} pages (+{self.en_pages[role]} in English), {sum(links_checked.values())} links checked, "
              f"{time.time() - t0:.0f}s", flush=True)


def main():
    tmp = tempfile.mkdtemp(prefix="zhijian-crawl-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = server_env(tmp, ADMIN_PASSWORD)
    t0 = time.time()
    axe_path, axe_js = axe_script()
    if TAKE_SHOTS:   # last run's screenshots go (only ours: SCREENSHOTS_DIR may be any folder)
        for role in ROLES:
            folder = os.path.join(SHOTS_DIR, role)
            for name in os.listdir(folder) if os.path.isdir(folder) else []:
                if re.fullmatch(r"\d{3}-.*-(zh|en)-(1280|375)\.png", name):
                    os.remove(os.path.join(folder, name))
        os.makedirs(SHOTS_DIR, exist_ok=True)
    demo = subprocess.run([BINARY, "demo-data", "--scale", "1"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    demo_output = demo.stdout + demo.stderr
    if demo.returncode != 0:
        print(demo_output[-3000:])
        sys.exit(f"demo-data failed ({demo.returncode})")
    print("demo-data:", [line for line in demo_output.splitlines() if "demo data" in line][-1:] or demo_output.splitlines()[-1:])
    server = start_server(tmp, port, env)
    d = None
    try:
        users, info = setup_data(base, demo_output, print)
        print(f"users: {', '.join(f'{r} {u}' for r, (u, _) in users.items())}; axe-core from {axe_path}")
        d = chrome(1280, 900, logs=True)
        d.implicitly_wait(0)
        crawl = Crawl(base, d, axe_js)
        crawl.metrics(DESKTOP)

        public_seeds = ["/", "/bulletins", "/verify", "/complaints/new", "/complaints/status", "/hotlines", "/login",
                        "/stations", "/stations?region=110000&occupation=6-07-06-01"]
        if info.get("bulletin"):
            public_seeds.append(f"/bulletins/{info['bulletin']}")
        if info.get("token"):
            public_seeds.append("/verify?t=" + info["token"])
        staff_seeds = ["/", "/reports", "/certificates", "/complaints/cases", "/registers", "/hotlines", "/bulletins",
                       f"/reports?period={info['period']}", f"/reports/{info['period']}/{info['unit']}"]
        if info.get("bulletin"):
            staff_seeds.append(f"/bulletins/{info['bulletin']}")
        if info.get("certificate"):
            staff_seeds.append(f"/certificates/{info['certificate']['serial']}")

        def verify_form():
            crawl.goto("/verify")
            c = info["certificate"]
            d.find_element(By.ID, "v-serial").send_keys(c["serial"])
            d.find_element(By.ID, "v-name").send_keys(c.get("holderName") or "张三")
            d.find_element(By.ID, "v-submit").click()
            WebDriverWait(d, 15).until(lambda drv: drv.find_element(By.ID, "verdict"))

        def status_form():
            crawl.goto("/complaints/status")
            d.find_element(By.ID, "s-receipt").send_keys(info["receipt"])
            d.find_element(By.ID, "s-submit").click()
            WebDriverWait(d, 15).until(lambda drv: drv.find_element(By.ID, "case-status"))

        forms = []
        if info.get("certificate"):
            forms.append(("form: /verify (a valid certificate)", verify_form))
        if info.get("receipt"):
            forms.append(("form: /complaints/status (a case by its receipt)", status_form))

        for role in ROLES:
            if role == "public":
                d.delete_all_cookies()
                crawl.run_role("public", public_seeds, forms)
            else:
                crawl.login(*users[role])
                seeds = staff_seeds + (["/admin", "/complaints/stats"] if role == "ministry" else [])
                crawl.run_role(role, seeds)
    finally:
        if d is not None:
            d.quit()
        stop_server(server)
        if os.environ.get("CRAWL_KEEP") == "1":
            print("kept", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return report(crawl, time.time() - t0)


def report(crawl, seconds):
    print()
    print("=" * 100)
    print(f"Crawl in {seconds:.0f}s; {crawl.shots} screenshots in {SHOTS_DIR if TAKE_SHOTS else '(none)'}")
    for role in crawl.pages:
        print(f"  {role:<11} {len(crawl.pages[role]):>4} pages (+{crawl.en_pages[role]} with ?lang=en): "
              + " ".join(crawl.pages[role]))
    failing = 0
    for kinds, failing_kinds in ((KINDS, True), (INFO_KINDS, False)):
        for kind, title in kinds:
            per_role = {r: crawl.findings.get(r, {}).get(kind, {}) for r in crawl.pages}
            count = sum(len(m) for pages in per_role.values() for m in pages.values())
            if failing_kinds:
                failing += count
            print()
            print(f"## {kind}: {title}: {count}")
            for role, pages in per_role.items():
                for page, messages in pages.items():
                    print(f"  [{role}] {page}")
                    for m in messages:
                        print(f"      - {m}")
    # Summaries that make the figures easy to compare from one run to the next.
    print()
    print("## summary (pages in Chinese and with ?lang=en count apart)")
    for kind, _ in KINDS + INFO_KINDS:
        print(f"  {kind:<22} " + ", ".join(f"{r} {sum(len(m) for m in crawl.findings.get(r, {}).get(kind, {}).values())}"
                                              for r in crawl.pages))

    def pages_of(where):
        listed = sorted(f"{r}:{p}" for r, p in where)
        return ", ".join(listed[:12]) + (f" … (+{len(listed) - 12})" if len(listed) > 12 else "")

    for (rule, impact), where in sorted(crawl.axe_hits.items(), key=lambda kv: -len(kv[1])):
        print(f"  axe {rule} ({impact}): {len(where)} pages, {sum(where.values())} nodes: {pages_of(where)}")
    # Raw codes by code; periods, scopes and levels by their shape (the values only vary).
    shapes = collections.OrderedDict()
    for (what, code), where in crawl.raw.items():
        if what == "period":
            key = "period `YYYYQn`"
        elif what == "scope":
            key = "scope `occupation" + ("≥" if "≥" in code else ":") + "level`"
        elif what == "level":
            key = "level: bare digit under “" + code.split("=")[0] + "”" if "=" in code else f"level `{code}`"
        else:
            key = f"code `{code}`"
        entry = shapes.setdefault(key, (set(), set()))
        entry[0].update(where)
        entry[1].add(code)
    for key, (where, examples) in sorted(shapes.items(), key=lambda kv: (-len(kv[1][0]), kv[0])):
        shown = sorted(examples)[:4]
        more = f" e.g. {', '.join(shown)}" + (" …" if len(examples) > 4 else "") if len(examples) > 1 or key.startswith(("period", "scope", "level")) else ""
        print(f"  raw {key}: {len(where)} pages{more}: {pages_of(where)}")
    print()
    print(f"{failing} findings" + (" (CRAWL_REPORT_ONLY=1: not failing)" if REPORT_ONLY and failing else ""))
    return 0 if failing == 0 or REPORT_ONLY else 1


if __name__ == "__main__":
    sys.exit(main())
