import Domain
import Fluent

struct M001_CreateUnitsAndUsers: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("units")
            .field("code", .string, .identifier(auto: false))
            .field("name", .string, .required)
            .field("kind", .string, .required)
            .field("active", .bool, .required)
            .field("sort_key", .string, .required)
            .field("created_at", .datetime)
            .unique(on: "name")
            .create()
        try await db.schema("users")
            .id()
            .field("username", .string, .required)
            .field("password_hash", .string, .required)
            .field("role", .string, .required)
            .field("unit_code", .string, .references("units", "code"))
            .field("created_at", .datetime)
            .unique(on: "username")
            .create()
        try await db.schema("user_tokens")
            .id()
            .field("token_hash", .string, .required)
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("csrf", .string, .required)
            .field("expires_at", .datetime, .required)
            .field("created_at", .datetime)
            .unique(on: "token_hash")
            .create()
        try await db.schema("login_failures")
            .id()
            .field("username", .string, .required)
            .field("address", .string, .required)
            .field("at", .datetime, .required)
            .create()
    }

    func revert(on db: any Database) async throws {
        for s in ["login_failures", "user_tokens", "users", "units"] { try await db.schema(s).delete() }
    }
}

/// The 32 regions are present from the first start.
struct M002_SeedRegions: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.transaction { tx in
            for r in Regions.all {
                try await UnitModel(code: r.code, name: r.name, kind: .region).create(on: tx)
            }
        }
    }

    func revert(on db: any Database) async throws {
        try await UnitModel.query(on: db).filter(\.$kind == .region).delete()
    }
}
