import Domain
import Fluent
import Vapor

/// Batch verification for employers with an API key: up to `maxRows` rows as JSON
/// (`{"rows":[{"serial","name"|"idNumber"}]}`) or CSV (header `serial,name,idNumber`), answered
/// in order through `VerifyController.answers`, counted against the key's daily quota.
enum VerifyBatch {
    static let maxRows = 1000
    static let csvHeader = ["serial", "name", "idNumber"]

    /// One row's answer: its index in the request (from 0), the serial as sent, and either the
    /// answer of `GET /api/v1/verify` or the error that row alone got.
    struct Item: Content {
        let row: Int
        let serial: String
        let result: String?
        let certificate: VerifyController.PublicCertificate?
        let error: ErrorBody.Inner?
    }

    struct Answer: Content {
        let results: [Item]
        let dailyQuota: Int
        let usedToday: Int
    }

    /// A row as read: the lookup, or why it cannot be one.
    struct Row: Sendable {
        var lookup: VerifyController.Lookup
        var problem: AppError?
    }

    static let tooManyRows = AppError(
        status: .payloadTooLarge, code: "too_many_rows", message: "A batch has at most \(maxRows) rows",
        messageZh: "每批最多\(maxRows)行")

    // MARK: Reading the body

    static func rows(json body: ByteBuffer) throws -> [Row] {
        struct Body: Decodable { let rows: [JSONValue]? }
        guard let decoded = try? JSONDecoder().decode(Body.self, from: Data(body.readableBytesView)), let raw = decoded.rows
        else {
            throw AppError.malformed(
                #"The body is JSON {"rows":[{"serial","name"|"idNumber"}]}"#,
                #"请求内容须为 JSON {"rows":[{"serial","name"|"idNumber"}]}"#)
        }
        guard raw.count <= maxRows else { throw tooManyRows }
        return raw.map { value in
            guard case .object(let o) = value else { return Row(lookup: .init(), problem: badRow) }
            var texts: [String: String] = [:]
            for field in ["serial", "name", "idNumber"] {
                switch o[field] {
                case .string(let s)?: texts[field] = s
                case nil, .null?: break
                default: return Row(lookup: .init(key: nil), problem: badRow)
                }
            }
            return Row(lookup: .init(key: texts["serial"], name: texts["name"], idNumber: texts["idNumber"]), problem: nil)
        }
    }

    static func rows(csv body: ByteBuffer) throws -> [Row] {
        var lines = CSV.parse(Array(body.readableBytesView)).filter { $0.fields != [""] }
        guard let header = lines.first?.fields.map({ $0.trimmingCharacters(in: .whitespaces) }), header == csvHeader else {
            throw AppError.invalid(
                field: "header", code: "wrong_header", "The first line must be serial,name,idNumber",
                "首行须为 serial,name,idNumber")
        }
        lines.removeFirst()
        guard lines.count <= maxRows else { throw tooManyRows }
        return lines.map { line in
            guard line.fields.count == csvHeader.count else {
                return Row(
                    lookup: .init(key: line.fields.first),
                    problem: .malformed(
                        "Line \(line.line): \(csvHeader.count) fields expected", "第\(line.line)行应有\(csvHeader.count)个字段",
                        code: "wrong_field_count"))
            }
            func field(_ i: Int) -> String? { line.fields[i].isEmpty ? nil : line.fields[i] }
            return Row(lookup: .init(key: field(0), name: field(1), idNumber: field(2)), problem: nil)
        }
    }

    static let badRow = AppError.malformed(
        #"A row is {"serial","name"|"idNumber"} with text values"#, "每行须为含 serial 及 name 或 idNumber 文本的对象",
        code: "malformed_row")

    static func isCSV(_ contentType: HTTPMediaType?) -> Bool {
        contentType.map { $0.subType == "csv" || ($0.type == "text" && $0.subType == "plain") } ?? false
    }

    // MARK: Answering

    /// Answers the rows for the key: refused whole (429) when the rows would pass today's quota,
    /// otherwise every row counts, well-formed or not.
    static func answer(_ rows: [Row], key: APIKey, on store: Store, now: Date) async throws -> Answer {
        let day = Period.dayString(now)
        try await APIKeys.precheck(key, rows: rows.count, day: day, on: store.db)
        let asked = rows.enumerated().filter { $0.element.problem == nil }
        let count = rows.count
        let answered = try await VerifyController.answers(
            asked.map(\.element.lookup), on: store, now: now,
            charging: { tx in try await APIKeys.consume(key, rows: count, day: day, on: tx) })
        var byIndex: [Int: Result<VerifyController.Answer, AppError>] = [:]
        for (a, r) in zip(asked, answered) { byIndex[a.offset] = r }
        let items = rows.enumerated().map { i, row -> Item in
            let serial = row.lookup.key ?? ""
            let result = row.problem.map { .failure($0) } ?? byIndex[i] ?? .failure(badRow)
            switch result {
            case .success(let a):
                return Item(row: i, serial: serial, result: a.result, certificate: a.certificate, error: nil)
            case .failure(let e):
                return Item(
                    row: i, serial: serial, result: nil, certificate: nil,
                    error: .init(code: e.code, message: e.message, messageZh: e.messageZh, details: e.details))
            }
        }
        let id = try key.requireID()
        let used = try await APIKeys.usedToday([id], day: day, on: store.db)[id] ?? 0
        return Answer(results: items, dailyQuota: key.dailyQuota, usedToday: used)
    }

    /// `POST /api/v1/verify/batch`, authenticated by `RequireAPIKey` before the body was read.
    @Sendable static func batch(_ req: Request) async throws -> Answer {
        guard let key = req.storage[CurrentAPIKey.self] else { throw APIKeys.invalidKey }
        let body = req.body.data ?? ByteBuffer()
        let rows = try isCSV(req.headers.contentType) ? rows(csv: body) : rows(json: body)
        return try await answer(rows, key: key, on: req.store, now: req.now)
    }

    // MARK: The answer as a CSV file (the verification page's upload)

    static let resultHeader = [
        "row", "serial", "result", "holderName", "idNumber", "occupation", "level", "issuedOn", "unitName", "revokedReason",
        "error",
    ]

    /// UTF-8 with a BOM (so Excel reads the Chinese), one line per row, masked as the API masks.
    static func csv(_ a: Answer) -> String {
        func cell(_ s: String) -> String {
            // Quoted when needed; a leading = + - @ (or tab, carriage return) is defused so no
            // spreadsheet runs it as a formula.
            var v = s
            if let f = v.first, "=+-@\t\r".contains(f) { v = "'" + v }
            return v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : v
        }
        var out = "\u{FEFF}" + resultHeader.joined(separator: ",") + "\r\n"
        for i in a.results {
            let c = i.certificate
            let error: String = i.error.map { e in e.code + ": " + e.messageZh + " " + e.message } ?? ""
            var fields: [String] = [String(i.row), i.serial, i.result ?? "error"]
            fields += [c?.holderName ?? "", c?.idNumber ?? "", c?.occupation ?? "", c?.levelName ?? ""]
            fields += [c?.issuedOn ?? "", c?.unitName ?? "", c?.revokedReason ?? "", error]
            out += fields.map(cell).joined(separator: ",") + "\r\n"
        }
        return out
    }
}
