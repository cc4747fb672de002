import Fluent
import SQLKit

/// Invariants the database holds itself, whatever the code above it does: positive quantities
/// and amounts, passes within candidates, known statuses and levels; one audit entry per
/// sequence number, one active fee standard per unit and level, one active signing key; users
/// that can be disabled; signing keys that can be retired.
///
/// PostgreSQL gets CHECK constraints. SQLite cannot add a CHECK to an existing table without
/// rebuilding it, so each check is a pair of triggers (before insert, before update) that abort
/// with SQLite's constraint error, which the error middleware maps to 409 like any other.
struct M007_Hardening: AsyncMigration {
    /// table, constraint name, condition; `$column` is the column (`NEW.column` in a trigger).
    static let checks: [(String, String, String)] = [
        ("certificate_orders", "orders_quantity_positive", "$quantity > 0"),
        ("certificate_orders", "orders_status_known", "$status IN ('pending', 'allocated')"),
        ("certificate_orders", "orders_level_known", "$level IN ('1', '2', '3', '4', '5')"),
        ("certificate_orders", "orders_price_positive", "$unit_price_fen IS NULL OR $unit_price_fen > 0"),
        ("certificate_orders", "orders_due_not_negative", "$due_fen IS NULL OR $due_fen >= 0"),
        ("certificate_orders", "orders_range_ordered", "$serial_to IS NULL OR $serial_to >= $serial_from"),
        ("certificate_payments", "payments_amount_positive", "$amount_fen > 0"),
        ("certificates", "certificates_status_known", "$status IN ('issued', 'revoked', 'voided')"),
        ("certificates", "certificates_level_known", "$level IS NULL OR $level IN ('1', '2', '3', '4', '5')"),
        ("reports", "reports_status_known", "$status IN ('draft', 'submitted', 'accepted', 'returned')"),
        ("reports", "reports_revision_positive", "$revision >= 1"),
        ("reports", "reports_money_not_negative", "$due_fen >= 0 AND $paid_fen >= 0"),
        (
            "reports", "reports_counts_not_negative",
            "$std_national >= 0 AND $std_verified_local >= 0 AND $std_unverified_local >= 0 AND $bank_national >= 0 "
                + "AND $bank_certified_local >= 0 AND $bank_uncertified_local >= 0 AND $overcharge_investigated >= 0 "
                + "AND $overcharge_uninvestigated >= 0 AND $violations_investigated >= 0 AND $violations_uninvestigated >= 0 "
                + "AND $forgery_investigated >= 0 AND $forgery_uninvestigated >= 0"
        ),
        ("exam_sessions", "sessions_counts_valid", "$candidates >= 0 AND $passed >= 0 AND $passed <= $candidates"),
        ("exam_sessions", "sessions_fee_not_negative", "$fee_fen >= 0"),
        ("exam_sessions", "sessions_level_known", "$level IN ('1', '2', '3', '4', '5')"),
        ("fee_standards", "fees_valid", "$fee_fen >= 0 AND $level IN ('1', '2', '3', '4', '5')"),
        ("stations", "stations_status_known", "$status IN ('active', 'suspended', 'revoked')"),
        // The statuses of issue 11's handling rules are admitted already.
        (
            "complaints", "complaints_status_known",
            "$status IN ('received', 'accepted', 'refused', 'investigating', 'handled', 'unfounded', 'transferred')"
        ),
    ]

    func prepare(on db: any Database) async throws {
        try await db.schema("users").field("active", .bool, .required, .sql(.default(true))).update()
        try await db.schema("signing_keys").field("retired_at", .datetime).update()
        guard let sql = db as? any SQLDatabase else { return }
        try await Self.install(Self.checks, on: sql)
        // Duplicate sequence numbers cannot exist: every entry was written under the report's lock.
        try await sql.create(index: "report_events_seq_key").unique().on("report_events").column("report_id").column("seq").run()
        try await sql.raw("CREATE UNIQUE INDEX fee_standards_one_active ON fee_standards (unit_code, level) WHERE active").run()
        try await sql.raw("CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (active) WHERE active").run()
    }

    func revert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        for index in ["signing_keys_one_active", "fee_standards_one_active", "report_events_seq_key"] {
            try await sql.raw("DROP INDEX \(ident: index)").run()
        }
        try await Self.uninstall(Self.checks, on: sql)
        try await db.schema("signing_keys").deleteField("retired_at").update()
        try await db.schema("users").deleteField("active").update()
    }

    /// Adds checks: CHECK constraints on PostgreSQL, a pair of aborting triggers on SQLite.
    static func install(_ checks: [(String, String, String)], on sql: any SQLDatabase) async throws {
        let postgres = sql.dialect.name == "postgresql"
        for (table, name, condition) in checks {
            if postgres {
                let check = condition.replacingOccurrences(of: "$", with: "")
                try await sql.raw("ALTER TABLE \(ident: table) ADD CONSTRAINT \(ident: name) CHECK (\(unsafeRaw: check))").run()
            } else {
                for event in ["INSERT", "UPDATE"] {
                    try await sql.raw(
                        """
                        CREATE TRIGGER \(ident: name + "_" + event.lowercased()) BEFORE \(unsafeRaw: event) ON \(ident: table)
                        FOR EACH ROW WHEN NOT (\(unsafeRaw: condition.replacingOccurrences(of: "$", with: "NEW.")))
                        BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: \(unsafeRaw: name)'); END
                        """
                    ).run()
                }
            }
        }
    }

    static func uninstall(_ checks: [(String, String, String)], on sql: any SQLDatabase) async throws {
        for (table, name, _) in checks.reversed() {
            if sql.dialect.name == "postgresql" {
                try await sql.raw("ALTER TABLE \(ident: table) DROP CONSTRAINT \(ident: name)").run()
            } else {
                for event in ["insert", "update"] { try await sql.raw("DROP TRIGGER \(ident: name + "_" + event)").run() }
            }
        }
    }
}
