import Fluent
import Foundation

/// A forgery lead: public lookups of one serial on one (Beijing) day that point to a forged or
/// misused certificate. One row per serial and day (a unique index); each further lookup that day
/// adds to `lookups`. `unitCode` is the unit whose allocated range holds the serial; nil for a
/// serial never allocated (the ministry's).
final class ForgeryLead: Model, @unchecked Sendable {
    static let schema = "forgery_leads"

    enum Kind: String, Codable, Sendable, CaseIterable {
        /// The serial was never allocated by the ministry: a forged blank.
        case neverAllocated = "never_allocated"
        /// The serial is a blank voided as spoiled: it should never be shown as a certificate.
        case voided
        /// The certificate was revoked but is still being presented.
        case revoked
        /// Names or ID numbers that do not match the certificate, `ForgeryLeads.mismatchThreshold`
        /// times or more in one day: somebody trying a real serial under another name.
        case mismatch

        /// Which kind wins when one serial's lookups of a day differ: a mismatch count gives way to
        /// what the serial's state says.
        var rank: Int {
            switch self {
            case .mismatch: 0
            case .voided, .revoked: 1
            case .neverAllocated: 2
            }
        }
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "serial") var serial: String
    @Field(key: "day") var day: String
    @Field(key: "kind") var kindRaw: String
    @OptionalField(key: "unit_code") var unitCode: String?
    @Field(key: "lookups") var lookups: Int
    @Field(key: "first_seen") var firstSeen: Date
    @Field(key: "last_seen") var lastSeen: Date
    /// The complaint case made of this lead; at most one.
    @OptionalField(key: "complaint_id") var complaintID: UUID?

    init() {}

    init(serial: String, day: String, kind: Kind, unitCode: String?, lookups: Int, at: Date) {
        self.serial = serial
        self.day = day
        self.kindRaw = kind.rawValue
        self.unitCode = unitCode
        self.lookups = lookups
        self.firstSeen = at
        self.lastSeen = at
    }

    var kind: Kind { Kind(rawValue: kindRaw) ?? .neverAllocated }
}

/// An employer's key for batch verification. The key itself is shown once, when made; only its
/// SHA-256 hash and its first characters (to recognise it in a list) are kept.
final class APIKey: Model, @unchecked Sendable {
    static let schema = "api_keys"

    @ID(key: .id) var id: UUID?
    @Field(key: "key_hash") var keyHash: String
    @Field(key: "prefix") var prefix: String
    @Field(key: "organisation") var organisation: String
    @Field(key: "contact") var contact: String
    @Field(key: "daily_quota") var dailyQuota: Int
    @Field(key: "created_by") var createdBy: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "revoked_at") var revokedAt: Date?

    init() {}
}
