import Domain
import Fluent
import Vapor

enum AuthController {
    struct LoginBody: Content { let username: String; let password: String }
    struct LoginResult: Content { let token: String; let expiresAt: Date; let user: UserDTO }

    @Sendable static func login(_ req: Request) async throws -> LoginResult {
        let body = try req.content.decode(LoginBody.self)
        let user = try await Auth.verify(username: body.username, password: body.password, on: req)
        let (secret, token) = try await Auth.issue(for: user, kind: "api", on: req)
        return LoginResult(token: secret, expiresAt: token.expiresAt, user: UserDTO(user))
    }

    @Sendable static func logout(_ req: Request) async throws -> HTTPStatus {
        _ = try req.requireUser()
        try await req.currentToken?.delete(on: req.db)
        return .noContent
    }

    @Sendable static func me(_ req: Request) async throws -> UserDTO { UserDTO(try req.requireUser()) }

    struct NewUser: Content { let username: String; let password: String; let role: String; let unitCode: String? }

    @Sendable static func createUser(_ req: Request) async throws -> Response {
        _ = try req.requireMinistry()
        var body = try req.content.decode(NewUser.self)
        if body.unitCode?.isEmpty == true { body = NewUser(username: body.username, password: body.password, role: body.role, unitCode: nil) }
        var issues: [ValidationIssue] = []
        let name = body.username.trimmingCharacters(in: .whitespaces)
        if name.isEmpty || name.count > 64 || name.contains(where: { $0.isWhitespace }) {
            issues.append(.init(field: "username", column: nil, code: "invalid", message: "User name: 1–64 characters, no spaces",
                                messageZh: "用户名须为1至64个字符，不含空格"))
        }
        if body.password.count < 8 || body.password.count > 128 {
            issues.append(.init(field: "password", column: nil, code: "too_short", message: "Password: 8–128 characters",
                                messageZh: "密码须为8至128个字符"))
        }
        let role = User.Role(rawValue: body.role)
        if role == nil {
            issues.append(.init(field: "role", column: nil, code: "invalid", message: "Role must be ministry, unit or supervisor",
                                messageZh: "角色须为 ministry、unit 或 supervisor"))
        }
        if let role, role != .ministry, body.unitCode == nil {
            issues.append(.init(field: "unitCode", column: nil, code: "required", message: "A unit or supervisor user needs a unit",
                                messageZh: "单位用户和督导员必须指定所属单位"))
        }
        if role == .ministry, body.unitCode != nil {
            issues.append(.init(field: "unitCode", column: nil, code: "not_allowed", message: "A ministry user belongs to no unit",
                                messageZh: "部级用户不属于任何单位"))
        }
        if let code = body.unitCode, try await UnitModel.find(code, on: req.db) == nil {
            issues.append(.init(field: "unitCode", column: nil, code: "unknown_unit", message: "No unit with code \(code)",
                                messageZh: "没有代码为\(code)的单位"))
        }
        if !issues.isEmpty { throw AppError.invalid(issues) }
        if try await User.query(on: req.db).filter(\.$username == name).first() != nil {
            throw AppError.conflict("duplicate", "User \(name) exists", "用户\(name)已存在")
        }
        let hash = try await req.password.async.hash(body.password)
        let user = User(username: name, passwordHash: hash, role: role!, unitCode: body.unitCode)
        try await user.create(on: req.db)
        return try await UserDTO(user).encodeResponse(status: .created, for: req)
    }

    @Sendable static func listUsers(_ req: Request) async throws -> [UserDTO] {
        _ = try req.requireMinistry()
        return try await User.query(on: req.db).sort(\.$username).all().map(UserDTO.init)
    }
}
