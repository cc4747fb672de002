import CertificateKit
import Domain
import Fluent
import Vapor

/// One page for the registers behind columns 1–24: lists with search, create forms, status changes.
enum RegisterPages {
    static func register(_ r: any RoutesBuilder) {
        r.get("registers", use: index)
        r.post("registers", "occupations", use: addOccupation)
        r.post("registers", "fee-standards", use: addFee)
        r.post("registers", "stations", use: addStation)
        r.post("registers", "stations", ":code", "status", use: stationStatus)
        r.post("registers", "supervisors", use: addSupervisor)
        r.post("registers", "supervisors", ":id", "active", use: supervisorActive)
        r.post("registers", "occupations", ":code", "active", use: occupationActive)
        r.post("registers", "visits", use: addVisit)
        r.post("registers", "sessions", use: addSession)
        r.grouped(RequireRole([.ministry, .unit])).on(.POST, "registers", "sessions", "import", body: .collect(maxSize: "32mb"),
                                                      use: importSessions)
    }

    struct View: Encodable {
        let isMinistry: Bool; let canWrite: Bool; let q: String; let message: String?; let importResult: Issuance.ImportResult?
        let occupations: [RegistersController.OccupationDTO]; let fees: [RegistersController.FeeDTO]
        let stations: [StationRow]; let supervisors: [RegistersController.SupervisorDTO]
        let visits: [RegistersController.VisitDTO]; let sessions: [SessionsController.SessionDTO]; let today: String
        let regions: [ComplaintPages.Option]; let levels: [CertificatePages.LevelOption]
    }
    struct StationRow: Encodable { let code: String; let name: String; let unitCode: String; let regionCode: String; let status: String; let scope: String }

    static func render(_ req: Request, message: String?, importResult: Issuance.ImportResult? = nil,
                       status: HTTPResponseStatus = .ok) async throws -> Response {
        let user = try req.requireUser()
        let q = req.query[String.self, at: "q"] ?? ""
        let stations = try await RegistersController.listStations(req).filter { q.isEmpty || $0.code.contains(q) || $0.name.contains(q) }
        let view = View(
            isMinistry: user.role == .ministry, canWrite: user.role != .supervisor, q: q, message: message, importResult: importResult,
            occupations: try await RegistersController.listOccupations(req), fees: try await RegistersController.listFees(req),
            stations: stations.map { s in
                StationRow(code: s.code, name: s.name, unitCode: s.unitCode, regionCode: s.regionCode, status: s.status,
                           scope: s.scope.map { "\($0.occupation)≥\($0.maxLevel)" }.joined(separator: " "))
            },
            supervisors: try await RegistersController.listSupervisors(req),
            visits: Array(try await RegistersController.listVisits(req).prefix(50)),
            sessions: user.role == .supervisor ? [] : try await SessionsController.list(req),
            today: Period.dayString(req.now),
            regions: Regions.all.map { ComplaintPages.Option(value: $0.code, name: $0.name) },
            levels: Level.allCases.map { CertificatePages.LevelOption(value: $0.rawValue, name: $0.nameZh) })
        return try await Pages.render(req, "registers", title: L10n.strings(L10n.lang(req))["registers"]!, view, status: status)
    }

    @Sendable static func index(_ req: Request) async throws -> Response { try await render(req, message: nil) }

    /// Runs an API handler behind a form: redirect on success, the page with the reasons otherwise.
    static func form(_ req: Request, _ action: () async throws -> Void) async throws -> Response {
        _ = try req.requireUser()
        try req.requireCSRF()
        do {
            try await action()
            return req.redirect(to: "/registers")
        } catch let e as AppError where e.status.code < 500 && e.status != .unauthorized {
            let en = L10n.lang(req) == "en"
            let msg = e.details.isEmpty ? (en ? e.message : e.messageZh) : e.details.map { en ? $0.message : $0.messageZh }.joined(separator: "；")
            return try await render(req, message: msg, status: e.status)
        }
    }

    @Sendable static func addOccupation(_ req: Request) async throws -> Response { try await form(req) { _ = try await RegistersController.createOccupation(req) } }
    @Sendable static func addFee(_ req: Request) async throws -> Response {
        try await form(req) {
            // The form posts text; the API takes the amount as a string as well.
            _ = try await RegistersController.createFee(req)
        }
    }

    struct StationForm: Content { let code: String?; let name: String?; let regionCode: String?; let scope: String? }

    @Sendable static func addStation(_ req: Request) async throws -> Response {
        try await form(req) {
            let user = try req.requireUser()
            let f = try req.content.decode(StationForm.self)
            // Scope as lines "occupation-code:max-level".
            let scope = (f.scope ?? "").split(whereSeparator: \.isNewline).compactMap { line -> RegistersController.ScopeDTO? in
                let parts = line.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
                return parts.count == 2 ? .init(occupation: parts[0], maxLevel: parts[1]) : nil
            }
            try req.content.encode(RegistersController.NewStation(code: f.code, name: f.name, unitCode: user.unitCode,
                                                                    regionCode: f.regionCode, scope: scope), as: .json)
            _ = try await RegistersController.createStation(req)
        }
    }

    struct StatusForm: Content { let status: String? }

    @Sendable static func stationStatus(_ req: Request) async throws -> Response {
        try await form(req) {
            let f = try req.content.decode(StatusForm.self)
            try req.content.encode(RegistersController.StationPatch(name: nil, status: f.status, scope: nil), as: .json)
            _ = try await RegistersController.updateStation(req)
        }
    }

    @Sendable static func addSupervisor(_ req: Request) async throws -> Response {
        try await form(req) {
            let user = try req.requireUser()
            struct F: Content { let name: String?; let licenceNo: String?; let validUntil: String? }
            let f = try req.content.decode(F.self)
            try req.content.encode(RegistersController.NewSupervisor(unitCode: user.unitCode, name: f.name, licenceNo: f.licenceNo,
                                                                       validUntil: (f.validUntil ?? "").isEmpty ? nil : f.validUntil), as: .json)
            _ = try await RegistersController.createSupervisor(req)
        }
    }

    struct ActiveForm: Content { let active: String? }

    @Sendable static func supervisorActive(_ req: Request) async throws -> Response {
        try await form(req) {
            let f = try req.content.decode(ActiveForm.self)
            try req.content.encode(RegistersController.SupervisorPatch(active: f.active == "true", validUntil: nil), as: .json)
            _ = try await RegistersController.updateSupervisor(req)
        }
    }

    @Sendable static func occupationActive(_ req: Request) async throws -> Response {
        try await form(req) {
            let f = try req.content.decode(ActiveForm.self)
            try req.content.encode(RegistersController.OccupationPatch(name: nil, active: f.active == "true"), as: .json)
            _ = try await RegistersController.updateOccupation(req)
        }
    }

    @Sendable static func addVisit(_ req: Request) async throws -> Response {
        try await form(req) {
            struct F: Content { let supervisorId: String?; let stationCode: String?; let visitedOn: String?; let findings: String?; let violationFound: String?; let violationHandled: String? }
            let f = try req.content.decode(F.self)
            try req.content.encode(RegistersController.NewVisit(
                supervisorId: f.supervisorId.flatMap(UUID.init(uuidString:)), stationCode: f.stationCode, sessionId: nil,
                visitedOn: f.visitedOn, findings: f.findings, violationFound: f.violationFound == "true",
                violationHandled: f.violationHandled == "true"), as: .json)
            _ = try await RegistersController.createVisit(req)
        }
    }

    @Sendable static func addSession(_ req: Request) async throws -> Response {
        try await form(req) {
            let f = try req.content.decode([String: String].self)
            try req.content.encode(SessionsController.Input(
                stationCode: f["stationCode"], occupation: f["occupation"], level: f["level"], date: f["date"], regionCode: f["regionCode"],
                standardKind: f["standardKind"], bankKind: f["bankKind"], bankCode: f["bankCode"], candidates: f["candidates"].flatMap { Int($0) },
                passed: f["passed"].flatMap { Int($0) }, feeYuan: f["feeYuan"].map { .string($0) },
                supervisorId: f["supervisorId"].flatMap(UUID.init(uuidString:))), as: .json)
            _ = try await SessionsController.create(req)
        }
    }

    struct ImportForm: Content { let file: File? }

    @Sendable static func importSessions(_ req: Request) async throws -> Response {
        _ = try req.requireUser()
        try req.requireCSRF()
        guard let file = try req.content.decode(ImportForm.self).file, file.data.readableBytes > 0 else {
            return try await render(req, message: L10n.lang(req) == "en" ? "Choose a CSV file" : "请选择CSV文件", status: .unprocessableEntity)
        }
        do {
            return try await render(req, message: nil, importResult: try await SessionsController.importRows(file.data, on: req))
        } catch let e as AppError where e.status.code < 500 {
            return try await render(req, message: L10n.lang(req) == "en" ? e.message : e.messageZh, status: e.status)
        }
    }
}
