/// The certificate number (证书编号), apart from the blank's print serial: assigned at issuance
/// and printed on the certificate.
///
/// The year of issue (4 digits), the issuing unit's code as registered (2–12 letters or digits:
/// `110000` for a region, `I01` for an industry), the level (1 digit, "5" … "1"), a sequence
/// within that year, unit and level (7 digits, from 0000001), and a check character over all
/// that: ISO/IEC 7064 MOD 37,36 (a digit or a capital letter), which catches every single wrong
/// character and nearly every swap of two neighbours. A region's first level-5 certificate of
/// 2026 is `2026110000500000010` (the last `0` is the check character). Numbers are 15–25 characters;
/// the 12-digit print serials never look like one.
public enum CertificateNumber {
    public static let maxSequence = 9_999_999
    public static let lengths = 15...25
    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)

    /// The number for a certificate; nil when a part is out of range.
    public static func make(year: Int, unitCode: String, level: String, sequence: Int) -> String? {
        let unit = Array(unitCode.uppercased().utf8)
        guard (1000...9999).contains(year), (2...12).contains(unit.count), unit.allSatisfy({ value($0) != nil }),
            let l = level.utf8.first, level.utf8.count == 1, (49...53).contains(l),
            (1...maxSequence).contains(sequence)
        else { return nil }
        let seq = String(sequence)
        let body =
            Array((String(year) + String(decoding: unit, as: UTF8.self) + level).utf8)
            + Array((String(repeating: "0", count: 7 - seq.count) + seq).utf8)
        guard let c = check(body) else { return nil }
        return String(decoding: body + [c], as: UTF8.self)
    }

    /// The value of a digit or capital letter (0…35).
    static func value(_ b: UInt8) -> Int? {
        switch b {
        case 48...57: Int(b - 48)
        case 65...90: Int(b - 55)
        default: nil
        }
    }

    /// ISO/IEC 7064 MOD 37,36: the character that makes the whole string check out.
    static func check(_ body: [UInt8]) -> UInt8? {
        var p = 36
        for b in body {
            guard let v = value(b) else { return nil }
            var s = (p + v) % 36
            if s == 0 { s = 36 }
            p = (s * 2) % 37
        }
        return alphabet[(37 - p) % 36]
    }

    /// Well formed: year, unit, level digit and sequence in place, and the right check character.
    /// Lower-case letters are read as capitals.
    public static func isWellFormed(_ raw: String) -> Bool { parts(raw) != nil }

    public static func normalised(_ s: String) -> String { s.uppercased() }

    /// The parts of a well-formed number.
    public static func parts(_ raw: String) -> (year: Int, unitCode: String, level: String, sequence: Int)? {
        let b = Array(raw.uppercased().utf8)
        guard lengths.contains(b.count), b[..<4].allSatisfy({ (48...57).contains($0) }),
            b[(b.count - 8)..<(b.count - 1)].allSatisfy({ (48...57).contains($0) }), (49...53).contains(b[b.count - 9]),
            check(Array(b[..<(b.count - 1)])) == b[b.count - 1],
            let year = Int(String(decoding: b[..<4], as: UTF8.self)),
            let sequence = Int(String(decoding: b[(b.count - 8)..<(b.count - 1)], as: UTF8.self)), sequence >= 1
        else { return nil }
        let unit = String(decoding: b[4..<(b.count - 9)], as: UTF8.self)
        return (year, unit, String(UnicodeScalar(b[b.count - 9])), sequence)
    }
}
