import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import App

/// Hostile input, races and the one write path (issues: hardening; SQLite under load).
extension AppTests {
    @Suite struct Hardening {
        /// Sends the requests at once and returns their statuses in order.
        static func parallel(_ t: TestApp, _ requests: [(HTTPMethod, String, String?, String?)]) async throws -> [HTTPStatus] {
            try await withThrowingTaskGroup(of: (Int, HTTPStatus).self) { group in
                for (i, r) in requests.enumerated() {
                    group.addTask { (i, try await t.send(r.0, r.1, token: r.2, json: r.3).status) }
                }
                var out = Array(repeating: HTTPStatus.ok, count: requests.count)
                for try await (i, s) in group { out[i] = s }
                return out
            }
        }

        // MARK: The one write path

        /// Every write transaction and every write goes through `req.write` / `app.write` /
        /// `Store.write` (see `Writes`): this test fails if a transaction is opened another way or
        /// a model is written straight to a request's database.
        @Test func writes_goThroughTheOneWritePath() throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("Sources")
            let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)!
                .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
            #expect(files.count > 30)
            let direct = try Regex(
                #"\.(create|save|update|delete)\(on: (req|request|app|application|context\.application)\.db\)"#)
            let directQuery = try Regex(#"query\(on: (req|request|app)\.db\).*\.(delete|update)\(\)"#)
            var offences: [String] = []
            for file in files where !file.path.contains("/Migrations/") && !file.path.hasSuffix("Platform/Writes.swift") {
                let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                for (n, line) in lines.enumerated() {
                    let where_ = "\(file.lastPathComponent):\(n + 1): \(line.trimmingCharacters(in: .whitespaces))"
                    if line.contains(".transaction {") || line.contains(".transaction(") { offences.append(where_) }
                    if line.contains(direct) || line.contains(directQuery) { offences.append(where_) }
                }
            }
            #expect(offences.isEmpty, "writes outside the write path:\n\(offences.joined(separator: "\n"))")
        }

        @Test func writes_nestedWriteIsRefusedNotDeadlocked() async throws {
            try await withTestApp { t in
                await #expect(throws: AppError.self) {
                    try await t.app.write { _ in try await t.app.write { _ in 1 } }
                }
            }
        }

        /// A write in progress holds its own connection, never the one reads need: reads on every
        /// event loop answer while the write is still open (if they waited for it, this would hang).
        @Test func reads_answerWhileAWriteIsOpen() async throws {
            try await withTestApp { t in
                let released = TestClock(Date.distantPast)  // a flag: distantFuture once released
                let writing = Task {
                    try await t.app.write { db in
                        _ = try await UnitModel.query(on: db).count()
                        while released.now == .distantPast { try await Task.sleep(for: .milliseconds(5)) }
                    }
                }
                try await Task.sleep(for: .milliseconds(50))
                for _ in 0..<20 {
                    #expect(try await t.send(.GET, "/api/v1/units").status == .ok)
                    #expect(try await t.send(.GET, "/api/v1/bulletins").status == .ok)
                }
                released.set(.distantFuture)
                try await writing.value
            }
        }

        /// Three servers starting at once on one fresh database take turns under the start lock:
        /// all come up, the schema is made once, and there is one admin.
        @Test func start_threeAtOnceOnOneDatabase_allComeUp() async throws {
            _ = quietLogging
            let (database, cleanup) = testDatabase()
            defer { cleanup() }
            var apps: [Application] = []
            for _ in 0..<3 {
                let app = try await Application.make(.testing)
                app.logger.logLevel = .warning
                try await configure(app, config: AppConfig(database: database, adminPassword: adminPassword, bcryptCost: 4))
                apps.append(app)
            }
            do {
                if case .postgres = database, let sql = apps[0].db as? any SQLDatabase {
                    try await sql.raw("DROP SCHEMA public CASCADE").run()
                    try await sql.raw("CREATE SCHEMA public").run()
                }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for app in apps { group.addTask { try await prepareDatabase(app) } }
                    try await group.waitForAll()
                }
                #expect(try await User.query(on: apps[0].db).filter(\.$username == "admin").count() == 1)
                #expect(try await UnitModel.query(on: apps[1].db).filter(\.$kind == .region).count() == 32)
            } catch {
                for app in apps { try? await app.asyncShutdown() }
                throw error
            }
            for app in apps { try await app.asyncShutdown() }
        }

        /// On PostgreSQL every process counts against one public limit: 20 lookups through one
        /// process and 10 through another use up the 30 a minute, and the next is 429 on both.
        @Test func publicLimits_areSharedByEveryProcess_onPostgreSQL() async throws {
            try await withTestApp { t in
                guard case .postgres = t.app.config.database else { return }  // SQLite serves one process
                let other = try await Application.make(.testing)
                other.logger.logLevel = .warning
                try await configure(other, config: t.app.config)
                do {
                    let b = TestApp(app: other, clock: t.clock)
                    for n in 0..<30 {
                        let r = try await (n < 20 ? t : b).send(.GET, "/api/v1/verify?serial=000000000001&name=x")
                        #expect(r.status == .ok, "lookup \(n)")
                    }
                    #expect(try await t.send(.GET, "/api/v1/verify?serial=000000000001&name=x").status == .tooManyRequests)
                    #expect(try await b.send(.GET, "/api/v1/verify?serial=000000000001&name=x").status == .tooManyRequests)
                    t.clock.advance(61)
                    #expect(try await b.send(.GET, "/api/v1/verify?serial=000000000001&name=x").status == .ok)
                } catch {
                    try? await other.asyncShutdown()
                    throw error
                }
                try await other.asyncShutdown()
            }
        }

        // MARK: Concurrent saves (SQLite under load)

        /// 50 units save at once, then one unit saves 50 times at once: every answer is 200 (or a
        /// documented 409), and each report's audit trail holds exactly the saves that were applied.
        @Test func reports_concurrentSaves_allApplied_auditExact() async throws {
            try await withTestApp { t in
                let admin = try await t.admin()
                for n in 1...18 {
                    let code = String(format: "I%02d", n)
                    #expect(
                        try await t.send(
                            .POST, "/api/v1/units", token: admin,
                            json: #"{"code":"\#(code)","name":"行业\#(n)","kind":"industry"}"#
                        ).status == .created)
                }
                let units = try #require(try t.json(try await t.send(.GET, "/api/v1/units")) as? [[String: Any]])
                    .compactMap { $0["code"] as? String }
                #expect(units.count == 50)
                let many = try await Self.parallel(t, units.map { (.PUT, "/api/v1/reports/2026Q1/\($0)", admin, reportJSON()) })
                #expect(many.allSatisfy { $0 == .ok }, "\(many)")
                for unit in units {
                    let h = try #require(
                        try t.json(try await t.send(.GET, "/api/v1/reports/2026Q1/\(unit)/history", token: admin))
                            as? [[String: Any]])
                    #expect(h.filter { $0["action"] as? String == "create" }.count == 1)
                }

                let one = try await Self.parallel(
                    t,
                    (0..<50).map { i in
                        (.PUT, "/api/v1/reports/2026Q2/110000", admin, reportJSON(national: 100 + i))
                    })
                #expect(one.allSatisfy { $0 == .ok || $0 == .conflict }, "\(one)")
                let applied = one.filter { $0 == .ok }.count
                #expect(applied == 50)
                let h = try #require(
                    try t.json(try await t.send(.GET, "/api/v1/reports/2026Q2/110000/history", token: admin)) as? [[String: Any]])
                let saves = h.filter { ["create", "update"].contains($0["action"] as? String) }
                #expect(saves.count == applied)
                let changes = h.filter { $0["action"] as? String == "value" && $0["field"] as? String == "standards.national" }
                #expect(changes.count == applied)
                // The trail chains: each change starts from the value the previous one left.
                for (a, b) in zip(changes, changes.dropFirst()) { #expect(a["new"] as? String == b["old"] as? String) }
                let report = try t.object(try await t.send(.GET, "/api/v1/reports/2026Q2/110000", token: admin))
                let national = ((report["values"] as? [String: Any])?["standards"] as? [String: Any])?["national"] as? Int
                #expect(national.map(String.init) == changes.last?["new"] as? String)
            }
        }

        // MARK: Races closed in the database

        @Test func payments_racingEachOther_neverExceedWhatIsDue() async throws {
            try await withTestApp { t in
                let admin = try await t.admin()
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                for round in 0..<5 {
                    let o = try t.object(
                        try await t.send(.POST, "/api/v1/certificate-orders", token: bj, json: #"{"level":"5","quantity":1000}"#))
                    let id = try #require(o["id"] as? String)
                    #expect(
                        try await t.send(
                            .POST, "/api/v1/certificate-orders/\(id)/allocate", token: admin,
                            json: #"{"unitPriceYuan":"5.00","allocatedOn":"2026-02-10"}"#
                        ).status == .ok)
                    let statuses = try await Self.parallel(
                        t,
                        (0..<3).map { _ in
                            (
                                .POST, "/api/v1/certificate-orders/\(id)/payments", admin,
                                #"{"amountYuan":"3000.00","paidOn":"2026-03-01"}"#
                            )
                        })
                    #expect(statuses.filter { $0 == .created }.count == 1, "round \(round): \(statuses)")
                    #expect(statuses.filter { $0 == .unprocessableEntity }.count == 2, "round \(round): \(statuses)")
                    let orders = try #require(
                        try t.json(try await t.send(.GET, "/api/v1/certificate-orders", token: admin)) as? [[String: Any]])
                    #expect(orders.first { $0["id"] as? String == id }?["paidYuan"] as? String == "3000.00")
                }
            }
        }

        @Test func reports_acceptRacingReturn_andSaveRacingSubmit_leaveOneConsistentState() async throws {
            try await withTestApp(now: beijing("2026-04-05T10:00:00")) { t in
                let admin = try await t.admin()
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                for round in 0..<5 {
                    let period = "202\(5 - round / 4)Q\(round % 4 + 1)"
                    #expect(
                        try await t.send(.PUT, "/api/v1/reports/\(period)/110000", token: bj, json: reportJSON()).status == .ok)
                    // A save racing a submit: either the save lands first (both 200) or the submit
                    // does (the save is 409); never a submitted report with values changed after.
                    let race = try await Self.parallel(
                        t,
                        [
                            (.POST, "/api/v1/reports/\(period)/110000/submit", bj, nil),
                            (.PUT, "/api/v1/reports/\(period)/110000", bj, reportJSON(national: 99)),
                        ])
                    #expect(race[0] == .ok && (race[1] == .ok || race[1] == .conflict), "\(race)")
                    let h = try #require(
                        try t.json(try await t.send(.GET, "/api/v1/reports/\(period)/110000/history", token: bj))
                            as? [[String: Any]])
                    let submittedAt = try #require(h.firstIndex { $0["new"] as? String == "submitted" })
                    #expect(!h[submittedAt...].contains { $0["action"] as? String == "update" })
                    // Accept racing return: exactly one wins.
                    let review = try await Self.parallel(
                        t,
                        [
                            (.POST, "/api/v1/reports/\(period)/110000/accept", admin, nil),
                            (.POST, "/api/v1/reports/\(period)/110000/return", admin, #"{"comment":"请核实"}"#),
                        ])
                    #expect(review.filter { $0 == .ok }.count == 1 && review.filter { $0 == .conflict }.count == 1, "\(review)")
                }
            }
        }

        @Test func complaints_andCertificates_racingTransitions_oneWins() async throws {
            try await withTestApp { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let admin = try await t.admin()
                for _ in 0..<3 {
                    _ = try await t.send(
                        .POST, "/api/v1/complaints",
                        json:
                            #"{"category":"overcharge","unitCode":"110000","station":null,"description":"收费超标","contact":null,"channel":"web"}"#
                    )
                }
                let list = try #require(try t.json(try await t.send(.GET, "/api/v1/complaints", token: bj)) as? [[String: Any]])
                for c in list {
                    let path = "/api/v1/complaints/\(try #require(c["id"] as? String))/transition"
                    #expect(
                        try await t.send(.POST, path, token: bj, json: #"{"to":"investigating","note":"开始调查"}"#).status == .ok)
                    let r = try await Self.parallel(
                        t,
                        [
                            (.POST, path, bj, #"{"to":"handled","note":"已查处"}"#),
                            (.POST, path, bj, #"{"to":"unfounded","note":"不属实"}"#),
                        ])
                    #expect(r.filter { $0 == .ok }.count == 1 && r.filter { $0 == .conflict }.count == 1, "\(r)")
                }
                // Revoke twice at once.
                let o = try t.object(
                    try await t.send(.POST, "/api/v1/certificate-orders", token: bj, json: #"{"level":"5","quantity":10}"#))
                let id = try #require(o["id"] as? String)
                _ = try await t.send(
                    .POST, "/api/v1/certificate-orders/\(id)/allocate", token: admin,
                    json: #"{"unitPriceYuan":"5.00","allocatedOn":"2026-02-10"}"#)
                let orders = try #require(
                    try t.json(try await t.send(.GET, "/api/v1/certificate-orders", token: bj)) as? [[String: Any]])
                let serial = try #require(orders.first { $0["id"] as? String == id }?["serialFrom"] as? String)
                try await t.passes([("张三", AppTests.Certificates.idBJ)], unit: "110000", token: bj)
                #expect(
                    try await t.send(.POST, "/api/v1/certificates", token: bj, json: AppTests.Certificates.cert(serial)).status
                        == .created)
                let r = try await Self.parallel(
                    t,
                    [
                        (.POST, "/api/v1/certificates/\(serial)/revoke", bj, #"{"reason":"作假"}"#),
                        (.POST, "/api/v1/certificates/\(serial)/revoke", bj, #"{"reason":"作假"}"#),
                    ])
                #expect(r.filter { $0 == .ok }.count == 1 && r.filter { $0 == .conflict }.count == 1, "\(r)")
            }
        }

        @Test func login_parallelGuesses_areEachCounted() async throws {
            try await withTestApp { t in
                let statuses = try await Self.parallel(
                    t,
                    (0..<60).map { _ in
                        (.POST, "/api/v1/auth/login", nil, #"{"username":"admin","password":"wrong-guess"}"#)
                    })
                // Five guesses per user name and address in the window: only five reach bcrypt.
                #expect(statuses.filter { $0 == .unauthorized }.count == 5, "\(statuses)")
                #expect(statuses.filter { $0 == .tooManyRequests }.count == 55)
                // After the window the owner logs in: a backoff, not a permanent lock.
                t.clock.advance(901)
                #expect(
                    try await t.send(.POST, "/api/v1/auth/login", json: #"{"username":"admin","password":"\#(adminPassword)"}"#)
                        .status == .ok)
            }
        }

        /// Past its table's bound a limiter counts newcomers by a wide network (IPv4 /16, IPv6 /32),
        /// never by one counter for everybody.
        @Test func limiter_pastItsBound_countsNewcomersByWideNetworks() {
            let l = RateLimiter(limit: 2, window: 60, maxKeys: 1)
            let now = Date(timeIntervalSince1970: 600)
            #expect(l.hit("203.0.113.1", now: now) == nil)
            #expect(l.hit("198.51.100.1", now: now) == nil && l.hit("198.51.100.2", now: now) == nil)
            #expect(l.hit("198.51.100.3", now: now) != nil)  // 198.51.0.0/16 used up
            #expect(l.hit("192.0.2.1", now: now) == nil)  // another /16 still free
            #expect(RateLimiter.bucket("2001:db8:1:2:3:4:5:6") == "20:1:d:b8:0:1:0:2::/64")
            #expect(RateLimiter.wide(RateLimiter.bucket("2001:db8:1:2:3:4:5:6")) == "20:1:d:b8::/32")
            #expect(l.hit("2001:db8:ffff::1", now: now) == nil && l.hit("2001:db8:eeee::1", now: now) == nil)
            #expect(l.hit("2001:db8:dddd::1", now: now) != nil)  // 2001:db8::/32 used up
            #expect(l.hit("2001:db9::1", now: now) == nil)
        }

        // MARK: Hostile input

        @Test func paging_andPrices_outOfRange_are4xx_neverACrash() async throws {
            try await withTestApp { t in
                let admin = try await t.admin()
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                for path in ["/api/v1/certificates", "/api/v1/sessions"] {
                    for q in [
                        "page=9223372036854775807", "page=0", "per=-1", "page=abc", "per=9223372036854775807", "page=100001",
                    ] {
                        let r = try await t.send(.GET, "\(path)?\(q)", token: admin)
                        #expect(r.status == .badRequest, "\(path)?\(q)")
                        #expect(try t.error(r).code == "invalid_paging")
                    }
                    #expect(try await t.send(.GET, "\(path)?page=2&per=10", token: admin).status == .ok)
                }
                let page = try await t.send(.GET, "/certificates?page=9223372036854775807", headers: ["Accept": "text/html"])
                #expect(page.status.code < 500)
                let o = try t.object(
                    try await t.send(.POST, "/api/v1/certificate-orders", token: bj, json: #"{"level":"5","quantity":1000000}"#))
                let id = try #require(o["id"] as? String)
                for price in [#""9999999999999.99""#, #""10000.01""#, "0", #""-1""#] {
                    let r = try await t.send(
                        .POST, "/api/v1/certificate-orders/\(id)/allocate", token: admin, json: #"{"unitPriceYuan":\#(price)}"#)
                    #expect(r.status == .unprocessableEntity, "price \(price)")
                }
                let huge = try await t.send(
                    .POST, "/api/v1/certificate-orders", token: bj, json: #"{"level":"5","quantity":9223372036854775807}"#)
                #expect(huge.status == .unprocessableEntity || huge.status == .badRequest)
            }
        }

        @Test func controlCharacters_inAnyFreeText_are422_namingTheField() async throws {
            try await withTestApp { t in
                let admin = try await t.admin()
                let r = try await t.send(
                    .POST, "/api/v1/complaints",
                    json:
                        #"{"category":"other","unitCode":"110000","station":null,"description":"a\u0000b","contact":null,"channel":"web"}"#
                )
                #expect(r.status == .unprocessableEntity)
                let e = try t.error(r)
                #expect(
                    e.code == "validation_failed" && e.details.first?["field"] as? String == "description"
                        && e.details.first?["code"] as? String == "control_character")
                let unit = try await t.send(
                    .POST, "/api/v1/units", token: admin, json: #"{"code":"I01","name":"行业\u001b[31m","kind":"industry"}"#)
                #expect(try t.error(unit).details.first?["field"] as? String == "name")
                let nested = try await t.send(
                    .PUT, "/api/v1/units/110000/hotlines", token: admin, json: #"{"phones":["010-1234567\u0007"]}"#)
                #expect(try t.error(nested).details.first?["field"] as? String == "phones[0]")
                let query = try await t.send(.GET, "/api/v1/verify?serial=000000000001&name=%00x")
                #expect(query.status == .unprocessableEntity)
                #expect(try t.error(query).details.first?["field"] as? String == "name")
                let path = try await t.send(.POST, "/api/v1/certificates/%00/revoke", token: admin, json: #"{"reason":"x"}"#)
                #expect(path.status == .badRequest)
                // Line breaks and tabs in multi-line text stay allowed.
                let ok = try await t.send(
                    .POST, "/api/v1/complaints",
                    json:
                        #"{"category":"other","unitCode":"110000","station":null,"description":"举报第一行内容\n第二行\t收费超标准","contact":null,"channel":"web"}"#
                )
                #expect(ok.status == .created, "\(ok.body.string)")
                #expect(try #require(try t.json(try await t.send(.GET, "/api/v1/complaints", token: admin)) as? [Any]).count == 1)
            }
        }

        @Test func controlCharacters_cannotBeSmuggledPastTheCheck() async throws {
            try await withTestApp { t in
                for body in [
                    // JSONDecoder keeps the first of two keys, JSONSerialization the last.
                    #"{"category":"other","unitCode":"110000","station":null,"description":"0123456789\u0000x","description":"harmless text here","contact":null,"channel":"web"}"#,
                    // A number no parser can hold, in a field nobody reads.
                    #"{"x":1e400,"category":"other","unitCode":"110000","station":null,"description":"0123456789\u0000x","contact":null,"channel":"web"}"#,
                ] {
                    let r = try await t.send(.POST, "/api/v1/complaints", json: body)
                    #expect(r.status == .unprocessableEntity, "\(r.body.string)")
                    #expect(try t.error(r).details.first?["field"] as? String == "description")
                }
                var h = HTTPHeaders()
                h.replaceOrAdd(name: .contentType, value: "application/vnd.api+json")
                let api = try await t.app.testing().sendRequest(
                    .POST, "/api/v1/auth/login", headers: h,
                    body: ByteBuffer(string: #"{"username":"a\u0000","password":"x"}"#))
                #expect(api.status == .unprocessableEntity)
                let admin = try await t.admin()
                let none = try #require(try t.json(try await t.send(.GET, "/api/v1/complaints", token: admin)) as? [Any])
                #expect(none.isEmpty)
            }
        }

        @Test func login_theOwnersKnownDevice_isSparedTheBackoffStrangersCause() async throws {
            try await withTestApp(trustedProxies: ["127.0.0.1"]) { t in
                var home = HTTPHeaders()
                home.replaceOrAdd(name: "X-Forwarded-For", value: "192.0.2.1")
                let first = try await t.send(
                    .POST, "/api/v1/auth/login", json: #"{"username":"admin","password":"\#(adminPassword)"}"#, headers: home)
                let device = try #require(first.headers.setCookie?[Auth.deviceCookie]?.string)
                for n in 0..<20 {
                    var h = HTTPHeaders()
                    h.replaceOrAdd(name: "X-Forwarded-For", value: "10.0.0.\(n / 5)")
                    #expect(
                        try await t.send(
                            .POST, "/api/v1/auth/login", json: #"{"username":"admin","password":"wrong"}"#, headers: h
                        ).status == .unauthorized)
                }
                var stranger = HTTPHeaders()
                stranger.replaceOrAdd(name: "X-Forwarded-For", value: "10.0.0.99")
                #expect(
                    try await t.send(
                        .POST, "/api/v1/auth/login", json: #"{"username":"admin","password":"\#(adminPassword)"}"#,
                        headers: stranger
                    ).status == .tooManyRequests)
                home.replaceOrAdd(name: .cookie, value: "\(Auth.deviceCookie)=\(device)")
                #expect(
                    try await t.send(
                        .POST, "/api/v1/auth/login", json: #"{"username":"admin","password":"\#(adminPassword)"}"#, headers: home
                    ).status == .ok)
                // A forged proof is no proof.
                stranger.replaceOrAdd(name: .cookie, value: "\(Auth.deviceCookie)=forged")
                #expect(
                    try await t.send(
                        .POST, "/api/v1/auth/login", json: #"{"username":"admin","password":"\#(adminPassword)"}"#,
                        headers: stranger
                    ).status == .tooManyRequests)
            }
        }

        @Test func login_next_onlyLocalPaths_noHeaderInjection() async throws {
            try await withTestApp { t in
                let page = try await t.send(.GET, "/login")
                let csrf = try #require(page.headers.setCookie?[Auth.loginCSRFCookie]?.string)
                for next in [
                    "/%09/evil.example", "//evil.example", "/%5Cevil.example", "https://evil.example",
                    "/%0D%0ASet-Cookie:%20zj_session=x", "/reports%0d%0aX-Evil:%201",
                ] {
                    let res = try await t.send(
                        .POST, "/login", headers: ["Cookie": "\(Auth.loginCSRFCookie)=\(csrf)"],
                        body: "username=admin&password=\(adminPassword)&_csrf=\(csrf)&next=\(next)")
                    #expect(res.status == .seeOther || res.status.code == 302 || res.status.code == 303, "\(next): \(res.status)")
                    #expect(
                        res.headers.first(name: .location) == "/reports", "\(next) → \(res.headers.first(name: .location) ?? "")")
                    #expect(!res.headers.contains(name: "X-Evil"))
                    #expect(res.headers[.setCookie].allSatisfy { $0 != "zj_session=x" && !$0.hasPrefix("zj_session=x;") })
                }
            }
        }

        /// A code stored before codes were plain (or by any other way) still cannot steer a button:
        /// every path segment a page builds is percent-encoded.
        @Test func pages_encodeEveryPathSegment() async throws {
            try await withTestApp { t in
                try await t.app.write { db in
                    let s = Station()
                    s.id = "../110000#x"
                    s.name = "旧站"
                    s.$unit.id = "110000"
                    s.$region.id = "110000"
                    s.status = .active
                    try await s.create(on: db)
                }
                let (cookie, _) = try await AppTests.Web.webLogin(t, "admin", adminPassword)
                var h = AppTests.Web.headers(cookie)
                h.replaceOrAdd(name: .accept, value: "text/html")
                let page = try await t.send(.GET, "/registers", headers: h)
                #expect(page.status == .ok)
                #expect(
                    page.body.string.contains(#"action="/registers/stations/%2E%2E%2F110000%23x/status""#),
                    "\(page.body.string.prefix(0))")
                #expect(!page.body.string.contains(#"action="/registers/stations/../110000"#))
            }
        }

        @Test func stationCodes_arePlain() async throws {
            try await withTestApp { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                for code in ["../110000", "A/B", "A#B", "站点一", "A B", "X"] {
                    let r = try await t.send(
                        .POST, "/api/v1/stations", token: bj,
                        json: #"{"code":"\#(code)","name":"站","unitCode":"110000","regionCode":"110000","scope":[]}"#)
                    #expect(r.status == .unprocessableEntity, "\(code)")
                    #expect(try t.error(r).details.first?["field"] as? String == "code")
                }
                #expect(
                    try await t.send(
                        .POST, "/api/v1/stations", token: bj,
                        json:
                            #"{"code":"BJ-01a","name":"站","unitCode":"110000","regionCode":"110000","scope":[],\#(AppTests.Registers.licence)}"#
                    ).status == .created)
            }
        }

        // MARK: Users and inactive units

        @Test func users_disabled_orPasswordChanged_loseTheirTokens_andInactiveUnitsWriteNothing() async throws {
            try await withTestApp { t in
                let admin = try await t.admin()
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let bj2 = try await t.login("bj", "password-bj")
                // Changing one's password ends the other sessions, not this one.
                let wrong = try await t.send(
                    .POST, "/api/v1/auth/password", token: bj,
                    json: #"{"currentPassword":"nope-nope","newPassword":"new-password-1"}"#)
                #expect(wrong.status == .unauthorized)
                #expect(
                    try await t.send(
                        .POST, "/api/v1/auth/password", token: bj,
                        json: #"{"currentPassword":"password-bj","newPassword":"new-password-1"}"#
                    ).status == .noContent)
                #expect(try await t.send(.GET, "/api/v1/auth/me", token: bj).status == .ok)
                #expect(try await t.send(.GET, "/api/v1/auth/me", token: bj2).status == .unauthorized)
                #expect(
                    try await t.send(.POST, "/api/v1/auth/login", json: #"{"username":"bj","password":"password-bj"}"#).status
                        == .unauthorized)
                let fresh = try await t.login("bj", "new-password-1")
                // Disabled by the ministry: its tokens stop at once and it cannot log in.
                #expect(try await t.send(.PATCH, "/api/v1/users/bj", token: bj, json: #"{"active":false}"#).status == .forbidden)
                let patched = try t.object(try await t.send(.PATCH, "/api/v1/users/bj", token: admin, json: #"{"active":false}"#))
                #expect(patched["active"] as? Bool == false)
                #expect(try await t.send(.GET, "/api/v1/auth/me", token: fresh).status == .unauthorized)
                #expect(
                    try await t.send(.POST, "/api/v1/auth/login", json: #"{"username":"bj","password":"new-password-1"}"#).status
                        == .unauthorized)
                #expect(try await t.send(.PATCH, "/api/v1/users/bj", token: admin, json: #"{"active":true}"#).status == .ok)
                let again = try await t.login("bj", "new-password-1")
                // Its unit deactivated: the sessions end, and no write is accepted.
                #expect(try await t.send(.PATCH, "/api/v1/units/110000", token: admin, json: #"{"active":false}"#).status == .ok)
                #expect(try await t.send(.GET, "/api/v1/auth/me", token: again).status == .unauthorized)
                let back = try await t.login("bj", "new-password-1")
                for (method, path, body) in [
                    (HTTPMethod.PUT, "/api/v1/reports/2026Q1/110000", reportJSON()),
                    (.POST, "/api/v1/certificate-orders", #"{"level":"5","quantity":10}"#),
                    (.POST, "/api/v1/fee-standards", #"{"unitCode":"110000","level":"5","feeYuan":"1","document":"x"}"#),
                    (.PUT, "/api/v1/units/110000/hotlines", #"{"phones":["010-84201673"]}"#),
                    (.POST, "/api/v1/certificates", AppTests.Certificates.cert("000000000001")),
                    (.POST, "/api/v1/sessions", AppTests.Registers.session(date: "2026-05-01")),
                    (
                        .POST, "/api/v1/supervision-visits",
                        #"{"supervisorId":null,"stationCode":"X","visitedOn":"2026-05-01","findings":"x"}"#
                    ),
                ] {
                    let r = try await t.send(method, path, token: back, json: body)
                    #expect(r.status == .conflict, "\(path)")
                    #expect(try t.error(r).code == "unit_inactive", "\(path)")
                }
                #expect(try await t.send(.GET, "/api/v1/reports/2026Q1/110000", token: back).status == .notFound)
            }
        }

        // MARK: Idempotent imports, secrets at rest, constraints

        @Test func sessionImport_twice_changesNothing_andARepeatedPostIs409() async throws {
            try await withTestApp(now: beijing("2026-07-20T10:00:00")) { t in
                let s = try await AppTests.Registers.setup(t)
                let csv = """
                    stationCode,occupation,level,date,regionCode,standardKind,bankKind,bankCode,candidates,passed,feeYuan,supervisorId
                    BJ-01,6-07-06-01,4,2026-04-10,110000,national,national,B1,30,20,100.00,
                    BJ-01,6-07-06-01,4,2026-04-10,110000,national,national,B1,30,20,100.00,
                    BJ-01,6-18-02-04,5,2026-04-13,110000,verifiedLocal,certifiedLocal,L1,10,9,80,

                    """
                let first = try t.object(
                    try await t.send(.POST, "/api/v1/sessions/import", token: s.bj, body: csv, contentType: "text/csv"))
                #expect(first["imported"] as? Int == 2)
                #expect((first["errors"] as? [[String: Any]])?.first?["code"] as? String == "duplicate_in_file")
                let second = try t.object(
                    try await t.send(.POST, "/api/v1/sessions/import", token: s.bj, body: csv, contentType: "text/csv"))
                #expect(second["imported"] as? Int == 0 && second["unchanged"] as? Int == 2)
                #expect(try await ExamSession.query(on: t.app.db).count() == 2)
                let body = AppTests.Registers.session(date: "2026-05-01")
                #expect(try await t.send(.POST, "/api/v1/sessions", token: s.bj, json: body).status == .created)
                #expect(try await t.send(.POST, "/api/v1/sessions", token: s.bj, json: body).status == .conflict)
            }
        }

        @Test func signingKeys_areEncryptedAtRest_andOnlyPublicKeysArePublished() async throws {
            try await withTestApp { t in
                let vault = t.app.keyVault
                _ = try await t.app.write { try await Signing.newKey(vault: vault, on: $0) }
                let stored = try await SigningKeyModel.query(on: t.app.db).all()
                #expect(stored.count == 1 && stored.allSatisfy { $0.privateKey.hasPrefix(KeyVault.prefix) })
                // Another vault (a stolen database without the key file) cannot read it.
                #expect(throws: (any Error).self) { try Signing.privateKey(stored[0], vault: .ephemeral()) }
                let jwks = try await t.send(.GET, "/.well-known/jwks.json")
                let keys = try #require(try t.object(jwks)["keys"] as? [[String: Any]])
                #expect(keys.count == 1 && keys[0]["d"] == nil && keys[0]["x"] != nil)
                // A second active key cannot exist, whatever the code above does.
                let sql = try #require(t.app.db as? any SQLDatabase)
                await #expect(throws: (any Error).self) {
                    try await t.app.write { db in
                        try await SigningKeyModel(kid: "zj-rogue", privateKey: "x", active: true).create(on: db)
                    }
                }
                _ = sql
            }
        }

        @Test func keyFile_isCreated0600_andRefusedWhenOthersMayReadIt() throws {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("zj-key-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            let a = try KeyVault.load(path: path)
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o600)
            let sealed = try a.seal(Data("secret".utf8), context: "k1")
            #expect(try KeyVault.load(path: path).open(sealed, context: "k1") == Data("secret".utf8))
            #expect(throws: (any Error).self) { try a.open(sealed, context: "k2") }
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            #expect(throws: (any Error).self) { try KeyVault.load(path: path) }
        }

        @Test func constraints_holdInTheDatabase() async throws {
            try await withTestApp { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let admin = try await t.admin()
                let o = try t.object(
                    try await t.send(.POST, "/api/v1/certificate-orders", token: bj, json: #"{"level":"5","quantity":10}"#))
                let id = try #require(o["id"] as? String)
                _ = try await t.send(
                    .POST, "/api/v1/certificate-orders/\(id)/allocate", token: admin,
                    json: #"{"unitPriceYuan":"5.00","allocatedOn":"2026-02-10"}"#)
                let orderID = try #require(UUID(uuidString: id))
                for bad in [-1 as Int64, 0] {
                    await #expect(throws: (any Error).self) {
                        try await t.app.write { db in
                            try await CertificatePayment(
                                orderID: orderID, unitCode: "110000", amountFen: bad, paidOn: "2026-03-01",
                                recordedBy: "x"
                            ).create(on: db)
                        }
                    }
                }
                await #expect(throws: (any Error).self) {
                    try await t.app.write { db in
                        try await CertificateOrder.query(on: db).filter(\.$id == orderID).set(\.$quantity, to: -5).update()
                    }
                }
                await #expect(throws: (any Error).self) {
                    try await t.app.write { db in
                        try await CertificateOrder.query(on: db).filter(\.$id == orderID).set(\.$level, to: "9").update()
                    }
                }
            }
        }

        @Test func aPageThatCannotBeRendered_answers500_notADroppedConnection() async throws {
            try await withTestApp { t in
                t.app.directory = DirectoryConfiguration(workingDirectory: "/nonexistent-\(UUID().uuidString)/")
                let r = try await t.app.testing().sendRequest(.GET, "/", headers: ["Accept": "text/html"])
                #expect(r.status == .internalServerError)
                #expect(r.body.string.hasPrefix("500 "), "\(r.body.string)")
                #expect(r.headers.contentType == .plainText)
                #expect(r.headers.first(name: "Content-Security-Policy") != nil)
            }
        }

        @Test func imports_refuseStrangersBeforeTheBody() async throws {
            try await withTestApp { t in
                let big = String(repeating: "000000000001,张三,11010519491231002X,电工,5,2026-03-01\n", count: 20_000)
                let anonymous = try await t.send(.POST, "/api/v1/certificates/import", body: big, contentType: "text/csv")
                #expect(anonymous.status == .unauthorized)
                let supervisor = try await t.user("sv", role: "supervisor", unit: "110000")
                #expect(
                    try await t.send(.POST, "/api/v1/certificates/import", token: supervisor, body: big, contentType: "text/csv")
                        .status == .forbidden)
                #expect(
                    try await t.send(.POST, "/api/v1/sessions/import", body: big, contentType: "text/csv").status == .unauthorized
                )
            }
        }

        // MARK: Headers

        @Test func everyAnswer_carriesSecurityHeaders_andPersonalDataIsNotCached() async throws {
            try await withTestApp { t in
                for path in [
                    "/", "/api/v1/units", "/api/v1/nothing-here", "/css/app.css", "/no-such-page",
                    "/api/v1/verify?serial=000000000001&name=x",
                ] {
                    let r = try await t.send(.GET, path)
                    #expect(r.headers.first(name: "Content-Security-Policy")?.contains("default-src 'self'") == true, "\(path)")
                    #expect(r.headers.first(name: "X-Content-Type-Options") == "nosniff", "\(path)")
                }
                let verify = try await t.send(.GET, "/api/v1/verify?serial=000000000001&name=x")
                #expect(verify.headers.first(name: .cacheControl) == "no-store")
            }
        }
    }
}
