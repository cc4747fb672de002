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

    /// Makes a new active key (the others stop signing); inside a write transaction. Serialised
    /// across processes, and the unique index on the active key keeps it to one whatever happens.
    static func newKey(vault: KeyVault, on tx: any Database) async throws -> SigningKeyModel {
        try await tx.lockForWrite(topic: "signing-key")
        let key = Curve25519.Signing.PrivateKey()
        let kid = "zj-" + String(Auth.randomSecret().prefix(12))
        let m = SigningKeyModel(kid: kid, privateKey: try vault.seal(key.rawRepresentation, context: kid), active: true)
        try await SigningKeyModel.query(on: tx).filter(\.$active == true).set(\.$active, to: false).update()
        try await m.create(on: tx)
        return m
    }

    /// The private key of a stored key: sealed by the vault, or (before encryption) in clear.
    static func privateKey(_ m: SigningKeyModel, vault: KeyVault) throws -> Data {
        if let raw = try vault.open(m.privateKey, context: m.id ?? "") { return raw }
        guard let raw = Data(base64Encoded: m.privateKey) else {
            throw Abort(.internalServerError, reason: "unreadable signing key")
        }
        return raw
    }

    /// Seals every key still stored in clear (databases from before key encryption); at start.
    static func sealClearKeys(vault: KeyVault, store: Store) async throws {
        try await store.write { tx in
            for m in try await SigningKeyModel.query(on: tx).all() where !KeyVault.isSealed(m.privateKey) {
                guard let raw = Data(base64Encoded: m.privateKey) else { continue }
                m.privateKey = try vault.seal(raw, context: m.id ?? "")
                try await m.save(on: tx)
            }
        }
    }

    /// The key that signs new tokens; made on first use (once, however many ask at once).
    static func activeKey(vault: KeyVault, store: Store) async throws -> JWS.Key {
        @Sendable func active(_ db: any Database) async throws -> SigningKeyModel? {
            try await SigningKeyModel.query(on: db).filter(\.$active == true).first()
        }
        let model: SigningKeyModel
        if let m = try await active(store.db) {
            model = m
        } else {
            model = try await store.write { tx in
                try await tx.lockForWrite(topic: "signing-key")
                if let m = try await active(tx) { return m }
                return try await newKey(vault: vault, on: tx)
            }
        }
        return try JWS.Key(kid: model.id!, raw: privateKey(model, vault: vault))
    }

    /// Every key not retired, public halves only, so that certificates signed before a rotation
    /// still verify.
    static func jwks(vault: KeyVault, on db: any Database) async throws -> JWS.JWKSet {
        let all = try await SigningKeyModel.query(on: db).filter(\.$retiredAt == nil).sort(\.$createdAt).all()
        return JWS.JWKSet(keys: try all.map { m in try JWS.Key(kid: m.id!, raw: privateKey(m, vault: vault)).jwk })
    }

    static func claims(_ c: Certificate) -> Claims {
        Claims(
            iss: "zhijian", sub: c.serial, unit: c.unitCode, lvl: c.level ?? "", occ: c.occupation ?? "",
            nm: c.holderName ?? "", idm: Masking.idNumber(c.idNumber ?? ""), iat: c.issuedOn ?? "")
    }

    /// The certificate's token, signed on first request and kept (import stays fast; a token
    /// once given out never changes).
    static func token(for c: Certificate, vault: KeyVault, store: Store) async throws -> String {
        if let t = c.token { return t }
        let key = try await activeKey(vault: vault, store: store)
        let t = try JWS.sign(try JSONEncoder.sortedKeys.encode(claims(c)), with: key)
        let serial = c.serial
        // Only the first token is kept: of two requests signing at once, both answer the stored one.
        let kept = try await store.write { tx -> String in
            try await tx.lockForWrite("certificates", "serial", serial)
            guard let fresh = try await Certificate.find(serial, on: tx) else { return t }
            if let stored = fresh.token { return stored }
            fresh.token = t
            try await fresh.save(on: tx)
            return t
        }
        c.token = kept
        return kept
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
        let width = Int(code.pointee.width)
        let quiet = 4
        let size = width + 2 * quiet
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
