"""Quotes over HTTP: the producer's phone link (no sign-in), the signed-in supplier pages,
403 for the wrong kind of user, 404 for another producer's quote or a bad link, 422."""

from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup

from expo.outbox import OutboxMessage
from expo.procurement import quote_routes, quotes, requests
from expo.procurement.models import PurchaseRequest, Quote, QuoteStatus, RequestItem
from tests.factories import PASSWORD
from tests.procurement.factories import buyer_org, listed_producer, open_request

pytestmark = pytest.mark.asyncio
PHONE = {"User-Agent": "Mozilla/5.0 (Linux; Android 10; SM-A105F) Mobile Safari/537.36"}


def soup(response):  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


async def invited_quote(needed_days: int = 30):  # type: ignore[no-untyped-def]
    seller = await listed_producer(per_week=70, lead_time_days=0)
    buyer = await buyer_org()
    req = await open_request(buyer, needed_by=requests.today() + dt.timedelta(days=needed_days))
    item = (await RequestItem.filter(request_id=req.id))[0]
    quote = await Quote.create(item=item, producer=seller.producer, product=seller.product,
                               proposed_quantity=120)
    quote = await Quote.get(id=quote.id).select_related("item", "producer")
    req = await PurchaseRequest.get(id=req.id).select_related("organisation")
    async with requests.atomic():
        await quotes.invite(quote=quote, request=req)
    message = await OutboxMessage.filter(kind="procurement.quote", channel="email",
                                         to=seller.producer.email).first()
    assert message is not None
    token = message.body.split("/q/")[1].split()[0]
    return seller, buyer, req, quote, token


async def test_the_link_works_on_a_phone_without_signing_in(client, db) -> None:  # type: ignore[no-untyped-def]
    _seller, _buyer, _req, quote, token = await invited_quote()
    response = await client.get(f"/q/{token}", headers=PHONE)
    assert response.status_code == 200 and "no-store" in response.headers["cache-control"]
    page = soup(response)
    assert page.select_one("#ask").text.strip().startswith("120")
    form = page.select_one("form#answer")
    for name in ("quantity", "unit_price", "delivery_on", "note", "csrf_token"):
        assert form.select_one(f"[name={name}]") is not None, name
    assert form.select_one("[name=quantity]")["inputmode"] == "numeric"
    assert page.select_one("form#decline [name=reason]")
    await client.fetch_csrf(f"/q/{token}")
    day = (requests.today() + dt.timedelta(days=20)).isoformat()
    response = await client.submit(f"/q/{token}", {"action": "answer", "quantity": "100",
                                                  "unit_price": "Rp 62.500",
                                                  "delivery_on": day})
    assert response.status_code == 200 and soup(response).select_one("#thanks")
    saved = await Quote.get(id=quote.id)
    assert saved.status == QuoteStatus.QUOTED and saved.unit_price == 62_500


async def test_bad_answers_are_422_and_a_bad_link_is_404(client, db) -> None:  # type: ignore[no-untyped-def]
    _seller, _buyer, _req, quote, token = await invited_quote(needed_days=10)
    await client.fetch_csrf(f"/q/{token}")
    late = (requests.today() + dt.timedelta(days=11)).isoformat()
    response = await client.submit(f"/q/{token}", {"action": "answer", "quantity": "0",
                                                  "unit_price": "0", "delivery_on": late})
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#e-quantity") and page.select_one("#e-unit_price")
    response = await client.submit(f"/q/{token}", {"action": "answer", "quantity": "5",
                                                  "unit_price": "1000", "delivery_on": late})
    assert response.status_code == 422 and soup(response).select_one("#e-delivery_on")
    response = await client.submit(f"/q/{token}", {"action": "decline", "reason": ""})
    assert response.status_code == 422 and soup(response).select_one("#e-reason")
    assert (await Quote.get(id=quote.id)).status == QuoteStatus.INVITED
    missing = await client.get("/q/" + "x" * 32)
    assert missing.status_code == 404 and "link" in missing.text.lower()


async def test_declining_by_link(client, db) -> None:  # type: ignore[no-untyped-def]
    _seller, _buyer, _req, quote, token = await invited_quote()
    await client.fetch_csrf(f"/q/{token}")
    response = await client.submit(f"/q/{token}", {"action": "decline",
                                                  "reason": "Bahan baku habis"})
    assert response.status_code == 200
    assert (await Quote.get(id=quote.id)).status == QuoteStatus.DECLINED


async def test_supplier_pages_show_own_quotes_only(client, db) -> None:  # type: ignore[no-untyped-def]
    seller, buyer, _req, quote, _token = await invited_quote()
    other, _b, _r, other_quote, _t = await invited_quote()
    await client.login(seller.user.email, PASSWORD)
    page = soup(await client.get("/procurement/supplier"))
    assert [li["data-quote"] for li in page.select("#supplier-quotes li")] == [str(quote.id)]
    assert (await client.get(f"/procurement/supplier/quotes/{other_quote.id}")).status_code == 404
    url = f"/procurement/supplier/quotes/{quote.id}"
    assert soup(await client.get(url)).select_one("form#answer")
    day = (requests.today() + dt.timedelta(days=5)).isoformat()
    bad = await client.submit(url, {"action": "answer", "quantity": "x", "unit_price": "1",
                                    "delivery_on": day})
    assert bad.status_code == 422
    good = await client.submit(url, {"action": "answer", "quantity": "10", "unit_price": "1000",
                                     "delivery_on": day})
    assert good.status_code == 303
    assert (await Quote.get(id=quote.id)).status == QuoteStatus.QUOTED
    client.cookies.clear()
    client.csrf = ""
    await client.login(buyer.officer.email, PASSWORD)
    assert (await client.get("/procurement/supplier")).status_code == 403
    assert (await client.get(url)).status_code == 403


async def test_the_link_is_rate_limited_per_address(client, db) -> None:  # type: ignore[no-untyped-def]
    for _ in range(quote_routes.LINK_LIMIT.limit):
        assert (await client.get("/q/" + "y" * 32)).status_code == 404
    response = await client.get("/q/" + "y" * 32)
    assert response.status_code == 429
