import Domain
import Foundation
import Testing

@testable import App

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The bulletin's SVG pictures: well-formed XML whatever the unit names, one tile per region and
/// industry, labels in the reader's language, and a small valid picture when there is nothing to draw.
@Suite struct BulletinChartsTests {
    static let hostile = "<script>&\"'x</script>"

    static let values = ReportValues(
        standards: .init(national: 2, verifiedLocal: 0, unverifiedLocal: 0),
        banks: .init(national: 1, certifiedLocal: 0, uncertifiedLocal: 0), feeStandard: true,
        overcharge: .init(investigated: 0, uninvestigated: 0), crossRegion: false, supervision: true,
        violations: .init(investigated: 0, uninvestigated: 0), forgery: .init(investigated: 0, uninvestigated: 0),
        payment: .init(dueYuan: Money(fen: 100_000), paidYuan: Money(fen: 90_000)))

    static func units(regions: [(code: String, name: String, short: String)] = Regions.all) -> [UnitInfo] {
        regions.map { UnitInfo(code: $0.code, name: $0.name, kind: "region") } + [
            UnitInfo(code: "I001", name: "机械工业职业技能鉴定指导中心", kind: "industry"),
            UnitInfo(code: "I002", name: hostile, kind: "industry"),
        ]
    }

    /// One quarter's bulletin: unit `i` reports unless `(i + step) % 7 == 0`, late when `(i + step) % 5 == 0`,
    /// with findings growing with `(i + 3 * step) % 5`, and a payment ratio that moves from quarter to quarter.
    static func bulletin(_ period: String, step: Int, units: [UnitInfo] = units()) -> Bulletin {
        var reports: [String: BulletinReport] = [:]
        for (i, unit) in units.enumerated() where (i + step) % 7 != 0 {
            var v = values
            let k = (i + 3 * step) % 5
            v.feeStandard = k < 1
            v.supervision = k < 2
            v.crossRegion = k >= 3
            v.banks.uncertifiedLocal = k >= 4 ? 2 : 0
            v.payment.paidYuan = Money(fen: Int64((i * 7 + step * 13) % 11) * 10_000)
            reports[unit.code] = BulletinReport(values: v, late: (i + step) % 5 == 0)
        }
        return Bulletin.compile(
            period: Period(period)!, units: units, reports: reports, yearPayments: [:], previous: [:],
            threshold: Ratio(tenths: 800), deadlineDays: 15, now: Date(timeIntervalSince1970: 2_000_000_000))
    }

    /// Five quarters with 2024Q4 missing: a gap the history pictures must show.
    static let history = [
        bulletin("2024Q2", step: 1), bulletin("2024Q3", step: 2), bulletin("2025Q1", step: 3), bulletin("2025Q2", step: 4),
    ]

    /// Parses `svg` as XML and returns the names of its elements; records an issue if it does not parse.
    @discardableResult
    static func parse(_ svg: String, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        final class Collector: NSObject, XMLParserDelegate {
            var elements: [String] = []
            func parser(
                _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]
            ) { elements.append(name) }
        }
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = Collector()
        parser.delegate = collector
        let ok = parser.parse()
        #expect(ok, "not well-formed: \(String(describing: parser.parserError))", sourceLocation: sourceLocation)
        #expect(collector.elements.first == "svg", sourceLocation: sourceLocation)
        return collector.elements
    }

    static func count(_ needle: String, in s: String) -> Int { s.components(separatedBy: needle).count - 1 }

    @Test func tileMap_oneTilePerRegionAndIndustry_wellFormed() {
        let b = Self.history.last!
        let svg = BulletinCharts.tileMap(b, lang: "zh")
        Self.parse(svg)
        #expect(Self.count("<g class=\"tile\"", in: svg) == 34)
        for region in Regions.all { #expect(svg.contains("<g class=\"tile\" data-unit=\"\(region.code)\">")) }
        #expect(svg.contains("data-unit=\"I001\""))
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.contains("viewBox=\"0 0 ") && svg.contains("font-family=\"Noto Sans CJK SC, sans-serif\""))
        #expect(svg.contains(">京</text>") && svg.contains(">兵团</text>"))
        // A long industry name is cut on the tile and whole in its tooltip.
        #expect(svg.contains(">机械工…</text>") && svg.contains("<title>机械工业职业技能鉴定指导中心："))
        // Units that did not report are hatched and say so.
        let missing = b.rows.filter { !$0.reported }
        #expect(!missing.isEmpty)
        #expect(Self.count("fill=\"url(#zj-hatch)\"", in: svg) == missing.count + 1)
        #expect(svg.contains("未报"))
    }

    @Test func tileMap_titleSaysTheNumberOfFindings() throws {
        let b = Self.history.last!
        let svg = BulletinCharts.tileMap(b, lang: "zh")
        let row = try #require(b.rows.first { $0.reported && !$0.findings.isEmpty })
        #expect(svg.contains("<title>\(row.unitName)：\(row.findings.count) 项问题"))
    }

    @Test func tileMap_regionNotInTheBulletin_isAnEmptyOutline() {
        let units = Self.units(regions: Regions.all.filter { $0.code != "660000" })
        let svg = BulletinCharts.tileMap(Self.bulletin("2025Q2", step: 4, units: units), lang: "zh")
        Self.parse(svg)
        #expect(Self.count("<g class=\"tile\"", in: svg) == 34)
        #expect(svg.contains("<g class=\"tile\" data-unit=\"660000\"><title>新疆生产建设兵团：不在本期通报</title>"))
    }

    @Test func hostileUnitNames_areEscapedInEveryPicture() {
        var units = Self.units()
        units.append(UnitInfo(code: "I003\"><x", name: "控制\u{1}字符\u{FFFE}", kind: "industry"))
        let history = [Self.bulletin("2025Q1", step: 3, units: units), Self.bulletin("2025Q2", step: 4, units: units)]
        let pictures = [
            BulletinCharts.tileMap(history[1], lang: "zh"), BulletinCharts.smallMultiples(history, lang: "zh"),
            BulletinCharts.timeliness(history, lang: "en"),
        ]
        for svg in pictures {
            let elements = Self.parse(svg)
            #expect(!elements.contains("script") && !elements.contains("x"))
            #expect(svg.contains("&lt;script&gt;&amp;&quot;&#39;x&lt;/script&gt;"))
            #expect(!svg.contains("<script"))
            #expect(svg.contains("data-unit=\"I003&quot;&gt;&lt;x\""))
            #expect(svg.contains("控制字符") && !svg.contains("\u{1}"))
        }
    }

    @Test func smallMultiples_onePanelPerUnitOfTheLastBulletin() {
        let svg = BulletinCharts.smallMultiples(Self.history, lang: "zh")
        Self.parse(svg)
        #expect(Self.count("<g class=\"panel\"", in: svg) == 34)
        // 2024Q2 … 2025Q2 is five quarters, 2024Q4 among them without a bulletin.
        #expect(svg.contains(">24Q2</text>") && svg.contains(">25Q2</text>"))
        #expect(Self.count("fill=\"#e6e6e6\"/>", in: svg) == 34 + 1)
        #expect(svg.contains("2024年第二季度至2025年第二季度"))
        #expect(svg.contains("<path d=\"M"))
        #expect(svg.contains("通报问题数") && svg.contains("缴款比例"))
    }

    @Test func smallMultiples_ratioLineBreaksWhereAQuarterHasNoRatio() {
        // Beijing (index 0) does not report in step 7's quarter: its line has two pieces around the gap.
        let history = [
            Self.bulletin("2025Q1", step: 1), Self.bulletin("2025Q2", step: 7), Self.bulletin("2025Q3", step: 2),
        ]
        #expect(history[1].rows[0].reported == false)
        let svg = BulletinCharts.smallMultiples(history, lang: "zh")
        Self.parse(svg)
        let panel = svg.components(separatedBy: "<g class=\"panel\" data-unit=\"110000\">")[1]
            .components(separatedBy: "</g>")[0]
        let path = panel.components(separatedBy: "<path d=\"")[2].components(separatedBy: "\"")[0]
        #expect(Self.count("M", in: path) == 2 && Self.count("L", in: path) == 0)
    }

    @Test func timeliness_oneStripPerUnit_withEveryState() {
        let svg = BulletinCharts.timeliness(Self.history, lang: "zh")
        Self.parse(svg)
        #expect(Self.count("<g class=\"strip\"", in: svg) == 34)
        for label in ["按时报送", "迟报", "未报送", "无通报"] { #expect(svg.contains("\(label)</title>")) }
        #expect(svg.contains("<title>24Q4 无通报</title>"))
    }

    @Test func english_labelsWhenLangIsEn() {
        let tile = BulletinCharts.tileMap(Self.history.last!, lang: "en")
        let small = BulletinCharts.smallMultiples(Self.history, lang: "en")
        let strips = BulletinCharts.timeliness(Self.history, lang: "en")
        for svg in [tile, small, strips] { Self.parse(svg) }
        #expect(tile.contains("Findings by unit, Q2 2025") && tile.contains("Industries") && tile.contains(">BJ</text>"))
        #expect(tile.contains("not reported") && !tile.contains("通报问题"))
        #expect(small.contains("Findings and payment ratio by unit, Q2 2024 – Q2 2025") && small.contains("payment ratio"))
        #expect(strips.contains("Reporting timeliness by unit") && strips.contains("on time") && strips.contains("no bulletin"))
        #expect(!strips.contains("按时"))
    }

    @Test func emptyInputs_giveSmallValidPictures() {
        let none = Self.bulletin("2025Q2", step: 1, units: [])
        for svg in [
            BulletinCharts.tileMap(none, lang: "zh"), BulletinCharts.smallMultiples([], lang: "zh"),
            BulletinCharts.timeliness([], lang: "en"), BulletinCharts.smallMultiples([none], lang: "en"),
            BulletinCharts.timeliness([none], lang: "zh"),
        ] {
            let elements = Self.parse(svg)
            #expect(elements.count < 10)
            #expect(svg.contains("暂无数据") || svg.contains("No data"))
        }
    }

    @Test func oneQuarter_andMoreThanEight_areDrawn() {
        let one = [Self.bulletin("2025Q1", step: 2)]
        Self.parse(BulletinCharts.smallMultiples(one, lang: "zh"))
        Self.parse(BulletinCharts.timeliness(one, lang: "zh"))
        let twelve = (0..<12).map { Self.bulletin("\(2023 + $0 / 4)Q\($0 % 4 + 1)", step: $0 + 1) }
        let strips = BulletinCharts.timeliness(twelve, lang: "zh")
        Self.parse(strips)
        #expect(!strips.contains(">23Q4</text>") && strips.contains(">24Q1</text>") && strips.contains(">25Q4</text>"))
        #expect(Self.count("<g><title>", in: strips) == 8 * 34)
    }

    @Test func output_isDeterministic() {
        #expect(BulletinCharts.tileMap(Self.history[2], lang: "zh") == BulletinCharts.tileMap(Self.history[2], lang: "zh"))
        #expect(
            BulletinCharts.smallMultiples(Self.history, lang: "en") == BulletinCharts.smallMultiples(Self.history, lang: "en"))
        #expect(BulletinCharts.timeliness(Self.history, lang: "zh") == BulletinCharts.timeliness(Self.history, lang: "zh"))
    }

    /// Writes the pictures to `$ZHIJIAN_CHARTS_DIR` when set, to look at them.
    @Test func writePicturesForInspection() throws {
        guard let dir = ProcessInfo.processInfo.environment["ZHIJIAN_CHARTS_DIR"] else { return }
        for (name, svg) in [
            ("tile-map", BulletinCharts.tileMap(Self.history.last!, lang: "zh")),
            ("tile-map-en", BulletinCharts.tileMap(Self.history.last!, lang: "en")),
            ("small-multiples", BulletinCharts.smallMultiples(Self.history, lang: "zh")),
            ("small-multiples-en", BulletinCharts.smallMultiples(Self.history, lang: "en")),
            ("timeliness", BulletinCharts.timeliness(Self.history, lang: "zh")),
            ("timeliness-en", BulletinCharts.timeliness(Self.history, lang: "en")),
        ] {
            try svg.write(toFile: "\(dir)/\(name).svg", atomically: true, encoding: .utf8)
        }
    }
}
