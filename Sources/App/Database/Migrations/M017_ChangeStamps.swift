import Fluent
import SQLKit

/// A counter per kind of cached work that the database itself advances whenever what that work is
/// made from changes, so that every server process can keep the work and know, with one tiny
/// query, whether it is still true. `bulletin_inputs` counts every change to the tables the live
/// bulletin is compiled from (units, reports, published bulletins, rectification tasks): the
/// ministry's draft is compiled again only when it moves (see `Bulletins.draftEntry`).
///
/// Triggers, not code: no write path can forget to advance it. On PostgreSQL they are deferred
/// constraint triggers, so the counter's row is locked only at commit, after every other lock the
/// transaction takes: two writers can wait for each other there, never deadlock. A reader that
/// sees the new count also sees the data (both commit together); one that reads the data after
/// the count may see newer data than the count, which only costs a second compilation.
struct M017_ChangeStamps: AsyncMigration {
    static let topic = "bulletin_inputs"
    static let tables = ["units", "reports", "bulletins", "rectifications"]

    func prepare(on db: any Database) async throws {
        // One transaction: a failure leaves nothing half made, and the migration can run again.
        try await db.transaction { try await Self.install(on: $0) }
    }

    static func install(on db: any Database) async throws {
        try await db.schema("change_stamps")
            .field("topic", .string, .identifier(auto: false))
            .field("stamp", .int64, .required)
            .create()
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw("INSERT INTO change_stamps (topic, stamp) VALUES (\(bind: topic), 0)").run()
        let bump = "UPDATE change_stamps SET stamp = stamp + 1 WHERE topic = '\(topic)'"
        if sql.dialect.name == "postgresql" {
            try await sql.raw(
                """
                CREATE FUNCTION zhijian_bump_bulletin_inputs() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  -- Once per transaction, however many rows it changed (the flag is transaction-local).
                  IF current_setting('zhijian.bulletin_inputs_bumped', true) IS DISTINCT FROM 'on' THEN
                    \(unsafeRaw: bump);
                    PERFORM set_config('zhijian.bulletin_inputs_bumped', 'on', true);
                  END IF;
                  RETURN NULL;
                END $$
                """
            ).run()
            for table in tables {
                try await sql.raw(
                    """
                    CREATE CONSTRAINT TRIGGER \(ident: table + "_bulletin_inputs") AFTER INSERT OR UPDATE OR DELETE ON \(ident: table)
                    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION zhijian_bump_bulletin_inputs()
                    """
                ).run()
            }
        } else {
            for table in tables {
                for event in ["INSERT", "UPDATE", "DELETE"] {
                    try await sql.raw(
                        """
                        CREATE TRIGGER \(ident: table + "_bulletin_inputs_" + event.lowercased()) AFTER \(unsafeRaw: event) ON \(ident: table)
                        BEGIN \(unsafeRaw: bump); END
                        """
                    ).run()
                }
            }
        }
    }

    func revert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        for table in Self.tables {
            if sql.dialect.name == "postgresql" {
                try await sql.raw("DROP TRIGGER \(ident: table + "_bulletin_inputs") ON \(ident: table)").run()
            } else {
                for event in ["insert", "update", "delete"] {
                    try await sql.raw("DROP TRIGGER \(ident: table + "_bulletin_inputs_" + event)").run()
                }
            }
        }
        if sql.dialect.name == "postgresql" { try await sql.raw("DROP FUNCTION zhijian_bump_bulletin_inputs()").run() }
        try await db.schema("change_stamps").delete()
    }
}

enum ChangeStamps {
    /// The current count of `topic` (`M017_ChangeStamps`).
    static func current(_ topic: String = M017_ChangeStamps.topic, on db: any Database) async throws -> Int64 {
        guard let sql = db as? any SQLDatabase else { return 0 }
        let direct = try await SQLiteDirect.run(on: sql) { c -> Int64 in
            let st = try c.prepare("SELECT stamp FROM change_stamps WHERE topic = ?")
            try st.bind(topic)
            return try st.step() ? st.int(0) : 0
        }
        if let direct { return direct }
        struct Row: Decodable { let stamp: Int64 }
        return try await sql.raw("SELECT stamp FROM change_stamps WHERE topic = \(bind: topic)").first(decoding: Row.self)?.stamp
            ?? 0
    }
}
