import CertificateKit
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import App

extension AppTests {
    /// Issue 10, parts 1–3: exam results, certificates only against a recorded pass, and
    /// certificate numbers.
    @Suite struct ExamResults {
        static let zhang = ("张三", "11010519491231002X")
        static let li = ("李四", "110105200002290013")
        static let wang = ("王五", "110101199003077774")
        static let zhao = ("赵六", "11010119900307803X")

        @Test func results_byJSONAndCSV_arePerPerson_countThePasses_andRefuseWhatIsWrong() async throws {
            try await withTestApp { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let tj = try await t.user("tj", role: "unit", unit: "120000")
                let sup = try await t.user("sup", role: "supervisor", unit: "110000")
                // A session of 5 candidates whose 3 passes were typed: marked as typed.
                let id = try await t.passes([], unit: "110000", token: bj)
                var s = try t.object(try await t.send(.GET, "/api/v1/sessions/\(id)", token: bj))
                #expect(s["passedSource"] as? String == "typed" && s["results"] as? Int == 0)
                let path = "/api/v1/sessions/\(id)/results"

                // The session was registered with no candidates: no result fits.
                let none = try await t.send(
                    .POST, path, token: bj, json: #"{"results":[{"name":"张三","idNumber":"11010519491231002X","passed":true}]}"#)
                #expect(none.status == .unprocessableEntity)
                #expect(try t.error(none).code == "exceeds_candidates")

                // A session of 4 candidates.
                let sid = try #require(
                    try t.object(
                        try await t.send(
                            .POST, "/api/v1/sessions", token: bj,
                            json: #"""
                                {"stationCode":"ST-110000","occupation":"6-07-06-01","level":"4","date":"2026-03-05",
                                 "regionCode":"110000","standardKind":"national","bankKind":"national","bankCode":"B4",
                                 "candidates":4,"passed":3,"feeYuan":"120","supervisorId":null}
                                """#))["id"] as? String)
                let rp = "/api/v1/sessions/\(sid)/results"
                let body = #"""
                    {"results":[{"name":"张三","idNumber":"11010519491231002x","passed":true,"score":88.5},
                     {"name":" 李四 ","idNumber":"110105200002290013","passed":false,"score":41},
                     {"name":"王五","idNumber":"110101199003077774","passed":true}]}
                    """#
                let first = try t.object(try await t.send(.POST, rp, token: bj, json: body))
                #expect(first["added"] as? Int == 3 && first["results"] as? Int == 3 && first["passes"] as? Int == 2)
                s = try t.object(try await t.send(.GET, "/api/v1/sessions/\(sid)", token: bj))
                #expect(s["passed"] as? Int == 2 && s["passedSource"] as? String == "results" && s["passedTyped"] as? Int == 3)
                // The same list again changes nothing; a corrected result is updated.
                let again = try t.object(try await t.send(.POST, rp, token: bj, json: body))
                #expect(again["added"] as? Int == 0 && again["unchanged"] as? Int == 3)
                let fix = try t.object(
                    try await t.send(
                        .POST, rp, token: bj, json: #"{"results":[{"name":"李四","idNumber":"110105200002290013","passed":true}]}"#)
                )
                #expect(fix["updated"] as? Int == 1 && fix["passes"] as? Int == 3)

                // Every bad row is named; nothing is kept of a refused request.
                let bad = try await t.send(
                    .POST, rp, token: bj,
                    json: #"""
                        {"results":[{"name":"赵六","idNumber":"11010119900307803X","passed":false},
                         {"name":"","idNumber":"110101199003077775","passed":true,"score":101},
                         {"name":"钱七","idNumber":"11010119900307803X"}]}
                        """#)
                #expect(bad.status == .unprocessableEntity)
                let fields = Set(try t.error(bad).details.compactMap { $0["field"] as? String })
                #expect(
                    fields == [
                        "results[1].name", "results[1].idNumber", "results[1].score", "results[2].passed",
                    ], "\(fields)")
                #expect(try await ExamResult.query(on: t.app.db).filter(\.$session.$id == UUID(uuidString: sid)!).count() == 3)

                // CSV: bad lines by number, the good ones kept; past the candidates, refused.
                let csv = """
                    name,idNumber,passed,score
                    赵六,11010119900307803X,合格,90
                    钱七,1101011990030780,1,
                    孙八,110101199003077790,maybe,
                    赵六,11010119900307803X,0,
                    周九,110101200001011232,否,12.25
                    吴十,110101199003076616,1,60

                    """
                let imported = try t.object(
                    try await t.send(.POST, rp + "/import", token: bj, body: csv, contentType: "text/csv"))
                let errors = try #require(imported["errors"] as? [[String: Any]])
                #expect(imported["added"] as? Int == 1)
                #expect(errors.map { $0["line"] as? Int } == [3, 4, 5, 6, 7], "\(errors)")
                #expect(
                    errors.map { $0["code"] as? String } == [
                        "invalid_id_number", "invalid_passed", "duplicate_in_file", "invalid_score", "exceeds_candidates",
                    ])
                #expect(imported["results"] as? Int == 4 && imported["passes"] as? Int == 4)

                // The list, and who may see and change it.
                let list = try t.array(try await t.send(.GET, rp, token: bj))
                #expect(list.count == 4)
                #expect(list.first { $0["name"] as? String == "张三" }?["score"] as? Double == 88.5)
                #expect(list.first { $0["name"] as? String == "李四" }?["passed"] as? Bool == true)
                #expect(try t.error(try await t.send(.GET, rp, token: tj)).code == "other_unit")
                #expect(try await t.send(.POST, rp, token: tj, json: body).status == .forbidden)
                #expect(try await t.send(.POST, rp, token: sup, json: body).status == .forbidden)
                #expect(try await t.send(.POST, rp, json: body).status == .unauthorized)
                #expect(try await t.send(.GET, "/api/v1/sessions/\(UUID())/results", token: bj).status == .notFound)
                #expect(try await t.send(.GET, "/api/v1/sessions/x/results", token: bj).status == .notFound)
                // A mistaken entry is removed; the counts follow.
                let removed = try t.object(try await t.send(.DELETE, rp + "/11010119900307803X", token: bj))
                #expect(removed["results"] as? Int == 3 && removed["passes"] as? Int == 3)
                #expect(try await t.send(.DELETE, rp + "/11010119900307803X", token: bj).status == .notFound)
                #expect(try await t.send(.DELETE, rp + "/11010119900307803X", token: tj).status == .forbidden)
            }
        }

        @Test func issuance_needsARecordedPass_oncePerPass_andNumbersEachCertificate() async throws {
            try await withTestApp { t in
                let c = try await Certificates.setup(t)
                // 王五 passed 电工 level 5 on 2026-03-10; 赵六 failed it.
                let sid = try await t.passes([Self.wang], unit: "110000", token: c.bj, date: "2026-03-10", failed: [Self.zhao])
                func issue(
                    _ serial: String, _ person: (String, String), occupation: String = "电工", on: String = "2026-03-20"
                )
                    async throws -> TestingHTTPResponse
                {
                    try await t.send(
                        .POST, "/api/v1/certificates", token: c.bj,
                        json: Certificates.cert(serial, name: person.0, id: person.1, on: on, occupation: occupation))
                }
                for (serial, person, occupation, on, code) in [
                    ("000000000011", Self.zhao, "电工", "2026-03-20", "no_pass_record"),  // failed
                    ("000000000012", Self.li, "电工", "2026-03-20", "no_pass_record"),  // never sat
                    ("000000000013", Self.wang, "电工", "2026-03-09", "no_pass_record"),  // before the exam
                    ("000000000014", Self.wang, "焊工", "2026-03-20", "no_pass_record"),  // another occupation
                    ("000000000015", ("王武", Self.wang.1), "电工", "2026-03-20", "no_pass_record"),  // another name
                    ("000000000016", Self.wang, "木工", "2026-03-20", "unknown_occupation"),
                ] {
                    let res = try await issue(serial, person, occupation: occupation, on: on)
                    #expect(res.status == .unprocessableEntity, "\(serial)")
                    #expect(try t.error(res).code == code, "\(serial): \(res.body.string)")
                }
                // Given by the register's code, the occupation resolves; the certificate keeps its session and gets a number.
                let ok = try t.object(try await issue("000000000017", Self.wang, occupation: "6-07-06-01"))
                #expect(ok["occupation"] as? String == "6-07-06-01" && ok["sessionId"] as? String == sid)
                let number = try #require(ok["certificateNumber"] as? String)
                #expect(CertificateNumber.isWellFormed(number))
                #expect(
                    CertificateNumber.parts(number).map { "\($0.year)|\($0.unitCode)|\($0.level)|\($0.sequence)" }
                        == "2026|110000|5|1")
                // One certificate per pass.
                let twice = try await issue("000000000018", Self.wang)
                #expect(twice.status == .unprocessableEntity)
                #expect(try t.error(twice).code == "already_certified")
                // The next certificate of the year and level takes the next number.
                let next = try t.object(try await issue("000000000019", Self.zhang, on: "2026-03-21"))
                #expect(CertificateNumber.parts(next["certificateNumber"] as? String ?? "")?.sequence == 2)
                // A certified result can neither change nor go.
                let changed = try await t.send(
                    .POST, "/api/v1/sessions/\(sid)/results", token: c.bj,
                    json: #"{"results":[{"name":"王五","idNumber":"\#(Self.wang.1)","passed":false}]}"#)
                #expect(try t.error(changed).code == "result_certified")
                #expect(
                    try t.error(try await t.send(.DELETE, "/api/v1/sessions/\(sid)/results/\(Self.wang.1)", token: c.bj)).code
                        == "result_certified")
                let results = try t.array(try await t.send(.GET, "/api/v1/sessions/\(sid)/results", token: c.bj))
                #expect(results.first { $0["idNumber"] as? String == Self.wang.1 }?["certificateNumber"] as? String == number)

                // An import names each line refused for want of a pass.
                let csv = """
                    serial,holderName,idNumber,occupation,level,issuedOn
                    000000000020,李,四,\(Self.li.1),焊工,5,2026-03-22
                    000000000021,"李,四",\(Self.li.1),焊工,5,2026-03-22
                    000000000022,"李,四",\(Self.li.1),焊工,5,2026-03-23
                    000000000023,赵六,\(Self.zhao.1),电工,5,2026-03-22

                    """
                let imported = try t.object(
                    try await t.send(.POST, "/api/v1/certificates/import", token: c.bj, body: csv, contentType: "text/csv"))
                #expect(imported["imported"] as? Int == 1)
                let errors = try #require(imported["errors"] as? [[String: Any]])
                #expect(errors.map { $0["line"] as? Int } == [2, 4, 5])
                #expect(errors.map { $0["code"] as? String } == ["wrong_field_count", "already_certified", "no_pass_record"])
                // Importing it again changes nothing.
                let again = try t.object(
                    try await t.send(.POST, "/api/v1/certificates/import", token: c.bj, body: csv, contentType: "text/csv"))
                #expect(again["imported"] as? Int == 0 && again["unchanged"] as? Int == 1)

                // The ministry's figures for the quarter: certificates, against passes, refused.
                let derived = try t.object(try await t.send(.GET, "/api/v1/reports/2026Q1/110000/derived", token: c.admin))
                let issuance = try #require(derived["issuance"] as? [String: Any])
                #expect(issuance["certificates"] as? Int == 3 && issuance["againstPasses"] as? Int == 3)
                #expect(issuance["refused"] as? Int == 0, "refusals count in the quarter they were made in")
                let now = try t.object(try await t.send(.GET, "/api/v1/reports/2026Q2/110000/derived", token: c.admin))
                #expect((now["issuance"] as? [String: Any])?["refused"] as? Int == 5 + 1 + 2 + 2, "\(now)")
                #expect((issuance["sessionsOverCertified"] as? [Any])?.isEmpty == true)
                let all = try t.object(try await t.send(.GET, "/api/v1/derived/2026Q1", token: c.admin))
                #expect(((all["issuance"] as? [String: Any])?["110000"] as? [String: Any])?["againstPasses"] as? Int == 3)
            }
        }

        @Test func sessionsWithMoreCertificatesThanPasses_areListedForTheMinistry() async throws {
            try await withTestApp { t in
                let c = try await Certificates.setup(t)
                let sid = try await t.passes([Self.wang], unit: "110000", token: c.bj, date: "2026-03-10")
                #expect(
                    try await t.send(
                        .POST, "/api/v1/certificates", token: c.bj,
                        json: Certificates.cert("000000000031", name: Self.wang.0, id: Self.wang.1, on: "2026-03-20")
                    ).status == .created)
                // A record from before the pass rule, attached to the same session by a migration.
                let sql = try #require(t.app.db as? any SQLDatabase)
                try await sql.raw(
                    """
                    INSERT INTO certificates (serial, unit_code, status, holder_name, id_number, occupation, level, issued_on,
                    session_id, created_at, updated_at)
                    VALUES ('000000000032', '110000', 'issued', '赵六', \(bind: Self.zhao.1), '6-07-06-01', '5', '2026-03-21',
                    \(bind: UUID(uuidString: sid)!), \(bind: Date()), \(bind: Date()))
                    """
                ).run()
                let derived = try t.object(try await t.send(.GET, "/api/v1/reports/2026Q1/110000/derived", token: c.admin))
                let over = try #require((derived["issuance"] as? [String: Any])?["sessionsOverCertified"] as? [[String: Any]])
                #expect(over.count == 1)
                #expect(over.first?["sessionId"] as? String == sid)
                #expect(over.first?["passes"] as? Int == 1 && over.first?["certificates"] as? Int == 2)
                let page = try await t.send(.GET, "/api/v1/reports/2026Q1/110000/derived", token: c.tj)
                #expect(page.status == .forbidden)
            }
        }

        /// Two issuances against one pass at once, with different serials: one certificate.
        @Test func parallelIssuances_againstOnePass_makeOneCertificate() async throws {
            try await withTestApp { t in
                let c = try await Certificates.setup(t)
                try await t.passes([Self.wang], unit: "110000", token: c.bj, date: "2026-03-10")
                let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                    for n in 40..<46 {
                        group.addTask {
                            try await t.send(
                                .POST, "/api/v1/certificates", token: c.bj,
                                json: Certificates.cert("0000000000\(n)", name: Self.wang.0, id: Self.wang.1, on: "2026-03-20")
                            ).status
                        }
                    }
                    var all: [HTTPStatus] = []
                    for try await s in group { all.append(s) }
                    return all
                }
                #expect(statuses.filter { $0 == .created }.count == 1, "\(statuses)")
                #expect(statuses.filter { $0 == .unprocessableEntity }.count == 5, "\(statuses)")
                let numbers = try await Certificate.query(on: t.app.db).filter(\.$holderName == Self.wang.0).all()
                #expect(numbers.count == 1)
            }
        }

        @Test func sessionPage_entersResults_showsRefusalsBesideTheField_andLinksTheCertificate() async throws {
            try await withTestApp { t in
                let c = try await Certificates.setup(t)
                let sid = try await t.passes([Self.wang], unit: "110000", token: c.bj, date: "2026-03-10", failed: [Self.zhao])
                #expect(
                    try await t.send(
                        .POST, "/api/v1/certificates", token: c.bj,
                        json: Certificates.cert("000000000051", name: Self.wang.0, id: Self.wang.1, on: "2026-03-20")
                    ).status == .created)
                let (cookie, csrf) = try await Web.webLogin(t, "bj", "password-bj")
                let h = Web.headers(cookie)
                let path = "/registers/sessions/\(sid)"
                let page = try await t.send(.GET, path, headers: h)
                #expect(page.status == .ok)
                let html = page.body.string
                #expect(html.contains("王五") && html.contains("按成绩记录统计"))
                #expect(html.contains("/certificates/000000000051"), "the pass links its certificate")
                #expect(!html.contains("/results/\(Self.wang.1)/delete"), "a certified result cannot be deleted")
                #expect(html.contains("/results/\(Self.zhao.1)/delete"))
                // Refused: the reason beside the field, the typed value kept, nothing stored.
                let bad = try await t.send(
                    .POST, path + "/results", headers: h,
                    body: "name=%E6%9D%8E%E5%9B%9B&idNumber=110105200002290014&passed=1&score=&_csrf=\(csrf)")
                #expect(bad.status == .unprocessableEntity)
                #expect(bad.body.string.contains("field-error") && bad.body.string.contains("110105200002290014"))
                #expect(bad.body.string.contains("校验码错误"))
                // The session has 2 candidates, both with results: no room for a third.
                let full = try await t.send(
                    .POST, path + "/results", headers: h,
                    body: "name=%E6%9D%8E%E5%9B%9B&idNumber=110105200002290013&passed=1&score=75&_csrf=\(csrf)")
                #expect(full.status == .unprocessableEntity && full.body.string.contains("不能超过考生人数"))
                // Corrected through the form: 赵六 passed after all.
                let fixed = try await t.send(
                    .POST, path + "/results", headers: h,
                    body: "name=%E8%B5%B5%E5%85%AD&idNumber=\(Self.zhao.1)&passed=1&score=61&_csrf=\(csrf)")
                #expect(fixed.status == .seeOther)
                let after = try t.object(try await t.send(.GET, "/api/v1/sessions/\(sid)", token: c.bj))
                #expect(after["passed"] as? Int == 2)
                // Another unit's user and the public never see it.
                let (tjCookie, _) = try await Web.webLogin(t, "tj", "password-tj")
                #expect(try await t.send(.GET, path, headers: Web.headers(tjCookie)).status == .forbidden)
                #expect(try await t.send(.GET, path).status != .ok)
            }
        }

        /// `serial=` takes the print serial or the certificate number; an unknown number is a lead
        /// against the unit it names.
        @Test func verification_takesTheCertificateNumber_andAnUnknownNumberIsALead() async throws {
            try await withTestApp { t in
                let c = try await Certificates.setup(t)
                let issued = try t.object(
                    try await t.send(.POST, "/api/v1/certificates", token: c.bj, json: Certificates.cert("000000000001")))
                let number = try #require(issued["certificateNumber"] as? String)
                let byNumber = try t.object(
                    try await t.send(.GET, "/api/v1/verify?serial=\(number)&idNumber=\(Certificates.idBJ)"))
                #expect(byNumber["result"] as? String == "valid")
                let cert = try #require(byNumber["certificate"] as? [String: Any])
                #expect(cert["serial"] as? String == "000000000001" && cert["certificateNumber"] as? String == number)
                #expect(cert["occupation"] as? String == "电工" && cert["occupationCode"] as? String == "6-07-06-01")
                // The page takes it too.
                let page = try await t.send(
                    .POST, "/verify", body: "serial=\(number)&name=&idNumber=\(Certificates.idBJ)",
                    contentType: "application/x-www-form-urlencoded")
                #expect(page.status == .ok && page.body.string.contains(number))
                // A well-formed number nobody was given: not found, and a lead against Beijing.
                let forged = try #require(CertificateNumber.make(year: 2026, unitCode: "110000", level: "5", sequence: 777))
                let none = try t.object(try await t.send(.GET, "/api/v1/verify?serial=\(forged)&name=x"))
                #expect(none["result"] as? String == "not_found")
                // Anyone can make a well-formed number in a unit's name: the lead is the ministry's.
                let leads = try #require(
                    try t.object(try await t.send(.GET, "/api/v1/forgery-leads", token: c.admin))["items"] as? [[String: Any]])
                let lead = try #require(leads.first { $0["serial"] as? String == forged })
                #expect(lead["kind"] as? String == "never_allocated" && lead["unitCode"] == nil)
                let own = try #require(
                    try t.object(try await t.send(.GET, "/api/v1/forgery-leads", token: c.bj))["items"] as? [[String: Any]])
                #expect(!own.contains { $0["serial"] as? String == forged })
                // A typo in the number is refused as malformed, not looked up.
                var typo = Array(number)
                typo[5] = typo[5] == "1" ? "2" : "1"
                let bad = try await t.send(.GET, "/api/v1/verify?serial=\(String(typo))&name=x")
                #expect(bad.status == .badRequest)
            }
        }

        /// A revoked certificate frees its pass: the result can be corrected, or certified again
        /// under a new number.
        @Test func revocation_freesThePass() async throws {
            try await withTestApp { t in
                let c = try await Certificates.setup(t)
                let sid = try await t.passes([Self.wang], unit: "110000", token: c.bj, date: "2026-03-10")
                let first = try t.object(
                    try await t.send(
                        .POST, "/api/v1/certificates", token: c.bj,
                        json: Certificates.cert("000000000061", name: Self.wang.0, id: Self.wang.1, on: "2026-03-20")))
                #expect(
                    try await t.send(
                        .POST, "/api/v1/certificates/000000000061/revoke", token: c.bj, json: #"{"reason":"姓名印错"}"#
                    ).status == .ok)
                let again = try t.object(
                    try await t.send(
                        .POST, "/api/v1/certificates", token: c.bj,
                        json: Certificates.cert("000000000062", name: Self.wang.0, id: Self.wang.1, on: "2026-03-21")))
                #expect(again["sessionId"] as? String == sid)
                #expect(again["certificateNumber"] as? String != first["certificateNumber"] as? String)
                let results = try t.array(try await t.send(.GET, "/api/v1/sessions/\(sid)/results", token: c.bj))
                #expect(results.count == 1 && results.first?["certificateSerial"] as? String == "000000000062")
            }
        }

        /// A results file of more lines than a session can hold is refused before anything is
        /// checked; a file of many bad lines lists the first thousand.
        @Test func resultsImport_isBounded() async throws {
            try await withTestApp { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let id = try await t.passes([Self.wang], unit: "110000", token: bj)
                let path = "/api/v1/sessions/\(id)/results/import"
                let huge = "name,idNumber,passed,score\n" + String(repeating: "x\n", count: 100_001)
                let refused = try await t.send(.POST, path, token: bj, body: huge, contentType: "text/csv")
                #expect(refused.status == .payloadTooLarge)
                #expect(try t.error(refused).code == "too_many_rows")
                let bad = "name,idNumber,passed,score\n" + String(repeating: "x\n", count: 1_500)
                let answer = try t.object(try await t.send(.POST, path, token: bj, body: bad, contentType: "text/csv"))
                let errors = try #require(answer["errors"] as? [[String: Any]])
                #expect(errors.count == 1_001 && errors.last?["code"] as? String == "too_many_errors")
            }
        }

        /// A unit does not overturn the ministry's revocation of its station.
        @Test func inspections_theMinistrysRevocationStands() async throws {
            try await withTestApp { t in
                let admin = try await t.admin()
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                try await t.passes([], unit: "110000", token: bj)
                let path = "/api/v1/stations/ST-110000/inspections"
                let revoked = try await t.send(
                    .POST, path, token: admin,
                    json: #"{"year":2026,"inspectedOn":"2026-04-01","outcome":"revoked","note":"组织替考"}"#)
                #expect(revoked.status == .created, "\(revoked.body.string)")
                let overturn = try await t.send(
                    .POST, path, token: bj, json: #"{"year":2026,"inspectedOn":"2026-04-02","outcome":"qualified","note":"整改完毕"}"#
                )
                #expect(overturn.status == .forbidden)
                #expect(try t.error(overturn).code == "inspection_locked")
                let list = try t.array(try await t.send(.GET, path, token: bj))
                #expect(list.first?["outcome"] as? String == "revoked")
                // The ministry may correct its own record.
                #expect(
                    try await t.send(
                        .POST, path, token: admin,
                        json: #"{"year":2026,"inspectedOn":"2026-04-01","outcome":"rectification","note":"改为限期整改"}"#
                    ).status == .ok)
            }
        }

        @Test func certificateNumbers_checkCharacterCatchesTypos() {
            let n = CertificateNumber.make(year: 2026, unitCode: "110000", level: "5", sequence: 1)
            #expect(n == "2026110000500000010")
            let industry = CertificateNumber.make(year: 2026, unitCode: "i01", level: "3", sequence: 1234)
            #expect(industry.map(CertificateNumber.isWellFormed) == true)
            #expect(industry.flatMap(CertificateNumber.parts)?.unitCode == "I01")
            #expect(CertificateNumber.isWellFormed(industry?.lowercased() ?? ""))
            let digits = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            for s in [n ?? "", industry ?? ""] {
                var chars = Array(s)
                for i in chars.indices {
                    let original = chars[i]
                    for d in digits where d != original {
                        chars[i] = d
                        #expect(!CertificateNumber.isWellFormed(String(chars)), "\(String(chars))")
                    }
                    chars[i] = original
                }
            }
            #expect(CertificateNumber.make(year: 2026, unitCode: "11-000", level: "5", sequence: 1) == nil)
            #expect(CertificateNumber.make(year: 2026, unitCode: "110000", level: "6", sequence: 1) == nil)
            #expect(CertificateNumber.make(year: 2026, unitCode: "110000", level: "5", sequence: 10_000_000) == nil)
            #expect(!CertificateNumber.isWellFormed("000000000001"))
            // Numbering many at once: a sequence per unit, year and level; nothing used by a bad line.
            var numbering = CertificateNumbering()
            #expect(numbering.next(unit: "110000", issuedOn: "2026-03-01", level: "5") == n)
            #expect(numbering.next(unit: "110000", issuedOn: nil, level: "5") == nil)
            #expect(numbering.next(unit: "110000", issuedOn: "2026-03-02", level: "7") == nil)
            #expect(
                numbering.next(unit: "110000", issuedOn: "2026-04-01", level: "5").flatMap(CertificateNumber.parts)?.sequence == 2
            )
            #expect(
                numbering.next(unit: "110000", issuedOn: "2025-04-01", level: "5").flatMap(CertificateNumber.parts)?.sequence == 1
            )
            #expect(numbering.last.count == 2)
        }
    }
}
