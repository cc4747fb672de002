import Domain
import Fluent
import Vapor

/// The ministry's administration page: units (add industries, (de)activate) and users.
enum AdminPages {
    static func register(_ r: any RoutesBuilder) {
        r.get(.admin, use: index)
        r.post(.adminUnits, use: addUnit)
        r.post(.adminUnitActive(.key), use: toggleUnit)
        r.post(.adminUsers, use: addUser)
    }

    struct View: Encodable {
        let units: [UnitRow]
        let users: [UserRow]
        let message: String?
        let roles: [Names.Option]
    }
    struct UnitRow: Encodable {
        let code: String
        let name: String
        let kind: String
        let active: Bool
        let action: String
    }
    struct UserRow: Encodable {
        let username: String
        let role: String
        let unit: String
        let active: Bool
    }

    static func render(_ req: Request, message: String?, status: HTTPResponseStatus = .ok) async throws -> Response {
        _ = try req.requireMinistry()
        let names = Names(L10n.t(req))
        let units = try await UnitModel.query(on: req.db).sort(\.$sortKey).all()
        let unitName = Dictionary(uniqueKeysWithValues: units.map { ($0.id!, $0.name) })
        let users = try await User.query(on: req.db).sort(\.$username).all().map {
            UserRow(
                username: $0.username, role: names.role($0.role), unit: $0.unitCode.flatMap { unitName[$0] } ?? "",
                active: $0.active)
        }
        let view = View(
            units: units.map {
                UnitRow(
                    code: $0.id!, name: $0.name, kind: names.unitKind($0.kind), active: $0.active,
                    action: SiteURL.adminUnitActive(.value($0.id!)).path)
            },
            users: users, message: message,
            roles: User.Role.allCases.map { Names.Option(value: $0.rawValue, name: names.role($0)) })
        return try await Pages.render(req, "admin", title: L10n.t(req)[.admin], view, status: status, canonical: .admin)
    }

    @Sendable static func index(_ req: Request) async throws -> Response { try await render(req, message: nil) }

    /// Runs the API handler behind a form; a refusal shows the page again with its reason.
    static func form(_ req: Request, _ action: () async throws -> Void) async throws -> Response {
        _ = try req.requireMinistry()
        try req.requireCSRF()
        do {
            try await action()
            return req.redirect(to: SiteURL.admin.path)
        } catch let e as AppError where e.status.code < 500 {
            let lang = L10n.lang(req)
            let msg =
                e.details.isEmpty
                ? (lang == "en" ? e.message : e.messageZh)
                : e.details.map { lang == "en" ? $0.message : $0.messageZh }.joined(separator: "；")
            return try await render(req, message: msg, status: e.status)
        }
    }

    @Sendable static func addUnit(_ req: Request) async throws -> Response {
        try await form(req) {
            _ = try await UnitsController.create(
                try req.content.decode(UnitsController.NewUnit.self), by: try req.requireMinistry(),
                on: req.store)
        }
    }

    @Sendable static func toggleUnit(_ req: Request) async throws -> Response {
        try await form(req) {
            let code = req.parameters.get("code") ?? ""
            _ = try await req.write { db in
                let unit = try await Reports.unit(code, on: db)
                return try await UnitsController.setUnit(code, name: nil, active: !unit.active, on: db)
            }
        }
    }

    @Sendable static func addUser(_ req: Request) async throws -> Response {
        try await form(req) {
            _ = try await AuthController.createUser(
                try req.content.decode(AuthController.NewUser.self), by: try req.requireMinistry(),
                on: req.store)
        }
    }
}
