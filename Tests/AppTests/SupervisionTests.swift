import Domain
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import App

extension AppTests {
    /// Issue 11, supervision: the ministry's supervisor register, dispatch (named or drawn), the
    /// reports supervisors file from their own login, and column 15.
    @Suite struct Supervision {
        static let electrician = "6-07-06-01"
        static let welder = "6-18-02-04"

        struct Setup {
            let admin: String
            let bj: String
            let tj: String
            /// Supervisors by role in the tests: tianjin's (valid, 电工), beijing's own (tied to
            /// BJ-01), tianjin's expiring before the session, shanghai's (valid, 电工), shanghai's
            /// welder (not 电工).
            let tjValid: String, bjOwn: String, tjExpiring: String, shValid: String, shWelder: String
            /// Logins of `tjValid`, `shValid` and `bjOwn`.
            let svTJ: String, svSH: String, svBJ: String
            /// A session of BJ-01 planned for 2026-05-20 (today is 2026-05-10).
            let session: String

            /// The same, logged in again: tokens expire when a test moves the clock days ahead.
            func again(_ t: TestApp) async throws -> Setup {
                Setup(
                    admin: try await t.admin(), bj: try await t.login("bj", "password-bj"),
                    tj: try await t.login("tj", "password-tj"), tjValid: tjValid, bjOwn: bjOwn, tjExpiring: tjExpiring,
                    shValid: shValid, shWelder: shWelder, svTJ: try await t.login("sv-tj", "password-sv-tj"),
                    svSH: try await t.login("sv-sh", "password-sv-sh"), svBJ: try await t.login("sv-bj", "password-sv-bj"),
                    session: session)
            }
        }

        static func supervisorJSON(
            unit: String, name: String, licence: String, validUntil: String = "2027-12-31", occupations: [String] = [electrician]
        ) -> String {
            let occ = occupations.map { "\"\($0)\"" }.joined(separator: ",")
            return
                #"{"unitCode":"\#(unit)","name":"\#(name)","licenceNo":"\#(licence)","validUntil":"\#(validUntil)","occupations":[\#(occ)]}"#
        }

        static func plannedSession(date: String = "2026-05-20", bank: String = "B1") -> String {
            #"{"stationCode":"BJ-01","occupation":"\#(electrician)","level":"4","date":"\#(date)","regionCode":"110000","standardKind":"national","bankKind":"national","bankCode":"\#(bank)","candidates":30,"passed":0,"feeYuan":"100.00"}"#
        }

        static func setup(_ t: TestApp) async throws -> Setup {
            let admin = try await t.admin()
            let bj = try await t.user("bj", role: "unit", unit: "110000")
            let tj = try await t.user("tj", role: "unit", unit: "120000")
            for (code, name) in [(electrician, "电工"), (welder, "焊工")] {
                #expect(
                    try await t.send(.POST, "/api/v1/occupations", token: admin, json: #"{"code":"\#(code)","name":"\#(name)"}"#)
                        .status == .created)
            }
            for (token, code, unit) in [(bj, "BJ-01", "110000"), (tj, "TJ-01", "120000")] {
                #expect(
                    try await t.send(
                        .POST, "/api/v1/stations", token: token,
                        json: #"""
                            {"code":"\#(code)","name":"鉴定站\#(code)","unitCode":"\#(unit)","regionCode":"\#(unit)",\#(AppTests.Registers.licence),
                             "scope":[{"occupation":"\#(electrician)","maxLevel":"3"}]}
                            """#
                    ).status == .created)
            }
            func add(_ json: String) async throws -> String {
                let res = try await t.send(.POST, "/api/v1/supervisors", token: admin, json: json)
                #expect(res.status == .created, "\(res.body.string)")
                return try #require(try t.object(res)["id"] as? String)
            }
            let tjValid = try await add(supervisorJSON(unit: "120000", name: "津督导", licence: "DD-120-0001"))
            let bjOwn = try await add(supervisorJSON(unit: "110000", name: "京督导", licence: "DD-110-0001"))
            let tjExpiring = try await add(
                supervisorJSON(unit: "120000", name: "将到期", licence: "DD-120-0002", validUntil: "2026-05-15"))
            let shValid = try await add(supervisorJSON(unit: "310000", name: "沪督导", licence: "DD-310-0001"))
            let shWelder = try await add(
                supervisorJSON(unit: "310000", name: "沪焊工督导", licence: "DD-310-0002", occupations: [welder]))
            func login(_ name: String, _ id: String) async throws -> String {
                let res = try await t.send(
                    .POST, "/api/v1/users", token: admin,
                    json: #"{"username":"\#(name)","password":"password-\#(name)","role":"supervisor","supervisorId":"\#(id)"}"#)
                #expect(res.status == .created, "\(res.body.string)")
                return try await t.login(name, "password-\(name)")
            }
            let session = try t.object(try await t.send(.POST, "/api/v1/sessions", token: bj, json: plannedSession()))
            return Setup(
                admin: admin, bj: bj, tj: tj, tjValid: tjValid, bjOwn: bjOwn, tjExpiring: tjExpiring, shValid: shValid,
                shWelder: shWelder, svTJ: try await login("sv-tj", tjValid), svSH: try await login("sv-sh", shValid),
                svBJ: try await login("sv-bj", bjOwn), session: try #require(session["id"] as? String, "\(session)"))
        }

        static let checklistOK =
            #"{"examOrder":{"result":"ok","note":""},"identityCheck":{"result":"ok","note":""},"questionBank":{"result":"ok","note":""},"feeNotice":{"result":"ok","note":""},"violations":{"result":"ok","note":""}}"#

        static func report(
            session: String? = nil, visit: String? = nil, checklist: String = checklistOK, violation: String? = nil
        )
            -> String
        {
            let subject = session.map { #""sessionId":"\#($0)""# } ?? #""visitId":"\#(visit ?? "")""#
            let v = violation.map { #","violationFound":true,"violationCategory":"\#($0)""# } ?? #","violationFound":false"#
            return #"{\#(subject),"checklist":\#(checklist),"findings":"考场秩序良好"\#(v)}"#
        }

        /// Dispatches tianjin's supervisor to the planned session by name, then moves the clock to
        /// `day` (logged in again).
        func dispatchedThen(_ t: TestApp, _ s: Setup, _ day: String) async throws -> Setup {
            #expect(
                try await t.send(
                    .POST, "/api/v1/sessions/\(s.session)/dispatch", token: s.admin, json: #"{"supervisorIds":["\#(s.tjValid)"]}"#
                ).status == .created)
            t.clock.set(beijing(day))
            return try await s.again(t)
        }

        func dispatchCount(_ t: TestApp, _ s: Setup) async throws -> Int {
            let d = try t.object(try await t.send(.GET, "/api/v1/sessions/\(s.session)/dispatch", token: s.admin))
            return (d["dispatches"] as? [[String: Any]])?.count ?? -1
        }

        func reportCount(_ t: TestApp, _ s: Setup) async throws -> Int {
            try t.array(try await t.send(.GET, "/api/v1/supervision-reports", token: s.admin)).count
        }

        @Test func register_isKeptByTheMinistry_notByUnits() async throws {
            try await withTestApp { t in
                let s = try await Self.setup(t)
                let before = try t.array(try await t.send(.GET, "/api/v1/supervisors", token: s.admin))
                #expect(before.count == 5)
                // A unit registers no supervisor (its own or another's), nor edits one.
                for unit in ["110000", "120000"] {
                    let res = try await t.send(
                        .POST, "/api/v1/supervisors", token: s.bj,
                        json: Self.supervisorJSON(unit: unit, name: "自荐", licence: "DD-X-\(unit)"))
                    #expect(res.status == .forbidden)
                    #expect(try t.error(res).code == "supervisors_kept_by_ministry")
                }
                let patch = try await t.send(
                    .PATCH, "/api/v1/supervisors/\(s.bjOwn)", token: s.bj, json: #"{"validUntil":"2030-01-01"}"#)
                #expect(patch.status == .forbidden)
                // The register's fields are required and checked.
                let bad = try await t.send(
                    .POST, "/api/v1/supervisors", token: s.admin,
                    json: #"{"unitCode":"110000","name":"缺项","licenceNo":"DD-110-0009","occupations":["0-00"]}"#)
                #expect(bad.status == .unprocessableEntity)
                #expect(
                    Set(try t.error(bad).details.compactMap { $0["code"] as? String }) == ["required", "unknown_occupation"])
                let after = try t.array(try await t.send(.GET, "/api/v1/supervisors", token: s.admin))
                #expect(after.count == 5)
                let own = try #require(after.first { $0["id"] as? String == s.bjOwn })
                #expect(own["validUntil"] as? String == "2027-12-31")
                #expect(own["occupations"] as? [String] == [Self.electrician])
                #expect(own["login"] as? String == "sv-bj")
                // The ministry edits expiry and occupations.
                let edited = try t.object(
                    try await t.send(
                        .PATCH, "/api/v1/supervisors/\(s.bjOwn)", token: s.admin,
                        json: #"{"validUntil":"2029-06-30","occupations":["\#(Self.electrician)","\#(Self.welder)"]}"#))
                #expect(edited["validUntil"] as? String == "2029-06-30")
                #expect((edited["occupations"] as? [String])?.count == 2)
                // One login per supervisor.
                let second = try await t.send(
                    .POST, "/api/v1/users", token: s.admin,
                    json: #"{"username":"sv-bj-2","password":"password-x","role":"supervisor","supervisorId":"\#(s.bjOwn)"}"#)
                #expect(second.status == .conflict)
                #expect(try t.error(second).code == "supervisor_has_login")
                // A supervisor sees only their own entry.
                let mine = try t.array(try await t.send(.GET, "/api/v1/supervisors", token: s.svBJ))
                #expect(mine.map { $0["id"] as? String } == [s.bjOwn])
            }
        }

        @Test func register_byAUnitForAnotherUnit_whenTheMinistryAllowsIt() async throws {
            try await withTestApp(settings: { $0.unitsKeepSupervisors = true }) { t in
                let s = try await Self.setup(t)
                let other = try await t.send(
                    .POST, "/api/v1/supervisors", token: s.bj,
                    json: Self.supervisorJSON(unit: "120000", name: "代登记", licence: "DD-120-0100"))
                #expect(other.status == .created)
                let own = try await t.send(
                    .POST, "/api/v1/supervisors", token: s.bj,
                    json: Self.supervisorJSON(unit: "110000", name: "自己", licence: "DD-110-0100"))
                #expect(own.status == .forbidden)
                #expect(try t.error(own).code == "supervisors_kept_by_ministry")
                // Expiry, occupations and deactivation stay the ministry's, even of entries the unit made.
                let made = try #require(try t.object(other)["id"] as? String)
                for target in [made, s.tjValid] {
                    let patch = try await t.send(
                        .PATCH, "/api/v1/supervisors/\(target)", token: s.bj, json: #"{"validUntil":"2099-12-31","active":true}"#)
                    #expect(patch.status == .forbidden)
                }
                let register = try t.array(try await t.send(.GET, "/api/v1/supervisors", token: s.admin))
                #expect(register.first { $0["id"] as? String == s.tjValid }?["validUntil"] as? String == "2027-12-31")
            }
        }

        /// A record made under the old rule (marked by M012 on upgrade) keeps its 是; the same record
        /// made now counts for nothing.
        @Test func column15_keepsTheOldRule_forRecordsMadeBeforeReports() async throws {
            try await withTestApp { t in
                let s = try await Self.setup(t)
                func supervision() async throws -> Bool? {
                    try t.object(try await t.send(.GET, "/api/v1/reports/2026Q2/110000/derived", token: s.admin))["supervision"]
                        as? Bool
                }
                #expect(try await supervision() == false)
                let sql = try #require(t.app.db as? any SQLDatabase)
                // As M012 marks a session that named a supervisor before reports existed.
                try await sql.update("exam_sessions").set("legacy_supervised", to: true).where(
                    "id", .equal, UUID(uuidString: s.session)!
                )
                .run()
                #expect(try await supervision() == true)
                #expect(
                    try t.object(try await t.send(.GET, "/api/v1/reports/2026Q3/110000/derived", token: s.admin))["supervision"]
                        as? Bool == false)
            }
        }

        /// Review findings: a supervisor the ministry deactivated files nothing (and column 15 stays
        /// 否); one with no login is neither named nor drawn; a deactivated home unit does not stop
        /// its supervisors' reports on other units' sessions.
        @Test func deactivatedOrLoginless_supervisors_cannotCarryColumn15() async throws {
            try await withTestApp { t in
                var s = try await Self.setup(t)
                s = try await dispatchedThen(t, s, "2026-05-20T15:00:00")
                #expect(
                    try await t.send(.PATCH, "/api/v1/supervisors/\(s.tjValid)", token: s.admin, json: #"{"active":false}"#)
                        .status
                        == .ok)
                let refused = try await t.send(
                    .POST, "/api/v1/supervision-reports", token: s.svTJ, json: Self.report(session: s.session))
                #expect(refused.status == .forbidden)
                #expect(try t.error(refused).code == "supervisor_inactive")
                #expect(try await reportCount(t, s) == 0)
                let derived = try t.object(try await t.send(.GET, "/api/v1/reports/2026Q2/110000/derived", token: s.admin))
                #expect(derived["supervision"] as? Bool == false)
                #expect(
                    try await t.send(.PATCH, "/api/v1/supervisors/\(s.tjValid)", token: s.admin, json: #"{"active":true}"#).status
                        == .ok)
                // The home unit deactivated: its supervisor still reports on Beijing's session.
                #expect(
                    try await t.send(.PATCH, "/api/v1/units/120000", token: s.admin, json: #"{"active":false}"#).status == .ok)
                let filed = try await t.send(
                    .POST, "/api/v1/supervision-reports", token: s.svTJ, json: Self.report(session: s.session))
                #expect(filed.status == .created, "\(filed.body.string)")
                // A supervisor without a login: named, refused; drawn, never.
                let loginless = try #require(
                    try t.object(
                        try await t.send(
                            .POST, "/api/v1/supervisors", token: s.admin,
                            json: Self.supervisorJSON(
                                unit: "440000", name: "无账号", licence: "DD-440-0009", validUntil: "2099-12-31"))
                    )["id"] as? String)
                let later = try t.object(
                    try await t.send(
                        .POST, "/api/v1/sessions", token: s.bj, json: Self.plannedSession(date: "2026-06-10", bank: "B2")))
                let laterID = try #require(later["id"] as? String)
                let named = try await t.send(
                    .POST, "/api/v1/sessions/\(laterID)/dispatch", token: s.admin, json: #"{"supervisorIds":["\#(loginless)"]}"#)
                #expect(named.status == .unprocessableEntity)
                #expect(try t.error(named).details.first?["code"] as? String == "no_login")
                let drawn = try t.object(
                    try await t.send(.POST, "/api/v1/sessions/\(laterID)/dispatch", token: s.admin, json: #"{"draw":2}"#))
                let candidates = try #require((drawn["draws"] as? [[String: Any]])?.first?["candidates"] as? [String])
                #expect(!candidates.contains(loginless) && Set(candidates) == [s.tjValid, s.shValid])
            }
        }

        @Test func dispatch_refusesExpiredTiedAndUnqualified_andKeepsDataUnchanged() async throws {
            try await withTestApp { t in
                var s = try await Self.setup(t)
                for (id, code) in [
                    (s.tjExpiring, "licence_expired"), (s.bjOwn, "tied_to_station"), (s.shWelder, "occupation_not_covered"),
                    (UUID().uuidString, "unknown_supervisor"),
                ] {
                    let res = try await t.send(
                        .POST, "/api/v1/sessions/\(s.session)/dispatch", token: s.bj, json: #"{"supervisorIds":["\#(id)"]}"#)
                    #expect(res.status == .unprocessableEntity, "\(code)")
                    let e = try t.error(res)
                    #expect(e.code == "validation_failed")
                    #expect(e.details.first?["field"] as? String == "supervisorIds[0]")
                    #expect(e.details.first?["code"] as? String == code)
                }
                // Neither another unit, nor a supervisor, nor an empty body.
                let other = try await t.send(
                    .POST, "/api/v1/sessions/\(s.session)/dispatch", token: s.tj, json: #"{"supervisorIds":["\#(s.tjValid)"]}"#)
                #expect(other.status == .forbidden)
                let sv = try await t.send(
                    .POST, "/api/v1/sessions/\(s.session)/dispatch", token: s.svTJ, json: #"{"supervisorIds":["\#(s.tjValid)"]}"#)
                #expect(sv.status == .forbidden)
                let neither = try await t.send(.POST, "/api/v1/sessions/\(s.session)/dispatch", token: s.bj, json: "{}")
                #expect(try t.error(neither).details.first?["code"] as? String == "required")
                #expect(try await dispatchCount(t, s) == 0)
                // Named: valid; named twice: 409.
                let ok = try await t.send(
                    .POST, "/api/v1/sessions/\(s.session)/dispatch", token: s.bj, json: #"{"supervisorIds":["\#(s.tjValid)"]}"#)
                #expect(ok.status == .created)
                let again = try await t.send(
                    .POST, "/api/v1/sessions/\(s.session)/dispatch", token: s.admin, json: #"{"supervisorIds":["\#(s.tjValid)"]}"#
                )
                #expect(again.status == .conflict)
                #expect(try t.error(again).code == "already_dispatched")
                #expect(try await dispatchCount(t, s) == 1)
                // Once the day has passed, nobody is sent any more.
                t.clock.set(beijing("2026-05-21T09:00:00"))
                s = try await s.again(t)
                let late = try await t.send(
                    .POST, "/api/v1/sessions/\(s.session)/dispatch", token: s.admin, json: #"{"supervisorIds":["\#(s.shValid)"]}"#
                )
                #expect(late.status == .unprocessableEntity)
                #expect(try t.error(late).code == "session_past")
                #expect(try await dispatchCount(t, s) == 1)
            }
        }

        @Test func draw_excludesTiedExpiredAndSent_andRecordsAReplayableSeed() async throws {
            try await withTestApp { t in
                let s = try await Self.setup(t)
                // Eligible: tjValid and shValid only (bjOwn tied, tjExpiring expired, shWelder no 电工).
                let tooMany = try await t.send(.POST, "/api/v1/sessions/\(s.session)/dispatch", token: s.bj, json: #"{"draw":3}"#)
                #expect(tooMany.status == .unprocessableEntity)
                #expect(try t.error(tooMany).details.first?["code"] as? String == "not_enough_candidates")
                let res = try await t.send(.POST, "/api/v1/sessions/\(s.session)/dispatch", token: s.bj, json: #"{"draw":1}"#)
                #expect(res.status == .created, "\(res.body.string)")
                let body = try t.object(res)
                let draw = try #require((body["draws"] as? [[String: Any]])?.first)
                let candidates = try #require(draw["candidates"] as? [String])
                #expect(Set(candidates) == [s.tjValid, s.shValid])
                let seedText = try #require(draw["seed"] as? String)
                let seed = try #require(Domain.Supervision.Seed(hex: seedText))
                let chosen = try #require(draw["chosen"] as? [String])
                #expect(chosen.count == 1)
                // Replaying the seed over the recorded candidates gives the same choice.
                #expect(
                    Domain.Supervision.draw(seed: seed, candidates: candidates.compactMap(UUID.init(uuidString:)), count: 1)
                        .map(\.uuidString) == chosen)
                let dispatched = try #require(body["dispatches"] as? [[String: Any]])
                #expect(dispatched.map { $0["supervisorId"] as? String } == chosen)
                #expect(dispatched.first?["drawn"] as? Bool == true)
                #expect(dispatched.first?["seed"] as? String == seedText)
                // A second draw chooses among those not yet sent: the other one.
                let next = try t.object(
                    try await t.send(.POST, "/api/v1/sessions/\(s.session)/dispatch", token: s.admin, json: #"{"draw":1}"#))
                let second = try #require((next["draws"] as? [[String: Any]])?.last)
                #expect((second["candidates"] as? [String])?.count == 1)
                #expect(
                    Set((next["dispatches"] as? [[String: Any]])?.compactMap { $0["supervisorId"] as? String } ?? []) == [
                        s.tjValid, s.shValid,
                    ])
            }
        }

        @Test func report_refusals_window_andOneReportPerDispatch() async throws {
            try await withTestApp { t in
                var s = try await Self.setup(t)
                #expect(
                    try await t.send(
                        .POST, "/api/v1/sessions/\(s.session)/dispatch", token: s.bj,
                        json: #"{"supervisorIds":["\#(s.tjValid)"]}"#
                    ).status == .created)
                // Before the session's day.
                let early = try await t.send(
                    .POST, "/api/v1/supervision-reports", token: s.svTJ, json: Self.report(session: s.session))
                #expect(early.status == .unprocessableEntity)
                #expect(try t.error(early).code == "too_early")
                t.clock.set(beijing("2026-05-20T18:00:00"))
                s = try await s.again(t)
                // A unit's user, or a supervisor not dispatched to it, files nothing.
                let unit = try await t.send(
                    .POST, "/api/v1/supervision-reports", token: s.bj, json: Self.report(session: s.session))
                #expect(unit.status == .forbidden)
                #expect(try t.error(unit).code == "supervisors_only")
                let other = try await t.send(
                    .POST, "/api/v1/supervision-reports", token: s.svSH, json: Self.report(session: s.session))
                #expect(other.status == .forbidden)
                #expect(try t.error(other).code == "not_dispatched")
                // The checklist is complete; a problem says what; a violation names its kind.
                let incomplete = try await t.send(
                    .POST, "/api/v1/supervision-reports", token: s.svTJ,
                    json: Self.report(
                        session: s.session,
                        checklist:
                            #"{"examOrder":{"result":"problem","note":""},"identityCheck":{"result":"ok"},"questionBank":{"result":"maybe"}}"#
                    ))
                #expect(incomplete.status == .unprocessableEntity)
                let codes = try t.error(incomplete).details.map {
                    "\($0["field"] as? String ?? ""):\($0["code"] as? String ?? "")"
                }
                #expect(
                    codes == [
                        "checklist.examOrder:note_required", "checklist.questionBank:required", "checklist.feeNotice:required",
                        "checklist.violations:required",
                    ])
                let noKind = try await t.send(
                    .POST, "/api/v1/supervision-reports", token: s.svTJ,
                    json: #"{"sessionId":"\#(s.session)","checklist":\#(Self.checklistOK),"findings":"x","violationFound":true}"#)
                #expect(try t.error(noKind).details.first?["field"] as? String == "violationCategory")
                #expect(try await reportCount(t, s) == 0)
                // Filed; a second time, 409.
                let ok = try await t.send(
                    .POST, "/api/v1/supervision-reports", token: s.svTJ, json: Self.report(session: s.session))
                #expect(ok.status == .created, "\(ok.body.string)")
                #expect(try t.object(ok)["supervisedOn"] as? String == "2026-05-20")
                let twice = try await t.send(
                    .POST, "/api/v1/supervision-reports", token: s.svTJ, json: Self.report(session: s.session))
                #expect(twice.status == .conflict)
                #expect(try t.error(twice).code == "already_reported")
                #expect(try await reportCount(t, s) == 1)
                // Five days after the day is the last; the sixth is too late.
                t.clock.set(beijing("2026-05-15T10:00:00"))
                s = try await s.again(t)
                let later = try #require(
                    try t.object(
                        try await t.send(
                            .POST, "/api/v1/sessions", token: s.bj, json: Self.plannedSession(date: "2026-05-16", bank: "B2"))
                    )["id"] as? String)
                #expect(
                    try await t.send(
                        .POST, "/api/v1/sessions/\(later)/dispatch", token: s.bj, json: #"{"supervisorIds":["\#(s.shValid)"]}"#
                    ).status == .created)
                t.clock.set(beijing("2026-05-22T10:00:00"))
                s = try await s.again(t)
                let tooLate = try await t.send(
                    .POST, "/api/v1/supervision-reports", token: s.svSH, json: Self.report(session: later))
                #expect(tooLate.status == .unprocessableEntity)
                #expect(try t.error(tooLate).code == "too_late")
                t.clock.set(beijing("2026-05-21T23:59:00"))
                s = try await s.again(t)
                #expect(
                    try await t.send(.POST, "/api/v1/supervision-reports", token: s.svSH, json: Self.report(session: later))
                        .status
                        == .created)
            }
        }

        @Test func reportWindow_followsTheConfiguredDays() async throws {
            try await withTestApp(settings: { $0.supervisionReportDays = 1 }) { t in
                let s = try await dispatchedThen(t, try await Self.setup(t), "2026-05-22T08:00:00")
                let res = try await t.send(
                    .POST, "/api/v1/supervision-reports", token: s.svTJ, json: Self.report(session: s.session))
                #expect(try t.error(res).code == "too_late")
            }
        }

        @Test func visits_areFiledBySupervisors_onStationsOfOtherUnits() async throws {
            try await withTestApp { t in
                let s = try await Self.setup(t)
                let body = #"{"stationCode":"BJ-01","visitedOn":"2026-05-08","findings":"抽查考场"}"#
                let unit = try await t.send(.POST, "/api/v1/supervision-visits", token: s.bj, json: body)
                #expect(unit.status == .forbidden)
                #expect(try t.error(unit).code == "supervisors_only")
                let tied = try await t.send(.POST, "/api/v1/supervision-visits", token: s.svBJ, json: body)
                #expect(tied.status == .unprocessableEntity)
                #expect(try t.error(tied).details.first?["code"] as? String == "tied_to_station")
                let someoneElse = try await t.send(
                    .POST, "/api/v1/supervision-visits", token: s.svTJ,
                    json: #"{"supervisorId":"\#(s.shValid)","stationCode":"BJ-01","visitedOn":"2026-05-08","findings":"x"}"#)
                #expect(someoneElse.status == .forbidden)
                let visit = try t.object(try await t.send(.POST, "/api/v1/supervision-visits", token: s.svTJ, json: body))
                let id = try #require(visit["id"] as? String)
                #expect(visit["supervisorId"] as? String == s.tjValid)
                // Only its own supervisor reports on it.
                let notMine = try await t.send(.POST, "/api/v1/supervision-reports", token: s.svSH, json: Self.report(visit: id))
                #expect(notMine.status == .forbidden)
                #expect(try t.error(notMine).code == "not_your_visit")
                #expect(
                    try await t.send(.POST, "/api/v1/supervision-reports", token: s.svTJ, json: Self.report(visit: id)).status
                        == .created)
                #expect(try t.array(try await t.send(.GET, "/api/v1/supervision-visits", token: s.bj)).count == 1)
            }
        }

        @Test func column15_readsYes_onlyFromASupervisorsOwnReport() async throws {
            try await withTestApp { t in
                var s = try await Self.setup(t)
                func supervision() async throws -> Bool? {
                    let all = try t.object(try await t.send(.GET, "/api/v1/derived/2026Q2", token: s.admin))
                    return ((all["units"] as? [String: Any])?["110000"] as? [String: Any])?["supervision"] as? Bool
                }
                func unitView() async throws -> Bool? {
                    try t.object(try await t.send(.GET, "/api/v1/reports/2026Q2/110000/derived", token: s.bj))["supervision"]
                        as? Bool
                }
                // A session naming a supervisor (the old field), a dispatch and a visit: still no.
                let legacy = try await t.send(
                    .POST, "/api/v1/sessions", token: s.bj,
                    json:
                        #"{"stationCode":"BJ-01","occupation":"\#(Self.electrician)","level":"4","date":"2026-05-02","regionCode":"110000","standardKind":"national","bankKind":"national","bankCode":"B9","candidates":3,"passed":2,"feeYuan":"100","supervisorId":"\#(s.bjOwn)"}"#
                )
                #expect(legacy.status == .created, "\(legacy.body.string)")
                #expect(
                    try await t.send(
                        .POST, "/api/v1/sessions/\(s.session)/dispatch", token: s.bj,
                        json: #"{"supervisorIds":["\#(s.tjValid)"]}"#
                    ).status == .created)
                #expect(
                    try await t.send(
                        .POST, "/api/v1/supervision-visits", token: s.svSH,
                        json: #"{"stationCode":"BJ-01","visitedOn":"2026-05-09","findings":"抽查"}"#
                    ).status == .created)
                #expect(try await supervision() != true)
                #expect(try await unitView() == false)
                // The dispatched supervisor's report: yes, for the station's unit only.
                t.clock.set(beijing("2026-05-20T17:00:00"))
                s = try await s.again(t)
                #expect(
                    try await t.send(.POST, "/api/v1/supervision-reports", token: s.svTJ, json: Self.report(session: s.session))
                        .status
                        == .created)
                #expect(try await supervision() == true)
                #expect(try await unitView() == true)
                let tj = try t.object(try await t.send(.GET, "/api/v1/reports/2026Q2/120000/derived", token: s.tj))
                #expect(tj["supervision"] as? Bool == false)
                let q3 = try t.object(try await t.send(.GET, "/api/v1/reports/2026Q3/110000/derived", token: s.bj))
                #expect(q3["supervision"] as? Bool == false)
            }
        }

        @Test func violationFound_opensACase_forTheUnit() async throws {
            try await withTestApp { t in
                let s = try await dispatchedThen(t, try await Self.setup(t), "2026-05-21T10:00:00")
                let checklist =
                    #"{"examOrder":{"result":"problem","note":"替考"},"identityCheck":{"result":"problem","note":"未核验身份证"},"questionBank":{"result":"ok","note":""},"feeNotice":{"result":"ok","note":""},"violations":{"result":"problem","note":"替考一人"}}"#
                let res = try await t.send(
                    .POST, "/api/v1/supervision-reports", token: s.svTJ,
                    json: Self.report(session: s.session, checklist: checklist, violation: "illegal_exam"))
                #expect(res.status == .created, "\(res.body.string)")
                let report = try t.object(res)
                let caseID = try #require(report["complaintId"] as? String)
                #expect((report["checklist"] as? [String: [String: String]])?["examOrder"]?["note"] == "替考")
                let cases = try t.array(try await t.send(.GET, "/api/v1/complaints", token: s.bj))
                let found = try #require(cases.first { $0["id"] as? String == caseID })
                #expect(found["category"] as? String == "illegal_exam")
                #expect(found["channel"] as? String == "supervision")
                // Another unit does not see it.
                #expect(
                    try t.array(try await t.send(.GET, "/api/v1/complaints", token: s.tj)).allSatisfy {
                        $0["id"] as? String != caseID
                    })
                let d = try t.object(try await t.send(.GET, "/api/v1/reports/2026Q2/110000/derived", token: s.bj))
                #expect((d["violations"] as? [String: Int])?["uninvestigated"] == 1)
            }
        }

        @Test func parallelDuplicateReports_createExactlyOne() async throws {
            try await withTestApp { t in
                let s = try await dispatchedThen(t, try await Self.setup(t), "2026-05-20T18:00:00")
                let (token, body) = (s.svTJ, Self.report(session: s.session, violation: "illegal_exam"))
                let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                    for _ in 0..<8 {
                        group.addTask {
                            try await t.send(
                                .POST, "/api/v1/supervision-reports", token: token, json: body
                            ).status.code
                        }
                    }
                    return try await group.reduce(into: [UInt]()) { $0.append($1) }
                }
                #expect(statuses.filter { $0 == 201 }.count == 1, "\(statuses)")
                #expect(statuses.filter { $0 == 409 }.count == 7, "\(statuses)")
                #expect(try await reportCount(t, s) == 1)
                // The case was opened once: the refused ones rolled back with their report.
                let cases = try t.array(try await t.send(.GET, "/api/v1/complaints", token: s.bj))
                #expect(cases.filter { $0["channel"] as? String == "supervision" }.count == 1)
            }
        }

        @Test func pages_registerDispatchAndTheSupervisorsOwnPage() async throws {
            try await withTestApp { t in
                let s = try await Self.setup(t)
                let (adminCookie, adminCSRF) = try await AppTests.Web.webLogin(t, "admin", adminPassword)
                let register = try await t.send(.GET, "/registers/supervisors", headers: AppTests.Web.headers(adminCookie))
                #expect(register.status == .ok)
                #expect(register.body.string.contains(#"id="supervisor-form""#))
                #expect(register.body.string.contains("DD-310-0002"))
                // A unit's user reads the register, without forms.
                let (bjCookie, bjCSRF) = try await AppTests.Web.webLogin(t, "bj", "password-bj")
                // A unit's user has no supervisor's page.
                #expect(try await t.send(.GET, "/supervision", headers: AppTests.Web.headers(bjCookie)).status == .forbidden)
                let unitPage = try await t.send(.GET, "/registers/supervisors", headers: AppTests.Web.headers(bjCookie))
                #expect(unitPage.status == .ok && !unitPage.body.string.contains(#"id="supervisor-form""#))
                let refused = try await t.send(
                    .POST, "/registers/supervisors", headers: AppTests.Web.headers(bjCookie),
                    body:
                        "_csrf=\(bjCSRF)&unitCode=120000&name=x&licenceNo=DD-9-9999&validUntil=2030-01-01&occupations[]=\(Self.electrician)"
                )
                #expect(refused.status == .forbidden)
                // The ministry adds one from lists.
                let added = try await t.send(
                    .POST, "/registers/supervisors", headers: AppTests.Web.headers(adminCookie),
                    body:
                        "_csrf=\(adminCSRF)&unitCode=440000&name=%E7%B2%A4%E7%9D%A3%E5%AF%BC&licenceNo=DD-440-0001&validUntil=2030-01-01&occupations[]=\(Self.electrician)"
                )
                #expect(added.status == .seeOther, "\(added.body.string)")
                // A bad entry comes back with the reason next to its field, nothing stored.
                let bad = try await t.send(
                    .POST, "/registers/supervisors", headers: AppTests.Web.headers(adminCookie),
                    body: "_csrf=\(adminCSRF)&unitCode=440000&name=x&licenceNo=DD-440-0002&validUntil=2030-01-01")
                #expect(bad.status == .unprocessableEntity)
                #expect(bad.body.string.contains("请至少选择一个职业"))
                let entries = try t.array(try await t.send(.GET, "/api/v1/supervisors", token: s.admin))
                #expect(entries.count == 6)
                let gd = try #require(entries.first { $0["licenceNo"] as? String == "DD-440-0001" }?["id"] as? String)
                // The ministry extends the licence, changes the occupations, and creates the login.
                let edited = try await t.send(
                    .POST, "/registers/supervisors/\(gd)", headers: AppTests.Web.headers(adminCookie),
                    body:
                        "_csrf=\(adminCSRF)&validUntil=2032-06-30&occupations[]=\(Self.electrician)&occupations[]=\(Self.welder)")
                #expect(edited.status == .seeOther)
                let login = try await t.send(
                    .POST, "/registers/supervisors/\(gd)/login", headers: AppTests.Web.headers(adminCookie),
                    body: "_csrf=\(adminCSRF)&username=sv-gd&password=password-sv-gd")
                #expect(login.status == .seeOther)
                let english = try await t.send(.GET, "/registers/supervisors?lang=en", headers: AppTests.Web.headers(adminCookie))
                #expect(english.body.string.contains("Supervisor register") && english.body.string.contains("2032-06-30"))
                #expect(english.body.string.contains("sv-gd"))
                #expect(
                    try t.object(try await t.send(.GET, "/api/v1/auth/me", token: try await t.login("sv-gd", "password-sv-gd")))[
                        "supervisorId"] as? String == gd)
                // The session's page offers only the eligible supervisors, and draws.
                let page = try await t.send(.GET, "/registers/sessions/\(s.session)", headers: AppTests.Web.headers(bjCookie))
                let html = page.body.string
                #expect(html.contains(#"id="dispatch-form""#) && html.contains(#"id="draw-form""#))
                #expect(html.contains(s.tjValid) && !html.contains(s.tjExpiring) && !html.contains(s.bjOwn))
                let drawn = try await t.send(
                    .POST, "/registers/sessions/\(s.session)/dispatch", headers: AppTests.Web.headers(bjCookie),
                    body: "_csrf=\(bjCSRF)&draw=3")
                #expect(drawn.status == .seeOther)
                let after = try await t.send(.GET, "/registers/sessions/\(s.session)", headers: AppTests.Web.headers(bjCookie))
                #expect(after.body.string.contains(#"class="seed""#))
                // The draw's pool is listed beside its seed, so an auditor replays it from the page.
                #expect(after.body.string.contains(#"class="draw-pool""#) && after.body.string.contains("津督导（DD-120-0001）"))
                // The supervisor's own page lists the dispatch; the report goes in from it.
                let d = try t.object(try await t.send(.GET, "/api/v1/sessions/\(s.session)/dispatch", token: s.admin))
                #expect((d["dispatches"] as? [[String: Any]])?.contains { $0["supervisorId"] as? String == s.tjValid } == true)
                t.clock.set(beijing("2026-05-20T18:00:00"))
                let (svCookie, svCSRF) = try await AppTests.Web.webLogin(t, "sv-tj", "password-sv-tj")
                let home = try await t.send(.GET, "/supervision", headers: AppTests.Web.headers(svCookie))
                #expect(home.status == .ok)
                #expect(home.body.string.contains(#"id="report-form""#))
                #expect(home.body.string.contains("session:\(s.session)"))
                let filed = try await t.send(
                    .POST, "/supervision/reports", headers: AppTests.Web.headers(svCookie),
                    body:
                        "_csrf=\(svCSRF)&subject=session:\(s.session)&examOrder=ok&identityCheck=ok&questionBank=ok&feeNotice=problem&feeNoticeNote=%E6%9C%AA%E5%85%AC%E7%A4%BA&violations=ok&findings=%E8%89%AF%E5%A5%BD&violationCategory="
                )
                #expect(filed.status == .seeOther, "\(filed.body.string)")
                let done = try await t.send(.GET, "/supervision?lang=en", headers: AppTests.Web.headers(svCookie))
                #expect(done.body.string.contains("assignment-reported"))
            }
        }
    }
}
