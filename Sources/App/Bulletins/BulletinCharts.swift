import Domain

/// The quarterly bulletin's pictures (质量通报附图), drawn on the server as standalone SVG 1.1:
/// a tile-grid map of the findings, small multiples of findings and payment ratio over the
/// quarters, and strips of reporting timeliness. Unit names are hostile input: every text is
/// escaped on its way into the document. Coordinates are whole pixels, so the output is
/// deterministic and needs no number formatting.
enum BulletinCharts {
    // MARK: Tile-grid map

    /// Where each region sits on the tile grid (a square per region in its rough geographic
    /// place: 黑 top right, 新 and 藏 far west, 琼 at the bottom, 兵团 beside 新), and the
    /// letters an English reader knows it by (ISO 3166-2:CN; XPCC for the 兵团).
    static let grid: [(code: String, column: Int, row: Int, en: String)] = [
        ("230000", 7, 0, "HL"),
        ("660000", 0, 1, "XPCC"), ("150000", 4, 1, "NM"), ("110000", 5, 1, "BJ"), ("220000", 7, 1, "JL"),
        ("650000", 0, 2, "XJ"), ("630000", 1, 2, "QH"), ("620000", 2, 2, "GS"), ("640000", 3, 2, "NX"),
        ("140000", 4, 2, "SX"), ("130000", 5, 2, "HE"), ("120000", 6, 2, "TJ"), ("210000", 7, 2, "LN"),
        ("540000", 1, 3, "XZ"), ("510000", 2, 3, "SC"), ("610000", 3, 3, "SN"), ("410000", 4, 3, "HA"),
        ("370000", 5, 3, "SD"),
        ("530000", 2, 4, "YN"), ("500000", 3, 4, "CQ"), ("420000", 4, 4, "HB"), ("340000", 5, 4, "AH"),
        ("320000", 6, 4, "JS"), ("310000", 7, 4, "SH"),
        ("520000", 3, 5, "GZ"), ("430000", 4, 5, "HN"), ("360000", 5, 5, "JX"), ("330000", 6, 5, "ZJ"),
        ("450000", 3, 6, "GX"), ("440000", 4, 6, "GD"), ("350000", 5, 6, "FJ"),
        ("460000", 4, 7, "HI"),
    ]

    /// Fills by number of findings (ColorBrewer OrRd, readable with every common colour-vision
    /// deficiency), with the text colour that reads on each.
    static let findingClasses: [(fill: String, ink: String, zh: String, en: String)] = [
        ("#e8efe2", "#1f2d1a", "无问题", "none"),
        ("#fdd49e", "#3d2400", "1 项", "1"),
        ("#fc8d59", "#2b1200", "2 项", "2"),
        ("#d7301f", "#ffffff", "3–4 项", "3–4"),
        ("#7f0000", "#ffffff", "5 项及以上", "5 or more"),
    ]

    static func findingClass(_ n: Int) -> Int {
        switch n {
        case ...0: 0
        case 1: 1
        case 2: 2
        case 3...4: 3
        default: 4
        }
    }

    /// Tile-grid map of the 32 regions coloured by number of findings, industries as a row of tiles beneath.
    static func tileMap(_ b: Bulletin, lang: String) -> String {
        let en = lang == "en"
        let periodName = Period(b.period).map { en ? $0.nameEn : $0.nameZh } ?? b.period
        let title = en ? "Findings by unit, \(periodName)" : "\(periodName)各单位通报问题"
        guard !b.rows.isEmpty else { return empty(title, en: en) }

        let size = 72
        let step = 80
        let left = 20
        let top = 56
        let width = 980
        let perLine = (width - 2 * left + step - size) / step
        let byCode = Dictionary(b.rows.map { ($0.unitCode, $0) }, uniquingKeysWith: { a, _ in a })
        let placed = Set(grid.map(\.code))
        let beneath = b.rows.filter { !placed.contains($0.unitCode) }
        let lines = (beneath.count + perLine - 1) / perLine
        let beneathTop = top + 8 * step + 30
        let height = beneath.isEmpty ? top + 8 * step + 8 : beneathTop + lines * step + 8

        var c = SVGCanvas(width: width, height: height, title: title, kind: "tile-map", capacity: 24_000 + 600 * beneath.count)
        c.raw(
            "<defs><pattern id=\"zj-hatch\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" "
                + "patternTransform=\"rotate(45)\"><rect width=\"8\" height=\"8\" fill=\"#e4e4e4\"/>"
                + "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#b4b4b4\" stroke-width=\"3\"/></pattern></defs>")
        c.text(title, x: left, y: 30, size: 20, bold: true)

        for g in grid {
            let region = Regions.all.first { $0.code == g.code }
            let name = byCode[g.code]?.unitName ?? region?.name ?? g.code
            let label = en ? g.en : region?.short ?? g.en
            tile(
                &c, x: left + g.column * step, y: top + g.row * step, size: size, code: g.code, name: name, label: label,
                row: byCode[g.code], labelSize: 30, en: en)
        }

        if !beneath.isEmpty {
            let heading =
                beneath.allSatisfy({ $0.kind != "region" })
                ? (en ? "Industries" : "行业") : (en ? "Industries and other units" : "行业及其他单位")
            c.text(heading, x: left, y: beneathTop - 10, size: 14, bold: true)
            for (i, row) in beneath.enumerated() {
                tile(
                    &c, x: left + (i % perLine) * step, y: beneathTop + (i / perLine) * step, size: size, code: row.unitCode,
                    name: row.unitName, label: fit(row.unitName, em: 4), row: row, labelSize: 16, en: en)
            }
        }

        // The legend and the figures in words, in the sea east of the map.
        let lx = left + 8 * step + 24
        var ly = top + 8
        c.text(en ? "Number of findings" : "通报问题数", x: lx, y: ly + 6, size: 14, bold: true)
        ly += 20
        for k in findingClasses {
            c.raw("<rect x=\"\(lx)\" y=\"\(ly)\" width=\"22\" height=\"22\" rx=\"3\" fill=\"\(k.fill)\"/>")
            c.text(en ? k.en : k.zh, x: lx + 32, y: ly + 16, size: 13)
            ly += 28
        }
        c.raw("<rect x=\"\(lx)\" y=\"\(ly)\" width=\"22\" height=\"22\" rx=\"3\" fill=\"url(#zj-hatch)\"/>")
        c.text(en ? "not reported" : "未报送", x: lx + 32, y: ly + 16, size: 13)
        ly += 28
        c.raw(
            "<rect x=\"\(lx + 1)\" y=\"\(ly + 1)\" width=\"20\" height=\"20\" rx=\"3\" fill=\"none\" stroke=\"#aaa\" "
                + "stroke-dasharray=\"4 3\"/>")
        c.text(en ? "not in this bulletin" : "不在本期通报", x: lx + 32, y: ly + 16, size: 13)
        ly += 46
        c.text(en ? "Large: region · small: findings" : "大字：地区简称；小字：问题数", x: lx, y: ly, size: 12, fill: "#555")

        let reported = b.rows.filter(\.reported)
        let late = reported.filter(\.late).count
        let total = b.rows.reduce(0) { $0 + $1.findings.count }
        ly += 40
        c.text(en ? "In this bulletin" : "本期概况", x: lx, y: ly, size: 14, bold: true)
        let facts =
            en
            ? [
                "\(b.rows.count) units", "\(reported.count) reported (\(late) late)",
                "\(b.rows.count - reported.count) not reported", "\(total) findings in all",
            ]
            : [
                "参加通报单位 \(b.rows.count) 个", "已报送 \(reported.count) 个（迟报 \(late) 个）",
                "未报送 \(b.rows.count - reported.count) 个", "通报问题共 \(total) 项",
            ]
        for fact in facts {
            ly += 22
            c.text(fact, x: lx, y: ly, size: 13)
        }
        return c.finished()
    }

    /// One tile: a `<g class="tile">` with its tooltip, the unit's label large and its number of
    /// findings small; hatched when the unit did not report, an empty outline when it is not in the bulletin.
    private static func tile(
        _ c: inout SVGCanvas, x: Int, y: Int, size: Int, code: String, name: String, label: String, row: Bulletin.Row?,
        labelSize: Int, en: Bool
    ) {
        let fontSize = min(labelSize, Int(Double(size - 10) / max(ems(label), 1)))
        let mid = x + size / 2
        c.raw("<g class=\"tile\" data-unit=\"\(escape(code))\">")
        guard let row else {
            c.title(en ? "\(name): not in this bulletin" : "\(name)：不在本期通报")
            c.raw(
                "<rect x=\"\(x + 1)\" y=\"\(y + 1)\" width=\"\(size - 2)\" height=\"\(size - 2)\" rx=\"5\" fill=\"none\" "
                    + "stroke=\"#aaa\" stroke-dasharray=\"5 4\"/>")
            c.text(label, x: mid, y: y + size / 2 + fontSize / 3, size: fontSize, fill: "#999", anchor: "middle")
            c.raw("</g>")
            return
        }
        let n = row.findings.count
        let findings = en ? "\(n) finding\(n == 1 ? "" : "s")" : "\(n) 项问题"
        guard row.reported else {
            c.title(en ? "\(name): not reported, \(findings)" : "\(name)：未报送，\(findings)")
            c.raw("<rect x=\"\(x)\" y=\"\(y)\" width=\"\(size)\" height=\"\(size)\" rx=\"5\" fill=\"url(#zj-hatch)\"/>")
            c.text(label, x: mid, y: y + size / 2 + 2, size: fontSize, fill: "#333", anchor: "middle", bold: true)
            c.text(en ? "no report" : "未报", x: mid, y: y + size - 9, size: 12, fill: "#333", anchor: "middle")
            c.raw("</g>")
            return
        }
        let k = findingClasses[findingClass(n)]
        c.title(en ? "\(name): \(findings)\(row.late ? " (late)" : "")" : "\(name)：\(findings)\(row.late ? "（迟报）" : "")")
        c.raw("<rect x=\"\(x)\" y=\"\(y)\" width=\"\(size)\" height=\"\(size)\" rx=\"5\" fill=\"\(k.fill)\"/>")
        c.text(label, x: mid, y: y + size / 2 + 2, size: fontSize, fill: k.ink, anchor: "middle", bold: true)
        c.text(String(n), x: mid, y: y + size - 9, size: 14, fill: k.ink, anchor: "middle")
        c.raw("</g>")
    }

    // MARK: Small multiples

    /// Bars of the number of findings (one scale for every panel) and a line of the payment ratio.
    static let barFill = "#e69f00"
    static let lineStroke = "#0072b2"

    /// Per unit, small multiples of findings count and payment ratio over the quarters of `history` (oldest first,
    /// at most 8, the last being the bulletin shown). Units are those of the last bulletin.
    static func smallMultiples(_ history: [Bulletin], lang: String) -> String {
        let en = lang == "en"
        let axis = quarters(history)
        let span = axisName(axis, en: en)
        let title = en ? "Findings and payment ratio by unit\(span)" : "各单位通报问题数与证书缴款比例\(span)"
        guard let latest = axis.last?.bulletin, !latest.rows.isEmpty else { return empty(title, en: en) }
        let units = latest.rows
        let lookup = axis.map { q in
            Dictionary((q.bulletin?.rows ?? []).map { ($0.unitCode, $0) }, uniquingKeysWith: { a, _ in a })
        }
        var maxCount = 1
        for rows in lookup { for row in rows.values where row.reported { maxCount = max(maxCount, row.findings.count) } }

        let perRow = 6
        let pw = 152
        let ph = 124
        let gap = 8
        let left = 20
        let top = 92
        let width = 2 * left + perRow * pw + (perRow - 1) * gap
        let panelRows = (units.count + perRow - 1) / perRow
        let height = top + panelRows * (ph + gap) + 8
        var c = SVGCanvas(
            width: width, height: height, title: title, kind: "small-multiples", capacity: 2_000 + 1_800 * units.count)
        c.text(title, x: left, y: 30, size: 20, bold: true)

        // Legend: what a bar, a line and a cross are.
        var lx = left
        c.raw("<rect x=\"\(lx)\" y=\"50\" width=\"10\" height=\"16\" fill=\"\(barFill)\"/>")
        let barText = en ? "findings (bars; one scale, full height = \(maxCount))" : "通报问题数（柱；各图同一刻度，满高 = \(maxCount) 项）"
        c.text(barText, x: lx + 16, y: 63, size: 12)
        lx += 16 + Int(ems(barText) * 12) + 24
        c.raw(
            "<path d=\"M\(lx) 62 l10 -6 l10 2\" fill=\"none\" stroke=\"\(lineStroke)\" stroke-width=\"2\"/>"
                + "<circle cx=\"\(lx + 10)\" cy=\"56\" r=\"2.5\" fill=\"\(lineStroke)\"/>")
        let lineText = en ? "payment ratio of the quarter (line; full height = 100%)" : "本季度证书缴款比例（线；满高 = 100%）"
        c.text(lineText, x: lx + 26, y: 63, size: 12)
        lx += 26 + Int(ems(lineText) * 12) + 24
        cross(&c, x: lx + 5, y: 58, r: 4)
        let crossText = en ? "not reported" : "未报送"
        c.text(crossText, x: lx + 16, y: 63, size: 12)
        lx += 16 + Int(ems(crossText) * 12) + 24
        c.raw("<rect x=\"\(lx)\" y=\"50\" width=\"10\" height=\"16\" fill=\"#e6e6e6\"/>")
        c.text(en ? "no bulletin" : "无通报", x: lx + 16, y: 63, size: 12)

        for (i, unit) in units.enumerated() {
            let px = left + (i % perRow) * (pw + gap)
            let py = top + (i / perRow) * (ph + gap)
            let series = lookup.map { $0[unit.unitCode] }
            panel(&c, x: px, y: py, w: pw, h: ph, unit: unit, series: series, axis: axis, maxCount: maxCount, en: en)
        }
        return c.finished()
    }

    private static func panel(
        _ c: inout SVGCanvas, x: Int, y: Int, w: Int, h: Int, unit: Bulletin.Row, series: [Bulletin.Row?],
        axis: [(period: Period, bulletin: Bulletin?)], maxCount: Int, en: Bool
    ) {
        let x0 = x + 8
        let plotW = w - 16
        let plotTop = y + 42
        let plotBottom = y + h - 22
        let plotH = plotBottom - plotTop
        let n = axis.count
        let slot = plotW / n
        let offset = x0 + (plotW - slot * n) / 2
        let bar = max(3, slot * 3 / 5)
        let ratios = zip(series, axis).map { row, q in ratio(row, quarter: q.period.quarter) }

        c.raw("<g class=\"panel\" data-unit=\"\(escape(unit.unitCode))\">")
        c.title(unit.unitName)
        c.raw("<rect x=\"\(x)\" y=\"\(y)\" width=\"\(w)\" height=\"\(h)\" rx=\"4\" fill=\"#fafafa\" stroke=\"#e2e2e2\"/>")
        c.text(fit(unit.unitName, em: Double(plotW) / 13), x: x0, y: y + 17, size: 13, bold: true)
        let now: String
        if !unit.reported {
            now = en ? "latest: not reported" : "本期未报送"
        } else {
            let r = ratios.last.flatMap { $0 }.map { "\($0)%" } ?? "—"
            now = en ? "latest: \(unit.findings.count) · paid \(r)" : "本期 \(unit.findings.count) 项 · 缴款 \(r)"
        }
        c.text(now, x: x0, y: y + 33, size: 11, fill: "#555")
        c.raw(
            "<line x1=\"\(x0)\" y1=\"\(plotTop)\" x2=\"\(x0 + plotW)\" y2=\"\(plotTop)\" stroke=\"#ccc\" stroke-dasharray=\"2 3\"/>"
                + "<line x1=\"\(x0)\" y1=\"\(plotBottom)\" x2=\"\(x0 + plotW)\" y2=\"\(plotBottom)\" stroke=\"#999\"/>")

        for (i, q) in axis.enumerated() where q.bulletin == nil {
            c.raw("<rect x=\"\(offset + i * slot)\" y=\"\(plotTop)\" width=\"\(slot)\" height=\"\(plotH)\" fill=\"#e6e6e6\"/>")
        }
        for (i, row) in series.enumerated() {
            guard let row else { continue }
            let cx = offset + i * slot + slot / 2
            if row.reported {
                let bh = row.findings.count * plotH / maxCount
                if bh > 0 {
                    c.raw(
                        "<rect x=\"\(cx - bar / 2)\" y=\"\(plotBottom - bh)\" width=\"\(bar)\" height=\"\(bh)\" fill=\"\(barFill)\"/>"
                    )
                }
            } else {
                cross(&c, x: cx, y: plotBottom - 6, r: 4)
            }
        }

        // The ratio line, broken where a quarter has no ratio; a dot on every point so a lone one shows.
        var path = ""
        var dots = ""
        var joined = false
        for (i, r) in ratios.enumerated() {
            guard let r else {
                joined = false
                continue
            }
            let cx = offset + i * slot + slot / 2
            let cy = plotBottom - Int(min(max(r.tenths, 0), 1000)) * plotH / 1000
            path += "\(joined ? "L" : "M")\(cx) \(cy)"
            dots += "<circle cx=\"\(cx)\" cy=\"\(cy)\" r=\"2.5\" fill=\"\(lineStroke)\"/>"
            joined = true
        }
        if !path.isEmpty {
            c.raw("<path d=\"\(path)\" fill=\"none\" stroke=\"\(lineStroke)\" stroke-width=\"2\" stroke-linejoin=\"round\"/>")
            c.raw(dots)
        }

        if let first = axis.first {
            c.text(short(first.period), x: x0, y: y + h - 7, size: 10, fill: "#666")
        }
        if n > 1, let last = axis.last {
            c.text(short(last.period), x: x0 + plotW, y: y + h - 7, size: 10, fill: "#666", anchor: "end")
        }
        c.raw("</g>")
    }

    /// The payment ratio a row shows for its own quarter (column 24 + quarter), if it has one.
    static func ratio(_ row: Bulletin.Row?, quarter: Int) -> Ratio? {
        let i = Catalogue.paymentColumn(quarter: quarter) - 1
        guard let row, row.reported, row.cells.indices.contains(i), case .percent(let r)? = row.cells[i] else { return nil }
        return r
    }

    // MARK: Timeliness strips

    enum Timeliness {
        case onTime, late, missing, absent

        func label(en: Bool) -> String {
            switch self {
            case .onTime: en ? "on time" : "按时报送"
            case .late: en ? "late" : "迟报"
            case .missing: en ? "not reported" : "未报送"
            case .absent: en ? "no bulletin" : "无通报"
            }
        }
    }

    /// Per unit, a strip of quarters: on time / late / not reported (/ no bulletin that quarter).
    static func timeliness(_ history: [Bulletin], lang: String) -> String {
        let en = lang == "en"
        let axis = quarters(history)
        let span = axisName(axis, en: en)
        let title = en ? "Reporting timeliness by unit\(span)" : "各单位报表报送及时情况\(span)"
        guard let latest = axis.last?.bulletin, !latest.rows.isEmpty else { return empty(title, en: en) }
        let units = latest.rows
        let lookup = axis.map { q in
            q.bulletin.map { b in Dictionary(b.rows.map { ($0.unitCode, $0) }, uniquingKeysWith: { a, _ in a }) }
        }

        let columns = units.count > 12 ? 2 : 1
        let perColumn = (units.count + columns - 1) / columns
        let nameW = 150
        let qStep = 30
        let square = 22
        let summaryW = 84
        let blockW = nameW + axis.count * qStep + summaryW
        let blockGap = 32
        let left = 20
        let top = 100
        let rowH = 28
        let width = max(2 * left + columns * blockW + (columns - 1) * blockGap, 640)
        let height = top + perColumn * rowH + 12
        var c = SVGCanvas(width: width, height: height, title: title, kind: "timeliness", capacity: 3_000 + 1_600 * units.count)
        c.text(title, x: left, y: 30, size: 20, bold: true)

        var lx = left
        for state in [Timeliness.onTime, .late, .missing, .absent] {
            mark(&c, state, x: lx, y: 46, size: 18)
            let label = state.label(en: en)
            c.text(label, x: lx + 24, y: 60, size: 12)
            lx += 24 + Int(ems(label) * 12) + 22
        }

        for block in 0..<columns {
            let bx = left + block * (blockW + blockGap)
            for (i, q) in axis.enumerated() {
                c.text(
                    short(q.period), x: bx + nameW + i * qStep + square / 2, y: top - 8, size: 10, fill: "#666", anchor: "middle")
            }
        }

        for (i, unit) in units.enumerated() {
            let bx = left + (i / perColumn) * (blockW + blockGap)
            let y = top + (i % perColumn) * rowH
            let states = lookup.map { rows -> Timeliness in
                guard let row = rows?[unit.unitCode] else { return .absent }
                return row.reported ? (row.late ? .late : .onTime) : .missing
            }
            let onTime = states.filter { $0 == .onTime }.count
            let late = states.filter { $0 == .late }.count
            let missing = states.filter { $0 == .missing }.count
            let listed = states.count - states.filter { $0 == .absent }.count

            c.raw("<g class=\"strip\" data-unit=\"\(escape(unit.unitCode))\">")
            c.title(
                en
                    ? "\(unit.unitName): \(onTime) on time, \(late) late, \(missing) not reported"
                    : "\(unit.unitName)：按时 \(onTime)，迟报 \(late)，未报送 \(missing)")
            if i % 2 == 0 {
                c.raw("<rect x=\"\(bx - 4)\" y=\"\(y - 2)\" width=\"\(blockW + 4)\" height=\"\(rowH)\" fill=\"#f4f4f4\"/>")
            }
            c.text(fit(unit.unitName, em: Double(nameW - 12) / 13), x: bx, y: y + 17, size: 13)
            for (k, state) in states.enumerated() {
                let sx = bx + nameW + k * qStep
                c.raw("<g>")
                c.title("\(short(axis[k].period)) \(state.label(en: en))")
                mark(&c, state, x: sx, y: y + 1, size: square)
                c.raw("</g>")
            }
            let summary = en ? "\(onTime)/\(listed) on time" : "按时 \(onTime)/\(listed)"
            c.text(summary, x: bx + nameW + axis.count * qStep + 4, y: y + 17, size: 12, fill: "#444")
            c.raw("</g>")
        }
        return c.finished()
    }

    /// A timeliness square: colour and a shape inside, so it reads without colour too
    /// (a tick, a clock, a cross; an empty outline when there was no bulletin).
    private static func mark(_ c: inout SVGCanvas, _ state: Timeliness, x: Int, y: Int, size: Int) {
        let s = size
        switch state {
        case .onTime:
            c.raw(
                "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(s)\" height=\"\(s)\" rx=\"3\" fill=\"#009e73\"/>"
                    + "<path d=\"M\(x + s / 4) \(y + s / 2) L\(x + s * 5 / 12) \(y + s * 3 / 4) L\(x + s * 3 / 4) \(y + s / 4)\" "
                    + "fill=\"none\" stroke=\"#fff\" stroke-width=\"2.5\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/>")
        case .late:
            let cx = x + s / 2
            let cy = y + s / 2
            c.raw(
                "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(s)\" height=\"\(s)\" rx=\"3\" fill=\"#f0b73e\"/>"
                    + "<circle cx=\"\(cx)\" cy=\"\(cy)\" r=\"\(s * 3 / 10)\" fill=\"none\" stroke=\"#3d2400\" stroke-width=\"1.8\"/>"
                    + "<path d=\"M\(cx) \(cy - s / 5) L\(cx) \(cy) L\(cx + s / 6) \(cy)\" fill=\"none\" stroke=\"#3d2400\" "
                    + "stroke-width=\"1.8\" stroke-linecap=\"round\"/>")
        case .missing:
            c.raw("<rect x=\"\(x)\" y=\"\(y)\" width=\"\(s)\" height=\"\(s)\" rx=\"3\" fill=\"#d55e00\"/>")
            cross(&c, x: x + s / 2, y: y + s / 2, r: s / 4, stroke: "#fff")
        case .absent:
            c.raw(
                "<rect x=\"\(x + 1)\" y=\"\(y + 1)\" width=\"\(s - 2)\" height=\"\(s - 2)\" rx=\"3\" fill=\"#fff\" "
                    + "stroke=\"#c8c8c8\" stroke-dasharray=\"3 2\"/>")
        }
    }

    private static func cross(_ c: inout SVGCanvas, x: Int, y: Int, r: Int, stroke: String = "#777") {
        c.raw(
            "<path d=\"M\(x - r) \(y - r) L\(x + r) \(y + r) M\(x + r) \(y - r) L\(x - r) \(y + r)\" stroke=\"\(stroke)\" "
                + "stroke-width=\"2\" stroke-linecap=\"round\"/>")
    }

    // MARK: Shared

    /// The quarters the history pictures show: at most eight consecutive quarters ending with the
    /// latest bulletin, each with its bulletin if there is one (a later copy of a period wins;
    /// bulletins whose period does not parse are left out).
    static func quarters(_ history: [Bulletin]) -> [(period: Period, bulletin: Bulletin?)] {
        var byPeriod: [Period: Bulletin] = [:]
        for b in history { if let p = Period(b.period) { byPeriod[p] = b } }
        guard let last = byPeriod.keys.max(), let earliest = byPeriod.keys.min() else { return [] }
        var periods = [last]
        while periods.count < 8, periods[0] > earliest { periods.insert(periods[0].previous, at: 0) }
        return periods.map { ($0, byPeriod[$0]) }
    }

    /// `25Q1`
    static func short(_ p: Period) -> String {
        let y = p.year % 100
        return "\(y < 10 ? "0" : "")\(y)Q\(p.quarter)"
    }

    /// The span of the axis for a title: `（2024年第二季度至2025年第一季度）`, `, Q2 2024 – Q1 2025`.
    static func axisName(_ axis: [(period: Period, bulletin: Bulletin?)], en: Bool) -> String {
        guard let first = axis.first?.period, let last = axis.last?.period else { return "" }
        if first == last { return en ? ", \(last.nameEn)" : "（\(last.nameZh)）" }
        return en ? ", \(first.nameEn) – \(last.nameEn)" : "（\(first.nameZh)至\(last.nameZh)）"
    }

    /// A picture with nothing to show: its title and a line saying so.
    static func empty(_ title: String, en: Bool) -> String {
        var c = SVGCanvas(width: 640, height: 72, title: title, kind: "empty", capacity: 512)
        c.text(title, x: 20, y: 28, size: 16, bold: true)
        c.text(en ? "No data" : "暂无数据", x: 20, y: 54, size: 13, fill: "#666")
        return c.finished()
    }

    /// Approximate width in ems: a CJK character (or a full-width sign) is one, anything else about 0.6.
    static func ems(_ s: String) -> Double {
        s.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x2E80 ? 1 : 0.6) }
    }

    /// `s` cut to about `em` ems, an ellipsis marking the cut.
    static func fit(_ s: String, em: Double) -> String {
        guard ems(s) > em else { return s }
        var out = ""
        var width = 0.0
        for ch in s {
            let w = ems(String(ch))
            if width + w > em - 1 { break }
            out.append(ch)
            width += w
        }
        return out + "…"
    }

    /// Text for XML content and attributes: the five special characters as references, and the
    /// characters XML 1.0 does not allow at all (most controls, U+FFFE, U+FFFF) dropped.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(u)
            default:
                if u.value >= 0x20 && u.value != 0xFFFE && u.value != 0xFFFF { out.unicodeScalars.append(u) }
            }
        }
        return out
    }
}

/// An SVG document being written; every text goes through `BulletinCharts.escape`.
struct SVGCanvas {
    private var svg: String

    init(width: Int, height: Int, title: String, kind: String, capacity: Int) {
        svg = ""
        svg.reserveCapacity(capacity)
        svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" role=\"img\" class=\"chart \(kind)\" "
        svg += "width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" "
        svg += "font-family=\"Noto Sans CJK SC, sans-serif\">"
        svg += "<title>\(BulletinCharts.escape(title))</title>"
        svg += "<rect width=\"\(width)\" height=\"\(height)\" fill=\"#fff\"/>"
    }

    /// Markup made of literals and numbers only.
    mutating func raw(_ markup: String) { svg += markup }

    mutating func title(_ text: String) { svg += "<title>\(BulletinCharts.escape(text))</title>" }

    mutating func text(
        _ content: String, x: Int, y: Int, size: Int, fill: String = "#222", anchor: String = "start", bold: Bool = false
    ) {
        svg += "<text x=\"\(x)\" y=\"\(y)\" font-size=\"\(size)\" fill=\"\(fill)\""
        if anchor != "start" { svg += " text-anchor=\"\(anchor)\"" }
        if bold { svg += " font-weight=\"bold\"" }
        svg += ">\(BulletinCharts.escape(content))</text>"
    }

    func finished() -> String { svg + "</svg>" }
}
