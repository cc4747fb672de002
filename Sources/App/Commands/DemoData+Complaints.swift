import Domain
import Fluent
import Foundation
import Vapor

/// Whistle-blowing cases over the whole span, each with the trail the handling steps of
/// `Complaints.file`, `transition` and `reopen` write: some still waiting (and overdue), some
/// under investigation, transferred, handled (one referred to the police), unfounded, reopened.
extension DemoData {
    enum Step: Sendable {
        case investigate
        case handle(referred: Bool)
        case unfounded
        case transfer(to: String?)
        case reopen
    }

    struct CasePlan {
        var category: ComplaintCategory
        var unit: String?
        var receivedAt: Date
        /// Each step with the days it waits after the one before.
        var steps: [(Step, Double)]
        var keepReceipt = false
    }

    static let descriptions: [ComplaintCategory: [String]] = [
        .illegalTraining: [
            "有机构以“包过”为名举办职业技能培训班，收取高额培训费，声称可免考取得证书。",
            "某培训学校未经批准擅自举办鉴定考前培训班，并强制学员购买教材。",
        ],
        .illegalExam: [
            "鉴定现场考评员与考生串通，实际操作考核走过场，部分考生未到场即有成绩。",
            "鉴定站组织替考，理论考试时多人由他人代考。",
        ],
        .overcharge: [
            "鉴定站收取的鉴定费高于政府规定的收费标准，且不出具正规票据。",
            "报名时被要求另交“资料费”“场地费”，合计超过规定标准一倍以上。",
        ],
        .illegalFees: ["鉴定站以“加急办证”为名另行收取费用。", "补发证书时被收取不合理的手续费。"],
        .illegalCertificates: [
            "有人在网上出售职业资格证书，称无需考试、可查询，怀疑为伪造证书。",
            "单位招聘时发现应聘者所持证书编号无法查询，疑为私制证书。",
        ],
        .other: ["考评员长期在同一鉴定站连续执考，未按规定轮换。", "鉴定站公示的鉴定职业与实际开展的不一致。"],
    ]

    static func note(_ step: Step, _ category: ComplaintCategory) -> (note: String, publicNote: String?) {
        switch step {
        case .investigate: ("已受理，调取考场记录、报名材料和收费票据进行核查", "已受理，正在调查。")
        case .handle(referred: true): ("经查属实，涉嫌伪造、买卖证书，已移送公安机关并责令整改", "经查属实，已依法查处，并移送公安机关。")
        case .handle:
            (
                category == .overcharge ? "经查属实，已责令退还多收费用并通报批评" : "经查属实，已责令整改并按规定处理责任人",
                "经查属实，已依法查处。"
            )
        case .unfounded: ("经实地核查、询问相关人员，举报事项与事实不符", "经核查，举报事项不属实。")
        case .transfer: ("涉及的鉴定站不属本单位管辖，转有关单位办理", "已转有关单位办理。")
        case .reopen: ("重新启用 reopened: 举报人补充了新的证据，重新调查", nil)
        }
    }

    static func makeComplaints(_ app: Application, _ plan: Plan, _ state: State) async throws {
        var plans: [CasePlan] = []
        let categories: [(ComplaintCategory, Int)] = [
            (.illegalTraining, 15), (.illegalExam, 20), (.overcharge, 20), (.illegalFees, 10),
            (.illegalCertificates, 25), (.other, 10),
        ]
        func category() -> ComplaintCategory {
            var roll = state.int(0...99)
            for (c, w) in categories {
                if roll < w { return c }
                roll -= w
            }
            return .other
        }
        func gap(_ r: ClosedRange<Int>) -> Double { Double(state.int(r)) + Double(state.int(0...23)) / 24 }
        let latest = plan.now.addingTimeInterval(-86400)
        for unit in plan.unitCodes {
            let p = [10.0, 22, 22, 40][min(3, state.risk[unit] ?? 1)]
            for period in plan.quarters {
                for _ in 0..<3 where state.chance(p) {
                    let span = min(period.end, latest).timeIntervalSince(period.start)
                    guard span > 0 else { continue }
                    let at = period.start.addingTimeInterval(Double(state.int(0...Int(span))))
                    let c = category()
                    let roll = state.int(0...99)
                    let steps: [(Step, Double)]
                    switch roll {
                    case ..<50:
                        steps = [
                            (.investigate, gap(1...10)),
                            (.handle(referred: c == .illegalCertificates && state.chance(30)), gap(5...25)),
                        ]
                    case ..<60: steps = [(.unfounded, gap(3...20))]
                    case ..<70: steps = [(.investigate, gap(1...10)), (.unfounded, gap(5...25))]
                    case ..<80:
                        steps = [
                            (.transfer(to: nil), gap(1...8)), (.investigate, gap(2...10)),
                            (.handle(referred: false), gap(5...25)),
                        ]
                    case ..<84:
                        steps = [
                            (.investigate, gap(1...10)), (.handle(referred: false), gap(5...25)), (.reopen, gap(20...60)),
                            (.handle(referred: false), gap(10...30)),
                        ]
                    case ..<93: steps = [(.investigate, gap(1...10))]
                    default: steps = []
                    }
                    // A complaint about a guidance centre itself goes to the ministry.
                    plans.append(CasePlan(category: c, unit: state.chance(5) ? nil : unit, receivedAt: at, steps: steps))
                }
            }
        }
        // Every state at least once, in Beijing's cases (log in as 110000 to see them), whatever
        // the size: waiting, waiting past the deadline, investigating past it, transferred in,
        // handled with a referral to the police, unfounded, and reopened by the ministry.
        let show = plan.unitCodes[0]
        let day: Double = 86400
        func ago(_ days: Double) -> Date { plan.now.addingTimeInterval(-days * day + 9.5 * 3600) }
        let other = plan.unitCodes[1]
        plans += [
            CasePlan(category: .illegalExam, unit: show, receivedAt: ago(3), steps: []),
            CasePlan(category: .overcharge, unit: show, receivedAt: ago(Double(plan.complaintDays) + 15), steps: []),
            CasePlan(
                category: .illegalTraining, unit: show, receivedAt: ago(Double(plan.complaintDays) + 20),
                steps: [(.investigate, 5)]),
            CasePlan(category: .illegalFees, unit: other, receivedAt: ago(12), steps: [(.transfer(to: show), 9)]),
            CasePlan(
                category: .illegalCertificates, unit: show, receivedAt: ago(80),
                steps: [(.investigate, 2), (.handle(referred: true), 25)],
                keepReceipt: true),
            CasePlan(category: .overcharge, unit: show, receivedAt: ago(60), steps: [(.investigate, 3), (.unfounded, 15)]),
            CasePlan(
                category: .illegalExam, unit: show, receivedAt: ago(150),
                steps: [(.investigate, 3), (.handle(referred: false), 20), (.reopen, 60)],
                keepReceipt: true),
        ]

        let stationNames = Dictionary(grouping: state.stations, by: \.unit).mapValues { $0.map(\.code) }
        var complaints: [Complaint] = []
        var updates: [ComplaintUpdate] = []
        var contacts: [ComplaintContact] = []
        for cp in plans {
            let c = Complaint()
            c.id = state.uuid()
            let receipt = stride(from: 0, to: 32, by: 4).map { _ in
                String((0..<4).map { _ in state.pick(Complaints.receiptAlphabet) })
            }
            .joined(separator: "-")
            if cp.keepReceipt { state.summary.receipts.append(receipt) }
            c.receiptHash = Complaints.hash(Complaints.normalisedReceipt(receipt)!)
            c.category = cp.category
            c.$unit.id = cp.unit
            c.$owner.id = cp.unit
            if let u = cp.unit, state.chance(50), let stations = stationNames[u] {
                let code = state.pick(stations)
                c.station = "第\(Int(code.suffix(3)) ?? 1)职业技能鉴定站（\(code)）"
            }
            c.description = "（演示数据）" + state.pick(descriptions[cp.category]!)
            let channelRoll = state.int(0...99)
            c.channel = channelRoll < 60 ? .web : channelRoll < 85 ? .phone : channelRoll < 95 ? .letter : .visit
            // Staff record what comes by phone, letter or visit: the unit concerned, or the ministry.
            c.recordedBy = c.channel == .web ? nil : (cp.unit.map(plan.username) ?? plan.ministry)
            c.status = .received
            c.referredToPolice = false
            c.receivedAt = cp.receivedAt
            c.dueAt = cp.receivedAt.addingTimeInterval(Double(plan.complaintDays) * 86400)
            if c.channel == .web && state.chance(30) {
                contacts.append(
                    ComplaintContact(complaintID: c.id!, contact: "手机 1380013\(String(format: "%04d", state.int(0...9999)))"))
            }
            func record(
                _ from: ComplaintStatus?, _ to: ComplaintStatus, note: String?, publicNote: String?, fromOwner: String?,
                toOwner: String?, referred: Bool, actor: String, at: Date
            ) {
                let u = ComplaintUpdate(
                    complaint: c.id!, from: from, to: to, note: note, publicNote: publicNote, fromOwner: fromOwner,
                    toOwner: toOwner, referred: referred, actor: actor, at: at)
                u.id = state.uuid()
                updates.append(u)
            }
            record(
                nil, .received, note: nil, publicNote: nil, fromOwner: nil, toOwner: cp.unit, referred: false,
                actor: c.recordedBy ?? "public", at: c.receivedAt)
            var at = c.receivedAt
            for (step, after) in cp.steps {
                at = at.addingTimeInterval(after * day)
                guard at < plan.now.addingTimeInterval(-3600) else { break }
                let from = c.status
                let owner = c.ownerCode
                let texts = note(step, c.category)
                switch step {
                case .reopen:
                    guard from.isClosed else { break }
                    c.status = .investigating
                    c.closedAt = nil
                    record(
                        from, .investigating, note: texts.note, publicNote: nil, fromOwner: owner, toOwner: owner,
                        referred: false,
                        actor: plan.ministry, at: at)
                case .transfer(let named):
                    let target = named ?? state.pick(plan.unitCodes.filter { $0 != owner })
                    guard from.canMove(to: .transferred), target != owner else { break }
                    c.status = .transferred
                    c.$owner.id = target
                    record(
                        from, .transferred, note: texts.note, publicNote: texts.publicNote, fromOwner: owner, toOwner: target,
                        referred: false, actor: owner.map(plan.username) ?? plan.ministry, at: at)
                default:
                    let to: ComplaintStatus
                    var referred = false
                    switch step {
                    case .investigate: to = .investigating
                    case .handle(let r):
                        to = .handled
                        referred = r
                    default: to = .unfounded
                    }
                    guard from.canMove(to: to) else { break }
                    c.status = to
                    if referred { c.referredToPolice = true }
                    if to.isClosed { c.closedAt = at }
                    record(
                        from, to, note: texts.note, publicNote: texts.publicNote, fromOwner: owner, toOwner: owner,
                        referred: referred,
                        actor: owner.map(plan.username) ?? plan.ministry, at: at)
                }
            }
            complaints.append(c)
        }
        let cases = complaints
        let trail = updates
        let filers = contacts
        try await app.write { tx in
            for chunk in stride(from: 0, to: cases.count, by: 500).map({ Array(cases[$0..<min($0 + 500, cases.count)]) }) {
                try await chunk.create(on: tx)
            }
            for chunk in stride(from: 0, to: trail.count, by: 500).map({ Array(trail[$0..<min($0 + 500, trail.count)]) }) {
                try await chunk.create(on: tx)
            }
            try await filers.create(on: tx)
        }
        state.summary.complaints = complaints.count
    }
}
