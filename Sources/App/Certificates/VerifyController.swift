import CertificateKit
import Domain
import Fluent
import SQLKit
import Vapor

/// Public verification: by serial plus name or ID number, or by a scanned token.
enum VerifyController {
    struct PublicCertificate: Content {
        let serial: String
        let holderName: String
        let idNumber: String
        let occupation: String
        let level: String
        let levelName: String
        let issuedOn: String
        let unitCode: String
        let unitName: String
        let status: String
        let revokedReason: String?
    }

    struct Answer: Content {
        let result: String
        let certificate: PublicCertificate?
        /// For a scanned token: the signature checked out against the published keys.
        let signatureValid: Bool?
    }

    struct Query: Content {
        let serial: String?
        let name: String?
        let idNumber: String?
        let token: String?
    }

    @Sendable static func verify(_ req: Request) async throws -> Answer {
        try await req.rateLimit(req.application.verifyLimiter)
        let q = try req.query.decode(Query.self)
        return try await answer(q, on: req)
    }

    static func answer(_ q: Query, on req: Request) async throws -> Answer {
        if let token = q.token?.trimmingCharacters(in: .whitespaces), !token.isEmpty {
            return try await byToken(token, on: req)
        }
        guard let serial = q.serial?.trimmingCharacters(in: .whitespaces), !serial.isEmpty else {
            throw AppError.malformed(
                "Give the serial and the holder's name or ID number", "请输入证书编号以及持证人姓名或身份证号",
                code: "missing_query")
        }
        let name = q.name?.trimmingCharacters(in: .whitespaces) ?? ""
        let id = IDNumber.normalised(q.idNumber?.trimmingCharacters(in: .whitespaces) ?? "")
        guard !name.isEmpty || !id.isEmpty else {
            throw AppError.malformed(
                "Give the holder's name or ID number with the serial", "请同时输入持证人姓名或身份证号",
                code: "missing_query")
        }
        guard let number = Serials.parse(serial) else {
            throw AppError.malformed("A serial is \(Serials.width) digits", "证书编号须为\(Serials.width)位数字", code: "malformed_serial")
        }
        guard let c = try await lookup(serial, on: req), c.state != .voided else {
            let allocated =
                try await CertificateOrder.query(on: req.db).filter(\.$status == .allocated)
                .filter(\.$serialFrom <= number).filter(\.$serialTo >= number).count() > 0
            if !allocated {
                // Never allocated by the ministry: somebody holds a forged serial.
                let lead = ForgeryLead(serial: serial, day: Period.dayString(req.now), at: req.now)
                try await req.write { try await lead.create(on: $0) }
            }
            return Answer(result: "not_found", certificate: nil, signatureValid: nil)
        }
        let matches = (!name.isEmpty && name == c.holder_name) || (!id.isEmpty && id == c.id_number)
        guard matches else { return Answer(result: "mismatch", certificate: nil, signatureValid: nil) }
        return try await Answer(
            result: c.state == .revoked ? "revoked" : "valid", certificate: publicView(c, on: req),
            signatureValid: nil)
    }

    static func byToken(_ token: String, on req: Request) async throws -> Answer {
        let keys = try await Signing.jwks(vault: req.application.keyVault, on: req.db)
        let payload: Data
        do {
            payload = try JWS.verify(token, keys: keys)
        } catch {
            throw AppError.malformed(
                "The code's signature does not verify: it was not issued by this system or was altered",
                "二维码签名验证失败：该证书并非本系统签发或已被篡改", code: "invalid_token")
        }
        guard let claims = try? JSONDecoder().decode(Signing.Claims.self, from: payload),
            let c = try await lookup(claims.sub, on: req), c.state != .voided
        else {
            return Answer(result: "not_found", certificate: nil, signatureValid: true)
        }
        return try await Answer(
            result: c.state == .revoked ? "revoked" : "valid", certificate: publicView(c, on: req),
            signatureValid: true)
    }

    /// The fields verification needs, read with one indexed query (the public hot path).
    static func lookup(_ serial: String, on req: Request) async throws -> Issuance.Row? {
        guard let sql = req.db as? any SQLDatabase else { throw AppError.malformed("SQL database required", "需要SQL数据库") }
        return try await sql.select().columns(Issuance.Row.columns).from("certificates").where("serial", .equal, serial)
            .first(decoding: Issuance.Row.self)
    }

    static func publicView(_ r: Issuance.Row, on req: Request) async throws -> PublicCertificate {
        let level = Level(rawValue: r.level ?? "")
        return PublicCertificate(
            serial: r.serial, holderName: Masking.name(r.holder_name ?? ""), idNumber: Masking.idNumber(r.id_number ?? ""),
            occupation: r.occupation ?? "", level: r.level ?? "", levelName: level?.nameZh ?? "", issuedOn: r.issued_on ?? "",
            unitCode: r.unit_code, unitName: try await req.application.unitNames.name(r.unit_code, on: req.db) ?? "",
            status: r.status, revokedReason: r.state == .revoked ? r.reason : nil)
    }

    @Sendable static func jwks(_ req: Request) async throws -> Response {
        let set = try await Signing.jwks(vault: req.application.keyVault, on: req.db)
        let res = Response(status: .ok, body: .init(data: try JSONEncoder.sortedKeys.encode(set)))
        res.headers.contentType = HTTPMediaType(type: "application", subType: "jwk-set+json")
        res.headers.cacheControl = .init(maxAge: 300)
        return res
    }
}
