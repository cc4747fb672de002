import Domain
import Fluent
import SQLKit
import Vapor

/// Forgery intelligence from public lookups (single, batch and scanned): each serial looked up on
/// a day in a way that points to a forged or misused certificate is one lead of that day, owned by
/// the unit whose allocated range holds the serial (the ministry's when none does). Units read
/// their own leads, the ministry all; either turns a lead into a complaint case once.
enum ForgeryLeads {
    /// Mismatching name/ID lookups of one serial in one Beijing day from which they are a lead.
    /// Fewer are counted (the row exists) but are not shown nor made into cases: a holder who
    /// mistypes a name once or twice is not a forger.
    static let mismatchThreshold = 3

    /// Lookups of one serial, to be added to its lead of the day.
    struct Sighting: Sendable, Equatable {
        let serial: String
        let kind: ForgeryLead.Kind
        let unitCode: String?
        var lookups: Int
    }

    /// Folds sightings by serial (the strongest kind wins) and adds them to the day's leads: one
    /// statement, `INSERT … ON CONFLICT (serial, day) DO UPDATE`, so parallel lookups of one serial
    /// add up in one row on both databases. Inside the caller's write transaction.
    static func record(_ sightings: [Sighting], day: String, now: Date, on db: any Database) async throws {
        var bySerial: [String: Sighting] = [:]
        for s in sightings {
            if var seen = bySerial[s.serial] {
                seen.lookups += s.lookups
                bySerial[s.serial] =
                    s.kind.rank > seen.kind.rank
                    ? Sighting(serial: s.serial, kind: s.kind, unitCode: s.unitCode ?? seen.unitCode, lookups: seen.lookups)
                    : seen
            } else {
                bySerial[s.serial] = s
            }
        }
        guard !bySerial.isEmpty, let sql = db as? any SQLDatabase else { return }
        // In serial order, so that two batches upserting the same serials lock them in one order.
        let rows = bySerial.values.sorted { $0.serial < $1.serial }.map { s -> SQLQueryString in
            "(\(bind: UUID()), \(bind: s.serial), \(bind: day), \(bind: s.kind.rawValue), \(bind: s.unitCode), \(bind: s.lookups), \(bind: now), \(bind: now))"
        }
        try await sql.raw(
            """
            INSERT INTO forgery_leads (id, serial, day, kind, unit_code, lookups, first_seen, last_seen) VALUES \
            \(rows.joined(separator: ", ")) \
            ON CONFLICT (serial, day) DO UPDATE SET lookups = forgery_leads.lookups + excluded.lookups, \
            last_seen = excluded.last_seen, \
            kind = CASE WHEN forgery_leads.kind = 'mismatch' THEN excluded.kind ELSE forgery_leads.kind END, \
            unit_code = COALESCE(forgery_leads.unit_code, excluded.unit_code)
            """
        ).run()
    }

    // MARK: Reading

    struct LeadDTO: Content {
        let id: UUID
        let serial: String
        let day: String
        let kind: String
        /// The owning unit; null: the ministry (a serial never allocated).
        let unitCode: String?
        let lookups: Int
        let firstSeen: Date
        let lastSeen: Date
        /// The complaint case made of the lead, once made.
        let complaintId: UUID?

        init(_ l: ForgeryLead) {
            id = l.id ?? UUID()
            serial = l.serial
            day = l.day
            kind = l.kind.rawValue
            unitCode = l.unitCode
            lookups = l.lookups
            firstSeen = l.firstSeen
            lastSeen = l.lastSeen
            complaintId = l.complaintID
        }
    }

    struct Page: Content {
        struct BySerial: Content {
            let serial: String
            let count: Int
            let lastSeen: String
        }
        struct ByDay: Content {
            let day: String
            let count: Int
        }
        let items: [LeadDTO]
        let page: Int
        let per: Int
        let total: Int
        let mismatchThreshold: Int
        /// Lookups per serial over every lead the reader may see (most first, at most 500).
        let bySerial: [BySerial]
        /// Lookups per day (latest first, at most 366 days).
        let byDay: [ByDay]
    }

    struct Search: Sendable {
        var unitCode: String?
        var kind: String?
        var paging: Paging
    }

    /// Leads count from the threshold: never a mismatch seen fewer times.
    static func visible(_ q: QueryBuilder<ForgeryLead>) -> QueryBuilder<ForgeryLead> {
        q.group(.or) { $0.filter(\.$kindRaw != ForgeryLead.Kind.mismatch.rawValue).filter(\.$lookups >= mismatchThreshold) }
    }

    /// The leads a user may read: a unit's operators their unit's, the ministry every one
    /// (`unitCode=ministry` for the ministry's own); supervisors none.
    static func scoped(_ user: User, unitCode: String?, on db: any Database) throws -> QueryBuilder<ForgeryLead> {
        guard user.role == .ministry || user.role == .unit else { throw AppError.forbidden }
        var q = visible(ForgeryLead.query(on: db))
        if user.role == .unit {
            q = q.filter(\.$unitCode == (user.unitCode ?? ""))
        } else if unitCode == "ministry" {
            q = q.filter(\.$unitCode == nil)
        } else if let unitCode, !unitCode.isEmpty {
            q = q.filter(\.$unitCode == unitCode)
        }
        return q
    }

    static func list(_ s: Search, for user: User, on db: any Database) async throws -> Page {
        var q = try scoped(user, unitCode: s.unitCode, on: db)
        if let kind = s.kind, !kind.isEmpty {
            guard ForgeryLead.Kind(rawValue: kind) != nil else {
                throw AppError.invalid(
                    field: "kind", code: "unknown_kind", "Kind: never_allocated, voided, revoked or mismatch",
                    "类别须为 never_allocated、voided、revoked 或 mismatch")
            }
            q = q.filter(\.$kindRaw == kind)
        }
        let total = try await q.copy().count()
        let items = try await q.copy().sort(\.$day, .descending).sort(\.$lookups, .descending).sort(\.$serial)
            .range(s.paging.range).all()
        // The summaries, over the same scope, in the database.
        let leads = try await q.copy().sort(\.$day, .descending).limit(5000).all()
        var perSerial: [String: (Int, String)] = [:]
        var perDay: [String: Int] = [:]
        for l in leads {
            let seen = perSerial[l.serial] ?? (0, "")
            perSerial[l.serial] = (seen.0 + l.lookups, max(seen.1, l.day))
            perDay[l.day, default: 0] += l.lookups
        }
        let bySerial = perSerial.map { Page.BySerial(serial: $0.key, count: $0.value.0, lastSeen: $0.value.1) }
            .sorted { ($0.count, $1.serial) > ($1.count, $0.serial) }.prefix(500)
        let byDay = perDay.map { Page.ByDay(day: $0.key, count: $0.value) }.sorted { $0.day > $1.day }.prefix(366)
        return Page(
            items: items.map(LeadDTO.init), page: s.paging.page, per: s.paging.per, total: total,
            mismatchThreshold: mismatchThreshold, bySerial: Array(bySerial), byDay: Array(byDay))
    }

    // MARK: From lead to case

    struct CaseDTO: Content {
        let lead: LeadDTO
        let complaintId: UUID
        let category: String
        let unitCode: String?
        let status: String
    }

    /// Turns a lead into a complaint case of category `illegal_certificates` against the owning
    /// unit (or the ministry), through `Complaints`; a lead becomes a case once (409 after).
    /// The ministry may do it for any lead, a unit's operator for its own.
    static func openCase(_ rawID: String?, by user: User, on store: Store, now: Date) async throws -> CaseDTO {
        guard let id = rawID.flatMap(UUID.init(uuidString:)),
            let lead = try await scoped(user, unitCode: nil, on: store.db).filter(\.$id == id).first()
        else { throw AppError.notFound("No such forgery lead", "没有该伪造证书线索") }
        if let unit = lead.unitCode {
            try user.requireWrite(unit: unit)
        } else {
            _ = try user.requireMinistry()
        }
        if lead.complaintID != nil { throw alreadyACase }
        let what: (en: String, zh: String) =
            switch lead.kind {
            case .neverAllocated: ("a serial that was never allocated", "从未分配的证书编号")
            case .voided: ("a blank voided as spoiled", "已作废的空白证书编号")
            case .revoked: ("a revoked certificate", "已撤销的证书")
            case .mismatch: ("names or ID numbers that do not match the certificate", "与证书不符的姓名或身份证号")
            }
        let description =
            "【证书查询线索】证书编号\(lead.serial)于\(lead.day)被公开查询\(lead.lookups)次，涉及\(what.zh)，疑为伪造、私制或冒用证书。"
            + " Forgery lead: serial \(lead.serial) was looked up \(lead.lookups) times on \(lead.day), "
            + "showing \(what.en)."
        let filing = Complaints.Filing(
            category: ComplaintCategory.illegalCertificates.rawValue, unitCode: lead.unitCode, station: nil,
            description: description, contact: nil, channel: ComplaintChannel.web.rawValue)
        let prepared = try await Complaints.prepare(filing, by: user, on: store, now: now)
        let complaintID = try await store.write { tx -> UUID in
            if let unit = lead.unitCode { try await Reports.lockUnit(unit, active: true, on: tx) }
            try await Complaints.record(prepared, on: tx)
            let caseID = try prepared.complaint.requireID()
            // Conditional: of two requests at once, only one links its case (the other rolls back).
            guard let sql = tx as? any SQLDatabase,
                try await sql.raw(
                    """
                    UPDATE forgery_leads SET complaint_id = \(bind: caseID) WHERE id = \(bind: id) AND complaint_id IS NULL \
                    RETURNING id
                    """
                ).first() != nil
            else { throw alreadyACase }
            return caseID
        }
        lead.complaintID = complaintID
        return CaseDTO(
            lead: LeadDTO(lead), complaintId: complaintID, category: ComplaintCategory.illegalCertificates.rawValue,
            unitCode: lead.unitCode, status: prepared.complaint.status.rawValue)
    }

    static let alreadyACase = AppError.conflict(
        "lead_has_case", "This lead has already been made a complaint case", "该线索已转为举报案件")
}
