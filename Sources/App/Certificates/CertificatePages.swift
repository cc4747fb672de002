import CertificateKit
import Domain
import Fluent
import Vapor

/// Web pages for certificates: the unit's stock and issuance, the ministry's allocation and
/// ledger, and the public verification page.
enum CertificatePages {
    static func register(_ r: any RoutesBuilder) {
        r.get(.verify, use: verify)
        r.post(.verify, use: verify)
        r.get(.certificates, use: index)
        r.get(.certificate(.key), use: show)
        r.post(.certificateOrders, use: order)
        r.post(.certificateOrderAllocate(.key), use: allocate)
        r.post(.certificateOrderPayments(.key), use: pay)
        r.post(.certificateIssue, use: issue)
        r.grouped(RequireRole([.unit])).on(.POST, .certificateImport, body: .collect(maxSize: "16mb"), use: importFile)
        r.post(.certificateRevoke(.key), use: revoke)
        r.post(.certificateVoid, use: void)
    }

    // MARK: Public verification

    struct VerifyView: Encodable {
        let serial: String
        let name: String
        let idNumber: String
        let asked: Bool
        let result: String?
        let resultText: String?
        let certificate: VerifyController.PublicCertificate?
        let signatureValid: Bool?
        let error: String?
        let batchAction: String
    }

    @Sendable static func verify(_ req: Request) async throws -> Response {
        let lang = L10n.lang(req)
        // A person's name and ID number travel in the form's body, never in the address (history,
        // proxy logs, Referer); only a scanned QR code's signed token comes in the URL.
        var q = VerifyController.Query(serial: nil, name: nil, idNumber: nil, token: nil)
        if req.method == .POST {
            struct Form: Content {
                let serial: String?
                let name: String?
                let idNumber: String?
            }
            let f = try req.content.decode(Form.self)
            q = .init(serial: f.serial, name: f.name, idNumber: f.idNumber, token: nil)
        } else if let scanned = req.query[String.self, at: "t"] {
            q = .init(serial: nil, name: nil, idNumber: nil, token: scanned)
        }
        var answer: VerifyController.Answer?
        var error: String?
        var status = HTTPResponseStatus.ok
        if q.token != nil || q.serial != nil {
            do {
                try await req.rateLimit(req.application.verifyLimiter)
                answer = try await VerifyController.answer(q, on: req)
            } catch let e as AppError {
                error = lang == "en" ? e.message : e.messageZh
                status = e.status
            }
        }
        return try await renderVerify(req, query: q, answer: answer, error: error, status: status)
    }

    static func renderVerify(
        _ req: Request, query q: VerifyController.Query, answer: VerifyController.Answer?, error: String?,
        status: HTTPResponseStatus
    ) async throws -> Response {
        let t = L10n.t(req)
        let view = VerifyView(
            serial: q.serial ?? "", name: q.name ?? "", idNumber: q.idNumber ?? "", asked: q.token != nil || q.serial != nil,
            result: answer?.result, resultText: answer.map { t[dynamic: "verify_" + $0.result, fallback: $0.result] },
            certificate: answer?.certificate, signatureValid: answer?.signatureValid, error: error,
            batchAction: SiteURL.verifyBatch.path)
        return try await Pages.render(
            req, "certificates/verify", title: t[.verifyTitle], view, status: status, canonical: .verify)
    }

    // MARK: Staff pages

    struct OrderRow: Encodable {
        let id: String
        let unitCode: String
        let unitName: String
        let level: String
        let quantity: Int
        let status: String
        let range: String
        let unitPrice: String
        let due: String
        let paid: String
        let allocatedOn: String
        let pending: Bool
        let allocateAction: String
        let payAction: String
    }
    struct BreachRow: Encodable {
        let unit: String
        let serial: String
        let owner: String
        let source: String
        let at: String
    }
    struct CertRow: Encodable {
        let serial: String
        let number: String
        let holderName: String
        let occupation: String
        let level: String
        let issuedOn: String
        let status: String
        let link: String
    }
    struct IndexView: Encodable {
        let isMinistry: Bool
        let isUnit: Bool
        let orders: [OrderRow]
        let certificates: [CertRow]
        let total: Int
        let page: Int
        let pages: Int
        let q: String
        let status: String
        let pager: Pager
        let breaches: [BreachRow]
        let leadsLink: String
        let message: String?
        let importResult: Issuance.ImportResult?
        let today: String
        let levels: [Names.Option]
        let fields: [String: String]
        let values: [String: String]
        let occupationChoices: [Names.Option]
    }

    @Sendable static func index(_ req: Request) async throws -> Response {
        try await renderIndex(req, message: nil, importResult: nil)
    }

    static func renderIndex(
        _ req: Request, message: String?, importResult: Issuance.ImportResult?,
        status: HTTPResponseStatus = .ok, fields: [String: String] = [:], values: [String: String] = [:]
    ) async throws -> Response {
        let user = try req.requireUser()
        let t = L10n.t(req)
        let units = try await UnitNames.all(on: req.db)
        let names = Names(t)
        let orders = try await Certificates.orders(for: user, unitCode: req.query[String.self, at: "unitCode"], on: req.db).map {
            o in
            OrderRow(
                id: o.id.uuidString, unitCode: o.unitCode, unitName: units[o.unitCode] ?? o.unitCode, level: names.level(o.level),
                quantity: o.quantity, status: t[dynamic: "order_" + o.status, fallback: o.status],
                range: o.serialFrom.map { "\($0)–\(o.serialTo ?? "")" } ?? "", unitPrice: o.unitPriceYuan ?? "",
                due: o.dueYuan ?? "", paid: o.paidYuan, allocatedOn: o.allocatedOn ?? "", pending: o.status == "pending",
                allocateAction: SiteURL.certificateOrderAllocate(.value(o.id.uuidString)).path,
                payAction: SiteURL.certificateOrderPayments(.value(o.id.uuidString)).path)
        }
        let page = try await Certificates.search(try Certificates.Search(query: req), for: user, on: req.db)
        let occupations = try await Registers.occupations(matching: nil, on: req.db)
        let occupationName = Dictionary(uniqueKeysWithValues: occupations.map { ($0.code, $0.name) })
        let pages = max(1, (page.total + page.per - 1) / page.per)
        var breaches: [BreachRow] = []
        if user.role == .ministry {
            breaches = try await Certificates.breaches(for: user, limit: 50, on: req.db).map { b in
                BreachRow(
                    unit: units[b.unitCode] ?? b.unitCode, serial: b.serial,
                    owner: b.ownerCode.map { units[$0] ?? $0 } ?? t[.neverAllocated],
                    source: t[dynamic: "breach_" + b.source, fallback: b.source], at: Names.minute(b.at))
            }
        }
        let view = IndexView(
            isMinistry: user.role == .ministry, isUnit: user.role == .unit, orders: orders,
            certificates: page.items.map {
                CertRow(
                    serial: $0.serial, number: $0.certificateNumber ?? "", holderName: $0.holderName ?? "",
                    occupation: $0.occupation.map { occupationName[$0] ?? $0 } ?? "",
                    level: names.level($0.level),
                    issuedOn: $0.issuedOn ?? "", status: t[dynamic: "cert_" + $0.status, fallback: $0.status],
                    link: SiteURL.certificate(.value($0.serial)).path)
            },
            total: page.total, page: page.page, pages: pages, q: req.query[String.self, at: "q"] ?? "",
            status: req.query[String.self, at: "status"] ?? "",
            pager: Pager(req, base: .certificates, paging: Paging(page: page.page, per: page.per), hasMore: page.page < pages),
            breaches: breaches,
            leadsLink: SiteURL.certificateLeads.path, message: message,
            importResult: importResult, today: Period.dayString(req.now),
            levels: names.levels, fields: fields, values: values,
            occupationChoices: occupations.filter(\.active).map { Names.Option(value: $0.name, name: $0.code) })
        return try await Pages.render(
            req, "certificates/index", title: t[.certificates], view, status: status, canonical: .certificates)
    }

    /// Runs a form action; a refused one shows the page again with the reason, in the reader's language.
    static func form(_ req: Request, _ action: () async throws -> String?) async throws -> Response {
        _ = try req.requireUser()
        try req.requireCSRF()
        do {
            let note = try await action()
            return req.redirect(to: SiteURL.certificates.with(note.map { [("note", $0)] } ?? []))
        } catch let e as AppError where e.status.code < 500 && e.status != .unauthorized {
            // Each reason beside its field, the values typed shown again.
            let en = L10n.lang(req) == "en"
            return try await renderIndex(
                req,
                message: e.details.isEmpty
                    ? (en ? e.message : e.messageZh) : (en ? "Please correct the fields marked" : "请更正标出的字段"),
                importResult: nil, status: e.status, fields: e.fieldMessages(en: en), values: Pages.formValues(req))
        }
    }

    struct OrderForm: Content {
        let level: String?
        let quantity: String?
    }

    @Sendable static func order(_ req: Request) async throws -> Response {
        try await form(req) {
            let user = try req.requireUser()
            guard let unit = user.unitCode else { throw AppError.forbidden }
            let f = try req.content.decode(OrderForm.self)
            let input = Certificates.NewOrder(unitCode: unit, level: f.level, quantity: Int(f.quantity ?? "") ?? 0)
            _ = try await Certificates.createOrder(input, by: user, on: req.store)
            return nil
        }
    }

    struct AllocateForm: Content {
        let unitPriceYuan: String?
        let allocatedOn: String?
    }

    @Sendable static func allocate(_ req: Request) async throws -> Response {
        try await form(req) {
            let user = try req.requireMinistry()
            let f = try req.content.decode(AllocateForm.self)
            let input = Certificates.Allocation(
                unitPriceYuan: f.unitPriceYuan.map { .string($0) },
                allocatedOn: (f.allocatedOn ?? "").isEmpty ? nil : f.allocatedOn)
            _ = try await Certificates.allocate(req.parameters.get("id"), input, by: user, on: req.store, now: req.now)
            return nil
        }
    }

    struct PayForm: Content {
        let amountYuan: String?
        let paidOn: String?
    }

    @Sendable static func pay(_ req: Request) async throws -> Response {
        try await form(req) {
            let user = try req.requireMinistry()
            let f = try req.content.decode(PayForm.self)
            let input = Certificates.NewPayment(amountYuan: f.amountYuan.map { .string($0) }, paidOn: f.paidOn)
            _ = try await Certificates.pay(req.parameters.get("id"), input, by: user, on: req.store, now: req.now)
            return nil
        }
    }

    @Sendable static func issue(_ req: Request) async throws -> Response {
        try await form(req) {
            let user = try req.requireUser()
            _ = try Certificates.issuingUnit(user)  // before the body is read
            let b = try req.content.decode(Certificates.NewCertificate.self)
            return try await Certificates.issue(b, by: user, on: req.store, now: req.now).serial
        }
    }

    struct ImportForm: Content {
        let file: File?
        let _csrf: String?
    }

    @Sendable static func importFile(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let unit = try Certificates.issuingUnit(user)
        try req.requireCSRF()
        let f = try req.content.decode(ImportForm.self)
        guard let data = f.file?.data, data.readableBytes > 0 else {
            return try await renderIndex(
                req, message: L10n.lang(req) == "en" ? "Choose a CSV file" : "请选择CSV文件",
                importResult: nil, status: .unprocessableEntity)
        }
        do {
            let result = try await Issuance.importCSV(try Upload.from(data), unit: unit, by: user, on: req.store, now: req.now)
            return try await renderIndex(req, message: nil, importResult: result)
        } catch let e as AppError where e.status.code < 500 {
            return try await renderIndex(
                req, message: L10n.lang(req) == "en" ? e.message : e.messageZh,
                importResult: nil, status: e.status)
        }
    }

    struct VoidForm: Content {
        let serial: String?
        let reason: String?
    }

    @Sendable static func void(_ req: Request) async throws -> Response {
        try await form(req) {
            let f = try req.content.decode(VoidForm.self)
            _ = try await Certificates.void(
                f.serial ?? "", reason: f.reason, by: try req.requireUser(), on: req.store, now: req.now)
            return nil
        }
    }

    @Sendable static func revoke(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        try req.requireCSRF()
        _ = try await Certificates.revoke(
            req.parameters.get("serial") ?? "", reason: (try? req.content.decode(CertificatesController.Reason.self))?.reason,
            by: user,
            on: req.store, now: req.now)
        return req.redirect(to: SiteURL.certificate(.value(req.parameters.get("serial") ?? "")).path)
    }

    struct ShowView: Encodable {
        let certificate: Certificates.CertificateDTO
        let occupationName: String
        /// The exam session whose pass the certificate was issued against (for the unit and the ministry).
        let sessionLink: String?
        let qr: String?
        let canRevoke: Bool
        let levelName: String
        let statusText: String
        let revokeAction: String
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let dto = try await Certificates.signed(
            try await Certificates.find(req.parameters.get("serial") ?? "", for: user, on: req.db),
            on: req.store)
        let t = L10n.t(req)
        let qr = try dto.verifyURL.map { try Signing.qrSVG($0, title: dto.token ?? "") }
        var occupation: Occupation?
        if let code = dto.occupation { occupation = try await Occupation.find(code, on: req.db) }
        let view = ShowView(
            certificate: dto,
            occupationName: occupation.map { "\($0.name)（\($0.id ?? "")）" } ?? dto.occupation ?? "",
            // Supervisors read certificates but not the units' session registers.
            sessionLink: user.role == .supervisor
                ? nil : dto.sessionId.map { SiteURL.registerSession(.value($0.uuidString)).path },
            qr: qr,
            canRevoke: dto.status == "issued" && user.role != .supervisor,
            levelName: Names(t).level(dto.level), statusText: t[dynamic: "cert_" + dto.status, fallback: dto.status],
            revokeAction: SiteURL.certificateRevoke(.value(dto.serial)).path)
        return try await Pages.render(req, "certificates/show", title: dto.serial, view)
    }
}
