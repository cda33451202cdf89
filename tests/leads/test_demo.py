"""Checks of the leads demo: leads, inquiries and the grouped nastar offer, dated within the opening hours so far.

They run on the one demo load every domain shares (tests/test_live_demo.py): a load costs
seconds, once is enough."""

import datetime as dt
import random
from zoneinfo import ZoneInfo

from expo.events.demo import DemoContext
from expo.events.models import EventDay
from expo.leads import demo, matching
from expo.leads.models import (
    ContactRequest,
    GroupedOffer,
    Inquiry,
    Lead,
    OfferShare,
    SavedStand,
)


async def check_leads_inquiries_and_the_nastar_offer(ctx: DemoContext) -> None:
    assert await Lead.filter(event=ctx.event).count() > 50
    assert await Inquiry.filter(event=ctx.event, buyer_type="instansi").count() >= 3
    offer = await GroupedOffer.get(event=ctx.event)
    shares = await OfferShare.filter(offer=offer)
    assert offer.quantity == 2000 and len(shares) == 4
    assert sum(s.quantity for s in shares) == 2000
    summary = await matching.committee_summary(event=ctx.event)
    assert any(r.label == "Dinas Pariwisata Provinsi Kaltim" for r in summary.per_agency)


async def check_leads_fall_in_the_opening_hours_so_far(ctx: DemoContext) -> None:
    event = ctx.event
    tz = ZoneInfo(event.timezone)
    hours = {d.date: (d.opens, d.closes) for d in await EventDay.filter(event=event)}

    def open_then(at: dt.datetime) -> bool:
        local = at.astimezone(tz)
        opens, closes = hours.get(local.date(), (dt.time.max, dt.time.min))
        return opens <= local.time() < closes

    leads = await Lead.filter(event=event).prefetch_related("visitor")
    assert leads and all(open_then(x.first_at) and open_then(x.last_at) for x in leads)
    assert all(x.first_at <= x.last_at for x in leads)
    # a checked-in visitor reaches stands after entering at the gate
    assert all(x.first_at >= x.visitor.last_in_at for x in leads if x.visitor.last_in_at)
    assert len({x.first_at.astimezone(tz).hour for x in leads}) >= 8  # spread over the day
    others = [s.created_at for s in await SavedStand.filter(application__event=event)]
    others += [c.created_at for c in await ContactRequest.filter(application__event=event)]
    others += [c.consent_at for c in await ContactRequest.filter(application__event=event)
               if c.consent_at]
    others += [i.created_at for i in await Inquiry.filter(event=event)]
    assert others and all(open_then(at) for at in others)
    # nothing happened after the demo was loaded
    assert all(x.last_at <= ctx.now for x in leads) and all(at <= ctx.now for at in others)


CHECKS = [check_leads_inquiries_and_the_nastar_offer, check_leads_fall_in_the_opening_hours_so_far]


def test_contact_moments_are_seeded_and_inside_opening_hours():
    tz = dt.timezone(dt.timedelta(hours=8))
    windows = [(dt.datetime(2027, 4, 20, 9, tzinfo=tz), dt.datetime(2027, 4, 20, 21, tzinfo=tz)),
               (dt.datetime(2027, 4, 22, 9, tzinfo=tz), dt.datetime(2027, 4, 22, 17, tzinfo=tz))]
    late = dt.datetime(2027, 4, 20, 20, 59, 30, tzinfo=tz)
    entries = [None, windows[0][0], late, dt.datetime(2027, 4, 21, 12, tzinfo=tz)]

    def moments(seed: int) -> list[dt.datetime]:
        rng = random.Random(seed)
        firsts = [demo.contact_moment(rng, windows, e) for e in entries * 50]
        return firsts + [demo.later_moment(rng, windows, f) for f in firsts]

    got = moments(7)
    assert got == moments(7) and got != moments(8)
    assert all(any(o <= at < c for o, c in windows) for at in got)
    assert demo.contact_moment(random.Random(1), windows, late) >= late
