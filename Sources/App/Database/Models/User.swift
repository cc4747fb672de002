import Fluent
import Vapor

final class User: Model, Authenticatable, @unchecked Sendable {
    static let schema = "users"

    enum Role: String, Codable, Sendable, CaseIterable { case ministry, unit, supervisor }

    @ID(key: .id) var id: UUID?
    @Field(key: "username") var username: String
    @Field(key: "password_hash") var passwordHash: String
    @Enum(key: "role") var role: Role
    @OptionalParent(key: "unit_code") var unit: UnitModel?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    /// A disabled user cannot log in, and its sessions and tokens are gone.
    @Field(key: "active") var active: Bool
    /// The supervisor register's entry a `supervisor` login acts for (M012; one login per entry).
    @OptionalField(key: "supervisor_id") var supervisorID: UUID?

    init() {}

    init(username: String, passwordHash: String, role: Role, unitCode: String?) {
        self.username = username
        self.passwordHash = passwordHash
        self.role = role
        self.$unit.id = unitCode
        self.active = true
    }

    var unitCode: String? { $unit.id }
}

/// An API token or a web session: only the SHA-256 of the secret is stored.
final class UserToken: Model, @unchecked Sendable {
    static let schema = "user_tokens"

    @ID(key: .id) var id: UUID?
    @Field(key: "token_hash") var tokenHash: String
    @Parent(key: "user_id") var user: User
    @Field(key: "kind") var kind: String
    @Field(key: "csrf") var csrf: String
    @Field(key: "expires_at") var expiresAt: Date
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(tokenHash: String, userID: UUID, kind: String, csrf: String, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.$user.id = userID
        self.kind = kind
        self.csrf = csrf
        self.expiresAt = expiresAt
    }
}

/// One failed login, kept for throttling across server processes.
final class LoginFailure: Model, @unchecked Sendable {
    static let schema = "login_failures"

    @ID(key: .id) var id: UUID?
    @Field(key: "username") var username: String
    @Field(key: "address") var address: String
    @Field(key: "at") var at: Date

    init() {}
    init(username: String, address: String, at: Date) {
        self.username = username
        self.address = address
        self.at = at
    }
}
