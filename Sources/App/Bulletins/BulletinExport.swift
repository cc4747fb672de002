import CXlsxWriter
import Domain
import Foundation

/// The bulletin as CSV and XLSX, both laid out from the indicator catalogue.
enum BulletinExport {
    /// The document's title, as the PDF and the page head it: 关于2025年第一季度职业技能鉴定质量情况的通报.
    static func title(_ b: Bulletin, lang: String = "zh") -> String {
        let p = Period(b.period)
        if lang == "en" {
            return "Vocational skill appraisal quality bulletin, \(p?.nameEn ?? b.period)"
                + (b.isCorrection ? " (correction, revision \(b.revision))" : "") + (b.status == "published" ? "" : " — draft")
        }
        return "关于\(p?.nameZh ?? b.period)职业技能鉴定质量情况的通报" + (b.isCorrection ? "（更正，第\(b.revision)版）" : "")
            + (b.status == "published" ? "" : "（草稿）")
    }

    /// UTF-8 with a BOM so that Excel opens the Chinese text correctly; ticks are `√`.
    /// One header line (each column's path joined with ›), then one line per unit, then 合计.
    static func csv(_ b: Bulletin) -> Data {
        var lines: [[String]] = []
        lines.append(
            ["代码", Catalogue.labelHeader] + Catalogue.columns.map { "\($0.number) " + $0.path.joined(separator: "›") }
                + ["报送情况", "通报问题", "名次", "名次变化"])
        for row in b.rows {
            let state = row.reported ? (row.late ? "迟报" : "已报") : "未报"
            lines.append(
                [row.unitCode, row.unitName] + row.cells.enumerated().map { b.printed($1, column: $0 + 1) }
                    + [
                        state, row.findings.map(\.messageZh).joined(separator: "；"), row.rank.map(String.init) ?? "",
                        row.rankChange.map(String.init) ?? "",
                    ])
        }
        lines.append(["", "合计"] + b.total.cells.enumerated().map { b.printed($1, column: $0 + 1) } + ["", "", "", ""])
        let text = lines.map { $0.map(escape).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
        return Data([0xEF, 0xBB, 0xBF]) + Data(text.utf8)
    }

    static func escape(_ s: String) -> String {
        // Leading = + - @ would make a spreadsheet run a formula: neutralise them.
        var v = s
        if let f = v.first, "=+-@".contains(f), Double(v) == nil { v = "'" + v }
        if v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return v
    }

    /// An XLSX workbook with the real merged multi-level header and the column numbers row
    /// (甲, 1 … 28), written by libxlsxwriter.
    static func xlsx(_ b: Bulletin) throws -> Data {
        try XLSXWriter.workbook { wb in
            let ws = workbook_add_worksheet(wb, "通报 \(b.period)")

            let header = workbook_add_format(wb)
            format_set_bold(header)
            format_set_align(header, UInt8(LXW_ALIGN_CENTER.rawValue))
            format_set_align(header, UInt8(LXW_ALIGN_VERTICAL_CENTER.rawValue))
            format_set_text_wrap(header)
            format_set_border(header, UInt8(LXW_BORDER_THIN.rawValue))
            format_set_font_size(header, 9)
            let cell = workbook_add_format(wb)
            format_set_border(cell, UInt8(LXW_BORDER_THIN.rawValue))
            format_set_align(cell, UInt8(LXW_ALIGN_CENTER.rawValue))
            let ratio = workbook_add_format(wb)
            format_set_border(ratio, UInt8(LXW_BORDER_THIN.rawValue))
            format_set_num_format(ratio, "0.0")
            let label = workbook_add_format(wb)
            format_set_border(label, UInt8(LXW_BORDER_THIN.rawValue))
            let titleFormat = workbook_add_format(wb)
            format_set_bold(titleFormat)
            format_set_font_size(titleFormat, 14)

            worksheet_write_string(ws, 0, 0, title(b), titleFormat)
            if let d = b.document { worksheet_write_string(ws, 1, 0, d.documentNumber, nil) }
            let top: UInt32 = 2
            XLSXWriter.catalogueHeader(ws, header, top: top)
            let numbersRow = top + UInt32(Catalogue.headerDepth)
            func write(_ r: UInt32, _ c: UInt16, _ value: Cell?, total: Bool) {
                if Int(c) > 24 + b.quarter { return }
                switch value {
                case .count(let n)?: worksheet_write_number(ws, r, c, Double(n), cell)
                case .tick(let t)?: worksheet_write_string(ws, r, c, t ? "√" : "", cell)
                case .percent(let p?)?: worksheet_write_number(ws, r, c, p.doubleValue, ratio)
                case .percent(nil)?: worksheet_write_string(ws, r, c, "—", cell)
                case nil: worksheet_write_string(ws, r, c, total ? "" : "未报", cell)
                }
            }
            var r = numbersRow + 1
            for row in b.rows {
                worksheet_write_string(ws, r, 0, row.unitName + (row.late ? "（迟报）" : ""), label)
                for (i, v) in row.cells.enumerated() { write(r, UInt16(i + 1), v, total: false) }
                r += 1
            }
            worksheet_write_string(ws, r, 0, "合计", header)
            for (i, v) in b.total.cells.enumerated() { write(r, UInt16(i + 1), v, total: true) }

            worksheet_set_column(ws, 0, 0, 18, nil)
            worksheet_set_column(ws, 1, 28, 6, nil)
            worksheet_freeze_panes(ws, numbersRow + 1, 1)
            worksheet_set_landscape(ws)
            worksheet_set_paper(ws, 9)  // A4
            worksheet_fit_to_pages(ws, 1, 0)

            // Findings on a second sheet.
            let fs = workbook_add_worksheet(wb, "通报问题")
            worksheet_write_string(fs, 0, 0, "代码", header)
            worksheet_write_string(fs, 0, 1, "单位", header)
            worksheet_write_string(fs, 0, 2, "问题", header)
            worksheet_write_string(fs, 0, 3, "栏目", header)
            var fr: UInt32 = 1
            for row in b.rows {
                for f in row.findings {
                    worksheet_write_string(fs, fr, 0, row.unitCode, nil)
                    worksheet_write_string(fs, fr, 1, row.unitName, nil)
                    worksheet_write_string(fs, fr, 2, f.messageZh, nil)
                    worksheet_write_string(fs, fr, 3, f.columns.map(String.init).joined(separator: ","), nil)
                    fr += 1
                }
            }
            worksheet_set_column(fs, 1, 1, 20, nil)
            worksheet_set_column(fs, 2, 2, 50, nil)

            // The ranking on a third sheet, in rank order.
            let rs = workbook_add_worksheet(wb, "排名")
            for (i, h) in ["名次", "代码", "单位", "名次变化", "通报问题数", "报送情况"].enumerated() {
                worksheet_write_string(rs, 0, UInt16(i), h, header)
            }
            var rr: UInt32 = 1
            for row in b.rowsByRank {
                if let rank = row.rank { worksheet_write_number(rs, rr, 0, Double(rank), cell) }
                worksheet_write_string(rs, rr, 1, row.unitCode, label)
                worksheet_write_string(rs, rr, 2, row.unitName, label)
                if let change = row.rankChange { worksheet_write_number(rs, rr, 3, Double(change), cell) }
                worksheet_write_number(rs, rr, 4, Double(row.findings.count), cell)
                worksheet_write_string(rs, rr, 5, row.reported ? (row.late ? "迟报" : "按时") : "未报", cell)
                rr += 1
            }
            worksheet_set_column(rs, 2, 2, 20, nil)

        }
    }
}
