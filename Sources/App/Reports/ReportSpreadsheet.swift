import CXlsxWriter
import Domain
import Fluent
import Foundation
import Vapor

/// The official form (the 2003 attachment's table) as a spreadsheet, both ways: a unit's form
/// for one quarter, pre-filled, which Excel, WPS or LibreOffice fill and send back; and the
/// ministry's workbook of every unit's report.
///
/// The form's sheet, 1-based rows as a spreadsheet shows them:
/// - row 1, the title; row 2, the form's identity (`单位代码`, `报告期`), read back to refuse a
///   form filled for another unit or quarter;
/// - rows 3–7, the attachment's merged header, and beside it the two amounts behind columns
///   25–28 (乙 due, 丙 paid, year to date), which the attachment does not print but the ratios
///   are computed from;
/// - row 8, the column numbers: 甲, 1 … 28, 乙, 丙. Values are read back by these numbers, not by
///   position, so a form whose columns were moved or hidden still reads right;
/// - row 9, the unit's row: white cells are entered (validated as whole numbers ≥ 0, amounts,
///   or a drop-down √); grey cells (9, 12, 17, 20, 21, 24, 25–28) are formulas, locked.
enum ReportSpreadsheet {
    static let computedColumns: Set<Int> = [9, 12, 17, 20, 21, 24, 25, 26, 27, 28]
    /// The amounts' column labels in the numbers row, after 28.
    static let dueLabel = "乙", paidLabel = "丙"
    static let codeLabel = "单位代码", periodLabel = "报告期"
    static let tickMarks: Set<String> = ["√", "✓", "✔", "☑", "TRUE", "1"]
    static let blankMarks: Set<String> = ["×", "✗", "✘", "FALSE", "0", "-", "—", "－"]

    // The fixed layout (0-based rows and columns as libxlsxwriter counts them).
    static let identityRow: UInt32 = 1, headerTop: UInt32 = 2
    static var numbersRow: UInt32 { headerTop + UInt32(Catalogue.headerDepth) }
    static var unitRow: UInt32 { numbersRow + 1 }
    static let dueColumn: UInt16 = 29, paidColumn: UInt16 = 30

    // MARK: - Writing

    struct Form {
        let period: Period
        let unitCode: String
        let unitName: String
        let values: ReportValues
        /// What the values are: the report's revision and status, or the registers' derivation.
        let source: String
        let deadline: String
    }

    /// The unit's form for one quarter.
    static func form(_ f: Form) throws -> Data {
        try XLSXWriter.workbook { wb in
            let s = Styles(wb)
            let ws = workbook_add_worksheet(wb, "报表")
            let last = paidColumn
            worksheet_merge_range(ws, 0, 0, 0, last, "职业技能鉴定质量工作通报指标（\(f.period.nameZh)）", s.title)
            worksheet_write_string(ws, identityRow, 0, codeLabel, s.label)
            worksheet_merge_range(ws, identityRow, 1, identityRow, 4, f.unitCode, s.identity)
            worksheet_merge_range(ws, identityRow, 5, identityRow, 6, periodLabel, s.label)
            worksheet_merge_range(ws, identityRow, 7, identityRow, 9, f.period.description, s.identity)
            worksheet_merge_range(
                ws, identityRow, 10, identityRow, last,
                "\(f.unitName) · 报送截止 \(f.deadline) · \(f.source) · 白色格填写，灰色格自动计算", s.note)
            writeHeader(ws, s, top: headerTop, offset: 0)
            let r = unitRow
            worksheet_write_string(ws, r, 0, f.unitName, s.label)
            let cells = f.values.cells(quarter: f.period.quarter)
            let R = r + 1  // the row as formulas name it
            func ref(_ column: Int) -> String { XLSXWorkbook.reference(row: Int(R), column: column) }
            for col in Catalogue.columns {
                let c = UInt16(col.number)
                let value = cells[col.number - 1]
                switch col.number {
                case 9, 17, 21:
                    let formula = "=\(ref(col.number + 1))+\(ref(col.number + 2))"
                    if case .count(let n) = value { worksheet_write_formula_num(ws, r, c, formula, s.computed, Double(n)) }
                case 12, 20, 24:
                    let formula = "=IF(\(ref(col.number - 3))=0,\"√\",\"\")"
                    worksheet_write_formula_str(ws, r, c, formula, s.computed, value.printed)
                case 25...28 where col.number == Catalogue.paymentColumn(quarter: f.period.quarter):
                    let due = ref(Int(dueColumn))
                    let paid = ref(Int(paidColumn))
                    let formula = "=IF(\(due)=0,\"—\",ROUND(\(paid)/\(due)*100,1))"
                    if case .percent(let ratio?) = value {
                        worksheet_write_formula_num(ws, r, c, formula, s.ratio, ratio.doubleValue)
                    } else {
                        worksheet_write_formula_str(ws, r, c, formula, s.ratio, "—")
                    }
                case 25...28:
                    worksheet_write_blank(ws, r, c, s.computed)
                default:
                    switch value {
                    case .count(let n):
                        worksheet_write_number(ws, r, c, Double(n), s.input)
                        validateCount(ws, r, c)
                    case .tick(let t):
                        worksheet_write_string(ws, r, c, t ? "√" : "", s.input)
                        validateTick(ws, r, c, column: col)
                    case .percent: break
                    }
                }
            }
            worksheet_write_number(ws, r, dueColumn, f.values.payment.dueYuan.doubleValue, s.money)
            worksheet_write_number(ws, r, paidColumn, f.values.payment.paidYuan.doubleValue, s.money)
            validateMoney(ws, r, dueColumn)
            validateMoney(ws, r, paidColumn)

            worksheet_set_column(ws, 0, 0, 16, nil)
            worksheet_set_column(ws, 1, 28, 6.5, nil)
            worksheet_set_column(ws, dueColumn, paidColumn, 12, nil)
            worksheet_set_row(ws, r, 24, nil)
            worksheet_freeze_panes(ws, numbersRow + 1, 1)
            worksheet_set_landscape(ws)
            worksheet_set_paper(ws, 9)  // A4
            worksheet_fit_to_pages(ws, 1, 0)
            // Locked without a password: the grey cells are protected from slips, not from their owner.
            var protection = lxw_protection()
            protection.format_columns = 1
            protection.format_rows = 1
            worksheet_protect(ws, nil, &protection)
            worksheet_activate(ws)

            explanationSheet(wb, s, f)
        }
    }

    /// The merged header (the attachment's, plus 乙 and 丙) at `top`, its numbers row below; the
    /// 28 columns start after `offset` label columns (0 for the form: its 甲 is column A).
    static func writeHeader(
        _ ws: UnsafeMutablePointer<lxw_worksheet>?, _ s: Styles, top: UInt32, offset: UInt16, labelColumn: UInt16 = 0
    ) {
        let depth = UInt32(Catalogue.headerDepth)
        XLSXWriter.catalogueHeader(ws, s.header, top: top, offset: offset, labelColumn: labelColumn)
        let due = offset + dueColumn
        let paid = offset + paidColumn
        worksheet_merge_range(ws, top, due, top, paid, "附：证书款（元，本年累计）", s.header)
        worksheet_merge_range(ws, top + 1, due, top + depth - 1, due, "应缴款", s.header)
        worksheet_merge_range(ws, top + 1, paid, top + depth - 1, paid, "已缴款", s.header)
        let numbers = top + depth
        worksheet_write_string(ws, numbers, due, dueLabel, s.header)
        worksheet_write_string(ws, numbers, paid, paidLabel, s.header)
    }

    static func validateCount(_ ws: UnsafeMutablePointer<lxw_worksheet>?, _ r: UInt32, _ c: UInt16) {
        validate(ws, r, c, "填写整数", "请填写0至\(ReportValues.maxCount)之间的整数") { v in
            v.validate = UInt8(LXW_VALIDATION_TYPE_INTEGER.rawValue)
            v.criteria = UInt8(LXW_VALIDATION_CRITERIA_BETWEEN.rawValue)
            v.minimum_number = 0
            v.maximum_number = Double(ReportValues.maxCount)
        }
    }

    static func validateMoney(_ ws: UnsafeMutablePointer<lxw_worksheet>?, _ r: UInt32, _ c: UInt16) {
        validate(ws, r, c, "填写金额", "本年累计金额，单位元，最多两位小数，不能为负") { v in
            v.validate = UInt8(LXW_VALIDATION_TYPE_DECIMAL.rawValue)
            v.criteria = UInt8(LXW_VALIDATION_CRITERIA_GREATER_THAN_OR_EQUAL_TO.rawValue)
            v.value_number = 0
        }
    }

    /// The two columns of a yes/no answer (`feeStandard` → 7 有, 8 无), the yes column first.
    static func pair(_ key: String) -> [Column] { Catalogue.columns.filter { $0.key == key } }

    /// The pair's words, as the prompts name them: 有、无 or 是、否.
    static func pairWords(_ column: Column) -> String {
        pair(column.key).compactMap(\.path.last).joined(separator: "、")
    }

    /// A drop-down of √ in each cell of a 有/无 or 是/否 pair.
    static func validateTick(_ ws: UnsafeMutablePointer<lxw_worksheet>?, _ r: UInt32, _ c: UInt16, column: Column) {
        let pair = pairWords(column)
        withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<CChar>?.self, capacity: 2) { list in
            let tick = strdup("√")
            defer { free(tick) }
            list[0] = tick
            list[1] = nil
            validate(ws, r, c, "选择√", "“\(pair)”两栏中必须且只能在一栏选择√") { v in
                v.validate = UInt8(LXW_VALIDATION_TYPE_LIST.rawValue)
                v.value_list = list.baseAddress
            }
        }
    }

    private static func validate(
        _ ws: UnsafeMutablePointer<lxw_worksheet>?, _ r: UInt32, _ c: UInt16, _ title: String, _ message: String,
        _ configure: (inout lxw_data_validation) -> Void
    ) {
        title.withCString { t in
            message.withCString { m in
                var v = lxw_data_validation()
                configure(&v)
                v.input_title = UnsafeMutablePointer(mutating: t)
                v.input_message = UnsafeMutablePointer(mutating: m)
                v.error_title = UnsafeMutablePointer(mutating: t)
                v.error_message = UnsafeMutablePointer(mutating: m)
                worksheet_data_validation_cell(ws, r, c, &v)
            }
        }
    }

    /// The second sheet: how each column is filled, in Chinese.
    static func explanationSheet(_ wb: UnsafeMutablePointer<lxw_workbook>?, _ s: Styles, _ f: Form) {
        let ws = workbook_add_worksheet(wb, "填表说明")
        let notes = [
            "本表为\(f.unitName)（代码 \(f.unitCode)）\(f.period.nameZh)职业技能鉴定质量工作通报指标报表，报送截止日期 \(f.deadline)。",
            "白色单元格为填写项；灰色单元格由系统按公式计算，已锁定，上传时不读取。",
            "系统按第\(numbersRow + 1)行的栏号（甲、1…28、乙、丙）读取数值，请勿修改栏号及第2行的单位代码、报告期。",
            "“有/无”“是/否”成对的两栏中，必须且只能在一栏选择“√”。",
            "填好后在报表页面点击“上传Excel报表”，或以 PUT 方式提交至 /api/v1/reports/\(f.period)/\(f.unitCode)；任何错误都会指明单元格。",
        ]
        worksheet_merge_range(ws, 0, 0, 0, 3, "填表说明", s.title)
        for (i, n) in notes.enumerated() { worksheet_merge_range(ws, UInt32(1 + i), 0, UInt32(1 + i), 3, n, s.wrap) }
        let top = UInt32(2 + notes.count)
        for (i, h) in ["栏次", "指标", "填写方法", "单元格"].enumerated() {
            worksheet_write_string(ws, top, UInt16(i), h, s.header)
        }
        var r = top + 1
        let row = Int(unitRow) + 1
        for col in Catalogue.columns {
            worksheet_write_number(ws, r, 0, Double(col.number), s.cell)
            worksheet_write_string(ws, r, 1, col.path.joined(separator: " › "), s.wrap)
            worksheet_write_string(ws, r, 2, explanation(col, quarter: f.period.quarter), s.wrap)
            worksheet_write_string(ws, r, 3, XLSXWorkbook.reference(row: row, column: col.number), s.cell)
            r += 1
        }
        for (label, text, column) in [
            (dueLabel, "证书应缴款，本年1月至本季度末累计，单位元，最多两位小数。", dueColumn),
            (paidLabel, "证书已缴款，本年1月至本季度末累计，单位元，最多两位小数；不得少于上季度累计。", paidColumn),
        ] {
            worksheet_write_string(ws, r, 0, label, s.cell)
            worksheet_write_string(ws, r, 1, "附：证书款（元，本年累计） › " + (label == dueLabel ? "应缴款" : "已缴款"), s.wrap)
            worksheet_write_string(ws, r, 2, text, s.wrap)
            worksheet_write_string(ws, r, 3, XLSXWorkbook.reference(row: row, column: Int(column)), s.cell)
            r += 1
        }
        worksheet_set_column(ws, 0, 0, 6, nil)
        worksheet_set_column(ws, 1, 1, 48, nil)
        worksheet_set_column(ws, 2, 2, 56, nil)
        worksheet_set_column(ws, 3, 3, 8, nil)
    }

    static func explanation(_ col: Column, quarter: Int) -> String {
        switch col.number {
        case 9, 17, 21: return "自动计算：第\(col.number + 1)栏与第\(col.number + 2)栏之和。"
        case 12, 20, 24: return "自动计算：第\(col.number - 3)栏为0时为“√”。"
        case 25...28 where col.number == Catalogue.paymentColumn(quarter: quarter):
            return "自动计算：已缴款（丙）÷应缴款（乙）×100，保留一位小数；应缴款为0时为“—”。"
        case 25...28: return "本季度不填；全年各季度比例由通报汇总各季度报表得出。"
        default:
            switch col.kind {
            case .count: return "填写0至\(ReportValues.maxCount)之间的整数，没有填0。"
            case .tick:
                return "“\(pairWords(col))”两栏中必须且只能在一栏选择“√”，另一栏留空。"
            case .percent: return ""
            }
        }
    }

    // MARK: - The ministry's workbook

    struct UnitRow {
        let unitCode: String
        let unitName: String
        let kind: String
        let report: ReportModel?
    }

    static let overviewColumns = ["代码", "地区、行业", "类别", "状态", "版本", "报送时间", "迟报"]

    /// Every unit's latest report of a quarter on one sheet: who has reported, in what state,
    /// late or not, and the 28 columns with the amounts behind 25–28.
    static func overview(period p: Period, rows: [UnitRow], statusText: (String) -> String) throws -> Data {
        try XLSXWriter.workbook { wb in
            let s = Styles(wb)
            let ws = workbook_add_worksheet(wb, "报表汇总 \(p)")
            let offset = UInt16(overviewColumns.count - 1)  // the 28 columns follow the label columns
            let last = offset + paidColumn
            worksheet_merge_range(ws, 0, 0, 0, last, "职业技能鉴定质量工作通报指标 各地区、行业报表汇总（\(p.nameZh)）", s.title)
            let top: UInt32 = 1
            let depth = UInt32(Catalogue.headerDepth)
            for (i, h) in overviewColumns.enumerated() {
                worksheet_merge_range(ws, top, UInt16(i), top + depth - 1, UInt16(i), h, s.header)
                worksheet_write_blank(ws, top + depth, UInt16(i), s.header)
            }
            // 甲 marks the unit's name, as on the form.
            writeHeader(ws, s, top: top, offset: offset, labelColumn: 1)
            var r = top + depth + 1
            for row in rows {
                worksheet_write_string(ws, r, 0, row.unitCode, s.label)
                worksheet_write_string(ws, r, 1, row.unitName, s.label)
                worksheet_write_string(ws, r, 2, row.kind, s.cell)
                worksheet_write_string(ws, r, 3, row.report.map { statusText($0.status.rawValue) } ?? "未报", s.cell)
                if let rep = row.report {
                    worksheet_write_number(ws, r, 4, Double(rep.revision), s.cell)
                    worksheet_write_string(ws, r, 5, rep.submittedAt.map(Names.minute) ?? "", s.cell)
                    worksheet_write_string(ws, r, 6, rep.late ? "迟报" : "", s.cell)
                    for (i, v) in rep.values.cells(quarter: p.quarter).enumerated() {
                        let c = offset + UInt16(i + 1)
                        switch v {
                        case .count(let n): worksheet_write_number(ws, r, c, Double(n), s.cell)
                        case .tick(let t): worksheet_write_string(ws, r, c, t ? "√" : "", s.cell)
                        case .percent(let ratio?): worksheet_write_number(ws, r, c, ratio.doubleValue, s.ratioPlain)
                        case .percent(nil):
                            worksheet_write_string(
                                ws, r, c, i + 1 == Catalogue.paymentColumn(quarter: p.quarter) ? "—" : "", s.cell)
                        }
                    }
                    worksheet_write_number(ws, r, offset + dueColumn, rep.values.payment.dueYuan.doubleValue, s.moneyPlain)
                    worksheet_write_number(ws, r, offset + paidColumn, rep.values.payment.paidYuan.doubleValue, s.moneyPlain)
                }
                r += 1
            }
            worksheet_set_column(ws, 0, 0, 10, nil)
            worksheet_set_column(ws, 1, 1, 18, nil)
            worksheet_set_column(ws, 2, 6, 8, nil)
            worksheet_set_column(ws, 5, 5, 16, nil)
            worksheet_set_column(ws, offset + 1, offset + 28, 6.5, nil)
            worksheet_set_column(ws, offset + dueColumn, offset + paidColumn, 12, nil)
            worksheet_freeze_panes(ws, top + depth + 1, 2)
            if r > top + depth + 1 { worksheet_autofilter(ws, top + depth, 0, r - 1, last) }
            worksheet_set_landscape(ws)
            worksheet_set_paper(ws, 9)
        }
    }

    // MARK: - Shared

    struct Styles {
        let title, header, label, identity, note, cell, wrap, input, money, computed, ratio, ratioPlain,
            moneyPlain: UnsafeMutablePointer<lxw_format>?

        init(_ wb: UnsafeMutablePointer<lxw_workbook>?) {
            func make(_ configure: (UnsafeMutablePointer<lxw_format>?) -> Void) -> UnsafeMutablePointer<lxw_format>? {
                let f = workbook_add_format(wb)
                configure(f)
                return f
            }
            func bordered(_ f: UnsafeMutablePointer<lxw_format>?) {
                format_set_border(f, UInt8(LXW_BORDER_THIN.rawValue))
                format_set_align(f, UInt8(LXW_ALIGN_VERTICAL_CENTER.rawValue))
            }
            title = make {
                format_set_bold($0)
                format_set_font_size($0, 14)
                format_set_align($0, UInt8(LXW_ALIGN_CENTER.rawValue))
            }
            header = make {
                bordered($0)
                format_set_bold($0)
                format_set_align($0, UInt8(LXW_ALIGN_CENTER.rawValue))
                format_set_text_wrap($0)
                format_set_font_size($0, 9)
            }
            label = make { bordered($0) }
            identity = make {
                bordered($0)
                format_set_bold($0)
            }
            note = make { format_set_font_size($0, 9) }
            cell = make {
                bordered($0)
                format_set_align($0, UInt8(LXW_ALIGN_CENTER.rawValue))
            }
            wrap = make {
                format_set_text_wrap($0)
                format_set_align($0, UInt8(LXW_ALIGN_VERTICAL_TOP.rawValue))
            }
            input = make {
                bordered($0)
                format_set_align($0, UInt8(LXW_ALIGN_CENTER.rawValue))
                format_set_unlocked($0)
            }
            money = make {
                bordered($0)
                format_set_num_format($0, "0.00")
                format_set_unlocked($0)
            }
            func shaded(_ f: UnsafeMutablePointer<lxw_format>?) {
                bordered(f)
                format_set_align(f, UInt8(LXW_ALIGN_CENTER.rawValue))
                format_set_bg_color(f, 0xD9D9D9)
                format_set_pattern(f, UInt8(LXW_PATTERN_SOLID.rawValue))
            }
            computed = make { shaded($0) }
            ratio = make {
                shaded($0)
                format_set_num_format($0, "0.0")
            }
            ratioPlain = make {
                bordered($0)
                format_set_num_format($0, "0.0")
            }
            moneyPlain = make {
                bordered($0)
                format_set_num_format($0, "0.00")
            }
        }
    }
}

// MARK: - Reading a filled form

extension ReportSpreadsheet {
    /// What a filled form says: the entered text by report field (as the page's form posts it),
    /// the problems only a spreadsheet can have (a word in a tick cell, both cells of a pair
    /// ticked), and where each field was read, to name the cell in every refusal.
    struct Reading {
        var form: [String: String] = [:]
        var issues: [ValidationIssue] = []
        /// Field → the cells it was read from, the column label the form prints (`5`, `乙`), and
        /// what the column is called in both languages.
        var cells: [String: (refs: [String], label: String, en: String, zh: String)] = [:]

        /// The issues with the cell, the column and what it is called first in both languages,
        /// then the rule; the cell also as `cell`.
        func located(_ issues: [ValidationIssue]) -> [ValidationIssue] {
            issues.map { i in
                guard i.cell == nil, let at = cells[i.field] else { return i }
                // The rule alone: the JSON's messages start with the column and field, which the
                // cell now names (and, for the amounts, as the form prints them: 乙, 丙).
                func rule(_ text: String, after separator: String) -> String {
                    text.range(of: i.field + separator).map { String(text[$0.upperBound...]) } ?? text
                }
                let refs = at.refs.joined(separator: "/")
                let refsZh = at.refs.joined(separator: "、")
                return ValidationIssue(
                    field: i.field, column: i.column, code: i.code,
                    message: "Cell \(refs) (column \(at.label), \(at.en)): \(rule(i.message, after: ": "))",
                    messageZh: "单元格\(refsZh)（第\(at.label)栏，\(at.zh)）：\(rule(i.messageZh, after: "："))", cell: at.refs[0])
            }
        }
    }

    static func unreadable(_ en: String, _ zh: String, code: String = "unreadable_form") -> AppError {
        AppError(status: .unprocessableEntity, code: code, message: en, messageZh: zh)
    }

    /// Reads a filled form for `unit` and `p`. A file that is not this unit's form of this
    /// quarter is refused here, before anything could be saved.
    static func read(_ data: Data, period p: Period, unit: String) throws -> Reading {
        var book: XLSXWorkbook
        var rows: [XLSXWorkbook.Row] = []
        do {
            book = try XLSXWorkbook(data: data, limit: maxExpanded)
            // The form is the sheet with the numbers row (the first, unless someone moved the
            // explanation before it), its unit's row a few rows down: stop reading there.
            struct Enough: Error {}
            for sheet in book.sheets.indices.prefix(8) {
                rows = []
                do {
                    try book.rows(sheet: sheet) { row in
                        rows.append(row)
                        if rows.count >= 64 { throw Enough() }
                    }
                } catch is Enough {}
                if rows.contains(where: { $0.cells.contains { $0.value.trimmed == Catalogue.labelNumber } }) { break }
            }
        } catch let f as XLSXWorkbook.Failure {
            throw failure(f)
        }
        return try read(rows, period: p, unit: unit)
    }

    /// A reader's failure as the API answers it: 413 past the expansion limit, else 422.
    static func failure(_ f: XLSXWorkbook.Failure) -> AppError {
        switch f {
        case .tooLarge(let limit):
            return AppError(
                status: .payloadTooLarge, code: "too_large",
                message: "The spreadsheet expands to more than \(limit >> 20) MB; it is refused unread",
                messageZh: "该表格文件解压后超过\(limit >> 20) MB，已拒收")
        case .notXLSX:
            return unreadable(
                "The file is not an XLSX workbook (Excel 2007 or later, WPS or LibreOffice “.xlsx”)",
                "文件不是XLSX格式的Excel工作簿（请用Excel 2007及以上、WPS或LibreOffice另存为 .xlsx）", code: "not_xlsx")
        case .malformed(let what):
            return unreadable("The workbook cannot be read: \(what)", "无法读取该工作簿：\(what)", code: "malformed_xlsx")
        }
    }

    static func read(_ rows: [XLSXWorkbook.Row], period p: Period, unit: String) throws -> Reading {
        // The form's identity, from the labelled cells above the numbers row.
        guard let numbers = rows.firstIndex(where: { $0.cells.contains { $0.value.trimmed == Catalogue.labelNumber } }) else {
            throw unreadable(
                "This is not the official form: no row of column numbers (甲, 1 … 28) was found",
                "这不是规定的报表格式：找不到栏号行（甲、1…28）", code: "not_the_form")
        }
        /// The value beside a label cell, and the value's cell.
        func labelled(_ label: String) -> (value: String, ref: String)? {
            for row in rows[..<numbers] {
                guard let i = row.cells.firstIndex(where: { $0.value.trimmed == label }),
                    let c = row.cells[(i + 1)...].first(where: { !$0.value.trimmed.isEmpty })
                else { continue }
                return (c.value.trimmed, XLSXWorkbook.reference(row: row.number, column: c.column))
            }
            return nil
        }
        guard let code = labelled(codeLabel), let period = labelled(periodLabel) else {
            throw unreadable(
                "The form does not say whose and which quarter it is (the cells 单位代码 and 报告期 in row 2); download the form again",
                "报表第2行缺少“单位代码”或“报告期”，无法确认是哪个单位哪个季度的报表，请重新下载报表填写", code: "form_unidentified")
        }
        guard code.value == unit, Period(period.value) == p else {
            throw unreadable(
                "This form is for unit \(code.value) (cell \(code.ref)), \(Period(period.value)?.nameEn ?? period.value) (cell \(period.ref)); it cannot be uploaded as \(unit)’s report for \(p.nameEn)",
                "该报表属于单位\(code.value)（单元格\(code.ref)）的\(Period(period.value)?.nameZh ?? period.value)（单元格\(period.ref)），不能作为\(unit)\(p.nameZh)的报表上传",
                code: "wrong_form")
        }

        // Column numbers → spreadsheet columns, from the numbers row.
        let numbersRow = rows[numbers]
        var at: [String: Int] = [:]
        for c in numbersRow.cells {
            let v = c.value.trimmed
            let label = Int(v).flatMap { (1...28).contains($0) ? String($0) : nil } ?? (v == dueLabel || v == paidLabel ? v : nil)
            guard let label else { continue }
            if let first = at[label] {
                let a = XLSXWorkbook.reference(row: numbersRow.number, column: first)
                let b = XLSXWorkbook.reference(row: numbersRow.number, column: c.column)
                throw unreadable(
                    "Column \(label) appears twice in the numbers row (cells \(a) and \(b)); do not change the numbers row",
                    "栏号\(label)在栏号行出现两次（单元格\(a)和\(b)），请勿修改栏号行", code: "form_columns_repeated")
            }
            at[label] = c.column
        }
        let needed =
            Catalogue.columns.map(\.number).filter { !computedColumns.contains($0) }.map(String.init) + [dueLabel, paidLabel]
        let missing = needed.filter { at[$0] == nil }
        guard missing.isEmpty else {
            let list = missing.joined(separator: ", ")
            throw unreadable(
                "Row \(numbersRow.number) lacks the column numbers \(list); do not change the numbers row",
                "第\(numbersRow.number)行缺少栏号 \(missing.joined(separator: "、"))，请勿修改栏号行", code: "form_columns_missing")
        }
        // The unit's row: the first row below the numbers with anything in an input column.
        let inputColumns = Set(needed.compactMap { at[$0] })
        let row = rows[(numbers + 1)...].first { $0.cells.contains { inputColumns.contains($0.column) } }
        let rowNumber = row?.number ?? numbersRow.number + 1
        func cell(_ label: String) -> (ref: String, value: String) {
            let column = at[label, default: 0]  // every label was checked above
            return (XLSXWorkbook.reference(row: rowNumber, column: column), row?.value(at: column)?.trimmed ?? "")
        }

        var reading = Reading()
        for f in ReportValues.fieldColumns {
            switch f.kind {
            case .count:
                let c = cell(String(f.column))
                reading.form[f.key] = c.value
                let col = Catalogue.column(f.column)
                reading.cells[f.key] = ([c.ref], String(f.column), col.english, col.path.last ?? "")
            case .money:
                let label = f.key == "payment.dueYuan" ? dueLabel : paidLabel
                let c = cell(label)
                // Thousands separators only where they group thousands ("1,200.50"); "1,5" stays as
                // written, to be refused.
                let grouped = c.value.wholeMatch(of: /[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?/) != nil
                reading.form[f.key] = grouped ? c.value.replacingOccurrences(of: ",", with: "") : c.value
                reading.cells[f.key] =
                    label == dueLabel
                    ? ([c.ref], label, "amount due, year to date (yuan)", "应缴款（元，本年累计）")
                    : ([c.ref], label, "amount paid, year to date (yuan)", "已缴款（元，本年累计）")
            case .flag where reading.cells[f.key] == nil:
                // The pair: the 有/是 column, then the 无/否 column.
                let pair = Self.pair(f.key)
                let yes = cell(String(pair[0].number))
                let no = cell(String(pair[1].number))
                let question = pair[0].path.dropLast().last ?? ""
                let english = pair[0].english.components(separatedBy: ":").first ?? pair[0].english
                reading.cells[f.key] = ([yes.ref, no.ref], "\(pair[0].number)/\(pair[1].number)", english, question)
                var ticks: [Bool] = []
                for (col, c) in zip(pair, [yes, no]) {
                    if let t = tick(c.value, header: col.path.last!) {
                        ticks.append(t)
                    } else {
                        reading.issues.append(
                            ValidationIssue(
                                field: f.key, column: col.number, code: "not_tick",
                                message:
                                    "Cell \(c.ref) (column \(col.number)): “\(c.value.prefix(20))” is not a tick; choose √ or leave it empty",
                                messageZh: "单元格\(c.ref)（第\(col.number)栏）：“\(c.value.prefix(20))”不是勾选，请选择“√”或留空", cell: c.ref))
                        ticks.append(false)
                    }
                }
                switch (ticks[0], ticks[1]) {
                case (true, false): reading.form[f.key] = "true"
                case (false, true): reading.form[f.key] = "false"
                case (true, true):
                    reading.issues.append(
                        ValidationIssue(
                            field: f.key, column: pair[0].number, code: "both_ticked",
                            message:
                                "Cells \(yes.ref) and \(no.ref) (column \(pair[0].number)/\(pair[1].number)): tick only one of the pair",
                            messageZh: "单元格\(yes.ref)、\(no.ref)（第\(pair[0].number)/\(pair[1].number)栏）：两栏中只能勾选一栏",
                            cell: yes.ref))
                case (false, false): break  // the JSON's own `required` names both cells
                }
            case .flag: break
            }
        }
        return reading
    }

    /// Whether a tick cell is ticked: √ (or ✓, TRUE, 1, the column's own word 有/无/是/否); nil
    /// for anything else but blank marks.
    static func tick(_ value: String, header: String) -> Bool? {
        if value.isEmpty || blankMarks.contains(value.uppercased()) { return false }
        if tickMarks.contains(value.uppercased()) || value == header { return true }
        return nil
    }
}

extension String {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}

// MARK: - The actions (API and page share them)

extension ReportSpreadsheet {
    /// The largest form accepted: a filled form is 10–30 kB; 5 MB leaves room for pictures or
    /// styles an office suite adds, and the reader still bounds what it expands to 100 MB.
    static let maxUpload = 5 << 20
    /// What a form may expand to: the form itself is under 100 kB unpacked, so 16 MB is generous,
    /// and bounds what each upload can make the server hold.
    static let maxExpanded = 16 << 20

    /// Saves a filled form as the unit's report: read (off the event loop), checked for the
    /// right unit and quarter, then validated exactly as the JSON form is, through `Reports.save`.
    /// Every refusal names its cell.
    static func save(
        _ data: Data, period p: Period, unit: String, by user: User, on store: Store, now: Date, pool: NIOThreadPool
    ) async throws -> ReportModel {
        let reading = try await pool.runIfActive { try read(data, period: p, unit: unit) }
        let json = Reports.json(fromForm: reading.form)
        var issues = reading.issues
        if case .failure(let f) = ReportValues.parse(json) {
            let read = Set(issues.map(\.field))
            issues += f.issues.filter { !read.contains($0.field) }
        }
        if !issues.isEmpty { throw AppError.invalid(reading.located(issues)) }
        do {
            return try await Reports.save(p, unit: unit, json: json, by: user, on: store, now: now)
        } catch var e as AppError where e.status == .unprocessableEntity {
            e.details = reading.located(e.details)
            throw e
        }
    }

    /// The unit's form for a quarter: its latest report's values, or, with no report yet, what
    /// the registers derive.
    static func form(period p: Period, unit code: String, on db: any Database, config: AppConfig) async throws -> Data {
        let unit = try await Reports.unit(code, on: db)
        let values: ReportValues
        let source: String
        if let r = try await Reports.latest(p, code, on: db) {
            values = r.values
            source = "第\(r.revision)版（\(L10n.Strings(lang: "zh")[dynamic: r.status.rawValue, fallback: r.status.rawValue])）"
        } else {
            values = try await Reports.derived(p, unit: code, on: db).values
            source = "尚未填报，预填登记数据推算值"
        }
        let f = Form(
            period: p, unitCode: code, unitName: unit.name, values: values, source: source,
            deadline: p.deadlineDay(days: config.deadlineDays))
        return try form(f)
    }

    /// The ministry's workbook of a quarter: every active unit, reported or not.
    static func overview(period p: Period, on db: any Database) async throws -> Data {
        let (units, latest, _) = try await Reports.latestByUnit(p, on: db)
        let t = L10n.Strings(lang: "zh")
        let rows = units.map { u in
            UnitRow(unitCode: u.id!, unitName: u.name, kind: u.kind == .region ? "地区" : "行业", report: latest[u.id!])
        }
        return try overview(period: p, rows: rows) { t[dynamic: $0, fallback: $0] }
    }

    /// The answer to a form larger than `maxUpload`.
    static let uploadTooLarge = AppError(
        status: .payloadTooLarge, code: "too_large", message: "The form is larger than \(maxUpload >> 20) MB",
        messageZh: "报表文件超过\(maxUpload >> 20) MB")

    /// The form's download for a reader of the unit (the API's and the page's).
    static func formDownload(_ req: Request, period p: Period, unit: String) async throws -> Response {
        _ = try req.requireRead(unit: unit)
        return response(try await form(period: p, unit: unit, on: req.db, config: req.config), name: "\(unit)-\(p)")
    }

    /// The ministry's workbook as a download; the caller has checked the reader is the ministry.
    static func overviewDownload(period p: Period, on db: any Database) async throws -> Response {
        response(try await overview(period: p, on: db), name: "reports-\(p)")
    }

    /// A workbook as a download named `name.xlsx`.
    static func response(_ data: Data, name: String) -> Response {
        let res = Response(status: .ok, body: .init(data: data))
        res.headers.contentType = .xlsx
        res.headers.contentDisposition = .init(.attachment, filename: name + ".xlsx")
        res.headers.replaceOrAdd(name: .cacheControl, value: "private, no-store")
        return res
    }

    /// `U001.xlsx` → `U001`; nil for a path without the suffix.
    static func stripSuffix(_ raw: String?) -> String? {
        guard let raw, raw.hasSuffix(".xlsx") else { return nil }
        return String(raw.dropLast(5))
    }
}
