import Domain
import Foundation
import Testing
import Vapor
import VaporTesting

@testable import App

extension AppTests {
    @Suite struct Complaints {
        static func filing(
            _ category: String = "illegal_exam", unit: String? = "110000", description: String = "某鉴定站考试时替考，监考人员视而不见。",
            contact: String? = "13800138000", channel: String = "web"
        ) -> String {
            let u = unit.map { "\"\($0)\"" } ?? "null"
            let c = contact.map { "\"\($0)\"" } ?? "null"
            return
                #"{"category":"\#(category)","unitCode":\#(u),"station":"北京第一鉴定站","description":"\#(description)","contact":\#(c),"channel":"\#(channel)"}"#
        }

        static func file(
            _ t: TestApp, _ body: String = filing(), token: String? = nil, ip: String = "198.51.100.1"
        ) async throws -> (receipt: String, res: TestingHTTPResponse) {
            var h = HTTPHeaders()
            h.replaceOrAdd(name: "X-Forwarded-For", value: ip)
            let res = try await t.send(.POST, "/api/v1/complaints", token: token, json: body, headers: h)
            return ((try? t.object(res)["receipt"] as? String) ?? "", res)
        }

        static func caseID(_ t: TestApp, token: String) async throws -> String {
            let list = try #require(try t.json(try await t.send(.GET, "/api/v1/complaints", token: token)) as? [[String: Any]])
            return try #require(list.first?["id"] as? String)
        }

        @Test func filing_givesAnUnguessableReceipt_thatAloneOpensTheStatus_withoutTheFiler() async throws {
            try await withTestApp { t in
                let (receipt, res) = try await Self.file(t)
                #expect(res.status == .created)
                let filed = try t.object(res)
                #expect(filed["id"] == nil || filed["id"] is NSNull)
                let normalised = receipt.replacingOccurrences(of: "-", with: "")
                #expect(normalised.count == 32)  // 32 base-32 characters: 160 bits
                let (other, _) = try await Self.file(t)
                #expect(other != receipt)
                let status = try await t.send(.GET, "/api/v1/complaints/receipt/\(receipt)")
                #expect(status.status == .ok)
                let o = try t.object(status)
                #expect(o["status"] as? String == "received")
                #expect(o["category"] as? String == "illegal_exam")
                #expect(!status.body.string.contains("13800138000") && !status.body.string.contains("替考"))
                #expect(try await t.send(.GET, "/api/v1/complaints/receipt/\(receipt.lowercased())").status == .ok)
                for wrong in [
                    String(receipt.dropLast(2)), String(receipt.dropLast()) + (receipt.hasSuffix("0") ? "1" : "0"), "x",
                ] {
                    let r = try await t.send(.GET, "/api/v1/complaints/receipt/\(wrong)")
                    #expect(r.status == .notFound, "\(wrong)")
                }
                var html = HTTPHeaders()
                html.replaceOrAdd(name: .accept, value: "text/html")
                let page = try await t.send(.POST, "/complaints/status", headers: html, body: "receipt=\(receipt)")
                #expect(page.body.string.contains(#"data-status="received""#))
                #expect(!page.body.string.contains("13800138000"))
                #expect(page.headers.first(name: .cacheControl) == "no-store")
                // In the address, a receipt is not read: it would stay in histories and logs.
                let viaURL = try await t.send(.GET, "/complaints/status?receipt=\(receipt)", headers: html)
                #expect(!viaURL.body.string.contains(#"data-status="received""#))
            }
        }

        @Test func filing_refusals_andTheSizeLimit() async throws {
            try await withTestApp { t in
                for (body, field, code) in [
                    (Self.filing("bribery"), "category", "unknown_category"),
                    (Self.filing(description: ""), "description", "required"),
                    (Self.filing(description: "太短"), "description", "too_short"),
                    (Self.filing(description: String(repeating: "长", count: 5001)), "description", "too_long"),
                    (Self.filing(unit: "999999"), "unitCode", "unknown_unit"),
                    (Self.filing(channel: "phone"), "channel", "staff_only"),
                ] {
                    let (_, res) = try await Self.file(t, body, ip: "198.51.100.\(code.count)")
                    #expect(res.status == .unprocessableEntity, "\(code)")
                    let d = try t.error(res).details.first
                    #expect(d?["field"] as? String == field && d?["code"] as? String == code)
                }
                #expect(try await t.send(.POST, "/api/v1/complaints", json: "{oops").status == .badRequest)
                let admin = try await t.admin()
                #expect(try #require(try t.json(try await t.send(.GET, "/api/v1/complaints", token: admin)) as? [Any]).isEmpty)
            }
        }

        @Test func filing_isRateLimitedPerAddress_behindATrustedProxy_andSpoofingDoesNotHelp() async throws {
            try await withTestApp { t in
                for n in 0..<10 {
                    let r = try await Self.file(t, ip: "203.0.113.\(n)").res
                    #expect(r.status == .created)
                }
                let limited = try await Self.file(t, ip: "203.0.113.99").res
                #expect(limited.status == .tooManyRequests)
            }
            try await withTestApp(trustedProxies: ["127.0.0.1"]) { t in
                for _ in 0..<10 { #expect(try await Self.file(t, ip: "203.0.113.50").res.status == .created) }
                let limited = try await Self.file(t, ip: "203.0.113.50").res
                #expect(limited.status == .tooManyRequests)
                #expect(limited.headers.first(name: .retryAfter) != nil)
                #expect(try await Self.file(t, ip: "203.0.113.51").res.status == .created)
            }
        }

        @Test func routing_accessAndStaffFiling() async throws {
            try await withTestApp { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let tj = try await t.user("tj", role: "unit", unit: "120000")
                let sup = try await t.user("sup", role: "supervisor", unit: "110000")
                let admin = try await t.admin()
                _ = try await Self.file(t)
                _ = try await Self.file(t, Self.filing(unit: nil), ip: "198.51.100.2")
                let phone = try await Self.file(t, Self.filing("overcharge", unit: "120000", channel: "phone"), token: tj)
                #expect(phone.res.status == .created)
                #expect(try t.object(phone.res)["id"] as? String != nil)
                let bjCases = try #require(
                    try t.json(try await t.send(.GET, "/api/v1/complaints", token: bj)) as? [[String: Any]])
                #expect(bjCases.count == 1 && bjCases[0]["contact"] as? String == "13800138000")
                let all = try #require(try t.json(try await t.send(.GET, "/api/v1/complaints", token: admin)) as? [[String: Any]])
                #expect(all.count == 3)
                #expect(all.contains { $0["ownerCode"] is NSNull || $0["ownerCode"] == nil })  // the unknown unit's case is the ministry's
                let bjID = try #require(bjCases[0]["id"] as? String)
                #expect(try await t.send(.GET, "/api/v1/complaints/\(bjID)", token: tj).status == .forbidden)
                #expect(
                    try await t.send(
                        .POST, "/api/v1/complaints/\(bjID)/transition", token: tj, json: #"{"to":"investigating","note":"x"}"#
                    ).status == .forbidden)
                #expect(try await t.send(.GET, "/api/v1/complaints", token: sup).status == .forbidden)
                #expect(try await t.send(.GET, "/api/v1/complaints").status == .unauthorized)
                #expect(try await t.send(.GET, "/api/v1/complaints/stats", token: bj).status == .forbidden)
            }
        }

        @Test func transitions_allowedRefused_transfer_reopen_andHistory() async throws {
            try await withTestApp { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let tj = try await t.user("tj", role: "unit", unit: "120000")
                let admin = try await t.admin()
                let (receipt, _) = try await Self.file(t)
                let id = try await Self.caseID(t, token: bj)
                let path = "/api/v1/complaints/\(id)/transition"
                #expect(
                    try t.error(try await t.send(.POST, path, token: bj, json: #"{"to":"investigating","note":" "}"#)).details
                        .first?["field"] as? String == "note")
                #expect(
                    try t.error(try await t.send(.POST, path, token: bj, json: #"{"to":"handled","note":"x"}"#)).code
                        == "wrong_state")
                #expect(
                    try t.error(try await t.send(.POST, path, token: bj, json: #"{"to":"received","note":"x"}"#)).details.first?[
                        "code"] as? String == "unknown_status")
                #expect(
                    try await t.send(.POST, path, token: bj, json: #"{"to":"investigating","note":"已派人核查","publicNote":"已开始调查"}"#)
                        .status == .ok)
                #expect(
                    try t.error(try await t.send(.POST, path, token: bj, json: #"{"to":"transferred","note":"x"}"#)).details
                        .first?["field"] as? String == "transferTo")
                #expect(
                    try t.error(
                        try await t.send(.POST, path, token: bj, json: #"{"to":"transferred","note":"x","transferTo":"110000"}"#)
                    ).details.first?["code"] as? String == "same_unit")
                let moved = try t.object(
                    try await t.send(.POST, path, token: bj, json: #"{"to":"transferred","note":"属天津管辖","transferTo":"120000"}"#))
                #expect(moved["ownerCode"] as? String == "120000")
                #expect(try await t.send(.GET, "/api/v1/complaints/\(id)", token: bj).status == .forbidden)
                #expect(try #require(try t.json(try await t.send(.GET, "/api/v1/complaints", token: tj)) as? [Any]).count == 1)
                let closed = try t.object(
                    try await t.send(
                        .POST, path, token: tj,
                        json: #"{"to":"handled","note":"已查处并罚款","referredToPolice":true,"publicNote":"已依法查处"}"#))
                #expect(closed["status"] as? String == "handled" && closed["referredToPolice"] as? Bool == true)
                #expect(
                    try t.error(try await t.send(.POST, path, token: tj, json: #"{"to":"investigating","note":"x"}"#)).code
                        == "case_closed")
                #expect(
                    try await t.send(.POST, "/api/v1/complaints/\(id)/reopen", token: tj, json: #"{"note":"x"}"#).status
                        == .forbidden)
                let reopened = try t.object(
                    try await t.send(.POST, "/api/v1/complaints/\(id)/reopen", token: admin, json: #"{"note":"复核发现新线索"}"#))
                #expect(reopened["status"] as? String == "investigating")
                let updates = try #require(reopened["updates"] as? [[String: Any]])
                #expect(
                    updates.compactMap { $0["to"] as? String } == [
                        "received", "investigating", "transferred", "handled", "investigating",
                    ])
                #expect(updates[2]["fromOwner"] as? String == "110000" && updates[2]["toOwner"] as? String == "120000")
                #expect(updates.allSatisfy { $0["user"] as? String != nil && $0["at"] != nil })
                // The public sees the public replies, not the internal notes.
                let pub = try await t.send(.GET, "/api/v1/complaints/receipt/\(receipt)")
                #expect(pub.body.string.contains("已依法查处") && !pub.body.string.contains("罚款"))
            }
        }

        @Test func overdueCases_areMarkedForTheUnitAndTheMinistry() async throws {
            try await withTestApp { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let admin = try await t.admin()
                _ = try await Self.file(t)
                t.clock.advance(31 * 86400)
                let bjFresh = try await t.login("bj", "password-bj")
                let adminFresh = try await t.admin()
                _ = bj
                _ = admin
                let list = try #require(
                    try t.json(try await t.send(.GET, "/api/v1/complaints?overdue=true", token: bjFresh)) as? [[String: Any]])
                #expect(list.count == 1 && list[0]["overdue"] as? Bool == true)
                let stats = try t.object(try await t.send(.GET, "/api/v1/complaints/stats", token: adminFresh))
                #expect(stats["total"] as? Int == 1 && stats["overdue"] as? Int == 1)
                let csv = try await t.send(.GET, "/api/v1/complaints/stats.csv", token: adminFresh)
                #expect(Array(csv.body.readableBytesView.prefix(3)) == [0xEF, 0xBB, 0xBF])
                #expect(csv.body.string.contains("类别,illegal_exam,乱考核,1,1"))
            }
        }

        /// The queue page is counted and cut in the database: 55 cases show as 50 and 5, all counted overdue.
        @Test func casesPage_isPagedAndCountedInTheDatabase() async throws {
            try await withTestApp { t in
                _ = try await t.admin()
                // Filed through the service itself: the public filing limit is not what is tested here.
                let filing = App.Complaints.Filing(
                    category: "illegal_exam", unitCode: nil, station: nil, description: "鉴定站考场纪律松散，替考严重。", contact: nil,
                    channel: nil)
                for _ in 1...55 { _ = try await App.Complaints.file(filing, by: nil, on: t.app.store, now: t.clock.now) }
                t.clock.advance(31 * 86400)
                let (cookie, _) = try await AppTests.Web.webLogin(t, "admin", adminPassword)
                let first = try await t.send(.GET, "/complaints/cases", headers: AppTests.Web.headers(cookie)).body.string
                #expect(first.components(separatedBy: #"<tr class="overdue">"#).count - 1 == 50)
                #expect(first.contains(#"<strong id="overdue-count">55</strong>"#))
                #expect(first.contains(#"href="/complaints/cases?page=2""#))
                let second = try await t.send(.GET, "/complaints/cases?page=2", headers: AppTests.Web.headers(cookie)).body.string
                #expect(second.components(separatedBy: #"<tr class="overdue">"#).count - 1 == 5)
                let closedOnly = try await t.send(.GET, "/complaints/cases?status=handled", headers: AppTests.Web.headers(cookie))
                #expect(closedOnly.body.string.contains(#"<strong id="overdue-count">0</strong>"#))
            }
        }

        /// Cases received before, inside and after 2026Q2; investigated means closed by the quarter's end.
        @Test func derivedCounts_followTheCountingRule() async throws {
            try await withTestApp(now: beijing("2026-03-20T10:00:00")) { t in
                let admin = try await t.admin()
                _ = try await Self.file(t, Self.filing("overcharge"), ip: "198.51.100.10")  // Q1: not counted in Q2
                t.clock.set(beijing("2026-04-10T10:00:00"))
                _ = try await Self.file(t, Self.filing("overcharge"), ip: "198.51.100.11")  // Q2, closed in Q2
                _ = try await Self.file(t, Self.filing("illegal_certificates"), ip: "198.51.100.12")  // Q2, closed after Q2
                _ = try await Self.file(t, Self.filing("illegal_training"), ip: "198.51.100.13")  // Q2, open
                t.clock.set(beijing("2026-05-01T10:00:00"))
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let cases = try #require(try t.json(try await t.send(.GET, "/api/v1/complaints", token: bj)) as? [[String: Any]])
                func id(_ category: String, after: String) -> String? {
                    cases.first { $0["category"] as? String == category && ($0["receivedAt"] as? String ?? "") > after }?["id"]
                        as? String
                }
                let closeInQ2 = try #require(id("overcharge", after: "2026-04"))
                let closeLater = try #require(id("illegal_certificates", after: "2026-04"))
                _ = try await t.send(
                    .POST, "/api/v1/complaints/\(closeInQ2)/transition", token: bj, json: #"{"to":"unfounded","note":"核实不属实"}"#)
                t.clock.set(beijing("2026-07-05T10:00:00"))
                let bj2 = try await t.login("bj", "password-bj")
                _ = try await t.send(
                    .POST, "/api/v1/complaints/\(closeLater)/transition", token: bj2, json: #"{"to":"investigating","note":"x"}"#)
                _ = try await t.send(
                    .POST, "/api/v1/complaints/\(closeLater)/transition", token: bj2, json: #"{"to":"handled","note":"x"}"#)
                _ = try await Self.file(t, Self.filing("other"), ip: "198.51.100.14")  // Q3
                let d = try t.object(try await t.send(.GET, "/api/v1/reports/2026Q2/110000/derived", token: bj2))
                let o = try #require(d["overcharge"] as? [String: Any])
                let f = try #require(d["forgery"] as? [String: Any])
                let v = try #require(d["violations"] as? [String: Any])
                #expect(o["investigated"] as? Int == 1 && o["uninvestigated"] as? Int == 0)
                #expect(f["investigated"] as? Int == 0 && f["uninvestigated"] as? Int == 1)
                #expect(v["investigated"] as? Int == 0 && v["uninvestigated"] as? Int == 1)
                #expect(
                    try await t.send(
                        .PUT, "/api/v1/reports/2026Q2/110000", token: bj2,
                        json: reportJSON(overcharge: (1, 0), violations: (0, 1), forgery: (0, 0))
                    ).status == .ok)
                let again = try t.object(try await t.send(.GET, "/api/v1/reports/2026Q2/110000/derived", token: bj2))
                let disc = try #require(again["discrepancies"] as? [[String: Any]]).filter {
                    ($0["field"] as? String ?? "").hasPrefix("forgery")
                }
                #expect(
                    disc.count == 1 && disc[0]["field"] as? String == "forgery.uninvestigated" && disc[0]["column"] as? Int == 23)
                // The report form offers the register's counts.
                let (cookie, _) = try await AppTests.Web.webLogin(t, "bj", "password-bj")
                let form = try await t.send(.GET, "/reports/2026Q2/110000?fill=ledger", headers: AppTests.Web.headers(cookie))
                #expect(form.body.string.contains(#"name="forgery.uninvestigated" value="1""#))
                #expect(form.body.string.contains(#"name="overcharge.investigated" value="1""#))
                _ = admin
            }
        }

        @Test func hotlines_validated_andListedBesideTheMinistrys() async throws {
            try await withTestApp { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let tj = try await t.user("tj", role: "unit", unit: "120000")
                let put = try await t.send(
                    .PUT, "/api/v1/units/110000/hotlines", token: bj,
                    json: #"{"phones":["010-12345678","13800138000","400-810-1234"]}"#)
                #expect(put.status == .ok)
                let bad = try await t.send(
                    .PUT, "/api/v1/units/110000/hotlines", token: bj, json: #"{"phones":["12345","010-1234"]}"#)
                #expect(try t.error(bad).details.map { $0["field"] as? String } == ["phones[0]", "phones[1]"])
                #expect(
                    try await t.send(.PUT, "/api/v1/units/110000/hotlines", token: tj, json: #"{"phones":["010-12345678"]}"#)
                        .status == .forbidden)
                #expect(try await t.send(.PUT, "/api/v1/units/110000/hotlines", json: #"{"phones":[]}"#).status == .unauthorized)
                let list = try t.object(try await t.send(.GET, "/api/v1/hotlines"))
                #expect(list["ministry"] as? [String] == ["010-84201673", "010-84635476"])
                let units = try #require(list["units"] as? [[String: Any]])
                #expect(units.count == 1 && units[0]["unitName"] as? String == "北京市")
                #expect(units[0]["phones"] as? [String] == ["010-12345678", "13800138000", "400-810-1234"])
                var html = HTTPHeaders()
                html.replaceOrAdd(name: .accept, value: "text/html")
                for path in ["/hotlines", "/complaints/new", "/verify", "/"] {
                    let page = try await t.send(.GET, path, headers: html)
                    #expect(page.body.string.contains("010-84201673") && page.body.string.contains("010-84635476"), "\(path)")
                }
            }
        }
    }
}
