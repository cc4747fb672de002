import Foundation

/// A reporting unit: a region (地区) or an industry (行业).
public struct UnitInfo: Sendable, Hashable, Codable {
    public let code: String
    public let name: String
    public let kind: String
    public init(code: String, name: String, kind: String) {
        self.code = code
        self.name = name
        self.kind = kind
    }
}

/// A unit's report as it enters the bulletin (its latest accepted revision).
public struct BulletinReport: Sendable {
    public let values: ReportValues
    public let late: Bool
    public init(values: ReportValues, late: Bool) {
        self.values = values
        self.late = late
    }
}

/// The public bulletin (质量通报) of one quarter.
public struct Bulletin: Sendable, Codable, Equatable {
    public struct ColumnInfo: Sendable, Codable, Equatable {
        public let number: Int
        public let path: [String]
        public let kind: String
    }
    public struct Row: Sendable, Codable, Equatable {
        public let unitCode: String
        public let unitName: String
        public let kind: String
        public let reported: Bool
        public let late: Bool
        /// 28 cells; all null when the unit did not report.
        public let cells: [Cell?]
        /// For count columns: the change against the previous quarter's bulletin row, when both exist.
        public let change: [Int?]
        public let findings: [Finding]
        /// 1 is best; units equal on every key of `Ranking` share a rank (1, 2, 2, 4).
        public internal(set) var rank: Int?
        /// Places gained against the previous quarter's published bulletin (negative: lost);
        /// nil when that bulletin did not rank this unit.
        public internal(set) var rankChange: Int?
        /// Rectification tasks of earlier bulletins still owed: reopened, or open past their due day.
        public internal(set) var rectifications: [OutstandingTask]

        init(
            unitCode: String, unitName: String, kind: String, reported: Bool, late: Bool, cells: [Cell?],
            change: [Int?], findings: [Finding]
        ) {
            self.unitCode = unitCode
            self.unitName = unitName
            self.kind = kind
            self.reported = reported
            self.late = late
            self.cells = cells
            self.change = change
            self.findings = findings
            self.rank = nil
            self.rankChange = nil
            self.rectifications = []
        }

        /// JSON does not say which number is a count and which a ratio: the catalogue does.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            unitCode = try c.decode(String.self, forKey: .unitCode)
            unitName = try c.decode(String.self, forKey: .unitName)
            kind = try c.decode(String.self, forKey: .kind)
            reported = try c.decode(Bool.self, forKey: .reported)
            late = try c.decode(Bool.self, forKey: .late)
            change = try c.decode([Int?].self, forKey: .change)
            findings = try c.decode([Finding].self, forKey: .findings)
            // Revisions published before ranking and rectification carry neither.
            rank = try c.decodeIfPresent(Int.self, forKey: .rank)
            rankChange = try c.decodeIfPresent(Int.self, forKey: .rankChange)
            rectifications = try c.decodeIfPresent([OutstandingTask].self, forKey: .rectifications) ?? []
            let raw = try c.decode([JSONValue].self, forKey: .cells)
            let reported = reported
            cells = zip(raw, Catalogue.columns).map { v, col in reported ? Cell(json: v, kind: col.kind) : nil }
        }
    }
    public struct Total: Sendable, Codable, Equatable {
        public let cells: [Cell?]

        init(cells: [Cell?]) { self.cells = cells }

        /// In the total row a tick column holds the number of units that ticked it.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let raw = try c.decode([JSONValue].self, forKey: .cells)
            cells = zip(raw, Catalogue.columns).map { v, col in
                if case .null = v, col.kind != .percent { return nil }
                return Cell(json: v, kind: col.kind == .tick ? .count : col.kind)
            }
        }
    }
    public struct Change: Sendable, Codable, Equatable {
        public let unitCode: String
        public let unitName: String
        public let column: Int?
        public let old: String
        public let new: String
    }

    public let period: String
    public var status: String
    public var revision: Int
    public var publishedAt: Date?
    public let deadline: String
    public let columns: [ColumnInfo]
    public internal(set) var rows: [Row]
    public let total: Total
    public let missing: [String]
    /// What changed against the previous published revision (empty for the first).
    public var changes: [Change]
    /// The official document's number, date and narrative; nil in a draft not yet given them
    /// and in revisions published before bulletins became documents.
    public var document: BulletinDocument?

    /// A revision after the first is a correction (更正) of the same document.
    public var isCorrection: Bool { revision > 1 }

    /// The quarter (1…4) of this bulletin's period.
    public var quarter: Int { Period(period)?.quarter ?? 4 }

    /// A cell as printed in this bulletin (ratio columns of later quarters blank).
    public func printed(_ cell: Cell?, column: Int) -> String {
        cell?.printed(column: column, quarter: quarter) ?? ""
    }

    public static var columnInfos: [ColumnInfo] {
        Catalogue.columns.map { ColumnInfo(number: $0.number, path: $0.path, kind: $0.kind.rawValue) }
    }

    /// Compiles the bulletin of `period` from the accepted reports.
    /// - Parameters:
    ///   - units: every active unit, regions by code then industries by code.
    ///   - reports: this quarter's reports by unit code.
    ///   - yearPayments: the payment figures of this year's earlier quarters (1…n-1) by quarter and unit.
    ///   - previous: the previous quarter's reports, for the change columns.
    ///   - previousRanks: the ranks in the previous quarter's published bulletin, for `rankChange`.
    ///   - outstanding: rectification tasks of earlier bulletins still owed, by unit code.
    public static func compile(
        period: Period, units: [UnitInfo], reports: [String: BulletinReport],
        yearPayments: [Int: [String: ReportValues.Payment]],
        previous: [String: ReportValues], threshold: Ratio,
        deadlineDays: Int, now: Date, previousRanks: [String: Int] = [:],
        outstanding: [String: [OutstandingTask]] = [:]
    ) -> Bulletin {
        let deadline = period.deadline(days: deadlineDays)
        let deadlineText = period.deadlineDay(days: deadlineDays)
        var payments = yearPayments
        for (code, r) in reports { payments[period.quarter, default: [:]][code] = r.values.payment }

        var rows: [Row] = []
        var missing: [String] = []
        for unit in units {
            guard let report = reports[unit.code] else {
                missing.append(unit.code)
                rows.append(
                    Row(
                        unitCode: unit.code, unitName: unit.name, kind: unit.kind, reported: false, late: false,
                        cells: Array(repeating: nil, count: 28), change: Array(repeating: nil, count: 28),
                        findings: [Findings.missing(deadline: deadlineText, passed: now >= deadline)]))
                continue
            }
            var ratios: [Int: Ratio?] = [:]
            for q in 1...period.quarter { ratios[q] = payments[q]?[unit.code]?.ratio }
            // Later quarters have no ratio yet; `printed(_:column:quarter:)` leaves them blank.
            let cells: [Cell?] = report.values.cells(ratios: ratios)
            var change = [Int?](repeating: nil, count: 28)
            if let prev = previous[unit.code] {
                for (i, pair) in zip(cells, prev.cells(quarter: 1)).enumerated() {
                    if case .count(let a)? = pair.0, case .count(let b) = pair.1 { change[i] = a - b }
                }
            }
            var findings = Findings.of(report.values, quarter: period.quarter, threshold: threshold)
            if report.late { findings.append(Findings.late(deadline: deadlineText)) }
            rows.append(
                Row(
                    unitCode: unit.code, unitName: unit.name, kind: unit.kind, reported: true, late: report.late,
                    cells: cells, change: change, findings: findings))
        }

        // The total row: sums of counts, numbers of units ticking, and Σpaid ÷ Σdue.
        var total = [Cell?](repeating: nil, count: 28)
        let reportedRows = rows.filter(\.reported)
        for column in Catalogue.columns {
            let i = column.number - 1
            switch column.kind {
            case .count:
                total[i] = .count(
                    reportedRows.reduce(0) { acc, r in
                        if case .count(let n)? = r.cells[i] { return acc + n } else { return acc }
                    })
            case .tick:
                total[i] = .count(reportedRows.filter { $0.cells[i] == .tick(true) }.count)
            case .percent:
                let q = column.number - 24
                if q <= period.quarter {
                    let figures = units.compactMap { payments[q]?[$0.code] }
                    let due = figures.reduce(Money.zero) { $0 + $1.dueYuan }
                    let paid = figures.reduce(Money.zero) { $0 + $1.paidYuan }
                    total[i] = .percent(Ratio(paid: paid, due: due))
                } else {
                    total[i] = .percent(nil)
                }
            }
        }
        for i in rows.indices { rows[i].rectifications = outstanding[rows[i].unitCode] ?? [] }
        // A report's amounts run from 1 January, so its own ratio is the year's so far (column 24 + q).
        var ytd: [String: Ratio?] = [:]
        for unit in units { ytd[unit.code] = payments[period.quarter]?[unit.code]?.ratio }
        var b = Bulletin(
            period: period.description, status: "draft", revision: 1, publishedAt: nil,
            deadline: deadlineText, columns: columnInfos, rows: rows, total: Total(cells: total),
            missing: missing, changes: [])
        b.rank(ytd: ytd, previousRanks: previousRanks)
        return b
    }

    /// The differences between an earlier revision and this one, cell by cell.
    public func changes(since old: Bulletin) -> [Change] {
        var result: [Change] = []
        let oldRows = Dictionary(old.rows.map { ($0.unitCode, $0) }, uniquingKeysWith: { a, _ in a })
        for row in rows {
            guard let before = oldRows[row.unitCode] else {
                result.append(
                    Change(unitCode: row.unitCode, unitName: row.unitName, column: nil, old: "", new: row.reported ? "已报" : "未报"))
                continue
            }
            if before.reported != row.reported {
                result.append(
                    Change(
                        unitCode: row.unitCode, unitName: row.unitName, column: nil,
                        old: before.reported ? "已报" : "未报", new: row.reported ? "已报" : "未报"))
            }
            for i in 0..<28 where before.cells[i] != row.cells[i] {
                result.append(
                    Change(
                        unitCode: row.unitCode, unitName: row.unitName, column: i + 1,
                        old: before.cells[i]?.printed ?? "", new: row.cells[i]?.printed ?? ""))
            }
        }
        for (i, (a, b)) in zip(old.total.cells, total.cells).enumerated() where a != b {
            result.append(Change(unitCode: "", unitName: "合计", column: i + 1, old: a?.printed ?? "", new: b?.printed ?? ""))
        }
        return result
    }

    /// True when the tables are the same (revision, status and timestamps aside).
    /// Outstanding rectification tasks are a snapshot of the day of publication, not the table:
    /// a later task's progress is no reason for a correction.
    public func sameTable(as other: Bulletin) -> Bool {
        func table(_ rows: [Row]) -> [Row] {
            rows.map {
                var r = $0
                r.rectifications = []
                return r
            }
        }
        return table(rows) == table(other.rows) && total == other.total && missing == other.missing
    }

    /// A correction's changes to the narrative: one entry per section rewritten.
    public func documentChanges(since old: Bulletin) -> [Change] {
        guard let new = document, let before = old.document else { return [] }
        var result: [Change] = []
        if before.issuedOn != new.issuedOn {
            result.append(Change(unitCode: "", unitName: "成文日期", column: nil, old: before.issuedOn, new: new.issuedOn))
        }
        for (label, a, b) in [
            ("总体情况", before.overview, new.overview), ("存在问题", before.problems, new.problems),
            ("整改要求", before.requirements, new.requirements),
        ] where a != b {
            result.append(Change(unitCode: "", unitName: label, column: nil, old: a, new: b))
        }
        return result
    }
}
