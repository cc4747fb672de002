/// An exact amount of money in fen (1/100 yuan); never a floating-point number.
public struct Money: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let fen: Int64

    public init(fen: Int64) { self.fen = fen }

    public static let zero = Money(fen: 0)
    /// The largest amount accepted: one trillion yuan.
    public static let maximum = Money(fen: 100_000_000_000_000)

    public enum ParseError: Error, Equatable, Sendable {
        case malformed, tooManyDecimals, negative, tooLarge
    }

    /// Parses a decimal in yuan, as the text of a JSON string or number: `1200.5`, `"1200.50"`.
    /// Exponents, thousands separators and more than two decimals are refused.
    public static func parse(_ text: String) -> Result<Money, ParseError> {
        var s = Substring(text)
        var negative = false
        if s.first == "-" {
            negative = true
            s = s.dropFirst()
        } else if s.first == "+" {
            s = s.dropFirst()
        }
        let parts = s.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit) else { return .failure(.malformed) }
        var frac = parts.count == 2 ? parts[1] : ""
        if parts.count == 2, frac.isEmpty { return .failure(.malformed) }
        guard frac.allSatisfy(\.isASCIIDigit) else { return .failure(.malformed) }
        // Trailing zeros beyond two decimals are harmless (a JSON number 1.500).
        while frac.count > 2, frac.last == "0" { frac = frac.dropLast() }
        if frac.count > 2 { return .failure(.tooManyDecimals) }
        let digits = whole.drop { $0 == "0" }
        if digits.count > 13 { return .failure(.tooLarge) }
        let yuan = Int64(digits.isEmpty ? "0" : String(digits))!
        let fenPart = Int64(frac.padding(toLength: 2, withPad: "0", startingAt: 0))!
        let total = yuan * 100 + fenPart
        if negative && total != 0 { return .failure(.negative) }
        let m = Money(fen: total)
        return m > maximum ? .failure(.tooLarge) : .success(m)
    }

    /// `"1200.50"`
    /// The amount in yuan as a spreadsheet number (exact to the fen below 2^53 fen).
    public var doubleValue: Double { Double(fen) / 100 }

    public var description: String {
        let sign = fen < 0 ? "-" : ""
        let a = fen.magnitude
        let f = a % 100
        return "\(sign)\(a / 100).\(f < 10 ? "0" : "")\(f)"
    }

    public static func < (a: Money, b: Money) -> Bool { a.fen < b.fen }
    public static func + (a: Money, b: Money) -> Money { Money(fen: a.fen + b.fen) }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard case .success(let m) = Money.parse(text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an amount in yuan")
        }
        self = m
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// A percentage with one decimal, held exactly as tenths of a percent.
public struct Ratio: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let tenths: Int64

    /// paid ÷ due × 100, rounded half up to one decimal; nil when nothing is due.
    public init?(paid: Money, due: Money) {
        guard due.fen > 0 else { return nil }
        // tenths = round(paid * 1000 / due)
        let num = paid.fen.multipliedFullWidth(by: 1000)
        let (q, r) = due.fen.dividingFullWidth(num)
        tenths = (r * 2 >= due.fen) ? q + 1 : q
    }

    public init(tenths: Int64) { self.tenths = tenths }

    public var description: String { "\(tenths / 10).\(tenths % 10)" }
    public var doubleValue: Double { Double(tenths) / 10 }
    public static func < (a: Ratio, b: Ratio) -> Bool { a.tenths < b.tenths }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) && isASCII }
}
