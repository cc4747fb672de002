import Domain
import Fluent
import Foundation
import SQLKit

/// Columns 1–24 derived from the registers for every unit in a quarter, with plain SQL that runs
/// on SQLite and PostgreSQL alike (one aggregate query per rule, all units at once).
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

    struct KindCount: Decodable {
        let unit_code: String
        let k: String
        let n: Int
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

    /// The registers' part of `all`: one aggregate query per rule, all units at once.
    static func registers(_ p: Period, on db: any Database) async throws -> [String: Derived] {
        guard let sql = db as? any SQLDatabase else { return [:] }
        let from = Period.dayString(p.start)
        let to = p.lastDay
        var result: [String: Derived] = [:]
        func bind(_ q: String) -> SQLQueryString {
            var s = SQLQueryString("")
            let parts = q.components(separatedBy: "?")
            // The placeholders come in pairs: the quarter's first day, then its last.
            for (i, part) in parts.enumerated() {
                s.appendInterpolation(unsafeRaw: part)
                if i < parts.count - 1 { s.appendInterpolation(bind: i % 2 == 0 ? from : to) }
            }
            return s
        }
        for r in try await sql.raw(
            bind(
                """
                SELECT unit_code, standard_kind AS k, COUNT(DISTINCT occupation_code) AS n FROM exam_sessions
                WHERE date >= ? AND date <= ? GROUP BY unit_code, standard_kind
                """)
        ).all(decoding: KindCount.self) {
            switch r.k {
            case "national": result[r.unit_code, default: .init()].standards.national = r.n
            case "verifiedLocal": result[r.unit_code, default: .init()].standards.verifiedLocal = r.n
            default: result[r.unit_code, default: .init()].standards.unverifiedLocal = r.n
            }
        }
        for r in try await sql.raw(
            bind(
                """
                SELECT unit_code, bank_kind AS k,
                       CASE WHEN bank_kind = 'national' THEN COUNT(DISTINCT occupation_code)
                        ELSE COUNT(DISTINCT bank_code) END AS n
                FROM exam_sessions WHERE date >= ? AND date <= ? GROUP BY unit_code, bank_kind
                """)
        ).all(decoding: KindCount.self) {
            switch r.k {
            case "national": result[r.unit_code, default: .init()].banks.national = r.n
            case "certifiedLocal": result[r.unit_code, default: .init()].banks.certifiedLocal = r.n
            default: result[r.unit_code, default: .init()].banks.uncertifiedLocal = r.n
            }
        }
        for r in try await sql.raw(
            bind(
                """
                SELECT unit_code, COUNT(*) AS n FROM exam_sessions WHERE date >= ? AND date <= ? GROUP BY unit_code
                """)
        ).all(decoding: UnitCount.self) {
            result[r.unit_code, default: .init()].sessions = r.n
        }
        for r in try await sql.raw("SELECT DISTINCT unit_code, 1 AS n FROM fee_standards WHERE active = \(true)")
            .all(decoding: UnitCount.self)
        {
            result[r.unit_code, default: .init()].feeStandard = true
        }
        // An overcharged session is a case, investigated once a visit about it handled the violation.
        for r in try await sql.raw(
            bind(
                """
                SELECT s.unit_code, COUNT(*) AS n,
                       SUM(CASE WHEN EXISTS (SELECT 1 FROM supervision_visits v WHERE v.session_id = s.id
                                              AND v.violation_handled = \(trueLiteral(sql))) THEN 1 ELSE 0 END) AS handled
                FROM exam_sessions s
                JOIN fee_standards f ON f.unit_code = s.unit_code AND f.level = s.level AND f.active = \(trueLiteral(sql))
                WHERE s.date >= ? AND s.date <= ? AND s.fee_fen > f.fee_fen GROUP BY s.unit_code
                """)
        ).all(decoding: UnitCases.self) {
            let handled = r.handled ?? 0
            result[r.unit_code, default: .init()].overcharge = .init(investigated: handled, uninvestigated: r.n - handled)
        }
        // Outside the station's region, an occupation it is not authorised for, or a level above its highest.
        for r in try await sql.raw(
            bind(
                """
                SELECT s.unit_code, COUNT(*) AS n FROM exam_sessions s
                JOIN stations st ON st.code = s.station_code
                LEFT JOIN station_scopes sc ON sc.station_code = s.station_code AND sc.occupation_code = s.occupation_code
                WHERE s.date >= ? AND s.date <= ?
                  AND (s.region_code <> st.region_code OR sc.id IS NULL
                   OR CAST(s.level AS INTEGER) < CAST(sc.max_level AS INTEGER))
                GROUP BY s.unit_code
                """)
        ).all(decoding: UnitCount.self) where r.n > 0 {
            result[r.unit_code, default: .init()].crossRegion = true
        }
        // Column 15: a supervisor filed a report from their own login on a session they were
        // dispatched to, or on a visit of theirs, whose day is in the quarter. Neither a session
        // naming a supervisor nor a visit without a report counts.
        for r in try await sql.raw(
            bind(
                """
                SELECT unit_code, COUNT(*) AS n FROM supervision_reports
                WHERE supervised_on >= ? AND supervised_on <= ? GROUP BY unit_code
                """)
        ).all(decoding: UnitCount.self) where r.n > 0 {
            result[r.unit_code, default: .init()].supervision = true
        }
        // Records made before reports existed (marked by M012) keep the old rule's 是: a session
        // that named a supervisor, or a visit. Nothing recorded since is marked.
        for r in try await sql.raw(
            bind(
                """
                SELECT unit_code, COUNT(*) AS n FROM (
                  SELECT unit_code FROM exam_sessions WHERE date >= ? AND date <= ? AND legacy_supervised = \(trueLiteral(sql))
                  UNION ALL
                  SELECT unit_code FROM supervision_visits WHERE visited_on >= ? AND visited_on <= ? AND legacy = \(trueLiteral(sql))
                ) legacy GROUP BY unit_code
                """)
        ).all(decoding: UnitCount.self) where r.n > 0 {
            result[r.unit_code, default: .init()].supervision = true
        }
        // Columns 17–19 for visits recorded with a violation but no report (those recorded before
        // reports existed, or not reported yet). A report decides its visit: a violation it found
        // opened a case in the complaints register, which counts there (`Complaints.derived`).
        for r in try await sql.raw(
            bind(
                """
                SELECT unit_code, COUNT(*) AS n,
                       SUM(CASE WHEN violation_handled = \(trueLiteral(sql)) THEN 1 ELSE 0 END) AS handled
                FROM supervision_visits v WHERE visited_on >= ? AND visited_on <= ? AND violation_found = \(trueLiteral(sql))
                AND NOT EXISTS (SELECT 1 FROM supervision_reports r WHERE r.visit_id = v.id)
                GROUP BY unit_code
                """)
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
