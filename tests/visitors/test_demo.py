import datetime as dt

from expo.demo import load_demo
from expo.visitors import service
from expo.visitors.models import Scan, Visitor
from tests.visitors.helpers import local


async def test_demo_has_visitors_and_opening_day_checkins(db):
    ctx = await load_demo()
    assert await Visitor.filter(event=ctx.event).count() >= 500
    assert await Scan.filter(event=ctx.event, ok=True, direction="in").count() > 300
    numbers = await service.counters(event=ctx.event, now=local(ctx.event.starts_on, "21:00"))
    assert numbers.checked_in > 300 and 0 < numbers.inside < numbers.checked_in
    assert len(numbers.per_hour) == 12 and len(numbers.per_gate) == 3


async def test_demo_scans_fall_within_opening_hours(db):
    from expo.events.models import EventDay

    ctx = await load_demo()
    day = await EventDay.get(event=ctx.event, date=ctx.event.starts_on)
    opens = local(day.date, day.opens_at) - dt.timedelta(minutes=30)  # early admission
    closes = local(day.date, day.closes_at)
    times = await Scan.filter(event=ctx.event).values_list("scanned_at", flat=True)
    assert times and all(opens <= t <= closes for t in times)
