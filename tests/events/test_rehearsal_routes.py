"""The rehearsal page and the test tickets over HTTP: committee only, CSRF, confirm."""

import pytest
from bs4 import BeautifulSoup

from expo.accounts.models import Role
from expo.events import rehearsal
from expo.events.models import Event
from expo.reports.models import SalesReport
from expo.visitors import checkin
from expo.visitors.models import Visitor
from tests.factories import PASSWORD, make_event, make_user
from tests.reports.factories import make_exhibitor
from tests.visitors.helpers import make_visitor


def soup(response):
    return BeautifulSoup(response.text, "html.parser")


@pytest.fixture(autouse=True)
def _fresh_caches():
    checkin.forget_event()
    yield
    checkin.forget_event()


async def committee_client(client):
    event = await make_event()
    user = await make_user(event=event, role=Role.COMMITTEE)
    await client.login(user.email, PASSWORD)
    return event


def paths(event: Event) -> dict[str, str]:
    base = f"/manage/e/{event.slug}/rehearsal"
    return {"page": base, "mode": base + "/mode", "clear": base + "/clear",
            "tickets": base + "/tickets"}


async def test_committee_runs_a_rehearsal_end_to_end(client, db):
    event = await committee_client(client)
    p = paths(event)
    page = await client.get(p["page"])
    assert page.status_code == 200
    assert soup(page).select_one("[data-testid=rehearsal-off]") is not None
    assert (await client.submit(p["mode"], {"on": "1"})).status_code == 303
    assert (await Event.get(id=event.id)).rehearsal
    page = await client.get(p["page"])
    assert soup(page).select_one("[data-testid=rehearsal-on]") is not None
    gate = await client.get(f"/manage/e/{event.slug}/gate")
    assert soup(gate).select_one("[data-testid=gate-rehearsal]") is not None

    issued = await client.submit(p["tickets"], {"count": "3"})
    assert issued.status_code == 303
    sheet = await client.get(p["tickets"])
    cards = soup(sheet).select("[data-testid=test-ticket-card]")
    assert len(cards) == 3 and all(card.select_one("svg") for card in cards)
    ticket_link = cards[0].select_one("a")["href"]
    ticket = await client.get(ticket_link)
    assert soup(ticket).select_one("[data-testid=test-ticket]") is not None

    counts = soup(await client.get(p["page"])).select_one("[data-testid=rehearsal-counts]")
    assert counts.select_one("[data-kind=tickets] td").text == "3"

    unconfirmed = await client.submit(p["clear"], {})
    assert unconfirmed.status_code == 422
    assert soup(unconfirmed).select_one("[data-testid=rehearsal-error]") is not None
    assert await Visitor.filter(event=event, rehearsal=True).count() == 3

    cleared = await client.submit(p["clear"], {"confirm": "1"})
    assert cleared.status_code == 303
    fresh = await Event.get(id=event.id)
    assert not fresh.rehearsal and fresh.rehearsal_cleared_at is not None
    assert not await Visitor.filter(event=event, rehearsal=True).exists()
    assert (await client.get(ticket_link)).status_code == 404


async def test_a_real_ticket_page_says_nothing_of_tests(client, db):
    event = await make_event()
    visitor = await make_visitor(event)
    page = await client.get(f"/t/{visitor.link_token}")
    assert page.status_code == 200
    assert soup(page).select_one("[data-testid=test-ticket]") is None


async def test_bad_counts_are_said_on_the_page(client, db):
    event = await committee_client(client)
    p = paths(event)
    for count in ("0", "abc", "201"):
        response = await client.submit(p["tickets"], {"count": count})
        assert response.status_code == 422, count
        assert soup(response).select_one("[data-testid=test-tickets-error]") is not None
    assert not await Visitor.filter(event=event).exists()
    assert (await client.submit(p["mode"], {"on": "maybe"})).status_code == 422
    assert not (await Event.get(id=event.id)).rehearsal


@pytest.mark.parametrize("role", [Role.GATE, Role.EXHIBITOR, Role.CURATOR])
async def test_only_the_committee_reaches_the_rehearsal(client, db, role):
    event = await make_event()
    user = await make_user(event=event, role=role)
    await client.login(user.email, PASSWORD)
    p = paths(event)
    assert (await client.get(p["page"])).status_code == 403
    assert (await client.get(p["tickets"])).status_code == 403
    assert (await client.submit(p["mode"], {"on": "1"})).status_code == 403
    assert (await client.submit(p["tickets"], {"count": "2"})).status_code == 403
    assert (await client.submit(p["clear"], {"confirm": "1"})).status_code == 403
    fresh = await Event.get(id=event.id)
    assert not fresh.rehearsal and fresh.rehearsal_cleared_at is None
    assert not await Visitor.filter(event=event).exists()


async def test_rehearsal_routes_want_a_signed_in_member_a_known_event_and_csrf(client, db):
    event = await make_event()
    p = paths(event)
    anonymous = await client.get(p["page"])
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["location"]
    user = await make_user(event=event, role=Role.COMMITTEE)
    await client.login(user.email, PASSWORD)
    assert (await client.get("/manage/e/nope/rehearsal")).status_code == 404
    forged = await client.post(p["mode"], data={"on": "1"})  # no CSRF token
    assert forged.status_code == 403
    assert not (await Event.get(id=event.id)).rehearsal


async def test_exhibitor_sales_in_a_rehearsal_are_marked_and_never_replace_real_ones(client, db):
    event = await make_event()
    exhibitor, producer = await make_exhibitor(event)
    await client.login(exhibitor.email, PASSWORD)
    url = f"/manage/e/{event.slug}/my-sales"
    first, second = event.starts_on.isoformat(), event.ends_on.isoformat()
    real = await client.submit(url, {"day": first, "omzet": "1.500.000", "units": "60"})
    assert real.status_code == 303
    await rehearsal.set_rehearsal(event=event, on=True, by=None)
    practice = await client.submit(url, {"day": second, "omzet": "10.000", "units": "1"})
    assert practice.status_code == 303
    refused = await client.submit(url, {"day": first, "omzet": "1", "units": "1"})
    assert refused.status_code == 422
    assert "gladi" in soup(refused).select_one("main").text.lower()
    reports = {r.day.isoformat(): (r.omzet, r.rehearsal)
               for r in await SalesReport.filter(producer=producer)}
    assert reports == {first: (1_500_000, False), second: (10_000, True)}
