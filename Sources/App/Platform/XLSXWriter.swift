import CXlsxWriter
import Domain
import Foundation
import Vapor

extension HTTPMediaType {
    /// An XLSX workbook (Office Open XML spreadsheet).
    static let xlsx = HTTPMediaType(type: "application", subType: "vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    /// Whether this names XLSX exactly (`HTTPMediaType`'s `==` lets `*/*` match anything).
    var isXLSX: Bool { type.lowercased() == Self.xlsx.type && subType.lowercased() == Self.xlsx.subType }
}

/// What every workbook the server writes shares (the bulletin's, the report form, the ministry's
/// overview): libxlsxwriter writing into a private temporary file, and the attachment's header.
enum XLSXWriter {
    struct Failed: Error {}

    /// A workbook built by `build`, written into a private temporary file, returned as bytes.
    static func workbook(_ build: (UnsafeMutablePointer<lxw_workbook>?) throws -> Void) throws -> Data {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zhijian-\(UUID().uuidString).xlsx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard let wb = workbook_new(path) else { throw Failed() }
        do { try build(wb) } catch {
            workbook_close(wb)
            throw error
        }
        guard workbook_close(wb) == LXW_NO_ERROR else { throw Failed() }
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    /// The attachment's merged header from row `top`, and under it the numbers row: 甲 in
    /// `labelColumn`, 1 … 28 from `offset + 1`. With `offset` 0 the label column's own header
    /// (地区、行业) is written too; otherwise the caller writes its own label columns.
    static func catalogueHeader(
        _ ws: UnsafeMutablePointer<lxw_worksheet>?, _ format: UnsafeMutablePointer<lxw_format>?, top: UInt32,
        offset: UInt16 = 0, labelColumn: UInt16 = 0
    ) {
        for h in Catalogue.headerCells() where offset == 0 || h.column > 0 {
            let r = top + UInt32(h.row)
            let c = offset + UInt16(h.column)
            if h.rowSpan == 1 && h.colSpan == 1 {
                worksheet_write_string(ws, r, c, h.text, format)
            } else {
                worksheet_merge_range(ws, r, c, r + UInt32(h.rowSpan - 1), c + UInt16(h.colSpan - 1), h.text, format)
            }
        }
        let numbers = top + UInt32(Catalogue.headerDepth)
        worksheet_write_string(ws, numbers, labelColumn, Catalogue.labelNumber, format)
        for col in Catalogue.columns {
            worksheet_write_number(ws, numbers, offset + UInt16(col.number), Double(col.number), format)
        }
    }
}
