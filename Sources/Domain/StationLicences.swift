import Foundation

/// Stations are licensed (licence number, expiry, address, person in charge) and inspected once a
/// year (合格 / 限期整改 / 撤销). A station takes new sessions, and is listed publicly, only while
/// its licence is recorded and unexpired and its latest inspection has not revoked it. Pure: the
/// licence and the inspections come in as values.
extension RegisterRules {
    /// The outcome of an annual inspection (年检结论).
    public enum InspectionOutcome: String, Sendable, CaseIterable, Codable {
        /// 合格
        case qualified
        /// 限期整改: the station keeps working while it puts things right.
        case rectification
        /// 撤销: the authorisation is withdrawn.
        case revoked

        public var nameZh: String {
            switch self {
            case .qualified: "合格"
            case .rectification: "限期整改"
            case .revoked: "撤销"
            }
        }

        public var nameEn: String {
            switch self {
            case .qualified: "Qualified"
            case .rectification: "Rectify within a time limit"
            case .revoked: "Revoked"
            }
        }
    }

    /// One year's inspection of one station.
    public struct Inspection: Sendable, Hashable, Codable {
        public let year: Int
        public let inspectedOn: String
        public let outcome: InspectionOutcome
        public init(year: Int, inspectedOn: String, outcome: InspectionOutcome) {
            self.year = year
            self.inspectedOn = inspectedOn
            self.outcome = outcome
        }
    }

    /// Why a station may not hold a session on a day (each its own API code).
    public enum LicenceRefusal: String, Sendable, CaseIterable, Codable {
        case unlicensed = "station_unlicensed"
        case lapsed = "station_licence_lapsed"
        case revoked = "station_revoked"

        public var message: String {
            switch self {
            case .unlicensed: "The station's licence is not recorded; record it before adding sessions"
            case .lapsed: "The station's licence had expired on the session's day"
            case .revoked: "The station's authorisation was revoked at its annual inspection"
            }
        }

        public var messageZh: String {
            switch self {
            case .unlicensed: "该鉴定站许可未登记，请先登记许可证信息"
            case .lapsed: "该鉴定站的许可证在考试日期已过期"
            case .revoked: "该鉴定站年检结论为撤销，不能安排新的考试"
            }
        }
    }

    /// A station's licence and inspections as the rules see them. The licence counts as recorded
    /// once its number and expiry are (stations registered before licences were kept have neither).
    public struct StationLicence: Sendable, Hashable {
        public let licenceNo: String?
        public let expires: String?
        public let inspections: [Inspection]
        public init(licenceNo: String?, expires: String?, inspections: [Inspection] = []) {
            self.licenceNo = licenceNo
            self.expires = expires
            self.inspections = inspections
        }

        public static let notRecorded = StationLicence(licenceNo: nil, expires: nil)

        public var isRecorded: Bool { !(licenceNo ?? "").isEmpty && !(expires ?? "").isEmpty }

        /// The inspection in force on `day`: of those held by then, the one of the latest year.
        /// A later year's 合格 after a 撤销 (a station licensed again) is in force from its day.
        public func latestInspection(on day: String) -> Inspection? {
            inspections.filter { $0.inspectedOn <= day }.max { ($0.year, $0.inspectedOn) < ($1.year, $1.inspectedOn) }
        }

        /// Nil when the station may hold a session on `day`; `day` nil (not a valid day) checks
        /// only that the licence is recorded.
        public func refusal(on day: String?) -> LicenceRefusal? {
            guard isRecorded, let expires else { return .unlicensed }
            guard let day else { return nil }
            if latestInspection(on: day)?.outcome == .revoked { return .revoked }
            if day > expires { return .lapsed }
            return nil
        }
    }

    /// Whether a station belongs on the public list of authorised stations today: active, and
    /// its licence admits a session today. `PublicStations` filters the same in SQL.
    public static func isPubliclyListed(status: StationStatus, licence: StationLicence, today: String) -> Bool {
        status == .active && licence.refusal(on: today) == nil
    }

    // MARK: Checking what is sent

    public struct LicenceEntry: Sendable, Hashable {
        public let licenceNo: String
        public let licenceExpires: String
        public let address: String
        public let personInCharge: String
    }

    /// One line of text: trimmed, `max` characters at most, no control character at all (not
    /// even a tab or a line break, which free text may hold).
    static func line(
        _ raw: String?, field: String, max: Int, en: String, zh: String, into issues: inout [ValidationIssue]
    )
        -> String
    {
        let text = trimmed(raw)
        if text.isEmpty {
            issues.append(issue(field, "required", "\(en): required (1–\(max) characters)", "请填写\(zh)（1至\(max)个字符）"))
        } else if text.count > max || text.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
        {
            issues.append(
                issue(field, "invalid", "\(en): 1–\(max) characters, no control characters", "\(zh)须为1至\(max)个字符，不含控制字符"))
        }
        return text
    }

    /// The four licence fields, each required: the licence number (1–50), its expiry (a real
    /// day), the address (1–200) and the person in charge (1–50).
    public static func licence(
        licenceNo: String?, licenceExpires: String?, address: String?, personInCharge: String?
    ) -> Result<LicenceEntry, ValidationFailure> {
        var issues: [ValidationIssue] = []
        let no = line(licenceNo, field: "licenceNo", max: 50, en: "Licence number", zh: "许可证号", into: &issues)
        let expires = trimmed(licenceExpires)
        if expires.isEmpty {
            issues.append(issue("licenceExpires", "required", "Licence expiry: a date YYYY-MM-DD", "请填写许可证有效期（YYYY-MM-DD）"))
        } else if !isDay(expires) {
            issues.append(invalidDate("licenceExpires"))
        }
        let address = line(address, field: "address", max: 200, en: "Address", zh: "地址", into: &issues)
        let person = line(personInCharge, field: "personInCharge", max: 50, en: "Person in charge", zh: "负责人", into: &issues)
        return result(issues) { LicenceEntry(licenceNo: no, licenceExpires: expires, address: address, personInCharge: person) }
    }

    public struct InspectionEntry: Sendable, Hashable {
        public let year: Int
        public let inspectedOn: String
        public let outcome: InspectionOutcome
        public let note: String
    }

    public static let maxInspectionNote = 2000

    /// An annual inspection: the day (a real day, not in the future), the outcome, a note (required
    /// for 限期整改 and 撤销, which must say why), and the year inspected — by default the day's
    /// year; an inspection of year Y may be held in Y or early in Y + 1.
    public static func inspection(
        year: Int?, inspectedOn: String?, outcome: String?, note rawNote: String?, today: String
    ) -> Result<InspectionEntry, ValidationFailure> {
        var issues: [ValidationIssue] = []
        let day = trimmed(inspectedOn)
        var dayYear: Int?
        if !isDay(day) {
            issues.append(invalidDate("inspectedOn"))
        } else if day > today {
            issues.append(issue("inspectedOn", "future_date", "The date is in the future", "日期不能晚于今天"))
        } else {
            dayYear = Int(day.prefix(4))
        }
        let y = year ?? dayYear ?? 0
        if let year {
            if !(1900...2999).contains(year) {
                issues.append(issue("year", "invalid", "Year: 1900–2999", "年度须为1900至2999"))
            } else if let dayYear, year != dayYear && year != dayYear - 1 {
                issues.append(
                    issue(
                        "year", "year_mismatch", "The inspection of a year is held in that year or the next",
                        "年检日期须在该年度内或次年"))
            }
        }
        let kind = InspectionOutcome(rawValue: outcome ?? "")
        if kind == nil {
            issues.append(
                issue("outcome", "invalid", "Outcome: qualified, rectification or revoked", "年检结论须为合格、限期整改或撤销"))
        }
        let note = (rawNote ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if note.count > maxInspectionNote {
            issues.append(
                issue("note", "invalid", "Note: at most \(maxInspectionNote) characters", "说明不能超过\(maxInspectionNote)字"))
        } else if note.isEmpty && (kind == .rectification || kind == .revoked) {
            issues.append(
                issue("note", "required", "Say what must be rectified or why it was revoked", "限期整改或撤销须写明原因"))
        }
        return result(issues) { InspectionEntry(year: y, inspectedOn: day, outcome: kind ?? .qualified, note: note) }
    }
}
