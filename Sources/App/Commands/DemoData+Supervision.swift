import Domain
import Fluent
import Foundation
import Vapor

/// The demo's supervision (issue 11): supervisors' occupations, a report on every clean visit
/// (a visit that found a violation stays as visits were recorded before reports, and counts as
/// such), and for the supervisors with a login: a session they were dispatched to and reported
/// on with a violation (which opened a case), one whose report is still due, and a planned
/// session two supervisors were drawn for, seed recorded.
extension DemoData {
    /// The unit whose supervisors visit `unit`'s stations: the next one in the list.
    static func neighbour(_ unit: String, _ plan: Plan) -> String {
        let i = plan.unitCodes.firstIndex(of: unit) ?? 0
        return plan.unitCodes[(i + 1) % plan.unitCodes.count]
    }

    static let checklistOK =
        #"{"examOrder":{"note":"","result":"ok"},"feeNotice":{"note":"","result":"ok"},"identityCheck":{"note":"","result":"ok"},"questionBank":{"note":"","result":"ok"},"violations":{"note":"","result":"ok"}}"#

    static func supervision(_ app: Application, _ plan: Plan, _ state: State) async throws {
        // A generator of its own, so the rest of the data is what it was before supervision.
        var rng = Rng(state: plan.options.seed ^ 0x5355_5045_5256_4953)
        func uuid() -> UUID { UUID(uuidString: uuidText(rng.next(), rng.next()))! }
        let codes = occupations.map(\.0)
        let logins = state.supervisorLogins
        let all = state.supervisors.values.flatMap { $0 }.sorted { $0.uuidString < $1.uuidString }
        var qualified: [UUID: Set<String>] = [:]
        for id in all {
            // Those with a login are qualified for every occupation: they are the demo's showcase.
            qualified[id] = logins[id] != nil ? Set(codes) : Set(codes.shuffled(using: &rng).prefix(6))
        }
        var rows: [SupervisorOccupation] = []
        for id in all {
            for c in qualified[id]!.sorted() {
                let o = SupervisorOccupation(supervisor: id, occupation: c)
                o.id = uuid()
                rows.append(o)
            }
        }
        let reports = state.visits.filter { !$0.violationFound }.map { v in
            let r = SupervisionReport()
            r.id = uuid()
            r.visitID = v.id
            r.supervisorID = v.supervisorID
            r.unitCode = v.unitCode
            r.stationCode = v.stationCode
            r.supervisedOn = v.visitedOn
            r.checklist = checklistOK
            r.findings = v.findings
            r.violationFound = false
            r.filedBy = logins[v.supervisorID] ?? v.recordedBy
            r.filedAt = date(v.visitedOn, hour: 17)
            return r
        }
        let occupationRows = rows
        try await app.write { tx in
            for chunk in stride(from: 0, to: occupationRows.count, by: 500) {
                try await Array(occupationRows[chunk..<min(chunk + 500, occupationRows.count)]).create(on: tx)
            }
            for chunk in stride(from: 0, to: reports.count, by: 500) {
                try await Array(reports[chunk..<min(chunk + 500, reports.count)]).create(on: tx)
            }
        }
        let known = qualified
        try await showcase(app, plan, state, qualified: known, uuid: uuid)
    }

    /// Sessions dispatched to the supervisors who log in, and a draw.
    static func showcase(
        _ app: Application, _ plan: Plan, _ state: State, qualified: [UUID: Set<String>], uuid: () -> UUID
    ) async throws {
        guard let login = state.supervisorLogins.sorted(by: { $0.value < $1.value }).first else { return }
        let me = login.key
        let home = try await Supervisor.find(me, on: app.db)?.$unit.id ?? ""
        let elsewhere = state.stations.filter { $0.unit != home }
        guard elsewhere.count >= 3 else { return }
        let ministry = plan.ministry
        func session(
            _ st: (code: String, unit: String, region: String, scope: [(String, Int)]), _ day: String, planned: Bool
        )
            -> ExamSession
        {
            let s = ExamSession()
            s.id = uuid()
            s.$station.id = st.code
            s.unitCode = st.unit
            s.occupation = st.scope[0].0
            s.level = "4"
            s.date = day
            s.regionCode = st.region
            s.standardKind = "national"
            s.bankKind = "national"
            s.bankCode = "GJ-\(st.scope[0].0)"
            s.candidates = 40
            s.passed = planned ? 0 : 31
            s.feeFen = 14000
            s.createdBy = plan.username(st.unit)
            s.results = 0
            s.passes = 0
            return s
        }
        let reported = session(elsewhere[0], addDays(plan.today, -20), planned: false)
        let due = session(elsewhere[1], addDays(plan.today, -1), planned: false)
        let planned = session(elsewhere[2], addDays(plan.today, 14), planned: true)
        let stationName = try await Station.find(reported.$station.id, on: app.db)?.name ?? reported.$station.id
        // The draw: among supervisors valid on the day, qualified, not of the station's unit.
        let candidates = try await Supervisor.query(on: app.db).all().map {
            Supervision.Candidate(
                id: $0.id!, homeUnit: $0.$unit.id, active: $0.active, validUntil: $0.validUntil,
                occupations: qualified[$0.id!] ?? [])
        }
        let facts = Supervision.SessionFacts(date: planned.date, occupation: planned.occupation, stationUnit: planned.unitCode)
        let pool = candidates.filter { Supervision.refusal($0, for: facts) == nil }.map(\.id).sorted {
            $0.uuidString < $1.uuidString
        }
        // A fixed seed: the demo is the same on every run (a real draw takes a cryptographic one).
        let seed = Supervision.Seed(words: [0x2003_0806, 0x0E0F_0A0B, 0x1122_3344, 0x5566_7788])
        let chosen = Supervision.draw(seed: seed, candidates: pool, count: min(2, pool.count))
        let draw = SupervisionDraw()
        draw.id = uuid()
        draw.sessionID = planned.id!
        draw.seed = seed.description
        draw.candidates = SupervisionDraw.list(pool)
        draw.count = chosen.count
        draw.chosen = SupervisionDraw.list(chosen)
        draw.at = plan.now
        draw.by = ministry
        func dispatch(_ s: ExamSession, _ sv: UUID, drawn: UUID? = nil, at: Date) -> SessionDispatch {
            let d = SessionDispatch()
            d.id = uuid()
            d.sessionID = s.id!
            d.supervisorID = sv
            d.drawID = drawn
            d.at = at
            d.by = ministry
            return d
        }
        let sentReported = dispatch(reported, me, at: date(addDays(reported.date, -7)))
        let sentDue = dispatch(due, me, at: date(addDays(due.date, -7)))
        let drawn = chosen.map { dispatch(planned, $0, drawn: draw.id, at: plan.now) }
        let reportID = uuid()
        let filedAt = date(addDays(reported.date, 1), hour: 16)
        try await app.write { tx in
            for s in [reported, due, planned] { try await s.create(on: tx) }
            try await draw.create(on: tx)
            for d in [sentReported, sentDue] + drawn { try await d.create(on: tx) }
            let findings = "考场内发现替考一人，身份核验流于形式"
            let c = try await Complaints.openFoundCase(
                category: .illegalExam, unitCode: reported.unitCode, station: "\(stationName)（\(reported.$station.id)）",
                description: "督导员\(login.value)（\(reported.date)）督导发现：\(findings)", actor: login.value, at: filedAt, app: app,
                on: tx)
            let r = SupervisionReport()
            r.id = reportID
            r.dispatchID = sentReported.id
            r.sessionID = reported.id
            r.supervisorID = me
            r.unitCode = reported.unitCode
            r.stationCode = reported.$station.id
            r.supervisedOn = reported.date
            r.checklist =
                #"{"examOrder":{"note":"替考一人","result":"problem"},"feeNotice":{"note":"","result":"ok"},"identityCheck":{"note":"未逐一核验身份证件","result":"problem"},"questionBank":{"note":"","result":"ok"},"violations":{"note":"替考","result":"problem"}}"#
            r.findings = findings
            r.violationFound = true
            r.violationCategory = ComplaintCategory.illegalExam.rawValue
            r.complaintID = try c.requireID()
            r.filedBy = login.value
            r.filedAt = filedAt
            try await r.create(on: tx)
        }
    }
}
