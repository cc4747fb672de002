import CertificateKit
import Domain
import Foundation
import Testing

/// The register, session and scope rules, without a server: each refusal names its field and code.
@Suite struct RegisterRulesTests {
    func codes<T>(_ r: Result<T, ValidationFailure>) -> [String] {
        if case .failure(let f) = r { return f.issues.map { "\($0.field):\($0.code)" } }
        return []
    }

    @Test func codes_arePlain_andDaysAreRealDays() {
        #expect(RegisterRules.isPlainCode("BJ-01", 2...30))
        for bad in ["../x", "a/b", "a#b", "x", "站点", "a b", String(repeating: "a", count: 31)] {
            #expect(!RegisterRules.isPlainCode(bad, 2...30), "\(bad)")
        }
        #expect(RegisterRules.isDay("2024-02-29") && !RegisterRules.isDay("2025-02-29") && !RegisterRules.isDay("2025-13-01"))
        #expect(!RegisterRules.isDay("1899-12-31") && !RegisterRules.isDay("2025-1-01") && !RegisterRules.isDay("2025-04-31"))
    }

    @Test func occupation_trimsAndChecksCodeAndName() throws {
        let o = try RegisterRules.occupation(code: " 6-07-06-01 ", name: " 电工 ").get()
        #expect(o.code == "6-07-06-01" && o.name == "电工")
        #expect(codes(RegisterRules.occupation(code: "x/y", name: "")) == ["code:invalid", "name:invalid"])
    }

    @Test func station_needsAKnownRegion_andAScopeOfActiveOccupations() {
        let ok = RegisterRules.station(
            code: "BJ-01", name: "一站", regionCode: "110000", scope: [("6-07-06-01", "3")],
            regions: ["110000"], activeOccupations: ["6-07-06-01"])
        #expect((try? ok.get())?.scope == [.init(occupation: "6-07-06-01", maxLevel: .three)])
        let bad = RegisterRules.station(
            code: "BJ-01", name: "一站", regionCode: "999999",
            scope: [("6-07-06-01", "3"), ("6-07-06-01", "6"), ("0-00", "5")],
            regions: ["110000"], activeOccupations: ["6-07-06-01"])
        #expect(
            codes(bad) == [
                "regionCode:unknown_region", "scope[1].maxLevel:unknown_level", "scope[2].occupation:unknown_occupation",
                "scope:duplicate",
            ])
    }

    @Test func scope_coversLevelsUpToItsHighest() {
        let s = RegisterRules.Scope(occupation: "6-07-06-01", maxLevel: .three)
        #expect(s.covers(occupation: "6-07-06-01", level: .five) && s.covers(occupation: "6-07-06-01", level: .three))
        #expect(!s.covers(occupation: "6-07-06-01", level: .two) && !s.covers(occupation: "6-18-02-04", level: .five))
    }

    @Test func supervisor_andVisit_rules() {
        #expect(
            codes(RegisterRules.supervisor(name: "", licenceNo: "123", validUntil: "2025-02-30"))
                == ["name:invalid", "licenceNo:invalid", "validUntil:invalid_date"])
        let sv = RegisterRules.SupervisorFacts(unitCode: "110000", active: true, validUntil: "2025-06-30")
        func visit(
            on day: String, supervisor: RegisterRules.SupervisorFacts? = nil, stationUnit: String? = "120000",
            found: Bool = true, handled: Bool = false
        ) -> [String] {
            codes(
                RegisterRules.visit(
                    visitedOn: day, findings: "考场规范", violationFound: found, violationHandled: handled,
                    supervisor: supervisor ?? sv, stationUnit: stationUnit, sessionAtStation: nil, today: "2025-12-31"))
        }
        #expect(visit(on: "2025-06-30") == [])
        #expect(visit(on: "2025-07-01") == ["supervisorId:licence_expired"])
        #expect(visit(on: "2026-01-01") == ["visitedOn:future_date", "supervisorId:licence_expired"])
        #expect(visit(on: "2025-06-01", found: false, handled: true) == ["violationHandled:inconsistent"])
        // The tie rule: a supervisor never visits a station of their own home unit.
        #expect(visit(on: "2025-06-01", stationUnit: "110000") == ["stationCode:tied_to_station"])
        #expect(
            visit(on: "2025-06-01", supervisor: .init(unitCode: "110000", active: false, validUntil: nil))
                == ["supervisorId:unknown_supervisor"])
    }

    static let facts = ExamSessions.Facts(
        stations: [
            "BJ-01": .init(
                unitCode: "110000", status: .active, regionCode: "110000",
                scope: [.init(occupation: "6-07-06-01", maxLevel: .three)],
                licence: .init(licenceNo: "京鉴001", expires: "2027-12-31")),
            "BJ-02": .init(unitCode: "110000", status: .suspended, regionCode: "110000", scope: []),
        ],
        occupations: ["6-07-06-01", "6-18-02-04"], regions: ["110000", "120000"],
        supervisors: [
            UUID(uuidString: "00000000-0000-0000-0000-000000000001")!:
                .init(unitCode: "110000", active: true, validUntil: "2025-03-31")
        ],
        today: "2025-06-30")

    func session(_ change: (inout ExamSessions.Input) -> Void = { _ in }) -> ExamSessions.Input {
        var i = ExamSessions.Input(
            stationCode: "BJ-01", occupation: "6-07-06-01", level: "4", date: "2025-05-01",
            regionCode: "110000", standardKind: "national", bankKind: "national", bankCode: "GJ",
            candidates: 30, passed: 20, fee: .success(Money(fen: 12000)), supervisorId: nil)
        change(&i)
        return i
    }

    @Test func session_check_refusesEachBadField() throws {
        let e = try ExamSessions.check(session(), unit: "110000", Self.facts).get()
        #expect(e.level == .four && e.fee == Money(fen: 12000))
        #expect(codes(ExamSessions.check(session(), unit: "120000", Self.facts)) == ["stationCode:unknown_station"])
        #expect(
            codes(ExamSessions.check(session { $0.stationCode = "BJ-02" }, unit: nil, Self.facts)) == [
                "stationCode:station_suspended"
            ])
        #expect(codes(ExamSessions.check(session { $0.passed = 31 }, unit: nil, Self.facts)) == ["passed:exceeds_candidates"])
        #expect(codes(ExamSessions.check(session { $0.date = "2025-07-01" }, unit: nil, Self.facts)) == ["date:future_date"])
        // A session ahead without passes is a plan (supervisors are dispatched to it), at most a year ahead.
        #expect(
            codes(
                ExamSessions.check(
                    session {
                        $0.date = "2025-07-01"
                        $0.passed = 0
                    }, unit: nil, Self.facts)) == [])
        #expect(
            codes(
                ExamSessions.check(
                    session {
                        $0.date = "2026-07-01"
                        $0.passed = 0
                    }, unit: nil, Self.facts)) == [
                    "date:too_far_ahead"
                ])
        #expect(
            codes(ExamSessions.check(session { $0.fee = .failure(.malformed) }, unit: nil, Self.facts)) == [
                "feeYuan:invalid_money"
            ])
        #expect(
            codes(
                ExamSessions.check(
                    session {
                        $0.standardKind = "x"
                        $0.bankKind = "y"
                        $0.level = "6"
                    }, unit: nil, Self.facts))
                == ["level:unknown_level", "standardKind:invalid", "bankKind:invalid"])
        // The supervisor's licence ended before the session.
        let sv = UUID(uuidString: "00000000-0000-0000-0000-000000000001")!
        #expect(
            codes(ExamSessions.check(session { $0.supervisorId = sv }, unit: nil, Self.facts)) == ["supervisorId:licence_expired"]
        )
        #expect(
            codes(
                ExamSessions.check(
                    session {
                        $0.supervisorId = sv
                        $0.date = "2025-03-31"
                    }, unit: nil, Self.facts)) == [])
        #expect(
            codes(ExamSessions.check(session { $0.supervisorId = UUID() }, unit: nil, Self.facts)) == [
                "supervisorId:unknown_supervisor"
            ])
    }

    /// Column 14's rule (跨地区、超范围鉴定), stated once; `Derivation` counts the same in SQL.
    @Test func breaches_crossRegion_outOfScope_aboveLevel() {
        let st = Self.facts.stations["BJ-01"]!
        #expect(ExamSessions.breaches(regionCode: "110000", occupation: "6-07-06-01", level: .three, at: st) == [])
        #expect(ExamSessions.breaches(regionCode: "120000", occupation: "6-07-06-01", level: .five, at: st) == [.crossRegion])
        #expect(ExamSessions.breaches(regionCode: "110000", occupation: "6-18-02-04", level: .five, at: st) == [.outOfScope])
        #expect(
            ExamSessions.breaches(regionCode: "120000", occupation: "6-07-06-01", level: .two, at: st) == [
                .crossRegion, .aboveLevel,
            ])
    }

    @Test func overcharge_isAFeeAboveTheStandard_andNoStandardIsNoOvercharge() {
        #expect(ExamSessions.isOvercharged(fee: Money(fen: 10001), standard: Money(fen: 10000)))
        #expect(!ExamSessions.isOvercharged(fee: Money(fen: 10000), standard: Money(fen: 10000)))
        #expect(!ExamSessions.isOvercharged(fee: Money(fen: 99999), standard: nil))
    }

    @Test func periods_readAsAnOfficialWritesThem() {
        #expect(Period("2025Q1")?.nameZh == "2025年第一季度" && Period("2003Q4")?.nameZh == "2003年第四季度")
        #expect(Period("2025Q3")?.nameEn == "Q3 2025")
    }
}
