import Fluent
import SQLKit

/// Bulletins as official documents: each period's document number (文号), unique across periods
/// and kept by its corrections; and the rectification tasks (整改) its findings become.
struct M014_BulletinDocuments: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("bulletin_documents")
            .id()
            .field("period", .string, .required)
            .field("document_number", .string, .required)
            .field("issued_on", .string, .required)
            .field("by", .string, .required)
            .field("at", .datetime, .required)
            .unique(on: "period")
            // One number, one document: a second period given the same 文号 is refused by the database.
            .unique(on: "document_number")
            .create()
        try await db.schema("rectifications")
            .id()
            .field("period", .string, .required)
            .field("unit_code", .string, .required, .references("units", "code"))
            .field("code", .string, .required)
            .field("message", .sql(.text), .required)
            .field("message_zh", .sql(.text), .required)
            .field("columns", .string, .required)
            .field("due_on", .string, .required)
            .field(
                "status", .string, .required,
                .sql(.check(SQLRaw("status IN ('open', 'done', 'accepted', 'reopened', 'withdrawn')")))
            )
            .field("revision", .int, .required)
            .field("note", .sql(.text))
            .field("done_at", .datetime)
            .field("done_by", .string)
            .field("decision_note", .sql(.text))
            .field("decided_at", .datetime)
            .field("decided_by", .string)
            .field("created_at", .datetime, .required)
            // One task per finding of a period: a correction adds the new findings' tasks only.
            .unique(on: "period", "unit_code", "code")
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "rectifications_unit_idx").on("rectifications").column("unit_code").column("status").run()
            try await sql.create(index: "rectifications_status_idx").on("rectifications").column("status").column("due_on").run()
        }
    }

    func revert(on db: any Database) async throws {
        try await db.schema("rectifications").delete()
        try await db.schema("bulletin_documents").delete()
    }
}
