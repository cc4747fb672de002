import Domain
import Fluent
import Foundation
import SQLKit
import Vapor

/// Compiles live bulletins from accepted reports and publishes immutable revisions.
extension Application {
    private struct BulletinCacheKey: StorageKey { typealias Value = Bulletins.SnapshotCache }

    var bulletinCache: Bulletins.SnapshotCache {
        if let c = storage[BulletinCacheKey.self] { return c }
        let c = Bulletins.SnapshotCache()
        storage[BulletinCacheKey.self] = c
        return c
    }

    private struct DraftCacheKey: StorageKey { typealias Value = Bulletins.DraftCache }

    var draftCache: Bulletins.DraftCache {
        if let c = storage[DraftCacheKey.self] { return c }
        let c = Bulletins.DraftCache()
        storage[DraftCacheKey.self] = c
        return c
    }
}

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

    /// The bulletin as it would be published now, compiled again only when what it is compiled
    /// from has changed (the `bulletin_inputs` stamp), the Beijing day has turned (overdue tasks)
    /// or the report deadline has passed (missing reports): one query instead of eight and a
    /// compilation (the ministry's draft went from 0.01 to 0.33 × /healthz, `make bench`).
    static func draftEntry(_ p: Period, now: Date, on store: Store) async throws -> DraftCache.Entry {
        // The stamp is read before the data: a draft cached under it is never older than it.
        let key = DraftCache.Key(
            period: p.description, stamp: try await ChangeStamps.current(on: store.db), day: Period.dayString(now),
            deadlinePassed: now >= p.deadline(days: store.config.deadlineDays))
        let cache = store.app.draftCache
        if let hit = cache.get(key) { return hit }
        let (b, last) = try await draft(p, config: store.config, now: now, on: store.db)
        let entry = DraftCache.Entry(key: key, bulletin: b, last: last)
        cache.put(entry)
        return entry
    }

    /// Each period's latest compiled draft, with what it was compiled under.
    final class DraftCache: @unchecked Sendable {
        struct Key: Hashable, Sendable {
            let period: String
            let stamp: Int64
            let day: String
            let deadlinePassed: Bool
        }

        final class Entry: @unchecked Sendable {
            let key: Key
            let bulletin: Bulletin
            let last: Bulletin?
            private let lock = NSLock()
            private var made: [String: Data] = [:]

            init(key: Key, bulletin: Bulletin, last: Bulletin?) {
                self.key = key
                self.bulletin = bulletin
                self.last = last
            }

            /// Something made from this draft (its JSON answer), made once.
            func artifact(_ kind: String, make: () async throws -> Data) async rethrows -> Data {
                if let hit = lock.withLock({ made[kind] }) { return hit }
                let data = try await make()
                lock.withLock { made[kind] = data }
                return data
            }
        }

        private let lock = NSLock()
        private var entries: [String: Entry] = [:]

        func get(_ key: Key) -> Entry? { lock.withLock { entries[key.period].flatMap { $0.key == key ? $0 : nil } } }

        func put(_ entry: Entry) {
            lock.withLock {
                // One draft per period; periods are few, but a bound costs nothing.
                if entries.count >= 64, entries[entry.key.period] == nil, let victim = entries.keys.first {
                    entries[victim] = nil
                }
                entries[entry.key.period] = entry
            }
        }
    }

    /// The live bulletin and the latest published revision it would follow, read once.
    static func draft(
        _ p: Period, config: AppConfig, now: Date, on db: any Database
    ) async throws
        -> (bulletin: Bulletin, last: Bulletin?)
    {
        let units = try await activeUnits(on: db)
        let reports = try await Reports.accepted(p, on: db).mapValues { BulletinReport(values: $0.values, late: $0.late) }
        var yearPayments: [Int: [String: ReportValues.Payment]] = [:]
        for q in p.yearToDate.dropLast() {
            yearPayments[q.quarter] = try await Reports.accepted(q, on: db).mapValues { $0.values.payment }
        }
        let previous = try await Reports.accepted(p.previous, on: db).mapValues(\.values)
        var b = Bulletin.compile(
            period: p, units: units, reports: reports, yearPayments: yearPayments,
            previous: previous, threshold: config.paymentThreshold,
            deadlineDays: config.deadlineDays, now: now,
            previousRanks: try await latestPublished(p.previous, on: db)?.ranks ?? [:],
            outstanding: try await Rectifications.outstanding(before: p, now: now, on: db))
        let last = try await latestPublished(p, on: db)
        if let last {
            b.revision = last.revision + 1
            b.changes = b.changes(since: last)
            // A correction keeps its document until the ministry rewrites it.
            b.document = last.document
        }
        return (b, last)
    }

    /// A published revision: its decoded table and the JSON it was stored as.
    struct Snapshot: Sendable {
        let id: UUID
        let bulletin: Bulletin
        let json: Data
    }

    /// Published revisions never change, so each process keeps the decoded ones it has read.
    final class SnapshotCache: @unchecked Sendable {
        private let lock = NSLock()
        private var entries: [UUID: Snapshot] = [:]
        private var artifacts: [String: Data] = [:]
        private let capacity = 128
        private var artifactBytes = 0
        /// What the made artifacts (tables, pages, PDFs) may hold in memory at most.
        private let maxArtifactBytes = 64 << 20

        func get(_ id: UUID) -> Snapshot? { lock.withLock { entries[id] } }

        func put(_ id: UUID, _ s: Snapshot) {
            lock.withLock {
                if entries.count >= capacity, let victim = entries.keys.first { entries[victim] = nil }
                entries[id] = s
            }
        }

        /// How many made things are kept (for tests).
        var artifactCount: Int { lock.withLock { artifacts.count } }

        /// What was made from a published revision, if it was.
        func cached(_ id: UUID, _ kind: String) -> Data? { lock.withLock { artifacts["\(id)/\(kind)"] } }

        /// Something made from a published revision (its CSV, XLSX or HTML table), made once.
        func artifact(_ id: UUID, _ kind: String, make: () throws -> Data) rethrows -> Data {
            let key = "\(id)/\(kind)"
            if let hit = lock.withLock({ artifacts[key] }) { return hit }
            let made = try make()
            lock.withLock {
                // Bounded by bytes as well as by number: whole pages and PDFs are large.
                while !artifacts.isEmpty && (artifacts.count >= capacity * 4 || artifactBytes + made.count > maxArtifactBytes),
                    let victim = artifacts.keys.first
                {
                    artifactBytes -= artifacts.removeValue(forKey: victim)?.count ?? 0
                }
                artifactBytes += made.count - (artifacts.updateValue(made, forKey: key)?.count ?? 0)
            }
            return made
        }
    }

    /// Reads a published revision: only its id from the database when this process has decoded it before.
    static func snapshot(_ p: Period, revision: Int?, on store: Store) async throws -> Snapshot? {
        guard let id = try await snapshotID(p, revision: revision, on: store.db) else { return nil }
        return try await load(id, on: store)
    }

    /// The id of a published revision (the latest when `revision` is nil): the one query a
    /// cached bulletin costs, so a correction is seen at once. On SQLite a direct statement (see
    /// `SQLiteDirect`): with the whole-page cache, the public page went from 0.11 to 0.92 × /healthz.
    static func snapshotID(_ p: Period, revision: Int?, on db: any Database) async throws -> UUID? {
        guard let sql = db as? any SQLDatabase else { return nil }
        let period = p.description
        let direct = try await SQLiteDirect.run(on: sql) { c -> String? in
            let st = try c.prepare(
                revision == nil
                    ? "SELECT id FROM bulletins WHERE period = ? ORDER BY revision DESC LIMIT 1"
                    : "SELECT id FROM bulletins WHERE period = ? AND revision = CAST(? AS INTEGER)")
            try st.bind([period] + (revision.map { [String($0)] } ?? []))
            return try st.step() ? st.text(0) : nil
        }
        if let direct { return direct.flatMap(UUID.init(uuidString:)) }
        var q = BulletinModel.query(on: db).filter(\.$period == period)
        q = revision.map { q.filter(\.$revision == $0) } ?? q.sort(\.$revision, .descending)
        return try await q.field(\.$id).first()?.id
    }

    static func load(_ id: UUID, on store: Store) async throws -> Snapshot? {
        if let hit = store.app.bulletinCache.get(id) { return hit }
        guard let m = try await BulletinModel.find(id, on: store.db) else { return nil }
        let json = Data(m.body.utf8)
        let s = Snapshot(id: id, bulletin: try decoder.decode(Bulletin.self, from: json), json: json)
        store.app.bulletinCache.put(id, s)
        return s
    }

    static func latestPublished(_ p: Period, on db: any Database) async throws -> Bulletin? {
        guard
            let m = try await BulletinModel.query(on: db).filter(\.$period == p.description)
                .sort(\.$revision, .descending).first()
        else { return nil }
        return try decoder.decode(Bulletin.self, from: Data(m.body.utf8))
    }

    static func hasPublished(_ p: Period, on db: any Database) async throws -> Bool {
        try await BulletinModel.query(on: db).filter(\.$period == p.description).count() > 0
    }

    /// What a caller may see: the public the latest published revision (or one named revision);
    /// the ministry the live draft unless it asks for a published revision. Published ones come
    /// with their stored JSON.
    static func visible(
        _ p: Period, draft: Bool?, revision: Int?, for viewer: User?, on store: Store, now: Date
    )
        async throws -> (Bulletin, Snapshot?)
    {
        let isMinistry = viewer?.role == .ministry
        if isMinistry && draft != false && revision == nil {
            return (try await draftEntry(p, now: now, on: store).bulletin, nil)
        }
        guard let s = try await snapshot(p, revision: revision, on: store) else {
            if let revision {
                throw AppError.notFound(
                    "\(p.nameEn) has no published revision \(revision)", "\(p.nameZh)没有第\(revision)次发布的通报")
            }
            throw AppError.notFound("The bulletin of \(p.nameEn) has not been published", "\(p.nameZh)的质量通报尚未发布")
        }
        return (s.bulletin, s)
    }

    static func publish(
        _ p: Period, _ input: PublishInput, by actor: User, on store: Store, now: Date
    ) async throws
        -> Bulletin
    {
        guard p.hasEnded(now: now) else {
            throw AppError.conflict(
                "period_not_ended", "\(p.nameEn) has not ended yet; its bulletin cannot be published",
                "\(p.nameZh)尚未结束，不能发布通报")
        }
        // The form's own checks first, outside the write: no lock is held for a refusal.
        let checked = try input.checked(for: p, now: now)
        let b = try await store.write { db in
            try await record(p, checked, by: actor.username, at: now, config: store.config, on: db)
        }
        AppMetrics.published()
        return b
    }

    /// Publishes inside the caller's write transaction: the live bulletin, with its document,
    /// becomes the next revision, unless a report awaits review or nothing changed; each of its
    /// findings becomes a rectification task. The demo data publishes its eight quarters
    /// through here too, so a demo bulletin is exactly a published one.
    static func record(
        _ p: Period, _ input: PublishInput.Checked, by actor: String, at now: Date, config: AppConfig,
        on db: any Database
    ) async throws -> Bulletin {
        // One publication of a period at a time, across processes.
        try await db.lockForWrite(topic: "bulletin-" + p.description)
        let pending = try await ReportModel.query(on: db).filter(\.$period == p.description)
            .filter(\.$status == .submitted).all().map(\.unitCode)
        if !pending.isEmpty {
            throw AppError.conflict(
                "reports_pending_review",
                "Review the submitted reports first: \(pending.sorted().joined(separator: ", "))",
                "请先审核已报送的报表：\(pending.sorted().joined(separator: "、"))")
        }
        let drafted = try await draft(p, config: config, now: now, on: db)
        var b = drafted.bulletin
        let last = drafted.last
        let due = Rectifications.dueOn(p, deadlineDays: config.deadlineDays, publishedAt: now)
        b.document = try await document(p, input, bulletin: b, dueOn: due, by: actor, at: now, on: db)
        if let last {
            b.changes += b.documentChanges(since: last)
            if b.sameTable(as: last) && b.document == last.document {
                throw AppError.conflict(
                    "no_changes", "Nothing changed since revision \(last.revision)",
                    "自第\(last.revision)次发布以来没有变化")
            }
        }
        b.status = "published"
        b.publishedAt = now
        let body = String(decoding: try encoder.encode(b), as: UTF8.self)
        try await BulletinModel(period: p.description, revision: b.revision, publishedAt: now, publishedBy: actor, body: body)
            .create(on: db)
        try await Rectifications.record(b, dueOn: due, at: now, on: db)
        return b
    }

    /// The document of a revision: the first fixes the 文号 (unique across periods, by the
    /// database); a correction keeps it and may rewrite the date and the narrative. Sections left
    /// empty take the previous revision's text (which `b` carries), or the drafts made from the figures.
    static func document(
        _ p: Period, _ input: PublishInput.Checked, bulletin b: Bulletin, dueOn: String, by actor: String, at now: Date,
        on db: any Database
    ) async throws -> BulletinDocument {
        let last = b.document
        let stored = try await BulletinDocumentModel.query(on: db).filter(\.$period == p.description).first()
        let number: String
        if let stored {
            if let asked = input.documentNumber, asked.text != stored.documentNumber {
                throw AppError.invalid(
                    field: "documentNumber", code: "document_number_fixed",
                    "A correction keeps the document number \(stored.documentNumber)",
                    "更正沿用原文号\(stored.documentNumber)，不能更改")
            }
            number = stored.documentNumber
        } else {
            guard let asked = input.documentNumber else { throw PublishInput.numberRequired }
            if let other = try await BulletinDocumentModel.query(on: db).filter(\.$documentNumber == asked.text).first() {
                throw PublishInput.numberTaken(asked.text, other.period)
            }
            number = asked.text
        }
        let issuedOn = input.issuedOn ?? last?.issuedOn ?? Period.dayString(now)
        if let year = DocumentNumber(number)?.year, String(year) != issuedOn.prefix(4) {
            throw AppError.invalid(
                field: "issuedOn", code: "year_mismatch", "The document number's year is \(year), the date's is not",
                "文号年份为\(year)年，与成文日期不符")
        }
        if stored == nil {
            let m = BulletinDocumentModel()
            m.period = p.description
            m.documentNumber = number
            m.issuedOn = issuedOn
            m.by = actor
            m.at = now
            do { try await m.create(on: db) } catch let e as any DatabaseError where e.isConstraintFailure {
                // Another publication took the number between the check and the insert.
                throw PublishInput.numberTaken(number, nil)
            }
        } else if let stored, stored.issuedOn != issuedOn {
            stored.issuedOn = issuedOn
            try await stored.save(on: db)
        }
        let start = b.startingNarrative(dueOn: dueOn)
        return BulletinDocument(
            documentNumber: number, issuedOn: issuedOn, overview: input.overview ?? start.overview,
            problems: input.problems ?? start.problems, requirements: input.requirements ?? start.requirements)
    }

    struct Summary: Content {
        let period: String
        let revisions: [Revision]
        struct Revision: Content {
            let revision: Int
            let publishedAt: Date
            let changes: Int
        }
    }

    static func list(on store: Store) async throws -> [Summary] {
        let all = try await BulletinModel.query(on: store.db).field(\.$id).field(\.$period).field(\.$revision)
            .field(\.$publishedAt).sort(\.$period, .descending).sort(\.$revision).all()
        var order: [String] = []
        var byPeriod: [String: [Summary.Revision]] = [:]
        for m in all {
            if byPeriod[m.period] == nil { order.append(m.period) }
            guard let id = m.id, let s = try await load(id, on: store) else { continue }
            byPeriod[m.period, default: []].append(
                .init(
                    revision: m.revision, publishedAt: m.publishedAt,
                    changes: s.bulletin.changes.count))
        }
        return order.map { Summary(period: $0, revisions: byPeriod[$0] ?? []) }
    }
}
