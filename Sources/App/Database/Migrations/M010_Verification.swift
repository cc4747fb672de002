import Fluent
import Foundation
import SQLKit

/// Verification at scale (issue 10, parts 5–7):
/// - forgery leads become one row per serial and day (unique), with a kind, the owning unit
///   (NULL: the ministry), a count of lookups and the complaint case made of it; the rows of the
///   old per-lookup table (never-allocated serials only) are folded in;
/// - employers' API keys (stored as SHA-256 hashes) and their daily use, counted per Beijing day;
/// - a partial index on revoked certificates for the signed revocation list.
struct M010_Verification: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("forgery_lead_days")
            .id()
            .field("serial", .string, .required)
            .field("day", .string, .required)
            .field("kind", .string, .required)
            .field("unit_code", .string, .references("units", "code"))
            .field("lookups", .int, .required)
            .field("first_seen", .datetime, .required)
            .field("last_seen", .datetime, .required)
            .field("complaint_id", .uuid, .references("complaints", "id"))
            .unique(on: "serial", "day", name: "forgery_leads_serial_day_key")
            .unique(on: "complaint_id", name: "forgery_leads_complaint_key")
            .create()
        guard let sql = db as? any SQLDatabase else { return }
        let postgres = sql.dialect.name == "postgresql"
        // Earlier leads: one row per lookup of a never-allocated serial, folded by serial and day.
        struct Old: Decodable {
            let serial: String
            let day: String
            let n: Int
            let first: Date
            let last: Date
        }
        let old = try await sql.raw(
            "SELECT serial, day, COUNT(*) AS n, MIN(at) AS first, MAX(at) AS last FROM forgery_leads GROUP BY serial, day"
        ).all(decoding: Old.self)
        for chunk in stride(from: 0, to: old.count, by: 500).map({ old[$0..<min($0 + 500, old.count)] }) {
            let insert = sql.insert(into: "forgery_lead_days")
                .columns("id", "serial", "day", "kind", "lookups", "first_seen", "last_seen")
            for o in chunk {
                insert.values(
                    SQLBind(UUID()), SQLBind(o.serial), SQLBind(o.day), SQLBind("never_allocated"), SQLBind(o.n),
                    SQLBind(o.first), SQLBind(o.last))
            }
            try await insert.run()
        }
        try await db.schema("forgery_leads").delete()
        try await sql.raw("ALTER TABLE forgery_lead_days RENAME TO forgery_leads").run()
        try await sql.create(index: "forgery_leads_unit_day_idx").on("forgery_leads").column("unit_code").column("day").run()
        try await sql.create(index: "forgery_leads_day_idx").on("forgery_leads").column("day").run()
        let kinds = "kind IN ('never_allocated', 'voided', 'revoked', 'mismatch')"
        if postgres {
            try await sql.raw("ALTER TABLE forgery_leads ADD CONSTRAINT forgery_leads_kind_known CHECK (\(unsafeRaw: kinds))")
                .run()
            try await sql.raw("ALTER TABLE forgery_leads ADD CONSTRAINT forgery_leads_lookups_positive CHECK (lookups > 0)").run()
        } else {
            for event in ["INSERT", "UPDATE"] {
                try await sql.raw(
                    """
                    CREATE TRIGGER \(ident: "forgery_leads_valid_" + event.lowercased()) BEFORE \(unsafeRaw: event) ON forgery_leads
                    FOR EACH ROW WHEN NOT (NEW.\(unsafeRaw: kinds) AND NEW.lookups > 0)
                    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: forgery_leads_valid'); END
                    """
                ).run()
            }
        }

        try await db.schema("api_keys")
            .id()
            .field("key_hash", .string, .required)
            .field("prefix", .string, .required)
            .field("organisation", .string, .required)
            .field("contact", .string, .required)
            .field("daily_quota", .int, .required)
            .field("created_by", .string, .required)
            .field("created_at", .datetime, .required)
            .field("revoked_at", .datetime)
            .unique(on: "key_hash", name: "api_keys_hash_key")
            .create()
        // One row per key and Beijing day; `rows_used` never passes the key's quota (a
        // conditional update under the row's lock, see `APIKeys.consume`).
        try await db.schema("api_key_usage")
            .field("key_id", .uuid, .required, .references("api_keys", "id", onDelete: .cascade))
            .field("day", .string, .required)
            .field("rows_used", .int, .required)
            .compositeIdentifier(over: "key_id", "day")
            .create()
        if postgres {
            try await sql.raw("ALTER TABLE api_keys ADD CONSTRAINT api_keys_quota_positive CHECK (daily_quota > 0)").run()
            try await sql.raw("ALTER TABLE api_key_usage ADD CONSTRAINT api_key_usage_not_negative CHECK (rows_used >= 0)").run()
        }

        try await sql.raw("CREATE INDEX certificates_revoked_idx ON certificates (serial) WHERE status = 'revoked'").run()
    }

    func revert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw("DROP INDEX certificates_revoked_idx").run()
        try await db.schema("api_key_usage").delete()
        try await db.schema("api_keys").delete()
        try await db.schema("forgery_leads").delete()
        try await db.schema("forgery_leads")
            .id()
            .field("serial", .string, .required)
            .field("day", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await sql.create(index: "forgery_leads_serial_idx").on("forgery_leads").column("serial").run()
    }
}
