"""The event's navigation by phase: ``expo.nav.grouped`` and the tabs a role sees."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from expo.accounts.models import Role
from expo.i18n import lazy_gettext as _l
from expo.nav import AFTER, DAY, EVENT_TABS, PHASES, REGISTRATION, SETUP, Tab, grouped
from tests.factories import PASSWORD, make_event, make_user


def _tabs(*specs: tuple[str, str]) -> list[Tab]:
    return [Tab(route, _l(route), frozenset({"committee"}), i, phase)
            for i, (route, phase) in enumerate(specs)]


TABS = _tabs(("home", SETUP), ("plan", SETUP), ("apps", REGISTRATION), ("pay", REGISTRATION),
             ("gate", DAY), ("gate.setup", SETUP), ("dash", DAY), ("sales", AFTER), ("audit", AFTER))


def _href(tab: Tab) -> str:
    return "/m/e" if tab.route == "home" else "/m/e/" + tab.route.replace(".", "/")


def test_grouped_orders_phases_and_opens_the_current_one() -> None:
    phases = grouped(TABS, _href, "/m/e/gate")
    assert [p.key for p in phases] == [SETUP, REGISTRATION, DAY, AFTER]
    assert [p.current for p in phases] == [False, False, True, False]
    day = phases[2]
    assert [t.href for t in day.tabs] == ["/m/e/gate", "/m/e/dash"]
    assert [t.current for t in day.tabs] == [True, False]
    assert phases[0].href == "/m/e"  # a phase links to its first tab


def test_grouped_marks_the_tab_a_page_is_under_longest_first() -> None:
    phases = grouped(TABS, _href, "/m/e/gate/setup/3")
    current = [t.href for p in phases for t in p.tabs if t.current]
    assert current == ["/m/e/gate/setup"]
    assert [p.key for p in phases if p.current] == [SETUP]
    # the event's home is under every tab's address: it is current only on its own page
    elsewhere = grouped(TABS, _href, "/m/e/not-a-tab")
    assert not [t for p in elsewhere for t in p.tabs if t.current]
    assert [p.key for p in elsewhere if p.current] == [SETUP]  # some phase is open


def test_grouped_leaves_few_tabs_in_one_row() -> None:
    few = TABS[:3]
    assert [(p.key, len(p.tabs)) for p in grouped(few, _href, "/m/e")] == [("", 3)]
    one_phase = _tabs(*[(f"t{i}", DAY) for i in range(12)])
    assert [(p.key, len(p.tabs)) for p in grouped(one_phase, _href, "/x")] == [("", 12)]
    assert grouped([], _href, "/m/e") == []


def test_tab_refuses_an_unknown_phase() -> None:
    with pytest.raises(ValueError, match="unknown phase"):
        Tab("x", _l("X"), frozenset(), 1, "someday")


def test_every_registered_tab_has_a_phase() -> None:
    from expo.app import create_app

    create_app()
    assert EVENT_TABS and {tab.phase for tab in EVENT_TABS} <= set(PHASES)
    committee = [tab for tab in EVENT_TABS if Role.COMMITTEE in tab.roles]
    assert {tab.phase for tab in committee} == set(PHASES)  # the committee's in four phases


def _nav(response):  # type: ignore[no-untyped-def]
    nav = BeautifulSoup(response.text, "html.parser").select_one("nav.event-nav")
    assert nav is not None
    return nav


async def test_committee_sees_phases_and_the_current_phase_tabs(client, db) -> None:  # type: ignore[no-untyped-def]
    event = await make_event()
    user = await make_user(event=event, role=Role.COMMITTEE)
    await client.login(user.email, PASSWORD)
    nav = _nav(await client.get(f"/manage/e/{event.slug}/gate"))
    phases = nav.select(".phases a")
    assert [a.get_text(strip=True) for a in phases] == ["Persiapan", "Masa pendaftaran",
                                                          "Hari-H", "Sesudah acara"]
    assert [a.get("aria-current") for a in phases] == [None, None, "true", None]
    tabs = nav.select(".tab-row a")
    assert f"/manage/e/{event.slug}/gate" in [a["href"] for a in tabs]
    assert f"/manage/e/{event.slug}/edit" not in [a["href"] for a in tabs]  # a set-up tab
    current = [a["href"] for a in tabs if a.get("aria-current") == "page"]
    assert current == [f"/manage/e/{event.slug}/gate"]
    # each phase's link leads to a page whose row holds that phase's tabs
    setup = _nav(await client.get(phases[0]["href"]))
    assert f"/manage/e/{event.slug}/edit" in [a["href"] for a in setup.select(".tab-row a")]


async def test_gate_staff_see_their_few_tabs_in_one_row(client, db) -> None:  # type: ignore[no-untyped-def]
    event = await make_event()
    user = await make_user(event=event, role=Role.GATE)
    await client.login(user.email, PASSWORD)
    nav = _nav(await client.get(f"/manage/e/{event.slug}"))
    assert not nav.select(".phases")
    hrefs = [a["href"] for a in nav.select(".tab-row a")]
    assert f"/manage/e/{event.slug}/gate" in hrefs
    assert not any(h.endswith(("/edit", "/audit", "/dashboard")) for h in hrefs)


async def test_event_nav_is_not_shown_to_strangers(client, db) -> None:  # type: ignore[no-untyped-def]
    event = await make_event()
    other = await make_event()
    user = await make_user(event=other, role=Role.COMMITTEE)
    await client.login(user.email, PASSWORD)
    response = await client.get(f"/manage/e/{event.slug}/gate")
    assert response.status_code in (403, 404)
    assert "event-nav" not in response.text


async def test_exhibitor_tabs_wait_for_an_accepted_application(client, db) -> None:  # type: ignore[no-untyped-def]
    from expo.exhibitors.models import Application, AppStatus
    from tests.exhibitors.factories import make_application, make_producer

    event = await make_event()
    user = await make_user()
    app = await make_application(event=event, producer=await make_producer(user=user),
                                 status=AppStatus.DRAFT)
    await client.login(user.email, PASSWORD)
    mine = f"/manage/e/{event.slug}/my-booth"
    hrefs = [a["href"] for a in _nav(await client.get(f"/manage/e/{event.slug}")).select("a")]
    assert mine not in hrefs and f"/e/{event.slug}/map" in hrefs  # a draft: no booth yet
    assert (await client.get(mine)).status_code == 404  # the page the tab would lead to
    await Application.filter(id=app.id).update(status=AppStatus.ACCEPTED)
    hrefs = [a["href"] for a in _nav(await client.get(f"/manage/e/{event.slug}")).select("a")]
    assert mine in hrefs and f"/manage/e/{event.slug}/leads/posters" in hrefs
    assert (await client.get(mine)).status_code == 200


async def test_superuser_is_not_shown_a_producer_s_tabs(client, db) -> None:  # type: ignore[no-untyped-def]
    event = await make_event()
    admin = await make_user(superuser=True)
    await client.login(admin.email, PASSWORD)
    hrefs = []
    for tab in ("allocation", "gate", "sales"):  # the phases with a producer's tabs
        hrefs += [a["href"] for a in _nav(await client.get(f"/manage/e/{event.slug}/{tab}")).select("a")]
    assert {f"/manage/e/{event.slug}/{tab}" for tab in ("allocation", "gate", "sales")} <= set(hrefs)
    assert f"/manage/e/{event.slug}/leads/posters" in hrefs  # the committee's page too
    assert not any(h.endswith(("/my-booth", "/invoice", "/my-sales", "/leads")) for h in hrefs)
