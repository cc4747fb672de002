import Domain
import Fluent
import Vapor

enum ReportsController {
    static func target(_ req: Request) throws -> (Period, String) {
        (try Reports.period(req.parameters.get("period")), req.parameters.get("unitCode") ?? "")
    }

    /// The report as JSON, or, as `{unitCode}.xlsx`, the official form to fill in a spreadsheet.
    @Sendable static func get(_ req: Request) async throws -> Response {
        let (p, raw) = try target(req)
        if let unit = ReportSpreadsheet.stripSuffix(raw) {
            return try await ReportSpreadsheet.formDownload(req, period: p, unit: unit)
        }
        _ = try req.requireRead(unit: raw)
        _ = try await Reports.unit(raw, on: req.db)
        return try await ReportDTO(try await Reports.require(p, raw, on: req.db), period: p, req: req).encodeResponse(for: req)
    }

    /// Saves the report from JSON or from the filled form (XLSX). The writer is authorised before
    /// the body is read; the body is then read up to the limit of its kind.
    @Sendable static func put(_ req: Request) async throws -> ReportDTO {
        let (p, unit) = try target(req)
        let user = try req.requireWrite(unit: unit)
        let report: ReportModel
        if req.headers.contentType?.isXLSX == true {
            try await req.collectBody(max: ReportSpreadsheet.maxUpload, tooLarge: ReportSpreadsheet.uploadTooLarge)
            let data = req.body.data.map { Data($0.readableBytesView) } ?? Data()
            report = try await ReportSpreadsheet.save(
                data, period: p, unit: unit, by: user, on: req.store, now: req.now, pool: req.application.threadPool)
        } else {
            try await req.collectBody(
                max: 2 << 20,
                tooLarge: AppError(
                    status: .payloadTooLarge, code: "too_large", message: "The report is larger than 2 MB",
                    messageZh: "报表超过2 MB"))
            report = try await Reports.save(
                p, unit: unit, json: try req.content.decode(JSONValue.self), by: user, on: req.store, now: req.now)
        }
        return ReportDTO(report, period: p, req: req)
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

    /// Who has reported (JSON), or, as `{period}.xlsx`, every unit's report in one workbook.
    @Sendable static func overview(_ req: Request) async throws -> Response {
        let raw = req.parameters.get("period")
        _ = try req.requireMinistry()
        if let period = ReportSpreadsheet.stripSuffix(raw) {
            return try await ReportSpreadsheet.overviewDownload(period: try Reports.period(period), on: req.db)
        }
        return try await Reports.statuses(try Reports.period(raw), on: req.db).encodeResponse(for: req)
    }

}
