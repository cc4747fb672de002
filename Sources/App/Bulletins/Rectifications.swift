import Crypto
import Domain
import Fluent
import Foundation
import Vapor

/// A finding of a published bulletin, as a task for its unit (整改).
final class RectificationModel: Model, @unchecked Sendable {
    static let schema = "rectifications"

    /// `open` → `done` (the unit, with a note) → `accepted` or `reopened` (the ministry);
    /// `reopened` → `done` again. A correction that drops the finding makes it `withdrawn`.
    enum Status: String, Codable, Sendable, CaseIterable {
        case open, done, accepted, reopened, withdrawn
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "period") var period: String
    @Field(key: "unit_code") var unitCode: String
    @Field(key: "code") var code: String
    @Field(key: "message") var message: String
    @Field(key: "message_zh") var messageZh: String
    /// The finding's indicator columns, `3,6`.
    @Field(key: "columns") var columns: String
    @Field(key: "due_on") var dueOn: String
    @Field(key: "status") var status: Status
    /// The revision of the bulletin that made (or last restored) it.
    @Field(key: "revision") var revision: Int
    @OptionalField(key: "note") var note: String?
    @OptionalField(key: "done_at") var doneAt: Date?
    @OptionalField(key: "done_by") var doneBy: String?
    @OptionalField(key: "decision_note") var decisionNote: String?
    @OptionalField(key: "decided_at") var decidedAt: Date?
    @OptionalField(key: "decided_by") var decidedBy: String?
    @Field(key: "created_at") var createdAt: Date

    init() {}

    /// Still owed by the unit: open, or reopened by the ministry.
    var isOwed: Bool { status == .open || status == .reopened }

    /// Owed after its due day (a Beijing day, inclusive).
    func overdue(today: String) -> Bool { isOwed && dueOn < today }
}

enum Rectifications {
    struct DTO: Content {
        let id: UUID
        let period: String
        let unitCode: String
        let code: String
        let message: String
        let messageZh: String
        let columns: [Int]
        let dueOn: String
        let status: String
        let overdue: Bool
        let note: String?
        let doneAt: Date?
        let doneBy: String?
        let decisionNote: String?
        let decidedAt: Date?
        let decidedBy: String?
        let createdAt: Date

        init(_ m: RectificationModel, today: String) {
            id = m.id ?? UUID()
            period = m.period
            unitCode = m.unitCode
            code = m.code
            message = m.message
            messageZh = m.messageZh
            columns = m.columns.split(separator: ",").compactMap { Int($0) }
            dueOn = m.dueOn
            status = m.status.rawValue
            overdue = m.overdue(today: today)
            note = m.note
            doneAt = m.doneAt
            doneBy = m.doneBy
            decisionNote = m.decisionNote
            decidedAt = m.decidedAt
            decidedBy = m.decidedBy
            createdAt = m.createdAt
        }
    }

    /// The day tasks of `p`'s bulletin are due: the next quarter's report deadline, or the first
    /// report deadline still ahead when the bulletin is published late.
    static func dueOn(_ p: Period, deadlineDays: Int, publishedAt now: Date) -> String {
        let today = Period.dayString(now)
        var next = p.next
        while next.deadlineDay(days: deadlineDays) < today, next.year < 2999 { next = next.next }
        return next.deadlineDay(days: deadlineDays)
    }

    /// Inside the publication's transaction: a task for each finding not yet tasked; a finding a
    /// correction dropped withdraws its task (unless accepted), and one restored reopens it.
    static func record(_ b: Bulletin, dueOn: String, at now: Date, on db: any Database) async throws {
        // The period's tasks are locked first: a task accepted meanwhile is never withdrawn over.
        try await db.lockForWrite("rectifications", "period", b.period)
        let existing = try await RectificationModel.query(on: db).filter(\.$period == b.period).all()
        var byKey = Dictionary(existing.map { ("\($0.unitCode)/\($0.code)", $0) }, uniquingKeysWith: { a, _ in a })
        for row in b.rows {
            for f in row.findings {
                let key = "\(row.unitCode)/\(f.code)"
                let columns = f.columns.map(String.init).joined(separator: ",")
                if let t = byKey.removeValue(forKey: key) {
                    // The corrected wording of a finding still owed (an accepted task keeps what was accepted).
                    if t.status != .accepted {
                        t.message = f.message
                        t.messageZh = f.messageZh
                        t.columns = columns
                    }
                    // Restored by this correction: owed again, from today's due day.
                    if t.status == .withdrawn {
                        t.status = .open
                        t.revision = b.revision
                        t.dueOn = dueOn
                    }
                    if t.hasChanges { try await t.save(on: db) }
                    continue
                }
                let t = RectificationModel()
                t.id = taskID(period: b.period, unit: row.unitCode, code: f.code)
                t.period = b.period
                t.unitCode = row.unitCode
                t.code = f.code
                t.message = f.message
                t.messageZh = f.messageZh
                t.columns = columns
                t.dueOn = dueOn
                t.status = .open
                t.revision = b.revision
                t.createdAt = now
                try await t.create(on: db)
            }
        }
        for t in byKey.values where t.status != .accepted && t.status != .withdrawn {
            t.status = .withdrawn
            t.revision = b.revision
            try await t.save(on: db)
        }
    }

    /// A task's id, named by what makes it unique (its period, unit and finding): a bulletin
    /// listing it reads the same whenever it is compiled, and the demo data is reproducible.
    static func taskID(period: String, unit: String, code: String) -> UUID {
        var b = Array(SHA256.hash(data: Data("rectification/\(period)/\(unit)/\(code)".utf8)).prefix(16))
        b[6] = (b[6] & 0x0F) | 0x80  // version 8: custom (RFC 9562)
        b[8] = (b[8] & 0x3F) | 0x80
        return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }

    /// What a bulletin of `p` lists against each unit: tasks of earlier periods reopened, or
    /// open past their due day, as of `now`.
    static func outstanding(before p: Period, now: Date, on db: any Database) async throws -> [String: [OutstandingTask]] {
        let today = Period.dayString(now)
        let owed = try await RectificationModel.query(on: db)
            .filter(\.$period < p.description)
            .group(.or) { g in
                g.filter(\.$status == .reopened)
                g.group(.and) { $0.filter(\.$status == .open).filter(\.$dueOn < today) }
            }
            .sort(\.$period).sort(\.$code).all()
        var result: [String: [OutstandingTask]] = [:]
        for t in owed {
            result[t.unitCode, default: []].append(
                OutstandingTask(
                    id: t.id?.uuidString ?? "", period: t.period, code: t.code, message: t.message, messageZh: t.messageZh,
                    dueOn: t.dueOn, status: t.status.rawValue, overdue: t.overdue(today: today)))
        }
        return result
    }

    struct Filter {
        var period: Period?
        var unitCode: String?
        var status: RectificationModel.Status?
    }

    static func filter(_ req: Request) throws -> Filter {
        var f = Filter()
        f.period = try req.query[String.self, at: "period"].map { try Reports.period($0) }
        f.unitCode = req.query[String.self, at: "unitCode"].flatMap { $0.isEmpty ? nil : $0 }
        if let s = req.query[String.self, at: "status"], !s.isEmpty {
            guard let status = RectificationModel.Status(rawValue: s) else {
                throw AppError.malformed(
                    "status is one of open, done, accepted, reopened, withdrawn",
                    "status 须为 open、done、accepted、reopened 或 withdrawn", code: "invalid_status")
            }
            f.status = status
        }
        return f
    }

    /// A unit sees its own tasks only, whatever `unitCode` it asks for; the ministry sees any.
    static func list(_ f: Filter, for user: User, paging: Paging, on db: any Database) async throws -> [RectificationModel] {
        var q = RectificationModel.query(on: db)
        switch user.role {
        case .ministry:
            if let u = f.unitCode { q = q.filter(\.$unitCode == u) }
        case .unit:
            guard let own = user.unitCode else { return [] }
            if let u = f.unitCode, u != own { throw AppError.otherUnit }
            q = q.filter(\.$unitCode == own)
        case .supervisor:
            throw AppError.forbidden
        }
        if let p = f.period { q = q.filter(\.$period == p.description) }
        if let s = f.status { q = q.filter(\.$status == s) }
        return try await q.sort(\.$period, .descending).sort(\.$unitCode).sort(\.$code)
            .range(paging.range).all()
    }

    static let notFound = AppError.notFound("No such rectification task", "没有该整改任务")

    /// The `note` of an action: what was done (required), why it is sent back (required), or an
    /// acceptance's optional remark; 2–2,000 characters.
    static func checkedNote(_ raw: String?, for action: Action) throws -> String? {
        let s = (raw ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if s.isEmpty && action == .accept { return nil }
        guard (2...2000).contains(s.count) else {
            throw action == .reopen
                ? AppError.invalid(
                    field: "note", code: "required", "Say in 2 to 2,000 characters why the task is sent back",
                    "请用2至2000字说明退回重改的理由")
                : AppError.invalid(
                    field: "note", code: "required", "Write in 2 to 2,000 characters what was done", "请用2至2000字说明整改情况")
        }
        return s
    }

    typealias Action = SiteURL.RectificationAction

    /// One transition, checked against the task's current state under its row lock: a unit marks
    /// its own open or reopened task done; the ministry accepts or reopens a done one (or
    /// reopens an accepted one found wanting later).
    static func act(
        _ action: Action, _ id: UUID?, note raw: String?, by user: User, on store: Store, now: Date
    )
        async throws -> RectificationModel
    {
        guard let id else { throw notFound }
        try authorise(action, user)
        let note = try checkedNote(raw, for: action)
        return try await store.write { db in
            try await db.lockForWrite("rectifications", "id", id)
            guard let t = try await RectificationModel.find(id, on: db) else { throw notFound }
            // Another unit's task answers as a missing one: ids are named by period, unit and finding.
            if user.role == .unit && t.unitCode != user.unitCode { throw notFound }
            let allowed: Set<RectificationModel.Status> =
                switch action {
                case .done: [.open, .reopened]
                case .accept: [.done]
                case .reopen: [.done, .accepted]
                }
            guard allowed.contains(t.status) else {
                throw AppError.conflict(
                    "wrong_state", "The task is \(t.status.rawValue); it cannot be \(action.rawValue) now",
                    "该整改任务当前为“\(L10n.Strings(lang: "zh")[dynamic: "rect_" + t.status.rawValue, fallback: t.status.rawValue])”，不能执行此操作"
                )
            }
            switch action {
            case .done:
                t.status = .done
                t.note = note
                t.doneAt = now
                t.doneBy = user.username
            case .accept, .reopen:
                t.status = action == .accept ? .accepted : .reopened
                t.decisionNote = note
                t.decidedAt = now
                t.decidedBy = user.username
            }
            try await t.save(on: db)
            try await Registers.audit(
                "rectification", id.uuidString, action.rawValue, note ?? "", user, now, on: db)
            return t
        }
    }

    /// The unit itself reports its rectification; the ministry judges it.
    static func authorise(_ action: Action, _ user: User) throws {
        switch action {
        case .done: guard user.role == .unit else { throw AppError.forbidden }
        case .accept, .reopen: _ = try user.requireMinistry()
        }
    }
}

enum RectificationsController {
    @Sendable static func list(_ req: Request) async throws -> [Rectifications.DTO] {
        let user = try req.requireUser()
        let today = Period.dayString(req.now)
        return try await Rectifications.list(
            try Rectifications.filter(req), for: user, paging: try Paging(req, defaultPer: 200, maxPer: 1000), on: req.db
        ).map { .init($0, today: today) }
    }

    struct Note: Content { let note: String? }

    static func act(_ action: Rectifications.Action) -> @Sendable (Request) async throws -> Rectifications.DTO {
        { req in
            let user = try req.requireUser()
            let id = req.parameters.get("id", as: UUID.self)
            // Authorised by role before the body is read; the task's unit is checked under its lock.
            try Rectifications.authorise(action, user)
            let note = req.body.data == nil && action == .accept ? nil : try req.content.decode(Note.self).note
            let t = try await Rectifications.act(action, id, note: note, by: user, on: req.store, now: req.now)
            return .init(t, today: Period.dayString(req.now))
        }
    }
}
