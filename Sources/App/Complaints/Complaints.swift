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
    }

    static func file(_ f: Filing, by actor: User?, on store: Store, now: Date) async throws -> (Complaint, receipt: String) {
        let filed = try await prepare(f, by: actor, on: store, now: now)
        try await store.write { db in try await record(filed, on: db) }
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
        if !issues.isEmpty { throw AppError.invalid(issues) }

        let receipt = newReceipt()
        let owner = unitCode
        let c = Complaint()
        c.receiptHash = hash(normalisedReceipt(receipt)!)
        c.category = category!
        c.$unit.id = owner
        c.$owner.id = owner
        c.station = (station?.isEmpty ?? true) ? nil : station
        c.description = description
        c.channel = channel!
        c.status = .received
        c.referredToPolice = false
        c.receivedAt = now
        c.dueAt = now.addingTimeInterval(Double(store.config.complaintDays) * 86400)
        c.recordedBy = actor?.username
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
        on db: any Database
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
        c.dueAt = at.addingTimeInterval(60 * 86400)
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

    struct Transition: Content {
        let to: String?
        let note: String?
        let publicNote: String?
        let transferTo: String?
        let referredToPolice: Bool?
    }

    static func transition(_ c: Complaint, _ t: Transition, by actor: User, on store: Store, now: Date) async throws -> Complaint
    {
        guard let to = t.to.flatMap(ComplaintStatus.init(rawValue:)), to != .received else {
            throw AppError.invalid(
                field: "to", code: "unknown_status", "To: investigating, handled, unfounded or transferred",
                "目标状态须为调查中、已查处、不属实或转办")
        }
        let note = (t.note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...2000).contains(note.count) else {
            throw AppError.invalid(
                field: "note", code: "required", "Every step needs a note (1–2000 characters)", "每一步处理都须填写说明（1至2000字）")
        }
        let publicNote = t.publicNote?.trimmingCharacters(in: .whitespacesAndNewlines)
        if (publicNote?.count ?? 0) > 1000 {
            throw AppError.invalid(
                field: "publicNote", code: "too_long", "The public note: at most 1000 characters", "公开说明不能超过1000字")
        }
        if to == .transferred {
            guard let target = t.transferTo, try await UnitModel.find(target, on: store.db) != nil else {
                throw AppError.invalid(field: "transferTo", code: "unknown_unit", "Transfer to which unit?", "请指定转办单位")
            }
        }
        let referred = t.referredToPolice == true
        let id = try c.requireID()
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
            if to == .transferred, let dest = t.transferTo {
                guard dest != c.ownerCode else {
                    throw AppError.invalid(
                        field: "transferTo", code: "same_unit", "The case is already with this unit", "该举报已由该单位办理")
                }
                target = dest
            }
            let from = c.status
            let oldOwner = c.ownerCode
            c.status = to
            c.$owner.id = target
            if referred { c.referredToPolice = true }
            if to.isClosed { c.closedAt = now }
            try await c.save(on: db)
            try await update(
                c, from: from, to: to, note: note, publicNote: (publicNote?.isEmpty ?? true) ? nil : publicNote,
                fromOwner: oldOwner, toOwner: target, referred: referred, actor: actor.username, at: now, on: db)
            return c
        }
    }

    static func reopen(_ c: Complaint, note: String?, by actor: User, on store: Store, now: Date) async throws -> Complaint {
        let note = (note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...2000).contains(note.count) else {
            throw AppError.invalid(field: "note", code: "required", "Say why the case reopens", "请说明重新启用的原因")
        }
        let id = try c.requireID()
        return try await store.write { db in
            try await db.lockForWrite("complaints", "id", id)
            guard let c = try await Complaint.find(id, on: db) else { throw AppError.notFound("No such complaint", "没有该举报") }
            guard c.status.isClosed else {
                throw AppError.conflict("wrong_state", "Only a closed case reopens", "只有已办结的举报才能重新启用")
            }
            let from = c.status
            c.status = .investigating
            c.closedAt = nil
            try await c.save(on: db)
            try await update(
                c, from: from, to: .investigating, note: "重新启用 reopened: " + note, publicNote: nil,
                fromOwner: c.ownerCode, toOwner: c.ownerCode, referred: false, actor: actor.username, at: now, on: db)
            return c
        }
    }

    /// The case counts of a unit for a quarter: each case received in the quarter counts once, in
    /// its category's group; investigated when handled or unfounded by the quarter's end.
    static func derived(unit: String, period: Period, on db: any Database) async throws -> [String: ReportValues.Cases] {
        let cases = try await Complaint.query(on: db).filter(\.$owner.$id == unit)
            .filter(\.$receivedAt >= period.start).filter(\.$receivedAt < period.end).all()
        let ids = cases.compactMap(\.id)
        let updates =
            ids.isEmpty
            ? []
            : try await ComplaintUpdate.query(on: db).filter(\.$complaint.$id ~~ ids)
                .filter(\.$at < period.end).sort(\.$at).all()
        var lastStatus: [UUID: String] = [:]
        for u in updates { lastStatus[u.$complaint.id] = u.toStatus }
        var result: [String: ReportValues.Cases] = [
            "overcharge": .init(investigated: 0, uninvestigated: 0), "violations": .init(investigated: 0, uninvestigated: 0),
            "forgery": .init(investigated: 0, uninvestigated: 0),
        ]
        for c in cases {
            let closed = lastStatus[c.id!].flatMap(ComplaintStatus.init(rawValue:))?.isClosed ?? false
            let none = ReportValues.Cases(investigated: 0, uninvestigated: 0)
            if closed {
                result[c.category.reportGroup, default: none].investigated += 1
            } else {
                result[c.category.reportGroup, default: none].uninvestigated += 1
            }
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
