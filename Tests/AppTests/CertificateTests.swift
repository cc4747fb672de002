import CertificateKit
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@testable import App

extension AppTests {
    @Suite struct Certificates {
        static let idBJ = "11010519491231002X"  // valid GB 11643
        static let idOther = "110105200002290013"

        struct Setup {
            let admin: String
            let bj: String
            let tj: String
            let bjOrder: String
            let tjOrder: String
        }

        /// Beijing orders 100 level-5 blanks (serials 1–100), Tianjin 50 level-3 blanks (101–150);
        /// Beijing records the passes of 张三 (电工) and 李,四 (焊工).
        static func setup(_ t: TestApp) async throws -> Setup {
            let admin = try await t.admin()
            let bj = try await t.user("bj", role: "unit", unit: "110000")
            let tj = try await t.user("tj", role: "unit", unit: "120000")
            let o1 = try t.object(
                try await t.send(
                    .POST, "/api/v1/certificate-orders", token: bj, json: #"{"unitCode":"110000","level":"5","quantity":100}"#))
            let o2 = try t.object(
                try await t.send(
                    .POST, "/api/v1/certificate-orders", token: tj, json: #"{"unitCode":"120000","level":"3","quantity":50}"#))
            let id1 = try #require(o1["id"] as? String)
            let id2 = try #require(o2["id"] as? String)
            #expect(o1["status"] as? String == "pending")
            #expect(
                try await t.send(
                    .POST, "/api/v1/certificate-orders/\(id1)/allocate", token: admin,
                    json: #"{"unitPriceYuan":"5.00","allocatedOn":"2026-02-10"}"#
                ).status == .ok)
            #expect(
                try await t.send(
                    .POST, "/api/v1/certificate-orders/\(id2)/allocate", token: admin,
                    json: #"{"unitPriceYuan":8,"allocatedOn":"2026-05-02"}"#
                ).status == .ok)
            // The passes the tests issue against: 张三 in 电工, 李,四 in 焊工, both level 5 in Beijing.
            try await t.passes([("张三", idBJ)], unit: "110000", token: bj)
            try await t.passes([("李,四", idOther)], unit: "110000", token: bj, occupation: "焊工", date: "2026-02-21")
            return Setup(admin: admin, bj: bj, tj: tj, bjOrder: id1, tjOrder: id2)
        }

        static func cert(
            _ serial: String, name: String = "张三", id: String = idBJ, level: String = "5", on: String = "2026-03-01",
            occupation: String = "电工"
        ) -> String {
            #"{"serial":"\#(serial)","holderName":"\#(name)","idNumber":"\#(id)","occupation":"\#(occupation)","level":"\#(level)","issuedOn":"\#(on)"}"#
        }

        static func count(_ t: TestApp) async throws -> Int { try await Certificate.query(on: t.app.db).count() }

        @Test func orders_rangesNeverOverlap_dueIsQuantityTimesPrice_andOnlyTheMinistryAllocates() async throws {
            try await withTestApp { t in
                let s = try await Self.setup(t)
                let orders = try #require(
                    try t.json(try await t.send(.GET, "/api/v1/certificate-orders", token: s.admin)) as? [[String: Any]])
                let tj = try #require(orders.first { $0["unitCode"] as? String == "120000" })
                let bj = try #require(orders.first { $0["unitCode"] as? String == "110000" })
                #expect(bj["serialFrom"] as? String == "000000000001" && bj["serialTo"] as? String == "000000000100")
                #expect(tj["serialFrom"] as? String == "000000000101" && tj["serialTo"] as? String == "000000000150")
                #expect(bj["dueYuan"] as? String == "500.00" && tj["dueYuan"] as? String == "400.00")
                let own = try #require(
                    try t.json(try await t.send(.GET, "/api/v1/certificate-orders", token: s.bj)) as? [[String: Any]])
                #expect(own.count == 1 && own[0]["unitCode"] as? String == "110000")
                let o = try t.object(
                    try await t.send(.POST, "/api/v1/certificate-orders", token: s.bj, json: #"{"level":"5","quantity":10}"#))
                let id = try #require(o["id"] as? String)
                #expect(
                    try await t.send(
                        .POST, "/api/v1/certificate-orders/\(id)/allocate", token: s.bj, json: #"{"unitPriceYuan":"1"}"#
                    ).status == .forbidden)
                #expect(
                    try await t.send(
                        .POST, "/api/v1/certificate-orders/\(s.bjOrder)/allocate", token: s.admin, json: #"{"unitPriceYuan":"1"}"#
                    ).status == .conflict)
                let badPrice = try await t.send(
                    .POST, "/api/v1/certificate-orders/\(id)/allocate", token: s.admin, json: #"{"unitPriceYuan":"1.001"}"#)
                #expect(try t.error(badPrice).details.first?["field"] as? String == "unitPriceYuan")
                // Ordering for another unit, bad quantities and levels.
                #expect(
                    try await t.send(
                        .POST, "/api/v1/certificate-orders", token: s.bj, json: #"{"unitCode":"120000","level":"5","quantity":1}"#
                    ).status == .forbidden)
                #expect(
                    try await t.send(.POST, "/api/v1/certificate-orders", token: s.bj, json: #"{"level":"5","quantity":0}"#)
                        .status == .unprocessableEntity)
                #expect(
                    try await t.send(.POST, "/api/v1/certificate-orders", token: s.bj, json: #"{"level":"6","quantity":5}"#)
                        .status == .unprocessableEntity)
                let next = try t.object(
                    try await t.send(
                        .POST, "/api/v1/certificate-orders/\(id)/allocate", token: s.admin, json: #"{"unitPriceYuan":"2.50"}"#))
                #expect(next["serialFrom"] as? String == "000000000151")
                #expect(next["dueYuan"] as? String == "25.00")
            }
        }

        @Test func payments_feedTheDerivedYearToDateFigures_andCannotExceedWhatIsDue() async throws {
            try await withTestApp { t in
                let s = try await Self.setup(t)
                let path = "/api/v1/certificate-orders/\(s.bjOrder)/payments"
                #expect(
                    try await t.send(.POST, path, token: s.admin, json: #"{"amountYuan":"200.00","paidOn":"2026-03-15"}"#).status
                        == .created)
                #expect(
                    try await t.send(.POST, path, token: s.admin, json: #"{"amountYuan":"100","paidOn":"2026-04-20"}"#).status
                        == .created)
                let over = try await t.send(.POST, path, token: s.admin, json: #"{"amountYuan":"200.01","paidOn":"2026-04-21"}"#)
                #expect(try t.error(over).details.first?["code"] as? String == "exceeds_due")
                #expect(
                    try t.error(try await t.send(.POST, path, token: s.admin, json: #"{"amountYuan":"1","paidOn":"2026-01-01"}"#))
                        .details.first?["code"] as? String == "before_allocation")
                #expect(
                    try t.error(try await t.send(.POST, path, token: s.admin, json: #"{"amountYuan":"1","paidOn":"2027-01-01"}"#))
                        .details.first?["code"] as? String == "future_date")
                #expect(
                    try t.error(try await t.send(.POST, path, token: s.admin, json: #"{"amountYuan":"0","paidOn":"2026-04-01"}"#))
                        .details.first?["code"] as? String == "not_positive")
                #expect(
                    try await t.send(.POST, path, token: s.bj, json: #"{"amountYuan":"1","paidOn":"2026-04-01"}"#).status
                        == .forbidden)
                // Q1: due 500 (allocated 10 Feb), paid 200; Q2: paid 300.
                let q1 = try t.object(try await t.send(.GET, "/api/v1/reports/2026Q1/110000/derived", token: s.bj))
                #expect((q1["payment"] as? [String: Any])?["dueYuan"] as? String == "500.00")
                #expect((q1["payment"] as? [String: Any])?["paidYuan"] as? String == "200.00")
                #expect(
                    try await t.send(
                        .PUT, "/api/v1/reports/2026Q2/110000", token: s.bj, json: reportJSON(due: "500.00", paid: "250.00")
                    ).status == .ok)
                let q2 = try t.object(try await t.send(.GET, "/api/v1/reports/2026Q2/110000/derived", token: s.bj))
                #expect((q2["payment"] as? [String: Any])?["paidYuan"] as? String == "300.00")
                let d = try #require(q2["discrepancies"] as? [[String: Any]]).filter {
                    ($0["field"] as? String ?? "").hasPrefix("payment.")
                }
                #expect(d.count == 1 && d[0]["field"] as? String == "payment.paidYuan" && d[0]["column"] as? Int == 26)
                #expect(d[0]["reported"] as? String == "250.00" && d[0]["derived"] as? String == "300.00")
                #expect(try await t.send(.GET, "/api/v1/reports/2026Q2/110000/derived", token: s.tj).status == .forbidden)

                // The report form offers the ledger's figures.
                let (cookie, _) = try await AppTests.Web.webLogin(t, "bj", "password-bj")
                let form = try await t.send(.GET, "/reports/2026Q2/110000?fill=ledger", headers: AppTests.Web.headers(cookie))
                #expect(form.body.string.contains(#"id="f-payment.paidYuan" name="payment.paidYuan" value="300.00""#))
                #expect(form.body.string.contains(#"id="f-payment.dueYuan" name="payment.dueYuan" value="500.00""#))
                #expect(form.body.string.contains(#"id="filled-note""#))
            }
        }

        @Test func issue_fromOwnStock_andEveryRefusal() async throws {
            try await withTestApp { t in
                let s = try await Self.setup(t)
                let ok = try t.object(
                    try await t.send(.POST, "/api/v1/certificates", token: s.bj, json: Self.cert("000000000001")))
                #expect(ok["status"] as? String == "issued")
                #expect((ok["token"] as? String)?.split(separator: ".").count == 3)
                #expect((ok["verifyURL"] as? String)?.contains("/verify?t=") == true)
                let again = try await t.send(.POST, "/api/v1/certificates", token: s.bj, json: Self.cert("000000000001"))
                #expect(again.status == .conflict)
                #expect(try t.error(again).code == "serial_already_issued")
                for (body, code) in [
                    (Self.cert("000000000101", level: "3"), "serial_not_allocated_to_unit"),  // Tianjin's stock
                    (Self.cert("000000009999"), "serial_not_allocated_to_unit"),  // never allocated
                    (Self.cert("000000000002", id: "110105194912310021"), "invalid_id_number"),
                    (Self.cert("000000000002", id: "1101051949"), "invalid_id_number"),
                    (Self.cert("000000000002", level: "7"), "unknown_level"),
                    (Self.cert("000000000002", level: "3"), "level_mismatch"),
                    (Self.cert("000000000002", on: "2026-06-01"), "future_date"),
                    (Self.cert("000000000002", on: "2026-02-30"), "invalid_date"),
                    (Self.cert("2"), "malformed_serial"),
                    (Self.cert("000000000002", name: " "), "invalid_name"),
                ] {
                    let res = try await t.send(.POST, "/api/v1/certificates", token: s.bj, json: body)
                    #expect(res.status == .unprocessableEntity, "\(code)")
                    #expect(try t.error(res).details.first?["code"] as? String == code)
                }
                #expect(try await Self.count(t) == 1)
                let breaches = try #require(
                    try t.json(try await t.send(.GET, "/api/v1/certificate-breaches", token: s.admin)) as? [[String: Any]])
                #expect(breaches.count == 2)
                #expect(
                    breaches.contains {
                        $0["serial"] as? String == "000000000101" && $0["ownerCode"] as? String == "120000"
                            && $0["unitCode"] as? String == "110000"
                    })
                #expect(try await t.send(.GET, "/api/v1/certificate-breaches", token: s.bj).status == .forbidden)
                // Only a unit's operators issue; another unit cannot read the certificate.
                #expect(
                    try await t.send(.POST, "/api/v1/certificates", token: s.admin, json: Self.cert("000000000003")).status
                        == .forbidden)
                #expect(try await t.send(.POST, "/api/v1/certificates", json: Self.cert("000000000003")).status == .unauthorized)
                #expect(try await t.send(.GET, "/api/v1/certificates/000000000001", token: s.tj).status == .forbidden)
                #expect(try await t.send(.GET, "/api/v1/certificates/000000000001/qr", token: s.tj).status == .forbidden)
                let list = try t.object(try await t.send(.GET, "/api/v1/certificates?q=张三", token: s.bj))
                #expect(list["total"] as? Int == 1)
                #expect(try t.object(try await t.send(.GET, "/api/v1/certificates", token: s.tj))["total"] as? Int == 0)
            }
        }

        @Test func import_reportsBadLinesByNumber_commitsGoodOnes_andIsIdempotent() async throws {
            try await withTestApp { t in
                let s = try await Self.setup(t)
                #expect(
                    try await t.send(.POST, "/api/v1/certificates/000000000010/void", token: s.bj, json: #"{"reason":"印错"}"#)
                        .status == .created)
                let csv = """
                    serial,holderName,idNumber,occupation,level,issuedOn
                    000000000001,张三,\(Self.idBJ),电工,5,2026-03-01
                    000000000002,"李,四",\(Self.idOther),"焊工",5,2026-03-02
                    000000000101,王五,\(Self.idBJ),电工,3,2026-03-01
                    000000000003,赵六,110105194912310021,电工,5,2026-03-01
                    000000000002,重复,\(Self.idBJ),电工,5,2026-03-01
                    000000000010,作废,\(Self.idBJ),电工,5,2026-03-01
                    000000000004,钱七,\(Self.idBJ),电工,5

                    """
                let first = try t.object(
                    try await t.send(.POST, "/api/v1/certificates/import", token: s.bj, body: csv, contentType: "text/csv"))
                #expect(first["imported"] as? Int == 2)
                #expect(first["unchanged"] as? Int == 0)
                let errors = try #require(first["errors"] as? [[String: Any]])
                #expect(errors.map { $0["line"] as? Int } == [4, 5, 6, 7, 8])
                #expect(
                    errors.map { $0["code"] as? String } == [
                        "serial_not_allocated_to_unit", "invalid_id_number",
                        "duplicate_in_file", "serial_voided", "wrong_field_count",
                    ])
                let second = try t.object(
                    try await t.send(.POST, "/api/v1/certificates/import", token: s.bj, body: csv, contentType: "text/csv"))
                #expect(second["imported"] as? Int == 0)
                #expect(second["unchanged"] as? Int == 2)
                #expect((second["errors"] as? [[String: Any]])?.count == 5)
                #expect(try await Self.count(t) == 3)
                let c = try t.object(try await t.send(.GET, "/api/v1/certificates/000000000002", token: s.bj))
                #expect(c["holderName"] as? String == "李,四")
                let wrong = try await t.send(
                    .POST, "/api/v1/certificates/import", token: s.bj, body: "serial,name\n1,2\n", contentType: "text/csv")
                #expect(try t.error(wrong).details.first?["code"] as? String == "wrong_header")
                #expect(
                    try await t.send(.POST, "/api/v1/certificates/import", token: s.admin, body: csv, contentType: "text/csv")
                        .status == .forbidden)
            }
        }

        @Test func voidAndRevoke_areAudited_andRefusedInTheWrongState() async throws {
            try await withTestApp { t in
                let s = try await Self.setup(t)
                #expect(
                    try await t.send(.POST, "/api/v1/certificates", token: s.bj, json: Self.cert("000000000001")).status
                        == .created)
                #expect(try await t.send(.POST, "/api/v1/certificates/000000000050/void", token: s.bj).status == .created)
                #expect(
                    try t.error(try await t.send(.POST, "/api/v1/certificates/000000000050/void", token: s.bj)).code
                        == "serial_voided")
                #expect(
                    try t.error(try await t.send(.POST, "/api/v1/certificates/000000000001/void", token: s.bj)).code
                        == "serial_already_issued")
                let foreign = try await t.send(.POST, "/api/v1/certificates/000000000120/void", token: s.bj)
                #expect(try t.error(foreign).code == "serial_not_allocated_to_unit")
                #expect(
                    try t.error(try await t.send(.POST, "/api/v1/certificates", token: s.bj, json: Self.cert("000000000050")))
                        .code == "serial_voided")
                let noReason = try await t.send(
                    .POST, "/api/v1/certificates/000000000001/revoke", token: s.bj, json: #"{"reason":""}"#)
                #expect(noReason.status == .unprocessableEntity)
                #expect(
                    try await t.send(.POST, "/api/v1/certificates/000000000001/revoke", token: s.tj, json: #"{"reason":"x"}"#)
                        .status == .forbidden)
                let revoked = try t.object(
                    try await t.send(.POST, "/api/v1/certificates/000000000001/revoke", token: s.bj, json: #"{"reason":"考试作弊"}"#))
                #expect(revoked["status"] as? String == "revoked")
                #expect(
                    try await t.send(.POST, "/api/v1/certificates/000000000001/revoke", token: s.admin, json: #"{"reason":"x"}"#)
                        .status == .conflict)
                let events = try await CertificateEvent.query(on: t.app.db).sort(\.$at).all().map {
                    "\($0.action):\($0.serial):\($0.actor)"
                }
                #expect(events.contains("void:000000000050:bj") && events.contains("revoke:000000000001:bj"))
            }
        }

        @Test func verify_masksData_saysNothingOnMismatch_collectsForgeryLeads() async throws {
            try await withTestApp { t in
                let s = try await Self.setup(t)
                #expect(
                    try await t.send(.POST, "/api/v1/certificates", token: s.bj, json: Self.cert("000000000001")).status
                        == .created)
                let byName = try t.object(try await t.send(.GET, "/api/v1/verify?serial=000000000001&name=%E5%BC%A0%E4%B8%89"))
                #expect(byName["result"] as? String == "valid")
                let c = try #require(byName["certificate"] as? [String: Any])
                #expect(c["holderName"] as? String == "张*")
                #expect(c["idNumber"] as? String == "110***********002X")
                #expect(c["unitName"] as? String == "北京市")
                let byID = try t.object(try await t.send(.GET, "/api/v1/verify?serial=000000000001&idNumber=11010519491231002x"))
                #expect(byID["result"] as? String == "valid")
                let mismatch = try await t.send(.GET, "/api/v1/verify?serial=000000000001&name=%E6%9D%8E%E5%9B%9B")
                #expect(mismatch.body.string == #"{"result":"mismatch"}"#)
                let unissued = try t.object(try await t.send(.GET, "/api/v1/verify?serial=000000000002&name=x"))
                #expect(unissued["result"] as? String == "not_found")
                for _ in 0..<2 { _ = try await t.send(.GET, "/api/v1/verify?serial=000000777777&name=x") }
                _ = try await t.send(.GET, "/api/v1/verify?serial=000000888888&idNumber=\(Self.idBJ)")
                #expect(try t.error(try await t.send(.GET, "/api/v1/verify?serial=000000000001")).code == "missing_query")
                #expect(try t.error(try await t.send(.GET, "/api/v1/verify?serial=12&name=x")).code == "malformed_serial")
                #expect(
                    try await t.send(.POST, "/api/v1/certificates/000000000001/revoke", token: s.bj, json: #"{"reason":"作弊"}"#)
                        .status == .ok)
                let revoked = try t.object(try await t.send(.GET, "/api/v1/verify?serial=000000000001&name=%E5%BC%A0%E4%B8%89"))
                #expect(revoked["result"] as? String == "revoked")
                #expect((revoked["certificate"] as? [String: Any])?["revokedReason"] as? String == "作弊")

                // Never-allocated serials, and the revoked certificate (its mismatch and its lookup).
                let leads = try t.object(try await t.send(.GET, "/api/v1/forgery-leads", token: s.admin))
                let bySerial = try #require(leads["bySerial"] as? [[String: Any]])
                #expect(bySerial.first { $0["serial"] as? String == "000000777777" }?["count"] as? Int == 2)
                #expect(bySerial.count == 3)
                #expect((leads["byDay"] as? [[String: Any]])?.first?["count"] as? Int == 5)
                let own = try t.object(try await t.send(.GET, "/api/v1/forgery-leads", token: s.bj))
                #expect((own["items"] as? [[String: Any]])?.map { $0["serial"] as? String } == ["000000000001"])
            }
        }

        @Test func verify_spoofedForwardedHeaders_doNotLiftTheLimit() async throws {
            try await withTestApp { t in
                for n in 0..<30 {
                    var h = HTTPHeaders()
                    h.replaceOrAdd(name: "X-Forwarded-For", value: "203.0.113.\(n)")
                    h.replaceOrAdd(name: "Forwarded", value: "for=198.51.100.\(n)")
                    let r = try await t.send(.GET, "/api/v1/verify?serial=000000000001&name=x", headers: h)
                    #expect(r.status == .ok)
                }
                var last = HTTPHeaders()
                last.replaceOrAdd(name: "X-Forwarded-For", value: "203.0.113.250")
                let limited = try await t.send(.GET, "/api/v1/verify?serial=000000000001&name=x", headers: last)
                #expect(limited.status == .tooManyRequests)
            }
        }

        @Test func verify_isRateLimitedPerAddress_behindATrustedProxy() async throws {
            try await withTestApp(trustedProxies: ["127.0.0.0/8"]) { t in
                var h = HTTPHeaders()
                h.replaceOrAdd(name: "X-Forwarded-For", value: "203.0.113.7")
                for _ in 0..<30 {
                    #expect(try await t.send(.GET, "/api/v1/verify?serial=000000000001&name=x", headers: h).status == .ok)
                }
                let limited = try await t.send(.GET, "/api/v1/verify?serial=000000000001&name=x", headers: h)
                #expect(limited.status == .tooManyRequests)
                #expect(try t.error(limited).code == "rate_limited")
                #expect(Int(limited.headers.first(name: .retryAfter) ?? "") ?? 0 > 0)
                var other = HTTPHeaders()
                other.replaceOrAdd(name: "X-Forwarded-For", value: "203.0.113.8")
                #expect(try await t.send(.GET, "/api/v1/verify?serial=000000000001&name=x", headers: other).status == .ok)
                t.clock.advance(61)
                #expect(try await t.send(.GET, "/api/v1/verify?serial=000000000001&name=x", headers: h).status == .ok)
            }
        }

        @Test func tokens_verifyOnline_offlineWithJoserfc_andSurviveKeyRotation() async throws {
            try await withTestApp { t in
                let s = try await Self.setup(t)
                let issued = try t.object(
                    try await t.send(.POST, "/api/v1/certificates", token: s.bj, json: Self.cert("000000000001")))
                let token = try #require(issued["token"] as? String)
                let svg = try await t.send(.GET, "/api/v1/certificates/000000000001/qr", token: s.bj)
                #expect(svg.headers.contentType?.subType == "svg+xml")
                #expect(svg.body.string.contains("<title>\(token)</title>"))
                #expect(svg.body.string.contains("<path"))
                let online = try t.object(try await t.send(.GET, "/api/v1/verify?token=\(token)"))
                #expect(online["result"] as? String == "valid" && online["signatureValid"] as? Bool == true)
                var tampered = Array(token.utf8)
                let i = token.split(separator: ".")[0].count + 5
                tampered[i] = tampered[i] == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
                let bad = try await t.send(.GET, "/api/v1/verify?token=\(String(decoding: tampered, as: UTF8.self))")
                #expect(try t.error(bad).code == "invalid_token")

                // Rotate: the old certificate still verifies, a new one is signed with the new key.
                let vault = t.app.keyVault
                _ = try await t.app.write { try await Signing.newKey(vault: vault, on: $0) }
                #expect(try t.object(try await t.send(.GET, "/api/v1/verify?token=\(token)"))["result"] as? String == "valid")
                let second = try t.object(
                    try await t.send(
                        .POST, "/api/v1/certificates", token: s.bj,
                        json: Self.cert("000000000002", name: "李,四", id: Self.idOther, occupation: "焊工")))
                let token2 = try #require(second["token"] as? String)
                let jwks = try await t.send(.GET, "/.well-known/jwks.json")
                let keys = try #require(try t.object(jwks)["keys"] as? [[String: Any]])
                #expect(keys.count == 2 && keys.allSatisfy { $0["kty"] as? String == "OKP" && $0["crv"] as? String == "Ed25519" })

                // An independent implementation checks both tokens offline, and refuses the altered one.
                let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zj-jose-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: dir) }
                try Data(jwks.body.readableBytesView).write(to: dir.appendingPathComponent("jwks.json"))
                try [token, token2, String(decoding: tampered, as: UTF8.self)].joined(separator: "\n")
                    .write(to: dir.appendingPathComponent("tokens.txt"), atomically: true, encoding: .utf8)
                let (status, text) = try runPythonCheck(
                    "check_jws.py",
                    [
                        dir.appendingPathComponent("jwks.json").path,
                        dir.appendingPathComponent("tokens.txt").path,
                    ])
                #expect(status == 0, "\(text)")
                #expect(
                    // The tokens' subjects are the certificate numbers of serials 1 and 2.
                    text.contains("valid 2026110000500000010") && text.contains("valid 202611000050000002Y")
                        && text.contains("refused"),
                    "\(text)")
            }
        }
    }
}
