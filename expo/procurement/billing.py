"""The producer's invoices for an order and the buyer's payments of them.

An invoice (the producer's own number) is recorded by the producer or the buyer's staff; all
invoices of an order add up to at most its total. A payment (bank transfer, government credit
card, petty cash) is recorded by the buyer's staff, up to what is invoiced and unpaid (or the
order's total while there is no invoice); the producer is told. Both run in one transaction
with the order's row locked, so two clerks at once cannot pass the limit together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tortoise.functions import Sum

from expo.accounts.models import User
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError, Forbidden, found
from expo.exhibitors.models import Producer
from expo.exhibitors.notify import Notice, tell
from expo.i18n import format_idr
from expo.i18n import gettext as _

from . import orders
from .models import (
    BuyerMember,
    OrderInvoice,
    OrderPayment,
    OrderStatus,
    PayMethod,
    PurchaseOrder,
)

DUE_DAYS = 30
BILLABLE = (OrderStatus.ISSUED, OrderStatus.PARTLY_DELIVERED, OrderStatus.DELIVERED)


@dataclass
class Summary:
    total: int
    invoiced: int
    paid: int
    invoices: list[OrderInvoice]
    payments: list[OrderPayment]
    overdue: bool

    @property
    def balance(self) -> int:
        """What is invoiced and not paid yet."""
        return max(self.invoiced - self.paid, 0)

    @property
    def payable(self) -> int:
        """At most what a new payment may be."""
        return max((self.invoiced or self.total) - self.paid, 0)

    @property
    def invoiceable(self) -> int:
        return max(self.total - self.invoiced, 0)


async def _sum(query: object) -> int:
    rows = await query.annotate(s=Sum("amount")).values("s")  # type: ignore[attr-defined]
    return int(rows[0]["s"] or 0) if rows else 0


async def invoiced_of(order_id: int) -> int:
    return await _sum(OrderInvoice.filter(order_id=order_id))


async def paid_of(order_id: int) -> int:
    return await _sum(OrderPayment.filter(order_id=order_id))


def is_overdue(invoices: list[OrderInvoice], paid: int, today: dt.date) -> bool:
    """Past-due invoices (oldest paid first) add up to more than was paid."""
    return sum(i.amount for i in invoices if i.due_on < today) > paid


async def summary(order: PurchaseOrder, *, today: dt.date) -> Summary:
    invoices = await OrderInvoice.filter(order_id=order.id).order_by("issued_on", "id")
    payments = await OrderPayment.filter(order_id=order.id).order_by("paid_on", "id")
    paid = sum(p.amount for p in payments)
    return Summary(total=order.total, invoiced=sum(i.amount for i in invoices), paid=paid,
                   invoices=invoices, payments=payments,
                   overdue=is_overdue(invoices, paid, today))


def _billable(order: PurchaseOrder) -> None:
    if order.status not in BILLABLE:
        raise DomainError(_("Only an issued order can be invoiced or paid."), "not_billable",
                          status_code=409)


async def add_invoice(*, order: PurchaseOrder, by: User, number: str, amount: int,
                      issued_on: dt.date, due_on: dt.date | None = None) -> OrderInvoice:
    """The producer's invoice (its own number), up to what is not invoiced yet."""
    await orders.require_party(by, order)
    number = number.strip()
    if not number:
        raise DomainError(_("Write the invoice's number."), "number_missing", field="number")
    due = due_on or issued_on + dt.timedelta(days=DUE_DAYS)
    if due < issued_on:
        raise DomainError(_("The due date cannot be before the invoice date."), "due_before",
                          field="due_on")
    async with atomic():
        order = found(await PurchaseOrder.filter(id=order.id).select_for_update().first())
        _billable(order)
        room = order.total - await invoiced_of(order.id)
        if amount <= 0 or amount > room:
            raise DomainError(_("The amount must be between Rp 1 and %(max)s not invoiced "
                                "yet.", max=format_idr(max(room, 0))), "invoice_amount",
                              field="amount")
        if await OrderInvoice.exists(order_id=order.id, number=number):
            raise DomainError(_("An invoice with this number is recorded already."),
                              "invoice_number", field="number")
        invoice = await OrderInvoice.create(order_id=order.id, number=number[:40],
                                            amount=amount, issued_on=issued_on, due_on=due,
                                            created_by_id=by.id)
        await log_action(action="procurement.invoice.added", actor=by, obj=invoice,
                         summary=f"{number} {amount} for {order.number}")
        return invoice


async def add_payment(*, order: PurchaseOrder, by: User, amount: int, method: PayMethod,
                      paid_on: dt.date, reference: str, today: dt.date,
                      invoice: OrderInvoice | None = None) -> OrderPayment:
    """A payment by the buyer (its own staff record it), up to what is owed."""
    if not await BuyerMember.exists(organisation_id=order.organisation_id, user_id=by.id):
        raise Forbidden(_("Only the buyer's staff record its payments."), "not_buyer_staff")
    if paid_on > today + dt.timedelta(days=1):
        raise DomainError(_("The payment date cannot be in the future."), "paid_on_future",
                          field="paid_on")
    async with atomic():
        order = found(await PurchaseOrder.filter(id=order.id).select_for_update().first())
        _billable(order)
        invoiced, paid = await invoiced_of(order.id), await paid_of(order.id)
        room = (invoiced or order.total) - paid
        if amount <= 0 or amount > room:
            raise DomainError(_("The amount must be between Rp 1 and %(max)s still owed.",
                                max=format_idr(max(room, 0))), "payment_amount",
                              field="amount")
        payment = await OrderPayment.create(
            order_id=order.id, invoice_id=invoice.id if invoice else None, amount=amount,
            method=method, paid_on=paid_on, reference=reference.strip()[:80],
            recorded_by_id=by.id)
        await log_action(action="procurement.payment.recorded", actor=by, obj=payment,
                         summary=f"{method.value} {amount} for {order.number}")
        await _tell_paid(order, payment)
        return payment


async def _tell_paid(order: PurchaseOrder, payment: OrderPayment) -> None:
    producer = await Producer.get(id=order.producer_id)

    def compose() -> Notice:
        return Notice(_("Payment for order %(number)s", number=order.number),
                      _("The buyer paid %(amount)s for order %(number)s (%(method)s).",
                        amount=format_idr(payment.amount), number=order.number,
                        method=PayMethod(payment.method).label))

    await tell(producer=producer, kind="procurement.payment",
               key=f"order-payment:{payment.id}", event_id=None,
               path=orders.order_path(order), compose=compose)
