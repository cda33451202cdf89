"""The committee's bank statement import (thin handlers): upload, choose the columns, review
expo's proposals, confirm.

``payments.statements``: GET the past imports and the upload form; POST either a file (the
mapping form comes back, with a preview) or the mapping form (its ``token`` names the file
kept on the server meanwhile). ``payments.statement``: GET the lines and proposals; POST
``action=confirm`` records the ticked lines (the result page says what landed and what did
not), ``ignore`` / ``restore`` put lines aside or back.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

import expo.exhibitors.web  # noqa: F401  (registers the {id:pk} path convertor)
from expo.accounts.models import Role
from expo.accounts.permissions import require_user
from expo.errors import DomainError
from expo.events.permissions import event_role
from expo.exhibitors.web import read_multipart
from expo.forms import Form
from expo.i18n import gettext as _
from expo.templating import flash
from expo.web import read_form, redirect, render, settings_of
from expo.xlsx import MAX_IMPORT_BYTES

from . import invoices, statements
from . import statement_service as imports
from .models import LineState, StatementImport
from .statements import Mapping, Table

PREVIEW_ROWS = 8
SHOWN_ERRORS = 300  # a wrong column can make every row an error: the first ones say why
ROLE_FIELDS = ("date", "description", "amount", "kind", "credit", "debit", "reference")
MAX_ID_DIGITS = 9  # as the {id:pk} convertor: a guessed huge number is no id


def _statements_url(request: Request) -> str:
    return str(request.url_for("payments.statements", slug=request.state.event.slug))


async def _list_page(request: Request, errors: list[str] | None = None,
                     status_code: int = 200) -> Response:
    event = request.state.event
    return render(request, "payments/statements.html", {
        "event": event, "history": await imports.history(event=event),
        "upload_errors": errors or [], "max_mb": MAX_IMPORT_BYTES // 2**20}, status_code)


def _mapping_form(mapping: Mapping | None, default_year: int | None, token: str,
                  filename: str) -> Form:
    values: dict[str, Any] = {"token": token, "filename": filename,
                              "default_year": str(default_year or ""),
                              "day_first": "1" if mapping is None or mapping.day_first else "0"}
    if mapping is not None:
        values.update({name: getattr(mapping, name) for name in ROLE_FIELDS})
    return Form(values)


async def _mapping_page(request: Request, table: Table, form: Form, *, remembered: bool = False,
                        errors: list[statements.RowError] | None = None, message: str = "",
                        status_code: int = 200) -> Response:
    errors = errors or []
    return render(request, "payments/statement_mapping.html", {
        "event": request.state.event, "form": form, "headers": table.headers,
        "column_options": [("", _("(none)")), *((h, h) for h in table.headers)],
        "day_options": [("1", _("Day first: 31/12/2026")), ("0", _("Month first: 12/31/2026"))],
        "preview": [(table.row_number(i), row) for i, row in enumerate(table.rows[:PREVIEW_ROWS])],
        "row_count": len(table.rows), "remembered": remembered, "message": message,
        "errors": errors[:SHOWN_ERRORS], "more_errors": max(0, len(errors) - SHOWN_ERRORS)},
        status_code)


@event_role(Role.COMMITTEE)
async def statements_page(request: Request) -> Response:
    if request.method == "GET":
        return await _list_page(request)
    form, upload = await read_multipart(request, MAX_IMPORT_BYTES, "file")
    if form.raw("token"):
        return await _submit_mapping(request, form)
    if upload is None or not upload.data:
        return await _list_page(request, [_("Choose the statement file (.csv or .xlsx).")], 422)
    event = request.state.event
    try:
        table = await imports.read_upload(upload.data, upload.filename)
    except DomainError as exc:
        return await _list_page(request, [exc.message], exc.status_code)
    token = await imports.stage(data_dir=settings_of(request).data_dir, event=event,
                                data=upload.data, filename=upload.filename)
    guess = await imports.mapping_for(event=event, headers=table.headers)
    # Only for dates written without a year (BCA's 01/12); the person corrects it in January.
    form = _mapping_form(guess.mapping, invoices.today(event).year, token,
                         upload.filename[:200])
    return await _mapping_page(request, table, form, remembered=guess.remembered)


def _read_mapping(form: Form) -> tuple[Mapping, int | None]:
    values = {name: form.text(name, required=False) for name in ROLE_FIELDS}
    mapping = imports.mapping_from({**values, "day_first": form.raw("day_first") != "0"})
    return mapping, form.integer("default_year", required=False, low=1990, high=2100)


async def _submit_mapping(request: Request, form: Form) -> Response:
    event = request.state.event
    data_dir = settings_of(request).data_dir
    token = form.raw("token")
    try:
        data, kind = await imports.staged(data_dir=data_dir, event=event, token=token)
        table = await imports.read_upload(data, kind)
    except DomainError as exc:
        return await _list_page(request, [exc.message], 422)
    mapping, year = _read_mapping(form)
    if not form.valid:
        return await _mapping_page(request, table, form, status_code=422,
                                   message=_("Please correct the marked fields."))
    filename = form.text("filename", required=False) or kind
    try:
        statement = await imports.start_import(event=event, filename=filename, table=table,
                                               mapping=mapping, default_year=year,
                                               by=require_user(request))
    except DomainError as exc:
        if exc.code == "nothing_new":
            await imports.unstage(data_dir=data_dir, event=event, token=token)
            flash(request, exc.message, "info")
            return redirect(_statements_url(request))
        return await _mapping_page(request, table, form, errors=exc.data.get("errors", []),
                                   message=exc.message, status_code=exc.status_code)
    await imports.unstage(data_dir=data_dir, event=event, token=token)
    return redirect(str(request.url_for("payments.statement", slug=event.slug,
                                        statement_id=statement.id)))


async def _statement_page(request: Request, statement: StatementImport, *, form: Form | None = None,
                          result: imports.ConfirmResult | None = None, error: str = "",
                          status_code: int = 200) -> Response:
    view = await imports.proposals_of(statement)
    return render(request, "payments/statement.html", {
        "event": request.state.event, "view": view, "result": result, "error": error,
        "form": form, "LineState": LineState, "EXACT": statements.EXACT,
        "AMBIGUOUS": statements.AMBIGUOUS}, status_code)


def _line_id(name: str, prefix: str) -> int | None:
    rest = name[len(prefix):]
    if name.startswith(prefix) and rest.isdigit() and len(rest) <= MAX_ID_DIGITS:
        return int(rest)
    return None


def _choices(form: Form) -> dict[int, int | None]:
    """Ticked lines (``line-<id>``) and the invoice chosen for each (``invoice-<id>``; empty:
    expo's proposal). Choosing an invoice by hand ticks its line. Errors go on the form."""
    choices: dict[int, int | None] = {}
    for name in list(form.data):
        line_id = _line_id(name, "invoice-")
        if line_id is not None:
            value = form.raw(name)
            if value and not (value.isdigit() and len(value) <= MAX_ID_DIGITS):
                form.error("__all__", _("Choose an invoice from the list."))
            elif value:
                choices[line_id] = int(value)
    for name in list(form.data):
        line_id = _line_id(name, "line-")
        if line_id is not None and form.boolean(name):
            choices.setdefault(line_id, None)
    return choices


def _ticked(form: Form) -> list[int]:
    return [line_id for name in form.data
            if (line_id := _line_id(name, "line-")) is not None and form.boolean(name)]


@event_role(Role.COMMITTEE)
async def statement_page(request: Request) -> Response:
    event = request.state.event
    statement = await imports.get_statement(event=event,
                                            statement_id=request.path_params["statement_id"])
    if request.method == "GET":
        return await _statement_page(request, statement)
    form = await read_form(request)
    action = form.raw("action")
    by = require_user(request)
    try:
        if action in ("ignore", "restore"):
            move = imports.ignore if action == "ignore" else imports.restore
            moved = await move(statement=statement, line_ids=_ticked(form), by=by)
            flash(request, (_("%(n)s lines ignored.", n=moved) if action == "ignore"
                            else _("%(n)s lines offered again.", n=moved)), "info")
            return redirect(str(request.url_for("payments.statement", slug=event.slug,
                                                statement_id=statement.id)))
        if action != "confirm":
            return await _statement_page(request, statement, form=form, status_code=422,
                                         error=_("Choose what to do with the ticked lines."))
        choices = _choices(form)
        if not form.valid:
            return await _statement_page(request, statement, form=form, status_code=422,
                                         error=form.errors["__all__"])
        result = await imports.confirm(statement=statement, choices=choices, by=by)
    except DomainError as exc:
        return await _statement_page(request, statement, form=form, error=exc.message,
                                     status_code=exc.status_code)
    return await _statement_page(request, statement, result=result)


routes: list[BaseRoute] = [
    Route("/manage/e/{slug}/payments/statements", statements_page, methods=["GET", "POST"],
          name="payments.statements"),
    Route("/manage/e/{slug}/payments/statements/{statement_id:pk}", statement_page,
          methods=["GET", "POST"], name="payments.statement"),
]
