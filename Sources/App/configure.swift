import Domain
import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Leaf
import NIOSSL
import Vapor

/// The testable seam: everything the server needs, given its configuration.
public func configure(_ app: Application, config: AppConfig) async throws {
    app.config = config
    app.passwords.use(.bcrypt(cost: config.bcryptCost))

    switch config.database {
    case .sqliteMemory:
        app.databases.use(.sqlite(.memory), as: .sqlite)
    case .sqliteFile(let path):
        app.databases.use(.sqlite(.file(path)), as: .sqlite)
    case .postgres(let url):
        var pg = try SQLPostgresConfiguration(url: url)
        if url.contains("sslmode=disable") || !url.contains("sslmode") { pg.coreConfiguration.tls = .disable }
        app.databases.use(.postgres(configuration: pg, maxConnectionsPerEventLoop: 4), as: .psql)
    }

    app.migrations.add(M001_CreateUnitsAndUsers())
    app.migrations.add(M002_SeedRegions())
    app.migrations.add(M003_CreateReports())
    app.migrations.add(M004_CreateCertificates())
    app.migrations.add(M005_CreateComplaints())
    app.migrations.add(M006_CreateRegisters())

    // Stable, sorted keys and ISO 8601 dates in every JSON answer.
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    ContentConfiguration.global.use(encoder: encoder, for: .json)
    ContentConfiguration.global.use(decoder: decoder, for: .json)

    app.views.use(.leaf)
    app.leaf.cache.isEnabled = app.environment.isRelease
    app.routes.defaultMaxBodySize = "2mb"

    app.middleware = Middlewares()
    app.middleware.use(RedactingRouteLogger())
    app.middleware.use(ErrorMiddleware())
    app.middleware.use(FileMiddleware(publicDirectory: app.directory.publicDirectory))
    app.middleware.use(SecurityHeadersMiddleware())

    try routes(app)
}

/// Runs the migrations, switches SQLite to WAL and creates the first ministry user.
public func prepareDatabase(_ app: Application) async throws {
    if case .sqliteFile = app.config.database, let sql = app.db as? any SQLDatabase {
        try await sql.raw("PRAGMA journal_mode=WAL").run()
    }
    try await app.autoMigrate()
    if let password = app.config.adminPassword,
       try await User.query(on: app.db).filter(\.$username == "admin").first() == nil {
        let hash = try await app.password.async.hash(password)
        try await User(username: "admin", passwordHash: hash, role: .ministry, unitCode: nil).create(on: app.db)
        app.logger.notice("created the ministry user admin from ZHIJIAN_ADMIN_PASSWORD")
    }
}

/// Logs each request's method and path, with complaint receipts blanked out: a receipt opens a
/// case's status, so it must not sit in log files.
struct RedactingRouteLogger: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        var path = request.url.path
        if let r = path.range(of: "/complaints/receipt/") { path = String(path[..<r.upperBound]) + "…" }
        request.logger.info("\(request.method) \(path)")
        return try await next.respond(to: request)
    }
}

/// Headers every answer carries: no framing, no sniffing, a strict referrer.
struct SecurityHeadersMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let res = try await next.respond(to: request)
        res.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        res.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        res.headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
        return res
    }
}
