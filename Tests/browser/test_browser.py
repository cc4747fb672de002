"""A person in a real browser (headless Chromium through Selenium), against a real server.

Starts `zhijian serve` on a fresh SQLite file, then: a unit logs in, fills the 28-column form,
sees an inline error, fixes it, sees its findings and submits; the ministry sees who reported,
accepts, previews and publishes; the public reads the bulletin page with its merged header,
switches to English, and prints it to a PDF that is A4 landscape. A unit issues a certificate (against
an exam pass recorded through the API) that the public verifies; a unit enters a session's results on
its page, is refused a certificate for the candidate who failed, issues one from the pass and sees its
certificate number; a unit records a station's revocation and a citizen finds the authorised stations
of a region and occupation, the revoked one absent; a supervisor dispatched to a session logs in and
files the report with its checklist; a unit downloads the Excel form, uploads it filled with a word in a
number's cell, is told the cell, and uploads it corrected. Prints "N passed, M failed".
"""
import time
import base64
import os
import re
import shutil
import subprocess
import sys
import tempfile
import traceback
import urllib.error
import urllib.request

from selenium.webdriver.common.by import By

from selenium.webdriver.support.ui import Select

from support import (BINARY, WebDriverWait, api, china_today, chrome, free_port, passes, previous_quarter, record_passes,
                     server_env, start_server, stop_server)

ADMIN_PASSWORD = "browser-admin-1"
SHOTS = os.environ.get("SCREENSHOTS", "")


results = []


def check(name, fn, driver=None):
    try:
        fn()
        results.append((name, None))
        print("ok   ", name)
    except Exception:  # noqa: BLE001 - every failure is reported, then counted
        results.append((name, traceback.format_exc()))
        print("FAIL ", name)
        print(traceback.format_exc())
        if driver is not None:
            print("  at", driver.current_url)
            print("  page:", re.sub(r"\s+", " ", driver.page_source)[:1500])


# A JPEG whose EXIF holds a GPS position and a comment (the same as ComplaintHandlingTests.gpsJPEG).
GPS_JPEG = "/9j/4AAQSkZJRgABAQAAAQABAAD/4QC8RXhpZgAATU0AKgAAAAgAAwEPAAIAAAAIAAAAMgEyAAIAAAAUAAAAOoglAAQAAAABAAAATgAAAABUZXN0Q2FtADIwMjU6MDk6MzAgMTA6MDA6MDAAAAQAAQACAAAAAk4AAAAAAgAFAAAAAwAAAIQAAwACAAAAAkUAAAAABAAFAAAAAwAAAJwAAAAAAAAAJwAAAAEAAAA2AAAAAQAAABsAAAABAAAAdAAAAAEAAAAXAAAAAQAAABEAAAAB//4AEHNlY3JldCBjb21tZW50/9sAQwADAgIDAgIDAwMDBAMDBAUIBQUEBAUKBwcGCAwKDAwLCgsLDQ4SEA0OEQ4LCxAWEBETFBUVFQwPFxgWFBgSFBUU/9sAQwEDBAQFBAUJBQUJFA0LDRQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU/8AAEQgADAAQAwEiAAIRAQMRAf/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/EAB8BAAMBAQEBAQEBAQEAAAAAAAABAgMEBQYHCAkKC//EALURAAIBAgQEAwQHBQQEAAECdwABAgMRBAUhMQYSQVEHYXETIjKBCBRCkaGxwQkjM1LwFWJy0QoWJDThJfEXGBkaJicoKSo1Njc4OTpDREVGR0hJSlNUVVZXWFlaY2RlZmdoaWpzdHV2d3h5eoKDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uLj5OXm5+jp6vLz9PX29/j5+v/aAAwDAQACEQMRAD8A8F/tq3/553f/AIBzf/EUf21b/wDPO7/8A5v/AIir9FfGe0y7/nzP/wAGR/8AlZ/YvJjf+fkf/AH/APJn/9k="


def main():
    tmp = tempfile.mkdtemp(prefix="zhijian-browser-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(tmp, port, server_env(tmp, ADMIN_PASSWORD))
    admin = api(base, "POST", "/api/v1/auth/login", body={"username": "admin", "password": ADMIN_PASSWORD})["token"]
    api(base, "POST", "/api/v1/users", admin, {"username": "bj", "password": "password-bj", "role": "unit",
                                               "unitCode": "110000"})
    period = previous_quarter()
    bj_token = api(base, "POST", "/api/v1/auth/login", body={"username": "bj", "password": "password-bj"})["token"]

    d = chrome()
    d.implicitly_wait(10)

    def shot(name):
        if SHOTS:
            d.save_screenshot(os.path.join(SHOTS, name + ".png"))

    def login(user, password):
        d.get(base + "/login")
        WebDriverWait(d, 10).until(lambda drv: drv.find_element(By.ID, "username"))
        d.find_element(By.ID, "username").send_keys(user)
        d.find_element(By.ID, "password").send_keys(password)
        d.find_element(By.ID, "login-submit").click()
        WebDriverWait(d, 10).until(lambda drv: "/login" not in drv.current_url)

    def wait_text(element_id, text):
        WebDriverWait(d, 10).until(lambda drv: drv.find_element(By.ID, element_id).text == text)

    def logout():
        d.find_element(By.ID, "logout").click()
        WebDriverWait(d, 10).until(lambda drv: drv.find_element(By.ID, "login-link"))

    try:
        def unit_fills_and_submits():
            login("bj", "password-bj")
            WebDriverWait(d, 10).until(lambda drv: drv.current_url.endswith("/reports"))
            d.find_element(By.CSS_SELECTOR, f'tr[data-period="{period}"] a').click()
            WebDriverWait(d, 10).until(lambda drv: f"/reports/{period}/110000" in drv.current_url)
            values = {"standards.national": "12", "standards.verifiedLocal": "3", "standards.unverifiedLocal": "-2",
                      "banks.national": "10", "banks.certifiedLocal": "2", "banks.uncertifiedLocal": "0",
                      "overcharge.investigated": "1", "overcharge.uninvestigated": "1",
                      "violations.investigated": "0", "violations.uninvestigated": "0",
                      "forgery.investigated": "0", "forgery.uninvestigated": "0",
                      "payment.dueYuan": "1000", "payment.paidYuan": "800.5"}
            for k, v in values.items():
                e = d.find_element(By.ID, "f-" + k)
                e.clear()
                e.send_keys(v)
            for name, value in [("feeStandard", "true"), ("crossRegion", "false"), ("supervision", "true")]:
                d.find_element(By.CSS_SELECTOR, f'input[name="{name}"][value="{value}"]').click()
            d.find_element(By.ID, "save").click()
            err = d.find_element(By.CSS_SELECTOR, '.field-error[data-field="standards.unverifiedLocal"]').text
            assert "第3列" in err and "不能为负数" in err, err
            shot("01-form-error")
            e = d.find_element(By.ID, "f-standards.unverifiedLocal")
            e.clear()
            e.send_keys("1")
            d.find_element(By.ID, "save").click()
            assert d.find_element(By.ID, "saved")
            findings = d.find_element(By.ID, "findings").text
            assert "使用未经部论证的地方(行业)标准1个" in findings and "超标准收费未查处1起" in findings, findings
            assert "80.1%" in d.find_element(By.CSS_SELECTOR, "p.meta").text
            shot("02-form-saved")
            d.find_element(By.ID, "submit").click()
            wait_text("report-status", "已报送")
            logout()

        def ministry_reviews_and_publishes():
            login("admin", ADMIN_PASSWORD)
            d.get(base + f"/reports?period={period}")
            assert d.find_element(By.ID, "reported-count").text == "1"
            shot("03-who-reported")
            d.find_element(By.CSS_SELECTOR, 'tr[data-unit="110000"] a').click()
            WebDriverWait(d, 10).until(lambda drv: f"/reports/{period}/110000" in drv.current_url)
            assert d.find_element(By.ID, "history")
            d.find_element(By.ID, "accept").click()
            wait_text("report-status", "已通过")
            d.get(base + f"/bulletins/{period}")
            # The 文号 is required; the narrative comes drafted from the figures.
            assert "应报送质量统计报表的单位" in d.find_element(By.NAME, "overview").get_attribute("value")
            d.find_element(By.ID, "documentNumber").send_keys("人社鉴通〔%d〕7号" % time.gmtime(time.time() + 8 * 3600).tm_year)
            d.find_element(By.ID, "publish").click()
            WebDriverWait(d, 10).until(lambda drv: "人社鉴通" in drv.find_element(By.ID, "document-number").text)
            assert "草稿" not in d.find_element(By.ID, "bulletin-title").text
            logout()

        def public_reads_the_bulletin():
            d.get(base + "/bulletins")
            # Periods read as an official writes them: 2026年第三季度.
            year, quarter = period.split("Q")
            d.find_element(By.PARTIAL_LINK_TEXT, f"{year}年第{'一二三四'[int(quarter) - 1]}季度").click()
            table = d.find_element(By.ID, "bulletin-table")
            label = table.find_element(By.XPATH, ".//thead/tr[1]/th[1]")
            assert label.get_attribute("rowspan") == "5", label.get_attribute("rowspan")
            group = table.find_element(By.XPATH, ".//thead/tr[1]/th[2]")
            assert group.text == "国家职业标准执行情况" and group.get_attribute("colspan") == "3"
            row = table.find_element(By.CSS_SELECTOR, 'tr[data-unit="110000"]')
            tds = row.find_elements(By.TAG_NAME, "td")
            assert tds[0].text.startswith("12") and tds[6].text == "√", [t.text for t in tds[:8]]
            assert "hit" in tds[2].get_attribute("class")
            missing = table.find_element(By.CSS_SELECTOR, 'tr[data-unit="120000"]').text
            assert "未报" in missing.replace(" ", ""), missing
            assert d.find_element(By.CSS_SELECTOR, "svg.chart")
            assert "010-84201673" in d.find_element(By.TAG_NAME, "footer").text
            shot("04-bulletin")
            d.find_element(By.ID, "lang-switch").click()
            WebDriverWait(d, 10).until(lambda drv: drv.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
            assert "Total" in d.find_element(By.ID, "bulletin-table").text or "Findings" in d.page_source
            pdf = d.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": False})
            import base64
            data = base64.b64decode(pdf["data"])
            boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
            assert boxes, "no MediaBox"
            w, h = float(boxes[0][0]), float(boxes[0][1])
            assert abs(w - 841.9) < 2 and abs(h - 595.3) < 2, (w, h)   # A4 landscape in points
            if SHOTS:
                open(os.path.join(SHOTS, "05-bulletin.pdf"), "wb").write(data)
            d.get(base + f"/bulletins/{period}?lang=zh")
            # The pictures: 32 regions and the industries on the tile map, one strip per unit.
            tiles = d.find_elements(By.CSS_SELECTOR, "#tile-map g.tile")
            assert len(tiles) >= 32, len(tiles)
            assert d.find_element(By.CSS_SELECTOR, "#tile-map g.tile[data-unit='110000']").is_displayed()
            assert d.find_element(By.CSS_SELECTOR, "#small-multiples svg").size["width"] > 300
            assert d.find_element(By.CSS_SELECTOR, "#timeliness svg").size["width"] > 300

        def the_official_pdf_looks_like_a_document():
            # The server's PDF (Pango/Cairo), its first page rendered by poppler and shown in the browser.
            with urllib.request.urlopen(base + f"/api/v1/bulletins/{period}.pdf") as r:
                assert r.headers["Content-Type"] == "application/pdf", r.headers["Content-Type"]
                pdf = r.read()
            tmp = tempfile.mkdtemp()
            open(os.path.join(tmp, "b.pdf"), "wb").write(pdf)
            subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", os.path.join(tmp, "b.pdf"),
                            os.path.join(tmp, "page")], check=True)
            png = [f for f in os.listdir(tmp) if f.endswith(".png")][0]
            encoded = base64.b64encode(open(os.path.join(tmp, png), "rb").read()).decode()
            d.get("data:text/html,<img id='page' src='data:image/png;base64," + encoded + "'>")
            size = d.execute_script("const i = document.getElementById('page'); return [i.naturalWidth, i.naturalHeight]")
            assert size[1] > size[0] > 400, size   # A4 portrait at 60 dpi: about 496 x 702
            # The masthead is red: some pixel of the top third is (mostly) red.
            red = d.execute_script("""
                const i = document.getElementById('page'), c = document.createElement('canvas');
                c.width = i.naturalWidth; c.height = i.naturalHeight;
                const x = c.getContext('2d'); x.drawImage(i, 0, 0);
                const p = x.getImageData(0, 0, c.width, Math.floor(c.height / 3)).data;
                let n = 0; for (let k = 0; k < p.length; k += 4) if (p[k] > 150 && p[k+1] < 80 && p[k+2] < 80) n++;
                return n;""")
            assert red > 200, red
            shot("05b-bulletin-pdf-first-page")
            text = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", os.path.join(tmp, "b.pdf"), "-"],
                                  capture_output=True, check=True).stdout.decode()
            assert "人社鉴通" in text and "北京市" in text and "— 1 —" in text
            shutil.rmtree(tmp)

        def unit_rectifies_and_ministry_accepts():
            login("bj", "password-bj")
            d.get(base + "/rectifications")
            row = d.find_element(By.CSS_SELECTOR, "#rectifications tr.task-open")
            task = row.get_attribute("data-task")
            row.find_element(By.NAME, "note").send_keys("已停止使用未经论证的标准，改用国家标准。")
            row.find_element(By.CSS_SELECTOR, "form.task-done button").click()
            WebDriverWait(d, 10).until(lambda drv: "task-done" in drv.find_element(
                By.CSS_SELECTOR, f'#rectifications tr[data-task="{task}"]').get_attribute("class"))
            shot("05c-rectification-done")
            logout()
            login("admin", ADMIN_PASSWORD)
            d.get(base + "/rectifications?status=done")
            d.find_element(By.CSS_SELECTOR, f'tr[data-task="{task}"] form.task-accept button').click()
            WebDriverWait(d, 10).until(lambda drv: "task-accepted" in drv.find_element(
                By.CSS_SELECTOR, f'#rectifications tr[data-task="{task}"]').get_attribute("class"))
            logout()

        def unit_issues_a_certificate_and_the_public_verifies_it():
            order = api(base, "POST", "/api/v1/certificate-orders", bj_token, {"level": "5", "quantity": 20})
            api(base, "POST", f"/api/v1/certificate-orders/{order['id']}/allocate", admin, {"unitPriceYuan": "5.00"})
            # The exam pass the certificate is issued against (electrician, level 5, dated today).
            record_passes(base, admin, bj_token, [("张三", "11010519491231002X", "电工", "5", china_today())])
            login("bj", "password-bj")
            d.get(base + "/certificates")
            form = d.find_element(By.ID, "issue-form")
            for name, value in [("serial", "000000000003"), ("holderName", "张三"), ("idNumber", "11010519491231002X"),
                                ("occupation", "电工")]:
                form.find_element(By.NAME, name).send_keys(value)
            d.find_element(By.ID, "issue").click()
            WebDriverWait(d, 10).until(lambda drv: "000000000003" in drv.find_element(By.ID, "certificates").text)
            d.find_element(By.LINK_TEXT, "000000000003").click()
            qr = d.find_element(By.CSS_SELECTOR, "#qr svg")
            token = d.find_element(By.ID, "token").text
            assert qr.find_element(By.TAG_NAME, "title").get_attribute("textContent") == token
            shot("06-certificate")
            logout()
            # The public: by serial and name, then a wrong name, then the scanned URL.
            d.get(base + "/verify")
            d.find_element(By.ID, "v-serial").send_keys("000000000003")
            d.find_element(By.ID, "v-name").send_keys("张三")
            d.find_element(By.ID, "v-submit").click()
            verdict = WebDriverWait(d, 10).until(lambda drv: drv.find_element(By.ID, "verdict"))
            assert verdict.get_attribute("data-result") == "valid"
            assert d.find_element(By.ID, "v-holder").text == "张*"
            assert "11010519491231002X" not in d.page_source
            shot("07-verify")
            # Names and ID numbers go by POST: the address never holds them.
            assert "name=" not in d.current_url and "serial=" not in d.current_url, d.current_url
            d.get(base + "/verify")
            d.find_element(By.ID, "v-serial").send_keys("000000000003")
            d.find_element(By.ID, "v-name").send_keys("李四")
            d.find_element(By.ID, "v-submit").click()
            WebDriverWait(d, 10).until(lambda drv: drv.find_element(By.ID, "verdict"))
            assert d.find_element(By.ID, "verdict").get_attribute("data-result") == "mismatch"
            assert "v-holder" not in d.page_source
            d.get(base + "/verify?t=" + token)
            assert d.find_element(By.ID, "verdict").get_attribute("data-result") == "valid"
            assert "二维码签名验证通过" in d.page_source
            # A real QR reader decodes the SVG to the verification URL.
            svg = os.path.join(tmp, "qr.svg")
            req = urllib.request.Request(base + "/api/v1/certificates/000000000003/qr", headers={"Authorization": "Bearer " + bj_token})
            with open(svg, "wb") as f:
                f.write(urllib.request.urlopen(req).read())
            png = os.path.join(tmp, "qr.png")
            subprocess.run(["rsvg-convert", "-w", "600", "-b", "white", "-o", png, svg], check=True)
            decoded = subprocess.run(["zbarimg", "--quiet", "--raw", png], capture_output=True, text=True)
            assert decoded.returncode == 0, decoded.stderr
            assert decoded.stdout.strip().endswith("/verify?t=" + token), decoded.stdout[:120]
            # Offline, with the published keys saved to a file.
            jwks = os.path.join(tmp, "jwks.json")
            with open(jwks, "wb") as f:
                f.write(urllib.request.urlopen(base + "/.well-known/jwks.json").read())
            ok = subprocess.run([BINARY, "verify-token", "--jwks", jwks, token], capture_output=True, text=True)
            # The token's subject is the certificate number.
            number = api(base, "GET", "/api/v1/certificates/000000000003", bj_token)["certificateNumber"]
            assert ok.returncode == 0 and number in ok.stdout, ok.stdout + ok.stderr
            bad = subprocess.run([BINARY, "verify-token", "--jwks", jwks, token[:-3] + "AAA"], capture_output=True, text=True)
            assert bad.returncode == 1, bad.stdout + bad.stderr

        def unit_enters_results_and_issues_a_certificate_from_the_pass():
            today = china_today()
            station = passes.ensure_station(base, admin, bj_token, "110000", "110000")
            session = api(base, "POST", "/api/v1/sessions", bj_token, {
                "stationCode": station, "occupation": "6-07-06-01", "level": "5", "date": today, "regionCode": "110000",
                "standardKind": "national", "bankKind": "national", "bankCode": "B-browser", "candidates": 2, "passed": 0,
                "feeYuan": "100", "supervisorId": None})
            order = api(base, "POST", "/api/v1/certificate-orders", bj_token, {"level": "5", "quantity": 5})
            order = api(base, "POST", f"/api/v1/certificate-orders/{order['id']}/allocate", admin, {"unitPriceYuan": "5.00"})
            first = int(order["serialFrom"])
            serial, other = f"{first:012d}", f"{first + 1:012d}"
            login("bj", "password-bj")
            # The session list links the session's date to its page.
            d.get(base + "/registers")
            link = d.find_element(By.CSS_SELECTOR, f'#sessions a[href$="/registers/sessions/{session["id"]}"]')
            assert link.text == today, link.text
            link.click()
            WebDriverWait(d, 10).until(lambda drv: f"/registers/sessions/{session['id']}" in drv.current_url)
            assert d.find_element(By.ID, "results-title")
            page = d.current_url
            for name, idn, passed, score in [("王五", "110105199003150041", "1", "92.5"), ("赵六", "110101199505050010", "0", "41")]:
                form = d.find_element(By.ID, "result-form")
                form.find_element(By.NAME, "name").send_keys(name)
                form.find_element(By.NAME, "idNumber").send_keys(idn)
                Select(form.find_element(By.NAME, "passed")).select_by_value(passed)
                form.find_element(By.NAME, "score").send_keys(score)
                form.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
                WebDriverWait(d, 10).until(lambda drv: name in drv.find_element(By.ID, "results").text)
            assert d.current_url.split("#")[0] == page.split("#")[0], d.current_url
            rows = {r.find_elements(By.TAG_NAME, "td")[0].text: r for r in d.find_elements(By.CSS_SELECTOR, "#results tbody tr")}
            assert set(rows) == {"王五", "赵六"}, list(rows)
            assert "92.5" in rows["王五"].text and "41" in rows["赵六"].text
            # The passes are counted from the results now: one of two.
            assert d.find_element(By.ID, "session-passed").text.startswith("1"), d.find_element(By.ID, "session-passed").text
            shot("10-session-results")

            def issue(serial, name, idn):
                d.get(base + "/certificates")
                form = d.find_element(By.ID, "issue-form")
                for field, value in [("serial", serial), ("holderName", name), ("idNumber", idn), ("occupation", "电工")]:
                    form.find_element(By.NAME, field).clear()
                    form.find_element(By.NAME, field).send_keys(value)
                Select(form.find_element(By.NAME, "level")).select_by_value("5")
                d.find_element(By.ID, "issue").click()

            # The candidate who failed has no pass to issue against: refused, with the reason.
            issue(other, "赵六", "110101199505050010")
            WebDriverWait(d, 10).until(lambda drv: any(
                "没有合格记录" in e.text for e in drv.find_elements(By.CSS_SELECTOR, "#issue-form .field-error, #cert-message")))
            assert other not in d.find_element(By.ID, "certificates").text
            # The one who passed gets a certificate, numbered.
            issue(serial, "王五", "110105199003150041")
            WebDriverWait(d, 10).until(lambda drv: serial in drv.find_element(By.ID, "certificates").text)
            issued = api(base, "GET", f"/api/v1/certificates/{serial}", bj_token)
            assert issued["sessionId"].upper() == session["id"].upper(), issued
            d.find_element(By.LINK_TEXT, serial).click()
            number = WebDriverWait(d, 10).until(lambda drv: drv.find_element(By.ID, "cert-number")).text.strip()
            assert number == issued["certificateNumber"], (number, issued["certificateNumber"])
            assert re.fullmatch(r"\d{4}1100005\d{7}[0-9A-Z]", number) and number.startswith(today[:4]), number
            shot("11-certificate-number")
            # The certificate leads back to the session, whose results name it against the pass.
            d.find_element(By.ID, "cert-session").click()
            WebDriverWait(d, 10).until(lambda drv: f"/registers/sessions/{session['id']}" in drv.current_url)
            rows = {r.find_elements(By.TAG_NAME, "td")[0].text: r for r in d.find_elements(By.CSS_SELECTOR, "#results tbody tr")}
            assert number in rows["王五"].text and number not in rows["赵六"].text, rows["王五"].text
            logout()

        def public_files_a_complaint_and_follows_it():
            d.get(base + "/complaints/new")
            Select(d.find_element(By.ID, "c-category")).select_by_value("illegal_certificates")
            Select(d.find_element(By.ID, "c-unit")).select_by_value("110000")
            d.find_element(By.ID, "c-station").send_keys("某培训学校")
            d.find_element(By.ID, "c-description").send_keys("短")
            d.find_element(By.ID, "c-submit").click()
            WebDriverWait(d, 10).until(lambda drv: drv.find_element(By.ID, "complaint-errors"))
            assert "至少10个字" in d.find_element(By.ID, "complaint-errors").text
            d.find_element(By.ID, "c-description").clear()
            d.find_element(By.ID, "c-description").send_keys("该校出售未经考核的职业资格证书，每本收费三千元。")
            d.find_element(By.ID, "c-contact").send_keys("13900000000")
            d.find_element(By.ID, "c-submit").click()
            receipt = WebDriverWait(d, 10).until(lambda drv: drv.find_element(By.ID, "receipt")).text
            assert len(receipt.replace("-", "")) == 32, receipt
            shot("08-receipt")
            d.find_element(By.ID, "status-link").click()
            status = WebDriverWait(d, 10).until(lambda drv: drv.find_element(By.ID, "case-status"))
            assert status.get_attribute("data-status") == "received"
            assert "13900000000" not in d.page_source and "三千元" not in d.page_source
            assert "receipt=" not in d.current_url, d.current_url
            d.get(base + "/complaints/status")
            d.find_element(By.ID, "s-receipt").send_keys(receipt[:-1] + ("0" if receipt[-1] != "0" else "1"))
            d.find_element(By.ID, "s-submit").click()
            WebDriverWait(d, 10).until(lambda drv: drv.find_element(By.ID, "status-error"))
            shot("09-status")

        def filer_attaches_a_photo_and_answers_the_handlers_question():
            photo = os.path.join(tmp, "现场照片.jpg")
            with open(photo, "wb") as f:
                f.write(base64.b64decode(GPS_JPEG))
            d.get(base + "/complaints/new")
            Select(d.find_element(By.ID, "c-category")).select_by_value("overcharge")
            Select(d.find_element(By.ID, "c-unit")).select_by_value("110000")
            d.find_element(By.ID, "c-description").send_keys("报名时被要求另交资料费三百元，没有收据。")
            d.find_element(By.ID, "c-files").send_keys(photo)
            d.find_element(By.ID, "c-submit").click()
            receipt = WebDriverWait(d, 10).until(lambda drv: drv.find_element(By.ID, "receipt")).text
            # The unit sees the photo (without its GPS position) and asks a question on the case page.
            login("bj", "password-bj")
            cases = api(base, "GET", "/api/v1/complaints?status=received", bj_token)
            case = next(c for c in cases if c["category"] == "overcharge")
            d.get(base + "/complaints/cases/" + case["id"])
            evidence = WebDriverWait(d, 10).until(lambda drv: drv.find_element(By.ID, "case-evidence"))
            assert "现场照片.jpg" in evidence.text, evidence.text
            full = api(base, "GET", "/api/v1/complaints/" + case["id"], bj_token)
            req = urllib.request.Request(base + full["attachments"][0]["url"], headers={"Authorization": "Bearer " + bj_token})
            stored = urllib.request.urlopen(req).read()
            assert stored[:2] == b"\xff\xd8" and b"Exif" not in stored and b"secret comment" not in stored
            d.find_element(By.ID, "q-body").send_keys("请问收费人员是否出示了收费标准？")
            d.find_element(By.ID, "q-submit").click()
            WebDriverWait(d, 10).until(lambda drv: "收费标准" in drv.find_element(By.ID, "case-thread").text)
            shot("10-case-thread")
            logout()
            # The filer opens the status with the receipt, reads the question and answers it.
            d.get(base + "/complaints/status")
            d.find_element(By.ID, "s-receipt").send_keys(receipt)
            d.find_element(By.ID, "s-submit").click()
            WebDriverWait(d, 10).until(lambda drv: drv.find_element(By.ID, "awaiting-answer"))
            assert "收费标准" in d.find_element(By.ID, "thread").text
            assert "现场照片.jpg" in d.find_element(By.ID, "evidence-list").text
            d.find_element(By.ID, "a-body").send_keys("没有出示，只说是规定。")
            d.find_element(By.ID, "a-submit").click()
            WebDriverWait(d, 10).until(lambda drv: drv.find_element(By.ID, "status-notice"))
            assert "没有出示" in d.find_element(By.ID, "thread").text
            assert not d.find_elements(By.ID, "answer-form")
            assert "receipt=" not in d.current_url
            shot("11-filer-answered")
            thread = api(base, "GET", "/api/v1/complaints/" + case["id"], bj_token)["messages"]
            assert [m["from"] for m in thread] == ["handler", "filer"], thread

        def citizen_finds_an_authorised_station():
            from selenium.webdriver.support.ui import Select
            for code, name in [("6-07-06-01", "电工"), ("6-18-02-04", "焊工")]:
                try:  # registered already by an earlier scenario
                    api(base, "POST", "/api/v1/occupations", admin, {"code": code, "name": name})
                except urllib.error.HTTPError as e:
                    assert e.code == 409, e
            licence = {"licenceNo": "京鉴许字〔2024〕001号", "licenceExpires": "2031-12-31",
                       "address": "北京市朝阳区建设路18号", "personInCharge": "王建国"}
            for code, name, unit, scope in [("BJ-01", "北京市第一职业技能鉴定站", "110000", "6-07-06-01"),
                                            ("BJ-02", "北京市焊接技能鉴定所", "110000", "6-18-02-04"),
                                            ("BJ-REV", "北京某某职业技能鉴定站", "110000", "6-07-06-01"),
                                            ("TJ-01", "天津市第一职业技能鉴定站", "120000", "6-07-06-01")]:
                api(base, "POST", "/api/v1/stations", admin, {"code": code, "name": name, "unitCode": unit,
                                                              "regionCode": unit, "scope": [{"occupation": scope, "maxLevel": "3"}],
                                                              **licence})
            # The unit records the 撤销 outcome of BJ-REV's annual inspection on the registers page.
            login("bj", "password-bj")
            d.get(base + "/registers")
            form = d.find_element(By.ID, "inspection-form")
            Select(form.find_element(By.NAME, "stationCode")).select_by_value("BJ-REV")
            Select(form.find_element(By.NAME, "outcome")).select_by_value("revoked")
            form.find_element(By.NAME, "note").send_keys("组织替考，撤销鉴定资格")
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            WebDriverWait(d, 10).until(lambda drv: "撤销" in drv.find_element(By.ID, "inspections").text)
            logout()
            # A citizen opens the public list from the navigation and narrows it to Beijing and 电工.
            d.find_element(By.ID, "stations-link").click()
            WebDriverWait(d, 10).until(lambda drv: drv.find_element(By.ID, "station-search"))
            assert "未列入本名单的机构无权开展职业技能鉴定" in d.find_element(By.ID, "not-listed").text
            Select(d.find_element(By.ID, "s-region")).select_by_value("110000")
            Select(d.find_element(By.ID, "s-occupation")).select_by_value("6-07-06-01")
            d.find_element(By.ID, "s-submit").click()
            WebDriverWait(d, 10).until(lambda drv: "region=110000" in drv.current_url)
            cards = d.find_elements(By.CSS_SELECTOR, "#public-stations li.station-card")
            listed = [c.get_attribute("data-station") for c in cards]
            # Beijing's 电工 stations (the earlier scenarios' PASS-110000 among them): not 焊工's, not the revoked one.
            assert "BJ-01" in listed and "BJ-02" not in listed and "BJ-REV" not in listed and "TJ-01" not in listed, listed
            card = cards[listed.index("BJ-01")].text
            assert "北京市第一职业技能鉴定站" in card and "京鉴许字〔2024〕001号" in card and "2031-12-31" in card, card
            assert "电工（最高三级/高级工）" in card and "北京市朝阳区建设路18号" in card, card
            assert "王建国" not in d.page_source
            # The revoked station is absent, even when asked for by name.
            assert "北京某某职业技能鉴定站" not in d.page_source
            d.find_element(By.ID, "s-q").send_keys("某某")
            d.find_element(By.ID, "s-submit").click()
            WebDriverWait(d, 10).until(lambda drv: drv.find_element(By.ID, "no-stations"))
            assert d.find_element(By.ID, "stations-total").text.endswith("0")
            shot("10-stations")
            # Not listed: the page points to a complaint.
            d.find_element(By.ID, "report-provider").click()
            WebDriverWait(d, 10).until(lambda drv: drv.current_url.endswith("/complaints/new"))

        def supervisor_files_a_report_from_their_own_login():
            # The ministry keeps the register and the login; a session of BJ-01 today, the
            # supervisor (of Tianjin, so not tied to a Beijing station) dispatched to it by name.
            sv = api(base, "POST", "/api/v1/supervisors", admin,
                     {"unitCode": "120000", "name": "李督导", "licenceNo": "DD-120-0777", "validUntil": "2031-12-31",
                      "occupations": ["6-07-06-01"]})
            api(base, "POST", "/api/v1/users", admin, {"username": "sv-tj", "password": "password-sv-tj",
                                                       "role": "supervisor", "supervisorId": sv["id"]})
            session = api(base, "POST", "/api/v1/sessions", admin,
                          {"stationCode": "BJ-01", "occupation": "6-07-06-01", "level": "4", "date": china_today(),
                           "regionCode": "110000", "standardKind": "national", "bankKind": "national",
                           "bankCode": "SV-BROWSER", "candidates": 20, "passed": 0, "feeYuan": "100"})
            api(base, "POST", f"/api/v1/sessions/{session['id']}/dispatch", admin, {"supervisorIds": [sv["id"]]})
            login("sv-tj", "password-sv-tj")
            d.find_element(By.ID, "supervision-link").click()
            WebDriverWait(d, 10).until(lambda drv: drv.find_element(By.ID, "report-form"))
            assert "我的委派" in d.find_element(By.TAG_NAME, "h1").text
            assert "待提交" in d.find_element(By.ID, "assignments").text
            form = d.find_element(By.ID, "report-form")
            Select(form.find_element(By.NAME, "subject")).select_by_value("session:" + session["id"])
            Select(form.find_element(By.NAME, "feeNotice")).select_by_value("problem")
            # A problem without a note is refused next to the checklist, and nothing is filed.
            form.find_element(By.NAME, "findings").send_keys("考场秩序良好，收费标准未在显著位置公示")
            form.find_element(By.ID, "file-report").click()
            WebDriverWait(d, 10).until(lambda drv: drv.find_element(By.ID, "supervision-message"))
            assert api(base, "GET", "/api/v1/supervision-reports", admin) == []
            form = d.find_element(By.ID, "report-form")
            # What was chosen stays chosen after the refusal.
            assert Select(form.find_element(By.NAME, "feeNotice")).first_selected_option.get_attribute("value") == "problem"
            assert "收费标准未在显著位置公示" in form.find_element(By.NAME, "findings").get_attribute("value")
            Select(form.find_element(By.NAME, "subject")).select_by_value("session:" + session["id"])
            form.find_element(By.NAME, "feeNoticeNote").send_keys("收费标准未公示")
            form.find_element(By.NAME, "findings").clear()
            form.find_element(By.NAME, "findings").send_keys("考场秩序良好，收费标准未在显著位置公示")
            form.find_element(By.ID, "file-report").click()
            WebDriverWait(d, 10).until(lambda drv: drv.find_elements(By.CSS_SELECTOR, "#assignments tr.assignment-reported"))
            assert "已提交" in d.find_element(By.ID, "assignments").text
            reports = api(base, "GET", "/api/v1/supervision-reports", admin)
            assert len(reports) == 1 and reports[0]["checklist"]["feeNotice"] == {"result": "problem", "note": "收费标准未公示"}
            shot("11-supervision")
            logout()

        def unit_uploads_the_filled_excel_form():
            import openpyxl
            api(base, "POST", "/api/v1/users", admin, {"username": "tj", "password": "password-tj", "role": "unit",
                                                       "unitCode": "120000"})
            login("tj", "password-tj")
            d.get(base + f"/reports/{period}/120000")
            link = d.find_element(By.ID, "download-form").get_attribute("href")
            assert link.endswith(f"/reports/{period}/120000.xlsx"), link
            # The button's download, with the page's own session.
            req = urllib.request.Request(link)
            req.add_header("Cookie", "; ".join(f"{c['name']}={c['value']}" for c in d.get_cookies()))
            with urllib.request.urlopen(req) as res:
                assert "spreadsheetml" in res.headers["Content-Type"], res.headers["Content-Type"]
                form = os.path.join(tmp, "form.xlsx")
                with open(form, "wb") as f:
                    f.write(res.read())
            wb = openpyxl.load_workbook(form)
            ws = wb["报表"]
            assert ws["A8"].value == "甲" and ws["B2"].value == "120000"
            for ref, value in {"B9": 7, "C9": "三", "D9": 0, "E9": 6, "F9": 1, "G9": 0, "H9": "√", "I9": None,
                               "K9": 1, "L9": 0, "N9": None, "O9": "√", "P9": "√", "Q9": None, "S9": 0, "T9": 0,
                               "W9": 0, "X9": 0, "AD9": 5000, "AE9": 4000}.items():
                ws[ref] = value
            bad = os.path.join(tmp, "bad.xlsx")
            wb.save(bad)
            ws["C9"] = 2
            good = os.path.join(tmp, "good.xlsx")
            wb.save(good)
            # A word where a number belongs: refused, the cell named, nothing saved.
            d.find_element(By.ID, "upload-file").send_keys(bad)
            d.find_element(By.ID, "upload").click()
            errors = d.find_element(By.ID, "form-errors").text
            assert "单元格C9" in errors and "第2栏" in errors, errors
            shot("12-excel-refused")
            try:
                api(base, "GET", f"/api/v1/reports/{period}/120000", admin)
                raise AssertionError("a refused upload saved a report")
            except urllib.error.HTTPError as e:
                assert e.code == 404, e.code
            d.find_element(By.ID, "upload-file").send_keys(good)
            d.find_element(By.ID, "upload").click()
            assert d.find_element(By.ID, "saved")
            assert d.find_element(By.ID, "f-standards.national").get_attribute("value") == "7"
            assert d.find_element(By.ID, "f-standards.verifiedLocal").get_attribute("value") == "2"
            assert "80.0%" in d.find_element(By.CSS_SELECTOR, "p.meta").text
            saved = api(base, "GET", f"/api/v1/reports/{period}/120000", admin)
            assert saved["values"]["payment"] == {"dueYuan": "5000.00", "paidYuan": "4000.00"}, saved["values"]
            assert saved["values"]["feeStandard"] is True and saved["values"]["crossRegion"] is False
            shot("13-excel-saved")
            logout()

        check("unit fills the form, sees an inline error, saves, sees findings, submits", unit_fills_and_submits, d)
        check("ministry sees who reported, accepts, previews and publishes", ministry_reviews_and_publishes, d)
        check("public reads the bulletin page, switches to English, prints A4 landscape", public_reads_the_bulletin, d)
        check("the official PDF's first page shows the red masthead and the document number", the_official_pdf_looks_like_a_document, d)
        check("a unit reports a rectification task done and the ministry accepts it", unit_rectifies_and_ministry_accepts, d)
        d.get(base + "/?lang=zh")
        check("unit issues a certificate with a QR code; the public verifies it by name, by scan and offline",
              unit_issues_a_certificate_and_the_public_verifies_it, d)
        check("the public files a complaint, gets a receipt and opens the case's status with it",
              public_files_a_complaint_and_follows_it, d)
        check("a filer attaches a photo when filing, the unit reads it (no GPS) and asks, the filer answers by receipt",
              filer_attaches_a_photo_and_answers_the_handlers_question, d)
        check("a unit enters a session's results on its page, is refused a certificate for the failed candidate, "
              "issues one from the pass and sees its certificate number",
              unit_enters_results_and_issues_a_certificate_from_the_pass, d)
        check("a citizen finds an authorised station on the public list; a revoked one is absent",
              citizen_finds_an_authorised_station, d)
        check("a supervisor logs in, opens their assignments, is refused a problem without a note, files the report",
              supervisor_files_a_report_from_their_own_login, d)
        check("a unit downloads the Excel form, uploads it filled, is told the bad cell, then saves it",
              unit_uploads_the_filled_excel_form, d)
    finally:
        d.quit()
        stop_server(server)
        shutil.rmtree(tmp, ignore_errors=True)
    failed = sum(1 for _, e in results if e)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
