import Fluent
import Vapor

/// Registers our commands and makes `serve` migrate and seed before it listens.
public func registerCommands(_ app: Application) {
    app.asyncCommands.use(MigratingServeCommand(), as: "serve", isDefault: true)
    app.asyncCommands.use(CreateUserCommand(), as: "create-user")
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
