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
                #expect(try await t.send(.POST, path, token: bj, json: #"{"to":"accepted","note":"予以受理"}"#).status == .ok)
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
                // The receiving unit decides afresh whether to accept.
                #expect(
                    try t.error(try await t.send(.POST, path, token: tj, json: #"{"to":"investigating","note":"x"}"#)).code
                        == "wrong_state")
                #expect(try await t.send(.POST, path, token: tj, json: #"{"to":"accepted","note":"受理"}"#).status == .ok)
                #expect(try await t.send(.POST, path, token: tj, json: #"{"to":"investigating","note":"调查"}"#).status == .ok)
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
                        "received", "accepted", "investigating", "transferred", "accepted", "investigating", "handled",
                        "investigating",
                    ])
                #expect(updates[3]["fromOwner"] as? String == "110000" && updates[3]["toOwner"] as? String == "120000")
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

        /// The counting rule across three quarters of 2026, by hand (110000 unless said):
        ///
        /// | case | kind | story | Q1 | Q2 | Q3 |
        /// |---|---|---|---|---|---|
        /// | A | overcharge | received Q1, accepted, never closed | open | open | open |
        /// | B | overcharge | received Q1, handled 10 May | open | handled | — (closed before Q3) |
        /// | C | violations | received Q1, unfounded in Q2 | — never | — | — |
        /// | D | violations | received Q2, refused | — | — never | — |
        /// | E | forgery | received Q2, handled in Q2 | — | handled | — |
        /// | F | forgery | received Q2, transferred to 120000 in Q3 | — | open | 120000: open |
        /// | G | violations | received Q3, about the centre itself (the ministry holds it) | — | — | — (no unit's) |
        /// | H | violations | handled in Q1, reopened in Q2, handled in Q3 | handled | — (closed at Q2's start) | handled |
        /// | I | overcharge | a supervisor's finding in Q2 (no acceptance needed) | — | open | open |
        ///
        /// So 110000: Q1 overcharge 0/2, violations 1/0; Q2 overcharge 1/2, violations 0/0, forgery
        /// 1/1; Q3 overcharge 0/2, violations 1/0, forgery 0/0; 120000 Q3 forgery 0/1 (handled/open).
        @Test func derivedCounts_followTheCountingRule_acrossThreeQuarters() async throws {
            try await withTestApp(now: beijing("2026-02-10T10:00:00")) { t in
                _ = try await t.user("bj", role: "unit", unit: "110000")
                _ = try await t.user("tj", role: "unit", unit: "120000")
                var ip = 20
                func file(_ category: String, aboutCentre: Bool = false) async throws -> String {
                    ip += 1
                    var body = Self.filing(category)
                    if aboutCentre {
                        body = body.replacingOccurrences(of: #""channel":"web""#, with: #""channel":"web","aboutCentre":true"#)
                    }
                    // Filed by staff, who get the case's id back.
                    let (_, res) = try await Self.file(t, body, token: try await t.admin(), ip: "198.51.100.\(ip)")
                    return try #require(try t.object(res)["id"] as? String)
                }
                func move(_ id: String, _ steps: [String], as user: String = "bj") async throws {
                    let token = user == "admin" ? try await t.admin() : try await t.login(user, "password-\(user)")
                    for to in steps {
                        let body =
                            to == "refused"
                            ? #"{"to":"refused","reason":"不属于受理范围"}"#
                            : to.hasPrefix("transferred:")
                                ? #"{"to":"transferred","note":"转办","transferTo":"\#(to.dropFirst(12))"}"#
                                : #"{"to":"\#(to)","note":"办理"}"#
                        let res = try await t.send(.POST, "/api/v1/complaints/\(id)/transition", token: token, json: body)
                        #expect(res.status == .ok, "\(id) → \(to): \(res.body.string)")
                    }
                }
                func at(_ day: String) { t.clock.set(beijing(day + "T10:00:00")) }
                // Q1
                let a = try await file("overcharge")
                let b = try await file("overcharge")
                let c = try await file("illegal_exam")
                let h = try await file("other")
                try await move(a, ["accepted"])
                try await move(b, ["accepted", "investigating"])
                try await move(c, ["accepted", "investigating"])
                try await move(h, ["accepted", "investigating", "handled"])
                // Q2
                at("2026-04-20")
                let d = try await file("illegal_training")
                try await move(d, ["refused"])
                let e = try await file("illegal_certificates")
                try await move(e, ["accepted", "investigating", "handled"])
                let f = try await file("illegal_certificates")
                try await move(c, ["unfounded"])
                let admin = try await t.admin()
                #expect(
                    try await t.send(.POST, "/api/v1/complaints/\(h)/reopen", token: admin, json: #"{"note":"新线索"}"#).status
                        == .ok)
                _ = try await t.app.store.write { db in
                    try await App.Complaints.openFoundCase(
                        category: .overcharge, unitCode: "110000", station: nil, description: "督导发现超标准收费", actor: "sup",
                        at: beijing("2026-04-20T11:00:00"), app: t.app, on: db)
                }
                at("2026-05-10")
                try await move(b, ["handled"])
                // Q3
                at("2026-07-06")
                try await move(f, ["transferred:120000"])
                try await move(f, ["accepted"], as: "tj")
                _ = try await file("other", aboutCentre: true)
                try await move(h, ["handled"], as: "admin")
                at("2026-10-05")

                let token = try await t.admin()
                func counts(_ period: String, _ unit: String = "110000") async throws -> [String: [Int]] {
                    let o = try t.object(try await t.send(.GET, "/api/v1/reports/\(period)/\(unit)/derived", token: token))
                    var result: [String: [Int]] = [:]
                    for group in ["overcharge", "violations", "forgery"] {
                        let g = try #require(o[group] as? [String: Any])
                        result[group] = [g["investigated"] as? Int ?? -1, g["uninvestigated"] as? Int ?? -1]
                    }
                    return result
                }
                #expect(try await counts("2026Q1") == ["overcharge": [0, 2], "violations": [1, 0], "forgery": [0, 0]])
                #expect(try await counts("2026Q2") == ["overcharge": [1, 2], "violations": [0, 0], "forgery": [1, 1]])
                #expect(try await counts("2026Q3") == ["overcharge": [0, 2], "violations": [1, 0], "forgery": [0, 0]])
                #expect(
                    try await counts("2026Q3", "120000") == ["overcharge": [0, 0], "violations": [0, 0], "forgery": [0, 1]])
                // Every unit at once gives the same figures.
                let all = try t.object(try await t.send(.GET, "/api/v1/derived/2026Q2", token: token))
                let units = try #require(all["units"] as? [String: Any])
                let bj = try #require(units["110000"] as? [String: Any])
                #expect((bj["forgery"] as? [String: Any])?["investigated"] as? Int == 1)
                #expect((bj["overcharge"] as? [String: Any])?["uninvestigated"] as? Int == 2)
                // A self-reported figure that disagrees shows as a discrepancy with its column.
                _ = try await t.login("bj", "password-bj")
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
