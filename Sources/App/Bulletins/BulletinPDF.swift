import CPangoCairo
import CRsvg
import Domain
import Foundation

/// The bulletin as an official document (公文) in PDF, typeset with Pango and Cairo after
/// GB/T 9704-2012 (党政机关公文格式): the red masthead, the document number and the red rule, the
/// title, the body on a grid of 22 lines of 28 characters, the issuer and the date of issue, and
/// page numbers; then the 28-column table on A4 landscape pages, the findings per unit, and the
/// pictures. Each call has its own Cairo surface and Pango contexts, so calls may run in parallel.
enum BulletinPDF {
    struct RenderError: Error, CustomStringConvertible {
        let description: String
    }

    /// The title (标题); a correction says so.
    static func title(_ b: Bulletin) -> String {
        "关于\(Period(b.period)?.nameZh ?? b.period)职业技能鉴定质量情况的通报" + (b.isCorrection ? "（更正）" : "")
    }

    /// The bulletin `b` as a PDF document issued by `issuer` (the name in the red masthead and the
    /// signature), with `pictures` (standalone SVG documents) after the table, each scaled to the
    /// width of its page; a picture that librsvg cannot read is left out.
    static func render(_ b: Bulletin, issuer: String, pictures: [String]) throws -> Data {
        let pdf = try Typesetter(title: title(b), author: issuer)
        document(b, issuer: issuer, on: pdf)
        table(b, on: pdf)
        findings(b, on: pdf)
        for svg in pictures { pdf.picture(svg) }
        return try pdf.finish()
    }

    // MARK: The document

    /// 三号 (16 pt) for the body; 22 lines per page fill the 225 mm type area.
    static let bodySize = 16.0
    static let bodyPitch = Typesetter.Page.portrait.typeHeight / 22
    /// Letter spacing that sets 28 characters of 三号 across the 156 mm type area.
    static let bodyTracking = ((Typesetter.Page.portrait.typeWidth / 28 - bodySize) * 100).rounded(.down) / 100
    static let red = Typesetter.Color(r: 0xC0 / 255, g: 0, b: 0)
    static let numerals = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]

    static func document(_ b: Bulletin, issuer: String, on pdf: Typesetter) {
        let pitch = bodyPitch
        pdf.newPage(.portrait)

        // The masthead (发文机关标志) 35 mm below the top of the type area, two blank lines, the
        // document number (发文字号), and the red rule 4 mm below it (7.2.1–7.2.5).
        pdf.y += 35 * Typesetter.mm
        pdf.fittedLine(issuer + "文件", .xiaoBiaoSong, size: 42, color: red)
        pdf.y += 2 * pitch
        // A draft never passes for the issued document: its number line says so.
        let number =
            b.status == "published"
            ? (b.document?.documentNumber ?? "")
            : b.document.map { "\($0.documentNumber)（更正稿，未发布）" } ?? "（草稿，文号待定）"
        pdf.paragraph(number, .fangSong, size: bodySize, pitch: pitch, align: PANGO_ALIGN_CENTER)
        pdf.rule(at: pdf.y - (pitch - bodySize) / 2 + 4 * Typesetter.mm, width: 1.5, color: red)

        // The title two lines below the rule, broken after the period; the body one line below.
        pdf.snap(pitch: pitch)
        pdf.y += 2 * pitch
        let name = Period(b.period)?.nameZh ?? b.period
        for line in ["关于\(name)", "职业技能鉴定质量情况的通报" + (b.isCorrection ? "（更正）" : "")] {
            pdf.paragraph(line, .xiaoBiaoSong, size: 22, pitch: pitch, align: PANGO_ALIGN_CENTER)
        }
        pdf.y += pitch

        let doc = b.document
        var sections: [(String, [String])] = [
            ("总体情况", BulletinDocument.paragraphs(doc?.overview ?? b.overviewDraft())),
            ("存在问题", BulletinDocument.paragraphs(doc?.problems ?? b.problemsDraft())),
            ("整改要求", doc.map { BulletinDocument.paragraphs($0.requirements) } ?? ["（整改要求待起草。）"]),
            ("排名", []),
            ("整改落实情况", rectifications(b)),
        ]
        if b.isCorrection { sections.append(("更正说明", corrections(b))) }
        for (i, (heading, paragraphs)) in sections.enumerated() {
            pdf.keep(2 * pitch)
            body(numerals[i] + "、" + heading, face: .heiTi, on: pdf)
            if heading == "排名" {
                ranking(b, on: pdf)
            } else {
                for p in paragraphs { body(p, face: .fangSong, on: pdf) }
            }
        }
        signature(issuer: issuer, date: doc.map { dateZh($0.issuedOn) } ?? "（成文日期待定）", on: pdf)
    }

    /// A paragraph of the body: 三号, indented two characters, justified, on the grid.
    static func body(_ text: String, face: Typesetter.Face, on pdf: Typesetter) {
        pdf.paragraph(
            text, face, size: bodySize, pitch: bodyPitch, indent: 2 * bodySize, justify: true, tracking: bodyTracking)
    }

    /// 四、排名: a ruled table of rank, unit, change of rank and number of findings, best first.
    static func ranking(_ b: Bulletin, on pdf: Typesetter) {
        let rows = b.rowsByRank
        if rows.isEmpty {
            body("本期无参加排名的单位。", face: .fangSong, on: pdf)
            return
        }
        let w = pdf.page.typeWidth
        let widths = [60, w - 60 - 80 - 100, 80, 100]
        let header = ["名次", Catalogue.labelHeader, "较上期", "通报问题（项）"].enumerated().map {
            Typesetter.GridCell(column: $0.offset, text: $0.element)
        }
        let body = rows.map { row -> [Typesetter.GridCell] in
            let change: String
            switch row.rankChange {
            case let n? where n > 0: change = "↑\(n)"
            case let n? where n < 0: change = "↓\(-n)"
            default: change = "—"
            }
            return [
                .init(column: 0, text: row.rank.map(String.init) ?? "—"),
                .init(column: 1, text: row.unitName, align: PANGO_ALIGN_LEFT),
                .init(column: 2, text: change),
                .init(column: 3, text: "\(row.findings.count)"),
            ]
        }
        pdf.y += bodyPitch / 4
        pdf.table(
            widths: widths, header: header, headerRows: 1, body: body,
            style: .init(header: (.heiTi, 14), body: (.fangSong, 14), padX: 4, padY: 3))
        pdf.snap(pitch: bodyPitch)
    }

    /// 五、整改落实情况: each unit's tasks of earlier bulletins still owed.
    static func rectifications(_ b: Bulletin) -> [String] {
        let owing = b.rows.filter { !$0.rectifications.isEmpty }
        if owing.isEmpty { return ["以往通报问题均已按期整改，无逾期未完成或退回重新整改的事项。"] }
        return owing.map { row in
            let tasks = row.rectifications.map { t in
                var state: [String] = []
                if t.status == "reopened" { state.append("整改被退回重新整改") }
                if t.overdue { state.append("已逾期") }
                return "\(Period(t.period)?.nameZh ?? t.period)通报的“\(t.messageZh)”，整改期限\(dateZh(t.dueOn))，"
                    + state.joined(separator: "，")
            }
            return "\(row.unitName)：" + tasks.joined(separator: "；") + "。"
        }
    }

    /// 更正说明: what this revision changed against the previous one.
    static func corrections(_ b: Bulletin) -> [String] {
        var lines = ["本通报为第\(b.revision)版，对此前印发的版本更正如下："]
        if b.changes.isEmpty { lines.append("表格数据无变动。") }
        for c in b.changes {
            let place = c.column.map { "\(c.unitName)第\($0)栏" } ?? c.unitName
            if c.old.count + c.new.count > 60 {
                lines.append("\(place)有修改，以本通报为准。")
            } else {
                let old = c.old.isEmpty ? "空白" : "“\(c.old)”"
                let new = c.new.isEmpty ? "空白" : "“\(c.new)”"
                lines.append("\(place)：由\(old)更正为\(new)。")
            }
        }
        return lines
    }

    /// The issuer one blank line below the body, two characters from the right, and the date of
    /// issue below it starting two characters further right (7.3.5.2).
    static func signature(issuer: String, date: String, on pdf: Typesetter) {
        let em = bodySize
        pdf.y += bodyPitch
        pdf.keep(2 * bodyPitch)
        let issuerWidth = pdf.width(issuer, .fangSong, size: bodySize, tracking: bodyTracking)
        let dateWidth = pdf.width(date, .fangSong, size: bodySize, tracking: bodyTracking)
        let right = pdf.page.typeWidth - 2 * em
        let start = min(right - issuerWidth, right - 2 * em - dateWidth)
        if start < 0 {
            for line in [issuer, date] {
                pdf.paragraph(line, .fangSong, size: bodySize, pitch: bodyPitch, align: PANGO_ALIGN_RIGHT, right: 2 * em)
            }
            return
        }
        pdf.paragraph(issuer, .fangSong, size: bodySize, pitch: bodyPitch, left: start, tracking: bodyTracking)
        pdf.paragraph(date, .fangSong, size: bodySize, pitch: bodyPitch, left: start + 2 * em, tracking: bodyTracking)
    }

    /// `2025-04-20` as 2025年4月20日.
    static func dateZh(_ day: String) -> String {
        let parts = day.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return day }
        return "\(parts[0])年\(parts[1])月\(parts[2])日"
    }

    // MARK: The table, the findings

    /// The 28 columns on A4 landscape pages, the caption, the merged header and the 甲, 1 … 28 row
    /// on every page.
    static func table(_ b: Bulletin, on pdf: Typesetter) {
        pdf.newPage(.landscape)
        let labelWidth = 66.0
        let width = (pdf.page.typeWidth - labelWidth) / 28
        var header = Catalogue.headerCells().map {
            Typesetter.GridCell(row: $0.row, column: $0.column, rowSpan: $0.rowSpan, colSpan: $0.colSpan, text: $0.text)
        }
        let numbers = Catalogue.headerDepth
        header.append(.init(row: numbers, column: 0, text: Catalogue.labelNumber))
        header += Catalogue.columns.map { .init(row: numbers, column: $0.number, text: "\($0.number)") }
        func figures(_ cells: [Cell?]) -> [Typesetter.GridCell] {
            cells.enumerated().map { Typesetter.GridCell(column: $0 + 1, text: b.printed($1, column: $0 + 1)) }
        }
        var body = b.rows.map { row -> [Typesetter.GridCell] in
            let label = Typesetter.GridCell(
                column: 0, text: row.unitName + (row.late ? "（迟报）" : ""), align: PANGO_ALIGN_LEFT)
            if !row.reported { return [label, Typesetter.GridCell(column: 1, colSpan: 28, text: "未报")] }
            return [label] + figures(row.cells)
        }
        body.append([Typesetter.GridCell(column: 0, text: "合计", face: .heiTi)] + figures(b.total.cells))
        let caption = title(b)
        pdf.table(
            widths: [labelWidth] + Array(repeating: width, count: 28), header: header, headerRows: numbers + 1,
            body: body, style: .init(header: (.heiTi, 6.5), body: (.songTi, 7), padX: 1.5, padY: 2),
            caption: { continued in caption + (continued ? "（续表）" : "") })
    }

    /// The findings of each unit that has any, on portrait pages: the unit in 黑体, its findings numbered.
    static func findings(_ b: Bulletin, on pdf: Typesetter) {
        let size = 14.0
        let pitch = 24.0
        pdf.newPage(.portrait)
        pdf.paragraph("各单位通报问题", .xiaoBiaoSong, size: 18, pitch: 2 * pitch, align: PANGO_ALIGN_CENTER)
        let flagged = b.rows.filter { !$0.findings.isEmpty }
        if flagged.isEmpty {
            pdf.paragraph("本期各单位均无通报问题。", .fangSong, size: size, pitch: pitch, indent: 2 * size)
        }
        for row in flagged {
            pdf.keep(2 * pitch)
            pdf.paragraph(row.unitName + (row.late ? "（迟报）" : ""), .heiTi, size: size, pitch: pitch)
            for (i, f) in row.findings.enumerated() {
                pdf.paragraph("\(i + 1)．\(f.messageZh)", .fangSong, size: size, pitch: pitch, indent: 2 * size)
            }
        }
        pdf.y += pitch
    }
}

/// A PDF document written into memory, page by page, with a cursor `y` that moves down the type
/// area. Not thread-safe: one per document.
final class Typesetter {
    static let mm = 72 / 25.4

    struct Page: Equatable {
        let width: Double
        let height: Double
        let top: Double
        let left: Double
        let right: Double
        let bottom: Double
        var typeWidth: Double { width - left - right }
        var typeHeight: Double { height - top - bottom }
        var typeBottom: Double { height - bottom }

        /// A4 portrait with the margins of GB/T 9704 (type area 156 × 225 mm).
        static let portrait = Page(width: 595.28, height: 841.89, top: 37 * mm, left: 28 * mm, right: 26 * mm, bottom: 35 * mm)
        /// A4 landscape for the wide table, with room for the page number below.
        static let landscape = Page(width: 841.89, height: 595.28, top: 18 * mm, left: 18 * mm, right: 18 * mm, bottom: 22 * mm)
    }

    struct Color {
        let r: Double
        let g: Double
        let b: Double
        static let black = Color(r: 0, g: 0, b: 0)
    }

    /// A Pango family list (the first installed family wins, character by character) and a weight.
    struct Face {
        let family: String
        var bold = false
        /// 仿宋 for the body; Noto Serif CJK SC stands in where FangSong is not installed.
        static let fangSong = Face(family: "FangSong,Noto Serif CJK SC,serif")
        /// 黑体 for headings.
        static let heiTi = Face(family: "SimHei,Noto Sans CJK SC,sans-serif")
        /// 宋体 for the table and the page numbers.
        static let songTi = Face(family: "SimSun,Noto Serif CJK SC,serif")
        /// 小标宋 for the masthead and the title.
        static let xiaoBiaoSong = Face(family: "FZXiaoBiaoSong-B05S,Noto Serif CJK SC,serif", bold: true)
    }

    /// One Pango layout, unreferenced when released.
    final class TextLayout {
        struct Line {
            /// From the layout's left edge (alignment and indent included).
            let x: Double
            /// From the top of the line's logical box to its baseline.
            let ascent: Double
            let height: Double
            let line: UnsafeMutablePointer<PangoLayoutLine>
        }

        let raw: OpaquePointer

        init(
            _ cr: OpaquePointer, _ text: String, _ face: Face, size: Double, width: Double?, align: PangoAlignment,
            indent: Double, justify: Bool, tracking: Double
        ) {
            let scale = Double(PANGO_SCALE)
            raw = pango_cairo_create_layout(cr)
            pango_context_set_language(pango_layout_get_context(raw), pango_language_from_string("zh-cn"))
            pango_layout_context_changed(raw)
            let desc = pango_font_description_new()
            pango_font_description_set_family(desc, face.family)
            pango_font_description_set_weight(desc, face.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL)
            pango_font_description_set_absolute_size(desc, size * scale)
            pango_layout_set_font_description(raw, desc)
            pango_font_description_free(desc)
            if let width {
                pango_layout_set_width(raw, Int32(max(1, width) * scale))
                pango_layout_set_wrap(raw, PANGO_WRAP_WORD_CHAR)
            }
            pango_layout_set_alignment(raw, align)
            pango_layout_set_indent(raw, Int32(indent * scale))
            pango_layout_set_justify(raw, justify ? 1 : 0)
            if tracking != 0 {
                let attrs = pango_attr_list_new()
                pango_attr_list_insert(attrs, pango_attr_letter_spacing_new(Int32(tracking * scale)))
                pango_layout_set_attributes(raw, attrs)
                pango_attr_list_unref(attrs)
            }
            pango_layout_set_text(raw, Typesetter.clean(text), -1)
        }

        deinit { g_object_unref(UnsafeMutableRawPointer(raw)) }

        /// The logical size in points.
        var size: (width: Double, height: Double) {
            var logical = PangoRectangle()
            pango_layout_get_extents(raw, nil, &logical)
            return (Double(logical.width) / Double(PANGO_SCALE), Double(logical.height) / Double(PANGO_SCALE))
        }

        var lines: [Line] {
            let scale = Double(PANGO_SCALE)
            var result: [Line] = []
            let iter = pango_layout_get_iter(raw)
            defer { pango_layout_iter_free(iter) }
            repeat {
                var logical = PangoRectangle()
                pango_layout_iter_get_line_extents(iter, nil, &logical)
                let baseline = pango_layout_iter_get_baseline(iter)
                if let line = pango_layout_iter_get_line_readonly(iter) {
                    result.append(
                        Line(
                            x: Double(logical.x) / scale, ascent: Double(baseline - logical.y) / scale,
                            height: Double(logical.height) / scale, line: line))
                }
            } while pango_layout_iter_next_line(iter) != 0
            return result
        }
    }

    /// Where Cairo writes the PDF.
    private final class Sink {
        var data = Data()
    }

    private let sink: Sink
    private let surface: OpaquePointer
    private let cr: OpaquePointer
    private(set) var page = Page.portrait
    private(set) var pageCount = 0
    /// The top of the next thing set, in points from the top of the page.
    var y = 0.0

    init(title: String, author: String) throws {
        let sink = Sink()
        let write: cairo_write_func_t = { closure, data, length in
            guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
            Unmanaged<Sink>.fromOpaque(closure).takeUnretainedValue().data.append(data, count: Int(length))
            return CAIRO_STATUS_SUCCESS
        }
        let surface = cairo_pdf_surface_create_for_stream(
            write, Unmanaged.passUnretained(sink).toOpaque(), Page.portrait.width, Page.portrait.height)!
        cr = cairo_create(surface)
        self.surface = surface
        self.sink = sink
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS, cairo_status(cr) == CAIRO_STATUS_SUCCESS else {
            throw BulletinPDF.RenderError(description: "cannot create the PDF surface")
        }
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, Self.clean(title))
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, Self.clean(author))
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Zhijian")
    }

    deinit {
        cairo_destroy(cr)
        cairo_surface_destroy(surface)
    }

    /// Control characters other than line breaks and tabs removed (Pango would show them as boxes).
    static func clean(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.filter { $0 == "\n" || $0 == "\t" || $0.properties.generalCategory != .control }))
    }

    /// Ends the current page (with its number) and begins one of `next`'s size.
    func newPage(_ next: Page) {
        if pageCount > 0 {
            folio()
            cairo_show_page(cr)
        }
        cairo_pdf_surface_set_size(surface, next.width, next.height)
        page = next
        pageCount += 1
        y = next.top
    }

    /// Ends the last page and returns the document.
    func finish() throws -> Data {
        if pageCount > 0 { folio() }
        cairo_show_page(cr)
        cairo_surface_finish(surface)
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw BulletinPDF.RenderError(description: String(cString: cairo_status_to_string(status)))
        }
        return sink.data
    }

    /// Begins a new page unless `height` more fits on this one.
    func keep(_ height: Double) {
        if y + height > page.typeBottom + 0.01 { newPage(page) }
    }

    /// Moves the cursor down to the next line of the grid of `pitch` from the top of the type area.
    func snap(pitch: Double) {
        let lines = ((y - page.top) / pitch - 0.01).rounded(.up)
        y = page.top + max(0, lines) * pitch
    }

    func layout(
        _ text: String, _ face: Face, size: Double, width: Double?, align: PangoAlignment = PANGO_ALIGN_LEFT,
        indent: Double = 0, justify: Bool = false, tracking: Double = 0
    ) -> TextLayout {
        TextLayout(
            cr, text, face, size: size, width: width, align: align, indent: indent, justify: justify, tracking: tracking)
    }

    func width(_ text: String, _ face: Face, size: Double, tracking: Double = 0) -> Double {
        layout(text, face, size: size, width: nil, tracking: tracking).size.width
    }

    private func setColor(_ c: Color) { cairo_set_source_rgb(cr, c.r, c.g, c.b) }

    /// Sets `text` line by line, each line centred in a slot of `pitch`, between `left` and
    /// `right` insets of the type area; a line that does not fit begins a new page.
    func paragraph(
        _ text: String, _ face: Face, size: Double, pitch: Double, align: PangoAlignment = PANGO_ALIGN_LEFT,
        indent: Double = 0, left: Double = 0, right: Double = 0, justify: Bool = false, tracking: Double = 0,
        color: Color = .black
    ) {
        let l = layout(
            text, face, size: size, width: page.typeWidth - left - right, align: align, indent: indent, justify: justify,
            tracking: tracking)
        // The lines belong to the layout: it must outlive the drawing of the last one.
        withExtendedLifetime(l) {
            for line in l.lines {
                keep(pitch)
                setColor(color)
                cairo_move_to(cr, page.left + left + line.x, y + (pitch - line.height) / 2 + line.ascent)
                pango_cairo_show_layout_line(cr, line.line)
                y += pitch
            }
        }
    }

    /// One centred line shrunk from `size` until it fits the type area (a name too long even at
    /// 16 pt wraps instead).
    func fittedLine(_ text: String, _ face: Face, size: Double, color: Color) {
        let natural = width(text, face, size: size)
        let fitted = natural > page.typeWidth ? max(16, (size * page.typeWidth / natural).rounded(.down)) : size
        paragraph(text, face, size: fitted, pitch: fitted * 1.25, align: PANGO_ALIGN_CENTER, color: color)
    }

    /// A horizontal rule across the type area.
    func rule(at ruleY: Double, width: Double, color: Color) {
        setColor(color)
        cairo_set_line_width(cr, width)
        cairo_move_to(cr, page.left, ruleY)
        cairo_line_to(cr, page.left + page.typeWidth, ruleY)
        cairo_stroke(cr)
        y = max(y, ruleY + width / 2)
    }

    /// "— 7 —" in 四号, its dashes 7 mm below the type area: odd pages on the right, even pages on the left,
    /// one character in from the edge of the type area (7.5).
    private func folio() {
        let size = 14.0
        let l = layout("— \(pageCount) —", .songTi, size: size, width: nil)
        let (w, h) = l.size
        let x = pageCount % 2 == 1 ? page.left + page.typeWidth - size - w : page.left + size
        setColor(.black)
        cairo_move_to(cr, x, page.typeBottom + 7 * Self.mm - h / 2)
        withExtendedLifetime(l) { pango_cairo_show_layout(cr, l.raw) }
    }

    // MARK: Tables

    /// A cell of a table: in the header positioned by row and column with spans; in the body
    /// positioned by column (a body row is one grid row).
    struct GridCell {
        var row = 0
        var column: Int
        var rowSpan = 1
        var colSpan = 1
        var text: String
        var align = PANGO_ALIGN_CENTER
        var face: Face?
    }

    struct TableStyle {
        let header: (face: Face, size: Double)
        let body: (face: Face, size: Double)
        let padX: Double
        let padY: Double
    }

    /// A ruled table from the cursor down, continued on new pages of the same size with the caption
    /// (`caption(true)` on later pages) and the header repeated. A row taller than a page is clipped.
    func table(
        widths: [Double], header: [GridCell], headerRows: Int, body: [[GridCell]], style: TableStyle,
        caption: ((Bool) -> String)? = nil
    ) {
        let x0 = page.left + max(0, (page.typeWidth - widths.reduce(0, +)) / 2)
        let edges = widths.reduce(into: [x0]) { $0.append($0.last! + $1) }
        func span(_ c: GridCell) -> (x: Double, width: Double) {
            let first = min(max(0, c.column), widths.count - 1)
            let last = min(widths.count, first + max(1, c.colSpan))
            return (edges[first], edges[last] - edges[first])
        }
        func layout(_ c: GridCell, _ font: (face: Face, size: Double)) -> TextLayout {
            self.layout(
                c.text, c.face ?? font.face, size: font.size, width: span(c).width - 2 * style.padX, align: c.align)
        }

        // Header rows tall enough for every cell: a cell's shortfall goes to the last row it spans.
        let headerLayouts = header.map { layout($0, style.header) }
        let minimum = style.header.size * 1.2 + 2 * style.padY
        var rowHeights = [Double](repeating: minimum, count: max(1, headerRows))
        for i in header.indices.sorted(by: { header[$0].rowSpan < header[$1].rowSpan }) {
            let c = header[i]
            let first = min(max(0, c.row), rowHeights.count - 1)
            let last = min(rowHeights.count, first + max(1, c.rowSpan))
            let need = headerLayouts[i].size.height + 2 * style.padY
            let have = rowHeights[first..<last].reduce(0, +)
            if need > have { rowHeights[last - 1] += need - have }
        }
        let rowTops = rowHeights.reduce(into: [0.0]) { $0.append($0.last! + $1) }
        let headerHeight = rowTops.last!
        let captionSize = 14.0
        let captionHeight = caption == nil ? 0 : captionSize * 2

        func drawCell(_ l: TextLayout, x: Double, y top: Double, width: Double, height: Double) {
            cairo_save(cr)
            setColor(.black)
            cairo_set_line_width(cr, 0.5)
            cairo_rectangle(cr, x, top, width, height)
            cairo_stroke_preserve(cr)
            cairo_clip(cr)
            let textHeight = l.size.height
            cairo_move_to(cr, x + style.padX, top + max(style.padY, (height - textHeight) / 2))
            withExtendedLifetime(l) { pango_cairo_show_layout(cr, l.raw) }
            cairo_restore(cr)
        }
        func top(continued: Bool) {
            if let caption {
                paragraph(caption(continued), .xiaoBiaoSong, size: captionSize, pitch: captionHeight, align: PANGO_ALIGN_CENTER)
            }
            for (c, l) in zip(header, headerLayouts) {
                let (x, width) = span(c)
                let first = min(max(0, c.row), rowHeights.count - 1)
                let last = min(rowHeights.count, first + max(1, c.rowSpan))
                drawCell(l, x: x, y: y + rowTops[first], width: width, height: rowTops[last] - rowTops[first])
            }
            y += headerHeight
        }

        let tallest = max(minimum, page.typeHeight - captionHeight - headerHeight)
        var started = false
        for row in body {
            let layouts = row.map { layout($0, style.body) }
            let height = min(
                tallest, max(style.body.size * 1.2, layouts.map(\.size.height).max() ?? 0) + 2 * style.padY)
            if !started || y + height > page.typeBottom + 0.01 {
                if started || y + captionHeight + headerHeight + height > page.typeBottom + 0.01 { newPage(page) }
                top(continued: started)
                started = true
            }
            for (c, l) in zip(row, layouts) {
                let (x, width) = span(c)
                drawCell(l, x: x, y: y, width: width, height: height)
            }
            y += height
        }
        if !started { top(continued: false) }
    }

    // MARK: Pictures

    /// An SVG document scaled to the width of the type area, on a landscape page when it is wider
    /// than tall, else portrait, on a new page when it does not fit below the cursor. Nothing is
    /// drawn when librsvg cannot read or render it.
    func picture(_ svg: String) {
        let bytes = Array(svg.utf8)
        guard !bytes.isEmpty else { return }
        var error: UnsafeMutablePointer<GError>?
        let handle = bytes.withUnsafeBufferPointer { rsvg_handle_new_from_data($0.baseAddress, gsize($0.count), &error) }
        if let error { g_error_free(error) }
        guard let handle else { return }
        defer { g_object_unref(handle) }

        var w = 0.0
        var h = 0.0
        if rsvg_handle_get_intrinsic_size_in_pixels(handle, &w, &h) == 0 {
            var hasWidth: gboolean = 0
            var hasHeight: gboolean = 0
            var hasViewBox: gboolean = 0
            var viewBox = RsvgRectangle()
            rsvg_handle_get_intrinsic_dimensions(handle, &hasWidth, nil, &hasHeight, nil, &hasViewBox, &viewBox)
            (w, h) = hasViewBox != 0 ? (viewBox.width, viewBox.height) : (4, 3)
        }
        guard w.isFinite, h.isFinite, w > 0, h > 0 else { return }
        let aspect = w / h
        let target = aspect > 1 ? Page.landscape : Page.portrait
        var width = target.typeWidth
        var height = width / aspect
        if height > target.typeHeight {
            height = target.typeHeight
            width = height * aspect
        }

        // Rendered first into a recording, so that a document that fails half-way leaves no trace.
        guard let recording = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, nil) else { return }
        defer { cairo_surface_destroy(recording) }
        let rc = cairo_create(recording)
        var viewport = RsvgRectangle(x: 0, y: 0, width: width, height: height)
        var renderError: UnsafeMutablePointer<GError>?
        let rendered = rsvg_handle_render_document(handle, rc, &viewport, &renderError) != 0
        if let renderError { g_error_free(renderError) }
        let ok = rendered && cairo_status(rc) == CAIRO_STATUS_SUCCESS
        cairo_destroy(rc)
        guard ok else { return }

        if page != target || y + height > page.typeBottom + 0.01 { newPage(target) }
        cairo_save(cr)
        cairo_set_source_surface(cr, recording, page.left + (page.typeWidth - width) / 2, y)
        cairo_rectangle(cr, page.left, y, page.typeWidth, height)
        cairo_fill(cr)
        cairo_restore(cr)
        y += height + 14
    }
}
