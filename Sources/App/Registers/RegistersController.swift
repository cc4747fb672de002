import CertificateKit
import Domain
import Fluent
import SQLKit
import Vapor

/// Occupations, fee standards, stations, supervisors, visits and exam sessions.
enum RegistersController {
    static func fail(_ issues: [ValidationIssue]) throws { if !issues.isEmpty { throw AppError.invalid(issues) } }
    static func issue(_ field: String, _ code: String, _ en: String, _ zh: String) -> ValidationIssue {
        ValidationIssue(field: field, column: nil, code: code, message: en, messageZh: zh)
    }
    static func audit(_ register: String, _ key: String, _ action: String, _ detail: String?, _ user: User, _ req: Request,
                      on db: any Database) async throws {
        try await RegisterEvent(register: register, key: key, action: action, detail: detail, actor: user.username, at: req.now)
            .create(on: db)
    }

    /// Codes are plain — ASCII letters, digits and dashes — because they travel in URLs and
    /// form actions: a code holding `/`, `#` or `..` could point a button at another record.
    static func isPlainCode(_ code: String, _ length: ClosedRange<Int>) -> Bool {
        length.contains(code.utf8.count) && code.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D
        }
    }

    // MARK: Occupations

    struct OccupationDTO: Content { let code: String; let name: String; let active: Bool }
    struct NewOccupation: Content { let code: String?; let name: String? }

    static func checkOccupation(_ code: String, _ name: String) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        if !isPlainCode(code, 2...20) {
            issues.append(issue("code", "invalid", "Occupation code: 2–20 letters, digits or dashes", "职业代码须为2至20位字母、数字或连字符"))
        }
        if name.isEmpty || name.count > 100 || TextCheck.hasControl(name) {
            issues.append(issue("name", "invalid", "Name: 1–100 characters", "名称须为1至100个字符"))
        }
        return issues
    }

    @Sendable static func createOccupation(_ req: Request) async throws -> Response {
        let user = try req.requireMinistry()
        let b = try req.content.decode(NewOccupation.self)
        let code = (b.code ?? "").trimmingCharacters(in: .whitespaces), name = (b.name ?? "").trimmingCharacters(in: .whitespaces)
        try fail(checkOccupation(code, name))
        if try await Occupation.find(code, on: req.db) != nil { throw AppError.conflict("duplicate", "Occupation \(code) exists", "职业\(code)已存在") }
        try await req.write { db in
            try await Occupation(code: code, name: name).create(on: db)
            try await audit("occupation", code, "create", name, user, req, on: db)
        }
        return try await OccupationDTO(code: code, name: name, active: true).encodeResponse(status: .created, for: req)
    }

    @Sendable static func listOccupations(_ req: Request) async throws -> [OccupationDTO] {
        var q = Occupation.query(on: req.db).sort(\.$id)
        if let s = req.query[String.self, at: "q"], !s.isEmpty { q = q.group(.or) { $0.filter(\.$id == s).filter(\.$name == s) } }
        return try await q.all().map { OccupationDTO(code: $0.id!, name: $0.name, active: $0.active) }
    }

    struct OccupationPatch: Content { let name: String?; let active: Bool? }

    /// Renames or (de)activates an occupation (ministry); an inactive one takes no new sessions or scopes.
    @Sendable static func updateOccupation(_ req: Request) async throws -> OccupationDTO {
        let user = try req.requireMinistry()
        guard let o = try await Occupation.find(req.parameters.get("code"), on: req.db) else {
            throw AppError.notFound("No such occupation", "没有该职业")
        }
        let b = try req.content.decode(OccupationPatch.self)
        if let n = b.name?.trimmingCharacters(in: .whitespaces) {
            try fail(checkOccupation(o.id!, n))
            o.name = n
        }
        if let a = b.active { o.active = a }
        try await req.write { db in
            try await o.save(on: db)
            try await audit("occupation", o.id!, "update", "\(o.name) active=\(o.active)", user, req, on: db)
        }
        return OccupationDTO(code: o.id!, name: o.name, active: o.active)
    }

    /// CSV with the header `code,name`; existing codes with the same name are unchanged.
    @Sendable static func importOccupations(_ req: Request) async throws -> Issuance.ImportResult {
        let user = try req.requireMinistry()
        let rows = CSV.parse(Array(req.body.data?.readableBytesView ?? ByteBuffer().readableBytesView))
        guard rows.first?.fields == ["code", "name"] else {
            throw AppError.invalid(field: "file", code: "wrong_header", "The first line must be code,name", "第一行须为 code,name")
        }
        return try await req.write { db in
            var result = Issuance.ImportResult()
            let existing = Dictionary(uniqueKeysWithValues: try await Occupation.query(on: db).all().map { ($0.id!, $0.name) })
            var seen = Set<String>()
            for row in rows.dropFirst() where !(row.fields.count == 1 && row.fields[0].isEmpty) {
                guard row.fields.count == 2 else {
                    result.errors.append(.init(line: row.line, code: "wrong_field_count", message: "Expected 2 fields", messageZh: "应为2个字段"))
                    continue
                }
                let code = row.fields[0].trimmingCharacters(in: .whitespaces), name = row.fields[1].trimmingCharacters(in: .whitespaces)
                if let p = checkOccupation(code, name).first {
                    result.errors.append(.init(line: row.line, code: p.code, message: p.message, messageZh: p.messageZh))
                } else if seen.contains(code) {
                    result.errors.append(.init(line: row.line, code: "duplicate_in_file", message: "\(code) appears twice", messageZh: "\(code)重复"))
                } else if let old = existing[code] {
                    if old == name { result.unchanged += 1 } else {
                        result.errors.append(.init(line: row.line, code: "conflict", message: "\(code) exists as \(old)", messageZh: "\(code)已登记为\(old)"))
                    }
                } else {
                    try await Occupation(code: code, name: name).create(on: db)
                    result.imported += 1
                }
                seen.insert(code)
            }
            if result.imported > 0 { try await audit("occupation", "*", "import", "\(result.imported)", user, req, on: db) }
            return result
        }
    }

    // MARK: Fee standards

    struct FeeDTO: Content { let id: UUID; let unitCode: String; let level: String; let feeYuan: String; let document: String; let active: Bool }
    struct NewFee: Content { let unitCode: String?; let level: String?; let feeYuan: JSONValue?; let document: String? }

    /// A new standard for a unit and level replaces the previous one (kept, inactive, for history).
    @Sendable static func createFee(_ req: Request) async throws -> Response {
        let b = try req.content.decode(NewFee.self)
        let (user, unit) = try await req.writableUnit(b.unitCode)
        let level = try Certificates.level(b.level)
        let fee = try Certificates.money(b.feeYuan, field: "feeYuan")
        let doc = (b.document ?? "").trimmingCharacters(in: .whitespaces)
        try fail(doc.isEmpty || doc.count > 200 ? [issue("document", "required", "Cite the document that sets the fee", "请填写收费标准的文件依据")] : [])
        let f = FeeStandard()
        f.$unit.id = unit; f.level = level.rawValue; f.feeFen = fee.fen; f.document = doc; f.active = true
        try await req.write { db in
            try await Reports.lockUnit(unit, active: true, on: db)
            try await FeeStandard.query(on: db).filter(\.$unit.$id == unit).filter(\.$level == level.rawValue).set(\.$active, to: false).update()
            try await f.create(on: db)
            try await audit("fee-standard", "\(unit)/\(level.rawValue)", "create", "\(fee) \(doc)", user, req, on: db)
        }
        return try await FeeDTO(id: f.id!, unitCode: unit, level: f.level, feeYuan: fee.description, document: doc, active: true)
            .encodeResponse(status: .created, for: req)
    }

    @Sendable static func listFees(_ req: Request) async throws -> [FeeDTO] {
        let user = try req.requireUser()
        var q = FeeStandard.query(on: req.db).sort(\.$unit.$id).sort(\.$level)
        if user.role != .ministry { q = q.filter(\.$unit.$id == (user.unitCode ?? "")) }
        return try await q.all().map { FeeDTO(id: $0.id!, unitCode: $0.$unit.id, level: $0.level, feeYuan: Money(fen: $0.feeFen).description, document: $0.document, active: $0.active) }
    }

    // MARK: Stations

    struct ScopeDTO: Content { let occupation: String; let maxLevel: String }
    struct StationDTO: Content { let code: String; let name: String; let unitCode: String; let regionCode: String; let status: String; let scope: [ScopeDTO] }
    struct NewStation: Content { let code: String?; let name: String?; let unitCode: String?; let regionCode: String?; let scope: [ScopeDTO]? }

    static func checkScope(_ scope: [ScopeDTO], on db: any Database) async throws -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        let known = Set(try await Occupation.query(on: db).filter(\.$active == true).all().compactMap(\.id))
        for (i, s) in scope.enumerated() {
            if !known.contains(s.occupation) { issues.append(issue("scope[\(i)].occupation", "unknown_occupation", "Unknown occupation \(s.occupation)", "未登记的职业\(s.occupation)")) }
            if Level(rawValue: s.maxLevel) == nil { issues.append(issue("scope[\(i)].maxLevel", "unknown_level", "Level must be \"5\" … \"1\"", "等级须为\"5\"至\"1\"")) }
        }
        if Set(scope.map(\.occupation)).count != scope.count { issues.append(issue("scope", "duplicate", "An occupation is listed twice", "职业重复")) }
        return issues
    }

    @Sendable static func createStation(_ req: Request) async throws -> Response {
        let b = try req.content.decode(NewStation.self)
        let (user, unit) = try await req.writableUnit(b.unitCode)
        let code = (b.code ?? "").trimmingCharacters(in: .whitespaces), name = (b.name ?? "").trimmingCharacters(in: .whitespaces)
        var issues: [ValidationIssue] = []
        if !isPlainCode(code, 2...30) {
            issues.append(issue("code", "invalid", "Station code: 2–30 letters, digits or dashes", "鉴定站代码须为2至30位字母、数字或连字符"))
        }
        if name.isEmpty || name.count > 100 { issues.append(issue("name", "invalid", "Name: 1–100 characters", "名称须为1至100个字符")) }
        let region = try await UnitModel.find(b.regionCode ?? "", on: req.db)
        if region?.kind != .region { issues.append(issue("regionCode", "unknown_region", "A region code of GB/T 2260", "须为地区代码（GB/T 2260）")) }
        issues += try await checkScope(b.scope ?? [], on: req.db)
        try fail(issues)
        if try await Station.find(code, on: req.db) != nil { throw AppError.conflict("duplicate", "Station \(code) exists", "鉴定站\(code)已存在") }
        let s = Station()
        s.id = code; s.name = name; s.$unit.id = unit; s.$region.id = region!.id!; s.status = .active
        try await req.write { db in
            try await s.create(on: db)
            for sc in b.scope ?? [] { try await StationScope(station: code, occupation: sc.occupation, maxLevel: sc.maxLevel).create(on: db) }
            try await audit("station", code, "create", name, user, req, on: db)
        }
        return try await StationDTO(code: code, name: name, unitCode: unit, regionCode: region!.id!, status: "active", scope: b.scope ?? [])
            .encodeResponse(status: .created, for: req)
    }

    static func stationDTOs(_ stations: [Station]) -> [StationDTO] {
        stations.map { s in StationDTO(code: s.id!, name: s.name, unitCode: s.$unit.id, regionCode: s.$region.id, status: s.status.rawValue,
                                       scope: s.scope.map { ScopeDTO(occupation: $0.$occupation.id, maxLevel: $0.maxLevel) }) }
    }

    @Sendable static func listStations(_ req: Request) async throws -> [StationDTO] {
        let user = try req.requireUser()
        var q = Station.query(on: req.db).with(\.$scope).sort(\.$id)
        if user.role != .ministry { q = q.filter(\.$unit.$id == (user.unitCode ?? "")) }
        return stationDTOs(try await q.all())
    }

    struct StationPatch: Content { let name: String?; let status: String?; let scope: [ScopeDTO]? }

    /// Renames, suspends, revokes or reactivates a station, or replaces its scope.
    @Sendable static func updateStation(_ req: Request) async throws -> StationDTO {
        let user = try req.requireUser()
        guard let s = try await Station.query(on: req.db).filter(\.$id == (req.parameters.get("code") ?? "")).with(\.$scope).first() else {
            throw AppError.notFound("No such station", "没有该鉴定站")
        }
        _ = try req.requireWrite(unit: s.$unit.id)
        let b = try req.content.decode(StationPatch.self)
        var issues: [ValidationIssue] = []
        if let st = b.status, Station.Status(rawValue: st) == nil { issues.append(issue("status", "invalid", "Status: active, suspended or revoked", "状态须为正常、暂停或撤销")) }
        if let scope = b.scope { issues += try await checkScope(scope, on: req.db) }
        try fail(issues)
        try await req.write { db in
            if let n = b.name?.trimmingCharacters(in: .whitespaces), !n.isEmpty { s.name = n }
            if let st = b.status.flatMap(Station.Status.init(rawValue:)) { s.status = st }
            try await s.save(on: db)
            if let scope = b.scope {
                try await StationScope.query(on: db).filter(\.$station.$id == s.id!).delete()
                for sc in scope { try await StationScope(station: s.id!, occupation: sc.occupation, maxLevel: sc.maxLevel).create(on: db) }
            }
            try await audit("station", s.id!, "update", "status=\(s.status.rawValue)", user, req, on: db)
        }
        let fresh = try await Station.query(on: req.db).filter(\.$id == s.id!).with(\.$scope).all()
        return stationDTOs(fresh)[0]
    }

    // MARK: Supervisors and visits

    struct SupervisorDTO: Content { let id: UUID; let unitCode: String; let name: String; let licenceNo: String; let validUntil: String?; let active: Bool }
    struct NewSupervisor: Content { let unitCode: String?; let name: String?; let licenceNo: String?; let validUntil: String? }

    @Sendable static func createSupervisor(_ req: Request) async throws -> Response {
        let b = try req.content.decode(NewSupervisor.self)
        let (user, unit) = try await req.writableUnit(b.unitCode)
        let name = (b.name ?? "").trimmingCharacters(in: .whitespaces), licence = (b.licenceNo ?? "").trimmingCharacters(in: .whitespaces)
        var issues: [ValidationIssue] = []
        if name.isEmpty || name.count > 50 { issues.append(issue("name", "invalid", "Name: 1–50 characters", "姓名须为1至50个字符")) }
        if !(4...40).contains(licence.count) { issues.append(issue("licenceNo", "invalid", "Licence number: 4–40 characters", "督导员证号须为4至40个字符")) }
        if let v = b.validUntil, !Certificates.isDay(v) { issues.append(issue("validUntil", "invalid_date", "A date YYYY-MM-DD", "日期格式应为 YYYY-MM-DD")) }
        try fail(issues)
        if try await Supervisor.query(on: req.db).filter(\.$licenceNo == licence).first() != nil {
            throw AppError.conflict("duplicate", "Licence \(licence) is registered", "督导员证号\(licence)已登记")
        }
        let s = Supervisor()
        s.$unit.id = unit; s.name = name; s.licenceNo = licence; s.validUntil = b.validUntil; s.active = true
        try await req.write { db in
            try await s.create(on: db)
            try await audit("supervisor", licence, "create", name, user, req, on: db)
        }
        return try await SupervisorDTO(id: s.id!, unitCode: unit, name: name, licenceNo: licence, validUntil: s.validUntil, active: true)
            .encodeResponse(status: .created, for: req)
    }

    @Sendable static func listSupervisors(_ req: Request) async throws -> [SupervisorDTO] {
        let user = try req.requireUser()
        var q = Supervisor.query(on: req.db).sort(\.$name)
        if user.role != .ministry { q = q.filter(\.$unit.$id == (user.unitCode ?? "")) }
        return try await q.all().map { SupervisorDTO(id: $0.id!, unitCode: $0.$unit.id, name: $0.name, licenceNo: $0.licenceNo, validUntil: $0.validUntil, active: $0.active) }
    }

    struct SupervisorPatch: Content { let active: Bool?; let validUntil: String? }

    /// Deactivates (or reactivates) a supervisor, or extends the licence.
    @Sendable static func updateSupervisor(_ req: Request) async throws -> SupervisorDTO {
        let user = try req.requireUser()
        guard let s = try await Supervisor.find(req.parameters.get("id", as: UUID.self), on: req.db) else {
            throw AppError.notFound("No such supervisor", "没有该督导员")
        }
        _ = try req.requireWrite(unit: s.$unit.id)
        let b = try req.content.decode(SupervisorPatch.self)
        if let v = b.validUntil, !Certificates.isDay(v) {
            throw AppError.invalid(field: "validUntil", code: "invalid_date", "A date YYYY-MM-DD", "日期格式应为 YYYY-MM-DD")
        }
        if let a = b.active { s.active = a }
        if let v = b.validUntil { s.validUntil = v }
        try await req.write { db in
            try await s.save(on: db)
            try await audit("supervisor", s.licenceNo, "update", "active=\(s.active) validUntil=\(s.validUntil ?? "")", user, req, on: db)
        }
        return SupervisorDTO(id: s.id!, unitCode: s.$unit.id, name: s.name, licenceNo: s.licenceNo, validUntil: s.validUntil, active: s.active)
    }

    struct EventDTO: Content { let register: String; let key: String; let action: String; let detail: String?; let user: String; let at: Date }

    /// The registers' audit trail, newest first (ministry).
    @Sendable static func events(_ req: Request) async throws -> [EventDTO] {
        _ = try req.requireMinistry()
        return try await RegisterEvent.query(on: req.db).sort(\.$at, .descending).limit(1000).all().map {
            EventDTO(register: $0.register, key: $0.key, action: $0.action, detail: $0.detail, user: $0.actor, at: $0.at)
        }
    }

    struct NewVisit: Content {
        let supervisorId: UUID?; let stationCode: String?; let sessionId: UUID?; let visitedOn: String?; let findings: String?
        let violationFound: Bool?; let violationHandled: Bool?
    }

    /// A supervisor (or the unit) records a visit to one of the unit's stations or sessions.
    @Sendable static func createVisit(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        try user.requireActiveUnit()
        let b = try req.content.decode(NewVisit.self)
        var issues: [ValidationIssue] = []
        let supervisor = try await Supervisor.find(b.supervisorId, on: req.db)
        if supervisor == nil || supervisor?.active == false { issues.append(issue("supervisorId", "unknown_supervisor", "Unknown or inactive supervisor", "督导员不存在或已停用")) }
        let station = try await Station.find(b.stationCode ?? "", on: req.db)
        if station == nil { issues.append(issue("stationCode", "unknown_station", "Unknown station", "鉴定站不存在")) }
        if let sid = b.sessionId, try await ExamSession.find(sid, on: req.db)?.$station.id != b.stationCode {
            issues.append(issue("sessionId", "unknown_session", "The session is not one of this station's", "该考试场次不属于该鉴定站"))
        }
        let day = b.visitedOn ?? ""
        if !Certificates.isDay(day) { issues.append(issue("visitedOn", "invalid_date", "A date YYYY-MM-DD", "日期格式应为 YYYY-MM-DD")) }
        else if day > Period.dayString(req.now) { issues.append(issue("visitedOn", "future_date", "The date is in the future", "日期不能晚于今天")) }
        let findings = (b.findings ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if findings.isEmpty || findings.count > 5000 { issues.append(issue("findings", "required", "Describe the findings (1–5000 characters)", "请填写督导情况（1至5000字）")) }
        if b.violationHandled == true && b.violationFound != true {
            issues.append(issue("violationHandled", "inconsistent", "Only a violation found can be handled", "未发现违规，不能填写已查处"))
        }
        try fail(issues)
        guard let station, let supervisor else { throw AppError.forbidden }
        guard supervisor.$unit.id == station.$unit.id else {
            throw AppError.invalid(field: "supervisorId", code: "other_unit", "The supervisor belongs to another unit", "督导员不属于该鉴定站所属单位")
        }
        _ = try req.requireRead(unit: station.$unit.id)
        let v = SupervisionVisit()
        v.supervisorID = supervisor.id!; v.unitCode = station.$unit.id; v.stationCode = station.id!; v.sessionID = b.sessionId
        v.visitedOn = day; v.findings = findings; v.violationFound = b.violationFound ?? false
        v.violationHandled = b.violationHandled ?? false; v.recordedBy = user.username
        try await req.write { db in
            try await Reports.lockUnit(v.unitCode, active: true, on: db)
            try await v.create(on: db)
            try await audit("visit", v.id!.uuidString, "create", station.id, user, req, on: db)
        }
        return try await VisitDTO(v).encodeResponse(status: .created, for: req)
    }

    struct VisitDTO: Content {
        let id: UUID; let supervisorId: UUID; let unitCode: String; let stationCode: String; let sessionId: UUID?
        let visitedOn: String; let findings: String; let violationFound: Bool; let violationHandled: Bool
        init(_ v: SupervisionVisit) {
            id = v.id!; supervisorId = v.supervisorID; unitCode = v.unitCode; stationCode = v.stationCode; sessionId = v.sessionID
            visitedOn = v.visitedOn; findings = v.findings; violationFound = v.violationFound; violationHandled = v.violationHandled
        }
    }

    @Sendable static func listVisits(_ req: Request) async throws -> [VisitDTO] {
        let user = try req.requireUser()
        var q = SupervisionVisit.query(on: req.db).sort(\.$visitedOn, .descending)
        if user.role != .ministry { q = q.filter(\.$unitCode == (user.unitCode ?? "")) }
        return try await q.limit(1000).all().map(VisitDTO.init)
    }
}
