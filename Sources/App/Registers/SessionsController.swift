import CertificateKit
import Domain
import Fluent
import SQLKit
import Vapor

/// Exam sessions: one at a time or a CSV file, each checked against the registers.
enum SessionsController {
    static let csvHeader = ["stationCode", "occupation", "level", "date", "regionCode", "standardKind", "bankKind", "bankCode",
                            "candidates", "passed", "feeYuan", "supervisorId"]
    static let standardKinds = ["national", "verifiedLocal", "unverifiedLocal"]
    static let bankKinds = ["national", "certifiedLocal", "uncertifiedLocal"]

    struct Input: Content {
        var stationCode: String?; var occupation: String?; var level: String?; var date: String?; var regionCode: String?
        var standardKind: String?; var bankKind: String?; var bankCode: String?; var candidates: Int?; var passed: Int?
        var feeYuan: JSONValue?; var supervisorId: UUID?
    }

    /// What a session is checked against, read once per request.
    struct Context {
        let stations: [String: (unit: String, status: Station.Status)]
        let occupations: Set<String>
        let regions: Set<String>
        let supervisors: [UUID: String]
        let today: String

        static func load(on req: Request) async throws -> Context {
            let stations = try await Station.query(on: req.db).all()
            let supervisors = try await Supervisor.query(on: req.db).filter(\.$active == true).all()
            return Context(
                stations: Dictionary(uniqueKeysWithValues: stations.map { ($0.id!, ($0.$unit.id, $0.status)) }),
                occupations: Set(try await Occupation.query(on: req.db).filter(\.$active == true).all().compactMap(\.id)),
                regions: Set(try await UnitModel.query(on: req.db).filter(\.$kind == .region).all().compactMap(\.id)),
                supervisors: Dictionary(uniqueKeysWithValues: supervisors.map { ($0.id!, $0.$unit.id) }),
                today: Period.dayString(req.now))
        }
    }

    /// Checks one session for a unit (nil: the ministry, any station); returns the row or every problem.
    static func check(_ i: Input, unit: String?, _ c: Context) -> Result<ExamSession, ValidationFailure> {
        var issues: [ValidationIssue] = []
        func add(_ f: String, _ code: String, _ en: String, _ zh: String) { issues.append(RegistersController.issue(f, code, en, zh)) }
        let station = c.stations[i.stationCode ?? ""]
        if station == nil || (unit != nil && station?.unit != unit) {
            add("stationCode", "unknown_station", "Not a station of this unit", "不是本单位的鉴定站")
        } else if station?.status != .active {
            add("stationCode", "station_suspended", "The station is \(station!.status.rawValue) and takes no new sessions", "该鉴定站已暂停或撤销，不能安排新的考试")
        }
        if !c.occupations.contains(i.occupation ?? "") { add("occupation", "unknown_occupation", "Unknown occupation", "未登记的职业") }
        if Level(rawValue: i.level ?? "") == nil { add("level", "unknown_level", "Level must be \"5\" … \"1\"", "等级须为\"5\"至\"1\"") }
        let date = i.date ?? ""
        if !Certificates.isDay(date) { add("date", "invalid_date", "A date YYYY-MM-DD", "日期格式应为 YYYY-MM-DD") }
        else if date > c.today { add("date", "future_date", "The session is in the future", "考试日期不能晚于今天") }
        if !c.regions.contains(i.regionCode ?? "") { add("regionCode", "unknown_region", "A region code of GB/T 2260", "须为地区代码（GB/T 2260）") }
        if !standardKinds.contains(i.standardKind ?? "") { add("standardKind", "invalid", "national, verifiedLocal or unverifiedLocal", "标准类别无效") }
        if !bankKinds.contains(i.bankKind ?? "") { add("bankKind", "invalid", "national, certifiedLocal or uncertifiedLocal", "题库类别无效") }
        let bank = (i.bankCode ?? "").trimmingCharacters(in: .whitespaces)
        if bank.isEmpty || bank.count > 50 || TextCheck.hasControl(bank) {
            add("bankCode", "invalid", "Bank code: 1–50 characters, no control characters", "题库代码须为1至50个字符，不含控制字符")
        }
        let candidates = i.candidates ?? -1, passed = i.passed ?? -1
        if candidates < 0 || candidates > 100_000 { add("candidates", "invalid", "Candidates: a whole number 0–100000", "考生人数须为0至100000的整数") }
        if passed < 0 { add("passed", "invalid", "Passes: a whole number ≥ 0", "合格人数须为不小于0的整数") }
        else if passed > candidates && candidates >= 0 { add("passed", "exceeds_candidates", "More passes than candidates", "合格人数不能多于考生人数") }
        var fee = Money.zero
        switch i.feeYuan {
        case .string(let s)?: if case .success(let m) = Money.parse(s) { fee = m } else { add("feeYuan", "invalid_money", "An amount in yuan", "须为以元为单位的金额") }
        case .number(let d)?: if case .success(let m) = Money.parse(d.description) { fee = m } else { add("feeYuan", "invalid_money", "An amount in yuan", "须为以元为单位的金额") }
        default: add("feeYuan", "invalid_money", "An amount in yuan", "须为以元为单位的金额")
        }
        if let sid = i.supervisorId, c.supervisors[sid] != station?.unit {
            add("supervisorId", "unknown_supervisor", "Not an active supervisor of this unit", "不是本单位的在册督导员")
        }
        if !issues.isEmpty { return .failure(ValidationFailure(issues: issues)) }
        let s = ExamSession()
        s.$station.id = i.stationCode!; s.unitCode = station!.unit; s.occupation = i.occupation!; s.level = i.level!
        s.date = date; s.regionCode = i.regionCode!; s.standardKind = i.standardKind!; s.bankKind = i.bankKind!
        s.bankCode = bank; s.candidates = candidates; s.passed = passed; s.feeFen = fee.fen; s.supervisorID = i.supervisorId
        return .success(s)
    }

    static func scope(_ req: Request) throws -> (User, String?) {
        let user = try req.requireUser()
        switch user.role {
        case .ministry: return (user, nil)
        case .unit:
            try user.requireActiveUnit()
            return (user, user.unitCode ?? "")
        case .supervisor: throw AppError.forbidden
        }
    }

    struct SessionDTO: Content {
        let id: UUID; let stationCode: String; let unitCode: String; let occupation: String; let level: String; let date: String
        let regionCode: String; let standardKind: String; let bankKind: String; let bankCode: String; let candidates: Int
        let passed: Int; let feeYuan: String; let supervisorId: UUID?
        init(_ s: ExamSession) {
            id = s.id!; stationCode = s.$station.id; unitCode = s.unitCode; occupation = s.occupation; level = s.level; date = s.date
            regionCode = s.regionCode; standardKind = s.standardKind; bankKind = s.bankKind; bankCode = s.bankCode
            candidates = s.candidates; passed = s.passed; feeYuan = Money(fen: s.feeFen).description; supervisorId = s.supervisorID
        }
    }

    @Sendable static func create(_ req: Request) async throws -> Response {
        let (user, unit) = try scope(req)
        let input = try req.content.decode(Input.self)
        switch check(input, unit: unit, try await Context.load(on: req)) {
        case .failure(let f): throw AppError.invalid(f.issues)
        case .success(let s):
            s.createdBy = user.username
            let fresh = try await req.write { db in try await store([s], on: db) }
            guard fresh.count == 1 else {
                throw AppError.conflict("duplicate", "This session is registered already (same station, occupation, level, date, bank and figures)",
                                        "该考试场次已登记（鉴定站、职业、等级、日期、题库及人数、收费均相同）")
            }
            return try await SessionDTO(s).encodeResponse(status: .created, for: req)
        }
    }

    @Sendable static func list(_ req: Request) async throws -> [SessionDTO] {
        let (_, unit) = try scope(req)
        var q = ExamSession.query(on: req.db).sort(\.$date, .descending)
        if let unit { q = q.filter(\.$unitCode == unit) } else if let u = req.query[String.self, at: "unitCode"] { q = q.filter(\.$unitCode == u) }
        if let p = try req.query[String.self, at: "period"].map({ try Reports.period($0) }) {
            q = q.filter(\.$date >= Period.dayString(p.start)).filter(\.$date <= p.lastDay)
        }
        let paging = try Paging(req, defaultPer: 100, maxPer: 500)
        return try await q.range(paging.range).all().map(SessionDTO.init)
    }

    /// CSV with the header of `csvHeader`; bad lines by number, the good ones in one transaction.
    @Sendable static func importCSV(_ req: Request) async throws -> Issuance.ImportResult {
        try await importRows(req.body.data ?? ByteBuffer(), on: req)
    }

    static func importRows(_ data: ByteBuffer, on req: Request) async throws -> Issuance.ImportResult {
        let (user, unit) = try scope(req)
        let rows = CSV.parse(Array(data.readableBytesView))
        guard rows.first?.fields == csvHeader else {
            throw AppError.invalid(field: "file", code: "wrong_header", "The first line must be \(csvHeader.joined(separator: ","))",
                                   "第一行须为 \(csvHeader.joined(separator: ","))")
        }
        let ctx = try await Context.load(on: req)
        var result = Issuance.ImportResult()
        var good: [ExamSession] = []
        var goodLines: [Int] = []
        for row in rows.dropFirst() where !(row.fields.count == 1 && row.fields[0].isEmpty) {
            guard row.fields.count == csvHeader.count else {
                result.errors.append(.init(line: row.line, code: "wrong_field_count", message: "Expected \(csvHeader.count) fields",
                                           messageZh: "应为\(csvHeader.count)个字段"))
                continue
            }
            let f = row.fields
            let input = Input(stationCode: f[0], occupation: f[1], level: f[2], date: f[3], regionCode: f[4], standardKind: f[5],
                              bankKind: f[6], bankCode: f[7], candidates: Int(f[8]), passed: Int(f[9]), feeYuan: .string(f[10]),
                              supervisorId: f[11].isEmpty ? nil : UUID(uuidString: f[11]))
            switch check(input, unit: unit, ctx) {
            case .failure(let e):
                let first = e.issues[0]
                result.errors.append(.init(line: row.line, code: first.code, message: "\(first.field): \(first.message)",
                                           messageZh: "\(first.field)：\(first.messageZh)"))
            case .success(let s):
                s.createdBy = user.username
                good.append(s)
                goodLines.append(row.line)
            }
        }
        // A line repeated in the file is one session: the second is reported, not stored.
        var seen: [NaturalKey: Int] = [:]
        var distinct: [ExamSession] = []
        for (line, s) in zip(goodLines, good) {
            if let first = seen[NaturalKey(s)] {
                result.errors.append(.init(line: line, code: "duplicate_in_file", message: "The same session as line \(first)",
                                           messageZh: "与第\(first)行为同一考试场次"))
            } else {
                seen[NaturalKey(s)] = line
                distinct.append(s)
            }
        }
        let candidates = distinct
        let stored = try await req.write { db in try await store(candidates, on: db) }
        result.imported = stored.count
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
            station = s.$station.id; occupation = s.occupation; level = s.level; date = s.date; bank = s.bankCode
            candidates = s.candidates; passed = s.passed; feeFen = s.feeFen; supervisor = s.supervisorID
        }
    }

    /// Stores the sessions not registered already, inside a write transaction; returns those
    /// stored. Session writes are serialised (per process on SQLite, across processes on
    /// PostgreSQL), so two uploads of one file cannot both find it absent.
    static func store(_ sessions: [ExamSession], on db: any Database) async throws -> [ExamSession] {
        guard let first = sessions.first else { return [] }
        try await db.lockForWrite(topic: "exam-sessions")
        for unit in Set(sessions.map(\.unitCode)).sorted() { try await Reports.lockUnit(unit, active: true, on: db) }
        let stations = Array(Set(sessions.map { $0.$station.id }))
        let from = sessions.map(\.date).min() ?? first.date, to = sessions.map(\.date).max() ?? first.date
        var existing = Set<NaturalKey>()
        for part in stride(from: 0, to: stations.count, by: 500).map({ Array(stations[$0..<min($0 + 500, stations.count)]) }) {
            for s in try await ExamSession.query(on: db).filter(\.$station.$id ~~ part)
                .filter(\.$date >= from).filter(\.$date <= to).all() {
                existing.insert(NaturalKey(s))
            }
        }
        let fresh = sessions.filter { !existing.contains(NaturalKey($0)) }
        for start in stride(from: 0, to: fresh.count, by: 1000) {
            try await Array(fresh[start..<min(start + 1000, fresh.count)]).create(on: db)
        }
        return fresh
    }

    // MARK: Derived values

    struct AllDerived: Content {
        let period: String
        let units: [String: Derivation.Derived]
    }

    /// Columns 1–24 derived for every unit in a quarter (ministry).
    @Sendable static func derivedAll(_ req: Request) async throws -> AllDerived {
        _ = try req.requireMinistry()
        let p = try Reports.period(req.parameters.get("period"))
        return AllDerived(period: p.description, units: try await Derivation.all(p, on: req.db))
    }
}
