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
    /// The complaint names the guidance centre itself: the ministry handles it (M013).
    @Field(key: "about_centre") var aboutCentre: Bool
    /// Why it was not accepted (不予受理), shown to the filer.
    @OptionalField(key: "refusal_reason") var refusalReason: String?
    @OptionalField(key: "accepted_at") var acceptedAt: Date?
    /// Working days the ministry added to the result deadline; 0 until the one extension.
    @Field(key: "extension_days") var extensionDays: Int
    @OptionalField(key: "extension_reason") var extensionReason: String?
    /// The running deadline is `due_days` working days after `due_from` (nil for cases filed
    /// before deadlines were counted in working days).
    @OptionalField(key: "due_from") var dueFrom: Date?
    @OptionalField(key: "due_days") var dueDays: Int?

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

/// A file the filer (or a handler) attached as evidence: stored without image metadata, served
/// only to the handling unit and the ministry.
final class ComplaintAttachment: Model, @unchecked Sendable {
    static let schema = "complaint_attachments"

    @ID(key: .id) var id: UUID?
    @Parent(key: "complaint_id") var complaint: Complaint
    @Field(key: "name") var name: String
    @Field(key: "content_type") var contentType: String
    @Field(key: "size") var size: Int
    @Field(key: "sha256") var sha256: String
    @Field(key: "data") var data: Data
    @Field(key: "from_filer") var fromFiler: Bool
    @Field(key: "actor") var actor: String
    @Field(key: "at") var at: Date

    init() {}
}

/// One message of a case's thread: the handler's question or the filer's answer. The whole
/// thread is the case's public part: the filer reads it with the receipt.
final class ComplaintMessage: Model, @unchecked Sendable {
    static let schema = "complaint_messages"

    @ID(key: .id) var id: UUID?
    @Parent(key: "complaint_id") var complaint: Complaint
    /// 0, 1, 2… in the order written.
    @Field(key: "position") var position: Int
    @Field(key: "from_filer") var fromFiler: Bool
    @Field(key: "body") var body: String
    @Field(key: "actor") var actor: String
    @Field(key: "at") var at: Date

    init() {}
    init(complaint: UUID, position: Int, fromFiler: Bool, body: String, actor: String, at: Date) {
        $complaint.id = complaint
        self.position = position
        self.fromFiler = fromFiler
        self.body = body
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
