import Fluent
import SQLKit

/// The counters of the public limits shared by every server process (PostgreSQL only; SQLite
/// serves one process and counts in memory). UNLOGGED: counters need no crash safety.
struct M008_SharedLimits: AsyncMigration {
    func prepare(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase, sql.dialect.name == "postgresql" else { return }
        try await sql.raw(
            """
            CREATE UNLOGGED TABLE rate_limits (scope text NOT NULL, key text NOT NULL, window_start bigint NOT NULL,
            hits integer NOT NULL, PRIMARY KEY (scope, key, window_start))
            """
        ).run()
    }

    func revert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase, sql.dialect.name == "postgresql" else { return }
        try await sql.raw("DROP TABLE rate_limits").run()
    }
}
