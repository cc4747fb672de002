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
        return ReportDTO(try await Reports.save(p, unit: unit, json: json, actor: user, on: req), period: p, req: req)
    }

    @Sendable static func submit(_ req: Request) async throws -> ReportDTO {
        let (p, unit) = try target(req)
        let user = try req.requireWrite(unit: unit)
        return ReportDTO(try await Reports.submit(p, unit: unit, actor: user, on: req), period: p, req: req)
    }

    @Sendable static func accept(_ req: Request) async throws -> ReportDTO {
        let (p, unit) = try target(req)
        let user = try req.requireMinistry()
        return ReportDTO(try await Reports.accept(p, unit: unit, actor: user, on: req), period: p, req: req)
    }

    struct ReturnBody: Content { let comment: String? }

    @Sendable static func `return`(_ req: Request) async throws -> ReportDTO {
        let (p, unit) = try target(req)
        let user = try req.requireMinistry()
        let body = try req.content.decode(ReturnBody.self)
        return ReportDTO(try await Reports.return(p, unit: unit, comment: body.comment, actor: user, on: req), period: p, req: req)
    }

    @Sendable static func history(_ req: Request) async throws -> [HistoryEntryDTO] {
        let (p, unit) = try target(req)
        _ = try req.requireRead(unit: unit)
        _ = try await Reports.require(p, unit, on: req.db)
        return try await Reports.history(p, unit: unit, on: req.db).map(HistoryEntryDTO.init)
    }

    struct DerivedDTO: Content {
        struct Discrepancy: Content { let field: String; let column: Int?; let reported: String; let derived: String }
        let period: String
        let unitCode: String
        /// The registers the values come from.
        let sources: [String]
        let payment: ReportValues.Payment
        let overcharge: ReportValues.Cases
        let violations: ReportValues.Cases
        let forgery: ReportValues.Cases
        let discrepancies: [Discrepancy]
    }

    /// Values derived from the registers for a unit and quarter, and where its report disagrees.
    /// Today: the year-to-date certificate payment figures (columns 25–28) from the ledger, and the
    /// case counts (9–11, 17–19, 21–23) from the complaints register.
    @Sendable static func derived(_ req: Request) async throws -> DerivedDTO {
        let (p, unit) = try target(req)
        _ = try req.requireRead(unit: unit)
        _ = try await Reports.unit(unit, on: req.db)
        let payment = try await Certificates.ledger(unit: unit, period: p, on: req.db)
        let cases = try await Complaints.derived(unit: unit, period: p, on: req.db)
        var discrepancies: [DerivedDTO.Discrepancy] = []
        let reported = try await Reports.latest(p, unit, on: req.db)?.values
        if let reported {
            let groups: [(String, ReportValues.Cases, Int)] = [("overcharge", reported.overcharge, 10),
                                                               ("violations", reported.violations, 18),
                                                               ("forgery", reported.forgery, 22)]
            for (name, mine, column) in groups {
                let d = cases[name]!
                if mine.investigated != d.investigated {
                    discrepancies.append(.init(field: "\(name).investigated", column: column, reported: "\(mine.investigated)",
                                               derived: "\(d.investigated)"))
                }
                if mine.uninvestigated != d.uninvestigated {
                    discrepancies.append(.init(field: "\(name).uninvestigated", column: column + 1,
                                               reported: "\(mine.uninvestigated)", derived: "\(d.uninvestigated)"))
                }
            }
        }
        if let r = reported?.payment {
            let column = Catalogue.paymentColumn(quarter: p.quarter)
            if r.dueYuan != payment.dueYuan {
                discrepancies.append(.init(field: "payment.dueYuan", column: column, reported: r.dueYuan.description,
                                           derived: payment.dueYuan.description))
            }
            if r.paidYuan != payment.paidYuan {
                discrepancies.append(.init(field: "payment.paidYuan", column: column, reported: r.paidYuan.description,
                                           derived: payment.paidYuan.description))
            }
        }
        return DerivedDTO(period: p.description, unitCode: unit, sources: ["certificate-ledger", "complaints"],
                          payment: payment, overcharge: cases["overcharge"]!, violations: cases["violations"]!,
                          forgery: cases["forgery"]!, discrepancies: discrepancies)
    }

    /// Who has and hasn't reported for a period (ministry).
    @Sendable static func overview(_ req: Request) async throws -> [ReportStatusDTO] {
        let p = try Reports.period(req.parameters.get("period"))
        _ = try req.requireMinistry()
        return try await statuses(p, on: req.db)
    }

    static func statuses(_ p: Period, on db: any Database) async throws -> [ReportStatusDTO] {
        let units = try await UnitModel.query(on: db).filter(\.$active == true).sort(\.$sortKey).all()
        let reports = try await ReportModel.query(on: db).filter(\.$period == p.description).all()
        var latest: [String: ReportModel] = [:]
        var accepted: [String: Int] = [:]
        for r in reports {
            if (latest[r.unitCode]?.revision ?? 0) < r.revision { latest[r.unitCode] = r }
            if r.status == .accepted { accepted[r.unitCode] = max(accepted[r.unitCode] ?? 0, r.revision) }
        }
        return units.map { u in
            let r = latest[u.id!]
            return ReportStatusDTO(unitCode: u.id!, unitName: u.name, kind: u.kind.rawValue, status: r?.status.rawValue,
                                   revision: r?.revision, submittedAt: r?.submittedAt, late: r?.late ?? false,
                                   acceptedRevision: accepted[u.id!])
        }
    }
}
