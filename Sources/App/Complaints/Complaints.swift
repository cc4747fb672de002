import Crypto
import Domain
import Fluent
import Foundation
import Vapor

/// Filing, routing and handling whistle-blowing cases; shared by the API and the web pages.
enum Complaints {
    static let receiptAlphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")  // Crockford base32

    /// 160 random bits as 32 base-32 characters, grouped by four: shown once, kept only as a hash.
    static func newReceipt() -> String {
        var g = SystemRandomNumberGenerator()
        let chars = (0..<32).map { _ in receiptAlphabet[Int(UInt8.random(in: 0...255, using: &g) & 31)] }
        return stride(from: 0, to: 32, by: 4).map { String(chars[$0..<$0 + 4]) }.joined(separator: "-")
    }

    /// Upper-case, without dashes or spaces; nil unless 32 base-32 characters.
    static func normalisedReceipt(_ raw: String) -> String? {
        let s = raw.uppercased().filter { $0 != "-" && $0 != " " }
        guard s.count == 32, s.allSatisfy({ receiptAlphabet.contains($0) }) else { return nil }
        return s
    }

    static func hash(_ receipt: String) -> String {
        SHA256.hash(data: Data(receipt.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    struct Filing: Content {
        let category: String?
        let unitCode: String?
        let station: String?
        let description: String?
        let contact: String?
        let channel: String?
        /// The complaint names the guidance centre itself (not one of its stations): the ministry
        /// handles it, and the centre never sees it.
        var aboutCentre: Bool? = nil
    }

    /// A file sent with a filing: its name as sent and its bytes.
    struct EvidenceFile: Sendable {
        let name: String?
        let bytes: [UInt8]

        init(name: String?, bytes: [UInt8]) {
            self.name = name
            self.bytes = bytes
        }

        /// A file of a multipart form.
        init(_ file: File) { self.init(name: file.filename, bytes: Array(file.data.readableBytesView)) }
    }

    /// Files a case, with the filer's evidence (up to 5 files, all checked before anything is
    /// recorded; the case and its files are recorded together or not at all).
    static func file(
        _ f: Filing, evidence files: [EvidenceFile] = [], by actor: User?, on store: Store, now: Date
    ) async throws -> (Complaint, receipt: String) {
        let filed = try await prepare(f, by: actor, on: store, now: now)
        guard files.count <= Evidence.maxFiles else { throw tooManyFiles }
        let who = actor?.username ?? "filer"
        let attachments = try files.map {
            try evidence($0, fromFiler: actor == nil, actor: who, now: now)
        }
        try await store.write { db in
            try await record(filed, on: db)
            for a in attachments {
                a.$complaint.id = try filed.complaint.requireID()
                try await a.create(on: db)
            }
        }
        return (filed.complaint, filed.receipt)
    }

    /// A complaint checked and ready to be recorded, with its receipt (shown once).
    struct Prepared: Sendable {
        let complaint: Complaint
        let receipt: String
        let contact: String?
        let actor: String
        let at: Date
    }

    /// Checks a filing and makes the case (not yet recorded): what `file` and the other ways a
    /// case is opened (a forgery lead, see `ForgeryLeads.openCase`) share.
    static func prepare(_ f: Filing, by actor: User?, on store: Store, now: Date) async throws -> Prepared {
        var issues: [ValidationIssue] = []
        func issue(_ field: String, _ code: String, _ en: String, _ zh: String) {
            issues.append(ValidationIssue(field: field, column: nil, code: code, message: en, messageZh: zh))
        }
        let category = f.category.flatMap(ComplaintCategory.init(rawValue:))
        if category == nil {
            issue("category", "unknown_category", "Choose one of the six categories", "请选择举报类别")
        }
        let channel = ComplaintChannel(rawValue: f.channel ?? "web").flatMap { ComplaintChannel.filed.contains($0) ? $0 : nil }
        if channel == nil {
            issue("channel", "unknown_channel", "Channel: web, phone, letter or visit", "渠道须为网上、电话、来信或来访")
        } else if channel != .web && actor == nil {
            issue("channel", "staff_only", "Complaints by phone, letter or visit are recorded by staff", "电话、来信、来访举报由工作人员登记")
        }
        let description = (f.description ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if description.count < 10 {
            issue(
                "description", description.isEmpty ? "required" : "too_short", "Describe what happened (at least 10 characters)",
                "请描述举报事项（至少10个字）")
        } else if description.count > 5000 {
            issue("description", "too_long", "The description is limited to 5000 characters", "举报内容不能超过5000字")
        }
        let station = f.station?.trimmingCharacters(in: .whitespaces)
        if (station?.count ?? 0) > 100 { issue("station", "too_long", "Station: at most 100 characters", "鉴定站（所）名称不能超过100字") }
        let contact = f.contact?.trimmingCharacters(in: .whitespaces)
        if (contact?.count ?? 0) > 200 { issue("contact", "too_long", "Contact: at most 200 characters", "联系方式不能超过200字") }
        var unitCode = f.unitCode?.trimmingCharacters(in: .whitespaces)
        if unitCode == "" || unitCode == "unknown" { unitCode = nil }
        if let code = unitCode, try await UnitModel.find(code, on: store.db) == nil {
            issue("unitCode", "unknown_unit", "No unit with code \(code)", "没有代码为\(code)的单位")
        }
        let aboutCentre = f.aboutCentre == true
        if aboutCentre && unitCode == nil {
            issue(
                "unitCode", "required", "Name the guidance centre the complaint is about",
                "举报鉴定指导中心本身时，请选择该中心所在地区或行业")
        }
        if !issues.isEmpty { throw AppError.invalid(issues) }

        let receipt = newReceipt()
        // A complaint about the centre itself goes to the ministry (nil owner), never to the centre.
        let owner = aboutCentre ? nil : unitCode
        let c = Complaint()
        c.receiptHash = hash(normalisedReceipt(receipt)!)
        c.category = category!
        c.$unit.id = unitCode
        c.$owner.id = owner
        c.station = (station?.isEmpty ?? true) ? nil : station
        c.description = description
        c.channel = channel!
        c.status = .received
        c.referredToPolice = false
        c.receivedAt = now
        c.recordedBy = actor?.username
        c.aboutCentre = aboutCentre
        c.extensionDays = 0
        setDecisionDue(c, from: now, app: store.app)
        return Prepared(
            complaint: c, receipt: receipt, contact: (contact?.isEmpty ?? true) ? nil : contact,
            actor: actor?.username ?? "public", at: now)
    }

    /// Records a prepared case, inside the caller's write transaction.
    static func record(_ p: Prepared, on db: any Database) async throws {
        let c = p.complaint
        try await c.create(on: db)
        if let contact = p.contact { try await ComplaintContact(complaintID: try c.requireID(), contact: contact).create(on: db) }
        try await update(
            c, from: nil, to: .received, note: nil, publicNote: nil, fromOwner: nil, toOwner: c.ownerCode,
            referred: false, actor: p.actor, at: p.at, on: db)
    }

    /// Opens a case for a violation a supervisor found (督导发现的违规), inside the caller's write
    /// transaction. It needs no acceptance decision: it starts `accepted`, with the result
    /// deadline running, and counts as a founded case of its kind (see `derived`). It belongs to
    /// `unitCode`, the unit whose session or station was supervised.
    static func openFoundCase(
        category: ComplaintCategory, unitCode: String, station: String?, description: String, actor: String, at: Date,
        app: Application, on db: any Database
    ) async throws -> Complaint {
        let c = Complaint()
        c.receiptHash = hash(newReceipt())  // nobody holds this receipt: the case has no outside filer
        c.category = category
        c.$unit.id = unitCode
        c.$owner.id = unitCode
        c.station = station
        c.description = String(description.prefix(5000))
        c.channel = .supervision
        c.status = .accepted
        c.referredToPolice = false
        c.receivedAt = at
        c.acceptedAt = at
        c.extensionDays = 0
        c.aboutCentre = false
        setResultDue(c, acceptedAt: at, app: app)
        c.recordedBy = actor
        try await c.create(on: db)
        try await update(
            c, from: nil, to: .accepted, note: "督导发现 found by supervision", publicNote: nil, fromOwner: nil, toOwner: unitCode,
            referred: false, actor: actor, at: at, on: db)
        return c
    }

    static func update(
        _ c: Complaint, from: ComplaintStatus?, to: ComplaintStatus, note: String?, publicNote: String?,
        fromOwner: String?, toOwner: String?, referred: Bool, actor: String, at: Date, on db: any Database
    ) async throws {
        try await ComplaintUpdate(
            complaint: try c.requireID(), from: from, to: to, note: note, publicNote: publicNote, fromOwner: fromOwner,
            toOwner: toOwner, referred: referred, actor: actor, at: at
        ).create(on: db)
    }

    /// A case the user may handle: the ministry any, a unit those it owns.
    static func handled(_ id: UUID?, by user: User, on db: any Database) async throws -> Complaint {
        guard user.role == .ministry || user.role == .unit else { throw AppError.forbidden }
        guard let id, let c = try await Complaint.find(id, on: db) else {
            throw AppError.notFound("No such complaint", "没有该举报")
        }
        if user.role == .unit && c.ownerCode != user.unitCode { throw AppError.otherUnit }
        return c
    }

    /// `transferTo` naming the ministry rather than a unit.
    static let ministryCode = "ministry"

    struct Transition: Content {
        let to: String?
        let note: String?
        let publicNote: String?
        let transferTo: String?
        let referredToPolice: Bool?
        /// Why the complaint is not accepted (不予受理): required for `refused`, shown to the filer.
        var reason: String? = nil
    }

    static func transition(_ c: Complaint, _ t: Transition, by actor: User, on store: Store, now: Date) async throws -> Complaint
    {
        guard let to = t.to.flatMap(ComplaintStatus.init(rawValue:)), to != .received else {
            throw AppError.invalid(
                field: "to", code: "unknown_status", "To: accepted, refused, investigating, handled, unfounded or transferred",
                "目标状态须为受理、不予受理、调查中、已查处、不属实或转办")
        }
        let reason = (t.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if to == .refused && !(2...1000).contains(reason.count) {
            throw AppError.invalid(
                field: "reason", code: "required",
                "Say why the complaint is not accepted (2–1000 characters); the filer reads it",
                "不予受理须说明理由（2至1000字），举报人可以看到")
        }
        var note = (t.note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if note.isEmpty && to == .refused { note = reason }
        guard (1...2000).contains(note.count) else {
            throw AppError.invalid(
                field: "note", code: "required", "Every step needs a note (1–2000 characters)", "每一步处理都须填写说明（1至2000字）")
        }
        var publicNote = t.publicNote?.trimmingCharacters(in: .whitespacesAndNewlines)
        if (publicNote?.count ?? 0) > 1000 {
            throw AppError.invalid(
                field: "publicNote", code: "too_long", "The public note: at most 1000 characters", "公开说明不能超过1000字")
        }
        if to == .refused && (publicNote?.isEmpty ?? true) { publicNote = "不予受理：" + reason }
        if to == .transferred && t.transferTo != ministryCode {
            guard let target = t.transferTo, try await UnitModel.find(target, on: store.db) != nil else {
                throw AppError.invalid(field: "transferTo", code: "unknown_unit", "Transfer to which unit?", "请指定转办单位")
            }
        }
        let referred = t.referredToPolice == true
        let id = try c.requireID()
        let app = store.app
        let (stepNote, stepPublicNote) = (note, (publicNote?.isEmpty ?? true) ? nil : publicNote)
        // The case is re-read under its row's lock: of two handlers acting at once, the second
        // sees the first one's result (and answers 409 where it no longer applies).
        return try await store.write { db in
            if actor.role == .unit, let own = actor.unitCode { try await Reports.lockUnit(own, active: true, on: db) }
            try await db.lockForWrite("complaints", "id", id)
            guard let c = try await Complaint.find(id, on: db) else { throw AppError.notFound("No such complaint", "没有该举报") }
            if actor.role == .unit && c.ownerCode != actor.unitCode { throw AppError.otherUnit }
            if c.status.isClosed {
                throw AppError.conflict("case_closed", "The case is closed; only the ministry can reopen it", "该举报已办结，只能由部重新启用")
            }
            guard c.status.canMove(to: to) else {
                throw AppError.conflict(
                    "wrong_state", "A case \(c.status.rawValue) cannot become \(to.rawValue)",
                    "举报当前为“\(c.status.nameZh)”，不能变为“\(to.nameZh)”")
            }
            var target = c.ownerCode
            if to == .transferred, t.transferTo == ministryCode {
                // A unit sends a case up (one about itself, filed without saying so).
                guard c.ownerCode != nil else {
                    throw AppError.invalid(
                        field: "transferTo", code: "same_unit", "The ministry holds the case already", "该举报已由部办理")
                }
                target = nil
            } else if to == .transferred, let dest = t.transferTo {
                guard dest != c.ownerCode else {
                    throw AppError.invalid(
                        field: "transferTo", code: "same_unit", "The case is already with this unit", "该举报已由该单位办理")
                }
                if c.aboutCentre && dest == c.unitCode {
                    throw AppError.invalid(
                        field: "transferTo", code: "conflict_of_interest",
                        "The complaint is about this centre itself: it cannot handle it", "该举报针对该指导中心本身，不能转由其办理")
                }
                target = dest
            }
            let from = c.status
            let oldOwner = c.ownerCode
            c.status = to
            c.$owner.id = target
            if referred { c.referredToPolice = true }
            switch to {
            case .accepted:
                c.acceptedAt = now
                setResultDue(c, acceptedAt: now, app: app)
            case .transferred:
                // The receiving unit decides afresh whether to accept, within the decision deadline.
                c.acceptedAt = nil
                setDecisionDue(c, from: now, app: app)
            case .refused:
                c.refusalReason = reason
            default: break
            }
            if to.isClosed { c.closedAt = now }
            try await c.save(on: db)
            try await update(
                c, from: from, to: to, note: stepNote, publicNote: stepPublicNote,
                fromOwner: oldOwner, toOwner: target, referred: referred, actor: actor.username, at: now, on: db)
            return c
        }
    }

    /// The ministry reopens a closed case: one dealt with or found untrue goes back under
    /// investigation, one refused becomes accepted (the ministry overrules the refusal); either
    /// way a fresh result deadline runs from now.
    static func reopen(_ c: Complaint, note: String?, by actor: User, on store: Store, now: Date) async throws -> Complaint {
        let note = (note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...2000).contains(note.count) else {
            throw AppError.invalid(field: "note", code: "required", "Say why the case reopens", "请说明重新启用的原因")
        }
        let id = try c.requireID()
        let app = store.app
        return try await store.write { db in
            try await db.lockForWrite("complaints", "id", id)
            guard let c = try await Complaint.find(id, on: db) else { throw AppError.notFound("No such complaint", "没有该举报") }
            guard c.status.isClosed else {
                throw AppError.conflict("wrong_state", "Only a closed case reopens", "只有已办结的举报才能重新启用")
            }
            let from = c.status
            let to: ComplaintStatus = from == .refused ? .accepted : .investigating
            c.status = to
            c.closedAt = nil
            c.refusalReason = nil
            c.acceptedAt = now
            setResultDue(c, acceptedAt: now, app: app)
            try await c.save(on: db)
            try await update(
                c, from: from, to: to, note: "重新启用 reopened: " + note, publicNote: "部已重新启用该举报。The ministry reopened the case.",
                fromOwner: c.ownerCode, toOwner: c.ownerCode, referred: false, actor: actor.username, at: now, on: db)
            return c
        }
    }

    /// The case counts of every unit for a quarter, by report group (`overcharge`, `violations`,
    /// `forgery`), under the rule of `CaseCounting`: the cases received before the quarter's end
    /// and not closed before its start are read with their trail up to its end.
    static func derivedAll(period: Period, on db: any Database) async throws -> [String: [String: ReportValues.Cases]] {
        let never = ComplaintStatus.allCases.filter(\.neverCounts)
        let cases = try await Complaint.query(on: db)
            .filter(\.$receivedAt < period.end)
            .filter(\.$status !~ never)
            .group(.or) { $0.filter(\.$closedAt == nil).filter(\.$closedAt >= period.start) }
            .all()
        var steps: [UUID: [CaseCounting.Step]] = [:]
        let ids = cases.compactMap(\.id)
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
            for u in try await ComplaintUpdate.query(on: db).filter(\.$complaint.$id ~~ chunk)
                .filter(\.$at < period.end).sort(\.$at).all()
            {
                guard let status = ComplaintStatus(rawValue: u.toStatus) else { continue }
                steps[u.$complaint.id, default: []].append(.init(at: u.at, status: status, owner: u.toOwner))
            }
        }
        var result: [String: [String: ReportValues.Cases]] = [:]
        for c in cases {
            guard
                let counted = CaseCounting.count(
                    receivedAt: c.receivedAt, current: c.status, about: c.unitCode, steps: steps[c.id!] ?? [],
                    start: period.start, end: period.end)
            else { continue }
            var group = result[counted.unit, default: [:]][c.category.reportGroup] ?? .init(investigated: 0, uninvestigated: 0)
            if counted.handled { group.investigated += 1 } else { group.uninvestigated += 1 }
            result[counted.unit, default: [:]][c.category.reportGroup] = group
        }
        return result
    }

    // MARK: Hotlines

    static func hotlines(on db: any Database) async throws -> [(unit: UnitModel, phones: [String])] {
        let units = try await UnitModel.query(on: db).filter(\.$active == true).sort(\.$sortKey).all()
        let all = try await UnitHotline.query(on: db).sort(\.$position).all()
        let byUnit = Dictionary(grouping: all, by: { $0.$unit.id })
        return units.compactMap { u in
            guard let phones = byUnit[u.id!], !phones.isEmpty else { return nil }
            return (u, phones.map(\.phone))
        }
    }

    static func setHotlines(_ unit: String, phones raw: [String], store: Store) async throws -> [String] {
        let phones = raw.map { $0.trimmingCharacters(in: .whitespaces) }
        var issues: [ValidationIssue] = []
        if phones.count > 5 {
            issues.append(
                .init(field: "phones", column: nil, code: "too_many", message: "At most 5 numbers", messageZh: "最多5个电话"))
        }
        for (i, p) in phones.enumerated() where !Hotline.isValid(p) {
            issues.append(
                .init(
                    field: "phones[\(i)]", column: nil, code: "invalid_phone",
                    message: "\(p) is not a telephone number such as 010-84201673 or 13800138000",
                    messageZh: "\(p)不是有效的电话号码（如010-84201673或13800138000）"))
        }
        if Set(phones).count != phones.count {
            issues.append(
                .init(field: "phones", column: nil, code: "duplicate", message: "A number is listed twice", messageZh: "电话号码重复"))
        }
        if !issues.isEmpty { throw AppError.invalid(issues) }
        try await store.write { tx in
            try await Reports.lockUnit(unit, active: true, on: tx)
            try await UnitHotline.query(on: tx).filter(\.$unit.$id == unit).delete()
            for (i, p) in phones.enumerated() { try await UnitHotline(unitCode: unit, phone: p, position: i).create(on: tx) }
        }
        return phones
    }
}
