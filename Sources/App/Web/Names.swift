import CertificateKit
import Domain
import Foundation

/// What a person reads where the data holds a code: roles, kinds, statuses, levels, periods and
/// scopes by their names, in the page's language. Pages show these; the API keeps the codes.
struct Names: Sendable {
    let t: L10n.Strings
    var en: Bool { t.en }

    init(_ t: L10n.Strings) { self.t = t }

    func period(_ p: Period) -> String { en ? p.nameEn : p.nameZh }
    /// A period written `2025Q1`, or the text itself if it is not one.
    func period(_ code: String) -> String { Period(code).map(period) ?? code }

    /// A day `YYYY-MM-DD` in words: 2025年4月20日 (English keeps the ISO form).
    func day(_ d: String) -> String { en ? d : Period.dayNameZh(d) }

    func level(_ l: Level) -> String { en ? l.nameEn : l.nameZh }
    func level(_ code: String?) -> String { Level(rawValue: code ?? "").map(level) ?? (code ?? "") }

    func role(_ r: User.Role) -> String {
        switch r {
        case .ministry: t[.roleMinistry]
        case .unit: t[.roleUnit]
        case .supervisor: t[.roleSupervisor]
        }
    }

    func unitKind(_ k: UnitModel.Kind) -> String { k == .region ? t[.kindRegion] : t[.kindIndustry] }

    func stationStatus(_ s: RegisterRules.StationStatus) -> String { en ? s.nameEn : s.nameZh }
    func stationStatus(_ code: String) -> String { RegisterRules.StationStatus(rawValue: code).map(stationStatus) ?? code }

    func inspectionOutcome(_ o: RegisterRules.InspectionOutcome) -> String { en ? o.nameEn : o.nameZh }
    func inspectionOutcome(_ code: String) -> String {
        RegisterRules.InspectionOutcome(rawValue: code).map(inspectionOutcome) ?? code
    }
    var inspectionOutcomes: [Option] {
        RegisterRules.InspectionOutcome.allCases.map { Option(value: $0.rawValue, name: inspectionOutcome($0)) }
    }

    /// `2025年度 合格` / `2025: Qualified`.
    func inspection(year: Int, outcome: String) -> String {
        en ? "\(year): \(inspectionOutcome(outcome))" : "\(year)年度 \(inspectionOutcome(outcome))"
    }

    /// A station's licence today (`Registers.licenceState`), in words.
    func licenceState(_ state: String) -> String {
        switch state {
        case "valid": t[.licenceValid]
        case "lapsed": t[.licenceLapsed]
        case "revoked": t[.licenceRevokedAtInspection]
        default: t[.licenceNotRecorded]
        }
    }

    func standardKind(_ code: String) -> String {
        t[dynamic: "standard_" + code, fallback: code]
    }

    func bankKind(_ code: String) -> String { t[dynamic: "bank_" + code, fallback: code] }

    /// A station's scope in words: 电工（最高三级/高级工）、焊工（最高二级/技师）.
    func scope(_ scope: [Registers.ScopeDTO], occupations: [String: String]) -> String {
        scope.map { s in
            let name = occupations[s.occupation] ?? s.occupation
            return en ? "\(name) (up to \(level(s.maxLevel)))" : "\(name)（最高\(level(s.maxLevel))）"
        }.joined(separator: en ? "; " : "、")
    }

    /// A moment as `2025-04-10 09:30`, Beijing time.
    static func minute(_ date: Date) -> String {
        let c = Period.calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    /// An option of a `<select>`: the code sent, the name shown.
    struct Option: Encodable, Sendable {
        let value: String
        let name: String
    }

    var levels: [Option] { Level.allCases.map { Option(value: $0.rawValue, name: level($0)) } }
    var standardKinds: [Option] { ExamSessions.standardKinds.map { Option(value: $0, name: standardKind($0)) } }
    var bankKinds: [Option] { ExamSessions.bankKinds.map { Option(value: $0, name: bankKind($0)) } }
    var regions: [Option] { Regions.all.map { Option(value: $0.code, name: $0.name) } }
}
