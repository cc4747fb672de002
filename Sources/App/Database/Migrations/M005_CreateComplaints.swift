import Fluent
import SQLKit

struct M005_CreateComplaints: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("complaints")
            .id()
            .field("receipt_hash", .string, .required)
            .field("category", .string, .required)
            .field("unit_code", .string, .references("units", "code"))
            .field("owner_code", .string, .references("units", "code"))
            .field("station", .string)
            .field("description", .sql(.text), .required)
            .field("channel", .string, .required)
            .field("status", .string, .required)
            .field("referred_to_police", .bool, .required)
            .field("received_at", .datetime, .required)
            .field("due_at", .datetime, .required)
            .field("closed_at", .datetime)
            .field("recorded_by", .string)
            .field("updated_at", .datetime)
            .unique(on: "receipt_hash")
            .create()
        // The filer's contact, apart from the case: read only by the handling unit and the ministry.
        try await db.schema("complaint_contacts")
            .field("complaint_id", .uuid, .identifier(auto: false), .references("complaints", "id", onDelete: .cascade))
            .field("contact", .string, .required)
            .create()
        try await db.schema("complaint_updates")
            .id()
            .field("complaint_id", .uuid, .required, .references("complaints", "id", onDelete: .cascade))
            .field("from_status", .string)
            .field("to_status", .string, .required)
            .field("note", .sql(.text))
            .field("public_note", .sql(.text))
            .field("from_owner", .string)
            .field("to_owner", .string)
            .field("referred_to_police", .bool, .required)
            .field("actor", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await db.schema("unit_hotlines")
            .id()
            .field("unit_code", .string, .required, .references("units", "code"))
            .field("phone", .string, .required)
            .field("position", .int, .required)
            .unique(on: "unit_code", "phone")
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "complaints_owner_idx").on("complaints").column("owner_code").run()
            try await sql.create(index: "complaint_updates_case_idx").on("complaint_updates").column("complaint_id").run()
        }
    }

    func revert(on db: any Database) async throws {
        for s in ["unit_hotlines", "complaint_updates", "complaint_contacts", "complaints"] { try await db.schema(s).delete() }
    }
}
