import Crypto
import Foundation

/// Compact JWS with EdDSA (Ed25519), as RFC 8037 describes, and the JWKS that publishes the keys.
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

    /// `base64url(header).base64url(payload).base64url(signature)`
    public static func sign(_ payload: Data, with key: Key) throws -> String {
        let header = try JSONEncoder.sorted.encode(Header(alg: "EdDSA", kid: key.kid, typ: "JWT"))
        let input = base64url(header) + "." + base64url(payload)
        let signature = try key.privateKey.signature(for: Data(input.utf8))
        return input + "." + base64url(signature)
    }

    /// The first part of every token signed by the key `kid`, with its dot.
    public static func headerPrefix(kid: String) throws -> String {
        base64url(try JSONEncoder.sorted.encode(Header(alg: "EdDSA", kid: kid, typ: "JWT"))) + "."
    }

    /// Checks a token against a key set and returns its payload.
    public static func verify(_ token: String, keys: JWKSet) throws(Failure) -> Data {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = unbase64url(parts[0]), let payload = unbase64url(parts[1]),
            let signature = unbase64url(parts[2]),
            let header = try? JSONDecoder().decode(Header.self, from: headerData)
        else { throw .malformed }
        guard header.alg == "EdDSA" else { throw .unsupportedAlgorithm }
        let kid = header.kid ?? ""
        guard let jwk = keys.keys.first(where: { $0.kid == kid && $0.kty == "OKP" && $0.crv == "Ed25519" }),
            let raw = unbase64url(Substring(jwk.x)),
            let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
        else { throw .unknownKey(kid) }
        guard publicKey.isValidSignature(signature, for: Data("\(parts[0]).\(parts[1])".utf8)) else { throw .badSignature }
        return payload
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

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}
