import CertificateKit
import Domain
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import App

/// Stations licensed and public (issue 10, part 4): the licence fields, the annual inspection,
/// the sessions they stop, and the public list of authorised stations.
extension AppTests {
    @Suite struct Stations {
        typealias R = AppTests.Registers

        static func licence(no: String = "鉴许字（2024）002号", expires: String = "2030-12-31") -> String {
            #""licenceNo":"\#(no)","licenceExpires":"\#(expires)","address":"北京市海淀区学院路2号","personInCharge":"李站长""#
        }

        /// A station of Beijing's unit, licensed as asked (`licence` nil: without the four fields).
        static func station(
            _ t: TestApp, _ token: String, code: String, name: String = "北京第二鉴定站", unit: String = "110000",
            region: String = "110000", occupation: String = "6-07-06-01", licence: String? = Self.licence()
        ) async throws -> TestingHTTPResponse {
            let extra = licence.map { "," + $0 } ?? ""
            return try await t.send(
                .POST, "/api/v1/stations", token: token,
                json:
                    #"{"code":"\#(code)","name":"\#(name)","unitCode":"\#(unit)","regionCode":"\#(region)","scope":[{"occupation":"\#(occupation)","maxLevel":"3"}]\#(extra)}"#
            )
        }

        /// A station as it stood before licences were kept: written straight to the database.
        static func legacyStation(_ t: TestApp, code: String, unit: String = "110000") async throws {
            try await t.app.write { db in
                let s = Station()
                s.id = code
                s.name = "旧鉴定站\(code)"
                s.$unit.id = unit
                s.$region.id = unit
                s.status = .active
                try await s.create(on: db)
                try await StationScope(station: code, occupation: "6-07-06-01", maxLevel: "3").create(on: db)
            }
        }

        static func stationJSON(_ t: TestApp, _ token: String, _ code: String) async throws -> [String: Any]? {
            try t.array(try await t.send(.GET, "/api/v1/stations", token: token)).first { $0["code"] as? String == code }
        }

        static func inspection(year: Int? = nil, on day: String, _ outcome: String, note: String = "") -> String {
            let y = year.map { #""year":\#($0),"# } ?? ""
            return #"{\#(y)"inspectedOn":"\#(day)","outcome":"\#(outcome)","note":"\#(note)"}"#
        }

        static func publicCodes(_ t: TestApp, _ query: String = "") async throws -> [String] {
            let res = try await t.send(.GET, "/api/v1/public/stations" + query)
            #expect(res.status == .ok, "\(query): \(res.body.string)")
            return try ((t.object(res)["items"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String }
        }

        // MARK: Licence

        @Test func createStation_withoutLicenceFields_names_eachField_andStoresNothing() async throws {
            try await withTestApp { t in
                let s = try await R.setup(t)
                let missing = try await Self.station(t, s.bj, code: "BJ-02", licence: nil)
                #expect(missing.status == .unprocessableEntity)
                let e = try t.error(missing)
                #expect(e.code == "validation_failed")
                #expect(
                    e.details.compactMap { $0["field"] as? String } == [
                        "licenceNo", "licenceExpires", "address", "personInCharge",
                    ])
                #expect(e.details.allSatisfy { $0["code"] as? String == "required" })
                let bad = try await Self.station(
                    t, s.bj, code: "BJ-02",
                    licence:
                        #""licenceNo":"\#(String(repeating: "号", count: 51))","licenceExpires":"2030-02-30","address":"\#(String(repeating: "路", count: 201))","personInCharge":"张\t三""#
                )
                #expect(bad.status == .unprocessableEntity)
                #expect(
                    try t.error(bad).details.map { "\($0["field"] ?? ""):\($0["code"] ?? "")" } == [
                        "licenceNo:invalid", "licenceExpires:invalid_date", "address:invalid", "personInCharge:invalid",
                    ])
                // Station and licence problems come together.
                let both = try await t.send(
                    .POST, "/api/v1/stations", token: s.bj,
                    json: #"{"code":"B/2","name":"站","unitCode":"110000","regionCode":"110000","scope":[]}"#)
                #expect(
                    try t.error(both).details.compactMap { $0["field"] as? String } == [
                        "code", "licenceNo", "licenceExpires", "address", "personInCharge",
                    ])
                #expect(try await Self.stationJSON(t, s.admin, "BJ-02") == nil)

                let made = try await Self.station(t, s.bj, code: "BJ-02")
                #expect(made.status == .created)
                let o = try t.object(made)
                #expect(o["licenceNo"] as? String == "鉴许字（2024）002号" && o["licenceExpires"] as? String == "2030-12-31")
                #expect(o["address"] as? String == "北京市海淀区学院路2号" && o["personInCharge"] as? String == "李站长")
                #expect(o["licenceState"] as? String == "valid")
            }
        }

        @Test func legacyStation_isNotRecorded_refusesSessions_untilItsUnitRecordsTheLicence_audited() async throws {
            try await withTestApp { t in
                let s = try await R.setup(t)
                try await Self.legacyStation(t, code: "OLD-1")
                let before = try #require(try await Self.stationJSON(t, s.bj, "OLD-1"))
                #expect(before["licenceState"] as? String == "not_recorded" && before["licenceNo"] == nil)
                let refused = try await t.send(
                    .POST, "/api/v1/sessions", token: s.bj, json: R.session(station: "OLD-1", date: "2026-05-01"))
                #expect(refused.status == .unprocessableEntity)
                #expect(try t.error(refused).details.first?["code"] as? String == "station_unlicensed")
                #expect(try t.error(refused).details.first?["field"] as? String == "stationCode")
                #expect(!(try await Self.publicCodes(t)).contains("OLD-1"))

                // One field is not a licence: the other three are named.
                let partial = try await t.send(
                    .PATCH, "/api/v1/stations/OLD-1", token: s.bj, json: #"{"licenceNo":"京鉴009"}"#)
                #expect(partial.status == .unprocessableEntity)
                #expect(
                    try t.error(partial).details.compactMap { $0["field"] as? String } == [
                        "licenceExpires", "address", "personInCharge",
                    ])
                #expect(try await Self.stationJSON(t, s.bj, "OLD-1")?["licenceNo"] == nil)
                // Another unit never records it; the ministry could.
                let foreign = try await t.send(.PATCH, "/api/v1/stations/OLD-1", token: s.tj, json: "{\(Self.licence())}")
                #expect(foreign.status == .forbidden)
                #expect(try t.error(foreign).code == "other_unit")
                #expect(
                    try await t.send(.PATCH, "/api/v1/stations/NOPE", token: s.bj, json: "{\(Self.licence())}").status
                        == .notFound)
                #expect(try await t.send(.PATCH, "/api/v1/stations/OLD-1", json: "{\(Self.licence())}").status == .unauthorized)

                let recorded = try await t.send(
                    .PATCH, "/api/v1/stations/OLD-1", token: s.bj, json: "{\(Self.licence(no: "京鉴009"))}")
                #expect(recorded.status == .ok)
                #expect(try t.object(recorded)["licenceState"] as? String == "valid")
                #expect(
                    try await t.send(
                        .POST, "/api/v1/sessions", token: s.bj, json: R.session(station: "OLD-1", date: "2026-05-01")
                    )
                    .status == .created)
                #expect(try await Self.publicCodes(t).contains("OLD-1"))
                // Renewing the expiry alone keeps the rest.
                let renewed = try t.object(
                    try await t.send(
                        .PATCH, "/api/v1/stations/OLD-1", token: s.admin, json: #"{"licenceExpires":"2031-06-30"}"#))
                #expect(renewed["licenceExpires"] as? String == "2031-06-30" && renewed["licenceNo"] as? String == "京鉴009")
                let events = try t.array(try await t.send(.GET, "/api/v1/register-events", token: s.admin)).filter {
                    $0["key"] as? String == "OLD-1"
                }
                #expect(events.filter { $0["action"] as? String == "licence" }.count == 2)
                #expect(events.contains { ($0["detail"] as? String)?.contains("licenceNo=京鉴009") == true })
            }
        }

        @Test func lapsedLicence_refusesSessionsAfterItsExpiry_andLeavesThePublicList() async throws {
            try await withTestApp { t in
                let s = try await R.setup(t)
                #expect(
                    try await Self.station(t, s.bj, code: "BJ-L", licence: Self.licence(expires: "2026-04-30")).status == .created
                )
                #expect(
                    try await t.send(.POST, "/api/v1/sessions", token: s.bj, json: R.session(station: "BJ-L", date: "2026-04-30"))
                        .status == .created)
                let lapsed = try await t.send(
                    .POST, "/api/v1/sessions", token: s.bj, json: R.session(station: "BJ-L", date: "2026-05-01"))
                #expect(lapsed.status == .unprocessableEntity)
                #expect(try t.error(lapsed).details.first?["code"] as? String == "station_licence_lapsed")
                #expect(try await Self.stationJSON(t, s.bj, "BJ-L")?["licenceState"] as? String == "lapsed")
                #expect(!(try await Self.publicCodes(t)).contains("BJ-L"))
                // The CSV import names the line.
                let csv =
                    App.Registers.sessionCSVHeader.joined(separator: ",")
                    + "\nBJ-L,6-07-06-01,4,2026-05-02,110000,national,national,B1,10,9,100.00,\n"
                let imported = try t.object(
                    try await t.send(.POST, "/api/v1/sessions/import", token: s.bj, body: csv, contentType: "text/csv"))
                let errors = try #require(imported["errors"] as? [[String: Any]])
                #expect(errors.count == 1 && errors.first?["line"] as? Int == 2)
                #expect(errors.first?["code"] as? String == "station_licence_lapsed")
                #expect(imported["imported"] as? Int == 0)
            }
        }

        // MARK: Annual inspections

        @Test func inspection_oneAYear_correctedByRecordingAgain_audited_andRevokedStopsSessionsFromItsDay() async throws {
            try await withTestApp { t in
                let s = try await R.setup(t)
                let first = try await t.send(
                    .POST, "/api/v1/stations/BJ-01/inspections", token: s.bj,
                    json: Self.inspection(on: "2026-03-01", "rectification", note: "考务档案不全"))
                #expect(first.status == .created)
                let o = try t.object(first)
                #expect(
                    o["year"] as? Int == 2026 && o["outcome"] as? String == "rectification" && o["recordedBy"] as? String == "bj")
                #expect(
                    try await t.send(
                        .POST, "/api/v1/stations/BJ-01/inspections", token: s.admin,
                        json: Self.inspection(year: 2025, on: "2026-01-10", "qualified")
                    ).status == .created)
                // Sessions before the revocation stand; from its day they are refused.
                let corrected = try await t.send(
                    .POST, "/api/v1/stations/BJ-01/inspections", token: s.admin,
                    json: Self.inspection(on: "2026-04-15", "revoked", note: "冒名顶替考试，撤销鉴定资格"))
                #expect(corrected.status == .ok)
                let list = try t.array(try await t.send(.GET, "/api/v1/stations/BJ-01/inspections", token: s.bj))
                #expect(list.map { $0["year"] as? Int } == [2026, 2025])
                #expect(list.first?["outcome"] as? String == "revoked" && list.first?["inspectedOn"] as? String == "2026-04-15")
                #expect(
                    try await t.send(.POST, "/api/v1/sessions", token: s.bj, json: R.session(date: "2026-04-14")).status
                        == .created)
                let refused = try await t.send(.POST, "/api/v1/sessions", token: s.bj, json: R.session(date: "2026-04-15"))
                #expect(refused.status == .unprocessableEntity)
                #expect(try t.error(refused).details.first?["code"] as? String == "station_revoked")
                let station = try #require(try await Self.stationJSON(t, s.bj, "BJ-01"))
                #expect(station["licenceState"] as? String == "revoked")
                #expect((station["latestInspection"] as? [String: Any])?["outcome"] as? String == "revoked")
                #expect(!(try await Self.publicCodes(t)).contains("BJ-01"))
                let events = try t.array(try await t.send(.GET, "/api/v1/register-events", token: s.admin)).filter {
                    $0["register"] as? String == "station-inspection"
                }
                #expect(Set(events.compactMap { $0["action"] as? String }) == ["create", "correct"])
                #expect(
                    events.contains {
                        $0["action"] as? String == "correct"
                            && ($0["detail"] as? String)?.hasPrefix("rectification 2026-03-01 → revoked") == true
                    })
                // A later year's 合格 licenses it again.
                t.clock.set(beijing("2027-02-01T09:00:00"))
                let admin = try await t.admin()
                let bj = try await t.login("bj", "password-bj")
                #expect(
                    try await t.send(
                        .POST, "/api/v1/stations/BJ-01/inspections", token: admin,
                        json: Self.inspection(on: "2027-01-20", "qualified")
                    ).status == .created)
                #expect(
                    try await t.send(.POST, "/api/v1/sessions", token: bj, json: R.session(date: "2027-01-25")).status == .created
                )
                #expect(try await Self.publicCodes(t).contains("BJ-01"))
            }
        }

        @Test func inspection_refusals_areDocumented422s_andChangeNothing() async throws {
            try await withTestApp { t in
                let s = try await R.setup(t)
                let cases: [(String, String, String)] = [
                    (Self.inspection(on: "2026-05-11", "qualified"), "inspectedOn", "future_date"),
                    (Self.inspection(on: "2026-02-30", "qualified"), "inspectedOn", "invalid_date"),
                    (Self.inspection(on: "2026-02-03", "passed"), "outcome", "invalid"),
                    (Self.inspection(on: "2026-02-03", "revoked"), "note", "required"),
                    (Self.inspection(on: "2026-02-03", "rectification", note: "  "), "note", "required"),
                    (Self.inspection(year: 2024, on: "2026-02-03", "qualified"), "year", "year_mismatch"),
                    (Self.inspection(year: 1800, on: "2026-02-03", "qualified"), "year", "invalid"),
                    (
                        #"{"inspectedOn":"2026-02-03","outcome":"qualified","note":"\#(String(repeating: "字", count: 2001))"}"#,
                        "note", "invalid"
                    ),
                ]
                for (body, field, code) in cases {
                    let r = try await t.send(.POST, "/api/v1/stations/BJ-01/inspections", token: s.bj, json: body)
                    #expect(r.status == .unprocessableEntity, "\(field) \(code)")
                    let e = try t.error(r)
                    #expect(
                        e.details.first?["field"] as? String == field && e.details.first?["code"] as? String == code, "\(body)")
                }
                let notANumber = try await t.send(
                    .POST, "/api/v1/stations/BJ-01/inspections", token: s.bj, json: #"{"year":"x","inspectedOn":"2026-02-03"}"#)
                #expect([400, 422].contains(notANumber.status.code))
                _ = try t.error(notANumber)
                #expect(try t.array(try await t.send(.GET, "/api/v1/stations/BJ-01/inspections", token: s.bj)).isEmpty)
                #expect(
                    try t.array(try await t.send(.GET, "/api/v1/register-events", token: s.admin)).allSatisfy {
                        $0["register"] as? String != "station-inspection"
                    })
            }
        }

        /// A unit never reads or changes another unit's station; supervisors read their own unit's
        /// but write nothing; the ministry does both.
        @Test func authorisation_matrix_forLicencesAndInspections() async throws {
            try await withTestApp { t in
                let s = try await R.setup(t)
                let sv = try await t.user("sv-bj", role: "supervisor", unit: "110000")
                let body = Self.inspection(on: "2026-03-01", "qualified")
                // Writes: (token, station) → status.
                let writes: [(String, String, String, HTTPStatus)] = [
                    ("tj", s.tj, "BJ-01", .forbidden), ("bj", s.bj, "TJ-01", .forbidden), ("supervisor", sv, "BJ-01", .forbidden),
                    ("bj", s.bj, "NOPE", .notFound),
                ]
                for (who, token, station, status) in writes {
                    let r = try await t.send(.POST, "/api/v1/stations/\(station)/inspections", token: token, json: body)
                    #expect(r.status == status, "\(who) → \(station)")
                    _ = try t.error(r)
                    let patch = try await t.send(
                        .PATCH, "/api/v1/stations/\(station)", token: token, json: #"{"licenceExpires":"2040-01-01"}"#)
                    #expect(patch.status == status, "\(who) PATCH \(station)")
                }
                // Refused for the role before the (malformed) body is read.
                #expect(
                    try await t.send(.POST, "/api/v1/stations/BJ-01/inspections", token: sv, json: "garbage").status == .forbidden
                )
                #expect(
                    try await t.send(.POST, "/api/v1/stations/TJ-01/inspections", token: s.bj, json: "garbage").status
                        == .forbidden)
                #expect(try await t.send(.POST, "/api/v1/stations/BJ-01/inspections", json: body).status == .unauthorized)
                #expect(try await t.send(.GET, "/api/v1/stations/BJ-01/inspections").status == .unauthorized)
                // Reads.
                #expect(try await t.send(.GET, "/api/v1/stations/TJ-01/inspections", token: s.bj).status == .forbidden)
                #expect(try await t.send(.GET, "/api/v1/stations/BJ-01/inspections", token: sv).status == .ok)
                #expect(try await t.send(.GET, "/api/v1/stations/TJ-01/inspections", token: s.admin).status == .ok)
                #expect(
                    try t.array(try await t.send(.GET, "/api/v1/stations", token: s.bj)).map { $0["code"] as? String } == [
                        "BJ-01"
                    ])
                // Nothing changed.
                #expect(try await Self.stationJSON(t, s.admin, "BJ-01")?["licenceExpires"] as? String == "2030-12-31")
                #expect(try await Self.stationJSON(t, s.admin, "TJ-01")?["licenceExpires"] as? String == "2030-12-31")
                #expect(try t.array(try await t.send(.GET, "/api/v1/stations/BJ-01/inspections", token: s.admin)).isEmpty)
                // The owners and the ministry may.
                #expect(
                    try await t.send(.POST, "/api/v1/stations/BJ-01/inspections", token: s.bj, json: body).status == .created)
                #expect(
                    try await t.send(.POST, "/api/v1/stations/TJ-01/inspections", token: s.admin, json: body).status == .created)
                // A deactivated unit's station is written by nobody.
                #expect(
                    try await t.send(.PATCH, "/api/v1/units/120000", token: s.admin, json: #"{"active":false}"#).status == .ok)
                let inactive = try await t.send(
                    .POST, "/api/v1/stations/TJ-01/inspections", token: s.admin,
                    json: Self.inspection(year: 2025, on: "2026-01-05", "qualified"))
                #expect(inactive.status == .conflict)
                #expect(try t.error(inactive).code == "unit_inactive")
            }
        }

        // MARK: The public list

        @Test func publicList_showsOnlyAuthorisedStations_filtersAndPages_withoutPersonalData() async throws {
            try await withTestApp { t in
                let s = try await R.setup(t)
                #expect(
                    try await Self.station(t, s.bj, code: "BJ-02", name: "北京焊工鉴定所", occupation: "6-18-02-04").status == .created)
                #expect(
                    try await Self.station(
                        t, s.bj, code: "BJ-3", name: "百分之百_站", licence: Self.licence(no: "京鉴100%_1")
                    ).status == .created)
                #expect(try await Self.station(t, s.bj, code: "BJ-SUS", name: "暂停站").status == .created)
                #expect(
                    try await t.send(.PATCH, "/api/v1/stations/BJ-SUS", token: s.bj, json: #"{"status":"suspended"}"#).status
                        == .ok)
                #expect(
                    try await Self.station(t, s.bj, code: "BJ-OLD", licence: Self.licence(expires: "2026-05-09")).status
                        == .created)
                #expect(try await Self.station(t, s.bj, code: "BJ-REV", name: "撤销站").status == .created)
                #expect(
                    try await t.send(
                        .POST, "/api/v1/stations/BJ-REV/inspections", token: s.admin,
                        json: Self.inspection(on: "2026-04-01", "revoked", note: "违规发证")
                    ).status == .created)
                #expect(
                    try await t.send(
                        .POST, "/api/v1/stations/BJ-02/inspections", token: s.bj,
                        json: Self.inspection(on: "2026-04-01", "rectification", note: "限期补齐考场设备")
                    ).status == .created)
                try await Self.legacyStation(t, code: "BJ-LEG")

                #expect(try await Self.publicCodes(t) == ["BJ-01", "BJ-02", "BJ-3", "TJ-01"])
                // The list agrees with the Domain's rule, station by station.
                for st in try t.array(try await t.send(.GET, "/api/v1/stations", token: s.admin)) {
                    let code = try #require(st["code"] as? String)
                    let listed = st["status"] as? String == "active" && st["licenceState"] as? String == "valid"
                    #expect(listed == (try await Self.publicCodes(t, "?q=\(code)").contains(code)), "\(code)")
                }
                #expect(try await Self.publicCodes(t, "?region=120000") == ["TJ-01"])
                #expect(try await Self.publicCodes(t, "?region=110000&occupation=6-18-02-04") == ["BJ-01", "BJ-02"])
                #expect(try await Self.publicCodes(t, "?region=120000&occupation=6-18-02-04").isEmpty)
                #expect(try await Self.publicCodes(t, "?occupation=6-07-06-01") == ["BJ-01", "BJ-3", "TJ-01"])
                // q: name, code (any case), licence number, address; wildcards are plain characters.
                #expect(try await Self.publicCodes(t, "?q=%E7%84%8A%E5%B7%A5") == ["BJ-02"])  // 焊工
                #expect(try await Self.publicCodes(t, "?q=bj-0") == ["BJ-01", "BJ-02"])
                #expect(try await Self.publicCodes(t, "?q=100%25_") == ["BJ-3"])
                #expect(try await Self.publicCodes(t, "?q=%25") == ["BJ-3"])
                #expect(try await Self.publicCodes(t, "?q=_") == ["BJ-3"])
                #expect(try await Self.publicCodes(t, "?q=%E5%AD%A6%E9%99%A2%E8%B7%AF") == ["BJ-02", "BJ-3"])  // 学院路
                #expect(try await Self.publicCodes(t, "?q=nothing-like-it").isEmpty)

                let page = try t.object(try await t.send(.GET, "/api/v1/public/stations?per=2&page=2"))
                #expect(page["total"] as? Int == 4 && page["page"] as? Int == 2 && page["per"] as? Int == 2)
                let items = try #require(page["items"] as? [[String: Any]])
                #expect(items.compactMap { $0["code"] as? String } == ["BJ-3", "TJ-01"])
                let one = try #require(
                    (try t.object(try await t.send(.GET, "/api/v1/public/stations?q=BJ-02"))["items"] as? [[String: Any]])?.first)
                #expect(one["unitName"] as? String == "北京市" && one["regionName"] as? String == "北京市")
                #expect(one["address"] as? String == "北京市海淀区学院路2号" && one["licenceNo"] as? String == "鉴许字（2024）002号")
                #expect((one["latestInspection"] as? [String: Any])?["outcome"] as? String == "rectification")
                let scope = try #require((one["scope"] as? [[String: Any]])?.first)
                #expect(scope["occupationName"] as? String == "焊工" && scope["maxLevelName"] as? String == "三级/高级工")
                #expect(one["personInCharge"] == nil)
                let raw = try await t.send(.GET, "/api/v1/public/stations")
                #expect(!raw.body.string.contains("张站长") && !raw.body.string.contains("李站长"))
                // A deactivated unit's stations leave the list with it, and come back with it.
                let admin = try await t.admin()
                #expect(try await t.send(.PATCH, "/api/v1/units/120000", token: admin, json: #"{"active":false}"#).status == .ok)
                #expect(try await Self.publicCodes(t, "?occupation=6-07-06-01") == ["BJ-01", "BJ-3"])
                #expect(try await t.send(.PATCH, "/api/v1/units/120000", token: admin, json: #"{"active":true}"#).status == .ok)
                #expect(try await Self.publicCodes(t, "?occupation=6-07-06-01") == ["BJ-01", "BJ-3", "TJ-01"])

                // Refusals: bad paging and over-long filters are 400s.
                for q in [
                    "?page=0", "?per=101", "?q=\(String(repeating: "a", count: 101))",
                    "?region=\(String(repeating: "1", count: 21))",
                ] {
                    let r = try await t.send(.GET, "/api/v1/public/stations" + q)
                    #expect(r.status == .badRequest, "\(q)")
                    _ = try t.error(r)
                }
            }
        }

        @Test func publicList_isRateLimitedPerClient() async throws {
            try await withTestApp { t in
                t.app.config.stationsPerMinute = 3
                for _ in 0..<3 { #expect(try await t.send(.GET, "/api/v1/public/stations").status == .ok) }
                let limited = try await t.send(.GET, "/api/v1/public/stations")
                #expect(limited.status == .tooManyRequests)
                #expect(try t.error(limited).code == "rate_limited")
                #expect(limited.headers.first(name: .retryAfter) != nil)
                var html = HTTPHeaders()
                html.replaceOrAdd(name: .accept, value: "text/html")
                #expect(try await t.send(.GET, "/stations", headers: html).status == .tooManyRequests)
            }
        }

        @Test func publicPage_listsAndFilters_inChineseAndEnglish_andSaysWhoIsNotListed() async throws {
            try await withTestApp { t in
                let s = try await R.setup(t)
                #expect(try await Self.station(t, s.bj, code: "BJ-REV", name: "撤销站").status == .created)
                #expect(
                    try await t.send(
                        .POST, "/api/v1/stations/BJ-REV/inspections", token: s.bj,
                        json: Self.inspection(on: "2026-04-01", "revoked", note: "违规发证")
                    ).status == .created)
                var html = HTTPHeaders()
                html.replaceOrAdd(name: .accept, value: "text/html")
                let page = try await t.send(.GET, "/stations", headers: html)
                #expect(page.status == .ok)
                let body = page.body.string
                #expect(body.contains("北京第一鉴定站") && body.contains("天津鉴定站") && !body.contains("撤销站"))
                #expect(body.contains("未列入本名单的机构无权开展职业技能鉴定"))
                #expect(body.contains(#"href="/complaints/new" id="report-provider""#))
                #expect(body.contains("电工（最高三级/高级工）"))
                #expect(!body.contains("张站长"))
                let filtered = try await t.send(.GET, "/stations?region=120000&occupation=6-07-06-01&q=", headers: html)
                #expect(filtered.body.string.contains("天津鉴定站") && !filtered.body.string.contains("北京第一鉴定站"))
                #expect(filtered.body.string.contains(#"<option value="120000" selected>"#))
                let none = try await t.send(.GET, "/stations?q=%E6%97%A0%E6%AD%A4%E7%AB%99", headers: html)
                #expect(none.body.string.contains(#"id="no-stations""#))
                let en = try await t.send(.GET, "/stations?lang=en", headers: html)
                #expect(en.body.string.contains("A provider not on this list is not authorised to appraise skills"))
                #expect(en.body.string.contains("(up to Level 3"))
                #expect(en.body.string.contains("Stations found: <strong>") && en.body.string.contains(">Search</button>"))
                // Linked from every page's navigation, beside verification.
                let home = try await t.send(.GET, "/", headers: html)
                #expect(home.body.string.contains(#"<a href="/stations" id="stations-link">"#))
                #expect(try await t.send(.GET, "/stations?page=0", headers: html).status == .badRequest)
            }
        }

        // MARK: The registers page

        @Test func registersPage_recordsALicenceAndAnInspection_showingRefusalsByField() async throws {
            try await withTestApp { t in
                _ = try await R.setup(t)
                try await Self.legacyStation(t, code: "OLD-1")
                let (cookie, csrf) = try await AppTests.Web.webLogin(t, "bj", "password-bj")
                let h = AppTests.Web.headers(cookie)
                let page = try await t.send(.GET, "/registers", headers: h)
                #expect(page.body.string.contains(#"licence-state">许可未登记"#))
                #expect(page.body.string.contains(#"id="licence-form""#) && page.body.string.contains(#"id="inspection-form""#))

                let refused = try await t.send(
                    .POST, "/registers/station-licences", headers: h,
                    body:
                        "_csrf=\(csrf)&stationCode=OLD-1&licenceNo=%E4%BA%AC001&licenceExpires=2030-13-01&address=&personInCharge=x"
                )
                #expect(refused.status == .unprocessableEntity)
                let text = refused.body.string
                #expect(text.contains("日期格式应为 YYYY-MM-DD") && text.contains("请填写地址"))
                #expect(text.contains(#"value="京001""#))
                let recorded = try await t.send(
                    .POST, "/registers/station-licences", headers: h,
                    body:
                        "_csrf=\(csrf)&stationCode=OLD-1&licenceNo=%E4%BA%AC001&licenceExpires=2030-12-01&address=%E5%8C%97%E4%BA%AC&personInCharge=%E7%8E%8B"
                )
                #expect(recorded.status == .seeOther)
                let noNote = try await t.send(
                    .POST, "/registers/station-inspections", headers: h,
                    body: "_csrf=\(csrf)&stationCode=OLD-1&year=&inspectedOn=2026-04-01&outcome=revoked&note=")
                #expect(noNote.status == .unprocessableEntity)
                #expect(noNote.body.string.contains("限期整改或撤销须写明原因"))
                let badYear = try await t.send(
                    .POST, "/registers/station-inspections", headers: h,
                    body: "_csrf=\(csrf)&stationCode=OLD-1&year=abc&inspectedOn=2026-04-01&outcome=qualified&note=")
                #expect(badYear.status == .unprocessableEntity)
                let foreign = try await t.send(
                    .POST, "/registers/station-inspections", headers: h,
                    body: "_csrf=\(csrf)&stationCode=TJ-01&year=&inspectedOn=2026-04-01&outcome=qualified&note=")
                #expect(foreign.status == .forbidden)
                let ok = try await t.send(
                    .POST, "/registers/station-inspections", headers: h,
                    body:
                        "_csrf=\(csrf)&stationCode=OLD-1&year=&inspectedOn=2026-04-01&outcome=rectification&note=%E6%95%B4%E6%94%B9"
                )
                #expect(ok.status == .seeOther)
                let after = try await t.send(.GET, "/registers", headers: h).body.string
                #expect(after.contains("京001，许可证有效期至 2030-12-01") && after.contains("2026年度 限期整改"))
                #expect(!after.contains(#"licence-state">许可未登记"#))
                #expect(!after.contains("TJ-01"))
            }
        }

        // MARK: Migration

        /// Stations stored before M011 keep their rows and read as "licence not recorded".
        @Test func migration_keepsExistingStations_withoutALicence() async throws {
            try await withTestApp { t in
                let s = try await R.setup(t)
                try await M011_StationLicences().revert(on: t.app.db)
                let sql = try #require(t.app.db as? any SQLDatabase)
                try await sql.raw(
                    "INSERT INTO stations (code, name, unit_code, region_code, status) VALUES ('PRE-1', '旧站', '110000', '110000', 'active')"
                ).run()
                try await M011_StationLicences().prepare(on: t.app.db)
                let pre = try #require(try await Self.stationJSON(t, s.admin, "PRE-1"))
                #expect(pre["licenceState"] as? String == "not_recorded" && pre["licenceNo"] == nil)
                // The licensed ones lost their licence with the revert, like every row before the migration.
                #expect(try await Self.stationJSON(t, s.admin, "BJ-01")?["licenceState"] as? String == "not_recorded")
                #expect(try await Self.publicCodes(t).isEmpty)
                #expect(
                    try await t.send(.PATCH, "/api/v1/stations/PRE-1", token: s.bj, json: "{\(Self.licence())}").status == .ok)
                #expect(try await Self.publicCodes(t) == ["PRE-1"])
            }
        }
    }
}
