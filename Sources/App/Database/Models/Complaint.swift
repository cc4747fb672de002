import Domain
import Fluent
import Foundation

/// A whistle-blowing case. `ownerCode` is the unit handling it; nil means the ministry.
final class Complaint: Model, @unchecked Sendable {
    static let schema = "complaints"

    @ID(key: .id) var id: UUID?
    @Field(key: "receipt_hash") var receiptHash: String
    @Enum(key: "category") var category: ComplaintCategory
    @OptionalParent(key: "unit_code") var unit: UnitModel?
    @OptionalParent(key: "owner_code") var owner: UnitModel?
    @OptionalField(key: "station") var station: String?
    @Field(key: "description") var description: String
    @Enum(key: "channel") var channel: ComplaintChannel
    @Enum(key: "status") var status: ComplaintStatus
    @Field(key: "referred_to_police") var referredToPolice: Bool
    @Field(key: "received_at") var receivedAt: Date
    @Field(key: "due_at") var dueAt: Date
    @OptionalField(key: "closed_at") var closedAt: Date?
    @OptionalField(key: "recorded_by") var recordedBy: String?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    var unitCode: String? { $unit.id ?? nil }
    var ownerCode: String? { $owner.id ?? nil }

    func isOverdue(at now: Date) -> Bool { !status.isClosed && now > dueAt }
}

final class ComplaintContact: Model, @unchecked Sendable {
    static let schema = "complaint_contacts"

    @ID(custom: "complaint_id", generatedBy: .user) var id: UUID?
    @Field(key: "contact") var contact: String

    init() {}
    init(complaintID: UUID, contact: String) {
        self.id = complaintID
        self.contact = contact
    }
}

final class ComplaintUpdate: Model, @unchecked Sendable {
    static let schema = "complaint_updates"

    @ID(key: .id) var id: UUID?
    @Parent(key: "complaint_id") var complaint: Complaint
    @OptionalField(key: "from_status") var fromStatus: String?
    @Field(key: "to_status") var toStatus: String
    @OptionalField(key: "note") var note: String?
    @OptionalField(key: "public_note") var publicNote: String?
    @OptionalField(key: "from_owner") var fromOwner: String?
    @OptionalField(key: "to_owner") var toOwner: String?
    @Field(key: "referred_to_police") var referredToPolice: Bool
    @Field(key: "actor") var actor: String
    @Field(key: "at") var at: Date

    init() {}

    /// One step of a case's trail: a status change, a transfer, or both.
    init(
        complaint: UUID, from: ComplaintStatus?, to: ComplaintStatus, note: String?, publicNote: String?, fromOwner: String?,
        toOwner: String?, referred: Bool, actor: String, at: Date
    ) {
        self.$complaint.id = complaint
        fromStatus = from?.rawValue
        toStatus = to.rawValue
        self.note = note
        self.publicNote = publicNote
        self.fromOwner = fromOwner
        self.toOwner = toOwner
        referredToPolice = referred
        self.actor = actor
        self.at = at
    }

}

final class UnitHotline: Model, @unchecked Sendable {
    static let schema = "unit_hotlines"

    @ID(key: .id) var id: UUID?
    @Parent(key: "unit_code") var unit: UnitModel
    @Field(key: "phone") var phone: String
    @Field(key: "position") var position: Int

    init() {}
    init(unitCode: String, phone: String, position: Int) {
        self.$unit.id = unitCode
        self.phone = phone
        self.position = position
    }
}
