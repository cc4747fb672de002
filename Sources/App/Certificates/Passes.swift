import CertificateKit
import Domain
import Fluent
import Foundation
import SQLKit

/// What issuance needs beyond the blank: the occupation as the register knows it, a recorded
/// pass to issue against, and the next certificate numbers.
extension Issuance {
    /// The occupations register, to resolve a certificate's occupation given by code or by name.
    struct Occupations: Sendable {
        let names: [String: String]
        let codesByName: [String: [String]]

        static func load(on db: any Database) async throws -> Occupations {
            let all = try await Occupation.query(on: db).all()
            return Occupations(
                names: Dictionary(all.map { ($0.id ?? "", $0.name) }, uniquingKeysWith: { a, _ in a }),
                codesByName: Dictionary(grouping: all, by: \.name).mapValues { $0.compactMap(\.id).sorted() })
        }

        /// The register's code for a code or a name.
        func code(_ text: String) -> Result<String, Problem> {
            if names[text] != nil { return .success(text) }
            let codes = codesByName[text] ?? []
            if codes.count == 1 { return .success(codes[0]) }
            if codes.isEmpty {
                return .failure(
                    Problem(
                        field: "occupation", code: "unknown_occupation",
                        message: "\(text) is neither the code nor the name of a registered occupation",
                        messageZh: "“\(text)”不是已登记职业（工种）的代码或名称"))
            }
            return .failure(
                Problem(
                    field: "occupation", code: "ambiguous_occupation",
                    message: "Several occupations are named \(text): give the code (\(codes.joined(separator: ", ")))",
                    messageZh: "名为“\(text)”的职业有多个，请填写代码（\(codes.joined(separator: "、"))）"))
        }
    }

    /// Whether the result `r` holds a certificate in force (a revoked one frees its pass), as a
    /// column `certified` (1 or 0): the one test of "certified" for issuance and for results.
    static let certifiedColumn =
        "CASE WHEN EXISTS (SELECT 1 FROM certificates c WHERE c.result_id = r.id AND c.status = 'issued') THEN 1 ELSE 0 END AS certified"

    /// A recorded pass of one person, with its session's facts.
    struct Pass: Decodable, Sendable {
        /// The result's and the session's ids as text, as stored (decoding UUIDs cost more than the
        /// lookup itself in a million-row import).
        let id: String
        let session_id: String
        let id_number: String
        let name: String
        let occupation_code: String
        let level: String
        let date: String
        let certified: Int
    }

    /// The passes recorded in the unit's sessions for these people, earliest first, with whether
    /// a certificate was issued against each (one query for a batch of up to a few thousand).
    static func passes(of people: [String], unit: String, on sql: any SQLDatabase) async throws -> [String: [Pass]] {
        guard !people.isEmpty else { return [:] }
        // On SQLite one direct statement on the thread pool: through the driver the rows came back
        // one event-loop task each and through `Codable` (the import's largest cost). The people
        // go in as one JSON array: a host parameter compared in the WHERE clause would be checked
        // against the partial indexes' conditions, and SQLite then prepares the statement again
        // for every value bound (a fifth of the import's time when it was one statement a person).
        let wanted = Array(Set(people))
        let list = String(decoding: try JSONEncoder().encode(wanted), as: UTF8.self)
        let direct = try await SQLiteDirect.run(on: sql, offload: true) { c -> [String: [Pass]] in
            let st = try c.prepare(
                """
                SELECT r.id, r.session_id, r.id_number, r.name, s.occupation_code, s.level, s.date, \(certifiedColumn)
                FROM exam_results r JOIN exam_sessions s ON s.id = r.session_id
                WHERE r.id_number IN (SELECT value FROM json_each(?1)) AND r.passed = 1 AND s.unit_code = ?2
                """)
            try st.bind(list, unit)
            var found: [String: [Pass]] = [:]
            while try st.step() {
                let person = st.text(2) ?? ""
                found[person, default: []].append(
                    Pass(
                        id: st.text(0) ?? "", session_id: st.text(1) ?? "", id_number: person, name: st.text(3) ?? "",
                        occupation_code: st.text(4) ?? "", level: st.text(5) ?? "", date: st.text(6) ?? "",
                        certified: Int(st.int(7))))
            }
            return found
        }
        if let direct { return direct.mapValues(Self.earliestFirst) }
        // "Certified" as a join on the partial unique index (one issued certificate a result at
        // most): written as EXISTS in the select list, PostgreSQL ran it as one scan of every issued
        // certificate per batch, and the import grew quadratic (31 → 11 ms a batch at 60,000).
        var q = SQLQueryString(
            """
            SELECT CAST(r.id AS TEXT) AS id, CAST(r.session_id AS TEXT) AS session_id, r.id_number, r.name,
                   s.occupation_code, s.level, s.date,
                   CASE WHEN c.result_id IS NULL THEN 0 ELSE 1 END AS certified
            FROM exam_results r JOIN exam_sessions s ON s.id = r.session_id
            LEFT JOIN certificates c ON c.result_id = r.id AND c.status = 'issued'
            WHERE r.passed = \(unsafeRaw: Derivation.trueLiteral(sql)) AND s.unit_code = \(bind: unit) AND r.id_number IN (
            """)
        for (n, id) in Set(people).enumerated() {
            if n > 0 { q.appendInterpolation(unsafeRaw: ",") }
            q.appendInterpolation(bind: id)
        }
        q.appendInterpolation(unsafeRaw: ")")
        return Dictionary(grouping: try await sql.raw(q).all(decoding: Pass.self), by: \.id_number).mapValues(earliestFirst)
    }

    static func earliestFirst(_ passes: [Pass]) -> [Pass] {
        passes.count < 2 ? passes : passes.sorted { ($0.date, $0.id) < ($1.date, $1.id) }
    }

    /// The pass a certificate is issued against: the person's earliest pass in the same occupation
    /// and level, on or before the issue date, under the same name, not certified yet (nor
    /// claimed by an earlier line of the same file).
    static func claim(_ i: Input, from passes: [Pass], claimed: inout Set<String>) -> Result<Pass, Problem> {
        let fitting = passes.filter { $0.occupation_code == i.occupation && $0.level == i.level && $0.date <= i.issuedOn }
        guard !fitting.isEmpty else {
            return .failure(
                Problem(
                    field: "idNumber", code: "no_pass_record",
                    message:
                        "\(i.idNumber) has no recorded pass in this unit's sessions of \(i.occupation), level \(i.level), on or before \(i.issuedOn)",
                    messageZh: "\(i.idNumber)在本单位\(i.issuedOn)及以前的\(i.occupation)\(i.level)级考试中没有合格记录"))
        }
        let named = fitting.filter { $0.name == i.holderName }
        guard !named.isEmpty else {
            return .failure(
                Problem(
                    field: "holderName", code: "no_pass_record",
                    message: "The exam record of \(i.idNumber) is in another name (\(fitting[0].name))",
                    messageZh: "\(i.idNumber)的考试记录姓名为“\(fitting[0].name)”，与持证人姓名不符"))
        }
        guard let pass = named.first(where: { $0.certified == 0 && !claimed.contains($0.id) }) else {
            return .failure(
                Problem(
                    field: "idNumber", code: "already_certified",
                    message: "\(i.idNumber) has a certificate already for each pass in \(i.occupation), level \(i.level)",
                    messageZh: "\(i.idNumber)的\(i.occupation)\(i.level)级合格记录均已发证"))
        }
        claimed.insert(pass.id)
        return .success(pass)
    }

    /// Reserves `count` certificate numbers of a unit, year and level; returns the first
    /// sequence. Inside the write, under the unit's lock, so sequences never repeat (and the
    /// unique index on the number would refuse it if they did).
    static func reserveSequences(
        unit: String, year: Int, level: String, count: Int, on sql: any SQLDatabase
    ) async throws -> Int {
        struct Last: Decodable { let last_sequence: Int }
        let last = try await sql.select().column("last_sequence").from("certificate_sequences")
            .where("unit_code", .equal, unit).where("year", .equal, year).where("level", .equal, level)
            .first(decoding: Last.self)?.last_sequence
        let first = (last ?? 0) + 1
        guard first + count - 1 <= CertificateNumber.maxSequence else {
            throw AppError.conflict(
                "sequence_exhausted", "The certificate numbers of \(year), level \(level) are used up for this unit",
                "本单位\(year)年\(level)级证书编号已用完")
        }
        if last == nil {
            try await sql.insert(into: "certificate_sequences").columns("unit_code", "year", "level", "last_sequence")
                .values(SQLBind(unit), SQLBind(year), SQLBind(level), SQLBind(count)).run()
        } else {
            try await sql.update("certificate_sequences").set("last_sequence", to: first + count - 1)
                .where("unit_code", .equal, unit).where("year", .equal, year).where("level", .equal, level).run()
        }
        return first
    }

    /// A certificate ready to insert: the checked line, its number and its pass.
    struct Issued: Sendable {
        let input: Input
        let number: String
        let pass: Pass
    }

    /// Lines that passed every other check, matched to passes and numbered; the refused ones come
    /// back with their problem (`no_pass_record`, `already_certified`).
    static func matchPasses(
        _ lines: [(line: Int, input: Input)], unit: String, claimed: inout Set<String>, on sql: any SQLDatabase
    ) async throws -> (issued: [Issued], refused: [(line: Int, input: Input, problem: Problem)]) {
        let passes = try await passes(of: lines.map(\.input.idNumber), unit: unit, on: sql)
        var matched: [(Input, Pass)] = []
        var refused: [(line: Int, input: Input, problem: Problem)] = []
        for (line, i) in lines {
            switch claim(i, from: passes[i.idNumber] ?? [], claimed: &claimed) {
            case .success(let p): matched.append((i, p))
            case .failure(let p): refused.append((line, i, p))
            }
        }
        // Numbers in line order within each year and level.
        var next: [String: Int] = [:]
        for (key, group) in Dictionary(grouping: matched, by: { "\($0.0.issuedOn.prefix(4))|\($0.0.level)" }) {
            let year = Int(group[0].0.issuedOn.prefix(4)) ?? 0
            next[key] = try await reserveSequences(unit: unit, year: year, level: group[0].0.level, count: group.count, on: sql)
        }
        var issued: [Issued] = []
        issued.reserveCapacity(matched.count)
        for (i, p) in matched {
            let key = "\(i.issuedOn.prefix(4))|\(i.level)"
            let seq = next[key, default: 1]
            next[key] = seq + 1
            guard
                let number = CertificateNumber.make(
                    year: Int(i.issuedOn.prefix(4)) ?? 0, unitCode: unit, level: i.level, sequence: seq)
            else {
                throw AppError.malformed("No certificate number can be made for unit \(unit)", "无法为单位\(unit)生成证书编号")
            }
            issued.append(Issued(input: i, number: number, pass: p))
        }
        return (issued, refused)
    }

    static func recordRefusals(
        _ items: [(serial: String, idNumber: String, code: String)], unit: String, source: String, actor: String,
        now: Date, on db: any Database
    ) async throws {
        for start in stride(from: 0, to: items.count, by: 500) {
            try await items[start..<min(start + 500, items.count)].map {
                IssuanceRefusal(
                    unitCode: unit, serial: $0.serial, idNumber: $0.idNumber, code: $0.code, source: source, actor: actor,
                    at: now)
            }.create(on: db)
        }
    }
}
