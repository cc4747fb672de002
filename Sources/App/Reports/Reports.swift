import Domain
import Fluent
import Foundation
import Vapor

/// The report workflow, shared by the API and the web pages.
enum Reports {
    static func period(_ text: String?) throws -> Period {
        guard let text, let p = Period(text) else {
            throw AppError.malformed(
                "The period must be written YYYYQn, for example 2003Q3",
                "报告期格式应为 YYYYQn，例如 2003Q3", code: "malformed_period")
        }
        return p
    }

    static func requireNotFuture(_ p: Period, now: Date) throws {
        if p.isFuture(now: now) {
            throw AppError.invalid(
                field: "period", code: "future_period",
                "\(p) has not begun; future quarters take no reports",
                "\(p)尚未开始，不能填报未来季度的报表")
        }
    }

    static func unit(_ code: String, on db: any Database) async throws -> UnitModel {
        guard let u = try await UnitModel.find(code, on: db) else {
            throw AppError.notFound("No unit with code \(code)", "没有代码为\(code)的单位")
        }
        return u
    }

    /// Locks a unit's row for the rest of the write transaction (PostgreSQL; SQLite's writer is
    /// alone) and checks that it exists and, where asked, that it is active.
    @discardableResult
    static func lockUnit(_ code: String, active: Bool, on db: any Database) async throws -> UnitModel {
        try await db.lockForWrite("units", "code", code)
        let u = try await unit(code, on: db)
        if active && !u.active { throw AppError.unitInactive(u) }
        return u
    }

    static func latest(_ p: Period, _ unit: String, on db: any Database) async throws -> ReportModel? {
        try await ReportModel.query(on: db).filter(\.$period == p.description).filter(\.$unit.$id == unit)
            .sort(\.$revision, .descending).first()
    }

    static func require(_ p: Period, _ unit: String, on db: any Database) async throws -> ReportModel {
        guard let r = try await latest(p, unit, on: db) else {
            throw AppError.notFound("\(unit) has no report for \(p)", "\(unit)没有\(p)的报表")
        }
        return r
    }

    /// Turns entered text (the page's form, an uploaded spreadsheet) into the JSON the API takes, so
    /// all three share one validation. Flags are `"true"`, `"false"` or absent.
    static func json(fromForm form: [String: String]) -> JSONValue {
        var root: [String: JSONValue] = [:]
        for f in ReportValues.fieldColumns {
            let raw = (form[f.key] ?? "").trimmingCharacters(in: .whitespaces)
            let value: JSONValue
            switch f.kind {
            case .count:
                value = raw.isEmpty ? .null : (Int(raw).map { .number(Decimal($0)) } ?? .string(raw))
            case .flag:
                value = raw == "true" ? .bool(true) : raw == "false" ? .bool(false) : .null
            case .money:
                value = raw.isEmpty ? .null : .string(raw)
            }
            let parts = f.key.split(separator: ".").map(String.init)
            if parts.count == 1 {
                root[parts[0]] = value
            } else {
                var group: [String: JSONValue] = [:]
                if case .object(let g)? = root[parts[0]] { group = g }
                group[parts[1]] = value
                root[parts[0]] = .object(group)
            }
        }
        return .object(root)
    }

    static func deadline(_ p: Period, _ config: AppConfig) -> Date { p.deadline(days: config.deadlineDays) }

    /// Saves values: creates revision 1, edits a draft or returned report, or opens a correction
    /// (a new revision) of an accepted one. A submitted report awaits review and cannot change.
    static func save(
        _ p: Period, unit: String, json: JSONValue, by actor: User, on store: Store, now: Date
    ) async throws -> ReportModel {
        try requireNotFuture(p, now: now)
        let values: ReportValues
        switch ReportValues.parse(json) {
        case .success(let v): values = v
        case .failure(let f): throw AppError.invalid(f.issues)
        }
        return try await store.write { db in
            try await lockUnit(unit, active: true, on: db)
            let latest = try await latest(p, unit, on: db)
            let prev = p.quarter > 1 ? try await Self.latest(p.previous, unit, on: db)?.values.payment : nil
            let next = p.quarter < 4 ? try await Self.latest(p.next, unit, on: db)?.values.payment : nil
            let cumulative = values.cumulativeIssues(period: p, previous: prev, next: next)
            if !cumulative.isEmpty { throw AppError.invalid(cumulative) }

            let report: ReportModel
            let oldValues: ReportValues?
            var action = "update"
            var entries: [TrailEntry] = []
            switch latest {
            case nil:
                report = ReportModel(period: p, unitCode: unit, revision: 1, values: values)
                oldValues = nil
                action = "create"
                try await report.create(on: db)
            case let r? where r.status == .draft || r.status == .returned:
                if r.values == values && r.status == .draft { return r }
                oldValues = r.values
                r.values = values
                if r.status == .returned {
                    entries.append(TrailEntry(action: "status", field: "status", old: r.status.rawValue, new: "draft"))
                    r.status = .draft
                }
                try await r.save(on: db)
                report = r
            case let r? where r.status == .submitted:
                throw AppError.conflict(
                    "wrong_state", "The report is submitted and awaits the ministry's review; it cannot be changed now",
                    "报表已报送，正在等待部审核，暂不能修改")
            case let r?:
                if r.values == values { return r }
                report = ReportModel(period: p, unitCode: unit, revision: r.revision + 1, values: values)
                report.late = r.late
                oldValues = r.values
                action = "correct"
                try await report.create(on: db)
            }
            // The save and its changed values go to the trail in one statement.
            let old = Dictionary(uniqueKeysWithValues: oldValues?.fields.map { ($0.key, $0.value) } ?? [])
            entries.append(TrailEntry(action: action))
            for (key, value) in values.fields where old[key] != value {
                entries.append(TrailEntry(action: "value", field: key, old: old[key], new: value))
            }
            try await events(report, entries, actor: actor, at: now, on: db)
            return report
        }
    }

    static func submit(_ p: Period, unit: String, by actor: User, on store: Store, now: Date) async throws -> ReportModel {
        try requireNotFuture(p, now: now)
        return try await transition(
            p, unit: unit, from: [.draft, .returned], to: .submitted, actor: actor,
            unitMustBeActive: true, on: store, now: now
        ) { r in
            r.submittedAt = now
            // Lateness is the original's: a correction does not make a report late.
            if r.revision == 1 { r.late = now > deadline(p, store.config) }
        }
    }

    static func accept(_ p: Period, unit: String, by actor: User, on store: Store, now: Date) async throws -> ReportModel {
        try await transition(p, unit: unit, from: [.submitted], to: .accepted, actor: actor, on: store, now: now) { r in
            r.acceptedAt = now
            r.comment = nil
        }
    }

    static func `return`(
        _ p: Period, unit: String, comment: String?, by actor: User, on store: Store, now: Date
    ) async throws -> ReportModel {
        let comment = comment?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !comment.isEmpty, comment.count <= 2000 else {
            throw AppError.invalid(
                field: "comment", code: comment.isEmpty ? "required" : "too_long",
                "Say why the report is returned (1–2000 characters)", "请填写退回原因（1至2000字）")
        }
        return try await transition(
            p, unit: unit, from: [.submitted], to: .returned, actor: actor, comment: comment, on: store, now: now
        ) { r in
            r.comment = comment
        }
    }

    private static func transition(
        _ p: Period, unit: String, from: Set<ReportModel.Status>, to: ReportModel.Status,
        actor: User, comment: String? = nil, unitMustBeActive: Bool = false, on store: Store,
        now: Date, apply: @Sendable @escaping (ReportModel) -> Void
    ) async throws -> ReportModel {
        return try await store.write { db in
            // The unit's row lock orders every change of its reports: a save racing a submit, or
            // an accept racing a return, sees the other's result and answers 409.
            try await lockUnit(unit, active: unitMustBeActive, on: db)
            let r = try await require(p, unit, on: db)
            guard from.contains(r.status) else {
                throw AppError.conflict(
                    "wrong_state", "The report is \(r.status.rawValue); it cannot become \(to.rawValue)",
                    "报表当前状态为“\(statusZh(r.status))”，不能变为“\(statusZh(to))”")
            }
            let old = r.status
            apply(r)
            r.status = to
            try await r.save(on: db)
            try await events(
                r, [TrailEntry(action: "status", field: "status", old: old.rawValue, new: to.rawValue, comment: comment)],
                actor: actor, at: now, on: db)
            return r
        }
    }

    /// One entry of a report's audit trail.
    struct TrailEntry {
        var action: String
        var field: String? = nil
        var old: String? = nil
        var new: String? = nil
        var comment: String? = nil
    }

    /// Appends entries to a report's audit trail in one insert; `seq` orders entries written in
    /// the same instant.
    static func events(_ r: ReportModel, _ entries: [TrailEntry], actor: User, at: Date, on db: any Database) async throws {
        let id = try r.requireID()
        let last = try await ReportEvent.query(on: db).filter(\.$report.$id == id).max(\.$seq) ?? -1
        try await entries.enumerated().map { n, e in
            try ReportEvent(
                report: r, action: e.action, field: e.field, old: e.old, new: e.new, comment: e.comment,
                actor: actor.username, at: at, seq: last + 1 + n)
        }.create(on: db)
    }

    static func history(_ p: Period, unit: String, on db: any Database) async throws -> [ReportEvent] {
        try await ReportEvent.query(on: db).filter(\.$period == p.description).filter(\.$unitCode == unit)
            .sort(\.$revision).sort(\.$seq).all()
    }

    static func statusZh(_ s: ReportModel.Status) -> String {
        switch s {
        case .draft: "草稿"
        case .submitted: "已报送"
        case .accepted: "已通过"
        case .returned: "已退回"
        }
    }

    /// The latest accepted revision of each unit's report for a period.
    static func accepted(_ p: Period, on db: any Database) async throws -> [String: ReportModel] {
        let all = try await ReportModel.query(on: db).filter(\.$period == p.description)
            .filter(\.$status == .accepted).all()
        var best: [String: ReportModel] = [:]
        for r in all where (best[r.unitCode]?.revision ?? 0) < r.revision { best[r.unitCode] = r }
        // A later accepted revision supersedes; an accepted earlier one stays until a correction is accepted.
        return best
    }
}
