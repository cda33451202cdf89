"""The committee's bank statement import: upload, map the columns, store the credits with
expo's proposals, and record the payments the committee confirms.

Built on the pure reader and matcher in ``statements``. Nothing is marked paid until a person
confirms a line: each confirmed line is one transaction (the line leaves ``proposed`` by one
conditional UPDATE, then ``service.record`` books the payment), so of two committee members
confirming one line at once only one records it, and a line that cannot be booked (its
invoice was paid or cancelled meanwhile, the amount no longer fits) fails alone.

A line already imported (same date, amount, description and reference: its fingerprint,
unique per event) is skipped and listed, not an error of the file: statements overlap.

Between the upload and the mapping form's submission the file waits in
``data_dir/statements/<event>-<token>.<ext>`` (``stage``), for ``STAGE_TTL`` at most; the form
carries the token, not the file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from tortoise.exceptions import IntegrityError

from expo.accounts.models import User
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError, found
from expo.events.models import Event
from expo.i18n import format_idr
from expo.i18n import gettext as _
from expo.offload import in_process, in_thread
from expo.xlsx import MAX_IMPORT_BYTES

from . import service, statements
from .models import (
    Invoice,
    InvoiceStatus,
    LineState,
    Method,
    Payment,
    PaymentKind,
    StatementImport,
    StatementLine,
)
from .statements import Line, Mapping, OpenInvoice, RowError, Table

STAGE_DIR = "statements"
STAGE_TTL = 2 * 3600  # seconds a staged upload waits for its mapping
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
MAX_LISTED = 200  # already-imported lines kept on the import row, for its page
REMEMBER_SCAN = 30  # past imports searched for a mapping of the same headers
_CHUNK = 500  # fingerprints per IN (...) query


# ---- reading and staging the upload -------------------------------------------------------

async def read_upload(data: bytes, filename: str) -> Table:
    """The statement's table, read in a worker process (the gates share this event loop)."""
    if len(data) > MAX_IMPORT_BYTES:
        raise DomainError(_("The file is larger than %(n)s MB. Split it into smaller files.",
                            n=MAX_IMPORT_BYTES // 2**20), "file_too_large", status_code=413)
    if not data:
        raise DomainError(_("The file is empty. Download the statement from your bank again."),
                          "empty_file")
    return await in_process(statements.read_table, data, filename)


def _stage_dir(data_dir: Path) -> Path:
    return data_dir / STAGE_DIR


def _suffix(filename: str) -> str:
    return "xlsx" if filename.lower().endswith(".xlsx") else "csv"


def _write_staged(folder: Path, name: str, data: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - STAGE_TTL
    for old in folder.iterdir():  # forgotten uploads: nobody submitted their mapping
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)
        except OSError:
            continue
    partial = folder / f".{name}.part"
    partial.write_bytes(data)
    partial.replace(folder / name)


async def stage(*, data_dir: Path, event: Event, data: bytes, filename: str) -> str:
    """Keep an upload (already read once) until its mapping is submitted; the token names it."""
    token = secrets.token_urlsafe(24)
    await in_thread(_write_staged, _stage_dir(data_dir),
                    f"{event.id}-{token}.{_suffix(filename)}", data)
    return token


def _staged_path(data_dir: Path, event: Event, token: str) -> Path | None:
    if not _TOKEN.match(token):
        return None
    for suffix in ("csv", "xlsx"):
        path = _stage_dir(data_dir) / f"{event.id}-{token}.{suffix}"
        if path.is_file() and path.stat().st_mtime >= time.time() - STAGE_TTL:
            return path
    return None


def _expired() -> DomainError:
    return DomainError(_("The uploaded file is no longer here (it is kept for two hours). "
                         "Upload the statement again."), "upload_expired")


async def staged(*, data_dir: Path, event: Event, token: str) -> tuple[bytes, str]:
    """The staged upload's bytes and a file name with its type (``statement.csv``)."""
    path = await in_thread(_staged_path, data_dir, event, token)
    if path is None:
        raise _expired()
    try:
        data = await in_thread(path.read_bytes)
    except OSError:
        raise _expired() from None
    return data, f"statement.{path.suffix.lstrip('.')}"


async def unstage(*, data_dir: Path, event: Event, token: str) -> None:
    path = await in_thread(_staged_path, data_dir, event, token)
    if path is not None:
        await in_thread(path.unlink, missing_ok=True)


# ---- the mapping ----------------------------------------------------------------------------

def mapping_record(mapping: Mapping) -> dict[str, Any]:
    return dataclasses.asdict(mapping)


def mapping_from(record: dict[str, Any]) -> Mapping:
    """A Mapping from stored or submitted values; unknown keys are ignored."""
    names = {f.name for f in dataclasses.fields(Mapping)}
    values = {k: v for k, v in record.items() if k in names}
    values["day_first"] = bool(values.get("day_first", True))
    for name in names - {"day_first"}:
        values[name] = str(values.get(name) or "")
    return Mapping(**values)


@dataclass(frozen=True)
class MappingGuess:
    mapping: Mapping | None
    remembered: bool  # from the event's last import of a file with the same headers


async def mapping_for(*, event: Event, headers: list[str]) -> MappingGuess:
    """The mapping to prefill: the one chosen last time for these headers, else a guess from
    the bank's known layouts (``statements.guess_mapping``), else none."""
    past = await StatementImport.filter(event_id=event.id).order_by("-id").limit(REMEMBER_SCAN)
    for item in past:
        stored = item.mapping or {}
        if stored.get("headers") == headers and isinstance(stored.get("columns"), dict):
            return MappingGuess(mapping_from(stored["columns"]), True)
    return MappingGuess(statements.guess_mapping(headers), False)


# ---- importing ------------------------------------------------------------------------------

async def open_invoices(event: Event) -> list[Invoice]:
    """The event's invoices waiting for money: issued, with something still owed."""
    return await _open_invoices(event.id)


async def _open_invoices(event_id: int) -> list[Invoice]:
    issued = await Invoice.filter(event_id=event_id, status=InvoiceStatus.ISSUED).order_by(
        "number")
    return [invoice for invoice in issued if invoice.balance > 0]


def _open(invoice: Invoice) -> OpenInvoice:
    issued = invoice.issued_on or dt.date.min
    return OpenInvoice(id=invoice.id, number=invoice.number or "", amount_due=invoice.balance,
                       issued_on=issued, due_on=invoice.due_on or issued)


async def _known(event: Event, lines: list[Line]) -> set[str]:
    prints = [line.fingerprint for line in lines]
    known: set[str] = set()
    for start in range(0, len(prints), _CHUNK):
        rows = await StatementLine.filter(
            event_id=event.id, fingerprint__in=prints[start:start + _CHUNK]
        ).values_list("fingerprint", flat=True)
        known.update(str(row) for row in rows)
    return known


def _listed(line: Line) -> dict[str, Any]:
    return {"row": line.row, "date": line.date.isoformat(), "amount": line.amount,
            "description": line.description[:120]}


def _row_errors(errors: list[RowError]) -> DomainError:
    return DomainError(
        _("Nothing was imported: %(n)s problems in the file. Correct them (or the columns "
          "chosen below) and import again.", n=len(errors)),
        "statement_rows", errors=errors)


async def start_import(*, event: Event, filename: str, table: Table, mapping: Mapping,
                       default_year: int | None, by: User) -> StatementImport:
    """Store the statement's new credits with expo's proposals, all or nothing.

    Row errors: a DomainError (``statement_rows``) whose ``data["errors"]`` lists every
    ``RowError``. Lines imported before are skipped and listed on the import
    (``already_imported``); when no line is new, nothing is stored (``nothing_new``)."""
    lines, errors = statements.parse_lines(table, mapping, default_year=default_year)
    if errors:
        raise _row_errors(errors)
    if not lines:
        raise DomainError(_("No money in (credit) was found in this file. Check that the "
                            "amount columns are the right ones."), "no_credits")
    known = await _known(event, lines)
    fresh = [line for line in lines if line.fingerprint not in known]
    already = [line for line in lines if line.fingerprint in known]
    if not fresh:
        raise DomainError(
            _("Every credit in this file (%(n)s) was imported before: nothing new.",
              n=len(already)), "nothing_new", status_code=409,
            already=[_listed(line) for line in already[:MAX_LISTED]])
    proposals = statements.propose(fresh, [_open(i) for i in await open_invoices(event)])
    record = {"headers": table.headers, "columns": mapping_record(mapping),
              "default_year": default_year, "already_count": len(already),
              "already_imported": [_listed(line) for line in already[:MAX_LISTED]]}
    return await _store(event=event, filename=filename, record=record, proposals=proposals,
                        skipped=len(already), by=by)


async def _store(*, event: Event, filename: str, record: dict[str, Any],
                 proposals: list[statements.Proposal], skipped: int,
                 by: User) -> StatementImport:
    try:
        async with atomic():
            statement = await StatementImport.create(
                event_id=event.id, filename=filename[:200], mapping=record,
                lines_count=len(proposals), uploaded_by_id=by.id)
            await StatementLine.bulk_create([_row(statement, event, p) for p in proposals])
            await log_action(action="expo.statement.imported", actor=by, event=event,
                             obj=statement,
                             summary=f"{filename[:80]}: {len(proposals)} credits, "
                                     f"{skipped} imported before",
                             data={"exact": sum(p.confidence == statements.EXACT
                                                for p in proposals)})
            return statement
    except IntegrityError:
        # Another upload of an overlapping statement committed between the check and here.
        raise DomainError(_("Someone imported lines of this statement a moment ago. Open the "
                            "list of statements, or upload the file again."),
                          "lines_taken", status_code=409) from None


def _row(statement: StatementImport, event: Event, proposal: statements.Proposal
         ) -> StatementLine:
    line = proposal.line
    return StatementLine(
        statement_id=statement.id, event_id=event.id, row=line.row, date=line.date,
        amount=line.amount, description=line.description, reference=line.reference,
        fingerprint=line.fingerprint, proposed_id=proposal.invoice_id,
        confidence=proposal.confidence, note=proposal.note)


# ---- reading imports ------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportSummary:
    statement: StatementImport
    proposed: int
    confirmed: int
    ignored: int


async def history(*, event: Event, limit: int = 50) -> list[ImportSummary]:
    """The event's past imports, newest first, with how many lines wait, landed, were put
    aside."""
    items = await StatementImport.filter(event_id=event.id).order_by("-id").limit(
        limit).select_related("uploaded_by")
    counts: dict[tuple[int, str], int] = {}
    rows = await StatementLine.filter(statement_id__in=[i.id for i in items]).values_list(
        "statement_id", "state")
    for statement_id, state in rows:
        key = (int(statement_id), str(state))
        counts[key] = counts.get(key, 0) + 1
    return [ImportSummary(item, counts.get((item.id, LineState.PROPOSED.value), 0),
                          counts.get((item.id, LineState.CONFIRMED.value), 0),
                          counts.get((item.id, LineState.IGNORED.value), 0)) for item in items]


def _event_id(statement: StatementImport) -> int:
    # StatementImport declares no ``event_id: int`` annotation (the column is there).
    return int(cast(Any, statement).event_id)


async def get_statement(*, event: Event, statement_id: int) -> StatementImport:
    return found(await StatementImport.get_or_none(id=statement_id, event_id=event.id),
                 _("This statement does not exist."))


@dataclass(frozen=True)
class LineView:
    line: StatementLine
    invoice: Invoice | None  # the proposed invoice
    payment: Payment | None  # the payment recorded from this line, once confirmed
    ticked: bool  # ticked by default: an exact proposal that still fits
    warning: str  # why an exact proposal is no longer ticked


@dataclass(frozen=True)
class StatementView:
    statement: StatementImport
    lines: list[LineView]
    open_invoices: list[Invoice]
    already_imported: list[dict[str, Any]]
    already_count: int


def _still_fits(line: StatementLine, invoice: Invoice | None) -> str:
    """Empty when the proposed invoice still waits for this amount, else why not."""
    if invoice is None:
        return ""
    if invoice.status != InvoiceStatus.ISSUED or invoice.balance <= 0:
        return _("Invoice %(number)s is no longer waiting for a payment.",
                 number=invoice.number)
    if invoice.balance != line.amount:
        return _("Invoice %(number)s now asks for %(due)s.", number=invoice.number,
                 due=format_idr(invoice.balance))
    return ""


async def proposals_of(statement: StatementImport) -> StatementView:
    """Each line with its proposal as it stands now: a proposal whose invoice has meanwhile
    been paid, cancelled or corrected is shown with a warning and not ticked."""
    lines = await StatementLine.filter(statement_id=statement.id).order_by("row", "id")
    ids = {line.proposed_id for line in lines if line.proposed_id is not None}
    invoices = {i.id: i for i in await Invoice.filter(id__in=list(ids))} if ids else {}
    payments = {p.statement_line_id: p for p in await Payment.filter(
        statement_line_id__in=[line.id for line in lines], kind=PaymentKind.PAYMENT
    ).select_related("invoice")} if lines else {}
    views: list[LineView] = []
    for line in lines:
        invoice = invoices.get(line.proposed_id) if line.proposed_id is not None else None
        warning = _still_fits(line, invoice) if line.state == LineState.PROPOSED else ""
        ticked = (line.state == LineState.PROPOSED and invoice is not None and not warning
                  and line.confidence == statements.EXACT)
        views.append(LineView(line, invoice, payments.get(line.id), ticked, warning))
    stored = statement.mapping or {}
    return StatementView(statement, views, await _open_invoices(_event_id(statement)),
                         [_unlisted(item) for item in stored.get("already_imported") or []],
                         int(stored.get("already_count") or 0))


def _unlisted(item: dict[str, Any]) -> dict[str, Any]:
    """A stored already-imported line, its date a date again."""
    try:
        return {**item, "date": dt.date.fromisoformat(str(item.get("date")))}
    except ValueError:
        return item


# ---- confirming -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Recorded:
    line: StatementLine
    invoice: Invoice  # as it stands after the payment
    payment: Payment


@dataclass(frozen=True)
class Failed:
    line: StatementLine
    invoice: Invoice | None
    code: str
    message: str


@dataclass
class ConfirmResult:
    recorded: list[Recorded] = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)


def _line_decided(state: str) -> DomainError:
    if state == LineState.IGNORED:
        return DomainError(_("This line is ignored: restore it first."), "line_ignored",
                           status_code=409)
    return DomainError(_("This line has been confirmed already."), "line_confirmed",
                       status_code=409)


async def _locked_invoice(event_id: int, invoice_id: int) -> Invoice:
    return found(await Invoice.filter(id=invoice_id, event_id=event_id).select_for_update()
                 .first(), _("This invoice does not exist."))


def _fits(line: StatementLine, invoice: Invoice) -> None:
    """A transfer may pay an invoice in part (a producer who left out the unique code), never
    more than it still asks for: the surplus would have nowhere to go."""
    if invoice.status == InvoiceStatus.ISSUED and line.amount > invoice.balance > 0:
        raise DomainError(_(
            "The transfer (%(paid)s) is more than invoice %(number)s still asks for "
            "(%(due)s).", paid=format_idr(line.amount), number=invoice.number,
            due=format_idr(invoice.balance)), "amount_exceeds", status_code=409)


async def _confirm_one(line: StatementLine, invoice_id: int, by: User) -> Recorded:
    """One line, one transaction: claimed from ``proposed``, then booked. Any failure rolls
    both back, so the line waits again."""
    async with atomic():
        claimed = await StatementLine.filter(id=line.id, state=LineState.PROPOSED).update(
            state=LineState.CONFIRMED)
        if not claimed:
            current = await StatementLine.get(id=line.id)
            raise _line_decided(current.state)
        invoice = await _locked_invoice(line.event_id, invoice_id)
        _fits(line, invoice)
        payment = await service.record(
            invoice=invoice, method=Method.TRANSFER, amount=line.amount, paid_on=line.date,
            reference=line.reference or line.description[:100], by=by, statement_line=line)
        return Recorded(line, await Invoice.get(id=invoice.id), payment)


async def confirm(*, statement: StatementImport, choices: dict[int, int | None],
                  by: User) -> ConfirmResult:
    """Record a payment for each chosen line: ``choices`` maps a line's id to the invoice it
    pays, or None for the invoice expo proposed. Each line lands or fails on its own."""
    if not choices:
        raise DomainError(_("Tick the lines to record first."), "nothing_chosen")
    lines = {line.id: line for line in await StatementLine.filter(
        statement_id=statement.id, id__in=list(choices)).order_by("row", "id")}
    invoice_ids = {i for i in (*choices.values(), *(ln.proposed_id for ln in lines.values()))
                   if i is not None}
    invoices = {i.id: i for i in await Invoice.filter(id__in=list(invoice_ids),
                                                      event_id=_event_id(statement))}
    result = ConfirmResult()
    for line in lines.values():
        invoice_id = choices.get(line.id) or line.proposed_id
        if invoice_id is None:
            result.failed.append(Failed(line, None, "invoice_missing", _(
                "Choose the invoice this transfer pays.")))
            continue
        try:
            result.recorded.append(await _confirm_one(line, invoice_id, by))
        except DomainError as error:
            result.failed.append(Failed(line, invoices.get(invoice_id), error.code,
                                        error.message))
    return result


async def _move(statement: StatementImport, line_ids: Iterable[int], *, source: LineState,
                target: LineState, action: str, by: User) -> int:
    ids = list(line_ids)
    if not ids:
        raise DomainError(_("Tick the lines first."), "nothing_chosen")
    async with atomic():
        moved = await StatementLine.filter(statement_id=statement.id, id__in=ids,
                                           state=source).update(state=target)
        if moved:
            await log_action(action=action, actor=by, event=await statement.event,
                             obj=statement, summary=f"{moved} lines {target.value}",
                             data={"lines": ids[:100]})
        return moved


async def ignore(*, statement: StatementImport, line_ids: Iterable[int], by: User) -> int:
    """Put lines aside that pay no invoice (a sponsor, a refund from the bank): they are no
    longer offered. Returns how many moved (lines confirmed meanwhile stay confirmed)."""
    return await _move(statement, line_ids, source=LineState.PROPOSED,
                       target=LineState.IGNORED, action="expo.statement.lines_ignored", by=by)


async def restore(*, statement: StatementImport, line_ids: Iterable[int], by: User) -> int:
    """Offer ignored lines again (ignored by mistake: a re-import would skip them)."""
    return await _move(statement, line_ids, source=LineState.IGNORED,
                       target=LineState.PROPOSED, action="expo.statement.lines_restored", by=by)
