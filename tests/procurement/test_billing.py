"""The producer's invoices and the buyer's payments of an order."""

from __future__ import annotations

import datetime as dt

import pytest

from expo.audit.models import AuditEntry
from expo.errors import DomainError, Forbidden
from expo.outbox import OutboxMessage
from expo.procurement import billing, orders
from expo.procurement.models import OrderPayment, PayMethod, RequestItem
from tests.procurement.factories import (
    TODAY,
    buyer_org,
    listed_producer,
    office_user,
    open_request,
    quoted,
)

pytestmark = pytest.mark.asyncio


async def _order(*, requires_approval: bool = False):
    buyer = await buyer_org(requires_approval=requires_approval)
    req = await open_request(buyer)
    item = (await RequestItem.filter(request_id=req.id))[0]
    seller = await listed_producer()
    quote = await quoted(item, seller, quantity=100, unit_price=50_000)  # 5,000,000
    (order,) = await orders.award(request=req, choices={quote.id: 100}, by=buyer.officer,
                                  today=TODAY)
    return buyer, seller, order


async def test_invoices_up_to_the_order_total(db):
    buyer, seller, order = await _order()
    invoice = await billing.add_invoice(order=order, by=seller.user, number="INV-01",
                                        amount=3_000_000, issued_on=TODAY)
    assert invoice.due_on == TODAY + dt.timedelta(days=30)
    with pytest.raises(DomainError) as exc:
        await billing.add_invoice(order=order, by=buyer.officer, number="INV-02",
                                  amount=2_000_001, issued_on=TODAY)
    assert (exc.value.code, exc.value.data["field"]) == ("invoice_amount", "amount")
    with pytest.raises(DomainError) as exc:
        await billing.add_invoice(order=order, by=seller.user, number="INV-01",
                                  amount=1, issued_on=TODAY)
    assert exc.value.code == "invoice_number"
    with pytest.raises(DomainError) as exc:
        await billing.add_invoice(order=order, by=seller.user, number="INV-03", amount=1,
                                  issued_on=TODAY, due_on=TODAY - dt.timedelta(days=1))
    assert exc.value.code == "due_before"
    await billing.add_invoice(order=order, by=buyer.officer, number="INV-02",
                              amount=2_000_000, issued_on=TODAY, due_on=TODAY)
    stranger = await listed_producer()
    with pytest.raises(Forbidden):
        await billing.add_invoice(order=order, by=stranger.user, number="X", amount=1,
                                  issued_on=TODAY)
    summary = await billing.summary(order, today=TODAY)
    assert (summary.invoiced, summary.invoiceable, summary.paid) == (5_000_000, 0, 0)
    assert await AuditEntry.filter(action="procurement.invoice.added").count() == 2


async def test_no_invoice_before_the_order_is_issued(db):
    buyer, seller, order = await _order(requires_approval=True)
    with pytest.raises(DomainError) as exc:
        await billing.add_invoice(order=order, by=seller.user, number="INV-1", amount=1,
                                  issued_on=TODAY)
    assert exc.value.code == "not_billable"


async def test_payments_by_the_buyers_staff_up_to_what_is_owed(db):
    buyer, seller, order = await _order()
    with pytest.raises(Forbidden):
        await billing.add_payment(order=order, by=seller.user, amount=1,
                                  method=PayMethod.TRANSFER, paid_on=TODAY, reference="",
                                  today=TODAY)
    with pytest.raises(Forbidden):  # the office does not pay for an agency
        await billing.add_payment(order=order, by=await office_user(), amount=1,
                                  method=PayMethod.TRANSFER, paid_on=TODAY, reference="",
                                  today=TODAY)
    # no invoice yet: up to the order's total
    with pytest.raises(DomainError) as exc:
        await billing.add_payment(order=order, by=buyer.officer, amount=5_000_001,
                                  method=PayMethod.TRANSFER, paid_on=TODAY, reference="",
                                  today=TODAY)
    assert exc.value.code == "payment_amount"
    await billing.add_invoice(order=order, by=seller.user, number="INV-01",
                              amount=2_000_000, issued_on=TODAY)
    paid = await billing.add_payment(order=order, by=buyer.officer, amount=1_500_000,
                                     method=PayMethod.GOV_CARD, paid_on=TODAY,
                                     reference="KKP 1234", today=TODAY)
    assert (paid.method, paid.reference, paid.recorded_by_id) == (
        PayMethod.GOV_CARD, "KKP 1234", buyer.officer.id)
    with pytest.raises(DomainError) as exc:  # invoiced 2,000,000, paid 1,500,000
        await billing.add_payment(order=order, by=buyer.head, amount=500_001,
                                  method=PayMethod.PETTY_CASH, paid_on=TODAY, reference="",
                                  today=TODAY)
    assert exc.value.code == "payment_amount"
    with pytest.raises(DomainError) as exc:
        await billing.add_payment(order=order, by=buyer.head, amount=1,
                                  method=PayMethod.PETTY_CASH,
                                  paid_on=TODAY + dt.timedelta(days=3), reference="",
                                  today=TODAY)
    assert exc.value.code == "paid_on_future"
    await billing.add_payment(order=order, by=buyer.head, amount=500_000,
                              method=PayMethod.PETTY_CASH, paid_on=TODAY, reference="",
                              today=TODAY)
    summary = await billing.summary(order, today=TODAY)
    assert (summary.invoiced, summary.paid, summary.balance) == (2_000_000, 2_000_000, 0)
    assert await OrderPayment.filter(order_id=order.id).count() == 2
    assert await OutboxMessage.filter(kind="procurement.payment").count() >= 2
    assert await AuditEntry.filter(action="procurement.payment.recorded").count() == 2


async def test_overdue_when_past_due_invoices_exceed_payments(db):
    buyer, seller, order = await _order()
    await billing.add_invoice(order=order, by=seller.user, number="INV-01", amount=1_000_000,
                              issued_on=TODAY, due_on=TODAY + dt.timedelta(days=10))
    assert not (await billing.summary(order, today=TODAY)).overdue
    late = TODAY + dt.timedelta(days=11)
    assert (await billing.summary(order, today=late)).overdue
    await billing.add_payment(order=order, by=buyer.officer, amount=1_000_000,
                              method=PayMethod.TRANSFER, paid_on=TODAY, reference="SP2D 9",
                              today=TODAY)
    summary = await billing.summary(order, today=late)
    assert not summary.overdue and summary.balance == 0
