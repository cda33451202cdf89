"""Payments: a transfer proof and its verification (once, whoever clicks first), rejection
with a reason, payments recorded at the desk, receipts, refunds, and the due-date job."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from expo.audit.models import AuditEntry
from expo.booths.models import Booth
from expo.errors import DomainError
from expo.outbox import OutboxMessage
from expo.payments import deadlines, invoices, service
from expo.payments.models import Invoice, InvoiceStatus, Method, Payment, PaymentState
from tests.factories import make_user
from tests.payments.factories import fee_event, held_stand, issued_invoice

pytestmark = pytest.mark.usefixtures("db")

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


async def _proof(invoice: Invoice, tmp_path: Path, amount: int | None = None) -> Payment:
    stand_user = await make_user()
    return await service.submit_proof(invoice=invoice, data=PNG,
                                      amount=amount or invoice.balance,
                                      paid_on=invoices.today(await invoice.event), note="BRI",
                                      by=stand_user, uploads_dir=tmp_path)


async def test_a_verified_proof_pays_the_invoice_and_gives_a_receipt(tmp_path: Path) -> None:
    event = await fee_event()
    invoice = await issued_invoice(await held_stand(event))
    payment = await _proof(invoice, tmp_path)
    assert payment.state == PaymentState.PENDING and (tmp_path / "documents").exists()
    assert [p.id for p in await service.pending_queue(event)] == [payment.id]
    verified = await service.verify(payment=payment, by=await make_user())
    assert verified.receipt_number == "KW/HKN2027/0001"
    invoice = await Invoice.get(id=invoice.id)
    assert invoice.status == InvoiceStatus.PAID and invoice.balance == 0
    assert invoice.open_amount is None and invoice.paid_at is not None
    assert await OutboxMessage.filter(kind="payments.received").exists()
    assert await AuditEntry.filter(action="expo.payment.confirmed").exists()


async def test_two_committee_members_confirming_at_once_record_one_payment(
        tmp_path: Path) -> None:
    event = await fee_event()
    invoice = await issued_invoice(await held_stand(event))
    payment = await _proof(invoice, tmp_path)
    a, b = await make_user(), await make_user()
    results = await asyncio.gather(service.verify(payment=payment, by=a),
                                   service.verify(payment=payment, by=b),
                                   return_exceptions=True)
    errors = [r for r in results if isinstance(r, DomainError)]
    assert len(errors) == 1 and errors[0].code == "decided"
    invoice = await Invoice.get(id=invoice.id)
    assert invoice.paid == invoice.total
    assert await Payment.filter(receipt_number__not_isnull=True).count() == 1


async def test_a_rejected_proof_tells_the_producer_why(tmp_path: Path) -> None:
    event = await fee_event()
    invoice = await issued_invoice(await held_stand(event))
    payment = await _proof(invoice, tmp_path)
    with pytest.raises(DomainError) as caught:
        await service.reject(payment=payment, reason=" ", by=await make_user())
    assert caught.value.code == "reason_missing"
    await service.reject(payment=payment, reason="Nominal tidak terbaca", by=await make_user())
    assert (await Payment.get(id=payment.id)).state == PaymentState.REJECTED
    notice = await OutboxMessage.filter(kind="payments.rejected").first()
    assert notice is not None and "Nominal tidak terbaca" in notice.body
    assert (await Invoice.get(id=invoice.id)).status == InvoiceStatus.ISSUED
    with pytest.raises(DomainError) as caught:
        await service.verify(payment=payment, by=await make_user())
    assert caught.value.code == "decided"


async def test_proofs_are_checked_before_anything_is_stored(tmp_path: Path) -> None:
    event = await fee_event()
    invoice = await issued_invoice(await held_stand(event))
    user = await make_user()
    today = invoices.today(event)
    cases = [(b"GIF89a....", today, "file_type"), (b"", today, "file_empty"),
             (PNG, today + dt.timedelta(days=5), "paid_on_future")]
    for data, paid_on, code in cases:
        with pytest.raises(DomainError) as caught:
            await service.submit_proof(invoice=invoice, data=data, amount=1, paid_on=paid_on,
                                       note="", by=user, uploads_dir=tmp_path)
        assert caught.value.code == code
    for _ in range(service.MAX_PENDING_PROOFS):
        await _proof(invoice, tmp_path)
    with pytest.raises(DomainError) as caught:
        await _proof(invoice, tmp_path)
    assert caught.value.code == "too_many_proofs"
    stored = list((tmp_path / "documents").iterdir())
    assert len(stored) == service.MAX_PENDING_PROOFS  # the refused one left no file behind


async def test_a_payment_for_a_paid_invoice_is_refused(tmp_path: Path) -> None:
    event = await fee_event()
    invoice = await issued_invoice(await held_stand(event))
    committee = await make_user()
    await service.record(invoice=invoice, method=Method.CASH, amount=invoice.total,
                         paid_on=invoices.today(event), reference="Meja panitia", by=committee)
    with pytest.raises(DomainError) as caught:
        await service.record(invoice=invoice, method=Method.CASH, amount=1,
                             paid_on=invoices.today(event), reference="", by=committee)
    assert caught.value.code == "not_open"
    with pytest.raises(DomainError):
        await _proof(await Invoice.get(id=invoice.id), tmp_path)


async def test_part_payments_add_up() -> None:
    event = await fee_event()
    invoice = await issued_invoice(await held_stand(event))
    committee = await make_user()
    first = await service.record(invoice=invoice, method=Method.CASH, amount=100_000,
                                 paid_on=invoices.today(event), reference="", by=committee)
    assert (await Invoice.get(id=invoice.id)).status == InvoiceStatus.ISSUED
    second = await service.record(invoice=invoice, method=Method.TRANSFER,
                                  amount=invoice.total - 100_000,
                                  paid_on=invoices.today(event), reference="", by=committee)
    assert (first.receipt_number, second.receipt_number) == ("KW/HKN2027/0001",
                                                             "KW/HKN2027/0002")
    assert (await Invoice.get(id=invoice.id)).status == InvoiceStatus.PAID


async def test_refunds_are_recorded_with_a_credit_note() -> None:
    event = await fee_event(deposit=100_000)
    invoice = await issued_invoice(await held_stand(event))
    committee = await make_user()
    await service.record(invoice=invoice, method=Method.TRANSFER, amount=invoice.total,
                         paid_on=invoices.today(event), reference="", by=committee)
    deposit_back = await service.refund(invoice=invoice, amount=100_000, method=Method.TRANSFER,
                                        reference="TRF 991", reason="Deposit kembali",
                                        by=committee)
    assert deposit_back.kind == "refund" and deposit_back.reason.startswith("NK/HKN2027/0001")
    invoice = await Invoice.get(id=invoice.id)
    assert invoice.status == InvoiceStatus.PAID and invoice.refunded == 100_000
    with pytest.raises(DomainError) as caught:
        await service.refund(invoice=invoice, amount=invoice.total, method=Method.TRANSFER,
                             reference="", reason="x", by=committee)
    assert caught.value.code == "refund_amount"
    await service.refund(invoice=invoice, amount=invoice.paid, method=Method.CASH,
                         reference="", reason="Acara batal", by=committee)
    invoice = await Invoice.get(id=invoice.id)
    assert invoice.status == InvoiceStatus.REFUNDED and invoice.active_key is None
    assert invoice.balance == 0


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


async def test_reminders_go_once_per_stage() -> None:
    event = await fee_event(due_days=5)
    invoice = await issued_invoice(await held_stand(event))
    assert invoice.due_on is not None
    assert (await deadlines.run(now=_at(invoice.due_on - dt.timedelta(days=4)))).reminded == 0
    for day in (invoice.due_on - dt.timedelta(days=2), invoice.due_on - dt.timedelta(days=1)):
        await deadlines.run(now=_at(day))
    await deadlines.run(now=_at(invoice.due_on))
    await deadlines.run(now=_at(invoice.due_on + dt.timedelta(days=1)))
    keys = sorted(await OutboxMessage.filter(kind="payments.reminder").values_list(
        "key", flat=True))
    stages = [k.split(":")[3] for k in keys if k.endswith(":whatsapp")]
    assert sorted(stages) == ["due", "late", "soon"]  # each once, though the job ran 5 times


async def test_an_overdue_invoice_releases_the_booth_when_the_event_says_so() -> None:
    event = await fee_event(due_days=5, release_unpaid=True, release_after_days=2)
    stand = await held_stand(event)
    invoice = await issued_invoice(stand)
    assert invoice.due_on is not None
    outcome = await deadlines.run(now=_at(invoice.due_on + dt.timedelta(days=2)))
    assert outcome.released == 0
    outcome = await deadlines.run(now=_at(invoice.due_on + dt.timedelta(days=3)))
    assert outcome.released == 1
    invoice = await Invoice.get(id=invoice.id)
    assert invoice.status == InvoiceStatus.CANCELLED and invoice.released_at is not None
    assert (await Booth.get(id=stand.booth.id)).holder_id is None  # type: ignore[attr-defined]
    assert await AuditEntry.filter(action="expo.invoice.booth_released").exists()
    assert await OutboxMessage.filter(kind="payments.released").exists()
    assert (await deadlines.run(now=_at(invoice.due_on + dt.timedelta(days=4)))).released == 0


async def test_without_the_rule_an_overdue_booth_stays() -> None:
    event = await fee_event(due_days=5)
    stand = await held_stand(event)
    invoice = await issued_invoice(stand)
    assert invoice.due_on is not None
    await deadlines.run(now=_at(invoice.due_on + dt.timedelta(days=30)))
    assert (await Booth.get(id=stand.booth.id)).holder_id == stand.application.id  # type: ignore[attr-defined]
    assert invoices.is_overdue(await Invoice.get(id=invoice.id),
                               invoice.due_on + dt.timedelta(days=1))
