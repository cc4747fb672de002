import Crypto
import Foundation
import JWTKit

/// Certificate tokens as standard JWTs (RFC 7519), signed with EdDSA (Ed25519, RFC 8037) through
/// jwt-kit, and the JWKS that publishes the keys. The header is always
/// `{"alg":"EdDSA","kid":…,"typ":"JWT"}` with its keys sorted, as tokens made before jwt-kit had it,
/// so every token a key signed starts with the same text (`headerPrefix(kid:)`).
public enum JWS {
    public struct Key: Sendable {
        public let kid: String
        public let privateKey: Curve25519.Signing.PrivateKey

        public init(kid: String, privateKey: Curve25519.Signing.PrivateKey) {
            self.kid = kid
            self.privateKey = privateKey
        }

        /// A key from its 32-byte raw representation, as stored.
        public init(kid: String, raw: Data) throws {
            self.kid = kid
            privateKey = try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        }

        public var jwk: JWK { JWK(kid: kid, x: base64url(privateKey.publicKey.rawRepresentation)) }
    }

    /// A public key as a JSON Web Key (RFC 8037: kty OKP, crv Ed25519).
    public struct JWK: Codable, Sendable, Equatable {
        public var kty = "OKP"
        public var crv = "Ed25519"
        public var use = "sig"
        public var alg = "EdDSA"
        public let kid: String
        public let x: String

        public init(kid: String, x: String) {
            self.kid = kid
            self.x = x
        }
    }

    public struct JWKSet: Codable, Sendable {
        public let keys: [JWK]
        public init(keys: [JWK]) { self.keys = keys }
    }

    public enum Failure: Error, Equatable, Sendable {
        case malformed, unsupportedAlgorithm, unknownKey(String), badSignature
    }

    struct Header: Codable {
        let alg: String
        let kid: String?
        let typ: String?
    }

    /// Sorted keys, no escaped slashes: the header's text is fixed for a key.
    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    static var serializer: DefaultJWTSerializer { DefaultJWTSerializer(jsonEncoder: encoder) }

    /// Signs `payload` as a compact JWT with the key: `alg` EdDSA, `kid`, `typ` JWT.
    public static func sign(_ payload: some JWTPayload, with key: Key) async throws -> String {
        let kid = JWKIdentifier(string: key.kid)
        let keys = JWTKeyCollection(defaultJWTSerializer: serializer)
        await keys.add(eddsa: EdDSA.PrivateKey(backing: key.privateKey), kid: kid, serializer: serializer)
        var header = JWTHeader()
        header.typ = "JWT"
        return try await keys.sign(payload, kid: kid, header: header)
    }

    /// The first part of every token signed by the key `kid`, with its dot.
    public static func headerPrefix(kid: String) throws -> String {
        base64url(try encoder.encode(Header(alg: "EdDSA", kid: kid, typ: "JWT"))) + "."
    }

    /// The header's `kid` and `alg`, unverified; nil when the token is not three base64url parts.
    public static func header(of token: String) -> (alg: String, kid: String?)? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let data = unbase64url(parts[0]), let h = try? JSONDecoder().decode(Header.self, from: data)
        else { return nil }
        return (h.alg, h.kid)
    }

    /// Checks a token against a key set with jwt-kit and decodes its payload (whose own `verify`
    /// runs too). Only Ed25519 keys of the set are used, each under its `kid`.
    public static func verify<Payload: JWTPayload>(
        _ token: String, keys set: JWKSet, as _: Payload.Type = Payload.self
    ) async throws(Failure) -> Payload {
        guard let header = header(of: token) else { throw .malformed }
        guard header.alg == "EdDSA" else { throw .unsupportedAlgorithm }
        let kid = header.kid ?? ""
        guard let jwk = set.keys.first(where: { $0.kid == kid && $0.kty == "OKP" && $0.crv == "Ed25519" }),
            let publicKey = try? EdDSA.PublicKey(x: jwk.x, curve: .ed25519)
        else { throw .unknownKey(kid) }
        let keys = JWTKeyCollection()
        await keys.add(eddsa: publicKey, kid: JWKIdentifier(string: kid))
        do {
            return try await keys.verify(token, as: Payload.self)
        } catch let e as JWTError where e.errorType == .signatureVerificationFailed {
            throw .badSignature
        } catch {
            throw .malformed
        }
    }

    public static func base64url(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func unbase64url(_ s: Substring) -> Data? {
        guard s.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var b = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b.count % 4 != 0 { b += "=" }
        return Data(base64Encoded: b)
    }
}
