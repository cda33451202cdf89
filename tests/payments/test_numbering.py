"""Invoice numbers stay gapless and unique when many are issued at once (PostgreSQL runs the
issuers on separate connections; SQLite serialises them), and a rolled-back issue gives its
number back."""

from __future__ import annotations

import asyncio

import pytest

from expo.db import atomic
from expo.payments import invoices
from expo.payments.models import Invoice, InvoiceStatus
from tests.factories import make_user
from tests.payments.factories import fee_event, held_stand

pytestmark = pytest.mark.usefixtures("db")


async def test_concurrent_issuing_gives_consecutive_unique_numbers_and_amounts() -> None:
    event = await fee_event(auto_issue=False)
    committee = await make_user()
    drafts = []
    for n in range(12):
        stand = await held_stand(event, code=f"C{n}")
        drafts.append(await invoices.draft_for(event=event, application=stand.application,
                                               by=committee))
    issued = await asyncio.gather(*(invoices.issue(invoice=d, by=committee) for d in drafts))
    numbers = sorted(i.number or "" for i in issued)
    assert numbers == [f"INV/HKN2027/{n:04d}" for n in range(1, 13)]
    stored = await Invoice.filter(event_id=event.id, status=InvoiceStatus.ISSUED)
    assert len({i.open_amount for i in stored}) == 12


async def test_a_rolled_back_issue_leaves_no_gap() -> None:
    event = await fee_event(auto_issue=False)
    committee = await make_user()
    first = await invoices.draft_for(event=event, application=(await held_stand(event)).application,
                                     by=committee)
    second = await invoices.draft_for(event=event,
                                      application=(await held_stand(event, code="B")).application,
                                      by=committee)
    with pytest.raises(RuntimeError):
        async with atomic():
            await invoices.issue(invoice=first, by=committee)
            raise RuntimeError("the printer caught fire")
    assert (await Invoice.get(id=first.id)).status == InvoiceStatus.DRAFT
    assert (await invoices.issue(invoice=second, by=committee)).number == "INV/HKN2027/0001"
    assert (await invoices.issue(invoice=first, by=committee)).number == "INV/HKN2027/0002"
