"""Requests over HTTP: the list, the new-request form with several items, the request page
(split, answers, award form), its actions, 403 / 404 / 422, and an inquiry made a request."""

from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup

from expo.procurement import requests
from expo.procurement.models import PurchaseRequest, Quote, QuoteStatus, RequestItem, RequestStatus
from tests.factories import PASSWORD, make_user
from tests.procurement.factories import (
    buyer_org,
    listed_producer,
    office_user,
    open_request,
    quoted,
)

NEEDED = (requests.today() + dt.timedelta(days=40)).isoformat()


def soup(response):  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


def rows(**items: dict[str, str]) -> dict[str, str]:
    return {f"{k}_{i}": v for i, row in items.items() for k, v in row.items()}  # type: ignore[union-attr]


async def test_buyer_creates_a_request_of_three_items(client, db) -> None:  # type: ignore[no-untyped-def]
    await listed_producer(product="Tas batik", kind="tas batik", unit="pcs", per_week=700,
                          lead_time_days=0)
    buyer = await buyer_org()
    await client.login(buyer.officer.email, PASSWORD)
    page = soup(await client.get("/procurement/requests/new?name=Tas+batik&kind=tas+batik"
                                 "&quantity=300&unit=pcs"))
    assert len(page.select("fieldset.req-item")) == 3
    assert page.select_one("#f-name_0")["value"] == "Tas batik"
    more = await client.submit("/procurement/requests/new", {"rows": "3", "more": "1"})
    assert more.status_code == 200 and len(soup(more).select("fieldset.req-item")) == 6
    data = {"rows": "3", "organisation_id": str(buyer.organisation.id),
            "title": "Seminar kit", "delivery_address": "Kantor Gubernur",
            "name_0": "Tas batik", "kind_0": "tas batik", "quantity_0": "300", "unit_0": "pcs",
            "needed_by_0": NEEDED, "name_1": "Kotak snack", "quantity_1": "300",
            "unit_1": "kotak", "needed_by_1": NEEDED, "budget_1": "Rp 7.500.000"}
    response = await client.submit("/procurement/requests/new", data)
    assert response.status_code == 303, response.text[:300]
    req = await PurchaseRequest.get()
    assert req.status == RequestStatus.DRAFT and await RequestItem.filter(request_id=req.id).count() == 2
    page = soup(await client.get(response.headers["location"]))
    first = page.select("section.req-item-card")[0]
    assert first.select("table.req-split tr[data-quote]")
    assert page.select_one("#send")


async def test_bad_items_come_back_with_errors(client, db) -> None:  # type: ignore[no-untyped-def]
    buyer = await buyer_org()
    await client.login(buyer.officer.email, PASSWORD)
    past = (requests.today() - dt.timedelta(days=1)).isoformat()
    data = {"rows": "3", "organisation_id": str(buyer.organisation.id), "title": "X",
            "delivery_address": "Y", "name_0": "Tas", "quantity_0": "0", "unit_0": "pcs",
            "needed_by_0": NEEDED, "name_2": "Snack", "quantity_2": "5", "unit_2": "kotak",
            "needed_by_2": past}
    response = await client.submit("/procurement/requests/new", data)
    assert response.status_code == 422 and soup(response).select_one("#e-quantity_0")
    data["quantity_0"] = "5"
    response = await client.submit("/procurement/requests/new", data)
    assert response.status_code == 422 and soup(response).select_one("#e-needed_by_2")
    assert not await PurchaseRequest.exists()


async def test_another_buyers_request_is_404_and_producers_get_403(client, db) -> None:  # type: ignore[no-untyped-def]
    mine, theirs = await buyer_org(), await buyer_org()
    seller = await listed_producer()
    req = await open_request(theirs)
    await client.login(mine.officer.email, PASSWORD)
    assert (await client.get(f"/procurement/requests/{req.id}")).status_code == 404
    assert (await client.submit(f"/procurement/requests/{req.id}/close")).status_code == 404
    response = await client.submit("/procurement/requests/new", {
        "rows": "1", "organisation_id": str(theirs.organisation.id), "title": "X",
        "delivery_address": "Y", "name_0": "Tas", "quantity_0": "1", "unit_0": "pcs",
        "needed_by_0": NEEDED})
    assert response.status_code == 404
    client.cookies.clear()
    client.csrf = ""
    await client.login(seller.user.email, PASSWORD)
    assert (await client.get("/procurement/requests")).status_code == 403
    assert (await client.get(f"/procurement/requests/{req.id}")).status_code == 403


async def test_request_page_shows_answers_and_the_award_form(client, db) -> None:  # type: ignore[no-untyped-def]
    one, two = await listed_producer(), await listed_producer()
    buyer = await buyer_org()
    req = await open_request(buyer, items=[("Nastar", "nastar", 300, "toples")])
    item = (await RequestItem.filter(request_id=req.id))[0]
    cheap = await quoted(item, one, quantity=200, unit_price=50_000)
    dear = await quoted(item, two, quantity=200, unit_price=60_000)
    await client.login(buyer.officer.email, PASSWORD)
    page = soup(await client.get(f"/procurement/requests/{req.id}"))
    award = page.select_one("#award form")
    assert award["action"] == f"/procurement/requests/{req.id}/award"
    assert award.select_one(f"input[name=qty_{cheap.id}]")["value"] == "200"
    assert award.select_one(f"input[name=qty_{dear.id}]")["value"] == "100"
    assert len(page.select("table.req-answers tr[data-answer]")) == 2
    office = await office_user()
    client.cookies.clear()
    client.csrf = ""
    await client.login(office.email, PASSWORD)
    assert soup(await client.get(f"/procurement/requests/{req.id}")).select_one("#award")


async def test_actions_propose_adjust_send_cancel(client, db) -> None:  # type: ignore[no-untyped-def]
    seller = await listed_producer(per_week=700)
    extra = await listed_producer(per_week=70)
    buyer = await buyer_org()
    req = await open_request(buyer, status=RequestStatus.DRAFT)
    await client.login(buyer.officer.email, PASSWORD)
    base = f"/procurement/requests/{req.id}"
    assert (await client.submit(base + "/propose")).status_code == 303
    quote = await Quote.get(producer_id=seller.producer.id)
    assert (await client.submit(base + f"/quotes/{quote.id}/share",
                                {"quantity": "0"})).status_code == 422
    assert (await client.submit(base + f"/quotes/{quote.id}/share",
                                {"quantity": "280"})).status_code == 303
    item = (await RequestItem.filter(request_id=req.id))[0]
    if not await Quote.exists(producer_id=extra.producer.id):
        assert (await client.submit(base + f"/items/{item.id}/producers", {
            "producer_id": str(extra.producer.id), "quantity": "20"})).status_code == 303
    assert (await client.submit(base + "/send")).status_code == 303
    assert (await PurchaseRequest.get(id=req.id)).status == RequestStatus.OPEN
    assert await Quote.filter(status=QuoteStatus.INVITED).count() == 2
    again = await client.submit(base + "/close")
    assert again.status_code == 303
    response = await client.submit(base + "/cancel")
    assert response.status_code == 409 and soup(response).select_one("#request-error")


async def test_committee_turns_an_inquiry_into_a_request(client, db) -> None:  # type: ignore[no-untyped-def]
    from tests.procurement.test_intake import fair_inquiry

    inquiry, event, seller = await fair_inquiry(agency="Dinas Pariwisata")
    buyer = await buyer_org(name="Dinas Pariwisata")
    committee = await make_user(event=event, role=__import__(
        "expo.accounts.models", fromlist=["Role"]).Role.COMMITTEE)
    await client.login(committee.email, PASSWORD)
    url = f"/manage/e/{event.slug}/inquiries/{inquiry.id}/to-request"
    page = soup(await client.get(url))
    chosen = page.select_one("#f-organisation_id option[selected]")
    assert chosen is not None and chosen["value"] == str(buyer.organisation.id)
    assert (await client.submit(url, {"organisation_id": ""})).status_code == 422
    response = await client.submit(url, {"organisation_id": str(buyer.organisation.id)})
    assert response.status_code == 303
    req = await PurchaseRequest.get(source_inquiry_id=inquiry.id)
    assert await Quote.exists(item__request_id=req.id, producer_id=seller.producer.id)
    client.cookies.clear()
    client.csrf = ""
    await client.login(buyer.officer.email, PASSWORD)
    assert (await client.get(url)).status_code == 403


pytestmark = pytest.mark.asyncio


async def test_from_the_catalogue_the_chosen_producer_is_proposed_first(client, db) -> None:  # type: ignore[no-untyped-def]
    await listed_producer(per_week=700, lead_time_days=0, price=10_000)
    chosen = await listed_producer(per_week=70, lead_time_days=0, price=90_000)
    buyer = await buyer_org()
    await client.login(buyer.officer.email, PASSWORD)
    page = soup(await client.get(f"/procurement/requests/new?kind=nastar&name=Nastar&unit=toples"
                                 f"&quantity=100&producer={chosen.producer.id}&needed_by={NEEDED}"))
    assert page.select_one("input[name=producer]")["value"] == str(chosen.producer.id)
    assert page.select_one("#f-needed_by_0")["value"] == NEEDED
    data = {name["name"]: name.get("value", "") for name in page.select("form#request-form input")
            if name.get("name")}
    data.update({"title": "Kue lebaran", "delivery_address": "Kantor Dinas"})
    response = await client.submit("/procurement/requests/new", data)
    assert response.status_code == 303, response.text[:300]
    quotes = await Quote.filter(status=QuoteStatus.PROPOSED).order_by("id")
    assert quotes[0].producer_id == chosen.producer.id
