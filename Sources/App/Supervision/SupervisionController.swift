import Domain
import Vapor

/// The supervision API: dispatch to sessions and supervisors' reports.
enum SupervisionController {
    @Sendable static func dispatches(_ req: Request) async throws -> SupervisionService.SessionDispatches {
        try await SupervisionService.dispatches(
            of: req.parameters.get("id", as: UUID.self), for: try req.requireUser(), on: req.db)
    }

    @Sendable static func dispatch(_ req: Request) async throws -> Response {
        let user = try req.requireUser().requireWriter()
        let result = try await SupervisionService.dispatch(
            req.parameters.get("id", as: UUID.self), try req.content.decode(SupervisionService.DispatchInput.self), by: user,
            on: req.store, now: req.now)
        return try await result.encodeResponse(status: .created, for: req)
    }

    @Sendable static func reports(_ req: Request) async throws -> [SupervisionService.ReportDTO] {
        try await SupervisionService.reports(for: try req.requireUser(), on: req.db)
    }

    @Sendable static func file(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        // Only a supervisor's own login, checked before the body is read.
        _ = try await Registers.actingSupervisor(user, on: req.db)
        let report = try await SupervisionService.file(
            try req.content.decode(SupervisionService.NewReport.self), by: user, on: req.store, now: req.now)
        return try await report.encodeResponse(status: .created, for: req)
    }
}
