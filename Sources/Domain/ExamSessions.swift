import CertificateKit
import Foundation

/// Exam sessions (考试场次): the register that columns 1–8, 12 and 14–16 are derived from.
public enum ExamSessions {
    public static let standardKinds = ["national", "verifiedLocal", "unverifiedLocal"]
    public static let bankKinds = ["national", "certifiedLocal", "uncertifiedLocal"]
    public static let maxCandidates = 100_000

    /// A session as sent: every field optional, checked by `check`.
    public struct Input: Sendable, Hashable {
        public var stationCode: String?, occupation: String?, level: String?, date: String?, regionCode: String?
        public var standardKind: String?, bankKind: String?, bankCode: String?
        public var candidates: Int?, passed: Int?, fee: Result<Money, Money.ParseError>?, supervisorId: UUID?
        public init(
            stationCode: String?, occupation: String?, level: String?, date: String?, regionCode: String?,
            standardKind: String?, bankKind: String?, bankCode: String?, candidates: Int?, passed: Int?,
            fee: Result<Money, Money.ParseError>?, supervisorId: UUID?
        ) {
            self.stationCode = stationCode
            self.occupation = occupation
            self.level = level
            self.date = date
            self.regionCode = regionCode
            self.standardKind = standardKind
            self.bankKind = bankKind
            self.bankCode = bankCode
            self.candidates = candidates
            self.passed = passed
            self.fee = fee
            self.supervisorId = supervisorId
        }
    }

    /// A station as the session rules see it.
    public struct StationFacts: Sendable, Hashable {
        public let unitCode: String
        public let status: RegisterRules.StationStatus
        public let regionCode: String
        public let scope: [RegisterRules.Scope]
        /// The licence and inspections; `breaches` does not read them, so callers asking only
        /// about scope may leave them out.
        public let licence: RegisterRules.StationLicence
        public init(
            unitCode: String, status: RegisterRules.StationStatus, regionCode: String, scope: [RegisterRules.Scope],
            licence: RegisterRules.StationLicence = .notRecorded
        ) {
            self.unitCode = unitCode
            self.status = status
            self.regionCode = regionCode
            self.scope = scope
            self.licence = licence
        }
    }

    /// What sessions are checked against, read once per request or import.
    public struct Facts: Sendable {
        public let stations: [String: StationFacts]
        public let occupations: Set<String>
        public let regions: Set<String>
        public let supervisors: [UUID: RegisterRules.SupervisorFacts]
        public let today: String
        public init(
            stations: [String: StationFacts], occupations: Set<String>, regions: Set<String>,
            supervisors: [UUID: RegisterRules.SupervisorFacts], today: String
        ) {
            self.stations = stations
            self.occupations = occupations
            self.regions = regions
            self.supervisors = supervisors
            self.today = today
        }
    }

    /// A checked session, ready to store.
    public struct Entry: Sendable, Hashable {
        public let stationCode: String, unitCode: String, occupation: String, level: Level, date: String, regionCode: String
        public let standardKind: String, bankKind: String, bankCode: String
        public let candidates: Int, passed: Int, fee: Money, supervisorId: UUID?
    }

    /// Checks one session for a unit (nil: the ministry, any station); every problem, or the entry.
    public static func check(_ i: Input, unit: String?, _ c: Facts) -> Result<Entry, ValidationFailure> {
        var issues: [ValidationIssue] = []
        func add(_ f: String, _ code: String, _ en: String, _ zh: String) { issues.append(RegisterRules.issue(f, code, en, zh)) }
        let station = c.stations[i.stationCode ?? ""]
        if station == nil || (unit != nil && station?.unitCode != unit) {
            add("stationCode", "unknown_station", "Not a station of this unit", "不是本单位的鉴定站")
        } else if let station, station.status != .active {
            add(
                "stationCode", "station_suspended", "The station is \(station.status.rawValue) and takes no new sessions",
                "该鉴定站已\(station.status.nameZh)，不能安排新的考试")
        } else if let station, let refusal = station.licence.refusal(on: RegisterRules.isDay(i.date ?? "") ? i.date : nil) {
            add("stationCode", refusal.rawValue, refusal.message, refusal.messageZh)
        }
        if !c.occupations.contains(i.occupation ?? "") { add("occupation", "unknown_occupation", "Unknown occupation", "未登记的职业") }
        let level = Level(rawValue: i.level ?? "")
        if level == nil { add("level", "unknown_level", "Level must be \"5\" … \"1\"", "等级须为\"5\"至\"1\"") }
        let date = i.date ?? ""
        if !RegisterRules.isDay(date) {
            issues.append(RegisterRules.invalidDate("date"))
        } else if date > c.today && (i.passed ?? 0) != 0 {
            // A session ahead is a plan (so supervisors can be dispatched to it): no passes yet.
            add("date", "future_date", "A session in the future is a plan and has no passes yet", "未来的考试场次为计划，不能填写合格人数")
        } else if date > plannedUntil(c.today) {
            add("date", "too_far_ahead", "A session is planned at most a year ahead", "考试计划最多提前一年登记")
        }
        if !c.regions.contains(i.regionCode ?? "") {
            add("regionCode", "unknown_region", "A region code of GB/T 2260", "须为地区代码（GB/T 2260）")
        }
        if !standardKinds.contains(i.standardKind ?? "") {
            add("standardKind", "invalid", "national, verifiedLocal or unverifiedLocal", "标准类别无效")
        }
        if !bankKinds.contains(i.bankKind ?? "") {
            add("bankKind", "invalid", "national, certifiedLocal or uncertifiedLocal", "题库类别无效")
        }
        let bank = RegisterRules.trimmed(i.bankCode)
        if bank.isEmpty || bank.count > 50 {
            add("bankCode", "invalid", "Bank code: 1–50 characters, no control characters", "题库代码须为1至50个字符，不含控制字符")
        }
        let candidates = i.candidates ?? -1
        let passed = i.passed ?? -1
        if candidates < 0 || candidates > maxCandidates {
            add("candidates", "invalid", "Candidates: a whole number 0–100000", "考生人数须为0至100000的整数")
        }
        if passed < 0 {
            add("passed", "invalid", "Passes: a whole number ≥ 0", "合格人数须为不小于0的整数")
        } else if passed > candidates && candidates >= 0 {
            add("passed", "exceeds_candidates", "More passes than candidates", "合格人数不能多于考生人数")
        }
        var fee = Money.zero
        if case .success(let m)? = i.fee { fee = m } else { add("feeYuan", "invalid_money", "An amount in yuan", "须为以元为单位的金额") }
        if let sid = i.supervisorId {
            if let s = c.supervisors[sid], s.unitCode == station?.unitCode, s.active {
                if RegisterRules.isDay(date), !s.onDuty(date) {
                    add(
                        "supervisorId", "licence_expired", "The supervisor's licence had expired on the session's day",
                        "督导员证书在考试日期已过有效期")
                }
            } else {
                add("supervisorId", "unknown_supervisor", "Not an active supervisor of this unit", "不是本单位的在册督导员")
            }
        }
        guard issues.isEmpty, let station, let level else { return .failure(ValidationFailure(issues: issues)) }
        return .success(
            Entry(
                stationCode: i.stationCode!, unitCode: station.unitCode, occupation: i.occupation!, level: level, date: date,
                regionCode: i.regionCode!, standardKind: i.standardKind!, bankKind: i.bankKind!, bankCode: bank,
                candidates: candidates, passed: passed, fee: fee, supervisorId: i.supervisorId))
    }

    /// The last day a session may be planned for: one year after `today` (same month and day).
    public static func plannedUntil(_ today: String) -> String {
        guard let year = Int(today.prefix(4)) else { return today }
        return String(format: "%04d", year + 1) + today.dropFirst(4)
    }

    /// How a session breaks its station's authorisation (column 14, 跨地区/超范围鉴定).
    public enum Breach: String, Sendable, CaseIterable, Codable {
        /// Held outside the station's region.
        case crossRegion
        /// An occupation the station is not authorised for.
        case outOfScope
        /// A level above the highest the station may examine.
        case aboveLevel

        public var nameZh: String {
            switch self {
            case .crossRegion: "跨地区鉴定"
            case .outOfScope: "超出职业范围"
            case .aboveLevel: "超出等级范围"
            }
        }

        public var nameEn: String {
            switch self {
            case .crossRegion: "outside its region"
            case .outOfScope: "occupation not authorised"
            case .aboveLevel: "level not authorised"
            }
        }
    }

    /// The rule `Derivation` counts in SQL (one aggregate over all units), stated once here.
    public static func breaches(regionCode: String, occupation: String, level: Level, at station: StationFacts) -> [Breach] {
        var found: [Breach] = []
        if regionCode != station.regionCode { found.append(.crossRegion) }
        if let scope = station.scope.first(where: { $0.occupation == occupation }) {
            if !scope.covers(occupation: occupation, level: level) { found.append(.aboveLevel) }
        } else {
            found.append(.outOfScope)
        }
        return found
    }

    /// Overcharging (columns 9–11): a fee above the unit's active standard for the level. No
    /// standard, no overcharge — a missing standard is column 8's finding.
    public static func isOvercharged(fee: Money, standard: Money?) -> Bool {
        guard let standard else { return false }
        return fee > standard
    }
}
