import Domain
import Fluent
import Foundation
import Vapor

/// Compiles live bulletins from accepted reports and publishes immutable revisions.
enum Bulletins {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys]
        return e
    }()
    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }()

    static func activeUnits(on db: any Database) async throws -> [UnitInfo] {
        try await UnitModel.query(on: db).filter(\.$active == true).sort(\.$sortKey).all()
            .map { UnitInfo(code: $0.id!, name: $0.name, kind: $0.kind.rawValue) }
    }

    /// The bulletin as it would be published now.
    static func live(_ p: Period, on req: Request, db: (any Database)? = nil) async throws -> Bulletin {
        let db = db ?? req.db
        let units = try await activeUnits(on: db)
        let reports = try await Reports.accepted(p, on: db).mapValues { BulletinReport(values: $0.values, late: $0.late) }
        var yearPayments: [Int: [String: ReportValues.Payment]] = [:]
        for q in p.yearToDate.dropLast() {
            yearPayments[q.quarter] = try await Reports.accepted(q, on: db).mapValues { $0.values.payment }
        }
        let previous = try await Reports.accepted(p.previous, on: db).mapValues(\.values)
        var b = Bulletin.compile(period: p, units: units, reports: reports, yearPayments: yearPayments,
                                 previous: previous, threshold: req.config.paymentThreshold,
                                 deadlineDays: req.config.deadlineDays, now: req.now)
        if let last = try await latestPublished(p, on: db) {
            b.revision = last.revision + 1
            b.changes = b.changes(since: last)
        }
        return b
    }

    static func latestPublished(_ p: Period, on db: any Database) async throws -> Bulletin? {
        guard let m = try await BulletinModel.query(on: db).filter(\.$period == p.description)
            .sort(\.$revision, .descending).first() else { return nil }
        return try decoder.decode(Bulletin.self, from: Data(m.body.utf8))
    }

    static func published(_ p: Period, revision: Int, on db: any Database) async throws -> Bulletin? {
        guard let m = try await BulletinModel.query(on: db).filter(\.$period == p.description)
            .filter(\.$revision == revision).first() else { return nil }
        return try decoder.decode(Bulletin.self, from: Data(m.body.utf8))
    }

    /// What a caller may see: the public the latest published revision (or one named revision);
    /// the ministry the live draft unless it asks for a published revision.
    static func visible(_ p: Period, draft: Bool?, revision: Int?, on req: Request) async throws -> Bulletin {
        let isMinistry = req.auth.get(User.self)?.role == .ministry
        if let revision {
            guard let b = try await published(p, revision: revision, on: req.db) else {
                throw AppError.notFound("\(p) has no published revision \(revision)", "\(p)没有第\(revision)次发布的通报")
            }
            return b
        }
        if isMinistry && draft != false { return try await live(p, on: req) }
        guard let b = try await latestPublished(p, on: req.db) else {
            throw AppError.notFound("The bulletin of \(p) has not been published", "\(p)的质量通报尚未发布")
        }
        return b
    }

    static func publish(_ p: Period, actor: User, on req: Request) async throws -> Bulletin {
        let now = req.now
        guard p.hasEnded(now: now) else {
            throw AppError.conflict("period_not_ended", "\(p) has not ended yet; its bulletin cannot be published",
                                    "\(p)尚未结束，不能发布通报")
        }
        return try await req.db.transaction { db in
            let pending = try await ReportModel.query(on: db).filter(\.$period == p.description)
                .filter(\.$status == .submitted).all().map(\.unitCode)
            if !pending.isEmpty {
                throw AppError.conflict("reports_pending_review",
                                        "Review the submitted reports first: \(pending.sorted().joined(separator: ", "))",
                                        "请先审核已报送的报表：\(pending.sorted().joined(separator: "、"))")
            }
            var b = try await live(p, on: req, db: db)
            if let last = try await latestPublished(p, on: db), b.sameTable(as: last) {
                throw AppError.conflict("no_changes", "Nothing changed since revision \(last.revision)",
                                        "自第\(last.revision)次发布以来没有变化")
            }
            b.status = "published"
            b.publishedAt = now
            let body = String(decoding: try encoder.encode(b), as: UTF8.self)
            try await BulletinModel(period: p.description, revision: b.revision, publishedAt: now,
                                    publishedBy: actor.username, body: body).create(on: db)
            return b
        }
    }

    struct Summary: Content {
        let period: String
        let revisions: [Revision]
        struct Revision: Content { let revision: Int; let publishedAt: Date; let changes: Int }
    }

    static func list(on db: any Database) async throws -> [Summary] {
        let all = try await BulletinModel.query(on: db).sort(\.$period, .descending).sort(\.$revision).all()
        var order: [String] = []
        var byPeriod: [String: [Summary.Revision]] = [:]
        for m in all {
            if byPeriod[m.period] == nil { order.append(m.period) }
            let changes = (try? decoder.decode(Bulletin.self, from: Data(m.body.utf8)).changes.count) ?? 0
            byPeriod[m.period, default: []].append(.init(revision: m.revision, publishedAt: m.publishedAt, changes: changes))
        }
        return order.map { Summary(period: $0, revisions: byPeriod[$0]!) }
    }
}
