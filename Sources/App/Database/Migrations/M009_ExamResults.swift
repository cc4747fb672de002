import CertificateKit
import Fluent
import SQLKit

/// Issue 10: exam results, certificates issued against a recorded pass, certificate numbers.
///
/// - `exam_results`: one row per person and session (unique), with the pass or fail and an
///   optional score; `exam_sessions.results` / `.passes` count them (kept by the results
///   service under the session's lock; the database checks passes ≤ results ≤ candidates).
/// - `certificates.session_id` / `.result_id`: the pass a certificate was issued against; a
///   unique index makes one certificate in force per pass whatever races (a revoked one frees it).
/// - `certificates.certificate_number`: unique; `certificate_sequences` holds the last
///   sequence per unit, year and level. Certificates issued before get their numbers here, in
///   serial order.
/// - `issuance_refusals`: issuances refused for want of a pass, counted per unit and quarter.
struct M009_ExamResults: AsyncMigration {
    static let checks: [(String, String, String)] = [
        ("exam_results", "results_score_range", "$score IS NULL OR ($score >= 0 AND $score <= 100)"),
        ("exam_sessions", "sessions_results_valid", "$passes >= 0 AND $passes <= $results AND $results <= $candidates"),
    ]

    func prepare(on db: any Database) async throws {
        try await db.schema("exam_results")
            .id()
            .field("session_id", .uuid, .required, .references("exam_sessions", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("id_number", .string, .required)
            .field("passed", .bool, .required)
            .field("score", .double)
            .field("recorded_by", .string, .required)
            .field("recorded_at", .datetime, .required)
            .unique(on: "session_id", "id_number")
            .create()
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for field in ["results", "passes"] {
            try await db.schema("exam_sessions").field(.string(field), .int, .required, .sql(.default(0))).update()
        }
        try await db.schema("certificates").field("certificate_number", .string).update()
        for field in ["session_id", "result_id"] {
            try await db.schema("certificates").field(.string(field), .uuid).update()
        }
        try await db.schema("issuance_refusals")
            .id()
            .field("unit_code", .string, .required)
            .field("serial", .string, .required)
            .field("id_number", .string, .required)
            .field("code", .string, .required)
            .field("source", .string, .required)
            .field("actor", .string, .required)
            .field("at", .datetime, .required)
            .create()
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw(
            """
            CREATE TABLE certificate_sequences (unit_code text NOT NULL, year integer NOT NULL, level text NOT NULL,
            last_sequence integer NOT NULL, PRIMARY KEY (unit_code, year, level))
            """
        ).run()
        // Covering the issuance's lookup of a person's passes: no visit to the table's rows.
        try await sql.create(index: "exam_results_person_idx").on("exam_results").column("id_number").column("passed")
            .column("session_id").column("name").column("id").run()
        try await sql.create(index: "issuance_refusals_unit_at_idx").on("issuance_refusals").column("unit_code").column("at")
            .run()
        try await sql.create(index: "certificates_session_idx").on("certificates").column("session_id").run()
        try await M007_Hardening.install(Self.checks, on: sql)
        try await Self.numberExisting(on: sql)
        try await sql.create(index: "certificates_number_key").unique().on("certificates").column("certificate_number").run()
        // One certificate in force per pass: a revoked one frees its pass (to be corrected, or
        // certified again under a new number).
        try await sql.raw("CREATE UNIQUE INDEX certificates_result_key ON certificates (result_id) WHERE status = 'issued'")
            .run()
    }

    /// Gives every certificate issued before this migration its number, in serial order within
    /// each unit, year and level, and records the last sequence used.
    static func numberExisting(on sql: any SQLDatabase) async throws {
        struct Row: Decodable {
            let serial: String
            let unit_code: String
            let level: String?
            let issued_on: String?
        }
        var numbering = CertificateNumbering()
        var after = ""
        while true {
            let rows = try await sql.select().columns("serial", "unit_code", "level", "issued_on").from("certificates")
                .where("status", .notEqual, "voided").where("serial", .greaterThan, after).orderBy("serial").limit(5000)
                .all(decoding: Row.self)
            guard let end = rows.last else { break }
            after = end.serial
            for r in rows {
                guard let number = numbering.next(unit: r.unit_code, issuedOn: r.issued_on, level: r.level) else { continue }
                try await sql.update("certificates").set("certificate_number", to: number).where("serial", .equal, r.serial)
                    .run()
            }
        }
        try await numbering.save(on: sql)
    }

    func revert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        for index in ["certificates_result_key", "certificates_number_key", "certificates_session_idx"] {
            try await sql.raw("DROP INDEX \(ident: index)").run()
        }
        try await M007_Hardening.uninstall(Self.checks, on: sql)
        try await sql.raw("DROP TABLE certificate_sequences").run()
        try await db.schema("issuance_refusals").delete()
        for field in ["result_id", "session_id", "certificate_number"] {
            try await db.schema("certificates").deleteField(.string(field)).update()
        }
        for field in ["passes", "results"] { try await db.schema("exam_sessions").deleteField(.string(field)).update() }
        try await db.schema("exam_results").delete()
    }
}
