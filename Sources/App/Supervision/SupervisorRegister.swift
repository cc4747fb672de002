import Domain
import Fluent
import Vapor

/// The supervisor register (督导员), kept by the ministry: name, licence number and expiry,
/// occupations, home unit, and at most one login per entry. With `unitsKeepSupervisors` a unit
/// may also keep entries for other units, never for its own. Visits are filed by supervisors.
extension Registers {
    struct SupervisorDTO: Content {
        let id: UUID
        /// The home unit.
        let unitCode: String
        let name: String
        let licenceNo: String
        let validUntil: String?
        let active: Bool
        let occupations: [String]
        /// The login tied to this entry (shown to the ministry only).
        let login: String?
        init(_ s: Supervisor, login: String? = nil) {
            id = s.id!
            unitCode = s.$unit.id
            name = s.name
            licenceNo = s.licenceNo
            validUntil = s.validUntil
            active = s.active
            occupations = (s.$occupations.value ?? []).map { $0.$occupation.id }.sorted()
            self.login = login
        }
    }
    struct NewSupervisor: Content {
        let unitCode: String?
        let name: String?
        let licenceNo: String?
        var validUntil: String?
        var occupations: [String]?
    }
    struct SupervisorPatch: Content {
        var active: Bool?
        var validUntil: String?
        var occupations: [String]?
    }

    static let ministryKeepsSupervisors = AppError(
        status: .forbidden, code: "supervisors_kept_by_ministry",
        message: "The supervisor register is kept by the ministry; a unit never keeps its own supervisors",
        messageZh: "督导员名册由部统一管理，单位不能登记或修改本单位的督导员")

    /// The ministry keeps every entry; a unit only another unit's, and only when allowed.
    static func requireKeeper(_ user: User, homeUnit: String, config: AppConfig) throws {
        switch user.role {
        case .ministry: return
        case .unit:
            try user.requireActiveUnit()
            guard config.unitsKeepSupervisors, user.unitCode != homeUnit else { throw ministryKeepsSupervisors }
        case .supervisor: throw AppError.forbidden
        }
    }

    static func createSupervisor(_ input: NewSupervisor, by user: User, on store: Store, now: Date) async throws -> SupervisorDTO
    {
        let home = (input.unitCode ?? user.unitCode ?? "").trimmingCharacters(in: .whitespaces)
        try requireKeeper(user, homeUnit: home, config: store.config)
        var issues = Registers.issues(
            RegisterRules.supervisor(name: input.name, licenceNo: input.licenceNo, validUntil: input.validUntil))
        if input.validUntil == nil {
            issues.append(RegisterRules.issue("validUntil", "required", "The licence's expiry date", "请填写督导员证有效期"))
        }
        let occupations = Supervision.occupations(input.occupations, active: try await activeOccupations(on: store.db))
        issues += Registers.issues(occupations)
        if try await UnitModel.find(home, on: store.db) == nil {
            issues.append(RegisterRules.issue("unitCode", "unknown_unit", "No unit with code \"\(home)\"", "没有代码为“\(home)”的单位"))
        }
        try fail(issues)
        let entry = try checked(
            RegisterRules.supervisor(name: input.name, licenceNo: input.licenceNo, validUntil: input.validUntil))
        let codes = try checked(occupations)
        if try await Supervisor.query(on: store.db).filter(\.$licenceNo == entry.licenceNo).first() != nil {
            throw AppError.conflict("duplicate", "Licence \(entry.licenceNo) is registered", "督导员证号\(entry.licenceNo)已登记")
        }
        let s = Supervisor()
        s.id = UUID()
        s.$unit.id = home
        s.name = entry.name
        s.licenceNo = entry.licenceNo
        s.validUntil = entry.validUntil
        s.active = true
        try await store.write { db in
            try await s.create(on: db)
            for c in codes { try await SupervisorOccupation(supervisor: s.id!, occupation: c).create(on: db) }
            try await audit(
                "supervisor", entry.licenceNo, "create", "\(entry.name) \(home) \(codes.joined(separator: ","))", user, now,
                on: db)
        }
        return try await supervisor(s.id!, for: user, on: store.db)
    }

    static func supervisor(_ id: UUID, for user: User, on db: any Database) async throws -> SupervisorDTO {
        guard let s = try await supervisors(for: user, ids: [id], on: db).first else {
            throw AppError.notFound("No such supervisor", "没有该督导员")
        }
        return s
    }

    /// The register as a user sees it: the ministry and units every entry (units dispatch from
    /// it), a supervisor only their own; logins shown to the ministry only.
    static func supervisors(for user: User, ids: [UUID]? = nil, on db: any Database) async throws -> [SupervisorDTO] {
        var q = Supervisor.query(on: db).with(\.$occupations).sort(\.$name).sort(\.$licenceNo)
        if user.role == .supervisor { q = q.filter(\.$id == (user.supervisorID ?? UUID())) }
        if let ids { q = q.filter(\.$id ~~ ids) }
        var logins: [UUID: String] = [:]
        if user.role == .ministry {
            for u in try await User.query(on: db).filter(\.$supervisorID != nil).all() {
                if let sid = u.supervisorID { logins[sid] = u.username }
            }
        }
        return try await q.all().map { SupervisorDTO($0, login: $0.id.flatMap { logins[$0] }) }
    }

    /// Deactivates (or reactivates) a supervisor, extends the licence, or replaces the occupations
    /// (the ministry).
    static func updateSupervisor(
        _ id: UUID?, _ patch: SupervisorPatch, by user: User, on store: Store, now: Date
    )
        async throws -> SupervisorDTO
    {
        guard let s = try await Supervisor.find(id, on: store.db) else { throw AppError.notFound("No such supervisor", "没有该督导员") }
        // Expiry, occupations and deactivation are the ministry's alone: a unit allowed to register
        // others' supervisors must not revive a lapsed licence or narrow the pool a draw picks from.
        guard user.role == .ministry else {
            try requireKeeper(user, homeUnit: s.$unit.id, config: store.config)
            throw ministryKeepsSupervisors
        }
        if let v = patch.validUntil, !RegisterRules.isDay(v) {
            throw AppError.invalid(field: "validUntil", code: "invalid_date", "A date YYYY-MM-DD", "日期格式应为 YYYY-MM-DD")
        }
        var codes: [String]?
        if let sent = patch.occupations {
            codes = try checked(Supervision.occupations(sent, active: try await activeOccupations(on: store.db)))
        }
        if let a = patch.active { s.active = a }
        if let v = patch.validUntil { s.validUntil = v }
        let newCodes = codes
        try await store.write { db in
            try await s.save(on: db)
            if let newCodes {
                try await SupervisorOccupation.query(on: db).filter(\.$supervisor.$id == s.id!).delete()
                for c in newCodes { try await SupervisorOccupation(supervisor: s.id!, occupation: c).create(on: db) }
            }
            try await audit(
                "supervisor", s.licenceNo, "update",
                "active=\(s.active) validUntil=\(s.validUntil ?? "")\(newCodes.map { " occupations=" + $0.joined(separator: ",") } ?? "")",
                user, now, on: db)
        }
        return try await supervisor(s.id!, for: user, on: store.db)
    }

    // MARK: Supervision visits

    struct NewVisit: Content {
        let supervisorId: UUID?
        let stationCode: String?
        let sessionId: UUID?
        let visitedOn: String?
        let findings: String?
        let violationFound: Bool?
        let violationHandled: Bool?
    }

    struct VisitDTO: Content {
        let id: UUID
        let supervisorId: UUID
        let unitCode: String
        let stationCode: String
        let sessionId: UUID?
        let visitedOn: String
        let findings: String
        let violationFound: Bool
        let violationHandled: Bool
        init(_ v: SupervisionVisit) {
            id = v.id!
            supervisorId = v.supervisorID
            unitCode = v.unitCode
            stationCode = v.stationCode
            sessionId = v.sessionID
            visitedOn = v.visitedOn
            findings = v.findings
            violationFound = v.violationFound
            violationHandled = v.violationHandled
        }
    }

    /// The register entry a supervisor's login acts for: 403 for any other role, or a
    /// supervisor login tied to no entry.
    static func actingSupervisor(_ user: User, on db: any Database) async throws -> Supervisor {
        // A deactivated unit's users write nothing (409 before 403). A supervisor answers to the
        // register, not to the home unit: its deactivation does not stop their reports elsewhere.
        if user.role != .supervisor { try user.requireActiveUnit() }
        guard user.role == .supervisor else {
            throw AppError(
                status: .forbidden, code: "supervisors_only", message: "Only a supervisor files this, from their own login",
                messageZh: "只有督导员本人可以用自己的账号填报")
        }
        guard let sid = user.supervisorID, let s = try await Supervisor.find(sid, on: db) else {
            throw AppError(
                status: .forbidden, code: "no_supervisor_record", message: "This login is tied to no supervisor of the register",
                messageZh: "该账号未关联督导员名册中的督导员")
        }
        guard s.active else { throw supervisorInactive }
        return s
    }

    static let supervisorInactive = AppError(
        status: .forbidden, code: "supervisor_inactive", message: "The register lists this supervisor as inactive",
        messageZh: "该督导员在名册中已停用")

    /// A supervisor records a visit to a station of another unit than their own, from their own
    /// login (a `supervisorId` sent must be their own); the report on it is filed apart.
    static func createVisit(_ input: NewVisit, by user: User, on store: Store, now: Date) async throws -> VisitDTO {
        let supervisor = try await actingSupervisor(user, on: store.db)
        if let sent = input.supervisorId, sent != supervisor.id {
            throw AppError(
                status: .forbidden, code: "not_yourself", message: "A supervisor records only their own visits",
                messageZh: "督导员只能登记本人的督导检查")
        }
        let station = try await Station.find(input.stationCode ?? "", on: store.db)
        var sessionAtStation: Bool?
        if let sid = input.sessionId {
            sessionAtStation = try await ExamSession.find(sid, on: store.db)?.$station.id == input.stationCode
        }
        let entry = try checked(
            RegisterRules.visit(
                visitedOn: input.visitedOn, findings: input.findings, violationFound: input.violationFound,
                violationHandled: input.violationHandled,
                supervisor: .init(unitCode: supervisor.$unit.id, active: supervisor.active, validUntil: supervisor.validUntil),
                stationUnit: station?.$unit.id, sessionAtStation: sessionAtStation, today: Period.dayString(now)))
        guard let station else { throw AppError.forbidden }
        let v = SupervisionVisit()
        v.id = UUID()
        v.supervisorID = supervisor.id!
        v.unitCode = station.$unit.id
        v.stationCode = station.id!
        v.sessionID = input.sessionId
        v.visitedOn = entry.visitedOn
        v.findings = entry.findings
        v.violationFound = entry.violationFound
        v.violationHandled = entry.violationHandled
        v.recordedBy = user.username
        try await store.write { db in
            try await Reports.lockUnit(v.unitCode, active: true, on: db)
            try await v.create(on: db)
            try await audit("visit", v.id!.uuidString, "create", station.id, user, now, on: db)
        }
        return VisitDTO(v)
    }

    /// The visits a user sees, newest first: the ministry all (or one unit's), a unit those to
    /// its stations, a supervisor their own.
    static func visits(for user: User, unitCode: String? = nil, limit: Int = 1000, on db: any Database) async throws -> [VisitDTO]
    {
        var q = SupervisionVisit.query(on: db).sort(\.$visitedOn, .descending)
        switch user.role {
        case .supervisor: q = q.filter(\.$supervisorID == (user.supervisorID ?? UUID()))
        case .unit: q = q.filter(\.$unitCode == (user.unitCode ?? ""))
        case .ministry: if let unitCode { q = q.filter(\.$unitCode == unitCode) }
        }
        return try await q.limit(limit).all().map(VisitDTO.init)
    }
}
