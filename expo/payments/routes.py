"""The producer's side of the booth fee: the invoice page (what to pay, how, by when), the
transfer proof upload, and the proof file it sent."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from expo.accounts.models import Role
from expo.accounts.permissions import require_user
from expo.errors import DomainError, NotFound
from expo.events.permissions import event_role
from expo.exhibitors import service as exhibitors
from expo.exhibitors.uploads import MAX_DOCUMENT_BYTES
from expo.exhibitors.web import read_multipart
from expo.forms import Form
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l
from expo.nav import ACCEPTED_EXHIBITOR, REGISTRATION, Tab, register_tab
from expo.templating import flash
from expo.web import redirect, render, settings_of

from . import access, invoices, online, service
from .models import InvoiceStatus, Method, PaymentKind, PaymentState

register_tab(Tab("payments.mine", _l("Booth fee"), frozenset({Role.EXHIBITOR}), 46,
                 phase=REGISTRATION,
                 needs=ACCEPTED_EXHIBITOR))

async def _context(request: Request, form: Form | None = None) -> dict[str, Any]:
    event, user = request.state.event, require_user(request)
    application = await exhibitors.accepted_application(user=user, event=event)
    invoice = await invoices.active_invoice(event=event, application_id=application.id)
    history = [i for i in await invoices.invoices_of_application(
        event=event, application_id=application.id) if invoice is None or i.id != invoice.id]
    shown = invoice if invoice is not None and invoice.status != InvoiceStatus.DRAFT else None
    today = invoices.today(event)
    return {
        "event": event, "application": application, "invoice": shown,
        "draft": invoice is not None and invoice.status == InvoiceStatus.DRAFT,
        "history": history, "policy": await invoices.policy_for(event),
        "lines": await invoices.lines_of(shown) if shown else [],
        "payments": await service.payments_of(shown) if shown else [],
        "credit_notes": await invoices.credit_notes_of(shown) if shown else [],
        "overdue": bool(shown and invoices.is_overdue(shown, today)),
        "online": (await online.available(event)
                   if shown and shown.status == InvoiceStatus.ISSUED else False),
        "online_methods": online.method_choices(),
        "form": form or Form({"amount": str(shown.balance) if shown else "",
                              "paid_on": today.isoformat()}),
        "InvoiceStatus": InvoiceStatus, "Method": Method, "PaymentState": PaymentState,
        "PaymentKind": PaymentKind}


@event_role(Role.EXHIBITOR)
async def mine(request: Request) -> Response:
    return render(request, "payments/mine.html", await _context(request))


@event_role(Role.EXHIBITOR)
async def proof(request: Request) -> Response:
    event, user = request.state.event, require_user(request)
    form, upload = await read_multipart(request, MAX_DOCUMENT_BYTES, field="proof")
    application = await exhibitors.accepted_application(user=user, event=event)
    invoice = await invoices.active_invoice(event=event, application_id=application.id)
    if invoice is None or invoice.status == InvoiceStatus.DRAFT:
        raise NotFound(_("You have no invoice to pay yet."), "no_invoice")
    amount = form.rupiah("amount", low=1)
    paid_on = form.date("paid_on")
    note = form.text("note", required=False, max_length=300)
    if upload is None:
        form.error("proof", _("Choose the photo or PDF of your transfer receipt."))
    if form.valid and upload is not None and amount is not None and paid_on is not None:
        try:
            await service.submit_proof(invoice=invoice, data=upload.data, amount=amount,
                                       paid_on=paid_on, note=note, by=user,
                                       uploads_dir=settings_of(request).uploads_dir)
        except DomainError as exc:
            if exc.code in ("file_too_large",):
                raise
            form.error(str(exc.data.get("field") or "proof"), exc.message)
        else:
            flash(request, _("Thank you. The committee checks your transfer and sends the "
                             "receipt."))
            return redirect(str(request.url_for("payments.mine", slug=event.slug)))
    return render(request, "payments/mine.html", await _context(request, form), 422)


@event_role(Role.EXHIBITOR, Role.COMMITTEE)
async def proof_file(request: Request) -> Response:
    """The proof a producer sent: the producer's own, or any of the event's for the
    committee."""
    event, user = request.state.event, require_user(request)
    payment = await service.get_payment(event=event, payment_id=request.path_params["payment_id"])
    await access.visible_invoice(user=user, roles=request.state.roles, event=event,
                                 invoice_id=payment.invoice_id)
    path = service.proof_path(settings_of(request).uploads_dir, payment)
    if not path.exists():
        raise NotFound()
    return FileResponse(path, media_type=payment.proof_mime or "application/octet-stream",
                        headers={"Cache-Control": "private, no-store",
                                 "X-Content-Type-Options": "nosniff",
                                 "Content-Disposition": "inline"})


routes: list[BaseRoute] = [
    Route("/manage/e/{slug}/invoice", mine, name="payments.mine"),
    Route("/manage/e/{slug}/invoice/proof", proof, methods=["POST"], name="payments.proof"),
    Route("/manage/e/{slug}/payments/{payment_id:pk}/proof", proof_file,
          name="payments.proof_file"),
]
