import Domain
import Fluent
import Vapor

enum BulletinPages {
    struct FindingsView: Encodable {
        let unitName: String
        let findings: [String]
    }
    struct ChangeView: Encodable {
        let unitName: String
        let column: String
        let old: String
        let new: String
    }
    struct BulletinView: Encodable {
        let period: String
        let status: String
        let isDraft: Bool
        let revision: Int
        let publishedAt: String?
        let deadline: String
        let missing: [String]
        let findings: [FindingsView]
        let changes: [ChangeView]
        let canPublish: Bool
        let hasPublished: Bool
        let title: String
        let links: Links
        /// The table and the chart, made in Swift: Leaf took 20 ms a page for 1,200 cells.
        let table: String
        let chart: String
        let document: DocumentView?
        let form: PublishForm?
        /// The tile-grid map, the small multiples and the timeliness strips (SVG).
        let pictures: Pictures
        /// The ranking's rows and the follow-up list, made in Swift like the table (and cached with it).
        let ranking: String
        let outstanding: String
        let hasOutstanding: Bool
    }

    struct Pictures: Encodable {
        let map: String
        let trends: String
        let timeliness: String
        init(_ svgs: [String]) {
            map = svgs.first ?? ""
            trends = svgs.dropFirst().first ?? ""
            timeliness = svgs.dropFirst(2).first ?? ""
        }
    }

    /// The document's heading lines and its three sections, as paragraphs.
    struct DocumentView: Encodable {
        struct Section: Encodable {
            let heading: String
            let paragraphs: [String]
        }
        let number: String
        let issuedOn: String
        let sections: [Section]
        let isCorrection: Bool
    }

    /// The ministry's publish form, filled with the drafts (or the correction's current text).
    struct PublishForm: Encodable {
        let documentNumber: String
        let numberFixed: Bool
        let issuedOn: String
        /// The date input's bounds: the day after the quarter, and today.
        let earliest: String
        let today: String
        let overview: String
        let problems: String
        let requirements: String
    }

    /// The bulletin's downloads and its other versions.
    struct Links: Encodable {
        let csv: String, xlsx: String, json: String, pdf: String, published: String, draft: String, publish: String
        let rectifications: String
        init(_ b: Bulletin) {
            let p = b.period
            let rev: [(String, String)] = b.status == "draft" ? [] : [("revision", String(b.revision))]
            csv = SiteURL.bulletinFile(p, .csv).with(rev)
            xlsx = SiteURL.bulletinFile(p, .xlsx).with(rev)
            json = SiteURL.bulletinFile(p, .json).with(rev)
            pdf = SiteURL.bulletinFile(p, .pdf).with(rev)
            rectifications = SiteURL.rectifications.with([("period", p)])
            published = SiteURL.bulletin(.value(p)).with([("draft", "false")])
            draft = SiteURL.bulletin(.value(p)).with([("draft", "true")])
            publish = SiteURL.bulletinPublish(.value(p)).path
        }
    }

    /// A published bulletin in a list: its period by name, each revision with its link.
    struct SummaryRow: Encodable {
        struct Revision: Encodable {
            let revision: Int
            let publishedAt: Date
            let changes: Int
            let link: String
        }
        let period: String
        let name: String
        let link: String
        let revisions: [Revision]

        init(_ s: Bulletins.Summary, names: Names) {
            period = s.period
            name = names.period(s.period)
            link = SiteURL.bulletin(.value(s.period)).path
            revisions = s.revisions.map {
                Revision(
                    revision: $0.revision, publishedAt: $0.publishedAt, changes: $0.changes,
                    link: SiteURL.bulletin(.value(s.period)).with([("revision", String($0.revision))]))
            }
        }
    }

    struct ListView: Encodable { let bulletins: [SummaryRow] }

    static func summaries(_ req: Request) async throws -> [SummaryRow] {
        let names = Names(L10n.t(req))
        return try await Bulletins.list(on: req.store).map { SummaryRow($0, names: names) }
    }

    @Sendable static func list(_ req: Request) async throws -> Response {
        try await Pages.render(
            req, "bulletins/list", title: L10n.t(req)[.bulletins], ListView(bulletins: try await summaries(req)))
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        let raw = req.parameters.get("period") ?? ""
        let (p, format) = try BulletinsController.parse(raw)
        let q = try req.query.decode(BulletinsController.Query.self)
        let (b, snapshot) = try await Bulletins.visible(
            p, draft: q.draft, revision: q.revision, for: req.auth.get(User.self),
            on: req.store, now: req.now)
        // `2025Q1.csv` and the like: the page's downloads, as the signed-in reader may see them.
        if raw.contains(".") { return try await BulletinsController.answer(b, snapshot: snapshot, format: format, for: req) }
        // A published revision is immutable, and everyone signed out sees the same page of it: the
        // whole page is made once per revision, language and address (0.11 → 0.92 × /healthz, `make bench`).
        let pageKey = snapshot.flatMap { _ in publicPageKey(req, period: p) }
        if let snapshot, let pageKey {
            if let page = req.application.bulletinCache.cached(snapshot.id, pageKey) {
                return Pages.html(page, etag: Pages.etag(snapshot.id, lang: L10n.lang(req)), for: req)
            }
        }
        let isMinistry = req.auth.get(User.self)?.role == .ministry
        let hasPublished = snapshot != nil ? true : try await Bulletins.hasPublished(p, on: req.db)
        let lang = L10n.lang(req)
        func made(_ kind: String, _ make: () -> String) -> String {
            guard let snapshot else { return make() }
            let data = req.application.bulletinCache.artifact(snapshot.id, "\(kind)-\(lang)") { Data(make().utf8) }
            return String(decoding: data, as: UTF8.self)
        }
        // In the ministry's preview, rows whose report disagrees with the registers are flagged.
        var flagged = Set<String>()
        if isMinistry && snapshot == nil {
            // One aggregation over the registers for all units, not one per row.
            let registers = try await Derivation.all(p, on: req.db)
            for row in b.rows where row.reported {
                if try await !Reports.derived(p, unit: row.unitCode, registers: registers, on: req.db).discrepancies.isEmpty {
                    flagged.insert(row.unitCode)
                }
            }
        }
        let pictures = try await BulletinPictures.forPage(b, snapshot: snapshot, lang: lang, for: req)
        let view = makeView(
            b, lang: lang, canPublish: isMinistry && b.status == "draft", hasPublished: hasPublished,
            table: made("table") { table(b, lang: lang, flagged: flagged) }, chart: made("chart") { chart(b, lang: lang) },
            ranking: made("ranking") { rankingRows(b, t: L10n.Strings(lang: lang)) },
            outstanding: made("outstanding") { outstandingItems(b, t: L10n.Strings(lang: lang)) },
            pictures: pictures, now: req.now, config: req.application.config)
        let res = try await Pages.render(req, "bulletins/show", title: view.title, view)
        if let snapshot, let pageKey, let body = res.body.buffer {
            let page = req.application.bulletinCache.artifact(snapshot.id, pageKey) { Data(body.readableBytesView) }
            return Pages.html(page, etag: Pages.etag(snapshot.id, lang: L10n.lang(req)), for: req)
        }
        return res
    }

    /// The page cache's key for a reader who is signed out and asks for the page at its own
    /// address with nothing but its own parameters, each once and in its one spelling
    /// (`revision=2`, `draft=false`, `lang=en|zh`); nil for anything else, which is answered but
    /// not kept, so that made-up addresses can neither fill the cache nor push out what is in it.
    static func publicPageKey(_ req: Request, period: Period) -> String? {
        guard req.auth.get(User.self) == nil, req.method == .GET,
            req.url.path == SiteURL.bulletin(.value(period.description)).path
        else { return nil }
        var seen: [String: String] = [:]
        for item in req.url.query.map({ $0.split(separator: "&", omittingEmptySubsequences: false) }) ?? [] {
            let kv = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard kv.count == 2, seen[kv[0]] == nil else { return nil }
            switch (kv[0], kv[1]) {
            case ("revision", let v) where Int(v).map { $0 > 0 && String($0) == v } == true: break
            case ("draft", "false"), ("lang", "zh"), ("lang", "en"): break
            default: return nil
            }
            seen[kv[0]] = kv[1]
        }
        // The page links to itself in the other language keeping the other parameters in order.
        let order = (req.url.query ?? "").split(separator: "&").map { $0.split(separator: "=")[0] }.filter { $0 != "lang" }
        return "page-\(L10n.lang(req))?" + order.map { "\($0)=\(seen[String($0)] ?? "")" }.joined(separator: "&")
    }

    @Sendable static func publish(_ req: Request) async throws -> Response {
        let p = try Reports.period(req.parameters.get("period"))
        let user = try req.requireMinistry()
        try req.requireCSRF()
        _ = try await Bulletins.publish(p, try req.content.decode(PublishInput.self), by: user, on: req.store, now: req.now)
        return req.redirect(to: SiteURL.bulletin(.value(p.description)).with([("draft", "false")]))
    }

    static func makeView(
        _ b: Bulletin, lang: String, canPublish: Bool, hasPublished: Bool, table: String,
        chart: String, ranking: String, outstanding: String, pictures: [String], now: Date, config: AppConfig
    ) -> BulletinView {
        let t = L10n.Strings(lang: lang)
        let words = Names(t)
        let names = Dictionary(uniqueKeysWithValues: b.rows.map { ($0.unitCode, $0.unitName) })
        let document = b.document.map { d in
            DocumentView(
                number: d.documentNumber, issuedOn: words.day(d.issuedOn),
                sections: [
                    .init(heading: "一、" + t[.overviewHeading], paragraphs: BulletinDocument.paragraphs(d.overview)),
                    .init(heading: "二、" + t[.problemsHeading], paragraphs: BulletinDocument.paragraphs(d.problems)),
                    .init(heading: "三、" + t[.requirementsHeading], paragraphs: BulletinDocument.paragraphs(d.requirements)),
                ], isCorrection: b.isCorrection)
        }
        let form = canPublish ? publishForm(b, now: now, config: config) : nil
        return BulletinView(
            period: b.period, status: b.status, isDraft: b.status == "draft", revision: b.revision,
            publishedAt: b.publishedAt.map { Period.dayString($0) }, deadline: b.deadline,
            missing: b.missing.map { names[$0] ?? $0 },
            findings: b.rows.filter { !$0.findings.isEmpty }.map { row in
                FindingsView(unitName: row.unitName, findings: row.findings.map { lang == "en" ? $0.message : $0.messageZh })
            },
            changes: b.changes.map {
                ChangeView(unitName: $0.unitName, column: $0.column.map(String.init) ?? "—", old: $0.old, new: $0.new)
            },
            canPublish: canPublish, hasPublished: hasPublished, title: BulletinExport.title(b, lang: lang), links: Links(b),
            table: table, chart: chart, document: document, form: form, pictures: Pictures(pictures), ranking: ranking,
            outstanding: outstanding, hasOutstanding: b.rows.contains { !$0.rectifications.isEmpty })
    }

    static func publishForm(_ b: Bulletin, now: Date, config: AppConfig) -> PublishForm {
        let today = Period.dayString(now)
        let p = Period(b.period)
        let due = p.map { Rectifications.dueOn($0, deadlineDays: config.deadlineDays, publishedAt: now) } ?? today
        let d = b.document
        let start = b.startingNarrative(dueOn: due)
        return PublishForm(
            documentNumber: d?.documentNumber ?? "", numberFixed: d != nil, issuedOn: d?.issuedOn ?? today,
            earliest: p.map { Period.dayString($0.end) } ?? today, today: today,
            overview: start.overview, problems: start.problems, requirements: start.requirements)
    }

    /// The ranking's rows in rank order: 名次, unit, the change as ↑n / ↓n / = / —, findings, report state.
    static func rankingRows(_ b: Bulletin, t: L10n.Strings) -> String {
        var h = ""
        for row in b.rowsByRank {
            let change: (String, String) =
                switch row.rankChange {
                case nil: ("—", "same")
                case let n? where n > 0: ("↑\(n)", "up")
                case let n? where n < 0: ("↓\(-n)", "down")
                default: ("=", "same")
                }
            let state = row.reported ? (row.late ? t[.late] : t[.onTime]) : t[.notReported]
            h += "<tr><td>\(row.rank.map(String.init) ?? "—")</td><td>\(escape(row.unitName))</td>"
            h += "<td class=\"rank-\(change.1)\">\(change.0)</td><td>\(row.findings.count)</td><td>\(escape(state))</td></tr>\n"
        }
        return h
    }

    /// 整改落实情况: per unit, the earlier tasks still owed when the bulletin was compiled.
    static func outstandingItems(_ b: Bulletin, t: L10n.Strings) -> String {
        let words = Names(t)
        var h = ""
        for row in b.rows where !row.rectifications.isEmpty {
            h += "<li><strong>\(escape(row.unitName))</strong>："
            for task in row.rectifications {
                let status = t[dynamic: "rect_" + task.status, fallback: task.status]
                let late = task.overdue ? (t.en ? ", " : "，") + t[.overdueMark] : ""
                h += "<span class=\"task\">\(escape(words.period(task.period))) "
                h += escape(t.en ? task.message : task.messageZh)
                h += "（\(escape(status))\(late)，\(t[.dueOnCol]) \(escape(words.day(task.dueOn)))）</span>"
            }
            h += "</li>\n"
        }
        return h
    }

    /// The bulletin table: the merged header from the catalogue, the 甲, 1 … 28 row, a row per
    /// unit (findings' columns highlighted, the change against last quarter beneath counts), 合计.
    static func table(_ b: Bulletin, lang: String, flagged: Set<String> = []) -> String {
        let t = L10n.Strings(lang: lang)
        var h = "<table class=\"bulletin\" id=\"bulletin-table\"><thead>\n"
        for row in Catalogue.headerRows() {
            h += "<tr>"
            for c in row { h += "<th rowspan=\"\(c.rowSpan)\" colspan=\"\(c.colSpan)\">\(escape(c.text))</th>" }
            h += "</tr>\n"
        }
        h += "<tr class=\"numbers\"><th>\(Catalogue.labelNumber)</th>"
        for c in Catalogue.columns { h += "<th>\(c.number)</th>" }
        h += "</tr>\n</thead>\n<tbody>\n"
        for row in b.rows {
            h += "<tr class=\"\(row.reported ? "reported" : "missing")\" data-unit=\"\(escape(row.unitCode))\">"
            h += "<th class=\"unit\">\(escape(row.unitName))"
            if row.late { h += " <span class=\"late\">（\(t[.late])）</span>" }
            if flagged.contains(row.unitCode) { h += " <span class=\"flag\" title=\"\(t[.disagrees])\">⚑</span>" }
            h += "</th>"
            if row.reported {
                let hits = Set(row.findings.flatMap(\.columns))
                for i in 0..<28 {
                    h += hits.contains(i + 1) ? "<td class=\"hit\">" : "<td>"
                    h += escape(b.printed(row.cells[i], column: i + 1))
                    if let d = row.change[i], d != 0 { h += "<small class=\"chg\">\(d > 0 ? "+" : "")\(d)</small>" }
                    h += "</td>"
                }
            } else {
                h += "<td colspan=\"28\" class=\"not-reported\">\(t[.notReported])</td>"
            }
            h += "</tr>\n"
        }
        h += "<tr class=\"total\"><th>\(t[.total])</th>"
        for (i, c) in b.total.cells.enumerated() { h += "<td>\(escape(b.printed(c, column: i + 1)))</td>" }
        return h + "</tr>\n</tbody>\n</table>"
    }

    /// A server-rendered bar chart of the number of findings per unit.
    static func chart(_ b: Bulletin, lang: String) -> String {
        let rows = b.rows
        let maxCount = max(1, rows.map(\.findings.count).max() ?? 1)
        let barH = 14
        let gap = 3
        let left = 130
        let width = 520
        let height = rows.count * (barH + gap) + 30
        let full = left + width + 40
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" class=\"chart\" "
        svg += "viewBox=\"0 0 \(full) \(height)\" width=\"\(full)\" height=\"\(height)\">"
        svg += "<title>\(lang == "en" ? "Findings per unit" : "各单位通报问题数")</title>"
        for (i, row) in rows.enumerated() {
            let y = 20 + i * (barH + gap)
            let n = row.findings.count
            let w = n * width / maxCount
            let fill = row.reported ? (n == 0 ? "#4a7" : "#c33") : "#999"
            let name = escape(row.unitName)
            let base = y + barH - 3
            let bar = max(w, 1)
            let label = row.reported ? String(n) : (lang == "en" ? "not reported" : "未报")
            svg += "<text x=\"\(left - 6)\" y=\"\(base)\" text-anchor=\"end\" font-size=\"11\">\(name)</text>"
            svg += "<rect x=\"\(left)\" y=\"\(y)\" width=\"\(bar)\" height=\"\(barH)\" fill=\"\(fill)\">"
            svg += "<title>\(name): \(n)</title></rect>"
            svg += "<text x=\"\(left + bar + 4)\" y=\"\(base)\" font-size=\"11\">\(label)</text>"
        }
        return svg + "</svg>"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
