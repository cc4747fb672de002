import Fluent
import Foundation

/// A reporting unit: one of the 32 regions or an industry the ministry adds.
final class UnitModel: Model, @unchecked Sendable {
    static let schema = "units"

    enum Kind: String, Codable, Sendable { case region, industry }

    @ID(custom: "code", generatedBy: .user) var id: String?
    @Field(key: "name") var name: String
    @Enum(key: "kind") var kind: Kind
    @Field(key: "active") var active: Bool
    @Field(key: "sort_key") var sortKey: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(code: String, name: String, kind: Kind, active: Bool = true) {
        self.id = code
        self.name = name
        self.kind = kind
        self.active = active
        // Regions by code, then industries by code.
        self.sortKey = (kind == .region ? "1-" : "2-") + code
    }
}
