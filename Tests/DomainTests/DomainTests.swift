import Domain
import Foundation
import Testing

@Suite struct CatalogueTests {
    @Test func has28ColumnsNumberedInOrder() {
        #expect(Catalogue.columns.map(\.number) == Array(1...28))
        #expect(Catalogue.columns.filter { $0.kind == .percent }.map(\.number) == [25, 26, 27, 28])
        #expect(Catalogue.columns.filter { $0.kind == .tick }.map(\.number) == [7, 8, 12, 13, 14, 15, 16, 20, 24])
    }

    /// The header cells tile the grid exactly: every (row, column) is covered once.
    @Test func headerCellsTileTheGridExactlyOnce() {
        let depth = Catalogue.headerDepth
        #expect(depth == 5)
        var covered = [[Int]](repeating: [Int](repeating: 0, count: 29), count: depth)
        for c in Catalogue.headerCells() {
            for r in c.row..<(c.row + c.rowSpan) { for k in c.column..<(c.column + c.colSpan) { covered[r][k] += 1 } }
        }
        #expect(covered.allSatisfy { $0.allSatisfy { $0 == 1 } })
    }

    @Test func headerHasTheMergesOfTheAttachment() {
        let cells = Catalogue.headerCells()
        func cell(_ text: String, row: Int, column: Int) -> HeaderCell? {
            cells.first { $0.text == text && $0.row == row && $0.column == column }
        }
        #expect(cell("地区、行业", row: 0, column: 0)?.rowSpan == 5)
        #expect(cell("国家职业标准执行情况", row: 0, column: 1)?.colSpan == 3)
        #expect(cell("职业技能鉴定管理情况", row: 0, column: 7)?.colSpan == 14)
        #expect(cell("《职业资格证书》发放与管理情况", row: 0, column: 21)?.colSpan == 8)
        #expect(cell("使用国家标准的职业(工种)数量(个)", row: 1, column: 1)?.rowSpan == 4)
        // 有 spans the total and its 已查处/未查处; the total's own cell is blank beneath it.
        #expect(cell("有", row: 3, column: 9)?.colSpan == 3)
        #expect(cell("", row: 4, column: 9) != nil)
        #expect(cell("已查处", row: 4, column: 10) != nil)
        #expect(cell("无", row: 3, column: 12)?.rowSpan == 2)
        #expect(cell("证书已缴款占应缴款比例(%)", row: 1, column: 25)?.colSpan == 4)
        #expect(cell("1至12月份", row: 2, column: 28)?.rowSpan == 3)
    }
}

@Suite struct PeriodTests {
    @Test(arguments: ["2003Q3", "2026Q1", "1999Q4"]) func parsesValidPeriods(_ text: String) {
        #expect(Period(text)?.description == text)
    }

    @Test(arguments: ["2003q3", "2003Q0", "2003Q5", "03Q3", "2003-Q3", " 2003Q3", "2003Q3 ", "", "１２３４Q1"])
    func refusesMalformedPeriods(_ text: String) {
        #expect(Period(text) == nil)
    }

    @Test func deadlineIsTheFifteenthDayAfterTheQuarterInBeijing() {
        let p = Period("2003Q3")!
        #expect(p.lastDay == "2003-09-30")
        let f = ISO8601DateFormatter()
        #expect(p.deadline(days: 15) == f.date(from: "2003-10-16T00:00:00+08:00"))
        #expect(Period.containing(f.date(from: "2003-12-31T23:30:00+08:00")!) == Period("2003Q4"))
        #expect(Period.containing(f.date(from: "2003-12-31T16:30:00Z")!) == Period("2004Q1"))
        #expect(Period("2004Q1")!.previous == Period("2003Q4"))
        #expect(Period("2004Q1")!.isFuture(now: f.date(from: "2003-12-31T12:00:00+08:00")!))
    }
}

@Suite struct MoneyTests {
    @Test(arguments: [("1200.50", 120050), ("0.1", 10), ("7", 700), ("1.500", 150), ("0012.30", 1230), ("-0", 0)])
    func parsesExactly(_ text: String, _ fen: Int64) {
        #expect((try? Money.parse(text).get()) == Money(fen: fen))
    }

    @Test(arguments: [
        ("1.234", Money.ParseError.tooManyDecimals), ("-1", .negative), ("1e3", .malformed),
        ("1,000", .malformed), ("", .malformed), (".5", .malformed), ("5.", .malformed),
        ("99999999999999", .tooLarge),
    ])
    func refuses(_ text: String, _ error: Money.ParseError) {
        #expect(throws: error) { try Money.parse(text).get() }
    }

    @Test func ratioRoundsHalfUpToOneDecimal() {
        #expect(Ratio(paid: Money(fen: 2), due: Money(fen: 3))?.description == "66.7")
        #expect(Ratio(paid: Money(fen: 1), due: Money(fen: 8))?.description == "12.5")
        #expect(Ratio(paid: Money(fen: 1), due: Money(fen: 2000))?.description == "0.1")  // 0.05 → 0.1
        #expect(Ratio(paid: Money(fen: 5), due: Money.zero) == nil)
        #expect(Ratio(paid: Money(fen: 150), due: Money(fen: 100))?.description == "150.0")
    }
}

@Suite struct BulletinCompileTests {
    static let values = ReportValues(
        standards: .init(national: 2, verifiedLocal: 0, unverifiedLocal: 0),
        banks: .init(national: 1, certifiedLocal: 0, uncertifiedLocal: 0), feeStandard: true,
        overcharge: .init(investigated: 0, uninvestigated: 0), crossRegion: false, supervision: true,
        violations: .init(investigated: 0, uninvestigated: 0), forgery: .init(investigated: 0, uninvestigated: 0),
        payment: .init(dueYuan: Money(fen: 0), paidYuan: Money(fen: 0)))

    @Test func totalsUseSumsOfMoney_notAveragesOfRatios() {
        var a = Self.values
        var b = Self.values
        a.payment = .init(dueYuan: Money(fen: 100_00), paidYuan: Money(fen: 100_00))  // 100 %
        b.payment = .init(dueYuan: Money(fen: 300_00), paidYuan: Money(fen: 0))  // 0 %
        let units = [UnitInfo(code: "1", name: "甲", kind: "region"), UnitInfo(code: "2", name: "乙", kind: "region")]
        let now = Date(timeIntervalSince1970: 2_000_000_000)
        let b1 = Bulletin.compile(
            period: Period("2026Q1")!, units: units,
            reports: ["1": .init(values: a, late: false), "2": .init(values: b, late: false)],
            yearPayments: [:], previous: [:], threshold: Ratio(tenths: 1000),
            deadlineDays: 15, now: now)
        // (100 + 0) / (100 + 300) = 25 %, not (100 % + 0 %) / 2 = 50 %
        #expect(b1.total.cells[24] == .percent(Ratio(tenths: 250)))
        #expect(b1.total.cells[6] == .count(2))
        #expect(b1.total.cells[0] == .count(4))
        #expect(b1.missing.isEmpty)
        #expect(b1.printed(b1.total.cells[25], column: 26) == "")
    }

    @Test func validationCollectsEveryProblem() throws {
        let json = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"standards":{"national":-1},"feeStandard":3}"#.utf8))
        guard case .failure(let f) = ReportValues.parse(json) else {
            Issue.record("accepted")
            return
        }
        let fields = Set(f.issues.map(\.field))
        #expect(fields.isSuperset(of: ["standards.national", "standards.verifiedLocal", "feeStandard", "banks", "payment"]))
    }
}
