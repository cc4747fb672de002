import CertificateKit
import Domain
import Fluent
import Foundation
import SQLKit
import Vapor

/// `zhijian demo-data --scale N [--seed S]`: a living system for a newcomer, deterministic for a
/// seed: a dozen industries, occupations named as in the national catalogue, stations, fee
/// standards, supervisors, exam sessions over two years, visits, certificates and complaints.
/// Each unit of scale gives every unit 2 stations and about 4,500 sessions.
struct DemoDataCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "scale", help: "Size: each unit of scale adds 2 stations and about 4,500 sessions per unit") var scale: Int?
        @Option(name: "seed", help: "Random seed (default 2003)") var seed: UInt64?
    }

    var help: String { "Fills the database with realistic, deterministic demo data." }

    struct Rng: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {   // SplitMix64
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let industries = ["机械工业", "煤炭工业", "电力工业", "交通运输", "建设行业", "化学工业", "冶金工业", "邮政行业",
                             "铁道行业", "民用航空", "林业行业", "农业行业"]
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

    /// The generator and what was made so far, shared by the transactions below.
    final class State: @unchecked Sendable {
        var rng: Rng
        var stations: [(code: String, unit: String, region: String, scope: [(String, Int)])] = []
        var supervisors: [String: [UUID]] = [:]
        init(seed: UInt64) { rng = Rng(state: seed) }
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await prepareDatabase(app)
        let scale = max(1, signature.scale ?? 1)
        let state = State(seed: signature.seed ?? 2003)
        let db = app.db
        guard db is any SQLDatabase else { return }
        let now = app.config.now()
        let today = Period.dayString(now)
        let existing = try await ExamSession.query(on: db).count()
        guard existing == 0 else {
            context.console.print("the database already has \(existing) sessions; demo data goes into an empty one")
            return
        }

        // Units, occupations, fee standards, stations, supervisors.
        let unitCodes = Regions.all.map(\.code) + (1...Self.industries.count).map { String(format: "I%02d", $0) }
        try await app.write { tx in
            for (i, name) in Self.industries.enumerated() {
                let code = String(format: "I%02d", i + 1)
                if try await UnitModel.find(code, on: tx) == nil { try await UnitModel(code: code, name: name, kind: .industry).create(on: tx) }
            }
            for (code, name) in Self.occupations where try await Occupation.find(code, on: tx) == nil {
                try await Occupation(code: code, name: name).create(on: tx)
            }
        }
        let regionCodes = Regions.all.map(\.code)
        try await app.write { tx in
            for unit in unitCodes {
                for level in Level.allCases where Int.random(in: 0..<100, using: &state.rng) < 85 {
                    let f = FeeStandard()
                    f.$unit.id = unit; f.level = level.rawValue; f.feeFen = Int64(6000 + 4000 * (5 - Int(level.rawValue)!)) * 10
                    f.document = "\(unit)价费〔2003〕\(Int.random(in: 1...99, using: &state.rng))号"; f.active = true
                    try await f.create(on: tx)
                }
                for n in 1...(2 * scale) {
                    let code = "\(unit)-\(String(format: "%03d", n))"
                    let region = unit.hasPrefix("I") ? regionCodes.randomElement(using: &state.rng)! : unit
                    let s = Station()
                    s.id = code; s.name = "第\(n)职业技能鉴定站"; s.$unit.id = unit; s.$region.id = region; s.status = .active
                    try await s.create(on: tx)
                    var scope: [(String, Int)] = []
                    for occ in Self.occupations.shuffled(using: &state.rng).prefix(Int.random(in: 3...6, using: &state.rng)) {
                        let max = Int.random(in: 1...4, using: &state.rng)
                        scope.append((occ.0, max))
                        try await StationScope(station: code, occupation: occ.0, maxLevel: String(max)).create(on: tx)
                    }
                    state.stations.append((code, unit, region, scope))
                }
                for n in 1...max(1, scale) {
                    let sv = Supervisor()
                    sv.$unit.id = unit; sv.name = "督导员\(unit)-\(n)"; sv.licenceNo = "DD-\(unit)-\(String(format: "%04d", n))"
                    sv.validUntil = "2028-12-31"; sv.active = true
                    try await sv.create(on: tx)
                    state.supervisors[unit, default: []].append(sv.id!)
                }
            }
        }

        // Exam sessions over two years, written in bulk.
        let startYear = Period.containing(now).year - 1
        let days = (0..<730).compactMap { d -> String? in
            let date = Period.calendar.date(byAdding: .day, value: d, to: Period(year: startYear, quarter: 1)!.start)!
            let s = Period.dayString(date)
            return s <= today ? s : nil
        }
        let sessionsPerStation = 4500 / 2
        var rows: [String] = []
        var total = 0
        func flush() async throws {
            guard !rows.isEmpty else { return }
            let statement = SQLQueryString("INSERT INTO exam_sessions (id, station_code, unit_code, occupation_code, level, date, region_code, standard_kind, bank_kind, bank_code, candidates, passed, fee_fen, supervisor_id, created_by) VALUES " + rows.joined(separator: ","))
            try await app.write { tx in try await (tx as! any SQLDatabase).raw(statement).run() }
            total += rows.count
            rows.removeAll(keepingCapacity: true)
        }
        for st in state.stations {
            let unitSupervisors = state.supervisors[st.unit] ?? []
            for _ in 0..<sessionsPerStation {
                let (occ, maxLevel) = st.scope.randomElement(using: &state.rng)!
                var level = Int.random(in: maxLevel...5, using: &state.rng)
                var region = st.region
                var occupation = occ
                let roll = Int.random(in: 0..<1000, using: &state.rng)
                if roll < 3 { region = regionCodes.randomElement(using: &state.rng)! }           // cross-region
                if roll >= 3 && roll < 5 { level = max(1, maxLevel - 1) }                     // above the authorised level
                if roll >= 5 && roll < 7 { occupation = Self.occupations.randomElement(using: &state.rng)!.0 }   // out of scope
                let std = Int.random(in: 0..<100, using: &state.rng)
                let standard = std < 85 ? "national" : (std < 97 ? "verifiedLocal" : "unverifiedLocal")
                let bk = Int.random(in: 0..<100, using: &state.rng)
                let bank = bk < 80 ? "national" : (bk < 97 ? "certifiedLocal" : "uncertifiedLocal")
                let bankCode = bank == "national" ? "GJ-\(occupation)" : "\(st.unit)-TK-\(Int.random(in: 1...8, using: &state.rng))"
                let candidates = Int.random(in: 10...80, using: &state.rng)
                let passed = Int.random(in: candidates / 2...candidates, using: &state.rng)
                let fee = Int64(6000 + 4000 * (5 - level)) * 10 + (Int.random(in: 0..<100, using: &state.rng) < 2 ? 5000 : 0)
                let supervisor = Int.random(in: 0..<100, using: &state.rng) < 30 ? unitSupervisors.randomElement(using: &state.rng).map { "'\($0.uuidString)'" } ?? "NULL" : "NULL"
                let date = days.randomElement(using: &state.rng)!
                let a = state.rng.next(), b = state.rng.next()
                let id = String(format: "%08X-%04X-4%03X-%04X-%012llX", UInt32(a >> 32), UInt16((a >> 16) & 0xFFFF),
                                UInt16(a & 0xFFF), UInt16((b >> 48) & 0x3FFF | 0x8000), b & 0xFFFF_FFFF_FFFF)
                rows.append("('\(id)','\(st.code)','\(st.unit)','\(occupation)','\(level)','\(date)','\(region)','\(standard)','\(bank)','\(bankCode)',\(candidates),\(passed),\(fee),\(supervisor),'demo')")
                if rows.count == 2000 { try await flush() }
            }
        }
        try await flush()

        // Supervision visits, a few certificates and complaints.
        try await app.write { tx in
            for st in state.stations where Int.random(in: 0..<100, using: &state.rng) < 60 {
                guard let sv = state.supervisors[st.unit]?.randomElement(using: &state.rng) else { continue }
                let v = SupervisionVisit()
                let found = Int.random(in: 0..<100, using: &state.rng) < 25
                v.supervisorID = sv; v.unitCode = st.unit; v.stationCode = st.code; v.visitedOn = days.randomElement(using: &state.rng)!
                v.findings = found ? "发现考场秩序混乱、考评员未按规定回避" : "考务管理规范"; v.violationFound = found
                v.violationHandled = found && Bool.random(using: &state.rng); v.recordedBy = "demo"
                try await v.create(on: tx)
            }
            for unit in unitCodes.prefix(10) {
                for _ in 0..<Int.random(in: 1...4, using: &state.rng) {
                    let c = Complaint()
                    c.receiptHash = Complaints.hash(Complaints.normalisedReceipt(Complaints.newReceipt())!)
                    c.category = ComplaintCategory.allCases.randomElement(using: &state.rng)!
                    c.$unit.id = unit; c.$owner.id = unit; c.description = "演示数据：群众反映该单位所属鉴定站存在违规行为，请核查。"
                    c.channel = .web; c.status = .received; c.referredToPolice = false
                    c.receivedAt = now.addingTimeInterval(-Double(Int.random(in: 1...200, using: &state.rng)) * 86400)
                    c.dueAt = c.receivedAt.addingTimeInterval(30 * 86400)
                    try await c.create(on: tx)
                    try await Complaints.update(c, from: nil, to: .received, note: nil, publicNote: nil, fromOwner: nil, toOwner: unit,
                                                referred: false, actor: "demo", at: c.receivedAt, on: tx)
                }
            }
        }
        context.console.print("demo data: \(unitCodes.count) units, \(Self.occupations.count) occupations, \(state.stations.count) stations, \(total) sessions")
    }
}
