"""The streaming writer in expo.xlsx: well-formed parts, escaping, real types, read by openpyxl."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from lxml import etree
from openpyxl import load_workbook

from expo.xlsx import Column, Sheet, stream_workbook


def test_stream_workbook_escapes_and_types():
    buffer = io.BytesIO()
    stream_workbook([Sheet("Ringkasan & <x>", [
        Column("Day", "date"), Column("Text"), Column("Omzet", "idr"), Column("At", "datetime"),
        Column("Share", "percent")], [
        (dt.date(2027, 4, 20), " spasi", 1_500_000, dt.datetime(2027, 4, 20, 9, 30), 0.25),
        (None, 'a\x01b&<>"', None, None, None)], notes=["catatan"])], buffer)
    archive = zipfile.ZipFile(buffer)
    for name in archive.namelist():
        etree.fromstring(archive.read(name))  # every part is well-formed XML
    ws = load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0]
    assert ws.title == "Ringkasan & <x>" and ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:E3"
    assert ws["A2"].value == dt.datetime(2027, 4, 20) and ws["A2"].number_format == "dd/mm/yyyy"
    assert ws["B2"].value == " spasi" and ws["B3"].value == 'ab&<>"'
    assert ws["C2"].value == 1_500_000 and ws["C2"].number_format == '"Rp" #,##0'
    assert ws["D2"].value == dt.datetime(2027, 4, 20, 9, 30)
    assert ws["E2"].number_format == "0.0%" and ws["A1"].font.b
    assert ws["A5"].value == "catatan"
