import Crypto
import Fluent
import Foundation
import Vapor

enum Auth {
    static let sessionCookie = "zj_session"
    static let loginCSRFCookie = "zj_login_csrf"
    /// Set after a successful login: this browser or client has known the user's password. Its
    /// tries are spared the per-user backoff, so strangers guessing `admin` cannot keep the owner
    /// out. It names the user and the password hash, so a new password voids it.
    static let deviceCookie = "zj_device"

    static func deviceProof(_ user: User, vault: KeyVault) -> String {
        vault.mac("device\n\(user.username)\n\(user.passwordHash)")
    }

    static func deviceCookieValue(_ user: User, on req: Request) -> HTTPCookies.Value {
        HTTPCookies.Value(
            string: deviceProof(user, vault: req.application.keyVault), maxAge: 180 * 86400,
            isSecure: req.config.secureCookies, isHTTPOnly: true, sameSite: .strict)
    }

    /// A fresh random secret, 256 bits, URL-safe.
    static func randomSecret() -> String {
        var g = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Checks a user name and password. The attempt is recorded (as a failure) before the hash is
    /// checked, in the same write transaction that counts the earlier ones, so parallel guesses
    /// are each counted; a success erases it. Limits, within `loginWindow`:
    /// - one user name from one address: `loginMaxFailures`, then 429;
    /// - one address over all names: 4 × that, then 429;
    /// - one user name from all addresses (forwarded addresses can be forged or rented): past
    ///   4 × that, a backoff instead of a lock — one try per 2^(n − limit) seconds, at most one a
    ///   minute — so strangers slow the guessing of `admin` without locking its owner out.
    static func verify(username: String, password: String, on req: Request) async throws -> User {
        let cfg = req.config
        let now = req.now
        let since = now.addingTimeInterval(-cfg.loginWindow)
        // IPv6 clients count by their /64, as in every other limit.
        let address = RateLimiter.bucket(req.clientAddress)
        // A flood is turned away in memory before it costs a write.
        try await req.rateLimit(req.application.loginLimiter)
        // Read once: its hash for bcrypt, and for the known-device proof (`issue` re-checks both
        // under the user's lock).
        let user = try await User.query(on: req.db).filter(\.$username == username).first()
        let known =
            user.map { u in req.cookies[deviceCookie]?.string == deviceProof(u, vault: req.application.keyVault) } ?? false
        let attempt = try await req.write { db -> UUID in
            try await db.lockForWrite(topic: "login:" + username)
            try await LoginFailure.query(on: db).filter(\.$at <= since).delete()
            let recent = try await LoginFailure.query(on: db)
                .filter(\.$at > since)
                .group(.or) { $0.filter(\.$username == username).filter(\.$address == address) }
                .all()
            let pair = recent.filter { $0.username == username && $0.address == address }
            let fromAddress = recent.filter { $0.address == address }
            let forUser = recent.filter { $0.username == username }.map(\.at).sorted()
            var retry: Int?
            for (hit, limit) in [(pair, cfg.loginMaxFailures), (fromAddress, cfg.loginMaxFailures * 4)] where hit.count >= limit {
                let oldest = hit.map(\.at).min() ?? now
                retry = max(retry ?? 0, Int(oldest.addingTimeInterval(cfg.loginWindow).timeIntervalSince(now).rounded(.up)))
            }
            let userLimit = cfg.loginMaxFailures * 4
            if !known, forUser.count >= userLimit, let last = forUser.last {
                let spacing = min(60, 1 << min(6, forUser.count - userLimit))
                let wait = last.addingTimeInterval(TimeInterval(spacing)).timeIntervalSince(now)
                if wait > 0 { retry = max(retry ?? 0, Int(wait.rounded(.up))) }
            }
            if let retry {
                var e = AppError(
                    status: .tooManyRequests, code: "too_many_attempts",
                    message: "Too many failed logins; try again in \(max(1, retry)) seconds",
                    messageZh: "登录失败次数过多，请\(max(1, retry))秒后再试")
                e.headers.replaceOrAdd(name: .retryAfter, value: String(max(1, retry)))
                throw e
            }
            let f = LoginFailure(username: username, address: address, at: now)
            try await f.create(on: db)
            return try f.requireID()
        }
        // Spend the same time whether or not the user exists.
        let hash = user?.passwordHash ?? "$2b$12$C6UzMDM.H6dfI/f/IKcEeO9nbdPj1mYvTl9WA1TSiYo8i8FhZb3xW"
        let ok = try await req.application.passwordPool.verify(password, created: hash)
        guard ok, let user, user.active else {
            throw AppError(
                status: .unauthorized, code: "invalid_credentials",
                message: "Wrong user name or password", messageZh: "用户名或密码错误")
        }
        try await req.write { db in
            try await LoginFailure.query(on: db).filter(\.$username == username).filter(\.$address == address).delete()
            try await LoginFailure.query(on: db).filter(\.$id == attempt).delete()
        }
        return user
    }

    /// Issues a token (API) or a session (web); returns the secret, shown once.
    static func issue(for user: User, kind: String, on req: Request) async throws -> (secret: String, token: UserToken) {
        let secret = randomSecret()
        let id = try user.requireID()
        let checkedHash = user.passwordHash
        let token = UserToken(
            tokenHash: hash(secret), userID: id, kind: kind,
            csrf: randomSecret(), expiresAt: req.now.addingTimeInterval(req.config.tokenLifetime))
        try await req.write { db in
            // The password checked must still be the password, and the user still enabled: a reset
            // or a disable made while bcrypt ran wins.
            try await db.lockForWrite("users", "id", id)
            guard let fresh = try await User.find(id, on: db), fresh.active, fresh.passwordHash == checkedHash else {
                throw AppError(
                    status: .unauthorized, code: "invalid_credentials",
                    message: "Wrong user name or password", messageZh: "用户名或密码错误")
            }
            try await token.create(on: db)
        }
        return (secret, token)
    }

    /// Ends every session and token of the given users (disabled, their unit deactivated, or a
    /// password changed), except `keeping`.
    static func revokeTokens(users: [UUID], keeping: UUID? = nil, on db: any Database) async throws {
        guard !users.isEmpty else { return }
        var q = UserToken.query(on: db).filter(\.$user.$id ~~ users)
        if let keeping { q = q.filter(\.$id != keeping) }
        try await q.delete()
    }
}

/// Authenticates `Authorization: Bearer` on the API group and the session cookie on the web
/// group: an API token never opens a page, a session cookie never calls the API.
struct UserAuthMiddleware: AsyncMiddleware {
    enum Kind: Sendable { case api, session }
    let kind: Kind
    init(_ kind: Kind) { self.kind = kind }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let isAPI = kind == .api
        let secret = isAPI ? request.headers.bearerAuthorization?.token : request.cookies[Auth.sessionCookie]?.string
        if let secret, !secret.isEmpty,
            let token = try await UserToken.query(on: request.db)
                .filter(\.$tokenHash == Auth.hash(secret))
                .filter(\.$kind == (isAPI ? "api" : "session"))
                .filter(\.$expiresAt > request.now)
                .with(\.$user, { $0.with(\.$unit) })
                .first(),
            token.user.active
        {
            request.auth.login(token.user)
            request.storage[CurrentTokenKey.self] = token
        }
        return try await next.respond(to: request)
    }
}

struct CurrentTokenKey: StorageKey { typealias Value = UserToken }

extension Request {
    var currentToken: UserToken? { storage[CurrentTokenKey.self] }

    func requireUser() throws -> User {
        guard let u = auth.get(User.self) else { throw AppError.unauthenticated }
        return u
    }

    func requireMinistry() throws -> User { try requireUser().requireMinistry() }
    func requireRead(unit code: String) throws -> User { try requireUser().requireRead(unit: code) }
    func requireWrite(unit code: String) throws -> User { try requireUser().requireWrite(unit: code) }

    /// The unit a request writes for: the one named, or the caller's own.
    func writableUnit(_ named: String?) async throws -> (User, String) {
        let user = try requireUser()
        return (user, try await user.writableUnit(named, on: db))
    }

    /// Checks the CSRF token of a web form posted with a session cookie.
    func requireCSRF() throws {
        struct Form: Decodable { var _csrf: String? }
        let sent = (try? content.decode(Form.self))?._csrf
        guard let token = currentToken, let sent, sent == token.csrf else {
            throw AppError(
                status: .forbidden, code: "csrf", message: "The form has expired; reload the page and try again",
                messageZh: "表单已失效，请刷新页面后重试")
        }
    }
}

/// What a user may read and write: the services take the acting `User` and ask it.
extension User {
    func requireMinistry() throws -> User {
        guard role == .ministry else { throw AppError.forbidden }
        return self
    }

    /// The ministry reads every unit; a unit's users read only their own.
    @discardableResult
    func requireRead(unit code: String) throws -> User {
        guard role == .ministry || unitCode == code else { throw AppError.otherUnit }
        return self
    }

    /// Register and report values are entered by the unit's operators (and by the ministry on
    /// its behalf); supervisors only read.
    @discardableResult
    func requireWrite(unit code: String) throws -> User {
        try requireRead(unit: code)
        guard role != .supervisor else { throw AppError.forbidden }
        try requireActiveUnit()
        return self
    }

    /// A user who enters register data at all (the ministry, or a unit's operator of an active
    /// unit): checked before a request body is read, so a supervisor's body is never decoded.
    @discardableResult
    func requireWriter() throws -> User {
        guard role != .supervisor else { throw AppError.forbidden }
        try requireActiveUnit()
        return self
    }

    /// Units whose rows this user sees in a list: nil for all (the ministry), else its own.
    var readableUnit: String? { role == .ministry ? nil : (unitCode ?? "") }

    /// The unit a write is for: the one named, or the user's own; it must exist, be active, and
    /// the user may write for it.
    func writableUnit(_ named: String?, on db: any Database) async throws -> String {
        let unit = named ?? unitCode ?? ""
        try requireWrite(unit: unit)
        guard let u = try await UnitModel.find(unit, on: db) else {
            throw AppError.invalid(field: "unitCode", code: "unknown_unit", "No unit with code \"\(unit)\"", "没有代码为“\(unit)”的单位")
        }
        if !u.active { throw AppError.unitInactive(u) }
        return unit
    }

    /// A unit's user whose unit is deactivated writes nothing (409 `unit_inactive`); the unit was
    /// loaded with the user's token.
    func requireActiveUnit() throws {
        if role != .ministry, let loaded = $unit.value, let unit = loaded, !unit.active { throw AppError.unitInactive(unit) }
    }
}

/// Refuses a request (401, or 403 for another role) before its body is read: put on routes that
/// take large bodies, so an anonymous client cannot make the server collect one.
struct RequireRole: AsyncMiddleware {
    let roles: Set<User.Role>
    init(_ roles: Set<User.Role>) { self.roles = roles }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let user = try request.requireUser()
        guard roles.contains(user.role) else { throw AppError.forbidden }
        return try await next.respond(to: request)
    }
}
