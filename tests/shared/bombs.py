"""Hostile .xlsx files for the upload tests, built streaming (the test stays small in memory).

``xlsx_bomb()`` is a real workbook whose first sheet is ``size`` bytes of XML (one cell of
one repeated character) deflated to a few hundred KB; ``lying_xlsx()`` hides as much behind
a part that declares its true size (zipfile trusts the central directory).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from functools import cache

from expo.xlsx import Column, Sheet, workbook_bytes

SHEET = "xl/worksheets/sheet1.xml"
MiB = 2**20


def _parts() -> dict[str, bytes]:
    """Every part of an ordinary one-sheet workbook but its sheet."""
    normal = workbook_bytes([Sheet("Booths", [Column("Hall"), Column("Code")], [["A", "A-1"]])])
    with zipfile.ZipFile(io.BytesIO(normal)) as zf:
        return {name: zf.read(name) for name in zf.namelist() if name != SHEET}


@cache
def xlsx_bomb(size: int = 300 * MiB) -> bytes:
    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
            b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            b'<row r="1"><c r="A1" t="inlineStr"><is><t>')
    tail = b"</t></is></c></row></sheetData></worksheet>"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in _parts().items():
            zf.writestr(name, data)
        with zf.open(SHEET, "w", force_zip64=size >= 2**31) as part:
            part.write(head)
            chunk = b"A" * MiB
            left = size - len(head) - len(tail)
            while left > 0:
                part.write(chunk[:left])
                left -= MiB
            part.write(tail)
    return buffer.getvalue()


@cache
def lying_xlsx(member: str = "[Content_Types].xml", padding: int = 300 * MiB) -> bytes:
    """An ordinary workbook whose ``member`` is followed by ``padding`` spaces, with its
    declared size and CRC those of the member alone: zipfile then returns the true part, and
    openpyxl opens the file, after inflating all of it (``ZipFile.read`` inflates in one call).
    """
    assert padding < 2**31  # plain (not zip64) size fields
    parts = _parts()
    parts[SHEET] = _sheet_xml()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in parts.items():
            if name != member:
                zf.writestr(name, data)
        with zf.open(member, "w") as part:
            part.write(parts[member])
            chunk = b" " * MiB
            for offset in range(0, padding, MiB):
                part.write(chunk[:padding - offset])
    data = bytearray(buffer.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo(member)
    true = parts[member]
    fields = struct.pack("<III", zlib.crc32(true), info.compress_size, len(true))
    data[info.header_offset + 14:info.header_offset + 26] = fields  # local header
    name = member.encode()
    at = data.find(b"PK\x01\x02")
    while data[at + 46:at + 46 + len(name)] != name:
        at = data.find(b"PK\x01\x02", at + 4)
    data[at + 16:at + 28] = fields  # central directory
    return bytes(data)


def _sheet_xml() -> bytes:
    normal = workbook_bytes([Sheet("Booths", [Column("Hall"), Column("Code")], [["A", "A-1"]])])
    with zipfile.ZipFile(io.BytesIO(normal)) as zf:
        return zf.read(SHEET)


def many_members(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in _parts().items():
            zf.writestr(name, data)
        zf.writestr(SHEET, b"<worksheet/>")
        for i in range(count):
            zf.writestr(f"xl/media/x{i}.xml", b"")
    return buffer.getvalue()
