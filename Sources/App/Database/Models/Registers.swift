import Domain
import Fluent
import Foundation

final class Occupation: Model, @unchecked Sendable {
    static let schema = "occupations"
    @ID(custom: "code", generatedBy: .user) var id: String?
    @Field(key: "name") var name: String
    @Field(key: "active") var active: Bool
    init() {}
    init(code: String, name: String) {
        id = code
        self.name = name
        active = true
    }
}

final class FeeStandard: Model, @unchecked Sendable {
    static let schema = "fee_standards"
    @ID(key: .id) var id: UUID?
    @Parent(key: "unit_code") var unit: UnitModel
    @Field(key: "level") var level: String
    @Field(key: "fee_fen") var feeFen: Int64
    @Field(key: "document") var document: String
    @Field(key: "active") var active: Bool
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    init() {}
}

final class Station: Model, @unchecked Sendable {
    static let schema = "stations"
    typealias Status = RegisterRules.StationStatus
    @ID(custom: "code", generatedBy: .user) var id: String?
    @Field(key: "name") var name: String
    @Parent(key: "unit_code") var unit: UnitModel
    @Parent(key: "region_code") var region: UnitModel
    @Enum(key: "status") var status: Status
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    // The licence (M011): empty for stations registered before licences were kept.
    @OptionalField(key: "licence_no") var licenceNo: String?
    @OptionalField(key: "licence_expires") var licenceExpires: String?
    @OptionalField(key: "address") var address: String?
    @OptionalField(key: "person_in_charge") var personInCharge: String?
    @Children(for: \.$station) var scope: [StationScope]
    @Children(for: \.$station) var inspections: [StationInspection]
    init() {}
}

final class StationScope: Model, @unchecked Sendable {
    static let schema = "station_scopes"
    @ID(key: .id) var id: UUID?
    @Parent(key: "station_code") var station: Station
    @Parent(key: "occupation_code") var occupation: Occupation
    @Field(key: "max_level") var maxLevel: String
    init() {}
    init(station: String, occupation: String, maxLevel: String) {
        $station.id = station
        $occupation.id = occupation
        self.maxLevel = maxLevel
    }
}

final class Supervisor: Model, @unchecked Sendable {
    static let schema = "supervisors"
    @ID(key: .id) var id: UUID?
    @Parent(key: "unit_code") var unit: UnitModel
    @Field(key: "name") var name: String
    @Field(key: "licence_no") var licenceNo: String
    @OptionalField(key: "valid_until") var validUntil: String?
    @Field(key: "active") var active: Bool
    @Children(for: \.$supervisor) var occupations: [SupervisorOccupation]
    init() {}
}

final class ExamSession: Model, @unchecked Sendable {
    static let schema = "exam_sessions"
    @ID(key: .id) var id: UUID?
    @Parent(key: "station_code") var station: Station
    @Field(key: "unit_code") var unitCode: String
    @Field(key: "occupation_code") var occupation: String
    @Field(key: "level") var level: String
    @Field(key: "date") var date: String
    @Field(key: "region_code") var regionCode: String
    @Field(key: "standard_kind") var standardKind: String
    @Field(key: "bank_kind") var bankKind: String
    @Field(key: "bank_code") var bankCode: String
    @Field(key: "candidates") var candidates: Int
    @Field(key: "passed") var passed: Int
    @Field(key: "fee_fen") var feeFen: Int64
    @OptionalField(key: "supervisor_id") var supervisorID: UUID?
    @Field(key: "created_by") var createdBy: String
    /// How many results are recorded, and how many of them are passes (kept by `Registers.recordResults`).
    @Field(key: "results") var results: Int
    @Field(key: "passes") var passes: Int
    init() {}
}

/// One candidate's result in an exam session: the pass a certificate is issued against.
final class ExamResult: Model, @unchecked Sendable {
    static let schema = "exam_results"
    @ID(key: .id) var id: UUID?
    @Parent(key: "session_id") var session: ExamSession
    @Field(key: "name") var name: String
    @Field(key: "id_number") var idNumber: String
    @Field(key: "passed") var passed: Bool
    @OptionalField(key: "score") var score: Double?
    @Field(key: "recorded_by") var recordedBy: String
    @Field(key: "recorded_at") var recordedAt: Date
    init() {}
}

final class SupervisionVisit: Model, @unchecked Sendable {
    static let schema = "supervision_visits"
    @ID(key: .id) var id: UUID?
    @Field(key: "supervisor_id") var supervisorID: UUID
    @Field(key: "unit_code") var unitCode: String
    @Field(key: "station_code") var stationCode: String
    @OptionalField(key: "session_id") var sessionID: UUID?
    @Field(key: "visited_on") var visitedOn: String
    @Field(key: "findings") var findings: String
    @Field(key: "violation_found") var violationFound: Bool
    @Field(key: "violation_handled") var violationHandled: Bool
    @Field(key: "recorded_by") var recordedBy: String
    init() {}
}

/// The audit trail of the registers: who created, changed or deactivated what, and when.
final class RegisterEvent: Model, @unchecked Sendable {
    static let schema = "register_events"
    @ID(key: .id) var id: UUID?
    @Field(key: "register") var register: String
    @Field(key: "key") var key: String
    @Field(key: "action") var action: String
    @OptionalField(key: "detail") var detail: String?
    @Field(key: "actor") var actor: String
    @Field(key: "at") var at: Date
    init() {}
    init(register: String, key: String, action: String, detail: String?, actor: String, at: Date) {
        self.register = register
        self.key = key
        self.action = action
        self.detail = detail
        self.actor = actor
        self.at = at
    }
}
