import CertificateKit
import Domain
import Fluent
import Vapor

/// The registers behind columns 1–24, one function per action: each takes a typed input, the
/// acting user, the `Store` and the time, checks the input with `RegisterRules` / `ExamSessions`
/// (Domain), writes in one transaction with its audit entry, and returns what the API answers.
/// The API controllers and the pages both call these; neither calls the other.
enum Registers {
    static func fail(_ issues: [ValidationIssue]) throws { if !issues.isEmpty { throw AppError.invalid(issues) } }
    static func checked<T>(_ r: Result<T, ValidationFailure>) throws -> T {
        switch r {
        case .success(let v): return v
        case .failure(let f): throw AppError.invalid(f.issues)
        }
    }
    static func audit(
        _ register: String, _ key: String, _ action: String, _ detail: String?, _ user: User, _ now: Date,
        on db: any Database
    ) async throws {
        try await RegisterEvent(register: register, key: key, action: action, detail: detail, actor: user.username, at: now)
            .create(on: db)
    }

    // MARK: Occupations

    struct OccupationDTO: Content {
        let code: String
        let name: String
        let active: Bool
    }
    struct NewOccupation: Content {
        let code: String?
        let name: String?
    }
    struct OccupationPatch: Content {
        let name: String?
        let active: Bool?
    }

    static func activeOccupations(on db: any Database) async throws -> Set<String> {
        Set(try await Occupation.query(on: db).filter(\.$active == true).all().compactMap(\.id))
    }

    static func regionCodes(on db: any Database) async throws -> Set<String> {
        Set(try await UnitModel.query(on: db).filter(\.$kind == .region).all().compactMap(\.id))
    }

    static func createOccupation(_ input: NewOccupation, by user: User, on store: Store, now: Date) async throws -> OccupationDTO
    {
        try user.requireMinistry()
        let o = try checked(RegisterRules.occupation(code: input.code, name: input.name))
        if try await Occupation.find(o.code, on: store.db) != nil {
            throw AppError.conflict("duplicate", "Occupation \(o.code) exists", "职业\(o.code)已存在")
        }
        try await store.write { db in
            try await Occupation(code: o.code, name: o.name).create(on: db)
            try await audit("occupation", o.code, "create", o.name, user, now, on: db)
        }
        return OccupationDTO(code: o.code, name: o.name, active: true)
    }

    static func occupations(matching q: String?, on db: any Database) async throws -> [OccupationDTO] {
        var query = Occupation.query(on: db).sort(\.$id)
        if let q, !q.isEmpty { query = query.group(.or) { $0.filter(\.$id == q).filter(\.$name == q) } }
        return try await query.all().map { OccupationDTO(code: $0.id!, name: $0.name, active: $0.active) }
    }

    /// Renames or (de)activates an occupation (ministry); an inactive one takes no new sessions or scopes.
    static func updateOccupation(
        _ code: String, _ patch: OccupationPatch, by user: User, on store: Store, now: Date
    )
        async throws -> OccupationDTO
    {
        try user.requireMinistry()
        guard let o = try await Occupation.find(code, on: store.db) else {
            throw AppError.notFound("No such occupation", "没有该职业")
        }
        if let n = patch.name { o.name = try checked(RegisterRules.occupation(code: o.id, name: n)).name }
        if let a = patch.active { o.active = a }
        try await store.write { db in
            try await o.save(on: db)
            try await audit("occupation", o.id!, "update", "\(o.name) active=\(o.active)", user, now, on: db)
        }
        return OccupationDTO(code: o.id!, name: o.name, active: o.active)
    }

    /// A file (CSV or XLSX, `RegisterFile`) with the columns `code,name`; existing codes with the
    /// same name are unchanged.
    static func importOccupations(
        _ data: ByteBuffer, contentType: HTTPMediaType?, by user: User, on store: Store, now: Date
    ) async throws -> Issuance.ImportResult {
        try user.requireMinistry()
        let file = try await RegisterFile.read(data, contentType: contentType, header: ["code", "name"], maxRows: 20_000)
        var result = try await store.write { db in
            var result = Issuance.ImportResult()
            let existing = Dictionary(uniqueKeysWithValues: try await Occupation.query(on: db).all().map { ($0.id!, $0.name) })
            var seen = Set<String>()
            for row in file.rows {
                func refuse(_ code: String, _ en: String, _ zh: String) {
                    result.errors.append(.init(line: row.line, code: code, message: en, messageZh: zh))
                }
                if row.fields.contains(where: TextCheck.hasControl) {
                    refuse("control_character", "A field contains a control character", "字段含有不允许的控制字符")
                    continue
                }
                switch RegisterRules.occupation(code: row.fields[0], name: row.fields[1]) {
                case .failure(let f): refuse(f.issues[0].code, f.issues[0].message, f.issues[0].messageZh)
                case .success(let o) where seen.contains(o.code):
                    refuse("duplicate_in_file", "\(o.code) appears twice", "\(o.code)重复")
                case .success(let o):
                    if let old = existing[o.code] {
                        if old == o.name {
                            result.unchanged += 1
                        } else {
                            refuse("conflict", "\(o.code) exists as \(old)", "\(o.code)已登记为\(old)")
                        }
                    } else {
                        try await Occupation(code: o.code, name: o.name).create(on: db)
                        result.imported += 1
                    }
                    seen.insert(o.code)
                }
            }
            if result.imported > 0 { try await audit("occupation", "*", "import", "\(result.imported)", user, now, on: db) }
            return result
        }
        result.errors = (file.refused + result.errors).sorted { $0.line < $1.line }
        AppMetrics.imported(result.imported, kind: "occupations")
        return result
    }

    // MARK: Fee standards

    struct FeeDTO: Content {
        let id: UUID
        let unitCode: String
        let level: String
        let feeYuan: String
        let document: String
        let active: Bool
        init(_ f: FeeStandard) {
            id = f.id!
            unitCode = f.$unit.id
            level = f.level
            feeYuan = Money(fen: f.feeFen).description
            document = f.document
            active = f.active
        }
    }
    struct NewFee: Content {
        let unitCode: String?
        let level: String?
        let feeYuan: JSONValue?
        let document: String?
    }

    /// A new standard for a unit and level replaces the previous one (kept, inactive, for history).
    static func createFee(_ input: NewFee, by user: User, on store: Store, now: Date) async throws -> FeeDTO {
        let unit = try await user.writableUnit(input.unitCode, on: store.db)
        let level = try Certificates.level(input.level)
        let fee = try Certificates.money(input.feeYuan, field: "feeYuan")
        let doc = (input.document ?? "").trimmingCharacters(in: .whitespaces)
        if doc.isEmpty || doc.count > 200 {
            throw AppError.invalid(field: "document", code: "required", "Cite the document that sets the fee", "请填写收费标准的文件依据")
        }
        let f = FeeStandard()
        f.$unit.id = unit
        f.level = level.rawValue
        f.feeFen = fee.fen
        f.document = doc
        f.active = true
        try await store.write { db in
            try await Reports.lockUnit(unit, active: true, on: db)
            try await FeeStandard.query(on: db).filter(\.$unit.$id == unit).filter(\.$level == level.rawValue)
                .set(\.$active, to: false).update()
            try await f.create(on: db)
            try await audit("fee-standard", "\(unit)/\(level.rawValue)", "create", "\(fee) \(doc)", user, now, on: db)
        }
        return FeeDTO(f)
    }

    static func fees(for user: User, on db: any Database) async throws -> [FeeDTO] {
        var q = FeeStandard.query(on: db).sort(\.$unit.$id).sort(\.$level)
        if let unit = user.readableUnit { q = q.filter(\.$unit.$id == unit) }
        return try await q.all().map(FeeDTO.init)
    }

    // MARK: Stations

    struct ScopeDTO: Content {
        let occupation: String
        let maxLevel: String
    }
    struct StationDTO: Content {
        let code: String
        let name: String
        let unitCode: String
        let regionCode: String
        let status: String
        let scope: [ScopeDTO]
        /// The licence: absent for a station registered before licences were kept.
        let licenceNo: String?
        let licenceExpires: String?
        let address: String?
        let personInCharge: String?
        /// Today: `valid`, `not_recorded`, `lapsed` or `revoked` (at the latest annual inspection).
        let licenceState: String
        let latestInspection: InspectionSummary?
        init(_ s: Station, today: String) {
            code = s.id!
            name = s.name
            unitCode = s.$unit.id
            regionCode = s.$region.id
            status = s.status.rawValue
            scope = s.scope.map { ScopeDTO(occupation: $0.$occupation.id, maxLevel: $0.maxLevel) }
            licenceNo = s.licenceNo
            licenceExpires = s.licenceExpires
            address = s.address
            personInCharge = s.personInCharge
            let licence = s.licence
            licenceState = Registers.licenceState(licence.refusal(on: today))
            latestInspection = licence.latestInspection(on: today).map {
                InspectionSummary(year: $0.year, outcome: $0.outcome.rawValue)
            }
        }

        /// Whether the station's code or name contains `q` (every station for no `q`).
        func matches(_ q: String?) -> Bool {
            guard let q, !q.isEmpty else { return true }
            return code.contains(q) || name.contains(q)
        }
    }
    struct InspectionSummary: Content {
        let year: Int
        let outcome: String
    }
    struct NewStation: Content {
        let code: String?
        let name: String?
        let unitCode: String?
        let regionCode: String?
        let scope: [ScopeDTO]?
        let licenceNo: String?
        let licenceExpires: String?
        let address: String?
        let personInCharge: String?
    }
    struct StationPatch: Content {
        var name: String?
        var status: String?
        var scope: [ScopeDTO]?
        var licenceNo: String?
        var licenceExpires: String?
        var address: String?
        var personInCharge: String?

        var changesLicence: Bool { licenceNo != nil || licenceExpires != nil || address != nil || personInCharge != nil }
    }

    static func createStation(_ input: NewStation, by user: User, on store: Store, now: Date) async throws -> StationDTO {
        let unit = try await user.writableUnit(input.unitCode, on: store.db)
        let checkedStation = RegisterRules.station(
            code: input.code, name: input.name, regionCode: input.regionCode,
            scope: (input.scope ?? []).map { ($0.occupation, $0.maxLevel) },
            regions: try await regionCodes(on: store.db), activeOccupations: try await activeOccupations(on: store.db))
        let checkedLicence = RegisterRules.licence(
            licenceNo: input.licenceNo, licenceExpires: input.licenceExpires, address: input.address,
            personInCharge: input.personInCharge)
        // Every field's problem at once, the station's and the licence's.
        guard case .success(let entry) = checkedStation, case .success(let licence) = checkedLicence else {
            throw AppError.invalid(issues(checkedStation) + issues(checkedLicence))
        }
        if try await Station.find(entry.code, on: store.db) != nil {
            throw AppError.conflict("duplicate", "Station \(entry.code) exists", "鉴定站\(entry.code)已存在")
        }
        let s = Station()
        s.id = entry.code
        s.name = entry.name
        s.$unit.id = unit
        s.$region.id = entry.regionCode
        s.status = .active
        s.record(licence)
        try await store.write { db in
            try await s.create(on: db)
            for sc in entry.scope {
                try await StationScope(station: entry.code, occupation: sc.occupation, maxLevel: sc.maxLevel.rawValue).create(
                    on: db)
            }
            try await audit("station", entry.code, "create", "\(entry.name) \(licenceDetail(licence))", user, now, on: db)
        }
        return try await station(entry.code, today: Period.dayString(now), on: store.db)!
    }

    static func issues<T>(_ r: Result<T, ValidationFailure>) -> [ValidationIssue] {
        if case .failure(let f) = r { return f.issues }
        return []
    }

    static func station(_ code: String, today: String, on db: any Database) async throws -> StationDTO? {
        try await Station.query(on: db).filter(\.$id == code).with(\.$scope).with(\.$inspections).first().map {
            StationDTO($0, today: today)
        }
    }

    /// The stations a user sees, optionally those whose code or name contains `q`.
    static func stations(
        for user: User, matching q: String? = nil, today: String, on db: any Database
    ) async throws -> [StationDTO] {
        var query = Station.query(on: db).with(\.$scope).with(\.$inspections).sort(\.$id)
        if let unit = user.readableUnit { query = query.filter(\.$unit.$id == unit) }
        return try await query.all().map { StationDTO($0, today: today) }.filter { $0.matches(q) }
    }

    /// Renames, suspends, revokes or reactivates a station, replaces its scope, or records or
    /// renews its licence (the four licence fields are checked together, as they stand after the
    /// change: a station's first licence needs all four).
    static func updateStation(
        _ code: String, _ patch: StationPatch, by user: User, on store: Store, now: Date
    ) async throws -> StationDTO {
        guard let s = try await Station.find(code, on: store.db) else { throw AppError.notFound("No such station", "没有该鉴定站") }
        try user.requireWrite(unit: s.$unit.id)
        var issues: [ValidationIssue] = []
        let status = patch.status.flatMap(Station.Status.init(rawValue:))
        if patch.status != nil && status == nil {
            issues.append(RegisterRules.issue("status", "invalid", "Status: active, suspended or revoked", "状态须为正常、暂停或撤销"))
        }
        var scope: [RegisterRules.Scope]?
        if let sent = patch.scope {
            switch RegisterRules.scope(
                sent.map { ($0.occupation, $0.maxLevel) }, activeOccupations: try await activeOccupations(on: store.db))
            {
            case .success(let checked): scope = checked
            case .failure(let f): issues += f.issues
            }
        }
        var licence: RegisterRules.LicenceEntry?
        if patch.changesLicence {
            switch RegisterRules.licence(
                licenceNo: patch.licenceNo ?? s.licenceNo, licenceExpires: patch.licenceExpires ?? s.licenceExpires,
                address: patch.address ?? s.address, personInCharge: patch.personInCharge ?? s.personInCharge)
            {
            case .success(let checked): licence = checked
            case .failure(let f): issues += f.issues
            }
        }
        try fail(issues)
        let newScope = scope
        let newLicence = licence
        try await store.write { db in
            if let n = patch.name?.trimmingCharacters(in: .whitespaces), !n.isEmpty { s.name = n }
            if let status { s.status = status }
            if let newLicence { s.record(newLicence) }
            try await s.save(on: db)
            if let scope = newScope {
                try await StationScope.query(on: db).filter(\.$station.$id == s.id!).delete()
                for sc in scope {
                    try await StationScope(station: s.id!, occupation: sc.occupation, maxLevel: sc.maxLevel.rawValue).create(
                        on: db)
                }
            }
            if !patch.changesLicence || patch.name != nil || patch.status != nil || patch.scope != nil {
                try await audit("station", s.id!, "update", "status=\(s.status.rawValue)", user, now, on: db)
            }
            if let newLicence { try await audit("station", s.id!, "licence", licenceDetail(newLicence), user, now, on: db) }
        }
        return try await station(code, today: Period.dayString(now), on: store.db)!
    }

    // MARK: Audit trail

    struct EventDTO: Content {
        let register: String
        let key: String
        let action: String
        let detail: String?
        let user: String
        let at: Date
    }

    /// The registers' audit trail, newest first (ministry).
    static func events(for user: User, on db: any Database) async throws -> [EventDTO] {
        try user.requireMinistry()
        return try await RegisterEvent.query(on: db).sort(\.$at, .descending).limit(1000).all().map {
            EventDTO(register: $0.register, key: $0.key, action: $0.action, detail: $0.detail, user: $0.actor, at: $0.at)
        }
    }
}
