import CertificateKit
import Domain
import Fluent
import SQLKit
import Vapor

/// Certificate stock, issuance and revocation, one function per action: the API controller and
/// the pages both call these with a typed input, the acting user, the `Store` and the time.
extension Certificates {
    // MARK: Answers

    struct OrderDTO: Content {
        let id: UUID
        let unitCode: String
        let level: String
        let quantity: Int
        let status: String
        let serialFrom: String?
        let serialTo: String?
        let unitPriceYuan: String?
        let dueYuan: String?
        let paidYuan: String
        let allocatedOn: String?
        let orderedBy: String
        let createdAt: Date?

        init(_ o: CertificateOrder, paidFen: Int64) {
            id = o.id!
            unitCode = o.unitCode
            level = o.level
            quantity = o.quantity
            status = o.status.rawValue
            serialFrom = o.serialFrom.map(Serials.format)
            serialTo = o.serialTo.map(Serials.format)
            unitPriceYuan = o.unitPriceFen.map { Money(fen: $0).description }
            dueYuan = o.dueFen.map { Money(fen: $0).description }
            paidYuan = Money(fen: paidFen).description
            allocatedOn = o.allocatedOn
            orderedBy = o.orderedBy
            createdAt = o.createdAt
        }
    }

    struct PaymentDTO: Content {
        let id: UUID
        let orderId: UUID
        let unitCode: String
        let amountYuan: String
        let paidOn: String
        let recordedBy: String
        init(_ p: CertificatePayment) {
            id = p.id!
            orderId = p.$order.id
            unitCode = p.$unit.id
            amountYuan = Money(fen: p.amountFen).description
            paidOn = p.paidOn
            recordedBy = p.recordedBy
        }
    }

    struct CertificateDTO: Content {
        let serial: String
        /// 证书编号 (`CertificateNumber`), assigned at issuance; nil for a voided blank.
        let certificateNumber: String?
        let unitCode: String
        let status: String
        /// The exam session whose pass the certificate was issued against.
        let sessionId: UUID?
        let holderName: String?
        let idNumber: String?
        let occupation: String?
        let level: String?
        let issuedOn: String?
        let reason: String?
        let token: String?
        let verifyURL: String?
        init(_ c: Certificate, token: String? = nil, publicURL: String? = nil) {
            serial = c.serial
            certificateNumber = c.certificateNumber
            unitCode = c.unitCode
            status = c.status.rawValue
            sessionId = c.sessionID
            holderName = c.holderName
            idNumber = c.idNumber
            occupation = c.occupation
            level = c.level
            issuedOn = c.issuedOn
            reason = c.reason
            self.token = token
            verifyURL = token.flatMap { t in publicURL.map { Signing.verifyURL(t, publicURL: $0) } }
        }
    }

    // MARK: Orders

    struct NewOrder: Content {
        let unitCode: String?
        let level: String?
        let quantity: Int?
    }

    static func createOrder(_ input: NewOrder, by user: User, on store: Store) async throws -> OrderDTO {
        let unit = try await user.writableUnit(input.unitCode, on: store.db)
        let level = try level(input.level)
        let quantity = input.quantity ?? 0
        let o = try await store.write { try await order(unitCode: unit, level: level, quantity: quantity, actor: user, on: $0) }
        return OrderDTO(o, paidFen: 0)
    }

    static func orders(for user: User, unitCode: String?, on db: any Database) async throws -> [OrderDTO] {
        var q = CertificateOrder.query(on: db).sort(\.$createdAt, .descending)
        if let own = user.readableUnit {
            q = q.filter(\.$unit.$id == own)
        } else if let unitCode {
            q = q.filter(\.$unit.$id == unitCode)
        }
        let orders = try await q.all()
        let paid = try await paidByOrder(orders.compactMap(\.id), on: db)
        return orders.map { OrderDTO($0, paidFen: paid[$0.id!] ?? 0) }
    }

    static func paidByOrder(_ ids: [UUID], on db: any Database) async throws -> [UUID: Int64] {
        guard !ids.isEmpty else { return [:] }
        let payments = try await CertificatePayment.query(on: db).filter(\.$order.$id ~~ ids).all()
        return payments.reduce(into: [:]) { $0[$1.$order.id, default: 0] += $1.amountFen }
    }

    static func orderID(_ raw: String?) throws -> UUID {
        guard let id = raw.flatMap(UUID.init(uuidString:)) else { throw AppError.notFound("No such order", "没有该订单") }
        return id
    }

    struct Allocation: Content {
        let unitPriceYuan: JSONValue?
        let allocatedOn: String?
    }

    static func allocate(
        _ order: String?, _ input: Allocation, by user: User, on store: Store, now: Date
    ) async throws -> OrderDTO {
        try user.requireMinistry()
        let price = try money(input.unitPriceYuan, field: "unitPriceYuan")
        let day = try input.allocatedOn.map { try pastDate($0, field: "allocatedOn", now: now) } ?? Period.dayString(now)
        let id = try orderID(order)
        let o = try await store.write { try await allocate(id, unitPrice: price, allocatedOn: day, on: $0) }
        return OrderDTO(o, paidFen: 0)
    }

    struct NewPayment: Content {
        let amountYuan: JSONValue?
        let paidOn: String?
    }

    static func pay(_ order: String?, _ input: NewPayment, by user: User, on store: Store, now: Date) async throws -> PaymentDTO {
        try user.requireMinistry()
        let amount = try money(input.amountYuan, field: "amountYuan")
        let day = try pastDate(input.paidOn, field: "paidOn", now: now)
        let id = try orderID(order)
        return PaymentDTO(try await store.write { try await pay(id, amount: amount, paidOn: day, actor: user, on: $0) })
    }

    static func payments(for user: User, on db: any Database) async throws -> [PaymentDTO] {
        var q = CertificatePayment.query(on: db).sort(\.$paidOn, .descending)
        if let own = user.readableUnit { q = q.filter(\.$unit.$id == own) }
        return try await q.all().map(PaymentDTO.init)
    }

    // MARK: Issuance

    struct NewCertificate: Content {
        let serial: String?
        let holderName: String?
        let idNumber: String?
        let occupation: String?
        let level: String?
        let issuedOn: String?
    }

    /// Certificates are issued by a unit's operators from the unit's own stock.
    static func issuingUnit(_ user: User) throws -> String {
        guard user.role == .unit, let unit = user.unitCode else { throw AppError.forbidden }
        try user.requireActiveUnit()
        return unit
    }

    /// Issues one certificate and answers it with its signed token.
    static func issue(_ b: NewCertificate, by user: User, on store: Store, now: Date) async throws -> CertificateDTO {
        let unit = try issuingUnit(user)
        let input = Issuance.Input(
            serial: b.serial ?? "", holderName: b.holderName ?? "", idNumber: b.idNumber ?? "",
            occupation: b.occupation ?? "", level: b.level ?? "", issuedOn: b.issuedOn ?? "")
        let c = try await Issuance.issueOne(input, unit: unit, by: user, on: store, now: now)
        return try await signed(c, on: store)
    }

    /// A certificate with its signed token and verification link (a voided blank has neither).
    static func signed(_ c: Certificate, on store: Store) async throws -> CertificateDTO {
        guard c.status != .voided else { return CertificateDTO(c) }
        let token = try await Signing.token(for: c, vault: store.app.keyVault, store: store)
        return CertificateDTO(c, token: token, publicURL: store.config.publicURL)
    }

    struct Page: Content {
        let items: [CertificateDTO]
        let page: Int
        let per: Int
        let total: Int
    }
    struct Search: Sendable {
        var unitCode: String?
        var q: String?
        var status: String?
        var paging: Paging
    }

    /// Search by serial (prefix) or holder name (exact), by status; paged.
    static func search(_ s: Search, for user: User, on db: any Database) async throws -> Page {
        var q = Certificate.query(on: db)
        if let own = user.readableUnit {
            q = q.filter(\.$unit.$id == own)
        } else if let unit = s.unitCode {
            q = q.filter(\.$unit.$id == unit)
        }
        if let text = s.q?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            if text.allSatisfy({ $0.isASCII && $0.isNumber }) {
                q = q.filter(\.$id >= text).filter(\.$id < text + "\u{7F}")
            } else {
                q = q.filter(\.$holderName == text)
            }
        }
        if let st = s.status, let status = Certificate.Status(rawValue: st) { q = q.filter(\.$status == status) }
        let total = try await q.copy().count()
        let items = try await q.sort(\.$id).range(s.paging.range).all()
        return Page(items: items.map { CertificateDTO($0) }, page: s.paging.page, per: s.paging.per, total: total)
    }

    /// A certificate the user may read.
    static func find(_ serial: String, for user: User, on db: any Database) async throws -> Certificate {
        guard let c = try await Certificate.find(serial, on: db) else {
            throw AppError.notFound("No certificate with serial \(serial)", "没有编号为\(serial)的证书")
        }
        try user.requireRead(unit: c.unitCode)
        return c
    }

    static func reason(_ raw: String?, required: Bool) throws -> String? {
        let r = raw?.trimmingCharacters(in: .whitespacesAndNewlines)
        if required && (r ?? "").isEmpty || (r?.count ?? 0) > 500 {
            throw AppError.invalid(field: "reason", code: "required", "Give a reason (1–500 characters)", "请填写原因（1至500字）")
        }
        return (r?.isEmpty ?? true) ? nil : r
    }

    static func revoke(
        _ serial: String, reason raw: String?, by user: User, on store: Store, now: Date
    ) async throws -> CertificateDTO {
        let c = try await find(serial, for: user, on: store.db)
        guard user.role != .supervisor else { throw AppError.forbidden }
        let why = try reason(raw, required: true)
        // Re-read under the row's lock: of two revocations (or a revoke racing a void) one wins.
        let revoked = try await store.write { db -> Certificate in
            try await Reports.lockUnit(c.unitCode, active: true, on: db)
            try await db.lockForWrite("certificates", "serial", c.serial)
            guard let c = try await Certificate.find(c.serial, on: db), c.status == .issued else {
                throw AppError.conflict(
                    "wrong_state", "Only an issued certificate can be revoked (this one is \(c.status.rawValue))",
                    "只能撤销已发放的证书")
            }
            c.status = .revoked
            c.reason = why
            try await c.save(on: db)
            try await CertificateEvent(
                serial: c.serial, unitCode: c.unitCode, action: "revoke", reason: why,
                actor: user.username, at: now
            ).create(on: db)
            return c
        }
        Signing.revocationsChanged(store.app)
        return CertificateDTO(revoked)
    }

    /// Voids a spoiled blank of the unit's own stock.
    static func void(
        _ serial: String, reason raw: String?, by user: User, on store: Store, now: Date
    ) async throws -> CertificateDTO {
        let unit = try issuingUnit(user)
        let why = try reason(raw, required: false)
        guard let n = Serials.parse(serial) else {
            throw AppError.invalid(
                field: "serial", code: "malformed_serial", "A serial is \(Serials.width) digits",
                "证书编号须为\(Serials.width)位数字")
        }
        let ranges = try await ranges(on: store.db)
        guard let r = owner(of: n, in: ranges), r.unitCode == unit else {
            let owner = owner(of: n, in: ranges)?.unitCode
            try await store.write {
                try await Issuance.recordBreaches(
                    [(serial, owner)], unit: unit, source: "void",
                    actor: user.username, now: now, on: $0)
            }
            throw AppError.invalid(
                field: "serial", code: "serial_not_allocated_to_unit",
                "Serial \(serial) is not in this unit's stock; the attempt is recorded",
                "证书编号\(serial)不在本单位领用的证书范围内，此次操作已记录"
            ).with(code: "serial_not_allocated_to_unit")
        }
        let c = Certificate()
        c.id = serial
        c.$unit.id = unit
        c.status = .voided
        c.reason = why
        c.level = r.level
        try await store.write { db in
            try await Reports.lockUnit(unit, active: true, on: db)
            if let existing = try await Certificate.find(serial, on: db) {
                throw AppError.conflict(
                    existing.status == .voided ? "serial_voided" : "serial_already_issued",
                    "Serial \(serial) is already \(existing.status.rawValue)", "证书编号\(serial)已使用或已作废")
            }
            try await c.create(on: db)
            try await CertificateEvent(
                serial: serial, unitCode: unit, action: "void", reason: why, actor: user.username,
                at: now
            ).create(on: db)
        }
        return CertificateDTO(c)
    }

    // MARK: For the ministry

    struct BreachDTO: Content {
        let unitCode: String
        let serial: String
        let ownerCode: String?
        let source: String
        let actor: String
        let at: Date
    }

    static func breaches(for user: User, limit: Int = 1000, on db: any Database) async throws -> [BreachDTO] {
        try user.requireMinistry()
        return try await SerialBreach.query(on: db).sort(\.$at, .descending).limit(limit).all().map {
            BreachDTO(
                unitCode: $0.unitCode, serial: $0.serial, ownerCode: $0.ownerCode, source: $0.source, actor: $0.actor, at: $0.at)
        }
    }
}
