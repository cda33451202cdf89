"""How payments react to the booths domain (connected by ``expo.wiring``): a confirmed booth
gets its invoice, a released booth's unpaid invoice is cancelled, and "My booth" shows the
invoice to pay."""

from __future__ import annotations

from expo.accounts.models import User
from expo.booths.models import Booth
from expo.booths.signals import (
    BoothConfirmed,
    BoothNote,
    BoothPageShown,
    BoothReleased,
    booth_confirmed,
    booth_notes,
    booth_released,
)
from expo.events.models import Event
from expo.i18n import format_date, format_idr
from expo.i18n import gettext as _

from . import invoices
from .models import InvoiceStatus


async def _user(user_id: int | None) -> User | None:
    return await User.get_or_none(id=user_id) if user_id else None


async def invoice_confirmed_booth(confirmed: BoothConfirmed) -> None:
    """Same transaction as the confirmation: no confirmed booth without its invoice."""
    event = await Event.get(id=confirmed.event_id)
    await invoices.on_booth_confirmed(event=event, application_id=confirmed.application_id,
                                      by=await _user(confirmed.by_id))


async def cancel_when_released(released: BoothReleased) -> None:
    """The exhibitor holds no booth any more: an unpaid invoice is cancelled (credit note);
    a paid one stays for the committee to refund."""
    if await Booth.filter(holder_id=released.application_id).exists():
        return
    event = await Event.get(id=released.event_id)
    invoice = await invoices.active_invoice(event=event,
                                            application_id=released.application_id)
    if invoice is None or invoice.paid:
        return
    if invoice.status in (InvoiceStatus.DRAFT, InvoiceStatus.ISSUED):
        await invoices.cancel(invoice=invoice, reason=_("Booth released"),
                              by=await _user(released.by_id))


async def invoice_note(shown: BoothPageShown) -> list[BoothNote]:
    event = await Event.get(id=shown.event_id)
    invoice = await invoices.active_invoice(event=event, application_id=shown.application_id)
    if invoice is None or invoice.status == InvoiceStatus.DRAFT:
        return []
    label = _("Open the invoice")
    if invoice.status == InvoiceStatus.ISSUED:
        text = _("Invoice %(number)s: %(amount)s to pay by %(due)s.", number=invoice.number,
                 amount=format_idr(invoice.balance), due=format_date(invoice.due_on, "long"))
        label = _("Pay the booth fee")
    elif invoice.status == InvoiceStatus.FREE:
        text = _("Invoice %(number)s: your booth is free of charge.", number=invoice.number)
    else:
        text = _("Invoice %(number)s: %(status)s.", number=invoice.number,
                 status=InvoiceStatus.label_of(invoice.status))
    return [BoothNote(kind="invoice", text=text, route="payments.mine", route_label=label)]


def connect() -> None:
    booth_confirmed.connect(invoice_confirmed_booth)
    booth_released.connect(cancel_when_released)
    booth_notes.connect(invoice_note)
