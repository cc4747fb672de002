import Domain
import Fluent
import Vapor

enum UnitsController {
    @Sendable static func list(_ req: Request) async throws -> [UnitDTO] {
        try await UnitModel.query(on: req.db).sort(\.$sortKey).all().map(UnitDTO.init)
    }

    struct NewUnit: Content {
        let code: String
        let name: String
        let kind: String
    }

    @Sendable static func create(_ req: Request) async throws -> Response {
        let user = try req.requireMinistry()
        let unit = try await create(try req.content.decode(NewUnit.self), by: user, on: req.store)
        return try await unit.encodeResponse(status: .created, for: req)
    }

    /// Adds an industry (ministry); the 32 regions are fixed.
    static func create(_ body: NewUnit, by user: User, on store: Store) async throws -> UnitDTO {
        try user.requireMinistry()
        var issues: [ValidationIssue] = []
        let code = body.code.trimmingCharacters(in: .whitespaces)
        let name = body.name.trimmingCharacters(in: .whitespaces)
        if !(2...12).contains(code.count) || !code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
            issues.append(
                .init(
                    field: "code", column: nil, code: "invalid", message: "Code: 2–12 letters or digits",
                    messageZh: "代码须为2至12位字母或数字"))
        }
        if name.isEmpty || name.count > 100 {
            issues.append(
                .init(
                    field: "name", column: nil, code: "invalid", message: "Name: 1–100 characters",
                    messageZh: "名称须为1至100个字符"))
        }
        if body.kind != "industry" {
            issues.append(
                .init(
                    field: "kind", column: nil, code: "invalid",
                    message: "Only industries are added; the 32 regions are fixed",
                    messageZh: "只能新增行业；32个地区为固定名单"))
        }
        if !issues.isEmpty { throw AppError.invalid(issues) }
        let unit = UnitModel(code: code, name: name, kind: .industry)
        try await store.write { db in
            let sameCode = try await UnitModel.find(code, on: db)
            let sameName = try await UnitModel.query(on: db).filter(\.$name == name).first()
            if sameCode != nil || sameName != nil {
                throw AppError.conflict("duplicate", "A unit with this code or name exists", "已存在相同代码或名称的单位")
            }
            try await unit.create(on: db)
        }
        return UnitDTO(unit)
    }

    struct UnitPatch: Content {
        let name: String?
        let active: Bool?
    }

    /// Renames an industry or (de)activates any unit; inactive units leave the bulletin.
    @Sendable static func update(_ req: Request) async throws -> UnitDTO {
        _ = try req.requireMinistry()
        let code = req.parameters.get("code") ?? ""
        let body = try req.content.decode(UnitPatch.self)
        return try await req.write { db in try await setUnit(code, name: body.name, active: body.active, on: db) }
    }

    /// Renames an industry and/or (de)activates a unit, inside a write transaction. Deactivation
    /// ends the sessions and tokens of the unit's users.
    static func setUnit(_ code: String, name: String?, active: Bool?, on db: any Database) async throws -> UnitDTO {
        let unit = try await Reports.lockUnit(code, active: false, on: db)
        if let name = name?.trimmingCharacters(in: .whitespaces) {
            guard unit.kind == .industry else {
                throw AppError.invalid(
                    field: "name", code: "fixed", "Region names are official (GB/T 2260)",
                    "地区名称为国家标准名称，不能修改")
            }
            guard !name.isEmpty, name.count <= 100 else {
                throw AppError.invalid(field: "name", code: "invalid", "Name: 1–100 characters", "名称须为1至100个字符")
            }
            unit.name = name
        }
        if let active { unit.active = active }
        try await unit.save(on: db)
        if active == false {
            // Supervisors answer to the ministry's register, not to their home unit: they keep their logins.
            let users = try await User.query(on: db).filter(\.$unit.$id == code).filter(\.$role != .supervisor).all(\.$id)
            try await Auth.revokeTokens(users: users, on: db)
        }
        return UnitDTO(unit)
    }
}
