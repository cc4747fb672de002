import Foundation

/// Quality supervision (质量督导): who may be dispatched to an exam session, the random draw, and
/// the report a dispatched supervisor files. Pure: the facts come in as values.
public enum Supervision {
    // MARK: Eligibility

    /// A supervisor of the ministry's register as dispatch sees it.
    public struct Candidate: Sendable, Hashable {
        public let id: UUID
        /// The home unit: a supervisor is never sent to a station of their own unit.
        public let homeUnit: String
        public let active: Bool
        public let validUntil: String?
        /// The occupations the supervisor is qualified for (codes of the occupation register).
        public let occupations: Set<String>
        public init(id: UUID, homeUnit: String, active: Bool, validUntil: String?, occupations: Set<String>) {
            self.id = id
            self.homeUnit = homeUnit
            self.active = active
            self.validUntil = validUntil
            self.occupations = occupations
        }
    }

    /// The session a supervisor would be dispatched to.
    public struct SessionFacts: Sendable, Hashable {
        public let date: String
        public let occupation: String
        /// The unit the session's station belongs to.
        public let stationUnit: String
        public init(date: String, occupation: String, stationUnit: String) {
            self.date = date
            self.occupation = occupation
            self.stationUnit = stationUnit
        }
    }

    /// Why a supervisor cannot be dispatched to a session; the first that applies.
    public enum Refusal: String, Sendable, CaseIterable {
        case inactive
        /// No licence end date recorded, or it ends before the session's day.
        case licenceExpired = "licence_expired"
        /// The tie rule: the supervisor's home unit is the unit of the session's station.
        case tiedToStation = "tied_to_station"
        /// The session's occupation is not among the supervisor's.
        case occupationNotCovered = "occupation_not_covered"

        public var message: String {
            switch self {
            case .inactive: "The supervisor is deactivated"
            case .licenceExpired: "The supervisor's licence is not valid on the session's day"
            case .tiedToStation: "The supervisor's home unit runs this station (no supervisor checks their own unit)"
            case .occupationNotCovered: "The supervisor is not qualified for the session's occupation"
            }
        }

        public var messageZh: String {
            switch self {
            case .inactive: "该督导员已停用"
            case .licenceExpired: "督导员证书在考试日期不在有效期内"
            case .tiedToStation: "督导员所属单位即该鉴定站所属单位，须回避"
            case .occupationNotCovered: "督导员不具备该职业的督导资格"
            }
        }
    }

    /// Nil when `c` may be dispatched to `s`. A licence must have an end date (the register keeps
    /// one for every supervisor) that is on or after the session's day.
    public static func refusal(_ c: Candidate, for s: SessionFacts) -> Refusal? {
        if !c.active { return .inactive }
        guard let until = c.validUntil, until >= s.date else { return .licenceExpired }
        if c.homeUnit == s.stationUnit { return .tiedToStation }
        if !c.occupations.contains(s.occupation) { return .occupationNotCovered }
        return nil
    }

    /// The occupations of a register entry: at least one, each active in the occupation register, none twice.
    public static func occupations(_ sent: [String]?, active: Set<String>) -> Result<[String], ValidationFailure> {
        let codes = (sent ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var issues: [ValidationIssue] = []
        if codes.isEmpty {
            issues.append(
                RegisterRules.issue("occupations", "required", "At least one occupation", "请至少选择一个职业"))
        }
        for (i, c) in codes.enumerated() where !active.contains(c) {
            issues.append(RegisterRules.issue("occupations[\(i)]", "unknown_occupation", "Unknown occupation \(c)", "未登记的职业\(c)"))
        }
        if Set(codes).count != codes.count {
            issues.append(RegisterRules.issue("occupations", "duplicate", "An occupation is listed twice", "职业重复"))
        }
        return RegisterRules.result(issues) { codes }
    }

    // MARK: The draw

    /// A 256-bit seed, as 64 lower-case hex digits.
    public struct Seed: Sendable, Hashable, CustomStringConvertible {
        public let words: [UInt64]
        public init(words: [UInt64]) {
            precondition(words.count == 4)
            self.words = words
        }
        /// A fresh seed from the system's cryptographic source (getrandom on Linux).
        public static func random() -> Seed {
            var g = SystemRandomNumberGenerator()
            return Seed(words: (0..<4).map { _ in g.next() })
        }
        public init?(hex: String) {
            let chars = Array(hex.lowercased())
            guard chars.count == 64, chars.allSatisfy(\.isHexDigit) else { return nil }
            words = stride(from: 0, to: 64, by: 16).map { UInt64(String(chars[$0..<$0 + 16]), radix: 16)! }
        }
        public var description: String {
            words.map { w in
                let s = String(w, radix: 16)
                return String(repeating: "0", count: 16 - s.count) + s
            }.joined()
        }
    }

    /// xoshiro256** (Blackman and Vigna): a small generator whose output is fixed by its seed,
    /// so a recorded draw can be replayed. The seed itself comes from the cryptographic source.
    public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
        var s: (UInt64, UInt64, UInt64, UInt64)
        public init(seed: Seed) {
            let w = seed.words
            // An all-zero state never leaves zero; the seed is random, but guard anyway.
            s = w.allSatisfy({ $0 == 0 }) ? (1, 2, 3, 4) : (w[0], w[1], w[2], w[3])
        }
        static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
        public mutating func next() -> UInt64 {
            let result = Self.rotl(s.1 &* 5, 7) &* 9
            let t = s.1 << 17
            s.2 ^= s.0
            s.3 ^= s.1
            s.1 ^= s.2
            s.0 ^= s.3
            s.2 ^= t
            s.3 = Self.rotl(s.3, 45)
            return result
        }
        /// A uniform number in 0..<bound by rejection (not `Int.random(in:using:)`, whose
        /// algorithm the standard library does not promise to keep: replays must not change).
        public mutating func below(_ bound: Int) -> Int {
            precondition(bound > 0)
            let b = UInt64(bound)
            let limit = UInt64.max - (UInt64.max % b)
            while true {
                let x = next()
                if x < limit { return Int(x % b) }
            }
        }
    }

    /// Draws `count` of the candidates: the candidates are ordered (their ids' text, ascending),
    /// then a partial Fisher–Yates shuffle driven by the seed picks them. The same seed and the
    /// same candidate set always give the same choice, in the same order.
    public static func draw(seed: Seed, candidates: [UUID], count: Int) -> [UUID] {
        var pool = Array(Set(candidates)).sorted { $0.uuidString < $1.uuidString }
        var g = Xoshiro256StarStar(seed: seed)
        let n = min(max(count, 0), pool.count)
        for i in 0..<n {
            let j = i + g.below(pool.count - i)
            pool.swapAt(i, j)
        }
        return Array(pool.prefix(n))
    }

    // MARK: The report

    /// The checklist of a supervision report, in the order of the form.
    public enum ChecklistItem: String, Sendable, CaseIterable, Codable {
        case examOrder, identityCheck, questionBank, feeNotice, violations

        public var nameZh: String {
            switch self {
            case .examOrder: "考场秩序"
            case .identityCheck: "考评员与考生身份核验"
            case .questionBank: "使用题库"
            case .feeNotice: "收费公示"
            case .violations: "违规情况"
            }
        }

        public var nameEn: String {
            switch self {
            case .examOrder: "Order in the exam room"
            case .identityCheck: "Identity check of examiners and candidates"
            case .questionBank: "Question bank used"
            case .feeNotice: "Fees posted publicly"
            case .violations: "Violations"
            }
        }
    }

    public enum CheckResult: String, Sendable, Codable { case ok, problem }

    public struct Check: Sendable, Hashable, Codable {
        public let result: CheckResult
        public let note: String
        public init(result: CheckResult, note: String) {
            self.result = result
            self.note = note
        }
    }

    /// One item as sent: the result (`ok` or `problem`) and a note, both optional until checked.
    public struct SentCheck: Sendable, Hashable {
        public let result: String?
        public let note: String?
        public init(result: String?, note: String?) {
            self.result = result
            self.note = note
        }
    }

    public struct ReportEntry: Sendable, Hashable {
        public let checklist: [ChecklistItem: Check]
        public let findings: String
        public let violationFound: Bool
        /// The kind of violation, named among the complaint categories: the case opened is of it.
        public let violationCategory: ComplaintCategory?
    }

    /// The days a report may be filed: from the supervised day to `days` days after it.
    public enum WindowRefusal: String, Sendable {
        case tooEarly = "too_early"
        case tooLate = "too_late"
    }

    /// Nil when `today` is inside the window `day … day + days` (calendar days, inclusive).
    public static func windowRefusal(day: String, today: String, days: Int, calendar: Calendar) -> WindowRefusal? {
        if today < day { return .tooEarly }
        guard let last = lastDay(day, days: days, calendar: calendar) else { return .tooLate }
        return today > last ? .tooLate : nil
    }

    /// The last day a report on `day` may be filed, as `YYYY-MM-DD`.
    public static func lastDay(_ day: String, days: Int, calendar: Calendar) -> String? {
        let parts = day.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3,
            let start = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: 12)),
            let end = calendar.date(byAdding: .day, value: days, to: start)
        else { return nil }
        let c = calendar.dateComponents([.year, .month, .day], from: end)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    /// Checks a report's content: every checklist item with `ok` or `problem` (a note of at most
    /// 500 characters, required for a problem), findings of 1–5000 characters, and a violation
    /// named by category exactly when one was found.
    public static func report(
        checklist: [String: SentCheck]?, findings rawFindings: String?, violationFound: Bool?, violationCategory: String?
    ) -> Result<ReportEntry, ValidationFailure> {
        var issues: [ValidationIssue] = []
        var checked: [ChecklistItem: Check] = [:]
        let sent = checklist ?? [:]
        for key in sent.keys.sorted() where ChecklistItem(rawValue: key) == nil {
            issues.append(RegisterRules.issue("checklist.\(key)", "unknown_item", "Not a checklist item", "不是检查项目"))
        }
        for item in ChecklistItem.allCases {
            let field = "checklist.\(item.rawValue)"
            guard let c = sent[item.rawValue], let result = CheckResult(rawValue: c.result ?? "") else {
                issues.append(
                    RegisterRules.issue(
                        field, "required", "\(item.nameEn): ok or problem", "\(item.nameZh)：请选择“正常”或“有问题”"))
                continue
            }
            let note = (c.note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if note.count > 500 {
                issues.append(RegisterRules.issue(field, "too_long", "A note of at most 500 characters", "说明不能超过500字"))
            } else if result == .problem && note.isEmpty {
                issues.append(
                    RegisterRules.issue(field, "note_required", "Say what the problem was", "有问题的项目须填写说明"))
            }
            checked[item] = Check(result: result, note: note)
        }
        let findings = (rawFindings ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if findings.isEmpty || findings.count > 5000 {
            issues.append(
                RegisterRules.issue("findings", "required", "Describe the findings (1–5000 characters)", "请填写督导情况（1至5000字）"))
        }
        let found = violationFound ?? false
        var category: ComplaintCategory?
        if found {
            category = violationCategory.flatMap(ComplaintCategory.init(rawValue:))
            if category == nil {
                issues.append(
                    RegisterRules.issue(
                        "violationCategory", "required", "Name the kind of violation found", "请选择所发现违规的类别"))
            }
        } else if let v = violationCategory, !v.isEmpty {
            issues.append(
                RegisterRules.issue(
                    "violationCategory", "inconsistent", "A category only for a violation found", "未发现违规，不能选择违规类别"))
        }
        return RegisterRules.result(issues) {
            ReportEntry(checklist: checked, findings: findings, violationFound: found, violationCategory: category)
        }
    }
}
