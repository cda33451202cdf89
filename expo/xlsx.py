"""One Excel writer for every export, and a safe reader for every import.

An exporter describes columns and yields rows; ``write_workbook`` renders any number of such
sheets with openpyxl in write-only mode (constant memory): frozen header row, autofilter,
column widths and real cell types (numbers, dates, Rupiah format).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from expo.errors import DomainError
from expo.i18n import gettext as _

FORMATS = {
    "text": "@",
    "int": "#,##0",
    "decimal": "#,##0.00",
    "idr": '"Rp" #,##0',
    "date": "dd/mm/yyyy",
    "datetime": "dd/mm/yyyy hh:mm",
    "percent": "0.0%",
}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 5000


@dataclass
class Column:
    header: str
    kind: str = "text"  # one of FORMATS
    width: int | None = None


@dataclass
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    notes: list[str] = field(default_factory=list)


def _value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "datetime" and isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones: callers pass local time
    return value


def write_workbook(sheets: Iterable[Sheet], target: IO[bytes] | str) -> None:
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="CCFBF1")
    for sheet in sheets:
        ws = wb.create_sheet(title=sheet.title[:31])
        for i, col in enumerate(sheet.columns, start=1):
            width = col.width or max(10, min(50, len(col.header) + 4))
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
        header = []
        for col in sheet.columns:
            cell = WriteOnlyCell(ws, value=col.header)
            cell.font, cell.fill = bold, fill
            header.append(cell)
        ws.append(header)
        count = 0
        kinds = [c.kind for c in sheet.columns]
        for row in sheet.rows:
            cells = []
            for value, kind in zip(row, kinds, strict=False):
                if kind == "text" or value is None:
                    cells.append(_value(value, kind))
                else:
                    cell = WriteOnlyCell(ws, value=_value(value, kind))
                    cell.number_format = FORMATS[kind]
                    cells.append(cell)
            ws.append(cells)
            count += 1
        last = get_column_letter(max(1, len(sheet.columns)))
        ws.auto_filter.ref = f"A1:{last}{count + 1}"
        for note in sheet.notes:
            ws.append([])
            ws.append([note])
    wb.save(target)


def workbook_bytes(sheets: Iterable[Sheet]) -> bytes:
    buffer = io.BytesIO()
    write_workbook(sheets, buffer)
    return buffer.getvalue()


def read_rows(data: bytes, *, max_rows: int = MAX_IMPORT_ROWS) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the first sheet of an .xlsx upload, or a DomainError a person can act on."""
    if len(data) > MAX_IMPORT_BYTES:
        raise DomainError(_("The file is larger than 5 MB. Split it into smaller files."),
                          "file_too_large", status_code=413)
    if not data.startswith(b"PK"):
        raise DomainError(_("This is not an Excel .xlsx file. Save it as .xlsx and try again."),
                          "not_xlsx")
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise DomainError(_("This is not an Excel .xlsx file. Save it as .xlsx and try again."),
                          "not_xlsx") from None
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        body: list[list[Any]] = []
        for row in rows:
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                continue
            body.append(list(row))
            if len(body) > max_rows:
                raise DomainError(_("At most %(n)s rows per file.", n=max_rows), "too_many_rows")
        return header, body
    finally:
        wb.close()
