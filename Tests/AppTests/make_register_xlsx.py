"""Writes XLSX register files for RegisterSpreadsheetTests with openpyxl, as Excel would hold them.

  table OUT SPEC.json   rows from a JSON list of lists; {"date": "2026-04-10"} is a real Excel
                        date cell (a serial with a date format), numbers stay numbers, true/false
                        are boolean cells
  libreoffice OUT SPEC.json
                        the same table, then converted by LibreOffice (`--convert-to xlsx`),
                        which declares `General` as a custom number format
  bomb OUT              a valid workbook whose sheet expands to 150 MB of spaces (a ZIP bomb)
  sessions OUT N        a header (columns reordered, an extra one) and N session rows
"""
import datetime
import io
import json
import sys
import zipfile

import openpyxl


def cell(v):
    if isinstance(v, dict) and "date" in v:
        return datetime.datetime.strptime(v["date"], "%Y-%m-%d")
    return v


def table(out, spec):
    rows = json.load(open(spec, encoding="utf-8"))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "登记"
    for r in rows:
        ws.append([cell(v) for v in r])
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, datetime.datetime):
                c.number_format = "yyyy/m/d"
    wb.create_sheet("说明").append(["第二个工作表不读"])
    wb.save(out)


def libreoffice(out, spec):
    import os
    import shutil
    import subprocess
    import tempfile

    work = tempfile.mkdtemp(prefix="zj-lo-")
    try:
        source = os.path.join(work, "in.xlsx")
        table(source, spec)
        converted = os.path.join(work, "out")
        subprocess.run(
            ["libreoffice", "-env:UserInstallation=file://" + os.path.join(work, "profile"), "--headless",
             "--convert-to", "xlsx", "--outdir", converted, source],
            check=True, capture_output=True, timeout=180)
        shutil.copy(os.path.join(converted, "in.xlsx"), out)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bomb(out):
    buf = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active.append(["code", "name"])
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                with dst.open(item.filename, "w", force_zip64=True) as f:
                    f.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
                    chunk = b" " * (1 << 20)
                    for _ in range(150):
                        f.write(chunk)
                    f.write(b"</sheetData></worksheet>")
            else:
                dst.writestr(item, src.read(item.filename))


def sessions(out, n):
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("场次")
    ws.append(["date", "stationCode", "备注", "occupation", "level", "regionCode", "standardKind", "bankKind",
               "bankCode", "candidates", "passed", "feeYuan", "supervisorId"])
    day = datetime.datetime(2026, 4, 1)
    for i in range(n):
        ws.append([day + datetime.timedelta(days=i % 60), "BJ-01", "第%d场" % i, "6-07-06-01", 4, "110000",
                   "national", "national", "B%d" % i, 30, 20, 100, None])
    wb.save(out)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "table":
        table(sys.argv[2], sys.argv[3])
    elif mode == "libreoffice":
        libreoffice(sys.argv[2], sys.argv[3])
    elif mode == "bomb":
        bomb(sys.argv[2])
    elif mode == "sessions":
        sessions(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("unknown mode " + mode)
