import Domain
import Vapor

/// The registers' API: each handler decodes, calls the one `Registers` action, and answers.
enum RegistersController {
    @Sendable static func createOccupation(_ req: Request) async throws -> Response {
        let user = try req.requireMinistry()
        let o = try await Registers.createOccupation(
            try req.content.decode(Registers.NewOccupation.self), by: user, on: req.store, now: req.now)
        return try await o.encodeResponse(status: .created, for: req)
    }

    @Sendable static func listOccupations(_ req: Request) async throws -> [Registers.OccupationDTO] {
        try await Registers.occupations(matching: req.query[String.self, at: "q"], on: req.db)
    }

    @Sendable static func updateOccupation(_ req: Request) async throws -> Registers.OccupationDTO {
        let user = try req.requireMinistry()
        return try await Registers.updateOccupation(
            req.parameters.get("code") ?? "", try req.content.decode(Registers.OccupationPatch.self),
            by: user, on: req.store, now: req.now)
    }

    @Sendable static func importOccupations(_ req: Request) async throws -> Issuance.ImportResult {
        let user = try req.requireMinistry()
        return try await Registers.importOccupations(
            req.body.data ?? ByteBuffer(), contentType: req.headers.contentType, by: user, on: req.store, now: req.now)
    }

    @Sendable static func createFee(_ req: Request) async throws -> Response {
        let user = try req.requireUser().requireWriter()
        let f = try await Registers.createFee(
            try req.content.decode(Registers.NewFee.self), by: user, on: req.store, now: req.now)
        return try await f.encodeResponse(status: .created, for: req)
    }

    @Sendable static func listFees(_ req: Request) async throws -> [Registers.FeeDTO] {
        try await Registers.fees(for: try req.requireUser(), on: req.db)
    }

    @Sendable static func createStation(_ req: Request) async throws -> Response {
        let user = try req.requireUser().requireWriter()
        let s = try await Registers.createStation(
            try req.content.decode(Registers.NewStation.self), by: user, on: req.store, now: req.now)
        return try await s.encodeResponse(status: .created, for: req)
    }

    @Sendable static func listStations(_ req: Request) async throws -> [Registers.StationDTO] {
        try await Registers.stations(for: try req.requireUser(), today: Period.dayString(req.now), on: req.db)
    }

    @Sendable static func updateStation(_ req: Request) async throws -> Registers.StationDTO {
        let user = try req.requireUser()
        let code = req.parameters.get("code") ?? ""
        // Authorised before the body is read.
        if let s = try await Station.find(code, on: req.db) { try user.requireWrite(unit: s.$unit.id) }
        return try await Registers.updateStation(
            code, try req.content.decode(Registers.StationPatch.self), by: user,
            on: req.store, now: req.now)
    }

    @Sendable static func listInspections(_ req: Request) async throws -> [Registers.InspectionDTO] {
        try await Registers.inspections(of: req.parameters.get("code") ?? "", for: try req.requireUser(), on: req.db)
    }

    /// 201 for a year's first record, 200 for a correction.
    @Sendable static func recordInspection(_ req: Request) async throws -> Response {
        let user = try req.requireUser().requireWriter()
        let code = req.parameters.get("code") ?? ""
        // Authorised before the body is read.
        if let s = try await Station.find(code, on: req.db) { try user.requireWrite(unit: s.$unit.id) }
        let (inspection, corrected) = try await Registers.recordInspection(
            code, try req.content.decode(Registers.NewInspection.self), by: user, on: req.store, now: req.now)
        return try await inspection.encodeResponse(status: corrected ? .ok : .created, for: req)
    }

    /// The public list of authorised stations: no login, limited per client address.
    @Sendable static func publicStations(_ req: Request) async throws -> Registers.PublicStationPage {
        try await req.rateLimit(req.application.stationsLimiter)
        let query = try Registers.PublicStationQuery(
            region: req.query[String.self, at: "region"], occupation: req.query[String.self, at: "occupation"],
            q: req.query[String.self, at: "q"], paging: try Paging(req, defaultPer: 20, maxPer: 100))
        return try await Registers.publicStations(query, on: req.store, now: req.now)
    }

    @Sendable static func createSupervisor(_ req: Request) async throws -> Response {
        let user = try req.requireUser().requireWriter()
        let s = try await Registers.createSupervisor(
            try req.content.decode(Registers.NewSupervisor.self), by: user,
            on: req.store, now: req.now)
        return try await s.encodeResponse(status: .created, for: req)
    }

    @Sendable static func listSupervisors(_ req: Request) async throws -> [Registers.SupervisorDTO] {
        try await Registers.supervisors(for: try req.requireUser(), on: req.db)
    }

    @Sendable static func updateSupervisor(_ req: Request) async throws -> Registers.SupervisorDTO {
        let user = try req.requireUser()
        let id = req.parameters.get("id", as: UUID.self)
        // Authorised before the body is read.
        if let s = try await Supervisor.find(id, on: req.db) {
            try Registers.requireKeeper(user, homeUnit: s.$unit.id, config: req.config)
        }
        return try await Registers.updateSupervisor(
            id, try req.content.decode(Registers.SupervisorPatch.self), by: user,
            on: req.store, now: req.now)
    }

    @Sendable static func events(_ req: Request) async throws -> [Registers.EventDTO] {
        try await Registers.events(for: try req.requireMinistry(), on: req.db)
    }

    @Sendable static func createVisit(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        // Only a supervisor's own login, checked before the body is read.
        _ = try await Registers.actingSupervisor(user, on: req.db)
        let v = try await Registers.createVisit(
            try req.content.decode(Registers.NewVisit.self), by: user, on: req.store, now: req.now)
        return try await v.encodeResponse(status: .created, for: req)
    }

    @Sendable static func listVisits(_ req: Request) async throws -> [Registers.VisitDTO] {
        try await Registers.visits(for: try req.requireUser(), on: req.db)
    }
}

/// Exam sessions and the derived columns.
enum SessionsController {
    @Sendable static func create(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        _ = try Registers.sessionScope(user)
        let s = try await Registers.createSession(
            try req.content.decode(Registers.SessionInput.self), by: user, on: req.store, now: req.now)
        return try await s.encodeResponse(status: .created, for: req)
    }

    @Sendable static func list(_ req: Request) async throws -> [Registers.SessionDTO] {
        let user = try req.requireUser()
        let period = try req.query[String.self, at: "period"].map { try Reports.period($0) }
        let filter = Registers.SessionFilter(
            unitCode: req.query[String.self, at: "unitCode"], period: period,
            paging: try Paging(req, defaultPer: 100, maxPer: 500))
        return try await Registers.sessions(for: user, filter, on: req.db)
    }

    @Sendable static func importCSV(_ req: Request) async throws -> Issuance.ImportResult {
        try await Registers.importSessions(
            req.body.data ?? ByteBuffer(), contentType: req.headers.contentType, by: try req.requireUser(), on: req.store,
            now: req.now)
    }

    @Sendable static func get(_ req: Request) async throws -> Registers.SessionDTO {
        .init(try await Registers.resultSession(req.parameters.get("id"), for: try req.requireUser(), on: req.db))
    }

    @Sendable static func results(_ req: Request) async throws -> [Registers.ResultDTO] {
        try await Registers.results(session: req.parameters.get("id"), for: try req.requireUser(), on: req.db)
    }

    @Sendable static func recordResults(_ req: Request) async throws -> Registers.ResultsOutcome {
        // Whose session it is, before the body is decoded.
        _ = try await Registers.resultSession(req.parameters.get("id"), for: try req.requireUser(), on: req.db)
        return try await Registers.recordResults(
            try req.content.decode(Registers.ResultsInput.self), session: req.parameters.get("id"),
            by: try req.requireUser(), on: req.store, now: req.now)
    }

    @Sendable static func importResults(_ req: Request) async throws -> Registers.ResultsOutcome {
        try await Registers.importResults(
            req.body.data ?? ByteBuffer(), contentType: req.headers.contentType, session: req.parameters.get("id"),
            by: try req.requireUser(), on: req.store,
            now: req.now)
    }

    @Sendable static func deleteResult(_ req: Request) async throws -> Registers.ResultsOutcome {
        try await Registers.deleteResult(
            session: req.parameters.get("id"), idNumber: req.parameters.get("idNumber"), by: try req.requireUser(),
            on: req.store, now: req.now)
    }

    struct AllDerived: Content {
        let period: String
        let units: [String: Derivation.Derived]
        /// Per unit: certificates issued, against passes, refused, sessions over-certified.
        let issuance: [String: IssuanceFigures]
    }

    /// Columns 1–24 derived for every unit in a quarter (ministry).
    @Sendable static func derivedAll(_ req: Request) async throws -> AllDerived {
        _ = try req.requireMinistry()
        let p = try Reports.period(req.parameters.get("period"))
        return AllDerived(
            period: p.description, units: try await Derivation.all(p, on: req.db),
            issuance: try await IssuanceFigures.all(p, on: req.db))
    }
}
