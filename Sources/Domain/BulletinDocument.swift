import Foundation

/// What makes a bulletin an official document (公文): its number (文号), its date of issue and
/// its three narrative sections, each plain text whose paragraphs are separated by line breaks.
public struct BulletinDocument: Sendable, Codable, Equatable {
    /// 人社鉴通〔2025〕3号: see `DocumentNumber`.
    public let documentNumber: String
    /// `YYYY-MM-DD`, a Beijing day.
    public let issuedOn: String
    /// 总体情况
    public let overview: String
    /// 存在问题
    public let problems: String
    /// 整改要求
    public let requirements: String

    public init(documentNumber: String, issuedOn: String, overview: String, problems: String, requirements: String) {
        self.documentNumber = documentNumber
        self.issuedOn = issuedOn
        self.overview = overview
        self.problems = problems
        self.requirements = requirements
    }

    /// The paragraphs of a section: its lines, trimmed, blank ones dropped.
    public static func paragraphs(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// A document number as GB/T 9704-2012 §7.2.4 writes it: the issuer's code (机关代字), the year in
/// hexagonal brackets 〔〕, and a serial number without leading zeros (不编虚位) followed by 号.
public struct DocumentNumber: Sendable, Hashable {
    public let issuerCode: String
    public let year: Int
    public let serial: Int

    /// Parses `人社鉴通〔2025〕3号`. The issuer's code is 2–12 Chinese characters; the year four
    /// digits; the serial 1–9999 without leading zeros. Anything else is nil.
    public init?(_ text: String) {
        guard let open = text.firstIndex(of: "〔"), let close = text.firstIndex(of: "〕"), open < close,
            text.hasSuffix("号")
        else { return nil }
        let issuer = text[..<open]
        let year = text[text.index(after: open)..<close]
        let serial = text[text.index(after: close)..<text.index(before: text.endIndex)]
        guard (2...12).contains(issuer.count), issuer.unicodeScalars.allSatisfy(Self.isHan),
            year.count == 4, year.allSatisfy(\.isASCIIDigit), let y = Int(year), (1990...2999).contains(y),
            (1...4).contains(serial.count), serial.allSatisfy(\.isASCIIDigit), serial.first != "0",
            let n = Int(serial)
        else { return nil }
        issuerCode = String(issuer)
        self.year = y
        self.serial = n
    }

    public var text: String { "\(issuerCode)〔\(year)〕\(serial)号" }

    static func isHan(_ s: Unicode.Scalar) -> Bool {
        (0x4E00...0x9FFF).contains(s.value) || (0x3400...0x4DBF).contains(s.value)
    }
}

/// A rectification task of an earlier bulletin that a later one lists against its unit.
public struct OutstandingTask: Sendable, Codable, Equatable {
    public let id: String
    /// The period of the bulletin whose finding it came from.
    public let period: String
    /// The finding's code (`Finding.code`).
    public let code: String
    public let message: String
    public let messageZh: String
    /// `YYYY-MM-DD`, a Beijing day.
    public let dueOn: String
    /// `open` or `reopened`.
    public let status: String
    /// Open after its due day (a reopened task is listed whether or not it is late).
    public let overdue: Bool

    public init(
        id: String, period: String, code: String, message: String, messageZh: String, dueOn: String, status: String,
        overdue: Bool
    ) {
        self.id = id
        self.period = period
        self.code = code
        self.message = message
        self.messageZh = messageZh
        self.dueOn = dueOn
        self.status = status
        self.overdue = overdue
    }
}

/// The bulletin's ranking rule (排名规则), on the 28 indicators:
/// 1. fewer findings first (a late report is a finding too);
/// 2. then the higher year-to-date payment ratio (the quarter's column of 25–28: paid ÷ due, both
///    counted from 1 January); a unit with nothing due ranks as if it had paid in full;
/// 3. then timeliness: on time before late.
/// A unit that has not reported has no indicators to rank on: all such units share the place
/// after every unit that reported (not reporting never ranks above reporting a finding).
/// Units equal on every key share a rank, and the next rank skips (1, 2, 2, 4).
public enum Ranking {
    public struct Key: Sendable, Equatable, Comparable {
        public let reported: Bool
        public let findings: Int
        /// Tenths of a percent, higher is better.
        public let paymentTenths: Int64
        /// 0 on time, 1 late (2 not reported).
        public let timeliness: Int

        public init(reported: Bool, findings: Int, paymentTenths: Int64, timeliness: Int) {
            self.reported = reported
            self.findings = findings
            self.paymentTenths = paymentTenths
            self.timeliness = timeliness
        }

        public static func < (a: Key, b: Key) -> Bool {
            (a.reported ? 0 : 1, a.findings, -a.paymentTenths, a.timeliness)
                < (b.reported ? 0 : 1, b.findings, -b.paymentTenths, b.timeliness)
        }
    }

    /// The key of one unit: `ytd` is its year-to-date ratio (nil when nothing was due).
    public static func key(findings: Int, reported: Bool, late: Bool, ytd: Ratio?) -> Key {
        reported
            ? Key(reported: true, findings: findings, paymentTenths: ytd?.tenths ?? 1000, timeliness: late ? 1 : 0)
            : Key(reported: false, findings: 0, paymentTenths: 0, timeliness: 2)
    }

    /// Competition ranks of the keys, in their order.
    public static func ranks(_ keys: [Key]) -> [Int] {
        let order = keys.indices.sorted { keys[$0] < keys[$1] }
        var ranks = [Int](repeating: 0, count: keys.count)
        for (place, i) in order.enumerated() {
            if place > 0, keys[order[place - 1]] == keys[i] {
                ranks[i] = ranks[order[place - 1]]
            } else {
                ranks[i] = place + 1
            }
        }
        return ranks
    }
}

extension Bulletin {
    /// Ranks the rows by `Ranking`, with each row's change against `previousRanks`.
    mutating func rank(ytd: [String: Ratio?], previousRanks: [String: Int]) {
        let keys = rows.map {
            Ranking.key(findings: $0.findings.count, reported: $0.reported, late: $0.late, ytd: ytd[$0.unitCode] ?? nil)
        }
        for (i, r) in Ranking.ranks(keys).enumerated() {
            rows[i].rank = r
            rows[i].rankChange = previousRanks[rows[i].unitCode].map { $0 - r }
        }
    }

    /// The rows best first; units sharing a rank keep the bulletin's order.
    public var rowsByRank: [Row] {
        rows.enumerated().sorted { ($0.element.rank ?? .max, $0.offset) < ($1.element.rank ?? .max, $1.offset) }
            .map(\.element)
    }

    /// Each unit's rank in this bulletin.
    public var ranks: [String: Int] {
        Dictionary(rows.compactMap { r in r.rank.map { (r.unitCode, $0) } }, uniquingKeysWith: { a, _ in a })
    }

    /// The narrative a revision starts from, section by section: the text it carries over from
    /// the previous revision, or else the drafts from the figures (tasks due on `dueOn`).
    public func startingNarrative(dueOn: String) -> (overview: String, problems: String, requirements: String) {
        (
            document?.overview ?? overviewDraft(), document?.problems ?? problemsDraft(),
            document?.requirements ?? Self.requirementsDraft(dueOn: dueOn)
        )
    }

    /// A first draft of 总体情况 from the figures: how many units reported, on time, late and
    /// not at all; the findings by kind; the payment ratio so far this year.
    public func overviewDraft() -> String {
        let name = Period(period)?.nameZh ?? period
        let reported = rows.filter(\.reported)
        let late = reported.filter(\.late).count
        var lines: [String] = []
        lines.append(
            "\(name)，应报送质量统计报表的单位共\(rows.count)个，按时报送\(reported.count - late)个，"
                + "逾期报送\(late)个，未报送\(rows.count - reported.count)个。")
        var byKind: [String: (label: String, count: Int)] = [:]
        var order: [String] = []
        for f in rows.flatMap(\.findings) {
            if byKind[f.code] == nil {
                order.append(f.code)
                byKind[f.code] = (Self.findingKinds[f.code] ?? f.code, 0)
            }
            byKind[f.code]!.count += 1
        }
        let count = order.reduce(0) { $0 + byKind[$1]!.count }
        let flagged = rows.filter { !$0.findings.isEmpty }.count
        if count == 0 {
            lines.append("各单位报表均未发现需要通报的问题。")
        } else {
            let kinds = order.map { "\(byKind[$0]!.label)\(byKind[$0]!.count)个单位" }.joined(separator: "，")
            lines.append("共有\(flagged)个单位被通报问题\(count)项，其中\(kinds)。")
        }
        if let q = Period(period)?.quarter, case .percent(let r)? = total.cells[Catalogue.paymentColumn(quarter: q) - 1] {
            if let r {
                lines.append("截至本季度末，全年证书工本费缴款比例为\(r)%。")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A first draft of 存在问题: one paragraph per unit with findings, in rank order.
    public func problemsDraft() -> String {
        let ranked = rowsByRank.filter { !$0.findings.isEmpty }
        if ranked.isEmpty { return "本季度未发现需要通报的问题。" }
        return ranked.map { "\($0.unitName)：\($0.findings.map(\.messageZh).joined(separator: "；"))。" }
            .joined(separator: "\n")
    }

    /// A first draft of 整改要求, naming the day rectification is due.
    public static func requirementsDraft(dueOn: String) -> String {
        [
            "各被通报单位要高度重视，认真查找原因，逐项落实整改，于\(dueOn)前在系统中报告整改情况。",
            "逾期未完成整改或整改不到位的，将在下一期通报中列明。",
        ].joined(separator: "\n")
    }

    /// The kinds of findings as 总体情况 names them.
    static let findingKinds: [String: String] = [
        "unverified_local_standards": "使用未经论证的地方（行业）标准",
        "uncertified_local_banks": "使用未经认定的地方（行业）题库",
        "no_fee_standard": "无收费标准",
        "overcharge_cases": "有超标准收费",
        "overcharge_uninvestigated": "超标准收费未查处",
        "cross_region": "跨地区或超范围鉴定",
        "no_supervision": "未开展质量督导",
        "violations_uninvestigated": "违规违纪未查处",
        "forgery_uninvestigated": "自制私制证书举报未查处",
        "payment_below_threshold": "证书缴款比例偏低",
        "report_late": "逾期报送",
        "report_missing": "未报送",
    ]
}
