import Foundation

/// Whistle-blowing cases (群众举报): categories, the handling state machine, and how cases feed
/// the bulletin's case columns.
public enum ComplaintCategory: String, Sendable, CaseIterable, Codable {
    case illegalTraining = "illegal_training"
    case illegalExam = "illegal_exam"
    case overcharge
    case illegalFees = "illegal_fees"
    case illegalCertificates = "illegal_certificates"
    case other

    public var nameZh: String {
        switch self {
        case .illegalTraining: "乱办班"
        case .illegalExam: "乱考核"
        case .overcharge: "超标准收费"
        case .illegalFees: "其他乱收费"
        case .illegalCertificates: "乱发证／自制、私制、伪造证书"
        case .other: "其他违纪违规"
        }
    }

    public var nameEn: String {
        switch self {
        case .illegalTraining: "Illegal training classes"
        case .illegalExam: "Illegal examinations"
        case .overcharge: "Charging above the standard"
        case .illegalFees: "Other illegal fees"
        case .illegalCertificates: "Illegal, self-made or forged certificates"
        case .other: "Other violations"
        }
    }

    /// The report group the case counts in: overcharge 9–11, certificates 21–23, the rest 17–19.
    public var reportGroup: String {
        switch self {
        case .overcharge: "overcharge"
        case .illegalCertificates: "forgery"
        default: "violations"
        }
    }
}

/// The states of a case. `received` awaits the decision to accept (受理) or refuse (不予受理);
/// `transferred` awaits the receiving unit's decision in the same way.
public enum ComplaintStatus: String, Sendable, CaseIterable, Codable {
    case received, accepted, refused, investigating, handled, unfounded, transferred

    /// Closed: dealt with, found untrue, or refused; only the ministry reopens such a case.
    public var isClosed: Bool { self == .handled || self == .unfounded || self == .refused }

    /// Waiting for the decision to accept or refuse (the 5-working-day deadline runs).
    public var awaitsDecision: Bool { self == .received || self == .transferred }

    /// Never counted in the bulletin's case columns: the complaint was untrue or not admissible.
    public var neverCounts: Bool { self == .unfounded || self == .refused }

    public var nameZh: String {
        switch self {
        case .received: "已收到"
        case .accepted: "已受理"
        case .refused: "不予受理"
        case .investigating: "调查中"
        case .handled: "已查处"
        case .unfounded: "不属实"
        case .transferred: "已转办"
        }
    }

    public var nameEn: String {
        switch self {
        case .received: "Received"
        case .accepted: "Accepted"
        case .refused: "Not accepted"
        case .investigating: "Under investigation"
        case .handled: "Handled"
        case .unfounded: "Unfounded"
        case .transferred: "Transferred"
        }
    }

    /// The transitions a handler may make; a closed case reopens only through the ministry.
    public func canMove(to next: ComplaintStatus) -> Bool {
        switch (self, next) {
        case (.received, .accepted), (.received, .refused), (.received, .transferred): true
        case (.transferred, .accepted), (.transferred, .refused), (.transferred, .transferred): true
        case (.accepted, .investigating), (.accepted, .transferred): true
        case (.investigating, .handled), (.investigating, .unfounded), (.investigating, .transferred): true
        default: false
        }
    }
}

public enum ComplaintChannel: String, Sendable, CaseIterable, Codable {
    case web, phone, letter, visit
    /// Opened by a supervisor's report that found a violation (no acceptance decision needed).
    case supervision

    /// The channels a person files through; `supervision` cases are opened by reports only.
    public static let filed: [ComplaintChannel] = [.web, .phone, .letter, .visit]
}

/// Supervision hotline numbers: landlines (010-84201673), mobiles, and 400/800 service numbers.
public enum Hotline {
    public static let ministry = ["010-84201673", "010-84635476"]

    public static func isValid(_ s: String) -> Bool {
        let b = Array(s.utf8)
        func digits(_ r: ArraySlice<UInt8>) -> Bool { !r.isEmpty && r.allSatisfy { $0 >= 48 && $0 <= 57 } }
        // Landline: 0 + 2–3 digit area code, a dash, 7–8 digits, optional -extension.
        let parts = s.split(separator: "-", omittingEmptySubsequences: false).map { Array($0.utf8) }
        if parts.count >= 2, parts.count <= 3, parts[0].first == 48, (3...4).contains(parts[0].count),
            digits(parts[0][...]), (7...8).contains(parts[1].count), digits(parts[1][...]),
            parts.count == 2 || ((1...5).contains(parts[2].count) && digits(parts[2][...]))
        {
            return true
        }
        // Mobile: 11 digits starting 13–19.
        if b.count == 11, b[0] == 49, (51...57).contains(b[1]), digits(b[...]) { return true }
        // 400/800 service numbers, with or without dashes.
        let plain = b.filter { $0 != 45 }
        if plain.count == 10, digits(plain[...]), plain[1] == 48, plain[2] == 48, plain[0] == 52 || plain[0] == 56 { return true }
        return false
    }
}

/// How a case counts in a unit's quarter (columns 9–11, 17–19, 21–23).
///
/// A case counts in a quarter when it was received in the quarter, or was received earlier and
/// was still open at the quarter's start. A case whose current status is 不属实 (`unfounded`) or
/// 不予受理 (`refused`) never counts, in any quarter. A counted case is 已查处 (investigated) when
/// it was `handled` by the quarter's end, else 未查处. It counts for the unit that handled it at
/// the quarter's end; while the ministry holds a case it counts for no unit.
public enum CaseCounting {
    public struct Step: Sendable {
        public let at: Date
        public let status: ComplaintStatus
        /// The handling unit after this step; nil is the ministry.
        public let owner: String?
        public init(at: Date, status: ComplaintStatus, owner: String?) {
            self.at = at
            self.status = status
            self.owner = owner
        }
    }

    public struct Counted: Equatable, Sendable {
        public let unit: String
        public let handled: Bool
        public init(unit: String, handled: Bool) {
            self.unit = unit
            self.handled = handled
        }
    }

    /// - Parameters:
    ///   - steps: the case's trail in time order, the first step being its receipt.
    ///   - about: the unit the case names (nil when unknown).
    public static func count(
        receivedAt: Date, current: ComplaintStatus, about: String?, steps: [Step], start: Date, end: Date
    ) -> Counted? {
        guard !current.neverCounts, receivedAt < end else { return nil }
        func state(before t: Date) -> Step? { steps.last { $0.at < t } }
        if receivedAt < start {
            guard let atStart = state(before: start), !atStart.status.isClosed else { return nil }
        }
        // A case the ministry holds (about a centre itself, or not yet routed) counts for no unit:
        // the centre a complaint is about must not learn of it from its own figures.
        guard let atEnd = state(before: end), let unit = atEnd.owner else { return nil }
        return Counted(unit: unit, handled: atEnd.status == .handled)
    }
}
