import Domain
import Foundation
import Testing

@testable import App

/// True when poppler's pdfinfo, pdffonts and pdftotext are on the PATH.
private let popplerInstalled = ["pdfinfo", "pdffonts", "pdftotext"].allSatisfy { tool in
    (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        .contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
}

/// The bulletin in PDF, read back with poppler: the page sizes (`pdfinfo`), every font embedded
/// (`pdffonts`), and the text (`pdftotext`), for units with hostile names and narrative.
@Suite(.enabled(if: popplerInstalled, "needs poppler-utils (pdfinfo, pdffonts, pdftotext)"))
struct BulletinPDFTests {

    static let issuer = "人力资源社会保障部职业技能鉴定中心"
    static let values = ReportValues(
        standards: .init(national: 12, verifiedLocal: 3, unverifiedLocal: 1),
        banks: .init(national: 10, certifiedLocal: 2, uncertifiedLocal: 0), feeStandard: true,
        overcharge: .init(investigated: 1, uninvestigated: 1), crossRegion: false, supervision: true,
        violations: .init(investigated: 0, uninvestigated: 0), forgery: .init(investigated: 0, uninvestigated: 0),
        payment: .init(dueYuan: Money(fen: 100_000), paidYuan: Money(fen: 50_000)))

    /// Names as units might be given them: markup, quotes, a name longer than any cell, a control character.
    static let units = [
        UnitInfo(code: "110000", name: "北京市", kind: "region"),
        UnitInfo(code: "120000", name: "天津市<b>&amp;</b>", kind: "region"),
        UnitInfo(code: "130000", name: "河北省" + String(repeating: "超长的单位名称", count: 30), kind: "region"),
        UnitInfo(code: "140000", name: "山西省\u{1}控制字符", kind: "region"),
        UnitInfo(code: "I001", name: "机械工业 \"引号\" & 'apos' <i>", kind: "industry"),
    ]

    static func bulletin(units: [UnitInfo] = units, beijing beijingValues: ReportValues = values) -> Bulletin {
        let task = OutstandingTask(
            id: "t1", period: "2024Q4", code: "no_supervision", message: "No supervision", messageZh: "未开展质量督导",
            dueOn: "2025-02-28", status: "reopened", overdue: true)
        return Bulletin.compile(
            period: Period("2025Q1")!, units: units,
            reports: ["110000": .init(values: beijingValues, late: false), "120000": .init(values: values, late: true)],
            yearPayments: [:], previous: [:], threshold: Ratio(tenths: 800), deadlineDays: 15,
            now: beijing("2025-04-18T10:00:00"), previousRanks: ["110000": 5, "120000": 1],
            outstanding: ["120000": [task]])
    }

    static let document = BulletinDocument(
        documentNumber: "人社鉴通〔2025〕3号", issuedOn: "2025-04-20",
        overview: "一季度各单位报送情况 <b>总体</b> & 良好。\n" + String(repeating: "很长的一行没有换行符<&>", count: 120),
        problems: "部分单位存在 <script>alert(1)</script> 问题。",
        requirements: "各单位要认真整改 & 按期报告。")

    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [tool] + arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(tool) \(arguments) failed")
        return String(decoding: data, as: UTF8.self)
    }

    /// What poppler reads of a rendered PDF.
    struct Reading {
        let pageSizes: [String]
        let fonts: [(name: String, embedded: String)]
        let text: String
        /// The text without white space, for names that wrap across lines.
        var squeezed: String { text.filter { !$0.isWhitespace } }
    }

    /// Reads a rendered PDF from a temporary file; with BULLETIN_PDF_KEEP set to a directory, the
    /// file stays there to be looked at.
    static func read(_ pdf: Data, name: String = #function) throws -> Reading {
        let keep = ProcessInfo.processInfo.environment["BULLETIN_PDF_KEEP"]
        let dir = keep.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory
        let file = keep == nil ? "zhijian-\(UUID().uuidString).pdf" : name.prefix { $0 != "(" } + ".pdf"
        let path = dir.appendingPathComponent(String(file)).path
        try pdf.write(to: URL(fileURLWithPath: path))
        defer { if keep == nil { try? FileManager.default.removeItem(atPath: path) } }
        let sizes = try run("pdfinfo", ["-f", "1", "-l", "99", path]).split(separator: "\n")
            .filter { $0.hasPrefix("Page") && $0.contains(" size: ") }
            .map { line in String(line.split(separator: ":", maxSplits: 1)[1]).trimmingCharacters(in: .whitespaces) }
        // pdffonts: a header, a line of dashes marking the columns, then one font a line; emb is the 4th column.
        let lines = try run("pdffonts", [path]).split(separator: "\n").map(String.init)
        var fonts: [(String, String)] = []
        if lines.count > 2 {
            var ranges: [Range<Int>] = []
            var start: Int?
            for (i, ch) in Array(lines[1] + " ").enumerated() {
                if ch == "-", start == nil { start = i }
                if ch == " ", let s = start {
                    ranges.append(s..<i)
                    start = nil
                }
            }
            for line in lines.dropFirst(2) {
                let chars = Array(line)
                func column(_ r: Range<Int>) -> String {
                    String(chars[min(r.lowerBound, chars.count)..<min(r.upperBound, chars.count)])
                        .trimmingCharacters(in: .whitespaces)
                }
                fonts.append((column(ranges[0]), column(ranges[3])))
            }
        }
        // -raw: the text in the order it was drawn (a wrapped cell stays together, "— 1 —" keeps its spaces).
        return Reading(pageSizes: sizes, fonts: fonts, text: try run("pdftotext", ["-raw", "-enc", "UTF-8", path, "-"]))
    }

    static func expectWellFormed(_ r: Reading) {
        #expect(r.pageSizes.first?.hasPrefix("595.28 x 841.89 pts") == true, "\(r.pageSizes)")
        #expect(r.pageSizes.contains { $0.hasPrefix("841.89 x 595.28 pts") }, "\(r.pageSizes)")
        #expect(!r.fonts.isEmpty)
        for font in r.fonts { #expect(font.embedded == "yes", "\(font.name) is not embedded") }
        #expect(r.text.contains("— 1 —"))
        #expect(r.text.contains("— \(r.pageSizes.count) —"))
        for unit in units {
            let name = unit.name.filter { !$0.isWhitespace && !$0.unicodeScalars.contains { $0.value < 0x20 } }
            #expect(r.squeezed.contains(name), "\(unit.name) is missing")
        }
    }

    @Test func published_pagesFontsTextAndPictures() throws {
        var b = Self.bulletin()
        b.status = "published"
        b.document = Self.document
        // XML has no place for the control character in one name: the chart of the other units.
        let chart = BulletinPages.chart(Self.bulletin(units: Array(Self.units.prefix(3))), lang: "zh")
        let portrait = #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 150"><rect width="100" height="150"/></svg>"#
        let pictures = [chart, "<svg><unclosed", "", "not svg", BulletinPages.chart(b, lang: "zh"), portrait]
        let pdf = try BulletinPDF.render(b, issuer: Self.issuer, pictures: pictures)
        #expect(pdf.starts(with: Data("%PDF-".utf8)))
        let r = try Self.read(pdf)
        Self.expectWellFormed(r)
        for text in [
            "人社鉴通〔2025〕3号", "2025年4月20日", "一、总体情况", "二、存在问题", "三、整改要求", "四、排名", "五、整改落实情况",
            "<script>alert(1)</script>", "（迟报）", "未报", "合计", "各单位通报问题", "↑", "↓",
        ] {
            #expect(r.squeezed.contains(text.filter { !$0.isWhitespace }), "\(text) is missing")
        }
        #expect(r.squeezed.contains("关于2025年第一季度职业技能鉴定质量情况的通报"))
        #expect(!r.text.contains("更正"))
        #expect(r.squeezed.contains("整改被退回重新整改"))
        // The pictures that librsvg cannot read are left out: the same pages as with the readable ones alone.
        let readable = try Self.read(
            try BulletinPDF.render(b, issuer: Self.issuer, pictures: [chart, portrait]), name: "readablePictures")
        #expect(readable.pageSizes == r.pageSizes)
        let none = try Self.read(try BulletinPDF.render(b, issuer: Self.issuer, pictures: []), name: "noPictures")
        #expect(none.pageSizes.count < r.pageSizes.count)
    }

    @Test func draftWithoutDocument_usesTheDraftNarrative() throws {
        let b = Self.bulletin()
        let r = try Self.read(try BulletinPDF.render(b, issuer: Self.issuer, pictures: []))
        Self.expectWellFormed(r)
        #expect(r.squeezed.contains("（草稿，文号待定）"))
        #expect(r.squeezed.contains("应报送质量统计报表的单位共5个"))
        #expect(r.squeezed.contains("（成文日期待定）"))
    }

    @Test func correction_saysSoAndListsTheChanges() throws {
        var before = Self.values
        before.standards = .init(national: 12, verifiedLocal: 3, unverifiedLocal: 0)
        var old = Self.bulletin(beijing: before)
        old.document = BulletinDocument(
            documentNumber: Self.document.documentNumber, issuedOn: Self.document.issuedOn, overview: "旧的总体情况。",
            problems: Self.document.problems, requirements: Self.document.requirements)
        var b = Self.bulletin()
        b.status = "published"
        b.revision = 2
        b.document = Self.document
        let changes: [Bulletin.Change] = b.changes(since: old) + b.documentChanges(since: old)
        b.changes = changes
        let r = try Self.read(try BulletinPDF.render(b, issuer: Self.issuer, pictures: []))
        Self.expectWellFormed(r)
        #expect(r.squeezed.contains("职业技能鉴定质量情况的通报（更正）"))
        #expect(r.squeezed.contains("六、更正说明"))
        #expect(r.squeezed.contains("北京市第3栏：由“0”更正为“1”。"))
        #expect(r.squeezed.contains("总体情况有修改"))
    }

    @Test func noUnits_stillADocument() throws {
        let b = Self.bulletin(units: [])
        let pdf = try BulletinPDF.render(b, issuer: "<>&\u{0}", pictures: [])
        let r = try Self.read(pdf)
        #expect(r.pageSizes.first?.hasPrefix("595.28 x 841.89") == true)
        #expect(r.squeezed.contains("合计"))
        #expect(r.squeezed.contains("本期无参加排名的单位"))
    }

    /// Callers render on a thread pool: documents rendered at once are each whole.
    @Test func concurrentRenders_areEachWhole() async throws {
        var b = Self.bulletin()
        b.document = Self.document
        let bulletin = b
        let sizes = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 { group.addTask { try BulletinPDF.render(bulletin, issuer: Self.issuer, pictures: []).count } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(sizes.count == 4)
        #expect(sizes.allSatisfy { $0 > 10_000 })
    }
}
