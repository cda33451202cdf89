"""The documents of booth fees over HTTP: PDF downloads and print pages of invoices, receipts
and credit notes (the committee and the exhibitor whose invoice it is), and the public page a
document's QR code opens to check that it is genuine."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

import expo.exhibitors.web  # noqa: F401  (registers the {id:pk} path convertor)
from expo import pdf, qr
from expo.accounts.models import Role
from expo.accounts.permissions import public, require_user
from expo.events.permissions import event_role
from expo.i18n import get_locale
from expo.web import render, settings_of

from . import documents
from .models import PaymentKind

PRIVATE = {"Cache-Control": "private, no-store"}  # personal data: never in a shared cache


def _verifier(request: Request) -> documents.Verifier:
    return documents.Verifier.from_settings(settings_of(request))


def _pdf(content: bytes, document: pdf.Document, fallback: str) -> Response:
    name = documents.file_name(document, fallback)
    return Response(content, media_type="application/pdf", headers={
        **PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'})


def _print(request: Request, template: str, document: pdf.Document) -> Response:
    response = render(request, template, {
        "event": request.state.event, "document": document,
        "qr_svg": qr.svg(document.qr_payload) if document.qr_payload else ""})
    response.headers.update(PRIVATE)
    return response


async def _invoice_document(request: Request) -> pdf.Document:
    invoice = await documents.visible_invoice(
        user=require_user(request), roles=request.state.roles, event=request.state.event,
        invoice_id=request.path_params["invoice_id"])
    return await documents.invoice_document(invoice, verifier=_verifier(request),
                                            locale=get_locale())


async def _receipt_document(request: Request) -> tuple[pdf.Document, str]:
    payment = await documents.visible_receipt(
        user=require_user(request), roles=request.state.roles, event=request.state.event,
        payment_id=request.path_params["payment_id"])
    fallback = "refund" if payment.kind == PaymentKind.REFUND else "receipt"
    document = await documents.receipt_document(payment, verifier=_verifier(request),
                                                locale=get_locale())
    return document, f"{fallback}-{payment.id}"


@event_role(Role.COMMITTEE, Role.EXHIBITOR)
async def invoice_pdf(request: Request) -> Response:
    document = await _invoice_document(request)
    return _pdf(await documents.render(document), document,
                f"invoice-{request.path_params['invoice_id']}")


@event_role(Role.COMMITTEE, Role.EXHIBITOR)
async def invoice_print(request: Request) -> Response:
    return _print(request, "payments/print_invoice.html", await _invoice_document(request))


@event_role(Role.COMMITTEE, Role.EXHIBITOR)
async def receipt_pdf(request: Request) -> Response:
    document, fallback = await _receipt_document(request)
    return _pdf(await documents.render(document), document, fallback)


@event_role(Role.COMMITTEE, Role.EXHIBITOR)
async def receipt_print(request: Request) -> Response:
    document, _fallback = await _receipt_document(request)
    return _print(request, "payments/print_receipt.html", document)


@event_role(Role.COMMITTEE, Role.EXHIBITOR)
async def credit_pdf(request: Request) -> Response:
    note = await documents.visible_credit_note(
        user=require_user(request), roles=request.state.roles, event=request.state.event,
        note_id=request.path_params["note_id"])
    document = await documents.credit_document(note, verifier=_verifier(request),
                                               locale=get_locale())
    return _pdf(await documents.render(document), document, f"credit-note-{note.id}")


@public
async def check(request: Request) -> Response:
    """Anyone holding the paper may scan it: the token is signed, the page shows no
    personal data, and a forged code is the 404 page."""
    checked = await documents.check(slug=request.path_params["slug"],
                                    token=request.path_params["token"],
                                    verifier=_verifier(request))
    response = render(request, "payments/check.html", {"checked": checked,
                                                        "event": checked.event})
    response.headers.update({**PRIVATE, "X-Robots-Tag": "noindex"})
    return response


P = "/manage/e/{slug}"
routes: list[BaseRoute] = [
    Route(P + "/invoices/{invoice_id:pk}.pdf", invoice_pdf, name="payments.invoice_pdf"),
    Route(P + "/invoices/{invoice_id:pk}/print", invoice_print, name="payments.invoice_print"),
    Route(P + "/receipts/{payment_id:pk}.pdf", receipt_pdf, name="payments.receipt_pdf"),
    Route(P + "/receipts/{payment_id:pk}/print", receipt_print, name="payments.receipt_print"),
    Route(P + "/credit-notes/{note_id:pk}.pdf", credit_pdf, name="payments.credit_pdf"),
    Route(documents.CHECK_PATH, check, name="payments.check"),
]
