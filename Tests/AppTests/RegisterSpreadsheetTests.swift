import Foundation
import Testing
import Vapor
import VaporTesting

@testable import App

extension AppTests {
    /// Issue 15, part 3: the session, result and occupation registers from XLSX workbooks and
    /// from CSV in GB18030, columns found by name. Serialized, so the 50,000-row import's peak
    /// memory is its own.
    @Suite(.serialized) struct RegisterSpreadsheet {
        static let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        static let gb18030 = String.Encoding(rawValue: 0x8000_0632)

        /// An XLSX file written by openpyxl from `rows` (see make_register_xlsx.py).
        static func workbook(_ rows: [[Any]]) throws -> [UInt8] {
            let dir = FileManager.default.temporaryDirectory
            let spec = dir.appendingPathComponent("zj-spec-\(UUID().uuidString).json")
            let out = dir.appendingPathComponent("zj-\(UUID().uuidString).xlsx")
            defer {
                try? FileManager.default.removeItem(at: spec)
                try? FileManager.default.removeItem(at: out)
            }
            try JSONSerialization.data(withJSONObject: rows).write(to: spec)
            return try make(["table", out.path, spec.path], out)
        }

        static func make(_ arguments: [String], _ out: URL) throws -> [UInt8] {
            let run = try runPythonCheck("make_register_xlsx.py", arguments)
            try #require(run.status == 0, "\(run.output)")
            return [UInt8](try Data(contentsOf: out))
        }

        static func date(_ day: String) -> [String: String] { ["date": day] }

        static func gb(_ text: String) throws -> [UInt8] { [UInt8](try #require(text.data(using: gb18030))) }

        /// A session of BJ-01 (see `Registers.setup`) with room for `candidates` results.
        static func session(_ t: TestApp, _ s: AppTests.Registers.Setup, candidates: Int = 10) async throws -> String {
            let res = try await t.send(
                .POST, "/api/v1/sessions", token: s.bj,
                json: AppTests.Registers.session(level: "4", date: "2026-04-02", candidates: candidates, passed: 0))
            try #require(res.status == .created, "\(res.body.string)")
            return try #require(try t.object(res)["id"] as? String)
        }

        static func sessionCount(_ t: TestApp, _ token: String) async throws -> Int {
            try t.array(try await t.send(.GET, "/api/v1/sessions?per=500", token: token)).count
        }

        static func occupationCount(_ t: TestApp, _ token: String) async throws -> Int {
            try t.array(try await t.send(.GET, "/api/v1/occupations", token: token)).count
        }

        /// The refusal's detail: its code and both messages.
        static func detail(_ t: TestApp, _ res: TestingHTTPResponse) throws -> (code: String, en: String, zh: String) {
            let d = try #require(try t.error(res).details.first)
            return (d["code"] as? String ?? "", d["message"] as? String ?? "", d["messageZh"] as? String ?? "")
        }

        @Test func sessions_fromXLSX_byColumnName_withDatesAndNumbersAsExcelKeepsThem() async throws {
            try await withTestApp(now: beijing("2026-07-20T10:00:00")) { t in
                let s = try await AppTests.Registers.setup(t)
                let file = try Self.workbook([
                    [
                        "备注", "date", "stationCode", "occupation", "level", "regionCode", "standardKind", "bankKind", "bankCode",
                        "passed", "candidates", "feeYuan", "supervisorId",
                    ],
                    [
                        "上午", Self.date("2026-04-10"), "BJ-01", "6-07-06-01", 4, "110000", "national", "national", "B1", 20, 30,
                        100, "DD-110-0001",
                    ],
                    ["", "2026-04-11", "BJ-01", "6-07-06-01", "4", "110000", "national", "national", "B1", 20, 30, "100.50", ""],
                    [
                        "多于考生", Self.date("2026-04-12"), "BJ-01", "6-07-06-01", 4, "110000", "national", "national", "B1", 40, 30,
                        100, "",
                    ],
                    [
                        "", Self.date("2026-04-13"), "BJ-01", "6-18-02-04", 5, "110000", "verifiedLocal", "certifiedLocal", "L1",
                        9, 10, 80, "",
                    ],
                ])
                let r = try t.object(
                    try await t.send(.POST, "/api/v1/sessions/import", token: s.bj, bytes: file, contentType: Self.xlsx))
                #expect(r["imported"] as? Int == 3)
                let errors = try #require(r["errors"] as? [[String: Any]])
                // The spreadsheet's row number: the header is row 1.
                #expect(errors.map { $0["line"] as? Int } == [4] && errors.first?["code"] as? String == "exceeds_candidates")
                let sessions = try t.array(try await t.send(.GET, "/api/v1/sessions", token: s.bj))
                #expect(Set(sessions.compactMap { $0["date"] as? String }) == ["2026-04-10", "2026-04-11", "2026-04-13"])
                let first = try #require(sessions.first { $0["date"] as? String == "2026-04-10" })
                #expect(first["supervisorId"] as? String == s.supervisor && first["candidates"] as? Int == 30)
                #expect(first["level"] as? String == "4" && first["feeYuan"] as? String == "100.00")
                #expect(sessions.first { $0["date"] as? String == "2026-04-11" }?["feeYuan"] as? String == "100.50")
                // The same file again changes nothing.
                let again = try t.object(
                    try await t.send(.POST, "/api/v1/sessions/import", token: s.bj, bytes: file, contentType: Self.xlsx))
                #expect(again["imported"] as? Int == 0 && again["unchanged"] as? Int == 3)
            }
        }

        @Test func sessions_fromGB18030CSV_withChineseAndExcelDates() async throws {
            try await withTestApp(now: beijing("2026-07-20T10:00:00")) { t in
                let s = try await AppTests.Registers.setup(t)
                let csv = try Self.gb(
                    "备注,stationCode,occupation,level,date,regionCode,standardKind,bankKind,bankCode,candidates,passed,feeYuan,supervisorId\r\n"
                        + "上午场（电工）,BJ-01,6-07-06-01,4,2026/4/10,110000,national,national,B1,30,20,100,DD-110-0001\r\n"
                        + "下午场,BJ-01,6-07-06-01,4,2026年4月11日,110000,national,national,B1,30,20,100,\r\n"
                        + ",,,,,,,,,,,,\r\n"
                        + "缺一列,BJ-01,6-07-06-01,4,2026-04-12,110000,national,national,B1,30,20,100\r\n")
                let r = try t.object(
                    try await t.send(.POST, "/api/v1/sessions/import", token: s.bj, bytes: csv, contentType: "text/csv"))
                #expect(r["imported"] as? Int == 2)
                let errors = try #require(r["errors"] as? [[String: Any]])
                #expect(errors.map { $0["line"] as? Int } == [5] && errors.first?["code"] as? String == "wrong_field_count")
                let dates = try t.array(try await t.send(.GET, "/api/v1/sessions", token: s.bj)).compactMap {
                    $0["date"] as? String
                }
                #expect(Set(dates) == ["2026-04-10", "2026-04-11"])
            }
        }

        @Test func results_fromXLSX_andGB18030_booleansAndScoresAsSpreadsheetsWriteThem() async throws {
            try await withTestApp(now: beijing("2026-07-20T10:00:00")) { t in
                let s = try await AppTests.Registers.setup(t)
                let id = try await Self.session(t, s)
                let path = "/api/v1/sessions/\(id)/results/import"
                let file = try Self.workbook([
                    ["score", "考场", "passed", "idNumber", "name"],
                    [85.5, "一", true, ExamResults.zhang.1, ExamResults.zhang.0],
                    [59, "二", false, ExamResults.li.1, ExamResults.li.0],
                    [90, Self.date("2026-04-02"), "合格", ExamResults.wang.1, ExamResults.wang.0],
                    ["", "", "也许", ExamResults.zhao.1, ExamResults.zhao.0],
                    // An ID number typed into a number cell (Excel keeps 15 digits of it).
                    [70, "", true, 110_101_199_003_077_774, "钱七"],
                ])
                let r = try t.object(try await t.send(.POST, path, token: s.bj, bytes: file, contentType: Self.xlsx))
                #expect(r["added"] as? Int == 3 && r["passes"] as? Int == 2)
                let errors = try #require(r["errors"] as? [[String: Any]])
                #expect(errors.map { $0["line"] as? Int } == [5, 6])
                #expect(errors.map { $0["code"] as? String } == ["invalid_passed", "id_number_as_number"])
                let stored = try t.array(try await t.send(.GET, "/api/v1/sessions/\(id)/results", token: s.bj))
                let zhang = try #require(stored.first { $0["idNumber"] as? String == ExamResults.zhang.1 })
                #expect(zhang["name"] as? String == "张三" && zhang["passed"] as? Bool == true && zhang["score"] as? Double == 85.5)
                #expect(stored.first { $0["idNumber"] as? String == ExamResults.li.1 }?["passed"] as? Bool == false)

                // The fourth person from a GB18030 CSV, 是/否 as Excel users write them.
                let csv = try Self.gb(
                    "name,idNumber,passed,score\r\n赵六,\(ExamResults.zhao.1),是,\r\n王五,\(ExamResults.wang.1),合格,90\r\n")
                let g = try t.object(try await t.send(.POST, path, token: s.bj, bytes: csv, contentType: "text/csv"))
                #expect(g["added"] as? Int == 1 && g["unchanged"] as? Int == 1 && g["passes"] as? Int == 3)
                let zhao = try t.array(try await t.send(.GET, "/api/v1/sessions/\(id)/results", token: s.bj)).first {
                    $0["idNumber"] as? String == ExamResults.zhao.1
                }
                #expect(zhao?["name"] as? String == "赵六")
            }
        }

        @Test func occupations_fromXLSX_andGB18030() async throws {
            try await withTestApp { t in
                let admin = try await t.admin()
                let file = try Self.workbook([
                    ["name", "大类", "code"],
                    ["电工", 6, "6-07-06-01"],
                    ["焊工", 6, "6-18-02-04"],
                ])
                let r0 = try await t.send(.POST, "/api/v1/occupations/import", token: admin, bytes: file, contentType: Self.xlsx)
                let r = try t.object(r0)
                #expect(r["imported"] as? Int == 2)
                let csv = try Self.gb("code,name\n6-18-01-01,车工\n6-07-06-01,电工\n")
                let g = try t.object(
                    try await t.send(.POST, "/api/v1/occupations/import", token: admin, bytes: csv, contentType: "text/csv"))
                #expect(g["imported"] as? Int == 1 && g["unchanged"] as? Int == 1)
                let names = try t.array(try await t.send(.GET, "/api/v1/occupations", token: admin)).compactMap {
                    $0["name"] as? String
                }
                #expect(Set(names) == ["电工", "焊工", "车工"])
            }
        }

        /// A workbook LibreOffice wrote reads as openpyxl's: its plain cells' custom `General`
        /// format is not a date, so a score of 90 stays 90 (and a real date stays a date).
        @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/libreoffice")))
        func results_fromALibreOfficeWorkbook() async throws {
            try await withTestApp(now: beijing("2026-07-20T10:00:00")) { t in
                let s = try await AppTests.Registers.setup(t)
                let id = try await Self.session(t, s)
                let spec = FileManager.default.temporaryDirectory.appendingPathComponent("zj-spec-\(UUID().uuidString).json")
                let out = FileManager.default.temporaryDirectory.appendingPathComponent("zj-lo-\(UUID().uuidString).xlsx")
                defer {
                    try? FileManager.default.removeItem(at: spec)
                    try? FileManager.default.removeItem(at: out)
                }
                let rows: [[Any]] = [
                    ["name", "idNumber", "passed", "score", "考试日期"],
                    [ExamResults.zhang.0, ExamResults.zhang.1, true, 90, Self.date("2026-04-02")],
                    [ExamResults.li.0, ExamResults.li.1, 0, 59.5, Self.date("2026-04-02")],
                ]
                try JSONSerialization.data(withJSONObject: rows).write(to: spec)
                let file = try Self.make(["libreoffice", out.path, spec.path], out)
                let r = try t.object(
                    try await t.send(
                        .POST, "/api/v1/sessions/\(id)/results/import", token: s.bj, bytes: file, contentType: Self.xlsx))
                #expect(r["added"] as? Int == 2 && r["passes"] as? Int == 1, "\(r)")
                let stored = try t.array(try await t.send(.GET, "/api/v1/sessions/\(id)/results", token: s.bj))
                #expect(Set(stored.compactMap { $0["score"] as? Double }) == [90, 59.5])
            }
        }

        /// Lines neither encoding decodes are named, and nothing is stored.
        @Test func undecodableCSV_namesItsLines_andStoresNothing() async throws {
            try await withTestApp { t in
                let admin = try await t.admin()
                // GB18030 with two damaged lines (0xFF never starts a GB18030 character).
                var gb = try Self.gb("code,name\n6-07-06-01,电工\n")
                gb += [0x36, 0x2C, 0xFF, 0xD6, 0x0A] + (try Self.gb("6-18-02-04,焊工\n")) + [0xD6, 0xFF, 0x0A]
                let res = try await t.send(.POST, "/api/v1/occupations/import", token: admin, bytes: gb, contentType: "text/csv")
                #expect(res.status == .unprocessableEntity)
                let d = try Self.detail(t, res)
                #expect(d.code == "undecodable" && d.en.contains("GB18030") && d.en.contains(": 3, 5") && d.zh.contains("第3, 5"))
                // UTF-8 with a BOM and one damaged line: read as UTF-8, the line named.
                let utf8 = [0xEF, 0xBB, 0xBF] + Array("code,name\n6-07-06-01,电工\n".utf8) + [0x36, 0x2C, 0xC3, 0x28, 0x0A]
                let bad = try await t.send(
                    .POST, "/api/v1/occupations/import", token: admin, bytes: utf8, contentType: "text/csv")
                let u = try Self.detail(t, bad)
                #expect(
                    bad.status == .unprocessableEntity && u.code == "undecodable" && u.en.contains("UTF-8")
                        && u.en.contains(": 3 "))
                #expect(try await Self.occupationCount(t, admin) == 0)
                // GB18030 lines with one UTF-8 line: GB18030 would decode the UTF-8 bytes as
                // nonsense, so the file is refused, the UTF-8 line named.
                let mixed = try Self.gb("code,name\n6-07-06-01,电工\n6-18-02-04,焊工\n") + Array("4-01-01-01,中文测试\n".utf8)
                let m = try await t.send(.POST, "/api/v1/occupations/import", token: admin, bytes: mixed, contentType: "text/csv")
                #expect(m.status == .unprocessableEntity)
                let md = try Self.detail(t, m)
                #expect(md.code == "mixed_encodings" && md.en.contains("lines are 4.") && md.zh.contains("第4行"), "\(md)")
                #expect(try await Self.occupationCount(t, admin) == 0)
            }
        }

        @Test func aMissingColumn_isNamed_inXLSXAndCSV() async throws {
            try await withTestApp(now: beijing("2026-07-20T10:00:00")) { t in
                let s = try await AppTests.Registers.setup(t)
                let id = try await Self.session(t, s)
                let path = "/api/v1/sessions/\(id)/results/import"
                let file = try Self.workbook([["name", "idNumber", "score"], ["张三", ExamResults.zhang.1, 80]])
                for (bytes, type) in [(file, Self.xlsx), (Array("idNumber,name\n\(ExamResults.zhang.1),张三\n".utf8), "text/csv")] {
                    let res = try await t.send(.POST, path, token: s.bj, bytes: bytes, contentType: type)
                    #expect(res.status == .unprocessableEntity)
                    let d = try Self.detail(t, res)
                    #expect(d.code == "wrong_header" && d.en.contains("passed") && d.zh.contains("缺少列 passed"))
                }
                let csv = try await t.send(.POST, path, token: s.bj, bytes: Array("name\n张三\n".utf8), contentType: "text/csv")
                #expect(try Self.detail(t, csv).en.contains("columns idNumber, passed, score"))
                #expect(try t.array(try await t.send(.GET, "/api/v1/sessions/\(id)/results", token: s.bj)).isEmpty)
            }
        }

        /// A small file that expands past 100 MB is refused with 413; a file that says it is XLSX
        /// but is not is a 422. Nothing is stored either way.
        @Test func aZIPBomb_is413_andANonWorkbook_is422() async throws {
            try await withTestApp(now: beijing("2026-07-20T10:00:00")) { t in
                let s = try await AppTests.Registers.setup(t)
                let out = FileManager.default.temporaryDirectory.appendingPathComponent("zj-bomb-\(UUID().uuidString).xlsx")
                defer { try? FileManager.default.removeItem(at: out) }
                let bomb = try Self.make(["bomb", out.path], out)
                #expect(bomb.count < 1 << 20)
                let before = try await Self.occupationCount(t, s.admin)
                let sessions = try await Self.sessionCount(t, s.bj)
                for (path, token) in [("/api/v1/occupations/import", s.admin), ("/api/v1/sessions/import", s.bj)] {
                    // Recognised by its signature, whatever type is claimed.
                    for type in [Self.xlsx, "text/csv"] {
                        let res = try await t.send(.POST, path, token: token, bytes: bomb, contentType: type)
                        #expect(res.status == .payloadTooLarge)
                        #expect(try t.error(res).code == "too_large")
                    }
                }
                let fake = try await t.send(
                    .POST, "/api/v1/occupations/import", token: s.admin, bytes: Array("code,name\n1-01-01-01,x\n".utf8),
                    contentType: Self.xlsx)
                #expect(fake.status == .unprocessableEntity)
                let d = try Self.detail(t, fake)
                #expect(d.code == "not_xlsx" && d.zh.contains("不是XLSX"))
                // A ZIP that is not a workbook.
                let zip = try await t.send(
                    .POST, "/api/v1/sessions/import", token: s.bj,
                    bytes: [0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 100),
                    contentType: "application/octet-stream")
                #expect(zip.status == .unprocessableEntity)
                #expect(try Self.detail(t, zip).code == "not_xlsx")
                #expect(try await Self.occupationCount(t, s.admin) == before)
                #expect(try await Self.sessionCount(t, s.bj) == sessions)
            }
        }

        /// A supervisor is refused by the route's role check before the body is read: a body past
        /// the route's limit is a 403, not a 413.
        @Test func anUnauthorisedUser_isRefusedBeforeTheBodyIsRead() async throws {
            try await withTestApp(now: beijing("2026-07-20T10:00:00")) { t in
                let s = try await AppTests.Registers.setup(t)
                let id = try await Self.session(t, s)
                let sup = try await t.user("sup", role: "supervisor", unit: "110000")
                let big = [UInt8](repeating: 0x41, count: 33 << 20)
                for path in ["/api/v1/sessions/import", "/api/v1/sessions/\(id)/results/import"] {
                    let res = try await t.send(.POST, path, token: sup, bytes: big, contentType: Self.xlsx)
                    #expect(res.status == .forbidden, "\(path)")
                }
                let file = try Self.workbook([["code", "name"], ["1-01-01-01", "某职业"]])
                let unit = try await t.send(.POST, "/api/v1/occupations/import", token: s.bj, bytes: file, contentType: Self.xlsx)
                #expect(unit.status == .forbidden)
                // The ministry's register: a unit's oversized body is refused for the role, unread.
                let oversized = try await t.send(
                    .POST, "/api/v1/occupations/import", token: s.bj, bytes: [UInt8](repeating: 0x41, count: 3 << 20),
                    contentType: "text/csv")
                #expect(oversized.status == .forbidden)
                #expect(try await Self.occupationCount(t, s.admin) == 3)
            }
        }

        /// The registers page takes an XLSX upload as it takes a CSV.
        @Test func theRegistersPage_importsAnXLSX() async throws {
            try await withTestApp(now: beijing("2026-07-20T10:00:00")) { t in
                let s = try await AppTests.Registers.setup(t)
                _ = s
                let (cookie, csrf) = try await AppTests.Web.webLogin(t, "bj", "password-bj")
                let page = try await t.send(.GET, "/registers", headers: AppTests.Web.headers(cookie))
                #expect(page.body.string.contains(".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
                let file = try Self.workbook([
                    App.Registers.sessionCSVHeader,
                    ["BJ-01", "6-07-06-01", 4, Self.date("2026-04-20"), "110000", "national", "national", "B1", 30, 20, 100, ""],
                ])
                let body = TestApp.multipart([("_csrf", csrf)], files: [("file", "场次.xlsx", Self.xlsx, file)])
                let res = try await t.send(
                    .POST, "/registers/sessions/import", headers: AppTests.Web.headers(cookie), bytes: body.bytes,
                    contentType: body.contentType)
                #expect(res.status == .ok, "\(res.body.string)")
                let dates = try t.array(try await t.send(.GET, "/api/v1/sessions", token: s.bj)).compactMap {
                    $0["date"] as? String
                }
                #expect(dates == ["2026-04-20"])
            }
        }

        /// 50,000 sessions from one workbook (2.3 MB, a 29 MB sheet): imported, in bounded memory.
        @Test func fiftyThousandSessions_fromOneWorkbook() async throws {
            try await withTestApp(now: beijing("2026-07-20T10:00:00")) { t in
                let s = try await AppTests.Registers.setup(t)
                let out = FileManager.default.temporaryDirectory.appendingPathComponent("zj-50k-\(UUID().uuidString).xlsx")
                defer { try? FileManager.default.removeItem(at: out) }
                let file = try Self.make(["sessions", out.path, "50000"], out)
                let peak = Self.peakMemory()
                let started = Date()
                let r = try t.object(
                    try await t.send(.POST, "/api/v1/sessions/import", token: s.bj, bytes: file, contentType: Self.xlsx))
                let seconds = Date().timeIntervalSince(started)
                #expect(r["imported"] as? Int == 50_000, "\(r["errors"] ?? "")")
                #expect((r["errors"] as? [Any])?.isEmpty == true)
                let after = Self.peakMemory()
                print(
                    "50,000-row XLSX (\(file.count / 1024) kB): \(String(format: "%.1f", seconds)) s; peak RSS \(peak / 1024) MB before, \(after / 1024) MB after"
                )
            }
        }

        /// The process's peak resident memory (VmHWM), in kB.
        static func peakMemory() -> Int {
            let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
    }
}
