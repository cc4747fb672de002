import Fluent

struct M003_CreateReports: AsyncMigration {
    func prepare(on db: any Database) async throws {
        var s = db.schema("reports")
            .id()
            .field("period", .string, .required)
            .field("year", .int, .required)
            .field("quarter", .int, .required)
            .field("unit_code", .string, .required, .references("units", "code"))
            .field("revision", .int, .required)
            .field("status", .string, .required)
            .field("comment", .string)
            .field("submitted_at", .datetime)
            .field("late", .bool, .required)
            .field("accepted_at", .datetime)
        for f in [
            "std_national", "std_verified_local", "std_unverified_local", "bank_national",
            "bank_certified_local", "bank_uncertified_local", "overcharge_investigated",
            "overcharge_uninvestigated", "violations_investigated", "violations_uninvestigated",
            "forgery_investigated", "forgery_uninvestigated",
        ] {
            s = s.field(.string(f), .int, .required)
        }
        try await s
            .field("fee_standard", .bool, .required)
            .field("cross_region", .bool, .required)
            .field("supervision", .bool, .required)
            .field("due_fen", .int64, .required)
            .field("paid_fen", .int64, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "period", "unit_code", "revision")
            .create()
        try await db.schema("report_events")
            .id()
            .field("report_id", .uuid, .required, .references("reports", "id", onDelete: .cascade))
            .field("period", .string, .required)
            .field("unit_code", .string, .required)
            .field("revision", .int, .required)
            .field("action", .string, .required)
            .field("field", .string)
            .field("old_value", .string)
            .field("new_value", .string)
            .field("comment", .string)
            .field("actor", .string, .required)
            .field("at", .datetime, .required)
            .field("seq", .int, .required)
            .create()
        try await db.schema("bulletins")
            .id()
            .field("period", .string, .required)
            .field("revision", .int, .required)
            .field("published_at", .datetime, .required)
            .field("published_by", .string, .required)
            .field("body", .sql(.text), .required)
            .unique(on: "period", "revision")
            .create()
    }

    func revert(on db: any Database) async throws {
        for s in ["bulletins", "report_events", "reports"] { try await db.schema(s).delete() }
    }
}
