"""Inquiries at a fair become requests: fields copied, linked to the event and inquiry, the
inquiry's own producer proposed first, once only."""

from __future__ import annotations

import datetime as dt

import pytest

from expo.errors import DomainError
from expo.leads.models import Inquiry, Lead
from expo.procurement import intake
from expo.procurement.models import Listing, Quote, QuoteStatus, RequestItem
from tests.factories import make_event
from tests.leads.helpers import make_stand, make_visitor
from tests.procurement.factories import TODAY, buyer_org, listed_producer


async def fair_inquiry(*, agency: str = "", listed: bool = True, quantity: int = 300,
                       needed_by: dt.date | None = dt.date(2027, 4, 20)):  # type: ignore[no-untyped-def]
    event = await make_event()
    stand = await make_stand(event, capacity=28, lead_time=0, unit="toples")
    stand.product.kind = "nastar"
    await stand.product.save()
    if listed:
        await Listing.create(producer_id=stand.application.producer_id)  # type: ignore[attr-defined]
    visitor = await make_visitor(event)
    lead = await Lead.create(event=event, application=stand.application, visitor=visitor)
    inquiry = await Inquiry.create(
        event=event, application=stand.application, lead=lead, product=stand.product,
        product_name="Nastar nanas", quantity=quantity, unit="toples", needed_by=needed_by,
        budget=18_000_000, note="Untuk tamu", buyer_type="instansi", agency=agency)
    producer = await stand.application.producer  # type: ignore[attr-defined]

    class Seller:
        pass

    seller = Seller()
    seller.producer = producer  # type: ignore[attr-defined]
    return inquiry, event, seller


async def test_request_from_inquiry_copies_and_proposes_its_producer_first(db) -> None:
    inquiry, event, seller = await fair_inquiry(agency="Dinas Koperasi")
    other = await listed_producer(per_week=700, lead_time_days=0)
    buyer = await buyer_org(name="Dinas Koperasi")
    suggested = await intake.suggested_organisation(inquiry)
    assert suggested is not None and suggested.id == buyer.organisation.id
    req = await intake.request_from_inquiry(inquiry=inquiry, organisation=buyer.organisation,
                                            by=buyer.officer, on=TODAY)
    assert req.source_inquiry_id == inquiry.id and req.source_event_id == event.id
    assert req.budget == 18_000_000 and req.note == "Untuk tamu"
    [item] = await RequestItem.filter(request_id=req.id)
    assert (item.name, item.quantity, item.unit, item.needed_by, item.kind) == (
        "Nastar nanas", 300, "toples", dt.date(2027, 4, 20), "nastar")
    quotes = await Quote.filter(item_id=item.id, status=QuoteStatus.PROPOSED).order_by("id")
    assert quotes[0].producer_id == seller.producer.id and quotes[0].proposed_quantity == 200
    assert {q.producer_id for q in quotes} == {seller.producer.id, other.producer.id}
    assert sum(q.proposed_quantity for q in quotes) == 300
    with pytest.raises(DomainError) as err:
        await intake.request_from_inquiry(inquiry=inquiry, organisation=buyer.organisation,
                                          by=buyer.officer, on=TODAY)
    assert err.value.code == "already_requested"


async def test_unlisted_producer_of_the_inquiry_is_still_proposed(db) -> None:
    inquiry, _event, seller = await fair_inquiry(listed=False, needed_by=None)
    buyer = await buyer_org()
    req = await intake.request_from_inquiry(inquiry=inquiry, organisation=buyer.organisation,
                                            by=buyer.officer, on=TODAY)
    [item] = await RequestItem.filter(request_id=req.id)
    assert item.needed_by == TODAY + intake.DEFAULT_LEAD
    assert await Quote.exists(item_id=item.id, producer_id=seller.producer.id)


async def test_past_inquiry_date_is_refused(db) -> None:
    inquiry, _event, _seller = await fair_inquiry(needed_by=dt.date(2027, 2, 1))
    buyer = await buyer_org()
    with pytest.raises(DomainError) as err:
        await intake.request_from_inquiry(inquiry=inquiry, organisation=buyer.organisation,
                                          by=buyer.officer, on=TODAY)
    assert err.value.code == "needed_by_past"


async def test_the_inquiry_button_partial_links_to_the_committee_route(app, db) -> None:  # type: ignore[no-untyped-def]
    from bs4 import BeautifulSoup
    from starlette.requests import Request

    from expo.templating import env

    inquiry, event, _seller = await fair_inquiry()
    request = Request({"type": "http", "app": app, "router": app.router, "path": "/",
                       "root_path": "", "headers": [], "method": "GET", "query_string": b""})
    html = env.get_template("procurement/_inquiry_to_request.html").render(
        request=request, event=event, i=inquiry)
    link = BeautifulSoup(html, "html.parser").select_one("a[data-testid=to-request]")
    assert link is not None
    assert link["href"] == f"/manage/e/{event.slug}/inquiries/{inquiry.id}/to-request"
