"""Reads and fills Zhijian's XLSX forms with real readers, for the Swift tests.

  report_form.py inspect FILE            the form as JSON: sheets, merges, rows, styles, validations
  report_form.py fill FILE OUT CELLS     sets cells ({"C9": 5, "H9": "√", "I9": null}) and saves OUT
  report_form.py convert FILE OUTDIR     LibreOffice's own conversion: the file as LibreOffice writes it
  report_form.py bomb OUT MB             a valid workbook whose sheet expands to MB megabytes
  report_form.py variant FILE OUT KIND   the same workbook as another writer would write it (see VARIANTS)
  report_form.py cells OUT [1904]        a workbook of typed cells (dates, numbers, booleans) for the reader
  report_form.py dtd OUT                 a workbook whose sheet declares a DTD with an entity
"""

import json
import os
import re
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


def bomb(target, megabytes, zip64=True):
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
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=zip64) as f:
            f.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            chunk = b" " * (1 << 20)
            for _ in range(megabytes):
                f.write(chunk)
            f.write(b"</sheetData></worksheet>")


def cells(target, epoch1904=False):
    import datetime
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wb = openpyxl.Workbook()
    if epoch1904:
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "登记"
    ws["A1"] = datetime.date(2026, 7, 15)
    ws["A1"].number_format = "yyyy-mm-dd"
    ws["A2"] = datetime.date(2026, 7, 15)
    ws["A2"].number_format = 'yyyy"年"m"月"d"日"'
    ws["A3"] = 45000
    ws["A4"] = 0.1 + 0.2
    ws["A5"] = True
    ws["A6"] = "  文本 "
    ws["A7"] = datetime.datetime(2026, 7, 15, 8, 30)
    ws["A7"].number_format = "yyyy-mm-dd hh:mm"
    ws["A8"] = 110101199001011234
    ws["A9"] = 1200.5
    ws["C10"] = "C"
    ws["A12"] = "after a gap"
    wb.create_sheet("第二页")["A1"] = "second"
    wb.save(target)


def liar(target, megabytes):
    """A bomb whose ZIP headers understate the sheet's size (1,000 bytes), so only counting the
    bytes as they inflate can stop it."""
    import struct
    bomb(target, megabytes, zip64=False)
    data = bytearray(open(target, "rb").read())
    name = b"xl/worksheets/sheet1.xml"
    for signature, size_at, name_at in [(b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)]:
        i = data.find(signature)
        while i >= 0:
            if data[i + name_at:i + name_at + len(name)] == name:
                struct.pack_into("<I", data, i + size_at, 1000)
            i = data.find(signature, i + 4)
    open(target, "wb").write(bytes(data))


def dtd(target):
    bomb(target, 0)
    with zipfile.ZipFile(target) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    parts["xl/worksheets/sheet1.xml"] = (
        # The comment's "<x" must not hide the DTD behind it.
        b'<?xml version="1.0" encoding="UTF-8"?><!-- <x --><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>')
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _inline(parts):
    """Strings inline in the cells (`t="inlineStr"`), no shared-strings part: streaming writers."""
    shared = re.findall(r"<si>(.*?)</si>", parts.pop("xl/sharedStrings.xml").decode(), re.S)
    for name in [n for n in parts if n.startswith("xl/worksheets/sheet")]:
        parts[name] = re.sub(
            rb'<c ([^>]*?)t="s"([^>]*)><v>(\d+)</v></c>',
            lambda m: b"<c " + m.group(1) + b't="inlineStr"' + m.group(2) + b"><is>" + shared[int(m.group(3))].encode() + b"</is></c>",
            parts[name])
    rels = "xl/_rels/workbook.xml.rels"
    parts[rels] = re.sub(rb"<Relationship [^>]*sharedStrings[^>]*/>", b"", parts[rels])


def _prefixed(parts):
    """The main namespace under a prefix (`<x:row>`), as the .NET Open XML SDK writes it."""
    for name in [n for n in parts if n.startswith("xl/") and n.endswith(".xml") and "/_rels/" not in n]:
        xml = parts[name].decode()
        if f'xmlns="{MAIN}"' not in xml:
            continue
        xml = xml.replace(f'xmlns="{MAIN}"', f'xmlns:x="{MAIN}"')
        xml = re.sub(r"<(/?)([A-Za-z][\w]*)(?=[\s>/])", r"<\1x:\2", xml)
        parts[name] = xml.encode()


def _strict(parts):
    """Excel's "Strict Open XML Spreadsheet": the ISO namespaces."""
    for name in list(parts):
        if name.endswith(".xml") or name.endswith(".rels"):
            parts[name] = (parts[name].replace(MAIN.encode(), b"http://purl.oclc.org/ooxml/spreadsheetml/main")
                           .replace(RELS.encode(), b"http://purl.oclc.org/ooxml/officeDocument/relationships"))


def _unreferenced(parts):
    """Rows and the unit's cells without their `r` references, which the format allows."""
    for name in [n for n in parts if n.startswith("xl/worksheets/sheet")]:
        xml = parts[name]
        xml = re.sub(rb'(<row [^>]*?)\sr="\d+"', rb"\1", xml)
        xml = re.sub(rb'(<c [^>]*?)\sr="[A-Z]+9"', rb"\1", xml)
        parts[name] = xml


def _absolute(parts):
    """Relationship targets written from the package root (`/xl/worksheets/sheet1.xml`)."""
    rels = "xl/_rels/workbook.xml.rels"
    parts[rels] = re.sub(rb'Target="(?:/xl/)?([^"/][^"]*)"', rb'Target="/xl/\1"', parts[rels])


def _phonetic(parts):
    """Every shared string as a rich-text run followed by a phonetic run (`<rPh>`), as Excel keeps
    readings for East Asian text."""
    name = "xl/sharedStrings.xml"
    parts[name] = re.sub(
        rb"<si><t([^>]*)>(.*?)</t></si>",
        rb'<si><r><rPr><sz val="11"/></rPr><t\1>\2</t></r><rPh sb="0" eb="1"><t>yomi</t></rPh><phoneticPr fontId="1"/></si>',
        parts[name], flags=re.S)


VARIANTS = {"inline": _inline, "prefixed": _prefixed, "strict": _strict, "unreferenced": _unreferenced,
            "absolute": _absolute, "phonetic": _phonetic}


def variant(path, target, kind):
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    VARIANTS[kind](parts)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "inspect":
        inspect(sys.argv[2])
    elif command == "fill":
        fill(sys.argv[2], sys.argv[3], sys.argv[4])
    elif command == "convert":
        convert(sys.argv[2], sys.argv[3])
    elif command == "variant":
        variant(sys.argv[2], sys.argv[3], sys.argv[4])
    elif command == "cells":
        cells(sys.argv[2], len(sys.argv) > 3 and sys.argv[3] == "1904")
    elif command == "liar":
        liar(sys.argv[2], int(sys.argv[3]))
    elif command == "dtd":
        dtd(sys.argv[2])
    elif command == "bomb":
        bomb(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(f"unknown command {command}")
