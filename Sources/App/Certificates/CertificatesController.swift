import CertificateKit
import Domain
import Vapor

/// The certificates' API: each handler authorises, decodes, calls one `Certificates` action, answers.
enum CertificatesController {
    typealias OrderDTO = Certificates.OrderDTO
    typealias PaymentDTO = Certificates.PaymentDTO
    typealias CertificateDTO = Certificates.CertificateDTO

    @Sendable static func createOrder(_ req: Request) async throws -> Response {
        let user = try req.requireUser().requireWriter()
        let o = try await Certificates.createOrder(try req.content.decode(Certificates.NewOrder.self), by: user, on: req.store)
        return try await o.encodeResponse(status: .created, for: req)
    }

    @Sendable static func listOrders(_ req: Request) async throws -> [OrderDTO] {
        try await Certificates.orders(for: try req.requireUser(), unitCode: req.query[String.self, at: "unitCode"], on: req.db)
    }

    @Sendable static func allocate(_ req: Request) async throws -> OrderDTO {
        let user = try req.requireMinistry()
        return try await Certificates.allocate(
            req.parameters.get("id"), try req.content.decode(Certificates.Allocation.self),
            by: user, on: req.store, now: req.now)
    }

    @Sendable static func pay(_ req: Request) async throws -> Response {
        let user = try req.requireMinistry()
        let p = try await Certificates.pay(
            req.parameters.get("id"), try req.content.decode(Certificates.NewPayment.self),
            by: user, on: req.store, now: req.now)
        return try await p.encodeResponse(status: .created, for: req)
    }

    @Sendable static func listPayments(_ req: Request) async throws -> [PaymentDTO] {
        try await Certificates.payments(for: try req.requireUser(), on: req.db)
    }

    @Sendable static func issue(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        _ = try Certificates.issuingUnit(user)
        let c = try await Certificates.issue(
            try req.content.decode(Certificates.NewCertificate.self), by: user,
            on: req.store, now: req.now)
        return try await c.encodeResponse(status: .created, for: req)
    }

    @Sendable static func importCSV(_ req: Request) async throws -> Issuance.ImportResult {
        let user = try req.requireUser()
        let unit = try Certificates.issuingUnit(user)
        // Authorised above (and by the route's RequireRole before a byte of the body was read).
        let upload = try await Upload.spool(req, maxBytes: Issuance.maxImportBytes)
        return try await Issuance.importCSV(upload, unit: unit, by: user, on: req.store, now: req.now)
    }

    @Sendable static func list(_ req: Request) async throws -> Certificates.Page {
        try await Certificates.search(try Certificates.Search(query: req), for: try req.requireUser(), on: req.db)
    }

    @Sendable static func get(_ req: Request) async throws -> CertificateDTO {
        let c = try await Certificates.find(req.parameters.get("serial") ?? "", for: try req.requireUser(), on: req.db)
        return try await Certificates.signed(c, on: req.store)
    }

    @Sendable static func qr(_ req: Request) async throws -> Response {
        let c = try await Certificates.find(req.parameters.get("serial") ?? "", for: try req.requireUser(), on: req.db)
        guard c.status != .voided else { throw AppError.conflict("wrong_state", "A voided blank has no QR code", "已作废的证书没有二维码") }
        let token = try await Signing.token(for: c, vault: req.application.keyVault, store: req.store)
        let svg = try Signing.qrSVG(Signing.verifyURL(token, publicURL: req.config.publicURL), title: token)
        let res = Response(status: .ok, body: .init(string: svg))
        res.headers.contentType = HTTPMediaType(type: "image", subType: "svg+xml")
        return res
    }

    struct Reason: Content { let reason: String? }

    static func reason(_ req: Request) -> String? { (try? req.content.decode(Reason.self))?.reason }

    @Sendable static func revoke(_ req: Request) async throws -> CertificateDTO {
        let user = try req.requireUser()
        // The certificate is looked up (and the caller authorised for it) before the body is read.
        let serial = req.parameters.get("serial") ?? ""
        _ = try await Certificates.find(serial, for: user, on: req.db)
        return try await Certificates.revoke(serial, reason: reason(req), by: user, on: req.store, now: req.now)
    }

    @Sendable static func void(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        _ = try Certificates.issuingUnit(user)
        let c = try await Certificates.void(
            req.parameters.get("serial") ?? "", reason: reason(req), by: user, on: req.store, now: req.now)
        return try await c.encodeResponse(status: .created, for: req)
    }

    @Sendable static func breaches(_ req: Request) async throws -> [Certificates.BreachDTO] {
        try await Certificates.breaches(for: try req.requireMinistry(), on: req.db)
    }
}

extension Certificates.Search {
    /// `?unitCode=&q=&status=&page=&per=`, as the API and the certificates page take them.
    init(query req: Request) throws {
        self.init(
            unitCode: req.query[String.self, at: "unitCode"], q: req.query[String.self, at: "q"],
            status: req.query[String.self, at: "status"], paging: try Paging(req, defaultPer: 50, maxPer: 200))
    }
}
