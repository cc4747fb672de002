import Crypto
import Domain
import Fluent
import Foundation
import Vapor

/// Deadlines on the working-day calendar, the ministry's one extension, the filer's evidence and
/// the two-way thread: what a case needs beyond its states (see `Complaints.transition`).
extension Complaints {
    // MARK: Deadlines

    /// Sets a case's running deadline: `days` working days after `from`. A deadline the
    /// calendar cannot vouch for (a year it lacks) is logged; it is recomputed at the next start
    /// once the year is added (`recomputeDeadlines`).
    static func setDue(_ c: Complaint, workingDays days: Int, from: Date, app: Application) {
        c.dueFrom = from
        c.dueDays = days
        c.dueAt = app.workingDays.deadline(workingDays: days, from: from)
        if !app.workingDays.covers(from) || !app.workingDays.covers(c.dueAt.addingTimeInterval(-1)) {
            app.logger.warning(
                "A complaint deadline falls in a year the working-day calendar lacks: weekends only are counted",
                metadata: ["due": .string(Period.dayString(c.dueAt.addingTimeInterval(-1)))])
        }
    }

    /// The decision to accept or refuse is due by the end of the 5th working day after receipt
    /// (or after a transfer, for the receiving unit).
    static func setDecisionDue(_ c: Complaint, from instant: Date, app: Application) {
        setDue(c, workingDays: app.config.complaintDecisionDays, from: instant, app: app)
    }

    /// The result is due 60 working days after acceptance, plus the extension once granted.
    static func setResultDue(_ c: Complaint, acceptedAt: Date, app: Application) {
        setDue(c, workingDays: app.config.complaintResultDays + c.extensionDays, from: acceptedAt, app: app)
    }

    /// The last day of a deadline, `YYYY-MM-DD` in Beijing: a deadline is the first instant after it.
    static func dueDay(_ dueAt: Date) -> String { Period.dayString(dueAt.addingTimeInterval(-1)) }

    /// At start: open cases' deadlines counted again on the calendar as it is now (a year added
    /// to the file, a corrected holiday), in one write; only changed rows are written.
    static func recomputeDeadlines(_ app: Application) async throws {
        let open = ComplaintStatus.allCases.filter { !$0.isClosed }
        let cases = try await Complaint.query(on: app.db).filter(\.$status ~~ open).filter(\.$dueFrom != nil).all()
        let changed = cases.filter { c in
            guard let from = c.dueFrom, let days = c.dueDays else { return false }
            let due = app.workingDays.deadline(workingDays: days, from: from)
            guard due != c.dueAt else { return false }
            c.dueAt = due
            return true
        }
        guard !changed.isEmpty else { return }
        try await app.write { db in
            for c in changed { try await c.save(on: db) }
        }
        app.logger.notice(
            "complaint deadlines recounted on the working-day calendar", metadata: ["cases": .stringConvertible(changed.count)])
    }

    struct Extension: Content {
        let days: Int?
        let reason: String?
    }

    /// The ministry extends the result deadline once, by 1…30 working days, with a reason.
    static func extend(_ id: UUID, _ input: Extension, by actor: User, on store: Store, now: Date) async throws -> Complaint {
        try actor.requireMinistry()
        let most = store.config.complaintExtensionDays
        guard let days = input.days, (1...most).contains(days) else {
            throw AppError.invalid(
                field: "days", code: "out_of_range", "An extension is 1 to \(most) working days",
                "延期须为1至\(most)个工作日")
        }
        let reason = (input.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard (2...1000).contains(reason.count) else {
            throw AppError.invalid(field: "reason", code: "required", "Say why the case needs more time", "请说明延期理由（2至1000字）")
        }
        let app = store.app
        return try await store.write { db in
            try await db.lockForWrite("complaints", "id", id)
            guard let c = try await Complaint.find(id, on: db) else { throw AppError.notFound("No such complaint", "没有该举报") }
            guard c.status == .accepted || c.status == .investigating, let acceptedAt = c.acceptedAt else {
                throw AppError.conflict(
                    "wrong_state", "Only an accepted case under way can be extended", "只有已受理、正在办理的举报才能延期")
            }
            guard c.extensionDays == 0 else {
                throw AppError.conflict("already_extended", "The case was extended once already", "该举报已延期一次，不能再次延期")
            }
            c.extensionDays = days
            c.extensionReason = reason
            setResultDue(c, acceptedAt: acceptedAt, app: app)
            try await c.save(on: db)
            let due = dueDay(c.dueAt)
            try await update(
                c, from: c.status, to: c.status, note: "延期\(days)个工作日 extended by \(days) working days: " + reason,
                publicNote: "办理期限延长\(days)个工作日，至\(due)。Deadline extended to \(due).", fromOwner: c.ownerCode,
                toOwner: c.ownerCode, referred: false, actor: actor.username, at: now, on: db)
            return c
        }
    }

    // MARK: Evidence

    struct AttachmentDTO: Content {
        let id: UUID
        let name: String
        let contentType: String
        let size: Int
        let fromFiler: Bool
        let at: Date
        /// Where the handling unit and the ministry download it (never a public address).
        let url: String

        init(_ a: ComplaintAttachment) {
            id = a.id!
            name = a.name
            contentType = a.contentType
            size = a.size
            fromFiler = a.fromFiler
            at = a.at
            url = SiteURL.api(.complaintAttachment(.value(a.$complaint.id.uuidString), .value(a.id!.uuidString))).path
        }
    }

    /// A file's name as shown: its last path component without control characters, at most 100
    /// characters, ending in the extension of what it really is (`photo.exe` that is a JPEG
    /// becomes `photo.exe.jpg`).
    static func evidenceName(_ raw: String?, kind: Evidence.Kind) -> String {
        let last = (raw ?? "").split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var name = String(last.unicodeScalars.filter { $0.properties.generalCategory != .control && $0 != "\u{7F}" })
            .trimmingCharacters(in: .whitespaces)
        if name.count > 100 { name = String(name.suffix(100)) }
        let ext = kind.fileExtension
        let lower = name.lowercased()
        let fits = lower.hasSuffix("." + ext) || (kind == .jpeg && lower.hasSuffix(".jpeg"))
        if name.isEmpty { return "evidence." + ext }
        return fits ? name : name + "." + ext
    }

    /// A file checked as evidence, not yet tied to a case: by type read from the content (JPEG,
    /// PNG, PDF), at most 10 MB, images stripped of their metadata.
    static func evidence(_ file: EvidenceFile, fromFiler: Bool, actor: String, now: Date) throws -> ComplaintAttachment {
        guard file.bytes.count <= Evidence.maxBytes else { throw tooLarge }
        let checked: (kind: Evidence.Kind, bytes: [UInt8])
        do { checked = try Evidence.sanitise(file.bytes) } catch {
            switch error {
            case .unsupportedType:
                throw AppError(
                    status: .unsupportedMediaType, code: "unsupported_file_type",
                    message: "Evidence may be a JPEG or PNG photo or a PDF document", messageZh: "证据只能是JPEG、PNG图片或PDF文件")
            case .malformed, .empty:
                throw AppError(
                    status: .unprocessableEntity, code: "unreadable_file", message: "The file is damaged or empty",
                    messageZh: "文件已损坏或为空")
            }
        }
        let a = ComplaintAttachment()
        a.name = evidenceName(file.name, kind: checked.kind)
        a.contentType = checked.kind.contentType
        a.size = checked.bytes.count
        a.sha256 = SHA256.hash(data: checked.bytes).map { String(format: "%02x", $0) }.joined()
        a.data = Data(checked.bytes)
        a.fromFiler = fromFiler
        a.actor = actor
        a.at = now
        return a
    }

    /// Checks and stores one file for a case (see `evidence`): at most 5 from the filer and 5 from
    /// the handlers, counted under the case's lock. A closed case takes no more evidence.
    static func attach(
        _ file: EvidenceFile, to id: UUID, fromFiler: Bool, actor: String, on store: Store, now: Date
    ) async throws -> AttachmentDTO {
        let a = try evidence(file, fromFiler: fromFiler, actor: actor, now: now)
        a.$complaint.id = id
        try await store.write { db in
            try await db.lockForWrite("complaints", "id", id)
            guard let c = try await Complaint.find(id, on: db) else { throw AppError.notFound("No such complaint", "没有该举报") }
            if c.status.isClosed {
                throw AppError.conflict("case_closed", "The case is closed; it takes no more evidence", "该举报已办结，不能再补充证据")
            }
            // Five from the filer, five from the handlers: a filer's files never crowd out the findings.
            let count = try await ComplaintAttachment.query(on: db).filter(\.$complaint.$id == id)
                .filter(\.$fromFiler == fromFiler).count()
            guard count < Evidence.maxFiles else { throw tooManyFiles }
            try await a.create(on: db)
        }
        return AttachmentDTO(a)
    }

    static var tooManyFiles: AppError {
        AppError.conflict(
            "too_many_files", "A case holds at most \(Evidence.maxFiles) files", "每件举报最多上传\(Evidence.maxFiles)个证据文件")
    }

    /// The most an upload of one file may send: the file and its form's framing.
    static let uploadMaxBytes = Evidence.maxBytes + 64 * 1024

    static var tooLarge: AppError {
        AppError(
            status: .payloadTooLarge, code: "file_too_large", message: "A file may be at most 10 MB",
            messageZh: "单个文件不能超过10 MB")
    }

    static func attachments(of id: UUID, on db: any Database) async throws -> [AttachmentDTO] {
        try await ComplaintAttachment.query(on: db).filter(\.$complaint.$id == id).sort(\.$at)
            .field(\.$id).field(\.$complaint.$id).field(\.$name).field(\.$contentType).field(\.$size).field(\.$fromFiler)
            .field(\.$at).field(\.$sha256).field(\.$actor)
            .all().map(AttachmentDTO.init)
    }

    /// One file, for the handling unit or the ministry (`handled` has checked who asks).
    static func attachment(_ attachmentID: UUID?, of c: Complaint, on db: any Database) async throws -> ComplaintAttachment {
        guard let attachmentID, let a = try await ComplaintAttachment.find(attachmentID, on: db), a.$complaint.id == c.id else {
            throw AppError.notFound("No such file", "没有该文件")
        }
        return a
    }

    // MARK: The thread

    struct MessageInput: Content { let body: String? }

    struct MessageDTO: Content {
        let at: Date
        /// `handler` (the handling unit or the ministry) or `filer`.
        let from: String
        let body: String
        init(_ m: ComplaintMessage) {
            at = m.at
            from = m.fromFiler ? "filer" : "handler"
            body = m.body
        }
    }

    static func messageBody(_ raw: String?) throws -> String {
        let body = (raw ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard (2...2000).contains(body.count) else {
            throw AppError.invalid(field: "body", code: "length", "A message is 2 to 2000 characters", "留言须为2至2000字")
        }
        return body
    }

    /// The handler asks the filer a question (or answers one); the filer reads it with the receipt.
    /// A case filed by nobody from outside (opened by supervision) has nobody to ask.
    static func ask(_ id: UUID, _ input: MessageInput, by actor: User, on store: Store, now: Date) async throws -> [MessageDTO] {
        let body = try messageBody(input.body)
        return try await store.write { db in
            try await db.lockForWrite("complaints", "id", id)
            guard let c = try await Complaint.find(id, on: db) else { throw AppError.notFound("No such complaint", "没有该举报") }
            if actor.role == .unit && c.ownerCode != actor.unitCode { throw AppError.otherUnit }
            if c.status.isClosed {
                throw AppError.conflict("case_closed", "The case is closed", "该举报已办结")
            }
            guard c.channel != .supervision else {
                throw AppError.conflict(
                    "no_filer", "This case was opened by supervision: it has no filer to ask", "该案件由督导发现，没有举报人可询问")
            }
            let position = try await ComplaintMessage.query(on: db).filter(\.$complaint.$id == id).count()
            try await ComplaintMessage(
                complaint: id, position: position, fromFiler: false, body: body, actor: actor.username, at: now
            )
            .create(on: db)
            return try await thread(of: id, on: db)
        }
    }

    /// The filer answers through the receipt: only while a question of the handler waits for an
    /// answer, and only while the case is open.
    static func answer(receipt: String, _ input: MessageInput, on store: Store, now: Date) async throws -> [MessageDTO] {
        let body = try messageBody(input.body)
        let c = try await byReceipt(receipt, on: store.db)
        let id = try c.requireID()
        return try await store.write { db in
            try await db.lockForWrite("complaints", "id", id)
            guard let c = try await Complaint.find(id, on: db) else { throw AppError.notFound("No such complaint", "没有该举报") }
            if c.status.isClosed { throw AppError.conflict("case_closed", "The case is closed", "该举报已办结") }
            let last = try await ComplaintMessage.query(on: db).filter(\.$complaint.$id == id).sort(\.$position, .descending)
                .first()
            guard let last, !last.fromFiler else {
                throw AppError.conflict(
                    "no_question", "There is no question of the handler to answer", "处理单位没有待回复的问题")
            }
            try await ComplaintMessage(
                complaint: id, position: last.position + 1, fromFiler: true, body: body, actor: "filer", at: now
            )
            .create(on: db)
            return try await thread(of: id, on: db)
        }
    }

    static func thread(of id: UUID, on db: any Database) async throws -> [MessageDTO] {
        try await ComplaintMessage.query(on: db).filter(\.$complaint.$id == id).sort(\.$position).all().map(MessageDTO.init)
    }

    /// The case a receipt opens; 404 for anything else (a malformed receipt included).
    static func byReceipt(_ receipt: String, on db: any Database) async throws -> Complaint {
        guard let r = normalisedReceipt(receipt),
            let c = try await Complaint.query(on: db).filter(\.$receiptHash == hash(r)).first()
        else {
            throw AppError.notFound("No case with this receipt", "没有与该回执号对应的举报")
        }
        return c
    }
}
