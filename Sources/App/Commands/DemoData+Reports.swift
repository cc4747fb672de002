import Domain
import Fluent
import Foundation
import Vapor

/// Every unit's report for the eight complete quarters — the values the registers give
/// (`Derivation`, the certificate ledger), except a few that deliberately disagree — saved,
/// submitted (some late) and accepted with the audit trail `Reports` writes; one unit that never
/// reported; two reports returned and sent again; the published bulletin of each quarter,
/// compiled as `Bulletins.publish` compiles it; and one correction after publication, with the
/// bulletin's revision 2.
extension DemoData {
    /// One report's life through the service users go through — `Reports.save`, `submit`,
    /// `return`, `accept` — each at its simulated moment: the rows, the audit trail, lateness and
    /// every check are exactly what the pages and the API make.
    struct ReportLife {
        let period: Period
        let unit: String
        let store: Store

        static func json(_ v: ReportValues) throws -> JSONValue {
            try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(v))
        }

        @discardableResult
        func save(_ values: ReportValues, by actor: User, at: Date) async throws -> ReportModel {
            try await Reports.save(period, unit: unit, json: try Self.json(values), by: actor, on: store, now: at)
        }

        @discardableResult
        func submit(by actor: User, at: Date) async throws -> ReportModel {
            try await Reports.submit(period, unit: unit, by: actor, on: store, now: at)
        }

        @discardableResult
        func accept(by actor: User, at: Date) async throws -> ReportModel {
            try await Reports.accept(period, unit: unit, by: actor, on: store, now: at)
        }

        func `return`(comment: String, by actor: User, at: Date) async throws {
            _ = try await Reports.return(period, unit: unit, comment: comment, by: actor, on: store, now: at)
        }
    }

    /// What a unit would enter from the registers: `Derivation` for columns 1–24 (sessions,
    /// stations, fee standards, visits, complaints) and the certificate ledger for 25–28.
    static func fromRegisters(_ p: Period, units: [String], on db: any Database) async throws -> [String: ReportValues] {
        let registers = try await Derivation.all(p, on: db)
        var out: [String: ReportValues] = [:]
        for unit in units {
            let d = try await Derivation.one(unit: unit, period: p, registers: registers, on: db)
            let payment = try await Certificates.ledger(unit: unit, period: p, on: db)
            out[unit] = ReportValues(
                standards: d.standards, banks: d.banks, feeStandard: d.feeStandard, overcharge: d.overcharge,
                crossRegion: d.crossRegion, supervision: d.supervision, violations: d.violations,
                forgery: d.forgery, payment: payment)
        }
        return out
    }

    /// Values as the API would take them: written as JSON and read back by `ReportValues.parse`.
    static func checked(_ v: ReportValues) throws -> ReportValues {
        let json = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(v))
        switch ReportValues.parse(json) {
        case .success(let parsed) where parsed == v: return parsed
        case .success: throw Abort(.internalServerError, reason: "demo report values do not read back")
        case .failure(let f): throw Abort(.internalServerError, reason: "demo report refused: \(f.issues.map(\.message))")
        }
    }

    static func reportsAndBulletins(_ app: Application, _ plan: Plan, _ state: State) async throws {
        let db = app.db
        let units = plan.unitCodes
        var derived: [[String: ReportValues]] = []
        for p in plan.complete { derived.append(try await fromRegisters(p, units: units, on: db)) }

        // Who does what: one unit misses a quarter, three reports disagree with the registers,
        // two are returned and sent again, one is corrected after its bulletin was published.
        let show = units[0]
        func key(_ q: Int, _ u: String) -> String { "\(q)/\(u)" }
        var special: Set<String> = []
        var usedUnits: Set<String> = [show]
        func draw(quarters: [Int], where ok: (Int, String) -> Bool = { _, _ in true }) -> (Int, String)? {
            for q in quarters.shuffled(using: &state.rng) {
                for u in units.shuffled(using: &state.rng)
                where !usedUnits.contains(u) && !special.contains(key(q, u)) && ok(q, u) {
                    usedUnits.insert(u)
                    special.insert(key(q, u))
                    return (q, u)
                }
            }
            return nil
        }
        let missing = draw(quarters: [2])!
        let corrected = draw(quarters: [5])!
        var discrepancies: [(q: Int, unit: String, field: String)] = []
        let recent = Array(4..<8)
        let kinds: [(String, (ReportValues) -> Bool)] = [
            ("crossRegion", { $0.crossRegion }), ("banks.uncertifiedLocal", { $0.banks.uncertifiedLocal > 0 }),
            ("violations.uninvestigated", { $0.violations.uninvestigated > 0 }),
        ]
        for (field, applies) in kinds {
            if let (q, u) = draw(quarters: recent, where: { q, u in applies(derived[q][u]!) }) {
                discrepancies.append((q, u, field))
            } else if let (q, u) = draw(quarters: recent) {
                discrepancies.append((q, u, "standards.national"))
            }
        }
        let returned = [draw(quarters: Array(0..<8))!, draw(quarters: Array(0..<8))!]
        state.summary.missing = (plan.complete[missing.0], missing.1)
        state.summary.corrected = (plan.complete[corrected.0], corrected.1)
        state.summary.discrepancies = discrepancies.map { (plan.complete[$0.q], $0.unit, $0.field) }

        // Each quarter's timeline in days after its end (scaled down when the quarter ended
        // less than that long ago): on time by the deadline, late after it, accepted a few days
        // after submission, published once everything is accepted.
        let dd = Double(max(4, plan.deadlineDays))
        let nominal = dd + 30
        let people = Dictionary(uniqueKeysWithValues: try await User.query(on: db).all().map { ($0.username, $0) })
        func person(_ name: String) -> User {
            people[name] ?? User(username: name, passwordHash: "", role: name == plan.ministry ? .ministry : .unit, unitCode: nil)
        }
        let ministry = person(plan.ministry)
        var publishAt: [Date] = []
        var lateCount = 0
        var reportCount = 0
        for (q, p) in plan.complete.enumerated() {
            let available = plan.now.timeIntervalSince(p.end)
            let factor = available > (nominal + 1) * 86400 ? 1 : available * 0.95 / (nominal * 86400)
            func at(_ days: Double) -> Date { p.end.addingTimeInterval(days * 86400 * factor) }
            func hours(_ lo: Int, _ hi: Int) -> Double { Double(state.int(lo * 60...hi * 60)) / (24 * 60) }
            for unit in units where key(q, unit) != key(missing.0, missing.1) {
                let actor = person(plan.username(unit))
                var values = derived[q][unit]!
                if let d = discrepancies.first(where: { $0.q == q && $0.unit == unit }) {
                    switch d.field {
                    case "crossRegion": values.crossRegion = false
                    case "banks.uncertifiedLocal": values.banks.uncertifiedLocal = 0
                    case "violations.uninvestigated":
                        values.violations = .init(investigated: values.violations.total, uninvestigated: 0)
                    default: values.standards.national += 1
                    }
                }
                if q == corrected.0 && unit == corrected.1 { values.standards.national += 2 }
                let isReturned = returned.contains { $0.0 == q && $0.1 == unit }
                var first = values
                if isReturned { first.forgery.investigated += 1 }
                let life = ReportLife(period: p, unit: unit, store: app.store)
                let late = state.chance(Double(6 + 5 * (state.risk[unit] ?? 1))) || (lateCount == 0 && q == 4)
                let saved =
                    late ? dd + 0.5 + Double(state.int(0...9)) + hours(9, 17) : Double(state.int(1...Int(dd) - 3)) + hours(9, 17)
                let submitted = saved + (late ? hours(0, 20) : min(hours(0, 30), dd - 0.5 - saved))
                try await life.save(try checked(first), by: actor, at: at(saved))
                var report = try await life.submit(by: actor, at: at(submitted))
                var accepted = submitted + 1 + Double(state.int(0...4)) + hours(0, 8)
                if isReturned {
                    let back = submitted + 2
                    try await life.return(comment: "第22列已查处的自制或私制证书举报数与举报登记不符，请核实后重报", by: ministry, at: at(back))
                    let fixed = back + 1 + hours(0, 30)
                    try await life.save(try checked(values), by: actor, at: at(fixed))
                    report = try await life.submit(by: actor, at: at(fixed + 0.05))
                    accepted = fixed + 2
                }
                try await life.accept(by: ministry, at: at(accepted))
                if report.late { lateCount += 1 }
                reportCount += 1
            }
            publishAt.append(at(nominal - 3 + hours(9, 12)))
        }

        // The bulletins, oldest first, each compiled from the reports accepted before it.
        for (q, p) in plan.complete.enumerated() {
            let when = publishAt[q]
            // Numbered as the ministry numbers its bulletins: one series a year.
            let document = PublishInput.Checked(
                documentNumber: DocumentNumber("人社鉴通〔\(p.next.year)〕\(p.quarter == 4 ? 1 : p.quarter + 1)号"),
                issuedOn: Period.dayString(when))
            try await app.write { tx in
                _ = try await Bulletins.record(p, document, by: plan.ministry, at: when, config: app.config, on: tx)
            }
            // Most units rectify within the month and the ministry accepts; about one task in
            // five is left open, so that the next bulletin has some to list as overdue.
            let settle = when.addingTimeInterval(20 * 86400)
            guard q + 1 < plan.complete.count, settle < publishAt[q + 1], settle < plan.now else { continue }
            try await app.write { tx in
                for t in try await RectificationModel.query(on: tx).filter(\.$period == p.description).all()
                where (t.id?.uuid.0 ?? 0) % 5 != 0 {
                    t.status = .accepted
                    t.note = "已按通报要求完成整改，相关材料已归档。"
                    t.doneAt = settle
                    t.doneBy = plan.username(t.unitCode)
                    t.decidedAt = settle.addingTimeInterval(86400)
                    t.decidedBy = plan.ministry
                    try await t.save(on: tx)
                }
            }
        }
        var bulletinCount = plan.complete.count

        // A correction after publication: revision 2 of the report, accepted, and the bulletin's
        // revision 2 listing what changed.
        let (cq, cu) = corrected
        let cp = plan.complete[cq]
        let room = plan.now.timeIntervalSince(publishAt[cq])
        let step = min(86400, room / 40)
        let correction = ReportLife(period: cp, unit: cu, store: app.store)
        let t0 = publishAt[cq].addingTimeInterval(step * 20)
        try await correction.save(try checked(derived[cq][cu]!), by: person(plan.username(cu)), at: t0)
        try await correction.submit(by: person(plan.username(cu)), at: t0.addingTimeInterval(step / 8))
        try await correction.accept(by: ministry, at: t0.addingTimeInterval(step * 2))
        try await app.write { tx in
            _ = try await Bulletins.record(
                cp, PublishInput.Checked(), by: plan.ministry, at: t0.addingTimeInterval(step * 3), config: app.config, on: tx)
        }
        reportCount += 1
        bulletinCount += 1

        // The current quarter, under way: Beijing's draft, and one report awaiting review.
        if plan.now.timeIntervalSince(plan.current.start) > 4 * 3600 {
            let p = plan.current
            let live = try await fromRegisters(p, units: [show, units[2]], on: db)
            let since = plan.now.timeIntervalSince(p.start)
            try await ReportLife(period: p, unit: show, store: app.store)
                .save(try checked(live[show]!), by: person(plan.username(show)), at: p.start.addingTimeInterval(since * 0.8))
            let waiting = ReportLife(period: p, unit: units[2], store: app.store)
            try await waiting.save(
                try checked(live[units[2]]!), by: person(plan.username(units[2])), at: p.start.addingTimeInterval(since * 0.7))
            try await waiting.submit(by: person(plan.username(units[2])), at: p.start.addingTimeInterval(since * 0.75))
            reportCount += 2
        }
        state.summary.reports = reportCount
        state.summary.bulletins = bulletinCount
    }
}
