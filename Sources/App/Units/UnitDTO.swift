import Vapor

struct UnitDTO: Content {
    let code: String
    let name: String
    let kind: String
    let active: Bool
    init(_ u: UnitModel) { code = u.id!; name = u.name; kind = u.kind.rawValue; active = u.active }
}
