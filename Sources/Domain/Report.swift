import Foundation

/// The values a unit enters for one quarter: the typed counts and answers from which the 28
/// cells are derived. Totals and 无 ticks are never entered.
public struct ReportValues: Sendable, Hashable, Codable {
    public struct Standards: Sendable, Hashable, Codable {
        public var national: Int, verifiedLocal: Int, unverifiedLocal: Int
        public init(national: Int, verifiedLocal: Int, unverifiedLocal: Int) {
            self.national = national
            self.verifiedLocal = verifiedLocal
            self.unverifiedLocal = unverifiedLocal
        }
    }
    public struct Banks: Sendable, Hashable, Codable {
        public var national: Int, certifiedLocal: Int, uncertifiedLocal: Int
        public init(national: Int, certifiedLocal: Int, uncertifiedLocal: Int) {
            self.national = national
            self.certifiedLocal = certifiedLocal
            self.uncertifiedLocal = uncertifiedLocal
        }
    }
    public struct Cases: Sendable, Hashable, Codable {
        public var investigated: Int, uninvestigated: Int
        public var total: Int { investigated + uninvestigated }
        public init(investigated: Int, uninvestigated: Int) {
            self.investigated = investigated
            self.uninvestigated = uninvestigated
        }
    }
    public struct Payment: Sendable, Hashable, Codable {
        public var dueYuan: Money, paidYuan: Money
        public init(dueYuan: Money, paidYuan: Money) {
            self.dueYuan = dueYuan
            self.paidYuan = paidYuan
        }
        public var ratio: Ratio? { Ratio(paid: paidYuan, due: dueYuan) }
    }

    public var standards: Standards
    public var banks: Banks
    public var feeStandard: Bool
    public var overcharge: Cases
    public var crossRegion: Bool
    public var supervision: Bool
    public var violations: Cases
    public var forgery: Cases
    public var payment: Payment

    public init(
        standards: Standards, banks: Banks, feeStandard: Bool, overcharge: Cases, crossRegion: Bool,
        supervision: Bool, violations: Cases, forgery: Cases, payment: Payment
    ) {
        self.standards = standards
        self.banks = banks
        self.feeStandard = feeStandard
        self.overcharge = overcharge
        self.crossRegion = crossRegion
        self.supervision = supervision
        self.violations = violations
        self.forgery = forgery
        self.payment = payment
    }

    /// Every entered field as `key → printed value`, for the audit trail and form refills.
    public var fields: [(key: String, value: String)] {
        [
            ("standards.national", "\(standards.national)"),
            ("standards.verifiedLocal", "\(standards.verifiedLocal)"),
            ("standards.unverifiedLocal", "\(standards.unverifiedLocal)"),
            ("banks.national", "\(banks.national)"),
            ("banks.certifiedLocal", "\(banks.certifiedLocal)"),
            ("banks.uncertifiedLocal", "\(banks.uncertifiedLocal)"),
            ("feeStandard", "\(feeStandard)"),
            ("overcharge.investigated", "\(overcharge.investigated)"),
            ("overcharge.uninvestigated", "\(overcharge.uninvestigated)"),
            ("crossRegion", "\(crossRegion)"),
            ("supervision", "\(supervision)"),
            ("violations.investigated", "\(violations.investigated)"),
            ("violations.uninvestigated", "\(violations.uninvestigated)"),
            ("forgery.investigated", "\(forgery.investigated)"),
            ("forgery.uninvestigated", "\(forgery.uninvestigated)"),
            ("payment.dueYuan", payment.dueYuan.description),
            ("payment.paidYuan", payment.paidYuan.description),
        ]
    }

    public enum FieldKind: String, Sendable { case count, flag, money }

    /// The entered fields in form order, with the indicator column each one fills (a yes/no
    /// answer names its 有/是 column; the amounts name column 25, the first ratio they feed).
    public static let fieldColumns: [(key: String, column: Int, kind: FieldKind)] = [
        ("standards.national", 1, .count), ("standards.verifiedLocal", 2, .count), ("standards.unverifiedLocal", 3, .count),
        ("banks.national", 4, .count), ("banks.certifiedLocal", 5, .count), ("banks.uncertifiedLocal", 6, .count),
        ("feeStandard", 7, .flag), ("overcharge.investigated", 10, .count), ("overcharge.uninvestigated", 11, .count),
        ("crossRegion", 13, .flag), ("supervision", 15, .flag), ("violations.investigated", 18, .count),
        ("violations.uninvestigated", 19, .count), ("forgery.investigated", 22, .count),
        ("forgery.uninvestigated", 23, .count), ("payment.dueYuan", 25, .money), ("payment.paidYuan", 25, .money),
    ]

    /// The 28 cells of this report alone: its own year-to-date ratio fills column 24 + quarter.
    public func cells(quarter: Int) -> [Cell] {
        var ratios: [Int: Ratio?] = [:]
        ratios[quarter] = payment.ratio
        return cells(ratios: ratios)
    }

    /// The 28 cells with the payment ratios of the given quarters (others blank).
    public func cells(ratios: [Int: Ratio?]) -> [Cell] {
        var c: [Cell] = [
            .count(standards.national), .count(standards.verifiedLocal), .count(standards.unverifiedLocal),
            .count(banks.national), .count(banks.certifiedLocal), .count(banks.uncertifiedLocal),
            .tick(feeStandard), .tick(!feeStandard),
        ]
        c += Self.caseCells(overcharge)
        c += [.tick(crossRegion), .tick(!crossRegion), .tick(supervision), .tick(!supervision)]
        c += Self.caseCells(violations)
        c += Self.caseCells(forgery)
        for q in 1...4 { c.append(.percent(ratios[q] ?? nil)) }
        return c
    }

    static func caseCells(_ k: Cases) -> [Cell] {
        [.count(k.total), .count(k.investigated), .count(k.uninvestigated), .tick(k.total == 0)]
    }
}

/// A value in one of the 28 columns.
public enum Cell: Sendable, Hashable, Encodable {
    case count(Int)
    case tick(Bool)
    case percent(Ratio?)

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .count(let n): try c.encode(n)
        case .tick(let b): try c.encode(b)
        case .percent(let r?): try c.encode(Decimal(r.tenths) / 10)
        case .percent(nil): try c.encodeNil()
        }
    }

    /// Reads a cell back from JSON, as the column's kind says it was written.
    public init?(json: JSONValue, kind: ColumnKind) {
        switch (kind, json) {
        case (.count, .number(let d)): self = .count(NSDecimalNumber(decimal: d).intValue)
        case (.tick, .bool(let b)): self = .tick(b)
        case (.percent, .null): self = .percent(nil)
        case (.percent, .number(let d)):
            var tenths = d * 10
            var source = d * 10
            NSDecimalRound(&tenths, &source, 0, .plain)
            self = .percent(Ratio(tenths: NSDecimalNumber(decimal: tenths).int64Value))
        default: return nil
        }
    }

    /// As printed in a bulletin of `quarter`: ticks `√`; a ratio column of a later quarter is
    /// blank, one with nothing due `—`.
    public func printed(column: Int, quarter: Int) -> String {
        if column > 24 + quarter { return "" }
        return printed
    }

    /// As printed in the bulletin: ticks `√`, blank ratios `—`.
    public var printed: String {
        switch self {
        case .count(let n): "\(n)"
        case .tick(let b): b ? "√" : ""
        case .percent(let r?): r.description
        case .percent(nil): "—"
        }
    }
}

/// One refused value: which field and column, why, in English and Chinese.
public struct ValidationIssue: Sendable, Hashable, Codable {
    public let field: String
    public let column: Int?
    public let code: String
    public let message: String
    public let messageZh: String
    /// The spreadsheet cell the value was read from (`F9`), when it came from an uploaded form.
    public let cell: String?

    public init(field: String, column: Int?, code: String, message: String, messageZh: String, cell: String? = nil) {
        self.field = field
        self.column = column
        self.code = code
        self.message = message
        self.messageZh = messageZh
        self.cell = cell
    }

    /// An issue about a report field, its messages naming the column in both languages.
    static func report(_ field: String, column: Int?, code: String, en: String, zh: String) -> ValidationIssue {
        guard let column else {
            return ValidationIssue(field: field, column: nil, code: code, message: "\(field): \(en)", messageZh: "\(field)：\(zh)")
        }
        let col = Catalogue.column(column)
        return ValidationIssue(
            field: field, column: column, code: code,
            message: "Column \(column) (\(col.english)), \(field): \(en)",
            messageZh: "第\(column)列（\(col.path.last!)）\(field)：\(zh)")
    }
}

/// The refused values of one request, all of them.
public struct ValidationFailure: Error, Sendable {
    public let issues: [ValidationIssue]
    public init(issues: [ValidationIssue]) { self.issues = issues }
}

extension ReportValues {
    /// The largest count accepted in one cell.
    public static let maxCount = 1_000_000

    /// Reads report values from a JSON document, collecting every problem instead of
    /// stopping at the first.
    public static func parse(_ json: JSONValue) -> Result<ReportValues, ValidationFailure> {
        var issues: [ValidationIssue] = []
        guard case .object(let root) = json else {
            return .failure(
                ValidationFailure(issues: [
                    .report(
                        "", column: nil, code: "not_object",
                        en: "the report must be a JSON object", zh: "报表必须是 JSON 对象")
                ]))
        }
        let groups: [String: [String]] = [
            "standards": ["national", "verifiedLocal", "unverifiedLocal"],
            "banks": ["national", "certifiedLocal", "uncertifiedLocal"],
            "overcharge": ["investigated", "uninvestigated"],
            "violations": ["investigated", "uninvestigated"],
            "forgery": ["investigated", "uninvestigated"],
            "payment": ["dueYuan", "paidYuan"],
        ]
        let flags = ["feeStandard", "crossRegion", "supervision"]
        for key in root.keys.sorted() where groups[key] == nil && !flags.contains(key) {
            issues.append(.report(key, column: nil, code: "unknown_field", en: "is not a report field", zh: "不是报表字段"))
        }

        func object(_ name: String) -> [String: JSONValue]? {
            switch root[name] {
            case .object(let o)?:
                for k in o.keys.sorted() where !(groups[name]!.contains(k)) {
                    let field = "\(name).\(k)"
                    if ["total", "none"].contains(k) {
                        issues.append(
                            .report(
                                field, column: Catalogue.columnNumber(forKey: name), code: "derived_field",
                                en: "is derived from the investigated and uninvestigated counts; do not enter it",
                                zh: "由已查处、未查处数自动得出，不应填写"))
                    } else {
                        issues.append(
                            .report(field, column: nil, code: "unknown_field", en: "is not a report field", zh: "不是报表字段"))
                    }
                }
                return o
            case nil, .null?:
                let column = Catalogue.columnNumber(forKey: "\(name).\(groups[name]![0])") ?? Catalogue.columnNumber(forKey: name)
                issues.append(.report(name, column: column, code: "required", en: "is required", zh: "必须填写"))
                return nil
            case let v?:
                issues.append(
                    .report(name, column: nil, code: "not_object", en: "must be an object, not \(v.typeName)", zh: "必须是对象"))
                return nil
            }
        }

        func count(_ group: [String: JSONValue]?, _ name: String, _ key: String) -> Int {
            guard let group else { return 0 }
            let field = "\(name).\(key)"
            let column = Catalogue.columnNumber(forKey: field)
            switch group[key] {
            case nil, .null?:
                issues.append(.report(field, column: column, code: "required", en: "is required", zh: "必须填写"))
            case .number(let d)?:
                var rounded = d
                var source = d
                NSDecimalRound(&rounded, &source, 0, .plain)
                if rounded != d {
                    issues.append(.report(field, column: column, code: "not_integer", en: "must be a whole number", zh: "必须是整数"))
                } else if d < 0 {
                    issues.append(.report(field, column: column, code: "negative", en: "must not be negative", zh: "不能为负数"))
                } else if d > Decimal(maxCount) {
                    issues.append(
                        .report(
                            field, column: column, code: "too_large",
                            en: "must be at most \(maxCount)", zh: "不能超过\(maxCount)"))
                } else {
                    return NSDecimalNumber(decimal: d).intValue
                }
            case let v?:
                issues.append(
                    .report(
                        field, column: column, code: "not_integer",
                        en: "must be a whole number, not \(v.typeName)", zh: "必须是整数"))
            }
            return 0
        }

        func flag(_ name: String) -> Bool {
            let column = Catalogue.columnNumber(forKey: name)
            switch root[name] {
            case .bool(let b)?: return b
            case nil, .null?:
                issues.append(
                    .report(
                        name, column: column, code: "required", en: "is required: tick exactly one of the pair",
                        zh: "必须填写：两栏中必须且只能勾选一栏"))
            case let v?:
                issues.append(
                    .report(
                        name, column: column, code: "not_boolean",
                        en: "must be true or false, not \(v.typeName)", zh: "必须为是或否（true/false）"))
            }
            return false
        }

        func money(_ group: [String: JSONValue]?, _ key: String) -> Money {
            guard let group else { return .zero }
            let field = "payment.\(key)"
            let text: String
            switch group[key] {
            case .string(let s)?: text = s
            case .number(let d)?: text = d.description
            case nil, .null?:
                issues.append(.report(field, column: 25, code: "required", en: "is required", zh: "必须填写"))
                return .zero
            case let v?:
                issues.append(
                    .report(
                        field, column: 25, code: "invalid_money",
                        en: "must be an amount in yuan such as \"1200.50\", not \(v.typeName)",
                        zh: "必须是以元为单位的金额，如\"1200.50\""))
                return .zero
            }
            switch Money.parse(text) {
            case .success(let m): return m
            case .failure(.negative):
                issues.append(.report(field, column: 25, code: "negative", en: "must not be negative", zh: "不能为负数"))
            case .failure(.tooManyDecimals):
                issues.append(
                    .report(
                        field, column: 25, code: "too_many_decimals",
                        en: "must have at most two decimals (fen)", zh: "最多两位小数（分）"))
            case .failure(.tooLarge):
                issues.append(.report(field, column: 25, code: "too_large", en: "is implausibly large", zh: "金额过大"))
            case .failure(.malformed):
                issues.append(
                    .report(
                        field, column: 25, code: "invalid_money",
                        en: "must be an amount in yuan such as \"1200.50\"", zh: "必须是以元为单位的金额，如\"1200.50\""))
            }
            return .zero
        }

        let s = object("standards")
        let b = object("banks")
        let o = object("overcharge")
        let v = object("violations")
        let f = object("forgery")
        let p = object("payment")
        let values = ReportValues(
            standards: .init(
                national: count(s, "standards", "national"),
                verifiedLocal: count(s, "standards", "verifiedLocal"),
                unverifiedLocal: count(s, "standards", "unverifiedLocal")),
            banks: .init(
                national: count(b, "banks", "national"), certifiedLocal: count(b, "banks", "certifiedLocal"),
                uncertifiedLocal: count(b, "banks", "uncertifiedLocal")),
            feeStandard: flag("feeStandard"),
            overcharge: .init(
                investigated: count(o, "overcharge", "investigated"),
                uninvestigated: count(o, "overcharge", "uninvestigated")),
            crossRegion: flag("crossRegion"),
            supervision: flag("supervision"),
            violations: .init(
                investigated: count(v, "violations", "investigated"),
                uninvestigated: count(v, "violations", "uninvestigated")),
            forgery: .init(
                investigated: count(f, "forgery", "investigated"),
                uninvestigated: count(f, "forgery", "uninvestigated")),
            payment: .init(dueYuan: money(p, "dueYuan"), paidYuan: money(p, "paidYuan")))
        return issues.isEmpty ? .success(values) : .failure(ValidationFailure(issues: issues))
    }

    /// Cumulative amounts never decrease within a year: this quarter's due and paid lie
    /// between the previous quarter's and the next quarter's reports, where those exist.
    public func cumulativeIssues(period: Period, previous: Payment?, next: Payment?) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        let column = Catalogue.paymentColumn(quarter: period.quarter)
        for (key, mine, prev, nxt) in [
            ("payment.dueYuan", payment.dueYuan, previous?.dueYuan, next?.dueYuan),
            ("payment.paidYuan", payment.paidYuan, previous?.paidYuan, next?.paidYuan),
        ] {
            if let prev, mine < prev {
                issues.append(
                    .report(
                        key, column: column, code: "cumulative_decrease",
                        en: "is cumulative from 1 January and cannot fall below \(prev) yuan reported for \(period.previous)",
                        zh: "为自1月1日起的累计数，不能少于\(period.previous)已报的\(prev)元"))
            }
            if let nxt, mine > nxt {
                issues.append(
                    .report(
                        key, column: column, code: "cumulative_exceeds_next",
                        en: "is cumulative and cannot exceed \(nxt) yuan already reported for \(period.next)",
                        zh: "为累计数，不能超过\(period.next)已报的\(nxt)元"))
            }
        }
        return issues
    }
}
