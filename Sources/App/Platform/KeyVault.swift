import Crypto
import Foundation
import Vapor

#if canImport(Glibc)
    import Glibc
#endif

/// Encrypts secrets at rest (the certificates' Ed25519 signing keys) with a key-encryption key
/// kept outside the database, in a file only the server's user can read (`ZHIJIAN_KEY_FILE`).
/// A dump or backup of the database alone therefore cannot sign a certificate, while every
/// process given the file can.
struct KeyVault: Sendable {
    private let kek: SymmetricKey
    static let prefix = "aesgcm1:"

    init(key: SymmetricKey) { kek = key }

    /// A vault whose key lives only in this process (tests, in-memory databases).
    static func ephemeral() -> KeyVault { KeyVault(key: SymmetricKey(size: .bits256)) }

    /// Reads the key file, or creates it (32 random bytes, base64, mode 0600) when missing.
    /// A file that others may read, or that holds anything but a 256-bit key, stops the start.
    static func load(path: String) throws -> KeyVault {
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            let key = SymmetricKey(size: .bits256)
            let text = key.withUnsafeBytes { Data($0).base64EncodedString() } + "\n"
            // O_EXCL: two processes starting at once never overwrite each other's key.
            let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            if fd >= 0 {
                let ok = text.utf8CString.withUnsafeBufferPointer {
                    Glibc.write(fd, $0.baseAddress, $0.count - 1) == $0.count - 1
                }
                fsync(fd)
                Glibc.close(fd)
                guard ok else { throw ConfigError("could not write the key file \(path)") }
            } else if errno != EEXIST {
                throw ConfigError("could not create the key file \(path): \(String(cString: strerror(errno)))")
            }
        }
        let attributes = try fm.attributesOfItem(atPath: path)
        if let mode = attributes[.posixPermissions] as? NSNumber, mode.intValue & 0o077 != 0 {
            throw ConfigError("the key file \(path) may be read by others; chmod 600 it")
        }
        guard let text = fm.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }),
            let raw = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), raw.count == 32
        else {
            throw ConfigError("the key file \(path) must hold a base64 256-bit key")
        }
        return KeyVault(key: SymmetricKey(data: raw))
    }

    /// `aesgcm1:` + base64(nonce ‖ ciphertext ‖ tag); `context` (the key's id) is authenticated,
    /// so a ciphertext cannot be moved to another row.
    func seal(_ secret: Data, context: String) throws -> String {
        let box = try AES.GCM.seal(secret, using: kek, authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw Abort(.internalServerError) }
        return Self.prefix + combined.base64EncodedString()
    }

    /// The secret; nil when the text is not sealed (a key stored before encryption existed).
    func open(_ text: String, context: String) throws -> Data? {
        guard text.hasPrefix(Self.prefix) else { return nil }
        guard let combined = Data(base64Encoded: String(text.dropFirst(Self.prefix.count))) else {
            throw Abort(.internalServerError, reason: "a sealed key is not base64")
        }
        return try AES.GCM.open(AES.GCM.SealedBox(combined: combined), using: kek, authenticating: Data(context.utf8))
    }

    static func isSealed(_ text: String) -> Bool { text.hasPrefix(prefix) }

    /// An HMAC-SHA256 of `text` under a key derived from the vault's, base64url: a proof only this
    /// system can make.
    func mac(_ text: String) -> String {
        let key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data("zhijian-mac".utf8), using: kek))
        return Data(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
                of: "=", with: "")
    }
}

extension Application {
    private struct KeyVaultKey: StorageKey { typealias Value = KeyVault }
    var keyVault: KeyVault {
        get {
            if let v = storage[KeyVaultKey.self] { return v }
            let v = KeyVault.ephemeral()
            storage[KeyVaultKey.self] = v
            return v
        }
        set { storage[KeyVaultKey.self] = newValue }
    }
}
