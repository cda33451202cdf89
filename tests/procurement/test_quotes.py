"""Quotes: the invitation link (only its digest stored), answers and refusals with the spare
capacity at that moment, changes while open, the lock after award, and the reminder job."""

from __future__ import annotations

import datetime as dt

import pytest

from expo.audit.models import AuditEntry
from expo.errors import DomainError, NotFound
from expo.jobs import queue
from expo.outbox import OutboxMessage
from expo.procurement import quotes, requests
from expo.procurement.models import Quote, QuoteStatus, RequestItem, RequestStatus
from tests.procurement.factories import TODAY, buyer_org, listed_producer, open_request

NOW = dt.datetime(2027, 3, 1, 2, 0, tzinfo=dt.UTC)


async def invited(per_week: int = 70, lead_time_days: int = 0, needed_by=dt.date(2027, 4, 15)):  # type: ignore[no-untyped-def]
    seller = await listed_producer(per_week=per_week, lead_time_days=lead_time_days)
    buyer = await buyer_org()
    req = await open_request(buyer, needed_by=needed_by)
    it = (await RequestItem.filter(request_id=req.id))[0]
    quote = await Quote.create(item=it, producer=seller.producer, product=seller.product,
                               proposed_quantity=100)
    quote = await Quote.get(id=quote.id).select_related("item", "producer")
    req = await requests.PurchaseRequest.get(id=req.id).select_related("organisation")
    async with requests.atomic():
        assert await quotes.invite(quote=quote, request=req)
    [message] = await OutboxMessage.filter(kind="procurement.quote", channel="email",
                                           to=seller.producer.email)
    token = message.body.split("/q/")[1].split()[0]
    return seller, buyer, req, token


async def test_invite_stores_only_the_digest_and_the_link_finds_the_quote(db) -> None:
    seller, _buyer, _req, token = await invited()
    quote = await quotes.by_token(token)
    assert quote.producer_id == seller.producer.id and quote.status == QuoteStatus.INVITED
    assert quote.token_digest == quotes.digest(token) and token not in quote.token_digest
    for bad in ("x", token[:-1] + ("A" if token[-1] != "A" else "B"), "a" * 200):
        with pytest.raises(NotFound):
            await quotes.by_token(bad)


async def test_answer_records_spare_and_flags_over_capacity(db) -> None:
    _seller, _buyer, _req, token = await invited(per_week=70)
    quote = await quotes.by_token(token)
    on_time = dt.date(2027, 3, 29)  # 28 days x 10 a day
    answered = await quotes.answer(quote=quote, quantity=200, unit_price=60_000,
                                   delivery_on=on_time, note="", on=TODAY, by=None)
    assert answered.status == QuoteStatus.QUOTED and answered.spare_at_quote == 280
    assert not answered.over_capacity
    changed = await quotes.answer(quote=answered, quantity=300, unit_price=59_000,
                                  delivery_on=on_time, note="lembur", on=TODAY, by=None)
    assert changed.over_capacity and changed.quantity == 300 and changed.unit_price == 59_000
    assert await AuditEntry.filter(action="procurement.quote.answered").count() == 2


async def test_answer_rules(db) -> None:
    _seller, _buyer, _req, token = await invited()
    quote = await quotes.by_token(token)
    cases: list[tuple[dict[str, object], str]] = [
        ({"quantity": 0}, "quantity_too_small"), ({"unit_price": 0}, "price_too_small"),
        ({"delivery_on": dt.date(2027, 4, 16)}, "delivery_late"),
        ({"delivery_on": dt.date(2027, 2, 1)}, "delivery_past")]
    for change, code in cases:
        args: dict[str, object] = {"quantity": 10, "unit_price": 1,
                                   "delivery_on": dt.date(2027, 4, 15)}
        args.update(change)
        with pytest.raises(DomainError) as err:
            await quotes.answer(quote=quote, note="", on=TODAY, by=None, **args)  # type: ignore[arg-type]
        assert err.value.code == code


async def test_decline_then_change_mind_then_locked_after_award(db) -> None:
    _seller, _buyer, req, token = await invited()
    quote = await quotes.by_token(token)
    with pytest.raises(DomainError):
        await quotes.decline(quote=quote, reason=" ", by=None)
    declined = await quotes.decline(quote=quote, reason="Kapasitas penuh", by=None)
    assert declined.status == QuoteStatus.DECLINED and declined.note == "Kapasitas penuh"
    again = await quotes.answer(quote=declined, quantity=5, unit_price=1000,
                                delivery_on=dt.date(2027, 4, 1), note="", on=TODAY, by=None)
    assert again.status == QuoteStatus.QUOTED
    await Quote.filter(id=quote.id).update(status=QuoteStatus.ACCEPTED, accepted_quantity=5)
    await requests.PurchaseRequest.filter(id=req.id).update(status=RequestStatus.ORDERED)
    locked = await quotes.by_token(token)
    assert not quotes.answerable(locked)
    with pytest.raises(DomainError) as err:
        await quotes.answer(quote=locked, quantity=6, unit_price=1000,
                            delivery_on=dt.date(2027, 4, 1), note="", on=TODAY, by=None)
    assert err.value.code == "request_closed"


async def test_reminders_after_two_days_at_most_twice_never_twice_per_run(db) -> None:
    seller, _buyer, _req, token = await invited()
    await Quote.all().update(invited_at=NOW)
    assert (await quotes.remind(now=NOW + dt.timedelta(days=1))).sent == 0
    first = NOW + dt.timedelta(days=2, hours=1)
    assert (await quotes.remind(now=first)).sent == 1
    assert (await quotes.remind(now=first)).sent == 0  # a rerun sends nothing twice
    assert (await quotes.remind(now=first + dt.timedelta(days=1))).sent == 0
    assert (await quotes.by_token(token)).status == QuoteStatus.INVITED  # the same link
    assert (await quotes.remind(now=first + dt.timedelta(days=2))).sent == 1
    assert (await quotes.remind(now=first + dt.timedelta(days=6))).sent == 0
    quote = await Quote.get()
    assert quote.reminders == 2
    emails = await OutboxMessage.filter(kind="procurement.quote", channel="email",
                                        to=seller.producer.email).count()
    assert emails == 3  # the invitation and two reminders


async def test_no_reminder_after_the_needed_by_date_or_once_answered(db) -> None:
    _s, _b, _r, token = await invited(needed_by=dt.date(2027, 3, 2))
    await Quote.all().update(invited_at=NOW)
    assert (await quotes.remind(now=NOW + dt.timedelta(days=3))).sent == 0
    _s, _b, _r, token = await invited()
    quote = await quotes.by_token(token)
    await Quote.filter(id=quote.id).update(invited_at=NOW)
    await quotes.decline(quote=quote, reason="tidak bisa", by=None)
    assert (await quotes.remind(now=NOW + dt.timedelta(days=3))).sent == 0


async def test_reminder_job_runs_through_the_queue_once(db) -> None:
    await invited()
    await Quote.all().update(invited_at=NOW)
    at = (NOW + dt.timedelta(days=3)).isoformat()
    await queue.enqueue(quotes.KIND, {"now": at}, key="test-1")
    assert await queue.run_due(only=[quotes.KIND]) == 1
    await queue.enqueue(quotes.KIND, {"now": at}, key="test-2")
    assert await queue.run_due(only=[quotes.KIND]) == 1
    assert (await Quote.get()).reminders == 1
    assert await AuditEntry.filter(action="procurement.quote.reminded").count() == 1


async def test_supplier_lists_only_own_quotes(db) -> None:
    seller, _b, _r, _t = await invited()
    other, _b2, _r2, _t2 = await invited()
    mine = await quotes.quotes_of([seller.producer.id])
    assert [q.producer_id for q in mine] == [seller.producer.id]
    assert await quotes.orders_of([other.producer.id]) == []
