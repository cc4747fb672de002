import Domain
import Fluent
import Vapor

/// The supervision pages: the ministry's supervisor register, a session's dispatch (on the
/// session's page), and a supervisor's own page (我的委派) with the report and visit forms.
/// Every choice is a list; every link and action comes from `SiteURL`.
enum SupervisionPages {
    static func register(_ r: any RoutesBuilder) {
        r.get(.registerSupervisors, use: registerPage)
        r.post(.registerSupervisors, use: addSupervisor)
        r.post(.registerSupervisor(.key), use: editSupervisor)
        r.post(.registerSupervisorActive(.key), use: supervisorActive)
        r.post(.registerSupervisorLogin(.key), use: createLogin)
        r.post(.registerSessionDispatch(.key), use: dispatch)
        r.get(.supervision, use: home)
        r.post(.supervisionReports, use: fileReport)
        r.post(.registerVisits, use: addVisit)
    }

    // MARK: The register

    struct RegisterView: Encodable {
        let canKeep: Bool
        let message: String?
        let errors: [String: String]
        let values: [String: String]
        let rows: [SupervisorRow]
        let unitChoices: [Names.Option]
        let occupationChoices: [Names.Option]
        let today: String
        let createAction: String
    }

    struct SupervisorRow: Encodable {
        let name: String
        let licenceNo: String
        let validUntil: String
        let expired: Bool
        let active: Bool
        let homeUnit: String
        let occupations: String
        let occupationChoices: [Choice]
        let login: String?
        let editAction: String
        let activeAction: String
        let loginAction: String
        let canKeep: Bool
    }

    struct Choice: Encodable {
        let value: String
        let name: String
        let selected: Bool
    }

    static func registerRender(
        _ req: Request, message: String? = nil, errors: [String: String] = [:], status: HTTPResponseStatus = .ok
    ) async throws -> Response {
        let user = try req.requireUser()
        let t = L10n.t(req)
        let db = req.db
        let today = Period.dayString(req.now)
        let units = try await UnitNames.all(on: db)
        let occupations = try await Registers.occupations(matching: nil, on: db).filter(\.active)
        let occupationName = Dictionary(uniqueKeysWithValues: occupations.map { ($0.code, $0.name) })
        func keeps(_ home: String) -> Bool {
            user.role == .ministry || (user.role == .unit && req.config.unitsKeepSupervisors && user.unitCode != home)
        }
        let rows = try await Registers.supervisors(for: user, on: db).map { s in
            SupervisorRow(
                name: s.name, licenceNo: s.licenceNo, validUntil: s.validUntil ?? "",
                expired: !(s.validUntil.map { $0 >= today } ?? false), active: s.active,
                homeUnit: units[s.unitCode] ?? s.unitCode,
                occupations: s.occupations.map { occupationName[$0] ?? $0 }.joined(separator: "、"),
                occupationChoices: occupations.map {
                    Choice(value: $0.code, name: "\($0.name)（\($0.code)）", selected: s.occupations.contains($0.code))
                },
                login: s.login,
                editAction: SiteURL.registerSupervisor(.value(s.id.uuidString)).path,
                activeAction: SiteURL.registerSupervisorActive(.value(s.id.uuidString)).path,
                loginAction: SiteURL.registerSupervisorLogin(.value(s.id.uuidString)).path,
                canKeep: keeps(s.unitCode))
        }
        let canKeep = user.role == .ministry || (user.role == .unit && req.config.unitsKeepSupervisors)
        let view = RegisterView(
            canKeep: canKeep, message: message, errors: errors, values: req.method == .POST ? Pages.formValues(req) : [:],
            rows: rows,
            unitChoices: units.sorted { $0.key < $1.key }.filter { keeps($0.key) }.map {
                Names.Option(value: $0.key, name: $0.value)
            },
            occupationChoices: occupations.map { Names.Option(value: $0.code, name: "\($0.name)（\($0.code)）") },
            today: today, createAction: SiteURL.registerSupervisors.path)
        return try await Pages.render(
            req, "supervisors", title: t[.supervisorRegister], view, status: status, canonical: .registerSupervisors)
    }

    @Sendable static func registerPage(_ req: Request) async throws -> Response { try await registerRender(req) }

    /// Runs one action behind a form of `page`: to `next` on success, the page with the reasons
    /// otherwise.
    static func form(
        _ req: Request, next: String, page: (Request, String?, [String: String], HTTPResponseStatus) async throws -> Response,
        _ action: (User) async throws -> Void
    ) async throws -> Response {
        let user = try req.requireUser()
        try req.requireCSRF()
        do {
            try await action(user)
            return req.redirect(to: next)
        } catch let e as AppError where e.status.code < 500 && e.status != .unauthorized {
            let en = L10n.lang(req) == "en"
            return try await page(req, en ? e.message : e.messageZh, e.fieldMessages(en: en), e.status)
        }
    }

    static func registerForm(_ req: Request, _ action: (User) async throws -> Void) async throws -> Response {
        try await form(
            req, next: SiteURL.registerSupervisors.path,
            page: { try await registerRender($0, message: $1, errors: $2, status: $3) }, action)
    }

    struct SupervisorForm: Content {
        let unitCode: String?
        let name: String?
        let licenceNo: String?
        let validUntil: String?
        let occupations: [String]?
    }

    @Sendable static func addSupervisor(_ req: Request) async throws -> Response {
        try await registerForm(req) { user in
            let f = try req.content.decode(SupervisorForm.self)
            let input = Registers.NewSupervisor(
                unitCode: f.unitCode, name: f.name, licenceNo: f.licenceNo, validUntil: RegisterPages.text(f.validUntil),
                occupations: f.occupations ?? [])
            _ = try await Registers.createSupervisor(input, by: user, on: req.store, now: req.now)
        }
    }

    struct EditForm: Content {
        let validUntil: String?
        let occupations: [String]?
    }

    @Sendable static func editSupervisor(_ req: Request) async throws -> Response {
        try await registerForm(req) { user in
            let f = try req.content.decode(EditForm.self)
            let patch = Registers.SupervisorPatch(
                active: nil, validUntil: RegisterPages.text(f.validUntil), occupations: f.occupations ?? [])
            _ = try await Registers.updateSupervisor(
                req.parameters.get("id", as: UUID.self), patch, by: user, on: req.store, now: req.now)
        }
    }

    @Sendable static func supervisorActive(_ req: Request) async throws -> Response {
        try await registerForm(req) { user in
            let patch = Registers.SupervisorPatch(active: try req.content.decode(RegisterPages.ActiveForm.self).active == "true")
            _ = try await Registers.updateSupervisor(
                req.parameters.get("id", as: UUID.self), patch, by: user, on: req.store, now: req.now)
        }
    }

    struct LoginForm: Content {
        let username: String?
        let password: String?
    }

    /// The ministry creates the login a supervisor files reports with (one per entry).
    @Sendable static func createLogin(_ req: Request) async throws -> Response {
        try await registerForm(req) { user in
            let f = try req.content.decode(LoginForm.self)
            guard let id = req.parameters.get("id", as: UUID.self) else {
                throw AppError.notFound("No such supervisor", "没有该督导员")
            }
            _ = try await AuthController.createUser(
                .init(
                    username: f.username ?? "", password: f.password ?? "", role: "supervisor", unitCode: nil, supervisorId: id),
                by: user, on: req.store)
        }
    }

    // MARK: A session's dispatch

    struct DispatchView: Encodable {
        let rows: [DispatchRow]
        let draws: [DrawRow]
        /// The ministry or the session's unit, before the session's day.
        let canDispatch: Bool
        let choices: [Names.Option]
        let drawCounts: [Int]
        let action: String
    }

    struct DispatchRow: Encodable {
        let name: String
        let licenceNo: String
        let homeUnit: String
        let how: String
        let seed: String?
        let reported: Bool
    }

    struct DrawRow: Encodable {
        let seed: String
        let count: Int
        let candidates: Int
        /// The pool in the order the draw used (by id): with the seed, what an auditor replays.
        let pool: [String]
        let by: String
        let at: String
    }

    /// The dispatch section of a session's page.
    static func dispatchView(_ req: Request, session id: UUID, user: User) async throws -> DispatchView {
        let t = L10n.t(req)
        let db = req.db
        let d = try await SupervisionService.dispatches(of: id, for: user, on: db)
        let units = try await UnitNames.all(on: db)
        let session = try await SupervisionService.session(id, on: db)
        let canDispatch =
            user.role == .ministry || (user.role == .unit && user.unitCode == session.unitCode)
        let open = canDispatch && session.date >= Period.dayString(req.now)
        var choices: [Names.Option] = []
        if open {
            let eligible = Set(try await SupervisionService.eligible(for: session, on: db).map(\.id))
            choices = try await Registers.supervisors(for: user, on: db).filter { eligible.contains($0.id) }.map {
                Names.Option(value: $0.id.uuidString, name: "\($0.name)（\($0.licenceNo)，\(units[$0.unitCode] ?? $0.unitCode)）")
            }
        }
        let drawn = Array(Set(d.draws.flatMap(\.candidates)))
        let pool =
            drawn.isEmpty
            ? [:]
            : Dictionary(
                uniqueKeysWithValues: try await Supervisor.query(on: db).filter(\.$id ~~ drawn).all().map { ($0.id!, $0) })
        return DispatchView(
            rows: d.dispatches.map {
                DispatchRow(
                    name: $0.name, licenceNo: $0.licenceNo, homeUnit: units[$0.homeUnit] ?? $0.homeUnit,
                    how: $0.drawn ? t[.drawn] : t[.named], seed: $0.seed, reported: $0.reportId != nil)
            },
            draws: d.draws.map {
                DrawRow(
                    seed: $0.seed, count: $0.count, candidates: $0.candidates.count,
                    pool: $0.candidates.map { id in pool[id].map { "\($0.name)（\($0.licenceNo)）" } ?? id.uuidString },
                    by: $0.by, at: Period.dayString($0.at))
            },
            canDispatch: open, choices: choices, drawCounts: Array(1...min(5, max(choices.count, 1))),
            action: SiteURL.registerSessionDispatch(.value(id.uuidString)).path)
    }

    struct DispatchForm: Content {
        let supervisorIds: [String]?
        let draw: String?
    }

    @Sendable static func dispatch(_ req: Request) async throws -> Response {
        let sid = req.parameters.get("id") ?? ""
        return try await form(
            req, next: SiteURL.registerSession(.value(sid)).path + "#dispatch-title",
            page: { try await SessionPages.render($0, message: $1, errors: $2, status: $3) }
        ) { user in
            let f = try req.content.decode(DispatchForm.self)
            let named = (f.supervisorIds ?? []).compactMap(UUID.init(uuidString:))
            // Both chosen and a number to draw: refused as the API refuses it, never one silently dropped.
            let draw = f.draw.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            let input = SupervisionService.DispatchInput(supervisorIds: named.isEmpty ? nil : named, draw: draw)
            _ = try await SupervisionService.dispatch(UUID(uuidString: sid), input, by: user, on: req.store, now: req.now)
        }
    }

    // MARK: A supervisor's own page

    struct HomeView: Encodable {
        let intro: String
        let message: String?
        let errors: [String: String]
        let values: [String: String]
        let rows: [AssignmentRow]
        let subjects: [Names.Option]
        let items: [Item]
        let categories: [Names.Option]
        let stationChoices: [Names.Option]
        let today: String
        let reportAction: String
        let visitAction: String
    }

    struct AssignmentRow: Encodable {
        let kind: String
        let day: String
        let station: String
        let address: String
        let unit: String
        let occupation: String
        let due: String
        let state: String
        let stateName: String
        let caseLink: String?
    }

    struct Item: Encodable {
        let key: String
        let name: String
        /// What the form sent, shown again after a refusal: `ok` or `problem`, and the note.
        var value = "ok"
        var note = ""
    }

    static func homeRender(
        _ req: Request, message: String? = nil, errors: [String: String] = [:], status: HTTPResponseStatus = .ok
    ) async throws -> Response {
        let user = try req.requireUser()
        let t = L10n.t(req)
        let names = Names(t)
        let db = req.db
        let me = try await Registers.actingSupervisor(user, on: db)
        let list = try await SupervisionService.assignments(for: user, on: req.store, now: req.now)
        let units = try await UnitNames.all(on: db)
        let stations = try await Station.query(on: db).sort(\.$id).all()
        let stationName = Dictionary(uniqueKeysWithValues: stations.map { ($0.id!, $0.name) })
        // Where to go: the station's registered address.
        let stationAddress = Dictionary(uniqueKeysWithValues: stations.map { ($0.id!, $0.address ?? "") })
        let occupationName = Dictionary(
            uniqueKeysWithValues: try await Registers.occupations(matching: nil, on: db).map { ($0.code, $0.name) })
        func label(_ a: SupervisionService.Assignment) -> String {
            let station = "\(stationName[a.stationCode] ?? a.stationCode)（\(a.stationCode)）"
            let what = a.sessionId != nil ? t[.session] : t[.visits]
            return "\(a.day) \(what) \(station)\(a.occupation.map { " " + (occupationName[$0] ?? $0) } ?? "")"
        }
        let sent = req.method == .POST ? Pages.formValues(req) : [:]
        let view = HomeView(
            intro: t[.supervisionHomeIntro].replacingOccurrences(of: "{N}", with: "\(req.config.supervisionReportDays)"),
            message: message, errors: errors, values: req.method == .POST ? Pages.formValues(req) : [:],
            rows: list.map { a in
                AssignmentRow(
                    kind: a.sessionId != nil ? t[.session] : t[.visits], day: a.day,
                    station: "\(stationName[a.stationCode] ?? a.stationCode)（\(a.stationCode)）",
                    address: stationAddress[a.stationCode] ?? "",
                    unit: units[a.unitCode] ?? a.unitCode,
                    occupation: a.occupation.map { "\(occupationName[$0] ?? $0) \(names.level(a.level))" } ?? "",
                    due: a.due, state: a.state, stateName: t[dynamic: "reportState_" + a.state, fallback: a.state],
                    caseLink: a.complaintId.map { SiteURL.complaintCase(.value($0.uuidString)).path })
            },
            subjects: list.filter { $0.state == "open" }.map { a in
                Names.Option(
                    value: a.sessionId.map { "session:\($0.uuidString)" } ?? "visit:\(a.visitId?.uuidString ?? "")",
                    name: label(a))
            },
            items: Supervision.ChecklistItem.allCases.map {
                Item(
                    key: $0.rawValue, name: t.en ? $0.nameEn : $0.nameZh, value: sent[$0.rawValue] ?? "ok",
                    note: sent[$0.rawValue + "Note"] ?? "")
            },
            categories: ComplaintCategory.allCases.map { Names.Option(value: $0.rawValue, name: t.en ? $0.nameEn : $0.nameZh) },
            stationChoices: stations.filter { $0.$unit.id != me.$unit.id && $0.status == .active }.map {
                Names.Option(value: $0.id!, name: "\($0.name)（\($0.id!)，\(units[$0.$unit.id] ?? $0.$unit.id)）")
            },
            today: Period.dayString(req.now),
            reportAction: SiteURL.supervisionReports.path, visitAction: SiteURL.registerVisits.path)
        return try await Pages.render(
            req, "supervision", title: t[.supervisionHome], view, status: status, canonical: .supervision)
    }

    @Sendable static func home(_ req: Request) async throws -> Response { try await homeRender(req) }

    static func homeForm(_ req: Request, _ action: (User) async throws -> Void) async throws -> Response {
        try await form(
            req, next: SiteURL.supervision.path, page: { try await homeRender($0, message: $1, errors: $2, status: $3) }, action)
    }

    /// The checklist as form fields `<item>` (ok / problem) and `<item>Note`.
    struct ReportForm: Content {
        let subject: String?
        let examOrder: String?, examOrderNote: String?
        let identityCheck: String?, identityCheckNote: String?
        let questionBank: String?, questionBankNote: String?
        let feeNotice: String?, feeNoticeNote: String?
        let violations: String?, violationsNote: String?
        let findings: String?
        let violationCategory: String?
    }

    @Sendable static func fileReport(_ req: Request) async throws -> Response {
        try await homeForm(req) { user in
            let f = try req.content.decode(ReportForm.self)
            let parts = (f.subject ?? "").split(separator: ":", maxSplits: 1).map(String.init)
            let id = parts.count == 2 ? UUID(uuidString: parts[1]) : nil
            let category = RegisterPages.text(f.violationCategory)
            let checks: [(String, String?, String?)] = [
                ("examOrder", f.examOrder, f.examOrderNote), ("identityCheck", f.identityCheck, f.identityCheckNote),
                ("questionBank", f.questionBank, f.questionBankNote), ("feeNotice", f.feeNotice, f.feeNoticeNote),
                ("violations", f.violations, f.violationsNote),
            ]
            let input = SupervisionService.NewReport(
                sessionId: parts.first == "session" ? id : nil, visitId: parts.first == "visit" ? id : nil,
                checklist: Dictionary(uniqueKeysWithValues: checks.map { ($0.0, .init(result: $0.1, note: $0.2)) }),
                findings: f.findings, violationFound: category != nil, violationCategory: category)
            _ = try await SupervisionService.file(input, by: user, on: req.store, now: req.now)
        }
    }

    struct VisitForm: Content {
        let stationCode: String?
        let visitedOn: String?
        let findings: String?
    }

    @Sendable static func addVisit(_ req: Request) async throws -> Response {
        try await homeForm(req) { user in
            let f = try req.content.decode(VisitForm.self)
            let input = Registers.NewVisit(
                supervisorId: nil, stationCode: f.stationCode, sessionId: nil, visitedOn: f.visitedOn, findings: f.findings,
                violationFound: false, violationHandled: false)
            _ = try await Registers.createVisit(input, by: user, on: req.store, now: req.now)
        }
    }
}
