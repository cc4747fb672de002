import CertificateKit
import Domain
import Fluent
import Foundation
import SQLKit
import Vapor

/// Certificate stock: orders, the ministry's allocations and the payments that feed columns
/// 25–28, certificates issued from each unit's own stock (signed, as their QR codes need), a
/// few revoked, spoiled blanks voided, and the traces of forgery the public lookups leave.
extension DemoData {
    static let unitPrices: [Level: Int64] = [.five: 450, .four: 500, .three: 550, .two: 600, .one: 650]  // fen
    static let revokeReasons = [
        "鉴定考试中冒名顶替，经查属实，依法撤销证书", "鉴定成绩经复核不合格，撤销证书",
        "持证人提供虚假申报材料取得鉴定资格，撤销证书",
    ]
    static let voidReasons = ["套印错位，空白证书作废", "填写错误，证书作废", "运输中受潮污损，空白证书作废"]

    static func certificates(_ app: Application, _ plan: Plan, _ state: State) async throws {
        let ministry = User(username: plan.ministry, passwordHash: "", role: .ministry, unitCode: nil)
        let scale = plan.options.scale

        // What each unit orders, quarter by quarter, from the first of January of the first
        // reported year: the year-to-date amounts of the first quarters need the earlier orders.
        struct Planned {
            let unit: String
            let level: Level
            let quantity: Int
            let orderedOn: String
            let allocatedOn: String?
        }
        var planned: [Planned] = []
        var slowPayer: [String: Bool] = [:]  // "unit/year": pays part of what it owes
        let first = Period(year: plan.complete[0].year, quarter: 1)!
        for unit in plan.unitCodes {
            var p = first
            while p <= plan.current {
                defer { p = p.next }
                if p.quarter == 1 { slowPayer["\(unit)/\(p.year)"] = state.chance(Double(8 + 6 * (state.risk[unit] ?? 1))) }
                guard state.chance(70) else { continue }
                let orderedOn = addDays(day(p.start), state.int(0...49))
                guard orderedOn <= plan.today else { continue }
                let roll = state.int(0...99)
                let level: Level = roll < 40 ? .five : roll < 70 ? .four : roll < 90 ? .three : roll < 97 ? .two : .one
                let allocatedOn = addDays(orderedOn, state.int(1...7))
                planned.append(
                    Planned(
                        unit: unit, level: level, quantity: state.int(4...30) * 50 * scale, orderedOn: orderedOn,
                        allocatedOn: allocatedOn <= plan.today ? allocatedOn : nil))
            }
        }
        // The ministry allocates in the order the orders arrive, so serial ranges follow the calendar.
        planned.sort { ($0.orderedOn, $0.unit) < ($1.orderedOn, $1.unit) }
        let orders = planned
        let unitUsers = state.users
        let allocated: [CertificateOrder] = try await app.write { tx in
            var made: [(CertificateOrder, Int)] = []
            for (i, o) in orders.enumerated() {
                let order = try await Certificates.order(
                    unitCode: o.unit, level: o.level, quantity: o.quantity,
                    actor: unitUsers[plan.username(o.unit)]!, on: tx)
                made.append((order, i))
            }
            var allocated: [CertificateOrder] = []
            for (order, i) in made {
                guard let on = orders[i].allocatedOn else { continue }
                allocated.append(
                    try await Certificates.allocate(
                        try order.requireID(), unitPrice: Money(fen: unitPrices[orders[i].level]!),
                        allocatedOn: on, on: tx))
            }
            return allocated
        }
        state.summary.orders = orders.count

        // Payments: within the year, most in full, some in two parts; slow payers pay part.
        var payments: [(UUID, Int64, String)] = []
        for order in allocated {
            guard let due = order.dueFen, let on = order.allocatedOn else { continue }
            let yearEnd = "\(on.prefix(4))-12-31"
            func when(_ d: String) -> String? {
                let c = min(d, yearEnd)
                return c <= plan.today ? c : nil
            }
            if slowPayer["\(order.unitCode)/\(on.prefix(4))"] == true {
                let part = due * Int64(state.int(50...90)) / 100 / 100 * 100
                if part > 0, let d = when(addDays(on, state.int(5...25))) { payments.append((order.id!, part, d)) }
            } else if state.chance(30) {
                let half = due / 2 / 100 * 100
                let d1 = addDays(on, state.int(3...15))
                if let a = when(d1) { payments.append((order.id!, half, a)) }
                if let b = when(addDays(d1, state.int(5...20))) { payments.append((order.id!, due - half, b)) }
            } else if let d = when(addDays(on, state.int(5...25))) {
                payments.append((order.id!, due, d))
            }
        }
        let toPay = payments
        try await app.write { tx in
            for (id, fen, on) in toPay {
                _ = try await Certificates.pay(id, amount: Money(fen: fen), paidOn: on, actor: ministry, on: tx)
            }
        }

        // Certificates issued from each allocated order, checked as issuance checks them, each
        // against its holder's pass: every order's certificates come from one exam session at
        // one of the unit's stations, three days after the blanks arrived, where some failed too.
        let ranges = try await Certificates.ranges(on: app.db)
        let stationsOf = Dictionary(grouping: state.stations, by: \.unit)
        var certificates: [Certificate] = []
        var events: [CertificateEvent] = []
        var revocable: [Int] = []
        var sessions: [ExamSession] = []
        var results: [ExamResult] = []
        /// Sessions whose certificates outnumber their passes: records "from before the pass rule".
        var overCertifiable: [(session: ExamSession, order: CertificateOrder, next: Int64)] = []
        for order in allocated {
            guard let from = order.serialFrom, let on = order.allocatedOn else { continue }
            let unit = order.unitCode
            let actor = plan.username(unit)
            let firstIssue = addDays(on, 7)
            guard firstIssue <= plan.today, let own = stationsOf[unit], let anyStation = own.first else { continue }
            let n = min(order.quantity - 1, state.int(8...24) * scale)
            let level = Int(order.level) ?? 5
            let fits = own.flatMap { st in st.scope.filter { $0.1 <= level }.map { (st, $0.0) } }
            let (station, occupation) = fits.isEmpty ? (anyStation, anyStation.scope[0].0) : state.pick(fits)
            let examDay = addDays(on, 3)
            let failed = state.int(0...max(1, n / 4))
            let session = ExamSession()
            session.id = state.uuid()
            session.$station.id = station.code
            session.unitCode = unit
            session.occupation = occupation
            session.level = order.level
            session.date = examDay
            session.regionCode = station.region
            session.standardKind = "national"
            session.bankKind = "national"
            session.bankCode = "GJ-\(occupation)"
            session.candidates = n + failed
            session.passed = n
            session.results = n + failed
            session.passes = n
            session.feeFen = Int64(6000 + 4000 * (5 - level)) * 10
            session.createdBy = actor
            sessions.append(session)
            func result(_ name: String, _ id: String, passed: Bool) -> ExamResult {
                let r = ExamResult()
                r.id = state.uuid()
                r.$session.id = session.id!
                r.name = name
                r.idNumber = id
                r.passed = passed
                r.score = Double(passed ? state.int(60...98) : state.int(25...59))
                r.recordedBy = actor
                r.recordedAt = date(examDay, hour: 17)
                return r
            }
            for _ in 0..<failed {
                results.append(result(personName(state), idNumber(region: station.region, state), passed: false))
            }
            var issuedDays: [String] = []
            for k in 0..<n {
                var issuedOn = addDays(on, state.int(7...75))
                if issuedOn > plan.today { issuedOn = plan.today }
                let input = Issuance.Input(
                    serial: Serials.format(from + Int64(k)), holderName: personName(state),
                    idNumber: idNumber(region: station.region, state), occupation: occupation, level: order.level,
                    issuedOn: issuedOn)
                if let problem = Issuance.check(input, unit: unit, ranges: ranges, today: plan.today) {
                    throw Abort(.internalServerError, reason: "demo certificate \(input.serial) refused: \(problem.code)")
                }
                let pass = result(input.holderName, input.idNumber, passed: true)
                results.append(pass)
                let c = Certificate()
                c.id = input.serial
                c.$unit.id = unit
                c.status = .issued
                c.holderName = input.holderName
                c.idNumber = input.idNumber
                c.occupation = input.occupation
                c.level = input.level
                c.issuedOn = input.issuedOn
                c.sessionID = session.id
                c.resultID = pass.id
                certificates.append(c)
                issuedDays.append(issuedOn)
                if state.chance(1.2) { revocable.append(certificates.count - 1) }
            }
            if n > 0 {
                // Issued as one file, the way units import their certificates.
                events.append(
                    CertificateEvent(
                        serial: Serials.format(from), unitCode: unit, action: "import",
                        reason: "\(n) certificates", actor: actor, at: date(issuedDays.min()!, hour: 15)))
                if Int64(n) + 3 < Int64(order.quantity) { overCertifiable.append((session, order, from + Int64(n) + 1)) }
            }
            if n > 0 && state.chance(20) {
                let c = Certificate()
                c.id = Serials.format(from + Int64(n))
                c.$unit.id = unit
                c.status = .voided
                c.level = order.level
                c.reason = state.pick(voidReasons)
                certificates.append(c)
                events.append(
                    CertificateEvent(
                        serial: c.serial, unitCode: unit, action: "void", reason: c.reason, actor: actor,
                        at: date(issuedDays.max()!, hour: 16)))
            }
        }
        // Deliberate breaches for the ministry to find: two sessions holding more certificates
        // than passes (records said to predate the pass rule, with no result behind them), and
        // issuances refused for want of a pass.
        var refusals: [IssuanceRefusal] = []
        for (k, o) in overCertifiable.suffix(2).enumerated() {
            for j in 0..<(k + 1) {
                let c = Certificate()
                c.id = Serials.format(o.next + Int64(j))
                c.$unit.id = o.order.unitCode
                c.status = .issued
                c.holderName = personName(state)
                c.idNumber = idNumber(region: o.session.regionCode, state)
                c.occupation = o.session.occupation
                c.level = o.session.level
                c.issuedOn = min(addDays(o.session.date, 10), plan.today)
                c.sessionID = o.session.id
                certificates.append(c)
            }
        }
        for _ in 0..<(6 * scale) {
            let unit = state.pick(plan.unitCodes)
            let d = addDays(plan.today, -state.int(0...120))
            let r = IssuanceRefusal(
                unitCode: unit, serial: Serials.format(Int64(state.int(1...999_999))),
                idNumber: idNumber(region: unit.first == "I" ? "110000" : unit, state),
                code: state.chance(70) ? "no_pass_record" : "already_certified", source: state.chance(50) ? "single" : "import",
                actor: plan.username(unit), at: date(d, hour: state.int(9...17)))
            r.id = state.uuid()
            refusals.append(r)
        }

        // At least a few revoked and one voided, however small the run.
        if revocable.count < 3 {
            revocable += certificates.indices.filter { certificates[$0].status == .issued && !revocable.contains($0) }.prefix(
                3 - revocable.count)
        }
        for i in revocable {
            let c = certificates[i]
            var on = addDays(c.issuedOn!, state.int(20...200))
            if on > plan.today { on = plan.today }
            c.status = .revoked
            c.reason = state.pick(revokeReasons)
            events.append(
                CertificateEvent(
                    serial: c.serial, unitCode: c.unitCode, action: "revoke", reason: c.reason,
                    actor: plan.username(c.unitCode), at: date(on, hour: 11)))
        }
        if !certificates.contains(where: { $0.status == .voided }), let order = allocated.first {
            let c = Certificate()
            c.id = Serials.format(order.serialTo!)
            c.$unit.id = order.unitCode
            c.status = .voided
            c.level = order.level
            c.reason = voidReasons[0]
            certificates.append(c)
            events.append(
                CertificateEvent(
                    serial: c.serial, unitCode: c.unitCode, action: "void", reason: c.reason,
                    actor: plan.username(c.unitCode), at: date(min(addDays(order.allocatedOn!, 3), plan.today))))
        }

        // Numbers in order of issue within each unit, year and level, as issuance gives them.
        var numbering = CertificateNumbering()
        for c in certificates.filter({ $0.status != .voided }).sorted(by: {
            ($0.issuedOn ?? "", $0.serial) < ($1.issuedOn ?? "", $1.serial)
        }) {
            c.certificateNumber = numbering.next(unit: c.unitCode, issuedOn: c.issuedOn, level: c.level)
        }

        // Signed now with the active key, exactly as `Signing.token` signs on first request.
        let key = try await Signing.activeKey(vault: app.keyVault, store: app.store)
        for c in certificates where c.status != .voided {
            c.token = try await Signing.sign(c, with: key)
        }
        for e in events { e.id = state.uuid() }

        // Traces of forgery: public lookups of serials never allocated, and a unit's attempts to
        // use another unit's stock.
        var leads: [ForgeryLead] = []
        for _ in 0..<4 {
            let serial = "9" + String(format: "%011lld", Int64(state.int(0...999_999)) * 100_003 % 100_000_000_000)
            var days: Set<String> = []
            for _ in 0..<state.int(1...3) {
                let d = addDays(plan.today, -state.int(0...40))
                guard days.insert(d).inserted else { continue }
                let l = ForgeryLead(
                    serial: serial, day: d, kind: .neverAllocated, unitCode: nil, lookups: state.int(1...4),
                    at: date(d, hour: state.int(8...20), minute: state.int(0...59)))
                l.id = state.uuid()
                leads.append(l)
            }
        }
        var breaches: [SerialBreach] = []
        let owned = certificates.filter { $0.status == .issued }
        if owned.count > 10 {
            for k in 0..<2 {
                let target = owned[owned.count / 3 * (k + 1)]
                let other = state.pick(plan.unitCodes.filter { $0 != target.unitCode })
                let d = addDays(plan.today, -state.int(1...60))
                let b = SerialBreach(
                    unitCode: other, serial: Serials.format(Serials.parse(target.serial)! + 1), ownerCode: target.unitCode,
                    source: k == 0 ? "single" : "import", actor: plan.username(other), at: date(d, hour: 14))
                b.id = state.uuid()
                breaches.append(b)
            }
        }
        let all = certificates
        let trail = events
        let found = leads
        let attempts = breaches
        let held = sessions
        let marked = results
        let refused = refusals
        let numbered = numbering
        try await app.write { tx in
            for start in stride(from: 0, to: held.count, by: 500) {
                try await Array(held[start..<min(start + 500, held.count)]).create(on: tx)
            }
            for start in stride(from: 0, to: marked.count, by: 500) {
                try await Array(marked[start..<min(start + 500, marked.count)]).create(on: tx)
            }
            try await refused.create(on: tx)
            for chunk in stride(from: 0, to: all.count, by: 500).map({ Array(all[$0..<min($0 + 500, all.count)]) }) {
                try await chunk.create(on: tx)
            }
            for chunk in stride(from: 0, to: trail.count, by: 500).map({ Array(trail[$0..<min($0 + 500, trail.count)]) }) {
                try await chunk.create(on: tx)
            }
            try await found.create(on: tx)
            try await attempts.create(on: tx)
            guard let sql = tx as? any SQLDatabase else { return }
            try await numbered.save(on: sql)
        }
        state.summary.certificates = certificates.count
        state.summary.results = results.count
    }
}
