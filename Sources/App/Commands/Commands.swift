import CertificateKit
import Fluent
import Foundation
import SQLKit
import Vapor

/// Registers our commands and makes `serve` migrate and seed before it listens.
public func registerCommands(_ app: Application) {
    app.asyncCommands.use(MigratingServeCommand(), as: "serve", isDefault: true)
    app.asyncCommands.use(CreateUserCommand(), as: "create-user")
    app.asyncCommands.use(VerifyTokenCommand(), as: "verify-token")
    app.asyncCommands.use(RotateKeyCommand(), as: "rotate-signing-key")
    app.asyncCommands.use(RetireKeyCommand(), as: "retire-signing-key")
    app.asyncCommands.use(BackupCommand(), as: "backup")
    app.asyncCommands.use(RestoreCommand(), as: "restore")
    app.asyncCommands.use(DemoDataCommand(), as: "demo-data")
}

/// `zhijian verify-token --jwks saved.json [--revocations saved.jwt] TOKEN|URL`: checks a
/// certificate's token offline, against a JWKS saved from /.well-known/jwks.json and, when given,
/// the signed revocation list saved from /api/v1/public/revocations; no database, no network.
/// Exit status: 0 valid, 1 invalid (signature, format, or a list that does not verify), 2 revoked.
struct VerifyTokenCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "jwks", help: "A JWKS file saved from /.well-known/jwks.json") var jwks: String?
        @Option(name: "revocations", help: "A revocation list saved from /api/v1/public/revocations") var revocations: String?
        @Argument(name: "token", help: "The token, or the verification URL that ends in it") var token: String
    }

    var help: String { "Checks a certificate token offline against a saved JWKS (and a saved revocation list)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard let path = signature.jwks, let jwks = FileManager.default.contents(atPath: path) else {
            throw ConfigError("give --jwks FILE with a JSON Web Key Set")
        }
        var list: String?
        if let listPath = signature.revocations {
            guard let data = FileManager.default.contents(atPath: listPath) else { throw ConfigError("cannot read \(listPath)") }
            list = String(decoding: data, as: UTF8.self)
        }
        let outcome = await Self.check(signature.token, jwks: jwks, revocations: list)
        for line in outcome.lines { context.console.print(line) }
        // A script checks the exit status; nothing is open that needs closing.
        if outcome.status != 0 { exit(outcome.status) }
    }

    /// The check itself, without files or the console: the lines to print and the exit status.
    static func check(_ raw: String, jwks: Data, revocations: String?) async -> (status: Int32, lines: [String]) {
        guard let keys = try? JSONDecoder().decode(JWS.JWKSet.self, from: jwks) else {
            return (1, ["INVALID: the --jwks file is not a JSON Web Key Set"])
        }
        var token = raw
        if let r = token.range(of: "t=") { token = String(token[r.upperBound...]) }
        token = token.trimmingCharacters(in: .whitespacesAndNewlines)
        let claims: Signing.Claims
        do {
            claims = try await JWS.verify(token, keys: keys, as: Signing.Claims.self)
        } catch {
            return (1, ["INVALID: \(error)"])
        }
        var lines = [
            "signature valid (EdDSA, kid \(JWS.header(of: token)?.kid ?? ""))",
            "certificate \(claims.sub) · unit \(claims.unit) · level \(claims.lvl) · \(claims.occ)",
            "holder \(claims.nm) · ID \(claims.idm) · issued \(claims.iat.day)",
        ]
        guard let revocations else {
            return (0, lines + ["(revocation: give --revocations FILE, or check online: /api/v1/verify?token=…)"])
        }
        let list: Signing.RevocationList
        do {
            list = try await JWS.verify(
                revocations.trimmingCharacters(in: .whitespacesAndNewlines), keys: keys, as: Signing.RevocationList.self)
        } catch {
            return (1, lines + ["INVALID revocation list: \(error)"])
        }
        let asOf = Names.minute(Date(timeIntervalSince1970: TimeInterval(list.iat)))
        if list.revoked.contains(claims.sub) {
            lines.append("REVOKED: certificate \(claims.sub) is on the revocation list of \(asOf) (Beijing time)")
            return (2, lines)
        }
        lines.append("not revoked as of \(asOf) (Beijing time; \(list.revoked.count) revoked certificates listed)")
        return (0, lines)
    }
}

/// `zhijian rotate-signing-key`: new certificates are signed with a new key; old keys stay in the JWKS.
struct RotateKeyCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Creates a new active signing key; earlier keys keep verifying their certificates." }

    func run(using context: CommandContext, signature: Signature) async throws {
        try await prepareDatabase(context.application)
        let app = context.application
        let vault = app.keyVault
        let key = try await app.write { try await Signing.newKey(vault: vault, on: $0) }
        context.console.print("new signing key \(key.id ?? "")")
    }
}

/// `zhijian retire-signing-key KID`: the key leaves the JWKS (a key believed compromised), so the
/// certificates it signed no longer verify offline; they verify online, and their QR codes are
/// signed anew with the active key on next request.
struct RetireKeyCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "kid", help: "The key's id, as in /.well-known/jwks.json") var kid: String
    }
    var help: String { "Removes a signing key from the JWKS; its certificates get new tokens from the active key." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await prepareDatabase(app)
        let kid = signature.kid
        let now = app.config.now()
        let vault = app.keyVault
        let retired = try await app.write { tx -> Bool in
            try await tx.lockForWrite(topic: "signing-key")
            guard let m = try await SigningKeyModel.find(kid, on: tx), m.retiredAt == nil else { return false }
            m.retiredAt = now
            let wasActive = m.active
            m.active = false
            try await m.save(on: tx)
            // Its tokens are dropped, so the next request signs the certificate again.
            if let sql = tx as? any SQLDatabase {
                let prefix = try JWS.headerPrefix(kid: kid)
                try await sql.raw(
                    "UPDATE certificates SET token = NULL WHERE substr(token, 1, \(bind: prefix.count)) = \(bind: prefix)"
                ).run()
            }
            if wasActive { _ = try await Signing.newKey(vault: vault, on: tx) }
            return true
        }
        guard retired else { throw ConfigError("no signing key \(kid) in use") }
        context.console.print("retired signing key \(kid)")
    }
}

/// `zhijian serve --hostname H --port P`: migrates the database first, then serves.
struct MigratingServeCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "hostname", short: "H", help: "Set the hostname the server will run on.")
        var hostname: String?
        @Option(name: "port", short: "p", help: "Set the port the server will run on.")
        var port: Int?
    }

    var help: String { "Migrates the database, then begins serving the app over HTTP." }

    func run(using context: CommandContext, signature: Signature) async throws {
        try await prepareDatabase(context.application)
        var args: [String] = []
        if let h = signature.hostname { args += ["--hostname", h] }
        if let p = signature.port { args += ["--port", String(p)] }
        var ctx = context
        ctx.input = CommandInput(arguments: ["zhijian"] + args)
        try await context.application.servers.asyncCommand.run(using: &ctx)
    }
}

/// `zhijian create-user NAME ROLE [UNIT]`, reading the password from ZHIJIAN_NEW_PASSWORD.
struct CreateUserCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "username") var username: String
        @Argument(name: "role") var role: String
        @Option(name: "unit") var unit: String?
    }

    var help: String { "Creates a user; the password is read from ZHIJIAN_NEW_PASSWORD." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await prepareDatabase(app)
        guard let password = Environment.get("ZHIJIAN_NEW_PASSWORD"), password.count >= 8 else {
            throw ConfigError("set ZHIJIAN_NEW_PASSWORD (at least 8 characters)")
        }
        guard let role = User.Role(rawValue: signature.role) else {
            throw ConfigError("role must be ministry, unit or supervisor")
        }
        let hash = try await app.passwordPool.hash(password)
        let user = User(username: signature.username, passwordHash: hash, role: role, unitCode: signature.unit)
        try await app.write { try await user.create(on: $0) }
        context.console.print("created \(signature.username)")
    }
}
