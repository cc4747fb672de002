import Domain
import Fluent
import Foundation
import SQLKit

/// Columns 1–24 derived from the registers for every unit in a quarter, with plain SQL that runs
/// on SQLite and PostgreSQL alike (all units at once: one pass over the quarter's sessions, then
/// one small aggregate query per other register's rule).
enum Derivation {
    struct Derived: Sendable, Codable {
        var standards = ReportValues.Standards(national: 0, verifiedLocal: 0, unverifiedLocal: 0)
        var banks = ReportValues.Banks(national: 0, certifiedLocal: 0, uncertifiedLocal: 0)
        var feeStandard = false
        var overcharge = ReportValues.Cases(investigated: 0, uninvestigated: 0)
        var crossRegion = false
        var supervision = false
        var violations = ReportValues.Cases(investigated: 0, uninvestigated: 0)
        var forgery = ReportValues.Cases(investigated: 0, uninvestigated: 0)
        var sessions = 0
    }

    struct UnitCount: Decodable {
        let unit_code: String
        let n: Int
    }
    struct UnitCases: Decodable {
        let unit_code: String
        let n: Int
        let handled: Int?
    }
    /// One unit's row of `sessionsPass`.
    struct SessionFigures: Decodable {
        let unit_code: String
        let sessions: Int
        let std_national: Int
        let std_verified_local: Int
        let std_unverified_local: Int
        let bank_national: Int
        let bank_certified_local: Int
        let bank_uncertified_local: Int
        let overcharged: Int
        let overcharged_handled: Int
        let breaches: Int
        let legacy_supervised: Int
    }

    /// Columns 1–24 of every unit for a quarter: the registers' counts plus the complaints
    /// register's cases (`Complaints.derivedAll`).
    static func all(_ p: Period, on db: any Database) async throws -> [String: Derived] {
        var result = try await registers(p, on: db)
        for (unit, groups) in try await Complaints.derivedAll(period: p, on: db) {
            var d = result[unit] ?? Derived()
            func add(_ a: ReportValues.Cases, _ b: ReportValues.Cases?) -> ReportValues.Cases {
                guard let b else { return a }
                return .init(investigated: a.investigated + b.investigated, uninvestigated: a.uninvestigated + b.uninvestigated)
            }
            d.overcharge = add(d.overcharge, groups["overcharge"])
            d.violations = add(d.violations, groups["violations"])
            d.forgery = add(d.forgery, groups["forgery"])
            result[unit] = d
        }
        return result
    }

    /// `q` with its `?` bound: the placeholders come in pairs, the quarter's first day, then its last.
    static func bound(_ q: String, _ p: Period) -> SQLQueryString {
        let from = Period.dayString(p.start)
        let to = p.lastDay
        var s = SQLQueryString("")
        let parts = q.components(separatedBy: "?")
        for (i, part) in parts.enumerated() {
            s.appendInterpolation(unsafeRaw: part)
            if i < parts.count - 1 { s.appendInterpolation(bind: i % 2 == 0 ? from : to) }
        }
        return s
    }

    /// Every per-session figure of every unit in one pass over the quarter's sessions: one row
    /// per unit with sessions in the quarter. Each join finds at most one row (a station by its
    /// code, its scope by `station_scopes`' unique (station, occupation), the fee by
    /// `fee_standards_one_active`), so every session is counted once; a session whose station is
    /// not registered breaks no station rule, as when stations were joined. Kinds other than the
    /// national and verified/certified local ones count as unverified/uncertified, as they did
    /// when each kind was a group of its own. The handled visits are a list read once (IN, not a
    /// correlated EXISTS, which PostgreSQL costs per session and then spends ~0.3 s compiling the
    /// query with JIT). The fee is found by `f.active`, not `f.active = true`: only the bare column
    /// matches that index's `WHERE active` on SQLite, which otherwise builds an index of its own
    /// for every query (and the pass took twice as long). The scan reads
    /// `exam_sessions_derivation_idx` (M015) alone; `AppTests.DerivationPlan` checks the plan.
    static func sessionsPass(_ p: Period, on sql: any SQLDatabase) -> SQLQueryString {
        bound(sessionsPassSQL(trueLiteral: trueLiteral(sql)), p)
    }

    /// `sessionsPass` with `?` for the quarter's first and last day (Benchmarks/derive.sql has it too).
    static func sessionsPassSQL(trueLiteral yes: String) -> String {
        """
        SELECT s.unit_code, COUNT(*) AS sessions,
          COUNT(DISTINCT CASE WHEN s.standard_kind = 'national' THEN s.occupation_code END) AS std_national,
          COUNT(DISTINCT CASE WHEN s.standard_kind = 'verifiedLocal' THEN s.occupation_code END) AS std_verified_local,
          COUNT(DISTINCT CASE WHEN s.standard_kind NOT IN ('national', 'verifiedLocal') THEN s.occupation_code END)
            AS std_unverified_local,
          COUNT(DISTINCT CASE WHEN s.bank_kind = 'national' THEN s.occupation_code END) AS bank_national,
          COUNT(DISTINCT CASE WHEN s.bank_kind = 'certifiedLocal' THEN s.bank_code END) AS bank_certified_local,
          COUNT(DISTINCT CASE WHEN s.bank_kind NOT IN ('national', 'certifiedLocal') THEN s.bank_code END)
            AS bank_uncertified_local,
          SUM(CASE WHEN s.fee_fen > f.fee_fen THEN 1 ELSE 0 END) AS overcharged,
          SUM(CASE WHEN s.fee_fen > f.fee_fen
                    AND s.id IN (SELECT v.session_id FROM supervision_visits v WHERE v.violation_handled = \(yes))
                   THEN 1 ELSE 0 END) AS overcharged_handled,
          SUM(CASE WHEN st.code IS NOT NULL AND (s.region_code <> st.region_code OR sc.id IS NULL
                    OR CAST(s.level AS INTEGER) < CAST(sc.max_level AS INTEGER)) THEN 1 ELSE 0 END) AS breaches,
          SUM(CASE WHEN s.legacy_supervised = \(yes) THEN 1 ELSE 0 END) AS legacy_supervised
        FROM exam_sessions s
        LEFT JOIN fee_standards f ON f.unit_code = s.unit_code AND f.level = s.level AND f.active
        LEFT JOIN stations st ON st.code = s.station_code
        LEFT JOIN station_scopes sc ON sc.station_code = s.station_code AND sc.occupation_code = s.occupation_code
        WHERE s.date >= ? AND s.date <= ?
        GROUP BY s.unit_code
        """
    }

    /// The registers' part of `all`: the quarter's sessions read once (`sessionsPass`), then a few
    /// small queries on the other registers. One pass from the index of M015 instead of five scans
    /// of the table took GET /api/v1/derived on the ~990,000-session demo from 1.42 s to 0.25 s
    /// (8.3 → 1.6 × one indexed pass over the quarter's sessions; Benchmarks/derive.sh, 2026-11).
    static func registers(_ p: Period, on db: any Database) async throws -> [String: Derived] {
        guard let sql = db as? any SQLDatabase else { return [:] }
        var result: [String: Derived] = [:]
        for r in try await sql.raw(sessionsPass(p, on: sql)).all(decoding: SessionFigures.self) {
            var d = Derived()
            d.sessions = r.sessions
            d.standards = .init(
                national: r.std_national, verifiedLocal: r.std_verified_local, unverifiedLocal: r.std_unverified_local)
            d.banks = .init(
                national: r.bank_national, certifiedLocal: r.bank_certified_local, uncertifiedLocal: r.bank_uncertified_local)
            // An overcharged session is a case, investigated once a visit about it handled the violation.
            d.overcharge = .init(investigated: r.overcharged_handled, uninvestigated: r.overcharged - r.overcharged_handled)
            // Outside the station's region, an occupation it is not authorised for, or a level above its highest.
            d.crossRegion = r.breaches > 0
            // Sessions recorded before reports existed (marked by M012) keep the old rule's 是 for
            // column 15: they named a supervisor. Nothing recorded since is marked.
            d.supervision = r.legacy_supervised > 0
            result[r.unit_code] = d
        }
        for r in try await sql.raw("SELECT DISTINCT unit_code, 1 AS n FROM fee_standards WHERE active = \(true)")
            .all(decoding: UnitCount.self)
        {
            result[r.unit_code, default: .init()].feeStandard = true
        }
        // Column 15: a supervisor filed a report from their own login on a session they were
        // dispatched to, or on a visit of theirs, whose day is in the quarter. Neither a session
        // naming a supervisor nor a visit without a report counts.
        for r in try await sql.raw(
            bound(
                """
                SELECT unit_code, COUNT(*) AS n FROM supervision_reports
                WHERE supervised_on >= ? AND supervised_on <= ? GROUP BY unit_code
                """, p)
        ).all(decoding: UnitCount.self) where r.n > 0 {
            result[r.unit_code, default: .init()].supervision = true
        }
        // Visits recorded before reports existed (marked by M012) keep the old rule's 是 too, like
        // the sessions of the pass above.
        for r in try await sql.raw(
            bound(
                """
                SELECT unit_code, COUNT(*) AS n FROM supervision_visits
                WHERE visited_on >= ? AND visited_on <= ? AND legacy = \(trueLiteral(sql)) GROUP BY unit_code
                """, p)
        ).all(decoding: UnitCount.self) where r.n > 0 {
            result[r.unit_code, default: .init()].supervision = true
        }
        // Columns 17–19 for visits recorded with a violation but no report (those recorded before
        // reports existed, or not reported yet). A report decides its visit: a violation it found
        // opened a case in the complaints register, which counts there (`Complaints.derived`).
        for r in try await sql.raw(
            bound(
                """
                SELECT unit_code, COUNT(*) AS n,
                       SUM(CASE WHEN violation_handled = \(trueLiteral(sql)) THEN 1 ELSE 0 END) AS handled
                FROM supervision_visits v WHERE visited_on >= ? AND visited_on <= ? AND violation_found = \(trueLiteral(sql))
                AND NOT EXISTS (SELECT 1 FROM supervision_reports r WHERE r.visit_id = v.id)
                GROUP BY unit_code
                """, p)
        ).all(decoding: UnitCases.self) {
            let handled = r.handled ?? 0
            result[r.unit_code, default: .init()].violations = .init(investigated: handled, uninvestigated: r.n - handled)
        }
        return result
    }

    static func trueLiteral(_ sql: any SQLDatabase) -> String { sql.dialect.name == "sqlite" ? "1" : "true" }

    /// One unit's derived values; `all` is the result of `all` when the caller already has it.
    static func one(
        unit: String, period: Period, registers all: [String: Derived]? = nil, on db: any Database
    ) async throws -> Derived {
        if let all { return all[unit] ?? Derived() }
        return try await self.all(period, on: db)[unit] ?? Derived()
    }
}
