import CertificateKit
import Foundation
import SQLKit

/// Certificate numbers given out in order when many certificates are numbered at once (the
/// migration's existing certificates, the demo data): the next sequence per unit, year and
/// level, and afterwards the last of each written to `certificate_sequences`, where issuance
/// (`Issuance.reserveSequences`) goes on from.
struct CertificateNumbering {
    struct Key: Hashable {
        let unit: String
        let year: Int
        let level: String
    }

    private(set) var last: [Key: Int] = [:]

    /// The next number for a certificate of `unit` issued on `issuedOn` at `level`; nil (and no
    /// sequence used) when those cannot make one.
    mutating func next(unit: String, issuedOn: String?, level: String?) -> String? {
        guard let level, let year = issuedOn.flatMap({ Int($0.prefix(4)) }) else { return nil }
        let key = Key(unit: unit, year: year, level: level)
        let n = last[key, default: 0] + 1
        guard let number = CertificateNumber.make(year: year, unitCode: unit, level: level, sequence: n) else { return nil }
        last[key] = n
        return number
    }

    /// Records the last sequence of each unit, year and level (none recorded before).
    func save(on sql: any SQLDatabase) async throws {
        for (key, n) in last {
            try await sql.insert(into: "certificate_sequences").columns("unit_code", "year", "level", "last_sequence")
                .values(SQLBind(key.unit), SQLBind(key.year), SQLBind(key.level), SQLBind(n)).run()
        }
    }
}
