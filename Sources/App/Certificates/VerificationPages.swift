import Domain
import Fluent
import Vapor

/// Pages of verification at scale: forgery leads (certificates area), the ministry's API keys
/// (administration), and the CSV upload of the public verification page. Each calls the same
/// service as its API.
enum VerificationPages {
    static func register(_ r: any RoutesBuilder) {
        r.get(.certificateLeads, use: leads)
        r.post(.certificateLeadCase(.key), use: leadCase)
        r.get(.adminAPIKeys, use: keys)
        r.post(.adminAPIKeys, use: createKey)
        r.post(.adminAPIKeyRevoke(.key), use: revokeKey)
        // Limited per address before the file is read; 1,000 rows of a serial, a name and an ID number fit in 256 KB.
        r.grouped(RateLimitFirst { $0.verifyLimiter }).on(.POST, .verifyBatch, body: .collect(maxSize: "256kb"), use: verifyBatch)
    }

    // MARK: Forgery leads

    struct LeadRow: Encodable {
        let serial: String
        let day: String
        let kind: String
        let owner: String
        let lookups: Int
        let lastSeen: String
        let caseLink: String?
        let caseAction: String?
    }
    struct LeadsView: Encodable {
        let leads: [LeadRow]
        let total: Int
        let pager: Pager
        let page: Int
        let pages: Int
        let kind: String
        let kinds: [Names.Option]
        let message: String?
    }

    @Sendable static func leads(_ req: Request) async throws -> Response {
        try await renderLeads(req, message: nil)
    }

    static func renderLeads(_ req: Request, message: String?, status: HTTPResponseStatus = .ok) async throws -> Response {
        let user = try req.requireUser()
        let t = L10n.t(req)
        let paging = try Paging(req, defaultPer: 50, maxPer: 200)
        let kind = req.query[String.self, at: "kind"].flatMap { ForgeryLead.Kind(rawValue: $0) }?.rawValue
        let page = try await ForgeryLeads.list(
            .init(unitCode: req.query[String.self, at: "unitCode"], kind: kind, paging: paging), for: user, on: req.db)
        let units = try await UnitNames.all(on: req.db)
        let canAct = user.role == .ministry || user.role == .unit
        let rows = page.items.map { l in
            LeadRow(
                serial: l.serial, day: l.day, kind: t[dynamic: "leadKind_" + l.kind, fallback: l.kind],
                owner: l.unitCode.map { units[$0] ?? $0 } ?? t[.ministryOwn], lookups: l.lookups,
                lastSeen: Names.minute(l.lastSeen),
                caseLink: l.complaintId.map { SiteURL.complaintCase(.value($0.uuidString)).path },
                caseAction: l.complaintId == nil && canAct ? SiteURL.certificateLeadCase(.value(l.id.uuidString)).path : nil)
        }
        let pages = max(1, (page.total + page.per - 1) / page.per)
        let view = LeadsView(
            leads: rows, total: page.total,
            pager: Pager(req, base: .certificateLeads, paging: paging, hasMore: page.page < pages), page: page.page,
            pages: pages, kind: kind ?? "",
            kinds: ForgeryLead.Kind.allCases.map {
                Names.Option(value: $0.rawValue, name: t[dynamic: "leadKind_" + $0.rawValue, fallback: $0.rawValue])
            },
            message: message)
        return try await Pages.render(
            req, "certificates/leads", title: t[.leads], view, status: status, canonical: .certificateLeads)
    }

    @Sendable static func leadCase(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        try req.requireCSRF()
        do {
            let c = try await ForgeryLeads.openCase(req.parameters.get("id"), by: user, on: req.store, now: req.now)
            return req.redirect(to: SiteURL.complaintCase(.value(c.complaintId.uuidString)).path)
        } catch let e as AppError where e.status.code < 500 && e.status != .unauthorized {
            return try await renderLeads(req, message: L10n.lang(req) == "en" ? e.message : e.messageZh, status: e.status)
        }
    }

    // MARK: API keys (the ministry)

    struct KeyRow: Encodable {
        let prefix: String
        let organisation: String
        let contact: String
        let dailyQuota: Int
        let usedToday: Int
        let createdAt: String
        let active: Bool
        let revokeAction: String
    }
    struct KeysView: Encodable {
        let keys: [KeyRow]
        let newKey: String?
        let message: String?
        let values: [String: String]
    }

    static func renderKeys(
        _ req: Request, newKey: String?, message: String?, status: HTTPResponseStatus = .ok, values: [String: String] = [:]
    ) async throws -> Response {
        let user = try req.requireMinistry()
        let keys = try await APIKeys.list(by: user, on: req.db, now: req.now).map {
            KeyRow(
                prefix: $0.prefix + "…", organisation: $0.organisation, contact: $0.contact, dailyQuota: $0.dailyQuota,
                usedToday: $0.usedToday, createdAt: Names.minute($0.createdAt), active: $0.active,
                revokeAction: SiteURL.adminAPIKeyRevoke(.value($0.id.uuidString)).path)
        }
        let view = KeysView(keys: keys, newKey: newKey, message: message, values: values)
        return try await Pages.render(
            req, "apikeys", title: L10n.t(req)[.apiKeys], view, status: status, canonical: .adminAPIKeys)
    }

    @Sendable static func keys(_ req: Request) async throws -> Response { try await renderKeys(req, newKey: nil, message: nil) }

    struct KeyForm: Content {
        let organisation: String?
        let contact: String?
        let dailyQuota: String?
    }

    @Sendable static func createKey(_ req: Request) async throws -> Response {
        let user = try req.requireMinistry()
        try req.requireCSRF()
        let f = try req.content.decode(KeyForm.self)
        let quota = (f.dailyQuota ?? "").trimmingCharacters(in: .whitespaces)
        let input = APIKeys.NewKey(
            organisation: f.organisation, contact: f.contact, dailyQuota: Decimal(string: quota).map { .number($0) })
        do {
            let k = try await APIKeys.create(input, by: user, on: req.store, now: req.now)
            // Shown on this page, once; never put in a redirect's address.
            return try await renderKeys(req, newKey: k.key, message: nil, status: .created)
        } catch let e as AppError where e.status.code < 500 && e.status != .unauthorized {
            let en = L10n.lang(req) == "en"
            let msg =
                e.details.isEmpty
                ? (en ? e.message : e.messageZh) : e.details.map { en ? $0.message : $0.messageZh }.joined(separator: "；")
            return try await renderKeys(req, newKey: nil, message: msg, status: e.status, values: Pages.formValues(req))
        }
    }

    @Sendable static func revokeKey(_ req: Request) async throws -> Response {
        let user = try req.requireMinistry()
        try req.requireCSRF()
        do {
            _ = try await APIKeys.revoke(req.parameters.get("id"), by: user, on: req.store, now: req.now)
            return req.redirect(to: SiteURL.adminAPIKeys.path)
        } catch let e as AppError where e.status.code < 500 && e.status != .unauthorized {
            return try await renderKeys(
                req, newKey: nil, message: L10n.lang(req) == "en" ? e.message : e.messageZh, status: e.status)
        }
    }

    // MARK: The verification page's CSV upload

    struct UploadForm: Content {
        let apiKey: String?
        let file: File?
    }

    /// A key holder's CSV file in, the results out as a CSV download; a refusal shows the
    /// verification page with its reason. No session is involved: the key is the credential.
    @Sendable static func verifyBatch(_ req: Request) async throws -> Response {
        do {
            let f = try req.content.decode(UploadForm.self)
            let key = try await APIKeys.authenticate(f.apiKey?.trimmingCharacters(in: .whitespacesAndNewlines), on: req.db)
            guard let data = f.file?.data, data.readableBytes > 0 else {
                throw AppError.invalid(field: "file", code: "required", "Choose a CSV file", "请选择CSV文件")
            }
            let answer = try await VerifyBatch.answer(try VerifyBatch.rows(csv: data), key: key, on: req.store, now: req.now)
            let res = Response(status: .ok, body: .init(string: VerifyBatch.csv(answer)))
            res.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
            res.headers.contentDisposition = .init(.attachment, filename: "verification-\(Period.dayString(req.now)).csv")
            return res
        } catch let e as AppError where e.status.code < 500 {
            return try await CertificatePages.renderVerify(
                req, query: .init(serial: nil, name: nil, idNumber: nil, token: nil), answer: nil,
                error: L10n.lang(req) == "en" ? e.message : e.messageZh, status: e.status)
        }
    }
}
