import Fluent
import SQLKit

/// Complaints handled to the rules: the decision to accept or refuse (with the refusal's reason),
/// deadlines on the working-day calendar with one extension, complaints about a guidance centre
/// itself, the filer's evidence and the two-way thread. Cases filed before keep `received` and
/// await a decision; their deadline stays as it was.
struct M013_ComplaintHandling: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("complaints").field("about_centre", .bool, .required, .sql(.default(false))).update()
        try await db.schema("complaints").field("refusal_reason", .sql(.text)).update()
        try await db.schema("complaints").field("accepted_at", .datetime).update()
        try await db.schema("complaints")
            .field("extension_days", .int, .required, .sql(.default(0)), .sql(.check(SQLRaw("extension_days >= 0")))).update()
        try await db.schema("complaints").field("extension_reason", .sql(.text)).update()
        // What the running deadline counts from, and how many working days: a corrected calendar
        // recomputes the deadlines of open cases at the next start.
        try await db.schema("complaints").field("due_from", .datetime).update()
        try await db.schema("complaints").field("due_days", .int).update()
        try await db.schema("complaint_attachments")
            .id()
            .field("complaint_id", .uuid, .required, .references("complaints", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("content_type", .string, .required)
            .field("size", .int, .required, .sql(.check(SQLRaw("size > 0 AND size <= 10485760"))))
            .field("sha256", .string, .required)
            .field("data", .data, .required)
            .field("from_filer", .bool, .required)
            .field("actor", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await db.schema("complaint_messages")
            .id()
            .field("complaint_id", .uuid, .required, .references("complaints", "id", onDelete: .cascade))
            .field("position", .int, .required)
            .field("from_filer", .bool, .required)
            .field("body", .sql(.text), .required)
            .field("actor", .string, .required)
            .field("at", .datetime, .required)
            // The thread's order, counted under the case's lock: two messages never share a place.
            .unique(on: "complaint_id", "position")
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "complaint_attachments_case_idx").on("complaint_attachments").column("complaint_id").run()
            // Counting a quarter reads the cases received before its end.
            try await sql.create(index: "complaints_received_idx").on("complaints").column("received_at").run()
        }
    }

    func revert(on db: any Database) async throws {
        if let sql = db as? any SQLDatabase { try await sql.raw("DROP INDEX complaints_received_idx").run() }
        try await db.schema("complaint_messages").delete()
        try await db.schema("complaint_attachments").delete()
        for field in [
            "due_days", "due_from", "extension_reason", "extension_days", "accepted_at", "refusal_reason", "about_centre",
        ] {
            try await db.schema("complaints").deleteField(.string(field)).update()
        }
    }
}
