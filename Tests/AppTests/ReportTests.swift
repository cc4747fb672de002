import Foundation
import Testing
import Vapor
import VaporTesting

@testable import App

extension AppTests {
    @Suite struct Reports {
        static let path = "/api/v1/reports/2026Q1/110000"

        @Test func put_createsADraftWithCellsAndFindings() async throws {
            try await withTestApp(now: beijing("2026-04-03T09:00:00")) { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let res = try await t.send(
                    .PUT, Self.path, token: bj,
                    json: reportJSON(
                        unverifiedLocal: 1, overcharge: (2, 1), violations: (0, 2), forgery: (1, 0),
                        due: "120000.00", paid: "90000"))
                #expect(res.status == .ok)
                let r = try t.object(res)
                #expect(r["status"] as? String == "draft")
                #expect(r["revision"] as? Int == 1)
                #expect(r["period"] as? String == "2026Q1")
                let cells = try #require(r["cells"] as? [Any])
                #expect(cells.count == 28)
                // 9 = 10 + 11; 12 ticked only when 9 is 0; 17..20 and 21..24 likewise.
                #expect(cells[8] as? Int == 3 && cells[9] as? Int == 2 && cells[10] as? Int == 1)
                #expect(cells[11] as? Bool == false)
                #expect(cells[16] as? Int == 2 && cells[19] as? Bool == false)
                #expect(cells[20] as? Int == 1 && cells[23] as? Bool == false)
                #expect(cells[6] as? Bool == true && cells[7] as? Bool == false)
                #expect(cells[12] as? Bool == false && cells[13] as? Bool == true)
                // Q1 fills column 25 only: 90000 / 120000 = 75.0 %
                #expect((cells[24] as? NSNumber)?.doubleValue == 75.0)
                #expect(cells[25] is NSNull && cells[26] is NSNull && cells[27] is NSNull)
                let values = try #require(r["values"] as? [String: Any])
                let payment = try #require(values["payment"] as? [String: Any])
                #expect(payment["paidYuan"] as? String == "90000.00")
                let codes = try #require(r["findings"] as? [[String: Any]]).compactMap { $0["code"] as? String }
                #expect(
                    codes == [
                        "unverified_local_standards", "overcharge_cases", "overcharge_uninvestigated",
                        "violations_uninvestigated", "payment_below_threshold",
                    ])
                #expect(r["late"] as? Bool == false)
            }
        }

        /// Each rule of SPEC §3 with a bad value: 422, the field and column named in both
        /// languages, and the stored report unchanged.
        @Test(arguments: [
            (#""standards":{"national":-1,"verifiedLocal":3,"unverifiedLocal":0}"#, "standards.national", 1, "negative"),
            (#""standards":{"national":1.5,"verifiedLocal":3,"unverifiedLocal":0}"#, "standards.national", 1, "not_integer"),
            (#""standards":{"national":"12","verifiedLocal":3,"unverifiedLocal":0}"#, "standards.national", 1, "not_integer"),
            (#""standards":{"national":12,"verifiedLocal":3}"#, "standards.unverifiedLocal", 3, "required"),
            (#""banks":{"national":10,"certifiedLocal":2,"uncertifiedLocal":-3}"#, "banks.uncertifiedLocal", 6, "negative"),
            (#""banks":{"national":10000000,"certifiedLocal":2,"uncertifiedLocal":0}"#, "banks.national", 4, "too_large"),
            (#""feeStandard":"yes""#, "feeStandard", 7, "not_boolean"),
            (#""feeStandard":null"#, "feeStandard", 7, "required"),
            (#""crossRegion":1"#, "crossRegion", 13, "not_boolean"),
            (#""supervision":null"#, "supervision", 15, "required"),
            (#""overcharge":{"investigated":-1,"uninvestigated":0}"#, "overcharge.investigated", 10, "negative"),
            (#""overcharge":{"investigated":1,"uninvestigated":0,"total":1}"#, "overcharge.total", 9, "derived_field"),
            (#""violations":{"investigated":0,"uninvestigated":0.5}"#, "violations.uninvestigated", 19, "not_integer"),
            (#""forgery":{"investigated":0,"uninvestigated":0,"none":true}"#, "forgery.none", 21, "derived_field"),
            (#""payment":{"dueYuan":"100.001","paidYuan":"1"}"#, "payment.dueYuan", 25, "too_many_decimals"),
            (#""payment":{"dueYuan":"-5","paidYuan":"1"}"#, "payment.dueYuan", 25, "negative"),
            (#""payment":{"dueYuan":"1e3","paidYuan":"1"}"#, "payment.dueYuan", 25, "invalid_money"),
            (#""payment":{"dueYuan":"100","paidYuan":true}"#, "payment.paidYuan", 25, "invalid_money"),
            (#""payment":{"dueYuan":"100"}"#, "payment.paidYuan", 25, "required"),
            (#""bonus":1"#, "bonus", -1, "unknown_field"),
        ])
        func put_badValue_is422_namingTheColumn_andLeavesDataUnchanged(
            fragment: String, field: String, column: Int, code: String
        ) async throws {
            try await withTestApp(now: beijing("2026-04-03T09:00:00")) { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                #expect(try await t.send(.PUT, Self.path, token: bj, json: reportJSON()).status == .ok)
                let before = try await t.send(.GET, Self.path, token: bj).body.string
                // Replace (or add) the key the fragment names in a valid report.
                var object = try #require(try JSONSerialization.jsonObject(with: Data(reportJSON().utf8)) as? [String: Any])
                let patch = try #require(
                    try JSONSerialization.jsonObject(with: Data("{\(fragment)}".utf8), options: .fragmentsAllowed)
                        as? [String: Any])
                for (k, v) in patch { object[k] = v }
                let body = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
                let res = try await t.send(.PUT, Self.path, token: bj, json: body)
                #expect(res.status == .unprocessableEntity)
                let e = try t.error(res)
                #expect(e.code == "validation_failed")
                let d = try #require(e.details.first { $0["field"] as? String == field }, "\(e.details)")
                #expect(d["code"] as? String == code)
                if column > 0 {
                    #expect(d["column"] as? Int == column)
                    #expect((d["messageZh"] as? String)?.contains("第\(column)列") == true)
                    #expect((d["message"] as? String)?.contains("Column \(column)") == true)
                }
                #expect(try await t.send(.GET, Self.path, token: bj).body.string == before)
            }
        }

        @Test func put_aJSONNumberForMoneyIsReadExactly() async throws {
            try await withTestApp(now: beijing("2026-04-03T09:00:00")) { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                var body = reportJSON()
                body = body.replacingOccurrences(
                    of: #""dueYuan":"1000.00","paidYuan":"1000.00""#, with: #""dueYuan":0.3,"paidYuan":0.1"#)
                let r = try t.object(try await t.send(.PUT, Self.path, token: bj, json: body))
                let payment = try #require((r["values"] as? [String: Any])?["payment"] as? [String: Any])
                #expect(payment["dueYuan"] as? String == "0.30")
                #expect(payment["paidYuan"] as? String == "0.10")
                #expect(((r["cells"] as? [Any])?[24] as? NSNumber)?.doubleValue == 33.3)
            }
        }

        @Test func put_malformedBodyIs400_notAnObjectIs422() async throws {
            try await withTestApp(now: beijing("2026-04-03T09:00:00")) { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                #expect(try await t.send(.PUT, Self.path, token: bj, json: "{not json").status == .badRequest)
                #expect(try await t.send(.PUT, Self.path, token: bj, json: "[1,2]").status == .unprocessableEntity)
                #expect(try await t.send(.GET, Self.path, token: bj).status == .notFound)
            }
        }

        @Test func period_malformedIs400_futureIs422() async throws {
            try await withTestApp(now: beijing("2026-04-03T09:00:00")) { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                for bad in ["2026q1", "2026Q5", "2026Q0", "26Q1", "2026-Q1", "2026Q1x"] {
                    let res = try await t.send(.PUT, "/api/v1/reports/\(bad)/110000", token: bj, json: reportJSON())
                    #expect(res.status == .badRequest, "\(bad)")
                    #expect(try t.error(res).code == "malformed_period")
                }
                let future = try await t.send(.PUT, "/api/v1/reports/2026Q3/110000", token: bj, json: reportJSON())
                #expect(future.status == .unprocessableEntity)
                #expect(try t.error(future).details.first?["code"] as? String == "future_period")
                // The current quarter may be drafted.
                #expect(try await t.send(.PUT, "/api/v1/reports/2026Q2/110000", token: bj, json: reportJSON()).status == .ok)
            }
        }

        @Test func payments_cumulativeAmountsNeverDecreaseWithinAYear() async throws {
            try await withTestApp(now: beijing("2026-10-03T09:00:00")) { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                #expect(
                    try await t.send(
                        .PUT, "/api/v1/reports/2026Q1/110000", token: bj, json: reportJSON(due: "100.00", paid: "50.00")
                    ).status == .ok)
                #expect(
                    try await t.send(
                        .PUT, "/api/v1/reports/2026Q3/110000", token: bj, json: reportJSON(due: "300.00", paid: "200.00")
                    ).status == .ok)
                let down = try await t.send(
                    .PUT, "/api/v1/reports/2026Q2/110000", token: bj, json: reportJSON(due: "90.00", paid: "60.00"))
                #expect(down.status == .unprocessableEntity)
                let d = try t.error(down).details
                #expect(d.count == 1)
                #expect(d.first?["code"] as? String == "cumulative_decrease")
                #expect(d.first?["column"] as? Int == 26)
                let over = try await t.send(
                    .PUT, "/api/v1/reports/2026Q2/110000", token: bj, json: reportJSON(due: "200.00", paid: "250.00"))
                #expect(try t.error(over).details.first?["code"] as? String == "cumulative_exceeds_next")
                #expect(
                    try await t.send(
                        .PUT, "/api/v1/reports/2026Q2/110000", token: bj, json: reportJSON(due: "200.00", paid: "100.00")
                    ).status == .ok)
                // A new year starts again from zero.
                #expect(
                    try await t.send(
                        .PUT, "/api/v1/reports/2025Q4/110000", token: bj, json: reportJSON(due: "9000.00", paid: "9000.00")
                    ).status == .ok)
            }
        }

        @Test func workflow_draftSubmittedAccepted_andWrongStatesAre409() async throws {
            try await withTestApp(now: beijing("2026-04-03T09:00:00")) { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let admin = try await t.admin()
                #expect(try await t.send(.POST, Self.path + "/submit", token: bj).status == .notFound)
                #expect(try await t.send(.PUT, Self.path, token: bj, json: reportJSON()).status == .ok)
                let early = try await t.send(.POST, Self.path + "/accept", token: admin)
                #expect(early.status == .conflict)
                #expect(try t.error(early).code == "wrong_state")
                let submitted = try t.object(try await t.send(.POST, Self.path + "/submit", token: bj))
                #expect(submitted["status"] as? String == "submitted")
                #expect(submitted["submittedAt"] as? String != nil)
                #expect(try await t.send(.POST, Self.path + "/submit", token: bj).status == .conflict)
                let locked = try await t.send(.PUT, Self.path, token: bj, json: reportJSON(national: 1))
                #expect(locked.status == .conflict)
                #expect(try await t.send(.POST, Self.path + "/accept", token: bj).status == .forbidden)
                let accepted = try t.object(try await t.send(.POST, Self.path + "/accept", token: admin))
                #expect(accepted["status"] as? String == "accepted")
                #expect(try await t.send(.POST, Self.path + "/accept", token: admin).status == .conflict)
                #expect(
                    try await t.send(.POST, Self.path + "/return", token: admin, json: #"{"comment":"x"}"#).status == .conflict)
            }
        }

        @Test func workflow_returnNeedsAComment_andReturnedGoesBackToDraft() async throws {
            try await withTestApp(now: beijing("2026-04-03T09:00:00")) { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let admin = try await t.admin()
                #expect(try await t.send(.PUT, Self.path, token: bj, json: reportJSON()).status == .ok)
                #expect(try await t.send(.POST, Self.path + "/submit", token: bj).status == .ok)
                let noComment = try await t.send(.POST, Self.path + "/return", token: admin, json: #"{"comment":"  "}"#)
                #expect(noComment.status == .unprocessableEntity)
                #expect(try t.error(noComment).details.first?["field"] as? String == "comment")
                let returned = try t.object(
                    try await t.send(.POST, Self.path + "/return", token: admin, json: #"{"comment":"第3列与上季度不符"}"#))
                #expect(returned["status"] as? String == "returned")
                #expect(returned["comment"] as? String == "第3列与上季度不符")
                let edited = try t.object(try await t.send(.PUT, Self.path, token: bj, json: reportJSON(national: 13)))
                #expect(edited["status"] as? String == "draft")
                #expect(edited["revision"] as? Int == 1)
                #expect(try await t.send(.POST, Self.path + "/submit", token: bj).status == .ok)
                #expect(try await t.send(.POST, Self.path + "/accept", token: admin).status == .ok)

                let history = try #require(
                    try t.json(try await t.send(.GET, Self.path + "/history", token: bj)) as? [[String: Any]])
                let change = try #require(
                    history.first { $0["field"] as? String == "standards.national" && $0["new"] as? String == "13" })
                #expect(change["old"] as? String == "12")
                #expect(change["user"] as? String == "bj")
                #expect(change["column"] as? Int == 1)
                #expect(change["at"] as? String != nil)
                let statuses = history.filter { $0["field"] as? String == "status" }.compactMap { $0["new"] as? String }
                #expect(statuses == ["submitted", "returned", "draft", "submitted", "accepted"])
                let ret = try #require(history.first { $0["new"] as? String == "returned" })
                #expect(ret["user"] as? String == "admin")
                #expect(ret["comment"] as? String == "第3列与上季度不符")
            }
        }

        @Test func lateness_submittingAfterTheDeadlineIsLate() async throws {
            try await withTestApp(now: beijing("2026-04-15T23:59:00")) { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let tj = try await t.user("tj", role: "unit", unit: "120000")
                #expect(try await t.send(.PUT, Self.path, token: bj, json: reportJSON()).status == .ok)
                let onTime = try t.object(try await t.send(.POST, Self.path + "/submit", token: bj))
                #expect(onTime["late"] as? Bool == false)
                #expect(onTime["deadline"] as? String == "2026-04-15")
                t.clock.advance(120)
                #expect(try await t.send(.PUT, "/api/v1/reports/2026Q1/120000", token: tj, json: reportJSON()).status == .ok)
                let late = try t.object(try await t.send(.POST, "/api/v1/reports/2026Q1/120000/submit", token: tj))
                #expect(late["late"] as? Bool == true)
                #expect((late["findings"] as? [[String: Any]])?.contains { $0["code"] as? String == "report_late" } == true)
            }
        }

        @Test func deadline_isConfigurable() async throws {
            try await withTestApp(now: beijing("2026-04-06T09:00:00"), deadlineDays: 5) { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                #expect(try await t.send(.PUT, Self.path, token: bj, json: reportJSON()).status == .ok)
                let r = try t.object(try await t.send(.POST, Self.path + "/submit", token: bj))
                #expect(r["deadline"] as? String == "2026-04-05")
                #expect(r["late"] as? Bool == true)
            }
        }

        /// Who may read and change what: a unit never reads or changes another's report.
        @Test func authorisation_matrix() async throws {
            try await withTestApp(now: beijing("2026-04-03T09:00:00")) { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let tj = try await t.user("tj", role: "unit", unit: "120000")
                let sup = try await t.user("sup", role: "supervisor", unit: "110000")
                let admin = try await t.admin()
                #expect(try await t.send(.PUT, Self.path, token: bj, json: reportJSON()).status == .ok)
                let before = try await t.send(.GET, Self.path, token: bj).body.string

                for (method, suffix, body) in [
                    (HTTPMethod.GET, "", nil), (.PUT, "", reportJSON(national: 99)),
                    (.POST, "/submit", nil), (.GET, "/history", nil),
                ] {
                    let anon = try await t.send(method, Self.path + suffix, json: body)
                    #expect(anon.status == .unauthorized, "anonymous \(method) \(suffix)")
                    let other = try await t.send(method, Self.path + suffix, token: tj, json: body)
                    #expect(other.status == .forbidden, "other unit \(method) \(suffix)")
                    #expect(try t.error(other).code == "other_unit")
                }
                // A supervisor reads its unit's report but does not enter or submit it.
                #expect(try await t.send(.GET, Self.path, token: sup).status == .ok)
                #expect(try await t.send(.PUT, Self.path, token: sup, json: reportJSON(national: 99)).status == .forbidden)
                #expect(try await t.send(.POST, Self.path + "/submit", token: sup).status == .forbidden)
                // Only the ministry reviews and sees the overview.
                #expect(try await t.send(.POST, Self.path + "/submit", token: bj).status == .ok)
                for token in [bj, tj, sup] {
                    #expect(try await t.send(.POST, Self.path + "/accept", token: token).status == .forbidden)
                    #expect(
                        try await t.send(.POST, Self.path + "/return", token: token, json: #"{"comment":"x"}"#).status
                            == .forbidden)
                    #expect(try await t.send(.GET, "/api/v1/reports/2026Q1", token: token).status == .forbidden)
                    #expect(try await t.send(.POST, "/api/v1/bulletins/2026Q1/publish", token: token).status == .forbidden)
                }
                #expect(try await t.send(.GET, Self.path, token: admin).status == .ok)
                let unchanged = try t.object(try await t.send(.GET, Self.path, token: bj))
                #expect(((unchanged["values"] as? [String: Any])?["standards"] as? [String: Any])?["national"] as? Int == 12)
                _ = before
                // Unknown unit: 404.
                #expect(try await t.send(.GET, "/api/v1/reports/2026Q1/999999", token: admin).status == .notFound)
                #expect(
                    try await t.send(.PUT, "/api/v1/reports/2026Q1/999999", token: admin, json: reportJSON()).status == .notFound)
            }
        }

        @Test func overview_listsWhoHasAndHasNotReported() async throws {
            try await withTestApp(now: beijing("2026-04-03T09:00:00")) { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let admin = try await t.admin()
                #expect(try await t.send(.PUT, Self.path, token: bj, json: reportJSON()).status == .ok)
                #expect(try await t.send(.POST, Self.path + "/submit", token: bj).status == .ok)
                let list = try #require(
                    try t.json(try await t.send(.GET, "/api/v1/reports/2026Q1", token: admin)) as? [[String: Any]])
                #expect(list.count == 32)
                #expect(list[0]["status"] as? String == "submitted")
                #expect(list[1]["status"] == nil || list[1]["status"] is NSNull)
            }
        }
    }
}
