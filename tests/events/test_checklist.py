"""The set-up checklist on the event overview: a registry in events, items from each domain."""

from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup

from expo.accounts.models import Role
from expo.booths.models import Booth, Hall
from expo.events import checklist
from expo.events.models import EventDay
from expo.exhibitors.models import Category, DocumentKind, RequiredDocument
from expo.payments.models import FeePolicy
from expo.visitors.models import DeviceToken, Gate
from tests.exhibitors.factories import make_rubric
from tests.factories import PASSWORD, make_event, make_user

KEYS = ["dates", "registration", "floor_plan", "rubric", "required_documents", "gates",
        "payments", "team", "messages"]


def soup(response):
    return BeautifulSoup(response.text, "html.parser")


async def _items(event) -> dict[str, checklist.Item]:
    return {item.key: item for item in await checklist.run(event, lambda route: route)}


def test_every_domain_registers_its_items():
    assert [c.key for c in checklist.CHECKS] == KEYS


def test_register_check_once_per_key():
    before = len(checklist.CHECKS)
    checklist.register_check(checklist.CHECKS[0])
    assert len(checklist.CHECKS) == before


async def test_new_event_is_missing_everything_but_dates(db):
    event = await make_event()
    items = await _items(event)
    assert list(items) == KEYS
    assert items["dates"].done
    assert [k for k, item in items.items() if not item.done] == KEYS[1:]
    assert items["floor_plan"].href == "booths.plan"
    assert items["gates"].href == "visitors.gates"


async def test_items_turn_done_when_set_up(db):
    event = await make_event()
    now = dt.datetime.now(dt.UTC)
    event.exhibitor_reg_opens, event.exhibitor_reg_closes = now, now + dt.timedelta(days=9)
    event.visitor_reg_opens, event.visitor_reg_closes = now, now + dt.timedelta(days=20)
    await event.save()
    hall = await Hall.create(event=event, name="Hall A")
    await Booth.create(event=event, hall=hall, code="A1", x=0, y=0)
    await make_rubric(event)
    await RequiredDocument.create(event=event, category=Category.KULINER, kinds="pirt,bpom")
    gate = await Gate.create(event=event, name="Utara")
    await DeviceToken.create(event=event, gate=gate, digest="d" * 64)
    await FeePolicy.create(event=event, account_number="123 456 7890")
    await make_user(event=event, role=Role.CURATOR)
    await make_user(event=event, role=Role.GATE)
    items = await _items(event)
    assert [k for k, item in items.items() if not item.done] == ["messages"]
    assert items["floor_plan"].detail  # what is there, in words


async def test_partial_set_up_says_what_is_missing(db):
    event = await make_event(days=3)
    await EventDay.filter(event=event).order_by("-date").first().delete()
    now = dt.datetime.now(dt.UTC)
    event.exhibitor_reg_opens, event.exhibitor_reg_closes = now, now - dt.timedelta(days=1)
    event.visitor_reg_opens, event.visitor_reg_closes = now, now + dt.timedelta(days=1)
    await event.save()
    await Gate.create(event=event, name="Utara")  # a gate, but no device
    await RequiredDocument.create(event=event, category=Category.KRIYA,
                                  kinds=DocumentKind.NIB.value)  # not the food categories
    await FeePolicy.create(event=event)  # no account, not online
    await make_user(event=event, role=Role.CURATOR)
    items = await _items(event)
    for key in ("dates", "registration", "gates", "required_documents", "payments", "team"):
        assert not items[key].done, key
        assert items[key].detail, key


async def test_overview_shows_checklist_to_committee(client, db):
    event = await make_event()
    user = await make_user(event=event, role=Role.COMMITTEE)
    await client.login(user.email, PASSWORD)
    page = soup(await client.get(f"/manage/e/{event.slug}"))
    section = page.select_one("#setup-checklist")
    assert section is not None
    assert [li["id"] for li in section.select("li.check-item")] == [f"check-{k}" for k in KEYS]
    assert section.select_one("#check-dates")["data-done"] == "yes"
    assert section.select_one("#check-floor_plan")["data-done"] == "no"
    links = {li["id"]: li.select_one("a")["href"] for li in section.select("li.check-item")}
    assert links["check-floor_plan"] == f"/manage/e/{event.slug}/booths"
    assert links["check-required_documents"] == f"/manage/e/{event.slug}/required-documents"
    assert links["check-team"] == f"/manage/e/{event.slug}/team"
    for href in links.values():  # every link leads to a page the committee can open
        assert (await client.get(href)).status_code == 200, href


@pytest.mark.parametrize("role", [Role.CURATOR, Role.GATE])
async def test_overview_hides_checklist_from_other_roles(client, db, role):
    event = await make_event()
    user = await make_user(event=event, role=role)
    await client.login(user.email, PASSWORD)
    response = await client.get(f"/manage/e/{event.slug}")
    assert response.status_code == 200
    assert soup(response).select_one("#setup-checklist") is None


async def test_overview_of_an_event_not_mine_403(client, db):
    event = await make_event()
    other = await make_event()
    user = await make_user(event=other, role=Role.COMMITTEE)
    await client.login(user.email, PASSWORD)
    assert (await client.get(f"/manage/e/{event.slug}")).status_code == 403
