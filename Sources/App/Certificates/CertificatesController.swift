import CertificateKit
import Domain
import Fluent
import SQLKit
import Vapor

enum CertificatesController {
    // MARK: DTOs

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
            id = o.id!; unitCode = o.unitCode; level = o.level; quantity = o.quantity; status = o.status.rawValue
            serialFrom = o.serialFrom.map(Serials.format); serialTo = o.serialTo.map(Serials.format)
            unitPriceYuan = o.unitPriceFen.map { Money(fen: $0).description }
            dueYuan = o.dueFen.map { Money(fen: $0).description }
            paidYuan = Money(fen: paidFen).description
            allocatedOn = o.allocatedOn; orderedBy = o.orderedBy; createdAt = o.createdAt
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
            id = p.id!; orderId = p.$order.id; unitCode = p.$unit.id; amountYuan = Money(fen: p.amountFen).description
            paidOn = p.paidOn; recordedBy = p.recordedBy
        }
    }

    struct CertificateDTO: Content {
        let serial: String
        let unitCode: String
        let status: String
        let holderName: String?
        let idNumber: String?
        let occupation: String?
        let level: String?
        let issuedOn: String?
        let reason: String?
        let token: String?
        let verifyURL: String?
        init(_ c: Certificate, token: String? = nil, publicURL: String? = nil) {
            serial = c.serial; unitCode = c.unitCode; status = c.status.rawValue; holderName = c.holderName
            idNumber = c.idNumber; occupation = c.occupation; level = c.level; issuedOn = c.issuedOn; reason = c.reason
            self.token = token
            verifyURL = token.flatMap { t in publicURL.map { Signing.verifyURL(t, publicURL: $0) } }
        }
    }

    // MARK: Orders

    struct NewOrder: Content { let unitCode: String?; let level: String?; let quantity: Int? }

    @Sendable static func createOrder(_ req: Request) async throws -> Response {
        let body = try req.content.decode(NewOrder.self)
        let (user, unit) = try await req.writableUnit(body.unitCode)
        let level = try Certificates.level(body.level)
        let quantity = body.quantity ?? 0
        let o = try await req.write { try await Certificates.order(unitCode: unit, level: level, quantity: quantity, actor: user, on: $0) }
        return try await OrderDTO(o, paidFen: 0).encodeResponse(status: .created, for: req)
    }

    @Sendable static func listOrders(_ req: Request) async throws -> [OrderDTO] {
        let user = try req.requireUser()
        var q = CertificateOrder.query(on: req.db).sort(\.$createdAt, .descending)
        if user.role != .ministry {
            q = q.filter(\.$unit.$id == (user.unitCode ?? ""))
        } else if let unit = req.query[String.self, at: "unitCode"] {
            q = q.filter(\.$unit.$id == unit)
        }
        let orders = try await q.all()
        let paid = try await paidByOrder(orders.compactMap(\.id), on: req.db)
        return orders.map { OrderDTO($0, paidFen: paid[$0.id!] ?? 0) }
    }

    static func paidByOrder(_ ids: [UUID], on db: any Database) async throws -> [UUID: Int64] {
        guard !ids.isEmpty else { return [:] }
        let payments = try await CertificatePayment.query(on: db).filter(\.$order.$id ~~ ids).all()
        return payments.reduce(into: [:]) { $0[$1.$order.id, default: 0] += $1.amountFen }
    }

    static func orderID(_ req: Request) throws -> UUID {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw AppError.notFound("No such order", "没有该订单") }
        return id
    }

    struct Allocation: Content { let unitPriceYuan: JSONValue?; let allocatedOn: String? }

    @Sendable static func allocate(_ req: Request) async throws -> OrderDTO {
        _ = try req.requireMinistry()
        let body = try req.content.decode(Allocation.self)
        let price = try Certificates.money(body.unitPriceYuan, field: "unitPriceYuan")
        let day = try body.allocatedOn.map { try Certificates.pastDate($0, field: "allocatedOn", now: req.now) }
            ?? Period.dayString(req.now)
        let id = try orderID(req)
        let o = try await req.write { try await Certificates.allocate(id, unitPrice: price, allocatedOn: day, on: $0) }
        return OrderDTO(o, paidFen: 0)
    }

    struct NewPayment: Content { let amountYuan: JSONValue?; let paidOn: String? }

    @Sendable static func pay(_ req: Request) async throws -> Response {
        let user = try req.requireMinistry()
        let body = try req.content.decode(NewPayment.self)
        let amount = try Certificates.money(body.amountYuan, field: "amountYuan")
        let day = try Certificates.pastDate(body.paidOn, field: "paidOn", now: req.now)
        let id = try orderID(req)
        let p = try await req.write { try await Certificates.pay(id, amount: amount, paidOn: day, actor: user, on: $0) }
        return try await PaymentDTO(p).encodeResponse(status: .created, for: req)
    }

    @Sendable static func listPayments(_ req: Request) async throws -> [PaymentDTO] {
        let user = try req.requireUser()
        var q = CertificatePayment.query(on: req.db).sort(\.$paidOn, .descending)
        if user.role != .ministry { q = q.filter(\.$unit.$id == (user.unitCode ?? "")) }
        return try await q.all().map(PaymentDTO.init)
    }

    // MARK: Issuance

    struct NewCertificate: Content {
        let serial: String?; let holderName: String?; let idNumber: String?; let occupation: String?
        let level: String?; let issuedOn: String?
    }

    /// Certificates are issued by a unit's operators from the unit's own stock.
    static func issuingUnit(_ req: Request) throws -> (User, String) {
        let user = try req.requireUser()
        guard user.role == .unit, let unit = user.unitCode else { throw AppError.forbidden }
        try user.requireActiveUnit()
        return (user, unit)
    }

    @Sendable static func issue(_ req: Request) async throws -> Response {
        let (user, unit) = try issuingUnit(req)
        let b = try req.content.decode(NewCertificate.self)
        let input = Issuance.Input(serial: b.serial ?? "", holderName: b.holderName ?? "", idNumber: b.idNumber ?? "",
                                   occupation: b.occupation ?? "", level: b.level ?? "", issuedOn: b.issuedOn ?? "")
        let c = try await Issuance.issueOne(input, unit: unit, actor: user, on: req)
        let token = try await Signing.token(for: c, vault: req.application.keyVault, store: req.store)
        return try await CertificateDTO(c, token: token, publicURL: req.config.publicURL).encodeResponse(status: .created, for: req)
    }

    @Sendable static func importCSV(_ req: Request) async throws -> Issuance.ImportResult {
        let (user, unit) = try issuingUnit(req)
        // Authorised above (and by the route's RequireRole before a byte of the body was read).
        let upload = try await Upload.spool(req, maxBytes: Issuance.maxImportBytes)
        return try await Issuance.importCSV(upload, unit: unit, actor: user, on: req)
    }

    struct Page: Content { let items: [CertificateDTO]; let page: Int; let per: Int; let total: Int }

    /// Search by serial (prefix) or holder name (exact), by status; paged.
    @Sendable static func list(_ req: Request) async throws -> Page {
        let user = try req.requireUser()
        var q = Certificate.query(on: req.db)
        if user.role != .ministry {
            q = q.filter(\.$unit.$id == (user.unitCode ?? ""))
        } else if let unit = req.query[String.self, at: "unitCode"] {
            q = q.filter(\.$unit.$id == unit)
        }
        if let s = req.query[String.self, at: "q"]?.trimmingCharacters(in: .whitespaces), !s.isEmpty {
            if s.allSatisfy({ $0.isASCII && $0.isNumber }) {
                q = q.filter(\.$id >= s).filter(\.$id < s + "\u{7F}")
            } else {
                q = q.filter(\.$holderName == s)
            }
        }
        if let st = req.query[String.self, at: "status"], let status = Certificate.Status(rawValue: st) {
            q = q.filter(\.$status == status)
        }
        let paging = try Paging(req, defaultPer: 50, maxPer: 200)
        let total = try await q.copy().count()
        let items = try await q.sort(\.$id).range(paging.range).all()
        return Page(items: items.map { CertificateDTO($0) }, page: paging.page, per: paging.per, total: total)
    }

    static func find(_ req: Request) async throws -> (User, Certificate) {
        let user = try req.requireUser()
        let serial = req.parameters.get("serial") ?? ""
        guard let c = try await Certificate.find(serial, on: req.db) else {
            throw AppError.notFound("No certificate with serial \(serial)", "没有编号为\(serial)的证书")
        }
        _ = try req.requireRead(unit: c.unitCode)
        return (user, c)
    }

    @Sendable static func get(_ req: Request) async throws -> CertificateDTO {
        let (_, c) = try await find(req)
        guard c.status != .voided else { return CertificateDTO(c) }
        let token = try await Signing.token(for: c, vault: req.application.keyVault, store: req.store)
        return CertificateDTO(c, token: token, publicURL: req.config.publicURL)
    }

    @Sendable static func qr(_ req: Request) async throws -> Response {
        let (_, c) = try await find(req)
        guard c.status != .voided else { throw AppError.conflict("wrong_state", "A voided blank has no QR code", "已作废的证书没有二维码") }
        let token = try await Signing.token(for: c, vault: req.application.keyVault, store: req.store)
        let svg = try Signing.qrSVG(Signing.verifyURL(token, publicURL: req.config.publicURL), title: token)
        let res = Response(status: .ok, body: .init(string: svg))
        res.headers.contentType = HTTPMediaType(type: "image", subType: "svg+xml")
        return res
    }

    struct Reason: Content { let reason: String? }

    static func reason(_ req: Request, required: Bool) throws -> String? {
        let r = (try? req.content.decode(Reason.self))?.reason?.trimmingCharacters(in: .whitespacesAndNewlines)
        if required && (r ?? "").isEmpty || (r?.count ?? 0) > 500 {
            throw AppError.invalid(field: "reason", code: "required", "Give a reason (1–500 characters)", "请填写原因（1至500字）")
        }
        return (r?.isEmpty ?? true) ? nil : r
    }

    @Sendable static func revoke(_ req: Request) async throws -> CertificateDTO {
        let (user, c) = try await find(req)
        guard user.role != .supervisor else { throw AppError.forbidden }
        let why = try reason(req, required: true)
        let now = req.now
        // Re-read under the row's lock: of two revocations (or a revoke racing a void) one wins.
        let revoked = try await req.write { db -> Certificate in
            try await Reports.lockUnit(c.unitCode, active: true, on: db)
            try await db.lockForWrite("certificates", "serial", c.serial)
            guard let c = try await Certificate.find(c.serial, on: db), c.status == .issued else {
                throw AppError.conflict("wrong_state", "Only an issued certificate can be revoked (this one is \(c.status.rawValue))",
                                        "只能撤销已发放的证书")
            }
            c.status = .revoked
            c.reason = why
            try await c.save(on: db)
            try await CertificateEvent(serial: c.serial, unitCode: c.unitCode, action: "revoke", reason: why,
                                       actor: user.username, at: now).create(on: db)
            return c
        }
        return CertificateDTO(revoked)
    }

    /// Voids a spoiled blank of the unit's own stock.
    @Sendable static func void(_ req: Request) async throws -> Response {
        let (user, unit) = try issuingUnit(req)
        let serial = req.parameters.get("serial") ?? ""
        let why = try reason(req, required: false)
        let now = req.now
        guard let n = Serials.parse(serial) else {
            throw AppError.invalid(field: "serial", code: "malformed_serial", "A serial is \(Serials.width) digits",
                                   "证书编号须为\(Serials.width)位数字")
        }
        let ranges = try await Certificates.ranges(on: req.db)
        guard let r = Certificates.owner(of: n, in: ranges), r.unitCode == unit else {
            let owner = Certificates.owner(of: n, in: ranges)?.unitCode
            try await req.write { try await Issuance.recordBreaches([(serial, owner)], unit: unit, source: "void",
                                                                   actor: user.username, now: now, on: $0) }
            throw AppError.invalid(field: "serial", code: "serial_not_allocated_to_unit",
                                   "Serial \(serial) is not in this unit's stock; the attempt is recorded",
                                   "证书编号\(serial)不在本单位领用的证书范围内，此次操作已记录").with(code: "serial_not_allocated_to_unit")
        }
        let c = Certificate()
        c.id = serial; c.$unit.id = unit; c.status = .voided; c.reason = why; c.level = r.level
        try await req.write { db in
            try await Reports.lockUnit(unit, active: true, on: db)
            if let existing = try await Certificate.find(serial, on: db) {
                throw AppError.conflict(existing.status == .voided ? "serial_voided" : "serial_already_issued",
                                        "Serial \(serial) is already \(existing.status.rawValue)", "证书编号\(serial)已使用或已作废")
            }
            try await c.create(on: db)
            try await CertificateEvent(serial: serial, unitCode: unit, action: "void", reason: why, actor: user.username,
                                       at: now).create(on: db)
        }
        return try await CertificateDTO(c).encodeResponse(status: .created, for: req)
    }

    // MARK: For the ministry

    struct BreachDTO: Content { let unitCode: String; let serial: String; let ownerCode: String?; let source: String; let actor: String; let at: Date }

    @Sendable static func breaches(_ req: Request) async throws -> [BreachDTO] {
        _ = try req.requireMinistry()
        return try await SerialBreach.query(on: req.db).sort(\.$at, .descending).limit(1000).all().map {
            BreachDTO(unitCode: $0.unitCode, serial: $0.serial, ownerCode: $0.ownerCode, source: $0.source, actor: $0.actor, at: $0.at)
        }
    }

    struct LeadsDTO: Content {
        struct BySerial: Content { let serial: String; let count: Int; let lastSeen: String }
        struct ByDay: Content { let day: String; let count: Int }
        let bySerial: [BySerial]
        let byDay: [ByDay]
    }

    @Sendable static func forgeryLeads(_ req: Request) async throws -> LeadsDTO {
        _ = try req.requireMinistry()
        guard let sql = req.db as? any SQLDatabase else { throw AppError.malformed("SQL database required", "需要SQL数据库") }
        struct S: Decodable { let serial: String; let n: Int; let last: String }
        struct D: Decodable { let day: String; let n: Int }
        let bySerial = try await sql.raw("SELECT serial, COUNT(*) AS n, MAX(day) AS last FROM forgery_leads GROUP BY serial ORDER BY n DESC, serial LIMIT 500")
            .all(decoding: S.self)
        let byDay = try await sql.raw("SELECT day, COUNT(*) AS n FROM forgery_leads GROUP BY day ORDER BY day DESC LIMIT 366")
            .all(decoding: D.self)
        return LeadsDTO(bySerial: bySerial.map { .init(serial: $0.serial, count: $0.n, lastSeen: $0.last) },
                        byDay: byDay.map { .init(day: $0.day, count: $0.n) })
    }
}
