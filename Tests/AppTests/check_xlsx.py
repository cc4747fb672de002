"""Opens the bulletin XLSX with openpyxl and checks the merged header and the values."""
import sys
import openpyxl

wb = openpyxl.load_workbook(sys.argv[1])
ws = wb.worksheets[0]
merged = {str(r) for r in ws.merged_cells.ranges}
errors = []

def expect(cond, what):
    if not cond:
        errors.append(what)

# The header occupies rows 3-7 (five levels), the column numbers row 8, units from row 9.
expect("A3:A7" in merged, "label column merge A3:A7")
expect("B3:D3" in merged, "standards group B3:D3")
expect("B4:B7" in merged, "column 1 leaf B4:B7")
expect("E3:G3" in merged, "banks group E3:G3")
expect("H3:U3" in merged, "management group H3:U3 (columns 7-20)")
expect("V3:AC3" in merged, "certificates group V3:AC3 (columns 21-28)")
expect("H4:M4" in merged, "鉴定收费情况 H4:M4 (columns 7-12)")
expect("J6:L6" in merged, "有 over 9-11: J6:L6")
expect("J7:J7" not in merged and ws["K7"].value == "已查处" and ws["L7"].value == "未查处", "已查处/未查处 under 有")
expect("M6:M7" in merged, "无 (column 12) M6:M7")
expect("Z5:Z7" in merged, "1至3月份 leaf spans down Z5:Z7")
expect("Z4:AC4" in merged, "证书已缴款占应缴款比例(%) over 25-28: Z4:AC4")
expect("H6:H7" in merged and ws["H6"].value == "有", "column 7 有 H6:H7")
expect(ws["B3"].value == "国家职业标准执行情况", "B3 text")
expect(ws["J6"].value == "有", "J6 text")
expect(ws["Z5"].value == "1至3月份", "Z5 text is 1至3月份, got %r" % ws["Z5"].value)
expect(ws["A8"].value == "甲", "numbers row starts with 甲")
expect([ws.cell(row=8, column=c).value for c in range(2, 30)] == list(range(1, 29)), "numbers row 1..28")
expect(ws["A9"].value == "北京市", "first unit")
row9 = [ws.cell(row=9, column=c).value for c in range(2, 30)]
expect(row9[:6] == [12, 3, 1, 10, 2, 0], "Beijing counts %r" % row9[:6])
expect(row9[6] == "√" and row9[7] in ("", None), "Beijing ticks")
expect(abs(row9[24] - 50.0) < 1e-9 and abs(row9[25] - 100.0) < 1e-9, "Beijing ratios %r" % row9[24:26])
expect(ws["A10"].value == "天津市（迟报）", "Tianjin marked late: %r" % ws["A10"].value)
expect(ws["B11"].value == "未报", "Hebei not reported")
total_row = 9 + 33
expect(ws.cell(row=total_row, column=1).value == "合计", "total row label")
expect(ws.cell(row=total_row, column=2).value == 17, "total column 1")
expect(abs(ws.cell(row=total_row, column=27).value - 75.0) < 1e-9, "total column 26")
expect(wb.worksheets[1].title == "通报问题", "findings sheet")
if errors:
    print("\n".join(errors))
    print("merged:", sorted(merged))
    sys.exit(1)
print("xlsx ok")
