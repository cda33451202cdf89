"""The committee's totals, counted by the database, on a small event: five invoices (two paid,
by transfer and by QRIS, one refunded in part, one overdue, one credited, one free), a draft
and another event's invoice that must not count."""

from __future__ import annotations

import datetime as dt

import pytest

from expo.events.models import Event
from expo.exhibitors.models import Category
from expo.payments import invoices, service, totals
from expo.payments.models import FeePolicy, Invoice, InvoiceStatus, Method
from expo.payments.totals import DayTotal, MethodTotal
from tests.factories import make_user
from tests.payments.factories import fee_event, held_stand, issued_invoice

pytestmark = pytest.mark.usefixtures("db")


async def _pay(invoice: Invoice, method: Method, paid_on: dt.date) -> None:
    await service.record(invoice=invoice, method=method, amount=invoice.balance,
                         paid_on=paid_on, reference="", by=None)


async def _other_event(prefix: str, **policy: object) -> Event:
    """Another event (numbers are unique across events: its own prefix)."""
    event = await fee_event(**policy)
    await FeePolicy.filter(event_id=event.id).update(prefix=prefix)
    return event


async def test_totals_by_status_method_day_and_overall() -> None:
    event = await fee_event(subsidy_percent=10, free_categories=[Category.KULINER.value])
    today = invoices.today(event)
    by = await make_user()
    transfer, qris, overdue, credited = [
        await issued_invoice(await held_stand(event, code=code)) for code in "ABCD"]
    free = await issued_invoice(await held_stand(event, code="E", category=Category.KULINER))
    assert free.status == InvoiceStatus.FREE
    await _pay(transfer, Method.TRANSFER, today - dt.timedelta(days=1))
    await _pay(qris, Method.QRIS, today)
    await service.refund(invoice=await Invoice.get(id=transfer.id), amount=100_000,
                         method=Method.TRANSFER, reference="TRF", reason="Stan digeser", by=by)
    await invoices.credit(invoice=credited, amount=5_000, reason="Stan lebih kecil", by=by)
    await Invoice.filter(id=overdue.id).update(due_on=today - dt.timedelta(days=2))
    other = await _other_event("OTHER")
    await _pay(await issued_invoice(await held_stand(other)), Method.CASH, today)
    draft_event = await _other_event("DRAFTS", auto_issue=False)
    await issued_invoice(await held_stand(draft_event))

    result = await totals.totals(event)

    assert (result.status(InvoiceStatus.PAID).count, result.status(InvoiceStatus.ISSUED).count,
            result.status(InvoiceStatus.FREE).count) == (2, 2, 1)
    assert result.status(InvoiceStatus.DRAFT).count == 0
    assert [s.status for s in result.by_status] == [
        InvoiceStatus.ISSUED, InvoiceStatus.PAID, InvoiceStatus.FREE]
    assert result.invoiced == sum(i.total for i in (transfer, qris, overdue, credited, free))
    assert result.paid == transfer.total + qris.total
    assert result.status(InvoiceStatus.PAID).paid == transfer.total + qris.total - 100_000
    assert result.refunded == 100_000 and result.received == result.paid - 100_000
    assert result.credited == 105_000
    assert result.by_method == [MethodTotal(Method.TRANSFER, 1, transfer.total),
                                MethodTotal(Method.QRIS, 1, qris.total)]
    assert result.refunds_by_method == [MethodTotal(Method.TRANSFER, 1, 100_000)]
    assert result.by_day == [DayTotal(today - dt.timedelta(days=1), 1, transfer.total),
                             DayTotal(today, 1, qris.total)]
    assert result.outstanding == overdue.total + credited.total - 5_000
    assert (result.overdue_count, result.overdue_amount) == (1, overdue.total)
    assert result.subsidy == 4 * 35_000 + 350_000


async def test_totals_of_an_event_without_invoices_are_zero() -> None:
    event = await fee_event()
    result = await totals.totals(event)
    assert result.by_status == [] and result.by_method == [] and result.by_day == []
    assert (result.invoiced, result.paid, result.outstanding, result.overdue_count,
            result.subsidy) == (0, 0, 0, 0, 0)


async def test_drafts_are_counted_apart_from_what_was_invoiced() -> None:
    event = await fee_event(auto_issue=False)
    draft = await issued_invoice(await held_stand(event))
    result = await totals.totals(event, on=dt.date(2099, 1, 1))
    assert result.status(InvoiceStatus.DRAFT).count == 1
    assert result.status(InvoiceStatus.DRAFT).invoiced == draft.total
    assert result.invoiced == 0 and result.overdue_count == 0
