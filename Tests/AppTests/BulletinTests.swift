import Domain
import Foundation
import Testing
import Vapor
import VaporTesting

@testable import App

extension AppTests {
    @Suite struct Bulletins {
        /// Beijing reports Q1 and Q2 on time; Tianjin reports Q2 only, late; an industry and the
        /// other 30 regions do not report. Every figure below is computed by hand.
        static func scenario(_ t: TestApp) async throws -> (admin: String, bj: String, tj: String) {
            t.clock.set(beijing("2026-04-10T10:00:00"))
            var admin = try await t.admin()
            #expect(
                try await t.send(.POST, "/api/v1/units", token: admin, json: #"{"code":"I001","name":"机械工业","kind":"industry"}"#)
                    .status == .created)
            var bj = try await t.user("bj", role: "unit", unit: "110000")
            _ = try await t.user("tj", role: "unit", unit: "120000")
            #expect(
                try await t.send(
                    .PUT, "/api/v1/reports/2026Q1/110000", token: bj, json: reportJSON(due: "1000.00", paid: "500.00")
                ).status == .ok)
            #expect(try await t.send(.POST, "/api/v1/reports/2026Q1/110000/submit", token: bj).status == .ok)
            #expect(try await t.send(.POST, "/api/v1/reports/2026Q1/110000/accept", token: admin).status == .ok)
            t.clock.set(beijing("2026-07-10T10:00:00"))
            bj = try await t.login("bj", "password-bj")
            #expect(
                try await t.send(
                    .PUT, "/api/v1/reports/2026Q2/110000", token: bj,
                    json: reportJSON(
                        national: 12, verifiedLocal: 3, unverifiedLocal: 1, overcharge: (2, 1), forgery: (1, 0),
                        due: "3000.00", paid: "3000.00")
                ).status == .ok)
            #expect(try await t.send(.POST, "/api/v1/reports/2026Q2/110000/submit", token: bj).status == .ok)
            t.clock.set(beijing("2026-07-20T10:00:00"))
            bj = try await t.login("bj", "password-bj")
            let tj = try await t.login("tj", "password-tj")
            admin = try await t.admin()
            #expect(
                try await t.send(
                    .PUT, "/api/v1/reports/2026Q2/120000", token: tj,
                    json: reportJSON(
                        national: 5, verifiedLocal: 0, unverifiedLocal: 0, banksNational: 4, certifiedLocal: 0,
                        uncertifiedLocal: 1,
                        feeStandard: false, crossRegion: true, supervision: false, violations: (1, 2),
                        due: "1000.00", paid: "0.00")
                ).status == .ok)
            #expect(try await t.send(.POST, "/api/v1/reports/2026Q2/120000/submit", token: tj).status == .ok)
            #expect(try await t.send(.POST, "/api/v1/reports/2026Q2/110000/accept", token: admin).status == .ok)
            #expect(try await t.send(.POST, "/api/v1/reports/2026Q2/120000/accept", token: admin).status == .ok)
            return (admin, bj, tj)
        }

        /// Cells as printed: counts, √ or "" for ticks, ratios with one decimal, "null" for blank.
        static func cells(_ cells: [Cell?]) -> [String] {
            cells.map { c -> String in
                switch c {
                case nil, .percent(nil)?: "null"
                case .count(let n)?: "\(n)"
                case .tick(let b)?: b ? "√" : ""
                case .percent(let r?)?: r.description
                }
            }
        }

        static func bulletin(_ res: TestingHTTPResponse) throws -> Bulletin {
            let d = JSONDecoder()
            d.dateDecodingStrategy = .iso8601
            return try d.decode(Bulletin.self, from: Data(res.body.readableBytesView))
        }

        @Test func draft_cellsTotalsRatiosMissingAndFindings_byHand() async throws {
            try await withTestApp { t in
                let (admin, _, _) = try await Self.scenario(t)
                let draft = try await t.send(.GET, "/api/v1/bulletins/2026Q2", token: admin)
                let b = try t.object(draft)
                let typed = try Self.bulletin(draft)
                #expect(b["status"] as? String == "draft")
                #expect(b["revision"] as? Int == 1)
                let columns = try #require(b["columns"] as? [[String: Any]])
                #expect(columns.count == 28)
                #expect(columns[0]["path"] as? [String] == ["国家职业标准执行情况", "使用国家标准的职业(工种)数量(个)"])
                #expect(columns[27]["number"] as? Int == 28)
                let rows = try #require(b["rows"] as? [[String: Any]])
                #expect(rows.count == 33)
                #expect(rows.last?["unitCode"] as? String == "I001")
                let bj = rows[0]
                let tj = rows[1]
                #expect(
                    Self.cells(typed.rows[0].cells) == [
                        "12", "3", "1", "10", "2", "0", "√", "", "3", "2", "1", "", "", "√", "√", "", "0", "0", "0", "√",
                        "1", "1", "0", "", "50.0", "100.0", "null", "null",
                    ])
                #expect(
                    Self.cells(typed.rows[1].cells) == [
                        "5", "0", "0", "4", "0", "1", "", "√", "0", "0", "0", "√", "√", "", "", "√", "3", "1", "2", "",
                        "0", "0", "0", "√", "null", "0.0", "null", "null",
                    ])
                #expect(bj["late"] as? Bool == false && tj["late"] as? Bool == true)
                #expect(
                    Self.cells(typed.total.cells) == [
                        "17", "3", "1", "14", "2", "1", "1", "1", "3", "2", "1", "1", "1", "1", "1", "1", "3", "1", "2", "1",
                        "1", "1", "0", "1", "50.0", "75.0", "null", "null",
                    ])
                let missing = try #require(b["missing"] as? [String])
                #expect(missing.count == 31)
                #expect(!missing.contains("110000") && !missing.contains("120000") && missing.contains("I001"))
                #expect(rows[2]["reported"] as? Bool == false)
                #expect((rows[2]["findings"] as? [[String: Any]])?.first?["code"] as? String == "report_missing")
                let bjCodes = (bj["findings"] as? [[String: Any]])?.compactMap { $0["code"] as? String }
                #expect(bjCodes == ["unverified_local_standards", "overcharge_cases", "overcharge_uninvestigated"])
                let tjCodes = (tj["findings"] as? [[String: Any]])?.compactMap { $0["code"] as? String }
                #expect(
                    tjCodes == [
                        "uncertified_local_banks", "no_fee_standard", "cross_region", "no_supervision",
                        "violations_uninvestigated", "payment_below_threshold", "report_late",
                    ])
                // Change against the previous quarter (Beijing's Q1 report had no unverified standards or cases).
                let change = try #require(bj["change"] as? [Any])
                #expect(change[0] as? Int == 0 && change[2] as? Int == 1 && change[8] as? Int == 3 && change[20] as? Int == 1)
                #expect(change[6] is NSNull)
                #expect((tj["change"] as? [Any])?.allSatisfy { $0 is NSNull } == true)
            }
        }

        @Test func publication_isPublic_immutable_andCorrectionsMakeANewRevision() async throws {
            try await withTestApp { t in
                let (admin, bj, _) = try await Self.scenario(t)
                #expect(try await t.send(.GET, "/api/v1/bulletins/2026Q2").status == .notFound)
                #expect(try await t.send(.GET, "/api/v1/bulletins/2026Q2", token: bj).status == .notFound)
                #expect(try await t.send(.POST, "/api/v1/bulletins/2026Q2/publish").status == .unauthorized)
                let published = try t.object(try await t.publish("2026Q2", token: admin))
                #expect(published["status"] as? String == "published")
                #expect(published["revision"] as? Int == 1)
                let again = try await t.publish("2026Q2", token: admin)
                #expect(again.status == .conflict)
                #expect(try t.error(again).code == "no_changes")
                let pub = try t.object(try await t.send(.GET, "/api/v1/bulletins/2026Q2"))
                #expect(pub["status"] as? String == "published")

                // A correction is a new revision; the published bulletin does not change by itself.
                let corrected = try t.object(
                    try await t.send(
                        .PUT, "/api/v1/reports/2026Q2/110000", token: bj,
                        json: reportJSON(
                            national: 13, verifiedLocal: 3, unverifiedLocal: 1, overcharge: (2, 1), forgery: (1, 0),
                            due: "3000.00", paid: "3000.00")))
                #expect(corrected["revision"] as? Int == 2)
                #expect(corrected["status"] as? String == "draft")
                let stillOld = try Self.bulletin(try await t.send(.GET, "/api/v1/bulletins/2026Q2"))
                #expect(Self.cells(stillOld.rows[0].cells)[0] == "12")
                #expect(
                    try t.error(try await t.publish("2026Q2", token: admin)).code == "no_changes")
                #expect(try await t.send(.POST, "/api/v1/reports/2026Q2/110000/submit", token: bj).status == .ok)
                let pending = try await t.publish("2026Q2", token: admin)
                #expect(try t.error(pending).code == "reports_pending_review")
                #expect(try await t.send(.POST, "/api/v1/reports/2026Q2/110000/accept", token: admin).status == .ok)
                let second = try t.object(try await t.publish("2026Q2", token: admin))
                #expect(second["revision"] as? Int == 2)
                let changes = try #require(second["changes"] as? [[String: Any]])
                #expect(
                    changes.contains {
                        $0["unitCode"] as? String == "110000" && $0["column"] as? Int == 1 && $0["old"] as? String == "12"
                            && $0["new"] as? String == "13"
                    })
                #expect(
                    changes.contains {
                        $0["unitName"] as? String == "合计" && $0["column"] as? Int == 1 && $0["new"] as? String == "18"
                    })
                #expect(changes.count == 2)

                let list = try #require(try t.json(try await t.send(.GET, "/api/v1/bulletins")) as? [[String: Any]])
                #expect(list.count == 1)
                #expect((list[0]["revisions"] as? [[String: Any]])?.compactMap { $0["revision"] as? Int } == [1, 2])
                let first = try Self.bulletin(try await t.send(.GET, "/api/v1/bulletins/2026Q2?revision=1"))
                #expect(Self.cells(first.rows[0].cells)[0] == "12")
                #expect(try await t.send(.GET, "/api/v1/bulletins/2026Q2?revision=9").status == .notFound)
            }
        }

        /// Two server processes on one database: a revision published through one is what the other
        /// serves at once (their caches are keyed by the immutable revision, looked up per request).
        @Test func republished_throughOneProcess_isServedByAnother() async throws {
            try await withTestApp { t in
                let (admin, bj, _) = try await Self.scenario(t)
                let other = try await Application.make(.testing)
                other.logger.logLevel = .warning
                try await configure(other, config: t.app.config)
                do {
                    let b = TestApp(app: other, clock: t.clock)
                    #expect(try await t.publish("2026Q2", token: admin).status == .ok)
                    let first = try Self.bulletin(try await b.send(.GET, "/api/v1/bulletins/2026Q2"))
                    #expect(first.revision == 1)
                    _ = try await t.send(
                        .PUT, "/api/v1/reports/2026Q2/110000", token: bj,
                        json: reportJSON(
                            national: 13, verifiedLocal: 3, unverifiedLocal: 1, overcharge: (2, 1), forgery: (1, 0),
                            due: "3000.00", paid: "3000.00"))
                    #expect(try await t.send(.POST, "/api/v1/reports/2026Q2/110000/submit", token: bj).status == .ok)
                    #expect(try await t.send(.POST, "/api/v1/reports/2026Q2/110000/accept", token: admin).status == .ok)
                    #expect(try await t.publish("2026Q2", token: admin).status == .ok)
                    let second = try Self.bulletin(try await b.send(.GET, "/api/v1/bulletins/2026Q2"))
                    #expect(second.revision == 2 && Self.cells(second.rows[0].cells)[0] == "13")
                    let csv = try await b.send(.GET, "/api/v1/bulletins/2026Q2.csv")
                    #expect(csv.body.string.contains("13"))
                } catch {
                    try? await other.asyncShutdown()
                    throw error
                }
                try await other.asyncShutdown()
            }
        }

        @Test func publish_refusedBeforeTheQuarterEnds() async throws {
            try await withTestApp { t in
                let admin = try await t.admin()
                let res = try await t.publish("2026Q2", token: admin)
                #expect(res.status == .conflict)
                #expect(try t.error(res).code == "period_not_ended")
                #expect(try await t.send(.GET, "/api/v1/bulletins/2026q2", token: admin).status == .badRequest)
            }
        }

        @Test func csv_isUTF8WithBOM_ticksAsCheckMarks_andTotals() async throws {
            try await withTestApp { t in
                let (admin, _, _) = try await Self.scenario(t)
                let res = try await t.send(.GET, "/api/v1/bulletins/2026Q2.csv", token: admin)
                #expect(res.status == .ok)
                #expect(res.headers.contentType?.subType == "csv")
                let bytes = Array(res.body.readableBytesView)
                #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
                let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
                let lines = text.components(separatedBy: "\r\n")
                try #require(lines.count == 36, "\(lines.count) lines")
                #expect(lines[0].hasPrefix("代码,地区、行业,1 国家职业标准执行情况›使用国家标准的职业(工种)数量(个),"))
                #expect(lines[0].contains(",9 职业技能鉴定管理情况›鉴定收费情况›是否有超标准收费情况›有,10 职业技能鉴定管理情况›鉴定收费情况›是否有超标准收费情况›有›已查处,"))
                #expect(
                    lines[1]
                        == "110000,北京市,12,3,1,10,2,0,√,,3,2,1,,,√,√,,0,0,0,√,1,1,0,,50.0,100.0,,,已报,使用未经部论证的地方(行业)标准1个；有超标准收费3起；超标准收费未查处1起,1,"
                )
                #expect(lines[2].hasPrefix("120000,天津市,5,0,0,4,0,1,,√,0,0,0,√,√,,,√,3,1,2,,0,0,0,√,—,0.0,,,迟报,"))
                #expect(lines[3].hasPrefix("130000,河北省," + String(repeating: ",", count: 27) + ",未报,"))
                #expect(lines[34] == ",合计,17,3,1,14,2,1,1,1,3,2,1,1,1,1,1,1,3,1,2,1,1,1,0,1,50.0,75.0,,,,,,")
                #expect(lines.count == 36 && lines[35].isEmpty)
                #expect(try await t.send(.GET, "/api/v1/bulletins/2026Q2.csv").status == .notFound)
            }
        }

        @Test func xlsx_hasTheMergedHeader_readByOpenpyxl() async throws {
            try await withTestApp { t in
                let (admin, _, _) = try await Self.scenario(t)
                let res = try await t.send(.GET, "/api/v1/bulletins/2026Q2.xlsx", token: admin)
                #expect(res.status == .ok)
                let file = FileManager.default.temporaryDirectory.appendingPathComponent("zj-test-\(UUID().uuidString).xlsx")
                try Data(res.body.readableBytesView).write(to: file)
                defer { try? FileManager.default.removeItem(at: file) }
                let (status, text) = try runPythonCheck("check_xlsx.py", [file.path])
                #expect(status == 0, "\(text)")
                #expect(text.contains("xlsx ok"))
            }
        }
    }
}
