import Domain
import Fluent
import Foundation

/// A station's annual inspection (年检): one per station and year; recording a year again
/// corrects it (the change is in `register_events`).
final class StationInspection: Model, @unchecked Sendable {
    static let schema = "station_inspections"
    typealias Outcome = RegisterRules.InspectionOutcome
    @ID(key: .id) var id: UUID?
    @Parent(key: "station_code") var station: Station
    @Field(key: "year") var year: Int
    @Field(key: "inspected_on") var inspectedOn: String
    @Enum(key: "outcome") var outcome: Outcome
    @Field(key: "note") var note: String
    @Field(key: "recorded_by") var recordedBy: String
    @Field(key: "recorded_at") var recordedAt: Date
    init() {}

    var rule: RegisterRules.Inspection { .init(year: year, inspectedOn: inspectedOn, outcome: outcome) }
}
