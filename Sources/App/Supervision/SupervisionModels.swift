import Domain
import Fluent
import Foundation

/// An occupation a supervisor is qualified to supervise.
final class SupervisorOccupation: Model, @unchecked Sendable {
    static let schema = "supervisor_occupations"
    @ID(key: .id) var id: UUID?
    @Parent(key: "supervisor_id") var supervisor: Supervisor
    @Parent(key: "occupation_code") var occupation: Occupation
    init() {}
    init(supervisor: UUID, occupation: String) {
        $supervisor.id = supervisor
        $occupation.id = occupation
    }
}

/// A random draw of supervisors for a session: the seed and the candidates (ids, sorted, comma
/// separated) replay it with `Supervision.draw`; `chosen` is what it gave.
final class SupervisionDraw: Model, @unchecked Sendable {
    static let schema = "supervision_draws"
    @ID(key: .id) var id: UUID?
    @Field(key: "session_id") var sessionID: UUID
    @Field(key: "seed") var seed: String
    @Field(key: "candidates") var candidates: String
    @Field(key: "count") var count: Int
    @Field(key: "chosen") var chosen: String
    @Field(key: "at") var at: Date
    @Field(key: "by") var by: String
    init() {}

    static func ids(_ list: String) -> [UUID] { list.split(separator: ",").compactMap { UUID(uuidString: String($0)) } }
    static func list(_ ids: [UUID]) -> String { ids.map(\.uuidString).joined(separator: ",") }
}

/// One supervisor sent (委派) to one exam session, chosen by name or by a draw.
final class SessionDispatch: Model, @unchecked Sendable {
    static let schema = "session_dispatches"
    @ID(key: .id) var id: UUID?
    @Field(key: "session_id") var sessionID: UUID
    @Field(key: "supervisor_id") var supervisorID: UUID
    @OptionalField(key: "draw_id") var drawID: UUID?
    @Field(key: "at") var at: Date
    @Field(key: "by") var by: String
    init() {}
}

/// A supervisor's report on a session they were dispatched to, or on a visit they made.
final class SupervisionReport: Model, @unchecked Sendable {
    static let schema = "supervision_reports"
    @ID(key: .id) var id: UUID?
    @OptionalField(key: "dispatch_id") var dispatchID: UUID?
    @OptionalField(key: "session_id") var sessionID: UUID?
    @OptionalField(key: "visit_id") var visitID: UUID?
    @Field(key: "supervisor_id") var supervisorID: UUID
    @Field(key: "unit_code") var unitCode: String
    @Field(key: "station_code") var stationCode: String
    /// The session's or the visit's day: the quarter column 15 counts the report in.
    @Field(key: "supervised_on") var supervisedOn: String
    /// The checklist as JSON: `{"examOrder":{"result":"ok","note":""},…}`.
    @Field(key: "checklist") var checklist: String
    @Field(key: "findings") var findings: String
    @Field(key: "violation_found") var violationFound: Bool
    @OptionalField(key: "violation_category") var violationCategory: String?
    /// The case opened in the complaints register for the violation found.
    @OptionalField(key: "complaint_id") var complaintID: UUID?
    @Field(key: "filed_by") var filedBy: String
    @Field(key: "filed_at") var filedAt: Date
    init() {}
}
