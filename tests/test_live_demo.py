"""The live demo: right after the demo loads, whatever the hour, a newcomer can register as a
visitor, a demo ticket scans green at a demo gate, and the dashboard shows today's check-ins.
Also: the demo is dated around the moment it loads, last year's fair is there for history, and
the published plan follows its own zone rules."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup

from expo.booths.allocation import policy_for, previous_producers
from expo.booths.models import AllocationRun, Assignment, Booth, RunStatus
from expo.demo import DEMO_PASSWORD, DEMO_SLUG, PAST_SLUG, DemoContext, load_demo, reset_demo
from expo.events.demo import day_hours
from expo.events.models import Event, EventDay
from expo.exhibitors.models import Application, AppStatus, Category
from expo.visitors import checkin, keys, service
from expo.visitors.models import Gate, Scan, Visitor
from tests.booths import test_demo as booths_demo
from tests.exhibitors import test_demo as exhibitors_demo
from tests.leads import test_demo as leads_demo
from tests.procurement import test_demo as procurement_demo
from tests.reports import test_demo as reports_demo
from tests.visitors import test_demo as visitors_demo

Check = Callable[[DemoContext], Awaitable[None]]

WITA = ZoneInfo("Asia/Makassar")


def _wita(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=WITA)


@pytest.mark.parametrize(("hour", "minute", "hours"), [
    (12, 0, ("09:00", "21:00")),    # in the fair's real hours
    (7, 30, ("06:30", "21:00")),    # early: opens an hour before
    (20, 15, ("09:00", "23:15")),   # evening: closes three hours after
    (23, 30, ("09:00", "23:59")),   # late: within the day
    (0, 20, ("00:00", "21:00")),    # just after midnight: from the day's start
])
def test_day_hours_widen_today_to_cover_the_load(hour: int, minute: int,
                                                 hours: tuple[str, str]) -> None:
    day = dt.date(2026, 12, 2)
    assert day_hours(day, _wita(day, hour, minute)) == hours
    # the other days keep the fair's real hours; the last day closes at 17:00
    assert day_hours(day + dt.timedelta(days=1), _wita(day, hour, minute)) == ("09:00", "21:00")
    assert day_hours(day - dt.timedelta(days=1), _wita(day, hour, minute),
                     last=True) == ("09:00", "17:00")


DOMAIN_CHECKS: list[Check] = [
    *visitors_demo.CHECKS, *exhibitors_demo.CHECKS, *booths_demo.CHECKS, *leads_demo.CHECKS,
    *reports_demo.CHECKS, *procurement_demo.CHECKS]


async def test_demo_of_every_domain_then_live(client, settings) -> None:  # type: ignore[no-untyped-def]
    """One demo load (seconds of work) for every domain's checks of the demo, last year's
    fair and the plan's zone rules; then, as a newcomer would right after the demo loads:
    register, scan green, see today's check-ins on the dashboard."""
    ctx = await load_demo()
    for check in [*DOMAIN_CHECKS, check_last_years_fair, check_plan_follows_its_zone_rules]:
        await check(ctx)
    await _live(client, settings, ctx)


async def _live(client, settings, ctx: DemoContext) -> None:  # type: ignore[no-untyped-def]
    event = ctx.event
    checkin.forget_event()  # the gate rules and hours as this demo made them

    # the event page says producers can apply (Indonesian by default)
    public = await client.get(f"/e/{DEMO_SLUG}")
    assert public.status_code == 200 and "/exhibitor/signup" in public.text
    assert "Pendaftaran bagi pelaku usaha telah dibuka." in public.text

    # the public register form is open
    page = await client.get(f"/e/{DEMO_SLUG}/register")
    assert page.status_code == 200
    form = BeautifulSoup(page.text, "html.parser").select_one("form.card")
    assert form is not None and form.select_one("input[name=name]") is not None
    await client.fetch_csrf(f"/e/{DEMO_SLUG}/register")
    done = await client.submit(f"/e/{DEMO_SLUG}/register", {
        "name": "Nadia Pengunjung", "phone": "0812 5555 0101", "type": "umum",
        "kabupaten": "Kota Samarinda"})
    assert done.status_code == 303 and "/t/" in done.headers["location"]
    newcomer = await Visitor.get(event=event, name="Nadia Pengunjung")

    # a demo ticket (and the newcomer's) scans green at a demo gate with a device token
    gate = await Gate.get(event=event, name="Pintu Utama")
    _token, plain = await service.create_device_token(event=event, gate=gate, kiosk=False,
                                                      by=None)
    auth = {"Authorization": f"Bearer {plain}"}
    signer = await keys.keyring(event_id=event.id, settings=settings)
    waiting = await Visitor.filter(event=event, last_in_day=None, group_id=None,
                                   source="online").order_by("id").first()
    assert waiting is not None
    url = f"/api/v1/events/{DEMO_SLUG}/scans"
    for visitor in (waiting, newcomer):
        code = service.ticket_code(visitor=visitor, signer=signer)
        answer = await client.post(url, json={"code": code}, headers=auth)
        assert answer.status_code == 200
        body = answer.json()
        assert body["status"] == "ok", body
        assert body["visitor"]["name"] == visitor.name
    assert (await client.post(url, json={"code": "x"})).status_code == 401  # no token

    # the dashboard is the committee's: the gate staff get a 403, an unknown fair a 404
    await client.login("gerbang@expo.test", DEMO_PASSWORD)
    assert (await client.get(f"/manage/e/{DEMO_SLUG}/dashboard")).status_code == 403
    assert (await client.get("/manage/e/no-such-fair/dashboard")).status_code == 404

    # it shows today's check-ins: the demo's earlier ones and these two
    today = dt.datetime.now(WITA).date()
    earlier = await Visitor.filter(event=event, last_in_day=today).count()
    assert earlier > 100
    client.cookies.clear()  # a new browser: the committee signs in
    await client.login("panitia@expo.test", DEMO_PASSWORD)
    board = await client.get(f"/manage/e/{DEMO_SLUG}/dashboard")
    assert board.status_code == 200
    tile = BeautifulSoup(board.text, "html.parser").select_one('[data-stat="checked-in"]')
    assert tile is not None
    assert int(re.sub(r"\D", "", tile.get_text())) == earlier > 0


async def test_demo_is_dated_around_its_load_and_reset_removes_it(db: str) -> None:
    loaded = _wita(dt.date(2026, 3, 10), 22, 40)
    ctx = await load_demo(now=loaded)
    event = ctx.event
    today = loaded.date()
    assert (event.starts_on, event.ends_on) == (today - dt.timedelta(days=1),
                                                today + dt.timedelta(days=1))
    assert event.visitor_reg_opens < loaded < event.visitor_reg_closes
    assert event.exhibitor_reg_opens < loaded < event.exhibitor_reg_closes
    day = await EventDay.get(event=event, date=today)
    assert (day.opens_at, day.closes_at) == ("09:00", "23:59")  # 22:40 + 3 h: within the day
    # check-ins and leads: yesterday's, and today's up to the load, never after it
    scans = await Scan.filter(event=event).values_list("day", "scanned_at")
    assert {d for d, _at in scans} == {today - dt.timedelta(days=1), today}
    assert all(at <= loaded for _d, at in scans)
    from expo.leads.models import Lead
    firsts = await Lead.filter(event=event).values_list("first_at", flat=True)
    assert firsts and all(at <= loaded for at in firsts)  # type: ignore[operator]
    assert any(at.astimezone(WITA).date() == today for at in firsts)  # type: ignore[union-attr]

    # `demo --reset` removes both fairs (tests/test_cli.py loads it again, dated around today)
    await reset_demo()
    assert not await Event.filter(slug__in=[DEMO_SLUG, PAST_SLUG]).exists()


async def check_last_years_fair(ctx: DemoContext) -> None:
    """Last year's fair placed producers that come again: this year's rotation penalty."""
    past = await Event.get(slug=PAST_SLUG)
    assert past.ends_on < ctx.event.starts_on
    run = await AllocationRun.get(event=past)
    assert run.status == RunStatus.PUBLISHED
    assert await Assignment.filter(run=run).count() == await Application.filter(
        event=past, status=AppStatus.ACCEPTED).count() >= 12
    again = set(await Application.filter(event=ctx.event, status=AppStatus.ACCEPTED)
                .values_list("producer_id", flat=True))
    previous = await previous_producers(ctx.event)
    assert len(previous & again) >= 5  # the rotation penalty applies to them this year


FOOD = ("nastar", "amplang", "kue talam", "lempok", "sambal")


async def check_plan_follows_its_zone_rules(ctx: DemoContext) -> None:
    rules = (await policy_for(ctx.event)).zone_rules
    held = await Booth.filter(event=ctx.event, holder_id__not_isnull=True).select_related(
        "hall", "holder__producer")
    assert len(held) >= 15
    for booth in held:
        producer = booth.holder.producer
        assert booth.zone in rules[str(producer.category)], (producer.business_name, booth.code)
        if producer.cluster in FOOD:
            assert booth.hall.name == "Halaman Kuliner", (producer.business_name, booth.code)
        if producer.cluster == "batik":
            assert booth.zone == "Batik & Fesyen", (producer.business_name, booth.code)
    clusters = {b.holder.producer.cluster for b in held}
    assert {"nastar", "amplang", "batik", "rotan"} <= clusters
    food = [b for b in held if b.hall.name == "Halaman Kuliner"]
    assert len(food) >= 8  # a food hall that looks used
    categories = {b.holder.producer.category for b in held}
    assert {Category.KULINER, Category.OLEH_OLEH, Category.FESYEN, Category.KRIYA} <= categories
