import CertificateKit
import Domain
import Foundation
import Testing

/// Stations' licences and annual inspections: what is accepted, and when a station may hold a
/// session or be listed publicly.
@Suite struct StationLicenceTests {
    func codes<T>(_ r: Result<T, ValidationFailure>) -> [String] {
        if case .failure(let f) = r { return f.issues.map { "\($0.field):\($0.code)" } }
        return []
    }

    @Test func licence_needsAllFourFields_eachChecked() throws {
        let ok = try RegisterRules.licence(
            licenceNo: " 京鉴许字001号 ", licenceExpires: "2027-12-31", address: "北京市朝阳区1号", personInCharge: "张三"
        ).get()
        #expect(ok.licenceNo == "京鉴许字001号" && ok.licenceExpires == "2027-12-31")
        #expect(
            codes(RegisterRules.licence(licenceNo: nil, licenceExpires: nil, address: " ", personInCharge: ""))
                == ["licenceNo:required", "licenceExpires:required", "address:required", "personInCharge:required"])
        #expect(
            codes(
                RegisterRules.licence(
                    licenceNo: String(repeating: "号", count: 51), licenceExpires: "2027-02-30",
                    address: String(repeating: "路", count: 201), personInCharge: "张\t三"))
                == ["licenceNo:invalid", "licenceExpires:invalid_date", "address:invalid", "personInCharge:invalid"])
        #expect(
            codes(
                RegisterRules.licence(
                    licenceNo: "A\u{7}1", licenceExpires: "2027-1-1", address: String(repeating: "路", count: 200),
                    personInCharge: String(repeating: "张", count: 50)))
                == ["licenceNo:invalid", "licenceExpires:invalid_date"])
    }

    @Test func inspection_dayNotInTheFuture_yearOfTheDayOrTheOneBefore_noteForSeriousOutcomes() throws {
        let e = try RegisterRules.inspection(
            year: nil, inspectedOn: "2026-03-01", outcome: "qualified", note: nil, today: "2026-05-10"
        )
        .get()
        #expect(e.year == 2026 && e.outcome == .qualified && e.note.isEmpty)
        #expect(
            (try? RegisterRules.inspection(
                year: 2025, inspectedOn: "2026-01-15", outcome: "rectification", note: "考场监控缺失", today: "2026-05-10"
            ).get())?.year == 2025)
        #expect(
            codes(
                RegisterRules.inspection(
                    year: 2024, inspectedOn: "2026-01-15", outcome: "qualified", note: nil, today: "2026-05-10"))
                == ["year:year_mismatch"])
        #expect(
            codes(
                RegisterRules.inspection(year: 1800, inspectedOn: "2026-05-11", outcome: "passed", note: nil, today: "2026-05-10")
            )
                == ["inspectedOn:future_date", "year:invalid", "outcome:invalid"])
        #expect(
            codes(
                RegisterRules.inspection(year: nil, inspectedOn: "2026-02-30", outcome: "revoked", note: " ", today: "2026-05-10")
            )
                == ["inspectedOn:invalid_date", "note:required"])
        #expect(
            codes(
                RegisterRules.inspection(
                    year: nil, inspectedOn: "2026-02-03", outcome: "qualified",
                    note: String(repeating: "字", count: RegisterRules.maxInspectionNote + 1), today: "2026-05-10"))
                == ["note:invalid"])
    }

    @Test func refusal_unrecorded_lapsedOnTheDay_revokedFromTheInspectionOn_untilALaterYearQualifies() {
        let none = RegisterRules.StationLicence.notRecorded
        #expect(none.refusal(on: "2026-01-01") == .unlicensed && none.refusal(on: nil) == .unlicensed)
        #expect(RegisterRules.StationLicence(licenceNo: "", expires: "2027-01-01").refusal(on: nil) == .unlicensed)
        let plain = RegisterRules.StationLicence(licenceNo: "L1", expires: "2026-06-30")
        #expect(plain.refusal(on: "2026-06-30") == nil)
        #expect(plain.refusal(on: "2026-07-01") == .lapsed)
        #expect(plain.refusal(on: nil) == nil)
        let revoked = RegisterRules.StationLicence(
            licenceNo: "L1", expires: "2028-12-31",
            inspections: [
                .init(year: 2024, inspectedOn: "2024-11-01", outcome: .rectification),
                .init(year: 2025, inspectedOn: "2025-10-01", outcome: .revoked),
                .init(year: 2027, inspectedOn: "2027-03-01", outcome: .qualified),
            ])
        #expect(revoked.refusal(on: "2025-09-30") == nil)  // held before the revocation
        #expect(revoked.latestInspection(on: "2025-09-30")?.outcome == .rectification)
        #expect(revoked.refusal(on: "2025-10-01") == .revoked)
        #expect(revoked.refusal(on: "2027-02-28") == .revoked)
        #expect(revoked.refusal(on: "2027-03-01") == nil)  // licensed again
        // Revoked is said before lapsed.
        #expect(
            RegisterRules.StationLicence(licenceNo: "L1", expires: "2025-12-31", inspections: revoked.inspections)
                .refusal(on: "2026-01-01") == .revoked)
        #expect(RegisterRules.isPubliclyListed(status: .active, licence: plain, today: "2026-06-30"))
        #expect(!RegisterRules.isPubliclyListed(status: .suspended, licence: plain, today: "2026-06-30"))
        #expect(!RegisterRules.isPubliclyListed(status: .active, licence: plain, today: "2026-07-01"))
    }

    @Test func sessions_atAStationWithoutAValidLicence_areRefusedWithTheirOwnCodes() {
        func facts(_ licence: RegisterRules.StationLicence) -> ExamSessions.Facts {
            ExamSessions.Facts(
                stations: [
                    "S": .init(
                        unitCode: "110000", status: .active, regionCode: "110000",
                        scope: [.init(occupation: "6-07-06-01", maxLevel: .three)], licence: licence)
                ], occupations: ["6-07-06-01"], regions: ["110000"], supervisors: [:], today: "2026-05-10")
        }
        func check(_ licence: RegisterRules.StationLicence, date: String = "2026-05-01") -> [String] {
            let input = ExamSessions.Input(
                stationCode: "S", occupation: "6-07-06-01", level: "4", date: date, regionCode: "110000",
                standardKind: "national", bankKind: "national", bankCode: "GJ", candidates: 10, passed: 9,
                fee: .success(Money(fen: 100)), supervisorId: nil)
            return codes(ExamSessions.check(input, unit: "110000", facts(licence)))
        }
        #expect(check(.init(licenceNo: "L", expires: "2026-12-31")) == [])
        #expect(check(.notRecorded) == ["stationCode:station_unlicensed"])
        #expect(check(.notRecorded, date: "bad") == ["stationCode:station_unlicensed", "date:invalid_date"])
        #expect(check(.init(licenceNo: "L", expires: "2026-04-30")) == ["stationCode:station_licence_lapsed"])
        #expect(
            check(
                .init(
                    licenceNo: "L", expires: "2026-12-31",
                    inspections: [.init(year: 2026, inspectedOn: "2026-04-01", outcome: .revoked)]))
                == ["stationCode:station_revoked"])
        #expect(
            check(
                .init(
                    licenceNo: "L", expires: "2026-12-31",
                    inspections: [.init(year: 2026, inspectedOn: "2026-04-01", outcome: .rectification)]))
                == [])
    }
}
