import Domain
import Fluent
import Vapor

enum BulletinPages {
    struct HeaderCellView: Encodable { let text: String; let rowspan: Int; let colspan: Int }
    struct CellView: Encodable { let text: String; let hit: Bool; let change: String? }
    struct RowView: Encodable {
        let unitCode: String; let unitName: String; let reported: Bool; let late: Bool
        let cells: [CellView]; let findings: [String]
    }
    struct ChangeView: Encodable { let unitName: String; let column: String; let old: String; let new: String }
    struct BulletinView: Encodable {
        let period: String; let status: String; let isDraft: Bool; let revision: Int; let publishedAt: String?
        let deadline: String; let headerRows: [[HeaderCellView]]; let numbers: [Int]; let labelNumber: String
        let rows: [RowView]; let total: [String]; let missing: [String]; let changes: [ChangeView]
        let chart: String; let canPublish: Bool; let hasPublished: Bool; let title: String
    }

    struct ListView: Encodable { let bulletins: [Bulletins.Summary] }

    @Sendable static func list(_ req: Request) async throws -> Response {
        try await Pages.render(req, "bulletins/list", title: L10n.strings(L10n.lang(req))["bulletins"]!,
                               ListView(bulletins: try await Bulletins.list(on: req.db)))
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        let p = try Reports.period(req.parameters.get("period"))
        let q = try req.query.decode(BulletinsController.Query.self)
        let b = try await Bulletins.visible(p, draft: q.draft, revision: q.revision, on: req)
        let isMinistry = req.auth.get(User.self)?.role == .ministry
        let hasPublished = try await Bulletins.latestPublished(p, on: req.db) != nil
        let view = makeView(b, lang: L10n.lang(req), canPublish: isMinistry && b.status == "draft", hasPublished: hasPublished)
        return try await Pages.render(req, "bulletins/show", title: view.title, view)
    }

    @Sendable static func publish(_ req: Request) async throws -> Response {
        let p = try Reports.period(req.parameters.get("period"))
        let user = try req.requireMinistry()
        try req.requireCSRF()
        _ = try await Bulletins.publish(p, actor: user, on: req)
        return req.redirect(to: "/bulletins/\(p)?draft=false")
    }

    static func makeView(_ b: Bulletin, lang: String, canPublish: Bool, hasPublished: Bool) -> BulletinView {
        let headerRows = Catalogue.headerRows().map { row in
            row.map { HeaderCellView(text: $0.text, rowspan: $0.rowSpan, colspan: $0.colSpan) }
        }
        let rows = b.rows.map { row -> RowView in
            let hits = Set(row.findings.flatMap(\.columns))
            let cells = (0..<28).map { i -> CellView in
                let change = row.change[i].flatMap { $0 == 0 ? nil : ($0 > 0 ? "+\($0)" : "\($0)") }
                return CellView(text: b.printed(row.cells[i], column: i + 1), hit: hits.contains(i + 1), change: change)
            }
            return RowView(unitCode: row.unitCode, unitName: row.unitName, reported: row.reported, late: row.late,
                           cells: cells, findings: row.findings.map { lang == "en" ? $0.message : $0.messageZh })
        }
        let names = Dictionary(uniqueKeysWithValues: b.rows.map { ($0.unitCode, $0.unitName) })
        let published = b.publishedAt.map { Period.dayString($0) }
        return BulletinView(
            period: b.period, status: b.status, isDraft: b.status == "draft", revision: b.revision, publishedAt: published,
            deadline: b.deadline, headerRows: headerRows, numbers: Array(1...28), labelNumber: Catalogue.labelNumber,
            rows: rows, total: b.total.cells.enumerated().map { b.printed($1, column: $0 + 1) },
            missing: b.missing.map { names[$0] ?? $0 },
            changes: b.changes.map { ChangeView(unitName: $0.unitName, column: $0.column.map(String.init) ?? "—", old: $0.old, new: $0.new) },
            chart: chart(b, lang: lang), canPublish: canPublish, hasPublished: hasPublished,
            title: BulletinExport.title(b))
    }

    /// A server-rendered bar chart of the number of findings per unit.
    static func chart(_ b: Bulletin, lang: String) -> String {
        let rows = b.rows
        let maxCount = max(1, rows.map(\.findings.count).max() ?? 1)
        let barH = 14, gap = 3, left = 130, width = 520
        let height = rows.count * (barH + gap) + 30
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" class=\"chart\" viewBox=\"0 0 \(left + width + 40) \(height)\" width=\"\(left + width + 40)\" height=\"\(height)\">"
        svg += "<title>\(lang == "en" ? "Findings per unit" : "各单位通报问题数")</title>"
        for (i, row) in rows.enumerated() {
            let y = 20 + i * (barH + gap)
            let n = row.findings.count
            let w = n * width / maxCount
            let fill = row.reported ? (n == 0 ? "#4a7" : "#c33") : "#999"
            svg += "<text x=\"\(left - 6)\" y=\"\(y + barH - 3)\" text-anchor=\"end\" font-size=\"11\">\(escape(row.unitName))</text>"
            svg += "<rect x=\"\(left)\" y=\"\(y)\" width=\"\(max(w, 1))\" height=\"\(barH)\" fill=\"\(fill)\"><title>\(escape(row.unitName)): \(n)</title></rect>"
            svg += "<text x=\"\(left + max(w, 1) + 4)\" y=\"\(y + barH - 3)\" font-size=\"11\">\(row.reported ? String(n) : (lang == "en" ? "not reported" : "未报"))</text>"
        }
        return svg + "</svg>"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
