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
    AppMetrics.bootstrap()
    app.passwords.use(.bcrypt(cost: config.bcryptCost))
    app.passwordPool = PasswordPool(threads: 2, cost: config.bcryptCost)
    app.lifecycle.use(PasswordPoolLifecycle())
    app.keyVault = try config.keyFile.map { try KeyVault.load(path: $0) } ?? .ephemeral()

    switch config.database {
    // SQL is never logged: its bind values hold ID numbers and complainants' contacts.
    // A queued SQLite writer may wait its turn behind a long import: see `Writes`.
    case .sqliteMemory:
        app.databases.use(.sqlite(.memory, connectionPoolTimeout: .seconds(120), sqlLogLevel: nil), as: .sqlite)
        app.writeGate = WriteGate()
    case .sqliteFile(let path):
        app.databases.use(.sqlite(.file(path), connectionPoolTimeout: .seconds(120), sqlLogLevel: nil), as: .sqlite)
        // Writes get connections of their own, so a long write never holds the connection
        // that reads on the same event loop need.
        app.databases.use(
            .sqlite(.file(path), connectionPoolTimeout: .seconds(120), sqlLogLevel: nil), as: .sqliteWriter,
            isDefault: false)
        app.writeGate = WriteGate(
            queued: config.sqliteQueuedWrites, synchronous: config.sqliteSynchronous,
            database: .sqliteWriter)
    case .postgres(let url):
        // TLS follows the URL's sslmode (tlsmode); without one the driver prefers TLS when the
        // server offers it. Trace-level logs, which would show binds, are cut by `LogLevelCap`.
        let pg = try SQLPostgresConfiguration(url: url)
        app.databases.use(
            .postgres(
                configuration: pg, maxConnectionsPerEventLoop: 4, connectionPoolTimeout: .seconds(30),
                sqlLogLevel: .trace), as: .psql)
    }

    app.migrations.add(M001_CreateUnitsAndUsers())
    app.migrations.add(M002_SeedRegions())
    app.migrations.add(M003_CreateReports())
    app.migrations.add(M004_CreateCertificates())
    app.migrations.add(M005_CreateComplaints())
    app.migrations.add(M006_CreateRegisters())
    app.migrations.add(M007_Hardening())
    app.migrations.add(M008_SharedLimits())
    app.migrations.add(M009_ExamResults())
    app.migrations.add(M010_Verification())

    app.migrations.add(M011_StationLicences())
    app.migrations.add(M012_Supervision())
    app.migrations.add(M013_ComplaintHandling())
    app.migrations.add(M014_BulletinDocuments())
    app.migrations.add(M015_DerivationIndexes())
    app.migrations.add(M016_SQLiteInlineChecks())
    app.migrations.add(M017_ChangeStamps())

    // Stable, sorted keys and ISO 8601 dates in every JSON answer.
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    ContentConfiguration.global.use(encoder: encoder, for: .json)
    ContentConfiguration.global.use(decoder: CheckedDecoder.json(decoder), for: .json)
    ContentConfiguration.global.use(decoder: CheckedDecoder.json(decoder), for: .jsonAPI)
    ContentConfiguration.global.use(decoder: CheckedDecoder.multipart, for: .formData)
    ContentConfiguration.global.use(decoder: CheckedFormDecoder(), for: .urlEncodedForm)
    ContentConfiguration.global.use(urlDecoder: CheckedQueryDecoder())

    if let root = config.root ?? locateRoot(app.directory.workingDirectory) {
        app.directory = DirectoryConfiguration(workingDirectory: root.hasSuffix("/") ? root : root + "/")
    }
    try app.loadWorkingDays()
    _ = app.evidenceGate  // made once here, not by two requests at once
    app.views.use(.leaf)
    app.leaf.tags["segment"] = SegmentTag()
    app.leaf.cache.isEnabled = app.environment.isRelease
    app.routes.defaultMaxBodySize = "2mb"

    app.middleware = Middlewares()
    app.middleware.use(RedactingRouteLogger())
    // Outside the error middleware and the files: every answer carries the headers.
    app.middleware.use(SecurityHeadersMiddleware())
    app.middleware.use(ErrorMiddleware())
    app.middleware.use(PathCheckMiddleware())
    app.middleware.use(FileMiddleware(publicDirectory: app.directory.publicDirectory))

    try routes(app)
}

/// The directory with the templates: the working directory, or else the nearest parent of the
/// executable (`.build/debug/zhijian` → the checkout) that has `Resources/Views`.
func locateRoot(_ workingDirectory: String) -> String? {
    let fm = FileManager.default
    if fm.fileExists(atPath: workingDirectory + "Resources/Views") { return nil }
    var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<5 {
        if fm.fileExists(atPath: dir.appendingPathComponent("Resources/Views").path) { return dir.path }
        dir.deleteLastPathComponent()
    }
    return nil
}

/// Runs the migrations, switches SQLite to WAL and creates the first ministry user — under a
/// lock, so that any number of processes starting at once on one database take turns: the
/// first migrates, the others find it done.
public func prepareDatabase(_ app: Application) async throws {
    try await withStartLock(app) {
        if case .sqliteFile = app.config.database, let sql = app.db as? any SQLDatabase {
            try await sql.raw("PRAGMA journal_mode=WAL").run()
        }
        try await app.autoMigrate()
        try await Signing.sealClearKeys(vault: app.keyVault, store: app.store)
        try await Complaints.recomputeDeadlines(app)
        if let password = app.config.adminPassword,
            try await User.query(on: app.db).filter(\.$username == "admin").first() == nil
        {
            let hash = try await app.passwordPool.hash(password)
            let created = try await app.write { db -> Bool in
                guard try await User.query(on: db).filter(\.$username == "admin").first() == nil else { return false }
                try await User(username: "admin", passwordHash: hash, role: .ministry, unitCode: nil).create(on: db)
                return true
            }
            if created { app.logger.notice("created the ministry user admin from ZHIJIAN_ADMIN_PASSWORD") }
        }
    }
}

/// PostgreSQL: a session advisory lock held on one connection while `body` runs on the others.
/// SQLite: an exclusive `flock` on a file beside the database. In memory: nothing to share.
func withStartLock(_ app: Application, _ body: @escaping @Sendable () async throws -> Void) async throws {
    switch app.config.database {
    case .postgres:
        let key: Int64 = 0x7A68_696A_6961_6E00  // "zhijian\0"
        try await app.db.withConnection { conn in
            guard let sql = conn as? any SQLDatabase else { return }
            try await sql.raw("SELECT pg_advisory_lock(\(bind: key))").run()
            do {
                try await body()
            } catch {
                try? await sql.raw("SELECT pg_advisory_unlock(\(bind: key))").run()
                throw error
            }
            try await sql.raw("SELECT pg_advisory_unlock(\(bind: key))").run()
        }
    case .sqliteFile(let path):
        let fd = open(path + "-start.lock", O_RDWR | O_CREAT, 0o600)
        guard fd >= 0 else { throw ConfigError("cannot open \(path)-start.lock: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        // Polled, not blocking: a blocked thread would be one the lock holder's own work may need.
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else { throw ConfigError("cannot lock \(path)-start.lock") }
            try await Task.sleep(for: .milliseconds(20))
        }
        defer { flock(fd, LOCK_UN) }
        try await body()
    case .sqliteMemory:
        try await body()
    }
}

/// Logs each request's method and path, with complaint receipts blanked out: a receipt opens a
/// case's status, so it must not sit in log files.
/// One access line per request at notice (so production logs show it), with the request id
/// Vapor gives every request's logger, the status and the time taken.
struct RedactingRouteLogger: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        var path = request.url.path
        if let r = path.range(of: "/complaints/receipt/") { path = String(path[..<r.upperBound]) + "…" }
        let start = ContinuousClock.now
        let response = try await next.respond(to: request)
        let ms = (ContinuousClock.now - start) / .milliseconds(1)
        request.logger.notice("\(request.method) \(path) \(response.status.code) \(String(format: "%.1f", ms)) ms")
        return response
    }
}

/// Headers every answer carries, errors and static files included: no framing, no sniffing, a
/// strict referrer, a Content-Security-Policy that allows only this site's own scripts and
/// styles (inline `style` attributes are kept for the server-drawn SVG charts), and no caching
/// of anything personal — every answer except static files and published bulletins is
/// `no-store`, so receipts, ID numbers and reports never sit in shared or browser caches.
struct SecurityHeadersMiddleware: AsyncMiddleware {
    static let csp =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        + "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let res = try await next.respond(to: request)
        res.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        res.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        res.headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
        // A stricter policy a handler set (an evidence file's sandbox) stays.
        if !res.headers.contains(name: "Content-Security-Policy") {
            res.headers.replaceOrAdd(name: "Content-Security-Policy", value: Self.csp)
        }
        res.headers.replaceOrAdd(name: "Cross-Origin-Opener-Policy", value: "same-origin")
        if request.application.config.secureCookies {
            res.headers.replaceOrAdd(name: "Strict-Transport-Security", value: "max-age=31536000")
        }
        if !res.headers.contains(name: .cacheControl) {
            // This site's own CSS and script are public and change only with a release.
            let asset = res.status == .ok && (request.url.path.hasPrefix("/css/") || request.url.path.hasPrefix("/js/"))
            res.headers.replaceOrAdd(name: .cacheControl, value: asset ? "public, max-age=3600" : "no-store")
        }
        return res
    }
}
