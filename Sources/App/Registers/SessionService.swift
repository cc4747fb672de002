import CertificateKit
import Domain
import Fluent
import Vapor

/// Exam sessions: one at a time or a CSV file, each checked by `ExamSessions.check` against the
/// registers as they stand.
extension Registers {
    static let sessionCSVHeader = [
        "stationCode", "occupation", "level", "date", "regionCode", "standardKind", "bankKind", "bankCode",
        "candidates", "passed", "feeYuan", "supervisorId",
    ]

    struct SessionInput: Content {
        var stationCode: String?
        var occupation: String?
        var level: String?
        var date: String?
        var regionCode: String?
        var standardKind: String?
        var bankKind: String?
        var bankCode: String?
        var candidates: Int?
        var passed: Int?
        var feeYuan: JSONValue?
        var supervisorId: UUID?

        var domain: ExamSessions.Input {
            let fee: Result<Money, Money.ParseError>? =
                switch feeYuan {
                case .string(let s)?: Money.parse(s)
                case .number(let d)?: Money.parse(d.description)
                default: nil
                }
            return ExamSessions.Input(
                stationCode: stationCode, occupation: occupation, level: level, date: date, regionCode: regionCode,
                standardKind: standardKind, bankKind: bankKind, bankCode: bankCode, candidates: candidates, passed: passed,
                fee: fee, supervisorId: supervisorId)
        }
    }

    struct SessionDTO: Content {
        let id: UUID
        let stationCode: String
        let unitCode: String
        let occupation: String
        let level: String
        let date: String
        let regionCode: String
        let standardKind: String
        let bankKind: String
        let bankCode: String
        let candidates: Int
        /// The passes: counted from the results once any are recorded, else the figure typed.
        let passed: Int
        /// `results` when `passed` is counted from recorded results, `typed` when it is the figure entered.
        let passedSource: String
        /// How many results are recorded.
        let results: Int
        /// The figure typed when the session was registered.
        let passedTyped: Int
        let feeYuan: String
        let supervisorId: UUID?
        init(_ s: ExamSession) {
            id = s.id!
            stationCode = s.$station.id
            unitCode = s.unitCode
            occupation = s.occupation
            level = s.level
            date = s.date
            regionCode = s.regionCode
            standardKind = s.standardKind
            bankKind = s.bankKind
            bankCode = s.bankCode
            candidates = s.candidates
            passed = s.results > 0 ? s.passes : s.passed
            passedSource = s.results > 0 ? "results" : "typed"
            results = s.results
            passedTyped = s.passed
            feeYuan = Money(fen: s.feeFen).description
            supervisorId = s.supervisorID
        }
    }

    /// What sessions are checked against, read once per request or file.
    /// `supervisors`: the register's supervisors when the caller has read them already.
    static func sessionFacts(
        on db: any Database, now: Date, supervisors known: [Supervisor]? = nil
    ) async throws
        -> ExamSessions.Facts
    {
        let stations = try await Station.query(on: db).with(\.$scope).with(\.$inspections).all()
        let supervisors: [Supervisor]
        if let known { supervisors = known } else { supervisors = try await Supervisor.query(on: db).all() }
        return ExamSessions.Facts(
            stations: Dictionary(
                uniqueKeysWithValues: stations.map { s in
                    (
                        s.id!,
                        ExamSessions.StationFacts(
                            unitCode: s.$unit.id, status: s.status, regionCode: s.$region.id,
                            scope: s.scope.compactMap { sc in
                                Level(rawValue: sc.maxLevel).map { .init(occupation: sc.$occupation.id, maxLevel: $0) }
                            }, licence: s.licence)
                    )
                }),
            occupations: try await activeOccupations(on: db),
            regions: try await regionCodes(on: db),
            supervisors: Dictionary(
                uniqueKeysWithValues: supervisors.map {
                    ($0.id!, RegisterRules.SupervisorFacts(unitCode: $0.$unit.id, active: $0.active, validUntil: $0.validUntil))
                }),
            today: Period.dayString(now))
    }

    /// The unit whose sessions a user writes and reads: nil for the ministry (all), the unit's
    /// own for its users; supervisors record visits, not sessions.
    static func sessionScope(_ user: User) throws -> String? {
        switch user.role {
        case .ministry: return nil
        case .unit:
            try user.requireActiveUnit()
            return user.unitCode ?? ""
        case .supervisor: throw AppError.forbidden
        }
    }

    static func model(_ e: ExamSessions.Entry, by user: User) -> ExamSession {
        let s = ExamSession()
        s.$station.id = e.stationCode
        s.unitCode = e.unitCode
        s.occupation = e.occupation
        s.level = e.level.rawValue
        s.date = e.date
        s.regionCode = e.regionCode
        s.standardKind = e.standardKind
        s.bankKind = e.bankKind
        s.bankCode = e.bankCode
        s.candidates = e.candidates
        s.passed = e.passed
        s.feeFen = e.fee.fen
        s.supervisorID = e.supervisorId
        s.createdBy = user.username
        s.results = 0
        s.passes = 0
        return s
    }

    static func createSession(_ input: SessionInput, by user: User, on store: Store, now: Date) async throws -> SessionDTO {
        let unit = try sessionScope(user)
        let entry = try checked(ExamSessions.check(input.domain, unit: unit, try await sessionFacts(on: store.db, now: now)))
        let s = model(entry, by: user)
        let fresh = try await store.write { db in try await storeSessions([s], on: db) }
        guard fresh.count == 1 else {
            throw AppError.conflict(
                "duplicate", "This session is registered already (same station, occupation, level, date, bank and figures)",
                "该考试场次已登记（鉴定站、职业、等级、日期、题库及人数、收费均相同）")
        }
        return SessionDTO(s)
    }

    struct SessionFilter {
        var unitCode: String?
        var period: Period?
        var paging: Paging
    }

    static func sessions(for user: User, _ filter: SessionFilter, on db: any Database) async throws -> [SessionDTO] {
        var q = ExamSession.query(on: db).sort(\.$date, .descending)
        if let unit = try sessionScope(user) {
            q = q.filter(\.$unitCode == unit)
        } else if let u = filter.unitCode {
            q = q.filter(\.$unitCode == u)
        }
        if let p = filter.period { q = q.filter(\.$date >= Period.dayString(p.start)).filter(\.$date <= p.lastDay) }
        return try await q.range(filter.paging.range).all().map(SessionDTO.init)
    }

    /// A file (CSV or XLSX, `RegisterFile`) with the columns of `sessionCSVHeader`; bad lines by
    /// number, the good ones in one transaction.
    static func importSessions(
        _ data: ByteBuffer, contentType: HTTPMediaType?, by user: User, on store: Store, now: Date
    ) async throws -> Issuance.ImportResult {
        let unit = try sessionScope(user)
        let file = try await RegisterFile.read(data, contentType: contentType, header: sessionCSVHeader)
        let supervisors = try await Supervisor.query(on: store.db).all()
        let facts = try await sessionFacts(on: store.db, now: now, supervisors: supervisors)
        // A person filling the file knows the supervisor's licence number, not the record's id.
        let licences = Dictionary(supervisors.map { ($0.licenceNo, $0.id!) }, uniquingKeysWith: { a, _ in a })
        var result = Issuance.ImportResult()
        result.errors = file.refused
        var seen: [NaturalKey: Int] = [:]
        var distinct: [ExamSession] = []
        for row in file.rows {
            func refuse(_ code: String, _ en: String, _ zh: String) {
                result.errors.append(.init(line: row.line, code: code, message: en, messageZh: zh))
            }
            let f = row.fields
            if f.contains(where: TextCheck.hasControl) {
                refuse("control_character", "A field contains a control character", "字段含有不允许的控制字符")
                continue
            }
            func number(_ s: String) -> Int? { Int(s.trimmingCharacters(in: .whitespaces)) }
            let input = SessionInput(
                stationCode: f[0], occupation: f[1], level: f[2], date: RegisterFile.day(f[3]), regionCode: f[4],
                standardKind: f[5], bankKind: f[6], bankCode: f[7], candidates: number(f[8]), passed: number(f[9]),
                feeYuan: .string(f[10]),
                // Neither an id nor a licence: an id no supervisor has, refused as unknown_supervisor.
                supervisorId: f[11].isEmpty ? nil : (UUID(uuidString: f[11]) ?? licences[f[11]] ?? UUID()))
            switch ExamSessions.check(input.domain, unit: unit, facts) {
            case .failure(let e):
                let first = e.issues[0]
                refuse(first.code, "\(first.field): \(first.message)", "\(first.field)：\(first.messageZh)")
            case .success(let entry):
                // A line repeated in the file is one session: the second is reported, not stored.
                let s = model(entry, by: user)
                if let earlier = seen[NaturalKey(s)] {
                    refuse("duplicate_in_file", "The same session as line \(earlier)", "与第\(earlier)行为同一考试场次")
                } else {
                    seen[NaturalKey(s)] = row.line
                    distinct.append(s)
                }
            }
        }
        let candidates = distinct
        let stored = try await store.write { db in try await storeSessions(candidates, on: db) }
        result.imported = stored.count
        AppMetrics.imported(stored.count, kind: "sessions")
        result.unchanged = candidates.count - stored.count
        result.errors.sort { $0.line < $1.line }
        return result
    }

    /// What makes two records the same session: a retried upload or a repeated POST finds it
    /// already there and changes nothing.
    struct NaturalKey: Hashable {
        let station: String, occupation: String, level: String, date: String, bank: String
        let candidates: Int, passed: Int, feeFen: Int64, supervisor: UUID?
        init(_ s: ExamSession) {
            station = s.$station.id
            occupation = s.occupation
            level = s.level
            date = s.date
            bank = s.bankCode
            candidates = s.candidates
            passed = s.passed
            feeFen = s.feeFen
            supervisor = s.supervisorID
        }
    }

    /// Stores the sessions not registered already, inside a write transaction; returns those
    /// stored. Session writes are serialised (per process on SQLite, across processes on
    /// PostgreSQL), so two uploads of one file cannot both find it absent.
    static func storeSessions(_ sessions: [ExamSession], on db: any Database) async throws -> [ExamSession] {
        guard let first = sessions.first else { return [] }
        try await db.lockForWrite(topic: "exam-sessions")
        for unit in Set(sessions.map(\.unitCode)).sorted() { try await Reports.lockUnit(unit, active: true, on: db) }
        let stations = Array(Set(sessions.map { $0.$station.id }))
        let from = sessions.map(\.date).min() ?? first.date
        let to = sessions.map(\.date).max() ?? first.date
        var existing = Set<NaturalKey>()
        for part in stride(from: 0, to: stations.count, by: 500).map({ Array(stations[$0..<min($0 + 500, stations.count)]) }) {
            for s in try await ExamSession.query(on: db).filter(\.$station.$id ~~ part)
                .filter(\.$date >= from).filter(\.$date <= to).all()
            {
                existing.insert(NaturalKey(s))
            }
        }
        let fresh = sessions.filter { !existing.contains(NaturalKey($0)) }
        for start in stride(from: 0, to: fresh.count, by: 1000) {
            try await Array(fresh[start..<min(start + 1000, fresh.count)]).create(on: db)
        }
        return fresh
    }
}
