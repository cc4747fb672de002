import Vapor

struct UserDTO: Content {
    let username: String
    let role: String
    let unitCode: String?
    let active: Bool
    init(_ u: User) {
        username = u.username
        role = u.role.rawValue
        unitCode = u.unitCode
        active = u.active
    }

    /// `unitCode` is always present, `null` for the ministry.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(username, forKey: .username)
        try c.encode(role, forKey: .role)
        try c.encode(unitCode, forKey: .unitCode)
        try c.encode(active, forKey: .active)
    }
}
