"""Requests for quotation: validation, the proposed split from the catalogue, adjustments,
sending, cancelling and closing; each state change audited, another buyer's ids 404."""

from __future__ import annotations

import datetime as dt

import pytest

from expo.audit.models import AuditEntry
from expo.errors import DomainError, NotFound
from expo.outbox import OutboxMessage
from expo.procurement import access, requests
from expo.procurement.models import PurchaseRequest, Quote, QuoteStatus, RequestItem, RequestStatus
from expo.procurement.requests import ItemData, RequestData
from tests.procurement.factories import TODAY, buyer_org, listed_producer, open_request, quoted

NEEDED = dt.date(2027, 4, 15)
DATA = RequestData(title="Seminar kit 300 peserta", delivery_address="Kantor Gubernur")


def item(name: str = "Nastar nanas", kind: str = "nastar", quantity: int = 300,
         unit: str = "toples", **kw: object) -> ItemData:
    return ItemData(name=name, kind=kind, quantity=quantity, unit=unit,
                    needed_by=kw.pop("needed_by", NEEDED), **kw)  # type: ignore[arg-type]


async def draft(buyer, items=None):  # type: ignore[no-untyped-def]
    return await requests.create_request(organisation=buyer.organisation, data=DATA,
                                         items=items or [item()], by=buyer.officer, on=TODAY)


async def actions(req: PurchaseRequest) -> list[str]:
    return [a.action for a in await AuditEntry.filter(object_id=str(req.id),
                                                      object_type="purchaserequest")]


async def test_create_validates_each_item(db) -> None:
    buyer = await buyer_org()
    bad = [(item(quantity=0), "quantity_too_small"), (item(needed_by=TODAY), "needed_by_past"),
           (item(unit=""), "unit_required"), (item(budget=-1), "budget_negative"),
           (item(name="x" * 121), "item_name_too_long"), (item(name=" "), "item_name_required")]
    for row, code in bad:
        with pytest.raises(DomainError) as err:
            await draft(buyer, [item(), row])
        assert err.value.code == code and err.value.data["index"] == 1
    with pytest.raises(DomainError) as err:
        await draft(buyer, [item()] * 31)
    assert err.value.code == "too_many_items"
    req = await draft(buyer, [item(), item("Amplang", "amplang", 300, "bungkus")])
    assert req.status == RequestStatus.DRAFT and await RequestItem.filter(request_id=req.id).count() == 2
    assert await actions(req) == ["procurement.request.created"]


async def test_propose_splits_by_spare_capacity_and_reruns_replace_proposed(db) -> None:
    big = await listed_producer(per_week=70, lead_time_days=0)  # 45 days: 450
    small = await listed_producer(per_week=35, lead_time_days=0)  # 225
    await listed_producer(kind="amplang", product="Amplang")
    buyer = await buyer_org()
    req = await draft(buyer, [item(quantity=600)])
    [proposal] = await requests.propose(request=req, on=TODAY, by=buyer.officer)
    assert proposal.shortfall == 0
    shares = {q.producer_id: q.proposed_quantity
              for q in await Quote.filter(status=QuoteStatus.PROPOSED)}
    assert sum(shares.values()) == 600 and set(shares) == {big.producer.id, small.producer.id}
    await requests.propose(request=req, on=TODAY, by=buyer.officer)
    assert await Quote.filter(status=QuoteStatus.PROPOSED).count() == 2
    assert "procurement.request.proposed" in await actions(req)


async def test_propose_keeps_answered_quotes_and_splits_the_rest(db) -> None:
    one = await listed_producer(per_week=700, lead_time_days=0)
    two = await listed_producer(per_week=700, lead_time_days=0)
    buyer = await buyer_org()
    req = await open_request(buyer, items=[("Nastar", "nastar", 300, "toples")])
    it = (await RequestItem.filter(request_id=req.id))[0]
    await quoted(it, one, quantity=100)
    [proposal] = await requests.propose(request=req, on=TODAY, by=buyer.officer)
    fresh = await Quote.get(status=QuoteStatus.PROPOSED)
    assert fresh.producer_id == two.producer.id and fresh.proposed_quantity == 200
    assert proposal.shortfall == 0


async def test_adjust_quantity_add_and_withdraw(db) -> None:
    seller = await listed_producer(per_week=700)
    other = await listed_producer(per_week=10, kind="lain", product="Lain")
    unlisted = await listed_producer(listed=False)
    buyer = await buyer_org()
    req = await draft(buyer)
    await requests.propose(request=req, on=TODAY, by=buyer.officer)
    quote = await Quote.get(producer_id=seller.producer.id)
    await requests.set_proposed_quantity(request=req, quote_id=quote.id, quantity=250,
                                         by=buyer.officer)
    assert (await Quote.get(id=quote.id)).proposed_quantity == 250
    it = (await RequestItem.filter(request_id=req.id))[0]
    added = await requests.add_producer(request=req, item_id=it.id,
                                        producer_id=other.producer.id, quantity=50,
                                        by=buyer.officer, on=TODAY)
    assert added.status == QuoteStatus.PROPOSED and added.proposed_quantity == 50
    with pytest.raises(DomainError) as err:
        await requests.add_producer(request=req, item_id=it.id, producer_id=other.producer.id,
                                    quantity=50, by=buyer.officer, on=TODAY)
    assert err.value.code == "already_proposed"
    with pytest.raises(DomainError) as err:
        await requests.add_producer(request=req, item_id=it.id,
                                    producer_id=unlisted.producer.id, quantity=5,
                                    by=buyer.officer, on=TODAY)
    assert err.value.code == "producer_unlisted"
    await requests.withdraw(request=req, quote_id=added.id, by=buyer.officer)
    assert (await Quote.get(id=added.id)).status == QuoteStatus.WITHDRAWN
    again = await requests.add_producer(request=req, item_id=it.id,
                                        producer_id=other.producer.id, quantity=None,
                                        by=buyer.officer, on=TODAY)
    assert again.id == added.id and again.status == QuoteStatus.PROPOSED
    other_buyer = await buyer_org()
    other_req = await draft(other_buyer)
    with pytest.raises(NotFound):
        await requests.set_proposed_quantity(request=other_req, quote_id=quote.id,
                                             quantity=1, by=other_buyer.officer)
    with pytest.raises(NotFound):
        await requests.withdraw(request=other_req, quote_id=quote.id, by=other_buyer.officer)


async def test_send_numbers_opens_and_invites(db) -> None:
    seller = await listed_producer(per_week=700)
    buyer = await buyer_org()
    req = await draft(buyer)
    with pytest.raises(DomainError) as err:
        await requests.send(request=req, by=buyer.officer, on=TODAY)
    assert err.value.code == "nobody_proposed"
    await requests.propose(request=req, on=TODAY, by=buyer.officer)
    sent = await requests.send(request=req, by=buyer.officer, on=TODAY)
    assert sent.status == RequestStatus.OPEN and sent.number == "RFQ/2027/0001"
    quote = await Quote.get(producer_id=seller.producer.id)
    assert quote.status == QuoteStatus.INVITED and quote.token_digest
    assert await OutboxMessage.filter(kind="procurement.quote").exists()
    assert "procurement.request.sent" in await actions(req)


async def test_items_locked_once_answered_or_ordered(db) -> None:
    seller = await listed_producer()
    buyer = await buyer_org()
    req = await open_request(buyer)
    it = (await RequestItem.filter(request_id=req.id))[0]
    edited = await requests.update_item(request=req, item_id=it.id, item=item(quantity=10),
                                        by=buyer.officer, on=TODAY)
    assert edited.quantity == 10
    await quoted(it, seller, quantity=10)
    with pytest.raises(DomainError) as err:
        await requests.add_item(request=req, item=item(), by=buyer.officer, on=TODAY)
    assert err.value.code == "request_answered"
    ordered = await open_request(buyer, status=RequestStatus.ORDERED)
    with pytest.raises(DomainError) as err:
        await requests.propose(request=ordered, on=TODAY, by=buyer.officer)
    assert err.value.code == "request_locked"


async def test_add_and_remove_items_in_draft(db) -> None:
    buyer = await buyer_org()
    req = await draft(buyer)
    extra = await requests.add_item(request=req, item=item("Amplang", "amplang"),
                                    by=buyer.officer, on=TODAY)
    await requests.remove_item(request=req, item_id=extra.id, by=buyer.officer)
    [only] = await RequestItem.filter(request_id=req.id)
    with pytest.raises(DomainError) as err:
        await requests.remove_item(request=req, item_id=only.id, by=buyer.officer)
    assert err.value.code == "last_item"
    assert "procurement.request.item_removed" in await actions(req)


async def test_cancel_and_close_release_open_quotes(db) -> None:
    seller = await listed_producer()
    buyer = await buyer_org()
    req = await open_request(buyer)
    it = (await RequestItem.filter(request_id=req.id))[0]
    answer = await quoted(it, seller, quantity=10)
    closed = await requests.close(request=req, by=buyer.officer)
    assert closed.status == RequestStatus.CLOSED and closed.closed_at is not None
    assert (await Quote.get(id=answer.id)).status == QuoteStatus.NOT_CHOSEN
    with pytest.raises(DomainError) as err:
        await requests.cancel(request=req, by=buyer.officer)
    assert err.value.code == "request_locked"
    other = await open_request(buyer, status=RequestStatus.DRAFT)
    cancelled = await requests.cancel(request=other, by=buyer.officer, reason="batal")
    assert cancelled.status == RequestStatus.CANCELLED
    assert "procurement.request.cancelled" in await actions(other)


async def test_lists_show_only_own_organisation(db) -> None:
    mine, theirs = await buyer_org(), await buyer_org()
    a = await open_request(mine)
    b = await open_request(theirs, status=RequestStatus.DRAFT)
    viewer = await access.viewer_of(mine.officer)
    page = await requests.requests_of(viewer=viewer)
    assert [r.id for r in page.rows] == [a.id]
    assert (await requests.requests_of(viewer=viewer, status="draft")).rows == []
    with pytest.raises(NotFound):
        await access.visible_request(viewer, b.id)


async def test_propose_respects_lead_time_min_order_and_smk_priority(db) -> None:
    late = await listed_producer(per_week=700, lead_time_days=60)  # cannot start in time
    too_big = await listed_producer(per_week=700, lead_time_days=0, min_order=500)
    plain = await listed_producer(per_week=70, lead_time_days=0, price=60_000)  # 450 by then
    smk = await listed_producer(per_week=70, lead_time_days=0, price=65_000, smk_workers=2)
    buyer = await buyer_org()
    req = await draft(buyer, [item(quantity=300)])
    [proposal] = await requests.propose(request=req, on=TODAY, by=buyer.officer)
    shares = {q.producer_id: q.proposed_quantity for q in await Quote.all()}
    assert shares == {smk.producer.id: 300}  # one producer suffices: the SMK workshop
    assert late.producer.id not in shares and too_big.producer.id not in shares
    assert plain.producer.id not in shares and proposal.exact and proposal.shortfall == 0
