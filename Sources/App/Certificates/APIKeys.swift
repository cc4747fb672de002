import Domain
import Fluent
import SQLKit
import Vapor

/// Employers' API keys for batch verification: issued and revoked by the ministry, shown once,
/// kept as SHA-256 hashes, each with a daily quota of rows counted in the database per Beijing day.
/// A key is a bearer credential of its own kind: it opens `POST /api/v1/verify/batch` and nothing
/// else, and no user token opens that route (`UserAuthMiddleware` reads `user_tokens` only, this
/// reads `api_keys` only).
enum APIKeys {
    /// Every key starts with this, so a leaked one is recognised (and told apart from a user token).
    static let prefix = "zjk_"
    static let maxQuota = 1_000_000

    struct NewKey: Content {
        let organisation: String?
        let contact: String?
        let dailyQuota: JSONValue?
    }

    struct KeyDTO: Content {
        let id: UUID
        /// Only in the answer that made the key.
        let key: String?
        /// The key's first characters, to recognise it.
        let prefix: String
        let organisation: String
        let contact: String
        let dailyQuota: Int
        let usedToday: Int
        let createdBy: String
        let createdAt: Date
        let revokedAt: Date?
        let active: Bool

        init(_ k: APIKey, key: String? = nil, usedToday: Int) {
            id = k.id ?? UUID()
            self.key = key
            prefix = k.prefix
            organisation = k.organisation
            contact = k.contact
            dailyQuota = k.dailyQuota
            self.usedToday = usedToday
            createdBy = k.createdBy
            createdAt = k.createdAt
            revokedAt = k.revokedAt
            active = k.revokedAt == nil
        }
    }

    static func text(_ raw: String?, field: String, max: Int) -> ValidationIssue? {
        let t = (raw ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard t.isEmpty || t.count > max else { return nil }
        return ValidationIssue(
            field: field, column: nil, code: t.isEmpty ? "required" : "too_long", message: "\(field): 1–\(max) characters",
            messageZh: "\(field == "organisation" ? "单位名称" : "联系人")须为1至\(max)个字符")
    }

    /// Makes a key; the answer carries the key itself, which is never shown again.
    static func create(_ input: NewKey, by user: User, on store: Store, now: Date) async throws -> KeyDTO {
        _ = try user.requireMinistry()
        var issues = [text(input.organisation, field: "organisation", max: 200), text(input.contact, field: "contact", max: 200)]
            .compactMap { $0 }
        var quota = 0
        if case .number(let d)? = input.dailyQuota, let n = Int(exactly: NSDecimalNumber(decimal: d).doubleValue),
            (1...maxQuota).contains(n), Decimal(n) == d
        {
            quota = n
        } else {
            issues.append(
                ValidationIssue(
                    field: "dailyQuota", column: nil, code: "out_of_range",
                    message: "The daily quota: a whole number of rows from 1 to \(maxQuota)",
                    messageZh: "每日限额须为1至\(maxQuota)的整数（行）"))
        }
        if !issues.isEmpty { throw AppError.invalid(issues) }
        let secret = prefix + Auth.randomSecret()
        let k = APIKey()
        k.id = UUID()
        k.keyHash = Auth.hash(secret)
        k.prefix = String(secret.prefix(prefix.count + 6))
        k.organisation = (input.organisation ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        k.contact = (input.contact ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        k.dailyQuota = quota
        k.createdBy = user.username
        k.createdAt = now
        try await store.write { try await k.create(on: $0) }
        return KeyDTO(k, key: secret, usedToday: 0)
    }

    static func list(by user: User, on db: any Database, now: Date) async throws -> [KeyDTO] {
        _ = try user.requireMinistry()
        let keys = try await APIKey.query(on: db).sort(\.$createdAt, .descending).all()
        let used = try await usedToday(keys.compactMap(\.id), day: Period.dayString(now), on: db)
        return keys.map { KeyDTO($0, usedToday: used[$0.id ?? UUID()] ?? 0) }
    }

    static func usedToday(_ ids: [UUID], day: String, on db: any Database) async throws -> [UUID: Int] {
        guard !ids.isEmpty, let sql = db as? any SQLDatabase else { return [:] }
        struct Row: Decodable {
            let key_id: UUID
            let rows_used: Int
        }
        let rows = try await sql.select().columns("key_id", "rows_used").from("api_key_usage")
            .where("day", .equal, day).where("key_id", .in, ids).all(decoding: Row.self)
        return Dictionary(rows.map { ($0.key_id, $0.rows_used) }, uniquingKeysWith: { a, _ in a })
    }

    static func revoke(_ rawID: String?, by user: User, on store: Store, now: Date) async throws -> KeyDTO {
        _ = try user.requireMinistry()
        guard let id = rawID.flatMap(UUID.init(uuidString:)) else { throw AppError.notFound("No such API key", "没有该接口密钥") }
        let k = try await store.write { tx -> APIKey in
            try await tx.lockForWrite("api_keys", "id", id)
            guard let k = try await APIKey.find(id, on: tx) else { throw AppError.notFound("No such API key", "没有该接口密钥") }
            guard k.revokedAt == nil else {
                throw AppError.conflict("already_revoked", "The key is already revoked", "该接口密钥已停用")
            }
            k.revokedAt = now
            try await k.save(on: tx)
            return k
        }
        return KeyDTO(k, usedToday: try await usedToday([id], day: Period.dayString(now), on: store.db)[id] ?? 0)
    }

    // MARK: Using a key

    static let invalidKey = AppError(
        status: .unauthorized, code: "invalid_api_key",
        message: "Give a valid, unrevoked API key as Authorization: Bearer zjk_…",
        messageZh: "请以 Authorization: Bearer zjk_… 提供有效且未停用的接口密钥")

    /// The unrevoked key of a bearer secret, or 401 (`invalid_api_key`).
    static func authenticate(_ secret: String?, on db: any Database) async throws -> APIKey {
        guard let secret, secret.hasPrefix(prefix), secret.count < 200,
            let k = try await APIKey.query(on: db).filter(\.$keyHash == Auth.hash(secret)).filter(\.$revokedAt == nil).first()
        else { throw invalidKey }
        return k
    }

    static func quotaExceeded(_ k: APIKey, used: Int, asked: Int) -> AppError {
        let left = max(0, k.dailyQuota - used)
        return AppError(
            status: .tooManyRequests, code: "quota_exceeded",
            message: "The key's daily quota is \(k.dailyQuota) rows; \(left) are left today and this batch has \(asked)",
            messageZh: "该密钥每日限额\(k.dailyQuota)行，今日剩余\(left)行，本批\(asked)行")
    }

    /// Refuses early, before the lookups, a batch that would pass the quota (a read; `consume` decides).
    static func precheck(_ k: APIKey, rows: Int, day: String, on db: any Database) async throws {
        let id = try k.requireID()
        let used = try await usedToday([id], day: day, on: db)[id] ?? 0
        if used + rows > k.dailyQuota { throw quotaExceeded(k, used: used, asked: rows) }
    }

    /// Counts `rows` against the key's quota for `day`, inside the caller's write transaction: a
    /// conditional update that never lets the count pass the quota, whatever runs in parallel
    /// (PostgreSQL re-checks the condition on the locked row; SQLite has one writer). 429 when it
    /// would.
    static func consume(_ k: APIKey, rows: Int, day: String, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { throw AppError.malformed("SQL database required", "需要SQL数据库") }
        let id = try k.requireID()
        try await sql.raw(
            """
            INSERT INTO api_key_usage (key_id, day, rows_used) VALUES (\(bind: id), \(bind: day), 0) \
            ON CONFLICT (key_id, day) DO NOTHING
            """
        ).run()
        struct Row: Decodable { let rows_used: Int }
        let updated = try await sql.raw(
            """
            UPDATE api_key_usage SET rows_used = rows_used + \(bind: rows) \
            WHERE key_id = \(bind: id) AND day = \(bind: day) AND rows_used + \(bind: rows) <= \(bind: k.dailyQuota) \
            RETURNING rows_used
            """
        ).first(decoding: Row.self)
        if updated == nil {
            let used =
                try await sql.raw("SELECT rows_used FROM api_key_usage WHERE key_id = \(bind: id) AND day = \(bind: day)")
                .first(decoding: Row.self)?.rows_used ?? 0
            throw quotaExceeded(k, used: used, asked: rows)
        }
    }
}

/// Authenticates the API key of `POST /api/v1/verify/batch` before the body is read: an unknown,
/// revoked or missing key (or a user's token) is 401 without the server collecting a byte more.
struct RequireAPIKey: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let key = try await APIKeys.authenticate(request.headers.bearerAuthorization?.token, on: request.db)
        request.storage[CurrentAPIKey.self] = key
        return try await next.respond(to: request)
    }
}

struct CurrentAPIKey: StorageKey { typealias Value = APIKey }
