import Domain
import Fluent
import Foundation
import SQLKit
import Vapor

/// How a unit issued certificates in a quarter, as the ministry checks it: certificates issued,
/// how many against a recorded pass, issuances refused for want of one, and the quarter's
/// sessions holding more certificates than passes (only possible for records from before the
/// pass rule or changed outside Zhijian: each is a finding to look into).
struct IssuanceFigures: Content, Sendable {
    struct OverCertified: Content, Sendable {
        let sessionId: UUID
        let stationCode: String
        let occupation: String
        let level: String
        let date: String
        let passes: Int
        let certificates: Int
    }

    var certificates = 0
    var againstPasses = 0
    var refused = 0
    var sessionsOverCertified: [OverCertified] = []

    /// Every unit's figures for a quarter (`unit` narrows to one), with a few grouped queries.
    static func all(_ p: Period, unit: String? = nil, on db: any Database) async throws -> [String: IssuanceFigures] {
        guard let sql = db as? any SQLDatabase else { return [:] }
        let from = Period.dayString(p.start)
        let to = p.lastDay
        var out: [String: IssuanceFigures] = [:]
        struct Counts: Decodable {
            let unit_code: String
            let n: Int
            let passes: Int?
        }
        func unitFilter(_ column: String) -> SQLQueryString {
            unit.map { "AND \(unsafeRaw: column) = \(bind: $0)" } ?? ""
        }
        for r in try await sql.raw(
            """
            SELECT unit_code, COUNT(*) AS n, SUM(CASE WHEN result_id IS NOT NULL THEN 1 ELSE 0 END) AS passes
            FROM certificates WHERE status <> 'voided' AND issued_on >= \(bind: from) AND issued_on <= \(bind: to)
            \(unitFilter("unit_code")) GROUP BY unit_code
            """
        ).all(decoding: Counts.self) {
            out[r.unit_code, default: .init()].certificates = r.n
            out[r.unit_code, default: .init()].againstPasses = r.passes ?? 0
        }
        for r in try await sql.raw(
            """
            SELECT unit_code, COUNT(*) AS n, 0 AS passes FROM issuance_refusals
            WHERE at >= \(bind: p.start) AND at < \(bind: p.end) \(unitFilter("unit_code")) GROUP BY unit_code
            """
        ).all(decoding: Counts.self) {
            out[r.unit_code, default: .init()].refused = r.n
        }
        struct Over: Decodable {
            let id: UUID
            let unit_code: String
            let station_code: String
            let occupation_code: String
            let level: String
            let date: String
            let passes: Int
            let n: Int
        }
        for r in try await sql.raw(
            """
            SELECT s.id, s.unit_code, s.station_code, s.occupation_code, s.level, s.date,
                   CASE WHEN s.results > 0 THEN s.passes ELSE s.passed END AS passes, COUNT(*) AS n
            FROM exam_sessions s JOIN certificates c ON c.session_id = s.id AND c.status <> 'voided'
            WHERE s.date >= \(bind: from) AND s.date <= \(bind: to) \(unitFilter("s.unit_code"))
            GROUP BY s.id, s.unit_code, s.station_code, s.occupation_code, s.level, s.date, s.results, s.passes, s.passed
            HAVING COUNT(*) > CASE WHEN s.results > 0 THEN s.passes ELSE s.passed END
            ORDER BY s.date, s.station_code
            """
        ).all(decoding: Over.self) {
            out[r.unit_code, default: .init()].sessionsOverCertified.append(
                .init(
                    sessionId: r.id, stationCode: r.station_code, occupation: r.occupation_code, level: r.level, date: r.date,
                    passes: r.passes, certificates: r.n))
        }
        return out
    }
}
