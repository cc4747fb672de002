import CertificateKit
import Domain
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@testable import App

extension AppTests {
    /// `zhijian demo-data`, small (40 sessions a station), read back through the API a newcomer uses.
    @Suite struct DemoData {
        static let options = App.DemoData.Options(scale: 1, seed: 7, sessionsPerStation: 40)

        static func generate(_ t: TestApp) async throws -> App.DemoData.Summary {
            let outcome = try await App.DemoData.generate(t.app, options)
            guard case .made(let s) = outcome else { throw Abort(.internalServerError, reason: "demo data refused: \(outcome)") }
            return s
        }

        @Test func demoData_small_showsEveryPartThroughTheAPI() async throws {
            try await withTestApp { t in
                // setup
                let s = try await Self.generate(t)
                let admin = try await t.admin()
                let periods = s.periods.map(\.description)
                let missing = try #require(s.missing)
                let corrected = try #require(s.corrected)

                // act, check: eight published bulletins, one of them with a correction (revision 2)
                let list = try #require(try t.json(try await t.send(.GET, "/api/v1/bulletins")) as? [[String: Any]])
                #expect(list.compactMap { $0["period"] as? String } == periods.reversed())
                for entry in list {
                    let revisions = try #require(entry["revisions"] as? [[String: Any]])
                    #expect(revisions.count == (entry["period"] as? String == corrected.period.description ? 2 : 1))
                }
                var late = 0
                var findings = 0
                for p in s.periods {
                    let res = try await t.send(.GET, "/api/v1/bulletins/\(p)")
                    #expect(res.status == .ok)
                    let b = try AppTests.Bulletins.bulletin(res)
                    #expect(b.status == "published")
                    #expect(b.rows.count == 44)
                    #expect(b.missing == (p == missing.period ? [missing.unit] : []))
                    late += b.rows.filter(\.late).count
                    findings += b.rows.filter { !$0.findings.filter { $0.code != "report_late" }.isEmpty }.count
                    if p == corrected.period {
                        #expect(b.revision == 2 && !b.changes.isEmpty)
                        #expect(b.changes.contains { $0.unitCode == corrected.unit && $0.column == 1 })
                    }
                }
                #expect(late > 0)
                #expect(findings > 0)

                // stations are licensed; the ministry finds one to rectify and one revoked, which the public list leaves out
                let stations = try t.array(try await t.send(.GET, "/api/v1/stations", token: admin))
                #expect(stations.count == s.stations && stations.allSatisfy { ($0["licenceNo"] as? String)?.isEmpty == false })
                let revokedStations = stations.filter { $0["licenceState"] as? String == "revoked" }.compactMap {
                    $0["code"] as? String
                }
                #expect(revokedStations.count == 1)
                #expect(
                    stations.filter { ($0["latestInspection"] as? [String: Any])?["outcome"] as? String == "rectification" }.count
                        == 1)
                let listed = try t.object(try await t.send(.GET, "/api/v1/public/stations?per=100"))
                #expect(listed["total"] as? Int == s.stations - 1)
                #expect(
                    try t.object(try await t.send(.GET, "/api/v1/public/stations?q=\(revokedStations.first ?? "")"))["total"]
                        as? Int == 0
                )

                // a unit's login reads its own reports, not another unit's
                let beijing = try #require(s.users.first { $0.username == "110000" })
                #expect(beijing.role == .unit && beijing.unit == "110000" && s.users.count == 48)
                let bj = try await t.login(beijing.username, beijing.password)
                for p in periods {
                    let r = try t.object(try await t.send(.GET, "/api/v1/reports/\(p)/110000", token: bj))
                    #expect(r["status"] as? String == "accepted")
                    #expect((r["cells"] as? [Any])?.count == 28)
                }
                #expect(try await t.send(.GET, "/api/v1/reports/\(periods[7])/120000", token: bj).status == .forbidden)
                let history = try #require(
                    try t.json(try await t.send(.GET, "/api/v1/reports/\(periods[0])/110000/history", token: bj))
                        as? [[String: Any]])
                #expect(history.map { $0["action"] as? String }.contains("create"))
                #expect(history.last?["new"] as? String == "accepted")
                let supervisor = try #require(s.users.first { $0.role == .supervisor })
                let sv = try await t.login(supervisor.username, supervisor.password)
                #expect(try await t.send(.GET, "/api/v1/reports/\(periods[7])/\(supervisor.unit)", token: sv).status == .ok)
                // Supervision: the login acts for its register entry, which filed a report that opened a
                // case; a planned session shows a draw with its seed; column 15 comes from reports.
                #expect(try t.object(try await t.send(.GET, "/api/v1/auth/me", token: sv))["supervisorId"] as? String != nil)
                let filed = try t.array(try await t.send(.GET, "/api/v1/supervision-reports", token: sv))
                #expect(filed.contains { $0["complaintId"] as? String != nil && $0["sessionId"] as? String != nil })
                #expect(try await SupervisionDraw.query(on: t.app.db).count() == 1)
                let derivedUnits = try #require(
                    try t.object(try await t.send(.GET, "/api/v1/derived/\(periods[7])", token: admin))["units"] as? [String: Any]
                )
                #expect(derivedUnits.values.filter { ($0 as? [String: Any])?["supervision"] as? Bool == true }.count > 20)
                let correction = try #require(
                    try t.json(
                        try await t.send(
                            .GET, "/api/v1/reports/\(corrected.period)/\(corrected.unit)/history", token: admin))
                        as? [[String: Any]])
                #expect(correction.contains { $0["action"] as? String == "correct" && $0["revision"] as? Int == 2 })

                // complaints in every state, some overdue, one transferred, one reopened, a receipt that opens its case
                let cases = try #require(
                    try t.json(try await t.send(.GET, "/api/v1/complaints", token: admin)) as? [[String: Any]])
                #expect(Set(cases.compactMap { $0["status"] as? String }) == Set(ComplaintStatus.allCases.map(\.rawValue)))
                #expect(cases.contains { $0["overdue"] as? Bool == true })
                let mine = try #require(try t.json(try await t.send(.GET, "/api/v1/complaints", token: bj)) as? [[String: Any]])
                var notes: [String] = []
                for c in mine {
                    let detail = try t.object(try await t.send(.GET, "/api/v1/complaints/\(c["id"] as? String ?? "")", token: bj))
                    notes += (detail["updates"] as? [[String: Any]] ?? []).compactMap { $0["note"] as? String }
                }
                #expect(notes.contains { $0.hasPrefix("重新启用") })
                #expect(mine.contains { $0["status"] as? String == "transferred" })
                for receipt in s.receipts {
                    #expect(try await t.send(.GET, "/api/v1/complaints/receipt/\(receipt)").status == .ok)
                }

                // certificates: valid ID numbers; issued ones verify, revoked ones say so, a voided blank is not found
                let certificates = try await Certificate.query(on: t.app.db).all()
                #expect(certificates.compactMap(\.idNumber).allSatisfy { IDNumber.problem($0) == nil })
                // Every certificate has its pass and its number, but for the few deliberate breaches.
                let used = certificates.filter { $0.status != .voided }
                #expect(used.allSatisfy { $0.certificateNumber.map(CertificateNumber.isWellFormed) == true })
                let unbacked = used.filter { $0.resultID == nil }
                #expect((1...3).contains(unbacked.count), "\(unbacked.count) certificates without a pass")
                let passes = try await ExamResult.query(on: t.app.db).filter(\.$passed == true).count()
                #expect(passes == used.count - unbacked.count)
                #expect(try await IssuanceRefusal.query(on: t.app.db).count() > 0)
                let issued = try #require(certificates.first { $0.status == .issued })
                let revoked = try #require(certificates.first { $0.status == .revoked })
                let voided = try #require(certificates.first { $0.status == .voided })
                func verify(_ query: String) async throws -> [String: Any] {
                    try t.object(try await t.send(.GET, "/api/v1/verify?" + query))
                }
                let name = issued.holderName!.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!
                #expect(try await verify("serial=\(issued.serial)&name=\(name)")["result"] as? String == "valid")
                #expect(
                    try await verify("serial=\(revoked.serial)&idNumber=\(revoked.idNumber!)")["result"] as? String == "revoked")
                #expect(
                    try await verify("serial=\(voided.serial)&idNumber=110101199001011237")["result"] as? String == "not_found")
                let signed = try await verify("token=\(issued.token!)")
                #expect(signed["result"] as? String == "valid" && signed["signatureValid"] as? Bool == true)

                // the registers agree with the reports, except the few made to disagree
                var disagree: Set<String> = []
                var compared = 0
                let units = try #require(try t.json(try await t.send(.GET, "/api/v1/units")) as? [[String: Any]]).compactMap {
                    $0["code"] as? String
                }
                for p in periods {
                    for unit in units where !(p == missing.period.description && unit == missing.unit) {
                        let d = try t.object(try await t.send(.GET, "/api/v1/reports/\(p)/\(unit)/derived", token: admin))
                        compared += 1
                        if !((d["discrepancies"] as? [Any]) ?? []).isEmpty { disagree.insert("\(p)/\(unit)") }
                    }
                }
                #expect(compared == 8 * 44 - 1)
                #expect((2...4).contains(disagree.count))
                #expect(disagree == Set(s.discrepancies.map { "\($0.period)/\($0.unit)" }))

                // a second run leaves the database alone
                guard case .refused = try await App.DemoData.generate(t.app, Self.options) else {
                    Issue.record("a second run must refuse")
                    return
                }
            }
        }

        /// The same seed on the same day gives the same data: here, the same published bulletins.
        @Test func demoData_sameSeed_sameBulletins() async throws {
            var bodies: [[String]] = []
            for _ in 0..<2 {
                try await withTestApp { t in
                    _ = try await Self.generate(t)
                    bodies.append(try await BulletinModel.query(on: t.app.db).sort(\.$period).sort(\.$revision).all().map(\.body))
                }
            }
            #expect(bodies[0].count == 9)
            #expect(bodies[0] == bodies[1])
        }
    }
}
