import Foundation
import ZIPFoundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Reads an XLSX workbook (Office Open XML, as written by Excel, WPS, LibreOffice, openpyxl and
/// libxlsxwriter): ZIPFoundation opens the package, Foundation's `XMLParser` reads the parts as a
/// stream of events, so memory holds the shared strings and one row, never a whole sheet.
///
/// Every input is hostile:
/// - the package may expand to at most `maxExpandedBytes` (100 MB by default). The sizes the ZIP
///   declares are checked first, and the bytes actually inflated are counted as they come, since a
///   declared size can lie. Past the limit the read stops with `.tooLarge` (413);
/// - a part with a DTD (`<!DOCTYPE`, where entities would be declared) is refused before it is
///   parsed, so no entity is ever expanded or fetched;
/// - a cell reference, a shared-string index or a style index out of range is `.malformed`.
struct XLSXWorkbook {
    enum Failure: Error, Equatable {
        /// Not a ZIP package, or a ZIP without a workbook.
        case notXLSX
        /// Expands past the limit.
        case tooLarge(limit: Int)
        /// A part that does not read as the format says (which part, and what).
        case malformed(String)
    }

    /// One cell's value as text: shared and inline strings as written; numbers in their shortest
    /// exact form (`3`, not `3.0`); a number in a date format as `yyyy-MM-dd`; booleans `TRUE` /
    /// `FALSE`; an error as written (`#DIV/0!`).
    struct Cell: Sendable, Equatable {
        /// 0-based column (A = 0).
        let column: Int
        let value: String
        /// Whether the cell holds a formula (its value is the cached result, if any).
        let isFormula: Bool
    }

    struct Row: Sendable {
        /// 1-based row number as the spreadsheet shows it.
        let number: Int
        /// The row's non-empty cells, left to right.
        let cells: [Cell]

        func value(at column: Int) -> String? { cells.first { $0.column == column }?.value }
    }

    static let defaultLimit = 100 << 20
    /// At most this many rows and columns are read (Excel's own maxima).
    static let maxRows = 1_048_576, maxColumns = 16_384
    /// At most this many shared strings: Excel's own files stay far below; each costs memory.
    static let maxSharedStrings = 2_000_000

    private let archive: Archive
    private let limit: Int
    private var expanded = 0
    /// Sheet names and their part paths, in workbook order.
    private(set) var sheets: [(name: String, path: String)] = []
    private var sharedStrings: [String] = []
    /// For each cell style index, whether its number format shows a date.
    private var dateStyles: [Bool] = []
    private var date1904 = false

    /// Whether `bytes` start like a ZIP package (`PK\3\4`), as every XLSX does.
    static func isZIP(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.starts(with: [0x50, 0x4B, 0x03, 0x04])
    }

    init(url: URL, limit: Int = defaultLimit) throws {
        guard let archive = try? Archive(url: url, accessMode: .read) else { throw Failure.notXLSX }
        try self.init(archive: archive, limit: limit)
    }

    init(data: Data, limit: Int = defaultLimit) throws {
        guard Self.isZIP(data), let archive = try? Archive(data: data, accessMode: .read) else { throw Failure.notXLSX }
        try self.init(archive: archive, limit: limit)
    }

    private init(archive: Archive, limit: Int) throws {
        self.archive = archive
        self.limit = limit
        // The declared sizes first: a package that says it is too large is refused unread.
        var declared: UInt64 = 0
        var entries = 0
        for entry in archive {
            entries += 1
            declared &+= entry.uncompressedSize
            if declared > UInt64(limit) { throw Failure.tooLarge(limit: limit) }
            if entries > 10_000 { throw Failure.malformed("the package holds more than 10,000 parts") }
        }
        guard archive["xl/workbook.xml"] != nil else { throw Failure.notXLSX }
        try readWorkbook()
        try readSharedStrings()
        try readStyles()
    }

    // MARK: Rows

    /// Calls `body` with each row of sheet `index` (0 = the first) that has a cell, in order.
    mutating func rows(sheet index: Int = 0, _ body: (Row) throws -> Void) throws {
        guard sheets.indices.contains(index) else { throw Failure.malformed("the workbook has no sheet \(index + 1)") }
        let path = sheets[index].path
        try withoutActuallyEscaping(body) { body in
            try parse(path, SheetHandler(strings: sharedStrings, dateStyles: dateStyles, date1904: date1904, body: body))
        }
    }

    /// Every row of sheet `index`, for small sheets (a report form).
    mutating func allRows(sheet index: Int = 0) throws -> [Row] {
        var rows: [Row] = []
        try self.rows(sheet: index) { rows.append($0) }
        return rows
    }

    // MARK: Cell references

    /// `A`, `B` … `Z`, `AA` … for a 0-based column.
    static func columnName(_ column: Int) -> String {
        var n = column + 1
        var name = ""
        while n > 0 {
            let r = (n - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + r))) + name
            n = (n - 1) / 26
        }
        return name
    }

    /// `F7` for 0-based column 5 of row 7.
    static func reference(row: Int, column: Int) -> String { columnName(column) + String(row) }

    /// The 0-based column and the row of a reference such as `F7` (`$F$7` too).
    static func parseReference(_ ref: String) -> (column: Int, row: Int?)? {
        var column = 0
        var row = 0
        var letters = 0
        var digits = 0
        for u in ref.utf8 {
            switch u {
            case UInt8(ascii: "$"): continue
            case UInt8(ascii: "A")...UInt8(ascii: "Z") where digits == 0:
                column = column * 26 + Int(u - 64)
                letters += 1
            case UInt8(ascii: "a")...UInt8(ascii: "z") where digits == 0:
                column = column * 26 + Int(u - 96)
                letters += 1
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                row = row * 10 + Int(u - 48)
                digits += 1
            default: return nil
            }
            if letters > 3 || digits > 7 { return nil }
        }
        guard letters > 0, column <= maxColumns, row <= maxRows else { return nil }
        return (column - 1, digits > 0 ? row : nil)
    }

    // MARK: Parts

    private mutating func readWorkbook() throws {
        let book = WorkbookHandler()
        try parse("xl/workbook.xml", book)
        date1904 = book.date1904
        let rels = RelationshipsHandler()
        if archive["xl/_rels/workbook.xml.rels"] != nil { try parse("xl/_rels/workbook.xml.rels", rels) }
        for sheet in book.sheets {
            guard let target = rels.targets[sheet.relationship] else {
                throw Failure.malformed("sheet “\(sheet.name)” has no part")
            }
            sheets.append((sheet.name, Self.resolve(target, from: "xl/")))
        }
        guard !sheets.isEmpty else { throw Failure.malformed("the workbook has no sheet") }
    }

    /// A relationship's target as a path in the package: relative to `base`, or absolute (`/xl/…`).
    static func resolve(_ target: String, from base: String) -> String {
        var parts: [Substring] = target.hasPrefix("/") ? [] : base.split(separator: "/")
        for p in target.split(separator: "/") {
            if p == ".." {
                _ = parts.popLast()
            } else if p != "." {
                parts.append(p)
            }
        }
        return parts.joined(separator: "/")
    }

    private mutating func readSharedStrings() throws {
        guard archive["xl/sharedStrings.xml"] != nil else { return }
        let h = SharedStringsHandler()
        try parse("xl/sharedStrings.xml", h)
        sharedStrings = h.strings
    }

    private mutating func readStyles() throws {
        guard archive["xl/styles.xml"] != nil else { return }
        let h = StylesHandler()
        try parse("xl/styles.xml", h)
        dateStyles = h.cellFormats.map { id in
            if let code = h.customFormats[id] { return Self.isDateFormat(code) }
            return Self.builtinDateFormats.contains(id)
        }
    }

    /// The built-in number formats that show dates, including the East Asian ones (27–36, 50–58)
    /// that Excel and WPS use in Chinese locales.
    static let builtinDateFormats: Set<Int> = Set(14...22).union(27...36).union(45...47).union(50...58)

    /// Whether a custom number format shows a date: it has a year, month or day code outside
    /// quoted text, escapes and `[...]` sections (colour, locale, elapsed time).
    static func isDateFormat(_ code: String) -> Bool {
        if code.caseInsensitiveCompare("General") == .orderedSame { return false }
        var inQuote = false
        var inBracket = false
        var escaped = false
        for ch in code {
            if escaped {
                escaped = false
                continue
            }
            switch ch {
            case "\"": inQuote.toggle()
            case "\\" where !inQuote: escaped = true
            case "[" where !inQuote: inBracket = true
            case "]" where !inQuote: inBracket = false
            // (A `where` would bind only the last pattern of a list: the state is tested inside.)
            case "y", "Y", "d", "D", "年", "日":
                if !inQuote && !inBracket { return true }
            default: break
            }
        }
        return false
    }

    /// Extracts a part to a private temporary file, counting the bytes as they inflate, then
    /// parses it as a stream: memory holds one 64 kB chunk of the part at a time.
    private mutating func parse(_ path: String, _ handler: XMLHandler) throws {
        guard let entry = archive[path] else { throw Failure.malformed("\(path) is missing") }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("zhijian-xlsx-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let out = try? FileHandle(forWritingTo: url)
        else { throw Failure.malformed("cannot spool \(path)") }
        defer { try? FileManager.default.removeItem(at: url) }
        var first = true
        var written = expanded
        let limit = self.limit
        do {
            defer { try? out.close() }
            _ = try archive.extract(entry, bufferSize: 1 << 16) { chunk in
                written += chunk.count
                if written > limit { throw Failure.tooLarge(limit: limit) }
                if first {
                    first = false
                    // A DTD could declare entities; no part of an XLSX has one.
                    if Self.hasDTD(chunk) { throw Failure.malformed("\(path) declares a DTD") }
                }
                try out.write(contentsOf: chunk)
            }
        } catch let f as Failure {
            throw f
        } catch {
            throw Failure.malformed("\(path) cannot be unpacked")
        }
        expanded = written
        guard let stream = InputStream(url: url) else { throw Failure.malformed("cannot read \(path)") }
        let parser = XMLParser(stream: stream)
        parser.shouldResolveExternalEntities = false
        parser.delegate = handler
        handler.parser = parser
        let ok = parser.parse()
        if let e = handler.error { throw e }
        guard ok else { throw Failure.malformed("\(path) is not well-formed XML") }
    }

    /// Whether the prologue (everything before the root element) declares a DTD — or cannot be
    /// told not to: the XML declaration, processing instructions, comments and white space are
    /// skipped; `<!` of anything else is a DTD; a prologue longer than the first chunk, or a part
    /// not in UTF-8 (every writer of XLSX writes UTF-8), is refused as if it were one.
    static func hasDTD(_ chunk: Data) -> Bool {
        let b = [UInt8](chunk.prefix(1 << 16))
        func starts(_ at: Int, _ s: String) -> Bool {
            b.count >= at + s.utf8.count && Array(b[at..<at + s.utf8.count]) == Array(s.utf8)
        }
        func find(_ s: String, from: Int) -> Int? {
            let n = Array(s.utf8)
            guard b.count >= n.count else { return nil }
            var i = from
            while i + n.count <= b.count {
                if b[i] == n[0], Array(b[i..<i + n.count]) == n { return i + n.count }
                i += 1
            }
            return nil
        }
        if b.starts(with: [0xFE, 0xFF]) || b.starts(with: [0xFF, 0xFE]) || b.first == 0 || (b.count > 1 && b[1] == 0) {
            return true
        }
        var i = b.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while i < b.count {
            switch b[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            case UInt8(ascii: "<"):
                if starts(i, "<?") {
                    guard let end = find("?>", from: i + 2) else { return true }
                    i = end
                } else if starts(i, "<!--") {
                    guard let end = find("-->", from: i + 4) else { return true }
                    i = end
                } else {
                    return starts(i, "<!")  // a DOCTYPE (or worse); otherwise the root element
                }
            default: return false  // not XML at all: the parser refuses it
            }
        }
        return true  // the prologue runs past the chunk
    }
}

// MARK: - Part handlers

/// A delegate that can stop its parser with a reason.
class XMLHandler: NSObject, XMLParserDelegate {
    weak var parser: XMLParser?
    /// Why the parse was stopped: a `Failure`, or an error thrown by a row's consumer.
    var error: (any Error)?

    func fail(_ e: any Error) {
        if error == nil { error = e }
        parser?.abortParsing()
    }

    // The events a part handler overrides. They are declared here, not only in the subclasses,
    // because the protocol's witnesses are the base class's: a method only a subclass declares
    // would never be called.
    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String]
    ) {}
    func parser(_ parser: XMLParser, foundCharacters string: String) {}
    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {}

    // A second line behind `hasDTD`: a parser that reports declarations stops at the first.
    // (Darwin's does; swift-corelibs-foundation's did not call these in our test, so on Linux
    // `hasDTD` is the guard, and `aDTD_isRefusedUnexpanded` tests it.)
    func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) {
        fail(XLSXWorkbook.Failure.malformed("a part declares a DTD"))
    }
    func parser(_ parser: XMLParser, foundExternalEntityDeclarationWithName name: String, publicID: String?, systemID: String?) {
        fail(XLSXWorkbook.Failure.malformed("a part declares a DTD"))
    }
    func parser(
        _ parser: XMLParser, foundUnparsedEntityDeclarationWithName name: String, publicID: String?, systemID: String?,
        notationName: String?
    ) {
        fail(XLSXWorkbook.Failure.malformed("a part declares a DTD"))
    }
    func parser(_ parser: XMLParser, foundElementDeclarationWithName elementName: String, model: String) {
        fail(XLSXWorkbook.Failure.malformed("a part declares a DTD"))
    }
    func parser(_ parser: XMLParser, resolveExternalEntityName name: String, systemID: String?) -> Data? {
        fail(XLSXWorkbook.Failure.malformed("a part refers to an external entity"))
        return nil
    }

    /// The local name of an element (`x:row` → `row`): some writers prefix the main namespace.
    static func local(_ name: String) -> Substring {
        if let i = name.lastIndex(of: ":") { return name[name.index(after: i)...] }
        return name[...]
    }
}

private final class WorkbookHandler: XMLHandler {
    var sheets: [(name: String, relationship: String)] = []
    var date1904 = false

    override func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String]
    ) {
        switch Self.local(elementName) {
        case "sheet":
            let rel = attributes.first { Self.local($0.key) == "id" }?.value
            guard let name = attributes["name"], let rel else {
                return fail(XLSXWorkbook.Failure.malformed("a sheet without a name or part"))
            }
            sheets.append((name, rel))
            if sheets.count > 1_000 { fail(XLSXWorkbook.Failure.malformed("too many sheets")) }
        case "workbookPr":
            let v = attributes["date1904"]?.lowercased()
            date1904 = v == "1" || v == "true"
        default: break
        }
    }
}

private final class RelationshipsHandler: XMLHandler {
    var targets: [String: String] = [:]

    override func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String]
    ) {
        if Self.local(elementName) == "Relationship", let id = attributes["Id"], let target = attributes["Target"] {
            targets[id] = target
        }
    }
}

/// `<si>` items: a plain `<t>`, or rich text runs `<r><t>` joined; phonetic runs (`<rPh>`, the
/// furigana Excel keeps for East Asian text) are skipped.
private final class SharedStringsHandler: XMLHandler {
    var strings: [String] = []
    private var current = ""
    private var inText = false, inPhonetic = false

    override func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String]
    ) {
        switch Self.local(elementName) {
        case "si": current = ""
        case "t": inText = !inPhonetic
        case "rPh": inPhonetic = true
        default: break
        }
    }

    override func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText { current += string }
    }

    override func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        switch Self.local(elementName) {
        case "si":
            strings.append(current)
            if strings.count > XLSXWorkbook.maxSharedStrings {
                fail(XLSXWorkbook.Failure.malformed("more than \(XLSXWorkbook.maxSharedStrings) shared strings"))
            }
        case "t": inText = false
        case "rPh": inPhonetic = false
        default: break
        }
    }
}

private final class StylesHandler: XMLHandler {
    var customFormats: [Int: String] = [:]
    var cellFormats: [Int] = []
    private var inCellXfs = false

    override func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String]
    ) {
        switch Self.local(elementName) {
        case "numFmt":
            if let id = attributes["numFmtId"].flatMap({ Int($0) }), let code = attributes["formatCode"] {
                customFormats[id] = code
            }
        case "cellXfs": inCellXfs = true
        case "xf" where inCellXfs:
            cellFormats.append(attributes["numFmtId"].flatMap { Int($0) } ?? 0)
            if cellFormats.count > 65_536 { fail(XLSXWorkbook.Failure.malformed("more than 65,536 cell styles")) }
        default: break
        }
    }

    override func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        if Self.local(elementName) == "cellXfs" { inCellXfs = false }
    }
}

/// A worksheet's `<row>`s and `<c>`ells, handed out a row at a time. A row or cell without its
/// reference (allowed, and written by some tools) follows the previous one.
private final class SheetHandler: XMLHandler {
    let strings: [String]
    let dateStyles: [Bool]
    let date1904: Bool
    let body: (XLSXWorkbook.Row) throws -> Void

    private var rowNumber = 0
    private var cells: [XLSXWorkbook.Cell] = []
    private var column = -1
    private var type = "n", style = 0
    private var hasFormula = false
    private var text = ""
    private var collecting = false
    private var inInline = false, inPhonetic = false
    private var inCell = false

    init(strings: [String], dateStyles: [Bool], date1904: Bool, body: @escaping (XLSXWorkbook.Row) throws -> Void) {
        self.strings = strings
        self.dateStyles = dateStyles
        self.date1904 = date1904
        self.body = body
    }

    override func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String]
    ) {
        switch Self.local(elementName) {
        case "row":
            if let r = attributes["r"] {
                guard let n = Int(r), n > rowNumber, n <= XLSXWorkbook.maxRows else {
                    return fail(XLSXWorkbook.Failure.malformed("row “\(r.prefix(20))” is out of order or range"))
                }
                rowNumber = n
            } else {
                rowNumber += 1
                guard rowNumber <= XLSXWorkbook.maxRows else {
                    return fail(XLSXWorkbook.Failure.malformed("the sheet has more than \(XLSXWorkbook.maxRows) rows"))
                }
            }
            cells.removeAll(keepingCapacity: true)
            column = -1
        case "c":
            if let r = attributes["r"] {
                guard let ref = XLSXWorkbook.parseReference(r), ref.column > column, ref.row == nil || ref.row == rowNumber
                else {
                    return fail(XLSXWorkbook.Failure.malformed("cell “\(r.prefix(20))” is out of order or range"))
                }
                column = ref.column
            } else {
                column += 1
            }
            guard column < XLSXWorkbook.maxColumns else {
                return fail(XLSXWorkbook.Failure.malformed("a cell lies beyond column XFD"))
            }
            type = attributes["t"] ?? "n"
            style = attributes["s"].flatMap { Int($0) } ?? 0
            hasFormula = false
            text = ""
            inCell = true
        case "v" where inCell:
            collecting = true
        case "f" where inCell:
            hasFormula = true
        case "is" where inCell:
            inInline = true
        case "rPh":
            inPhonetic = true
        case "t" where inInline && !inPhonetic:
            collecting = true
        default: break
        }
    }

    override func parser(_ parser: XMLParser, foundCharacters string: String) {
        if collecting {
            text += string
            if text.utf8.count > 32_767 { fail(XLSXWorkbook.Failure.malformed("a cell holds more than 32,767 characters")) }
        }
    }

    override func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        switch Self.local(elementName) {
        case "v", "t": collecting = false
        case "is": inInline = false
        case "rPh": inPhonetic = false
        case "c":
            inCell = false
            guard let value = cellValue(), !value.isEmpty else { return }
            cells.append(XLSXWorkbook.Cell(column: column, value: value, isFormula: hasFormula))
        case "row":
            guard !cells.isEmpty else { return }
            do { try body(XLSXWorkbook.Row(number: rowNumber, cells: cells)) } catch { fail(error) }
        default: break
        }
    }

    private func cellValue() -> String? {
        switch type {
        case "s":
            guard let i = Int(text.trimmingCharacters(in: .whitespaces)), strings.indices.contains(i) else {
                fail(
                    XLSXWorkbook.Failure.malformed(
                        "cell \(XLSXWorkbook.reference(row: rowNumber, column: column)) names a missing string"))
                return nil
            }
            return strings[i]
        case "inlineStr", "str", "e", "d": return text
        case "b": return text == "1" || text.lowercased() == "true" ? "TRUE" : "FALSE"
        default:
            let raw = text.trimmingCharacters(in: .whitespaces)
            guard !raw.isEmpty else { return nil }
            guard let d = Double(raw), d.isFinite else { return raw }
            if dateStyles.indices.contains(style), dateStyles[style], let date = XLSXWorkbook.date(serial: d, date1904: date1904)
            {
                return date
            }
            return XLSXWorkbook.number(d)
        }
    }
}

extension XLSXWorkbook {
    /// A number as people write it: whole numbers without a point, others with at most 15
    /// significant digits (what Excel itself shows), so `0.1 + 0.2` reads `0.3`.
    static func number(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        var s = String(format: "%.15g", d)
        if s.contains("e") { return s }
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }

    /// A date serial as `yyyy-MM-dd` (with ` HH:mm:ss` when it has a time). The 1900 system
    /// counts Lotus's phantom 29 February 1900, so serials from 61 on are a day ahead.
    static func date(serial: Double, date1904: Bool) -> String? {
        guard serial >= 0, serial < 2_958_466 else { return nil }  // up to 9999-12-31
        var days = serial.rounded(.down)
        let seconds = Int(((serial - days) * 86_400).rounded())
        var base = DateComponents(calendar: Calendar(identifier: .gregorian), year: 1899, month: 12, day: 31)
        if date1904 {
            base = DateComponents(calendar: Calendar(identifier: .gregorian), year: 1904, month: 1, day: 1)
        } else if days >= 61 {
            days -= 1
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let start = calendar.date(from: base),
            let day = calendar.date(byAdding: .second, value: Int(days) * 86_400 + seconds, to: start)
        else { return nil }
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: day)
        let ymd = String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
        guard seconds != 0 else { return ymd }
        return ymd + String(format: " %02d:%02d:%02d", c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }
}
