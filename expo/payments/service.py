"""Payments: a producer's transfer proof, the committee's verification queue, payments
recorded from a statement, the gateway or the cash desk, receipts, and refunds.

Every way money arrives ends in ``settle``, inside one transaction with the payment row:
the invoice's ``paid`` grows by one conditional UPDATE, a receipt number (``KW/...``) is
taken, and the producer is told. A pending payment leaves ``pending`` by one conditional
UPDATE: of two committee members confirming it at once, one records it and the other is told
it was decided already.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tortoise.expressions import F, Subquery

from expo.accounts.models import User
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError, found
from expo.events.models import Event
from expo.exhibitors import uploads
from expo.i18n import gettext as _
from expo.offload import in_thread

from . import invoices, notify, numbering
from .models import (
    Charge,
    GatewayNotice,
    Invoice,
    InvoiceStatus,
    Method,
    Payment,
    PaymentKind,
    PaymentState,
    StatementLine,
)

MAX_PENDING_PROOFS = 3


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def get_payment(*, event: Event, payment_id: int) -> Payment:
    return found(await Payment.get_or_none(id=payment_id, event_id=event.id),
                 _("This payment does not exist."))


async def payments_of(invoice: Invoice) -> list[Payment]:
    return await Payment.filter(invoice_id=invoice.id).order_by("id")


async def pending_queue(event: Event) -> list[Payment]:
    return await Payment.filter(event_id=event.id, state=PaymentState.PENDING).order_by(
        "created_at").select_related("invoice")


def _payable(invoice: Invoice) -> None:
    if invoice.status != InvoiceStatus.ISSUED or invoice.balance <= 0:
        raise DomainError(_("This invoice is not waiting for a payment."), "not_open",
                          status_code=409)


# ---- the producer's transfer proof --------------------------------------------------------

async def submit_proof(*, invoice: Invoice, data: bytes, amount: int, paid_on: dt.date,
                       note: str, by: User, uploads_dir: Path) -> Payment:
    """Record a transfer the producer made, with its proof (PDF, JPEG or PNG), for the
    committee to verify."""
    if amount <= 0:
        raise DomainError(_("Write the amount you transferred."), "amount",
                          field="amount")
    event = await invoice.event
    if paid_on > invoices.today(event) + dt.timedelta(days=1):
        raise DomainError(_("The transfer date cannot be in the future."), "paid_on_future",
                          field="paid_on")
    uploads.check_size(data, uploads.MAX_DOCUMENT_BYTES)
    if uploads.sniff(data) is None:
        raise DomainError(_("Upload a PDF, JPEG or PNG file."), "file_type",
                          field="proof")
    stored, mime = await in_thread(uploads.save_document, uploads_dir=uploads_dir, data=data)
    try:
        async with atomic():
            locked = found(await Invoice.filter(id=invoice.id).select_for_update().first())
            _payable(locked)
            waiting = await Payment.filter(invoice_id=invoice.id,
                                           state=PaymentState.PENDING).count()
            if waiting >= MAX_PENDING_PROOFS:
                raise DomainError(_("Your earlier proofs are still being checked. Wait for the "
                                    "committee before sending another."), "too_many_proofs",
                                  status_code=429)
            payment = await Payment.create(
                invoice_id=invoice.id, event_id=event.id, method=Method.TRANSFER,
                state=PaymentState.PENDING, amount=amount, paid_on=paid_on,
                payer_note=note[:300], proof=stored, proof_mime=mime, submitted_by_id=by.id)
            await log_action(action="expo.payment.proof_sent", actor=by, event=event,
                             obj=payment, summary=f"Transfer proof for {locked.number}: {amount}")
            return payment
    except BaseException:
        uploads.delete_document(uploads_dir, stored)
        raise


def proof_path(uploads_dir: Path, payment: Payment) -> Path:
    if not payment.proof:
        raise DomainError(_("This payment has no proof attached."), "no_proof", status_code=404)
    return uploads.document_path(uploads_dir, payment.proof)


# ---- settling -----------------------------------------------------------------------------

async def settle(*, payment: Payment, by: User | None) -> Payment:
    """A confirmed payment lands on its invoice: call inside the confirming transaction."""
    invoice = await Invoice.get(id=payment.invoice_id)
    event = await invoice.event
    policy = await invoices.policy_for(event)
    changed = await Invoice.filter(id=invoice.id, status=InvoiceStatus.ISSUED).update(
        paid=F("paid") + payment.amount)
    if not changed:
        raise DomainError(_("This invoice is not waiting for a payment."), "not_open",
                          status_code=409)
    seq = await numbering.take(event_id=event.id, kind=numbering.RECEIPT)
    payment.receipt_number = numbering.format_number(numbering.RECEIPT, policy.prefix, seq)
    await payment.save(update_fields=["receipt_number"])
    invoice = await Invoice.get(id=invoice.id)
    if invoice.balance <= 0:
        invoice.status, invoice.paid_at, invoice.open_amount = (
            InvoiceStatus.PAID, _now(), None)
        await invoice.save(update_fields=["status", "paid_at", "open_amount"])
        # A proof still waiting is the same money seen another way (a statement line, the
        # gateway): it leaves the queue, marked, without a "rejected" notice.
        await Payment.filter(invoice_id=invoice.id, state=PaymentState.PENDING).update(
            state=PaymentState.SUPERSEDED, decided_at=_now(),
            reason=_("Paid in full: receipt %(number)s", number=payment.receipt_number))
    await log_action(action="expo.payment.confirmed", actor=by, event=event, obj=payment,
                     summary=f"{payment.method} {payment.amount} on {invoice.number}: "
                             f"receipt {payment.receipt_number}")
    await notify.payment_received(invoice=invoice, payment=payment, event=event)
    return payment


async def verify(*, payment: Payment, by: User) -> Payment:
    async with atomic():
        changed = await Payment.filter(id=payment.id, state=PaymentState.PENDING).update(
            state=PaymentState.CONFIRMED, decided_by_id=by.id, decided_at=_now())
        if not changed:
            raise DomainError(_("Someone has decided on this payment already."), "decided",
                              status_code=409)
        return await settle(payment=await Payment.get(id=payment.id), by=by)


async def reject(*, payment: Payment, reason: str, by: User) -> Payment:
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Write the reason: the producer reads it."), "reason_missing",
                          field="reason")
    async with atomic():
        changed = await Payment.filter(id=payment.id, state=PaymentState.PENDING).update(
            state=PaymentState.REJECTED, decided_by_id=by.id, decided_at=_now(),
            reason=reason[:300])
        if not changed:
            raise DomainError(_("Someone has decided on this payment already."), "decided",
                              status_code=409)
        payment = await Payment.get(id=payment.id)
        invoice = await Invoice.get(id=payment.invoice_id)
        event = await invoice.event
        await log_action(action="expo.payment.rejected", actor=by, event=event, obj=payment,
                         summary=f"Proof for {invoice.number} rejected", data={"reason": reason})
        await notify.payment_rejected(invoice=invoice, payment=payment, event=event)
        return payment


async def record(*, invoice: Invoice, method: Method, amount: int, paid_on: dt.date,
                 reference: str, by: User | None, provider: str = "",
                 provider_ref: str | None = None,
                 statement_line: StatementLine | None = None) -> Payment:
    """A payment known to have arrived (cash at the desk, a statement line the committee
    confirmed, a gateway settlement): recorded confirmed and settled at once."""
    if amount <= 0:
        raise DomainError(_("The amount must be at least Rp 1."), "amount",
                          field="amount")
    async with atomic():
        locked = found(await Invoice.filter(id=invoice.id).select_for_update().first())
        _payable(locked)
        payment = await Payment.create(
            invoice_id=invoice.id, event_id=locked.event_id, method=method,
            state=PaymentState.CONFIRMED, amount=amount, paid_on=paid_on,
            reference=reference[:100], provider=provider, provider_ref=provider_ref,
            statement_line_id=statement_line.id if statement_line else None,
            decided_by_id=by.id if by else None, decided_at=_now())
        return await settle(payment=payment, by=by)


# ---- refunds ------------------------------------------------------------------------------

async def refund(*, invoice: Invoice, amount: int, method: Method, reference: str,
                 reason: str, by: User) -> Payment:
    """Money paid back: a refund row and a credit note; a full refund closes the invoice."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Write the reason: it is printed on the credit note."),
                          "reason_missing", field="reason")
    async with atomic():
        locked = found(await Invoice.filter(id=invoice.id).select_for_update().first())
        refundable = locked.paid
        if locked.status not in (InvoiceStatus.PAID, InvoiceStatus.ISSUED) or refundable <= 0:
            raise DomainError(_("Nothing has been paid on this invoice to refund."),
                              "nothing_paid", status_code=409)
        if amount <= 0 or amount > refundable:
            raise DomainError(_("The refund must be between Rp 1 and what was paid."),
                              "refund_amount", field="amount")
        event = await locked.event
        note = await invoices.write_credit_note(locked, amount, reason, by)
        payment = await Payment.create(
            invoice_id=locked.id, event_id=event.id, kind=PaymentKind.REFUND, method=method,
            state=PaymentState.CONFIRMED, amount=amount, paid_on=invoices.today(event),
            reference=reference[:100], reason=f"{note.number}: {reason}"[:300],
            decided_by_id=by.id, decided_at=_now())
        locked.refunded += amount
        locked.credited += amount
        locked.paid -= amount
        if locked.paid <= 0:
            await invoices.close(locked, InvoiceStatus.REFUNDED)
        await locked.save()
        await log_action(action="expo.payment.refunded", actor=by, event=event, obj=payment,
                         summary=f"Refund {amount} on {locked.number}", data={"reason": reason})
        return payment


async def gateway_log(event: Event, limit: int = 10) -> list[GatewayNotice]:
    """The latest gateway notifications about this event's charges (forged calls naming no
    known order are in the server log and the superuser's view, not here)."""
    orders = Charge.filter(invoice__event_id=event.id).values_list("order_id", flat=True)
    return await GatewayNotice.filter(order_id__in=Subquery(orders)).order_by("-id").limit(limit)
