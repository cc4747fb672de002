import Fluent
import SQLKit

struct M004_CreateCertificates: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("certificate_orders")
            .id()
            .field("unit_code", .string, .required, .references("units", "code"))
            .field("level", .string, .required)
            .field("quantity", .int, .required)
            .field("status", .string, .required)
            .field("serial_from", .int64)
            .field("serial_to", .int64)
            .field("unit_price_fen", .int64)
            .field("due_fen", .int64)
            .field("allocated_on", .string)
            .field("ordered_by", .string, .required)
            .field("created_at", .datetime)
            .unique(on: "serial_from")
            .create()
        try await db.schema("certificate_payments")
            .id()
            .field("order_id", .uuid, .required, .references("certificate_orders", "id"))
            .field("unit_code", .string, .required, .references("units", "code"))
            .field("amount_fen", .int64, .required)
            .field("paid_on", .string, .required)
            .field("recorded_by", .string, .required)
            .field("created_at", .datetime)
            .create()
        try await db.schema("certificates")
            .field("serial", .string, .identifier(auto: false))
            .field("unit_code", .string, .required, .references("units", "code"))
            .field("status", .string, .required)
            .field("holder_name", .string)
            .field("id_number", .string)
            .field("occupation", .string)
            .field("level", .string)
            .field("issued_on", .string)
            .field("reason", .string)
            .field("token", .sql(.text))
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await db.schema("certificate_events")
            .id()
            .field("serial", .string, .required)
            .field("unit_code", .string, .required)
            .field("action", .string, .required)
            .field("reason", .string)
            .field("actor", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await db.schema("serial_breaches")
            .id()
            .field("unit_code", .string, .required)
            .field("serial", .string, .required)
            .field("owner_code", .string)
            .field("source", .string, .required)
            .field("actor", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await db.schema("forgery_leads")
            .id()
            .field("serial", .string, .required)
            .field("day", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await db.schema("signing_keys")
            .field("kid", .string, .identifier(auto: false))
            .field("private_key", .string, .required)
            .field("active", .bool, .required)
            .field("created_at", .datetime)
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "certificates_unit_idx").on("certificates").column("unit_code").run()
            try await sql.create(index: "forgery_leads_serial_idx").on("forgery_leads").column("serial").run()
        }
    }

    func revert(on db: any Database) async throws {
        for s in [
            "signing_keys", "forgery_leads", "serial_breaches", "certificate_events", "certificates",
            "certificate_payments", "certificate_orders",
        ] {
            try await db.schema(s).delete()
        }
    }
}
