import Domain
import Foundation
import Vapor

/// Every environment variable the server reads, read once into a typed value.
public struct AppConfig: Sendable {
    public enum DatabaseChoice: Sendable, Equatable {
        case sqliteFile(String)
        case sqliteMemory
        case postgres(String)
    }

    public var database: DatabaseChoice
    /// Creates the `admin` ministry user on first start; never logged.
    public var adminPassword: String?
    /// Reports are due this many days after the quarter ends (`ZHIJIAN_DEADLINE_DAYS`).
    public var deadlineDays: Int
    /// A payment ratio below this percentage is a finding (`ZHIJIAN_PAYMENT_THRESHOLD`).
    public var paymentThreshold: Ratio
    /// How long an API token or a web session lasts (`ZHIJIAN_TOKEN_HOURS`).
    public var tokenLifetime: TimeInterval
    /// Bcrypt cost for new password hashes (`ZHIJIAN_BCRYPT_COST`).
    public var bcryptCost: Int
    /// Failed logins of one user name allowed within `loginWindow` before further tries get 429.
    public var loginMaxFailures: Int
    public var loginWindow: TimeInterval
    /// Set the Secure flag on cookies (`ZHIJIAN_SECURE_COOKIES=1` behind HTTPS).
    public var secureCookies: Bool
    /// Public verification lookups allowed per client address per minute (`ZHIJIAN_VERIFY_PER_MINUTE`).
    public var verifyPerMinute: Int = 30
    /// Public station list pages and lookups per client address per minute (`ZHIJIAN_STATIONS_PER_MINUTE`).
    public var stationsPerMinute: Int = 60
    /// The issuing authority printed at the head of the bulletin's PDF (`ZHIJIAN_ISSUER`).
    public var issuer = "人力资源社会保障部职业技能鉴定中心"
    /// Working days to decide whether to accept a complaint (`ZHIJIAN_COMPLAINT_DECISION_DAYS`).
    public var complaintDecisionDays: Int = 5
    /// Working days from acceptance to the result (`ZHIJIAN_COMPLAINT_RESULT_DAYS`).
    public var complaintResultDays: Int = 60
    /// The most working days the ministry may extend a case by, once (`ZHIJIAN_COMPLAINT_EXTENSION_DAYS`).
    public var complaintExtensionDays: Int = 30
    /// The working-day calendar's file (`ZHIJIAN_CALENDAR_FILE`; default
    /// `Resources/Calendar/cn-workdays.txt` under the root).
    public var calendarFile: String?
    /// Complaints one address may file per hour (`ZHIJIAN_COMPLAINTS_PER_HOUR`).
    public var complaintsPerHour: Int = 10
    /// Answers and evidence one address may send through receipts per hour (`ZHIJIAN_RECEIPT_WRITES_PER_HOUR`).
    public var receiptWritesPerHour: Int = 30
    /// Days after a session (or visit) within which the dispatched supervisor files the report
    /// (`ZHIJIAN_SUPERVISION_REPORT_DAYS`, 0…60, default 5).
    public var supervisionReportDays: Int = 5
    /// Whether a unit may keep supervisors in the register for other units (never its own); by
    /// default only the ministry keeps it (`ZHIJIAN_UNITS_KEEP_SUPERVISORS=1` allows units).
    public var unitsKeepSupervisors = false
    /// The address printed in QR codes (`ZHIJIAN_PUBLIC_URL`), without a trailing slash.
    public var publicURL: String = "http://127.0.0.1:8080"
    /// Reverse proxies whose `X-Forwarded-For`/`Forwarded` headers are believed
    /// (`ZHIJIAN_TRUSTED_PROXIES`, addresses or CIDR blocks separated by commas; default none).
    public var trustedProxies: [CIDR] = []
    /// Who may read `GET /metrics` (`ZHIJIAN_METRICS_FROM`, addresses or CIDR blocks separated by
    /// commas; default loopback).
    public var metricsFrom: [CIDR] = [CIDR("127.0.0.0/8"), CIDR("::1/128")].compactMap { $0 }
    /// The key-encryption key's file (`ZHIJIAN_KEY_FILE`, default `./zhijian.key`, created 0600 on
    /// first start); nil keeps a key in memory only (tests).
    public var keyFile: String?
    /// The directory holding `Resources/` and `Public/` (`ZHIJIAN_ROOT`); unset: the working
    /// directory when it has them, else the nearest parent of the executable that does.
    public var root: String?
    /// SQLite writes queue in-process before `BEGIN IMMEDIATE` (`ZHIJIAN_SQLITE_WRITES=queued`, the
    /// default) or only rely on the busy timeout (`unqueued`, to measure the alternative).
    public var sqliteQueuedWrites = true
    /// `PRAGMA synchronous` for SQLite writes (`ZHIJIAN_SQLITE_SYNCHRONOUS=full|normal`); nil keeps FULL.
    public var sqliteSynchronous: String?
    /// On PostgreSQL, public limits count in the database for every process (`ZHIJIAN_LIMITS=shared`,
    /// the default) or in each process's memory (`local`, to measure what sharing costs).
    public var sharedLimits = true
    /// The clock; tests inject a fixed date.
    public var now: @Sendable () -> Date

    public init(
        database: DatabaseChoice = .sqliteFile("zhijian.sqlite"), adminPassword: String? = nil,
        deadlineDays: Int = 15, paymentThreshold: Ratio = Ratio(tenths: 1000),
        tokenLifetime: TimeInterval = 12 * 3600, bcryptCost: Int = 12, loginMaxFailures: Int = 5,
        loginWindow: TimeInterval = 15 * 60, secureCookies: Bool = false,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.database = database
        self.adminPassword = adminPassword
        self.deadlineDays = deadlineDays
        self.paymentThreshold = paymentThreshold
        self.tokenLifetime = tokenLifetime
        self.bcryptCost = bcryptCost
        self.loginMaxFailures = loginMaxFailures
        self.loginWindow = loginWindow
        self.secureCookies = secureCookies
        self.now = now
    }

    /// Reads the process environment; a malformed value stops the start with a clear message.
    public static func fromEnvironment() throws -> AppConfig {
        var c = AppConfig()
        if let url = Environment.get("DATABASE_URL"), !url.isEmpty { c.database = try parseDatabaseURL(url) }
        c.adminPassword = Environment.get("ZHIJIAN_ADMIN_PASSWORD").flatMap { $0.isEmpty ? nil : $0 }
        if let d = Environment.get("ZHIJIAN_DEADLINE_DAYS") {
            guard let n = Int(d), (0...90).contains(n) else { throw ConfigError("ZHIJIAN_DEADLINE_DAYS must be 0…90") }
            c.deadlineDays = n
        }
        if let t = Environment.get("ZHIJIAN_PAYMENT_THRESHOLD") {
            guard case .success(let m) = Money.parse(t), m.fen % 10 == 0, m.fen <= 10_000 else {
                throw ConfigError("ZHIJIAN_PAYMENT_THRESHOLD must be a percentage 0…100 with one decimal")
            }
            c.paymentThreshold = Ratio(tenths: m.fen / 10)
        }
        if let h = Environment.get("ZHIJIAN_TOKEN_HOURS") {
            guard let n = Double(h), n > 0, n <= 24 * 30 else { throw ConfigError("ZHIJIAN_TOKEN_HOURS must be 0…720") }
            c.tokenLifetime = n * 3600
        }
        if let b = Environment.get("ZHIJIAN_BCRYPT_COST") {
            guard let n = Int(b), (4...31).contains(n) else { throw ConfigError("ZHIJIAN_BCRYPT_COST must be 4…31") }
            c.bcryptCost = n
        }
        c.secureCookies = Environment.get("ZHIJIAN_SECURE_COOKIES") == "1"
        if let v = Environment.get("ZHIJIAN_VERIFY_PER_MINUTE") {
            guard let n = Int(v), n > 0 else { throw ConfigError("ZHIJIAN_VERIFY_PER_MINUTE must be a positive number") }
            c.verifyPerMinute = n
        }
        if let v = Environment.get("ZHIJIAN_STATIONS_PER_MINUTE") {
            guard let n = Int(v), n > 0 else { throw ConfigError("ZHIJIAN_STATIONS_PER_MINUTE must be a positive number") }
            c.stationsPerMinute = n
        }
        for (name, path) in [
            ("ZHIJIAN_COMPLAINT_DECISION_DAYS", \AppConfig.complaintDecisionDays),
            ("ZHIJIAN_COMPLAINT_RESULT_DAYS", \AppConfig.complaintResultDays),
            ("ZHIJIAN_COMPLAINT_EXTENSION_DAYS", \AppConfig.complaintExtensionDays),
        ] {
            guard let d = Environment.get(name) else { continue }
            guard let n = Int(d), (1...250).contains(n) else { throw ConfigError("\(name) must be 1…250 working days") }
            c[keyPath: path] = n
        }
        if let f = Environment.get("ZHIJIAN_CALENDAR_FILE"), !f.isEmpty {
            guard FileManager.default.fileExists(atPath: f) else {
                throw ConfigError("ZHIJIAN_CALENDAR_FILE \(f) does not exist")
            }
            c.calendarFile = f
        }
        if let v = Environment.get("ZHIJIAN_RECEIPT_WRITES_PER_HOUR") {
            guard let n = Int(v), n > 0 else { throw ConfigError("ZHIJIAN_RECEIPT_WRITES_PER_HOUR must be a positive number") }
            c.receiptWritesPerHour = n
        }
        if let d = Environment.get("ZHIJIAN_SUPERVISION_REPORT_DAYS") {
            guard let n = Int(d), (0...60).contains(n) else { throw ConfigError("ZHIJIAN_SUPERVISION_REPORT_DAYS must be 0…60") }
            c.supervisionReportDays = n
        }
        c.unitsKeepSupervisors = Environment.get("ZHIJIAN_UNITS_KEEP_SUPERVISORS") == "1"
        if let v = Environment.get("ZHIJIAN_ISSUER") {
            let name = v.trimmingCharacters(in: .whitespaces)
            guard (2...40).contains(name.count), !TextCheck.hasControl(name) else {
                throw ConfigError("ZHIJIAN_ISSUER must be 2…40 characters")
            }
            c.issuer = name
        }
        if let v = Environment.get("ZHIJIAN_COMPLAINTS_PER_HOUR") {
            guard let n = Int(v), n > 0 else { throw ConfigError("ZHIJIAN_COMPLAINTS_PER_HOUR must be a positive number") }
            c.complaintsPerHour = n
        }
        func blocks(_ name: String) throws -> [CIDR]? {
            guard let t = Environment.get(name), !t.isEmpty else { return nil }
            return try t.split(separator: ",").map { item in
                let text = item.trimmingCharacters(in: .whitespaces)
                guard let cidr = CIDR(text) else { throw ConfigError("\(name): \(text) is not an address or CIDR block") }
                return cidr
            }
        }
        if let t = try blocks("ZHIJIAN_TRUSTED_PROXIES") { c.trustedProxies = t }
        if let m = try blocks("ZHIJIAN_METRICS_FROM") { c.metricsFrom = m }
        if let r = Environment.get("ZHIJIAN_ROOT"), !r.isEmpty {
            guard FileManager.default.fileExists(atPath: r + "/Resources/Views") else {
                throw ConfigError("ZHIJIAN_ROOT \(r) has no Resources/Views")
            }
            c.root = r
        }
        if let l = Environment.get("ZHIJIAN_LIMITS") {
            guard ["shared", "local"].contains(l) else { throw ConfigError("ZHIJIAN_LIMITS must be shared or local") }
            c.sharedLimits = l == "shared"
        }
        if let w = Environment.get("ZHIJIAN_SQLITE_WRITES") {
            guard ["queued", "unqueued"].contains(w) else {
                throw ConfigError("ZHIJIAN_SQLITE_WRITES must be queued or unqueued")
            }
            c.sqliteQueuedWrites = w == "queued"
        }
        if let sync = Environment.get("ZHIJIAN_SQLITE_SYNCHRONOUS") {
            guard ["full", "normal"].contains(sync.lowercased()) else {
                throw ConfigError("ZHIJIAN_SQLITE_SYNCHRONOUS must be full or normal")
            }
            c.sqliteSynchronous = sync.uppercased()
        }
        c.keyFile = Environment.get("ZHIJIAN_KEY_FILE").flatMap { $0.isEmpty ? nil : $0 } ?? "zhijian.key"
        if let u = Environment.get("ZHIJIAN_PUBLIC_URL") {
            guard u.hasPrefix("http://") || u.hasPrefix("https://") else {
                throw ConfigError("ZHIJIAN_PUBLIC_URL must be an http(s) URL")
            }
            c.publicURL = u.hasSuffix("/") ? String(u.dropLast()) : u
        }
        return c
    }

    public static func parseDatabaseURL(_ url: String) throws -> DatabaseChoice {
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") { return .postgres(url) }
        if url == "sqlite::memory:" || url == "sqlite://:memory:" { return .sqliteMemory }
        if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw ConfigError("DATABASE_URL sqlite:// needs a path") }
            return .sqliteFile(path)
        }
        throw ConfigError("DATABASE_URL must start with sqlite:// or postgres://")
    }
}

struct ConfigError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

extension Application {
    private struct ConfigKey: StorageKey { typealias Value = AppConfig }
    public var config: AppConfig {
        get { storage[ConfigKey.self] ?? AppConfig() }
        set { storage[ConfigKey.self] = newValue }
    }
}

extension Application {
    private struct WorkingDaysKey: StorageKey { typealias Value = WorkingDays }
    /// The working-day calendar, read once at start (`configure`).
    var workingDays: WorkingDays {
        get { storage[WorkingDaysKey.self] ?? WorkingDays() }
        set { storage[WorkingDaysKey.self] = newValue }
    }

    /// Reads the calendar file; a malformed file stops the start, a year it lacks is logged.
    func loadWorkingDays() throws {
        let path = config.calendarFile ?? directory.resourcesDirectory + "Calendar/cn-workdays.txt"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("The working-day calendar \(path) cannot be read")
        }
        do { workingDays = try WorkingDays(parsing: String(decoding: data, as: UTF8.self)) } catch {
            throw ConfigError("\(path): \(error)")
        }
        if !workingDays.covers(config.now()) {
            logger.warning(
                "The working-day calendar has no entries for this year: complaint deadlines count weekends only",
                metadata: ["file": .string(path)])
        }
    }
}

extension Request {
    var config: AppConfig { application.config }
    var now: Date { application.config.now() }
}
