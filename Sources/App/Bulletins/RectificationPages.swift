import Domain
import Fluent
import Vapor

/// 整改任务: a unit's tasks with the form to report each done; the ministry's list across units
/// with accept and send-back forms.
enum RectificationPages {
    struct Row: Encodable {
        let id: String
        let period: String
        let unitName: String
        let message: String
        let dueOn: String
        let status: String
        let statusName: String
        let overdue: Bool
        let note: String?
        let decisionNote: String?
        let canDone: Bool
        let canDecide: Bool
        let doneAction: String
        let acceptAction: String
        let reopenAction: String
    }

    struct View: Encodable {
        let rows: [Row]
        let periods: [Names.Option]
        let units: [Names.Option]
        let statuses: [Names.Option]
        /// The filter as asked (empty where not), to mark the options chosen.
        let chosen: [String: String]
        let isMinistry: Bool
        let action: String
        let pages: Pager
    }

    @Sendable static func list(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        guard user.role != .supervisor else { throw AppError.forbidden }
        let t = L10n.t(req)
        let names = Names(t)
        let filter = try Rectifications.filter(req)
        let paging = try Paging(req, defaultPer: 100, maxPer: 500)
        var tasks = try await Rectifications.list(filter, for: user, paging: paging.peeking, on: req.db)
        let hasMore = tasks.count > paging.per
        tasks = Array(tasks.prefix(paging.per))
        let units = try await Bulletins.activeUnits(on: req.db)
        let unitNames = Dictionary(units.map { ($0.code, $0.name) }, uniquingKeysWith: { a, _ in a })
        let periods = try await BulletinModel.query(on: req.db).unique().field(\.$period).sort(\.$period, .descending).all()
            .map(\.period)
        let today = Period.dayString(req.now)
        let isMinistry = user.role == .ministry
        let rows = tasks.map { m in
            let id = m.id?.uuidString ?? ""
            return Row(
                id: id, period: names.period(m.period), unitName: unitNames[m.unitCode] ?? m.unitCode,
                message: t.en ? m.message : m.messageZh, dueOn: names.day(m.dueOn), status: m.status.rawValue,
                statusName: t[dynamic: "rect_" + m.status.rawValue, fallback: m.status.rawValue],
                overdue: m.overdue(today: today), note: m.note, decisionNote: m.decisionNote,
                canDone: !isMinistry && m.isOwed, canDecide: isMinistry && (m.status == .done || m.status == .accepted),
                doneAction: SiteURL.rectificationAction(.value(id), .done).path,
                acceptAction: SiteURL.rectificationAction(.value(id), .accept).path,
                reopenAction: SiteURL.rectificationAction(.value(id), .reopen).path)
        }
        let view = View(
            rows: rows,
            periods: periods.map { Names.Option(value: $0, name: names.period($0)) },
            units: isMinistry ? units.map { Names.Option(value: $0.code, name: $0.name) } : [],
            statuses: RectificationModel.Status.allCases.map {
                Names.Option(value: $0.rawValue, name: t[dynamic: "rect_" + $0.rawValue, fallback: $0.rawValue])
            },
            chosen: [
                "period": filter.period?.description ?? "", "unitCode": filter.unitCode ?? "",
                "status": filter.status?.rawValue ?? "",
            ], isMinistry: isMinistry, action: SiteURL.rectifications.path,
            pages: Pager(req, base: .rectifications, paging: paging, hasMore: hasMore))
        return try await Pages.render(req, "rectifications", title: t[.rectificationsTitle], view)
    }

    static func act(_ action: Rectifications.Action) -> @Sendable (Request) async throws -> Response {
        { req in
            let user = try req.requireUser()
            try Rectifications.authorise(action, user)
            try req.requireCSRF()
            let note = try req.content.decode(RectificationsController.Note.self).note
            _ = try await Rectifications.act(
                action, req.parameters.get("id", as: UUID.self), note: note, by: user, on: req.store, now: req.now)
            return req.redirect(to: SiteURL.rectifications.path)
        }
    }
}
