import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// A fixed-window counter per client address, in this process. Memory is bounded: windows are
/// aligned, so a new window simply replaces the old table (no scan under the lock), and past
/// `maxKeys` addresses in one window newcomers count by a wide network, so a flood of fresh
/// addresses limits itself instead of growing the table. IPv6 clients count by their /64 network.
final class RateLimiter: @unchecked Sendable {
    private let lock = NSLock()
    private var windowStart = Date.distantPast
    private var counts: [String: Int] = [:]
    let limit: Int
    let window: TimeInterval
    let maxKeys: Int
    /// On PostgreSQL the counts of a shared limiter live in the database, so that every server
    /// process counts against one limit (see `SharedLimits`); `scope` names its counters there.
    let scope: String?
    /// What the limiter guards (`verify`, `complaint`, `login`), for the refusal metric.
    let name: String
    fileprivate let lastSweep = NIOLockedValueBox(Date.distantPast)

    init(limit: Int, window: TimeInterval, maxKeys: Int = 100_000, name: String = "other", sharedAs scope: String? = nil) {
        self.name = name
        self.limit = limit
        self.window = window
        self.maxKeys = maxKeys
        self.scope = scope
    }

    /// Nil when allowed; otherwise the seconds to wait.
    func hit(_ key: String, now: Date) -> Int? {
        let key = Self.bucket(key)
        var expired: [String: Int] = [:]
        defer { _ = expired }  // the old table is freed after the lock is released
        return lock.withLock {
            let start = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / window).rounded(.down) * window)
            if start != windowStart {
                windowStart = start
                swap(&expired, &counts)
            }
            // Past maxKeys, newcomers count by a wide network (IPv4 /16, IPv6 /32): a flood of
            // fresh addresses limits itself without sharing one counter with everybody.
            let slot = counts[key] != nil || counts.count < maxKeys ? key : Self.wide(key)
            let n = (counts[slot] ?? 0) + 1
            counts[slot] = n
            guard n > limit else { return nil }
            return max(1, Int(start.addingTimeInterval(window).timeIntervalSince(now).rounded(.up)))
        }
    }

    /// The network a bucket falls in once the table is full: IPv4 /16, IPv6 /32 (the first four
    /// of the /64 bucket's eight byte groups).
    static func wide(_ bucket: String) -> String {
        if bucket.hasSuffix("::/64") { return bucket.split(separator: ":").prefix(4).joined(separator: ":") + "::/32" }
        return bucket.split(separator: ".").prefix(2).joined(separator: ".") + ".0.0/16"
    }

    /// The counting unit of an address: itself for IPv4, its /64 network for IPv6.
    static func bucket(_ address: String) -> String {
        guard address.contains(":"), let b = CIDR.parse(address), b.count == 16 else { return address }
        return b[0..<8].map { String($0, radix: 16) }.joined(separator: ":") + "::/64"
    }
}

extension Application {
    private struct VerifyLimiterKey: StorageKey { typealias Value = RateLimiter }
    private struct ComplaintLimiterKey: StorageKey { typealias Value = RateLimiter }
    private struct LoginLimiterKey: StorageKey { typealias Value = RateLimiter }
    private struct StationsLimiterKey: StorageKey { typealias Value = RateLimiter }
    private struct ReceiptLimiterKey: StorageKey { typealias Value = RateLimiter }

    /// Login attempts per address per minute, counted in memory before any database work.
    var loginLimiter: RateLimiter { limiter(LoginLimiterKey.self, name: "login", limit: 60, window: 60) }

    /// Public lookups (certificate verification, complaint status), per address per minute.
    var verifyLimiter: RateLimiter {
        limiter(VerifyLimiterKey.self, name: "verify", limit: config.verifyPerMinute, window: 60, shared: "verify")
    }
    /// The public list of authorised stations (page and API), per address per minute.
    var stationsLimiter: RateLimiter {
        limiter(StationsLimiterKey.self, name: "stations", limit: config.stationsPerMinute, window: 60, shared: "stations")
    }
    /// Public complaint filing, per address per hour.
    var complaintLimiter: RateLimiter {
        limiter(ComplaintLimiterKey.self, name: "complaint", limit: config.complaintsPerHour, window: 3600, shared: "complaint")
    }

    /// What a filer adds through the receipt (answers, evidence), per address per hour.
    var receiptLimiter: RateLimiter {
        limiter(ReceiptLimiterKey.self, name: "receipt", limit: config.receiptWritesPerHour, window: 3600, shared: "receipt")
    }

    private func limiter<K: StorageKey>(
        _ key: K.Type, name: String, limit: Int, window: TimeInterval,
        shared: String? = nil
    ) -> RateLimiter where K.Value == RateLimiter {
        if let l = storage[key] { return l }
        let l = RateLimiter(limit: limit, window: window, name: name, sharedAs: shared)
        storage[key] = l
        return l
    }
}

extension Request {
    /// Refuses with 429 and Retry-After once this client has used its share.
    func rateLimit(_ limiter: RateLimiter) async throws {
        let address = clientAddress
        let retry: Int?
        if let scope = limiter.scope, db.isPostgres, config.sharedLimits {
            retry = try await SharedLimits.hit(limiter, scope: scope, key: RateLimiter.bucket(address), now: now, on: db)
        } else {
            retry = limiter.hit(address, now: now)
        }
        try rateLimit(limiter, retry: retry)
    }

    /// The refusal of a hit already counted: 429 with Retry-After when `retry` is set.
    func rateLimit(_ limiter: RateLimiter, retry: Int?) throws {
        if let retry {
            AppMetrics.refused(by: limiter)
            var e = AppError(
                status: .tooManyRequests, code: "rate_limited",
                message: "Too many requests; try again in \(retry) seconds",
                messageZh: "请求过于频繁，请\(retry)秒后再试")
            e.headers.replaceOrAdd(name: .retryAfter, value: String(retry))
            throw e
        }
    }
}

/// Limits shared by every server process on PostgreSQL: one upsert per hit into an UNLOGGED
/// table (counters need no crash safety, and skip the WAL), windows aligned as in memory, expired
/// windows swept by whichever process passes by after a minute. A single autocommit statement,
/// not a write transaction: a counter is not data, and one round trip is all a hit may cost.
enum SharedLimits {
    static func hit(_ limiter: RateLimiter, scope: String, key: String, now: Date, on db: any Database) async throws -> Int? {
        guard let sql = db as? any SQLDatabase else { return nil }
        let start = Int64((now.timeIntervalSince1970 / limiter.window).rounded(.down) * limiter.window)
        struct Row: Decodable { let hits: Int }
        let row = try await sql.raw(
            """
            INSERT INTO rate_limits (scope, key, window_start, hits) VALUES (\(bind: scope), \(bind: key), \(bind: start), 1)
            ON CONFLICT (scope, key, window_start) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits
            """
        ).first(decoding: Row.self)
        let sweep = limiter.lastSweep.withLockedValue { last -> Bool in
            guard now.timeIntervalSince(last) > 60 else { return false }
            last = now
            return true
        }
        if sweep {
            // Windows end; their rows go. Two hours covers the longest window (complaints, one hour).
            let horizon = Int64(now.timeIntervalSince1970) - 7200
            Task { try? await sql.raw("DELETE FROM rate_limits WHERE window_start < \(bind: horizon)").run() }
        }
        guard let hits = row?.hits, hits > limiter.limit else { return nil }
        return max(1, Int((Double(start) + limiter.window - now.timeIntervalSince1970).rounded(.up)))
    }
}

/// Unit names for public answers, re-read at most once a minute.
/// Names by code (units, occupations), read from the database at most once a minute per
/// process: the public verification answers names without a query each time. A code added in
/// the last minute may show without its name until the next reload.
final class NameCache: @unchecked Sendable {
    private let lock = NSLock()
    private var names: [String: String] = [:]
    private var loaded = Date.distantPast
    private let load: @Sendable (any Database) async throws -> [String: String]

    init(_ load: @escaping @Sendable (any Database) async throws -> [String: String]) { self.load = load }

    /// The name as cached, without waiting: nil when the cache is older than a minute (the
    /// caller then asks `name(_:on:)`); `.some(nil)` when the code has no name.
    func cached(_ code: String) -> String?? {
        lock.withLock { Date().timeIntervalSince(loaded) < 60 ? .some(names[code]) : nil }
    }

    func name(_ code: String, on db: any Database) async throws -> String? {
        if let hit = lock.withLock({ Date().timeIntervalSince(loaded) < 60 ? Optional(names[code]) : nil }) { return hit }
        let fresh = try await load(db)
        lock.withLock {
            names = fresh
            loaded = Date()
        }
        return fresh[code]
    }
}

extension Application {
    private struct UnitNamesKey: StorageKey { typealias Value = NameCache }
    private struct OccupationNamesKey: StorageKey { typealias Value = NameCache }

    var unitNames: NameCache {
        if let c = storage[UnitNamesKey.self] { return c }
        let c = NameCache { db in
            Dictionary(try await UnitModel.query(on: db).all().map { ($0.id ?? "", $0.name) }, uniquingKeysWith: { a, _ in a })
        }
        storage[UnitNamesKey.self] = c
        return c
    }

    var occupationNames: NameCache {
        if let c = storage[OccupationNamesKey.self] { return c }
        let c = NameCache { db in
            Dictionary(try await Occupation.query(on: db).all().map { ($0.id ?? "", $0.name) }, uniquingKeysWith: { a, _ in a })
        }
        storage[OccupationNamesKey.self] = c
        return c
    }
}

/// A per-address limit applied before the route reads its body: put on public routes that take
/// uploads, so an anonymous client cannot make the server collect body after body.
struct RateLimitFirst: AsyncMiddleware {
    let limiter: @Sendable (Application) -> RateLimiter

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        try await request.rateLimit(limiter(request.application))
        return try await next.respond(to: request)
    }
}
