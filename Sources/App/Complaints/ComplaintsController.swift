import Domain
import Fluent
import Vapor

enum ComplaintsController {
    struct CaseDTO: Content {
        let id: UUID
        let category: String
        let unitCode: String?
        let ownerCode: String?
        let station: String?
        let description: String
        let channel: String
        let status: String
        let referredToPolice: Bool
        let receivedAt: Date
        let dueAt: Date
        let closedAt: Date?
        let overdue: Bool
        /// Only for the handling unit and the ministry.
        let contact: String?
        let updates: [UpdateDTO]?

        init(_ c: Complaint, now: Date, contact: String?, updates: [ComplaintUpdate]?) {
            id = c.id!; category = c.category.rawValue; unitCode = c.unitCode; ownerCode = c.ownerCode; station = c.station
            description = c.description; channel = c.channel.rawValue; status = c.status.rawValue
            referredToPolice = c.referredToPolice; receivedAt = c.receivedAt; dueAt = c.dueAt; closedAt = c.closedAt
            overdue = c.isOverdue(at: now); self.contact = contact; self.updates = updates?.map(UpdateDTO.init)
        }
    }

    struct UpdateDTO: Content {
        let at: Date; let from: String?; let to: String; let note: String?; let publicNote: String?
        let fromOwner: String?; let toOwner: String?; let referredToPolice: Bool; let user: String
        init(_ u: ComplaintUpdate) {
            at = u.at; from = u.fromStatus; to = u.toStatus; note = u.note; publicNote = u.publicNote
            fromOwner = u.fromOwner; toOwner = u.toOwner; referredToPolice = u.referredToPolice; user = u.actor
        }
    }

    struct Filed: Content { let receipt: String; let id: UUID? }

    @Sendable static func file(_ req: Request) async throws -> Response {
        let user = req.auth.get(User.self)
        if user == nil { try await req.rateLimit(req.application.complaintLimiter) }
        let f = try req.content.decode(Complaints.Filing.self)
        let (c, receipt) = try await Complaints.file(f, actor: user, on: req)
        // Staff get the case's id too; the public only its receipt.
        return try await Filed(receipt: receipt, id: user == nil ? nil : c.id).encodeResponse(status: .created, for: req)
    }

    struct PublicStatus: Content {
        struct Update: Content { let at: Date; let status: String; let statusZh: String; let note: String? }
        let status: String
        let statusZh: String
        let category: String
        let receivedAt: Date
        let updates: [Update]
    }

    /// The case's public status, opened only by its receipt; nothing about the filer.
    @Sendable static func byReceipt(_ req: Request) async throws -> PublicStatus {
        try await req.rateLimit(req.application.verifyLimiter)
        return try await publicStatus(req.parameters.get("receipt") ?? "", on: req.db)
    }

    static func publicStatus(_ receipt: String, on db: any Database) async throws -> PublicStatus {
        guard let r = Complaints.normalisedReceipt(receipt),
              let c = try await Complaint.query(on: db).filter(\.$receiptHash == Complaints.hash(r)).first() else {
            throw AppError.notFound("No case with this receipt", "没有与该回执号对应的举报")
        }
        let updates = try await ComplaintUpdate.query(on: db).filter(\.$complaint.$id == c.id!).sort(\.$at).all()
        return PublicStatus(status: c.status.rawValue, statusZh: c.status.nameZh, category: c.category.rawValue,
                            receivedAt: c.receivedAt, updates: updates.map {
                                let s = ComplaintStatus(rawValue: $0.toStatus) ?? .received
                                return .init(at: $0.at, status: s.rawValue, statusZh: s.nameZh, note: $0.publicNote)
                            })
    }

    static func contacts(for ids: [UUID], on db: any Database) async throws -> [UUID: String] {
        guard !ids.isEmpty else { return [:] }
        return Dictionary(try await ComplaintContact.query(on: db).filter(\.$id ~~ ids).all().map { ($0.id!, $0.contact) },
                          uniquingKeysWith: { a, _ in a })
    }

    /// Cases: a unit sees those it handles; the ministry all (`?unitCode=`, `?status=`, `?overdue=true`).
    @Sendable static func list(_ req: Request) async throws -> [CaseDTO] {
        let user = try req.requireUser()
        guard user.role != .supervisor else { throw AppError.forbidden }
        var q = Complaint.query(on: req.db).sort(\.$receivedAt, .descending)
        if user.role == .unit {
            q = q.filter(\.$owner.$id == user.unitCode)
        } else if let unit = req.query[String.self, at: "unitCode"] {
            q = unit == "ministry" ? q.filter(\.$owner.$id == nil) : q.filter(\.$owner.$id == unit)
        }
        if let s = req.query[String.self, at: "status"].flatMap(ComplaintStatus.init(rawValue:)) { q = q.filter(\.$status == s) }
        var cases = try await q.limit(2000).all()
        if req.query[Bool.self, at: "overdue"] == true { cases = cases.filter { $0.isOverdue(at: req.now) } }
        let contacts = try await contacts(for: cases.compactMap(\.id), on: req.db)
        return cases.map { CaseDTO($0, now: req.now, contact: contacts[$0.id!], updates: nil) }
    }

    @Sendable static func get(_ req: Request) async throws -> CaseDTO {
        let user = try req.requireUser()
        let c = try await Complaints.handled(req.parameters.get("id", as: UUID.self), by: user, on: req.db)
        return try await detail(c, on: req)
    }

    static func detail(_ c: Complaint, on req: Request) async throws -> CaseDTO {
        let updates = try await ComplaintUpdate.query(on: req.db).filter(\.$complaint.$id == c.id!).sort(\.$at).all()
        let contact = try await ComplaintContact.find(c.id, on: req.db)?.contact
        return CaseDTO(c, now: req.now, contact: contact, updates: updates)
    }

    @Sendable static func transition(_ req: Request) async throws -> CaseDTO {
        let user = try req.requireUser()
        let c = try await Complaints.handled(req.parameters.get("id", as: UUID.self), by: user, on: req.db)
        let t = try req.content.decode(Complaints.Transition.self)
        return try await detail(try await Complaints.transition(c, t, actor: user, on: req), on: req)
    }

    struct Note: Content { let note: String? }

    @Sendable static func reopen(_ req: Request) async throws -> CaseDTO {
        let user = try req.requireMinistry()
        let c = try await Complaints.handled(req.parameters.get("id", as: UUID.self), by: user, on: req.db)
        return try await detail(try await Complaints.reopen(c, note: try req.content.decode(Note.self).note, actor: user, on: req), on: req)
    }

    // MARK: Statistics (ministry)

    struct Stats: Content {
        struct Count: Content { let key: String; let name: String; let count: Int; let overdue: Int }
        let period: String?
        let total: Int
        let overdue: Int
        let byCategory: [Count]
        let byStatus: [Count]
        let byUnit: [Count]
    }

    static func stats(_ req: Request) async throws -> Stats {
        _ = try req.requireMinistry()
        let period = try req.query[String.self, at: "period"].map { try Reports.period($0) }
        var q = Complaint.query(on: req.db)
        if let p = period { q = q.filter(\.$receivedAt >= p.start).filter(\.$receivedAt < p.end) }
        let cases = try await q.all()
        let now = req.now
        let names = Dictionary(uniqueKeysWithValues: try await UnitModel.query(on: req.db).all().map { ($0.id!, $0.name) })
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

    @Sendable static func statsJSON(_ req: Request) async throws -> Stats { try await stats(req) }

    @Sendable static func statsCSV(_ req: Request) async throws -> Response {
        let s = try await stats(req)
        var lines = [["分组", "代码", "名称", "件数", "逾期"]]
        for (group, rows) in [("类别", s.byCategory), ("状态", s.byStatus), ("单位", s.byUnit)] {
            for r in rows { lines.append([group, r.key, r.name, String(r.count), String(r.overdue)]) }
        }
        lines.append(["合计", "", s.period ?? "", String(s.total), String(s.overdue)])
        let text = lines.map { $0.map(BulletinExport.escape).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
        let res = Response(status: .ok, body: .init(data: Data([0xEF, 0xBB, 0xBF]) + Data(text.utf8)))
        res.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        res.headers.contentDisposition = .init(.attachment, filename: "zhijian-complaints-\(s.period ?? "all").csv")
        return res
    }

    // MARK: Hotlines

    struct HotlinesDTO: Content {
        struct UnitPhones: Content { let unitCode: String; let unitName: String; let phones: [String] }
        let ministry: [String]
        let units: [UnitPhones]
    }

    @Sendable static func hotlines(_ req: Request) async throws -> HotlinesDTO {
        HotlinesDTO(ministry: Hotline.ministry, units: try await Complaints.hotlines(on: req.db).map {
            .init(unitCode: $0.unit.id!, unitName: $0.unit.name, phones: $0.phones)
        })
    }

    struct Phones: Content { let phones: [String]? }

    @Sendable static func setHotlines(_ req: Request) async throws -> HotlinesDTO.UnitPhones {
        let code = req.parameters.get("code") ?? ""
        _ = try req.requireWrite(unit: code)
        let unit = try await Reports.unit(code, on: req.db)
        let body = try req.content.decode(Phones.self)
        let phones = try await Complaints.setHotlines(code, phones: body.phones ?? [], store: req.store)
        return .init(unitCode: code, unitName: unit.name, phones: phones)
    }
}
