import Foundation

/// The 18-digit resident identity number of GB 11643-1999: a 6-digit area code, the birth date
/// (YYYYMMDD), a 3-digit sequence and an ISO 7064 MOD 11-2 check character (0–9 or X).
public enum IDNumber {
    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checkChars: [Character] = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]

    public enum Problem: String, Sendable { case length, characters, birthDate, checkDigit }

    /// The check character the first 17 digits call for.
    public static func checkCharacter(for first17: String) -> Character? {
        let digits = first17.compactMap { $0.wholeNumberValue }
        guard digits.count == 17, first17.allSatisfy(\.isASCII) else { return nil }
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return checkChars[sum % 11]
    }

    /// Nil when valid; otherwise what is wrong. A lower-case x is accepted as X.
    /// Works on the UTF-8 bytes without allocating: bulk imports check a million of these.
    public static func problem(_ raw: String) -> Problem? {
        var bytes = raw
        let found: Problem?? = bytes.withUTF8 { b -> Problem?? in
            if b.count != 18 { return .none }  // decided below, from the character count
            var sum = 0
            for i in 0..<17 {
                let c = b[i]
                guard c >= 48 && c <= 57 else { return .some(.characters) }
                sum += Int(c - 48) * weights[i]
            }
            let last = b[17]
            guard (last >= 48 && last <= 57) || last == UInt8(ascii: "X") || last == UInt8(ascii: "x") else {
                return .some(.characters)
            }
            func digit(_ i: Int) -> Int { Int(b[i] - 48) }
            let y = digit(6) * 1000 + digit(7) * 100 + digit(8) * 10 + digit(9)
            let m = digit(10) * 10 + digit(11)
            let d = digit(12) * 10 + digit(13)
            guard (1900...2100).contains(y), isDate(y, m, d) else { return .some(.birthDate) }
            let expected = checkBytes[sum % 11]
            let got = last == UInt8(ascii: "x") ? UInt8(ascii: "X") : last
            return .some(expected == got ? nil : .checkDigit)
        }
        if let found { return found }
        return raw.count == 18 ? .characters : .length
    }

    static let checkBytes: [UInt8] = checkChars.map { $0.asciiValue! }

    public static func normalised(_ raw: String) -> String { raw.uppercased() }

    public static func isDate(_ y: Int, _ m: Int, _ d: Int) -> Bool {
        guard (1...12).contains(m), d >= 1 else { return false }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return d <= days[m - 1]
    }
}

/// Masks personal data for public answers: `张*`, `110***********1234`.
public enum Masking {
    public static func name(_ name: String) -> String {
        guard let first = name.first else { return "" }
        return String(first) + String(repeating: "*", count: max(1, name.count - 1))
    }

    public static func idNumber(_ id: String) -> String {
        guard id.count > 7 else { return String(repeating: "*", count: id.count) }
        return String(id.prefix(3)) + String(repeating: "*", count: id.count - 7) + String(id.suffix(4))
    }
}
