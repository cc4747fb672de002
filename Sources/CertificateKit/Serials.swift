/// Certificate serial numbers: digit strings of a fixed width, allocated in ranges that never overlap.
public enum Serials {
    public static let width = 12
    /// The largest serial of `width` digits.
    public static let maxSerial: Int64 = 999_999_999_999

    public static func format(_ n: Int64) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    /// The number of a well-formed serial (exactly `width` digits), else nil.
    public static func parse(_ s: String) -> Int64? {
        var s = s
        return s.withUTF8 { b -> Int64? in
            guard b.count == width else { return nil }
            var n: Int64 = 0
            for c in b {
                guard c >= 48 && c <= 57 else { return nil }
                n = n * 10 + Int64(c - 48)
            }
            return n
        }
    }
}

/// The five certificate levels: "5" 五级/初级工 (lowest) … "1" 一级/高级技师 (highest).
public enum Level: String, Sendable, CaseIterable, Codable {
    case five = "5"
    case four = "4"
    case three = "3"
    case two = "2"
    case one = "1"

    public var nameZh: String {
        switch self {
        case .five: "五级/初级工"
        case .four: "四级/中级工"
        case .three: "三级/高级工"
        case .two: "二级/技师"
        case .one: "一级/高级技师"
        }
    }

    public var nameEn: String {
        switch self {
        case .five: "Level 5 / junior worker"
        case .four: "Level 4 / intermediate worker"
        case .three: "Level 3 / senior worker"
        case .two: "Level 2 / technician"
        case .one: "Level 1 / senior technician"
        }
    }
}
