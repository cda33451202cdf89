"""The booth-fee sheets of the event workbook: Invoices and Payments.

Like the other big sheets (``sheets``), each is a ``Source`` read in chunks ordered by id,
with labels in the reader's language, never the stored keys. An event that charges nothing
(no invoice at all) gets neither sheet rather than two empty ones.

The exhibitor is the business name the invoice copied when it was issued (what the document
says); the Payments sheet lists refunds too, with their kind, and amounts as positive numbers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from expo.events.models import Event
from expo.i18n import gettext as _
from expo.payments import invoices
from expo.payments.models import (
    Invoice,
    InvoiceStatus,
    Method,
    Payment,
    PaymentKind,
    PaymentState,
)
from expo.reports.source import Row, Source, local
from expo.xlsx import Column


def _date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _aware(value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


async def _invoices(event: Event) -> Source:
    statuses = InvoiceStatus.labels()
    today = invoices.today(event)
    yes, no = _("yes"), _("no")

    async def fetch(after: int, limit: int) -> list[Row]:
        rows = await Invoice.filter(event_id=event.id, id__gt=after).order_by("id").limit(
            limit).values_list(
            "id", "number", "status", "buyer_name", "application__producer__business_name",
            "application__producer__kabupaten", "issued_on", "due_on", "subtotal",
            "unique_code", "total", "credited", "paid", "refunded")
        out: list[Row] = []
        for r in rows:
            balance = int(r[10]) - int(r[11]) - int(r[12])
            due = _date(r[7])
            overdue = (str(r[2]) == InvoiceStatus.ISSUED and due is not None and due < today
                       and balance > 0)
            out.append((r[0], r[1] or "", statuses.get(str(r[2]), str(r[2])), r[3] or r[4],
                        r[5], _date(r[6]), due, r[8], r[9], r[10], r[11], r[12], r[13],
                        balance, yes if overdue else no))
        return out

    return Source(_("Invoices"), [
        Column(_("Invoice no."), width=20), Column(_("Status"), width=18),
        Column(_("Exhibitor"), width=30), Column(_("Kabupaten/kota"), width=22),
        Column(_("Issued"), "date", 12), Column(_("Due"), "date", 12),
        Column(_("Subtotal (IDR)"), "idr", 15), Column(_("Unique code"), "int", 11),
        Column(_("Total (IDR)"), "idr", 15), Column(_("Credited (IDR)"), "idr", 15),
        Column(_("Paid (IDR)"), "idr", 15), Column(_("Refunded (IDR)"), "idr", 15),
        Column(_("Balance (IDR)"), "idr", 15), Column(_("Overdue"), width=9)],
        lambda: Invoice.filter(event_id=event.id).count(), fetch,
        notes=[_("Paid is net of refunds. Balance = total − credited − paid.")])


async def _payments(event: Event, tz: ZoneInfo) -> Source:
    kinds, methods, states = PaymentKind.labels(), Method.labels(), PaymentState.labels()

    async def fetch(after: int, limit: int) -> list[Row]:
        rows = await Payment.filter(event_id=event.id, id__gt=after).order_by("id").limit(
            limit).values_list(
            "id", "receipt_number", "invoice__number", "invoice__buyer_name", "kind", "method",
            "state", "amount", "paid_on", "reference", "decided_by__name", "decided_at")
        return [(r[0], r[1] or "", r[2] or "", r[3], kinds.get(str(r[4]), str(r[4])),
                 methods.get(str(r[5]), str(r[5])), states.get(str(r[6]), str(r[6])), r[7],
                 _date(r[8]), r[9], r[10] or "", local(_aware(r[11]), tz)) for r in rows]

    return Source(_("Payments"), [
        Column(_("Receipt no."), width=20), Column(_("Invoice no."), width=20),
        Column(_("Exhibitor"), width=30), Column(_("Kind"), width=12),
        Column(_("Method"), width=16), Column(_("State"), width=22),
        Column(_("Amount (IDR)"), "idr", 15), Column(_("Date paid"), "date", 12),
        Column(_("Reference"), width=22), Column(_("Decided by"), width=22),
        Column(_("Decided at"), "datetime", 17)],
        lambda: Payment.filter(event_id=event.id).count(), fetch)


async def sources(event: Event) -> list[Source]:
    """The Invoices and Payments sheets, or none for an event without invoices."""
    if not await Invoice.filter(event_id=event.id).exists():
        return []
    return [await _invoices(event), await _payments(event, invoices.zone_of(event))]
