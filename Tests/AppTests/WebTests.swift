import Domain
import Foundation
import Testing
import Vapor
import VaporTesting

@testable import App

extension AppTests {
    @Suite struct Web {
        /// Logs in through the login form, as a browser would: GET sets the CSRF cookie, POST sends it back.
        static func webLogin(_ t: TestApp, _ user: String, _ password: String) async throws -> (cookie: String, csrf: String) {
            let form = try await t.send(.GET, "/login")
            #expect(form.status == .ok)
            let loginCSRF = try #require(form.headers.setCookie?[Auth.loginCSRFCookie]?.string)
            #expect(form.body.string.contains(loginCSRF))
            var h = HTTPHeaders()
            h.cookie = HTTPCookies(dictionaryLiteral: (Auth.loginCSRFCookie, .init(string: loginCSRF)))
            let res = try await t.send(
                .POST, "/login", headers: h, body: "username=\(user)&password=\(password)&_csrf=\(loginCSRF)&next=/reports")
            #expect(res.status == .seeOther)
            #expect(res.headers.first(name: .location) == "/reports")
            let session = try #require(res.headers.setCookie?[Auth.sessionCookie])
            #expect(session.isHTTPOnly)
            // The CSRF token of the session is printed in every form of a page.
            var sh = HTTPHeaders()
            sh.cookie = HTTPCookies(dictionaryLiteral: (Auth.sessionCookie, .init(string: session.string)))
            let page = try await t.send(.GET, "/reports", headers: sh)
            #expect(page.status == .ok)
            let html = page.body.string
            let marker = #"name="_csrf" value=""#
            let start = try #require(html.range(of: marker)).upperBound
            let csrf = String(html[start...].prefix { $0 != "\"" })
            return (session.string, csrf)
        }

        static func headers(_ cookie: String) -> HTTPHeaders {
            var h = HTTPHeaders()
            h.cookie = HTTPCookies(dictionaryLiteral: (Auth.sessionCookie, .init(string: cookie)))
            h.replaceOrAdd(name: .accept, value: "text/html")
            return h
        }

        /// The API's errors are the JSON error body even where no route answered (an unknown path or
        /// method, a refusal before routing), whatever the client accepts; a browser elsewhere gets a page.
        @Test func apiErrors_areJSON_evenWithoutARoute() async throws {
            try await withTestApp { t in
                var html = HTTPHeaders()
                html.replaceOrAdd(name: .accept, value: "text/html")
                var any = HTTPHeaders()
                any.replaceOrAdd(name: .accept, value: "*/*")
                for (method, path, headers) in [
                    (HTTPMethod.OPTIONS, "/api/v1/units", any), (.GET, "/api", html), (.GET, "/api/v1/nothing", html),
                    (.POST, "/healthz", any), (.GET, "/api/v1/units/%01", html),
                ] {
                    let res = try await t.send(method, path, headers: headers)
                    #expect((400..<500).contains(res.status.code), "\(method) \(path)")
                    #expect(res.headers.contentType == .json, "\(method) \(path): \(res.headers.contentType?.description ?? "")")
                    #expect(try t.object(res)["error"] != nil, "\(method) \(path)")
                }
                let page = try await t.send(.GET, "/no-such-page", headers: html)
                #expect(page.status == .notFound && page.headers.contentType?.subType == "html")
                var json = HTTPHeaders()
                json.replaceOrAdd(name: .accept, value: "application/json")
                let client = try await t.send(.GET, "/no-such-page", headers: json)
                #expect(client.status == .notFound && client.headers.contentType == .json)
            }
        }

        @Test func interfaceStrings_haveEveryKey_inBothLanguages() {
            for key in L10n.Key.allCases {
                #expect(!key.text.zh.isEmpty && !key.text.en.isEmpty, "\(key) lacks a language")
            }
            #expect(L10n.zh.count == L10n.Key.allCases.count && L10n.en.count == L10n.Key.allCases.count)
        }

        /// A template naming a string that does not exist would show nothing where a label belongs.
        @Test func templates_nameOnlyExistingStrings() throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Resources/Views")
            let files = try #require(FileManager.default.enumerator(at: root.standardized, includingPropertiesForKeys: nil))
            let pattern = try Regex(#"base\.t\.([A-Za-z_]+)"#)
            var used = 0
            for case let file as URL in files where file.pathExtension == "leaf" {
                let text = try String(contentsOf: file, encoding: .utf8)
                for m in text.matches(of: pattern) {
                    let key = String(text[m.output[1].range!])
                    #expect(L10n.Key(rawValue: key) != nil, "\(file.lastPathComponent) names base.t.\(key)")
                    used += 1
                }
            }
            #expect(used > 100)
        }

        /// Strings are looked up by `L10n.Key`, and nothing on a request path force-unwraps a lookup.
        @Test func sources_haveNoStringLookupsByText_andNoForcedSubscripts() throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources/App")
            let files = try #require(FileManager.default.enumerator(at: root.standardized, includingPropertiesForKeys: nil))
            for case let file as URL in files where file.pathExtension == "swift" {
                let text = try String(contentsOf: file, encoding: .utf8)
                let byText = text.contains("L10n.strings(L10n.lang(req))[")
                #expect(!byText, "\(file.lastPathComponent) looks a string up by its text")
                // Request paths only: the offline commands (demo data) may trust their own tables.
                let forced = !file.path.contains("/Commands/") && text.contains("]!")
                #expect(!forced, "\(file.lastPathComponent) force-unwraps a subscript")
                // One path per action: a page calls the service, never an API handler, and never
                // rewrites its request to look like an API call.
                if file.lastPathComponent.hasSuffix("Pages.swift") {
                    let callsHandler = text.contains(/Controller\.\w+\(req\)/)
                    let rewrites = text.contains("parameters.set(") || text.contains("req.content.encode(")
                    #expect(!callsHandler, "\(file.lastPathComponent) calls an API handler")
                    #expect(!rewrites, "\(file.lastPathComponent) rewrites its request")
                }
                // Links come from SiteURL: no hand-written page path in a redirect.
                let handWritten = text.contains("redirect(to: \"/")
                #expect(!handWritten, "\(file.lastPathComponent) writes a path by hand")
            }
        }

        @Test func login_withoutTheCSRFCookieIsRefused_andWrongPasswordShowsAnError() async throws {
            try await withTestApp { t in
                let res = try await t.send(.POST, "/login", body: "username=admin&password=\(adminPassword)&_csrf=forged")
                #expect(res.status == .forbidden)
                #expect(res.headers.setCookie?[Auth.sessionCookie] == nil)
                let form = try await t.send(.GET, "/login")
                let token = try #require(form.headers.setCookie?[Auth.loginCSRFCookie]?.string)
                var h = HTTPHeaders()
                h.cookie = HTTPCookies(dictionaryLiteral: (Auth.loginCSRFCookie, .init(string: token)))
                let bad = try await t.send(.POST, "/login", headers: h, body: "username=admin&password=wrong&_csrf=\(token)")
                #expect(bad.status == .unauthorized)
                #expect(bad.body.string.contains("用户名或密码错误"))
                let evil = try await t.send(
                    .POST, "/login", headers: h,
                    body: "username=admin&password=\(adminPassword)&_csrf=\(token)&next=//evil.example")
                #expect(evil.headers.first(name: .location) == "/reports")
            }
        }

        @Test func ministry_addsIndustriesAndUsers_onTheAdminPage() async throws {
            try await withTestApp { t in
                _ = try await t.user("bj", role: "unit", unit: "110000")
                let (cookie, csrf) = try await Self.webLogin(t, "admin", adminPassword)
                let h = Self.headers(cookie)
                #expect(try await t.send(.GET, "/admin", headers: h).status == .ok)
                let added = try await t.send(
                    .POST, "/admin/units", headers: h, body: "_csrf=\(csrf)&kind=industry&code=I100&name=%E7%94%B5%E5%8A%9B")
                #expect(added.status == .seeOther)
                let dup = try await t.send(
                    .POST, "/admin/units", headers: h, body: "_csrf=\(csrf)&kind=industry&code=I100&name=x")
                #expect(dup.status == .conflict)
                #expect(dup.body.string.contains(#"id="admin-message""#))
                let user = try await t.send(
                    .POST, "/admin/users", headers: h,
                    body: "_csrf=\(csrf)&username=dl&password=password-dl&role=unit&unitCode=I100")
                #expect(user.status == .seeOther)
                #expect(try await t.login("dl", "password-dl").isEmpty == false)
                #expect(
                    try await t.send(.POST, "/admin/units/I100/active", headers: h, body: "_csrf=\(csrf)").status == .seeOther)
                let units = try #require(try t.json(try await t.send(.GET, "/api/v1/units")) as? [[String: Any]])
                #expect(units.first { $0["code"] as? String == "I100" }?["active"] as? Bool == false)
                let (unitCookie, unitCSRF) = try await Self.webLogin(t, "bj", "password-bj")
                #expect(try await t.send(.GET, "/admin", headers: Self.headers(unitCookie)).status == .forbidden)
                #expect(
                    try await t.send(
                        .POST, "/admin/units", headers: Self.headers(unitCookie),
                        body: "_csrf=\(unitCSRF)&kind=industry&code=I101&name=y"
                    ).status == .forbidden)
            }
        }

        @Test func pages_requireLogin_andPublicPagesAreOpen() async throws {
            try await withTestApp { t in
                var h = HTTPHeaders()
                h.replaceOrAdd(name: .accept, value: "text/html")
                let res = try await t.send(.GET, "/reports", headers: h)
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location)?.hasPrefix("/login") == true)
                let home = try await t.send(.GET, "/", headers: h)
                #expect(home.status == .ok)
                #expect(home.body.string.contains("010-84201673") && home.body.string.contains("010-84635476"))
                let en = try await t.send(.GET, "/?lang=en", headers: h)
                #expect(en.body.string.contains("Published bulletins"))
                #expect(en.headers.setCookie?[L10n.cookie]?.string == "en")
                #expect(try await t.send(.GET, "/bulletins", headers: h).status == .ok)
                #expect(try await t.send(.GET, "/bulletins/2026Q1", headers: h).status == .notFound)
            }
        }

        @Test func unit_fillsTheForm_seesInlineErrors_savesAndSubmits() async throws {
            try await withTestApp(now: beijing("2026-04-03T09:00:00")) { t in
                _ = try await t.user("bj", role: "unit", unit: "110000")
                let (cookie, csrf) = try await Self.webLogin(t, "bj", "password-bj")
                let h = Self.headers(cookie)
                let list = try await t.send(.GET, "/reports", headers: h)
                #expect(list.body.string.contains("/reports/2026Q1/110000"))
                let form = try await t.send(.GET, "/reports/2026Q1/110000", headers: h)
                #expect(form.status == .ok)
                #expect(form.body.string.contains("使用国家标准的职业(工种)数量(个)"))

                var fields = [
                    "standards.national": "12", "standards.verifiedLocal": "3", "standards.unverifiedLocal": "-1",
                    "banks.national": "10", "banks.certifiedLocal": "2", "banks.uncertifiedLocal": "abc",
                    "feeStandard": "true", "overcharge.investigated": "0", "overcharge.uninvestigated": "0",
                    "crossRegion": "false", "supervision": "true", "violations.investigated": "0",
                    "violations.uninvestigated": "0", "forgery.investigated": "0", "forgery.uninvestigated": "0",
                    "payment.dueYuan": "100", "payment.paidYuan": "80",
                ]
                func encode(_ f: [String: String], csrf: String) -> String {
                    (f.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" } + [
                        "_csrf=\(csrf)"
                    ])
                    .joined(separator: "&")
                }
                let noCSRF = try await t.send(.POST, "/reports/2026Q1/110000", headers: h, body: encode(fields, csrf: "x"))
                #expect(noCSRF.status == .forbidden)
                let invalid = try await t.send(.POST, "/reports/2026Q1/110000", headers: h, body: encode(fields, csrf: csrf))
                #expect(invalid.status == .unprocessableEntity)
                let html = invalid.body.string
                #expect(html.contains(#"data-field="standards.unverifiedLocal""#))
                #expect(html.contains("第3列"))
                #expect(html.contains(#"data-field="banks.uncertifiedLocal""#))
                #expect(html.contains(#"value="abc""#), "the typed value is kept")
                let admin = try await t.admin()
                #expect(try await t.send(.GET, "/api/v1/reports/2026Q1/110000", token: admin).status == .notFound)

                fields["standards.unverifiedLocal"] = "1"
                fields["banks.uncertifiedLocal"] = "0"
                let saved = try await t.send(.POST, "/reports/2026Q1/110000", headers: h, body: encode(fields, csrf: csrf))
                #expect(saved.status == .seeOther)
                let page = try await t.send(.GET, "/reports/2026Q1/110000", headers: h)
                #expect(page.body.string.contains("使用未经部论证的地方(行业)标准1个"), "findings shown as warnings")
                let submitted = try await t.send(.POST, "/reports/2026Q1/110000/submit", headers: h, body: "_csrf=\(csrf)")
                #expect(submitted.status == .seeOther)
                let r = try t.object(try await t.send(.GET, "/api/v1/reports/2026Q1/110000", token: admin))
                #expect(r["status"] as? String == "submitted")
                // Another unit's form is not shown.
                #expect(try await t.send(.GET, "/reports/2026Q1/120000", headers: h).status == .forbidden)
                #expect(
                    try await t.send(.POST, "/reports/2026Q1/120000", headers: h, body: encode(fields, csrf: csrf)).status
                        == .forbidden)
            }
        }

        @Test func ministry_reviewsAndPublishes_andThePublicReadsTheBulletinPage() async throws {
            try await withTestApp(now: beijing("2026-04-03T09:00:00")) { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                #expect(
                    try await t.send(.PUT, "/api/v1/reports/2026Q1/110000", token: bj, json: reportJSON(unverifiedLocal: 2))
                        .status == .ok)
                #expect(try await t.send(.POST, "/api/v1/reports/2026Q1/110000/submit", token: bj).status == .ok)
                let (cookie, csrf) = try await Self.webLogin(t, "admin", adminPassword)
                let h = Self.headers(cookie)
                let overview = try await t.send(.GET, "/reports?period=2026Q1", headers: h)
                #expect(overview.body.string.contains(#"id="reported-count">1<"#))
                let review = try await t.send(.GET, "/reports/2026Q1/110000", headers: h)
                #expect(review.body.string.contains(#"id="accept""#))
                #expect(review.body.string.contains(#"id="history""#))
                #expect(
                    try await t.send(.POST, "/reports/2026Q1/110000/accept", headers: h, body: "_csrf=\(csrf)").status
                        == .seeOther)
                let preview = try await t.send(.GET, "/bulletins/2026Q1", headers: h)
                #expect(preview.body.string.contains(#"id="publish""#))
                #expect(
                    try await t.send(
                        .POST, "/bulletins/2026Q1/publish", headers: h,
                        body:
                            "_csrf=\(csrf)&documentNumber=\(t.documentNumber("2026Q1").addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
                    ).status == .seeOther)

                var pub = HTTPHeaders()
                pub.replaceOrAdd(name: .accept, value: "text/html")
                let page = try await t.send(.GET, "/bulletins/2026Q1", headers: pub)
                #expect(page.status == .ok)
                let html = page.body.string
                // The merged header comes from the catalogue: every header cell with its spans.
                for cell in Catalogue.headerCells() {
                    let th = #"<th rowspan="\#(cell.rowSpan)" colspan="\#(cell.colSpan)">\#(cell.text)</th>"#
                    #expect(html.contains(th), "\(th)")
                }
                #expect(html.contains(#"<td class="hit">2"#), "finding highlighted in column 3")
                #expect(html.contains("<svg"))
                #expect(html.contains("未报"))
                #expect(!html.contains(#"id="publish""#))
                let list = try await t.send(.GET, "/bulletins", headers: pub)
                #expect(list.body.string.contains("/bulletins/2026Q1?revision=1"))
            }
        }
    }
}
