import Domain
import Fluent
import Vapor

/// Reading reports beside the registers: who reported a quarter, and what the registers say a
/// unit's report should hold. The API and the pages both read through these.
extension Reports {
    struct DerivedDTO: Content {
        struct Discrepancy: Content {
            let field: String
            let column: Int?
            let reported: String
            let derived: String
        }
        let period: String
        let unitCode: String
        /// The registers the values come from.
        let sources: [String]
        let standards: ReportValues.Standards
        let banks: ReportValues.Banks
        let feeStandard: Bool
        let overcharge: ReportValues.Cases
        let crossRegion: Bool
        let supervision: Bool
        let violations: ReportValues.Cases
        let forgery: ReportValues.Cases
        let payment: ReportValues.Payment
        let sessions: Int
        let discrepancies: [Discrepancy]
        /// Certificates issued in the quarter, against passes, refused; sessions over-certified.
        let issuance: IssuanceFigures

        /// The derived figures as report values (to fill a form with).
        var values: ReportValues {
            ReportValues(
                standards: standards, banks: banks, feeStandard: feeStandard, overcharge: overcharge,
                crossRegion: crossRegion, supervision: supervision, violations: violations, forgery: forgery,
                payment: payment)
        }
    }

    /// Values derived from the registers for a unit and quarter — columns 1–24 from stations,
    /// sessions, fee standards, supervision visits and complaints; 25–28 from the certificate
    /// ledger — and where the unit's report disagrees, field by field.
    static func derived(
        _ p: Period, unit: String, registers: [String: Derivation.Derived]? = nil,
        on db: any Database
    ) async throws -> DerivedDTO {
        let d = try await Derivation.one(unit: unit, period: p, registers: registers, on: db)
        let payment = try await Certificates.ledger(unit: unit, period: p, on: db)
        let values = ReportValues(
            standards: d.standards, banks: d.banks, feeStandard: d.feeStandard, overcharge: d.overcharge,
            crossRegion: d.crossRegion, supervision: d.supervision, violations: d.violations,
            forgery: d.forgery, payment: payment)
        var discrepancies: [DerivedDTO.Discrepancy] = []
        if let reported = try await Reports.latest(p, unit, on: db)?.values {
            let mine = Dictionary(uniqueKeysWithValues: reported.fields.map { ($0.key, $0.value) })
            for (key, value) in values.fields where mine[key] != value {
                var column = ReportValues.fieldColumns.first { $0.key == key }?.column
                if key.hasPrefix("payment.") { column = Catalogue.paymentColumn(quarter: p.quarter) }
                discrepancies.append(.init(field: key, column: column, reported: mine[key] ?? "", derived: value))
            }
        }
        return DerivedDTO(
            period: p.description, unitCode: unit,
            sources: ["exam-sessions", "stations", "fee-standards", "supervision-visits", "complaints", "certificate-ledger"],
            standards: d.standards, banks: d.banks, feeStandard: d.feeStandard, overcharge: d.overcharge,
            crossRegion: d.crossRegion, supervision: d.supervision, violations: d.violations, forgery: d.forgery,
            payment: payment, sessions: d.sessions, discrepancies: discrepancies,
            issuance: try await IssuanceFigures.all(p, unit: unit, on: db)[unit] ?? IssuanceFigures())
    }

    /// The active units in their order, each one's latest report of `p`, and the highest revision
    /// of it the ministry accepted: what the overview (JSON) and the ministry's workbook list.
    static func latestByUnit(
        _ p: Period, on db: any Database
    ) async throws -> (units: [UnitModel], latest: [String: ReportModel], accepted: [String: Int]) {
        let units = try await UnitModel.query(on: db).filter(\.$active == true).sort(\.$sortKey).all()
        let reports = try await ReportModel.query(on: db).filter(\.$period == p.description).all()
        var latest: [String: ReportModel] = [:]
        var accepted: [String: Int] = [:]
        for r in reports {
            if (latest[r.unitCode]?.revision ?? 0) < r.revision { latest[r.unitCode] = r }
            if r.status == .accepted { accepted[r.unitCode] = max(accepted[r.unitCode] ?? 0, r.revision) }
        }
        return (units, latest, accepted)
    }

    /// Who has and hasn't reported for a period (ministry).
    static func statuses(_ p: Period, on db: any Database) async throws -> [ReportStatusDTO] {
        let (units, latest, accepted) = try await latestByUnit(p, on: db)
        return units.map { u in
            let r = latest[u.id!]
            return ReportStatusDTO(
                unitCode: u.id!, unitName: u.name, kind: u.kind.rawValue, status: r?.status.rawValue,
                revision: r?.revision, submittedAt: r?.submittedAt, late: r?.late ?? false,
                acceptedRevision: accepted[u.id!])
        }
    }
}
