import CertificateKit
import Domain
import Foundation
import Testing
import Vapor
import VaporTesting

@testable import App

extension AppTests {
    @Suite struct Registers {
        struct Setup {
            let admin: String
            let bj: String
            let tj: String
            let supervisor: String
        }

        /// A station's licence fields, valid until 2030 (inside a JSON object).
        static let licence =
            #""licenceNo":"鉴许字（2024）001号","licenceExpires":"2030-12-31","address":"测试市测试路1号","personInCharge":"张站长""#
        static let licenceForm =
            "licenceNo=L-2024-9&licenceExpires=2030-12-31&address=%E5%8C%97%E4%BA%AC&personInCharge=%E7%8E%8B"

        static func setup(_ t: TestApp) async throws -> Setup {
            let admin = try await t.admin()
            let bj = try await t.user("bj", role: "unit", unit: "110000")
            let tj = try await t.user("tj", role: "unit", unit: "120000")
            for (code, name) in [("6-07-06-01", "电工"), ("6-18-02-04", "焊工"), ("6-18-01-01", "车工")] {
                #expect(
                    try await t.send(.POST, "/api/v1/occupations", token: admin, json: #"{"code":"\#(code)","name":"\#(name)"}"#)
                        .status == .created)
            }
            #expect(
                try await t.send(
                    .POST, "/api/v1/stations", token: bj,
                    json: #"""
                        {"code":"BJ-01","name":"北京第一鉴定站","unitCode":"110000","regionCode":"110000",\#(Self.licence),
                         "scope":[{"occupation":"6-07-06-01","maxLevel":"3"},{"occupation":"6-18-02-04","maxLevel":"5"}]}
                        """#
                ).status == .created)
            #expect(
                try await t.send(
                    .POST, "/api/v1/stations", token: tj,
                    json: #"""
                        {"code":"TJ-01","name":"天津鉴定站","unitCode":"120000","regionCode":"120000",\#(Self.licence),"scope":[{"occupation":"6-07-06-01","maxLevel":"5"}]}
                        """#
                ).status == .created)
            #expect(
                try await t.send(
                    .POST, "/api/v1/fee-standards", token: bj,
                    json: #"{"unitCode":"110000","level":"5","feeYuan":"100.00","document":"京价费〔2003〕1号"}"#
                ).status == .created)
            #expect(
                try await t.send(
                    .POST, "/api/v1/fee-standards", token: bj,
                    json: #"{"unitCode":"110000","level":"3","feeYuan":"200","document":"京价费〔2003〕1号"}"#
                ).status == .created)
            // The ministry keeps the supervisor register (issue 11).
            let sup = try t.object(
                try await t.send(
                    .POST, "/api/v1/supervisors", token: admin,
                    json:
                        #"{"unitCode":"110000","name":"王督导","licenceNo":"DD-110-0001","validUntil":"2027-12-31","occupations":["6-07-06-01"]}"#
                ))
            return Setup(admin: admin, bj: bj, tj: tj, supervisor: try #require(sup["id"] as? String))
        }

        static func session(
            station: String = "BJ-01", occupation: String = "6-07-06-01", level: String = "4", date: String,
            region: String = "110000", standard: String = "national", bank: String = "national",
            bankCode: String = "B1", candidates: Int = 30, passed: Int = 20, fee: String = "100.00",
            supervisor: String? = nil
        ) -> String {
            let s = supervisor.map { "\"\($0)\"" } ?? "null"
            return
                #"{"stationCode":"\#(station)","occupation":"\#(occupation)","level":"\#(level)","date":"\#(date)","regionCode":"\#(region)","standardKind":"\#(standard)","bankKind":"\#(bank)","bankCode":"\#(bankCode)","candidates":\#(candidates),"passed":\#(passed),"feeYuan":"\#(fee)","supervisorId":\#(s)}"#
        }

        /// Column 14 and columns 9–11 are counted in SQL over all units at once; the rules are stated
        /// once in Domain (`ExamSessions.breaches`, `isOvercharged`). The two agree on every session.
        @Test func derivation_inSQL_agreesWithTheDomainRules() async throws {
            try await withTestApp(now: beijing("2026-07-20T10:00:00")) { t in
                let s = try await Self.setup(t)
                let sessions = [
                    Self.session(level: "4", date: "2026-04-01"),  // fine
                    Self.session(level: "5", date: "2026-04-02", fee: "100.01"),  // overcharged (standard 100)
                    Self.session(level: "3", date: "2026-04-03", fee: "200.00"),  // at the standard
                    Self.session(level: "2", date: "2026-04-04"),  // above the station's level
                    Self.session(occupation: "6-18-01-01", level: "5", date: "2026-04-05"),  // out of scope
                    Self.session(station: "TJ-01", level: "5", date: "2026-04-06", region: "110000"),  // TJ's station in Beijing
                    Self.session(level: "4", date: "2026-04-07", fee: "999"),  // level 4: no standard
                ]
                for (i, body) in sessions.enumerated() {
                    let token = body.contains("TJ-01") ? s.tj : s.bj
                    #expect(try await t.send(.POST, "/api/v1/sessions", token: token, json: body).status == .created, "\(i)")
                }
                // What the Domain rules say, from what the API shows.
                let stations = try t.array(try await t.send(.GET, "/api/v1/stations", token: s.admin))
                let facts = Dictionary(
                    uniqueKeysWithValues: stations.map { st in
                        (
                            st["code"] as! String,
                            ExamSessions.StationFacts(
                                unitCode: st["unitCode"] as! String, status: .active, regionCode: st["regionCode"] as! String,
                                scope: (st["scope"] as! [[String: Any]]).map {
                                    .init(
                                        occupation: $0["occupation"] as! String,
                                        maxLevel: Level(rawValue: $0["maxLevel"] as! String)!)
                                })
                        )
                    })
                let fees = try t.array(try await t.send(.GET, "/api/v1/fee-standards", token: s.admin)).filter {
                    $0["active"] as? Bool == true
                }
                var expectedBreach: [String: Bool] = [:]
                var expectedOvercharge: [String: Int] = [:]
                for row in try t.array(try await t.send(.GET, "/api/v1/sessions?period=2026Q2", token: s.admin)) {
                    let unit = row["unitCode"] as! String
                    let level = Level(rawValue: row["level"] as! String)!
                    let breaches = ExamSessions.breaches(
                        regionCode: row["regionCode"] as! String, occupation: row["occupation"] as! String,
                        level: level, at: facts[row["stationCode"] as! String]!)
                    if !breaches.isEmpty { expectedBreach[unit] = true }
                    let standard = fees.first { $0["unitCode"] as? String == unit && $0["level"] as? String == level.rawValue }
                        .flatMap { try? Money.parse($0["feeYuan"] as! String).get() }
                    if ExamSessions.isOvercharged(fee: try Money.parse(row["feeYuan"] as! String).get(), standard: standard) {
                        expectedOvercharge[unit, default: 0] += 1
                    }
                }
                #expect(expectedBreach == ["110000": true, "120000": true] && expectedOvercharge == ["110000": 1])
                let derived =
                    try t.object(try await t.send(.GET, "/api/v1/derived/2026Q2", token: s.admin))["units"]
                    as! [String: [String: Any]]
                for unit in ["110000", "120000"] {
                    let d = try #require(derived[unit])
                    #expect(d["crossRegion"] as? Bool == (expectedBreach[unit] ?? false), "\(unit)")
                    let o = d["overcharge"] as! [String: Int]
                    #expect((o["investigated"] ?? 0) + (o["uninvestigated"] ?? 0) == expectedOvercharge[unit] ?? 0, "\(unit)")
                }
            }
        }

        @Test func sessions_validation_andEveryRefusal() async throws {
            try await withTestApp(now: beijing("2026-07-20T10:00:00")) { t in
                let s = try await Self.setup(t)
                #expect(
                    try await t.send(.POST, "/api/v1/sessions", token: s.bj, json: Self.session(date: "2026-05-01")).status
                        == .created)
                for (body, field, code) in [
                    (Self.session(date: "2026-05-01", candidates: 10, passed: 11), "passed", "exceeds_candidates"),
                    (Self.session(station: "TJ-01", date: "2026-05-01"), "stationCode", "unknown_station"),
                    (Self.session(station: "XX", date: "2026-05-01"), "stationCode", "unknown_station"),
                    (Self.session(occupation: "0-00", date: "2026-05-01"), "occupation", "unknown_occupation"),
                    (Self.session(level: "9", date: "2026-05-01"), "level", "unknown_level"),
                    (Self.session(date: "2026-08-01"), "date", "future_date"),
                    (Self.session(date: "2026-02-30"), "date", "invalid_date"),
                    (Self.session(date: "2026-05-01", region: "I001"), "regionCode", "unknown_region"),
                    (Self.session(date: "2026-05-01", standard: "local"), "standardKind", "invalid"),
                    (Self.session(date: "2026-05-01", fee: "1.234"), "feeYuan", "invalid_money"),
                    (Self.session(date: "2026-05-01", candidates: -1, passed: 0), "candidates", "invalid"),
                ] {
                    let res = try await t.send(.POST, "/api/v1/sessions", token: s.bj, json: body)
                    #expect(res.status == .unprocessableEntity, "\(code)")
                    #expect(
                        try t.error(res).details.contains { $0["field"] as? String == field && $0["code"] as? String == code },
                        "\(field) \(code)")
                }
                // Another unit's supervisor; a suspended station takes no new sessions.
                let tjSup = try t.object(
                    try await t.send(
                        .POST, "/api/v1/supervisors", token: s.admin,
                        json:
                            #"{"unitCode":"120000","name":"李督导","licenceNo":"DD-120-0001","validUntil":"2027-12-31","occupations":["6-07-06-01"]}"#
                    ))
                let other = try await t.send(
                    .POST, "/api/v1/sessions", token: s.bj,
                    json: Self.session(date: "2026-05-01", supervisor: tjSup["id"] as? String))
                #expect(try t.error(other).details.first?["code"] as? String == "unknown_supervisor")
                #expect(
                    try await t.send(.PATCH, "/api/v1/stations/BJ-01", token: s.bj, json: #"{"status":"suspended"}"#).status
                        == .ok)
                let suspended = try await t.send(.POST, "/api/v1/sessions", token: s.bj, json: Self.session(date: "2026-05-02"))
                #expect(try t.error(suspended).details.first?["code"] as? String == "station_suspended")
                #expect(
                    try await t.send(.PATCH, "/api/v1/stations/BJ-01", token: s.tj, json: #"{"status":"active"}"#).status
                        == .forbidden)
                let sessions = try #require(
                    try t.json(try await t.send(.GET, "/api/v1/sessions", token: s.bj)) as? [[String: Any]])
                #expect(sessions.count == 1)
                #expect(try #require(try t.json(try await t.send(.GET, "/api/v1/sessions", token: s.tj)) as? [Any]).isEmpty)
                // Registers refuse bad values too.
                #expect(
                    try await t.send(.POST, "/api/v1/occupations", token: s.bj, json: #"{"code":"X-1","name":"x"}"#).status
                        == .forbidden)
                #expect(
                    try await t.send(.POST, "/api/v1/occupations", token: s.admin, json: #"{"code":"6-07-06-01","name":"电工"}"#)
                        .status == .conflict)
                #expect(
                    try await t.send(
                        .POST, "/api/v1/supervisors", token: s.admin,
                        json:
                            #"{"unitCode":"110000","name":"重复","licenceNo":"DD-110-0001","validUntil":"2027-12-31","occupations":["6-07-06-01"]}"#
                    ).status == .conflict)
                #expect(
                    try await t.send(
                        .POST, "/api/v1/fee-standards", token: s.bj,
                        json: #"{"unitCode":"110000","level":"5","feeYuan":"1","document":""}"#
                    ).status == .unprocessableEntity)
                #expect(
                    try await t.send(
                        .POST, "/api/v1/stations", token: s.bj,
                        json:
                            #"{"code":"BJ-02","name":"x","unitCode":"110000","regionCode":"110000","scope":[{"occupation":"nope","maxLevel":"3"}]}"#
                    ).status == .unprocessableEntity)
                // Deactivation: an inactive occupation or supervisor takes no new sessions; all of it is audited.
                #expect(
                    try await t.send(.PATCH, "/api/v1/stations/BJ-01", token: s.bj, json: #"{"status":"active"}"#).status == .ok)
                #expect(
                    try await t.send(.PATCH, "/api/v1/occupations/6-18-01-01", token: s.bj, json: #"{"active":false}"#).status
                        == .forbidden)
                #expect(
                    try await t.send(.PATCH, "/api/v1/occupations/6-18-01-01", token: s.admin, json: #"{"active":false}"#).status
                        == .ok)
                let inactive = try await t.send(
                    .POST, "/api/v1/sessions", token: s.bj, json: Self.session(occupation: "6-18-01-01", date: "2026-05-03"))
                #expect(try t.error(inactive).details.first?["code"] as? String == "unknown_occupation")
                #expect(
                    try await t.send(.PATCH, "/api/v1/supervisors/\(s.supervisor)", token: s.bj, json: #"{"active":false}"#)
                        .status == .forbidden)
                #expect(
                    try await t.send(.PATCH, "/api/v1/supervisors/\(s.supervisor)", token: s.admin, json: #"{"active":false}"#)
                        .status == .ok)
                let noSup = try await t.send(
                    .POST, "/api/v1/sessions", token: s.bj, json: Self.session(date: "2026-05-03", supervisor: s.supervisor))
                #expect(try t.error(noSup).details.first?["code"] as? String == "unknown_supervisor")
                let events = try #require(
                    try t.json(try await t.send(.GET, "/api/v1/register-events", token: s.admin)) as? [[String: Any]])
                #expect(
                    Set(events.compactMap { $0["register"] as? String }).isSuperset(of: [
                        "occupation", "station", "supervisor", "fee-standard",
                    ]))
                #expect(try await t.send(.GET, "/api/v1/register-events", token: s.bj).status == .forbidden)
            }
        }

        @Test func registersPage_unitAddsAStationAndASession_andSuspendsTheStation() async throws {
            try await withTestApp(now: beijing("2026-07-20T10:00:00")) { t in
                _ = try await Self.setup(t)
                let (cookie, csrf) = try await AppTests.Web.webLogin(t, "bj", "password-bj")
                let h = AppTests.Web.headers(cookie)
                #expect(try await t.send(.GET, "/registers", headers: h).status == .ok)
                let station = try await t.send(
                    .POST, "/registers/stations", headers: h,
                    body:
                        "_csrf=\(csrf)&code=BJ-09&name=x&regionCode=110000&scopeOccupation[]=6-07-06-01&scopeLevel[]=4&scopeOccupation[]=&scopeLevel[]=5&\(Self.licenceForm)"
                )
                #expect(station.status == .seeOther)
                let session = try await t.send(
                    .POST, "/registers/sessions", headers: h,
                    body:
                        "_csrf=\(csrf)&stationCode=BJ-09&occupation=6-07-06-01&level=5&date=2026-07-01&regionCode=110000&standardKind=national&bankKind=national&bankCode=B1&candidates=10&passed=9&feeYuan=90&supervisorId="
                )
                #expect(session.status == .seeOther)
                let bad = try await t.send(
                    .POST, "/registers/sessions", headers: h,
                    body:
                        "_csrf=\(csrf)&stationCode=BJ-09&occupation=6-07-06-01&level=5&date=2026-07-01&regionCode=110000&standardKind=national&bankKind=national&bankCode=B1&candidates=10&passed=19&feeYuan=90"
                )
                #expect(bad.status == .unprocessableEntity)
                #expect(bad.body.string.contains("合格人数不能多于考生人数"))
                #expect(
                    try await t.send(
                        .POST, "/registers/stations/BJ-09/status", headers: h, body: "_csrf=\(csrf)&status=suspended"
                    ).status == .seeOther)
                let page = try await t.send(.GET, "/registers?q=BJ-09", headers: h)
                #expect(page.body.string.contains(#"data-station="BJ-09""#) && page.body.string.contains("<td>暂停</td>"))
                #expect(page.body.string.contains("电工（最高四级/中级工）"))
                // The ministry narrows every list to one unit.
                let (adminCookie, _) = try await AppTests.Web.webLogin(t, "admin", adminPassword)
                let narrowed = try await t.send(.GET, "/registers?unit=120000", headers: AppTests.Web.headers(adminCookie))
                #expect(
                    narrowed.body.string.contains(#"data-station="TJ-01""#)
                        && !narrowed.body.string.contains(#"data-station="BJ-01""#))
                let all = try await t.send(.GET, "/registers", headers: AppTests.Web.headers(adminCookie))
                #expect(all.body.string.contains(#"data-station="TJ-01""#) && all.body.string.contains(#"data-station="BJ-01""#))
                #expect(
                    try await t.send(
                        .POST, "/registers/stations/TJ-01/status", headers: h, body: "_csrf=\(csrf)&status=suspended"
                    ).status == .forbidden)
            }
        }

        /// In a file a person writes the supervisor's licence number; an id still works.
        @Test func sessionImport_takesTheSupervisorsLicenceNumber() async throws {
            try await withTestApp(now: beijing("2026-07-20T10:00:00")) { t in
                let s = try await Self.setup(t)
                let csv = """
                    stationCode,occupation,level,date,regionCode,standardKind,bankKind,bankCode,candidates,passed,feeYuan,supervisorId
                    BJ-01,6-07-06-01,4,2026-04-10,110000,national,national,B1,30,20,100.00,DD-110-0001
                    BJ-01,6-07-06-01,4,2026-04-11,110000,national,national,B1,30,20,100.00,DD-999-0001
                    BJ-01,6-07-06-01,4,2026-04-12,110000,national,national,B1,30,20,100.00,\(s.supervisor)
                    """
                let r = try t.object(
                    try await t.send(.POST, "/api/v1/sessions/import", token: s.bj, body: csv, contentType: "text/csv"))
                #expect(r["imported"] as? Int == 2)
                let errors = r["errors"] as? [[String: Any]] ?? []
                #expect(
                    errors.count == 1 && errors.first?["line"] as? Int == 3
                        && errors.first?["code"] as? String == "unknown_supervisor")
                let sessions = try t.array(try await t.send(.GET, "/api/v1/sessions", token: s.bj))
                #expect(sessions.filter { $0["supervisorId"] as? String == s.supervisor }.count == 2)
            }
        }

        @Test func sessionImport_reportsBadLines_andCommitsGoodOnes() async throws {
            try await withTestApp(now: beijing("2026-07-20T10:00:00")) { t in
                let s = try await Self.setup(t)
                let csv = """
                    stationCode,occupation,level,date,regionCode,standardKind,bankKind,bankCode,candidates,passed,feeYuan,supervisorId
                    BJ-01,6-07-06-01,4,2026-04-10,110000,national,national,B1,30,20,100.00,\(s.supervisor)
                    BJ-01,6-07-06-01,4,2026-04-11,110000,national,national,B1,30,40,100.00,
                    TJ-01,6-07-06-01,4,2026-04-12,120000,national,national,B1,30,20,100.00,
                    BJ-01,6-18-02-04,5,2026-04-13,110000,verifiedLocal,certifiedLocal,L1,10,9,80,

                    """
                let r = try t.object(
                    try await t.send(.POST, "/api/v1/sessions/import", token: s.bj, body: csv, contentType: "text/csv"))
                #expect(r["imported"] as? Int == 2)
                let errors = try #require(r["errors"] as? [[String: Any]])
                #expect(errors.map { $0["line"] as? Int } == [3, 4])
                #expect(errors.map { $0["code"] as? String } == ["exceeds_candidates", "unknown_station"])
            }
        }

        /// The hand-computed case: sessions inside and outside 2026Q2, in and out of scope, with and
        /// without supervisors, fees above and below the standard, and visits.
        @Test func derivation_ofColumns1To24_andDiscrepancies() async throws {
            try await withTestApp(now: beijing("2026-07-20T10:00:00")) { t in
                let s = try await Self.setup(t)
                func add(_ body: String, _ token: String) async throws -> String {
                    let res = try await t.send(.POST, "/api/v1/sessions", token: token, json: body)
                    #expect(res.status == .created, "\(res.body.string)")
                    return (try? t.object(res)["id"] as? String) ?? ""
                }
                _ = try await add(Self.session(level: "4", date: "2026-04-10", supervisor: s.supervisor), s.bj)  // in scope, no standard for level 4
                let over = try await add(
                    Self.session(
                        occupation: "6-18-02-04", level: "5", date: "2026-05-10", region: "120000",
                        standard: "verifiedLocal", bank: "certifiedLocal", bankCode: "L1", fee: "120.00"), s.bj)
                _ = try await add(
                    Self.session(
                        level: "3", date: "2026-06-01", standard: "unverifiedLocal", bank: "uncertifiedLocal",
                        bankCode: "U1", fee: "200.00"), s.bj)  // fee equal to the standard
                _ = try await add(Self.session(occupation: "6-18-01-01", level: "5", date: "2026-03-30", fee: "500"), s.bj)  // Q1
                _ = try await add(Self.session(occupation: "6-18-02-04", level: "5", date: "2026-07-02", fee: "500"), s.bj)  // Q3
                _ = try await add(Self.session(station: "TJ-01", level: "3", date: "2026-05-05", region: "120000"), s.tj)  // level 3 is above TJ-01's highest (5)
                // Visits are filed by a supervisor of another unit, from their own login (issue 11),
                // on a day of the quarter; column 15 needs the report on one of them.
                let tjSup = try t.object(
                    try await t.send(
                        .POST, "/api/v1/supervisors", token: s.admin,
                        json:
                            #"{"unitCode":"120000","name":"李督导","licenceNo":"DD-120-0009","validUntil":"2027-12-31","occupations":["6-07-06-01"]}"#
                    ))
                #expect(
                    try await t.send(
                        .POST, "/api/v1/users", token: s.admin,
                        json:
                            #"{"username":"sv-tj","password":"password-sv-tj","role":"supervisor","supervisorId":"\#(tjSup["id"] as? String ?? "")"}"#
                    ).status == .created)
                t.clock.set(beijing("2026-06-22T10:00:00"))
                let svTJ = try await t.login("sv-tj", "password-sv-tj")
                #expect(
                    try await t.send(
                        .POST, "/api/v1/supervision-visits", token: svTJ,
                        json:
                            #"{"stationCode":"BJ-01","sessionId":"\#(over)","visitedOn":"2026-06-15","findings":"超标准收费，已责令退还","violationFound":true,"violationHandled":true}"#
                    ).status == .created)
                #expect(
                    try await t.send(
                        .POST, "/api/v1/supervision-visits", token: svTJ,
                        json:
                            #"{"stationCode":"BJ-01","visitedOn":"2026-06-20","findings":"考场纪律松散","violationFound":true,"violationHandled":false}"#
                    ).status == .created)
                #expect(
                    try await t.send(
                        .POST, "/api/v1/supervision-visits", token: svTJ,
                        json:
                            #"{"stationCode":"BJ-01","visitedOn":"2026-06-21","findings":"x","violationFound":false,"violationHandled":true}"#
                    ).status == .unprocessableEntity)
                let clean = try t.object(
                    try await t.send(
                        .POST, "/api/v1/supervision-visits", token: svTJ,
                        json: #"{"stationCode":"BJ-01","visitedOn":"2026-06-21","findings":"考务规范"}"#))
                #expect(
                    try await t.send(
                        .POST, "/api/v1/supervision-reports", token: svTJ,
                        json:
                            #"{"visitId":"\#(clean["id"] as? String ?? "")","checklist":\#(AppTests.Supervision.checklistOK),"findings":"考务规范","violationFound":false}"#
                    ).status == .created)
                t.clock.set(beijing("2026-07-20T10:00:00"))
                // A unit's user files no visit: only a supervisor's own login does.
                let foreign = try await t.send(
                    .POST, "/api/v1/supervision-visits", token: s.bj,
                    json: #"{"supervisorId":"\#(s.supervisor)","stationCode":"TJ-01","visitedOn":"2999-01-01","findings":"x"}"#)
                #expect(foreign.status == .forbidden)
                #expect(try t.error(foreign).code == "supervisors_only")
                let sv = try await t.user("sv-bj", role: "supervisor", unit: "110000")
                for path in ["/api/v1/stations", "/api/v1/fee-standards", "/api/v1/supervisors", "/api/v1/certificate-orders"] {
                    // Refused for the role before the (malformed) body is read: 403, not 400.
                    #expect(try await t.send(.POST, path, token: sv, json: "garbage").status == .forbidden, "\(path)")
                }

                let d = try t.object(try await t.send(.GET, "/api/v1/reports/2026Q2/110000/derived", token: s.bj))
                func group(_ k: String) -> [String: Int] { (d[k] as? [String: Int]) ?? [:] }
                #expect(group("standards") == ["national": 1, "verifiedLocal": 1, "unverifiedLocal": 1])
                #expect(group("banks") == ["national": 1, "certifiedLocal": 1, "uncertifiedLocal": 1])
                #expect(d["feeStandard"] as? Bool == true)
                #expect(group("overcharge") == ["investigated": 1, "uninvestigated": 0])
                #expect(d["crossRegion"] as? Bool == true)
                #expect(d["supervision"] as? Bool == true)
                #expect(group("violations") == ["investigated": 1, "uninvestigated": 1])
                #expect(d["sessions"] as? Int == 3)

                let tj = try t.object(try await t.send(.GET, "/api/v1/reports/2026Q2/120000/derived", token: s.tj))
                #expect(tj["feeStandard"] as? Bool == false)
                #expect(tj["supervision"] as? Bool == false)
                #expect(tj["crossRegion"] as? Bool == true)  // level 3 is above 5, the highest TJ-01 may appraise
                let q1 = try t.object(try await t.send(.GET, "/api/v1/reports/2026Q1/110000/derived", token: s.bj))
                #expect(q1["crossRegion"] as? Bool == true)  // 车工 is outside BJ-01's scope
                #expect((q1["overcharge"] as? [String: Int])?["uninvestigated"] == 1)

                // A report that says otherwise is listed field by field, with columns.
                #expect(
                    try await t.send(
                        .PUT, "/api/v1/reports/2026Q2/110000", token: s.bj,
                        json: reportJSON(
                            national: 1, verifiedLocal: 1, unverifiedLocal: 0, banksNational: 1, certifiedLocal: 1,
                            uncertifiedLocal: 1,
                            overcharge: (1, 0), crossRegion: false, violations: (1, 1), due: "0.00", paid: "0.00")
                    ).status == .ok)
                let again = try t.object(try await t.send(.GET, "/api/v1/reports/2026Q2/110000/derived", token: s.bj))
                let disc = try #require(again["discrepancies"] as? [[String: Any]])
                #expect(Set(disc.compactMap { $0["field"] as? String }) == ["standards.unverifiedLocal", "crossRegion"])
                #expect(disc.first { $0["field"] as? String == "crossRegion" }?["column"] as? Int == 13)
                let all = try t.object(try await t.send(.GET, "/api/v1/derived/2026Q2", token: s.admin))
                #expect(((all["units"] as? [String: Any])?["110000"] as? [String: Any])?["sessions"] as? Int == 3)
                #expect(try await t.send(.GET, "/api/v1/derived/2026Q2", token: s.bj).status == .forbidden)

                // The form offers the derived values; the ministry's review and bulletin preview flag the disagreement.
                let (unitCookie, _) = try await AppTests.Web.webLogin(t, "bj", "password-bj")
                let filled = try await t.send(
                    .GET, "/reports/2026Q2/110000?fill=registers", headers: AppTests.Web.headers(unitCookie))
                #expect(filled.body.string.contains(#"name="standards.unverifiedLocal" value="1""#))
                #expect(filled.body.string.contains(#"name="crossRegion" value="true" checked"#))
                #expect(try await t.send(.POST, "/api/v1/reports/2026Q2/110000/submit", token: s.bj).status == .ok)
                #expect(try await t.send(.POST, "/api/v1/reports/2026Q2/110000/accept", token: s.admin).status == .ok)
                let (cookie, _) = try await AppTests.Web.webLogin(t, "admin", adminPassword)
                let review = try await t.send(.GET, "/reports/2026Q2/110000", headers: AppTests.Web.headers(cookie))
                #expect(review.body.string.contains(#"id="discrepancies""#))
                let preview = try await t.send(.GET, "/bulletins/2026Q2", headers: AppTests.Web.headers(cookie))
                #expect(preview.body.string.contains(#"class="flag""#))
            }
        }
    }
}
