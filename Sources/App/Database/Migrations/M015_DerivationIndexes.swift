import Fluent
import SQLKit

/// The index GET /api/v1/derived/{period} reads the quarter's sessions from: the derivation's
/// one pass (`Derivation.sessionsPass`) and the sessions holding more certificates than passes
/// (`IssuanceFigures.all`).
struct M015_DerivationIndexes: AsyncMigration {
    /// The quarter's range first, then every column the two read, so that neither touches the
    /// table: the unit they group by, the kinds and codes counted, what the fee, scope and region
    /// checks compare, the id visits and certificates refer to, and the pass counts. The figures
    /// change once per session (the results import); the index is about 0.9 × the table's size.
    /// With it and the one pass, GET /api/v1/derived on the ~990,000-session demo went from 1.42 s
    /// to 0.25 s (Benchmarks/derive.sh, 2026-11; the issuance figures' read of the sessions alone
    /// from 0.21 s to 0.04 s in sqlite3), and storing 10,000 sessions takes ~0.09 s more (an
    /// import of 10,000 through the API, 2–4 s, ~0.1 s more).
    static let sessionColumns = [
        "date", "unit_code", "standard_kind", "bank_kind", "occupation_code", "bank_code", "level", "fee_fen",
        "station_code", "region_code", "legacy_supervised", "id", "results", "passes", "passed",
    ]

    func prepare(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        var index = sql.create(index: "exam_sessions_derivation_idx").on("exam_sessions")
        for column in Self.sessionColumns { index = index.column(column) }
        try await index.run()
    }

    func revert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw("DROP INDEX exam_sessions_derivation_idx").run()
    }
}
