import Foundation
import Testing

@testable import Domain

@Suite struct DocumentNumberTests {
    @Test(arguments: ["人社鉴通〔2025〕3号", "劳社鉴函〔2003〕1号", "人社部发〔2026〕9999号"])
    func parses(_ text: String) throws {
        let n = try #require(DocumentNumber(text))
        #expect(n.text == text)
    }

    @Test(arguments: [
        "", "人社鉴通〔2025〕03号", "人社鉴通〔2025〕0号", "人社鉴通〔2025〕10000号", "人社鉴通(2025)3号", "人社鉴通〔25〕3号",
        "人社鉴通〔2025〕3", "A社鉴通〔2025〕3号", "人〔2025〕3号", "人社鉴通〔2025〕３号", "人社鉴通〔2025〕3号号",
        "人社鉴通〔1800〕3号", "〔2025〕3号",
    ])
    func refuses(_ text: String) {
        #expect(DocumentNumber(text) == nil)
    }
}

@Suite struct RankingTests {
    /// Worked by hand: A and B both have 1 finding and 90 %, A late → B 1, A 2 (ties broken by
    /// timeliness); C 1 finding 95 % → 1 ahead of both; D 0 findings → first; E and F not
    /// reported → tie after everyone; G 1 finding nothing due (as 100 %) → ahead of C.
    @Test func ordersByFindingsThenPaymentThenTimeliness_withMissingUnitsLast() {
        let keys = [
            Ranking.key(findings: 1, reported: true, late: true, ytd: Ratio(tenths: 900)),  // A
            Ranking.key(findings: 1, reported: true, late: false, ytd: Ratio(tenths: 900)),  // B
            Ranking.key(findings: 1, reported: true, late: false, ytd: Ratio(tenths: 950)),  // C
            Ranking.key(findings: 0, reported: true, late: false, ytd: Ratio(tenths: 10)),  // D
            Ranking.key(findings: 1, reported: false, late: false, ytd: nil),  // E
            Ranking.key(findings: 1, reported: false, late: false, ytd: nil),  // F
            Ranking.key(findings: 1, reported: true, late: false, ytd: nil),  // G
        ]
        #expect(Ranking.ranks(keys) == [5, 4, 3, 1, 6, 6, 2])
    }

    @Test func equalKeysShareARank_andTheNextSkips() {
        let k = Ranking.key(findings: 2, reported: true, late: false, ytd: Ratio(tenths: 800))
        let better = Ranking.key(findings: 1, reported: true, late: false, ytd: Ratio(tenths: 800))
        #expect(Ranking.ranks([k, better, k, k]) == [2, 1, 2, 2])
        #expect(Ranking.ranks([]) == [])
    }

    @Test func compile_ranksAndComparesWithThePreviousQuarter() {
        let values = ReportValues(
            standards: .init(national: 1, verifiedLocal: 0, unverifiedLocal: 0),
            banks: .init(national: 1, certifiedLocal: 0, uncertifiedLocal: 0), feeStandard: true,
            overcharge: .init(investigated: 0, uninvestigated: 0), crossRegion: false, supervision: true,
            violations: .init(investigated: 0, uninvestigated: 0), forgery: .init(investigated: 0, uninvestigated: 0),
            payment: .init(dueYuan: Money(fen: 100_00), paidYuan: Money(fen: 100_00)))
        var worse = values
        worse.feeStandard = false
        let units = ["1", "2", "3"].map { UnitInfo(code: $0, name: "单位\($0)", kind: "region") }
        let b = Bulletin.compile(
            period: Period("2026Q2")!, units: units,
            reports: ["1": .init(values: worse, late: false), "2": .init(values: values, late: false)],
            yearPayments: [:], previous: [:], threshold: Ratio(tenths: 1000), deadlineDays: 15,
            now: Date(timeIntervalSince1970: 2_000_000_000), previousRanks: ["1": 1, "2": 2])
        #expect(b.rows.map(\.rank) == [2, 1, 3])

        // Amounts run from 1 January: A paid nothing in Q1 and all by Q2 (100 %), B 80 of 100 all
        // year (80 %); summing the quarters' running totals would have put B first.
        var a = values
        a.payment = .init(dueYuan: Money(fen: 100_00), paidYuan: Money(fen: 100_00))
        var bv = values
        bv.payment = .init(dueYuan: Money(fen: 100_00), paidYuan: Money(fen: 80_00))
        let running = Bulletin.compile(
            period: Period("2026Q2")!, units: Array(units.prefix(2)),
            reports: ["1": .init(values: a, late: false), "2": .init(values: bv, late: false)],
            yearPayments: [
                1: [
                    "1": .init(dueYuan: Money(fen: 100_00), paidYuan: Money(fen: 0)),
                    "2": .init(dueYuan: Money(fen: 100_00), paidYuan: Money(fen: 80_00)),
                ]
            ], previous: [:], threshold: Ratio(tenths: 500), deadlineDays: 15,
            now: Date(timeIntervalSince1970: 2_000_000_000))
        #expect(running.rows.map(\.rank) == [1, 2])
        #expect(b.rows.map(\.rankChange) == [-1, 1, nil])
        #expect(b.overviewDraft().hasPrefix("2026年第二季度，应报送质量统计报表的单位共3个，按时报送2个，逾期报送0个，未报送1个。"))
        #expect(b.problemsDraft().components(separatedBy: "\n") == ["单位1：无政府规定的收费标准。", "单位3：截至2026-07-15未报送报表。"])
    }
}
