import Domain
import Foundation
import Testing
import Vapor
import VaporTesting

@testable import App

extension AppTests {
    /// The bulletin as an official document: its number and narrative, the ranking, and the
    /// rectification tasks its findings become. Built on `Bulletins.scenario` (2026 Q1–Q2).
    @Suite struct BulletinDocuments {
        /// A signed-in browser's headers.
        static func web(_ t: TestApp, _ user: String, _ password: String) async throws -> HTTPHeaders {
            Web.headers(try await Web.webLogin(t, user, password).cookie)
        }

        static func publish(_ t: TestApp, _ period: String, _ token: String, _ body: String) async throws -> TestingHTTPResponse {
            try await t.send(.POST, "/api/v1/bulletins/\(period)/publish", token: token, json: body)
        }

        @Test func publish_refusesWithoutAValidDocument_andChangesNothing() async throws {
            try await withTestApp { t in
                let (admin, _, _) = try await Bulletins.scenario(t)
                let refusals: [(String, String, Int, String)] = [
                    ("{}", "documentNumber", 422, "required"),
                    (#"{"documentNumber":"  "}"#, "documentNumber", 422, "required"),
                    (#"{"documentNumber":"人社鉴通(2026)3号"}"#, "documentNumber", 422, "invalid_document_number"),
                    (#"{"documentNumber":"人社鉴通〔2026〕03号"}"#, "documentNumber", 422, "invalid_document_number"),
                    (#"{"documentNumber":"ABC〔2026〕3号"}"#, "documentNumber", 422, "invalid_document_number"),
                    (#"{"documentNumber":"人社鉴通〔2026〕3号","issuedOn":"2026-06-30"}"#, "issuedOn", 422, "before_period_end"),
                    (#"{"documentNumber":"人社鉴通〔2026〕3号","issuedOn":"2026-07-21"}"#, "issuedOn", 422, "in_future"),
                    (#"{"documentNumber":"人社鉴通〔2026〕3号","issuedOn":"2026-02-30"}"#, "issuedOn", 422, "invalid_date"),
                    (#"{"documentNumber":"人社鉴通〔2025〕3号"}"#, "issuedOn", 422, "year_mismatch"),
                    (
                        #"{"documentNumber":"人社鉴通〔2026〕3号","overview":"\#(String(repeating: "甲", count: 20_001))"}"#,
                        "overview", 422, "too_long"
                    ),
                ]
                for (body, field, status, code) in refusals {
                    let res = try await Self.publish(t, "2026Q2", admin, body)
                    #expect(res.status.code == UInt(status), "\(body.prefix(60))")
                    let e = try t.error(res)
                    if status == 422, e.code == "validation_failed" {
                        #expect(e.details.first?["field"] as? String == field, "\(body.prefix(60))")
                        #expect(e.details.first?["code"] as? String == code, "\(body.prefix(60))")
                    } else {
                        #expect(e.code == code)
                    }
                }
                // Nothing was published and no task was made.
                #expect(try await t.send(.GET, "/api/v1/bulletins/2026Q2").status == .notFound)
                #expect(try t.array(try await t.send(.GET, "/api/v1/rectifications", token: admin)).isEmpty)
                // A unit may not publish, whatever it sends.
                let bj = try await t.login("bj", "password-bj")
                #expect(try await Self.publish(t, "2026Q2", bj, #"{"documentNumber":"人社鉴通〔2026〕3号"}"#).status == .forbidden)
            }
        }

        @Test func documentNumber_isUnique_keptByCorrections_andTheNarrativeIsTheMinistrys() async throws {
            try await withTestApp { t in
                let (admin, bj, _) = try await Bulletins.scenario(t)
                // Brackets typed on an ordinary keyboard are taken for 〔〕.
                let first = try t.object(
                    try await Self.publish(
                        t, "2026Q1", admin,
                        #"{"documentNumber":"人社鉴通[2026]5号","issuedOn":"2026-07-15","overview":"第一段。\n\n  第二段。  ","requirements":"限期整改。"}"#
                    ))
                let doc = try #require(first["document"] as? [String: Any])
                #expect(doc["documentNumber"] as? String == "人社鉴通〔2026〕5号")
                #expect(doc["issuedOn"] as? String == "2026-07-15")
                #expect(doc["overview"] as? String == "第一段。\n第二段。")
                #expect(doc["requirements"] as? String == "限期整改。")
                // 存在问题 left empty: drafted from the figures (Beijing's Q1 finding).
                #expect((doc["problems"] as? String)?.contains("北京市：") == true)

                // Another period cannot take the number.
                let taken = try await Self.publish(t, "2026Q2", admin, #"{"documentNumber":"人社鉴通〔2026〕5号"}"#)
                #expect(taken.status == .conflict)
                #expect(try t.error(taken).code == "document_number_taken")
                #expect(try await t.send(.GET, "/api/v1/bulletins/2026Q2").status == .notFound)

                // Without an overview the draft states the figures.
                let q2 = try t.object(try await Self.publish(t, "2026Q2", admin, #"{"documentNumber":"人社鉴通〔2026〕6号"}"#))
                let overview = try #require((q2["document"] as? [String: Any])?["overview"] as? String)
                #expect(overview.contains("2026年第二季度，应报送质量统计报表的单位共33个，按时报送1个，逾期报送1个，未报送31个。"))
                #expect(overview.contains("共有33个单位被通报问题41项"))

                // A correction keeps the number (given again or not), refuses another, and lists a rewritten section.
                let fixed = try await Self.publish(t, "2026Q2", admin, #"{"documentNumber":"人社鉴通〔2026〕7号"}"#)
                #expect(try t.error(fixed).details.first?["code"] as? String == "document_number_fixed")
                _ = try await t.send(
                    .PUT, "/api/v1/reports/2026Q2/110000", token: bj,
                    json: reportJSON(
                        national: 13, verifiedLocal: 3, unverifiedLocal: 1, overcharge: (2, 1), forgery: (1, 0),
                        due: "3000.00", paid: "3000.00"))
                #expect(try await t.send(.POST, "/api/v1/reports/2026Q2/110000/submit", token: bj).status == .ok)
                #expect(try await t.send(.POST, "/api/v1/reports/2026Q2/110000/accept", token: admin).status == .ok)
                let second = try t.object(
                    try await Self.publish(t, "2026Q2", admin, #"{"overview":"更正后的总体情况。"}"#))
                #expect(second["revision"] as? Int == 2)
                #expect((second["document"] as? [String: Any])?["documentNumber"] as? String == "人社鉴通〔2026〕6号")
                let changes = try #require(second["changes"] as? [[String: Any]])
                #expect(changes.contains { $0["unitName"] as? String == "总体情况" && $0["new"] as? String == "更正后的总体情况。" })
                #expect(changes.contains { $0["unitCode"] as? String == "110000" && $0["column"] as? Int == 1 })
                // Only the narrative changed: still a correction worth publishing.
                let third = try t.object(try await Self.publish(t, "2026Q2", admin, #"{"requirements":"新的整改要求。"}"#))
                #expect(third["revision"] as? Int == 3)
                #expect(
                    try t.error(try await Self.publish(t, "2026Q2", admin, #"{"requirements":"新的整改要求。"}"#)).code
                        == "no_changes")
                // The page shows the number and the sections; the public reads it.
                let page = try await t.send(.GET, "/bulletins/2026Q2")
                #expect(page.body.string.contains("人社鉴通〔2026〕6号"))
                #expect(page.body.string.contains("新的整改要求。"))
                #expect(page.body.string.contains("关于2026年第二季度职业技能鉴定质量情况的通报（更正，第3版）"))
            }
        }

        /// Q1: Beijing alone reported. Q2: Beijing 3 findings, Tianjin 7 (late), 31 units none.
        @Test func ranking_followsTheRule_withTheChangeAgainstLastQuarter() async throws {
            try await withTestApp { t in
                let (admin, _, _) = try await Bulletins.scenario(t)
                #expect(try await t.publish("2026Q1", token: admin).status == .ok)
                let q2 = try t.object(try await t.publish("2026Q2", token: admin))
                let rows = try #require(q2["rows"] as? [[String: Any]])
                let byCode = Dictionary(uniqueKeysWithValues: rows.map { ($0["unitCode"] as! String, $0) })
                #expect(byCode["110000"]?["rank"] as? Int == 1)
                #expect(byCode["120000"]?["rank"] as? Int == 2)
                #expect(rows.filter { $0["reported"] as? Bool == false }.allSatisfy { $0["rank"] as? Int == 3 })
                // Q1 ranks: Beijing 1, everyone else 2 (not reported).
                #expect(byCode["110000"]?["rankChange"] as? Int == 0)
                #expect(byCode["120000"]?["rankChange"] as? Int == 0)
                #expect(byCode["130000"]?["rankChange"] as? Int == -1)
                // The exports carry the ranks too.
                let csv = try await t.send(.GET, "/api/v1/bulletins/2026Q2.csv")
                let lines = String(decoding: Array(csv.body.readableBytesView).dropFirst(3), as: UTF8.self)
                    .components(separatedBy: "\r\n")
                #expect(lines[0].hasSuffix(",名次,名次变化"))
                #expect(lines[1].hasPrefix("110000,北京市,") && lines[1].hasSuffix(",1,0"))
                let page = try await t.send(.GET, "/bulletins/2026Q2").body.string
                #expect(page.contains(#"id="ranking""#))
                #expect(page.contains("<td>1</td><td>北京市</td>"))
            }
        }

        @Test func rectification_tasksFollowTheirStates_andOwnersOnly() async throws {
            try await withTestApp { t in
                let (admin, _, _) = try await Bulletins.scenario(t)
                #expect(try await t.publish("2026Q2", token: admin).status == .ok)
                let all = try t.array(try await t.send(.GET, "/api/v1/rectifications?period=2026Q2", token: admin))
                #expect(all.count == 41)
                #expect(all.allSatisfy { $0["dueOn"] as? String == "2026-10-15" && $0["status"] as? String == "open" })
                let bj = try await t.login("bj", "password-bj")
                let tj = try await t.login("tj", "password-tj")
                let mine = try t.array(try await t.send(.GET, "/api/v1/rectifications", token: bj))
                #expect(
                    Set(mine.compactMap { $0["code"] as? String }) == [
                        "unverified_local_standards", "overcharge_cases", "overcharge_uninvestigated",
                    ])
                #expect(mine.allSatisfy { $0["unitCode"] as? String == "110000" })
                // A unit reads and changes its own tasks only.
                #expect(try await t.send(.GET, "/api/v1/rectifications?unitCode=120000", token: bj).status == .forbidden)
                let task = try #require(mine.first { $0["code"] as? String == "overcharge_cases" }?["id"] as? String)
                let other = try await t.send(.POST, "/api/v1/rectifications/\(task)/done", token: tj, json: #"{"note":"已整改"}"#)
                #expect(other.status == .notFound)
                // A note is required; the ministry cannot mark done, nor accept before it is done.
                #expect(
                    try t.error(try await t.send(.POST, "/api/v1/rectifications/\(task)/done", token: bj, json: #"{"note":" "}"#))
                        .details.first?["field"] as? String == "note")
                #expect(
                    try await t.send(.POST, "/api/v1/rectifications/\(task)/done", token: admin, json: #"{"note":"已整改"}"#)
                        .status == .forbidden)
                #expect(
                    try t.error(try await t.send(.POST, "/api/v1/rectifications/\(task)/accept", token: admin)).code
                        == "wrong_state")
                #expect(try await t.send(.POST, "/api/v1/rectifications/not-a-uuid/accept", token: admin).status == .notFound)
                let unchanged = try t.array(try await t.send(.GET, "/api/v1/rectifications?status=open", token: bj))
                #expect(unchanged.count == 3)

                // done → accepted → reopened → done → accepted
                let done = try t.object(
                    try await t.send(.POST, "/api/v1/rectifications/\(task)/done", token: bj, json: #"{"note":"已退还多收费用并通报批评。"}"#))
                #expect(done["status"] as? String == "done" && done["note"] as? String == "已退还多收费用并通报批评。")
                #expect(
                    try t.error(
                        try await t.send(.POST, "/api/v1/rectifications/\(task)/done", token: bj, json: #"{"note":"再次"}"#)
                    )
                    .code == "wrong_state")
                #expect(
                    try t.object(try await t.send(.POST, "/api/v1/rectifications/\(task)/accept", token: admin))["status"]
                        as? String == "accepted")
                let reopened = try t.object(
                    try await t.send(.POST, "/api/v1/rectifications/\(task)/reopen", token: admin, json: #"{"note":"退费凭证不全"}"#))
                #expect(reopened["status"] as? String == "reopened" && reopened["decisionNote"] as? String == "退费凭证不全")
                #expect(
                    try await t.send(.POST, "/api/v1/rectifications/\(task)/reopen", token: bj, json: #"{"note":"x"}"#).status
                        == .forbidden)

                // Two tabs marking the reopened task done at once: one wins, the other is told.
                let results = try await withThrowingTaskGroup(of: UInt.self) { group in
                    for i in 0..<2 {
                        group.addTask {
                            try await t.send(
                                .POST, "/api/v1/rectifications/\(task)/done", token: bj, json: #"{"note":"补齐凭证 \#(i)"}"#
                            )
                            .status.code
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(results.sorted() == [200, 409])

                // The web page lists the unit's tasks with the form.
                let page = try await t.send(.GET, "/rectifications", headers: try await Self.web(t, "bj", "password-bj"))
                #expect(page.status == .ok)
                #expect(page.body.string.contains("超标准收费"))
                let filtered = try await t.send(
                    .GET, "/rectifications?status=done", headers: try await Self.web(t, "bj", "password-bj"))
                #expect(filtered.body.string.contains(#"<option value="done" selected>"#))
            }
        }

        @Test func nextBulletin_listsOverdueAndReopenedTasks_perUnit() async throws {
            try await withTestApp { t in
                let (admin, _, _) = try await Bulletins.scenario(t)
                #expect(try await t.publish("2026Q2", token: admin).status == .ok)
                let bj = try await t.login("bj", "password-bj")
                let mine = try t.array(try await t.send(.GET, "/api/v1/rectifications", token: bj))
                func id(_ code: String) -> String { mine.first { $0["code"] as? String == code }!["id"] as! String }
                // One done and accepted, one done awaiting review, one left open.
                _ = try await t.send(
                    .POST, "/api/v1/rectifications/\(id("overcharge_cases"))/done", token: bj, json: #"{"note":"已退费"}"#)
                _ = try await t.send(.POST, "/api/v1/rectifications/\(id("overcharge_cases"))/accept", token: admin)
                _ = try await t.send(
                    .POST, "/api/v1/rectifications/\(id("overcharge_uninvestigated"))/done", token: bj, json: #"{"note":"已立案"}"#)
                // Before the due day nothing is overdue.
                t.clock.set(beijing("2026-10-15T20:00:00"))
                var admin2 = try await t.admin()
                var draft = try Bulletins.bulletin(try await t.send(.GET, "/api/v1/bulletins/2026Q3", token: admin2))
                #expect(draft.rows.allSatisfy { $0.rectifications.isEmpty })
                // After it: Beijing's open task, and every missing unit's.
                t.clock.set(beijing("2026-10-16T09:00:00"))
                admin2 = try await t.admin()
                draft = try Bulletins.bulletin(try await t.send(.GET, "/api/v1/bulletins/2026Q3", token: admin2))
                let bjRow = try #require(draft.rows.first { $0.unitCode == "110000" })
                #expect(bjRow.rectifications.map(\.code) == ["unverified_local_standards"])
                #expect(bjRow.rectifications.first?.overdue == true && bjRow.rectifications.first?.period == "2026Q2")
                #expect(draft.rows.first { $0.unitCode == "130000" }?.rectifications.map(\.code) == ["report_missing"])
                // A reopened task is listed whether or not it is late.
                _ = try await t.send(
                    .POST, "/api/v1/rectifications/\(id("overcharge_uninvestigated"))/reopen", token: admin2,
                    json: #"{"note":"未见处理决定"}"#)
                draft = try Bulletins.bulletin(try await t.send(.GET, "/api/v1/bulletins/2026Q3", token: admin2))
                #expect(
                    Set(draft.rows.first { $0.unitCode == "110000" }!.rectifications.map(\.status)) == ["open", "reopened"])
                let page = try await t.send(.GET, "/bulletins/2026Q3", headers: try await Self.web(t, "admin", adminPassword))
                #expect(page.body.string.contains(#"id="outstanding""#))
            }
        }

        @Test func correction_withdrawsTheTaskOfAFindingItDropped() async throws {
            try await withTestApp { t in
                let (admin, bj, _) = try await Bulletins.scenario(t)
                #expect(try await t.publish("2026Q2", token: admin).status == .ok)
                _ = try await t.send(
                    .PUT, "/api/v1/reports/2026Q2/110000", token: bj,
                    json: reportJSON(
                        national: 12, verifiedLocal: 3, unverifiedLocal: 0, overcharge: (2, 1), forgery: (1, 0), due: "3000.00",
                        paid: "3000.00"))
                #expect(try await t.send(.POST, "/api/v1/reports/2026Q2/110000/submit", token: bj).status == .ok)
                #expect(try await t.send(.POST, "/api/v1/reports/2026Q2/110000/accept", token: admin).status == .ok)
                #expect(try await t.publish("2026Q2", token: admin).status == .ok)
                let tasks = try t.array(try await t.send(.GET, "/api/v1/rectifications?unitCode=110000", token: admin))
                #expect(
                    tasks.first { $0["code"] as? String == "unverified_local_standards" }?["status"] as? String == "withdrawn")
                #expect(tasks.filter { $0["status"] as? String == "open" }.count == 2)
            }
        }
        /// The PDF through HTTP: public once published, the same bytes from the cache, every unit
        /// and the 文号 in its text, A4 pages both ways; the page shows the three pictures.
        @Test func pdf_andPictures_throughHTTP() async throws {
            try await withTestApp { t in
                let (admin, _, _) = try await Bulletins.scenario(t)
                #expect(try await t.send(.GET, "/api/v1/bulletins/2026Q2.pdf").status == .notFound)
                // The ministry's draft prints too, marked as such.
                let draft = try await t.send(.GET, "/api/v1/bulletins/2026Q2.pdf", token: admin)
                #expect(draft.status == .ok && draft.headers.contentType == HTTPMediaType(type: "application", subType: "pdf"))
                #expect(try await t.publish("2026Q2", token: admin).status == .ok)
                let res = try await t.send(.GET, "/api/v1/bulletins/2026Q2.pdf")
                #expect(res.status == .ok)
                let bytes = Data(res.body.readableBytesView)
                #expect(bytes.starts(with: Data("%PDF-".utf8)))
                let again = try await t.send(.GET, "/bulletins/2026Q2.pdf")
                #expect(Data(again.body.readableBytesView) == bytes)
                if ["pdfinfo", "pdffonts", "pdftotext"].allSatisfy({
                    FileManager.default.isExecutableFile(atPath: "/usr/bin/\($0)")
                }) {
                    let r = try BulletinPDFTests.read(bytes)
                    #expect(r.pageSizes.first?.hasPrefix("595.28 x 841.89 pts") == true)
                    #expect(r.pageSizes.contains { $0.hasPrefix("841.89 x 595.28 pts") })
                    #expect(r.fonts.allSatisfy { $0.embedded == "yes" })
                    #expect(r.squeezed.contains(t.documentNumber("2026Q2")))
                    for (_, name, _) in Regions.all { #expect(r.squeezed.contains(name), "\(name)") }
                    #expect(r.squeezed.contains("机械工业"))
                }
                let page = try await t.send(.GET, "/bulletins/2026Q2").body.string
                for id in ["tile-map", "small-multiples", "timeliness"] {
                    #expect(page.contains(#"id="\#(id)"><svg"#), "\(id)")
                }
                #expect(page.components(separatedBy: #"<g class="tile""#).count - 1 == 33)
                #expect(page.contains(#"id="pdf-link""#))
            }
        }
    }
}
