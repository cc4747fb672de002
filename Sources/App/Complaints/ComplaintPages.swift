import Domain
import Fluent
import Vapor

/// Public filing, the receipt and status pages, hotlines; the staff's case list and handling.
enum ComplaintPages {
    static let formCookie = "zj_form_csrf"

    static func register(_ r: any RoutesBuilder) {
        r.get(.complaintNew, use: newForm)
        // Streamed: the body (with up to five files) is read only once the rate limit let it in.
        r.on(.POST, .complaints, body: .stream, use: file)
        r.get(.complaintStatus, use: status)
        r.post(.complaintStatus, use: status)
        r.post(.complaintStatusAnswer, use: statusAnswer)
        r.on(.POST, .complaintStatusAttach, body: .stream, use: statusAttach)
        r.on(.POST, .complaintCaseAttachments(.key), body: .stream, use: attach)
        r.get(.complaintCaseAttachment(.key, .key), use: download)
        r.post(.complaintCaseMessages(.key), use: ask)
        r.post(.complaintCaseExtend(.key), use: extend)
        r.get(.hotlines, use: hotlines)
        r.post(.hotlines, use: saveHotlines)
        r.get(.complaintCases, use: cases)
        r.get(.complaintCase(.key), use: show)
        r.post(.complaintTransition(.key), use: transition)
        r.post(.complaintReopen(.key), use: reopen)
        r.get(.complaintStats, use: stats)
        r.get(.complaintStatsCSV, use: statsCSV)
    }

    struct Option: Encodable {
        let value: String
        let name: String
    }
    struct FormView: Encodable {
        let categories: [Option]
        let units: [Option]
        let channels: [Option]
        let isStaff: Bool
        let token: String
        let values: [String: String]
        let errors: [String]
        let receipt: String?
    }

    static func options(_ req: Request) async throws -> (categories: [Option], units: [Option]) {
        let en = L10n.lang(req) == "en"
        let categories = ComplaintCategory.allCases.map { Option(value: $0.rawValue, name: en ? $0.nameEn : $0.nameZh) }
        let units = try await UnitModel.query(on: req.db).filter(\.$active == true).sort(\.$sortKey).all()
            .map { Option(value: $0.id!, name: $0.name) }
        return (categories, units)
    }

    static func renderForm(
        _ req: Request, values: [String: String], errors: [String], receipt: String?,
        status: HTTPResponseStatus
    ) async throws -> Response {
        let (categories, units) = try await options(req)
        let token = Auth.randomSecret()
        let t = L10n.t(req)
        let view = FormView(
            categories: categories, units: units,
            channels: ComplaintChannel.filed.map {
                Option(value: $0.rawValue, name: t[dynamic: "channel_" + $0.rawValue, fallback: $0.rawValue])
            },
            isStaff: req.auth.get(User.self) != nil, token: token, values: values, errors: errors, receipt: receipt)
        let res = try await Pages.render(
            req, "complaints/new", title: t[.fileComplaint], view, status: status, canonical: .complaintNew)
        res.cookies[formCookie] = HTTPCookies.Value(
            string: token, maxAge: 3600, path: "/complaints",
            isSecure: req.config.secureCookies, isHTTPOnly: true, sameSite: .strict)
        return res
    }

    @Sendable static func newForm(_ req: Request) async throws -> Response {
        try await renderForm(req, values: [:], errors: [], receipt: nil, status: .ok)
    }

    /// The filing form: text fields, and evidence as `files[]` (multipart) when the filer attaches any.
    struct FilingForm: Content {
        var _csrf: String?
        var category: String?
        var unitCode: String?
        var station: String?
        var description: String?
        var contact: String?
        var channel: String?
        var aboutCentre: String?
        var files: [File]?

        var values: [String: String] {
            var v: [String: String] = [:]
            for (k, x) in [
                ("category", category), ("unitCode", unitCode), ("station", station), ("description", description),
                ("contact", contact), ("channel", channel), ("aboutCentre", aboutCentre),
            ] {
                if let x { v[k] = x }
            }
            return v
        }
    }

    /// The most a filing form may carry: five files and the text.
    static let filingMaxBytes = Evidence.maxFiles * Complaints.uploadMaxBytes + 256 * 1024

    @Sendable static func file(_ req: Request) async throws -> Response {
        try await req.application.evidenceGate.run { try await fileGated(req) }
    }

    static func fileGated(_ req: Request) async throws -> Response {
        let lang = L10n.lang(req)
        let user = req.auth.get(User.self)
        func refused(_ e: AppError, values: [String: String]) async throws -> Response {
            let messages =
                e.details.isEmpty
                ? [lang == "en" ? e.message : e.messageZh] : e.details.map { lang == "en" ? $0.message : $0.messageZh }
            let res = try await renderForm(req, values: values, errors: messages, receipt: nil, status: e.status)
            for (name, value) in e.headers { res.headers.replaceOrAdd(name: name, value: value) }
            return res
        }
        do {
            if user == nil { try await req.rateLimit(req.application.complaintLimiter) }
            try await req.collectBody(max: filingMaxBytes, tooLarge: Complaints.tooLarge)
        } catch let e as AppError where e.status.code < 500 {
            return try await refused(e, values: [:])
        }
        let form = try req.content.decode(FilingForm.self)
        guard formTokenMatches(req, form._csrf) else { return try await refused(expired, values: form.values) }
        // A file input left empty still sends a part without a name or content.
        let files = (form.files ?? []).filter { !($0.filename.isEmpty && $0.data.readableBytes == 0) }
            .map(Complaints.EvidenceFile.init)
        do {
            let filing = Complaints.Filing(
                category: form.category, unitCode: form.unitCode, station: form.station,
                description: form.description, contact: form.contact,
                channel: user == nil ? "web" : (form.channel ?? "web"), aboutCentre: form.aboutCentre == "true")
            let (_, receipt) = try await Complaints.file(filing, evidence: files, by: user, on: req.store, now: req.now)
            return try await renderForm(req, values: [:], errors: [], receipt: receipt, status: .created)
        } catch let e as AppError where e.status.code < 500 {
            return try await refused(e, values: form.values)
        }
    }

    struct StatusView: Encodable {
        let receipt: String
        let result: ComplaintsController.PublicStatus?
        let error: String?
        let notice: String?
        let categoryName: String?
        let statusName: String?
        let token: String
        let messages: [MessageRow]
        /// Days and times in Beijing, whatever the server's zone.
        let receivedDay: String
        let dueDay: String
        let updates: [PublicUpdateRow]
    }
    struct PublicUpdateRow: Encodable {
        let at: String
        let status: String
        let note: String?
    }
    struct MessageRow: Encodable {
        let at: String
        let from: String
        let fromFiler: Bool
        let body: String
    }

    static func messageRows(_ messages: [Complaints.MessageDTO], _ t: L10n.Strings) -> [MessageRow] {
        messages.map {
            MessageRow(
                at: Names.minute($0.at), from: $0.from == "filer" ? t[.fromFiler] : t[.fromHandler],
                fromFiler: $0.from == "filer",
                body: $0.body)
        }
    }

    /// The status page for a receipt (sent in a form's body, never in the address), with the
    /// thread and the forms to answer and to add evidence while the case is open.
    static func renderStatus(
        _ req: Request, receipt: String, error: AppError? = nil, notice: String? = nil
    ) async throws -> Response {
        let t = L10n.t(req)
        var result: ComplaintsController.PublicStatus?
        var failure = error
        if !receipt.isEmpty && failure?.status != .tooManyRequests {
            do { result = try await Complaints.publicStatus(receipt, on: req.db, now: req.now) } catch let e as AppError {
                failure = e
            }
        }
        let token = Auth.randomSecret()
        let category = result.flatMap { ComplaintCategory(rawValue: $0.category) }.map { t.en ? $0.nameEn : $0.nameZh }
        let statusName = result.flatMap { ComplaintStatus(rawValue: $0.status) }.map { t.en ? $0.nameEn : $0.nameZh }
        let res = try await Pages.render(
            req, "complaints/status", title: t[.complaintStatus],
            StatusView(
                receipt: receipt, result: result, error: failure.map { t.en ? $0.message : $0.messageZh }, notice: notice,
                categoryName: category, statusName: statusName, token: token, messages: messageRows(result?.messages ?? [], t),
                receivedDay: result.map { Period.dayString($0.receivedAt) } ?? "",
                dueDay: result.map { Complaints.dueDay($0.dueAt) } ?? "",
                updates: (result?.updates ?? []).map {
                    PublicUpdateRow(
                        at: Names.minute($0.at),
                        status: ComplaintStatus(rawValue: $0.status).map { t.en ? $0.nameEn : $0.nameZh } ?? $0.status,
                        note: $0.note)
                }),
            status: failure?.status ?? .ok)
        for (name, value) in failure?.headers ?? [:] { res.headers.replaceOrAdd(name: name, value: value) }
        res.cookies[formCookie] = HTTPCookies.Value(
            string: token, maxAge: 3600, path: "/complaints", isSecure: req.config.secureCookies, isHTTPOnly: true,
            sameSite: .strict)
        return res
    }

    @Sendable static func status(_ req: Request) async throws -> Response {
        struct Form: Content { let receipt: String? }
        let receipt = req.method == .POST ? ((try req.content.decode(Form.self)).receipt ?? "") : ""
        guard !receipt.isEmpty else { return try await renderStatus(req, receipt: "") }
        do { try await req.rateLimit(req.application.verifyLimiter) } catch let e as AppError {
            return try await renderStatus(req, receipt: receipt, error: e)
        }
        return try await renderStatus(req, receipt: receipt)
    }

    static func formTokenMatches(_ req: Request, _ sent: String?) -> Bool {
        guard let sent, let cookie = req.cookies[formCookie]?.string else { return false }
        return sent == cookie
    }

    static var expired: AppError {
        AppError(status: .forbidden, code: "csrf", message: "The form has expired; try again", messageZh: "表单已失效，请重试")
    }

    /// The filer answers the handler's question through the receipt.
    @Sendable static func statusAnswer(_ req: Request) async throws -> Response {
        struct Form: Content {
            let receipt: String?
            let body: String?
            let _csrf: String?
        }
        do { try await req.rateLimit(req.application.receiptLimiter) } catch let e as AppError {
            return try await renderStatus(req, receipt: "", error: e)
        }
        let f = try req.content.decode(Form.self)
        let receipt = f.receipt ?? ""
        guard formTokenMatches(req, f._csrf) else { return try await renderStatus(req, receipt: receipt, error: expired) }
        do {
            _ = try await Complaints.answer(receipt: receipt, .init(body: f.body), on: req.store, now: req.now)
        } catch let e as AppError where e.status.code < 500 {
            return try await renderStatus(req, receipt: receipt, error: e)
        }
        return try await renderStatus(req, receipt: receipt, notice: L10n.t(req)[.answerSent])
    }

    /// The filer adds evidence through the receipt; the body is read once the rate limit let it in.
    @Sendable static func statusAttach(_ req: Request) async throws -> Response {
        try await req.application.evidenceGate.run { try await statusAttachGated(req) }
    }

    static func statusAttachGated(_ req: Request) async throws -> Response {
        struct Form: Content {
            let receipt: String?
            let file: File?
            let _csrf: String?
        }
        do {
            try await req.rateLimit(req.application.receiptLimiter)
            try await req.collectBody(max: Complaints.uploadMaxBytes, tooLarge: Complaints.tooLarge)
        } catch let e as AppError where e.status.code < 500 {
            return try await renderStatus(req, receipt: "", error: e)
        }
        let f = try req.content.decode(Form.self)
        let receipt = f.receipt ?? ""
        guard formTokenMatches(req, f._csrf) else { return try await renderStatus(req, receipt: receipt, error: expired) }
        do {
            let c = try await Complaints.byReceipt(receipt, on: req.db)
            guard let file = f.file, file.data.readableBytes > 0 else {
                throw AppError.invalid(field: "file", code: "required", "Choose a file", "请选择要上传的文件")
            }
            _ = try await Complaints.attach(
                .init(file), to: c.requireID(), fromFiler: true,
                actor: "filer", on: req.store, now: req.now)
        } catch let e as AppError where e.status.code < 500 {
            return try await renderStatus(req, receipt: receipt, error: e)
        }
        return try await renderStatus(req, receipt: receipt, notice: L10n.t(req)[.fileReceived])
    }

    struct HotlinesView: Encodable {
        let ministry: [String]
        let units: [ComplaintsController.HotlinesDTO.UnitPhones]
        let canEdit: Bool
        let mine: String
        let error: String?
    }

    static func renderHotlines(_ req: Request, error: String?, status: HTTPResponseStatus) async throws -> Response {
        let dto = try await Complaints.hotlinesDTO(on: req.db)
        let user = req.auth.get(User.self)
        let mine = dto.units.first { $0.unitCode == user?.unitCode }?.phones.joined(separator: "\n") ?? ""
        return try await Pages.render(
            req, "complaints/hotlines", title: L10n.t(req)[.hotlinesTitle],
            HotlinesView(
                ministry: dto.ministry, units: dto.units,
                canEdit: user?.role == .unit && user?.unitCode != nil, mine: mine, error: error),
            status: status)
    }

    @Sendable static func hotlines(_ req: Request) async throws -> Response {
        try await renderHotlines(req, error: nil, status: .ok)
    }

    struct PhonesForm: Content { let phones: String? }

    @Sendable static func saveHotlines(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        try req.requireCSRF()
        guard user.role == .unit, let unit = user.unitCode else { throw AppError.forbidden }
        let text = try req.content.decode(PhonesForm.self).phones ?? ""
        let phones = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "," || $0 == "，" })
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        do {
            _ = try await Complaints.setHotlines(unit, phones: phones, store: req.store)
        } catch let e as AppError where e.status.code < 500 {
            let lang = L10n.lang(req)
            return try await renderHotlines(
                req, error: e.details.map { lang == "en" ? $0.message : $0.messageZh }.joined(separator: "；"),
                status: e.status)
        }
        return req.redirect(to: SiteURL.hotlines.path)
    }

    struct CaseRow: Encodable {
        let id: String
        let category: String
        let unit: String
        let owner: String
        let status: String
        let received: String
        let due: String
        let overdue: Bool
        let channel: String
        let link: String
    }
    struct CasesView: Encodable {
        let rows: [CaseRow]
        let isMinistry: Bool
        let overdueOnly: Bool
        let overdueCount: Int
        let total: Int
        let pages: Pager
        let statuses: [Names.Option]
        let status: String
    }

    @Sendable static func cases(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let filter = Complaints.CaseFilter(
            unitCode: nil, status: req.query[String.self, at: "status"],
            overdueOnly: req.query[Bool.self, at: "overdue"] == true)
        let paging = try Paging(req, defaultPer: 50, maxPer: 200)
        let page = try await Complaints.casePage(for: user, filter, paging: paging, on: req.db, now: req.now)
        let en = L10n.lang(req) == "en"
        let names = try await UnitNames.all(on: req.db)
        let rows = page.rows.map { c in
            CaseRow(
                id: c.id.uuidString,
                category: ComplaintCategory(rawValue: c.category).map { en ? $0.nameEn : $0.nameZh } ?? c.category,
                unit: c.unitCode.flatMap { names[$0] } ?? (en ? "Unknown" : "不清楚"),
                owner: c.ownerCode.flatMap { names[$0] } ?? (en ? "Ministry" : "部"),
                status: ComplaintStatus(rawValue: c.status).map { en ? $0.nameEn : $0.nameZh } ?? c.status,
                received: Period.dayString(c.receivedAt), due: Complaints.dueDay(c.dueAt), overdue: c.overdue,
                channel: L10n.t(req)[dynamic: "channel_" + c.channel, fallback: c.channel],
                link: SiteURL.complaintCase(.value(c.id.uuidString)).path)
        }
        return try await Pages.render(
            req, "complaints/cases", title: L10n.t(req)[.casesTitle],
            CasesView(
                rows: rows, isMinistry: user.role == .ministry,
                overdueOnly: req.query[Bool.self, at: "overdue"] == true,
                overdueCount: page.overdue, total: page.total,
                pages: Pager(req, base: .complaintCases, paging: paging, hasMore: page.total > paging.offset + paging.per),
                statuses: ComplaintStatus.allCases.map {
                    Names.Option(value: $0.rawValue, name: en ? $0.nameEn : $0.nameZh)
                }, status: req.query[String.self, at: "status"] ?? ""))
    }

    struct ShowView: Encodable {
        let c: ComplaintsController.CaseDTO
        let categoryName: String
        let statusName: String
        let unitName: String
        let ownerName: String
        let closed: Bool
        let isMinistry: Bool
        let units: [Option]
        let targets: [Option]
        let reopenAction: String
        let updates: [UpdateRow]
        let transitionAction: String
        let channelName: String
        let attachments: [AttachmentRow]
        let messages: [MessageRow]
        let uploadAction: String
        let askAction: String
        let extendAction: String
        let canAttach: Bool
        let canAsk: Bool
        let canExtend: Bool
        let extensionMax: Int
        /// The deadline running: the decision's while the case awaits one, else the result's.
        let dueLabel: String
        let dueDay: String
        let receivedMinute: String
    }
    struct AttachmentRow: Encodable {
        let name: String
        let size: String
        let link: String
        let by: String
        let at: String
    }
    struct UpdateRow: Encodable {
        let at: String
        let user: String
        let from: String
        let to: String
        let fromOwner: String
        let toOwner: String
        let note: String
        let publicNote: String
    }

    static func renderShow(_ req: Request, _ dto: ComplaintsController.CaseDTO) async throws -> Response {
        let user = try req.requireUser()
        let en = L10n.lang(req) == "en"
        let names = try await UnitNames.all(on: req.db)
        let status = ComplaintStatus(rawValue: dto.status) ?? .received
        let t = L10n.t(req)
        let id = dto.id.uuidString
        let targets = ComplaintStatus.allCases.filter { status.canMove(to: $0) }
            .map { Option(value: $0.rawValue, name: en ? $0.nameEn : $0.nameZh) }
        let view = ShowView(
            c: dto, categoryName: ComplaintCategory(rawValue: dto.category).map { en ? $0.nameEn : $0.nameZh } ?? dto.category,
            statusName: en ? status.nameEn : status.nameZh,
            unitName: dto.unitCode.flatMap { names[$0] } ?? (en ? "Unknown" : "不清楚"),
            ownerName: dto.ownerCode.flatMap { names[$0] } ?? (en ? "Ministry" : "部"), closed: status.isClosed,
            isMinistry: user.role == .ministry, units: try await options(req).units, targets: targets,
            reopenAction: SiteURL.complaintReopen(.value(dto.id.uuidString)).path,
            updates: (dto.updates ?? []).map { u in
                func name(_ code: String?) -> String {
                    code.map { c in ComplaintStatus(rawValue: c).map { en ? $0.nameEn : $0.nameZh } ?? c } ?? ""
                }
                func owner(_ code: String?) -> String { code.map { names[$0] ?? $0 } ?? (en ? "Ministry" : "部") }
                return UpdateRow(
                    at: Names.minute(u.at), user: u.user, from: name(u.from), to: name(u.to),
                    fromOwner: u.fromOwner == u.toOwner ? "" : owner(u.fromOwner),
                    toOwner: u.fromOwner == u.toOwner ? "" : owner(u.toOwner), note: u.note ?? "", publicNote: u.publicNote ?? "")
            },
            transitionAction: SiteURL.complaintTransition(.value(dto.id.uuidString)).path,
            channelName: t[dynamic: "channel_" + dto.channel, fallback: dto.channel],
            attachments: (dto.attachments ?? []).map {
                AttachmentRow(
                    name: $0.name, size: String(format: "%.1f KB", Double($0.size) / 1024),
                    link: SiteURL.complaintCaseAttachment(.value(id), .value($0.id.uuidString)).path,
                    by: $0.fromFiler ? t[.fromFiler] : t[.fromHandler], at: Names.minute($0.at))
            },
            messages: messageRows(dto.messages ?? [], t),
            uploadAction: SiteURL.complaintCaseAttachments(.value(id)).path,
            askAction: SiteURL.complaintCaseMessages(.value(id)).path,
            extendAction: SiteURL.complaintCaseExtend(.value(id)).path,
            canAttach: !status.isClosed && (dto.attachments ?? []).filter { !$0.fromFiler }.count < Evidence.maxFiles,
            canAsk: !status.isClosed && dto.channel != ComplaintChannel.supervision.rawValue,
            canExtend: user.role == .ministry && (status == .accepted || status == .investigating) && dto.extensionDays == 0,
            extensionMax: req.config.complaintExtensionDays,
            dueLabel: status.awaitsDecision ? t[.decisionDue] : t[.resultDue], dueDay: Complaints.dueDay(dto.dueAt),
            receivedMinute: Names.minute(dto.receivedAt))
        return try await Pages.render(req, "complaints/show", title: view.categoryName, view)
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let c = try await Complaints.handled(req.parameters.get("id", as: UUID.self), by: user, on: req.db)
        return try await renderShow(req, try await Complaints.detail(c, on: req.db, now: req.now))
    }

    @Sendable static func transition(_ req: Request) async throws -> Response {
        _ = try req.requireUser()
        try req.requireCSRF()
        struct Form: Content {
            let to: String?
            let note: String?
            let publicNote: String?
            let transferTo: String?
            let referredToPolice: String?
            let reason: String?
        }
        let f = try req.content.decode(Form.self)
        let user = try req.requireUser()
        let c = try await Complaints.handled(req.parameters.get("id", as: UUID.self), by: user, on: req.db)
        let moved = try await Complaints.transition(
            c,
            .init(
                to: f.to, note: f.note, publicNote: f.publicNote,
                transferTo: (f.transferTo ?? "").isEmpty ? nil : f.transferTo,
                referredToPolice: f.referredToPolice == "true", reason: f.reason), by: user, on: req.store, now: req.now)
        // A unit that transferred the case no longer sees it.
        if user.role == .unit && moved.ownerCode != user.unitCode { return req.redirect(to: SiteURL.complaintCases.path) }
        return req.redirect(to: caseLink(c))
    }

    @Sendable static func reopen(_ req: Request) async throws -> Response {
        let user = try req.requireMinistry()
        try req.requireCSRF()
        let c = try await Complaints.handled(req.parameters.get("id", as: UUID.self), by: user, on: req.db)
        _ = try await Complaints.reopen(
            c, note: try req.content.decode(ComplaintsController.Note.self).note, by: user, on: req.store, now: req.now)
        return req.redirect(to: caseLink(c))
    }

    static func caseLink(_ c: Complaint) -> String { SiteURL.complaintCase(.value(c.id?.uuidString ?? "")).path }

    /// Staff attach a file to a case they handle (CSRF checked once the body is in).
    @Sendable static func attach(_ req: Request) async throws -> Response {
        try await req.application.evidenceGate.run { try await attachGated(req) }
    }

    static func attachGated(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let c = try await Complaints.handled(req.parameters.get("id", as: UUID.self), by: user, on: req.db)
        try await req.collectBody(max: Complaints.uploadMaxBytes, tooLarge: Complaints.tooLarge)
        try req.requireCSRF()
        let file = try req.content.decode(ComplaintsController.FileUpload.self).file
        guard let file, file.data.readableBytes > 0 else {
            throw AppError.invalid(field: "file", code: "required", "Choose a file", "请选择要上传的文件")
        }
        _ = try await Complaints.attach(
            .init(file), to: c.requireID(), fromFiler: false,
            actor: user.username, on: req.store, now: req.now)
        return req.redirect(to: caseLink(c))
    }

    @Sendable static func download(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let c = try await Complaints.handled(req.parameters.get("id", as: UUID.self), by: user, on: req.db)
        return ComplaintsController.file(
            try await Complaints.attachment(req.parameters.get("attachmentId", as: UUID.self), of: c, on: req.db))
    }

    @Sendable static func ask(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        try req.requireCSRF()
        let c = try await Complaints.handled(req.parameters.get("id", as: UUID.self), by: user, on: req.db)
        _ = try await Complaints.ask(
            c.requireID(), try req.content.decode(Complaints.MessageInput.self), by: user, on: req.store, now: req.now)
        return req.redirect(to: caseLink(c))
    }

    @Sendable static func extend(_ req: Request) async throws -> Response {
        let user = try req.requireMinistry()
        try req.requireCSRF()
        let c = try await Complaints.handled(req.parameters.get("id", as: UUID.self), by: user, on: req.db)
        struct Form: Content {
            let days: String?
            let reason: String?
        }
        let f = try req.content.decode(Form.self)
        guard let days = f.days.flatMap({ Int($0) }) else {
            throw AppError.invalid(field: "days", code: "out_of_range", "Working days: a number", "延长工作日数须为数字")
        }
        _ = try await Complaints.extend(c.requireID(), .init(days: days, reason: f.reason), by: user, on: req.store, now: req.now)
        return req.redirect(to: caseLink(c))
    }

    @Sendable static func stats(_ req: Request) async throws -> Response {
        let user = try req.requireMinistry()
        let period = try req.query[String.self, at: "period"].map { try Reports.period($0) }
        let s = try await Complaints.stats(for: user, period: period, on: req.db, now: req.now)
        struct View: Encodable {
            let stats: ComplaintsController.Stats
            let csv: String
            let periodName: String
        }
        let csv = SiteURL.complaintStatsCSV.with(period.map { [("period", $0.description)] } ?? [])
        return try await Pages.render(
            req, "complaints/stats", title: L10n.t(req)[.statsTitle],
            View(stats: s, csv: csv, periodName: period.map(Names(L10n.t(req)).period) ?? ""))
    }

    @Sendable static func statsCSV(_ req: Request) async throws -> Response {
        let user = try req.requireMinistry()
        let period = try req.query[String.self, at: "period"].map { try Reports.period($0) }
        return ComplaintsController.csv(try await Complaints.stats(for: user, period: period, on: req.db, now: req.now))
    }
}
