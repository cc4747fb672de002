import Crypto
import Domain
import Fluent
import Foundation
import Vapor

/// Whistle-blowing cases over the whole span, each with the trail the handling steps of
/// `Complaints.file`, `transition` and `reopen` write: some still waiting (and overdue), some
/// under investigation, transferred, handled (one referred to the police), unfounded, reopened.
extension DemoData {
    enum Step: Sendable {
        case accept
        case refuse
        case extend
        case ask(answered: Bool)
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
        /// About the guidance centre itself: the ministry handles it.
        var aboutCentre = false
        /// Evidence: a photo the filer attached.
        var evidence = false
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
        case .accept: ("举报事项明确，属本单位管辖，予以受理", "已受理。")
        case .refuse: ("举报内容不具体，无法核实", "不予受理：举报未提供具体的机构、时间或事实，无法核实。")
        case .extend: ("案情复杂，需延期调查", nil)
        case .ask: ("向举报人询问", nil)
        case .investigate: ("调取考场记录、报名材料和收费票据进行核查", "正在调查。")
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

    /// A small picture (PNG, 8×8, red) standing for the filer's evidence.
    static let evidencePNG: [UInt8] = [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x08,
        0x00, 0x00, 0x00, 0x08, 0x08, 0x02, 0x00, 0x00, 0x00, 0x4B, 0x6D, 0x29, 0xDC, 0x00, 0x00, 0x00, 0x11, 0x49, 0x44, 0x41,
        0x54, 0x78, 0xDA, 0x63, 0x38, 0x21, 0x27, 0x87, 0x15, 0x31, 0x0C, 0x2D, 0x09, 0x00, 0x90, 0xBF, 0x41, 0x01, 0xCF, 0x70,
        0xA1, 0x3C, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ]

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
                            (.accept, gap(1...4)), (.investigate, gap(0...6)),
                            (.handle(referred: c == .illegalCertificates && state.chance(30)), gap(5...25)),
                        ]
                    case ..<60: steps = [(.refuse, gap(1...4))]
                    case ..<70: steps = [(.accept, gap(1...4)), (.investigate, gap(1...10)), (.unfounded, gap(5...25))]
                    case ..<80:
                        steps = [
                            (.transfer(to: nil), gap(1...4)), (.accept, gap(1...4)), (.investigate, gap(2...10)),
                            (.handle(referred: false), gap(5...25)),
                        ]
                    case ..<84:
                        steps = [
                            (.accept, gap(1...4)), (.investigate, gap(1...10)), (.handle(referred: false), gap(5...25)),
                            (.reopen, gap(20...60)),
                            (.handle(referred: false), gap(10...30)),
                        ]
                    case ..<93: steps = [(.accept, gap(1...4)), (.investigate, gap(1...10))]
                    default: steps = []
                    }
                    // A complaint about a guidance centre itself goes to the ministry.
                    plans.append(CasePlan(category: c, unit: unit, receivedAt: at, steps: steps, aboutCentre: state.chance(5)))
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
            CasePlan(category: .illegalExam, unit: show, receivedAt: ago(3), steps: [], evidence: true),
            CasePlan(category: .overcharge, unit: show, receivedAt: ago(15), steps: []),
            CasePlan(
                category: .illegalTraining, unit: show, receivedAt: ago(100), steps: [(.accept, 2), (.investigate, 5)]),
            CasePlan(category: .illegalFees, unit: other, receivedAt: ago(12), steps: [(.transfer(to: show), 2)]),
            CasePlan(
                category: .illegalCertificates, unit: show, receivedAt: ago(80),
                steps: [(.accept, 1), (.investigate, 2), (.handle(referred: true), 25)],
                keepReceipt: true),
            CasePlan(
                category: .overcharge, unit: show, receivedAt: ago(60),
                steps: [(.accept, 2), (.investigate, 3), (.unfounded, 15)]),
            CasePlan(category: .other, unit: show, receivedAt: ago(20), steps: [(.refuse, 3)], keepReceipt: true),
            CasePlan(
                category: .illegalExam, unit: show, receivedAt: ago(150),
                steps: [(.accept, 1), (.investigate, 3), (.handle(referred: false), 20), (.reopen, 60)],
                keepReceipt: true),
            CasePlan(
                category: .overcharge, unit: show, receivedAt: ago(40),
                steps: [(.accept, 2), (.investigate, 1), (.ask(answered: false), 3)], keepReceipt: true, evidence: true),
            CasePlan(
                category: .illegalExam, unit: show, receivedAt: ago(70),
                steps: [(.accept, 2), (.investigate, 1), (.ask(answered: true), 3), (.extend, 20)]),
            CasePlan(category: .overcharge, unit: show, receivedAt: ago(5), steps: [], aboutCentre: true),
        ]

        let stationNames = Dictionary(grouping: state.stations, by: \.unit).mapValues { $0.map(\.code) }
        var complaints: [Complaint] = []
        var updates: [ComplaintUpdate] = []
        var contacts: [ComplaintContact] = []
        var messages: [ComplaintMessage] = []
        var files: [ComplaintAttachment] = []
        let calendar = app.workingDays
        let decisionDays = app.config.complaintDecisionDays
        let resultDays = app.config.complaintResultDays
        for cp in plans {
            let c = Complaint()
            func due(_ days: Int, from: Date) {
                c.dueFrom = from
                c.dueDays = days
                c.dueAt = calendar.deadline(workingDays: days, from: from)
            }
            c.id = state.uuid()
            let receipt = stride(from: 0, to: 32, by: 4).map { _ in
                String((0..<4).map { _ in state.pick(Complaints.receiptAlphabet) })
            }
            .joined(separator: "-")
            if cp.keepReceipt { state.summary.receipts.append(receipt) }
            c.receiptHash = Complaints.hash(Complaints.normalisedReceipt(receipt)!)
            c.category = cp.category
            c.$unit.id = cp.unit
            c.$owner.id = cp.aboutCentre ? nil : cp.unit
            c.aboutCentre = cp.aboutCentre && cp.unit != nil
            c.extensionDays = 0
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
            due(decisionDays, from: cp.receivedAt)
            if cp.evidence {
                let a = ComplaintAttachment()
                a.id = state.uuid()
                a.$complaint.id = c.id!
                a.name = "现场照片.png"
                a.contentType = Evidence.Kind.png.contentType
                a.data = Data(DemoData.evidencePNG)
                a.size = DemoData.evidencePNG.count
                a.sha256 = SHA256.hash(data: DemoData.evidencePNG).map { String(format: "%02x", $0) }.joined()
                a.fromFiler = true
                a.actor = "filer"
                a.at = cp.receivedAt
                files.append(a)
            }
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
                nil, .received, note: nil, publicNote: nil, fromOwner: nil, toOwner: c.ownerCode, referred: false,
                actor: c.recordedBy ?? "public", at: c.receivedAt)
            var at = c.receivedAt
            for (step, after) in cp.steps {
                at = at.addingTimeInterval(after * day)
                guard at < plan.now.addingTimeInterval(-3600) else { break }
                let from = c.status
                let owner = c.ownerCode
                let texts = note(step, c.category)
                let handler = owner.map(plan.username) ?? plan.ministry
                switch step {
                case .reopen:
                    guard from.isClosed else { break }
                    c.status = from == .refused ? .accepted : .investigating
                    c.closedAt = nil
                    c.acceptedAt = at
                    due(resultDays + c.extensionDays, from: at)
                    record(
                        from, c.status, note: texts.note, publicNote: nil, fromOwner: owner, toOwner: owner,
                        referred: false,
                        actor: plan.ministry, at: at)
                case .accept:
                    guard from.canMove(to: .accepted) else { break }
                    c.status = .accepted
                    c.acceptedAt = at
                    due(resultDays, from: at)
                    record(
                        from, .accepted, note: texts.note, publicNote: texts.publicNote, fromOwner: owner, toOwner: owner,
                        referred: false, actor: handler, at: at)
                case .refuse:
                    guard from.canMove(to: .refused) else { break }
                    c.status = .refused
                    c.closedAt = at
                    c.refusalReason = "举报未提供具体的机构、时间或事实，无法核实。"
                    record(
                        from, .refused, note: texts.note, publicNote: texts.publicNote, fromOwner: owner, toOwner: owner,
                        referred: false, actor: handler, at: at)
                case .extend:
                    guard !from.isClosed, let accepted = c.acceptedAt else { break }
                    c.extensionDays = 20
                    c.extensionReason = "需调取外省考场监控录像，调查时间较长"
                    due(resultDays + 20, from: accepted)
                    record(
                        from, from, note: "延期20个工作日 extended by 20 working days: " + (c.extensionReason ?? ""),
                        publicNote: "办理期限延长20个工作日。", fromOwner: owner, toOwner: owner, referred: false,
                        actor: plan.ministry, at: at)
                case .ask(let answered):
                    let q = ComplaintMessage(
                        complaint: c.id!, position: 0, fromFiler: false, body: "请提供缴费票据的照片，并说明收费人员的姓名或工号。", actor: handler,
                        at: at)
                    q.id = state.uuid()
                    messages.append(q)
                    if answered {
                        let a = ComplaintMessage(
                            complaint: c.id!, position: 1, fromFiler: true, body: "票据已丢失，收费人员自称姓王，当天在二楼报名处收费。", actor: "filer",
                            at: at.addingTimeInterval(86400))
                        a.id = state.uuid()
                        messages.append(a)
                    }
                case .transfer(let named):
                    let target = named ?? state.pick(plan.unitCodes.filter { $0 != owner })
                    guard from.canMove(to: .transferred), target != owner else { break }
                    c.status = .transferred
                    c.$owner.id = target
                    c.acceptedAt = nil
                    due(decisionDays, from: at)
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
        let thread = messages
        let evidence = files
        try await app.write { tx in
            for chunk in stride(from: 0, to: cases.count, by: 500).map({ Array(cases[$0..<min($0 + 500, cases.count)]) }) {
                try await chunk.create(on: tx)
            }
            for chunk in stride(from: 0, to: trail.count, by: 500).map({ Array(trail[$0..<min($0 + 500, trail.count)]) }) {
                try await chunk.create(on: tx)
            }
            try await filers.create(on: tx)
            try await thread.create(on: tx)
            try await evidence.create(on: tx)
        }
        state.summary.complaints = complaints.count
    }
}
