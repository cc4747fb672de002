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
        let aboutCentre: Bool
        let refusalReason: String?
        let acceptedAt: Date?
        let extensionDays: Int
        let extensionReason: String?
        /// The evidence and the thread, in the case's full view only.
        let attachments: [Complaints.AttachmentDTO]?
        let messages: [Complaints.MessageDTO]?

        init(
            _ c: Complaint, now: Date, contact: String?, updates: [ComplaintUpdate]?,
            attachments: [Complaints.AttachmentDTO]? = nil, messages: [Complaints.MessageDTO]? = nil
        ) {
            id = c.id!
            category = c.category.rawValue
            unitCode = c.unitCode
            ownerCode = c.ownerCode
            station = c.station
            description = c.description
            channel = c.channel.rawValue
            status = c.status.rawValue
            referredToPolice = c.referredToPolice
            receivedAt = c.receivedAt
            dueAt = c.dueAt
            closedAt = c.closedAt
            overdue = c.isOverdue(at: now)
            self.contact = contact
            self.updates = updates?.map(UpdateDTO.init)
            aboutCentre = c.aboutCentre
            refusalReason = c.refusalReason
            acceptedAt = c.acceptedAt
            extensionDays = c.extensionDays
            extensionReason = c.extensionReason
            self.attachments = attachments
            self.messages = messages
        }
    }

    struct UpdateDTO: Content {
        let at: Date
        let from: String?
        let to: String
        let note: String?
        let publicNote: String?
        let fromOwner: String?
        let toOwner: String?
        let referredToPolice: Bool
        let user: String
        init(_ u: ComplaintUpdate) {
            at = u.at
            from = u.fromStatus
            to = u.toStatus
            note = u.note
            publicNote = u.publicNote
            fromOwner = u.fromOwner
            toOwner = u.toOwner
            referredToPolice = u.referredToPolice
            user = u.actor
        }
    }

    struct Filed: Content {
        let receipt: String
        let id: UUID?
    }

    @Sendable static func file(_ req: Request) async throws -> Response {
        let user = req.auth.get(User.self)
        if user == nil { try await req.rateLimit(req.application.complaintLimiter) }
        let f = try req.content.decode(Complaints.Filing.self)
        let (c, receipt) = try await Complaints.file(f, by: user, on: req.store, now: req.now)
        // Staff get the case's id too; the public only its receipt.
        return try await Filed(receipt: receipt, id: user == nil ? nil : c.id).encodeResponse(status: .created, for: req)
    }

    struct PublicStatus: Content {
        struct Update: Content {
            let at: Date
            let status: String
            let statusZh: String
            let note: String?
        }
        let status: String
        let statusZh: String
        let category: String
        let receivedAt: Date
        let updates: [Update]
        /// The deadline now running (decision, then result), and whether it has passed.
        let dueAt: Date
        let overdue: Bool
        let refusalReason: String?
        /// The thread: the handler's questions and the filer's answers.
        let messages: [Complaints.MessageDTO]
        /// A question waits for the filer's answer.
        let awaitingAnswer: Bool
        /// The files the filer attached (names only; the files go to the handler).
        let evidence: [String]
        let canAttach: Bool
    }

    /// The case's public status, opened only by its receipt; nothing about the filer.
    @Sendable static func byReceipt(_ req: Request) async throws -> PublicStatus {
        try await req.rateLimit(req.application.verifyLimiter)
        return try await Complaints.publicStatus(req.parameters.get("receipt") ?? "", on: req.db, now: req.now)
    }

    /// Cases: a unit sees those it handles; the ministry all (`?unitCode=`, `?status=`, `?overdue=true`).
    @Sendable static func list(_ req: Request) async throws -> [CaseDTO] {
        let filter = Complaints.CaseFilter(
            unitCode: req.query[String.self, at: "unitCode"], status: req.query[String.self, at: "status"],
            overdueOnly: req.query[Bool.self, at: "overdue"] == true)
        return try await Complaints.cases(for: try req.requireUser(), filter, on: req.db, now: req.now)
    }

    @Sendable static func get(_ req: Request) async throws -> CaseDTO {
        let user = try req.requireUser()
        let c = try await Complaints.handled(req.parameters.get("id", as: UUID.self), by: user, on: req.db)
        return try await detail(c, on: req)
    }

    static func detail(_ c: Complaint, on req: Request) async throws -> CaseDTO {
        try await Complaints.detail(c, on: req.db, now: req.now)
    }

    @Sendable static func transition(_ req: Request) async throws -> CaseDTO {
        let user = try req.requireUser()
        let c = try await Complaints.handled(req.parameters.get("id", as: UUID.self), by: user, on: req.db)
        let t = try req.content.decode(Complaints.Transition.self)
        return try await detail(try await Complaints.transition(c, t, by: user, on: req.store, now: req.now), on: req)
    }

    struct Note: Content { let note: String? }

    @Sendable static func extend(_ req: Request) async throws -> CaseDTO {
        let user = try req.requireMinistry()
        let c = try await Complaints.handled(req.parameters.get("id", as: UUID.self), by: user, on: req.db)
        let input = try req.content.decode(Complaints.Extension.self)
        return try await detail(try await Complaints.extend(c.requireID(), input, by: user, on: req.store, now: req.now), on: req)
    }

    // MARK: Evidence and the thread

    struct FileUpload: Content { let file: File? }

    /// Reads the multipart field `file` once the caller is authorised: the body is streamed in
    /// only now, up to 10 MB and a little for the form's framing.
    static func uploadedFile(_ req: Request) async throws -> File {
        try await req.collectBody(max: Complaints.uploadMaxBytes, tooLarge: Complaints.tooLarge)
        guard let file = try req.content.decode(FileUpload.self).file else {
            throw AppError.invalid(field: "file", code: "required", "Attach a file in the field `file`", "请选择要上传的文件")
        }
        return file
    }

    /// Staff attach a file to a case they handle.
    @Sendable static func attach(_ req: Request) async throws -> Response {
        try await req.application.evidenceGate.run { try await attachGated(req) }
    }

    static func attachGated(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let c = try await Complaints.handled(req.parameters.get("id", as: UUID.self), by: user, on: req.db)
        let file = try await uploadedFile(req)
        let a = try await Complaints.attach(
            .init(file), to: c.requireID(), fromFiler: false,
            actor: user.username, on: req.store, now: req.now)
        return try await a.encodeResponse(status: .created, for: req)
    }

    /// The filer attaches evidence through the receipt (rate-limited before the body is read).
    @Sendable static func attachByReceipt(_ req: Request) async throws -> Response {
        try await req.application.evidenceGate.run { try await attachByReceiptGated(req) }
    }

    static func attachByReceiptGated(_ req: Request) async throws -> Response {
        try await req.rateLimit(req.application.receiptLimiter)
        let c = try await Complaints.byReceipt(req.parameters.get("receipt") ?? "", on: req.db)
        let file = try await uploadedFile(req)
        let a = try await Complaints.attach(
            .init(file), to: c.requireID(), fromFiler: true,
            actor: "filer", on: req.store, now: req.now)
        // The filer learns the file was taken, not where the handlers read it.
        struct Taken: Content {
            let name: String
            let contentType: String
            let size: Int
        }
        return try await Taken(name: a.name, contentType: a.contentType, size: a.size).encodeResponse(status: .created, for: req)
    }

    /// A file of a case, for the handling unit and the ministry only; always a download.
    @Sendable static func download(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let c = try await Complaints.handled(req.parameters.get("id", as: UUID.self), by: user, on: req.db)
        return file(try await Complaints.attachment(req.parameters.get("attachmentId", as: UUID.self), of: c, on: req.db))
    }

    static func file(_ a: ComplaintAttachment) -> Response {
        let res = Response(status: .ok, body: .init(data: a.data))
        res.headers.replaceOrAdd(name: .contentType, value: a.contentType)
        res.headers.contentDisposition = .init(.attachment, filename: a.name)
        res.headers.replaceOrAdd(name: .cacheControl, value: "private, no-store")
        res.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        res.headers.replaceOrAdd(name: "Content-Security-Policy", value: "default-src 'none'; sandbox")
        return res
    }

    @Sendable static func ask(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let c = try await Complaints.handled(req.parameters.get("id", as: UUID.self), by: user, on: req.db)
        let input = try req.content.decode(Complaints.MessageInput.self)
        return try await Complaints.ask(c.requireID(), input, by: user, on: req.store, now: req.now)
            .encodeResponse(status: .created, for: req)
    }

    @Sendable static func answer(_ req: Request) async throws -> Response {
        try await req.rateLimit(req.application.receiptLimiter)
        let receipt = req.parameters.get("receipt") ?? ""
        _ = try await Complaints.byReceipt(receipt, on: req.db)
        let input = try req.content.decode(Complaints.MessageInput.self)
        return try await Complaints.answer(receipt: receipt, input, on: req.store, now: req.now)
            .encodeResponse(status: .created, for: req)
    }

    @Sendable static func reopen(_ req: Request) async throws -> CaseDTO {
        let user = try req.requireMinistry()
        let c = try await Complaints.handled(req.parameters.get("id", as: UUID.self), by: user, on: req.db)
        return try await detail(
            try await Complaints.reopen(c, note: try req.content.decode(Note.self).note, by: user, on: req.store, now: req.now),
            on: req)
    }

    // MARK: Statistics (ministry)

    struct Stats: Content {
        struct Count: Content {
            let key: String
            let name: String
            let count: Int
            let overdue: Int
        }
        let period: String?
        let total: Int
        let overdue: Int
        let byCategory: [Count]
        let byStatus: [Count]
        let byUnit: [Count]
    }

    static func stats(_ req: Request) async throws -> Stats {
        let user = try req.requireMinistry()
        let period = try req.query[String.self, at: "period"].map { try Reports.period($0) }
        return try await Complaints.stats(for: user, period: period, on: req.db, now: req.now)
    }

    @Sendable static func statsJSON(_ req: Request) async throws -> Stats { try await stats(req) }

    @Sendable static func statsCSV(_ req: Request) async throws -> Response { csv(try await stats(req)) }

    /// The statistics as a CSV file (UTF-8 with a BOM for Excel), for the API and the page.
    static func csv(_ s: Stats) -> Response {
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
        struct UnitPhones: Content {
            let unitCode: String
            let unitName: String
            let phones: [String]
        }
        let ministry: [String]
        let units: [UnitPhones]
    }

    @Sendable static func hotlines(_ req: Request) async throws -> HotlinesDTO {
        try await Complaints.hotlinesDTO(on: req.db)
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
