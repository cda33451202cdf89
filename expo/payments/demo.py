"""Demo: the fee policy of hkn2027 (Bank Kaltimtara account, free booths in the regency
gallery, a refundable deposit, extras) and invoices in every state: a draft, paid by transfer,
paid by QRIS, overdue, refunded, free, and one awaiting payment whose transfer proof waits in
the committee's queue. Their booths are confirmed.

Runs after ``expo.booths.demo`` (it invoices that demo's booth holders). The first holder,
the demo's "exhibitor with a booth", and the holders after the sixth priced one are left
alone: confirming their booth makes their invoice.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from expo.booths.models import Booth
from expo.events.demo import DemoContext
from expo.exhibitors.models import Application

from . import invoices, service
from .models import Charge, ChargeState, FeePolicy, Invoice, InvoiceStatus, Method, Payment

EXTRAS = [{"code": "meja", "label": "Meja tambahan", "price": 50_000},
          {"code": "kursi", "label": "Kursi tambahan (2)", "price": 25_000},
          {"code": "listrik", "label": "Listrik tambahan 900 W", "price": 150_000}]


async def _policy(ctx: DemoContext) -> FeePolicy:
    policy = await invoices.policy_for(ctx.event)
    policy.prefix = "HKN2027"
    policy.bank_name = "Bank Kaltimtara"
    policy.account_number = "0011 2233 4455"
    policy.account_holder = "Panitia HKN Kaltim 2027"
    policy.treasurer = "Rina Marlina, Bendahara Panitia"
    policy.deposit = 100_000
    policy.due_days = 14
    policy.extras = EXTRAS
    policy.release_after_days = 3
    await policy.save()
    return policy


async def _issued(ctx: DemoContext, application: Application) -> Invoice:
    invoice = await invoices.draft_for(event=ctx.event, application=application,
                                       by=ctx.users["committee"])
    return await invoices.issue(invoice=invoice, by=ctx.users["committee"])


async def _backdate(invoice: Invoice, days: int) -> Invoice:
    """Issued ``days`` ago (the demo's history), due 14 days after."""
    issued = invoice.issued_on or dt.date.today()
    await Invoice.filter(id=invoice.id).update(
        issued_on=issued - dt.timedelta(days=days),
        due_on=issued - dt.timedelta(days=days) + dt.timedelta(days=14))
    return await Invoice.get(id=invoice.id)


async def load(ctx: DemoContext) -> None:
    await _policy(ctx)
    committee = ctx.users["committee"]
    held = await Booth.filter(event=ctx.event, holder_id__not_isnull=True).order_by("id")
    apps: list[Application] = []
    for booth in held:
        if booth.holder_id == ctx.marks.get("booth holder"):  # type: ignore[attr-defined]
            continue  # the demo's "exhibitor with a booth" confirms it in the journey
        app = await Application.get(id=booth.holder_id).select_related("producer")  # type: ignore[attr-defined]
        if all(a.id != app.id for a in apps):
            apps.append(app)
    fee = {a.id: await _fee(a) for a in apps}
    paid_apps = [a for a in apps if fee[a.id] > 0]
    free_apps = [a for a in apps if fee[a.id] == 0]
    if len(paid_apps) < 6:
        return
    transfer, qris, refunded, overdue, proof, draft = paid_apps[:6]
    await Booth.filter(holder_id__in=[a.id for a in (*paid_apps[:6], *free_apps[:3])]).update(
        confirmed_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=20))

    await invoices.draft_for(event=ctx.event, application=draft, by=committee)

    paid = await _backdate(await _issued(ctx, transfer), 9)
    await service.record(invoice=paid, method=Method.TRANSFER, amount=paid.total,
                         paid_on=_after(paid, 2),
                         reference="TRSF E-BANKING CR", by=committee)

    by_qris = await _backdate(await _issued(ctx, qris), 5)
    order = (by_qris.number or "").replace("/", "-") + "-1"
    transaction = hashlib.sha256(order.encode()).hexdigest()[:32]
    await Charge.create(invoice_id=by_qris.id, provider="midtrans", order_id=order,
                        method="qris", amount=by_qris.balance, state=ChargeState.PAID,
                        transaction_id=transaction)
    await service.record(invoice=by_qris, method=Method.QRIS, amount=by_qris.balance,
                         paid_on=_after(by_qris, 1),
                         reference=transaction, by=None, provider="midtrans",
                         provider_ref=f"midtrans:{transaction}")

    await _backdate(await _issued(ctx, overdue), 20)

    back = await _backdate(await _issued(ctx, refunded), 12)
    await service.record(invoice=back, method=Method.TRANSFER, amount=back.total,
                         paid_on=_after(back, 1),
                         reference="TRSF E-BANKING CR", by=committee)
    await service.refund(invoice=back, amount=back.total, method=Method.TRANSFER,
                         reference="Pengembalian via Bank Kaltimtara",
                         reason="Produsen batal ikut karena sakit", by=committee)

    pending = await _issued(ctx, proof)
    await Payment.create(invoice_id=pending.id, event_id=ctx.event.id, method=Method.TRANSFER,
                         amount=pending.total, paid_on=pending.issued_on,
                         payer_note="Transfer dari rekening suami (a.n. Rahmat)",
                         submitted_by_id=None)

    for app in free_apps[:3]:
        invoice = await _issued(ctx, app)
        assert invoice.status == InvoiceStatus.FREE


def _after(invoice: Invoice, days: int) -> dt.date:
    return (invoice.issued_on or dt.date.today()) + dt.timedelta(days=days)


async def _fee(application: Application) -> int:
    prices = await Booth.filter(holder_id=application.id).values_list("price", flat=True)
    return sum(int(p) for p in prices)  # type: ignore[call-overload]
