import CertificateKit
import Domain
import Fluent
import SQLKit
import Vapor

/// Exam results: each session's candidates with their pass or fail, entered one by one, as a
/// JSON list or as a CSV file. A person appears once per session: sending a result again
/// changes nothing, sending it changed corrects it (unless a certificate was issued against
/// it). The session's `results` and `passes` are recounted in the same transaction.
extension Registers {
    struct ResultInput: Content {
        var name: String?
        var idNumber: String?
        var passed: Bool?
        var score: Double?
        var domain: ExamResults.Input { .init(name: name, idNumber: idNumber, passed: passed, score: score) }
    }

    struct ResultsInput: Content {
        var results: [ResultInput]?
    }

    struct ResultDTO: Content {
        let id: UUID
        let sessionId: UUID
        let name: String
        let idNumber: String
        let passed: Bool
        let score: Double?
        /// The certificate issued against this pass, if any.
        let certificateSerial: String?
        let certificateNumber: String?
    }

    struct ResultsOutcome: Content {
        var added = 0
        var updated = 0
        var unchanged = 0
        var errors: [Issuance.ImportResult.LineError] = []
        /// The session's counts after the change.
        var results = 0
        var passes = 0
    }

    /// The largest number of results in one request (a session has at most this many candidates).
    static let maxResults = ExamSessions.maxCandidates

    /// The session a user may write results for: the unit's own, or any for the ministry.
    static func resultSession(_ id: String?, for user: User, on db: any Database) async throws -> ExamSession {
        let unit = try sessionScope(user)
        guard let id = id.flatMap(UUID.init(uuidString:)), let s = try await ExamSession.find(id, on: db) else {
            throw AppError.notFound("No such exam session", "没有该考试场次")
        }
        if let unit, s.unitCode != unit { throw AppError.otherUnit }
        return s
    }

    /// `POST /api/v1/sessions/{id}/results`: all or nothing; every bad result is named by its index.
    static func recordResults(
        _ input: ResultsInput, session id: String?, by user: User, on store: Store, now: Date
    ) async throws -> ResultsOutcome {
        try user.requireWriter()
        let session = try await resultSession(id, for: user, on: store.db)
        let rows = input.results ?? []
        guard !rows.isEmpty else {
            throw AppError.invalid(field: "results", code: "required", "Give at least one result", "请至少填写一条成绩")
        }
        guard rows.count <= maxResults else {
            throw AppError.invalid(
                field: "results", code: "too_many", "At most \(maxResults) results at once", "每次最多提交\(maxResults)条成绩")
        }
        var issues: [ValidationIssue] = []
        var entries: [(line: Int, entry: ExamResults.Entry)] = []
        var seen: [String: Int] = [:]
        for (n, r) in rows.enumerated() {
            switch ExamResults.check(r.domain, field: "results[\(n)].") {
            case .failure(let f): issues += f.issues
            case .success(let e):
                if let first = seen[e.idNumber] {
                    issues.append(
                        RegisterRules.issue(
                            "results[\(n)].idNumber", "duplicate_in_file", "The same person as results[\(first)]",
                            "与第\(first + 1)条为同一人"))
                } else {
                    seen[e.idNumber] = n
                    entries.append((n, e))
                }
            }
        }
        // A list of a hundred thousand bad rows is refused with the first thousand reasons.
        try fail(Array(issues.prefix(Issuance.maxListedErrors)))
        return try await apply(entries, to: session, allOrNothing: true, by: user, on: store, now: now)
    }

    /// A file (CSV or XLSX, `RegisterFile`) with the columns `name,idNumber,passed,score`: bad
    /// lines by number, the good ones in one transaction.
    static func importResults(
        _ data: ByteBuffer, contentType: HTTPMediaType?, session id: String?, by user: User, on store: Store, now: Date
    ) async throws -> ResultsOutcome {
        try user.requireWriter()
        let session = try await resultSession(id, for: user, on: store.db)
        let file = try await RegisterFile.read(
            data, contentType: contentType, header: ExamResults.csvHeader, maxRows: maxResults,
            tooMany: AppError(
                status: .payloadTooLarge, code: "too_many_rows",
                message: "At most \(maxResults) results in one file (a session's candidates)",
                messageZh: "每个文件最多\(maxResults)条成绩（一个场次的考生人数）"))
        var errors = file.refused
        var entries: [(line: Int, entry: ExamResults.Entry)] = []
        var seen: [String: Int] = [:]
        for row in file.rows {
            func refuse(_ code: String, _ en: String, _ zh: String) {
                errors.append(.init(line: row.line, code: code, message: en, messageZh: zh))
            }
            let f = row.fields
            // An ID number typed into a number cell keeps 15 digits and shows as 1.10101E+17.
            if f[1].uppercased().contains("E+") {
                refuse(
                    "id_number_as_number",
                    "idNumber: the spreadsheet stored the ID number as a number and lost its last digits; format the column as text and type it again",
                    "idNumber：表格把身份证号存成了数字，末尾几位已丢失；请将该列设为文本格式后重新填写")
                continue
            }
            guard let passed = ExamResults.passed(f[2]) else {
                refuse("invalid_passed", "passed: 1 or 0 (合格 or 不合格, 是 or 否, TRUE or FALSE)", "是否合格须为1或0（合格或不合格、是或否、TRUE或FALSE）")
                continue
            }
            let score: Double?
            switch ExamResults.score(f[3]) {
            case .success(let s): score = s
            case .failure(let e):
                refuse(e.issues[0].code, e.issues[0].message, e.issues[0].messageZh)
                continue
            }
            switch ExamResults.check(.init(name: f[0], idNumber: f[1], passed: passed, score: score)) {
            case .failure(let e):
                let first = e.issues[0]
                refuse(first.code, "\(first.field): \(first.message)", "\(first.field)：\(first.messageZh)")
            case .success(let entry):
                if let earlier = seen[entry.idNumber] {
                    refuse("duplicate_in_file", "The same person as line \(earlier)", "与第\(earlier)行为同一人")
                } else {
                    seen[entry.idNumber] = row.line
                    entries.append((row.line, entry))
                }
            }
        }
        var outcome = try await apply(entries, to: session, allOrNothing: false, by: user, on: store, now: now)
        outcome.errors = listed((errors + outcome.errors).sorted { $0.line < $1.line })
        return outcome
    }

    /// The bad lines listed in an answer, as the certificate import lists them: the first
    /// `Issuance.maxListedErrors`, then one entry saying how many more there were.
    static func listed(_ errors: [Issuance.ImportResult.LineError]) -> [Issuance.ImportResult.LineError] {
        guard errors.count > Issuance.maxListedErrors else { return errors }
        let more = errors.count - Issuance.maxListedErrors
        return Array(errors.prefix(Issuance.maxListedErrors)) + [
            .init(
                line: errors.last?.line ?? 0, code: "too_many_errors", message: "\(more) more bad lines are not listed",
                messageZh: "另有\(more)行错误未列出")
        ]
    }

    struct StoredResult: Decodable {
        let id: UUID
        let name: String
        let id_number: String
        let passed: Bool
        let score: Double?
        let certified: Int
    }

    /// Adds and corrects results of one session in one transaction, under the session's and
    /// the unit's locks (issuance takes the unit's lock too, so a pass cannot change while a
    /// certificate is being issued against it). Lines refused here come back as errors.
    static func apply(
        _ entries: [(line: Int, entry: ExamResults.Entry)], to session: ExamSession, allOrNothing: Bool, by user: User,
        on store: Store, now: Date
    ) async throws -> ResultsOutcome {
        let sessionID = try session.requireID()
        return try await store.write { db in
            guard let sql = db as? any SQLDatabase else { throw AppError.malformed("SQL database required", "需要SQL数据库") }
            try await Reports.lockUnit(session.unitCode, active: true, on: db)
            try await db.lockForWrite("exam_sessions", "id", sessionID)
            guard let fresh = try await ExamSession.find(sessionID, on: db) else {
                throw AppError.notFound("No such exam session", "没有该考试场次")
            }
            let stored = try await sql.raw(
                """
                SELECT r.id, r.name, r.id_number, r.passed, r.score,
                       \(unsafeRaw: Issuance.certifiedColumn)
                FROM exam_results r WHERE r.session_id = \(bind: sessionID)
                """
            ).all(decoding: StoredResult.self)
            let existing = Dictionary(stored.map { ($0.id_number, $0) }, uniquingKeysWith: { a, _ in a })
            var out = ResultsOutcome()
            var count = stored.count
            var inserts: [ExamResults.Entry] = []
            for (line, e) in entries {
                if let old = existing[e.idNumber] {
                    if old.name == e.name && old.passed == e.passed && old.score == e.score {
                        out.unchanged += 1
                        continue
                    }
                    if old.certified != 0 {
                        out.errors.append(
                            .init(
                                line: line, code: "result_certified",
                                message: "\(e.idNumber): a certificate was issued against this result; revoke it first",
                                messageZh: "\(e.idNumber)：已凭该成绩发证，不能修改"))
                        continue
                    }
                    try await sql.update("exam_results").set("name", to: e.name).set("passed", to: e.passed)
                        .set("score", to: e.score).set("recorded_by", to: user.username).set("recorded_at", to: now)
                        .where("id", .equal, old.id).run()
                    out.updated += 1
                } else {
                    guard count < fresh.candidates else {
                        out.errors.append(
                            .init(
                                line: line, code: "exceeds_candidates",
                                message: "The session has \(fresh.candidates) candidates; no more results fit",
                                messageZh: "该场次考生\(fresh.candidates)人，成绩条数不能超过考生人数"))
                        continue
                    }
                    count += 1
                    inserts.append(e)
                }
            }
            // Bound values, 8 a row: 500 rows stay far below SQLite's limit of bound parameters.
            for start in stride(from: 0, to: inserts.count, by: 500) {
                var q = sql.insert(into: "exam_results")
                    .columns("id", "session_id", "name", "id_number", "passed", "score", "recorded_by", "recorded_at")
                for (k, e) in inserts[start..<min(start + 500, inserts.count)].enumerated() {
                    q = q.values(
                        SQLBind(TimeOrderedID.make(at: now, sequence: start + k)), SQLBind(sessionID), SQLBind(e.name),
                        SQLBind(e.idNumber), SQLBind(e.passed),
                        SQLBind(e.score), SQLBind(user.username), SQLBind(now))
                }
                try await q.run()
            }
            if allOrNothing, let first = out.errors.first {
                // One refused result refuses the request: the transaction rolls back what was corrected.
                throw AppError.invalid(
                    out.errors.map {
                        RegisterRules.issue("results[\($0.line)].idNumber", $0.code, $0.message, $0.messageZh)
                    }
                ).with(code: first.code)
            }
            out.added = inserts.count
            try await recount(sessionID, on: sql)
            if out.added + out.updated > 0 {
                try await audit(
                    "results", sessionID.uuidString, "record", "\(out.added) added, \(out.updated) corrected", user, now, on: db)
            }
            let counts = try await ExamSession.find(sessionID, on: db)
            out.results = counts?.results ?? 0
            out.passes = counts?.passes ?? 0
            AppMetrics.imported(out.added, kind: "results")
            return out
        }
    }

    /// The session's counts from its results (inside the write, under the session's lock).
    static func recount(_ session: UUID, on sql: any SQLDatabase) async throws {
        try await sql.raw(
            """
            UPDATE exam_sessions SET
              results = (SELECT COUNT(*) FROM exam_results WHERE session_id = \(bind: session)),
              passes = (SELECT COUNT(*) FROM exam_results WHERE session_id = \(bind: session) AND passed = \(unsafeRaw: Derivation.trueLiteral(sql)))
            WHERE id = \(bind: session)
            """
        ).run()
    }

    /// Removes one person's result (entered by mistake); refused once a certificate was issued against it.
    static func deleteResult(
        session id: String?, idNumber raw: String?, by user: User, on store: Store, now: Date
    ) async throws -> ResultsOutcome {
        try user.requireWriter()
        let session = try await resultSession(id, for: user, on: store.db)
        let sessionID = try session.requireID()
        let idNumber = IDNumber.normalised(raw ?? "")
        return try await store.write { db in
            guard let sql = db as? any SQLDatabase else { throw AppError.malformed("SQL database required", "需要SQL数据库") }
            try await Reports.lockUnit(session.unitCode, active: true, on: db)
            try await db.lockForWrite("exam_sessions", "id", sessionID)
            guard
                let r = try await ExamResult.query(on: db).filter(\.$session.$id == sessionID)
                    .filter(\.$idNumber == idNumber).first()
            else { throw AppError.notFound("No result for this person in the session", "该场次没有此人的成绩") }
            if try await Certificate.query(on: db).filter(\.$resultID == r.id).filter(\.$status == .issued).count() > 0 {
                throw AppError.conflict(
                    "result_certified", "A certificate was issued against this result; revoke it first",
                    "已凭该成绩发证，不能删除")
            }
            try await r.delete(on: db)
            try await recount(sessionID, on: sql)
            try await audit("results", sessionID.uuidString, "delete", idNumber, user, now, on: db)
            let counts = try await ExamSession.find(sessionID, on: db)
            return ResultsOutcome(results: counts?.results ?? 0, passes: counts?.passes ?? 0)
        }
    }

    /// A session's results, with the certificate issued against each pass.
    static func results(session id: String?, for user: User, on db: any Database) async throws -> [ResultDTO] {
        let session = try await resultSession(id, for: user, on: db)
        guard let sql = db as? any SQLDatabase else { return [] }
        struct Row: Decodable {
            let id: UUID
            let name: String
            let id_number: String
            let passed: Bool
            let score: Double?
            let serial: String?
            let certificate_number: String?
        }
        let sessionID = try session.requireID()
        return try await sql.raw(
            """
            SELECT r.id, r.name, r.id_number, r.passed, r.score, c.serial, c.certificate_number
            FROM exam_results r LEFT JOIN certificates c ON c.result_id = r.id AND c.status = 'issued'
            WHERE r.session_id = \(bind: sessionID) ORDER BY r.passed DESC, r.id_number
            """
        ).all(decoding: Row.self).map {
            ResultDTO(
                id: $0.id, sessionId: sessionID, name: $0.name, idNumber: $0.id_number, passed: $0.passed, score: $0.score,
                certificateSerial: $0.serial, certificateNumber: $0.certificate_number)
        }
    }
}
