import Fluent
import Foundation
import Vapor

/// A fixed-window counter per client address, in this process. Each server process limits on
/// its own, so N processes allow N times the rate: enough to stop enumeration from one address.
final class RateLimiter: @unchecked Sendable {
    private let lock = NSLock()
    private var windows: [String: (start: Date, count: Int)] = [:]
    let limit: Int
    let window: TimeInterval

    init(limit: Int, window: TimeInterval) { self.limit = limit; self.window = window }

    /// Nil when allowed; otherwise the seconds to wait.
    func hit(_ key: String, now: Date) -> Int? {
        lock.withLock {
            if windows.count > 100_000 { windows = windows.filter { now.timeIntervalSince($0.value.start) < window } }
            var w = windows[key] ?? (now, 0)
            if now.timeIntervalSince(w.start) >= window { w = (now, 0) }
            w.count += 1
            windows[key] = w
            guard w.count > limit else { return nil }
            return max(1, Int((w.start.addingTimeInterval(window).timeIntervalSince(now)).rounded(.up)))
        }
    }
}

extension Application {
    private struct VerifyLimiterKey: StorageKey { typealias Value = RateLimiter }
    private struct ComplaintLimiterKey: StorageKey { typealias Value = RateLimiter }

    /// Public lookups (certificate verification, complaint status), per address per minute.
    var verifyLimiter: RateLimiter { limiter(VerifyLimiterKey.self, limit: config.verifyPerMinute, window: 60) }
    /// Public complaint filing, per address per hour.
    var complaintLimiter: RateLimiter { limiter(ComplaintLimiterKey.self, limit: config.complaintsPerHour, window: 3600) }

    private func limiter<K: StorageKey>(_ key: K.Type, limit: Int, window: TimeInterval) -> RateLimiter where K.Value == RateLimiter {
        if let l = storage[key] { return l }
        let l = RateLimiter(limit: limit, window: window)
        storage[key] = l
        return l
    }
}

extension Request {
    /// Refuses with 429 and Retry-After once this client has used its share.
    func rateLimit(_ limiter: RateLimiter) throws {
        let address = peerAddress?.ipAddress ?? remoteAddress?.ipAddress ?? "unknown"
        if let retry = limiter.hit(address, now: now) {
            var e = AppError(status: .tooManyRequests, code: "rate_limited",
                             message: "Too many requests; try again in \(retry) seconds",
                             messageZh: "请求过于频繁，请\(retry)秒后再试")
            e.headers.replaceOrAdd(name: .retryAfter, value: String(retry))
            throw e
        }
    }
}

/// Unit names for public answers, re-read at most once a minute.
final class UnitNameCache: @unchecked Sendable {
    private let lock = NSLock()
    private var names: [String: String] = [:]
    private var loaded = Date.distantPast

    func name(_ code: String, on db: any Database) async throws -> String? {
        if let hit = lock.withLock({ Date().timeIntervalSince(loaded) < 60 ? names[code] : nil }) { return hit }
        let all = try await UnitModel.query(on: db).all()
        let fresh = Dictionary(uniqueKeysWithValues: all.map { ($0.id!, $0.name) })
        lock.withLock { names = fresh; loaded = Date() }
        return fresh[code]
    }
}

extension Application {
    private struct UnitNamesKey: StorageKey { typealias Value = UnitNameCache }

    var unitNames: UnitNameCache {
        if let c = storage[UnitNamesKey.self] { return c }
        let c = UnitNameCache()
        storage[UnitNamesKey.self] = c
        return c
    }
}
