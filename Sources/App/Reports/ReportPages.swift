import Domain
import Fluent
import Vapor

enum ReportPages {
    struct QuarterRow: Encodable {
        let period: String
        let periodName: String
        let status: String?
        let statusText: String?
        let revision: Int?
        let late: Bool
        let future: Bool
        let link: String
    }
    struct StatusRow: Encodable {
        let unitCode: String
        let unitName: String
        let status: String?
        let statusText: String?
        let revision: Int?
        let submittedAt: String?
        let late: Bool
        let acceptedRevision: Int?
        let link: String
    }
    struct IndexView: Encodable {
        let isMinistry: Bool
        let unitName: String?
        let unitCode: String?
        let quarters: [QuarterRow]
        let period: String
        let periodName: String
        let statuses: [StatusRow]
        let reportedCount: Int
        let unitCount: Int
        let periods: [Names.Option]
        let deadline: String
        let previewLink: String
        let workbookLink: String
    }

    @Sendable static func index(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let now = req.now
        let current = Period.containing(now)
        var recent: [Period] = []
        var p = current
        for _ in 0..<8 {
            recent.append(p)
            p = p.previous
        }
        let t = L10n.t(req)
        let names = Names(t)
        if user.role == .ministry {
            let chosen = try (req.query[String.self, at: "period"]).map { try Reports.period($0) } ?? current.previous
            let statuses = try await Reports.statuses(chosen, on: req.db)
            let rows = statuses.map {
                StatusRow(
                    unitCode: $0.unitCode, unitName: $0.unitName, status: $0.status,
                    statusText: $0.status.map { t[dynamic: $0, fallback: $0] }, revision: $0.revision,
                    submittedAt: $0.submittedAt.map { Period.dayString($0) }, late: $0.late,
                    acceptedRevision: $0.acceptedRevision,
                    link: SiteURL.report(.value(chosen.description), .value($0.unitCode)).path)
            }
            let reported = statuses.filter { $0.status == "submitted" || $0.status == "accepted" || $0.acceptedRevision != nil }
                .count
            let deadline = chosen.deadlineDay(days: req.config.deadlineDays)
            return try await Pages.render(
                req, "reports/index", title: t[.reports],
                IndexView(
                    isMinistry: true, unitName: nil, unitCode: nil, quarters: [], period: chosen.description,
                    periodName: names.period(chosen), statuses: rows, reportedCount: reported, unitCount: statuses.count,
                    periods: recent.map { Names.Option(value: $0.description, name: names.period($0)) }, deadline: deadline,
                    previewLink: SiteURL.bulletin(.value(chosen.description)).with([("draft", "true")]),
                    workbookLink: SiteURL.reportsWorkbook(chosen.description).path))
        }
        guard let code = user.unitCode else { throw AppError.forbidden }
        let unit = try await Reports.unit(code, on: req.db)
        var quarters: [QuarterRow] = []
        for period in recent {
            let r = try await Reports.latest(period, code, on: req.db)
            quarters.append(
                QuarterRow(
                    period: period.description, periodName: names.period(period), status: r?.status.rawValue,
                    statusText: r.map { t[dynamic: $0.status.rawValue, fallback: $0.status.rawValue] }, revision: r?.revision,
                    late: r?.late ?? false, future: period.isFuture(now: now),
                    link: SiteURL.report(.value(period.description), .value(code)).path))
        }
        return try await Pages.render(
            req, "reports/index", title: t[.reports],
            IndexView(
                isMinistry: false, unitName: unit.name, unitCode: code, quarters: quarters, period: current.description,
                periodName: names.period(current), statuses: [], reportedCount: 0, unitCount: 0, periods: [], deadline: "",
                previewLink: "", workbookLink: ""))
    }

    struct FieldView: Encodable {
        let key: String
        let column: Int
        let group: String
        let label: String
        let kind: String
        let value: String
        let error: String?
        let yes: String
        let no: String
    }
    struct HistoryView: Encodable {
        let at: String
        let user: String
        let revision: Int
        let action: String
        let field: String
        let old: String
        let new: String
        let comment: String
    }
    struct ReportView: Encodable {
        let period: String
        let periodName: String
        let unitCode: String
        let unitName: String
        let status: String?
        let statusText: String
        let actions: Actions
        let revision: Int?
        let editable: Bool
        let canSubmit: Bool
        let canReview: Bool
        let published: Bool
        let fields: [FieldView]
        let errors: [String]
        let findings: [String]
        let comment: String?
        let history: [HistoryView]
        let deadline: String
        let late: Bool
        let ratio: String
        let saved: Bool
        /// The certificate ledger's year-to-date figures, offered to fill columns 25–28.
        let ledgerDue: String
        let ledgerPaid: String
        let ledgerDiffers: Bool
        let filledFromLedger: Bool
        /// The registers' case counts (investigated/uninvestigated) for 9–11, 17–19, 21–23.
        let casesText: String
        /// Where the report disagrees with the registers, by field and column.
        let discrepancies: [DiscrepancyView]
        let sessions: Int
        /// Certificates of the quarter: issued, against passes, refused; sessions with more certificates than passes.
        let issuance: IssuanceFigures
        let overCertified: [OverCertifiedView]
    }
    struct OverCertifiedView: Encodable {
        let date: String
        let station: String
        let occupation: String
        let level: String
        let passes: Int
        let certificates: Int
        let link: String
    }
    /// The report's form actions and links.
    struct Actions: Encodable {
        let save: String, submit: String, accept: String, sendBack: String, fill: String, upload: String, xlsx: String
        init(_ p: Period, _ unit: String) {
            let period = Parameter.value(p.description)
            let code = Parameter.value(unit)
            save = SiteURL.report(period, code).path
            upload = SiteURL.reportAction(period, code, .upload).path
            xlsx = save + ".xlsx"  // the page's own path, as a spreadsheet
            submit = SiteURL.reportAction(period, code, .submit).path
            accept = SiteURL.reportAction(period, code, .accept).path
            sendBack = SiteURL.reportAction(period, code, .return).path
            fill = SiteURL.report(period, code).with([("fill", "ledger")])
        }
    }
    struct DiscrepancyView: Encodable {
        let column: String
        let field: String
        let reported: String
        let derived: String
    }

    static func fieldViews(values: [String: String], errors: [String: String], lang: String) -> [FieldView] {
        let t = L10n.Strings(lang: lang)
        return ReportValues.fieldColumns.map { f in
            if f.kind == .money {
                let label = t[f.key == "payment.dueYuan" ? .dueYuan : .paidYuan]
                return FieldView(
                    key: f.key, column: 0, group: Catalogue.column(25).path[1], label: label, kind: f.kind.rawValue,
                    value: values[f.key] ?? "", error: errors[f.key], yes: "", no: "")
            }
            let col = Catalogue.column(f.column)
            let group = col.path.dropLast(f.kind == .flag ? 1 : (col.path.count > 2 ? 2 : 1)).joined(separator: " › ")
            let leaf = f.kind == .flag ? (col.path.dropLast().last ?? "") : col.path.last!
            let isShi = col.path.last == "是"
            return FieldView(
                key: f.key, column: f.column, group: group,
                label: lang == "en" ? col.english : leaf, kind: f.kind.rawValue,
                value: values[f.key] ?? "", error: errors[f.key],
                yes: isShi ? t[.isYes] : t[.yes], no: isShi ? t[.isNo] : t[.no])
        }
    }

    /// `/reports/{period}.xlsx`: the ministry's workbook of every unit's report of the quarter.
    @Sendable static func workbook(_ req: Request) async throws -> Response {
        guard let period = ReportSpreadsheet.stripSuffix(req.parameters.get("period")) else {
            throw AppError.notFound("No such page", "找不到该页面")
        }
        let p = try Reports.period(period)
        _ = try req.requireMinistry()
        return try await ReportSpreadsheet.overviewDownload(period: p, on: req.db)
    }

    /// The report page, or, as `{unitCode}.xlsx`, the official form to fill in a spreadsheet.
    @Sendable static func show(_ req: Request) async throws -> Response {
        if let unit = ReportSpreadsheet.stripSuffix(req.parameters.get("unitCode")) {
            return try await ReportSpreadsheet.formDownload(
                req, period: try Reports.period(req.parameters.get("period")), unit: unit)
        }
        return try await renderForm(
            req, formValues: nil, issues: [], status: .ok, saved: req.query[String.self, at: "saved"] != nil)
    }

    static func renderForm(
        _ req: Request, formValues: [String: String]?, issues: [ValidationIssue],
        status: HTTPResponseStatus, saved: Bool = false
    ) async throws -> Response {
        let p = try Reports.period(req.parameters.get("period"))
        let code = req.parameters.get("unitCode") ?? ""
        let user = try req.requireRead(unit: code)
        let unit = try await Reports.unit(code, on: req.db)
        let lang = L10n.lang(req)
        let t = L10n.Strings(lang: lang)
        let report = try await Reports.latest(p, code, on: req.db)
        let canWrite = user.role == .unit || user.role == .ministry
        let editable = canWrite && !p.isFuture(now: req.now) && report?.status != .submitted
        var values: [String: String] = [:]
        if let report { for (k, v) in report.values.fields { values[k] = v } }
        if let formValues { values = formValues }
        // What the registers say (sessions, stations, fees, visits, complaints, the certificate ledger),
        // offered to fill the form and compared with the report.
        let derived = try await Reports.derived(p, unit: code, on: req.db)
        let derivedValues = derived.values
        let fillFromLedger =
            editable && formValues == nil && ["ledger", "registers"].contains(req.query[String.self, at: "fill"] ?? "")
        if fillFromLedger {
            for (k, v) in derivedValues.fields { values[k] = v }
        }
        let ledger = derived.payment
        let casesText = [("overcharge", derived.overcharge), ("violations", derived.violations), ("forgery", derived.forgery)].map
        { g, k in
            "\(t[dynamic: "group_" + g, fallback: g]) \(k.investigated)/\(k.uninvestigated)"
        }.joined(separator: " · ")
        // The trail as a person reads it: fields by their column, statuses and actions by name.
        let labels = Dictionary(
            uniqueKeysWithValues: fieldViews(values: [:], errors: [:], lang: lang).map { f in
                (f.key, f.column > 0 ? (lang == "en" ? "Col. \(f.column) \(f.label)" : "第\(f.column)列 \(f.label)") : f.label)
            })
        let discrepancies = derived.discrepancies.map { d in
            DiscrepancyView(
                column: d.column.map(String.init) ?? "", field: labels[d.field] ?? d.field, reported: d.reported,
                derived: d.derived)
        }
        var errors: [String: String] = [:]
        for i in issues {
            let message = lang == "en" ? i.message : i.messageZh
            errors[i.field] = errors[i.field].map { $0 + "；" + message } ?? message
        }
        func shown(_ field: String?, _ value: String?) -> String {
            guard let value else { return "" }
            return field == "status" ? t[dynamic: value, fallback: value] : value
        }
        let history =
            report == nil
            ? []
            : try await Reports.history(p, unit: code, on: req.db).map {
                HistoryView(
                    at: Names.minute($0.at), user: $0.actor, revision: $0.revision,
                    action: t[dynamic: "trail_" + $0.action, fallback: $0.action],
                    field: $0.field.map { $0 == "status" ? t[.status] : labels[$0] ?? $0 } ?? "",
                    old: shown($0.field, $0.oldValue), new: shown($0.field, $0.newValue), comment: $0.comment ?? "")
            }
        let findings =
            report.map { r in
                Findings.of(r.values, quarter: p.quarter, threshold: req.config.paymentThreshold)
                    .map { lang == "en" ? $0.message : $0.messageZh }
            } ?? []
        let published = try await Bulletins.hasPublished(p, on: req.db)
        let deadline = p.deadlineDay(days: req.config.deadlineDays)
        let view = ReportView(
            period: p.description, periodName: Names(t).period(p), unitCode: code, unitName: unit.name,
            status: report?.status.rawValue,
            statusText: report.map { t[dynamic: $0.status.rawValue, fallback: $0.status.rawValue] } ?? t[.none],
            actions: Actions(p, code), revision: report?.revision,
            editable: editable, canSubmit: canWrite && (report?.status == .draft || report?.status == .returned),
            canReview: user.role == .ministry && report?.status == .submitted, published: published,
            fields: fieldViews(values: values, errors: errors, lang: lang),
            errors: issues.filter { errors[$0.field] == nil || $0.field.isEmpty }.map {
                lang == "en" ? $0.message : $0.messageZh
            },
            findings: findings, comment: report?.comment, history: history, deadline: deadline, late: report?.late ?? false,
            ratio: report?.values.payment.ratio.map { "\($0)%" } ?? "—", saved: saved,
            ledgerDue: ledger.dueYuan.description, ledgerPaid: ledger.paidYuan.description,
            ledgerDiffers: report == nil || !derived.discrepancies.isEmpty,
            filledFromLedger: fillFromLedger, casesText: casesText, discrepancies: discrepancies, sessions: derived.sessions,
            issuance: derived.issuance,
            overCertified: derived.issuance.sessionsOverCertified.map {
                OverCertifiedView(
                    date: $0.date, station: $0.stationCode, occupation: $0.occupation, level: Names(t).level($0.level),
                    passes: $0.passes, certificates: $0.certificates,
                    link: SiteURL.registerSession(.value($0.sessionId.uuidString)).path)
            })
        return try await Pages.render(req, "reports/show", title: "\(unit.name) \(Names(t).period(p))", view, status: status)
    }

    @Sendable static func save(_ req: Request) async throws -> Response {
        let p = try Reports.period(req.parameters.get("period"))
        let code = req.parameters.get("unitCode") ?? ""
        let user = try req.requireWrite(unit: code)
        try req.requireCSRF()
        let form = try req.content.decode([String: String].self)
        do {
            _ = try await Reports.save(p, unit: code, json: Reports.json(fromForm: form), by: user, on: req.store, now: req.now)
        } catch let e as AppError where e.status == .unprocessableEntity {
            return try await renderForm(req, formValues: form, issues: e.details, status: .unprocessableEntity)
        }
        return req.redirect(to: SiteURL.report(.value(p.description), .value(code)).with([("saved", "1")]))
    }

    struct UploadForm: Content {
        let file: File?
    }

    /// A filled form uploaded from the page: saved as the form's values would be, or the page
    /// again with every refusal naming its cell.
    @Sendable static func upload(_ req: Request) async throws -> Response {
        let p = try Reports.period(req.parameters.get("period"))
        let code = req.parameters.get("unitCode") ?? ""
        let user = try req.requireWrite(unit: code)
        // The multipart body: the file and a little framing.
        do {
            try await req.collectBody(max: ReportSpreadsheet.maxUpload + 64 * 1024, tooLarge: ReportSpreadsheet.uploadTooLarge)
        } catch let e as AppError {
            let issue = ValidationIssue(field: "", column: nil, code: e.code, message: e.message, messageZh: e.messageZh)
            return try await renderForm(req, formValues: nil, issues: [issue], status: e.status)
        }
        try req.requireCSRF()
        guard let file = try req.content.decode(UploadForm.self).file, file.data.readableBytes > 0 else {
            let issue = ValidationIssue(
                field: "", column: nil, code: "required", message: "Choose the filled XLSX form",
                messageZh: "请选择填好的Excel报表（.xlsx）")
            return try await renderForm(req, formValues: nil, issues: [issue], status: .unprocessableEntity)
        }
        do {
            _ = try await ReportSpreadsheet.save(
                Data(file.data.readableBytesView), period: p, unit: code, by: user, on: req.store, now: req.now,
                pool: req.application.threadPool)
        } catch let e as AppError where (400..<500).contains(e.status.code) && e.status != .forbidden {
            let issues =
                e.details.isEmpty
                ? [ValidationIssue(field: "", column: nil, code: e.code, message: e.message, messageZh: e.messageZh)]
                : e.details.map {
                    // Shown in the list above the form, each naming its cell.
                    ValidationIssue(
                        field: "", column: $0.column, code: $0.code, message: $0.message, messageZh: $0.messageZh, cell: $0.cell)
                }
            return try await renderForm(req, formValues: nil, issues: issues, status: e.status)
        }
        return req.redirect(to: SiteURL.report(.value(p.description), .value(code)).with([("saved", "1")]))
    }

    static func action(_ req: Request, _ run: (Period, String, User) async throws -> Void) async throws -> Response {
        let p = try Reports.period(req.parameters.get("period"))
        let code = req.parameters.get("unitCode") ?? ""
        let user = try req.requireUser()
        try req.requireCSRF()
        try await run(p, code, user)
        return req.redirect(to: SiteURL.report(.value(p.description), .value(code)).path)
    }

    @Sendable static func submit(_ req: Request) async throws -> Response {
        try await action(req) { p, code, _ in
            let user = try req.requireWrite(unit: code)
            _ = try await Reports.submit(p, unit: code, by: user, on: req.store, now: req.now)
        }
    }

    @Sendable static func accept(_ req: Request) async throws -> Response {
        try await action(req) { p, code, _ in
            _ = try await Reports.accept(p, unit: code, by: try req.requireMinistry(), on: req.store, now: req.now)
        }
    }

    struct ReturnForm: Content { let comment: String? }

    @Sendable static func returnReport(_ req: Request) async throws -> Response {
        try await action(req) { p, code, _ in
            let ministry = try req.requireMinistry()  // before the body is read
            let f = try req.content.decode(ReturnForm.self)
            _ = try await Reports.return(p, unit: code, comment: f.comment, by: ministry, on: req.store, now: req.now)
        }
    }
}
