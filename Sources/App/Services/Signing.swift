import CQRencode
import CertificateKit
import Crypto
import Fluent
import Foundation
import Vapor

/// The keys that sign certificates, the tokens they make, and the QR codes that carry them.
enum Signing {
    /// What a certificate's token says; checked offline against the JWKS.
    struct Claims: Codable, Sendable, Equatable {
        let iss: String
        /// The serial.
        let sub: String
        let unit: String
        let lvl: String
        let occ: String
        /// The holder's name as printed on the certificate.
        let nm: String
        /// The holder's ID number, masked.
        let idm: String
        /// The issue date, YYYY-MM-DD.
        let iat: String
    }

    static func newKey(on db: any Database) async throws -> SigningKeyModel {
        let key = Curve25519.Signing.PrivateKey()
        let kid = "zj-" + Auth.randomSecret().prefix(12)
        let m = SigningKeyModel(kid: String(kid), privateKey: key.rawRepresentation.base64EncodedString(), active: true)
        try await db.transaction { tx in
            try await SigningKeyModel.query(on: tx).set(\.$active, to: false).update()
            try await m.create(on: tx)
        }
        return m
    }

    /// The key that signs new tokens; made on first use.
    static func activeKey(on db: any Database) async throws -> JWS.Key {
        let m = try await SigningKeyModel.query(on: db).filter(\.$active == true).sort(\.$createdAt, .descending).first()
        let model: SigningKeyModel
        if let m { model = m } else { model = try await newKey(on: db) }
        guard let raw = Data(base64Encoded: model.privateKey) else { throw Abort(.internalServerError) }
        return try JWS.Key(kid: model.id!, raw: raw)
    }

    /// Every key ever used, so that certificates signed before a rotation still verify.
    static func jwks(on db: any Database) async throws -> JWS.JWKSet {
        let all = try await SigningKeyModel.query(on: db).sort(\.$createdAt).all()
        return JWS.JWKSet(keys: try all.compactMap { m in
            guard let raw = Data(base64Encoded: m.privateKey) else { return nil }
            return try JWS.Key(kid: m.id!, raw: raw).jwk
        })
    }

    static func claims(_ c: Certificate) -> Claims {
        Claims(iss: "zhijian", sub: c.serial, unit: c.unitCode, lvl: c.level ?? "", occ: c.occupation ?? "",
               nm: c.holderName ?? "", idm: Masking.idNumber(c.idNumber ?? ""), iat: c.issuedOn ?? "")
    }

    /// The certificate's token, signed on first request and kept (import stays fast; a token
    /// once given out never changes).
    static func token(for c: Certificate, on db: any Database) async throws -> String {
        if let t = c.token { return t }
        let key = try await activeKey(on: db)
        let t = try JWS.sign(try JSONEncoder.sortedKeys.encode(claims(c)), with: key)
        c.token = t
        try await c.save(on: db)
        return t
    }

    static func verifyURL(_ token: String, publicURL: String) -> String {
        publicURL + "/verify?t=" + token
    }

    /// An SVG QR code (error correction M) drawn from libqrencode's module matrix.
    static func qrSVG(_ text: String, title: String) throws -> String {
        guard let code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else {
            throw AppError.malformed("The text is too long for a QR code", "内容过长，无法生成二维码")
        }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width), quiet = 4, size = width + 2 * quiet
        var path = ""
        for y in 0..<width {
            for x in 0..<width where code.pointee.data[y * width + x] & 1 == 1 {
                path += "M\(x + quiet) \(y + quiet)h1v1h-1z"
            }
        }
        let escaped = title.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        return """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(size) \(size)" width="\(size * 4)" height="\(size * 4)" \
        shape-rendering="crispEdges"><title>\(escaped)</title><rect width="\(size)" height="\(size)" fill="#fff"/>\
        <path fill="#000" d="\(path)"/></svg>
        """
    }
}

extension JSONEncoder {
    static var sortedKeys: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}
