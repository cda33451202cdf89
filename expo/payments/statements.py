"""Bank statements: read an export, parse its credits, propose which invoice each one pays.

Pure (no database): the service stores the lines and proposals, and nothing is marked paid
until the committee confirms. Each invoice asks for its fee plus a small unique code
(Rp 350.127), so an amount names one invoice; the date window and an invoice number written
in the transfer's description confirm it.

Layouts this module was built against, as open-source importers of Indonesian statements
document them and reproduce them in their test fixtures (no bank publishes a specification,
and each changes its exports now and then: hence a column mapping the committee can correct):

- BCA, KlikBCA individual CSV: preamble ``No. Rekening,=,'0123456789`` / ``Nama,=,...`` /
  ``Mata Uang,=,IDR``, a blank line, then ``Tanggal,Keterangan,Cabang,Jumlah,,Saldo``; rows
  ``'27/06/2026,TRSF E-BANKING CR ...,'0000,100000.00,CR,4964637.00`` (CR/DB in the column
  without a header), footer ``Saldo Awal,=,...``, ``Mutasi Kredit,=,...``, ``Saldo Akhir``.
  Some exports write the date without its year (``'01/12``): pass ``default_year``.
- BCA, KlikBCA Bisnis CSV: ``"Informasi Rekening - Mutasi Rekening"``, ``"No. rekening :
  ..."``, ``"Periode : 08/09/2026 - 08/09/2026"``, then ``"Tanggal Transaksi","Keterangan",
  "Cabang","Jumlah","Saldo"`` with the marker in the amount (``"8,520,000.00 CR"``) and
  ``PEND`` as the date of lines not yet booked; footer ``"Saldo Awal : ..."``.
- Mandiri CSV: ``Account No,Date,Val. Date,Transaction Code,Description,Reference No.,
  Debit,Credit,``; Mandiri MCM workbook: ``Tgl.,Tgl. Val.,Rincian Transaksi,No. Referensi,
  Debit,Kredit,Saldo,Branch Code``; Mandiri e-statement workbook: a preamble, then ``No,
  Tanggal,Keterangan,Dana Masuk (IDR),Dana Keluar (IDR),Saldo (IDR)``, amounts ``100.000,00``,
  dates ``27 Jun 2026``.
- BNI: ``Posting Date,Effective Date,Branch,Journal,Transaction Description,Amount,DB/CR,
  Balance`` (also ``Tanggal ..., Journal No., Deskripsi, Amount, Db/Cr``).
- BRI (CMS CSV): ``ID,NOREK,TGL_TRAN,TGL_EFEKTIF,JAM_TRAN,SEQ,DESK_TRAN,SALDO_AWAL_MUTASI,
  MUTASI_DEBET,MUTASI_KREDIT,SALDO_AKHIR_MUTASI,GLSIGN``, dates ``2026-06-27 00:04:26``.
- BSI: ``TrxId,Tanggal,Trx Time,D/K,Mutasi,Saldo,Keterangan``.
- Bank Kaltimtara: no sample was found; its internet banking is assumed to write the common
  Indonesian ``Tanggal, Uraian, Debet, Kredit, Saldo``, which the names below cover.

Reading: the header is the first of the first 15 rows with at least three text cells, one of
them a date word (Tanggal, Tgl, Date, Posting), and no ``:``/``=`` cell (the preamble's
``Tanggal Cetak : ...``). Empty rows and summary rows (first cell ``Saldo Awal``, ``Mutasi
Kredit``, ``Total``...) are dropped. A header cell left empty is named by its column letter,
``(E)``, so the mapping can point at it.

Parsing is all or nothing. Only credits become lines: debits, zero amounts, negative credits
(reversals) and pending lines (``PEND``: not booked yet, they come again on the next statement)
are skipped without a word.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from expo.errors import DomainError
from expo.i18n import format_date, format_idr
from expo.i18n import gettext as _
from expo.money import AmountInvalid, parse_rupiah
from expo.xlsx import MAX_IMPORT_BYTES, read_rows

HEADER_SCAN_ROWS = 15
DELIMITERS = (",", ";", "\t", "|")
ISSUE_SLACK = dt.timedelta(days=3)  # a transfer made the day the invoice was sent, a bit early
EXACT, AMBIGUOUS, NONE = "exact", "ambiguous", "none"
MAX_DESCRIPTION, MAX_REFERENCE, MAX_NOTE = 300, 100, 200  # StatementLine's columns


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[Any]]
    first_row: int  # the spreadsheet row of rows[0], for messages
    row_numbers: list[int] = field(default_factory=list)  # each row's, when rows were dropped

    def row_number(self, index: int) -> int:
        if index < len(self.row_numbers):
            return self.row_numbers[index]
        return self.first_row + index


@dataclass(frozen=True)
class Mapping:
    """Which column holds what: one signed ``amount`` (its CR/DB in the cell or in ``kind``)
    or separate ``credit``/``debit`` columns."""

    date: str
    description: str
    amount: str = ""
    credit: str = ""
    debit: str = ""
    reference: str = ""
    day_first: bool = True
    kind: str = ""  # a CR/DB, K/D or Kredit/Debit column beside ``amount``


@dataclass(frozen=True)
class Line:
    row: int
    date: dt.date
    amount: int
    description: str
    reference: str
    fingerprint: str  # sha256 of date|amount|description|reference, normalised


@dataclass(frozen=True)
class RowError:
    row: int  # 0: the file (a column that is not there)
    column: str
    message: str


@dataclass(frozen=True)
class OpenInvoice:
    id: int
    number: str
    amount_due: int
    issued_on: dt.date
    due_on: dt.date


@dataclass(frozen=True)
class Proposal:
    line: Line
    invoice_id: int | None
    confidence: str  # "exact", "ambiguous" or "none"
    note: str


# ---- reading the file ---------------------------------------------------------------------

def read_table(data: bytes, filename: str, *, max_rows: int = 5000) -> Table:
    """The statement's table from an upload, or a DomainError that says what to do.

    CPU-bound: from a request, run it with ``expo.offload.in_process``. A ``.csv`` that is
    really a workbook (renamed by hand) is read as one."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix == "csv" and not data.startswith(b"PK\x03\x04"):
        return read_csv(data, max_rows=max_rows)
    if suffix in ("csv", "xlsx"):
        return _read_xlsx(data, max_rows=max_rows)
    raise DomainError(
        _("“%(name)s” is not a .csv or .xlsx file. Download the statement (mutasi rekening) "
          "as CSV or Excel, or open it in your spreadsheet program and save it as .xlsx.",
          name=filename[:80]), "unsupported_format")


def read_csv(data: bytes, *, max_rows: int) -> Table:
    """A CSV export: UTF-8 (or UTF-16, or Windows-1252), delimiter found among , ; tab |."""
    if len(data) > MAX_IMPORT_BYTES:
        raise _too_large()
    text = _decode(data)
    best: tuple[int, str] | None = None
    for delimiter in DELIMITERS:
        head = _records(text, delimiter, limit=HEADER_SCAN_ROWS)
        at = _header_at(head)
        if at is not None:
            width = sum(1 for cell in head[at] if _text(cell))
            if best is None or width > best[0]:
                best = (width, delimiter)
    if best is None:
        raise _not_a_statement()
    records = _records(text, best[1], limit=None)
    return _table(records, list(range(1, len(records) + 1)), max_rows=max_rows)


def _read_xlsx(data: bytes, *, max_rows: int) -> Table:
    try:
        header, body = read_rows(data, max_rows=max_rows + HEADER_SCAN_ROWS)
    except DomainError as error:
        if error.code == "too_many_rows":
            raise _too_many_rows(max_rows) from None
        raise
    records: list[list[Any]] = [list(header), *body]
    # read_rows drops empty rows: numbers are exact unless the sheet had some above a row.
    return _table(records, list(range(1, len(records) + 1)), max_rows=max_rows)


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise _not_text() from None
    if b"\x00" in data:
        raise _not_text()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _not_text()


def _records(text: str, delimiter: str, *, limit: int | None) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [list(r) for r in itertools.islice(reader, limit)]
    except csv.Error:
        raise _not_text() from None


def _table(records: list[list[Any]], numbers: list[int], *, max_rows: int) -> Table:
    at = _header_at(records)
    if at is None:
        raise _not_a_statement()
    rows: list[list[Any]] = []
    kept: list[int] = []
    for record, number in zip(records[at + 1:], numbers[at + 1:], strict=True):
        if all(not _text(cell) for cell in record) or _is_summary(record):
            continue
        rows.append([_cell(cell) for cell in record])
        kept.append(number)
        if len(rows) > max_rows:
            raise _too_many_rows(max_rows)
    first = kept[0] if kept else numbers[at] + 1
    return Table(_header_names(records[at]), rows, first, kept)


_DATE_WORDS = frozenset({"tanggal", "tgl", "date", "posting"})
_SUMMARY = ("saldo awal", "saldo akhir", "mutasi kredit", "mutasi debet", "mutasi debit",
            "total", "opening balance", "closing balance", "beginning balance",
            "ending balance")


def _header_at(records: Sequence[Sequence[Any]]) -> int | None:
    for index, record in enumerate(records[:HEADER_SCAN_ROWS]):
        filled = [cell for cell in record if _text(cell)]
        if (len(filled) >= 3 and all(isinstance(c, str) for c in filled)
                and not any(_text(c) in (":", "=") for c in filled)
                and any(_DATE_WORDS.intersection(re.findall(r"[a-z]+", c.lower()))
                        for c in filled)):
            return index
    return None


def _is_summary(record: Sequence[Any]) -> bool:
    first = next((_text(cell) for cell in record if _text(cell)), "")
    return first.lower().startswith(_SUMMARY)


def _header_names(record: Sequence[Any]) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for index, cell in enumerate(record):
        letter = get_column_letter(index + 1)
        name = _text(cell) or f"({letter})"
        if name.casefold() in seen:
            name = f"{name} ({letter})"
        seen.add(name.casefold())
        names.append(name)
    return names


def _cell(value: Any) -> Any:
    return _text(value) if isinstance(value, str) else value


def _text(value: Any) -> str:
    """A cell as text: BCA's ``'0000`` (text marker) and Excel's ``="0123"`` unwrapped."""
    if value is None:
        return ""
    text = str(value).strip()
    if text.startswith('="') and text.endswith('"') and len(text) >= 3:
        text = text[2:-1].strip()
    return text[1:].strip() if text.startswith("'") else text


# ---- guessing the mapping -----------------------------------------------------------------

_DATE_KEYS = ("tanggaltransaksi", "tgltransaksi", "transactiondate", "trxdate", "txndate",
              "postingdate", "postdate", "tanggalposting", "tgltran", "tanggal", "tgl", "date",
              "tanggalmutasi", "tglmutasi", "bookingdate")
_DESCRIPTION_KEYS = ("keterangan", "deskripsi", "uraian", "description", "rinciantransaksi",
                     "transactiondescription", "desktran", "remark", "remarks",
                     "uraiantransaksi", "keterangantransaksi", "berita", "narrative",
                     "details", "transactiondetails")
_REFERENCE_KEYS = ("noreferensi", "referenceno", "nomorreferensi", "referencenumber",
                   "reference", "referensi", "noref", "refno", "ref", "journalno", "journal",
                   "nojurnal", "trxid", "transactionid")
_CREDIT_KEYS = ("kredit", "credit", "mutasikredit", "danamasuk", "creditamount",
                "jumlahkredit", "uangmasuk", "masuk", "cr")
_DEBIT_KEYS = ("debet", "debit", "mutasidebet", "mutasidebit", "danakeluar", "debitamount",
               "jumlahdebet", "uangkeluar", "keluar", "db")
_AMOUNT_KEYS = ("jumlah", "nominal", "mutasi", "amount", "nilai", "transactionamount",
                "jumlahmutasi", "nominaltransaksi")
_KIND_KEYS = ("crdb", "dbcr", "dk", "kd", "dc", "cd", "drcr", "crdr", "debitkredit",
              "kreditdebit", "debetkredit", "kreditdebet", "debitcredit", "creditdebit",
              "jenis", "jenistransaksi", "tipe", "type", "glsign")
_FALLBACK_DATE = ("tanggal", "tgl", "date")
_NOT_THE_DATE = ("val", "efektif", "effective", "cetak", "print")
_LETTER = re.compile(r"^\([A-Z]+\)$")


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", re.sub(r"\((?:idr|rp)\)", "", header.lower()))


def guess_mapping(headers: list[str]) -> Mapping | None:
    """The mapping for a known bank layout (module docstring), or None to ask the person."""
    keys = [_key(h) for h in headers]
    taken: set[int] = set()

    def pick(names: Sequence[str]) -> int | None:
        for name in names:
            for index, key in enumerate(keys):
                if key == name and index not in taken:
                    taken.add(index)
                    return index
        return None

    date = pick(_DATE_KEYS)
    if date is None:
        date = next((i for i, k in enumerate(keys) if k.startswith(_FALLBACK_DATE)
                     and not any(w in k for w in _NOT_THE_DATE)), None)
        taken.add(-1 if date is None else date)
    description = pick(_DESCRIPTION_KEYS)
    if date is None or description is None:
        return None
    reference = pick(_REFERENCE_KEYS)

    def name(index: int | None) -> str:
        return "" if index is None else headers[index]

    credit = pick(_CREDIT_KEYS)
    if credit is not None:
        return Mapping(date=headers[date], description=headers[description],
                       credit=headers[credit], debit=name(pick(_DEBIT_KEYS)),
                       reference=name(reference))
    amount = pick(_AMOUNT_KEYS)
    if amount is None:
        return None
    kind = pick(_KIND_KEYS)
    if kind is None and amount + 1 < len(headers) and _LETTER.match(headers[amount + 1]):
        kind = amount + 1  # BCA: "Jumlah,,Saldo", CR/DB in the column without a name
    return Mapping(date=headers[date], description=headers[description],
                   amount=headers[amount], kind=name(kind), reference=name(reference))


# ---- parsing the lines --------------------------------------------------------------------

class _Problem(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column, self.message = column, message


def parse_lines(table: Table, mapping: Mapping, *,
                default_year: int | None = None) -> tuple[list[Line], list[RowError]]:
    """The statement's credits, or ([], every error): a statement is imported whole or not
    at all. ``default_year`` completes dates written without a year (BCA's ``01/12``)."""
    columns, errors = _columns(table.headers, mapping)
    if errors:
        return [], errors
    lines: list[Line] = []
    seen: dict[str, int] = {}
    for index, cells in enumerate(table.rows):
        number = table.row_number(index)
        try:
            line = _line(cells, number, columns, mapping, default_year)
        except _Problem as problem:
            errors.append(RowError(number, problem.column, _(
                "Row %(row)s, %(column)s: %(problem)s", row=number, column=problem.column,
                problem=problem.message)))
            continue
        if line is None:
            continue
        first = seen.setdefault(line.fingerprint, number)
        if first != number:
            errors.append(RowError(number, "", _(
                "Row %(row)s repeats row %(first)s (same date, amount, description and "
                "reference). Delete one of them and upload the file again.",
                row=number, first=first)))
        else:
            lines.append(line)
    return ([], errors) if errors else (lines, [])


def _roles() -> dict[str, str]:
    return {"date": _("the date"), "description": _("the description"),
            "amount": _("the amount"), "credit": _("the money in (credit)"),
            "debit": _("the money out (debit)"), "reference": _("the reference"),
            "kind": _("the CR/DB mark")}


def _columns(headers: list[str], mapping: Mapping) -> tuple[dict[str, int], list[RowError]]:
    """Role -> column index, or one RowError per column that is not in the file."""
    roles = _roles()
    money = ("credit", "debit") if mapping.credit else ("amount", "kind")
    wanted = {"date": mapping.date, "description": mapping.description,
              "reference": mapping.reference,
              **{role: getattr(mapping, role) for role in money}}
    errors: list[RowError] = []
    if mapping.credit and mapping.amount:
        errors.append(RowError(0, mapping.amount, _(
            "Choose either one amount column or separate credit and debit columns, not both.")))
    elif not mapping.credit and not mapping.amount:
        errors.append(RowError(0, "", _("Choose the column that holds %(what)s.",
                                        what=roles["amount"])))
    columns: dict[str, int] = {}
    folded = {h.strip().casefold(): i for i, h in reversed(list(enumerate(headers)))}
    for role, name in wanted.items():
        if not name and role in ("date", "description"):
            errors.append(RowError(0, "", _("Choose the column that holds %(what)s.",
                                            what=roles[role])))
        elif name:
            index = headers.index(name) if name in headers else folded.get(
                name.strip().casefold())
            if index is None:
                errors.append(RowError(0, name, _(
                    "The column “%(name)s” is not in the file; choose the column that holds "
                    "%(what)s.", name=name, what=roles[role])))
            else:
                columns[role] = index
    return columns, errors


def _line(cells: list[Any], number: int, columns: dict[str, int], mapping: Mapping,
          default_year: int | None) -> Line | None:
    def cell(role: str) -> Any:
        index = columns.get(role)
        return cells[index] if index is not None and index < len(cells) else None

    raw_date = cell("date")
    if isinstance(raw_date, str) and _text(raw_date).upper() == "PEND":
        return None  # pending: not booked yet
    amount = _credit(cell, mapping)
    if amount is None or amount <= 0:
        return None
    date = _date(raw_date, mapping.date, day_first=mapping.day_first,
                 default_year=default_year)
    description = " ".join(_text(cell("description")).split())
    reference = _reference(cell("reference"))
    fingerprint = hashlib.sha256("|".join(
        (date.isoformat(), str(amount), _normal(description), _normal(reference))
    ).encode()).hexdigest()
    return Line(number, date, amount, description[:MAX_DESCRIPTION],
                reference[:MAX_REFERENCE], fingerprint)


_MARKER = re.compile(r"^(.*\d(?:[.,]-)?\)?)\s*(CR|DB|DR|K|D|C)\.?$", re.IGNORECASE)
_CREDIT_WORDS = frozenset({"cr", "c", "k", "kr", "kredit", "credit", "+", "masuk", "in"})
_DEBIT_WORDS = frozenset({"db", "d", "dr", "debet", "debit", "-", "keluar", "out"})


def _credit(cell: Callable[[str], Any], mapping: Mapping) -> int | None:
    """The money in on this row, or None for a row without any (a debit, an empty cell)."""
    if mapping.credit:
        value = cell("credit")
        return None if _blank(value) else _amount(value, mapping.credit)
    value = cell("amount")
    if _blank(value):
        return None
    credit: bool | None = None
    if isinstance(value, str) and (marked := _MARKER.match(value.strip())):
        value, credit = marked.group(1), marked.group(2).lower() in _CREDIT_WORDS
    kind = _text(cell("kind")).lower().rstrip(".") if mapping.kind else ""
    if kind:
        if kind not in _CREDIT_WORDS | _DEBIT_WORDS:
            raise _Problem(mapping.kind, _(
                "“%(value)s” says neither credit nor debit: write CR or DB (K or D).",
                value=_short(cell("kind"))))
        credit = kind in _CREDIT_WORDS
    amount = _amount(value, mapping.amount)
    if credit is None:
        return amount if amount > 0 else None
    return abs(amount) if credit else None


def _amount(value: Any, column: str) -> int:
    try:
        # The example in the message is written the Indonesian way, as the banks here do.
        return parse_rupiah(_text(value) if isinstance(value, str) else value,
                            locale_hint="id")
    except AmountInvalid as error:
        raise _Problem(column, str(error)) from None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not _text(value))


def _reference(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _text(value)


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


def _short(value: Any) -> str:
    text = _text(value)
    return text if len(text) <= 40 else text[:39] + "…"


_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})(?:[-/.](\d{4}|\d{2}))?(?:\s.*)?$")
_NAMED_DATE = re.compile(
    r"^(\d{1,2})[\s\-/.]*([a-z]{3,9})\.?(?:[\s\-/.,]*(\d{4}|\d{2}))?(?:\s.*)?$", re.IGNORECASE)
_MONTH_FIRST = re.compile(r"^([a-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})(?:\s.*)?$", re.IGNORECASE)
_MONTHS = {name: number for number, names in enumerate((
    ("jan", "januari", "january"), ("feb", "peb", "februari", "pebruari", "february"),
    ("mar", "maret", "march"), ("apr", "april"), ("mei", "may"), ("jun", "juni", "june"),
    ("jul", "juli", "july"), ("agu", "agt", "ags", "agus", "agustus", "aug", "august"),
    ("sep", "sept", "september"), ("okt", "oktober", "oct", "october"),
    ("nov", "nop", "november", "nopember"), ("des", "desember", "dec", "december"),
), start=1) for name in names}


def _date(value: Any, column: str, *, day_first: bool, default_year: int | None) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not text:
        raise _Problem(column, _("No date given. Write it like 31/12/2026."))
    parts = _date_parts(text, day_first)
    if parts is None:
        raise _Problem(column, _("“%(value)s” is not a date. Write it like 31/12/2026.",
                                 value=_short(text)))
    year, month, day = parts
    if year is None:
        if default_year is None:
            raise _Problem(column, _(
                "“%(value)s” has no year. Give the statement's year when you upload it.",
                value=_short(text)))
        year = default_year
    try:
        return dt.date(year if year >= 100 else 2000 + year, month, day)
    except ValueError:
        raise _Problem(column, _("“%(value)s” is not a date. Write it like 31/12/2026.",
                                 value=_short(text))) from None


def _date_parts(text: str, day_first: bool) -> tuple[int | None, int, int] | None:
    """(year or None, month, day) as written, not yet checked against the calendar."""
    if match := _ISO_DATE.match(text) or _COMPACT_DATE.match(text):
        return int(match[1]), int(match[2]), int(match[3])
    if match := _NUMERIC_DATE.match(text):
        first, second = int(match[1]), int(match[2])
        day, month = (first, second) if day_first else (second, first)
        return (int(match[3]) if match[3] else None), month, day
    if (match := _NAMED_DATE.match(text)) and match[2].lower() in _MONTHS:
        return (int(match[3]) if match[3] else None), _MONTHS[match[2].lower()], int(match[1])
    if (match := _MONTH_FIRST.match(text)) and match[1].lower() in _MONTHS:
        return int(match[3]), _MONTHS[match[1].lower()], int(match[2])
    return None


# ---- proposing matches --------------------------------------------------------------------

@dataclass(frozen=True)
class _Draft:
    invoice: OpenInvoice | None
    confidence: str
    note: str
    strength: int = 0  # 2: named in the description, 1: by amount and date


def propose(lines: list[Line], invoices: list[OpenInvoice], *,
            grace_days: int = 30) -> list[Proposal]:
    """One proposal per line, in line order.

    A line pays an invoice when the amounts are equal and the line's date lies between three
    days before the invoice was issued and ``grace_days`` after it was due. An invoice number
    written in the description (``INV/HKN2027/0001``, ``INV-HKN2027-0001``, spaces anywhere:
    BCA breaks descriptions at fixed widths) wins over the dates, but never over the amount.
    One line that fits several invoices is ambiguous. Two lines that claim one invoice: the
    one naming it wins, then the earliest; the others become ambiguous."""
    by_amount: dict[int, list[OpenInvoice]] = {}
    for invoice in invoices:
        by_amount.setdefault(invoice.amount_due, []).append(invoice)
    numbers = [(invoice, key) for invoice in invoices if (key := _compact(invoice.number))]
    grace = dt.timedelta(days=grace_days)
    drafts = [_draft(line, by_amount, numbers, grace) for line in lines]
    return _settle(lines, drafts)


def _draft(line: Line, by_amount: dict[int, list[OpenInvoice]],
           numbers: list[tuple[OpenInvoice, str]], grace: dt.timedelta) -> _Draft:
    named = _named(f"{line.description} {line.reference}", numbers)
    if named:
        paying = [invoice for invoice in named if invoice.amount_due == line.amount]
        if len(paying) == 1:
            return _Draft(paying[0], EXACT, _("Invoice %(number)s: number and amount match.",
                                              number=paying[0].number), 2)
        if len(named) == 1:
            return _Draft(None, NONE, _(
                "Invoice %(number)s is named, but the amount differs: paid %(paid)s, due "
                "%(due)s.", number=named[0].number, paid=format_idr(line.amount),
                due=format_idr(named[0].amount_due)))
        return _Draft(None, AMBIGUOUS if paying else NONE, _(
            "Names several invoices (%(numbers)s); check which one it pays.",
            numbers=_list(named)))
    same = by_amount.get(line.amount, [])
    fits = [i for i in same if i.issued_on - ISSUE_SLACK <= line.date <= i.due_on + grace]
    if len(fits) == 1:
        return _Draft(fits[0], EXACT, _("Invoice %(number)s: amount and date match.",
                                        number=fits[0].number), 1)
    if fits:
        return _Draft(None, AMBIGUOUS, _(
            "The amount matches %(count)s invoices (%(numbers)s): choose one.",
            count=len(fits), numbers=_list(fits)))
    if same:
        return _Draft(None, NONE, _(
            "Invoice %(number)s asks for this amount, but the transfer is dated outside "
            "%(start)s – %(end)s.", number=same[0].number,
            start=format_date(same[0].issued_on - ISSUE_SLACK),
            end=format_date(same[0].due_on + grace)))
    return _Draft(None, NONE, _("No open invoice asks for %(amount)s.",
                                amount=format_idr(line.amount)))


def _settle(lines: list[Line], drafts: list[_Draft]) -> list[Proposal]:
    """Each invoice to one line: the strongest claim, then the earliest line."""
    winner: dict[int, int] = {}
    for index, draft in enumerate(drafts):
        if draft.invoice is None:
            continue
        best = winner.get(draft.invoice.id)
        if best is None or (-draft.strength, lines[index].date) < (
                -drafts[best].strength, lines[best].date):
            winner[draft.invoice.id] = index
    proposals: list[Proposal] = []
    for index, (line, draft) in enumerate(zip(lines, drafts, strict=True)):
        if draft.invoice is not None and winner[draft.invoice.id] != index:
            note = _("Invoice %(number)s is already matched to row %(row)s.",
                     number=draft.invoice.number, row=lines[winner[draft.invoice.id]].row)
            proposals.append(Proposal(line, None, AMBIGUOUS, note[:MAX_NOTE]))
        else:
            invoice_id = draft.invoice.id if draft.invoice is not None else None
            proposals.append(Proposal(line, invoice_id, draft.confidence,
                                      draft.note[:MAX_NOTE]))
    return proposals


def _compact(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", text.upper())


def _named(text: str, numbers: list[tuple[OpenInvoice, str]]) -> list[OpenInvoice]:
    """The invoices whose full number is written in ``text`` (separators and spaces aside;
    ``INV/HKN2027/0001`` is not found inside ``INV/HKN2027/00012``)."""
    haystack = _compact(text)
    found: list[OpenInvoice] = []
    for invoice, key in numbers:
        start = haystack.find(key)
        while start >= 0:
            end = start + len(key)
            if not (key[-1].isdigit() and haystack[end:end + 1].isdigit()) and not (
                    key[0].isdigit() and start and haystack[start - 1].isdigit()):
                found.append(invoice)
                break
            start = haystack.find(key, start + 1)
    return found


def _list(invoices: list[OpenInvoice]) -> str:
    shown = ", ".join(invoice.number for invoice in invoices[:3])
    return shown + (", …" if len(invoices) > 3 else "")


# ---- errors for people --------------------------------------------------------------------

def _too_large() -> DomainError:
    return DomainError(_("The file is larger than 5 MB. Split it into smaller files."),
                       "file_too_large", status_code=413)


def _too_many_rows(limit: int) -> DomainError:
    return DomainError(_("At most %(n)s rows per file.", n=limit), "too_many_rows")


def _not_text() -> DomainError:
    return DomainError(_("This file is not a CSV text file. Download the statement (mutasi "
                         "rekening) from your bank again as CSV or Excel (.xlsx)."),
                       "not_a_statement")


def _not_a_statement() -> DomainError:
    return DomainError(_(
        "This does not look like a bank statement: none of its first %(n)s rows is a header "
        "with a date column (Tanggal, Date). Upload the statement (mutasi rekening) as your "
        "bank exports it.", n=HEADER_SCAN_ROWS), "not_a_statement")
