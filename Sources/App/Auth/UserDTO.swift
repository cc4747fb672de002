import Vapor

struct UserDTO: Content {
    let username: String
    let role: String
    let unitCode: String?
    let active: Bool
    /// A supervisor login's entry in the supervisor register.
    let supervisorId: UUID?
    init(_ u: User) {
        username = u.username
        role = u.role.rawValue
        unitCode = u.unitCode
        active = u.active
        supervisorId = u.supervisorID
    }

    /// `unitCode` is always present, `null` for the ministry.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(username, forKey: .username)
        try c.encode(role, forKey: .role)
        try c.encode(unitCode, forKey: .unitCode)
        try c.encode(active, forKey: .active)
        try c.encodeIfPresent(supervisorId, forKey: .supervisorId)
    }
}
