import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import App

/// Issue 14: the checks of `certificates`, `exam_sessions` and `exam_results` are CHECK
/// constraints on both databases (M016 on SQLite, where they were triggers).
extension AppTests {
    @Suite struct InlineChecks {
        typealias C = AppTests.Certificates
        static let tables = ["certificates", "exam_sessions", "exam_results"]

        /// Certificates' setup (two sessions with their passes), the two passes certified, and a
        /// voided blank: rows in all three tables.
        static func setup(_ t: TestApp) async throws -> C.Setup {
            let s = try await C.setup(t)
            #expect(try await t.send(.POST, "/api/v1/certificates", token: s.bj, json: C.cert("000000000001")).status == .created)
            #expect(
                try await t.send(
                    .POST, "/api/v1/certificates", token: s.bj,
                    json: C.cert("000000000002", name: "李,四", id: C.idOther, occupation: "焊工")
                ).status == .created)
            #expect(try await t.send(.POST, "/api/v1/certificates/000000000050/void", token: s.bj).status == .created)
            return s
        }

        /// Statements that break one check each, inserting and updating, with the check they break.
        static let breaches: [(check: String, sql: SQLQueryString)] = [
            (
                "certificates_status_known",
                "INSERT INTO certificates (serial, unit_code, status) VALUES ('990000000001', '110000', 'bogus')"
            ),
            (
                "certificates_level_known",
                "INSERT INTO certificates (serial, unit_code, status, level) VALUES ('990000000002', '110000', 'issued', '9')"
            ),
            ("certificates_status_known", "UPDATE certificates SET status = 'bogus' WHERE serial = '000000000001'"),
            ("sessions_counts_valid", session(candidates: 5, passed: 6)),
            ("sessions_fee_not_negative", session(fee: -1)),
            ("sessions_level_known", session(level: "9")),
            ("sessions_results_valid", session(candidates: 5, results: 6)),
            ("sessions_results_valid", session(results: 2, passes: 3)),
            ("sessions_counts_valid", "UPDATE exam_sessions SET passed = candidates + 1"),
            ("results_score_range", result(score: 101)),
            ("results_score_range", result(score: -1)),
            ("results_score_range", "UPDATE exam_results SET score = 100.5"),
        ]

        /// A copy of a recorded session (a new id) with the given figures; the defaults pass every check.
        static func session(
            level: String = "5", candidates: Int = 5, passed: Int = 3, fee: Int = 100, results: Int = 2, passes: Int = 1
        ) -> SQLQueryString {
            """
            INSERT INTO exam_sessions (id, station_code, unit_code, occupation_code, level, date, region_code, standard_kind,
            bank_kind, bank_code, candidates, passed, fee_fen, created_by, results, passes)
            SELECT \(bind: UUID()), station_code, unit_code, occupation_code, \(bind: level), date, region_code, standard_kind,
            bank_kind, bank_code, \(bind: candidates), \(bind: passed), \(bind: fee), created_by, \(bind: results), \(bind: passes)
            FROM exam_sessions LIMIT 1
            """
        }

        /// A result for a new person in a recorded session; a score of 0 to 100 (or none) passes.
        static func result(score: Double?) -> SQLQueryString {
            """
            INSERT INTO exam_results (id, session_id, name, id_number, passed, score, recorded_by, recorded_at)
            SELECT \(bind: UUID()), id, '某人', \(bind: UUID().uuidString), \(bind: true), \(bind: score), 'test', \(bind: Date())
            FROM exam_sessions LIMIT 1
            """
        }

        /// Runs `sql`, which must be refused by the check `name`; returns the answer an API client
        /// would get for that refusal (status and body).
        static func refused(
            _ t: TestApp, _ sql: SQLQueryString, by name: String, sourceLocation: SourceLocation = #_sourceLocation
        ) async throws -> (HTTPStatus, String) {
            let db = try #require(t.app.db as? any SQLDatabase)
            do {
                try await db.raw(sql).run()
                Issue.record("not refused, should break \(name)", sourceLocation: sourceLocation)
                return (.ok, "")
            } catch {
                #expect((error as? any DatabaseError)?.isConstraintFailure == true, "\(error)", sourceLocation: sourceLocation)
                // SQLite: "CHECK constraint failed: <name>"; PostgreSQL names the constraint it violates.
                #expect(String(reflecting: error).contains(name), "\(String(reflecting: error))", sourceLocation: sourceLocation)
                let request = Request(application: t.app, on: t.app.eventLoopGroup.next())
                let answer = try ErrorMiddleware.json(ErrorMiddleware.map(error, request: request))
                return (answer.status, answer.body.string ?? "")
            }
        }

        /// SQLite's view of a table: its CREATE statement, its triggers and its indexes (name → SQL).
        struct Schema: Equatable {
            var create: String
            var triggers: Set<String>
            var indexes: [String: String]
        }

        static func schema(_ sql: any SQLDatabase, _ table: String) async throws -> Schema {
            struct Row: Decodable {
                let type: String
                let name: String
                let sql: String?
            }
            let rows = try await sql.raw("SELECT type, name, sql FROM sqlite_schema WHERE tbl_name = \(bind: table)")
                .all(decoding: Row.self)
            return Schema(
                create: rows.first { $0.type == "table" }?.sql ?? "",
                triggers: Set(rows.filter { $0.type == "trigger" }.map(\.name)),
                indexes: Dictionary(uniqueKeysWithValues: rows.filter { $0.type == "index" }.map { ($0.name, $0.sql ?? "") }))
        }

        /// Every row of `table`, each column quoted, in primary key order: equal snapshots, equal rows.
        static func rows(_ sql: any SQLDatabase, _ table: String) async throws -> [String] {
            struct Column: Decodable {
                let name: String
                let pk: Int
            }
            let columns = try await sql.raw("SELECT name, pk FROM pragma_table_info(\(bind: table))").all(decoding: Column.self)
            let quoted = columns.map { "quote(\"\($0.name)\")" }.joined(separator: " || '|' || ")
            let order = columns.filter { $0.pk > 0 }.map { "\"\($0.name)\"" }.joined(separator: ", ")
            return try await sql.raw("SELECT \(unsafeRaw: quoted) AS r FROM \(ident: table) ORDER BY \(unsafeRaw: order)")
                .all(decodingColumn: "r", as: String.self)
        }

        @Test func checks_areConstraintsInTheTables_notTriggers() async throws {
            try await withTestApp { t in
                guard case .sqliteFile = t.app.config.database else { return }  // PostgreSQL: M007's constraints
                let sql = try #require(t.app.db as? any SQLDatabase)
                #expect(M016_SQLiteInlineChecks.checks.count == 7)
                for table in Self.tables {
                    let s = try await Self.schema(sql, table)
                    let checks = M016_SQLiteInlineChecks.checks.filter { $0.0 == table }
                    #expect(!checks.isEmpty)
                    for (_, name, _) in checks {
                        #expect(s.create.contains("CONSTRAINT \"\(name)\" CHECK ("), "\(s.create)")
                        #expect(!s.triggers.contains(name + "_insert") && !s.triggers.contains(name + "_update"))
                    }
                    #expect(s.triggers.isEmpty, "\(table): \(s.triggers)")
                }
                // The other tables keep their triggers (not rewritten here).
                #expect(try await Self.schema(sql, "certificate_orders").triggers.contains("orders_quantity_positive_insert"))
            }
        }

        @Test func writesBreakingACheck_areRefused_andAnswer409() async throws {
            try await withTestApp { t in
                _ = try await Self.setup(t)
                let sql = try #require(t.app.db as? any SQLDatabase)
                for (name, statement) in Self.breaches {
                    let (status, body) = try await Self.refused(t, statement, by: name)
                    #expect(status == .conflict && body.contains(#""code":"conflict""#), "\(name): \(body)")
                }
                // The same statements with figures inside the checks go through.
                try await sql.raw(Self.session()).run()
                try await sql.raw(Self.session(candidates: 0, passed: 0, fee: 0, results: 0, passes: 0)).run()
                try await sql.raw(Self.result(score: 100)).run()
                try await sql.raw(Self.result(score: nil)).run()
                try await sql.raw(
                    "INSERT INTO certificates (serial, unit_code, status, level) VALUES ('990000000003', '110000', 'voided', NULL)"
                ).run()
                #expect(try await ExamSession.query(on: t.app.db).count() == 4)
                #expect(try await ExamResult.query(on: t.app.db).count() == 4)
            }
        }

        /// Reverted (M007's triggers back), given rows, and migrated again: the rows, indexes and
        /// foreign keys are as they were, and a breach answers exactly as it did under the triggers.
        @Test func migration_keepsRowsIndexesAndForeignKeys_andAnswersAsTheTriggersDid() async throws {
            try await withTestApp { t in
                guard case .sqliteFile = t.app.config.database else { return }
                let s = try await Self.setup(t)
                let sql = try #require(t.app.db as? any SQLDatabase)
                let migrated = try await Self.tables.asyncMap { try await Self.schema(sql, $0) }

                try await M016_SQLiteInlineChecks().revert(on: t.app.db)
                for (table, before) in zip(Self.tables, migrated) {
                    let s = try await Self.schema(sql, table)
                    #expect(!s.create.contains("CHECK"), "\(s.create)")
                    #expect(s.triggers.count == 2 * M016_SQLiteInlineChecks.checks.filter { $0.0 == table }.count)
                    #expect(s.indexes == before.indexes)
                }
                let underTriggers = try await Self.breaches.asyncMap { try await Self.refused(t, $0.sql, by: $0.check) }
                // Rows written under the triggers: a third session with a result, a revoked certificate.
                let wang = ("王五", "110101199003077774")
                _ = try await t.passes([wang], unit: "110000", token: s.bj, date: "2026-03-10")
                #expect(
                    try await t.send(
                        .POST, "/api/v1/certificates", token: s.bj,
                        json: C.cert("000000000003", name: wang.0, id: wang.1, on: "2026-03-20")
                    ).status == .created)
                #expect(
                    try await t.send(.POST, "/api/v1/certificates/000000000001/revoke", token: s.bj, json: #"{"reason":"作弊"}"#)
                        .status == .ok)
                let before = try await Self.tables.asyncMap { try await Self.rows(sql, $0) }
                #expect(before.map(\.count) == [4, 3, 3])

                try await M016_SQLiteInlineChecks().prepare(on: t.app.db)
                #expect(try await Self.tables.asyncMap { try await Self.schema(sql, $0) } == migrated)
                #expect(try await Self.tables.asyncMap { try await Self.rows(sql, $0) } == before)
                for ((name, statement), old) in zip(Self.breaches, underTriggers) {
                    let answer = try await Self.refused(t, statement, by: name)
                    #expect(answer.0 == old.0 && answer.1 == old.1, "\(name): \(answer.1) against \(old.1)")
                }

                // Foreign keys, both ways: none broken, a session's results go with it, units are checked.
                #expect(try await sql.raw("PRAGMA foreign_key_check").all().isEmpty)
                struct FK: Decodable {
                    let table: String
                    let on_delete: String
                }
                for table in [
                    "exam_results", "supervision_visits", "supervision_draws", "session_dispatches", "supervision_reports",
                ] {
                    let fks = try await sql.raw("SELECT \"table\", on_delete FROM pragma_foreign_key_list(\(bind: table))")
                        .all(decoding: FK.self)
                    #expect(fks.contains { $0.table == "exam_sessions" }, "\(table)")
                    if table == "exam_results" { #expect(fks.first { $0.table == "exam_sessions" }?.on_delete == "CASCADE") }
                }
                let sid = try await sql.raw("SELECT session_id FROM exam_results WHERE name = '王五'")
                    .first(decodingColumn: "session_id", as: UUID.self)
                try await sql.raw("DELETE FROM exam_sessions WHERE id = \(bind: sid)").run()
                #expect(try await ExamResult.query(on: t.app.db).count() == 2)
                await #expect(throws: (any Error).self) {
                    try await sql.raw(
                        "INSERT INTO certificates (serial, unit_code, status) VALUES ('990000000009', '999999', 'voided')"
                    ).run()
                }
                // The partial indexes still hold and serve: one issued certificate per pass, the revoked list.
                await #expect(throws: (any Error).self) {
                    try await sql.raw(
                        """
                        UPDATE certificates SET result_id = (SELECT result_id FROM certificates WHERE serial = '000000000002')
                        WHERE serial = '000000000003'
                        """
                    ).run()
                }
                let plan = try await sql.raw(
                    "EXPLAIN QUERY PLAN SELECT serial, certificate_number FROM certificates WHERE status = 'revoked' ORDER BY serial"
                ).all(decodingColumn: "detail", as: String.self)
                #expect(plan.contains { $0.contains("certificates_revoked_idx") }, "\(plan)")
                let revoked = try await t.send(.GET, "/api/v1/verify?serial=000000000001&name=%E5%BC%A0%E4%B8%89")
                #expect(try t.object(revoked)["result"] as? String == "revoked")
            }
        }

        /// A row the triggers never saw (written before M007) that breaks a check stops the
        /// migration, named, and leaves every table as it was.
        @Test func migration_withABreakingRow_isRefused_andChangesNothing() async throws {
            try await withTestApp { t in
                guard case .sqliteFile = t.app.config.database else { return }
                _ = try await Self.setup(t)
                let sql = try #require(t.app.db as? any SQLDatabase)
                try await M016_SQLiteInlineChecks().revert(on: t.app.db)
                try await sql.raw("DROP TRIGGER results_score_range_insert").run()
                try await sql.raw(Self.result(score: 101)).run()
                let before = try await Self.tables.asyncMap { try await Self.schema(sql, $0) }

                let error = await #expect(throws: (any Error).self) {
                    try await M016_SQLiteInlineChecks().prepare(on: t.app.db)
                }
                let message = error.map { "\($0)" } ?? ""
                #expect(message.contains("1 row(s) of exam_results break the check results_score_range"), "\(message)")
                #expect(try await Self.tables.asyncMap { try await Self.schema(sql, $0) } == before)
                #expect(before[0].triggers.contains("certificates_status_known_insert"))
            }
        }
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for e in self { out.append(try await transform(e)) }
        return out
    }
}
