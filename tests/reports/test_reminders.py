"""The hourly sales-report reminder: from 16:00 at the event on its days, once per producer
and day, only to accepted exhibitors that have not reported (the clock is the payload's)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from expo.accounts.models import User
from expo.app import create_app
from expo.events.models import EventStatus
from expo.exhibitors.models import AppStatus
from expo.jobs import queue, worker
from expo.jobs.models import Job, JobState
from expo.outbox import Channel, OutboxMessage
from expo.reports import reminders, service
from expo.reports.service import SalesInput
from tests.factories import make_event, make_user
from tests.reports.factories import make_exhibitor

WITA = ZoneInfo("Asia/Makassar")
DAY = dt.date(2027, 4, 20)


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    """A time at the event (WITA), as the UTC instant the worker's clock would give."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=WITA).astimezone(dt.UTC)


async def _run(now: dt.datetime) -> None:
    await queue.enqueue(reminders.KIND, {"now": now.isoformat()})
    await queue.drain()


async def _reminded() -> list[OutboxMessage]:
    return await OutboxMessage.filter(kind="reports.sales_reminder").order_by("id")


async def test_reminders_once_per_producer_and_day_to_whoever_has_not_reported(db):
    event = await make_event(starts_on=DAY, days=2)
    reporter, p1 = await make_exhibitor(event)
    _u2, p2 = await make_exhibitor(event)
    _u3, _p3 = await make_exhibitor(event, status=AppStatus.WAITLISTED)
    await service.save_report(event=event, producer=p1, by=reporter,
                              data=SalesInput(day=DAY, omzet=150_000, units=3))
    await _run(at(16, 5))
    rows = await _reminded()
    assert {(r.channel, r.to) for r in rows} == {(Channel.WHATSAPP, p2.phone),
                                                 (Channel.EMAIL, p2.email)}
    key = f"reports.sales_reminder:{event.id}:{p2.id}:{DAY.isoformat()}"
    assert {r.key for r in rows} == {f"{key}:whatsapp", f"{key}:email"}
    link = f"http://testserver/manage/e/{event.slug}/my-sales?day={DAY.isoformat()}"
    assert all(link in r.body and r.event_id == event.id for r in rows)
    assert {r.subject for r in rows} == {"Laporkan penjualan Anda tanggal 20 April 2027"}
    await _run(at(17, 5))
    await _run(at(23, 55))
    assert len(await _reminded()) == 2  # the same day: nothing new
    await _run(at(16, 30, DAY + dt.timedelta(days=1)))
    assert {r.key.rsplit(":", 2)[1] for r in await _reminded()} == {
        DAY.isoformat(), (DAY + dt.timedelta(days=1)).isoformat()}
    assert {r.to for r in await _reminded()} >= {p1.email, p2.email}  # p1 has not reported day 2


async def test_reminders_nothing_before_four_or_outside_event_days(db):
    event = await make_event(starts_on=DAY, days=1)
    await make_exhibitor(event)
    await _run(at(15, 59))
    await _run(at(18, 0, DAY - dt.timedelta(days=1)))
    await _run(at(18, 0, DAY + dt.timedelta(days=1)))
    assert await _reminded() == []
    assert await Job.filter(kind=reminders.KIND, state=JobState.DONE).count() == 3


async def test_reminders_use_the_event_time_zone(db):
    event = await make_event(starts_on=DAY, days=1, timezone="Asia/Jakarta")  # WIB, WITA - 1 h
    await make_exhibitor(event)
    await _run(at(16, 30))  # 15.30 in Jakarta
    assert await _reminded() == []
    await _run(at(17, 30))
    assert len(await _reminded()) == 2


async def test_reminders_skip_draft_events_and_hand_reminded_producers(db):
    draft = await make_event(starts_on=DAY, days=1, status=EventStatus.DRAFT)
    await make_exhibitor(draft)
    event = await make_event(starts_on=DAY, days=1)
    await make_exhibitor(event)
    await make_exhibitor(event)
    committee = await make_user()
    await service.send_reminders(event=event, day=DAY, settings=None, by=committee)
    by_hand = [r.to for r in await _reminded()]  # the button sends the same message
    assert len(by_hand) == len(set(by_hand)) == 4  # two exhibitors, WhatsApp and email each
    _u3, p3 = await make_exhibitor(event)  # accepted after the committee's reminder
    await _run(at(16, 30))
    assert {r.to for r in await _reminded()} - set(by_hand) == {p3.phone, p3.email}
    assert len(await _reminded()) == 6  # nobody twice


async def test_reminders_in_the_owners_language(db):
    event = await make_event(starts_on=DAY, days=1)
    user, _producer = await make_exhibitor(event)
    await User.filter(id=user.id).update(locale="en")
    await _run(at(16, 30))
    email = next(r for r in await _reminded() if r.channel == Channel.EMAIL)
    assert email.subject == "Report your sales of 20 April 2027"
    assert email.locale == "en"


async def test_reminders_job_refuses_a_clock_without_offset(db):
    job = await queue.enqueue(reminders.KIND, {"now": "2027-04-20T17:00:00"})
    await queue.drain()
    assert (await Job.get(id=job.id)).state == JobState.DEAD


def test_reminders_are_scheduled_hourly(settings):
    app = create_app(settings, manage_db=False)
    assert any(s.kind == reminders.KIND and s.seconds == 3600 for s in worker.schedules())
    assert app.url_path_for("reports.my_sales", slug="hkn") == "/manage/e/hkn/my-sales"
