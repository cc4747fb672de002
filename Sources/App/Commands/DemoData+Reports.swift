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
    /// One revision's life replayed: the rows and audit-trail entries that `Reports.save`,
    /// `submit`, `accept` and `return` write for the same steps.
    final class ReportLife {
        let model: ReportModel
        private(set) var events: [ReportEvent] = []
        /// The accepted values a correction replaces.
        private let replaces: ReportValues?
        private let deadline: Date

        init(id: UUID, period: Period, unit: String, values: ReportValues, deadline: Date, correcting: ReportModel? = nil) {
            model = ReportModel(period: period, unitCode: unit, revision: (correcting?.revision ?? 0) + 1, values: values)
            model.id = id
            // Lateness is the original's: a correction does not make a report late.
            model.late = correcting?.late ?? false
            replaces = correcting?.values
            self.deadline = deadline
        }

        private func append(_ entries: [Reports.TrailEntry], actor: String, at: Date) throws {
            let first = events.count
            for (n, e) in entries.enumerated() {
                events.append(
                    try ReportEvent(
                        report: model, action: e.action, field: e.field, old: e.old, new: e.new, comment: e.comment,
                        actor: actor, at: at, seq: first + n))
            }
        }

        /// `Reports.save`: creates the revision (or the correction), or edits a draft or returned one.
        func save(_ values: ReportValues, actor: String, at: Date) throws {
            var entries: [Reports.TrailEntry] = []
            let oldValues: ReportValues?
            var action = "update"
            if events.isEmpty {
                oldValues = replaces
                action = replaces == nil ? "create" : "correct"
            } else {
                guard model.status == .draft || model.status == .returned else {
                    throw Abort(.conflict, reason: "demo: save of a \(model.status)")
                }
                if model.values == values && model.status == .draft { return }
                oldValues = model.values
                if model.status == .returned {
                    entries.append(.init(action: "status", field: "status", old: model.status.rawValue, new: "draft"))
                    model.status = .draft
                }
            }
            model.values = values
            let old = Dictionary(uniqueKeysWithValues: oldValues?.fields.map { ($0.key, $0.value) } ?? [])
            entries.append(.init(action: action))
            for (key, value) in values.fields where old[key] != value {
                entries.append(.init(action: "value", field: key, old: old[key], new: value))
            }
            try append(entries, actor: actor, at: at)
        }

        private func move(
            from: Set<ReportModel.Status>, to: ReportModel.Status, actor: String, at: Date, comment: String? = nil
        ) throws {
            guard from.contains(model.status) else { throw Abort(.conflict, reason: "demo: \(model.status) cannot become \(to)") }
            let old = model.status
            model.status = to
            try append(
                [.init(action: "status", field: "status", old: old.rawValue, new: to.rawValue, comment: comment)], actor: actor,
                at: at)
        }

        func submit(actor: String, at: Date) throws {
            model.submittedAt = at
            if model.revision == 1 { model.late = at > deadline }
            try move(from: [.draft, .returned], to: .submitted, actor: actor, at: at)
        }

        func accept(actor: String, at: Date) throws {
            model.acceptedAt = at
            model.comment = nil
            try move(from: [.submitted], to: .accepted, actor: actor, at: at)
        }

        func `return`(comment: String, actor: String, at: Date) throws {
            model.comment = comment
            try move(from: [.submitted], to: .returned, actor: actor, at: at, comment: comment)
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
        var lives: [ReportLife] = []
        var publishAt: [Date] = []
        var lateCount = 0
        for (q, p) in plan.complete.enumerated() {
            let available = plan.now.timeIntervalSince(p.end)
            let factor = available > (nominal + 1) * 86400 ? 1 : available * 0.95 / (nominal * 86400)
            func at(_ days: Double) -> Date { p.end.addingTimeInterval(days * 86400 * factor) }
            func hours(_ lo: Int, _ hi: Int) -> Double { Double(state.int(lo * 60...hi * 60)) / (24 * 60) }
            let deadline = p.deadline(days: plan.deadlineDays)
            for unit in units where key(q, unit) != key(missing.0, missing.1) {
                let actor = plan.username(unit)
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
                let life = ReportLife(id: state.uuid(), period: p, unit: unit, values: try checked(first), deadline: deadline)
                let late = state.chance(Double(6 + 5 * (state.risk[unit] ?? 1))) || (lateCount == 0 && q == 4)
                let saved =
                    late ? dd + 0.5 + Double(state.int(0...9)) + hours(9, 17) : Double(state.int(1...Int(dd) - 3)) + hours(9, 17)
                let submitted = saved + (late ? hours(0, 20) : min(hours(0, 30), dd - 0.5 - saved))
                try life.save(first, actor: actor, at: at(saved))
                try life.submit(actor: actor, at: at(submitted))
                var accepted = submitted + 1 + Double(state.int(0...4)) + hours(0, 8)
                if isReturned {
                    let back = submitted + 2
                    try life.return(comment: "第22列已查处的自制或私制证书举报数与举报登记不符，请核实后重报", actor: plan.ministry, at: at(back))
                    let fixed = back + 1 + hours(0, 30)
                    try life.save(try checked(values), actor: actor, at: at(fixed))
                    try life.submit(actor: actor, at: at(fixed + 0.05))
                    accepted = fixed + 2
                }
                try life.accept(actor: plan.ministry, at: at(accepted))
                if life.model.late { lateCount += 1 }
                lives.append(life)
            }
            publishAt.append(at(nominal - 3 + hours(9, 12)))
        }
        // Cumulative amounts never fall within a year (they come from the ledger; checked anyway).
        let byKey = Dictionary(
            lives.map { ("\($0.model.period)/\($0.model.unitCode)", $0.model.values.payment) }, uniquingKeysWith: { a, _ in a })
        for life in lives {
            let p = Period(life.model.period)!
            let prev = p.quarter > 1 ? byKey["\(p.previous)/\(life.model.unitCode)"] : nil
            let next = p.quarter < 4 ? byKey["\(p.next)/\(life.model.unitCode)"] : nil
            let issues = life.model.values.cumulativeIssues(period: p, previous: prev, next: next)
            if !issues.isEmpty {
                throw Abort(.internalServerError, reason: "demo report \(p) \(life.model.unitCode): \(issues.map(\.message))")
            }
        }
        let rows = lives.map(\.model)
        let trail = lives.flatMap(\.events)
        try await app.write { tx in
            try await rows.create(on: tx)
            for chunk in stride(from: 0, to: trail.count, by: 500).map({ Array(trail[$0..<min($0 + 500, trail.count)]) }) {
                try await chunk.create(on: tx)
            }
        }
        var reportCount = rows.count

        // The bulletins, oldest first, each compiled from the reports accepted before it.
        for (q, p) in plan.complete.enumerated() {
            let when = publishAt[q]
            try await app.write { tx in _ = try await Bulletins.record(p, by: plan.ministry, at: when, config: app.config, on: tx)
            }
        }
        var bulletinCount = plan.complete.count

        // A correction after publication: revision 2 of the report, accepted, and the bulletin's
        // revision 2 listing what changed.
        let (cq, cu) = corrected
        let cp = plan.complete[cq]
        guard let original = lives.first(where: { $0.model.period == cp.description && $0.model.unitCode == cu })?.model else {
            return
        }
        let room = plan.now.timeIntervalSince(publishAt[cq])
        let step = min(86400, room / 40)
        let correction = ReportLife(
            id: state.uuid(), period: cp, unit: cu, values: try checked(derived[cq][cu]!),
            deadline: cp.deadline(days: plan.deadlineDays), correcting: original)
        let t0 = publishAt[cq].addingTimeInterval(step * 20)
        try correction.save(derived[cq][cu]!, actor: plan.username(cu), at: t0)
        try correction.submit(actor: plan.username(cu), at: t0.addingTimeInterval(step / 8))
        try correction.accept(actor: plan.ministry, at: t0.addingTimeInterval(step * 2))
        let revised = correction.model
        let revisedTrail = correction.events
        try await app.write { tx in
            try await revised.create(on: tx)
            try await revisedTrail.create(on: tx)
        }
        try await app.write { tx in
            _ = try await Bulletins.record(cp, by: plan.ministry, at: t0.addingTimeInterval(step * 3), config: app.config, on: tx)
        }
        reportCount += 1
        bulletinCount += 1

        // The current quarter, under way: Beijing's draft, and one report awaiting review.
        if plan.now.timeIntervalSince(plan.current.start) > 4 * 3600 {
            let p = plan.current
            let live = try await fromRegisters(p, units: [show, units[2]], on: db)
            let since = plan.now.timeIntervalSince(p.start)
            let draft = ReportLife(
                id: state.uuid(), period: p, unit: show, values: try checked(live[show]!),
                deadline: p.deadline(days: plan.deadlineDays))
            try draft.save(live[show]!, actor: plan.username(show), at: p.start.addingTimeInterval(since * 0.8))
            let waiting = ReportLife(
                id: state.uuid(), period: p, unit: units[2], values: try checked(live[units[2]]!),
                deadline: p.deadline(days: plan.deadlineDays))
            try waiting.save(live[units[2]]!, actor: plan.username(units[2]), at: p.start.addingTimeInterval(since * 0.7))
            try waiting.submit(actor: plan.username(units[2]), at: p.start.addingTimeInterval(since * 0.75))
            let rows = [draft.model, waiting.model]
            let trail = draft.events + waiting.events
            try await app.write { tx in
                try await rows.create(on: tx)
                try await trail.create(on: tx)
            }
            reportCount += 2
        }
        state.summary.reports = reportCount
        state.summary.bulletins = bulletinCount
    }
}
