import CertificateKit
import Domain
import Fluent
import Foundation
import SQLKit
import Vapor

/// `zhijian demo-data --scale N [--seed S] [--sessions N]`: a living system for a newcomer,
/// deterministic for a seed and the day it runs. A dozen industries, occupations named as in the
/// national catalogue, stations, fee standards, supervisors, exam sessions and supervision visits
/// over the last eight complete quarters and the current one; a login per unit and a few
/// supervisors' logins; certificate orders, allocations, payments and issued certificates;
/// complaints in every state; and for each of the eight quarters every unit's accepted report
/// (derived from those registers, a few deliberately not) and the published bulletin.
/// Each unit of scale gives every unit 2 stations and about 4,500 sessions.
struct DemoDataCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "scale", help: "Size: each unit of scale adds 2 stations and about 4,500 sessions per unit") var scale: Int?
        @Option(name: "seed", help: "Random seed (default 2003)") var seed: UInt64?
        @Option(name: "sessions", help: "Exam sessions per station (default 2250); fewer for a quick small database")
        var sessions: Int?
    }

    var help: String { "Fills the database with realistic, deterministic demo data." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await prepareDatabase(app)
        let options = DemoData.Options(
            scale: max(1, signature.scale ?? 1), seed: signature.seed ?? 2003,
            sessionsPerStation: max(1, signature.sessions ?? 2250))
        let clock = ContinuousClock()
        let t0 = clock.now
        let result = try await DemoData.generate(app, options)
        guard case .made(let s) = result else {
            if case .refused(let why) = result { context.console.print(why) }
            return
        }
        let console = context.console
        console.print("")
        console.print("Demo logins (demo data only: these passwords are printed once and are not kept anywhere):")
        let rows =
            [("username", "role", "unit", "password")] + s.users.map { ($0.username, $0.role.rawValue, $0.unit, $0.password) }
        let w0 = rows.map(\.0.count).max()!
        let w1 = rows.map(\.1.count).max()!
        let w2 = rows.map(\.2.count).max()!
        let w3 = rows.map(\.3.count).max()!
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        for (i, r) in rows.enumerated() {
            console.print("  " + pad(r.0, w0) + "  " + pad(r.1, w1) + "  " + pad(r.2, w2) + "  " + r.3)
            if i == 0 { console.print("  " + String(repeating: "-", count: w0 + w1 + w2 + w3 + 6)) }
        }
        console.print("  (admin is left as it was: it logs in with ZHIJIAN_ADMIN_PASSWORD)")
        for r in s.receipts { console.print("complaint receipt to follow at /complaints/status: \(r)") }
        console.print(String(format: "written in %.1f s", Double((clock.now - t0) / .milliseconds(1)) / 1000))
        // Last, on one line: scripts (Benchmarks/derive.sh) show it with `tail -1`.
        console.print(
            "demo data: \(s.units) units, \(s.occupations) occupations, \(s.stations) stations, \(s.sessions) sessions, "
                + "\(s.reports) reports, \(s.bulletins) bulletin revisions, \(s.orders) certificate orders, "
                + "\(s.certificates) certificates (\(s.results) exam results), "
                + "\(s.complaints) complaints, \(s.users.count) users")
    }
}

/// The demo data itself, apart from the console: the command prints what `generate` returns,
/// the tests read it.
enum DemoData {
    struct Options: Sendable {
        var scale = 1
        var seed: UInt64 = 2003
        /// Exam sessions per station over the whole span.
        var sessionsPerStation = 2250
    }

    struct Credential: Sendable {
        let username: String
        let role: User.Role
        let unit: String
        let password: String
    }

    struct Summary: Sendable {
        var units = 0, occupations = 0, stations = 0, sessions = 0, reports = 0, bulletins = 0
        var orders = 0, certificates = 0, results = 0, complaints = 0
        var users: [Credential] = []
        /// Receipts of a few complaints, for following one as the public does.
        var receipts: [String] = []
        /// The eight complete quarters, oldest first.
        var periods: [Period] = []
        /// Reports whose values deliberately disagree with the registers: (period, unit, field).
        var discrepancies: [(period: Period, unit: String, field: String)] = []
        /// The one report never sent.
        var missing: (period: Period, unit: String)?
        /// The report corrected after its bulletin was published (bulletin revision 2).
        var corrected: (period: Period, unit: String)?
    }

    enum Outcome: Sendable {
        case made(Summary)
        case refused(String)
    }

    struct Rng: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {  // SplitMix64
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let industries = [
        "机械工业", "煤炭工业", "电力工业", "交通运输", "建设行业", "化学工业", "冶金工业", "邮政行业",
        "铁道行业", "民用航空", "林业行业", "农业行业",
    ]
    static let occupations: [(String, String)] = [
        ("6-07-06-01", "电工"), ("6-07-06-05", "维修电工"), ("6-18-02-04", "焊工"), ("6-18-01-01", "车工"), ("6-18-01-07", "钳工"),
        ("6-18-01-02", "铣工"), ("6-18-01-04", "磨工"), ("4-12-01-01", "汽车维修工"), ("4-10-03-01", "美发师"),
        ("4-03-02-01", "中式烹调师"), ("4-03-02-02", "中式面点师"), ("4-03-02-03", "西式烹调师"), ("4-10-01-03", "育婴员"),
        ("4-10-01-02", "保育员"), ("4-10-01-06", "养老护理员"), ("4-01-02-02", "电子商务师"), ("2-02-10-03", "计算机程序设计员"),
        ("4-04-05-03", "计算机网络管理员"), ("6-29-01-03", "砌筑工"), ("6-29-02-01", "混凝土工"), ("6-29-03-01", "钢筋工"),
        ("6-29-03-04", "架子工"), ("6-23-10-01", "电梯安装维修工"), ("4-11-01-01", "保安员"), ("4-07-03-03", "物业管理员"),
        ("3-01-02-05", "企业人力资源管理师"), ("2-06-07-01", "会计"), ("4-01-01-01", "营销员"), ("4-10-04-01", "保健按摩师"),
        ("6-04-01-01", "茶艺师"), ("4-14-02-02", "眼镜验光员"), ("6-08-01-01", "化学检验员"), ("6-31-01-03", "锅炉操作工"),
        ("6-05-04-01", "家具制作工"), ("4-08-08-01", "摄影师"), ("4-13-01-01", "插花花艺师"), ("5-01-02-01", "农作物种植技术员"),
        ("5-03-01-01", "家畜饲养员"), ("6-11-01-01", "纺织纤维检验员"), ("4-02-01-01", "汽车驾驶员"),
    ]
    static let occupationNames = Dictionary(uniqueKeysWithValues: occupations.map { ($0.0, $0.1) })

    /// What a unit got wrong in one quarter: the registers then show it, and so does the report.
    struct Breaches: Sendable {
        var unverifiedStandards = false, uncertifiedBanks = false, crossRegion = false, overcharge = false
        var noSupervision = false
    }

    /// The span, the clock and who is who: fixed before anything is written.
    struct Plan: Sendable {
        let now: Date
        let today: String
        let current: Period
        /// The eight complete quarters, oldest first.
        let complete: [Period]
        /// `complete` and the current quarter: the span of the registers.
        let quarters: [Period]
        let unitCodes: [String]
        let regionCodes: [String]
        let deadlineDays: Int
        let options: Options

        /// The unit's login: its code, lower-cased.
        func username(_ unit: String) -> String { unit.lowercased() }
        /// The ministry user the ministry's steps are recorded under.
        var ministry: String { "admin" }

        func quarterIndex(_ day: String) -> Int? {
            guard let y = Int(day.prefix(4)), let m = Int(day.dropFirst(5).prefix(2)),
                let p = Period(year: y, quarter: (m - 1) / 3 + 1)
            else { return nil }
            return quarters.firstIndex(of: p)
        }
    }

    /// The generator and what was made so far, shared by the transactions below.
    final class State: @unchecked Sendable {
        var rng: Rng
        var stations: [(code: String, unit: String, region: String, scope: [(String, Int)])] = []
        var supervisors: [String: [UUID]] = [:]
        /// Supervisors (register entries) that have a login: id → username.
        var supervisorLogins: [UUID: String] = [:]
        var risk: [String: Int] = [:]
        var breaches: [String: [Breaches]] = [:]
        var noFeeStandard: Set<String> = []
        /// Overcharged sessions, for the visits that follow them up.
        var overcharged: [(id: UUID, unit: String, station: String, date: String)] = []
        var users: [String: User] = [:]
        /// The visits made, for the reports filed on them.
        var visits: [SupervisionVisit] = []
        var credentials: [Credential] = []
        var hashing: Task<[String], any Error>?
        var summary = Summary()
        init(seed: UInt64) { rng = Rng(state: seed) }

        func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
        func chance(_ percent: Double) -> Bool { Double(Int.random(in: 0..<10_000, using: &rng)) < percent * 100 }
        func pick<T>(_ a: [T]) -> T { a.randomElement(using: &rng)! }

        /// A version-4 UUID from the generator: the same seed gives the same ids.
        func uuid() -> UUID {
            let a = rng.next()
            let b = rng.next()
            return UUID(uuidString: uuidText(a, b))!
        }
    }

    static func uuidText(_ a: UInt64, _ b: UInt64) -> String {
        String(
            format: "%08X-%04X-4%03X-%04X-%012llX", UInt32(a >> 32), UInt16((a >> 16) & 0xFFFF),
            UInt16(a & 0xFFF), UInt16((b >> 48) & 0x3FFF | 0x8000), b & 0xFFFF_FFFF_FFFF)
    }

    // MARK: Days and instants (Beijing time)

    static func day(_ d: Date) -> String { Period.dayString(d) }

    static let streets = ["人民路", "解放路", "建设路", "中山路", "学府路", "工业大道", "职教园路", "长江路"]

    /// A station's licence, address and person in charge, from its unit and number (the
    /// generator's sequence is left alone, so the rest of the data stays as it was).
    static func licence(_ s: Station, unit: String, n: Int, plan: Plan) {
        let i = (plan.unitCodes.firstIndex(of: unit) ?? 0) * 7 + n
        let region = Regions.all.first { $0.code == s.$region.id }
        s.licenceNo = "\(region?.short ?? "鉴")鉴许字〔\(2021 + i % 3)〕\(unit)\(String(format: "%03d", n))号"
        s.licenceExpires = "\(Int(plan.today.prefix(4)).map { $0 + 2 + i % 3 } ?? 2030)-12-31"
        s.address = "\(region?.name ?? "")\(streets[i % streets.count])\(10 + i % 190)号"
        s.personInCharge = String(surnames[i % surnames.count]) + givenNames[(i / 3 + n) % givenNames.count]
    }

    /// Last year's inspections of each unit's first station (合格), and this year's of two: one
    /// to be rectified within a time limit (限期整改) and one revoked today (撤销), which leaves the
    /// public list and takes no new sessions.
    static func inspections(_ plan: Plan, _ state: State, on db: any Database) async throws {
        let year = Int(plan.today.prefix(4)) ?? 2026
        let firsts = plan.unitCodes.compactMap { unit in state.stations.first { $0.unit == unit }?.code }
        var made: UInt64 = 0
        func record(_ code: String, _ year: Int, _ day: String, _ outcome: StationInspection.Outcome, _ note: String) async throws
        {
            let i = StationInspection()
            made += 1
            // Ids of their own, so the generator's sequence (and all that follows) is unchanged.
            i.id = UUID(uuidString: uuidText(0x5354_4154_494F_4E00 &+ made, UInt64(year)))
            i.$station.id = code
            i.year = year
            i.inspectedOn = day
            i.outcome = outcome
            i.note = note
            i.recordedBy = plan.ministry
            i.recordedAt = plan.now
            try await i.create(on: db)
        }
        for code in firsts { try await record(code, year - 1, "\(year - 1)-11-15", .qualified, "") }
        if firsts.count > 2 {
            try await record(firsts[1], year, plan.today, .rectification, "考务档案不全、考场监控设备缺失，限三个月内整改")
            try await record(firsts[2], year, plan.today, .revoked, "组织替考、违规发证，撤销鉴定资格")
        }
    }

    static func date(_ day: String, hour: Int = 10, minute: Int = 0) -> Date {
        Period.calendar.date(
            from: DateComponents(
                year: Int(day.prefix(4)), month: Int(day.dropFirst(5).prefix(2)),
                day: Int(day.suffix(2)), hour: hour, minute: minute))!
    }

    static func addDays(_ day: String, _ n: Int) -> String {
        Period.dayString(Period.calendar.date(byAdding: .day, value: n, to: date(day, hour: 12))!)
    }

    // MARK: The whole run

    static func generate(_ app: Application, _ options: Options) async throws -> Outcome {
        let db = app.db
        guard db is any SQLDatabase else { return .refused("demo data needs an SQL database") }
        let sessions = try await ExamSession.query(on: db).count()
        let reports = try await ReportModel.query(on: db).count()
        let users = try await User.query(on: db).filter(\.$username != "admin").count()
        let complaints = try await Complaint.query(on: db).count()
        let orders = try await CertificateOrder.query(on: db).count()
        guard sessions + reports + users + complaints + orders == 0 else {
            return .refused(
                "the database already has \(sessions) sessions, \(reports) reports, \(users) users besides admin, "
                    + "\(complaints) complaints and \(orders) certificate orders; demo data goes into an empty one")
        }
        // Everything is placed relative to the start of today (Beijing time), so one seed gives
        // the same data all day long.
        let now = Period.calendar.startOfDay(for: app.config.now())
        let current = Period.containing(now)
        var complete: [Period] = []
        var p = current.previous
        for _ in 0..<8 {
            complete.insert(p, at: 0)
            p = p.previous
        }
        let regionCodes = Regions.all.map(\.code)
        let plan = Plan(
            now: now, today: day(now), current: current, complete: complete, quarters: complete + [current],
            unitCodes: regionCodes + (1...industries.count).map { String(format: "I%02d", $0) },
            regionCodes: regionCodes, deadlineDays: app.config.deadlineDays,
            options: options)
        let state = State(seed: options.seed)
        state.summary.periods = complete
        state.credentials = credentials(plan)
        state.hashing = hashing(state.credentials, pool: app.passwordPool)

        let clock = ContinuousClock()
        for (name, phase) in [
            ("registers", registers), ("users", makeUsers), ("supervision", supervision), ("certificates", certificates),
            ("complaints", makeComplaints), ("reports and bulletins", reportsAndBulletins),
        ] {
            let t0 = clock.now
            try await phase(app, plan, state)
            app.logger.debug("demo data: \(name) in \(clock.now - t0)")
        }
        state.summary.users.sort { ($0.role == .unit ? 0 : 1, $0.username) < ($1.role == .unit ? 0 : 1, $1.username) }
        return .made(state.summary)
    }

    // MARK: Registers: units, occupations, fee standards, stations, supervisors, sessions, visits

    static func registers(_ app: Application, _ plan: Plan, _ state: State) async throws {
        let scale = plan.options.scale
        try await app.write { tx in
            for (i, name) in industries.enumerated() {
                let code = String(format: "I%02d", i + 1)
                if try await UnitModel.find(code, on: tx) == nil {
                    try await UnitModel(code: code, name: name, kind: .industry).create(on: tx)
                }
            }
            for (code, name) in occupations where try await Occupation.find(code, on: tx) == nil {
                try await Occupation(code: code, name: name).create(on: tx)
            }
        }
        state.summary.units = plan.unitCodes.count
        state.summary.occupations = occupations.count

        // How careful each unit is: a third never breach a rule, a few often do; one industry has
        // no government fee standard at all.
        for unit in plan.unitCodes {
            let roll = state.int(0...99)
            let risk = roll < 35 ? 0 : (roll < 85 ? 1 : 3)
            state.risk[unit] = risk
            state.breaches[unit] = plan.quarters.map { _ in
                Breaches(
                    unverifiedStandards: state.chance(Double(6 * risk)), uncertifiedBanks: state.chance(Double(8 * risk)),
                    crossRegion: state.chance(Double(6 * risk)), overcharge: state.chance(Double(7 * risk)),
                    noSupervision: state.chance(Double(4 * risk)))
            }
        }
        state.noFeeStandard = [state.pick(Array(plan.unitCodes.suffix(industries.count)))]

        try await app.write { tx in
            for unit in plan.unitCodes {
                for level in Level.allCases
                where Int.random(in: 0..<100, using: &state.rng) < 85 && !state.noFeeStandard.contains(unit) {
                    let f = FeeStandard()
                    f.id = state.uuid()
                    f.$unit.id = unit
                    f.level = level.rawValue
                    f.feeFen = Int64(6000 + 4000 * (5 - Int(level.rawValue)!)) * 10
                    f.document = "\(unit)价费〔2003〕\(Int.random(in: 1...99, using: &state.rng))号"
                    f.active = true
                    try await f.create(on: tx)
                }
                for n in 1...(2 * scale) {
                    let code = "\(unit)-\(String(format: "%03d", n))"
                    let region = unit.hasPrefix("I") ? plan.regionCodes.randomElement(using: &state.rng)! : unit
                    let s = Station()
                    s.id = code
                    s.name = "第\(n)职业技能鉴定站"
                    s.$unit.id = unit
                    s.$region.id = region
                    s.status = .active
                    licence(s, unit: unit, n: n, plan: plan)
                    try await s.create(on: tx)
                    var scope: [(String, Int)] = []
                    for occ in occupations.shuffled(using: &state.rng).prefix(Int.random(in: 3...6, using: &state.rng)) {
                        let max = Int.random(in: 1...4, using: &state.rng)
                        scope.append((occ.0, max))
                        let sc = StationScope(station: code, occupation: occ.0, maxLevel: String(max))
                        sc.id = state.uuid()
                        try await sc.create(on: tx)
                    }
                    state.stations.append((code, unit, region, scope))
                }
                for n in 1...max(1, scale) {
                    let sv = Supervisor()
                    sv.id = state.uuid()
                    sv.$unit.id = unit
                    sv.name = "督导员\(unit)-\(n)"
                    sv.licenceNo = "DD-\(unit)-\(String(format: "%04d", n))"
                    sv.validUntil = "2028-12-31"
                    sv.active = true
                    try await sv.create(on: tx)
                    state.supervisors[unit, default: []].append(sv.id!)
                }
            }
        }
        try await app.write { tx in try await inspections(plan, state, on: tx) }
        // A few supervisors log in themselves: named by their licence number.
        for unit in supervisorLoginUnits where plan.unitCodes.contains(unit) {
            if let first = state.supervisors[unit]?.first { state.supervisorLogins[first] = supervisorLogin(unit) }
        }
        state.summary.stations = state.stations.count

        // Exam sessions from the first of the eight quarters to today, written in bulk.
        let start = plan.complete[0].start
        var days: [(day: String, quarter: Int)] = []
        for d in 0..<(9 * 92) {
            let s = day(Period.calendar.date(byAdding: .day, value: d, to: start)!)
            guard s <= plan.today else { break }
            days.append((s, plan.quarterIndex(s)!))
        }
        let regionCodes = plan.regionCodes
        var rows: [String] = []
        var total = 0
        func flush() async throws {
            guard !rows.isEmpty else { return }
            let statement = SQLQueryString(
                "INSERT INTO exam_sessions (id, station_code, unit_code, occupation_code, level, date, region_code, "
                    + "standard_kind, bank_kind, bank_code, candidates, passed, fee_fen, supervisor_id, created_by) VALUES "
                    + rows.joined(separator: ","))
            try await app.write { tx in try await (tx as! any SQLDatabase).raw(statement).run() }
            total += rows.count
            rows.removeAll(keepingCapacity: true)
        }
        for st in state.stations {
            let unitSupervisors = state.supervisors[st.unit] ?? []
            let profile = state.breaches[st.unit]!
            let creator = plan.username(st.unit)
            for _ in 0..<plan.options.sessionsPerStation {
                let (date, q) = days.randomElement(using: &state.rng)!
                let b = profile[q]
                let (occ, maxLevel) = st.scope.randomElement(using: &state.rng)!
                var level = Int.random(in: maxLevel...5, using: &state.rng)
                var region = st.region
                var occupation = occ
                if b.crossRegion {
                    let roll = Int.random(in: 0..<1000, using: &state.rng)
                    if roll < 5 { region = regionCodes.randomElement(using: &state.rng)! }  // cross-region
                    if roll >= 5 && roll < 10 { level = max(1, maxLevel - 1) }  // above the authorised level
                    if roll >= 10 && roll < 15 { occupation = occupations.randomElement(using: &state.rng)!.0 }  // out of scope
                }
                let std = Int.random(in: 0..<100, using: &state.rng)
                let standard = std < 85 ? "national" : (std < 96 || !b.unverifiedStandards ? "verifiedLocal" : "unverifiedLocal")
                let bk = Int.random(in: 0..<100, using: &state.rng)
                let bank = bk < 80 ? "national" : (bk < 95 || !b.uncertifiedBanks ? "certifiedLocal" : "uncertifiedLocal")
                let bankCode =
                    switch bank {
                    case "national": "GJ-\(occupation)"
                    case "certifiedLocal": "\(st.unit)-TK-\(Int.random(in: 1...8, using: &state.rng))"
                    default: "\(st.unit)-ZB-\(Int.random(in: 1...3, using: &state.rng))"
                    }
                let candidates = Int.random(in: 10...80, using: &state.rng)
                let passed = Int.random(in: candidates / 2...candidates, using: &state.rng)
                let over = b.overcharge && Int.random(in: 0..<1000, using: &state.rng) < 12
                let fee = Int64(6000 + 4000 * (5 - level)) * 10 + (over ? 5000 : 0)
                let supervisor =
                    !b.noSupervision && Int.random(in: 0..<100, using: &state.rng) < 30
                    ? unitSupervisors.randomElement(using: &state.rng).map { "'\($0.uuidString)'" } ?? "NULL" : "NULL"
                let id = state.uuid()
                if over { state.overcharged.append((id, st.unit, st.code, date)) }
                rows.append(
                    "('\(id.uuidString)','\(st.code)','\(st.unit)','\(occupation)','\(level)','\(date)','\(region)',"
                        + "'\(standard)','\(bank)','\(bankCode)',\(candidates),\(passed),\(fee),\(supervisor),'\(creator)')"
                )
                if rows.count == 2000 { try await flush() }
            }
        }
        try await flush()
        state.summary.sessions = total

        // Supervision visits: now and then to each station (never in a quarter its unit did no
        // supervision), and after some overcharged sessions, to deal with them.
        var visits: [SupervisionVisit] = []
        func visit(
            _ unit: String, _ station: String, session: UUID?, on day: String, findings: String, found: Bool, handled: Bool
        ) {
            let v = SupervisionVisit()
            v.id = state.uuid()
            // Never a supervisor of the station's own unit (the tie rule of dispatch).
            let sv = state.pick(state.supervisors[neighbour(unit, plan)] ?? [])
            v.supervisorID = sv
            v.unitCode = unit
            v.stationCode = station
            v.sessionID = session
            v.visitedOn = day
            v.findings = findings
            v.violationFound = found
            v.violationHandled = found && handled
            v.recordedBy = state.supervisorLogins[sv] ?? plan.username(unit)
            visits.append(v)
        }
        for st in state.stations {
            for (q, period) in plan.quarters.enumerated() where !state.breaches[st.unit]![q].noSupervision {
                guard state.chance(30) else { continue }
                let d = addDays(day(period.start), state.int(0...89))
                guard d <= plan.today, plan.quarterIndex(d) == q else { continue }
                let found = state.chance(15)
                let old = d < addDays(plan.today, -30)
                visit(
                    st.unit, st.code, session: nil, on: d,
                    findings: found ? state.pick(violationFindings) : state.pick(cleanFindings),
                    found: found, handled: state.chance(old ? 70 : 25))
            }
        }
        for s in state.overcharged where state.chance(50) {
            var d = addDays(s.date, state.int(0...10))
            if plan.quarterIndex(d) != plan.quarterIndex(s.date) { d = s.date }
            guard d <= plan.today else { continue }
            visit(
                s.unit, s.station, session: s.id, on: d, findings: "鉴定收费超过政府规定标准，已责令鉴定站退还多收费用",
                found: true, handled: state.chance(d < addDays(plan.today, -20) ? 80 : 20))
        }
        let batch = visits
        try await app.write { tx in
            for chunk in stride(from: 0, to: batch.count, by: 500).map({ Array(batch[$0..<min($0 + 500, batch.count)]) }) {
                try await chunk.create(on: tx)
            }
        }
        state.visits = batch
    }

    /// The units one of whose supervisors has a login.
    static let supervisorLoginUnits = ["110000", "310000", "440000", "I01"]

    static let cleanFindings = ["考务管理规范，考场秩序良好", "考评员按规定回避，试卷保管符合要求", "鉴定程序规范，未发现违规问题"]
    static let violationFindings = [
        "发现考场秩序混乱、考评员未按规定回避", "发现部分考生未按规定核验身份", "发现试卷保管不符合保密要求",
        "发现鉴定站超出核准范围组织鉴定",
    ]
}
