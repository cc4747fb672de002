import Foundation
import Testing
import Vapor
import VaporTesting

@testable import App

/// The official form as an Excel round trip (issue 15): the form as openpyxl reads it, filled
/// by openpyxl and by LibreOffice and sent back through `PUT`, every refusal naming its cell,
/// and the ministry's workbook.
extension AppTests {
    @Suite struct ReportSpreadsheet {
        static let path = "/api/v1/reports/2026Q1/110000"
        static let now = beijing("2026-04-03T09:00:00")
        static let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

        /// A private directory for a test's files.
        static func directory() throws -> URL {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("zhijian-form-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            return url
        }

        static func python(_ arguments: [String]) throws -> String {
            let (status, output) = try runPythonCheck("report_form.py", arguments)
            try #require(status == 0, "report_form.py \(arguments.first ?? ""): \(output)")
            return output
        }

        static func inspect(_ file: URL) throws -> [String: Any] {
            let out = try python(["inspect", file.path])
            return try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        }

        /// Downloads the form into `dir` and returns its file.
        static func download(_ t: TestApp, token: String, to dir: URL, path: String = path) async throws -> URL {
            let res = try await t.send(.GET, path + ".xlsx", token: token)
            try #require(res.status == .ok, "\(res.body.string)")
            #expect(res.headers.contentType?.description == xlsx)
            let file = dir.appendingPathComponent("form-\(UUID().uuidString).xlsx")
            try Data(res.body.readableBytesView).write(to: file)
            return file
        }

        /// Fills cells with openpyxl into a new file; each value is a JSON literal (`12`, `"√"`, `null`).
        static func fill(_ file: URL, _ cells: [String: String]) throws -> URL {
            let out = file.deletingLastPathComponent().appendingPathComponent("filled-\(UUID().uuidString).xlsx")
            let json = "{" + cells.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
            _ = try python(["fill", file.path, out.path, json])
            return out
        }

        static func upload(_ t: TestApp, token: String, _ file: URL, path: String = path) async throws -> TestingHTTPResponse {
            try await t.send(.PUT, path, token: token, bytes: [UInt8](try Data(contentsOf: file)), contentType: xlsx)
        }

        /// Every cell of the unit's row 9 that the form's reader takes, as an openpyxl fill: the
        /// values of `reportJSON(unverifiedLocal: 1, overcharge: (2, 1), …)`.
        static let filled: [String: String] = [
            "B9": "12", "C9": "3", "D9": "1", "E9": "10", "F9": "2", "G9": "0", "H9": #""√""#, "I9": "null", "K9": "2",
            "L9": "1", "N9": "null", "O9": #""√""#, "P9": #""√""#, "Q9": "null", "S9": "0", "T9": "2", "W9": "1", "X9": "0",
            "AD9": #""120,000""#, "AE9": "90000.5",
        ]

        @Test func form_isTheOfficialForm_prefilled_lockedAndValidated() async throws {
            try await withTestApp(now: Self.now) { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let put = try await t.send(
                    .PUT, Self.path, token: bj, json: reportJSON(overcharge: (2, 1), due: "120000.00", paid: "90000"))
                #expect(put.status == .ok)
                let dir = try Self.directory()
                defer { try? FileManager.default.removeItem(at: dir) }
                let form = try Self.inspect(try await Self.download(t, token: bj, to: dir))
                #expect(form["sheets"] as? [String] == ["报表", "填表说明"])
                #expect(form["protected"] as? Bool == true)
                let rows = try #require(form["rows"] as? [String: [String: Any]])
                // The identity row the upload is checked against.
                #expect(rows["2"]?["A2"] as? String == "单位代码" && rows["2"]?["B2"] as? String == "110000")
                #expect(rows["2"]?["F2"] as? String == "报告期" && rows["2"]?["H2"] as? String == "2026Q1")
                // The attachment's merged header: 甲's label spans the five header rows; the
                // standards group spans columns 1–3; 乙 and 丙 follow 28.
                let merged = try #require(form["merged"] as? [String])
                for range in ["A3:A7", "B3:D3", "AD3:AE3", "AD4:AD7"] { #expect(merged.contains(range), "\(range)") }
                #expect(rows["3"]?["B3"] as? String == "国家职业标准执行情况")
                // The numbers row: 甲, 1 … 28, 乙, 丙.
                let numbers = try #require(rows["8"])
                #expect(numbers["A8"] as? String == "甲")
                for n in 1...28 {
                    #expect(numbers[XLSXWorkbook.reference(row: 8, column: n)] as? Int == n, "column \(n)")
                }
                #expect(numbers["AD8"] as? String == "乙" && numbers["AE8"] as? String == "丙")
                // The unit's row, pre-filled from the saved report; computed cells are formulas.
                let unit = try #require(rows["9"])
                #expect(unit["B9"] as? Int == 12 && unit["K9"] as? Int == 2 && unit["L9"] as? Int == 1)
                #expect(unit["H9"] as? String == "√" && unit["I9"] == nil)
                #expect(unit["J9"] as? String == "=K9+L9")
                #expect(unit["M9"] as? String == #"=IF(J9=0,"√","")"#)
                #expect((unit["Z9"] as? String)?.contains("AE9/AD9") == true)
                #expect(unit["AA9"] == nil)  // a single Q1 report fills only column 25
                #expect(unit["AD9"] as? Int == 120000 && unit["AE9"] as? Int == 90000)
                // Computed cells locked and shaded; entered cells open.
                let locked = try #require(form["locked"] as? [String: Bool])
                let fill = try #require(form["fill"] as? [String: String])
                for c in [9, 12, 17, 20, 21, 24, 25, 26, 27, 28] {
                    let ref = XLSXWorkbook.reference(row: 9, column: c)
                    #expect(locked[ref] == true, "\(ref) locked")
                    #expect(fill[ref]?.hasSuffix("D9D9D9") == true, "\(ref) shaded")
                }
                for c in [1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 13, 14, 15, 16, 18, 19, 22, 23, 29, 30] {
                    let ref = XLSXWorkbook.reference(row: 9, column: c)
                    #expect(locked[ref] == false, "\(ref) open")
                    #expect(fill[ref] == nil, "\(ref) white")
                }
                // Validation: whole numbers ≥ 0 on counts, √ lists on the pairs, decimals ≥ 0 on amounts.
                let validations = try #require(form["validations"] as? [[String: Any]])
                func rule(_ cell: String) -> [String: Any]? {
                    validations.first { ($0["cells"] as? String)?.split(separator: " ").contains(Substring(cell)) == true }
                }
                #expect(rule("B9")?["type"] as? String == "whole" && rule("B9")?["formula1"] as? String == "0")
                #expect(rule("H9")?["type"] as? String == "list" && rule("H9")?["formula1"] as? String == "\"√\"")
                #expect(rule("Q9")?["type"] as? String == "list")
                #expect(rule("AD9")?["type"] as? String == "decimal")
                #expect(rule("J9") == nil)
                // The second sheet explains every column in Chinese.
                let explanation = try #require(form["explanation"] as? [[Any]])
                let described = explanation.compactMap { $0.first as? Int }
                #expect(described == Array(1...28))
                #expect(explanation.contains { ($0.first as? String) == "乙" })
            }
        }

        @Test func form_withoutAReport_isPrefilledFromTheRegisters() async throws {
            try await withTestApp(now: Self.now) { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let dir = try Self.directory()
                defer { try? FileManager.default.removeItem(at: dir) }
                let form = try Self.inspect(try await Self.download(t, token: bj, to: dir))
                let rows = try #require(form["rows"] as? [String: [String: Any]])
                #expect((rows["2"]?["K2"] as? String)?.contains("尚未填报") == true)
                // The registers are empty: counts 0, and the pairs ticked as derived (no fee standard → 无).
                #expect(rows["9"]?["B9"] as? Int == 0)
                #expect((rows["9"]?["H9"] != nil) != (rows["9"]?["I9"] != nil))
                // Downloading saves nothing.
                #expect(try await t.send(.GET, Self.path, token: bj).status == .notFound)
            }
        }

        @Test func roundTrip_openpyxl_readsBackTheSameValues() async throws {
            try await withTestApp(now: Self.now) { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let dir = try Self.directory()
                defer { try? FileManager.default.removeItem(at: dir) }
                let filled = try Self.fill(try await Self.download(t, token: bj, to: dir), Self.filled)
                let res = try await Self.upload(t, token: bj, filled)
                try #require(res.status == .ok, "\(res.body.string)")
                let expected = try await t.object(
                    t.send(
                        .PUT, "/api/v1/reports/2026Q1/120000",
                        token: try await t.user("tj", role: "unit", unit: "120000"),
                        json: reportJSON(
                            unverifiedLocal: 1, overcharge: (2, 1), violations: (0, 2), forgery: (1, 0), due: "120000.00",
                            paid: "90000.50")))
                let saved = try t.object(try await t.send(.GET, Self.path, token: bj))
                #expect(saved["values"] as? NSDictionary == expected["values"] as? NSDictionary)
                #expect(saved["cells"] as? NSArray == expected["cells"] as? NSArray)
                #expect(saved["status"] as? String == "draft")
                // Downloaded again, the form shows what was saved.
                let again = try Self.inspect(try await Self.download(t, token: bj, to: dir))
                let row = try #require((again["rows"] as? [String: [String: Any]])?["9"])
                #expect(row["D9"] as? Int == 1 && row["T9"] as? Int == 2 && row["O9"] as? String == "√")
                #expect((row["AE9"] as? NSNumber)?.doubleValue == 90000.5)
            }
        }

        /// LibreOffice's own conversion of the project's export (as a unit on LibreOffice or WPS
        /// would send it) reads the same as the export itself, and so do the ways other writers
        /// (Excel, WPS, the .NET SDK, streaming writers) spell the same workbook.
        @Test func roundTrip_libreOfficeConvertedFile_readsTheSame() async throws {
            try await withTestApp(now: Self.now) { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let dir = try Self.directory()
                defer { try? FileManager.default.removeItem(at: dir) }
                let filled = try Self.fill(try await Self.download(t, token: bj, to: dir), Self.filled)
                let outdir = dir.appendingPathComponent("lo")
                try FileManager.default.createDirectory(at: outdir, withIntermediateDirectories: true)
                let printed = try Self.python(["convert", filled.path, outdir.path])
                let converted = URL(fileURLWithPath: try #require(printed.split(separator: "\n").last.map(String.init)))
                #expect(try Data(contentsOf: converted) != (try Data(contentsOf: filled)))
                let res = try await Self.upload(t, token: bj, converted)
                try #require(res.status == .ok, "\(res.body.string)")
                let viaLibreOffice = try t.object(res)
                // The same file uploaded as openpyxl wrote it gives the same report.
                let direct = try t.object(try await Self.upload(t, token: bj, filled))
                #expect(viaLibreOffice["values"] as? NSDictionary == direct["values"] as? NSDictionary)
                let values = try #require(viaLibreOffice["values"] as? [String: Any])
                #expect((values["payment"] as? [String: Any])?["paidYuan"] as? String == "90000.50")
                #expect(values["feeStandard"] as? Bool == true && values["crossRegion"] as? Bool == false)
                // What other writers do differently, applied to LibreOffice's file (which, unlike
                // openpyxl's, has shared strings): strings inline, the namespace under a prefix,
                // Strict OOXML namespaces, rows and cells without references, absolute part paths,
                // phonetic runs in the strings. Each reads as the same report.
                for kind in ["inline", "prefixed", "strict", "unreferenced", "absolute", "phonetic"] {
                    let file = dir.appendingPathComponent("\(kind).xlsx")
                    _ = try Self.python(["variant", converted.path, file.path, kind])
                    let res = try await Self.upload(t, token: bj, file)
                    #expect(res.status == .ok, "\(kind): \(res.body.string)")
                    let report = try t.object(res)
                    #expect(report["values"] as? NSDictionary == direct["values"] as? NSDictionary, "\(kind)")
                }
            }
        }

        /// Each kind of bad cell: 422, the cell, the column and the rule named in both languages,
        /// and the saved report unchanged.
        @Test(arguments: [
            (["C9": #""三""#], "C9", "2", "not_integer"),
            (["E9": "-1"], "E9", "4", "negative"),
            (["F9": "2.5"], "F9", "5", "not_integer"),
            (["K9": "2000000"], "K9", "10", "too_large"),
            (["B9": "null"], "B9", "1", "required"),
            (["H9": #""√""#, "I9": #""√""#], "H9", "7/8", "both_ticked"),
            (["P9": #""也许""#], "P9", "15", "not_tick"),
            (["N9": "null", "O9": "null"], "N9", "13/14", "required"),
            (["AD9": #""100.001""#], "AD9", "乙", "too_many_decimals"),
            (["AE9": #""一万""#], "AE9", "丙", "invalid_money"),
            (["AE9": #""1,5""#], "AE9", "丙", "invalid_money"),
        ])
        func upload_badCell_is422_namingTheCell(cells: [String: String], cell: String, column: String, code: String) async throws
        {
            try await withTestApp(now: Self.now) { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                #expect(try await t.send(.PUT, Self.path, token: bj, json: reportJSON()).status == .ok)
                let before = try await t.send(.GET, Self.path, token: bj).body.string
                let dir = try Self.directory()
                defer { try? FileManager.default.removeItem(at: dir) }
                let form = try await Self.download(t, token: bj, to: dir)
                let bad = try Self.fill(form, Self.filled.merging(cells) { _, new in new })
                let res = try await Self.upload(t, token: bj, bad)
                #expect(res.status == .unprocessableEntity, "\(res.body.string)")
                let (errorCode, details) = try t.error(res)
                #expect(errorCode == "validation_failed")
                let issue = try #require(details.first { $0["code"] as? String == code }, "\(details)")
                #expect(issue["cell"] as? String == cell)
                let message = try #require(issue["message"] as? String)
                let messageZh = try #require(issue["messageZh"] as? String)
                #expect(message.contains(cell) && message.contains("column \(column)"), "\(message)")
                #expect(messageZh.contains("单元格\(cell)") && messageZh.contains("第\(column)栏"), "\(messageZh)")
                // The JSON's own lead ("第25列（…）payment.dueYuan：") gives way to the cell's.
                #expect(!messageZh.contains("列（") && !message.contains("Column "), "\(message) / \(messageZh)")
                #expect(try await t.send(.GET, Self.path, token: bj).body.string == before)
            }
        }

        /// A column number written twice in the numbers row is refused, naming both cells, rather
        /// than one of the two read.
        @Test func upload_repeatedColumnNumber_isRefused() async throws {
            try await withTestApp(now: Self.now) { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let dir = try Self.directory()
                defer { try? FileManager.default.removeItem(at: dir) }
                let form = try await Self.download(t, token: bj, to: dir)
                let res = try await Self.upload(
                    t, token: bj, try Self.fill(form, Self.filled.merging(["AF8": "1", "AF9": "999"]) { $1 }))
                #expect(res.status == .unprocessableEntity)
                let said = try #require(try t.object(res)["error"] as? [String: Any])
                #expect(said["code"] as? String == "form_columns_repeated")
                #expect((said["messageZh"] as? String)?.contains("B8和AF8") == true, "\(said)")
                #expect(try await t.send(.GET, Self.path, token: bj).status == .notFound)
            }
        }

        /// The year-to-date amounts may not fall from one quarter to the next: the rule is the
        /// JSON's, its refusal names the amount's cell.
        @Test func upload_cumulativeAmountFalling_namesTheAmountsCell() async throws {
            try await withTestApp(now: beijing("2026-07-03T09:00:00")) { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                #expect(
                    try await t.send(.PUT, Self.path, token: bj, json: reportJSON(due: "200000.00", paid: "100000")).status == .ok
                )
                let dir = try Self.directory()
                defer { try? FileManager.default.removeItem(at: dir) }
                let q2 = "/api/v1/reports/2026Q2/110000"
                let form = try Self.fill(try await Self.download(t, token: bj, to: dir, path: q2), Self.filled)
                let res = try await Self.upload(t, token: bj, form, path: q2)
                #expect(res.status == .unprocessableEntity)
                let (_, details) = try t.error(res)
                let cells = details.compactMap { $0["cell"] as? String }
                #expect(cells.contains("AD9"), "\(details)")
                #expect(try await t.send(.GET, q2, token: bj).status == .notFound)
            }
        }

        /// A form for another unit or another quarter is refused before anything is saved, and
        /// another unit's user is refused before the file is read.
        @Test func upload_anotherUnitsOrQuartersForm_isRefused() async throws {
            try await withTestApp(now: beijing("2026-07-03T09:00:00")) { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let tj = try await t.user("tj", role: "unit", unit: "120000")
                let dir = try Self.directory()
                defer { try? FileManager.default.removeItem(at: dir) }
                let bjForm = try Self.fill(try await Self.download(t, token: bj, to: dir), Self.filled)
                // Tianjin sends Beijing's filled form as its own report.
                let other = try await Self.upload(t, token: tj, bjForm, path: "/api/v1/reports/2026Q1/120000")
                #expect(other.status == .unprocessableEntity)
                #expect(try t.error(other).code == "wrong_form")
                #expect(
                    try t.object(other)["error"].flatMap { ($0 as? [String: Any])?["messageZh"] as? String }?.contains("110000")
                        == true)
                #expect(try await t.send(.GET, "/api/v1/reports/2026Q1/120000", token: tj).status == .notFound)
                // Beijing sends its Q1 form as Q2.
                let quarter = try await Self.upload(t, token: bj, bjForm, path: "/api/v1/reports/2026Q2/110000")
                #expect(quarter.status == .unprocessableEntity)
                #expect(try t.error(quarter).code == "wrong_form")
                #expect(try await t.send(.GET, "/api/v1/reports/2026Q2/110000", token: bj).status == .notFound)
                // Tianjin may neither send nor download Beijing's form.
                #expect(try await Self.upload(t, token: tj, bjForm).status == .forbidden)
                #expect(try await t.send(.GET, Self.path + ".xlsx", token: tj).status == .forbidden)
                #expect(try await t.send(.GET, Self.path, token: bj).status == .notFound)
                // Without a login, nothing.
                #expect(try await t.send(.GET, Self.path + ".xlsx").status == .unauthorized)
            }
        }

        @Test func upload_notAWorkbook_aZipBomb_andAStrangeSheet_areRefused() async throws {
            try await withTestApp(now: Self.now) { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let dir = try Self.directory()
                defer { try? FileManager.default.removeItem(at: dir) }
                // Not a workbook.
                let text = try await t.send(.PUT, Self.path, token: bj, bytes: Array("a,b,c\n".utf8), contentType: Self.xlsx)
                #expect(text.status == .unprocessableEntity)
                #expect(try t.error(text).code == "not_xlsx")
                // A ZIP bomb: 150 MB of sheet in a small file.
                let bomb = dir.appendingPathComponent("bomb.xlsx")
                _ = try Self.python(["bomb", bomb.path, "150"])
                let size = try #require(try FileManager.default.attributesOfItem(atPath: bomb.path)[.size] as? Int)
                #expect(size < 1 << 20)
                let bombed = try await Self.upload(t, token: bj, bomb)
                #expect(bombed.status == .payloadTooLarge)
                #expect(try t.error(bombed).code == "too_large")
                // A small workbook that is not the form.
                let small = dir.appendingPathComponent("small.xlsx")
                _ = try Self.python(["bomb", small.path, "0"])
                let strange = try await Self.upload(t, token: bj, small)
                #expect(strange.status == .unprocessableEntity)
                #expect(try t.error(strange).code == "not_the_form")
                // More than the upload limit.
                let huge = try await t.send(
                    .PUT, Self.path, token: bj, bytes: [UInt8](repeating: 0x50, count: (5 << 20) + 1), contentType: Self.xlsx)
                #expect(huge.status == .payloadTooLarge)
                #expect(try await t.send(.GET, Self.path, token: bj).status == .notFound)
            }
        }

        @Test func ministryWorkbook_hasEveryUnit_statusLateAndColumns() async throws {
            try await withTestApp(now: beijing("2026-04-03T09:00:00"), deadlineDays: 1) { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                #expect(try await t.send(.PUT, Self.path, token: bj, json: reportJSON(overcharge: (2, 1))).status == .ok)
                #expect(try await t.send(.POST, Self.path + "/submit", token: bj).status == .ok)
                let ministry = try await t.user("mo", role: "ministry", unit: nil)
                let res = try await t.send(.GET, "/api/v1/reports/2026Q1.xlsx", token: ministry)
                try #require(res.status == .ok, "\(res.body.string)")
                let dir = try Self.directory()
                defer { try? FileManager.default.removeItem(at: dir) }
                let file = dir.appendingPathComponent("all.xlsx")
                try Data(res.body.readableBytesView).write(to: file)
                let book = try Self.inspect(file)
                let rows = try #require(book["rows"] as? [String: [String: Any]])
                let units = try t.array(try await t.send(.GET, "/api/v1/reports/2026Q1", token: ministry))
                // One row per active unit under the title (row 1), the header (rows 2–6) and the
                // numbers row (7).
                let body = rows.filter { (Int($0.key) ?? 0) > 7 }
                #expect(body.count == units.count)
                let bjRow = try #require(body.values.first { $0.values.contains { $0 as? String == "110000" } })
                #expect(bjRow.values.contains { $0 as? String == "已报送" || $0 as? String == "submitted" })
                #expect(bjRow.values.contains { $0 as? String == "迟报" })
                let numbers = try #require(rows["7"])
                #expect(numbers.values.contains { $0 as? Int == 28 } && numbers["B7"] as? String == "甲")
                // Column 9 of Beijing: 3 cases (2 + 1).
                let nineRef = try #require(numbers.first { $0.value as? Int == 9 }?.key)
                let nine = nineRef.filter { $0.isLetter }
                #expect(bjRow.first { $0.key.filter({ $0.isLetter }) == nine }?.value as? Int == 3)
                let unreported = body.values.filter { $0.values.contains { $0 as? String == "未报" } }
                #expect(unreported.count == units.count - 1)
                // Only the ministry.
                #expect(try await t.send(.GET, "/api/v1/reports/2026Q1.xlsx", token: bj).status == .forbidden)
            }
        }
    }
}
