import CertificateKit
import Crypto
import Foundation
import JWTKit
import Testing

@Suite struct IDNumberTests {
    @Test(arguments: ["11010519491231002X", "11010519491231002x", "440524188001010014", "110105200002290013"])
    func acceptsValidNumbers(_ id: String) {
        // 440524188001010014 has a birth year 1880: refused as implausible.
        if id == "440524188001010014" {
            #expect(IDNumber.problem(id) == .birthDate)
        } else {
            #expect(IDNumber.problem(id) == nil, "\(id)")
        }
    }

    @Test(arguments: [
        ("110105194912310021", IDNumber.Problem.checkDigit), ("1101051949123100", .length),
        ("11010519491231002Y", .characters), ("110105194913310029", .birthDate),
        ("110105190002290019", .birthDate), ("１１０１０５１９４９１２３１００２X", .characters),
    ])
    func refuses(_ id: String, _ problem: IDNumber.Problem) {
        #expect(IDNumber.problem(id) == problem, "\(id)")
    }

    @Test func checkCharacterFollowsISO7064() {
        #expect(IDNumber.checkCharacter(for: "11010519491231002") == "X")
        #expect(IDNumber.checkCharacter(for: "11010520000229001") == "3")
    }
}

@Suite struct MaskingTests {
    @Test func masksNamesAndIDs() {
        #expect(Masking.name("张三") == "张*")
        #expect(Masking.name("欧阳小明") == "欧***")
        #expect(Masking.name("A") == "A*")
        #expect(Masking.idNumber("110105194912311234") == "110***********1234")
    }
}

@Suite struct SerialTests {
    @Test func formatsAndParsesFixedWidth() {
        #expect(Serials.format(42) == "000000000042")
        #expect(Serials.parse("000000000042") == 42)
        #expect(Serials.parse("42") == nil)
        #expect(Serials.parse("00000000004a") == nil)
        #expect(Serials.parse("0000000000042") == nil)
    }
}

@Suite struct JWSTests {
    static let key = JWS.Key(kid: "k1", privateKey: Curve25519.Signing.PrivateKey())

    struct Payload: JWTPayload, Equatable {
        let sub: String
        var nm: String? = nil
        func verify(using _: some JWTAlgorithm) async throws {}
    }

    @Test func signsAStandardJWT_withAFixedHeader_andVerifies() async throws {
        let token = try await JWS.sign(Payload(sub: "000000000001"), with: Self.key)
        let header = try #require(JWS.unbase64url(token.split(separator: ".")[0]))
        #expect(String(decoding: header, as: UTF8.self) == #"{"alg":"EdDSA","kid":"k1","typ":"JWT"}"#)
        #expect(token.hasPrefix(try JWS.headerPrefix(kid: "k1")))
        let payload = try await JWS.verify(token, keys: .init(keys: [Self.key.jwk]), as: Payload.self)
        #expect(payload == Payload(sub: "000000000001"))
    }

    @Test func refusesAnyChangedByte_andUnknownKeys() async throws {
        let token = try await JWS.sign(Payload(sub: "000000000001", nm: "张三"), with: Self.key)
        let keys = JWS.JWKSet(keys: [Self.key.jwk])
        var bytes = Array(token.utf8)
        let i = bytes.count / 2
        bytes[i] = bytes[i] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        await #expect(throws: (any Error).self) {
            try await JWS.verify(String(decoding: bytes, as: UTF8.self), keys: keys, as: Payload.self)
        }
        let other = JWS.Key(kid: "k1", privateKey: Curve25519.Signing.PrivateKey())
        await #expect(throws: JWS.Failure.badSignature) {
            try await JWS.verify(token, keys: .init(keys: [other.jwk]), as: Payload.self)
        }
        await #expect(throws: JWS.Failure.unknownKey("k1")) {
            try await JWS.verify(token, keys: .init(keys: []), as: Payload.self)
        }
        await #expect(throws: JWS.Failure.malformed) { try await JWS.verify("a.b", keys: keys, as: Payload.self) }
    }
}
