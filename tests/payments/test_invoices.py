"""Invoices: fees under the policy, issuing on confirmation (gapless numbers, unique amounts,
due dates), drafts the committee edits, credit notes, cancellation and replacement."""

from __future__ import annotations

import datetime as dt

import pytest

from expo.booths import holding
from expo.errors import DomainError
from expo.exhibitors.models import Category
from expo.outbox import OutboxMessage
from expo.payments import invoices
from expo.payments.models import CreditNote, Invoice, InvoiceLine, InvoiceStatus, LineKind
from tests.factories import make_user
from tests.payments.factories import fee_event, held_stand, issued_invoice

pytestmark = pytest.mark.usefixtures("db")


async def test_confirming_a_booth_issues_its_invoice_with_a_unique_amount() -> None:
    event = await fee_event()
    stand = await held_stand(event)
    await holding.confirm(application=stand.application, booth_id=stand.booth.id, by=stand.user)
    invoice = await Invoice.get(application_id=stand.application.id)
    assert invoice.status == InvoiceStatus.ISSUED
    assert invoice.number == "INV/HKN2027/0001"
    assert 350_001 <= invoice.total <= 350_999 and invoice.total == 350_000 + invoice.unique_code
    assert invoice.open_amount == invoice.total
    assert invoice.issued_on == invoices.today(event)
    assert invoice.due_on == invoice.issued_on + dt.timedelta(days=14)
    kinds = [line.kind for line in await invoices.lines_of(invoice)]
    assert kinds == [LineKind.BOOTH, LineKind.CODE]
    assert invoice.buyer_name == stand.application.producer.business_name
    notice = await OutboxMessage.filter(kind="payments.invoice").first()
    assert notice is not None and "INV/HKN2027/0001" in notice.subject


async def test_confirming_twice_makes_one_invoice() -> None:
    event = await fee_event()
    stand = await held_stand(event)
    for _ in range(2):
        await holding.confirm(application=stand.application, booth_id=stand.booth.id,
                              by=stand.user)
    assert await Invoice.filter(application_id=stand.application.id).count() == 1


async def test_numbers_follow_each_other_and_amounts_never_repeat() -> None:
    event = await fee_event()
    issued = [await issued_invoice(await held_stand(event)) for _ in range(6)]
    assert [i.number for i in issued] == [f"INV/HKN2027/{n:04d}" for n in range(1, 7)]
    assert len({i.total for i in issued}) == 6


async def test_due_date_is_before_the_event_opens() -> None:
    event = await fee_event(due_days=60)
    invoice = await issued_invoice(await held_stand(event))
    assert invoice.due_on == event.starts_on - dt.timedelta(days=1)


@pytest.mark.parametrize(("policy", "application", "expected"), [
    ({"free_categories": ["kriya"]}, {"category": Category.KRIYA}, 0),
    ({"free_for_micro": True}, {"micro": True}, 0),
    ({"free_for_micro": True}, {"micro": False}, 350_000),
    ({"free_max_area": 9}, {}, 0),
    ({"subsidy_percent": 40}, {}, 210_000),
    ({"deposit": 100_000}, {}, 450_000),
    ({"power_price": 75_000, "power_step": 900}, {"power_watts": 1300}, 500_000),
])
async def test_fee_policy(policy: dict[str, object], application: dict[str, object],
                          expected: int) -> None:
    event = await fee_event(**policy)
    invoice = await issued_invoice(await held_stand(event, **application))
    assert invoice.subtotal == expected
    if expected == 0:
        assert invoice.status == InvoiceStatus.FREE and invoice.unique_code == 0
        assert invoice.open_amount is None and invoice.number == "INV/HKN2027/0001"
    else:
        assert invoice.total == expected + invoice.unique_code


async def test_a_draft_policy_waits_for_the_committee_to_edit_and_issue() -> None:
    event = await fee_event(auto_issue=False, extras=[
        {"code": "meja", "label": "Meja tambahan", "price": 50_000}])
    stand = await held_stand(event)
    committee = await make_user()
    draft = await issued_invoice(stand)
    assert draft.status == InvoiceStatus.DRAFT and draft.number is None
    await invoices.add_line(invoice=draft, description="", quantity=2, unit_price=0,
                            by=committee, extra="meja")
    await invoices.add_line(invoice=draft, description="Listrik 2200 W", quantity=1,
                            unit_price=200_000, by=committee)
    with pytest.raises(DomainError) as caught:
        await invoices.add_line(invoice=draft, description="", quantity=1, unit_price=0,
                                by=committee, extra="tenda")
    assert caught.value.code == "no_extra"
    issued = await invoices.issue(invoice=draft, by=committee)
    assert issued.subtotal == 350_000 + 100_000 + 200_000
    with pytest.raises(DomainError) as caught:
        await invoices.add_line(invoice=issued, description="x", quantity=1, unit_price=1,
                                by=committee)
    assert caught.value.code == "invoice_issued"


async def test_credit_note_lowers_the_amount_and_a_full_one_cancels() -> None:
    event = await fee_event()
    invoice = await issued_invoice(await held_stand(event))
    committee = await make_user()
    note = await invoices.credit(invoice=invoice, amount=50_000, reason="Stan lebih kecil",
                                 by=committee)
    assert note.number == "NK/HKN2027/0001"
    invoice = await Invoice.get(id=invoice.id)
    assert invoice.balance == invoice.total - 50_000 and invoice.open_amount == invoice.balance
    with pytest.raises(DomainError) as caught:
        await invoices.credit(invoice=invoice, amount=invoice.balance + 1, reason="x",
                              by=committee)
    assert caught.value.code == "credit_amount"
    with pytest.raises(DomainError) as caught:
        await invoices.credit(invoice=invoice, amount=1, reason="  ", by=committee)
    assert caught.value.code == "reason_missing"
    cancelled = await invoices.cancel(invoice=invoice, reason="Batal ikut", by=committee)
    assert cancelled.status == InvoiceStatus.CANCELLED and cancelled.active_key is None
    assert await CreditNote.filter(invoice_id=invoice.id).count() == 2
    assert cancelled.balance == 0


async def test_replace_cancels_and_opens_a_draft_with_the_same_lines() -> None:
    event = await fee_event()
    stand = await held_stand(event)
    invoice = await issued_invoice(stand)
    committee = await make_user()
    draft = await invoices.replace(invoice=invoice, reason="Nama usaha salah", by=committee)
    assert draft.status == InvoiceStatus.DRAFT and draft.id != invoice.id
    kinds = await InvoiceLine.filter(invoice_id=draft.id).values_list("kind", flat=True)
    assert list(kinds) == [LineKind.BOOTH]
    assert (await Invoice.get(id=invoice.id)).status == InvoiceStatus.CANCELLED
    again = await invoices.issue(invoice=draft, by=committee)
    assert again.number == "INV/HKN2027/0002"


async def test_releasing_the_booth_cancels_the_unpaid_invoice() -> None:
    event = await fee_event()
    stand = await held_stand(event)
    await holding.confirm(application=stand.application, booth_id=stand.booth.id, by=stand.user)
    await holding.release(application=stand.application, booth_id=stand.booth.id, by=stand.user)
    invoice = await Invoice.get(application_id=stand.application.id)
    assert invoice.status == InvoiceStatus.CANCELLED
    assert await CreditNote.filter(invoice_id=invoice.id).count() == 1


async def test_the_prefix_is_locked_once_numbers_exist() -> None:
    event = await fee_event()
    await issued_invoice(await held_stand(event))
    policy = await invoices.policy_for(event)
    data = invoices.PolicyData(**{**{k: getattr(policy, k) for k in (
        invoices.PolicyData.__dataclass_fields__)}, "prefix": "OTHER"})
    with pytest.raises(DomainError) as caught:
        await invoices.save_policy(event=event, data=data, by=await make_user())
    assert caught.value.code == "prefix_locked"
