/// The indicator catalogue: the 28 columns of the 2003 attachment
/// 《职业技能鉴定质量工作通报指标》 described once, as data.
///
/// Every presentation of the table (the HTML header, the XLSX merges, the CSV header, the
/// bulletin's `columns` and the validation messages) is derived from `Catalogue.columns`.
public enum ColumnKind: String, Sendable, Codable {
    /// A whole number ≥ 0.
    case count
    /// A ticked box (√).
    case tick
    /// A year-to-date payment ratio in percent, one decimal, or blank.
    case percent
}

public struct Column: Sendable, Hashable {
    /// The printed column number, 1…28.
    public let number: Int
    /// The header path from the top group down to the leaf, exactly as in the attachment.
    public let path: [String]
    /// Short English label of the leaf, with its group.
    public let english: String
    public let kind: ColumnKind
    /// The report value key this column shows (for example `standards.national`).
    public let key: String
}

public enum Catalogue {
    static let standards = "国家职业标准执行情况"
    static let banks = "国家题库使用及运行情况"
    static let management = "职业技能鉴定管理情况"
    static let certificates = "《职业资格证书》发放与管理情况"
    static let fees = [management, "鉴定收费情况"]
    static let feeStandard = fees + ["是否有政府规定的收费标准"]
    static let overcharge = fees + ["是否有超标准收费情况"]
    static let scope = [management, "鉴定范围执行情况", "是否开展跨地区或超范围鉴定"]
    static let supervision = [management, "质量督导情况", "是否开展质量督导"]
    static let violations = [management, "鉴定活动违规违纪处理情况", "是否有违规违纪情况"]
    static let forgery = [certificates, "自制或私制证书情况", "有无自制或私制证书举报"]
    static let payment = [certificates, "证书已缴款占应缴款比例(%)"]

    /// The 28 leaf columns in printed order.
    public static let columns: [Column] = [
        Column(
            number: 1, path: [standards, "使用国家标准的职业(工种)数量(个)"],
            english: "Occupations using national standards", kind: .count, key: "standards.national"),
        Column(
            number: 2, path: [standards, "使用经部论证的地方(行业)标准(工种)数量(个)"],
            english: "Ministry-verified local (industry) standards", kind: .count, key: "standards.verifiedLocal"),
        Column(
            number: 3, path: [standards, "使用未经部论证的地方(行业)标准(工种)数量(个)"],
            english: "Unverified local (industry) standards", kind: .count, key: "standards.unverifiedLocal"),
        Column(
            number: 4, path: [banks, "使用国家题库的职业(工种)数量(个)"],
            english: "Occupations using the national question bank", kind: .count, key: "banks.national"),
        Column(
            number: 5, path: [banks, "使用经部认定的地方(行业)题库数量(个)"],
            english: "Ministry-certified local (industry) banks", kind: .count, key: "banks.certifiedLocal"),
        Column(
            number: 6, path: [banks, "使用未经部认定的地方(行业)题库数量(个)"],
            english: "Uncertified local (industry) banks", kind: .count, key: "banks.uncertifiedLocal"),
        Column(number: 7, path: feeStandard + ["有"], english: "Government fee standard: yes", kind: .tick, key: "feeStandard"),
        Column(number: 8, path: feeStandard + ["无"], english: "Government fee standard: no", kind: .tick, key: "feeStandard"),
        Column(number: 9, path: overcharge + ["有"], english: "Overcharging cases", kind: .count, key: "overcharge"),
        Column(
            number: 10, path: overcharge + ["有", "已查处"], english: "Overcharging: investigated", kind: .count,
            key: "overcharge.investigated"),
        Column(
            number: 11, path: overcharge + ["有", "未查处"], english: "Overcharging: not investigated", kind: .count,
            key: "overcharge.uninvestigated"),
        Column(number: 12, path: overcharge + ["无"], english: "Overcharging: none", kind: .tick, key: "overcharge"),
        Column(
            number: 13, path: scope + ["有"], english: "Cross-region or out-of-scope appraisal: yes", kind: .tick,
            key: "crossRegion"),
        Column(
            number: 14, path: scope + ["无"], english: "Cross-region or out-of-scope appraisal: no", kind: .tick,
            key: "crossRegion"),
        Column(number: 15, path: supervision + ["是"], english: "Quality supervision: yes", kind: .tick, key: "supervision"),
        Column(number: 16, path: supervision + ["否"], english: "Quality supervision: no", kind: .tick, key: "supervision"),
        Column(number: 17, path: violations + ["有"], english: "Violation cases", kind: .count, key: "violations"),
        Column(
            number: 18, path: violations + ["有", "已查处"], english: "Violations: investigated", kind: .count,
            key: "violations.investigated"),
        Column(
            number: 19, path: violations + ["有", "未查处"], english: "Violations: not investigated", kind: .count,
            key: "violations.uninvestigated"),
        Column(number: 20, path: violations + ["无"], english: "Violations: none", kind: .tick, key: "violations"),
        Column(
            number: 21, path: forgery + ["有"], english: "Self-made or privately printed certificate reports",
            kind: .count, key: "forgery"),
        Column(
            number: 22, path: forgery + ["有", "已查处"], english: "Certificate reports: investigated", kind: .count,
            key: "forgery.investigated"),
        Column(
            number: 23, path: forgery + ["有", "未查处"], english: "Certificate reports: not investigated",
            kind: .count, key: "forgery.uninvestigated"),
        Column(number: 24, path: forgery + ["无"], english: "Certificate reports: none", kind: .tick, key: "forgery"),
        Column(number: 25, path: payment + ["1至3月份"], english: "Paid ÷ due, Jan–Mar (%)", kind: .percent, key: "payment"),
        Column(number: 26, path: payment + ["1至6月份"], english: "Paid ÷ due, Jan–Jun (%)", kind: .percent, key: "payment"),
        Column(number: 27, path: payment + ["1至9月份"], english: "Paid ÷ due, Jan–Sep (%)", kind: .percent, key: "payment"),
        Column(number: 28, path: payment + ["1至12月份"], english: "Paid ÷ due, Jan–Dec (%)", kind: .percent, key: "payment"),
    ]

    /// The label column (甲) header.
    public static let labelHeader = "地区、行业"
    /// The label printed in the column-numbers row above the unit names.
    public static let labelNumber = "甲"

    public static func column(_ number: Int) -> Column { columns[number - 1] }

    /// The first column that shows a value key, for naming it in a validation error.
    public static func columnNumber(forKey key: String) -> Int? {
        columns.first { $0.key == key }?.number
    }

    /// The payment-ratio column of a quarter (1…4 → 25…28).
    public static func paymentColumn(quarter: Int) -> Int { 24 + quarter }

    /// Number of header rows the merged header needs (the deepest path).
    public static var headerDepth: Int { columns.map(\.path.count).max() ?? 1 }
}

/// One cell of the merged multi-level header, positioned in a grid whose column 0 is the
/// label column (甲) and whose columns 1…28 are the indicator columns.
public struct HeaderCell: Sendable, Equatable {
    public let row: Int
    public let column: Int
    public let rowSpan: Int
    public let colSpan: Int
    public let text: String
}

extension Catalogue {
    /// The merged header as positioned cells, computed from the column paths: a node spans
    /// every leaf under it; a leaf spans down to the last header row. A node that is both a
    /// column and the parent of others (the 有 of a case group: total, then 已查处 and 未查处)
    /// spans its whole group, and its own column gets a blank cell beneath it.
    public static func headerCells(columns: [Column] = Catalogue.columns) -> [HeaderCell] {
        let depth = columns.map(\.path.count).max() ?? 1
        var cells = [HeaderCell(row: 0, column: 0, rowSpan: depth, colSpan: 1, text: labelHeader)]

        func walk(_ cols: [(index: Int, column: Column)], level: Int) {
            var i = 0
            while i < cols.count {
                let label = cols[i].column.path[level]
                var j = i
                while j < cols.count, cols[j].column.path.count > level, cols[j].column.path[level] == label { j += 1 }
                let group = Array(cols[i..<j])
                let start = group[0].index
                let isLeafOnly = group.count == 1 && group[0].column.path.count == level + 1
                if isLeafOnly {
                    cells.append(HeaderCell(row: level, column: start, rowSpan: depth - level, colSpan: 1, text: label))
                } else {
                    cells.append(HeaderCell(row: level, column: start, rowSpan: 1, colSpan: group.count, text: label))
                    var rest = group[...]
                    if let own = rest.first, own.column.path.count == level + 1 {
                        cells.append(
                            HeaderCell(
                                row: level + 1, column: own.index, rowSpan: depth - level - 1,
                                colSpan: 1, text: ""))
                        rest = rest.dropFirst()
                    }
                    walk(Array(rest), level: level + 1)
                }
                i = j
            }
        }
        walk(columns.enumerated().map { ($0.offset + 1, $0.element) }, level: 0)
        return cells.sorted { ($0.row, $0.column) < ($1.row, $1.column) }
    }

    /// The header grouped by row, for HTML rendering.
    public static func headerRows() -> [[HeaderCell]] {
        let cells = headerCells()
        let depth = headerDepth
        return (0..<depth).map { r in cells.filter { $0.row == r } }
    }
}
