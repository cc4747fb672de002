import Fluent
import SQLKit

/// Supervision kept by the ministry (issue 11): supervisors' occupations, one login per
/// supervisor (`users.supervisor_id`, unique), dispatches of supervisors to exam sessions with
/// the random draws that chose some of them (seed and candidates kept for replay), and the
/// reports supervisors file from their own login — one per dispatch and one per visit.
struct M012_Supervision: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("supervisor_occupations")
            .id()
            .field("supervisor_id", .uuid, .required, .references("supervisors", "id", onDelete: .cascade))
            .field("occupation_code", .string, .required, .references("occupations", "code"))
            .unique(on: "supervisor_id", "occupation_code")
            .create()
        try await db.schema("users").field("supervisor_id", .uuid).update()
        try await db.schema("supervision_draws")
            .id()
            .field("session_id", .uuid, .required, .references("exam_sessions", "id"))
            .field("seed", .string, .required)
            .field("candidates", .sql(.text), .required)
            .field("count", .int, .required)
            .field("chosen", .sql(.text), .required)
            .field("at", .datetime, .required)
            .field("by", .string, .required)
            .create()
        try await db.schema("session_dispatches")
            .id()
            .field("session_id", .uuid, .required, .references("exam_sessions", "id"))
            .field("supervisor_id", .uuid, .required, .references("supervisors", "id"))
            .field("draw_id", .uuid, .references("supervision_draws", "id"))
            .field("at", .datetime, .required)
            .field("by", .string, .required)
            .unique(on: "session_id", "supervisor_id")
            .create()
        try await db.schema("supervision_reports")
            .id()
            .field("dispatch_id", .uuid, .references("session_dispatches", "id"))
            .field("session_id", .uuid, .references("exam_sessions", "id"))
            .field("visit_id", .uuid, .references("supervision_visits", "id"))
            .field("supervisor_id", .uuid, .required, .references("supervisors", "id"))
            .field("unit_code", .string, .required, .references("units", "code"))
            .field("station_code", .string, .required, .references("stations", "code"))
            .field("supervised_on", .string, .required)
            .field("checklist", .sql(.text), .required)
            .field("findings", .sql(.text), .required)
            .field("violation_found", .bool, .required)
            .field("violation_category", .string)
            .field("complaint_id", .uuid, .references("complaints", "id"))
            .field("filed_by", .string, .required)
            .field("filed_at", .datetime, .required)
            // One report per dispatch and per visit: a second, even sent in parallel, is refused here.
            .unique(on: "dispatch_id")
            .unique(on: "visit_id")
            .create()
        if let sql = db as? any SQLDatabase {
            // One login per supervisor; NULL (every other user) is not a duplicate on either database.
            try await sql.create(index: "users_supervisor_idx").unique().on("users").column("supervisor_id").run()
            try await sql.create(index: "session_dispatches_supervisor_idx").on("session_dispatches").column("supervisor_id")
                .run()
            try await sql.create(index: "supervision_reports_day_idx").on("supervision_reports").column("supervised_on").run()
        }
        // Records made under the old rule keep their meaning for column 15: a session that named a
        // supervisor, or a visit a unit recorded, before reports existed. Marked once, here; rows
        // made later default to false and count only through a report.
        try await db.schema("supervision_visits").field("legacy", .bool, .required, .sql(.default(false))).update()
        try await db.schema("exam_sessions").field("legacy_supervised", .bool, .required, .sql(.default(false))).update()
        if let sql = db as? any SQLDatabase {
            try await sql.update("supervision_visits").set("legacy", to: true).run()
            try await sql.update("exam_sessions").set("legacy_supervised", to: true).where(
                "supervisor_id", .isNot, SQLLiteral.null
            )
            .run()
        }
    }

    func revert(on db: any Database) async throws {
        if let sql = db as? any SQLDatabase {
            try await sql.raw("DROP INDEX supervision_reports_day_idx").run()
            try await sql.raw("DROP INDEX session_dispatches_supervisor_idx").run()
            try await sql.raw("DROP INDEX users_supervisor_idx").run()
        }
        try await db.schema("exam_sessions").deleteField("legacy_supervised").update()
        try await db.schema("supervision_visits").deleteField("legacy").update()
        try await db.schema("supervision_reports").delete()
        try await db.schema("session_dispatches").delete()
        try await db.schema("supervision_draws").delete()
        try await db.schema("users").deleteField("supervisor_id").update()
        try await db.schema("supervisor_occupations").delete()
    }
}
