"""Checks of the visitors demo: tickets and check-ins, yesterday and today up to the load.

They run on the one demo load every domain shares (tests/test_live_demo.py): a load costs
seconds, once is enough."""

import datetime as dt

from expo.events.demo import DemoContext
from expo.events.models import EventDay
from expo.visitors import service
from expo.visitors.models import Scan, Visitor
from tests.visitors.helpers import local


async def check_visitors_with_checkins_yesterday_and_today_within_hours(
        ctx: DemoContext) -> None:
    """One load: the tickets, yesterday's (opening day) and today's check-ins so far, and
    every scan within its day's opening hours (early admission included), none after the
    load."""
    event = ctx.event
    assert await Visitor.filter(event=event).count() >= 500
    assert await Scan.filter(event=event, ok=True, direction="in").count() > 300
    opening = await service.counters(event=event, now=local(event.starts_on, "21:00"))
    assert opening.checked_in > 100 and opening.inside == 0  # everyone left last night
    assert len(opening.per_hour) == 12 and len(opening.per_gate) == 3
    today = await service.counters(event=event, now=ctx.now)
    assert today.day == ctx.today and today.checked_in > 100
    assert 0 < today.inside < today.checked_in
    days = {d.date: d for d in await EventDay.filter(event=event)}
    rows = await Scan.filter(event=event).values_list("day", "scanned_at")
    assert rows and {d for d, _at in rows} == {event.starts_on, ctx.today}
    for day, at in rows:
        hours = days[day]
        opens = local(day, hours.opens_at) - dt.timedelta(minutes=30)  # early admission
        assert opens <= at <= min(local(day, hours.closes_at), ctx.now)


CHECKS = [check_visitors_with_checkins_yesterday_and_today_within_hours]
