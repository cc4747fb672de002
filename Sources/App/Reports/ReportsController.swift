import Domain
import Fluent
import Vapor

enum ReportsController {
    static func target(_ req: Request) throws -> (Period, String) {
        (try Reports.period(req.parameters.get("period")), req.parameters.get("unitCode") ?? "")
    }

    @Sendable static func get(_ req: Request) async throws -> ReportDTO {
        let (p, unit) = try target(req)
        _ = try req.requireRead(unit: unit)
        _ = try await Reports.unit(unit, on: req.db)
        return ReportDTO(try await Reports.require(p, unit, on: req.db), period: p, req: req)
    }

    @Sendable static func put(_ req: Request) async throws -> ReportDTO {
        let (p, unit) = try target(req)
        let user = try req.requireWrite(unit: unit)
        let json = try req.content.decode(JSONValue.self)
        return ReportDTO(
            try await Reports.save(p, unit: unit, json: json, by: user, on: req.store, now: req.now), period: p, req: req)
    }

    @Sendable static func submit(_ req: Request) async throws -> ReportDTO {
        let (p, unit) = try target(req)
        let user = try req.requireWrite(unit: unit)
        return ReportDTO(try await Reports.submit(p, unit: unit, by: user, on: req.store, now: req.now), period: p, req: req)
    }

    @Sendable static func accept(_ req: Request) async throws -> ReportDTO {
        let (p, unit) = try target(req)
        let user = try req.requireMinistry()
        return ReportDTO(try await Reports.accept(p, unit: unit, by: user, on: req.store, now: req.now), period: p, req: req)
    }

    struct ReturnBody: Content { let comment: String? }

    @Sendable static func `return`(_ req: Request) async throws -> ReportDTO {
        let (p, unit) = try target(req)
        let user = try req.requireMinistry()
        let body = try req.content.decode(ReturnBody.self)
        return ReportDTO(
            try await Reports.return(p, unit: unit, comment: body.comment, by: user, on: req.store, now: req.now), period: p,
            req: req)
    }

    @Sendable static func history(_ req: Request) async throws -> [HistoryEntryDTO] {
        let (p, unit) = try target(req)
        _ = try req.requireRead(unit: unit)
        _ = try await Reports.require(p, unit, on: req.db)
        return try await Reports.history(p, unit: unit, on: req.db).map(HistoryEntryDTO.init)
    }

    /// Values derived from the registers for a unit and quarter — columns 1–24 from stations,
    /// sessions, fee standards, supervision visits and complaints; 25–28 from the certificate
    /// ledger — and where the unit's report disagrees, field by field.
    @Sendable static func derived(_ req: Request) async throws -> Reports.DerivedDTO {
        let (p, unit) = try target(req)
        _ = try req.requireRead(unit: unit)
        _ = try await Reports.unit(unit, on: req.db)
        return try await Reports.derived(p, unit: unit, on: req.db)
    }

    @Sendable static func overview(_ req: Request) async throws -> [ReportStatusDTO] {
        let p = try Reports.period(req.parameters.get("period"))
        _ = try req.requireMinistry()
        return try await Reports.statuses(p, on: req.db)
    }

}
