import Domain
import Fluent
import Vapor

/// Dispatch (委派) of supervisors to exam sessions and the reports they file from their own
/// login; one function per action, shared by the API and the pages. The rules are
/// `Domain.Supervision`'s.
enum SupervisionService {
    // MARK: Dispatch

    struct DispatchInput: Content {
        var supervisorIds: [UUID]?
        var draw: Int?
    }

    struct DispatchDTO: Content {
        let supervisorId: UUID
        let name: String
        let licenceNo: String
        let homeUnit: String
        /// Chosen by the draw `drawId` (whose seed is `seed`), or named.
        let drawn: Bool
        let drawId: UUID?
        let seed: String?
        let at: Date
        let by: String
        /// The report filed on this dispatch, if any.
        let reportId: UUID?
    }

    struct DrawDTO: Content {
        let id: UUID
        let seed: String
        /// The eligible supervisors the draw chose from, in the order `Supervision.draw` uses.
        let candidates: [UUID]
        let count: Int
        let chosen: [UUID]
        let at: Date
        let by: String
        init(_ d: SupervisionDraw) {
            id = d.id!
            seed = d.seed
            candidates = SupervisionDraw.ids(d.candidates)
            count = d.count
            chosen = SupervisionDraw.ids(d.chosen)
            at = d.at
            by = d.by
        }
    }

    struct SessionDispatches: Content {
        let sessionId: UUID
        let date: String
        let unitCode: String
        let stationCode: String
        let dispatches: [DispatchDTO]
        let draws: [DrawDTO]
    }

    static func session(_ id: UUID?, on db: any Database) async throws -> ExamSession {
        guard let id, let s = try await ExamSession.find(id, on: db) else {
            throw AppError.notFound("No such exam session", "没有该考试场次")
        }
        return s
    }

    /// Who may read a session's dispatches: the ministry, the session's unit, a supervisor sent to it.
    static func requireReadDispatches(_ s: ExamSession, by user: User, on db: any Database) async throws {
        switch user.role {
        case .ministry: return
        case .unit: try user.requireRead(unit: s.unitCode)
        case .supervisor:
            let mine = try await SessionDispatch.query(on: db).filter(\.$sessionID == s.id!)
                .filter(\.$supervisorID == (user.supervisorID ?? UUID())).first()
            if mine == nil { throw AppError.forbidden }
        }
    }

    static func dispatches(of id: UUID?, for user: User, on db: any Database) async throws -> SessionDispatches {
        let s = try await session(id, on: db)
        try await requireReadDispatches(s, by: user, on: db)
        let rows = try await SessionDispatch.query(on: db).filter(\.$sessionID == s.id!).sort(\.$at).all()
        let draws = try await SupervisionDraw.query(on: db).filter(\.$sessionID == s.id!).sort(\.$at).all()
        let seeds = Dictionary(uniqueKeysWithValues: draws.map { ($0.id!, $0.seed) })
        let people = Dictionary(
            uniqueKeysWithValues: try await Supervisor.query(on: db).filter(\.$id ~~ rows.map(\.supervisorID)).all().map {
                ($0.id!, $0)
            })
        let reports = Dictionary(
            try await SupervisionReport.query(on: db).filter(\.$sessionID == s.id!).all().compactMap { r in
                r.dispatchID.map { ($0, r.id!) }
            }, uniquingKeysWith: { a, _ in a })
        return SessionDispatches(
            sessionId: s.id!, date: s.date, unitCode: s.unitCode, stationCode: s.$station.id,
            dispatches: rows.map { d in
                let p = people[d.supervisorID]
                return DispatchDTO(
                    supervisorId: d.supervisorID, name: p?.name ?? "", licenceNo: p?.licenceNo ?? "", homeUnit: p?.$unit.id ?? "",
                    drawn: d.drawID != nil, drawId: d.drawID, seed: d.drawID.flatMap { seeds[$0] }, at: d.at, by: d.by,
                    reportId: reports[d.id!])
            },
            draws: draws.map(DrawDTO.init))
    }

    /// The supervisors of the register as dispatch sees them, with their occupations.
    static func candidates(on db: any Database) async throws -> [Supervision.Candidate] {
        try await Supervisor.query(on: db).with(\.$occupations).all().map { s in
            Supervision.Candidate(
                id: s.id!, homeUnit: s.$unit.id, active: s.active, validUntil: s.validUntil,
                occupations: Set(s.occupations.map { $0.$occupation.id }))
        }
    }

    static func facts(_ s: ExamSession) -> Supervision.SessionFacts {
        // The session's unit is its station's (sessions are stored with the station's unit).
        .init(date: s.date, occupation: s.occupation, stationUnit: s.unitCode)
    }

    /// Who may be drawn for a session today: eligible (`Supervision.refusal`), with an active
    /// login (one without could never file the report), and not yet sent.
    static func eligible(for s: ExamSession, on db: any Database) async throws -> [Supervision.Candidate] {
        let sent = Set(try await SessionDispatch.query(on: db).filter(\.$sessionID == s.id!).all().map(\.supervisorID))
        let logins = try await withLogin(on: db)
        let f = facts(s)
        return try await candidates(on: db).filter {
            Supervision.refusal($0, for: f) == nil && !sent.contains($0.id) && logins.contains($0.id)
        }
    }

    /// The supervisors who have an active login of their own.
    static func withLogin(on db: any Database) async throws -> Set<UUID> {
        Set(
            try await User.query(on: db).filter(\.$supervisorID != nil).filter(\.$active == true).all()
                .compactMap(\.supervisorID))
    }

    static let maxDraw = 20

    /// Dispatches named supervisors, or draws `draw` of the eligible ones at random (ministry,
    /// or the session's unit), to a session not yet past. Every named supervisor must be
    /// eligible; a draw records its seed and its candidates.
    static func dispatch(
        _ id: UUID?, _ input: DispatchInput, by user: User, on store: Store, now: Date
    ) async throws -> SessionDispatches {
        let s = try await session(id, on: store.db)
        guard user.role != .supervisor else { throw AppError.forbidden }
        try user.requireWrite(unit: s.unitCode)
        let named = input.supervisorIds ?? []
        switch (named.isEmpty, input.draw) {
        case (false, nil): break
        case (true, let n?) where (1...maxDraw).contains(n): break
        case (true, _?):
            throw AppError.invalid(field: "draw", code: "invalid", "Draw 1–\(maxDraw) supervisors", "抽取人数须为1至\(maxDraw)人")
        default:
            throw AppError.invalid(
                field: "supervisorIds", code: "required", "Name supervisors (supervisorIds) or a number to draw (draw), not both",
                "请选择督导员，或填写随机抽取的人数（二者择一）")
        }
        let today = Period.dayString(now)
        if s.date < today {
            throw AppError(
                status: .unprocessableEntity, code: "session_past", message: "The session is over; supervisors are sent ahead",
                messageZh: "该考试场次已结束，督导员须在考试前委派")
        }
        let f = facts(s)
        if input.draw == nil {
            let all = Dictionary(uniqueKeysWithValues: try await candidates(on: store.db).map { ($0.id, $0) })
            let logins = try await withLogin(on: store.db)
            var issues: [ValidationIssue] = []
            for (i, sid) in named.enumerated() {
                let field = "supervisorIds[\(i)]"
                if let c = all[sid] {
                    if let r = Supervision.refusal(c, for: f) {
                        issues.append(RegisterRules.issue(field, r.rawValue, r.message, r.messageZh))
                    } else if !logins.contains(sid) {
                        issues.append(
                            RegisterRules.issue(
                                field, "no_login", "The supervisor has no active login and could not file the report",
                                "该督导员没有可用的登录账号，无法提交督导报告"))
                    }
                } else {
                    issues.append(RegisterRules.issue(field, "unknown_supervisor", "No such supervisor", "没有该督导员"))
                }
            }
            if Set(named).count != named.count {
                issues.append(RegisterRules.issue("supervisorIds", "duplicate", "A supervisor is named twice", "督导员重复"))
            }
            try Registers.fail(issues)
        }
        let sessionID = s.id!
        do {
            try await store.write { db in
                _ = try await db.lockForWrite("exam_sessions", "id", sessionID)
                var picked = named
                var theDraw: SupervisionDraw?
                if let n = input.draw {
                    // The pool is read under the session's lock, in the transaction that records the
                    // draw: what an auditor replays is exactly who could be drawn at that moment.
                    let pool = try await eligible(for: s, on: db).map(\.id)
                    if pool.count < n {
                        throw AppError.invalid(
                            field: "draw", code: "not_enough_candidates",
                            "Only \(pool.count) supervisors are eligible (valid licence on the day, occupation, not of this unit, a login)",
                            "符合条件的督导员只有\(pool.count)人（证书有效、职业相符、非本单位、有登录账号）")
                    }
                    let seed = Supervision.Seed.random()
                    picked = Supervision.draw(seed: seed, candidates: pool, count: n)
                    let d = SupervisionDraw()
                    d.id = UUID()
                    d.sessionID = sessionID
                    d.seed = seed.description
                    d.candidates = SupervisionDraw.list(pool.sorted { $0.uuidString < $1.uuidString })
                    d.count = n
                    d.chosen = SupervisionDraw.list(picked)
                    d.at = now
                    d.by = user.username
                    theDraw = d
                }
                let sent = try await SessionDispatch.query(on: db).filter(\.$sessionID == sessionID)
                    .filter(\.$supervisorID ~~ picked).count()
                if sent > 0 { throw alreadyDispatched }
                try await theDraw?.create(on: db)
                for sid in picked {
                    let d = SessionDispatch()
                    d.sessionID = sessionID
                    d.supervisorID = sid
                    d.drawID = theDraw?.id
                    d.at = now
                    d.by = user.username
                    try await d.create(on: db)
                }
                let detail =
                    theDraw.map { "draw \($0.count) of \(SupervisionDraw.ids($0.candidates).count) seed \($0.seed)" }
                    ?? "named \(picked.count)"
                try await Registers.audit("dispatch", sessionID.uuidString, "dispatch", detail, user, now, on: db)
            }
        } catch let e as any DatabaseError where e.isConstraintFailure {
            throw alreadyDispatched
        }
        return try await dispatches(of: s.id, for: user, on: store.db)
    }

    static let alreadyDispatched = AppError.conflict(
        "already_dispatched", "A supervisor named is already dispatched to this session", "所选督导员已委派到该考试场次")

    // MARK: Reports

    struct CheckInput: Content {
        let result: String?
        let note: String?
    }

    struct NewReport: Content {
        var sessionId: UUID?
        var visitId: UUID?
        var checklist: [String: CheckInput]?
        var findings: String?
        var violationFound: Bool?
        /// The kind of violation found, one of the complaint categories (`illegal_exam`, …).
        var violationCategory: String?
    }

    struct ReportDTO: Content {
        let id: UUID
        let sessionId: UUID?
        let visitId: UUID?
        let supervisorId: UUID
        let unitCode: String
        let stationCode: String
        let supervisedOn: String
        let checklist: [String: Supervision.Check]
        let findings: String
        let violationFound: Bool
        let violationCategory: String?
        /// The case opened in the complaints register for the violation.
        let complaintId: UUID?
        let filedBy: String
        let filedAt: Date
        init(_ r: SupervisionReport) {
            id = r.id!
            sessionId = r.sessionID
            visitId = r.visitID
            supervisorId = r.supervisorID
            unitCode = r.unitCode
            stationCode = r.stationCode
            supervisedOn = r.supervisedOn
            checklist = (try? JSONDecoder().decode([String: Supervision.Check].self, from: Data(r.checklist.utf8))) ?? [:]
            findings = r.findings
            violationFound = r.violationFound
            violationCategory = r.violationCategory
            complaintId = r.complaintID
            filedBy = r.filedBy
            filedAt = r.filedAt
        }
    }

    static let alreadyReported = AppError.conflict(
        "already_reported", "The report on this is filed already", "该督导报告已提交，不能重复提交")

    /// What a report is about: a session the supervisor was dispatched to, or their own visit.
    struct Subject {
        let dispatch: SessionDispatch?
        let session: ExamSession?
        let visit: SupervisionVisit?
        let unitCode: String
        let stationCode: String
        let day: String
    }

    static func subject(_ input: NewReport, of supervisor: Supervisor, on db: any Database) async throws -> Subject {
        switch (input.sessionId, input.visitId) {
        case (let sid?, nil):
            let s = try await session(sid, on: db)
            guard
                let d = try await SessionDispatch.query(on: db).filter(\.$sessionID == sid)
                    .filter(\.$supervisorID == supervisor.id!).first()
            else {
                throw AppError(
                    status: .forbidden, code: "not_dispatched", message: "You were not dispatched to this session",
                    messageZh: "您未被委派到该考试场次")
            }
            return Subject(dispatch: d, session: s, visit: nil, unitCode: s.unitCode, stationCode: s.$station.id, day: s.date)
        case (nil, let vid?):
            guard let v = try await SupervisionVisit.find(vid, on: db) else {
                throw AppError.notFound("No such supervision visit", "没有该督导检查")
            }
            guard v.supervisorID == supervisor.id else {
                throw AppError(
                    status: .forbidden, code: "not_your_visit", message: "This visit is another supervisor's",
                    messageZh: "这是其他督导员的督导检查")
            }
            return Subject(
                dispatch: nil, session: nil, visit: v, unitCode: v.unitCode, stationCode: v.stationCode, day: v.visitedOn)
        default:
            throw AppError.invalid(
                field: "sessionId", code: "required", "Name the session (sessionId) or the visit (visitId), one of them",
                "请指定考试场次（sessionId）或督导检查（visitId），二者择一")
        }
    }

    /// A supervisor files the report on a session they were sent to, or on their own visit,
    /// from the supervised day to `supervisionReportDays` days after it; one per dispatch and per
    /// visit. A violation found opens a case in the complaints register in the same transaction.
    static func file(_ input: NewReport, by user: User, on store: Store, now: Date) async throws -> ReportDTO {
        let supervisor = try await Registers.actingSupervisor(user, on: store.db)
        let subject = try await subject(input, of: supervisor, on: store.db)
        // The licence must have been valid on the day supervised.
        if let until = supervisor.validUntil, until < subject.day {
            throw AppError(
                status: .forbidden, code: "licence_expired",
                message: "Your licence expired on \(until), before the day supervised (\(subject.day))",
                messageZh: "您的督导员证已于\(until)到期，早于督导日期（\(subject.day)）")
        }
        let days = store.config.supervisionReportDays
        switch Supervision.windowRefusal(day: subject.day, today: Period.dayString(now), days: days, calendar: Period.calendar) {
        case .tooEarly?:
            throw AppError(
                status: .unprocessableEntity, code: "too_early",
                message: "The report is filed from the day supervised (\(subject.day))",
                messageZh: "督导报告须在督导当日（\(subject.day)）或之后提交")
        case .tooLate?:
            let last = Supervision.lastDay(subject.day, days: days, calendar: Period.calendar) ?? subject.day
            throw AppError(
                status: .unprocessableEntity, code: "too_late",
                message: "Reports are filed within \(days) days of the day supervised (until \(last))",
                messageZh: "督导报告须在督导后\(days)日内（\(last)前）提交")
        case nil: break
        }
        let entry = try Registers.checked(
            Supervision.report(
                checklist: input.checklist?.mapValues { Supervision.SentCheck(result: $0.result, note: $0.note) },
                findings: input.findings, violationFound: input.violationFound, violationCategory: input.violationCategory))
        let r = SupervisionReport()
        r.id = UUID()
        r.dispatchID = subject.dispatch?.id
        r.sessionID = subject.session?.id
        r.visitID = subject.visit?.id
        r.supervisorID = supervisor.id!
        r.unitCode = subject.unitCode
        r.stationCode = subject.stationCode
        r.supervisedOn = subject.day
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        r.checklist = String(
            decoding: try encoder.encode(Dictionary(uniqueKeysWithValues: entry.checklist.map { ($0.key.rawValue, $0.value) })),
            as: UTF8.self)
        r.findings = entry.findings
        r.violationFound = entry.violationFound
        r.violationCategory = entry.violationCategory?.rawValue
        r.filedBy = user.username
        r.filedAt = now
        let station = try await Station.find(subject.stationCode, on: store.db)
        let stationText = station.map { "\($0.name)（\(subject.stationCode)）" } ?? subject.stationCode
        let description =
            "督导员\(supervisor.name)（\(supervisor.licenceNo)）\(subject.day)督导发现 Found by supervisor "
            + "\(supervisor.name) on \(subject.day): \(entry.findings)"
        do {
            try await store.write { db in
                _ = try await Reports.lockUnit(r.unitCode, active: false, on: db)
                // Deactivated meanwhile: re-read in the transaction that files.
                guard try await Supervisor.find(r.supervisorID, on: db)?.active == true else {
                    throw Registers.supervisorInactive
                }
                var existing = SupervisionReport.query(on: db)
                if let d = r.dispatchID {
                    existing = existing.filter(\.$dispatchID == d)
                } else {
                    existing = existing.filter(\.$visitID == r.visitID)
                }
                if try await existing.first() != nil { throw alreadyReported }
                if let category = entry.violationCategory {
                    let c = try await Complaints.openFoundCase(
                        category: category, unitCode: r.unitCode, station: stationText, description: description,
                        actor: user.username, at: now, app: store.app, on: db)
                    r.complaintID = try c.requireID()
                }
                try await r.create(on: db)
                try await Registers.audit(
                    "supervision-report", r.id!.uuidString, "file",
                    "\(subject.stationCode) \(subject.day)\(r.complaintID.map { " case " + $0.uuidString } ?? "")", user, now,
                    on: db)
            }
        } catch let e as any DatabaseError where e.isConstraintFailure {
            throw alreadyReported
        }
        return ReportDTO(r)
    }

    /// Reports as a user sees them, newest first: the ministry all, a unit those on its
    /// stations, a supervisor their own.
    static func reports(for user: User, limit: Int = 500, on db: any Database) async throws -> [ReportDTO] {
        var q = SupervisionReport.query(on: db).sort(\.$supervisedOn, .descending)
        switch user.role {
        case .ministry: break
        case .unit: q = q.filter(\.$unitCode == (user.unitCode ?? ""))
        case .supervisor: q = q.filter(\.$supervisorID == (user.supervisorID ?? UUID()))
        }
        return try await q.limit(limit).all().map(ReportDTO.init)
    }

    // MARK: A supervisor's own assignments

    /// One session dispatched to the supervisor, or one of their visits, with its report's state.
    struct Assignment: Content {
        let sessionId: UUID?
        let visitId: UUID?
        let day: String
        let unitCode: String
        let stationCode: String
        let occupation: String?
        let level: String?
        /// The last day the report may be filed.
        let due: String
        /// `upcoming` (before the day), `open`, `reported`, or `missed` (the window closed).
        let state: String
        let reportId: UUID?
        let complaintId: UUID?
    }

    static func assignments(for user: User, on store: Store, now: Date) async throws -> [Assignment] {
        let me = try await Registers.actingSupervisor(user, on: store.db)
        let db = store.db
        let days = store.config.supervisionReportDays
        let today = Period.dayString(now)
        let reports = try await SupervisionReport.query(on: db).filter(\.$supervisorID == me.id!).all()
        let byDispatch = Dictionary(reports.compactMap { r in r.dispatchID.map { ($0, r) } }, uniquingKeysWith: { a, _ in a })
        let byVisit = Dictionary(reports.compactMap { r in r.visitID.map { ($0, r) } }, uniquingKeysWith: { a, _ in a })
        func state(_ day: String, _ report: SupervisionReport?) -> String {
            if report != nil { return "reported" }
            switch Supervision.windowRefusal(day: day, today: today, days: days, calendar: Period.calendar) {
            case .tooEarly?: return "upcoming"
            case .tooLate?: return "missed"
            case nil: return "open"
            }
        }
        let sent = try await SessionDispatch.query(on: db).filter(\.$supervisorID == me.id!).all()
        let sessions = Dictionary(
            uniqueKeysWithValues: try await ExamSession.query(on: db).filter(\.$id ~~ sent.map(\.sessionID)).all().map {
                ($0.id!, $0)
            })
        var out: [Assignment] = sent.compactMap { d in
            guard let s = sessions[d.sessionID] else { return nil }
            let r = byDispatch[d.id!]
            return Assignment(
                sessionId: s.id, visitId: nil, day: s.date, unitCode: s.unitCode, stationCode: s.$station.id,
                occupation: s.occupation, level: s.level,
                due: Supervision.lastDay(s.date, days: days, calendar: Period.calendar) ?? s.date,
                state: state(s.date, r), reportId: r?.id, complaintId: r?.complaintID)
        }
        for v in try await SupervisionVisit.query(on: db).filter(\.$supervisorID == me.id!).all() {
            let r = byVisit[v.id!]
            out.append(
                Assignment(
                    sessionId: nil, visitId: v.id, day: v.visitedOn, unitCode: v.unitCode, stationCode: v.stationCode,
                    occupation: nil, level: nil,
                    due: Supervision.lastDay(v.visitedOn, days: days, calendar: Period.calendar) ?? v.visitedOn,
                    state: state(v.visitedOn, r), reportId: r?.id, complaintId: r?.complaintID))
        }
        return out.sorted { ($0.day, $0.stationCode) > ($1.day, $1.stationCode) }
    }
}
