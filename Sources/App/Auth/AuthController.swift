import Domain
import Fluent
import Vapor

enum AuthController {
    struct LoginBody: Content {
        let username: String
        let password: String
    }
    struct LoginResult: Content {
        let token: String
        let expiresAt: Date
        let user: UserDTO
    }

    @Sendable static func login(_ req: Request) async throws -> Response {
        let body = try req.content.decode(LoginBody.self)
        let user = try await Auth.verify(username: body.username, password: body.password, on: req)
        let (secret, token) = try await Auth.issue(for: user, kind: "api", on: req)
        let res = try await LoginResult(token: secret, expiresAt: token.expiresAt, user: UserDTO(user)).encodeResponse(for: req)
        res.cookies[Auth.deviceCookie] = Auth.deviceCookieValue(user, on: req)
        return res
    }

    @Sendable static func logout(_ req: Request) async throws -> HTTPStatus {
        _ = try req.requireUser()
        if let id = req.currentToken?.id {
            try await req.write { try await UserToken.query(on: $0).filter(\.$id == id).delete() }
        }
        return .noContent
    }

    @Sendable static func me(_ req: Request) async throws -> UserDTO { UserDTO(try req.requireUser()) }

    struct NewUser: Content {
        let username: String
        let password: String
        let role: String
        var unitCode: String?
        /// For a `supervisor` login: the register's entry it acts for (its unit is the entry's home unit).
        var supervisorId: UUID?
    }

    @Sendable static func createUser(_ req: Request) async throws -> Response {
        let actor = try req.requireMinistry()
        let user = try await createUser(try req.content.decode(NewUser.self), by: actor, on: req.store)
        return try await user.encodeResponse(status: .created, for: req)
    }

    /// Adds a user (ministry): a ministry user belongs to no unit, the others to one.
    static func createUser(_ sent: NewUser, by actor: User, on store: Store) async throws -> UserDTO {
        try actor.requireMinistry()
        var body = sent
        if body.unitCode?.isEmpty == true {
            body = NewUser(
                username: body.username, password: body.password, role: body.role, unitCode: nil, supervisorId: body.supervisorId)
        }
        // A supervisor's login belongs to the entry's home unit.
        if let sid = body.supervisorId, let entry = try await Supervisor.find(sid, on: store.db), body.unitCode == nil {
            body.unitCode = entry.$unit.id
        }
        var issues: [ValidationIssue] = []
        let name = body.username.trimmingCharacters(in: .whitespaces)
        if name.isEmpty || name.count > 64 || name.contains(where: { $0.isWhitespace }) {
            issues.append(
                .init(
                    field: "username", column: nil, code: "invalid", message: "User name: 1–64 characters, no spaces",
                    messageZh: "用户名须为1至64个字符，不含空格"))
        }
        if let issue = passwordIssue(body.password, field: "password") { issues.append(issue) }
        let role = User.Role(rawValue: body.role)
        if role == nil {
            issues.append(
                .init(
                    field: "role", column: nil, code: "invalid", message: "Role must be ministry, unit or supervisor",
                    messageZh: "角色须为 ministry、unit 或 supervisor"))
        }
        if let role, role != .ministry, body.unitCode == nil {
            issues.append(
                .init(
                    field: "unitCode", column: nil, code: "required", message: "A unit or supervisor user needs a unit",
                    messageZh: "单位用户和督导员必须指定所属单位"))
        }
        if role == .ministry, body.unitCode != nil {
            issues.append(
                .init(
                    field: "unitCode", column: nil, code: "not_allowed", message: "A ministry user belongs to no unit",
                    messageZh: "部级用户不属于任何单位"))
        }
        if let code = body.unitCode, try await UnitModel.find(code, on: store.db) == nil {
            issues.append(
                .init(
                    field: "unitCode", column: nil, code: "unknown_unit", message: "No unit with code \(code)",
                    messageZh: "没有代码为\(code)的单位"))
        }
        if let sid = body.supervisorId {
            if role != .supervisor {
                issues.append(
                    .init(
                        field: "supervisorId", column: nil, code: "not_allowed",
                        message: "Only a supervisor login has a supervisor entry",
                        messageZh: "只有督导员账号可以关联督导员"))
            } else if let entry = try await Supervisor.find(sid, on: store.db) {
                if body.unitCode != entry.$unit.id {
                    issues.append(
                        .init(
                            field: "unitCode", column: nil, code: "unit_mismatch",
                            message: "A supervisor's login belongs to their home unit",
                            messageZh: "督导员账号须属于其所属单位"))
                }
            } else {
                issues.append(
                    .init(
                        field: "supervisorId", column: nil, code: "unknown_supervisor", message: "No such supervisor",
                        messageZh: "没有该督导员"))
            }
        }
        if !issues.isEmpty { throw AppError.invalid(issues) }
        guard let role else { throw AppError.invalid(issues) }
        let hash = try await store.app.passwordPool.hash(body.password)
        let user = User(username: name, passwordHash: hash, role: role, unitCode: body.unitCode)
        user.supervisorID = body.supervisorId
        let supervisorId = body.supervisorId
        let hasLogin = AppError.conflict("supervisor_has_login", "This supervisor has a login already", "该督导员已有账号")
        do {
            try await store.write { db in
                if try await User.query(on: db).filter(\.$username == name).first() != nil {
                    throw AppError.conflict("duplicate", "User \(name) exists", "用户\(name)已存在")
                }
                if let sid = supervisorId, try await User.query(on: db).filter(\.$supervisorID == sid).first() != nil {
                    throw hasLogin
                }
                try await user.create(on: db)
            }
        } catch let e as any DatabaseError where e.isConstraintFailure {
            // The unique index on users.supervisor_id (or username) met a parallel request.
            throw supervisorId != nil ? hasLogin : AppError.conflict("duplicate", "User \(name) exists", "用户\(name)已存在")
        }
        return UserDTO(user)
    }

    static func passwordIssue(_ password: String, field: String) -> ValidationIssue? {
        guard password.count < 8 || password.count > 128 else { return nil }
        return .init(
            field: field, column: nil, code: "too_short", message: "Password: 8–128 characters",
            messageZh: "密码须为8至128个字符")
    }

    struct UserPatch: Content {
        let active: Bool?
        let password: String?
    }

    /// The ministry disables (or re-enables) a user, or sets a new password; either ends the
    /// user's sessions and tokens at once.
    @Sendable static func updateUser(_ req: Request) async throws -> UserDTO {
        let me = try req.requireMinistry()
        let name = req.parameters.get("username") ?? ""
        let body = try req.content.decode(UserPatch.self)
        if let p = body.password, let issue = passwordIssue(p, field: "password") { throw AppError.invalid([issue]) }
        if body.active == false && name == me.username {
            throw AppError.conflict("self", "You cannot disable yourself", "不能停用自己的账号")
        }
        var newHash: String?
        if let p = body.password { newHash = try await req.application.passwordPool.hash(p) }
        let hash = newHash
        return try await req.write { db in
            guard let user = try await User.query(on: db).filter(\.$username == name).first() else {
                throw AppError.notFound("No user \(name)", "没有用户\(name)")
            }
            if let active = body.active { user.active = active }
            if let hash { user.passwordHash = hash }
            try await user.save(on: db)
            try await Auth.revokeTokens(users: [try user.requireID()], on: db)
            return UserDTO(user)
        }
    }

    struct PasswordChange: Content {
        let currentPassword: String
        let newPassword: String
    }

    /// A user changes its own password; its other sessions and tokens end.
    @Sendable static func changePassword(_ req: Request) async throws -> HTTPStatus {
        let user = try req.requireUser()
        let body = try req.content.decode(PasswordChange.self)
        if let issue = passwordIssue(body.newPassword, field: "newPassword") { throw AppError.invalid([issue]) }
        let verified = try await Auth.verify(username: user.username, password: body.currentPassword, on: req)
        let hash = try await req.application.passwordPool.hash(body.newPassword)
        let id = try user.requireID()
        let keep = req.currentToken?.id
        let old = verified.passwordHash
        try await req.write { db in
            // Changed only if the password checked is still the password (a reset made meanwhile wins).
            try await db.lockForWrite("users", "id", id)
            guard let fresh = try await User.find(id, on: db), fresh.passwordHash == old else {
                throw AppError.conflict("password_changed", "The password was changed meanwhile", "密码已被修改，请重新登录后再试")
            }
            fresh.passwordHash = hash
            try await fresh.save(on: db)
            try await Auth.revokeTokens(users: [id], keeping: keep, on: db)
        }
        return .noContent
    }

    @Sendable static func listUsers(_ req: Request) async throws -> [UserDTO] {
        _ = try req.requireMinistry()
        return try await User.query(on: req.db).sort(\.$username).all().map(UserDTO.init)
    }
}
