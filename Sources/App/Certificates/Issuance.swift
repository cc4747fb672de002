import CertificateKit
import Domain
import Fluent
import Foundation
import SQLKit
import Vapor

/// Issuing certificates from a unit's own stock: one at a time, or a CSV file of them.
enum Issuance {
    static let csvHeader = ["serial", "holderName", "idNumber", "occupation", "level", "issuedOn"]

    struct Input: Sendable, Equatable {
        var serial: String, holderName: String, idNumber: String, occupation: String, level: String, issuedOn: String
    }

    struct Problem: Error, Sendable {
        let field: String
        let code: String
        let message: String
        let messageZh: String
        /// The serial belongs to another unit or to none: recorded as a breach.
        var breachOwner: String?? = nil
        var status: HTTPResponseStatus = .unprocessableEntity
    }

    /// Checks one certificate against the rules that need no database: formats, the resident ID
    /// check digit, the level, the date, and that the serial lies in the unit's own ranges with
    /// the level of its blank.
    static func check(_ i: Input, unit: String, ranges: [Certificates.Range], today: String) -> Problem? {
        guard let n = Serials.parse(i.serial) else {
            return Problem(
                field: "serial", code: "malformed_serial", message: "A serial is \(Serials.width) digits",
                messageZh: "证书编号须为\(Serials.width)位数字")
        }
        if !isText(i.holderName, max: 50) {
            return Problem(
                field: "holderName", code: "invalid_name", message: "The holder's name: 1–50 characters",
                messageZh: "持证人姓名须为1至50个字符")
        }
        if let p = IDNumber.problem(i.idNumber) {
            let why = RegisterRules.explain(p)
            return Problem(field: "idNumber", code: "invalid_id_number", message: why.en, messageZh: why.zh)
        }
        if !isText(i.occupation, max: 100) {
            return Problem(
                field: "occupation", code: "invalid_occupation", message: "The occupation: 1–100 characters",
                messageZh: "职业（工种）须为1至100个字符")
        }
        guard Level(rawValue: i.level) != nil else {
            return Problem(
                field: "level", code: "unknown_level", message: "Level must be \"5\" … \"1\"",
                messageZh: "等级须为\"5\"至\"1\"")
        }
        guard RegisterRules.isDay(i.issuedOn) else {
            return Problem(
                field: "issuedOn", code: "invalid_date", message: "The issue date is written YYYY-MM-DD",
                messageZh: "发证日期格式应为 YYYY-MM-DD")
        }
        if i.issuedOn > today {
            return Problem(
                field: "issuedOn", code: "future_date", message: "The issue date is in the future",
                messageZh: "发证日期不能晚于今天")
        }
        guard let r = Certificates.owner(of: n, in: ranges), r.unitCode == unit else {
            let owner = Certificates.owner(of: n, in: ranges)?.unitCode
            return Problem(
                field: "serial", code: "serial_not_allocated_to_unit",
                message: "Serial \(i.serial) is not in the stock allocated to this unit; the attempt is recorded",
                messageZh: "证书编号\(i.serial)不在本单位领用的证书范围内，此次操作已记录", breachOwner: .some(owner))
        }
        if r.level != i.level {
            return Problem(
                field: "level", code: "level_mismatch",
                message: "Serial \(i.serial) is a level \(r.level) blank, not level \(i.level)",
                messageZh: "证书编号\(i.serial)为\(r.level)级证书空白，不能发放\(i.level)级证书")
        }
        return nil
    }

    /// 1…max characters, none of them a control character or a backslash (names are written into
    /// SQL literals by the bulk import, quoted by doubled quotes; no backslash ever reaches them).
    static func isText(_ s: String, max: Int) -> Bool {
        var n = 0
        for u in s.unicodeScalars {
            if u.value < 32 || (0x7F...0x9F).contains(u.value) || u == "\\" { return false }
            n += 1
            if n > max * 2 { return false }
        }
        return n > 0 && (n <= max || s.count <= max)
    }

    static func normalised(_ i: Input) -> Input {
        // Trim only when the text starts or ends with a space, a tab or an ideographic space (E3 80 80).
        func trim(_ s: String) -> String {
            guard let f = s.utf8.first, let l = s.utf8.last,
                f == 32 || f == 9 || f == 0xE3 || l == 32 || l == 9 || l == 0x80
            else { return s }
            return s.trimmingCharacters(in: .whitespaces)
        }
        let id = i.idNumber.utf8.last == UInt8(ascii: "x") ? i.idNumber.uppercased() : i.idNumber
        return Input(
            serial: i.serial, holderName: trim(i.holderName), idNumber: id, occupation: trim(i.occupation),
            level: i.level, issuedOn: i.issuedOn)
    }

    /// The problem with a serial already in the register, or nil when it holds this very certificate.
    static func conflict(_ existing: Row, _ i: Input) -> Problem? {
        if existing.state == .voided {
            return Problem(
                field: "serial", code: "serial_voided", message: "Serial \(i.serial) was voided as a spoiled blank",
                messageZh: "证书编号\(i.serial)已作废", status: .conflict)
        }
        if existing.asInput == i { return nil }
        return Problem(
            field: "serial", code: "serial_already_issued", message: "Serial \(i.serial) has been issued before",
            messageZh: "证书编号\(i.serial)已发放", status: .conflict)
    }

    /// A row of the register as SQL reads it, for the hot paths (import and public verification).
    struct Row: Decodable {
        static let columns = [
            "serial", "unit_code", "status", "holder_name", "id_number", "occupation", "level",
            "issued_on", "reason", "certificate_number",
        ]
        let serial: String
        let unit_code: String
        let status: String
        let holder_name: String?
        let id_number: String?
        let occupation: String?
        let level: String?
        let issued_on: String?
        let reason: String?
        let certificate_number: String?

        var state: Certificate.Status { Certificate.Status(rawValue: status) ?? .voided }

        /// The row a direct statement selected, its columns in the order of `columns`.
        init(_ st: SQLiteDirect.Statement) {
            serial = st.text(0) ?? ""
            unit_code = st.text(1) ?? ""
            status = st.text(2) ?? ""
            holder_name = st.text(3)
            id_number = st.text(4)
            occupation = st.text(5)
            level = st.text(6)
            issued_on = st.text(7)
            reason = st.text(8)
            certificate_number = st.text(9)
        }

        var asInput: Input {
            Input(
                serial: serial, holderName: holder_name ?? "", idNumber: id_number ?? "", occupation: occupation ?? "",
                level: level ?? "", issuedOn: issued_on ?? "")
        }
    }

    /// The registered rows among `serials`: one range scan when the serials are dense (a file of
    /// consecutive serials), otherwise a lookup by list.
    static func existing(in serials: [String], on sql: any SQLDatabase) async throws -> [String: Row] {
        guard let lo = serials.min(), let hi = serials.max() else { return [:] }
        if let a = Serials.parse(lo), let b = Serials.parse(hi), b - a < Int64(serials.count) * 4 {
            let wanted = Set(serials)
            let rows = try await sql.select()
                .columns(Row.columns)
                .from("certificates").where("serial", .greaterThanOrEqual, lo).where("serial", .lessThanOrEqual, hi)
                .all(decoding: Row.self)
            return Dictionary(rows.filter { wanted.contains($0.serial) }.map { ($0.serial, $0) }, uniquingKeysWith: { a, _ in a })
        }
        return try await existing(serials, on: sql)
    }

    static func existing(_ serials: [String], on sql: any SQLDatabase) async throws -> [String: Row] {
        guard !serials.isEmpty else { return [:] }
        let rows = try await sql.select()
            .columns(Row.columns)
            .from("certificates").where("serial", .in, serials).all(decoding: Row.self)
        return Dictionary(rows.map { ($0.serial, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// One statement inserting many rows, written as literals: binding ten values a row cost
    /// more than everything else in a million-row import. Every value was validated first
    /// (digits, dates, levels); the free texts are quoted by doubling single quotes, and control
    /// characters are refused by `check`.
    static func insertStatement(_ rows: [Issued], unit: String, now: Date, dialect: String) -> SQLQueryString {
        var buf = [UInt8]()
        buf.reserveCapacity(rows.count * 240)
        func raw(_ s: String) { buf.append(contentsOf: s.utf8) }
        func quoted(_ s: String) {
            buf.append(39)
            for b in s.utf8 {
                if b == 39 { buf.append(39) }
                buf.append(b)
            }
            buf.append(39)
        }
        let epoch = String(format: "%.6f", now.timeIntervalSince1970)
        let time = dialect == "sqlite" ? epoch : "to_timestamp(\(epoch))"
        raw("INSERT INTO certificates (serial, unit_code, status, holder_name, id_number, occupation, level, issued_on, ")
        raw("certificate_number, session_id, result_id, created_at, updated_at) VALUES ")
        for (n, row) in rows.enumerated() {
            let r = row.input
            raw(n == 0 ? "(" : ",(")
            quoted(r.serial)
            buf.append(44)
            quoted(unit)
            raw(",'issued',")
            quoted(r.holderName)
            buf.append(44)
            quoted(r.idNumber)
            buf.append(44)
            quoted(r.occupation)
            buf.append(44)
            quoted(r.level)
            buf.append(44)
            quoted(r.issuedOn)
            buf.append(44)
            quoted(row.number)
            buf.append(44)
            // UUIDs as Fluent stores them: text on SQLite, a literal cast by the column on PostgreSQL.
            quoted(row.pass.session_id)
            buf.append(44)
            quoted(row.pass.id)
            buf.append(44)
            raw(time)
            buf.append(44)
            raw(time)
            buf.append(41)
        }
        return SQLQueryString(stringLiteral: String(decoding: buf, as: UTF8.self))
    }

    /// Inserts issued certificates. On SQLite, prepared statements of `directRows` rows each,
    /// stepped on the thread pool: no SQL text to build and parse per batch, and few enough
    /// statements that the statement journal (each statement's first change of every page is
    /// copied there first, since an insert into a table with unique indexes and foreign keys may
    /// abort) stays small — one statement per row copied 24 kB a row and took 15 s for 300,000.
    /// Elsewhere one statement of literals per batch.
    static func insert(_ rows: [Issued], unit: String, now: Date, on sql: any SQLDatabase) async throws {
        guard !rows.isEmpty else { return }
        let epoch = now.timeIntervalSince1970
        let direct = try await SQLiteDirect.run(on: sql, offload: true) { c in
            let columns = 12
            func statement(_ n: Int) throws -> SQLiteDirect.Statement {
                let values = Array(repeating: "(?, ?, 'issued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: n).joined(separator: ", ")
                return try c.prepare(
                    """
                    INSERT INTO certificates (serial, unit_code, status, holder_name, id_number, occupation, level, issued_on,
                    certificate_number, session_id, result_id, created_at, updated_at) VALUES \(values)
                    """)
            }
            var full: SQLiteDirect.Statement?
            for start in stride(from: 0, to: rows.count, by: directRows) {
                let chunk = rows[start..<min(start + directRows, rows.count)]
                let st: SQLiteDirect.Statement
                if chunk.count == directRows {
                    if full == nil { full = try statement(directRows) }
                    st = full!
                } else {
                    st = try statement(chunk.count)
                }
                st.reset()
                for (k, row) in chunk.enumerated() {
                    let r = row.input
                    let base = Int32(k * columns)
                    for (i, text) in [
                        r.serial, unit, r.holderName, r.idNumber, r.occupation, r.level, r.issuedOn, row.number,
                        row.pass.session_id, row.pass.id,
                    ].enumerated() {
                        try st.bind(base + Int32(i) + 1, text)
                    }
                    try st.bind(base + 11, epoch)
                    try st.bind(base + 12, epoch)
                }
                try st.run()
            }
        }
        if direct != nil { return }
        try await sql.raw(insertStatement(rows, unit: unit, now: now, dialect: sql.dialect.name)).run()
    }

    static func recordBreaches(
        _ items: [(serial: String, owner: String?)], unit: String, source: String, actor: String,
        now: Date, on db: any Database
    ) async throws {
        for chunk in stride(from: 0, to: items.count, by: 500).map({ Array(items[$0..<min($0 + 500, items.count)]) }) {
            try await chunk.map {
                SerialBreach(
                    unitCode: unit, serial: $0.serial, ownerCode: $0.owner, source: source,
                    actor: actor, at: now)
            }.create(on: db)
        }
    }

    /// Issues one certificate against a recorded pass. A serial outside the unit's stock, and an
    /// issuance without a pass, are refused and recorded.
    static func issueOne(_ raw: Input, unit: String, by actor: User, on store: Store, now: Date) async throws -> Certificate {
        var i = normalised(raw)
        let ranges = try await Certificates.ranges(on: store.db)
        func refuse(_ p: Problem) -> AppError {
            AppError.invalid([
                ValidationIssue(field: p.field, column: nil, code: p.code, message: p.message, messageZh: p.messageZh)
            ])
            .with(code: p.code)
        }
        if let p = check(i, unit: unit, ranges: ranges, today: Period.dayString(now)) {
            if let owner = p.breachOwner {
                let serial = i.serial
                try await store.write {
                    try await recordBreaches(
                        [(serial, owner)], unit: unit, source: "single", actor: actor.username, now: now, on: $0)
                }
            }
            throw refuse(p)
        }
        switch try await Occupations.load(on: store.db).code(i.occupation) {
        case .success(let code): i.occupation = code
        case .failure(let p): throw refuse(p)
        }
        let input = i
        let outcome = try await store.write { db -> Result<Certificate, Problem> in
            guard let sql = db as? any SQLDatabase else { throw AppError.malformed("SQL database required", "需要SQL数据库") }
            try await Reports.lockUnit(unit, active: true, on: db)
            if let e = try await existing([input.serial], on: sql)[input.serial] {
                let p =
                    conflict(e, input)
                    ?? Problem(
                        field: "serial", code: "serial_already_issued",
                        message: "Serial \(input.serial) has been issued before",
                        messageZh: "证书编号\(input.serial)已发放", status: .conflict)
                throw AppError(status: .conflict, code: p.code, message: p.message, messageZh: p.messageZh)
            }
            var claimed = Set<String>()
            let (issued, refused) = try await matchPasses([(1, input)], unit: unit, claimed: &claimed, on: sql)
            if let r = refused.first {
                // Kept although the certificate is refused: the ministry counts these.
                try await recordRefusals(
                    [(input.serial, input.idNumber, r.problem.code)], unit: unit, source: "single", actor: actor.username,
                    now: now, on: db)
                return .failure(r.problem)
            }
            try await insert(issued, unit: unit, now: now, on: sql)
            try await CertificateEvent(
                serial: input.serial, unitCode: unit, action: "issue", reason: nil, actor: actor.username, at: now
            ).create(on: db)
            guard let c = try await Certificate.find(input.serial, on: db) else {
                throw AppError.notFound("The certificate vanished", "证书不存在")
            }
            return .success(c)
        }
        switch outcome {
        case .success(let c): return c
        case .failure(let p): throw refuse(p)
        }
    }

    struct ImportResult: Content {
        struct LineError: Content {
            let line: Int
            let code: String
            let message: String
            let messageZh: String
        }
        var imported = 0
        var unchanged = 0
        var errors: [LineError] = []
    }

    /// Bad lines listed in an answer; past this many, one more entry says how many were left out.
    static let maxListedErrors = 1000
    /// Breaches recorded from one file; a file of a million foreign serials records the first ones.
    static let maxRecordedBreaches = 10_000
    static let batchSize = 2000
    /// Rows per direct insert statement on SQLite (12 values each).
    static let directRows = 128
    /// The largest certificate file accepted: about a million lines, a few seconds in the one
    /// SQLite writer. Larger registers are imported as several files.
    static let maxImportBytes = 64 << 20

    /// Imports a CSV file with the header `serial,holderName,idNumber,occupation,level,issuedOn`.
    /// Every bad line is reported by its number; the good ones are committed together, in one
    /// write transaction; a line already imported with the same data is unchanged, so importing a
    /// file twice changes nothing. The file is read in batches (see `Upload`): memory stays at a
    /// batch and a set of the file's serial numbers, whatever the file's size.
    static func importCSV(_ upload: Upload, unit: String, by actor: User, on store: Store, now: Date) async throws -> ImportResult
    {
        let today = Period.dayString(now)
        let clock = ContinuousClock()
        let t0 = clock.now
        let result = try await upload.withRows { reader -> ImportResult in
            let ranges = try await Certificates.ranges(on: store.db)
            let occupations = try await Occupations.load(on: store.db)
            guard let header = try reader.next(1)?.first?.fields else {
                throw AppError.invalid(field: "file", code: "empty_file", "The file is empty", "文件为空")
            }
            guard header == csvHeader else {
                throw AppError.invalid(
                    field: "file", code: "wrong_header", "The first line must be \(csvHeader.joined(separator: ","))",
                    "第一行须为 \(csvHeader.joined(separator: ","))")
            }
            let box = ReaderBox(reader)
            return try await store.write { db -> ImportResult in
                guard let sql = db as? any SQLDatabase else { throw AppError.malformed("SQL database required", "需要SQL数据库") }
                return try await sql.withLargeCache {
                    try await Reports.lockUnit(unit, active: true, on: db)
                    var r = ImportResult()
                    var lastLine = 0
                    let omitted = Counter()
                    var breaches: [(serial: String, owner: String?)] = []
                    var refusals: [(serial: String, idNumber: String, code: String)] = []
                    var seen: [Int64: Int32] = [:]
                    var firstSerial: String?
                    func fail(_ line: Int, _ code: String, _ en: String, _ zh: String) {
                        if r.errors.count < maxListedErrors {
                            r.errors.append(.init(line: line, code: code, message: en, messageZh: zh))
                        } else {
                            omitted.value += 1
                        }
                    }
                    // While the database writes one batch, the next is read and checked.
                    var writing: Task<Void, any Error>?
                    // An insert still running when something fails must end before the rollback: see the catch.
                    do {
                        while let rows = try box.next(batchSize) {
                            var candidates: [(line: Int, input: Input)] = []
                            for row in rows {
                                lastLine = row.line
                                if row.fields.count == 1 && row.fields[0].isEmpty { continue }  // blank line
                                guard row.fields.count == 6 else {
                                    fail(
                                        row.line, "wrong_field_count", "Expected 6 fields, found \(row.fields.count)",
                                        "应为6个字段，实为\(row.fields.count)个")
                                    continue
                                }
                                let f = row.fields
                                var i = normalised(
                                    Input(
                                        serial: f[0], holderName: f[1], idNumber: f[2], occupation: f[3], level: f[4],
                                        issuedOn: f[5])
                                )
                                if let p = check(i, unit: unit, ranges: ranges, today: today) {
                                    fail(row.line, p.code, p.message, p.messageZh)
                                    if let owner = p.breachOwner, breaches.count < maxRecordedBreaches {
                                        breaches.append((i.serial, owner))
                                    }
                                    continue
                                }
                                switch occupations.code(i.occupation) {
                                case .success(let code): i.occupation = code
                                case .failure(let p):
                                    fail(row.line, p.code, p.message, p.messageZh)
                                    continue
                                }
                                let n = Serials.parse(i.serial)!  // checked above
                                if let first = seen[n] {
                                    fail(
                                        row.line, "duplicate_in_file", "Serial \(i.serial) already appears on line \(first)",
                                        "证书编号\(i.serial)与第\(first)行重复")
                                    continue
                                }
                                seen[n] = Int32(clamping: row.line)
                                candidates.append((row.line, i))
                            }
                            try await writing?.value
                            writing = nil
                            guard !candidates.isEmpty else { continue }
                            let found = try await existing(in: candidates.map(\.input.serial), on: sql)
                            var unseen: [(line: Int, input: Input)] = []
                            for (line, i) in candidates {
                                if let e = found[i.serial] {
                                    if let p = conflict(e, i) {
                                        fail(line, p.code, p.message, p.messageZh)
                                    } else {
                                        r.unchanged += 1
                                    }
                                } else {
                                    unseen.append((line, i))
                                }
                            }
                            guard !unseen.isEmpty else { continue }
                            // The passes claimed within this batch; earlier batches' certificates are
                            // in the database already (their insert was awaited above), so their
                            // passes read as certified: memory stays at a batch (30 MB less at 300,000).
                            var claimed = Set<String>()
                            let (fresh, refused) = try await matchPasses(unseen, unit: unit, claimed: &claimed, on: sql)
                            for x in refused {
                                fail(x.line, x.problem.code, x.problem.message, x.problem.messageZh)
                                if refusals.count < maxRecordedBreaches {
                                    refusals.append((x.input.serial, x.input.idNumber, x.problem.code))
                                }
                            }
                            guard !fresh.isEmpty else { continue }
                            firstSerial = firstSerial ?? fresh[0].input.serial
                            r.imported += fresh.count
                            let batch = fresh
                            writing = Task { try await insert(batch, unit: unit, now: now, on: sql) }
                        }
                    } catch {
                        _ = try? await writing?.value
                        writing = nil
                        throw error
                    }
                    try await writing?.value
                    writing = nil
                    if omitted.value > 0 {
                        r.errors.append(
                            .init(
                                line: lastLine, code: "too_many_errors",
                                message: "\(omitted.value) more bad lines are not listed",
                                messageZh: "另有\(omitted.value)行错误未列出"))
                    }
                    if r.imported > 0 {
                        try await CertificateEvent(
                            serial: firstSerial ?? "", unitCode: unit, action: "import",
                            reason: "\(r.imported) certificates", actor: actor.username, at: now
                        ).create(on: db)
                    }
                    try await recordBreaches(breaches, unit: unit, source: "import", actor: actor.username, now: now, on: db)
                    try await recordRefusals(refusals, unit: unit, source: "import", actor: actor.username, now: now, on: db)
                    return r
                }
            }
        }
        store.logger.debug("import of \(upload.size) bytes in \(clock.now - t0)")
        AppMetrics.imported(result.imported, kind: "certificates")
        return ImportResult(
            imported: result.imported, unchanged: result.unchanged,
            errors: result.errors.sorted { $0.line < $1.line })
    }

    final class Counter: @unchecked Sendable { var value = 0 }

    /// The reader, handed into the write transaction's closure (which runs in a task of its own).
    final class ReaderBox: @unchecked Sendable {
        private var reader: CSVFileReader
        init(_ reader: CSVFileReader) { self.reader = reader }
        func next(_ n: Int) throws -> [CSV.Row]? { try reader.next(n) }
    }
}

extension AppError {
    /// The same error under a more specific top-level code.
    func with(code: String) -> AppError {
        var e = AppError(status: status, code: code, message: message, messageZh: messageZh, details: details)
        e.headers = headers
        return e
    }
}

/// A small RFC 4180 reader: quoted fields, doubled quotes, CRLF or LF, an optional UTF-8 BOM.
enum CSV {
    struct Row: Sendable {
        let line: Int
        let fields: [String]
    }

    static func parse(_ bytes: [UInt8]) -> [Row] {
        var stream = CSVStream()
        var rows: [Row] = []
        stream.feed(bytes, into: &rows)
        stream.finish(into: &rows)
        return rows
    }
}
