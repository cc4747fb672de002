import Foundation
import Testing

@testable import App

/// The XLSX reader on files written by openpyxl: what each kind of cell reads as, and what it
/// refuses. (The form's round trips through HTTP are in `ReportSpreadsheet`.)
extension AppTests {
    @Suite struct XLSXReader {
        static func file(_ arguments: [String]) throws -> URL {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("zhijian-reader-\(UUID().uuidString).xlsx")
            let (status, output) = try runPythonCheck("report_form.py", [arguments[0], url.path] + arguments.dropFirst())
            try #require(status == 0, "\(output)")
            return url
        }

        @Test(arguments: [false, true])
        func cells_readAsPeopleWroteThem(epoch1904: Bool) throws {
            let url = try Self.file(["cells"] + (epoch1904 ? ["1904"] : []))
            defer { try? FileManager.default.removeItem(at: url) }
            var book = try XLSXWorkbook(url: url)
            #expect(book.sheets.map(\.name) == ["登记", "第二页"])
            let rows = try book.allRows()
            func value(_ ref: String) -> String? {
                guard let r = XLSXWorkbook.parseReference(ref), let row = rows.first(where: { $0.number == r.row }) else {
                    return nil
                }
                return row.value(at: r.column)
            }
            #expect(value("A1") == "2026-07-15")
            #expect(value("A2") == "2026-07-15")  // 年月日 format
            #expect(value("A3") == "45000")  // a number in General is not a date
            #expect(value("A4") == "0.3")
            #expect(value("A5") == "TRUE")
            #expect(value("A6") == "  文本 ")  // text as written; trimming is the importer's
            #expect(value("A7") == "2026-07-15 08:30:00")
            #expect(value("A8") == "1.10101199001011e+17")  // an ID typed as a number has lost its digits
            #expect(value("A9") == "1200.5")
            #expect(value("C10") == "C")
            #expect(rows.map(\.number) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12])
            #expect(try book.allRows(sheet: 1).first?.value(at: 0) == "second")
        }

        @Test func aDTD_isRefusedUnexpanded() throws {
            let url = try Self.file(["dtd"])
            defer { try? FileManager.default.removeItem(at: url) }
            var book = try XLSXWorkbook(url: url)
            // Found behind a comment holding "<x".
            #expect(throws: XLSXWorkbook.Failure.malformed("xl/worksheets/sheet1.xml declares a DTD")) { try book.allRows() }
            #expect(XLSXWorkbook.hasDTD(Data("<?xml version=\"1.0\"?>\n<!-- a -->\n<?pi <x?><!DOCTYPE a>".utf8)))
            #expect(!XLSXWorkbook.hasDTD(Data("\u{FEFF}<?xml version=\"1.0\"?><!-- <!DOCTYPE --><worksheet/>".utf8)))
            #expect(XLSXWorkbook.hasDTD(Data([0xFF, 0xFE, 0x3C, 0x00])))  // UTF-16
        }

        @Test func aZipBomb_isRefusedByItsDeclaredSize_andByWhatItInflates() throws {
            let url = try Self.file(["bomb", "120"])
            defer { try? FileManager.default.removeItem(at: url) }
            #expect(throws: XLSXWorkbook.Failure.tooLarge(limit: XLSXWorkbook.defaultLimit)) { try XLSXWorkbook(url: url) }
            // Headers that understate the size pass the first check; the inflated bytes are counted.
            let liar = try Self.file(["liar", "120"])
            defer { try? FileManager.default.removeItem(at: liar) }
            var book = try XLSXWorkbook(url: liar)
            #expect(throws: XLSXWorkbook.Failure.tooLarge(limit: XLSXWorkbook.defaultLimit)) { try book.allRows() }
            // Under the limit, the same kind of file reads (an empty sheet).
            let small = try Self.file(["bomb", "3"])
            defer { try? FileManager.default.removeItem(at: small) }
            book = try XLSXWorkbook(url: small)
            #expect(try book.allRows().isEmpty)
        }

        @Test func references_andNumbers() {
            #expect(XLSXWorkbook.reference(row: 9, column: 29) == "AD9")
            #expect(XLSXWorkbook.columnName(16_383) == "XFD")
            #expect(XLSXWorkbook.parseReference("$AE$9")?.column == 30)
            #expect(XLSXWorkbook.parseReference("XFE1") == nil)
            #expect(XLSXWorkbook.parseReference("A99999999") == nil)
            #expect(XLSXWorkbook.number(3) == "3" && XLSXWorkbook.number(-2.50) == "-2.5")
            #expect(XLSXWorkbook.date(serial: 59, date1904: false) == "1900-02-28")
            #expect(XLSXWorkbook.date(serial: 61, date1904: false) == "1900-03-01")
            #expect(XLSXWorkbook.date(serial: 0, date1904: true) == "1904-01-01")
            #expect(XLSXWorkbook.date(serial: -1, date1904: false) == nil)
            #expect(
                !XLSXWorkbook.isDateFormat("General") && !XLSXWorkbook.isDateFormat("0.00\"天\"")
                    && !XLSXWorkbook.isDateFormat("[Red]0"))
            #expect(XLSXWorkbook.isDateFormat("yyyy/m/d") && XLSXWorkbook.isDateFormat("[$-804]dddd"))
        }
    }
}
