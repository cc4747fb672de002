import CertificateKit
import Crypto
import Domain
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import App

extension AppTests {
    /// Issue 10, parts 5–7: forgery leads, employers' batch verification, standard tokens.
    @Suite struct Verification {
        typealias C = AppTests.Certificates
        static let zhang = "%E5%BC%A0%E4%B8%89"  // 张三

        /// Bejing's 000000000001 issued to 张三 and 000000000050 voided; Tianjin's
        /// 000000000101 issued to 李四 and revoked.
        static func stock(_ t: TestApp) async throws -> C.Setup {
            let s = try await C.setup(t)
            #expect(try await t.send(.POST, "/api/v1/certificates", token: s.bj, json: C.cert("000000000001")).status == .created)
            #expect(try await t.send(.POST, "/api/v1/certificates/000000000050/void", token: s.bj).status == .created)
            try await t.passes([("李四", C.idBJ)], unit: "120000", token: s.tj, level: "3", date: "2026-05-01")
            #expect(
                try await t.send(
                    .POST, "/api/v1/certificates", token: s.tj,
                    json: C.cert("000000000101", name: "李四", level: "3", on: "2026-05-05")
                )
                .status == .created)
            #expect(
                try await t.send(.POST, "/api/v1/certificates/000000000101/revoke", token: s.tj, json: #"{"reason":"作弊"}"#)
                    .status == .ok)
            return s
        }

        static func leads(_ t: TestApp, _ token: String, query: String = "") async throws -> [[String: Any]] {
            let res = try await t.send(.GET, "/api/v1/forgery-leads" + query, token: token)
            try #require(res.status == .ok, "\(res.body.string)")
            return try #require(try t.object(res)["items"] as? [[String: Any]])
        }

        static func lead(_ leads: [[String: Any]], _ serial: String) -> [String: Any]? {
            leads.first { $0["serial"] as? String == serial }
        }

        static func rows(_ t: TestApp) async throws -> Int { try await ForgeryLead.query(on: t.app.db).count() }

        static func parallel(_ n: Int, _ body: @escaping @Sendable (Int) async throws -> HTTPStatus) async throws -> [HTTPStatus]
        {
            try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for i in 0..<n { group.addTask { try await body(i) } }
                var out: [HTTPStatus] = []
                for try await s in group { out.append(s) }
                return out
            }
        }

        // MARK: Forgery leads

        @Test func leads_comeFromUnallocatedVoidedRevokedAndRepeatedMismatches_ownedByTheRangesUnit() async throws {
            try await withTestApp { t in
                let s = try await Self.stock(t)
                for _ in 0..<2 { _ = try await t.send(.GET, "/api/v1/verify?serial=000000009999&name=x") }
                _ = try await t.send(.GET, "/api/v1/verify?serial=000000000050&name=x")
                _ = try await t.send(.GET, "/api/v1/verify?serial=000000000101&name=%E6%9D%8E%E5%9B%9B")
                // Allocated but not issued yet, and a correct lookup: no lead.
                _ = try await t.send(.GET, "/api/v1/verify?serial=000000000002&name=x")
                _ = try await t.send(.GET, "/api/v1/verify?serial=000000000001&name=\(Self.zhang)")
                // Two mismatches are a typing error, the third a lead.
                for _ in 0..<2 { _ = try await t.send(.GET, "/api/v1/verify?serial=000000000001&name=x") }
                #expect(Self.lead(try await Self.leads(t, s.admin), "000000000001") == nil)
                _ = try await t.send(.GET, "/api/v1/verify?serial=000000000001&idNumber=\(C.idOther)")

                let all = try await Self.leads(t, s.admin)
                #expect(all.count == 4, "\(all)")
                let never = try #require(Self.lead(all, "000000009999"))
                #expect(never["kind"] as? String == "never_allocated" && never["lookups"] as? Int == 2)
                #expect(never["unitCode"] == nil || never["unitCode"] is NSNull)
                let voided = try #require(Self.lead(all, "000000000050"))
                #expect(voided["kind"] as? String == "voided" && voided["unitCode"] as? String == "110000")
                let revoked = try #require(Self.lead(all, "000000000101"))
                #expect(revoked["kind"] as? String == "revoked" && revoked["unitCode"] as? String == "120000")
                let mismatch = try #require(Self.lead(all, "000000000001"))
                #expect(mismatch["kind"] as? String == "mismatch" && mismatch["lookups"] as? Int == 3)
                #expect(all.allSatisfy { $0["day"] as? String == "2026-05-10" })
                #expect(Self.lead(all, "000000000002") == nil)

                // Each unit sees its own; supervisors and strangers none.
                #expect(
                    Set(try await Self.leads(t, s.bj).compactMap { $0["serial"] as? String }) == ["000000000050", "000000000001"])
                #expect(try await Self.leads(t, s.tj).compactMap { $0["serial"] as? String } == ["000000000101"])
                #expect(try await Self.leads(t, s.bj, query: "?unitCode=120000").count == 2)
                #expect(try await Self.leads(t, s.admin, query: "?unitCode=ministry").count == 1)
                #expect(try await Self.leads(t, s.admin, query: "?kind=revoked").count == 1)
                #expect(
                    try t.error(try await t.send(.GET, "/api/v1/forgery-leads?kind=x", token: s.admin)).code
                        == "validation_failed")
                let sup = try await t.user("sup", role: "supervisor", unit: "110000")
                #expect(try await t.send(.GET, "/api/v1/forgery-leads", token: sup).status == .forbidden)
                #expect(try await t.send(.GET, "/api/v1/forgery-leads").status == .unauthorized)

                // One row per serial and day; the next day starts a new one.
                #expect(try await Self.rows(t) == 4)
                t.clock.advance(86400)
                _ = try await t.send(.GET, "/api/v1/verify?serial=000000009999&name=x")
                let next = try await Self.leads(t, try await t.admin())
                #expect(
                    next.filter { $0["serial"] as? String == "000000009999" }.map { $0["day"] as? String } == [
                        "2026-05-11", "2026-05-10",
                    ])

                // The certificates area lists them.
                let (cookie, _) = try await AppTests.Web.webLogin(t, "bj", "password-bj")
                let page = try await t.send(.GET, "/certificates/leads", headers: AppTests.Web.headers(cookie))
                #expect(page.status == .ok)
                #expect(page.body.string.contains("000000000050") && !page.body.string.contains("000000000101"))
                #expect(page.body.string.contains("转为举报案件"))
            }
        }

        @Test func leads_parallelLookupsOfOneSerial_makeOneRow_countingEveryLookup() async throws {
            try await withTestApp { t in
                let s = try await Self.stock(t)
                let statuses = try await Self.parallel(20) { i in
                    try await t.send(.GET, "/api/v1/verify?serial=000000009999&name=x\(i)").status
                }
                #expect(statuses.allSatisfy { $0 == .ok }, "\(statuses)")
                // Batches too, in parallel with each other.
                let key = try await Self.key(t, s.admin, quota: 1000)
                let batch = #"{"rows":[{"serial":"000000009999","name":"x"},{"serial":"000000009999","name":"y"}]}"#
                let batches = try await Self.parallel(5) { _ in
                    try await t.send(.POST, "/api/v1/verify/batch", token: key, json: batch).status
                }
                #expect(batches.allSatisfy { $0 == .ok }, "\(batches)")
                let rows = try await ForgeryLead.query(on: t.app.db).filter(\.$serial == "000000009999").all()
                #expect(rows.count == 1)
                #expect(rows.first?.lookups == 30)
            }
        }

        @Test func leadCase_opensAnIllegalCertificatesCaseOnce_andFeedsColumns21to23() async throws {
            try await withTestApp { t in
                let s = try await Self.stock(t)
                _ = try await t.send(.GET, "/api/v1/verify?serial=000000000050&name=x")
                _ = try await t.send(.GET, "/api/v1/verify?serial=000000009999&name=x")
                for _ in 0..<3 { _ = try await t.send(.GET, "/api/v1/verify?serial=000000000001&name=x") }
                let all = try await Self.leads(t, s.admin)
                let voided = try #require(Self.lead(all, "000000000050")?["id"] as? String)
                let never = try #require(Self.lead(all, "000000009999")?["id"] as? String)
                let mismatch = try #require(Self.lead(all, "000000000001")?["id"] as? String)
                let before = try await t.object(t.send(.GET, "/api/v1/reports/2026Q2/110000/derived", token: s.bj))
                #expect((before["forgery"] as? [String: Any])?["uninvestigated"] as? Int == 0)

                // Refusals: another unit's lead is not found; a supervisor may not; a unit may not
                // take the ministry's lead; a lead that does not exist.
                let sup = try await t.user("sup", role: "supervisor", unit: "110000")
                #expect(
                    try t.error(try await t.send(.POST, "/api/v1/forgery-leads/\(voided)/case", token: s.tj)).code == "not_found")
                #expect(try await t.send(.POST, "/api/v1/forgery-leads/\(voided)/case", token: sup).status == .forbidden)
                #expect(try await t.send(.POST, "/api/v1/forgery-leads/\(never)/case", token: s.bj).status == .notFound)
                #expect(try await t.send(.POST, "/api/v1/forgery-leads/\(UUID())/case", token: s.admin).status == .notFound)
                #expect(try await t.send(.POST, "/api/v1/forgery-leads/nope/case", token: s.admin).status == .notFound)
                #expect(try await t.send(.POST, "/api/v1/forgery-leads/\(voided)/case").status == .unauthorized)
                #expect(try await Complaint.query(on: t.app.db).count() == 0)

                // The unit makes a case of its own lead, once.
                let made = try t.object(try await t.send(.POST, "/api/v1/forgery-leads/\(voided)/case", token: s.bj))
                let caseID = try #require(made["complaintId"] as? String)
                #expect(made["category"] as? String == "illegal_certificates" && made["unitCode"] as? String == "110000")
                let again = try await t.send(.POST, "/api/v1/forgery-leads/\(voided)/case", token: s.admin)
                #expect(try again.status == .conflict && t.error(again).code == "lead_has_case")
                let c = try t.object(try await t.send(.GET, "/api/v1/complaints/\(caseID)", token: s.bj))
                #expect(c["category"] as? String == "illegal_certificates")
                #expect((c["description"] as? String)?.contains("000000000050") == true)
                #expect(Self.lead(try await Self.leads(t, s.bj), "000000000050")?["complaintId"] as? String == caseID)

                // Two at once: one case.
                let statuses = try await Self.parallel(4) { _ in
                    try await t.send(.POST, "/api/v1/forgery-leads/\(mismatch)/case", token: s.admin).status
                }
                #expect(
                    statuses.filter { $0 == .created }.count == 1 && statuses.filter { $0 == .conflict }.count == 3, "\(statuses)"
                )
                #expect(try await Complaint.query(on: t.app.db).count() == 2)

                // The ministry's own lead becomes the ministry's case.
                let ministry = try t.object(try await t.send(.POST, "/api/v1/forgery-leads/\(never)/case", token: s.admin))
                #expect(ministry["unitCode"] == nil || ministry["unitCode"] is NSNull)
                let owned = try await Complaint.query(on: t.app.db).filter(\.$owner.$id == nil).count()
                #expect(owned == 1)

                // Both of Beijing's cases count in its 21–23 like any case.
                let after = try await t.object(t.send(.GET, "/api/v1/reports/2026Q2/110000/derived", token: s.bj))
                #expect((after["forgery"] as? [String: Any])?["uninvestigated"] as? Int == 2, "\(after)")
                #expect((after["forgery"] as? [String: Any])?["investigated"] as? Int == 0)
            }
        }

        @Test func leadCase_fromThePage_opensTheCase() async throws {
            try await withTestApp { t in
                _ = try await Self.stock(t)
                _ = try await t.send(.GET, "/api/v1/verify?serial=000000000050&name=x")
                let (cookie, csrf) = try await AppTests.Web.webLogin(t, "bj", "password-bj")
                let lead = try #require(try await ForgeryLead.query(on: t.app.db).first())
                let res = try await t.send(
                    .POST, "/certificates/leads/\(try lead.requireID())/case", headers: AppTests.Web.headers(cookie),
                    body: "_csrf=\(csrf)")
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location)?.hasPrefix("/complaints/cases/") == true)
                let again = try await t.send(
                    .POST, "/certificates/leads/\(try lead.requireID())/case", headers: AppTests.Web.headers(cookie),
                    body: "_csrf=\(csrf)")
                #expect(again.status == .conflict && again.body.string.contains("该线索已转为举报案件"))
                let noCSRF = try await t.send(
                    .POST, "/certificates/leads/\(try lead.requireID())/case", headers: AppTests.Web.headers(cookie), body: "")
                #expect(noCSRF.status == .forbidden)
            }
        }

        /// Leads recorded before M010 (one row per lookup of a never-allocated serial) are folded
        /// into one lead per serial and day; the migration reverts to the old table.
        @Test func migration_foldsEarlierLeads_andReverts() async throws {
            try await withTestApp { t in
                let db = t.app.db
                let sql = try #require(db as? any SQLDatabase)
                try await M010_Verification().revert(on: db)
                let at = beijing("2026-05-01T09:00:00")
                for (serial, day, hour) in [
                    ("000000777777", "2026-05-01", 0.0), ("000000777777", "2026-05-01", 2), ("000000777777", "2026-05-02", 0),
                    ("000000888888", "2026-05-01", 0),
                ] {
                    try await sql.insert(into: "forgery_leads").columns("id", "serial", "day", "at")
                        .values(SQLBind(UUID()), SQLBind(serial), SQLBind(day), SQLBind(at.addingTimeInterval(hour * 3600))).run()
                }
                try await M010_Verification().prepare(on: db)
                let leads = try await ForgeryLead.query(on: db).sort(\.$serial).sort(\.$day).all()
                #expect(
                    leads.map { "\($0.serial) \($0.day) \($0.kind.rawValue) \($0.lookups)" } == [
                        "000000777777 2026-05-01 never_allocated 2", "000000777777 2026-05-02 never_allocated 1",
                        "000000888888 2026-05-01 never_allocated 1",
                    ])
                #expect(leads.first?.lastSeen.timeIntervalSince(at) == 7200 && leads.first?.firstSeen == at)
                #expect(leads.allSatisfy { $0.unitCode == nil && $0.complaintID == nil })
                // And it works as before on the folded table.
                _ = try await t.send(.GET, "/api/v1/verify?serial=000000777777&name=x")
                #expect(try await ForgeryLead.query(on: db).count() == 4)
            }
        }

        // MARK: API keys

        static func key(_ t: TestApp, _ admin: String, quota: Int, organisation: String = "某人力资源公司") async throws -> String {
            let res = try await t.send(
                .POST, "/api/v1/api-keys", token: admin,
                json: #"{"organisation":"\#(organisation)","contact":"王经理 010-12345678","dailyQuota":\#(quota)}"#)
            try #require(res.status == .created, "\(res.body.string)")
            return try #require(try t.object(res)["key"] as? String)
        }

        @Test func apiKeys_issuedByTheMinistry_shownOnce_storedHashed_revocable() async throws {
            try await withTestApp { t in
                let s = try await C.setup(t)
                let res = try await t.send(
                    .POST, "/api/v1/api-keys", token: s.admin,
                    json: #"{"organisation":"某公司","contact":"王经理","dailyQuota":500}"#)
                #expect(res.status == .created)
                let made = try t.object(res)
                let key = try #require(made["key"] as? String)
                let id = try #require(made["id"] as? String)
                #expect(key.hasPrefix("zjk_") && key.count >= 40)
                #expect(made["organisation"] as? String == "某公司" && made["dailyQuota"] as? Int == 500)
                #expect(made["createdAt"] is String && made["contact"] as? String == "王经理")
                let stored = try #require(try await APIKey.query(on: t.app.db).first())
                #expect(stored.keyHash == SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined())
                #expect(!stored.keyHash.contains(key) && key.hasPrefix(stored.prefix))

                let list = try #require(
                    try t.json(try await t.send(.GET, "/api/v1/api-keys", token: s.admin)) as? [[String: Any]])
                #expect(list.count == 1 && list[0]["key"] == nil && list[0]["active"] as? Bool == true)
                #expect(!(try await t.send(.GET, "/api/v1/api-keys", token: s.admin)).body.string.contains(key))

                // Refusals, nothing made.
                for body in [
                    #"{"organisation":"","contact":"x","dailyQuota":5}"#, #"{"organisation":"x","contact":"x","dailyQuota":0}"#,
                    #"{"organisation":"x","contact":"x","dailyQuota":1.5}"#,
                    #"{"organisation":"x","contact":"x","dailyQuota":"5"}"#,
                    #"{"organisation":"x","contact":"x","dailyQuota":1000001}"#, #"{"organisation":"x","dailyQuota":5}"#,
                ] {
                    let r = try await t.send(.POST, "/api/v1/api-keys", token: s.admin, json: body)
                    #expect(r.status == .unprocessableEntity, "\(body)")
                    #expect(try t.error(r).code == "validation_failed")
                }
                #expect(
                    try await t.send(
                        .POST, "/api/v1/api-keys", token: s.bj, json: #"{"organisation":"x","contact":"x","dailyQuota":5}"#
                    ).status == .forbidden)
                #expect(
                    try await t.send(.POST, "/api/v1/api-keys", json: #"{"organisation":"x","contact":"x","dailyQuota":5}"#)
                        .status == .unauthorized)
                #expect(try await t.send(.GET, "/api/v1/api-keys", token: s.bj).status == .forbidden)
                #expect(try await APIKey.query(on: t.app.db).count() == 1)

                // The key works until revoked.
                let one = #"{"rows":[{"serial":"000000000001","name":"张三"}]}"#
                #expect(try await t.send(.POST, "/api/v1/verify/batch", token: key, json: one).status == .ok)
                #expect(try await t.send(.POST, "/api/v1/api-keys/\(id)/revoke", token: s.bj).status == .forbidden)
                let revoked = try t.object(try await t.send(.POST, "/api/v1/api-keys/\(id)/revoke", token: s.admin))
                #expect(revoked["active"] as? Bool == false && revoked["revokedAt"] is String)
                #expect(
                    try t.error(try await t.send(.POST, "/api/v1/api-keys/\(id)/revoke", token: s.admin)).code
                        == "already_revoked")
                #expect(try await t.send(.POST, "/api/v1/api-keys/\(UUID())/revoke", token: s.admin).status == .notFound)
                let refused = try await t.send(.POST, "/api/v1/verify/batch", token: key, json: one)
                #expect(try refused.status == .unauthorized && t.error(refused).code == "invalid_api_key")
            }
        }

        @Test func apiKeys_onTheAdminPage_issuedShownOnce_andRevoked() async throws {
            try await withTestApp { t in
                _ = try await C.setup(t)
                let (cookie, csrf) = try await AppTests.Web.webLogin(t, "admin", adminPassword)
                let h = AppTests.Web.headers(cookie)
                #expect(try await t.send(.GET, "/admin", headers: h).body.string.contains("/admin/api-keys"))
                let made = try await t.send(
                    .POST, "/admin/api-keys", headers: h,
                    body: "_csrf=\(csrf)&organisation=%E6%9F%90%E5%85%AC%E5%8F%B8&contact=%E7%8E%8B&dailyQuota=50")
                #expect(made.status == .created)
                let html = made.body.string
                let start = try #require(html.range(of: #"<code id="new-key-value">"#)).upperBound
                let key = String(html[start...].prefix { $0 != "<" })
                #expect(key.hasPrefix("zjk_"))
                let list = try await t.send(.GET, "/admin/api-keys", headers: h)
                #expect(list.body.string.contains("某公司") && !list.body.string.contains(key))
                let bad = try await t.send(
                    .POST, "/admin/api-keys", headers: h, body: "_csrf=\(csrf)&organisation=x&contact=y&dailyQuota=0")
                #expect(bad.status == .unprocessableEntity && bad.body.string.contains("每日限额"))
                let one = #"{"rows":[{"serial":"000000000001","name":"张三"}]}"#
                #expect(try await t.send(.POST, "/api/v1/verify/batch", token: key, json: one).status == .ok)
                let stored = try #require(try await APIKey.query(on: t.app.db).first())
                let revoke = try await t.send(
                    .POST, "/admin/api-keys/\(try stored.requireID())/revoke", headers: h, body: "_csrf=\(csrf)")
                #expect(revoke.status == .seeOther)
                #expect(try await t.send(.POST, "/api/v1/verify/batch", token: key, json: one).status == .unauthorized)
                let (unit, _) = try await AppTests.Web.webLogin(t, "bj", "password-bj")
                #expect(try await t.send(.GET, "/admin/api-keys", headers: AppTests.Web.headers(unit)).status == .forbidden)
            }
        }

        @Test func apiKeys_andUserTokens_neverOpenEachOthersDoors() async throws {
            try await withTestApp { t in
                let s = try await C.setup(t)
                let key = try await Self.key(t, s.admin, quota: 100)
                let one = #"{"rows":[{"serial":"000000000001","name":"张三"}]}"#
                for token in [s.admin, s.bj, "zjk_" + String(key.dropFirst(4).reversed()), "nonsense", ""] {
                    let r = try await t.send(.POST, "/api/v1/verify/batch", token: token.isEmpty ? nil : token, json: one)
                    #expect(try r.status == .unauthorized && t.error(r).code == "invalid_api_key", "\(token)")
                }
                for path in ["/api/v1/auth/me", "/api/v1/certificates", "/api/v1/forgery-leads", "/api/v1/api-keys"] {
                    #expect(try await t.send(.GET, path, token: key).status == .unauthorized, "\(path)")
                }
                var h = HTTPHeaders()
                h.cookie = HTTPCookies(dictionaryLiteral: (Auth.sessionCookie, .init(string: key)))
                h.replaceOrAdd(name: .accept, value: "text/html")
                #expect(try await t.send(.GET, "/certificates", headers: h).status == .seeOther)
            }
        }

        // MARK: Batch verification

        @Test func batch_answersInOrder_likeTheSingleLookup_withARowsOwnError() async throws {
            try await withTestApp { t in
                let s = try await Self.stock(t)
                let key = try await Self.key(t, s.admin, quota: 5000)
                let body = """
                    {"rows":[
                      {"serial":"000000000001","name":"张三"},
                      {"serial":"000000000001","idNumber":"\(C.idBJ.lowercased())"},
                      {"serial":"000000000001","name":"王五"},
                      {"serial":"000000000101","name":"李四"},
                      {"serial":"000000000050","name":"张三"},
                      {"serial":"000000009999","name":"张三"},
                      {"serial":"12","name":"张三"},
                      {"serial":"000000000001"},
                      {"name":"张三"},
                      42,
                      {"serial":1,"name":"张三"}
                    ]}
                    """
                let res = try await t.send(.POST, "/api/v1/verify/batch", token: key, json: body)
                #expect(res.status == .ok, "\(res.body.string)")
                let o = try t.object(res)
                let results = try #require(o["results"] as? [[String: Any]])
                #expect(results.map { $0["row"] as? Int } == Array(0..<11).map { Optional($0) })
                #expect(
                    results.map { $0["result"] as? String ?? (($0["error"] as? [String: Any])?["code"] as? String ?? "?") } == [
                        "valid", "valid", "mismatch", "revoked", "not_found", "not_found", "malformed_serial", "missing_query",
                        "missing_query", "malformed_row", "malformed_row",
                    ])
                #expect(
                    results.prefix(7).map { $0["serial"] as? String } == [
                        "000000000001", "000000000001", "000000000001", "000000000101", "000000000050", "000000009999", "12",
                    ])
                #expect((results[6]["error"] as? [String: Any])?["messageZh"] is String)
                #expect(o["dailyQuota"] as? Int == 5000 && o["usedToday"] as? Int == 11)

                // The same answers as one at a time, masking and all.
                func single(_ q: String) async throws -> [String: Any] {
                    try t.object(try await t.send(.GET, "/api/v1/verify?" + q))
                }
                let one = try await single("serial=000000000001&name=\(Self.zhang)")
                let cert = try #require(results[0]["certificate"] as? [String: Any])
                #expect(
                    NSDictionary(dictionary: cert) == NSDictionary(dictionary: try #require(one["certificate"] as? [String: Any]))
                )
                #expect(cert["holderName"] as? String == "张*" && cert["idNumber"] as? String == "110***********002X")
                let rev = try await single("serial=000000000101&name=%E6%9D%8E%E5%9B%9B")
                #expect(
                    NSDictionary(dictionary: try #require(results[3]["certificate"] as? [String: Any]))
                        == NSDictionary(dictionary: try #require(rev["certificate"] as? [String: Any])))
                #expect(results[2]["certificate"] == nil && results[4]["certificate"] == nil)

                // Batch lookups make leads like single ones.
                let leads = try await Self.leads(t, s.admin)
                #expect(Self.lead(leads, "000000009999")?["lookups"] as? Int == 1)
                #expect(Self.lead(leads, "000000000050")?["kind"] as? String == "voided")
                #expect(Self.lead(leads, "000000000101")?["lookups"] as? Int == 2)
            }
        }

        @Test func batch_takesCSV_refusesWrongHeadersAndTooManyRows_andIsNotRateLimited() async throws {
            try await withTestApp { t in
                let s = try await Self.stock(t)
                let key = try await Self.key(t, s.admin, quota: 100_000)
                let csv =
                    "\u{FEFF}serial,name,idNumber\r\n000000000001,张三,\r\n000000000001,,\(C.idBJ)\r\n000000000002,某人,\r\nbad\r\n\r\n"
                let res = try await t.send(.POST, "/api/v1/verify/batch", token: key, body: csv, contentType: "text/csv")
                let results = try #require(try t.object(res)["results"] as? [[String: Any]])
                #expect(results.map { $0["result"] as? String ?? "error" } == ["valid", "valid", "not_found", "error"])
                #expect((results[3]["error"] as? [String: Any])?["code"] as? String == "wrong_field_count")
                let wrong = try await t.send(
                    .POST, "/api/v1/verify/batch", token: key, body: "serial,holder\n1,2\n", contentType: "text/csv")
                #expect(
                    try wrong.status == .unprocessableEntity && t.error(wrong).details.first?["code"] as? String == "wrong_header"
                )
                let malformed = try await t.send(.POST, "/api/v1/verify/batch", token: key, json: #"{"rows":5}"#)
                #expect(malformed.status == .badRequest)

                let many = (0...1000).map { _ in #"{"serial":"000000000001","name":"张三"}"# }.joined(separator: ",")
                let tooMany = try await t.send(.POST, "/api/v1/verify/batch", token: key, json: #"{"rows":[\#(many)]}"#)
                #expect(try tooMany.status == .payloadTooLarge && t.error(tooMany).code == "too_many_rows")
                let manyCSV = "serial,name,idNumber\n" + String(repeating: "000000000001,张三,\n", count: 1001)
                let tooManyCSV = try await t.send(
                    .POST, "/api/v1/verify/batch", token: key, body: manyCSV, contentType: "text/csv")
                #expect(try t.error(tooManyCSV).code == "too_many_rows")
                let full = (0..<1000).map { i in #"{"serial":"\#(Serials.format(Int64(i % 150 + 1)))","name":"张三"}"# }
                let thousand = try await t.send(
                    .POST, "/api/v1/verify/batch", token: key, json: #"{"rows":[\#(full.joined(separator: ","))]}"#)
                #expect((try t.object(thousand)["results"] as? [[String: Any]])?.count == 1000)

                // The per-address limit of public lookups (30 a minute here) does not apply.
                for _ in 0..<35 {
                    #expect(
                        try await t.send(
                            .POST, "/api/v1/verify/batch", token: key, json: #"{"rows":[{"serial":"000000000001","name":"张三"}]}"#
                        )
                        .status == .ok)
                }
            }
        }

        @Test func batch_quota_countsRowsPerBeijingDay_neverPassedInParallel() async throws {
            try await withTestApp { t in
                let s = try await Self.stock(t)
                let key = try await Self.key(t, s.admin, quota: 10)
                @Sendable func rows(_ n: Int) -> String {
                    #"{"rows":["# + Array(repeating: #"{"serial":"000000000001","name":"张三"}"#, count: n).joined(separator: ",")
                        + "]}"
                }
                #expect(try await t.send(.POST, "/api/v1/verify/batch", token: key, json: rows(6)).status == .ok)
                let over = try await t.send(.POST, "/api/v1/verify/batch", token: key, json: rows(5))
                #expect(try over.status == .tooManyRequests && t.error(over).code == "quota_exceeded")
                let list = try #require(
                    try t.json(try await t.send(.GET, "/api/v1/api-keys", token: s.admin)) as? [[String: Any]])
                #expect(list.first?["usedToday"] as? Int == 6)
                #expect(try await t.send(.POST, "/api/v1/verify/batch", token: key, json: rows(4)).status == .ok)
                #expect(try await t.send(.POST, "/api/v1/verify/batch", token: key, json: rows(1)).status == .tooManyRequests)
                // A new Beijing day (midnight in Beijing is 16:00 UTC): a new quota.
                t.clock.set(beijing("2026-05-11T00:00:01"))
                #expect(try await t.send(.POST, "/api/v1/verify/batch", token: key, json: rows(10)).status == .ok)

                // Parallel batches never pass it: 8 batches of 3 rows against 10 → exactly 3 answered.
                let other = try await Self.key(t, try await t.admin(), quota: 10, organisation: "另一家公司")
                let statuses = try await Self.parallel(8) { _ in
                    try await t.send(.POST, "/api/v1/verify/batch", token: other, json: rows(3)).status
                }
                #expect(statuses.filter { $0 == .ok }.count == 3, "\(statuses)")
                #expect(statuses.filter { $0 == .tooManyRequests }.count == 5, "\(statuses)")
                guard let sql = t.app.db as? any SQLDatabase else { return }
                struct U: Decodable { let rows_used: Int }
                let used = try await sql.raw("SELECT rows_used FROM api_key_usage WHERE day = '2026-05-11' ORDER BY rows_used")
                    .all(decoding: U.self).map(\.rows_used)
                #expect(used == [9, 10])
            }
        }

        @Test func verifyPage_csvUpload_answersACSVFileWithBOM_masked() async throws {
            try await withTestApp { t in
                let s = try await Self.stock(t)
                let key = try await Self.key(t, s.admin, quota: 100)
                let page = try await t.send(.GET, "/verify")
                #expect(page.body.string.contains(#"type="password" name="apiKey""#))
                func upload(_ key: String, _ csv: String) async throws -> TestingHTTPResponse {
                    let boundary = "zjboundary"
                    let body = """
                        --\(boundary)\r
                        Content-Disposition: form-data; name="apiKey"\r
                        \r
                        \(key)\r
                        --\(boundary)\r
                        Content-Disposition: form-data; name="file"; filename="rows.csv"\r
                        Content-Type: text/csv\r
                        \r
                        \(csv)\r
                        --\(boundary)--\r

                        """
                    var h = HTTPHeaders()
                    h.replaceOrAdd(name: .accept, value: "text/html")
                    return try await t.send(
                        .POST, "/verify/batch", headers: h, body: body, contentType: "multipart/form-data; boundary=\(boundary)")
                }
                let res = try await upload(key, "serial,name,idNumber\n000000000001,张三,\n000000000101,李四,\n000000000001,王五,")
                #expect(res.status == .ok)
                #expect(res.headers.contentType?.subType == "csv")
                #expect(res.headers.first(name: .contentDisposition)?.contains("attachment") == true)
                let bytes = Array(res.body.readableBytesView)
                #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]))
                let lines = String(decoding: bytes.dropFirst(3), as: UTF8.self).split(separator: "\r\n").map(String.init)
                #expect(lines.first == VerifyBatch.resultHeader.joined(separator: ","))
                #expect(lines.count == 4)
                #expect(lines[1].hasPrefix("0,000000000001,valid,张*,110***********002X,电工,"))
                #expect(lines[2].hasPrefix("1,000000000101,revoked,李*,"))
                #expect(lines[3].hasPrefix("2,000000000001,mismatch,,"))
                #expect(!res.body.string.contains("11010519491231002X") && !res.body.string.contains("张三"))
                let bad = try await upload("zjk_wrong", "serial,name,idNumber\n000000000001,张三,")
                #expect(bad.status == .unauthorized && bad.body.string.contains(#"id="verify-error""#))
            }
        }

        // MARK: Standard tokens

        /// A token made as before jwt-kit: the same header, `iat` the issue date as text, signed by hand.
        static func legacyToken(_ c: Certificate, key: JWS.Key) throws -> String {
            let header = #"{"alg":"EdDSA","kid":"\#(key.kid)","typ":"JWT"}"#
            let payload =
                #"{"iat":"\#(c.issuedOn ?? "")","idm":"\#(Masking.idNumber(c.idNumber ?? ""))","iss":"zhijian","lvl":"\#(c.level ?? "")","#
                + #""nm":"\#(c.holderName ?? "")","occ":"\#(c.occupation ?? "")","sub":"\#(c.serial)","unit":"\#(c.unitCode)"}"#
            let input = JWS.base64url(Data(header.utf8)) + "." + JWS.base64url(Data(payload.utf8))
            return input + "." + JWS.base64url(try key.privateKey.signature(for: Data(input.utf8)))
        }

        @Test func tokens_areStandardJWTs_andOldTokensKeepVerifying() async throws {
            try await withTestApp { t in
                let s = try await Self.stock(t)
                let issued = try t.object(try await t.send(.GET, "/api/v1/certificates/000000000001", token: s.bj))
                let token = try #require(issued["token"] as? String)
                let parts = token.split(separator: ".")
                let headerData = try #require(JWS.unbase64url(parts[0]))
                let header = try #require(try JSONSerialization.jsonObject(with: headerData) as? [String: Any])
                #expect(header["alg"] as? String == "EdDSA" && header["typ"] as? String == "JWT" && header["kid"] is String)
                let claimsData = try #require(JWS.unbase64url(parts[1]))
                let claims = try #require(try JSONSerialization.jsonObject(with: claimsData) as? [String: Any])
                // 2026-03-01 00:00 in Beijing.
                #expect(claims["iat"] as? Int == Int(beijing("2026-03-01T00:00:00").timeIntervalSince1970))
                // `sub` is the certificate number: Beijing's first level-5 certificate of 2026.
                #expect(claims["iss"] as? String == "zhijian" && claims["sub"] as? String == "2026110000500000010")
                #expect(
                    claims["nm"] as? String == "张三" && claims["lvl"] as? String == "5" && claims["unit"] as? String == "110000")

                // A token made the old way, as stored in certificates.token before.
                let key = try await Signing.activeKey(vault: t.app.keyVault, store: t.app.store)
                let c = try #require(try await Certificate.find("000000000001", on: t.app.db))
                let old = try Self.legacyToken(c, key: key)
                try await t.app.write { tx in
                    try await Certificate.query(on: tx).filter(\.$id == "000000000001").set(\.$token, to: old).update()
                }
                let online = try t.object(try await t.send(.GET, "/api/v1/verify?token=\(old)"))
                #expect(online["result"] as? String == "valid" && online["signatureValid"] as? Bool == true)
                let page = try await t.send(.GET, "/verify?t=\(old)")
                #expect(page.body.string.contains(#"data-result="valid""#))
                #expect(
                    try t.object(try await t.send(.GET, "/api/v1/certificates/000000000001", token: s.bj))["token"] as? String
                        == old)
                let jwks = Data(try await t.send(.GET, "/.well-known/jwks.json").body.readableBytesView)
                let offline = await VerifyTokenCommand.check(old, jwks: jwks, revocations: nil)
                #expect(offline.status == 0 && offline.lines.joined().contains("issued 2026-03-01"), "\(offline)")
                let fresh = await VerifyTokenCommand.check("https://x/verify?t=" + token, jwks: jwks, revocations: nil)
                #expect(fresh.status == 0 && fresh.lines.joined().contains("issued 2026-03-01"), "\(fresh)")
                var tampered = Array(old.utf8)
                tampered[parts[0].count + 3] =
                    tampered[parts[0].count + 3] == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
                let bad = String(decoding: tampered, as: UTF8.self)
                #expect(await VerifyTokenCommand.check(bad, jwks: jwks, revocations: nil).status == 1)
                #expect(try t.error(try await t.send(.GET, "/api/v1/verify?token=\(bad)")).code == "invalid_token")
                // alg none, or a token of another key, never pass.
                let none = JWS.base64url(Data(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "." + parts[1] + "."
                #expect(try t.error(try await t.send(.GET, "/api/v1/verify?token=\(none)")).code == "invalid_token")
                let stranger = JWS.Key(kid: key.kid, privateKey: Curve25519.Signing.PrivateKey())
                let forged = try await JWS.sign(Signing.claims(c), with: stranger)
                #expect(try t.error(try await t.send(.GET, "/api/v1/verify?token=\(forged)")).code == "invalid_token")
            }
        }

        @Test func tokens_andTheRevocationList_verifyWithPyJWT_andOfflineRevocationIsReported() async throws {
            try await withTestApp { t in
                let s = try await Self.stock(t)
                let token = try #require(
                    try t.object(try await t.send(.GET, "/api/v1/certificates/000000000001", token: s.bj))["token"] as? String)
                let revokedToken = try #require(
                    try t.object(try await t.send(.GET, "/api/v1/certificates/000000000101", token: s.tj))["token"] as? String)
                let res = try await t.send(.GET, "/api/v1/public/revocations")
                #expect(res.status == .ok && res.headers.contentType?.subType == "jwt")
                #expect(res.headers.first(name: .cacheControl)?.contains("public") == true)
                let list = res.body.string
                let jwksRes = try await t.send(.GET, "/.well-known/jwks.json")
                let jwks = Data(jwksRes.body.readableBytesView)

                let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zj-jwt-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: dir) }
                try jwks.write(to: dir.appendingPathComponent("jwks.json"))
                try [token, revokedToken, list].joined(separator: "\n")
                    .write(to: dir.appendingPathComponent("tokens.txt"), atomically: true, encoding: .utf8)
                let (status, text) = try runPythonCheck(
                    "check_jwt.py", [dir.appendingPathComponent("jwks.json").path, dir.appendingPathComponent("tokens.txt").path])
                #expect(status == 0, "\(text)")
                // Subjects are certificate numbers: Beijing's first level 5 and Tianjin's first level 3 of 2026.
                #expect(text.contains("valid 2026110000500000010") && text.contains("valid 202612000030000001F"), "\(text)")
                #expect(text.contains("list ") && text.contains("000000000101") && !text.contains("list 000000000001"), "\(text)")

                // Offline: the revoked certificate is reported, the valid one not.
                let revoked = await VerifyTokenCommand.check(revokedToken, jwks: jwks, revocations: list)
                #expect(revoked.status == 2 && revoked.lines.joined().contains("REVOKED"), "\(revoked)")
                let valid = await VerifyTokenCommand.check(token, jwks: jwks, revocations: list)
                #expect(valid.status == 0 && valid.lines.joined().contains("not revoked"), "\(valid)")
                // A list that is not signed by a published key is refused.
                let parts = list.split(separator: ".")
                let fake = JWS.base64url(Data(#"{"iat":1,"iss":"zhijian","revoked":[],"sub":"revocations"}"#.utf8))
                let forged = "\(parts[0]).\(fake).\(parts[2])"
                #expect(await VerifyTokenCommand.check(revokedToken, jwks: jwks, revocations: forged).status == 1)
                // A certificate token is not a list, nor a list a certificate.
                #expect(await VerifyTokenCommand.check(revokedToken, jwks: jwks, revocations: token).status == 1)

                // Revoking another certificate changes the list at once.
                #expect(
                    try await t.send(.POST, "/api/v1/certificates/000000000001/revoke", token: s.bj, json: #"{"reason":"伪造"}"#)
                        .status == .ok)
                let newer = try await t.send(.GET, "/api/v1/public/revocations").body.string
                #expect(await VerifyTokenCommand.check(token, jwks: jwks, revocations: newer).status == 2)
                #expect(await VerifyTokenCommand.check(token, jwks: jwks, revocations: list).status == 0)
            }
        }

        /// A multipart body the parser cannot read is the client's fault: 400, not 500.
        @Test func verifyPage_malformedMultipart_isRefusedWith400() async throws {
            try await withTestApp { t in
                let boundary = "c637e12e2b1a998d80d1b087531af51c"
                let res = try await t.send(
                    .POST, "/verify/batch", body: "--\(boundary)--\r\n", contentType: "multipart/form-data; boundary=\(boundary)")
                #expect(res.status == .badRequest, "\(res.status)")
            }
        }
    }
}
