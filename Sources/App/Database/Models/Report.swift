import Domain
import Fluent
import Foundation

/// One revision of a unit's quarterly report. Revision 1 is the original; a change after the
/// ministry accepted it is a new revision that must be accepted in turn.
final class ReportModel: Model, @unchecked Sendable {
    static let schema = "reports"

    enum Status: String, Codable, Sendable { case draft, submitted, accepted, returned }

    @ID(key: .id) var id: UUID?
    // reference
    @Field(key: "period") var period: String
    @Field(key: "year") var year: Int
    @Field(key: "quarter") var quarter: Int
    @Parent(key: "unit_code") var unit: UnitModel
    @Field(key: "revision") var revision: Int
    // state
    @Enum(key: "status") var status: Status
    @OptionalField(key: "comment") var comment: String?
    @OptionalField(key: "submitted_at") var submittedAt: Date?
    @Field(key: "late") var late: Bool
    @OptionalField(key: "accepted_at") var acceptedAt: Date?
    // data
    @Field(key: "std_national") var stdNational: Int
    @Field(key: "std_verified_local") var stdVerifiedLocal: Int
    @Field(key: "std_unverified_local") var stdUnverifiedLocal: Int
    @Field(key: "bank_national") var bankNational: Int
    @Field(key: "bank_certified_local") var bankCertifiedLocal: Int
    @Field(key: "bank_uncertified_local") var bankUncertifiedLocal: Int
    @Field(key: "fee_standard") var feeStandard: Bool
    @Field(key: "overcharge_investigated") var overchargeInvestigated: Int
    @Field(key: "overcharge_uninvestigated") var overchargeUninvestigated: Int
    @Field(key: "cross_region") var crossRegion: Bool
    @Field(key: "supervision") var supervision: Bool
    @Field(key: "violations_investigated") var violationsInvestigated: Int
    @Field(key: "violations_uninvestigated") var violationsUninvestigated: Int
    @Field(key: "forgery_investigated") var forgeryInvestigated: Int
    @Field(key: "forgery_uninvestigated") var forgeryUninvestigated: Int
    @Field(key: "due_fen") var dueFen: Int64
    @Field(key: "paid_fen") var paidFen: Int64
    // managed
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    init(period: Period, unitCode: String, revision: Int, values: ReportValues) {
        self.period = period.description
        self.year = period.year
        self.quarter = period.quarter
        self.$unit.id = unitCode
        self.revision = revision
        self.status = .draft
        self.late = false
        self.values = values
    }

    var unitCode: String { $unit.id }

    var values: ReportValues {
        get {
            ReportValues(
                standards: .init(national: stdNational, verifiedLocal: stdVerifiedLocal, unverifiedLocal: stdUnverifiedLocal),
                banks: .init(national: bankNational, certifiedLocal: bankCertifiedLocal, uncertifiedLocal: bankUncertifiedLocal),
                feeStandard: feeStandard,
                overcharge: .init(investigated: overchargeInvestigated, uninvestigated: overchargeUninvestigated),
                crossRegion: crossRegion, supervision: supervision,
                violations: .init(investigated: violationsInvestigated, uninvestigated: violationsUninvestigated),
                forgery: .init(investigated: forgeryInvestigated, uninvestigated: forgeryUninvestigated),
                payment: .init(dueYuan: Money(fen: dueFen), paidYuan: Money(fen: paidFen)))
        }
        set {
            stdNational = newValue.standards.national
            stdVerifiedLocal = newValue.standards.verifiedLocal
            stdUnverifiedLocal = newValue.standards.unverifiedLocal
            bankNational = newValue.banks.national
            bankCertifiedLocal = newValue.banks.certifiedLocal
            bankUncertifiedLocal = newValue.banks.uncertifiedLocal
            feeStandard = newValue.feeStandard
            overchargeInvestigated = newValue.overcharge.investigated
            overchargeUninvestigated = newValue.overcharge.uninvestigated
            crossRegion = newValue.crossRegion
            supervision = newValue.supervision
            violationsInvestigated = newValue.violations.investigated
            violationsUninvestigated = newValue.violations.uninvestigated
            forgeryInvestigated = newValue.forgery.investigated
            forgeryUninvestigated = newValue.forgery.uninvestigated
            dueFen = newValue.payment.dueYuan.fen
            paidFen = newValue.payment.paidYuan.fen
        }
    }
}

/// The audit trail of a report: each changed field, each state change, who and when.
final class ReportEvent: Model, @unchecked Sendable {
    static let schema = "report_events"

    @ID(key: .id) var id: UUID?
    @Parent(key: "report_id") var report: ReportModel
    @Field(key: "period") var period: String
    @Field(key: "unit_code") var unitCode: String
    @Field(key: "revision") var revision: Int
    @Field(key: "action") var action: String
    @OptionalField(key: "field") var field: String?
    @OptionalField(key: "old_value") var oldValue: String?
    @OptionalField(key: "new_value") var newValue: String?
    @OptionalField(key: "comment") var comment: String?
    @Field(key: "actor") var actor: String
    @Field(key: "at") var at: Date
    @Field(key: "seq") var seq: Int

    init() {}

    init(
        report: ReportModel, action: String, field: String? = nil, old: String? = nil, new: String? = nil,
        comment: String? = nil, actor: String, at: Date, seq: Int
    ) throws {
        self.$report.id = try report.requireID()
        self.period = report.period
        self.unitCode = report.unitCode
        self.revision = report.revision
        self.action = action
        self.field = field
        self.oldValue = old
        self.newValue = new
        self.comment = comment
        self.actor = actor
        self.at = at
        self.seq = seq
    }
}

/// A published revision of a bulletin: an immutable JSON snapshot.
final class BulletinModel: Model, @unchecked Sendable {
    static let schema = "bulletins"

    @ID(key: .id) var id: UUID?
    @Field(key: "period") var period: String
    @Field(key: "revision") var revision: Int
    @Field(key: "published_at") var publishedAt: Date
    @Field(key: "published_by") var publishedBy: String
    @Field(key: "body") var body: String

    init() {}
    init(period: String, revision: Int, publishedAt: Date, publishedBy: String, body: String) {
        self.period = period
        self.revision = revision
        self.publishedAt = publishedAt
        self.publishedBy = publishedBy
        self.body = body
    }
}
