import Fluent
import Foundation

/// A unit's order of blank certificates; the ministry allocates a serial range and a price.
final class CertificateOrder: Model, @unchecked Sendable {
    static let schema = "certificate_orders"

    enum Status: String, Codable, Sendable { case pending, allocated }

    @ID(key: .id) var id: UUID?
    @Parent(key: "unit_code") var unit: UnitModel
    @Field(key: "level") var level: String
    @Field(key: "quantity") var quantity: Int
    @Enum(key: "status") var status: Status
    @OptionalField(key: "serial_from") var serialFrom: Int64?
    @OptionalField(key: "serial_to") var serialTo: Int64?
    @OptionalField(key: "unit_price_fen") var unitPriceFen: Int64?
    @OptionalField(key: "due_fen") var dueFen: Int64?
    @OptionalField(key: "allocated_on") var allocatedOn: String?
    @Field(key: "ordered_by") var orderedBy: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(unitCode: String, level: String, quantity: Int, orderedBy: String) {
        self.$unit.id = unitCode
        self.level = level
        self.quantity = quantity
        self.status = .pending
        self.orderedBy = orderedBy
    }

    var unitCode: String { $unit.id }
}

/// A payment recorded against an order.
final class CertificatePayment: Model, @unchecked Sendable {
    static let schema = "certificate_payments"

    @ID(key: .id) var id: UUID?
    @Parent(key: "order_id") var order: CertificateOrder
    @Parent(key: "unit_code") var unit: UnitModel
    @Field(key: "amount_fen") var amountFen: Int64
    @Field(key: "paid_on") var paidOn: String
    @Field(key: "recorded_by") var recordedBy: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(orderID: UUID, unitCode: String, amountFen: Int64, paidOn: String, recordedBy: String) {
        self.$order.id = orderID
        self.$unit.id = unitCode
        self.amountFen = amountFen
        self.paidOn = paidOn
        self.recordedBy = recordedBy
    }
}

/// A serial that has been used: issued to a holder (and perhaps revoked later), or voided as a spoiled blank.
final class Certificate: Model, @unchecked Sendable {
    static let schema = "certificates"

    enum Status: String, Codable, Sendable { case issued, revoked, voided }

    @ID(custom: "serial", generatedBy: .user) var id: String?
    @Parent(key: "unit_code") var unit: UnitModel
    @Enum(key: "status") var status: Status
    @OptionalField(key: "holder_name") var holderName: String?
    @OptionalField(key: "id_number") var idNumber: String?
    @OptionalField(key: "occupation") var occupation: String?
    @OptionalField(key: "level") var level: String?
    @OptionalField(key: "issued_on") var issuedOn: String?
    @OptionalField(key: "reason") var reason: String?
    @OptionalField(key: "token") var token: String?
    /// 证书编号, assigned at issuance (`CertificateNumber`); nil for a voided blank.
    @OptionalField(key: "certificate_number") var certificateNumber: String?
    /// The exam session and the pass it was issued against (nil only for certificates issued
    /// before passes were recorded).
    @OptionalField(key: "session_id") var sessionID: UUID?
    @OptionalField(key: "result_id") var resultID: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    var serial: String { id ?? "" }
    var unitCode: String { $unit.id }
}

/// The audit trail of certificates: issue, void, revoke.
final class CertificateEvent: Model, @unchecked Sendable {
    static let schema = "certificate_events"

    @ID(key: .id) var id: UUID?
    @Field(key: "serial") var serial: String
    @Field(key: "unit_code") var unitCode: String
    @Field(key: "action") var action: String
    @OptionalField(key: "reason") var reason: String?
    @Field(key: "actor") var actor: String
    @Field(key: "at") var at: Date

    init() {}

    init(serial: String, unitCode: String, action: String, reason: String?, actor: String, at: Date) {
        self.serial = serial
        self.unitCode = unitCode
        self.action = action
        self.reason = reason
        self.actor = actor
        self.at = at
    }
}

/// An attempt to issue or void a serial that is not in the unit's allocated ranges.
final class SerialBreach: Model, @unchecked Sendable {
    static let schema = "serial_breaches"

    @ID(key: .id) var id: UUID?
    @Field(key: "unit_code") var unitCode: String
    @Field(key: "serial") var serial: String
    @OptionalField(key: "owner_code") var ownerCode: String?
    @Field(key: "source") var source: String
    @Field(key: "actor") var actor: String
    @Field(key: "at") var at: Date

    init() {}

    init(unitCode: String, serial: String, ownerCode: String?, source: String, actor: String, at: Date) {
        self.unitCode = unitCode
        self.serial = serial
        self.ownerCode = ownerCode
        self.source = source
        self.actor = actor
        self.at = at
    }
}

/// An issuance refused for want of a pass (`no_pass_record`, `already_certified`): counted
/// for the ministry per unit and quarter.
final class IssuanceRefusal: Model, @unchecked Sendable {
    static let schema = "issuance_refusals"

    @ID(key: .id) var id: UUID?
    @Field(key: "unit_code") var unitCode: String
    @Field(key: "serial") var serial: String
    @Field(key: "id_number") var idNumber: String
    @Field(key: "code") var code: String
    @Field(key: "source") var source: String
    @Field(key: "actor") var actor: String
    @Field(key: "at") var at: Date

    init() {}
    init(unitCode: String, serial: String, idNumber: String, code: String, source: String, actor: String, at: Date) {
        self.unitCode = unitCode
        self.serial = serial
        self.idNumber = idNumber
        self.code = code
        self.source = source
        self.actor = actor
        self.at = at
    }
}

/// An Ed25519 signing key; the active one signs new certificates, all stay in the JWKS.
final class SigningKeyModel: Model, @unchecked Sendable {
    static let schema = "signing_keys"

    @ID(custom: "kid", generatedBy: .user) var id: String?
    @Field(key: "private_key") var privateKey: String
    @Field(key: "active") var active: Bool
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    /// Set by `retire-signing-key`: the key leaves the JWKS and its tokens no longer verify.
    @OptionalField(key: "retired_at") var retiredAt: Date?

    init() {}
    init(kid: String, privateKey: String, active: Bool) {
        self.id = kid
        self.privateKey = privateKey
        self.active = active
    }
}
