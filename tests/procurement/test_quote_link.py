""""Ask for a quote" leads somewhere for whoever sees it: a visitor signs in, the trade office
and buyers' staff get the request form, other signed-in users are not shown the button (it
led them to a 403)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from expo.procurement import catalogue
from tests.factories import PASSWORD, make_user
from tests.procurement.factories import TODAY, listed_producer, office_user

ASK = "a[href^='/procurement/requests/new']"


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalogue, "today", lambda: TODAY)


async def _pages(client, producer_id: int) -> list[BeautifulSoup]:  # type: ignore[no-untyped-def]
    return [BeautifulSoup((await client.get(url)).text, "html.parser") for url in
            ("/katalog", f"/katalog/produsen/{producer_id}", "/katalog/banding?kind=nastar")]


async def test_ask_for_a_quote_only_where_it_leads_to_the_form(client, db) -> None:  # type: ignore[no-untyped-def]
    listed = await listed_producer(product="Nastar nanas")
    assert all(page.select(ASK) for page in await _pages(client, listed.producer.id))  # visitor
    stranger = await make_user()
    await client.login(stranger.email, PASSWORD)
    assert not any(page.select(ASK) for page in await _pages(client, listed.producer.id))
    request = (await client.get("/procurement/requests/new")).status_code
    assert request == 403  # what the button led to
    client.cookies.clear()
    client.csrf = ""
    office = await office_user()
    await client.login(office.email, PASSWORD)
    assert all(page.select(ASK) for page in await _pages(client, listed.producer.id))
