import Domain
import Fluent
import Vapor

/// Reading the complaints register: the cases a user handles, one case in full, statistics and
/// hotlines, for the API and the pages alike.
extension Complaints {
    /// What the filer sees with the receipt: the status and the public replies, nothing else.
    static func publicStatus(_ receipt: String, on db: any Database, now: Date) async throws -> ComplaintsController.PublicStatus
    {
        let c = try await byReceipt(receipt, on: db)
        let id = try c.requireID()
        let updates = try await ComplaintUpdate.query(on: db).filter(\.$complaint.$id == id).sort(\.$at).all()
        let messages = try await thread(of: id, on: db)
        let evidence = try await ComplaintAttachment.query(on: db).filter(\.$complaint.$id == id).filter(\.$fromFiler == true)
            .sort(\.$at).field(\.$id).field(\.$name).all().map(\.name)
        let files = evidence.count
        return ComplaintsController.PublicStatus(
            status: c.status.rawValue, statusZh: c.status.nameZh, category: c.category.rawValue,
            receivedAt: c.receivedAt,
            updates: updates.map {
                let s = ComplaintStatus(rawValue: $0.toStatus) ?? .received
                return .init(at: $0.at, status: s.rawValue, statusZh: s.nameZh, note: $0.publicNote)
            },
            dueAt: c.dueAt, overdue: c.isOverdue(at: now), refusalReason: c.refusalReason, messages: messages,
            awaitingAnswer: !c.status.isClosed && messages.last?.from == "handler", evidence: evidence,
            canAttach: !c.status.isClosed && files < Evidence.maxFiles)
    }

    static func contacts(for ids: [UUID], on db: any Database) async throws -> [UUID: String] {
        guard !ids.isEmpty else { return [:] }
        return Dictionary(
            try await ComplaintContact.query(on: db).filter(\.$id ~~ ids).all().map { ($0.id!, $0.contact) },
            uniquingKeysWith: { a, _ in a })
    }

    struct CaseFilter: Sendable {
        var unitCode: String?
        var status: String?
        var overdueOnly = false
    }

    /// Cases: a unit sees those it handles; the ministry all, or one owner's (`ministry`: its own queue).
    static func cases(
        for user: User, _ filter: CaseFilter, limit: Int = 2000, on db: any Database, now: Date
    ) async throws
        -> [ComplaintsController.CaseDTO]
    {
        guard user.role != .supervisor else { throw AppError.forbidden }
        var q = Complaint.query(on: db).sort(\.$receivedAt, .descending)
        if user.role == .unit {
            q = q.filter(\.$owner.$id == user.unitCode)
        } else if let unit = filter.unitCode {
            q = unit == "ministry" ? q.filter(\.$owner.$id == nil) : q.filter(\.$owner.$id == unit)
        }
        if let s = filter.status.flatMap(ComplaintStatus.init(rawValue:)) { q = q.filter(\.$status == s) }
        var cases = try await q.limit(limit).all()
        if filter.overdueOnly { cases = cases.filter { $0.isOverdue(at: now) } }
        let contacts = try await contacts(for: cases.compactMap(\.id), on: db)
        return cases.map { ComplaintsController.CaseDTO($0, now: now, contact: contacts[$0.id!], updates: nil) }
    }

    /// A page of the cases a user handles, counted and cut in SQL: the rows, how many match in
    /// all, and how many of those are overdue (open past their due date).
    struct CasePage: Sendable {
        let rows: [ComplaintsController.CaseDTO]
        let total: Int
        let overdue: Int
    }

    static func casePage(
        for user: User, _ filter: CaseFilter, paging: Paging, on db: any Database, now: Date
    ) async throws -> CasePage {
        guard user.role != .supervisor else { throw AppError.forbidden }
        let open = ComplaintStatus.allCases.filter { !$0.isClosed }
        func matching() -> QueryBuilder<Complaint> {
            var q = Complaint.query(on: db)
            if user.role == .unit {
                q = q.filter(\.$owner.$id == user.unitCode)
            } else if let unit = filter.unitCode {
                q = unit == "ministry" ? q.filter(\.$owner.$id == nil) : q.filter(\.$owner.$id == unit)
            }
            if let s = filter.status.flatMap(ComplaintStatus.init(rawValue:)) { q = q.filter(\.$status == s) }
            return q
        }
        func overdue(_ q: QueryBuilder<Complaint>) -> QueryBuilder<Complaint> {
            q.filter(\.$status ~~ open).filter(\.$dueAt < now)
        }
        let listed = filter.overdueOnly ? overdue(matching()) : matching()
        let total = try await listed.copy().count()
        let overdueCount = try await overdue(matching()).count()
        let cases = try await listed.sort(\.$receivedAt, .descending).range(paging.range).all()
        let contacts = try await contacts(for: cases.compactMap(\.id), on: db)
        return CasePage(
            rows: cases.map { ComplaintsController.CaseDTO($0, now: now, contact: contacts[$0.id!], updates: nil) },
            total: total, overdue: overdueCount)
    }

    /// One case with its contact and every update.
    static func detail(_ c: Complaint, on db: any Database, now: Date) async throws -> ComplaintsController.CaseDTO {
        let updates = try await ComplaintUpdate.query(on: db).filter(\.$complaint.$id == c.requireID()).sort(\.$at).all()
        let contact = try await ComplaintContact.find(c.id, on: db)?.contact
        return ComplaintsController.CaseDTO(
            c, now: now, contact: contact, updates: updates, attachments: try await attachments(of: c.requireID(), on: db),
            messages: try await thread(of: c.requireID(), on: db))
    }

    static func stats(for user: User, period: Period?, on db: any Database, now: Date) async throws -> ComplaintsController.Stats
    {
        try user.requireMinistry()
        typealias Stats = ComplaintsController.Stats
        var q = Complaint.query(on: db)
        if let p = period { q = q.filter(\.$receivedAt >= p.start).filter(\.$receivedAt < p.end) }
        let cases = try await q.all()
        let names = try await UnitNames.all(on: db)
        func count(_ key: (Complaint) -> String, _ name: (String) -> String) -> [Stats.Count] {
            Dictionary(grouping: cases, by: key).map { k, v in
                Stats.Count(key: k, name: name(k), count: v.count, overdue: v.filter { $0.isOverdue(at: now) }.count)
            }.sorted { ($0.count, $1.key) > ($1.count, $0.key) }
        }
        return Stats(
            period: period?.description, total: cases.count, overdue: cases.filter { $0.isOverdue(at: now) }.count,
            byCategory: count({ $0.category.rawValue }, { ComplaintCategory(rawValue: $0)?.nameZh ?? $0 }),
            byStatus: count({ $0.status.rawValue }, { ComplaintStatus(rawValue: $0)?.nameZh ?? $0 }),
            byUnit: count({ $0.ownerCode ?? "ministry" }, { names[$0] ?? "部（待分办）" }))
    }

    static func hotlinesDTO(on db: any Database) async throws -> ComplaintsController.HotlinesDTO {
        ComplaintsController.HotlinesDTO(
            ministry: Hotline.ministry,
            units: try await hotlines(on: db).map {
                .init(unitCode: $0.unit.id!, unitName: $0.unit.name, phones: $0.phones)
            })
    }
}
