import CertificateKit
import Domain
import Fluent
import Vapor

/// One exam session's page: its facts, its candidates' results with the certificate issued
/// against each pass, and (for the unit's operators) results entered one by one or as a CSV file.
enum SessionPages {
    static func register(_ r: any RoutesBuilder) {
        r.get(.registerSession(.key), use: show)
        r.post(.registerSessionResults(.key), use: addResult)
        r.grouped(RequireRole([.ministry, .unit])).on(
            .POST, .registerSessionResultsImport(.key), body: .collect(maxSize: "16mb"), use: importResults)
        r.post(.registerSessionResultDelete(.key, .key), use: deleteResult)
    }

    struct View: Encodable {
        let session: Registers.SessionDTO
        let station: String
        let occupation: String
        let level: String
        let region: String
        let passedTyped: Bool
        let results: [Row]
        let canWrite: Bool
        let message: String?
        let errors: [String: String]
        let values: [String: String]
        let outcome: Registers.ResultsOutcome?
        let csvHeader: String
        let addAction: String
        let importAction: String
        let back: String
        /// The supervisors dispatched, the draws, and the dispatch forms.
        let dispatch: SupervisionPages.DispatchView?
    }

    struct Row: Encodable {
        let name: String
        let idNumber: String
        let passed: Bool
        let score: String
        let certificate: String?
        let certificateLink: String?
        let deleteAction: String?
    }

    static func render(
        _ req: Request, message: String? = nil, errors: [String: String] = [:], outcome: Registers.ResultsOutcome? = nil,
        status: HTTPResponseStatus = .ok
    ) async throws -> Response {
        let user = try req.requireUser()
        let id = req.parameters.get("id")
        let session = Registers.SessionDTO(try await Registers.resultSession(id, for: user, on: req.db))
        let t = L10n.t(req)
        let names = Names(t)
        let canWrite = user.role != .supervisor
        let results = try await Registers.results(session: id, for: user, on: req.db)
        let station = try await Station.find(session.stationCode, on: req.db)
        let occupation = try await Occupation.find(session.occupation, on: req.db)
        let region = try await req.application.unitNames.name(session.regionCode, on: req.db)
        let sid = session.id.uuidString
        let view = View(
            session: session, station: station.map { "\($0.name)（\(session.stationCode)）" } ?? session.stationCode,
            occupation: occupation.map { "\($0.name)（\(session.occupation)）" } ?? session.occupation,
            level: names.level(session.level), region: region ?? session.regionCode,
            passedTyped: session.passedSource == "typed",
            results: results.map { r in
                Row(
                    name: r.name, idNumber: r.idNumber, passed: r.passed, score: r.score.map { String(format: "%g", $0) } ?? "",
                    certificate: r.certificateNumber ?? r.certificateSerial,
                    certificateLink: r.certificateSerial.map { SiteURL.certificate(.value($0)).path },
                    deleteAction: canWrite && r.certificateSerial == nil
                        ? SiteURL.registerSessionResultDelete(.value(sid), .value(r.idNumber)).path : nil)
            },
            canWrite: canWrite, message: message, errors: errors, values: req.method == .POST ? Pages.formValues(req) : [:],
            outcome: outcome, csvHeader: ExamResults.csvHeader.joined(separator: ","),
            addAction: SiteURL.registerSessionResults(.value(sid)).path,
            importAction: SiteURL.registerSessionResultsImport(.value(sid)).path,
            back: SiteURL.registers.path + "#sessions-title",
            dispatch: user.role == .supervisor
                ? nil : try await SupervisionPages.dispatchView(req, session: session.id, user: user))
        return try await Pages.render(
            req, "session", title: "\(t[.session]) \(session.date) \(view.occupation)", view, status: status)
    }

    @Sendable static func show(_ req: Request) async throws -> Response { try await render(req) }

    /// Runs one results action behind a form: back to the page on success, the page with the
    /// reasons next to the fields otherwise.
    static func form(
        _ req: Request, _ action: (User) async throws -> Registers.ResultsOutcome
    ) async throws -> Response {
        let user = try req.requireUser()
        try req.requireCSRF()
        let en = L10n.lang(req) == "en"
        do {
            let outcome = try await action(user)
            if outcome.errors.isEmpty {
                return req.redirect(to: SiteURL.registerSession(.value(req.parameters.get("id") ?? "")).path)
            }
            return try await render(req, outcome: outcome)
        } catch let e as AppError where e.status.code < 500 && e.status != .unauthorized {
            return try await render(
                req, message: e.details.isEmpty ? (en ? e.message : e.messageZh) : nil,
                errors: e.fieldMessages(en: en, element: true), status: e.status)
        }
    }

    struct ResultForm: Content {
        let name: String?
        let idNumber: String?
        let passed: String?
        let score: String?
    }

    @Sendable static func addResult(_ req: Request) async throws -> Response {
        try await form(req) { user in
            let f = try req.content.decode(ResultForm.self)
            let score = (f.score ?? "").trimmingCharacters(in: .whitespaces)
            guard score.isEmpty || Double(score) != nil else {
                throw AppError.invalid(
                    field: "results[0].score", code: "invalid_score", "The score: 0–100, at most one decimal",
                    "成绩须为0至100，最多一位小数")
            }
            let input = Registers.ResultInput(
                name: f.name, idNumber: f.idNumber, passed: f.passed.flatMap(ExamResults.passed),
                score: score.isEmpty ? nil : Double(score))
            return try await Registers.recordResults(
                .init(results: [input]), session: req.parameters.get("id"), by: user, on: req.store, now: req.now)
        }
    }

    struct ImportForm: Content { let file: File? }

    @Sendable static func importResults(_ req: Request) async throws -> Response {
        try await form(req) { user in
            guard let file = try req.content.decode(ImportForm.self).file, file.data.readableBytes > 0 else {
                throw AppError.invalid(
                    field: "file", code: "required", "Choose a CSV or Excel (XLSX) file", "请选择CSV或Excel (XLSX)文件")
            }
            return try await Registers.importResults(
                file.data, contentType: file.contentType, session: req.parameters.get("id"), by: user, on: req.store, now: req.now
            )
        }
    }

    @Sendable static func deleteResult(_ req: Request) async throws -> Response {
        try await form(req) { user in
            try await Registers.deleteResult(
                session: req.parameters.get("id"), idNumber: req.parameters.get("idNumber"), by: user, on: req.store,
                now: req.now)
        }
    }
}
