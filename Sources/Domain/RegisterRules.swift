import CertificateKit
import Foundation

/// The registers behind columns 1–24 — occupations, stations and their scopes, supervisors,
/// supervision visits and exam sessions — and the rules an entry must meet before it is stored.
/// Pure: the facts an entry is checked against (which regions, occupations, stations exist)
/// come in as values, so every rule is tested without a server or a database.
public enum RegisterRules {
    /// Codes are plain — ASCII letters, digits and dashes — because they travel in URLs and form
    /// actions: a code holding `/`, `#` or `..` could point a button at another record.
    public static func isPlainCode(_ code: String, _ length: ClosedRange<Int>) -> Bool {
        length.contains(code.utf8.count)
            && code.utf8.allSatisfy { b in
                (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D
            }
    }

    /// `YYYY-MM-DD` naming a real calendar day (1900–2999), checked without a calendar object:
    /// fast enough for a million rows.
    public static func isDay(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { b in
            guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return false }
            for i in 0..<10 where i != 4 && i != 7 { guard b[i] >= 48 && b[i] <= 57 else { return false } }
            func d(_ i: Int) -> Int { Int(b[i] - 48) }
            let y = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3)
            return (1900...2999).contains(y) && IDNumber.isDate(y, d(5) * 10 + d(6), d(8) * 10 + d(9))
        }
    }

    /// What is wrong with a resident ID number, in both languages.
    public static func explain(_ p: IDNumber.Problem) -> (en: String, zh: String) {
        let why: (String, String) =
            switch p {
            case .length: ("must have 18 characters", "须为18位")
            case .characters: ("must be 17 digits and a digit or X", "须为17位数字加一位数字或X")
            case .birthDate: ("has an impossible birth date", "出生日期无效")
            case .checkDigit: ("has a wrong check digit (GB 11643)", "校验码错误（GB 11643）")
            }
        return ("The resident ID number \(why.0)", "公民身份号码\(why.1)")
    }

    public static func issue(_ field: String, _ code: String, _ en: String, _ zh: String) -> ValidationIssue {
        ValidationIssue(field: field, column: nil, code: code, message: en, messageZh: zh)
    }

    static func trimmed(_ s: String?) -> String { (s ?? "").trimmingCharacters(in: .whitespaces) }

    static func result<T>(_ issues: [ValidationIssue], _ make: () -> T) -> Result<T, ValidationFailure> {
        issues.isEmpty ? .success(make()) : .failure(ValidationFailure(issues: issues))
    }

    // MARK: Occupations

    public struct OccupationEntry: Sendable, Hashable {
        public let code: String
        public let name: String
    }

    public static func occupation(code rawCode: String?, name rawName: String?) -> Result<OccupationEntry, ValidationFailure> {
        let code = trimmed(rawCode)
        var issues: [ValidationIssue] = []
        if !isPlainCode(code, 2...20) {
            issues.append(issue("code", "invalid", "Occupation code: 2–20 letters, digits or dashes", "职业代码须为2至20位字母、数字或连字符"))
        }
        let name = name(rawName, into: &issues)
        return result(issues) { OccupationEntry(code: code, name: name) }
    }

    static func name(_ raw: String?, field: String = "name", max: Int = 100, into issues: inout [ValidationIssue]) -> String {
        let name = trimmed(raw)
        if name.isEmpty || name.count > max {
            issues.append(issue(field, "invalid", "Name: 1–\(max) characters", "名称须为1至\(max)个字符"))
        }
        return name
    }

    // MARK: Stations

    public enum StationStatus: String, Sendable, CaseIterable, Codable {
        case active, suspended, revoked

        public var nameZh: String {
            switch self {
            case .active: "正常"
            case .suspended: "暂停"
            case .revoked: "撤销"
            }
        }

        public var nameEn: String {
            switch self {
            case .active: "Active"
            case .suspended: "Suspended"
            case .revoked: "Revoked"
            }
        }
    }

    /// One occupation a station may examine, up to a highest level ("1" is the highest).
    public struct Scope: Sendable, Hashable, Codable {
        public let occupation: String
        public let maxLevel: Level
        public init(occupation: String, maxLevel: Level) {
            self.occupation = occupation
            self.maxLevel = maxLevel
        }

        /// Whether an exam of this occupation at this level is inside the scope.
        public func covers(occupation: String, level: Level) -> Bool {
            occupation == self.occupation && Int(level.rawValue)! >= Int(maxLevel.rawValue)!
        }
    }

    /// Checks a scope against the active occupations; `entries` are (occupation, level) as sent.
    public static func scope(
        _ entries: [(occupation: String, maxLevel: String)], activeOccupations: Set<String>
    )
        -> Result<[Scope], ValidationFailure>
    {
        var issues: [ValidationIssue] = []
        var scope: [Scope] = []
        for (i, s) in entries.enumerated() {
            if !activeOccupations.contains(s.occupation) {
                issues.append(
                    issue(
                        "scope[\(i)].occupation", "unknown_occupation", "Unknown occupation \(s.occupation)",
                        "未登记的职业\(s.occupation)"))
            }
            if let level = Level(rawValue: s.maxLevel) {
                scope.append(Scope(occupation: s.occupation, maxLevel: level))
            } else {
                issues.append(issue("scope[\(i)].maxLevel", "unknown_level", "Level must be \"5\" … \"1\"", "等级须为\"5\"至\"1\""))
            }
        }
        if Set(entries.map(\.occupation)).count != entries.count {
            issues.append(issue("scope", "duplicate", "An occupation is listed twice", "职业重复"))
        }
        return result(issues) { scope }
    }

    public struct StationEntry: Sendable, Hashable {
        public let code: String
        public let name: String
        public let regionCode: String
        public let scope: [Scope]
    }

    public static func station(
        code rawCode: String?, name rawName: String?, regionCode: String?,
        scope: [(occupation: String, maxLevel: String)], regions: Set<String>, activeOccupations: Set<String>
    ) -> Result<StationEntry, ValidationFailure> {
        let code = trimmed(rawCode)
        var issues: [ValidationIssue] = []
        if !isPlainCode(code, 2...30) {
            issues.append(issue("code", "invalid", "Station code: 2–30 letters, digits or dashes", "鉴定站代码须为2至30位字母、数字或连字符"))
        }
        let name = name(rawName, into: &issues)
        let region = regionCode ?? ""
        if !regions.contains(region) {
            issues.append(issue("regionCode", "unknown_region", "A region code of GB/T 2260", "须为地区代码（GB/T 2260）"))
        }
        var checked: [Scope] = []
        switch Self.scope(scope, activeOccupations: activeOccupations) {
        case .success(let s): checked = s
        case .failure(let f): issues += f.issues
        }
        return result(issues) { StationEntry(code: code, name: name, regionCode: region, scope: checked) }
    }

    // MARK: Supervisors and visits

    public struct SupervisorEntry: Sendable, Hashable {
        public let name: String
        public let licenceNo: String
        public let validUntil: String?
    }

    public static func supervisor(
        name rawName: String?, licenceNo: String?, validUntil: String?
    )
        -> Result<SupervisorEntry, ValidationFailure>
    {
        var issues: [ValidationIssue] = []
        let name = trimmed(rawName)
        let licence = trimmed(licenceNo)
        if name.isEmpty || name.count > 50 { issues.append(issue("name", "invalid", "Name: 1–50 characters", "姓名须为1至50个字符")) }
        if !(4...40).contains(licence.count) {
            issues.append(issue("licenceNo", "invalid", "Licence number: 4–40 characters", "督导员证号须为4至40个字符"))
        }
        if let v = validUntil, !isDay(v) { issues.append(invalidDate("validUntil")) }
        return result(issues) { SupervisorEntry(name: name, licenceNo: licence, validUntil: validUntil) }
    }

    static func invalidDate(_ field: String) -> ValidationIssue {
        issue(field, "invalid_date", "A date YYYY-MM-DD", "日期格式应为 YYYY-MM-DD")
    }

    /// A supervisor as a visit or session sees it: whose, and whether on duty on a given day.
    public struct SupervisorFacts: Sendable, Hashable {
        public let unitCode: String
        public let active: Bool
        public let validUntil: String?
        public init(unitCode: String, active: Bool, validUntil: String?) {
            self.unitCode = unitCode
            self.active = active
            self.validUntil = validUntil
        }

        /// Active, and the licence (if it has an end) not expired on `day`.
        public func onDuty(_ day: String) -> Bool { active && (validUntil.map { day <= $0 } ?? true) }
    }

    public struct VisitEntry: Sendable, Hashable {
        public let visitedOn: String
        public let findings: String
        public let violationFound: Bool
        public let violationHandled: Bool
    }

    /// A supervision visit: the day (not in the future), what was found, and a violation
    /// handled only when one was found. The supervisor must be on duty that day, and the
    /// station visited must not belong to the supervisor's home unit.
    public static func visit(
        visitedOn: String?, findings rawFindings: String?, violationFound: Bool?, violationHandled: Bool?,
        supervisor: SupervisorFacts?, stationUnit: String?, sessionAtStation: Bool?, today: String
    ) -> Result<VisitEntry, ValidationFailure> {
        var issues: [ValidationIssue] = []
        let day = visitedOn ?? ""
        if !isDay(day) {
            issues.append(invalidDate("visitedOn"))
        } else if day > today {
            issues.append(issue("visitedOn", "future_date", "The date is in the future", "日期不能晚于今天"))
        }
        if supervisor == nil || supervisor?.active == false {
            issues.append(issue("supervisorId", "unknown_supervisor", "Unknown or inactive supervisor", "督导员不存在或已停用"))
        } else if let s = supervisor, isDay(day), !s.onDuty(day) {
            issues.append(
                issue(
                    "supervisorId", "licence_expired", "The supervisor's licence had expired on that day",
                    "督导员证书在该日期已过有效期"))
        }
        if stationUnit == nil { issues.append(issue("stationCode", "unknown_station", "Unknown station", "鉴定站不存在")) }
        if sessionAtStation == false {
            issues.append(issue("sessionId", "unknown_session", "The session is not one of this station's", "该考试场次不属于该鉴定站"))
        }
        let findings = (rawFindings ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if findings.isEmpty || findings.count > 5000 {
            issues.append(issue("findings", "required", "Describe the findings (1–5000 characters)", "请填写督导情况（1至5000字）"))
        }
        if violationHandled == true && violationFound != true {
            issues.append(issue("violationHandled", "inconsistent", "Only a violation found can be handled", "未发现违规，不能填写已查处"))
        }
        // The tie rule of dispatch (`Supervision.refusal`): nobody supervises their own unit.
        if issues.isEmpty, let s = supervisor, let stationUnit, s.unitCode == stationUnit {
            issues.append(
                issue(
                    "stationCode", "tied_to_station", "The station belongs to the supervisor's own unit",
                    "该鉴定站属于督导员所属单位，须回避"))
        }
        return result(issues) {
            VisitEntry(
                visitedOn: day, findings: findings, violationFound: violationFound ?? false,
                violationHandled: violationHandled ?? false)
        }
    }
}
