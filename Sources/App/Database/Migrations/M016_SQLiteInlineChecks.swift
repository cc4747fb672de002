import Fluent
import SQLKit

/// Issue 14: on SQLite, the checks of the bulk-written tables (`certificates`, `exam_sessions`,
/// `exam_results`) become real CHECK constraints instead of M007's pairs of aborting triggers, which
/// run a program per row: with sqlite3 on the scale-1 demo database, inserting 300,000 certificates
/// by `INSERT … SELECT` took 1.64 s with the two trigger pairs and 0.91 s with the two constraints
/// (0.67 s with no check at all), 300,000 sessions 2.52 s with four trigger pairs and 2.01 s with four constraints.
///
/// SQLite adds a named CHECK to an existing table with `ALTER TABLE … ADD CONSTRAINT` since
/// 3.53.0 (sqlite-nio vendors 3.54): it checks the rows already there and edits the table's
/// CREATE statement in place, so the table is neither copied nor dropped — its rows, indexes,
/// foreign keys (both ways) and other triggers stay as they are, and foreign keys need not be
/// switched off as the 12-step rebuild would. All three tables change in one transaction, so a
/// row that breaks a check leaves the schema as it was and names the check. On the scale-1 demo
/// database (198,000 sessions) `zhijian migrate` ran it in 0.2 s, start included.
///
/// A failed check answers as before: SQLite reports `CHECK constraint failed: <name>`, the
/// triggers' own message, with a constraint error code that the error middleware maps to 409.
/// PostgreSQL has had these CHECK constraints since M007 and M009: nothing changes there.
struct M016_SQLiteInlineChecks: AsyncMigration {
    static let tables: Set<String> = ["certificates", "exam_sessions", "exam_results"]

    /// The checks of those tables, from the migrations that installed them as triggers.
    static let checks = (M007_Hardening.checks + M009_ExamResults.checks).filter { tables.contains($0.0) }

    func prepare(on db: any Database) async throws {
        guard try await Self.onSQLite(db) else { return }
        try await db.transaction { tx in
            guard let sql = tx as? any SQLDatabase else { return }
            for (table, name, condition) in Self.checks {
                let check = condition.replacingOccurrences(of: "$", with: "")
                // SQLite's own refusal says only "constraint failed"; this one names the rows' check.
                let bad =
                    try await sql.raw("SELECT count(*) AS n FROM \(ident: table) WHERE NOT (\(unsafeRaw: check))")
                    .first(decodingColumn: "n", as: Int.self) ?? 0
                guard bad == 0 else {
                    throw MigrationRefused(
                        "\(bad) row(s) of \(table) break the check \(name) (\(check)); correct them and migrate again")
                }
                for event in ["insert", "update"] { try await sql.raw("DROP TRIGGER \(ident: name + "_" + event)").run() }
                try await sql.raw("ALTER TABLE \(ident: table) ADD CONSTRAINT \(ident: name) CHECK (\(unsafeRaw: check))").run()
            }
        }
    }

    /// Back to M007's triggers, in one transaction too.
    func revert(on db: any Database) async throws {
        guard try await Self.onSQLite(db) else { return }
        try await db.transaction { tx in
            guard let sql = tx as? any SQLDatabase else { return }
            for (table, name, _) in Self.checks.reversed() {
                try await sql.raw("ALTER TABLE \(ident: table) DROP CONSTRAINT \(ident: name)").run()
            }
            try await M007_Hardening.install(Self.checks, on: sql)
        }
    }

    /// True on SQLite, after making sure it knows `ADD CONSTRAINT` (an older SQLite would stop
    /// at a syntax error that does not say why).
    static func onSQLite(_ db: any Database) async throws -> Bool {
        guard let sql = db as? any SQLDatabase, sql.dialect.name == "sqlite" else { return false }
        let version = try await sql.raw("SELECT sqlite_version() AS v").first(decodingColumn: "v", as: String.self) ?? ""
        let parts = version.split(separator: ".").compactMap { Int($0) }
        guard !parts.lexicographicallyPrecedes([3, 53]) else {
            throw MigrationRefused("SQLite \(version) cannot add a CHECK to a table: 3.53.0 or later is needed")
        }
        return true
    }

    struct MigrationRefused: Error, CustomStringConvertible {
        let description: String
        init(_ reason: String) { description = "M016_SQLiteInlineChecks: " + reason }
    }
}
