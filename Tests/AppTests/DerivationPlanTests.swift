import Domain
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import App

extension AppTests {
    /// The derivation of columns 1–24 reads the quarter's sessions once, from the index of M015
    /// alone (`Derivation.sessionsPass`). A column added to the pass but not to the index, or a
    /// condition that defeats the date range, fails here instead of slowing the ministry's pages.
    @Suite struct DerivationPlan {
        static let index = "exam_sessions_derivation_idx"

        /// The plan of the exact query `Derivation.registers` runs, one line per step.
        static func plan(_ t: TestApp, _ period: String) async throws -> [String] {
            let p = try #require(Period(period))
            // One connection for the steps below (a transaction holds it).
            return try await t.app.db.transaction { db in
                let sql = db as! any SQLDatabase
                let pass = Derivation.sessionsPass(p, on: sql)
                if sql.dialect.name == "sqlite" {
                    // EXPLAIN never runs the statement, so it would not notice a schema another
                    // connection changed (a test's revert): reading the schema brings it up to date.
                    try await sql.raw("SELECT count(*) FROM sqlite_master").run()
                    return try await sql.raw("EXPLAIN QUERY PLAN " + pass).all().map {
                        try $0.decode(column: "detail", as: String.self)
                    }
                }
                // PostgreSQL would rightly scan a test's few rows: asked to avoid that, it must find the index usable.
                try await sql.raw("SET LOCAL enable_seqscan = off").run()
                return try await sql.raw("EXPLAIN " + pass).all().map { try $0.decode(column: "QUERY PLAN", as: String.self) }
            }
        }

        @Test func sessionsPass_searchesTheQuarter_inTheCoveringIndexAlone() async throws {
            try await withTestApp(now: beijing("2026-07-20T10:00:00")) { t in
                let plan = try await Self.plan(t, "2026Q2")
                let sql = try #require(t.app.db as? any SQLDatabase)
                if sql.dialect.name == "sqlite" {
                    // The sessions are aliased s: one search of the date range in the index, no table rows read.
                    let sessions = plan.filter { $0.hasPrefix("SCAN s") || $0.hasPrefix("SEARCH s ") }
                    #expect(
                        sessions == ["SEARCH s USING COVERING INDEX \(Self.index) (date>? AND date<?)"],
                        "\(plan.joined(separator: "\n"))")
                    #expect(!plan.contains { $0.hasPrefix("SCAN exam_sessions") }, "\(plan.joined(separator: "\n"))")
                    // Each session's fee standard is found in the index that keeps one active per unit and level.
                    #expect(
                        plan.contains { $0.hasPrefix("SEARCH f USING INDEX fee_standards_one_active (unit_code=? AND level=?)") },
                        "\(plan.joined(separator: "\n"))")
                } else {
                    #expect(
                        plan.contains { $0.contains("Index Only Scan using \(Self.index)") }, "\(plan.joined(separator: "\n"))")
                }
            }
        }

        /// M015 can be reverted: the pass then searches the table, and finds the index again once restored.
        @Test func migration_revertDropsTheIndex_andPrepareRestoresIt() async throws {
            try await withTestApp(now: beijing("2026-07-20T10:00:00")) { t in
                try await M015_DerivationIndexes().revert(on: t.app.db)
                let without = try await Self.plan(t, "2026Q2").joined(separator: "\n")
                #expect(!without.contains(Self.index), "\(without)")
                try await M015_DerivationIndexes().prepare(on: t.app.db)
                #expect((try await Self.plan(t, "2026Q2")).joined(separator: "\n").contains(Self.index))
            }
        }

        /// Benchmarks/derive.sql times the pass the code runs, not a copy that has drifted from it.
        @Test func benchmarkSQL_isThePassTheCodeRuns() throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent()
            let file = try String(contentsOf: root.appendingPathComponent("Benchmarks/derive.sql"), encoding: .utf8)
            let pass = Derivation.sessionsPassSQL(trueLiteral: "1").replacingOccurrences(
                of: "s.date >= ? AND s.date <= ?", with: "s.date >= ':from' AND s.date <= ':to'")
            #expect(file.contains(pass + ";"))
        }
    }
}
