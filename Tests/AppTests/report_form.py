"""Reads and fills Zhijian's XLSX forms with real readers, for the Swift tests.

  report_form.py inspect FILE            the form as JSON: sheets, merges, rows, styles, validations
  report_form.py fill FILE OUT CELLS     sets cells ({"C9": 5, "H9": "√", "I9": null}) and saves OUT
  report_form.py convert FILE OUTDIR     LibreOffice's own conversion: the file as LibreOffice writes it
  report_form.py bomb OUT MB             a valid workbook whose sheet expands to MB megabytes
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

import openpyxl


def inspect(path):
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    out = {
        "sheets": wb.sheetnames,
        "merged": sorted(str(r) for r in ws.merged_cells.ranges),
        "protected": bool(ws.protection.sheet),
        "rows": {},
        "locked": {},
        "fill": {},
        "validations": [],
    }
    for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 60)):
        values = {}
        for c in row:
            if c.value is not None:
                values[c.coordinate] = c.value if isinstance(c.value, (int, float, str)) else str(c.value)
            out["locked"][c.coordinate] = bool(c.protection.locked)
            color = c.fill.fgColor.rgb if c.fill and c.fill.fill_type == "solid" else None
            if color:
                out["fill"][c.coordinate] = str(color)
        if values:
            out["rows"][str(row[0].row)] = values
    for dv in ws.data_validations.dataValidation:
        out["validations"].append(
            {
                "type": dv.type,
                "operator": dv.operator,
                "formula1": dv.formula1,
                "formula2": dv.formula2,
                "cells": str(dv.sqref),
            }
        )
    if len(wb.worksheets) > 1:
        second = wb.worksheets[1]
        out["explanation"] = [
            [c for c in r] for r in second.iter_rows(values_only=True) if any(v is not None for v in r)
        ]
    print(json.dumps(out, ensure_ascii=False, default=str))


def fill(path, target, cells):
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    for ref, value in json.loads(cells).items():
        ws[ref].value = value
    wb.save(target)


def convert(path, outdir):
    # A private profile, so parallel tests and a user's own LibreOffice never share one.
    profile = tempfile.mkdtemp(prefix="zhijian-lo-")
    try:
        subprocess.run(
            [
                "libreoffice",
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "xlsx:Calc MS Excel 2007 XML",
                "--outdir",
                outdir,
                path,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=180,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    print(os.path.join(outdir, os.path.basename(path)))


def bomb(target, megabytes):
    """A workbook whose one sheet holds `megabytes` MB of a repeated cell: a few hundred kB zipped."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            chunk = b" " * (1 << 20)
            for _ in range(megabytes):
                f.write(chunk)
            f.write(b"</sheetData></worksheet>")


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "inspect":
        inspect(sys.argv[2])
    elif command == "fill":
        fill(sys.argv[2], sys.argv[3], sys.argv[4])
    elif command == "convert":
        convert(sys.argv[2], sys.argv[3])
    elif command == "bomb":
        bomb(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(f"unknown command {command}")
