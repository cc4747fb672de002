import Fluent
import Vapor

struct UnitDTO: Content {
    let code: String
    let name: String
    let kind: String
    let active: Bool
    init(_ u: UnitModel) {
        code = u.id!
        name = u.name
        kind = u.kind.rawValue
        active = u.active
    }
}

/// Unit names by code, for pages that show a unit by its name.
enum UnitNames {
    static func all(on db: any Database) async throws -> [String: String] {
        Dictionary(uniqueKeysWithValues: try await UnitModel.query(on: db).all().map { ($0.id!, $0.name) })
    }
}
