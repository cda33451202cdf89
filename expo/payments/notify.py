"""Notices to producers about their booth fee: the invoice issued (with the amount to
transfer), a payment received (with the receipt), a transfer proof rejected (with the reason),
reminders before and after the due date, and the booth released for non-payment.

Sent through ``expo.exhibitors.notify.tell`` inside the transaction of the change, in the
producer's language; each notice is keyed by what it is about, so asking twice is one message.
"""

from __future__ import annotations

from expo.events.models import Event
from expo.exhibitors.models import Application, Producer
from expo.exhibitors.notify import Notice, shorten, tell
from expo.i18n import format_date, format_idr
from expo.i18n import gettext as _
from expo.outbox import OutboxMessage

from .models import FeePolicy, Invoice, Payment


def invoice_path(event: Event) -> str:
    return f"/manage/e/{event.slug}/invoice"


async def _producer(invoice: Invoice) -> Producer:
    application = await Application.get(id=invoice.application_id).select_related("producer")
    return application.producer


async def invoice_issued(*, invoice: Invoice, event: Event,
                         policy: FeePolicy) -> list[OutboxMessage]:
    def compose() -> Notice:
        bank = (_(" to %(bank)s %(account)s (%(holder)s)", bank=policy.bank_name,
                  account=policy.account_number, holder=policy.account_holder)
                if policy.account_number else "")
        return Notice(
            _("Invoice %(number)s for your booth at %(event)s", number=invoice.number,
              event=event.name),
            _("Please transfer exactly %(amount)s%(bank)s by %(due)s, then send the transfer "
              "proof on your invoice page.", amount=format_idr(invoice.total), bank=bank,
              due=format_date(invoice.due_on, "long")))

    return await tell(producer=await _producer(invoice), kind="payments.invoice",
                      key=f"invoice:{invoice.id}:issued", event_id=event.id,
                      path=invoice_path(event), compose=compose)


async def payment_received(*, invoice: Invoice, payment: Payment,
                           event: Event) -> list[OutboxMessage]:
    def compose() -> Notice:
        return Notice(
            _("Payment received: %(number)s", number=payment.receipt_number),
            _("We received %(amount)s for invoice %(invoice)s. Your receipt %(number)s is on "
              "your invoice page.", amount=format_idr(payment.amount), invoice=invoice.number,
              number=payment.receipt_number))

    return await tell(producer=await _producer(invoice), kind="payments.received",
                      key=f"payment:{payment.id}:received", event_id=event.id,
                      path=invoice_path(event), compose=compose)


async def payment_rejected(*, invoice: Invoice, payment: Payment,
                           event: Event) -> list[OutboxMessage]:
    def compose() -> Notice:
        return Notice(
            _("Transfer proof not accepted: %(number)s", number=invoice.number),
            _("The committee could not accept your transfer proof for %(number)s: "
              "“%(reason)s”. Send a new proof on your invoice page.", number=invoice.number,
              reason=shorten(payment.reason, 300)))

    return await tell(producer=await _producer(invoice), kind="payments.rejected",
                      key=f"payment:{payment.id}:rejected", event_id=event.id,
                      path=invoice_path(event), compose=compose)


async def reminder(*, invoice: Invoice, event: Event, stage: str) -> list[OutboxMessage]:
    """``stage``: ``soon`` (three days before the due date), ``due`` (on it), ``late``."""

    def compose() -> Notice:
        amount, due = format_idr(invoice.balance), format_date(invoice.due_on, "long")
        if stage == "late":
            text = _("Invoice %(number)s (%(amount)s) was due on %(due)s and is not paid yet. "
                     "Pay it now to keep your booth.", number=invoice.number, amount=amount,
                     due=due)
        else:
            text = _("Invoice %(number)s (%(amount)s) is due on %(due)s. Pay it on time to keep "
                     "your booth.", number=invoice.number, amount=amount, due=due)
        return Notice(_("Reminder: invoice %(number)s", number=invoice.number), text)

    return await tell(producer=await _producer(invoice), kind="payments.reminder",
                      key=f"invoice:{invoice.id}:remind:{stage}", event_id=event.id,
                      path=invoice_path(event), compose=compose)


async def booth_released(*, invoice: Invoice, event: Event,
                         codes: list[str]) -> list[OutboxMessage]:
    def compose() -> Notice:
        return Notice(
            _("Booth released: invoice %(number)s unpaid", number=invoice.number),
            _("Invoice %(number)s was not paid by %(due)s, so booth %(codes)s went to the next "
              "exhibitor on the waitlist, as the event's rules say. Contact the committee if "
              "you paid.", number=invoice.number, due=format_date(invoice.due_on, "long"),
              codes=", ".join(codes)))

    return await tell(producer=await _producer(invoice), kind="payments.released",
                      key=f"invoice:{invoice.id}:released", event_id=event.id,
                      path=invoice_path(event), compose=compose)
