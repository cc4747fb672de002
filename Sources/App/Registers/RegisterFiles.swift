import Foundation
import NIOCore
import Vapor

/// A register file as uploaded (occupations, sessions, results): CSV in UTF-8 or GB18030, or an
/// XLSX workbook's first sheet. Either way the first non-blank row names the columns, in any
/// order; the columns a register needs are looked up by name, others are ignored. The rows come
/// back with their fields in the order of the register's header, each with the line (CSV) or
/// row number (XLSX) a person sees, so every importer reads one shape whatever was uploaded.
enum RegisterFile {
    /// GB18030 (`kCFStringEncodingGB_18030_2000` as an `NSStringEncoding`): what Excel and WPS
    /// write a CSV in under a Chinese locale.
    static let gb18030 = String.Encoding(rawValue: 0x8000_0632)
    /// The undecodable lines a refusal names.
    static let listedLines = 20

    struct Table {
        /// The data rows, blank ones left out; `fields` in the order of the header asked for.
        var rows: [CSV.Row] = []
        /// CSV lines refused while reading: a line with more or fewer fields than the header.
        var refused: [Issuance.ImportResult.LineError] = []
    }

    /// At most this many data rows in one register file (the issue's 50,000-row files, twice over).
    static let defaultMaxRows = 100_000

    /// `read`, on the thread pool: parsing a 50,000-row file takes seconds of CPU, which must not
    /// hold up the requests sharing the caller's threads.
    static func read(
        _ data: ByteBuffer, contentType: HTTPMediaType?, header: [String], maxRows: Int = defaultMaxRows,
        tooMany: AppError? = nil
    ) async throws -> Table {
        try await NIOThreadPool.singleton.runIfActive {
            try readNow(data, contentType: contentType, header: header, maxRows: maxRows, tooMany: tooMany)
        }
    }

    /// Reads `data` as XLSX when it is a ZIP package or says it is one (`contentType`), else as CSV.
    /// `maxRows`: more data rows than this is `tooMany` (413; the read stops there).
    static func readNow(
        _ data: ByteBuffer, contentType: HTTPMediaType?, header: [String], maxRows: Int = defaultMaxRows,
        tooMany: AppError? = nil
    ) throws -> Table {
        let tooMany =
            tooMany
            ?? AppError(
                status: .payloadTooLarge, code: "too_many_rows", message: "At most \(maxRows) rows in one file",
                messageZh: "每个文件最多\(maxRows)行")
        var table = Table()
        var columns: [Int: Int]?  // the file's column → the position in `header`
        var width = 0  // the CSV header's number of fields
        var count = 0
        /// `csv`: a CSV line has as many fields as the header, or is refused.
        func add(line: Int, _ cells: [(column: Int, value: String)], csv: Bool = false) throws {
            guard let map = columns else {
                columns = try Self.columns(of: cells, required: header)
                width = cells.count
                return
            }
            count += 1
            guard count <= maxRows else { throw tooMany }
            if csv, cells.count != width {
                table.refused.append(
                    .init(
                        line: line, code: "wrong_field_count", message: "\(cells.count) fields where the header has \(width)",
                        messageZh: "有\(cells.count)个字段，而首行有\(width)个"))
                return
            }
            var fields = [String](repeating: "", count: header.count)
            for cell in cells { if let i = map[cell.column] { fields[i] = cell.value } }
            table.rows.append(CSV.Row(line: line, fields: fields))
        }
        if XLSXWorkbook.isZIP(data.readableBytesView) || contentType?.isXLSX == true {
            var book: XLSXWorkbook
            do {
                book = try XLSXWorkbook(data: Data(data.readableBytesView))
                try book.rows(sheet: 0) { row in try add(line: row.number, row.cells.map { ($0.column, $0.value) }) }
            } catch let failure as XLSXWorkbook.Failure {
                throw refusal(failure)
            }
        } else {
            try csvRows(data.readableBytesView) { row in
                guard !row.fields.allSatisfy(\.isEmpty) else { return }
                try add(line: row.line, row.fields.enumerated().map { ($0.offset, $0.element) }, csv: true)
            }
        }
        guard columns != nil else {
            throw AppError.invalid(
                field: "file", code: "wrong_header",
                "The file is empty; its first line must name the columns \(header.joined(separator: ","))",
                "文件为空；首行须为列名 \(header.joined(separator: ","))")
        }
        return table
    }

    /// Where each column of `required` is in a header row: names compared trimmed and without
    /// regard to case; a missing or repeated column is `wrong_header`, naming it.
    static func columns(of cells: [(column: Int, value: String)], required: [String]) throws -> [Int: Int] {
        var map: [Int: Int] = [:]
        var repeated: [String] = []
        for cell in cells {
            let name = cell.value.trimmingCharacters(in: .whitespaces).lowercased()
            guard let i = required.firstIndex(where: { $0.lowercased() == name }) else { continue }
            if map.values.contains(i) { repeated.append(required[i]) } else { map[cell.column] = i }
        }
        let missing = required.indices.filter { !map.values.contains($0) }.map { required[$0] }
        let all = required.joined(separator: ",")
        if !missing.isEmpty {
            throw AppError.invalid(
                field: "file", code: "wrong_header",
                "The first row lacks the column\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")) (it must name \(all), in any order)",
                "首行缺少列 \(missing.joined(separator: "、"))（首行须包含 \(all)，顺序不限）")
        }
        if !repeated.isEmpty {
            throw AppError.invalid(
                field: "file", code: "wrong_header",
                "The first row names \(repeated.joined(separator: ", ")) twice", "首行的列 \(repeated.joined(separator: "、")) 重复")
        }
        return map
    }

    static func refusal(_ failure: XLSXWorkbook.Failure) -> AppError {
        switch failure {
        case .tooLarge(let limit):
            return AppError(
                status: .payloadTooLarge, code: "too_large",
                message: "The workbook expands to more than \(limit >> 20) MB", messageZh: "该工作簿解压后超过\(limit >> 20) MB")
        case .notXLSX:
            return AppError.invalid(
                field: "file", code: "not_xlsx", "The file is not an XLSX workbook (save it as Excel .xlsx or as CSV)",
                "该文件不是XLSX工作簿（请另存为Excel .xlsx或CSV文件）")
        case .malformed(let why):
            return AppError.invalid(
                field: "file", code: "malformed_xlsx", "The workbook cannot be read: \(why)", "无法读取该工作簿：\(why)")
        }
    }

    // MARK: CSV text

    enum Encoding: Equatable {
        case utf8, gb18030
        var name: String { self == .utf8 ? "UTF-8" : "GB18030" }
    }

    /// The file's rows, decoded a line at a time: UTF-8 when the file is (with or without a
    /// BOM), else GB18030. A line that does not decode is named in a 422; nothing is read then.
    static func csvRows(_ bytes: ByteBufferView, _ body: (CSV.Row) throws -> Void) throws {
        let encoding = try detect(bytes)
        var stream = CSVStream()
        var pending: [CSV.Row] = []
        func drain() throws {
            for row in pending { try body(row) }
            pending.removeAll(keepingCapacity: true)
        }
        if encoding == .utf8 {
            var start = bytes.startIndex
            while start < bytes.endIndex {
                let end = min(start + (1 << 16), bytes.endIndex)
                stream.feed(bytes[start..<end], into: &pending)
                try drain()
                start = end
            }
        } else {
            for (_, line) in lines(bytes) {
                // Checked decodable by `detect`.
                stream.feed((String(data: Data(line), encoding: gb18030) ?? "").utf8, into: &pending)
                try drain()
            }
        }
        stream.finish(into: &pending)
        try drain()
    }

    /// UTF-8 when every line is; else the encoding most lines with non-ASCII text are in (a
    /// UTF-8 file with a damaged line stays UTF-8, its damaged line named, rather than read as
    /// GB18030 nonsense). A UTF-8 BOM settles it. The lines the chosen encoding cannot decode
    /// are refused with their numbers.
    static func detect(_ bytes: ByteBufferView) throws -> Encoding {
        var utf8Lines = 0
        var otherLines: [Int] = []
        for (number, line) in lines(bytes) where !line.allSatisfy({ $0 < 0x80 }) {
            if isUTF8(line) { utf8Lines += 1 } else { otherLines.append(number) }
        }
        if otherLines.isEmpty { return .utf8 }
        let bom = bytes.starts(with: [0xEF, 0xBB, 0xBF])
        let decodesAsGB = { (line: ByteBufferView) in String(data: Data(line), encoding: gb18030) != nil }
        let encoding: Encoding
        let bad: [Int]
        if bom {
            (encoding, bad) = (.utf8, otherLines)
        } else if utf8Lines > 0 {
            let others = Set(otherLines)
            let gbLines = lines(bytes).filter { others.contains($0.0) && decodesAsGB($0.1) }.map(\.0)
            // GB18030 decodes most UTF-8 bytes too: lines of both encodings in one file would be
            // read as nonsense without an error, so such a file is refused, the fewer lines named.
            // A UTF-8 file whose other lines are not GB18030 either is UTF-8 with damaged lines.
            guard gbLines.isEmpty else {
                let utf8Numbers = lines(bytes).filter { !$0.1.allSatisfy { $0 < 0x80 } && isUTF8($0.1) }.map(\.0)
                let (few, name) = utf8Numbers.count <= gbLines.count ? (utf8Numbers, "UTF-8") : (gbLines, "GB18030")
                let listed = few.prefix(listedLines).map(String.init).joined(separator: ", ")
                let more = few.count > listedLines ? " …" : ""
                throw AppError.invalid(
                    field: "file", code: "mixed_encodings",
                    "The file mixes UTF-8 (\(utf8Numbers.count) lines) and GB18030 (\(gbLines.count)); the \(name) lines are \(listed)\(more). Save it again in one encoding (CSV UTF-8 or Excel .xlsx)",
                    "文件混用了UTF-8（\(utf8Numbers.count)行）和GB18030（\(gbLines.count)行）两种编码，\(name)编码的是第\(listed)\(more)行，请重新另存为同一种编码（CSV UTF-8或Excel .xlsx）"
                )
            }
            (encoding, bad) = (.utf8, otherLines)
        } else {
            (encoding, bad) = (.gb18030, lines(bytes).filter { !$0.1.allSatisfy { $0 < 0x80 } && !decodesAsGB($0.1) }.map(\.0))
        }
        guard bad.isEmpty else {
            let listed = bad.prefix(listedLines).map(String.init).joined(separator: ", ")
            let more = bad.count > listedLines ? " …" : ""
            throw AppError.invalid(
                field: "file", code: "undecodable",
                "The file reads as \(encoding.name), but \(bad.count) line\(bad.count == 1 ? "" : "s") cannot be decoded: \(listed)\(more) (save it as CSV UTF-8 or as Excel .xlsx)",
                "文件按\(encoding.name)编码读取，但有\(bad.count)行无法解码：第\(listed)\(more)行（请另存为CSV UTF-8或Excel .xlsx文件）")
        }
        return encoding
    }

    /// The physical lines with their 1-based numbers, each with its line break.
    static func lines(_ bytes: ByteBufferView) -> AnyIterator<(Int, ByteBufferView)> {
        var start = bytes.startIndex
        var number = 0
        return AnyIterator {
            guard start < bytes.endIndex else { return nil }
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? bytes.endIndex
            defer { start = end }
            number += 1
            return (number, bytes[start..<end])
        }
    }

    static func isUTF8(_ bytes: some Sequence<UInt8>) -> Bool {
        var parser = Unicode.UTF8.ForwardParser()
        var it = bytes.makeIterator()
        while true {
            switch parser.parseScalar(from: &it) {
            case .valid: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    // MARK: Values as spreadsheets write them

    /// A day as `yyyy-MM-dd` from the ways a spreadsheet writes one: `2026-04-10`, `2026/4/10`
    /// (Excel's CSV in a Chinese locale), `2026.4.10`, `2026年4月10日`, with a time after it
    /// left off (a date-time cell). Anything else is returned as it is, to be refused as a date.
    static func day(_ text: String) -> String {
        var t = text.trimmingCharacters(in: .whitespaces)
        if let space = t.firstIndex(of: " "), t[t.index(after: space)...].allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ":") })
        {
            t = String(t[..<space])
        }
        if t.hasSuffix("日") { t.removeLast() }
        let parts = t.split(omittingEmptySubsequences: false, whereSeparator: { "-/.年月".contains($0) })
        guard parts.count == 3, parts[0].count == 4, (1...2).contains(parts[1].count), (1...2).contains(parts[2].count),
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return text }
        return String(format: "%04d-%02d-%02d", y, m, d)
    }
}
