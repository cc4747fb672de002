import Domain
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import App

/// A clock the tests move by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Date
    init(_ date: Date) { value = date }
    var now: Date { lock.withLock { value } }
    func set(_ date: Date) { lock.withLock { value = date } }
    func advance(_ seconds: TimeInterval) { lock.withLock { value = value.addingTimeInterval(seconds) } }
}

/// `2026-05-10T12:00:00+08:00` and friends, in Beijing time.
func beijing(_ text: String) -> Date {
    let f = ISO8601DateFormatter()
    return f.date(from: text + "+08:00")!
}

/// The database a test runs on: a fresh SQLite file (WAL, as in production) that is removed
/// afterwards, or PostgreSQL when TEST_DATABASE_URL is set.
func testDatabase() -> (AppConfig.DatabaseChoice, cleanup: () -> Void) {
    if let url = ProcessInfo.processInfo.environment["TEST_DATABASE_URL"], !url.isEmpty {
        return (try! AppConfig.parseDatabaseURL(url), {})
    }
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("zhijian-test-\(UUID().uuidString).sqlite").path
    return (
        .sqliteFile(path),
        {
            for suffix in ["", "-wal", "-shm", "-start.lock"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
    )
}

let adminPassword = "admin-secret-1"

/// A running application on the test database, with a client that fails the test on any 5xx.
struct TestApp {
    let app: Application
    let clock: TestClock
    /// A port when requests go over real HTTP on loopback (so the server sees a peer address).
    var livePort: Int?

    func send(
        _ method: HTTPMethod, _ path: String, token: String? = nil, json: String? = nil,
        headers extra: HTTPHeaders = [:], body: String? = nil, contentType: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> TestingHTTPResponse {
        var headers = extra
        if let token { headers.bearerAuthorization = .init(token: token) }
        var buffer: ByteBuffer?
        if let json {
            headers.contentType = .json
            buffer = ByteBuffer(string: json)
        } else if let body {
            headers.replaceOrAdd(name: .contentType, value: contentType ?? "application/x-www-form-urlencoded")
            buffer = ByteBuffer(string: body)
        }
        let tester = try livePort.map { try app.testing(method: .running(hostname: "127.0.0.1", port: $0)) } ?? app.testing()
        let res = try await tester.sendRequest(method, path, headers: headers, body: buffer)
        #expect(
            res.status.code < 500, "\(method) \(path) answered \(res.status): \(res.body.string)",
            sourceLocation: sourceLocation)
        return res
    }

    /// The document number tests publish `period` under: 人社鉴通〔year of issue〕n号, one per period.
    func documentNumber(_ period: String) -> String {
        let p = Period(period)!
        let year = Period.containing(clock.now).year
        return "人社鉴通〔\(year)〕\((p.year - 2000) * 4 + p.quarter)号"
    }

    /// Publishes `period`'s bulletin with its document number, dated today (the test clock's day).
    func publish(
        _ period: String, token: String?, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> TestingHTTPResponse {
        try await send(
            .POST, "/api/v1/bulletins/\(period)/publish", token: token,
            json: #"{"documentNumber":"\#(documentNumber(period))"}"#, sourceLocation: sourceLocation)
    }

    /// Sends raw bytes (a file, a multipart body) as they are.
    func send(
        _ method: HTTPMethod, _ path: String, token: String? = nil, headers extra: HTTPHeaders = [:], bytes: [UInt8],
        contentType: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> TestingHTTPResponse {
        var headers = extra
        if let token { headers.bearerAuthorization = .init(token: token) }
        headers.replaceOrAdd(name: .contentType, value: contentType)
        let tester = try livePort.map { try app.testing(method: .running(hostname: "127.0.0.1", port: $0)) } ?? app.testing()
        let res = try await tester.sendRequest(method, path, headers: headers, body: ByteBuffer(bytes: bytes))
        #expect(
            res.status.code < 500, "\(method) \(path) answered \(res.status): \(res.body.string)",
            sourceLocation: sourceLocation)
        return res
    }

    /// A multipart/form-data body: text fields, then files (field, file name, type, bytes).
    static func multipart(
        _ fields: [(String, String)], files: [(field: String, name: String, type: String, bytes: [UInt8])]
    ) -> (bytes: [UInt8], contentType: String) {
        let boundary = "zjtest\(UInt32.random(in: 0...UInt32.max))"
        var out: [UInt8] = []
        for (name, value) in fields {
            out += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        for f in files {
            out += Array(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(f.field)\"; filename=\"\(f.name)\"\r\nContent-Type: \(f.type)\r\n\r\n"
                    .utf8)
            out += f.bytes
            out += Array("\r\n".utf8)
        }
        out += Array("--\(boundary)--\r\n".utf8)
        return (out, "multipart/form-data; boundary=\(boundary)")
    }

    func json(_ res: TestingHTTPResponse) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(res.body.readableBytesView), options: [.fragmentsAllowed])
    }

    func object(_ res: TestingHTTPResponse) throws -> [String: Any] {
        try #require(try json(res) as? [String: Any])
    }

    func array(_ res: TestingHTTPResponse) throws -> [[String: Any]] {
        try #require(try json(res) as? [[String: Any]])
    }

    func login(_ username: String, _ password: String) async throws -> String {
        let res = try await send(.POST, "/api/v1/auth/login", json: #"{"username":"\#(username)","password":"\#(password)"}"#)
        try #require(res.status == .ok, "login \(username): \(res.body.string)")
        return try #require(try object(res)["token"] as? String)
    }

    func admin() async throws -> String { try await login("admin", adminPassword) }

    /// Creates a user through the API and logs it in.
    func user(_ name: String, role: String, unit: String?) async throws -> String {
        let admin = try await admin()
        let unitJSON = unit.map { "\"\($0)\"" } ?? "null"
        let res = try await send(
            .POST, "/api/v1/users", token: admin,
            json: #"{"username":"\#(name)","password":"password-\#(name)","role":"\#(role)","unitCode":\#(unitJSON)}"#)
        try #require(res.status == .created, "create \(name): \(res.body.string)")
        return try await login(name, "password-\(name)")
    }

    /// The error body's code and details, checking the documented shape.
    func error(
        _ res: TestingHTTPResponse, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> (code: String, details: [[String: Any]]) {
        let o = try object(res)
        let e = try #require(o["error"] as? [String: Any], sourceLocation: sourceLocation)
        #expect((e["message"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
        #expect((e["messageZh"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
        return (try #require(e["code"] as? String), (e["details"] as? [[String: Any]]) ?? [])
    }
}

/// Tests log at warning level: their output shows the tests, not every request.
let quietLogging: Void = {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return handler
    }
}()

/// Runs `body` against a fresh application and database, always shutting down.
/// `trustedProxies` makes requests travel over real HTTP from 127.0.0.1, which the list may trust.
func withTestApp(
    now: Date = beijing("2026-05-10T12:00:00"), deadlineDays: Int = 15, trustedProxies: [String]? = nil,
    settings: (inout AppConfig) -> Void = { _ in },
    _ body: (TestApp) async throws -> Void
) async throws {
    _ = quietLogging
    let app = try await Application.make(.testing)
    app.logger.logLevel = .warning
    let clock = TestClock(now)
    let (database, cleanup) = testDatabase()
    defer { cleanup() }
    var config = AppConfig(
        database: database, adminPassword: adminPassword, deadlineDays: deadlineDays,
        bcryptCost: 4, now: { clock.now })
    config.trustedProxies = (trustedProxies ?? []).compactMap(CIDR.init)
    settings(&config)
    do {
        try await configure(app, config: config)
        if case .postgres = database, let sql = app.db as? any SQLDatabase {
            try await sql.raw("DROP SCHEMA public CASCADE").run()
            try await sql.raw("CREATE SCHEMA public").run()
        }
        try await prepareDatabase(app)
        try await body(TestApp(app: app, clock: clock, livePort: trustedProxies == nil ? nil : freePort()))
    } catch {
        try? await app.asyncShutdown()
        throw error
    }
    try await app.asyncShutdown()
}

/// A valid report body, with overrides by JSON fragment.
func reportJSON(
    national: Int = 12, verifiedLocal: Int = 3, unverifiedLocal: Int = 0, banksNational: Int = 10,
    certifiedLocal: Int = 2, uncertifiedLocal: Int = 0, feeStandard: Bool = true,
    overcharge: (Int, Int) = (0, 0), crossRegion: Bool = false, supervision: Bool = true,
    violations: (Int, Int) = (0, 0), forgery: (Int, Int) = (0, 0),
    due: String = "1000.00", paid: String = "1000.00"
) -> String {
    """
    {"standards":{"national":\(national),"verifiedLocal":\(verifiedLocal),"unverifiedLocal":\(unverifiedLocal)},
     "banks":{"national":\(banksNational),"certifiedLocal":\(certifiedLocal),"uncertifiedLocal":\(uncertifiedLocal)},
     "feeStandard":\(feeStandard),"overcharge":{"investigated":\(overcharge.0),"uninvestigated":\(overcharge.1)},
     "crossRegion":\(crossRegion),"supervision":\(supervision),
     "violations":{"investigated":\(violations.0),"uninvestigated":\(violations.1)},
     "forgery":{"investigated":\(forgery.0),"uninvestigated":\(forgery.1)},
     "payment":{"dueYuan":"\(due)","paidYuan":"\(paid)"}}
    """
}

/// Runs one of the Python checks beside this file (openpyxl, joserfc); returns its status and output.
func runPythonCheck(_ script: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(script).path
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", path] + arguments
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A TCP port nobody listens on now.
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

extension TestApp {
    /// Occupations a test issues certificates in: 电工 and 焊工, by code.
    static let occupations = [("6-07-06-01", "电工"), ("6-18-02-04", "焊工")]

    /// Records passes for `people` in a new exam session of `unit` (the occupation by name or
    /// code, the level, the date), registering what the session needs first: the occupations,
    /// a station of the unit licensed for every level of them. Returns the session's id.
    @discardableResult
    func passes(
        _ people: [(name: String, id: String)], unit: String, token: String, occupation: String = "电工", level: String = "5",
        date: String = "2026-02-20", failed: [(name: String, id: String)] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> String {
        let admin = try await admin()
        for (code, name) in Self.occupations {
            _ = try await send(.POST, "/api/v1/occupations", token: admin, json: #"{"code":"\#(code)","name":"\#(name)"}"#)
        }
        let code = Self.occupations.first { $0.1 == occupation || $0.0 == occupation }?.0 ?? occupation
        let station = "ST-\(unit)"
        let scope = Self.occupations.map { #"{"occupation":"\#($0.0)","maxLevel":"1"}"# }.joined(separator: ",")
        let created = try await send(
            .POST, "/api/v1/stations", token: token,
            json: #"""
                {"code":"\#(station)","name":"第一鉴定站","unitCode":"\#(unit)","regionCode":"\#(unit)","scope":[\#(scope)],
                 "licenceNo":"鉴许\#(unit)-01","licenceExpires":"2030-12-31","address":"中心路1号","personInCharge":"王站长"}
                """#)
        #expect(
            created.status == .created || created.status == .conflict, "\(created.body.string)", sourceLocation: sourceLocation)
        let all = people + failed
        let session = try object(
            try await send(
                .POST, "/api/v1/sessions", token: token,
                json: #"""
                    {"stationCode":"\#(station)","occupation":"\#(code)","level":"\#(level)","date":"\#(date)",
                     "regionCode":"\#(unit)","standardKind":"national","bankKind":"national","bankCode":"NB-\#(code)-\#(UUID().uuidString.prefix(8))",
                     "candidates":\#(all.count),"passed":\#(people.count),"feeYuan":"100","supervisorId":null}
                    """#))
        let id = try #require(session["id"] as? String, "\(session)", sourceLocation: sourceLocation)
        guard !all.isEmpty else { return id }
        let rows =
            people.map { #"{"name":"\#($0.name)","idNumber":"\#($0.id)","passed":true}"# }
            + failed.map { #"{"name":"\#($0.name)","idNumber":"\#($0.id)","passed":false}"# }
        let res = try await send(
            .POST, "/api/v1/sessions/\(id)/results", token: token, json: #"{"results":[\#(rows.joined(separator: ","))]}"#)
        #expect(res.status == .ok, "\(res.body.string)", sourceLocation: sourceLocation)
        return id
    }
}
