import Domain
import Foundation
import Vapor

struct ReportDTO: EncodableAnswer {
    let period: String
    let unitCode: String
    let status: String
    let revision: Int
    let values: ReportValues
    let cells: [Cell]
    let findings: [Finding]
    let submittedAt: Date?
    let late: Bool
    let deadline: String
    let comment: String?
    let acceptedAt: Date?

    init(_ r: ReportModel, period p: Period, req: Request) {
        period = r.period
        unitCode = r.unitCode
        status = r.status.rawValue
        revision = r.revision
        values = r.values
        cells = r.values.cells(quarter: p.quarter)
        var f = Findings.of(r.values, quarter: p.quarter, threshold: req.config.paymentThreshold)
        let deadlineDay = p.deadlineDay(days: req.config.deadlineDays)
        if r.late { f.append(Findings.late(deadline: deadlineDay)) }
        findings = f
        submittedAt = r.submittedAt
        late = r.late
        deadline = deadlineDay
        comment = r.comment
        acceptedAt = r.acceptedAt
    }
}

struct HistoryEntryDTO: Content {
    let at: Date
    let user: String
    let revision: Int
    let action: String
    let field: String?
    let column: Int?
    let old: String?
    let new: String?
    let comment: String?

    init(_ e: ReportEvent) {
        at = e.at
        user = e.actor
        revision = e.revision
        action = e.action
        field = e.field
        column = e.field.flatMap { f in ReportValues.fieldColumns.first { $0.key == f }?.column }
        old = e.oldValue
        new = e.newValue
        comment = e.comment
    }
}

/// One unit's state for a period, for the ministry's overview of who has reported.
struct ReportStatusDTO: Content {
    let unitCode: String
    let unitName: String
    let kind: String
    let status: String?
    let revision: Int?
    let submittedAt: Date?
    let late: Bool
    let acceptedRevision: Int?
}
