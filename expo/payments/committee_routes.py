"""The committee's side of booth fees: the payments overview (totals, the queue of transfer
proofs to verify, the invoices), one invoice and what can be done to it, and the fee
policy."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

import expo.exhibitors.web  # noqa: F401  (registers the {id:pk} path convertor)
from expo.accounts.models import Role
from expo.accounts.permissions import require_user
from expo.errors import DomainError
from expo.events.permissions import event_role
from expo.exhibitors.models import Category
from expo.forms import Form
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l
from expo.nav import REGISTRATION, Tab, register_tab
from expo.templating import flash
from expo.web import read_form, redirect, render

from . import forms, invoices, online, service, totals
from .models import (
    Invoice,
    InvoiceStatus,
    LineKind,
    Method,
    PaymentKind,
    PaymentState,
)

register_tab(Tab("payments.overview", _l("Payments"), frozenset({Role.COMMITTEE}), 26,
                 phase=REGISTRATION))

RECORD_METHODS = (Method.TRANSFER, Method.CASH)
REFUND_METHODS = (Method.TRANSFER, Method.CASH)


def _overview_url(request: Request) -> str:
    return str(request.url_for("payments.overview", slug=request.state.event.slug))


def _invoice_url(request: Request, invoice: Invoice) -> str:
    return str(request.url_for("payments.invoice", slug=request.state.event.slug,
                               invoice_id=invoice.id))


@event_role(Role.COMMITTEE)
async def overview(request: Request) -> Response:
    event = request.state.event
    status = request.query_params.get("status", "")
    if status not in (*InvoiceStatus.labels(), invoices.OVERDUE, ""):
        status = ""
    q = request.query_params.get("q", "").strip()[:60]
    return render(request, "payments/overview.html", {
        "event": event, "totals": await totals.totals(event),
        "queue": await service.pending_queue(event),
        "invoices": await invoices.invoice_list(event=event, status=status, q=q),
        "status": status, "q": q, "limit": invoices.LIST_LIMIT,
        "status_options": [("", _("All")), *InvoiceStatus.choices(),
                           (invoices.OVERDUE, _("Overdue"))],
        "without": await invoices.without_invoice(event),
        "notices": await service.gateway_log(event),
        "today": invoices.today(event), "policy": await invoices.policy_for(event),
        "InvoiceStatus": InvoiceStatus, "Method": Method, "PaymentState": PaymentState,
        "Outcome": online.Outcome})


async def _invoice_page(request: Request, invoice: Invoice, form: Form | None = None,
                        status_code: int = 200, action: str = "") -> Response:
    event = request.state.event
    policy = await invoices.policy_for(event)
    return render(request, "payments/invoice.html", {
        "event": event, "invoice": invoice, "lines": await invoices.lines_of(invoice),
        "payments": await service.payments_of(invoice),
        "credit_notes": await invoices.credit_notes_of(invoice),
        "policy": policy, "editable": invoice.status == InvoiceStatus.DRAFT,
        "overdue": invoices.is_overdue(invoice, invoices.today(event)),
        "form": form or Form({"paid_on": invoices.today(event).isoformat(),
                              "amount": str(max(invoice.balance, 0))}),
        "action": action, "extra_options": [("", _("Another line (write it below)")), *(
            (str(e["code"]), f"{e['label']} ({e['price']})") for e in policy.extras or [])],
        "record_options": [(m.value, m.label) for m in RECORD_METHODS],
        "refund_options": [(m.value, m.label) for m in REFUND_METHODS],
        "InvoiceStatus": InvoiceStatus, "Method": Method, "PaymentState": PaymentState,
        "PaymentKind": PaymentKind, "LineKind": LineKind}, status_code)


async def _invoice(request: Request) -> Invoice:
    return await invoices.get_invoice(event=request.state.event,
                                      invoice_id=request.path_params["invoice_id"])


@event_role(Role.COMMITTEE)
async def invoice_detail(request: Request) -> Response:
    return await _invoice_page(request, await _invoice(request))


Action = Callable[[Request, Invoice, Form], Awaitable[str]]


async def _act(request: Request, action: str, run: Action) -> Response:
    """Run one action of the invoice page; its errors go back onto the page's form."""
    invoice = await _invoice(request)
    form = await read_form(request)
    status = 422
    try:
        done = await run(request, invoice, form)
    except DomainError as exc:
        form.error(str(exc.data.get("field") or "__all__"), exc.message)
        done, status = "", exc.status_code
    if not form.valid or not done:
        return await _invoice_page(request, await invoices.reload(invoice), form, status,
                                   action)
    flash(request, done)
    return redirect(_invoice_url(request, invoice))


async def _issue(request: Request, invoice: Invoice, form: Form) -> str:
    issued = await invoices.issue(invoice=invoice, by=require_user(request))
    return _("Invoice %(number)s issued and sent to the exhibitor.", number=issued.number)


async def _add_line(request: Request, invoice: Invoice, form: Form) -> str:
    extra = form.raw("extra")
    quantity = form.integer("quantity", low=1, high=1000) or 1
    description = "" if extra else form.text("description", max_length=200)
    price = 0 if extra else form.rupiah("unit_price", low=-2_000_000_000)
    if not form.valid:
        return ""
    await invoices.add_line(invoice=invoice, description=description, quantity=quantity,
                            unit_price=price or 0, by=require_user(request), extra=extra)
    return _("Line added.")


async def _credit(request: Request, invoice: Invoice, form: Form) -> str:
    amount = form.rupiah("amount", low=1)
    reason = form.text("reason", max_length=300)
    if not form.valid or amount is None:
        return ""
    note = await invoices.credit(invoice=invoice, amount=amount, reason=reason,
                                 by=require_user(request))
    return _("Credit note %(number)s issued.", number=note.number)


async def _cancel(request: Request, invoice: Invoice, form: Form) -> str:
    reason = form.text("reason", max_length=300)
    if not form.valid:
        return ""
    await invoices.cancel(invoice=invoice, reason=reason, by=require_user(request))
    return _("Invoice cancelled.")


async def _record(request: Request, invoice: Invoice, form: Form) -> str:
    method = form.choice("method", [m.value for m in RECORD_METHODS])
    amount = form.rupiah("amount", low=1)
    paid_on = form.date("paid_on")
    reference = form.text("reference", required=False, max_length=100)
    if not form.valid or amount is None or paid_on is None:
        return ""
    payment = await service.record(invoice=invoice, method=Method(method), amount=amount,
                                   paid_on=paid_on, reference=reference,
                                   by=require_user(request))
    return _("Payment recorded: receipt %(number)s.", number=payment.receipt_number)


async def _refund(request: Request, invoice: Invoice, form: Form) -> str:
    method = form.choice("method", [m.value for m in REFUND_METHODS])
    amount = form.rupiah("amount", low=1)
    reference = form.text("reference", required=False, max_length=100)
    reason = form.text("reason", max_length=300)
    if not form.valid or amount is None:
        return ""
    await service.refund(invoice=invoice, amount=amount, method=Method(method),
                         reference=reference, reason=reason, by=require_user(request))
    return _("Refund recorded.")


def _action(name: str, run: Action) -> Callable[[Request], Awaitable[Response]]:
    @event_role(Role.COMMITTEE)
    async def endpoint(request: Request) -> Response:
        return await _act(request, name, run)

    endpoint.__name__ = f"invoice_{name}"
    return endpoint


@event_role(Role.COMMITTEE)
async def replace(request: Request) -> Response:
    invoice = await _invoice(request)
    form = await read_form(request)
    reason = form.text("reason", max_length=300)
    status = 422
    if form.valid:
        try:
            draft = await invoices.replace(invoice=invoice, reason=reason,
                                           by=require_user(request))
        except DomainError as exc:
            form.error("__all__", exc.message)
            status = exc.status_code
        else:
            flash(request, _("Invoice cancelled; edit the new draft and issue it."))
            return redirect(_invoice_url(request, draft))
    return await _invoice_page(request, invoice, form, status, "replace")


@event_role(Role.COMMITTEE)
async def line_delete(request: Request) -> Response:
    invoice = await _invoice(request)
    await invoices.remove_line(invoice=invoice, line_id=request.path_params["line_id"],
                               by=require_user(request))
    flash(request, _("Line removed."))
    return redirect(_invoice_url(request, invoice))


@event_role(Role.COMMITTEE)
async def give(request: Request) -> Response:
    form = await read_form(request)
    application_id = form.integer("application", low=1)
    if application_id is None:
        flash(request, _("Choose the exhibitor to invoice."), "error")
        return redirect(_overview_url(request))
    invoice = await invoices.give(event=request.state.event, application_id=application_id,
                                  by=require_user(request))
    return redirect(_invoice_url(request, invoice))


async def _decide(request: Request, approve: bool) -> Response:
    event = request.state.event
    payment = await service.get_payment(event=event, payment_id=request.path_params["payment_id"])
    form = await read_form(request)
    user = require_user(request)
    try:
        if approve:
            done = await service.verify(payment=payment, by=user)
            flash(request, _("Payment confirmed: receipt %(number)s.",
                             number=done.receipt_number))
        else:
            await service.reject(payment=payment, reason=form.raw("reason")[:300], by=user)
            flash(request, _("Proof rejected; the exhibitor is told why."))
    except DomainError as exc:
        if exc.code not in ("decided", "reason_missing", "not_open"):
            raise
        flash(request, exc.message, "error")
    return redirect(_overview_url(request) + "#queue")


@event_role(Role.COMMITTEE)
async def verify(request: Request) -> Response:
    return await _decide(request, True)


@event_role(Role.COMMITTEE)
async def reject(request: Request) -> Response:
    return await _decide(request, False)


async def _settings_page(request: Request, form: Form, status_code: int = 200) -> Response:
    return render(request, "payments/settings.html", {
        "event": request.state.event, "form": form, "categories": Category.choices()},
        status_code)


@event_role(Role.COMMITTEE)
async def settings(request: Request) -> Response:
    event = request.state.event
    if request.method == "GET":
        return await _settings_page(request, forms.policy_form(await invoices.policy_for(event)))
    form = await read_form(request)
    data = forms.policy_data(form)
    if form.valid:
        try:
            await invoices.save_policy(event=event, data=data, by=require_user(request))
        except DomainError as exc:
            form.error(str(exc.data.get("field") or "__all__"), exc.message)
        else:
            flash(request, _("Fee settings saved."))
            return redirect(_overview_url(request))
    return await _settings_page(request, form, 422)


_I = "/manage/e/{slug}/payments/invoices/{invoice_id:pk}"

routes: list[BaseRoute] = [
    Route("/manage/e/{slug}/payments", overview, name="payments.overview"),
    Route("/manage/e/{slug}/payments/settings", settings, methods=["GET", "POST"],
          name="payments.settings"),
    Route("/manage/e/{slug}/payments/invoices/new", give, methods=["POST"],
          name="payments.give"),
    Route(_I, invoice_detail, name="payments.invoice"),
    Route(_I + "/issue", _action("issue", _issue), methods=["POST"], name="payments.issue"),
    Route(_I + "/lines", _action("line", _add_line), methods=["POST"], name="payments.line_add"),
    Route(_I + "/lines/{line_id:pk}/delete", line_delete, methods=["POST"],
          name="payments.line_delete"),
    Route(_I + "/credit", _action("credit", _credit), methods=["POST"], name="payments.credit"),
    Route(_I + "/cancel", _action("cancel", _cancel), methods=["POST"], name="payments.cancel"),
    Route(_I + "/replace", replace, methods=["POST"], name="payments.replace"),
    Route(_I + "/record", _action("record", _record), methods=["POST"], name="payments.record"),
    Route(_I + "/refund", _action("refund", _refund), methods=["POST"], name="payments.refund"),
    Route("/manage/e/{slug}/payments/{payment_id:pk}/verify", verify, methods=["POST"],
          name="payments.verify"),
    Route("/manage/e/{slug}/payments/{payment_id:pk}/reject", reject, methods=["POST"],
          name="payments.reject"),
]
