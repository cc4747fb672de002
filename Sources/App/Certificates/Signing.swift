import CQRencode
import CertificateKit
import Crypto
import Domain
import Fluent
import Foundation
import JWTKit
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// The keys that sign certificates, the tokens they make, and the QR codes that carry them.
enum Signing {
    /// What a certificate's token says, a standard JWT payload; checked offline against the JWKS.
    struct Claims: JWTPayload, Equatable {
        let iss: String
        /// The certificate's subject: the serial (see `subject(of:)`), resolved through
        /// `VerifyController.lookup` like any certificate key a person gives.
        let sub: String
        /// Issued at: the issue date's Beijing midnight in seconds since 1970; tokens made before
        /// the JWT form carry the date itself, `YYYY-MM-DD`.
        let iat: IssuedAt
        let unit: String
        let lvl: String
        let occ: String
        /// The holder's name as printed on the certificate.
        let nm: String
        /// The holder's ID number, masked.
        let idm: String

        /// A certificate never expires; revocation is checked apart (online, or the signed list).
        func verify(using _: some JWTAlgorithm) async throws {}
    }

    /// `iat` as a number of seconds (RFC 7519) or, in tokens made before, the issue date's text.
    enum IssuedAt: Codable, Sendable, Equatable {
        case seconds(Int64)
        case day(String)

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let n = try? c.decode(Int64.self) {
                self = .seconds(n)
            } else {
                self = .day(try c.decode(String.self))
            }
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .seconds(let n): try c.encode(n)
            case .day(let d): try c.encode(d)
            }
        }

        /// The issue date `YYYY-MM-DD` (Beijing).
        var day: String {
            switch self {
            case .seconds(let n): Period.dayString(Date(timeIntervalSince1970: TimeInterval(n)))
            case .day(let d): d
            }
        }

        /// The Beijing midnight that starts `day`; 0 for a date that cannot be read.
        static func midnight(of day: String) -> IssuedAt {
            .seconds(Certificates.parseDay(day).map { Int64($0.timeIntervalSince1970) } ?? 0)
        }
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

    static let issuer = "zhijian"

    /// The one place a token's claims are made.
    static func claims(_ c: Certificate) -> Claims {
        Claims(
            iss: issuer, sub: subject(of: c), iat: .midnight(of: c.issuedOn ?? ""), unit: c.unitCode, lvl: c.level ?? "",
            occ: c.occupation ?? "", nm: c.holderName ?? "", idm: Masking.idNumber(c.idNumber ?? ""))
    }

    /// A certificate's `sub` in new tokens: its certificate number (证书编号); the print serial
    /// for a certificate without one. `VerifyController.lookup` resolves either.
    static func subject(of c: Certificate) -> String { c.certificateNumber ?? c.serial }

    /// Every `sub` a token of the certificate may carry (tokens given out before certificate
    /// numbers carry the serial), as the revocation list names them.
    static func subjects(serial: String, number: String?) -> [String] { [serial] + (number.map { [$0] } ?? []) }

    /// Signs a certificate's claims with the active key.
    static func sign(_ c: Certificate, with key: JWS.Key) async throws -> String {
        try await JWS.sign(claims(c), with: key)
    }

    /// The certificate's token, signed on first request and kept (import stays fast; a token
    /// once given out never changes).
    static func token(for c: Certificate, vault: KeyVault, store: Store) async throws -> String {
        if let t = c.token { return t }
        let key = try await activeKey(vault: vault, store: store)
        let t = try await sign(c, with: key)
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

    // MARK: The revocation list

    /// The signed list of revoked certificates, for offline checks: a JWT signed like the
    /// certificates' tokens (same keys, same JWKS) whose payload names, under `revoked`, every
    /// subject a token of a revoked certificate may carry (`subjects(serial:number:)`), sorted; `iat` is
    /// when the list was made. A verifier trusts it as of `iat`.
    struct RevocationList: JWTPayload, Equatable {
        static let subject = "revocations"
        let iss: String
        let sub: String
        let iat: Int64
        let revoked: [String]

        func verify(using _: some JWTAlgorithm) async throws {
            guard sub == Self.subject else {
                throw JWTError.claimVerificationFailure(failedClaim: nil, reason: "not a revocation list")
            }
        }
    }

    /// How long a process serves the list it made before making it again; a revocation in this
    /// process drops it at once (`revocationsChanged`).
    static let revocationListLifetime: TimeInterval = 10

    /// The current list, made at most once per `revocationListLifetime` per process.
    static func revocationList(store: Store, now: Date) async throws -> (token: String, madeAt: Date) {
        let cache = store.app.revocationCache
        if let hit = cache.withLockedValue({ $0 }), now.timeIntervalSince(hit.madeAt) < revocationListLifetime,
            hit.madeAt <= now
        {
            return hit
        }
        guard let sql = store.db as? any SQLDatabase else { throw AppError.malformed("SQL database required", "需要SQL数据库") }
        struct Row: Decodable {
            let serial: String
            let certificate_number: String?
        }
        // The partial index certificates_revoked_idx holds exactly these rows.
        let rows = try await sql.raw(
            "SELECT serial, certificate_number FROM certificates WHERE status = 'revoked' ORDER BY serial"
        ).all(decoding: Row.self)
        let list = RevocationList(
            iss: issuer, sub: RevocationList.subject, iat: Int64(now.timeIntervalSince1970),
            revoked: rows.flatMap { subjects(serial: $0.serial, number: $0.certificate_number) }.sorted())
        let key = try await activeKey(vault: store.app.keyVault, store: store)
        let made = (token: try await JWS.sign(list, with: key), madeAt: now)
        cache.withLockedValue { $0 = made }
        return made
    }

    /// A certificate was revoked: the next request makes the list again.
    static func revocationsChanged(_ app: Application) {
        app.revocationCache.withLockedValue { $0 = nil }
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

extension Application {
    private struct RevocationCacheKey: StorageKey {
        typealias Value = NIOLockedValueBox<(token: String, madeAt: Date)?>
    }

    /// This process's latest signed revocation list.
    var revocationCache: NIOLockedValueBox<(token: String, madeAt: Date)?> {
        if let c = storage[RevocationCacheKey.self] { return c }
        let c = NIOLockedValueBox<(token: String, madeAt: Date)?>(nil)
        storage[RevocationCacheKey.self] = c
        return c
    }
}

extension JSONEncoder {
    static var sortedKeys: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}
