import CertificateKit
import Fluent
import Foundation
import Vapor

/// Registers our commands and makes `serve` migrate and seed before it listens.
public func registerCommands(_ app: Application) {
    app.asyncCommands.use(MigratingServeCommand(), as: "serve", isDefault: true)
    app.asyncCommands.use(CreateUserCommand(), as: "create-user")
    app.asyncCommands.use(VerifyTokenCommand(), as: "verify-token")
    app.asyncCommands.use(RotateKeyCommand(), as: "rotate-signing-key")
    app.asyncCommands.use(DemoDataCommand(), as: "demo-data")
}

/// `zhijian verify-token --jwks saved.json TOKEN|URL`: checks a certificate's token offline,
/// against a JWKS saved from /.well-known/jwks.json, with no database and no network.
struct VerifyTokenCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "jwks", help: "A JWKS file saved from /.well-known/jwks.json") var jwks: String?
        @Argument(name: "token", help: "The token, or the verification URL that ends in it") var token: String
    }

    var help: String { "Checks a certificate token offline against a saved JWKS." }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard let path = signature.jwks, let data = FileManager.default.contents(atPath: path),
              let keys = try? JSONDecoder().decode(JWS.JWKSet.self, from: data) else {
            throw ConfigError("give --jwks FILE with a JSON Web Key Set")
        }
        var token = signature.token
        if let r = token.range(of: "t=") { token = String(token[r.upperBound...]) }
        do {
            let payload = try JWS.verify(token, keys: keys)
            let claims = try JSONDecoder().decode(Signing.Claims.self, from: payload)
            context.console.print("signature valid (EdDSA)")
            context.console.print("serial \(claims.sub) · unit \(claims.unit) · level \(claims.lvl) · \(claims.occ)")
            context.console.print("holder \(claims.nm) · ID \(claims.idm) · issued \(claims.iat)")
            context.console.print("(revocation is only known online: /api/v1/verify?token=…)")
        } catch {
            context.console.error("INVALID: \(error)")
            // A script checks the exit status; nothing is open that needs closing.
            exit(1)
        }
    }
}

/// `zhijian rotate-signing-key`: new certificates are signed with a new key; old keys stay in the JWKS.
struct RotateKeyCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Creates a new active signing key; earlier keys keep verifying their certificates." }

    func run(using context: CommandContext, signature: Signature) async throws {
        try await prepareDatabase(context.application)
        let key = try await Signing.newKey(on: context.application.db)
        context.console.print("new signing key \(key.id ?? "")")
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
        guard let role = User.Role(rawValue: signature.role) else { throw ConfigError("role must be ministry, unit or supervisor") }
        let hash = try await app.password.async.hash(password)
        try await User(username: signature.username, passwordHash: hash, role: role, unitCode: signature.unit).create(on: app.db)
        context.console.print("created \(signature.username)")
    }
}
